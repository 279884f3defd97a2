/*
 * Provider network operations through a fake transport plugged in with the
 * public teeattest_transport vtable (no sockets): the chat request leaves
 * byte for byte, a streamed answer split at arbitrary points is kept
 * exactly, its real signature then verifies against the captured bytes;
 * report fetches carry a fresh nonce and are retried, chats never are;
 * signature fetches poll while the provider answers 404 and then report
 * "expired or unknown"; no Authorization comes from the environment or
 * goes to another host. Waiting goes through the context's sleep hook, so
 * the test takes no time. A transport's own error detail
 * (teeattest_http_response_set_error) reaches the caller's err; the
 * context's deadline (on an injected clock the fake transport and the
 * sleep hook advance) bounds every request, retry and poll.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "api.h"

#define SIG_DIR "providers/real_signatures/nearai_cloud_2025_stream/"

typedef struct fake {
    /* what the fake provider answers */
    const uint8_t *chat_body;
    size_t chat_len;
    size_t split;            /* stream chunk size (1 = byte by byte) */
    const uint8_t *sig_body;
    size_t sig_len;
    const uint8_t *report_body;
    size_t report_len;
    int fail_first;          /* answer 503 to this many requests first */
    int sig_404;             /* answer 404 to this many signature GETs */
    /* what it saw */
    int requests, posts, gets, chat_requests, sig_requests;
    uint8_t *last_body;
    size_t last_body_len;
    char last_url[1024];
    uint32_t last_flags;
    bool saw_auth;
    /* the sleep hook */
    int sleeps;
    uint64_t slept_ms;
    /* a transport that fails with its own detail */
    int fail_errors;         /* fail this many requests with set_error */
    int error_rc;            /* ... returning this */
    int32_t error_code;      /* backend code */
    const char *error_message; /* "(attempt N)" is appended */
    /* the injected clock, Unix ms: the sleep hook and a stalled request
     * advance it */
    int64_t now_ms;
    bool stall;              /* the server never answers: each attempt
                                lasts its whole total timeout */
    uint32_t total_ms[8];    /* each request's total_timeout_ms */
    uint32_t connect_ms[8];
} fake;

static int answer(fake *f, teeattest_http_response *resp, int32_t status,
                  const uint8_t *body, size_t len, size_t split)
{
    int rc = teeattest_http_response_set_status(resp, status);
    if (!rc)
        rc = teeattest_http_response_add_header(resp, "Content-Type", 12,
                                                "application/json", 16);
    for (size_t off = 0; !rc && off < len; off += split) {
        size_t n = len - off < split ? len - off : split;
        rc = teeattest_http_response_write(resp, body + off, n);
    }
    (void)f;
    return rc;
}

static int fake_request(void *ud, teeattest_http_response *resp,
                        const teeattest_http_request *req)
{
    fake *f = ud;
    if (f->requests < 8) {
        f->total_ms[f->requests] = req->total_timeout_ms;
        f->connect_ms[f->requests] = req->connect_timeout_ms;
    }
    f->requests++;
    snprintf(f->last_url, sizeof f->last_url, "%s", req->url);
    f->last_flags = req->flags;
    free(f->last_body);
    f->last_body = NULL;
    f->last_body_len = req->body_len;
    if (req->body_len) {
        f->last_body = malloc(req->body_len);
        memcpy(f->last_body, req->body, req->body_len);
    }
    for (size_t i = 0; i < req->header_count; i++)
        if (strncmp(req->headers[i], "Authorization: Bearer ", 22) == 0)
            f->saw_auth = true;
    if (strcmp(req->method, "POST") == 0)
        f->posts++;
    else
        f->gets++;
    if (f->stall) {
        f->now_ms += req->total_timeout_ms ? req->total_timeout_ms
                                           : 86400000;
        return TEEATTEST_E_TIMEOUT;
    }
    if (f->fail_errors > 0) {
        f->fail_errors--;
        char msg[400];
        snprintf(msg, sizeof msg, "%s (attempt %d)", f->error_message,
                 f->requests);
        if (teeattest_http_response_set_error(resp, f->error_code, msg))
            return TEEATTEST_E_INTERNAL;
        return f->error_rc;
    }
    if (f->fail_first > 0) {
        f->fail_first--;
        return answer(f, resp, 503, (const uint8_t *)"{}", 2, 2);
    }
    if (strstr(req->url, "/signature/")) {
        f->sig_requests++;
        if (f->sig_404 > 0) {
            f->sig_404--;
            static const char nf[] =
                "{\"error\":{\"message\":\"Chat id not found or expired\"}}";
            return answer(f, resp, 404, (const uint8_t *)nf, strlen(nf), 64);
        }
        return answer(f, resp, 200, f->sig_body, f->sig_len, 64);
    }
    if (strstr(req->url, "/chat/completions")) {
        f->chat_requests++;
        return answer(f, resp, 200, f->chat_body, f->chat_len,
                      f->split ? f->split : f->chat_len);
    }
    if (strstr(req->url, "attestation"))
        return answer(f, resp, 200, f->report_body, f->report_len, 4096);
    return answer(f, resp, 404, (const uint8_t *)"{}", 2, 2);
}

