/*
 * Minimal TAP test harness shared by the C test programs.
 *
 * Each test program prints TAP ("ok N - name" / "not ok N - name") and
 * exits non-zero if anything failed; meson runs them with protocol 'tap'.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_TEST_H
#define TA_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "teeattest/result.h"

static int ta_test_n, ta_test_failed;

#define CHECK(cond) ta_test_check(!!(cond), #cond, __FILE__, __LINE__)
#define CHECK_EQ_INT(a, b) ta_test_check_int((long long)(a), (long long)(b), #a " == " #b, __FILE__, __LINE__)
#define CHECK_STR(a, b) ta_test_check_str((a), (b), #a " == " #b, __FILE__, __LINE__)

static inline int ta_test_check(int ok, const char *what, const char *file, int line)
{
    ta_test_n++;
    if (ok) {
        printf("ok %d - %s\n", ta_test_n, what);
    } else {
        ta_test_failed++;
        printf("not ok %d - %s (%s:%d)\n", ta_test_n, what, file, line);
    }
    return ok;
}

static inline int ta_test_check_int(long long a, long long b, const char *what,
                                    const char *file, int line)
{
    int ok = ta_test_check(a == b, what, file, line);
    if (!ok)
        printf("#   got %lld, expected %lld\n", a, b);
    return ok;
}

static inline int ta_test_check_str(const char *a, const char *b, const char *what,
                                    const char *file, int line)
{
    int ok = ta_test_check(a && b && strcmp(a, b) == 0, what, file, line);
    if (!ok)
        printf("#   got \"%s\", expected \"%s\"\n", a ? a : "(null)", b ? b : "(null)");
    return ok;
}

static inline int ta_test_done(void)
{
    printf("1..%d\n", ta_test_n);
    return ta_test_failed ? 1 : 0;
}

/* Fact `key` of a finished result under the name its verdict gives it:
 * the plain key when verified, "unverified.<key>" when failed (a failed
 * result vouches for no fact; docs/checks.md). A failed result that still
 * has the plain key is a test failure. */
static inline const char *ta_test_fact(const teeattest_result *r,
                                       const char *key)
{
    if (teeattest_result_verdict(r) == TEEATTEST_VERDICT_VERIFIED)
        return teeattest_result_fact(r, key);
    ta_test_check(teeattest_result_fact(r, key) == NULL,
                  "a failed result has no plain fact", __FILE__, __LINE__);
    char k[256];
    snprintf(k, sizeof k, "unverified.%s", key);
    return teeattest_result_fact(r, k);
}

/* Read a whole file; NULL if it cannot be read. Caller frees. A NUL is
 * appended (not counted in *len) so text files can be used as strings. */
static inline uint8_t *ta_test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap + 1);
    size_t r;
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            uint8_t *nb = realloc(buf, cap * 2 + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf) {
        buf[n] = 0;
        *len = n;
    }
    return buf;
}

/* Path of a fixture under the shared fixtures directory, which meson passes
 * in TEEATTEST_FIXTURES. Returns a buffer of the calling thread, valid
 * until its next call (unit/memo_gpu reads fixtures from two threads). */
static inline const char *ta_test_fixture(const char *rel)
{
    static _Thread_local char path[4096];
    const char *root = getenv("TEEATTEST_FIXTURES");
    if (!root)
        root = "../shared/fixtures";
    snprintf(path, sizeof path, "%s/%s", root, rel);
    return path;
}

#endif /* TA_TEST_H */
