/*
 * TDX verification, negative paths: one byte changed in the signed region,
 * the QE report, either signature, the attestation key, QE auth data, the
 * PCK PEM, a CRL, the TCB Info / QE Identity body, signature or issuer
 * chain fails the right check (never a pass); times outside the collateral
 * window fail (or warn when policy allows expired collateral); a wrong
 * trust anchor fails; FMSPC mismatch; policy expectations; CRLs as DER,
 * PEM and hex; every other order of the PCK chain and of each issuer
 * chain fails; and the context's crypto backend is the one used.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "unit.h"

#include <jansson.h>

#include "crypto/crypto.h"
#include "tdx/tdx.h"

static teeattest_ctx *ctx;

typedef struct parts {
    uint8_t *item[7];
    size_t len[7];
} parts;

enum { P_TCB, P_TCB_CHAIN, P_QE, P_QE_CHAIN, P_PCK_CRL, P_PCK_CRL_CHAIN,
       P_ROOT_CRL };
static const char *const part_files[] = {
    "tcb_info.json", "tcb_info_issuer_chain.pem", "qe_identity.json",
    "qe_identity_issuer_chain.pem", "pck_crl.der", "pck_crl_issuer_chain.pem",
    "root_ca_crl.der",
};

static bool parts_load(parts *p, const char *dir)
{
    char rel[256];
    memset(p, 0, sizeof *p);
    for (int i = 0; i < 7; i++) {
        snprintf(rel, sizeof rel, "tdx/%s/%s", dir, part_files[i]);
        p->item[i] = ta_test_read_file(ta_test_fixture(rel), &p->len[i]);
        if (!p->item[i])
            return false;
    }
    return true;
}

static void parts_free(parts *p)
{
    for (int i = 0; i < 7; i++)
        free(p->item[i]);
}

static ta_tdx_collateral *build(const parts *p)
{
    ta_tdx_collateral_parts cp = {0};
    cp.tcb_info = p->item[P_TCB];
    cp.tcb_info_len = p->len[P_TCB];
    cp.tcb_info_chain = p->item[P_TCB_CHAIN];
    cp.tcb_info_chain_len = p->len[P_TCB_CHAIN];
    cp.qe_identity = p->item[P_QE];
    cp.qe_identity_len = p->len[P_QE];
    cp.qe_identity_chain = p->item[P_QE_CHAIN];
    cp.qe_identity_chain_len = p->len[P_QE_CHAIN];
    cp.pck_crl = p->item[P_PCK_CRL];
    cp.pck_crl_len = p->len[P_PCK_CRL];
    cp.pck_crl_chain = p->item[P_PCK_CRL_CHAIN];
    cp.pck_crl_chain_len = p->len[P_PCK_CRL_CHAIN];
    cp.root_ca_crl = p->item[P_ROOT_CRL];
    cp.root_ca_crl_len = p->len[P_ROOT_CRL];
    ta_tdx_collateral *c = NULL;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    if (ta_tdx_collateral_from_parts(ctx, &cp, &c, &err) != TEEATTEST_OK)
        printf("# from_parts: %s\n", err.message);
    return c;
}

typedef struct run {
    ta_tdx_outcome out;
    int32_t outcome_of_want;
    bool verified;
    char first[64];
    char detail[512]; /* of `want` */
} run;

/* Verify and report: the first failed check, the verdict, and the outcome
 * of `want` (if given). Also asserts no check after a failure claims to
 * depend on it and pass: every check named in the result is present. */
static run verify(const uint8_t *q, size_t len, const ta_tdx_collateral *col,
                  int64_t at, const ta_tdx_policy *pol, const char *want)
{
    run res;
    memset(&res, 0, sizeof res);
    teeattest_result *r = NULL;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    ta_result_new(ctx, &r);
    int rc = ta_tdx_verify(ctx, q, len, col, at, pol, r, &res.out, &err);
    if (rc != TEEATTEST_OK)
        printf("# verify rc %d: %s\n", rc, err.message);
    ta_result_finish(r, &err);
    res.verified = teeattest_result_verdict(r) == TEEATTEST_VERDICT_VERIFIED;
    snprintf(res.first, sizeof res.first, "%s",
             res.out.first_failure ? res.out.first_failure : "");
    if (want) {
        const char *detail = NULL;
        if (teeattest_result_find_check(r, want, &res.outcome_of_want,
                                        &detail, NULL) == TEEATTEST_OK &&
            res.outcome_of_want == TEEATTEST_OUTCOME_FAIL)
            printf("#   %s: %s\n", want, detail);
        snprintf(res.detail, sizeof res.detail, "%s", detail ? detail : "");
    }
    /* 22 checks, always, whatever happened (+ the override warning) */
    size_t n_checks = 22 + (pol && pol->root_der ? 1 : 0) +
                      (pol && pol->min_tcb_eval ? 1 : 0);
    if (teeattest_result_check_count(r) != n_checks)
        printf("# %zu checks\n", teeattest_result_check_count(r));
    CHECK_EQ_INT(teeattest_result_check_count(r), n_checks);
    CHECK_EQ_INT(res.verified, res.out.all_passed);
    ta_tdx_outcome_free(ctx, &res.out);
    teeattest_result_free(r);
    return res;
}

#define EXPECT_FAIL_AT(res, name)                                       \
    do {                                                                \
        CHECK(!(res).verified);                                         \
        CHECK_STR((res).first, (name));                                 \
        CHECK_EQ_INT((res).outcome_of_want, TEEATTEST_OUTCOME_FAIL);    \
    } while (0)

static const int64_t T_V4 = 1751623200; /* dcapqvl_v4_uptodate verify_at */

