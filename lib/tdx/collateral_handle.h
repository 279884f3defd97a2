/*
 * The definition of the public opaque handle teeattest_collateral, kept
 * out of tdx.h: libabigail filters private types by the name of the header
 * that defines them, and lib/tdx/tdx.h shares its name with the public
 * include/teeattest/tdx.h. Included by tdx.h only.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_TDX_COLLATERAL_HANDLE_H
#define TA_TDX_COLLATERAL_HANDLE_H

/* struct teeattest_collateral: an immutable, reference-counted public
 * handle owning one owner-share of a ta_tdx_collateral (several handles,
 * and the context cache, may share one inner collateral, whose memo then
 * serves them all: see ta_tdx_collateral_share()). */
struct teeattest_collateral {
    atomic_size_t refs;
    teeattest_ctx *ctx;           /* referenced */
    ta_tdx_collateral *inner;     /* one owner-share (ta_tdx_collateral_free) */
};

#endif /* TA_TDX_COLLATERAL_HANDLE_H */
