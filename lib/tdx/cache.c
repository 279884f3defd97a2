/*
 * The context's cache of fetched TDX collateral, keyed by (service base
 * URL, FMSPC, PCK CA). An entry is served until the collateral's earliest
 * expiry (teeattest_collateral_expiry) at the context's clock, so a
 * stale TCB Info or CRL is never handed out again: it is fetched anew.
 *
 * The cache owns its collateral without a context reference (the cache
 * lives in the context, so a reference would keep the context alive for
 * ever); every handle given out for an entry holds a real one.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <pthread.h>
#include <string.h>

#include "tdx_fetch.h"

/* Few platform families meet one process; the bound only stops a caller
 * that fetches for many FMSPCs from growing the context without end. */
#define CACHE_ENTRIES 32

typedef struct cache_entry {
    char *base;              /* normalised base URL (owned); NULL = free */
    uint8_t fmspc[6];
    bool platform;
    int64_t expires;
    ta_tdx_collateral *col;  /* weak ownership (no context reference) */
} cache_entry;

struct ta_tdx_cache {
    pthread_mutex_t lock;
    cache_entry e[CACHE_ENTRIES];
};

static void entry_clear(const teeattest_ctx *ctx, cache_entry *e)
{
    ta_free(ctx, e->base);
    ta_tdx_collateral_release_weak(e->col);
    memset(e, 0, sizeof *e);
}

static void ta_tdx_cache_free(const teeattest_ctx *ctx, void *p)
{
    struct ta_tdx_cache *c = p;
    if (!c)
        return;
    for (size_t i = 0; i < CACHE_ENTRIES; i++)
        if (c->e[i].col)
            entry_clear(ctx, &c->e[i]);
    pthread_mutex_destroy(&c->lock);
    ta_free(ctx, c);
}

static struct ta_tdx_cache *cache_get(teeattest_ctx *ctx)
{
    struct ta_tdx_cache *c = ta_ctx_slot_get(ctx, TA_CTX_SLOT_TDX_CACHE);
    if (c)
        return c;
    c = ta_calloc(ctx, 1, sizeof *c);
    if (!c)
        return NULL;
    if (pthread_mutex_init(&c->lock, NULL) != 0) {
        ta_free(ctx, c);
        return NULL;
    }
    struct ta_tdx_cache *installed =
        ta_ctx_slot_install(ctx, TA_CTX_SLOT_TDX_CACHE, c, ta_tdx_cache_free);
    if (installed != c) {
        /* Another thread installed its cache first: use that one. */
        pthread_mutex_destroy(&c->lock);
        ta_free(ctx, c);
        c = installed;
    }
    return c;
}

static bool key_eq(const cache_entry *e, const char *base,
                   const uint8_t fmspc[6], bool platform)
{
    return e->col && e->platform == platform &&
           memcmp(e->fmspc, fmspc, 6) == 0 && strcmp(e->base, base) == 0;
}

ta_tdx_collateral *ta_tdx_cache_lookup(teeattest_ctx *ctx, const char *base,
                                       const uint8_t fmspc[6], bool platform,
                                       int64_t now)
{
    struct ta_tdx_cache *c = ta_ctx_slot_get(ctx, TA_CTX_SLOT_TDX_CACHE);
    if (!c)
        return NULL;
    ta_tdx_collateral *col = NULL;
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < CACHE_ENTRIES; i++) {
        cache_entry *e = &c->e[i];
        if (!key_eq(e, base, fmspc, platform))
            continue;
        if (now < e->expires)
            col = ta_tdx_collateral_share(e->col);
        else
            entry_clear(ctx, e); /* expired: the caller fetches anew */
        break;
    }
    pthread_mutex_unlock(&c->lock);
    return col;
}

int ta_tdx_cache_store(teeattest_ctx *ctx, const char *base,
                       const uint8_t fmspc[6], bool platform,
                       ta_tdx_collateral *col, int64_t now)
{
    int64_t expires = ta_tdx_collateral_expiry(col);
    if (expires <= now)
        return TEEATTEST_OK; /* unknown or already expired: not worth keeping */
    struct ta_tdx_cache *c = cache_get(ctx);
    char *b = ta_strdup(ctx, base);
    if (!c || !b) {
        ta_free(ctx, b);
        return TEEATTEST_E_NOMEM;
    }
    pthread_mutex_lock(&c->lock);
    /* Same key (a concurrent fetch), else a free slot, else the entry that
     * expires first. */
    cache_entry *slot = NULL;
    for (size_t i = 0; i < CACHE_ENTRIES && !slot; i++)
        if (key_eq(&c->e[i], base, fmspc, platform))
            slot = &c->e[i];
    for (size_t i = 0; i < CACHE_ENTRIES && !slot; i++)
        if (!c->e[i].col)
            slot = &c->e[i];
    if (!slot) {
        slot = &c->e[0];
        for (size_t i = 1; i < CACHE_ENTRIES; i++)
            if (c->e[i].expires < slot->expires)
                slot = &c->e[i];
    }
    if (slot->col)
        entry_clear(ctx, slot);
    slot->base = b;
    memcpy(slot->fmspc, fmspc, 6);
    slot->platform = platform;
    slot->expires = expires;
    ta_tdx_collateral_share_weak(col);
    slot->col = col;
    pthread_mutex_unlock(&c->lock);
    return TEEATTEST_OK;
}
