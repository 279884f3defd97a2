/*
 * The network operations of a provider: attestation report fetch, chat
 * exchanges with exact-byte capture, and signature fetch. The dialect
 * describes each request (providers.h); the transport layer performs it
 * (lib/transport/call.c); this file ties both to the public objects.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "teeattest/e2ee.h"

#include "providers.h"
#include "../crypto/crypto.h"
#include "../transport/sse.h"
#include "../transport/transport.h"

/* Largest chat request body we send (it is hashed and kept in memory). */
#define TA_CHAT_REQUEST_MAX (16u * 1024u * 1024u)
/* How long a signature fetch keeps asking while the provider answers 404:
 * the record is stored only after the stream ends, so the first request
 * can race it. Delays between attempts, in ms (sum 4.75 s). */
static const uint32_t signature_poll_ms[] = {250, 500, 1000, 1000, 1000, 1000};

struct teeattest_exchange {
    atomic_size_t refs;
    teeattest_ctx *ctx;
    int32_t status;
    bool stream;
    uint8_t *request;
    size_t request_len;
    uint8_t *response;
    size_t response_len;
    char *id;
    ta_header *headers;
    size_t n_headers;
    uint8_t *spki;
    size_t spki_len;
};

static bool is_https(const char *url)
{
    return strncasecmp(url, "https://", 8) == 0;
}

/* A short, printable excerpt of an error body for messages: providers put
 * their reason there ("Chat id not found or expired"). Never the request's
 * headers, which carry the API key. */