static int fake_sleep(void *ud, uint32_t ms)
{
    fake *f = ud;
    f->sleeps++;
    f->slept_ms += ms;
    f->now_ms += ms;
    return 0;
}

static int64_t fake_clock(void *ud)
{
    return ((fake *)ud)->now_ms / 1000;
}

/* With a deadline (Unix ms), the context's clock is the fake's. */
static teeattest_ctx *fake_ctx_until(fake *f, int64_t deadline_ms)
{
    teeattest_transport t = TEEATTEST_TRANSPORT_INIT;
    t.user_data = f;
    t.request = fake_request;
    t.stream = fake_request;
    teeattest_ctx_options o = TEEATTEST_CTX_OPTIONS_INIT;
    o.transport = &t;
    o.sleep = fake_sleep;
    o.sleep_user_data = f;
    if (deadline_ms) {
        o.clock = fake_clock;
        o.clock_user_data = f;
        o.deadline_ms = deadline_ms;
    }
    teeattest_ctx *ctx = NULL;
    if (teeattest_ctx_new(&ctx, &o, NULL) != TEEATTEST_OK) {
        printf("Bail out! cannot create a context\n");
        exit(1);
    }
    return ctx;
}

static teeattest_ctx *fake_ctx(fake *f)
{
    return fake_ctx_until(f, 0);
}

static teeattest_provider *provider(teeattest_ctx *ctx, const char *dialect)
{
    teeattest_provider *p = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    int rc = teeattest_provider_new(ctx, &p, dialect, &e);
    if (rc) {
        printf("Bail out! teeattest_provider_new(%s): %s\n", dialect,
               e.message);
        exit(1);
    }
    CHECK_EQ_INT(teeattest_provider_set_base_url(p, "https://fake.invalid", &e),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_provider_set_model(p, "deepseek-ai/DeepSeek-V3.1",
                                              &e), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_provider_set_api_key(p, "sk-test-not-a-key", &e),
                 TEEATTEST_OK);
    return p;
}

typedef struct events {
    int count;
    size_t data_bytes;
    int cancel_at;
    bool saw_done;
} events;

static int on_event(void *ud, const char *event, const char *data, size_t len)
{
    events *ev = ud;
    (void)event;
    ev->count++;
    ev->data_bytes += len;
    if (len == 6 && memcmp(data, "[DONE]", 6) == 0)
        ev->saw_done = true;
    return ev->cancel_at && ev->count == ev->cancel_at;
}

/* A real streamed exchange, delivered in pieces of every size from one
 * byte up: the request goes out exactly, the captured response is the
 * exact stream, and the provider's real signature verifies over them. */
