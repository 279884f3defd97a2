/*
 * TDX internals: quote parser (v4 / v5 TD 1.5 layouts, trailing bytes,
 * every truncation length, corrupted sizes and header fields), the
 * compiled-in Intel root CA (SHA-256 as printed in specs/tdx.md section 2),
 * the raw signed-span scanner, dates, and the TCB rules (Intel's status
 * convergence, TD relaunch, byte-1 level selection).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "unit.h"

#include "crypto/crypto.h"
#include "tdx/tdx.h"

static teeattest_ctx *ctx;

static uint8_t *load(const char *rel, size_t *len)
{
    uint8_t *p = ta_test_read_file(ta_test_fixture(rel), len);
    if (!p)
        printf("# cannot read %s\n", rel);
    return p;
}

static void test_root_ca(void)
{
    uint8_t h[32];
    char hex[65];
    CHECK_EQ_INT(ta_sha256(ctx, h, ta_tdx_intel_root_ca_der,
                           ta_tdx_intel_root_ca_der_len), TEEATTEST_OK);
    unit_tohex(hex, h, 32);
    CHECK_STR(hex, "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3");
    ta_x509 *c = NULL;
    CHECK_EQ_INT(ta_x509_parse_der(ctx, &c, ta_tdx_intel_root_ca_der,
                                   ta_tdx_intel_root_ca_der_len, NULL),
                 TEEATTEST_OK);
    uint8_t pub[65] = {0};
    char phex[131];
    if (c)
        CHECK_EQ_INT(ta_x509_ec_point(c, TEEATTEST_CURVE_P256, pub, 65),
                     TEEATTEST_OK);
    unit_tohex(phex, pub, 65);
    CHECK_STR(phex, "040ba9c4c0c0c86193a3fe23d6b02cda10a8bbd4e88e48b4458561a36e705525f567918e2edc88e40d860bd0cc4ee26aacc988e505a953558c453f6b0904ae7394");
    ta_x509_free(c);
}

static void test_parse_v4(void)
{
    size_t len;
    uint8_t *q = load("tdx/gcp_cos_v4_uptodate/quote.bin", &len);
    if (!q)
        return;
    ta_tdx_quote p;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    CHECK_EQ_INT(ta_tdx_quote_parse(&p, q, len, &err), TEEATTEST_OK);
    CHECK_EQ_INT(ta_tdx_quote_check_header(&p, &err), TEEATTEST_OK);
    CHECK_EQ_INT(p.version, 4);
    CHECK_EQ_INT(p.body_type, TA_TDX_BODY_TD10);
    CHECK_EQ_INT(p.signed_len, 632);
    CHECK_EQ_INT(p.sig_data_len, 4299);
    CHECK_EQ_INT(len - p.quote_end, 3065);
    CHECK_EQ_INT(p.qe_auth_len, 32);
    CHECK_EQ_INT(p.pck_cert_type, 5);
    CHECK(p.pck_pem_len > 0 && p.pck_pem[p.pck_pem_len - 1] != 0);
    CHECK(ta_tdx_tee_tcb_svn2(&p) == NULL && ta_tdx_mrservicetd(&p) == NULL);
    char hex[129];
    unit_tohex(hex, ta_tdx_tee_tcb_svn(&p), 16);
    CHECK_STR(hex, "04010700000000000000000000000000");
    unit_tohex(hex, ta_tdx_mrtd(&p), 48);
    CHECK_STR(hex, "dae67181d3d65e073ad8f95b7907d5e927bfe9761c9ff3e9b89734a45d8954dba41394c7717cb2735396c1d04231f94a");
    unit_tohex(hex, ta_tdx_rtmr(&p, 2), 48);
    CHECK_STR(hex, "4969684dc87381fc3b3134176c8d8806eaf0a901859f5f70cfae8d17714b46c10a8de219048c9fc09f11f381a6fbe7c1");
    unit_tohex(hex, ta_tdx_xfam(&p), 8);
    CHECK_STR(hex, "e700060000000000");
    CHECK_EQ_INT(ta_tdx_xfam_u64(&p), 0x600e7);
    CHECK_EQ_INT(ta_tdx_tdattributes_u64(&p), 0x10000000);
    CHECK_EQ_INT(ta_tdx_qe_isvprodid(&p), 2);
    CHECK_EQ_INT(ta_tdx_qe_isvsvn(&p), 6);
    unit_tohex(hex, ta_tdx_qe_mrsigner(&p), 32);
    CHECK_STR(hex, "dc9e2a7c6f948f17474e34a7fc43ed030f7c1563f1babddf6340c82e0e54a8c5");

    /* every truncation fails cleanly; exactly the declared length parses */
    int bad = 0;
    for (size_t n = 0; n < p.quote_end; n++) {
        uint8_t *c = malloc(n ? n : 1); /* exact size: ASan sees over-reads */
        memcpy(c, q, n);
        ta_tdx_quote t;
        if (ta_tdx_quote_parse(&t, c, n, NULL) == TEEATTEST_OK)
            bad++;
        free(c);
    }
    CHECK_EQ_INT(bad, 0);
    uint8_t *c = malloc(p.quote_end);
    memcpy(c, q, p.quote_end);
    ta_tdx_quote t;
    CHECK_EQ_INT(ta_tdx_quote_parse(&t, c, p.quote_end, NULL), TEEATTEST_OK);
    free(c);

    /* header fields */
    uint8_t *m = malloc(len);
    struct { size_t off; uint8_t val; int parse, header; } cases[] = {
        {0, 3, TEEATTEST_E_UNSUPPORTED, 0},           /* version 3 */
        {0, 6, TEEATTEST_E_UNSUPPORTED, 0},           /* version 6 */
        {2, 3, TEEATTEST_OK, TEEATTEST_E_UNSUPPORTED}, /* P-384 key type */
        {4, 0x00, TEEATTEST_E_UNSUPPORTED, 0},        /* TEE type SGX */
        {12, 0x00, TEEATTEST_OK, TEEATTEST_E_PARSE},  /* QE vendor ID */
    };
    for (size_t i = 0; i < TA_ARRAY_LEN(cases); i++) {
        memcpy(m, q, len);
        m[cases[i].off] = cases[i].val;
        int rc = ta_tdx_quote_parse(&t, m, len, &err);
        CHECK_EQ_INT(rc, cases[i].parse);
        if (rc == TEEATTEST_OK)
            CHECK_EQ_INT(ta_tdx_quote_check_header(&t, &err), cases[i].header);
    }
    /* sig_data_len too large, cert type, inner sizes */
    memcpy(m, q, len);
    m[632] = 0xFF; m[633] = 0xFF; m[634] = 0xFF; m[635] = 0x7F;
    CHECK_EQ_INT(ta_tdx_quote_parse(&t, m, len, &err), TEEATTEST_E_LENGTH);
    memcpy(m, q, len);
    m[764] = 5;
    CHECK_EQ_INT(ta_tdx_quote_parse(&t, m, len, &err), TEEATTEST_E_UNSUPPORTED);
    memcpy(m, q, len);
    m[766] ^= 1; /* certification data size off by one */
    CHECK(ta_tdx_quote_parse(&t, m, len, &err) != TEEATTEST_OK);
    memcpy(m, q, len);
    m[1252] = 3; /* inner type: encrypted PPID */
    CHECK_EQ_INT(ta_tdx_quote_parse(&t, m, len, &err), TEEATTEST_E_UNSUPPORTED);
    memcpy(m, q, len);
    m[1218] = 0xFF; m[1219] = 0xFF; /* QE auth size past the end */
    CHECK(ta_tdx_quote_parse(&t, m, len, &err) != TEEATTEST_OK);
    memcpy(m, q, len);
    m[1254] ^= 4; /* PCK chain size */
    CHECK(ta_tdx_quote_parse(&t, m, len, &err) != TEEATTEST_OK);
    CHECK_EQ_INT(ta_tdx_quote_parse(&t, NULL, 0, &err), TEEATTEST_E_INVALID_ARG);
    free(m);
    free(q);
}

