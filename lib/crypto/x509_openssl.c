/*
 * The X.509 interface of x509.h over OpenSSL 3's libcrypto (the default
 * when the build finds it; x509_mbedtls.c otherwise), with the semantics
 * of the mbedTLS implementation:
 *  - a certificate is what d2i_X509 accepts AND what mbedTLS 2.28 would
 *    accept: version 1 to 3, the same signature algorithm inside and
 *    outside TBSCertificate, a known signature algorithm (ECDSA or RSA
 *    with SHA-1/224/256/384/512, RSASSA-PSS), an RSA or EC key, no
 *    duplicate supported extension and no critical extension mbedTLS does
 *    not support; bytes after the certificate are allowed;
 *  - views (TBS, names, serial, key, signature, extensions) are the
 *    certificate's own DER bytes, found by walking it, as mbedTLS keeps
 *    them;
 *  - PEM is read as mbedTLS reads it (first "-----BEGIN ...-----" line
 *    ending in a newline, base64 with line breaks and trailing '=' only);
 *    a chain counts the PEM blocks that did not parse;
 *  - ta_x509_subject_text formats as mbedtls_x509_dn_gets ("CN=..., O=...",
 *    " + " inside a multi-valued RDN, "??=" for an attribute it has no name
 *    for, control bytes as '?');
 *  - exactly one CRL, DER or PEM.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <pthread.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ec.h>
#include <openssl/objects.h>
#include <openssl/provider.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto.h"
#include "der.h"
#include "x509.h"
#include "openssl_ec.h"
#include "x509_impl.h"

/* The DER views of a certificate, and its own copy of the bytes. */
struct ta_x509 {
    ta_x509_head h;
    X509 *x;
    EVP_PKEY *pkey;              /* RSA and other keys; NULL for P-256/384 */
    uint8_t *raw;
    size_t raw_len;
    ta_der tbs, issuer, subject, serial, spki, sig, ext;
    int32_t sig_pk, sig_md;
    int version;
    bool is_ca;
    int max_pathlen;
    int64_t not_before, not_after;
    uint32_t ext_seen;           /* supported extensions present */
    int32_t key_type, curve;     /* read once at parse time */
    size_t key_bits;
    uint8_t point[97];           /* uncompressed, for P-256 and P-384 */
};

struct ta_x509_chain {
    ta_x509_head h;
    size_t n;
    struct ta_x509 **certs;
};

struct ta_x509_crl {
    ta_x509_head h;
    uint8_t *raw;
    size_t raw_len;
    ta_der tbs, issuer, sig, ext, revoked;
    int32_t sig_pk, sig_md;
    int64_t this_update, next_update;
};

const char *ta_x509_backend_name(void)
{
    return "OpenSSL";
}

/* ---- DER walking -------------------------------------------------------- */

/* One TLV with tag `tag` at *p: its whole encoding in *all (if not NULL),
 * its contents in *in; *p moves past it. */
static int tlv(uint8_t **p, const uint8_t *end, int tag, ta_der *all,
               ta_der *in)
{
    const uint8_t *start = *p;
    size_t len;
    if (ta_der_get_tag(p, end, &len, tag) != 0)
        return -1;
    if (in) {
        in->p = *p;
        in->len = len;
    }
    *p += len;
    if (all) {
        all->p = start;
        all->len = (size_t)(*p - start);
    }
    return 0;
}

/* X.509 Time (UTCTime or GeneralizedTime) to Unix seconds. */
static int der_time(uint8_t **p, const uint8_t *end, int64_t *out)
{
    if (*p >= end)
        return -1;
    int tag = **p;
    ta_der v;
    if ((tag != 0x17 && tag != 0x18) || tlv(p, end, tag, NULL, &v) != 0)
        return -1;
    ASN1_TIME *t = tag == 0x17 ? ASN1_UTCTIME_new() : ASN1_GENERALIZEDTIME_new();
    struct tm tm;
    int ok = t && ASN1_STRING_set(t, v.p, (int)v.len) && ASN1_TIME_check(t) &&
             ASN1_TIME_to_tm(t, &tm);
    ASN1_TIME_free(t);
    if (!ok)
        return -1;
    *out = ta_timegm(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec);
    return 0;
}

static bool der_eq(ta_der a, ta_der b)
{
    return a.len == b.len && (!a.len || memcmp(a.p, b.p, a.len) == 0);
}

/* Signature algorithm from an AlgorithmIdentifier's OID, as mbedTLS maps
 * it; false when mbedTLS does not know it. */
static bool sig_alg_of(ta_der alg, int32_t *pk, int32_t *md)
{
    uint8_t *p = (uint8_t *)alg.p;
    const uint8_t *end = alg.p + alg.len;
    ta_der oid;
    if (tlv(&p, end, TA_DER_OID, &oid, NULL) != 0)
        return false;
    const unsigned char *q = oid.p;
    ASN1_OBJECT *o = d2i_ASN1_OBJECT(NULL, &q, (long)oid.len);
    int nid = o ? OBJ_obj2nid(o) : NID_undef;
    ASN1_OBJECT_free(o);
    *pk = TA_X509_PK_OTHER;
    *md = 0;
    switch (nid) {
    case NID_ecdsa_with_SHA1: case NID_ecdsa_with_SHA224:
    case NID_sha1WithRSAEncryption: case NID_sha224WithRSAEncryption:
    case NID_md5WithRSAEncryption:
        *pk = nid == NID_ecdsa_with_SHA1 || nid == NID_ecdsa_with_SHA224
                  ? TA_X509_PK_ECDSA : TA_X509_PK_RSA;
        return true;
    case NID_ecdsa_with_SHA256: *pk = TA_X509_PK_ECDSA; *md = TEEATTEST_HASH_SHA256; return true;
    case NID_ecdsa_with_SHA384: *pk = TA_X509_PK_ECDSA; *md = TEEATTEST_HASH_SHA384; return true;
    case NID_ecdsa_with_SHA512: *pk = TA_X509_PK_ECDSA; *md = TEEATTEST_HASH_SHA512; return true;
    case NID_sha256WithRSAEncryption: *pk = TA_X509_PK_RSA; *md = TEEATTEST_HASH_SHA256; return true;
    case NID_sha384WithRSAEncryption: *pk = TA_X509_PK_RSA; *md = TEEATTEST_HASH_SHA384; return true;
    case NID_sha512WithRSAEncryption: *pk = TA_X509_PK_RSA; *md = TEEATTEST_HASH_SHA512; return true;
    case NID_rsassaPss: *pk = TA_X509_PK_RSASSA_PSS; return true;
    default: return false;
    }
}

