/*
 * Verification results: builder (internal) and read-only public API.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core.h"

int ta_result_new(teeattest_ctx *ctx, teeattest_result **out)
{
    teeattest_result *r = ta_calloc(ctx, 1, sizeof *r);
    if (!r)
        return TEEATTEST_E_NOMEM;
    atomic_init(&r->refs, 1);
    r->ctx = teeattest_ctx_ref(ctx);
    r->verdict = TEEATTEST_VERDICT_FAILED;
    *out = r;
    return TEEATTEST_OK;
}

/* Length of the well-formed UTF-8 sequence starting at s (1..4), or 0.
 * Reads past s[0] only while the bytes so far are valid, so never beyond
 * the terminating NUL. */
static size_t utf8_seq(const unsigned char *s)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        /* no overlong forms (E0 80..9F), no surrogates (ED A0..BF) */
        unsigned char lo = c == 0xE0 ? 0xA0 : 0x80;
        unsigned char hi = c == 0xED ? 0x9F : 0xBF;
        return s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        /* no overlong forms (F0 80..8F), nothing above U+10FFFF */
        unsigned char lo = c == 0xF0 ? 0x90 : 0x80;
        unsigned char hi = c == 0xF4 ? 0x8F : 0xBF;
        return s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 &&
               (s[3] & 0xC0) == 0x80 ? 4 : 0;
    }
    return 0;
}

/* Copy a string that may quote untrusted bytes (a model name, a header
 * value), or end in a character cut by a length limit, replacing every
 * byte that is not part of well-formed UTF-8 with U+FFFD. Result strings
 * are documented as UTF-8, and jansson refuses to render anything else. */
static char *dup_utf8(const teeattest_ctx *ctx, const char *str)
{
    static const char repl[] = "\xef\xbf\xbd";
    const unsigned char *s = (const unsigned char *)str;
    size_t need = 0;
    for (size_t i = 0; s[i];) {
        size_t n = utf8_seq(s + i);
        need += n ? n : sizeof repl - 1;
        i += n ? n : 1;
    }
    char *out = ta_malloc(ctx, need + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; s[i];) {
        size_t n = utf8_seq(s + i);
        if (n) {
            memcpy(out + o, s + i, n);
            o += n;
            i += n;
        } else {
            memcpy(out + o, repl, sizeof repl - 1);
            o += sizeof repl - 1;
            i++;
        }
    }
    out[o] = '\0';
    return out;
}

static bool grow(teeattest_result *r, void **arr, size_t *cap, size_t n,
                 size_t elem)
{
    if (n < *cap)
        return true;
    size_t ncap = *cap ? *cap * 2 : 8;
    void *p = ta_realloc(r->ctx, *arr, ncap * elem);
    if (!p) {
        r->oom = true;
        return false;
    }
    *arr = p;
    *cap = ncap;
    return true;
}

