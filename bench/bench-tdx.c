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
 * Cold comes in two variants: on one context shared by every iteration
 * (`cold_`), and on a fresh context per iteration (`cold_fresh_`: context,
 * policy and collateral created and freed each time, as a process that
 * verifies one quote does; the context's own cost is printed alone as
 * `ctx_new_free_us`). The cold floor is the number of P-256 verifications
 * the cold path really does (`cold_p256_verifications`, counted through
 * bench/bench-count.h while the library verifies, not read off the code)
 * at the cost of the warm floor's, measured in the same round:
 * `cold_ratio` = cold time / (N/2 x the ECDSA pair).
 *
 * With TA_BENCH_DCAPQVL=<dir holding node_modules/@phala/dcap-qvl> and
 * `node` on PATH, the same quote and collateral (dcap-qvl's own JSON form,
 * collateral.json) at the same time are also verified in a loop by
 * @phala/dcap-qvl (bench/bench-tdx-dcapqvl.js), in the same run; it keeps
 * no state between calls, so each of its verifications is a cold one.
 * Both must report the same TCB status (exit 1 otherwise), and
 * `cold_vs_dcapqvl` = dcap-qvl's CPU time per verification / ours (cold,
 * shared context).
 *
 * Usage: bench-tdx [FIXTURE_DIR] [--at=UNIX] [--profile=warm|cold:N]
 * FIXTURE_DIR holds quote.bin, collateral.json (dcap-qvl form) and
 * expected.json (verify_at_unix); default: tdx/dcapqvl_near_v4_uptodate.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "bench.h"
#include "bench-config.h"
#include "bench-count.h"

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

/* The TCB status of the first verification, compared with dcap-qvl's. */
static char tcb_status[64];

static int verify_in(teeattest_ctx *ctx, const input *in,
                     const teeattest_policy *pol,
                     const teeattest_collateral *col)
{
    teeattest_result *r = NULL;
    int rc = teeattest_tdx_verify(ctx, &r, in->quote, in->quote_len, col,
                                  pol, NULL);
    if (!rc && teeattest_result_verdict(r) != TEEATTEST_VERDICT_VERIFIED)
        rc = 1;
    if (!rc && !tcb_status[0]) {
        const char *st = teeattest_result_fact(r, "tdx.status");
        snprintf(tcb_status, sizeof tcb_status, "%s", st ? st : "?");
    }
    teeattest_result_free(r);
    return rc;
}

