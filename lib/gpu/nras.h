/*
 * Internal: NVIDIA Remote Attestation Service client (spec nvidia.md 5, 6):
 * request body, POST through the context's transport, and verification of
 * the detached EAT answer into result checks. Never installed.
 *
 * Checks appended, in order (all required):
 *   gpu.nras.response        answer shape: [["JWT", overall], {"GPU-i": token}]
 *   gpu.nras.jwt.signature   every token ES384 under its kid (+ x5c rules)
 *   gpu.nras.jwt.claims      iss, exp/nbf/iat of every token at `at`
 *   gpu.nras.nonce           eat_nonce of the overall and device tokens
 *   gpu.nras.submods         SHA-256 of each device token == submods entry;
 *                            |submods| == |device tokens| (== GPUs expected)
 *   gpu.nras.result          x-nvidia-overall-att-result true (+ version);
 *                            on false, NVIDIA's error details in the detail
 *   gpu.nras.ueid            each device token's ueid is the leaf
 *                            certificate serial of one GPU of the
 *                            evidence (policy.devices), one token per
 *                            GPU, matched by identity not position; a
 *                            token without ueid fails
 *   gpu[i].nras.measurements measres == "success", no x-nvidia-error-details
 *   gpu[i].nras.secure_boot  secboot == true
 *   gpu[i].nras.debug        dbgstat == "disabled"
 *   gpu[i].nras.hwmodel      hwmodel in the policy's allow-list
 *   gpu[i].nras.evidence     NRAS's evidence flags (arch, parsed, nonce,
 *                            signature, cert chain [+ fwid for 3.0])
 *   gpu[i].nras.rim          NRAS's driver/VBIOS RIM flags
 *   gpu[i].nras.versions     driver and VBIOS versions equal the GPU's
 *                            evidence (opaque data)
 *   gpu[i].nras.warning      x-nvidia-attestation-warning null (else warn)
 * A check computed from tokens whose signatures did not all verify is
 * reported as skip (required), never pass: its detail says what it saw.
 * gpu[i] is the evidence's GPU i when every token is bound to one (the
 * checks then come in the evidence's order), else the token "GPU-i".
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_GPU_NRAS_H
#define TA_GPU_NRAS_H

#include "jwt.h"

#define TA_NRAS_BASE_URL "https://nras.attestation.nvidia.com"
#define TA_NRAS_ISSUER "https://nras.attestation.nvidia.com"
#define TA_NRAS_JWKS_PATH "/.well-known/jwks.json"
#define TA_NRAS_RESPONSE_MAX (1024u * 1024u) /* 8 GPUs: ~17 KiB */
#define TA_NRAS_REQUEST_MAX (16u * 1024u * 1024u)
#define TA_NRAS_GPUS_MAX 64u
#define TA_NRAS_LEEWAY_DEFAULT 60 /* seconds, nbf/iat only */
#define TA_NRAS_JWKS_COOLDOWN 30  /* seconds between JWKS refetches */

/* One GPU's evidence exactly as the provider gave it. */
typedef struct ta_nras_evidence {
    const char *evidence_b64;    /* base64(SPDM request || response) */
    const char *certificate_b64; /* base64(PEM chain) */
} ta_nras_evidence;

/* One GPU of the evidence as the local layer read it (spec 2.5): what its
 * NRAS device token must name. */
typedef struct ta_nras_device {
    const char *ueid;   /* leaf certificate serial in decimal; NULL or ""
                           when unreadable (then no token matches) */
    const char *driver; /* opaque DRIVER_VERSION; NULL/"" absent */
    const char *vbios;  /* "96.00.9F.00.01" form; NULL/"" absent */
} ta_nras_device;

typedef struct ta_nras_policy {
    const char *issuer;          /* NULL = TA_NRAS_ISSUER */
    const char *claims_version;  /* required x-nvidia-ver, NULL = any */
    const char *const *hwmodels; /* NULL = "GH100", "GH100 A01 GSP BROM" */
    size_t n_hwmodels;
    int64_t leeway;              /* nbf/iat skew, seconds */
    size_t expected_gpus;        /* 0 = count not compared */
    bool warning_fails;          /* a non-null warning fails instead of warns */
    ta_jwt_keyopts keys;
    /* The evidence's GPUs, in its order. None: gpu.nras.ueid fails (an
     * answer is only worth something for the GPUs it judged). */
    const ta_nras_device *devices;
    size_t n_devices;
} ta_nras_policy;

