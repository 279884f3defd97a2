/*
 * The server-sent-events parser: line ends (CRLF, LF, CR, and a CRLF split
 * between pieces), every split position of a sample stream giving the same
 * events, multi-line data, comments, event types, a BOM (whole or split),
 * a missing final blank line, size limits, stopping from the callback and
 * allocation failures.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "unit.h"

#include "transport/sse.h"

/* Events rendered as "type|data" joined by '#' ('-' for no type), with
 * '\n' inside data shown as '/' so expectations fit on one line. */
typedef struct rec {
    char log[4096];
    size_t n;
    size_t events;
    size_t stop_at; /* return `stop_rc` on this event (1-based); 0 = never */
    int stop_rc;
    bool nul_ok;    /* data[len] was NUL every time */
} rec;

static void put(rec *r, char c)
{
    if (r->n + 1 < sizeof r->log) {
        r->log[r->n++] = c;
        r->log[r->n] = '\0';
    }
}

static int on_event(void *ud, const char *event, const char *data, size_t len)
{
    rec *r = ud;
    r->events++;
    if (r->events == 1)
        r->nul_ok = true;
    if (data[len] != '\0')
        r->nul_ok = false;
    if (r->n)
        put(r, '#');
    if (event)
        for (const char *p = event; *p; p++)
            put(r, *p);
    else
        put(r, '-');
    put(r, '|');
    for (size_t i = 0; i < len; i++)
        put(r, data[i] == '\n' ? '/' : data[i] == '\0' ? '0' : data[i]);
    return r->stop_at && r->events == r->stop_at ? r->stop_rc : 0;
}

/* Parse `s` fed in pieces cut at the given positions (ascending). */
static int parse_cuts(teeattest_ctx *ctx, rec *r, const char *s, size_t len,
                      const size_t *cuts, size_t n_cuts, bool partial)
{
    memset(r, 0, sizeof *r);
    ta_sse p;
    ta_sse_init(&p, ctx, on_event, r);
    size_t at = 0;
    int rc = 0;
    for (size_t i = 0; i <= n_cuts && !rc; i++) {
        size_t end = i < n_cuts ? cuts[i] : len;
        rc = ta_sse_feed(&p, (const uint8_t *)s + at, end - at);
        at = end;
    }
    if (!rc)
        rc = ta_sse_finish(&p, partial);
    ta_sse_clear(&p);
    return rc;
}

static int parse(teeattest_ctx *ctx, rec *r, const char *s, bool partial)
{
    return parse_cuts(ctx, r, s, strlen(s), NULL, 0, partial);
}

static void expect(teeattest_ctx *ctx, const char *stream, const char *want,
                   const char *what)
{
    rec r;
    int rc = parse(ctx, &r, stream, false);
    bool ok = rc == 0 && strcmp(r.log, want) == 0;
    ta_test_check(ok, what, __FILE__, __LINE__);
    if (!ok)
        printf("#   rc %d, got \"%s\", expected \"%s\"\n", rc, r.log, want);
}

static void test_basics(teeattest_ctx *ctx)
{
    expect(ctx, "data: a\n\n", "-|a", "LF");
    expect(ctx, "data: a\r\n\r\n", "-|a", "CRLF");
    expect(ctx, "data: a\r\r", "-|a", "CR");
    expect(ctx, "data: a\r\n\ndata: b\r\rdata: c\n\r\n", "-|a#-|b#-|c",
           "mixed line ends");
    expect(ctx, "data: one\ndata: two\ndata:three\n\n", "-|one/two/three",
           "multi-line data joined with LF");
    expect(ctx, "data:  two spaces\n\n", "-| two spaces",
           "only one leading space removed");
    expect(ctx, "data\n\n", "-|", "field without colon: empty value");
    expect(ctx, "data:\ndata:\n\n", "-|/", "empty data lines");
    expect(ctx, ": keep-alive\n\ndata: x\n: inside\n\n", "-|x",
           "comments ignored");
    expect(ctx, "event: signature\ndata: {}\n\ndata: plain\n\n",
           "signature|{}#-|plain", "event type, reset after dispatch");
    expect(ctx, "event: lonely\n\ndata: d\n\n", "-|d",
           "event without data is not dispatched and does not leak");
    expect(ctx, "event: a\nevent: b\ndata: x\n\n", "b|x", "last event wins");
    expect(ctx, "event:\ndata: x\n\n", "|x", "empty event type");
    expect(ctx, "id: 7\nretry: 100\nfoo: bar\ndata: x\n\n", "-|x",
           "id, retry and unknown fields ignored");
    expect(ctx, "Data: x\n\ndata: y\n\n", "-|y", "field names are case-sensitive");
    expect(ctx, "\n\n\n", "", "blank lines alone dispatch nothing");
    expect(ctx, "", "", "empty stream");
    expect(ctx, "data: a:b: c\n\n", "-|a:b: c", "colons inside the value");
    expect(ctx, "data: [DONE]\n\n", "-|[DONE]", "done marker is just data");

    /* A NUL inside data is kept; data[len] is always NUL. */
    static const char nul[] = "data: a\0b\n\n";
    rec r;
    CHECK_EQ_INT(parse_cuts(ctx, &r, nul, sizeof nul - 1, NULL, 0, false), 0);
    CHECK_STR(r.log, "-|a0b");
    CHECK(r.nul_ok);
}

