/*
 * Internal Sigstore layer (lib/sigstore): trusted_root.json, bundles
 * v0.1-v0.3 and their verification. Uses core and crypto only.
 *
 * Parsed objects own copies of every byte they keep (decoded base64), so
 * the input buffers may be freed after parsing.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_SIGSTORE_H
#define TA_SIGSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/core.h"

/* Bounds of what the parsers accept. */
#define TA_SS_MAX_DOC (4u << 20)    /* bundle or trusted root, bytes */
#define TA_SS_MAX_ITEMS 16          /* CAs, logs, TSAs, certs, entries */
#define TA_SS_MAX_PROOF 64          /* inclusion proof hashes */

/* A key as the trusted root or a --key file gives it: DER
 * SubjectPublicKeyInfo, decoded. */
typedef enum ta_ss_key_kind {
    TA_SS_KEY_NONE = 0,
    TA_SS_KEY_P256,
    TA_SS_KEY_P384,
    TA_SS_KEY_ED25519,
    TA_SS_KEY_OTHER, /* RSA and the rest: parsed, not usable for now */
} ta_ss_key_kind;

typedef struct ta_ss_key {
    int kind;          /* ta_ss_key_kind */
    uint8_t pub[97];   /* SEC1 uncompressed point, or 32 Ed25519 bytes */
    size_t pub_len;
    uint8_t *spki;     /* the DER SubjectPublicKeyInfo */
    size_t spki_len;
} ta_ss_key;

/* A validity window; end 0 = open. Both ends inclusive. */
typedef struct ta_ss_window {
    int64_t start, end;
} ta_ss_window;

typedef struct ta_ss_blob {
    uint8_t *p;
    size_t len;
} ta_ss_blob;

typedef struct ta_ss_log {
    uint8_t log_id[32];
    ta_ss_key key;
    ta_ss_window valid;
} ta_ss_log;

typedef struct ta_ss_ca {       /* a certificate authority or a TSA */
    ta_ss_blob certs[TA_SS_MAX_ITEMS]; /* DER, leaf-most first */
    size_t n_certs;
    ta_ss_window valid;
} ta_ss_ca;

typedef struct ta_ss_root {
    ta_ss_log tlogs[TA_SS_MAX_ITEMS], ctlogs[TA_SS_MAX_ITEMS];
    size_t n_tlogs, n_ctlogs;
    ta_ss_ca cas[TA_SS_MAX_ITEMS], tsas[TA_SS_MAX_ITEMS];
    size_t n_cas, n_tsas;
    bool is_default;            /* the shipped default (ta_ss_root_load) */
} ta_ss_root;

typedef struct ta_ss_entry {
    int64_t log_index;
    uint8_t log_id[32];
    char kind[32], version[16];
    bool has_time;
    int64_t integrated_time;
    ta_ss_blob set;             /* signedEntryTimestamp, may be empty */
    bool has_proof;
    int64_t proof_index, tree_size;
    uint8_t root_hash[32];
    uint8_t hashes[TA_SS_MAX_PROOF][32];
    size_t n_hashes;
    char *checkpoint;           /* the signed note, NUL-terminated */
    ta_ss_blob body;            /* canonicalizedBody, decoded */
} ta_ss_entry;

typedef struct ta_ss_bundle {
    int minor;                  /* 1, 2 or 3 (media type version 0.x) */
    ta_ss_blob certs[TA_SS_MAX_ITEMS]; /* DER; [0] is the leaf */
    size_t n_certs;
    bool public_key;            /* verificationMaterial.publicKey */
    ta_ss_entry entries[TA_SS_MAX_ITEMS];
    size_t n_entries;
    ta_ss_blob timestamps[TA_SS_MAX_ITEMS]; /* RFC 3161 responses, DER */
    size_t n_timestamps;
    bool dsse;                  /* dsseEnvelope, else messageSignature */
    uint8_t digest[32];         /* messageSignature.messageDigest */
    bool has_digest;
    ta_ss_blob sig;             /* the signature, either form */
    ta_ss_blob payload;         /* DSSE payload */
    char *payload_type;
    size_t n_dsse_sigs;
} ta_ss_bundle;

/* Parse a trusted_root.json (media type ...trustedroot+json;version=0.1):
 * strict, bounded. TEEATTEST_E_PARSE with a message in err otherwise. */
int ta_ss_root_parse(const teeattest_ctx *ctx, ta_ss_root **out,
                     const uint8_t *doc, size_t len, teeattest_error *err);
void ta_ss_root_free(const teeattest_ctx *ctx, ta_ss_root *r);

/* The shipped default trusted root (data/sigstore/trusted_root.json,
 * compiled in; source and date in data/sigstore/README.md): what is used
 * when no root is given. Static bytes, *len set; never NULL. */
