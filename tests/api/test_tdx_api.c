/*
 * Public TDX API (teeattest/tdx.h and the TDX policy setters), black box:
 * every real fixture case gives its expected status, advisories or failing
 * check at its recorded time from both collateral forms; the NEAR AI
 * capture's quote verifies with the collateral fetched from Intel PCS;
 * tampering with the quote or any collateral item fails the right check;
 * times outside the collateral window fail; a wrong trust anchor fails and
 * an override is always reported; truncated quotes fail cleanly; policy
 * setter misuse; measurement sets.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"

static const char *const cases[] = {
    "dcapqvl_v4_uptodate",   "dcapqvl_near_v4_uptodate",
    "gcp_cos_v4_uptodate",   "automata_gcp_v4_outofdate",
    "gotdxguest_v5_uptodate", "gotdxguest_v4_no_tcb_level",
    "dcapqvl_v5_no_tcb_level",
};

/* The checks before TCB level selection: all pass for every real case. */
static const char *const crypto_checks[] = {
    "tdx.quote.parse", "tdx.quote.header", "tdx.pck_chain", "tdx.crl.root",
    "tdx.crl.pck", "tdx.pck_extension", "tdx.tcb_info.chain",
    "tdx.tcb_info.signature", "tdx.tcb_info.freshness",
    "tdx.qe_identity.chain", "tdx.qe_identity.signature",
    "tdx.qe_identity.freshness", "tdx.qe_report.signature",
    "tdx.qe_report.binding", "tdx.qe_identity.policy", "tdx.quote.signature",
    "tdx.module_identity",
};

static teeattest_ctx *ctx;

/* ---- small helpers ---------------------------------------------------- */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* "YYYY-MM-DDThh:mm:ssZ" -> Unix seconds (fixture values only). */
static int64_t iso_time(const char *s)
{
    int y, mo, d, h, mi, se;
    if (sscanf(s, "%d-%d-%dT%d:%d:%dZ", &y, &mo, &d, &h, &mi, &se) != 6)
        return 0;
    return days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 +
           mi * 60 + se;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static size_t hex_decode(uint8_t *out, const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i + 1 < n; i += 2) {
        int a = hexval(s[i]), b = hexval(s[i + 1]);
        if (a < 0 || b < 0)
            break;
        out[k++] = (uint8_t)(a << 4 | b);
    }
    return k;
}

static void hex_encode(char *out, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", p[i]);
}

/* DER of the first certificate of a PEM text. */
static size_t pem_first_der(const char *pem, uint8_t *out, size_t cap)
{
    const char *b = strstr(pem, "-----BEGIN CERTIFICATE-----");
    const char *e = b ? strstr(b, "-----END CERTIFICATE-----") : NULL;
    if (!b || !e)
        return 0;
    b += strlen("-----BEGIN CERTIFICATE-----");
    static const char tbl[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint32_t acc = 0;
    int bits = 0;
    size_t n = 0;
    for (const char *p = b; p < e; p++) {
        const char *f = *p ? strchr(tbl, *p) : NULL;
        if (!f)
            continue; /* line breaks and padding */
        acc = acc << 6 | (uint32_t)(f - tbl);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n < cap)
                out[n++] = (uint8_t)(acc >> bits);
        }
    }
    return n;
}

static int64_t json_int(const char *json, const char *key)
{
    char k[96];
    api_fmt(k, sizeof k, "\"%s\":", key);
    const char *p = strstr(json, k);
    return p ? strtoll(p + strlen(k), NULL, 10) : 0;
}

/* The "advisory_ids" array of "expected" as "A,B,C". */
static void json_advisories(const char *json, char *out, size_t cap)
{
    out[0] = '\0';
    const char *p = strstr(json, "\"advisory_ids\"");
    const char *e = p ? strchr(p, ']') : NULL;
    if (!p || !e)
        return;
    p = strchr(p, '[');
    size_t o = 0;
    while (p && p < e) {
        const char *s = strchr(p, '"');
        if (!s || s > e)
            break;
        const char *t = strchr(s + 1, '"');
        if (!t || t > e)
            break;
        o += (size_t)api_fmt(out + o, cap - o, "%s%.*s", o ? "," : "",
                             (int)(t - s - 1), s + 1);
        p = t + 1;
    }
}

static const char *first_failure(const teeattest_result *r)
{
    size_t n = teeattest_result_check_count(r);
    for (size_t i = 0; i < n; i++) {
        const char *name;
        int32_t oc;
        if (teeattest_result_check(r, i, &name, &oc, NULL, NULL, NULL) == TEEATTEST_OK &&
            oc == TEEATTEST_OUTCOME_FAIL)
            return name;
    }
    return "";
}

static void dump(const teeattest_result *r)
{
    size_t n = teeattest_result_check_count(r);
    for (size_t i = 0; i < n; i++) {
        const char *name, *detail;
        int32_t oc;
        teeattest_result_check(r, i, &name, &oc, &detail, NULL, NULL);
        printf("#   %-28s %s %s\n", name, oc == TEEATTEST_OUTCOME_PASS ? "pass"
               : oc == TEEATTEST_OUTCOME_FAIL ? "FAIL"
               : oc == TEEATTEST_OUTCOME_WARN ? "warn" : "skip", detail);
    }
}

/* Verify at `at` (a fresh policy when pol is NULL). NULL on a call error. */
static teeattest_result *verify_at(const uint8_t *q, size_t n,
                                   const teeattest_collateral *col, int64_t at,
                                   teeattest_policy *pol)
{
    teeattest_policy *own = NULL;
    if (!pol) {
        teeattest_policy_new(ctx, &own, NULL);
        pol = own;
    }
    teeattest_policy_set_time(pol, at, NULL);
    teeattest_result *r = NULL;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    int rc = teeattest_tdx_verify(ctx, &r, q, n, col, pol, &err);
    if (rc != TEEATTEST_OK)
        printf("# teeattest_tdx_verify: %s: %s\n", teeattest_status_name(rc),
               err.message);
    teeattest_policy_free(own);
    return r;
}

/* Verdict and first failure in one call; frees the result. */
static bool verified_at(const uint8_t *q, size_t n,
                        const teeattest_collateral *col, int64_t at,
                        teeattest_policy *pol, char *first, size_t cap)
{
    teeattest_result *r = verify_at(q, n, col, at, pol);
    bool ok = r && teeattest_result_verdict(r) == TEEATTEST_VERDICT_VERIFIED;
    if (first)
        api_fmt(first, cap, "%s", r ? first_failure(r) : "(error)");
    teeattest_result_free(r);
    return ok;
}

typedef struct fixture {
    const char *name;
    uint8_t *quote;
    size_t quote_len;
    char *expected;
    char *collateral_json;
    size_t collateral_json_len;
    int64_t at, from, until;
    char status[64];      /* "" for a failure case */
    char advisories[256];
} fixture;

