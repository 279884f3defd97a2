/**
 * @file
 * libteeattest: response signatures.
 *
 * SPDX-License-Identifier: Apache-2.0
 *
 * Confidential-AI providers sign each chat exchange. The signed `text` is
 * "<sha256(request) hex>:<sha256(response) hex>", or
 * "<model>:<sha256(request) hex>:<sha256(response) hex>", where the hashes
 * are over the exact bytes that went over the wire. The signature is either
 * an Ethereum personal_sign (EIP-191, secp256k1, 65 bytes r||s||v) whose
 * signer is a 20-byte address, or Ed25519 (64 bytes) whose signer is a
 * 32-byte public key. See docs/signatures.md.
 *
 * A teeattest_signature is an immutable, parsed signature record.
 */
#ifndef TEEATTEST_SIGNATURE_H
#define TEEATTEST_SIGNATURE_H

#include "teeattest/common.h"
#include "teeattest/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Signing algorithms. @since 1.0 */
typedef enum teeattest_sig_algo {
    TEEATTEST_SIG_ECDSA = 1,   /**< secp256k1, EIP-191 personal_sign */
    TEEATTEST_SIG_ED25519 = 2  /**< Ed25519 over the text bytes */
} teeattest_sig_algo;

/**
 * Who produced a signature, as the record's `signature_kind` member says
 * (NEAR AI cloud-api). The kind fixes the signed text's form and, when
 * verifying against an attested report, whose key must have signed:
 * see docs/signatures.md. @since 1.0
 */
typedef enum teeattest_sig_kind {
    /** The record names no kind (legacy records, other providers): either
     *  text form, and either attested key (model or gateway). */
    TEEATTEST_SIG_KIND_NONE = 0,
    /** "provider_tee": signed inside the model-serving TEE over
     *  "<model>:<sha256(request)>:<sha256(response)>", by the key of the
     *  attested model entry. */
    TEEATTEST_SIG_KIND_PROVIDER_TEE = 1,
    /** "gateway": signed by the gateway TEE over
     *  "<sha256(request)>:<sha256(response)>", by the attested gateway's
     *  key. */
    TEEATTEST_SIG_KIND_GATEWAY = 2
} teeattest_sig_kind;

/** Size of a buffer that holds any signer string plus its NUL: an ECDSA
 *  address "0x" + 40 hex (43) or an Ed25519 key as 64 hex (65). */
#define TEEATTEST_SIGNER_MAX 65

/** Inputs larger than this are refused with TEEATTEST_E_TOO_LARGE. */
#define TEEATTEST_SIGNATURE_RECORD_MAX (64u * 1024u)

/**
 * @brief Parse the JSON body of a provider's signature endpoint
 *        ({"text","signature","signing_address","signing_algo"}).
 *
 * Unknown members are ignored. `signature_kind` (NEAR AI cloud-api) is
 * read when present (teeattest_signature_kind()): "provider_tee" or
 * "gateway", exactly; any other string or type is TEEATTEST_E_JSON (where
 * "signature_kind"); a JSON null counts as absent. A kind that contradicts
 * the text's form (provider_tee needs "model:req:resp", gateway
 * "req:resp") parses, and fails the check "signature.kind" when the record
 * is verified. `signing_address` and `signing_algo` are
 * optional (2024-era Phala answers have neither): without `signing_algo`
 * the algorithm follows from the signature's length (65 bytes: ecdsa, 64:
 * ed25519). Addresses are accepted in EIP-55 mixed case or lower case, with
 * "0x"; signatures with or without "0x".
 *
 * @param[out] out new record; NULL on failure.
 * @param json the body bytes (need not be NUL-terminated).
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG; TEEATTEST_E_TOO_LARGE;
 *         TEEATTEST_E_JSON (not a JSON object, duplicate keys, wrong member
 *         type); TEEATTEST_E_FIELD_MISSING (no text or signature);
 *         TEEATTEST_E_SIG_TEXT; TEEATTEST_E_SIG_ENCODING; TEEATTEST_E_SIG_ALGO;
 *         TEEATTEST_E_SIGNER_FORMAT; TEEATTEST_E_SIGNATURE_UNAVAILABLE (the
 *         provider answered that no signature exists, e.g. NEAR's
 *         "STREAM_DISCONNECTED"); TEEATTEST_E_NOMEM.
 * Ownership: new reference (keeps ctx alive); free with
 * teeattest_signature_free(). Thread safety: safe on a shared ctx.
 * @param ctx the context; the new object keeps a reference to it.
 * @param json_len length of `json` in bytes.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_signature_parse_json(teeattest_ctx *ctx,
                                                 teeattest_signature **out,
                                                 const uint8_t *json,
                                                 size_t json_len,
                                                 teeattest_error *err);

/**
 * @brief Build a record from the HTTP response headers that carry it
 *        (io.net style: `text`, `signature`, `signing_address`,
 *        `signing_algo`), given as a raw header block: lines of
 *        "Name: value" separated by LF or CRLF; names are matched without
 *        regard to case; a status line and other headers are ignored.
 * @return as teeattest_signature_parse_json(), with
 *         TEEATTEST_E_PARSE for a malformed header line.
 * @param ctx the context; the new object keeps a reference to it.
 * @param out receives the new object (a new reference); NULL on failure.
 * @param headers the raw header block (need not be NUL-terminated).
 * @param headers_len length of `headers` in bytes.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_signature_parse_headers(teeattest_ctx *ctx,
                                                    teeattest_signature **out,
                                                    const char *headers,
                                                    size_t headers_len,
                                                    teeattest_error *err);

/**
 * @brief Build a record from its fields.
 * @param text the signed text. @param signature hex, optional "0x".
 * @param signing_address may be NULL. @param signing_algo "ecdsa",
 *        "ed25519", or NULL to infer from the signature length.
 * @return as teeattest_signature_parse_json().
 * @param ctx the context; the new object keeps a reference to it.
 * @param out receives the new object (a new reference); NULL on failure.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_signature_new(teeattest_ctx *ctx,
                                          teeattest_signature **out,
                                          const char *text,
                                          const char *signature,
                                          const char *signing_address,
                                          const char *signing_algo,
                                          teeattest_error *err);

/** @brief Take one more reference. @return sig.
 * @param sig the handle; NULL returns NULL.
 * @since 1.0 */
