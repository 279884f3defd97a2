/**
 * @file
 * libteeattest: confidential-AI providers, attestation reports, chat
 * exchanges and signature fetching.
 *
 * SPDX-License-Identifier: Apache-2.0
 *
 * A teeattest_provider is a configured client for one provider API, speaking
 * one *dialect* ("nearai", "phala", "redpill", "nanogpt", "venice", "ionet",
 * "chutes", "tinfoil", "generic"; see docs/providers.md). It performs three
 * kinds of exchange through the context's transport:
 *
 *   - teeattest_report_fetch(): the attestation report, requested with a
 *     fresh 32-byte nonce from the context's random source, normalized into
 *     a teeattest_report (one entry per serving node). Fetching verifies
 *     nothing: a report is untrusted evidence until a verification function
 *     checks it. The nonce the provider echoes is never trusted.
 *   - teeattest_chat(): one chat completion. The request body is sent
 *     exactly as given and the response body is kept exactly as received
 *     (after HTTP de-chunking and decompression), so the returned
 *     teeattest_exchange holds the bytes a response signature covers.
 *   - teeattest_signature_fetch(): the provider's signature record for an
 *     exchange, by response id.
 *
 * Reports can also be parsed offline from saved JSON with a named dialect
 * (teeattest_report_parse()).
 *
 * Thread safety: a provider is configured by one thread; once configured
 * it may be used by several threads at once (fetch, chat and signature
 * calls do not modify it). Reports and exchanges are immutable and
 * shareable.
 */
#ifndef TEEATTEST_PROVIDER_H
#define TEEATTEST_PROVIDER_H

#include "teeattest/common.h"
#include "teeattest/status.h"
#include "teeattest/e2ee.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A configured provider client. @since 1.0 */
typedef struct teeattest_provider teeattest_provider;
/** A normalized attestation report. Immutable; shareable. @since 1.0 */
typedef struct teeattest_report teeattest_report;
/** One chat exchange with its exact bytes. Immutable; shareable.
 *  @since 1.0 */
typedef struct teeattest_exchange teeattest_exchange;
/** Nonce size in bytes; sent as 64 lower-case hex characters. */
#define TEEATTEST_NONCE_SIZE 32

/** Largest report document accepted (fetched or parsed). */
#define TEEATTEST_REPORT_MAX (16u * 1024u * 1024u)

/* ---- dialects ---------------------------------------------------------- */

/**
 * @brief Name of the index-th built-in dialect, for listing.
 * @return the name, or NULL when index is past the last dialect.
 * Thread safety: pure.
 * @param index 0-based index.
 * @since 1.0
 */
TEEATTEST_API const char *teeattest_dialect_name(size_t index);

/**
 * @brief Describe a dialect.
 * @param[out] base_url its default base URL (NULL when it has none, as for
 *             "generic"); may be NULL.
 * @param[out] summary a human-readable, multi-line list of the endpoints it
 *             uses and the environment variable the CLI reads its API key
 *             from; may be NULL. Both are static strings.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG; TEEATTEST_E_NOT_FOUND
 *         (no dialect of that name).
 * Thread safety: pure.
 * @param name a name from teeattest_dialect_name().
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_dialect_info(const char *name,
                                         const char **base_url,
                                         const char **summary,
                                         teeattest_error *err);

/**
 * @brief Name of the environment variable that conventionally holds a
 *        dialect's API key (e.g. "NEARAI_API_KEY"; "TEEATTEST_API_KEY" for
 *        "generic"), for applications such as the teeattest CLI that read
 *        it. The library itself never reads the environment.
 * @param name a name from teeattest_dialect_name().
 * @return a static string; NULL when name is NULL, unknown or the dialect
 *         has no such variable.
 * Thread safety: pure. @since 1.0
 */
TEEATTEST_API const char *teeattest_dialect_api_key_env(const char *name);

/* ---- provider ---------------------------------------------------------- */

