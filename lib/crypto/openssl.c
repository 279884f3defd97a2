/*
 * SHA-2 and ECDSA P-256/P-384 verification through OpenSSL's libcrypto,
 * when the build has it (meson option `openssl`).
 *
 * mbedTLS 2.28 has no code for the x86 SHA extensions; OpenSSL has, and
 * hashing the exact request and response bodies is a visible share of
 * every signature verification (docs/performance.md: about 3 us of 46 us
 * for a 1.5 KiB exchange). Only the digests come from here; the answers are
 * the same bytes, and tests/unit/test_hash.c checks both paths against each
 * other. ECDSA: mbedTLS 2.28 needs about 1.2 ms for a P-256 verification
 * on this class of machine, OpenSSL 3 about 50 us, and a TDX quote needs
 * several; tests/unit/test_crypto.c checks that both verifiers agree on
 * every vector and every mutation of it.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "crypto.h"

#ifdef TA_HAVE_OPENSSL
/* EC_KEY (verify_sig) is deprecated since OpenSSL 3.0: see there. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <pthread.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "openssl_ec.h"

/* Fetched once: a fetch per call costs about a fifth of a small digest.
 * The objects live until exit (OpenSSL frees them in its own atexit). */
static EVP_MD *md_sha256, *md_sha384, *md_sha512;
static pthread_once_t md_once = PTHREAD_ONCE_INIT;

static void fetch_digests(void)
{
    md_sha256 = EVP_MD_fetch(NULL, "SHA2-256", NULL);
    md_sha384 = EVP_MD_fetch(NULL, "SHA2-384", NULL);
    md_sha512 = EVP_MD_fetch(NULL, "SHA2-512", NULL);
}

int ta_openssl_hash(int32_t alg, uint8_t *out, size_t out_len,
                    const uint8_t *data, size_t len)
{
    if (pthread_once(&md_once, fetch_digests) != 0)
        return TEEATTEST_E_UNSUPPORTED;
    const EVP_MD *md;
    switch (alg) {
    case TEEATTEST_HASH_SHA256: md = md_sha256; break;
    case TEEATTEST_HASH_SHA384: md = md_sha384; break;
    case TEEATTEST_HASH_SHA512: md = md_sha512; break;
    default: return TEEATTEST_E_UNSUPPORTED;
    }
    /* An OpenSSL configured without these (a restrictive provider set)
     * leaves the work to mbedTLS. */
    if (!md)
        return TEEATTEST_E_UNSUPPORTED;
    unsigned int n = 0;
    if ((size_t)EVP_MD_get_size(md) != out_len ||
        !EVP_Digest(data, len, out, &n, md, NULL) || n != out_len)
        return TEEATTEST_E_UNSUPPORTED;
    return TEEATTEST_OK;
}

static EC_GROUP *grp_p256, *grp_p384;
static pthread_once_t grp_once = PTHREAD_ONCE_INIT;

static void make_groups(void)
{
    grp_p256 = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    grp_p384 = EC_GROUP_new_by_curve_name(NID_secp384r1);
    ERR_clear_error();
}

const EC_GROUP *ta_openssl_ec_group(int32_t curve)
{
    if (pthread_once(&grp_once, make_groups) != 0)
        return NULL;
    return curve == TEEATTEST_CURVE_P256   ? grp_p256
           : curve == TEEATTEST_CURVE_P384 ? grp_p384 : NULL;
}

bool ta_openssl_point_on_curve(int32_t curve, const uint8_t *pt, size_t len)
{
    const EC_GROUP *g = ta_openssl_ec_group(curve);
    EC_POINT *p = g ? EC_POINT_new(g) : NULL;
    bool on = p && EC_POINT_oct2point(g, p, pt, len, NULL);
    EC_POINT_free(p);
    ERR_clear_error();
    return on;
}

#ifndef OPENSSL_NO_DEPRECATED_3_0
/* The key is built as an EC_KEY over a group created once per curve:
 * EVP_PKEY_fromdata() creates the group from its name at every call, which
 * costs about 40% of a P-256 verification (docs/performance.md), and
 * OpenSSL 3.0 has no other way to make a public key from a point without
 * it. EC_KEY is deprecated since OpenSSL 3.0 (still in every 3.x release);
 * an OpenSSL built without the deprecated API gets the EVP path below. */
/* 1 valid, 0 invalid (also a point not on the curve: EC_POINT_oct2point
 * checks it, as mbedTLS does in mbedtls_ecp_check_pubkey()), -1 unusable. */
