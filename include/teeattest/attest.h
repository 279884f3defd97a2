/**
 * @file
 * libteeattest: end-to-end verification of attestation reports.
 *
 * SPDX-License-Identifier: Apache-2.0
 *
 * teeattest_report_verify() answers the question users have: did this
 * report come from an attested TEE running this software, holding this
 * key, and is it fresh? For each entry of a report (a serving node; for
 * two-layer reports the gateway and the model) it verifies the TDX quote
 * (teeattest/tdx.h), the GPU evidence (teeattest/gpu.h), the report_data
 * binding of the signing key, the nonce and the TLS key, the software
 * identity (event log replay to RTMR0-3, compose hash, MRCONFIGID) and the
 * policy's pins, and returns one checklist (names in docs/checks.md).
 *
 * A teeattest_evidence holds the material a verification needs beyond the
 * report itself: TDX collateral, NRAS answers per entry, RIMs / OCSP /
 * JWKS (its GPU inputs), the TLS key of the connection, Chutes' E2EE
 * instance list, and which services may be called. Whatever a verification
 * fetches is added to it, so that it can be saved in an evidence bundle
 * and verified again offline (docs/bundle.md).
 *
 * Thread safety: a teeattest_evidence is not synchronised. Verifications
 * that share one must not run at the same time; give each thread its own
 * (they may share the collateral and GPU material objects added to them).
 */
#ifndef TEEATTEST_ATTEST_H
#define TEEATTEST_ATTEST_H

#include "teeattest/common.h"
#include "teeattest/gpu.h"
#include "teeattest/provider.h"
#include "teeattest/status.h"
#include "teeattest/tdx.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Verification material for reports. @since 1.0 */
typedef struct teeattest_evidence teeattest_evidence;

/** Value of teeattest_report_verify()'s `entry`: every entry. */
#define TEEATTEST_ENTRY_ALL ((size_t)-1)

/** Items of an evidence object that are bytes (stable numbers). */
typedef enum teeattest_evidence_item {
    /** The NRAS answer for one entry's GPU evidence (JSON as returned). */
    TEEATTEST_EVIDENCE_NRAS_RESPONSE = 1,
    /** DER SubjectPublicKeyInfo of the TLS connection that delivered the
     *  report (whole report, entry ignored). Replaces the key the report
     *  recorded when it was fetched. */
    TEEATTEST_EVIDENCE_TLS_SPKI = 2,
    /** Chutes' `GET /e2e/instances/{chute}` answer (whole report): the
     *  instances' E2EE public keys, which Chutes binds into report_data. */
    TEEATTEST_EVIDENCE_E2E_INSTANCES = 3,
    /** The compose file NEAR's compose manager deployed (whole report):
     *  its SHA-256 must equal a current compose_up action's file_sha256;
     *  the model it serves is then checked by identity.model
     *  (docs/providers.md, "Model binding"). @since 1.0 */
    TEEATTEST_EVIDENCE_MODEL_COMPOSE = 4
} teeattest_evidence_item;

/** Services teeattest_report_verify() may call (mask bits). */
#define TEEATTEST_ONLINE_PCCS 0x0001u /**< fetch missing TDX collateral */
/** Fetch the compose file NEAR's compose manager last deployed when none is
 *  supplied (TEEATTEST_EVIDENCE_MODEL_COMPOSE), for identity.model: GET
 *  `<base>/<commit>/<file>` (base: TEEATTEST_MODEL_FILES_URL or
 *  teeattest_evidence_set_url()). Its SHA-256 is checked against the
 *  attested action, so the server is not trusted. @since 1.0 */
#define TEEATTEST_ONLINE_MODEL_FILES 0x0002u

/** Fetch Sigstore bundles for the images of a verified app_compose from
 *  each image's registry (docs/provenance.md): the OCI referrers API
 *  (`/v2/<repo>/referrers/<digest>`), then the `sha256-<hex>.att` and
 *  `.sig` tags. Base URL: `https://<registry>` of the image name, or one
 *  for every registry set with teeattest_evidence_set_url() (a mirror, or
 *  the simulator). A bundle counts only when its in-toto subject is the
 *  digest, so the registry is not trusted. @since 1.0 */
#define TEEATTEST_ONLINE_IMAGE_REGISTRY 0x0004u