/**
 * @brief Create a provider client for a dialect, with that dialect's
 *        default base URL and no API key. The library never reads the
 *        process environment: a key comes only from
 *        teeattest_provider_set_api_key() (the variable an application may
 *        read it from is teeattest_dialect_api_key_env()).
 * @param[out] out the new provider; NULL on failure.
 * @param dialect a name from teeattest_dialect_name().
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG; TEEATTEST_E_NOT_FOUND
 *         (unknown dialect); TEEATTEST_E_NOMEM.
 * Ownership: free with teeattest_provider_free(); keeps ctx alive.
 * @param ctx the context; the new object keeps a reference to it.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_provider_new(teeattest_ctx *ctx,
                                         teeattest_provider **out,
                                         const char *dialect,
                                         teeattest_error *err);

/**
 * @brief Take one more reference. @return p. Thread safety: atomic; the
 *        provider's setters are not synchronised (see the file comment).
 * @param p the handle; NULL returns NULL.
 * @since 1.0
 */
TEEATTEST_API teeattest_provider *teeattest_provider_ref(teeattest_provider *p);

/** @brief Drop one reference; the last frees the provider (its API key is
 *  wiped). NULL is a no-op.
 * @param p the handle to release; NULL is a no-op.
 * @since 1.0 */
TEEATTEST_API void teeattest_provider_free(teeattest_provider *p);

/** @brief The provider's dialect name. Borrowed.
 * @param p the provider.
 * @return the dialect name (borrowed), or NULL for NULL.
 * @since 1.0 */
TEEATTEST_API const char *teeattest_provider_dialect(
    const teeattest_provider *p);

/**
 * @brief Set the base URL (http:// or https://, no query or fragment; a
 *        trailing '/' is ignored). Required for "generic".
 *
 * An API key belongs to the origin (scheme, host and port) of the base URL
 * in effect when it was set, or of the first base URL set after it when
 * there was none. A base URL with another origin removes the key, so it is
 * never sent to another host: set the key after the base URL. Origins are
 * compared as written, case-insensitively, with a default port (443, 80)
 * left out; any other difference (user info, a trailing dot) counts as
 * another origin. A new path on the same origin keeps the key.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG (NULL, not an absolute
 *         http(s) URL, longer than 2048 bytes); TEEATTEST_E_NOMEM.
 * @param p the provider.
 * @param url the base URL (copied).
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_provider_set_base_url(teeattest_provider *p,
                                                  const char *url,
                                                  teeattest_error *err);

/**
 * @brief Set the API key, sent as "Authorization: Bearer <key>" to the
 *        base URL's origin only (see teeattest_provider_set_base_url()).
 *        NULL or "" removes it. The key is copied, never logged, never
 *        included in a detail message, and wiped from memory when replaced,
 *        removed or freed.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG (control characters);
 *         TEEATTEST_E_NOMEM.
 * @param p the provider.
 * @param key the key (copied), or NULL or "" to remove it.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_provider_set_api_key(teeattest_provider *p,
                                                 const char *key,
                                                 teeattest_error *err);

/**
 * @brief Set the model the provider serves (used in report requests,
 *        signature requests and to select report entries).
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG; TEEATTEST_E_NOMEM.
 * @param p the provider.
 * @param model the model name (copied).
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_provider_set_model(teeattest_provider *p,
                                               const char *model,
                                               teeattest_error *err);

/**
 * @brief Set a dialect option by name; value NULL restores the default.
 *        Options every dialect knows: "signing_algo" ("ecdsa" | "ed25519"),
 *        "ca_file" (PEM bundle replacing the system CAs), "pinned_key"
 *        ("sha256//<base64>" of the server's SubjectPublicKeyInfo),
 *        "user_agent", "max_retries" (idempotent GETs only; default 2).
 *        Dialect options are listed in docs/providers.md (e.g. nearai
 *        "include_tls_fingerprint", generic "attestation_path").
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG (value malformed);
 *         TEEATTEST_E_SIG_ALGO (signing_algo not ecdsa or ed25519);
 *         TEEATTEST_E_TOO_LARGE (value over 4096 bytes);
 *         TEEATTEST_E_NOT_FOUND (no such option for this dialect);
 *         TEEATTEST_E_NOMEM.
 * @param p the provider.
 * @param name the option name.
 * @param value its value (copied), or NULL for the default.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_provider_set_option(teeattest_provider *p,
                                                const char *name,
                                                const char *value,
                                                teeattest_error *err);

/**
 * @brief Set timeouts in milliseconds; 0 keeps the default (connect 10 s,
 *        total 120 s, idle 30 s: the longest silence while a body or stream
 *        is arriving). They bound each attempt of each request; the
 *        context's deadline (teeattest_ctx_options.deadline_ms), when set,
 *        bounds all of them together.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG.
 * @param p the provider.
 * @param connect_ms connection timeout; 0 = default.
 * @param total_ms whole-request timeout; 0 = default.
 * @param idle_ms longest silence while receiving; 0 = default.
 * @since 1.0
 */
