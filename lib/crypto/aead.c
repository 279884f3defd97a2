/*
 * Key agreement and authenticated encryption for E2EE (lib/aci/e2ee*.c):
 * AES-256-GCM and HKDF-SHA256 from OpenSSL where the build has it
 * (aead_openssl.c) and from mbedTLS otherwise, X25519 from libsodium and
 * secp256k1 ECDH from libsecp256k1. Nothing here is a cipher of our own:
 * these functions only check lengths and pick the implementation.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <pthread.h>
#include <string.h>

#include <mbedtls/gcm.h>
#include <mbedtls/hkdf.h>
#include <mbedtls/md.h>
#include <secp256k1.h>
#include <secp256k1_ecdh.h>
#include <sodium.h>

#include "crypto.h"

/* ---- AES-256-GCM (mbedTLS) --------------------------------------------- */

int ta_mbedtls_aes256gcm_seal(uint8_t *out, const uint8_t key[32],
                              const uint8_t iv[12], const uint8_t *aad,
                              size_t aad_len, const uint8_t *pt, size_t len)
{
    static const uint8_t empty[1];
    if (!out || !key || !iv || (!aad && aad_len) || (!pt && len))
        return TEEATTEST_E_INVALID_ARG;
    mbedtls_gcm_context g;
    mbedtls_gcm_init(&g);
    int rc = TEEATTEST_E_CRYPTO;
    if (mbedtls_gcm_setkey(&g, MBEDTLS_CIPHER_ID_AES, key, 256) == 0 &&
        mbedtls_gcm_crypt_and_tag(&g, MBEDTLS_GCM_ENCRYPT, len, iv, 12,
                                  aad ? aad : empty, aad_len,
                                  pt ? pt : empty, out, 16, out + len) == 0)
        rc = TEEATTEST_OK;
    mbedtls_gcm_free(&g);
    return rc;
}

int ta_mbedtls_aes256gcm_open(uint8_t *out, const uint8_t key[32],
                              const uint8_t iv[12], const uint8_t *aad,
                              size_t aad_len, const uint8_t *ct,
                              size_t ct_len)
{
    static const uint8_t empty[1];
    if (!key || !iv || (!aad && aad_len) || !ct || ct_len < 16 ||
        (!out && ct_len > 16))
        return TEEATTEST_E_INVALID_ARG;
    size_t len = ct_len - 16;
    mbedtls_gcm_context g;
    mbedtls_gcm_init(&g);
    int rc = TEEATTEST_E_CRYPTO;
    if (mbedtls_gcm_setkey(&g, MBEDTLS_CIPHER_ID_AES, key, 256) == 0) {
        int r = mbedtls_gcm_auth_decrypt(&g, len, iv, 12, aad ? aad : empty,
                                         aad_len, ct + len, 16, ct,
                                         out ? out : (uint8_t *)empty);
        rc = r == 0 ? TEEATTEST_OK
             : r == MBEDTLS_ERR_GCM_AUTH_FAILED ? TEEATTEST_E_VERIFY_FAILED
                                                : TEEATTEST_E_CRYPTO;
    }
    mbedtls_gcm_free(&g);
    if (rc != TEEATTEST_OK && out && len)
        ta_wipe(out, len); /* mbedTLS zeroes too; no plaintext escapes */
    return rc;
}

int ta_mbedtls_hkdf_sha256(uint8_t *out, size_t out_len, const uint8_t *salt,
                           size_t salt_len, const uint8_t *ikm, size_t ikm_len,
                           const uint8_t *info, size_t info_len)
{
    static const uint8_t empty[1];
    if (!out || !out_len || out_len > 255 * 32 || (!salt && salt_len) ||
        (!ikm && ikm_len) || (!info && info_len))
        return TEEATTEST_E_INVALID_ARG;
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    if (!md)
        return TEEATTEST_E_CRYPTO;
    /* mbedtls_hkdf treats a NULL salt as HashLen zero bytes (RFC 5869). */
    return mbedtls_hkdf(md, salt_len ? salt : NULL, salt_len,
                        ikm ? ikm : empty, ikm_len, info ? info : empty,
                        info_len, out, out_len)
               ? TEEATTEST_E_CRYPTO : TEEATTEST_OK;
}

/* ---- dispatch: OpenSSL where built in, mbedTLS otherwise --------------- */

int ta_aes256gcm_seal(uint8_t *out, const uint8_t key[32],
                      const uint8_t iv[12], const uint8_t *aad, size_t aad_len,
                      const uint8_t *pt, size_t len)
{
    if (ta_openssl_available()) {
        int rc = ta_openssl_aes256gcm_seal(out, key, iv, aad, aad_len, pt,
                                           len);
        if (rc != TEEATTEST_E_UNSUPPORTED)
            return rc;
    }
    return ta_mbedtls_aes256gcm_seal(out, key, iv, aad, aad_len, pt, len);
}

