/**
 * @file
 * libteeattest: Sigstore bundle verification, offline, against a trusted
 * root the caller gives (a Sigstore `trusted_root.json`) or the shipped
 * default, the Sigstore public-good production root compiled into the
 * library (data/sigstore/README.md; nothing is fetched). A bundle
 * (media types `application/vnd.dev.sigstore.bundle+json;version=0.1` to
 * `0.3` and `application/vnd.dev.sigstore.bundle.v0.3+json`) signs an
 * artifact with a Fulcio certificate (identity and OIDC issuer checked) or
 * with a managed key, as a message signature or a DSSE envelope holding an
 * in-toto statement, and carries its transparency log entries.
 *
 * The checks are `sigstore.*` (docs/checks.md, docs/sigstore.md).
 * Thread safety: the function only reads its inputs; a context may be
 * shared.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TEEATTEST_SIGSTORE_H
#define TEEATTEST_SIGSTORE_H

#include "teeattest/common.h"
#include "teeattest/status.h"
#include "teeattest/result.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Flag of teeattest_sigstore_verify_bundle(): `identity` is a POSIX
 *  extended regular expression that must match a whole subjectAltName. */
#define TEEATTEST_SIGSTORE_IDENTITY_REGEXP 0x1u
/** Flag of teeattest_sigstore_verify_bundle(): `issuer` is a POSIX
 *  extended regular expression that must match the whole OIDC issuer. */
#define TEEATTEST_SIGSTORE_ISSUER_REGEXP 0x2u

/**
 * @brief Verify a Sigstore bundle for an artifact against a trusted root.
 *
 * The result's checklist holds one `sigstore.*` check per step: the
 * bundle and trusted root parse, the signing certificate chains to a
 * certificate authority of the trusted root at the signing time (the
 * integrated time of a verified Rekor v1 signed entry timestamp or a
 * trusted RFC 3161 timestamp) with an SCT of a trusted CT log, its
 * identity and issuer match, the signature verifies over the artifact (or
 * the DSSE envelope's PAE, whose in-toto statement must name the artifact's
 * SHA-256 as a subject), and every transparency log entry matches the
 * bundle, is signed by a log of the trusted root and proven included
 * (RFC 6962 proof and signed checkpoint). A bundle or trusted root that
 * does not parse gives a failed result, not an error.
 *
 * @param ctx context (allocator, clock: the current time bounds the
 *        integrated times, crypto backend).
 * @param[out] out receives the result (verdict and checks); free with
 *        teeattest_result_free().
 * @param bundle the bundle's JSON bytes.
 * @param bundle_len length of `bundle`.
 * @param trusted_root the trusted_root.json bytes; NULL (with
 *        `trusted_root_len` 0) for the shipped default, which the
 *        `sigstore.trusted_root` check then names. Its keys' validity
 *        windows are judged at the signing time and the context's clock
 *        bounds the signing time, as for a given root: a bundle signed by
 *        a CA or log the default does not know, or outside its windows,
 *        fails.
 * @param trusted_root_len length of `trusted_root`; 0 when it is NULL.
 * @param artifact the signed artifact (for a DSSE envelope, a subject of
 *        its in-toto statement); NULL to give `artifact_sha256` instead.
 * @param artifact_len length of `artifact`.
 * @param artifact_sha256 the artifact's 32-byte SHA-256 when `artifact`
 *        is NULL; ignored otherwise.
 * @param identity the expected certificate identity (subjectAltName), or
 *        a regular expression with TEEATTEST_SIGSTORE_IDENTITY_REGEXP;
 *        NULL when `key_pem` is given.
 * @param issuer the expected OIDC issuer, or a regular expression with
 *        TEEATTEST_SIGSTORE_ISSUER_REGEXP; NULL when `key_pem` is given.
 * @param flags TEEATTEST_SIGSTORE_* flags, 0 for exact matches.
 * @param key_pem a PEM public key ("PUBLIC KEY") for bundles signed with a
 *        managed key; NULL for Fulcio certificates.
 * @param key_pem_len length of `key_pem`.
 * @param err optional error detail; may be NULL.
 * @return TEEATTEST_OK when a result was produced (check its verdict);
 *         TEEATTEST_E_INVALID_ARG (missing input, `trusted_root` NULL with
 *         a non-zero length, neither identity and issuer nor a key, or
 *         unknown flags); TEEATTEST_E_NOMEM.
 * Ownership: the caller owns *out.
 * @since 1.0
 */
TEEATTEST_API int teeattest_sigstore_verify_bundle(
    teeattest_ctx *ctx, teeattest_result **out, const uint8_t *bundle,
    size_t bundle_len, const uint8_t *trusted_root, size_t trusted_root_len,
    const uint8_t *artifact, size_t artifact_len,
    const uint8_t *artifact_sha256, const char *identity, const char *issuer,
    uint32_t flags, const uint8_t *key_pem, size_t key_pem_len,
    teeattest_error *err);

#ifdef __cplusplus
}
#endif

#endif /* TEEATTEST_SIGSTORE_H */
