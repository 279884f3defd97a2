/*
 * bench-tdx: TDX quote verifications per second on a fixture, cold (a
 * fresh collateral object each time: parse + every check) and warm (one
 * collateral object: the collateral-only checks are remembered in it), and
 * in the same run the cost of the P-256 verifications a warm verification
 * cannot avoid (the QE report signature with the PCK key and the quote
 * signature with the attestation key, each with its SHA-256), through the
 * same crypto dispatch the library uses (ta_sha256 + ta_ecdsa_verify on
 * the context). Prints `ratio=` warm time / ECDSA time (1.0 would mean the
 * library adds nothing around the two signatures; target <= 1.3).
 *
 * With TA_BENCH_DCAPQVL=<dir holding node_modules/@phala/dcap-qvl> and
 * `node` on PATH, the same quote and collateral (dcap-qvl's own JSON form,
 * collateral.json) at the same time are also verified in a warm loop by
 * @phala/dcap-qvl (bench/bench-tdx-dcapqvl.js), in the same run.
 *
 * Usage: bench-tdx [FIXTURE_DIR] [--at=UNIX] [--profile=warm|cold:N]
 * FIXTURE_DIR holds quote.bin, collateral.json (dcap-qvl form) and
 * expected.json (verify_at_unix); default: tdx/dcapqvl_near_v4_uptodate.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "bench.h"
#include "bench-config.h"

#include "teeattest/teeattest.h"
#include "teeattest/tdx.h"

#include "crypto/crypto.h"
#include "tdx/tdx.h"

#define ROUNDS 5
#define ROUND_NS 1000000000ull
#define WARMUP_NS 500000000ull

typedef struct input {
    uint8_t *quote, *col_json;
    size_t quote_len, col_len;
    int64_t at;
} input;

typedef struct arg {
    teeattest_ctx *ctx;
    const input *in;
    teeattest_policy *pol;
    teeattest_collateral *col; /* warm */
    /* the two signatures of the warm path */
    uint8_t pck_pub[65], att_pub[65];
    const uint8_t *qe_report, *qe_sig, *signed_part, *quote_sig;
    size_t signed_len;
} arg;

static int verify_with(arg *a, const teeattest_collateral *col)
{
    teeattest_result *r = NULL;
    int rc = teeattest_tdx_verify(a->ctx, &r, a->in->quote, a->in->quote_len,
                                  col, a->pol, NULL);
    if (!rc && teeattest_result_verdict(r) != TEEATTEST_VERDICT_VERIFIED)
        rc = 1;
    teeattest_result_free(r);
    return rc;
}

static int warm_once(void *p)
{
    arg *a = p;
    return verify_with(a, a->col);
}

static int cold_once(void *p)
{
    arg *a = p;
    teeattest_collateral *col = NULL;
    int rc = teeattest_collateral_parse_json(a->ctx, &col, a->in->col_json,
                                             a->in->col_len, NULL);
    if (!rc)
        rc = verify_with(a, col);
    teeattest_collateral_free(col);
    return rc;
}

static int ecdsa_once(void *p)
{
    arg *a = p;
    uint8_t h[32];
    if (ta_sha256(a->ctx, h, a->qe_report, 384) ||
        ta_ecdsa_verify(a->ctx, TEEATTEST_CURVE_P256, a->pck_pub, 65, h, 32,
                        a->qe_sig, 64) ||
        ta_sha256(a->ctx, h, a->signed_part, a->signed_len) ||
        ta_ecdsa_verify(a->ctx, TEEATTEST_CURVE_P256, a->att_pub, 65, h, 32,
                        a->quote_sig, 64))
        return 1;
    return 0;
}