static void test_chat_exact_bytes(void)
{
    size_t req_len, resp_len, sig_len;
    uint8_t *req = api_fixture(SIG_DIR "request_body.json", &req_len);
    uint8_t *resp = api_fixture(SIG_DIR "response_body.sse", &resp_len);
    uint8_t *sig = api_fixture(SIG_DIR "signature_response.json", &sig_len);
    static const size_t splits[] = {1, 2, 3, 7, 64, 1000, 100000};
    for (size_t s = 0; s < API_ARRAY_LEN(splits); s++) {
        fake f = {0};
        f.chat_body = resp;
        f.chat_len = resp_len;
        f.split = splits[s];
        f.sig_body = sig;
        f.sig_len = sig_len;
        teeattest_ctx *ctx = fake_ctx(&f);
        teeattest_provider *p = provider(ctx, "nearai");
        teeattest_error e = TEEATTEST_ERROR_INIT;
        teeattest_exchange *x = NULL;
        events ev = {0};
        int rc = teeattest_chat(p, &x, req, req_len, TEEATTEST_CHAT_STREAM,
                                on_event, &ev, &e);
        CHECK_EQ_INT(rc, TEEATTEST_OK);
        if (rc) {
            printf("# %s\n", e.message);
            teeattest_provider_free(p);
            teeattest_ctx_free(ctx);
            continue;
        }
        CHECK_EQ_INT(f.posts, 1);
        CHECK(f.saw_auth);
        CHECK(f.last_flags & TEEATTEST_HTTP_STREAM);
        CHECK(f.last_body_len == req_len &&
              memcmp(f.last_body, req, req_len) == 0);
        CHECK_EQ_INT(teeattest_exchange_status(x), 200);
        const uint8_t *b;
        size_t n;
        CHECK_EQ_INT(teeattest_exchange_request(x, &b, &n), TEEATTEST_OK);
        CHECK(n == req_len && memcmp(b, req, n) == 0);
        CHECK_EQ_INT(teeattest_exchange_response(x, &b, &n), TEEATTEST_OK);
        CHECK(n == resp_len && memcmp(b, resp, n) == 0);
        CHECK_STR(teeattest_exchange_id(x), "chatcmpl-ba1b4314210adc3b");
        CHECK_STR(teeattest_exchange_header(x, "content-type"),
                  "application/json");
        CHECK(ev.count > 3);
        CHECK(ev.saw_done);

        teeattest_signature *rec = NULL;
        rc = teeattest_signature_fetch(p, &rec, x, NULL, &e);
        CHECK_EQ_INT(rc, TEEATTEST_OK);
        CHECK(strstr(f.last_url, "/signature/chatcmpl-ba1b4314210adc3b") != NULL);
        CHECK(strstr(f.last_url, "signing_algo=ecdsa") != NULL);
        if (rc == TEEATTEST_OK) {
            teeattest_result *r = NULL;
            const uint8_t *q, *a;
            size_t ql, al;
            teeattest_exchange_request(x, &q, &ql);
            teeattest_exchange_response(x, &a, &al);
            CHECK_EQ_INT(teeattest_signature_verify(
                             rec, &r, NULL,
                             "0x319f1b8bb3b723a5d098ffb67005bdf7bb579aca", q,
                             ql, a, al, &e),
                         TEEATTEST_OK);
            CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_VERIFIED);
            teeattest_result_free(r);
        }
        teeattest_signature_free(rec);
        teeattest_exchange_free(x);
        teeattest_provider_free(p);
        teeattest_ctx_free(ctx);
        free(f.last_body);
    }
    free(req);
    free(resp);
    free(sig);
}

/* The chat POST is never retried, even on 503; the exchange reports the
 * status and the caller decides. */
static void test_chat_not_retried(void)
{
    fake f = {0};
    f.fail_first = 5;
    teeattest_ctx *ctx = fake_ctx(&f);
    teeattest_provider *p = provider(ctx, "nearai");
    teeattest_exchange *x = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    static const char body[] = "{\"model\":\"m\",\"messages\":[]}";
    CHECK_EQ_INT(teeattest_chat(p, &x, (const uint8_t *)body, strlen(body), 0,
                                NULL, NULL, &e), TEEATTEST_OK);
    CHECK_EQ_INT(f.requests, 1);
    CHECK_EQ_INT(f.sleeps, 0);
    CHECK_EQ_INT(teeattest_exchange_status(x), 503);
    CHECK(teeattest_exchange_id(x) == NULL);
    teeattest_exchange_free(x);
    teeattest_provider_free(p);
    teeattest_ctx_free(ctx);
    free(f.last_body);
}

