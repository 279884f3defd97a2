/*
 * Incremental server-sent-events parser (WHATWG "event stream" rules).
 *
 * Fed the response body in whatever pieces the network delivers; calls back
 * once per dispatched event. It only *reads* the stream: the bytes hashed
 * for signatures are the raw body kept by the response sink, so CRLF, split
 * chunks and multi-line events change nothing that is hashed.
 *
 * Rules implemented: lines end in CRLF, LF or CR (a CR at the end of one
 * piece and an LF at the start of the next are one line end); a blank line
 * dispatches the event; "data" lines are joined with '\n'; "event" sets the
 * type; lines starting with ':' are comments; a field without ':' has an
 * empty value; one leading space of a value is removed; an event with no
 * data line is not dispatched; a UTF-8 BOM at the very start is skipped.
 * Limits: a line or an event's data longer than TA_SSE_LINE_MAX fails with
 * TEEATTEST_E_TOO_LARGE.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_SSE_H
#define TA_SSE_H

#include "../core/core.h"

#define TA_SSE_LINE_MAX (8u * 1024u * 1024u)

/* `event` is NULL when the event had no "event" field; `data` is
 * NUL-terminated at data[len]. 0 continues; any other value stops the
 * parser, and ta_sse_feed()/ta_sse_finish() return it. */
typedef int (*ta_sse_event_fn)(void *ud, const char *event, const char *data,
                               size_t len);

typedef struct ta_sse {
    const teeattest_ctx *ctx;
    ta_sse_event_fn fn;
    void *ud;
    ta_buf line;      /* the current, unfinished line */
    ta_buf data;      /* data of the event being built */
    ta_buf event;     /* its type */
    bool has_data;
    bool has_event;
    bool last_cr;     /* previous piece ended in CR */
    bool started;     /* past a possible BOM */
    int stopped;      /* sticky: the callback's or an internal error */
} ta_sse;

void ta_sse_init(ta_sse *s, const teeattest_ctx *ctx, ta_sse_event_fn fn,
                 void *ud);
/* Returns 0, the callback's non-zero value, TEEATTEST_E_TOO_LARGE or
 * TEEATTEST_E_NOMEM. After a non-zero return the parser stays stopped. */
int ta_sse_feed(ta_sse *s, const uint8_t *data, size_t len);
/* End of stream: per the standard an unterminated last event is dropped;
 * we dispatch it when `dispatch_partial` (providers sometimes omit the
 * final blank line). */
int ta_sse_finish(ta_sse *s, bool dispatch_partial);
void ta_sse_clear(ta_sse *s);

#endif /* TA_SSE_H */
