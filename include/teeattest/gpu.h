/**
 * @file
 * libteeattest: NVIDIA GPU attestation (H100/H200, Blackwell where the
 * evidence allows).
 *
 * SPDX-License-Identifier: Apache-2.0
 *
 * teeattest_gpu_verify() verifies the confidential-computing evidence of
 * one or more NVIDIA GPUs (the provider's "nvidia_payload" in any of the
 * shapes seen in the wild) against the GPU nonce the caller expects:
 *
 *  - locally, always: per GPU the SPDM 1.1 GET_MEASUREMENTS request and
 *    MEASUREMENTS response, the 5-certificate device chain to the NVIDIA
 *    Device Identity CA compiled into the library, the ECDSA P-384 SPDM
 *    signature, the requester nonce, the FWID binding between the leaf
 *    certificate and the evidence; across GPUs duplicates, one
 *    architecture and the count;
 *  - measurements locally, against NVIDIA's signed Reference Integrity
 *    Manifests (RIMs: XMLDSig over C14N 1.1, signer chain to the NVIDIA
 *    CoRIM root compiled into the library, golden values per index);
 *  - revocation by OCSP for the device chain and the RIM signer chains;
 *  - remotely, through NVIDIA's Remote Attestation Service (NRAS): the
 *    detached EAT it answers, every JWT's ES384 signature under a JWKS key
 *    trusted through its x5c chain, its claims, nonce, submodule digests,
 *    the GPUs its tokens name (ueid = the evidence's leaf serials) and
 *    per-GPU verdicts.
 *
 * What verification may use beyond the evidence lives in a
 * teeattest_gpu_inputs object: saved RIMs, OCSP responses, an NRAS answer
 * and the NRAS JWKS, and which NVIDIA services it may call. Whatever a
 * verification fetches is added to the object, so that afterwards it holds
 * everything needed to verify the same evidence again offline (evidence
 * bundles) and later verifications with it reuse what was fetched.
 *
 * The policy (teeattest/policy.h, teeattest_policy_set_gpu_*) says which of
 * these are required; docs/policy.md gives the defaults and docs/checks.md
 * every check ("gpu[i].*", "gpu.*").
 *
 * Thread safety: teeattest_gpu_verify() may run concurrently on one
 * context; an inputs object is modified by the verifications that use it,
 * so use one inputs object per thread (or serialize its users).
 */
#ifndef TEEATTEST_GPU_H
#define TEEATTEST_GPU_H

#include "teeattest/common.h"
#include "teeattest/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Saved and fetched material for GPU verification (RIMs, OCSP
 *  responses, NRAS answer, JWKS) and the online services allowed.
 *  Reference counted; not locked (see the top of this header). @since 1.0 */
typedef struct teeattest_gpu_inputs teeattest_gpu_inputs;

/** Largest GPU evidence payload accepted, in bytes (8 GPUs: ~100 KB). */
#define TEEATTEST_GPU_PAYLOAD_MAX (4u * 1024u * 1024u)

/** NVIDIA's NRAS service (the default of teeattest_gpu_inputs_set_url()). */
#define TEEATTEST_NVIDIA_NRAS_URL "https://nras.attestation.nvidia.com"
/** NVIDIA's RIM service (the default of teeattest_gpu_inputs_set_url()). */
#define TEEATTEST_NVIDIA_RIM_URL "https://rim.attestation.nvidia.com"
/** NVIDIA's OCSP responder (the default of teeattest_gpu_inputs_set_url()). */
#define TEEATTEST_NVIDIA_OCSP_URL "https://ocsp.ndis.nvidia.com/"

/** Kinds of material an inputs object holds (stable numbers). */
enum teeattest_gpu_item {
    TEEATTEST_GPU_ITEM_RIM = 1,          /**< RIM XML (or the RIM service's JSON) */
    TEEATTEST_GPU_ITEM_OCSP = 2,         /**< DER OCSPResponse */
    TEEATTEST_GPU_ITEM_NRAS_RESPONSE = 3, /**< NRAS HTTP 200 body (detached EAT) */
    TEEATTEST_GPU_ITEM_JWKS = 4          /**< NRAS JWKS document */
};

/** Online services, as bits for teeattest_gpu_inputs_set_online() and
 *  single values for teeattest_gpu_inputs_set_url(). */
#define TEEATTEST_GPU_ONLINE_NRAS 1u /**< POST the evidence to NRAS */
#define TEEATTEST_GPU_ONLINE_RIM 2u  /**< GET RIMs by id from the RIM service */
#define TEEATTEST_GPU_ONLINE_OCSP 4u /**< POST OCSP requests */
#define TEEATTEST_GPU_ONLINE_JWKS 8u /**< GET the NRAS JWKS */
#define TEEATTEST_GPU_ONLINE_ALL 15u /**< every service above */

