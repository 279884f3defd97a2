/*
 * E2EE v2 (Dstack-TEE/private-ai-gateway spec/e2ee-v2.md, commit b6b5c1b):
 * field-level encryption of OpenAI-shaped bodies to a key of an attested
 * ACI workload keyset. Internal interface of lib/aci/e2ee*.c: the suites,
 * one field's seal/open, the associated data, the field walkers shared by
 * the client (e2ee.c, public API include/teeattest/e2ee.h) and the server
 * half (e2ee_server.c, for the simulator and tests).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_ACI_E2EE_IMPL_H
#define TA_ACI_E2EE_IMPL_H

#include "../core/core.h"

struct json_t;

/* ---- suites and keys (e2ee_field.c) ------------------------------------ */

enum { TA_E2EE_X25519 = 1, TA_E2EE_SECP256K1 = 2 };

/* The suite of an `algo` string, 0 when it is not a v2 suite. */
int ta_e2ee_suite(const char *algo);
/* The `algo` string of a suite; NULL for 0. */
const char *ta_e2ee_algo(int suite);

/* A key of one suite: the public half always, the secret when ours. */
typedef struct ta_e2ee_key {
    int suite;
    uint8_t pub[65];   /* X25519: 32 raw bytes; secp256k1: 04 || X || Y */
    size_t pub_len;    /* 32 or 65 */
    uint8_t secret[32];
    bool has_secret;
} ta_e2ee_key;

/* Parse a public key as the spec writes it: hex, optional "0x"; X25519 32
 * bytes; secp256k1 65 bytes uncompressed or the 64 bytes without the 04
 * prefix, on the curve. TEEATTEST_E_HEX / _LENGTH / _VERIFY_FAILED. */
int ta_e2ee_pub_parse(ta_e2ee_key *k, int suite, const char *hex,
                      size_t len);
/* A fresh key pair from the context's random source. */
int ta_e2ee_key_generate(const teeattest_ctx *ctx, ta_e2ee_key *k,
                         int suite);
/* The key pair of a known secret (tests, the simulator's static key). */
int ta_e2ee_key_from_secret(ta_e2ee_key *k, int suite,
                            const uint8_t secret[32]);
/* Lower-case hex of the public key (`out` needs 131 bytes). */
void ta_e2ee_pub_hex(char out[131], const ta_e2ee_key *k);

/* Select the key of `keyset` (a parsed workload keyset) to encrypt to:
 * the e2ee_public_keys entry of suite `algo` (NULL: X25519 first, then
 * secp256k1) and key_id `key_id` (NULL: any). *key_id_out and *pub_out
 * (ta_free) get the entry's key_id ("" when absent) and public_key as
 * listed. TEEATTEST_E_NOT_FOUND when no entry fits;
 * TEEATTEST_E_UNSUPPORTED for an algo that is not a v2 suite. */
int ta_e2ee_keyset_select(const teeattest_ctx *ctx, ta_e2ee_key *key,
                          char **key_id_out, char **pub_out,
                          const struct json_t *keyset, const char *algo,
                          const char *key_id, teeattest_error *err);

/* ---- associated data (e2ee_field.c) ------------------------------------ */

/* The per-request values every field's AAD binds. */
typedef struct ta_e2ee_binding {
    int suite;
    const char *model; /* the request's top-level model, byte-exact */
    size_t model_len;
    char nonce[65];    /* X-E2EE-Nonce as sent (64 hex characters) */
    int64_t ts;        /* X-E2EE-Timestamp */
} ta_e2ee_binding;

/* Append the JCS (RFC 8785) AAD of a request field (id == NULL) or of a
 * response field (id: the response id, "" when it has none). */
int ta_e2ee_aad(ta_buf *b, const ta_e2ee_binding *bind, const char *id,
                size_t id_len, const char *field);

/* ---- one field (e2ee_field.c) ------------------------------------------ */

/* Encrypt pt to `to` under `aad`: a fresh ephemeral key and AES-GCM IV
 * from the context's random source. *hex_out (ta_free) is the lower-case
 * hex of ephemeral public key || IV || ciphertext || tag. */
int ta_e2ee_seal(const teeattest_ctx *ctx, char **hex_out,
                 const ta_e2ee_key *to, const uint8_t *aad, size_t aad_len,
                 const uint8_t *pt, size_t len);
