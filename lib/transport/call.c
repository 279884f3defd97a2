/*
 * Making a request: the one entry every exchange of the library goes
 * through (ta_request), with its limits, TLS options, User-Agent, retries
 * with backoff for idempotent GETs and the overall deadline; and the two
 * ways of describing a request for it, from a provider's settings
 * (ta_call_perform) and for a service that is not a provider
 * (ta_service_request, ta_service_get).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "transport.h"
#include "../providers/providers.h"
#include "teeattest/version.h"

/* First backoff delay; doubled per attempt up to BACKOFF_MAX_MS. */
#define BACKOFF_FIRST_MS 250u
#define BACKOFF_MAX_MS 10000u
/* A server's Retry-After is followed up to this long: a longer wait is
 * better left to the caller than hidden inside one library call. */
#define RETRY_AFTER_MAX_MS 10000u
#define USER_AGENT_MAX 256u

void ta_call_clear(const teeattest_ctx *ctx, ta_call *c)
{
    if (!c)
        return;
    ta_free(ctx, c->url);
    for (size_t i = 0; i < c->n_headers && i < TA_CALL_HEADERS_MAX; i++) {
        /* Headers may carry the API key: wipe before freeing. */
        ta_free_secret(ctx, c->headers[i]);
    }
    ta_free(ctx, c->body);
    memset(c, 0, sizeof *c);
}

/* Header names are RFC 9110 tokens; values are visible ASCII, space, tab
 * and obs-text, never CR, LF or NUL (which would inject headers). */
static bool is_tchar(unsigned char ch)
{
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
        (ch >= '0' && ch <= '9'))
        return true;
    return ch && strchr("!#$%&'*+-.^_`|~", ch) != NULL;
}

static bool valid_value(const char *v)
{
    for (; *v; v++) {
        unsigned char ch = (unsigned char)*v;
        if (ch == '\r' || ch == '\n' || (ch < 0x20 && ch != '\t') ||
            ch == 0x7f)
            return false;
    }
    return true;
}

int ta_call_add_header(const teeattest_ctx *ctx, ta_call *c, const char *name,
                       const char *value)
{
    if (!ctx || !c || !name || !value || !*name)
        return TEEATTEST_E_INVALID_ARG;
    for (const char *p = name; *p; p++)
        if (!is_tchar((unsigned char)*p))
            return TEEATTEST_E_INVALID_ARG;
    if (!valid_value(value))
        return TEEATTEST_E_INVALID_ARG;
    if (c->n_headers >= TA_CALL_HEADERS_MAX)
        return TEEATTEST_E_TOO_LARGE;
    size_t nl = strlen(name), vl = strlen(value);
    if (nl > TA_HTTP_HEADERS_MAX || vl > TA_HTTP_HEADERS_MAX)
        return TEEATTEST_E_TOO_LARGE;
    char *h = ta_malloc(ctx, nl + 2 + vl + 1);
    if (!h)
        return TEEATTEST_E_NOMEM;
    memcpy(h, name, nl);
    memcpy(h + nl, ": ", 2);
    memcpy(h + nl + 2, value, vl + 1);
    c->headers[c->n_headers++] = h;
    return TEEATTEST_OK;
}

int ta_call_add_bearer(const teeattest_ctx *ctx, ta_call *c,
                       const char *token)
{
    if (!ctx || !c || !token)
        return TEEATTEST_E_INVALID_ARG;
    size_t n = strlen(token) + sizeof "Bearer ";
    char *v = ta_malloc(ctx, n);
    if (!v)
        return TEEATTEST_E_NOMEM;
    snprintf(v, n, "Bearer %s", token);
    int rc = ta_call_add_header(ctx, c, "Authorization", v);
    ta_free_secret(ctx, v);
    return rc;
}

static bool call_has_header(const ta_call *c, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < c->n_headers; i++)
        if (c->headers[i] && strncasecmp(c->headers[i], name, n) == 0 &&
            c->headers[i][n] == ':')
            return true;
    return false;
}

