/*
 * Helpers for the black-box API tests. These programs see only the public
 * headers and the shared library, so fixture values are pulled out of the
 * JSON files with a deliberately tiny extractor rather than a JSON library.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_API_H
#define TA_API_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

#include "teeattest/teeattest.h"

#define API_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* snprintf for building test inputs. Truncation is not a concern there
 * (buffers are sized for the fixtures), and keeping the call out of line
 * keeps -Wformat-truncation quiet about fixture strings whose length the
 * compiler cannot know. */
static __attribute__((unused, noinline, format(printf, 3, 4))) int
api_fmt(char *dst, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(dst, cap, fmt, ap);
    va_end(ap);
    return n;
}

static inline const char *api_show(const char *s)
{
    return s ? s : "(null)";
}

/* A fixture file's bytes (NUL-appended); bails out if it is missing. */
static inline uint8_t *api_fixture(const char *rel, size_t *len)
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

/* The string value found by searching, in order, for each of `path`'s
 * needles and then for `"key"`, e.g. {"\"stream_2part\"", "\"ecdsa\""}
 * then "signature". Only for the fixture files' simple values (no escapes).
 * Copies into out; false if not found or too long. */
static inline bool api_json_str(const char *json, const char *const *path,
                                size_t n_path, const char *key, char *out,
                                size_t cap)
{
    const char *p = json;
    for (size_t i = 0; i < n_path && p; i++) {
        p = strstr(p, path[i]);
        if (p)
            p += strlen(path[i]);
    }
    if (!p)
        return false;
    char k[96];
    snprintf(k, sizeof k, "\"%s\"", key);
    p = strstr(p, k);
    if (!p)
        return false;
    p += strlen(k);
    while (*p == ' ' || *p == '\n' || *p == ':')
        p++;
    if (*p != '"')
        return false;
    p++;
    const char *e = strchr(p, '"');
    if (!e || (size_t)(e - p) >= cap)
        return false;
    memcpy(out, p, (size_t)(e - p));
    out[e - p] = '\0';
    return true;
}

/* One request/response exchange with its signature record. */
typedef struct api_exchange {
    const char *name;
    uint8_t *req, *resp;
    size_t req_len, resp_len;
    char text[512];
    char signature[160];
    char address[80];   /* "" when the record names none */
    char algo[16];      /* "" when the record names none */
    char expected[80];  /* the signer to pin */
    uint8_t *record;    /* the raw signature JSON for real exchanges */
    size_t record_len;
} api_exchange;

static inline void api_exchange_free(api_exchange *x)
{
    free(x->req);
    free(x->resp);
    free(x->record);
    memset(x, 0, sizeof *x);
}

/* A synthetic vector ("nonstream_2part", ...) for one algorithm. */
static inline void api_synthetic(api_exchange *x, const char *vector,
                                 const char *algo)
{
    memset(x, 0, sizeof *x);
    x->name = vector;
    char *vj = (char *)api_fixture(
        "providers/synthetic_signature_vectors/vectors.json", NULL);
    char anchor[96], algo_key[32], file[128], rel[256];
    snprintf(anchor, sizeof anchor, "\"name\": \"%s\"", vector);
    snprintf(algo_key, sizeof algo_key, "\"%s\"", algo);
    const char *top[] = {anchor};
    const char *sub[] = {anchor, algo_key};
    bool ok = api_json_str(vj, top, 1, "text", x->text, sizeof x->text) &&
              api_json_str(vj, sub, 2, "signature", x->signature,
                           sizeof x->signature) &&
              api_json_str(vj, sub, 2, "signing_address", x->address,
                           sizeof x->address) &&
              api_json_str(vj, sub, 2, "signing_algo", x->algo, sizeof x->algo);
    if (ok && api_json_str(vj, top, 1, "request_body_file", file, sizeof file)) {
        snprintf(rel, sizeof rel, "providers/synthetic_signature_vectors/%s", file);
        x->req = api_fixture(rel, &x->req_len);
    }
    if (ok && api_json_str(vj, top, 1, "response_body_file", file, sizeof file)) {
        snprintf(rel, sizeof rel, "providers/synthetic_signature_vectors/%s", file);
        x->resp = api_fixture(rel, &x->resp_len);
    }
    free(vj);
    if (!ok || !x->req || !x->resp) {
        printf("Bail out! synthetic vector %s/%s not found\n", vector, algo);
        exit(1);
    }
    snprintf(x->expected, sizeof x->expected, "%s", x->address);
}

