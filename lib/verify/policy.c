/*
 * Verification policy.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>

#include "verify.h"

void ta_policy_defaults(struct teeattest_policy *p)
{
    p->time = TEEATTEST_TIME_NOW;
    p->ecdsa_strict = true;
    p->require_signer = true;
    p->expected_model = NULL;
}

TEEATTEST_API int teeattest_policy_new(teeattest_ctx *ctx,
                                       teeattest_policy **out,
                                       teeattest_error *err)
{
    if (out)
        *out = NULL;
    if (!ctx || !out)
        return TA_INVALID(err, !ctx ? "ctx is NULL" : "out is NULL");
    teeattest_policy *p = ta_calloc(ctx, 1, sizeof *p);
    if (!p)
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "allocating policy");
    p->ctx = teeattest_ctx_ref(ctx);
    ta_policy_defaults(p);
    *out = p;
    return TEEATTEST_OK;
}

TEEATTEST_API void teeattest_policy_free(teeattest_policy *policy)
{
    if (!policy)
        return;
    teeattest_ctx *ctx = policy->ctx;
    ta_free(ctx, policy->expected_model);
    ta_free(ctx, policy);
    teeattest_ctx_free(ctx);
}

TEEATTEST_API int teeattest_policy_set_time(teeattest_policy *policy,
                                            int64_t unix_seconds)
{
    if (!policy)
        return TEEATTEST_E_INVALID_ARG;
    policy->time = unix_seconds;
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_policy_set_ecdsa_strict(teeattest_policy *policy,
                                                    int strict)
{
    if (!policy)
        return TEEATTEST_E_INVALID_ARG;
    policy->ecdsa_strict = strict != 0;
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_policy_set_require_signer(
    teeattest_policy *policy, int required)
{
    if (!policy)
        return TEEATTEST_E_INVALID_ARG;
    policy->require_signer = required != 0;
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_policy_set_expected_model(
    teeattest_policy *policy, const char *model)
{
    if (!policy)
        return TEEATTEST_E_INVALID_ARG;
    char *m = NULL;
    if (model && !(m = ta_strdup(policy->ctx, model)))
        return TEEATTEST_E_NOMEM;
    ta_free(policy->ctx, policy->expected_model);
    policy->expected_model = m;
    return TEEATTEST_OK;
}