/* Extensions mbedTLS 2.28 parses; any other critical one makes it refuse
 * the certificate, and so does a repeated one. */
static const struct {
    uint8_t len;
    uint8_t oid[3];
} known_ext[] = {
    {3, {0x55, 0x1D, 0x13}}, /* basicConstraints */
    {3, {0x55, 0x1D, 0x0F}}, /* keyUsage */
    {3, {0x55, 0x1D, 0x25}}, /* extKeyUsage */
    {3, {0x55, 0x1D, 0x11}}, /* subjectAltName */
    {3, {0x55, 0x1D, 0x20}}, /* certificatePolicies */
};
static const uint8_t ns_cert_type[] = {0x60, 0x86, 0x48, 0x01, 0x86, 0xF8,
                                       0x42, 0x01, 0x01};

static int check_extensions(ta_x509 *c)
{
    if (!c->ext.len)
        return 0;
    uint8_t *p = (uint8_t *)c->ext.p;
    const uint8_t *end = c->ext.p + c->ext.len;
    ta_der seq;
    if (tlv(&p, end, TA_DER_SEQUENCE, NULL, &seq) != 0 || p != end ||
        !seq.len)
        return -1;
    p = (uint8_t *)seq.p;
    while (p < end) {
        ta_der e, oid;
        if (tlv(&p, end, TA_DER_SEQUENCE, NULL, &e) != 0)
            return -1;
        uint8_t *q = (uint8_t *)e.p;
        const uint8_t *eend = e.p + e.len;
        if (tlv(&q, eend, TA_DER_OID, NULL, &oid) != 0)
            return -1;
        int crit = 0;
        if (q < eend && *q == TA_DER_BOOLEAN &&
            ta_der_get_bool(&q, eend, &crit) != 0)
            return -1;
        if (tlv(&q, eend, TA_DER_OCTET_STRING, NULL, NULL) != 0 || q != eend)
            return -1;
        int idx = -1;
        for (size_t i = 0; i < TA_ARRAY_LEN(known_ext); i++)
            if (oid.len == known_ext[i].len &&
                memcmp(oid.p, known_ext[i].oid, oid.len) == 0)
                idx = (int)i;
        if (oid.len == sizeof ns_cert_type &&
            memcmp(oid.p, ns_cert_type, oid.len) == 0)
            idx = (int)TA_ARRAY_LEN(known_ext);
        if (idx < 0) {
            if (crit)
                return -1;
            continue;
        }
        if (c->ext_seen & (1u << idx))
            return -1;
        c->ext_seen |= 1u << idx;
    }
    return 0;
}

/* A Name as mbedTLS reads it: every value one of its string types
 * (mbedTLS's MBEDTLS_ASN1_IS_STRING_TAG); an empty one only where
 * allowed (a subject). */
static bool name_ok(ta_der name, bool may_be_empty)
{
    ta_name_it it;
    ta_name_attr a;
    if (!ta_name_start(&it, name))
        return false;
    size_t n = 0;
    int r;
    while ((r = ta_name_next(&it, &a)) == 1) {
        static const uint32_t tags =
            (1u << 30) | (1u << 12) | (1u << 20) | (1u << 22) | (1u << 28) |
            (1u << 19) | (1u << 3);
        if (a.tag >= 32 || !((1u << a.tag) & tags))
            return false;
        n++;
    }
    return r == 0 && (n || may_be_empty);
}

/* SubjectPublicKeyInfo as mbedTLS reads it: the key BIT STRING has no
 * unused bits. */
static bool spki_ok(ta_der spki)
{
    uint8_t *p = (uint8_t *)spki.p;
    const uint8_t *end = spki.p + spki.len;
    ta_der in, bits;
    if (tlv(&p, end, TA_DER_SEQUENCE, NULL, &in) != 0 || p != end)
        return false;
    p = (uint8_t *)in.p;
    end = in.p + in.len;
    return tlv(&p, end, TA_DER_SEQUENCE, NULL, NULL) == 0 &&
           tlv(&p, end, TA_DER_BIT_STRING, NULL, &bits) == 0 && p == end &&
           bits.len >= 1 && bits.p[0] == 0;
}

/* Walk Certificate ::= SEQUENCE { tbs, signatureAlgorithm, signature }. */
static void read_ca(ta_x509 *c);
static int read_key(ta_x509 *c);

