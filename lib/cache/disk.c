/*
 * The cache of fetched verification material: entry framing and the two
 * stores (a directory, or the embedder's load/store callbacks). See
 * cache.h and docs/cache.md.
 *
 * Entry layout (all integers big-endian):
 *   "TEEATTEST-CACHE1"      16 bytes
 *   expires                  int64, Unix seconds
 *   n                        uint32, parts including the key
 *   n x (uint32 len, bytes)  part 0 is the key, then the material
 *   SHA-256 of everything above
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "../crypto/crypto.h"

#define MAGIC "TEEATTEST-CACHE1"
#define MAGIC_LEN 16u
#define HEAD_LEN (MAGIC_LEN + 8u + 4u)

bool ta_cache_enabled(const teeattest_ctx *ctx)
{
    return ctx && (ctx->cache_dir || ctx->cache_load);
}

int ta_cache_name(const teeattest_ctx *ctx, const char *key, char out[65])
{
    uint8_t h[32];
    int rc = ta_sha256(ctx, h, (const uint8_t *)key, strlen(key));
    if (rc)
        return rc;
    ta_hex_encode(out, h, sizeof h);
    return TEEATTEST_OK;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

/* ---- the directory ------------------------------------------------------ */

/* The directory, created (0700) when missing; -1 on failure. */
static int dir_open(const teeattest_ctx *ctx, bool create)
{
    int fd = open(ctx->cache_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && create) {
        if (mkdir(ctx->cache_dir, 0700) != 0 && errno != EEXIST) {
            ta_log(ctx, TEEATTEST_LOG_DEBUG, "cache: cannot create %s: %s",
                   ctx->cache_dir, strerror(errno));
            return -1;
        }
        fd = open(ctx->cache_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
    if (fd < 0)
        ta_log(ctx, TEEATTEST_LOG_DEBUG, "cache: cannot open %s: %s",
               ctx->cache_dir, strerror(errno));
    return fd;
}

/* Read the regular file `name` (never through a symbolic link) of at most
 * TA_CACHE_ENTRY_MAX bytes. */
static int dir_read(const teeattest_ctx *ctx, const char *name,
                    uint8_t **out, size_t *out_len)
{
    int dfd = dir_open(ctx, false);
    if (dfd < 0)
        return TEEATTEST_E_NOT_FOUND;
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    int saved = errno;
    close(dfd);
    if (fd < 0) {
        if (saved != ENOENT)
            ta_log(ctx, TEEATTEST_LOG_DEBUG, "cache: cannot open entry %s: "
                   "%s", name, strerror(saved));
        return TEEATTEST_E_NOT_FOUND;
    }
    struct stat st;
    int rc = TEEATTEST_E_NOT_FOUND;
    uint8_t *buf = NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
        (uint64_t)st.st_size > TA_CACHE_ENTRY_MAX) {
        ta_log(ctx, TEEATTEST_LOG_DEBUG, "cache: entry %s is not a regular "
               "file of at most %u bytes", name, TA_CACHE_ENTRY_MAX);
        goto out;
    }
    size_t want = (size_t)st.st_size, got = 0;
    buf = ta_malloc(ctx, want);
    if (!buf)
        goto out;
    while (got < want) {
        ssize_t r = read(fd, buf + got, want - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    if (got != want) {
        ta_log(ctx, TEEATTEST_LOG_DEBUG, "cache: short read of entry %s",
               name);
        goto out;
    }
    *out = buf;
    *out_len = got;
    buf = NULL;
    rc = TEEATTEST_OK;
out:
    ta_free(ctx, buf);
    close(fd);
    return rc;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Write `name` atomically: a fresh temporary file (0600, O_EXCL, never
 * through a link) renamed over the entry. */
static int dir_write(const teeattest_ctx *ctx, const char *name,
                     const uint8_t *data, size_t len)
{
    int dfd = dir_open(ctx, true);
    if (dfd < 0)
        return TEEATTEST_E_IO;
    uint8_t rnd[8];
    char tmp[64 + 32], rh[17];
    if (ta_random(ctx, rnd, sizeof rnd) != TEEATTEST_OK) {
        close(dfd);
        return TEEATTEST_E_RANDOM;
    }
    ta_hex_encode(rh, rnd, sizeof rnd);
    snprintf(tmp, sizeof tmp, ".tmp-%.16s-%s", name, rh);
    int fd = openat(dfd, tmp,
                    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                    0600);
    if (fd < 0) {
        ta_log(ctx, TEEATTEST_LOG_DEBUG, "cache: cannot create a temporary "
               "entry in %s: %s", ctx->cache_dir, strerror(errno));
        close(dfd);
        return TEEATTEST_E_IO;
    }
    int rc = write_all(fd, data, len) == 0 ? TEEATTEST_OK : TEEATTEST_E_IO;
    if (close(fd) != 0)
        rc = TEEATTEST_E_IO;
    if (!rc && renameat(dfd, tmp, dfd, name) != 0)
        rc = TEEATTEST_E_IO;
    if (rc) {
        ta_log(ctx, TEEATTEST_LOG_DEBUG, "cache: cannot write entry %s in "
               "%s: %s", name, ctx->cache_dir, strerror(errno));
        unlinkat(dfd, tmp, 0);
    }
    close(dfd);
    return rc;
}

/* ---- the embedder's callbacks -------------------------------------------- */

static int cb_read(const teeattest_ctx *ctx, const char *name, uint8_t **out,
                   size_t *out_len)
{
    size_t need = 0;
    int rc = ctx->cache_load(ctx->cache_ud, name, NULL, 0, &need);
    if (rc == TEEATTEST_OK && need == 0)
        return TEEATTEST_E_NOT_FOUND;
    if (rc != TEEATTEST_OK && rc != TEEATTEST_E_BUFFER_TOO_SMALL)
        return TEEATTEST_E_NOT_FOUND;
    if (need == 0 || need > TA_CACHE_ENTRY_MAX) {
        ta_log(ctx, TEEATTEST_LOG_DEBUG, "cache: load callback gave a size "
               "of %zu bytes for %s", need, name);
        return TEEATTEST_E_NOT_FOUND;
    }
    uint8_t *buf = ta_malloc(ctx, need);
    if (!buf)
        return TEEATTEST_E_NOT_FOUND;
    size_t got = need;
    rc = ctx->cache_load(ctx->cache_ud, name, buf, need, &got);
    if (rc != TEEATTEST_OK || got == 0 || got > need) {
        ta_log(ctx, TEEATTEST_LOG_DEBUG, "cache: load callback failed for "
               "%s (%d)", name, rc);
        ta_free(ctx, buf);
        return TEEATTEST_E_NOT_FOUND;
    }
    *out = buf;
    *out_len = got;
    return TEEATTEST_OK;
}

/* ---- entries --------------------------------------------------------------- */

int ta_cache_load(const teeattest_ctx *ctx, const char *key, int64_t now,
                  uint8_t **blob, ta_cache_part *parts, size_t n,
                  int64_t *expires)
{
    *blob = NULL;
    if (!ta_cache_enabled(ctx) || n > TA_CACHE_PARTS_MAX)
        return TEEATTEST_E_NOT_FOUND;
    char name[65];
    if (ta_cache_name(ctx, key, name) != TEEATTEST_OK)
        return TEEATTEST_E_NOT_FOUND;
    uint8_t *b = NULL;
    size_t len = 0;
    int rc = ctx->cache_dir ? dir_read(ctx, name, &b, &len)
                            : cb_read(ctx, name, &b, &len);
    if (rc)
        return TEEATTEST_E_NOT_FOUND;
    const char *why = NULL;
    uint8_t sum[32];
    if (len < HEAD_LEN + 32 || memcmp(b, MAGIC, MAGIC_LEN) != 0) {
        why = "not an entry";
        goto bad;
    }
    if (ta_sha256(ctx, sum, b, len - 32) != TEEATTEST_OK ||
        memcmp(sum, b + len - 32, 32) != 0) {
        why = "checksum mismatch (corrupted or truncated)";
        goto bad;
    }
    int64_t exp = 0;
    for (int i = 0; i < 8; i++)
        exp = (int64_t)((uint64_t)exp << 8 | b[MAGIC_LEN + i]);
    if (get32(b + MAGIC_LEN + 8) != n + 1) {
        why = "wrong number of parts";
        goto bad;
    }
    size_t off = HEAD_LEN, end = len - 32;
    ta_cache_part got[TA_CACHE_PARTS_MAX + 1];
    for (size_t i = 0; i < n + 1; i++) {
        if (end - off < 4) {
            why = "truncated part";
            goto bad;
        }
        size_t pl = get32(b + off);
        off += 4;
        if (pl > end - off) {
            why = "truncated part";
            goto bad;
        }
        got[i].p = b + off;
        got[i].len = pl;
        off += pl;
    }
    if (off != end) {
        why = "trailing bytes";
        goto bad;
    }
    if (got[0].len != strlen(key) || memcmp(got[0].p, key, got[0].len) != 0) {
        why = "stored for another request";
        goto bad;
    }
    if (exp <= now) {
        ta_log(ctx, TEEATTEST_LOG_DEBUG, "cache: entry %s expired", name);
        ta_free(ctx, b);
        return TEEATTEST_E_NOT_FOUND;
    }
    for (size_t i = 0; i < n; i++)
        parts[i] = got[i + 1];
    if (expires)
        *expires = exp;
    *blob = b;
    return TEEATTEST_OK;
bad:
    ta_log(ctx, TEEATTEST_LOG_DEBUG, "cache: entry %s ignored: %s", name, why);
    ta_free(ctx, b);
    return TEEATTEST_E_NOT_FOUND;
}

void ta_cache_store(const teeattest_ctx *ctx, const char *key, int64_t now,
                    int64_t expires, const ta_cache_part *parts, size_t n)
{
    if (!ta_cache_enabled(ctx) || n > TA_CACHE_PARTS_MAX || expires <= now)
        return;
    size_t klen = strlen(key);
    uint64_t total = HEAD_LEN + 4u + klen + 32u;
    for (size_t i = 0; i < n; i++)
        total += 4u + (uint64_t)parts[i].len;
    if (total > TA_CACHE_ENTRY_MAX || klen > UINT32_MAX) {
        ta_log(ctx, TEEATTEST_LOG_DEBUG, "cache: entry for %s too large",
               key);
        return;
    }
    char name[65];
    uint8_t *b = ta_malloc(ctx, (size_t)total);
    if (!b || ta_cache_name(ctx, key, name) != TEEATTEST_OK) {
        ta_free(ctx, b);
        return;
    }
    memcpy(b, MAGIC, MAGIC_LEN);
    for (int i = 0; i < 8; i++)
        b[MAGIC_LEN + i] = (uint8_t)((uint64_t)expires >> (56 - 8 * i));
    put32(b + MAGIC_LEN + 8, (uint32_t)(n + 1));
    size_t off = HEAD_LEN;
    put32(b + off, (uint32_t)klen);
    memcpy(b + off + 4, key, klen);
    off += 4 + klen;
    for (size_t i = 0; i < n; i++) {
        put32(b + off, (uint32_t)parts[i].len);
        if (parts[i].len)
            memcpy(b + off + 4, parts[i].p, parts[i].len);
        off += 4 + parts[i].len;
    }
    int rc = ta_sha256(ctx, b + off, b, off);
    if (!rc) {
        if (ctx->cache_dir) {
            rc = dir_write(ctx, name, b, (size_t)total);
        } else {
            int cr = ctx->cache_store(ctx->cache_ud, name, b, (size_t)total);
            if (cr)
                ta_log(ctx, TEEATTEST_LOG_DEBUG, "cache: store callback "
                       "failed for %s (%d)", name, cr);
        }
    }
    if (!rc)
        ta_log(ctx, TEEATTEST_LOG_DEBUG, "cache: stored %s", key);
    ta_free(ctx, b);
}
