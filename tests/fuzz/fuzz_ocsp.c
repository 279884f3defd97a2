/*
 * Fuzz target for the OCSP code (lib/gpu/ocsp.c, internal API: linked
 * against the internal static library).
 *
 * Input: u16be cert_len ‖ cert DER ‖ u16be issuer_len ‖ issuer DER ‖ the
 * OCSPResponse DER (the rest). Carrying the certificates lets the corpus
 * hold self-consistent synthetic PKIs, so the signature-valid paths are
 * reached, and lets the fuzzer mutate the certificates too.
 *
 * Exercised: ta_ocsp_response_verify() (plain, with a nonce expected, with
 * a CertID hash required, at two times), ta_ocsp_request_build(),
 * ta_ocsp_cert_url(), ta_ocsp_check_append() offline. Invariants: no
 * leak (counting allocator), never NOMEM/INTERNAL, success implies an
 * established status and TA_OCSP_OK, failure implies a message and no
 * status, checks appended are never PASS unless verification succeeded.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "fuzz.h"

#include "core/core.h"
#include "gpu/ocsp.h"

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static int verify_once(teeattest_ctx *ctx, const uint8_t *resp, size_t rl,
                       const uint8_t *cert, size_t cl, const uint8_t *iss,
                       size_t il, const ta_ocsp_verify_opts *o)
{
    ta_ocsp_info info;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    int rc = ta_ocsp_response_verify(ctx, resp, rl, cert, cl, iss, il, o,
                                     &info, &e);
    FUZZ_CHECK(rc != TEEATTEST_E_NOMEM && rc != TEEATTEST_E_INTERNAL);
    if (rc == TEEATTEST_OK) {
        FUZZ_CHECK(info.failure == TA_OCSP_OK);
        FUZZ_CHECK(info.status != TA_OCSP_STATUS_NONE);
        FUZZ_CHECK(info.certid_matched);
        FUZZ_CHECK(info.next_update > o->at);
        FUZZ_CHECK(e.code == 0);
    } else {
        FUZZ_CHECK(info.failure != TA_OCSP_OK);
        FUZZ_CHECK(info.status == TA_OCSP_STATUS_NONE);
        FUZZ_CHECK(e.code == rc);
        FUZZ_CHECK(memchr(e.message, 0, sizeof e.message) != NULL);
        FUZZ_CHECK(e.message[0] != 0);
    }
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    size_t cl = be16(data);
    if (size < 2 + cl + 2)
        return 0;
    const uint8_t *cert = data + 2;
    size_t il = be16(data + 2 + cl);
    if (size < 4 + cl + il)
        return 0;
    const uint8_t *iss = data + 4 + cl;
    const uint8_t *resp = iss + il;
    size_t rl = size - 4 - cl - il;

    fuzz_heap heap;
    teeattest_ctx *ctx = fuzz_ctx_new(&heap);

    /* The synthetic corpus is valid on 2026-01-01. */
    ta_ocsp_verify_opts o;
    memset(&o, 0, sizeof o);
    o.at = 1767268800; /* 2026-01-01T12:00:00Z */
    int ok = verify_once(ctx, resp, rl, cert, cl, iss, il, &o) == TEEATTEST_OK;
    o.certid_hash = TA_OCSP_HASH_SHA1;
    verify_once(ctx, resp, rl, cert, cl, iss, il, &o);
    o.certid_hash = 0;
    uint8_t nonce[32];
    memset(nonce, 0x11, sizeof nonce);
    o.nonce = nonce;
    o.nonce_len = sizeof nonce;
    verify_once(ctx, resp, rl, cert, cl, iss, il, &o);
    o.nonce = NULL;
    o.nonce_len = 0;
    o.at = 1750000000;
    verify_once(ctx, resp, rl, cert, cl, iss, il, &o);

    uint8_t *req = NULL;
    size_t req_len = 0;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    int rc = ta_ocsp_request_build(ctx, cert, cl, iss, il, 0, nonce,
                                   sizeof nonce, &req, &req_len, &e);
    FUZZ_CHECK(rc != TEEATTEST_E_NOMEM && rc != TEEATTEST_E_INTERNAL);
    FUZZ_CHECK(rc == TEEATTEST_OK ? req != NULL && req_len > 0 : req == NULL);
    ta_free(ctx, req);
    char *url = ta_ocsp_cert_url(ctx, cert, cl);
    FUZZ_CHECK(!url || strlen(url) > 0);
    ta_free(ctx, url);

    teeattest_result *r = NULL;
    FUZZ_CHECK(ta_result_new(ctx, &r) == TEEATTEST_OK);
    const uint8_t *chain[2] = {cert, iss};
    size_t lens[2] = {cl, il};
    ta_ocsp_check_opts co;
    memset(&co, 0, sizeof co);
    co.at = 1767268800;
    co.responses = &resp;
    co.response_lens = &rl;
    co.n_responses = 1;
    co.required = true;
    ta_ocsp_summary sum;
    FUZZ_CHECK(ta_ocsp_check_append(ctx, r, "gpu[0].ocsp", chain, lens, 2, 0,
                                    &co, &sum, NULL) == TEEATTEST_OK);
    FUZZ_CHECK(r->n_checks == 1);
    FUZZ_CHECK(sum.good + sum.failed + sum.skipped + sum.warned == 1);
    if (r->checks[0].outcome == TEEATTEST_OUTCOME_PASS)
        FUZZ_CHECK(ok);
    teeattest_result_free(r);

    fuzz_ctx_done(ctx, &heap);
    return 0;
}
