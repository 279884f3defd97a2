/*
 * The in-memory memo's bounds for a conformance program's context, from
 * the environment the meson test sets (the library itself never reads the
 * environment): TA_TEST_MEMO=off (no memo), tiny (one entry, one byte:
 * every entry evicted at once), unset = the defaults. meson runs the
 * verifying programs in all three, so every fixture's checklist is
 * asserted with the memo off, cold and warm (the cases of one program
 * share one context) and at tiny bounds.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_CONF_MEMO_H
#define TA_CONF_MEMO_H

#include <stdlib.h>
#include <string.h>

#include "teeattest/teeattest.h"

static inline teeattest_ctx_options conf_memo_options(void)
{
    teeattest_ctx_options o = TEEATTEST_CTX_OPTIONS_INIT;
    const char *m = getenv("TA_TEST_MEMO");
    if (m && strcmp(m, "off") == 0) {
        o.memo_entries = TEEATTEST_MEMO_OFF;
    } else if (m && strcmp(m, "tiny") == 0) {
        o.memo_entries = 1;
        o.memo_bytes = 1;
    }
    return o;
}

#endif /* TA_CONF_MEMO_H */
