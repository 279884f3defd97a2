/*
 * The in-memory memo of verified material (memo.h): a hash table of
 * entries on one LRU list, created on first use in the context's
 * TA_CTX_SLOT_MEMO slot and freed with the context.
 *
 * The mutex is held only while the table is searched or changed; parsing
 * and verification happen outside it, so two threads may both miss, both
 * do the work and both insert: the second insert finds the first and
 * drops its own copy. Objects handed out are reference-counted
 * (atomically) and immutable, so a caller keeps using one after the memo
 * evicted it. Objects are released outside the lock.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <pthread.h>
#include <string.h>

#include "crypto.h"
#include "memo.h"
#include "x509.h"

#define DEFAULT_ENTRIES TEEATTEST_MEMO_DEFAULT_ENTRIES
#define DEFAULT_BYTES TEEATTEST_MEMO_DEFAULT_BYTES

typedef struct entry {
    struct entry *prev, *next; /* LRU list, most recent first */
    struct entry *hnext;       /* hash bucket */
    int kind;
    uint8_t key[TA_MEMO_LINK_KEY];
    void *obj;                 /* TA_MEMO_CERT / TA_MEMO_CRL */
    size_t bytes;              /* what this entry is counted as */
} entry;

typedef struct memo {
    pthread_mutex_t lock;
    entry **buckets;
    size_t n_buckets;          /* a power of two */
    entry *head, *tail;
    size_t max_entries, max_bytes;
    ta_memo_stats st;
} memo;

static size_t key_len(int kind)
{
    return kind == TA_MEMO_LINK ? TA_MEMO_LINK_KEY : TA_MEMO_KEY;
}

static void obj_release(int kind, void *obj)
{
    if (kind == TA_MEMO_CERT)
        ta_x509_free(obj);
    else if (kind == TA_MEMO_CRL)
        ta_x509_crl_free(obj);
}

static void *obj_ref(int kind, void *obj)
{
    if (kind == TA_MEMO_CERT)
        return ta_x509_ref(obj);
    if (kind == TA_MEMO_CRL)
        return ta_x509_crl_ref(obj);
    return obj;
}

static void bounds(const teeattest_ctx *ctx, size_t *entries, size_t *bytes)
{
    *entries = ctx->memo_entries ? ctx->memo_entries : DEFAULT_ENTRIES;
    *bytes = ctx->memo_bytes ? ctx->memo_bytes : DEFAULT_BYTES;
}

bool ta_memo_enabled(const teeattest_ctx *ctx)
{
    return ctx && ctx->memo_entries != TA_MEMO_OFF &&
           ctx->memo_bytes != TA_MEMO_OFF;
}

static void memo_free(const teeattest_ctx *ctx, void *p)
{
    memo *m = p;
    for (entry *e = m->head, *n; e; e = n) {
        n = e->next;
        obj_release(e->kind, e->obj);
        ta_free(ctx, e);
    }
    ta_free(ctx, m->buckets);
    pthread_mutex_destroy(&m->lock);
    ta_free(ctx, m);
}

/* The context's memo, created on first use; NULL when off or on OOM. */
static memo *memo_get(const teeattest_ctx *cctx)
{
    if (!ta_memo_enabled(cctx))
        return NULL;
    teeattest_ctx *ctx = (teeattest_ctx *)cctx;
    memo *m = ta_ctx_slot_get(ctx, TA_CTX_SLOT_MEMO);
    if (m)
        return m;
    m = ta_calloc(ctx, 1, sizeof *m);
    if (!m)
        return NULL;
    m->n_buckets = 64;
    m->buckets = ta_calloc(ctx, m->n_buckets, sizeof *m->buckets);
    if (!m->buckets || pthread_mutex_init(&m->lock, NULL) != 0) {
        ta_free(ctx, m->buckets);
        ta_free(ctx, m);
        return NULL;
    }
    bounds(ctx, &m->max_entries, &m->max_bytes);
    m->st.enabled = true;
    m->st.max_entries = m->max_entries;
    m->st.max_bytes = m->max_bytes;
    memo *installed = ta_ctx_slot_install(ctx, TA_CTX_SLOT_MEMO, m, memo_free);
    if (installed != m) {
        memo_free(ctx, m);
        m = installed;
    }
    return m;
}

/* The keys are SHA-256 digests: any 8 bytes are uniform. Links mix the
 * three digests so that the links under one issuer spread. */
static size_t bucket_of(const memo *m, int kind, const uint8_t *key)
{
    uint64_t h = 0;
    for (size_t off = 0; off < key_len(kind); off += 32) {
        uint64_t v;
        memcpy(&v, key + off, sizeof v);
        h ^= v;
    }
    h ^= (uint64_t)kind * 0x9E3779B97F4A7C15u;
    return (size_t)(h & (m->n_buckets - 1));
}

static entry *find(const memo *m, int kind, const uint8_t *key)
{
    for (entry *e = m->buckets[bucket_of(m, kind, key)]; e; e = e->hnext)
        if (e->kind == kind && memcmp(e->key, key, key_len(kind)) == 0)
            return e;
    return NULL;
}

