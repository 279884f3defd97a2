/*
 * Internal: compact JWS (ES384 only) and the NRAS JWKS (spec nvidia.md
 * 5.3-5.5). Never installed.
 *
 * Trust model of a JWKS key (spec 5.4): only through its x5c. A key is
 * used only when x5c[0] holds the same P-384 key as x/y (checked at load),
 * x5c[0] is signed by x5c[1] and valid at the verification time, and x5c[1]
 * is a pinned NRAS intermediate (SHA-256 of its DER). A key without x5c is
 * never trusted, whatever document or connection it came from. x5c[1]'s
 * own issuer (NVIDIA Attestation Service CA 001) is not published, so the
 * intermediate is trusted by pin, never by chain.
 *
 * A kid names one key: a kid that two supplied documents bind to different
 * keys (x/y or x5c differ) is a conflict, and every token under it fails.
 * The same key repeated (the same file twice, a refetch) is no conflict.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_GPU_JWT_H
#define TA_GPU_JWT_H

#include "../core/core.h"

struct json_t;

/* Limits on untrusted input. An NRAS device token is ~2 KiB. */
#define TA_JWT_MAX (64u * 1024u)        /* one compact token */
#define TA_JWT_HEADER_MAX (4u * 1024u)  /* decoded header JSON */
#define TA_JWKS_MAX (1024u * 1024u)     /* JWKS document (real: ~80 KiB) */
#define TA_JWKS_KEYS_MAX 256u           /* keys in one document */
#define TA_JWK_KID_MAX 256u
#define TA_JWK_X5C_MAX 4u               /* certificates kept per key */
#define TA_JWK_CERT_MAX (16u * 1024u)   /* one x5c DER */

/* NVIDIA Attestation Service GPU Intermediate 004 (RSA-2048, valid
 * 2025-12-08..2029-12-08), the x5c[1] of every key in the 2026 JWKS. */
extern const uint8_t ta_nras_intermediate_004_sha256[32];

/* ---- JWKS ---------------------------------------------------------------- */

typedef struct ta_jwk {
    char *kid;
    uint8_t pub[97]; /* 0x04 || x || y, P-384 */
    uint8_t *x5c[TA_JWK_X5C_MAX]; /* DER, x5c order (leaf first) */
    size_t x5c_len[TA_JWK_X5C_MAX];
    size_t n_x5c;
    bool conflict; /* two documents gave this kid different keys */
} ta_jwk;

/* A cache of JWKS keys by kid, owned by the caller (not locked: one
 * thread at a time, or the caller's lock). */
typedef struct ta_jwks {
    const teeattest_ctx *ctx;
    ta_jwk *keys;
    size_t n, cap;
    int64_t fetched_at;      /* last successful load/fetch, 0 = never */
    int64_t fetch_tried_at;  /* last fetch attempt (cooldown), 0 = never */
    /* Called with every fetched document whose keys were merged, so the
     * caller can keep it (bundles). NULL = nobody. */
    void (*on_fetched)(void *user, const uint8_t *doc, size_t len);
    void *on_fetched_user;
} ta_jwks;

void ta_jwks_init(ta_jwks *c, const teeattest_ctx *ctx);
void ta_jwks_clear(ta_jwks *c);

/* Parse a JWKS document and merge its keys. Keys other than EC P-384 are
 * skipped; a malformed EC P-384 key, an x5c[0] whose key differs from x/y,
 * or a kid twice in the document rejects the whole document and leaves the
 * cache unchanged. A kid already cached with the identical key (x/y and
 * every x5c certificate) is kept as it is; with any other key it is marked
 * `conflict` (never replaced): ta_jwt_verify_signature() then fails every
 * token under it. `at` is recorded as fetched_at. */
int ta_jwks_add_json(ta_jwks *c, const uint8_t *doc, size_t len, int64_t at,
                     teeattest_error *err);
int ta_jwks_load_file(ta_jwks *c, const char *path, int64_t at,
                      teeattest_error *err);
/* How long a fetched JWKS document is kept in the on-disk cache (a JWKS
 * has no validity of its own; its keys' x5c chains are judged at every
 * verification, and a kid it lacks makes the next verification fetch it
 * anew). */
#define TA_JWKS_CACHE_TTL (24 * 3600)
/* GET `url` through the context's transport (retried on 429/5xx and
 * transport errors, like every GET) and merge the keys. */
int ta_jwks_fetch(teeattest_ctx *ctx, ta_jwks *c, const char *url,
                  int64_t at, teeattest_error *err);
const ta_jwk *ta_jwks_find(const ta_jwks *c, const char *kid);

/* ---- JWS ----------------------------------------------------------------- */

typedef struct ta_jwt {
    const char *token; /* borrowed: the compact token */
    size_t len;
    size_t signing_len; /* header_b64 "." payload_b64 = token[0..signing_len) */
    struct json_t *header;
    struct json_t *claims;
    const char *kid; /* inside header */
    uint8_t sig[96]; /* r || s */
} ta_jwt;

/* Strict compact parse: three non-empty base64url parts without padding,
 * size limits, header a JSON object with "alg" exactly "ES384" (once) and a
 * string "kid", no "crit", signature exactly 96 bytes, payload a JSON
 * object. Returns TEEATTEST_OK or TEEATTEST_E_PARSE/_JSON/_BASE64/
 * _TOO_LARGE/_LENGTH/_SIG_ALGO/_FIELD_MISSING/_NOMEM with `err` naming the
 * part. Nothing is verified here. */
int ta_jwt_parse(const teeattest_ctx *ctx, ta_jwt *out, const char *token,
                 size_t len, teeattest_error *err);
void ta_jwt_clear(ta_jwt *j);

/* Extra accepted NRAS intermediates (SHA-256 of the DER), beside the
 * built-in Intermediate 004 (tests pin their own). */
typedef struct ta_jwt_keyopts {
    const uint8_t (*pins)[32];
    size_t n_pins;
} ta_jwt_keyopts;

/* ES384 signature of a parsed token under its kid's key, and the key's x5c
 * (required, see the top of this file) at `at`. TEEATTEST_OK,
 * TEEATTEST_E_NOT_FOUND (kid not in the JWKS), TEEATTEST_E_VERIFY_FAILED
 * (signature, or a kid in conflict), TEEATTEST_E_CERT_CHAIN (no x5c, or
 * x5c not under a pinned intermediate at `at`), or another negative
 * status; `detail` gets a message either way. */
int ta_jwt_verify_signature(const teeattest_ctx *ctx, const ta_jwt *j,
                            const ta_jwks *jwks, const ta_jwt_keyopts *ko,
                            int64_t at, char *detail, size_t detail_cap);

/* Registered claims: iss equals `issuer`; exp, nbf and iat are integers;
 * nbf <= at + leeway, iat <= at + leeway, at < exp (no leeway past exp:
 * spec 5.5 step 3), nbf <= exp. TEEATTEST_OK or TEEATTEST_E_VERIFY_FAILED
 * with `detail`. */
int ta_jwt_check_claims(const ta_jwt *j, const char *issuer, int64_t at,
                        int64_t leeway, char *detail, size_t detail_cap);

/* The "eat_nonce" claim hex-decodes (any case) to `nonce`. 1 match, 0 no
 * match (detail says why), -1 claim absent. */
int ta_jwt_nonce_matches(const ta_jwt *j, const uint8_t *nonce,
                         size_t nonce_len, char *detail, size_t detail_cap);

#endif /* TA_GPU_JWT_H */
