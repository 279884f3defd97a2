/*
 * NRAS (lib/gpu/nras.c): every real NRAS answer gives the verdict its
 * expected.json states at verify_at (NEAR 8 GPUs and Tinfoil pass; Chutes
 * fails with NVIDIA's 4010 NONCE_NOT_MATCHING; the June 2025 v4 answer is
 * parse-only: its kid is in no captured JWKS), tampered answers fail the
 * right check (swapped, re-signed, missing or foreign-key device tokens,
 * alg none/HS256, expiry, nonce, per-GPU claims), truncated and garbage
 * answers fail cleanly, and the request goes out as one POST of the spec's
 * v3/v4 body through a fake transport (no retry; JWKS GET retried).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <jansson.h>

#include "jwt_kit.h"
#include "gpu/gpu.h"
#include "gpu/nras.h"

#define JWKS_FILE "nvidia/jwks/nras_jwks_20260629.json"
#define NEAR_DIR "nvidia/remote_neardirect_h100x8/"
#define TINFOIL_DIR "nvidia/remote_tinfoil_h100x1/"
#define CHUTES_DIR "nvidia/remote_chutes_h100x8_nonce_mismatch/"
#define V4_FILE "nvidia/h100_550.90.07_full/nras_v4_detached_eat.json"
#define AT_2026 1782699000 /* verify_at of the remote_* cases */
#define NEAR_NONCE "541b6523f9446dcd170e67ac8171eb9226bee5e3f192de4900b74f0ef293500b"
#define TINFOIL_NONCE "080c405ce6789e1761445180029523df3ae49576043f7f0868413a38e5e9a84e"
#define CHUTES_CLIENT "c7fe347ecca03db12e156e048bbe809024928ef0707a319796956fe7415148e4"
#define CHUTES_DERIVED "20c934acdd4b0f08b9f5a3ad6caf5fdf665d3538c90a495c09d1b6894ef1d583"
#define V4_NONCE "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb"
#define ISS "https://nras.attestation.nvidia.com"

static teeattest_ctx *ctx;
static ta_jwks real_jwks;

static void nonce_of(uint8_t out[32], const char *hex)
{
    unit_unhex(out, 32, hex);
}

/* Verify `answer` and finish the result; caller frees it. */
static teeattest_result *run(const void *answer, size_t len, const ta_jwks *jwks,
                             const char *nonce_hex, int64_t at,
                             const ta_nras_policy *pol, ta_nras_outcome *out)
{
    teeattest_result *r = NULL;
    ta_result_new(ctx, &r);
    uint8_t n[32];
    nonce_of(n, nonce_hex);
    ta_nras_outcome o;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    int rc = ta_nras_verify_append(ctx, r, out ? out : &o, answer, len, jwks, n,
                                   at, pol, &e);
    if (!CHECK_EQ_INT(rc, TEEATTEST_OK))
        printf("#   %s\n", e.message);
    CHECK_EQ_INT(ta_result_finish(r, NULL), TEEATTEST_OK);
    if (getenv("TA_TEST_DUMP"))
        kit_dump(r);
    return r;
}

static size_t count_outcome(const teeattest_result *r, int32_t outcome)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_checks; i++)
        n += r->checks[i].outcome == outcome;
    return n;
}

/* The GPUs of a payload fixture as the local layer reads them (leaf
 * serial, driver and VBIOS version): what the tokens must name. */
typedef struct gpus {
    ta_gpu_outcome oc;
    ta_nras_device dev[TA_NRAS_GPUS_MAX];
    size_t n;
} gpus;

static gpus near_gpus, tinfoil_gpus, chutes_gpus, full_gpus;

static void gpus_load(gpus *g, const char *rel)
{
    size_t len;
    uint8_t *p = unit_fixture(rel, &len);
    CHECK_EQ_INT(ta_gpu_verify_local(ctx, p, len, NULL, 0, 1, AT_2026, NULL,
                                     &g->oc, NULL),
                 TEEATTEST_OK);
    free(p);
    g->n = g->oc.n;
    for (size_t i = 0; i < g->n; i++) {
        g->dev[i].ueid = g->oc.gpus[i].serial;
        g->dev[i].driver = g->oc.gpus[i].spdm.driver_version;
        g->dev[i].vbios = g->oc.gpus[i].spdm.vbios_version;
    }
}

static void bind(ta_nras_policy *pol, const gpus *g)
{
    pol->devices = g->dev;
    pol->n_devices = g->n;
}

/* ---- real answers --------------------------------------------------------- */

/* The NEAR answer (NVIDIA's own signatures) against other evidence: the
 * tokens are genuine and echo the nonce, but judge other GPUs. */
static void test_near_binding(const uint8_t *a, size_t len)
{
    ta_nras_policy pol;
    ta_nras_policy_init(&pol);

    /* (a) Another 8-GPU system's evidence (Chutes): every signature,
     * claim, nonce and verdict of the answer passes, the GPUs do not. */
    bind(&pol, &chutes_gpus);
    CHECK_EQ_INT(chutes_gpus.n, 8);
    teeattest_result *r = run(a, len, &real_jwks, NEAR_NONCE, AT_2026, &pol, NULL);
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.jwt.signature"), TEEATTEST_OUTCOME_PASS);
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.nonce"), TEEATTEST_OUTCOME_PASS);
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.submods"), TEEATTEST_OUTCOME_PASS);
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.result"), TEEATTEST_OUTCOME_PASS);
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.ueid"), TEEATTEST_OUTCOME_FAIL);
    CHECK(kit_detail_has(r, "gpu.nras.ueid", "GPU-0 token's ueid "
                         "547205300148529744920006007875358027656874945040 is "
                         "the leaf certificate serial of no GPU in the evidence"));
    CHECK_EQ_INT(kit_outcome(r, "gpu[0].nras.versions"), TEEATTEST_OUTCOME_SKIP);
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    teeattest_result_free(r);

    /* No evidence GPUs at all: nothing to bind to. */
    ta_nras_policy_init(&pol);
    r = run(a, len, &real_jwks, NEAR_NONCE, AT_2026, &pol, NULL);
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.ueid"), TEEATTEST_OUTCOME_FAIL);
    CHECK(kit_detail_has(r, "gpu.nras.ueid", "no GPUs of the evidence"));
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    teeattest_result_free(r);

    /* (b) The evidence in reverse order: matched by identity, so it
     * verifies, and gpu[i] is the evidence's GPU i (token GPU-7-i). */
    gpus rev = near_gpus;
    for (size_t i = 0; i < 8; i++)
        rev.dev[i] = near_gpus.dev[7 - i];
    bind(&pol, &rev);
    r = run(a, len, &real_jwks, NEAR_NONCE, AT_2026, &pol, NULL);
    if (!CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_VERIFIED))
        kit_dump(r);
    CHECK(kit_detail_has(r, "gpu.nras.ueid", "token order differs"));
    CHECK_STR(teeattest_result_fact(r, "gpu[0].nras.ueid"), rev.dev[0].ueid);
    CHECK_STR(teeattest_result_fact(r, "gpu[7].nras.ueid"),
              "547205300148529744920006007875358027656874945040");
    CHECK_STR(r->checks[7].name, "gpu[0].nras.measurements");
    teeattest_result_free(r);

    /* (c) Seven GPUs in the evidence (one token too many), and eight
     * with one GPU twice and one missing. */
    gpus g = near_gpus;
    g.n = 7;
    bind(&pol, &g);
    r = run(a, len, &real_jwks, NEAR_NONCE, AT_2026, &pol, NULL);
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.ueid"), TEEATTEST_OUTCOME_FAIL);
    CHECK(kit_detail_has(r, "gpu.nras.ueid", "GPU-7 token's ueid"));
    teeattest_result_free(r);
    g.n = 8;
    g.dev[7] = g.dev[0];
    bind(&pol, &g);
    r = run(a, len, &real_jwks, NEAR_NONCE, AT_2026, &pol, NULL);
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.ueid"), TEEATTEST_OUTCOME_FAIL);
    CHECK(kit_detail_has(r, "gpu.nras.ueid", "GPU-7 token's ueid"));
    teeattest_result_free(r);
    /* A GPU whose leaf serial could not be read matches no token. */
    g = near_gpus;
    g.dev[4].ueid = "";
    bind(&pol, &g);
    r = run(a, len, &real_jwks, NEAR_NONCE, AT_2026, &pol, NULL);
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.ueid"), TEEATTEST_OUTCOME_FAIL);
    teeattest_result_free(r);

    /* (e) Versions: the evidence's driver differs; its VBIOS in lower
     * case is the same version; an evidence without a driver version
     * cannot be compared. */
    g = near_gpus;
    g.dev[2].driver = "570.172.09";
    g.dev[5].vbios = "96.00.cf.00.02";
    bind(&pol, &g);
    r = run(a, len, &real_jwks, NEAR_NONCE, AT_2026, &pol, NULL);
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.ueid"), TEEATTEST_OUTCOME_PASS);
    CHECK_EQ_INT(kit_outcome(r, "gpu[2].nras.versions"), TEEATTEST_OUTCOME_FAIL);
    CHECK(kit_detail_has(r, "gpu[2].nras.versions",
                         "driver 570.172.08 != evidence 570.172.09"));
    CHECK_EQ_INT(kit_outcome(r, "gpu[5].nras.versions"), TEEATTEST_OUTCOME_PASS);
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    teeattest_result_free(r);
    g = near_gpus;
    g.dev[1].vbios = "96.00.CF.00.03";
    g.dev[3].driver = "";
    bind(&pol, &g);
    r = run(a, len, &real_jwks, NEAR_NONCE, AT_2026, &pol, NULL);
    CHECK_EQ_INT(kit_outcome(r, "gpu[1].nras.versions"), TEEATTEST_OUTCOME_FAIL);
    CHECK_EQ_INT(kit_outcome(r, "gpu[3].nras.versions"), TEEATTEST_OUTCOME_FAIL);
    CHECK(kit_detail_has(r, "gpu[3].nras.versions", "the evidence has none"));
    teeattest_result_free(r);
}

