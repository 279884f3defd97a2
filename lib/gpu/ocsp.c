/*
 * OCSP (RFC 6960) for NVIDIA certificate chains: request encoding and
 * response reading with lib/crypto's DER writer and reader (der.h: DER
 * only, low tag numbers, lengths in shortest form of at most 4 bytes),
 * verification at an injected time, and result checks (nvidia.md §3.4,
 * §8).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <string.h>
#include <time.h>


#include "ocsp.h"
#include "../cache/cache.h"
#include "../crypto/crypto.h"
#include "../crypto/der.h"
#include "../crypto/x509.h"
#include "../transport/transport.h"

/* More would only be a way to make us parse and hash for nothing. */
#define OCSP_MAX_CERTS 8
#define OCSP_MAX_SINGLE 64
#define OCSP_MAX_EXTENSIONS 16
#define OCSP_NONCE_MAX 64

/* ---- object identifiers (contents octets) -------------------------------- */

static const uint8_t OID_OCSP_BASIC[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x01};
static const uint8_t OID_OCSP_NONCE[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x02};
static const uint8_t OID_AD_OCSP[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01};
static const uint8_t OID_PE_AIA[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01};
static const uint8_t OID_SHA1[] = {0x2b, 0x0e, 0x03, 0x02, 0x1a};
static const uint8_t OID_SHA256[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01};
static const uint8_t OID_SHA384[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02};
static const uint8_t OID_ECDSA_SHA256[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
static const uint8_t OID_ECDSA_SHA384[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03};
static const uint8_t OID_ECDSA_SHA512[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04};
static const uint8_t OID_KP_OCSP_SIGNING[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x09};

#define OID_EQ(d, oid) ta_der_eq((d), (oid), sizeof(oid))

/* ---- hashing ------------------------------------------------------------ */

static size_t certid_hash_len(int32_t alg)
{
    switch (alg) {
    case TA_OCSP_HASH_SHA1:
        return 20;
    case TA_OCSP_HASH_SHA256:
        return 32;
    case TA_OCSP_HASH_SHA384:
        return 48;
    default:
        return 0;
    }
}

static const char *certid_hash_name(int32_t alg)
{
    switch (alg) {
    case TA_OCSP_HASH_SHA1:
        return "sha1";
    case TA_OCSP_HASH_SHA256:
        return "sha256";
    case TA_OCSP_HASH_SHA384:
        return "sha384";
    default:
        return "unsupported";
    }
}

/* SHA-1 is not in teeattest_hash_alg (the crypto backend contract has no
 * SHA-1), so it comes from the built-in ta_sha1; it only names
 * certificates here (CertID, byKey), it never protects a signature. */
static int digest(const teeattest_ctx *ctx, int32_t alg, uint8_t *out,
                  const uint8_t *data, size_t len)
{
    if (alg == TA_OCSP_HASH_SHA1)
        return ta_sha1(out, data, len);
    size_t n = ta_hash_len(alg);
    if (!n)
        return TEEATTEST_E_UNSUPPORTED;
    return ta_hash(ctx, alg, out, n, data, len);
}

/* ---- certificates --------------------------------------------------------- */

/* The curve of a key that may sign OCSP answers (or certify a delegated
 * responder): id-ecPublicKey with the namedCurve P-256 or P-384 and an
 * uncompressed point, the only encodings taken before lib/crypto read
 * keys here (an SPKI in DER is then one of two headers and the point);
 * 0 for any other key, which the backend may well read. */
static int32_t signer_curve(const ta_x509 *crt)
{
    static const uint8_t p256[] = {
        0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d,
        0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01,
        0x07, 0x03, 0x42, 0x00, 0x04};
    static const uint8_t p384[] = {
        0x30, 0x76, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d,
        0x02, 0x01, 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22, 0x03, 0x62,
        0x00, 0x04};
    ta_der k = ta_x509_spki_der(crt);
    int32_t curve = 0;
    if (k.len == sizeof p256 + 64 && memcmp(k.p, p256, sizeof p256) == 0)
        curve = TEEATTEST_CURVE_P256;
    else if (k.len == sizeof p384 + 96 && memcmp(k.p, p384, sizeof p384) == 0)
        curve = TEEATTEST_CURVE_P384;
    return curve && ta_x509_key_curve(crt) == curve ? curve : 0;
}

static void crt_subject(const ta_x509 *crt, char *out, size_t cap)
{
    if (ta_x509_subject_text(crt, out, cap) < 0)
        snprintf(out, cap, "(unprintable name)");
}

/* ---- GeneralizedTime ------------------------------------------------------ */

static int two(const uint8_t *p)
{
    if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
        return -1;
    return (p[0] - '0') * 10 + (p[1] - '0');
}

/* "YYYYMMDDHHMMSS[.f+]Z" (RFC 5280 form, fractions tolerated and dropped). */
static bool gentime(const ta_der_tlv *t, int64_t *out)
{
    const uint8_t *p = t->in.p;
    size_t n = ta_der_left(&t->in);
    if (t->tag != 0x18 || n < 15 || p[n - 1] != 'Z')
        return false;
    if (n > 15) {
        if (p[14] != '.' || n < 17)
            return false;
        for (size_t i = 15; i < n - 1; i++)
            if (p[i] < '0' || p[i] > '9')
                return false;
    }
    int c = two(p), y = two(p + 2), mo = two(p + 4), d = two(p + 6),
        h = two(p + 8), mi = two(p + 10), s = two(p + 12);
    if (c < 0 || y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 ||
        mi < 0 || mi > 59 || s < 0 || s > 59)
        return false;
    int year = c * 100 + y;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int dim = mdays[mo - 1];
    if (mo == 2 && (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)))
        dim = 29;
    if (d > dim)
        return false;
    *out = ta_timegm(year, mo, d, h, mi, s);
    return true;
}

/* ---- the pair (cert, issuer) ------------------------------------------- */

typedef struct target {
    ta_x509 *cert, *issuer;
    ta_der issuer_key;    /* the issuer's subjectPublicKey bits */
    int32_t issuer_curve; /* signer_curve(issuer) */
} target;

static void target_free(target *t)
{
    ta_x509_free(t->cert);
    ta_x509_free(t->issuer);
}

static int target_load(const teeattest_ctx *ctx, target *t,
                       const uint8_t *cert, size_t cert_len,
                       const uint8_t *issuer, size_t issuer_len,
                       teeattest_error *err)
{
    t->cert = t->issuer = NULL;
    int rc = ta_x509_parse_der(ctx, &t->cert, cert, cert_len, NULL);
    if (rc == TEEATTEST_E_NOMEM)
        return ta_error(err, rc, NULL, "OCSP: out of memory");
    if (rc)
        return ta_error(err, TEEATTEST_E_PARSE, NULL,
                        "OCSP: the certificate to check is not a DER X.509 "
                        "certificate");
    rc = ta_x509_parse_der(ctx, &t->issuer, issuer, issuer_len, NULL);
    if (rc == TEEATTEST_E_NOMEM)
        return ta_error(err, rc, NULL, "OCSP: out of memory");
    if (rc)
        return ta_error(err, TEEATTEST_E_PARSE, NULL,
                        "OCSP: the issuer is not a DER X.509 certificate");
    if (!ta_x509_names_link(t->issuer, t->cert))
        return ta_error(err, TEEATTEST_E_PARSE, NULL,
                        "OCSP: the certificate's issuer name is not the "
                        "issuer certificate's subject");
    t->issuer_key = ta_x509_spki_key(t->issuer);
    t->issuer_curve = signer_curve(t->issuer);
    if (!t->issuer_key.len)
        return ta_error(err, TEEATTEST_E_PARSE, NULL,
                        "OCSP: the issuer's subjectPublicKeyInfo is malformed");
    return TEEATTEST_OK;
}

