/*
 * The deep audit of an ACI/1 attested session (lib/verify/aci_audit.c,
 * teeattest_aci_session_audit) and teeattest_aci_session_fetch's argument
 * checks: evidence of a format this library does not verify is skipped
 * with the reason (not required), evidence that does not match its digest
 * is a required skip, a JSON document that is not a report is skipped.
 * The passing audit of a real report and its binding run against the
 * simulator (tests/integration/test_aci_aggregator.py).
 *
 * Standalone NVIDIA GPU evidence: real payloads of ../shared/fixtures/
 * nvidia wrapped into the section 3 session (id recomputed with
 * teeattest_aci_session_id), verified offline with the saved RIMs, OCSP
 * answers, NRAS answer and JWKS at each case's verify_at; and the attacks:
 * an edited evidence byte (digest kept, and digest recomputed), a stated
 * nonce the GPUs did not sign (edited, and Chutes' real as-sent payload),
 * swapped RIMs, no nonce, no material, and media types that lie.
 *
 * multipart/mixed bundles in the gateway's shape: a GPU part beside one
 * of another format, in either order (pass, per-part facts, the
 * unbacked tee_attested claim a warn); an edited GPU part, a report
 * labelled as GPU evidence, a boundary inside a part, no boundary, no
 * close delimiter (fail, naming the part); nothing verifiable (skip).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>

#include "aci_kit.h"

#include "crypto/crypto.h"

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

/* ---- standalone NVIDIA GPU evidence ------------------------------------ */

#define NV_MEDIA "application/vnd.nvidia.gpu-evidence+json"
#define AT_550 1761307200     /* 2025-10-24T12:00:00Z */
#define AT_CAPTURE 1782699000 /* 2026-06-29T02:10:00Z */
#define NONCE_550                                                              \
    "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb"
#define NONCE_NEAR                                                             \
    "541b6523f9446dcd170e67ac8171eb9226bee5e3f192de4900b74f0ef293500b"
#define DRIVER_550 "NV_GPU_DRIVER_GH100_550.90.07"
#define VBIOS_550 "NV_GPU_VBIOS_1010_0200_882_96009F0001"
#define H100 "nvidia/h100_550.90.07_full/"
#define NEAR "nvidia/remote_neardirect_h100x8/"

/* The section 3 session with evidence `ev` of media type `type`; the
 * digest is SHA-256 of `digest_of` (normally ev itself). Its id, computed
 * by the library, in id. */
static char *session_with(const uint8_t *ev, size_t len, const char *type,
                          const uint8_t *digest_of, size_t digest_len,
                          char id[TEEATTEST_ACI_SESSION_ID_SIZE])
{
    size_t b64n = ta_base64_encoded_len(len);
    char *b64 = malloc(b64n + 1);
    ta_base64_encode(b64, ev, len, false);
    size_t un = strlen(type) + b64n + 16;
    char *uri = malloc(un);
    snprintf(uri, un, "data:%s;base64,%s", type, b64);
    uint8_t d[32];
    CHECK_EQ_INT(ta_sha256(ctx, d, digest_of, digest_len), 0);
    char dg[7 + 65] = "sha256:";
    unit_tohex(dg + 7, d, 32);
    char *doc = with_evidence(uri, dg);
    free(uri);
    free(b64);
    CHECK_EQ_INT(teeattest_aci_session_id(ctx, id, TEEATTEST_ACI_SESSION_ID_SIZE,
                                          (const uint8_t *)doc, strlen(doc),
                                          NULL),
                 TEEATTEST_OK);
    return doc;
}

/* Material of the H100 case: its RIMs (ids given, or swapped) and the
 * RIM signers' OCSP answers. */
