/*
 * teeattest_tdx_verify(): a public policy applied to the TDX engine
 * (lib/tdx/verify.c).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>

#include "pipeline.h"

_Static_assert(TEEATTEST_REG_MRCONFIGID - TEEATTEST_REG_MRTD + 1 == TA_TDX_N_REGS &&
               TA_POLICY_N_REGS == TA_TDX_N_REGS &&
               TA_POLICY_MAX_MEASUREMENTS == TA_TDX_MAX_EXPECTED,
               "policy registers map onto the engine's");

/* ---- verification --------------------------------------------------------- */

void ta_tdx_policy_view(const teeattest_policy *p, ta_tdx_policy *tp)
{
    memset(tp, 0, sizeof *tp);
    if (!p)
        return;
    tp->accepted_statuses = p->tdx_statuses;
    tp->allow_expired_collateral = p->allow_expired_collateral;
    tp->allow_debug = p->allow_debug;
    tp->allow_nonzero_mrservicetd = p->allow_mrservicetd;
    tp->min_tcb_eval = p->min_tcb_eval;
    for (size_t i = 0; i < TA_TDX_N_REGS; i++) {
        tp->expected[i] = p->measurements[i];
        tp->n_expected[i] = p->measurements[i] ? p->n_measurements[i] : 0;
    }
    tp->root_der = p->tdx_root_der;
    tp->root_der_len = p->tdx_root_der_len;
}

TEEATTEST_API int teeattest_tdx_verify(teeattest_ctx *ctx,
                                       teeattest_result **out,
                                       const uint8_t *quote, size_t len,
                                       const teeattest_collateral *col,
                                       const teeattest_policy *policy,
                                       teeattest_error *err)
{
    if (out)
        *out = NULL;
    if (!ctx || !out || !quote || !col)
        return TA_INVALID(err, !ctx ? "ctx is NULL" : !out ? "out is NULL"
                               : !quote ? "quote is NULL" : "col is NULL");
    if (col->ctx != ctx || !col->inner || col->inner->ctx != ctx)
        return TA_INVALID(err, "the collateral belongs to another context");
    if (len > TEEATTEST_TDX_QUOTE_MAX)
        return ta_error(err, TEEATTEST_E_TOO_LARGE, "quote",
                        "quote is %zu bytes, the limit is %u", len,
                        (unsigned)TEEATTEST_TDX_QUOTE_MAX);
    int64_t at = policy && policy->time != TA_TIME_NOW
                     ? policy->time : teeattest_ctx_now(ctx);
    ta_tdx_policy tp;
    ta_tdx_policy_view(policy, &tp);

    teeattest_result *r = NULL;
    int rc = ta_result_new(ctx, &r);
    if (rc)
        return ta_error(err, rc, NULL, "allocating the result");
    rc = ta_tdx_verify(ctx, quote, len, col->inner, at, &tp, r, NULL, err);
    if (!rc)
        rc = ta_result_finish(r, err);
    if (rc) {
        teeattest_result_free(r);
        return rc;
    }
    *out = r;
    return TEEATTEST_OK;
}