/* ---- request ------------------------------------------------------------ */

static const uint8_t *hash_oid(int32_t alg, size_t *len)
{
    switch (alg) {
    case TA_OCSP_HASH_SHA1:
        *len = sizeof OID_SHA1;
        return OID_SHA1;
    case TA_OCSP_HASH_SHA256:
        *len = sizeof OID_SHA256;
        return OID_SHA256;
    case TA_OCSP_HASH_SHA384:
        *len = sizeof OID_SHA384;
        return OID_SHA384;
    default:
        return NULL;
    }
}

/* ta_der_write_* return the length written or a negative error. */
#define W(expr)                       \
    do {                              \
        int w_ = (expr);              \
        if (w_ < 0)                   \
            goto overflow;            \
        len += (size_t)w_;            \
    } while (0)

static int write_header(uint8_t **p, uint8_t *start, size_t len, uint8_t tag)
{
    int a = ta_der_write_len(p, start, len);
    if (a < 0)
        return a;
    int b = ta_der_write_tag(p, start, tag);
    if (b < 0)
        return b;
    return a + b;
}

int ta_ocsp_request_build(const teeattest_ctx *ctx, const uint8_t *cert,
                          size_t cert_len, const uint8_t *issuer,
                          size_t issuer_len, int32_t hash_alg,
                          const uint8_t *nonce, size_t nonce_len,
                          uint8_t **out, size_t *out_len, teeattest_error *err)
{
    if (out)
        *out = NULL;
    if (out_len)
        *out_len = 0;
    if (!cert || !issuer || !out || !out_len)
        return TA_INVALID(err, "OCSP request: NULL certificate or output");
    if (nonce && (nonce_len == 0 || nonce_len > OCSP_NONCE_MAX))
        return TA_INVALID(err, "OCSP request: nonce must be 1..64 bytes");
    if (!hash_alg)
        hash_alg = TA_OCSP_HASH_SHA384;
    size_t oid_len = 0;
    const uint8_t *oid = hash_oid(hash_alg, &oid_len);
    if (!oid)
        return TA_INVALID(err, "OCSP request: CertID hash must be SHA-1, "
                               "SHA-256 or SHA-384");
    target t;
    int rc = target_load(ctx, &t, cert, cert_len, issuer, issuer_len, err);
    if (rc)
        goto out;
    uint8_t name_hash[48], key_hash[48];
    size_t hl = certid_hash_len(hash_alg);
    ta_der issuer_name = ta_x509_subject_der(t.issuer);
    ta_der serial = ta_x509_serial(t.cert);
    if ((rc = digest(ctx, hash_alg, name_hash, issuer_name.p,
                     issuer_name.len)) ||
        (rc = digest(ctx, hash_alg, key_hash, t.issuer_key.p,
                     t.issuer_key.len))) {
        rc = ta_error(err, rc, NULL, "OCSP request: hashing the issuer");
        goto out;
    }
    size_t cap = 256 + serial.len + (nonce ? nonce_len : 0);
    uint8_t *buf = ta_malloc(ctx, cap);
    if (!buf) {
        rc = ta_error(err, TEEATTEST_E_NOMEM, NULL, "OCSP request buffer");
        goto out;
    }
    uint8_t *p = buf + cap;
    size_t len = 0, tbs_len;

    /* Written back to front. */
    if (nonce) {
        size_t ext = len;
        W(ta_der_write_raw(&p, buf, nonce, nonce_len));
        W(write_header(&p, buf, len - ext, TA_DER_OCTET_STRING));
        W(write_header(&p, buf, len - ext, TA_DER_OCTET_STRING));
        W(ta_der_write_bool(&p, buf, 1));
        W(ta_der_write_oid(&p, buf, OID_OCSP_NONCE, sizeof OID_OCSP_NONCE));
        W(write_header(&p, buf, len - ext, 0x30)); /* Extension */
        W(write_header(&p, buf, len - ext, 0x30)); /* Extensions */
        W(write_header(&p, buf, len - ext, 0xa2)); /* [2] EXPLICIT */
    }
    size_t list = len;
    W(ta_der_write_raw(&p, buf, serial.p, serial.len));
    W(write_header(&p, buf, serial.len, TA_DER_INTEGER));
    W(ta_der_write_octet_string(&p, buf, key_hash, hl));
    W(ta_der_write_octet_string(&p, buf, name_hash, hl));
    W(ta_der_write_algorithm_identifier(&p, buf, oid, oid_len, 0));
    W(write_header(&p, buf, len - list, 0x30)); /* CertID */
    W(write_header(&p, buf, len - list, 0x30)); /* Request */
    W(write_header(&p, buf, len - list, 0x30)); /* requestList */
    tbs_len = len;
    W(write_header(&p, buf, tbs_len, 0x30));    /* TBSRequest */
    W(write_header(&p, buf, len, 0x30));        /* OCSPRequest */

    memmove(buf, p, len);
    *out = buf;
    *out_len = len;
    rc = TEEATTEST_OK;
    goto out;
overflow:
    ta_free(ctx, buf);
    rc = ta_error(err, TEEATTEST_E_INTERNAL, NULL,
                  "OCSP request: encoding overflow");
out:
    target_free(&t);
    return rc;
}

/* ---- response parsing ------------------------------------------------------ */

typedef struct single {
    int32_t hash; /* 0 = unsupported algorithm */
    ta_der_in name_hash, key_hash, serial;
    ta_ocsp_status status;
    int32_t reason;
    int64_t rev_time, this_update, next_update;
    ta_der_in extensions; /* contents of [1], p == NULL when absent */
} single;

typedef struct parsed {
    ta_der_in tbs_elem;        /* the exact signed bytes (whole ResponseData TLV) */
    uint8_t responder_tag; /* 0xa1 byName, 0xa2 byKey */
    ta_der_in responder;       /* Name TLV, or KeyHash contents */
    int64_t produced_at;
    ta_der_in responses;       /* SEQUENCE OF SingleResponse contents */
    ta_der_in extensions;      /* responseExtensions contents, p NULL if absent */
    int32_t sig_hash;    /* TEEATTEST_HASH_* of ecdsa-with-SHAx */
    ta_der_in signature;       /* BIT STRING contents after the unused-bits byte */
    ta_der_in certs;           /* SEQUENCE OF Certificate contents, p NULL if absent */
} parsed;

#define PFAIL(field) \
    ta_error(err, TEEATTEST_E_PARSE, NULL, "OCSP response: malformed %s", field)

