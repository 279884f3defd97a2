/*
 * Internal: a Tinfoil release attestation (tinfoil_release.c). Tinfoil
 * publishes the expected measurements of each enclave release as an
 * in-toto statement signed through Sigstore by the release workflow of the
 * enclave's GitHub repository; report_verify.c compares them with the
 * quote of a Tinfoil V3 report (checks tinfoil.release.*, docs/checks.md).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_TINFOIL_RELEASE_H
#define TA_TINFOIL_RELEASE_H

#include <jansson.h>

#include "verify.h"

#define TA_TINFOIL_PREDICATE \
    "https://tinfoil.sh/predicate/snp-tdx-multiplatform/v1"
#define TA_INTOTO_STATEMENT_V1 "https://in-toto.io/Statement/v1"
#define TA_INTOTO_PAYLOAD_TYPE "application/vnd.in-toto+json"

/* What the statement states. */
typedef struct ta_tinfoil_release {
    uint8_t subject_digest[32]; /* its one subject's sha256 */
    uint8_t snp[48];            /* snp_measurement */
    uint8_t rtmr1[48];          /* tdx_measurement.rtmr1 */
    uint8_t rtmr2[48];          /* tdx_measurement.rtmr2 */
} ta_tinfoil_release;

/* Why a statement was refused. */
enum {
    TA_TINFOIL_STMT_OK = 0,
    TA_TINFOIL_STMT_TYPE,      /* predicateType is not TA_TINFOIL_PREDICATE */
    TA_TINFOIL_STMT_MALFORMED, /* anything else */
};

/* Strict parse of the in-toto statement (the DSSE payload): JSON without
 * duplicate members, `_type` TA_INTOTO_STATEMENT_V1, exactly one subject
 * with a 64-hex sha256, `predicateType` TA_TINFOIL_PREDICATE, and a
 * predicate whose snp_measurement and tdx_measurement.rtmr1/rtmr2 are 96
 * lower-case hex digits. Other members of the predicate (cmdline, hashes,
 * config) are allowed and not read. Returns a TA_TINFOIL_STMT_* value
 * with `why` filled on refusal. */
int ta_tinfoil_statement_parse(const uint8_t *stmt, size_t len,
                               ta_tinfoil_release *out, char *why,
                               size_t cap);

/* 96 lower-case hex digits at member `key` of `o` (an object or NULL),
 * decoded into out. Also used by tinfoil_hardware.c. */
bool ta_tinfoil_reg(uint8_t out[48], json_t *o, const char *key);

/* The header of an in-toto statement v1, `st` a parsed JSON object:
 * `_type` TA_INTOTO_STATEMENT_V1, exactly one subject whose sha256 (64 hex
 * digits, lower-case only when `lower`) goes to digest, then
 * `predicateType` `ptype`; *pred is the statement's `predicate` member (or
 * NULL; borrowed from st). The subject is read before the predicate type:
 * digest is set on TA_TINFOIL_STMT_TYPE too. Returns a TA_TINFOIL_STMT_*
 * value with `why` filled on refusal. Also used by tinfoil_hardware.c. */
int ta_intoto_header(json_t *st, const char *ptype, bool lower,
                     uint8_t digest[32], json_t **pred, char *why,
                     size_t cap);

/* A GitHub "owner/name" (letters, digits, '-', '_', '.'; one slash; at
 * most 140 bytes). */
bool ta_tinfoil_repo_ok(const char *s);

/* Longest release tag taken (teeattest_policy_set_tinfoil_release_repo). */
#define TA_TINFOIL_MAX_TAG 128

/* The release attestation to judge: given by the policy, fetched, or
 * found in the evidence (tinfoil_fetch.c). */
typedef struct ta_tinfoil_src {
    const uint8_t *bundle;  /* NULL: none (tinfoil.release.bundle says why) */
    size_t len;
    const char *repo;       /* "owner/name" */
    const uint8_t *digest;  /* 32 bytes the subject must be; NULL: any */
    const char *tag;        /* the workflow's tag must be it; NULL: any */
    const char *missing;    /* bundle NULL: why (NULL: none given) */
} ta_tinfoil_src;

/* GitHub: owner up to 39 characters, repository name up to 100. */
#define TA_TINFOIL_MAX_REPO 140

