/*
 * Helpers shared by the white-box unit tests: hex literals, fixture
 * loading and an instrumented allocator.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_UNIT_H
#define TA_UNIT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

#include "core/core.h"

/* Test vectors are written as hex; this decoder is deliberately separate
 * from the library's own so that a bug there cannot hide in both. */
static inline int unit_nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode `hex` (white space ignored) into out; returns the byte count or
 * (size_t)-1 on a malformed literal. */
static inline size_t unit_unhex(uint8_t *out, size_t cap, const char *hex)
{
    size_t n = 0;
    int hi = -1;
    for (; *hex; hex++) {
        if (*hex == ' ' || *hex == '\n' || *hex == '\t')
            continue;
        int v = unit_nibble(*hex);
        if (v < 0)
            return (size_t)-1;
        if (hi < 0) {
            hi = v;
        } else {
            if (n == cap)
                return (size_t)-1;
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    return hi < 0 ? n : (size_t)-1;
}

static inline void unit_tohex(char *out, const uint8_t *in, size_t len)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = d[in[i] >> 4];
        out[2 * i + 1] = d[in[i] & 15];
    }
    out[2 * len] = '\0';
}

/* Compare bytes with a hex literal, printing both on mismatch. */
#define CHECK_HEX(bytes, len, hex) \
    unit_check_hex((bytes), (len), (hex), #bytes " == " #hex, __FILE__, __LINE__)

static inline int unit_check_hex(const uint8_t *bytes, size_t len,
                                 const char *hex, const char *what,
                                 const char *file, int line)
{
    uint8_t want[1024];
    size_t n = unit_unhex(want, sizeof want, hex);
    int ok = ta_test_check(n == len && memcmp(bytes, want, len) == 0, what,
                           file, line);
    if (!ok) {
        char got[2 * 1024 + 1];
        unit_tohex(got, bytes, len < 1024 ? len : 1024);
        printf("#   got %s\n#   expected %s\n", got, hex);
    }
    return ok;
}

/* A fixture file as bytes; the test aborts (bail out) if it is missing,
 * because every later check would be meaningless. */
static inline uint8_t *unit_fixture(const char *rel, size_t *len)
{
    size_t n = 0;
    uint8_t *p = ta_test_read_file(ta_test_fixture(rel), &n);
    if (!p) {
        printf("Bail out! cannot read fixture %s\n", ta_test_fixture(rel));
        exit(1);
    }
    if (len)
        *len = n;
    return p;
}

/* ---- instrumented allocator ------------------------------------------
 *
 * Every block carries a header with a magic number, so a block the
 * library obtained elsewhere but released through this allocator (or the
 * reverse, caught by valgrind/ASan as a bad free) is detected. `fail_at`
 * makes the N-th allocation call (alloc or realloc, counted from 1 since
 * the last reset) fail. */

#define UNIT_MAGIC 0x7465656174746573ULL

typedef struct unit_alloc_stats {
    size_t calls;     /* alloc + realloc calls since reset */
    size_t fail_at;   /* 0 = never fail */
    size_t failed;    /* calls refused */
    size_t live;      /* blocks currently allocated */
    size_t total;     /* blocks ever allocated */
    size_t frees;
    size_t bad;       /* frees/reallocs of foreign pointers */
} unit_alloc_stats;

typedef struct unit_hdr {
    uint64_t magic;
    size_t size;
} unit_hdr;

#define UNIT_HDR_SIZE ((sizeof(unit_hdr) + 15) & ~(size_t)15)

static inline bool unit_should_fail(unit_alloc_stats *s)
{
    s->calls++;
    if (s->fail_at && s->calls == s->fail_at) {
        s->failed++;
        return true;
    }
    return false;
}

static inline void *unit_alloc(void *ud, size_t size)
{
    unit_alloc_stats *s = ud;
    if (unit_should_fail(s) || size > SIZE_MAX - UNIT_HDR_SIZE)
        return NULL;
    uint8_t *p = malloc(UNIT_HDR_SIZE + size);
    if (!p)
        return NULL;
    unit_hdr h = {UNIT_MAGIC, size};
    memcpy(p, &h, sizeof h);
    s->live++;
    s->total++;
    return p + UNIT_HDR_SIZE;
}

static inline unit_hdr *unit_header(unit_alloc_stats *s, void *ptr)
{
    unit_hdr *h = (unit_hdr *)(void *)((uint8_t *)ptr - UNIT_HDR_SIZE);
    if (h->magic != UNIT_MAGIC) {
        s->bad++;
        return NULL;
    }
    return h;
}

static inline void *unit_realloc(void *ud, void *ptr, size_t size)
{
    unit_alloc_stats *s = ud;
    if (!ptr)
        return unit_alloc(ud, size);
    if (unit_should_fail(s) || size > SIZE_MAX - UNIT_HDR_SIZE)
        return NULL;
    unit_hdr *h = unit_header(s, ptr);
    if (!h)
        return NULL;
    uint8_t *p = realloc(h, UNIT_HDR_SIZE + size);
    if (!p)
        return NULL;
    ((unit_hdr *)(void *)p)->size = size;
    return p + UNIT_HDR_SIZE;
}

static inline void unit_free(void *ud, void *ptr)
{
    unit_alloc_stats *s = ud;
    if (!ptr)
        return;
    unit_hdr *h = unit_header(s, ptr);
    if (!h)
        return;
    h->magic = 0;
    s->live--;
    s->frees++;
    free(h);
}

static inline teeattest_allocator unit_allocator(unit_alloc_stats *s)
{
    teeattest_allocator a = {sizeof a, s, unit_alloc, unit_realloc, unit_free};
    return a;
}

/* A context using the instrumented allocator. */
static inline teeattest_ctx *unit_ctx_with(unit_alloc_stats *s,
                                           const teeattest_crypto_backend *cb)
{
    teeattest_allocator a = unit_allocator(s);
    teeattest_ctx_options o = TEEATTEST_CTX_OPTIONS_INIT;
    o.allocator = &a;
    o.crypto = cb;
    teeattest_ctx *ctx = NULL;
    if (teeattest_ctx_new(&ctx, &o, NULL) != TEEATTEST_OK) {
        printf("Bail out! teeattest_ctx_new failed\n");
        exit(1);
    }
    return ctx;
}

static inline int64_t unit_clock(void *ud)
{
    return *(const int64_t *)ud;
}

static inline int unit_no_sleep(void *ud, uint32_t ms)
{
    (void)ud;
    (void)ms;
    return 0;
}

/* A context for deadline tests: the transport `request` (user data `ud`),
 * a clock reading *now_s (Unix seconds), waits that take no time, and the
 * deadline `deadline_ms` (Unix ms). */
static inline teeattest_ctx *unit_ctx_deadline(
    int (*request)(void *, teeattest_http_response *,
                   const teeattest_http_request *),
    void *ud, const int64_t *now_s, int64_t deadline_ms)
{
    teeattest_transport t = TEEATTEST_TRANSPORT_INIT;
    t.user_data = ud;
    t.request = request;
    teeattest_ctx_options o = TEEATTEST_CTX_OPTIONS_INIT;
    o.transport = &t;
    o.sleep = unit_no_sleep;
    o.clock = unit_clock;
    o.clock_user_data = (void *)(uintptr_t)now_s;
    o.deadline_ms = deadline_ms;
    teeattest_ctx *ctx = NULL;
    if (teeattest_ctx_new(&ctx, &o, NULL) != TEEATTEST_OK) {
        printf("Bail out! teeattest_ctx_new failed\n");
        exit(1);
    }
    return ctx;
}

static inline teeattest_ctx *unit_ctx(void)
{
    teeattest_ctx *ctx = NULL;
    if (teeattest_ctx_new(&ctx, NULL, NULL) != TEEATTEST_OK) {
        printf("Bail out! teeattest_ctx_new failed\n");
        exit(1);
    }
    return ctx;
}

#endif /* TA_UNIT_H */