static void test_bom(teeattest_ctx *ctx)
{
    expect(ctx, "\xEF\xBB\xBF" "data: a\n\n", "-|a", "BOM skipped");
    expect(ctx, "\xEF\xBB\xBF\xEF\xBB\xBF" "data: a\n\ndata: b\n\n", "-|b",
           "only one BOM skipped (the second spoils the first line)");
    expect(ctx, "data: \xEF\xBB\xBF\n\n", "-|\xEF\xBB\xBF",
           "BOM inside a value is data");
    /* A refuted BOM prefix is ordinary bytes of the first line. */
    expect(ctx, "\xEF\xBB" "data: a\n\ndata: b\n\n", "-|b",
           "partial BOM is line content");
    static const char s[] = "\xEF\xBB\xBF" "data: bom\n\n";
    for (size_t a = 0; a <= 3; a++)
        for (size_t b = a; b <= 4; b++) {
            size_t cuts[2] = {a, b};
            rec r;
            int rc = parse_cuts(ctx, &r, s, sizeof s - 1, cuts, 2, false);
            if (!ta_test_check(rc == 0 && strcmp(r.log, "-|bom") == 0,
                               "BOM split", __FILE__, __LINE__))
                printf("#   cuts %zu,%zu: \"%s\"\n", a, b, r.log);
        }
}

static const char sample[] =
    "\xEF\xBB\xBF"
    ": comment\r\n"
    "event: chunk\r\n"
    "data: {\"id\":\"chatcmpl-1\",\"choices\":[]}\r\n"
    "\r\n"
    "data: line one\n"
    "data: line two\r"
    "\r"
    "data:x\r\n"
    "\n"
    "event: signature\n"
    "data: {\"text\":\"a:b\"}\n"
    "\n"
    "data: [DONE]\r\n"
    "\r\n";
static const char sample_events[] =
    "chunk|{\"id\":\"chatcmpl-1\",\"choices\":[]}#-|line one/line two#-|x#"
    "signature|{\"text\":\"a:b\"}#-|[DONE]";

static void test_splits(teeattest_ctx *ctx)
{
    size_t len = sizeof sample - 1;
    rec whole;
    CHECK_EQ_INT(parse(ctx, &whole, sample, false), 0);
    CHECK_STR(whole.log, sample_events);

    /* Two pieces, cut at every position. */
    size_t bad = 0;
    for (size_t i = 0; i <= len; i++) {
        rec r;
        size_t cut = i;
        if (parse_cuts(ctx, &r, sample, len, &cut, 1, false) != 0 ||
            strcmp(r.log, sample_events) != 0) {
            if (!bad)
                printf("# split at %zu: \"%s\"\n", i, r.log);
            bad++;
        }
    }
    CHECK_EQ_INT(bad, 0);

    /* Three pieces, every pair of positions. */
    bad = 0;
    for (size_t i = 0; i <= len; i++)
        for (size_t j = i; j <= len; j++) {
            rec r;
            size_t cuts[2] = {i, j};
            if (parse_cuts(ctx, &r, sample, len, cuts, 2, false) != 0 ||
                strcmp(r.log, sample_events) != 0)
                bad++;
        }
    CHECK_EQ_INT(bad, 0);

    /* One byte at a time. */
    size_t cuts[sizeof sample];
    for (size_t i = 0; i < len; i++)
        cuts[i] = i + 1;
    rec r;
    CHECK_EQ_INT(parse_cuts(ctx, &r, sample, len, cuts, len - 1, false), 0);
    CHECK_STR(r.log, sample_events);

    /* A CR ending one piece and an LF starting the next are one line end
     * (not an extra blank line dispatching early). */
    static const char crlf[] = "data: a\r\ndata: b\r\n\r\n";
    size_t c = 8; /* right after the first CR */
    CHECK_EQ_INT(parse_cuts(ctx, &r, crlf, sizeof crlf - 1, &c, 1, false), 0);
    CHECK_STR(r.log, "-|a/b");
}

