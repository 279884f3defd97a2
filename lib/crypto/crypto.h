/*
 * Internal crypto layer: dispatch to the context's backend, falling back to
 * the built-in implementations (mbedTLS, libsecp256k1, libsodium, in-tree
 * keccak).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_CRYPTO_H
#define TA_CRYPTO_H

#include "../core/core.h"

/* Digest size of a teeattest_hash_alg, 0 if unknown. */
size_t ta_hash_len(int32_t alg);

int ta_hash(const teeattest_ctx *ctx, int32_t alg, uint8_t *out,
            size_t out_len, const uint8_t *data, size_t len);
int ta_sha256(const teeattest_ctx *ctx, uint8_t out[32], const uint8_t *data,
              size_t len);
/* SHA-1, built in only: teeattest_hash_alg (the backend contract) has no
 * SHA-1. For naming certificates (OCSP CertID, byKey), never for
 * signatures. */
int ta_sha1(uint8_t out[20], const uint8_t *data, size_t len);
int ta_keccak256(const teeattest_ctx *ctx, uint8_t out[32],
                 const uint8_t *data, size_t len);
int ta_ecdsa_verify(const teeattest_ctx *ctx, int32_t curve,
                    const uint8_t *pubkey, size_t pubkey_len,
                    const uint8_t *digest, size_t digest_len,
                    const uint8_t *sig, size_t sig_len);
int ta_secp256k1_recover(const teeattest_ctx *ctx, uint8_t pubkey65[65],
                         const uint8_t digest32[32], const uint8_t sig64[64],
                         int32_t recid);
int ta_ed25519_verify(const teeattest_ctx *ctx, const uint8_t sig64[64],
                      const uint8_t *msg, size_t msg_len,
                      const uint8_t pubkey32[32]);
int ta_x509_verify_chain(const teeattest_ctx *ctx, uint32_t *flags_out,
                         const uint8_t *const *chain, const size_t *chain_lens,
                         size_t chain_count, const uint8_t *const *roots,
                         const size_t *root_lens, size_t root_count,
                         const uint8_t *const *crls, const size_t *crl_lens,
                         size_t crl_count, int64_t at);
int ta_random(const teeattest_ctx *ctx, uint8_t *buf, size_t len);

/* ---- E2EE primitives (aead.c, aead_openssl.c) ----------------------------
 * Built in only (no backend member): AES-256-GCM with a 12-byte IV and a
 * 16-byte tag, HKDF-SHA256 (RFC 5869), X25519 (RFC 7748, libsodium) and
 * secp256k1 ECDH (libsecp256k1). Keys and IVs come from the caller, random
 * bytes from ta_random() (the context's source). */

/* out (len + 16 bytes) = ciphertext || tag. */
int ta_aes256gcm_seal(uint8_t *out, const uint8_t key[32],
                      const uint8_t iv[12], const uint8_t *aad, size_t aad_len,
                      const uint8_t *pt, size_t len);
/* ct = ciphertext || tag (ct_len >= 16); out gets ct_len - 16 bytes.
 * TEEATTEST_E_VERIFY_FAILED when the tag does not match; out is then
 * zeroed. */
int ta_aes256gcm_open(uint8_t *out, const uint8_t key[32],
                      const uint8_t iv[12], const uint8_t *aad, size_t aad_len,
                      const uint8_t *ct, size_t ct_len);
/* HKDF-SHA256 extract-and-expand; salt_len 0 = no salt (HashLen zeros). */
int ta_hkdf_sha256(uint8_t *out, size_t out_len, const uint8_t *salt,
                   size_t salt_len, const uint8_t *ikm, size_t ikm_len,
                   const uint8_t *info, size_t info_len);
/* The two implementations behind the three above, exposed for tests (the
 * OpenSSL ones answer TEEATTEST_E_UNSUPPORTED when not built in). */
int ta_openssl_aes256gcm_seal(uint8_t *out, const uint8_t key[32],
                              const uint8_t iv[12], const uint8_t *aad,
                              size_t aad_len, const uint8_t *pt, size_t len);
