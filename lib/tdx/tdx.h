/*
 * Internal Intel TDX DCAP verification engine (../shared/specs/tdx.md).
 *
 * Layers: quote parser (quote.c), collateral model and loaders
 * (collateral.c), PCK SGX extension (pck_ext.c), TCB Info / QE Identity
 * bodies and TCB evaluation (tcb.c), the ordered verification (verify.c).
 * Never installed: the public API is built on top of this.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_TDX_H
#define TA_TDX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/core.h"
#include "../crypto/crypto.h"
#include "../crypto/x509.h"

/* ---- trust anchor ------------------------------------------------------ */

/* Intel SGX Root CA, DER (root_ca.c). */
extern const uint8_t ta_tdx_intel_root_ca_der[];
extern const size_t ta_tdx_intel_root_ca_der_len;

/* ---- statuses ---------------------------------------------------------- */

typedef enum ta_tdx_status {
    TA_TDX_STATUS_NONE = 0, /* not determined */
    TA_TDX_UP_TO_DATE = 1,
    TA_TDX_SW_HARDENING_NEEDED = 2,
    TA_TDX_CONFIGURATION_NEEDED = 3,
    TA_TDX_CONFIGURATION_AND_SW_HARDENING_NEEDED = 4,
    TA_TDX_OUT_OF_DATE = 5,
    TA_TDX_OUT_OF_DATE_CONFIGURATION_NEEDED = 6,
    TA_TDX_TD_RELAUNCH_ADVISED = 7,
    TA_TDX_TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED = 8,
    TA_TDX_REVOKED = 9,
    TA_TDX_TCB_NOT_SUPPORTED = 10 /* no TCB level matches: a failure */
} ta_tdx_status;

#define TA_TDX_STATUS_BIT(s) (1u << (unsigned)(s))
#define TA_TDX_ACCEPT_DEFAULT \
    (TA_TDX_STATUS_BIT(TA_TDX_UP_TO_DATE) | \
     TA_TDX_STATUS_BIT(TA_TDX_SW_HARDENING_NEEDED))

/* Intel's spelling ("UpToDate", ..., "TCB level not supported"); "None"
 * for TA_TDX_STATUS_NONE. Never NULL. */
const char *ta_tdx_status_name(ta_tdx_status s);
/* Parse a TCB Info / QE Identity tcbStatus string (exact match); returns
 * TA_TDX_STATUS_NONE when unknown. */
ta_tdx_status ta_tdx_status_parse(const char *s);

/* ---- quote ------------------------------------------------------------- */

#define TA_TDX_QUOTE_MAX_LEN (1u << 20) /* far above any real quote (~5 KB) */
#define TA_TDX_BODY_TD10 2
#define TA_TDX_BODY_TD15 3

/* A parsed quote. Every pointer borrows from the caller's quote buffer,
 * which must outlive the struct. */
typedef struct ta_tdx_quote {
    const uint8_t *data;
    size_t len;
    /* header (48 bytes) */
    uint16_t version;
    uint16_t ak_type;
    uint32_t tee_type;
    uint16_t qe_svn, pce_svn;        /* unauthenticated hints only */
    const uint8_t *qe_vendor_id;     /* 16 */
    const uint8_t *user_data;        /* 20 */
    /* body: v4 is always a TD report 1.0; v5 has a descriptor */
    uint16_t body_type;              /* TA_TDX_BODY_TD10 / _TD15 */
    uint32_t body_size;              /* 584 / 648 */
    const uint8_t *body;             /* TD report */
    size_t signed_len;               /* header || [descriptor] || body */
    /* signature data */
    uint32_t sig_data_len;
    const uint8_t *signature;        /* 64, raw r||s over SHA-256(signed) */
    const uint8_t *att_key;          /* 64, X||Y */
    uint16_t cert_type;              /* 6 */
    uint32_t cert_size;
    const uint8_t *qe_report;        /* 384 */
    const uint8_t *qe_report_sig;    /* 64 */
    uint16_t qe_auth_len;
    const uint8_t *qe_auth;
    uint16_t pck_cert_type;          /* 5 */
    uint32_t pck_cert_size;
    const uint8_t *pck_pem;          /* PEM chain, trailing NULs excluded */
    size_t pck_pem_len;
    size_t quote_end;                /* bytes after this are ignored */
} ta_tdx_quote;

