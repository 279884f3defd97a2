/*
 * Performing requests: a fake transport plugged in through the public
 * teeattest_ctx_options.transport, and the sleep hook counting the waits.
 * Exact request bytes reach the transport; idempotent GETs are retried on
 * 429/502/503/504 and transport errors with backoff (Retry-After honoured
 * and capped); a POST never is; the body limit, chunk cancellation and the
 * sticky write error hold even against a transport that ignores them;
 * PASSTHROUGH falls back to the built-in libcurl transport. ta_request's
 * deadline (its own and the context's, the earlier winning) cuts each
 * attempt's limits and stops attempts once passed.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <time.h>

#include "unit.h"

#include "providers/providers.h"
#include "transport/transport.h"

/* ---- the fake transport ------------------------------------------------ */

typedef struct step {
    int rc;                 /* returned by the transport */
    int32_t status;         /* 0 = not set */
    const char *retry_after; /* header value, or NULL */
    const char *body;       /* written in pieces of `piece` bytes */
    size_t piece;           /* 0 = all at once */
    bool ignore_refusal;    /* carry on writing after a refused write */
} step;

typedef struct fake {
    const step *steps;
    size_t n_steps;
    size_t calls, stream_calls;
    /* what the last call received */
    char method[8];
    char url[256];
    char headers[16][512];
    size_t n_headers;
    uint8_t body[4096];
    size_t body_len;
    bool body_null;
    uint32_t flags;
    uint32_t connect_ms, total_ms, idle_ms;
    uint64_t max_body;
    char ca_file[64], pinned_key[128];
    int last_write_rc;
    size_t writes_after_refusal;
    bool released;
} fake;

typedef struct sleeps {
    uint32_t ms[32];
    size_t n;
} sleeps;

static int fake_sleep(void *ud, uint32_t ms)
{
    sleeps *s = ud;
    if (s->n < TA_ARRAY_LEN(s->ms))
        s->ms[s->n] = ms;
    s->n++;
    return 0;
}

static void copy_str(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "(null)");
}

static int fake_common(fake *f, teeattest_http_response *resp,
                       const teeattest_http_request *req)
{
    size_t i = f->calls < f->n_steps ? f->calls : f->n_steps - 1;
    f->calls++;
    const step *s = &f->steps[i];
    copy_str(f->method, sizeof f->method, req->method);
    copy_str(f->url, sizeof f->url, req->url);
    f->n_headers = req->header_count < 16 ? req->header_count : 16;
    for (size_t h = 0; h < f->n_headers; h++)
        copy_str(f->headers[h], sizeof f->headers[h], req->headers[h]);
    f->body_null = req->body == NULL;
    f->body_len = req->body_len;
    if (req->body_len && req->body_len <= sizeof f->body)
        memcpy(f->body, req->body, req->body_len);
    f->flags = req->flags;
    f->connect_ms = req->connect_timeout_ms;
    f->total_ms = req->total_timeout_ms;
    f->idle_ms = req->idle_timeout_ms;
    f->max_body = req->max_body_size;
    copy_str(f->ca_file, sizeof f->ca_file, req->ca_file);
    copy_str(f->pinned_key, sizeof f->pinned_key, req->pinned_key);
    f->last_write_rc = 0;
    f->writes_after_refusal = 0;

    char name[32];
    snprintf(name, sizeof name, "X-Attempt");
    char val[16];
    snprintf(val, sizeof val, "%zu", f->calls);
    if (s->status) {
        if (teeattest_http_response_set_status(resp, s->status))
            return TEEATTEST_E_INTERNAL;
        if (teeattest_http_response_add_header(resp, name, strlen(name), val,
                                               strlen(val)))
            return TEEATTEST_E_INTERNAL;
        if (s->retry_after &&
            teeattest_http_response_add_header(resp, "Retry-After", 11,
                                               s->retry_after,
                                               strlen(s->retry_after)))
            return TEEATTEST_E_INTERNAL;
    }
    if (s->body) {
        size_t len = strlen(s->body);
        size_t piece = s->piece ? s->piece : (len ? len : 1);
        for (size_t at = 0; at < len; at += piece) {
            size_t n = len - at < piece ? len - at : piece;
            int rc = teeattest_http_response_write(
                resp, (const uint8_t *)s->body + at, n);
            if (f->last_write_rc)
                f->writes_after_refusal++;
            if (rc) {
                f->last_write_rc = rc;
                if (!s->ignore_refusal)
                    return rc;
            }
        }
    }
    return s->rc;
}

static int fake_request(void *ud, teeattest_http_response *resp,
                        const teeattest_http_request *req)
{
    return fake_common(ud, resp, req);
}

static int fake_stream(void *ud, teeattest_http_response *resp,
                       const teeattest_http_request *req)
{
    fake *f = ud;
    f->stream_calls++;
    return fake_common(f, resp, req);
}

static void fake_release(void *ud)
{
    ((fake *)ud)->released = true;
}

typedef struct env {
    unit_alloc_stats st;
    fake f;
    sleeps sl;
    teeattest_ctx *ctx;
    teeattest_provider p;
} env;

