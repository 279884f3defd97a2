/*
 * TDX DCAP verification against every real, Intel-signed fixture case in
 * shared/fixtures/tdx (expected_all.json): each gives exactly its expected
 * status and advisories (or "TCB level not supported" with every crypto
 * check passing) at its recorded time, from both collateral forms (PCS raw
 * directory and dcap-qvl collateral.json), and the parsed TD report fields
 * equal the recorded ones. Also the NEAR AI capture's quote with the
 * collateral fetched from Intel PCS at capture time.
 *
 * White-box: drives the internal engine (lib/tdx/tdx.h); the public TDX
 * API is built on top of it.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <jansson.h>

#include "test.h"

#include "core/core.h"
#include "tdx/tdx.h"
#include "conf_memo.h"

static teeattest_ctx *ctx;

static const char *outcome_of(teeattest_result *r, const char *name)
{
    int32_t oc = 0;
    const char *detail = NULL;
    if (teeattest_result_find_check(r, name, &oc, &detail, NULL) != TEEATTEST_OK)
        return "absent";
    switch (oc) {
    case TEEATTEST_OUTCOME_PASS: return "pass";
    case TEEATTEST_OUTCOME_FAIL: return "fail";
    case TEEATTEST_OUTCOME_SKIP: return "skip";
    case TEEATTEST_OUTCOME_WARN: return "warn";
    default: return "?";
    }
}

static void dump_checks(teeattest_result *r)
{
    size_t n = teeattest_result_check_count(r);
    for (size_t i = 0; i < n; i++) {
        const char *name, *detail;
        int32_t oc;
        teeattest_result_check(r, i, &name, &oc, &detail, NULL, NULL);
        printf("#   %-28s %d %s\n", name, oc, detail);
    }
}

/* All checks up to and including tdx.qe_identity.policy / quote signature /
 * module identity must pass for every case (all crypto is valid). */
static const char *const crypto_checks[] = {
    "tdx.quote.parse", "tdx.quote.header", "tdx.pck_chain", "tdx.crl.root",
    "tdx.crl.pck", "tdx.pck_extension", "tdx.tcb_info.chain",
    "tdx.tcb_info.signature", "tdx.tcb_info.freshness",
    "tdx.qe_identity.chain", "tdx.qe_identity.signature",
    "tdx.qe_identity.freshness", "tdx.qe_report.signature",
    "tdx.qe_report.binding", "tdx.qe_identity.policy", "tdx.quote.signature",
    "tdx.module_identity",
};

static json_t *fixture_json(const char *name, const char *file)
{
    char rel[512];
    snprintf(rel, sizeof rel, "tdx/%s/%s", name, file);
    size_t len;
    uint8_t *b = ta_test_read_file(ta_test_fixture(rel), &len);
    json_t *j = b ? json_loadb((const char *)b, len, 0, NULL) : NULL;
    free(b);
    return j;
}

/* TCB currency facts against the collateral's own JSON: the evaluation
 * numbers, the levels (PCS lists them newest first, Intel's order) and
 * the selected level's date. */
