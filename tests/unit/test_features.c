/*
 * teeattest_has_feature() tells the truth: each flag is compared with an
 * attempt to use the feature in this build, never with a constant.
 *
 * - RIM_XML: a real NVIDIA RIM parses and its digest and XMLDSig signature
 *   verify (without the feature: TEEATTEST_E_UNSUPPORTED);
 * - ED25519 / SECP256K1: the synthetic vectors' Ed25519 signature verifies
 *   and their ECDSA signer is recovered;
 * - CURL_TRANSPORT: a request through the default transport to a closed
 *   loopback port fails with a transport error carrying curl's code
 *   (without the feature: TEEATTEST_E_UNSUPPORTED); retries are waited
 *   through the injected sleep, so no real time passes.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "unit.h"

#include <jansson.h>

#include "crypto/crypto.h"
#include "gpu/rim.h"

static teeattest_ctx *ctx;

static void flag_matches(int32_t feature, const char *name, bool works)
{
    int flag = teeattest_has_feature(feature);
    printf("# %s: %s in this build, flag %d\n", name,
           works ? "works" : "does not work", flag);
    CHECK_EQ_INT(flag, works ? 1 : 0);
}

static void test_rim_xml(void)
{
    size_t len;
    uint8_t *xml = unit_fixture(
        "nvidia/rim_standalone/driver_rim_550.144.03_valid.xml", &len);
    ta_rim *rim = NULL;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    int rc = ta_rim_parse(ctx, xml, len, &rim, &err);
    bool works = rc == TEEATTEST_OK && ta_rim_check_digest(rim) == TEEATTEST_OK &&
                 ta_rim_check_signature(rim, &err) == TEEATTEST_OK;
    if (!works) /* missing, not broken: the only other acceptable answer */
        CHECK_EQ_INT(rc, TEEATTEST_E_UNSUPPORTED);
    flag_matches(TEEATTEST_FEATURE_RIM_XML, "RIM_XML", works);
    ta_rim_free(rim);
    free(xml);
}

static void test_signatures(void)
{
    size_t len;
    uint8_t *raw = unit_fixture(
        "providers/synthetic_signature_vectors/vectors.json", &len);
    json_t *root = json_loadb((const char *)raw, len, 0, NULL);
    free(raw);
    json_t *v = json_array_get(json_object_get(root, "vectors"), 0);
    const char *text = json_string_value(json_object_get(v, "text"));
    json_t *ec = json_object_get(v, "ecdsa"), *ed = json_object_get(v, "ed25519");
    const char *ec_sig = json_string_value(json_object_get(ec, "signature"));
    const char *ec_addr = json_string_value(json_object_get(ec, "signing_address"));
    const char *ed_sig = json_string_value(json_object_get(ed, "signature"));
    const char *ed_pub = json_string_value(json_object_get(ed, "signing_address"));
    if (!CHECK(text && ec_sig && ec_addr && ed_sig && ed_pub)) {
        json_decref(root);
        return;
    }

    uint8_t sig[64], pub[32];
    bool ed_ok = unit_unhex(sig, 64, ed_sig) == 64 &&
                 unit_unhex(pub, 32, ed_pub) == 32 &&
                 ta_ed25519_verify(ctx, sig, (const uint8_t *)text,
                                   strlen(text), pub) == TEEATTEST_OK;
    flag_matches(TEEATTEST_FEATURE_ED25519, "ED25519", ed_ok);

    teeattest_signature *s = NULL;
    char signer[TEEATTEST_SIGNER_MAX];
    bool ec_ok = teeattest_signature_new(ctx, &s, text, ec_sig, NULL, "ecdsa",
                                         NULL) == TEEATTEST_OK &&
                 teeattest_signature_recover(s, signer, sizeof signer, NULL) ==
                     TEEATTEST_OK &&
                 strcmp(signer, ec_addr) == 0;
    flag_matches(TEEATTEST_FEATURE_SECP256K1, "SECP256K1", ec_ok);
    teeattest_signature_free(s);
    json_decref(root);
}

static int no_sleep(void *ud, uint32_t ms)
{
    (void)ms;
    ++*(int *)ud;
    return 0;
}

static void test_curl(void)
{
    size_t qlen;
    uint8_t *q = unit_fixture("tdx/dcapqvl_v4_uptodate/quote.bin", &qlen);
    int sleeps = 0;
    teeattest_ctx_options o = TEEATTEST_CTX_OPTIONS_INIT;
    o.sleep = no_sleep;
    o.sleep_user_data = &sleeps;
    teeattest_ctx *c = NULL;
    if (!CHECK_EQ_INT(teeattest_ctx_new(&c, &o, NULL), TEEATTEST_OK)) {
        free(q);
        return;
    }
    teeattest_collateral *col = NULL;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    /* Nothing listens on port 1 of the loopback interface. */
    int rc = teeattest_collateral_fetch(c, &col, "http://127.0.0.1:1", q, qlen,
                                        &err);
    printf("# fetch: %s (%s), backend code %lld\n", teeattest_status_name(rc),
           err.message, (long long)err.backend_code);
    CHECK(col == NULL);
    bool works = rc == TEEATTEST_E_TRANSPORT && err.backend_code != 0;
    if (!works)
        CHECK_EQ_INT(rc, TEEATTEST_E_UNSUPPORTED);
    flag_matches(TEEATTEST_FEATURE_CURL_TRANSPORT, "CURL_TRANSPORT", works);
    teeattest_ctx_free(c);
    free(q);
}

int main(void)
{
    ctx = unit_ctx();
    test_rim_xml();
    test_signatures();
    test_curl();
    /* values outside the enumeration are no feature */
    CHECK_EQ_INT(teeattest_has_feature(0), 0);
    CHECK_EQ_INT(teeattest_has_feature(-1), 0);
    CHECK_EQ_INT(teeattest_has_feature(TEEATTEST_FEATURE_SECP256K1 + 1), 0);
    teeattest_ctx_free(ctx);
    return ta_test_done();
}
