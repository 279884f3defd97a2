/**
 * @file
 * libteeattest: E2EE v2, field-level encryption to an attested key.
 *
 * SPDX-License-Identifier: Apache-2.0
 *
 * E2EE v2 (the ACI transport extension of Dstack-TEE/private-ai-gateway,
 * spec/e2ee-v2.md; docs/e2ee.md) encrypts the content-bearing fields of an
 * OpenAI-shaped request to an E2EE key of the service's workload keyset,
 * and the service encrypts the generated fields of its answer to a key of
 * the client's. Every field is bound by its AES-GCM associated data to its
 * location, the request model, the response id and the request's nonce
 * and timestamp.
 *
 * One session is one request: create it from the verified keyset,
 * encrypt the request body (the session makes the headers, the nonce and
 * the timestamp), send the body and headers, then decrypt the response
 * body or each SSE data payload. A decrypted body is handed out only when
 * every field's tag verified.
 *
 * Thread safety: a session is used by one thread at a time (references
 * may be taken and dropped from any thread).
 */
#ifndef TEEATTEST_E2EE_H
#define TEEATTEST_E2EE_H

#include "teeattest/common.h"
#include "teeattest/context.h"
#include "teeattest/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One E2EE v2 request and its response. @since 1.0 */
typedef struct teeattest_e2ee_session teeattest_e2ee_session;

/** The X25519 suite's `algo` (recommended by the spec). @since 1.0 */
#define TEEATTEST_E2EE_ALGO_X25519 "x25519-aes-256-gcm-hkdf-sha256"
/** The secp256k1 suite's `algo`. @since 1.0 */
#define TEEATTEST_E2EE_ALGO_SECP256K1 "secp256k1-aes-256-gcm-hkdf-sha256"

/** teeattest_e2ee_session_algo() of a NEAR AI session on an Ed25519 model
 *  key (X25519, HKDF-SHA256, XChaCha20-Poly1305; docs/e2ee-nearai.md).
 *  @since 1.0 */
#define TEEATTEST_E2EE_ALGO_NEARAI_ED25519 "nearai-ed25519-v2"
/** teeattest_e2ee_session_algo() of a NEAR AI session on an ECDSA model
 *  key (secp256k1 ECDH, HKDF-SHA256, AES-256-GCM). @since 1.0 */
#define TEEATTEST_E2EE_ALGO_NEARAI_ECDSA "nearai-ecdsa"

/** Largest request or response body a session handles. @since 1.0 */
#define TEEATTEST_E2EE_BODY_MAX (32u * 1024u * 1024u)

/** The endpoints E2EE v2 defines field shapes for. @since 1.0 */
typedef enum teeattest_e2ee_endpoint {
    TEEATTEST_E2EE_CHAT = 1,        /**< POST /v1/chat/completions */
    TEEATTEST_E2EE_COMPLETIONS = 2, /**< POST /v1/completions */
    TEEATTEST_E2EE_EMBEDDINGS = 3   /**< POST /v1/embeddings (buffered only) */
} teeattest_e2ee_endpoint;

/**
 * @brief Create a session encrypting to a key of a workload keyset.
 *
 * The key is taken from the keyset's `e2ee_public_keys`: the entry whose
 * `algo` is `algo` (and whose `key_id` is `key_id` when given); with
 * `algo` NULL, the first X25519 entry, else the first secp256k1 one.
 * Entries of other algorithms are ignored. The keyset must be the one the
 * attestation report verified (its digest bound by the quote): the
 * session never encrypts to a key from anywhere else.
 *
 * @param ctx the context (random source, clock); the session keeps a
 *        reference.
 * @param out receives the session; NULL on failure.
 * @param keyset the workload keyset JSON (the `workload_keyset` object).
 * @param keyset_len its length.
 * @param algo the suite, or NULL for the preferred one.
 * @param key_id the entry's key_id, or NULL for any.
 * @param err optional error detail; may be NULL.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG; TEEATTEST_E_JSON (not a
 *         keyset); TEEATTEST_E_UNSUPPORTED (`algo` is not a v2 suite);
 *         TEEATTEST_E_NOT_FOUND (no such entry); TEEATTEST_E_HEX,
 *         TEEATTEST_E_LENGTH, TEEATTEST_E_VERIFY_FAILED (the entry's key is
 *         malformed, or not a point of its curve); TEEATTEST_E_NOMEM.
 * Ownership: new reference, dropped with teeattest_e2ee_session_free().
 * @since 1.0
 */
