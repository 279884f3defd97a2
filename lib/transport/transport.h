/*
 * Internal transport layer: the response sink a transport backend fills.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_TRANSPORT_H
#define TA_TRANSPORT_H

#include "../core/core.h"

#define TA_HTTP_HEADERS_MAX (64u * 1024u)
#define TA_HTTP_SPKI_MAX (16u * 1024u)
/* Longest message a custom transport can record with
 * teeattest_http_response_set_error() (the size of teeattest_error's). */
#define TA_HTTP_ERROR_MAX 256u

/* Per-chunk callback: 0 continues; a negative teeattest_status fails the
 * exchange with that status; any other value cancels it
 * (TEEATTEST_E_CANCELLED). */
typedef int (*ta_chunk_fn)(void *ud, const uint8_t *data, size_t len);

typedef struct ta_header {
    char *name;
    char *value;
} ta_header;

struct teeattest_http_response {
    const teeattest_ctx *ctx;
    int32_t status;
    ta_header *headers;
    size_t n_headers, cap_headers, header_bytes;
    ta_buf body;           /* every byte received, as received */
    uint64_t max_body;     /* 0 = no limit */
    ta_chunk_fn on_chunk;  /* may be NULL */
    void *chunk_ud;
    uint8_t *spki;
    size_t spki_len;
    /* The first refusal teeattest_http_response_write() returned. Sticky:
     * later writes are refused too, and the library reports it even if a
     * custom transport ignored the refusal and returned TEEATTEST_OK. */
    int write_error;
    /* What a custom transport said went wrong
     * (teeattest_http_response_set_error): printable ASCII only. */
    bool has_error;
    int32_t error_backend_code;
    char error_message[TA_HTTP_ERROR_MAX];
};

void ta_http_response_init(teeattest_http_response *r, const teeattest_ctx *ctx,
                           uint64_t max_body, ta_chunk_fn on_chunk,
                           void *chunk_ud);
void ta_http_response_clear(teeattest_http_response *r);
/* Case-insensitive lookup of the first header with this name. */
const char *ta_http_response_header(const teeattest_http_response *r,
                                    const char *name);
/* The public teeattest_http_response_* functions (backend.h), same
 * contracts, for the library's own transports. Calling the exported names
 * from a translation unit linked before response.c makes abidw (libabigail
 * 2.2) record them as declarations only, and the ABI check then reports
 * them removed. */
int ta_http_response_set_status(teeattest_http_response *resp,
                                int32_t status);
int ta_http_response_add_header(teeattest_http_response *resp,
                                const char *name, size_t name_len,
                                const char *value, size_t value_len);
int ta_http_response_write(teeattest_http_response *resp,
                           const uint8_t *data, size_t len);
int ta_http_response_set_peer_spki(teeattest_http_response *resp,
                                   const uint8_t *der, size_t der_len);
int ta_http_response_set_error(teeattest_http_response *resp,
                               int32_t backend_code, const char *message);
/* Forget the headers recorded so far (a transport saw a new status line,
 * e.g. after "100 Continue" or a proxy's CONNECT answer). */
void ta_http_response_reset_headers(teeattest_http_response *r);
/* Forget everything an attempt recorded (status, headers, body, peer key,
 * refusal, error) but keep the limit and chunk callback: the sink is ready
 * for the next attempt. */
void ta_http_response_reset(teeattest_http_response *r);

/* ---- requests ----------------------------------------------------------- */

#define TA_CALL_HEADERS_MAX 16

/* One HTTP request, fully described; every string is owned (ta_call_clear
 * frees them). An Authorization header, when there is one, is among
 * `headers`: never log a ta_call's headers. */
typedef struct ta_call {
    const char *method;   /* static: "GET" or "POST" */
    char *url;            /* absolute, query already percent-encoded */
    char *headers[TA_CALL_HEADERS_MAX]; /* "Name: value" */
    size_t n_headers;
    uint8_t *body;        /* exact bytes to send, or NULL */
    size_t body_len;
    bool idempotent;      /* may be retried (GET of report/signature) */
} ta_call;

/* Frees the strings and the body; the header strings are wiped first. */
void ta_call_clear(const teeattest_ctx *ctx, ta_call *c);
/* Append "Name: value" (copied). Refuses a name that is not an RFC 9110
 * token and a value holding CR, LF or other control characters. */
int ta_call_add_header(const teeattest_ctx *ctx, ta_call *c, const char *name,
                       const char *value) TA_WARN_UNUSED;
/* Append "Authorization: Bearer <token>"; the temporary copy is wiped.
 * TEEATTEST_OK, TEEATTEST_E_NOMEM, or ta_call_add_header's refusals. */
int ta_call_add_bearer(const teeattest_ctx *ctx, ta_call *c,
                       const char *token) TA_WARN_UNUSED;

/* How to send a ta_call: everything about the request that is not its
 * bytes. Zero-initialise and set what applies. */
typedef struct ta_request_opts {
    /* Absolute deadline, Unix ms on the context clock (ta_now_ms); 0 =
     * none of its own. The context's deadline (teeattest_ctx_options
     * .deadline_ms) always applies too: the earlier one wins. */
    int64_t deadline_ms;
    /* Retries after the first attempt, for idempotent GETs only (capped at
     * TA_RETRIES_MAX). */
    uint32_t retries;
    /* Largest body accepted; 0 = the response sink's own limit. */
    uint64_t max_body;
    /* Per-attempt limits (0 = the transport's default connect timeout, no
     * total limit, no idle limit), each cut to the time left before the
     * deadline. */
    uint32_t connect_ms, total_ms, idle_ms;
    uint32_t flags;          /* TEEATTEST_HTTP_STREAM | _PEER_KEY */
    const char *ca_file;     /* may be NULL */
    const char *pinned_key;  /* may be NULL */
    const char *user_agent;  /* NULL = "libteeattest/<version>" */
} ta_request_opts;