const uint8_t *ta_ss_default_root(size_t *len);
/* How check details name it: keep in step with data/sigstore/README.md. */
#define TA_SS_DEFAULT_ROOT_NAME                                              \
    "shipped default trusted root (Sigstore public-good, sigstore/"        \
    "root-signing of 2025-09-22)"
/* ta_ss_root_parse() of doc, or of the shipped default when doc is NULL
 * (then (*out)->is_default is set). */
int ta_ss_root_load(const teeattest_ctx *ctx, ta_ss_root **out,
                    const uint8_t *doc, size_t len, teeattest_error *err);
/* "trusted root", or TA_SS_DEFAULT_ROOT_NAME for the default: for check
 * details, so a failure against the default says which root it was. */
const char *ta_ss_root_name(const ta_ss_root *r);

int ta_ss_bundle_parse(const teeattest_ctx *ctx, ta_ss_bundle **out,
                       const uint8_t *doc, size_t len, teeattest_error *err);
void ta_ss_bundle_free(const teeattest_ctx *ctx, ta_ss_bundle *b);

/* DER SubjectPublicKeyInfo -> key (a copy of the DER is kept). */
int ta_ss_key_from_spki(const teeattest_ctx *ctx, ta_ss_key *k,
                        const uint8_t *der, size_t len);
void ta_ss_key_clear(const teeattest_ctx *ctx, ta_ss_key *k);
/* Verify `sig` over msg with k: ECDSA (DER signature, SHA-256 for P-256,
 * SHA-384 for P-384) or Ed25519 (64 raw bytes). `prehashed` gives msg as
 * the digest already (ECDSA only). */
int ta_ss_key_verify(const teeattest_ctx *ctx, const ta_ss_key *k,
                     const uint8_t *msg, size_t len, bool prehashed,
                     const uint8_t *sig, size_t sig_len);

/* Base64 (standard, padded) of a JSON string into a new blob. */
int ta_ss_b64(const teeattest_ctx *ctx, const char *s, ta_ss_blob *out);
/* The same with line breaks (CR, LF) ignored, as Go's decoder (and so
 * Sigstore's Go tools) accepts them in RFC 3161 timestamps. */
int ta_ss_b64_lines(const teeattest_ctx *ctx, const char *s,
                    ta_ss_blob *out);
/* PEM (one block of `label`) -> DER in a new blob. */
int ta_ss_pem(const teeattest_ctx *ctx, const uint8_t *text, size_t len,
              const char *label, ta_ss_blob *out);
void ta_ss_blob_free(const teeattest_ctx *ctx, ta_ss_blob *b);

/* RFC 6962 inclusion of leaf hash `leaf` at index in a tree of `size`. */
bool ta_ss_merkle_verify(const teeattest_ctx *ctx, const uint8_t leaf[32],
                         int64_t index, int64_t size,
                         const uint8_t (*hashes)[32], size_t n,
                         const uint8_t root[32]);

/* What the verification is asked to prove. */
typedef struct ta_ss_policy {
    const char *identity, *identity_re;  /* one of them unless key */
    const char *issuer, *issuer_re;
    const ta_ss_key *key;                /* managed key, else Fulcio */
    const uint8_t *artifact;             /* or digest */
    size_t artifact_len;
    const uint8_t *digest;               /* 32 bytes when artifact NULL */
    int64_t now;
} ta_ss_policy;

/* Whether an in-toto statement (a DSSE payload) names `digest_hex` (64
 * lower-case hex) as the sha256 of one of its subjects, compared
 * exactly: 1 yes, 0 no, -1 not a JSON document (err says why). */
int ta_ss_statement_names(const uint8_t *payload, size_t len,
                          const char *digest_hex, teeattest_error *err);

/* teeattest_sigstore_verify_bundle() with the verification time `now`
 * (Unix seconds) instead of the context's clock: for checks that run
 * inside a report's verification, at the policy's time. */
int ta_ss_verify_bundle_at(teeattest_ctx *ctx, teeattest_result **out,
                           const uint8_t *bundle, size_t bundle_len,
                           const uint8_t *trusted_root,
                           size_t trusted_root_len, const uint8_t *artifact,
                           size_t artifact_len,
                           const uint8_t *artifact_sha256,
                           const char *identity, const char *issuer,
                           uint32_t flags, const uint8_t *key_pem,
                           size_t key_pem_len, int64_t now,
                           teeattest_error *err);

/* Verify; every step recorded as a sigstore.* check on r. */
void ta_ss_verify(const teeattest_ctx *ctx, const ta_ss_root *root,
                  const ta_ss_bundle *b, const ta_ss_policy *pol,
                  teeattest_result *r);

#endif /* TA_SIGSTORE_H */