static void test_near(void)
{
    size_t len;
    uint8_t *a = unit_fixture(NEAR_DIR "nras_response.json", &len);
    ta_nras_policy pol;
    ta_nras_policy_init(&pol);
    pol.expected_gpus = 8;
    bind(&pol, &near_gpus);
    ta_nras_outcome o;
    teeattest_result *r = run(a, len, &real_jwks, NEAR_NONCE, AT_2026, &pol, &o);
    if (!CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_VERIFIED))
        kit_dump(r);
    CHECK(o.passed);
    CHECK_EQ_INT(o.n_gpus, 8);
    CHECK_EQ_INT(o.overall, 1);
    CHECK_EQ_INT(r->n_checks, 7 + 8 * 8);
    CHECK_EQ_INT(count_outcome(r, TEEATTEST_OUTCOME_PASS), r->n_checks);
    CHECK(kit_detail_has(r, "gpu.nras.jwt.signature", "9 tokens"));
    /* Each token names one of the evidence's 8 GPUs, in its order. */
    CHECK(kit_detail_has(r, "gpu.nras.ueid", "8 device tokens name the 8 GPUs "
                         "of the evidence by ueid (leaf certificate serial), one each"));
    CHECK(!kit_detail_has(r, "gpu.nras.ueid", "order differs"));
    CHECK(kit_detail_has(r, "gpu[7].nras.versions",
                         "driver 570.172.08 = evidence, VBIOS 96.00.CF.00.02 = evidence"));
    CHECK(kit_detail_has(r, "gpu.nras.submods", "8 submods digests"));
    CHECK_EQ_INT(kit_outcome(r, "gpu[7].nras.measurements"), TEEATTEST_OUTCOME_PASS);
    CHECK_EQ_INT(kit_outcome(r, "gpu[7].nras.secure_boot"), TEEATTEST_OUTCOME_PASS);
    CHECK_EQ_INT(kit_outcome(r, "gpu[7].nras.debug"), TEEATTEST_OUTCOME_PASS);
    CHECK_STR(teeattest_result_fact(r, "gpu[0].nras.driver"), "570.172.08");
    CHECK_STR(teeattest_result_fact(r, "gpu[0].nras.ueid"),
              "547205300148529744920006007875358027656874945040");
    CHECK_STR(teeattest_result_fact(r, "gpu.nras.gpu_count"), "8");
    teeattest_result_free(r);

    /* Every key of NVIDIA's JWKS has x5c, verified at this time. */
    r = run(a, len, &real_jwks, NEAR_NONCE, AT_2026, &pol, NULL);
    CHECK(kit_detail_has(r, "gpu.nras.jwt.signature", "pinned intermediate"));
    teeattest_result_free(r);

    /* With today's clock the tokens (exp 2026-06-29T03:06:34Z) are expired. */
    r = run(a, len, &real_jwks, NEAR_NONCE, 1782702395, &pol, NULL);
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.jwt.claims"), TEEATTEST_OUTCOME_FAIL);
    CHECK(kit_detail_has(r, "gpu.nras.jwt.claims", "expired"));
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.jwt.signature"), TEEATTEST_OUTCOME_PASS);
    teeattest_result_free(r);

    /* Another nonce than the one sent. */
    r = run(a, len, &real_jwks, TINFOIL_NONCE, AT_2026, &pol, NULL);
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.nonce"), TEEATTEST_OUTCOME_FAIL);
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    teeattest_result_free(r);

    /* Evidence of 7 GPUs sent, 8 tokens back. */
    pol.expected_gpus = 7;
    r = run(a, len, &real_jwks, NEAR_NONCE, AT_2026, &pol, NULL);
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.submods"), TEEATTEST_OUTCOME_FAIL);
    teeattest_result_free(r);
    pol.expected_gpus = 8;

    /* hwmodel allow-list without the v3 name. */
    static const char *const v4_only[] = {"GH100 A01 GSP BROM"};
    pol.hwmodels = v4_only;
    pol.n_hwmodels = 1;
    r = run(a, len, &real_jwks, NEAR_NONCE, AT_2026, &pol, NULL);
    CHECK_EQ_INT(kit_outcome(r, "gpu[3].nras.hwmodel"), TEEATTEST_OUTCOME_FAIL);
    teeattest_result_free(r);
    ta_nras_policy_init(&pol);
    bind(&pol, &near_gpus);

    /* Claims version required by policy. */
    pol.claims_version = "3.0";
    r = run(a, len, &real_jwks, NEAR_NONCE, AT_2026, &pol, NULL);
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.result"), TEEATTEST_OUTCOME_FAIL);
    teeattest_result_free(r);
    ta_nras_policy_init(&pol);
    bind(&pol, &near_gpus);

    test_near_binding(a, len);

    /* Swapped device tokens: each still validly signed, but bound to the
     * other submods entry. */
    json_t *j = json_loadb((const char *)a, len, 0, NULL);
    json_t *map = json_array_get(j, 1);
    json_t *t0 = json_incref(json_object_get(map, "GPU-0"));
    json_object_set(map, "GPU-0", json_object_get(map, "GPU-1"));
    json_object_set_new(map, "GPU-1", t0);
    char *s = json_dumps(j, JSON_COMPACT);
    r = run(s, strlen(s), &real_jwks, NEAR_NONCE, AT_2026, &pol, NULL);
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.jwt.signature"), TEEATTEST_OUTCOME_PASS);
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.submods"), TEEATTEST_OUTCOME_FAIL);
    CHECK(kit_detail_has(r, "gpu.nras.submods", "GPU-0"));
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    teeattest_result_free(r);
    free(s);
    /* A missing device token. */
    json_object_del(map, "GPU-7");
    s = json_dumps(j, JSON_COMPACT);
    r = run(s, strlen(s), &real_jwks, NEAR_NONCE, AT_2026, &pol, NULL);
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.submods"), TEEATTEST_OUTCOME_FAIL);
    CHECK(kit_detail_has(r, "gpu.nras.submods", "8 submods entries but 7"));
    teeattest_result_free(r);
    free(s);
    /* A gap in the GPU numbering. */
    json_object_del(map, "GPU-3");
    s = json_dumps(j, JSON_COMPACT);
    r = run(s, strlen(s), &real_jwks, NEAR_NONCE, AT_2026, &pol, NULL);
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.response"), TEEATTEST_OUTCOME_FAIL);
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.jwt.signature"), TEEATTEST_OUTCOME_SKIP);
    teeattest_result_free(r);
    free(s);
    json_decref(j);

    /* Every truncation (stepped) and garbage: verification runs, fails. */
    size_t runs = 0, failed = 0;
    for (size_t cut = 0; cut < len; cut += 61) {
        teeattest_result *t = NULL;
        ta_result_new(ctx, &t);
        uint8_t n[32];
        nonce_of(n, NEAR_NONCE);
        ta_nras_outcome o2;
        int rc = ta_nras_verify_append(ctx, t, &o2, a, cut, &real_jwks, n,
                                       AT_2026, NULL, NULL);
        ta_result_finish(t, NULL);
        runs++;
        failed += rc == TEEATTEST_OK && !o2.passed &&
                  teeattest_result_verdict(t) == TEEATTEST_VERDICT_FAILED;
        teeattest_result_free(t);
    }
    CHECK_EQ_INT(failed, runs);
    free(a);
}