int ta_openssl_aes256gcm_open(uint8_t *out, const uint8_t key[32],
                              const uint8_t iv[12], const uint8_t *aad,
                              size_t aad_len, const uint8_t *ct,
                              size_t ct_len);
int ta_openssl_hkdf_sha256(uint8_t *out, size_t out_len, const uint8_t *salt,
                           size_t salt_len, const uint8_t *ikm, size_t ikm_len,
                           const uint8_t *info, size_t info_len);
int ta_mbedtls_aes256gcm_seal(uint8_t *out, const uint8_t key[32],
                              const uint8_t iv[12], const uint8_t *aad,
                              size_t aad_len, const uint8_t *pt, size_t len);
int ta_mbedtls_aes256gcm_open(uint8_t *out, const uint8_t key[32],
                              const uint8_t iv[12], const uint8_t *aad,
                              size_t aad_len, const uint8_t *ct,
                              size_t ct_len);
int ta_mbedtls_hkdf_sha256(uint8_t *out, size_t out_len, const uint8_t *salt,
                           size_t salt_len, const uint8_t *ikm, size_t ikm_len,
                           const uint8_t *info, size_t info_len);
/* X25519(scalar, point). TEEATTEST_E_VERIFY_FAILED when the result is all
 * zero (a low-order point). */
int ta_x25519(uint8_t out[32], const uint8_t scalar[32],
              const uint8_t point[32]);
/* The public key of an X25519 scalar. */
int ta_x25519_base(uint8_t pub[32], const uint8_t scalar[32]);
/* Uncompressed public key of a secp256k1 secret; TEEATTEST_E_INVALID_ARG
 * for a secret that is zero or not below the group order. */
int ta_secp256k1_pubkey(uint8_t pub65[65], const uint8_t seckey[32]);
/* TEEATTEST_OK when pub (33 or 65 bytes SEC1) is a point on the curve;
 * TEEATTEST_E_LENGTH, TEEATTEST_E_VERIFY_FAILED otherwise. */
int ta_secp256k1_pubkey_check(const uint8_t *pub, size_t len);
/* x-coordinate of seckey * pub (pub: 33 or 65 bytes SEC1). Returns
 * TEEATTEST_E_LENGTH / TEEATTEST_E_VERIFY_FAILED for a bad point. */
int ta_secp256k1_ecdh_x(uint8_t x[32], const uint8_t seckey[32],
                        const uint8_t *pub, size_t pub_len);

/* NEAR AI's field E2EE (libsodium). XChaCha20-Poly1305-IETF without
 * associated data: out (len + 16) = ciphertext || tag; open gets
 * ct_len - 16 bytes, TEEATTEST_E_VERIFY_FAILED (out zeroed) on a bad tag. */
int ta_xchacha20poly1305_seal(uint8_t *out, const uint8_t key[32],
                              const uint8_t nonce[24], const uint8_t *pt,
                              size_t len);
int ta_xchacha20poly1305_open(uint8_t *out, const uint8_t key[32],
                              const uint8_t nonce[24], const uint8_t *ct,
                              size_t ct_len);
/* The X25519 public key of an Ed25519 public key (the birational map);
 * TEEATTEST_E_VERIFY_FAILED for a non-canonical or small-order point. */
int ta_ed25519_pk_to_x25519(uint8_t x25519_pub[32], const uint8_t ed_pub[32]);
/* The Ed25519 public key of a 32-byte seed and the X25519 secret of that
 * key pair (clamped SHA-512(seed)[0:32], libsodium's sk_to_curve25519). */
int ta_ed25519_seed_to_x25519(uint8_t ed_pub[32], uint8_t x25519_secret[32],
                              const uint8_t seed[32]);

/* Built-in implementations, also used by tests and benchmarks to measure
 * the raw cost of an operation. */
void ta_keccak256_raw(uint8_t out[32], const uint8_t *data, size_t len);
int ta_builtin_hash(int32_t alg, uint8_t *out, size_t out_len,
                    const uint8_t *data, size_t len);