/* The event callback can stop a stream. */
static void test_chat_cancel(void)
{
    size_t resp_len;
    uint8_t *resp = api_fixture(SIG_DIR "response_body.sse", &resp_len);
    fake f = {0};
    f.chat_body = resp;
    f.chat_len = resp_len;
    f.split = 5;
    teeattest_ctx *ctx = fake_ctx(&f);
    teeattest_provider *p = provider(ctx, "nearai");
    teeattest_exchange *x = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    events ev = {0};
    ev.cancel_at = 2;
    static const char body[] = "{\"stream\":true}";
    CHECK_EQ_INT(teeattest_chat(p, &x, (const uint8_t *)body, strlen(body),
                                TEEATTEST_CHAT_STREAM, on_event, &ev, &e),
                 TEEATTEST_E_CANCELLED);
    CHECK(x == NULL);
    CHECK_EQ_INT(ev.count, 2);
    teeattest_provider_free(p);
    teeattest_ctx_free(ctx);
    free(f.last_body);
    free(resp);
}

/* 404 while the record is not stored yet: polled, then found. 404 for
 * good: TEEATTEST_E_SIGNATURE_UNAVAILABLE after a bounded wait. */
static void test_signature_poll(void)
{
    size_t resp_len, sig_len;
    uint8_t *resp = api_fixture(SIG_DIR "response_body.sse", &resp_len);
    uint8_t *sig = api_fixture(SIG_DIR "signature_response.json", &sig_len);
    for (int final = 0; final < 2; final++) {
        fake f = {0};
        f.chat_body = resp;
        f.chat_len = resp_len;
        f.sig_body = sig;
        f.sig_len = sig_len;
        teeattest_ctx *ctx = fake_ctx(&f);
        teeattest_provider *p = provider(ctx, "nearai");
        teeattest_exchange *x = NULL;
        teeattest_error e = TEEATTEST_ERROR_INIT;
        static const char body[] = "{\"stream\":true}";
        CHECK_EQ_INT(teeattest_chat(p, &x, (const uint8_t *)body, strlen(body),
                                    TEEATTEST_CHAT_STREAM, NULL, NULL, &e),
                     TEEATTEST_OK);
        f.sig_404 = final ? 1000 : 2;
        teeattest_signature *rec = NULL;
        int rc = teeattest_signature_fetch(p, &rec, x, "ecdsa", &e);
        if (!final) {
            CHECK_EQ_INT(rc, TEEATTEST_OK);
            CHECK_EQ_INT(f.sig_requests, 3);
            CHECK_EQ_INT(f.sleeps, 2);
        } else {
            CHECK_EQ_INT(rc, TEEATTEST_E_SIGNATURE_UNAVAILABLE);
            CHECK_EQ_INT(e.backend_code, 404);
            CHECK(strstr(e.message, "expired or unknown") != NULL);
            CHECK(f.sig_requests > 3 && f.sig_requests < 10);
            CHECK(f.slept_ms >= 4000 && f.slept_ms <= 6000);
            CHECK(rec == NULL);
        }
        teeattest_signature_free(rec);
        teeattest_exchange_free(x);
        teeattest_provider_free(p);
        teeattest_ctx_free(ctx);
        free(f.last_body);
    }
    free(resp);
    free(sig);
}

/* A report fetch sends a fresh 64-hex nonce, is retried on 503 with
 * backoff, and returns the parsed report with the nonce it sent. */