static void test_tinfoil(void)
{
    size_t len;
    uint8_t *a = unit_fixture(TINFOIL_DIR "nras_response.json", &len);
    ta_nras_policy pol;
    ta_nras_policy_init(&pol);
    bind(&pol, &tinfoil_gpus);
    teeattest_result *r = run(a, len, &real_jwks, TINFOIL_NONCE, AT_2026, &pol, NULL);
    if (!CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_VERIFIED))
        kit_dump(r);
    CHECK_EQ_INT(r->n_checks, 7 + 8);
    CHECK_STR(teeattest_result_fact(r, "gpu[0].nras.driver"), "595.71.05");
    teeattest_result_free(r);
    free(a);
}

static void test_chutes(void)
{
    size_t len;
    uint8_t *a = unit_fixture(CHUTES_DIR "nras_response.json", &len);
    ta_nras_outcome o;
    /* The nonce teep sent (the client's): the tokens are genuine and echo
     * it, but NRAS found it not to be what the GPUs signed. */
    ta_nras_policy pol;
    ta_nras_policy_init(&pol);
    bind(&pol, &chutes_gpus);
    teeattest_result *r = run(a, len, &real_jwks, CHUTES_CLIENT, AT_2026, &pol, &o);
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.response"), TEEATTEST_OUTCOME_PASS);
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.jwt.signature"), TEEATTEST_OUTCOME_PASS);
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.jwt.claims"), TEEATTEST_OUTCOME_PASS);
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.nonce"), TEEATTEST_OUTCOME_PASS);
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.submods"), TEEATTEST_OUTCOME_PASS);
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.result"), TEEATTEST_OUTCOME_FAIL);
    CHECK(kit_detail_has(r, "gpu.nras.result", "x-nvidia-overall-att-result false"));
    CHECK(kit_detail_has(r, "gpu.nras.result", "4010"));
    CHECK(kit_detail_has(r, "gpu.nras.result", "NONCE_NOT_MATCHING"));
    CHECK_EQ_INT(kit_outcome(r, "gpu[5].nras.measurements"), TEEATTEST_OUTCOME_FAIL);
    CHECK(kit_detail_has(r, "gpu[5].nras.measurements", "NRAS error 4010 NONCE_NOT_MATCHING"));
    CHECK_EQ_INT(kit_outcome(r, "gpu[5].nras.secure_boot"), TEEATTEST_OUTCOME_SKIP);
    CHECK_EQ_INT(kit_outcome(r, "gpu[5].nras.versions"), TEEATTEST_OUTCOME_SKIP);
    /* (d) NRAS error tokens carry no ueid: not bound to any GPU. */
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.ueid"), TEEATTEST_OUTCOME_FAIL);
    CHECK(kit_detail_has(r, "gpu.nras.ueid", "GPU-0 token has no ueid (an NRAS error token)"));
    CHECK_EQ_INT(o.overall, 0);
    CHECK_EQ_INT(o.error_code, 4010);
    CHECK_STR(o.first_failure, "gpu.nras.result");
    CHECK_STR(ta_test_fact(r, "gpu.nras.error_code"), "4010");
    CHECK_STR(ta_test_fact(r, "gpu.nras.overall_result"), "false");
    teeattest_result_free(r);
    /* Against the nonce the GPUs really signed, the echo does not match. */
    r = run(a, len, &real_jwks, CHUTES_DERIVED, AT_2026, &pol, NULL);
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.nonce"), TEEATTEST_OUTCOME_FAIL);
    teeattest_result_free(r);
    free(a);
}

static void test_v4_parse_only(void)
{
    size_t len;
    uint8_t *a = unit_fixture(V4_FILE, &len);
    ta_nras_policy pol;
    ta_nras_policy_init(&pol);
    pol.claims_version = "3.0";
    bind(&pol, &full_gpus);
    ta_nras_outcome o;
    /* Inside the token's own hour (iat 1749601858): everything but the
     * signature would pass; the kid of June 2025 is in no JWKS we have. */
    teeattest_result *r = run(a, len, &real_jwks, V4_NONCE, 1749601918, &pol, &o);
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.jwt.signature"), TEEATTEST_OUTCOME_FAIL);
    CHECK(kit_detail_has(r, "gpu.nras.jwt.signature",
                         "nv-eat-kid-prod-20250609211310110-93b13aa1-17e4-4c14-9d33-dba2323329f2 is not in the JWKS"));
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.jwt.claims"), TEEATTEST_OUTCOME_SKIP);
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.nonce"), TEEATTEST_OUTCOME_SKIP);
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.submods"), TEEATTEST_OUTCOME_SKIP);
    CHECK(kit_detail_has(r, "gpu.nras.submods", "1 submods digests (SHA-256 of each device token) match"));
    CHECK(kit_detail_has(r, "gpu.nras.result", "x-nvidia-overall-att-result true (x-nvidia-ver 3.0)"));
    CHECK_EQ_INT(kit_outcome(r, "gpu[0].nras.hwmodel"), TEEATTEST_OUTCOME_SKIP);
    CHECK(kit_detail_has(r, "gpu[0].nras.hwmodel", "GH100 A01 GSP BROM"));
    CHECK(kit_detail_has(r, "gpu[0].nras.evidence", "flags true"));
    /* ueid = the leaf serial 0x53c22b...5771 of the evidence (spec 2.5). */
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.ueid"), TEEATTEST_OUTCOME_SKIP);
    CHECK(kit_detail_has(r, "gpu.nras.ueid", "1 device tokens name the 1 GPUs"));
    CHECK(kit_detail_has(r, "gpu[0].nras.versions",
                         "driver 550.90.07 = evidence, VBIOS 96.00.9F.00.01 = evidence"));
    CHECK_EQ_INT(count_outcome(r, TEEATTEST_OUTCOME_PASS), 1); /* response */
    CHECK_EQ_INT(o.overall, 1);
    teeattest_result_free(r);
    /* At the case's verify_at (2025-10-24) the token is long expired. */
    r = run(a, len, &real_jwks, V4_NONCE, 1761307200, &pol, NULL);
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.jwt.claims"), TEEATTEST_OUTCOME_FAIL);
    CHECK(kit_detail_has(r, "gpu.nras.jwt.claims", "expired"));
    teeattest_result_free(r);
    free(a);
}

