/*
 * One request through the built-in libcurl transport (ta_http_perform on a
 * context without a custom transport), for tests/integration/
 * test_transport.py. Prints one JSON object:
 *
 *   {"rc", "code", "message", "backend_code", "status", "headers",
 *    "body_sha256", "body_len", "spki_sha256", "chunks", "events"}
 *
 * Usage: transport-client METHOD URL [--body FILE] [--stream] [--peer-key]
 *          [--ca-file FILE] [--pinned-key KEY] [--header "Name: value"]...
 *          [--max-body N] [--connect-ms N] [--total-ms N] [--idle-ms N]
 *          [--cancel-after N] [--body-out FILE] [--repeat N] [--threads N]
 *
 * `--repeat` performs the request N times on one context (connection and
 * handle reuse) and reports the last one. `--threads N` first runs N
 * threads doing the same request `repeat` times each on the shared context
 * (the handle pool and the shared DNS/TLS caches under contention) and
 * reports in "thread_failures" how many of those requests failed or got a
 * different body. Exit status 0 when the JSON was printed, 2 on a usage
 * error.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "transport/sse.h"
#include "transport/transport.h"

typedef struct state {
    size_t chunks;
    size_t cancel_after; /* 0 = never */
    bool stream;
    ta_sse sse;
    char **events;
    size_t n_events, cap_events;
} state;

