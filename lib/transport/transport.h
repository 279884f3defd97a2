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
};

void ta_http_response_init(teeattest_http_response *r, const teeattest_ctx *ctx,
                           uint64_t max_body, ta_chunk_fn on_chunk,
                           void *chunk_ud);
void ta_http_response_clear(teeattest_http_response *r);
/* Case-insensitive lookup of the first header with this name. */
const char *ta_http_response_header(const teeattest_http_response *r,
                                    const char *name);

/* ---- built-in libcurl transport ------------------------------------- */

/* Internal request flag: the caller needs the TLS peer's key, so the
 * transfer must use a new connection (certificates are only seen during a
 * handshake). */
#define TA_HTTP_WANT_PEER_KEY 0x8000u

typedef struct ta_curl_settings {
    const char *ca_file;    /* NULL = the system CA bundle */
    const char *pinned_key; /* curl's "sha256//<base64>" form, or NULL */
    const char *user_agent;
} ta_curl_settings;

struct ta_curl_pool;
int ta_curl_pool_new(const teeattest_ctx *ctx, struct ta_curl_pool **out);
void ta_curl_pool_free(const teeattest_ctx *ctx, struct ta_curl_pool *pool);
/* Perform one exchange; *curl_code receives the CURLcode (0 if none). */
int ta_curl_perform(struct ta_curl_pool *pool, const ta_curl_settings *set,
                    teeattest_http_response *resp,
                    const teeattest_http_request *req, int32_t *curl_code);

#endif /* TA_TRANSPORT_H */
