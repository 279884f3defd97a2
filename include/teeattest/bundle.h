/**
 * @file
 * libteeattest: evidence bundles.
 *
 * SPDX-License-Identifier: Apache-2.0
 *
 * A bundle is a versioned JSON document (docs/bundle.md) holding
 * everything needed to verify an attestation, and optionally one signed
 * chat exchange, again offline: the provider's dialect and model, the
 * nonce sent, the report document exactly as received, the TLS key of the
 * connection, the verification material (TDX collateral, NRAS answers and
 * JWKS, RIMs, OCSP answers, Chutes' instance list), the exact request and
 * response bytes, the signature record and the time of capture.
 *
 * Build one from the objects of a live verification, write it with
 * teeattest_bundle_to_json(), parse it back with teeattest_bundle_parse()
 * and verify it with teeattest_bundle_verify(): the checklist is the same
 * as the live one (at the same verification time).
 *
 * Thread safety: setters are not synchronised; a bundle that nobody
 * modifies may be read and verified from several threads, except that
 * verification adds fetched material to its evidence (see attest.h):
 * verify one bundle from one thread at a time.
 */
#ifndef TEEATTEST_BUNDLE_H
#define TEEATTEST_BUNDLE_H

#include "teeattest/attest.h"
#include "teeattest/common.h"
#include "teeattest/e2ee.h"
#include "teeattest/provider.h"
#include "teeattest/signature.h"
#include "teeattest/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** An evidence bundle. @since 1.0 */
typedef struct teeattest_bundle teeattest_bundle;

/** The format version this library writes ("version" member) for a
 *  bundle without ACI items or Sigstore bundles (else
 *  TEEATTEST_BUNDLE_VERSION_MAX). */
#define TEEATTEST_BUNDLE_VERSION 1

/** Largest bundle document accepted. */
#define TEEATTEST_BUNDLE_MAX (64u * 1024u * 1024u)

/** The newest format version this library reads and writes: version 2
 *  carries ACI receipts and sessions and the Sigstore bundles of image
 *  provenance (docs/bundle.md). A bundle is written as version 2 only
 *  when it holds such items, else as TEEATTEST_BUNDLE_VERSION.
 *  @since 1.0 */
#define TEEATTEST_BUNDLE_VERSION_MAX 2

/** Most items of one kind a bundle holds (teeattest_bundle_add_item()).
 *  @since 1.0 */
#define TEEATTEST_BUNDLE_ITEMS_MAX 16

/** Kinds of documents a bundle carries beside its report
 *  (teeattest_bundle_add_item()). @since 1.0 */
typedef enum teeattest_bundle_item_kind {
    /** An ACI/1 inference receipt (GET /v1/aci/receipts/{id}) of the
     *  bundle's exchange, exactly as received; a JSON object of at most
     *  1 MiB. @since 1.0 */
    TEEATTEST_BUNDLE_ACI_RECEIPT = 1,
    /** An ACI/1 attested session document (GET /v1/aci/sessions/{id})
     *  that a receipt cites, exactly as received; a JSON object of at most
     *  16 MiB. @since 1.0 */
    TEEATTEST_BUNDLE_ACI_SESSION = 2
} teeattest_bundle_item_kind;

/**
 * @brief Create an empty bundle.
 * @return TEEATTEST_OK, TEEATTEST_E_INVALID_ARG, TEEATTEST_E_NOMEM.
 * Ownership: new reference (keeps ctx alive).
 * @param ctx the context; the new object keeps a reference to it.
 * @param out receives the new object (a new reference); NULL on failure.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_bundle_new(teeattest_ctx *ctx,
                                       teeattest_bundle **out,
                                       teeattest_error *err);

/** @brief Take one more reference; returns b (NULL-safe).
 * @param b the handle; NULL returns NULL.
 * @return the same handle (NULL for NULL).
 * @since 1.0 */
TEEATTEST_API teeattest_bundle *teeattest_bundle_ref(teeattest_bundle *b);

/** @brief Drop one reference. NULL is a no-op.
 * @param b the handle to release; NULL is a no-op.
 * @since 1.0 */
TEEATTEST_API void teeattest_bundle_free(teeattest_bundle *b);

