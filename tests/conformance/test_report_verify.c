/*
 * End-to-end report verification (teeattest/attest.h) over every real
 * provider capture in ../shared/fixtures/providers, at its recorded time,
 * offline: the checklist each produces, check by check. Then the negative
 * cases: a replayed report against a fresh nonce, an altered event log,
 * app_compose or TLS key, and the policy switches.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <time.h>

#include "conformance.h"
#include "report_helpers.h"
#include "conf_memo.h"

static teeattest_ctx *ctx;
static int verbose;

#define P "providers/"

typedef struct capture {
    const char *dir;
    const char *dialect;
    const char *report;   /* file name */
    const char *meta;     /* http_meta file with the peer SPKI, or NULL */
    uint8_t nonce[32];
    int64_t at;
    teeattest_report *rep;
    teeattest_evidence *ev;
} capture;

static void capture_load(capture *c, const char *dir, const char *dialect,
                         const char *report, const char *meta)
{
    char path[256];
    memset(c, 0, sizeof *c);
    c->dir = dir;
    snprintf(path, sizeof path, P "%s/capture_manifest.json", dir);
    json_t *m = conf_json(path);
    ta_test_unhex(c->nonce, 32, conf_str(m, "nonce_hex"));
    c->at = ta_test_iso_time(conf_str(m, "captured_at"));
    json_decref(m);
    size_t n;
    snprintf(path, sizeof path, P "%s/%s", dir, report);
    uint8_t *doc = conf_file(path, &n);
    int rc = teeattest_report_parse(ctx, &c->rep, dialect, doc, n, NULL);
    free(doc);
    if (rc) {
        printf("Bail out! %s does not parse: %d\n", path, rc);
        exit(1);
    }
    teeattest_evidence_new(ctx, &c->ev, NULL);
    if (meta) {
        snprintf(path, sizeof path, P "%s/%s", dir, meta);
        json_t *h = conf_json(path);
        const char *b64 = conf_str(h, "peer_spki_der_base64");
        if (b64) { /* not every capture recorded it */
            size_t sl;
            uint8_t *spki = ta_test_b64dec(b64, &sl);
            teeattest_evidence_set(c->ev, TEEATTEST_EVIDENCE_TLS_SPKI, 0, spki,
                                   sl, NULL);
            free(spki);
        }
        json_decref(h);
    }
}

static void capture_free(capture *c)
{
    teeattest_report_free(c->rep);
    teeattest_evidence_free(c->ev);
}

static void add_collateral(capture *c, const char *rel)
{
    teeattest_collateral *col = NULL;
    if (teeattest_collateral_load_dir(ctx, &col, ta_test_fixture(rel), NULL)) {
        printf("Bail out! collateral %s\n", rel);
        exit(1);
    }
    teeattest_evidence_add_collateral(c->ev, col, NULL);
    teeattest_collateral_free(col);
}

static void add_nras(capture *c, size_t entry)
{
    char path[256];
    size_t n;
    snprintf(path, sizeof path, P "%s/nras_response.json", c->dir);
    uint8_t *a = conf_file(path, &n);
    teeattest_evidence_set(c->ev, TEEATTEST_EVIDENCE_NRAS_RESPONSE, entry, a,
                           n, NULL);
    free(a);
    snprintf(path, sizeof path, P "%s/nras_jwks.json", c->dir);
    a = conf_file(path, &n);
    teeattest_gpu_inputs_add(teeattest_evidence_gpu_inputs(c->ev),
                             TEEATTEST_GPU_ITEM_JWKS, NULL, a, n, NULL);
    free(a);
}

static teeattest_policy *policy_at(int64_t at)
{
    teeattest_policy *p = NULL;
    teeattest_policy_new(ctx, &p, NULL);
    teeattest_policy_set_time(p, at, NULL);
    return p;
}

static void dump(const char *what, const teeattest_result *r)
{
    if (!verbose)
        return;
    printf("# --- %s: verdict %d\n", what, teeattest_result_verdict(r));
    for (size_t i = 0; i < teeattest_result_check_count(r); i++) {
        const char *name, *detail;
        int32_t o, req;
        teeattest_result_check(r, i, &name, &o, &detail, &req, NULL);
        printf("#   %-45s %s%s %s\n", name,
               o == TEEATTEST_OUTCOME_PASS ? "pass"
               : o == TEEATTEST_OUTCOME_FAIL ? "FAIL"
               : o == TEEATTEST_OUTCOME_SKIP ? "skip" : "warn",
               req ? "" : "(opt)", detail);
    }
    for (size_t i = 0; i < teeattest_result_fact_count(r); i++) {
        const char *k, *v;
        teeattest_result_fact_at(r, i, &k, &v, NULL);
        if (!strstr(k, ".tdx.") && !strstr(k, "gpu"))
            printf("#   fact %s = %.100s\n", k, v);
    }
}

static teeattest_result *verify(capture *c, size_t entry,
                                const teeattest_policy *pol,
                                const uint8_t *nonce, const char *what)
{
    teeattest_result *r = NULL;
    int rc = teeattest_report_verify(ctx, &r, c->rep, entry, c->ev, pol,
                                     nonce ? nonce : c->nonce, 32, NULL);
    CHECK_EQ_INT(rc, TEEATTEST_OK);
    dump(what, r);
    return r;
}

/* ---- NEAR AI model proxy, direct: everything offline ---------------------- */

static void case_near_direct(void)
{
    capture c;
    capture_load(&c, "nearai_direct_ed25519_tls", "nearai",
                 "attestation_report.json", "attestation_report.http_meta.json");
    add_collateral(&c, P "nearai_direct_ed25519_tls/intel_pcs");
    add_nras(&c, 0);
    teeattest_policy *pol = policy_at(c.at);
    teeattest_result *r = verify(&c, TEEATTEST_ENTRY_ALL, pol, NULL,
                                 "near direct");
    CHECK_STR(ta_test_failures(r), "");
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_VERIFIED);
    teeattest_result_free(r);
    teeattest_policy_free(pol);
    capture_free(&c);
}


/* The fact under the name the verdict gives it (ta_test_fact). */
static const char *fact(const teeattest_result *r, const char *key)
{
    const char *v = ta_test_fact(r, key);
    return v ? v : "(none)";
}

/* The collateral in the fixtures was issued 2026-06-29; the 2026-06-10
 * captures precede it, so their TDX collateral is "not yet valid". */
#define COLLATERAL_NOT_YET(e) \
    e ".tdx.crl.pck", e ".tdx.tcb_info.freshness", e ".tdx.qe_identity.freshness"
/* No RIMs for these drivers in the fixtures and no NRAS answer: nothing
 * judges the GPU measurements offline. */
#define NO_RIMS(e) e ".gpu[*].rim.*"

