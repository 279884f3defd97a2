/*
 * Tinfoil hardware measurements: the Sigstore bundle a release of
 * tinfoilsh/hardware-measurements publishes (a DSSE envelope holding an
 * in-toto statement with predicate type hardware-measurements/v1, signed
 * by a GitHub Actions workflow of that repository at a release tag)
 * against the TDX quote of a Tinfoil V3 report. The predicate maps each
 * platform (VM shape) Tinfoil runs enclaves on to its MRTD (TD firmware)
 * and RTMR0 (firmware configuration, ACPI tables); the quote must equal
 * one platform in both registers, as Tinfoil's own verifiers require.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "../sigstore/sigstore.h"
#include "tinfoil_hardware.h"
#include "tinfoil_release.h"

#define PASS TEEATTEST_OUTCOME_PASS
#define FAIL TEEATTEST_OUTCOME_FAIL
#define SKIP TEEATTEST_OUTCOME_SKIP

/* A bundle is a few kilobytes to tens of kilobytes. */
#define TA_TINFOIL_HW_MAX_DOC (1024 * 1024)

void ta_tinfoil_hardware_clear(struct teeattest_policy *p)
{
    ta_free(p->ctx, p->tinfoil_hw_bundle);
    p->tinfoil_hw_bundle = NULL;
    p->tinfoil_hw_bundle_len = 0;
}

TEEATTEST_API int teeattest_policy_set_tinfoil_hardware(
    teeattest_policy *policy, const uint8_t *bundle, size_t bundle_len,
    teeattest_error *err)
{
    if (!policy)
        return TA_INVALID(err, "policy is NULL");
    if (!bundle) {
        ta_tinfoil_hardware_clear(policy);
        return TEEATTEST_OK;
    }
    if (!bundle_len)
        return TA_INVALID(err, "bundle_len is 0");
    if (bundle_len > TA_TINFOIL_HW_MAX_DOC)
        return ta_error(err, TEEATTEST_E_TOO_LARGE, "bundle",
                        "over the limit of %d bytes", TA_TINFOIL_HW_MAX_DOC);
    uint8_t *b = ta_malloc(policy->ctx, bundle_len);
    if (!b)
        return ta_error(err, TEEATTEST_E_NOMEM, NULL,
                        "copying the hardware measurements");
    memcpy(b, bundle, bundle_len);
    ta_tinfoil_hardware_clear(policy);
    policy->tinfoil_hw_bundle = b;
    policy->tinfoil_hw_bundle_len = bundle_len;
    return TEEATTEST_OK;
}

/* ---- the statement ------------------------------------------------------- */

/* 1..TA_TINFOIL_HW_MAX_ID printable ASCII characters, no space: a name
 * that reads back unambiguously in a fact. */
static bool id_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > TA_TINFOIL_HW_MAX_ID)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] <= 0x20 || s[i] >= 0x7f)
            return false;
    return true;
}

void ta_tinfoil_hardware_free(teeattest_ctx *ctx, ta_tinfoil_hardware *hw)
{
    if (!hw)
        return;
    ta_free(ctx, hw->platforms);
    hw->platforms = NULL;
    hw->n_platforms = 0;
}