/* Retry-After as delay-seconds (RFC 9110 §10.2.3), in ms, capped; 0 when
 * absent or in the HTTP-date form, which would need the wall clock. */
static uint32_t retry_after_ms(const teeattest_http_response *resp)
{
    const char *v = ta_http_response_header(resp, "Retry-After");
    if (!v || !*v)
        return 0;
    uint64_t s = 0;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        s = s * 10 + (uint64_t)(*p - '0');
        if (s > RETRY_AFTER_MAX_MS / 1000)
            return RETRY_AFTER_MAX_MS;
    }
    return (uint32_t)(s * 1000);
}

static bool retryable_status(int32_t status)
{
    return status == 429 || status == 502 || status == 503 || status == 504;
}

static bool retryable_error(int rc)
{
    /* Not TLS (a verification failure will not heal), not a refusal of
     * ours (size, cancel, memory), not misuse. */
    return rc == TEEATTEST_E_TRANSPORT || rc == TEEATTEST_E_TIMEOUT;
}

int64_t ta_deadline_left_ms(const teeattest_ctx *ctx, int64_t deadline_ms)
{
    int64_t d = deadline_ms;
    if (ctx && ctx->deadline_ms && (!d || ctx->deadline_ms < d))
        d = ctx->deadline_ms;
    if (!d)
        return INT64_MAX;
    int64_t now = ta_now_ms(ctx);
    if (now < 0 && d > INT64_MAX + now)
        return INT64_MAX;
    if (now > 0 && d < INT64_MIN + now)
        return INT64_MIN;
    return d - now;
}

int ta_deadline_error(teeattest_error *err, const char *what)
{
    return ta_error(err, TEEATTEST_E_TIMEOUT, NULL,
                    "overall deadline expired before %s", what);
}

/* A per-attempt limit cut to the time left (0 = no limit of its own). */
static uint32_t cap_ms(uint32_t limit, int64_t left)
{
    if (left == INT64_MAX)
        return limit;
    uint32_t l = left > UINT32_MAX ? UINT32_MAX : (uint32_t)left;
    return limit && limit < l ? limit : l;
}

/* "GET https://host/path" (the query, which may carry a nonce, left out)
 * for messages. */
static void describe(char *out, size_t cap, const ta_call *call)
{
    size_t n = strcspn(call->url, "?#");
    snprintf(out, cap, "%s %.*s", call->method, (int)(n < 160 ? n : 160),
             call->url);
}

