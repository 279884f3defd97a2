/*
 * Internal ACI/1 layer (Attested Confidential Inference, version aci/1, of
 * Dstack-TEE/private-ai-gateway spec/aci.md): the workload keyset and its
 * digest, the attestation statement and report_data, inference receipts,
 * attested sessions.
 *
 *   keyset.c   ta_aci_keyset_*: strict keyset parser, digest (JCS, SHA-256),
 *              key and TLS SPKI lookup; ta_aci_statement / report_data.
 *   receipt.c  ta_aci_receipt_verify: a signed inference receipt (spec 7,
 *              9.3) against an established keyset, checks aci.receipt.*.
 *   session.c  ta_aci_session_*: attested sessions (spec 8, 9.2): the
 *              content-addressed id, evidence, typed claims, aci.session.*.
 * The public functions of include/teeattest/aci.h: lib/verify/aci_api.c.
 *
 * Pure functions over untrusted bytes: bounded, no network, no globals. The
 * ACI documents (keyset, receipt, session) are hashed and signed over their
 * RFC 8785 form (ta_jcs_append), so any JSON encoding of the same document
 * gives the same digest.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_ACI_H
#define TA_ACI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/core.h"

struct json_t;

#define TA_ACI_VERSION "aci/1"
#define TA_ACI_PURPOSE "aci.report_data.v1"

#define TA_ACI_DOC_MAX (1u << 20)    /* bytes of a keyset or receipt document */
#define TA_ACI_KEYS_MAX 64u          /* entries in one keyset list */
#define TA_ACI_ID_MAX 256u           /* bytes of a key_id, algo, subject, domain */
#define TA_ACI_PUBKEY_HEX_MAX 1024u  /* hex chars of one public key */
#define TA_ACI_NOT_AFTER_MAX 253402300799 /* 9999-12-31T23:59:59Z */

/* "sha256:" + 64 hex + NUL */
#define TA_ACI_DIGEST_LEN 71
#define TA_ACI_DIGEST_SIZE 72

/* Key algorithms this library recognizes in a keyset. */
typedef enum ta_aci_algo {
    TA_ACI_ALGO_UNKNOWN = 0,  /* kept, marked unrecognized, never selected */
    TA_ACI_ALGO_ED25519 = 1,  /* receipt signing baseline, 32-byte key */
    TA_ACI_ALGO_X25519_V2 = 2, /* E2EE v2 x25519-aes-256-gcm-hkdf-sha256 */
    TA_ACI_ALGO_SECP256K1_V2 = 3 /* E2EE v2 secp256k1-aes-256-gcm-hkdf-sha256 */
} ta_aci_algo;

typedef enum ta_aci_role {
    TA_ACI_ROLE_RECEIPT = 0, /* receipt_signing_keys */
    TA_ACI_ROLE_E2EE = 1     /* e2ee_public_keys */
} ta_aci_role;

typedef struct ta_aci_key {
    char *key_id;      /* owned */
    char *algo;        /* owned, as written */
    char *public_key;  /* owned: the hex text (lowercase, checked) */
    ta_aci_algo algo_id;
    bool recognized;   /* algo_id != UNKNOWN and the key decoded */
    uint8_t pub[65];   /* decoded key when recognized */
    size_t pub_len;
} ta_aci_key;

typedef struct ta_aci_tls {
    uint8_t spki_sha256[32];
    char *domain; /* owned; NULL: the entry applies to every hostname */
} ta_aci_tls;

typedef struct ta_aci_keyset {
    char *subject;      /* owned; NULL when the document says null */
    int64_t not_after;  /* Unix seconds */
    ta_aci_key *receipt;
    size_t n_receipt;
    ta_aci_key *e2ee;
    size_t n_e2ee;
    ta_aci_tls *tls;
    size_t n_tls;
    bool has_tls;       /* tls_public_keys was present (it may be empty) */
    uint8_t digest_raw[32];
    char digest[TA_ACI_DIGEST_SIZE]; /* "sha256:<hex>" of the JCS form */
} ta_aci_keyset;

/* SHA-256 of the RFC 8785 form of `v` (any JSON value). */
int ta_aci_jcs_sha256(const teeattest_ctx *ctx, const struct json_t *v,
                      uint8_t out[32], teeattest_error *err);

/* Write "sha256:<lowercase hex of d>" (TA_ACI_DIGEST_SIZE bytes). */
void ta_aci_digest_str(char out[TA_ACI_DIGEST_SIZE], const uint8_t d[32]);
/* True when s[0..n) is "sha256:" and 64 lowercase hex characters. */
bool ta_aci_is_digest(const char *s, size_t n);
/* True when s[0..n) is non-empty, even-length lowercase hex. */
bool ta_aci_is_lower_hex(const char *s, size_t n);