/* Defaults: NVIDIA issuer, any claims version, the two Hopper hwmodels,
 * 60 s leeway; JWKS keys only through x5c (jwt.h). */
void ta_nras_policy_init(ta_nras_policy *p);

typedef struct ta_nras_outcome {
    bool passed;               /* every check appended passed or warned */
    const char *first_failure; /* static check name or NULL */
    size_t n_gpus;             /* device tokens in the answer */
    int overall;               /* overall claim: 1 true, 0 false, -1 absent */
    int32_t error_code;        /* first x-nvidia-error-details code, 0 none */
} ta_nras_outcome;

/* Request body (spec 5.2), exact bytes:
 * {"nonce":"<hex>","arch":"<arch>","evidence_list":[{"evidence":"..",
 *  "certificate":".."},..],"claims_version":"2.0"|"3.0"}
 * version 3 -> claims 2.0, version 4 -> claims 3.0. Evidence strings must
 * be standard base64 (no escaping needed), arch [A-Z0-9_]. */
int ta_nras_build_request(const teeattest_ctx *ctx, ta_buf *out, int version,
                          const uint8_t nonce[32], const char *arch,
                          const ta_nras_evidence *ev, size_t n,
                          teeattest_error *err);

/* Verify a saved NRAS answer (the HTTP 200 body) for `nonce` at `at` and
 * append the checks and facts to `r` (may be NULL: then only `out`).
 * Returns TEEATTEST_OK when verification ran (the verdict is in the
 * checks / `out`), or TEEATTEST_E_INVALID_ARG / TEEATTEST_E_NOMEM. */
int ta_nras_verify_append(teeattest_ctx *ctx, teeattest_result *r,
                          ta_nras_outcome *out, const uint8_t *answer,
                          size_t len, const ta_jwks *jwks,
                          const uint8_t nonce[32], int64_t at,
                          const ta_nras_policy *pol, teeattest_error *err);

typedef struct ta_nras_options {
    const char *base_url;    /* NULL = TA_NRAS_BASE_URL; https, or http to
                                a loopback host (simulator) */
    int version;             /* 3 (default when 0) or 4 */
    const char *arch;        /* NULL = "HOPPER" */
    const char *service_key; /* NULL = none; sent as a bearer token, never
                                logged */
    bool fetch_jwks;         /* fetch the JWKS when a kid is unknown */
    const char *jwks_url;    /* NULL = base_url + TA_NRAS_JWKS_PATH */
    uint32_t timeout_ms;     /* total, 0 = 30 s */
    const char *ca_file;
} ta_nras_options;

/* POST the evidence with `nonce` (the nonce the GPUs signed, spec 6) to
 * NRAS once (a POST is never retried), then ta_nras_verify_append() on
 * the answer. A non-200 answer appends a failing gpu.nras.response and
 * returns TEEATTEST_OK; a transport failure appends it too and returns
 * the transport's status. `answer_out` (may be NULL) receives the body
 * for a bundle. `jwks` may gain keys (fetch_jwks). */
int ta_nras_attest(teeattest_ctx *ctx, teeattest_result *r,
                   ta_nras_outcome *out, ta_buf *answer_out,
                   const ta_nras_options *opt, const uint8_t nonce[32],
                   const ta_nras_evidence *ev, size_t n, ta_jwks *jwks,
                   int64_t at, const ta_nras_policy *pol,
                   teeattest_error *err);

/* Whether some token of a saved answer names a kid `jwks` lacks (an
 * unparsable answer: false, its verification will say why). */
bool ta_nras_kid_missing(const teeattest_ctx *ctx, const uint8_t *body,
                         size_t len, const ta_jwks *jwks);

/* When some token of `body` names a kid `jwks` lacks and no fetch was tried
 * within TA_NRAS_JWKS_COOLDOWN of `at`, fetch the JWKS from `jwks_url`
 * (NULL: {scheme}://{host}/.well-known/jwks.json of `base_url`, NULL
 * base = NVIDIA's) into `jwks`. TEEATTEST_OK when nothing was needed or
 * the fetch succeeded; the fetch's status otherwise. */
int ta_nras_refresh_jwks(teeattest_ctx *ctx, const uint8_t *body, size_t len,
                         ta_jwks *jwks, const char *jwks_url,
                         const char *base_url, int64_t at,
                         teeattest_error *err);

#endif /* TA_GPU_NRAS_H */
