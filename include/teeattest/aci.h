/**
 * @file
 * libteeattest: ACI/1 (Attested Confidential Inference) offline tools.
 *
 * SPDX-License-Identifier: Apache-2.0
 *
 * ACI/1 (Dstack-TEE/private-ai-gateway spec/aci.md): a quote-bound
 * workload keyset, signed per-request receipts over the exact wire bytes,
 * content-addressed attested sessions; all hashed and signed over their
 * RFC 8785 (JCS) form, so any JSON encoding of a document verifies alike.
 * Offline functions on documents the caller holds: docs/aci.md, and
 * docs/checks.md (aci.receipt.*, aci.session.*). Thread-safe.
 */
#ifndef TEEATTEST_ACI_H
#define TEEATTEST_ACI_H

#include "teeattest/attest.h"
#include "teeattest/common.h"
#include "teeattest/status.h"
#include "teeattest/e2ee.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Size of a buffer for a keyset digest "sha256:" + 64 hex + NUL.
 *  @since 1.0 */
#define TEEATTEST_ACI_DIGEST_SIZE 72
/** Size of a buffer for a session id, 64 hex + NUL. @since 1.0 */
#define TEEATTEST_ACI_SESSION_ID_SIZE 65

/** What a request rewrite (a receipt's request.forwarded hash differing
 *  from request.received) does to check aci.receipt.rewrite. @since 1.0 */
typedef enum teeattest_aci_rewrite {
    TEEATTEST_ACI_REWRITE_WARN = 0,  /**< a warn (default) */
    TEEATTEST_ACI_REWRITE_ALLOW = 1, /**< a pass that names the rewrite */
    TEEATTEST_ACI_REWRITE_FAIL = 2   /**< a failure */
} teeattest_aci_rewrite;

/** What the caller established about a service's serving mode
 *  (service_capabilities.serving of its ACI report, docs/aci.md), from the
 *  same verified report as the keyset. @since 1.0 */
typedef enum teeattest_aci_serving {
    /** An aggregator, or not known: a receipt without upstream.verified
     *  fails verified serving (default). */
    TEEATTEST_ACI_SERVING_UNKNOWN = 0,
    /** "direct", and the report came over a connection whose key the
     *  attested keyset lists (facts aci.serving "direct" and
     *  aci.serving_bound true): verified serving is satisfied by
     *  construction and pinned sessions fail (it has none). */
    TEEATTEST_ACI_SERVING_DIRECT = 1,
    /** "direct" over no channel the keyset binds (aci.serving_bound
     *  false): treated as TEEATTEST_ACI_SERVING_UNKNOWN, the check detail
     *  saying why. */
    TEEATTEST_ACI_SERVING_DIRECT_UNBOUND = 2
} teeattest_aci_serving;

/**
 * @brief What teeattest_aci_verify_receipt() checks beyond the signed
 *        document. Every field is optional; zero means "not given" or the
 *        default.
 *
 * Initialise with TEEATTEST_ACI_RECEIPT_OPTIONS_INIT or
 * teeattest_aci_receipt_options_init(); pointers are read during the call.
 *
 * @since 1.0
 */
typedef struct teeattest_aci_receipt_options {
    size_t struct_size; /**< sizeof(teeattest_aci_receipt_options) */
    /** The exact request body bytes sent (for E2EE: the restored body the
     *  extension defines); NULL = not given (aci.receipt.request_hash is
     *  skipped). An empty body is a non-NULL pointer with length 0. */
    const uint8_t *request;
    size_t request_len; /**< bytes at request */
    /** The exact response bytes received, SSE framing included; NULL = not
     *  given. */
    const uint8_t *response;
    size_t response_len; /**< bytes at response */
    /** A teeattest_aci_rewrite value. */
    int32_t rewrite;
    /** Non-zero: verified serving is required (an aggregator's receipt
     *  must record upstream.verified with result "verified" and required
     *  true, and its cited session must be given and verify). */
    int32_t require_verified;
    /** Session ids (64 lowercase hex) the client pinned; the cited session
     *  must be one of them. NULL with count 0 = none pinned. */
    const char *const *pinned_sessions;
    size_t pinned_count; /**< entries at pinned_sessions */
    /** The session document the receipt cites (GET /v1/aci/sessions/{id}),
     *  verified in the same result (aci.session.* checks) and used for
     *  the served_at window; NULL = not given. */
    const uint8_t *session;
    size_t session_len; /**< bytes at session */
    /** The E2EE v2 session of the exchange (after
     *  teeattest_e2ee_encrypt_request()); NULL = not encrypted. Adds the
     *  checks aci.e2ee.key (the key the request was encrypted to is listed
     *  in `keyset`) and aci.e2ee.response (every field of `response`, JSON
     *  body or SSE stream, decrypts under its AAD; the session's last
     *  decrypted body is replaced). Without `request`, the request hash is
     *  checked over the session's restored body (spec/e2ee-v2.md 8).
     *  @since 1.0 */
    teeattest_e2ee_session *e2ee;
    /** A teeattest_aci_serving value: the serving mode the caller
     *  established from the verified report the keyset came from (never
     *  from an unverified report or another report). @since 1.0 */
    int32_t serving;
} teeattest_aci_receipt_options;