static int parse_outer(const uint8_t *resp, size_t len, ta_der_in *basic,
                       ta_ocsp_info *info, teeattest_error *err)
{
    ta_der_in d = {resp, resp + len};
    ta_der_tlv top, st, rb, rbs, type, octets;
    if (!ta_der_expect(&d, 0x30, &top) || !ta_der_done(&d))
        return PFAIL("OCSPResponse SEQUENCE");
    if (!ta_der_expect(&top.in, 0x0a, &st) || ta_der_left(&st.in) != 1)
        return PFAIL("responseStatus");
    if (st.in.p[0] != 0) {
        static const char *const names[] = {
            "successful", "malformedRequest", "internalError", "tryLater",
            "(4)", "sigRequired", "unauthorized"};
        info->failure = TA_OCSP_FAIL_RESPONSE_STATUS;
        return ta_error(err, TEEATTEST_E_VERIFY_FAILED, NULL,
                        "OCSP response: responseStatus %s (%u)",
                        st.in.p[0] < TA_ARRAY_LEN(names) ? names[st.in.p[0]]
                                                         : "unknown",
                        st.in.p[0]);
    }
    if (!ta_der_expect(&top.in, 0xa0, &rb) || !ta_der_done(&top.in) ||
        !ta_der_expect(&rb.in, 0x30, &rbs) || !ta_der_done(&rb.in) ||
        !ta_der_expect(&rbs.in, 0x06, &type))
        return PFAIL("responseBytes");
    if (!OID_EQ(&type.in, OID_OCSP_BASIC)) {
        info->failure = TA_OCSP_FAIL_UNSUPPORTED;
        return ta_error(err, TEEATTEST_E_UNSUPPORTED, NULL,
                        "OCSP response: responseType is not id-pkix-ocsp-basic");
    }
    if (!ta_der_expect(&rbs.in, 0x04, &octets) || !ta_der_done(&rbs.in))
        return PFAIL("responseBytes.response OCTET STRING");
    *basic = octets.in;
    return TEEATTEST_OK;
}

/* AlgorithmIdentifier with absent or NULL parameters; `oid` gets the OID. */
static bool alg_id(ta_der_in *d, ta_der_in *oid, bool params_absent_only)
{
    ta_der_tlv a, o, n;
    if (!ta_der_expect(d, 0x30, &a) || !ta_der_expect(&a.in, 0x06, &o))
        return false;
    if (!ta_der_done(&a.in)) {
        if (params_absent_only || !ta_der_expect(&a.in, 0x05, &n) ||
            ta_der_left(&n.in) != 0 || !ta_der_done(&a.in))
            return false;
    }
    *oid = o.in;
    return true;
}

static int parse_basic(ta_der_in basic, parsed *ps, teeattest_error *err)
{
    memset(ps, 0, sizeof *ps);
    ta_der_tlv b, tbs, t;
    if (!ta_der_expect(&basic, 0x30, &b) || !ta_der_done(&basic))
        return PFAIL("BasicOCSPResponse SEQUENCE");
    if (!ta_der_expect(&b.in, 0x30, &tbs))
        return PFAIL("tbsResponseData");
    ps->tbs_elem.p = tbs.elem;
    ps->tbs_elem.end = tbs.elem + tbs.elem_len;

    ta_der_in *r = &tbs.in;
    if (ta_der_peek(r, 0xa0)) {
        ta_der_tlv v, i;
        if (!ta_der_expect(r, 0xa0, &v) || !ta_der_expect(&v.in, 0x02, &i) ||
            !ta_der_done(&v.in) || !ta_der_eq(&i.in, (const uint8_t *)"\0", 1))
            return PFAIL("tbsResponseData.version (must be v1)");
    }
    if (!ta_der_next(r, &t) || (t.tag != 0xa1 && t.tag != 0xa2))
        return PFAIL("responderID");
    ps->responder_tag = t.tag;
    {
        ta_der_tlv id;
        if (t.tag == 0xa1) {
            if (!ta_der_expect(&t.in, 0x30, &id) || !ta_der_done(&t.in))
                return PFAIL("responderID byName");
            ps->responder.p = id.elem;
            ps->responder.end = id.elem + id.elem_len;
        } else {
            if (!ta_der_expect(&t.in, 0x04, &id) || !ta_der_done(&t.in) ||
                ta_der_left(&id.in) != 20)
                return PFAIL("responderID byKey");
            ps->responder = id.in;
        }
    }
    if (!ta_der_next(r, &t) || !gentime(&t, &ps->produced_at))
        return PFAIL("producedAt");
    if (!ta_der_expect(r, 0x30, &t))
        return PFAIL("responses");
    ps->responses = t.in;
    if (ta_der_peek(r, 0xa1)) {
        ta_der_tlv e, s;
        if (!ta_der_expect(r, 0xa1, &e) || !ta_der_expect(&e.in, 0x30, &s) ||
            !ta_der_done(&e.in) || ta_der_left(&s.in) == 0)
            return PFAIL("responseExtensions");
        ps->extensions = s.in;
    }
    if (!ta_der_done(r))
        return PFAIL("tbsResponseData (trailing data)");

    ta_der_in oid;
    if (!alg_id(&b.in, &oid, true))
        return PFAIL("signatureAlgorithm");
    if (OID_EQ(&oid, OID_ECDSA_SHA256))
        ps->sig_hash = TEEATTEST_HASH_SHA256;
    else if (OID_EQ(&oid, OID_ECDSA_SHA384))
        ps->sig_hash = TEEATTEST_HASH_SHA384;
    else if (OID_EQ(&oid, OID_ECDSA_SHA512))
        ps->sig_hash = TEEATTEST_HASH_SHA512;
    else
        return ta_error(err, TEEATTEST_E_UNSUPPORTED, NULL,
                        "OCSP response: signatureAlgorithm is not "
                        "ecdsa-with-SHA256/384/512");
    if (!ta_der_expect(&b.in, 0x03, &t) || ta_der_left(&t.in) < 2 || t.in.p[0] != 0)
        return PFAIL("signature BIT STRING");
    ps->signature.p = t.in.p + 1;
    ps->signature.end = t.in.end;
    if (ta_der_peek(&b.in, 0xa0)) {
        ta_der_tlv c, s;
        if (!ta_der_expect(&b.in, 0xa0, &c) || !ta_der_expect(&c.in, 0x30, &s) ||
            !ta_der_done(&c.in))
            return PFAIL("certs");
        ps->certs = s.in;
    }
    if (!ta_der_done(&b.in))
        return PFAIL("BasicOCSPResponse (trailing data)");
    return TEEATTEST_OK;
}