static void test_report_fetch(void)
{
    size_t len;
    uint8_t *doc = api_fixture("providers/nanogpt_dstack_ecdsa/attestation_report.json",
                               &len);
    uint8_t nonces[2][TEEATTEST_NONCE_SIZE];
    for (int i = 0; i < 2; i++) {
        fake f = {0};
        f.report_body = doc;
        f.report_len = len;
        f.fail_first = 2;
        teeattest_ctx *ctx = fake_ctx(&f);
        teeattest_provider *p = provider(ctx, "nanogpt");
        teeattest_report *r = NULL;
        teeattest_error e = TEEATTEST_ERROR_INIT;
        int rc = teeattest_report_fetch(p, &r, NULL, 0, NULL, &e);
        CHECK_EQ_INT(rc, TEEATTEST_OK);
        if (rc)
            printf("# %s\n", e.message);
        CHECK_EQ_INT(f.requests, 3);
        CHECK_EQ_INT(f.sleeps, 2);
        CHECK(f.last_flags & TEEATTEST_HTTP_PEER_KEY);
        CHECK_EQ_INT(teeattest_report_nonce(r, nonces[i], TEEATTEST_NONCE_SIZE, NULL), TEEATTEST_OK);
        char hex[2 * TEEATTEST_NONCE_SIZE + 1];
        for (int k = 0; k < TEEATTEST_NONCE_SIZE; k++)
            snprintf(hex + 2 * k, 3, "%02x", nonces[i][k]);
        CHECK(strstr(f.last_url, hex) != NULL ||
              (f.last_body && memmem(f.last_body, f.last_body_len, hex, 64)));
        CHECK(teeattest_report_entry_count(r) >= 1);
        const uint8_t *raw;
        size_t raw_len;
        CHECK_EQ_INT(teeattest_report_raw(r, &raw, &raw_len), TEEATTEST_OK);
        CHECK(raw_len == len && memcmp(raw, doc, len) == 0);
        teeattest_report_free(r);
        teeattest_provider_free(p);
        teeattest_ctx_free(ctx);
        free(f.last_body);
    }
    CHECK(memcmp(nonces[0], nonces[1], TEEATTEST_NONCE_SIZE) != 0);

    /* A persistent 503 ends with TEEATTEST_E_HTTP_STATUS after the retries. */
    fake f = {0};
    f.fail_first = 1000;
    teeattest_ctx *ctx = fake_ctx(&f);
    teeattest_provider *p = provider(ctx, "nanogpt");
    teeattest_report *r = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    CHECK_EQ_INT(teeattest_report_fetch(p, &r, NULL, 0, NULL, &e),
                 TEEATTEST_E_HTTP_STATUS);
    CHECK_EQ_INT(e.backend_code, 503);
    CHECK_EQ_INT(f.requests, 3); /* 1 + the default 2 retries */
    CHECK(strstr(e.message, "sk-test") == NULL);
    teeattest_provider_free(p);
    teeattest_ctx_free(ctx);
    free(f.last_body);
    free(doc);
}

/* A custom transport says what went wrong with
 * teeattest_http_response_set_error(): the caller's err gets its message
 * (made printable, cut to fit) and backend code, as with libcurl's, for a
 * retried GET (the last attempt's detail), a POST, and a transport that
 * records an error yet returns TEEATTEST_OK. */