TEEATTEST_API int teeattest_e2ee_session_new(teeattest_ctx *ctx,
                                             teeattest_e2ee_session **out,
                                             const uint8_t *keyset,
                                             size_t keyset_len,
                                             const char *algo,
                                             const char *key_id,
                                             teeattest_error *err);

/**
 * @brief Create a session for NEAR AI Cloud's field-level E2EE.
 *
 * NEAR's scheme (docs/e2ee-nearai.md) encrypts chat message fields to the
 * model's signing key and the answer's fields to a key the session makes
 * per request. It binds no field to its place, request or response (no
 * associated data); the nearai response signature covers the exact
 * answer bytes. The session then works like an E2EE v2 one:
 * teeattest_e2ee_encrypt_request() (chat only), the request body and
 * headers (X-Signing-Algo, X-Client-Pub-Key, X-Model-Pub-Key,
 * X-Encryption-Version for ed25519, X-Encrypt-All-Fields), and
 * teeattest_e2ee_decrypt_response() / teeattest_e2ee_decrypt_chunk(),
 * which refuse an answer field that is not a ciphertext of the session's
 * key (a plaintext answer fails). teeattest_e2ee_restored_body() answers
 * TEEATTEST_E_UNSUPPORTED.
 *
 * @param ctx the context (random source); the session keeps a reference.
 * @param out receives the session; NULL on failure.
 * @param signing_algo "ed25519" or "ecdsa".
 * @param model_public_key the model's `signing_public_key` (hex, optional
 *        0x): 32 bytes for ed25519; 64 bytes X||Y or 65 with the 04
 *        prefix for ecdsa. Sent as X-Model-Pub-Key as given.
 * @param verified_signer the signer of the model's verified report, from
 *        teeattest_result_verified_signer(): the Ed25519 key itself, or
 *        the 0x address that keccak256(X||Y) must end in. The session
 *        never encrypts to a key that is not this signer's.
 * @param err optional error detail; may be NULL.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG; TEEATTEST_E_UNSUPPORTED
 *         (another signing_algo); TEEATTEST_E_HEX, TEEATTEST_E_LENGTH
 *         (malformed key or signer); TEEATTEST_E_VERIFY_FAILED (not the
 *         signer's key, or not a valid point); TEEATTEST_E_NOMEM.
 * Ownership: new reference, dropped with teeattest_e2ee_session_free().
 * @since 1.0
 */
TEEATTEST_API int teeattest_e2ee_session_new_nearai(
    teeattest_ctx *ctx, teeattest_e2ee_session **out,
    const char *signing_algo, const char *model_public_key,
    const char *verified_signer, teeattest_error *err);

/** @brief Take one more reference; returns s (NULL-safe).
 * @param s the session; NULL returns NULL.
 * @return the same handle (NULL for NULL).
 * @since 1.0 */
TEEATTEST_API teeattest_e2ee_session *
teeattest_e2ee_session_ref(teeattest_e2ee_session *s);

/** @brief Drop one reference; the last one frees the session and wipes
 *  its keys. NULL is a no-op.
 * @param s the session.
 * @since 1.0 */
TEEATTEST_API void teeattest_e2ee_session_free(teeattest_e2ee_session *s);

/** @brief The selected key's `algo`. Borrowed.
 * @param s the session.
 * @return the algo string, NULL for NULL.
 * @since 1.0 */
TEEATTEST_API const char *
teeattest_e2ee_session_algo(const teeattest_e2ee_session *s);

/** @brief The selected key's `key_id` ("" when the entry has none).
 *  Borrowed.
 * @param s the session.
 * @return the key id, NULL for NULL.
 * @since 1.0 */
TEEATTEST_API const char *
teeattest_e2ee_session_key_id(const teeattest_e2ee_session *s);

/**
 * @brief Encrypt a request body (once per session).
 *
 * Makes a fresh client key pair, a 32-byte nonce (the context's random
 * source) and the timestamp (the context's clock), encrypts every field
 * the spec lists for `endpoint` (message contents and their text, image
 * and audio parts; `prompt`; `input`) and keeps the encrypted body, the
 * five headers and the restored body. The top-level `model` must be a
 * string: it is bound into every field.
 *
 * @param s the session.
 * @param endpoint a teeattest_e2ee_endpoint.
 * @param body the plaintext JSON request body.
 * @param len its length.
 * @param err optional error detail (`where`: the field path); may be NULL.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG (already used, bad
 *         endpoint, ambiguous content); TEEATTEST_E_JSON;
 *         TEEATTEST_E_FIELD_MISSING (no model, or nothing to encrypt);
 *         TEEATTEST_E_TOO_LARGE; TEEATTEST_E_RANDOM; TEEATTEST_E_NOMEM.
 * @since 1.0
 */
