/*
 * NVIDIA GPU evidence, local layer (../shared/specs/nvidia.md sections 2,
 * 3.1-3.3, 6, 7). Internal only; the public API is built on top of it.
 *
 * Layers:
 *  - ta_gpu_payload_parse(): the JSON container (nvidia_payload object or
 *    JSON string, evidence_list / evidences / gpu_evidence, a bare array as
 *    in the nvattest serialized format) into per-GPU items whose evidence
 *    and certificate are still the encoded strings;
 *  - ta_gpu_evidence_decode() / ta_gpu_spdm_parse(): the SPDM 1.1
 *    GET_MEASUREMENTS request + MEASUREMENTS response, bounds-checked, with
 *    every opaque TLV looked up by id;
 *  - ta_gpu_certs_parse(): the base64 PEM chain into DER certificates;
 *  - ta_gpu_leaf_fwid(): the FWID of the leaf certificate (Hopper
 *    2.23.133.5.4.1 composite, Blackwell 2.23.133.5.4.1.1 DiceTcbInfo);
 *  - ta_gpu_verify_local(): all of it per GPU, appending result checks, and
 *    handing the parsed devices to the RIM and OCSP layers.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_GPU_GPU_H
#define TA_GPU_GPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/core.h"

/* ---- limits ------------------------------------------------------------ */

/* Whole payload (JSON). An 8-GPU payload is ~100 KB. */
#define TA_GPU_PAYLOAD_MAX (4u * 1024u * 1024u)
/* GPUs per payload: 8 on HGX boards; NVSwitch-heavy systems stay far below. */
#define TA_GPU_MAX_GPUS 64u
/* Decoded SPDM evidence: real reports are 4049-4277 bytes. */
#define TA_GPU_EVIDENCE_MAX (64u * 1024u)
/* Request (37) + response header (8) + responder nonce (32) + opaque
 * length (2) + signature (96); anything shorter cannot be a report. */
#define TA_GPU_EVIDENCE_MIN (37u + 8u + 32u + 2u + 96u)
/* Encoded certificate field (base64 of the PEM text, ~6.4 KB real). */
#define TA_GPU_CERT_TEXT_MAX (64u * 1024u)
#define TA_GPU_MAX_CERTS 8u
#define TA_GPU_CHAIN_LEN 5u     /* leaf, BROM, provisioner ICA, product CA, root */
#define TA_GPU_MAX_BLOCKS 64u   /* measurement blocks per report */
#define TA_GPU_NONCE_LEN 32u
#define TA_GPU_SIG_LEN 96u      /* raw r||s, P-384 */
#define TA_GPU_FWID_LEN 48u     /* SHA-384 */
#define TA_GPU_REQUEST_LEN 37u
#define TA_GPU_STR_MAX 64u      /* decoded opaque string fields */
#define TA_GPU_RIM_ID_MAX 128u

/* The pinned NVIDIA Device Identity CA (roots.c). */
extern const uint8_t ta_gpu_device_root_der[];
extern const size_t ta_gpu_device_root_der_len;

typedef enum ta_gpu_arch {
    TA_GPU_ARCH_UNKNOWN = 0,
    TA_GPU_ARCH_HOPPER = 1,
    TA_GPU_ARCH_BLACKWELL = 2
} ta_gpu_arch;

/* "HOPPER", "BLACKWELL" or "UNKNOWN". */
const char *ta_gpu_arch_name(ta_gpu_arch arch);
/* Case-insensitive; UNKNOWN for anything else (NULL too). */
ta_gpu_arch ta_gpu_arch_from_name(const char *name);