/* One SingleResponse; `d` is positioned on it. */
static int parse_single(ta_der_in *d, single *s, teeattest_error *err)
{
    memset(s, 0, sizeof *s);
    s->reason = -1;
    ta_der_tlv sr, cid, t;
    if (!ta_der_expect(d, 0x30, &sr))
        return PFAIL("SingleResponse");
    if (!ta_der_expect(&sr.in, 0x30, &cid))
        return PFAIL("certID");
    ta_der_in oid;
    if (!alg_id(&cid.in, &oid, false))
        return PFAIL("certID.hashAlgorithm");
    if (OID_EQ(&oid, OID_SHA1))
        s->hash = TA_OCSP_HASH_SHA1;
    else if (OID_EQ(&oid, OID_SHA256))
        s->hash = TA_OCSP_HASH_SHA256;
    else if (OID_EQ(&oid, OID_SHA384))
        s->hash = TA_OCSP_HASH_SHA384;
    if (!ta_der_expect(&cid.in, 0x04, &t))
        return PFAIL("certID.issuerNameHash");
    s->name_hash = t.in;
    if (!ta_der_expect(&cid.in, 0x04, &t))
        return PFAIL("certID.issuerKeyHash");
    s->key_hash = t.in;
    if (!ta_der_expect(&cid.in, 0x02, &t) || ta_der_left(&t.in) == 0 ||
        !ta_der_done(&cid.in))
        return PFAIL("certID.serialNumber");
    s->serial = t.in;

    if (!ta_der_next(&sr.in, &t))
        return PFAIL("certStatus");
    if (t.tag == 0x80 && ta_der_left(&t.in) == 0) {
        s->status = TA_OCSP_STATUS_GOOD;
    } else if (t.tag == 0x82 && ta_der_left(&t.in) == 0) {
        s->status = TA_OCSP_STATUS_UNKNOWN;
    } else if (t.tag == 0xa1) {
        ta_der_tlv rt;
        s->status = TA_OCSP_STATUS_REVOKED;
        if (!ta_der_next(&t.in, &rt) || !gentime(&rt, &s->rev_time))
            return PFAIL("revokedInfo.revocationTime");
        if (ta_der_peek(&t.in, 0xa0)) {
            ta_der_tlv wrap, e;
            if (!ta_der_expect(&t.in, 0xa0, &wrap) ||
                !ta_der_expect(&wrap.in, 0x0a, &e) || !ta_der_done(&wrap.in) ||
                ta_der_left(&e.in) != 1 || e.in.p[0] > 10 || e.in.p[0] == 7)
                return PFAIL("revokedInfo.revocationReason");
            s->reason = e.in.p[0];
        }
        if (!ta_der_done(&t.in))
            return PFAIL("revokedInfo (trailing data)");
    } else {
        return PFAIL("certStatus");
    }
    if (!ta_der_next(&sr.in, &t) || !gentime(&t, &s->this_update))
        return PFAIL("thisUpdate");
    if (ta_der_peek(&sr.in, 0xa0)) {
        ta_der_tlv w, g;
        if (!ta_der_expect(&sr.in, 0xa0, &w) || !ta_der_next(&w.in, &g) ||
            !gentime(&g, &s->next_update) || !ta_der_done(&w.in))
            return PFAIL("nextUpdate");
    }
    if (ta_der_peek(&sr.in, 0xa1)) {
        ta_der_tlv e, q;
        if (!ta_der_expect(&sr.in, 0xa1, &e) || !ta_der_expect(&e.in, 0x30, &q) ||
            !ta_der_done(&e.in) || ta_der_left(&q.in) == 0)
            return PFAIL("singleExtensions");
        s->extensions = q.in;
    }
    if (!ta_der_done(&sr.in))
        return PFAIL("SingleResponse (trailing data)");
    return TEEATTEST_OK;
}

/* Walk Extensions: reject malformed ones, duplicates of the nonce and
 * unknown critical ones; return the nonce extnValue contents if any. */
static int parse_extensions(ta_der_in exts, const char *where, bool nonce_allowed,
                            ta_der_in *nonce, ta_ocsp_info *info,
                            teeattest_error *err)
{
    if (nonce)
        memset(nonce, 0, sizeof *nonce);
    size_t n = 0;
    while (!ta_der_done(&exts)) {
        ta_der_tlv e, oid, crit, val;
        bool critical = false;
        if (++n > OCSP_MAX_EXTENSIONS || !ta_der_expect(&exts, 0x30, &e) ||
            !ta_der_expect(&e.in, 0x06, &oid))
            return ta_error(err, TEEATTEST_E_PARSE, NULL,
                            "OCSP response: malformed %s", where);
        if (ta_der_peek(&e.in, 0x01)) {
            if (!ta_der_expect(&e.in, 0x01, &crit) || ta_der_left(&crit.in) != 1 ||
                (crit.in.p[0] != 0 && crit.in.p[0] != 0xff))
                return ta_error(err, TEEATTEST_E_PARSE, NULL,
                                "OCSP response: malformed %s critical flag",
                                where);
            critical = crit.in.p[0] == 0xff;
        }
        if (!ta_der_expect(&e.in, 0x04, &val) || !ta_der_done(&e.in))
            return ta_error(err, TEEATTEST_E_PARSE, NULL,
                            "OCSP response: malformed %s extnValue", where);
        if (nonce_allowed && OID_EQ(&oid.in, OID_OCSP_NONCE)) {
            if (nonce->p) {
                return ta_error(err, TEEATTEST_E_PARSE, NULL,
                                "OCSP response: two nonces in %s", where);
            }
            *nonce = val.in;
        } else if (critical) {
            info->failure = TA_OCSP_FAIL_EXTENSION;
            return ta_error(err, TEEATTEST_E_UNSUPPORTED, NULL,
                            "OCSP response: unknown critical extension in %s",
                            where);
        }
    }
    return TEEATTEST_OK;
}

/* ---- responder ------------------------------------------------------------ */

static bool responder_is(const teeattest_ctx *ctx, const parsed *ps,
                         const ta_x509 *crt)
{
    if (ps->responder_tag == 0xa1) {
        ta_der name = ta_x509_subject_der(crt);
        return ta_der_eq(&ps->responder, name.p, name.len);
    }
    uint8_t h[20];
    ta_der k = ta_x509_spki_key(crt);
    if (digest(ctx, TA_OCSP_HASH_SHA1, h, k.p, k.len))
        return false;
    return ta_der_eq(&ps->responder, h, sizeof h);
}

/* A delegated responder certificate: issued (name and signature) by the
 * checked certificate's issuer, valid at `at`, EKU with OCSPSigning. */
static int check_delegate(const teeattest_ctx *ctx, const target *t,
                          const ta_x509 *rc, int64_t at,
                          ta_ocsp_info *info, teeattest_error *err)
{
    info->failure = TA_OCSP_FAIL_RESPONDER;
    if (!ta_x509_names_link(t->issuer, rc))
        return ta_error(err, TEEATTEST_E_CERT_CHAIN, NULL,
                        "OCSP responder %s is not issued by the checked "
                        "certificate's issuer", info->responder);
    int32_t pk, h;
    ta_x509_sig_alg(rc, &pk, &h);
    if (pk != TA_X509_PK_ECDSA || !h || !t->issuer_curve)
        return ta_error(err, TEEATTEST_E_CERT_CHAIN, NULL,
                        "OCSP responder %s: certificate signature algorithm "
                        "not supported (ECDSA P-256/P-384 only)",
                        info->responder);
    ta_der tbs = ta_x509_tbs(rc), sig = ta_x509_signature(rc);
    int r = ta_x509_verify_ecdsa(ctx, t->issuer, h, tbs.p, tbs.len, sig.p,
                                 sig.len);
    if (r == TEEATTEST_E_NOMEM)
        return ta_error(err, r, NULL, "verifying the OCSP responder");
    if (r)
        return ta_error(err, TEEATTEST_E_CERT_CHAIN, NULL,
                        "OCSP responder %s: certificate signature does not "
                        "verify under the issuer's key", info->responder);
    if (!ta_x509_valid_at(rc, at)) {
        char a[24], b[24], c[24];
        ta_utc_format(a, at);
        ta_utc_format(b, ta_x509_not_before(rc));
        ta_utc_format(c, ta_x509_not_after(rc));
        return ta_error(err, TEEATTEST_E_CERT_CHAIN, NULL,
                        "OCSP responder %s is not valid at %s (valid %s..%s)",
                        info->responder, a, b, c);
    }
    if (!ta_x509_has_eku_ext(rc) ||
        !ta_x509_allows_eku(rc, OID_KP_OCSP_SIGNING,
                            sizeof OID_KP_OCSP_SIGNING))
        return ta_error(err, TEEATTEST_E_CERT_CHAIN, NULL,
                        "OCSP responder %s lacks extendedKeyUsage "
                        "id-kp-OCSPSigning", info->responder);
    if (!ta_x509_allows_ku(rc, TA_X509_KU_DIGITAL_SIGNATURE))
        return ta_error(err, TEEATTEST_E_CERT_CHAIN, NULL,
                        "OCSP responder %s: keyUsage lacks digitalSignature",
                        info->responder);
    info->failure = TA_OCSP_OK;
    return TEEATTEST_OK;
}