int ta_builtin_ecdsa_verify(int32_t curve, const uint8_t *pubkey,
                            size_t pubkey_len, const uint8_t *digest,
                            size_t digest_len, const uint8_t *sig,
                            size_t sig_len);
int ta_builtin_secp256k1_recover(uint8_t pubkey65[65],
                                 const uint8_t digest32[32],
                                 const uint8_t sig64[64], int32_t recid);
int ta_builtin_ed25519_verify(const uint8_t sig64[64], const uint8_t *msg,
                              size_t msg_len, const uint8_t pubkey32[32]);
/* The chain rules of chain.c; ctx gives the allocator and the memo of
 * parsed certificates and verified links (memo.h); signatures use the
 * built-in hash and ECDSA. */
int ta_builtin_x509_verify_chain(const teeattest_ctx *ctx, uint32_t *flags_out,
                                 const uint8_t *const *chain,
                                 const size_t *chain_lens, size_t chain_count,
                                 const uint8_t *const *roots,
                                 const size_t *root_lens, size_t root_count,
                                 const uint8_t *const *crls,
                                 const size_t *crl_lens, size_t crl_count,
                                 int64_t at);
int ta_builtin_random(uint8_t *buf, size_t len);
/* The two SHA-2 implementations ta_builtin_hash() chooses from: OpenSSL
 * (TEEATTEST_E_UNSUPPORTED when built without it or when it lacks the
 * algorithm) and mbedTLS (also keccak-256, in-tree). Exposed for tests. */
int ta_openssl_hash(int32_t alg, uint8_t *out, size_t out_len,
                    const uint8_t *data, size_t len);
int ta_mbedtls_hash(int32_t alg, uint8_t *out, size_t out_len,
                    const uint8_t *data, size_t len);
bool ta_openssl_available(void);
/* The two ECDSA verifiers behind ta_builtin_ecdsa_verify(): same arguments
 * and results (the OpenSSL one returns TEEATTEST_E_UNSUPPORTED when the
 * build or the OpenSSL configuration lacks it). */
int ta_openssl_ecdsa_verify(int32_t curve, const uint8_t *pubkey,
                            size_t pubkey_len, const uint8_t *digest,
                            size_t digest_len, const uint8_t *sig,
                            size_t sig_len);
int ta_mbedtls_ecdsa_verify(int32_t curve, const uint8_t *pubkey,
                            size_t pubkey_len, const uint8_t *digest,
                            size_t digest_len, const uint8_t *sig,
                            size_t sig_len);
/* The third, nettle's hogweed (nettle.c): same arguments and results;
 * TEEATTEST_E_UNSUPPORTED when the build lacks it (meson option
 * `nettle`). */
int ta_nettle_ecdsa_verify(int32_t curve, const uint8_t *pubkey,
                           size_t pubkey_len, const uint8_t *digest,
                           size_t digest_len, const uint8_t *sig,
                           size_t sig_len);
bool ta_nettle_available(void);

/* secp256k1 group order n and n/2, big-endian, for the low-s rule. */
extern const uint8_t ta_secp256k1_half_order[32];
/* true if the 32-byte big-endian s is > n/2. */
bool ta_secp256k1_s_is_high(const uint8_t s[32]);

/* Unix time of a calendar date-time in UTC (proleptic Gregorian). */
int64_t ta_timegm(int year, int mon, int day, int hour, int min, int sec);
/* t as "YYYY-MM-DDThh:mm:ssZ" (UTC), "invalid-date" outside years
 * 0000-9999; the one date format of check details. */
void ta_utc_format(char out[21], int64_t t);
/* "YYYY-MM-DDThh:mm:ssZ" (years 1970-9999), with fraction_ok also
 * "YYYY-MM-DDThh:mm:ss.fZ" (1-9 digits, dropped) -> Unix seconds; false
 * for anything else. The one reader of these timestamps (TCB info and QE
 * identity dates, Sigstore trusted roots and timestamps). */
bool ta_utc_parse(const char *s, bool fraction_ok, int64_t *out);

#endif /* TA_CRYPTO_H */
