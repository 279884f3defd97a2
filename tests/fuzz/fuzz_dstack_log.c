/*
 * Fuzz target (white-box, internal API): the dstack event log parser and
 * what is derived from a parsed log (lib/dstack/eventlog.c). The input is
 * parsed as a log; when it parses, its identity events are extracted and
 * mr_config_id is checked in its v1 and v2 forms against a fixed compose
 * hash; the same bytes are also scanned as an app_compose document.
 * Invariants: no crash, no leak (counting allocator), a failed parse
 * leaves the log empty, counters agree with the events, never NOMEM (the
 * allocator does not fail here), err filled exactly on failure.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "fuzz.h"

#include "dstack/dstack.h"

static const uint8_t fuzz_compose_hash[32] = {
    0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab,
    0xac, 0xad, 0xae, 0xaf, 0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6,
    0xb7, 0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf, 0xc0,
};

static void check_mr_config(teeattest_ctx *ctx, const uint8_t mr[48],
                            const ta_dstack_identity *id)
{
    teeattest_error e;
    fuzz_err_reset(&e);
    ta_mr_config_version v = TA_MR_CONFIG_ZERO;
    int rc = ta_dstack_mr_config_check(ctx, mr, fuzz_compose_hash, id, &v, &e);
    fuzz_err_check(rc, &e);
    FUZZ_CHECK(v == ta_dstack_mr_config_version(mr));
    FUZZ_CHECK(rc == TEEATTEST_OK || rc == TEEATTEST_E_VERIFY_FAILED ||
               rc == TEEATTEST_E_PARSE || rc == TEEATTEST_E_UNSUPPORTED);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_heap heap;
    teeattest_ctx *ctx = fuzz_ctx_new(&heap);
    teeattest_error e;
    fuzz_err_reset(&e);

    ta_dstack_log log;
    int rc = ta_dstack_log_parse(ctx, data, size, &log, &e);
    fuzz_err_check(rc, &e);
    FUZZ_CHECK(rc != TEEATTEST_E_NOMEM && rc != TEEATTEST_E_INTERNAL &&
               rc != TEEATTEST_E_INVALID_ARG);
    if (rc != TEEATTEST_OK) {
        FUZZ_CHECK(log.events == NULL && log.n == 0 && log.n_runtime == 0);
    } else {
        size_t runtime = 0, stripped = 0;
        for (size_t i = 0; i < log.n; i++) {
            const ta_dstack_event *ev = &log.events[i];
            FUZZ_CHECK(ev->imr < TA_DSTACK_RTMRS && ev->name != NULL);
            FUZZ_CHECK(ev->payload != NULL || ev->payload_len == 0);
            FUZZ_CHECK(ev->version == 1 || ev->version == 2);
            if (ev->type == TA_DSTACK_RUNTIME_EVENT) {
                FUZZ_CHECK(ev->imr == 3 && ev->recomputed);
                runtime++;
                stripped += !ev->digest_supplied;
            } else {
                FUZZ_CHECK(ev->digest_supplied && !ev->recomputed);
            }
        }
        FUZZ_CHECK(runtime == log.n_runtime && stripped == log.n_stripped);

        ta_dstack_identity id;
        fuzz_err_reset(&e);
        rc = ta_dstack_log_identity(&log, &id, &e);
        fuzz_err_check(rc, &e);
        FUZZ_CHECK(rc == TEEATTEST_OK || rc == TEEATTEST_E_PARSE ||
                   rc == TEEATTEST_E_LENGTH);
        if (rc != TEEATTEST_OK)
            FUZZ_CHECK(!id.has_app_id && !id.has_compose_hash &&
                       id.key_provider == NULL);

        uint8_t mr[48] = {1};
        memcpy(mr + 1, fuzz_compose_hash, 32);
        check_mr_config(ctx, mr, &id);
        mr[0] = 2;
        check_mr_config(ctx, mr, &id);
        if (id.has_compose_hash) {
            memcpy(mr + 1, id.compose_hash, 32);
            check_mr_config(ctx, mr, &id);
        }
        /* The 2026 events: the gpu-attestation payload, and a v3
         * MRCONFIGID over the fuzz input as app_compose. */
        FUZZ_CHECK(id.n_init_scripts <= TA_DSTACK_INIT_SCRIPTS_MAX);
        if (id.gpu_attestation_len) {
            ta_dstack_gpu_event ge;
            fuzz_err_reset(&e);
            rc = ta_dstack_gpu_event_parse(id.gpu_attestation,
                                           id.gpu_attestation_len, &ge, &e);
            fuzz_err_check(rc, &e);
            if (rc == TEEATTEST_OK)
                FUZZ_CHECK(ge.version == 2 &&
                           ta_dstack_gpu_evidence_check(ctx, &ge, data, size) !=
                               TEEATTEST_E_INVALID_ARG);
        }
        /* The fuzz input as a gpu_attestation document: the GPUs it
         * attested (claims[].ueid) against two serials. */
        {
            const char *serials[2] = {
                "1", "457723480349051719100670602112458195243836813799"};
            size_t missing, first, claims;
            rc = ta_dstack_gpu_attested_devices(data, size, serials, 2,
                                                &missing, &first, &claims);
            FUZZ_CHECK(rc == TEEATTEST_E_PARSE ||
                       (rc == TEEATTEST_OK && missing <= 2 &&
                        (missing ? first < 2 : first == 2) && claims >= 1));
        }
        mr[0] = 3;
        char *doc = NULL;
        fuzz_err_reset(&e);
        rc = ta_dstack_mr_config_v3_check(ctx, mr, &id, data, size, &doc, &e);
        fuzz_err_check(rc, &e);
        FUZZ_CHECK(rc != TEEATTEST_OK || doc != NULL);
        ta_free(ctx, doc);
        ta_dstack_log_free(ctx, &log);
        FUZZ_CHECK(log.events == NULL && log.n == 0);
    }

    uint8_t imgs[4][32];
    size_t n = 0, unpinned = 0;
    fuzz_err_reset(&e);
    rc = ta_dstack_compose_images(data, size, imgs, 4, &n, &unpinned, &e);
    fuzz_err_check(rc, &e);
    FUZZ_CHECK(rc == TEEATTEST_OK || rc == TEEATTEST_E_JSON ||
               rc == TEEATTEST_E_TOO_LARGE);
    if (rc == TEEATTEST_OK) {
        /* Duplicates are removed, so stored digests are distinct. */
        for (size_t i = 0; i < n && i < 4; i++)
            for (size_t j = i + 1; j < n && j < 4; j++)
                FUZZ_CHECK(memcmp(imgs[i], imgs[j], 32) != 0);
        size_t n0 = 0;
        FUZZ_CHECK(ta_dstack_compose_images(data, size, NULL, 0, &n0, NULL,
                                            NULL) == TEEATTEST_OK);
        FUZZ_CHECK(n0 == n);
    } else {
        FUZZ_CHECK(n == 0 && unpinned == 0);
    }

    fuzz_ctx_done(ctx, &heap);
    return 0;
}