static void test_parse_v5(void)
{
    size_t len;
    uint8_t *q = load("tdx/gotdxguest_v5_uptodate/quote.bin", &len);
    if (!q)
        return;
    ta_tdx_quote p;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    CHECK_EQ_INT(ta_tdx_quote_parse(&p, q, len, &err), TEEATTEST_OK);
    CHECK_EQ_INT(p.version, 5);
    CHECK_EQ_INT(p.body_type, TA_TDX_BODY_TD15);
    CHECK_EQ_INT(p.body_size, 648);
    CHECK_EQ_INT(p.signed_len, 702);
    CHECK_EQ_INT(p.sig_data_len, 4300);
    char hex[129];
    unit_tohex(hex, ta_tdx_tee_tcb_svn2(&p), 16);
    CHECK_STR(hex, "0d010400000000000000000000000000");
    unit_tohex(hex, ta_tdx_reportdata(&p), 64);
    CHECK_STR(hex, "945eaacf5abc1f719d8666a942fda03d1edcb4490277396093dc5a5289ab9f1e094aed63060cd4a4933a4dd537ed1255c9c79ecb3ed82cd1b486233e31c25c3a");
    CHECK(ta_tdx_mrservicetd(&p) != NULL);
    int bad = 0;
    for (size_t n = 0; n < p.quote_end; n++) {
        uint8_t *c = malloc(n ? n : 1);
        memcpy(c, q, n);
        ta_tdx_quote t;
        if (ta_tdx_quote_parse(&t, c, n, NULL) == TEEATTEST_OK)
            bad++;
        free(c);
    }
    CHECK_EQ_INT(bad, 0);
    uint8_t *m = malloc(len);
    ta_tdx_quote t;
    memcpy(m, q, len);
    m[48] = 1; /* SGX body in a TDX quote */
    CHECK_EQ_INT(ta_tdx_quote_parse(&t, m, len, &err), TEEATTEST_E_UNSUPPORTED);
    memcpy(m, q, len);
    m[48] = 4; /* TD report 1.5 "Ex": not supported yet */
    CHECK_EQ_INT(ta_tdx_quote_parse(&t, m, len, &err), TEEATTEST_E_UNSUPPORTED);
    memcpy(m, q, len);
    m[50] = 0x49; /* body size 585 */
    CHECK_EQ_INT(ta_tdx_quote_parse(&t, m, len, &err), TEEATTEST_E_PARSE);
    free(m);
    free(q);
}

