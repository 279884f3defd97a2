/*
 * Helpers for the conformance tests: fixture loading with jansson, and a
 * crypto backend that lets the real built-ins run while recording what
 * they were asked (the EIP-191 digest and recovery id), so digests can be
 * compared with the fixtures through the public API alone.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_CONFORMANCE_H
#define TA_CONFORMANCE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

#include "teeattest/teeattest.h"

#include "conf_memo.h"

static inline uint8_t *conf_file(const char *rel, size_t *len)
{
    size_t n = 0;
    uint8_t *p = ta_test_read_file(ta_test_fixture(rel), &n);
    if (!p) {
        printf("Bail out! cannot read fixture %s\n", ta_test_fixture(rel));
        exit(1);
    }
    if (len)
        *len = n;
    return p;
}

static inline json_t *conf_json(const char *rel)
{
    size_t n;
    uint8_t *p = conf_file(rel, &n);
    json_error_t e;
    json_t *j = json_loadb((const char *)p, n, 0, &e);
    free(p);
    if (!j) {
        printf("Bail out! %s: %s\n", rel, e.text);
        exit(1);
    }
    return j;
}

static inline const char *conf_str(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* Recording pass-through backend. */
struct conf_spy {
    int recover_calls;
    uint8_t digest[32];
    int32_t recid;
};

static inline int conf_spy_recover(void *ud, uint8_t pub[65],
                                   const uint8_t digest[32],
                                   const uint8_t sig[64], int32_t recid)
{
    struct conf_spy *s = ud;
    (void)pub;
    (void)sig;
    s->recover_calls++;
    memcpy(s->digest, digest, 32);
    s->recid = recid;
    return TEEATTEST_E_PASSTHROUGH;
}

static inline teeattest_ctx *conf_ctx(struct conf_spy *spy)
{
    teeattest_crypto_backend cb = TEEATTEST_CRYPTO_BACKEND_INIT;
    cb.user_data = spy;
    cb.secp256k1_recover = conf_spy_recover;
    teeattest_ctx_options o = conf_memo_options();
    o.crypto = &cb;
    teeattest_ctx *ctx = NULL;
    if (teeattest_ctx_new(&ctx, &o, NULL) != TEEATTEST_OK) {
        printf("Bail out! teeattest_ctx_new failed\n");
        exit(1);
    }
    return ctx;
}

static inline void conf_hex(char *out, const uint8_t *in, size_t len)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = d[in[i] >> 4];
        out[2 * i + 1] = d[in[i] & 15];
    }
    out[2 * len] = '\0';
}

/* Lower-case copy of a hex string ("0x" kept). */
static inline void conf_lower(char *out, size_t cap, const char *in)
{
    size_t i = 0;
    for (; in[i] && i + 1 < cap; i++)
        out[i] = (char)(in[i] >= 'A' && in[i] <= 'F' ? in[i] + 32 : in[i]);
    out[i] = '\0';
}

static inline int32_t conf_outcome(const teeattest_result *r, const char *name)
{
    int32_t o = 0;
    return teeattest_result_find_check(r, name, &o, NULL, NULL) == TEEATTEST_OK ? o : -1;
}

/* Print a failed result's checklist to help whoever reads the TAP log. */
static inline void conf_dump(const teeattest_result *r)
{
    const char *js = NULL;
    if (teeattest_result_to_json(r, &js, NULL, NULL) == TEEATTEST_OK)
        printf("#   %s\n", js);
}

/* Does `name` match `pat`, where '*' matches any run of characters? */
static inline bool conf_glob(const char *pat, const char *name)
{
    if (!*pat)
        return !*name;
    if (*pat == '*')
        return conf_glob(pat + 1, name) ||
               (*name && conf_glob(pat, name + 1));
    return *pat == *name && conf_glob(pat + 1, name + 1);
}

/* The failures (failed, or skipped but required) of `r` match `pats` (a
 * NULL-terminated list of conf_glob patterns), each pattern at least once:
 * the result fails exactly where its data says it must. With `base` (the
 * unedited input's result), only failures `base` does not have with the
 * same outcome count, and `r` must be failed; without, `r` is failed
 * when there are patterns and verified otherwise. */
static inline void conf_expect_failures(const teeattest_result *base,
                                        const teeattest_result *r,
                                        const char *what,
                                        const char *const *pats)
{
    if (!CHECK(r))
        return;
    size_t np = 0;
    while (pats[np])
        np++;
    if (!CHECK(np <= 64))
        return;
    bool used[64] = {false};
    bool stray = false;
    for (size_t i = 0; i < teeattest_result_check_count(r); i++) {
        const char *name;
        int32_t o, req;
        teeattest_result_check(r, i, &name, &o, NULL, &req, NULL);
        if (!(o == TEEATTEST_OUTCOME_FAIL ||
              (o == TEEATTEST_OUTCOME_SKIP && req)))
            continue;
        if (base && conf_outcome(base, name) == o)
            continue;
        bool hit = false;
        for (size_t k = 0; k < np; k++)
            if (conf_glob(pats[k], name))
                hit = used[k] = true;
        if (!hit) {
            printf("# %s: unexpected failure %s\n", what, name);
            stray = true;
        }
    }
    CHECK(!stray);
    for (size_t k = 0; k < np; k++)
        if (!CHECK(used[k]))
            printf("# %s: expected a%s failure matching %s\n", what,
                   base ? " new" : "", pats[k]);
    CHECK_EQ_INT(teeattest_result_verdict(r),
                 base || np ? TEEATTEST_VERDICT_FAILED
                            : TEEATTEST_VERDICT_VERIFIED);
}

#endif /* TA_CONFORMANCE_H */
