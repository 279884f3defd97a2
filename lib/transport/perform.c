/*
 * Sending one request through the context's transport: the embedder's
 * transport when it has one, else (or when it declines) the built-in
 * libcurl transport. Also the one place the library waits.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "transport.h"

static int write_error(teeattest_error *err, const teeattest_http_response *resp)
{
    int rc = resp->write_error;
    switch (rc) {
    case TEEATTEST_E_RESPONSE_TOO_LARGE:
        return ta_error(err, rc, NULL,
                        "response body exceeds the %llu-byte limit",
                        (unsigned long long)resp->max_body);
    case TEEATTEST_E_CANCELLED:
        return ta_error(err, rc, NULL, "cancelled by the chunk callback");
    default:
        return ta_error(err, rc, NULL, "storing the response body: %s",
                        teeattest_status_str(rc));
    }
}

static int check_request(const teeattest_http_request *req,
                         teeattest_error *err)
{
    if (!req->method || (strcmp(req->method, "GET") != 0 &&
                         strcmp(req->method, "POST") != 0))
        return TA_INVALID(err, "request method must be GET or POST");
    if (!req->url || !*req->url)
        return TA_INVALID(err, "request URL is empty");
    if (req->body_len && !req->body)
        return TA_INVALID(err, "request body is NULL with a non-zero length");
    if (req->header_count && !req->headers)
        return TA_INVALID(err, "request headers are NULL");
    return TEEATTEST_OK;
}

/* A failed exchange, described the same way whichever transport ran it:
 * the transport's message (or the status's description) and its own code. */
static int transport_error(teeattest_error *err, int rc, const char *detail,
                           int32_t backend_code)
{
    return ta_error_backend(err, rc, backend_code, NULL, "%s",
                            detail && *detail ? detail
                                              : teeattest_status_str(rc));
}

static int perform_builtin(teeattest_ctx *ctx, teeattest_http_response *resp,
                           const teeattest_http_request *req,
                           teeattest_error *err)
{
    struct ta_curl_pool *pool = NULL;
    int rc = ta_curl_pool_get(ctx, &pool);
    if (rc == TEEATTEST_E_UNSUPPORTED)
        return ta_error(err, rc, NULL,
                        "this build of libteeattest has no libcurl transport; "
                        "give the context a transport");
    if (rc)
        return ta_error(err, rc, NULL, "starting the libcurl transport: %s",
                        teeattest_status_str(rc));
    char detail[256];
    int32_t curl_code = 0;
    rc = ta_curl_perform(pool, resp, req, detail, sizeof detail, &curl_code);
    if (rc == TEEATTEST_OK && resp->write_error)
        rc = resp->write_error; /* never expected: curl stops on refusal */
    if (rc)
        transport_error(err, rc, detail, curl_code);
    return rc;
}

int ta_http_perform(teeattest_ctx *ctx, teeattest_http_response *resp,
                    const teeattest_http_request *req, teeattest_error *err)
{
    if (!ctx || !resp || !req)
        return TA_INVALID(err, "ta_http_perform: NULL argument");
    int rc = check_request(req, err);
    if (rc)
        return rc;
    /* The request's limit holds for every transport: the sink enforces
     * it, so a custom transport cannot deliver more than allowed. */
    if (req->max_body_size &&
        (!resp->max_body || req->max_body_size < resp->max_body))
        resp->max_body = req->max_body_size;

    if (ctx->has_transport) {
        bool stream = (req->flags & TEEATTEST_HTTP_STREAM) &&
                      ctx->transport.stream;
        /* With request() the transport's writes reach the chunk callback
         * too (the sink forwards every write), so a streaming caller still
         * sees the body, only in fewer pieces. */
        rc = stream ? ctx->transport.stream(ctx->transport.user_data, resp, req)
                    : ctx->transport.request(ctx->transport.user_data, resp,
                                             req);
        if (rc != TEEATTEST_E_PASSTHROUGH) {
            /* A refusal by the sink wins over whatever the transport says:
             * it may have ignored it and carried on. */
            if (resp->write_error)
                return write_error(err, resp);
            /* What the transport said went wrong, as curl's would be; an
             * error recorded with TEEATTEST_OK or a positive return is
             * still a failure. */
            if (resp->has_error)
                return transport_error(err, rc < 0 ? rc : TEEATTEST_E_TRANSPORT,
                                       resp->error_message,
                                       resp->error_backend_code);
            if (rc > 0)
                return ta_error(err, TEEATTEST_E_TRANSPORT, NULL,
                                "custom transport returned %d, not a status",
                                rc);
            if (rc < 0)
                return ta_error(err, rc, NULL, "custom transport: %s",
                                teeattest_status_str(rc));
            if (!resp->status)
                return ta_error(err, TEEATTEST_E_TRANSPORT, NULL,
                                "transport returned no status");
            return TEEATTEST_OK;
        }
        /* Undo whatever the declining transport wrote, so the built-in
         * transport starts from a fresh sink. */
        ta_http_response_reset(resp);
    }
    return perform_builtin(ctx, resp, req, err);
}

void ta_sleep_ms(const teeattest_ctx *ctx, uint32_t ms)
{
    if (ctx && ctx->sleep) {
        (void)ctx->sleep(ctx->sleep_ud, ms);
        return;
    }
    if (!ms)
        return;
    /* Absolute deadline on the monotonic clock: a signal interrupting the
     * sleep does not shorten or lengthen it, nor does a wall-clock jump. */
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR)
        ;
}