static void fixture_load(fixture *f, const char *name)
{
    char rel[256];
    memset(f, 0, sizeof *f);
    f->name = name;
    api_fmt(rel, sizeof rel, "tdx/%s/quote.bin", name);
    f->quote = api_fixture(rel, &f->quote_len);
    api_fmt(rel, sizeof rel, "tdx/%s/expected.json", name);
    f->expected = (char *)api_fixture(rel, NULL);
    api_fmt(rel, sizeof rel, "tdx/%s/collateral.json", name);
    f->collateral_json = (char *)api_fixture(rel, &f->collateral_json_len);
    f->at = json_int(f->expected, "verify_at_unix");
    char t[40];
    if (api_json_str(f->expected, NULL, 0, "collateral_valid_from", t, sizeof t))
        f->from = iso_time(t);
    if (api_json_str(f->expected, NULL, 0, "collateral_valid_until", t, sizeof t))
        f->until = iso_time(t);
    const char *path[] = {"\"expected\""};
    if (!api_json_str(f->expected, path, 1, "status", f->status,
                      sizeof f->status))
        f->status[0] = '\0';
    json_advisories(f->expected, f->advisories, sizeof f->advisories);
}

static void fixture_free(fixture *f)
{
    free(f->quote);
    free(f->expected);
    free(f->collateral_json);
}

static teeattest_collateral *load_dir(const char *name)
{
    char rel[256];
    api_fmt(rel, sizeof rel, "tdx/%s", name);
    teeattest_collateral *col = NULL;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    if (teeattest_collateral_load_dir(ctx, &col, ta_test_fixture(rel), &err) !=
        TEEATTEST_OK)
        printf("# load_dir %s: %s\n", name, err.message);
    return col;
}

static teeattest_collateral *parse_json(const char *doc, size_t len)
{
    teeattest_collateral *col = NULL;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    if (teeattest_collateral_parse_json(ctx, &col, (const uint8_t *)doc, len,
                                        &err) != TEEATTEST_OK)
        printf("# parse_json: %s\n", err.message);
    return col;
}

/* ---- every fixture case ------------------------------------------------ */

static void check_case(const fixture *f, const teeattest_collateral *col,
                       const char *form)
{
    teeattest_result *r = verify_at(f->quote, f->quote_len, col, f->at, NULL);
    if (!CHECK(r != NULL))
        return;
    const char *status = ta_test_fact(r, "tdx.status");
    printf("# %s (%s): %s, first failure '%s'\n", f->name, form,
           api_show(status), first_failure(r));
    for (size_t i = 0; i < API_ARRAY_LEN(crypto_checks); i++)
        CHECK_EQ_INT(api_outcome(r, crypto_checks[i]), TEEATTEST_OUTCOME_PASS);
    if (f->status[0]) {
        CHECK_STR(status, f->status);
        CHECK_STR(ta_test_fact(r, "tdx.advisories"), f->advisories);
        CHECK_EQ_INT(api_outcome(r, "tdx.tcb_level"), TEEATTEST_OUTCOME_PASS);
        bool accepted = strcmp(f->status, "UpToDate") == 0 ||
                        strcmp(f->status, "SWHardeningNeeded") == 0;
        CHECK_EQ_INT(teeattest_result_verdict(r),
                     accepted ? TEEATTEST_VERDICT_VERIFIED
                              : TEEATTEST_VERDICT_FAILED);
        if (!accepted)
            CHECK_STR(first_failure(r), "tdx.status");
    } else {
        CHECK_STR(status, "TCB level not supported");
        CHECK_STR(first_failure(r), "tdx.tcb_level");
        CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    }
    /* the parsed TD report */
    char want[200];
    const char *tdr[] = {"\"td_report\""};
    if (api_json_str(f->expected, tdr, 1, "mr_td", want, sizeof want))
        CHECK_STR(ta_test_fact(r, "tdx.mrtd"), want);
    if (api_json_str(f->expected, tdr, 1, "rtmr2", want, sizeof want))
        CHECK_STR(ta_test_fact(r, "tdx.rtmr2"), want);
    if (api_json_str(f->expected, tdr, 1, "report_data", want, sizeof want))
        CHECK_STR(ta_test_fact(r, "tdx.report_data"), want);
    const char *want_first = !f->status[0] ? "tdx.tcb_level"
                             : teeattest_result_verdict(r) ==
                                       TEEATTEST_VERDICT_VERIFIED
                                 ? "" : "tdx.status";
    if (strcmp(first_failure(r), want_first) != 0)
        dump(r);
    teeattest_result_free(r);
}

static void test_cases(void)
{
    for (size_t i = 0; i < API_ARRAY_LEN(cases); i++) {
        fixture f;
        fixture_load(&f, cases[i]);
        teeattest_collateral *dir = load_dir(f.name);
        teeattest_collateral *js = parse_json(f.collateral_json,
                                              f.collateral_json_len);
        if (CHECK(dir && js)) {
            check_case(&f, dir, "PCS directory");
            check_case(&f, js, "dcap-qvl JSON");
            CHECK(teeattest_collateral_expiry(dir) >= f.until);
            CHECK(teeattest_collateral_expiry(dir) > f.at);
            /* the collateral window: one second outside fails */
            char first[64];
            CHECK(!verified_at(f.quote, f.quote_len, dir, f.from - 1, NULL,
                               first, sizeof first));
            printf("#   1 s before the window: %s\n", first);
            CHECK(strcmp(first, "") != 0);
            CHECK(!verified_at(f.quote, f.quote_len, dir, f.until + 1, NULL,
                               first, sizeof first));
            printf("#   1 s after the window: %s\n", first);
            CHECK(strcmp(first, "") != 0);
            if (strcmp(f.status, "UpToDate") == 0) {
                CHECK(verified_at(f.quote, f.quote_len, dir, f.from, NULL,
                                  first, sizeof first));
                CHECK(verified_at(f.quote, f.quote_len, js, f.until, NULL,
                                  first, sizeof first));
            }
        }
        teeattest_collateral_free(dir);
        teeattest_collateral_free(js);
        fixture_free(&f);
    }
}

/* OutOfDate accepted once the policy says so; expired collateral allowed
 * becomes a warning. */
static void test_policy_statuses(void)
{
    fixture f;
    fixture_load(&f, "automata_gcp_v4_outofdate");
    teeattest_collateral *col = load_dir(f.name);
    teeattest_policy *pol = NULL;
    teeattest_policy_new(ctx, &pol, NULL);
    CHECK(!verified_at(f.quote, f.quote_len, col, f.at, pol, NULL, 0));
    CHECK_EQ_INT(teeattest_policy_set_tdx_statuses(
                     pol, TEEATTEST_TDX_STATUSES_DEFAULT |
                              TEEATTEST_TDX_STATUS_BIT(TEEATTEST_TDX_OUT_OF_DATE), NULL),
                 TEEATTEST_OK);
    CHECK(verified_at(f.quote, f.quote_len, col, f.at, pol, NULL, 0));
    /* only UpToDate: OutOfDate fails at tdx.status */
    char first[64];
    teeattest_policy_set_tdx_statuses(
        pol, TEEATTEST_TDX_STATUS_BIT(TEEATTEST_TDX_UP_TO_DATE), NULL);
    CHECK(!verified_at(f.quote, f.quote_len, col, f.at, pol, first, sizeof first));
    CHECK_STR(first, "tdx.status");
    /* 0 restores the default */
    teeattest_policy_set_tdx_statuses(pol, 0, NULL);
    CHECK(!verified_at(f.quote, f.quote_len, col, f.at, pol, first, sizeof first));
    CHECK_STR(first, "tdx.status");
    teeattest_policy_free(pol);
    teeattest_collateral_free(col);
    fixture_free(&f);

    fixture_load(&f, "dcapqvl_v4_uptodate");
    col = load_dir(f.name);
    teeattest_policy_new(ctx, &pol, NULL);
    CHECK_EQ_INT(teeattest_policy_set_allow_expired_collateral(pol, 1, NULL),
                 TEEATTEST_OK);
    teeattest_result *r = verify_at(f.quote, f.quote_len, col, f.until + 1, pol);
    CHECK(r && teeattest_result_verdict(r) == TEEATTEST_VERDICT_VERIFIED);
    CHECK_STR(teeattest_result_fact(r, "tdx.collateral.expired"), "true");
    teeattest_result_free(r);
    /* never for not-yet-valid collateral */
    CHECK(!verified_at(f.quote, f.quote_len, col, f.from - 1, pol, NULL, 0));
    teeattest_policy_set_allow_expired_collateral(pol, 0, NULL);
    CHECK(!verified_at(f.quote, f.quote_len, col, f.until + 1, pol, NULL, 0));
    /* far outside */
    CHECK(!verified_at(f.quote, f.quote_len, col, 0, pol, NULL, 0));
    CHECK(!verified_at(f.quote, f.quote_len, col, INT64_MAX / 2, pol, NULL, 0));
    teeattest_policy_free(pol);
    teeattest_collateral_free(col);
    fixture_free(&f);
}

