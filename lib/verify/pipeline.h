/*
 * Internal verify layer: what report verification (report_verify.c)
 * shares with the TDX and GPU entry points and the evidence object.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_PIPELINE_H
#define TA_PIPELINE_H

#include "../gpu/inputs.h"
#include "../tdx/tdx.h"
#include "verify.h"

/* The TDX engine's view of a public policy (NULL: defaults); borrows the
 * policy's buffers. */
void ta_tdx_policy_view(const teeattest_policy *p, ta_tdx_policy *tp);

/* teeattest_gpu_verify() into an existing result, with `*nras` (owned by
 * the caller, replaced when an answer is fetched) as the NRAS answer. */
int ta_gpu_verify_into(teeattest_ctx *ctx, teeattest_result *r,
                       const uint8_t *evidence, size_t len,
                       const uint8_t nonce[32], teeattest_gpu_inputs *in,
                       ta_gpu_blob *nras, bool *nras_fetched,
                       const teeattest_policy *policy, int64_t at,
                       teeattest_error *err);

/* The deep audit of an ACI session (aci_audit.c, spec 9.2 step 4) into an
 * existing result: `doc` is the session's parsed document and `si` what
 * ta_aci_session_verify() found in it (the checks aci.session.* already
 * recorded); adds aci.session.deep_audit, aci.session.deep_audit_binding
 * and aci.session.audit.*. Used by teeattest_aci_session_audit() and by
 * bundle verification. */
struct ta_aci_session_info;
struct json_t;
int ta_aci_session_deep_audit(teeattest_ctx *ctx, teeattest_result *r,
                              const struct json_t *doc,
                              const struct ta_aci_session_info *si,
                              teeattest_evidence *ev,
                              const teeattest_policy *pol,
                              teeattest_error *err);

#define TA_EVIDENCE_ENTRIES_MAX 256u
#define TA_EVIDENCE_COLLATERALS_MAX 64u
#define TA_EVIDENCE_ITEM_MAX (16u * 1024u * 1024u)

typedef struct ta_ev_nras {
    ta_gpu_blob blob;   /* data NULL: none */
    bool fetched;
} ta_ev_nras;

/* Sigstore bundles an evidence object holds (image provenance). */
#define TA_EVIDENCE_BUNDLES_MAX 64
#define TA_EVIDENCE_BUNDLE_MAX (4u << 20)

struct teeattest_evidence {
    atomic_size_t refs;
    teeattest_ctx *ctx;
    teeattest_collateral **cols;
    size_t n_cols;
    ta_ev_nras nras[TA_EVIDENCE_ENTRIES_MAX];
    ta_gpu_blob tls_spki;
    ta_gpu_blob e2e_instances;
    ta_gpu_blob model_compose; /* TEEATTEST_EVIDENCE_MODEL_COMPOSE */
    teeattest_gpu_inputs *gpu;
    uint32_t online;    /* TEEATTEST_ONLINE_* */
    char *pccs_url;     /* NULL: Intel PCS */
    char *model_files_url; /* NULL: TEEATTEST_MODEL_FILES_URL */
    char *registry_url; /* NULL: each image's registry */
    char *tinfoil_url;  /* NULL: TEEATTEST_TINFOIL_RELEASE_URL */
    ta_gpu_blob sigstore_bundles[TA_EVIDENCE_BUNDLES_MAX];
    size_t n_sigstore_bundles;
};

/* Whether one of the evidence's first `limit` Sigstore bundles holds
 * exactly these bytes; *at (may be NULL): the first such index. */
bool ta_evidence_sigstore_held(const teeattest_evidence *ev,
                               const uint8_t *data, size_t len, size_t limit,
                               size_t *at);

/* Append a collateral (a reference is taken). */
int ta_evidence_keep_collateral(teeattest_evidence *ev,
                                teeattest_collateral *col,
                                teeattest_error *err);

/* teeattest_report_verify() into an existing result (arguments checked
 * by the caller; ev not NULL; nonce NULL: the report's). */
int ta_report_verify_into(teeattest_ctx *ctx, teeattest_result *r,
                          const teeattest_report *report, size_t entry,
                          teeattest_evidence *ev,
                          const teeattest_policy *policy,
                          const uint8_t *nonce, teeattest_error *err);

#endif /* TA_PIPELINE_H */
