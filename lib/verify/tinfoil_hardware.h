/*
 * Internal: Tinfoil hardware measurements (tinfoil_hardware.c). Tinfoil
 * publishes the MRTD and RTMR0 of every TDX platform (VM shape) its
 * enclaves run on as an in-toto statement signed through Sigstore by the
 * release workflow of tinfoilsh/hardware-measurements; report_verify.c
 * compares them with the quote of a Tinfoil V3 report (checks
 * tinfoil.hardware.*, docs/checks.md).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_TINFOIL_HARDWARE_H
#define TA_TINFOIL_HARDWARE_H

#include "tinfoil_release.h"
#include "verify.h"

#define TA_TINFOIL_HW_PREDICATE \
    "https://tinfoil.sh/predicate/hardware-measurements/v1"
/* The one repository whose tag workflow signs hardware measurements. */
#define TA_TINFOIL_HW_REPO "tinfoilsh/hardware-measurements"
/* A release lists a few dozen platforms. */
#define TA_TINFOIL_HW_MAX_PLATFORMS 1024
/* Platform ids are short names such as "extra_large_1d_new". */
#define TA_TINFOIL_HW_MAX_ID 128

/* One platform of the predicate. */
typedef struct ta_tinfoil_platform {
    char id[TA_TINFOIL_HW_MAX_ID + 1];
    uint8_t mrtd[48];
    uint8_t rtmr0[48];
} ta_tinfoil_platform;

/* What the statement states; `platforms` is allocated on the context. */
typedef struct ta_tinfoil_hardware {
    uint8_t subject_digest[32]; /* its one subject's sha256 */
    ta_tinfoil_platform *platforms;
    size_t n_platforms;         /* >= 1 after a successful parse */
} ta_tinfoil_hardware;

/* Strict parse of the in-toto statement (the DSSE payload): JSON without
 * duplicate members, `_type` TA_INTOTO_STATEMENT_V1, exactly one subject
 * with a 64-hex sha256, `predicateType` TA_TINFOIL_HW_PREDICATE, and a
 * predicate that is a non-empty object mapping platform ids (1 to
 * TA_TINFOIL_HW_MAX_ID printable ASCII characters) to objects whose mrtd
 * and rtmr0 are 96 lower-case hex digits; other members of a platform are
 * allowed and not read. Returns a TA_TINFOIL_STMT_* value (TYPE for
 * another predicate type) with `why` filled on refusal, or
 * TEEATTEST_E_NOMEM (negative). The subject is read before the predicate
 * type: out->subject_digest is set on TA_TINFOIL_STMT_TYPE too. On
 * TA_TINFOIL_STMT_OK free `out` with ta_tinfoil_hardware_free(). */
int ta_tinfoil_hardware_parse(teeattest_ctx *ctx, const uint8_t *stmt,
                              size_t len, ta_tinfoil_hardware *out,
                              char *why, size_t cap);
void ta_tinfoil_hardware_free(teeattest_ctx *ctx, ta_tinfoil_hardware *hw);

/* The first platform whose MRTD and RTMR0 both equal the quote's, or
 * NULL. Registers of one platform are never mixed with another's. */
const ta_tinfoil_platform *
ta_tinfoil_hardware_match(const ta_tinfoil_hardware *hw,
                          const uint8_t mrtd[48], const uint8_t rtmr0[48]);

/* tinfoil.hardware.bundle, .identity, .predicate, .measurement of the
 * bundle of `src` (given, fetched or found in the evidence; its digest,
 * when not NULL, required as the subject, its tag of the workflow; repo
 * unused: always TA_TINFOIL_HW_REPO) for a report whose quote has this
 * MRTD and RTMR0, with the facts tinfoil.hardware.*, at the verification
 * time `at`. TEEATTEST_OK unless out of memory. */
int ta_tinfoil_hardware_checks(teeattest_ctx *ctx, teeattest_result *r,
                               const teeattest_policy *pol,
                               const ta_tinfoil_src *src,
                               const uint8_t mrtd[48],
                               const uint8_t rtmr0[48], int64_t at,
                               teeattest_error *err);

/* The hardware measurements of the policy (tinfoil_fetch.c): the bundle
 * it gives; else, when a release repository is named, the latest release
 * of TA_TINFOIL_HW_REPO fetched (TEEATTEST_ONLINE_TINFOIL_RELEASE; the
 * bundle is added to ev) or the one hardware bundle found in ev; then
 * ta_tinfoil_hardware_checks(). TEEATTEST_OK unless out of memory. */
int ta_tinfoil_hardware_run(teeattest_ctx *ctx, teeattest_result *r,
                            const teeattest_policy *pol,
                            struct teeattest_evidence *ev,
                            const uint8_t mrtd[48], const uint8_t rtmr0[48],
                            int64_t at, teeattest_error *err);

#endif /* TA_TINFOIL_HARDWARE_H */