int ta_aes256gcm_open(uint8_t *out, const uint8_t key[32],
                      const uint8_t iv[12], const uint8_t *aad, size_t aad_len,
                      const uint8_t *ct, size_t ct_len)
{
    if (ta_openssl_available()) {
        int rc = ta_openssl_aes256gcm_open(out, key, iv, aad, aad_len, ct,
                                           ct_len);
        if (rc != TEEATTEST_E_UNSUPPORTED)
            return rc;
    }
    return ta_mbedtls_aes256gcm_open(out, key, iv, aad, aad_len, ct, ct_len);
}

int ta_hkdf_sha256(uint8_t *out, size_t out_len, const uint8_t *salt,
                   size_t salt_len, const uint8_t *ikm, size_t ikm_len,
                   const uint8_t *info, size_t info_len)
{
    if (ta_openssl_available()) {
        int rc = ta_openssl_hkdf_sha256(out, out_len, salt, salt_len, ikm,
                                        ikm_len, info, info_len);
        if (rc != TEEATTEST_E_UNSUPPORTED)
            return rc;
    }
    return ta_mbedtls_hkdf_sha256(out, out_len, salt, salt_len, ikm, ikm_len,
                                  info, info_len);
}

/* ---- X25519 (libsodium) ------------------------------------------------ */

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;
static int sodium_ready;
static void sodium_setup(void) { sodium_ready = sodium_init() >= 0; }

int ta_x25519(uint8_t out[32], const uint8_t scalar[32],
              const uint8_t point[32])
{
    if (!out || !scalar || !point)
        return TEEATTEST_E_INVALID_ARG;
    pthread_once(&sodium_once, sodium_setup);
    if (!sodium_ready)
        return TEEATTEST_E_CRYPTO;
    /* libsodium refuses a low-order point: the all-zero shared secret
     * (RFC 7748 section 6.1, "check ... is not all zero"). */
    if (crypto_scalarmult_curve25519(out, scalar, point) != 0) {
        memset(out, 0, 32);
        return TEEATTEST_E_VERIFY_FAILED;
    }
    return TEEATTEST_OK;
}

int ta_x25519_base(uint8_t pub[32], const uint8_t scalar[32])
{
    if (!pub || !scalar)
        return TEEATTEST_E_INVALID_ARG;
    pthread_once(&sodium_once, sodium_setup);
    if (!sodium_ready)
        return TEEATTEST_E_CRYPTO;
    return crypto_scalarmult_curve25519_base(pub, scalar) ? TEEATTEST_E_CRYPTO
                                                          : TEEATTEST_OK;
}

/* ---- NEAR AI E2EE (libsodium): XChaCha20-Poly1305, Ed25519 -> X25519 ---- */

int ta_xchacha20poly1305_seal(uint8_t *out, const uint8_t key[32],
                              const uint8_t nonce[24], const uint8_t *pt,
                              size_t len)
{
    static const uint8_t empty[1];
    if (!out || !key || !nonce || (!pt && len) ||
        len > crypto_aead_xchacha20poly1305_ietf_MESSAGEBYTES_MAX)
        return TEEATTEST_E_INVALID_ARG;
    pthread_once(&sodium_once, sodium_setup);
    if (!sodium_ready)
        return TEEATTEST_E_CRYPTO;
    unsigned long long n = 0;
    return crypto_aead_xchacha20poly1305_ietf_encrypt(
               out, &n, pt ? pt : empty, len, NULL, 0, NULL, nonce, key)
               ? TEEATTEST_E_CRYPTO : TEEATTEST_OK;
}

int ta_xchacha20poly1305_open(uint8_t *out, const uint8_t key[32],
                              const uint8_t nonce[24], const uint8_t *ct,
                              size_t ct_len)
{
    if (!out || !key || !nonce || !ct)
        return TEEATTEST_E_INVALID_ARG;
    if (ct_len < crypto_aead_xchacha20poly1305_ietf_ABYTES)
        return TEEATTEST_E_LENGTH;
    pthread_once(&sodium_once, sodium_setup);
    if (!sodium_ready)
        return TEEATTEST_E_CRYPTO;
    unsigned long long n = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, &n, NULL, ct, ct_len,
                                                   NULL, 0, nonce, key)) {
        memset(out, 0, ct_len - crypto_aead_xchacha20poly1305_ietf_ABYTES);
        return TEEATTEST_E_VERIFY_FAILED;
    }
    return TEEATTEST_OK;
}

