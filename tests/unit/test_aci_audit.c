/*
 * The deep audit of an ACI/1 attested session (lib/verify/aci_audit.c,
 * teeattest_aci_session_audit) and teeattest_aci_session_fetch's argument
 * checks: evidence of a format this library does not verify is skipped
 * with the reason (not required), evidence that does not match its digest
 * is a required skip, a JSON document that is not a report is skipped.
 * The passing audit of a real report and its binding run against the
 * simulator (tests/integration/test_aci_aggregator.py).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>

#include "aci_kit.h"

static teeattest_ctx *ctx;

#define PASS TEEATTEST_OUTCOME_PASS
#define SKIP TEEATTEST_OUTCOME_SKIP
#define VERIFIED TEEATTEST_VERDICT_VERIFIED
#define FAILED TEEATTEST_VERDICT_FAILED

/* The outcome and required flag of check `name` in r; -1 when absent. */
static int32_t outcome(const teeattest_result *r, const char *name,
                       int32_t *required, const char **detail)
{
    for (size_t i = 0; i < teeattest_result_check_count(r); i++) {
        const char *n = NULL, *d = NULL;
        int32_t o = -1, req = 0;
        if (teeattest_result_check(r, i, &n, &o, &d, &req, NULL) !=
                TEEATTEST_OK ||
            strcmp(n, name) != 0)
            continue;
        if (required)
            *required = req;
        if (detail)
            *detail = d;
        return o;
    }
    return -1;
}

static teeattest_result *audit(const char *doc, const char *id)
{
    teeattest_result *r = NULL;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    CHECK_EQ_INT(teeattest_aci_session_audit(ctx, &r, (const uint8_t *)doc,
                                             strlen(doc), id, NULL, NULL,
                                             &err),
                 TEEATTEST_OK);
    return r;
}

/* The vector's evidence is text/plain: the shallow checks pass, the deep
 * audit is skipped (not required) with the reason, the claims stay
 * unverified. */
static void foreign_format(void)
{
    teeattest_result *r = audit(V3_SESSION_JCS, V3_SESSION_ID);
    CHECK(r != NULL);
    if (!r)
        return;
    int32_t req = 1;
    const char *d = NULL;
    CHECK_EQ_INT(outcome(r, "aci.session.deep_audit", &req, &d), SKIP);
    CHECK_EQ_INT(req, 0);
    CHECK(d && strstr(d, "text/plain") && strstr(d, "not a report format"));
    CHECK_EQ_INT(outcome(r, "aci.session.deep_audit_binding", &req, NULL),
                 SKIP);
    CHECK_EQ_INT(req, 0);
    CHECK_EQ_INT(outcome(r, "aci.session.id", NULL, NULL), PASS);
    CHECK_EQ_INT(teeattest_result_verdict(r), VERIFIED);
    CHECK(teeattest_result_fact(r, "aci.session.audit.format") == NULL);
    CHECK_STR(teeattest_result_fact(
                  r, "unverified.aci.session.claim.tee_attested.source"),
              "hardware_proven");
    teeattest_result_free(r);
}

/* The vector with its evidence replaced: `data` and `digest` given. */
static char *with_evidence(const char *data, const char *digest)
{
    json_t *d = json_loads(V3_SESSION_JCS, 0, NULL);
    json_t *ev = json_object_get(d, "evidence");
    json_object_set_new(ev, "data", json_string(data));
    json_object_set_new(ev, "digest", json_string(digest));
    char *t = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    return t;
}

/* application/json that is no report: skipped, the parser's reason. */
static void json_not_a_report(void)
{
    /* {"a":1} and its SHA-256 */
    char *doc = with_evidence(
        "data:application/json;base64,eyJhIjoxfQ==",
        "sha256:015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f8"
        "62");
    teeattest_result *r = audit(doc, NULL);
    free(doc);
    CHECK(r != NULL);
    if (!r)
        return;
    int32_t req = 1;
    CHECK_EQ_INT(outcome(r, "aci.session.evidence", NULL, NULL), PASS);
    CHECK_EQ_INT(outcome(r, "aci.session.deep_audit", &req, NULL), SKIP);
    CHECK_EQ_INT(req, 0);
    teeattest_result_free(r);
}

/* Evidence that does not hash to its digest: nothing to audit, a
 * required skip beside the failed aci.session.evidence. */
static void mismatch(void)
{
    char *doc = with_evidence(
        "data:application/json;base64,eyJhIjoxfQ==",
        "sha256:015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f8"
        "63");
    teeattest_result *r = audit(doc, NULL);
    free(doc);
    CHECK(r != NULL);
    if (!r)
        return;
    int32_t req = 0;
    CHECK_EQ_INT(outcome(r, "aci.session.evidence", NULL, NULL),
                 TEEATTEST_OUTCOME_FAIL);
    CHECK_EQ_INT(outcome(r, "aci.session.deep_audit", &req, NULL), SKIP);
    CHECK_EQ_INT(req, 1);
    CHECK_EQ_INT(teeattest_result_verdict(r), FAILED);
    teeattest_result_free(r);
}

static void arguments(void)
{
    teeattest_result *r = (teeattest_result *)1;
    const uint8_t *doc = (const uint8_t *)V3_SESSION_JCS;
    size_t n = strlen(V3_SESSION_JCS);
    CHECK_EQ_INT(teeattest_aci_session_audit(NULL, &r, doc, n, NULL, NULL,
                                             NULL, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK(r == NULL);
    CHECK_EQ_INT(teeattest_aci_session_audit(ctx, NULL, doc, n, NULL, NULL,
                                             NULL, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_aci_session_audit(ctx, &r, NULL, n, NULL, NULL,
                                             NULL, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_aci_session_audit(ctx, &r, (const uint8_t *)"[1]",
                                             3, NULL, NULL, NULL, NULL),
                 TEEATTEST_E_JSON);

    /* the fetch checks the id before any request */
    teeattest_provider *p = NULL;
    CHECK_EQ_INT(teeattest_provider_new(ctx, &p, "aci", NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_provider_set_base_url(p, "http://127.0.0.1:9",
                                                 NULL),
                 TEEATTEST_OK);
    uint8_t buf[16];
    size_t len = sizeof buf;
    static const char *const bad[] = {
        "", "abc", "../../v1/aci/receipts/x",
        "ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB",
        "abababababababababababababababababababababababababababababababab0",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ_INT(teeattest_aci_session_fetch(p, bad[i], buf, &len, NULL),
                     TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_aci_session_fetch(p, NULL, buf, &len, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_aci_session_fetch(NULL, V3_SESSION_ID, buf, &len,
                                             NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_aci_session_fetch(p, V3_SESSION_ID, buf, NULL,
                                             NULL),
                 TEEATTEST_E_INVALID_ARG);
    teeattest_provider_free(p);
}

int main(void)
{
    ctx = unit_ctx();
    foreign_format();
    json_not_a_report();
    mismatch();
    arguments();
    teeattest_ctx_free(ctx);
    return ta_test_done();
}
