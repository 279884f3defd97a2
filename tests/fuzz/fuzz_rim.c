/*
 * Fuzz target: NVIDIA RIM documents (internal lib/gpu/rim.h; this target is
 * white-box, linked against the internal library). The input is a RIM
 * document. It goes through ta_rim_parse() (safe XML, XMLDSig profile,
 * C14N 1.1), and when it parses through the digest, signature and chain
 * checks, the golden comparison against a fixed synthetic GPU, and
 * ta_rim_verify_append() as both the driver and the VBIOS RIM.
 *
 * Invariants (abort on violation): the counting allocator has no block left
 * at the end; a failed parse returns NULL with teeattest_error filled; a
 * parsed RIM has a non-empty colloquialVersion, 1..254 measurements with
 * indexes below TA_RIM_MAX_INDEX, digest lengths matching their algorithm;
 * the checks return only their documented codes; the appended checklist
 * has the ten documented names and a verdict consistent with them.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "fuzz.h"

#include "crypto/crypto.h"
#include "gpu/rim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_heap heap;
    teeattest_ctx *ctx = fuzz_ctx_new(&heap);
    teeattest_error e;
    fuzz_err_reset(&e);
    ta_rim *rim = (ta_rim *)1;
    int rc = ta_rim_parse(ctx, data, size, &rim, &e);
    fuzz_err_check(rc, &e);
    FUZZ_CHECK(rc != TEEATTEST_E_NOMEM && rc != TEEATTEST_E_INTERNAL);
    if (rc != TEEATTEST_OK) {
        FUZZ_CHECK(rim == NULL);
    } else {
        FUZZ_CHECK(rim != NULL);
        FUZZ_CHECK(rim->colloquial_version && rim->colloquial_version[0]);
        FUZZ_CHECK(rim->n_meas >= 1 && rim->n_meas <= 2 * TA_RIM_MAX_INDEX);
        for (size_t i = 0; i < rim->n_meas; i++) {
            FUZZ_CHECK(rim->meas[i].index < TA_RIM_MAX_INDEX);
            FUZZ_CHECK(rim->meas[i].n_alt >= 1 &&
                       rim->meas[i].n_alt <= TA_RIM_MAX_ALTERNATIVES);
            FUZZ_CHECK(rim->meas[i].size >= 1 &&
                       rim->meas[i].size <= TA_RIM_MAX_VALUE);
        }
        FUZZ_CHECK(rim->digest_len == ta_hash_len(rim->digest_alg));
        FUZZ_CHECK(rim->sig_len == 96 && rim->n_certs >= 1);
        rc = ta_rim_check_digest(rim);
        FUZZ_CHECK(rc == TEEATTEST_OK || rc == TEEATTEST_E_VERIFY_FAILED);
        rc = ta_rim_check_signature(rim, NULL);
        FUZZ_CHECK(rc == TEEATTEST_OK || rc == TEEATTEST_E_VERIFY_FAILED ||
                   rc == TEEATTEST_E_PARSE);
        uint32_t flags = 0;
        rc = ta_rim_check_chain(rim, NULL, 0, 1761307200, &flags, NULL, NULL);
        FUZZ_CHECK((rc == TEEATTEST_OK) == (flags == 0));
        FUZZ_CHECK(rc == TEEATTEST_OK || rc == TEEATTEST_E_CERT_CHAIN);
        ta_rim_free(rim);
    }

    /* A synthetic GPU: blocks 1..64 present, 48 bytes each. */
    static uint8_t values[64][48];
    ta_rim_block blocks[64];
    for (int i = 0; i < 64; i++) {
        memset(values[i], i, sizeof values[i]);
        blocks[i].present = i != 40;
        blocks[i].value = values[i];
        blocks[i].len = i == 41 ? 32 : 48;
    }
    ta_rim_verify_in in;
    memset(&in, 0, sizeof in);
    in.driver_xml = data;
    in.driver_len = size;
    in.vbios_xml = data;
    in.vbios_len = size;
    in.runtime.blocks = blocks;
    in.runtime.count = 64;
    in.runtime.nvdec0_status = size & 1 ? 0x55 : 0xAA;
    in.runtime.driver_version = "550.90.07";
    in.runtime.vbios_version = "96.00.9F.00.01";
    in.at = 1761307200; /* 2025-10-24T12:00:00Z */
    in.required = true;
    teeattest_result *res = NULL;
    FUZZ_CHECK(ta_result_new(ctx, &res) == TEEATTEST_OK);
    ta_rim_verify_out out;
    fuzz_err_reset(&e);
    rc = ta_rim_verify_append(ctx, res, 7, &in, &out, &e);
    FUZZ_CHECK(rc == TEEATTEST_OK);
    FUZZ_CHECK(teeattest_result_check_count(res) == 10);
    static const char *const names[] = {
        "gpu[7].rim.driver.signature", "gpu[7].rim.driver.digest",
        "gpu[7].rim.driver.chain", "gpu[7].rim.driver.version",
        "gpu[7].rim.driver.measurements", "gpu[7].rim.vbios.signature",
        "gpu[7].rim.vbios.digest", "gpu[7].rim.vbios.chain",
        "gpu[7].rim.vbios.version", "gpu[7].rim.vbios.measurements"};
    bool all_pass = true;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        int32_t o = 0;
        FUZZ_CHECK(teeattest_result_find_check(res, names[i], &o, NULL, NULL) ==
                   TEEATTEST_OK);
        if (o != TEEATTEST_OUTCOME_PASS)
            all_pass = false;
    }
    /* The same document as driver and VBIOS RIM always conflicts, and no
     * synthetic input chains to NVIDIA's root: never all passed. */
    FUZZ_CHECK(!out.all_passed && !all_pass);
    FUZZ_CHECK(ta_result_finish(res, NULL) == TEEATTEST_OK);
    FUZZ_CHECK(teeattest_result_verdict(res) == TEEATTEST_VERDICT_FAILED);
    fuzz_exercise_result(res);
    teeattest_result_free(res);
    fuzz_ctx_done(ctx, &heap);
    return 0;
}