static int verify_sig(int32_t curve, const uint8_t *pubkey, size_t pubkey_len,
                      const uint8_t *digest, size_t digest_len,
                      const ECDSA_SIG *es)
{
    const EC_GROUP *g = ta_openssl_ec_group(curve);
    if (!g)
        return -1;
    EC_KEY *key = EC_KEY_new();
    EC_POINT *pt = EC_POINT_new(g);
    int v = -1;
    if (key && pt && EC_KEY_set_group(key, g)) {
        if (!EC_POINT_oct2point(g, pt, pubkey, pubkey_len, NULL) ||
            !EC_KEY_set_public_key(key, pt))
            v = 0;
        else
            /* 1 valid, 0 invalid, < 0 also for r or s out of range: all
             * but 1 are a failed verification, as mbedTLS reports them. */
            v = ECDSA_do_verify(digest, (int)digest_len, es, key) == 1;
    }
    EC_POINT_free(pt);
    EC_KEY_free(key);
    ERR_clear_error();
    return v;
}
#else
/* Import an uncompressed point. OpenSSL rejects a point that is not on
 * the curve here (EC_POINT_oct2point checks it), as mbedTLS does in
 * mbedtls_ecp_check_pubkey(). */
static EVP_PKEY *import_point(const char *group, const uint8_t *pubkey,
                              size_t pubkey_len)
{
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    EVP_PKEY *pkey = NULL;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
                                         (char *)group, 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
                                          (void *)pubkey, pubkey_len),
        OSSL_PARAM_construct_end()};
    if (!pctx || EVP_PKEY_fromdata_init(pctx) <= 0 ||
        EVP_PKEY_fromdata(pctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
        pkey = NULL;
    EVP_PKEY_CTX_free(pctx);
    return pkey;
}

static int verify_sig(int32_t curve, const uint8_t *pubkey, size_t pubkey_len,
                      const uint8_t *digest, size_t digest_len,
                      const ECDSA_SIG *es)
{
    const char *group = curve == TEEATTEST_CURVE_P256 ? "P-256" : "P-384";
    unsigned char *der = NULL;
    int der_len = i2d_ECDSA_SIG(es, &der);
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *vctx = NULL;
    int v = -1;
    if (der_len <= 0)
        goto out;
    if (!(pkey = import_point(group, pubkey, pubkey_len))) {
        v = 0; /* not a point on the curve */
        goto out;
    }
    if (!(vctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) ||
        EVP_PKEY_verify_init(vctx) <= 0)
        goto out;
    v = EVP_PKEY_verify(vctx, der, (size_t)der_len, digest, digest_len) == 1;
out:
    EVP_PKEY_CTX_free(vctx);
    EVP_PKEY_free(pkey);
    OPENSSL_free(der);
    ERR_clear_error();
    return v;
}
#endif

int ta_openssl_ecdsa_verify(int32_t curve, const uint8_t *pubkey,
                            size_t pubkey_len, const uint8_t *digest,
                            size_t digest_len, const uint8_t *sig,
                            size_t sig_len)
{
    size_t field;
    if (curve == TEEATTEST_CURVE_P256)
        field = 32;
    else if (curve == TEEATTEST_CURVE_P384)
        field = 48;
    else
        return TEEATTEST_E_INVALID_ARG;
    if (!pubkey || pubkey_len != 1 + 2 * field || pubkey[0] != 0x04 ||
        !sig || sig_len != 2 * field || !digest || !digest_len ||
        digest_len > 0x7fffffff)
        return TEEATTEST_E_INVALID_ARG;

    int rc = TEEATTEST_E_UNSUPPORTED;
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, (int)field, NULL);
    BIGNUM *s = BN_bin2bn(sig + field, (int)field, NULL);
    if (es && r && s && ECDSA_SIG_set0(es, r, s)) {
        r = s = NULL; /* owned by es now */
        int v = verify_sig(curve, pubkey, pubkey_len, digest, digest_len, es);
        if (v >= 0)
            rc = v ? TEEATTEST_OK : TEEATTEST_E_VERIFY_FAILED;
    }
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(es);
    return rc;
}

bool ta_openssl_available(void)
{
    return true;
}
#else
int ta_openssl_ecdsa_verify(int32_t curve, const uint8_t *pubkey,
                            size_t pubkey_len, const uint8_t *digest,
                            size_t digest_len, const uint8_t *sig,
                            size_t sig_len)
{
    (void)curve;
    (void)pubkey;
    (void)pubkey_len;
    (void)digest;
    (void)digest_len;
    (void)sig;
    (void)sig_len;
    return TEEATTEST_E_UNSUPPORTED;
}

int ta_openssl_hash(int32_t alg, uint8_t *out, size_t out_len,
                    const uint8_t *data, size_t len)
{
    (void)alg;
    (void)out;
    (void)out_len;
    (void)data;
    (void)len;
    return TEEATTEST_E_UNSUPPORTED;
}

bool ta_openssl_available(void)
{
    return false;
}
#endif
