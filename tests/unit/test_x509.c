/*
 * Built-in X.509 chain verification at an injected time, on Intel's real
 * SGX/TDX collateral chains (shared/fixtures/tdx): every case verifies at
 * its recorded verification time; the validity windows of the leaf and of
 * the root CA CRL are probed one second inside and outside; wrong trust
 * anchors, tampered signatures and garbage are refused with the right
 * TEEATTEST_X509_* reasons. The wall clock is never involved: mbedTLS's
 * own clock-based flags must not leak into the result.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <jansson.h>
#include <mbedtls/x509_crl.h>
#include <mbedtls/x509_crt.h>

#include "unit.h"

#include "crypto/crypto.h"

#define MAX_CERTS 4

/* The allocator of the built-in verification. */
static teeattest_ctx *uctx;

typedef struct der {
    uint8_t *p;
    size_t len;
} der;

/* Split a PEM bundle into DER certificates with the library's strict
 * base64 decoder (line breaks removed first). */
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
        char *b64 = malloc((size_t)(e - p) + 1);
        size_t bl = 0;
        for (const char *q = p; q < e; q++)
            if (*q != '\n' && *q != '\r' && *q != ' ')
                b64[bl++] = *q;
        out[n].p = malloc(ta_base64_decoded_max(bl));
        int64_t r = ta_base64_decode(out[n].p, ta_base64_decoded_max(bl), b64,
                                     bl, false);
        free(b64);
        if (r <= 0) {
            free(out[n].p);
            break;
        }
        out[n].len = (size_t)r;
        n++;
        p = e + sizeof end - 1;
    }
    return n;
}

static der load(const char *rel)
{
    der d;
    d.p = unit_fixture(rel, &d.len);
    return d;
}

static int64_t crt_time(const mbedtls_x509_time *t)
{
    return ta_timegm(t->year, t->mon, t->day, t->hour, t->min, t->sec);
}

/* Verify `leaf` (optionally followed by intermediates) against one root
 * and optional CRLs. */
static int verify(uint32_t *flags, const der *chain, size_t n_chain,
                  const der *root, const der *crl, size_t n_crl, int64_t at)
{
    const uint8_t *c[MAX_CERTS], *r[1], *l[2];
    size_t cl[MAX_CERTS], rl[1], ll[2];
    for (size_t i = 0; i < n_chain; i++) {
        c[i] = chain[i].p;
        cl[i] = chain[i].len;
    }
    r[0] = root->p;
    rl[0] = root->len;
    for (size_t i = 0; i < n_crl; i++) {
        l[i] = crl[i].p;
        ll[i] = crl[i].len;
    }
    *flags = 0xDEAD;
    int rc = ta_builtin_x509_verify_chain(uctx, flags, c, cl, n_chain, r, rl, 1,
                                          n_crl ? l : NULL, n_crl ? ll : NULL,
                                          n_crl, at);
    /* The return value and the flags always agree. */
    if ((rc == TEEATTEST_OK) != (*flags == 0))
        return -9999;
    return rc;
}

#define CHECK_FLAGS(flags, want) \
    do { \
        if (!CHECK_EQ_INT((flags), (want))) \
            printf("#   flags 0x%x, expected 0x%x\n", (unsigned)(flags), \
                   (unsigned)(want)); \
    } while (0)

static const char *const cases[] = {
    "dcapqvl_v4_uptodate",      "dcapqvl_near_v4_uptodate",
    "gcp_cos_v4_uptodate",      "automata_gcp_v4_outofdate",
    "gotdxguest_v5_uptodate",   "gotdxguest_v4_no_tcb_level",
    "dcapqvl_v5_no_tcb_level",
};

/* ISO 8601 "YYYY-MM-DDTHH:MM:SSZ" with ta_timegm. */
static int64_t iso_time(const char *s)
{
    int y, mo, d, h, mi, se;
    if (sscanf(s, "%d-%d-%dT%d:%d:%dZ", &y, &mo, &d, &h, &mi, &se) != 6)
        return INT64_MIN;
    return ta_timegm(y, mo, d, h, mi, se);
}

