/*
 * Counting the signature verifications the library really does.
 *
 * SPDX-License-Identifier: Apache-2.0
 *
 * Every ECDSA verification of the library ends in ta_builtin_ecdsa_verify()
 * (lib/crypto/builtin.c): the dispatch's built-in path (ta_ecdsa_verify on
 * a context without an ecdsa_verify backend member) and the certificate
 * signatures of lib/crypto/chain.c. A benchmark linked with
 * `-Wl,--wrap=ta_builtin_ecdsa_verify` (bench/meson.build) and the static
 * internal library gets every call from another object file through
 * __wrap_ta_builtin_ecdsa_verify below, which counts it per curve and
 * calls the real one; likewise RSA certificate signatures
 * (`-Wl,--wrap=ta_x509_rsa_verify`, called by lib/crypto/chain.c). Include this header in exactly one file of such a
 * program. The benchmark's own floor calls count too: reset and read the
 * counters around the library call being counted.
 */
#ifndef TA_BENCH_COUNT_H
#define TA_BENCH_COUNT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "teeattest/backend.h"

#include "crypto/x509.h"

static atomic_ulong ta_bench_n_p256, ta_bench_n_p384, ta_bench_n_other,
    ta_bench_n_rsa;

int __real_ta_builtin_ecdsa_verify(int32_t curve, const uint8_t *pubkey,
                                   size_t pubkey_len, const uint8_t *digest,
                                   size_t digest_len, const uint8_t *sig,
                                   size_t sig_len);
int __wrap_ta_builtin_ecdsa_verify(int32_t curve, const uint8_t *pubkey,
                                   size_t pubkey_len, const uint8_t *digest,
                                   size_t digest_len, const uint8_t *sig,
                                   size_t sig_len);

int __wrap_ta_builtin_ecdsa_verify(int32_t curve, const uint8_t *pubkey,
                                   size_t pubkey_len, const uint8_t *digest,
                                   size_t digest_len, const uint8_t *sig,
                                   size_t sig_len)
{
    atomic_ulong *n = curve == TEEATTEST_CURVE_P256   ? &ta_bench_n_p256
                      : curve == TEEATTEST_CURVE_P384 ? &ta_bench_n_p384
                                                      : &ta_bench_n_other;
    atomic_fetch_add_explicit(n, 1, memory_order_relaxed);
    return __real_ta_builtin_ecdsa_verify(curve, pubkey, pubkey_len, digest,
                                          digest_len, sig, sig_len);
}

int __real_ta_x509_rsa_verify(const ta_x509 *signer, int32_t hash_alg,
                              const uint8_t *digest, size_t digest_len,
                              const uint8_t *sig, size_t sig_len);
int __wrap_ta_x509_rsa_verify(const ta_x509 *signer, int32_t hash_alg,
                              const uint8_t *digest, size_t digest_len,
                              const uint8_t *sig, size_t sig_len);

int __wrap_ta_x509_rsa_verify(const ta_x509 *signer, int32_t hash_alg,
                              const uint8_t *digest, size_t digest_len,
                              const uint8_t *sig, size_t sig_len)
{
    atomic_fetch_add_explicit(&ta_bench_n_rsa, 1, memory_order_relaxed);
    return __real_ta_x509_rsa_verify(signer, hash_alg, digest, digest_len,
                                     sig, sig_len);
}

/* The signature verifications of one call of fn(arg), per curve. */
typedef struct ta_bench_counts {
    unsigned long p256, p384, other, rsa;
} ta_bench_counts;

static inline int ta_bench_count(int (*fn)(void *), void *arg,
                                 ta_bench_counts *out)
{
    atomic_store(&ta_bench_n_p256, 0);
    atomic_store(&ta_bench_n_p384, 0);
    atomic_store(&ta_bench_n_other, 0);
    atomic_store(&ta_bench_n_rsa, 0);
    int rc = fn(arg);
    out->p256 = atomic_load(&ta_bench_n_p256);
    out->p384 = atomic_load(&ta_bench_n_p384);
    out->other = atomic_load(&ta_bench_n_other);
    out->rsa = atomic_load(&ta_bench_n_rsa);
    return rc;
}

#endif /* TA_BENCH_COUNT_H */
