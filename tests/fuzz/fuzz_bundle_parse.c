/*
 * Fuzz target: teeattest_bundle_parse() on arbitrary bytes (versions 1
 * and 2, the capture file). When a bundle parses: its getters (the
 * version 2 items and Sigstore bundles too; an E2EE record is seen in
 * the written JSON), verification (offline, at
 * the bundle's time) and
 * the round trip: the JSON it writes parses again and writes the same
 * bytes (a bundle written by this library is a fixed point).
 *
 * Invariants checked (fuzz.h for the common ones): failures return NULL
 * and fill teeattest_error; the report keeps the exact bytes of the
 * "report" member's value; no TEEATTEST_E_NOMEM/_INTERNAL (the allocator
 * never fails); nothing is left allocated.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "fuzz.h"

static void exercise_bundle(teeattest_ctx *ctx, teeattest_bundle *b)
{
    FUZZ_CHECK(teeattest_bundle_ref(b) == b);
    teeattest_bundle_free(b);
    FUZZ_CHECK(teeattest_bundle_report(b) != NULL);
    FUZZ_CHECK(teeattest_bundle_evidence(b) != NULL);
    uint8_t nonce[TEEATTEST_NONCE_SIZE];
    int rc = teeattest_bundle_nonce(b, nonce, TEEATTEST_NONCE_SIZE, NULL);
    FUZZ_CHECK(rc == TEEATTEST_OK || rc == TEEATTEST_E_NOT_FOUND);
    FUZZ_CHECK(teeattest_bundle_time(b) >= 0);
    const uint8_t *rq, *rs;
    size_t rql, rsl;
    rc = teeattest_bundle_exchange(b, &rq, &rql, &rs, &rsl, NULL);
    FUZZ_CHECK(rc == TEEATTEST_OK || rc == TEEATTEST_E_NOT_FOUND);

    /* Version 2 items: JSON objects within their kind's limit, in a
     * bundle written as version 2 exactly when it holds any. */
    static const int32_t kinds[] = {TEEATTEST_BUNDLE_ACI_RECEIPT,
                                    TEEATTEST_BUNDLE_ACI_SESSION};
    size_t items = 0;
    for (size_t k = 0; k < 2; k++) {
        size_t n = teeattest_bundle_item_count(b, kinds[k]);
        FUZZ_CHECK(n <= TEEATTEST_BUNDLE_ITEMS_MAX);
        items += n;
        for (size_t i = 0; i <= n; i++) {
            const uint8_t *d = NULL;
            size_t dl = 0;
            rc = teeattest_bundle_item(b, kinds[k], i, &d, &dl, NULL);
            FUZZ_CHECK(i < n ? rc == TEEATTEST_OK && d != NULL &&
                                   dl <= (k ? 16u << 20 : 1u << 20)
                             : rc == TEEATTEST_E_NOT_FOUND);
        }
    }
    /* Version 2's Sigstore bundles, in the evidence: at most 64, each 1
     * byte to 4 MiB, no two the same bytes. */
    const teeattest_evidence *ev = teeattest_bundle_evidence(b);
    size_t nss = teeattest_evidence_sigstore_bundle_count(ev);
    FUZZ_CHECK(nss <= 64);
    for (size_t i = 0; i <= nss; i++) {
        const uint8_t *d = NULL;
        size_t dl = 0;
        rc = teeattest_evidence_sigstore_bundle(ev, i, &d, &dl, NULL);
        FUZZ_CHECK(i < nss ? rc == TEEATTEST_OK && d != NULL && dl > 0 &&
                                 dl <= 4u << 20
                           : rc == TEEATTEST_E_NOT_FOUND);
        for (size_t k = 0; i < nss && k < i; k++) {
            const uint8_t *o = NULL;
            size_t ol = 0;
            FUZZ_CHECK(teeattest_evidence_sigstore_bundle(ev, k, &o, &ol,
                                                          NULL) ==
                       TEEATTEST_OK);
            FUZZ_CHECK(ol != dl || memcmp(o, d, dl) != 0);
        }
    }
    /* Version 2 also for an E2EE record (aci.e2ee; checked below). */
    int32_t version = teeattest_bundle_version(b);
    FUZZ_CHECK(version == 2 || (version == 1 && !items && !nss));

    teeattest_error e;
    fuzz_err_reset(&e);
    teeattest_result *res = NULL;
    rc = teeattest_bundle_verify(ctx, &res, b, NULL, &e);
    fuzz_err_check(rc, &e);
    FUZZ_CHECK(rc == TEEATTEST_OK);
    fuzz_exercise_result(res);
    teeattest_result_free(res);

    const char *j1 = NULL;
    size_t l1 = 0;
    fuzz_err_reset(&e);
    rc = teeattest_bundle_to_json(b, &j1, &l1, &e);
    fuzz_err_check(rc, &e);
    /* Collateral that did not load cannot be written back. */
    FUZZ_CHECK(rc == TEEATTEST_OK || rc == TEEATTEST_E_PARSE);
    if (rc)
        return;
    FUZZ_CHECK(j1[l1] == '\0');
    FUZZ_CHECK(version == 1 || items || nss ||
               strstr(j1, ",\"e2ee\":{\"algo\":") != NULL);
    teeattest_bundle *b2 = NULL;
    fuzz_err_reset(&e);
    rc = teeattest_bundle_parse(ctx, &b2, (const uint8_t *)j1, l1, &e);
    fuzz_err_check(rc, &e);
    FUZZ_CHECK(rc == TEEATTEST_OK);
    const char *j2 = NULL;
    size_t l2 = 0;
    FUZZ_CHECK(teeattest_bundle_to_json(b2, &j2, &l2, NULL) == TEEATTEST_OK);
    FUZZ_CHECK(l1 == l2 && memcmp(j1, j2, l1) == 0);
    const uint8_t *r1, *r2;
    size_t n1, n2;
    teeattest_report_raw(teeattest_bundle_report(b), &r1, &n1);
    teeattest_report_raw(teeattest_bundle_report(b2), &r2, &n2);
    FUZZ_CHECK(n1 == n2 && memcmp(r1, r2, n1) == 0);
    teeattest_bundle_free(b2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_heap heap;
    teeattest_ctx *ctx = fuzz_ctx_new(&heap);
    static char sentinel;
    teeattest_bundle *b = (teeattest_bundle *)(void *)&sentinel;
    teeattest_error e;
    fuzz_err_reset(&e);
    int rc = teeattest_bundle_parse(ctx, &b, data, size, &e);
    fuzz_err_check(rc, &e);
    if (rc == TEEATTEST_OK) {
        FUZZ_CHECK(b != NULL &&
                   b != (teeattest_bundle *)(void *)&sentinel);
        exercise_bundle(ctx, b);
        teeattest_bundle_free(b);
    } else {
        FUZZ_CHECK(b == NULL);
        FUZZ_CHECK(rc != TEEATTEST_E_NOMEM && rc != TEEATTEST_E_INTERNAL);
        FUZZ_CHECK(rc != TEEATTEST_E_INVALID_ARG);
    }
    fuzz_ctx_done(ctx, &heap);
    return 0;
}