/** How measurements are judged (teeattest_policy_set_gpu_mode()). */
enum teeattest_gpu_mode {
    /** Default: by NRAS when an NRAS answer is at hand (supplied, or
     *  fetched because TEEATTEST_GPU_ONLINE_NRAS is on), else by local RIM
     *  comparison. */
    TEEATTEST_GPU_MODE_AUTO = 0,
    TEEATTEST_GPU_MODE_LOCAL = 1,  /**< RIM comparison only; NRAS not used */
    TEEATTEST_GPU_MODE_REMOTE = 2, /**< NRAS only; RIMs not compared */
    TEEATTEST_GPU_MODE_BOTH = 3    /**< both, both required */
};

/** Requirement of an optional step (RIM comparison, OCSP). */
enum teeattest_gpu_requirement {
    TEEATTEST_GPU_DEFAULT = 0, /**< as documented per setter */
    TEEATTEST_GPU_REQUIRE = 1, /**< must run and pass; not running fails */
    TEEATTEST_GPU_SKIP = 2     /**< not run; reported as a skipped, not
                                    required check, never as a pass */
};

/** OCSP request nonce handling (teeattest_policy_set_gpu_ocsp_nonce()). */
enum teeattest_gpu_ocsp_nonce {
    TEEATTEST_GPU_OCSP_NONCE_REQUIRE = 0,  /**< default: send one, the
                                                answer must echo it */
    TEEATTEST_GPU_OCSP_NONCE_OPTIONAL = 1, /**< send one, accept an answer
                                                without it (cached answers) */
    TEEATTEST_GPU_OCSP_NONCE_NONE = 2      /**< send none */
};

/* ---- inputs ------------------------------------------------------------- */

/**
 * @brief Create an empty inputs object: no material, every service
 *        offline, NVIDIA's URLs, NRAS API v3 (claims 2.0).
 * @param[out] out new object (keeps ctx alive); NULL on failure.
 * @return TEEATTEST_OK, TEEATTEST_E_INVALID_ARG, TEEATTEST_E_NOMEM.
 * Ownership: release with teeattest_gpu_inputs_free().
 * @param ctx the context; the new object keeps a reference to it.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_gpu_inputs_new(teeattest_ctx *ctx,
                                           teeattest_gpu_inputs **out,
                                           teeattest_error *err);

/** @brief Take one more reference; returns in (NULL-safe).
 * @param in the handle; NULL returns NULL.
 * @return the same handle (NULL for NULL).
 * @since 1.0 */
TEEATTEST_API teeattest_gpu_inputs *teeattest_gpu_inputs_ref(
    teeattest_gpu_inputs *in);

/** @brief Drop one reference. NULL is a no-op.
 * @param in the handle to release; NULL is a no-op.
 * @since 1.0 */
TEEATTEST_API void teeattest_gpu_inputs_free(teeattest_gpu_inputs *in);

/**
 * @brief Add one item of material (copied).
 *
 * - TEEATTEST_GPU_ITEM_RIM: a RIM document, or the RIM service's JSON
 *   answer ({"id":..,"rim":"<base64 XML>",..}, whose "id" is then used).
 *   `id` is the RIM id the evidence derives ("NV_GPU_DRIVER_GH100_550.90.07",
 *   "NV_GPU_VBIOS_1010_0200_882_96009F0001") or NULL: a RIM without an id
 *   is offered to every GPU whose driver version (or VBIOS version) equals
 *   the RIM's colloquialVersion, and must then parse here. A RIM with an id
 *   that is malformed is kept and fails its checks at verification.
 * - TEEATTEST_GPU_ITEM_OCSP: a DER OCSPResponse; matched to certificates
 *   by CertID at verification (`id` ignored).
 * - TEEATTEST_GPU_ITEM_NRAS_RESPONSE: the body NRAS answered (at most one
 *   per object; verified at verification, not here).
 * - TEEATTEST_GPU_ITEM_JWKS: an NRAS JWKS document; its keys are merged.
 *   Parsed here: a malformed document is an error. A key is trusted only
 *   through its x5c chain to the pinned NRAS intermediate (a key without
 *   x5c fails gpu.nras.jwt.signature). A kid that an earlier document
 *   bound to a different key (x/y or x5c) is a conflict: the document is
 *   accepted, and every token under that kid fails; the identical key
 *   twice (the same document again) is no conflict.
 *
 * @return TEEATTEST_OK; TEEATTEST_E_PARSE, TEEATTEST_E_JSON,
 *         TEEATTEST_E_BASE64 (the detail says why); TEEATTEST_E_TOO_LARGE
 *         (RIM 1 MiB, OCSP 64 KiB, NRAS answer and JWKS 1 MiB);
 *         TEEATTEST_E_UNSUPPORTED (a RIM without id, built without
 *         libxml2); TEEATTEST_E_INVALID_ARG (unknown kind, NULL data, a
 *         second NRAS answer); TEEATTEST_E_NOMEM.
 * @param in the GPU inputs object.
 * @param kind a teeattest_gpu_item value.
 * @param id the RIM id, or NULL (RIMs only; NULL for other kinds).
 * @param data the item bytes (copied).
 * @param len length of `data` in bytes.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_gpu_inputs_add(teeattest_gpu_inputs *in,
                                           int32_t kind, const char *id,
                                           const uint8_t *data, size_t len,
                                           teeattest_error *err);

/**
 * @brief Add every item of one kind from a directory (not recursive).
 *        RIM: files "<id>.xml" (a RIM document) and "<id>.json" (the RIM
 *        service's answer), the file name giving the id. OCSP: files
 *        "*.der". Other files are ignored; JWKS and NRAS answers are single
 *        files (teeattest_gpu_inputs_add()).
 * @return TEEATTEST_OK; TEEATTEST_E_IO (directory or file unreadable; the
 *         detail names it); the errors of teeattest_gpu_inputs_add().
 * @param in the GPU inputs object.
 * @param kind a teeattest_gpu_item value.
 * @param dir the directory to read.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_gpu_inputs_add_dir(teeattest_gpu_inputs *in,
                                               int32_t kind, const char *dir,
                                               teeattest_error *err);

/** @brief Number of items of a kind (supplied and fetched).
 * @param in the GPU inputs object.
 * @param kind a teeattest_gpu_item value.
 * @return the number of items of that kind; 0 for NULL or an unknown kind.
 * @since 1.0 */
