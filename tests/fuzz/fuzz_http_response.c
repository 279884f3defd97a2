/*
 * Fuzz target (white-box, internal API): the HTTP response sink a
 * transport fills (lib/transport/response.c: status, header lines, body
 * chunks, peer key), with the SSE parser as the per-chunk consumer, as in
 * a streamed answer.
 *
 * Input: u16le body limit (0: none) and a chunk budget (u8: the chunk
 * callback cancels after that many chunks, 0: never), then operations,
 * each an op byte and a u8 length (u16le when the op's bit 7 is set)
 * followed by that many bytes: op % 6 = 0 status (u16le of the bytes,
 * else 0), 1 a raw header line ("Name: value", split at the first ':' as
 * the curl transport does), 2 a body chunk, 3 the peer's SPKI, 4 a new
 * status line (headers so far are forgotten), 5 a header lookup.
 * Invariants (a model kept beside the sink): the body is exactly the
 * chunks accepted, in order, never beyond the limit; the first refusal is
 * sticky and every later write returns it; a cancelled write is
 * TEEATTEST_E_CANCELLED; the status is set only for 100..599; an accepted
 * header is found by its name in any case, its value trimmed; header bytes
 * stay within TA_HTTP_HEADERS_MAX; no leak, never NOMEM.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <ctype.h>
#include <strings.h>

#include "fuzz.h"

#include "core/core.h"
#include "transport/sse.h"
#include "transport/transport.h"

typedef struct consumer {
    ta_sse sse;
    size_t chunks, budget;
} consumer;

static int on_event(void *ud, const char *event, const char *data,
                    size_t len)
{
    (void)ud;
    (void)event;
    FUZZ_CHECK(data[len] == '\0');
    return 0;
}

static int on_chunk(void *ud, const uint8_t *data, size_t len)
{
    consumer *c = ud;
    FUZZ_CHECK(len > 0);
    if (c->budget && ++c->chunks > c->budget)
        return 1; /* cancel */
    int rc = ta_sse_feed(&c->sse, data, len);
    FUZZ_CHECK(rc == 0);
    return 0;
}

/* No leading or trailing SP, HTAB, CR or LF (what the sink trims: HTTP's
 * optional white space and the line end; \v or \f are value bytes). */
