/*
 * Benchmark: end-to-end report verification (teeattest_report_verify(),
 * public API) of the NEAR AI direct capture (1 entry, 8 GPUs, NRAS answer
 * and JWKS, Intel collateral, compose manager with its own quote), against
 * the component verifications it cannot avoid, measured in the same run:
 * two teeattest_tdx_verify() calls (the entry's quote and the compose
 * manager's, which costs the same: the entry's quote is verified twice as
 * its stand-in) and one teeattest_gpu_verify() of the payload with the
 * same NRAS answer. The ratio (report / components) is what the binding,
 * event log replay, compose hash and orchestration add.
 *
 * Prints key=value lines: report_per_sec, components_per_sec, ratio
 * (median of 5 rounds). Every iteration checks the verdict.
 *
 *   bench-report [FIXTURE_DIR]   (default: providers/nearai_direct_ed25519_tls)
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "bench.h"
#include "bench-config.h"

#include <teeattest/teeattest.h>

#define AT 1782698797 /* 2026-06-29T02:06:37Z, the capture time */
#define ROUND_NS 1500000000ull
#define ROUNDS 5

static const char nonce_hex[] =
    "541b6523f9446dcd170e67ac8171eb9226bee5e3f192de4900b74f0ef293500b";

typedef struct fix {
    teeattest_ctx *ctx;
    teeattest_report *rep;
    teeattest_evidence *ev;
    teeattest_policy *pol;
    teeattest_collateral *col;
    teeattest_gpu_inputs *gin;
    uint8_t nonce[32];
    const uint8_t *quote, *payload;
    size_t quote_len, payload_len;
} fix;

static int report_once(void *arg)
{
    fix *f = arg;
    teeattest_result *r = NULL;
    int rc = teeattest_report_verify(f->ctx, &r, f->rep, TEEATTEST_ENTRY_ALL,
                                     f->ev, f->pol, f->nonce, 32, NULL);
    int bad = rc || teeattest_result_verdict(r) != TEEATTEST_VERDICT_VERIFIED;
    teeattest_result_free(r);
    return bad;
}

static int components_once(void *arg)
{
    fix *f = arg;
    int bad = 0;
    for (int k = 0; k < 2 && !bad; k++) {
        teeattest_result *r = NULL;
        bad = teeattest_tdx_verify(f->ctx, &r, f->quote, f->quote_len, f->col,
                                   f->pol, NULL) ||
              teeattest_result_verdict(r) != TEEATTEST_VERDICT_VERIFIED;
        teeattest_result_free(r);
    }
    if (!bad) {
        teeattest_result *r = NULL;
        bad = teeattest_gpu_verify(f->ctx, &r, f->payload, f->payload_len,
                                   f->nonce, 32, f->gin, f->pol, NULL) ||
              teeattest_result_verdict(r) != TEEATTEST_VERDICT_VERIFIED;
        teeattest_result_free(r);
    }
    return bad;
}

static void setup(fix *f, const char dir[2048])
{
    memset(f, 0, sizeof *f);
    for (int i = 0; i < 32; i++) {
        unsigned v;
        sscanf(nonce_hex + 2 * i, "%2x", &v);
        f->nonce[i] = (uint8_t)v;
    }
    teeattest_error err = TEEATTEST_ERROR_INIT;
    size_t n, an, jn;
    uint8_t *doc = ta_bench_read_file(dir, "attestation_report.json", &n);
    uint8_t *nras = ta_bench_read_file(dir, "nras_response.json", &an);
    uint8_t *jwks = ta_bench_read_file(dir, "nras_jwks.json", &jn);
    char coldir[4200];
    snprintf(coldir, sizeof coldir, "%s/intel_pcs", dir);
    if (teeattest_ctx_new(&f->ctx, NULL, &err) ||
        teeattest_report_parse(f->ctx, &f->rep, "nearai", doc, n, &err) ||
        teeattest_collateral_load_dir(f->ctx, &f->col, coldir, &err) ||
        teeattest_evidence_new(f->ctx, &f->ev, &err) ||
        teeattest_evidence_add_collateral(f->ev, f->col, &err) ||
        teeattest_evidence_set(f->ev, TEEATTEST_EVIDENCE_NRAS_RESPONSE, 0, nras,
                               an, &err) ||
        teeattest_gpu_inputs_add(teeattest_evidence_gpu_inputs(f->ev),
                                 TEEATTEST_GPU_ITEM_JWKS, NULL, jwks, jn,
                                 &err) ||
        teeattest_gpu_inputs_new(f->ctx, &f->gin, &err) ||
        teeattest_gpu_inputs_add(f->gin, TEEATTEST_GPU_ITEM_NRAS_RESPONSE, NULL,
                                 nras, an, &err) ||
        teeattest_gpu_inputs_add(f->gin, TEEATTEST_GPU_ITEM_JWKS, NULL, jwks,
                                 jn, &err) ||
        teeattest_policy_new(f->ctx, &f->pol, &err) ||
        teeattest_policy_set_time(f->pol, AT, NULL) ||
        teeattest_report_entry_get(f->rep, 0, TEEATTEST_ENTRY_QUOTE, &f->quote,
                                   &f->quote_len, NULL) ||
        teeattest_report_entry_get(f->rep, 0, TEEATTEST_ENTRY_GPU_PAYLOAD,
                                   &f->payload, &f->payload_len, NULL)) {
        fprintf(stderr, "error: setup: %s\n", err.message);
        exit(TA_BENCH_EXIT_INPUT);
    }
    free(doc);
    free(nras);
    free(jwks);
    /* The TLS binding is skipped (no connection key): not part of the
     * figure, and the verdict is still verified. */
}

int main(int argc, char **argv)
{
    char dir[2048];
    snprintf(dir, sizeof dir, "%s",
             argc > 1 ? argv[1] : TA_BENCH_REPORT_FIXTURE_DIR);
    fix f;
    setup(&f, dir);
    if (report_once(&f) || components_once(&f)) {
        fprintf(stderr, "error: a verification does not verify\n");
        return TA_BENCH_EXIT_FAILED;
    }
    double rep[ROUNDS], comp[ROUNDS], ratio[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
        rep[r] = ta_bench_measure("report", report_once, &f, ROUND_NS, 1);
        comp[r] = ta_bench_measure("components", components_once, &f, ROUND_NS,
                                   1);
        ratio[r] = comp[r] / rep[r]; /* time(report) / time(components) */
    }
    printf("report_per_sec=%.2f (%.1f ms, 1 entry, 8 GPUs, NRAS)\n",
           ta_bench_best(rep, ROUNDS), 1e3 / ta_bench_best(rep, ROUNDS));
    printf("components_per_sec=%.2f (2 TDX quotes + GPU evidence)\n",
           ta_bench_best(comp, ROUNDS));
    printf("ratio=%.3f\n", ta_bench_median(ratio, ROUNDS));
    teeattest_gpu_inputs_free(f.gin);
    teeattest_collateral_free(f.col);
    teeattest_policy_free(f.pol);
    teeattest_evidence_free(f.ev);
    teeattest_report_free(f.rep);
    teeattest_ctx_free(f.ctx);
    return 0;
}