static void json_str(const char *s, size_t len)
{
    putchar('"');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static int on_event(void *ud, const char *event, const char *data, size_t len)
{
    (void)event;
    state *st = ud;
    if (st->n_events == st->cap_events) {
        size_t cap = st->cap_events ? st->cap_events * 2 : 16;
        char **e = realloc(st->events, cap * sizeof *e);
        if (!e)
            return TEEATTEST_E_NOMEM;
        st->events = e;
        st->cap_events = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return TEEATTEST_E_NOMEM;
    memcpy(copy, data, len + 1);
    st->events[st->n_events++] = copy;
    return 0;
}

static int on_chunk(void *ud, const uint8_t *data, size_t len)
{
    state *st = ud;
    st->chunks++;
    if (st->cancel_after && st->chunks >= st->cancel_after)
        return 1;
    return st->stream ? ta_sse_feed(&st->sse, data, len) : 0;
}

static void hex_sha256(const teeattest_ctx *ctx, const uint8_t *p, size_t n)
{
    uint8_t d[32];
    char hex[65];
    if (ta_sha256(ctx, d, p ? p : (const uint8_t *)"", n) != TEEATTEST_OK) {
        printf("null");
        return;
    }
    ta_hex_encode(hex, d, sizeof d);
    printf("\"%s\"", hex);
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    size_t r;
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            uint8_t *nb = realloc(buf, cap * 2);
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
    *len = n;
    return buf;
}

typedef struct worker {
    teeattest_ctx *ctx;
    const teeattest_http_request *req;
    long repeat;
    uint8_t want[32];
    bool have_want;
    atomic_long *failures;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    for (long i = 0; i < w->repeat; i++) {
        teeattest_http_response resp;
        ta_http_response_init(&resp, w->ctx, 0, NULL, NULL);
        int rc = ta_http_perform(w->ctx, &resp, w->req, NULL);
        uint8_t d[32];
        if (rc || ta_sha256(w->ctx, d, resp.body.data ? resp.body.data
                                                      : (const uint8_t *)"",
                            resp.body.len) ||
            (w->have_want && memcmp(d, w->want, 32) != 0))
            atomic_fetch_add(w->failures, 1);
        ta_http_response_clear(&resp);
    }
    return NULL;
}

static int usage(void)
{
    fprintf(stderr, "usage: transport-client METHOD URL [options]\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return usage();
    teeattest_http_request req;
    memset(&req, 0, sizeof req);
    req.struct_size = sizeof req;
    req.method = argv[1];
    req.url = argv[2];
    const char *headers[32];
    size_t n_headers = 0;
    uint8_t *body = NULL;
    const char *body_out = NULL;
    long repeat = 1, threads = 0;
    state st;
    memset(&st, 0, sizeof st);
    for (int i = 3; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--stream") == 0) {
            req.flags |= TEEATTEST_HTTP_STREAM;
            st.stream = true;
            continue;
        }
        if (strcmp(a, "--peer-key") == 0) {
            req.flags |= TEEATTEST_HTTP_PEER_KEY;
            continue;
        }
        if (!v)
            return usage();
        i++;
        if (strcmp(a, "--body") == 0) {
            body = read_file(v, &req.body_len);
            if (!body) {
                fprintf(stderr, "cannot read %s\n", v);
                return 2;
            }
            req.body = body;
        } else if (strcmp(a, "--ca-file") == 0) {
            req.ca_file = v;
        } else if (strcmp(a, "--pinned-key") == 0) {
            req.pinned_key = v;
        } else if (strcmp(a, "--header") == 0) {
            if (n_headers == 32)
                return usage();
            headers[n_headers++] = v;
        } else if (strcmp(a, "--max-body") == 0) {
            req.max_body_size = strtoull(v, NULL, 10);
        } else if (strcmp(a, "--connect-ms") == 0) {
            req.connect_timeout_ms = (uint32_t)strtoul(v, NULL, 10);
        } else if (strcmp(a, "--total-ms") == 0) {
            req.total_timeout_ms = (uint32_t)strtoul(v, NULL, 10);
        } else if (strcmp(a, "--idle-ms") == 0) {
            req.idle_timeout_ms = (uint32_t)strtoul(v, NULL, 10);
        } else if (strcmp(a, "--cancel-after") == 0) {
            st.cancel_after = strtoul(v, NULL, 10);
        } else if (strcmp(a, "--body-out") == 0) {
            body_out = v;
        } else if (strcmp(a, "--threads") == 0) {
            threads = strtol(v, NULL, 10);
            if (threads < 1 || threads > 64)
                return usage();
        } else if (strcmp(a, "--repeat") == 0) {
            repeat = strtol(v, NULL, 10);
            if (repeat < 1)
                return usage();
        } else {
            return usage();
        }
    }
    req.headers = headers;
    req.header_count = n_headers;

    teeattest_ctx *ctx = NULL;
    if (teeattest_ctx_new(&ctx, NULL, NULL) != TEEATTEST_OK) {
        fprintf(stderr, "teeattest_ctx_new failed\n");
        return 1;
    }
    atomic_long failures = 0;
    if (threads) {
        /* The reference body: one request before the threads start. */
        worker w[64];
        pthread_t tid[64];
        teeattest_http_response ref;
        ta_http_response_init(&ref, ctx, 0, NULL, NULL);
        uint8_t want[32];
        bool have = ta_http_perform(ctx, &ref, &req, NULL) == TEEATTEST_OK &&
                    ta_sha256(ctx, want, ref.body.data ? ref.body.data
                                                       : (const uint8_t *)"",
                              ref.body.len) == TEEATTEST_OK;
        ta_http_response_clear(&ref);
        long started = 0;
        for (long t = 0; t < threads; t++) {
            w[t] = (worker){ctx, &req, repeat, {0}, have, &failures};
            memcpy(w[t].want, want, sizeof want);
            if (pthread_create(&tid[t], NULL, work, &w[t]) != 0)
                break;
            started++;
        }
        for (long t = 0; t < started; t++)
            pthread_join(tid[t], NULL);
        if (!have || started != threads)
            failures += 1000000;
    }
    teeattest_http_response resp;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    int rc = 0;
    for (long r = 0; r < repeat; r++) {
        if (r) {
            ta_http_response_clear(&resp);
            ta_sse_clear(&st.sse);
            for (size_t i = 0; i < st.n_events; i++)
                free(st.events[i]);
            st.n_events = 0;
            st.chunks = 0;
        }
        ta_sse_init(&st.sse, ctx, on_event, &st);
        ta_http_response_init(&resp, ctx, 0, on_chunk, &st);
        err = (teeattest_error)TEEATTEST_ERROR_INIT;
        rc = ta_http_perform(ctx, &resp, &req, &err);
        if (rc == TEEATTEST_OK && st.stream)
            rc = ta_sse_finish(&st.sse, true);
    }

    if (body_out) {
        FILE *f = fopen(body_out, "wb");
        if (f) {
            if (resp.body.len)
                fwrite(resp.body.data, 1, resp.body.len, f);
            fclose(f);
        }
    }
    printf("{\"rc\": %d, \"code\": \"%s\", \"message\": ", rc,
           teeattest_status_name(rc));
    json_str(rc ? err.message : "", rc ? strlen(err.message) : 0);
    printf(", \"backend_code\": %d, \"status\": %d, \"headers\": [",
           (int)err.backend_code, (int)resp.status);
    for (size_t i = 0; i < resp.n_headers; i++) {
        printf(i ? ", [" : "[");
        json_str(resp.headers[i].name, strlen(resp.headers[i].name));
        printf(", ");
        json_str(resp.headers[i].value, strlen(resp.headers[i].value));
        printf("]");
    }
    printf("], \"body_sha256\": ");
    hex_sha256(ctx, resp.body.data, resp.body.len);
    printf(", \"body_len\": %zu, \"spki_sha256\": ", resp.body.len);
    if (resp.spki_len)
        hex_sha256(ctx, resp.spki, resp.spki_len);
    else
        printf("null");
    printf(", \"thread_failures\": %ld", (long)atomic_load(&failures));
    printf(", \"chunks\": %zu, \"events\": [", st.chunks);
    for (size_t i = 0; i < st.n_events; i++) {
        if (i)
            printf(", ");
        json_str(st.events[i], strlen(st.events[i]));
    }
    printf("]}\n");

    for (size_t i = 0; i < st.n_events; i++)
        free(st.events[i]);
    free(st.events);
    ta_sse_clear(&st.sse);
    ta_http_response_clear(&resp);
    teeattest_ctx_free(ctx);
    free(body);
    return 0;
}