static void test_span(void)
{
    size_t off = 0, n = 0;
    const char *d1 = " {\"signature\":\"ab\",\"tcbInfo\" : {\"a\":\"}\\\"{\",\"b\":[1,{}]} } ";
    CHECK(ta_tdx_json_member_span((const uint8_t *)d1, strlen(d1), "tcbInfo",
                                  &off, &n));
    CHECK(n == strlen("{\"a\":\"}\\\"{\",\"b\":[1,{}]}") &&
          memcmp(d1 + off, "{\"a\":\"}\\\"{\",\"b\":[1,{}]}", n) == 0);
    /* nested key of the same name is not the top-level member */
    const char *d2 = "{\"x\":{\"tcbInfo\":{}},\"signature\":\"00\"}";
    CHECK(!ta_tdx_json_member_span((const uint8_t *)d2, strlen(d2), "tcbInfo",
                                   &off, &n));
    const char *d3 = "{\"tcbInfo\":{},\"tcbInfo\":{}}";
    CHECK(!ta_tdx_json_member_span((const uint8_t *)d3, strlen(d3), "tcbInfo",
                                   &off, &n));
    const char *d4 = "{\"tcbInfo\":{\"a\":1}";
    CHECK(!ta_tdx_json_member_span((const uint8_t *)d4, strlen(d4), "tcbInfo",
                                   &off, &n));
    for (size_t l = 0; l < strlen(d1); l++) /* truncations never over-read */
        (void)ta_tdx_json_member_span((const uint8_t *)d1, l, "tcbInfo", &off, &n);
}