static void test_quote_tamper(const uint8_t *q, size_t len,
                              const ta_tdx_collateral *col)
{
    run ok = verify(q, len, col, T_V4, NULL, NULL);
    CHECK(ok.verified);
    CHECK_EQ_INT(ok.out.status, TA_TDX_UP_TO_DATE);

    uint8_t *m = malloc(len);
    struct { size_t off; const char *check; } cases[] = {
        {30, "tdx.quote.signature"},      /* header user data */
        {48, "tdx.quote.signature"},      /* TEE_TCB_SVN */
        {48 + 136 + 5, "tdx.quote.signature"}, /* MRTD */
        {48 + 520 + 63, "tdx.quote.signature"}, /* REPORTDATA */
        {636 + 5, "tdx.quote.signature"}, /* quote signature r */
        {636 + 40, "tdx.quote.signature"}, /* quote signature s */
        {700 + 3, "tdx.qe_report.binding"}, /* attestation key */
        {770 + 20, "tdx.qe_report.signature"}, /* QE report MISCSELECT */
        {770 + 128, "tdx.qe_report.signature"}, /* QE report MRSIGNER */
        {770 + 320, "tdx.qe_report.signature"}, /* QE report REPORTDATA */
        {1154 + 10, "tdx.qe_report.signature"}, /* QE report signature */
        {1220 + 7, "tdx.qe_report.binding"}, /* QE auth data */
    };
    for (size_t i = 0; i < TA_ARRAY_LEN(cases); i++) {
        memcpy(m, q, len);
        m[cases[i].off] ^= 0x01;
        run res = verify(m, len, col, T_V4, NULL, cases[i].check);
        printf("# byte %zu -> %s\n", cases[i].off, res.first);
        EXPECT_FAIL_AT(res, cases[i].check);
        CHECK(res.out.status == TA_TDX_STATUS_NONE);
    }

    /* PCK PEM: every 37th byte of the chain, whatever it hits (header
     * line, base64 of any of the three certificates, line breaks) */
    ta_tdx_quote p;
    CHECK_EQ_INT(ta_tdx_quote_parse(&p, q, len, NULL), TEEATTEST_OK);
    size_t pem_off = (size_t)(p.pck_pem - q);
    int not_failed = 0, tried = 0;
    for (size_t k = 0; k < p.pck_pem_len; k += 37) {
        memcpy(m, q, len);
        uint8_t c = m[pem_off + k];
        /* keep it a base64 character when it was one: a parseable change */
        m[pem_off + k] = (uint8_t)(c == 'A' ? 'B' : c == '\n' ? 'A' : 'A');
        teeattest_result *r = NULL;
        ta_result_new(ctx, &r);
        ta_tdx_outcome out;
        ta_tdx_verify(ctx, m, len, col, T_V4, NULL, r, &out, NULL);
        int32_t oc = 0;
        teeattest_result_find_check(r, "tdx.pck_chain", &oc, NULL, NULL);
        tried++;
        if (out.all_passed || oc != TEEATTEST_OUTCOME_FAIL ||
            strcmp(out.first_failure ? out.first_failure : "", "tdx.pck_chain")) {
            not_failed++;
            printf("# PEM byte %zu: first failure %s\n", k,
                   out.first_failure ? out.first_failure : "(none)");
        }
        ta_tdx_outcome_free(ctx, &out);
        teeattest_result_free(r);
    }
    printf("# %d PEM positions tampered\n", tried);
    CHECK_EQ_INT(not_failed, 0);
    free(m);
}

static void flip_and_check(const parts *orig, int item, size_t off,
                           const uint8_t *q, size_t qlen, int64_t at,
                           const char *check)
{
    parts p = *orig;
    uint8_t *copy = malloc(orig->len[item] + 1);
    memcpy(copy, orig->item[item], orig->len[item] + 1);
    p.item[item] = copy;
    copy[off] ^= 0x01;
    ta_tdx_collateral *col = build(&p);
    if (CHECK(col != NULL)) {
        run res = verify(q, qlen, col, at, NULL, check);
        printf("# %s byte %zu -> %s\n", part_files[item], off, res.first);
        EXPECT_FAIL_AT(res, check);
        ta_tdx_collateral_free(col);
    }
    free(copy);
}

/* Offset of `needle` in a text item (for targeted JSON edits). */
static size_t find(const parts *p, int item, const char *needle)
{
    const char *s = strstr((const char *)p->item[item], needle);
    return s ? (size_t)(s - (const char *)p->item[item]) : 0;
}

static void test_collateral_tamper(const uint8_t *q, size_t qlen,
                                   const parts *p)
{
    /* TCB Info body: a digit of tcbEvaluationDataNumber, a date, a status
     * letter, an FMSPC hex digit; then the signature */
    flip_and_check(p, P_TCB, find(p, P_TCB, "\"tcbEvaluationDataNumber\":") + 26,
                   q, qlen, T_V4, "tdx.tcb_info.signature");
    flip_and_check(p, P_TCB, find(p, P_TCB, "\"nextUpdate\":\"") + 16, q, qlen,
                   T_V4, "tdx.tcb_info.signature");
    flip_and_check(p, P_TCB, find(p, P_TCB, "\"fmspc\":\"") + 10, q, qlen,
                   T_V4, "tdx.tcb_info.signature");
    flip_and_check(p, P_TCB, find(p, P_TCB, "\"signature\":\"") + 20, q, qlen,
                   T_V4, "tdx.tcb_info.signature");
    /* a change that breaks the JSON is still caught at the signature */
    flip_and_check(p, P_TCB, find(p, P_TCB, "\"tcbLevels\"") + 11, q, qlen,
                   T_V4, "tdx.tcb_info.signature");
    flip_and_check(p, P_QE, find(p, P_QE, "\"isvprodid\":") + 12, q, qlen,
                   T_V4, "tdx.qe_identity.signature");
    flip_and_check(p, P_QE, find(p, P_QE, "\"mrsigner\":\"") + 14, q, qlen,
                   T_V4, "tdx.qe_identity.signature");
    flip_and_check(p, P_QE, find(p, P_QE, "\"signature\":\"") + 100, q, qlen,
                   T_V4, "tdx.qe_identity.signature");
    /* issuer chains: a base64 character inside the TCB Signing cert */
    flip_and_check(p, P_TCB_CHAIN, 400, q, qlen, T_V4, "tdx.tcb_info.chain");
    flip_and_check(p, P_QE_CHAIN, 500, q, qlen, T_V4, "tdx.qe_identity.chain");
    /* CRLs: a byte of the signature and a byte of the signed body */
    flip_and_check(p, P_PCK_CRL, p->len[P_PCK_CRL] - 5, q, qlen, T_V4,
                   "tdx.crl.pck");
    flip_and_check(p, P_PCK_CRL, p->len[P_PCK_CRL] / 2, q, qlen, T_V4,
                   "tdx.crl.pck");
    flip_and_check(p, P_ROOT_CRL, p->len[P_ROOT_CRL] - 5, q, qlen, T_V4,
                   "tdx.crl.root");
    flip_and_check(p, P_ROOT_CRL, 40, q, qlen, T_V4, "tdx.crl.root");
}