static void test_finish(teeattest_ctx *ctx)
{
    rec r;
    /* Standard behaviour: an unterminated last event is dropped. */
    CHECK_EQ_INT(parse(ctx, &r, "data: a\n\ndata: b\n", false), 0);
    CHECK_STR(r.log, "-|a");
    CHECK_EQ_INT(parse(ctx, &r, "data: a\n\ndata: b", false), 0);
    CHECK_STR(r.log, "-|a");
    /* Lenient: dispatched (providers omit the final blank line). */
    CHECK_EQ_INT(parse(ctx, &r, "data: a\n\ndata: b\n", true), 0);
    CHECK_STR(r.log, "-|a#-|b");
    CHECK_EQ_INT(parse(ctx, &r, "data: a\n\nevent: e\ndata: b", true), 0);
    CHECK_STR(r.log, "-|a#e|b");
    CHECK_EQ_INT(parse(ctx, &r, "data: a\r", true), 0);
    CHECK_STR(r.log, "-|a");
    CHECK_EQ_INT(parse(ctx, &r, "data: a\n\n: trailing comment", true), 0);
    CHECK_STR(r.log, "-|a");
    CHECK_EQ_INT(parse(ctx, &r, "event: only\n", true), 0);
    CHECK_STR(r.log, "");

    /* A second finish dispatches nothing again. */
    memset(&r, 0, sizeof r);
    ta_sse p;
    ta_sse_init(&p, ctx, on_event, &r);
    CHECK_EQ_INT(ta_sse_feed(&p, (const uint8_t *)"data: z", 7), 0);
    CHECK_EQ_INT(ta_sse_finish(&p, true), 0);
    CHECK_EQ_INT(ta_sse_finish(&p, true), 0);
    CHECK_EQ_INT(r.events, 1);
    ta_sse_clear(&p);

    /* No callback: parsing still works (nothing to call). */
    ta_sse_init(&p, ctx, NULL, NULL);
    CHECK_EQ_INT(ta_sse_feed(&p, (const uint8_t *)"data: z\n\n", 9), 0);
    CHECK_EQ_INT(ta_sse_feed(&p, NULL, 0), 0);
    ta_sse_clear(&p);
}

static void test_stop(teeattest_ctx *ctx)
{
    rec r;
    memset(&r, 0, sizeof r);
    r.stop_at = 2;
    r.stop_rc = 7;
    ta_sse p;
    ta_sse_init(&p, ctx, on_event, &r);
    const char *s = "data: 1\n\ndata: 2\n\ndata: 3\n\n";
    CHECK_EQ_INT(ta_sse_feed(&p, (const uint8_t *)s, strlen(s)), 7);
    CHECK_EQ_INT(r.events, 2);
    /* Sticky: the parser stays stopped. */
    CHECK_EQ_INT(ta_sse_feed(&p, (const uint8_t *)s, strlen(s)), 7);
    CHECK_EQ_INT(ta_sse_finish(&p, true), 7);
    CHECK_EQ_INT(r.events, 2);
    ta_sse_clear(&p);

    /* A status code from the callback comes back unchanged. */
    memset(&r, 0, sizeof r);
    r.stop_at = 1;
    r.stop_rc = TEEATTEST_E_NOMEM;
    ta_sse_init(&p, ctx, on_event, &r);
    CHECK_EQ_INT(ta_sse_feed(&p, (const uint8_t *)"data: a", 7), 0);
    CHECK_EQ_INT(ta_sse_finish(&p, true), TEEATTEST_E_NOMEM);
    ta_sse_clear(&p);
}

