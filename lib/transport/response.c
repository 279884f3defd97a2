/*
 * The HTTP response sink: what a transport backend reports, kept exactly.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>
#include <strings.h>

#include "transport.h"

void ta_http_response_init(teeattest_http_response *r, const teeattest_ctx *ctx,
                           uint64_t max_body, ta_chunk_fn on_chunk,
                           void *chunk_ud)
{
    memset(r, 0, sizeof *r);
    r->ctx = ctx;
    r->max_body = max_body;
    r->on_chunk = on_chunk;
    r->chunk_ud = chunk_ud;
    ta_buf_init(&r->body, ctx, 0);
}

void ta_http_response_clear(teeattest_http_response *r)
{
    for (size_t i = 0; i < r->n_headers; i++) {
        ta_free(r->ctx, r->headers[i].name);
        ta_free(r->ctx, r->headers[i].value);
    }
    ta_free(r->ctx, r->headers);
    ta_free(r->ctx, r->spki);
    ta_buf_free(&r->body);
    r->headers = NULL;
    r->spki = NULL;
    r->n_headers = r->cap_headers = r->header_bytes = r->spki_len = 0;
}

void ta_http_response_reset_headers(teeattest_http_response *r)
{
    for (size_t i = 0; i < r->n_headers; i++) {
        ta_free(r->ctx, r->headers[i].name);
        ta_free(r->ctx, r->headers[i].value);
    }
    r->n_headers = 0;
    r->header_bytes = 0;
}

void ta_http_response_reset(teeattest_http_response *r)
{
    ta_http_response_reset_headers(r);
    r->status = 0;
    r->body.len = 0;
    r->write_error = 0;
    ta_free(r->ctx, r->spki);
    r->spki = NULL;
    r->spki_len = 0;
    r->has_error = false;
    r->error_backend_code = 0;
    r->error_message[0] = '\0';
}

const char *ta_http_response_header(const teeattest_http_response *r,
                                    const char *name)
{
    for (size_t i = 0; i < r->n_headers; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}

int ta_http_response_set_status(teeattest_http_response *resp,
                                int32_t status)
{
    if (!resp || status < 100 || status > 599)
        return TEEATTEST_E_INVALID_ARG;
    resp->status = status;
    return TEEATTEST_OK;
}

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

int ta_http_response_add_header(teeattest_http_response *resp,
                                const char *name, size_t name_len,
                                const char *value, size_t value_len)
{
    if (!resp || !name || !name_len || (!value && value_len))
        return TEEATTEST_E_INVALID_ARG;
    for (size_t i = 0; i < name_len; i++)
        if (name[i] <= ' ' || name[i] == ':' || name[i] == 0x7f)
            return TEEATTEST_E_INVALID_ARG;
    /* A NUL would cut the stored copy short (HTTP forbids it anyway). */
    if (value_len && memchr(value, '\0', value_len))
        return TEEATTEST_E_INVALID_ARG;
    while (value_len && is_space(value[0])) {
        value++;
        value_len--;
    }
    while (value_len && is_space(value[value_len - 1]))
        value_len--;
    if (name_len + value_len > TA_HTTP_HEADERS_MAX - resp->header_bytes)
        return TEEATTEST_E_TOO_LARGE;
    if (resp->n_headers == resp->cap_headers) {
        size_t cap = resp->cap_headers ? resp->cap_headers * 2 : 16;
        ta_header *h = ta_realloc(resp->ctx, resp->headers, cap * sizeof *h);
        if (!h)
            return TEEATTEST_E_NOMEM;
        resp->headers = h;
        resp->cap_headers = cap;
    }
    char *n = ta_strndup(resp->ctx, name, name_len);
    char *v = ta_strndup(resp->ctx, value ? value : "", value_len);
    if (!n || !v) {
        ta_free(resp->ctx, n);
        ta_free(resp->ctx, v);
        return TEEATTEST_E_NOMEM;
    }
    resp->headers[resp->n_headers++] = (ta_header){n, v};
    resp->header_bytes += name_len + value_len;
    return TEEATTEST_OK;
}

int ta_http_response_write(teeattest_http_response *resp,
                           const uint8_t *data, size_t len)
{
    if (!resp || (!data && len))
        return TEEATTEST_E_INVALID_ARG;
    if (!len)
        return TEEATTEST_OK; /* not a chunk */
    if (resp->write_error)
        return resp->write_error;
    if (resp->max_body && (uint64_t)len > resp->max_body - resp->body.len)
        return resp->write_error = TEEATTEST_E_RESPONSE_TOO_LARGE;
    int rc = ta_buf_append(&resp->body, data, len);
    if (rc)
        return resp->write_error = rc == TEEATTEST_E_TOO_LARGE
                                       ? TEEATTEST_E_RESPONSE_TOO_LARGE
                                       : rc;
    if (resp->on_chunk) {
        rc = resp->on_chunk(resp->chunk_ud, data, len);
        if (rc)
            return resp->write_error = rc < 0 ? rc : TEEATTEST_E_CANCELLED;
    }
    return TEEATTEST_OK;
}

int ta_http_response_set_peer_spki(teeattest_http_response *resp,
                                   const uint8_t *der, size_t der_len)
{
    if (!resp || !der || !der_len)
        return TEEATTEST_E_INVALID_ARG;
    if (der_len > TA_HTTP_SPKI_MAX)
        return TEEATTEST_E_TOO_LARGE;
    uint8_t *p = ta_malloc(resp->ctx, der_len);
    if (!p)
        return TEEATTEST_E_NOMEM;
    memcpy(p, der, der_len);
    ta_free(resp->ctx, resp->spki);
    resp->spki = p;
    resp->spki_len = der_len;
    return TEEATTEST_OK;
}

int ta_http_response_set_error(teeattest_http_response *resp,
                               int32_t backend_code, const char *message)
{
    if (!resp)
        return TEEATTEST_E_INVALID_ARG;
    /* The message reaches logs and terminals: printable ASCII only, cut to
     * what teeattest_error holds. */
    size_t o = 0;
    for (const char *m = message; m && *m && o + 1 < sizeof resp->error_message;
         m++) {
        unsigned char c = (unsigned char)*m;
        resp->error_message[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    resp->error_message[o] = '\0';
    resp->error_backend_code = backend_code;
    resp->has_error = true;
    return TEEATTEST_OK;
}

/* ---- public entry points ------------------------------------------------ */

TEEATTEST_API int teeattest_http_response_set_status(
    teeattest_http_response *resp, int32_t status)
{
    return ta_http_response_set_status(resp, status);
}

TEEATTEST_API int teeattest_http_response_add_header(
    teeattest_http_response *resp, const char *name, size_t name_len,
    const char *value, size_t value_len)
{
    return ta_http_response_add_header(resp, name, name_len, value,
                                       value_len);
}

TEEATTEST_API int teeattest_http_response_write(
    teeattest_http_response *resp, const uint8_t *data, size_t len)
{
    return ta_http_response_write(resp, data, len);
}

TEEATTEST_API int teeattest_http_response_set_peer_spki(
    teeattest_http_response *resp, const uint8_t *der, size_t der_len)
{
    return ta_http_response_set_peer_spki(resp, der, der_len);
}

TEEATTEST_API int teeattest_http_response_set_error(
    teeattest_http_response *resp, int32_t backend_code, const char *message)
{
    return ta_http_response_set_error(resp, backend_code, message);
}