TEEATTEST_API size_t teeattest_gpu_inputs_count(
    const teeattest_gpu_inputs *in, int32_t kind);

/**
 * @brief Item `index` of a kind, in the order added (fetched items are
 *        added when fetched). `id` gets the RIM id (NULL when none, and
 *        for other kinds); `data`/`len` the bytes as supplied or fetched
 *        (RIMs: the XML, also when given as the service's JSON). Any
 *        output pointer may be NULL.
 * @return TEEATTEST_OK, TEEATTEST_E_NOT_FOUND (index out of range),
 *         TEEATTEST_E_INVALID_ARG.
 * Ownership: borrowed from in; valid until in is freed.
 * @param in the GPU inputs object.
 * @param kind a teeattest_gpu_item value.
 * @param index 0-based index.
 * @param id receives the RIM id or NULL; may be NULL.
 * @param data receives the bytes; may be NULL.
 * @param len receives their length; may be NULL.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_gpu_inputs_get(const teeattest_gpu_inputs *in,
                                           int32_t kind, size_t index,
                                           const char **id,
                                           const uint8_t **data, size_t *len,
                                           teeattest_error *err);

/**
 * @brief Which services a verification may call, as a mask of
 *        TEEATTEST_GPU_ONLINE_* bits (0: offline, the default). Requests
 *        go through the context's transport. Supplied material is used
 *        first: a RIM or OCSP response at hand is not fetched again (an
 *        OCSP response that no longer verifies, e.g. past its nextUpdate,
 *        is fetched afresh), and a supplied NRAS answer is verified
 *        instead of asking NRAS. An NRAS answer an earlier verification
 *        fetched belongs to that evidence: the next online verification
 *        replaces it.
 * @return TEEATTEST_OK, TEEATTEST_E_INVALID_ARG (unknown bits).
 * @param in the GPU inputs object.
 * @param services a mask of TEEATTEST_GPU_ONLINE_* bits; 0 = offline.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_gpu_inputs_set_online(teeattest_gpu_inputs *in,
                                                  uint32_t services,
                                                  teeattest_error *err);

/**
 * @brief Base URL of one service (a single TEEATTEST_GPU_ONLINE_* value);
 *        NULL restores NVIDIA's. NRAS: the service root, to which
 *        "/v3/attest/gpu" (or v4) is appended; RIM: the root before
 *        "/v1/rim/<id>"; OCSP: the responder URL itself (NULL: each
 *        certificate's AIA responder, else TEEATTEST_NVIDIA_OCSP_URL);
 *        JWKS: the document URL (NULL: "/.well-known/jwks.json"
 *        on the NRAS host). https, or http to a loopback host.
 *        The token issuer NRAS must name stays NVIDIA's.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG (unknown service, a URL
 *         that is not https or loopback http, too long); TEEATTEST_E_NOMEM.
 * @param in the GPU inputs object.
 * @param service one TEEATTEST_GPU_ONLINE_* bit.
 * @param url the base URL, or NULL for NVIDIA's.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_gpu_inputs_set_url(teeattest_gpu_inputs *in,
                                               uint32_t service,
                                               const char *url,
                                               teeattest_error *err);

/**
 * @brief NVIDIA service key, sent as "Authorization: Bearer" to NRAS, the
 *        RIM service and the OCSP responder; never logged or put in a
 *        result. NULL removes it. Copied; wiped when replaced or freed.
 * @return TEEATTEST_OK, TEEATTEST_E_INVALID_ARG, TEEATTEST_E_NOMEM.
 * @param in the GPU inputs object.
 * @param key the key (copied), or NULL to remove it.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_gpu_inputs_set_service_key(
    teeattest_gpu_inputs *in, const char *key,
    teeattest_error *err);

/**
 * @brief NRAS API version for online attestation: 3 (default; claims 2.0,
 *        what most verifiers use) or 4 (claims 3.0).
 * @return TEEATTEST_OK, TEEATTEST_E_INVALID_ARG.
 * @param in the GPU inputs object.
 * @param version 3 or 4.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_gpu_inputs_set_nras_version(
    teeattest_gpu_inputs *in, int32_t version,
    teeattest_error *err);

/* ---- verification --------------------------------------------------------- */

