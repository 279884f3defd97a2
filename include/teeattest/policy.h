/*
 * libteeattest: verification policy.
 *
 * SPDX-License-Identifier: Apache-2.0
 *
 * A policy says which checks are required and what values are acceptable.
 * A new policy holds the safe defaults documented in docs/policy.md;
 * passing NULL wherever a policy is accepted means those same defaults.
 *
 * Thread safety: setters are not synchronised. A policy may be used by
 * several verifications at once, from any threads, as long as nobody
 * modifies it meanwhile. Verifications copy what they need, so a policy may
 * be changed or freed as soon as the verification call returns.
 */
#ifndef TEEATTEST_POLICY_H
#define TEEATTEST_POLICY_H

#include "teeattest/common.h"
#include "teeattest/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Value for teeattest_policy_set_time(): use the context's clock. */
#define TEEATTEST_TIME_NOW INT64_MIN

/**
 * @brief Create a policy holding the defaults.
 * @param[out] out new policy (keeps ctx alive); NULL on failure.
 * @return TEEATTEST_OK, TEEATTEST_E_INVALID_ARG, TEEATTEST_E_NOMEM.
 * Ownership: new object, release with teeattest_policy_free().
 * @since 1.0
 */
TEEATTEST_API int teeattest_policy_new(teeattest_ctx *ctx,
                                       teeattest_policy **out,
                                       teeattest_error *err);

/** @brief Free a policy. NULL is a no-op. @since 1.0 */
TEEATTEST_API void teeattest_policy_free(teeattest_policy *policy);

/**
 * @brief Fix the verification time (Unix seconds), e.g. the time a bundle
 *        was recorded. TEEATTEST_TIME_NOW (the default) uses the context's
 *        clock at the moment of verification.
 * @return TEEATTEST_OK, TEEATTEST_E_INVALID_ARG.
 * @since 1.0
 */
TEEATTEST_API int teeattest_policy_set_time(teeattest_policy *policy,
                                            int64_t unix_seconds);

/**
 * @brief Reject ECDSA response signatures whose s is in the upper half of
 *        the curve order (malleable form). Default: 1 (reject). With 0, a
 *        high-s signature is accepted and reported as a warning.
 * @return TEEATTEST_OK, TEEATTEST_E_INVALID_ARG.
 * @since 1.0
 */
TEEATTEST_API int teeattest_policy_set_ecdsa_strict(teeattest_policy *policy,
                                                    int strict);

/**
 * @brief Require that a response signature be checked against an expected
 *        signer (pinned by the caller or taken from a verified
 *        attestation). Default: 1. With 0, a signature that verifies
 *        against the key it names itself is accepted, and the result says
 *        the signer was not bound to anything.
 * @return TEEATTEST_OK, TEEATTEST_E_INVALID_ARG.
 * @since 1.0
 */
TEEATTEST_API int teeattest_policy_set_require_signer(
    teeattest_policy *policy, int required);

/**
 * @brief The model a `model:req:resp` signed text must name. NULL (the
 *        default) means the "model" member of the exact request body.
 *        The string is copied.
 * @return TEEATTEST_OK, TEEATTEST_E_INVALID_ARG, TEEATTEST_E_NOMEM.
 * @since 1.0
 */
TEEATTEST_API int teeattest_policy_set_expected_model(
    teeattest_policy *policy, const char *model);

#ifdef __cplusplus
}
#endif

#endif /* TEEATTEST_POLICY_H */