/** Discover the Tinfoil release a policy names by repository
 *  (teeattest_policy_set_tinfoil_release_repo()) when no release bundle is
 *  given: GET `<base>/repos/OWNER/NAME/releases/latest` (or
 *  `/releases/tags/TAG`), the release's `tinfoil.hash` asset
 *  (`<download>/OWNER/NAME/releases/download/TAG/tinfoil.hash`, one
 *  redirect followed) and the GitHub attestation of that digest
 *  (`<base>/repos/OWNER/NAME/attestations/sha256:DIGEST`,
 *  `attestations[0].bundle`), which is added to the evidence's Sigstore
 *  bundles. Base: TEEATTEST_TINFOIL_RELEASE_URL with downloads from
 *  `https://github.com`, or one URL serving both set with
 *  teeattest_evidence_set_url() (a mirror such as Tinfoil's
 *  api-github-proxy, or the simulator). Nothing fetched is trusted: the
 *  bundle must verify against the Sigstore trusted root, name the digest
 *  and be signed by the repository's workflow at the release's tag
 *  (docs/providers.md, "Tinfoil releases"). @since 1.0 */
#define TEEATTEST_ONLINE_TINFOIL_RELEASE 0x0008u

/** Default base URL of TEEATTEST_ONLINE_MODEL_FILES: the repository NEAR's
 *  compose manager deploys from (its GITHUB_REPO), as raw files. */
#define TEEATTEST_MODEL_FILES_URL \
    "https://raw.githubusercontent.com/nearai/cvm-compose-files"

/** Default base URL of TEEATTEST_ONLINE_TINFOIL_RELEASE: GitHub's REST
 *  API (release assets then come from `https://github.com`). @since 1.0 */
#define TEEATTEST_TINFOIL_RELEASE_URL "https://api.github.com"

/**
 * @brief Create an empty evidence object: offline, nothing supplied.
 * @return TEEATTEST_OK, TEEATTEST_E_INVALID_ARG, TEEATTEST_E_NOMEM.
 * Ownership: new reference (keeps ctx alive).
 * @param ctx the context; the new object keeps a reference to it.
 * @param out receives the new object (a new reference); NULL on failure.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_evidence_new(teeattest_ctx *ctx,
                                         teeattest_evidence **out,
                                         teeattest_error *err);

/** @brief Take one more reference; returns ev (NULL-safe).
 * @param ev the handle; NULL returns NULL.
 * @return the same handle (NULL for NULL).
 * @since 1.0 */
TEEATTEST_API teeattest_evidence *teeattest_evidence_ref(
    teeattest_evidence *ev);

/** @brief Drop one reference. NULL is a no-op.
 * @param ev the handle to release; NULL is a no-op.
 * @since 1.0 */
TEEATTEST_API void teeattest_evidence_free(teeattest_evidence *ev);

/**
 * @brief Add TDX collateral (a reference is taken). Each quote is verified
 *        with the collateral whose TCB Info is for its FMSPC and whose PCK
 *        CRL is for its PCK CA; several platforms may be added.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG (NULL, another context);
 *         TEEATTEST_E_TOO_LARGE past 64 collaterals; TEEATTEST_E_NOMEM.
 * @param ev the evidence object.
 * @param col collateral of the same context; a reference is taken.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_evidence_add_collateral(teeattest_evidence *ev,
                                                    teeattest_collateral *col,
                                                    teeattest_error *err);

/** @brief Number of collaterals (supplied and fetched).
 * @param ev the evidence object.
 * @return the number of collaterals; 0 for NULL.
 * @since 1.0 */
TEEATTEST_API size_t teeattest_evidence_collateral_count(
    const teeattest_evidence *ev);

/** @brief Collateral `index` in the order added (fetched ones are added
 *         when fetched). Borrowed; NULL past the end.
 * @param ev the evidence object.
 * @param index 0-based index.
 * @return the collateral (borrowed, lives as long as ev), or NULL when
 *         index is out of range.
 * @since 1.0 */
TEEATTEST_API teeattest_collateral *teeattest_evidence_collateral(
    const teeattest_evidence *ev, size_t index);

