/*
 * The collateral memo (lib/tdx/verify.c): a second verification with the
 * same collateral object ("warm") gives exactly the result of the first
 * ("cold") and of a verification with fresh collateral, on every fixture:
 * same checks in the same order with the same outcomes and details, same
 * facts. Tampered quotes still fail with the same result as with fresh
 * collateral; times outside a window are judged at each verification
 * (nothing time-dependent is remembered); concurrent verifications on one
 * collateral object agree.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <pthread.h>

#include "unit.h"

#include "tdx/tdx.h"

static teeattest_ctx *ctx;

static const char *const cases[] = {
    "automata_gcp_v4_outofdate", "dcapqvl_near_v4_uptodate",
    "dcapqvl_v4_uptodate",       "dcapqvl_v5_no_tcb_level",
    "gcp_cos_v4_uptodate",       "gotdxguest_v4_no_tcb_level",
    "gotdxguest_v5_uptodate",
};

static ta_tdx_collateral *load(const char *name)
{
    char rel[256];
    snprintf(rel, sizeof rel, "tdx/%s", name);
    ta_tdx_collateral *c = NULL;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    if (ta_tdx_collateral_load_dir(ctx, ta_test_fixture(rel), &c, &err) !=
        TEEATTEST_OK)
        printf("# load %s: %s\n", name, err.message);
    return c;
}

static int64_t verify_at(const char *name)
{
    char rel[256];
    snprintf(rel, sizeof rel, "tdx/%s/expected.json", name);
    size_t len = 0;
    char *j = (char *)ta_test_read_file(ta_test_fixture(rel), &len);
    const char *p = j ? strstr(j, "\"verify_at_unix\"") : NULL;
    int64_t t = 0;
    if (p && (p = strchr(p, ':')))
        t = strtoll(p + 1, NULL, 10);
    free(j);
    return t;
}

static teeattest_result *run(const uint8_t *q, size_t len,
                             const ta_tdx_collateral *col, int64_t at)
{
    teeattest_result *r = NULL;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    if (ta_result_new(ctx, &r) != TEEATTEST_OK)
        return NULL;
    if (ta_tdx_verify(ctx, q, len, col, at, NULL, r, NULL, &err) !=
            TEEATTEST_OK ||
        ta_result_finish(r, &err) != TEEATTEST_OK) {
        printf("# verify: %s\n", err.message);
        teeattest_result_free(r);
        return NULL;
    }
    return r;
}

static bool str_eq(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Identical checklists and facts; prints the first difference. */
static bool same(const teeattest_result *a, const teeattest_result *b)
{
    if (!a || !b)
        return false;
    if (a->verdict != b->verdict || a->n_checks != b->n_checks ||
        a->n_facts != b->n_facts) {
        printf("# verdict %d/%d, %zu/%zu checks, %zu/%zu facts\n",
               (int)a->verdict, (int)b->verdict, a->n_checks, b->n_checks,
               a->n_facts, b->n_facts);
        return false;
    }
    for (size_t i = 0; i < a->n_checks; i++) {
        const ta_check *x = &a->checks[i], *y = &b->checks[i];
        if (!str_eq(x->name, y->name) || x->outcome != y->outcome ||
            x->required != y->required || !str_eq(x->detail, y->detail)) {
            printf("# check %zu: %s %d \"%s\" / %s %d \"%s\"\n", i, x->name,
                   (int)x->outcome, x->detail, y->name, (int)y->outcome,
                   y->detail);
            return false;
        }
    }
    for (size_t i = 0; i < a->n_facts; i++) {
        if (!str_eq(a->facts[i].key, b->facts[i].key) ||
            !str_eq(a->facts[i].text, b->facts[i].text)) {
            printf("# fact %zu: %s=%s / %s=%s\n", i, a->facts[i].key,
                   a->facts[i].text, b->facts[i].key, b->facts[i].text);
            return false;
        }
    }
    return true;
}

/* Warm (col, already used) and cold (fresh collateral) agree on q at t. */
static bool warm_equals_cold(const char *name, const uint8_t *q, size_t len,
                             const ta_tdx_collateral *col, int64_t at)
{
    ta_tdx_collateral *fresh = load(name);
    teeattest_result *cold = run(q, len, fresh, at);
    teeattest_result *warm = run(q, len, col, at);
    teeattest_result *warm2 = run(q, len, col, at);
    bool ok = same(cold, warm) && same(cold, warm2);
    teeattest_result_free(cold);
    teeattest_result_free(warm);
    teeattest_result_free(warm2);
    ta_tdx_collateral_free(fresh);
    return ok;
}