int ta_request(teeattest_ctx *ctx, const ta_call *call,
               const ta_request_opts *o, teeattest_http_response *resp,
               teeattest_error *err)
{
    if (!ctx || !call || !o || !resp)
        return TA_INVALID(err, "ta_request: NULL argument");
    if (!call->method || !call->url)
        return TA_INVALID(err, "request without method or URL");
    if (call->n_headers > TA_CALL_HEADERS_MAX)
        return TA_INVALID(err, "too many request headers");

    const char *headers[TA_CALL_HEADERS_MAX + 1];
    size_t n = 0;
    for (size_t i = 0; i < call->n_headers; i++)
        headers[n++] = call->headers[i];
    char ua[USER_AGENT_MAX + sizeof "User-Agent: "];
    if (!call_has_header(call, "User-Agent")) {
        const char *agent = o->user_agent && *o->user_agent
                                ? o->user_agent
                                : "libteeattest/" TEEATTEST_VERSION_STRING;
        if (strlen(agent) > USER_AGENT_MAX || !valid_value(agent))
            return ta_error(err, TEEATTEST_E_INVALID_ARG, "user_agent",
                            "user agent is longer than %u bytes or holds "
                            "control characters", USER_AGENT_MAX);
        snprintf(ua, sizeof ua, "User-Agent: %s", agent);
        headers[n++] = ua;
    }

    bool get = strcmp(call->method, "GET") == 0;
    /* Only a GET is ever sent twice: a POST (the chat) may have been
     * processed, billed and signed even when its answer was lost. */
    bool retry = call->idempotent && get;
    uint64_t max_body = resp->max_body;
    if (o->max_body && (!max_body || o->max_body < max_body))
        max_body = o->max_body;

    teeattest_http_request req;
    memset(&req, 0, sizeof req);
    req.struct_size = sizeof req;
    req.method = call->method;
    req.url = call->url;
    req.headers = headers;
    req.header_count = n;
    req.body = call->body;
    req.body_len = call->body_len;
    req.flags = o->flags | (retry ? TEEATTEST_HTTP_IDEMPOTENT : 0);
    req.max_body_size = max_body;
    req.ca_file = o->ca_file;
    req.pinned_key = o->pinned_key;

    char what[200];
    describe(what, sizeof what, call);
    uint32_t retries = o->retries < TA_RETRIES_MAX ? o->retries
                                                   : TA_RETRIES_MAX;
    uint32_t backoff = BACKOFF_FIRST_MS;
    for (uint32_t attempt = 0;; attempt++) {
        if (attempt)
            ta_http_response_reset(resp);
        int64_t left = ta_deadline_left_ms(ctx, o->deadline_ms);
        if (left <= 0)
            return ta_deadline_error(err, what);
        req.connect_timeout_ms = cap_ms(o->connect_ms, left);
        req.total_timeout_ms = cap_ms(o->total_ms, left);
        req.idle_timeout_ms = o->idle_ms ? cap_ms(o->idle_ms, left) : 0;
        /* A failed attempt followed by a good one leaves `err` as it was. */
        teeattest_error e = TEEATTEST_ERROR_INIT;
        /* Every limit of this attempt is the time left: whichever fires,
         * the deadline did (curl's monotonic timer may fire a little
         * before the context's clock reaches the deadline). */
        uint32_t l = left > UINT32_MAX ? UINT32_MAX : (uint32_t)left;
        bool all_cut = left != INT64_MAX && req.connect_timeout_ms == l &&
                       req.total_timeout_ms == l &&
                       (!req.idle_timeout_ms || req.idle_timeout_ms == l);
        int rc = ta_http_perform(ctx, resp, &req, err ? &e : NULL);
        if (rc == TEEATTEST_E_TIMEOUT &&
            (all_cut || ta_deadline_left_ms(ctx, o->deadline_ms) <= 0)) {
            /* The attempt was cut by the deadline, not by its own limit. */
            char detail[sizeof e.message];
            memcpy(detail, e.message, sizeof detail);
            /* Cut each part so that the whole always fits. */
            snprintf(e.message, sizeof e.message,
                     "overall deadline expired during %.100s: %.120s", what,
                     detail);
        }
        bool again = retry && attempt < retries &&
                     (rc ? retryable_error(rc)
                         : retryable_status(resp->status));
        /* Bytes already handed to a chunk callback cannot be taken back:
         * a second attempt would deliver them twice. */
        if (again && resp->on_chunk && resp->body.len)
            again = false;
        uint32_t wait = backoff;
        if (again && !rc) {
            uint32_t ra = retry_after_ms(resp);
            if (ra > wait)
                wait = ra;
        }
        /* A retry that could not start before the deadline is not made:
         * this attempt's outcome is the answer. */
        if (again && ta_deadline_left_ms(ctx, o->deadline_ms) <= (int64_t)wait) {
            ta_log(ctx, TEEATTEST_LOG_INFO,
                   "not retrying %s: the overall deadline is less than "
                   "%u ms away", what, (unsigned)wait);
            again = false;
        }
        if (!again) {
            if (rc)
                ta_error_copy(err, &e);
            return rc;
        }
        if (rc)
            ta_log(ctx, TEEATTEST_LOG_INFO,
                   "request failed (%s), retrying in %u ms (%u of %u)",
                   teeattest_status_str(rc), (unsigned)wait,
                   (unsigned)(attempt + 1), (unsigned)retries);
        else
            ta_log(ctx, TEEATTEST_LOG_INFO,
                   "HTTP %d, retrying in %u ms (%u of %u)",
                   (int)resp->status, (unsigned)wait,
                   (unsigned)(attempt + 1), (unsigned)retries);
        ta_sleep_ms(ctx, wait);
        backoff = backoff >= BACKOFF_MAX_MS / 2 ? BACKOFF_MAX_MS : backoff * 2;
    }
}

