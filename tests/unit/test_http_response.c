/*
 * The HTTP response sink that transports fill: status range, header copy
 * and trimming, the 64 KiB header budget, the body limit, the per-chunk
 * callback (and cancelling through it), and the peer key copy. Responses
 * are initialised internally, as the library does before calling a
 * transport.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "unit.h"

#include "transport/transport.h"

struct chunks {
    size_t calls, bytes;
    size_t stop_after; /* cancel on this call (1-based); 0 = never */
    uint8_t last;
};

static int on_chunk(void *ud, const uint8_t *data, size_t len)
{
    struct chunks *c = ud;
    c->calls++;
    c->bytes += len;
    c->last = data[len - 1];
    return c->stop_after && c->calls >= c->stop_after ? 1 : 0;
}

static void test_status(teeattest_ctx *ctx)
{
    teeattest_http_response r;
    ta_http_response_init(&r, ctx, 0, NULL, NULL);
    CHECK_EQ_INT(r.status, 0);
    static const int32_t ok[] = {100, 101, 200, 204, 301, 404, 500, 599};
    for (size_t i = 0; i < TA_ARRAY_LEN(ok); i++) {
        CHECK_EQ_INT(teeattest_http_response_set_status(&r, ok[i]), TEEATTEST_OK);
        CHECK_EQ_INT(r.status, ok[i]);
    }
    static const int32_t bad[] = {0, 99, 600, 1000, -200, INT32_MIN, INT32_MAX};
    for (size_t i = 0; i < TA_ARRAY_LEN(bad); i++) {
        CHECK_EQ_INT(teeattest_http_response_set_status(&r, bad[i]),
                     TEEATTEST_E_INVALID_ARG);
        CHECK_EQ_INT(r.status, 599); /* unchanged */
    }
    CHECK_EQ_INT(teeattest_http_response_set_status(NULL, 200),
                 TEEATTEST_E_INVALID_ARG);
    ta_http_response_clear(&r);
}

static int add(teeattest_http_response *r, const char *n, const char *v)
{
    return teeattest_http_response_add_header(r, n, strlen(n), v, strlen(v));
}