TEEATTEST_API int teeattest_provider_set_timeouts(teeattest_provider *p,
                                                  uint32_t connect_ms,
                                                  uint32_t total_ms,
                                                  uint32_t idle_ms);

/**
 * @brief Largest response body accepted, in bytes (default 64 MiB; 0
 *        keeps the default). A larger body fails with
 *        TEEATTEST_E_RESPONSE_TOO_LARGE.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG.
 * @param p the provider.
 * @param max the limit in bytes; 0 = default.
 * @since 1.0
 */
TEEATTEST_API int teeattest_provider_set_max_body_size(teeattest_provider *p,
                                                       uint64_t max);

/* ---- reports ----------------------------------------------------------- */

/**
 * @brief Fetch an attestation report with a nonce.
 *
 * @param[out] out the normalized report; NULL on failure.
 * @param nonce TEEATTEST_NONCE_SIZE bytes, or NULL for a fresh nonce from
 *        the context's random source (the normal case). Read it back with
 *        teeattest_report_nonce().
 * @param nonce_len TEEATTEST_NONCE_SIZE with a nonce, 0 with NULL
 *        (anything else: TEEATTEST_E_LENGTH / TEEATTEST_E_INVALID_ARG).
 * @param signing_address ask the provider for the node holding this signer
 *        (NEAR, Phala, RedPill); NULL for any node.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG; TEEATTEST_E_RANDOM;
 *         transport errors (TEEATTEST_E_TRANSPORT, _TIMEOUT, _TLS,
 *         _RESPONSE_TOO_LARGE); TEEATTEST_E_HTTP_STATUS (any non-2xx answer,
 *         after retries for 429/5xx; the status is in err->backend_code);
 *         parse errors as for teeattest_report_parse(); TEEATTEST_E_NOMEM.
 * Ownership: new reference; free with teeattest_report_free().
 * @param p the provider.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_report_fetch(teeattest_provider *p,
                                         teeattest_report **out,
                                         const uint8_t *nonce,
                                         size_t nonce_len,
                                         const char *signing_address,
                                         teeattest_error *err);

/**
 * @brief Parse a saved report document offline.
 * @param dialect the dialect that produced it (a provider's JSON forms
 *        differ); "auto" detects the dstack, two-layer, Chutes, Tinfoil and
 *        io.net shapes from their keys.
 * @param json the document bytes (need not be NUL-terminated).
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG; TEEATTEST_E_NOT_FOUND
 *         (unknown dialect); TEEATTEST_E_TOO_LARGE; TEEATTEST_E_JSON;
 *         TEEATTEST_E_FIELD_MISSING (err->message names the field);
 *         TEEATTEST_E_HEX / TEEATTEST_E_BASE64 (an encoded field);
 *         TEEATTEST_E_PARSE; TEEATTEST_E_NOMEM.
 * Ownership: new reference (keeps ctx alive).
 * @param ctx the context; the new object keeps a reference to it.
 * @param out receives the new object (a new reference); NULL on failure.
 * @param json_len length of `json` in bytes.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_report_parse(teeattest_ctx *ctx,
                                         teeattest_report **out,
                                         const char *dialect,
                                         const uint8_t *json, size_t json_len,
                                         teeattest_error *err);

/** @brief Take one more reference. @return report.
 * @param report the handle; NULL returns NULL.
 * @since 1.0 */