int ta_tinfoil_hardware_parse(teeattest_ctx *ctx, const uint8_t *stmt,
                              size_t len, ta_tinfoil_hardware *out,
                              char *why, size_t cap)
{
    int rc = TA_TINFOIL_STMT_MALFORMED;
    json_t *st = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    out->platforms = NULL;
    out->n_platforms = 0;
    if (ta_json_parse(&st, stmt, len, TA_TINFOIL_HW_MAX_DOC, &e) ||
        !json_is_object(st)) {
        if (e.code == TEEATTEST_E_NOMEM)
            return TEEATTEST_E_NOMEM;
        snprintf(why, cap, "the statement is not a JSON object without "
                           "duplicate members: %.150s", e.message);
        goto out;
    }
    json_t *pred = NULL;
    rc = ta_intoto_header(st, TA_TINFOIL_HW_PREDICATE, true,
                          out->subject_digest, &pred, why, cap);
    if (rc != TA_TINFOIL_STMT_OK)
        goto out;
    rc = TA_TINFOIL_STMT_MALFORMED;
    size_t n = json_object_size(pred);
    if (!json_is_object(pred) || n == 0 || n > TA_TINFOIL_HW_MAX_PLATFORMS) {
        snprintf(why, cap, "the predicate is not an object of 1 to %d "
                           "platforms", TA_TINFOIL_HW_MAX_PLATFORMS);
        goto out;
    }
    out->platforms = ta_calloc(ctx, n, sizeof *out->platforms);
    if (!out->platforms) {
        json_decref(st);
        return TEEATTEST_E_NOMEM;
    }
    const char *key;
    json_t *val;
    json_object_foreach (pred, key, val) {
        ta_tinfoil_platform *p = &out->platforms[out->n_platforms];
        if (!id_ok(key)) {
            snprintf(why, cap, "platform id \"%.40s\" is not 1 to %d "
                               "printable characters", key,
                     TA_TINFOIL_HW_MAX_ID);
            goto out;
        }
        if (!json_is_object(val) || !ta_tinfoil_reg(p->mrtd, val, "mrtd") ||
            !ta_tinfoil_reg(p->rtmr0, val, "rtmr0")) {
            snprintf(why, cap, "platform %s lacks mrtd or rtmr0 as 96 "
                               "lower-case hex digits", key);
            goto out;
        }
        snprintf(p->id, sizeof p->id, "%s", key);
        out->n_platforms++;
    }
    rc = TA_TINFOIL_STMT_OK;
out:
    if (rc != TA_TINFOIL_STMT_OK)
        ta_tinfoil_hardware_free(ctx, out);
    json_decref(st);
    return rc;
}

const ta_tinfoil_platform *
ta_tinfoil_hardware_match(const ta_tinfoil_hardware *hw,
                          const uint8_t mrtd[48], const uint8_t rtmr0[48])
{
    for (size_t i = 0; i < hw->n_platforms; i++) {
        const ta_tinfoil_platform *p = &hw->platforms[i];
        /* both compared, always: no early exit on the first register */
        bool m = ta_ct_equal(p->mrtd, mrtd, 48);
        bool r = ta_ct_equal(p->rtmr0, rtmr0, 48);
        if (m && r)
            return p;
    }
    return NULL;
}

/* ---- the checks ---------------------------------------------------------- */

/* The statement, read from the envelope before its signature is checked:
 * only to know which subject digest to verify the bundle for. Returns a
 * TA_TINFOIL_STMT_* value or TEEATTEST_E_NOMEM. */
static int read_statement(teeattest_ctx *ctx, const ta_tinfoil_src *src,
                          ta_tinfoil_hardware *hw, char *why, size_t cap)
{
    ta_ss_bundle *b = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    int st = ta_tinfoil_envelope(ctx, src->bundle, src->len, &b, why, cap,
                                 &e);
    if (st < 0)
        return TEEATTEST_E_NOMEM;
    if (st > 0)
        return TA_TINFOIL_STMT_MALFORMED;
    st = ta_tinfoil_hardware_parse(ctx, b->payload.p, b->payload.len, hw, why,
                                   cap);
    ta_ss_bundle_free(ctx, b);
    return st;
}