static teeattest_evidence *h100_material(bool swap_rims)
{
    teeattest_evidence *ev = NULL;
    CHECK_EQ_INT(teeattest_evidence_new(ctx, &ev, NULL), TEEATTEST_OK);
    teeattest_gpu_inputs *in = teeattest_evidence_gpu_inputs(ev);
    static const char *const ocsp[] = {
        H100 "ocsp/rim_driver_l4_signer.der",
        H100 "ocsp/rim_vbios_l4_signer.der",
        H100 "ocsp/rim_l3_reference_value_gh100_002.der",
        H100 "ocsp/rim_l2_reference_value_gh100_ca.der"};
    size_t n;
    uint8_t *d = unit_fixture(H100 "driver_rim.xml", &n);
    CHECK_EQ_INT(teeattest_gpu_inputs_add(in, TEEATTEST_GPU_ITEM_RIM,
                                          swap_rims ? VBIOS_550 : DRIVER_550,
                                          d, n, NULL),
                 TEEATTEST_OK);
    free(d);
    d = unit_fixture(H100 "vbios_rim.xml", &n);
    CHECK_EQ_INT(teeattest_gpu_inputs_add(in, TEEATTEST_GPU_ITEM_RIM,
                                          swap_rims ? DRIVER_550 : VBIOS_550,
                                          d, n, NULL),
                 TEEATTEST_OK);
    free(d);
    for (size_t i = 0; i < TA_ARRAY_LEN(ocsp); i++) {
        d = unit_fixture(ocsp[i], &n);
        CHECK_EQ_INT(teeattest_gpu_inputs_add(in, TEEATTEST_GPU_ITEM_OCSP,
                                              NULL, d, n, NULL),
                     TEEATTEST_OK);
        free(d);
    }
    return ev;
}