static void test_time_window(const uint8_t *q, size_t qlen,
                             const ta_tdx_collateral *col)
{
    /* window 2025-06-19T10:32:27Z .. 2025-07-19T10:00:35Z */
    int64_t from = ta_timegm(2025, 6, 19, 10, 32, 27);
    int64_t until = ta_timegm(2025, 7, 19, 10, 0, 35);
    CHECK(verify(q, qlen, col, from, NULL, NULL).verified);
    CHECK(verify(q, qlen, col, until, NULL, NULL).verified);
    run before = verify(q, qlen, col, from - 1, NULL, NULL);
    CHECK(!before.verified);
    printf("# 1 s before the window: %s\n", before.first);
    run after = verify(q, qlen, col, until + 1, NULL, NULL);
    CHECK(!after.verified);
    printf("# 1 s after the window: %s\n", after.first);
    CHECK(verify(q, qlen, col, until + 86400 * 365, NULL, NULL).verified == false);
    CHECK(verify(q, qlen, col, 0, NULL, NULL).verified == false);

    /* expired collateral accepted by policy: warnings, still UpToDate */
    ta_tdx_policy pol = {0};
    pol.allow_expired_collateral = true;
    teeattest_result *r = NULL;
    ta_result_new(ctx, &r);
    ta_tdx_outcome out;
    CHECK_EQ_INT(ta_tdx_verify(ctx, q, qlen, col, until + 1, &pol, r, &out, NULL),
                 TEEATTEST_OK);
    ta_result_finish(r, NULL);
    CHECK(out.all_passed);
    CHECK(out.collateral_expired);
    CHECK_EQ_INT(out.status, TA_TDX_UP_TO_DATE);
    CHECK_STR(teeattest_result_fact(r, "tdx.collateral.expired"), "true");
    int32_t oc = 0;
    teeattest_result_find_check(r, "tdx.crl.pck", &oc, NULL, NULL);
    CHECK_EQ_INT(oc, TEEATTEST_OUTCOME_WARN);
    ta_tdx_outcome_free(ctx, &out);
    teeattest_result_free(r);
    /* but "not yet valid" is never excused */
    CHECK(!verify(q, qlen, col, from - 1, &pol, NULL).verified);
}

static void test_wrong_root(const uint8_t *q, size_t qlen,
                            const ta_tdx_collateral *col)
{
    /* the PCK Platform CA as trust anchor */
    ta_tdx_policy pol = {0};
    ta_der ca = ta_x509_der(ta_x509_chain_get(col->pck_crl_chain.chain, 0));
    pol.root_der = ca.p;
    pol.root_der_len = ca.len;
    run res = verify(q, qlen, col, T_V4, &pol, "tdx.pck_chain");
    EXPECT_FAIL_AT(res, "tdx.pck_chain");
    /* garbage trust anchor */
    static const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x00};
    pol.root_der = junk;
    pol.root_der_len = sizeof junk;
    res = verify(q, qlen, col, T_V4, &pol, "tdx.pck_chain");
    EXPECT_FAIL_AT(res, "tdx.pck_chain");
    /* the override with Intel's own root verifies */
    pol.root_der = ta_tdx_intel_root_ca_der;
    pol.root_der_len = ta_tdx_intel_root_ca_der_len;
    CHECK(verify(q, qlen, col, T_V4, &pol, NULL).verified);
}

static void test_policy(const uint8_t *q, size_t qlen,
                        const ta_tdx_collateral *col)
{
    ta_tdx_quote p;
    ta_tdx_quote_parse(&p, q, qlen, NULL);
    ta_tdx_policy pol = {0};
    uint8_t mrtd[48];
    memcpy(mrtd, ta_tdx_mrtd(&p), 48);
    pol.expected[TA_TDX_REG_MRTD] = mrtd;
    pol.n_expected[TA_TDX_REG_MRTD] = 1;
    pol.expected[TA_TDX_REG_RTMR0 + 1] = ta_tdx_rtmr(&p, 1);
    pol.n_expected[TA_TDX_REG_RTMR0 + 1] = 1;
    CHECK(verify(q, qlen, col, T_V4, &pol, NULL).verified);
    mrtd[47] ^= 1;
    run res = verify(q, qlen, col, T_V4, &pol, "tdx.td.measurements");
    EXPECT_FAIL_AT(res, "tdx.td.measurements");
    /* UpToDate not in the accepted set */
    ta_tdx_policy only_ood = {0};
    only_ood.accepted_statuses = TA_TDX_STATUS_BIT(TA_TDX_OUT_OF_DATE);
    res = verify(q, qlen, col, T_V4, &only_ood, "tdx.status");
    EXPECT_FAIL_AT(res, "tdx.status");
}

