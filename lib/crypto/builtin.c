/*
 * Built-in crypto: SHA-2 and ECDSA P-256/P-384 (mbedTLS 2.28; SHA-2 from
 * OpenSSL when the build has it, see openssl.c; ECDSA from nettle or
 * OpenSSL when the build has them, see nettle.c), secp256k1 recovery
 * (libsecp256k1), Ed25519 (libsodium), random bytes (getrandom).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/random.h>

#include <mbedtls/bignum.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/sha1.h>
#include <mbedtls/sha256.h>
#include <mbedtls/sha512.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <sodium.h>

#include "crypto.h"

size_t ta_hash_len(int32_t alg)
{
    switch (alg) {
    case TEEATTEST_HASH_SHA256:
    case TEEATTEST_HASH_KECCAK256:
        return 32;
    case TEEATTEST_HASH_SHA384:
        return 48;
    case TEEATTEST_HASH_SHA512:
        return 64;
    default:
        return 0;
    }
}

int ta_sha1(uint8_t out[20], const uint8_t *data, size_t len)
{
    return mbedtls_sha1_ret(data, len, out) ? TEEATTEST_E_CRYPTO
                                            : TEEATTEST_OK;
}

int ta_builtin_hash(int32_t alg, uint8_t *out, size_t out_len,
                    const uint8_t *data, size_t len)
{
    size_t need = ta_hash_len(alg);
    if (!need || out_len != need)
        return TEEATTEST_E_INVALID_ARG;
    if (!data && len)
        return TEEATTEST_E_INVALID_ARG;
    static const uint8_t empty[1];
    if (!data)
        data = empty;
    if (alg != TEEATTEST_HASH_KECCAK256 &&
        ta_openssl_hash(alg, out, out_len, data, len) == TEEATTEST_OK)
        return TEEATTEST_OK;
    return ta_mbedtls_hash(alg, out, out_len, data, len);
}

int ta_mbedtls_hash(int32_t alg, uint8_t *out, size_t out_len,
                    const uint8_t *data, size_t len)
{
    if (ta_hash_len(alg) != out_len || (!data && len))
        return TEEATTEST_E_INVALID_ARG;
    static const uint8_t empty[1];
    if (!data)
        data = empty;
    int rc = 0;
    uint8_t tmp[64];
    switch (alg) {
    case TEEATTEST_HASH_SHA256:
        rc = mbedtls_sha256_ret(data, len, out, 0);
        break;
    case TEEATTEST_HASH_SHA384:
        rc = mbedtls_sha512_ret(data, len, tmp, 1);
        memcpy(out, tmp, 48);
        break;
    case TEEATTEST_HASH_SHA512:
        rc = mbedtls_sha512_ret(data, len, out, 0);
        break;
    case TEEATTEST_HASH_KECCAK256:
        ta_keccak256_raw(out, data, len);
        break;
    }
    return rc ? TEEATTEST_E_CRYPTO : TEEATTEST_OK;
}

int ta_builtin_ecdsa_verify(int32_t curve, const uint8_t *pubkey,
                            size_t pubkey_len, const uint8_t *digest,
                            size_t digest_len, const uint8_t *sig,
                            size_t sig_len)
{
    /* The fastest verifier the build has for the curve (bench/bench-ecdsa,
     * docs/performance.md): P-384 nettle (about 1.7x OpenSSL 3.0's generic
     * code), then OpenSSL; P-256 OpenSSL (its dedicated P-256 code, about
     * 2.3x nettle), then nettle; mbedTLS 2.28 last (4-25x slower). A
     * verifier answers UNSUPPORTED when not built in or not usable; the
     * checks of the arguments are the same on every path. */
    int rc;
    if (curve == TEEATTEST_CURVE_P384 && ta_nettle_available()) {
        rc = ta_nettle_ecdsa_verify(curve, pubkey, pubkey_len, digest,
                                    digest_len, sig, sig_len);
        if (rc != TEEATTEST_E_UNSUPPORTED)
            return rc;
    }
    if (ta_openssl_available()) {
        rc = ta_openssl_ecdsa_verify(curve, pubkey, pubkey_len, digest,
                                     digest_len, sig, sig_len);
        if (rc != TEEATTEST_E_UNSUPPORTED)
            return rc;
    }
    if (curve == TEEATTEST_CURVE_P256 && ta_nettle_available()) {
        rc = ta_nettle_ecdsa_verify(curve, pubkey, pubkey_len, digest,
                                    digest_len, sig, sig_len);
        if (rc != TEEATTEST_E_UNSUPPORTED)
            return rc;
    }
    return ta_mbedtls_ecdsa_verify(curve, pubkey, pubkey_len, digest,
                                   digest_len, sig, sig_len);
}