/*
 * Parse a keyset object (spec 3.1) strictly: members subject (string or
 * null), not_after (integer, required, 0 < not_after <=
 * TA_ACI_NOT_AFTER_MAX), receipt_signing_keys and e2ee_public_keys (arrays
 * of {key_id, algo, public_key}: strings, public_key lowercase hex),
 * tls_public_keys (array of {spki_sha256: 64 lowercase hex, domain?:
 * string}); no other top-level member. Unknown algorithms are kept with
 * recognized = false; a recognized algorithm whose key does not decode to
 * its size is an error, as is a key_id twice within one role, and one
 * public key listed in two roles. The digest is computed over the JCS form
 * of the object as parsed (unknown entry members included). On error `out`
 * is left zeroed. Free with ta_aci_keyset_free.
 */
int ta_aci_keyset_parse(const teeattest_ctx *ctx, ta_aci_keyset *out,
                        const struct json_t *obj, teeattest_error *err);
/* The same from bytes (at most TA_ACI_DOC_MAX, duplicate members
 * rejected). */
int ta_aci_keyset_parse_bytes(const teeattest_ctx *ctx, ta_aci_keyset *out,
                              const uint8_t *data, size_t len,
                              teeattest_error *err);
/* A keyset document, or an ACI attestation report whose
 * attestation.workload_keyset is parsed (at most TA_ACI_DOC_MAX bytes). */
int ta_aci_keyset_parse_doc(const teeattest_ctx *ctx, ta_aci_keyset *out,
                            const uint8_t *data, size_t len,
                            teeattest_error *err);
void ta_aci_keyset_free(const teeattest_ctx *ctx, ta_aci_keyset *ks);

/* The entry of `role` named `key_id`, or NULL. */
const ta_aci_key *ta_aci_keyset_find(const ta_aci_keyset *ks, ta_aci_role role,
                                     const char *key_id, size_t key_id_len);
/* The first recognized entry of `role` with algorithm `algo`, or NULL. */
const ta_aci_key *ta_aci_keyset_find_algo(const ta_aci_keyset *ks,
                                          ta_aci_role role, ta_aci_algo algo);
/* Whether `spki_sha256` is listed for `hostname` (NULL: no hostname
 * known, only unscoped entries match): an entry matches when it carries no
 * domain or its domain equals the hostname (ASCII case-insensitive, one
 * trailing dot ignored). */
bool ta_aci_keyset_tls_allows(const ta_aci_keyset *ks, const char *hostname,
                              const uint8_t spki_sha256[32]);

/* The statement of spec 3.2 for `keyset_digest` ("sha256:<64 hex>") and
 * `nonce_hex` (64 lowercase hex, or NULL for the unchallenged form, whose
 * nonce member is the literal null). `out` needs TA_ACI_STATEMENT_MAX
 * bytes; NUL-terminated, length in *len. Other inputs: TEEATTEST_E_PARSE. */
#define TA_ACI_STATEMENT_MAX 256
int ta_aci_statement(char out[TA_ACI_STATEMENT_MAX], size_t *len,
                     const char *keyset_digest, const char *nonce_hex,
                     teeattest_error *err);
/* report_data: sha256(statement) in bytes 0-31, zero in 32-63. */
int ta_aci_report_data(const teeattest_ctx *ctx, uint8_t out[64],
                       const char *keyset_digest, const char *nonce_hex,
                       teeattest_error *err);

/* ---- receipts (receipt.c) ----------------------------------------------- */

#define TA_ACI_EVENTS_MAX 256u  /* events in one receipt */

/* What a request rewrite (request.forwarded != request.received) does. */
typedef enum ta_aci_rewrite {
    TA_ACI_REWRITE_WARN = 0,  /* reported as a warn (default) */
    TA_ACI_REWRITE_ALLOW = 1, /* reported as a pass, noting the rewrite */
    TA_ACI_REWRITE_FAIL = 2   /* fails the receipt */
} ta_aci_rewrite;

typedef enum ta_aci_upstream {
    TA_ACI_UPSTREAM_NONE = 0,     /* no upstream.verified event */
    TA_ACI_UPSTREAM_VERIFIED = 1, /* result "verified", a session cited */
    TA_ACI_UPSTREAM_FAILED = 2    /* result "failed" */
} ta_aci_upstream;

/* What the caller established about the service's serving mode (spec
 * 4.1 service_capabilities.serving) from the same verified report as the
 * keyset. */
typedef enum ta_aci_serving {
    TA_ACI_SERVING_UNKNOWN = 0, /* an aggregator, or not known: spec 7.5 */
    TA_ACI_SERVING_DIRECT = 1,  /* "direct", over the keyset-bound channel */
    /* the report said "direct" over no channel the keyset binds: the
     * aggregator rule, and the detail says why */
    TA_ACI_SERVING_DIRECT_UNBOUND = 2
} ta_aci_serving;