/** Initialiser of a teeattest_aci_receipt_options: struct_size set, every
 *  field zero. @since 1.0 */
#define TEEATTEST_ACI_RECEIPT_OPTIONS_INIT \
    { sizeof(teeattest_aci_receipt_options), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, \
      0 }

/**
 * @brief Initialise receipt options (for bindings that cannot use the
 *        macro): zeroes the struct and sets struct_size.
 * @param opts the struct to initialise.
 * @param size sizeof(teeattest_aci_receipt_options) as seen by the caller.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG for NULL or a size smaller
 *         than the 1.0 struct.
 * @since 1.0
 */
TEEATTEST_API int teeattest_aci_receipt_options_init(
    teeattest_aci_receipt_options *opts, size_t size);

/**
 * @brief The workload_keyset_digest of a keyset: "sha256:" + lowercase hex
 *        of SHA-256 over its JCS form.
 *
 * `json` is a keyset, or an ACI report (its attestation.workload_keyset),
 * parsed strictly first (docs/aci.md). No attestation is verified.
 *
 * @param ctx the context.
 * @param[out] out receives the NUL-terminated digest.
 * @param out_size bytes at out, at least TEEATTEST_ACI_DIGEST_SIZE.
 * @param json the document bytes (need not be NUL-terminated).
 * @param json_len bytes at json (at most 1 MiB).
 * @param[out] err may be NULL.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG; TEEATTEST_E_BUFFER_TOO_SMALL;
 *         TEEATTEST_E_TOO_LARGE; TEEATTEST_E_JSON, TEEATTEST_E_PARSE,
 *         TEEATTEST_E_HEX, TEEATTEST_E_LENGTH, TEEATTEST_E_FIELD_MISSING (a
 *         malformed keyset, see err); TEEATTEST_E_NOMEM.
 * Ownership: caller buffer.
 * @since 1.0
 */
TEEATTEST_API int teeattest_aci_keyset_digest(teeattest_ctx *ctx, char *out,
                                              size_t out_size,
                                              const uint8_t *json,
                                              size_t json_len,
                                              teeattest_error *err);

/**
 * @brief The id of an attested session document: lowercase hex of SHA-256
 *        over its JCS form (any JSON encoding of it gives the same id).
 *
 * @param ctx the context.
 * @param[out] out receives the NUL-terminated id.
 * @param out_size bytes at out, at least TEEATTEST_ACI_SESSION_ID_SIZE.
 * @param json the document bytes.
 * @param json_len bytes at json (at most 16 MiB).
 * @param[out] err may be NULL.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG; TEEATTEST_E_BUFFER_TOO_SMALL;
 *         TEEATTEST_E_TOO_LARGE; TEEATTEST_E_JSON (not JSON, duplicate
 *         members, no JCS form); TEEATTEST_E_NOMEM.
 * Ownership: caller buffer.
 * @since 1.0
 */
TEEATTEST_API int teeattest_aci_session_id(teeattest_ctx *ctx, char *out,
                                           size_t out_size,
                                           const uint8_t *json,
                                           size_t json_len,
                                           teeattest_error *err);

/**
 * @brief Verify an inference receipt against an established keyset.
 *
 * The keyset must be one the caller established (from a verified
 * attestation report, or a party it trusts): this function does not verify
 * any attestation. Checks aci.receipt.* (docs/checks.md): the signature by
 * the key `key_id` names, the version, the keyset digest, the event log,
 * the request and response bytes when given, and the rewrite, upstream
 * and session policy of `opts`; with opts->session, also aci.session.*
 * for the cited session.
 *
 * @param ctx the context.
 * @param[out] out receives the result (read its verdict); NULL on error.
 * @param receipt the receipt document bytes (at most 1 MiB).
 * @param receipt_len bytes at receipt.
 * @param keyset the keyset, or an ACI attestation report carrying it.
 * @param keyset_len bytes at keyset.
 * @param opts may be NULL (no bodies, default policy).
 * @param[out] err may be NULL.
 * @return TEEATTEST_OK when the checks ran (the verdict says whether the
 *         receipt verified); TEEATTEST_E_INVALID_ARG; TEEATTEST_E_ABI /
 *         TEEATTEST_E_ABI_TOO_NEW (opts->struct_size); TEEATTEST_E_TOO_LARGE;
 *         TEEATTEST_E_JSON (a document that is not a JSON object);
 *         the keyset errors of teeattest_aci_keyset_digest();
 *         TEEATTEST_E_NOMEM.
 * Ownership: new reference, release with teeattest_result_free().
 * @since 1.0
 */