static void test_timegm(void)
{
    CHECK_EQ_INT(ta_timegm(1970, 1, 1, 0, 0, 0), 0);
    CHECK_EQ_INT(ta_timegm(2000, 1, 1, 0, 0, 0), 946684800);
    CHECK_EQ_INT(ta_timegm(2038, 1, 19, 3, 14, 7), 2147483647);
    CHECK_EQ_INT(ta_timegm(1969, 12, 31, 23, 59, 59), -1);
    /* Leap days: 2000 is a leap year, 1900 and 2100 are not. */
    CHECK_EQ_INT(ta_timegm(2000, 3, 1, 0, 0, 0) - ta_timegm(2000, 2, 28, 0, 0, 0),
                 2 * 86400);
    CHECK_EQ_INT(ta_timegm(2100, 3, 1, 0, 0, 0) - ta_timegm(2100, 2, 28, 0, 0, 0),
                 86400);
    CHECK_EQ_INT(ta_timegm(1900, 3, 1, 0, 0, 0) - ta_timegm(1900, 2, 28, 0, 0, 0),
                 86400);
    /* Each case's expected.json states its time both ways. */
    for (size_t i = 0; i < TA_ARRAY_LEN(cases); i++) {
        char rel[256];
        snprintf(rel, sizeof rel, "tdx/%s/expected.json", cases[i]);
        size_t len;
        uint8_t *raw = unit_fixture(rel, &len);
        json_t *j = json_loadb((const char *)raw, len, 0, NULL);
        free(raw);
        const char *iso = json_string_value(json_object_get(j, "verify_at"));
        json_int_t unix_t = json_integer_value(json_object_get(j, "verify_at_unix"));
        CHECK(iso != NULL);
        CHECK_EQ_INT(iso ? iso_time(iso) : 0, unix_t);
        json_decref(j);
    }
}

static int64_t verify_at(const char *c)
{
    char rel[256];
    snprintf(rel, sizeof rel, "tdx/%s/expected.json", c);
    size_t len;
    uint8_t *raw = unit_fixture(rel, &len);
    json_t *j = json_loadb((const char *)raw, len, 0, NULL);
    free(raw);
    json_t *t = json_object_get(j, "verify_at_unix");
    int64_t at = json_is_integer(t) ? (int64_t)json_integer_value(t) : INT64_MIN;
    json_decref(j);
    if (at == INT64_MIN) {
        printf("Bail out! %s has no verify_at_unix\n", rel);
        exit(1);
    }
    return at;
}

static size_t load_chain(const char *c, const char *file, der *certs)
{
    char rel[256];
    snprintf(rel, sizeof rel, "tdx/%s/%s", c, file);
    size_t len;
    uint8_t *pem = unit_fixture(rel, &len);
    size_t n = pem_split((const char *)pem, certs, MAX_CERTS);
    free(pem);
    return n;
}

static void free_ders(der *d, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(d[i].p);
}