static void check_tcb_currency(const char *name, teeattest_result *r,
                               const ta_tdx_outcome *out)
{
    json_t *tj = fixture_json(name, "tcb_info.json");
    json_t *qj = fixture_json(name, "qe_identity.json");
    json_t *ti = json_object_get(tj, "tcbInfo");
    json_t *qi = json_object_get(qj, "enclaveIdentity");
    if (CHECK(json_is_object(ti) && json_is_object(qi))) {
        char want[32];
        snprintf(want, sizeof want, "%lld", (long long)json_integer_value(
                     json_object_get(ti, "tcbEvaluationDataNumber")));
        CHECK_STR(ta_test_fact(r, "tdx.tcb_info.eval_number"), want);
        snprintf(want, sizeof want, "%lld", (long long)json_integer_value(
                     json_object_get(qi, "tcbEvaluationDataNumber")));
        CHECK_STR(ta_test_fact(r, "tdx.qe_identity.eval_number"), want);
        json_t *lv = json_object_get(ti, "tcbLevels");
        const char *levels = ta_test_fact(r, "tdx.tcb_levels");
        size_t n = levels ? 1 : 0;
        for (const char *c = levels; c && (c = strstr(c, "; ")); c += 2)
            n++;
        CHECK_EQ_INT(n, json_array_size(lv));
        const char *d0 = json_string_value(
            json_object_get(json_array_get(lv, 0), "tcbDate"));
        CHECK(levels && d0 && strncmp(levels, d0, 20) == 0);
        const char *idx = ta_test_fact(r, "tdx.tcb_level_index");
        if (out->platform_tcb_date) {
            CHECK(idx != NULL);
            json_t *sel = json_array_get(lv, idx ? (size_t)atoi(idx) : 0);
            CHECK_STR(ta_test_fact(r, "tdx.platform_tcb_date"),
                      json_string_value(json_object_get(sel, "tcbDate")));
            CHECK_STR(ta_tdx_status_name(out->platform_status),
                      json_string_value(json_object_get(sel, "tcbStatus")));
        } else {
            CHECK(idx == NULL);
            CHECK(ta_test_fact(r, "tdx.platform_tcb_date") == NULL);
        }
    }
    if (out->status == TA_TDX_UP_TO_DATE || !out->platform_tcb_date)
        CHECK(ta_test_fact(r, "tdx.tcb_behind") == NULL);
    if (strcmp(name, "automata_gcp_v4_outofdate") == 0) {
        /* By hand from its tcb_info.json: the PCK's SGX components
         * [6,6,2,2,3,1,0,3,0..] and PCESVN 11 miss the newest level
         * (2024-03-13, [7,7,2,2,3,1,0,3,0..], PCESVN 11) on components 0
         * ("Early Microcode Update") and 1 ("SGX Late Microcode Update")
         * and match level 1 (2023-08-09, OutOfDate). TEE_TCB_SVN 04 01 07:
         * component 2 (7) meets the newest level's 7; the module (TDX_01,
         * SVN 4) and the QE (ISVSVN 6) are at their newest levels (4). */
        CHECK_STR(ta_test_fact(r, "tdx.pck.tcb_components"),
                  "06060202030100030000000000000000");
        CHECK_STR(ta_test_fact(r, "tdx.pck.pcesvn"), "11");
        CHECK_STR(ta_test_fact(r, "tdx.tcb_level_index"), "1");
        CHECK_STR(ta_test_fact(r, "tdx.platform_tcb_date"),
                  "2023-08-09T00:00:00Z");
        CHECK_STR(ta_test_fact(r, "tdx.tcb_behind"),
                  "Early Microcode Update (CPUSVN component 0): 6 < 7, "
                  "SGX Late Microcode Update (CPUSVN component 1): 6 < 7");
    }
    json_decref(tj);
    json_decref(qj);
}

