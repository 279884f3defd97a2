/*
 * ECDSA P-256/P-384 verification through nettle's hogweed, when the build
 * has it (meson option `nettle`).
 *
 * OpenSSL 3.0 verifies P-384 on its generic curve code; hogweed 3.8 has
 * curve-specific reduction and about halves the time of a P-384
 * verification on this class of machine (docs/performance.md, "ECDSA
 * verifiers"), and a GPU's evidence is mostly P-384 signatures. Only the
 * verification equation comes from here; the argument checks are those of
 * the other two verifiers, and tests/unit/test_crypto.c checks that all
 * three agree on every vector, every single-bit change of it and every
 * real signature of the fixtures (tests/unit/test_ecdsa_fixtures.c).
 *
 * Semantics, as in openssl.c and builtin.c's mbedTLS verifier:
 *  - the public key is an uncompressed point whose coordinates are below p
 *    and which satisfies the curve equation (ecc_point_set() checks both;
 *    the point at infinity has no uncompressed form);
 *  - r and s must be in [1, n-1] (ecdsa_verify() refuses anything else);
 *  - a digest longer than the order keeps its leftmost bits and a shorter
 *    one is read as a big-endian integer (SEC 1 v2 4.1.4 step 3; nettle's
 *    ecc_hash(), like OpenSSL and mbedTLS: both curves' orders have a
 *    whole number of bytes, so the bits kept are whole bytes);
 *  - x(R) is reduced mod n before it is compared with r.
 *
 * GMP allocates the few hundred bytes of the key check with malloc and,
 * like every GMP user, ends the process if malloc fails; the library's
 * allocator hook covers its own allocations only (docs/backends.md).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "crypto.h"

#ifdef TA_HAVE_NETTLE
#include <gmp.h>
#include <nettle/dsa.h>
#include <nettle/ecc-curve.h>
#include <nettle/ecc.h>
#include <nettle/ecdsa.h>

int ta_nettle_ecdsa_verify(int32_t curve, const uint8_t *pubkey,
                           size_t pubkey_len, const uint8_t *digest,
                           size_t digest_len, const uint8_t *sig,
                           size_t sig_len)
{
    const struct ecc_curve *c;
    size_t field;
    if (curve == TEEATTEST_CURVE_P256) {
        c = nettle_get_secp_256r1();
        field = 32;
    } else if (curve == TEEATTEST_CURVE_P384) {
        c = nettle_get_secp_384r1();
        field = 48;
    } else {
        return TEEATTEST_E_INVALID_ARG;
    }
    if (!pubkey || pubkey_len != 1 + 2 * field || pubkey[0] != 0x04 ||
        !sig || sig_len != 2 * field || !digest || !digest_len)
        return TEEATTEST_E_INVALID_ARG;

    mpz_t x, y;
    struct ecc_point pub;
    struct dsa_signature rs;
    mpz_init(x);
    mpz_init(y);
    dsa_signature_init(&rs);
    ecc_point_init(&pub, c);
    /* Big-endian bytes, most significant first (order 1, size 1). */
    mpz_import(x, field, 1, 1, 0, 0, pubkey + 1);
    mpz_import(y, field, 1, 1, 0, 0, pubkey + 1 + field);
    mpz_import(rs.r, field, 1, 1, 0, 0, sig);
    mpz_import(rs.s, field, 1, 1, 0, 0, sig + field);
    int rc;
    if (!ecc_point_set(&pub, x, y))
        rc = TEEATTEST_E_VERIFY_FAILED; /* not a point on the curve */
    else
        rc = ecdsa_verify(&pub, digest_len, digest, &rs)
                 ? TEEATTEST_OK : TEEATTEST_E_VERIFY_FAILED;
    ecc_point_clear(&pub);
    dsa_signature_clear(&rs);
    mpz_clear(y);
    mpz_clear(x);
    return rc;
}

bool ta_nettle_available(void)
{
    return true;
}
#else
int ta_nettle_ecdsa_verify(int32_t curve, const uint8_t *pubkey,
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

bool ta_nettle_available(void)
{
    return false;
}
#endif