int ta_call_perform(const teeattest_provider *p, const ta_call *call,
                    uint32_t flags, teeattest_http_response *resp,
                    teeattest_error *err)
{
    if (!p || !p->ctx)
        return TA_INVALID(err, "ta_call_perform: NULL argument");
    ta_request_opts o;
    memset(&o, 0, sizeof o);
    o.retries = p->max_retries;
    o.max_body = p->max_body;
    o.connect_ms = p->connect_ms;
    o.total_ms = p->total_ms;
    o.idle_ms = p->idle_ms;
    o.flags = flags;
    o.ca_file = p->ca_file;
    o.pinned_key = p->pinned_key;
    o.user_agent = p->user_agent;
    return ta_request(p->ctx, call, &o, resp, err);
}

int ta_service_request(teeattest_ctx *ctx, const char *method,
                       const char *url, const char *content_type,
                       const char *accept, const char *bearer,
                       const uint8_t *body, size_t body_len,
                       const ta_request_opts *o, teeattest_http_response *resp,
                       teeattest_error *err)
{
    if (!ctx || !method || !url || !o || !resp || (body_len && !body))
        return TA_INVALID(err, "ta_service_request: NULL argument");
    bool get = strcmp(method, "GET") == 0;
    if (!get && strcmp(method, "POST") != 0)
        return TA_INVALID(err, "service request method must be GET or POST");
    ta_call call;
    memset(&call, 0, sizeof call);
    call.method = get ? "GET" : "POST";
    call.idempotent = get;
    /* Borrowed for the call; taken back before ta_call_clear. */
    call.body = (uint8_t *)(uintptr_t)body;
    call.body_len = body_len;
    int rc = (call.url = ta_strdup(ctx, url)) ? TEEATTEST_OK
                                              : TEEATTEST_E_NOMEM;
    if (!rc && content_type)
        rc = ta_call_add_header(ctx, &call, "Content-Type", content_type);
    if (!rc && accept)
        rc = ta_call_add_header(ctx, &call, "Accept", accept);
    if (!rc && bearer && *bearer)
        rc = ta_call_add_bearer(ctx, &call, bearer);
    if (rc)
        rc = ta_error(err, rc, NULL, "%s %s: cannot build the request: %s",
                      call.method, url, teeattest_status_str(rc));
    else
        rc = ta_request(ctx, &call, o, resp, err);
    call.body = NULL;
    ta_call_clear(ctx, &call); /* wipes the bearer header */
    return rc;
}

void ta_service_opts(ta_request_opts *o, uint32_t retries, uint64_t max_body)
{
    memset(o, 0, sizeof *o);
    o->retries = retries;
    o->connect_ms = TA_SERVICE_CONNECT_MS;
    o->total_ms = TA_SERVICE_TOTAL_MS;
    o->max_body = max_body;
}

int ta_service_get(teeattest_ctx *ctx, const char *url, const char *bearer,
                   uint32_t retries, uint64_t max_body,
                   teeattest_http_response *resp, teeattest_error *err)
{
    ta_request_opts o;
    ta_service_opts(&o, retries, max_body);
    return ta_service_request(ctx, "GET", url, NULL, "application/json",
                              bearer, NULL, 0, &o, resp, err);
}