static int walk_cert(ta_x509 *c)
{
    uint8_t *p = c->raw;
    const uint8_t *end = c->raw + c->raw_len;
    ta_der cert, tbs_in, alg_in, alg_out, v;
    if (tlv(&p, end, TA_DER_SEQUENCE, NULL, &cert) != 0 || p != end)
        return -1;
    p = (uint8_t *)cert.p;
    if (tlv(&p, end, TA_DER_SEQUENCE, &c->tbs, &tbs_in) != 0)
        return -1;
    uint8_t *t = (uint8_t *)tbs_in.p;
    const uint8_t *tend = tbs_in.p + tbs_in.len;
    c->version = 1;
    if (t < tend && *t == (TA_DER_CONTEXT | TA_DER_CONSTRUCTED | 0)) {
        ta_der ver;
        int n = 0;
        if (tlv(&t, tend, TA_DER_CONTEXT | TA_DER_CONSTRUCTED | 0, NULL,
                &ver) != 0)
            return -1;
        uint8_t *vp = (uint8_t *)ver.p;
        if (ta_der_get_int(&vp, ver.p + ver.len, &n) != 0 ||
            vp != ver.p + ver.len || n < 0 || n > 2)
            return -1;
        c->version = n + 1;
    }
    if (tlv(&t, tend, TA_DER_INTEGER, NULL, &c->serial) != 0 ||
        tlv(&t, tend, TA_DER_SEQUENCE, &alg_in, NULL) != 0 ||
        tlv(&t, tend, TA_DER_SEQUENCE, &c->issuer, NULL) != 0 ||
        tlv(&t, tend, TA_DER_SEQUENCE, NULL, &v) != 0)
        return -1;
    uint8_t *vp = (uint8_t *)v.p;
    if (der_time(&vp, v.p + v.len, &c->not_before) != 0 ||
        der_time(&vp, v.p + v.len, &c->not_after) != 0 || vp != v.p + v.len)
        return -1;
    if (tlv(&t, tend, TA_DER_SEQUENCE, &c->subject, NULL) != 0 ||
        tlv(&t, tend, TA_DER_SEQUENCE, &c->spki, NULL) != 0 ||
        !name_ok(c->issuer, false) || !name_ok(c->subject, true) ||
        !spki_ok(c->spki))
        return -1;
    c->ext.p = NULL;
    c->ext.len = 0;
    for (int k = 1; k <= 3 && t < tend; k++) {
        int tag = k == 3 ? (TA_DER_CONTEXT | TA_DER_CONSTRUCTED | 3)
                         : (TA_DER_CONTEXT | k);
        if (*t == (TA_DER_CONTEXT | TA_DER_CONSTRUCTED | k))
            tag = TA_DER_CONTEXT | TA_DER_CONSTRUCTED | k;
        if (*t != tag || c->version < 2)
            continue;
        if (k < 3 ? tlv(&t, tend, tag, NULL, NULL) != 0
                  : tlv(&t, tend, tag, NULL, &c->ext) != 0)
            return -1;
        if (k == 3 && c->version != 3)
            return -1;
    }
    if (t != tend)
        return -1;
    if (tlv(&p, end, TA_DER_SEQUENCE, &alg_out, NULL) != 0 ||
        !der_eq(alg_in, alg_out))
        return -1;
    ta_der sig;
    if (tlv(&p, end, TA_DER_BIT_STRING, NULL, &sig) != 0 || p != end ||
        !sig.len || sig.p[0] != 0)
        return -1;
    c->sig.p = sig.p + 1;
    c->sig.len = sig.len - 1;
    ta_der alg_body = {alg_out.p + 2, 0};
    {
        uint8_t *ap = (uint8_t *)alg_out.p;
        if (tlv(&ap, alg_out.p + alg_out.len, TA_DER_SEQUENCE, NULL,
                &alg_body) != 0)
            return -1;
    }
    if (!sig_alg_of(alg_body, &c->sig_pk, &c->sig_md))
        return -1;
    return check_extensions(c);
}

/* ---- OpenSSL state ------------------------------------------------------ */

/* OpenSSL 3.0 decodes the public key of every certificate it parses
 * through its provider decoders, and setting those up costs several times
 * the rest of the parse (about 200 of 240 us for a P-256 certificate on
 * the reference machine; docs/performance.md). Certificates are therefore
 * parsed in a library context that holds only the "null" provider: with
 * no decoder to try, OpenSSL leaves the key undecoded, as it does for any
 * key it cannot decode, and read_key() decodes it instead: P-256 and
 * P-384 points directly (EC_POINT_oct2point, the on-curve check the
 * decoder makes), any other key with d2i_PUBKEY() in the default context,
 * exactly as before. Created once, kept until exit (OpenSSL frees its own
 * objects at exit; freeing these after that would be a use after free). */
typedef struct ossl_state {
    OSSL_LIB_CTX *parse; /* NULL: the default context (null provider absent) */
} ossl_state;

static ossl_state g_ossl;
static pthread_once_t g_ossl_once = PTHREAD_ONCE_INIT;

static void ossl_init(void)
{
    OSSL_LIB_CTX *lc = OSSL_LIB_CTX_new();
    if (lc && OSSL_PROVIDER_load(lc, "null"))
        g_ossl.parse = lc;
    else
        OSSL_LIB_CTX_free(lc);
    ERR_clear_error();
}

static const ossl_state *ossl(void)
{
    if (pthread_once(&g_ossl_once, ossl_init) != 0)
        return NULL;
    return &g_ossl;
}

/* ---- certificates ------------------------------------------------------- */

static void cert_release(const teeattest_ctx *ctx, ta_x509 *c)
{
    if (!c)
        return;
    X509_free(c->x);
    EVP_PKEY_free(c->pkey);
    ta_free(ctx, c->raw);
    ta_free(ctx, c);
}

/* Parse one certificate at der[0..len) (bytes after it allowed). */
static int cert_parse(const teeattest_ctx *ctx, ta_x509 **out,
                      const uint8_t *der, size_t len)
{
    *out = NULL;
    if (!der || !len || len > 0x7fffffff)
        return TEEATTEST_E_PARSE;
    const ossl_state *st = ossl();
    if (!st)
        return TEEATTEST_E_NOMEM;
    const unsigned char *q = der;
    /* Decoded in a library context without decoders, so that OpenSSL does
     * not decode the key (read_key does, see ossl_state). On failure
     * d2i_X509 frees the object and sets x to NULL. */
    X509 *x = X509_new_ex(st->parse, NULL);
    if (!x)
        return TEEATTEST_E_NOMEM;
    if (!d2i_X509(&x, &q, (long)len)) {
        X509_free(x);
        return TEEATTEST_E_PARSE;
    }
    ta_x509 *c = ta_calloc(ctx, 1, sizeof *c);
    size_t used = (size_t)(q - der);
    uint8_t *raw = ta_malloc(ctx, used);
    if (!c || !raw) {
        X509_free(x);
        ta_free(ctx, c);
        ta_free(ctx, raw);
        return TEEATTEST_E_NOMEM;
    }
    memcpy(raw, der, used);
    ta_x509_head_init(&c->h, ctx);
    c->x = x;
    c->raw = raw;
    c->raw_len = used;
    /* X509_get_extension_flags caches the extensions: OpenSSL marks the
     * certificate invalid when one of them does not decode. */
    ta_der whole = {raw, used};
    if (ta_x509_head_digest(&c->h, whole) != TEEATTEST_OK) {
        cert_release(ctx, c);
        return TEEATTEST_E_CRYPTO;
    }
    if (walk_cert(c) != 0 || read_key(c) != 0 ||
        (X509_get_extension_flags(x) & EXFLAG_INVALID)) {
        cert_release(ctx, c);
        return TEEATTEST_E_PARSE;
    }
    read_ca(c);
    *out = c;
    return TEEATTEST_OK;
}