/* Parse and bounds-check the layout (spec 1, 4.1 steps 1, 3, 4). Header
 * values that do not affect the layout (key type, TEE type, vendor ID) are
 * recorded, not judged: ta_tdx_quote_check_header() judges them. Returns
 * TEEATTEST_OK or TEEATTEST_E_PARSE / _LENGTH / _UNSUPPORTED with a
 * message naming the field. */
int ta_tdx_quote_parse(ta_tdx_quote *q, const uint8_t *data, size_t len,
                       teeattest_error *err);
/* Spec 4.1 step 2: version, attestation key type, TEE type, QE vendor. */
int ta_tdx_quote_check_header(const ta_tdx_quote *q, teeattest_error *err);

/* TD report fields (all point into the body). */
static inline const uint8_t *ta_tdx_tee_tcb_svn(const ta_tdx_quote *q) { return q->body; }
static inline const uint8_t *ta_tdx_mrseam(const ta_tdx_quote *q) { return q->body + 16; }
static inline const uint8_t *ta_tdx_mrsignerseam(const ta_tdx_quote *q) { return q->body + 64; }
static inline const uint8_t *ta_tdx_seamattributes(const ta_tdx_quote *q) { return q->body + 112; }
static inline const uint8_t *ta_tdx_tdattributes(const ta_tdx_quote *q) { return q->body + 120; }
static inline const uint8_t *ta_tdx_xfam(const ta_tdx_quote *q) { return q->body + 128; }
static inline const uint8_t *ta_tdx_mrtd(const ta_tdx_quote *q) { return q->body + 136; }
static inline const uint8_t *ta_tdx_mrconfigid(const ta_tdx_quote *q) { return q->body + 184; }
static inline const uint8_t *ta_tdx_mrowner(const ta_tdx_quote *q) { return q->body + 232; }
static inline const uint8_t *ta_tdx_mrownerconfig(const ta_tdx_quote *q) { return q->body + 280; }
/* i = 0..3 */
static inline const uint8_t *ta_tdx_rtmr(const ta_tdx_quote *q, unsigned i) { return q->body + 328 + 48 * (i & 3u); }
static inline const uint8_t *ta_tdx_reportdata(const ta_tdx_quote *q) { return q->body + 520; }
/* TD report 1.5 only; NULL for 1.0 */
static inline const uint8_t *ta_tdx_tee_tcb_svn2(const ta_tdx_quote *q) { return q->body_type == TA_TDX_BODY_TD15 ? q->body + 584 : NULL; }
static inline const uint8_t *ta_tdx_mrservicetd(const ta_tdx_quote *q) { return q->body_type == TA_TDX_BODY_TD15 ? q->body + 600 : NULL; }
/* 64-bit little-endian values */
uint64_t ta_tdx_tdattributes_u64(const ta_tdx_quote *q);
uint64_t ta_tdx_xfam_u64(const ta_tdx_quote *q);

/* QE report (SGX enclave report) fields */
static inline const uint8_t *ta_tdx_qe_cpusvn(const ta_tdx_quote *q) { return q->qe_report; }
static inline const uint8_t *ta_tdx_qe_miscselect(const ta_tdx_quote *q) { return q->qe_report + 16; } /* 4, LE */
static inline const uint8_t *ta_tdx_qe_attributes(const ta_tdx_quote *q) { return q->qe_report + 48; } /* 16 */
static inline const uint8_t *ta_tdx_qe_mrenclave(const ta_tdx_quote *q) { return q->qe_report + 64; }
static inline const uint8_t *ta_tdx_qe_mrsigner(const ta_tdx_quote *q) { return q->qe_report + 128; }
static inline uint16_t ta_tdx_qe_isvprodid(const ta_tdx_quote *q) { return (uint16_t)(q->qe_report[256] | q->qe_report[257] << 8); }
static inline uint16_t ta_tdx_qe_isvsvn(const ta_tdx_quote *q) { return (uint16_t)(q->qe_report[258] | q->qe_report[259] << 8); }
static inline const uint8_t *ta_tdx_qe_reportdata(const ta_tdx_quote *q) { return q->qe_report + 320; }