static void env_init(env *e, bool with_stream)
{
    memset(e, 0, sizeof *e);
    teeattest_allocator a = unit_allocator(&e->st);
    teeattest_transport t = TEEATTEST_TRANSPORT_INIT;
    t.user_data = &e->f;
    t.request = fake_request;
    t.stream = with_stream ? fake_stream : NULL;
    t.release = fake_release;
    teeattest_ctx_options o = TEEATTEST_CTX_OPTIONS_INIT;
    o.allocator = &a;
    o.transport = &t;
    o.sleep = fake_sleep;
    o.sleep_user_data = &e->sl;
    if (teeattest_ctx_new(&e->ctx, &o, NULL) != TEEATTEST_OK) {
        printf("Bail out! teeattest_ctx_new failed\n");
        exit(1);
    }
    /* What provider_new would set: the defaults documented there. */
    e->p.ctx = e->ctx;
    e->p.max_retries = 2;
    e->p.connect_ms = 10000;
    e->p.total_ms = 120000;
    e->p.idle_ms = 60000;
    e->p.max_body = 64u * 1024 * 1024;
}

static void env_script(env *e, const step *steps, size_t n)
{
    e->f.steps = steps;
    e->f.n_steps = n;
    e->f.calls = e->f.stream_calls = 0;
    e->sl.n = 0;
}

static void env_free(env *e)
{
    teeattest_ctx_free(e->ctx);
    CHECK(e->f.released);
    CHECK_EQ_INT(e->st.live, 0);
    CHECK_EQ_INT(e->st.bad, 0);
}

static void make_call(env *e, ta_call *c, const char *method, bool idem)
{
    memset(c, 0, sizeof *c);
    c->method = method;
    c->url = ta_strdup(e->ctx, "https://provider.test/v1/x?nonce=00");
    c->idempotent = idem;
    if (!c->url) {
        printf("Bail out! no memory\n");
        exit(1);
    }
}

/* ---- tests ------------------------------------------------------------- */