void ta_result_check(teeattest_result *r, const char *name, int32_t outcome,
                     bool required, const char *fmt, ...)
{
    if (r->oom || !grow(r, (void **)&r->checks, &r->cap_checks, r->n_checks,
                        sizeof *r->checks))
        return;
    char detail[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    ta_check *c = &r->checks[r->n_checks];
    c->name = dup_utf8(r->ctx, name);
    c->detail = dup_utf8(r->ctx, detail);
    c->outcome = outcome;
    c->required = required;
    if (!c->name || !c->detail) {
        ta_free(r->ctx, c->name);
        ta_free(r->ctx, c->detail);
        r->oom = true;
        return;
    }
    r->n_checks++;
}

static void add_fact(teeattest_result *r, const char *key, const char *text,
                     ta_fact_type type)
{
    if (r->oom)
        return;
    /* A later value for the same key replaces the earlier one. */
    for (size_t i = 0; i < r->n_facts; i++) {
        if (strcmp(r->facts[i].key, key) == 0) {
            char *t = dup_utf8(r->ctx, text);
            if (!t) {
                r->oom = true;
                return;
            }
            ta_free(r->ctx, r->facts[i].text);
            r->facts[i].text = t;
            r->facts[i].type = type;
            return;
        }
    }
    if (!grow(r, (void **)&r->facts, &r->cap_facts, r->n_facts,
              sizeof *r->facts))
        return;
    ta_fact *f = &r->facts[r->n_facts];
    f->key = dup_utf8(r->ctx, key);
    f->text = dup_utf8(r->ctx, text);
    f->type = type;
    if (!f->key || !f->text) {
        ta_free(r->ctx, f->key);
        ta_free(r->ctx, f->text);
        r->oom = true;
        return;
    }
    r->n_facts++;
}

void ta_result_fact_str(teeattest_result *r, const char *key, const char *val)
{
    add_fact(r, key, val ? val : "", TA_FACT_STR);
}

void ta_result_fact_int(teeattest_result *r, const char *key, int64_t val)
{
    char t[32];
    snprintf(t, sizeof t, "%" PRId64, val);
    add_fact(r, key, t, TA_FACT_INT);
}

void ta_result_fact_bool(teeattest_result *r, const char *key, bool val)
{
    add_fact(r, key, val ? "true" : "false", TA_FACT_BOOL);
}

static const char *outcome_name(int32_t o)
{
    switch (o) {
    case TEEATTEST_OUTCOME_PASS: return "pass";
    case TEEATTEST_OUTCOME_FAIL: return "fail";
    case TEEATTEST_OUTCOME_SKIP: return "skip";
    case TEEATTEST_OUTCOME_WARN: return "warn";
    default: return "fail";
    }
}

static int render_json(teeattest_result *r)
{
    json_t *root = json_object();
    json_t *checks = json_array();
    json_t *facts = json_object();
    int rc = TEEATTEST_E_NOMEM;
    if (!root || !checks || !facts)
        goto out;
    if (json_object_set_new(root, "verdict",
                            json_string(r->verdict == TEEATTEST_VERDICT_VERIFIED
                                            ? "verified" : "failed")))
        goto out;
    for (size_t i = 0; i < r->n_checks; i++) {
        const ta_check *c = &r->checks[i];
        /* json_pack would reject invalid UTF-8 in a detail; details quote
         * untrusted input, so use the length-taking, non-validating form. */
        json_t *o = json_object();
        if (!o || json_array_append_new(checks, o) ||
            json_object_set_new(o, "name", json_string(c->name)) ||
            json_object_set_new(o, "outcome", json_string(outcome_name(c->outcome))) ||
            json_object_set_new(o, "detail",
                                json_stringn_nocheck(c->detail, strlen(c->detail))) ||
            json_object_set_new(o, "required", json_boolean(c->required)))
            goto out;
    }
    for (size_t i = 0; i < r->n_facts; i++) {
        const ta_fact *f = &r->facts[i];
        json_t *v;
        if (f->type == TA_FACT_INT)
            v = json_integer((json_int_t)strtoll(f->text, NULL, 10));
        else if (f->type == TA_FACT_BOOL)
            v = json_boolean(strcmp(f->text, "true") == 0);
        else
            v = json_stringn_nocheck(f->text, strlen(f->text));
        if (json_object_set_new_nocheck(facts, f->key, v))
            goto out;
    }
    if (json_object_set(root, "checks", checks) ||
        json_object_set(root, "facts", facts))
        goto out;
    char *s = json_dumps(root, JSON_COMPACT);
    if (!s)
        goto out;
    r->json = ta_strdup(r->ctx, s);
    free(s);
    if (!r->json)
        goto out;
    r->json_len = strlen(r->json);
    rc = TEEATTEST_OK;
out:
    json_decref(checks);
    json_decref(facts);
    json_decref(root);
    return rc;
}

int ta_result_finish(teeattest_result *r, teeattest_error *err)
{
    if (r->oom)
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "building the result");
    bool ok = r->n_checks > 0;
    for (size_t i = 0; i < r->n_checks; i++) {
        const ta_check *c = &r->checks[i];
        /* Fail closed: anything but a pass, a warning or an optional skip
         * (including an outcome value this code does not know) fails. */
        bool accepted = c->outcome == TEEATTEST_OUTCOME_PASS ||
                        c->outcome == TEEATTEST_OUTCOME_WARN ||
                        (c->outcome == TEEATTEST_OUTCOME_SKIP && !c->required);
        if (!accepted)
            ok = false;
    }
    r->verdict = ok ? TEEATTEST_VERDICT_VERIFIED : TEEATTEST_VERDICT_FAILED;
    int rc = render_json(r);
    if (rc)
        return ta_error(err, rc, NULL, "rendering the result as JSON");
    return TEEATTEST_OK;
}