/* ---- PCK SGX extension (OID 1.2.840.113741.1.13.1) ---------------------- */

typedef struct ta_tdx_pck_ext {
    uint8_t ppid[16];
    uint8_t comp_svn[16];  /* SGX TCB components 1..16 */
    uint16_t pcesvn;
    uint8_t cpusvn[16];
    uint8_t pceid[2];
    uint8_t fmspc[6];
    int sgx_type;          /* 0 Standard, 1 Scalable, 2 ScalableWithIntegrity */
    bool has_platform_instance_id;
    uint8_t platform_instance_id[16];
} ta_tdx_pck_ext;

/* Find and decode the extension in a certificate's raw v3 extensions.
 * `platform_ca`: also require .6 and .7 (Platform-CA PCK certificates). */
int ta_tdx_pck_ext_parse(const ta_x509 *leaf, bool platform_ca,
                         ta_tdx_pck_ext *out, teeattest_error *err);
/* The same on the certificate's Extensions SEQUENCE (ta_x509_extensions). */
int ta_tdx_pck_ext_parse_der(const uint8_t *exts, size_t exts_len,
                             bool platform_ca, ta_tdx_pck_ext *out,
                             teeattest_error *err);

/* ---- TCB Info / QE Identity --------------------------------------------- */

#define TA_TDX_COMP_TYPE_MAX 48 /* a component type name, NUL included */

typedef struct ta_tdx_tcb_level {
    uint8_t sgx[16];
    uint16_t pcesvn;
    uint8_t tdx[16];
    int64_t date;
    ta_tdx_status status;
    char *advisories; /* comma-separated, "" when none; owned */
    size_t src;       /* index in the document's tcbLevels array */
} ta_tdx_tcb_level;

/* A level keyed by one ISV SVN (TDX module identities and QE Identity). */
typedef struct ta_tdx_isv_level {
    uint16_t isvsvn;
    int64_t date;
    ta_tdx_status status;
    char *advisories; /* owned */
} ta_tdx_isv_level;

typedef struct ta_tdx_module_identity {
    char id[16];          /* "TDX_01" as given */
    uint8_t mrsigner[48];
    uint8_t attributes[8];
    uint8_t attributes_mask[8];
    ta_tdx_isv_level *levels; /* sorted by isvsvn, descending */
    size_t n_levels;
} ta_tdx_module_identity;

/* One signed JSON document: the exact signed body bytes and the raw
 * signature. `error` is set (owned) when the document could not be taken
 * apart or its content is invalid: verification reports it, so a loader
 * does not fail on a tampered document (fail closed at the right check). */
typedef struct ta_tdx_signed_doc {
    uint8_t *text;        /* owned copy of what was loaded */
    size_t text_len;
    size_t body_off, body_len; /* the signed span inside text */
    uint8_t sig[64];
    bool have_span;       /* body and signature were found */
    char *error;          /* NULL when the body parsed and validated */
} ta_tdx_signed_doc;

typedef struct ta_tdx_tcb_info {
    ta_tdx_signed_doc doc;
    int version;
    int tcb_type;
    int64_t issue_date, next_update;
    uint8_t fmspc[6];
    uint8_t pceid[2];
    uint32_t eval_num;
    uint8_t module_mrsigner[48];
    uint8_t module_attributes[8];
    uint8_t module_attributes_mask[8];
    ta_tdx_module_identity *ids;
    size_t n_ids;
    ta_tdx_tcb_level *levels; /* sorted with Intel's comparator, descending */
    size_t n_levels;
    /* The newest level's component "type" names ("SGX Late Microcode
     * Update", "TDX Module"); "" when absent or not a short printable
     * name. Informational (naming a component that is behind). */
    char sgx_type[16][TA_TDX_COMP_TYPE_MAX];
    char tdx_type[16][TA_TDX_COMP_TYPE_MAX];
} ta_tdx_tcb_info;