/* The envelope both field formats share (hex(head || ct || tag), head =
 * ephemeral key || IV, a 16-byte tag), for ta_e2ee_open and ta_near_open.
 * ta_e2ee_strip0x drops an optional 0x/0X prefix. ta_e2ee_unhex strips
 * it, refuses odd or non-hex text (TEEATTEST_E_HEX) and a value shorter
 * than head + tag (TEEATTEST_E_LENGTH), and decodes into *raw (*total
 * bytes) with *pt ready for the *len plaintext bytes and a NUL; both are
 * set even on failure (NULL or allocated) for ta_e2ee_opened, which
 * hands the plaintext out when rc is 0, else wipes it, frees what is
 * left and returns rc. */
const char *ta_e2ee_strip0x(const char *hex, size_t *len);
int ta_e2ee_unhex(const teeattest_ctx *ctx, const char *hex, size_t hex_len,
                  size_t head, uint8_t **raw, size_t *total, uint8_t **pt,
                  size_t *len);
int ta_e2ee_opened(const teeattest_ctx *ctx, int rc, uint8_t *raw,
                   uint8_t *pt, size_t len, uint8_t **pt_out, size_t *pt_len);
/* Decrypt one field with our key `me`. *pt_out (ta_free, NUL-terminated,
 * not counted) only when the AEAD tag verified over `aad`. Returns
 * TEEATTEST_E_HEX / _LENGTH for a malformed value, TEEATTEST_E_VERIFY_FAILED
 * for a bad point or tag. */
int ta_e2ee_open(const teeattest_ctx *ctx, uint8_t **pt_out, size_t *pt_len,
                 const ta_e2ee_key *me, const uint8_t *aad, size_t aad_len,
                 const char *hex, size_t hex_len);

/* ---- JSON (e2ee_json.c) ------------------------------------------------- */

/* Compact serialization the way the reference service writes it
 * (serde_json, insertion order kept): no whitespace, strings with
 * ta_json_put_string, integers in decimal, reals in the shortest
 * round-trip form with ".0" for integral values and "e" exponents
 * outside 1e-5..1e16. The restored-body hash of the receipt depends on
 * it. */
int ta_e2ee_json_write(ta_buf *b, const struct json_t *v);
/* The same into a new NUL-terminated buffer: *out (ta_free), *len without
 * the NUL. */
int ta_e2ee_json_dump(const teeattest_ctx *ctx, uint8_t **out, size_t *len,
                      const struct json_t *v);

/* ---- field walkers (e2ee_walk.c) ---------------------------------------- */

enum {
    TA_E2EE_EP_CHAT = 1,        /* /v1/chat/completions */
    TA_E2EE_EP_COMPLETIONS = 2, /* /v1/completions */
    TA_E2EE_EP_EMBEDDINGS = 3,  /* /v1/embeddings */
};

/* What the walker does at each encrypted location. */
enum {
    TA_E2EE_REQ_SEAL,  /* client: encrypt the request's fields */
    TA_E2EE_REQ_OPEN,  /* server: decrypt and restore them */
    TA_E2EE_RESP_SEAL, /* server: encrypt a response's fields */
    TA_E2EE_RESP_OPEN, /* client: decrypt them */
    TA_E2EE_REQ_RESTORE, /* client: the restored copy the receipt hashes */
};

typedef struct ta_e2ee_walk {
    const teeattest_ctx *ctx;
    int op;
    int endpoint;
    bool chunk;               /* a streaming chunk (delta), not a body */
    const ta_e2ee_binding *bind;
    const ta_e2ee_key *key;   /* the recipient (SEAL) or ours (OPEN) */
    size_t fields;            /* locations transformed */
    teeattest_error *err;     /* where = the failing field path */
    const char *spec_error;   /* the spec's error type of a failure */
} ta_e2ee_walk;

/* Transform every E2EE v2 location of `body` (a JSON object) in place.
 * Requests: at least one field, else TEEATTEST_E_FIELD_MISSING. */
int ta_e2ee_walk_request(ta_e2ee_walk *w, struct json_t *body);
int ta_e2ee_walk_response(ta_e2ee_walk *w, struct json_t *body);

