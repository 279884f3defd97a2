/**
 * @file
 * libteeattest: Intel TDX quote verification (DCAP).
 *
 * SPDX-License-Identifier: Apache-2.0
 *
 * teeattest_tdx_verify() verifies a TDX quote (v4, or v5 with a TD report
 * 1.0 or 1.5) against Intel's collateral, every step of Intel's DCAP
 * verification in Intel's semantics: the PCK certificate chain to the Intel
 * SGX Root CA compiled into the library, the root CA and PCK CRLs, the PCK
 * SGX extension, the TCB Info and QE Identity signatures over their exact
 * signed bytes, the QE report and its binding to the attestation key, the
 * quote signature, the TDX module identity, TCB level selection, status
 * convergence and the TD relaunch rule. Each step is one check in the
 * result (docs/checks.md, names "tdx.*"); the TCB status, advisory IDs,
 * collateral expiry and the TD's measurements are facts of the result.
 *
 * Collateral is an immutable, reference-counted teeattest_collateral,
 * loaded from files (the PCS raw directory layout or dcap-qvl's single
 * JSON form) or fetched from Intel PCS / any PCCS through the context's
 * transport. The parts of a verification that depend only on the
 * collateral (issuer chains, CRLs, TCB Info and QE Identity signatures)
 * are verified once per collateral object and trust anchor and remembered
 * in it, so verifying many quotes with one collateral object only repeats
 * what is specific to each quote. Fetched collateral is also cached in the
 * context (per base URL, FMSPC and PCK CA) until it expires.
 *
 * Thread safety: collateral objects are immutable and may be shared by
 * threads; teeattest_tdx_verify() may run concurrently on one context.
 */
#ifndef TEEATTEST_TDX_H
#define TEEATTEST_TDX_H

#include "teeattest/common.h"
#include "teeattest/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Verified collateral for one platform family (FMSPC, PCK CA).
 *  Immutable; reference counted. @since 1.0 */
typedef struct teeattest_collateral teeattest_collateral;

/** Largest quote accepted, in bytes (real quotes are about 5 KB). */
#define TEEATTEST_TDX_QUOTE_MAX (1u << 20)

/** Default collateral service: Intel's Provisioning Certification Service. */
#define TEEATTEST_INTEL_PCS_URL "https://api.trustedservices.intel.com"

/**
 * TCB statuses in Intel's terms (the final status after convergence of
 * the platform, TDX module and QE statuses and the TD relaunch rule).
 * Stable numbers; used as bit positions by TEEATTEST_TDX_STATUS_BIT().
 */
enum teeattest_tdx_status {
    TEEATTEST_TDX_STATUS_NONE = 0,        /**< not determined (a check failed first) */
    TEEATTEST_TDX_UP_TO_DATE = 1,         /**< UpToDate */
    TEEATTEST_TDX_SW_HARDENING_NEEDED = 2, /**< SWHardeningNeeded */
    TEEATTEST_TDX_CONFIGURATION_NEEDED = 3, /**< ConfigurationNeeded */
    /** ConfigurationAndSWHardeningNeeded */
    TEEATTEST_TDX_CONFIGURATION_AND_SW_HARDENING_NEEDED = 4,
    TEEATTEST_TDX_OUT_OF_DATE = 5,        /**< OutOfDate */
    /** OutOfDateConfigurationNeeded */
    TEEATTEST_TDX_OUT_OF_DATE_CONFIGURATION_NEEDED = 6,
    /** TDRelaunchAdvised: the TDX module was updated after the TD
     *  launched; relaunching the TD would bring it up to date */
    TEEATTEST_TDX_TD_RELAUNCH_ADVISED = 7,
    /** TDRelaunchAdvisedConfigurationNeeded */
    TEEATTEST_TDX_TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED = 8,
    TEEATTEST_TDX_REVOKED = 9,            /**< Revoked */
    TEEATTEST_TDX_TCB_NOT_SUPPORTED = 10  /**< no TCB level matches the platform */
};

/** Bit of a status in the mask given to teeattest_policy_set_tdx_statuses(). */
#define TEEATTEST_TDX_STATUS_BIT(s) (1u << (unsigned)(s))

/** The default accepted statuses: UpToDate and SWHardeningNeeded. */
#define TEEATTEST_TDX_STATUSES_DEFAULT                  \
    (TEEATTEST_TDX_STATUS_BIT(TEEATTEST_TDX_UP_TO_DATE) | \
     TEEATTEST_TDX_STATUS_BIT(TEEATTEST_TDX_SW_HARDENING_NEEDED))

/**
 * @brief Intel's spelling of a status ("UpToDate", "SWHardeningNeeded",
 *        ..., "TCB level not supported"), as found in the result fact
 *        "tdx.status".
 * @return a static string; "None" for TEEATTEST_TDX_STATUS_NONE and for
 *         values outside the enum.
 * Thread safety: pure.
 * @param status a teeattest_tdx_status value.
 * @since 1.0
 */
TEEATTEST_API const char *teeattest_tdx_status_name(int32_t status);

/* ---- collateral ---------------------------------------------------------- */