static void lru_unlink(memo *m, entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        m->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        m->tail = e->prev;
    e->prev = e->next = NULL;
}

static void lru_push(memo *m, entry *e)
{
    e->prev = NULL;
    e->next = m->head;
    if (m->head)
        m->head->prev = e;
    m->head = e;
    if (!m->tail)
        m->tail = e;
}

static void hash_unlink(memo *m, entry *e)
{
    entry **pp = &m->buckets[bucket_of(m, e->kind, e->key)];
    while (*pp && *pp != e)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = e->hnext;
}

/* Double the table when it holds more entries than buckets; on OOM keep
 * the current size (longer chains, still correct). */
static void maybe_grow(const teeattest_ctx *ctx, memo *m)
{
    if (m->st.entries <= m->n_buckets || m->n_buckets > SIZE_MAX / 4)
        return;
    size_t n = m->n_buckets * 2;
    entry **b = ta_calloc(ctx, n, sizeof *b);
    if (!b)
        return;
    entry **old = m->buckets;
    size_t old_n = m->n_buckets;
    m->buckets = b;
    m->n_buckets = n;
    for (size_t i = 0; i < old_n; i++)
        for (entry *e = old[i], *nx; e; e = nx) {
            nx = e->hnext;
            size_t k = bucket_of(m, e->kind, e->key);
            e->hnext = b[k];
            b[k] = e;
        }
    ta_free(ctx, old);
}

/* Look `key` up; on a hit move it to the front and return it. Counts a
 * hit or a miss. Called with the lock held. */
static entry *lookup_locked(memo *m, int kind, const uint8_t *key)
{
    entry *e = find(m, kind, key);
    if (e) {
        lru_unlink(m, e);
        lru_push(m, e);
        m->st.hits[kind]++;
    } else {
        m->st.misses[kind]++;
    }
    return e;
}

static void insert(const teeattest_ctx *ctx, memo *m, int kind,
                   const uint8_t *key, void *obj, size_t obj_bytes)
{
    entry *e = ta_calloc(ctx, 1, sizeof *e);
    if (!e) {
        obj_release(kind, obj);
        return;
    }
    e->kind = kind;
    memcpy(e->key, key, key_len(kind));
    e->obj = obj;
    e->bytes = sizeof *e + obj_bytes;
    entry *evicted = NULL;
    pthread_mutex_lock(&m->lock);
    if (find(m, kind, key)) {
        /* another thread was first */
        pthread_mutex_unlock(&m->lock);
        obj_release(kind, obj);
        ta_free(ctx, e);
        return;
    }
    size_t k = bucket_of(m, kind, key);
    e->hnext = m->buckets[k];
    m->buckets[k] = e;
    lru_push(m, e);
    m->st.entries++;
    m->st.bytes += e->bytes;
    while (m->tail && (m->st.entries > m->max_entries ||
                       m->st.bytes > m->max_bytes)) {
        entry *t = m->tail;
        lru_unlink(m, t);
        hash_unlink(m, t);
        m->st.entries--;
        m->st.bytes -= t->bytes;
        m->st.evictions++;
        t->next = evicted;
        evicted = t;
    }
    maybe_grow(ctx, m);
    pthread_mutex_unlock(&m->lock);
    for (entry *t = evicted, *n; t; t = n) {
        n = t->next;
        obj_release(t->kind, t->obj);
        ta_free(ctx, t);
    }
}

void ta_memo_stats_get(const teeattest_ctx *ctx, ta_memo_stats *out)
{
    memset(out, 0, sizeof *out);
    if (!ta_memo_enabled(ctx))
        return;
    memo *m = ta_ctx_slot_get(ctx, TA_CTX_SLOT_MEMO);
    if (!m) {
        out->enabled = true;
        bounds(ctx, &out->max_entries, &out->max_bytes);
        return;
    }
    pthread_mutex_lock(&m->lock);
    *out = m->st;
    pthread_mutex_unlock(&m->lock);
}

/* ---- keys without objects: links and documents ------------------------ */

static bool known(const teeattest_ctx *ctx, int kind, const uint8_t *key)
{
    memo *m = memo_get(ctx);
    if (!m)
        return false;
    pthread_mutex_lock(&m->lock);
    bool hit = lookup_locked(m, kind, key) != NULL;
    pthread_mutex_unlock(&m->lock);
    return hit;
}

static void add(const teeattest_ctx *ctx, int kind, const uint8_t *key)
{
    memo *m = memo_get(ctx);
    if (!m)
        return;
    /* a path found in the memo is remembered again: no allocation then */
    pthread_mutex_lock(&m->lock);
    bool present = find(m, kind, key) != NULL;
    pthread_mutex_unlock(&m->lock);
    if (!present)
        insert(ctx, m, kind, key, NULL, key_len(kind));
}

bool ta_memo_link_known(const teeattest_ctx *ctx,
                        const uint8_t key[TA_MEMO_LINK_KEY])
{
    return known(ctx, TA_MEMO_LINK, key);
}

void ta_memo_link_add(const teeattest_ctx *ctx,
                      const uint8_t key[TA_MEMO_LINK_KEY])
{
    add(ctx, TA_MEMO_LINK, key);
}

