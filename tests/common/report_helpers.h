/*
 * Helpers shared by the tests that verify provider captures through the
 * public API (conformance/report_verify, api/bundle): capture-manifest
 * times, hex and base64 text from fixture JSON, and check outcomes by
 * name. Test code only: inputs are the project's fixtures.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_REPORT_HELPERS_H
#define TA_REPORT_HELPERS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "teeattest/teeattest.h"

/* "2026-06-29T02:06:37.994367Z" -> Unix seconds (fraction dropped). */
static inline int64_t ta_test_iso_time(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (!s || sscanf(s, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon,
                     &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
        return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm);
}

static inline void ta_test_unhex(uint8_t *out, size_t n, const char *hex)
{
    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
}

/* Standard base64 (the fixtures' peer_spki_der_base64); caller frees. */
static inline uint8_t *ta_test_b64dec(const char *s, size_t *len)
{
    static const char tbl[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(s);
    uint8_t *out = malloc(n + 1);
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; out && i < n && s[i] != '='; i++) {
        const char *p = strchr(tbl, s[i]);
        if (!p)
            continue;
        acc = acc << 6 | (uint32_t)(p - tbl);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    *len = o;
    return out;
}

/* "pass", "fail", "skip", "warn", or "absent". */
static inline const char *ta_test_outcome(const teeattest_result *r,
                                          const char *name)
{
    int32_t o = -1;
    if (teeattest_result_find_check(r, name, &o, NULL, NULL) != TEEATTEST_OK)
        return "absent";
    return o == TEEATTEST_OUTCOME_PASS ? "pass"
           : o == TEEATTEST_OUTCOME_FAIL ? "fail"
           : o == TEEATTEST_OUTCOME_SKIP ? "skip" : "warn";
}

/* The names of the checks that failed or were required and skipped,
 * comma-separated (a static buffer). */
static inline const char *ta_test_failures(const teeattest_result *r)
{
    static char buf[4096];
    buf[0] = '\0';
    for (size_t i = 0; i < teeattest_result_check_count(r); i++) {
        const char *name;
        int32_t o, req;
        teeattest_result_check(r, i, &name, &o, NULL, &req, NULL);
        if (o == TEEATTEST_OUTCOME_FAIL ||
            (o == TEEATTEST_OUTCOME_SKIP && req)) {
            size_t u = strlen(buf);
            snprintf(buf + u, sizeof buf - u, "%s%s", u ? "," : "", name);
        }
    }
    return buf;
}

#endif /* TA_REPORT_HELPERS_H */
