/*
 * Internal: the context cache of fetched TDX collateral (cache.c), used by
 * teeattest_collateral_fetch() (fetch.c).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_TDX_FETCH_H
#define TA_TDX_FETCH_H

#include "tdx.h"

/* A new owner (with a context reference) of the entry for (base, fmspc,
 * CA) if one is cached and `now` is before its expiry, else NULL. An
 * expired entry is dropped. Thread-safe. */
ta_tdx_collateral *ta_tdx_cache_lookup(teeattest_ctx *ctx, const char *base,
                                       const uint8_t fmspc[6], bool platform,
                                       int64_t now);
/* Remember `col` (the cache takes its own ownership) until its expiry;
 * collateral without a known expiry, or already expired at `now`, is not
 * kept. Replaces an entry with the same key; when full, evicts the entry
 * that expires first. Thread-safe. TEEATTEST_OK or TEEATTEST_E_NOMEM. */
int ta_tdx_cache_store(teeattest_ctx *ctx, const char *base,
                       const uint8_t fmspc[6], bool platform,
                       ta_tdx_collateral *col, int64_t now);

#endif /* TA_TDX_FETCH_H */
