/*
 * Incremental server-sent-events parser (see sse.h for the rules).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>

#include "sse.h"

static const uint8_t bom[3] = {0xEF, 0xBB, 0xBF};

void ta_sse_init(ta_sse *s, const teeattest_ctx *ctx, ta_sse_event_fn fn,
                 void *ud)
{
    memset(s, 0, sizeof *s);
    s->ctx = ctx;
    s->fn = fn;
    s->ud = ud;
    ta_buf_init(&s->line, ctx, TA_SSE_LINE_MAX);
    ta_buf_init(&s->data, ctx, TA_SSE_LINE_MAX);
    ta_buf_init(&s->event, ctx, TA_SSE_LINE_MAX);
}

void ta_sse_clear(ta_sse *s)
{
    ta_buf_free(&s->line);
    ta_buf_free(&s->data);
    ta_buf_free(&s->event);
    s->has_data = s->has_event = false;
}

static int stop(ta_sse *s, int rc)
{
    s->stopped = rc;
    return rc;
}

static int dispatch(ta_sse *s)
{
    bool has_data = s->has_data, has_event = s->has_event;
    s->has_data = s->has_event = false;
    if (!has_data) {
        /* An event with only a type (or nothing) is dropped, type and
         * all (WHATWG: "if the data buffer is empty ... return"). */
        s->data.len = 0;
        s->event.len = 0;
        return 0;
    }
    int rc = ta_buf_terminate(&s->data);
    if (!rc && has_event)
        rc = ta_buf_terminate(&s->event);
    if (rc)
        return stop(s, rc);
    size_t len = s->data.len;
    s->data.len = 0;
    s->event.len = 0;
    /* The buffers stay allocated (and NUL-terminated) during the call;
     * only their lengths were reset. */
    rc = s->fn ? s->fn(s->ud, has_event ? (const char *)s->event.data : NULL,
                       (const char *)s->data.data, len)
               : 0;
    return rc ? stop(s, rc) : 0;
}

static int field(ta_sse *s, const uint8_t *line, size_t len)
{
    if (len == 0)
        return dispatch(s);
    if (line[0] == ':')
        return 0; /* comment (often a keep-alive) */
    const uint8_t *colon = memchr(line, ':', len);
    size_t nlen = colon ? (size_t)(colon - line) : len;
    const uint8_t *val = colon ? colon + 1 : line + len;
    size_t vlen = colon ? len - nlen - 1 : 0;
    if (vlen && val[0] == ' ') {
        val++;
        vlen--;
    }
    int rc = 0;
    if (nlen == 4 && memcmp(line, "data", 4) == 0) {
        if (s->has_data)
            rc = ta_buf_append(&s->data, "\n", 1);
        if (!rc)
            rc = ta_buf_append(&s->data, val, vlen);
        s->has_data = true;
    } else if (nlen == 5 && memcmp(line, "event", 5) == 0) {
        s->event.len = 0;
        rc = ta_buf_append(&s->event, val, vlen);
        s->has_event = true;
    }
    /* "id", "retry" and unknown fields are ignored: we neither reconnect
     * nor resume. */
    return rc ? stop(s, rc) : 0;
}

/* A complete line: from the current piece directly when nothing is
 * buffered (the common case: no copy), else appended to the buffer. */
static int line_done(ta_sse *s, const uint8_t *p, size_t n)
{
    if (s->line.len == 0)
        return field(s, p, n);
    int rc = ta_buf_append(&s->line, p, n);
    if (rc)
        return stop(s, rc);
    rc = field(s, s->line.data, s->line.len);
    s->line.len = 0;
    return rc;
}

/* Offset of the first CR or LF, or len. Two memchr passes instead of one
 * byte loop: the scan was most of the library's CPU time on a long
 * stream (docs/performance.md, bench-transport). */
static size_t line_end(const uint8_t *data, size_t len)
{
    const uint8_t *nl = memchr(data, '\n', len);
    size_t lim = nl ? (size_t)(nl - data) : len;
    const uint8_t *cr = memchr(data, '\r', lim);
    return cr ? (size_t)(cr - data) : lim;
}

int ta_sse_feed(ta_sse *s, const uint8_t *data, size_t len)
{
    if (s->stopped)
        return s->stopped;
    if (!data || !len)
        return 0;
    /* A BOM may itself arrive split: its first bytes wait in `line` until
     * the rest confirms or refutes it. They are not line ends, so when
     * refuted they simply stay as the start of the first line. */
    while (!s->started && len) {
        if (data[0] != bom[s->line.len]) {
            s->started = true;
            break;
        }
        int rc = ta_buf_append(&s->line, data, 1);
        if (rc)
            return stop(s, rc);
        data++;
        len--;
        if (s->line.len == sizeof bom) {
            s->line.len = 0;
            s->started = true;
        }
    }
    while (len) {
        if (s->last_cr) {
            /* CR ended the previous piece: an LF here completes CRLF. */
            s->last_cr = false;
            if (data[0] == '\n') {
                data++;
                len--;
                continue;
            }
        }
        size_t i = line_end(data, len);
        if (i == len) {
            if (len > TA_SSE_LINE_MAX - s->line.len)
                return stop(s, TEEATTEST_E_TOO_LARGE);
            int rc = ta_buf_append(&s->line, data, len);
            return rc ? stop(s, rc) : 0;
        }
        if (i > TA_SSE_LINE_MAX - s->line.len)
            return stop(s, TEEATTEST_E_TOO_LARGE);
        int rc = line_done(s, data, i);
        if (rc)
            return rc;
        if (data[i] == '\r') {
            if (i + 1 < len) {
                if (data[i + 1] == '\n')
                    i++;
            } else {
                s->last_cr = true;
            }
        }
        data += i + 1;
        len -= i + 1;
    }
    return 0;
}

int ta_sse_finish(ta_sse *s, bool dispatch_partial)
{
    if (s->stopped)
        return s->stopped;
    s->last_cr = false;
    if (!dispatch_partial) {
        /* The standard: an event not ended by a blank line is discarded. */
        s->line.len = s->data.len = s->event.len = 0;
        s->has_data = s->has_event = false;
        return 0;
    }
    if (s->line.len) {
        size_t n = s->line.len;
        s->line.len = 0;
        int rc = field(s, s->line.data, n);
        if (rc)
            return rc;
    }
    /* Leaves nothing pending, so a second finish dispatches nothing. */
    return dispatch(s);
}
