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

#endif /* TA_TRANSPORT_H */
