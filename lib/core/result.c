/*
 * Verification results: builder (internal) and read-only public API.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "core.h"

int ta_result_new(teeattest_ctx *ctx, teeattest_result **out)
{
    teeattest_result *r = ta_calloc(ctx, 1, sizeof *r);
    if (!r)
        return TEEATTEST_E_NOMEM;
    atomic_init(&r->refs, 1);
    atomic_init(&r->json, NULL);
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

/* Length of the longest prefix of s[0..len) that is valid UTF-8. ASCII,
 * by far the common case, is skipped eight bytes at a time: copying check
 * details and facts is a measurable part of a signature verification. */
static size_t utf8_valid_prefix(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        if (len - i >= 8) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (!(w & UINT64_C(0x8080808080808080))) {
                i += 8;
                continue;
            }
        }
        size_t n = utf8_seq(s + i);
        if (!n)
            break;
        i += n;
    }
    return i;
}

/* Copy a string that may quote untrusted bytes (a model name, a header
 * value), or end in a character cut by a length limit, replacing every
 * byte that is not part of well-formed UTF-8 with U+FFFD. Result strings
 * are documented as UTF-8, and JSON output needs it. */
static char *dup_utf8(const teeattest_ctx *ctx, const char *str)
{
    static const char repl[] = "\xef\xbf\xbd";
    const unsigned char *s = (const unsigned char *)str;
    size_t len = strlen(str);
    if (utf8_valid_prefix(s, len) == len) {
        char *copy = ta_malloc(ctx, len + 1);
        if (copy)
            memcpy(copy, str, len + 1);
        return copy;
    }
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
    char full[256];
    if (r->prefix[0]) {
        snprintf(full, sizeof full, "%s%s", r->prefix, name);
        name = full;
    }
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

void ta_checks_vadd(ta_checks *c, const char *name, int32_t outcome,
                    bool required, const char *fmt, va_list ap)
{
    bool bad = outcome == TEEATTEST_OUTCOME_FAIL ||
               (outcome == TEEATTEST_OUTCOME_SKIP && required);
    if (outcome == TEEATTEST_OUTCOME_FAIL) {
        c->failed = true;
        if (!c->first_fail)
            c->first_fail = name;
    } else if (bad) {
        c->req_skip = true;
    }
    if (bad && !c->first_bad)
        c->first_bad = name;
    if (!c->r)
        return;
    char detail[1024];
    size_t max = c->detail_max && c->detail_max < sizeof detail
                     ? c->detail_max : sizeof detail;
    vsnprintf(detail, max, fmt, ap);
    ta_result_check(c->r, name, outcome, required, "%s", detail);
}

void ta_checks_add(ta_checks *c, const char *name, int32_t outcome,
                   bool required, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ta_checks_vadd(c, name, outcome, required, fmt, ap);
    va_end(ap);
}

static bool is_unverified(const char *key)
{
    return strncmp(key, TA_UNVERIFIED, sizeof TA_UNVERIFIED - 1) == 0;
}

static void add_fact(teeattest_result *r, const char *key, const char *text,
                     ta_fact_type type)
{
    if (r->oom)
        return;
    /* "unverified." always leads the key, before the prefix: a fact
     * copied from a failed result stays marked wherever it goes. */
    bool unverified = is_unverified(key);
    if (unverified)
        key += sizeof TA_UNVERIFIED - 1;
    char full[256];
    if (unverified || r->prefix[0]) {
        snprintf(full, sizeof full, "%s%s%s",
                 unverified ? TA_UNVERIFIED : "", r->prefix, key);
        key = full;
    }
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

void ta_result_fact_unbound_str(teeattest_result *r, const char *key,
                                const char *val)
{
    char full[256];
    snprintf(full, sizeof full, "%s%s", TA_UNVERIFIED, key);
    add_fact(r, full, val ? val : "", TA_FACT_STR);
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

void ta_result_set_prefix(teeattest_result *r, const char *prefix)
{
    snprintf(r->prefix, sizeof r->prefix, "%s", prefix ? prefix : "");
}

TEEATTEST_API const char *teeattest_outcome_name(int32_t outcome)
{
    switch (outcome) {
    case TEEATTEST_OUTCOME_PASS: return "pass";
    case TEEATTEST_OUTCOME_FAIL: return "fail";
    case TEEATTEST_OUTCOME_SKIP: return "skip";
    case TEEATTEST_OUTCOME_WARN: return "warn";
    default: return "unknown";
    }
}

TEEATTEST_API const char *teeattest_verdict_name(int32_t verdict)
{
    switch (verdict) {
    case TEEATTEST_VERDICT_VERIFIED: return "verified";
    case TEEATTEST_VERDICT_FAILED: return "failed";
    default: return "unknown";
    }
}

/* Result strings are well-formed UTF-8 (see dup_utf8). */
static int json_string_out(ta_buf *b, const char *s)
{
    return ta_json_put_string(b, s, strlen(s), 0);
}

/* {"verdict":…,"checks":[…],"facts":{…}}, compact, in checklist order. */
static int render_json(const teeattest_result *r, ta_json **out)
{
    ta_buf b;
    ta_buf_init(&b, r->ctx, 0);
    ta_json head = {0};
    int rc = ta_buf_append(&b, &head, sizeof head);
    if (rc == TEEATTEST_OK)
        rc = ta_buf_append_str(&b, r->verdict == TEEATTEST_VERDICT_VERIFIED
                                       ? "{\"verdict\":\"verified\",\"checks\":["
                                       : "{\"verdict\":\"failed\",\"checks\":[");
    for (size_t i = 0; rc == TEEATTEST_OK && i < r->n_checks; i++) {
        const ta_check *c = &r->checks[i];
        rc = ta_buf_append_str(&b, i ? ",{\"name\":" : "{\"name\":");
        if (rc == TEEATTEST_OK)
            rc = json_string_out(&b, c->name);
        if (rc == TEEATTEST_OK)
            rc = ta_buf_printf(&b, ",\"outcome\":\"%s\",\"detail\":",
                               teeattest_outcome_name(c->outcome));
        if (rc == TEEATTEST_OK)
            rc = json_string_out(&b, c->detail);
        if (rc == TEEATTEST_OK)
            rc = ta_buf_append_str(&b, c->required ? ",\"required\":true}"
                                                   : ",\"required\":false}");
    }
    if (rc == TEEATTEST_OK)
        rc = ta_buf_append_str(&b, "],\"facts\":{");
    for (size_t i = 0; rc == TEEATTEST_OK && i < r->n_facts; i++) {
        const ta_fact *f = &r->facts[i];
        if (i)
            rc = ta_buf_append(&b, ",", 1);
        if (rc == TEEATTEST_OK)
            rc = json_string_out(&b, f->key);
        if (rc == TEEATTEST_OK)
            rc = ta_buf_append(&b, ":", 1);
        /* Integer and boolean facts hold text this library wrote itself
         * ("%lld", "true"/"false"), so it is already valid JSON. */
        if (rc == TEEATTEST_OK)
            rc = f->type == TA_FACT_STR ? json_string_out(&b, f->text)
                                        : ta_buf_append_str(&b, f->text);
    }
    if (rc == TEEATTEST_OK)
        rc = ta_buf_append_str(&b, "}}");
    if (rc == TEEATTEST_OK)
        rc = ta_buf_terminate(&b);
    if (rc) {
        ta_buf_free(&b);
        return rc == TEEATTEST_E_NOMEM ? rc : TEEATTEST_E_INTERNAL;
    }
    size_t len;
    ta_json *j = (ta_json *)ta_buf_steal(&b, &len);
    j->len = len - sizeof head;
    *out = j;
    return TEEATTEST_OK;
}

/* A failed verdict vouches for nothing: every fact is renamed
 * "unverified.<key>" (kept for diagnostics), so that no caller who forgets
 * the verdict reads a signer, key or measurement under its plain name. A
 * fact that already has the name of its renamed form replaces nothing: the
 * plain one is dropped. */
static int mark_unverified(teeattest_result *r)
{
    size_t out = 0, n = r->n_facts;
    for (size_t i = 0; i < n; i++) {
        ta_fact f = r->facts[i];
        if (!is_unverified(f.key)) {
            size_t len = strlen(f.key);
            char *key = ta_malloc(r->ctx, sizeof TA_UNVERIFIED + len);
            if (!key) {
                /* Keep the facts not yet looked at, so that they are
                 * freed with the result. */
                memmove(&r->facts[out], &r->facts[i], (n - i) * sizeof f);
                r->n_facts = out + (n - i);
                return TEEATTEST_E_NOMEM;
            }
            memcpy(key, TA_UNVERIFIED, sizeof TA_UNVERIFIED - 1);
            memcpy(key + sizeof TA_UNVERIFIED - 1, f.key, len + 1);
            ta_free(r->ctx, f.key);
            f.key = key;
            bool taken = false;
            for (size_t j = 0; j < out && !taken; j++)
                taken = strcmp(r->facts[j].key, key) == 0;
            for (size_t j = i + 1; j < n && !taken; j++)
                taken = strcmp(r->facts[j].key, key) == 0;
            if (taken) {
                ta_free(r->ctx, f.key);
                ta_free(r->ctx, f.text);
                continue;
            }
        }
        r->facts[out++] = f;
    }
    r->n_facts = out;
    return TEEATTEST_OK;
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
    if (!ok && mark_unverified(r))
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "building the result");
    r->finished = true;
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
                                         int32_t *required,
                                         teeattest_error *err)
{
    if (!res)
        return TA_INVALID(err, "res is NULL");
    if (index >= res->n_checks)
        return ta_error(err, TEEATTEST_E_NOT_FOUND, "index",
                        "check %zu: the result has %zu", index,
                        res->n_checks);
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
                                              const char **detail,
                                              teeattest_error *err)
{
    if (!res || !name)
        return TA_INVALID(err, !res ? "res is NULL" : "name is NULL");
    for (size_t i = 0; i < res->n_checks; i++)
        if (strcmp(res->checks[i].name, name) == 0)
            return teeattest_result_check(res, i, NULL, outcome, detail, NULL,
                                          err);
    return ta_error(err, TEEATTEST_E_NOT_FOUND, "name",
                    "the result has no check named %.80s", name);
}

TEEATTEST_API size_t teeattest_result_fact_count(const teeattest_result *res)
{
    return res ? res->n_facts : 0;
}

TEEATTEST_API int teeattest_result_fact_at(const teeattest_result *res,
                                           size_t index, const char **key,
                                           const char **value,
                                           teeattest_error *err)
{
    if (!res)
        return TA_INVALID(err, "res is NULL");
    if (index >= res->n_facts)
        return ta_error(err, TEEATTEST_E_NOT_FOUND, "index",
                        "fact %zu: the result has %zu", index, res->n_facts);
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

TEEATTEST_API int teeattest_result_verified_signer(const teeattest_result *res,
                                                   const char **signer,
                                                   const char **algo,
                                                   teeattest_error *err)
{
    if (signer)
        *signer = NULL;
    if (algo)
        *algo = NULL;
    if (!res || !signer)
        return TA_INVALID(err, !res ? "res is NULL" : "signer is NULL");
    if (!res->finished || res->verdict != TEEATTEST_VERDICT_VERIFIED)
        return ta_error(err, TEEATTEST_E_NOT_VERIFIED, NULL,
                        "the verdict is not verified: the result vouches for "
                        "no signer");
    const char *s = teeattest_result_fact(res, "signer");
    if (!s)
        return ta_error(err, TEEATTEST_E_NOT_FOUND, "signer",
                        "the result names no single signer");
    const char *a = teeattest_result_fact(res, "signing_algo");
    *signer = s;
    if (algo)
        *algo = a ? a : teeattest_result_fact(res, "algorithm");
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_result_to_json(const teeattest_result *res,
                                           const char **json, size_t *len,
                                           teeattest_error *err)
{
    if (!res || !json || !res->finished)
        return TA_INVALID(err, !res ? "res is NULL"
                               : !json ? "json is NULL"
                                       : "the result is not finished");
    /* The cache is the only part of a finished result that changes; it is
     * atomic, so the const here is logical constness. */
    teeattest_result *r = (teeattest_result *)res;
    ta_json *j = atomic_load_explicit(&r->json, memory_order_acquire);
    if (!j) {
        ta_json *mine;
        int rc = render_json(r, &mine);
        if (rc)
            return ta_error(err, rc, NULL, "rendering the result as JSON");
        /* Two threads may render at once: the first to publish wins and
         * the other frees its identical copy. */
        if (atomic_compare_exchange_strong_explicit(
                &r->json, &j, mine, memory_order_acq_rel,
                memory_order_acquire))
            j = mine;
        else
            ta_free(r->ctx, mine);
    }
    *json = j->text;
    if (len)
        *len = j->len;
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
    ta_free(ctx, atomic_load_explicit(&res->json, memory_order_acquire));
    ta_free(ctx, res);
    teeattest_ctx_free(ctx);
}