typedef struct thread_arg {
    const uint8_t *q;
    size_t len;
    const ta_tdx_collateral *col;
    int64_t at;
    const teeattest_result *want;
    int bad;
} thread_arg;

static void *thread_main(void *p)
{
    thread_arg *a = p;
    for (int i = 0; i < 20; i++) {
        teeattest_result *r = run(a->q, a->len, a->col, a->at);
        if (!same(a->want, r))
            a->bad++;
        teeattest_result_free(r);
    }
    return NULL;
}

static void test_case(const char *name)
{
    printf("# %s\n", name);
    char rel[256];
    snprintf(rel, sizeof rel, "tdx/%s/quote.bin", name);
    size_t len = 0;
    uint8_t *q = ta_test_read_file(ta_test_fixture(rel), &len);
    int64_t at = verify_at(name);
    ta_tdx_collateral *col = load(name);
    if (!CHECK(q && at && col)) {
        free(q);
        ta_tdx_collateral_free(col);
        return;
    }
    /* cold, then warm twice: identical */
    teeattest_result *cold = run(q, len, col, at);
    teeattest_result *warm = run(q, len, col, at);
    teeattest_result *warm2 = run(q, len, col, at);
    CHECK(same(cold, warm));
    CHECK(same(cold, warm2));
    CHECK(atomic_load(&col->memo) != NULL);

    /* concurrent warm verifications on one object (and a fresh object
     * whose memo is filled concurrently) */
    ta_tdx_collateral *shared = load(name);
    const ta_tdx_collateral *objs[2] = {col, shared};
    for (int o = 0; o < 2; o++) {
        pthread_t th[4];
        thread_arg args[4];
        for (int i = 0; i < 4; i++) {
            args[i] = (thread_arg){q, len, objs[o], at, cold, 0};
            pthread_create(&th[i], NULL, thread_main, &args[i]);
        }
        int bad = 0;
        for (int i = 0; i < 4; i++) {
            pthread_join(th[i], NULL);
            bad += args[i].bad;
        }
        CHECK_EQ_INT(bad, 0);
    }
    ta_tdx_collateral_free(shared);

    /* time is judged at each verification */
    const int64_t day = 86400;
    int64_t times[] = {at + 400 * day, at - 400 * day, at + 20 * 365 * day,
                       0, at};
    for (size_t i = 0; i < TA_ARRAY_LEN(times); i++)
        CHECK(warm_equals_cold(name, q, len, col, times[i]));

    /* tampered quotes with a warm collateral */
    ta_tdx_quote pq;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    if (CHECK(ta_tdx_quote_parse(&pq, q, len, &err) == TEEATTEST_OK)) {
        size_t offs[] = {
            30, 48 + 136 + 5, 48 + 520 + 63,
            (size_t)(pq.signature - q) + 5, (size_t)(pq.att_key - q) + 7,
            (size_t)(pq.qe_report - q) + 64, (size_t)(pq.qe_report_sig - q) + 3,
            (size_t)(pq.pck_pem - q) + pq.pck_pem_len / 2,
            (size_t)(pq.pck_pem - q) + pq.pck_pem_len / 5,
        };
        uint8_t *m = malloc(len);
        for (size_t i = 0; i < TA_ARRAY_LEN(offs); i++) {
            memcpy(m, q, len);
            m[offs[i]] ^= 0x01;
            teeattest_result *r = run(m, len, col, at);
            CHECK(r && r->verdict != TEEATTEST_VERDICT_VERIFIED);
            teeattest_result_free(r);
            CHECK(warm_equals_cold(name, m, len, col, at));
        }
        free(m);
    }
    /* and the untampered quote still verifies as before */
    teeattest_result *again = run(q, len, col, at);
    CHECK(same(cold, again));
    teeattest_result_free(again);
    teeattest_result_free(cold);
    teeattest_result_free(warm);
    teeattest_result_free(warm2);
    ta_tdx_collateral_free(col);
    free(q);
}