/* ---- NEAR AI capture ------------------------------------------------------ */

static void test_near(void)
{
    size_t jl;
    char *doc = (char *)api_fixture(
        "providers/nearai_direct_ed25519_tls/attestation_report.json", &jl);
    static char hex[64 * 1024];
    bool ok = api_json_str(doc, NULL, 0, "intel_quote", hex, sizeof hex);
    free(doc);
    if (!CHECK(ok))
        return;
    size_t hl = strlen(hex);
    uint8_t *q = malloc(hl / 2 + 1);
    size_t qlen = hex_decode(q, hex, hl);
    CHECK_EQ_INT(qlen, hl / 2);
    teeattest_collateral *col = NULL;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    CHECK_EQ_INT(teeattest_collateral_load_dir(
                     ctx, &col,
                     ta_test_fixture("providers/nearai_direct_ed25519_tls/intel_pcs"),
                     &err),
                 TEEATTEST_OK);
    /* captured 2026-06-29T02:06:37Z */
    teeattest_result *r = col ? verify_at(q, qlen, col, 1782698797, NULL) : NULL;
    if (CHECK(r != NULL)) {
        printf("# NEAR capture: %s, advisories '%s', verdict %d\n",
               api_show(teeattest_result_fact(r, "tdx.status")),
               api_show(teeattest_result_fact(r, "tdx.advisories")),
               (int)teeattest_result_verdict(r));
        for (size_t i = 0; i < API_ARRAY_LEN(crypto_checks); i++)
            CHECK_EQ_INT(api_outcome(r, crypto_checks[i]), TEEATTEST_OUTCOME_PASS);
        CHECK_EQ_INT(api_outcome(r, "tdx.tcb_level"), TEEATTEST_OUTCOME_PASS);
        CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_VERIFIED);
        CHECK_STR(teeattest_result_fact(r, "tdx.mrtd"),
                  "b24d3b24e9e3c16012376b52362ca09856c4adecb709d5fac33addf1c47e193da075b125b6c364115771390a5461e217");
        CHECK_STR(teeattest_result_fact(r, "tdx.report_data"),
                  "5b1ddd16927a106f1ea4a25909cc81ed1b277d699473c27e01b2db5e16f992ee541b6523f9446dcd170e67ac8171eb9226bee5e3f192de4900b74f0ef293500b");
        CHECK_STR(teeattest_result_fact(r, "tdx.fmspc"), "90c06f000000");
    }
    teeattest_result_free(r);
    teeattest_collateral_free(col);
    free(q);
}

/* ---- tampering ------------------------------------------------------------ */

static void test_quote_tamper(const fixture *f, const teeattest_collateral *col)
{
    uint8_t *m = malloc(f->quote_len);
    /* v4 layout: header 48, TD report 584, sig data length 4, signature 64
     * at 636, attestation key 64 at 700, cert type/size 6, QE report 384
     * at 770, its signature 64 at 1154, QE auth length 2 + data at 1220,
     * PCK cert type/size 6, PCK PEM at 1258. */
    struct { size_t off; const char *check; } t[] = {
        {30, "tdx.quote.signature"},            /* header user data */
        {48 + 5, "tdx.quote.signature"},        /* TEE_TCB_SVN */
        {48 + 136 + 5, "tdx.quote.signature"},  /* MRTD */
        {48 + 328 + 50, "tdx.quote.signature"}, /* RTMR1 */
        {48 + 520 + 63, "tdx.quote.signature"}, /* REPORTDATA */
        {636 + 5, "tdx.quote.signature"},       /* quote signature r */
        {636 + 40, "tdx.quote.signature"},      /* quote signature s */
        {700 + 3, "tdx.qe_report.binding"},     /* attestation key */
        {700 + 63, "tdx.qe_report.binding"},
        {770 + 20, "tdx.qe_report.signature"},  /* QE report MISCSELECT */
        {770 + 128, "tdx.qe_report.signature"}, /* QE report MRSIGNER */
        {770 + 320, "tdx.qe_report.signature"}, /* QE report REPORTDATA */
        {1154 + 10, "tdx.qe_report.signature"}, /* QE report signature */
        {1154 + 60, "tdx.qe_report.signature"},
        {1220 + 7, "tdx.qe_report.binding"},    /* QE auth data */
    };
    for (size_t i = 0; i < API_ARRAY_LEN(t); i++) {
        memcpy(m, f->quote, f->quote_len);
        m[t[i].off] ^= 0x01;
        char first[64];
        CHECK(!verified_at(m, f->quote_len, col, f->at, NULL, first, sizeof first));
        if (strcmp(first, t[i].check))
            printf("# byte %zu: first failure %s, want %s\n", t[i].off, first,
                   t[i].check);
        CHECK_STR(first, t[i].check);
    }
    /* the PCK PEM chain: every 101st byte */
    int wrong = 0, tried = 0;
    const char *pem = memmem(f->quote, f->quote_len, "-----BEGIN", 10);
    const char *end = pem ? memmem(pem, f->quote_len - (size_t)((const uint8_t *)pem - f->quote),
                                   "-----END CERTIFICATE-----\n\0", 27)
                          : NULL;
    if (CHECK(pem && end)) {
        size_t off = (size_t)((const uint8_t *)pem - f->quote);
        size_t pem_len = (size_t)(end - pem) + 25;
        for (size_t k = 0; k < pem_len; k += 101) {
            memcpy(m, f->quote, f->quote_len);
            uint8_t c = m[off + k];
            m[off + k] = (uint8_t)(c == 'A' ? 'B' : 'A');
            char first[64];
            tried++;
            if (verified_at(m, f->quote_len, col, f->at, NULL, first, sizeof first) ||
                strcmp(first, "tdx.pck_chain") != 0) {
                wrong++;
                printf("# PEM byte %zu: first failure '%s'\n", k, first);
            }
        }
    }
    printf("# %d PEM positions tampered\n", tried);
    CHECK(tried > 10);
    CHECK_EQ_INT(wrong, 0);
    free(m);
}