/* ---- verification ----------------------------------------------------------- */

static bool single_matches(const teeattest_ctx *ctx, const target *t,
                           const single *s, int32_t want_hash)
{
    if (!s->hash || (want_hash && s->hash != want_hash))
        return false;
    size_t hl = certid_hash_len(s->hash);
    uint8_t nh[48], kh[48];
    ta_der serial = ta_x509_serial(t->cert);
    ta_der issuer_name = ta_x509_subject_der(t->issuer);
    if (ta_der_left(&s->name_hash) != hl || ta_der_left(&s->key_hash) != hl ||
        !ta_der_eq(&s->serial, serial.p, serial.len))
        return false;
    if (digest(ctx, s->hash, nh, issuer_name.p, issuer_name.len) ||
        digest(ctx, s->hash, kh, t->issuer_key.p, t->issuer_key.len))
        return false;
    return ta_der_eq(&s->name_hash, nh, hl) && ta_der_eq(&s->key_hash, kh, hl);
}

static int verify_parsed(const teeattest_ctx *ctx, const target *t,
                         const parsed *ps, const ta_ocsp_verify_opts *o,
                         ta_ocsp_info *info, teeattest_error *err)
{
    int rc;
    /* 1. The SingleResponse naming our certificate. */
    single s, found;
    memset(&found, 0, sizeof found);
    size_t n = 0;
    bool have = false, unsupported = false;
    ta_der_in list = ps->responses;
    while (!ta_der_done(&list)) {
        if (++n > OCSP_MAX_SINGLE)
            return ta_error(err, TEEATTEST_E_PARSE, NULL,
                            "OCSP response: more than %d SingleResponses",
                            OCSP_MAX_SINGLE);
        if ((rc = parse_single(&list, &s, err)))
            return rc;
        if (!s.hash)
            unsupported = true;
        if (!have && single_matches(ctx, t, &s, o->certid_hash)) {
            found = s;
            have = true;
        }
    }
    if (!have) {
        info->failure = TA_OCSP_FAIL_CERTID;
        return ta_error(err, TEEATTEST_E_VERIFY_FAILED, NULL,
                        "OCSP response: no SingleResponse CertID matches the "
                        "certificate (serial, issuer name/key hash%s%s)",
                        o->certid_hash ? ", requested hash " : "",
                        o->certid_hash ? certid_hash_name(o->certid_hash)
                        : unsupported ? "; a CertID uses an unsupported hash"
                                      : "");
    }
    info->certid_matched = true;
    info->certid_hash = found.hash;

    /* 2. Who signed, and may they. */
    ta_x509 *certs[OCSP_MAX_CERTS] = {NULL};
    size_t nc = 0;
    const ta_x509 *signer = NULL;
    if (responder_is(ctx, ps, t->issuer)) {
        signer = t->issuer;
    } else {
        ta_der_in cl = ps->certs;
        while (cl.p && !ta_der_done(&cl)) {
            ta_der_tlv c;
            if (nc >= OCSP_MAX_CERTS || !ta_der_expect(&cl, 0x30, &c)) {
                rc = PFAIL("certs");
                goto out;
            }
            int prc = ta_x509_parse_der(ctx, &certs[nc], c.elem, c.elem_len,
                                        NULL);
            if (prc == TEEATTEST_E_NOMEM) {
                rc = ta_error(err, prc, NULL, "OCSP: out of memory");
                goto out;
            }
            if (prc) {
                rc = PFAIL("certificate in certs");
                goto out;
            }
            nc++;
        }
        for (size_t i = 0; i < nc; i++) {
            if (ta_x509_spki_key(certs[i]).len &&
                responder_is(ctx, ps, certs[i])) {
                signer = certs[i];
                break;
            }
        }
        if (!signer) {
            info->failure = TA_OCSP_FAIL_RESPONDER;
            rc = ta_error(err, TEEATTEST_E_CERT_CHAIN, NULL,
                          "OCSP response: responderID (%s) names neither the "
                          "issuer nor a certificate in certs",
                          ps->responder_tag == 0xa1 ? "byName" : "byKey");
            goto out;
        }
        info->delegated = true;
    }
    crt_subject(signer, info->responder, sizeof info->responder);
    if (info->delegated &&
        (rc = check_delegate(ctx, t, signer, o->at, info, err)))
        goto out;

    /* 3. The signature over the exact tbsResponseData bytes. */
    if (!signer_curve(signer)) {
        info->failure = TA_OCSP_FAIL_UNSUPPORTED;
        rc = ta_error(err, TEEATTEST_E_UNSUPPORTED, NULL,
                      "OCSP responder %s: key is not EC P-256/P-384",
                      info->responder);
        goto out;
    }
    rc = ta_x509_verify_ecdsa(ctx, signer, ps->sig_hash, ps->tbs_elem.p,
                              ta_der_left(&ps->tbs_elem), ps->signature.p,
                              ta_der_left(&ps->signature));
    if (rc == TEEATTEST_E_NOMEM) {
        rc = ta_error(err, rc, NULL, "verifying the OCSP signature");
        goto out;
    }
    if (rc) {
        info->failure = TA_OCSP_FAIL_SIGNATURE;
        rc = ta_error(err, TEEATTEST_E_VERIFY_FAILED, NULL,
                      "OCSP response: signature over tbsResponseData does "
                      "not verify under %s's key%s", info->responder,
                      rc == TEEATTEST_E_SIG_ENCODING ? " (malformed DER)" : "");
        goto out;
    }

    /* 4. Extensions (signed, so checked after the signature). */
    ta_der_in nonce = {0};
    if (ps->extensions.p &&
        (rc = parse_extensions(ps->extensions, "responseExtensions", true,
                               &nonce, info, err)))
        goto out;
    if (found.extensions.p &&
        (rc = parse_extensions(found.extensions, "singleExtensions", false,
                               NULL, info, err)))
        goto out;
    info->nonce_present = nonce.p != NULL;
    if (o->nonce) {
        bool ok = false;
        if (nonce.p) {
            /* RFC 8954: extnValue holds OCTET STRING(nonce); older
             * responders echo the bare value. */
            ta_der_in v = nonce;
            ta_der_tlv inner;
            if (ta_der_expect(&v, 0x04, &inner) && ta_der_done(&v) &&
                ta_der_eq(&inner.in, o->nonce, o->nonce_len))
                ok = true;
            if (ta_der_eq(&nonce, o->nonce, o->nonce_len))
                ok = true;
        }
        if (!ok && (nonce.p || !o->nonce_optional)) {
            info->failure = TA_OCSP_FAIL_NONCE;
            rc = ta_error(err, TEEATTEST_E_VERIFY_FAILED, NULL,
                          nonce.p ? "OCSP response: nonce differs from the "
                                    "one sent"
                                  : "OCSP response: no nonce in "
                                    "responseExtensions (one was sent)");
            goto out;
        }
    }

    /* 5. Time windows at the injected time. */
    info->produced_at = ps->produced_at;
    info->this_update = found.this_update;
    info->next_update = found.next_update;
    char a[24], b[24];
    ta_utc_format(a, o->at);
    if (ps->produced_at > o->at + o->skew) {
        ta_utc_format(b, ps->produced_at);
        info->failure = TA_OCSP_FAIL_TIME;
        rc = ta_error(err, TEEATTEST_E_VERIFY_FAILED, NULL,
                      "OCSP response: producedAt %s is after %s", b, a);
        goto out;
    }
    if (found.this_update > o->at + o->skew) {
        ta_utc_format(b, found.this_update);
        info->failure = TA_OCSP_FAIL_TIME;
        rc = ta_error(err, TEEATTEST_E_VERIFY_FAILED, NULL,
                      "OCSP response: thisUpdate %s is after %s", b, a);
        goto out;
    }
    /* Without nextUpdate a response never goes stale; NVIDIA always sets
     * one (24 h), so its absence is refused rather than trusted forever. */
    if (!found.next_update) {
        info->failure = TA_OCSP_FAIL_TIME;
        rc = ta_error(err, TEEATTEST_E_VERIFY_FAILED, NULL,
                      "OCSP response: no nextUpdate");
        goto out;
    }
    if (found.next_update <= o->at || found.next_update < found.this_update) {
        ta_utc_format(b, found.next_update);
        info->failure = TA_OCSP_FAIL_TIME;
        rc = ta_error(err, TEEATTEST_E_VERIFY_FAILED, NULL,
                      "OCSP response: nextUpdate %s is not after %s", b, a);
        goto out;
    }

    info->status = found.status;
    info->revocation_reason = found.reason;
    info->revocation_time = found.rev_time;
    info->failure = TA_OCSP_OK;
    rc = TEEATTEST_OK;
out:
    for (size_t i = 0; i < nc; i++)
        ta_x509_free(certs[i]);
    return rc;
}

