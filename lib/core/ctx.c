/*
 * The library context: allocator, clock, log sink, backends.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core.h"
#include "teeattest/version.h"

/* The size a struct had in its first published version: the end of its
 * last 1.0 member. Fields appended later must not move this. */
#define TA_V1_SIZE(type, last) \
    (offsetof(type, last) + sizeof(((type *)0)->last))
/* The sleep hook, the deadline, the cache (cache_dir .. cache_user_data)
 * and the memo bounds joined teeattest_ctx_options while the 1.0 version
 * node was still open, so they are part of the 1.0 struct. */
#define CTX_OPTIONS_V1_SIZE TA_V1_SIZE(teeattest_ctx_options, memo_bytes)

static void *default_alloc(void *ud, size_t n) { (void)ud; return malloc(n); }
static void *default_realloc(void *ud, void *p, size_t n) { (void)ud; return realloc(p, n); }
static void default_free(void *ud, void *p) { (void)ud; free(p); }

void *ta_malloc(const teeattest_ctx *ctx, size_t n)
{
    return ctx->alloc.alloc(ctx->alloc.user_data, n ? n : 1);
}

void *ta_calloc(const teeattest_ctx *ctx, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    size_t total = n * size;
    void *p = ta_malloc(ctx, total);
    if (p && total)
        memset(p, 0, total);
    return p;
}

void *ta_realloc(const teeattest_ctx *ctx, void *p, size_t n)
{
    return ctx->alloc.realloc(ctx->alloc.user_data, p, n ? n : 1);
}

void ta_free(const teeattest_ctx *ctx, void *p)
{
    if (p)
        ctx->alloc.free(ctx->alloc.user_data, p);
}

