/**
 * @file
 * libteeattest: verification policy.
 *
 * SPDX-License-Identifier: Apache-2.0
 *
 * A policy says which checks are required and what values are acceptable.
 * A new policy holds the safe defaults documented in docs/policy.md;
 * passing NULL wherever a policy is accepted means those same defaults.
 *
 * Every setter takes `teeattest_error *err` last (NULL = no detail): a
 * rejected value leaves the policy unchanged and `err` says which value and
 * why.
 *
 * Thread safety: setters are not synchronised. A policy may be used by
 * several verifications at once, from any threads, as long as nobody
 * modifies it meanwhile. Verifications copy what they need, so a policy may
 * be changed or freed as soon as the verification call returns.
 */
#ifndef TEEATTEST_POLICY_H
#define TEEATTEST_POLICY_H

#include "teeattest/common.h"
#include "teeattest/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Latest verification time teeattest_policy_set_time() accepts:
 *  9999-12-31T23:59:59Z. @since 1.0 */
#define TEEATTEST_TIME_MAX INT64_C(253402300799)

/**
 * @brief Create a policy holding the defaults.
 * @param[out] out new policy (keeps ctx alive); NULL on failure.
 * @return TEEATTEST_OK, TEEATTEST_E_INVALID_ARG, TEEATTEST_E_NOMEM.
 * Ownership: new object, release with teeattest_policy_free().
 * @param ctx the context; the new object keeps a reference to it.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_policy_new(teeattest_ctx *ctx,
                                       teeattest_policy **out,
                                       teeattest_error *err);

/**
 * @brief Take one more reference (every handle type has _ref and _free).
 * @return policy. Thread safety: atomic.
 * @param policy the handle; NULL returns NULL.
 * @since 1.0
 */
TEEATTEST_API teeattest_policy *teeattest_policy_ref(teeattest_policy *policy);

/** @brief Drop one reference; the last frees the policy. NULL is a no-op.
 * @param policy the handle to release; NULL is a no-op.
 * @since 1.0 */
TEEATTEST_API void teeattest_policy_free(teeattest_policy *policy);

/**
 * @brief Fix the verification time (Unix seconds), e.g. the time a bundle
 *        was recorded. By default (and after teeattest_policy_set_time_now())
 *        a verification uses the context's clock at the moment it runs;
 *        "now" is never a value of `unix_seconds`.
 * @param unix_seconds 0 (1970-01-01) to TEEATTEST_TIME_MAX (9999-12-31).
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG (NULL policy, or a time
 *         outside that range: the policy is left unchanged and `err`
 *         names the range).
 * @param policy the policy to change.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_policy_set_time(teeattest_policy *policy,
                                            int64_t unix_seconds,
                                            teeattest_error *err);

/**
 * @brief Verify at the context's clock at the moment of each verification
 *        (the default), undoing teeattest_policy_set_time().
 * @return TEEATTEST_OK, TEEATTEST_E_INVALID_ARG (NULL policy).
 * @param policy the policy to change.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_policy_set_time_now(teeattest_policy *policy,
                                                teeattest_error *err);

/**
 * @brief Reject ECDSA response signatures whose s is in the upper half of
 *        the curve order (malleable form). Default: 0: a high-s signature
 *        that verifies is accepted and reported as a `warn` on
 *        `signature.ecdsa.low_s` (the key still signed the text; Ethereum's
 *        eth_account accepts it too). With 1 it fails that check.
 * @return TEEATTEST_OK, TEEATTEST_E_INVALID_ARG.
 * @param policy the policy to change.
 * @param strict non-zero to reject high-s signatures; 0 to warn.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_policy_set_ecdsa_strict(teeattest_policy *policy,
                                                    int strict,
                                                    teeattest_error *err);

/**
 * @brief Require that a response signature be checked against an expected
 *        signer (pinned by the caller or taken from a verified
 *        attestation). Default: 1. With 0, a signature that verifies
 *        against the key it names itself is accepted, and the result says
 *        the signer was not bound to anything.
 * @return TEEATTEST_OK, TEEATTEST_E_INVALID_ARG.
 * @param policy the policy to change.
 * @param required non-zero (default) to require an expected signer; 0 not to.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_policy_set_require_signer(
    teeattest_policy *policy, int required,
    teeattest_error *err);

/**
 * @brief The model a `model:req:resp` signed text must name. NULL (the
 *        default) means the "model" member of the exact request body.
 *        When set, report verification also runs identity.model: each
 *        entry must serve this model according to verified data
 *        (docs/providers.md, "Model binding"). The string is copied.
 * @return TEEATTEST_OK, TEEATTEST_E_INVALID_ARG, TEEATTEST_E_NOMEM.
 * @param policy the policy to change.
 * @param model the model name (copied), or NULL.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_policy_set_expected_model(
    teeattest_policy *policy, const char *model,
    teeattest_error *err);

/* ---- Intel TDX (teeattest_tdx_verify() and report verification) ------- */

