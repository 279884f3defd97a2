/*
 * C side of the Go binding (see shim.h).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "shim.h"

#include "_cgo_export.h"

const uint8_t ta_go_empty[1] = {0};

/* The Go call this thread is running inside a library function, so that a
 * transport or sleep callback made by that function (the library calls
 * them on the caller's thread) finds the call's context.Context. Nested
 * calls restore the outer value. */
static __thread uintptr_t current_call;

uintptr_t ta_go_current_call(void)
{
    return current_call;
}

static int transport_request(void *ud, teeattest_http_response *resp,
                             const teeattest_http_request *req)
{
    return taGoTransport((uintptr_t)ud, current_call, resp,
                         (teeattest_http_request *)req, 0);
}

static int transport_stream(void *ud, teeattest_http_response *resp,
                            const teeattest_http_request *req)
{
    return taGoTransport((uintptr_t)ud, current_call, resp,
                         (teeattest_http_request *)req, 1);
}

static void release(void *ud)
{
    taGoRelease((uintptr_t)ud);
}

static int64_t clock_now(void *ud)
{
    return taGoClock((uintptr_t)ud);
}

static void log_line(void *ud, int32_t level, const char *message)
{
    taGoLog((uintptr_t)ud, level, (char *)message);
}

static int sleep_ms(void *ud, uint32_t ms)
{
    return taGoSleep((uintptr_t)ud, current_call, ms);
}

static int on_event(void *ud, const char *event, const char *data,
                    size_t data_len)
{
    return taGoEvent((uintptr_t)ud, (char *)event, (char *)data, data_len);
}

int ta_go_ctx_new(teeattest_ctx **out, uintptr_t handle, uint32_t flags,
                  int32_t log_level, int64_t deadline_ms,
                  const char *cache_dir, size_t memo_entries,
                  size_t memo_bytes, teeattest_error *err)
{
    teeattest_ctx_options o;
    int rc = teeattest_ctx_options_init(&o, sizeof o);
    if (rc)
        return rc;
    void *ud = (void *)handle;
    teeattest_transport t = TEEATTEST_TRANSPORT_INIT;
    /* A crypto table whose members are all NULL (the built-in code runs)
     * carries only the release hook when HTTP stays with libcurl: the
     * Go-side state must be freed with the context either way. */
    teeattest_crypto_backend hook = TEEATTEST_CRYPTO_BACKEND_INIT;
    if (flags & TA_GO_TRANSPORT) {
        t.user_data = ud;
        t.request = transport_request;
        t.stream = transport_stream;
        t.release = release;
        o.transport = &t;
    } else {
        hook.user_data = ud;
        hook.release = release;
        o.crypto = &hook;
    }
    if (flags & TA_GO_CLOCK) {
        o.clock = clock_now;
        o.clock_user_data = ud;
    }
    if (flags & TA_GO_LOG) {
        o.log = log_line;
        o.log_user_data = ud;
        o.log_level = log_level;
    }
    o.sleep = sleep_ms;
    o.sleep_user_data = ud;
    o.deadline_ms = deadline_ms;
    o.cache_dir = cache_dir; /* copied by the library; NULL = none */
    o.memo_entries = memo_entries;
    o.memo_bytes = memo_bytes;
    return teeattest_ctx_new(out, &o, err);
}

#define IN_CALL(call, expr)            \
    uintptr_t saved = current_call;    \
    current_call = (call);             \
    int rc = (expr);                   \
    current_call = saved;              \
    return rc

int ta_go_report_fetch(uintptr_t call, teeattest_provider *p,
                       teeattest_report **out, const uint8_t *nonce,
                       size_t nonce_len, const char *signing_address,
                       teeattest_error *err)
{
    IN_CALL(call, teeattest_report_fetch(p, out, nonce, nonce_len,
                                         signing_address, err));
}

int ta_go_chat(uintptr_t call, teeattest_provider *p,
               teeattest_exchange **out, const uint8_t *body, size_t len,
               uint32_t flags, uintptr_t events, teeattest_error *err)
{
    IN_CALL(call, teeattest_chat(p, out, body, len, flags,
                                 events ? on_event : NULL, (void *)events,
                                 err));
}

int ta_go_signature_fetch(uintptr_t call, teeattest_provider *p,
                          teeattest_signature **out,
                          const teeattest_exchange *x, const char *algo,
                          teeattest_error *err)
{
    IN_CALL(call, teeattest_signature_fetch(p, out, x, algo, err));
}

int ta_go_aci_receipt_fetch(uintptr_t call, teeattest_provider *p,
                            const teeattest_exchange *x, uint8_t *buf,
                            size_t *len, teeattest_error *err)
{
    IN_CALL(call, teeattest_aci_receipt_fetch(p, x, buf, len, err));
}

int ta_go_aci_session_fetch(uintptr_t call, teeattest_provider *p,
                            const char *id, uint8_t *buf, size_t *len,
                            teeattest_error *err)
{
    IN_CALL(call, teeattest_aci_session_fetch(p, id, buf, len, err));
}

int ta_go_aci_session_audit(uintptr_t call, teeattest_ctx *ctx,
                            teeattest_result **out, const uint8_t *session,
                            size_t session_len, const char *id,
                            teeattest_evidence *ev,
                            const teeattest_policy *policy,
                            teeattest_error *err)
{
    IN_CALL(call, teeattest_aci_session_audit(ctx, out, session, session_len,
                                              id, ev, policy, err));
}

int ta_go_collateral_fetch(uintptr_t call, teeattest_ctx *ctx,
                           teeattest_collateral **out, const char *base_url,
                           const uint8_t *quote, size_t quote_len,
                           teeattest_error *err)
{
    IN_CALL(call, teeattest_collateral_fetch(ctx, out, base_url, quote,
                                             quote_len, err));
}

int ta_go_report_verify(uintptr_t call, teeattest_ctx *ctx,
                        teeattest_result **out,
                        const teeattest_report *report, size_t entry,
                        teeattest_evidence *ev,
                        const teeattest_policy *policy, const uint8_t *nonce,
                        size_t nonce_len, teeattest_error *err)
{
    IN_CALL(call, teeattest_report_verify(ctx, out, report, entry, ev, policy,
                                          nonce, nonce_len, err));
}

int ta_go_gpu_verify(uintptr_t call, teeattest_ctx *ctx,
                     teeattest_result **out, const uint8_t *evidence,
                     size_t len, const uint8_t *nonce, size_t nonce_len,
                     teeattest_gpu_inputs *in, const teeattest_policy *policy,
                     teeattest_error *err)
{
    IN_CALL(call, teeattest_gpu_verify(ctx, out, evidence, len, nonce,
                                       nonce_len, in, policy, err));
}

int ta_go_bundle_verify(uintptr_t call, teeattest_ctx *ctx,
                        teeattest_result **out, teeattest_bundle *b,
                        const teeattest_policy *policy, teeattest_error *err)
{
    IN_CALL(call, teeattest_bundle_verify(ctx, out, b, policy, err));
}