/**
 * @brief Set (copy) or, with data NULL, remove an item.
 * @param entry the report entry (TEEATTEST_EVIDENCE_NRAS_RESPONSE); ignored
 *        for whole-report items.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG (unknown item, entry past
 *         255); TEEATTEST_E_TOO_LARGE (over 16 MiB); TEEATTEST_E_NOMEM.
 * @param ev the evidence object.
 * @param item a teeattest_evidence_item value.
 * @param data the bytes to copy, or NULL to remove the item.
 * @param len length of `data` in bytes.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_evidence_set(teeattest_evidence *ev, int32_t item,
                                         size_t entry, const uint8_t *data,
                                         size_t len, teeattest_error *err);

/**
 * @brief Read an item (supplied, or fetched by a verification). Borrowed:
 *        valid until the item is replaced or ev is freed.
 * @return TEEATTEST_OK; TEEATTEST_E_NOT_FOUND; TEEATTEST_E_INVALID_ARG.
 * @param ev the evidence object.
 * @param item a teeattest_evidence_item value.
 * @param entry the report entry (per-entry items); ignored for
 *        whole-report items.
 * @param data receives the bytes. Borrowed.
 * @param len receives their length.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_evidence_get(const teeattest_evidence *ev,
                                         int32_t item, size_t entry,
                                         const uint8_t **data, size_t *len,
                                         teeattest_error *err);

/**
 * @brief The GPU material shared by every entry: RIMs, OCSP answers, JWKS
 *        documents, online services, URLs and service key (teeattest/gpu.h).
 *        NRAS answers are per entry (TEEATTEST_EVIDENCE_NRAS_RESPONSE):
 *        one added here with teeattest_gpu_inputs_add() is ignored by
 *        report verification. Borrowed; lives as long as ev.
 * @param ev the evidence object.
 * @return the GPU inputs object (borrowed), or NULL when ev is NULL.
 * @since 1.0
 */
TEEATTEST_API teeattest_gpu_inputs *teeattest_evidence_gpu_inputs(
    teeattest_evidence *ev);

/**
 * @brief Allow fetching missing TDX collateral (and, with
 *        TEEATTEST_ONLINE_MODEL_FILES, a model's compose file): a mask of
 *        TEEATTEST_ONLINE_* bits, and the PCS/PCCS base URL (NULL: Intel
 *        PCS). The GPU
 *        services are set on teeattest_evidence_gpu_inputs(). Default:
 *        offline.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG (unknown bits, URL not
 *         http(s)); TEEATTEST_E_NOMEM.
 * @param ev the evidence object.
 * @param services a mask of TEEATTEST_ONLINE_* bits; 0 = offline.
 * @param pccs_url base URL of the PCCS or PCS to fetch from; NULL = Intel PCS.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_evidence_set_online(teeattest_evidence *ev,
                                                uint32_t services,
                                                const char *pccs_url,
                                                teeattest_error *err);

/**
 * @brief Add a Sigstore bundle (JSON) for image provenance
 *        (docs/provenance.md): whole-report material, matched to the images
 *        of a verified app_compose by its in-toto statement's subject
 *        digest. The bytes are copied; fetched bundles are added the same
 *        way. At most 64 bundles of at most 4 MiB each.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG (NULL, empty, too large
 *         or one too many); TEEATTEST_E_NOMEM.
 * @param ev the evidence object.
 * @param bundle the bundle's JSON bytes.
 * @param len length of `bundle`.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_evidence_add_sigstore_bundle(
    teeattest_evidence *ev, const uint8_t *bundle, size_t len,
    teeattest_error *err);

/**
 * @brief Number of Sigstore bundles of teeattest_evidence_add_sigstore_bundle()
 *        (supplied or fetched).
 * @param ev the evidence object.
 * @return the count; 0 for NULL.
 * @since 1.0
 */
TEEATTEST_API size_t teeattest_evidence_sigstore_bundle_count(
    const teeattest_evidence *ev);