int ta_ocsp_response_verify(const teeattest_ctx *ctx, const uint8_t *resp,
                            size_t resp_len, const uint8_t *cert,
                            size_t cert_len, const uint8_t *issuer,
                            size_t issuer_len, const ta_ocsp_verify_opts *opts,
                            ta_ocsp_info *info, teeattest_error *err)
{
    if (!info)
        return TA_INVALID(err, "OCSP: info is NULL");
    memset(info, 0, sizeof *info);
    info->revocation_reason = -1;
    info->failure = TA_OCSP_FAIL_INPUT;
    if (!opts || !cert || !issuer || (!resp && resp_len) ||
        (opts->nonce && !opts->nonce_len))
        return TA_INVALID(err, "OCSP: NULL response, certificate or options");
    if (opts->certid_hash && !certid_hash_len(opts->certid_hash))
        return TA_INVALID(err, "OCSP: unknown CertID hash algorithm");
    target t;
    int rc = target_load(ctx, &t, cert, cert_len, issuer, issuer_len, err);
    if (rc) {
        target_free(&t);
        return rc;
    }
    info->failure = TA_OCSP_FAIL_PARSE;
    if (resp_len > TA_OCSP_RESPONSE_MAX) {
        rc = ta_error(err, TEEATTEST_E_TOO_LARGE, NULL,
                      "OCSP response: %zu bytes exceed the %u-byte limit",
                      resp_len, TA_OCSP_RESPONSE_MAX);
        goto out;
    }
    ta_der_in basic;
    parsed ps;
    if ((rc = parse_outer(resp, resp_len, &basic, info, err)) ||
        (rc = parse_basic(basic, &ps, err))) {
        if (rc == TEEATTEST_E_UNSUPPORTED &&
            info->failure == TA_OCSP_FAIL_PARSE)
            info->failure = TA_OCSP_FAIL_UNSUPPORTED;
        goto out;
    }
    rc = verify_parsed(ctx, &t, &ps, opts, info, err);
    if (rc && info->failure == TA_OCSP_OK)
        info->failure = TA_OCSP_FAIL_PARSE;
out:
    if (rc)
        info->status = TA_OCSP_STATUS_NONE;
    target_free(&t);
    return rc;
}

/* ---- AIA -------------------------------------------------------------------- */

char *ta_ocsp_cert_url(const teeattest_ctx *ctx, const uint8_t *cert,
                       size_t cert_len)
{
    if (!cert)
        return NULL;
    ta_x509 *crt = NULL;
    char *url = NULL;
    if (ta_x509_parse_der(ctx, &crt, cert, cert_len, NULL))
        goto out;
    /* The Extensions SEQUENCE (the contents of [3]). */
    ta_der exts_der = ta_x509_extensions(crt);
    if (!exts_der.p)
        goto out;
    ta_der_in d = {exts_der.p, exts_der.p + exts_der.len};
    ta_der_tlv exts;
    if (!ta_der_expect(&d, 0x30, &exts))
        goto out;
    while (!url && !ta_der_done(&exts.in)) {
        ta_der_tlv e, oid, val, crit;
        if (!ta_der_expect(&exts.in, 0x30, &e) || !ta_der_expect(&e.in, 0x06, &oid))
            goto out;
        if (ta_der_peek(&e.in, 0x01) && !ta_der_expect(&e.in, 0x01, &crit))
            goto out;
        if (!ta_der_expect(&e.in, 0x04, &val))
            goto out;
        if (!OID_EQ(&oid.in, OID_PE_AIA))
            continue;
        ta_der_tlv seq;
        if (!ta_der_expect(&val.in, 0x30, &seq))
            goto out;
        while (!ta_der_done(&seq.in)) {
            ta_der_tlv ad, m, loc;
            if (!ta_der_expect(&seq.in, 0x30, &ad) ||
                !ta_der_expect(&ad.in, 0x06, &m) || !ta_der_next(&ad.in, &loc))
                goto out;
            /* accessLocation [6] IMPLICIT IA5String: a URI. */
            if (OID_EQ(&m.in, OID_AD_OCSP) && loc.tag == 0x86 &&
                ta_der_left(&loc.in) > 0 && ta_der_left(&loc.in) < 1024) {
                bool printable = true;
                for (const uint8_t *q = loc.in.p; q < loc.in.end; q++)
                    if (*q <= 0x20 || *q >= 0x7f)
                        printable = false;
                if (printable) {
                    url = ta_strndup(ctx, (const char *)loc.in.p,
                                     ta_der_left(&loc.in));
                    break;
                }
            }
        }
    }
out:
    ta_x509_free(crt);
    return url;
}

/* ---- online ------------------------------------------------------------------ */

/* One OCSP attempt's limit when the caller sets none: responders answer
 * in well under a second. */
#define OCSP_TOTAL_MS 10000u

static int ocsp_post(teeattest_ctx *ctx, const char *url,
                     const ta_ocsp_check_opts *o, const uint8_t *body,
                     size_t body_len, uint8_t **out, size_t *out_len,
                     teeattest_error *err)
{
    *out = NULL;
    *out_len = 0;
    ta_request_opts ro;
    ta_service_opts(&ro, 0, TA_OCSP_RESPONSE_MAX);
    ro.total_ms = o->timeout_ms ? o->timeout_ms : OCSP_TOTAL_MS;
    teeattest_http_response resp;
    ta_http_response_init(&resp, ctx, TA_OCSP_RESPONSE_MAX, NULL, NULL);
    int rc = ta_service_request(ctx, "POST", url, "application/ocsp-request",
                                "application/ocsp-response", o->service_key,
                                body, body_len, &ro, &resp, err);
    if (!rc && resp.status != 200)
        rc = ta_error(err, TEEATTEST_E_HTTP_STATUS, NULL,
                      "OCSP responder answered HTTP %d", (int)resp.status);
    if (!rc && resp.body.len == 0)
        rc = ta_error(err, TEEATTEST_E_PARSE, NULL,
                      "OCSP responder sent an empty body");
    if (!rc) {
        *out = ta_buf_steal(&resp.body, out_len);
        if (!*out)
            rc = ta_error(err, TEEATTEST_E_NOMEM, NULL, "OCSP response body");
    }
    ta_http_response_clear(&resp);
    return rc;
}

