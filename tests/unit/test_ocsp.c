/*
 * OCSP (lib/gpu/ocsp.c): NVIDIA's real responses for the device and RIM
 * chains of shared/fixtures/nvidia/h100_550.90.07_full verify at their
 * producedAt with the status expected.json states; single-byte tampering,
 * wrong certificates, time windows, truncation and nonces fail with the
 * right reason; synthetic responses (a P-384 CA, a delegated responder and
 * responses encoded and signed here, independently of the library) cover
 * revoked, on hold, unknown, SHA-1/SHA-256 CertIDs, byName, missing EKU,
 * foreign responders and critical extensions; the request encoding is
 * compared with DER assembled by hand from the fields (and with the CertID
 * NVIDIA's responder echoed); the result checks run offline and online
 * through a fake transport.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <jansson.h>
#include <mbedtls/asn1write.h>
#include <mbedtls/ecp.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha1.h>
#include <mbedtls/sha256.h>
#include <mbedtls/sha512.h>
#include <mbedtls/x509_crt.h>

#include "unit.h"

#include "crypto/crypto.h"
#include "crypto/x509.h"
#include "gpu/ocsp.h"

#define CASE "nvidia/h100_550.90.07_full/"

/* ---- byte strings ---------------------------------------------------------- */

typedef struct bb {
    uint8_t *p;
    size_t n;
} bb;

static bb bb_of(const void *d, size_t n)
{
    bb b = {malloc(n ? n : 1), n};
    if (n)
        memcpy(b.p, d, n);
    return b;
}

static bb bb_hex(const char *hex)
{
    uint8_t tmp[512];
    size_t n = unit_unhex(tmp, sizeof tmp, hex);
    if (n == (size_t)-1) {
        printf("Bail out! bad hex literal\n");
        exit(1);
    }
    return bb_of(tmp, n);
}

/* a ‖ b, consuming both */
static bb cat(bb a, bb b)
{
    bb r = {malloc(a.n + b.n + 1), a.n + b.n};
    memcpy(r.p, a.p, a.n);
    memcpy(r.p + a.n, b.p, b.n);
    free(a.p);
    free(b.p);
    return r;
}

/* tag ‖ DER length ‖ content, consuming content; written by hand so the
 * library's writer is not checked against itself. */
static bb tlv(uint8_t tag, bb c)
{
    uint8_t h[6];
    size_t hn = 0;
    h[hn++] = tag;
    if (c.n < 0x80) {
        h[hn++] = (uint8_t)c.n;
    } else if (c.n < 0x100) {
        h[hn++] = 0x81;
        h[hn++] = (uint8_t)c.n;
    } else {
        h[hn++] = 0x82;
        h[hn++] = (uint8_t)(c.n >> 8);
        h[hn++] = (uint8_t)c.n;
    }
    return cat(bb_of(h, hn), c);
}

static bb empty(void)
{
    return bb_of("", 0);
}

/* ---- certificates ------------------------------------------------------------ */

typedef struct der {
    uint8_t *p;
    size_t len;
} der;

static size_t pem_split(const char *pem, der *out, size_t max)
{
    static const char begin[] = "-----BEGIN CERTIFICATE-----";
    static const char end[] = "-----END CERTIFICATE-----";
    size_t n = 0;
    const char *p = pem;
    while (n < max && (p = strstr(p, begin)) != NULL) {
        p += sizeof begin - 1;
        const char *e = strstr(p, end);
        if (!e)
            break;
        out[n].p = malloc(ta_base64_decoded_max((size_t)(e - p)) + 1);
        char *b64 = malloc((size_t)(e - p) + 1);
        size_t bl = 0;
        for (const char *q = p; q < e; q++)
            if (*q != '\n' && *q != '\r' && *q != ' ')
                b64[bl++] = *q;
        int64_t r = ta_base64_decode(out[n].p, ta_base64_decoded_max(bl), b64,
                                     bl, false);
        free(b64);
        if (r <= 0)
            break;
        out[n].len = (size_t)r;
        n++;
        p = e + sizeof end - 1;
    }
    return n;
}

/* The RIM signer chain from the XMLDSig KeyInfo (leaf first). */
static size_t rim_chain(const char *rel, der *out, size_t max)
{
    char *xml = (char *)unit_fixture(rel, NULL);
    static const char open[] = "<ds:X509Certificate>";
    size_t n = 0;
    const char *p = xml;
    while (n < max && (p = strstr(p, open)) != NULL) {
        p += sizeof open - 1;
        const char *e = strchr(p, '<');
        if (!e)
            break;
        char *b64 = malloc((size_t)(e - p) + 1);
        size_t bl = 0;
        for (const char *q = p; q < e; q++)
            if (*q != '\n' && *q != '\r' && *q != ' ' && *q != '\t')
                b64[bl++] = *q;
        out[n].p = malloc(ta_base64_decoded_max(bl) + 1);
        int64_t r = ta_base64_decode(out[n].p, ta_base64_decoded_max(bl), b64,
                                     bl, false);
        free(b64);
        if (r <= 0)
            break;
        out[n].len = (size_t)r;
        n++;
        p = e;
    }
    free(xml);
    return n;
}

static void serial_hex(const der *c, char *out)
{
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    out[0] = 0;
    if (!mbedtls_x509_crt_parse_der(&crt, c->p, c->len)) {
        const uint8_t *s = crt.serial.p;
        size_t n = crt.serial.len;
        while (n > 1 && s[0] == 0)
            s++, n--;
        for (size_t i = 0; i < n; i++)
            sprintf(out + 2 * i, "%02X", s[i]);
    }
    mbedtls_x509_crt_free(&crt);
}