TEEATTEST_API teeattest_report *teeattest_report_ref(teeattest_report *report);

/** @brief Drop one reference. NULL is a no-op.
 * @param report the handle to release; NULL is a no-op.
 * @since 1.0 */
TEEATTEST_API void teeattest_report_free(teeattest_report *report);

/** @brief The dialect that parsed the report. Borrowed.
 * @param report the report.
 * @return the dialect name (borrowed), or NULL for NULL.
 * @since 1.0 */
TEEATTEST_API const char *teeattest_report_dialect(
    const teeattest_report *report);

/**
 * @brief The nonce this client sent (fetched reports only).
 * @param[out] nonce receives TEEATTEST_NONCE_SIZE bytes.
 * @param nonce_size the size of that buffer.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG;
 *         TEEATTEST_E_BUFFER_TOO_SMALL (nonce_size below
 *         TEEATTEST_NONCE_SIZE); TEEATTEST_E_NOT_FOUND (a report parsed
 *         offline: the caller knows which nonce it sent).
 * @param report the report.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_report_nonce(const teeattest_report *report,
                                         uint8_t *nonce, size_t nonce_size,
                                         teeattest_error *err);

/**
 * @brief The whole report document exactly as received. Borrowed.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG.
 * @param report the report.
 * @param json receives the document bytes. Borrowed.
 * @param len receives their length.
 * @since 1.0
 */
TEEATTEST_API int teeattest_report_raw(const teeattest_report *report,
                                       const uint8_t **json, size_t *len);

/**
 * @brief DER SubjectPublicKeyInfo of the TLS certificate presented on the
 *        connection that delivered the report (fetched over HTTPS only).
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG; TEEATTEST_E_NOT_FOUND.
 * @param report the report.
 * @param der receives the DER bytes. Borrowed.
 * @param len receives their length.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_report_tls_spki(const teeattest_report *report,
                                            const uint8_t **der, size_t *len,
                                            teeattest_error *err);

/** @brief Number of entries (serving nodes, and for two-layer reports the
 *  gateway as entry 0).
 * @param report the report.
 * @return the number of entries; 0 for NULL.
 * @since 1.0 */
TEEATTEST_API size_t teeattest_report_entry_count(
    const teeattest_report *report);

/** Fields of a report entry. Values are added, never renumbered.
 *  @since 1.0 */