static void case_near_gateway(void)
{
    capture c;
    capture_load(&c, "nearai_cloud_gateway_ed25519_tls", "nearai",
                 "attestation_report.json", "attestation_report.http_meta.json");
    add_collateral(&c, P "nearai_direct_ed25519_tls/intel_pcs");
    teeattest_policy *pol = policy_at(c.at);
    teeattest_result *r = verify(&c, TEEATTEST_ENTRY_ALL, pol, NULL, "gateway");
    /* The gateway runs on FMSPC b0c06f000000, for which the fixtures hold
     * no collateral. */
    static const char *const want[] = {"entry[0].tdx.collateral",
                                       NO_RIMS("entry[1]"), NULL};
    conf_expect_failures(NULL, r, "gateway", want);
    CHECK_STR(ta_test_outcome(r, "entry[0].binding.report_data"), "pass");
    CHECK_STR(ta_test_outcome(r, "entry[0].binding.tls"), "pass");
    CHECK_STR(ta_test_outcome(r, "entry[0].binding.tls_certificate"), "pass");
    CHECK_STR(ta_test_outcome(r, "entry[0].eventlog.replay"), "pass");
    CHECK_STR(ta_test_outcome(r, "entry[0].compose.hash"), "pass");
    CHECK_STR(ta_test_outcome(r, "entry[0].gpu.present"), "skip");
    CHECK_STR(ta_test_outcome(r, "entry[1].binding.tls"), "skip");
    CHECK_STR(ta_test_outcome(r, "entry[1].compose_manager.actions_hash"), "pass");
    CHECK_STR(ta_test_outcome(r, "entry[1].tdx.status"), "pass");
    CHECK_STR(fact(r, "signer"),
              "d0aa20bcf567cc0c7c914608967dbd4c7a17e10b600802d45923434ce323f823");
    CHECK_STR(fact(r, "signer.gateway"),
              "cb6fc58f6bd685919fa42fb54d3fcfe03222e324bdda91f0bac6d5c73dc4f1c6");
    teeattest_result_free(r);
    /* Choosing the model entry still verifies the gateway in front of it. */
    r = verify(&c, 1, pol, NULL, "gateway, model entry");
    CHECK_STR(ta_test_outcome(r, "entry[0].binding.report_data"), "pass");
    CHECK_STR(ta_test_outcome(r, "entry[1].binding.report_data"), "pass");
    teeattest_result_free(r);
    teeattest_policy_free(pol);
    capture_free(&c);
}

static void case_nanogpt(void)
{
    capture c;
    capture_load(&c, "nanogpt_dstack_ecdsa", "nanogpt",
                 "attestation_report.json", NULL);
    add_collateral(&c, P "nearai_direct_ed25519_tls/intel_pcs");
    add_nras(&c, 0);
    teeattest_policy *pol = policy_at(c.at);
    teeattest_result *r = verify(&c, TEEATTEST_ENTRY_ALL, pol, NULL, "nanogpt");
    static const char *const want[] = {COLLATERAL_NOT_YET("entry[0]"), NULL};
    conf_expect_failures(NULL, r, "nanogpt", want);
    CHECK_STR(ta_test_outcome(r, "entry[0].eventlog.replay"), "pass");
    CHECK_STR(ta_test_outcome(r, "entry[0].binding.signing_key"), "pass");
    CHECK_STR(ta_test_outcome(r, "entry[0].gpu.nras.result"), "pass");
    CHECK_STR(fact(r, "signer"), "0xa6df16ebbc510d97a32b99b4dfd33793acc90e2b");
    CHECK_STR(fact(r, "entry[0].compose_hash"),
              "cd5af14107fda0782665a90a48507ddfc99f37d3e6a22ce3df8802881c0b1a1a");
    CHECK_STR(fact(r, "entry[0].images"), ""); /* nothing pinned by digest */
    teeattest_result_free(r);
    /* A TLS binding required of an L1 report fails. */
    teeattest_policy_set_require_tls_binding(pol, 1, NULL);
    r = verify(&c, TEEATTEST_ENTRY_ALL, pol, NULL, "nanogpt, TLS required");
    CHECK_STR(ta_test_outcome(r, "entry[0].binding.tls"), "fail");
    teeattest_result_free(r);
    teeattest_policy_free(pol);
    capture_free(&c);
}

static void case_venice(void)
{
    capture c;
    capture_load(&c, "venice_nearai_ecdsa", "venice", "attestation_report.json",
                 NULL);
    add_collateral(&c, P "nearai_direct_ed25519_tls/intel_pcs");
    teeattest_policy *pol = policy_at(c.at);
    teeattest_result *r = verify(&c, TEEATTEST_ENTRY_ALL, pol, NULL, "venice");
    static const char *const want[] = {
        COLLATERAL_NOT_YET("entry[0]"),
        COLLATERAL_NOT_YET("entry[0].compose_manager"), NO_RIMS("entry[0]"),
        NULL};
    conf_expect_failures(NULL, r, "venice", want);
    CHECK_STR(ta_test_outcome(r, "entry[0].binding.report_data"), "pass");
    CHECK_STR(ta_test_outcome(r, "entry[0].binding.signing_key"), "pass");
    CHECK_STR(ta_test_outcome(r, "entry[0].compose_manager.actions_hash"), "pass");
    CHECK_STR(ta_test_outcome(r, "entry[0].compose.mr_config_id"), "pass");
    /* NEAR's Ed25519 key signs the OHTTP config; this ecdsa report does
     * not bind it. */
    CHECK_STR(ta_test_outcome(r, "entry[0].binding.ohttp"), "skip");
    CHECK(ta_test_fact(r, "entry[0].ohttp_key_config") == NULL);
    CHECK_STR(fact(r, "signer"), "0x6525e128afcffebf7eed05d485d7be983cdae934");
    teeattest_result_free(r);
    teeattest_policy_free(pol);
    capture_free(&c);
}

static void case_redpill_chutes(void)
{
    capture c;
    capture_load(&c, "redpill_chutes_backend", "redpill",
                 "attestation_report.json", NULL);
    add_collateral(&c, P "nearai_direct_ed25519_tls/intel_pcs");
    teeattest_policy *pol = policy_at(c.at);
    teeattest_result *r = verify(&c, TEEATTEST_ENTRY_ALL, pol, NULL, "redpill");
    static const char *const want[] = {COLLATERAL_NOT_YET("entry[*]"),
                                       "entry[*].binding.nonce",
                                       NO_RIMS("entry[*]"), NULL};
    conf_expect_failures(NULL, r, "redpill", want);
    CHECK_STR(fact(r, "entries"), "5");
    for (int i = 0; i < 5; i++) {
        char name[64];
        snprintf(name, sizeof name, "entry[%d].binding.report_data", i);
        CHECK_STR(ta_test_outcome(r, name), "pass");
        /* every GPU answered the L6 value, not the client nonce */
        snprintf(name, sizeof name, "entry[%d].gpu[7].nonce", i);
        CHECK_STR(ta_test_outcome(r, name), "pass");
    }
    CHECK_STR(fact(r, "signer"), "(none)"); /* no signing key */
    teeattest_result_free(r);
    teeattest_policy_set_allow_server_nonce(pol, 1, NULL);
    r = verify(&c, TEEATTEST_ENTRY_ALL, pol, NULL, "redpill, server nonce ok");
    CHECK_STR(ta_test_outcome(r, "entry[0].binding.nonce"), "warn");
    teeattest_result_free(r);
    teeattest_policy_free(pol);
    capture_free(&c);
}

