/*
 * The public GPU API (teeattest/gpu.h) on every real case in
 * shared/fixtures/nvidia: local evidence checks, RIM comparison, OCSP from
 * saved responses, and NRAS answers with the captured JWKS, each at the
 * case's recorded time, with the verdict and check outcomes its
 * expected.json states; an NRAS answer judges only the GPUs whose leaf
 * serials its tokens name, and JWKS keys count only through x5c.
 * Black-box: shared library and public headers only.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "teeattest/teeattest.h"
#include "test.h"
#include "conf_memo.h"

static teeattest_ctx *ctx;

#define AT_550 1761307200      /* 2025-10-24T12:00:00Z */
#define AT_550_DEVICE_OCSP 1755759000 /* 2025-08-21T06:50:00Z */
#define AT_2024 1717200000     /* 2024-06-01T00:00:00Z */
#define AT_CAPTURE 1782699000  /* 2026-06-29T02:10:00Z */

#define NONCE_550 "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb"
#define NONCE_NEAR "541b6523f9446dcd170e67ac8171eb9226bee5e3f192de4900b74f0ef293500b"
#define NONCE_TINFOIL "080c405ce6789e1761445180029523df3ae49576043f7f0868413a38e5e9a84e"
#define NONCE_CHUTES_CLIENT "c7fe347ecca03db12e156e048bbe809024928ef0707a319796956fe7415148e4"
#define NONCE_CHUTES_GPU "20c934acdd4b0f08b9f5a3ad6caf5fdf665d3538c90a495c09d1b6894ef1d583"
#define DRIVER_550 "NV_GPU_DRIVER_GH100_550.90.07"
#define VBIOS_550 "NV_GPU_VBIOS_1010_0200_882_96009F0001"