/* Opaque data field ids (spec 2.4). Valid ids are 1..36. */
enum {
    TA_GPU_OPAQUE_CERT_ISSUER_NAME = 1,
    TA_GPU_OPAQUE_CERT_AUTHORITY_KEY_IDENTIFIER = 2,
    TA_GPU_OPAQUE_DRIVER_VERSION = 3,
    TA_GPU_OPAQUE_GPU_INFO = 4,
    TA_GPU_OPAQUE_SKU = 5,
    TA_GPU_OPAQUE_VBIOS_VERSION = 6,
    TA_GPU_OPAQUE_MANUFACTURER_ID = 7,
    TA_GPU_OPAQUE_TAMPER_DETECTION = 8,
    TA_GPU_OPAQUE_SMC = 9,
    TA_GPU_OPAQUE_VPR = 10,
    TA_GPU_OPAQUE_NVDEC0_STATUS = 11,
    TA_GPU_OPAQUE_MSRSCNT = 12,
    TA_GPU_OPAQUE_CPRINFO = 13,
    TA_GPU_OPAQUE_BOARD_ID = 14,
    TA_GPU_OPAQUE_CHIP_SKU = 15,
    TA_GPU_OPAQUE_CHIP_SKU_MOD = 16,
    TA_GPU_OPAQUE_PROJECT = 17,
    TA_GPU_OPAQUE_PROJECT_SKU = 18,
    TA_GPU_OPAQUE_PROJECT_SKU_MOD = 19,
    TA_GPU_OPAQUE_FWID = 20,
    TA_GPU_OPAQUE_PROTECTED_PCIE_STATUS = 21,
    TA_GPU_OPAQUE_SWITCH_PDI = 22,
    TA_GPU_OPAQUE_FLOORSWEPT_PORTS = 23,
    TA_GPU_OPAQUE_POSITION_ID = 24,
    TA_GPU_OPAQUE_LOCK_SWITCH_STATUS = 25,
    TA_GPU_OPAQUE_GPU_LINK_CONN = 32,
    TA_GPU_OPAQUE_SYS_ENABLE_STATUS = 33,
    TA_GPU_OPAQUE_OPAQUE_DATA_VERSION = 34,
    TA_GPU_OPAQUE_CHIP_INFO = 35,
    TA_GPU_OPAQUE_FEATURE_FLAG = 36,
    TA_GPU_OPAQUE_MAX_ID = 36
};

/* FEATURE_FLAG values (OPAQUE_DATA_VERSION >= 1). */
enum { TA_GPU_FEATURE_SPT = 0, TA_GPU_FEATURE_MPT = 1, TA_GPU_FEATURE_PPCIE = 2 };
/* NVDEC0_STATUS / PROTECTED_PCIE_STATUS bytes. */
#define TA_GPU_STATUS_ENABLED 0xAA
#define TA_GPU_STATUS_DISABLED 0x55

/* Name of an opaque id ("DRIVER_VERSION"), "UNKNOWN" outside the table. */
const char *ta_gpu_opaque_name(unsigned id);

/* One DMTF measurement block; `value` points into the owning report. */
typedef struct ta_gpu_block {
    uint8_t index;          /* SPDM Index, 1-based */
    uint8_t value_type;     /* DMTFSpecMeasurementValueType */
    uint16_t value_size;
    const uint8_t *value;
} ta_gpu_block;

typedef struct ta_gpu_opaque_field {
    bool present;
    uint16_t len;
    const uint8_t *value;   /* into the owning report */
} ta_gpu_opaque_field;

/* A parsed report. Every pointer points into `raw`, which it owns. */
typedef struct ta_gpu_spdm {
    const teeattest_ctx *ctx;
    uint8_t *raw;
    size_t len;
    /* GET_MEASUREMENTS request (spec 2.1) */
    uint8_t req_version, req_code, req_param1, req_param2, req_slot;
    const uint8_t *requester_nonce;    /* 32 bytes at raw + 4 */
    /* MEASUREMENTS response (spec 2.2) */
    uint8_t resp_version, resp_code, resp_param1, resp_param2;
    uint8_t number_of_blocks;
    uint32_t record_len;
    ta_gpu_block blocks[TA_GPU_MAX_BLOCKS]; /* in record order */
    size_t n_blocks;
    const uint8_t *responder_nonce;    /* 32 bytes */
    uint16_t opaque_len;
    const uint8_t *opaque;
    ta_gpu_opaque_field fields[TA_GPU_OPAQUE_MAX_ID + 1]; /* by id */
    size_t n_fields;
    uint16_t field_order[TA_GPU_OPAQUE_MAX_ID]; /* ids as they appear */
    const uint8_t *signature;          /* last 96 bytes */
    size_t signed_len;                 /* len - 96 */
    /* Decoded opaque fields ("" / -1 when absent). Strings are cut at the
     * first NUL and trimmed; only printable ASCII is accepted. */
    char driver_version[TA_GPU_STR_MAX];
    char vbios_version[16];            /* "96.00.9F.00.01" (spec 2.5) */
    char project[TA_GPU_STR_MAX], project_sku[TA_GPU_STR_MAX];
    char chip_sku[TA_GPU_STR_MAX], chip_sku_mod[TA_GPU_STR_MAX];
    char chip_info[TA_GPU_STR_MAX];
    bool has_fwid;
    uint8_t fwid[TA_GPU_FWID_LEN];
    int nvdec0_status;                 /* byte, -1 absent */
    int protected_pcie_status;         /* byte, -1 absent */
    int opaque_data_version;           /* u16, -1 absent */
    int feature_flag;                  /* u16, -1 absent */
    int64_t board_id;                  /* u32, -1 absent */
    size_t switch_pdi_count;           /* SWITCH_PDI length / 8 */
} ta_gpu_spdm;