static void test_dates(void)
{
    int64_t t;
    CHECK(ta_utc_parse("2025-07-04T10:00:00Z", false, &t) && t == 1751623200);
    CHECK(!ta_utc_parse("2025-07-04T10:00:00", false, &t));
    CHECK(!ta_utc_parse("2025-07-04 10:00:00Z", false, &t));
    CHECK(!ta_utc_parse("2025-13-04T10:00:00Z", false, &t));
    CHECK(!ta_utc_parse("2025-07-04T10:00:00.5Z", false, &t));
    /* Sigstore's form: a fraction of 1-9 digits, dropped. */
    CHECK(ta_utc_parse("2025-07-04T10:00:00.5Z", true, &t) && t == 1751623200);
    CHECK(ta_utc_parse("2025-07-04T10:00:00.123456789Z", true, &t) &&
          t == 1751623200);
    CHECK(!ta_utc_parse("2025-07-04T10:00:00.1234567890Z", true, &t));
    CHECK(!ta_utc_parse("2025-07-04T10:00:00.Z", true, &t));
    CHECK(!ta_utc_parse("2025-07-04T10:00:00,5Z", true, &t));
    CHECK(!ta_utc_parse("2025-07-04T10:00:00.5xZ", true, &t));
    char d[21];
    ta_utc_format(d, 1688173200);
    CHECK_STR(d, "2023-07-01T01:00:00Z");
}

