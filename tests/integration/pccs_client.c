/*
 * Test client for tests/integration/test_pccs_fetch.py: fetches TDX
 * collateral for a quote from a PCCS (the simulator) with the library's
 * built-in transport, `n` times on one context, and verifies the quote
 * with each collateral at a fixed time. One JSON line per fetch:
 * {"rc":N,"error":"...","verdict":"verified|failed","status":"...",
 *  "expires":N}. Only the public API.
 *
 * Usage: pccs-client BASE_URL QUOTE_FILE AT [N]
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "teeattest/teeattest.h"
#include "teeattest/tdx.h"

static void json_str(const char *s)
{
    putchar('"');
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static long long at;

/* The context clock is the fixture's time too: the cache judges expiry by
 * it, and the fixtures' collateral has long expired by the wall clock. */
static int64_t fixed_clock(void *ud)
{
    (void)ud;
    return at;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: pccs-client BASE_URL QUOTE_FILE AT [N]\n");
        return 2;
    }
    FILE *f = fopen(argv[2], "rb");
    static uint8_t quote[1 << 20];
    size_t len = f ? fread(quote, 1, sizeof quote, f) : 0;
    if (f)
        fclose(f);
    if (!len) {
        fprintf(stderr, "cannot read %s\n", argv[2]);
        return 2;
    }
    at = strtoll(argv[3], NULL, 10);
    int n = argc > 4 ? atoi(argv[4]) : 1;
    teeattest_ctx *ctx = NULL;
    teeattest_policy *pol = NULL;
    teeattest_ctx_options o = TEEATTEST_CTX_OPTIONS_INIT;
    o.clock = fixed_clock;
    if (teeattest_ctx_new(&ctx, &o, NULL) != TEEATTEST_OK ||
        teeattest_policy_new(ctx, &pol, NULL) != TEEATTEST_OK ||
        teeattest_policy_set_time(pol, at, NULL) != TEEATTEST_OK)
        return 2;
    int worst = 0;
    for (int i = 0; i < n; i++) {
        teeattest_collateral *col = NULL;
        teeattest_error e = TEEATTEST_ERROR_INIT;
        int rc = teeattest_collateral_fetch(ctx, &col, argv[1], quote, len,
                                            &e);
        printf("{\"rc\":%d,\"error\":", rc);
        json_str(rc ? e.message : "");
        printf(",\"backend_code\":%d", (int)e.backend_code);
        if (!rc) {
            teeattest_result *r = NULL;
            rc = teeattest_tdx_verify(ctx, &r, quote, len, col, pol, &e);
            printf(",\"verdict\":");
            json_str(!rc && teeattest_result_verdict(r) ==
                                TEEATTEST_VERDICT_VERIFIED ? "verified"
                                                           : "failed");
            printf(",\"status\":");
            json_str(r ? teeattest_result_fact(r, "tdx.status") : "");
            printf(",\"expires\":%lld",
                   (long long)teeattest_collateral_expiry(col));
            teeattest_result_free(r);
        }
        printf("}\n");
        if (rc)
            worst = 1;
        teeattest_collateral_free(col);
    }
    teeattest_policy_free(pol);
    teeattest_ctx_free(ctx);
    return worst;
}
