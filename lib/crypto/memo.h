/*
 * The in-memory memo of verified material, one per context (memo.c):
 * parsed certificates and CRLs by the SHA-256 of their DER, certificate
 * links whose signature verified on a path to a trust anchor, and
 * documents whose signature verified. Bounded by entries and bytes
 * (teeattest_ctx_options.memo_entries / memo_bytes) with LRU eviction;
 * one mutex, held only while the table is read or changed, never while
 * anything is parsed or verified. Only successes are remembered; nothing
 * that depends on the verification time (validity windows, CRLs, OCSP)
 * is. See docs/cache.md, "In-memory memo".
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_CRYPTO_MEMO_H
#define TA_CRYPTO_MEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/core.h"

/* What an entry holds. */
enum {
    TA_MEMO_CERT, /* a parsed ta_x509, key SHA-256("cert" || input) */
    TA_MEMO_CRL,  /* a parsed ta_x509_crl, key SHA-256("crl" || input) */
    TA_MEMO_LINK, /* a verified link, key H(issuer) || H(subject) || H(anchor) */
    TA_MEMO_DOC,  /* a verified document, key ta_memo_doc_key */
    TA_MEMO_KINDS
};

/* teeattest_ctx_options.memo_entries / memo_bytes value that turns the
 * memo off. */
#define TA_MEMO_OFF TEEATTEST_MEMO_OFF

#define TA_MEMO_LINK_KEY 96
#define TA_MEMO_KEY 32

/* Counters and occupancy, for tests and the bench (memory figure). */
typedef struct ta_memo_stats {
    bool enabled;           /* false when the context turned the memo off */
    uint64_t hits[TA_MEMO_KINDS];
    uint64_t misses[TA_MEMO_KINDS];
    uint64_t evictions;
    /* Certificate signatures chain.c actually verified for contexts with
     * the memo (a hit verifies none). */
    uint64_t link_verifies;
    size_t entries, bytes;  /* now held */
    size_t max_entries, max_bytes; /* the bounds in force */
} ta_memo_stats;

/* The context's counters; all zero (enabled false) when the memo is off,
 * enabled with zero counters when it is on but still empty. */
void ta_memo_stats_get(const teeattest_ctx *ctx, ta_memo_stats *out);

/* Is the memo on for this context (bounds not TEEATTEST_MEMO_OFF)? */
bool ta_memo_enabled(const teeattest_ctx *ctx);

/* Links (chain.c). key: H(issuer DER) || H(subject DER) || H(anchor DER). */
bool ta_memo_link_known(const teeattest_ctx *ctx,
                        const uint8_t key[TA_MEMO_LINK_KEY]);
void ta_memo_link_add(const teeattest_ctx *ctx,
                      const uint8_t key[TA_MEMO_LINK_KEY]);
/* One more certificate signature verified by chain.c with the memo on. */
void ta_memo_count_link_verify(const teeattest_ctx *ctx);

/* Documents. The key is SHA-256 over the domain tag (with its NUL, at
 * most 64 characters) and, for each part (at most TA_MEMO_DOC_PARTS), its
 * length (8 bytes, big-endian) and SHA-256; false when it cannot be
 * computed. */
#define TA_MEMO_DOC_PARTS 8
bool ta_memo_doc_key(uint8_t key[TA_MEMO_KEY], const char *tag,
                     const uint8_t *const *parts, const size_t *lens,
                     size_t n);
bool ta_memo_doc_known(const teeattest_ctx *ctx,
                       const uint8_t key[TA_MEMO_KEY]);
void ta_memo_doc_add(const teeattest_ctx *ctx,
                     const uint8_t key[TA_MEMO_KEY]);

/* Parsed objects (x509.h's ta_x509_parse_der and ta_x509_crl_parse use
 * these): a new reference to the object parsed from exactly these input
 * bytes, or NULL; and remember `obj` (the memo takes its own reference). */
void *ta_memo_obj_get(const teeattest_ctx *ctx, int kind,
                      const uint8_t key[TA_MEMO_KEY]);
void ta_memo_obj_put(const teeattest_ctx *ctx, int kind,
                     const uint8_t key[TA_MEMO_KEY], void *obj, size_t bytes);

#endif /* TA_CRYPTO_MEMO_H */