int ta_x509_parse_der_uncached(const teeattest_ctx *ctx, ta_x509 **out,
                      const uint8_t *der, size_t len, int *backend_rc)
{
    *out = NULL;
    if (backend_rc)
        *backend_rc = 0;
    if (!der)
        return TEEATTEST_E_INVALID_ARG;
    int rc = cert_parse(ctx, out, der, len);
    if (rc && backend_rc)
        *backend_rc = (int)-(ERR_peek_last_error() & 0x7fffffff);
    ERR_clear_error();
    return rc;
}

void ta_x509_release(ta_x509 *c)
{
    cert_release(c->h.ctx, c);
}

ta_der ta_x509_der(const ta_x509 *c)
{
    ta_der d = {c->raw, c->raw_len};
    return d;
}
ta_der ta_x509_tbs(const ta_x509 *c) { return c->tbs; }
ta_der ta_x509_subject_der(const ta_x509 *c) { return c->subject; }
ta_der ta_x509_issuer_der(const ta_x509 *c) { return c->issuer; }
ta_der ta_x509_serial(const ta_x509 *c) { return c->serial; }
ta_der ta_x509_spki_der(const ta_x509 *c) { return c->spki; }
ta_der ta_x509_signature(const ta_x509 *c) { return c->sig; }
ta_der ta_x509_extensions(const ta_x509 *c) { return c->ext; }
int64_t ta_x509_not_before(const ta_x509 *c) { return c->not_before; }
int64_t ta_x509_not_after(const ta_x509 *c) { return c->not_after; }

void ta_x509_sig_alg(const ta_x509 *c, int32_t *pk, int32_t *hash)
{
    *pk = c->sig_pk;
    *hash = c->sig_md;
}

int32_t ta_x509_key_type(const ta_x509 *c) { return c->key_type; }
int32_t ta_x509_key_curve(const ta_x509 *c) { return c->curve; }
size_t ta_x509_key_bits(const ta_x509 *c) { return c->key_bits; }

int ta_x509_ec_point(const ta_x509 *c, int32_t curve, uint8_t *out,
                     size_t cap)
{
    size_t want = curve == TEEATTEST_CURVE_P256   ? 65
                  : curve == TEEATTEST_CURVE_P384 ? 97 : 0;
    if (!want || c->curve != curve)
        return TEEATTEST_E_UNSUPPORTED;
    if (cap < want)
        return TEEATTEST_E_BUFFER_TOO_SMALL;
    memcpy(out, c->point, want);
    return TEEATTEST_OK;
}

/* A P-256 or P-384 key in its usual form (named curve, uncompressed
 * point): 1 read (and checked on the curve), 0 another key, -1 invalid. */
static int read_ec_point(ta_x509 *c)
{
    X509_PUBKEY *xpk = X509_get_X509_PUBKEY(c->x);
    ASN1_OBJECT *alg = NULL;
    const unsigned char *k = NULL;
    int klen = 0, ptype = 0;
    X509_ALGOR *pa = NULL;
    const void *pval = NULL;
    if (!xpk || !X509_PUBKEY_get0_param(&alg, &k, &klen, &pa, xpk) ||
        OBJ_obj2nid(alg) != NID_X9_62_id_ecPublicKey || !pa)
        return 0;
    X509_ALGOR_get0(NULL, &ptype, &pval, pa);
    if (ptype != V_ASN1_OBJECT)
        return 0;
    int nid = OBJ_obj2nid((const ASN1_OBJECT *)pval);
    size_t f = nid == NID_X9_62_prime256v1 ? 32 : nid == NID_secp384r1 ? 48 : 0;
    if (!f || klen != (int)(1 + 2 * f) || k[0] != 0x04)
        return 0;
    int32_t curve = f == 32 ? TEEATTEST_CURVE_P256 : TEEATTEST_CURVE_P384;
    if (!ta_openssl_point_on_curve(curve, k, (size_t)klen))
        return -1;
    c->key_type = TA_X509_KEY_EC;
    c->curve = curve;
    c->key_bits = f * 8;
    memcpy(c->point, k, (size_t)klen);
    return 1;
}

/* The key's type, size, and for P-256/P-384 its point. */
static int read_key(ta_x509 *c)
{
    int ec = read_ec_point(c);
    if (ec)
        return ec > 0 ? 0 : -1;
    const unsigned char *q = c->spki.p;
    if (c->spki.len > 0x7fffffff ||
        !(c->pkey = d2i_PUBKEY(NULL, &q, (long)c->spki.len)))
        return -1;
    EVP_PKEY *pk = c->pkey;
    int b = EVP_PKEY_get_bits(pk);
    c->key_bits = b > 0 ? (size_t)b : 0;
    if (EVP_PKEY_is_a(pk, "RSA")) {
        c->key_type = TA_X509_KEY_RSA;
        return 0;
    }
    if (!EVP_PKEY_is_a(pk, "EC"))
        return -1;
    c->key_type = TA_X509_KEY_EC;
    char group[32];
    if (!EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group,
                                        sizeof group, NULL))
        return 0;
    size_t f = 0;
    if (strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0) {
        c->curve = TEEATTEST_CURVE_P256;
        f = 32;
    } else if (strcmp(group, "secp384r1") == 0 || strcmp(group, "P-384") == 0) {
        c->curve = TEEATTEST_CURVE_P384;
        f = 48;
    } else {
        return 0;
    }
    BIGNUM *x = NULL, *y = NULL;
    int rc = -1;
    if (EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_X, &x) &&
        EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_Y, &y) &&
        BN_bn2binpad(x, c->point + 1, (int)f) == (int)f &&
        BN_bn2binpad(y, c->point + 1 + f, (int)f) == (int)f) {
        c->point[0] = 0x04;
        rc = 0;
    }
    BN_free(x);
    BN_free(y);
    return rc;
}