static int32_t outcome(teeattest_result *r, const char *name)
{
    int32_t oc = -1;
    teeattest_result_find_check(r, name, &oc, NULL, NULL);
    return oc;
}

/* Policy minimum of tcbEvaluationDataNumber (Intel QVL min_eval_num):
 * dcapqvl_v4_uptodate's TCB Info and QE Identity both carry 17. */
static void test_min_tcb_eval(const uint8_t *q, size_t qlen,
                              const ta_tdx_collateral *col, const parts *p)
{
    ta_tdx_policy pol = {0};
    run res = verify(q, qlen, col, T_V4, &pol, NULL); /* 0: no check */
    CHECK(res.verified);
    pol.min_tcb_eval = 17; /* the boundary: equal passes */
    res = verify(q, qlen, col, T_V4, &pol, "tdx.tcb_eval_number");
    CHECK(res.verified);
    CHECK_EQ_INT(res.outcome_of_want, TEEATTEST_OUTCOME_PASS);
    CHECK_STR(res.detail, "TCB Info tcbEvaluationDataNumber 17, QE Identity "
              "17, policy minimum 17");
    pol.min_tcb_eval = 18;
    res = verify(q, qlen, col, T_V4, &pol, "tdx.tcb_eval_number");
    EXPECT_FAIL_AT(res, "tdx.tcb_eval_number");
    CHECK_STR(res.detail, "tcbEvaluationDataNumber below the policy minimum "
              "18: TCB Info 17, QE Identity 17");
    CHECK_EQ_INT(res.out.status, TA_TDX_UP_TO_DATE); /* status unchanged */
    pol.min_tcb_eval = UINT32_MAX;
    res = verify(q, qlen, col, T_V4, &pol, "tdx.tcb_eval_number");
    EXPECT_FAIL_AT(res, "tdx.tcb_eval_number");

    /* Attacker: raise the number in the TCB Info (17 -> 99) to meet the
     * minimum. The signature fails and the minimum is a required skip,
     * never a pass; the same for the QE Identity. */
    static const int items[] = {P_TCB, P_QE};
    static const char *const sig_checks[] = {"tdx.tcb_info.signature",
                                             "tdx.qe_identity.signature"};
    for (size_t i = 0; i < 2; i++) {
        parts e = *p;
        int it = items[i];
        uint8_t *copy = malloc(p->len[it] + 1);
        memcpy(copy, p->item[it], p->len[it] + 1);
        size_t off = find(p, it, "\"tcbEvaluationDataNumber\":") + 26;
        CHECK(copy[off] == '1' && copy[off + 1] == '7');
        copy[off] = copy[off + 1] = '9';
        e.item[it] = copy;
        ta_tdx_collateral *c = build(&e);
        if (CHECK(c != NULL)) {
            teeattest_result *r = NULL;
            ta_result_new(ctx, &r);
            ta_tdx_outcome out;
            ta_tdx_verify(ctx, q, qlen, c, T_V4, &pol, r, &out, NULL);
            CHECK(!out.all_passed);
            CHECK_STR(out.first_failure, sig_checks[i]);
            CHECK_EQ_INT(outcome(r, "tdx.tcb_eval_number"),
                         TEEATTEST_OUTCOME_SKIP);
            ta_tdx_outcome_free(ctx, &out);
            teeattest_result_free(r);
            ta_tdx_collateral_free(c);
        }
        free(copy);
    }

    /* The smaller number counts: this TCB Info (17) with the QE Identity
     * (and its chain) of gotdxguest_v5_uptodate (18), both genuine, at
     * that case's time (expired items accepted as warnings). */
    parts other;
    if (!CHECK(parts_load(&other, "gotdxguest_v5_uptodate")))
        return;
    parts mix = *p;
    mix.item[P_QE] = other.item[P_QE];
    mix.len[P_QE] = other.len[P_QE];
    mix.item[P_QE_CHAIN] = other.item[P_QE_CHAIN];
    mix.len[P_QE_CHAIN] = other.len[P_QE_CHAIN];
    ta_tdx_collateral *c = build(&mix);
    const int64_t at = 1771977600;
    ta_tdx_policy lax = {0};
    lax.allow_expired_collateral = true;
    lax.min_tcb_eval = 17;
    if (CHECK(c != NULL)) {
        res = verify(q, qlen, c, at, &lax, "tdx.tcb_eval_number");
        CHECK(res.verified);
        CHECK_EQ_INT(res.outcome_of_want, TEEATTEST_OUTCOME_PASS);
        lax.min_tcb_eval = 18;
        res = verify(q, qlen, c, at, &lax, "tdx.tcb_eval_number");
        EXPECT_FAIL_AT(res, "tdx.tcb_eval_number");
        CHECK_STR(res.detail, "tcbEvaluationDataNumber below the policy "
                  "minimum 18: TCB Info 17, QE Identity 18");
    }
    ta_tdx_collateral_free(c);
    parts_free(&other);
}

/* What is behind the newest level (ta_tdx_tcb_behind) on the real
 * automata_gcp_v4_outofdate collateral, checked by hand against its
 * tcb_info.json / qe_identity.json: the newest platform level has SGX
 * components [7,7,2,2,3,1,0,3,0..] (types "Early Microcode Update", "SGX
 * Late Microcode Update", ...), PCESVN 11, TDX components [5,0,7,0..];
 * TDX_01's newest level is ISVSVN 4 and the QE Identity's ISVSVN 4. */
