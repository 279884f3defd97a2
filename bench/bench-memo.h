/*
 * The memory the context's in-memory memo holds (lib/crypto/memo.h), for
 * the benches that link the internal library (bench-gpu, bench-report).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_BENCH_MEMO_H
#define TA_BENCH_MEMO_H

#include <stdio.h>

#include "crypto/memo.h"

/* `<prefix>memo_bytes=` (the memo's own estimate: certificates at 4x
 * their DER + 512 bytes, CRLs at 2x + 256, links and documents at their
 * key size) and its entries, hits and bounds. */
static inline void ta_bench_print_memo(const char *prefix,
                                       const teeattest_ctx *ctx)
{
    ta_memo_stats st;
    ta_memo_stats_get(ctx, &st);
    if (!st.enabled) {
        printf("%smemo_bytes=off\n", prefix);
        return;
    }
    uint64_t hits = 0;
    for (int k = 0; k < TA_MEMO_KINDS; k++)
        hits += st.hits[k];
    printf("%smemo_bytes=%zu (%zu entries, %llu hits, %llu evictions; "
           "bounds %zu entries, %zu bytes)\n",
           prefix, st.bytes, st.entries, (unsigned long long)hits,
           (unsigned long long)st.evictions, st.max_entries, st.max_bytes);
}

#endif /* TA_BENCH_MEMO_H */