typedef struct ta_tdx_qe_identity {
    ta_tdx_signed_doc doc;
    char id[16];
    int version;
    int64_t issue_date, next_update;
    uint32_t eval_num;
    uint8_t miscselect[4], miscselect_mask[4];
    uint8_t attributes[16], attributes_mask[16];
    uint8_t mrsigner[32];
    uint16_t isvprodid;
    ta_tdx_isv_level *levels; /* sorted by isvsvn, descending */
    size_t n_levels;
} ta_tdx_qe_identity;

/* Take the signed body out of a PCS response ({"tcbInfo":{...},
 * "signature":"hex"}) for `member` ("tcbInfo" / "enclaveIdentity"), or
 * use `text` as the bare body when `sig_hex` is given (dcap-qvl form).
 * Then parse the body. Only NOMEM is returned as an error: content
 * problems land in doc.error. */
int ta_tdx_tcb_info_load(const teeattest_ctx *ctx, ta_tdx_tcb_info *ti,
                         const uint8_t *text, size_t len, const char *sig_hex,
                         size_t sig_hex_len);
int ta_tdx_qe_identity_load(const teeattest_ctx *ctx, ta_tdx_qe_identity *qi,
                            const uint8_t *text, size_t len,
                            const char *sig_hex, size_t sig_hex_len);
void ta_tdx_tcb_info_free(const teeattest_ctx *ctx, ta_tdx_tcb_info *ti);
void ta_tdx_qe_identity_free(const teeattest_ctx *ctx, ta_tdx_qe_identity *qi);
/* Find the byte span of the value of top-level member `key` in a JSON
 * document (strings and escapes respected). Exposed for tests. */
bool ta_tdx_json_member_span(const uint8_t *doc, size_t len, const char *key,
                             size_t *off, size_t *span_len);

/* TCB evaluation primitives (tcb.c). */
/* First level (descending isvsvn) with isvsvn <= svn, or NULL. */
const ta_tdx_isv_level *ta_tdx_isv_level_select(const ta_tdx_isv_level *l,
                                                size_t n, uint16_t svn);
/* The "TDX_%02X" identity for module major version `major`, or NULL. */
const ta_tdx_module_identity *ta_tdx_module_identity_find(
    const ta_tdx_tcb_info *ti, uint8_t major);
/* First platform level (Intel order) matched by the PCK components and
 * PCESVN and by TEE_TCB_SVN from index 2 when byte 1 > 0, else from 0. */
const ta_tdx_tcb_level *ta_tdx_tcb_level_select(const ta_tdx_tcb_info *ti,
                                                const ta_tdx_pck_ext *pck,
                                                const uint8_t tee_tcb_svn[16]);
/* Intel's convergence of platform, module (NONE if unversioned) and QE. */
ta_tdx_status ta_tdx_converge(ta_tdx_status platform, ta_tdx_status module,
                              ta_tdx_status qe);
/* QVL 2026 TD relaunch rule on the launch and current statuses. */
ta_tdx_status ta_tdx_relaunch(ta_tdx_status launch, ta_tdx_status current);
/* TCB currency (docs/checks.md, tdx.tcb_behind): append to `out` (then
 * NUL-terminated; empty when nothing is behind) every component below the
 * newest platform level (levels[0]): PCK SGX components and PCESVN, the
 * TEE_TCB_SVN components the platform levels judge (from index 2 when
 * byte 1 > 0), the module SVN against the newest level of `mid` (may be
 * NULL) and the QE ISVSVN against the newest QE Identity level (`qi` may
 * be NULL). Items "NAME (WHAT k): have < want", comma-separated.
 * TEEATTEST_OK or TEEATTEST_E_NOMEM. */