int ta_tinfoil_hardware_checks(teeattest_ctx *ctx, teeattest_result *r,
                               const teeattest_policy *pol,
                               const ta_tinfoil_src *src,
                               const uint8_t mrtd[48],
                               const uint8_t rtmr0[48], int64_t at,
                               teeattest_error *err)
{
    if (!src->bundle) {
        bool req = pol->require_tinfoil_hardware;
        ta_result_check(r, "tinfoil.hardware.bundle", req ? FAIL : SKIP, req,
                        "%s%s", src->missing ? src->missing
                                : "no hardware measurements given "
                                  "(teeattest_policy_set_tinfoil_hardware)",
                        req ? ", and the policy requires them" : "");
        return TEEATTEST_OK;
    }
    ta_result_fact_str(r, "tinfoil.hardware.repo", TA_TINFOIL_HW_REPO);

    ta_tinfoil_hardware hw = {0};
    char why[256] = "";
    int st = read_statement(ctx, src, &hw, why, sizeof why);
    if (st < 0)
        return ta_error(err, TEEATTEST_E_NOMEM, NULL,
                        "reading the hardware measurements");
    /* A statement of another predicate type still names its subject (the
     * parse reads it first), so that its signature is judged on its own. */
    bool have_subject = st == TA_TINFOIL_STMT_OK ||
                        st == TA_TINFOIL_STMT_TYPE;
    /* A fetched release's tinfoil.hash is required as the subject. */
    const uint8_t *digest = src->digest ? src->digest
                            : have_subject ? hw.subject_digest
                                           : NULL;

    /* The Sigstore verification proper, against the policy's one trusted
     * root (NULL: the shipped default). */
    bool grp_ok[N_GROUPS];
    char grp_why[N_GROUPS][200], san[512];
    int rc = ta_tinfoil_verify_signer(
        ctx, pol, src->bundle, src->len, digest, TA_TINFOIL_HW_REPO,
        src->tag, at, why, grp_ok, grp_why, san, err);
    if (rc) {
        ta_tinfoil_hardware_free(ctx, &hw);
        return rc;
    }
    /* The subject is the statement's own or the fetched release's
     * tinfoil.hash: either way a subject mismatch fails the bundle. */
    bool bundle_ok = grp_ok[GROUP_BUNDLE] && grp_ok[GROUP_DIGEST];
    ta_tinfoil_signer_checks(r, pol, "tinfoil.hardware", bundle_ok,
                             grp_ok[GROUP_BUNDLE] ? grp_why[GROUP_DIGEST]
                                                  : grp_why[GROUP_BUNDLE],
                             grp_ok[GROUP_IDENTITY], grp_why[GROUP_IDENTITY],
                             san, TA_TINFOIL_HW_REPO, src->tag);
    const char *tag_at = strstr(san, "@refs/tags/");
    if (src->tag)
        ta_result_fact_str(r, "tinfoil.hardware.tag", src->tag);
    else if (grp_ok[GROUP_IDENTITY] && tag_at)
        ta_result_fact_str(r, "tinfoil.hardware.tag", tag_at + 11);

    if (st == TA_TINFOIL_STMT_OK) {
        char hexd[65];
        ta_hex_encode(hexd, hw.subject_digest, 32);
        ta_result_fact_str(r, "tinfoil.hardware.digest", hexd);
        ta_result_fact_int(r, "tinfoil.hardware.platforms",
                           (int64_t)hw.n_platforms);
        ta_result_check(r, "tinfoil.hardware.predicate", PASS, true,
                        "in-toto statement v1 with predicate %s, %zu "
                        "platform(s)", TA_TINFOIL_HW_PREDICATE,
                        hw.n_platforms);
    } else {
        ta_result_check(r, "tinfoil.hardware.predicate", FAIL, true, "%s",
                        why);
    }

    /* The registers, from a statement that verified only. */
    if (!bundle_ok || !grp_ok[GROUP_IDENTITY] || st != TA_TINFOIL_STMT_OK) {
        ta_result_check(r, "tinfoil.hardware.measurement", SKIP, true,
                        "the hardware measurements did not verify");
        ta_tinfoil_hardware_free(ctx, &hw);
        return TEEATTEST_OK;
    }
    const ta_tinfoil_platform *p = ta_tinfoil_hardware_match(&hw, mrtd, rtmr0);
    if (p) {
        ta_result_fact_str(r, "tinfoil.hardware.platform", p->id);
        ta_result_check(r, "tinfoil.hardware.measurement", PASS, true,
                        "MRTD and RTMR0 are those of platform %s", p->id);
    } else {
        char qm[97], qr[97];
        ta_hex_encode(qm, mrtd, 48);
        ta_hex_encode(qr, rtmr0, 48);
        ta_result_check(r, "tinfoil.hardware.measurement", FAIL, true,
                        "no platform of the %zu listed has both MRTD %s and "
                        "RTMR0 %s of the quote", hw.n_platforms, qm, qr);
    }
    ta_tinfoil_hardware_free(ctx, &hw);
    return TEEATTEST_OK;
}