/* ---- result checks ----------------------------------------------------------- */

static const char *reason_name(int32_t r)
{
    static const char *const names[] = {
        "unspecified", "keyCompromise", "cACompromise", "affiliationChanged",
        "superseded", "cessationOfOperation", "certificateHold", "(7)",
        "removeFromCRL", "privilegeWithdrawn", "aACompromise"};
    return r >= 0 && (size_t)r < TA_ARRAY_LEN(names) ? names[r] : "none given";
}

typedef struct outcome {
    int32_t outcome;
    char detail[700];
} outcome;

static void judge(outcome *oc, const ta_ocsp_info *info, int rc,
                  const teeattest_error *e, const char *source, bool allow_hold,
                  ta_ocsp_summary *sum)
{
    if (rc) {
        oc->outcome = TEEATTEST_OUTCOME_FAIL;
        snprintf(oc->detail, sizeof oc->detail, "%s: %s", source, e->message);
        return;
    }
    if (info->next_update &&
        (!sum->min_next_update || info->next_update < sum->min_next_update))
        sum->min_next_update = info->next_update;
    char tu[24], nu[24];
    ta_utc_format(tu, info->this_update);
    ta_utc_format(nu, info->next_update);
    char ctx_txt[300];
    snprintf(ctx_txt, sizeof ctx_txt,
             "responder %s (%s), CertID %s, thisUpdate %s, nextUpdate %s, %s",
             info->responder, info->delegated ? "delegated" : "issuer",
             certid_hash_name(info->certid_hash), tu, nu, source);
    switch (info->status) {
    case TA_OCSP_STATUS_GOOD:
        oc->outcome = TEEATTEST_OUTCOME_PASS;
        snprintf(oc->detail, sizeof oc->detail, "good; %s", ctx_txt);
        return;
    case TA_OCSP_STATUS_REVOKED: {
        char rt[24];
        ta_utc_format(rt, info->revocation_time);
        bool hold = info->revocation_reason == TA_OCSP_REASON_CERTIFICATE_HOLD;
        oc->outcome = hold && allow_hold ? TEEATTEST_OUTCOME_WARN
                                         : TEEATTEST_OUTCOME_FAIL;
        snprintf(oc->detail, sizeof oc->detail, "%s since %s (reason %s)%s; %s",
                 hold ? "on hold" : "revoked", rt,
                 reason_name(info->revocation_reason),
                 hold ? (allow_hold ? ", allowed by policy"
                                    : ", not allowed by policy")
                      : "",
                 ctx_txt);
        return;
    }
    default:
        oc->outcome = TEEATTEST_OUTCOME_FAIL;
        snprintf(oc->detail, sizeof oc->detail,
                 "unknown to the responder; %s", ctx_txt);
        return;
    }
}

/* One check, appended through the recorder and counted in the summary by
 * its outcome. */
static void record(ta_checks *rec, ta_ocsp_summary *sum, const char *name,
                   const outcome *oc, bool required)
{
    switch (oc->outcome) {
    case TEEATTEST_OUTCOME_PASS:
        sum->good++;
        break;
    case TEEATTEST_OUTCOME_WARN:
        sum->warned++;
        break;
    case TEEATTEST_OUTCOME_FAIL:
        sum->failed++;
        break;
    default:
        sum->skipped++;
        break;
    }
    ta_checks_add(rec, name, oc->outcome, required, "%s", oc->detail);
}

/* ---- the on-disk cache --------------------------------------------------------
 *
 * A verified online answer is kept until its nextUpdate under
 * "OCSP <url> <SHA-256 of the certificate> <SHA-256 of the issuer>". A
 * kept answer carries the nonce of the request that fetched it, so it is
 * judged like a saved response (signature, CertID, validity window at the
 * verification time; no nonce); anything wrong and it is fetched anew.
 * "Expired" is judged at the verification time, like the answer. Only
 * when the policy does not require a nonce (--ocsp-nonce optional or
 * none): a kept answer cannot echo the nonce of a new request. */

static char *ocsp_key(teeattest_ctx *ctx, const char *url,
                      const uint8_t *cert, size_t cl, const uint8_t *iss,
                      size_t il)
{
    uint8_t h[2][32];
    char hx[2][65];
    if (ta_sha256(ctx, h[0], cert, cl) || ta_sha256(ctx, h[1], iss, il))
        return NULL;
    ta_hex_encode(hx[0], h[0], 32);
    ta_hex_encode(hx[1], h[1], 32);
    size_t n = strlen(url) + 2 * 64 + 8;
    char *k = ta_malloc(ctx, n);
    if (k)
        snprintf(k, n, "OCSP %s %s %s", url, hx[0], hx[1]);
    return k;
}

static bool ocsp_from_cache(teeattest_ctx *ctx, const char *url,
                            const uint8_t *cert, size_t cl,
                            const uint8_t *iss, size_t il,
                            const ta_ocsp_check_opts *opts,
                            ta_ocsp_verify_opts vo, int32_t halg,
                            outcome *oc, ta_ocsp_summary *sum)
{
    char *key = ocsp_key(ctx, url, cert, cl, iss, il);
    uint8_t *blob = NULL;
    ta_cache_part p[1];
    bool ok = key && ta_cache_load(ctx, key, vo.at, &blob, p, 1, NULL) ==
                         TEEATTEST_OK;
    ta_free(ctx, key);
    if (!ok)
        return false;
    vo.nonce = NULL;
    vo.nonce_len = 0;
    vo.certid_hash = halg;
    ta_ocsp_info info;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    ok = ta_ocsp_response_verify(ctx, p[0].p, p[0].len, cert, cl, iss, il,
                                 &vo, &info, &e) == TEEATTEST_OK &&
         info.certid_matched;
    if (ok) {
        if (opts->on_fetched)
            opts->on_fetched(opts->on_fetched_user, p[0].p, p[0].len);
        char src[160];
        snprintf(src, sizeof src, "online from %.120s", url);
        judge(oc, &info, TEEATTEST_OK, &e, src, opts->allow_hold, sum);
        ta_log(ctx, TEEATTEST_LOG_DEBUG, "OCSP answer from the on-disk "
               "cache (%s)", url);
    } else {
        ta_log(ctx, TEEATTEST_LOG_DEBUG, "cache: OCSP answer ignored: %s",
               e.message[0] ? e.message : "does not name the certificate");
    }
    ta_free(ctx, blob);
    return ok;
}

static void ocsp_to_cache(teeattest_ctx *ctx, const char *url,
                          const uint8_t *cert, size_t cl, const uint8_t *iss,
                          size_t il, const uint8_t *resp, size_t len,
                          int64_t at, int64_t next_update)
{
    char *key = ocsp_key(ctx, url, cert, cl, iss, il);
    if (key) {
        ta_cache_part p[1] = {{resp, len}};
        ta_cache_store(ctx, key, at, next_update, p, 1);
        ta_free(ctx, key);
    }
}