int ta_ed25519_pk_to_x25519(uint8_t x25519_pub[32], const uint8_t ed_pub[32])
{
    if (!x25519_pub || !ed_pub)
        return TEEATTEST_E_INVALID_ARG;
    pthread_once(&sodium_once, sodium_setup);
    if (!sodium_ready)
        return TEEATTEST_E_CRYPTO;
    /* libsodium refuses a non-canonical or small-order Edwards point. */
    if (crypto_sign_ed25519_pk_to_curve25519(x25519_pub, ed_pub)) {
        memset(x25519_pub, 0, 32);
        return TEEATTEST_E_VERIFY_FAILED;
    }
    return TEEATTEST_OK;
}

int ta_ed25519_seed_to_x25519(uint8_t ed_pub[32], uint8_t x25519_secret[32],
                              const uint8_t seed[32])
{
    if (!ed_pub || !x25519_secret || !seed)
        return TEEATTEST_E_INVALID_ARG;
    pthread_once(&sodium_once, sodium_setup);
    if (!sodium_ready)
        return TEEATTEST_E_CRYPTO;
    uint8_t sk[crypto_sign_SECRETKEYBYTES];
    int rc = crypto_sign_seed_keypair(ed_pub, sk, seed) ||
                     crypto_sign_ed25519_sk_to_curve25519(x25519_secret, sk)
                 ? TEEATTEST_E_CRYPTO : TEEATTEST_OK;
    sodium_memzero(sk, sizeof sk);
    return rc;
}

/* ---- secp256k1 (libsecp256k1) ------------------------------------------ */

static pthread_once_t secp_once = PTHREAD_ONCE_INIT;
static secp256k1_context *secp_ctx; /* lives until exit */
static void secp_setup(void)
{
    /* Creating a public key and ECDH need a context that may sign (the
     * static one may not); one for the process, randomised once. */
    secp_ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    uint8_t seed[32];
    if (secp_ctx && ta_builtin_random(seed, sizeof seed) == TEEATTEST_OK &&
        !secp256k1_context_randomize(secp_ctx, seed)) {
        secp256k1_context_destroy(secp_ctx);
        secp_ctx = NULL;
    }
    ta_wipe(seed, sizeof seed);
}

int ta_secp256k1_pubkey(uint8_t pub65[65], const uint8_t seckey[32])
{
    if (!pub65 || !seckey)
        return TEEATTEST_E_INVALID_ARG;
    pthread_once(&secp_once, secp_setup);
    if (!secp_ctx)
        return TEEATTEST_E_CRYPTO;
    secp256k1_pubkey p;
    if (!secp256k1_ec_pubkey_create(secp_ctx, &p, seckey))
        return TEEATTEST_E_INVALID_ARG; /* zero or >= the group order */
    size_t n = 65;
    if (!secp256k1_ec_pubkey_serialize(secp_ctx, pub65, &n, &p,
                                       SECP256K1_EC_UNCOMPRESSED) ||
        n != 65)
        return TEEATTEST_E_CRYPTO;
    return TEEATTEST_OK;
}

int ta_secp256k1_pubkey_check(const uint8_t *pub, size_t len)
{
    if (!pub || (len != 33 && len != 65))
        return TEEATTEST_E_LENGTH;
    pthread_once(&secp_once, secp_setup);
    if (!secp_ctx)
        return TEEATTEST_E_CRYPTO;
    secp256k1_pubkey p;
    return secp256k1_ec_pubkey_parse(secp_ctx, &p, pub, len)
               ? TEEATTEST_OK : TEEATTEST_E_VERIFY_FAILED;
}

/* The shared secret E2EE v2 uses is the bare x-coordinate of the shared
 * point, not libsecp256k1's default SHA-256 of the compressed point. */
static int ecdh_copy_x(unsigned char *output, const unsigned char *x32,
                       const unsigned char *y32, void *data)
{
    (void)y32;
    (void)data;
    memcpy(output, x32, 32);
    return 1;
}

int ta_secp256k1_ecdh_x(uint8_t x[32], const uint8_t seckey[32],
                        const uint8_t *pub, size_t pub_len)
{
    if (!x || !seckey)
        return TEEATTEST_E_INVALID_ARG;
    pthread_once(&secp_once, secp_setup);
    if (!secp_ctx)
        return TEEATTEST_E_CRYPTO;
    if (!pub || (pub_len != 33 && pub_len != 65))
        return TEEATTEST_E_LENGTH;
    secp256k1_pubkey p;
    if (!secp256k1_ec_pubkey_parse(secp_ctx, &p, pub, pub_len))
        return TEEATTEST_E_VERIFY_FAILED; /* not a point on the curve */
    if (!secp256k1_ecdh(secp_ctx, x, &p, seckey, ecdh_copy_x, NULL)) {
        memset(x, 0, 32);
        return TEEATTEST_E_INVALID_ARG; /* secret zero or out of range */
    }
    return TEEATTEST_OK;
}