static void body_excerpt(char *out, size_t cap, const uint8_t *body,
                         size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o + 1 < cap; i++) {
        unsigned char c = body[i];
        if (c == '\n' || c == '\r' || c == '\t')
            c = ' ';
        out[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    if (o && o + 1 >= cap && cap > 4)
        memcpy(out + cap - 4, "...", 3), o = cap - 1;
    out[o] = '\0';
}

static int http_status_error(teeattest_error *err, const char *what,
                             const teeattest_http_response *resp)
{
    char excerpt[161];
    body_excerpt(excerpt, sizeof excerpt, resp->body.data, resp->body.len);
    return ta_error_backend(err, TEEATTEST_E_HTTP_STATUS, resp->status, NULL,
                            "%s: HTTP %d%s%s", what, (int)resp->status,
                            excerpt[0] ? ": " : "", excerpt);
}

/* ---- reports ----------------------------------------------------------- */

/* Record the host name of `url` (scheme://[user@]host[:port]/...; an
 * IPv6 literal keeps its brackets) with the report. */
static int set_host(teeattest_report *r, const char *url)
{
    const char *a = strstr(url, "://");
    if (!a)
        return TEEATTEST_OK;
    a += 3;
    size_t n = strcspn(a, "/?#");
    const char *at = memchr(a, '@', n);
    if (at) {
        n -= (size_t)(at + 1 - a);
        a = at + 1;
    }
    size_t h = n;
    if (a[0] == '[') {
        const char *rb = memchr(a, ']', n);
        h = rb ? (size_t)(rb - a) + 1 : n;
    } else {
        const char *colon = memchr(a, ':', n);
        if (colon)
            h = (size_t)(colon - a);
    }
    char host[256];
    if (h == 0 || h >= sizeof host)
        return TEEATTEST_OK;
    for (size_t i = 0; i < h; i++)
        host[i] = (char)(a[i] >= 'A' && a[i] <= 'Z' ? a[i] - 'A' + 'a' : a[i]);
    host[h] = '\0';
    return ta_report_set_host(r, host);
}

TEEATTEST_API int teeattest_report_fetch(teeattest_provider *p,
                                         teeattest_report **out,
                                         const uint8_t *nonce,
                                         size_t nonce_len,
                                         const char *signing_address,
                                         teeattest_error *err)
{
    if (out)
        *out = NULL;
    if (!p || !out)
        return TA_INVALID(err, !p ? "provider is NULL" : "out is NULL");
    if (nonce && nonce_len != TEEATTEST_NONCE_SIZE)
        return ta_error(err, TEEATTEST_E_LENGTH, "nonce_len",
                        "a nonce is %d bytes, not %zu", TEEATTEST_NONCE_SIZE,
                        nonce_len);
    if (!nonce && nonce_len != 0)
        return ta_error(err, TEEATTEST_E_INVALID_ARG, "nonce_len",
                        "nonce is NULL (a fresh nonce) but nonce_len is %zu",
                        nonce_len);
    if (!p->dialect->attestation_call)
        return ta_error(err, TEEATTEST_E_UNSUPPORTED, NULL,
                        "dialect %s has no attestation endpoint",
                        p->dialect->name);
    if (!p->base_url)
        return ta_error(err, TEEATTEST_E_INVALID_ARG, NULL,
                        "dialect %s needs a base URL "
                        "(teeattest_provider_set_base_url)",
                        p->dialect->name);
    uint8_t n[TEEATTEST_NONCE_SIZE];
    int rc;
    if (nonce) {
        memcpy(n, nonce, sizeof n);
    } else if ((rc = ta_random(p->ctx, n, sizeof n)) != TEEATTEST_OK) {
        return ta_error(err, TEEATTEST_E_RANDOM, NULL,
                        "no random nonce from the context's random source");
    }
    char nonce_hex[2 * TEEATTEST_NONCE_SIZE + 1];
    ta_hex_encode(nonce_hex, n, sizeof n);

    ta_call call;
    memset(&call, 0, sizeof call);
    rc = p->dialect->attestation_call(p, &call, nonce_hex, signing_address,
                                      err);
    if (rc)
        goto out_call;
    teeattest_http_response resp;
    uint64_t max = p->max_body && p->max_body < TEEATTEST_REPORT_MAX
                       ? p->max_body : TEEATTEST_REPORT_MAX;
    ta_http_response_init(&resp, p->ctx, max, NULL, NULL);
    /* The report is what TLS binding is checked against: capture the key
     * of the connection that delivered it. */
    rc = ta_call_perform(p, &call, is_https(call.url) ? TEEATTEST_HTTP_PEER_KEY : 0,
                         &resp, err);
    if (rc)
        goto out_resp;
    if (resp.status < 200 || resp.status > 299) {
        rc = http_status_error(err, "attestation report", &resp);
        goto out_resp;
    }
    teeattest_report *r = NULL;
    rc = ta_report_new(p->ctx, &r, p->dialect, resp.body.data, resp.body.len,
                       err);
    if (!rc)
        rc = p->dialect->parse_report(r, resp.body.data, resp.body.len, err);
    if (!rc && ta_report_set_fetch_info(r, n, resp.spki, resp.spki_len))
        rc = ta_error(err, TEEATTEST_E_NOMEM, NULL, "copying fetch details");
    if (!rc && set_host(r, call.url))
        rc = ta_error(err, TEEATTEST_E_NOMEM, NULL, "copying fetch details");
    if (rc)
        teeattest_report_free(r);
    else
        *out = r;
out_resp:
    ta_http_response_clear(&resp);
out_call:
    ta_call_clear(p->ctx, &call);
    return rc;
}

/* ---- chat -------------------------------------------------------------- */

typedef struct chat_state {
    teeattest_ctx *ctx;
    ta_sse sse;
    bool stream;
    teeattest_event_fn on_event;
    void *user_data;
    char *id;       /* first "id" seen in a JSON event */
    bool id_done;   /* looked at the first JSON event */
    int nomem;
} chat_state;

/* The response id from a JSON document (a chunk or the whole body). The
 * id is only used to ask for the signature, never trusted for anything
 * else, so a missing or odd one is not an error here. */
static char *json_id(const teeattest_ctx *ctx, const char *data, size_t len,
                     int *nomem)
{
    json_t *j = json_loadb(data, len, 0, NULL);
    const char *id = json_string_value(json_object_get(j, "id"));
    char *copy = NULL;
    if (id && *id && strlen(id) < 512) {
        copy = ta_strdup(ctx, id);
        if (!copy)
            *nomem = 1;
    }
    json_decref(j);
    return copy;
}

static int chat_event(void *ud, const char *event, const char *data,
                      size_t len)
{
    chat_state *st = ud;
    if (!st->id_done && len && data[0] == '{') {
        st->id = json_id(st->ctx, data, len, &st->nomem);
        st->id_done = st->id != NULL;
        if (st->nomem)
            return TEEATTEST_E_NOMEM;
    }
    if (st->on_event && st->on_event(st->user_data, event, data, len) != 0)
        return 1;
    return 0;
}

static int chat_chunk(void *ud, const uint8_t *data, size_t len)
{
    chat_state *st = ud;
    return ta_sse_feed(&st->sse, data, len);
}

static int copy_headers(teeattest_exchange *x,
                        const teeattest_http_response *resp)
{
    if (!resp->n_headers)
        return TEEATTEST_OK;
    x->headers = ta_calloc(x->ctx, resp->n_headers, sizeof *x->headers);
    if (!x->headers)
        return TEEATTEST_E_NOMEM;
    for (size_t i = 0; i < resp->n_headers; i++) {
        x->headers[i].name = ta_strdup(x->ctx, resp->headers[i].name);
        x->headers[i].value = ta_strdup(x->ctx, resp->headers[i].value);
        x->n_headers = i + 1;
        if (!x->headers[i].name || !x->headers[i].value)
            return TEEATTEST_E_NOMEM;
    }
    return TEEATTEST_OK;
}

/* teeattest_chat(), with the five E2EE v2 headers of `e2ee` when set. */
static int chat_with(teeattest_provider *p, teeattest_exchange **out,
                     const uint8_t *body, size_t body_len,
                     const teeattest_e2ee_session *e2ee, uint32_t flags,
                     teeattest_event_fn on_event, void *user_data,
                     teeattest_error *err)
{
    if (out)
        *out = NULL;
    if (!p || !out || !body || !body_len)
        return TA_INVALID(err, !p ? "provider is NULL"
                               : !out ? "out is NULL" : "body is empty");
    if (flags & ~TEEATTEST_CHAT_STREAM)
        return TA_INVALID(err, "unknown flags");
    if (body_len > TA_CHAT_REQUEST_MAX)
        return ta_error(err, TEEATTEST_E_TOO_LARGE, NULL,
                        "request body of %zu bytes exceeds the %u-byte limit",
                        body_len, TA_CHAT_REQUEST_MAX);
    if (!p->dialect->chat_call)
        return ta_error(err, TEEATTEST_E_UNSUPPORTED, NULL,
                        "dialect %s has no chat endpoint", p->dialect->name);
    if (!p->base_url)
        return ta_error(err, TEEATTEST_E_INVALID_ARG, NULL,
                        "dialect %s needs a base URL "
                        "(teeattest_provider_set_base_url)",
                        p->dialect->name);
    bool stream = flags & TEEATTEST_CHAT_STREAM;
    ta_call call;
    memset(&call, 0, sizeof call);
    int rc = p->dialect->chat_call(p, &call, body, body_len, stream, err);
    for (size_t i = 0; !rc && e2ee && i < teeattest_e2ee_header_count(e2ee);
         i++) {
        const char *name, *value;
        rc = teeattest_e2ee_header(e2ee, &name, &value, i, err);
        if (!rc && (rc = ta_call_add_header(p->ctx, &call, name, value)))
            ta_error(err, rc, NULL, "adding the %s header", name);
    }
    if (rc) {
        ta_call_clear(p->ctx, &call);
        return rc;
    }
    chat_state st;
    memset(&st, 0, sizeof st);
    st.ctx = p->ctx;
    st.stream = stream;
    st.on_event = on_event;
    st.user_data = user_data;
    ta_sse_init(&st.sse, p->ctx, chat_event, &st);
    teeattest_http_response resp;
    ta_http_response_init(&resp, p->ctx, p->max_body,
                          stream ? chat_chunk : NULL, &st);
    uint32_t tflags = (stream ? TEEATTEST_HTTP_STREAM : 0) |
                      (is_https(call.url) ? TEEATTEST_HTTP_PEER_KEY : 0);
    teeattest_exchange *x = NULL;
    rc = ta_call_perform(p, &call, tflags, &resp, err);
    if (rc)
        goto done;
    if (stream) {
        /* Providers sometimes end without the final blank line. */
        rc = ta_sse_finish(&st.sse, true);
    } else if (resp.status >= 200 && resp.status <= 299) {
        st.id = json_id(p->ctx, (const char *)resp.body.data, resp.body.len,
                        &st.nomem);
        if (st.nomem)
            rc = TEEATTEST_E_NOMEM;
        else if (on_event &&
                 ta_buf_terminate(&resp.body) == TEEATTEST_OK &&
                 on_event(user_data, NULL, (const char *)resp.body.data,
                          resp.body.len) != 0)
            rc = 1;
    }
    if (rc) {
        rc = rc > 0 ? ta_error(err, TEEATTEST_E_CANCELLED, NULL,
                               "cancelled by the event callback")
                    : ta_error(err, rc, NULL, "reading the event stream: %s",
                               teeattest_status_str(rc));
        goto done;
    }
    x = ta_calloc(p->ctx, 1, sizeof *x);
    if (!x) {
        rc = ta_error(err, TEEATTEST_E_NOMEM, NULL, "allocating exchange");
        goto done;
    }
    atomic_init(&x->refs, 1);
    x->ctx = teeattest_ctx_ref(p->ctx);
    x->status = resp.status;
    x->stream = stream;
    /* The bytes sent are the dialect's copy of `body`: it is what the
     * transport put on the wire, byte for byte. */
    x->request = call.body;
    x->request_len = call.body_len;
    call.body = NULL;
    call.body_len = 0;
    x->response = ta_buf_steal(&resp.body, &x->response_len);
    x->id = st.id;
    st.id = NULL;
    if (resp.spki_len) {
        x->spki = ta_malloc(p->ctx, resp.spki_len);
        if (x->spki) {
            memcpy(x->spki, resp.spki, resp.spki_len);
            x->spki_len = resp.spki_len;
        }
    }
    if ((resp.spki_len && !x->spki) || (!x->response && x->response_len) ||
        copy_headers(x, &resp)) {
        rc = ta_error(err, TEEATTEST_E_NOMEM, NULL, "copying the exchange");
        teeattest_exchange_free(x);
        x = NULL;
        goto done;
    }
    *out = x;
done:
    ta_free(p->ctx, st.id);
    ta_sse_clear(&st.sse);
    ta_http_response_clear(&resp);
    ta_call_clear(p->ctx, &call);
    return rc;
}

TEEATTEST_API int teeattest_chat(teeattest_provider *p,
                                 teeattest_exchange **out,
                                 const uint8_t *body, size_t body_len,
                                 uint32_t flags,
                                 teeattest_event_fn on_event, void *user_data,
                                 teeattest_error *err)
{
    return chat_with(p, out, body, body_len, NULL, flags, on_event,
                     user_data, err);
}

TEEATTEST_API int teeattest_chat_e2ee(teeattest_provider *p,
                                      teeattest_exchange **out,
                                      const teeattest_e2ee_session *e2ee,
                                      uint32_t flags,
                                      teeattest_event_fn on_event,
                                      void *user_data, teeattest_error *err)
{
    if (out)
        *out = NULL;
    const uint8_t *body = NULL;
    size_t len = 0;
    if (!e2ee)
        return TA_INVALID(err, "e2ee is NULL");
    int rc = teeattest_e2ee_request_body(e2ee, &body, &len, err);
    if (rc)
        return rc;
    return chat_with(p, out, body, len, e2ee, flags, on_event, user_data,
                     err);
}

TEEATTEST_API teeattest_exchange *teeattest_exchange_ref(teeattest_exchange *x)
{
    if (x)
        atomic_fetch_add_explicit(&x->refs, 1, memory_order_relaxed);
    return x;
}

TEEATTEST_API void teeattest_exchange_free(teeattest_exchange *x)
{
    if (!x || atomic_fetch_sub_explicit(&x->refs, 1, memory_order_acq_rel) != 1)
        return;
    teeattest_ctx *ctx = x->ctx;
    for (size_t i = 0; i < x->n_headers; i++) {
        ta_free(ctx, x->headers[i].name);
        ta_free(ctx, x->headers[i].value);
    }
    ta_free(ctx, x->headers);
    ta_free(ctx, x->request);
    ta_free(ctx, x->response);
    ta_free(ctx, x->id);
    ta_free(ctx, x->spki);
    ta_free(ctx, x);
    teeattest_ctx_free(ctx);
}

TEEATTEST_API int32_t teeattest_exchange_status(const teeattest_exchange *x)
{
    return x ? x->status : 0;
}

TEEATTEST_API int teeattest_exchange_request(const teeattest_exchange *x,
                                             const uint8_t **body,
                                             size_t *len)
{
    if (!x || !body || !len)
        return TEEATTEST_E_INVALID_ARG;
    *body = x->request;
    *len = x->request_len;
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_exchange_response(const teeattest_exchange *x,
                                              const uint8_t **body,
                                              size_t *len)
{
    if (!x || !body || !len)
        return TEEATTEST_E_INVALID_ARG;
    static const uint8_t empty[1];
    *body = x->response ? x->response : empty;
    *len = x->response_len;
    return TEEATTEST_OK;
}

TEEATTEST_API const char *teeattest_exchange_id(const teeattest_exchange *x)
{
    return x ? x->id : NULL;
}

TEEATTEST_API const char *teeattest_exchange_header(
    const teeattest_exchange *x, const char *name)
{
    return ta_exchange_header(x, name);
}

const char *ta_exchange_header(const teeattest_exchange *x, const char *name)
{
    if (!x || !name)
        return NULL;
    for (size_t i = 0; i < x->n_headers; i++)
        if (strcasecmp(x->headers[i].name, name) == 0)
            return x->headers[i].value;
    return NULL;
}

TEEATTEST_API int teeattest_exchange_tls_spki(const teeattest_exchange *x,
                                              const uint8_t **der,
                                              size_t *len,
                                              teeattest_error *err)
{
    if (!x || !der || !len)
        return TA_INVALID(err, !x ? "exchange is NULL" : "der or len is NULL");
    if (!x->spki_len)
        return ta_error(err, TEEATTEST_E_NOT_FOUND, NULL,
                        "the transport reported no TLS key for this "
                        "exchange");
    *der = x->spki;
    *len = x->spki_len;
    return TEEATTEST_OK;
}

/* ---- signatures -------------------------------------------------------- */

TEEATTEST_API int teeattest_signature_fetch(teeattest_provider *p,
                                            teeattest_signature **out,
                                            const teeattest_exchange *x,
                                            const char *algo,
                                            teeattest_error *err)
{
    if (out)
        *out = NULL;
    if (!p || !out || !x)
        return TA_INVALID(err, !p ? "provider is NULL"
                               : !out ? "out is NULL" : "exchange is NULL");
    if (!algo)
        algo = p->signing_algo ? p->signing_algo : "ecdsa";
    if (strcmp(algo, "ecdsa") != 0 && strcmp(algo, "ed25519") != 0)
        return ta_error(err, TEEATTEST_E_SIG_ALGO, NULL,
                        "signing algorithm must be \"ecdsa\" or \"ed25519\"");
    const ta_dialect *d = p->dialect;
    if (d->signature_from_exchange) {
        int rc = d->signature_from_exchange(p, out, x, err);
        if (rc != TEEATTEST_E_NOT_FOUND || !d->signature_call) {
            if (rc == TEEATTEST_E_NOT_FOUND)
                rc = ta_error(err, TEEATTEST_E_SIGNATURE_UNAVAILABLE, NULL,
                              "the response carries no signature");
            return rc;
        }
    }
    if (!d->signature_call)
        return ta_error(err, TEEATTEST_E_UNSUPPORTED, NULL,
                        "dialect %s has no response signatures", d->name);
    if (!x->id)
        return ta_error(err, TEEATTEST_E_FIELD_MISSING, "id",
                        "the exchange has no response id to ask for its "
                        "signature");
    ta_call call;
    memset(&call, 0, sizeof call);
    int rc = d->signature_call(p, &call, x->id, algo, err);
    if (rc) {
        ta_call_clear(p->ctx, &call);
        return rc;
    }
    teeattest_http_response resp;
    for (size_t attempt = 0;; attempt++) {
        ta_http_response_init(&resp, p->ctx, TEEATTEST_SIGNATURE_RECORD_MAX,
                              NULL, NULL);
        rc = ta_call_perform(p, &call, 0, &resp, err);
        if (rc)
            break;
        if (resp.status == 404 && attempt < TA_ARRAY_LEN(signature_poll_ms)) {
            ta_http_response_clear(&resp);
            /* No poll is made that the deadline would cut short. */
            if (ta_deadline_left_ms(p->ctx, 0) <=
                (int64_t)signature_poll_ms[attempt]) {
                rc = ta_deadline_error(err, "the signature was stored "
                                       "(HTTP 404 so far)");
                ta_call_clear(p->ctx, &call);
                return rc;
            }
            ta_sleep_ms(p->ctx, signature_poll_ms[attempt]);
            continue;
        }
        if (resp.status == 404) {
            char excerpt[161];
            body_excerpt(excerpt, sizeof excerpt, resp.body.data,
                         resp.body.len);
            rc = ta_error_backend(err, TEEATTEST_E_SIGNATURE_UNAVAILABLE, 404,
                                  NULL, "signature expired or unknown (HTTP "
                                  "404%s%s)", excerpt[0] ? ": " : "", excerpt);
        } else if (resp.status < 200 || resp.status > 299) {
            rc = http_status_error(err, "signature", &resp);
        } else {
            rc = teeattest_signature_parse_json(p->ctx, out, resp.body.data,
                                                resp.body.len, err);
        }
        break;
    }
    ta_http_response_clear(&resp);
    ta_call_clear(p->ctx, &call);
    return rc;
}
