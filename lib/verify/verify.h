/*
 * Internal verify layer: policy and signature records.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_VERIFY_H
#define TA_VERIFY_H

#include "../core/core.h"

#define TA_POLICY_N_REGS 6          /* TEEATTEST_REG_MRTD..MRCONFIGID */
#define TA_POLICY_MAX_MEASUREMENTS 64 /* accepted values per register */
#define TA_POLICY_N_IDS 6 /* TEEATTEST_ID_OS_IMAGE_HASH..INIT_SCRIPT_HASH */
/* policy->time when verifications use the context's clock; never a value
 * teeattest_policy_set_time() accepts. */
#define TA_TIME_NOW INT64_MIN

struct teeattest_policy {
    teeattest_ctx *ctx;
    atomic_size_t refs;
    int64_t time;          /* TA_TIME_NOW = the context's clock */
    bool ecdsa_strict;
    bool require_signer;
    char *expected_model;  /* NULL = the request body's "model" */
    /* Intel TDX (teeattest/policy.h, docs/policy.md) */
    uint32_t tdx_statuses; /* TEEATTEST_TDX_STATUS_BIT mask; 0 = default */
    bool allow_expired_collateral;
    bool allow_debug;
    bool allow_mrservicetd;
    uint32_t min_tcb_eval; /* 0 = no minimum */
    /* Accepted values per register (index = teeattest_register - 1), 48
     * bytes each, back to back; owned. */
    uint8_t *measurements[TA_POLICY_N_REGS];
    size_t n_measurements[TA_POLICY_N_REGS];
    uint8_t *tdx_root_der; /* owned; NULL = Intel's root */
    size_t tdx_root_der_len;
    /* NVIDIA GPUs (teeattest/gpu.h enums) */
    int32_t gpu_mode;      /* teeattest_gpu_mode */
    int32_t gpu_rim;       /* teeattest_gpu_requirement */
    int32_t gpu_ocsp;      /* teeattest_gpu_requirement */
    int32_t gpu_ocsp_nonce; /* teeattest_gpu_ocsp_nonce */
    bool gpu_allow_hold;
    uint32_t gpu_min_count; /* >= 1 */
    /* Reports (teeattest/attest.h) */
    uint8_t *identities[TA_POLICY_N_IDS]; /* per teeattest_identity - 1 */
    size_t n_identities[TA_POLICY_N_IDS];
    bool require_gpu;
    bool require_tls_binding;
    bool allow_server_nonce;
    bool allow_unbound_key;
    bool require_event_log;
    uint32_t max_report_age; /* seconds; 0 = no limit */
    /* ACI (teeattest/policy.h) */
    bool aci_allow_null_nonce;
    uint32_t aci_max_keyset_lifetime; /* seconds; 0 = no limit */
    /* Tinfoil release attestation (tinfoil_release.c); all owned */
    uint8_t *tinfoil_bundle;      /* NULL: none given */
    size_t tinfoil_bundle_len;
    char *tinfoil_repo;           /* "owner/name" */
    bool tinfoil_has_digest;
    uint8_t tinfoil_digest[32];   /* the release's tinfoil.hash */
    bool require_tinfoil_release;
    /* The release to discover without a bundle (tinfoil_fetch.c) */
    char *tinfoil_fetch_repo;     /* NULL: none */
    char *tinfoil_tag;            /* NULL: the latest release */
    /* Tinfoil hardware measurements (tinfoil_hardware.c); owned */
    uint8_t *tinfoil_hw_bundle;   /* NULL: none given */
    size_t tinfoil_hw_bundle_len;
    bool require_tinfoil_hardware;
    /* Image provenance (provenance_match.c; NULL/0 by default) */
    bool require_provenance;
    struct ta_prov_rule *prov_rules;
    size_t n_prov_rules;
    /* trusted_root.json, owned; also the Tinfoil release's root */
    uint8_t *sigstore_root;
    size_t sigstore_root_len;
};

/* Default teeattest_policy_set_aci_max_keyset_lifetime(): 90 days. */
#define TA_ACI_MAX_KEYSET_LIFETIME (90u * 24u * 3600u)

/* Bytes of a teeattest_identity value (20 or 32), 0 if unknown. */
size_t ta_identity_len(int32_t kind);

/* Frees the Tinfoil release inputs of a policy (tinfoil_release.c). */
void ta_tinfoil_release_clear(struct teeattest_policy *p);
/* Frees the release to discover (tinfoil_fetch.c). */
void ta_tinfoil_fetch_clear(struct teeattest_policy *p);
/* Frees the Tinfoil hardware measurements of a policy (tinfoil_hardware.c). */
void ta_tinfoil_hardware_clear(struct teeattest_policy *p);

/* Defaults shared by teeattest_policy_new() and a NULL policy argument. */
void ta_policy_defaults(struct teeattest_policy *p);

struct teeattest_signature {
    atomic_size_t refs;
    teeattest_ctx *ctx;
    int32_t algo;
    char *text;
    size_t text_len;
    char *model;              /* NULL for a two-part text */
    uint8_t req_hash[32];
    uint8_t resp_hash[32];
    char req_hash_hex[65];
    char resp_hash_hex[65];
    uint8_t sig[64];          /* r||s or R||S */
    int32_t recid;            /* ecdsa only */
    bool has_claimed;
    uint8_t claimed[32];      /* 20 (ecdsa address) or 32 (ed25519 key) */
    size_t claimed_len;
    char claimed_str[TEEATTEST_SIGNER_MAX];
    int32_t kind;             /* teeattest_sig_kind; NONE when absent */
};

/* "provider_tee", "gateway", or NULL for TEEATTEST_SIG_KIND_NONE. */
const char *ta_sig_kind_name(int32_t kind);
/* Parse a signer string for `algo` into bytes (20 or 32). Accepts an
 * optional "0x"; mixed-case ECDSA addresses must carry a valid EIP-55
 * checksum. */
int ta_parse_signer(const teeattest_ctx *ctx, int32_t algo, uint8_t out[32],
                    size_t *out_len, const char *s, size_t len,
                    teeattest_error *err);
void ta_format_signer(char out[TEEATTEST_SIGNER_MAX], int32_t algo,
                      const uint8_t *bytes);
/* EIP-191 personal_sign digest of `msg`. */
int ta_eip191_digest(const teeattest_ctx *ctx, uint8_t out[32],
                     const uint8_t *msg, size_t len);
/* Ethereum address of an uncompressed secp256k1 point. */
int ta_eth_address(const teeattest_ctx *ctx, uint8_t out[20],
                   const uint8_t pubkey65[65]);

#endif /* TA_VERIFY_H */