int ta_x509_rsa_verify(const ta_x509 *signer, int32_t hash_alg,
                       const uint8_t *digest, size_t digest_len,
                       const uint8_t *sig, size_t sig_len)
{
    const char *md = hash_alg == TEEATTEST_HASH_SHA256   ? "SHA2-256"
                     : hash_alg == TEEATTEST_HASH_SHA384 ? "SHA2-384"
                     : hash_alg == TEEATTEST_HASH_SHA512 ? "SHA2-512" : NULL;
    EVP_PKEY *pk = signer->pkey;
    if (!md || ta_hash_len(hash_alg) != digest_len || !pk ||
        !EVP_PKEY_is_a(pk, "RSA"))
        return TEEATTEST_E_SIG_ALGO;
    EVP_PKEY_CTX *v = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
    EVP_MD *m = EVP_MD_fetch(NULL, md, NULL);
    int rc = TEEATTEST_E_VERIFY_FAILED;
    if (v && m && EVP_PKEY_verify_init(v) > 0 &&
        EVP_PKEY_CTX_set_rsa_padding(v, RSA_PKCS1_PADDING) > 0 &&
        EVP_PKEY_CTX_set_signature_md(v, m) > 0 &&
        EVP_PKEY_verify(v, sig, sig_len, digest, digest_len) == 1)
        rc = TEEATTEST_OK;
    EVP_MD_free(m);
    EVP_PKEY_CTX_free(v);
    ERR_clear_error();
    return rc;
}

void ta_x509_ca_info(const ta_x509 *c, int *version, bool *is_ca,
                     int *max_pathlen)
{
    *version = c->version;
    *is_ca = c->is_ca;
    *max_pathlen = c->max_pathlen;
}

/* basicConstraints as mbedTLS keeps them: cA, pathLenConstraint + 1. */
static void read_ca(ta_x509 *c)
{
    BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(c->x, NID_basic_constraints,
                                             NULL, NULL);
    if (!bc)
        return;
    c->is_ca = bc->ca != 0;
    if (bc->pathlen) {
        long l = ASN1_INTEGER_get(bc->pathlen);
        c->max_pathlen = l >= 0 && l < 0x7ffffffe ? (int)l + 1 : 0;
    }
    BASIC_CONSTRAINTS_free(bc);
}

/* ---- names -------------------------------------------------------------- */

static const struct {
    uint8_t len;
    uint8_t oid[10];
    const char *name;
} short_names[] = {
    {3, {0x55, 0x04, 0x03}, "CN"},
    {3, {0x55, 0x04, 0x06}, "C"},
    {3, {0x55, 0x04, 0x07}, "L"},
    {3, {0x55, 0x04, 0x08}, "ST"},
    {3, {0x55, 0x04, 0x0A}, "O"},
    {3, {0x55, 0x04, 0x0B}, "OU"},
    {9, {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x01}, "emailAddress"},
    {3, {0x55, 0x04, 0x05}, "serialNumber"},
    {3, {0x55, 0x04, 0x10}, "postalAddress"},
    {3, {0x55, 0x04, 0x11}, "postalCode"},
    {3, {0x55, 0x04, 0x04}, "SN"},
    {3, {0x55, 0x04, 0x2A}, "GN"},
    {3, {0x55, 0x04, 0x2B}, "initials"},
    {3, {0x55, 0x04, 0x2C}, "generationQualifier"},
    {3, {0x55, 0x04, 0x0C}, "title"},
    {3, {0x55, 0x04, 0x2E}, "dnQualifier"},
    {3, {0x55, 0x04, 0x41}, "pseudonym"},
    {10, {0x09, 0x92, 0x26, 0x89, 0x93, 0xF2, 0x2C, 0x64, 0x01, 0x19}, "DC"},
    {3, {0x55, 0x04, 0x2D}, "uniqueIdentifier"},
};

/* mbedtls_x509_dn_gets */
int ta_x509_subject_text(const ta_x509 *c, char *out, size_t cap)
{
    ta_name_it it;
    ta_name_attr a;
    size_t n = 0;
    bool first = true, merge = false;
    if (!cap)
        return -1;
    out[0] = '\0';
    if (!ta_name_start(&it, c->subject))
        return -1;
    int r;
    while ((r = ta_name_next(&it, &a)) == 1) {
        const char *sn = NULL;
        for (size_t i = 0; i < TA_ARRAY_LEN(short_names); i++)
            if (a.oid.len == short_names[i].len &&
                memcmp(a.oid.p, short_names[i].oid, a.oid.len) == 0)
                sn = short_names[i].name;
        char val[256];
        size_t i = 0;
        for (; i < a.val.len && i < sizeof val - 1; i++) {
            unsigned char ch = a.val.p[i];
            val[i] = ch < 32 || ch == 127 || (ch > 128 && ch < 160)
                         ? '?' : (char)ch;
        }
        val[i] = '\0';
        int w = snprintf(out + n, cap - n, "%s%s=%s",
                         first ? "" : merge ? " + " : ", ", sn ? sn : "??",
                         val);
        if (w < 0 || (size_t)w >= cap - n)
            return -1;
        n += (size_t)w;
        first = false;
        merge = a.merged;
    }
    return r < 0 ? -1 : (int)n;
}

int ta_x509_serial_dec(const ta_x509 *c, char *out, size_t cap)
{
    if (!c->serial.len || c->serial.len > 32)
        return TEEATTEST_E_PARSE;
    BIGNUM *b = BN_bin2bn(c->serial.p, (int)c->serial.len, NULL);
    char *dec = b ? BN_bn2dec(b) : NULL;
    int rc = TEEATTEST_E_PARSE;
    if (dec) {
        rc = strlen(dec) < cap ? TEEATTEST_OK : TEEATTEST_E_BUFFER_TOO_SMALL;
        if (!rc)
            memcpy(out, dec, strlen(dec) + 1);
    }
    OPENSSL_free(dec);
    BN_free(b);
    return rc;
}

/* ---- key usage ---------------------------------------------------------- */

static const uint8_t oid_eku[] = {0x55, 0x1D, 0x25};
static const uint8_t oid_ku[] = {0x55, 0x1D, 0x0F};
static const uint8_t oid_any_eku[] = {0x55, 0x1D, 0x25, 0x00};

bool ta_x509_has_eku_ext(const ta_x509 *c)
{
    return (c->ext_seen & (1u << 2)) != 0;
}