/**
 * @brief Read Sigstore bundle `index`. Borrowed: valid until ev is freed.
 * @return TEEATTEST_OK; TEEATTEST_E_NOT_FOUND (index out of range);
 *         TEEATTEST_E_INVALID_ARG.
 * @param ev the evidence object.
 * @param index 0-based index.
 * @param data receives the bytes. Borrowed.
 * @param len receives their length.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_evidence_sigstore_bundle(
    const teeattest_evidence *ev, size_t index, const uint8_t **data,
    size_t *len, teeattest_error *err);

/**
 * @brief Base URL of one service of teeattest_evidence_set_online() (a
 *        single TEEATTEST_ONLINE_* bit): TEEATTEST_ONLINE_PCCS the PCS/PCCS
 *        (NULL: Intel PCS; as the pccs_url of teeattest_evidence_set_online),
 *        TEEATTEST_ONLINE_MODEL_FILES the compose files (NULL:
 *        TEEATTEST_MODEL_FILES_URL), TEEATTEST_ONLINE_IMAGE_REGISTRY the
 *        registry of every image (NULL: each image's own registry),
 *        TEEATTEST_ONLINE_TINFOIL_RELEASE the GitHub API and release
 *        downloads (NULL: TEEATTEST_TINFOIL_RELEASE_URL and
 *        `https://github.com`). The services themselves are turned on
 *        by teeattest_evidence_set_online().
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG (NULL ev, not exactly one
 *         known bit, URL not http(s)); TEEATTEST_E_NOMEM.
 * @param ev the evidence object.
 * @param service one TEEATTEST_ONLINE_* bit.
 * @param url the base URL (copied), or NULL for the default.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_evidence_set_url(teeattest_evidence *ev,
                                             uint32_t service, const char *url,
                                             teeattest_error *err);

/**
 * @brief Verify a report end to end.
 *
 * Per entry (check names prefixed "entry[i]."; docs/checks.md): the TDX
 * quote with collateral from `ev` (or fetched), the report_data layout the
 * dialect and entry contents call for (L1/L2 dstack, NEAR compose manager,
 * io.net, Chutes, Tinfoil: providers.md section 3), the nonce (freshness),
 * the TLS key binding, the signing key, the event log replay and compose
 * hash, the policy's software pins and the GPU evidence. Report-wide
 * checks: report.entries (fails on two entries with the same quote or the
 * same signer, whichever entry is chosen), report.freshness, report.age,
 * report.consistency (a top level that repeats an entry's fields repeats
 * the verified entry exactly).
 *
 * The verdict is verified only if every required check passed. A failed
 * fetch (collateral, NRAS, RIM, OCSP) is a failed or skipped check, never
 * an error return. Facts: "signer" and "signing_algo" (of the model entry
 * for two-layer reports, else of the single or chosen entry; absent when
 * several nodes were verified and no entry was chosen: signatures are then
 * matched to the entry whose signer the record claims, unique since
 * signers are distinct), "entries", and
 * per entry "entry[i].signer", "entry[i].role", "entry[i].tdx.status",
 * "entry[i].app_id", "entry[i].compose_hash", "entry[i].os_image_hash",
 * "entry[i].images", ... When the verdict is failed every fact is renamed
 * "unverified.<name>" (diagnostics only), and "entry[i].model" (from
 * model_name, which nothing binds) is always "unverified.entry[i].model";
 * with an expected model (teeattest_policy_set_expected_model) the check
 * identity.model reads the served model from verified data and, when it
 * passes, adds "entry[i].model".
 * Read the signer to check response signatures against with
 * teeattest_result_verified_signer(), which returns it only from a
 * verified result.
 *
 * @param entry an entry index, or TEEATTEST_ENTRY_ALL.
 * @param ev verification material, may be NULL (offline, nothing
 *        supplied); fetched material is added to it.
 * @param nonce the 32-byte nonce the caller sent, or NULL for the nonce the
 *        report was fetched with (teeattest_report_fetch()); a parsed
 *        report without one then fails report.freshness.
 * @return TEEATTEST_OK whenever verification ran (read the verdict);
 *         TEEATTEST_E_INVALID_ARG (NULL, entry out of range, nonce_len not
 *         32, objects of another context); TEEATTEST_E_NOMEM.
 * Ownership: *out is a new result. Thread safety: see above for ev.
 * @param ctx the context; the new object keeps a reference to it.
 * @param out receives the new object (a new reference); NULL on failure.
 * @param report the report (fetched or parsed).
 * @param policy the policy; NULL = the defaults (docs/policy.md).
 * @param nonce_len length of `nonce` in bytes.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_report_verify(teeattest_ctx *ctx,
                                          teeattest_result **out,
                                          const teeattest_report *report,
                                          size_t entry,
                                          teeattest_evidence *ev,
                                          const teeattest_policy *policy,
                                          const uint8_t *nonce,
                                          size_t nonce_len,
                                          teeattest_error *err);

#ifdef __cplusplus
}
#endif

#endif /* TEEATTEST_ATTEST_H */