/* Find the block with SPDM Index `index` (1-based), NULL if none. */
const ta_gpu_block *ta_gpu_spdm_block(const ta_gpu_spdm *s, unsigned index);

/* Decode `evidence` as the spec's encoding: standard base64 (padded); hex
 * is accepted too when the whole string is hex (the SDK samples' text
 * form). At most TA_GPU_EVIDENCE_MAX bytes. *out is ta_malloc'ed.
 * TEEATTEST_OK, _BASE64, _TOO_LARGE, _LENGTH (empty), _NOMEM. */
int ta_gpu_evidence_decode(const teeattest_ctx *ctx, const char *text,
                           size_t len, uint8_t **out, size_t *out_len,
                           teeattest_error *err);

/* Parse a raw report (copied into s->raw). Rules (spec 2.1-2.4, NVAT's
 * strictness): length TA_GPU_EVIDENCE_MIN..MAX; request 11 E0, Param1 bit 0
 * (signature requested), Param2 FF, slot 0; response 11 60; 1..64 blocks,
 * each with MeasurementSpecification DMTF, Index >= 1 and unique,
 * MeasurementSize == 3 + ValueSize, record consumed exactly; opaque TLVs
 * with ids 1..36, each at most once, consumed exactly; the 96-byte
 * signature ends the report exactly. Field sizes the spec fixes are
 * enforced (VBIOS 8, FWID 48, NVDEC0 1, ...). On failure `s` is left
 * empty (nothing to free) and err names the field.
 * TEEATTEST_OK, _PARSE, _LENGTH, _TOO_LARGE, _NOMEM, _INVALID_ARG. */
int ta_gpu_spdm_parse(const teeattest_ctx *ctx, const uint8_t *data,
                      size_t len, ta_gpu_spdm *s, teeattest_error *err);
void ta_gpu_spdm_free(ta_gpu_spdm *s);

/* Derived identifiers (spec 2.5). Return TEEATTEST_OK,
 * TEEATTEST_E_FIELD_MISSING (an opaque field needed is absent),
 * TEEATTEST_E_PARSE (a field has characters unfit for an id: only
 * [A-Za-z0-9._-]), TEEATTEST_E_BUFFER_TOO_SMALL. Output upper case except
 * the driver version, which is used as reported. */
int ta_gpu_driver_rim_id(const ta_gpu_spdm *s, ta_gpu_arch arch, char *out,
                         size_t cap);
int ta_gpu_vbios_rim_id(const ta_gpu_spdm *s, char *out, size_t cap);

/* ---- certificates ------------------------------------------------------ */

typedef struct ta_gpu_certs {
    const teeattest_ctx *ctx;
    uint8_t *der[TA_GPU_MAX_CERTS]; /* leaf first, as received */
    size_t der_len[TA_GPU_MAX_CERTS];
    size_t n;
} ta_gpu_certs;

/* `text` is base64 of the PEM text (or the PEM text itself). CERTIFICATE
 * blocks are taken in order, others ignored; 1..TA_GPU_MAX_CERTS required.
 * The DER is not validated here. On failure `c` is left empty.
 * TEEATTEST_OK, _BASE64, _PARSE, _TOO_LARGE, _NOMEM. */
int ta_gpu_certs_parse(const teeattest_ctx *ctx, const char *text, size_t len,
                       ta_gpu_certs *c, teeattest_error *err);
void ta_gpu_certs_free(ta_gpu_certs *c);

/* FWID of a leaf certificate (DER). Blackwell DiceTcbInfo
 * (2.23.133.5.4.1.1, fwids[0].digest) when present, else the Hopper
 * composite (2.23.133.5.4.1, trailing SEQUENCE { sha384, OCTET STRING(48) }).
 * *form gets 1 (Hopper) or 2 (Blackwell). TEEATTEST_OK, TEEATTEST_E_NOT_FOUND
 * (no such extension), TEEATTEST_E_PARSE (malformed; err says how). */
int ta_gpu_leaf_fwid(const teeattest_ctx *ctx, const uint8_t *der,
                     size_t len, uint8_t fwid[TA_GPU_FWID_LEN], int *form,
                     teeattest_error *err);

/* ---- payload container ------------------------------------------------- */

typedef struct ta_gpu_item {
    char *evidence;      /* encoded, as in the JSON */
    size_t evidence_len;
    char *certificate;
    size_t certificate_len;
    char *arch;          /* NULL when absent */
    char *nonce;         /* per-evidence nonce claim, NULL when absent */
} ta_gpu_item;