int ta_tdx_tcb_behind(const ta_tdx_tcb_info *ti, const ta_tdx_pck_ext *pck,
                      const uint8_t tee_tcb_svn[16],
                      const ta_tdx_module_identity *mid,
                      const ta_tdx_qe_identity *qi, uint16_t qe_isvsvn,
                      ta_buf *out);
/* The first `max` platform levels, newest first, as "DATE STATUS
 * sgx=HEX pcesvn=N tdx=HEX" joined by "; " (fact tdx.tcb_levels), then
 * NUL-terminated. TEEATTEST_OK or TEEATTEST_E_NOMEM. */
int ta_tdx_tcb_levels_text(const ta_tdx_tcb_info *ti, size_t max, ta_buf *out);

/* ---- collateral --------------------------------------------------------- */

/* A PEM issuer chain as delivered with a document. */
typedef struct ta_tdx_chain {
    ta_x509_chain *chain;      /* every certificate, in the given order;
                                * NULL when it did not parse */
    size_t n;
    char *error;               /* owned; NULL when it parsed */
    int64_t not_after;         /* earliest notAfter */
} ta_tdx_chain;

typedef struct ta_tdx_crl {
    ta_x509_crl *crl;          /* NULL unless loaded */
    bool loaded;
    char *error;               /* owned; set when present but unparsable */
    int64_t this_update, next_update; /* next_update 0 when absent */
} ta_tdx_crl;

typedef struct ta_tdx_collateral {
    teeattest_ctx *ctx;        /* referenced */
    ta_tdx_tcb_info tcb_info;
    ta_tdx_chain tcb_info_chain;
    ta_tdx_qe_identity qe_identity;
    ta_tdx_chain qe_identity_chain;
    ta_tdx_crl pck_crl;
    ta_tdx_chain pck_crl_chain; /* optional: informational (expiry only) */
    ta_tdx_crl root_ca_crl;
    /* Owners beyond the first. A fetched collateral is shared by the
     * context cache and every handle returned for it (cache.c), so what
     * verification learned from it (memo) serves them all. */
    atomic_size_t extra_refs;
    /* Collateral-only verification results (verify.c), created on first
     * verification, freed with the collateral. */
    _Atomic(struct ta_tdx_memo *) memo;
} ta_tdx_collateral;

/* Raw collateral items, all borrowed for the call. */
typedef struct ta_tdx_collateral_parts {
    /* full PCS response, or the bare signed body when *_sig_hex is set */
    const uint8_t *tcb_info;
    size_t tcb_info_len;
    const char *tcb_info_sig_hex;
    size_t tcb_info_sig_hex_len;
    const uint8_t *tcb_info_chain; /* PEM (URL-decoded) */
    size_t tcb_info_chain_len;
    const uint8_t *qe_identity;
    size_t qe_identity_len;
    const char *qe_identity_sig_hex;
    size_t qe_identity_sig_hex_len;
    const uint8_t *qe_identity_chain;
    size_t qe_identity_chain_len;
    const uint8_t *pck_crl;        /* DER, PEM or hex text */
    size_t pck_crl_len;
    const uint8_t *pck_crl_chain;  /* optional */
    size_t pck_crl_chain_len;
    const uint8_t *root_ca_crl;    /* DER, PEM or hex text */
    size_t root_ca_crl_len;
} ta_tdx_collateral_parts;

/* Build a collateral struct from raw items: everything is parsed once
 * here. Returns an error only for misuse, a missing item or NOMEM; a
 * malformed item is recorded and fails its check at verification. */
int ta_tdx_collateral_from_parts(teeattest_ctx *ctx,
                                 const ta_tdx_collateral_parts *parts,
                                 ta_tdx_collateral **out,
                                 teeattest_error *err);
/* The PCS raw directory layout: tcb_info.json, tcb_info_issuer_chain.pem,
 * qe_identity.json, qe_identity_issuer_chain.pem, pck_crl.der (or .pem /
 * .hex), pck_crl_issuer_chain.pem (optional), root_ca_crl.der (or .pem /
 * .hex). */
int ta_tdx_collateral_load_dir(teeattest_ctx *ctx, const char *dir,
                               ta_tdx_collateral **out, teeattest_error *err);