int ta_mbedtls_ecdsa_verify(int32_t curve, const uint8_t *pubkey,
                            size_t pubkey_len, const uint8_t *digest,
                            size_t digest_len, const uint8_t *sig,
                            size_t sig_len)
{
    mbedtls_ecp_group_id gid;
    size_t field;
    if (curve == TEEATTEST_CURVE_P256) {
        gid = MBEDTLS_ECP_DP_SECP256R1;
        field = 32;
    } else if (curve == TEEATTEST_CURVE_P384) {
        gid = MBEDTLS_ECP_DP_SECP384R1;
        field = 48;
    } else {
        return TEEATTEST_E_INVALID_ARG;
    }
    if (!pubkey || pubkey_len != 1 + 2 * field || pubkey[0] != 0x04 ||
        !sig || sig_len != 2 * field || !digest || !digest_len)
        return TEEATTEST_E_INVALID_ARG;

    mbedtls_ecp_group grp;
    mbedtls_ecp_point q;
    mbedtls_mpi r, s;
    mbedtls_ecp_group_init(&grp);
    mbedtls_ecp_point_init(&q);
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);
    int rc = TEEATTEST_E_CRYPTO;
    if (mbedtls_ecp_group_load(&grp, gid) ||
        mbedtls_mpi_read_binary(&r, sig, field) ||
        mbedtls_mpi_read_binary(&s, sig + field, field))
        goto out;
    if (mbedtls_ecp_point_read_binary(&grp, &q, pubkey, pubkey_len) ||
        mbedtls_ecp_check_pubkey(&grp, &q)) {
        rc = TEEATTEST_E_VERIFY_FAILED; /* not a point on the curve */
        goto out;
    }
    rc = mbedtls_ecdsa_verify(&grp, digest, digest_len, &q, &r, &s)
             ? TEEATTEST_E_VERIFY_FAILED : TEEATTEST_OK;
out:
    mbedtls_mpi_free(&r);
    mbedtls_mpi_free(&s);
    mbedtls_ecp_point_free(&q);
    mbedtls_ecp_group_free(&grp);
    return rc;
}

/* libsecp256k1 0.2.0 offers a static context for verification and
 * recovery; its documentation asks for one self-test before use. */
static pthread_once_t secp_once = PTHREAD_ONCE_INIT;
static void secp_selftest(void) { secp256k1_selftest(); }

int ta_builtin_secp256k1_recover(uint8_t pubkey65[65],
                                 const uint8_t digest32[32],
                                 const uint8_t sig64[64], int32_t recid)
{
    if (recid < 0 || recid > 3)
        return TEEATTEST_E_INVALID_ARG;
    pthread_once(&secp_once, secp_selftest);
    const secp256k1_context *c = secp256k1_context_static;
    secp256k1_ecdsa_recoverable_signature rsig;
    secp256k1_pubkey pub;
    if (!secp256k1_ecdsa_recoverable_signature_parse_compact(c, &rsig, sig64,
                                                             recid))
        return TEEATTEST_E_RECOVER_FAILED; /* r or s out of range */
    if (!secp256k1_ecdsa_recover(c, &pub, &rsig, digest32))
        return TEEATTEST_E_RECOVER_FAILED;
    size_t len = 65;
    if (!secp256k1_ec_pubkey_serialize(c, pubkey65, &len, &pub,
                                       SECP256K1_EC_UNCOMPRESSED) ||
        len != 65)
        return TEEATTEST_E_CRYPTO;
    return TEEATTEST_OK;
}

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;
static int sodium_ready;
static void sodium_setup(void) { sodium_ready = sodium_init() >= 0; }

int ta_builtin_ed25519_verify(const uint8_t sig64[64], const uint8_t *msg,
                              size_t msg_len, const uint8_t pubkey32[32])
{
    pthread_once(&sodium_once, sodium_setup);
    if (!sodium_ready)
        return TEEATTEST_E_CRYPTO;
    static const uint8_t empty[1];
    if (!msg)
        msg = empty;
    /* libsodium rejects non-canonical S, small-order keys and R. */
    return crypto_sign_ed25519_verify_detached(sig64, msg, msg_len, pubkey32)
               ? TEEATTEST_E_VERIFY_FAILED : TEEATTEST_OK;
}

int ta_builtin_random(uint8_t *buf, size_t len)
{
    while (len) {
        ssize_t n = getrandom(buf, len, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return TEEATTEST_E_RANDOM;
        }
        buf += n;
        len -= (size_t)n;
    }
    return TEEATTEST_OK;
}

const uint8_t ta_secp256k1_half_order[32] = {
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4,
    0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0,
};

bool ta_secp256k1_s_is_high(const uint8_t s[32])
{
    return memcmp(s, ta_secp256k1_half_order, 32) > 0;
}