typedef struct ta_gpu_payload {
    const teeattest_ctx *ctx;
    char *nonce;         /* top-level nonce claim, NULL when absent */
    char *arch;          /* top-level arch, NULL when absent */
    ta_gpu_item *items;
    size_t n;
} ta_gpu_payload;

/* Accepted shapes: an object with "evidence_list" (also "evidences",
 * "gpu_evidence") and optional "nonce"/"arch"; a JSON string holding such
 * an object (NEAR); a bare array of items (nvattest serialized evidence,
 * SDK collect_gpu_evidence, Chutes gpu_evidence). Each item needs string
 * "evidence" and "certificate"; "arch"/"nonce" are optional strings.
 * Other members are ignored (driver_version / vbios_version copies in the
 * nvattest format are unsigned claims, spec 10.17). 1..TA_GPU_MAX_GPUS
 * items. TEEATTEST_OK, _TOO_LARGE, _JSON, _FIELD_MISSING, _PARSE, _NOMEM. */
int ta_gpu_payload_parse(const teeattest_ctx *ctx, const uint8_t *json,
                         size_t len, ta_gpu_payload **out,
                         teeattest_error *err);
void ta_gpu_payload_free(ta_gpu_payload *p);

/* ---- local verification ------------------------------------------------ */

enum { TA_GPU_FWID_HOPPER = 1, TA_GPU_FWID_BLACKWELL = 2 };

/* One GPU as verified locally; what the RIM and OCSP layers consume. */
typedef struct ta_gpu_device {
    bool parsed;            /* evidence and certificates parsed */
    ta_gpu_arch arch;       /* from the leaf certificate's CN */
    ta_gpu_spdm spdm;       /* measurement blocks, opaque fields, versions */
    ta_gpu_certs certs;     /* chain DER as received, leaf first (for OCSP) */
    bool chain_ok, signature_ok, nonce_ok;
    bool fwid_ok;           /* match, or skipped because opaque FWID absent */
    bool fwid_checked;      /* false when skipped */
    bool has_cert_fwid;
    int cert_fwid_form;     /* TA_GPU_FWID_* */
    uint8_t cert_fwid[TA_GPU_FWID_LEN];
    char serial[64];        /* leaf serial, decimal (= NRAS ueid) */
    char hwmodel[64];       /* CN of chain certificate 1 */
    char driver_rim_id[TA_GPU_RIM_ID_MAX]; /* "" when underivable */
    char vbios_rim_id[TA_GPU_RIM_ID_MAX];
} ta_gpu_device;

typedef struct ta_gpu_outcome {
    const teeattest_ctx *ctx;
    ta_gpu_device *gpus;
    size_t n;
    bool all_passed;        /* every check this layer appended passed */
} ta_gpu_outcome;

void ta_gpu_outcome_free(ta_gpu_outcome *out);

/* Verify every GPU of `payload` (any shape ta_gpu_payload_parse() takes)
 * locally at Unix time `at` against `expected_nonce` (the GPU nonce the
 * caller expects, 32 bytes; the provider dialect derives it). Appends to
 * `r` (may be NULL) per GPU i, in this order: gpu[i].evidence.parse,
 * gpu[i].cert_chain, gpu[i].spdm.signature, gpu[i].nonce, gpu[i].fwid
 * (skip, not required, when the opaque FWID is absent); then
 * gpu.duplicates (two GPUs with the same leaf serial) and gpu.count (at
 * least `min_gpus`, 0 = 1). Facts: gpu.count, gpu[i].arch,
 * gpu[i].driver_version, gpu[i].vbios_version, gpu[i].serial (decimal
 * ueid), gpu[i].hwmodel, gpu[i].driver_rim_id, gpu[i].vbios_rim_id.
 * A GPU whose evidence does not parse gets required skips for its other
 * checks. `out` (may be NULL) receives the devices; free it with
 * ta_gpu_outcome_free() whatever the return code.
 * Returns TEEATTEST_OK whenever the checks ran (read r / out->all_passed);
 * a payload that is not a GPU container at all also gives TEEATTEST_OK
 * with a failed gpu.payload check. TEEATTEST_E_INVALID_ARG,
 * TEEATTEST_E_NOMEM. */
int ta_gpu_verify_local(teeattest_ctx *ctx, const uint8_t *payload,
                        size_t len, const uint8_t *expected_nonce,
                        size_t nonce_len, size_t min_gpus, int64_t at,
                        teeattest_result *r, ta_gpu_outcome *out,
                        teeattest_error *err);

#endif /* TA_GPU_GPU_H */