typedef enum teeattest_entry_field {
    /** "gateway" or "model" (two-layer reports), else "node". */
    TEEATTEST_ENTRY_ROLE = 1,
    /** Signer identity as the report states it, lower-cased: normally
     *  "0x" + 40 hex (ecdsa) or 64 hex (ed25519). Not validated when the
     *  report is parsed; verification checks its form. */
    TEEATTEST_ENTRY_SIGNING_ADDRESS = 2,
    /** "ecdsa" or "ed25519". */
    TEEATTEST_ENTRY_SIGNING_ALGO = 3,
    /** Public key bytes as stated (hex decoded). Their length is not
     *  checked when the report is parsed (verification expects 64 or 65
     *  bytes for ecdsa, 32 for ed25519). */
    TEEATTEST_ENTRY_SIGNING_PUBLIC_KEY = 4,
    /** The TDX quote, decoded from hex or base64. */
    TEEATTEST_ENTRY_QUOTE = 5,
    /** GPU evidence: the nvidia_payload (or gpu / gpu_evidence) JSON text,
     *  unwrapped when the provider sent it as a JSON string (then exactly
     *  the string's bytes), re-serialized compactly when it was an
     *  object. */
    TEEATTEST_ENTRY_GPU_PAYLOAD = 6,
    /** The event log as JSON array text, unwrapped from a string form. */
    TEEATTEST_ENTRY_EVENT_LOG = 7,
    /** The dstack `info` object as JSON text, re-serialized compactly
     *  (member order kept; whitespace, escapes and number spelling may
     *  differ from the document). */
    TEEATTEST_ENTRY_INFO = 8,
    /** `tcb_info` as JSON object text (from info, unwrapped from a string
     *  form; re-serialized compactly when it was an object). */
    TEEATTEST_ENTRY_TCB_INFO = 9,
    /** `app_compose` text exactly as it appears in tcb_info. */
    TEEATTEST_ENTRY_APP_COMPOSE = 10,
    /** TLS certificate fingerprint (32 bytes, from hex). */
    TEEATTEST_ENTRY_TLS_FINGERPRINT = 11,
    /** The nonce the provider echoed (untrusted), decoded: 32 bytes. */
    TEEATTEST_ENTRY_NONCE_ECHO = 12,
    /** The model the entry serves, when stated. */
    TEEATTEST_ENTRY_MODEL = 13,
    /** The entry's own JSON object, re-serialized compactly (member order
     *  kept). The exact bytes of the whole document are
     *  teeattest_report_raw(). */
    TEEATTEST_ENTRY_RAW = 14,
    /** report_data stated beside the quote (64 bytes, untrusted). */
    TEEATTEST_ENTRY_REPORT_DATA = 15,
    /** A provider-specific TLS or instance certificate (PEM or DER bytes
     *  as sent, base64 decoded), e.g. Chutes' and Tinfoil's. */
    TEEATTEST_ENTRY_CERTIFICATE = 16,
    /** A provider-specific instance id (Chutes, dstack). */
    TEEATTEST_ENTRY_INSTANCE_ID = 17,
    /** A provider-specific E2EE public key (Chutes ML-KEM, base64 text). */
    TEEATTEST_ENTRY_E2E_PUBKEY = 18,
    /** vm_config JSON text, unwrapped from a string form. */
    TEEATTEST_ENTRY_VM_CONFIG = 19,
    /** NEAR compose_manager_attestation object text (re-serialized
     *  compactly). */
    TEEATTEST_ENTRY_COMPOSE_MANAGER = 20,
    /** NEAR `ohttp_key_config`: the OHTTP key config as stated (hex
     *  decoded; untrusted: verification publishes the signed one as the
     *  fact `entry[i].ohttp_key_config`). The entry's own member, else the
     *  top level's (the flat form's repeated entry, a two-layer report's
     *  gateway). @since 1.0 */
    TEEATTEST_ENTRY_OHTTP_KEY_CONFIG = 21,
    /** NEAR `ohttp_attestation` object text (re-serialized compactly),
     *  taken like TEEATTEST_ENTRY_OHTTP_KEY_CONFIG. @since 1.0 */
    TEEATTEST_ENTRY_OHTTP_ATTESTATION = 22,
    /** dstack's boot-time GPU attestation: the complete nvattest JSON
     *  output the guest-agent's GpuInfo returns as `attestation`, when the
     *  entry carries it as the string `gpu_attestation` (exactly the
     *  string's bytes: the RTMR3 gpu-attestation event binds its SHA-256).
     *  @since 1.0 */
    TEEATTEST_ENTRY_GPU_ATTESTATION = 23
} teeattest_entry_field;