/* dcap-qvl's QuoteCollateralV3 JSON (tcb_info / qe_identity as body
 * strings, *_signature and CRLs as hex, chains as PEM). */
int ta_tdx_collateral_load_json(teeattest_ctx *ctx, const uint8_t *json,
                                size_t len, ta_tdx_collateral **out,
                                teeattest_error *err);
/* Write the PCS raw layout load_dir reads (creating dir and its missing
 * parents), each file atomically (temporary file + rename). Signed
 * documents keep their exact signed bytes (a dcap-qvl body is wrapped in
 * the PCS envelope); chains become PEM and CRLs DER; a stale optional
 * pck_crl_issuer_chain.pem is removed. An item that did not load cannot
 * be reproduced and is refused (TEEATTEST_E_PARSE, naming the file). */
int ta_tdx_collateral_save_dir(const ta_tdx_collateral *col, const char *dir,
                               teeattest_error *err);
/* Drop one owner (and the context reference it holds); the last owner
 * frees the collateral. */
void ta_tdx_collateral_free(ta_tdx_collateral *col);
/* Append an issuer chain as PEM rebuilt from the certificates' DER (the
 * form the loaders read back to the same certificates). TEEATTEST_OK or
 * TEEATTEST_E_NOMEM. */
int ta_tdx_chain_pem(const ta_tdx_chain *ch, ta_buf *out);
/* One more owner holding a context reference (for a new public handle). */
ta_tdx_collateral *ta_tdx_collateral_share(ta_tdx_collateral *col);
/* The context cache's ownership: no context reference, since the cache
 * lives in the context (a reference would keep it alive forever). */
void ta_tdx_collateral_share_weak(ta_tdx_collateral *col);
void ta_tdx_collateral_release_weak(ta_tdx_collateral *col);
/* verify.c: free a memo (called by the collateral's last owner). */
struct ta_tdx_memo;
void ta_tdx_memo_free(const teeattest_ctx *ctx, struct ta_tdx_memo *m);
/* Earliest nextUpdate / notAfter over every collateral item; 0 if none. */
int64_t ta_tdx_collateral_expiry(const ta_tdx_collateral *col);
/* Parse a CRL given as DER, PEM or hex text into crl (initialised by the
 * caller). Exposed for the online fetcher. */
int ta_tdx_crl_load(ta_tdx_crl *crl, const uint8_t *data, size_t len,
                    const teeattest_ctx *ctx);

/* ---- policy and outcome ------------------------------------------------- */

/* Registers a policy can pin; index = public teeattest_register - 1. */
enum {
    TA_TDX_REG_MRTD = 0,
    TA_TDX_REG_RTMR0 = 1, /* RTMR0..3 are 1..4 */
    TA_TDX_REG_MRCONFIGID = 5,
    TA_TDX_N_REGS = 6
};
#define TA_TDX_MAX_EXPECTED 64 /* accepted values per register */

typedef struct ta_tdx_policy {
    /* Bitmask of TA_TDX_STATUS_BIT(status); 0 means TA_TDX_ACCEPT_DEFAULT. */
    uint32_t accepted_statuses;
    bool allow_expired_collateral; /* expiry becomes a warning */
    bool allow_debug;              /* TDATTRIBUTES.DEBUG may be set */
    bool allow_nonzero_mrservicetd;
    /* Minimum tcbEvaluationDataNumber of TCB Info and QE Identity (check
     * tdx.tcb_eval_number, present only when non-zero); 0 = none. */
    uint32_t min_tcb_eval;
    /* Accepted values per register (TA_TDX_REG_*): n_expected[i] values of
     * 48 bytes each, back to back. A register with n_expected[i] == 0 is
     * not constrained; otherwise it must equal one of its values. */
    const uint8_t *expected[TA_TDX_N_REGS];
    size_t n_expected[TA_TDX_N_REGS];
    /* Trust anchor override (DER), for tests only. NULL = Intel's root. */
    const uint8_t *root_der;
    size_t root_der_len;
} ta_tdx_policy;