static void test_case(const char *c, const der *root)
{
    printf("# case %s\n", c);
    int64_t at = verify_at(c);
    char rel[256];
    snprintf(rel, sizeof rel, "tdx/%s/root_ca_crl.der", c);
    der crl = load(rel);
    der certs[MAX_CERTS];
    size_t n = load_chain(c, "tcb_info_issuer_chain.pem", certs);
    CHECK_EQ_INT(n, 2);
    if (n != 2) {
        free_ders(certs, n);
        free(crl.p);
        return;
    }
    /* The chain's root is the pinned Intel SGX Root CA. */
    CHECK(certs[1].len == root->len &&
          memcmp(certs[1].p, root->p, root->len) == 0);

    uint32_t flags;
    /* At the recorded time: leaf alone, leaf + root, with and without the
     * root CA CRL. */
    CHECK_EQ_INT(verify(&flags, certs, 1, root, &crl, 1, at), TEEATTEST_OK);
    CHECK_FLAGS(flags, 0);
    CHECK_EQ_INT(verify(&flags, certs, 2, root, &crl, 1, at), TEEATTEST_OK);
    CHECK_EQ_INT(verify(&flags, certs, 1, root, NULL, 0, at), TEEATTEST_OK);

    /* The other two issuer chains of the case verify too. */
    static const char *const others[] = {"qe_identity_issuer_chain.pem",
                                         "pck_crl_issuer_chain.pem"};
    for (size_t k = 0; k < 2; k++) {
        der o[MAX_CERTS];
        size_t on = load_chain(c, others[k], o);
        CHECK(on >= 2);
        CHECK_EQ_INT(on >= 1 ? verify(&flags, o, on, root, &crl, 1, at) : -1,
                     TEEATTEST_OK);
        free_ders(o, on);
    }

    /* Validity windows, from the certificates and the CRL themselves. */
    mbedtls_x509_crt leaf;
    mbedtls_x509_crl cr;
    mbedtls_x509_crt_init(&leaf);
    mbedtls_x509_crl_init(&cr);
    CHECK_EQ_INT(mbedtls_x509_crt_parse_der(&leaf, certs[0].p, certs[0].len), 0);
    CHECK_EQ_INT(mbedtls_x509_crl_parse_der(&cr, crl.p, crl.len), 0);
    int64_t nb = crt_time(&leaf.valid_from), na = crt_time(&leaf.valid_to);
    int64_t tu = crt_time(&cr.this_update), nu = crt_time(&cr.next_update);
    mbedtls_x509_crl_free(&cr);
    mbedtls_x509_crt_free(&leaf);
    CHECK(nb <= at && at <= na && tu <= at && at <= nu);
    const uint32_t NYV = TEEATTEST_X509_NOT_YET_VALID, EXP = TEEATTEST_X509_EXPIRED,
                   CFU = TEEATTEST_X509_CRL_FUTURE, CEX = TEEATTEST_X509_CRL_EXPIRED;

    /* Before notBefore. */
    CHECK_EQ_INT(verify(&flags, certs, 1, root, NULL, 0, nb), TEEATTEST_OK);
    CHECK_EQ_INT(verify(&flags, certs, 1, root, NULL, 0, nb - 1),
                 TEEATTEST_E_CERT_CHAIN);
    CHECK_FLAGS(flags, NYV);
    verify(&flags, certs, 1, root, &crl, 1, nb - 1);
    CHECK_FLAGS(flags, NYV | (nb - 1 < tu ? CFU : 0));
    /* After notAfter. */
    CHECK_EQ_INT(verify(&flags, certs, 1, root, NULL, 0, na), TEEATTEST_OK);
    CHECK_EQ_INT(verify(&flags, certs, 1, root, NULL, 0, na + 1),
                 TEEATTEST_E_CERT_CHAIN);
    CHECK_FLAGS(flags, EXP);
    verify(&flags, certs, 1, root, &crl, 1, na + 1);
    CHECK_FLAGS(flags, EXP | (na + 1 > nu ? CEX : 0));
    /* The CRL: before thisUpdate, after nextUpdate. */
    int64_t lo = tu > nb ? tu : nb, hi = nu < na ? nu : na;
    CHECK_EQ_INT(verify(&flags, certs, 1, root, &crl, 1, lo), TEEATTEST_OK);
    CHECK_EQ_INT(verify(&flags, certs, 1, root, &crl, 1, hi), TEEATTEST_OK);
    CHECK_EQ_INT(verify(&flags, certs, 1, root, &crl, 1, tu - 1),
                 TEEATTEST_E_CERT_CHAIN);
    CHECK_FLAGS(flags, CFU | (tu - 1 < nb ? NYV : 0));
    CHECK_EQ_INT(verify(&flags, certs, 1, root, &crl, 1, nu + 1),
                 TEEATTEST_E_CERT_CHAIN);
    CHECK_FLAGS(flags, CEX | (nu + 1 > na ? EXP : 0));
    /* The root itself is valid until 2049-12-31T23:59:59Z; far beyond it
     * the anchor has expired as well as the leaf. */
    verify(&flags, certs, 1, root, NULL, 0, ta_timegm(2200, 1, 1, 0, 0, 0));
    CHECK_FLAGS(flags, EXP);
    verify(&flags, certs, 1, root, NULL, 0, ta_timegm(1990, 1, 1, 0, 0, 0));
    CHECK_FLAGS(flags, NYV);

    /* A flipped byte in the leaf's signature (the last byte of the DER,
     * inside the signature's s integer). */
    der t = {malloc(certs[0].len), certs[0].len};
    memcpy(t.p, certs[0].p, t.len);
    t.p[t.len - 1] ^= 0x01;
    CHECK_EQ_INT(verify(&flags, &t, 1, root, &crl, 1, at), TEEATTEST_E_CERT_CHAIN);
    CHECK(flags & (TEEATTEST_X509_NOT_TRUSTED | TEEATTEST_X509_BAD_SIGNATURE));
    /* ... and in the signed part instead: the signature algorithm and an
     * ECDSA signature take under 90 bytes at the end of these P-256
     * certificates, so 150 bytes from the end is inside TBSCertificate. */
    memcpy(t.p, certs[0].p, t.len);
    t.p[t.len - 150] ^= 0x01;
    CHECK_EQ_INT(verify(&flags, &t, 1, root, &crl, 1, at), TEEATTEST_E_CERT_CHAIN);
    CHECK(flags != 0);
    /* Truncated leaf: not parseable. */
    t.len = certs[0].len - 1;
    memcpy(t.p, certs[0].p, t.len);
    CHECK_EQ_INT(verify(&flags, &t, 1, root, &crl, 1, at), TEEATTEST_E_CERT_CHAIN);
    CHECK_FLAGS(flags, TEEATTEST_X509_BAD_FORMAT);
    free(t.p);

    /* A CRL whose signature does not verify is reported. */
    der bc = {malloc(crl.len), crl.len};
    memcpy(bc.p, crl.p, crl.len);
    bc.p[bc.len - 1] ^= 0x01;
    CHECK_EQ_INT(verify(&flags, certs, 1, root, &bc, 1, at),
                 TEEATTEST_E_CERT_CHAIN);
    CHECK_FLAGS(flags, TEEATTEST_X509_CRL_BAD);
    free(bc.p);

    free_ders(certs, n);
    free(crl.p);
}