static void run_case(json_t *c, int form)
{
    const char *name = json_string_value(json_object_get(c, "case"));
    int64_t at = json_integer_value(json_object_get(c, "verify_at_unix"));
    json_t *exp = json_object_get(c, "expected");
    json_t *st = json_object_get(exp, "status");
    char rel[512];
    snprintf(rel, sizeof rel, "tdx/%s/quote.bin", name);
    size_t qlen;
    uint8_t *quote = ta_test_read_file(ta_test_fixture(rel), &qlen);
    if (!CHECK(quote != NULL))
        return;
    ta_tdx_collateral *col = NULL;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    int rc;
    if (form == 0) {
        snprintf(rel, sizeof rel, "tdx/%s", name);
        rc = ta_tdx_collateral_load_dir(ctx, ta_test_fixture(rel), &col, &err);
    } else {
        snprintf(rel, sizeof rel, "tdx/%s/collateral.json", name);
        size_t jl;
        uint8_t *j = ta_test_read_file(ta_test_fixture(rel), &jl);
        rc = j ? ta_tdx_collateral_load_json(ctx, j, jl, &col, &err)
               : TEEATTEST_E_IO;
        free(j);
    }
    printf("# case %s (%s)\n", name, form ? "collateral.json" : "directory");
    if (!CHECK_EQ_INT(rc, TEEATTEST_OK)) {
        printf("#   %s\n", err.message);
        free(quote);
        return;
    }
    teeattest_result *r = NULL;
    ta_result_new(ctx, &r);
    ta_tdx_outcome out;
    rc = ta_tdx_verify(ctx, quote, qlen, col, at, NULL, r, &out, &err);
    CHECK_EQ_INT(rc, TEEATTEST_OK);
    CHECK_EQ_INT(ta_result_finish(r, &err), TEEATTEST_OK);
    int before = ta_test_failed;
    for (size_t i = 0; i < TA_ARRAY_LEN(crypto_checks); i++)
        CHECK_STR(outcome_of(r, crypto_checks[i]), "pass");
    if (json_is_string(st)) {
        CHECK_STR(ta_tdx_status_name(out.status), json_string_value(st));
        CHECK_STR(outcome_of(r, "tdx.tcb_level"), "pass");
        /* advisories, in order */
        json_t *adv = json_object_get(exp, "advisory_ids");
        char want[512] = "";
        size_t i;
        json_t *v;
        json_array_foreach(adv, i, v) {
            size_t l = strlen(want);
            snprintf(want + l, sizeof want - l, "%s%s", i ? "," : "",
                     json_string_value(v));
        }
        CHECK_STR(out.advisories, want);
        CHECK_STR(ta_test_fact(r, "tdx.advisories"), want);
        CHECK_STR(ta_test_fact(r, "tdx.status"), json_string_value(st));
        bool accepted = strcmp(json_string_value(st), "UpToDate") == 0;
        CHECK_EQ_INT(out.status_accepted, accepted);
        CHECK_EQ_INT(out.all_passed, accepted);
        CHECK_EQ_INT(teeattest_result_verdict(r),
                     accepted ? TEEATTEST_VERDICT_VERIFIED : TEEATTEST_VERDICT_FAILED);
        json_t *ref = json_object_get(c, "reference_verifier_result");
        CHECK_STR(ta_tdx_status_name(out.platform_status),
                  json_string_value(json_object_get(ref, "platform_tdx_level")));
        CHECK_STR(ta_tdx_status_name(out.module_status),
                  json_string_value(json_object_get(ref, "module_status")));
        CHECK_STR(ta_tdx_status_name(out.qe_status),
                  json_string_value(json_object_get(ref, "qe_status")));
        CHECK_STR(out.module_id,
                  json_string_value(json_object_get(ref, "module_id")));
        CHECK_STR(ta_test_fact(r, "tdx.fmspc"),
                  json_string_value(json_object_get(ref, "fmspc")));
    } else {
        /* "TCB level not supported" */
        CHECK_EQ_INT(out.status, TA_TDX_TCB_NOT_SUPPORTED);
        CHECK_STR(outcome_of(r, "tdx.tcb_level"), "fail");
        CHECK_STR(outcome_of(r, "tdx.status"), "fail");
        CHECK_STR(out.first_failure, "tdx.tcb_level");
        CHECK(!out.all_passed);
        CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    }
    /* TD report facts equal the recorded parse */
    json_t *td = json_object_get(c, "td_report");
    static const char *const map[][2] = {
        {"mr_td", "tdx.mrtd"}, {"rtmr0", "tdx.rtmr0"}, {"rtmr1", "tdx.rtmr1"},
        {"rtmr2", "tdx.rtmr2"}, {"rtmr3", "tdx.rtmr3"},
        {"report_data", "tdx.report_data"}, {"mr_config_id", "tdx.mrconfigid"},
        {"mr_owner", "tdx.mrowner"}, {"mr_owner_config", "tdx.mrownerconfig"},
        {"xfam", "tdx.xfam"}, {"td_attributes", "tdx.tdattributes"},
        {"tee_tcb_svn", "tdx.tee_tcb_svn"}, {"mr_seam", "tdx.mrseam"},
        {"mr_signer_seam", "tdx.mrsignerseam"},
        {"tee_tcb_svn2", "tdx.tee_tcb_svn2"}, {"mr_servicetd", "tdx.mrservicetd"},
    };
    for (size_t i = 0; i < TA_ARRAY_LEN(map); i++) {
        json_t *v = json_object_get(td, map[i][0]);
        if (v)
            CHECK_STR(ta_test_fact(r, map[i][1]), json_string_value(v));
    }
    check_tcb_currency(name, r, &out);
    /* collateral expiry = the recorded end of the window */
    char until[21];
    ta_utc_format(until, out.collateral_expires);
    CHECK_STR(until, json_string_value(json_object_get(c, "collateral_valid_until")));
    if (ta_test_failed != before)
        dump_checks(r);
    ta_tdx_outcome_free(ctx, &out);
    teeattest_result_free(r);
    ta_tdx_collateral_free(col);
    free(quote);
}