typedef struct ta_tdx_outcome {
    ta_tdx_status status;          /* final (converged, relaunch applied) */
    ta_tdx_status platform_status; /* selected tcbLevel */
    ta_tdx_status module_status;   /* TDX_xx identity level; NONE if unversioned */
    ta_tdx_status qe_status;
    ta_tdx_status current_status;  /* TD 1.5: evaluation with TEE_TCB_SVN2 */
    char module_id[16];            /* "TDX_01", "" if unversioned */
    /* Advisory IDs, comma-separated ("" when none): the de-duplicated union
     * platform || QE || module, then per component. Owned (ctx allocator). */
    char *advisories;
    char *platform_advisories, *module_advisories, *qe_advisories;
    int64_t tcb_date;              /* min of the component dates; 0 unknown */
    int64_t platform_tcb_date;     /* the selected platform level's; 0 unknown */
    int64_t collateral_expires;    /* earliest nextUpdate/notAfter; 0 unknown */
    bool collateral_expired;       /* and accepted by policy (warned) */
    uint8_t fmspc[6];
    bool have_fmspc;
    bool status_accepted;          /* status is in the policy's mask */
    bool all_passed;               /* no check failed, no required skip */
    const char *first_failure;     /* name of the first failed check, or NULL */
} ta_tdx_outcome;

void ta_tdx_outcome_free(const teeattest_ctx *ctx, ta_tdx_outcome *out);

/* Verify `quote` with `col` at Unix time `at` under `pol` (NULL = defaults).
 * Appends one check per step to `r` (may be NULL), in this order:
 * tdx.quote.parse, tdx.quote.header, tdx.pck_chain, tdx.crl.root,
 * tdx.crl.pck, tdx.pck_extension, tdx.tcb_info.chain,
 * tdx.tcb_info.signature, tdx.tcb_info.freshness, tdx.qe_identity.chain,
 * tdx.qe_identity.signature, tdx.qe_identity.freshness,
 * tdx.qe_report.signature, tdx.qe_report.binding, tdx.qe_identity.policy,
 * tdx.quote.signature, tdx.module_identity, tdx.tcb_level, tdx.status,
 * tdx.tcb_eval_number (only when pol->min_tcb_eval > 0), tdx.td.debug, tdx.td.mrservicetd, tdx.td.measurements; and facts
 * (tdx.status, tdx.advisories, tdx.tcb_date, tdx.fmspc,
 * tdx.collateral.expires, tdx.mrtd, tdx.rtmr0..3, ...). A step that cannot
 * run because an earlier one failed is a required skip.
 * `out` (may be NULL) receives the outcome; free with ta_tdx_outcome_free.
 * Returns TEEATTEST_OK whenever verification ran (read out->all_passed /
 * the result verdict), or TEEATTEST_E_INVALID_ARG / TEEATTEST_E_NOMEM. */
int ta_tdx_verify(teeattest_ctx *ctx, const uint8_t *quote, size_t len,
                  const ta_tdx_collateral *col, int64_t at,
                  const ta_tdx_policy *pol, teeattest_result *r,
                  ta_tdx_outcome *out, teeattest_error *err);

/* ---- public collateral handle (api.c) ------------------------------------ */

/* struct teeattest_collateral is defined in collateral_handle.h: a public
 * handle must not be defined in a header named like a public one (abidiff
 * would take its private layout for public ABI; see abi/README.md). */
#include "collateral_handle.h"

/* Wrap `c` in a new public handle (refs = 1, keeps ctx alive). Takes
 * ownership of the caller's owner-share of c even on failure (it is then
 * released with ta_tdx_collateral_free). ctx must be c->ctx. */
int ta_collateral_wrap(teeattest_ctx *ctx, ta_tdx_collateral *c,
                       teeattest_collateral **out, teeattest_error *err);
/* The wrapped collateral; NULL for NULL. */
const ta_tdx_collateral *ta_collateral_inner(const teeattest_collateral *col);

#endif /* TA_TDX_H */