static void test_tcb_behind(void)
{
    ta_tdx_collateral *col = NULL;
    ta_tdx_collateral_load_dir(
        ctx, ta_test_fixture("tdx/automata_gcp_v4_outofdate"), &col, NULL);
    if (!CHECK(col != NULL))
        return;
    const ta_tdx_tcb_info *ti = &col->tcb_info;
    const ta_tdx_qe_identity *qi = &col->qe_identity;
    ta_tdx_pck_ext pck;
    memset(&pck, 0, sizeof pck);
    memcpy(pck.comp_svn, ti->levels[0].sgx, 16);
    pck.pcesvn = 11;
    uint8_t svn[16] = {4, 1, 7};
    const ta_tdx_module_identity *mid = ta_tdx_module_identity_find(ti, 1);
    CHECK(mid != NULL);
    struct {
        const char *want;
    } cases[] = {
        {""}, /* at the newest level everywhere */
        {"SGX Late Microcode Update (CPUSVN component 1): 6 < 7"},
        {"PCESVN: 10 < 11"},
        {"TDX Late Microcode Update (TEE_TCB_SVN component 2): 6 < 7"},
        {"TDX module (TDX_01 SVN): 3 < 4"},
        {"QE (ISVSVN): 3 < 4"},
        {"SGX TCB component (CPUSVN component 6): 0 < 1, "
         "TDX TCB component (TEE_TCB_SVN component 5): 0 < 9"},
    };
    for (size_t i = 0; i < TA_ARRAY_LEN(cases); i++) {
        ta_tdx_pck_ext e = pck;
        uint8_t s[16];
        memcpy(s, svn, 16);
        uint16_t qe = 4;
        ta_tdx_tcb_info t = *ti; /* shallow: levels[0] edited below */
        ta_tdx_tcb_level top = ti->levels[0];
        t.levels = &top;
        t.n_levels = 1;
        switch (i) {
        case 1: e.comp_svn[1] = 6; break;
        case 2: e.pcesvn = 10; break;
        case 3: s[2] = 6; break;
        case 4: s[0] = 3; break;
        case 5: qe = 3; break;
        case 6: top.sgx[6] = 1; top.tdx[5] = 9; break; /* no type names */
        }
        ta_buf b;
        ta_buf_init(&b, ctx, 0);
        CHECK_EQ_INT(ta_tdx_tcb_behind(&t, &e, s, mid, qi, qe, &b),
                     TEEATTEST_OK);
        CHECK_STR(b.data ? (const char *)b.data : "", cases[i].want);
        ta_buf_free(&b);
    }
    /* An unversioned module (byte 1 = 0): TDX components 0 and 1 are
     * judged by the platform levels (the newest needs 5 at index 0). */
    uint8_t unv[16] = {4, 0, 7};
    ta_buf b;
    ta_buf_init(&b, ctx, 0);
    CHECK_EQ_INT(ta_tdx_tcb_behind(ti, &pck, unv, NULL, NULL, 0, &b),
                 TEEATTEST_OK);
    CHECK_STR(b.data ? (const char *)b.data : "",
              "TDX Module (TEE_TCB_SVN component 0): 4 < 5");
    ta_buf_free(&b);
    ta_tdx_collateral_free(col);
}

static void test_outofdate_accepted(void)
{
    size_t qlen;
    uint8_t *q = ta_test_read_file(
        ta_test_fixture("tdx/automata_gcp_v4_outofdate/quote.bin"), &qlen);
    ta_tdx_collateral *col = NULL;
    ta_tdx_collateral_load_dir(ctx, ta_test_fixture("tdx/automata_gcp_v4_outofdate"),
                               &col, NULL);
    if (!CHECK(q && col)) {
        free(q);
        ta_tdx_collateral_free(col);
        return;
    }
    int64_t at = 1752969600;
    run res = verify(q, qlen, col, at, NULL, "tdx.status");
    EXPECT_FAIL_AT(res, "tdx.status");
    CHECK_EQ_INT(res.out.status, TA_TDX_OUT_OF_DATE);
    ta_tdx_policy pol = {0};
    pol.accepted_statuses = TA_TDX_ACCEPT_DEFAULT | TA_TDX_STATUS_BIT(TA_TDX_OUT_OF_DATE);
    CHECK(verify(q, qlen, col, at, &pol, NULL).verified);
    ta_tdx_collateral_free(col);
    free(q);
}

/* FMSPC mismatch: the GCP quote judged with dcap-qvl's TCB Info. */
static void test_fmspc_mismatch(void)
{
    size_t qlen;
    uint8_t *q = ta_test_read_file(
        ta_test_fixture("tdx/gcp_cos_v4_uptodate/quote.bin"), &qlen);
    parts gcp, other;
    if (!CHECK(q && parts_load(&gcp, "gcp_cos_v4_uptodate") &&
               parts_load(&other, "dcapqvl_v4_uptodate"))) {
        free(q);
        return;
    }
    parts mix = gcp;
    mix.item[P_TCB] = other.item[P_TCB];
    mix.len[P_TCB] = other.len[P_TCB];
    mix.item[P_TCB_CHAIN] = other.item[P_TCB_CHAIN];
    mix.len[P_TCB_CHAIN] = other.len[P_TCB_CHAIN];
    ta_tdx_collateral *col = build(&mix);
    ta_tdx_policy pol = {0};
    pol.allow_expired_collateral = true; /* the GCP CRLs are older */
    run res = verify(q, qlen, col, T_V4, &pol, "tdx.tcb_level");
    EXPECT_FAIL_AT(res, "tdx.tcb_level");
    ta_tdx_collateral_free(col);
    parts_free(&gcp);
    parts_free(&other);
    free(q);
}

/* CRLs accepted as DER, PEM (as PCS serves the PCK CRL) and hex text (as
 * PCCS serves the root CA CRL), all with the same result. */
