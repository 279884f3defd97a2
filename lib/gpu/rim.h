/*
 * NVIDIA Reference Integrity Manifests (RIMs): SWID XML documents signed
 * with XMLDSig (../shared/specs/nvidia.md section 4). Internal only.
 *
 * Flow: ta_rim_parse() reads a document safely (libxml2, no DTD, no
 * entities, no network), checks it against the one XMLDSig profile NVIDIA
 * uses, extracts the SWID metadata and golden measurements, and computes
 * the two canonical-form digests from the same tree. The ta_rim_check_*()
 * functions then judge digest, signature and signer chain; ta_rim_compare()
 * compares golden values with a GPU's measurement blocks;
 * ta_rim_verify_append() does all of it for one GPU and appends checks.
 *
 * Built without libxml2 (TA_HAVE_LIBXML2 undefined) every symbol stays:
 * ta_rim_parse() returns TEEATTEST_E_UNSUPPORTED and the checks appended by
 * ta_rim_verify_append() are skips saying so.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_GPU_RIM_H
#define TA_GPU_RIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/core.h"

/* Real RIMs are 17-35 KB; anything near this is not a RIM. */
#define TA_RIM_MAX_SIZE (1024u * 1024u)
/* RIM index k (0-based) is SPDM measurement block Index k+1; SPDM Index is
 * a byte with 0 and 0xFF reserved, so k < 254. */
#define TA_RIM_MAX_INDEX 254u
#define TA_RIM_MAX_VALUE 64u        /* bytes of one golden value (SHA-512) */
#define TA_RIM_MAX_ALTERNATIVES 16u
#define TA_RIM_MAX_CERTS 8u

/* The pinned NVIDIA CoRIM signing Root CA (rim_root.c). */
extern const uint8_t ta_rim_corim_root_der[];
extern const size_t ta_rim_corim_root_der_len;

typedef struct ta_rim_measurement {
    uint32_t index;   /* 0-based RIM index (SPDM block Index - 1) */
    bool active;
    uint32_t size;    /* bytes per value */
    uint32_t n_alt;   /* number of alternatives, >= 1 */
    uint8_t *values;  /* n_alt * size bytes, Hash0 first */
} ta_rim_measurement;

typedef struct ta_rim {
    const teeattest_ctx *ctx;
    /* SWID (spec 4.2); NULL when the attribute is absent. */
    char *tag_id, *name, *version, *tag_version;
    char *colloquial_version; /* required: driver or dotted VBIOS version */
    char *product, *edition, *revision, *payload_type;
    char *firmware_manufacturer_id, *platform_manufacturer_id;
    char *platform_model;
    /* Golden measurements, in document order. */
    ta_rim_measurement *meas;
    size_t n_meas;
    /* XMLDSig (spec 4.3). */
    int32_t digest_alg;            /* TEEATTEST_HASH_* of DigestMethod */
    int32_t sig_hash_alg;          /* TEEATTEST_HASH_* of SignatureMethod */
    uint8_t digest_value[64];      /* DigestValue */
    size_t digest_len;
    uint8_t signature[96];         /* SignatureValue, raw r||s (P-384) */
    size_t sig_len;
    uint8_t *certs[TA_RIM_MAX_CERTS]; /* KeyInfo X509Certificate DER, leaf first */
    size_t cert_lens[TA_RIM_MAX_CERTS];
    size_t n_certs;
    /* Computed at parse time over the canonical forms (C14N 1.1). */
    uint8_t doc_digest[64];        /* digest_alg(document minus Signature) */
    uint8_t signedinfo_digest[64]; /* sig_hash_alg(SignedInfo subset) */
    size_t canon_doc_len, canon_signedinfo_len;
} ta_rim;

/* Parse and canonicalize one RIM document (untrusted bytes, at most
 * TA_RIM_MAX_SIZE). Rejects DOCTYPE/entities/comments/CDATA/PIs, any
 * algorithm outside the profile, more than one Signature or Reference, a
 * non-empty Reference URI, duplicate indexes, malformed hashes. Nothing is
 * verified yet. Returns TEEATTEST_OK, TEEATTEST_E_PARSE / _TOO_LARGE /
 * _BASE64 / _HEX / _FIELD_MISSING (err names the element or attribute),
 * TEEATTEST_E_UNSUPPORTED (built without libxml2), TEEATTEST_E_NOMEM. */
int ta_rim_parse(const teeattest_ctx *ctx, const uint8_t *xml, size_t len,
                 ta_rim **out, teeattest_error *err);
void ta_rim_free(ta_rim *rim);

/* DigestValue == digest of the canonical document minus the Signature.
 * TEEATTEST_OK or TEEATTEST_E_VERIFY_FAILED. */
int ta_rim_check_digest(const ta_rim *rim);
/* SignatureValue over the canonical SignedInfo with the first KeyInfo
 * certificate's key (must be EC P-384). TEEATTEST_OK,
 * TEEATTEST_E_VERIFY_FAILED, TEEATTEST_E_PARSE (no/unusable signer key). */
int ta_rim_check_signature(const ta_rim *rim, teeattest_error *err);
/* Signer chain at Unix time `at`: the last embedded certificate must equal
 * the pin byte for byte and is replaced by it; the rest must chain to it
 * with every certificate valid at `at`. root_der NULL = the pinned CoRIM
 * root. *flags gets TEEATTEST_X509_* bits; *leaf_not_after (may be NULL)
 * the leaf's notAfter (0 if unknown). TEEATTEST_OK or
 * TEEATTEST_E_CERT_CHAIN (err says why). */
