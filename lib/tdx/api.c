/*
 * Public TDX API (include/teeattest/tdx.h): the collateral handle and
 * status names. teeattest_tdx_verify() takes a public policy, so it lives
 * with the policy in lib/verify/tdx_verify.c (layers depend downwards).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>

#include "tdx.h"

/* dcap-qvl JSON documents are about 30 KB; 4 MiB is far above any real
 * one and bounds what an untrusted input can make us parse. */
#define COLLATERAL_JSON_MAX (4u << 20)

_Static_assert(TEEATTEST_TDX_QUOTE_MAX == TA_TDX_QUOTE_MAX_LEN,
               "public and internal quote limits agree");
_Static_assert(TEEATTEST_TDX_TCB_NOT_SUPPORTED == (int)TA_TDX_TCB_NOT_SUPPORTED &&
               TEEATTEST_TDX_REVOKED == (int)TA_TDX_REVOKED &&
               TEEATTEST_TDX_UP_TO_DATE == (int)TA_TDX_UP_TO_DATE,
               "public and internal status numbers agree");

TEEATTEST_API const char *teeattest_tdx_status_name(int32_t status)
{
    if (status < TEEATTEST_TDX_STATUS_NONE ||
        status > TEEATTEST_TDX_TCB_NOT_SUPPORTED)
        return "None";
    return ta_tdx_status_name((ta_tdx_status)status);
}

/* ---- collateral handle --------------------------------------------------- */

int ta_collateral_wrap(teeattest_ctx *ctx, ta_tdx_collateral *c,
                       teeattest_collateral **out, teeattest_error *err)
{
    if (out)
        *out = NULL;
    if (!ctx || !c || !out || c->ctx != ctx) {
        ta_tdx_collateral_free(c);
        return TA_INVALID(err, !ctx ? "ctx is NULL" : !c ? "collateral is NULL"
                               : !out ? "out is NULL"
                                      : "collateral belongs to another context");
    }
    teeattest_collateral *h = ta_calloc(ctx, 1, sizeof *h);
    if (!h) {
        ta_tdx_collateral_free(c);
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "allocating collateral");
    }
    atomic_init(&h->refs, 1);
    h->ctx = teeattest_ctx_ref(ctx);
    h->inner = c;
    *out = h;
    return TEEATTEST_OK;
}

const ta_tdx_collateral *ta_collateral_inner(const teeattest_collateral *col)
{
    return col ? col->inner : NULL;
}

TEEATTEST_API int teeattest_collateral_load_dir(teeattest_ctx *ctx,
                                                teeattest_collateral **out,
                                                const char *dir,
                                                teeattest_error *err)
{
    if (out)
        *out = NULL;
    if (!ctx || !out || !dir)
        return TA_INVALID(err, !ctx ? "ctx is NULL" : !out ? "out is NULL"
                                                         : "dir is NULL");
    ta_tdx_collateral *c = NULL;
    int rc = ta_tdx_collateral_load_dir(ctx, dir, &c, err);
    if (rc)
        return rc;
    return ta_collateral_wrap(ctx, c, out, err);
}

TEEATTEST_API int teeattest_collateral_parse_json(teeattest_ctx *ctx,
                                                  teeattest_collateral **out,
                                                  const uint8_t *json,
                                                  size_t len,
                                                  teeattest_error *err)
{
    if (out)
        *out = NULL;
    if (!ctx || !out || !json)
        return TA_INVALID(err, !ctx ? "ctx is NULL" : !out ? "out is NULL"
                                                         : "json is NULL");
    if (len > COLLATERAL_JSON_MAX)
        return ta_error(err, TEEATTEST_E_TOO_LARGE, "tdx.collateral",
                        "collateral JSON is %zu bytes, the limit is %u", len,
                        COLLATERAL_JSON_MAX);
    ta_tdx_collateral *c = NULL;
    int rc = ta_tdx_collateral_load_json(ctx, json, len, &c, err);
    if (rc)
        return rc;
    return ta_collateral_wrap(ctx, c, out, err);
}

TEEATTEST_API int teeattest_collateral_save_dir(const teeattest_collateral *col,
                                                const char *dir,
                                                teeattest_error *err)
{
    if (!col || !dir)
        return TA_INVALID(err, !col ? "col is NULL" : "dir is NULL");
    return ta_tdx_collateral_save_dir(col->inner, dir, err);
}

TEEATTEST_API int64_t teeattest_collateral_expiry(
    const teeattest_collateral *col)
{
    return col ? ta_tdx_collateral_expiry(col->inner) : 0;
}

TEEATTEST_API teeattest_collateral *teeattest_collateral_ref(
    teeattest_collateral *col)
{
    if (col)
        atomic_fetch_add_explicit(&col->refs, 1, memory_order_relaxed);
    return col;
}

TEEATTEST_API void teeattest_collateral_free(teeattest_collateral *col)
{
    if (!col)
        return;
    if (atomic_fetch_sub_explicit(&col->refs, 1, memory_order_acq_rel) != 1)
        return;
    teeattest_ctx *ctx = col->ctx;
    ta_tdx_collateral_free(col->inner);
    ta_free(ctx, col);
    teeattest_ctx_free(ctx);
}