static int verify_with(arg *a, const teeattest_collateral *col)
{
    return verify_in(a->ctx, a->in, a->pol, col);
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

/* Cold on a context of its own: what a process verifying one quote pays. */
static int cold_fresh_once(void *p)
{
    arg *a = p;
    teeattest_ctx *ctx = NULL;
    teeattest_policy *pol = NULL;
    teeattest_collateral *col = NULL;
    int rc = teeattest_ctx_new(&ctx, NULL, NULL);
    if (!rc)
        rc = teeattest_policy_new(ctx, &pol, NULL);
    if (!rc)
        rc = teeattest_policy_set_time(pol, a->in->at, NULL);
    if (!rc)
        rc = teeattest_collateral_parse_json(ctx, &col, a->in->col_json,
                                             a->in->col_len, NULL);
    if (!rc)
        rc = verify_in(ctx, a->in, pol, col);
    teeattest_collateral_free(col);
    teeattest_policy_free(pol);
    teeattest_ctx_free(ctx);
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

/* @phala/dcap-qvl on the same inputs, in a node child process: its lines
 * are passed through; returns its CPU time per verification in us (0 when
 * not run) and exits 1 when it fails or reports another TCB status. */
static double run_dcapqvl(const char *dir, int64_t at)
{
    const char *mods = getenv("TA_BENCH_DCAPQVL");
    if (!mods || !*mods) {
        printf("dcapqvl=skipped (set TA_BENCH_DCAPQVL to a directory with "
               "node_modules/@phala/dcap-qvl)\n");
        return 0;
    }
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "NODE_PATH='%s/node_modules' node '%s' '%s/quote.bin' "
             "'%s/collateral.json' %lld 5", mods, TA_BENCH_DCAPQVL_JS, dir,
             dir, (long long)at);
    fflush(stdout);
    FILE *p = popen(cmd, "r");
    char line[512], status[64] = "";
    double cpu_rate = 0;
    while (p && fgets(line, sizeof line, p)) {
        fputs(line, stdout);
        const char *v = strstr(line, "status=");
        if (v && sscanf(v + 7, "%63s", status) != 1)
            status[0] = '\0';
        if (strncmp(line, "dcapqvl_cpu_per_sec=", 20) == 0)
            cpu_rate = strtod(line + 20, NULL);
    }
    if (!p || pclose(p) != 0 || cpu_rate <= 0) {
        printf("dcapqvl=failed\n");
        exit(TA_BENCH_EXIT_FAILED);
    }
    if (strcmp(status, tcb_status) != 0) {
        fprintf(stderr, "error: dcap-qvl says %s, libteeattest %s: not the "
                "same verification\n", status, tcb_status);
        exit(TA_BENCH_EXIT_FAILED);
    }
    printf("dcapqvl_same_status=%s\n", status);
    return 1e6 / cpu_rate;
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
    /* Correctness first: every measured path must succeed; the cold and
     * warm paths are counted while they do. */
    ta_bench_counts n_cold, n_fresh, n_warm;
    /* the shared context's steady state: counted on its second cold call */
    if (cold_once(&a) || ta_bench_count(cold_once, &a, &n_cold) ||
        ta_bench_count(cold_fresh_once, &a, &n_fresh) ||
        warm_once(&a) || ta_bench_count(warm_once, &a, &n_warm) ||
        ecdsa_once(&a)) {
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
    double fresh[ROUNDS], cold_ratio[ROUNDS], fresh_ratio[ROUNDS];
    /* The cold floor: its P-256 verifications at the price of the pair. */
    double pairs = (double)n_cold.p256 / 2;
    double fresh_pairs = (double)n_fresh.p256 / 2; /* nothing remembered */
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
        t0 = ta_bench_cpu_ns();
        nc = 0;
        while (ta_bench_cpu_ns() - t0 < ROUND_NS / 2) {
            if (cold_fresh_once(&a))
                return TA_BENCH_EXIT_FAILED;
            nc++;
        }
        fresh[r] = (double)nc * 1e9 / (double)(ta_bench_cpu_ns() - t0);
        cold_ratio[r] = ecdsa[r] / (cold[r] * pairs);
        fresh_ratio[r] = ecdsa[r] / (fresh[r] * fresh_pairs);
    }
    double wb = ta_bench_best(warm, ROUNDS), eb = ta_bench_best(ecdsa, ROUNDS);
    double cb = ta_bench_best(cold, ROUNDS), fb = ta_bench_best(fresh, ROUNDS);
    double ctx_rate = ta_bench_measure("context", ta_bench_ctx_once, &a,
                                       ROUND_NS / 5, 16);
    printf("rounds=%d (thread CPU time; best round for rates, median "
           "ratio)\n", ROUNDS);
    printf("tcb_status=%s\n", tcb_status);
    printf("cold_p256_verifications=%lu (counted: cold, one shared context; "
           "P-384 %lu, other %lu)\n", n_cold.p256, n_cold.p384,
           n_cold.other);
    printf("cold_fresh_p256_verifications=%lu\n", n_fresh.p256);
    printf("warm_p256_verifications=%lu\n", n_warm.p256);
    printf("cold_per_sec=%.0f (%.1f us)\n", cb, 1e6 / cb);
    printf("cold_ratio=%.3f (to %lu P-256 verifications)\n",
           ta_bench_median(cold_ratio, ROUNDS), n_cold.p256);
    printf("cold_fresh_per_sec=%.0f (%.1f us)\n", fb, 1e6 / fb);
    printf("cold_fresh_ratio=%.3f (to %lu P-256 verifications)\n",
           ta_bench_median(fresh_ratio, ROUNDS), n_fresh.p256);
    printf("ctx_new_free_us=%.1f\n", 1e6 / ctx_rate);
    printf("warm_per_sec=%.0f (%.1f us)\n", wb, 1e6 / wb);
    printf("ecdsa_p256_x2_per_sec=%.0f (%.1f us)\n", eb, 1e6 / eb);
    printf("warm_overhead_us=%.1f\n", 1e6 / wb - 1e6 / eb);
    printf("cold_over_warm=%.2f\n", wb / cb);
    printf("ratio=%.3f\n", ta_bench_median(ratio, ROUNDS));
    teeattest_collateral_free(a.col);
    teeattest_policy_free(a.pol);
    teeattest_ctx_free(a.ctx);
    double qvl_us = run_dcapqvl(dir, at);
    if (qvl_us > 0)
        printf("cold_vs_dcapqvl=%.2f (dcap-qvl CPU time / libteeattest cold; "
               "fresh context: %.2f)\n", qvl_us / (1e6 / cb),
               qvl_us / (1e6 / fb));
    free(in.quote);
    free(in.col_json);
    return 0;
}