static teeattest_policy *policy_at(int64_t at)
{
    teeattest_policy *p = NULL;
    CHECK_EQ_INT(teeattest_policy_new(ctx, &p, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_policy_set_time(p, at, NULL), TEEATTEST_OK);
    return p;
}

/* Audit evidence `pl` labelled `type` (digest over the bytes as given)
 * with material ev under a policy at `at`; checks the session's id. */
static teeattest_result *audit_nv(const uint8_t *pl, size_t len,
                                  const char *type, teeattest_evidence *ev,
                                  int64_t at)
{
    char id[TEEATTEST_ACI_SESSION_ID_SIZE];
    char *doc = session_with(pl, len, type, pl, len, id);
    teeattest_policy *p = policy_at(at);
    teeattest_result *r = NULL;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    CHECK_EQ_INT(teeattest_aci_session_audit(ctx, &r, (const uint8_t *)doc,
                                             strlen(doc), id, ev, p, &err),
                 TEEATTEST_OK);
    if (r)
        CHECK_EQ_INT(outcome(r, "aci.session.id", NULL, NULL), PASS);
    teeattest_policy_free(p);
    free(doc);
    return r;
}

/* deep_audit failed (required) with `needle` in its detail, nothing
 * proven, the binding a required skip, the verdict failed. */
static void expect_audit_fail(teeattest_result *r, const char *needle)
{
    CHECK(r != NULL);
    if (!r)
        return;
    int32_t req = 0;
    const char *d = NULL;
    CHECK_EQ_INT(outcome(r, "aci.session.deep_audit", &req, &d),
                 TEEATTEST_OUTCOME_FAIL);
    CHECK_EQ_INT(req, 1);
    CHECK(d && strstr(d, needle));
    printf("#   deep_audit: %s\n", d ? d : "(none)");
    CHECK_EQ_INT(outcome(r, "aci.session.deep_audit_binding", &req, NULL),
                 SKIP);
    CHECK_EQ_INT(req, 1);
    CHECK(teeattest_result_fact(r, "aci.session.audit.format") == NULL);
    CHECK_EQ_INT(teeattest_result_verdict(r), FAILED);
}

/* The real H100 payload, through RIMs, under either label: the audit
 * passes, says the evidence is not fresh for the session, proves no
 * binding, and leaves the claims the aggregator's. */
static void nvidia_rim_pass(void)
{
    static const char *const types[] = {NV_MEDIA, "application/json",
                                        "Application/Vnd.NVIDIA.GPU-Evidence"
                                        "+JSON; charset=utf-8"};
    size_t len;
    uint8_t *pl = unit_fixture(H100 "nvidia_payload.json", &len);
    for (size_t t = 0; t < TA_ARRAY_LEN(types); t++) {
        printf("# H100 labelled %s\n", types[t]);
        teeattest_evidence *ev = h100_material(false);
        teeattest_result *r = audit_nv(pl, len, types[t], ev, AT_550);
        teeattest_evidence_free(ev);
        CHECK(r != NULL);
        if (!r)
            continue;
        int32_t req = 0;
        const char *d = NULL;
        CHECK_EQ_INT(outcome(r, "aci.session.deep_audit", &req, &d), PASS);
        CHECK_EQ_INT(req, 1);
        CHECK(d && strstr(d, "NVIDIA GPU evidence") &&
              strstr(d, "not fresh for this session"));
        CHECK_EQ_INT(outcome(r, "aci.session.audit.gpu.freshness", &req, &d),
                     TEEATTEST_OUTCOME_WARN);
        CHECK_EQ_INT(req, 0);
        CHECK(d && strstr(d, NONCE_550));
        CHECK_EQ_INT(outcome(r, "aci.session.audit.gpu[0].spdm.signature",
                             NULL, NULL),
                     PASS);
        CHECK_EQ_INT(outcome(r, "aci.session.audit.gpu[0].nonce", NULL, NULL),
                     PASS);
        CHECK_EQ_INT(outcome(r, "aci.session.audit.gpu[0].rim.driver."
                                "measurements", NULL, NULL),
                     PASS);
        CHECK_EQ_INT(outcome(r, "aci.session.deep_audit_binding", &req, &d),
                     SKIP);
        CHECK_EQ_INT(req, 0);
        CHECK(d && strstr(d, "no ACI workload keyset"));
        CHECK_STR(teeattest_result_fact(r, "aci.session.audit.format"),
                  "nvidia");
        CHECK_STR(teeattest_result_fact(r, "aci.session.audit.gpu.nonce"),
                  NONCE_550);
        CHECK_STR(teeattest_result_fact(r, "aci.session.audit.gpu.count"),
                  "1");
        CHECK_STR(teeattest_result_fact(r,
                                        "aci.session.audit.gpu.measurements"),
                  "rim");
        /* nothing of a report was proven: no TDX fact, claims unverified */
        CHECK(teeattest_result_fact(r, "aci.session.audit.entry[0].tdx."
                                       "status") == NULL);
        CHECK_STR(teeattest_result_fact(
                      r, "unverified.aci.session.claim.tee_attested.source"),
                  "hardware_proven");
        CHECK_EQ_INT(teeattest_result_verdict(r), VERIFIED);
        teeattest_result_free(r);
    }
    free(pl);
}

/* NEAR's 8 GPUs judged by NRAS: the answer as entry 0's NRAS response of
 * the evidence object, the JWKS in its GPU inputs. */
static void nvidia_nras_pass(void)
{
    teeattest_evidence *ev = NULL;
    CHECK_EQ_INT(teeattest_evidence_new(ctx, &ev, NULL), TEEATTEST_OK);
    size_t n, len;
    uint8_t *d = unit_fixture(NEAR "nras_response.json", &n);
    CHECK_EQ_INT(teeattest_evidence_set(ev, TEEATTEST_EVIDENCE_NRAS_RESPONSE,
                                        0, d, n, NULL),
                 TEEATTEST_OK);
    free(d);
    d = unit_fixture("nvidia/jwks/nras_jwks_20260629.json", &n);
    CHECK_EQ_INT(teeattest_gpu_inputs_add(teeattest_evidence_gpu_inputs(ev),
                                          TEEATTEST_GPU_ITEM_JWKS, NULL, d, n,
                                          NULL),
                 TEEATTEST_OK);
    free(d);
    uint8_t *pl = unit_fixture(NEAR "nvidia_payload.json", &len);
    teeattest_result *r = audit_nv(pl, len, NV_MEDIA, ev, AT_CAPTURE);
    CHECK(r != NULL);
    if (r) {
        CHECK_EQ_INT(outcome(r, "aci.session.deep_audit", NULL, NULL), PASS);
        CHECK_STR(teeattest_result_fact(r, "aci.session.audit.gpu.count"),
                  "8");
        CHECK_STR(teeattest_result_fact(r,
                                        "aci.session.audit.gpu.measurements"),
                  "nras");
        CHECK_STR(teeattest_result_fact(r, "aci.session.audit.gpu.nonce"),
                  NONCE_NEAR);
        CHECK_EQ_INT(outcome(r, "aci.session.audit.gpu[7].nonce", NULL, NULL),
                     PASS);
        CHECK_EQ_INT(teeattest_result_verdict(r), VERIFIED);
    }
    teeattest_result_free(r);
    /* the same answer a day after the tokens expired: fails */
    r = audit_nv(pl, len, NV_MEDIA, ev, AT_CAPTURE + 86400);
    expect_audit_fail(r, "does not verify");
    teeattest_result_free(r);
    free(pl);
    teeattest_evidence_free(ev);
}

/* The H100 payload JSON with member `key` of evidence_list[0] (or of the
 * top level when item is false) set to `val` (NULL: removed). */
static char *payload_edit(bool item, const char *key, const char *val)
{
    size_t len;
    uint8_t *pl = unit_fixture(H100 "nvidia_payload.json", &len);
    json_t *j = json_loadb((const char *)pl, len, 0, NULL);
    free(pl);
    json_t *o = item ? json_array_get(json_object_get(j, "evidence_list"), 0)
                     : j;
    if (val)
        json_object_set_new(o, key, json_string(val));
    else
        json_object_del(o, key);
    char *t = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return t;
}

/* A copy of the GPU payload (len bytes, NUL added) with a character 2000
 * into the base64 of the SPDM evidence changed: a byte inside the
 * measurement record. */
static uint8_t *evidence_edited(const uint8_t *pl, size_t len)
{
    uint8_t *bad = malloc(len + 1);
    if (!bad)
        exit(1);
    memcpy(bad, pl, len);
    bad[len] = '\0';
    char *b64 = strstr((char *)bad, "\"evidence\"");
    b64 = b64 ? strchr(b64 + 11, '"') : NULL;
    if (!CHECK(b64 && strlen(b64) > 2001))
        exit(1);
    b64[2001] = b64[2001] == 'A' ? 'B' : 'A';
    return bad;
}

static void nvidia_attacks(void)
{
    size_t len;
    uint8_t *pl = unit_fixture(H100 "nvidia_payload.json", &len);
    char id[TEEATTEST_ACI_SESSION_ID_SIZE];

    printf("# one evidence byte edited, the digest kept\n");
    uint8_t *bad = evidence_edited(pl, len);
    char *doc = session_with(bad, len, NV_MEDIA, pl, len, id);
    teeattest_evidence *ev = h100_material(false);
    teeattest_policy *p = policy_at(AT_550);
    teeattest_result *r = NULL;
    CHECK_EQ_INT(teeattest_aci_session_audit(ctx, &r, (const uint8_t *)doc,
                                             strlen(doc), id, ev, p, NULL),
                 TEEATTEST_OK);
    free(doc);
    if (r) {
        int32_t req = 0;
        CHECK_EQ_INT(outcome(r, "aci.session.evidence", NULL, NULL),
                     TEEATTEST_OUTCOME_FAIL);
        CHECK_EQ_INT(outcome(r, "aci.session.deep_audit", &req, NULL), SKIP);
        CHECK_EQ_INT(req, 1);
        CHECK_EQ_INT(teeattest_result_verdict(r), FAILED);
    }
    teeattest_result_free(r);

    printf("# one evidence byte edited, the digest recomputed\n");
    r = audit_nv(bad, len, NV_MEDIA, ev, AT_550);
    expect_audit_fail(r, "spdm.signature");
    teeattest_result_free(r);
    free(bad);

    printf("# a nonce the GPU did not sign\n");
    char *t = payload_edit(false, "nonce", NONCE_NEAR);
    r = audit_nv((const uint8_t *)t, strlen(t), NV_MEDIA, ev, AT_550);
    expect_audit_fail(r, "gpu[0].nonce");
    if (r)
        CHECK_EQ_INT(outcome(r, "aci.session.audit.gpu[0].spdm.signature",
                             NULL, NULL),
                     PASS);
    teeattest_result_free(r);
    free(t);

    printf("# no nonce stated (top level or per GPU)\n");
    t = payload_edit(false, "nonce", NULL);
    r = audit_nv((const uint8_t *)t, strlen(t), NV_MEDIA, ev, AT_550);
    expect_audit_fail(r, "names no nonce");
    teeattest_result_free(r);
    free(t);

    printf("# no top-level nonce, the GPU's own stated instead\n");
    char *t2 = payload_edit(false, "nonce", NULL);
    json_t *j = json_loads(t2, 0, NULL);
    json_object_set_new(json_array_get(json_object_get(j, "evidence_list"), 0),
                        "nonce", json_string(NONCE_550));
    t = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    free(t2);
    r = audit_nv((const uint8_t *)t, strlen(t), NV_MEDIA, ev, AT_550);
    if (r)
        CHECK_EQ_INT(outcome(r, "aci.session.deep_audit", NULL, NULL), PASS);
    teeattest_result_free(r);
    free(t);

    printf("# the same GPU twice\n");
    j = json_loadb((const char *)pl, len, 0, NULL);
    json_t *list = json_object_get(j, "evidence_list");
    json_array_append(list, json_array_get(list, 0));
    t = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    r = audit_nv((const uint8_t *)t, strlen(t), NV_MEDIA, ev, AT_550);
    expect_audit_fail(r, "gpu.duplicates");
    teeattest_result_free(r);
    free(t);

    printf("# a stated nonce that is not 64 hex digits\n");
    t = payload_edit(false, "nonce", "931d8dd0");
    r = audit_nv((const uint8_t *)t, strlen(t), NV_MEDIA, ev, AT_550);
    expect_audit_fail(r, "not 64 hex");
    teeattest_result_free(r);
    free(t);
    teeattest_policy_free(p);
    teeattest_evidence_free(ev);

    printf("# the driver and VBIOS RIMs swapped\n");
    ev = h100_material(true);
    r = audit_nv(pl, len, NV_MEDIA, ev, AT_550);
    expect_audit_fail(r, "rim");
    teeattest_result_free(r);
    teeattest_evidence_free(ev);

    printf("# no material: the measurements cannot be judged\n");
    r = audit_nv(pl, len, NV_MEDIA, NULL, AT_550);
    expect_audit_fail(r, "does not verify");
    teeattest_result_free(r);
    free(pl);

    printf("# Chutes' payload as sent: the client nonce, not the signed one\n");
    pl = unit_fixture("nvidia/remote_chutes_h100x8_nonce_mismatch/"
                      "nvidia_payload_as_sent.json", &len);
    r = audit_nv(pl, len, "application/json", NULL, AT_CAPTURE);
    expect_audit_fail(r, "nonce");
    if (r)
        CHECK_EQ_INT(outcome(r, "aci.session.audit.gpu[3].nonce", NULL, NULL),
                     TEEATTEST_OUTCOME_FAIL);
    teeattest_result_free(r);
    free(pl);
}

/* Media types that do not say what the evidence is. */
static void nvidia_media_lies(void)
{
    size_t len;
    printf("# a JSON report labelled as NVIDIA evidence\n");
    uint8_t *rep = unit_fixture(NEAR "provider_attestation_report.json", &len);
    teeattest_result *r = audit_nv(rep, len, NV_MEDIA, NULL, AT_CAPTURE);
    expect_audit_fail(r, "report");
    if (r)
        CHECK(outcome(r, "aci.session.audit.gpu[0].nonce", NULL, NULL) == -1);
    teeattest_result_free(r);
    free(rep);

    printf("# JSON that is neither, labelled as NVIDIA evidence\n");
    r = audit_nv((const uint8_t *)"{\"a\":1}", 7, NV_MEDIA, NULL, AT_CAPTURE);
    expect_audit_fail(r, "not NVIDIA GPU evidence");
    teeattest_result_free(r);

    /* NVIDIA evidence labelled as JSON is audited as what it is (above,
     * nvidia_rim_pass: format "nvidia", no report fact); labelled as
     * anything else it is not audited at all */
    uint8_t *pl = unit_fixture(H100 "nvidia_payload.json", &len);
    static const char *const other[] = {"text/plain", "application/octet-stream",
                                        "application/jsonx"};
    for (size_t i = 0; i < TA_ARRAY_LEN(other); i++) {
        printf("# NVIDIA evidence labelled %s\n", other[i]);
        teeattest_evidence *ev = h100_material(false);
        r = audit_nv(pl, len, other[i], ev, AT_550);
        teeattest_evidence_free(ev);
        CHECK(r != NULL);
        if (!r)
            continue;
        int32_t req = 1;
        CHECK_EQ_INT(outcome(r, "aci.session.deep_audit", &req, NULL), SKIP);
        CHECK_EQ_INT(req, 0);
        CHECK(teeattest_result_fact(r, "aci.session.audit.format") == NULL);
        CHECK(outcome(r, "aci.session.audit.gpu[0].nonce", NULL, NULL) == -1);
        teeattest_result_free(r);
    }
    free(pl);
}


/* ---- multipart/mixed evidence bundles ---------------------------------- */

#define MP_B "aci-evidence-5f3a9c0e1b2d4f6a8c7e9b01"

struct mp_part {
    const char *type;
    const uint8_t *body;
    size_t len;
};

/* The gateway's bundle shape (private-ai-gateway common.py
 * raw_http_bundle_evidence): parts with Content-Type, Content-Location,
 * Content-ID and Digest headers, each body followed by CRLF, the close
 * delimiter last. Malloc'd; its length in *len. */
static uint8_t *mp_build(const struct mp_part *p, size_t n, size_t *len)
{
    size_t cap = 64;
    for (size_t i = 0; i < n; i++)
        cap += p[i].len + 400;
    uint8_t *out = malloc(cap);
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        off += (size_t)snprintf((char *)out + off, cap - off,
                                "--" MP_B "\r\nContent-Type: %s\r\n"
                                "Content-Location: https://up.example/%zu\r\n"
                                "Content-ID: <part-%zu>\r\n"
                                "Digest: sha-256=unchecked\r\n\r\n",
                                p[i].type, i, i);
        memcpy(out + off, p[i].body, p[i].len);
        off += p[i].len;
        memcpy(out + off, "\r\n", 2);
        off += 2;
    }
    off += (size_t)snprintf((char *)out + off, cap - off, "--" MP_B "--\r\n");
    *len = off;
    return out;
}