static void test_garbage(void)
{
    static const char *const bad[] = {
        "", "null", "[]", "{}", "[1,2]", "[[\"JWT\"],{}]",
        "[[\"JWT\",\"a.b.c\"],{}]", "[[\"JWS\",\"a.b.c\"],{\"GPU-0\":\"a.b.c\"}]",
        "[[\"JWT\",\"a.b.c\"],{\"GPU-0\":\"a.b.c\"}]",
        "[[\"JWT\",\"a.b.c\"],{\"GPU-00\":\"a.b.c\"}]",
        "[[\"JWT\",\"a.b.c\"],{\"GPU-0\":1}]",
        "[[\"JWT\",\"a.b.c\"],{\"GPU-0\":\"x\",\"GPU-0\":\"y\"}]",
        "[[\"JWT\",\"a.b.c\"],{\"GPU-0\":\"a.b.c\"},3]",
        "\xff\xfe\x00garbage",
    };
    for (size_t i = 0; i < TA_ARRAY_LEN(bad); i++) {
        size_t l = i == TA_ARRAY_LEN(bad) - 1 ? 10 : strlen(bad[i]);
        ta_nras_outcome o;
        teeattest_result *r = run(bad[i], l, &real_jwks, NEAR_NONCE, AT_2026, NULL, &o);
        CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
        CHECK(!o.passed);
        teeattest_result_free(r);
    }
    /* Misuse. */
    uint8_t n[32] = {0};
    CHECK_EQ_INT(ta_nras_verify_append(NULL, NULL, NULL, (const uint8_t *)"x", 1,
                                       &real_jwks, n, 0, NULL, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(ta_nras_verify_append(ctx, NULL, NULL, (const uint8_t *)"x", 1,
                                       &real_jwks, NULL, 0, NULL, NULL),
                 TEEATTEST_E_INVALID_ARG);
}

/* ---- synthetic answers under a test key ------------------------------------ */

typedef struct synth {
    int n;
    const char *nonce;
    int64_t iat;
    const char *ver;
    void (*mut_dev)(json_t *c, int i);
    void (*mut_overall)(json_t *c);
    int foreign_dev;    /* index signed by the other key, -1 none */
    int tamper_dev;     /* re-signed after submods were computed, -1 none */
    int none_dev;       /* alg none, -1 none */
    bool hs256_overall;
    int gpus;           /* GPUs in the evidence, 0 = n */
} synth;

static kit_key key, other_key;
static kit_pki test_pki; /* pinned in run_synth's policy */
static ta_jwks test_jwks;
/* The evidence's GPUs: ueid 10000000000000<i>, NEAR's versions. */
static char synth_ueid[8][32];
static ta_nras_device synth_gpus[8];

static json_t *dev_claims(const synth *s, int i)
{
    char ueid[32];
    snprintf(ueid, sizeof ueid, "10000000000000%d", i);
    json_t *c = json_pack(
        "{s:s, s:s, s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:s, s:n}",
        "iss", ISS, "eat_nonce", s->nonce, "iat", (json_int_t)s->iat,
        "nbf", (json_int_t)s->iat, "exp", (json_int_t)(s->iat + 3600),
        "jti", "j", "ueid", ueid, "oemid", "5703", "hwmodel", "GH100",
        "measres", "success", "secboot", 1, "dbgstat", "disabled",
        "x-nvidia-gpu-driver-version", "570.172.08",
        "x-nvidia-gpu-vbios-version", "96.00.CF.00.02",
        "x-nvidia-attestation-warning");
    static const char *const flags[] = {
        "x-nvidia-gpu-arch-check", "x-nvidia-gpu-attestation-report-parsed",
        "x-nvidia-gpu-attestation-report-nonce-match",
        "x-nvidia-gpu-attestation-report-signature-verified",
        "x-nvidia-gpu-attestation-report-cert-chain-validated",
        "x-nvidia-gpu-driver-rim-fetched", "x-nvidia-gpu-driver-rim-schema-validated",
        "x-nvidia-gpu-driver-rim-cert-validated",
        "x-nvidia-gpu-driver-rim-signature-verified",
        "x-nvidia-gpu-driver-rim-measurements-available",
        "x-nvidia-gpu-vbios-rim-fetched", "x-nvidia-gpu-vbios-rim-schema-validated",
        "x-nvidia-gpu-vbios-rim-cert-validated",
        "x-nvidia-gpu-vbios-rim-signature-verified",
        "x-nvidia-gpu-vbios-rim-measurements-available",
        "x-nvidia-gpu-vbios-index-no-conflict"};
    for (size_t k = 0; k < TA_ARRAY_LEN(flags); k++)
        json_object_set_new(c, flags[k], json_true());
    if (s->mut_dev)
        s->mut_dev(c, i);
    return c;
}

static char *sign_claims(kit_key *k, json_t *c)
{
    char *p = json_dumps(c, JSON_COMPACT);
    char *t = kit_es384(k, "test-kid", p);
    free(p);
    return t;
}

static char *build(const synth *s)
{
    char *toks[8];
    json_t *submods = json_object();
    json_t *map = json_object();
    for (int i = 0; i < s->n; i++) {
        json_t *c = dev_claims(s, i);
        if (i == s->none_dev) {
            char *p = json_dumps(c, JSON_COMPACT);
            toks[i] = kit_token(&key, "{\"kid\":\"test-kid\",\"alg\":\"none\"}", p,
                                KIT_NONE_EMPTY, NULL, 0);
            free(p);
        } else {
            toks[i] = sign_claims(i == s->foreign_dev ? &other_key : &key, c);
        }
        uint8_t h[32];
        char hex[65];
        mbedtls_sha256_ret((const uint8_t *)toks[i], strlen(toks[i]), h, 0);
        ta_hex_encode(hex, h, 32);
        char name[16];
        snprintf(name, sizeof name, "GPU-%d", i);
        json_object_set_new(submods, name, json_pack("[s,[s,s]]", "DIGEST", "SHA-256", hex));
        if (i == s->tamper_dev) {
            json_object_set_new(c, "measres", json_string("success "));
            free(toks[i]);
            toks[i] = sign_claims(&key, c);
        }
        json_object_set_new(map, name, json_string(toks[i]));
        free(toks[i]);
        json_decref(c);
    }
    json_t *oc = json_pack("{s:s, s:s, s:s, s:b, s:o, s:s, s:I, s:I, s:I, s:s}",
                           "sub", "NVIDIA-PLATFORM-ATTESTATION",
                           "x-nvidia-ver", s->ver ? s->ver : "2.0", "iss", ISS,
                           "x-nvidia-overall-att-result", 1, "submods", submods,
                           "eat_nonce", s->nonce, "iat", (json_int_t)s->iat,
                           "nbf", (json_int_t)s->iat,
                           "exp", (json_int_t)(s->iat + 3600), "jti", "o");
    if (s->mut_overall)
        s->mut_overall(oc);
    char *ot;
    if (s->hs256_overall) {
        char *p = json_dumps(oc, JSON_COMPACT);
        ot = kit_token(&key, "{\"kid\":\"test-kid\",\"alg\":\"HS256\"}", p,
                       KIT_HS256, key.pub, sizeof key.pub);
        free(p);
    } else {
        ot = sign_claims(&key, oc);
    }
    json_decref(oc);
    json_t *ans = json_pack("[[s,s],o]", "JWT", ot, map);
    free(ot);
    char *out = json_dumps(ans, JSON_COMPACT);
    json_decref(ans);
    return out;
}

static synth base_synth(void)
{
    synth s = {2, NEAR_NONCE, 1000000, NULL, NULL, NULL, -1, -1, -1, false, 0};
    return s;
}

static teeattest_result *run_synth_with(const synth *s, int64_t at,
                                        const ta_jwks *jwks)
{
    char *a = build(s);
    ta_nras_policy pol;
    ta_nras_policy_init(&pol);
    pol.expected_gpus = (size_t)s->n;
    pol.keys.pins = KIT_PINS(&test_pki);
    pol.keys.n_pins = 1;
    pol.devices = synth_gpus;
    pol.n_devices = (size_t)(s->gpus ? s->gpus : s->n);
    teeattest_result *r = run(a, strlen(a), jwks, NEAR_NONCE, at, &pol, NULL);
    free(a);
    return r;
}

static teeattest_result *run_synth(const synth *s, int64_t at)
{
    return run_synth_with(s, at, &test_jwks);
}

static void m_debug(json_t *c, int i) { if (i == 1) json_object_set_new(c, "dbgstat", json_string("enabled")); }
static void m_secboot(json_t *c, int i) { if (i == 0) json_object_set_new(c, "secboot", json_false()); }
static void m_measres(json_t *c, int i) { if (i == 1) json_object_set_new(c, "measres", json_string("fail")); }
static void m_hwmodel(json_t *c, int i) { if (i == 1) json_object_set_new(c, "hwmodel", json_string("GH100 DEBUG")); }
static void m_ueid(json_t *c, int i) { (void)i; json_object_set_new(c, "ueid", json_string("42")); }
static void m_rimflag(json_t *c, int i) { if (i == 0) json_object_set_new(c, "x-nvidia-gpu-vbios-index-no-conflict", json_false()); }
static void m_nochain(json_t *c, int i) { if (i == 0) json_object_del(c, "x-nvidia-gpu-attestation-report-cert-chain-validated"); }
static void m_warning(json_t *c, int i) { if (i == 0) json_object_set_new(c, "x-nvidia-attestation-warning", json_string("RIM signer on hold")); }
static void m_devnonce(json_t *c, int i) { if (i == 1) json_object_set_new(c, "eat_nonce", json_string(TINFOIL_NONCE)); }
static void m_devnonce_gone(json_t *c, int i) { if (i == 1) json_object_del(c, "eat_nonce"); }
static void m_chain3(json_t *c, int i)
{
    json_object_del(c, "x-nvidia-gpu-attestation-report-cert-chain-validated");
    json_object_set_new(c, "x-nvidia-gpu-attestation-report-cert-chain",
                        json_pack("{s:s,s:s}", "x-nvidia-cert-status", i ? "revoked" : "valid",
                                  "x-nvidia-cert-ocsp-status", i ? "revoked" : "good"));
    json_object_set_new(c, "x-nvidia-gpu-attestation-report-cert-chain-fwid-match", json_true());
}
/* Tokens re-signed under the trusted test key that name other GPUs. */
static void m_other_set(json_t *c, int i)
{
    char u[32];
    snprintf(u, sizeof u, "20000000000000%d", i);
    json_object_set_new(c, "ueid", json_string(u));
}
static void m_swap(json_t *c, int i) { json_object_set_new(c, "ueid", json_string(synth_ueid[1 - i])); }
static void m_swap_debug(json_t *c, int i) { m_swap(c, i); m_debug(c, i); }
static void m_dup(json_t *c, int i) { if (i == 1) json_object_set_new(c, "ueid", json_string(synth_ueid[0])); }
static void m_noueid(json_t *c, int i) { if (i == 1) json_object_del(c, "ueid"); }
static void m_ueid_num(json_t *c, int i) { if (i == 0) json_object_set_new(c, "ueid", json_integer(100000000000000)); }
static void m_ueid_nul(json_t *c, int i)
{
    char u[40];
    int l = snprintf(u, sizeof u, "%s%cx", synth_ueid[i], 0);
    json_object_set_new(c, "ueid", json_stringn(u, (size_t)l));
}
static void m_driver(json_t *c, int i) { if (i == 0) json_object_set_new(c, "x-nvidia-gpu-driver-version", json_string("570.172.09")); }
static void m_vbios(json_t *c, int i) { if (i == 1) json_object_set_new(c, "x-nvidia-gpu-vbios-version", json_string("96.00.CF.00.03")); }
static void m_nodriver(json_t *c, int i) { if (i == 0) json_object_del(c, "x-nvidia-gpu-driver-version"); }
static void m_driver_nul(json_t *c, int i) { if (i == 1) json_object_set_new(c, "x-nvidia-gpu-driver-version", json_stringn("570.172.08\0evil", 15)); }
static void m_vbios_lower(json_t *c, int i) { (void)i; json_object_set_new(c, "x-nvidia-gpu-vbios-version", json_string("96.00.cf.00.02")); }

static void o_false(json_t *c) { json_object_set_new(c, "x-nvidia-overall-att-result", json_false()); }
static void o_iss(json_t *c) { json_object_set_new(c, "iss", json_string("https://evil.example")); }
static void o_nosub(json_t *c) { json_object_del(c, "submods"); }
static void o_sha384(json_t *c)
{
    json_t *e = json_object_get(json_object_get(c, "submods"), "GPU-0");
    json_array_set_new(json_array_get(e, 1), 0, json_string("SHA-384"));
}

static void test_synthetic(void)
{
    kit_key_init(&key, 11);
    kit_key_init(&other_key, 12);
    kit_pki_init(&test_pki, 13, "CN=Test NRAS Intermediate");
    for (size_t i = 0; i < 8; i++) {
        snprintf(synth_ueid[i], sizeof synth_ueid[i], "10000000000000%zu", i);
        synth_gpus[i] = (ta_nras_device){synth_ueid[i], "570.172.08",
                                         "96.00.CF.00.02"};
    }
    char *doc = kit_jwks_x5c(&key, "test-kid", &test_pki, NULL, KIT_FROM, KIT_TO);
    ta_jwks_init(&test_jwks, ctx);
    ta_jwks_add_json(&test_jwks, (uint8_t *)doc, strlen(doc), 1, NULL);
    free(doc);
    const int64_t at = 1000100;

    synth s = base_synth();
    teeattest_result *r = run_synth(&s, at);
    if (!CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_VERIFIED))
        kit_dump(r);
    teeattest_result_free(r);

    /* The same answer, validly signed, under the same key given without
     * x5c: the key is not trusted, nothing else can pass. */
    ta_jwks bare;
    ta_jwks_init(&bare, ctx);
    doc = kit_jwks(&key, "test-kid");
    ta_jwks_add_json(&bare, (uint8_t *)doc, strlen(doc), 1, NULL);
    free(doc);
    r = run_synth_with(&s, at, &bare);
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.jwt.signature"), TEEATTEST_OUTCOME_FAIL);
    CHECK(kit_detail_has(r, "gpu.nras.jwt.signature", "has no x5c"));
    CHECK_EQ_INT(count_outcome(r, TEEATTEST_OUTCOME_PASS), 1); /* response */
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    teeattest_result_free(r);
    ta_jwks_clear(&bare);

    static const struct {
        const char *what;
        void (*mut_dev)(json_t *, int);
        void (*mut_overall)(json_t *);
        const char *check;
        int32_t outcome;
    } cases[] = {
        {"debug enabled", m_debug, NULL, "gpu[1].nras.debug", TEEATTEST_OUTCOME_FAIL},
        {"secure boot off", m_secboot, NULL, "gpu[0].nras.secure_boot", TEEATTEST_OUTCOME_FAIL},
        {"measres fail", m_measres, NULL, "gpu[1].nras.measurements", TEEATTEST_OUTCOME_FAIL},
        {"hwmodel", m_hwmodel, NULL, "gpu[1].nras.hwmodel", TEEATTEST_OUTCOME_FAIL},
        {"same ueid", m_ueid, NULL, "gpu.nras.ueid", TEEATTEST_OUTCOME_FAIL},
        {"rim flag", m_rimflag, NULL, "gpu[0].nras.rim", TEEATTEST_OUTCOME_FAIL},
        {"chain flag", m_nochain, NULL, "gpu[0].nras.evidence", TEEATTEST_OUTCOME_FAIL},
        {"3.0 chain revoked", m_chain3, NULL, "gpu[1].nras.evidence", TEEATTEST_OUTCOME_FAIL},
        {"device nonce", m_devnonce, NULL, "gpu.nras.nonce", TEEATTEST_OUTCOME_FAIL},
        {"device nonce absent", m_devnonce_gone, NULL, "gpu.nras.nonce", TEEATTEST_OUTCOME_FAIL},
        {"overall false", NULL, o_false, "gpu.nras.result", TEEATTEST_OUTCOME_FAIL},
        {"issuer", NULL, o_iss, "gpu.nras.jwt.claims", TEEATTEST_OUTCOME_FAIL},
        {"no submods", NULL, o_nosub, "gpu.nras.submods", TEEATTEST_OUTCOME_FAIL},
        {"submods alg", NULL, o_sha384, "gpu.nras.submods", TEEATTEST_OUTCOME_FAIL},
        {"another GPU set", m_other_set, NULL, "gpu.nras.ueid", TEEATTEST_OUTCOME_FAIL},
        {"one GPU twice", m_dup, NULL, "gpu.nras.ueid", TEEATTEST_OUTCOME_FAIL},
        {"no ueid", m_noueid, NULL, "gpu.nras.ueid", TEEATTEST_OUTCOME_FAIL},
        {"ueid a number", m_ueid_num, NULL, "gpu.nras.ueid", TEEATTEST_OUTCOME_FAIL},
        {"driver differs", m_driver, NULL, "gpu[0].nras.versions", TEEATTEST_OUTCOME_FAIL},
        {"VBIOS differs", m_vbios, NULL, "gpu[1].nras.versions", TEEATTEST_OUTCOME_FAIL},
        {"no driver claim", m_nodriver, NULL, "gpu[0].nras.versions", TEEATTEST_OUTCOME_FAIL},
        {"swapped, token 1 debug", m_swap_debug, NULL, "gpu[0].nras.debug", TEEATTEST_OUTCOME_FAIL},
    };
    for (size_t i = 0; i < TA_ARRAY_LEN(cases); i++) {
        s = base_synth();
        s.mut_dev = cases[i].mut_dev;
        s.mut_overall = cases[i].mut_overall;
        r = run_synth(&s, at);
        int got = kit_outcome(r, cases[i].check);
        if (!CHECK_EQ_INT(got, cases[i].outcome)) {
            printf("#   case: %s\n", cases[i].what);
            kit_dump(r);
        }
        CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
        CHECK_EQ_INT(kit_outcome(r, "gpu.nras.jwt.signature"), TEEATTEST_OUTCOME_PASS);
        teeattest_result_free(r);
    }
    /* (b) ueids swapped between positions: each names a GPU of the
     * evidence, so it verifies; the VBIOS in another case is the same. */
    s = base_synth();
    s.mut_dev = m_swap;
    r = run_synth(&s, at);
    if (!CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_VERIFIED))
        kit_dump(r);
    CHECK(kit_detail_has(r, "gpu.nras.ueid", "token order differs"));
    CHECK_STR(teeattest_result_fact(r, "gpu[0].nras.ueid"), synth_ueid[0]);
    teeattest_result_free(r);
    s = base_synth();
    s.mut_dev = m_vbios_lower;
    r = run_synth(&s, at);
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_VERIFIED);
    teeattest_result_free(r);
    /* (c) One token missing: three GPUs in the evidence, two tokens. */
    s = base_synth();
    s.gpus = 3;
    r = run_synth(&s, at);
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.ueid"), TEEATTEST_OUTCOME_FAIL);
    CHECK(kit_detail_has(r, "gpu.nras.ueid", "gpu[2] of the evidence (ueid "
                         "100000000000002) has no device token"));
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    teeattest_result_free(r);
    s = base_synth();
    s.mut_dev = m_dup;
    r = run_synth(&s, at);
    CHECK(kit_detail_has(r, "gpu.nras.ueid", "GPU-1 token names gpu[0] (ueid "
                         "100000000000000) again: one token per GPU"));
    teeattest_result_free(r);
    s = base_synth();
    s.mut_dev = m_noueid;
    r = run_synth(&s, at);
    CHECK(kit_detail_has(r, "gpu.nras.ueid", "GPU-1 token has no ueid"));
    teeattest_result_free(r);
    /* One GPU twice in the evidence and two tokens for it: still one
     * token per GPU, so the second token has none left to judge. */
    ta_nras_device twice[2] = {synth_gpus[0], synth_gpus[0]};
    ta_nras_device saved[2] = {synth_gpus[0], synth_gpus[1]};
    memcpy(synth_gpus, twice, sizeof twice);
    s = base_synth();
    s.mut_dev = m_dup;
    r = run_synth(&s, at);
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.ueid"), TEEATTEST_OUTCOME_FAIL);
    CHECK(kit_detail_has(r, "gpu.nras.ueid", "again: one token per GPU"));
    teeattest_result_free(r);
    memcpy(synth_gpus, saved, sizeof saved);

    /* A NUL cannot cut a ueid or a version down to the evidence's: such a
     * token does not even parse. */
    void (*nul[])(json_t *, int) = {m_ueid_nul, m_driver_nul};
    for (size_t i = 0; i < TA_ARRAY_LEN(nul); i++) {
        s = base_synth();
        s.mut_dev = nul[i];
        r = run_synth(&s, at);
        CHECK(kit_detail_has(r, "gpu.nras.jwt.signature", "\\u0000 is not allowed"));
        CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
        teeattest_result_free(r);
    }

    /* A warning is reported, and accepted by default. */
    s = base_synth();
    s.mut_dev = m_warning;
    r = run_synth(&s, at);
    CHECK_EQ_INT(kit_outcome(r, "gpu[0].nras.warning"), TEEATTEST_OUTCOME_WARN);
    CHECK(kit_detail_has(r, "gpu[0].nras.warning", "RIM signer on hold"));
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_VERIFIED);
    teeattest_result_free(r);
    /* 3.0 chain objects valid/good pass. */
    s = base_synth();
    s.n = 1;
    s.mut_dev = m_chain3;
    r = run_synth(&s, at);
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_VERIFIED);
    teeattest_result_free(r);

    /* Token-level attacks. */
    s = base_synth();
    s.tamper_dev = 1;
    r = run_synth(&s, at);
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.jwt.signature"), TEEATTEST_OUTCOME_PASS);
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.submods"), TEEATTEST_OUTCOME_FAIL);
    CHECK(kit_detail_has(r, "gpu.nras.submods", "GPU-1"));
    teeattest_result_free(r);

    s = base_synth();
    s.foreign_dev = 0;
    r = run_synth(&s, at);
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.jwt.signature"), TEEATTEST_OUTCOME_FAIL);
    CHECK(kit_detail_has(r, "gpu.nras.jwt.signature", "GPU-0 token: ES384 signature does not verify"));
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.submods"), TEEATTEST_OUTCOME_SKIP);
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    CHECK_EQ_INT(count_outcome(r, TEEATTEST_OUTCOME_PASS), 1);
    teeattest_result_free(r);

    s = base_synth();
    s.none_dev = 1;
    r = run_synth(&s, at);
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.jwt.signature"), TEEATTEST_OUTCOME_FAIL);
    CHECK(kit_detail_has(r, "gpu.nras.jwt.signature", "GPU-1 token"));
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    teeattest_result_free(r);

    s = base_synth();
    s.hs256_overall = true;
    r = run_synth(&s, at);
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.jwt.signature"), TEEATTEST_OUTCOME_FAIL);
    CHECK(kit_detail_has(r, "gpu.nras.jwt.signature", "HS256 is not ES384"));
    teeattest_result_free(r);

    s = base_synth();
    r = run_synth(&s, 1000000 + 3600); /* at == exp */
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.jwt.claims"), TEEATTEST_OUTCOME_FAIL);
    CHECK(kit_detail_has(r, "gpu.nras.jwt.claims", "expired"));
    teeattest_result_free(r);
    r = run_synth(&s, 1000000 - 61);
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.jwt.claims"), TEEATTEST_OUTCOME_FAIL);
    CHECK(kit_detail_has(r, "gpu.nras.jwt.claims", "not yet valid"));
    teeattest_result_free(r);

    s = base_synth();
    s.nonce = TINFOIL_NONCE;
    r = run_synth(&s, at);
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.nonce"), TEEATTEST_OUTCOME_FAIL);
    CHECK(kit_detail_has(r, "gpu.nras.nonce", "overall token"));
    teeattest_result_free(r);
}