/** Registers of a TD report that a policy can pin (stable numbers). */
enum teeattest_register {
    TEEATTEST_REG_MRTD = 1,      /**< MRTD: the initial TD contents */
    TEEATTEST_REG_RTMR0 = 2,     /**< RTMR0 (virtual firmware, configuration) */
    TEEATTEST_REG_RTMR1 = 3,     /**< RTMR1 (kernel) */
    TEEATTEST_REG_RTMR2 = 4,     /**< RTMR2 (kernel command line, initrd) */
    TEEATTEST_REG_RTMR3 = 5,     /**< RTMR3 (application events, dstack) */
    TEEATTEST_REG_MRCONFIGID = 6 /**< MRCONFIGID (set by the host at launch) */
};

/**
 * @brief Accepted final TDX TCB statuses, as a mask of
 *        TEEATTEST_TDX_STATUS_BIT() values (teeattest/tdx.h). 0 restores
 *        the default, TEEATTEST_TDX_STATUSES_DEFAULT (UpToDate and
 *        SWHardeningNeeded). TCB level not supported is never acceptable.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG for bits outside the
 *         enum or the TCB-level-not-supported bit.
 * @param policy the policy to change.
 * @param mask a mask of TEEATTEST_TDX_STATUS_BIT() values; 0 = the default.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_policy_set_tdx_statuses(teeattest_policy *policy,
                                                    uint32_t mask,
                                                    teeattest_error *err);

/**
 * @brief Accept collateral (TCB Info, QE Identity, CRLs, issuer chains)
 *        past its nextUpdate / notAfter at the verification time.
 *        Default 0: expired collateral fails its freshness check. With 1
 *        the check is reported as a warning, never silently.
 * @return TEEATTEST_OK, TEEATTEST_E_INVALID_ARG.
 * @param policy the policy to change.
 * @param allow non-zero to accept, as described above; 0 (the default)
 *        to refuse.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_policy_set_allow_expired_collateral(
    teeattest_policy *policy, int allow,
    teeattest_error *err);

/**
 * @brief Minimum Intel TCB evaluation data number (TCB recovery) the
 *        collateral must carry, as Intel's QVL appraisal policy
 *        (min_eval_num): check tdx.tcb_eval_number fails when the TCB
 *        Info's or the QE Identity's tcbEvaluationDataNumber is below
 *        it, so collateral from before a TCB recovery is refused. Default
 *        0: no minimum, and the check is not recorded.
 * @return TEEATTEST_OK, TEEATTEST_E_INVALID_ARG.
 * @param policy the policy to change.
 * @param min the lowest accepted tcbEvaluationDataNumber; 0 for none.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_policy_set_min_tcb_eval(teeattest_policy *policy,
                                                    uint32_t min,
                                                    teeattest_error *err);

/**
 * @brief Accept a debug TD (TDATTRIBUTES.DEBUG set). Default 0: a debug TD
 *        fails check tdx.td.debug, since its memory is readable by the host.
 * @return TEEATTEST_OK, TEEATTEST_E_INVALID_ARG.
 * @param policy the policy to change.
 * @param allow non-zero to accept, as described above; 0 (the default)
 *        to refuse.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_policy_set_allow_debug(teeattest_policy *policy,
                                                   int allow,
                                                   teeattest_error *err);

/**
 * @brief Accept a non-zero MRSERVICETD (TD report 1.5: a service TD is
 *        bound to the TD). Default 0: it must be all zero.
 * @return TEEATTEST_OK, TEEATTEST_E_INVALID_ARG.
 * @param policy the policy to change.
 * @param allow non-zero to accept, as described above; 0 (the default)
 *        to refuse.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_policy_set_allow_mrservicetd(
    teeattest_policy *policy, int allow,
    teeattest_error *err);

/**
 * @brief Add an accepted value for a register. A register with accepted
 *        values must equal one of them (check tdx.td.measurements names
 *        each mismatching register); a register without any is not
 *        constrained. The value is copied.
 * @param reg a teeattest_register value.
 * @param value, len 48 bytes.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG for an unknown register or
 *         NULL value; TEEATTEST_E_LENGTH when len is not 48;
 *         TEEATTEST_E_TOO_LARGE past 64 values per register;
 *         TEEATTEST_E_NOMEM.
 * @param policy the policy to change.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_policy_add_measurement(teeattest_policy *policy,
                                                   int32_t reg,
                                                   const uint8_t *value,
                                                   size_t len,
                                                   teeattest_error *err);

/**
 * @brief Remove every accepted value of a register (0: of all registers).
 * @return TEEATTEST_OK, TEEATTEST_E_INVALID_ARG.
 * @param policy the policy to change.
 * @param reg a teeattest_register value, or 0 for all.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_policy_clear_measurements(
    teeattest_policy *policy, int32_t reg,
    teeattest_error *err);

/**
 * @brief FOR TESTS ONLY: trust this DER certificate instead of the Intel
 *        SGX Root CA compiled into the library. The certificate is copied.
 *        Every verification under this policy reports a warning check
 *        "tdx.root_override" (and the fact tdx.root = "override"), so such
 *        a result is always marked as one that was not anchored in Intel's
 *        root, even when its verdict is "verified". NULL restores Intel's
 *        root.
 * @return TEEATTEST_OK; TEEATTEST_E_PARSE when der is not a certificate;
 *         TEEATTEST_E_INVALID_ARG; TEEATTEST_E_NOMEM.
 * @param policy the policy to change.
 * @param der the DER certificate to trust, or NULL for Intel's root.
 * @param len length of `der` in bytes.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_policy_set_tdx_root(teeattest_policy *policy,
                                                const uint8_t *der,
                                                size_t len,
                                                teeattest_error *err);

/* ---- NVIDIA GPUs (teeattest_gpu_verify() and report verification) ----- */