static void test_crl_encodings(void)
{
    size_t qlen, pem_len;
    uint8_t *q = ta_test_read_file(
        ta_test_fixture("tdx/gcp_cos_v4_uptodate/quote.bin"), &qlen);
    uint8_t *pem = ta_test_read_file(
        ta_test_fixture("tdx/gcp_cos_v4_uptodate/pck_crl.pem"), &pem_len);
    parts p;
    if (!CHECK(q && pem && parts_load(&p, "gcp_cos_v4_uptodate"))) {
        free(q);
        free(pem);
        return;
    }
    int64_t at = 1748736000;
    parts v = p;
    v.item[P_PCK_CRL] = pem;
    v.len[P_PCK_CRL] = pem_len;
    char *hex = malloc(2 * p.len[P_ROOT_CRL] + 2);
    unit_tohex(hex, p.item[P_ROOT_CRL], p.len[P_ROOT_CRL]);
    strcat(hex, "\n");
    v.item[P_ROOT_CRL] = (uint8_t *)hex;
    v.len[P_ROOT_CRL] = strlen(hex);
    ta_tdx_collateral *col = build(&v);
    run res = verify(q, qlen, col, at, NULL, NULL);
    CHECK(res.verified);
    CHECK_EQ_INT(res.out.status, TA_TDX_UP_TO_DATE);
    ta_tdx_collateral_free(col);
    /* a CRL that is none of the three fails its check, not the loader */
    static uint8_t junk[] = "not a CRL";
    v.item[P_PCK_CRL] = junk;
    v.len[P_PCK_CRL] = sizeof junk - 1;
    col = build(&v);
    if (CHECK(col != NULL)) {
        res = verify(q, qlen, col, at, NULL, "tdx.crl.pck");
        EXPECT_FAIL_AT(res, "tdx.crl.pck");
        ta_tdx_collateral_free(col);
    }
    free(hex);
    free(pem);
    parts_free(&p);
    free(q);
}

/* The context's crypto backend performs every signature check. */
static int n_ecdsa, n_x509;
static int count_ecdsa(void *ud, int32_t curve, const uint8_t *pub, size_t pl,
                       const uint8_t *d, size_t dl, const uint8_t *sig,
                       size_t sl)
{
    (void)ud; (void)curve; (void)pub; (void)pl; (void)d; (void)dl; (void)sig;
    (void)sl;
    n_ecdsa++;
    return TEEATTEST_E_PASSTHROUGH;
}
static int count_x509(void *ud, uint32_t *flags, const uint8_t *const *c,
                      const size_t *cl, size_t cn, const uint8_t *const *r,
                      const size_t *rl, size_t rn, const uint8_t *const *crl,
                      const size_t *crll, size_t crln, int64_t at)
{
    (void)ud; (void)flags; (void)c; (void)cl; (void)cn; (void)r; (void)rl;
    (void)rn; (void)crl; (void)crll; (void)crln; (void)at;
    n_x509++;
    return TEEATTEST_E_PASSTHROUGH;
}
static int reject_ecdsa(void *ud, int32_t curve, const uint8_t *pub, size_t pl,
                        const uint8_t *d, size_t dl, const uint8_t *sig,
                        size_t sl)
{
    (void)ud; (void)curve; (void)pub; (void)pl; (void)d; (void)dl; (void)sig;
    (void)sl;
    return TEEATTEST_E_VERIFY_FAILED;
}

static void test_backend(const uint8_t *q, size_t qlen)
{
    teeattest_crypto_backend be = TEEATTEST_CRYPTO_BACKEND_INIT;
    be.ecdsa_verify = count_ecdsa;
    be.x509_verify_chain = count_x509;
    teeattest_ctx_options o = TEEATTEST_CTX_OPTIONS_INIT;
    o.crypto = &be;
    teeattest_ctx *c2 = NULL;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    if (!CHECK_EQ_INT(teeattest_ctx_new(&c2, &o, &err), TEEATTEST_OK))
        return;
    ta_tdx_collateral *col = NULL;
    ta_tdx_collateral_load_dir(c2, ta_test_fixture("tdx/dcapqvl_v4_uptodate"),
                               &col, NULL);
    ta_tdx_outcome out;
    CHECK_EQ_INT(ta_tdx_verify(c2, q, qlen, col, T_V4, NULL, NULL, &out, NULL),
                 TEEATTEST_OK);
    CHECK(out.all_passed);
    ta_tdx_outcome_free(c2, &out);
    /* root CRL, PCK CRL, TCB Info, QE Identity, QE report, quote */
    CHECK_EQ_INT(n_ecdsa, 6);
    /* PCK chain, PCK CRL issuer chain, TCB Info chain, QE Identity chain */
    CHECK_EQ_INT(n_x509, 4);
    ta_tdx_collateral_free(col);
    teeattest_ctx_free(c2);

    be.ecdsa_verify = reject_ecdsa;
    be.x509_verify_chain = NULL;
    CHECK_EQ_INT(teeattest_ctx_new(&c2, &o, &err), TEEATTEST_OK);
    ta_tdx_collateral_load_dir(c2, ta_test_fixture("tdx/dcapqvl_v4_uptodate"),
                               &col, NULL);
    CHECK_EQ_INT(ta_tdx_verify(c2, q, qlen, col, T_V4, NULL, NULL, &out, NULL),
                 TEEATTEST_OK);
    CHECK(!out.all_passed);
    CHECK_STR(out.first_failure, "tdx.crl.root");
    ta_tdx_outcome_free(c2, &out);
    ta_tdx_collateral_free(col);
    teeattest_ctx_free(c2);
}

static void test_loader_errors(void)
{
    ta_tdx_collateral *col = NULL;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    CHECK_EQ_INT(ta_tdx_collateral_load_dir(ctx, "/nonexistent-dir", &col, &err),
                 TEEATTEST_E_IO);
    CHECK(col == NULL);
    static const uint8_t j1[] = "{\"tcb_info\":\"{}\"}";
    CHECK_EQ_INT(ta_tdx_collateral_load_json(ctx, j1, sizeof j1 - 1, &col, &err),
                 TEEATTEST_E_FIELD_MISSING);
    static const uint8_t j2[] = "[1,2";
    CHECK_EQ_INT(ta_tdx_collateral_load_json(ctx, j2, sizeof j2 - 1, &col, &err),
                 TEEATTEST_E_JSON);
    CHECK_EQ_INT(ta_tdx_verify(ctx, NULL, 0, NULL, 0, NULL, NULL, NULL, &err),
                 TEEATTEST_E_INVALID_ARG);
}