static void test_headers(teeattest_ctx *ctx)
{
    teeattest_http_response r;
    ta_http_response_init(&r, ctx, 0, NULL, NULL);
    CHECK_EQ_INT(add(&r, "Content-Type", "application/json"), TEEATTEST_OK);
    /* Surrounding white space (including a stray CR/LF) is trimmed;
     * inner white space is kept. */
    CHECK_EQ_INT(add(&r, "X-Trim", " \t  a  b \t\r\n"), TEEATTEST_OK);
    CHECK_EQ_INT(add(&r, "X-Empty", "   "), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_http_response_add_header(&r, "X-Null", 6, NULL, 0),
                 TEEATTEST_OK);
    /* Lengths are honoured: no NUL needed, nothing read past them. */
    CHECK_EQ_INT(teeattest_http_response_add_header(&r, "X-LenXXX", 5,
                                                    "valueXXX", 5),
                 TEEATTEST_OK);
    CHECK_EQ_INT(add(&r, "content-type", "second"), TEEATTEST_OK);
    CHECK_EQ_INT(r.n_headers, 6);

    CHECK_STR(ta_http_response_header(&r, "Content-Type"), "application/json");
    /* Lookup ignores case and returns the first of a repeated name. */
    CHECK_STR(ta_http_response_header(&r, "CONTENT-TYPE"), "application/json");
    CHECK_STR(ta_http_response_header(&r, "x-trim"), "a  b");
    CHECK_STR(ta_http_response_header(&r, "X-Empty"), "");
    CHECK_STR(ta_http_response_header(&r, "X-Null"), "");
    CHECK_STR(ta_http_response_header(&r, "X-Len"), "value");
    CHECK(ta_http_response_header(&r, "X-LenXXX") == NULL);
    CHECK(ta_http_response_header(&r, "Missing") == NULL);

    /* The name is copied: the caller's buffer may change afterwards. */
    char name[] = "X-Copy";
    char value[] = "v1";
    CHECK_EQ_INT(add(&r, name, value), TEEATTEST_OK);
    name[0] = 'Y';
    value[1] = '2';
    CHECK_STR(ta_http_response_header(&r, "X-Copy"), "v1");

    /* Names must be tokens. */
    static const char *const bad_names[] = {"", "Bad Name", "Bad:Name",
                                            "Bad\tName", "Bad\rName",
                                            "Bad\nName", "\x7f", " Lead"};
    for (size_t i = 0; i < TA_ARRAY_LEN(bad_names); i++)
        CHECK_EQ_INT(add(&r, bad_names[i], "v"), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_http_response_add_header(&r, "A\0B", 3, "v", 1),
                 TEEATTEST_E_INVALID_ARG);
    /* a NUL in a value (it would cut the stored copy to "c ") */
    CHECK_EQ_INT(teeattest_http_response_add_header(&r, "N", 1, "c \0", 3),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_http_response_add_header(&r, NULL, 3, "v", 1),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_http_response_add_header(&r, "N", 1, NULL, 1),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_http_response_add_header(NULL, "N", 1, "v", 1),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(r.n_headers, 7);
    ta_http_response_clear(&r);
    CHECK_EQ_INT(r.n_headers, 0);
    CHECK(ta_http_response_header(&r, "Content-Type") == NULL);
    ta_http_response_clear(&r); /* twice is harmless */
}

static void test_header_budget(teeattest_ctx *ctx)
{
    teeattest_http_response r;
    ta_http_response_init(&r, ctx, 0, NULL, NULL);
    /* 64 KiB of name + value bytes exactly: accepted. */
    static char big[TA_HTTP_HEADERS_MAX];
    memset(big, 'v', sizeof big);
    size_t total = 0;
    int rc = TEEATTEST_OK;
    while (total + 1 + 1000 <= TA_HTTP_HEADERS_MAX && rc == TEEATTEST_OK) {
        rc = teeattest_http_response_add_header(&r, "N", 1, big, 1000);
        total += 1001;
    }
    CHECK_EQ_INT(rc, TEEATTEST_OK);
    size_t left = TA_HTTP_HEADERS_MAX - total;
    CHECK(left >= 2);
    CHECK_EQ_INT(teeattest_http_response_add_header(&r, "N", 1, big, left - 1),
                 TEEATTEST_OK);
    CHECK_EQ_INT(r.header_bytes, TA_HTTP_HEADERS_MAX);
    size_t n = r.n_headers;
    /* Not one byte more, even an empty value. */
    CHECK_EQ_INT(teeattest_http_response_add_header(&r, "N", 1, "", 0),
                 TEEATTEST_E_TOO_LARGE);
    CHECK_EQ_INT(r.n_headers, n);
    /* Trimmed white space does not count. */
    ta_http_response_clear(&r);
    ta_http_response_init(&r, ctx, 0, NULL, NULL);
    CHECK_EQ_INT(teeattest_http_response_add_header(&r, "N", 1, big,
                                                    TA_HTTP_HEADERS_MAX - 1),
                 TEEATTEST_OK);
    CHECK_EQ_INT(add(&r, "M", ""), TEEATTEST_E_TOO_LARGE);
    ta_http_response_clear(&r);
    ta_http_response_init(&r, ctx, 0, NULL, NULL);
    char *spaced = malloc(TA_HTTP_HEADERS_MAX + 10);
    memset(spaced, ' ', TA_HTTP_HEADERS_MAX + 10);
    spaced[5] = 'x';
    CHECK_EQ_INT(teeattest_http_response_add_header(&r, "N", 1, spaced,
                                                    TA_HTTP_HEADERS_MAX + 10),
                 TEEATTEST_OK);
    CHECK_STR(ta_http_response_header(&r, "N"), "x");
    free(spaced);
    /* A single header over the budget. */
    CHECK_EQ_INT(teeattest_http_response_add_header(&r, "N", 1, big,
                                                    TA_HTTP_HEADERS_MAX),
                 TEEATTEST_E_TOO_LARGE);
    ta_http_response_clear(&r);
}

static void test_body(teeattest_ctx *ctx)
{
    teeattest_http_response r;
    /* Body limit of 10 bytes. */
    ta_http_response_init(&r, ctx, 10, NULL, NULL);
    CHECK_EQ_INT(teeattest_http_response_write(&r, (const uint8_t *)"01234", 5),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_http_response_write(&r, (const uint8_t *)"56789", 5),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_http_response_write(&r, (const uint8_t *)"x", 1),
                 TEEATTEST_E_RESPONSE_TOO_LARGE);
    CHECK_EQ_INT(r.body.len, 10);
    CHECK(memcmp(r.body.data, "0123456789", 10) == 0);
    /* An empty write is fine at the limit; NULL data only with length 0. */
    CHECK_EQ_INT(teeattest_http_response_write(&r, NULL, 0), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_http_response_write(&r, NULL, 1),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_http_response_write(NULL, (const uint8_t *)"x", 1),
                 TEEATTEST_E_INVALID_ARG);
    ta_http_response_clear(&r);

    /* One write larger than the whole limit. */
    ta_http_response_init(&r, ctx, 4, NULL, NULL);
    CHECK_EQ_INT(teeattest_http_response_write(&r, (const uint8_t *)"12345", 5),
                 TEEATTEST_E_RESPONSE_TOO_LARGE);
    CHECK_EQ_INT(r.body.len, 0);
    ta_http_response_clear(&r);

    /* No limit: bytes kept exactly, including NULs and CR/LF. */
    ta_http_response_init(&r, ctx, 0, NULL, NULL);
    static const uint8_t raw[] = "data: {}\r\n\r\n\0\xff";
    for (int i = 0; i < 1000; i++)
        if (teeattest_http_response_write(&r, raw, sizeof raw) != TEEATTEST_OK)
            break;
    CHECK_EQ_INT(r.body.len, 1000 * sizeof raw);
    CHECK(memcmp(r.body.data + 999 * sizeof raw, raw, sizeof raw) == 0);
    ta_http_response_clear(&r);
    CHECK(r.body.data == NULL && r.body.len == 0);

    /* Streaming: each chunk reaches the callback as written. */
    struct chunks c = {0, 0, 0, 0};
    ta_http_response_init(&r, ctx, 0, on_chunk, &c);
    for (int i = 0; i < 5; i++) {
        uint8_t b[3] = {'a', 'b', (uint8_t)('0' + i)};
        CHECK_EQ_INT(teeattest_http_response_write(&r, b, 3), TEEATTEST_OK);
    }
    CHECK_EQ_INT(c.calls, 5);
    CHECK_EQ_INT(c.bytes, 15);
    CHECK_EQ_INT(c.last, '4');
    /* An empty write is not a chunk. */
    CHECK_EQ_INT(teeattest_http_response_write(&r, NULL, 0), TEEATTEST_OK);
    CHECK_EQ_INT(c.calls, 5);
    ta_http_response_clear(&r);

    /* The callback asks to stop on its third chunk: the transport is told
     * to abort with TEEATTEST_E_CANCELLED. */
    c = (struct chunks){0, 0, 3, 0};
    ta_http_response_init(&r, ctx, 0, on_chunk, &c);
    CHECK_EQ_INT(teeattest_http_response_write(&r, (const uint8_t *)"a", 1),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_http_response_write(&r, (const uint8_t *)"b", 1),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_http_response_write(&r, (const uint8_t *)"c", 1),
                 TEEATTEST_E_CANCELLED);
    CHECK_EQ_INT(c.calls, 3);
    ta_http_response_clear(&r);

    /* Over the limit: refused before the callback sees it. */
    c = (struct chunks){0, 0, 0, 0};
    ta_http_response_init(&r, ctx, 2, on_chunk, &c);
    CHECK_EQ_INT(teeattest_http_response_write(&r, (const uint8_t *)"abc", 3),
                 TEEATTEST_E_RESPONSE_TOO_LARGE);
    CHECK_EQ_INT(c.calls, 0);
    ta_http_response_clear(&r);
}

static void test_spki(teeattest_ctx *ctx)
{
    teeattest_http_response r;
    ta_http_response_init(&r, ctx, 0, NULL, NULL);
    CHECK(r.spki == NULL && r.spki_len == 0);
    uint8_t der[91];
    for (size_t i = 0; i < sizeof der; i++)
        der[i] = (uint8_t)i;
    CHECK_EQ_INT(teeattest_http_response_set_peer_spki(&r, der, sizeof der),
                 TEEATTEST_OK);
    /* A copy: the transport's buffer can go away. */
    memset(der, 0, sizeof der);
    CHECK_EQ_INT(r.spki_len, 91);
    CHECK(r.spki && r.spki[90] == 90 && r.spki[1] == 1);
    /* Replaced by a later call. */
    uint8_t d2[3] = {7, 8, 9};
    CHECK_EQ_INT(teeattest_http_response_set_peer_spki(&r, d2, 3), TEEATTEST_OK);
    CHECK_EQ_INT(r.spki_len, 3);
    CHECK(r.spki[2] == 9);
    /* Limits and misuse leave the previous key in place. */
    static uint8_t huge[TA_HTTP_SPKI_MAX + 1];
    CHECK_EQ_INT(teeattest_http_response_set_peer_spki(&r, huge, sizeof huge),
                 TEEATTEST_E_TOO_LARGE);
    CHECK_EQ_INT(teeattest_http_response_set_peer_spki(&r, huge,
                                                       TA_HTTP_SPKI_MAX),
                 TEEATTEST_OK);
    CHECK_EQ_INT(r.spki_len, TA_HTTP_SPKI_MAX);
    CHECK_EQ_INT(teeattest_http_response_set_peer_spki(&r, NULL, 3),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_http_response_set_peer_spki(&r, d2, 0),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_http_response_set_peer_spki(NULL, d2, 3),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(r.spki_len, TA_HTTP_SPKI_MAX);
    ta_http_response_clear(&r);
    CHECK(r.spki == NULL && r.spki_len == 0);
}

/* Failed allocations leave the sink consistent and leak nothing. */
static void test_oom(void)
{
    unit_alloc_stats st = {0};
    teeattest_ctx *ctx = unit_ctx_with(&st, NULL);
    teeattest_http_response r;
    ta_http_response_init(&r, ctx, 0, NULL, NULL);
    CHECK_EQ_INT(add(&r, "A", "1"), TEEATTEST_OK);
    for (size_t k = 1; k <= 3; k++) {
        st.calls = 0;
        st.fail_at = k;
        int rc = add(&r, "B", "2");
        st.fail_at = 0;
        if (rc == TEEATTEST_OK)
            break;
        CHECK_EQ_INT(rc, TEEATTEST_E_NOMEM);
        CHECK_EQ_INT(r.n_headers, 1);
    }
    st.calls = 0;
    st.fail_at = 1;
    CHECK_EQ_INT(teeattest_http_response_write(&r, (const uint8_t *)"x", 1),
                 TEEATTEST_E_NOMEM);
    st.calls = 0;
    st.fail_at = 1;
    CHECK_EQ_INT(teeattest_http_response_set_peer_spki(&r, (const uint8_t *)"k",
                                                       1), TEEATTEST_E_NOMEM);
    st.fail_at = 0;
    CHECK(r.spki == NULL);
    ta_http_response_clear(&r);
    teeattest_ctx_free(ctx);
    CHECK_EQ_INT(st.live, 0);
    CHECK_EQ_INT(st.bad, 0);
}

int main(void)
{
    unit_alloc_stats st = {0};
    teeattest_ctx *ctx = unit_ctx_with(&st, NULL);
    test_status(ctx);
    test_headers(ctx);
    test_header_budget(ctx);
    test_body(ctx);
    test_spki(ctx);
    teeattest_ctx_free(ctx);
    CHECK_EQ_INT(st.live, 0);
    test_oom();
    return ta_test_done();
}