static void case_chutes_direct(void)
{
    capture c;
    capture_load(&c, "chutes_direct", "chutes", "evidence.json", NULL);
    add_collateral(&c, P "nearai_direct_ed25519_tls/intel_pcs");
    teeattest_policy *pol = policy_at(c.at);
    /* Without the instances' E2EE keys nothing binds report_data[0:32]. */
    teeattest_result *r = verify(&c, TEEATTEST_ENTRY_ALL, pol, NULL,
                                 "chutes without instances");
    CHECK_STR(ta_test_outcome(r, "entry[0].binding.report_data"), "fail");
    teeattest_result_free(r);
    size_t n;
    uint8_t *inst = conf_file(P "chutes_direct/e2e_instances.json", &n);
    teeattest_evidence_set(c.ev, TEEATTEST_EVIDENCE_E2E_INSTANCES, 0, inst, n,
                           NULL);
    free(inst);
    r = verify(&c, TEEATTEST_ENTRY_ALL, pol, NULL, "chutes");
    /* instance 1 runs on FMSPC b0c06f000000: no collateral in the fixtures */
    static const char *const want[] = {"entry[1].tdx.collateral",
                                       NO_RIMS("entry[*]"), NULL};
    conf_expect_failures(NULL, r, "chutes", want);
    for (int i = 0; i < 2; i++) {
        char name[64];
        snprintf(name, sizeof name, "entry[%d].binding.report_data", i);
        CHECK_STR(ta_test_outcome(r, name), "pass");
        snprintf(name, sizeof name, "entry[%d].binding.tls", i);
        CHECK_STR(ta_test_outcome(r, name), "pass");
        snprintf(name, sizeof name, "entry[%d].binding.nonce", i);
        CHECK_STR(ta_test_outcome(r, name), "pass");
    }
    teeattest_result_free(r);
    teeattest_policy_free(pol);
    capture_free(&c);
}

static void case_tinfoil(void)
{
    capture c;
    capture_load(&c, "tinfoil_v3_direct", "tinfoil", "attestation.json",
                 "attestation.http_meta.json");
    add_collateral(&c, P "nearai_direct_ed25519_tls/intel_pcs");
    teeattest_policy *pol = policy_at(c.at);
    teeattest_result *r = verify(&c, TEEATTEST_ENTRY_ALL, pol, NULL, "tinfoil");
    static const char *const want[] = {NO_RIMS("entry[0]"), NULL};
    conf_expect_failures(NULL, r, "tinfoil", want);
    CHECK_STR(ta_test_outcome(r, "entry[0].binding.report_data"), "pass");
    CHECK_STR(ta_test_outcome(r, "entry[0].binding.gpu_evidence"), "pass");
    CHECK_STR(ta_test_outcome(r, "entry[0].binding.tls"), "pass");
    CHECK_STR(ta_test_outcome(r, "entry[0].eventlog.replay"), "skip");
    CHECK_STR(fact(r, "entry[0].tls_key_fp"),
              "dd34cd14f50bc0e410886c75bb387a6a4afa3704a03ad22386ec8fb8fe5cef9a");
    teeattest_result_free(r);
    /* Requiring an event log where the provider sends none fails. */
    teeattest_policy_set_require_event_log(pol, 1, NULL);
    r = verify(&c, TEEATTEST_ENTRY_ALL, pol, NULL, "tinfoil, event log");
    CHECK_STR(ta_test_outcome(r, "entry[0].eventlog.replay"), "fail");
    teeattest_result_free(r);
    teeattest_policy_free(pol);
    capture_free(&c);
}

/* ---- nothing looks verified unless it is ---------------------------------- */

/* Every fact of a failed result is named "unverified.*". */
static bool all_unverified(const teeattest_result *r)
{
    for (size_t i = 0; i < teeattest_result_fact_count(r); i++) {
        const char *k;
        teeattest_result_fact_at(r, i, &k, NULL, NULL);
        if (strncmp(k, "unverified.", 11) != 0) {
            printf("# plain fact %s on a failed result\n", k);
            return false;
        }
    }
    return teeattest_result_fact_count(r) > 0;
}

/* A well-formed req:resp text (the hashes need not match anything). */
#define SIG_TEXT                                                           \
    "aae79d9de9c46f0a9c478481ceb84df5742a88067a6ab8bac9e98664d712d58f:"    \
    "aae79d9de9c46f0a9c478481ceb84df5742a88067a6ab8bac9e98664d712d58f"
#define NEAR_SIGNER \
    "d0aa20bcf567cc0c7c914608967dbd4c7a17e10b600802d45923434ce323f823"