static void test_transport_error_detail(void)
{
    size_t len;
    uint8_t *doc = api_fixture("providers/nanogpt_dstack_ecdsa/attestation_report.json",
                               &len);
    fake f = {0};
    f.report_body = doc;
    f.report_len = len;
    f.fail_errors = 1000;
    f.error_rc = TEEATTEST_E_TRANSPORT;
    f.error_code = 7;
    f.error_message = "connect to fake.invalid:443: refused\r\n\x1b[31m\xc3\xa9";
    teeattest_ctx *ctx = fake_ctx(&f);
    teeattest_provider *p = provider(ctx, "nanogpt");
    teeattest_report *r = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    CHECK_EQ_INT(teeattest_report_fetch(p, &r, NULL, 0, NULL, &e),
                 TEEATTEST_E_TRANSPORT);
    CHECK_EQ_INT(e.code, TEEATTEST_E_TRANSPORT);
    CHECK_EQ_INT(e.backend_code, 7);
    CHECK_EQ_INT(f.requests, 3); /* retried: the detail is the last one's */
    CHECK_STR(e.message,
              "connect to fake.invalid:443: refused???[31m?? (attempt 3)");
    /* A zero-filled error (the FFI form) gets the same detail, backend
     * code included. */
    teeattest_error z;
    memset(&z, 0, sizeof z);
    f.requests = 0;
    CHECK_EQ_INT(teeattest_report_fetch(p, &r, NULL, 0, NULL, &z),
                 TEEATTEST_E_TRANSPORT);
    CHECK_EQ_INT(z.code, TEEATTEST_E_TRANSPORT);
    CHECK_EQ_INT(z.backend_code, 7);
    CHECK_STR(z.message, e.message);

    /* A failed attempt's detail does not outlive it. */
    f.fail_errors = 1;
    f.requests = 0;
    e = (teeattest_error)TEEATTEST_ERROR_INIT;
    CHECK_EQ_INT(teeattest_report_fetch(p, &r, NULL, 0, NULL, &e), TEEATTEST_OK);
    CHECK_EQ_INT(f.requests, 2);
    CHECK_EQ_INT(e.code, 0);
    teeattest_report_free(r);
    r = NULL;

    /* A POST, with a timeout and a long message: cut to 255 bytes. */
    char big[600];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    f.fail_errors = 1;
    f.error_rc = TEEATTEST_E_TIMEOUT;
    f.error_code = -28;
    f.error_message = big;
    teeattest_exchange *x = NULL;
    CHECK_EQ_INT(teeattest_chat(p, &x, (const uint8_t *)"{}", 2, 0, NULL,
                                NULL, &e), TEEATTEST_E_TIMEOUT);
    CHECK_EQ_INT(e.backend_code, -28);
    CHECK_EQ_INT(strlen(e.message), 255);
    CHECK(strspn(e.message, "x") == 255);

    /* An error recorded with TEEATTEST_OK (or a positive value) fails. */
    f.error_message = "half-closed";
    f.error_code = 0;
    for (int i = 0; i < 2; i++) {
        f.fail_errors = 1;
        f.error_rc = i ? 3 : TEEATTEST_OK;
        CHECK_EQ_INT(teeattest_chat(p, &x, (const uint8_t *)"{}", 2, 0, NULL,
                                    NULL, &e), TEEATTEST_E_TRANSPORT);
        CHECK(strncmp(e.message, "half-closed", 11) == 0);
        CHECK(x == NULL);
    }
    CHECK_EQ_INT(teeattest_http_response_set_error(NULL, 1, "x"),
                 TEEATTEST_E_INVALID_ARG);
    teeattest_provider_free(p);
    teeattest_ctx_free(ctx);
    free(f.last_body);
    free(doc);
}

#define T0_MS 1700000000000LL

/* The context's deadline bounds the whole task, not each attempt: against
 * a server that never answers, the first attempt's timeout is the time
 * left and no retry follows; afterwards no request of any kind starts
 * (report, chat, signature poll), each failing with TEEATTEST_E_TIMEOUT
 * "overall deadline expired". */