static int64_t iso_time(const char *s)
{
    int y, mo, d, h, mi, se;
    if (sscanf(s, "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &se) != 6)
        return -1;
    return ta_timegm(y, mo, d, h, mi, se);
}

static uint8_t *memfind(uint8_t *hay, size_t hn, const uint8_t *nd, size_t nn)
{
    for (size_t i = 0; nn && i + nn <= hn; i++)
        if (memcmp(hay + i, nd, nn) == 0)
            return hay + i;
    return NULL;
}

/* ---- fixture set -------------------------------------------------------------- */

static der dev[5], drv[4], vb[4];
static size_t n_dev, n_drv, n_vb;
static teeattest_ctx *ctx;

static const ta_ocsp_verify_opts *vopts(int64_t at)
{
    static ta_ocsp_verify_opts o;
    memset(&o, 0, sizeof o);
    o.at = at;
    return &o;
}

/* The certificate with this serial in any fixture chain, and its issuer. */
static bool find_pair(const char *serial, der *cert, der *issuer)
{
    der *chains[3] = {dev, drv, vb};
    size_t ns[3] = {n_dev, n_drv, n_vb};
    for (int c = 0; c < 3; c++)
        for (size_t i = 0; i + 1 < ns[c]; i++) {
            char hex[80];
            serial_hex(&chains[c][i], hex);
            if (strcmp(hex, serial) == 0) {
                *cert = chains[c][i];
                *issuer = chains[c][i + 1];
                return true;
            }
        }
    return false;
}

static int verify_der(const uint8_t *r, size_t n, const der *cert,
                      const der *issuer, const ta_ocsp_verify_opts *o,
                      ta_ocsp_info *info)
{
    teeattest_error e = TEEATTEST_ERROR_INIT;
    int rc = ta_ocsp_response_verify(ctx, r, n, cert->p, cert->len, issuer->p,
                                     issuer->len, o, info, &e);
    if (rc)
        printf("#   (%d) %s\n", rc, e.message);
    return rc;
}

static void test_fixture_responses(void)
{
    size_t n;
    char *text = (char *)unit_fixture(CASE "expected.json", &n);
    json_t *j = json_loadb(text, n, 0, NULL);
    free(text);
    json_t *list = json_object_get(j, "ocsp_responses");
    CHECK_EQ_INT(json_array_size(list), 7);
    size_t idx;
    json_t *it;
    json_array_foreach(list, idx, it) {
        const char *file = json_string_value(json_object_get(it, "file"));
        const char *serial = json_string_value(json_object_get(it, "serial_hex"));
        const char *st = json_string_value(json_object_get(it, "cert_status"));
        const char *produced = json_string_value(json_object_get(it, "produced_at"));
        const char *hash = json_string_value(json_object_get(it, "certid_hash"));
        const char *responder = json_string_value(json_object_get(it, "responder"));
        char rel[256];
        snprintf(rel, sizeof rel, "nvidia/%s", file);
        size_t rl;
        uint8_t *resp = unit_fixture(rel, &rl);
        der cert, issuer;
        printf("# %s\n", file);
        if (!CHECK(find_pair(serial, &cert, &issuer))) {
            free(resp);
            continue;
        }
        ta_ocsp_info info;
        int64_t at = iso_time(produced);
        CHECK_EQ_INT(verify_der(resp, rl, &cert, &issuer, vopts(at), &info),
                     TEEATTEST_OK);
        CHECK_EQ_INT(info.status, strcmp(st, "GOOD") == 0 ? TA_OCSP_STATUS_GOOD
                                                           : -1);
        CHECK_EQ_INT(info.certid_hash,
                     strcmp(hash, "sha384") == 0 ? TA_OCSP_HASH_SHA384 : -1);
        CHECK(info.delegated);
        CHECK(!info.nonce_present);
        CHECK_EQ_INT(info.produced_at, at);
        CHECK_EQ_INT(info.this_update,
                     iso_time(json_string_value(json_object_get(it, "this_update"))));
        CHECK_EQ_INT(info.next_update,
                     iso_time(json_string_value(json_object_get(it, "next_update"))));
        /* mbedTLS prints the DN in certificate order; compare the CN. */
        const char *cn = strstr(responder, "CN=");
        CHECK(cn && strstr(info.responder, cn));
        /* at the case's common verify_at the device responders expired */
        if (strstr(file, "/device_")) {
            CHECK_EQ_INT(verify_der(resp, rl, &cert, &issuer,
                                    vopts(iso_time("2025-12-24T12:00:00")),
                                    &info), TEEATTEST_E_CERT_CHAIN);
        }
        free(resp);
    }
    json_decref(j);
}

/* ---- tampering on the BROM response ----------------------------------------------- */

static void test_fixture_tamper(void)
{
    size_t rl;
    uint8_t *orig = unit_fixture(CASE "ocsp/device_l4_gsp_brom.der", &rl);
    uint8_t *r = malloc(rl + 1);
    der cert = dev[1], issuer = dev[2];
    int64_t at = iso_time("2025-08-21T06:47:07");
    ta_ocsp_info info;

#define RESET() memcpy(r, orig, rl)
    /* tbsResponseData: producedAt seconds digit 7 -> 6 (still a valid time) */
    RESET();
    uint8_t *pa = memfind(r, rl, (const uint8_t *)"20250821064707Z", 15);
    CHECK(pa != NULL);
    pa[13] = '6';
    CHECK_EQ_INT(verify_der(r, rl, &cert, &issuer, vopts(at), &info),
                 TEEATTEST_E_VERIFY_FAILED);
    CHECK_EQ_INT(info.failure, TA_OCSP_FAIL_SIGNATURE);

    /* thisUpdate (second occurrence of the time) */
    RESET();
    pa = memfind(r, rl, (const uint8_t *)"20250821064707Z", 15);
    pa = memfind(pa + 1, rl - (size_t)(pa + 1 - r),
                 (const uint8_t *)"20250821064707Z", 15);
    CHECK(pa != NULL);
    pa[13] = '6';
    CHECK_EQ_INT(verify_der(r, rl, &cert, &issuer, vopts(at), &info),
                 TEEATTEST_E_VERIFY_FAILED);
    CHECK_EQ_INT(info.failure, TA_OCSP_FAIL_SIGNATURE);

    /* the signature: a byte inside r of ECDSA-Sig-Value */
    RESET();
    static const uint8_t sigalg[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
                                     0x3d, 0x04, 0x03, 0x03};
    uint8_t *sa = memfind(r, rl, sigalg, sizeof sigalg);
    CHECK(sa != NULL);
    /* 03 len 00 30 len 02 len r... */
    uint8_t *sb = sa + sizeof sigalg;
    CHECK(sb[0] == 0x03 && sb[2] == 0x00 && sb[3] == 0x30);
    sb[10] ^= 0x01;
    CHECK_EQ_INT(verify_der(r, rl, &cert, &issuer, vopts(at), &info),
                 TEEATTEST_E_VERIFY_FAILED);
    CHECK_EQ_INT(info.failure, TA_OCSP_FAIL_SIGNATURE);

    /* CertID: serial, issuerNameHash, issuerKeyHash, hash algorithm */
    static const uint8_t serial[] = {0x41, 0x43, 0x1d, 0x48, 0x0f,
                                     0xe5, 0xe8, 0x72, 0x74};
    RESET();
    uint8_t *se = memfind(r, rl, serial, sizeof serial);
    CHECK(se != NULL);
    se[8] ^= 0x01;
    CHECK_EQ_INT(verify_der(r, rl, &cert, &issuer, vopts(at), &info),
                 TEEATTEST_E_VERIFY_FAILED);
    CHECK_EQ_INT(info.failure, TA_OCSP_FAIL_CERTID);
    CHECK(!info.certid_matched);
    static const uint8_t certid_head[] = {0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                          0x65, 0x03, 0x04, 0x02, 0x02,
                                          0x05, 0x00, 0x04, 0x30};
    for (int k = 0; k < 3; k++) {
        RESET();
        uint8_t *ch = memfind(r, rl, certid_head, sizeof certid_head);
        CHECK(ch != NULL);
        if (k == 0)
            ch[sizeof certid_head + 5] ^= 0x80; /* issuerNameHash */
        else if (k == 1)
            ch[sizeof certid_head + 48 + 2 + 7] ^= 0x80; /* issuerKeyHash */
        else
            ch[10] = 0x03; /* sha384 -> sha512 OID: unsupported */
        CHECK_EQ_INT(verify_der(r, rl, &cert, &issuer, vopts(at), &info),
                     TEEATTEST_E_VERIFY_FAILED);
        CHECK_EQ_INT(info.failure, TA_OCSP_FAIL_CERTID);
    }

    /* responder certificate: a byte of its signature (the file's end) */
    RESET();
    r[rl - 3] ^= 0x01;
    CHECK_EQ_INT(verify_der(r, rl, &cert, &issuer, vopts(at), &info),
                 TEEATTEST_E_CERT_CHAIN);
    CHECK_EQ_INT(info.failure, TA_OCSP_FAIL_RESPONDER);
    /* ... a byte of its subject name (byKey still names it) */
    RESET();
    uint8_t *cn = memfind(r, rl, (const uint8_t *)"Responder L3 GH100", 18);
    CHECK(cn != NULL);
    cn[0] = 'r';
    CHECK_EQ_INT(verify_der(r, rl, &cert, &issuer, vopts(at), &info),
                 TEEATTEST_E_CERT_CHAIN);
    CHECK_EQ_INT(info.failure, TA_OCSP_FAIL_RESPONDER);
    /* ... a byte of its public key: no longer a point on P-384, so the
     * certificate does not even parse */
    RESET();
    static const uint8_t rkey[] = {0x04, 0x4b, 0x8f, 0xf9, 0x0e, 0x11};
    uint8_t *rk = memfind(r, rl, rkey, sizeof rkey);
    CHECK(rk != NULL);
    rk[5] ^= 0x01;
    CHECK_EQ_INT(verify_der(r, rl, &cert, &issuer, vopts(at), &info),
                 TEEATTEST_E_PARSE);
    CHECK_EQ_INT(info.failure, TA_OCSP_FAIL_PARSE);

    /* a response about another certificate */
    RESET();
    CHECK_EQ_INT(verify_der(r, rl, &dev[2], &dev[3], vopts(at), &info),
                 TEEATTEST_E_VERIFY_FAILED);
    CHECK_EQ_INT(info.failure, TA_OCSP_FAIL_CERTID);
    /* not a certificate/issuer pair */
    teeattest_error e = TEEATTEST_ERROR_INIT;
    CHECK_EQ_INT(ta_ocsp_response_verify(ctx, r, rl, dev[1].p, dev[1].len,
                                         dev[3].p, dev[3].len, vopts(at), &info,
                                         &e), TEEATTEST_E_PARSE);
    CHECK_EQ_INT(info.failure, TA_OCSP_FAIL_INPUT);

    /* time windows: thisUpdate 06:47:07, nextUpdate next day 06:47:07 */
    CHECK_EQ_INT(verify_der(r, rl, &cert, &issuer, vopts(at - 1), &info),
                 TEEATTEST_E_VERIFY_FAILED);
    CHECK_EQ_INT(info.failure, TA_OCSP_FAIL_TIME);
    CHECK_EQ_INT(verify_der(r, rl, &cert, &issuer, vopts(at + 86399), &info),
                 TEEATTEST_OK);
    CHECK_EQ_INT(verify_der(r, rl, &cert, &issuer, vopts(at + 86400), &info),
                 TEEATTEST_E_VERIFY_FAILED);
    CHECK_EQ_INT(info.failure, TA_OCSP_FAIL_TIME);
    ta_ocsp_verify_opts o = *vopts(at - 5);
    o.skew = 5;
    CHECK_EQ_INT(verify_der(r, rl, &cert, &issuer, &o, &info), TEEATTEST_OK);

    /* CertID hash requested as SHA-1: the SHA-384 answer does not match */
    o = *vopts(at);
    o.certid_hash = TA_OCSP_HASH_SHA1;
    CHECK_EQ_INT(verify_der(r, rl, &cert, &issuer, &o, &info),
                 TEEATTEST_E_VERIFY_FAILED);
    CHECK_EQ_INT(info.failure, TA_OCSP_FAIL_CERTID);

    /* a nonce was sent: its absence fails unless optional */
    uint8_t nonce[32];
    memset(nonce, 0x5a, sizeof nonce);
    o = *vopts(at);
    o.nonce = nonce;
    o.nonce_len = sizeof nonce;
    CHECK_EQ_INT(verify_der(r, rl, &cert, &issuer, &o, &info),
                 TEEATTEST_E_VERIFY_FAILED);
    CHECK_EQ_INT(info.failure, TA_OCSP_FAIL_NONCE);
    o.nonce_optional = true;
    CHECK_EQ_INT(verify_der(r, rl, &cert, &issuer, &o, &info), TEEATTEST_OK);

    /* every truncation, and one trailing byte, fail cleanly */
    size_t bad = 0;
    for (size_t n = 0; n < rl; n++) {
        uint8_t *t = malloc(n ? n : 1);
        memcpy(t, orig, n);
        e = (teeattest_error)TEEATTEST_ERROR_INIT;
        if (ta_ocsp_response_verify(ctx, t, n, cert.p, cert.len, issuer.p,
                                    issuer.len, vopts(at), &info, &e) ==
                TEEATTEST_OK ||
            info.status != TA_OCSP_STATUS_NONE || !e.message[0])
            bad++;
        free(t);
    }
    CHECK_EQ_INT(bad, 0);
    uint8_t *longer = malloc(rl + 1);
    memcpy(longer, orig, rl);
    longer[rl] = 0;
    CHECK_EQ_INT(verify_der(longer, rl + 1, &cert, &issuer, vopts(at), &info),
                 TEEATTEST_E_PARSE);
    free(longer);
    /* oversized */
    CHECK_EQ_INT(ta_ocsp_response_verify(ctx, orig, TA_OCSP_RESPONSE_MAX + 1,
                                         cert.p, cert.len, issuer.p,
                                         issuer.len, vopts(at), &info, NULL),
                 TEEATTEST_E_TOO_LARGE);
#undef RESET
    free(r);
    free(orig);
}

/* ---- request encoding ----------------------------------------------------------- */

static void sha384(uint8_t out[48], const uint8_t *d, size_t n)
{
    uint8_t full[64]; /* the prototype declares 64 bytes of output */
    mbedtls_sha512_ret(d, n, full, 1);
    memcpy(out, full, 48);
}

/* CertID{sha384, H(issuer Name), H(issuer key), serial} by hand. */
static bb certid_by_hand(const der *cert, const der *issuer, int hash)
{
    mbedtls_x509_crt c, i;
    mbedtls_x509_crt_init(&c);
    mbedtls_x509_crt_init(&i);
    mbedtls_x509_crt_parse_der(&c, cert->p, cert->len);
    mbedtls_x509_crt_parse_der(&i, issuer->p, issuer->len);
    uint8_t nh[48], kh[48];
    size_t hl;
    /* a P-256/P-384 SPKI ends with the uncompressed point */
    size_t klen = i.pk_raw.p[i.pk_raw.len - 97 - 1] == 0x00 ? 97 : 65;
    const uint8_t *key = i.pk_raw.p + i.pk_raw.len - klen;
    bb alg;
    if (hash == TA_OCSP_HASH_SHA1) {
        hl = 20;
        mbedtls_sha1_ret(i.subject_raw.p, i.subject_raw.len, nh);
        mbedtls_sha1_ret(key, klen, kh);
        alg = bb_hex("300906052b0e03021a0500");
    } else {
        hl = 48;
        sha384(nh, i.subject_raw.p, i.subject_raw.len);
        sha384(kh, key, klen);
        alg = bb_hex("300d06096086480165030402020500");
    }
    bb id = cat(cat(alg, tlv(0x04, bb_of(nh, hl))),
                cat(tlv(0x04, bb_of(kh, hl)),
                    tlv(0x02, bb_of(c.serial.p, c.serial.len))));
    mbedtls_x509_crt_free(&c);
    mbedtls_x509_crt_free(&i);
    return tlv(0x30, id);
}

static void test_request(void)
{
    teeattest_error e = TEEATTEST_ERROR_INIT;
    uint8_t *req = NULL;
    size_t len = 0;
    /* no nonce, SHA-384 (the default): OCSPRequest{TBSRequest{requestList{
     * Request{CertID}}}} */
    CHECK_EQ_INT(ta_ocsp_request_build(ctx, dev[1].p, dev[1].len, dev[2].p,
                                       dev[2].len, 0, NULL, 0, &req, &len, &e),
                 TEEATTEST_OK);
    bb want = tlv(0x30, tlv(0x30, tlv(0x30, tlv(0x30,
                  certid_by_hand(&dev[1], &dev[2], TA_OCSP_HASH_SHA384)))));
    CHECK(len == want.n && memcmp(req, want.p, len) == 0);
    /* the CertID inside is byte-identical to the one NVIDIA echoed */
    size_t rl;
    uint8_t *resp = unit_fixture(CASE "ocsp/device_l4_gsp_brom.der", &rl);
    bb id = certid_by_hand(&dev[1], &dev[2], TA_OCSP_HASH_SHA384);
    CHECK(memfind(resp, rl, id.p, id.n) != NULL);
    CHECK(memfind(req, len, id.p, id.n) != NULL);
    free(id.p);
    free(resp);
    free(want.p);
    ta_free(ctx, req);

    /* with a 32-byte nonce: requestExtensions [2] { Extensions { Extension {
     * id-pkix-ocsp-nonce, critical TRUE, OCTET STRING { OCTET STRING nonce
     * } } } } */
    uint8_t nonce[32];
    for (int i = 0; i < 32; i++)
        nonce[i] = (uint8_t)(0xa0 + i);
    CHECK_EQ_INT(ta_ocsp_request_build(ctx, drv[0].p, drv[0].len, drv[1].p,
                                       drv[1].len, TA_OCSP_HASH_SHA384, nonce,
                                       sizeof nonce, &req, &len, &e),
                 TEEATTEST_OK);
    bb ext = tlv(0x30, cat(bb_hex("06092b0601050507300102 0101ff"),
                           tlv(0x04, tlv(0x04, bb_of(nonce, 32)))));
    bb list = tlv(0x30, tlv(0x30, certid_by_hand(&drv[0], &drv[1],
                                                 TA_OCSP_HASH_SHA384)));
    want = tlv(0x30, tlv(0x30, cat(list, tlv(0xa2, tlv(0x30, ext)))));
    CHECK(len == want.n && memcmp(req, want.p, len) == 0);
    free(want.p);
    ta_free(ctx, req);

    /* SHA-1 CertID (NVAT's choice) */
    CHECK_EQ_INT(ta_ocsp_request_build(ctx, dev[3].p, dev[3].len, dev[4].p,
                                       dev[4].len, TA_OCSP_HASH_SHA1, NULL, 0,
                                       &req, &len, &e), TEEATTEST_OK);
    want = tlv(0x30, tlv(0x30, tlv(0x30, tlv(0x30,
               certid_by_hand(&dev[3], &dev[4], TA_OCSP_HASH_SHA1)))));
    CHECK(len == want.n && memcmp(req, want.p, len) == 0);
    free(want.p);
    ta_free(ctx, req);

    /* misuse and wrong pairs */
    CHECK_EQ_INT(ta_ocsp_request_build(ctx, dev[1].p, dev[1].len, dev[3].p,
                                       dev[3].len, 0, NULL, 0, &req, &len, &e),
                 TEEATTEST_E_PARSE);
    CHECK(req == NULL);
    CHECK_EQ_INT(ta_ocsp_request_build(ctx, dev[1].p, dev[1].len, dev[2].p,
                                       dev[2].len, 77, NULL, 0, &req, &len, &e),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(ta_ocsp_request_build(ctx, dev[1].p, dev[1].len, dev[2].p,
                                       dev[2].len, 0, nonce, 0, &req, &len, &e),
                 TEEATTEST_E_INVALID_ARG);

    /* AIA */
    char *url = ta_ocsp_cert_url(ctx, dev[2].p, dev[2].len);
    CHECK_STR(url, "http://ocsp.ndis.nvidia.com");
    ta_free(ctx, url);
    url = ta_ocsp_cert_url(ctx, dev[1].p, dev[1].len);
    CHECK(url == NULL);
    ta_free(ctx, url);
}

/* ---- synthetic PKI ------------------------------------------------------------------ */

/* Deterministic "random" bytes: the test must be reproducible. */
static int test_rng(void *ud, unsigned char *out, size_t len)
{
    static uint32_t counter;
    (void)ud;
    while (len) {
        uint8_t block[32], in[4] = {(uint8_t)(counter >> 24),
                                    (uint8_t)(counter >> 16),
                                    (uint8_t)(counter >> 8), (uint8_t)counter};
        counter++;
        mbedtls_sha256_ret(in, 4, block, 0);
        size_t n = len < 32 ? len : 32;
        memcpy(out, block, n);
        out += n;
        len -= n;
    }
    return 0;
}

typedef struct ident {
    mbedtls_pk_context key;
    der cert;
    const char *name;
} ident;

static void ident_key(ident *id, const char *name)
{
    mbedtls_pk_init(&id->key);
    id->name = name;
    if (mbedtls_pk_setup(&id->key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) ||
        mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP384R1, mbedtls_pk_ec(id->key),
                            test_rng, NULL)) {
        printf("Bail out! key generation\n");
        exit(1);
    }
}

/* A certificate for `id` signed by `by` (NULL: self-signed). */
static void ident_cert(ident *id, const ident *by, int serial, bool ca,
                       bool eku_ocsp, const char *from, const char *to)
{
    mbedtls_x509write_cert w;
    mbedtls_x509write_crt_init(&w);
    mbedtls_mpi sn;
    mbedtls_mpi_init(&sn);
    mbedtls_mpi_lset(&sn, serial);
    const ident *iss = by ? by : id;
    mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
    mbedtls_x509write_crt_set_serial(&w, &sn);
    mbedtls_x509write_crt_set_validity(&w, from, to);
    mbedtls_x509write_crt_set_subject_name(&w, id->name);
    mbedtls_x509write_crt_set_issuer_name(&w, iss->name);
    mbedtls_x509write_crt_set_subject_key(&w, (mbedtls_pk_context *)&id->key);
    mbedtls_x509write_crt_set_issuer_key(&w, (mbedtls_pk_context *)&iss->key);
    mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA384);
    mbedtls_x509write_crt_set_basic_constraints(&w, ca, -1);
    mbedtls_x509write_crt_set_key_usage(
        &w, ca ? MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN
               : MBEDTLS_X509_KU_DIGITAL_SIGNATURE);
    if (eku_ocsp) {
        static const unsigned char eku[] = {0x30, 0x0a, 0x06, 0x08, 0x2b, 0x06,
                                            0x01, 0x05, 0x05, 0x07, 0x03, 0x09};
        mbedtls_x509write_crt_set_extension(
            &w, MBEDTLS_OID_EXTENDED_KEY_USAGE,
            MBEDTLS_OID_SIZE(MBEDTLS_OID_EXTENDED_KEY_USAGE), 1, eku,
            sizeof eku);
    }
    static unsigned char buf[4096];
    int n = mbedtls_x509write_crt_der(&w, buf, sizeof buf, test_rng, NULL);
    if (n <= 0) {
        printf("Bail out! certificate writing (%d)\n", n);
        exit(1);
    }
    id->cert.p = malloc((size_t)n);
    memcpy(id->cert.p, buf + sizeof buf - n, (size_t)n);
    id->cert.len = (size_t)n;
    mbedtls_mpi_free(&sn);
    mbedtls_x509write_crt_free(&w);
}

static void ident_free(ident *id)
{
    mbedtls_pk_free(&id->key);
    free(id->cert.p);
}

static ident ca, target, responder, no_eku, other_ca, foreign;

typedef struct rspec {
    int response_status;     /* 0 successful */
    int hash;                /* TA_OCSP_HASH_SHA1/256/384 */
    int cert_status;         /* 0 good, 1 revoked, 2 unknown */
    int reason;              /* -1 none */
    const char *produced, *this_update, *next_update; /* NULL: absent */
    const ident *signer;
    bool by_name;
    bool include_cert;
    const uint8_t *nonce;
    size_t nonce_len;
    bool unknown_critical;
    const char *cert_status_hex; /* raw certStatus instead of cert_status */
    const char *ext_hex;         /* a raw Extension after the others */
    bool sig_pad;                /* r of the signature with a needless 00 */
    const der *certs_cert;       /* in certs instead of the signer's */
} rspec;

static bb gtime(const char *s)
{
    return tlv(0x18, bb_of(s, strlen(s)));
}

static bb synth(const rspec *s)
{
    bb status = tlv(0x0a, bb_of((uint8_t[]){(uint8_t)s->response_status}, 1));
    if (s->response_status)
        return tlv(0x30, status);

    /* CertID */
    mbedtls_x509_crt i, c;
    mbedtls_x509_crt_init(&i);
    mbedtls_x509_crt_init(&c);
    mbedtls_x509_crt_parse_der(&i, ca.cert.p, ca.cert.len);
    mbedtls_x509_crt_parse_der(&c, target.cert.p, target.cert.len);
    const uint8_t *key = i.pk_raw.p + i.pk_raw.len - 97;
    uint8_t nh[48], kh[48];
    size_t hl = 48;
    bb alg;
    if (s->hash == TA_OCSP_HASH_SHA1) {
        hl = 20;
        mbedtls_sha1_ret(i.subject_raw.p, i.subject_raw.len, nh);
        mbedtls_sha1_ret(key, 97, kh);
        alg = bb_hex("300706052b0e03021a"); /* parameters absent */
    } else if (s->hash == TA_OCSP_HASH_SHA256) {
        hl = 32;
        mbedtls_sha256_ret(i.subject_raw.p, i.subject_raw.len, nh, 0);
        mbedtls_sha256_ret(key, 97, kh, 0);
        alg = bb_hex("300d06096086480165030402010500");
    } else {
        sha384(nh, i.subject_raw.p, i.subject_raw.len);
        sha384(kh, key, 97);
        alg = bb_hex("300d06096086480165030402020500");
    }
    bb certid = tlv(0x30, cat(cat(alg, tlv(0x04, bb_of(nh, hl))),
                              cat(tlv(0x04, bb_of(kh, hl)),
                                  tlv(0x02, bb_of(c.serial.p, c.serial.len)))));
    bb cs;
    if (s->cert_status_hex) {
        cs = bb_hex(s->cert_status_hex);
    } else if (s->cert_status == 0) {
        cs = bb_hex("8000");
    } else if (s->cert_status == 2) {
        cs = bb_hex("8200");
    } else {
        bb ri = gtime("20250101000000Z");
        if (s->reason >= 0)
            ri = cat(ri, tlv(0xa0, tlv(0x0a, bb_of((uint8_t[]){(uint8_t)s->reason}, 1))));
        cs = tlv(0xa1, ri);
    }
    bb single = cat(cat(certid, cs), gtime(s->this_update));
    if (s->next_update)
        single = cat(single, tlv(0xa0, gtime(s->next_update)));
    single = tlv(0x30, single);

    /* responderID */
    mbedtls_x509_crt sc;
    mbedtls_x509_crt_init(&sc);
    mbedtls_x509_crt_parse_der(&sc, s->signer->cert.p, s->signer->cert.len);
    bb rid;
    if (s->by_name) {
        rid = tlv(0xa1, bb_of(sc.subject_raw.p, sc.subject_raw.len));
    } else {
        uint8_t h[20];
        mbedtls_sha1_ret(sc.pk_raw.p + sc.pk_raw.len - 97, 97, h);
        rid = tlv(0xa2, tlv(0x04, bb_of(h, 20)));
    }
    bb tbs = cat(cat(rid, gtime(s->produced)), tlv(0x30, single));
    bb exts = empty();
    if (s->nonce)
        exts = cat(exts, tlv(0x30, cat(bb_hex("06092b0601050507300102"),
                                       tlv(0x04, tlv(0x04, bb_of(s->nonce,
                                                                 s->nonce_len))))));
    if (s->unknown_critical)
        exts = cat(exts, tlv(0x30, bb_hex("06032a0304 0101ff 04020500")));
    if (s->ext_hex)
        exts = cat(exts, bb_hex(s->ext_hex));
    if (exts.n)
        tbs = cat(tbs, tlv(0xa1, tlv(0x30, exts)));
    else
        free(exts.p);
    tbs = tlv(0x30, tbs);

    uint8_t h[48], sig[MBEDTLS_ECDSA_MAX_LEN];
    size_t sl = 0;
    sha384(h, tbs.p, tbs.n);
    if (mbedtls_pk_sign((mbedtls_pk_context *)&s->signer->key, MBEDTLS_MD_SHA384,
                        h, 48, sig, &sl, test_rng, NULL)) {
        printf("Bail out! signing\n");
        exit(1);
    }
    if (s->sig_pad && sl < 0x7f && sig[1] == sl - 2 && sig[2] == 0x02) {
        /* 30 L 02 rl r.. -> 30 L+1 02 rl+1 00 r.. */
        memmove(sig + 5, sig + 4, sl - 4);
        sig[4] = 0x00;
        sig[3]++;
        sig[1]++;
        sl++;
    }
    bb sigbits = cat(bb_hex("00"), bb_of(sig, sl));
    bb basic = cat(cat(tbs, bb_hex("300a06082a8648ce3d040303")),
                   tlv(0x03, sigbits));
    if (s->include_cert)
        basic = cat(basic, tlv(0xa0, tlv(0x30, s->certs_cert
                                                   ? bb_of(s->certs_cert->p,
                                                           s->certs_cert->len)
                                                   : bb_of(s->signer->cert.p,
                                                           s->signer->cert.len))));
    basic = tlv(0x30, basic);
    bb rb = tlv(0x30, cat(bb_hex("06092b0601050507300101"), tlv(0x04, basic)));
    mbedtls_x509_crt_free(&sc);
    mbedtls_x509_crt_free(&i);
    mbedtls_x509_crt_free(&c);
    return tlv(0x30, cat(status, tlv(0xa0, rb)));
}

static rspec base_spec(void)
{
    rspec s;
    memset(&s, 0, sizeof s);
    s.hash = TA_OCSP_HASH_SHA384;
    s.reason = -1;
    s.produced = "20260101000000Z";
    s.this_update = "20260101000000Z";
    s.next_update = "20260102000000Z";
    s.signer = &responder;
    s.include_cert = true;
    return s;
}

#define SYN_AT (ta_timegm(2026, 1, 1, 12, 0, 0))

static int syn_verify(const rspec *s, const ta_ocsp_verify_opts *o,
                      ta_ocsp_info *info)
{
    bb r = synth(s);
    int rc = verify_der(r.p, r.n, &target.cert, &ca.cert, o, info);
    free(r.p);
    return rc;
}

/* `id`'s certificate (issued by `by`) with its P-384 key written with
 * explicit curve parameters (specifiedCurve) instead of the namedCurve
 * OID, signed again by `by`: the same key, which mbedTLS (built with
 * MBEDTLS_PK_PARSE_EC_EXTENDED) and OpenSSL both read as P-384. */
static der explicit_curve_cert(const ident *id, const ident *by)
{
    static const char named_hdr[] =
        "3076301006072a8648ce3d020106052b81040022036200";
    static const char params[] =
        "30820157020101303c06072a8648ce3d0101023100ffffffffffffffffffffffff"
        "fffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ff"
        "ffffff307b0430ffffffffffffffffffffffffffffffffffffffffffffffffffff"
        "fffffffffffeffffffff0000000000000000fffffffc0430b3312fa7e23ee7e498"
        "8e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85"
        "c8edd3ec2aef031500a335926aa319a27a1d00896a6773a4827acdac730461"
        "04aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a38"
        "5502f25dbf55296c3a545e3872760ab73617de4a96262c6f5d9e98bf9292dc29f8"
        "f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f0231"
        "00ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf"
        "581a0db248b0a77aecec196accc52973020101";
    const uint8_t *c = id->cert.p;
    /* Certificate 30 82 LL LL, TBSCertificate 30 82 ll ll */
    if (c[0] != 0x30 || c[1] != 0x82 || c[4] != 0x30 || c[5] != 0x82) {
        printf("Bail out! unexpected certificate layout\n");
        exit(1);
    }
    size_t tbs_len = (size_t)c[6] << 8 | c[7];
    const uint8_t *tc = c + 8; /* TBS contents */
    bb hdr = bb_hex(named_hdr);
    uint8_t *at = memfind((uint8_t *)tc, tbs_len, hdr.p, hdr.n);
    if (!at) {
        printf("Bail out! no named-curve P-384 SPKI\n");
        exit(1);
    }
    size_t before = (size_t)(at - tc), spki_len = hdr.n + 97;
    bb spki = tlv(0x30, cat(tlv(0x30, cat(bb_hex("06072a8648ce3d0201"),
                                          bb_hex(params))),
                            tlv(0x03, cat(bb_hex("00"),
                                          bb_of(at + hdr.n, 97)))));
    free(hdr.p);
    bb tbs = tlv(0x30, cat(cat(bb_of(tc, before), spki),
                           bb_of(at + spki_len,
                                 tbs_len - before - spki_len)));
    uint8_t h[48], sig[MBEDTLS_ECDSA_MAX_LEN];
    size_t sl = 0;
    sha384(h, tbs.p, tbs.n);
    if (mbedtls_pk_sign((mbedtls_pk_context *)&by->key, MBEDTLS_MD_SHA384, h,
                        48, sig, &sl, test_rng, NULL)) {
        printf("Bail out! signing\n");
        exit(1);
    }
    /* signatureAlgorithm as the original has it (the same as in TBS) */
    const uint8_t *alg = tc + tbs_len;
    bb crt = tlv(0x30, cat(cat(tbs, bb_of(alg, (size_t)alg[1] + 2)),
                           tlv(0x03, cat(bb_hex("00"), bb_of(sig, sl)))));
    return (der){crt.p, crt.n};
}

static void pki_setup(void)
{
    ident_key(&ca, "CN=Test OCSP CA,O=libteeattest");
    ident_cert(&ca, NULL, 1, true, false, "20200101000000", "20400101000000");
    ident_key(&target, "CN=Test Target,O=libteeattest");
    ident_cert(&target, &ca, 0x7f1234, false, false, "20200101000000",
               "20400101000000");
    ident_key(&responder, "CN=Test OCSP Responder,O=libteeattest");
    ident_cert(&responder, &ca, 3, false, true, "20250101000000",
               "20270101000000");
    ident_key(&no_eku, "CN=Test Responder without EKU,O=libteeattest");
    ident_cert(&no_eku, &ca, 4, false, false, "20250101000000",
               "20270101000000");
    ident_key(&other_ca, "CN=Other CA,O=libteeattest");
    ident_cert(&other_ca, NULL, 5, true, false, "20200101000000",
               "20400101000000");
    ident_key(&foreign, "CN=Foreign Responder,O=libteeattest");
    ident_cert(&foreign, &other_ca, 6, false, true, "20250101000000",
               "20270101000000");
}

static void test_synthetic(void)
{
    ta_ocsp_info info;
    rspec s = base_spec();
    CHECK_EQ_INT(syn_verify(&s, vopts(SYN_AT), &info), TEEATTEST_OK);
    CHECK_EQ_INT(info.status, TA_OCSP_STATUS_GOOD);
    CHECK(info.delegated);
    CHECK(strstr(info.responder, "Test OCSP Responder") != NULL);

    s.cert_status = 1;
    s.reason = 1;
    CHECK_EQ_INT(syn_verify(&s, vopts(SYN_AT), &info), TEEATTEST_OK);
    CHECK_EQ_INT(info.status, TA_OCSP_STATUS_REVOKED);
    CHECK_EQ_INT(info.revocation_reason, 1);
    CHECK_EQ_INT(info.revocation_time, ta_timegm(2025, 1, 1, 0, 0, 0));

    s.reason = TA_OCSP_REASON_CERTIFICATE_HOLD;
    CHECK_EQ_INT(syn_verify(&s, vopts(SYN_AT), &info), TEEATTEST_OK);
    CHECK_EQ_INT(info.status, TA_OCSP_STATUS_REVOKED);
    CHECK_EQ_INT(info.revocation_reason, TA_OCSP_REASON_CERTIFICATE_HOLD);

    s.reason = -1;
    CHECK_EQ_INT(syn_verify(&s, vopts(SYN_AT), &info), TEEATTEST_OK);
    CHECK_EQ_INT(info.status, TA_OCSP_STATUS_REVOKED);
    CHECK_EQ_INT(info.revocation_reason, -1);

    s = base_spec();
    s.cert_status = 2;
    CHECK_EQ_INT(syn_verify(&s, vopts(SYN_AT), &info), TEEATTEST_OK);
    CHECK_EQ_INT(info.status, TA_OCSP_STATUS_UNKNOWN);

    /* CertID hash algorithms */
    s = base_spec();
    s.hash = TA_OCSP_HASH_SHA1;
    CHECK_EQ_INT(syn_verify(&s, vopts(SYN_AT), &info), TEEATTEST_OK);
    CHECK_EQ_INT(info.certid_hash, TA_OCSP_HASH_SHA1);
    s.hash = TA_OCSP_HASH_SHA256;
    CHECK_EQ_INT(syn_verify(&s, vopts(SYN_AT), &info), TEEATTEST_OK);
    CHECK_EQ_INT(info.certid_hash, TA_OCSP_HASH_SHA256);

    /* responder by name; the issuer signing itself (no certs) */
    s = base_spec();
    s.by_name = true;
    CHECK_EQ_INT(syn_verify(&s, vopts(SYN_AT), &info), TEEATTEST_OK);
    CHECK(info.delegated);
    s.signer = &ca;
    s.include_cert = false;
    CHECK_EQ_INT(syn_verify(&s, vopts(SYN_AT), &info), TEEATTEST_OK);
    CHECK(!info.delegated);
    s.by_name = false;
    CHECK_EQ_INT(syn_verify(&s, vopts(SYN_AT), &info), TEEATTEST_OK);
    CHECK(!info.delegated);

    /* unauthorised responders */
    s = base_spec();
    s.include_cert = false;
    CHECK_EQ_INT(syn_verify(&s, vopts(SYN_AT), &info), TEEATTEST_E_CERT_CHAIN);
    CHECK_EQ_INT(info.failure, TA_OCSP_FAIL_RESPONDER);
    s = base_spec();
    s.signer = &no_eku;
    CHECK_EQ_INT(syn_verify(&s, vopts(SYN_AT), &info), TEEATTEST_E_CERT_CHAIN);
    CHECK_EQ_INT(info.failure, TA_OCSP_FAIL_RESPONDER);
    s.signer = &foreign;
    CHECK_EQ_INT(syn_verify(&s, vopts(SYN_AT), &info), TEEATTEST_E_CERT_CHAIN);
    CHECK_EQ_INT(info.failure, TA_OCSP_FAIL_RESPONDER);
    s.signer = &other_ca; /* a CA unrelated to the target, self-signed */
    CHECK_EQ_INT(syn_verify(&s, vopts(SYN_AT), &info), TEEATTEST_E_CERT_CHAIN);
    CHECK_EQ_INT(info.failure, TA_OCSP_FAIL_RESPONDER);
    /* responder certificate not yet valid / expired at `at` */
    s = base_spec();
    CHECK_EQ_INT(syn_verify(&s, vopts(ta_timegm(2027, 1, 1, 0, 0, 1)), &info),
                 TEEATTEST_E_CERT_CHAIN);

    /* time windows */
    s = base_spec();
    CHECK_EQ_INT(syn_verify(&s, vopts(ta_timegm(2025, 12, 31, 23, 59, 59)),
                            &info), TEEATTEST_E_VERIFY_FAILED);
    CHECK_EQ_INT(info.failure, TA_OCSP_FAIL_TIME);
    CHECK_EQ_INT(syn_verify(&s, vopts(ta_timegm(2026, 1, 2, 0, 0, 0)), &info),
                 TEEATTEST_E_VERIFY_FAILED);
    CHECK_EQ_INT(info.failure, TA_OCSP_FAIL_TIME);
    s.next_update = NULL;
    CHECK_EQ_INT(syn_verify(&s, vopts(SYN_AT), &info),
                 TEEATTEST_E_VERIFY_FAILED);
    CHECK_EQ_INT(info.failure, TA_OCSP_FAIL_TIME);
    s = base_spec();
    s.produced = "20260101060000Z";
    CHECK_EQ_INT(syn_verify(&s, vopts(ta_timegm(2026, 1, 1, 5, 0, 0)), &info),
                 TEEATTEST_E_VERIFY_FAILED);
    CHECK_EQ_INT(info.failure, TA_OCSP_FAIL_TIME);
    s.produced = "20260101000000.123Z"; /* fractions tolerated */
    CHECK_EQ_INT(syn_verify(&s, vopts(SYN_AT), &info), TEEATTEST_OK);
    s.produced = "20260231000000Z";
    CHECK_EQ_INT(syn_verify(&s, vopts(SYN_AT), &info), TEEATTEST_E_PARSE);

    /* nonce */
    uint8_t nonce[32], other[32];
    memset(nonce, 0x11, sizeof nonce);
    memset(other, 0x22, sizeof other);
    s = base_spec();
    s.nonce = nonce;
    s.nonce_len = sizeof nonce;
    ta_ocsp_verify_opts o = *vopts(SYN_AT);
    o.nonce = nonce;
    o.nonce_len = sizeof nonce;
    CHECK_EQ_INT(syn_verify(&s, &o, &info), TEEATTEST_OK);
    CHECK(info.nonce_present);
    o.nonce = other;
    o.nonce_optional = true; /* optional absence, never a wrong value */
    CHECK_EQ_INT(syn_verify(&s, &o, &info), TEEATTEST_E_VERIFY_FAILED);
    CHECK_EQ_INT(info.failure, TA_OCSP_FAIL_NONCE);
    CHECK_EQ_INT(syn_verify(&s, vopts(SYN_AT), &info), TEEATTEST_OK);
    CHECK(info.nonce_present);

    /* an unknown critical extension */
    s = base_spec();
    s.unknown_critical = true;
    CHECK_EQ_INT(syn_verify(&s, vopts(SYN_AT), &info), TEEATTEST_E_UNSUPPORTED);
    CHECK_EQ_INT(info.failure, TA_OCSP_FAIL_EXTENSION);

    /* responseStatus */
    s = base_spec();
    s.response_status = 3;
    CHECK_EQ_INT(syn_verify(&s, vopts(SYN_AT), &info),
                 TEEATTEST_E_VERIFY_FAILED);
    CHECK_EQ_INT(info.failure, TA_OCSP_FAIL_RESPONSE_STATUS);

    /* a synthetic revoked response: every truncation fails */
    s = base_spec();
    s.cert_status = 1;
    s.reason = 6;
    bb r = synth(&s);
    size_t bad = 0;
    for (size_t n = 0; n < r.n; n++)
        if (ta_ocsp_response_verify(ctx, r.p, n, target.cert.p,
                                    target.cert.len, ca.cert.p, ca.cert.len,
                                    vopts(SYN_AT), &info, NULL) == TEEATTEST_OK)
            bad++;
    CHECK_EQ_INT(bad, 0);
    free(r.p);
}

/* ---- DER, not BER ---------------------------------------------------------------
 * The response is read with lib/crypto's DER reader (der.h): each encoding
 * below is refused, with the message of the element it spoils. mbedTLS's
 * own length reader takes the non-minimal forms. */

static int verify_msg(const uint8_t *r, size_t n, const der *cert,
                      const der *issuer, int64_t at, ta_ocsp_info *info,
                      char *msg, size_t cap)
{
    teeattest_error e = TEEATTEST_ERROR_INIT;
    int rc = ta_ocsp_response_verify(ctx, r, n, cert->p, cert->len, issuer->p,
                                     issuer->len, vopts(at), info, &e);
    snprintf(msg, cap, "%s", e.message);
    return rc;
}

/* The fixture with its first `skip` bytes replaced by head[0..hn) and
 * tail[0..tn) appended. */
static bb respliced(const uint8_t *orig, size_t rl, size_t skip,
                    const char *head_hex, const char *tail_hex)
{
    return cat(cat(bb_hex(head_hex), bb_of(orig + skip, rl - skip)),
               bb_hex(tail_hex));
}

static void test_der_strict(void)
{
    size_t rl;
    uint8_t *orig = unit_fixture(CASE "ocsp/device_l4_gsp_brom.der", &rl);
    der cert = dev[1], issuer = dev[2];
    int64_t at = iso_time("2025-08-21T06:47:07");
    ta_ocsp_info info;
    char msg[256];
    /* 30 82 HH LL, then responseStatus 0a 01 00 */
    CHECK(rl > 300 && orig[0] == 0x30 && orig[1] == 0x82 && orig[4] == 0x0a &&
          orig[5] == 0x01 && orig[6] == 0x00);
    CHECK_EQ_INT(verify_msg(orig, rl, &cert, &issuer, at, &info, msg,
                            sizeof msg), TEEATTEST_OK);
    char hh[8], hl1[8];
    snprintf(hh, sizeof hh, "%02x%02x", orig[2], orig[3]);
    size_t inner = ((size_t)orig[2] << 8 | orig[3]) + 1;
    snprintf(hl1, sizeof hl1, "%02x%02x", (unsigned)(inner >> 8),
             (unsigned)(inner & 0xff));
    /* the new head is `head`, then HH LL when `len`, then `tail` at the end */
    static const struct {
        const char *what, *head;
        bool len;
        const char *tail;
    } outer[] = {
        {"long form with a leading zero", "3083 00", true, ""},
        {"4 length bytes, 2 needed", "3084 0000", true, ""},
        {"5 length bytes", "3085 000000", true, ""},
        {"indefinite length", "3080", false, "0000"},
        {"high tag number", "3f10 82", true, ""},
        {"trailing byte", "3082", true, "00"},
    };
    for (size_t k = 0; k < sizeof outer / sizeof *outer; k++) {
        char head[64];
        snprintf(head, sizeof head, "%s %s", outer[k].head,
                 outer[k].len ? hh : "");
        bb r = respliced(orig, rl, 4, head, outer[k].tail);
        int rc = verify_msg(r.p, r.n, &cert, &issuer, at, &info, msg,
                            sizeof msg);
        const char *want = "malformed OCSPResponse SEQUENCE";
        if (rc != TEEATTEST_E_PARSE || !strstr(msg, want))
            printf("# %s: rc %d, %s\n", outer[k].what, rc, msg);
        CHECK_EQ_INT(rc, TEEATTEST_E_PARSE);
        CHECK(strstr(msg, want) != NULL);
        CHECK_EQ_INT(info.failure, TA_OCSP_FAIL_PARSE);
        CHECK_EQ_INT(info.status, TA_OCSP_STATUS_NONE);
        free(r.p);
    }
    /* responseStatus 0a 81 01 00: its length 1 in the long form */
    char head[64];
    snprintf(head, sizeof head, "3082 %s 0a8101 00", hl1);
    bb r = respliced(orig, rl, 7, head, "");
    CHECK_EQ_INT(verify_msg(r.p, r.n, &cert, &issuer, at, &info, msg,
                            sizeof msg), TEEATTEST_E_PARSE);
    CHECK(strstr(msg, "malformed responseStatus") != NULL);
    free(r.p);

    /* Inside the signed data: a response re-signed around each encoding.
     * A non-critical unknown extension is ignored when well formed... */
    rspec s = base_spec();
    s.ext_hex = "3009 06032a0304 0402 0500";
    CHECK_EQ_INT(syn_verify(&s, vopts(SYN_AT), &info), TEEATTEST_OK);
    static const struct {
        const char *ext, *msg;
    } ext[] = {
        /* extnValue's length 2 as 81 02 */
        {"300a 06032a0304 048102 0500",
         "malformed responseExtensions extnValue"},
        /* ... as 82 00 02 */
        {"300b 06032a0304 04820002 0500",
         "malformed responseExtensions extnValue"},
        /* ... indefinite, closed by end-of-contents */
        {"300b 06032a0304 0480 0500 0000",
         "malformed responseExtensions extnValue"},
        /* ... in 5 bytes */
        {"300e 06032a0304 04850000000002 0500",
         "malformed responseExtensions extnValue"},
        /* the extension SEQUENCE's own length 12 as 81 0c */
        {"30810c 06032a0304 0402 0500 0000",
         "malformed responseExtensions"},
        /* trailing bytes after extnValue */
        {"300b 06032a0304 0402 0500 0500",
         "malformed responseExtensions extnValue"},
        /* the extension's OID with a high tag number */
        {"300a 1f0603 2a0304 0402 0500", "malformed responseExtensions"},
    };
    for (size_t k = 0; k < sizeof ext / sizeof *ext; k++) {
        s.ext_hex = ext[k].ext;
        bb b = synth(&s);
        int rc = verify_msg(b.p, b.n, &target.cert, &ca.cert, SYN_AT, &info,
                            msg, sizeof msg);
        if (rc != TEEATTEST_E_PARSE || !strstr(msg, ext[k].msg))
            printf("# extension %s: rc %d, %s\n", ext[k].ext, rc, msg);
        CHECK_EQ_INT(rc, TEEATTEST_E_PARSE);
        CHECK(strstr(msg, ext[k].msg) != NULL);
        CHECK_EQ_INT(info.status, TA_OCSP_STATUS_NONE);
        free(b.p);
    }
    /* the signature's r with a 0x00 that DER does not need (or a second
     * one): refused by the one ECDSA converter (x509.h) */
    s = base_spec();
    s.sig_pad = true;
    {
        bb b = synth(&s);
        CHECK_EQ_INT(verify_msg(b.p, b.n, &target.cert, &ca.cert, SYN_AT,
                                &info, msg, sizeof msg),
                     TEEATTEST_E_VERIFY_FAILED);
        CHECK_EQ_INT(info.failure, TA_OCSP_FAIL_SIGNATURE);
        CHECK(strstr(msg, "(malformed DER)") != NULL);
        free(b.p);
    }
    /* A delegated responder whose P-384 key is written with explicit
     * curve parameters (the same key, name and issuer): OCSP signers are
     * taken with a named curve only, as before. OpenSSL reads the key as
     * P-384, mbedTLS 2.28 does not parse the certificate at all. */
    {
        der ex = explicit_curve_cert(&responder, &ca);
        ta_x509 *x = NULL;
        bool parses = ta_x509_parse_der(ctx, &x, ex.p, ex.len, NULL) ==
                      TEEATTEST_OK;
        if (parses)
            CHECK_EQ_INT(ta_x509_key_curve(x), TEEATTEST_CURVE_P384);
        ta_x509_free(x);
        s = base_spec();
        s.by_name = true;
        s.certs_cert = &ex;
        bb b = synth(&s);
        int rc = verify_msg(b.p, b.n, &target.cert, &ca.cert, SYN_AT, &info,
                            msg, sizeof msg);
        printf("# explicit curve (%s): rc %d, %s\n",
               parses ? "parsed" : "not parsed", rc, msg);
        CHECK_EQ_INT(rc, parses ? TEEATTEST_E_UNSUPPORTED : TEEATTEST_E_PARSE);
        CHECK(strstr(msg, parses ? "key is not EC P-256/P-384"
                                 : "malformed certificate in certs") != NULL);
        free(b.p);
        free(ex.p);
    }
    /* certStatus good [0] NULL: 80 00; as 80 81 00; a high tag number */
    s = base_spec();
    s.cert_status_hex = "8000";
    CHECK_EQ_INT(syn_verify(&s, vopts(SYN_AT), &info), TEEATTEST_OK);
    static const char *const status[] = {"808100", "9f0000", "9f8000"};
    for (size_t k = 0; k < sizeof status / sizeof *status; k++) {
        s.cert_status_hex = status[k];
        bb b = synth(&s);
        CHECK_EQ_INT(verify_msg(b.p, b.n, &target.cert, &ca.cert, SYN_AT,
                                &info, msg, sizeof msg), TEEATTEST_E_PARSE);
        CHECK(strstr(msg, "malformed certStatus") != NULL);
        free(b.p);
    }
    free(orig);
}

/* ---- result checks -------------------------------------------------------------------- */

static const ta_check *find_check(const teeattest_result *r, const char *name)
{
    for (size_t i = 0; i < r->n_checks; i++)
        if (strcmp(r->checks[i].name, name) == 0)
            return &r->checks[i];
    return NULL;
}

static void print_checks(const teeattest_result *r)
{
    for (size_t i = 0; i < r->n_checks; i++)
        printf("#   %s [%d] %s\n", r->checks[i].name, (int)r->checks[i].outcome,
               r->checks[i].detail);
}

static const char *const ocsp_files[] = {
    "device_l2_gh100_identity.der", "device_l3_provisioner_ica1.der",
    "device_l4_gsp_brom.der", "rim_driver_l4_signer.der",
    "rim_l2_reference_value_gh100_ca.der",
    "rim_l3_reference_value_gh100_002.der", "rim_vbios_l4_signer.der"};

static void test_append_offline(void)
{
    uint8_t *resp[7];
    size_t lens[7];
    for (int i = 0; i < 7; i++) {
        char rel[200];
        snprintf(rel, sizeof rel, CASE "ocsp/%s", ocsp_files[i]);
        resp[i] = unit_fixture(rel, &lens[i]);
    }
    const uint8_t *dp[5], *rp[4];
    size_t dl[5], rl[4];
    for (int i = 0; i < 5; i++)
        dp[i] = dev[i].p, dl[i] = dev[i].len;
    for (int i = 0; i < 4; i++)
        rp[i] = drv[i].p, rl[i] = drv[i].len;

    teeattest_result *r = NULL;
    CHECK_EQ_INT(ta_result_new(ctx, &r), TEEATTEST_OK);
    ta_ocsp_check_opts o;
    memset(&o, 0, sizeof o);
    o.at = iso_time("2025-08-21T06:47:08");
    o.responses = (const uint8_t *const *)resp;
    o.response_lens = lens;
    o.n_responses = 7;
    o.required = true;
    ta_ocsp_summary sum;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    CHECK_EQ_INT(ta_ocsp_check_append(ctx, r, "gpu[0].ocsp", dp, dl, 5, 1, &o,
                                      &sum, &e), TEEATTEST_OK);
    CHECK_EQ_INT(r->n_checks, 3);
    for (int i = 1; i <= 3; i++) {
        char name[64];
        snprintf(name, sizeof name, "gpu[0].ocsp.cert[%d]", i);
        const ta_check *c = find_check(r, name);
        CHECK(c && c->outcome == TEEATTEST_OUTCOME_PASS && c->required);
    }
    CHECK_EQ_INT(sum.good, 3);
    CHECK_EQ_INT(sum.min_next_update, iso_time("2025-08-22T06:47:07"));
    print_checks(r);

    /* RIM chain, leaf included (start 0), at the RIM OCSP time */
    o.at = iso_time("2025-10-24T12:00:00");
    CHECK_EQ_INT(ta_ocsp_check_append(ctx, r, "gpu[0].rim.driver.ocsp", rp, rl,
                                      4, 0, &o, &sum, &e), TEEATTEST_OK);
    CHECK_EQ_INT(sum.good, 3);
    for (int i = 0; i <= 2; i++) {
        char name[64];
        snprintf(name, sizeof name, "gpu[0].rim.driver.ocsp.cert[%d]", i);
        const ta_check *c = find_check(r, name);
        CHECK(c && c->outcome == TEEATTEST_OUTCOME_PASS);
    }
    /* the device responses are stale at that time: fail, not skip */
    CHECK_EQ_INT(ta_ocsp_check_append(ctx, r, "gpu[1].ocsp", dp, dl, 5, 1, &o,
                                      &sum, &e), TEEATTEST_OK);
    CHECK_EQ_INT(sum.failed, 3);
    const ta_check *c = find_check(r, "gpu[1].ocsp.cert[2]");
    CHECK(c && c->outcome == TEEATTEST_OUTCOME_FAIL);
    print_checks(r);
    teeattest_result_free(r);

    /* no responses, offline: skipped, never passed */
    r = NULL;
    CHECK_EQ_INT(ta_result_new(ctx, &r), TEEATTEST_OK);
    memset(&o, 0, sizeof o);
    o.at = iso_time("2025-08-21T06:47:08");
    CHECK_EQ_INT(ta_ocsp_check_append(ctx, r, "gpu[0].ocsp", dp, dl, 5, 1, &o,
                                      &sum, &e), TEEATTEST_OK);
    CHECK_EQ_INT(sum.skipped, 3);
    c = find_check(r, "gpu[0].ocsp.cert[1]");
    CHECK(c && c->outcome == TEEATTEST_OUTCOME_SKIP &&
          strstr(c->detail, "no OCSP response"));
    teeattest_result_free(r);

    /* a tampered saved response: fail */
    r = NULL;
    CHECK_EQ_INT(ta_result_new(ctx, &r), TEEATTEST_OK);
    o.responses = (const uint8_t *const *)resp;
    o.response_lens = lens;
    o.n_responses = 7;
    resp[2][60] ^= 0x01; /* inside the BROM response's tbsResponseData */
    CHECK_EQ_INT(ta_ocsp_check_append(ctx, r, "gpu[0].ocsp", dp, dl, 5, 1, &o,
                                      &sum, &e), TEEATTEST_OK);
    c = find_check(r, "gpu[0].ocsp.cert[1]");
    CHECK(c && c->outcome != TEEATTEST_OUTCOME_PASS);
    CHECK_EQ_INT(sum.good, 2);
    print_checks(r);
    teeattest_result_free(r);

    /* misuse */
    CHECK_EQ_INT(ta_ocsp_check_append(ctx, NULL, "x", dp, dl, 5, 1, &o, NULL,
                                      &e), TEEATTEST_E_INVALID_ARG);
    r = NULL;
    CHECK_EQ_INT(ta_result_new(ctx, &r), TEEATTEST_OK);
    CHECK_EQ_INT(ta_ocsp_check_append(ctx, r, "x", dp, dl, 5, 4, &o, NULL, &e),
                 TEEATTEST_E_INVALID_ARG);
    teeattest_result_free(r);
    for (int i = 0; i < 7; i++)
        free(resp[i]);
}

static void test_append_hold(void)
{
    const uint8_t *chain[2] = {target.cert.p, ca.cert.p};
    size_t lens[2] = {target.cert.len, ca.cert.len};
    rspec s = base_spec();
    s.cert_status = 1;
    s.reason = TA_OCSP_REASON_CERTIFICATE_HOLD;
    bb hold = synth(&s);
    s.reason = 1;
    bb revoked = synth(&s);
    s = base_spec();
    s.cert_status = 2;
    bb unknown = synth(&s);
    const bb *cases[] = {&hold, &hold, &revoked, &unknown};
    const bool allow[] = {false, true, true, false};
    const int32_t want[] = {TEEATTEST_OUTCOME_FAIL, TEEATTEST_OUTCOME_WARN,
                            TEEATTEST_OUTCOME_FAIL, TEEATTEST_OUTCOME_FAIL};
    const char *word[] = {"on hold", "on hold", "revoked", "unknown"};
    for (int k = 0; k < 4; k++) {
        teeattest_result *r = NULL;
        ta_result_new(ctx, &r);
        ta_ocsp_check_opts o;
        memset(&o, 0, sizeof o);
        o.at = SYN_AT;
        const uint8_t *rp[1] = {cases[k]->p};
        size_t rl[1] = {cases[k]->n};
        o.responses = rp;
        o.response_lens = rl;
        o.n_responses = 1;
        o.allow_hold = allow[k];
        CHECK_EQ_INT(ta_ocsp_check_append(ctx, r, "t", chain, lens, 2, 0, &o,
                                          NULL, NULL), TEEATTEST_OK);
        const ta_check *c = find_check(r, "t.cert[0]");
        CHECK(c && c->outcome == want[k] && strstr(c->detail, word[k]));
        print_checks(r);
        teeattest_result_free(r);
    }
    free(hold.p);
    free(revoked.p);
    free(unknown.p);
}

/* ---- online through a fake transport ------------------------------------------------------ */

typedef struct fake {
    int mode; /* 0 echo nonce (synthetic), 1 fixed body, 2 HTTP 500, 3 wrong nonce */
    const uint8_t *body;
    size_t body_len;
    int requests;
    char url[256];
    bool ctype, auth;
    int32_t hash_seen;
    size_t req_len;
} fake;

static int fake_request(void *ud, teeattest_http_response *resp,
                        const teeattest_http_request *req)
{
    fake *f = ud;
    f->requests++;
    snprintf(f->url, sizeof f->url, "%s", req->url);
    f->req_len = req->body_len;
    for (size_t i = 0; i < req->header_count; i++) {
        if (strcmp(req->headers[i], "Content-Type: application/ocsp-request") == 0)
            f->ctype = true;
        if (strncmp(req->headers[i], "Authorization: Bearer ", 22) == 0)
            f->auth = true;
    }
    if (f->mode == 2) {
        teeattest_http_response_set_status(resp, 500);
        return teeattest_http_response_write(resp, (const uint8_t *)"no", 2);
    }
    teeattest_http_response_set_status(resp, 200);
    if (f->mode == 1)
        return teeattest_http_response_write(resp, f->body, f->body_len);
    /* The request ends with the 32-byte nonce (requestExtensions last). */
    uint8_t nonce[32];
    if (req->body_len < 40)
        return TEEATTEST_E_TRANSPORT;
    memcpy(nonce, req->body + req->body_len - 32, 32);
    if (f->mode == 3)
        nonce[0] ^= 1;
    rspec s = base_spec();
    s.nonce = nonce;
    s.nonce_len = 32;
    bb r = synth(&s);
    int rc = teeattest_http_response_write(resp, r.p, r.n);
    free(r.p);
    return rc;
}

static teeattest_ctx *fake_ctx(fake *f)
{
    teeattest_transport t = TEEATTEST_TRANSPORT_INIT;
    t.user_data = f;
    t.request = fake_request;
    teeattest_ctx_options o = TEEATTEST_CTX_OPTIONS_INIT;
    o.transport = &t;
    teeattest_ctx *c = NULL;
    if (teeattest_ctx_new(&c, &o, NULL) != TEEATTEST_OK) {
        printf("Bail out! context\n");
        exit(1);
    }
    return c;
}

static void test_online(void)
{
    const uint8_t *chain[2] = {target.cert.p, ca.cert.p};
    size_t lens[2] = {target.cert.len, ca.cert.len};
    static const int32_t want[] = {TEEATTEST_OUTCOME_PASS, TEEATTEST_OUTCOME_FAIL,
                                   TEEATTEST_OUTCOME_SKIP, TEEATTEST_OUTCOME_FAIL};
    for (int mode = 0; mode < 4; mode++) {
        fake f;
        memset(&f, 0, sizeof f);
        f.mode = mode;
        rspec s = base_spec();
        bb fixed = synth(&s); /* no nonce */
        f.body = fixed.p;
        f.body_len = fixed.n;
        teeattest_ctx *c = fake_ctx(&f);
        teeattest_result *r = NULL;
        ta_result_new(c, &r);
        ta_ocsp_check_opts o;
        memset(&o, 0, sizeof o);
        o.at = SYN_AT;
        o.online = true;
        o.service_key = "secret-key";
        o.required = true;
        ta_ocsp_summary sum;
        CHECK_EQ_INT(ta_ocsp_check_append(c, r, "gpu[0].ocsp", chain, lens, 2,
                                          0, &o, &sum, NULL), TEEATTEST_OK);
        const ta_check *ck = find_check(r, "gpu[0].ocsp.cert[0]");
        printf("# mode %d\n", mode);
        CHECK(ck && ck->outcome == want[mode]);
        CHECK(ck && !strstr(ck->detail, "secret-key"));
        CHECK_EQ_INT(f.requests, 1);
        CHECK_STR(f.url, TA_OCSP_DEFAULT_URL); /* no AIA in the test cert */
        CHECK(f.ctype && f.auth);
        print_checks(r);
        if (mode == 1) {
            /* the same answer without a nonce passes when it is optional */
            teeattest_result *r2 = NULL;
            ta_result_new(c, &r2);
            o.nonce_optional = true;
            o.url = "http://ocsp.example.invalid/";
            CHECK_EQ_INT(ta_ocsp_check_append(c, r2, "g", chain, lens, 2, 0, &o,
                                              NULL, NULL), TEEATTEST_OK);
            ck = find_check(r2, "g.cert[0]");
            CHECK(ck && ck->outcome == TEEATTEST_OUTCOME_PASS);
            CHECK_STR(f.url, "http://ocsp.example.invalid/");
            /* and without sending one: a request with no extension */
            o.no_nonce = true;
            o.nonce_optional = false;
            CHECK_EQ_INT(ta_ocsp_check_append(c, r2, "h", chain, lens, 2, 0, &o,
                                              NULL, NULL), TEEATTEST_OK);
            ck = find_check(r2, "h.cert[0]");
            CHECK(ck && ck->outcome == TEEATTEST_OUTCOME_PASS);
            teeattest_result_free(r2);
        }
        teeattest_result_free(r);
        teeattest_ctx_free(c);
        free(fixed.p);
    }

    /* a saved matching response is used before the network */
    fake f;
    memset(&f, 0, sizeof f);
    teeattest_ctx *c = fake_ctx(&f);
    teeattest_result *r = NULL;
    ta_result_new(c, &r);
    rspec s = base_spec();
    bb saved = synth(&s);
    const uint8_t *rp[1] = {saved.p};
    size_t rl[1] = {saved.n};
    ta_ocsp_check_opts o;
    memset(&o, 0, sizeof o);
    o.at = SYN_AT;
    o.online = true;
    o.responses = rp;
    o.response_lens = rl;
    o.n_responses = 1;
    CHECK_EQ_INT(ta_ocsp_check_append(c, r, "s", chain, lens, 2, 0, &o, NULL,
                                      NULL), TEEATTEST_OK);
    CHECK_EQ_INT(f.requests, 0);
    const ta_check *ck = find_check(r, "s.cert[0]");
    CHECK(ck && ck->outcome == TEEATTEST_OUTCOME_PASS);
    teeattest_result_free(r);
    teeattest_ctx_free(c);
    free(saved.p);

    /* device chain online: the URL comes from the AIA when present */
    memset(&f, 0, sizeof f);
    f.mode = 2;
    c = fake_ctx(&f);
    r = NULL;
    ta_result_new(c, &r);
    const uint8_t *dp[5];
    size_t dl[5];
    for (int i = 0; i < 5; i++)
        dp[i] = dev[i].p, dl[i] = dev[i].len;
    memset(&o, 0, sizeof o);
    o.at = SYN_AT;
    o.online = true;
    ta_ocsp_summary sum;
    CHECK_EQ_INT(ta_ocsp_check_append(c, r, "d", dp, dl, 5, 2, &o, &sum, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(f.requests, 2);
    CHECK_STR(f.url, "http://ocsp.ndis.nvidia.com");
    CHECK_EQ_INT(sum.skipped, 2);
    teeattest_result_free(r);
    teeattest_ctx_free(c);
}

/* The OCSP POST goes through the one request entry: once the context's
 * deadline has passed nothing is sent, and the required check is not
 * passed (a required skip: the verdict fails). */
static void test_online_deadline(void)
{
    const uint8_t *chain[2] = {target.cert.p, ca.cert.p};
    size_t lens[2] = {target.cert.len, ca.cert.len};
    fake f;
    memset(&f, 0, sizeof f);
    const int64_t now = SYN_AT;
    teeattest_ctx *c = unit_ctx_deadline(fake_request, &f, &now, now * 1000);
    teeattest_result *r = NULL;
    ta_result_new(c, &r);
    ta_ocsp_check_opts o;
    memset(&o, 0, sizeof o);
    o.at = SYN_AT;
    o.online = true;
    o.required = true;
    CHECK_EQ_INT(ta_ocsp_check_append(c, r, "gpu[0].ocsp", chain, lens, 2, 0,
                                      &o, NULL, NULL), TEEATTEST_OK);
    const ta_check *ck = find_check(r, "gpu[0].ocsp.cert[0]");
    CHECK_EQ_INT(f.requests, 0);
    /* Not checked, as when the responder is down: a required skip. */
    CHECK(ck && ck->outcome == TEEATTEST_OUTCOME_SKIP && ck->required);
    CHECK(ck && strstr(ck->detail, "overall deadline expired") != NULL);
    print_checks(r);
    CHECK_EQ_INT(ta_result_finish(r, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    teeattest_result_free(r);
    teeattest_ctx_free(c);
}

/* ---- allocation failures ------------------------------------------------------------------- */

static void test_oom(void)
{
    unit_alloc_stats st;
    memset(&st, 0, sizeof st);
    teeattest_ctx *c = unit_ctx_with(&st, NULL);
    /* Leaks are counted per call: the memo, which keeps what it parsed
     * across calls, is off here (tests/unit/test_memo.c fails its
     * allocations). */
    c->memo_entries = SIZE_MAX;
    uint8_t *resp[7];
    size_t lens[7];
    for (int i = 0; i < 7; i++) {
        char rel[200];
        snprintf(rel, sizeof rel, CASE "ocsp/%s", ocsp_files[i]);
        resp[i] = unit_fixture(rel, &lens[i]);
    }
    const uint8_t *dp[5];
    size_t dl[5];
    for (int i = 0; i < 5; i++)
        dp[i] = dev[i].p, dl[i] = dev[i].len;
    ta_ocsp_check_opts o;
    memset(&o, 0, sizeof o);
    o.at = iso_time("2025-08-21T06:47:08");
    o.responses = (const uint8_t *const *)resp;
    o.response_lens = lens;
    o.n_responses = 7;
    size_t bad = 0, base = st.live, k;
    for (k = 1; k < 500; k++) {
        st.calls = 0;
        st.fail_at = k;
        size_t failed_before = st.failed;
        teeattest_result *r = NULL;
        int rc = ta_result_new(c, &r);
        if (!rc) {
            rc = ta_ocsp_check_append(c, r, "gpu[0].ocsp", dp, dl, 5, 1, &o,
                                      NULL, NULL);
            uint8_t *req = NULL;
            size_t rl = 0;
            int rc2 = ta_ocsp_request_build(c, dev[1].p, dev[1].len, dev[2].p,
                                            dev[2].len, 0, NULL, 0, &req, &rl,
                                            NULL);
            if (rc2 != TEEATTEST_OK && rc2 != TEEATTEST_E_NOMEM)
                bad++;
            ta_free(c, req);
            teeattest_result_free(r);
        }
        if (rc != TEEATTEST_OK && rc != TEEATTEST_E_NOMEM)
            bad++;
        if (st.live != base)
            bad++;
        if (st.failed == failed_before)
            break; /* nothing left to fail */
    }
    st.fail_at = 0;
    CHECK(k < 500);
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(st.bad, 0);
    for (int i = 0; i < 7; i++)
        free(resp[i]);
    teeattest_ctx_free(c);
}

int main(void)
{
    teeattest_ctx_options opts = TEEATTEST_CTX_OPTIONS_INIT;
    if (teeattest_ctx_new(&ctx, &opts, NULL) != TEEATTEST_OK) {
        printf("Bail out! context\n");
        return 1;
    }
    char *pem = (char *)unit_fixture(CASE "cert_chain.pem", NULL);
    n_dev = pem_split(pem, dev, 5);
    free(pem);
    n_drv = rim_chain(CASE "driver_rim.xml", drv, 4);
    n_vb = rim_chain(CASE "vbios_rim.xml", vb, 4);
    CHECK_EQ_INT(n_dev, 5);
    CHECK_EQ_INT(n_drv, 4);
    CHECK_EQ_INT(n_vb, 4);
    if (n_dev != 5 || n_drv != 4 || n_vb != 4) {
        printf("Bail out! fixture chains\n");
        return 1;
    }
    pki_setup();

    test_fixture_responses();
    test_fixture_tamper();
    test_request();
    test_synthetic();
    test_der_strict();
    test_append_offline();
    test_append_hold();
    test_online();
    test_online_deadline();
    test_oom();

    for (size_t i = 0; i < 5; i++)
        free(dev[i].p);
    for (size_t i = 0; i < 4; i++)
        free(drv[i].p), free(vb[i].p);
    ident_free(&ca);
    ident_free(&target);
    ident_free(&responder);
    ident_free(&no_eku);
    ident_free(&other_ca);
    ident_free(&foreign);
    teeattest_ctx_free(ctx);
    return ta_test_done();
}
