/*
 * The result builder: verdict rules (fail closed), the public getters and
 * the JSON rendering, which is parsed back with jansson to check its shape.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <inttypes.h>

#include <jansson.h>

#include "unit.h"

static teeattest_result *new_result(teeattest_ctx *ctx)
{
    teeattest_result *r = NULL;
    if (ta_result_new(ctx, &r) != TEEATTEST_OK) {
        printf("Bail out! ta_result_new failed\n");
        exit(1);
    }
    return r;
}

/* Build a result from (outcome, required) pairs and return its verdict. */
static int verdict_of(teeattest_ctx *ctx, const int32_t *outcomes,
                      const bool *required, size_t n)
{
    teeattest_result *r = new_result(ctx);
    for (size_t i = 0; i < n; i++) {
        char name[32];
        snprintf(name, sizeof name, "c.%zu", i);
        ta_result_check(r, name, outcomes[i], required[i], "detail %zu", i);
    }
    int rc = ta_result_finish(r, NULL);
    int v = rc == TEEATTEST_OK ? teeattest_result_verdict(r) : -1;
    teeattest_result_free(r);
    return v;
}

static void test_verdict_rules(void)
{
    teeattest_ctx *ctx = unit_ctx();
    enum { P = TEEATTEST_OUTCOME_PASS, F = TEEATTEST_OUTCOME_FAIL,
           S = TEEATTEST_OUTCOME_SKIP, W = TEEATTEST_OUTCOME_WARN };
    const int32_t V = TEEATTEST_VERDICT_VERIFIED, X = TEEATTEST_VERDICT_FAILED;

    /* An empty checklist proves nothing. */
    CHECK_EQ_INT(verdict_of(ctx, NULL, NULL, 0), X);

    {
        int32_t o[] = {P};
        bool q[] = {true};
        CHECK_EQ_INT(verdict_of(ctx, o, q, 1), V);
    }
    {   /* fail, required or not, fails */
        int32_t o[] = {P, F};
        bool q[] = {true, true};
        CHECK_EQ_INT(verdict_of(ctx, o, q, 2), X);
        q[1] = false;
        CHECK_EQ_INT(verdict_of(ctx, o, q, 2), X);
    }
    {   /* required skip fails; optional skip does not */
        int32_t o[] = {P, S};
        bool q[] = {true, true};
        CHECK_EQ_INT(verdict_of(ctx, o, q, 2), X);
        q[1] = false;
        CHECK_EQ_INT(verdict_of(ctx, o, q, 2), V);
    }
    {   /* a warning is accepted */
        int32_t o[] = {P, W};
        bool q[] = {true, false};
        CHECK_EQ_INT(verdict_of(ctx, o, q, 2), V);
        q[1] = true;
        CHECK_EQ_INT(verdict_of(ctx, o, q, 2), V);
    }
    {   /* only optional skips: nothing ran, but nothing required either */
        int32_t o[] = {S, W};
        bool q[] = {false, false};
        CHECK_EQ_INT(verdict_of(ctx, o, q, 2), V);
    }
    {   /* one failure anywhere among many passes */
        int32_t o[] = {P, P, P, F, P, W};
        bool q[] = {true, true, true, true, true, false};
        CHECK_EQ_INT(verdict_of(ctx, o, q, 6), X);
    }
    {   /* an outcome that is not one of the four is not a pass */
        int32_t o[] = {P, 0};
        bool q[] = {true, true};
        CHECK_EQ_INT(verdict_of(ctx, o, q, 2), X);
        o[1] = 77;
        CHECK_EQ_INT(verdict_of(ctx, o, q, 2), X);
    }
    teeattest_ctx_free(ctx);
}

static bool valid_utf8(const char *s)
{
    json_t *j = json_string(s); /* json_string validates UTF-8 */
    bool ok = j != NULL;
    json_decref(j);
    return ok;
}