static void test_deadline(void)
{
    fake f = {0};
    f.now_ms = T0_MS;
    f.stall = true;
    teeattest_ctx *ctx = fake_ctx_until(&f, T0_MS + 5000);
    teeattest_provider *p = provider(ctx, "nanogpt");
    teeattest_report *r = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    CHECK_EQ_INT(teeattest_report_fetch(p, &r, NULL, 0, NULL, &e),
                 TEEATTEST_E_TIMEOUT);
    CHECK_EQ_INT(f.requests, 1);
    CHECK_EQ_INT(f.total_ms[0], 5000);
    CHECK_EQ_INT(f.connect_ms[0], 5000);
    CHECK_EQ_INT(f.sleeps, 0);
    CHECK_EQ_INT(f.now_ms, T0_MS + 5000);
    CHECK(strstr(e.message, "overall deadline expired") != NULL);
    printf("# %s\n", e.message);

    f.stall = false;
    CHECK_EQ_INT(teeattest_report_fetch(p, &r, NULL, 0, NULL, &e),
                 TEEATTEST_E_TIMEOUT);
    teeattest_exchange *x = NULL;
    CHECK_EQ_INT(teeattest_chat(p, &x, (const uint8_t *)"{}", 2, 0, NULL,
                                NULL, &e), TEEATTEST_E_TIMEOUT);
    CHECK(strstr(e.message, "overall deadline expired before POST") != NULL);
    CHECK_EQ_INT(f.requests, 1);
    teeattest_provider_free(p);
    teeattest_ctx_free(ctx);

    /* Retries and their waits stop at the deadline, 1 s ahead: a retry
     * whose wait would reach it is not made, and the last answer (503)
     * is returned. */
    memset(&f, 0, sizeof f);
    f.now_ms = T0_MS;
    f.fail_first = 1000;
    ctx = fake_ctx_until(&f, T0_MS + 1000);
    p = provider(ctx, "nanogpt");
    CHECK_EQ_INT(teeattest_provider_set_option(p, "max_retries", "5", &e),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_report_fetch(p, &r, NULL, 0, NULL, &e),
                 TEEATTEST_E_HTTP_STATUS);
    CHECK_EQ_INT(e.backend_code, 503);
    /* 250 + 500 ms slept (the clock still reads T0), then 1000 ms would
     * reach the deadline: 3 attempts, not 6. */
    CHECK_EQ_INT(f.requests, 3);
    CHECK_EQ_INT(f.slept_ms, 750);
    CHECK(f.total_ms[2] <= 1000);
    teeattest_provider_free(p);
    teeattest_ctx_free(ctx);
    free(f.last_body);
}

/* A signature poll does not sleep past the deadline. */
static void test_deadline_poll(void)
{
    size_t resp_len;
    uint8_t *resp = api_fixture(SIG_DIR "response_body.sse", &resp_len);
    fake f = {0};
    f.now_ms = T0_MS;
    f.chat_body = resp;
    f.chat_len = resp_len;
    teeattest_ctx *ctx = fake_ctx_until(&f, T0_MS + 2000);
    teeattest_provider *p = provider(ctx, "nearai");
    teeattest_exchange *x = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    static const char body[] = "{\"stream\":true}";
    CHECK_EQ_INT(teeattest_chat(p, &x, (const uint8_t *)body, strlen(body),
                                TEEATTEST_CHAT_STREAM, NULL, NULL, &e),
                 TEEATTEST_OK);
    f.sig_404 = 1000;
    teeattest_signature *rec = NULL;
    CHECK_EQ_INT(teeattest_signature_fetch(p, &rec, x, "ecdsa", &e),
                 TEEATTEST_E_TIMEOUT);
    CHECK(strstr(e.message, "overall deadline expired") != NULL);
    /* 250 + 500 + 1000 ms of polling fit before T0 + 2 s; no more. */
    CHECK(f.now_ms < T0_MS + 2000);
    CHECK(f.sig_requests >= 2 && f.sig_requests <= 4);
    CHECK(rec == NULL);
    teeattest_exchange_free(x);
    teeattest_provider_free(p);
    teeattest_ctx_free(ctx);
    free(f.last_body);
    free(resp);
}

static void test_misuse(void)
{
    fake f = {0};
    teeattest_ctx *ctx = fake_ctx(&f);
    teeattest_provider *p = provider(ctx, "nearai");
    teeattest_exchange *x = (teeattest_exchange *)1;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    CHECK_EQ_INT(teeattest_chat(NULL, &x, (const uint8_t *)"{}", 2, 0, NULL,
                                NULL, &e), TEEATTEST_E_INVALID_ARG);
    CHECK(x == NULL);
    CHECK_EQ_INT(teeattest_chat(p, &x, NULL, 0, 0, NULL, NULL, &e),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_chat(p, &x, (const uint8_t *)"{}", 2, 0x80, NULL,
                                NULL, &e), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_chat(p, NULL, (const uint8_t *)"{}", 2, 0, NULL,
                                NULL, &e), TEEATTEST_E_INVALID_ARG);
    teeattest_signature *s = NULL;
    CHECK_EQ_INT(teeattest_signature_fetch(p, &s, NULL, NULL, &e),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_report_fetch(NULL, NULL, NULL, 0, NULL, &e),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_exchange_status(NULL), 0);
    CHECK(teeattest_exchange_id(NULL) == NULL);
    CHECK(teeattest_exchange_header(NULL, "x") == NULL);
    const uint8_t *b;
    size_t n;
    CHECK_EQ_INT(teeattest_exchange_request(NULL, &b, &n),
                 TEEATTEST_E_INVALID_ARG);
    teeattest_exchange_free(NULL);
    CHECK_EQ_INT(f.requests, 0);
    teeattest_provider_free(p);
    teeattest_ctx_free(ctx);
}