int ta_ocsp_check_append(teeattest_ctx *ctx, teeattest_result *r,
                         const char *prefix, const uint8_t *const *chain,
                         const size_t *chain_lens, size_t n_chain,
                         size_t start, const ta_ocsp_check_opts *opts,
                         ta_ocsp_summary *summary, teeattest_error *err)
{
    ta_ocsp_summary sum_local;
    ta_ocsp_summary *sum = summary ? summary : &sum_local;
    memset(sum, 0, sizeof *sum);
    if (!ctx || !r || !prefix || !chain || !chain_lens || !opts)
        return TA_INVALID(err, "OCSP checks: NULL argument");
    if (opts->n_responses && (!opts->responses || !opts->response_lens))
        return TA_INVALID(err, "OCSP checks: NULL saved responses");
    if (n_chain < 2 || start > n_chain - 2)
        return TA_INVALID(err, "OCSP checks: chain too short for start index");
    if (strlen(prefix) > 200)
        return TA_INVALID(err, "OCSP checks: prefix too long");
    /* rec.first_fail and first_bad would point into `name`, which each
     * check rewrites: only the summary is read here. */
    ta_checks rec = {.r = r};
    char name[256];

    for (size_t i = start; i + 1 < n_chain; i++) {
        snprintf(name, sizeof name, "%s.cert[%zu]", prefix, i);
        outcome oc;
        memset(&oc, 0, sizeof oc);
        const uint8_t *cert = chain[i], *iss = chain[i + 1];
        size_t cl = chain_lens[i], il = chain_lens[i + 1];

        /* Offline: the first saved response naming this certificate that
         * verifies; if several name it and none verifies, the first's
         * failure. */
        ta_ocsp_verify_opts vo;
        memset(&vo, 0, sizeof vo);
        vo.at = opts->at;
        vo.skew = opts->skew;
        bool matched = false, done = false, input_bad = false;
        ta_ocsp_info first_info;
        memset(&first_info, 0, sizeof first_info);
        teeattest_error first_err = TEEATTEST_ERROR_INIT;
        int first_rc = 0;
        char first_src[48] = "";
        for (size_t k = 0; k < opts->n_responses && !done; k++) {
            ta_ocsp_info info;
            teeattest_error e = TEEATTEST_ERROR_INIT;
            int rc = ta_ocsp_response_verify(ctx, opts->responses[k],
                                             opts->response_lens[k], cert, cl,
                                             iss, il, &vo, &info, &e);
            if (rc == TEEATTEST_E_NOMEM)
                return ta_error(err, rc, NULL, "OCSP checks: %s", e.message);
            if (info.failure == TA_OCSP_FAIL_INPUT) {
                input_bad = true;
                first_rc = rc;
                first_err = e;
                break;
            }
            if (!info.certid_matched)
                continue;
            char src[48];
            snprintf(src, sizeof src, "saved response #%zu", k);
            if (!rc) {
                judge(&oc, &info, rc, &e, src, opts->allow_hold, sum);
                done = true;
            } else if (!matched) {
                first_info = info;
                first_err = e;
                first_rc = rc;
                memcpy(first_src, src, sizeof src);
            }
            matched = true;
        }
        if (input_bad) {
            oc.outcome = TEEATTEST_OUTCOME_FAIL;
            snprintf(oc.detail, sizeof oc.detail,
                     "cannot check: %s", first_err.message);
            done = true;
        }
        /* Online, a saved answer that no longer verifies (typically past
         * its nextUpdate: inputs objects keep what earlier verifications
         * fetched) is replaced by a fresh one instead of failing. */
        if (!done && matched && !opts->online) {
            judge(&oc, &first_info, first_rc, &first_err, first_src,
                  opts->allow_hold, sum);
            done = true;
        }
        if (!done && opts->online) {
            uint8_t nonce[TA_OCSP_NONCE_LEN];
            bool use_nonce = !opts->no_nonce;
            int32_t halg = opts->hash_alg ? opts->hash_alg
                                          : TA_OCSP_HASH_SHA384;
            teeattest_error e = TEEATTEST_ERROR_INIT;
            uint8_t *req = NULL, *resp = NULL;
            size_t req_len = 0, resp_len = 0;
            char *aia = NULL;
            int rc = TEEATTEST_OK;
            if (use_nonce && ta_random(ctx, nonce, sizeof nonce))
                rc = ta_error(&e, TEEATTEST_E_RANDOM, NULL,
                              "no random nonce for the OCSP request");
            if (!rc)
                rc = ta_ocsp_request_build(ctx, cert, cl, iss, il, halg,
                                           use_nonce ? nonce : NULL,
                                           sizeof nonce, &req, &req_len, &e);
            const char *url = opts->url;
            if (!rc && !url) {
                aia = ta_ocsp_cert_url(ctx, cert, cl);
                url = aia ? aia : TA_OCSP_DEFAULT_URL;
            }
            /* A kept answer cannot carry this request's nonce: used only
             * when the policy does not require one. */
            bool cacheable = ta_cache_enabled(ctx) &&
                             (!use_nonce || opts->nonce_optional);
            if (!rc && cacheable &&
                ocsp_from_cache(ctx, url, cert, cl, iss, il, opts, vo, halg,
                                &oc, sum)) {
                ta_free(ctx, req);
                ta_free(ctx, aia);
                record(&rec, sum, name, &oc, opts->required);
                continue;
            }
            if (rc == TEEATTEST_E_NOMEM) {
                ta_free(ctx, req);
                return ta_error(err, rc, NULL, "OCSP checks: %s", e.message);
            }
            if (rc) {
                oc.outcome = TEEATTEST_OUTCOME_FAIL;
                snprintf(oc.detail, sizeof oc.detail, "cannot check: %s",
                         e.message);
            } else {
                rc = ocsp_post(ctx, url, opts, req, req_len, &resp,
                               &resp_len, &e);
                if (rc == TEEATTEST_E_NOMEM) {
                    ta_free(ctx, req);
                    ta_free(ctx, aia);
                    return ta_error(err, rc, NULL, "OCSP checks: %s",
                                    e.message);
                }
                if (rc) {
                    oc.outcome = TEEATTEST_OUTCOME_SKIP;
                    snprintf(oc.detail, sizeof oc.detail,
                             "no OCSP response: responder %s: %s", url,
                             e.message);
                } else {
                    vo.nonce = use_nonce ? nonce : NULL;
                    vo.nonce_len = use_nonce ? sizeof nonce : 0;
                    vo.nonce_optional = opts->nonce_optional;
                    vo.certid_hash = halg;
                    ta_ocsp_info info;
                    teeattest_error ve = TEEATTEST_ERROR_INIT;
                    rc = ta_ocsp_response_verify(ctx, resp, resp_len, cert,
                                                 cl, iss, il, &vo, &info, &ve);
                    if (rc == TEEATTEST_E_NOMEM) {
                        ta_free(ctx, req);
                        ta_free(ctx, resp);
                        ta_free(ctx, aia);
                        return ta_error(err, rc, NULL, "OCSP checks: %s",
                                        ve.message);
                    }
                    if (rc == TEEATTEST_OK && opts->on_fetched)
                        opts->on_fetched(opts->on_fetched_user, resp,
                                         resp_len);
                    if (rc == TEEATTEST_OK && info.certid_matched &&
                        info.next_update && cacheable)
                        ocsp_to_cache(ctx, url, cert, cl, iss, il, resp,
                                      resp_len, opts->at, info.next_update);
                    char src[160];
                    snprintf(src, sizeof src, "online from %.120s", url);
                    judge(&oc, &info, rc, &ve, src, opts->allow_hold, sum);
                }
            }
            ta_free(ctx, req);
            ta_free(ctx, resp);
            ta_free(ctx, aia);
            done = true;
        }
        if (!done) {
            oc.outcome = TEEATTEST_OUTCOME_SKIP;
            snprintf(oc.detail, sizeof oc.detail,
                     "no OCSP response: none of the %zu saved responses "
                     "names this certificate%s",
                     opts->n_responses,
                     opts->online ? "" : " and online checking is off");
        }
        record(&rec, sum, name, &oc, opts->required);
    }
    return TEEATTEST_OK;
}