static void setup_sigs(arg *a)
{
    ta_tdx_quote q;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    if (ta_tdx_quote_parse(&q, a->in->quote, a->in->quote_len, &err)) {
        fprintf(stderr, "error: quote: %s\n", err.message);
        exit(TA_BENCH_EXIT_INPUT);
    }
    a->qe_report = q.qe_report;
    a->qe_sig = q.qe_report_sig;
    a->signed_part = q.data;
    a->signed_len = q.signed_len;
    a->quote_sig = q.signature;
    a->att_pub[0] = 0x04;
    memcpy(a->att_pub + 1, q.att_key, 64);
    ta_x509_chain *chain = NULL;
    bool found = false;
    size_t failed = 0;
    if (ta_x509_chain_parse(a->ctx, &chain, q.pck_pem, q.pck_pem_len,
                            &failed) == TEEATTEST_OK && !failed) {
        for (size_t i = 0; i < ta_x509_chain_len(chain) && !found; i++) {
            const ta_x509 *c = ta_x509_chain_get(chain, i);
            char cn[96];
            ta_x509_cn(c, false, cn, sizeof cn);
            found = strstr(cn, "SGX PCK Certificate") &&
                    ta_x509_ec_point(c, TEEATTEST_CURVE_P256, a->pck_pub,
                                     65) == TEEATTEST_OK;
        }
    }
    ta_x509_chain_free(chain);
    if (!found) {
        fprintf(stderr, "error: no PCK leaf key in the quote\n");
        exit(TA_BENCH_EXIT_INPUT);
    }
}

/* @phala/dcap-qvl on the same inputs, in a node child process. */
static void run_dcapqvl(const char *dir, int64_t at)
{
    const char *mods = getenv("TA_BENCH_DCAPQVL");
    if (!mods || !*mods) {
        printf("dcapqvl=skipped (set TA_BENCH_DCAPQVL to a directory with "
               "node_modules/@phala/dcap-qvl)\n");
        return;
    }
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "NODE_PATH='%s/node_modules' node '%s' '%s/quote.bin' "
             "'%s/collateral.json' %lld 5", mods, TA_BENCH_DCAPQVL_JS, dir,
             dir, (long long)at);
    fflush(stdout);
    FILE *p = popen(cmd, "r");
    char line[512];
    while (p && fgets(line, sizeof line, p))
        fputs(line, stdout);
    if (!p || pclose(p) != 0)
        printf("dcapqvl=failed\n");
}