static void test_json_shape(void)
{
    teeattest_ctx *ctx = unit_ctx();
    teeattest_result *r = new_result(ctx);
    /* Before finish the result is not renderable and fails closed. */
    const char *js = NULL;
    CHECK_EQ_INT(teeattest_result_to_json(r, &js, NULL, NULL), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);

    ta_result_check(r, "a.pass", TEEATTEST_OUTCOME_PASS, true, "ok %d", 1);
    ta_result_check(r, "b.warn", TEEATTEST_OUTCOME_WARN, false, "%s", "careful");
    ta_result_check(r, "c.skip", TEEATTEST_OUTCOME_SKIP, false, "%s", "");
    ta_result_check(r, "d.quote", TEEATTEST_OUTCOME_PASS, true,
                    "quote \" backslash \\ tab \t nl \n ctl \x01 utf8 \xc3\xa9");
    ta_result_fact_str(r, "s", "value");
    ta_result_fact_int(r, "i", -42);
    ta_result_fact_int(r, "max", INT64_MAX);
    ta_result_fact_int(r, "min", INT64_MIN);
    ta_result_fact_bool(r, "t", true);
    ta_result_fact_bool(r, "f", false);
    ta_result_fact_str(r, "nul", NULL);
    /* A later value replaces an earlier one, type included. */
    ta_result_fact_str(r, "replaced", "first");
    ta_result_fact_int(r, "replaced", 7);
    CHECK_EQ_INT(ta_result_finish(r, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_VERIFIED);

    CHECK_EQ_INT(teeattest_result_check_count(r), 4);
    const char *name = NULL, *detail = NULL;
    int32_t outcome = 0, req = -1;
    CHECK_EQ_INT(teeattest_result_check(r, 1, &name, &outcome, &detail, &req, NULL),
                 TEEATTEST_OK);
    CHECK_STR(name, "b.warn");
    CHECK_EQ_INT(outcome, TEEATTEST_OUTCOME_WARN);
    CHECK_STR(detail, "careful");
    CHECK_EQ_INT(req, 0);
    CHECK_EQ_INT(teeattest_result_check(r, 4, &name, NULL, NULL, NULL, NULL),
                 TEEATTEST_E_NOT_FOUND);
    CHECK_EQ_INT(teeattest_result_find_check(r, "c.skip", &outcome, &detail, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(outcome, TEEATTEST_OUTCOME_SKIP);
    CHECK_STR(detail, "");
    CHECK_EQ_INT(teeattest_result_find_check(r, "nope", &outcome, &detail, NULL),
                 TEEATTEST_E_NOT_FOUND);

    CHECK_EQ_INT(teeattest_result_fact_count(r), 8);
    CHECK_STR(teeattest_result_fact(r, "i"), "-42");
    CHECK_STR(teeattest_result_fact(r, "min"), "-9223372036854775808");
    CHECK_STR(teeattest_result_fact(r, "t"), "true");
    CHECK_STR(teeattest_result_fact(r, "nul"), "");
    CHECK_STR(teeattest_result_fact(r, "replaced"), "7");
    CHECK(teeattest_result_fact(r, "absent") == NULL);
    const char *k = NULL, *v = NULL;
    CHECK_EQ_INT(teeattest_result_fact_at(r, 0, &k, &v, NULL), TEEATTEST_OK);
    CHECK_STR(k, "s");
    CHECK_STR(v, "value");
    CHECK_EQ_INT(teeattest_result_fact_at(r, 8, &k, &v, NULL), TEEATTEST_E_NOT_FOUND);

    size_t len = 0;
    CHECK_EQ_INT(teeattest_result_to_json(r, &js, &len, NULL), TEEATTEST_OK);
    CHECK(js && strlen(js) == len);
    json_error_t jerr;
    json_t *root = json_loads(js, JSON_REJECT_DUPLICATES, &jerr);
    if (!CHECK(root != NULL))
        printf("#   %s\n#   %s\n", jerr.text, js);
    CHECK(json_is_object(root) && json_object_size(root) == 3);
    CHECK_STR(json_string_value(json_object_get(root, "verdict")), "verified");
    json_t *checks = json_object_get(root, "checks");
    CHECK(json_is_array(checks) && json_array_size(checks) == 4);
    static const char *const names[] = {"a.pass", "b.warn", "c.skip", "d.quote"};
    static const char *const outs[] = {"pass", "warn", "skip", "pass"};
    static const bool reqs[] = {true, false, false, true};
    for (size_t i = 0; i < json_array_size(checks); i++) {
        json_t *c = json_array_get(checks, i);
        CHECK(json_is_object(c) && json_object_size(c) == 4);
        CHECK_STR(json_string_value(json_object_get(c, "name")), names[i]);
        CHECK_STR(json_string_value(json_object_get(c, "outcome")), outs[i]);
        CHECK(json_is_string(json_object_get(c, "detail")));
        CHECK(json_is_boolean(json_object_get(c, "required")));
        CHECK(json_is_true(json_object_get(c, "required")) == reqs[i]);
    }
    CHECK_STR(json_string_value(json_object_get(json_array_get(checks, 3), "detail")),
              "quote \" backslash \\ tab \t nl \n ctl \x01 utf8 \xc3\xa9");
    json_t *facts = json_object_get(root, "facts");
    CHECK(json_is_object(facts) && json_object_size(facts) == 8);
    CHECK_STR(json_string_value(json_object_get(facts, "s")), "value");
    CHECK(json_is_integer(json_object_get(facts, "i")) &&
          json_integer_value(json_object_get(facts, "i")) == -42);
    CHECK(json_integer_value(json_object_get(facts, "max")) == INT64_MAX);
    CHECK(json_integer_value(json_object_get(facts, "min")) == INT64_MIN);
    CHECK(json_is_true(json_object_get(facts, "t")));
    CHECK(json_is_false(json_object_get(facts, "f")));
    CHECK_STR(json_string_value(json_object_get(facts, "nul")), "");
    CHECK(json_is_integer(json_object_get(facts, "replaced")));
    json_decref(root);

    /* References: the result outlives one free per extra ref. */
    CHECK(teeattest_result_ref(r) == r);
    teeattest_result_free(r);
    CHECK_EQ_INT(teeattest_result_check_count(r), 4);
    teeattest_result_free(r);
    teeattest_ctx_free(ctx);
}

/* Details quote untrusted input (model names, header values): bytes that
 * are not UTF-8, or a multi-byte character cut by the detail's length
 * limit, must still give a result whose strings and JSON are valid. */
static void test_untrusted_bytes(void)
{
    teeattest_ctx *ctx = unit_ctx();
    teeattest_result *r = new_result(ctx);
    ta_result_check(r, "bad.utf8", TEEATTEST_OUTCOME_PASS, true,
                    "model \"%s\"", "a\xff\xfe" "b\xc3" "c\xed\xa0\x80" "d");
    /* 1022 ASCII bytes then a 2-byte character: the 1024-byte detail
     * buffer keeps only its first byte. */
    char longs[1100];
    memset(longs, 'x', 1022);
    memcpy(longs + 1022, "\xc3\xa9", 3);
    ta_result_check(r, "cut.utf8", TEEATTEST_OUTCOME_PASS, true, "%s", longs);
    ta_result_fact_str(r, "model", "m\x80odel");
    int rc = ta_result_finish(r, NULL);
    CHECK_EQ_INT(rc, TEEATTEST_OK);
    const char *detail = NULL;
    teeattest_result_find_check(r, "bad.utf8", NULL, &detail, NULL);
    CHECK(detail && valid_utf8(detail));
    CHECK(detail && strncmp(detail, "model \"a", 8) == 0);
    teeattest_result_find_check(r, "cut.utf8", NULL, &detail, NULL);
    CHECK(detail && valid_utf8(detail));
    CHECK(detail && strncmp(detail, "xxxxxxxx", 8) == 0);
    const char *m = teeattest_result_fact(r, "model");
    CHECK(m && valid_utf8(m) && m[0] == 'm');
    const char *js = NULL;
    CHECK_EQ_INT(teeattest_result_to_json(r, &js, NULL, NULL), TEEATTEST_OK);
    json_t *root = js ? json_loads(js, 0, NULL) : NULL;
    CHECK(root != NULL);
    json_decref(root);
    teeattest_result_free(r);

    /* Well-formed sequences of every length survive byte for byte; each
     * ill-formed one (overlong, surrogate, above U+10FFFF, truncated,
     * stray continuation, bytes never used in UTF-8) is replaced. */
    static const struct { const char *in, *out; } u[] = {
        {"a\xc3\xa9z", "a\xc3\xa9z"},
        {"\xe2\x82\xac", "\xe2\x82\xac"},
        {"\xef\xbf\xbd", "\xef\xbf\xbd"},
        {"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"},
        {"\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf"},
        {"\xc0\x80", "\xef\xbf\xbd\xef\xbf\xbd"},
        {"\xc1\xbf", "\xef\xbf\xbd\xef\xbf\xbd"},
        {"\xe0\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
        {"\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
        {"\xf0\x80\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
        {"\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
        {"\xf5\x80", "\xef\xbf\xbd\xef\xbf\xbd"},
        {"x\x80y", "x\xef\xbf\xbdy"},
        {"\xe2\x82", "\xef\xbf\xbd\xef\xbf\xbd"},
        {"\xf0\x9f\x98", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
        {"\xfe\xff", "\xef\xbf\xbd\xef\xbf\xbd"},
    };
    r = new_result(ctx);
    for (size_t i = 0; i < TA_ARRAY_LEN(u); i++) {
        char key[16];
        snprintf(key, sizeof key, "u%zu", i);
        ta_result_fact_str(r, key, u[i].in);
    }
    ta_result_check(r, "x", TEEATTEST_OUTCOME_PASS, true, "%s", "x");
    CHECK_EQ_INT(ta_result_finish(r, NULL), TEEATTEST_OK);
    for (size_t i = 0; i < TA_ARRAY_LEN(u); i++) {
        char key[16];
        snprintf(key, sizeof key, "u%zu", i);
        const char *got = teeattest_result_fact(r, key);
        if (!CHECK_STR(got, u[i].out))
            printf("#   case %zu\n", i);
        CHECK(got && valid_utf8(got));
    }
    teeattest_result_free(r);
    teeattest_ctx_free(ctx);
}

/* Fail the N-th allocation of a build for every N: finish must report
 * TEEATTEST_E_NOMEM and the result must free cleanly. */
/* Only a verified result names facts plainly: a failed one renames each
 * "unverified.<key>", with the mark first under a prefix; an unbound fact
 * is "unverified." in any result; a plain fact whose renamed key exists
 * already is dropped (the first value stays). */
static void test_unverified_facts(void)
{
    teeattest_ctx *ctx = unit_ctx();
    for (int pass = 0; pass < 2; pass++) {
        teeattest_result *r = new_result(ctx);
        ta_result_check(r, "c", pass ? TEEATTEST_OUTCOME_PASS
                                     : TEEATTEST_OUTCOME_FAIL, true, "d");
        ta_result_fact_str(r, "signer", "0xabc");
        ta_result_fact_unbound_str(r, "model", "m");
        ta_result_set_prefix(r, "entry[0].");
        ta_result_fact_int(r, "n", 3);
        ta_result_fact_unbound_str(r, "model", "em");
        ta_result_fact_str(r, "unverified.copied", "c");
        ta_result_set_prefix(r, NULL);
        ta_result_fact_str(r, "unverified.dup", "first");
        ta_result_fact_str(r, "dup", "second");
        CHECK_EQ_INT(ta_result_finish(r, NULL), TEEATTEST_OK);
        const char *const plain[] = {"signer", "entry[0].n", "dup"};
        for (size_t i = 0; i < 3; i++) {
            char k[64];
            snprintf(k, sizeof k, "unverified.%s", plain[i]);
            CHECK((teeattest_result_fact(r, plain[i]) != NULL) == pass);
            CHECK((teeattest_result_fact(r, k) != NULL) ==
                  (!pass || i == 2));
        }
        CHECK_STR(teeattest_result_fact(r, "unverified.model"), "m");
        CHECK_STR(teeattest_result_fact(r, "unverified.entry[0].model"), "em");
        CHECK_STR(teeattest_result_fact(r, "unverified.entry[0].copied"), "c");
        CHECK_STR(teeattest_result_fact(r, "unverified.dup"), "first");
        CHECK_EQ_INT(teeattest_result_fact_count(r), pass ? 7 : 6);
        const char *sg = NULL;
        CHECK_EQ_INT(teeattest_result_verified_signer(r, &sg, NULL, NULL),
                     pass ? TEEATTEST_OK : TEEATTEST_E_NOT_VERIFIED);
        teeattest_result_free(r);
    }
    teeattest_ctx_free(ctx);
}

static void test_builder_oom(void)
{
    unit_alloc_stats st = {0};
    teeattest_ctx *ctx = unit_ctx_with(&st, NULL);
    size_t base = st.live;
    int bad = 0, n;
    for (n = 1; n < 500; n++) {
        st.calls = 0;
        st.fail_at = (size_t)n;
        teeattest_result *r = NULL;
        int rc = ta_result_new(ctx, &r);
        if (rc == TEEATTEST_OK) {
            for (int i = 0; i < 20; i++) {
                char nm[16];
                snprintf(nm, sizeof nm, "check.%d", i);
                ta_result_check(r, nm, TEEATTEST_OUTCOME_PASS, true, "d%d", i);
                ta_result_fact_int(r, nm, i);
            }
            ta_result_fact_str(r, "check.3", "replacement");
            /* a failed verdict: finishing renames every fact */
            ta_result_check(r, "failed", TEEATTEST_OUTCOME_FAIL, true, "x");
            rc = ta_result_finish(r, NULL);
            teeattest_result_free(r);
        } else if (r != NULL) {
            bad++;
        }
        bool reached = st.calls >= (size_t)n;
        if (!reached) {
            CHECK_EQ_INT(rc, TEEATTEST_OK);
            break;
        }
        if (rc != TEEATTEST_E_NOMEM || st.live != base)
            bad++;
    }
    st.fail_at = 0;
    printf("# builder succeeded once %d allocations were allowed\n", n);
    CHECK(n > 40 && n < 500);
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(st.bad, 0);
    teeattest_ctx_free(ctx);
    CHECK_EQ_INT(st.live, 0);
}

int main(void)
{
    test_verdict_rules();
    test_json_shape();
    test_untrusted_bytes();
    test_unverified_facts();
    test_builder_oom();
    return ta_test_done();
}