/**
 * @brief One field of the index-th entry.
 * @param[out] data the bytes (borrowed from the report; text fields are
 *             NUL-terminated one byte past len).
 * @param[out] len their length; may be NULL.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG (bad index or field);
 *         TEEATTEST_E_NOT_FOUND (the entry has no such field).
 * @param report the report.
 * @param index 0-based index.
 * @param field a teeattest_entry_field value.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_report_entry_get(const teeattest_report *report,
                                             size_t index, int32_t field,
                                             const uint8_t **data,
                                             size_t *len,
                                             teeattest_error *err);

/**
 * @brief Index of the entry whose signing address (or Ed25519 key) equals
 *        `signer`, compared case-insensitively with an optional "0x".
 *        The first such entry; a report in which two entries name the
 *        same signer fails report.entries whichever entry is verified
 *        (teeattest_report_verify()), so the choice never decides a
 *        verdict.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG; TEEATTEST_E_NOT_FOUND.
 * @param report the report.
 * @param index 0-based index.
 * @param signer the signer to look for.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_report_find_entry(const teeattest_report *report,
                                              size_t *index,
                                              const char *signer,
                                              teeattest_error *err);

/* ---- chat -------------------------------------------------------------- */

/** Flags of teeattest_chat(). @since 1.0 */
#define TEEATTEST_CHAT_STREAM 0x0001u /**< the request asks for SSE */

/**
 * @brief Called for each server-sent event as it arrives (streaming), or
 *        once with the whole body (non-streaming). `data` is the event's
 *        data field (multi-line data joined with '\n'), `event` its event
 *        type or NULL. Both are borrowed for the call only.
 * @return 0 to continue; anything else cancels the exchange
 *         (teeattest_chat() then fails with TEEATTEST_E_CANCELLED).
 * @since 1.0
 */
typedef int TEEATTEST_CALLBACK(teeattest_event_fn)(void *user_data,
                                                   const char *event,
                                                   const char *data,
                                                   size_t data_len);

/**
 * @brief Send one chat completion request and capture the exchange.
 *
 * The body is sent byte for byte (it is what the request hash covers); the
 * response is kept exactly as received. The dialect chooses the path
 * (e.g. /v1/chat/completions) and headers. Never retried.
 *
 * @param[out] out the exchange, also on HTTP errors (check
 *             teeattest_exchange_status()); NULL on transport failure.
 * @param body the JSON request body; its "stream" member must agree with
 *        TEEATTEST_CHAT_STREAM.
 * @param on_event may be NULL.
 * @return TEEATTEST_OK when a response arrived (any HTTP status);
 *         TEEATTEST_E_INVALID_ARG; transport errors; TEEATTEST_E_CANCELLED;
 *         TEEATTEST_E_NOMEM.
 * @param p the provider.
 * @param body_len length of `body` in bytes.
 * @param flags TEEATTEST_CHAT_STREAM or 0.
 * @param user_data passed to on_event.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_chat(teeattest_provider *p,
                                 teeattest_exchange **out,
                                 const uint8_t *body, size_t body_len,
                                 uint32_t flags,
                                 teeattest_event_fn on_event, void *user_data,
                                 teeattest_error *err);

/**
 * @brief Send an E2EE v2 encrypted chat request (include/teeattest/e2ee.h).
 *
 * As teeattest_chat(), with the session's encrypted body
 * (teeattest_e2ee_request_body()) and its five X-E2EE-* / X-*-Pub-Key
 * headers. The exchange keeps the encrypted bytes as sent and the
 * response as received: its fields are still encrypted (decrypt them with
 * teeattest_e2ee_decrypt_response() or, for each event given to
 * `on_event`, teeattest_e2ee_decrypt_chunk()).
 *
 * @param p the provider.
 * @param[out] out the exchange, also on HTTP errors; NULL on failure.
 * @param e2ee the session, after teeattest_e2ee_encrypt_request().
 * @param flags TEEATTEST_CHAT_STREAM or 0 (must agree with the body).
 * @param on_event may be NULL; receives the encrypted events.
 * @param user_data passed to on_event.
 * @param err optional error detail; may be NULL.
 * @return as teeattest_chat(); TEEATTEST_E_INVALID_ARG also when no
 *         request was encrypted in the session.
 * @since 1.0
 */
