/*
 * Internal: the on-disk (or embedder-supplied) cache of fetched
 * verification material (docs/cache.md), shared across processes. Layer:
 * uses core and crypto; used by lib/tdx and lib/gpu.
 *
 * An entry is a hint, never evidence: it holds material that is signed and
 * verified again on every use. This layer checks an entry's framing, its
 * SHA-256 checksum, that it was stored for the same request (a file moved
 * to another name is refused) and that its own expiry is after `now`; the
 * caller then parses and verifies the material and fetches it anew when
 * anything is wrong. Errors here never fail anything: they are logged at
 * debug level and reported as a miss.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_CACHE_H
#define TA_CACHE_H

#include "../core/core.h"

/* Largest entry accepted or written: the biggest item (a PCK CRL, up to
 * 4 MiB) with its issuer chain. */
#define TA_CACHE_ENTRY_MAX (8u << 20)
/* Most parts one entry holds (after the key). */
#define TA_CACHE_PARTS_MAX 4u

typedef struct ta_cache_part {
    const uint8_t *p;
    size_t len;
} ta_cache_part;

/* Whether the context has a cache (a directory or callbacks). */
bool ta_cache_enabled(const teeattest_ctx *ctx);

/* Look up the entry stored for `key` (the request's identity, e.g.
 * "GET <url>"), which must hold exactly `n` parts and expire after `now`.
 * On a hit: TEEATTEST_OK, *blob (free with ta_free) holds the entry and
 * parts[0..n-1] point into it, *expires its expiry (may be NULL). Anything
 * else (no cache, no entry, unreadable, corrupt, other key, expired, out
 * of memory): TEEATTEST_E_NOT_FOUND with *blob NULL. Thread-safe. */
int ta_cache_load(const teeattest_ctx *ctx, const char *key, int64_t now,
                  uint8_t **blob, ta_cache_part *parts, size_t n,
                  int64_t *expires);

/* Store `n` parts under `key` until `expires` (Unix seconds). Does
 * nothing when there is no cache, when `expires` is not after `now`, or
 * when the entry would exceed TA_CACHE_ENTRY_MAX; failures are logged,
 * never returned. Thread-safe (a directory entry is replaced atomically). */
void ta_cache_store(const teeattest_ctx *ctx, const char *key, int64_t now,
                    int64_t expires, const ta_cache_part *parts, size_t n);

/* The name of `key`'s entry: 64 lower-case hex characters, the SHA-256 of
 * the key (a file name in the directory; the key of the callbacks).
 * TEEATTEST_OK or the hash's error. */
int ta_cache_name(const teeattest_ctx *ctx, const char *key, char out[65]);

#endif /* TA_CACHE_H */
