/*
 * Fuzz target (white-box, internal API): the TDX quote parser
 * (lib/tdx/quote.c) and the whole DCAP verifier (lib/tdx/verify.c) on it.
 *
 * Input: a quote. It is parsed and its header judged; when it parses,
 * every field lies inside the bytes the parser says belong to the quote,
 * and the quote cut after those bytes parses the same (trailing bytes are
 * ignored). Then ta_tdx_verify() runs with the trust anchor taken from the
 * quote's own PCK chain (its last certificate), so a simulator quote,
 * signed under a TEST PKI, reaches the PCK extension, QE report, binding
 * and quote signature steps; the collateral's items are present but junk.
 * Invariants: never verified (the collateral cannot verify), always the
 * 22 checks plus the override warning, a failed quote parse is a failed
 * tdx.quote.parse, the result accessors and JSON hold, no leak (counting
 * allocator), never NOMEM or INTERNAL, teeattest_error filled exactly on
 * failure.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "fuzz.h"

#include "core/core.h"
#include "tdx/tdx.h"

#define IN(q, p, n) \
    ((p) >= (q).data && (size_t)((p) - (q).data) + (n) <= (q).quote_end)

static void check_layout(const ta_tdx_quote *q, size_t len)
{
    FUZZ_CHECK(q->quote_end <= len && q->len == len);
    FUZZ_CHECK(q->signed_len < q->quote_end);
    FUZZ_CHECK(q->version == 4 || q->version == 5);
    FUZZ_CHECK(q->body_type == TA_TDX_BODY_TD10 ||
               q->body_type == TA_TDX_BODY_TD15);
    FUZZ_CHECK(q->body_size == (q->body_type == TA_TDX_BODY_TD15 ? 648u : 584u));
    FUZZ_CHECK(IN(*q, q->body, q->body_size));
    FUZZ_CHECK((size_t)(q->body - q->data) + q->body_size == q->signed_len);
    FUZZ_CHECK(IN(*q, q->signature, 64) && IN(*q, q->att_key, 64));
    FUZZ_CHECK(IN(*q, q->qe_report, 384) && IN(*q, q->qe_report_sig, 64));
    FUZZ_CHECK(IN(*q, q->qe_auth, q->qe_auth_len));
    FUZZ_CHECK(IN(*q, q->pck_pem, q->pck_pem_len));
    FUZZ_CHECK(q->pck_pem_len <= q->pck_cert_size);
}

/* The DER of the last certificate of the quote's PEM chain, or NULL. */
static uint8_t *chain_top(teeattest_ctx *ctx, const ta_tdx_quote *q,
                          size_t *len)
{
    ta_x509_chain *chain = NULL;
    uint8_t *der = NULL;
    int rc = ta_x509_chain_parse(ctx, &chain, q->pck_pem, q->pck_pem_len,
                                 NULL);
    FUZZ_CHECK(rc != TEEATTEST_E_NOMEM);
    if (rc == TEEATTEST_OK) {
        ta_der top = ta_x509_der(
            ta_x509_chain_get(chain, ta_x509_chain_len(chain) - 1));
        der = ta_malloc(ctx, top.len);
        FUZZ_CHECK(der != NULL);
        memcpy(der, top.p, top.len);
        *len = top.len;
    }
    ta_x509_chain_free(chain);
    return der;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > TA_TDX_QUOTE_MAX_LEN)
        return 0;
    fuzz_heap heap;
    teeattest_ctx *ctx = fuzz_ctx_new(&heap);

    /* An exact-size copy, so ASan sees any read past the end. */
    uint8_t *buf = malloc(size ? size : 1);
    FUZZ_CHECK(buf != NULL);
    if (size)
        memcpy(buf, data, size);

    ta_tdx_quote q;
    teeattest_error e;
    fuzz_err_reset(&e);
    int rc = ta_tdx_quote_parse(&q, buf, size, &e);
    fuzz_err_check(rc, &e);
    FUZZ_CHECK(rc == TEEATTEST_OK || rc == TEEATTEST_E_PARSE ||
               rc == TEEATTEST_E_LENGTH || rc == TEEATTEST_E_UNSUPPORTED);
    bool parsed = rc == TEEATTEST_OK;
    uint8_t *root = NULL;
    size_t root_len = 0;
    if (parsed) {
        check_layout(&q, size);
        fuzz_err_reset(&e);
        int hrc = ta_tdx_quote_check_header(&q, &e);
        fuzz_err_check(hrc, &e);
        /* the bytes after the quote change nothing */
        ta_tdx_quote q2;
        FUZZ_CHECK(ta_tdx_quote_parse(&q2, buf, q.quote_end, NULL) ==
                   TEEATTEST_OK);
        FUZZ_CHECK(q2.signed_len == q.signed_len &&
                   q2.pck_pem == q.pck_pem &&
                   q2.pck_pem_len == q.pck_pem_len &&
                   q2.quote_end == q.quote_end);
        root = chain_top(ctx, &q, &root_len);
    }

    /* Present but junk collateral: from_parts accepts it (each item
     * fails its own check at verification). */
    static const uint8_t junk[] = "junk";
    ta_tdx_collateral_parts cp;
    memset(&cp, 0, sizeof cp);
    cp.tcb_info = cp.tcb_info_chain = cp.qe_identity = junk;
    cp.qe_identity_chain = cp.pck_crl = cp.root_ca_crl = junk;
    cp.tcb_info_len = cp.tcb_info_chain_len = cp.qe_identity_len = 4;
    cp.qe_identity_chain_len = cp.pck_crl_len = cp.root_ca_crl_len = 4;
    ta_tdx_collateral *col = NULL;
    FUZZ_CHECK(ta_tdx_collateral_from_parts(ctx, &cp, &col, NULL) ==
               TEEATTEST_OK);

    ta_tdx_policy pol;
    memset(&pol, 0, sizeof pol);
    pol.root_der = root;
    pol.root_der_len = root_len;
    pol.allow_debug = size & 1;
    teeattest_result *r = NULL;
    FUZZ_CHECK(ta_result_new(ctx, &r) == TEEATTEST_OK);
    ta_tdx_outcome out;
    fuzz_err_reset(&e);
    rc = ta_tdx_verify(ctx, buf, size, col, 1750000000, &pol, r, &out, &e);
    fuzz_err_check(rc, &e);
    FUZZ_CHECK(rc == TEEATTEST_OK);
    FUZZ_CHECK(!out.all_passed && out.first_failure != NULL);
    if (!parsed)
        FUZZ_CHECK(strcmp(out.first_failure, "tdx.quote.parse") == 0);
    FUZZ_CHECK(ta_result_finish(r, NULL) == TEEATTEST_OK);
    FUZZ_CHECK(teeattest_result_check_count(r) == 22u + (root ? 1u : 0u));
    FUZZ_CHECK(teeattest_result_verdict(r) == TEEATTEST_VERDICT_FAILED);
    fuzz_exercise_result(r);
    teeattest_result_free(r);
    ta_tdx_outcome_free(ctx, &out);
    ta_tdx_collateral_free(col);
    ta_free(ctx, root);
    free(buf);
    fuzz_ctx_done(ctx, &heap);
    return 0;
}
