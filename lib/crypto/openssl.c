/*
 * SHA-2 through OpenSSL's libcrypto, when the build has it (meson option
 * `openssl`).
 *
 * mbedTLS 2.28 has no code for the x86 SHA extensions; OpenSSL has, and
 * hashing the exact request and response bodies is a visible share of
 * every signature verification (docs/performance.md: about 3 us of 46 us
 * for a 1.5 KiB exchange). Only the digests come from here; the answers are
 * the same bytes, and tests/unit/test_hash.c checks both paths against each
 * other.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "crypto.h"

#ifdef TA_HAVE_OPENSSL
#include <pthread.h>

#include <openssl/evp.h>

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

bool ta_openssl_available(void)
{
    return true;
}
#else
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