typedef struct ta_aci_receipt_opts {
    /* The exact request bytes sent (for E2EE: the restored body the
     * extension defines), or their SHA-256; neither: the check is skipped
     * (not required). Same for the response bytes received (SSE framing
     * included). */
    const uint8_t *request;
    size_t request_len;
    bool has_request;
    const uint8_t *request_sha256; /* 32 bytes, or NULL */
    const uint8_t *response;
    size_t response_len;
    bool has_response;
    const uint8_t *response_sha256; /* 32 bytes, or NULL */
    ta_aci_rewrite rewrite;
    /* Verified serving required (spec 7.5, 9.3 check 5): the last
     * upstream.verified event must be result "verified" with required
     * true, and its cited session must be checked (session_* below). */
    bool require_verified;
    /* TA_ACI_SERVING_DIRECT: a receipt without upstream.verified satisfies
     * require_verified by construction (spec 5.3) and pinned sessions fail
     * (a direct service has none). */
    ta_aci_serving serving;
    /* Session ids (64 lowercase hex) the client pinned: the cited one must
     * be among them. */
    const char *const *pinned;
    size_t n_pinned;
    /* The cited session as the caller verified it (ta_aci_session_verify):
     * its id and validity window; NULL id: not verified here. */
    const char *session_id;
    int64_t session_established_at, session_expires_at;
} ta_aci_receipt_opts;

typedef struct ta_aci_receipt_info {
    int64_t served_at;
    ta_aci_upstream upstream;  /* the last upstream.verified event */
    bool upstream_required;
    bool cites_session;
    char session_id[65];       /* the cited session id, to fetch */
    bool rewritten;            /* request.forwarded differs from received */
    bool forwarded;            /* a request.forwarded event exists */
    bool by_construction;      /* direct: verified serving by construction */
} ta_aci_receipt_info;

/*
 * Verify a receipt document (any JSON encoding, at most TA_ACI_DOC_MAX
 * bytes, duplicate members rejected) against the established keyset `ks`,
 * recording the checks aci.receipt.* (docs/checks.md) in `c` and facts in
 * c->r when set. Returns an error only when the input is not a JSON object
 * (TEEATTEST_E_JSON, TEEATTEST_E_TOO_LARGE), on misuse or out of memory;
 * every property of the document is a check. `opts` may be NULL (no
 * bodies, defaults); `info` may be NULL.
 */
int ta_aci_receipt_verify(const teeattest_ctx *ctx, ta_checks *c,
                          const uint8_t *doc, size_t len,
                          const ta_aci_keyset *ks,
                          const ta_aci_receipt_opts *opts,
                          ta_aci_receipt_info *info, teeattest_error *err);

/* ---- attested sessions (session.c) -------------------------------------- */

#define TA_ACI_SESSION_MAX (16u << 20) /* bytes of a session document */
#define TA_ACI_EXTRA_MAX 64u           /* claims.extra members reported */

/* The session id of spec 8: lowercase hex of SHA-256(JCS(doc)), 65 bytes
 * with the NUL. */
int ta_aci_session_id(const teeattest_ctx *ctx, const struct json_t *doc,
                      char out[65], teeattest_error *err);

typedef struct ta_aci_session_info {
    char id[65];               /* computed from the document */
    int64_t established_at, expires_at;
    /* The decoded evidence.data bytes and the data URI's media type, for a
     * deep audit by the verifier of that format (owned; NULL when the
     * evidence did not decode). */
    uint8_t *evidence;
    size_t evidence_len;
    char *evidence_type;
    bool evidence_ok;          /* decoded and hashed to evidence.digest */
} ta_aci_session_info;

/*
 * Verify a session document (any JSON encoding, at most TA_ACI_SESSION_MAX
 * bytes, duplicate members rejected): shape, api_version, the id against
 * `expected_id` (the id a receipt cited or the client pinned; NULL: the
 * computed id is only reported), the evidence against its digest, channel
 * bindings and typed claims (reported as facts with their source kept,
 * under "unverified.": they are the service's statements until a deep
 * audit verifies the evidence). Checks aci.session.* go to `c`, facts to
 * c->r. Returns an error only when the input is not a JSON object, on
 * misuse or out of memory. Free `info` with ta_aci_session_info_free.
 */
int ta_aci_session_verify(const teeattest_ctx *ctx, ta_checks *c,
                          const uint8_t *doc, size_t len,
                          const char *expected_id, ta_aci_session_info *info,
                          teeattest_error *err);
void ta_aci_session_info_free(const teeattest_ctx *ctx,
                              ta_aci_session_info *info);

#endif /* TA_ACI_H */