int ta_rim_check_chain(const ta_rim *rim, const uint8_t *root_der,
                       size_t root_len, int64_t at, uint32_t *flags,
                       int64_t *leaf_not_after, teeattest_error *err);
/* colloquialVersion equals `evidence_version` ignoring ASCII case. */
bool ta_rim_version_matches(const ta_rim *rim, const char *evidence_version);

/* ---- comparison with a GPU's measurements (spec 4.5, 4.6) ------------- */

/* One SPDM measurement block as the evidence parser saw it. */
typedef struct ta_rim_block {
    bool present;
    const uint8_t *value;
    size_t len;
} ta_rim_block;

typedef struct ta_rim_runtime {
    const ta_rim_block *blocks; /* blocks[k] = SPDM block with Index k+1 */
    size_t count;
    int nvdec0_status;          /* opaque NVDEC0_STATUS byte, -1 = absent */
    const char *driver_version; /* opaque DRIVER_VERSION, NULL = absent */
    const char *vbios_version;  /* formatted "96.00.9F.00.01", NULL = absent */
} ta_rim_runtime;

enum { TA_RIM_SRC_DRIVER = 1, TA_RIM_SRC_VBIOS = 2 };
enum {
    TA_RIM_MISS_ABSENT = 1, /* no runtime block for an active golden index */
    TA_RIM_MISS_SIZE = 2,   /* runtime length != golden size */
    TA_RIM_MISS_VALUE = 3   /* equals none of the alternatives */
};

typedef struct ta_rim_mismatch {
    uint16_t index;  /* RIM index (SPDM block index - 1) */
    uint8_t source;  /* TA_RIM_SRC_* */
    uint8_t reason;  /* TA_RIM_MISS_* */
} ta_rim_mismatch;

typedef struct ta_rim_compare_out {
    bool driver_version_ok, vbios_version_ok; /* true when that RIM is NULL */
    bool nvdec0_invalid;   /* NVDEC0_STATUS neither 0x55 nor 0xAA */
    bool skipped_nvdec0;   /* index 35 skipped (NVDEC0 disabled, 0x55) */
    size_t compared;       /* active golden indexes compared */
    size_t n_conflicts;    /* indexes active in both RIMs */
    uint16_t conflicts[TA_RIM_MAX_INDEX];
    size_t n_mismatches;
    ta_rim_mismatch mismatches[2 * TA_RIM_MAX_INDEX];
} ta_rim_compare_out;

/* Compare `driver` and/or `vbios` (either may be NULL) with `rt`: version
 * match, driver/VBIOS conflict, every active golden index against block
 * index+1 (any alternative), NVDEC0 rule for index 35. Mismatches are
 * listed driver first, ascending index. Returns TEEATTEST_OK when all
 * agree, TEEATTEST_E_VERIFY_FAILED otherwise (details in *out),
 * TEEATTEST_E_INVALID_ARG. */
int ta_rim_compare(const ta_rim *driver, const ta_rim *vbios,
                   const ta_rim_runtime *rt, ta_rim_compare_out *out);

/* ---- one GPU into a result ------------------------------------------- */

typedef struct ta_rim_verify_in {
    const uint8_t *driver_xml; /* NULL = driver RIM not available */
    size_t driver_len;
    const uint8_t *vbios_xml;  /* NULL = VBIOS RIM not available */
    size_t vbios_len;
    const char *driver_rim_id, *vbios_rim_id; /* for details, may be NULL */
    /* Already parsed RIMs (borrowed), used instead of the XML when set. */
    const ta_rim *driver_parsed, *vbios_parsed;
    ta_rim_runtime runtime;
    int64_t at;                /* verification time (Unix seconds) */
    const uint8_t *root_der;   /* NULL = pinned CoRIM root (tests only) */
    size_t root_len;
    bool required;             /* the checks' required flag */
} ta_rim_verify_in;

typedef struct ta_rim_verify_out {
    bool all_passed;           /* every check passed */
    size_t n_mismatches;
    ta_rim_compare_out cmp;    /* valid when both RIMs verified or one did */
} ta_rim_verify_out;

/* Verify the driver and VBIOS RIMs of GPU `gpu` and append ten checks, in
 * this order: gpu[i].rim.driver.signature, .digest, .chain, .version, the
 * same four for gpu[i].rim.vbios, then gpu[i].rim.driver.measurements and
 * gpu[i].rim.vbios.measurements (they need both RIMs for the conflict
 * rule); facts gpu[i].rim.<src>.version, .signer_not_after,
 * .mismatches (comma-separated RIM indexes, only when there are some) and
 * gpu[i].rim.mismatch_count. A RIM that is missing or fails to verify
 * gives required skips for what could not run; golden values are compared
 * only from a RIM whose digest, signature and chain passed.
 * `r` and `out` may be NULL. Returns TEEATTEST_OK whenever the checks ran
 * (read the result / out->all_passed), TEEATTEST_E_INVALID_ARG,
 * TEEATTEST_E_NOMEM. */
int ta_rim_verify_append(teeattest_ctx *ctx, teeattest_result *r,
                         size_t gpu, const ta_rim_verify_in *in,
                         ta_rim_verify_out *out, teeattest_error *err);

#endif /* TA_GPU_RIM_H */