/* The identity a release workflow's certificate carries:
 * https://github.com/OWNER/NAME/.github/workflows/FILE@refs/tags/TAG, as an
 * anchored POSIX ERE for `repo` ('.' escaped), TAG `tag` when not NULL
 * (else any), into out (cap at least 2 * (TA_TINFOIL_MAX_REPO +
 * TA_TINFOIL_MAX_TAG) + 96). Also used by tinfoil_hardware.c. */
void ta_tinfoil_identity_re(char *out, size_t cap, const char *repo,
                            const char *tag);

/* The sigstore.* checks of a bundle verification, sorted into three
 * groups; ok[g] is false, with why[g] saying so, when a check of the group
 * failed or one of its essential checks did not run and pass. Also used
 * by tinfoil_hardware.c. */
enum { GROUP_BUNDLE, GROUP_IDENTITY, GROUP_DIGEST, N_GROUPS };
void ta_tinfoil_sort_checks(const teeattest_result *sr, bool ok[N_GROUPS],
                            char why[N_GROUPS][200]);

/* The DSSE envelope of a Sigstore bundle holding an in-toto statement,
 * read before its signature is checked (only to know which subject digest
 * to verify the bundle for): 0 with *out the parsed bundle (its payload the
 * statement; free with ta_ss_bundle_free), 1 with `why` filled when the
 * bundle does not parse, holds a message signature, or its payloadType is
 * not TA_INTOTO_PAYLOAD_TYPE, or TEEATTEST_E_NOMEM (e says so). Also used
 * by tinfoil_hardware.c. */
struct ta_ss_bundle;
int ta_tinfoil_envelope(teeattest_ctx *ctx, const uint8_t *bundle,
                        size_t len, struct ta_ss_bundle **out, char *why,
                        size_t cap, teeattest_error *e);

/* The Sigstore verification of `bundle` for subject `digest` as signed by
 * a release workflow of `repo` at tag `tag` (NULL: any), against the
 * policy's trusted root at time `at`: ok/gwhy as ta_tinfoil_sort_checks()
 * gives them, san the signer's identity (verified or not; "" when none).
 * digest NULL: nothing is verified, every group fails, the bundle group
 * saying `why`. TEEATTEST_OK unless the verification failed to run (out of
 * memory). Also used by tinfoil_hardware.c. */
int ta_tinfoil_verify_signer(teeattest_ctx *ctx, const teeattest_policy *pol,
                             const uint8_t *bundle, size_t len,
                             const uint8_t *digest, const char *repo,
                             const char *tag, int64_t at, const char *why,
                             bool ok[N_GROUPS], char gwhy[N_GROUPS][200],
                             char san[512], teeattest_error *err);

/* The checks PREFIX.bundle (pass when bundle_ok, else bundle_why) and
 * PREFIX.identity (id_ok, id_why; a workflow of `repo` at tag `tag`, NULL:
 * any), and the fact PREFIX.workflow when san is not "". Also used by
 * tinfoil_hardware.c. */
void ta_tinfoil_signer_checks(teeattest_result *r, const teeattest_policy *pol,
                              const char *prefix, bool bundle_ok,
                              const char *bundle_why, bool id_ok,
                              const char *id_why, const char *san,
                              const char *repo, const char *tag);

/* tinfoil.release.bundle, .identity, .predicate, .digest, .measurement
 * of `src` for a report whose quote has these RTMRs (index 0..3), with
 * the facts tinfoil.release.*, at the verification time `at` (Unix
 * seconds: a bundle logged after it fails). TEEATTEST_OK unless out of
 * memory. */
int ta_tinfoil_release_checks(teeattest_ctx *ctx, teeattest_result *r,
                              const teeattest_policy *pol,
                              const ta_tinfoil_src *src,
                              const uint8_t *const rtmr[4], int64_t at,
                              teeattest_error *err);

/* The release of the policy (tinfoil_fetch.c): the bundle it gives, else
 * the release of teeattest_policy_set_tinfoil_release_repo() fetched
 * (TEEATTEST_ONLINE_TINFOIL_RELEASE; the bundle is added to ev) or found
 * in ev, then ta_tinfoil_release_checks(). TEEATTEST_OK unless out of
 * memory. */
int ta_tinfoil_release_run(teeattest_ctx *ctx, teeattest_result *r,
                           const teeattest_policy *pol,
                           struct teeattest_evidence *ev,
                           const uint8_t *const rtmr[4], int64_t at,
                           teeattest_error *err);

#endif /* TA_TINFOIL_RELEASE_H */