TEEATTEST_API teeattest_signature *teeattest_signature_ref(
    teeattest_signature *sig);

/** @brief Drop one reference. NULL is a no-op.
 * @param sig the handle to release; NULL is a no-op.
 * @since 1.0 */
TEEATTEST_API void teeattest_signature_free(teeattest_signature *sig);

/** @brief TEEATTEST_SIG_ECDSA or TEEATTEST_SIG_ED25519 (0 for NULL).
 * @param sig the signature record.
 * @return a teeattest_sig_algo value, or 0 for NULL.
 * @since 1.0 */
TEEATTEST_API int32_t teeattest_signature_algo(const teeattest_signature *sig);

/** @brief The record's `signature_kind`: TEEATTEST_SIG_KIND_PROVIDER_TEE,
 *         TEEATTEST_SIG_KIND_GATEWAY, or TEEATTEST_SIG_KIND_NONE when the
 *         record names none (or for NULL).
 * @param sig the signature record.
 * @return a teeattest_sig_kind value.
 * @since 1.0 */
TEEATTEST_API int32_t teeattest_signature_kind(const teeattest_signature *sig);

/** @brief The signed text exactly as received. Borrowed.
 * @param sig the signature record.
 * @return the text (borrowed).
 * @since 1.0 */
TEEATTEST_API const char *teeattest_signature_text(
    const teeattest_signature *sig);

/** @brief The model named by a three-part text, or NULL. Borrowed.
 * @param sig the signature record.
 * @return the model (borrowed), or NULL.
 * @since 1.0 */
TEEATTEST_API const char *teeattest_signature_model(
    const teeattest_signature *sig);

/** @brief The signed request hash, 64 lower-case hex. Borrowed.
 * @param sig the signature record.
 * @return the hash (borrowed).
 * @since 1.0 */
TEEATTEST_API const char *teeattest_signature_request_hash(
    const teeattest_signature *sig);

/** @brief The signed response hash, 64 lower-case hex. Borrowed.
 * @param sig the signature record.
 * @return the hash (borrowed).
 * @since 1.0 */
TEEATTEST_API const char *teeattest_signature_response_hash(
    const teeattest_signature *sig);

/**
 * @brief The signer the record claims, normalised ("0x" + 40 lower-case
 *        hex for ecdsa, 64 lower-case hex for ed25519), or NULL when the
 *        record names none. A claim, not a verified fact. Borrowed.
 * @param sig the signature record.
 * @return the claimed signer (borrowed), or NULL.
 * @since 1.0
 */
TEEATTEST_API const char *teeattest_signature_claimed_signer(
    const teeattest_signature *sig);

