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

/* The FMSPC and PCK CA (platform: true for the Platform CA, false for the
 * Processor CA) named by a quote's PCK certificate; the quote is not
 * verified. TEEATTEST_OK, TEEATTEST_E_PARSE, TEEATTEST_E_NOMEM. */
int ta_tdx_quote_platform(teeattest_ctx *ctx, const uint8_t *quote,
                          size_t len, uint8_t fmspc[6], bool *platform,
                          teeattest_error *err);

#endif /* TA_TDX_FETCH_H */