/* Defaults of the services that are not providers (PCS/PCCS, NRAS, RIM,
 * OCSP, JWKS): time to connect, and a whole attempt. */
#define TA_SERVICE_CONNECT_MS 10000u
#define TA_SERVICE_TOTAL_MS 30000u
/* Hard cap on retries whatever a setting says. */
#define TA_RETRIES_MAX 10u

/* THE way the library makes a request: every provider, PCS/PCCS, NRAS,
 * RIM, OCSP and JWKS exchange goes through here. Sends `call` through
 * ta_http_perform() with a User-Agent (unless the call has one), the
 * options' limits and TLS settings. An idempotent GET is retried up to
 * o->retries times with exponential backoff (250 ms, doubling, at most
 * 10 s; Retry-After in seconds honoured up to 10 s), through ta_sleep_ms,
 * on transport errors other than TLS and on HTTP 429/502/503/504, unless
 * its body already reached a chunk callback; a POST is never retried.
 *
 * Deadline: each attempt's connect and total limits are cut to the time
 * left; no attempt starts once the deadline has passed (TEEATTEST_E_TIMEOUT,
 * "overall deadline expired"), a timeout that ends at the deadline says so
 * too, and a retry whose wait would reach the deadline is not made (the
 * last attempt's outcome is returned).
 *
 * `resp` is initialised by the caller (limit, chunk callback); between
 * attempts it is reset. Returns TEEATTEST_OK when a response arrived (any
 * status: the caller judges it), else the transport error with `err`
 * filled (message and backend code as the transport gave them). */
int ta_request(teeattest_ctx *ctx, const ta_call *call,
               const ta_request_opts *o, teeattest_http_response *resp,
               teeattest_error *err);

/* The options of a request to a service that is not a provider: zeroed,
 * then TA_SERVICE_CONNECT_MS / TA_SERVICE_TOTAL_MS per attempt, `retries`
 * (GETs only) and `max_body`. Callers adjust what differs. */
void ta_service_opts(ta_request_opts *o, uint32_t retries, uint64_t max_body);

/* A request to a service that is not a provider (PCS/PCCS, RIM service,
 * JWKS, NRAS, OCSP) through ta_request() with the options `o`: "GET" is
 * idempotent (retried up to o->retries times), "POST" is sent once (the
 * service may have acted on it even when its answer was lost). Headers:
 * "Content-Type: <content_type>" and "Accept: <accept>" when not NULL,
 * "Authorization: Bearer <bearer>" when `bearer` is set and not empty
 * (wiped afterwards). `body` is borrowed. Returns as ta_request. */
int ta_service_request(teeattest_ctx *ctx, const char *method,
                       const char *url, const char *content_type,
                       const char *accept, const char *bearer,
                       const uint8_t *body, size_t body_len,
                       const ta_request_opts *o, teeattest_http_response *resp,
                       teeattest_error *err);

/* Milliseconds left before the earlier of `deadline_ms` (0 = none) and
 * the context's deadline; INT64_MAX when there is neither, <= 0 once it
 * has passed. */
int64_t ta_deadline_left_ms(const teeattest_ctx *ctx, int64_t deadline_ms);
/* Fill `err` with TEEATTEST_E_TIMEOUT: the overall deadline expired
 * before `what` (e.g. "GET https://..."). */
int ta_deadline_error(teeattest_error *err, const char *what);

/* ---- performing one attempt -------------------------------------------- */

/* One attempt through the context's transport: the caller's custom
 * transport when it has one (and it does not answer
 * TEEATTEST_E_PASSTHROUGH), else the built-in libcurl transport. `resp`
 * must be freshly initialised. Returns TEEATTEST_OK when an HTTP response
 * arrived (any status); fills `err` otherwise. No retries and no deadline
 * here: the library calls it only from ta_request (the transport's own
 * tests call it directly). */
int ta_http_perform(teeattest_ctx *ctx, teeattest_http_response *resp,
                    const teeattest_http_request *req, teeattest_error *err);

/* Wait `ms` milliseconds between retries and polls: the context's sleep
 * hook when set (tests make waiting instantaneous and count it), else a
 * real monotonic sleep. */
void ta_sleep_ms(const teeattest_ctx *ctx, uint32_t ms);

/* ---- built-in libcurl transport (curl.c, or curl_none.c without it) --- */

struct ta_curl_pool;
/* Whether this build has the libcurl transport. */
bool ta_curl_available(void);
/* The context's pool of easy handles, created on first use (thread-safe:
 * concurrent first callers race with compare-and-swap and the loser frees
 * its pool). TEEATTEST_E_UNSUPPORTED without libcurl. */
int ta_curl_pool_get(teeattest_ctx *ctx, struct ta_curl_pool **out);
/* Called by teeattest_ctx_free(); NULL is a no-op. */
void ta_curl_pool_free(const teeattest_ctx *ctx, struct ta_curl_pool *pool);
/* Perform one exchange. On failure `detail` (may be NULL) receives a
 * message without secrets and *curl_code the CURLcode (0 if none). */
int ta_curl_perform(struct ta_curl_pool *pool, teeattest_http_response *resp,
                    const teeattest_http_request *req, char *detail,
                    size_t detail_cap, int32_t *curl_code);

#endif /* TA_TRANSPORT_H */