/* ---- chain order ------------------------------------------------------ */

/* Write the PEM blocks of `pem` (each from its "-----BEGIN" to the next
 * one, the last to the end) into `out` (room for 2 * len bytes) in the
 * order `pick` (n_pick indexes; repeats and omissions allowed). Returns
 * the length written, 0 unless `pem` holds exactly n blocks. With a
 * permutation of all n blocks the output has the input's length. */
static size_t pem_pick(const uint8_t *pem, size_t len, size_t n,
                       const size_t *pick, size_t n_pick, uint8_t *out)
{
    static const char begin[] = "-----BEGIN CERTIFICATE-----";
    size_t start[4], k = 0;
    for (size_t i = 0; i + sizeof begin - 1 <= len; i++)
        if (memcmp(pem + i, begin, sizeof begin - 1) == 0) {
            if (k == 4)
                return 0;
            start[k++] = i;
        }
    if (k != n)
        return 0;
    memcpy(out, pem, start[0]);
    size_t o = start[0];
    for (size_t i = 0; i < n_pick; i++) {
        size_t b = start[pick[i]];
        size_t e = pick[i] + 1 < n ? start[pick[i] + 1] : len;
        if (o + (e - b) > 2 * len)
            return 0;
        memcpy(out + o, pem + b, e - b);
        o += e - b;
    }
    return o;
}

static bool pem_permute(const uint8_t *pem, size_t len, const size_t *perm,
                        size_t n, uint8_t *out)
{
    return pem_pick(pem, len, n, perm, n, out) == len;
}