/**
 * @brief Load collateral from a directory in the PCS raw layout:
 *        tcb_info.json, tcb_info_issuer_chain.pem, qe_identity.json,
 *        qe_identity_issuer_chain.pem, pck_crl.der (or .pem / .hex),
 *        root_ca_crl.der (or .pem / .hex) and, optionally,
 *        pck_crl_issuer_chain.pem. The JSON files are the PCS responses
 *        as served ({"tcbInfo":{...},"signature":"..."}).
 * @param[out] out new collateral (keeps ctx alive); NULL on failure.
 * @return TEEATTEST_OK; TEEATTEST_E_IO when a required file cannot be
 *         read (the detail names it); TEEATTEST_E_TOO_LARGE;
 *         TEEATTEST_E_INVALID_ARG; TEEATTEST_E_NOMEM. A file that is
 *         present but malformed is not an error here: it fails its check
 *         at verification, so the result says which item was bad.
 * Ownership: release with teeattest_collateral_free().
 * Thread safety: safe on a shared context.
 * @param ctx the context; the new object keeps a reference to it.
 * @param dir the directory holding the PCS raw files.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_collateral_load_dir(teeattest_ctx *ctx,
                                                teeattest_collateral **out,
                                                const char *dir,
                                                teeattest_error *err);

/**
 * @brief Parse collateral from dcap-qvl's single-file JSON form
 *        (QuoteCollateralV3: tcb_info and qe_identity as their signed body
 *        strings, *_signature and the CRLs as hex, issuer chains as PEM).
 * @param json, len the document (untrusted; at most 4 MiB).
 * @param[out] out new collateral; NULL on failure.
 * @return TEEATTEST_OK, TEEATTEST_E_JSON, TEEATTEST_E_FIELD_MISSING,
 *         TEEATTEST_E_TOO_LARGE, TEEATTEST_E_INVALID_ARG, TEEATTEST_E_NOMEM.
 * Ownership: release with teeattest_collateral_free().
 * Thread safety: safe on a shared context.
 * @param ctx the context; the new object keeps a reference to it.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_collateral_parse_json(teeattest_ctx *ctx,
                                                  teeattest_collateral **out,
                                                  const uint8_t *json,
                                                  size_t len,
                                                  teeattest_error *err);

/**
 * @brief Fetch the collateral a quote needs from Intel PCS (v4 API) or a
 *        PCCS, through the context's transport.
 *
 * The FMSPC and the PCK CA ("platform" or "processor") are read from the
 * quote's PCK certificate; the quote itself is not verified here. GETs are
 * retried with backoff on transient failures. Issuer chains are taken from
 * the URL-encoded response headers; CRLs may be DER, PEM or hex. The
 * result is cached in the context per (base URL, FMSPC, CA) until the
 * earliest nextUpdate of its items, so later calls for the same platform
 * family return a new handle sharing the cached collateral (and what was
 * already verified of it) without network I/O.
 *
 * @param base_url NULL for TEEATTEST_INTEL_PCS_URL; otherwise the service
 *        root (e.g. "https://pccs.example:8081"), to which the library
 *        appends "/sgx/certification/v4/..." and "/tdx/certification/v4/...".
 * @param quote, quote_len the quote whose platform needs collateral.
 * @param[out] out new reference; NULL on failure.
 * @return TEEATTEST_OK; TEEATTEST_E_PARSE when the quote or its PCK
 *         certificate cannot be read; TEEATTEST_E_TRANSPORT,
 *         TEEATTEST_E_TIMEOUT, TEEATTEST_E_TLS, TEEATTEST_E_HTTP_STATUS
 *         (the detail names the item and the HTTP status),
 *         TEEATTEST_E_RESPONSE_TOO_LARGE; TEEATTEST_E_UNSUPPORTED when the
 *         library was built without a transport and none is configured;
 *         TEEATTEST_E_INVALID_ARG; TEEATTEST_E_NOMEM.
 * Ownership: release with teeattest_collateral_free().
 * Thread safety: safe on a shared context.
 * @param ctx the context; the new object keeps a reference to it.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_collateral_fetch(teeattest_ctx *ctx,
                                             teeattest_collateral **out,
                                             const char *base_url,
                                             const uint8_t *quote,
                                             size_t quote_len,
                                             teeattest_error *err);

/**
 * @brief Save collateral to a directory in the PCS raw layout that
 *        teeattest_collateral_load_dir() reads, e.g. as an on-disk cache
 *        of fetched collateral.
 *
 * Writes tcb_info.json and qe_identity.json with their signed bytes
 * exactly as loaded or fetched (PCS responses as served; collateral
 * parsed from dcap-qvl JSON, which holds the bare signed bodies, gets
 * the PCS envelope {"tcbInfo":BODY,"signature":"HEX"} around the
 * unchanged body), tcb_info_issuer_chain.pem and
 * qe_identity_issuer_chain.pem (PEM), pck_crl.der and root_ca_crl.der
 * (DER, whatever form they were loaded in) and, when the collateral has
 * one, pck_crl_issuer_chain.pem (a stale one is removed otherwise).
 * Loading the directory back gives collateral that verifies every quote
 * exactly like col. dir and its missing parents are created (mode 0755,
 * files 0644, less the umask: collateral is public, Intel-signed data
 * that is verified on every use). Each file is written to a temporary
 * file in dir and renamed into place, so a concurrent reader sees either
 * the old or the new file, never a partial one; a reader racing a save
 * may see old and new files side by side. Other files in dir are left
 * alone. On failure some files may already have been replaced.
 *
 * @param col collateral (not modified).
 * @param dir the target directory.
 * @return TEEATTEST_OK; TEEATTEST_E_IO when a directory or file cannot be
 *         created or written (the detail names it and gives the system
 *         error); TEEATTEST_E_PARSE when an item of col did not load
 *         (a missing or malformed issuer chain or CRL, a dcap-qvl
 *         signature that is not 128 hex digits) and so cannot be
 *         reproduced (the detail names the file); TEEATTEST_E_INVALID_ARG
 *         for NULL arguments or a path that is too long;
 *         TEEATTEST_E_NOMEM.
 * Ownership: col stays the caller's; nothing is retained.
 * Thread safety: safe on shared collateral; concurrent saves to one
 * directory (threads or processes) are safe, the last rename of each file
 * wins.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_collateral_save_dir(
    const teeattest_collateral *col, const char *dir, teeattest_error *err);

/**
 * @brief Earliest expiry (nextUpdate of the TCB Info, QE Identity and
 *        CRLs; notAfter of the issuer chains), Unix seconds; 0 if unknown
 *        or col is NULL. Thread safety: pure.
 * @param col the collateral.
 * @return the earliest expiry in Unix seconds, or 0.
 * @since 1.0
 */