/* A real exchange from real_signatures/<dir>. */
static inline void api_real(api_exchange *x, const char *dir)
{
    memset(x, 0, sizeof *x);
    x->name = dir;
    char rel[256];
    snprintf(rel, sizeof rel, "providers/real_signatures/%s/request_body.json", dir);
    x->req = api_fixture(rel, &x->req_len);
    snprintf(rel, sizeof rel, "providers/real_signatures/%s/response_body.sse", dir);
    x->resp = api_fixture(rel, &x->resp_len);
    snprintf(rel, sizeof rel,
             "providers/real_signatures/%s/signature_response.json", dir);
    x->record = api_fixture(rel, &x->record_len);
    const char *rec = (const char *)x->record;
    bool ok = api_json_str(rec, NULL, 0, "text", x->text, sizeof x->text) &&
              api_json_str(rec, NULL, 0, "signature", x->signature,
                           sizeof x->signature);
    if (!api_json_str(rec, NULL, 0, "signing_address", x->address,
                      sizeof x->address))
        x->address[0] = '\0';
    if (!api_json_str(rec, NULL, 0, "signing_algo", x->algo, sizeof x->algo))
        x->algo[0] = '\0';
    snprintf(rel, sizeof rel, "providers/real_signatures/%s/expected.json", dir);
    char *exp = (char *)api_fixture(rel, NULL);
    ok = ok && api_json_str(exp, NULL, 0, "recovered_address_lowercase",
                            x->expected, sizeof x->expected);
    free(exp);
    if (!ok) {
        printf("Bail out! real exchange %s incomplete\n", dir);
        exit(1);
    }
}

/* ---- counting allocator (thread-safe) ----------------------------------- */

typedef struct api_alloc_stats {
    pthread_mutex_t lock;
    size_t live, total, bad;
} api_alloc_stats;

#define API_MAGIC 0x6170697465737473ULL

static inline void *api_alloc(void *ud, size_t n)
{
    api_alloc_stats *s = ud;
    if (n > SIZE_MAX - 16)
        return NULL;
    uint64_t *p = malloc(n + 16);
    if (!p)
        return NULL;
    p[0] = API_MAGIC;
    pthread_mutex_lock(&s->lock);
    s->live++;
    s->total++;
    pthread_mutex_unlock(&s->lock);
    return p + 2;
}

static inline void *api_realloc(void *ud, void *ptr, size_t n)
{
    api_alloc_stats *s = ud;
    if (!ptr)
        return api_alloc(ud, n);
    uint64_t *h = (uint64_t *)ptr - 2;
    if (h[0] != API_MAGIC || n > SIZE_MAX - 16) {
        pthread_mutex_lock(&s->lock);
        s->bad += h[0] != API_MAGIC;
        pthread_mutex_unlock(&s->lock);
        return NULL;
    }
    uint64_t *p = realloc(h, n + 16);
    return p ? p + 2 : NULL;
}

static inline void api_free(void *ud, void *ptr)
{
    api_alloc_stats *s = ud;
    if (!ptr)
        return;
    uint64_t *h = (uint64_t *)ptr - 2;
    pthread_mutex_lock(&s->lock);
    if (h[0] != API_MAGIC) {
        s->bad++;
        pthread_mutex_unlock(&s->lock);
        return;
    }
    s->live--;
    pthread_mutex_unlock(&s->lock);
    h[0] = 0;
    free(h);
}

static inline void api_stats_init(api_alloc_stats *s)
{
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->lock, NULL);
}

static inline teeattest_ctx *api_ctx_with(api_alloc_stats *s)
{
    teeattest_allocator a = {sizeof a, s, api_alloc, api_realloc, api_free};
    teeattest_ctx_options o = TEEATTEST_CTX_OPTIONS_INIT;
    o.allocator = &a;
    teeattest_ctx *ctx = NULL;
    if (teeattest_ctx_new(&ctx, &o, NULL) != TEEATTEST_OK) {
        printf("Bail out! teeattest_ctx_new failed\n");
        exit(1);
    }
    return ctx;
}

static inline teeattest_ctx *api_ctx(void)
{
    teeattest_ctx *ctx = NULL;
    if (teeattest_ctx_new(&ctx, NULL, NULL) != TEEATTEST_OK) {
        printf("Bail out! teeattest_ctx_new failed\n");
        exit(1);
    }
    return ctx;
}

/* Outcome of a named check, or -1 if the checklist lacks it. */
static inline int32_t api_outcome(const teeattest_result *r, const char *name)
{
    int32_t o = 0;
    return teeattest_result_find_check(r, name, &o, NULL, NULL) == TEEATTEST_OK ? o : -1;
}

/* Verify and return the verdict (-1000 - status when the call failed). */
static inline int api_verdict(const teeattest_signature *sig,
                              const teeattest_policy *pol, const char *expected,
                              const uint8_t *req, size_t req_len,
                              const uint8_t *resp, size_t resp_len)
{
    teeattest_result *r = NULL;
    int rc = teeattest_signature_verify(sig, &r, pol, expected, req, req_len,
                                        resp, resp_len, NULL);
    if (rc != TEEATTEST_OK)
        return -1000 + rc;
    int v = teeattest_result_verdict(r);
    teeattest_result_free(r);
    return v;
}

#endif /* TA_API_H */