/**
 * @brief How GPU measurements are judged: a teeattest_gpu_mode value
 *        (teeattest/gpu.h). Default TEEATTEST_GPU_MODE_AUTO: by NRAS when
 *        an NRAS answer is at hand (supplied, or fetched online), else by
 *        local RIM comparison. The local evidence checks (chain, SPDM
 *        signature, nonce, FWID) run and are required in every mode.
 * @return TEEATTEST_OK, TEEATTEST_E_INVALID_ARG.
 * @param policy the policy to change.
 * @param mode a teeattest_gpu_mode value.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_policy_set_gpu_mode(teeattest_policy *policy,
                                                int32_t mode,
                                                teeattest_error *err);

/**
 * @brief Local RIM comparison: a teeattest_gpu_requirement value.
 *        TEEATTEST_GPU_DEFAULT follows the mode (run and required when
 *        the mode judges measurements locally); TEEATTEST_GPU_REQUIRE
 *        runs it and requires it in every mode; TEEATTEST_GPU_SKIP never
 *        runs it (then nothing judges the measurements unless NRAS does:
 *        the result says so).
 * @return TEEATTEST_OK, TEEATTEST_E_INVALID_ARG.
 * @param policy the policy to change.
 * @param requirement a teeattest_gpu_requirement value.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_policy_set_gpu_rim(teeattest_policy *policy,
                                               int32_t requirement,
                                               teeattest_error *err);

/**
 * @brief OCSP for the device chains (certificates 1..3) and the RIM
 *        signer chains: a teeattest_gpu_requirement value.
 *        TEEATTEST_GPU_DEFAULT: required when OCSP is online (inputs with
 *        TEEATTEST_GPU_ONLINE_OCSP); offline, saved responses are verified
 *        and a certificate without one is a skipped check that does not
 *        fail the verdict. TEEATTEST_GPU_REQUIRE: every certificate needs
 *        a good, verified answer. TEEATTEST_GPU_SKIP: not checked.
 *        A revoked or unknown certificate, or an answer that does not
 *        verify, always fails.
 * @return TEEATTEST_OK, TEEATTEST_E_INVALID_ARG.
 * @param policy the policy to change.
 * @param requirement a teeattest_gpu_requirement value.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_policy_set_gpu_ocsp(teeattest_policy *policy,
                                                int32_t requirement,
                                                teeattest_error *err);

/**
 * @brief OCSP request nonce: a teeattest_gpu_ocsp_nonce value. Default
 *        TEEATTEST_GPU_OCSP_NONCE_REQUIRE (nvtrust's behaviour).
 * @return TEEATTEST_OK, TEEATTEST_E_INVALID_ARG.
 * @param policy the policy to change.
 * @param mode a teeattest_gpu_ocsp_nonce value.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_policy_set_gpu_ocsp_nonce(
    teeattest_policy *policy, int32_t mode,
    teeattest_error *err);

/**
 * @brief Accept certificates on hold (OCSP revoked with reason
 *        certificateHold) as a warning. Default 0: they fail.
 * @return TEEATTEST_OK, TEEATTEST_E_INVALID_ARG.
 * @param policy the policy to change.
 * @param allow non-zero to accept, as described above; 0 (the default)
 *        to refuse.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_policy_set_gpu_allow_cert_hold(
    teeattest_policy *policy, int allow,
    teeattest_error *err);

/**
 * @brief Minimum number of GPUs the evidence must hold (check gpu.count).
 *        0 restores the default, 1. At most 64.
 * @return TEEATTEST_OK, TEEATTEST_E_INVALID_ARG.
 * @param policy the policy to change.
 * @param count the minimum, 0 (= 1) to 64.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_policy_set_gpu_min_count(teeattest_policy *policy,
                                                     uint32_t count,
                                                     teeattest_error *err);

/* ---- reports (teeattest_report_verify(), teeattest/attest.h) ----------- */

