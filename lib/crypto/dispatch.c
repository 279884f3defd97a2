/*
 * Crypto dispatch: the context's backend first, the built-in path when the
 * backend leaves a member NULL or answers TEEATTEST_E_PASSTHROUGH.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "crypto.h"

#define BACKEND(ctx, member) \
    ((ctx) && (ctx)->has_crypto && (ctx)->crypto.member ? (ctx)->crypto.member : NULL)

int ta_hash(const teeattest_ctx *ctx, int32_t alg, uint8_t *out,
            size_t out_len, const uint8_t *data, size_t len)
{
    if (BACKEND(ctx, hash)) {
        int rc = ctx->crypto.hash(ctx->crypto.user_data, alg, out, out_len,
                                  data, len);
        if (rc != TEEATTEST_E_PASSTHROUGH)
            return rc;
    }
    return ta_builtin_hash(alg, out, out_len, data, len);
}

int ta_sha256(const teeattest_ctx *ctx, uint8_t out[32], const uint8_t *data,
              size_t len)
{
    return ta_hash(ctx, TEEATTEST_HASH_SHA256, out, 32, data, len);
}

int ta_keccak256(const teeattest_ctx *ctx, uint8_t out[32],
                 const uint8_t *data, size_t len)
{
    return ta_hash(ctx, TEEATTEST_HASH_KECCAK256, out, 32, data, len);
}

int ta_ecdsa_verify(const teeattest_ctx *ctx, int32_t curve,
                    const uint8_t *pubkey, size_t pubkey_len,
                    const uint8_t *digest, size_t digest_len,
                    const uint8_t *sig, size_t sig_len)
{
    if (BACKEND(ctx, ecdsa_verify)) {
        int rc = ctx->crypto.ecdsa_verify(ctx->crypto.user_data, curve, pubkey,
                                          pubkey_len, digest, digest_len, sig,
                                          sig_len);
        if (rc != TEEATTEST_E_PASSTHROUGH)
            return rc;
    }
    return ta_builtin_ecdsa_verify(curve, pubkey, pubkey_len, digest,
                                   digest_len, sig, sig_len);
}

int ta_secp256k1_recover(const teeattest_ctx *ctx, uint8_t pubkey65[65],
                         const uint8_t digest32[32], const uint8_t sig64[64],
                         int32_t recid)
{
    if (BACKEND(ctx, secp256k1_recover)) {
        int rc = ctx->crypto.secp256k1_recover(ctx->crypto.user_data, pubkey65,
                                               digest32, sig64, recid);
        if (rc != TEEATTEST_E_PASSTHROUGH)
            return rc;
    }
    return ta_builtin_secp256k1_recover(pubkey65, digest32, sig64, recid);
}

int ta_ed25519_verify(const teeattest_ctx *ctx, const uint8_t sig64[64],
                      const uint8_t *msg, size_t msg_len,
                      const uint8_t pubkey32[32])
{
    if (BACKEND(ctx, ed25519_verify)) {
        int rc = ctx->crypto.ed25519_verify(ctx->crypto.user_data, sig64, msg,
                                            msg_len, pubkey32);
        if (rc != TEEATTEST_E_PASSTHROUGH)
            return rc;
    }
    return ta_builtin_ed25519_verify(sig64, msg, msg_len, pubkey32);
}

int ta_x509_verify_chain(const teeattest_ctx *ctx, uint32_t *flags_out,
                         const uint8_t *const *chain, const size_t *chain_lens,
                         size_t chain_count, const uint8_t *const *roots,
                         const size_t *root_lens, size_t root_count,
                         const uint8_t *const *crls, const size_t *crl_lens,
                         size_t crl_count, int64_t at)
{
    *flags_out = 0;
    if (BACKEND(ctx, x509_verify_chain)) {
        int rc = ctx->crypto.x509_verify_chain(
            ctx->crypto.user_data, flags_out, chain, chain_lens, chain_count,
            roots, root_lens, root_count, crls, crl_lens, crl_count, at);
        if (rc != TEEATTEST_E_PASSTHROUGH) {
            /* Fail closed: a backend may not claim success with flags set,
             * nor failure without saying why. */
            if (rc == TEEATTEST_OK && *flags_out)
                return TEEATTEST_E_CERT_CHAIN;
            if (rc == TEEATTEST_E_CERT_CHAIN && !*flags_out)
                *flags_out = TEEATTEST_X509_OTHER;
            return rc;
        }
        *flags_out = 0;
    }
    return ta_builtin_x509_verify_chain(ctx, flags_out, chain, chain_lens,
                                        chain_count, roots, root_lens,
                                        root_count, crls, crl_lens, crl_count,
                                        at);
}

int ta_random(const teeattest_ctx *ctx, uint8_t *buf, size_t len)
{
    if (BACKEND(ctx, random)) {
        int rc = ctx->crypto.random(ctx->crypto.user_data, buf, len);
        if (rc != TEEATTEST_E_PASSTHROUGH)
            return rc;
    }
    return ta_builtin_random(buf, len);
}