bool ta_x509_allows_eku(const ta_x509 *c, const uint8_t *eku_oid,
                        size_t eku_len)
{
    ta_der v;
    if (ta_x509_ext_find(c, oid_eku, sizeof oid_eku, &v, NULL) != TEEATTEST_OK)
        return true;
    uint8_t *p = (uint8_t *)v.p;
    const uint8_t *end = v.p + v.len;
    ta_der seq;
    if (tlv(&p, end, TA_DER_SEQUENCE, NULL, &seq) != 0)
        return false;
    p = (uint8_t *)seq.p;
    end = seq.p + seq.len;
    while (p < end) {
        ta_der oid;
        if (tlv(&p, end, TA_DER_OID, NULL, &oid) != 0)
            return false;
        if ((oid.len == eku_len && memcmp(oid.p, eku_oid, eku_len) == 0) ||
            (oid.len == sizeof oid_any_eku &&
             memcmp(oid.p, oid_any_eku, oid.len) == 0))
            return true;
    }
    return false;
}

/* mbedtls_x509_crt_check_key_usage: KeyUsage bits as mbedTLS reads them
 * (first byte, decipherOnly as 0x8000). */
bool ta_x509_allows_ku(const ta_x509 *c, uint32_t ku)
{
    ta_der v;
    if (ta_x509_ext_find(c, oid_ku, sizeof oid_ku, &v, NULL) != TEEATTEST_OK)
        return true;
    uint8_t *p = (uint8_t *)v.p;
    ta_der bits;
    if (tlv(&p, v.p + v.len, TA_DER_BIT_STRING, NULL, &bits) != 0 ||
        bits.len < 2)
        return false;
    uint32_t have = 0;
    for (size_t i = 1; i < bits.len && i < 5; i++)
        have |= (uint32_t)bits.p[i] << (8 * (i - 1));
    const uint32_t may = 0x01u | 0x8000u; /* encipherOnly, decipherOnly */
    uint32_t must = ku & ~may;
    if (((have & ~may) & must) != must)
        return false;
    uint32_t usage_may = ku & may;
    return ((have & may) | usage_may) == usage_may;
}

/* ---- PEM, as mbedtls_pem_read_buffer -------------------------------------- */

static int b64_val(uint8_t ch)
{
    if (ch >= 'A' && ch <= 'Z') return ch - 'A';
    if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9') return ch - '0' + 52;
    if (ch == '+') return 62;
    if (ch == '/') return 63;
    return -1;
}

/* mbedtls_base64_decode's rules: spaces only before a line end, line
 * ends "\n" or "\r\n", at most two '=' and nothing but '=' after one. */
static int b64_decode(const teeattest_ctx *ctx, const uint8_t *s, size_t len,
                      uint8_t **out, size_t *olen)
{
    size_t n = 0, eq = 0;
    for (size_t i = 0; i < len; i++) {
        size_t sp = 0;
        while (i < len && s[i] == ' ') {
            i++;
            sp++;
        }
        if (i == len)
            break;
        if (len - i >= 2 && s[i] == '\r' && s[i + 1] == '\n')
            continue;
        if (s[i] == '\n')
            continue;
        if (sp)
            return TEEATTEST_E_PARSE;
        if (s[i] == '=') {
            if (++eq > 2)
                return TEEATTEST_E_PARSE;
        } else if (b64_val(s[i]) < 0 || eq) {
            return TEEATTEST_E_PARSE;
        }
        n++;
    }
    size_t cap = n ? (6 * (n >> 3)) + ((6 * (n & 7) + 7) >> 3) - eq : 0;
    if (!cap)
        return TEEATTEST_E_PARSE;
    uint8_t *buf = ta_malloc(ctx, cap);
    if (!buf)
        return TEEATTEST_E_NOMEM;
    uint32_t acc = 0;
    size_t k = 0, o = 0, j = 3;
    for (size_t i = 0; i < len; i++) {
        uint8_t ch = s[i];
        if (ch == '\r' || ch == '\n' || ch == ' ')
            continue;
        int v = ch == '=' ? 0 : b64_val(ch);
        if (ch == '=')
            j--;
        acc = (acc << 6) | (uint32_t)v;
        if (++k == 4) {
            k = 0;
            if (j > 0 && o < cap) buf[o++] = (uint8_t)(acc >> 16);
            if (j > 1 && o < cap) buf[o++] = (uint8_t)(acc >> 8);
            if (j > 2 && o < cap) buf[o++] = (uint8_t)acc;
            acc = 0;
        }
    }
    *out = buf;
    *olen = o;
    return TEEATTEST_OK;
}

/* The next block between `header` and `footer` lines in text[0..len)
 * (NUL-free): TEEATTEST_OK with its DER (new buffer) and *used, the bytes
 * up to the end of the footer line; TEEATTEST_E_NOT_FOUND when there is
 * no further header (or no footer after it); TEEATTEST_E_PARSE for a bad
 * block (*used still set). */
static int pem_next(const teeattest_ctx *ctx, const char *text, size_t len,
                    const char *header, const char *footer, uint8_t **der,
                    size_t *der_len, size_t *used)
{
    *der = NULL;
    *used = len;
    const char *end = text + len;
    size_t hl = strlen(header), fl = strlen(footer);
    const char *s1 = memmem(text, len, header, hl);
    if (!s1)
        return TEEATTEST_E_NOT_FOUND;
    const char *s2 = memmem(text, len, footer, fl);
    if (!s2 || s2 <= s1)
        return TEEATTEST_E_NOT_FOUND;
    s1 += hl;
    if (s1 < end && *s1 == ' ') s1++;
    if (s1 < end && *s1 == '\r') s1++;
    const char *e = s2 + fl;
    if (e < end && *e == ' ') e++;
    if (e < end && *e == '\r') e++;
    if (e < end && *e == '\n') e++;
    *used = (size_t)(e - text);
    if (s1 >= end || *s1 != '\n' || s1 + 1 > s2)
        return TEEATTEST_E_PARSE;
    s1++;
    if (s2 - s1 >= 9 && memcmp(s1, "Proc-Type", 9) == 0)
        return TEEATTEST_E_PARSE; /* encrypted PEM */
    return b64_decode(ctx, (const uint8_t *)s1, (size_t)(s2 - s1), der,
                      der_len);
}