TEEATTEST_API int64_t teeattest_collateral_expiry(
    const teeattest_collateral *col);

/** @brief Take one more reference; returns col (NULL-safe).
 * @param col the handle; NULL returns NULL.
 * @return the same handle (NULL for NULL).
 * @since 1.0 */
TEEATTEST_API teeattest_collateral *teeattest_collateral_ref(
    teeattest_collateral *col);

/** @brief Drop one reference. NULL is a no-op.
 * @param col the handle to release; NULL is a no-op.
 * @since 1.0 */
TEEATTEST_API void teeattest_collateral_free(teeattest_collateral *col);

/* ---- verification --------------------------------------------------------- */

/**
 * @brief Verify a TDX quote with collateral, under a policy.
 *
 * Every step runs in order and appends one check to the result ("tdx.*",
 * listed in docs/checks.md); a step that cannot run because an earlier one
 * failed is reported as skipped, and a skipped required check makes the
 * verdict "failed". The verdict is "verified" only when every step passed
 * and the final TCB status is accepted by the policy (default: UpToDate and
 * SWHardeningNeeded), the TD is not a debug TD, MRSERVICETD is zero (TD
 * report 1.5), the measurements match the policy's expected values when
 * it has any, and the collateral's tcbEvaluationDataNumber reaches the
 * policy's minimum when it sets one (teeattest_policy_set_min_tcb_eval()).
 * Facts: tdx.status, tdx.advisories, tdx.platform_status,
 * tdx.module_status, tdx.qe_status, tdx.module_id, tdx.tcb_date,
 * tdx.platform_tcb_date, tdx.tcb_info.eval_number,
 * tdx.qe_identity.eval_number, tdx.tcb_levels, tdx.tcb_level_index,
 * tdx.tcb_behind (what is below the newest TCB level, when the status is
 * not UpToDate), tdx.pck.tcb_components, tdx.pck.pcesvn, tdx.fmspc,
 * tdx.collateral.expires, tdx.quote.version, tdx.mrtd, tdx.rtmr0..3,
 * tdx.mrconfigid, tdx.mrowner, tdx.mrownerconfig, tdx.mrseam,
 * tdx.tdattributes, tdx.xfam, tdx.report_data (hex) and, for TD report
 * 1.5, tdx.mrservicetd.
 *
 * @param quote, len the quote (untrusted; at most TEEATTEST_TDX_QUOTE_MAX).
 * @param col collateral for the quote's platform (see
 *        teeattest_collateral_fetch()).
 * @param policy NULL for the defaults; the verification time is the
 *        policy's (teeattest_policy_set_time()), else the context's clock.
 * @param[out] out the result (keeps ctx alive); NULL on error.
 * @return TEEATTEST_OK whenever verification ran, whatever the verdict
 *         (read teeattest_result_verdict()); TEEATTEST_E_INVALID_ARG for
 *         NULL arguments or collateral from another context;
 *         TEEATTEST_E_TOO_LARGE; TEEATTEST_E_NOMEM.
 * Ownership: release *out with teeattest_result_free().
 * Thread safety: safe on a shared context, collateral and policy.
 * @param ctx the context; the new object keeps a reference to it.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_tdx_verify(teeattest_ctx *ctx,
                                       teeattest_result **out,
                                       const uint8_t *quote, size_t len,
                                       const teeattest_collateral *col,
                                       const teeattest_policy *policy,
                                       teeattest_error *err);

#ifdef __cplusplus
}
#endif

#endif /* TEEATTEST_TDX_H */
