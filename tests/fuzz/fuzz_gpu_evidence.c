/*
 * Fuzz target: NVIDIA GPU evidence (internal lib/gpu/gpu.h; white-box,
 * linked against the internal library). The input goes through the SPDM
 * report parser, the PEM chain parser, the payload container parser and
 * the whole local verification; a report that parses is also wrapped into
 * a payload (base64 and hex) and verified, and its derived ids computed.
 *
 * Invariants (abort on violation): the counting allocator has no block left
 * at the end; failures fill teeattest_error and leave outputs empty; a
 * parsed report has 1..64 unique blocks whose values lie inside the report,
 * opaque fields inside the opaque data, the signature as its last 96 bytes;
 * local verification never returns an error for well-formed arguments.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "fuzz.h"

#include "gpu/gpu.h"

static const uint8_t fuzz_nonce[32] = {1, 2, 3};

static bool inside(const ta_gpu_spdm *s, const uint8_t *p, size_t n)
{
    return p >= s->raw && n <= s->len && (size_t)(p - s->raw) <= s->len - n;
}

static void verify_payload(teeattest_ctx *ctx, const char *doc, size_t len)
{
    teeattest_result *r = NULL;
    FUZZ_CHECK(ta_result_new(ctx, &r) == TEEATTEST_OK);
    ta_gpu_outcome o;
    teeattest_error e;
    fuzz_err_reset(&e);
    int rc = ta_gpu_verify_local(ctx, (const uint8_t *)doc, len, fuzz_nonce, 32,
                                 1, 1761307200, r, &o, &e);
    fuzz_err_check(rc, &e);
    FUZZ_CHECK(rc == TEEATTEST_OK);
    FUZZ_CHECK(o.n <= TA_GPU_MAX_GPUS);
    for (size_t i = 0; i < o.n; i++)
        FUZZ_CHECK(!o.gpus[i].signature_ok || o.gpus[i].spdm.raw);
    ta_result_finish(r, NULL);
    /* Nothing in the input carries the right key: never verified. */
    FUZZ_CHECK(teeattest_result_verdict(r) == TEEATTEST_VERDICT_FAILED);
    FUZZ_CHECK(!o.all_passed);
    ta_gpu_outcome_free(&o);
    teeattest_result_free(r);
}