TEEATTEST_API int teeattest_e2ee_encrypt_request(teeattest_e2ee_session *s,
                                                 int32_t endpoint,
                                                 const uint8_t *body,
                                                 size_t len,
                                                 teeattest_error *err);

/** @brief The encrypted request body to send. Borrowed.
 * @param s the session.
 * @param body receives the bytes. Borrowed.
 * @param len receives their length.
 * @param err optional error detail; may be NULL.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG (nothing encrypted yet).
 * @since 1.0 */
TEEATTEST_API int teeattest_e2ee_request_body(const teeattest_e2ee_session *s,
                                              const uint8_t **body,
                                              size_t *len,
                                              teeattest_error *err);

/** @brief The body whose SHA-256 the ACI receipt's
 *  `request.received.body_hash` holds: the request as the service
 *  restores it after decryption, compactly serialized. Borrowed.
 * @param s the session.
 * @param body receives the bytes. Borrowed.
 * @param len receives their length.
 * @param err optional error detail; may be NULL.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG (nothing encrypted yet).
 * @since 1.0 */
TEEATTEST_API int
teeattest_e2ee_restored_body(const teeattest_e2ee_session *s,
                             const uint8_t **body, size_t *len,
                             teeattest_error *err);

/** @brief Number of request headers to send (5 after encryption, else 0).
 * @param s the session.
 * @return the count.
 * @since 1.0 */
TEEATTEST_API size_t
teeattest_e2ee_header_count(const teeattest_e2ee_session *s);

/** @brief One request header. Borrowed.
 * @param s the session.
 * @param name receives the header name (X-E2EE-Version, ...).
 * @param value receives its value.
 * @param index 0 .. teeattest_e2ee_header_count() - 1.
 * @param err optional error detail; may be NULL.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG; TEEATTEST_E_NOT_FOUND.
 * @since 1.0 */
TEEATTEST_API int teeattest_e2ee_header(const teeattest_e2ee_session *s,
                                        const char **name, const char **value,
                                        size_t index, teeattest_error *err);

/**
 * @brief Decrypt a buffered response body.
 *
 * Every generated-content field must be an E2EE v2 ciphertext whose tag
 * verifies with the AAD of its path, the request model, the response
 * `id`, the nonce and the timestamp; a plaintext, malformed or
 * unexpected field fails the whole body.
 *
 * @param s the session (after teeattest_e2ee_encrypt_request()).
 * @param plain receives the decrypted body (compact JSON). Borrowed,
 *        valid until the next decrypt call on `s` or its free.
 * @param plain_len receives its length.
 * @param body the response body as received.
 * @param len its length.
 * @param err optional error detail (`where`: the field path); may be NULL.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG; TEEATTEST_E_JSON;
 *         TEEATTEST_E_FIELD_MISSING; TEEATTEST_E_HEX, TEEATTEST_E_LENGTH
 *         (malformed ciphertext); TEEATTEST_E_VERIFY_FAILED (a tag or an
 *         ephemeral key did not verify); TEEATTEST_E_UNSUPPORTED;
 *         TEEATTEST_E_TOO_LARGE; TEEATTEST_E_NOMEM.
 * @since 1.0
 */
TEEATTEST_API int teeattest_e2ee_decrypt_response(teeattest_e2ee_session *s,
                                                  const uint8_t **plain,
                                                  size_t *plain_len,
                                                  const uint8_t *body,
                                                  size_t len,
                                                  teeattest_error *err);

/**
 * @brief Decrypt the data payload of one SSE event of a streamed
 *        response (the JSON after "data:", one chunk).
 *
 * The chunk's `delta` fields (chat) or `text` (completions) are checked
 * as in teeattest_e2ee_decrypt_response(), each with the chunk's `id`.
 * The terminating payload "[DONE]" is returned unchanged.
 *
 * @param s the session.
 * @param plain receives the decrypted chunk. Borrowed, valid until the
 *        next decrypt call on `s` or its free.
 * @param plain_len receives its length.
 * @param data the payload bytes.
 * @param len their length.
 * @param err optional error detail; may be NULL.
 * @return as teeattest_e2ee_decrypt_response().
 * @since 1.0
 */
TEEATTEST_API int teeattest_e2ee_decrypt_chunk(teeattest_e2ee_session *s,
                                               const uint8_t **plain,
                                               size_t *plain_len,
                                               const uint8_t *data,
                                               size_t len,
                                               teeattest_error *err);

#ifdef __cplusplus
}
#endif

#endif /* TEEATTEST_E2EE_H */