/**
 * @brief Set the report (a reference is taken). Its dialect, document
 *        bytes, the nonce and TLS key recorded when it was fetched and its
 *        capture time go into the bundle.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG.
 * @param b the bundle.
 * @param report the report; a reference is taken.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_bundle_set_report(teeattest_bundle *b,
                                              teeattest_report *report,
                                              teeattest_error *err);

/**
 * @brief Set the verification material (a reference is taken; what it
 *        holds when the bundle is written is saved, its Sigstore bundles
 *        (teeattest_evidence_add_sigstore_bundle(), supplied or fetched)
 *        included).
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG.
 * @param b the bundle.
 * @param ev the evidence object; a reference is taken.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_bundle_set_evidence(teeattest_bundle *b,
                                                teeattest_evidence *ev,
                                                teeattest_error *err);

/**
 * @brief Set the nonce sent (32 bytes, copied); overrides the report's.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG.
 * @param b the bundle.
 * @param nonce the TEEATTEST_NONCE_SIZE-byte nonce the client sent.
 * @param len length of `nonce` in bytes.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_bundle_set_nonce(teeattest_bundle *b,
                                             const uint8_t *nonce,
                                             size_t len,
                                             teeattest_error *err);

/**
 * @brief Set the model asked for (copied; NULL removes it).
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG (not UTF-8, over 1024
 *         bytes); TEEATTEST_E_NOMEM.
 * @param b the bundle.
 * @param model the model name (UTF-8), or NULL to remove it.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_bundle_set_model(teeattest_bundle *b,
                                             const char *model,
                                             teeattest_error *err);

/**
 * @brief Set the capture time (Unix seconds, 0 to TEEATTEST_TIME_MAX);
 *        default: the report's capture time, else the context's clock
 *        when the bundle is written.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG (NULL, out of range).
 * @param b the bundle.
 * @param unix_seconds the capture time, 0 to TEEATTEST_TIME_MAX.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_bundle_set_time(teeattest_bundle *b,
                                            int64_t unix_seconds,
                                            teeattest_error *err);

/**
 * @brief Set the chat exchange: the exact request and response bytes
 *        (copied; either may be empty). NULL request and response remove
 *        it.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG; TEEATTEST_E_TOO_LARGE
 *         (over 16 MiB each); TEEATTEST_E_NOMEM.
 * @param b the bundle.
 * @param request the exact request body bytes sent.
 * @param request_len length of `request` in bytes.
 * @param response the exact response body bytes received.
 * @param response_len length of `response` in bytes.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_bundle_set_exchange(teeattest_bundle *b,
                                                const uint8_t *request,
                                                size_t request_len,
                                                const uint8_t *response,
                                                size_t response_len,
                                                teeattest_error *err);

/**
 * @brief Set the signature record of the exchange (a reference is taken;
 *        NULL removes it). Saved in the signature-endpoint JSON form
 *        (teeattest_signature_to_json()).
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG.
 * @param b the bundle.
 * @param sig the signature record; a reference is taken.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_bundle_set_signature(teeattest_bundle *b,
                                                 teeattest_signature *sig,
                                                 teeattest_error *err);

/**
 * @brief Record the E2EE v2 session of the bundle's exchange
 *        (docs/bundle.md, `aci.e2ee`), so that verification re-runs the
 *        E2EE checks offline.
 *
 * With E2EE the exchange holds the wire bytes: the encrypted request as
 * sent and the encrypted response as received. The receipt hashes the
 * request as the service restored it, and the answer's fields are
 * encrypted to the client's key of that one session; the bundle copies
 * from the session what re-checks both: the suite, key id and service key
 * the request was encrypted to, the session's nonce and timestamp, the
 * restored request body and the client's secret response key. The
 * written bundle also holds the answer's plaintext, computed from the
 * exchange. The document then holds the conversation in plaintext and a
 * secret key that opens only this exchange: keep it as private as the
 * prompt. The bundle wipes its copies when freed.
 *
 * @param b the bundle (aci dialect).
 * @param s a session after teeattest_e2ee_encrypt_request(), or NULL to
 *        remove the record. Nothing is kept of it after the call.
 * @param err optional error detail; may be NULL.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG (NULL bundle, a session
 *         that encrypted no request); TEEATTEST_E_TOO_LARGE (a restored
 *         request over 16 MiB, the exchange limit); TEEATTEST_E_NOMEM.
 * @since 1.0
 */
TEEATTEST_API int teeattest_bundle_set_e2ee(teeattest_bundle *b,
                                            const teeattest_e2ee_session *s,
                                            teeattest_error *err);