static void test_limits(teeattest_ctx *ctx)
{
    size_t big = TA_SSE_LINE_MAX + 1;
    uint8_t *buf = malloc(big + 2);
    if (!buf) {
        printf("Bail out! no memory\n");
        exit(1);
    }
    memset(buf, 'x', big + 2);
    memcpy(buf, "data: ", 6);
    rec r;
    ta_sse p;

    /* A line longer than the limit, in one piece or many. */
    memset(&r, 0, sizeof r);
    ta_sse_init(&p, ctx, on_event, &r);
    buf[big] = '\n';
    CHECK_EQ_INT(ta_sse_feed(&p, buf, big + 1), TEEATTEST_E_TOO_LARGE);
    CHECK_EQ_INT(ta_sse_feed(&p, (const uint8_t *)"\n\n", 2),
                 TEEATTEST_E_TOO_LARGE);
    ta_sse_clear(&p);

    memset(&r, 0, sizeof r);
    ta_sse_init(&p, ctx, on_event, &r);
    int rc = 0;
    for (size_t at = 0; at < big && !rc; at += 65536)
        rc = ta_sse_feed(&p, buf + at, big - at < 65536 ? big - at : 65536);
    CHECK_EQ_INT(rc, TEEATTEST_E_TOO_LARGE);
    ta_sse_clear(&p);

    /* Exactly at the limit is fine. */
    memset(&r, 0, sizeof r);
    ta_sse_init(&p, ctx, on_event, &r);
    buf[TA_SSE_LINE_MAX] = '\n';
    buf[TA_SSE_LINE_MAX + 1] = '\n';
    CHECK_EQ_INT(ta_sse_feed(&p, buf, TA_SSE_LINE_MAX + 2), 0);
    CHECK_EQ_INT(r.events, 1);
    ta_sse_clear(&p);

    /* An event's data, built from many short lines, has the same limit. */
    memset(&r, 0, sizeof r);
    ta_sse_init(&p, ctx, on_event, &r);
    static char line[1030];
    memcpy(line, "data: ", 6);
    memset(line + 6, 'y', 1023);
    line[1029] = '\n';
    rc = 0;
    for (size_t i = 0; i < TA_SSE_LINE_MAX / 1024 + 2 && !rc; i++)
        rc = ta_sse_feed(&p, (const uint8_t *)line, sizeof line);
    CHECK_EQ_INT(rc, TEEATTEST_E_TOO_LARGE);
    CHECK_EQ_INT(r.events, 0);
    ta_sse_clear(&p);
    free(buf);
}

/* Every allocation failure is reported as NOMEM, never a crash or leak. */
static void test_oom(void)
{
    size_t len = sizeof sample - 1;
    size_t cuts[] = {5, 40, 41, 90, 120};
    bool all_ok = true, reached = false;
    for (size_t fail = 1; fail < 200 && !reached; fail++) {
        unit_alloc_stats st = {0};
        teeattest_ctx *ctx = unit_ctx_with(&st, NULL);
        st.calls = 0;
        st.fail_at = fail;
        rec r;
        int rc = parse_cuts(ctx, &r, sample, len, cuts, TA_ARRAY_LEN(cuts),
                            false);
        if (st.failed == 0) {
            reached = true;
            all_ok &= rc == 0 && strcmp(r.log, sample_events) == 0;
        } else {
            all_ok &= rc == TEEATTEST_E_NOMEM;
        }
        st.fail_at = 0;
        teeattest_ctx_free(ctx);
        all_ok &= st.live == 0 && st.bad == 0;
    }
    CHECK(reached);
    CHECK(all_ok);
}

int main(void)
{
    teeattest_ctx *ctx = unit_ctx();
    test_basics(ctx);
    test_bom(ctx);
    test_splits(ctx);
    test_finish(ctx);
    test_stop(ctx);
    test_limits(ctx);
    test_oom();
    teeattest_ctx_free(ctx);
    return ta_test_done();
}