static void case_unverified_facts(void)
{
    /* The example: NEAR without collateral fails, and its signer
     * must not be readable as "the" signer. */
    capture c;
    capture_load(&c, "nearai_direct_ed25519_tls", "nearai",
                 "attestation_report.json", "attestation_report.http_meta.json");
    add_nras(&c, 0);
    teeattest_policy *pol = policy_at(c.at);
    teeattest_result *r = verify(&c, TEEATTEST_ENTRY_ALL, pol, NULL,
                                 "near, no collateral");
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    CHECK(teeattest_result_fact(r, "signer") == NULL);
    CHECK(teeattest_result_fact(r, "entry[0].signer") == NULL);
    CHECK(teeattest_result_fact(r, "entry[0].compose_hash") == NULL);
    CHECK(all_unverified(r));
    CHECK_STR(teeattest_result_fact(r, "unverified.signer"), NEAR_SIGNER);
    CHECK_STR(teeattest_result_fact(r, "unverified.entry[0].signer"),
              NEAR_SIGNER);
    const char *json = NULL;
    CHECK_EQ_INT(teeattest_result_to_json(r, &json, NULL, NULL), TEEATTEST_OK);
    CHECK(json && !strstr(json, "\"signer\"") &&
          !strstr(json, "\"entry[0].signer\""));
    /* A record claiming that signer finds no attested signer in it. */
    size_t rl, sl;
    uint8_t *req = conf_file(P "real_signatures/nearai_cloud_2025_stream/request_body.json", &rl);
    uint8_t *resp = conf_file(P "real_signatures/nearai_cloud_2025_stream/response_body.sse", &sl);
    char zeros[129];
    memset(zeros, '0', 128);
    zeros[128] = '\0';
    teeattest_signature *claim = NULL;
    CHECK_EQ_INT(teeattest_signature_new(ctx, &claim, SIG_TEXT, zeros,
                                         NEAR_SIGNER, "ed25519", NULL),
                 TEEATTEST_OK);
    teeattest_result *sr = NULL;
    CHECK_EQ_INT(teeattest_signature_verify_attested(claim, &sr, pol, r, req,
                                                     rl, resp, sl, NULL),
                 TEEATTEST_OK);
    const char *d = NULL;
    CHECK_EQ_INT(teeattest_result_find_check(sr, "signature.attestation",
                                             NULL, &d, NULL), TEEATTEST_OK);
    CHECK(d && strstr(d, "did not verify"));
    CHECK_STR(ta_test_outcome(sr, "signature.attestation"), "fail");
    teeattest_result_free(sr);
    teeattest_signature_free(claim);
    free(req);
    free(resp);
    const char *signer = "x", *algo = "x";
    teeattest_error e = TEEATTEST_ERROR_INIT;
    CHECK_EQ_INT(teeattest_result_verified_signer(r, &signer, &algo, &e),
                 TEEATTEST_E_NOT_VERIFIED);
    CHECK(signer == NULL && algo == NULL);
    CHECK_EQ_INT(e.code, TEEATTEST_E_NOT_VERIFIED);
    teeattest_result_free(r);

    /* With its collateral it verifies: the signer under its plain name,
     * and model_name, which nothing binds, still unverified. */
    add_collateral(&c, P "nearai_direct_ed25519_tls/intel_pcs");
    r = verify(&c, TEEATTEST_ENTRY_ALL, pol, NULL, "near, verified");
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_VERIFIED);
    CHECK_EQ_INT(teeattest_result_verified_signer(r, &signer, &algo, NULL),
                 TEEATTEST_OK);
    CHECK_STR(signer, NEAR_SIGNER);
    CHECK_STR(algo, "ed25519");
    CHECK_EQ_INT(teeattest_result_verified_signer(r, &signer, NULL, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_result_verified_signer(NULL, &signer, NULL, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_result_verified_signer(r, NULL, NULL, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_STR(teeattest_result_fact(r, "entry[0].signer"), NEAR_SIGNER);
    CHECK(teeattest_result_fact(r, "entry[0].model") == NULL);
    CHECK_STR(teeattest_result_fact(r, "unverified.entry[0].model"),
              "Qwen/Qwen3.5-122B-A10B");
    teeattest_result_free(r);
    teeattest_policy_free(pol);
    capture_free(&c);

}

/* ---- tampering and replay, on the capture that verifies ------------------- */

/* The NEAR direct capture with its document edited by `edit`. */
static void near_edited(capture *c, void (*edit)(json_t *doc))
{
    capture_load(c, "nearai_direct_ed25519_tls", "nearai",
                 "attestation_report.json", "attestation_report.http_meta.json");
    add_collateral(c, P "nearai_direct_ed25519_tls/intel_pcs");
    add_nras(c, 0);
    if (!edit)
        return;
    json_t *doc = conf_json(P "nearai_direct_ed25519_tls/attestation_report.json");
    edit(doc);
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    teeattest_report_free(c->rep);
    c->rep = NULL;
    CHECK_EQ_INT(teeattest_report_parse(ctx, &c->rep, "nearai",
                                        (const uint8_t *)text, strlen(text),
                                        NULL), TEEATTEST_OK);
    free(text);
}

/* Change the app-id event in both logs to another id, in the stripped
 * form (digest ""), so that the log itself stays well-formed. */
static void edit_app_id(json_t *log)
{
    size_t i;
    json_t *e;
    json_array_foreach(log, i, e) {
        const char *name = json_string_value(json_object_get(e, "event"));
        if (name && strcmp(name, "app-id") == 0) {
            json_object_set_new(e, "digest", json_string(""));
            json_object_set_new(e, "event_payload",
                                json_string("1111111111111111111111111111111111111111"));
        }
    }
}

static void edit_event_log(json_t *doc)
{
    json_t *entry = json_array_get(json_object_get(doc, "all_attestations"), 0);
    edit_app_id(json_object_get(entry, "event_log"));
    json_t *tcb = json_object_get(json_object_get(entry, "info"), "tcb_info");
    edit_app_id(json_object_get(tcb, "event_log"));
}

static void edit_app_compose(json_t *doc)
{
    json_t *entry = json_array_get(json_object_get(doc, "all_attestations"), 0);
    json_t *tcb = json_object_get(json_object_get(entry, "info"), "tcb_info");
    const char *ac = json_string_value(json_object_get(tcb, "app_compose"));
    char *more = malloc(strlen(ac) + 2);
    sprintf(more, "%s ", ac);
    json_object_set_new(tcb, "app_compose", json_string(more));
    free(more);
}

static void case_tampering(void)
{
    capture c;
    /* A replayed report: real, but not for the nonce of this request. */
    near_edited(&c, NULL);
    teeattest_policy *pol = policy_at(c.at);
    uint8_t fresh[32];
    memset(fresh, 0x5a, sizeof fresh);
    teeattest_result *r = verify(&c, TEEATTEST_ENTRY_ALL, pol, fresh, "replay");
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    CHECK_STR(ta_test_outcome(r, "entry[0].binding.nonce"), "fail");
    CHECK_STR(ta_test_outcome(r, "entry[0].compose_manager.binding.nonce"), "fail");
    CHECK_STR(ta_test_outcome(r, "entry[0].gpu[0].nonce"), "fail");
    CHECK_STR(ta_test_outcome(r, "entry[0].binding.report_data"), "pass");
    teeattest_result_free(r);
    /* Another TLS key than the attested one. */
    const uint8_t *spki;
    size_t sl;
    teeattest_evidence_get(c.ev, TEEATTEST_EVIDENCE_TLS_SPKI, 0, &spki, &sl, NULL);
    uint8_t *other = malloc(sl);
    memcpy(other, spki, sl);
    other[sl - 1] ^= 1;
    teeattest_evidence_set(c.ev, TEEATTEST_EVIDENCE_TLS_SPKI, 0, other, sl, NULL);
    free(other);
    r = verify(&c, TEEATTEST_ENTRY_ALL, pol, NULL, "other TLS key");
    static const char *const tls[] = {"entry[0].binding.tls", NULL};
    conf_expect_failures(NULL, r, "other TLS key", tls);
    teeattest_result_free(r);
    /* Without the connection's key the binding cannot be checked. */
    teeattest_evidence_set(c.ev, TEEATTEST_EVIDENCE_TLS_SPKI, 0, NULL, 0, NULL);
    r = verify(&c, TEEATTEST_ENTRY_ALL, pol, NULL, "no TLS key");
    CHECK_STR(ta_test_outcome(r, "entry[0].binding.tls"), "skip");
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_VERIFIED);
    teeattest_result_free(r);
    teeattest_policy_set_require_tls_binding(pol, 1, NULL);
    r = verify(&c, TEEATTEST_ENTRY_ALL, pol, NULL, "no TLS key, required");
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    teeattest_result_free(r);
    teeattest_policy_free(pol);
    capture_free(&c);

    near_edited(&c, edit_event_log);
    pol = policy_at(c.at);
    r = verify(&c, TEEATTEST_ENTRY_ALL, pol, NULL, "edited event log");
    /* the top level still repeats the entry as it was */
    static const char *const log[] = {"entry[0].eventlog.replay",
                                      "report.consistency", NULL};
    conf_expect_failures(NULL, r, "edited event log", log);
    teeattest_result_free(r);
    capture_free(&c);

    near_edited(&c, edit_app_compose);
    r = verify(&c, TEEATTEST_ENTRY_ALL, pol, NULL, "edited app_compose");
    static const char *const compose[] = {"entry[0].compose.hash",
                                          "report.consistency", NULL};
    conf_expect_failures(NULL, r, "edited app_compose", compose);
    teeattest_result_free(r);
    teeattest_policy_free(pol);
    capture_free(&c);
}

/* ---- the top level and the entries: consistent, distinct, any order -------- */

static json_t *entries_of(json_t *doc)
{
    return json_object_get(doc, "all_attestations");
}

/* A copy of entry 0 with another quote (the compose manager's, which
 * does not bind its key) and, if `signer`, another signing address. */
static json_t *other_entry(json_t *doc, const char *signer)
{
    json_t *e = json_deep_copy(json_array_get(entries_of(doc), 0));
    json_object_set(e, "intel_quote",
                    json_object_get(json_object_get(doc,
                                        "compose_manager_attestation"),
                                    "quote"));
    if (signer) {
        json_object_set_new(e, "signing_address", json_string(signer));
        json_object_del(e, "signing_public_key");
    }
    return e;
}

#define OTHER_SIGNER \
    "1111111111111111111111111111111111111111111111111111111111111111"

static void edit_top_signer(json_t *doc)
{
    json_object_set_new(doc, "signing_address", json_string(OTHER_SIGNER));
}

static void edit_top_model(json_t *doc)
{
    json_object_set_new(doc, "model_name", json_string("other/model"));
}

static void edit_top_added(json_t *doc)
{
    json_object_set_new(doc, "vm_config", json_string("{}"));
}

static void edit_top_quote(json_t *doc)
{
    json_t *e = other_entry(doc, NULL);
    json_object_set(doc, "intel_quote", json_object_get(e, "intel_quote"));
    json_decref(e);
}

static void edit_dup_entry(json_t *doc)
{
    json_array_append_new(entries_of(doc),
                          json_deep_copy(json_array_get(entries_of(doc), 0)));
}

static void edit_same_signer_after(json_t *doc)
{
    json_array_append_new(entries_of(doc), other_entry(doc, NULL));
}

static void edit_same_signer_before(json_t *doc)
{
    json_array_insert_new(entries_of(doc), 0, other_entry(doc, NULL));
}

static void edit_bad_after(json_t *doc)
{
    json_array_append_new(entries_of(doc), other_entry(doc, OTHER_SIGNER));
}

static void edit_bad_before(json_t *doc)
{
    json_array_insert_new(entries_of(doc), 0, other_entry(doc, OTHER_SIGNER));
}

/* Verify the NEAR capture edited by `edit` (entry `entry`), expect
 * exactly the failures `want`, and `detail_has` in the detail of `check`. */
static void expect_edited(void (*edit)(json_t *), size_t entry,
                          const char *what, const char *const *want,
                          const char *check, const char *detail_has)
{
    capture c;
    near_edited(&c, edit);
    add_nras(&c, 1); /* the same GPUs' answer, for a second entry */
    teeattest_policy *pol = policy_at(c.at);
    teeattest_result *r = verify(&c, entry, pol, NULL, what);
    conf_expect_failures(NULL, r, what, want);
    if (check) {
        const char *d = NULL;
        CHECK_EQ_INT(teeattest_result_find_check(r, check, NULL, &d, NULL),
                     TEEATTEST_OK);
        if (!CHECK(d && strstr(d, detail_has)))
            printf("# %s: %s says '%s'\n", what, check, d ? d : "");
    }
    teeattest_result_free(r);
    teeattest_policy_free(pol);
    capture_free(&c);
}

static void case_consistency(void)
{
    static const char *const cons[] = {"report.consistency", NULL};
    /* A top-level signing_address replaced by any value. */
    expect_edited(edit_top_signer, TEEATTEST_ENTRY_ALL, "top signer", cons,
                  "report.consistency", "top-level signing_address");
    /* Fields nothing else reads are repeated exactly too. */
    expect_edited(edit_top_model, TEEATTEST_ENTRY_ALL, "top model", cons,
                  "report.consistency", "top-level model_name");
    expect_edited(edit_top_added, TEEATTEST_ENTRY_ALL, "top vm_config", cons,
                  "report.consistency", "top-level vm_config");
    /* A top-level quote that is none of the entries'. */
    expect_edited(edit_top_quote, TEEATTEST_ENTRY_ALL, "top quote", cons,
                  "report.consistency", "none of the entries");
}

static void case_distinct_entries(void)
{
    static const char *const dup[] = {"report.entries", NULL};
    expect_edited(edit_dup_entry, TEEATTEST_ENTRY_ALL, "duplicate entry", dup,
                  "report.entries", "the same quote");
    /* Another quote with the same signer: refused whichever entry is
     * chosen and wherever it stands, so the outcome cannot depend on
     * which of the two a lookup by signer finds first. */
    static const char *const same[] = {"report.entries", "entry[*", NULL};
    expect_edited(edit_same_signer_after, 0, "[good, same signer]", dup,
                  "report.entries", "the same signer");
    expect_edited(edit_same_signer_before, 1, "[same signer, good]", dup,
                  "report.entries", "the same signer");
    expect_edited(edit_same_signer_after, TEEATTEST_ENTRY_ALL,
                  "[good, same signer], all", same, "report.entries",
                  "the same signer");
    expect_edited(edit_same_signer_before, TEEATTEST_ENTRY_ALL,
                  "[same signer, good], all", same, "report.entries",
                  "the same signer");
    /* A bad entry fails the report in either order. */
    static const char *const bad1[] = {"entry[1].binding.*", NULL};
    static const char *const bad0[] = {"entry[0].binding.*", NULL};
    expect_edited(edit_bad_after, TEEATTEST_ENTRY_ALL, "[good, bad]", bad1,
                  "entry[1].binding.report_data", "is not");
    expect_edited(edit_bad_before, TEEATTEST_ENTRY_ALL, "[bad, good]", bad0,
                  "entry[0].binding.report_data", "is not");
}

/* ---- policy pins and misuse -------------------------------------------------- */

static void case_policy(void)
{
    capture c;
    near_edited(&c, NULL);
    teeattest_policy *pol = policy_at(c.at);
    uint8_t compose[32], app[20], other[32];
    ta_test_unhex(compose, 32, "66007399f064f058af68771c552bcae150c9f88622305631b5141da1aa2f7b7e");
    ta_test_unhex(app, 20, "2c0a0c96cb6dbd659bf1446e2f3fce58172ff91b");
    memset(other, 0x11, sizeof other);
    CHECK_EQ_INT(teeattest_policy_add_identity(pol, TEEATTEST_ID_COMPOSE_HASH,
                                               compose, 32, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_policy_add_identity(pol, TEEATTEST_ID_APP_ID, app, 20, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_policy_add_identity(pol, TEEATTEST_ID_APP_ID, app, 32, NULL),
                 TEEATTEST_E_LENGTH);
    CHECK_EQ_INT(teeattest_policy_add_identity(pol, 99, app, 20, NULL),
                 TEEATTEST_E_INVALID_ARG);
    teeattest_result *r = verify(&c, TEEATTEST_ENTRY_ALL, pol, NULL, "pinned");
    CHECK_STR(ta_test_outcome(r, "entry[0].identity.compose_hash"), "pass");
    CHECK_STR(ta_test_outcome(r, "entry[0].identity.app_id"), "pass");
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_VERIFIED);
    teeattest_result_free(r);
    /* An OS image the policy does not accept. */
    teeattest_policy_add_identity(pol, TEEATTEST_ID_OS_IMAGE_HASH, other, 32, NULL);
    /* Image digests: the five pinned in app_compose are not accepted. */
    teeattest_policy_add_identity(pol, TEEATTEST_ID_IMAGE_DIGEST, other, 32, NULL);
    r = verify(&c, TEEATTEST_ENTRY_ALL, pol, NULL, "wrong pins");
    static const char *const pins[] = {"entry[0].identity.os_image_hash",
                                       "entry[0].identity.images", NULL};
    conf_expect_failures(NULL, r, "wrong pins", pins);
    teeattest_result_free(r);
    teeattest_policy_clear_identity(pol, 0, NULL);
    /* dstack 2026 pins on a 0.5 log: no gpu-policy-hash event, so a
     * pinned GPU policy fails; no init script runs, so pinned init
     * scripts hold. The log has no gpu-attestation event: gpu.binding is
     * an optional skip. */
    CHECK_EQ_INT(teeattest_policy_add_identity(pol, TEEATTEST_ID_GPU_POLICY_HASH,
                                               other, 20, NULL),
                 TEEATTEST_E_LENGTH);
    CHECK_EQ_INT(teeattest_policy_add_identity(pol, 7, other, 32, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_policy_add_identity(pol, TEEATTEST_ID_GPU_POLICY_HASH,
                                               other, 32, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_policy_add_identity(pol, TEEATTEST_ID_INIT_SCRIPT_HASH,
                                               other, 32, NULL), TEEATTEST_OK);
    r = verify(&c, TEEATTEST_ENTRY_ALL, pol, NULL, "2026 pins");
    static const char *const pins26[] = {"entry[0].identity.gpu_policy_hash",
                                         NULL};
    conf_expect_failures(NULL, r, "2026 pins", pins26);
    CHECK_STR(ta_test_outcome(r, "entry[0].identity.init_script_hashes"),
              "pass");
    CHECK_STR(ta_test_outcome(r, "entry[0].gpu.binding"), "skip");
    CHECK_STR(ta_test_outcome(r, "entry[0].compose.mr_config_id"), "pass");
    teeattest_result_free(r);
    teeattest_policy_clear_identity(pol, TEEATTEST_ID_INIT_SCRIPT_HASH, NULL);
    teeattest_policy_clear_identity(pol, 0, NULL);
    /* The report's age, where its capture time is unknown (parsed). */
    teeattest_policy_set_max_report_age(pol, 600, NULL);
    r = verify(&c, TEEATTEST_ENTRY_ALL, pol, NULL, "max age");
    CHECK_STR(ta_test_outcome(r, "report.age"), "fail");
    teeattest_result_free(r);
    teeattest_policy_set_max_report_age(pol, 0, NULL);

    /* A parsed report knows no nonce: freshness cannot be established. */
    r = NULL;
    CHECK_EQ_INT(teeattest_report_verify(ctx, &r, c.rep, TEEATTEST_ENTRY_ALL,
                                         c.ev, pol, NULL, 0, NULL),
                 TEEATTEST_OK);
    CHECK_STR(ta_test_outcome(r, "report.freshness"), "fail");
    CHECK_STR(ta_test_outcome(r, "entry[0].binding.nonce"), "fail");
    teeattest_result_free(r);

    /* Misuse. */
    r = (teeattest_result *)1;
    CHECK_EQ_INT(teeattest_report_verify(ctx, &r, c.rep, 1, c.ev, pol, c.nonce,
                                         32, NULL), TEEATTEST_E_INVALID_ARG);
    CHECK(r == NULL);
    CHECK_EQ_INT(teeattest_report_verify(ctx, &r, c.rep, 0, c.ev, pol, c.nonce,
                                         31, NULL), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_report_verify(ctx, &r, NULL, 0, c.ev, pol, c.nonce,
                                         32, NULL), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_report_verify(ctx, NULL, c.rep, 0, c.ev, pol,
                                         c.nonce, 32, NULL),
                 TEEATTEST_E_INVALID_ARG);
    teeattest_ctx *other_ctx = NULL;
    teeattest_ctx_new(&other_ctx, NULL, NULL);
    CHECK_EQ_INT(teeattest_report_verify(other_ctx, &r, c.rep, 0, c.ev, pol,
                                         c.nonce, 32, NULL),
                 TEEATTEST_E_INVALID_ARG);
    teeattest_ctx_free(other_ctx);
    /* No evidence at all: offline, so the collateral is missing. */
    CHECK_EQ_INT(teeattest_report_verify(ctx, &r, c.rep, 0, NULL, pol, c.nonce,
                                         32, NULL), TEEATTEST_OK);
    CHECK_STR(ta_test_outcome(r, "entry[0].tdx.collateral"), "fail");
    teeattest_result_free(r);
    teeattest_policy_free(pol);
    capture_free(&c);
}

/* teeattest_signature_verify_attested(): the signer comes from the
 * report result, and only a verified one counts. */
static void case_attested(void)
{
    capture c;
    near_edited(&c, NULL);
    teeattest_policy *pol = policy_at(c.at);
    teeattest_result *att = verify(&c, TEEATTEST_ENTRY_ALL, pol, NULL, "att");
    size_t rl, sl, gl;
    uint8_t *req = conf_file(P "real_signatures/nearai_cloud_2025_stream/request_body.json", &rl);
    uint8_t *resp = conf_file(P "real_signatures/nearai_cloud_2025_stream/response_body.sse", &sl);
    uint8_t *sj = conf_file(P "real_signatures/nearai_cloud_2025_stream/signature_response.json", &gl);
    teeattest_signature *sig = NULL;
    CHECK_EQ_INT(teeattest_signature_parse_json(ctx, &sig, sj, gl, NULL),
                 TEEATTEST_OK);
    /* The 2025 exchange is ECDSA; the capture attests an Ed25519 key. */
    teeattest_result *r = NULL;
    CHECK_EQ_INT(teeattest_signature_verify_attested(sig, &r, pol, att, req, rl,
                                                     resp, sl, NULL),
                 TEEATTEST_OK);
    CHECK_STR(ta_test_outcome(r, "signature.attestation"), "fail");
    CHECK_STR(ta_test_outcome(r, "signature.hash.response"), "pass");
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    CHECK_STR(fact(r, "signer_source"), "attestation");
    teeattest_result_free(r);
    /* Even with the signer requirement off, no attested signer fails. */
    teeattest_policy_set_require_signer(pol, 0, NULL);
    CHECK_EQ_INT(teeattest_signature_verify_attested(sig, &r, pol, att, req, rl,
                                                     resp, sl, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    teeattest_result_free(r);
    CHECK_EQ_INT(teeattest_signature_verify_attested(sig, &r, pol, NULL, req,
                                                     rl, resp, sl, NULL),
                 TEEATTEST_E_INVALID_ARG);
    teeattest_signature_free(sig);
    free(req);
    free(resp);
    free(sj);
    teeattest_result_free(att);
    teeattest_policy_free(pol);
    capture_free(&c);
}

/* ---- NEAR OHTTP, tls_certificate and the compose manager's nonce -------- */

#define GW "nearai_cloud_gateway_ed25519_tls"
#define NEAR_CONFIG                                                       \
    "010020a830c65ae624d32cf9336721fcab31e88d3cbf379e7aa033c208e3b10d4f50" \
    "4b00080001000100010003"
#define GW_CONFIG                                                         \
    "01002021ea1b4a759d2c3ca62363741a03ea54fd5844e468801fd219234d71f8e918" \
    "0f00080001000100010003"

static json_t *ohttp_of(json_t *doc)
{
    return json_object_get(doc, "ohttp_attestation");
}

/* key_config with its last byte changed, in both places: only the
 * signature can notice. */
static void edit_ohttp_flip(json_t *doc)
{
    char cfg[] = NEAR_CONFIG;
    cfg[strlen(cfg) - 1] = '1';
    json_object_set_new(ohttp_of(doc), "key_config", json_string(cfg));
    json_object_set_new(doc, "ohttp_key_config", json_string(cfg));
}

/* The gateway's own, validly signed attestation in the model's place. */
static void edit_ohttp_swap(json_t *doc)
{
    json_t *gw = conf_json(P GW "/attestation_report.json");
    json_object_set(doc, "ohttp_attestation", ohttp_of(gw));
    json_object_set(doc, "ohttp_key_config",
                    json_object_get(gw, "ohttp_key_config"));
    json_decref(gw);
}

static void edit_ohttp_algo(json_t *doc)
{
    json_object_set_new(ohttp_of(doc), "signing_algo", json_string("ecdsa"));
}

static void edit_ohttp_no_sig(json_t *doc)
{
    json_object_del(ohttp_of(doc), "signature");
}

static void edit_ohttp_stated(json_t *doc)
{
    json_object_set_new(doc, "ohttp_key_config", json_string(GW_CONFIG));
}

static void edit_ohttp_unsigned(json_t *doc)
{
    json_object_del(doc, "ohttp_attestation");
}

static void edit_cm_nonce(json_t *doc)
{
    json_object_set_new(json_object_get(doc, "compose_manager_attestation"),
                        "nonce", json_string(OTHER_SIGNER));
}

static void edit_cm_no_nonce(json_t *doc)
{
    json_object_del(json_object_get(doc, "compose_manager_attestation"),
                    "nonce");
}

static void case_near_ohttp(void)
{
    /* The real capture: the config is signed by the attested key. */
    capture c;
    near_edited(&c, NULL);
    const uint8_t *d;
    size_t n;
    CHECK_EQ_INT(teeattest_report_entry_get(c.rep, 0,
                                            TEEATTEST_ENTRY_OHTTP_KEY_CONFIG,
                                            &d, &n, NULL), TEEATTEST_OK);
    CHECK(n == 45 && d[0] == 1 && d[3] == 0xa8);
    CHECK_EQ_INT(teeattest_report_entry_get(c.rep, 0,
                                            TEEATTEST_ENTRY_OHTTP_ATTESTATION,
                                            &d, &n, NULL), TEEATTEST_OK);
    teeattest_policy *pol = policy_at(c.at);
    teeattest_result *r = verify(&c, TEEATTEST_ENTRY_ALL, pol, NULL, "ohttp");
    CHECK_STR(ta_test_outcome(r, "entry[0].binding.ohttp"), "pass");
    CHECK_STR(ta_test_outcome(r, "entry[0].compose_manager.nonce"), "pass");
    CHECK_STR(fact(r, "entry[0].ohttp_key_config"), NEAR_CONFIG);
    CHECK_STR(fact(r, "entry[0].ohttp.kem"), "x25519");
    CHECK_STR(fact(r, "entry[0].ohttp.key_id"), "1");
    CHECK_STR(fact(r, "entry[0].ohttp.public_key"),
              "a830c65ae624d32cf9336721fcab31e88d3cbf379e7aa033c208e3b10d4f504b");
    CHECK_STR(fact(r, "entry[0].ohttp.suites"),
              "hkdf-sha256/aes-128-gcm,hkdf-sha256/chacha20-poly1305");
    teeattest_result_free(r);
    teeattest_policy_free(pol);
    capture_free(&c);

    static const char *const oh[] = {"entry[0].binding.ohttp", NULL};
    expect_edited(edit_ohttp_flip, TEEATTEST_ENTRY_ALL, "ohttp flipped byte",
                  oh, "entry[0].binding.ohttp", "does not verify");
    expect_edited(edit_ohttp_swap, TEEATTEST_ENTRY_ALL, "ohttp other key", oh,
                  "entry[0].binding.ohttp", "not by the attested key");
    expect_edited(edit_ohttp_algo, TEEATTEST_ENTRY_ALL, "ohttp ecdsa", oh,
                  "entry[0].binding.ohttp", "\"ecdsa\" is not ed25519");
    expect_edited(edit_ohttp_no_sig, TEEATTEST_ENTRY_ALL, "ohttp no signature",
                  oh, "entry[0].binding.ohttp", "has no signature");
    expect_edited(edit_ohttp_stated, TEEATTEST_ENTRY_ALL, "ohttp stated config",
                  oh, "entry[0].binding.ohttp", "ohttp_key_config differs");
    expect_edited(edit_ohttp_unsigned, TEEATTEST_ENTRY_ALL, "ohttp unsigned",
                  oh, "entry[0].binding.ohttp", "without the ohttp_attestation");
    static const char *const cm[] = {"entry[0].compose_manager.nonce", NULL};
    expect_edited(edit_cm_nonce, TEEATTEST_ENTRY_ALL, "compose manager nonce",
                  cm, "entry[0].compose_manager.nonce", "is not the one");
    expect_edited(edit_cm_no_nonce, TEEATTEST_ENTRY_ALL,
                  "compose manager without nonce", cm,
                  "entry[0].compose_manager.nonce", "states no nonce");
}

/* The gateway capture, its document edited by `edit`; expect exactly the
 * capture's own failures plus `extra`. */
static void expect_gateway_edited(void (*edit)(json_t *), const char *what,
                                  const char *extra, const char *detail_has)
{
    capture c;
    capture_load(&c, GW, "nearai", "attestation_report.json",
                 "attestation_report.http_meta.json");
    add_collateral(&c, P "nearai_direct_ed25519_tls/intel_pcs");
    json_t *doc = conf_json(P GW "/attestation_report.json");
    edit(doc);
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    teeattest_report_free(c.rep);
    c.rep = NULL;
    CHECK_EQ_INT(teeattest_report_parse(ctx, &c.rep, "nearai",
                                        (const uint8_t *)text, strlen(text),
                                        NULL), TEEATTEST_OK);
    free(text);
    teeattest_policy *pol = policy_at(c.at);
    teeattest_result *r = verify(&c, TEEATTEST_ENTRY_ALL, pol, NULL, what);
    const char *want[] = {"entry[0].tdx.collateral", NO_RIMS("entry[1]"),
                          extra, NULL};
    conf_expect_failures(NULL, r, what, want);
    const char *d = NULL;
    CHECK_EQ_INT(teeattest_result_find_check(r, extra, NULL, &d, NULL),
                 TEEATTEST_OK);
    if (!CHECK(d && strstr(d, detail_has)))
        printf("# %s: %s says '%s'\n", what, extra, d ? d : "");
    teeattest_result_free(r);
    teeattest_policy_free(pol);
    capture_free(&c);
}

/* The model's app certificate in place of the gateway's TLS chain. */
static void edit_gw_cert(json_t *doc)
{
    json_t *m = json_array_get(json_object_get(doc, "model_attestations"), 0);
    json_object_set(doc, "tls_certificate",
                    json_object_get(json_object_get(m, "info"), "app_cert"));
}

/* The model's OHTTP attestation at the gateway's top level. */
static void edit_gw_ohttp(json_t *doc)
{
    json_t *m = json_array_get(json_object_get(doc, "model_attestations"), 0);
    json_object_set(doc, "ohttp_attestation", ohttp_of(m));
    json_object_set(doc, "ohttp_key_config",
                    json_object_get(m, "ohttp_key_config"));
}

static void edit_gw_model_ohttp(json_t *doc)
{
    json_t *m = json_array_get(json_object_get(doc, "model_attestations"), 0);
    json_object_set_new(m, "ohttp_key_config", json_string(GW_CONFIG));
}

static void case_gateway_bindings(void)
{
    capture c;
    capture_load(&c, GW, "nearai", "attestation_report.json",
                 "attestation_report.http_meta.json");
    add_collateral(&c, P "nearai_direct_ed25519_tls/intel_pcs");
    /* Each layer has its own config: the top level's is the gateway's. */
    const uint8_t *d;
    size_t n;
    CHECK_EQ_INT(teeattest_report_entry_get(c.rep, 0,
                                            TEEATTEST_ENTRY_OHTTP_KEY_CONFIG,
                                            &d, &n, NULL), TEEATTEST_OK);
    CHECK(n == 45 && d[3] == 0x21);
    CHECK_EQ_INT(teeattest_report_entry_get(c.rep, 1,
                                            TEEATTEST_ENTRY_OHTTP_KEY_CONFIG,
                                            &d, &n, NULL), TEEATTEST_OK);
    CHECK(n == 45 && d[3] == 0xa8);
    teeattest_policy *pol = policy_at(c.at);
    teeattest_result *r = verify(&c, TEEATTEST_ENTRY_ALL, pol, NULL,
                                 "gateway bindings");
    CHECK_STR(ta_test_outcome(r, "entry[0].binding.ohttp"), "pass");
    CHECK_STR(ta_test_outcome(r, "entry[1].binding.ohttp"), "pass");
    CHECK_STR(ta_test_outcome(r, "entry[1].compose_manager.nonce"), "pass");
    CHECK_STR(teeattest_result_fact(r, "unverified.entry[0].ohttp_key_config"),
              GW_CONFIG);
    CHECK_STR(teeattest_result_fact(r, "unverified.entry[1].ohttp_key_config"),
              NEAR_CONFIG);
    CHECK_STR(teeattest_result_fact(r, "unverified.entry[0].tls_certificate."
                                       "spki_sha256"),
              "aaeaf5a20b5bd17c44641be93072b07d48c78588b709d22bfa1690c921320475");
    teeattest_result_free(r);
    /* Another connection key: the TLS binding and the certificate fail. */
    uint8_t other[91];
    memset(other, 0x30, sizeof other);
    teeattest_evidence_set(c.ev, TEEATTEST_EVIDENCE_TLS_SPKI, 0, other,
                           sizeof other, NULL);
    r = verify(&c, TEEATTEST_ENTRY_ALL, pol, NULL, "gateway, other TLS key");
    static const char *const tls[] = {"entry[0].tdx.collateral",
                                      NO_RIMS("entry[1]"),
                                      "entry[0].binding.tls",
                                      "entry[0].binding.tls_certificate", NULL};
    conf_expect_failures(NULL, r, "gateway, other TLS key", tls);
    teeattest_result_free(r);
    teeattest_policy_free(pol);
    capture_free(&c);

    expect_gateway_edited(edit_gw_cert, "gateway, other certificate",
                          "entry[0].binding.tls_certificate",
                          "not the attested TLS key");
    expect_gateway_edited(edit_gw_ohttp, "gateway, model's OHTTP config",
                          "entry[0].binding.ohttp", "not by the attested key");
    expect_gateway_edited(edit_gw_model_ohttp, "model, gateway's config stated",
                          "entry[1].binding.ohttp", "ohttp_key_config differs");
}

int main(void)
{
    verbose = getenv("TEEATTEST_VERBOSE") != NULL;
    teeattest_ctx_options memo_opts = conf_memo_options();
    if (teeattest_ctx_new(&ctx, &memo_opts, NULL) != TEEATTEST_OK)
        return 1;
    case_near_direct();
    case_near_gateway();
    case_nanogpt();
    case_venice();
    case_redpill_chutes();
    case_chutes_direct();
    case_tinfoil();
    case_tampering();
    case_policy();
    case_attested();
    case_unverified_facts();
    case_consistency();
    case_distinct_entries();
    case_near_ohttp();
    case_gateway_bindings();
    teeattest_ctx_free(ctx);
    return ta_test_done();
}