char *ta_strndup(const teeattest_ctx *ctx, const char *s, size_t n)
{
    if (n == SIZE_MAX)
        return NULL;
    char *d = ta_malloc(ctx, n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

char *ta_strdup(const teeattest_ctx *ctx, const char *s)
{
    return ta_strndup(ctx, s, strlen(s));
}

void ta_log(const teeattest_ctx *ctx, int32_t level, const char *fmt, ...)
{
    if (!ctx || !ctx->log || level > ctx->log_level || level <= 0)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ctx->log(ctx->log_ud, level, msg);
}

int ta_copy_versioned(void *dst, size_t dst_size, const void *src,
                      size_t src_size, size_t v1_size, const char *what,
                      teeattest_error *err)
{
    if (src_size < v1_size)
        return ta_error(err, TEEATTEST_E_ABI, what,
                        "%s: struct_size %zu is smaller than the 1.0 size %zu",
                        what, src_size, v1_size);
    memset(dst, 0, dst_size);
    if (src_size > dst_size) {
        const uint8_t *tail = (const uint8_t *)src + dst_size;
        for (size_t i = 0; i < src_size - dst_size; i++)
            if (tail[i])
                return ta_error(err, TEEATTEST_E_ABI_TOO_NEW, what,
                                "%s: sets fields unknown to libteeattest %s",
                                what, TEEATTEST_VERSION_STRING);
        src_size = dst_size;
    }
    memcpy(dst, src, src_size);
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_ctx_options_init(teeattest_ctx_options *opts,
                                             size_t size)
{
    if (!opts || size < CTX_OPTIONS_V1_SIZE)
        return TEEATTEST_E_INVALID_ARG;
    memset(opts, 0, size);
    opts->struct_size = size;
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_ctx_new(teeattest_ctx **out,
                                    const teeattest_ctx_options *opts,
                                    teeattest_error *err)
{
    if (!out)
        return TA_INVALID(err, "out is NULL");
    *out = NULL;

    teeattest_ctx_options o;
    int rc;
    if (opts) {
        rc = ta_copy_versioned(&o, sizeof o, opts, opts->struct_size,
                               CTX_OPTIONS_V1_SIZE,
                               "teeattest_ctx_options", err);
        if (rc)
            return rc;
    } else {
        memset(&o, 0, sizeof o);
    }

    teeattest_allocator alloc = {sizeof alloc, NULL, default_alloc,
                                 default_realloc, default_free};
    if (o.allocator) {
        rc = ta_copy_versioned(&alloc, sizeof alloc, o.allocator,
                               o.allocator->struct_size,
                               TA_V1_SIZE(teeattest_allocator, free),
                               "teeattest_allocator", err);
        if (rc)
            return rc;
        if (!alloc.alloc || !alloc.realloc || !alloc.free)
            return ta_error(err, TEEATTEST_E_INVALID_ARG, "allocator",
                            "allocator must set alloc, realloc and free");
    }

    teeattest_crypto_backend crypto;
    memset(&crypto, 0, sizeof crypto);
    if (o.crypto) {
        rc = ta_copy_versioned(&crypto, sizeof crypto, o.crypto,
                               o.crypto->struct_size,
                               TA_V1_SIZE(teeattest_crypto_backend, release),
                               "teeattest_crypto_backend", err);
        if (rc)
            return rc;
    }
    teeattest_transport transport;
    memset(&transport, 0, sizeof transport);
    if (o.transport) {
        rc = ta_copy_versioned(&transport, sizeof transport, o.transport,
                               o.transport->struct_size,
                               TA_V1_SIZE(teeattest_transport, release),
                               "teeattest_transport", err);
        if (rc)
            return rc;
        if (!transport.request)
            return ta_error(err, TEEATTEST_E_INVALID_ARG, "transport",
                            "a transport must implement request");
    }
    if (!o.cache_load != !o.cache_store)
        return ta_error(err, TEEATTEST_E_INVALID_ARG, "cache_load",
                        "cache_load and cache_store go together");
    if (o.cache_load && o.cache_dir)
        return ta_error(err, TEEATTEST_E_INVALID_ARG, "cache_dir",
                        "cache_dir and cache callbacks are exclusive");
    if (o.cache_dir && (!o.cache_dir[0] || strlen(o.cache_dir) > 4096))
        return ta_error(err, TEEATTEST_E_INVALID_ARG, "cache_dir",
                        "cache_dir is empty or longer than 4096 bytes");
    if (o.log_level < TEEATTEST_LOG_NONE || o.log_level > TEEATTEST_LOG_DEBUG)
        return ta_error(err, TEEATTEST_E_INVALID_ARG, "log_level",
                        "log_level %d out of range", (int)o.log_level);

    teeattest_ctx *ctx = alloc.alloc(alloc.user_data, sizeof *ctx);
    if (!ctx)
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "allocating context");
    memset(ctx, 0, sizeof *ctx);
    atomic_init(&ctx->refs, 1);
    ctx->alloc = alloc;
    ctx->clock = o.clock;
    ctx->clock_ud = o.clock_user_data;
    ctx->log = o.log;
    ctx->log_ud = o.log_user_data;
    ctx->log_level = o.log_level;
    ctx->crypto = crypto;
    ctx->has_crypto = o.crypto != NULL;
    ctx->transport = transport;
    ctx->has_transport = o.transport != NULL;
    ctx->sleep = o.sleep;
    ctx->sleep_ud = o.sleep_user_data;
    ctx->deadline_ms = o.deadline_ms;
    if (o.cache_dir) {
        size_t n = strlen(o.cache_dir);
        ctx->cache_dir = alloc.alloc(alloc.user_data, n + 1);
        if (!ctx->cache_dir) {
            alloc.free(alloc.user_data, ctx);
            return ta_error(err, TEEATTEST_E_NOMEM, NULL,
                            "allocating context");
        }
        memcpy(ctx->cache_dir, o.cache_dir, n + 1);
    }
    ctx->cache_load = o.cache_load;
    ctx->cache_store = o.cache_store;
    ctx->cache_ud = o.cache_user_data;
    ctx->memo_entries = o.memo_entries;
    ctx->memo_bytes = o.memo_bytes;
    for (size_t i = 0; i < TA_CTX_SLOTS; i++) {
        atomic_init(&ctx->slots[i].p, NULL);
        ctx->slots[i].free = NULL;
    }
    *out = ctx;
    return TEEATTEST_OK;
}

TEEATTEST_API teeattest_ctx *teeattest_ctx_ref(teeattest_ctx *ctx)
{
    if (ctx)
        atomic_fetch_add(&ctx->refs, 1);
    return ctx;
}

TEEATTEST_API void teeattest_ctx_free(teeattest_ctx *ctx)
{
    if (!ctx || atomic_fetch_sub(&ctx->refs, 1) != 1)
        return;
    if (ctx->has_crypto && ctx->crypto.release)
        ctx->crypto.release(ctx->crypto.user_data);
    if (ctx->has_transport && ctx->transport.release)
        ctx->transport.release(ctx->transport.user_data);
    for (size_t i = 0; i < TA_CTX_SLOTS; i++) {
        void *p = atomic_load(&ctx->slots[i].p);
        if (p && ctx->slots[i].free)
            ctx->slots[i].free(ctx, p);
    }
    teeattest_allocator a = ctx->alloc;
    if (ctx->cache_dir)
        a.free(a.user_data, ctx->cache_dir);
    a.free(a.user_data, ctx);
}

TEEATTEST_API int64_t teeattest_ctx_now(const teeattest_ctx *ctx)
{
    if (!ctx)
        return 0;
    if (ctx->clock)
        return ctx->clock(ctx->clock_ud);
    return (int64_t)time(NULL);
}

int64_t ta_now_ms(const teeattest_ctx *ctx)
{
    if (ctx && ctx->clock) {
        int64_t s = ctx->clock(ctx->clock_ud);
        if (s > INT64_MAX / 1000)
            return INT64_MAX;
        if (s < INT64_MIN / 1000)
            return INT64_MIN;
        return s * 1000;
    }
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

void *ta_ctx_slot_get(const teeattest_ctx *ctx, int slot)
{
    if (!ctx || slot < 0 || slot >= TA_CTX_SLOTS)
        return NULL;
    return atomic_load(&((teeattest_ctx *)ctx)->slots[slot].p);
}

void *ta_ctx_slot_install(teeattest_ctx *ctx, int slot, void *p,
                          ta_ctx_slot_free_fn fn)
{
    if (!ctx || slot < 0 || slot >= TA_CTX_SLOTS || !p)
        return NULL;
    void *expected = NULL;
    if (!atomic_compare_exchange_strong(&ctx->slots[slot].p, &expected, p))
        return expected;
    /* Read only by teeattest_ctx_free, after the last reference. */
    ctx->slots[slot].free = fn;
    return p;
}

TEEATTEST_API uint32_t teeattest_version_number(void)
{
    return TEEATTEST_VERSION_NUMBER;
}

TEEATTEST_API const char *teeattest_version_string(void)
{
    return TEEATTEST_VERSION_STRING;
}