static void exercise_report(teeattest_ctx *ctx, const ta_gpu_spdm *s)
{
    FUZZ_CHECK(s->n_blocks >= 1 && s->n_blocks <= TA_GPU_MAX_BLOCKS);
    FUZZ_CHECK(s->n_blocks == s->number_of_blocks);
    for (size_t i = 0; i < s->n_blocks; i++) {
        const ta_gpu_block *b = &s->blocks[i];
        FUZZ_CHECK(b->index >= 1 && b->index < 0xFF);
        FUZZ_CHECK(inside(s, b->value, b->value_size));
        FUZZ_CHECK(ta_gpu_spdm_block(s, b->index) == b);
    }
    FUZZ_CHECK(inside(s, s->requester_nonce, 32));
    FUZZ_CHECK(inside(s, s->responder_nonce, 32));
    FUZZ_CHECK(inside(s, s->opaque, s->opaque_len));
    FUZZ_CHECK(s->signature == s->raw + s->len - TA_GPU_SIG_LEN);
    FUZZ_CHECK(s->signed_len == s->len - TA_GPU_SIG_LEN);
    for (unsigned id = 0; id <= TA_GPU_OPAQUE_MAX_ID; id++) {
        const ta_gpu_opaque_field *f = &s->fields[id];
        if (!f->present)
            continue;
        FUZZ_CHECK(id >= 1);
        FUZZ_CHECK(f->value >= s->opaque &&
                   f->value + f->len <= s->opaque + s->opaque_len);
    }
    FUZZ_CHECK(strlen(s->vbios_version) == 0 || strlen(s->vbios_version) == 14);
    char id[TA_GPU_RIM_ID_MAX];
    for (int a = 0; a <= 2; a++) {
        int rc = ta_gpu_driver_rim_id(s, (ta_gpu_arch)a, id, sizeof id);
        FUZZ_CHECK(rc == TEEATTEST_OK || rc == TEEATTEST_E_FIELD_MISSING ||
                   rc == TEEATTEST_E_PARSE || rc == TEEATTEST_E_INVALID_ARG ||
                   rc == TEEATTEST_E_BUFFER_TOO_SMALL);
        FUZZ_CHECK(rc == TEEATTEST_OK || id[0] == 0);
    }
    int rc = ta_gpu_vbios_rim_id(s, id, sizeof id);
    FUZZ_CHECK(rc == TEEATTEST_OK || id[0] == 0);

    /* Wrapped into a payload, base64 and hex, with a chain that is no
     * certificate. */
    char *b = ta_malloc(ctx, 2 * s->len + 256);
    FUZZ_CHECK(b != NULL);
    static const char pre[] = "{\"evidence_list\":[{\"certificate\":\"LS0t\","
                              "\"evidence\":\"";
    memcpy(b, pre, sizeof pre - 1);
    size_t n = sizeof pre - 1;
    ta_base64_encode(b + n, s->raw, s->len, false);
    n += ta_base64_encoded_len(s->len);
    memcpy(b + n, "\"}]}", 4);
    verify_payload(ctx, b, n + 4);
    n = sizeof pre - 1;
    ta_hex_encode(b + n, s->raw, s->len);
    n += 2 * s->len;
    memcpy(b + n, "\"}]}", 4);
    verify_payload(ctx, b, n + 4);
    ta_free(ctx, b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_heap heap;
    teeattest_ctx *ctx = fuzz_ctx_new(&heap);
    teeattest_error e;

    ta_gpu_spdm s;
    fuzz_err_reset(&e);
    int rc = ta_gpu_spdm_parse(ctx, data, size, &s, &e);
    fuzz_err_check(rc, &e);
    FUZZ_CHECK(rc != TEEATTEST_E_NOMEM && rc != TEEATTEST_E_INTERNAL);
    if (rc == TEEATTEST_OK) {
        FUZZ_CHECK(s.len == size && memcmp(s.raw, data, size) == 0);
        exercise_report(ctx, &s);
        ta_gpu_spdm_free(&s);
    } else {
        FUZZ_CHECK(s.raw == NULL);
    }

    ta_gpu_certs c;
    fuzz_err_reset(&e);
    rc = ta_gpu_certs_parse(ctx, (const char *)data, size, &c, &e);
    fuzz_err_check(rc, &e);
    if (rc == TEEATTEST_OK) {
        FUZZ_CHECK(c.n >= 1 && c.n <= TA_GPU_MAX_CERTS);
        uint8_t fwid[TA_GPU_FWID_LEN];
        int form;
        fuzz_err_reset(&e);
        rc = ta_gpu_leaf_fwid(ctx, c.der[0], c.der_len[0], fwid, &form, &e);
        fuzz_err_check(rc, &e);
        FUZZ_CHECK(rc == TEEATTEST_OK || rc == TEEATTEST_E_NOT_FOUND ||
                   rc == TEEATTEST_E_PARSE);
        FUZZ_CHECK((rc == TEEATTEST_OK) == (form != 0));
        ta_gpu_certs_free(&c);
    } else {
        FUZZ_CHECK(c.n == 0);
    }

    ta_gpu_payload *pl = (ta_gpu_payload *)1;
    fuzz_err_reset(&e);
    rc = ta_gpu_payload_parse(ctx, data, size, &pl, &e);
    fuzz_err_check(rc, &e);
    if (rc == TEEATTEST_OK) {
        FUZZ_CHECK(pl && pl->n >= 1 && pl->n <= TA_GPU_MAX_GPUS);
        ta_gpu_payload_free(pl);
        verify_payload(ctx, (const char *)data, size);
    } else {
        FUZZ_CHECK(pl == NULL);
    }

    fuzz_ctx_done(ctx, &heap);
    return 0;
}