/**
 * @brief Recover the ECDSA signer's address from the signature and text
 *        alone (EIP-191 digest, secp256k1 recovery).
 * @param[out] buf receives "0x" + 40 lower-case hex + NUL.
 * @param buf_size at least 43 (TEEATTEST_SIGNER_MAX is always enough).
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG; TEEATTEST_E_BUFFER_TOO_SMALL;
 *         TEEATTEST_E_UNSUPPORTED (an Ed25519 record: Ed25519 does not
 *         allow recovery); TEEATTEST_E_RECOVER_FAILED; TEEATTEST_E_CRYPTO.
 * Thread safety: safe.
 * @param sig the signature record.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_signature_recover(const teeattest_signature *sig,
                                              char *buf, size_t buf_size,
                                              teeattest_error *err);

/**
 * @brief Write the record as a signature-endpoint JSON object
 *        {"text","signature","signing_address","signing_algo"} (plus
 *        "signature_kind" when the record has one), whatever
 *        form it was parsed from, so that it can be saved and parsed again
 *        with teeattest_signature_parse_json(). The text is written byte
 *        for byte; an ECDSA signature as "0x" + r||s||v with v = 27 or 28
 *        (equivalent to a record that used v = 0 or 1); signing_address only
 *        when the record named one.
 * @param[out] buf receives the JSON and a NUL; may be NULL when buf_size
 *             is 0 (to ask for the length).
 * @param[out] len the JSON's length without the NUL, also when the buffer
 *             is too small.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG;
 *         TEEATTEST_E_BUFFER_TOO_SMALL (*len says how much is needed: pass
 *         at least *len + 1); TEEATTEST_E_NOMEM.
 * Thread safety: safe.
 * @param sig the signature record.
 * @param buf_size the size of buf in bytes.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_signature_to_json(const teeattest_signature *sig,
                                              char *buf, size_t buf_size,
                                              size_t *len,
                                              teeattest_error *err);

/**
 * @brief Verify a chat exchange against a signature record.
 *
 * Checks, in order (names in docs/checks.md): the request and response
 * hashes over the exact bytes given, the model of a three-part text, the
 * text's form against the record's signature_kind (when it has one), the
 * cryptographic signature (ECDSA recovery with the low-s rule, or Ed25519),
 * the signer the record claims, and the expected signer.
 *
 * @param[out] out the result; TEEATTEST_OK means the verification ran,
 *             read the verdict from the result.
 * @param policy may be NULL for the defaults.
 * @param expected_signer the signer the caller trusts: an address ("0x" +
 *        40 hex, any case) or an Ed25519 key (64 hex). May be NULL; then
 *        the check "signature.signer.expected" is skipped, which fails the
 *        verdict unless the policy does not require a signer.
 * @param request the exact request body bytes sent (may be NULL if len 0).
 * @param response the exact response body bytes received.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG; TEEATTEST_E_SIGNER_FORMAT
 *         (expected_signer malformed, or of the other algorithm);
 *         TEEATTEST_E_NOMEM.
 * Ownership: *out is a new reference. Thread safety: safe.
 * @param sig the signature record.
 * @param request_len length of `request` in bytes.
 * @param response_len length of `response` in bytes.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_signature_verify(const teeattest_signature *sig,
                                             teeattest_result **out,
                                             const teeattest_policy *policy,
                                             const char *expected_signer,
                                             const uint8_t *request,
                                             size_t request_len,
                                             const uint8_t *response,
                                             size_t response_len,
                                             teeattest_error *err);

/**
 * @brief Verify a chat exchange against the signer a verified report
 *        attests: teeattest_signature_verify() with the expected signer
 *        taken from `attestation` (a result of teeattest_report_verify()),
 *        as the record's kind says: provider_tee the model entry's key
 *        (the non-gateway entry whose "entry[i].signer" the record claims,
 *        else the "signer" fact), gateway the "signer.gateway" fact; a
 *        record without a kind the gateway's key when that key signed it,
 *        else the model's. Adds signature.kind (a skip without a kind) and
 *        signature.signer.role, which fails naming both keys when the
 *        signer is not that role's key; the fact signer_role says whose
 *        key signed. Adds the check signature.attestation, which passes
 *        only when the attestation's verdict is verified and it names a
 *        signer of the signature's algorithm; the facts signer_source
 *        ("attestation") and attestation_checked (true) say so.
 * @return as teeattest_signature_verify(); TEEATTEST_E_INVALID_ARG for a
 *         NULL attestation.
 * @param sig the signature record.
 * @param out receives the new object (a new reference); NULL on failure.
 * @param policy the policy; NULL = the defaults (docs/policy.md).
 * @param attestation a result of teeattest_report_verify() (or of
 *        teeattest_bundle_verify()).
 * @param request the exact request body bytes sent.
 * @param request_len length of `request` in bytes.
 * @param response the exact response body bytes received.
 * @param response_len length of `response` in bytes.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_signature_verify_attested(
    const teeattest_signature *sig, teeattest_result **out,
    const teeattest_policy *policy, const teeattest_result *attestation,
    const uint8_t *request, size_t request_len, const uint8_t *response,
    size_t response_len, teeattest_error *err);

#ifdef __cplusplus
}
#endif

#endif /* TEEATTEST_SIGNATURE_H */