static void test_bad_inputs(const der *root)
{
    const char *c = cases[0];
    int64_t at = verify_at(c);
    der certs[MAX_CERTS];
    size_t n = load_chain(c, "tcb_info_issuer_chain.pem", certs);
    char rel[256];
    snprintf(rel, sizeof rel, "tdx/%s/root_ca_crl.der", c);
    der crl = load(rel);
    uint32_t flags;

    /* Wrong trust anchor: NVIDIA's device identity root. */
    size_t len;
    uint8_t *pem = unit_fixture("providers/nvidia/nvidia_device_identity_root_ca.pem",
                                &len);
    der nv[MAX_CERTS];
    size_t nn = pem_split((const char *)pem, nv, MAX_CERTS);
    free(pem);
    CHECK_EQ_INT(nn, 1);
    CHECK_EQ_INT(verify(&flags, certs, 1, &nv[0], NULL, 0, at),
                 TEEATTEST_E_CERT_CHAIN);
    CHECK_FLAGS(flags, TEEATTEST_X509_NOT_TRUSTED);
    CHECK_EQ_INT(verify(&flags, certs, 2, &nv[0], &crl, 1, at),
                 TEEATTEST_E_CERT_CHAIN);
    CHECK(flags & TEEATTEST_X509_NOT_TRUSTED);
    /* Nor is the leaf its own anchor. */
    CHECK_EQ_INT(verify(&flags, certs, 1, &certs[0], NULL, 0, at),
                 TEEATTEST_E_CERT_CHAIN);
    CHECK(flags & TEEATTEST_X509_NOT_TRUSTED);

    /* Garbage DER in each position. */
    static const uint8_t junk[] = {0x30, 0x82, 0x01, 0x00, 'n', 'o', 't', 0};
    der g = {(uint8_t *)junk, sizeof junk};
    der empty = {(uint8_t *)junk, 0};
    CHECK_EQ_INT(verify(&flags, &g, 1, root, &crl, 1, at), TEEATTEST_E_CERT_CHAIN);
    CHECK_FLAGS(flags, TEEATTEST_X509_BAD_FORMAT);
    CHECK_EQ_INT(verify(&flags, &empty, 1, root, NULL, 0, at),
                 TEEATTEST_E_CERT_CHAIN);
    CHECK_FLAGS(flags, TEEATTEST_X509_BAD_FORMAT);
    CHECK_EQ_INT(verify(&flags, certs, 1, &g, &crl, 1, at), TEEATTEST_E_CERT_CHAIN);
    CHECK_FLAGS(flags, TEEATTEST_X509_BAD_FORMAT);
    CHECK_EQ_INT(verify(&flags, certs, 1, root, &g, 1, at), TEEATTEST_E_CERT_CHAIN);
    CHECK_FLAGS(flags, TEEATTEST_X509_BAD_FORMAT);
    /* A CRL where a certificate belongs and vice versa. */
    CHECK_EQ_INT(verify(&flags, &crl, 1, root, NULL, 0, at), TEEATTEST_E_CERT_CHAIN);
    CHECK_FLAGS(flags, TEEATTEST_X509_BAD_FORMAT);
    CHECK_EQ_INT(verify(&flags, certs, 1, root, &certs[1], 1, at),
                 TEEATTEST_E_CERT_CHAIN);
    CHECK_FLAGS(flags, TEEATTEST_X509_BAD_FORMAT);
    /* Every truncation of the leaf is refused, never accepted. */
    int accepted = 0;
    for (size_t cut = 0; cut < certs[0].len; cut += 7) {
        der tr = {certs[0].p, cut};
        accepted += verify(&flags, &tr, 1, root, NULL, 0, at) != TEEATTEST_E_CERT_CHAIN;
    }
    CHECK_EQ_INT(accepted, 0);

    /* Misuse. */
    const uint8_t *cp[1] = {certs[0].p}, *rp[1] = {root->p};
    size_t cl[1] = {certs[0].len}, rl[1] = {root->len};
    CHECK_EQ_INT(ta_builtin_x509_verify_chain(uctx, &flags, cp, cl, 0, rp, rl, 1, NULL,
                                              NULL, 0, at),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(ta_builtin_x509_verify_chain(uctx, &flags, cp, cl, 1, rp, rl, 0, NULL,
                                              NULL, 0, at),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(ta_builtin_x509_verify_chain(uctx, &flags, cp, cl, 1, rp, rl, 1, NULL,
                                              NULL, 1, at),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(ta_builtin_x509_verify_chain(uctx, &flags, NULL, cl, 1, rp, rl, 1,
                                              NULL, NULL, 0, at),
                 TEEATTEST_E_INVALID_ARG);
    const uint8_t *np[1] = {NULL};
    CHECK_EQ_INT(ta_builtin_x509_verify_chain(uctx, &flags, np, cl, 1, rp, rl, 1, NULL,
                                              NULL, 0, at),
                 TEEATTEST_E_CERT_CHAIN);
    CHECK_FLAGS(flags, TEEATTEST_X509_BAD_FORMAT);

    /* Through the dispatcher with a context and no backend: the same. */
    teeattest_ctx *ctx = unit_ctx();
    CHECK_EQ_INT(ta_x509_verify_chain(ctx, &flags, cp, cl, 1, rp, rl, 1, NULL,
                                      NULL, 0, at), TEEATTEST_OK);
    CHECK_FLAGS(flags, 0);
    teeattest_ctx_free(ctx);

    free_ders(nv, nn);
    free_ders(certs, n);
    free(crl.p);
}

int main(void)
{
    uctx = unit_ctx();
    test_timegm();
    der root = load("tdx/intel_sgx_root_ca.der");
    for (size_t i = 0; i < TA_ARRAY_LEN(cases); i++)
        test_case(cases[i], &root);
    test_bad_inputs(&root);
    free(root.p);
    teeattest_ctx_free(uctx);
    return ta_test_done();
}