/* No ambient credentials: with every dialect's key variable set (and
 * TEEATTEST_API_KEY), a provider made through the API sends no
 * Authorization it was not given; a key given for one host is not sent to
 * another after the base URL changes. */
static void test_no_ambient_key(void)
{
    for (size_t i = 0; teeattest_dialect_name(i); i++) {
        const char *env = teeattest_dialect_api_key_env(
            teeattest_dialect_name(i));
        CHECK(env != NULL);
        if (env)
            setenv(env, "sk-from-the-environment", 1);
    }
    setenv("TEEATTEST_API_KEY", "sk-from-the-environment", 1);
    static const char body[] = "{\"model\":\"m\",\"messages\":[]}";
    for (size_t i = 0; teeattest_dialect_name(i); i++) {
        const char *d = teeattest_dialect_name(i);
        printf("# %s\n", d);
        fake f = {0};
        teeattest_ctx *ctx = fake_ctx(&f);
        teeattest_provider *p = NULL;
        teeattest_exchange *x = NULL;
        teeattest_error e = TEEATTEST_ERROR_INIT;
        CHECK_EQ_INT(teeattest_provider_new(ctx, &p, d, &e), TEEATTEST_OK);
        CHECK_EQ_INT(teeattest_provider_set_base_url(p, "https://a.invalid",
                                                     &e), TEEATTEST_OK);
        CHECK_EQ_INT(teeattest_provider_set_model(p, "m", &e), TEEATTEST_OK);
        CHECK_EQ_INT(teeattest_chat(p, &x, (const uint8_t *)body,
                                    strlen(body), 0, NULL, NULL, &e),
                     TEEATTEST_OK);
        CHECK_EQ_INT(f.requests, 1);
        CHECK(!f.saw_auth);
        teeattest_exchange_free(x);
        x = NULL;
        /* Given a key: sent to that host, and not to the next one. */
        CHECK_EQ_INT(teeattest_provider_set_api_key(p, "sk-for-a", &e),
                     TEEATTEST_OK);
        CHECK_EQ_INT(teeattest_chat(p, &x, (const uint8_t *)body,
                                    strlen(body), 0, NULL, NULL, &e),
                     TEEATTEST_OK);
        CHECK(f.saw_auth);
        teeattest_exchange_free(x);
        x = NULL;
        f.saw_auth = false;
        CHECK_EQ_INT(teeattest_provider_set_base_url(p, "https://b.invalid",
                                                     &e), TEEATTEST_OK);
        CHECK_EQ_INT(teeattest_chat(p, &x, (const uint8_t *)body,
                                    strlen(body), 0, NULL, NULL, &e),
                     TEEATTEST_OK);
        CHECK_EQ_INT(f.requests, 3);
        CHECK(strncmp(f.last_url, "https://b.invalid/", 18) == 0);
        CHECK(!f.saw_auth);
        teeattest_exchange_free(x);
        teeattest_provider_free(p);
        teeattest_ctx_free(ctx);
        free(f.last_body);
    }
}

int main(void)
{
    test_chat_exact_bytes();
    test_chat_not_retried();
    test_chat_cancel();
    test_signature_poll();
    test_report_fetch();
    test_transport_error_detail();
    test_deadline();
    test_deadline_poll();
    test_misuse();
    test_no_ambient_key();
    return ta_test_done();
}