/**
 * @brief Add a document of the given kind (copied, bytes kept exactly):
 *        an ACI receipt or session. A bundle holding any is written as
 *        format version 2 (docs/bundle.md), which older readers refuse.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG (NULL, unknown kind);
 *         TEEATTEST_E_TOO_LARGE (the document over its kind's limit, or
 *         TEEATTEST_BUNDLE_ITEMS_MAX items of that kind already);
 *         TEEATTEST_E_JSON (not a JSON object); TEEATTEST_E_NOMEM.
 * @param b the bundle.
 * @param kind a teeattest_bundle_item_kind value.
 * @param doc the document bytes (need not be NUL-terminated).
 * @param len length of `doc` in bytes.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_bundle_add_item(teeattest_bundle *b, int32_t kind,
                                            const uint8_t *doc, size_t len,
                                            teeattest_error *err);

/** @brief How many documents of a kind the bundle holds.
 * @param b the bundle.
 * @param kind a teeattest_bundle_item_kind value.
 * @return the count; 0 for NULL or an unknown kind.
 * @since 1.0 */
TEEATTEST_API size_t teeattest_bundle_item_count(const teeattest_bundle *b,
                                                 int32_t kind);

/**
 * @brief One document of a kind, in the order added or parsed. Borrowed.
 * @return TEEATTEST_OK; TEEATTEST_E_NOT_FOUND (index past the end);
 *         TEEATTEST_E_INVALID_ARG (NULL, unknown kind).
 * @param b the bundle.
 * @param kind a teeattest_bundle_item_kind value.
 * @param index 0 to teeattest_bundle_item_count() - 1.
 * @param doc receives the document bytes. Borrowed from the bundle.
 * @param len receives their length.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_bundle_item(const teeattest_bundle *b,
                                        int32_t kind, size_t index,
                                        const uint8_t **doc, size_t *len,
                                        teeattest_error *err);

/** @brief The format version teeattest_bundle_to_json() writes for this
 *         bundle: 2 when it holds ACI receipts, sessions or an E2EE
 *         record, or its
 *         evidence holds Sigstore bundles, else 1.
 * @param b the bundle.
 * @return 1 or 2; 0 when b is NULL.
 * @since 1.0 */
TEEATTEST_API int32_t teeattest_bundle_version(const teeattest_bundle *b);

/**
 * @brief Render the bundle as JSON (docs/bundle.md). The text is kept by
 *        the bundle until the next call or a setter; NUL-terminated.
 *        The TLS key written is the evidence's TEEATTEST_EVIDENCE_TLS_SPKI,
 *        else the report's.
 * @param len may be NULL.
 * @return TEEATTEST_OK; TEEATTEST_E_FIELD_MISSING (no report);
 *         TEEATTEST_E_PARSE (a collateral item that did not load cannot be
 *         reproduced, or the report document is not a JSON object; err
 *         names the item); TEEATTEST_E_TOO_LARGE (over
 *         TEEATTEST_BUNDLE_MAX, or an E2EE record's decrypted answer over
 *         16 MiB); TEEATTEST_E_INVALID_ARG;
 *         TEEATTEST_E_NOMEM.
 * @param b the bundle.
 * @param json receives the NUL-terminated JSON text. Borrowed from the bundle.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_bundle_to_json(teeattest_bundle *b,
                                           const char **json, size_t *len,
                                           teeattest_error *err);

/**
 * @brief Parse a bundle. Unknown members are ignored; a "version" newer
 *        than TEEATTEST_BUNDLE_VERSION_MAX is refused. The Sigstore
 *        bundles of a version 2 document ("sigstore_bundles") go into the
 *        bundle's evidence (teeattest_evidence_sigstore_bundle()), so
 *        image provenance verifies offline. Also accepts the
 *        capture file of `teeattest attest --save`
 *        ("teeattest-report-capture/1") as a bundle without evidence.
 *        The parsed report carries the bundle's nonce, TLS key and capture
 *        time as a fetched report would (teeattest_report_nonce() etc.).
 * @return TEEATTEST_OK; TEEATTEST_E_JSON / _FIELD_MISSING / _HEX /
 *         _BASE64 / _LENGTH (err names the member); TEEATTEST_E_UNSUPPORTED
 *         (version, or another "format"); TEEATTEST_E_TOO_LARGE; the
 *         report's, signature's and GPU items' parse errors (err->where
 *         starts with the member); TEEATTEST_E_INVALID_ARG;
 *         TEEATTEST_E_NOMEM.
 * Ownership: new reference.
 * @param ctx the context; the new object keeps a reference to it.
 * @param out receives the new object (a new reference); NULL on failure.
 * @param json the bundle document (need not be NUL-terminated).
 * @param len length of `json` in bytes.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_bundle_parse(teeattest_ctx *ctx,
                                         teeattest_bundle **out,
                                         const uint8_t *json, size_t len,
                                         teeattest_error *err);

/** @brief The report, or NULL. Borrowed.
 * @param b the bundle.
 * @return the report (borrowed), or NULL.
 * @since 1.0 */