static void hex32(const char *hex, uint8_t out[32])
{
    for (size_t i = 0; i < 32; i++) {
        unsigned v = 0;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
}

static uint8_t *fixture(const char *rel, size_t *len)
{
    uint8_t *d = ta_test_read_file(ta_test_fixture(rel), len);
    if (!d)
        printf("# missing fixture %s\n", rel);
    return d;
}

static const char *outcome(teeattest_result *r, const char *name)
{
    int32_t oc = 0;
    const char *detail = NULL;
    if (!r || teeattest_result_find_check(r, name, &oc, &detail, NULL) != TEEATTEST_OK)
        return "absent";
    switch (oc) {
    case TEEATTEST_OUTCOME_PASS: return "pass";
    case TEEATTEST_OUTCOME_FAIL: return "fail";
    case TEEATTEST_OUTCOME_SKIP: return "skip";
    case TEEATTEST_OUTCOME_WARN: return "warn";
    default: return "?";
    }
}

static const char *detail_of(teeattest_result *r, const char *name)
{
    int32_t oc = 0;
    const char *detail = NULL;
    if (!r || teeattest_result_find_check(r, name, &oc, &detail, NULL) != TEEATTEST_OK)
        return "";
    return detail ? detail : "";
}

static const char *fact(teeattest_result *r, const char *key)
{
    return r ? teeattest_result_fact(r, key) : NULL;
}

static void dump(teeattest_result *r)
{
    size_t n = teeattest_result_check_count(r);
    for (size_t i = 0; i < n; i++) {
        const char *name, *detail;
        int32_t oc;
        int32_t req;
        teeattest_result_check(r, i, &name, &oc, &detail, &req, NULL);
        printf("#   %-36s %d%s %s\n", name, oc, req ? "" : " (optional)",
               detail);
    }
}

static int verdict(teeattest_result *r)
{
    return r ? teeattest_result_verdict(r) : -1;
}

typedef struct opts {
    int64_t at;
    int32_t mode, rim, ocsp, ocsp_nonce;
    uint32_t min_count;
} opts;

static teeattest_result *run(const uint8_t *payload, size_t len,
                             const char *nonce_hex, teeattest_gpu_inputs *in,
                             const opts *o)
{
    teeattest_policy *p = NULL;
    if (teeattest_policy_new(ctx, &p, NULL) != TEEATTEST_OK)
        return NULL;
    teeattest_policy_set_time(p, o->at, NULL);
    teeattest_policy_set_gpu_mode(p, o->mode, NULL);
    teeattest_policy_set_gpu_rim(p, o->rim, NULL);
    teeattest_policy_set_gpu_ocsp(p, o->ocsp, NULL);
    teeattest_policy_set_gpu_ocsp_nonce(p, o->ocsp_nonce, NULL);
    teeattest_policy_set_gpu_min_count(p, o->min_count, NULL);
    uint8_t nonce[32];
    hex32(nonce_hex, nonce);
    teeattest_result *r = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    int rc = teeattest_gpu_verify(ctx, &r, payload, len, nonce, 32, in, p, &e);
    if (rc)
        printf("# teeattest_gpu_verify: %s: %s\n", teeattest_status_str(rc),
               e.message);
    teeattest_policy_free(p);
    return r;
}

static teeattest_gpu_inputs *inputs(void)
{
    teeattest_gpu_inputs *in = NULL;
    teeattest_gpu_inputs_new(ctx, &in, NULL);
    return in;
}

static int add_file(teeattest_gpu_inputs *in, int32_t kind, const char *id,
                    const char *rel)
{
    size_t len = 0;
    uint8_t *d = fixture(rel, &len);
    if (!d)
        return -1;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    int rc = teeattest_gpu_inputs_add(in, kind, id, d, len, &e);
    if (rc)
        printf("# add %s: %s\n", rel, e.message);
    free(d);
    return rc;
}

/* ---- h100_550.90.07_full: the complete local set ------------------------ */

static void case_550(void)
{
    printf("# h100_550.90.07_full\n");
    size_t len = 0;
    uint8_t *pl = fixture("nvidia/h100_550.90.07_full/nvidia_payload.json", &len);
    if (!CHECK(pl))
        return;
    const char *dir = "nvidia/h100_550.90.07_full/";
    char rel[256];

    /* Local: RIMs + the RIM chains' OCSP responses at the case's time. */
    teeattest_gpu_inputs *in = inputs();
    snprintf(rel, sizeof rel, "%sdriver_rim.xml", dir);
    CHECK_EQ_INT(add_file(in, TEEATTEST_GPU_ITEM_RIM, DRIVER_550, rel), 0);
    snprintf(rel, sizeof rel, "%svbios_rim.xml", dir);
    CHECK_EQ_INT(add_file(in, TEEATTEST_GPU_ITEM_RIM, VBIOS_550, rel), 0);
    const char *rim_ocsp[] = {"rim_driver_l4_signer", "rim_vbios_l4_signer",
                              "rim_l3_reference_value_gh100_002",
                              "rim_l2_reference_value_gh100_ca"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(rel, sizeof rel, "%socsp/%s.der", dir, rim_ocsp[i]);
        CHECK_EQ_INT(add_file(in, TEEATTEST_GPU_ITEM_OCSP, NULL, rel), 0);
    }
    CHECK_EQ_INT(teeattest_gpu_inputs_count(in, TEEATTEST_GPU_ITEM_RIM), 2);
    CHECK_EQ_INT(teeattest_gpu_inputs_count(in, TEEATTEST_GPU_ITEM_OCSP), 4);
    opts o = {AT_550, TEEATTEST_GPU_MODE_AUTO, 0, 0, 0, 0};
    teeattest_result *r = run(pl, len, NONCE_550, in, &o);
    if (!CHECK_EQ_INT(verdict(r), TEEATTEST_VERDICT_VERIFIED))
        dump(r);
    CHECK_STR(outcome(r, "gpu[0].spdm.signature"), "pass");
    CHECK_STR(outcome(r, "gpu[0].fwid"), "pass");
    CHECK_STR(outcome(r, "gpu[0].rim.driver.signature"), "pass");
    CHECK_STR(outcome(r, "gpu[0].rim.driver.digest"), "pass");
    CHECK_STR(outcome(r, "gpu[0].rim.vbios.chain"), "pass");
    CHECK_STR(outcome(r, "gpu[0].rim.driver.measurements"), "pass");
    CHECK_STR(outcome(r, "gpu[0].rim.vbios.measurements"), "pass");
    CHECK_STR(outcome(r, "gpu[0].rim.driver.ocsp.cert[0]"), "pass");
    CHECK_STR(outcome(r, "gpu[0].rim.driver.ocsp.cert[2]"), "pass");
    CHECK_STR(outcome(r, "gpu[0].rim.vbios.ocsp.cert[1]"), "pass");
    /* No saved device responses, OCSP offline: skipped, allowed. */
    CHECK_STR(outcome(r, "gpu[0].ocsp.cert[1]"), "skip");
    CHECK_STR(outcome(r, "gpu.nras"), "skip");
    CHECK_STR(fact(r, "gpu.measurements"), "rim");
    CHECK_STR(fact(r, "gpu[0].rim.mismatch_count"), "0");
    CHECK_STR(fact(r, "gpu[0].driver_rim_id"), DRIVER_550);
    teeattest_result_free(r);

    /* OCSP required but no device responses: fails closed. */
    o.ocsp = TEEATTEST_GPU_REQUIRE;
    r = run(pl, len, NONCE_550, in, &o);
    CHECK_EQ_INT(verdict(r), TEEATTEST_VERDICT_FAILED);
    CHECK_STR(outcome(r, "gpu[0].ocsp.cert[1]"), "skip");
    teeattest_result_free(r);

    /* Skipping RIMs by policy with nothing else judging: not verified as
     * measured, and the result says so. */
    o.ocsp = TEEATTEST_GPU_SKIP;
    o.rim = TEEATTEST_GPU_SKIP;
    r = run(pl, len, NONCE_550, in, &o);
    CHECK_STR(outcome(r, "gpu[0].ocsp"), "skip");
    CHECK_STR(outcome(r, "gpu.measurements"), "warn");
    CHECK_STR(fact(r, "gpu.measurements"), "none");
    CHECK_STR(outcome(r, "gpu[0].rim.driver.measurements"), "absent");
    teeattest_result_free(r);

    /* Device chain OCSP at the responses' own time (the device responders
     * expired later). The RIM signer responses are from the future then. */
    teeattest_gpu_inputs *dev = inputs();
    const char *dev_ocsp[] = {"device_l4_gsp_brom", "device_l3_provisioner_ica1",
                              "device_l2_gh100_identity"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(rel, sizeof rel, "%socsp/%s.der", dir, dev_ocsp[i]);
        CHECK_EQ_INT(add_file(dev, TEEATTEST_GPU_ITEM_OCSP, NULL, rel), 0);
    }
    opts od = {AT_550_DEVICE_OCSP, TEEATTEST_GPU_MODE_LOCAL,
               TEEATTEST_GPU_SKIP, TEEATTEST_GPU_REQUIRE, 0, 0};
    r = run(pl, len, NONCE_550, dev, &od);
    CHECK_STR(outcome(r, "gpu[0].ocsp.cert[1]"), "pass");
    CHECK_STR(outcome(r, "gpu[0].ocsp.cert[2]"), "pass");
    CHECK_STR(outcome(r, "gpu[0].ocsp.cert[3]"), "pass");
    teeattest_result_free(r);
    /* The same responses two months later: stale, so they fail even
     * though OCSP is not required (a response at hand is judged). */
    od.at = AT_550;
    od.ocsp = TEEATTEST_GPU_DEFAULT;
    r = run(pl, len, NONCE_550, dev, &od);
    CHECK_STR(outcome(r, "gpu[0].ocsp.cert[1]"), "fail");
    CHECK_EQ_INT(verdict(r), TEEATTEST_VERDICT_FAILED);
    teeattest_result_free(r);
    teeattest_gpu_inputs_free(dev);

    /* NRAS v4 answer for this evidence: signed by a June 2025 key no
     * captured JWKS holds, so it cannot be trusted: fails, never passes
     * on claims alone. AUTO then judges by NRAS. */
    snprintf(rel, sizeof rel, "%snras_v4_detached_eat.json", dir);
    CHECK_EQ_INT(add_file(in, TEEATTEST_GPU_ITEM_NRAS_RESPONSE, NULL, rel), 0);
    CHECK_EQ_INT(add_file(in, TEEATTEST_GPU_ITEM_JWKS, NULL,
                          "nvidia/jwks/nras_jwks_20260629.json"), 0);
    /* A second NRAS answer is misuse. */
    CHECK_EQ_INT(add_file(in, TEEATTEST_GPU_ITEM_NRAS_RESPONSE, NULL, rel),
                 TEEATTEST_E_INVALID_ARG);
    opts on = {1749602000, TEEATTEST_GPU_MODE_AUTO, 0, 0, 0, 0};
    r = run(pl, len, NONCE_550, in, &on);
    CHECK_EQ_INT(verdict(r), TEEATTEST_VERDICT_FAILED);
    CHECK_STR(outcome(r, "gpu.nras.jwt.signature"), "fail");
    CHECK_STR(outcome(r, "gpu.rim"), "skip");
    CHECK_STR(ta_test_fact(r, "gpu.measurements"), "nras");
    teeattest_result_free(r);
    teeattest_gpu_inputs_free(in);
    free(pl);
}

/* ---- 545 (no FWID field), 535 (tampered / differing RIMs), 580 -------- */

static void case_545(void)
{
    printf("# h100_545.00_nvtrust2023\n");
    size_t len = 0;
    uint8_t *pl = fixture("nvidia/h100_545.00_nvtrust2023/nvidia_payload.json",
                          &len);
    if (!CHECK(pl))
        return;
    teeattest_gpu_inputs *in = inputs();
    /* Without ids: matched by colloquialVersion. */
    CHECK_EQ_INT(add_file(in, TEEATTEST_GPU_ITEM_RIM, NULL,
                          "nvidia/h100_545.00_nvtrust2023/driver_rim.xml"), 0);
    CHECK_EQ_INT(add_file(in, TEEATTEST_GPU_ITEM_RIM, NULL,
                          "nvidia/h100_545.00_nvtrust2023/vbios_rim.xml"), 0);
    opts o = {AT_2024, TEEATTEST_GPU_MODE_LOCAL, 0, 0, 0, 0};
    teeattest_result *r = run(pl, len, "4cff7f5380ead8fad8ec2c531c110aca4302a88f603792801a8ca29ee151af2e", in, &o);
    if (!CHECK_EQ_INT(verdict(r), TEEATTEST_VERDICT_VERIFIED))
        dump(r);
    CHECK_STR(outcome(r, "gpu[0].fwid"), "skip");
    CHECK_STR(outcome(r, "gpu[0].rim.driver.measurements"), "pass");
    teeattest_result_free(r);
    teeattest_gpu_inputs_free(in);
    free(pl);
}

static void case_535(void)
{
    printf("# h100_535.86.09_sdk\n");
    size_t len = 0;
    uint8_t *pl = fixture("nvidia/h100_535.86.09_sdk/nvidia_payload.json", &len);
    if (!CHECK(pl))
        return;
    const char *nonce = "27a328247bf7935c993341cf587be6f05986ccce4fe7ba2c54100bd616a58f66";
    teeattest_gpu_inputs *in = inputs();
    CHECK_EQ_INT(add_file(in, TEEATTEST_GPU_ITEM_RIM, NULL,
                          "nvidia/h100_535.86.09_sdk/driver_rim_tampered.xml"), 0);
    CHECK_EQ_INT(add_file(in, TEEATTEST_GPU_ITEM_RIM, NULL,
                          "nvidia/h100_535.86.09_sdk/vbios_rim.xml"), 0);
    opts o = {AT_2024, TEEATTEST_GPU_MODE_LOCAL, 0, 0, 0, 0};
    teeattest_result *r = run(pl, len, nonce, in, &o);
    CHECK_EQ_INT(verdict(r), TEEATTEST_VERDICT_FAILED);
    CHECK_STR(outcome(r, "gpu[0].spdm.signature"), "pass");
    /* The tampered RIM keeps a valid SignatureValue: the digest catches it. */
    CHECK_STR(outcome(r, "gpu[0].rim.driver.signature"), "pass");
    CHECK_STR(outcome(r, "gpu[0].rim.driver.digest"), "fail");
    CHECK_STR(outcome(r, "gpu[0].rim.vbios.digest"), "pass");
    CHECK_STR(outcome(r, "gpu[0].rim.vbios.measurements"), "pass");
    teeattest_result_free(r);
    teeattest_gpu_inputs_free(in);

    in = inputs();
    CHECK_EQ_INT(add_file(in, TEEATTEST_GPU_ITEM_RIM, NULL,
                          "nvidia/h100_535.86.09_sdk/vbios_rim_index9_differs.xml"), 0);
    o.rim = TEEATTEST_GPU_REQUIRE;
    r = run(pl, len, nonce, in, &o);
    CHECK_EQ_INT(verdict(r), TEEATTEST_VERDICT_FAILED);
    CHECK_STR(outcome(r, "gpu[0].rim.vbios.signature"), "pass");
    CHECK_STR(outcome(r, "gpu[0].rim.vbios.measurements"), "fail");
    CHECK_STR(ta_test_fact(r, "gpu[0].rim.vbios.mismatches"), "9");
    /* No driver RIM at all: "reference missing", not a mismatch. */
    CHECK_STR(outcome(r, "gpu[0].rim.driver.source"), "skip");
    teeattest_result_free(r);
    teeattest_gpu_inputs_free(in);
    free(pl);
}

static void case_580(void)
{
    printf("# h100_580.159.03_sdk\n");
    size_t len = 0;
    uint8_t *pl = fixture("nvidia/h100_580.159.03_sdk/nvidia_payload.json", &len);
    if (!CHECK(pl))
        return;
    teeattest_gpu_inputs *in = inputs();
    CHECK_EQ_INT(add_file(in, TEEATTEST_GPU_ITEM_RIM, NULL,
                          "nvidia/h100_580.159.03_sdk/vbios_rim.xml"), 0);
    /* Before the signer leaf expired (2025-09-05). */
    opts o = {1735689600 /* 2025-01-01 */, TEEATTEST_GPU_MODE_LOCAL, 0, 0, 0, 0};
    teeattest_result *r = run(pl, len, "5bb22e377702d4e1e8215a903ba094826b9ac7f731dee1fe8102958bf2840aca", in, &o);
    CHECK_EQ_INT(verdict(r), TEEATTEST_VERDICT_FAILED);
    CHECK_STR(outcome(r, "gpu[0].fwid"), "pass");
    CHECK_STR(outcome(r, "gpu[0].rim.vbios.signature"), "pass");
    CHECK_STR(outcome(r, "gpu[0].rim.vbios.chain"), "pass");
    CHECK_STR(outcome(r, "gpu[0].rim.vbios.measurements"), "fail");
    CHECK_STR(ta_test_fact(r, "gpu[0].rim.vbios.mismatches"), "9");
    teeattest_result_free(r);
    /* After: the signer chain fails on time. */
    o.at = AT_CAPTURE;
    r = run(pl, len, "5bb22e377702d4e1e8215a903ba094826b9ac7f731dee1fe8102958bf2840aca", in, &o);
    CHECK_STR(outcome(r, "gpu[0].rim.vbios.chain"), "fail");
    teeattest_result_free(r);
    teeattest_gpu_inputs_free(in);
    free(pl);
}

static void case_bad_signature(void)
{
    printf("# h100_bad_signature_sdk\n");
    size_t len = 0;
    uint8_t *pl = fixture("nvidia/h100_bad_signature_sdk/nvidia_payload.json",
                          &len);
    if (!CHECK(pl))
        return;
    opts o = {AT_550, TEEATTEST_GPU_MODE_LOCAL, TEEATTEST_GPU_SKIP, 0, 0, 0};
    teeattest_result *r = run(pl, len, NONCE_550, NULL, &o);
    CHECK_EQ_INT(verdict(r), TEEATTEST_VERDICT_FAILED);
    CHECK_STR(outcome(r, "gpu[0].spdm.signature"), "fail");
    teeattest_result_free(r);
    free(pl);
}

/* Standard base64 of n bytes at out (needs 4*((n+2)/3) bytes); returns
 * the characters written. */
static size_t b64(char *out, const uint8_t *d, size_t n)
{
    static const char tbl[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)d[i] << 16;
        if (i + 1 < n) v |= (uint32_t)d[i + 1] << 8;
        if (i + 2 < n) v |= d[i + 2];
        out[o++] = tbl[(v >> 18) & 63];
        out[o++] = tbl[(v >> 12) & 63];
        out[o++] = i + 1 < n ? tbl[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? tbl[v & 63] : '=';
    }
    return o;
}

/* Payload around a raw report and chain (Blackwell has no payload file). */
static char *wrap(const char *ev_rel, const char *pem_rel, size_t *out_len)
{
    size_t el = 0, cl = 0;
    uint8_t *ev = fixture(ev_rel, &el), *pem = fixture(pem_rel, &cl);
    if (!ev || !pem) {
        free(ev);
        free(pem);
        return NULL;
    }
    char *out = malloc(2 * (el + cl) + 200);
    size_t o = (size_t)sprintf(out, "{\"evidence_list\":[{\"evidence\":\"");
    o += b64(out + o, ev, el);
    o += (size_t)sprintf(out + o, "\",\"certificate\":\"");
    o += b64(out + o, pem, cl);
    o += (size_t)sprintf(out + o, "\"}]}");
    *out_len = o;
    free(ev);
    free(pem);
    return out;
}

static void case_blackwell(void)
{
    printf("# blackwell_575.32_sdk\n");
    size_t len = 0;
    char *pl = wrap("nvidia/blackwell_575.32_sdk/evidence.bin",
                    "nvidia/blackwell_575.32_sdk/cert_chain.pem", &len);
    if (!CHECK(pl))
        return;
    opts o = {AT_550, TEEATTEST_GPU_MODE_LOCAL, 0, 0, 0, 0};
    teeattest_result *r = run((uint8_t *)pl, len, NONCE_550, NULL, &o);
    CHECK_STR(outcome(r, "gpu[0].spdm.signature"), "pass");
    CHECK_STR(outcome(r, "gpu[0].fwid"), "pass");
    CHECK_STR(ta_test_fact(r, "gpu[0].arch"), "BLACKWELL");
    /* No RIMs offline: the measurements are not judged: not verified. */
    CHECK_STR(outcome(r, "gpu[0].rim.driver.source"), "skip");
    CHECK_EQ_INT(verdict(r), TEEATTEST_VERDICT_FAILED);
    teeattest_result_free(r);
    /* Remote mode without an NRAS answer, offline: fails, says why. */
    o.mode = TEEATTEST_GPU_MODE_REMOTE;
    r = run((uint8_t *)pl, len, NONCE_550, NULL, &o);
    CHECK_STR(outcome(r, "gpu.nras"), "fail");
    CHECK_STR(outcome(r, "gpu.rim"), "skip");
    CHECK_EQ_INT(verdict(r), TEEATTEST_VERDICT_FAILED);
    teeattest_result_free(r);
    free(pl);
}

static void case_ppcie(void)
{
    printf("# h100x8_ppcie_590.12\n");
    size_t len = 0;
    uint8_t *pl = fixture("nvidia/h100x8_ppcie_590.12/gpu_evidence.json", &len);
    if (!CHECK(pl))
        return;
    opts o = {AT_550, TEEATTEST_GPU_MODE_LOCAL, TEEATTEST_GPU_SKIP,
              TEEATTEST_GPU_SKIP, 0, 8};
    teeattest_result *r = run(pl, len, "4760e30534a0621357d458b1a7936551b5dc4cd1e69718adf7ed9fb0252a537e", NULL, &o);
    CHECK_STR(fact(r, "gpu.count"), "8");
    for (size_t i = 0; i < 8; i++) {
        char name[64];
        snprintf(name, sizeof name, "gpu[%zu].spdm.signature", i);
        CHECK_STR(outcome(r, name), "pass");
        snprintf(name, sizeof name, "gpu[%zu].fwid", i);
        CHECK_STR(outcome(r, name), "pass");
    }
    CHECK_STR(outcome(r, "gpu.count"), "pass");
    CHECK_STR(outcome(r, "gpu.duplicates"), "pass");
    teeattest_result_free(r);
    o.min_count = 9;
    r = run(pl, len, "4760e30534a0621357d458b1a7936551b5dc4cd1e69718adf7ed9fb0252a537e", NULL, &o);
    CHECK_STR(outcome(r, "gpu.count"), "fail");
    teeattest_result_free(r);
    free(pl);
}

/* ---- remote cases: NRAS answers with the captured JWKS ----------------- */

static teeattest_gpu_inputs *remote_inputs(const char *cs, bool with_jwks)
{
    teeattest_gpu_inputs *in = inputs();
    char rel[256];
    snprintf(rel, sizeof rel, "nvidia/%s/nras_response.json", cs);
    CHECK_EQ_INT(add_file(in, TEEATTEST_GPU_ITEM_NRAS_RESPONSE, NULL, rel), 0);
    if (with_jwks)
        CHECK_EQ_INT(add_file(in, TEEATTEST_GPU_ITEM_JWKS, NULL,
                              "nvidia/jwks/nras_jwks_20260629.json"), 0);
    return in;
}

static void case_near(void)
{
    printf("# remote_neardirect_h100x8\n");
    size_t len = 0;
    uint8_t *pl = fixture("nvidia/remote_neardirect_h100x8/nvidia_payload.json",
                          &len);
    if (!CHECK(pl))
        return;
    teeattest_gpu_inputs *in = remote_inputs("remote_neardirect_h100x8", true);
    opts o = {AT_CAPTURE, TEEATTEST_GPU_MODE_AUTO, 0, 0, 0, 8};
    teeattest_result *r = run(pl, len, NONCE_NEAR, in, &o);
    if (!CHECK_EQ_INT(verdict(r), TEEATTEST_VERDICT_VERIFIED))
        dump(r);
    CHECK_STR(fact(r, "gpu.count"), "8");
    CHECK_STR(fact(r, "gpu.measurements"), "nras");
    CHECK_STR(outcome(r, "gpu.nras.jwt.signature"), "pass");
    CHECK_STR(outcome(r, "gpu.nras.submods"), "pass");
    CHECK_STR(outcome(r, "gpu.nras.result"), "pass");
    CHECK_STR(outcome(r, "gpu[7].nras.measurements"), "pass");
    CHECK_STR(outcome(r, "gpu[7].spdm.signature"), "pass");
    CHECK_STR(outcome(r, "gpu[7].nonce"), "pass");
    CHECK_STR(outcome(r, "gpu.rim"), "skip");
    teeattest_result_free(r);

    /* After the tokens expired (03:06:34Z). */
    o.at = AT_CAPTURE + 3600;
    r = run(pl, len, NONCE_NEAR, in, &o);
    CHECK_EQ_INT(verdict(r), TEEATTEST_VERDICT_FAILED);
    CHECK_STR(outcome(r, "gpu.nras.jwt.claims"), "fail");
    teeattest_result_free(r);

    /* A different nonce: the GPUs and NRAS both disagree. */
    o.at = AT_CAPTURE;
    r = run(pl, len, NONCE_550, in, &o);
    CHECK_EQ_INT(verdict(r), TEEATTEST_VERDICT_FAILED);
    CHECK_STR(outcome(r, "gpu[0].nonce"), "fail");
    CHECK_STR(outcome(r, "gpu.nras.nonce"), "fail");
    teeattest_result_free(r);

    /* Local mode: no RIMs for these GPUs offline: not verified. */
    o.mode = TEEATTEST_GPU_MODE_LOCAL;
    r = run(pl, len, NONCE_NEAR, in, &o);
    CHECK_EQ_INT(verdict(r), TEEATTEST_VERDICT_FAILED);
    CHECK_STR(outcome(r, "gpu.nras"), "skip");
    teeattest_result_free(r);
    teeattest_gpu_inputs_free(in);

    /* Without the JWKS the tokens cannot be verified. */
    in = remote_inputs("remote_neardirect_h100x8", false);
    o.mode = TEEATTEST_GPU_MODE_AUTO;
    r = run(pl, len, NONCE_NEAR, in, &o);
    CHECK_EQ_INT(verdict(r), TEEATTEST_VERDICT_FAILED);
    CHECK_STR(outcome(r, "gpu.nras.jwt.signature"), "fail");
    teeattest_result_free(r);
    teeattest_gpu_inputs_free(in);

    /* The provider's report carries the payload as a JSON string. */
    size_t rl = 0;
    uint8_t *rep = fixture("nvidia/remote_neardirect_h100x8/provider_attestation_report.json", &rl);
    if (rep) {
        json_t *j = json_loadb((const char *)rep, rl, 0, NULL);
        json_t *np = json_object_get(j, "nvidia_payload");
        if (CHECK(json_is_string(np))) {
            char *s = json_dumps(np, JSON_ENCODE_ANY);
            in = remote_inputs("remote_neardirect_h100x8", true);
            r = run((uint8_t *)s, strlen(s), NONCE_NEAR, in, &o);
            CHECK_EQ_INT(verdict(r), TEEATTEST_VERDICT_VERIFIED);
            teeattest_result_free(r);
            teeattest_gpu_inputs_free(in);
            free(s);
        }
        json_decref(j);
        free(rep);
    }
    free(pl);
}

/* Verify the NEAR answer for `payload` (a JSON document) with the JWKS
 * documents `jwks` (NULL-terminated JSON texts; NULL: the captured one). */
static teeattest_result *run_near_answer(json_t *payload, const char *const *jwks)
{
    teeattest_gpu_inputs *in = remote_inputs("remote_neardirect_h100x8", !jwks);
    for (size_t i = 0; jwks && jwks[i]; i++) {
        teeattest_error e = TEEATTEST_ERROR_INIT;
        if (!CHECK_EQ_INT(teeattest_gpu_inputs_add(in, TEEATTEST_GPU_ITEM_JWKS,
                                                   NULL, (const uint8_t *)jwks[i],
                                                   strlen(jwks[i]), &e), 0))
            printf("# %s\n", e.message);
    }
    char *s = json_dumps(payload, JSON_COMPACT);
    opts o = {AT_CAPTURE, TEEATTEST_GPU_MODE_AUTO, 0, 0, 0, 1};
    teeattest_result *r = run((uint8_t *)s, strlen(s), NONCE_NEAR, in, &o);
    free(s);
    teeattest_gpu_inputs_free(in);
    return r;
}

static json_t *load_json(const char *rel)
{
    size_t len = 0;
    uint8_t *d = fixture(rel, &len);
    json_t *j = d ? json_loadb((const char *)d, len, 0, NULL) : NULL;
    free(d);
    return j;
}

/* The NEAR answer is tied to the GPUs it judged (their leaf serials), not
 * to the positions or the nonce; JWKS keys count only through x5c, and a
 * kid bound to two keys fails. */
static void case_near_binding(void)
{
    printf("# remote_neardirect_h100x8: answer bound to its GPUs\n");
    json_t *near = load_json("nvidia/remote_neardirect_h100x8/nvidia_payload.json");
    json_t *chutes = load_json("nvidia/remote_chutes_h100x8_nonce_mismatch/nvidia_payload_as_sent.json");
    json_t *jwks = load_json("nvidia/jwks/nras_jwks_20260629.json");
    if (!CHECK(near && chutes && jwks))
        return;
    json_t *list = json_object_get(near, "evidence_list");
    CHECK_EQ_INT(json_array_size(list), 8);

    /* Each token's ueid is the leaf serial of the evidence's GPU. */
    teeattest_result *r = run_near_answer(near, NULL);
    if (!CHECK_EQ_INT(verdict(r), TEEATTEST_VERDICT_VERIFIED))
        dump(r);
    CHECK_STR(outcome(r, "gpu.nras.ueid"), "pass");
    for (int i = 0; i < 8; i++) {
        char a[48], b[48];
        snprintf(a, sizeof a, "gpu[%d].serial", i);
        snprintf(b, sizeof b, "gpu[%d].nras.ueid", i);
        CHECK(fact(r, a) && fact(r, b) && strcmp(fact(r, a), fact(r, b)) == 0);
        snprintf(b, sizeof b, "gpu[%d].nras.versions", i);
        CHECK_STR(outcome(r, b), "pass");
    }
    teeattest_result_free(r);

    /* The evidence reordered: same GPUs, still verified; the answer's
     * per-GPU checks follow the evidence's GPUs. */
    json_t *rev = json_deep_copy(near);
    json_t *rl = json_object_get(rev, "evidence_list");
    for (size_t i = 0; i < 4; i++) {
        json_t *a = json_incref(json_array_get(rl, i));
        json_array_set(rl, i, json_array_get(rl, 7 - i));
        json_array_set_new(rl, 7 - i, a);
    }
    r = run_near_answer(rev, NULL);
    if (!CHECK_EQ_INT(verdict(r), TEEATTEST_VERDICT_VERIFIED))
        dump(r);
    CHECK(strstr(detail_of(r, "gpu.nras.ueid"), "token order differs") != NULL);
    CHECK(fact(r, "gpu[0].serial") && fact(r, "gpu[0].nras.ueid") &&
          strcmp(fact(r, "gpu[0].serial"), fact(r, "gpu[0].nras.ueid")) == 0);
    teeattest_result_free(r);
    json_decref(rev);

    /* One GPU of the evidence dropped: its token judges nothing sent. */
    json_t *seven = json_deep_copy(near);
    json_array_remove(json_object_get(seven, "evidence_list"), 3);
    r = run_near_answer(seven, NULL);
    CHECK_EQ_INT(verdict(r), TEEATTEST_VERDICT_FAILED);
    CHECK_STR(outcome(r, "gpu.nras.ueid"), "fail");
    teeattest_result_free(r);
    json_decref(seven);

    /* Another 8-GPU system's evidence under the same nonce claim: NVIDIA's
     * tokens still verify and echo the nonce, but judge other GPUs. */
    json_t *other = json_deep_copy(chutes);
    json_object_set_new(other, "nonce", json_string(NONCE_NEAR));
    r = run_near_answer(other, NULL);
    CHECK_EQ_INT(verdict(r), TEEATTEST_VERDICT_FAILED);
    CHECK_STR(outcome(r, "gpu.nras.jwt.signature"), "pass");
    CHECK_STR(outcome(r, "gpu.nras.nonce"), "pass");
    CHECK_STR(outcome(r, "gpu.nras.result"), "pass");
    CHECK_STR(outcome(r, "gpu.nras.ueid"), "fail");
    CHECK(strstr(detail_of(r, "gpu.nras.ueid"),
                 "is the leaf certificate serial of no GPU in the evidence") != NULL);
    teeattest_result_free(r);
    json_decref(other);

    /* NVIDIA's JWKS with every x5c removed: the same keys, untrusted. */
    json_t *bare = json_deep_copy(jwks);
    size_t k;
    json_t *key;
    json_array_foreach(json_object_get(bare, "keys"), k, key)
        json_object_del(key, "x5c");
    char *bare_s = json_dumps(bare, JSON_COMPACT);
    r = run_near_answer(near, (const char *[]){bare_s, NULL});
    CHECK_EQ_INT(verdict(r), TEEATTEST_VERDICT_FAILED);
    CHECK_STR(outcome(r, "gpu.nras.jwt.signature"), "fail");
    CHECK(strstr(detail_of(r, "gpu.nras.jwt.signature"), "has no x5c") != NULL);
    teeattest_result_free(r);

    /* Two documents: the same one twice is fine; one that binds the
     * overall token's kid to another key of the JWKS is a conflict. */
    char *jwks_s = json_dumps(jwks, JSON_COMPACT);
    r = run_near_answer(near, (const char *[]){jwks_s, jwks_s, NULL});
    CHECK_EQ_INT(verdict(r), TEEATTEST_VERDICT_VERIFIED);
    teeattest_result_free(r);
    json_t *swapped = json_deep_copy(jwks);
    json_t *keys = json_object_get(swapped, "keys");
    const char *kid = "nv-eat-kid-prod-20260628170349267-bfb514f7-1ac0-40f5-8108-e0b3c98351db";
    json_t *victim = NULL, *donor = NULL;
    json_array_foreach(keys, k, key) {
        if (strcmp(json_string_value(json_object_get(key, "kid")), kid) == 0)
            victim = key;
        else if (!donor)
            donor = key;
    }
    if (CHECK(victim && donor)) {
        json_t *d2 = json_deep_copy(donor);
        json_object_set_new(d2, "kid", json_string(kid));
        json_t *one = json_pack("{s:[o]}", "keys", d2);
        char *one_s = json_dumps(one, JSON_COMPACT);
        r = run_near_answer(near, (const char *[]){jwks_s, one_s, NULL});
        CHECK_EQ_INT(verdict(r), TEEATTEST_VERDICT_FAILED);
        CHECK(strstr(detail_of(r, "gpu.nras.jwt.signature"), "conflict") != NULL);
        teeattest_result_free(r);
        r = run_near_answer(near, (const char *[]){one_s, jwks_s, NULL});
        CHECK_EQ_INT(verdict(r), TEEATTEST_VERDICT_FAILED);
        CHECK(strstr(detail_of(r, "gpu.nras.jwt.signature"), "conflict") != NULL);
        teeattest_result_free(r);
        free(one_s);
        json_decref(one);
    }
    json_decref(swapped);
    free(jwks_s);
    free(bare_s);
    json_decref(bare);
    json_decref(jwks);
    json_decref(chutes);
    json_decref(near);
}

static void case_tinfoil(void)
{
    printf("# remote_tinfoil_h100x1\n");
    size_t len = 0;
    uint8_t *pl = fixture("nvidia/remote_tinfoil_h100x1/nvidia_payload.json", &len);
    if (!CHECK(pl))
        return;
    teeattest_gpu_inputs *in = remote_inputs("remote_tinfoil_h100x1", true);
    opts o = {AT_CAPTURE, TEEATTEST_GPU_MODE_AUTO, 0, 0, 0, 0};
    teeattest_result *r = run(pl, len, NONCE_TINFOIL, in, &o);
    if (!CHECK_EQ_INT(verdict(r), TEEATTEST_VERDICT_VERIFIED))
        dump(r);
    CHECK_STR(fact(r, "gpu.count"), "1");
    /* Both: NRAS passes, but no RIMs for this driver: not verified. */
    o.mode = TEEATTEST_GPU_MODE_BOTH;
    r = (teeattest_result_free(r), run(pl, len, NONCE_TINFOIL, in, &o));
    CHECK_STR(outcome(r, "gpu.nras.result"), "pass");
    CHECK_STR(outcome(r, "gpu[0].rim.driver.source"), "skip");
    CHECK_STR(ta_test_fact(r, "gpu.measurements"), "nras+rim");
    CHECK_EQ_INT(verdict(r), TEEATTEST_VERDICT_FAILED);
    teeattest_result_free(r);
    teeattest_gpu_inputs_free(in);
    free(pl);
}

static void case_chutes(void)
{
    printf("# remote_chutes_h100x8_nonce_mismatch\n");
    size_t len = 0;
    uint8_t *pl = fixture("nvidia/remote_chutes_h100x8_nonce_mismatch/nvidia_payload_as_sent.json", &len);
    if (!CHECK(pl))
        return;
    teeattest_gpu_inputs *in =
        remote_inputs("remote_chutes_h100x8_nonce_mismatch", true);
    opts o = {AT_CAPTURE, TEEATTEST_GPU_MODE_AUTO, 0, 0, 0, 0};
    /* The GPUs signed the derived nonce: local checks pass with it; NRAS
     * was sent the client nonce and answered overall false, 4010. */
    teeattest_result *r = run(pl, len, NONCE_CHUTES_GPU, in, &o);
    CHECK_EQ_INT(verdict(r), TEEATTEST_VERDICT_FAILED);
    for (size_t i = 0; i < 8; i++) {
        char name[64];
        snprintf(name, sizeof name, "gpu[%zu].nonce", i);
        /* Signed nonce as expected; a warning because the payload's own
         * "nonce" claim (the client nonce teep put there) differs. */
        CHECK_STR(outcome(r, name), "warn");
    }
    CHECK_STR(outcome(r, "gpu.nras.jwt.signature"), "pass");
    CHECK_STR(outcome(r, "gpu.nras.result"), "fail");
    CHECK(strstr(detail_of(r, "gpu.nras.result"), "4010") != NULL);
    teeattest_result_free(r);
    /* With the client nonce the GPUs' own signatures disagree. */
    r = run(pl, len, NONCE_CHUTES_CLIENT, in, &o);
    CHECK_STR(outcome(r, "gpu[0].nonce"), "fail");
    CHECK_EQ_INT(verdict(r), TEEATTEST_VERDICT_FAILED);
    teeattest_result_free(r);
    teeattest_gpu_inputs_free(in);
    free(pl);
}

/* ---- inputs object -------------------------------------------------------- */

static void inputs_api(void)
{
    printf("# inputs object\n");
    teeattest_gpu_inputs *in = inputs();
    if (!CHECK(in))
        return;
    /* The RIM service's JSON form: id from the answer. */
    size_t xl = 0;
    uint8_t *xml = fixture("nvidia/h100_550.90.07_full/vbios_rim.xml", &xl);
    if (xml) {
        size_t bl = (xl + 2) / 3 * 4;
        char *js = malloc(bl + 200);
        size_t o = (size_t)sprintf(js, "{\"id\":\"%s\",\"rim\":\"", VBIOS_550);
        o += b64(js + o, xml, xl);
        o += (size_t)sprintf(js + o, "\",\"rim_format\":\"SWIDTAG\"}");
        CHECK_EQ_INT(teeattest_gpu_inputs_add(in, TEEATTEST_GPU_ITEM_RIM, NULL,
                                              (uint8_t *)js, o, NULL), 0);
        /* ... and it must agree with an id given. */
        CHECK_EQ_INT(teeattest_gpu_inputs_add(in, TEEATTEST_GPU_ITEM_RIM,
                                              DRIVER_550, (uint8_t *)js, o,
                                              NULL), TEEATTEST_E_PARSE);
        const char *id = NULL;
        const uint8_t *d = NULL;
        size_t l = 0;
        CHECK_EQ_INT(teeattest_gpu_inputs_get(in, TEEATTEST_GPU_ITEM_RIM, 0,
                                              &id, &d, &l, NULL), 0);
        CHECK_STR(id, VBIOS_550);
        CHECK(l == xl && d && memcmp(d, xml, xl) == 0);
        CHECK_EQ_INT(teeattest_gpu_inputs_get(in, TEEATTEST_GPU_ITEM_RIM, 1,
                                              &id, &d, &l, NULL), TEEATTEST_E_NOT_FOUND);
        free(js);
        free(xml);
    }
    /* Bad material. */
    const uint8_t junk[] = "not a rim";
    CHECK_EQ_INT(teeattest_gpu_inputs_add(in, TEEATTEST_GPU_ITEM_RIM, NULL,
                                          junk, sizeof junk - 1, NULL),
                 TEEATTEST_E_PARSE);
    CHECK_EQ_INT(teeattest_gpu_inputs_add(in, TEEATTEST_GPU_ITEM_RIM,
                                          "../etc/passwd", junk, 3, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_gpu_inputs_add(in, TEEATTEST_GPU_ITEM_OCSP, NULL,
                                          junk, 3, NULL), TEEATTEST_E_PARSE);
    CHECK(teeattest_gpu_inputs_add(in, TEEATTEST_GPU_ITEM_JWKS, NULL,
                                   (const uint8_t *)"{\"keys\":5}", 10,
                                   NULL) < 0);
    CHECK_EQ_INT(teeattest_gpu_inputs_add(in, 99, NULL, junk, 3, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_gpu_inputs_count(in, TEEATTEST_GPU_ITEM_JWKS), 0);
    /* URLs and switches. */
    CHECK_EQ_INT(teeattest_gpu_inputs_set_url(in, TEEATTEST_GPU_ONLINE_NRAS,
                                              "http://example.com", NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_gpu_inputs_set_url(in, TEEATTEST_GPU_ONLINE_NRAS,
                                              "http://127.0.0.1:9/", NULL), 0);
    CHECK_EQ_INT(teeattest_gpu_inputs_set_url(in, 3, "https://x", NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_gpu_inputs_set_online(in, 16, NULL), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_gpu_inputs_set_nras_version(in, 5, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_gpu_inputs_set_service_key(in, "a b", NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_gpu_inputs_set_service_key(in, "nvapi-secret", NULL), 0);
    CHECK_EQ_INT(teeattest_gpu_inputs_set_service_key(in, NULL, NULL), 0);
    CHECK(teeattest_gpu_inputs_ref(in) == in);
    teeattest_gpu_inputs_free(in);
    teeattest_gpu_inputs_free(in);

    /* A directory of saved OCSP responses. */
    in = inputs();
    CHECK_EQ_INT(teeattest_gpu_inputs_add_dir(
                     in, TEEATTEST_GPU_ITEM_OCSP,
                     ta_test_fixture("nvidia/h100_550.90.07_full/ocsp"), NULL),
                 0);
    CHECK_EQ_INT(teeattest_gpu_inputs_count(in, TEEATTEST_GPU_ITEM_OCSP), 7);
    CHECK_EQ_INT(teeattest_gpu_inputs_add_dir(in, TEEATTEST_GPU_ITEM_OCSP,
                                              "/nonexistent/dir", NULL),
                 TEEATTEST_E_IO);
    /* A RIM directory: <id>.xml names. */
    char tmpl[] = "/tmp/ta-rims-XXXXXX";
    if (CHECK(mkdtemp(tmpl))) {
        char a[512], b[512];
        snprintf(a, sizeof a, "%s/%s.xml", tmpl, DRIVER_550);
        snprintf(b, sizeof b, "%s",
                 ta_test_fixture("nvidia/h100_550.90.07_full/driver_rim.xml"));
        CHECK_EQ_INT(symlink(b, a), 0);
        snprintf(a, sizeof a, "%s/%s.xml", tmpl, VBIOS_550);
        snprintf(b, sizeof b, "%s",
                 ta_test_fixture("nvidia/h100_550.90.07_full/vbios_rim.xml"));
        CHECK_EQ_INT(symlink(b, a), 0);
        snprintf(a, sizeof a, "%s/README.txt", tmpl);
        FILE *f = fopen(a, "w");
        if (f)
            fclose(f);
        CHECK_EQ_INT(teeattest_gpu_inputs_add_dir(in, TEEATTEST_GPU_ITEM_RIM,
                                                  tmpl, NULL), 0);
        CHECK_EQ_INT(teeattest_gpu_inputs_count(in, TEEATTEST_GPU_ITEM_RIM), 2);
        size_t len = 0;
        uint8_t *pl = fixture("nvidia/h100_550.90.07_full/nvidia_payload.json",
                              &len);
        opts o = {AT_550, TEEATTEST_GPU_MODE_LOCAL, 0, TEEATTEST_GPU_SKIP, 0, 0};
        teeattest_result *r = pl ? run(pl, len, NONCE_550, in, &o) : NULL;
        CHECK_EQ_INT(verdict(r), TEEATTEST_VERDICT_VERIFIED);
        teeattest_result_free(r);
        free(pl);
        unlink(a);
        snprintf(a, sizeof a, "%s/%s.xml", tmpl, DRIVER_550);
        unlink(a);
        snprintf(a, sizeof a, "%s/%s.xml", tmpl, VBIOS_550);
        unlink(a);
        rmdir(tmpl);
    }
    teeattest_gpu_inputs_free(in);
}

static void misuse(void)
{
    printf("# misuse\n");
    uint8_t nonce[32] = {0};
    teeattest_result *r = (teeattest_result *)1;
    const uint8_t pl[] = "{}";
    CHECK_EQ_INT(teeattest_gpu_verify(ctx, &r, pl, 2, nonce, 31, NULL, NULL,
                                      NULL), TEEATTEST_E_INVALID_ARG);
    CHECK(r == NULL);
    CHECK_EQ_INT(teeattest_gpu_verify(NULL, &r, pl, 2, nonce, 32, NULL, NULL,
                                      NULL), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_gpu_verify(ctx, &r, NULL, 0, nonce, 32, NULL, NULL,
                                      NULL), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_gpu_verify(ctx, &r, pl, TEEATTEST_GPU_PAYLOAD_MAX + 1,
                                      nonce, 32, NULL, NULL, NULL),
                 TEEATTEST_E_TOO_LARGE);
    /* Not a GPU payload: runs, fails. */
    CHECK_EQ_INT(teeattest_gpu_verify(ctx, &r, pl, 2, nonce, 32, NULL, NULL,
                                      NULL), 0);
    CHECK_EQ_INT(verdict(r), TEEATTEST_VERDICT_FAILED);
    CHECK_STR(outcome(r, "gpu.payload"), "fail");
    teeattest_result_free(r);
    /* Inputs of another context. */
    teeattest_ctx *other = NULL;
    teeattest_gpu_inputs *in = NULL;
    if (CHECK_EQ_INT(teeattest_ctx_new(&other, NULL, NULL), 0)) {
        teeattest_gpu_inputs_new(other, &in, NULL);
        CHECK_EQ_INT(teeattest_gpu_verify(ctx, &r, pl, 2, nonce, 32, in, NULL,
                                          NULL), TEEATTEST_E_INVALID_ARG);
        teeattest_gpu_inputs_free(in);
        teeattest_ctx_free(other);
    }
    teeattest_policy *p = NULL;
    teeattest_policy_new(ctx, &p, NULL);
    CHECK_EQ_INT(teeattest_policy_set_gpu_mode(p, 4, NULL), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_policy_set_gpu_rim(p, -1, NULL), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_policy_set_gpu_ocsp(p, 3, NULL), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_policy_set_gpu_ocsp_nonce(p, 3, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_policy_set_gpu_min_count(p, 65, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_policy_set_gpu_allow_cert_hold(NULL, 1, NULL),
                 TEEATTEST_E_INVALID_ARG);
    teeattest_policy_free(p);
}

int main(void)
{
    teeattest_ctx_options memo_opts = conf_memo_options();
    if (teeattest_ctx_new(&ctx, &memo_opts, NULL) != TEEATTEST_OK)
        return 1;
    case_550();
    case_545();
    case_535();
    case_580();
    case_bad_signature();
    case_blackwell();
    case_ppcie();
    case_near();
    case_near_binding();
    case_tinfoil();
    case_chutes();
    inputs_api();
    misuse();
    teeattest_ctx_free(ctx);
    return ta_test_done();
}