static bool ows(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool trimmed(const char *v)
{
    size_t n = strlen(v);
    return !n || (!ows(v[0]) && !ows(v[n - 1]));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    uint64_t max_body = (uint64_t)data[0] | (uint64_t)data[1] << 8;
    fuzz_heap heap;
    teeattest_ctx *ctx = fuzz_ctx_new(&heap);
    consumer c;
    memset(&c, 0, sizeof c);
    c.budget = data[2];
    ta_sse_init(&c.sse, ctx, on_event, NULL);
    teeattest_http_response resp;
    ta_http_response_init(&resp, ctx, max_body, on_chunk, &c);

    ta_buf model;              /* the body as it must be */
    ta_buf_init(&model, ctx, 0);
    int sticky = 0;            /* the first refusal */
    int32_t status = 0;
    size_t n_headers = 0;
    size_t off = 3;
    while (off < size) {
        uint8_t op = data[off++];
        size_t len;
        if (op & 0x80) {
            if (off + 2 > size)
                break;
            len = (size_t)data[off] | (size_t)data[off + 1] << 8;
            off += 2;
        } else {
            if (off + 1 > size)
                break;
            len = data[off++];
        }
        if (len > size - off)
            len = size - off;
        /* an exact-size copy: ASan sees reads past it */
        uint8_t *arg = malloc(len ? len : 1);
        FUZZ_CHECK(arg != NULL);
        memcpy(arg, data + off, len);
        off += len;
        switch ((op & 0x7f) % 6) {
        case 0: {
            int32_t s = len >= 2 ? (int32_t)(arg[0] | arg[1] << 8) : 0;
            int rc = ta_http_response_set_status(&resp, s);
            FUZZ_CHECK((rc == TEEATTEST_OK) == (s >= 100 && s <= 599));
            FUZZ_CHECK(rc == TEEATTEST_OK || rc == TEEATTEST_E_INVALID_ARG);
            if (rc == TEEATTEST_OK)
                status = s;
            break;
        }
        case 1: {
            const uint8_t *colon = memchr(arg, ':', len);
            size_t nl = colon ? (size_t)(colon - arg) : len;
            const char *v = colon ? (const char *)colon + 1 : NULL;
            size_t vl = colon ? len - nl - 1 : 0;
            size_t before = resp.header_bytes;
            int rc = ta_http_response_add_header(&resp, (const char *)arg,
                                                 nl, v, vl);
            FUZZ_CHECK(rc == TEEATTEST_OK || rc == TEEATTEST_E_INVALID_ARG ||
                       rc == TEEATTEST_E_TOO_LARGE);
            if (rc == TEEATTEST_OK) {
                n_headers++;
                FUZZ_CHECK(nl > 0 && !memchr(arg, 0, nl));
                char *name = ta_strndup(ctx, (const char *)arg, nl);
                FUZZ_CHECK(name != NULL);
                for (size_t i = 0; i < nl; i++) /* any case finds it */
                    if (i & 1)
                        name[i] = (char)toupper((unsigned char)name[i]);
                const char *got = ta_http_response_header(&resp, name);
                FUZZ_CHECK(got != NULL && trimmed(got));
                ta_free(ctx, name);
                const ta_header *h = &resp.headers[resp.n_headers - 1];
                FUZZ_CHECK(trimmed(h->value) && strlen(h->value) <= vl);
                FUZZ_CHECK(resp.header_bytes > before || nl == 0);
            } else {
                FUZZ_CHECK(resp.header_bytes == before);
            }
            FUZZ_CHECK(resp.header_bytes <= TA_HTTP_HEADERS_MAX);
            break;
        }
        case 2: {
            int rc = ta_http_response_write(&resp, arg, len);
            if (!len) {
                FUZZ_CHECK(rc == TEEATTEST_OK);
            } else if (sticky) {
                FUZZ_CHECK(rc == sticky);
            } else if (rc == TEEATTEST_OK) {
                FUZZ_CHECK(ta_buf_append(&model, arg, len) == TEEATTEST_OK);
            } else {
                FUZZ_CHECK(rc == TEEATTEST_E_RESPONSE_TOO_LARGE ||
                           rc == TEEATTEST_E_CANCELLED);
                if (rc == TEEATTEST_E_RESPONSE_TOO_LARGE)
                    FUZZ_CHECK(max_body &&
                               model.len + len > max_body);
                else /* the refused chunk was still kept */
                    FUZZ_CHECK(ta_buf_append(&model, arg, len) ==
                               TEEATTEST_OK);
                sticky = rc;
            }
            FUZZ_CHECK(resp.write_error == sticky);
            FUZZ_CHECK(resp.body.len == model.len &&
                       (!model.len || memcmp(resp.body.data, model.data,
                                             model.len) == 0));
            FUZZ_CHECK(!max_body || resp.body.len <= max_body);
            break;
        }
        case 3: {
            int rc = ta_http_response_set_peer_spki(&resp, len ? arg : NULL,
                                                    len);
            FUZZ_CHECK(rc == TEEATTEST_OK ? len && len <= TA_HTTP_SPKI_MAX &&
                                                resp.spki_len == len &&
                                                memcmp(resp.spki, arg, len) == 0
                                          : rc == TEEATTEST_E_INVALID_ARG ||
                                                rc == TEEATTEST_E_TOO_LARGE);
            break;
        }
        case 4:
            ta_http_response_reset_headers(&resp);
            n_headers = 0;
            FUZZ_CHECK(resp.header_bytes == 0);
            break;
        default: {
            char *name = ta_strndup(ctx, (const char *)arg, len);
            FUZZ_CHECK(name != NULL);
            const char *got = ta_http_response_header(&resp, name);
            if (got)
                FUZZ_CHECK(n_headers > 0 && trimmed(got));
            ta_free(ctx, name);
            break;
        }
        }
        free(arg);
        FUZZ_CHECK(resp.status == status);
        FUZZ_CHECK(resp.n_headers == n_headers);
    }
    (void)ta_sse_finish(&c.sse, true);
    ta_sse_clear(&c.sse);
    ta_buf_free(&model);
    ta_http_response_clear(&resp);
    fuzz_ctx_done(ctx, &heap);
    return 0;
}