int ta_x509_pem_cert_der(const teeattest_ctx *ctx, const uint8_t *text,
                         size_t len, uint8_t **der, size_t *der_len)
{
    *der = NULL;
    *der_len = 0;
    if (!text || memchr(text, 0, len))
        return TEEATTEST_E_PARSE;
    size_t used;
    int rc = pem_next(ctx, (const char *)text, len,
                      "-----BEGIN CERTIFICATE-----",
                      "-----END CERTIFICATE-----", der, der_len, &used);
    return rc == TEEATTEST_E_NOMEM ? rc : rc ? TEEATTEST_E_PARSE : TEEATTEST_OK;
}

/* ---- chains ------------------------------------------------------------- */

/* A chain holds a reference to each certificate, parsed through
 * ta_x509_parse_der() so that the context's memo (memo.c) gives the same
 * object for the same DER: the TDX collateral's PEM chains and the PCK
 * chain are not parsed again at every verification. A certificate taken
 * from a chain and referenced stays valid after the chain is freed. */
static int chain_add(ta_x509_chain *ch, ta_x509 *c, size_t *cap)
{
    if (ch->n == *cap) {
        size_t nc = *cap ? 2 * *cap : 4;
        ta_x509 **g = ta_realloc(ch->h.ctx, ch->certs, nc * sizeof *g);
        if (!g)
            return TEEATTEST_E_NOMEM;
        ch->certs = g;
        *cap = nc;
    }
    ch->certs[ch->n++] = c;
    return TEEATTEST_OK;
}

void ta_x509_chain_release(ta_x509_chain *ch)
{
    for (size_t i = 0; i < ch->n; i++)
        ta_x509_free(ch->certs[i]);
    ta_free(ch->h.ctx, ch->certs);
    ta_free(ch->h.ctx, ch);
}

int ta_x509_chain_parse(const teeattest_ctx *ctx, ta_x509_chain **out,
                        const uint8_t *data, size_t len, size_t *failed)
{
    *out = NULL;
    if (failed)
        *failed = 0;
    if (!data || !len)
        return TEEATTEST_E_PARSE;
    ta_x509_chain *ch = ta_calloc(ctx, 1, sizeof *ch);
    if (!ch)
        return TEEATTEST_E_NOMEM;
    ta_x509_head_init(&ch->h, ctx);
    size_t cap = 0, bad = 0;
    int rc = TEEATTEST_OK;
    static const char begin[] = "-----BEGIN CERTIFICATE-----";
    /* mbedTLS reads PEM up to the first NUL, DER otherwise */
    const uint8_t *nul = memchr(data, 0, len);
    size_t tlen = nul ? (size_t)(nul - data) : len;
    if (memmem(data, tlen, begin, sizeof begin - 1)) {
        const char *p = (const char *)data;
        size_t left = tlen;
        while (!rc && left) {
            uint8_t *der = NULL;
            size_t dl = 0, used = 0;
            int prc = pem_next(ctx, p, left, begin,
                               "-----END CERTIFICATE-----", &der, &dl, &used);
            if (prc == TEEATTEST_E_NOT_FOUND)
                break;
            if (prc == TEEATTEST_E_NOMEM) {
                rc = prc;
                break;
            }
            p += used;
            left -= used;
            ta_x509 *c = NULL;
            int crc = prc ? prc : ta_x509_parse_der(ctx, &c, der, dl, NULL);
            ta_free(ctx, der);
            if (crc == TEEATTEST_E_NOMEM)
                rc = crc;
            else if (crc)
                bad++;
            else if ((rc = chain_add(ch, c, &cap)) != TEEATTEST_OK)
                ta_x509_free(c);
        }
    } else {
        ta_x509 *c = NULL;
        rc = ta_x509_parse_der(ctx, &c, data, len, NULL);
        if (!rc && (rc = chain_add(ch, c, &cap)) != TEEATTEST_OK)
            ta_x509_free(c);
    }
    ERR_clear_error();
    if (rc || !ch->n) {
        ta_x509_chain_release(ch);
        return rc == TEEATTEST_E_NOMEM ? rc : TEEATTEST_E_PARSE;
    }
    if (failed)
        *failed = bad;
    *out = ch;
    return TEEATTEST_OK;
}

size_t ta_x509_chain_len(const ta_x509_chain *ch)
{
    return ch ? ch->n : 0;
}

const ta_x509 *ta_x509_chain_get(const ta_x509_chain *ch, size_t i)
{
    return ch && i < ch->n ? ch->certs[i] : NULL;
}

/* ---- CRLs --------------------------------------------------------------- */