/**
 * @brief Verify the GPU evidence of one system.
 *
 * Appends, per GPU i: gpu[i].evidence.parse, gpu[i].cert_chain,
 * gpu[i].spdm.signature, gpu[i].nonce, gpu[i].fwid (skipped, not
 * required, when the evidence has no FWID field: drivers up to 545);
 * across GPUs gpu.consistency, gpu.duplicates, gpu.count; then per GPU the
 * OCSP checks gpu[i].ocsp.cert[1..3], the RIM checks gpu[i].rim.driver.*
 * and gpu[i].rim.vbios.* (signature, digest, chain, version, ocsp.cert[k],
 * measurements); then the NRAS checks gpu.nras.* and gpu[i].nras.*: the
 * tokens' signatures under JWKS keys trusted only through their x5c
 * chain, and each device token's ueid naming one GPU of the evidence (its
 * .serial), one token per GPU, with that GPU's driver and VBIOS versions
 * (gpu[i].nras.* then follows the evidence's GPU i). A
 * step the policy or the mode leaves out is one skipped check saying why
 * (gpu[i].ocsp, gpu[i].rim, gpu.nras), required only when the policy
 * requires that step. Facts: gpu.count, gpu.mode, gpu.measurements
 * ("nras", "rim", "nras+rim", "none"), gpu[i].arch, .driver_version,
 * .vbios_version, .serial (decimal; = NRAS ueid), .hwmodel,
 * .driver_rim_id, .vbios_rim_id, gpu[i].rim.mismatch_count and
 * gpu[i].rim.<driver|vbios>.mismatches (RIM indexes), and the NRAS facts.
 *
 * A fetch that fails (RIM 404, NRAS or OCSP unreachable) is a failed or
 * skipped check naming the service and the error, never an error return.
 *
 * @param evidence, len the GPU payload (untrusted; at most
 *        TEEATTEST_GPU_PAYLOAD_MAX): an object with "evidence_list" (also
 *        "evidences", "gpu_evidence"), the same as a JSON string (NEAR AI),
 *        or a bare array (nvattest serialized evidence, Chutes).
 * @param nonce, nonce_len the 32-byte nonce the GPUs must have signed: the
 *        client's nonce, or the value the provider's protocol derives from
 *        it (Chutes). Never the provider's own claim.
 * @param in saved material and online services; NULL = offline, nothing
 *        saved. Fetched material is added to it.
 * @param policy NULL for the defaults; the verification time is the
 *        policy's (teeattest_policy_set_time()), else the context's clock.
 * @param[out] out the result (keeps ctx alive); NULL on error.
 * @return TEEATTEST_OK whenever verification ran, whatever the verdict;
 *         TEEATTEST_E_INVALID_ARG (NULL arguments, nonce_len not 32,
 *         inputs from another context); TEEATTEST_E_TOO_LARGE;
 *         TEEATTEST_E_NOMEM.
 * Ownership: release *out with teeattest_result_free().
 * Thread safety: safe on a shared context and policy; not on a shared
 * inputs object.
 * @param ctx the context; the new object keeps a reference to it.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_gpu_verify(teeattest_ctx *ctx,
                                       teeattest_result **out,
                                       const uint8_t *evidence, size_t len,
                                       const uint8_t *nonce, size_t nonce_len,
                                       teeattest_gpu_inputs *in,
                                       const teeattest_policy *policy,
                                       teeattest_error *err);

#ifdef __cplusplus
}
#endif

#endif /* TEEATTEST_GPU_H */
