/*
 * Fuzz target: teeattest_report_verify() on arbitrary documents, offline.
 * The input is a report document (parsed as "auto"); it is verified over
 * all entries with a fixed nonce, at a fixed time, with an empty evidence
 * object and, from the second byte's low bit, the TLS key "fuzz-spki" and
 * the policy flags (require TLS, allow server nonce / unbound key,
 * require event log, no GPU), so every binding layout, the event log
 * replay, the compose checks and the GPU evidence parser see untrusted
 * bytes.
 *
 * Invariants: no crash, no leak; rc is TEEATTEST_OK; the result is never
 * "verified" (without collateral no quote can verify, whatever the
 * document says: fail closed); every check name is prefixed ("report." or
 * "entry[i]."); the result renders as JSON.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "fuzz.h"

static const uint8_t fuzz_nonce[32] = {
    0x54, 0x1b, 0x65, 0x23, 0xf9, 0x44, 0x6d, 0xcd, 0x17, 0x0e, 0x67,
    0xac, 0x81, 0x71, 0xeb, 0x92, 0x26, 0xbe, 0xe5, 0xe3, 0xf1, 0x92,
    0xde, 0x49, 0x00, 0xb7, 0x4f, 0x0e, 0xf2, 0x93, 0x50, 0x0b,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t flags = data[0];
    fuzz_heap heap;
    teeattest_ctx *ctx = fuzz_ctx_new(&heap);
    teeattest_report *rep = NULL;
    if (teeattest_report_parse(ctx, &rep, "auto", data + 1, size - 1, NULL) !=
        TEEATTEST_OK) {
        fuzz_ctx_done(ctx, &heap);
        return 0;
    }
    teeattest_evidence *ev = NULL;
    teeattest_policy *pol = NULL;
    FUZZ_CHECK(teeattest_evidence_new(ctx, &ev, NULL) == TEEATTEST_OK);
    FUZZ_CHECK(teeattest_policy_new(ctx, &pol, NULL) == TEEATTEST_OK);
    FUZZ_CHECK(teeattest_policy_set_time(pol, 1782698797, NULL) == TEEATTEST_OK);
    if (flags & 1)
        FUZZ_CHECK(teeattest_evidence_set(ev, TEEATTEST_EVIDENCE_TLS_SPKI, 0,
                                          (const uint8_t *)"fuzz-spki", 9,
                                          NULL) == TEEATTEST_OK);
    teeattest_policy_set_require_tls_binding(pol, flags >> 1 & 1, NULL);
    teeattest_policy_set_allow_server_nonce(pol, flags >> 2 & 1, NULL);
    teeattest_policy_set_allow_unbound_key(pol, flags >> 3 & 1, NULL);
    teeattest_policy_set_require_event_log(pol, flags >> 4 & 1, NULL);
    teeattest_policy_set_require_gpu(pol, !(flags >> 5 & 1), NULL);

    teeattest_result *r = NULL;
    teeattest_error e;
    fuzz_err_reset(&e);
    int rc = teeattest_report_verify(ctx, &r, rep, TEEATTEST_ENTRY_ALL, ev, pol,
                                     fuzz_nonce, 32, &e);
    FUZZ_CHECK(rc == TEEATTEST_OK && r != NULL);
    FUZZ_CHECK(teeattest_result_verdict(r) == TEEATTEST_VERDICT_FAILED);
    for (size_t i = 0; i < teeattest_result_check_count(r); i++) {
        const char *name = NULL;
        FUZZ_CHECK(teeattest_result_check(r, i, &name, NULL, NULL, NULL, NULL) ==
                   TEEATTEST_OK);
        FUZZ_CHECK(strncmp(name, "report.", 7) == 0 ||
                   strncmp(name, "entry[", 6) == 0);
    }
    const char *json = NULL;
    size_t len = 0;
    FUZZ_CHECK(teeattest_result_to_json(r, &json, &len, NULL) == TEEATTEST_OK);
    teeattest_result_free(r);
    teeattest_policy_free(pol);
    teeattest_evidence_free(ev);
    teeattest_report_free(rep);
    fuzz_ctx_done(ctx, &heap);
    return 0;
}
