/*
 * Fuzz target (white-box, internal API): the server-sent-events parser
 * (lib/transport/sse.c), as the streaming paths feed it.
 *
 * Input: the first byte seeds how the stream is cut into pieces and after
 * how many events the callback stops the parser; the rest is the stream.
 * It is parsed three ways: in one piece, in pieces of pseudo-random
 * length (1..64 bytes, so CR/LF pairs and the BOM get split), and byte by
 * byte; each with and without dispatching an unterminated last event.
 * Invariants: the events (type and data) and the return codes are the
 * same however the stream is cut; data is NUL-terminated at its length
 * and holds no CR; a type holds no CR or LF; a callback's non-zero value
 * stops the parser, is returned, and every later call returns it too; no
 * leak, never NOMEM.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "fuzz.h"

#include "core/core.h"
#include "transport/sse.h"

typedef struct sink {
    ta_buf log;     /* every event, serialised */
    size_t n;
    size_t stop_at; /* return 7 from this event on (0: never) */
} sink;

static int on_event(void *ud, const char *event, const char *data,
                    size_t len)
{
    sink *s = ud;
    FUZZ_CHECK(data != NULL && data[len] == '\0');
    FUZZ_CHECK(memchr(data, '\r', len) == NULL);
    if (event)
        FUZZ_CHECK(!strchr(event, '\r') && !strchr(event, '\n'));
    uint8_t tag = event ? 'E' : 'N';
    FUZZ_CHECK(ta_buf_append(&s->log, &tag, 1) == TEEATTEST_OK);
    if (event)
        FUZZ_CHECK(ta_buf_append(&s->log, event, strlen(event) + 1) ==
                   TEEATTEST_OK);
    uint8_t l[8];
    for (int i = 0; i < 8; i++)
        l[i] = (uint8_t)(len >> (8 * i));
    FUZZ_CHECK(ta_buf_append(&s->log, l, 8) == TEEATTEST_OK);
    FUZZ_CHECK(ta_buf_append(&s->log, data, len) == TEEATTEST_OK);
    s->n++;
    return s->stop_at && s->n >= s->stop_at ? 7 : 0;
}

/* mode 0: one piece; 1: pseudo-random pieces; 2: byte by byte. */
static int run(teeattest_ctx *ctx, const uint8_t *d, size_t n, int mode,
               uint32_t seed, bool partial, size_t stop_at, sink *s)
{
    memset(s, 0, sizeof *s);
    ta_buf_init(&s->log, ctx, 0);
    s->stop_at = stop_at;
    ta_sse p;
    ta_sse_init(&p, ctx, on_event, s);
    int rc = 0;
    size_t off = 0;
    while (off < n) {
        size_t k = n - off;
        if (mode == 1) {
            seed = seed * 1103515245u + 12345u;
            size_t want = 1 + (seed >> 16) % 64;
            k = k < want ? k : want;
        } else if (mode == 2) {
            k = 1;
        }
        /* an exact-size copy of each piece: ASan sees reads past it */
        uint8_t *piece = malloc(k);
        FUZZ_CHECK(piece != NULL);
        memcpy(piece, d + off, k);
        int r = ta_sse_feed(&p, piece, k);
        free(piece);
        off += k;
        if (rc)
            FUZZ_CHECK(r == rc); /* stopped stays stopped */
        rc = r;
    }
    int f = ta_sse_finish(&p, partial);
    if (rc)
        FUZZ_CHECK(f == rc);
    rc = f;
    FUZZ_CHECK(rc == 0 || rc == 7);
    if (rc == 7)
        FUZZ_CHECK(ta_sse_feed(&p, (const uint8_t *)"data: x\n\n", 9) == 7);
    ta_sse_clear(&p);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 65536)
        return 0;
    uint32_t seed = data[0];
    size_t stop_at = data[0] & 3; /* 0: never stop */
    const uint8_t *d = data + 1;
    size_t n = size - 1;
    fuzz_heap heap;
    teeattest_ctx *ctx = fuzz_ctx_new(&heap);
    for (int partial = 0; partial < 2; partial++) {
        for (size_t stop = 0; stop <= stop_at; stop += stop_at ? stop_at : 1) {
            sink ref;
            int rc0 = run(ctx, d, n, 0, seed, partial, stop, &ref);
            for (int mode = 1; mode <= 2; mode++) {
                if (mode == 2 && n > 4096)
                    break;
                sink other;
                int rc = run(ctx, d, n, mode, seed, partial, stop, &other);
                FUZZ_CHECK(rc == rc0);
                FUZZ_CHECK(other.n == ref.n);
                FUZZ_CHECK(other.log.len == ref.log.len &&
                           (!ref.log.len ||
                            memcmp(other.log.data, ref.log.data,
                                   ref.log.len) == 0));
                ta_buf_free(&other.log);
            }
            if (stop)
                FUZZ_CHECK(rc0 == 7 ? ref.n == stop : ref.n < stop);
            ta_buf_free(&ref.log);
        }
    }
    fuzz_ctx_done(ctx, &heap);
    return 0;
}