/** Software identity values a policy can pin (stable numbers). */
enum teeattest_identity {
    /** dstack OS image hash, 32 bytes (RTMR3 event os-image-hash). */
    TEEATTEST_ID_OS_IMAGE_HASH = 1,
    /** Compose hash, 32 bytes: SHA-256 of app_compose, equal to the RTMR3
     *  event compose-hash. */
    TEEATTEST_ID_COMPOSE_HASH = 2,
    /** dstack app id, 20 bytes (RTMR3 event app-id). */
    TEEATTEST_ID_APP_ID = 3,
    /** Container image digest, 32 bytes: every image the attested
     *  app_compose names must be pinned by "@sha256:" to one of them. */
    TEEATTEST_ID_IMAGE_DIGEST = 4,
    /** dstack GPU policy hash, 32 bytes: the RTMR3 event gpu-policy-hash
     *  (SHA-256 of the JCS form of app_compose's
     *  requirements.gpu_policy, of {} when absent). @since 1.0 */
    TEEATTEST_ID_GPU_POLICY_HASH = 5,
    /** dstack init script hash, 32 bytes: every init-script-hash event of
     *  RTMR3 (SHA-256 of one app_compose init_script) must be one of
     *  them. @since 1.0 */
    TEEATTEST_ID_INIT_SCRIPT_HASH = 6
};