TEEATTEST_API int teeattest_chat_e2ee(teeattest_provider *p,
                                      teeattest_exchange **out,
                                      const teeattest_e2ee_session *e2ee,
                                      uint32_t flags,
                                      teeattest_event_fn on_event,
                                      void *user_data, teeattest_error *err);

/** @brief Take one more reference.
 * @param x the handle; NULL returns NULL.
 * @return the same handle (NULL for NULL).
 * @since 1.0 */
TEEATTEST_API teeattest_exchange *teeattest_exchange_ref(
    teeattest_exchange *x);

/** @brief Drop one reference. NULL is a no-op.
 * @param x the handle to release; NULL is a no-op.
 * @since 1.0 */
TEEATTEST_API void teeattest_exchange_free(teeattest_exchange *x);

/** @brief HTTP status of the response (0 for NULL).
 * @param x the exchange.
 * @return the HTTP status code, or 0.
 * @since 1.0 */
TEEATTEST_API int32_t teeattest_exchange_status(const teeattest_exchange *x);

/** @brief The request body exactly as sent. Borrowed.
 *  @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG.
 * @param x the exchange.
 * @param body receives the bytes. Borrowed.
 * @param len receives their length.
 * @since 1.0 */
TEEATTEST_API int teeattest_exchange_request(const teeattest_exchange *x,
                                             const uint8_t **body,
                                             size_t *len);

/** @brief The response body exactly as received (the whole SSE stream
 *  when streaming). Borrowed.
 *  @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG.
 * @param x the exchange.
 * @param body receives the bytes. Borrowed.
 * @param len receives their length.
 * @since 1.0 */
TEEATTEST_API int teeattest_exchange_response(const teeattest_exchange *x,
                                              const uint8_t **body,
                                              size_t *len);

/** @brief The response id ("id" of the first JSON chunk or of the body),
 *  used to fetch the signature; NULL when absent. Borrowed.
 * @param x the exchange.
 * @return the id (borrowed), or NULL.
 * @since 1.0 */
TEEATTEST_API const char *teeattest_exchange_id(const teeattest_exchange *x);

/** @brief A response header's value (case-insensitive name), or NULL.
 *  Borrowed.
 * @param x the exchange.
 * @param name the header name.
 * @return the value (borrowed), or NULL when absent.
 * @since 1.0 */
TEEATTEST_API const char *teeattest_exchange_header(
    const teeattest_exchange *x, const char *name);

/** @brief DER SPKI of the peer TLS certificate, when captured.
 *  @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG; TEEATTEST_E_NOT_FOUND.
 * @param x the exchange.
 * @param der receives the DER bytes. Borrowed.
 * @param len receives their length.
 * @param err optional error detail; may be NULL.
 * @since 1.0 */
TEEATTEST_API int teeattest_exchange_tls_spki(const teeattest_exchange *x,
                                              const uint8_t **der,
                                              size_t *len,
                                              teeattest_error *err);

/* ---- signatures -------------------------------------------------------- */

/**
 * @brief Fetch the provider's signature record for an exchange.
 *
 * Dialects with a signature endpoint request it by response id with the
 * provider's model and the given algorithm, polling briefly (up to 5 s)
 * while the provider answers that it has not stored the record yet.
 * Dialects that deliver the signature with the answer (io.net: response
 * headers, or an extra "signature" SSE event) read it from the exchange.
 *
 * @param[out] out the record; NULL on failure.
 * @param x the exchange (its id, headers or stream).
 * @param algo "ecdsa", "ed25519", or NULL for the provider's option
 *        "signing_algo" (default "ecdsa").
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG; TEEATTEST_E_FIELD_MISSING
 *         (the exchange has no id); TEEATTEST_E_SIGNATURE_UNAVAILABLE (404:
 *         expired or unknown id, or the provider says none exists);
 *         TEEATTEST_E_UNSUPPORTED (the dialect has no signatures, e.g.
 *         chutes); transport and parse errors; TEEATTEST_E_NOMEM.
 * @param p the provider.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_signature_fetch(teeattest_provider *p,
                                            teeattest_signature **out,
                                            const teeattest_exchange *x,
                                            const char *algo,
                                            teeattest_error *err);

/* ---- ACI receipts ------------------------------------------------------- */