int main(int argc, char **argv)
{
    const char *dir = TA_BENCH_TDX_FIXTURE_DIR;
    int64_t at = 0;
    const char *profile = NULL;
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "--at=", 5) == 0)
            at = strtoll(argv[i] + 5, NULL, 10);
        else if (strncmp(argv[i], "--profile=", 10) == 0)
            profile = argv[i] + 10;
        else if (argv[i][0] == '-') {
            printf("usage: %s [FIXTURE_DIR] [--at=UNIX] "
                   "[--profile=warm|cold:N]\n", argv[0]);
            return strcmp(argv[i], "--help") ? TA_BENCH_EXIT_INPUT : 0;
        } else
            dir = argv[i];
    }
    input in;
    memset(&in, 0, sizeof in);
    in.quote = ta_bench_read_file(dir, "quote.bin", &in.quote_len);
    in.col_json = ta_bench_read_file(dir, "collateral.json", &in.col_len);
    if (!at) {
        size_t n;
        char *exp = (char *)ta_bench_read_file(dir, "expected.json", &n);
        const char *p = strstr(exp, "\"verify_at_unix\"");
        at = p ? strtoll(strchr(p, ':') + 1, NULL, 10) : 0;
        free(exp);
    }
    in.at = at;

    arg a;
    memset(&a, 0, sizeof a);
    a.in = &in;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    if (teeattest_ctx_new(&a.ctx, NULL, &err) ||
        teeattest_policy_new(a.ctx, &a.pol, &err) ||
        teeattest_policy_set_time(a.pol, at, NULL) ||
        teeattest_collateral_parse_json(a.ctx, &a.col, in.col_json, in.col_len,
                                        &err)) {
        fprintf(stderr, "error: setup: %s\n", err.message);
        return TA_BENCH_EXIT_FAILED;
    }
    setup_sigs(&a);
    /* Correctness first: every measured path must succeed. */
    if (cold_once(&a) || warm_once(&a) || ecdsa_once(&a)) {
        fprintf(stderr, "error: the quote does not verify at %lld\n",
                (long long)at);
        return TA_BENCH_EXIT_FAILED;
    }
    if (profile) {
        long n = strtol(profile + 5, NULL, 10);
        bool warm = strncmp(profile, "warm:", 5) == 0;
        for (long i = 0; i < n; i++)
            if (warm ? warm_once(&a) : cold_once(&a))
                return TA_BENCH_EXIT_FAILED;
        printf("profile_iterations=%ld (%s)\n", n, warm ? "warm" : "cold");
        return 0;
    }

    printf("fixture=%s\n", dir);
    printf("libteeattest=%s\n", teeattest_version_string());
    printf("verify_at=%lld\n", (long long)at);
    printf("quote_bytes=%zu collateral_json_bytes=%zu\n", in.quote_len,
           in.col_len);

    ta_bench_measure("warm-up", warm_once, &a, WARMUP_NS, 4);
    ta_bench_measure("warm-up", ecdsa_once, &a, WARMUP_NS / 2, 4);
    /* Warm verifications and the ECDSA pair alternate two at a time, timed
     * on this thread's CPU clock, so a loaded machine (other processes,
     * frequency changes) weighs on both sides alike. */
    double warm[ROUNDS], ecdsa[ROUNDS], cold[ROUNDS], ratio[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
        uint64_t tw = 0, te = 0, n = 0;
        while (tw + te < ROUND_NS) {
            uint64_t t0 = ta_bench_cpu_ns();
            if (warm_once(&a) || warm_once(&a))
                return TA_BENCH_EXIT_FAILED;
            uint64_t t1 = ta_bench_cpu_ns();
            if (ecdsa_once(&a) || ecdsa_once(&a))
                return TA_BENCH_EXIT_FAILED;
            uint64_t t2 = ta_bench_cpu_ns();
            tw += t1 - t0;
            te += t2 - t1;
            n += 2;
        }
        warm[r] = (double)n * 1e9 / (double)tw;
        ecdsa[r] = (double)n * 1e9 / (double)te;
        ratio[r] = (double)tw / (double)te;
        uint64_t t0 = ta_bench_cpu_ns(), nc = 0;
        while (ta_bench_cpu_ns() - t0 < ROUND_NS / 2) {
            if (cold_once(&a))
                return TA_BENCH_EXIT_FAILED;
            nc++;
        }
        cold[r] = (double)nc * 1e9 / (double)(ta_bench_cpu_ns() - t0);
    }
    double wb = ta_bench_best(warm, ROUNDS), eb = ta_bench_best(ecdsa, ROUNDS);
    double cb = ta_bench_best(cold, ROUNDS);
    printf("rounds=%d (thread CPU time; best round for rates, median "
           "ratio)\n", ROUNDS);
    printf("cold_per_sec=%.0f (%.1f us)\n", cb, 1e6 / cb);
    printf("warm_per_sec=%.0f (%.1f us)\n", wb, 1e6 / wb);
    printf("ecdsa_p256_x2_per_sec=%.0f (%.1f us)\n", eb, 1e6 / eb);
    printf("warm_overhead_us=%.1f\n", 1e6 / wb - 1e6 / eb);
    printf("cold_over_warm=%.2f\n", wb / cb);
    printf("ratio=%.3f\n", ta_bench_median(ratio, ROUNDS));
    teeattest_collateral_free(a.col);
    teeattest_policy_free(a.pol);
    teeattest_ctx_free(a.ctx);
    run_dcapqvl(dir, at);
    free(in.quote);
    free(in.col_json);
    return 0;
}