static void pck_chain_orders(const uint8_t *q, size_t qlen,
                             const ta_tdx_collateral *col, int64_t at)
{
    static const size_t perms[6][3] = {
        {0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
    ta_tdx_quote pq;
    if (!CHECK_EQ_INT(ta_tdx_quote_parse(&pq, q, qlen, NULL), TEEATTEST_OK))
        return;
    size_t off = (size_t)(pq.pck_pem - q);
    uint8_t *m = malloc(qlen);
    /* twice: the second pass meets each chain in the collateral's memo */
    for (size_t pass = 0, i = 0; pass < 2; i = (i + 1) % 6, pass += i == 0) {
        memcpy(m, q, qlen);
        if (!CHECK(pem_permute(q + off, pq.pck_pem_len, perms[i], 3, m + off)))
            continue;
        run res = verify(m, qlen, col, at, NULL, "tdx.pck_chain");
        printf("# PCK chain order %zu%zu%zu -> %s\n", perms[i][0], perms[i][1],
               perms[i][2], res.verified ? "verified" : res.first);
        if (i == 0) { /* the helper itself changes nothing */
            CHECK(res.verified);
            CHECK_EQ_INT(memcmp(m, q, qlen), 0);
            continue;
        }
        EXPECT_FAIL_AT(res, "tdx.pck_chain");
        CHECK(strstr(res.detail, "wrong order") != NULL);
    }
    free(m);
}

/* An issuer chain of a dcap-qvl collateral JSON document with its two
 * certificates swapped: the loader keeps the order it was given. */
static void json_chain_swapped(const uint8_t *q, size_t qlen, const char *key,
                               const char *check)
{
    size_t len;
    uint8_t *raw = ta_test_read_file(
        ta_test_fixture("tdx/dcapqvl_v4_uptodate/collateral.json"), &len);
    json_t *j = raw ? json_loadb((const char *)raw, len, 0, NULL) : NULL;
    free(raw);
    const char *pem = json_string_value(json_object_get(j, key));
    if (!CHECK(pem != NULL)) {
        json_decref(j);
        return;
    }
    static const size_t swap[2] = {1, 0};
    size_t pl = strlen(pem);
    char *sw = calloc(1, pl + 1);
    CHECK(pem_permute((const uint8_t *)pem, pl, swap, 2, (uint8_t *)sw));
    json_object_set_new(j, key, json_string(sw));
    char *doc = json_dumps(j, 0);
    ta_tdx_collateral *col = NULL;
    if (CHECK_EQ_INT(ta_tdx_collateral_load_json(ctx, (const uint8_t *)doc,
                                                 strlen(doc), &col, NULL),
                     TEEATTEST_OK)) {
        run res = verify(q, qlen, col, T_V4, NULL, check);
        printf("# collateral.json %s swapped -> %s\n", key, res.first);
        EXPECT_FAIL_AT(res, check);
        CHECK(strstr(res.detail, "wrong order") != NULL);
        ta_tdx_collateral_free(col);
    }
    free(doc);
    free(sw);
    json_decref(j);
}

/* The PCK chain in the quote (certification data, covered by no
 * signature) in each of the 5 other orders fails tdx.pck_chain, for a v4
 * and a v5 quote, as in Intel's QVL and dcap-qvl; so does every collateral
 * issuer chain with its two certificates swapped, at its own check, from
 * raw parts and from dcap-qvl JSON. */
static void test_chain_order(const uint8_t *q, size_t qlen,
                             const ta_tdx_collateral *col, const parts *p)
{
    pck_chain_orders(q, qlen, col, T_V4);
    size_t q5len;
    uint8_t *q5 = ta_test_read_file(
        ta_test_fixture("tdx/gotdxguest_v5_uptodate/quote.bin"), &q5len);
    parts p5;
    if (CHECK(q5 && parts_load(&p5, "gotdxguest_v5_uptodate"))) {
        ta_tdx_collateral *c5 = build(&p5);
        if (CHECK(c5 != NULL))
            pck_chain_orders(q5, q5len, c5, 1771977600);
        ta_tdx_collateral_free(c5);
        parts_free(&p5);
    }
    free(q5);
    json_chain_swapped(q, qlen, "tcb_info_issuer_chain", "tdx.tcb_info.chain");
    json_chain_swapped(q, qlen, "qe_identity_issuer_chain",
                       "tdx.qe_identity.chain");
    json_chain_swapped(q, qlen, "pck_crl_issuer_chain", "tdx.crl.pck");

    static const size_t swap[2] = {1, 0};
    struct { int item; const char *check; } chains[] = {
        {P_TCB_CHAIN, "tdx.tcb_info.chain"},
        {P_QE_CHAIN, "tdx.qe_identity.chain"},
        {P_PCK_CRL_CHAIN, "tdx.crl.pck"},
    };
    for (size_t i = 0; i < sizeof chains / sizeof chains[0]; i++) {
        parts c = *p;
        uint8_t *copy = malloc(p->len[chains[i].item] + 1);
        copy[p->len[chains[i].item]] = 0;
        c.item[chains[i].item] = copy;
        if (!CHECK(pem_permute(p->item[chains[i].item], p->len[chains[i].item],
                               swap, 2, copy))) {
            free(copy);
            continue;
        }
        ta_tdx_collateral *sw = build(&c);
        if (CHECK(sw != NULL)) {
            run res = verify(q, qlen, sw, T_V4, NULL, chains[i].check);
            printf("# %s swapped -> %s\n", part_files[chains[i].item],
                   res.first);
            EXPECT_FAIL_AT(res, chains[i].check);
            CHECK(strstr(res.detail, "wrong order") != NULL);
            ta_tdx_collateral_free(sw);
        }
        free(copy);
    }

    /* Duplicated, dropped or extra certificates in an issuer chain fail
     * its check too. */
    static const struct { size_t pick[3], n; } picks[] = {
        {{0, 0, 0}, 2}, {{1, 1, 0}, 2}, {{0, 0, 0}, 1}, {{1, 0, 0}, 1},
        {{0, 1, 1}, 3}, {{0, 0, 1}, 3}, {{0, 1, 0}, 3},
    };
    for (size_t i = 0; i < sizeof chains / sizeof chains[0]; i++) {
        for (size_t k = 0; k < sizeof picks / sizeof picks[0]; k++) {
            parts c = *p;
            size_t il = p->len[chains[i].item];
            uint8_t *copy = calloc(1, 2 * il + 1);
            size_t n = pem_pick(p->item[chains[i].item], il, 2, picks[k].pick,
                                picks[k].n, copy);
            if (!CHECK(n > 0)) {
                free(copy);
                continue;
            }
            c.item[chains[i].item] = copy;
            c.len[chains[i].item] = n;
            ta_tdx_collateral *bad = build(&c);
            if (CHECK(bad != NULL)) {
                run res = verify(q, qlen, bad, T_V4, NULL, chains[i].check);
                EXPECT_FAIL_AT(res, chains[i].check);
                ta_tdx_collateral_free(bad);
            }
            free(copy);
        }
    }

    /* The PCK CRL issuer chain must name the CRL's CA: the TCB Info
     * issuer chain in its place fails; without it the CRL still
     * verifies with the PCK chain's intermediate (it is optional). */
    parts c = *p;
    c.item[P_PCK_CRL_CHAIN] = p->item[P_TCB_CHAIN];
    c.len[P_PCK_CRL_CHAIN] = p->len[P_TCB_CHAIN];
    ta_tdx_collateral *other = build(&c);
    if (CHECK(other != NULL)) {
        run res = verify(q, qlen, other, T_V4, NULL, "tdx.crl.pck");
        EXPECT_FAIL_AT(res, "tdx.crl.pck");
        ta_tdx_collateral_free(other);
    }
    c.item[P_PCK_CRL_CHAIN] = NULL;
    c.len[P_PCK_CRL_CHAIN] = 0;
    other = build(&c);
    if (CHECK(other != NULL)) {
        CHECK(verify(q, qlen, other, T_V4, NULL, NULL).verified);
        ta_tdx_collateral_free(other);
    }
}

int main(void)
{
    teeattest_error err = TEEATTEST_ERROR_INIT;
    if (teeattest_ctx_new(&ctx, NULL, &err) != TEEATTEST_OK) {
        printf("Bail out! %s\n", err.message);
        return 1;
    }
    size_t qlen;
    uint8_t *q = ta_test_read_file(
        ta_test_fixture("tdx/dcapqvl_v4_uptodate/quote.bin"), &qlen);
    parts p;
    if (!q || !parts_load(&p, "dcapqvl_v4_uptodate")) {
        printf("Bail out! fixtures not found\n");
        return 1;
    }
    ta_tdx_collateral *col = build(&p);
    if (CHECK(col != NULL)) {
        test_quote_tamper(q, qlen, col);
        test_collateral_tamper(q, qlen, &p);
        test_time_window(q, qlen, col);
        test_wrong_root(q, qlen, col);
        test_policy(q, qlen, col);
        test_min_tcb_eval(q, qlen, col, &p);
        test_chain_order(q, qlen, col, &p);
        /* truncated quotes at every length through the whole verifier */
        int passed = 0;
        for (size_t n = 0; n < qlen - 70; n += 1) {
            uint8_t *c = malloc(n ? n : 1);
            memcpy(c, q, n);
            ta_tdx_outcome out;
            ta_tdx_verify(ctx, c, n, col, T_V4, NULL, NULL, &out, NULL);
            passed += out.all_passed;
            ta_tdx_outcome_free(ctx, &out);
            free(c);
        }
        CHECK_EQ_INT(passed, 0);
    }
    test_outofdate_accepted();
    test_tcb_behind();
    test_fmspc_mismatch();
    test_crl_encodings();
    test_backend(q, qlen);
    test_loader_errors();
    ta_tdx_collateral_free(col);
    parts_free(&p);
    free(q);
    teeattest_ctx_free(ctx);
    return ta_test_done();
}