/**
 * @brief Fetch the signed receipt an ACI answer names (dialect "aci").
 *
 * Reads the exchange's X-Receipt-Id response header and requests
 * GET {base URL}/v1/aci/receipts/{id} with the provider's settings (API
 * key, TLS settings and pinned key, timeouts). The document is copied to
 * `buf` exactly as received, at most 1 MiB; nothing in it is checked here:
 * verify it against the attested keyset with the exact request and
 * response bytes of the exchange. A streamed answer's receipt exists once
 * the stream has ended.
 *
 * @param p the provider that answered the exchange.
 * @param x the exchange whose headers name the receipt.
 * @param[out] buf receives the document; may be NULL when *len is 0.
 * @param[in,out] len in: bytes at buf; out: the document's length (also
 *        on TEEATTEST_E_BUFFER_TOO_SMALL, then the size needed).
 * @param err optional error detail; may be NULL.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG; TEEATTEST_E_FIELD_MISSING
 *         (no X-Receipt-Id, or one that is not 1 to 128 of
 *         [A-Za-z0-9._:-]); TEEATTEST_E_NOT_FOUND (HTTP 404: unknown or
 *         expired id, or another key's receipt); TEEATTEST_E_HTTP_STATUS;
 *         TEEATTEST_E_BUFFER_TOO_SMALL; TEEATTEST_E_TOO_LARGE; transport
 *         errors; TEEATTEST_E_NOMEM.
 * @since 1.0
 */
TEEATTEST_API int teeattest_aci_receipt_fetch(teeattest_provider *p,
                                              const teeattest_exchange *x,
                                              uint8_t *buf, size_t *len,
                                              teeattest_error *err);

/**
 * @brief Fetch an attested session an aggregator's receipt cites (dialect
 *        "aci").
 *
 * Requests GET {base URL}/v1/aci/sessions/{session_id} with the provider's
 * settings (API key, TLS settings and pinned key, timeouts). The document
 * is copied to `buf` exactly as received, at most 16 MiB; nothing in it is
 * checked here: verify it with teeattest_aci_verify_session() or
 * teeattest_aci_session_audit() against the id the receipt cited, or pass
 * it to teeattest_aci_verify_receipt() (opts->session).
 *
 * @param p the provider (the aggregator that served the receipt).
 * @param session_id the bare id a receipt cites: 64 lowercase hex.
 * @param[out] buf receives the document; may be NULL when *len is 0.
 * @param[in,out] len in: bytes at buf; out: the document's length (also
 *        on TEEATTEST_E_BUFFER_TOO_SMALL, then the size needed).
 * @param err optional error detail; may be NULL.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG (NULL, or an id that is not
 *         64 lowercase hex); TEEATTEST_E_NOT_FOUND (HTTP 404: unknown
 *         session); TEEATTEST_E_HTTP_STATUS; TEEATTEST_E_BUFFER_TOO_SMALL;
 *         TEEATTEST_E_TOO_LARGE; transport errors; TEEATTEST_E_NOMEM.
 * @since 1.0
 */
TEEATTEST_API int teeattest_aci_session_fetch(teeattest_provider *p,
                                              const char *session_id,
                                              uint8_t *buf, size_t *len,
                                              teeattest_error *err);

#ifdef __cplusplus
}
#endif

#endif /* TEEATTEST_PROVIDER_H */