static teeattest_result *audit_mp(const struct mp_part *p, size_t n,
                                  const char *type, teeattest_evidence *ev,
                                  int64_t at)
{
    size_t len;
    uint8_t *b = mp_build(p, n, &len);
    teeattest_result *r = audit_nv(b, len, type, ev, at);
    free(b);
    return r;
}

#define MP_TYPE "multipart/mixed;boundary=" MP_B
#define COMPOSE "services:\n  vllm:\n    image: x\n"

/* A GPU part and a part of another format, in either order: the audit
 * passes on the GPU part, names the skipped one, compares no binding (no
 * report part) and warns that the tee_attested claim is not backed. */
static void multipart_gpu_pass(void)
{
    size_t len;
    uint8_t *pl = unit_fixture(H100 "nvidia_payload.json", &len);
    for (int order = 0; order < 2; order++) {
        printf("# H100 part and a compose file, order %d\n", order);
        struct mp_part p[2] = {
            {"application/json", pl, len},
            {"text/yaml", (const uint8_t *)COMPOSE, strlen(COMPOSE)}};
        if (order) {
            struct mp_part t = p[0];
            p[0] = p[1];
            p[1] = t;
            /* media types are case-insensitive, spaces before ';' allowed */
            p[1].type = "Application/JSON ; charset=utf-8";
        }
        size_t g = order ? 1 : 0, o = 1 - g;
        char k[96];
        teeattest_evidence *ev = h100_material(false);
        teeattest_result *r = audit_mp(p, 2, MP_TYPE, ev, AT_550);
        teeattest_evidence_free(ev);
        CHECK(r != NULL);
        if (!r)
            continue;
        int32_t req = 0;
        const char *d = NULL;
        CHECK_EQ_INT(outcome(r, "aci.session.deep_audit", &req, &d), PASS);
        CHECK_EQ_INT(req, 1);
        printf("#   deep_audit: %s\n", d ? d : "");
        CHECK(d && strstr(d, "2 parts") && strstr(d, "not audited"));
        CHECK_STR(teeattest_result_fact(r, "aci.session.audit.format"),
                  "multipart");
        CHECK_STR(teeattest_result_fact(r, "aci.session.audit.parts"), "2");
        snprintf(k, sizeof k, "aci.session.audit.part[%zu].format", g);
        CHECK_STR(teeattest_result_fact(r, k), "nvidia");
        snprintf(k, sizeof k, "aci.session.audit.part[%zu].outcome", g);
        CHECK_STR(teeattest_result_fact(r, k), "pass");
        snprintf(k, sizeof k, "aci.session.audit.part[%zu].gpu.nonce", g);
        CHECK_STR(teeattest_result_fact(r, k), NONCE_550);
        snprintf(k, sizeof k, "aci.session.audit.part[%zu].outcome", o);
        CHECK_STR(teeattest_result_fact(r, k), "skipped");
        snprintf(k, sizeof k, "aci.session.audit.part[%zu].type", o);
        CHECK_STR(teeattest_result_fact(r, k), "text/yaml");
        snprintf(k, sizeof k, "aci.session.audit.part[%zu].gpu[0].spdm."
                              "signature", g);
        CHECK_EQ_INT(outcome(r, k, NULL, NULL), PASS);
        snprintf(k, sizeof k, "aci.session.audit.part[%zu].gpu.freshness", g);
        CHECK_EQ_INT(outcome(r, k, NULL, NULL), TEEATTEST_OUTCOME_WARN);
        /* nothing is recorded as the whole evidence's own GPU checks */
        CHECK(outcome(r, "aci.session.audit.gpu[0].spdm.signature", NULL,
                      NULL) == -1);
        CHECK(teeattest_result_fact(r, "aci.session.audit.gpu.nonce") ==
              NULL);
        CHECK_EQ_INT(outcome(r, "aci.session.deep_audit_binding", &req, &d),
                     SKIP);
        CHECK_EQ_INT(req, 0);
        CHECK(d && strstr(d, "no verified report part"));
        CHECK_EQ_INT(outcome(r, "aci.session.audit.claims", &req, &d),
                     TEEATTEST_OUTCOME_WARN);
        CHECK(d && strstr(d, "tee_attested"));
        CHECK_EQ_INT(teeattest_result_verdict(r), VERIFIED);
        teeattest_result_free(r);
    }
    free(pl);
}

