/*
 * AES-256-GCM and HKDF-SHA256 through OpenSSL's libcrypto, when the build
 * has it (meson option `openssl`); aead.c falls back to mbedTLS on
 * TEEATTEST_E_UNSUPPORTED. tests/unit/test_aead.c runs both paths on the
 * same vectors.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "crypto.h"

#ifdef TA_HAVE_OPENSSL
#include <pthread.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

static EVP_CIPHER *gcm;
static EVP_KDF *hkdf;
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;

static void fetch_algs(void)
{
    gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    hkdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    ERR_clear_error();
}

static int gcm_run(bool enc, uint8_t *out, const uint8_t key[32],
                   const uint8_t iv[12], const uint8_t *aad, size_t aad_len,
                   const uint8_t *in, size_t len, uint8_t tag[16])
{
    if (pthread_once(&fetch_once, fetch_algs) != 0 || !gcm)
        return TEEATTEST_E_UNSUPPORTED;
    if (len > INT32_MAX || aad_len > INT32_MAX)
        return TEEATTEST_E_TOO_LARGE;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    if (!c)
        return TEEATTEST_E_NOMEM;
    int rc = TEEATTEST_E_CRYPTO, n = 0;
    if (!EVP_CipherInit_ex2(c, gcm, key, iv, enc ? 1 : 0, NULL))
        goto out;
    if (aad_len && !EVP_CipherUpdate(c, NULL, &n, aad, (int)aad_len))
        goto out;
    if (len && !EVP_CipherUpdate(c, out, &n, in, (int)len))
        goto out;
    if (!enc && !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, tag))
        goto out;
    uint8_t last[16];
    if (!EVP_CipherFinal_ex(c, last, &n)) {
        rc = enc ? TEEATTEST_E_CRYPTO : TEEATTEST_E_VERIFY_FAILED;
        goto out;
    }
    if (enc && !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag))
        goto out;
    rc = TEEATTEST_OK;
out:
    EVP_CIPHER_CTX_free(c);
    ERR_clear_error();
    if (rc != TEEATTEST_OK && !enc && out && len)
        ta_wipe(out, len); /* unauthenticated plaintext never escapes */
    return rc;
}

int ta_openssl_aes256gcm_seal(uint8_t *out, const uint8_t key[32],
                              const uint8_t iv[12], const uint8_t *aad,
                              size_t aad_len, const uint8_t *pt, size_t len)
{
    if (!out || !key || !iv || (!aad && aad_len) || (!pt && len))
        return TEEATTEST_E_INVALID_ARG;
    return gcm_run(true, out, key, iv, aad, aad_len, pt, len, out + len);
}

int ta_openssl_aes256gcm_open(uint8_t *out, const uint8_t key[32],
                              const uint8_t iv[12], const uint8_t *aad,
                              size_t aad_len, const uint8_t *ct,
                              size_t ct_len)
{
    if (!key || !iv || (!aad && aad_len) || !ct || ct_len < 16 ||
        (!out && ct_len > 16))
        return TEEATTEST_E_INVALID_ARG;
    uint8_t tag[16];
    memcpy(tag, ct + ct_len - 16, 16);
    return gcm_run(false, out, key, iv, aad, aad_len, ct, ct_len - 16, tag);
}

int ta_openssl_hkdf_sha256(uint8_t *out, size_t out_len, const uint8_t *salt,
                           size_t salt_len, const uint8_t *ikm, size_t ikm_len,
                           const uint8_t *info, size_t info_len)
{
    if (!out || !out_len || out_len > 255 * 32 || (!salt && salt_len) ||
        (!ikm && ikm_len) || (!info && info_len))
        return TEEATTEST_E_INVALID_ARG;
    if (pthread_once(&fetch_once, fetch_algs) != 0 || !hkdf)
        return TEEATTEST_E_UNSUPPORTED;
    EVP_KDF_CTX *k = EVP_KDF_CTX_new(hkdf);
    if (!k)
        return TEEATTEST_E_NOMEM;
    static uint8_t empty[1];
    OSSL_PARAM p[5], *q = p;
    *q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
                                            (char *)"SHA256", 0);
    *q++ = OSSL_PARAM_construct_octet_string(
        OSSL_KDF_PARAM_KEY, ikm_len ? (void *)ikm : empty, ikm_len);
    if (salt_len)
        *q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
                                                 (void *)salt, salt_len);
    if (info_len)
        *q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
                                                 (void *)info, info_len);
    *q = OSSL_PARAM_construct_end();
    int rc = EVP_KDF_derive(k, out, out_len, p) == 1 ? TEEATTEST_OK
                                                     : TEEATTEST_E_CRYPTO;
    EVP_KDF_CTX_free(k);
    ERR_clear_error();
    return rc;
}

#else /* !TA_HAVE_OPENSSL */

int ta_openssl_aes256gcm_seal(uint8_t *out, const uint8_t key[32],
                              const uint8_t iv[12], const uint8_t *aad,
                              size_t aad_len, const uint8_t *pt, size_t len)
{
    (void)out; (void)key; (void)iv; (void)aad; (void)aad_len; (void)pt;
    (void)len;
    return TEEATTEST_E_UNSUPPORTED;
}

int ta_openssl_aes256gcm_open(uint8_t *out, const uint8_t key[32],
                              const uint8_t iv[12], const uint8_t *aad,
                              size_t aad_len, const uint8_t *ct,
                              size_t ct_len)
{
    (void)out; (void)key; (void)iv; (void)aad; (void)aad_len; (void)ct;
    (void)ct_len;
    return TEEATTEST_E_UNSUPPORTED;
}

int ta_openssl_hkdf_sha256(uint8_t *out, size_t out_len, const uint8_t *salt,
                           size_t salt_len, const uint8_t *ikm, size_t ikm_len,
                           const uint8_t *info, size_t info_len)
{
    (void)out; (void)out_len; (void)salt; (void)salt_len; (void)ikm;
    (void)ikm_len; (void)info; (void)info_len;
    return TEEATTEST_E_UNSUPPORTED;
}

#endif