TEEATTEST_API teeattest_report *teeattest_bundle_report(
    const teeattest_bundle *b);

/** @brief The evidence (never NULL for a valid bundle: an empty one is
 *         created). Borrowed.
 * @param b the bundle.
 * @return the evidence object (borrowed), or NULL when b is NULL.
 * @since 1.0 */
TEEATTEST_API teeattest_evidence *teeattest_bundle_evidence(
    teeattest_bundle *b);

/** @brief The signature record, or NULL. Borrowed.
 * @param b the bundle.
 * @return the signature record (borrowed), or NULL.
 * @since 1.0 */
TEEATTEST_API teeattest_signature *teeattest_bundle_signature(
    const teeattest_bundle *b);

/** @brief The model, or NULL. Borrowed.
 * @param b the bundle.
 * @return the model (borrowed), or NULL.
 * @since 1.0 */
TEEATTEST_API const char *teeattest_bundle_model(const teeattest_bundle *b);

/** @brief The capture time (0 when unknown).
 * @param b the bundle.
 * @return the capture time in Unix seconds; 0 when unknown or b is NULL.
 * @since 1.0 */
TEEATTEST_API int64_t teeattest_bundle_time(const teeattest_bundle *b);

/**
 * @brief The nonce sent: TEEATTEST_NONCE_SIZE bytes into `nonce`, a
 *        buffer of `nonce_size` bytes.
 * @return TEEATTEST_OK; TEEATTEST_E_NOT_FOUND; TEEATTEST_E_INVALID_ARG;
 *         TEEATTEST_E_BUFFER_TOO_SMALL (nonce_size below
 *         TEEATTEST_NONCE_SIZE).
 * @param b the bundle.
 * @param nonce receives TEEATTEST_NONCE_SIZE bytes.
 * @param nonce_size the size of that buffer.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_bundle_nonce(const teeattest_bundle *b,
                                         uint8_t *nonce, size_t nonce_size,
                                         teeattest_error *err);

/**
 * @brief The exchange bytes. Borrowed.
 * @return TEEATTEST_OK; TEEATTEST_E_NOT_FOUND (none);
 *         TEEATTEST_E_INVALID_ARG.
 * @param b the bundle.
 * @param request receives the request bytes; may be NULL. Borrowed.
 * @param request_len receives their length; may be NULL.
 * @param response receives the response bytes; may be NULL. Borrowed.
 * @param response_len receives their length; may be NULL.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_bundle_exchange(const teeattest_bundle *b,
                                            const uint8_t **request,
                                            size_t *request_len,
                                            const uint8_t **response,
                                            size_t *response_len,
                                            teeattest_error *err);

/**
 * @brief Verify a bundle: teeattest_report_verify() of every entry with
 *        the bundle's nonce and evidence, then, when the bundle holds an
 *        exchange and a signature, teeattest_signature_verify_attested()
 *        against the report result (checks prefixed "response."; the
 *        required check "response.signature.attestation" fails unless the
 *        report verified and attests a signer of the signature's
 *        algorithm: docs/bundle.md). A bundle with a signature record
 *        but no exchange, or an exchange but no signature record, fails
 *        the required check "bundle.response". For the aci dialect the
 *        exchange is checked by its receipt (version 2): against the
 *        keyset the report established, over the exact bytes, under the
 *        serving constraints the request carried, with the session it
 *        cites verified and deep-audited as teeattest_aci_session_audit()
 *        does (checks aci.receipt.*, aci.session.*, bundle.sessions;
 *        docs/bundle.md). The
 *        time is the policy's when it sets one, else the bundle's capture
 *        time.
 * @return as teeattest_report_verify(); TEEATTEST_E_FIELD_MISSING when the
 *         bundle has no report.
 * Ownership: *out is a new result.
 * @param ctx the context; the new object keeps a reference to it.
 * @param out receives the new object (a new reference); NULL on failure.
 * @param b the bundle; its evidence receives what the verification fetches.
 * @param policy the policy; NULL = the defaults (docs/policy.md).
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_bundle_verify(teeattest_ctx *ctx,
                                          teeattest_result **out,
                                          teeattest_bundle *b,
                                          const teeattest_policy *policy,
                                          teeattest_error *err);

#ifdef __cplusplus
}
#endif

#endif /* TEEATTEST_BUNDLE_H */