/**
 * @brief Add an accepted value for a software identity. An identity with
 *        accepted values must equal one of them (check identity.NAME);
 *        one without is not constrained, and only reported as a fact. The
 *        value is copied.
 * @param kind a teeattest_identity value.
 * @param value, len the value: 32 bytes, or 20 for the app id.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG (unknown kind, NULL);
 *         TEEATTEST_E_LENGTH (not 32, or 20 for the app id);
 *         TEEATTEST_E_TOO_LARGE past 64 values per kind; TEEATTEST_E_NOMEM.
 * @param policy the policy to change.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_policy_add_identity(teeattest_policy *policy,
                                                int32_t kind,
                                                const uint8_t *value,
                                                size_t len,
                                                teeattest_error *err);

/**
 * @brief Remove every accepted value of an identity (0: of all).
 * @return TEEATTEST_OK, TEEATTEST_E_INVALID_ARG.
 * @param policy the policy to change.
 * @param kind a teeattest_identity value, or 0 for all.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_policy_clear_identity(teeattest_policy *policy,
                                                  int32_t kind,
                                                  teeattest_error *err);

/**
 * @brief Require GPU evidence in every entry whose provider attests GPUs
 *        (check gpu.present). Default 1. With 0, an entry without GPU
 *        evidence gets a skipped gpu.present; evidence that is present is
 *        always verified.
 * @return TEEATTEST_OK, TEEATTEST_E_INVALID_ARG.
 * @param policy the policy to change.
 * @param required non-zero (default) to require GPU evidence; 0 not to.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_policy_set_require_gpu(teeattest_policy *policy,
                                                   int required,
                                                   teeattest_error *err);

/**
 * @brief Require a TLS key binding (report_data layout L2 or Tinfoil's,
 *        compared with the key of the connection that delivered the
 *        report). Default 0: a binding that is present is always checked,
 *        and without the connection's key it is a skipped check; with 1 an
 *        entry without one, or a report without the connection's key, fails
 *        binding.tls.
 * @return TEEATTEST_OK, TEEATTEST_E_INVALID_ARG.
 * @param policy the policy to change.
 * @param required non-zero to require a TLS key binding; 0 (default) not to.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_policy_set_require_tls_binding(
    teeattest_policy *policy, int required,
    teeattest_error *err);

/**
 * @brief Accept a report bound to a nonce the server chose (RedPill's
 *        Chutes backend ignores the client's nonce). Default 0: such a
 *        report fails report.freshness; with 1 it is a warning.
 * @return TEEATTEST_OK, TEEATTEST_E_INVALID_ARG.
 * @param policy the policy to change.
 * @param allow non-zero to accept, as described above; 0 (the default)
 *        to refuse.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_policy_set_allow_server_nonce(
    teeattest_policy *policy, int allow,
    teeattest_error *err);

/**
 * @brief Accept a signing key that no hardware evidence binds (io.net puts
 *        only the nonce in report_data). Default 0: binding.signing_key
 *        fails. With 1 it is a warning; the result then has no "signer"
 *        fact either way, since nothing attests the key.
 * @return TEEATTEST_OK, TEEATTEST_E_INVALID_ARG.
 * @param policy the policy to change.
 * @param allow non-zero to accept, as described above; 0 (the default)
 *        to refuse.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_policy_set_allow_unbound_key(
    teeattest_policy *policy, int allow,
    teeattest_error *err);

/**
 * @brief Require an event log replay and compose hash for every entry,
 *        also where the provider sends no event log (Chutes, Tinfoil,
 *        io.net). Default 0: there they are skipped, not required; where
 *        an event log is sent they are always required.
 * @return TEEATTEST_OK, TEEATTEST_E_INVALID_ARG.
 * @param policy the policy to change.
 * @param required non-zero to require them everywhere; 0 (default) not to.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_policy_set_require_event_log(
    teeattest_policy *policy, int required,
    teeattest_error *err);

/**
 * @brief Check a Tinfoil report against the Sigstore-signed attestation of
 *        the enclave release it should run (checks tinfoil.release.*,
 *        docs/checks.md).
 *
 * Tinfoil publishes, per release of an enclave repository, an in-toto
 * statement (predicate type
 * `https://tinfoil.sh/predicate/snp-tdx-multiplatform/v1`) naming the
 * release's `tinfoil-deployment.json` by digest and stating its TDX RTMR1
 * and RTMR2, signed through Sigstore by a GitHub Actions workflow of that
 * repository at a release tag. For each Tinfoil V3 entry,
 * teeattest_report_verify() then verifies the bundle against the
 * policy's Sigstore trusted root
 * (teeattest_policy_set_sigstore_trusted_root(); without one the shipped
 * default, the Sigstore public-good production root) with the identity
 * `https://github.com/REPO/.github/workflows/FILE@refs/tags/TAG` and the
 * issuer `https://token.actions.githubusercontent.com`, parses the
 * statement strictly, and compares RTMR1 and RTMR2 of the quote with the
 * statement's (RTMR3 must be zero). MRTD and RTMR0 are compared by
 * teeattest_policy_set_tinfoil_hardware(). The inputs are copied. Reports of other providers ignore them.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG (a missing input, or
 *         `repo` not a GitHub owner/name); TEEATTEST_E_HEX (bad
 *         `release_digest`); TEEATTEST_E_TOO_LARGE (a bundle over
 *         1 MiB); TEEATTEST_E_NOMEM. On error the policy is unchanged.
 * @param policy the policy to change.
 * @param bundle the Sigstore bundle (JSON) of the release attestation, or
 *        NULL to remove a release set before.
 * @param bundle_len length of `bundle`.
 * @param repo the enclave's GitHub repository, "owner/name" (e.g.
 *        "tinfoilsh/confidential-gemma4-31b").
 * @param release_digest the release's digest (its `tinfoil.hash`, 64 hex
 *        digits, optionally after "sha256:") that the statement must name,
 *        or NULL to accept any release the repository's tag workflow
 *        signed (tinfoil.release.digest is then skipped).
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_policy_set_tinfoil_release(
    teeattest_policy *policy, const uint8_t *bundle, size_t bundle_len,
    const char *repo, const char *release_digest, teeattest_error *err);

/**
 * @brief Name the Tinfoil release to discover when no bundle is given
 *        (teeattest_policy_set_tinfoil_release()): the enclave's GitHub
 *        repository and the release tag, or its latest release.
 *
 * With TEEATTEST_ONLINE_TINFOIL_RELEASE on (teeattest_evidence_set_online()),
 * teeattest_report_verify() fetches, for each Tinfoil V3 entry, the
 * release (latest, or `tag`), its `tinfoil.hash` (64 hex digits) and the
 * GitHub attestation of that digest, keeps the bundle in the evidence
 * (so a saved bundle re-verifies offline) and runs the tinfoil.release.*
 * checks with that digest required and the signing workflow's tag equal
 * to the release's. Offline, the one Tinfoil release bundle among the
 * evidence's Sigstore bundles is checked instead (its own subject digest;
 * the tag when `tag` is given). A fetch that fails, or no bundle offline,
 * fails tinfoil.release.bundle when the release is required
 * (teeattest_policy_set_require_tinfoil_release()), else skips it. With a
 * bundle given, nothing is fetched and a `tag` set here is still required
 * of its signing workflow. The inputs are copied.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG (`repo` not a GitHub
 *         owner/name, `tag` empty, over 128 bytes or with a character no
 *         release tag path takes); TEEATTEST_E_NOMEM. On error the policy is
 *         unchanged.
 * @param policy the policy to change.
 * @param repo the enclave's GitHub repository, "owner/name", or NULL to
 *        remove a repository set before.
 * @param tag the release tag (e.g. "v0.0.38"), or NULL for the
 *        repository's latest release.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_policy_set_tinfoil_release_repo(
    teeattest_policy *policy, const char *repo, const char *tag,
    teeattest_error *err);

/**
 * @brief Require the Tinfoil release attestation: with 1, a Tinfoil entry
 *        verified without one (teeattest_policy_set_tinfoil_release())
 *        fails tinfoil.release.bundle. Default 0: that check is skipped,
 *        not required.
 * @return TEEATTEST_OK, TEEATTEST_E_INVALID_ARG.
 * @param policy the policy to change.
 * @param required non-zero to require it; 0 (default) not to.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_policy_set_require_tinfoil_release(
    teeattest_policy *policy, int required, teeattest_error *err);

/**
 * @brief Check a Tinfoil report's MRTD and RTMR0 against the
 *        Sigstore-signed hardware measurements Tinfoil publishes (checks
 *        tinfoil.hardware.*, docs/checks.md).
 *
 * Each release of the repository `tinfoilsh/hardware-measurements`
 * publishes an in-toto statement (predicate type
 * `https://tinfoil.sh/predicate/hardware-measurements/v1`) whose predicate
 * maps every TDX platform (VM shape) Tinfoil runs enclaves on to its MRTD
 * and RTMR0, signed through Sigstore by a GitHub Actions workflow of that
 * repository at a release tag. For each Tinfoil V3 entry,
 * teeattest_report_verify() then verifies the bundle as for
 * teeattest_policy_set_tinfoil_release() (same trusted root, the identity
 * `https://github.com/tinfoilsh/hardware-measurements/.github/workflows/FILE@refs/tags/TAG`,
 * the issuer `https://token.actions.githubusercontent.com`, at the
 * report's verification time), parses the statement strictly (no
 * duplicate members; registers of 96 lower-case hex digits), and requires
 * one platform whose MRTD and RTMR0 both equal the quote's (fact
 * tinfoil.hardware.platform names it). Any release the workflow signed is
 * accepted: the bundle names its own subject. The input is copied.
 * Reports of other providers ignore it.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG (NULL policy, or a bundle
 *         of length 0); TEEATTEST_E_TOO_LARGE (a bundle over 1 MiB);
 *         TEEATTEST_E_NOMEM. On error the policy is unchanged.
 * @param policy the policy to change.
 * @param bundle the Sigstore bundle (JSON) of the hardware measurements,
 *        or NULL to remove one set before.
 * @param bundle_len length of `bundle`.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_policy_set_tinfoil_hardware(
    teeattest_policy *policy, const uint8_t *bundle, size_t bundle_len,
    teeattest_error *err);

/**
 * @brief Require the Tinfoil hardware measurements: with 1, a Tinfoil
 *        entry verified without them (teeattest_policy_set_tinfoil_hardware())
 *        fails tinfoil.hardware.bundle. Default 0: that check is skipped,
 *        not required.
 * @return TEEATTEST_OK, TEEATTEST_E_INVALID_ARG.
 * @param policy the policy to change.
 * @param required non-zero to require them; 0 (default) not to.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_policy_set_require_tinfoil_hardware(
    teeattest_policy *policy, int required, teeattest_error *err);

/**
 * @brief Maximum age of a report in seconds: the verification time minus
 *        the time the report was fetched or recorded (check report.age).
 *        0 (default) sets no limit; freshness then rests on the nonce.
 *        A report whose capture time is unknown fails report.age when a
 *        limit is set.
 * @return TEEATTEST_OK, TEEATTEST_E_INVALID_ARG.
 * @param policy the policy to change.
 * @param seconds the maximum age; 0 = no limit.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_policy_set_max_report_age(
    teeattest_policy *policy, uint32_t seconds,
    teeattest_error *err);

/**
 * @brief Accept an ACI report whose attestation statement carries
 *        `"nonce":null` (the unchallenged, cacheable form of aci/1 section
 *        3.2): it proves which keyset the quote bound, not that the quote
 *        is fresh. Default 0: such a report fails aci.nonce; with 1 it is a
 *        warning.
 * @return TEEATTEST_OK, TEEATTEST_E_INVALID_ARG.
 * @param policy the policy to change.
 * @param allow non-zero to accept, as described above; 0 (the default)
 *        to refuse.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_policy_set_aci_allow_null_nonce(
    teeattest_policy *policy, int allow, teeattest_error *err);

/**
 * @brief Longest an ACI workload keyset may still be valid: a `not_after`
 *        further than this past the verification time is implausible and
 *        fails aci.not_after. Default 7776000 (90 days); 0 sets no limit.
 * @return TEEATTEST_OK, TEEATTEST_E_INVALID_ARG.
 * @param policy the policy to change.
 * @param seconds the longest remaining lifetime accepted; 0 = no limit.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_policy_set_aci_max_keyset_lifetime(
    teeattest_policy *policy, uint32_t seconds, teeattest_error *err);

/**
 * @brief Require image provenance (docs/provenance.md): every image of a
 *        verified app_compose must be pinned by digest and come with a
 *        Sigstore bundle whose in-toto subject is that digest, verified
 *        against the trusted root of
 *        teeattest_policy_set_sigstore_trusted_root() (default: the
 *        shipped Sigstore public-good root) and signed by an
 *        identity of teeattest_policy_add_provenance_identity(). Default
 *        0: the `provenance.*` checks run only when the policy names an
 *        identity, and then a failure is a warning and a missing bundle a
 *        skip, neither of them required.
 * @return TEEATTEST_OK, TEEATTEST_E_INVALID_ARG.
 * @param policy the policy to change.
 * @param required non-zero to require provenance; 0 (default) not to.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_policy_set_require_provenance(
    teeattest_policy *policy, int required, teeattest_error *err);

/**
 * @brief Name a signer accepted for the provenance of some images: the
 *        Fulcio certificate identity (subjectAltName, e.g. a GitHub
 *        Actions workflow URI with its ref) and OIDC issuer a bundle must
 *        carry. `image` says which images: `sha256:<64 lower-case hex>`
 *        (one image digest), a repository (`ghcr.io/org/app`: that
 *        repository exactly), a path ending in `/` (`ghcr.io/org/`: every
 *        repository under it) or `*` (every image). Names are compared as
 *        Docker does (`nginx` is `docker.io/library/nginx`). The most
 *        specific kind that matches an image applies (digest, repository,
 *        longest path, `*`); several identities of that kind are
 *        alternatives. Strings are copied.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG (NULL argument, empty
 *         or malformed `image`, unknown flags, a regular expression that
 *         does not compile); TEEATTEST_E_NOMEM.
 * @param policy the policy to change.
 * @param image which images, as described above.
 * @param identity the expected certificate identity, or a POSIX extended
 *        regular expression with TEEATTEST_SIGSTORE_IDENTITY_REGEXP.
 * @param issuer the expected OIDC issuer, or a regular expression with
 *        TEEATTEST_SIGSTORE_ISSUER_REGEXP.
 * @param flags TEEATTEST_SIGSTORE_IDENTITY_REGEXP and
 *        TEEATTEST_SIGSTORE_ISSUER_REGEXP (teeattest/sigstore.h), 0 for
 *        exact matches.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_policy_add_provenance_identity(
    teeattest_policy *policy, const char *image, const char *identity,
    const char *issuer, uint32_t flags, teeattest_error *err);

/**
 * @brief The Sigstore trusted root (`trusted_root.json`) image provenance
 *        bundles and the Tinfoil release bundle
 *        (teeattest_policy_set_tinfoil_release()) are verified against. It
 *        is copied and parsed when they are checked (a root that does not
 *        parse fails every image's `provenance.image[i].signature` and
 *        tinfoil.release.bundle). Without one, or after NULL, the
 *        shipped default is used: the Sigstore public-good production
 *        `trusted_root.json` compiled into the library (source, commit and
 *        date in data/sigstore/README.md and docs/provenance.md; nothing
 *        is fetched). There is no "no root" setting: the Sigstore checks
 *        run only when the policy asks for them (provenance identities,
 *        a Tinfoil release), so a caller who must not trust the public-good
 *        root gives its own. Check details name the shipped default when
 *        it was used.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG (no policy, a length
 *         without bytes, or bytes of length 0); TEEATTEST_E_TOO_LARGE (a
 *         root over 4 MiB, the most the Sigstore parsers read);
 *         TEEATTEST_E_NOMEM. On error the policy is unchanged.
 * @param policy the policy to change.
 * @param trusted_root the trusted_root.json bytes, or NULL for the
 *        shipped default.
 * @param len length of `trusted_root`; 0 when it is NULL.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_policy_set_sigstore_trusted_root(
    teeattest_policy *policy, const uint8_t *trusted_root, size_t len,
    teeattest_error *err);

#ifdef __cplusplus
}
#endif

#endif /* TEEATTEST_POLICY_H */