/* Hex text of the quote in the NEAR capture (first "intel_quote"). */
static uint8_t *near_quote(size_t *len)
{
    size_t jl;
    uint8_t *j = ta_test_read_file(
        ta_test_fixture("providers/nearai_direct_ed25519_tls/attestation_report.json"),
        &jl);
    if (!j)
        return NULL;
    json_t *doc = json_loadb((const char *)j, jl, 0, NULL);
    free(j);
    json_t *q = json_object_get(doc, "intel_quote");
    if (!json_is_string(q)) {
        json_t *all = json_object_get(doc, "all_attestations");
        q = json_object_get(json_array_get(all, 0), "intel_quote");
    }
    uint8_t *out = NULL;
    if (json_is_string(q)) {
        size_t hl = json_string_length(q);
        out = malloc(hl / 2 + 1);
        int64_t n = ta_hex_decode(out, hl / 2 + 1, json_string_value(q), hl);
        if (n <= 0) {
            free(out);
            out = NULL;
        } else {
            *len = (size_t)n;
        }
    }
    json_decref(doc);
    return out;
}

static void run_near(void)
{
    size_t qlen = 0;
    uint8_t *quote = near_quote(&qlen);
    if (!CHECK(quote != NULL))
        return;
    ta_tdx_collateral *col = NULL;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    int rc = ta_tdx_collateral_load_dir(
        ctx, ta_test_fixture("providers/nearai_direct_ed25519_tls/intel_pcs"),
        &col, &err);
    if (!CHECK_EQ_INT(rc, TEEATTEST_OK)) {
        free(quote);
        return;
    }
    /* captured 2026-06-29T02:06:37Z */
    int64_t at = ta_timegm(2026, 6, 29, 2, 6, 37);
    teeattest_result *r = NULL;
    ta_result_new(ctx, &r);
    ta_tdx_outcome out;
    rc = ta_tdx_verify(ctx, quote, qlen, col, at, NULL, r, &out, &err);
    CHECK_EQ_INT(rc, TEEATTEST_OK);
    ta_result_finish(r, &err);
    printf("# NEAR capture: %s, advisories \"%s\"\n",
           ta_tdx_status_name(out.status), out.advisories ? out.advisories : "");
    for (size_t i = 0; i < TA_ARRAY_LEN(crypto_checks); i++)
        CHECK_STR(outcome_of(r, crypto_checks[i]), "pass");
    CHECK_STR(outcome_of(r, "tdx.tcb_level"), "pass");
    CHECK(out.status != TA_TDX_STATUS_NONE && out.status != TA_TDX_TCB_NOT_SUPPORTED &&
          out.status != TA_TDX_REVOKED);
    CHECK_STR(teeattest_result_fact(r, "tdx.mrtd"),
              "b24d3b24e9e3c16012376b52362ca09856c4adecb709d5fac33addf1c47e193da075b125b6c364115771390a5461e217");
    CHECK_STR(teeattest_result_fact(r, "tdx.report_data"),
              "5b1ddd16927a106f1ea4a25909cc81ed1b277d699473c27e01b2db5e16f992ee541b6523f9446dcd170e67ac8171eb9226bee5e3f192de4900b74f0ef293500b");
    if (out.status == TA_TDX_UP_TO_DATE || out.status == TA_TDX_SW_HARDENING_NEEDED)
        CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_VERIFIED);
    if (ta_test_failed)
        dump_checks(r);
    ta_tdx_outcome_free(ctx, &out);
    teeattest_result_free(r);
    ta_tdx_collateral_free(col);
    free(quote);
}

int main(void)
{
    teeattest_error err = TEEATTEST_ERROR_INIT;
    teeattest_ctx_options memo_opts = conf_memo_options();
    if (teeattest_ctx_new(&ctx, &memo_opts, &err) != TEEATTEST_OK) {
        printf("Bail out! context: %s\n", err.message);
        return 1;
    }
    size_t len;
    uint8_t *all = ta_test_read_file(ta_test_fixture("tdx/expected_all.json"), &len);
    json_t *cases = all ? json_loadb((const char *)all, len, 0, NULL) : NULL;
    free(all);
    if (!CHECK(json_is_array(cases)) || !CHECK_EQ_INT(json_array_size(cases), 7)) {
        teeattest_ctx_free(ctx);
        return ta_test_done();
    }
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c) {
        run_case(c, 0);
        run_case(c, 1);
    }
    json_decref(cases);
    run_near();
    teeattest_ctx_free(ctx);
    return ta_test_done();
}