TEEATTEST_API int32_t teeattest_result_verdict(const teeattest_result *res)
{
    return res ? res->verdict : TEEATTEST_VERDICT_FAILED;
}

TEEATTEST_API size_t teeattest_result_check_count(const teeattest_result *res)
{
    return res ? res->n_checks : 0;
}

TEEATTEST_API int teeattest_result_check(const teeattest_result *res,
                                         size_t index, const char **name,
                                         int32_t *outcome,
                                         const char **detail,
                                         int32_t *required)
{
    if (!res)
        return TEEATTEST_E_INVALID_ARG;
    if (index >= res->n_checks)
        return TEEATTEST_E_NOT_FOUND;
    const ta_check *c = &res->checks[index];
    if (name)
        *name = c->name;
    if (outcome)
        *outcome = c->outcome;
    if (detail)
        *detail = c->detail;
    if (required)
        *required = c->required;
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_result_find_check(const teeattest_result *res,
                                              const char *name,
                                              int32_t *outcome,
                                              const char **detail)
{
    if (!res || !name)
        return TEEATTEST_E_INVALID_ARG;
    for (size_t i = 0; i < res->n_checks; i++)
        if (strcmp(res->checks[i].name, name) == 0)
            return teeattest_result_check(res, i, NULL, outcome, detail, NULL);
    return TEEATTEST_E_NOT_FOUND;
}

TEEATTEST_API size_t teeattest_result_fact_count(const teeattest_result *res)
{
    return res ? res->n_facts : 0;
}

TEEATTEST_API int teeattest_result_fact_at(const teeattest_result *res,
                                           size_t index, const char **key,
                                           const char **value)
{
    if (!res)
        return TEEATTEST_E_INVALID_ARG;
    if (index >= res->n_facts)
        return TEEATTEST_E_NOT_FOUND;
    if (key)
        *key = res->facts[index].key;
    if (value)
        *value = res->facts[index].text;
    return TEEATTEST_OK;
}

TEEATTEST_API const char *teeattest_result_fact(const teeattest_result *res,
                                                const char *key)
{
    if (!res || !key)
        return NULL;
    for (size_t i = 0; i < res->n_facts; i++)
        if (strcmp(res->facts[i].key, key) == 0)
            return res->facts[i].text;
    return NULL;
}

TEEATTEST_API int teeattest_result_to_json(const teeattest_result *res,
                                           const char **json, size_t *len)
{
    if (!res || !json || !res->json)
        return TEEATTEST_E_INVALID_ARG;
    *json = res->json;
    if (len)
        *len = res->json_len;
    return TEEATTEST_OK;
}

TEEATTEST_API teeattest_result *teeattest_result_ref(teeattest_result *res)
{
    if (res)
        atomic_fetch_add(&res->refs, 1);
    return res;
}

TEEATTEST_API void teeattest_result_free(teeattest_result *res)
{
    if (!res || atomic_fetch_sub(&res->refs, 1) != 1)
        return;
    teeattest_ctx *ctx = res->ctx;
    for (size_t i = 0; i < res->n_checks; i++) {
        ta_free(ctx, res->checks[i].name);
        ta_free(ctx, res->checks[i].detail);
    }
    for (size_t i = 0; i < res->n_facts; i++) {
        ta_free(ctx, res->facts[i].key);
        ta_free(ctx, res->facts[i].text);
    }
    ta_free(ctx, res->checks);
    ta_free(ctx, res->facts);
    ta_free(ctx, res->json);
    ta_free(ctx, res);
    teeattest_ctx_free(ctx);
}