/* ---- server half (e2ee_server.c) ---------------------------------------- */

typedef struct ta_e2ee_server ta_e2ee_server;
typedef struct ta_e2ee_exchange ta_e2ee_exchange;

/* The five request headers as received (NULL = absent). */
typedef struct ta_e2ee_headers {
    const char *version, *client_pub, *model_pub, *nonce, *timestamp;
} ta_e2ee_headers;

/* A service holding one E2EE key (`secret` of `suite`); replay state is
 * kept for `window_s` seconds (0: the spec's 300) on the context clock. */
int ta_e2ee_server_new(const teeattest_ctx *ctx, ta_e2ee_server **out,
                       int suite, const uint8_t secret[32], int64_t window_s);
void ta_e2ee_server_free(ta_e2ee_server *s);
/* The service key's public hex, as its keyset entry lists it. */
const char *ta_e2ee_server_pub_hex(const ta_e2ee_server *s);

/* Check the headers, decrypt and restore the request body. On success
 * *restored (ta_free) is the compact restored body and *x the per-request
 * state for the response; on failure *spec_error is the spec's error type
 * (e2ee_header_missing, e2ee_replay_detected, ...). */
int ta_e2ee_server_open(ta_e2ee_server *s, ta_e2ee_exchange **x,
                        uint8_t **restored, size_t *restored_len,
                        const char **spec_error, const ta_e2ee_headers *h,
                        int endpoint, const uint8_t *body, size_t len,
                        teeattest_error *err);
/* Encrypt a response body (chunk false) or one SSE data payload (true). */
int ta_e2ee_server_seal(ta_e2ee_exchange *x, uint8_t **out, size_t *out_len,
                        bool chunk, const uint8_t *body, size_t len,
                        teeattest_error *err);
void ta_e2ee_exchange_free(ta_e2ee_exchange *x);
/* The request's nonce (as sent) and timestamp the exchange binds. */
const char *ta_e2ee_exchange_nonce(const ta_e2ee_exchange *x, int64_t *ts);
/* The simulator's replay fault only: seal this exchange's response for
 * another request's nonce and timestamp (the client must refuse it). */
void ta_e2ee_exchange_rebind(ta_e2ee_exchange *x, const char *nonce,
                             int64_t ts);

/* ---- NEAR AI's field E2EE (e2ee_near.c, docs/e2ee-nearai.md) ------------
 * Keys reuse ta_e2ee_key: "ed25519" is X25519 agreement (TA_E2EE_X25519,
 * pub holding the X25519 form), "ecdsa" secp256k1 (TA_E2EE_SECP256K1). */

/* The suite of NEAR's signing_algo ("ed25519", "ecdsa"); 0 otherwise. */
int ta_near_suite(const char *signing_algo);
/* The model's key from its hex (ed25519: 32 bytes; ecdsa: 64 or 65),
 * which must be the verified signer's (the Ed25519 key itself; the
 * address keccak256(x||y)[12:]). TEEATTEST_E_VERIFY_FAILED otherwise.
 * signer NULL (the service reading X-Client-Pub-Key): no binding. */
int ta_near_model_key(const teeattest_ctx *ctx, ta_e2ee_key *k, int suite,
                      const char *hex, const char *signer,
                      teeattest_error *err);
/* A client key pair from a 32-byte secret (ed25519: an Ed25519 seed) or
 * fresh; pub_hex gets what X-Client-Pub-Key carries (the Ed25519 key, or
 * the 64-byte secp256k1 X || Y). */
int ta_near_key_from_secret(ta_e2ee_key *k, char pub_hex[131], int suite,
                            const uint8_t secret[32]);
int ta_near_key_generate(const teeattest_ctx *ctx, ta_e2ee_key *k,
                         char pub_hex[131], int suite);
/* One field: *hex_out (ta_free) = hex(ephemeral || nonce || ct || tag);
 * open: *pt_out (ta_free, NUL-terminated) only when the tag verified;
 * TEEATTEST_E_HEX / _LENGTH (malformed) / _VERIFY_FAILED. */
int ta_near_seal(const teeattest_ctx *ctx, char **hex_out,
                 const ta_e2ee_key *to, const uint8_t *pt, size_t len);