/* A second trust anchor on the same object is remembered apart. */
static void test_two_anchors(void)
{
    const char *name = "dcapqvl_v4_uptodate";
    char rel[256];
    snprintf(rel, sizeof rel, "tdx/%s/quote.bin", name);
    size_t len = 0, rlen = 0;
    uint8_t *q = ta_test_read_file(ta_test_fixture(rel), &len);
    ta_tdx_collateral *col = load(name);
    ta_tdx_collateral *fresh = load(name);
    /* any other certificate as the anchor: a PCK chain certificate */
    uint8_t *other = ta_test_read_file(
        ta_test_fixture("tdx/dcapqvl_v4_uptodate/tcb_info_issuer_chain.pem"),
        &rlen);
    ta_x509_chain *crt = NULL;
    size_t failed = 0;
    bool parsed = other && ta_x509_chain_parse(ctx, &crt, other, rlen,
                                               &failed) == TEEATTEST_OK &&
                  !failed;
    CHECK(q && col && fresh && parsed);
    if (q && col && fresh && parsed) {
        int64_t at = verify_at(name);
        ta_tdx_policy pol = {0};
        ta_der first = ta_x509_der(ta_x509_chain_get(crt, 0));
        pol.root_der = first.p;
        pol.root_der_len = first.len;
        teeattest_result *good = run(q, len, col, at);
        teeattest_error err = TEEATTEST_ERROR_INIT;
        teeattest_result *r1 = NULL, *r2 = NULL;
        ta_result_new(ctx, &r1);
        ta_result_new(ctx, &r2);
        ta_tdx_verify(ctx, q, len, col, at, &pol, r1, NULL, &err);
        ta_tdx_verify(ctx, q, len, fresh, at, &pol, r2, NULL, &err);
        ta_result_finish(r1, &err);
        ta_result_finish(r2, &err);
        CHECK(r1->verdict != TEEATTEST_VERDICT_VERIFIED);
        CHECK(same(r1, r2));
        teeattest_result *good2 = run(q, len, col, at);
        CHECK(same(good, good2));
        CHECK(good->verdict == TEEATTEST_VERDICT_VERIFIED);
        teeattest_result_free(good);
        teeattest_result_free(good2);
        teeattest_result_free(r1);
        teeattest_result_free(r2);
    }
    ta_x509_chain_free(crt);
    free(other);
    free(q);
    ta_tdx_collateral_free(col);
    ta_tdx_collateral_free(fresh);
}

static int n_ecdsa;

static int count_ecdsa(void *ud, int32_t curve, const uint8_t *pub,
                       size_t pub_len, const uint8_t *digest, size_t dlen,
                       const uint8_t *sig, size_t sig_len)
{
    (void)ud, (void)curve, (void)pub, (void)pub_len, (void)digest;
    (void)dlen, (void)sig, (void)sig_len;
    n_ecdsa++;
    return TEEATTEST_E_PASSTHROUGH;
}

/* Warm, only the quote's two signatures are verified (QE report, quote);
 * cold, also the CRLs' and the documents' (4 more). */
static void test_warm_ecdsa_count(void)
{
    teeattest_crypto_backend cb = TEEATTEST_CRYPTO_BACKEND_INIT;
    cb.ecdsa_verify = count_ecdsa;
    teeattest_ctx_options o = TEEATTEST_CTX_OPTIONS_INIT;
    o.crypto = &cb;
    teeattest_ctx *saved = ctx;
    if (!CHECK(teeattest_ctx_new(&ctx, &o, NULL) == TEEATTEST_OK)) {
        ctx = saved;
        return;
    }
    const char *name = "dcapqvl_near_v4_uptodate";
    char rel[256];
    snprintf(rel, sizeof rel, "tdx/%s/quote.bin", name);
    size_t len = 0;
    uint8_t *q = ta_test_read_file(ta_test_fixture(rel), &len);
    ta_tdx_collateral *col = load(name);
    int64_t at = verify_at(name);
    if (CHECK(q && col)) {
        n_ecdsa = 0;
        teeattest_result *r = run(q, len, col, at);
        CHECK(r && r->verdict == TEEATTEST_VERDICT_VERIFIED);
        CHECK_EQ_INT(n_ecdsa, 6);
        teeattest_result_free(r);
        n_ecdsa = 0;
        r = run(q, len, col, at);
        CHECK(r && r->verdict == TEEATTEST_VERDICT_VERIFIED);
        CHECK_EQ_INT(n_ecdsa, 2);
        teeattest_result_free(r);
    }
    free(q);
    ta_tdx_collateral_free(col);
    teeattest_ctx_free(ctx);
    ctx = saved;
}

int main(void)
{
    if (teeattest_ctx_new(&ctx, NULL, NULL) != TEEATTEST_OK)
        return 1;
    for (size_t i = 0; i < TA_ARRAY_LEN(cases); i++)
        test_case(cases[i]);
    test_two_anchors();
    test_warm_ecdsa_count();
    teeattest_ctx_free(ctx);
    return ta_test_done();
}