static void test_headers_api(void)
{
    env e;
    env_init(&e, false);
    ta_call c;
    make_call(&e, &c, "GET", true);
    CHECK_EQ_INT(ta_call_add_header(e.ctx, &c, "Authorization",
                                    "Bearer sk-secret"), TEEATTEST_OK);
    CHECK_STR(c.headers[0], "Authorization: Bearer sk-secret");
    CHECK_EQ_INT(ta_call_add_header(e.ctx, &c, "Accept", ""), TEEATTEST_OK);
    CHECK_STR(c.headers[1], "Accept: ");
    /* Header injection and malformed names are refused. */
    CHECK_EQ_INT(ta_call_add_header(e.ctx, &c, "X", "a\r\nEvil: 1"),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(ta_call_add_header(e.ctx, &c, "X", "a\nb"),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(ta_call_add_header(e.ctx, &c, "X: y", "v"),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(ta_call_add_header(e.ctx, &c, "X Y", "v"),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(ta_call_add_header(e.ctx, &c, "", "v"),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(ta_call_add_header(e.ctx, &c, NULL, "v"),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(ta_call_add_header(e.ctx, &c, "X", NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(c.n_headers, 2);
    int rc = TEEATTEST_OK;
    while (rc == TEEATTEST_OK)
        rc = ta_call_add_header(e.ctx, &c, "X-Many", "1");
    CHECK_EQ_INT(rc, TEEATTEST_E_TOO_LARGE);
    CHECK_EQ_INT(c.n_headers, TA_CALL_HEADERS_MAX);
    ta_call_clear(e.ctx, &c);
    CHECK(c.url == NULL && c.n_headers == 0);
    ta_call_clear(e.ctx, &c); /* twice is fine */
    ta_call_clear(e.ctx, NULL);

    /* Allocation failure. */
    make_call(&e, &c, "GET", true);
    e.st.calls = 0;
    e.st.fail_at = 1;
    CHECK_EQ_INT(ta_call_add_header(e.ctx, &c, "A", "b"), TEEATTEST_E_NOMEM);
    e.st.fail_at = 0;
    CHECK_EQ_INT(c.n_headers, 0);
    ta_call_clear(e.ctx, &c);
    env_free(&e);
}

static void test_exact_request(void)
{
    env e;
    env_init(&e, false);
    static const step ok[] = {{0, 200, NULL, "{}", 0, false}};
    env_script(&e, ok, 1);
    ta_call c;
    make_call(&e, &c, "POST", false);
    /* Bytes a re-encoding would change: CRLF, NUL, invalid UTF-8, spaces. */
    static const uint8_t body[] = "{ \"a\" :\r\n\"\xff\x00\xc3\x28\" , \"b\":1 }  ";
    c.body = ta_malloc(e.ctx, sizeof body);
    memcpy(c.body, body, sizeof body);
    c.body_len = sizeof body; /* includes the final NUL on purpose */
    CHECK_EQ_INT(ta_call_add_header(e.ctx, &c, "Content-Type",
                                    "application/json"), TEEATTEST_OK);
    CHECK_EQ_INT(ta_call_add_header(e.ctx, &c, "Authorization", "Bearer k"),
                 TEEATTEST_OK);
    e.p.ca_file = "/ca.pem";
    e.p.pinned_key = "sha256//AAAA";
    e.p.connect_ms = 1111;
    e.p.total_ms = 2222;
    e.p.idle_ms = 3333;
    e.p.max_body = 4444;

    teeattest_http_response resp;
    ta_http_response_init(&resp, e.ctx, 0, NULL, NULL);
    teeattest_error err = TEEATTEST_ERROR_INIT;
    CHECK_EQ_INT(ta_call_perform(&e.p, &c, TEEATTEST_HTTP_PEER_KEY, &resp,
                                 &err), TEEATTEST_OK);
    CHECK_EQ_INT(err.code, 0); /* untouched on success */
    CHECK_EQ_INT(e.f.calls, 1);
    CHECK_STR(e.f.method, "POST");
    CHECK_STR(e.f.url, "https://provider.test/v1/x?nonce=00");
    CHECK_EQ_INT(e.f.body_len, sizeof body);
    CHECK(memcmp(e.f.body, body, sizeof body) == 0);
    CHECK_EQ_INT(e.f.n_headers, 3);
    CHECK_STR(e.f.headers[0], "Content-Type: application/json");
    CHECK_STR(e.f.headers[1], "Authorization: Bearer k");
    CHECK_STR(e.f.headers[2], "User-Agent: libteeattest/" TEEATTEST_VERSION_STRING);
    /* A POST is not idempotent whatever the dialect says. */
    CHECK_EQ_INT(e.f.flags, TEEATTEST_HTTP_PEER_KEY);
    CHECK_EQ_INT(e.f.connect_ms, 1111);
    CHECK_EQ_INT(e.f.total_ms, 2222);
    CHECK_EQ_INT(e.f.idle_ms, 3333);
    CHECK_EQ_INT(e.f.max_body, 4444);
    CHECK_STR(e.f.ca_file, "/ca.pem");
    CHECK_STR(e.f.pinned_key, "sha256//AAAA");
    CHECK_EQ_INT(resp.status, 200);
    CHECK_EQ_INT(resp.body.len, 2);
    ta_http_response_clear(&resp);

    /* The response's own limit wins when it is smaller. */
    ta_http_response_init(&resp, e.ctx, 100, NULL, NULL);
    CHECK_EQ_INT(ta_call_perform(&e.p, &c, 0, &resp, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(e.f.max_body, 100);
    ta_http_response_clear(&resp);

    /* A custom User-Agent; one given by the dialect is not doubled. */
    e.p.user_agent = "my-app/2";
    ta_http_response_init(&resp, e.ctx, 0, NULL, NULL);
    CHECK_EQ_INT(ta_call_perform(&e.p, &c, 0, &resp, NULL), TEEATTEST_OK);
    CHECK_STR(e.f.headers[2], "User-Agent: my-app/2");
    ta_http_response_clear(&resp);
    e.p.user_agent = "bad\r\nX: 1";
    ta_http_response_init(&resp, e.ctx, 0, NULL, NULL);
    CHECK_EQ_INT(ta_call_perform(&e.p, &c, 0, &resp, &err),
                 TEEATTEST_E_INVALID_ARG);
    ta_http_response_clear(&resp);
    e.p.user_agent = NULL;
    CHECK_EQ_INT(ta_call_add_header(e.ctx, &c, "user-agent", "dialect/1"),
                 TEEATTEST_OK);
    ta_http_response_init(&resp, e.ctx, 0, NULL, NULL);
    CHECK_EQ_INT(ta_call_perform(&e.p, &c, 0, &resp, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(e.f.n_headers, 3);
    CHECK_STR(e.f.headers[2], "user-agent: dialect/1");
    ta_http_response_clear(&resp);
    ta_call_clear(e.ctx, &c);

    /* A GET without body: NULL body, length 0, flagged idempotent. */
    make_call(&e, &c, "GET", true);
    ta_http_response_init(&resp, e.ctx, 0, NULL, NULL);
    CHECK_EQ_INT(ta_call_perform(&e.p, &c, 0, &resp, NULL), TEEATTEST_OK);
    CHECK_STR(e.f.method, "GET");
    CHECK(e.f.body_null);
    CHECK_EQ_INT(e.f.body_len, 0);
    CHECK_EQ_INT(e.f.flags, TEEATTEST_HTTP_IDEMPOTENT);
    ta_http_response_clear(&resp);
    ta_call_clear(e.ctx, &c);
    CHECK_EQ_INT(e.sl.n, 0);
    env_free(&e);
}

static int perform(env *e, const char *method, bool idem,
                   teeattest_http_response *resp, teeattest_error *err)
{
    ta_call c;
    make_call(e, &c, method, idem);
    if (strcmp(method, "POST") == 0) {
        c.body = ta_malloc(e->ctx, 2);
        memcpy(c.body, "{}", 2);
        c.body_len = 2;
    }
    int rc = ta_call_perform(&e->p, &c, 0, resp, err);
    ta_call_clear(e->ctx, &c);
    return rc;
}

static void test_retries(void)
{
    env e;
    env_init(&e, false);
    teeattest_http_response resp;
    teeattest_error err = TEEATTEST_ERROR_INIT;

    /* 503, then a transport error, then success. */
    static const step s1[] = {
        {0, 503, NULL, "busy", 0, false},
        {TEEATTEST_E_TRANSPORT, 0, NULL, NULL, 0, false},
        {0, 200, NULL, "report", 0, false},
    };
    env_script(&e, s1, 3);
    ta_http_response_init(&resp, e.ctx, 0, NULL, NULL);
    CHECK_EQ_INT(perform(&e, "GET", true, &resp, &err), TEEATTEST_OK);
    CHECK_EQ_INT(err.code, 0);
    CHECK_EQ_INT(e.f.calls, 3);
    CHECK_EQ_INT(e.sl.n, 2);
    CHECK_EQ_INT(e.sl.ms[0], 250);
    CHECK_EQ_INT(e.sl.ms[1], 500);
    CHECK_EQ_INT(resp.status, 200);
    /* Only the last attempt's body and headers are kept. */
    CHECK_EQ_INT(resp.body.len, 6);
    CHECK(memcmp(resp.body.data, "report", 6) == 0);
    CHECK_EQ_INT(resp.n_headers, 1);
    CHECK_STR(ta_http_response_header(&resp, "X-Attempt"), "3");
    ta_http_response_clear(&resp);

    /* Every attempt fails: max_retries + 1 attempts, the last answer. */
    static const step s2[] = {{0, 429, NULL, "slow down", 0, false}};
    env_script(&e, s2, 1);
    ta_http_response_init(&resp, e.ctx, 0, NULL, NULL);
    CHECK_EQ_INT(perform(&e, "GET", true, &resp, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(e.f.calls, 3);
    CHECK_EQ_INT(resp.status, 429);
    CHECK_EQ_INT(e.sl.n, 2);
    ta_http_response_clear(&resp);

    /* A longer retry budget: the delay doubles, capped at 10 s. */
    e.p.max_retries = 8;
    static const step s3[] = {{TEEATTEST_E_TIMEOUT, 0, NULL, NULL, 0, false}};
    env_script(&e, s3, 1);
    ta_http_response_init(&resp, e.ctx, 0, NULL, NULL);
    CHECK_EQ_INT(perform(&e, "GET", true, &resp, &err), TEEATTEST_E_TIMEOUT);
    CHECK_EQ_INT(err.code, TEEATTEST_E_TIMEOUT);
    CHECK_EQ_INT(e.f.calls, 9);
    static const uint32_t want[] = {250, 500, 1000, 2000, 4000, 8000,
                                    10000, 10000};
    CHECK_EQ_INT(e.sl.n, 8);
    bool same = true;
    for (size_t i = 0; i < 8; i++)
        same &= e.sl.ms[i] == want[i];
    CHECK(same);
    ta_http_response_clear(&resp);
    /* An absurd setting is capped. */
    e.p.max_retries = UINT32_MAX;
    env_script(&e, s3, 1);
    ta_http_response_init(&resp, e.ctx, 0, NULL, NULL);
    CHECK_EQ_INT(perform(&e, "GET", true, &resp, NULL), TEEATTEST_E_TIMEOUT);
    CHECK_EQ_INT(e.f.calls, 11);
    ta_http_response_clear(&resp);
    e.p.max_retries = 0;
    env_script(&e, s3, 1);
    ta_http_response_init(&resp, e.ctx, 0, NULL, NULL);
    CHECK_EQ_INT(perform(&e, "GET", true, &resp, NULL), TEEATTEST_E_TIMEOUT);
    CHECK_EQ_INT(e.f.calls, 1);
    ta_http_response_clear(&resp);
    e.p.max_retries = 2;

    /* 502 and 504 retried; 500 and 404 are answers, not retried. */
    static const int32_t retried[] = {502, 504};
    for (size_t i = 0; i < 2; i++) {
        step s[] = {{0, retried[i], NULL, NULL, 0, false},
                    {0, 200, NULL, NULL, 0, false}};
        env_script(&e, s, 2);
        ta_http_response_init(&resp, e.ctx, 0, NULL, NULL);
        CHECK_EQ_INT(perform(&e, "GET", true, &resp, NULL), TEEATTEST_OK);
        CHECK_EQ_INT(e.f.calls, 2);
        CHECK_EQ_INT(resp.status, 200);
        ta_http_response_clear(&resp);
    }
    static const int32_t final[] = {500, 404, 400, 401, 301, 200};
    for (size_t i = 0; i < TA_ARRAY_LEN(final); i++) {
        step s[] = {{0, final[i], NULL, NULL, 0, false}};
        env_script(&e, s, 1);
        ta_http_response_init(&resp, e.ctx, 0, NULL, NULL);
        CHECK_EQ_INT(perform(&e, "GET", true, &resp, NULL), TEEATTEST_OK);
        CHECK_EQ_INT(e.f.calls, 1);
        CHECK_EQ_INT(resp.status, final[i]);
        ta_http_response_clear(&resp);
    }

    /* Errors that will not heal are not retried. */
    static const int no_retry[] = {TEEATTEST_E_TLS, TEEATTEST_E_CANCELLED,
                                   TEEATTEST_E_NOMEM, TEEATTEST_E_INVALID_ARG,
                                   TEEATTEST_E_USER};
    for (size_t i = 0; i < TA_ARRAY_LEN(no_retry); i++) {
        step s[] = {{no_retry[i], 0, NULL, NULL, 0, false}};
        env_script(&e, s, 1);
        ta_http_response_init(&resp, e.ctx, 0, NULL, NULL);
        CHECK_EQ_INT(perform(&e, "GET", true, &resp, &err), no_retry[i]);
        CHECK_EQ_INT(err.code, no_retry[i]);
        CHECK_EQ_INT(e.f.calls, 1);
        ta_http_response_clear(&resp);
    }

    /* A GET the dialect did not mark idempotent is sent once. */
    env_script(&e, s2, 1);
    ta_http_response_init(&resp, e.ctx, 0, NULL, NULL);
    CHECK_EQ_INT(perform(&e, "GET", false, &resp, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(e.f.calls, 1);
    ta_http_response_clear(&resp);

    /* A POST is never retried, even marked idempotent. */
    static const step s4[] = {{0, 503, NULL, NULL, 0, false},
                              {0, 200, NULL, NULL, 0, false}};
    for (int idem = 0; idem < 2; idem++) {
        env_script(&e, s4, 2);
        ta_http_response_init(&resp, e.ctx, 0, NULL, NULL);
        CHECK_EQ_INT(perform(&e, "POST", idem, &resp, NULL), TEEATTEST_OK);
        CHECK_EQ_INT(e.f.calls, 1);
        CHECK_EQ_INT(resp.status, 503);
        CHECK_EQ_INT(e.sl.n, 0);
        ta_http_response_clear(&resp);
    }
    static const step s5[] = {{TEEATTEST_E_TRANSPORT, 0, NULL, NULL, 0, false}};
    env_script(&e, s5, 1);
    ta_http_response_init(&resp, e.ctx, 0, NULL, NULL);
    CHECK_EQ_INT(perform(&e, "POST", true, &resp, NULL), TEEATTEST_E_TRANSPORT);
    CHECK_EQ_INT(e.f.calls, 1);
    ta_http_response_clear(&resp);
    env_free(&e);
}

static void test_retry_after(void)
{
    env e;
    env_init(&e, false);
    teeattest_http_response resp;
    struct {
        int32_t status;
        const char *value;
        uint32_t want;
    } cases[] = {
        {503, "3", 3000},
        {429, "10", 10000},
        {429, "120", 10000},        /* capped */
        {503, "99999999999999999999999", 10000},
        {503, "0", 250},            /* never shorter than the backoff */
        {429, "Wed, 21 Oct 2015 07:28:00 GMT", 250}, /* date form: backoff */
        {503, "-5", 250},
        {503, "", 250},
        {502, "2", 2000},
    };
    for (size_t i = 0; i < TA_ARRAY_LEN(cases); i++) {
        step s[] = {{0, cases[i].status, cases[i].value, NULL, 0, false},
                    {0, 200, NULL, NULL, 0, false}};
        env_script(&e, s, 2);
        ta_http_response_init(&resp, e.ctx, 0, NULL, NULL);
        CHECK_EQ_INT(perform(&e, "GET", true, &resp, NULL), TEEATTEST_OK);
        CHECK_EQ_INT(e.sl.n, 1);
        if (!CHECK_EQ_INT(e.sl.ms[0], cases[i].want))
            printf("#   Retry-After: %s\n", cases[i].value);
        ta_http_response_clear(&resp);
    }
    env_free(&e);
}

typedef struct chunks {
    size_t calls, bytes;
    size_t stop_after;
    int stop_rc;
} chunks;

static int on_chunk(void *ud, const uint8_t *data, size_t len)
{
    (void)data;
    chunks *c = ud;
    c->calls++;
    c->bytes += len;
    return c->stop_after && c->calls >= c->stop_after ? c->stop_rc : 0;
}

static void test_limits_and_cancel(void)
{
    env e;
    env_init(&e, true);
    teeattest_http_response resp;
    teeattest_error err = TEEATTEST_ERROR_INIT;

    /* Body limit: 10 bytes allowed, 11 sent. */
    static const step big[] = {{0, 200, NULL, "0123456789A", 4, false}};
    env_script(&e, big, 1);
    ta_http_response_init(&resp, e.ctx, 10, NULL, NULL);
    CHECK_EQ_INT(perform(&e, "GET", true, &resp, &err),
                 TEEATTEST_E_RESPONSE_TOO_LARGE);
    CHECK_EQ_INT(err.code, TEEATTEST_E_RESPONSE_TOO_LARGE);
    CHECK(strstr(err.message, "10-byte limit") != NULL);
    CHECK_EQ_INT(e.f.calls, 1); /* our refusal is not retried */
    CHECK_EQ_INT(resp.body.len, 8);
    ta_http_response_clear(&resp);
    /* Exactly at the limit is fine. */
    static const step fits[] = {{0, 200, NULL, "0123456789", 3, false}};
    env_script(&e, fits, 1);
    ta_http_response_init(&resp, e.ctx, 10, NULL, NULL);
    CHECK_EQ_INT(perform(&e, "GET", true, &resp, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(resp.body.len, 10);
    ta_http_response_clear(&resp);
    /* The provider's limit applies when the response has none. */
    e.p.max_body = 5;
    env_script(&e, fits, 1);
    ta_http_response_init(&resp, e.ctx, 0, NULL, NULL);
    CHECK_EQ_INT(perform(&e, "GET", true, &resp, NULL),
                 TEEATTEST_E_RESPONSE_TOO_LARGE);
    ta_http_response_clear(&resp);
    e.p.max_body = 64u * 1024 * 1024;

    /* Sticky write error: the transport ignores the refusal, keeps writing
     * and returns OK; the library still reports the refusal. */
    static const step sloppy[] = {{0, 200, NULL, "0123456789ABCDEF", 4, true}};
    env_script(&e, sloppy, 1);
    ta_http_response_init(&resp, e.ctx, 10, NULL, NULL);
    CHECK_EQ_INT(perform(&e, "GET", true, &resp, &err),
                 TEEATTEST_E_RESPONSE_TOO_LARGE);
    CHECK_EQ_INT(e.f.writes_after_refusal, 1);
    CHECK_EQ_INT(e.f.last_write_rc, TEEATTEST_E_RESPONSE_TOO_LARGE);
    CHECK_EQ_INT(resp.body.len, 8); /* nothing stored after the refusal */
    ta_http_response_clear(&resp);

    /* Chunk cancellation: the callback stops at the second chunk. */
    static const step stream[] = {{0, 200, NULL, "data: 1\n\ndata: 2\n\n", 9,
                                   false}};
    chunks ch = {0, 0, 2, 1};
    env_script(&e, stream, 1);
    ta_http_response_init(&resp, e.ctx, 0, on_chunk, &ch);
    ta_call c;
    make_call(&e, &c, "POST", false);
    CHECK_EQ_INT(ta_call_perform(&e.p, &c, TEEATTEST_HTTP_STREAM, &resp, &err),
                 TEEATTEST_E_CANCELLED);
    CHECK_EQ_INT(err.code, TEEATTEST_E_CANCELLED);
    CHECK_EQ_INT(ch.calls, 2);
    CHECK_EQ_INT(e.f.stream_calls, 1); /* the stream member was used */
    CHECK(e.f.flags & TEEATTEST_HTTP_STREAM);
    ta_http_response_clear(&resp);
    /* ... and when the transport ignores it and returns OK. */
    static const step stream_sloppy[] = {{0, 200, NULL,
                                          "data: 1\n\ndata: 2\n\n", 3, true}};
    ch = (chunks){0, 0, 2, 1};
    env_script(&e, stream_sloppy, 1);
    ta_http_response_init(&resp, e.ctx, 0, on_chunk, &ch);
    CHECK_EQ_INT(ta_call_perform(&e.p, &c, TEEATTEST_HTTP_STREAM, &resp, &err),
                 TEEATTEST_E_CANCELLED);
    CHECK_EQ_INT(ch.calls, 2); /* never called again */
    ta_http_response_clear(&resp);
    /* A negative status from the callback is the exchange's status. */
    ch = (chunks){0, 0, 1, TEEATTEST_E_NOMEM};
    env_script(&e, stream, 1);
    ta_http_response_init(&resp, e.ctx, 0, on_chunk, &ch);
    CHECK_EQ_INT(ta_call_perform(&e.p, &c, TEEATTEST_HTTP_STREAM, &resp, &err),
                 TEEATTEST_E_NOMEM);
    ta_http_response_clear(&resp);
    ta_call_clear(e.ctx, &c);

    /* A GET whose body already reached the chunk callback is not retried
     * (the bytes cannot be taken back). */
    static const step partial[] = {{0, 503, NULL, "busy", 0, false},
                                   {0, 200, NULL, "ok", 0, false}};
    ch = (chunks){0, 0, 0, 0};
    env_script(&e, partial, 2);
    ta_http_response_init(&resp, e.ctx, 0, on_chunk, &ch);
    CHECK_EQ_INT(perform(&e, "GET", true, &resp, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(e.f.calls, 1);
    CHECK_EQ_INT(resp.status, 503);
    ta_http_response_clear(&resp);
    env_free(&e);

    /* A transport without `stream`: request() is used and its writes still
     * reach the chunk callback. */
    env_init(&e, false);
    ch = (chunks){0, 0, 0, 0};
    env_script(&e, stream, 1);
    ta_http_response_init(&resp, e.ctx, 0, on_chunk, &ch);
    make_call(&e, &c, "POST", false);
    CHECK_EQ_INT(ta_call_perform(&e.p, &c, TEEATTEST_HTTP_STREAM, &resp, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(e.f.stream_calls, 0);
    CHECK_EQ_INT(ch.calls, 2);
    CHECK_EQ_INT(ch.bytes, 18);
    ta_http_response_clear(&resp);
    ta_call_clear(e.ctx, &c);
    env_free(&e);
}

static void test_transport_contract(void)
{
    env e;
    env_init(&e, false);
    teeattest_http_response resp;
    teeattest_error err = TEEATTEST_ERROR_INIT;

    /* OK without a status is a broken transport. */
    static const step nostatus[] = {{0, 0, NULL, "x", 0, false}};
    env_script(&e, nostatus, 1);
    ta_http_response_init(&resp, e.ctx, 0, NULL, NULL);
    CHECK_EQ_INT(perform(&e, "POST", false, &resp, &err),
                 TEEATTEST_E_TRANSPORT);
    CHECK_STR(err.message, "transport returned no status");
    ta_http_response_clear(&resp);

    /* A positive return is not a status. */
    static const step positive[] = {{5, 200, NULL, NULL, 0, false}};
    env_script(&e, positive, 1);
    ta_http_response_init(&resp, e.ctx, 0, NULL, NULL);
    CHECK_EQ_INT(perform(&e, "POST", false, &resp, &err),
                 TEEATTEST_E_TRANSPORT);
    ta_http_response_clear(&resp);

    /* Errors pass through with a message naming the transport; the API key
     * in the request headers never appears. */
    static const step tls[] = {{TEEATTEST_E_TLS, 0, NULL, NULL, 0, false}};
    env_script(&e, tls, 1);
    ta_http_response_init(&resp, e.ctx, 0, NULL, NULL);
    ta_call c;
    make_call(&e, &c, "GET", true);
    CHECK_EQ_INT(ta_call_add_header(e.ctx, &c, "Authorization",
                                    "Bearer sk-SECRET"), TEEATTEST_OK);
    CHECK_EQ_INT(ta_call_perform(&e.p, &c, 0, &resp, &err), TEEATTEST_E_TLS);
    CHECK(strstr(err.message, "custom transport") != NULL);
    CHECK(strstr(err.message, "SECRET") == NULL);
    ta_http_response_clear(&resp);
    ta_call_clear(e.ctx, &c);

    /* Misuse: refused before the transport is called. */
    e.f.calls = 0;
    ta_http_response_init(&resp, e.ctx, 0, NULL, NULL);
    CHECK_EQ_INT(ta_call_perform(NULL, NULL, 0, &resp, &err),
                 TEEATTEST_E_INVALID_ARG);
    memset(&c, 0, sizeof c);
    CHECK_EQ_INT(ta_call_perform(&e.p, &c, 0, &resp, &err),
                 TEEATTEST_E_INVALID_ARG);
    make_call(&e, &c, "PUT", false);
    CHECK_EQ_INT(ta_call_perform(&e.p, &c, 0, &resp, &err),
                 TEEATTEST_E_INVALID_ARG);
    ta_call_clear(e.ctx, &c);
    CHECK_EQ_INT(e.f.calls, 0);
    ta_http_response_clear(&resp);
    env_free(&e);
}

/* ---- PASSTHROUGH: the built-in libcurl transport takes over ------------ */

static int decline(void *ud, teeattest_http_response *resp,
                   const teeattest_http_request *req)
{
    (void)req;
    size_t *calls = ud;
    (*calls)++;
    /* Leaves junk behind, which must not survive into the real answer. */
    (void)teeattest_http_response_set_status(resp, 299);
    (void)teeattest_http_response_write(resp, (const uint8_t *)"junk", 4);
    (void)teeattest_http_response_set_error(resp, 99, "junk error");
    return TEEATTEST_E_PASSTHROUGH;
}

static void test_passthrough(void)
{
    size_t calls = 0;
    sleeps sl = {0};
    teeattest_transport t = TEEATTEST_TRANSPORT_INIT;
    t.user_data = &calls;
    t.request = decline;
    teeattest_ctx_options o = TEEATTEST_CTX_OPTIONS_INIT;
    o.transport = &t;
    o.sleep = fake_sleep;
    o.sleep_user_data = &sl;
    teeattest_ctx *ctx = NULL;
    CHECK_EQ_INT(teeattest_ctx_new(&ctx, &o, NULL), TEEATTEST_OK);
    teeattest_provider p;
    memset(&p, 0, sizeof p);
    p.ctx = ctx;
    p.max_retries = 2;
    p.connect_ms = 5000;

    ta_call c;
    memset(&c, 0, sizeof c);
    c.method = "GET";
    c.url = ta_strdup(ctx, "http://127.0.0.1:1/");
    c.idempotent = true;
    teeattest_http_response resp;
    ta_http_response_init(&resp, ctx, 0, NULL, NULL);
    teeattest_error err = TEEATTEST_ERROR_INIT;
    int rc = ta_call_perform(&p, &c, 0, &resp, &err);
    if (teeattest_has_feature(TEEATTEST_FEATURE_CURL_TRANSPORT)) {
        /* Nothing listens on port 1: connection refused, retried. */
        CHECK_EQ_INT(rc, TEEATTEST_E_TRANSPORT);
        CHECK_EQ_INT(calls, 3);
        CHECK_EQ_INT(sl.n, 2);
        CHECK(err.backend_code != 0 && err.backend_code != 99); /* CURLcode */
        CHECK(strstr(err.message, "curl error") != NULL);
        printf("# %s\n", err.message);
        CHECK_EQ_INT(resp.status, 0);
        CHECK_EQ_INT(resp.body.len, 0);
    } else {
        CHECK_EQ_INT(rc, TEEATTEST_E_UNSUPPORTED);
    }
    ta_http_response_clear(&resp);

    /* The built-in transport refuses a non-HTTP scheme before anything is
     * sent. */
    ta_free(ctx, c.url);
    c.url = ta_strdup(ctx, "ftp://127.0.0.1/");
    ta_http_response_init(&resp, ctx, 0, NULL, NULL);
    rc = ta_call_perform(&p, &c, 0, &resp, &err);
    CHECK_EQ_INT(rc, teeattest_has_feature(TEEATTEST_FEATURE_CURL_TRANSPORT)
                         ? TEEATTEST_E_INVALID_ARG : TEEATTEST_E_UNSUPPORTED);
    ta_http_response_clear(&resp);
    ta_call_clear(ctx, &c);
    teeattest_ctx_free(ctx);
}

static void test_request_deadline(void)
{
    fake f;
    memset(&f, 0, sizeof f);
    static const step ok[] = {{0, 200, NULL, "{}", 0, false}};
    f.steps = ok;
    f.n_steps = 1;
    int64_t now_s = 1700000000;
    int64_t now_ms = now_s * 1000;
    teeattest_ctx *ctx = unit_ctx_deadline(fake_request, &f, &now_s,
                                           now_ms + 5000);
    CHECK_EQ_INT(ta_now_ms(ctx), now_ms);
    CHECK_EQ_INT(ta_deadline_left_ms(ctx, 0), 5000);
    CHECK_EQ_INT(ta_deadline_left_ms(ctx, now_ms + 3000), 3000);
    CHECK_EQ_INT(ta_deadline_left_ms(ctx, now_ms + 9000), 5000);
    teeattest_ctx *plain = unit_ctx();
    CHECK(ta_deadline_left_ms(plain, 0) == INT64_MAX);
    teeattest_ctx_free(plain);

    ta_call c;
    memset(&c, 0, sizeof c);
    c.method = "GET";
    c.url = ta_strdup(ctx, "https://svc.test/a/b?nonce=0123");
    c.idempotent = true;
    ta_request_opts ro;
    memset(&ro, 0, sizeof ro);
    ro.connect_ms = 10000;
    ro.total_ms = 30000;
    ro.idle_ms = 60000;
    teeattest_http_response resp;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    /* The context's deadline cuts every limit to the 5 s left. */
    ta_http_response_init(&resp, ctx, 0, NULL, NULL);
    CHECK_EQ_INT(ta_request(ctx, &c, &ro, &resp, &err), TEEATTEST_OK);
    CHECK_EQ_INT(f.connect_ms, 5000);
    CHECK_EQ_INT(f.total_ms, 5000);
    CHECK_EQ_INT(f.idle_ms, 5000);
    ta_http_response_clear(&resp);
    /* The request's own, earlier deadline wins; limits below it stay; no
     * idle limit stays none. */
    ro.deadline_ms = now_ms + 3000;
    ro.connect_ms = 1000;
    ro.idle_ms = 0;
    ta_http_response_init(&resp, ctx, 0, NULL, NULL);
    CHECK_EQ_INT(ta_request(ctx, &c, &ro, &resp, &err), TEEATTEST_OK);
    CHECK_EQ_INT(f.connect_ms, 1000);
    CHECK_EQ_INT(f.total_ms, 3000);
    CHECK_EQ_INT(f.idle_ms, 0);
    ta_http_response_clear(&resp);
    /* No limit of its own: the time left. */
    ro.total_ms = 0;
    ta_http_response_init(&resp, ctx, 0, NULL, NULL);
    CHECK_EQ_INT(ta_request(ctx, &c, &ro, &resp, &err), TEEATTEST_OK);
    CHECK_EQ_INT(f.total_ms, 3000);
    ta_http_response_clear(&resp);
    /* The service GET (RIM, JWKS) has no provider and the same rules. */
    ta_http_response_init(&resp, ctx, 0, NULL, NULL);
    CHECK_EQ_INT(ta_service_get(ctx, "https://svc.test/jwks", NULL, 2, 100,
                                &resp, &err), TEEATTEST_OK);
    CHECK_EQ_INT(f.total_ms, 5000);
    CHECK_EQ_INT(f.connect_ms, 5000);
    CHECK_EQ_INT(f.max_body, 100);
    ta_http_response_clear(&resp);

    /* Once passed (either deadline), nothing is sent. */
    size_t calls = f.calls;
    ro.deadline_ms = now_ms - 1;
    ta_http_response_init(&resp, ctx, 0, NULL, NULL);
    CHECK_EQ_INT(ta_request(ctx, &c, &ro, &resp, &err), TEEATTEST_E_TIMEOUT);
    CHECK_STR(err.message,
              "overall deadline expired before GET https://svc.test/a/b");
    ta_http_response_clear(&resp);
    ro.deadline_ms = 0;
    now_s += 5;
    ta_http_response_init(&resp, ctx, 0, NULL, NULL);
    CHECK_EQ_INT(ta_service_get(ctx, "https://svc.test/jwks", NULL, 2, 0,
                                &resp, &err), TEEATTEST_E_TIMEOUT);
    ta_http_response_clear(&resp);
    CHECK_EQ_INT(f.calls, calls);
    ta_call_clear(ctx, &c);
    teeattest_ctx_free(ctx);
}

static void test_sleep(void)
{
    /* The real sleep: 0 ms returns at once; a short wait is at least that
     * long on the monotonic clock. */
    teeattest_ctx *ctx = unit_ctx();
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    ta_sleep_ms(ctx, 0);
    ta_sleep_ms(ctx, 5);
    ta_sleep_ms(NULL, 1);
    clock_gettime(CLOCK_MONOTONIC, &b);
    int64_t ms = (int64_t)(b.tv_sec - a.tv_sec) * 1000 +
                 (b.tv_nsec - a.tv_nsec) / 1000000;
    CHECK(ms >= 6);
    teeattest_ctx_free(ctx);
}

int main(void)
{
    test_headers_api();
    test_exact_request();
    test_retries();
    test_retry_after();
    test_limits_and_cancel();
    test_transport_contract();
    test_passthrough();
    test_request_deadline();
    test_sleep();
    return ta_test_done();
}