static int walk_crl(ta_x509_crl *crl)
{
    uint8_t *p = crl->raw;
    const uint8_t *end = crl->raw + crl->raw_len;
    ta_der all, tbs_in, alg_in, alg_out, sig;
    if (tlv(&p, end, TA_DER_SEQUENCE, &all, NULL) != 0)
        return -1;
    crl->raw_len = all.len; /* bytes after it are not the CRL's */
    end = all.p + all.len;
    p = (uint8_t *)all.p;
    size_t l;
    if (ta_der_get_tag(&p, end, &l, TA_DER_SEQUENCE) != 0)
        return -1;
    if (tlv(&p, end, TA_DER_SEQUENCE, &crl->tbs, &tbs_in) != 0)
        return -1;
    uint8_t *t = (uint8_t *)tbs_in.p;
    const uint8_t *tend = tbs_in.p + tbs_in.len;
    if (t < tend && *t == TA_DER_INTEGER) {
        int v;
        if (ta_der_get_int(&t, tend, &v) != 0 || v < 0 || v > 1)
            return -1;
    }
    if (tlv(&t, tend, TA_DER_SEQUENCE, &alg_in, NULL) != 0 ||
        tlv(&t, tend, TA_DER_SEQUENCE, &crl->issuer, NULL) != 0 ||
        der_time(&t, tend, &crl->this_update) != 0)
        return -1;
    crl->next_update = 0;
    if (t < tend && (*t == 0x17 || *t == 0x18) &&
        der_time(&t, tend, &crl->next_update) != 0)
        return -1;
    crl->revoked.p = NULL;
    crl->revoked.len = 0;
    if (t < tend && *t == TA_DER_SEQUENCE &&
        tlv(&t, tend, TA_DER_SEQUENCE, NULL, &crl->revoked) != 0)
        return -1;
    crl->ext.p = NULL;
    crl->ext.len = 0;
    if (t < tend) {
        ta_der x;
        if (tlv(&t, tend, TA_DER_CONTEXT | TA_DER_CONSTRUCTED | 0, NULL,
                &x) != 0)
            return -1;
        crl->ext = x;
    }
    if (t != tend)
        return -1;
    if (tlv(&p, end, TA_DER_SEQUENCE, &alg_out, NULL) != 0 ||
        !der_eq(alg_in, alg_out) ||
        tlv(&p, end, TA_DER_BIT_STRING, NULL, &sig) != 0 || p != end ||
        !sig.len || sig.p[0] != 0)
        return -1;
    crl->sig.p = sig.p + 1;
    crl->sig.len = sig.len - 1;
    uint8_t *ap = (uint8_t *)alg_out.p;
    ta_der body;
    if (tlv(&ap, alg_out.p + alg_out.len, TA_DER_SEQUENCE, NULL, &body) != 0 ||
        !sig_alg_of(body, &crl->sig_pk, &crl->sig_md))
        return -1;
    /* every entry: SEQUENCE { serial INTEGER, revocationDate, ... } */
    uint8_t *r = (uint8_t *)crl->revoked.p;
    const uint8_t *rend = crl->revoked.p + crl->revoked.len;
    while (r && r < rend) {
        ta_der e, ser;
        if (tlv(&r, rend, TA_DER_SEQUENCE, NULL, &e) != 0)
            return -1;
        uint8_t *q = (uint8_t *)e.p;
        int64_t when;
        if (tlv(&q, e.p + e.len, TA_DER_INTEGER, NULL, &ser) != 0 ||
            der_time(&q, e.p + e.len, &when) != 0)
            return -1;
    }
    return 0;
}

static int crl_der(const teeattest_ctx *ctx, ta_x509_crl **out,
                   const uint8_t *der, size_t len)
{
    const unsigned char *q = der;
    X509_CRL *x = len <= 0x7fffffff ? d2i_X509_CRL(NULL, &q, (long)len) : NULL;
    if (!x)
        return TEEATTEST_E_PARSE;
    X509_CRL_free(x);
    ta_x509_crl *crl = ta_calloc(ctx, 1, sizeof *crl);
    uint8_t *raw = ta_malloc(ctx, len);
    if (!crl || !raw) {
        ta_free(ctx, crl);
        ta_free(ctx, raw);
        return TEEATTEST_E_NOMEM;
    }
    memcpy(raw, der, len);
    ta_x509_head_init(&crl->h, ctx);
    crl->raw = raw;
    crl->raw_len = len;
    if (walk_crl(crl) != 0) {
        ta_free(ctx, raw);
        ta_free(ctx, crl);
        return TEEATTEST_E_PARSE;
    }
    *out = crl;
    return TEEATTEST_OK;
}

int ta_x509_crl_parse_uncached(const teeattest_ctx *ctx, ta_x509_crl **out,
                      const uint8_t *data, size_t len)
{
    *out = NULL;
    if (!data || !len)
        return TEEATTEST_E_PARSE;
    int rc;
    if (data[0] == 0x30) {
        rc = crl_der(ctx, out, data, len);
    } else {
        static const char b[] = "-----BEGIN X509 CRL-----",
                          e[] = "-----END X509 CRL-----";
        const uint8_t *nul = memchr(data, 0, len);
        size_t tlen = nul ? (size_t)(nul - data) : len;
        uint8_t *der = NULL;
        size_t dl = 0, used = 0;
        rc = pem_next(ctx, (const char *)data, tlen, b, e, &der, &dl, &used);
        if (!rc)
            rc = crl_der(ctx, out, der, dl);
        ta_free(ctx, der);
        /* exactly one: another block makes it a list */
        if (!rc && memmem(data + used, tlen - used, b, sizeof b - 1)) {
            ta_x509_crl_free(*out);
            *out = NULL;
            rc = TEEATTEST_E_PARSE;
        }
    }
    ERR_clear_error();
    return rc == TEEATTEST_E_NOMEM ? rc : rc ? TEEATTEST_E_PARSE : TEEATTEST_OK;
}

void ta_x509_crl_release(ta_x509_crl *crl)
{
    ta_free(crl->h.ctx, crl->raw);
    ta_free(crl->h.ctx, crl);
}

ta_der ta_x509_crl_der(const ta_x509_crl *crl)
{
    ta_der d = {crl->raw, crl->raw_len};
    return d;
}
ta_der ta_x509_crl_issuer_der(const ta_x509_crl *crl) { return crl->issuer; }
ta_der ta_x509_crl_tbs(const ta_x509_crl *crl) { return crl->tbs; }
ta_der ta_x509_crl_signature(const ta_x509_crl *crl) { return crl->sig; }
ta_der ta_x509_crl_extensions(const ta_x509_crl *crl) { return crl->ext; }

void ta_x509_crl_sig_alg(const ta_x509_crl *crl, int32_t *pk, int32_t *hash)
{
    *pk = crl->sig_pk;
    *hash = crl->sig_md;
}

int64_t ta_x509_crl_this_update(const ta_x509_crl *crl)
{
    return crl->this_update;
}

int64_t ta_x509_crl_next_update(const ta_x509_crl *crl)
{
    return crl->next_update;
}

bool ta_x509_crl_lists(const ta_x509_crl *crl, ta_der serial)
{
    uint8_t *r = (uint8_t *)crl->revoked.p;
    const uint8_t *rend = crl->revoked.p + crl->revoked.len;
    while (r && r < rend) {
        ta_der e, ser;
        if (tlv(&r, rend, TA_DER_SEQUENCE, NULL, &e) != 0)
            return false;
        uint8_t *q = (uint8_t *)e.p;
        if (tlv(&q, e.p + e.len, TA_DER_INTEGER, NULL, &ser) != 0)
            return false;
        if (ser.len && der_eq(ser, serial))
            return true;
    }
    return false;
}