/* ---- request building and the POST through a fake transport --------------- */

typedef struct fake {
    const uint8_t *answer;
    size_t answer_len;
    const uint8_t *jwks;
    size_t jwks_len;
    int status;        /* for the POST */
    int transport_rc;  /* returned instead of an answer when non-zero */
    int jwks_503;      /* answer 503 to this many JWKS GETs */
    int posts, gets;
    char post_url[512], get_url[512];
    char *body;
    bool saw_ctype, saw_auth;
} fake;

static int respond(teeattest_http_response *resp, int status, const uint8_t *b,
                   size_t n)
{
    int rc = teeattest_http_response_set_status(resp, status);
    if (!rc && n)
        rc = teeattest_http_response_write(resp, b, n);
    return rc;
}

static int fake_request(void *ud, teeattest_http_response *resp,
                        const teeattest_http_request *req)
{
    fake *f = ud;
    if (strcmp(req->method, "POST") == 0) {
        f->posts++;
        snprintf(f->post_url, sizeof f->post_url, "%s", req->url);
        free(f->body);
        f->body = malloc(req->body_len + 1);
        memcpy(f->body, req->body, req->body_len);
        f->body[req->body_len] = 0;
        for (size_t i = 0; i < req->header_count; i++) {
            if (strcmp(req->headers[i], "Content-Type: application/json") == 0)
                f->saw_ctype = true;
            if (strcmp(req->headers[i], "Authorization: Bearer sekret-key") == 0)
                f->saw_auth = true;
        }
        if (f->transport_rc)
            return f->transport_rc;
        return respond(resp, f->status ? f->status : 200, f->answer,
                       f->answer_len);
    }
    f->gets++;
    snprintf(f->get_url, sizeof f->get_url, "%s", req->url);
    if (f->jwks_503 > 0) {
        f->jwks_503--;
        return respond(resp, 503, (const uint8_t *)"busy", 4);
    }
    return respond(resp, 200, f->jwks, f->jwks_len);
}