/* Change one character of member `key`'s string value in a copy of the
 * dcap-qvl collateral JSON, `at` characters after `after` (searched inside
 * the value; NULL = from the value's start; negative at counts from its
 * end), keeping it a hex digit / base64 letter / digit. */
static teeattest_collateral *tampered(const fixture *f, const char *key,
                                      const char *after, long at)
{
    char *doc = malloc(f->collateral_json_len + 1);
    memcpy(doc, f->collateral_json, f->collateral_json_len + 1);
    char k[64];
    api_fmt(k, sizeof k, "\"%s\"", key);
    char *v = strstr(doc, k);
    if (v)
        v = strchr(v + strlen(k), '"');
    char *ve = v ? v + 1 : NULL;
    while (ve && *ve && !(*ve == '"' && ve[-1] != '\\'))
        ve++;
    char *p = NULL;
    if (v && ve && *ve) {
        v++;
        if (after) {
            char save = *ve;
            *ve = '\0';
            char *a = strstr(v, after);
            *ve = save;
            p = a ? a + strlen(after) + at : NULL;
        } else {
            p = at >= 0 ? v + at : ve + at;
        }
    }
    if (!p || p < v || p >= ve) {
        printf("# cannot place the change in %s\n", key);
        free(doc);
        return NULL;
    }
    char c = *p;
    if (c >= '0' && c <= '9')
        *p = (char)(c ^ 1);
    else if (hexval(c) >= 0)
        *p = c == 'a' ? 'b' : c == 'A' ? 'B' : 'a';
    else
        *p = c == 'A' ? 'B' : 'A';
    teeattest_collateral *col = parse_json(doc, f->collateral_json_len);
    free(doc);
    return col;
}

static void expect_tamper(const fixture *f, const char *key, const char *after,
                          long at, const char *check)
{
    teeattest_collateral *col = tampered(f, key, after, at);
    if (!CHECK(col != NULL))
        return;
    char first[64];
    CHECK(!verified_at(f->quote, f->quote_len, col, f->at, NULL, first,
                       sizeof first));
    printf("# %s%s%s -> %s\n", key, after ? " after " : "", after ? after : "",
           first);
    CHECK_STR(first, check);
    teeattest_collateral_free(col);
}

static void test_collateral_tamper(const fixture *f)
{
    /* the untouched JSON verifies */
    teeattest_collateral *ok = parse_json(f->collateral_json,
                                          f->collateral_json_len);
    CHECK(ok && verified_at(f->quote, f->quote_len, ok, f->at, NULL, NULL, 0));
    teeattest_collateral_free(ok);

    /* TCB Info body and signature */
    expect_tamper(f, "tcb_info", "tcbEvaluationDataNumber\\\":", 0,
                  "tdx.tcb_info.signature");
    expect_tamper(f, "tcb_info", "fmspc\\\":\\\"", 3, "tdx.tcb_info.signature");
    expect_tamper(f, "tcb_info", "nextUpdate\\\":\\\"", 3,
                  "tdx.tcb_info.signature");
    expect_tamper(f, "tcb_info_signature", NULL, 10, "tdx.tcb_info.signature");
    expect_tamper(f, "tcb_info_signature", NULL, -3, "tdx.tcb_info.signature");
    /* QE Identity body and signature */
    expect_tamper(f, "qe_identity", "isvprodid\\\":", 0,
                  "tdx.qe_identity.signature");
    expect_tamper(f, "qe_identity", "mrsigner\\\":\\\"", 4,
                  "tdx.qe_identity.signature");
    expect_tamper(f, "qe_identity_signature", NULL, 20,
                  "tdx.qe_identity.signature");
    /* issuer chains: a character of the TCB Signing certificate */
    expect_tamper(f, "tcb_info_issuer_chain", "\\n", 300, "tdx.tcb_info.chain");
    expect_tamper(f, "qe_identity_issuer_chain", "\\n", 400,
                  "tdx.qe_identity.chain");
    /* CRLs (hex): signed body and signature */
    expect_tamper(f, "pck_crl", NULL, 2000, "tdx.crl.pck");
    expect_tamper(f, "pck_crl", NULL, -10, "tdx.crl.pck");
    expect_tamper(f, "root_ca_crl", NULL, 81, "tdx.crl.root");
    expect_tamper(f, "root_ca_crl", NULL, -10, "tdx.crl.root");
}

/* ---- truncation ----------------------------------------------------------- */

static void test_truncation(const fixture *f, const teeattest_collateral *col)
{
    /* every length up to the end of the signature data fails cleanly; a
     * few trailing bytes are ignored */
    size_t end = f->quote_len - (size_t)json_int(f->expected,
                                                 "trailing_bytes_after_quote");
    int bad = 0;
    for (size_t n = 0; n < end; n++) {
        uint8_t *copy = malloc(n ? n : 1);
        memcpy(copy, f->quote, n);
        teeattest_result *r = verify_at(copy, n, col, f->at, NULL);
        if (!r || teeattest_result_verdict(r) == TEEATTEST_VERDICT_VERIFIED ||
            strcmp(first_failure(r), "tdx.quote.parse") != 0) {
            if (bad++ < 5)
                printf("# length %zu: %s\n", n, r ? first_failure(r) : "error");
        }
        teeattest_result_free(r);
        free(copy);
    }
    printf("# %zu truncated lengths\n", end);
    CHECK_EQ_INT(bad, 0);
    CHECK(verified_at(f->quote, end, col, f->at, NULL, NULL, 0));
}

/* ---- trust anchor ---------------------------------------------------------- */

static void test_root(const fixture *f, const teeattest_collateral *col)
{
    size_t pl;
    char *pem = (char *)api_fixture("tdx/dcapqvl_v4_uptodate/pck_crl_issuer_chain.pem",
                                    &pl);
    uint8_t der[4096];
    size_t dl = pem_first_der(pem, der, sizeof der);
    free(pem);
    teeattest_policy *pol = NULL;
    teeattest_policy_new(ctx, &pol, NULL);
    CHECK_EQ_INT(teeattest_policy_set_tdx_root(pol, der, dl, NULL), TEEATTEST_OK);
    teeattest_result *r = verify_at(f->quote, f->quote_len, col, f->at, pol);
    if (CHECK(r != NULL)) {
        CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
        CHECK_STR(first_failure(r), "tdx.pck_chain");
        CHECK_EQ_INT(api_outcome(r, "tdx.root_override"), TEEATTEST_OUTCOME_WARN);
    }
    teeattest_result_free(r);
    /* Intel's own root given as an override verifies, still reported */
    size_t rl;
    uint8_t *root = api_fixture("tdx/intel_sgx_root_ca.der", &rl);
    CHECK_EQ_INT(teeattest_policy_set_tdx_root(pol, root, rl, NULL), TEEATTEST_OK);
    free(root); /* copied */
    r = verify_at(f->quote, f->quote_len, col, f->at, pol);
    if (CHECK(r != NULL)) {
        CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_VERIFIED);
        CHECK_EQ_INT(api_outcome(r, "tdx.root_override"), TEEATTEST_OUTCOME_WARN);
    }
    teeattest_result_free(r);
    /* NULL restores Intel's root: no override check */
    CHECK_EQ_INT(teeattest_policy_set_tdx_root(pol, NULL, 0, NULL), TEEATTEST_OK);
    r = verify_at(f->quote, f->quote_len, col, f->at, pol);
    if (CHECK(r != NULL)) {
        CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_VERIFIED);
        CHECK_EQ_INT(api_outcome(r, "tdx.root_override"), -1);
    }
    teeattest_result_free(r);
    teeattest_policy_free(pol);
}