int ta_near_open(const teeattest_ctx *ctx, uint8_t **pt_out, size_t *pt_len,
                 const ta_e2ee_key *me, const char *hex, size_t hex_len);
/* Encrypt (seal) or decrypt the fields of a chat request or answer in
 * place; *fields = locations transformed; err->where = the field path. */
int ta_near_walk_request(const teeattest_ctx *ctx, struct json_t *body,
                         bool seal, const ta_e2ee_key *key, size_t *fields,
                         teeattest_error *err);
int ta_near_walk_response(const teeattest_ctx *ctx, struct json_t *body,
                          bool chunk, bool seal, const ta_e2ee_key *key,
                          size_t *fields, teeattest_error *err);

/* ---- the client session (e2ee.c) and its receipt checks (e2ee_check.c) -- */

struct teeattest_e2ee_session;
struct ta_aci_keyset;
/* The service key the session encrypts to. */
const ta_e2ee_key *
ta_e2ee_session_service(const struct teeattest_e2ee_session *s);
/* Response fields decrypted (tag verified) by the session so far. */
size_t ta_e2ee_session_opened(const struct teeattest_e2ee_session *s);

/* What re-opens one exchange's answer offline (an evidence bundle,
 * docs/bundle.md "aci.e2ee"): the suite and key the request was encrypted
 * to, the client's secret response key of that one session, the nonce and
 * timestamp every field's AAD binds, the endpoint and the restored body the
 * receipt hashes (its `model` is bound into every field). Pointers are
 * borrowed from the session (export) or the caller (import). */
typedef struct ta_e2ee_material {
    int suite;
    int endpoint;
    const char *key_id;       /* the keyset entry's key_id ("" for none) */
    const char *service_pub;  /* X-Model-Pub-Key as sent */
    uint8_t client_secret[32];
    char nonce[65];           /* X-E2EE-Nonce as sent */
    int64_t ts;               /* X-E2EE-Timestamp */
    const uint8_t *restored;
    size_t restored_len;
} ta_e2ee_material;

/* The material of a session after its request was encrypted;
 * TEEATTEST_E_INVALID_ARG before. The secret is copied into *m: wipe it. */
int ta_e2ee_session_export(const struct teeattest_e2ee_session *s,
                           ta_e2ee_material *m);
/* A session that opens the answer of the exchange `m` describes (its
 * request is not re-encrypted: teeattest_e2ee_request_body() has nothing).
 * TEEATTEST_E_UNSUPPORTED (suite), TEEATTEST_E_HEX / _LENGTH /
 * _VERIFY_FAILED (the service key or the secret), TEEATTEST_E_JSON /
 * _FIELD_MISSING (the restored body is no object with a string model),
 * TEEATTEST_E_INVALID_ARG (nonce, endpoint), TEEATTEST_E_NOMEM. */
int ta_e2ee_session_import(teeattest_ctx *ctx,
                           struct teeattest_e2ee_session **out,
                           const ta_e2ee_material *m, teeattest_error *err);
/* Open every field of a response (a JSON body when its first non-blank
 * byte is '{', else an SSE stream of chunks), calling `each` with every
 * decrypted body or event payload in order ("[DONE]" included) when `each`
 * is not NULL. Returns the first failure (the walker's status). */
int ta_e2ee_open_all(struct teeattest_e2ee_session *s,
                     const teeattest_ctx *ctx, const uint8_t *resp,
                     size_t len,
                     int (*each)(void *ud, const uint8_t *p, size_t n),
                     void *ud, teeattest_error *err);

/* Record aci.e2ee.key (the session's service key is an e2ee_public_keys
 * entry of `ks`) and aci.e2ee.response (every field of the response
 * bytes, a JSON body or an SSE stream, opens under its AAD), with facts
 * aci.e2ee.suite, aci.e2ee.key_id and aci.e2ee.fields. `resp` NULL: the
 * response check is skipped (required). Errors only for misuse and
 * memory; every property is a check. */
int ta_e2ee_record_checks(const teeattest_ctx *ctx, ta_checks *c,
                          struct teeattest_e2ee_session *s,
                          const struct ta_aci_keyset *ks, const uint8_t *resp,
                          size_t len, teeattest_error *err);

#endif /* TA_ACI_E2EE_IMPL_H */