/* Any failing part fails the audit, named by its index; a bundle that
 * does not parse fails; one with nothing verifiable is skipped. */
static void multipart_attacks(void)
{
    size_t len, rlen;
    uint8_t *pl = unit_fixture(H100 "nvidia_payload.json", &len);
    uint8_t *rep = unit_fixture(NEAR "provider_attestation_report.json",
                                &rlen);
    teeattest_evidence *ev = h100_material(false);

    printf("# a GPU part edited (the whole digest recomputed)\n");
    uint8_t *bad = evidence_edited(pl, len);
    struct mp_part p[3] = {
        {"text/plain", (const uint8_t *)"note", 4},
        {"application/json", bad, len},
        {"application/json", pl, len}};
    teeattest_result *r = audit_mp(p, 3, MP_TYPE, ev, AT_550);
    expect_audit_fail(r, "part[1] (application/json)");
    if (r) {
        /* a failed verdict: every fact is unverified. */
        CHECK_STR(teeattest_result_fact(
                      r, "unverified.aci.session.audit.part[1].outcome"),
                  "fail");
        CHECK_STR(teeattest_result_fact(
                      r, "unverified.aci.session.audit.part[2].outcome"),
                  "pass");
        CHECK_EQ_INT(outcome(r, "aci.session.audit.part[1].gpu[0].spdm."
                                "signature", NULL, NULL),
                     TEEATTEST_OUTCOME_FAIL);
    }
    teeattest_result_free(r);
    free(bad);

    printf("# a report part labelled as NVIDIA evidence\n");
    struct mp_part q[2] = {{"application/json", pl, len},
                           {NV_MEDIA, rep, rlen}};
    r = audit_mp(q, 2, MP_TYPE, ev, AT_550);
    expect_audit_fail(r, "part[1]");
    teeattest_result_free(r);

    printf("# nothing verifiable: skipped, not required\n");
    struct mp_part s[2] = {
        {"text/yaml", (const uint8_t *)COMPOSE, strlen(COMPOSE)},
        {"multipart/mixed;boundary=inner",
         (const uint8_t *)"--inner\r\n\r\nx\r\n--inner--", 23}};
    r = audit_mp(s, 2, MP_TYPE, ev, AT_550);
    CHECK(r != NULL);
    if (r) {
        int32_t req = 1;
        const char *d = NULL;
        CHECK_EQ_INT(outcome(r, "aci.session.deep_audit", &req, &d), SKIP);
        CHECK_EQ_INT(req, 0);
        CHECK(d && strstr(d, "none of the 2 parts"));
        CHECK(strstr(teeattest_result_fact(
                         r, "aci.session.audit.part[1].detail"),
                     "nested multipart") != NULL);
        CHECK_EQ_INT(outcome(r, "aci.session.deep_audit_binding", &req,
                             NULL),
                     SKIP);
        CHECK_EQ_INT(req, 0);
        CHECK(outcome(r, "aci.session.audit.claims", NULL, NULL) == -1);
        CHECK_EQ_INT(teeattest_result_verdict(r), VERIFIED);
    }
    teeattest_result_free(r);

    printf("# the boundary inside a part's body (the digest recomputed)\n");
    static const char trick[] =
        "{\"a\":\"--" MP_B "\"}";
    struct mp_part t[2] = {{"application/json", pl, len},
                           {"application/json", (const uint8_t *)trick,
                            sizeof trick - 1}};
    r = audit_mp(t, 2, MP_TYPE, ev, AT_550);
    expect_audit_fail(r, "not at line start");
    if (r)
        CHECK(teeattest_result_fact(
                  r, "unverified.aci.session.audit.parts") == NULL);
    teeattest_result_free(r);

    printf("# a bundle whose media type names no boundary\n");
    r = audit_mp(t, 1, "multipart/mixed", ev, AT_550);
    expect_audit_fail(r, "no boundary");
    teeattest_result_free(r);

    printf("# a bundle without its close delimiter\n");
    size_t blen;
    uint8_t *bb = mp_build(t, 1, &blen);
    r = audit_nv(bb, blen - strlen("--" MP_B "--\r\n"), MP_TYPE, ev, AT_550);
    expect_audit_fail(r, "no close delimiter");
    teeattest_result_free(r);
    free(bb);

    teeattest_evidence_free(ev);
    free(rep);
    free(pl);
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
    nvidia_rim_pass();
    nvidia_nras_pass();
    nvidia_attacks();
    nvidia_media_lies();
    multipart_gpu_pass();
    multipart_attacks();
    arguments();
    teeattest_ctx_free(ctx);
    return ta_test_done();
}