/* ---- measurements ---------------------------------------------------------- */

static void fact_bytes(const teeattest_result *r, const char *key, uint8_t out[48])
{
    const char *h = teeattest_result_fact(r, key);
    memset(out, 0, 48);
    if (h)
        hex_decode(out, h, strlen(h));
}

static void test_measurements(const fixture *f, const teeattest_collateral *col)
{
    teeattest_result *r = verify_at(f->quote, f->quote_len, col, f->at, NULL);
    if (!CHECK(r != NULL))
        return;
    uint8_t mrtd[48], rtmr0[48], rtmr3[48], cfg[48];
    fact_bytes(r, "tdx.mrtd", mrtd);
    fact_bytes(r, "tdx.rtmr0", rtmr0);
    fact_bytes(r, "tdx.rtmr3", rtmr3);
    fact_bytes(r, "tdx.mrconfigid", cfg);
    /* without expectations the check is an optional skip */
    CHECK_EQ_INT(api_outcome(r, "tdx.td.measurements"), TEEATTEST_OUTCOME_SKIP);
    teeattest_result_free(r);

    teeattest_policy *pol = NULL;
    teeattest_policy_new(ctx, &pol, NULL);
    uint8_t other[48], other2[48];
    memset(other, 0xa5, sizeof other);
    memset(other2, 0x5a, sizeof other2);
    /* one of several accepted values */
    CHECK_EQ_INT(teeattest_policy_add_measurement(pol, TEEATTEST_REG_MRTD, other, 48, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_policy_add_measurement(pol, TEEATTEST_REG_MRTD, mrtd, 48, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_policy_add_measurement(pol, TEEATTEST_REG_MRTD, other2, 48, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_policy_add_measurement(pol, TEEATTEST_REG_RTMR0, rtmr0, 48, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_policy_add_measurement(pol, TEEATTEST_REG_MRCONFIGID, cfg, 48, NULL),
                 TEEATTEST_OK);
    r = verify_at(f->quote, f->quote_len, col, f->at, pol);
    CHECK(r && teeattest_result_verdict(r) == TEEATTEST_VERDICT_VERIFIED);
    CHECK_EQ_INT(api_outcome(r, "tdx.td.measurements"), TEEATTEST_OUTCOME_PASS);
    teeattest_result_free(r);

    /* RTMR3 pinned to other values: the mismatch names RTMR3 and its value */
    CHECK_EQ_INT(teeattest_policy_add_measurement(pol, TEEATTEST_REG_RTMR3, other, 48, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_policy_add_measurement(pol, TEEATTEST_REG_RTMR3, other2, 48, NULL),
                 TEEATTEST_OK);
    r = verify_at(f->quote, f->quote_len, col, f->at, pol);
    const char *detail = NULL;
    int32_t oc = 0;
    char rt3[97];
    hex_encode(rt3, rtmr3, 48);
    if (CHECK(r != NULL)) {
        CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
        CHECK_STR(first_failure(r), "tdx.td.measurements");
        teeattest_result_find_check(r, "tdx.td.measurements", &oc, &detail, NULL);
        printf("# %s\n", api_show(detail));
        CHECK(detail && strstr(detail, "RTMR3") && strstr(detail, rt3));
        CHECK(detail && !strstr(detail, "MRTD"));
    }
    teeattest_result_free(r);

    /* two mismatching registers are both named */
    CHECK_EQ_INT(teeattest_policy_clear_measurements(pol, TEEATTEST_REG_MRTD, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_policy_add_measurement(pol, TEEATTEST_REG_MRTD, other, 48, NULL),
                 TEEATTEST_OK);
    r = verify_at(f->quote, f->quote_len, col, f->at, pol);
    if (CHECK(r != NULL)) {
        teeattest_result_find_check(r, "tdx.td.measurements", &oc, &detail, NULL);
        CHECK_EQ_INT(oc, TEEATTEST_OUTCOME_FAIL);
        CHECK(detail && strstr(detail, "MRTD") && strstr(detail, "RTMR3"));
        CHECK(detail && !strstr(detail, "RTMR0"));
    }
    teeattest_result_free(r);

    /* clearing RTMR3 leaves MRTD failing; clearing all verifies */
    CHECK_EQ_INT(teeattest_policy_clear_measurements(pol, TEEATTEST_REG_RTMR3, NULL),
                 TEEATTEST_OK);
    char first[64];
    CHECK(!verified_at(f->quote, f->quote_len, col, f->at, pol, first, sizeof first));
    CHECK_STR(first, "tdx.td.measurements");
    CHECK_EQ_INT(teeattest_policy_clear_measurements(pol, 0, NULL), TEEATTEST_OK);
    CHECK(verified_at(f->quote, f->quote_len, col, f->at, pol, NULL, 0));

    /* the value is copied */
    uint8_t tmp[48];
    memcpy(tmp, mrtd, 48);
    teeattest_policy_add_measurement(pol, TEEATTEST_REG_MRTD, tmp, 48, NULL);
    memset(tmp, 0, 48);
    CHECK(verified_at(f->quote, f->quote_len, col, f->at, pol, NULL, 0));
    teeattest_policy_free(pol);
}

/* ---- misuse ---------------------------------------------------------------- */

static void test_setters(void)
{
    teeattest_policy *pol = NULL;
    CHECK_EQ_INT(teeattest_policy_new(ctx, &pol, NULL), TEEATTEST_OK);
    uint8_t v[49] = {0};

    CHECK_EQ_INT(teeattest_policy_set_tdx_statuses(NULL, 0, NULL), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_policy_set_tdx_statuses(pol, 1u, NULL), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_policy_set_tdx_statuses(
                     pol, TEEATTEST_TDX_STATUS_BIT(TEEATTEST_TDX_TCB_NOT_SUPPORTED), NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_policy_set_tdx_statuses(pol, 1u << 11, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_policy_set_tdx_statuses(pol, 1u << 31, NULL),
                 TEEATTEST_E_INVALID_ARG);
    uint32_t all = 0;
    for (int s = TEEATTEST_TDX_UP_TO_DATE; s <= TEEATTEST_TDX_REVOKED; s++)
        all |= TEEATTEST_TDX_STATUS_BIT(s);
    CHECK_EQ_INT(teeattest_policy_set_tdx_statuses(pol, all, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_policy_set_tdx_statuses(pol, 0, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_policy_set_tdx_statuses(pol, TEEATTEST_TDX_STATUSES_DEFAULT, NULL),
                 TEEATTEST_OK);

    CHECK_EQ_INT(teeattest_policy_set_allow_expired_collateral(NULL, 1, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_policy_set_allow_debug(NULL, 1, NULL), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_policy_set_allow_mrservicetd(NULL, 1, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_policy_set_allow_debug(pol, 7, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_policy_set_allow_mrservicetd(pol, 1, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_policy_set_allow_expired_collateral(pol, 0, NULL), TEEATTEST_OK);

    CHECK_EQ_INT(teeattest_policy_add_measurement(NULL, TEEATTEST_REG_MRTD, v, 48, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_policy_add_measurement(pol, 0, v, 48, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_policy_add_measurement(pol, 7, v, 48, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_policy_add_measurement(pol, -1, v, 48, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_policy_add_measurement(pol, TEEATTEST_REG_MRTD, NULL, 48, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_policy_add_measurement(pol, TEEATTEST_REG_MRTD, v, 47, NULL),
                 TEEATTEST_E_LENGTH);
    CHECK_EQ_INT(teeattest_policy_add_measurement(pol, TEEATTEST_REG_MRTD, v, 49, NULL),
                 TEEATTEST_E_LENGTH);
    CHECK_EQ_INT(teeattest_policy_add_measurement(pol, TEEATTEST_REG_MRTD, v, 0, NULL),
                 TEEATTEST_E_LENGTH);
    int rc = TEEATTEST_OK;
    for (int i = 0; i < 64 && rc == TEEATTEST_OK; i++) {
        v[0] = (uint8_t)i;
        rc = teeattest_policy_add_measurement(pol, TEEATTEST_REG_RTMR2, v, 48, NULL);
    }
    CHECK_EQ_INT(rc, TEEATTEST_OK);
    v[0] = 200;
    CHECK_EQ_INT(teeattest_policy_add_measurement(pol, TEEATTEST_REG_RTMR2, v, 48, NULL),
                 TEEATTEST_E_TOO_LARGE);
    /* other registers have their own budget */
    CHECK_EQ_INT(teeattest_policy_add_measurement(pol, TEEATTEST_REG_RTMR1, v, 48, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_policy_clear_measurements(NULL, 0, NULL), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_policy_clear_measurements(pol, 7, NULL), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_policy_clear_measurements(pol, -3, NULL), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_policy_clear_measurements(pol, TEEATTEST_REG_RTMR2, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_policy_add_measurement(pol, TEEATTEST_REG_RTMR2, v, 48, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_policy_clear_measurements(pol, 0, NULL), TEEATTEST_OK);

    static const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x00};
    CHECK_EQ_INT(teeattest_policy_set_tdx_root(NULL, junk, sizeof junk, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_policy_set_tdx_root(pol, NULL, 5, NULL), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_policy_set_tdx_root(pol, junk, sizeof junk, NULL),
                 TEEATTEST_E_PARSE);
    CHECK_EQ_INT(teeattest_policy_set_tdx_root(pol, junk, 0, NULL), TEEATTEST_E_PARSE);
    size_t rl;
    uint8_t *root = api_fixture("tdx/intel_sgx_root_ca.der", &rl);
    uint8_t *longer = malloc(rl + 1);
    memcpy(longer, root, rl);
    longer[rl] = 0;
    CHECK_EQ_INT(teeattest_policy_set_tdx_root(pol, longer, rl + 1, NULL), TEEATTEST_E_PARSE);
    CHECK_EQ_INT(teeattest_policy_set_tdx_root(pol, root, rl - 1, NULL), TEEATTEST_E_PARSE);
    CHECK_EQ_INT(teeattest_policy_set_tdx_root(pol, root, rl, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_policy_set_tdx_root(pol, root, rl, NULL), TEEATTEST_OK);
    free(longer);
    free(root);
    teeattest_policy_free(pol); /* frees the copies (ASan / leak check) */

    /* names */
    CHECK_STR(teeattest_tdx_status_name(TEEATTEST_TDX_UP_TO_DATE), "UpToDate");
    CHECK_STR(teeattest_tdx_status_name(TEEATTEST_TDX_SW_HARDENING_NEEDED),
              "SWHardeningNeeded");
    CHECK_STR(teeattest_tdx_status_name(TEEATTEST_TDX_OUT_OF_DATE), "OutOfDate");
    CHECK_STR(teeattest_tdx_status_name(TEEATTEST_TDX_REVOKED), "Revoked");
    CHECK_STR(teeattest_tdx_status_name(TEEATTEST_TDX_TD_RELAUNCH_ADVISED),
              "TDRelaunchAdvised");
    CHECK_STR(teeattest_tdx_status_name(TEEATTEST_TDX_TCB_NOT_SUPPORTED),
              "TCB level not supported");
    CHECK_STR(teeattest_tdx_status_name(TEEATTEST_TDX_STATUS_NONE), "None");
    CHECK_STR(teeattest_tdx_status_name(11), "None");
    CHECK_STR(teeattest_tdx_status_name(-1), "None");
    CHECK_STR(teeattest_tdx_status_name(INT32_MIN), "None");
}

static int64_t fixed_clock(void *ud)
{
    return *(const int64_t *)ud;
}

static void test_api_misuse(const fixture *f, const teeattest_collateral *col)
{
    teeattest_result *r = (teeattest_result *)1;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    CHECK_EQ_INT(teeattest_tdx_verify(NULL, &r, f->quote, f->quote_len, col,
                                      NULL, &err), TEEATTEST_E_INVALID_ARG);
    CHECK(r == NULL);
    CHECK_EQ_INT(teeattest_tdx_verify(ctx, NULL, f->quote, f->quote_len, col,
                                      NULL, &err), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_tdx_verify(ctx, &r, NULL, f->quote_len, col, NULL,
                                      &err), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_tdx_verify(ctx, &r, f->quote, f->quote_len, NULL,
                                      NULL, &err), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_tdx_verify(ctx, &r, f->quote,
                                      (size_t)TEEATTEST_TDX_QUOTE_MAX + 1, col,
                                      NULL, &err), TEEATTEST_E_TOO_LARGE);
    CHECK(r == NULL);
    /* collateral from another context */
    teeattest_ctx *other = api_ctx();
    teeattest_policy *pol = NULL;
    teeattest_policy_new(other, &pol, NULL);
    teeattest_policy_set_time(pol, f->at, NULL);
    CHECK_EQ_INT(teeattest_tdx_verify(other, &r, f->quote, f->quote_len, col,
                                      pol, &err), TEEATTEST_E_INVALID_ARG);
    printf("# %s\n", err.message);
    CHECK(r == NULL);
    teeattest_policy_free(pol);
    teeattest_ctx_free(other);
    /* an empty quote runs and fails at parse */
    r = verify_at(f->quote, 0, col, f->at, NULL);
    CHECK(r && teeattest_result_verdict(r) == TEEATTEST_VERDICT_FAILED);
    CHECK_STR(r ? first_failure(r) : "", "tdx.quote.parse");
    teeattest_result_free(r);

    /* collateral loaders */
    teeattest_collateral *c = (teeattest_collateral *)1;
    CHECK_EQ_INT(teeattest_collateral_load_dir(ctx, &c, "/nonexistent/tdx", &err),
                 TEEATTEST_E_IO);
    CHECK(c == NULL);
    printf("# %s\n", err.message);
    CHECK_EQ_INT(teeattest_collateral_load_dir(NULL, &c, "/tmp", &err),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_collateral_load_dir(ctx, NULL, "/tmp", &err),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_collateral_load_dir(ctx, &c, NULL, &err),
                 TEEATTEST_E_INVALID_ARG);
    static const uint8_t junk[] = "{\"tcb_info\": 5";
    CHECK_EQ_INT(teeattest_collateral_parse_json(ctx, &c, junk, sizeof junk - 1, &err),
                 TEEATTEST_E_JSON);
    static const uint8_t empty[] = "{}";
    CHECK_EQ_INT(teeattest_collateral_parse_json(ctx, &c, empty, 2, &err),
                 TEEATTEST_E_FIELD_MISSING);
    CHECK_EQ_INT(teeattest_collateral_parse_json(ctx, &c, empty, (4u << 20) + 1, &err),
                 TEEATTEST_E_TOO_LARGE);
    CHECK_EQ_INT(teeattest_collateral_parse_json(ctx, &c, NULL, 2, &err),
                 TEEATTEST_E_INVALID_ARG);
    CHECK(c == NULL);
    CHECK_EQ_INT(teeattest_collateral_expiry(NULL), 0);
    CHECK(teeattest_collateral_ref(NULL) == NULL);
    teeattest_collateral_free(NULL);

    /* time from the context's clock when the policy has none */
    int64_t now = f->at;
    teeattest_ctx_options o = TEEATTEST_CTX_OPTIONS_INIT;
    o.clock = fixed_clock;
    o.clock_user_data = &now;
    teeattest_ctx *cctx = NULL;
    CHECK_EQ_INT(teeattest_ctx_new(&cctx, &o, NULL), TEEATTEST_OK);
    char rel[128];
    api_fmt(rel, sizeof rel, "tdx/%s", f->name);
    teeattest_collateral *cc = NULL;
    CHECK_EQ_INT(teeattest_collateral_load_dir(cctx, &cc, ta_test_fixture(rel), NULL),
                 TEEATTEST_OK);
    r = NULL;
    CHECK_EQ_INT(teeattest_tdx_verify(cctx, &r, f->quote, f->quote_len, cc, NULL,
                                      NULL), TEEATTEST_OK);
    CHECK(r && teeattest_result_verdict(r) == TEEATTEST_VERDICT_VERIFIED);
    teeattest_result_free(r);
    now = f->until + 3600;
    CHECK_EQ_INT(teeattest_tdx_verify(cctx, &r, f->quote, f->quote_len, cc, NULL,
                                      NULL), TEEATTEST_OK);
    CHECK(r && teeattest_result_verdict(r) == TEEATTEST_VERDICT_FAILED);
    /* free order does not matter: result, collateral and a second
     * reference outlive the context handle */
    teeattest_collateral *cc2 = teeattest_collateral_ref(cc);
    CHECK(cc2 == cc);
    teeattest_ctx_free(cctx);
    teeattest_collateral_free(cc);
    CHECK(teeattest_collateral_expiry(cc2) > 0);
    teeattest_collateral_free(cc2);
    teeattest_result_free(r);
}

/* ---- teeattest_collateral_save_dir -------------------------------------- */

static char save_root[256];

static void write_bytes(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!CHECK(f != NULL))
        return;
    CHECK(fwrite(data, 1, len, f) == len);
    fclose(f);
}

static bool file_equal(const char *path, const uint8_t *want, size_t len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    uint8_t *buf = malloc(len + 1);
    size_t n = buf ? fread(buf, 1, len + 1, f) : 0;
    fclose(f);
    bool eq = buf && n == len && memcmp(buf, want, len) == 0;
    free(buf);
    return eq;
}

/* No temporary file is left behind after a save. */
static size_t hidden_files(const char *dir)
{
    size_t n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] == '.' && strcmp(e->d_name, ".") != 0 &&
            strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

/* The whole checklist (names, outcomes, details, required) and every fact
 * of two results are the same. */
static void check_same_result(const teeattest_result *a,
                              const teeattest_result *b, const char *what)
{
    if (!CHECK(a && b))
        return;
    CHECK_EQ_INT(teeattest_result_verdict(a), teeattest_result_verdict(b));
    size_t n = teeattest_result_check_count(a);
    CHECK_EQ_INT(teeattest_result_check_count(b), n);
    size_t diffs = 0;
    for (size_t i = 0; i < n && i < teeattest_result_check_count(b); i++) {
        const char *na, *nb, *da, *db;
        int32_t oa, ob, ra, rb;
        teeattest_result_check(a, i, &na, &oa, &da, &ra, NULL);
        teeattest_result_check(b, i, &nb, &ob, &db, &rb, NULL);
        if (strcmp(na, nb) || oa != ob || ra != rb ||
            strcmp(api_show(da), api_show(db))) {
            printf("#   %s: check %zu differs: %s/%d '%s' vs %s/%d '%s'\n",
                   what, i, na, oa, api_show(da), nb, ob, api_show(db));
            diffs++;
        }
    }
    n = teeattest_result_fact_count(a);
    CHECK_EQ_INT(teeattest_result_fact_count(b), n);
    for (size_t i = 0; i < n && i < teeattest_result_fact_count(b); i++) {
        const char *ka, *kb, *va, *vb;
        teeattest_result_fact_at(a, i, &ka, &va, NULL);
        teeattest_result_fact_at(b, i, &kb, &vb, NULL);
        if (strcmp(ka, kb) || strcmp(api_show(va), api_show(vb))) {
            printf("#   %s: fact %s='%s' vs %s='%s'\n", what, ka,
                   api_show(va), kb, api_show(vb));
            diffs++;
        }
    }
    CHECK_EQ_INT(diffs, 0);
}

/* load_dir(save_dir(col)) verifies like col: at the recorded time and
 * after the collateral window. */
static void roundtrip(const fixture *f, const teeattest_collateral *col,
                      const char *form)
{
    char dir[512];
    api_fmt(dir, sizeof dir, "%s/%s/%s", save_root, f->name, form);
    teeattest_error err = TEEATTEST_ERROR_INIT;
    int rc = teeattest_collateral_save_dir(col, dir, &err);
    if (!CHECK_EQ_INT(rc, TEEATTEST_OK)) {
        printf("# save_dir %s: %s\n", dir, err.message);
        return;
    }
    CHECK_EQ_INT(hidden_files(dir), 0);
    teeattest_collateral *back = NULL;
    rc = teeattest_collateral_load_dir(ctx, &back, dir, &err);
    if (!CHECK_EQ_INT(rc, TEEATTEST_OK)) {
        printf("# load_dir %s: %s\n", dir, err.message);
        return;
    }
    CHECK_EQ_INT(teeattest_collateral_expiry(back),
                 teeattest_collateral_expiry(col));
    int64_t times[] = {f->at, f->until + 1};
    for (size_t i = 0; i < API_ARRAY_LEN(times); i++) {
        teeattest_result *a = verify_at(f->quote, f->quote_len, col, times[i],
                                        NULL);
        teeattest_result *b = verify_at(f->quote, f->quote_len, back, times[i],
                                        NULL);
        char what[128];
        api_fmt(what, sizeof what, "%s %s at %lld", f->name, form,
                (long long)times[i]);
        check_same_result(a, b, what);
        teeattest_result_free(a);
        teeattest_result_free(b);
    }
    /* saving what was loaded from the saved files reproduces them */
    char again[600];
    api_fmt(again, sizeof again, "%s-again", dir);
    CHECK_EQ_INT(teeattest_collateral_save_dir(back, again, NULL), TEEATTEST_OK);
    static const char *const names[] = {
        "tcb_info.json", "qe_identity.json", "tcb_info_issuer_chain.pem",
        "qe_identity_issuer_chain.pem", "pck_crl.der", "root_ca_crl.der",
        "pck_crl_issuer_chain.pem",
    };
    for (size_t i = 0; i < API_ARRAY_LEN(names); i++) {
        char p1[700], p2[700];
        api_fmt(p1, sizeof p1, "%s/%s", dir, names[i]);
        api_fmt(p2, sizeof p2, "%s/%s", again, names[i]);
        FILE *fp = fopen(p1, "rb");
        if (!CHECK(fp != NULL))
            continue;
        static uint8_t buf[1 << 20];
        size_t n = fread(buf, 1, sizeof buf, fp);
        fclose(fp);
        CHECK(file_equal(p2, buf, n));
    }
    teeattest_collateral_free(back);
}

static void test_save_dir(void)
{
    const char *tmp = getenv("TMPDIR");
    api_fmt(save_root, sizeof save_root, "%s/test-tdx-save-XXXXXX",
            tmp && *tmp ? tmp : "/tmp");
    if (!CHECK(mkdtemp(save_root) != NULL))
        return;
    printf("# save_dir under %s\n", save_root);
    for (size_t i = 0; i < API_ARRAY_LEN(cases); i++) {
        fixture f;
        fixture_load(&f, cases[i]);
        teeattest_collateral *dir = load_dir(f.name);
        teeattest_collateral *js = parse_json(f.collateral_json,
                                              f.collateral_json_len);
        if (CHECK(dir && js)) {
            roundtrip(&f, dir, "dir");
            roundtrip(&f, js, "json");
            /* the signed documents are written exactly as loaded */
            static const char *const docs[] = {"tcb_info.json",
                                               "qe_identity.json"};
            for (size_t k = 0; k < API_ARRAY_LEN(docs); k++) {
                char rel[256], out[700];
                size_t len;
                api_fmt(rel, sizeof rel, "tdx/%s/%s", f.name, docs[k]);
                uint8_t *want = api_fixture(rel, &len);
                api_fmt(out, sizeof out, "%s/%s/dir/%s", save_root, f.name,
                        docs[k]);
                CHECK(want && file_equal(out, want, len));
                free(want);
            }
        }
        teeattest_collateral_free(dir);
        teeattest_collateral_free(js);
        fixture_free(&f);
    }

    fixture f;
    fixture_load(&f, "dcapqvl_v4_uptodate");
    teeattest_collateral *col = load_dir(f.name);
    teeattest_error err = TEEATTEST_ERROR_INIT;
    char dir[512], path[700];

    /* a collateral without the optional PCK CRL issuer chain removes a
     * stale one instead of leaving it to be loaded with the new CRL */
    api_fmt(dir, sizeof dir, "%s/nochain-src", save_root);
    CHECK_EQ_INT(teeattest_collateral_save_dir(col, dir, NULL), TEEATTEST_OK);
    api_fmt(path, sizeof path, "%s/pck_crl_issuer_chain.pem", dir);
    CHECK_EQ_INT(unlink(path), 0);
    teeattest_collateral *nochain = NULL;
    CHECK_EQ_INT(teeattest_collateral_load_dir(ctx, &nochain, dir, NULL),
                 TEEATTEST_OK);
    api_fmt(dir, sizeof dir, "%s/nochain-dst", save_root);
    CHECK_EQ_INT(teeattest_collateral_save_dir(col, dir, NULL), TEEATTEST_OK);
    api_fmt(path, sizeof path, "%s/pck_crl_issuer_chain.pem", dir);
    CHECK(access(path, F_OK) == 0);
    CHECK_EQ_INT(teeattest_collateral_save_dir(nochain, dir, NULL), TEEATTEST_OK);
    CHECK(access(path, F_OK) != 0 && errno == ENOENT);
    CHECK(verified_at(f.quote, f.quote_len, nochain, f.at, NULL, NULL, 0));
    teeattest_collateral_free(nochain);

    /* misuse */
    CHECK_EQ_INT(teeattest_collateral_save_dir(NULL, save_root, &err),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_collateral_save_dir(col, NULL, &err),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_collateral_save_dir(col, "", &err),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_collateral_save_dir(NULL, NULL, NULL),
                 TEEATTEST_E_INVALID_ARG);
    /* a directory that cannot be created: its parent is a file */
    api_fmt(path, sizeof path, "%s/a-file", save_root);
    write_bytes(path, "x", 1);
    api_fmt(dir, sizeof dir, "%s/a-file/sub", save_root);
    CHECK_EQ_INT(teeattest_collateral_save_dir(col, dir, &err), TEEATTEST_E_IO);
    printf("# %s\n", err.message);
    CHECK(strstr(err.message, "a-file") != NULL);
    /* a file that cannot be replaced (a directory in its place; works as
     * root too): the error names the file, nothing is left behind */
    api_fmt(dir, sizeof dir, "%s/blocked", save_root);
    api_fmt(path, sizeof path, "%s/tcb_info.json/x", dir);
    CHECK_EQ_INT(mkdir(dir, 0755), 0);
    api_fmt(path, sizeof path, "%s/tcb_info.json", dir);
    CHECK_EQ_INT(mkdir(path, 0755), 0);
    api_fmt(path, sizeof path, "%s/tcb_info.json/x", dir);
    write_bytes(path, "x", 1);
    CHECK_EQ_INT(teeattest_collateral_save_dir(col, dir, &err), TEEATTEST_E_IO);
    printf("# %s\n", err.message);
    CHECK(strstr(err.message, "tcb_info.json") != NULL);
    CHECK_EQ_INT(hidden_files(dir), 0);
    /* an unwritable directory (permissions do not stop root) */
    if (geteuid() != 0) {
        api_fmt(dir, sizeof dir, "%s/readonly", save_root);
        CHECK_EQ_INT(mkdir(dir, 0500), 0);
        CHECK_EQ_INT(teeattest_collateral_save_dir(col, dir, &err),
                     TEEATTEST_E_IO);
        printf("# %s\n", err.message);
        CHECK(strstr(err.message, "readonly/") != NULL &&
              strstr(err.message, ".pem") != NULL);
        chmod(dir, 0700);
    }
    teeattest_collateral_free(col);
    fixture_free(&f);
    /* clean up (ignore failures: the directory is under TMPDIR) */
    char cmd[400];
    api_fmt(cmd, sizeof cmd, "rm -rf '%s'", save_root);
    if (system(cmd) != 0)
        printf("# could not remove %s\n", save_root);
}

int main(void)
{
    ctx = api_ctx();
    test_setters();
    test_cases();
    test_policy_statuses();
    test_near();
    test_save_dir();

    fixture f;
    fixture_load(&f, "dcapqvl_v4_uptodate");
    teeattest_collateral *col = load_dir(f.name);
    if (CHECK(col != NULL)) {
        test_api_misuse(&f, col);
        test_quote_tamper(&f, col);
        test_collateral_tamper(&f);
        test_root(&f, col);
        test_measurements(&f, col);
        test_truncation(&f, col);
    }
    teeattest_collateral_free(col);
    fixture_free(&f);
    teeattest_ctx_free(ctx);
    return ta_test_done();
}