static void test_rules(void)
{
    /* Intel convergence (not max severity) */
    CHECK_EQ_INT(ta_tdx_converge(TA_TDX_CONFIGURATION_NEEDED, TA_TDX_OUT_OF_DATE,
                                 TA_TDX_UP_TO_DATE),
                 TA_TDX_OUT_OF_DATE_CONFIGURATION_NEEDED);
    CHECK_EQ_INT(ta_tdx_converge(TA_TDX_SW_HARDENING_NEEDED, TA_TDX_STATUS_NONE,
                                 TA_TDX_OUT_OF_DATE), TA_TDX_OUT_OF_DATE);
    CHECK_EQ_INT(ta_tdx_converge(TA_TDX_UP_TO_DATE, TA_TDX_REVOKED,
                                 TA_TDX_UP_TO_DATE), TA_TDX_REVOKED);
    CHECK_EQ_INT(ta_tdx_converge(TA_TDX_OUT_OF_DATE_CONFIGURATION_NEEDED,
                                 TA_TDX_OUT_OF_DATE, TA_TDX_UP_TO_DATE),
                 TA_TDX_OUT_OF_DATE_CONFIGURATION_NEEDED);
    CHECK_EQ_INT(ta_tdx_converge(TA_TDX_CONFIGURATION_AND_SW_HARDENING_NEEDED,
                                 TA_TDX_UP_TO_DATE, TA_TDX_UP_TO_DATE),
                 TA_TDX_CONFIGURATION_AND_SW_HARDENING_NEEDED);
    /* TD relaunch (QVL 2026) */
    CHECK_EQ_INT(ta_tdx_relaunch(TA_TDX_OUT_OF_DATE, TA_TDX_UP_TO_DATE),
                 TA_TDX_TD_RELAUNCH_ADVISED);
    CHECK_EQ_INT(ta_tdx_relaunch(TA_TDX_OUT_OF_DATE, TA_TDX_CONFIGURATION_NEEDED),
                 TA_TDX_TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED);
    CHECK_EQ_INT(ta_tdx_relaunch(TA_TDX_OUT_OF_DATE_CONFIGURATION_NEEDED,
                                 TA_TDX_UP_TO_DATE),
                 TA_TDX_TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED);
    CHECK_EQ_INT(ta_tdx_relaunch(TA_TDX_OUT_OF_DATE, TA_TDX_OUT_OF_DATE),
                 TA_TDX_OUT_OF_DATE);
    CHECK_EQ_INT(ta_tdx_relaunch(TA_TDX_UP_TO_DATE, TA_TDX_UP_TO_DATE),
                 TA_TDX_UP_TO_DATE);
    CHECK_EQ_INT(ta_tdx_status_parse("SWHardeningNeeded"), TA_TDX_SW_HARDENING_NEEDED);
    CHECK_EQ_INT(ta_tdx_status_parse("TDRelaunchAdvised"), TA_TDX_STATUS_NONE);
    CHECK_EQ_INT(ta_tdx_status_parse("uptodate"), TA_TDX_STATUS_NONE);

    /* byte-1 rule on the GCP TCB Info: TEE_TCB_SVN 04 01 07 matches the
     * first level (tdx 5,0,7) because [0],[1] are judged by TDX_01 */
    size_t len;
    uint8_t *doc = load("tdx/gcp_cos_v4_uptodate/tcb_info.json", &len);
    if (!doc)
        return;
    ta_tdx_tcb_info ti;
    CHECK_EQ_INT(ta_tdx_tcb_info_load(ctx, &ti, doc, len, NULL, 0), TEEATTEST_OK);
    CHECK(ti.doc.error == NULL);
    CHECK(ti.n_levels > 2);
    ta_tdx_pck_ext ext;
    memset(&ext, 0, sizeof ext);
    memset(ext.comp_svn, 0xFF, 16);
    ext.pcesvn = 0xFFFF;
    uint8_t svn[16] = {4, 1, 7};
    const ta_tdx_tcb_level *l = ta_tdx_tcb_level_select(&ti, &ext, svn);
    CHECK(l == &ti.levels[0]);
    /* byte 1 == 0: all 16 compared, 4 < 5 falls to a lower level */
    uint8_t svn0[16] = {4, 0, 7};
    l = ta_tdx_tcb_level_select(&ti, &ext, svn0);
    CHECK(l != NULL && l != &ti.levels[0]);
    CHECK(ta_tdx_module_identity_find(&ti, 1) != NULL);
    CHECK(ta_tdx_module_identity_find(&ti, 2) == NULL);
    /* levels are sorted descending regardless of JSON order */
    for (size_t i = 1; i < ti.n_levels; i++)
        CHECK(memcmp(ti.levels[i - 1].sgx, ti.levels[i].sgx, 16) >= 0);
    ta_tdx_tcb_info_free(ctx, &ti);

    /* a truncated component array is rejected (GHSA-6q6c-vvf9-fj3w) */
    char *t = strstr((char *)doc, "{\"svn\":0}]");
    if (CHECK(t != NULL)) {
        /* remove one ",{"svn":0}" before the first "]" closing an array */
        char *cut = t - 1; /* the ',' */
        if (*cut == ',') {
            memmove(cut, t + 9, strlen(t + 9) + 1);
            CHECK_EQ_INT(ta_tdx_tcb_info_load(ctx, &ti, doc, strlen((char *)doc),
                                              NULL, 0), TEEATTEST_OK);
            CHECK(ti.doc.error && strstr(ti.doc.error, "need 16"));
            ta_tdx_tcb_info_free(ctx, &ti);
        }
    }
    free(doc);
}

int main(void)
{
    teeattest_error err = TEEATTEST_ERROR_INIT;
    if (teeattest_ctx_new(&ctx, NULL, &err) != TEEATTEST_OK) {
        printf("Bail out! %s\n", err.message);
        return 1;
    }
    test_root_ca();
    test_parse_v4();
    test_parse_v5();
    test_span();
    test_dates();
    test_rules();
    teeattest_ctx_free(ctx);
    return ta_test_done();
}