void ta_memo_count_link_verify(const teeattest_ctx *ctx)
{
    memo *m = memo_get(ctx);
    if (!m)
        return;
    pthread_mutex_lock(&m->lock);
    m->st.link_verifies++;
    pthread_mutex_unlock(&m->lock);
}

bool ta_memo_doc_key(uint8_t key[TA_MEMO_KEY], const char *tag,
                     const uint8_t *const *parts, const size_t *lens,
                     size_t n)
{
    /* SHA-256(tag NUL || per part: length (8 bytes) || SHA-256(part)) */
    uint8_t buf[64 + 1 + TA_MEMO_DOC_PARTS * 40];
    size_t off = strlen(tag) + 1;
    if (off > 65 || n > TA_MEMO_DOC_PARTS)
        return false;
    memcpy(buf, tag, off);
    for (size_t i = 0; i < n; i++) {
        if (lens[i] && !parts[i])
            return false;
        for (int b = 0; b < 8; b++)
            buf[off + (size_t)b] =
                (uint8_t)((uint64_t)lens[i] >> (56 - 8 * b));
        off += 8;
        if (ta_builtin_hash(TEEATTEST_HASH_SHA256, buf + off, 32,
                            lens[i] ? parts[i] : (const uint8_t *)"",
                            lens[i]) != TEEATTEST_OK)
            return false;
        off += 32;
    }
    return ta_builtin_hash(TEEATTEST_HASH_SHA256, key, TA_MEMO_KEY, buf,
                           off) == TEEATTEST_OK;
}

bool ta_memo_doc_known(const teeattest_ctx *ctx,
                       const uint8_t key[TA_MEMO_KEY])
{
    return known(ctx, TA_MEMO_DOC, key);
}

void ta_memo_doc_add(const teeattest_ctx *ctx, const uint8_t key[TA_MEMO_KEY])
{
    add(ctx, TA_MEMO_DOC, key);
}

/* ---- parsed objects ----------------------------------------------------- */

void *ta_memo_obj_get(const teeattest_ctx *ctx, int kind,
                      const uint8_t key[TA_MEMO_KEY])
{
    memo *m = memo_get(ctx);
    if (!m)
        return NULL;
    pthread_mutex_lock(&m->lock);
    entry *e = lookup_locked(m, kind, key);
    void *obj = e ? obj_ref(kind, e->obj) : NULL;
    pthread_mutex_unlock(&m->lock);
    return obj;
}

void ta_memo_obj_put(const teeattest_ctx *ctx, int kind,
                     const uint8_t key[TA_MEMO_KEY], void *obj, size_t bytes)
{
    memo *m = memo_get(ctx);
    if (m && obj)
        insert(ctx, m, kind, key, obj_ref(kind, obj), bytes);
}

/* The memo's key for a parse: SHA-256 over a tag and the exact input. */
static bool parse_key(uint8_t key[TA_MEMO_KEY], const char *tag,
                      const uint8_t *data, size_t len)
{
    const uint8_t *parts[1] = {data};
    return ta_memo_doc_key(key, tag, parts, &len, 1);
}

/* What a parsed object is counted as: about four times its DER for the
 * implementation's decoded form (OpenSSL's X509, mbedTLS's crt) beside our
 * copy of the bytes and views. An estimate, documented as one. */
int ta_x509_parse_der(const teeattest_ctx *ctx, ta_x509 **out,
                      const uint8_t *der, size_t len, int *backend_rc)
{
    uint8_t key[TA_MEMO_KEY];
    bool memo_on = der && ta_memo_enabled(ctx) &&
                   parse_key(key, "ta_x509", der, len);
    if (memo_on) {
        ta_x509 *c = ta_memo_obj_get(ctx, TA_MEMO_CERT, key);
        if (c) {
            *out = c;
            if (backend_rc)
                *backend_rc = 0;
            return TEEATTEST_OK;
        }
    }
    int rc = ta_x509_parse_der_uncached(ctx, out, der, len, backend_rc);
    if (rc == TEEATTEST_OK && memo_on)
        ta_memo_obj_put(ctx, TA_MEMO_CERT, key, *out,
                        4 * ta_x509_der(*out).len + 512);
    return rc;
}

int ta_x509_crl_parse(const teeattest_ctx *ctx, ta_x509_crl **out,
                      const uint8_t *data, size_t len)
{
    uint8_t key[TA_MEMO_KEY];
    bool memo_on = data && len && ta_memo_enabled(ctx) &&
                   parse_key(key, "ta_x509_crl", data, len);
    if (memo_on) {
        ta_x509_crl *crl = ta_memo_obj_get(ctx, TA_MEMO_CRL, key);
        if (crl) {
            *out = crl;
            return TEEATTEST_OK;
        }
    }
    int rc = ta_x509_crl_parse_uncached(ctx, out, data, len);
    if (rc == TEEATTEST_OK && memo_on)
        ta_memo_obj_put(ctx, TA_MEMO_CRL, key, *out,
                        2 * ta_x509_crl_der(*out).len + 256);
    return rc;
}