static int fake_sleep(void *ud, uint32_t ms)
{
    (void)ud;
    (void)ms;
    return 0;
}

static teeattest_ctx *fake_ctx(fake *f)
{
    teeattest_transport t = TEEATTEST_TRANSPORT_INIT;
    t.user_data = f;
    t.request = fake_request;
    teeattest_ctx_options o = TEEATTEST_CTX_OPTIONS_INIT;
    o.transport = &t;
    o.sleep = fake_sleep;
    teeattest_ctx *c = NULL;
    if (teeattest_ctx_new(&c, &o, NULL) != TEEATTEST_OK) {
        printf("Bail out! no fake context\n");
        exit(1);
    }
    return c;
}

/* The evidence items of a case's nvidia_payload.json (strings borrowed
 * from `j`). */
static size_t payload_items(json_t *j, ta_nras_evidence *ev, size_t cap)
{
    json_t *list = json_object_get(j, "evidence_list");
    size_t n = json_array_size(list);
    for (size_t i = 0; i < n && i < cap; i++) {
        ev[i].evidence_b64 = json_string_value(json_object_get(json_array_get(list, i), "evidence"));
        ev[i].certificate_b64 = json_string_value(json_object_get(json_array_get(list, i), "certificate"));
    }
    return n;
}

static void test_request(void)
{
    size_t plen, alen, jlen;
    uint8_t *payload = unit_fixture(TINFOIL_DIR "nvidia_payload.json", &plen);
    uint8_t *answer = unit_fixture(TINFOIL_DIR "nras_response.json", &alen);
    uint8_t *jwks_doc = unit_fixture(JWKS_FILE, &jlen);
    json_t *pj = json_loadb((const char *)payload, plen, 0, NULL);
    ta_nras_evidence ev[8];
    size_t n = payload_items(pj, ev, 8);
    CHECK_EQ_INT(n, 1);
    uint8_t nonce[32];
    nonce_of(nonce, TINFOIL_NONCE);
    ta_nras_policy tpol;
    ta_nras_policy_init(&tpol);
    bind(&tpol, &tinfoil_gpus);

    /* Body shapes, v3 and v4. */
    for (int v = 3; v <= 4; v++) {
        ta_buf b;
        CHECK_EQ_INT(ta_nras_build_request(ctx, &b, v, nonce, NULL, ev, n, NULL),
                     TEEATTEST_OK);
        json_t *bj = json_loadb((const char *)b.data, b.len, JSON_REJECT_DUPLICATES, NULL);
        CHECK(bj != NULL);
        CHECK_EQ_INT(json_object_size(bj), 4);
        CHECK_STR(json_string_value(json_object_get(bj, "nonce")), TINFOIL_NONCE);
        CHECK_STR(json_string_value(json_object_get(bj, "arch")), "HOPPER");
        CHECK_STR(json_string_value(json_object_get(bj, "claims_version")), v == 3 ? "2.0" : "3.0");
        json_t *item = json_array_get(json_object_get(bj, "evidence_list"), 0);
        CHECK_EQ_INT(json_array_size(json_object_get(bj, "evidence_list")), 1);
        CHECK_EQ_INT(json_object_size(item), 2);
        CHECK_STR(json_string_value(json_object_get(item, "evidence")), ev[0].evidence_b64);
        CHECK_STR(json_string_value(json_object_get(item, "certificate")), ev[0].certificate_b64);
        json_decref(bj);
        ta_buf_free(&b);
    }
    ta_buf b;
    ta_nras_evidence badev = {"abc\"}", "AAAA"};
    CHECK_EQ_INT(ta_nras_build_request(ctx, &b, 3, nonce, NULL, &badev, 1, NULL),
                 TEEATTEST_E_BASE64);
    CHECK_EQ_INT(ta_nras_build_request(ctx, &b, 3, nonce, "hopper", ev, 1, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(ta_nras_build_request(ctx, &b, 5, nonce, NULL, ev, 1, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(ta_nras_build_request(ctx, &b, 3, nonce, NULL, ev, 0, NULL),
                 TEEATTEST_E_INVALID_ARG);

    /* Online: one POST, answer verified with a cached JWKS. */
    fake f;
    memset(&f, 0, sizeof f);
    f.answer = answer;
    f.answer_len = alen;
    f.jwks = jwks_doc;
    f.jwks_len = jlen;
    teeattest_ctx *fc = fake_ctx(&f);
    ta_nras_options opt;
    memset(&opt, 0, sizeof opt);
    opt.base_url = "https://nras.example/";
    opt.service_key = "sekret-key";
    ta_jwks cache;
    ta_jwks_init(&cache, fc);
    ta_jwks_add_json(&cache, jwks_doc, jlen, 1, NULL);
    teeattest_result *r = NULL;
    ta_result_new(fc, &r);
    ta_nras_outcome o;
    ta_buf saved;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    int rc = ta_nras_attest(fc, r, &o, &saved, &opt, nonce, ev, n, &cache,
                            AT_2026, &tpol, &e);
    if (!CHECK_EQ_INT(rc, TEEATTEST_OK))
        printf("#   %s\n", e.message);
    ta_result_finish(r, NULL);
    if (!CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_VERIFIED))
        kit_dump(r);
    CHECK_EQ_INT(f.posts, 1);
    CHECK_EQ_INT(f.gets, 0);
    CHECK_STR(f.post_url, "https://nras.example/v3/attest/gpu");
    CHECK(f.saw_ctype);
    CHECK(f.saw_auth);
    CHECK(f.body && strstr(f.body, "\"claims_version\":\"2.0\"") != NULL);
    CHECK(f.body && strstr(f.body, "\"nonce\":\"" TINFOIL_NONCE "\"") != NULL);
    CHECK_EQ_INT(saved.len, alen);
    CHECK(saved.data && memcmp(saved.data, answer, alen) == 0);
    ta_buf_free(&saved);
    const char *json = NULL;
    size_t json_len = 0;
    teeattest_result_to_json(r, &json, &json_len, NULL);
    CHECK(json && strstr(json, "sekret-key") == NULL);
    teeattest_result_free(r);

    /* v4 URL and body; HTTP 503 is not retried and fails the response. */
    opt.version = 4;
    f.status = 503;
    ta_result_new(fc, &r);
    rc = ta_nras_attest(fc, r, &o, NULL, &opt, nonce, ev, n, &cache, AT_2026, &tpol, NULL);
    ta_result_finish(r, NULL);
    CHECK_EQ_INT(rc, TEEATTEST_OK);
    CHECK_EQ_INT(f.posts, 2);
    CHECK_STR(f.post_url, "https://nras.example/v4/attest/gpu");
    CHECK(f.body && strstr(f.body, "\"claims_version\":\"3.0\"") != NULL);
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.response"), TEEATTEST_OUTCOME_FAIL);
    CHECK(kit_detail_has(r, "gpu.nras.response", "HTTP 503"));
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    teeattest_result_free(r);

    /* Transport failure: one attempt, status returned, check failed. */
    f.status = 0;
    f.transport_rc = TEEATTEST_E_TRANSPORT;
    ta_result_new(fc, &r);
    rc = ta_nras_attest(fc, r, &o, NULL, &opt, nonce, ev, n, &cache, AT_2026, &tpol, NULL);
    ta_result_finish(r, NULL);
    CHECK_EQ_INT(rc, TEEATTEST_E_TRANSPORT);
    CHECK_EQ_INT(f.posts, 3);
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.response"), TEEATTEST_OUTCOME_FAIL);
    teeattest_result_free(r);
    f.transport_rc = 0;

    /* Unknown kid: JWKS fetched from {scheme}://{host}/.well-known/jwks.json,
     * the GET retried after a 503. */
    opt.version = 3;
    opt.service_key = NULL;
    opt.fetch_jwks = true;
    opt.base_url = "https://nras.example/prefix";
    f.jwks_503 = 1;
    ta_jwks empty;
    ta_jwks_init(&empty, fc);
    ta_result_new(fc, &r);
    rc = ta_nras_attest(fc, r, &o, NULL, &opt, nonce, ev, n, &empty, AT_2026, &tpol, NULL);
    ta_result_finish(r, NULL);
    CHECK_EQ_INT(rc, TEEATTEST_OK);
    CHECK_EQ_INT(f.gets, 2);
    CHECK_STR(f.get_url, "https://nras.example/.well-known/jwks.json");
    CHECK_STR(f.post_url, "https://nras.example/prefix/v3/attest/gpu");
    CHECK_EQ_INT(empty.n, 32);
    if (!CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_VERIFIED))
        kit_dump(r);
    teeattest_result_free(r);
    /* Within the cooldown no second fetch for another unknown kid. */
    ta_jwks_clear(&empty);
    ta_result_new(fc, &r);
    empty.fetch_tried_at = AT_2026 - 5;
    ta_nras_attest(fc, r, &o, NULL, &opt, nonce, ev, n, &empty, AT_2026, &tpol, NULL);
    ta_result_finish(r, NULL);
    CHECK_EQ_INT(f.gets, 2);
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.jwt.signature"), TEEATTEST_OUTCOME_FAIL);
    teeattest_result_free(r);
    ta_jwks_clear(&empty);

    /* A JWKS endpoint that stays busy: 1 + 3 retries, then HTTP 503. */
    {
        int before = f.gets;
        f.jwks_503 = 10;
        ta_jwks t;
        ta_jwks_init(&t, fc);
        teeattest_error je = TEEATTEST_ERROR_INIT;
        CHECK_EQ_INT(ta_jwks_fetch(fc, &t, "https://nras.example/.well-known/jwks.json",
                                   AT_2026, &je),
                     TEEATTEST_E_HTTP_STATUS);
        CHECK_EQ_INT(je.backend_code, 503);
        CHECK_EQ_INT(f.gets - before, 4);
        CHECK_EQ_INT(t.n, 0);
        CHECK_EQ_INT(t.fetch_tried_at, AT_2026);
        f.jwks_503 = 0;
        ta_jwks_clear(&t);
    }

    /* Plain http only to loopback (the simulator). */
    opt.base_url = "http://nras.example";
    CHECK_EQ_INT(ta_nras_attest(fc, NULL, &o, NULL, &opt, nonce, ev, n, &cache,
                                AT_2026, &tpol, NULL),
                 TEEATTEST_E_INVALID_ARG);
    opt.base_url = "http://127.0.0.1:8080";
    opt.fetch_jwks = false;
    CHECK_EQ_INT(ta_nras_attest(fc, NULL, &o, NULL, &opt, nonce, ev, n, &cache,
                                AT_2026, &tpol, NULL),
                 TEEATTEST_OK);
    CHECK_STR(f.post_url, "http://127.0.0.1:8080/v3/attest/gpu");
    CHECK(o.passed);

    ta_jwks_clear(&cache);
    teeattest_ctx_free(fc);
    free(f.body);
    json_decref(pj);
    free(payload);
    free(answer);
    free(jwks_doc);
}

/* The NRAS POST goes through the one request entry: a context whose
 * deadline has passed sends nothing, and the response check fails naming
 * the expired deadline. */
static void test_request_deadline(void)
{
    size_t plen;
    uint8_t *payload = unit_fixture(TINFOIL_DIR "nvidia_payload.json", &plen);
    json_t *pj = json_loadb((const char *)payload, plen, 0, NULL);
    ta_nras_evidence ev[8];
    size_t n = payload_items(pj, ev, 8);
    uint8_t nonce[32];
    nonce_of(nonce, TINFOIL_NONCE);
    fake f;
    memset(&f, 0, sizeof f);
    static const int64_t now = AT_2026;
    teeattest_ctx *fc = unit_ctx_deadline(fake_request, &f, &now,
                                          now * 1000 - 1);
    ta_nras_options opt;
    memset(&opt, 0, sizeof opt);
    opt.base_url = "https://nras.example/";
    ta_jwks cache;
    ta_jwks_init(&cache, fc);
    teeattest_result *r = NULL;
    ta_result_new(fc, &r);
    ta_nras_outcome o;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    CHECK_EQ_INT(ta_nras_attest(fc, r, &o, NULL, &opt, nonce, ev, n, &cache,
                                AT_2026, NULL, &e),
                 TEEATTEST_E_TIMEOUT);
    ta_result_finish(r, NULL);
    CHECK_EQ_INT(f.posts, 0);
    CHECK_EQ_INT(kit_outcome(r, "gpu.nras.response"), TEEATTEST_OUTCOME_FAIL);
    CHECK(kit_detail_has(r, "gpu.nras.response", "overall deadline expired"));
    CHECK(strstr(e.message, "overall deadline expired before POST "
                            "https://nras.example/v3/attest/gpu") != NULL);
    teeattest_result_free(r);
    ta_jwks_clear(&cache);
    teeattest_ctx_free(fc);
    json_decref(pj);
    free(payload);
}

/* Every allocation failing in turn: NOMEM or a correct verdict, never a
 * leak, never a pass that was not earned. */
static void test_oom(void)
{
    unit_alloc_stats st = {0};
    teeattest_allocator al = unit_allocator(&st);
    teeattest_ctx_options o = TEEATTEST_CTX_OPTIONS_INIT;
    o.allocator = &al;
    teeattest_ctx *c = NULL;
    if (teeattest_ctx_new(&c, &o, NULL) != TEEATTEST_OK) {
        printf("Bail out! no OOM context\n");
        exit(1);
    }
    /* Leaks are counted per call: the memo, which keeps what it parsed
     * across calls, is off here (tests/unit/test_memo.c fails its
     * allocations). */
    c->memo_entries = SIZE_MAX;
    size_t alen, jlen;
    uint8_t *answer = unit_fixture(TINFOIL_DIR "nras_response.json", &alen);
    uint8_t *jwks_doc = unit_fixture(JWKS_FILE, &jlen);
    uint8_t nonce[32];
    nonce_of(nonce, TINFOIL_NONCE);
    ta_nras_policy tpol;
    ta_nras_policy_init(&tpol);
    bind(&tpol, &tinfoil_gpus);
    int bad = 0, nomem = 0;
    size_t k;
    for (k = 1; k < 5000; k++) {
        size_t base = st.live;
        st.calls = 0;
        st.fail_at = k;
        ta_jwks j;
        ta_jwks_init(&j, c);
        int rc = ta_jwks_add_json(&j, jwks_doc, jlen, 1, NULL);
        teeattest_result *r = NULL;
        int32_t verdict = -1;
        if (rc == TEEATTEST_OK && ta_result_new(c, &r) == TEEATTEST_OK) {
            rc = ta_nras_verify_append(c, r, NULL, answer, alen, &j, nonce,
                                       AT_2026, &tpol, NULL);
            int frc = ta_result_finish(r, NULL);
            if (!rc)
                rc = frc;
            verdict = teeattest_result_verdict(r);
            teeattest_result_free(r);
        } else if (rc == TEEATTEST_OK) {
            rc = TEEATTEST_E_NOMEM;
        }
        ta_jwks_clear(&j);
        bool reached = st.calls >= k;
        st.fail_at = 0;
        if (st.live != base)
            bad++;
        if (!reached) {
            bad += rc != TEEATTEST_OK || verdict != TEEATTEST_VERDICT_VERIFIED;
            break;
        }
        if (rc == TEEATTEST_E_NOMEM)
            nomem++;
        else if (rc != TEEATTEST_OK || verdict == TEEATTEST_VERDICT_VERIFIED)
            bad++;
    }
    CHECK(k > 10);
    CHECK(nomem > 0);
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(st.bad, 0);
    teeattest_ctx_free(c);
    free(answer);
    free(jwks_doc);
}

int main(void)
{
    if (teeattest_ctx_new(&ctx, NULL, NULL) != TEEATTEST_OK) {
        printf("Bail out! no context\n");
        return 1;
    }
    ta_jwks_init(&real_jwks, ctx);
    teeattest_error e = TEEATTEST_ERROR_INIT;
    if (ta_jwks_load_file(&real_jwks, ta_test_fixture(JWKS_FILE), AT_2026, &e)) {
        printf("Bail out! JWKS: %s\n", e.message);
        return 1;
    }
    gpus_load(&near_gpus, NEAR_DIR "nvidia_payload.json");
    gpus_load(&tinfoil_gpus, TINFOIL_DIR "nvidia_payload.json");
    gpus_load(&chutes_gpus, CHUTES_DIR "nvidia_payload_as_sent.json");
    gpus_load(&full_gpus, "nvidia/h100_550.90.07_full/nvidia_payload.json");
    test_near();
    test_tinfoil();
    test_chutes();
    test_v4_parse_only();
    test_garbage();
    test_synthetic();
    test_request();
    test_request_deadline();
    test_oom();
    ta_jwks_clear(&test_jwks);
    kit_key_free(&key);
    kit_pki_free(&test_pki);
    kit_key_free(&other_key);
    ta_jwks_clear(&real_jwks);
    ta_gpu_outcome_free(&near_gpus.oc);
    ta_gpu_outcome_free(&tinfoil_gpus.oc);
    ta_gpu_outcome_free(&chutes_gpus.oc);
    ta_gpu_outcome_free(&full_gpus.oc);
    teeattest_ctx_free(ctx);
    return ta_test_done();
}