TEEATTEST_API int teeattest_aci_verify_receipt(
    teeattest_ctx *ctx, teeattest_result **out, const uint8_t *receipt,
    size_t receipt_len, const uint8_t *keyset, size_t keyset_len,
    const teeattest_aci_receipt_options *opts, teeattest_error *err);

/**
 * @brief Verify an attested session document (checks aci.session.*).
 *
 * The id against `expected_id`, the evidence against its digest; typed
 * claims become unverified facts, source kept. The evidence itself is
 * not re-verified here.
 *
 * @param ctx the context.
 * @param[out] out receives the result; NULL on error.
 * @param session the document bytes (at most 16 MiB).
 * @param session_len bytes at session.
 * @param expected_id the id a receipt cited or the client pinned (64
 *        lowercase hex), or NULL (aci.session.id is then skipped).
 * @param[out] err may be NULL.
 * @return TEEATTEST_OK when the checks ran; TEEATTEST_E_INVALID_ARG;
 *         TEEATTEST_E_TOO_LARGE; TEEATTEST_E_JSON; TEEATTEST_E_NOMEM.
 * Ownership: new reference, release with teeattest_result_free().
 * @since 1.0
 */
TEEATTEST_API int teeattest_aci_verify_session(teeattest_ctx *ctx,
                                               teeattest_result **out,
                                               const uint8_t *session,
                                               size_t session_len,
                                               const char *expected_id,
                                               teeattest_error *err);

/**
 * @brief Verify an attested session and deep-audit its evidence (spec
 *        9.2): the checks of teeattest_aci_verify_session(), then the
 *        evidence verified independently where it is a report this library
 *        verifies.
 *
 * Evidence with a JSON media type that teeattest_report_parse() accepts
 * (dstack, ACI, two-layer and the other report shapes, GPU evidence
 * included) is verified with teeattest_report_verify() under `policy`
 * with the material of `ev`; its checks are reported as
 * aci.session.audit.NAME (informational) and summed up by the required
 * check aci.session.deep_audit, which passes when every required check
 * passed except those bound to the aggregator's own exchange, which no
 * session carries (report.freshness, aci.nonce: its challenge; aci.tls:
 * its connection). Then
 * aci.session.deep_audit_binding: a channel binding of the session names
 * a key of the keyset the evidence attests. Standalone NVIDIA GPU evidence
 * (a JSON media type or "application/vnd.nvidia.gpu-evidence+json", not a
 * report, a payload teeattest_gpu_verify() reads) is verified by the GPU
 * verifier with the material of `ev` (its GPU inputs; entry 0's NRAS
 * answer) against the nonce the evidence names, since ACI/1 binds none to
 * a session: hardware-proven, not fresh for this session (the warn
 * aci.session.audit.gpu.freshness); deep_audit_binding is then skipped
 * (not required). A report, or no GPU payload, under the NVIDIA label
 * fails. Other evidence: both checks
 * skipped (not required) with the reason. The session's typed claims stay
 * unverified facts; what the audit proved is reported apart
 * (aci.session.audit.*). docs/checks.md.
 *
 * @param ctx the context.
 * @param[out] out receives the result; NULL on error.
 * @param session the document bytes (at most 16 MiB).
 * @param session_len bytes at session.
 * @param expected_id the id a receipt cited or the client pinned (64
 *        lowercase hex), or NULL (aci.session.id is then skipped).
 * @param ev verification material for the evidence (collateral, GPU
 *        inputs, online settings); may be NULL (offline, nothing supplied).
 * @param policy the policy for the upstream's evidence; NULL = defaults.
 * @param[out] err may be NULL.
 * @return TEEATTEST_OK when the checks ran (read the verdict);
 *         TEEATTEST_E_INVALID_ARG; TEEATTEST_E_TOO_LARGE; TEEATTEST_E_JSON;
 *         TEEATTEST_E_NOMEM.
 * Ownership: new reference, release with teeattest_result_free().
 * @since 1.0
 */
TEEATTEST_API int teeattest_aci_session_audit(
    teeattest_ctx *ctx, teeattest_result **out, const uint8_t *session,
    size_t session_len, const char *expected_id, teeattest_evidence *ev,
    const teeattest_policy *policy, teeattest_error *err);

#ifdef __cplusplus
}
#endif

#endif /* TEEATTEST_ACI_H */
