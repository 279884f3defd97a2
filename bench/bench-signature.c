/*
 * bench-signature: throughput of a full response-signature check against
 * the raw cost of its dominant dependency operation.
 *
 * SPDX-License-Identifier: Apache-2.0
 *
 * Usage: bench-signature [FIXTURE_DIR] [--profile=N]
 *
 * FIXTURE_DIR holds one real provider exchange (default: the NEAR AI Cloud
 * 2025 streaming exchange under ../shared/fixtures, path fixed at build
 * time): request_body.json, response_body.sse, signature_response.json and
 * expected.json (whose "recovered_address_lowercase" is the expected
 * signer).
 *
 * One "full verification" is what an application does per exchange:
 *   teeattest_signature_parse_json()   parse the signature record
 *   teeattest_signature_verify()       SHA-256 of request and response,
 *                                      EIP-191 keccak, secp256k1 recovery,
 *                                      claimed and expected signer
 *   teeattest_result_verdict()         read the verdict (must be verified)
 *   teeattest_result_free(), teeattest_signature_free()
 *
 * "raw recover" is secp256k1_ecdsa_recover() called directly with
 * secp256k1_context_static on the same digest and signature: the floor no
 * implementation of the check can go below. The last line of output is
 * `ratio=<full/raw>` (rates, so 1.0 would mean the library adds nothing).
 *
 * Both rates are measured in alternating rounds of ~0.5 s (the order
 * swapped every round) and the best round of each is kept, so a noisy
 * neighbour on a small machine lowers at most a few rounds, not the ratio.
 *
 * --profile=N runs N full verifications and no timing, for
 * `valgrind --tool=callgrind` (see docs/performance.md).
 *
 * Exit status: 0 done; 1 the verification does not succeed (a benchmark of
 * a failing path is meaningless) or an internal error; 2 inputs missing.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include <teeattest/teeattest.h>

#include "bench-config.h"
#include "bench.h"

#define ROUNDS 7
#define ROUND_NS 500000000u      /* 0.5 s per round and per measurement */
#define COMPONENT_ROUNDS 3
#define COMPONENT_NS 200000000u  /* 0.2 s: secondary figures */
#define WARMUP_NS 300000000u
#define BATCH 16

/* ---- inputs ----------------------------------------------------------- */

typedef struct bench_input {
    const char *dir;
    uint8_t *request, *response, *record, *expected_json;
    size_t request_len, response_len, record_len, expected_json_len;
    char expected_signer[TEEATTEST_SIGNER_MAX];
} bench_input;

/* The string value of "key" in a flat JSON document; good enough for the
 * fixture's expected.json (no escapes in the value we read). */
static bool json_string_value_of(char *out, size_t cap, const char *doc,
                                 const char *key)
{
    char quoted[128];
    snprintf(quoted, sizeof quoted, "\"%s\"", key);
    const char *p = strstr(doc, quoted);
    if (!p)
        return false;
    p += strlen(quoted);
    p += strspn(p, " \t\r\n");
    if (*p++ != ':')
        return false;
    p += strspn(p, " \t\r\n");
    if (*p++ != '"')
        return false;
    const char *end = strchr(p, '"');
    if (!end || (size_t)(end - p) >= cap)
        return false;
    memcpy(out, p, (size_t)(end - p));
    out[end - p] = '\0';
    return true;
}

static void load_input(bench_input *in, const char *dir)
{
    in->dir = dir;
    in->request = ta_bench_read_file(dir, "request_body.json", &in->request_len);
    in->response = ta_bench_read_file(dir, "response_body.sse",
                                      &in->response_len);
    in->record = ta_bench_read_file(dir, "signature_response.json",
                                    &in->record_len);
    in->expected_json = ta_bench_read_file(dir, "expected.json",
                                           &in->expected_json_len);
    if (!json_string_value_of(in->expected_signer, sizeof in->expected_signer,
                              (const char *)in->expected_json,
                              "recovered_address_lowercase") ||
        strlen(in->expected_signer) != 42) {
        fprintf(stderr, "error: %s/expected.json has no usable "
                "\"recovered_address_lowercase\" (the expected signer)\n",
                dir);
        exit(TA_BENCH_EXIT_INPUT);
    }
}

/* ---- the full verification ---------------------------------------------- */

typedef struct full_arg {
    teeattest_ctx *ctx;
    const bench_input *in;
} full_arg;

static int full_verify_once(void *p)
{
    const full_arg *a = p;
    const bench_input *in = a->in;
    teeattest_signature *sig;
    teeattest_result *res;
    int rc = teeattest_signature_parse_json(a->ctx, &sig, in->record,
                                            in->record_len, NULL);
    if (rc)
        return rc;
    rc = teeattest_signature_verify(sig, &res, NULL, in->expected_signer,
                                    in->request, in->request_len,
                                    in->response, in->response_len, NULL);
    if (rc) {
        teeattest_signature_free(sig);
        return rc;
    }
    int32_t verdict = teeattest_result_verdict(res);
    teeattest_result_free(res);
    teeattest_signature_free(sig);
    return verdict == TEEATTEST_VERDICT_VERIFIED ? 0 : 1;
}

/* One verification with diagnostics; exits 1 unless it is verified. */
static void check_verified_once(teeattest_ctx *ctx, const bench_input *in)
{
    teeattest_error err = TEEATTEST_ERROR_INIT;
    teeattest_signature *sig;
    teeattest_result *res;
    int rc = teeattest_signature_parse_json(ctx, &sig, in->record,
                                            in->record_len, &err);
    if (rc) {
        fprintf(stderr, "error: signature record does not parse: %s (%s)\n",
                teeattest_status_name(rc), err.message);
        exit(TA_BENCH_EXIT_FAILED);
    }
    rc = teeattest_signature_verify(sig, &res, NULL, in->expected_signer,
                                    in->request, in->request_len,
                                    in->response, in->response_len, &err);
    if (rc) {
        fprintf(stderr, "error: verification did not run: %s (%s)\n",
                teeattest_status_name(rc), err.message);
        exit(TA_BENCH_EXIT_FAILED);
    }
    if (teeattest_result_verdict(res) != TEEATTEST_VERDICT_VERIFIED) {
        fprintf(stderr, "error: verdict is not verified; a benchmark of a "
                "failing path is meaningless. Checks:\n");
        for (size_t i = 0; i < teeattest_result_check_count(res); i++) {
            const char *name, *detail;
            int32_t outcome;
            teeattest_result_check(res, i, &name, &outcome, &detail, NULL, NULL);
            static const char *const names[] = { "?", "pass", "fail", "skip",
                                                 "warn" };
            fprintf(stderr, "  %-28s %s: %s\n", name,
                    outcome >= 1 && outcome <= 4 ? names[outcome] : "?",
                    detail);
        }
        exit(TA_BENCH_EXIT_FAILED);
    }
    const char *signer = teeattest_result_fact(res, "signer");
    if (!signer || strcmp(signer, in->expected_signer) != 0) {
        fprintf(stderr, "error: verified, but signer fact is %s, not %s\n",
                signer ? signer : "(none)", in->expected_signer);
        exit(TA_BENCH_EXIT_FAILED);
    }
    teeattest_result_free(res);
    teeattest_signature_free(sig);
}

/* ---- the raw dependency operation ---------------------------------------- */

/* What the library hands to libsecp256k1, captured through a crypto
 * backend so that the raw loop recovers from exactly the same digest and
 * signature (the EIP-191 digest is computed by the library, not here). */
typedef struct capture {
    uint8_t digest[32];
    uint8_t sig64[64];
    int32_t recid;
    uint8_t pubkey65[65];
    bool seen;
} capture;

static int capture_recover(void *user_data, uint8_t pubkey65[65],
                           const uint8_t digest32[32], const uint8_t sig64[64],
                           int32_t recid)
{
    capture *c = user_data;
    const secp256k1_context *sc = secp256k1_context_static;
    secp256k1_ecdsa_recoverable_signature rsig;
    secp256k1_pubkey pub;
    size_t len = 65;
    if (!secp256k1_ecdsa_recoverable_signature_parse_compact(sc, &rsig, sig64,
                                                             recid) ||
        !secp256k1_ecdsa_recover(sc, &pub, &rsig, digest32))
        return TEEATTEST_E_RECOVER_FAILED;
    if (!secp256k1_ec_pubkey_serialize(sc, pubkey65, &len, &pub,
                                       SECP256K1_EC_UNCOMPRESSED))
        return TEEATTEST_E_CRYPTO;
    memcpy(c->digest, digest32, 32);
    memcpy(c->sig64, sig64, 64);
    c->recid = recid;
    memcpy(c->pubkey65, pubkey65, 65);
    c->seen = true;
    return TEEATTEST_OK;
}

static void capture_digest(capture *cap, const bench_input *in)
{
    teeattest_crypto_backend be = TEEATTEST_CRYPTO_BACKEND_INIT;
    be.user_data = cap;
    be.secp256k1_recover = capture_recover;
    teeattest_ctx_options opts = TEEATTEST_CTX_OPTIONS_INIT;
    opts.crypto = &be;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    teeattest_ctx *ctx;
    teeattest_signature *sig;
    char addr[TEEATTEST_SIGNER_MAX];
    int rc = teeattest_ctx_new(&ctx, &opts, &err);
    if (!rc)
        rc = teeattest_signature_parse_json(ctx, &sig, in->record,
                                            in->record_len, &err);
    if (!rc) {
        rc = teeattest_signature_recover(sig, addr, sizeof addr, &err);
        teeattest_signature_free(sig);
    }
    teeattest_ctx_free(ctx);
    if (rc || !cap->seen) {
        fprintf(stderr, "error: capturing the recovery input failed: %s (%s)\n",
                teeattest_status_name(rc), err.message);
        exit(TA_BENCH_EXIT_FAILED);
    }
    /* The raw path is right iff it yields the expected signer. */
    if (strcmp(addr, in->expected_signer) != 0) {
        fprintf(stderr, "error: raw secp256k1 recovery gives %s, expected %s\n",
                addr, in->expected_signer);
        exit(TA_BENCH_EXIT_FAILED);
    }
}

typedef struct raw_arg {
    secp256k1_ecdsa_recoverable_signature rsig;
    uint8_t digest[32];
} raw_arg;

/* Keeps the recovered key observable. */
static volatile unsigned char raw_sink;

static int raw_recover_once(void *p)
{
    raw_arg *a = p;
    secp256k1_pubkey pub;
    if (!secp256k1_ecdsa_recover(secp256k1_context_static, &pub, &a->rsig,
                                 a->digest))
        return 1;
    raw_sink = pub.data[0];
    return 0;
}

static void raw_setup(raw_arg *a, const capture *cap)
{
    memset(a, 0, sizeof *a);
    memcpy(a->digest, cap->digest, 32);
    if (!secp256k1_ecdsa_recoverable_signature_parse_compact(
            secp256k1_context_static, &a->rsig, cap->sig64, cap->recid)) {
        fprintf(stderr, "error: libsecp256k1 rejects the signature\n");
        exit(TA_BENCH_EXIT_FAILED);
    }
    secp256k1_pubkey pub;
    uint8_t ser[65];
    size_t len = sizeof ser;
    if (!secp256k1_ecdsa_recover(secp256k1_context_static, &pub, &a->rsig,
                                 a->digest) ||
        !secp256k1_ec_pubkey_serialize(secp256k1_context_static, ser, &len,
                                       &pub, SECP256K1_EC_UNCOMPRESSED) ||
        memcmp(ser, cap->pubkey65, 65) != 0) {
        fprintf(stderr, "error: raw recovery disagrees with the library's\n");
        exit(TA_BENCH_EXIT_FAILED);
    }
}

/* ---- secondary figures (public API pieces) ------------------------------- */

static int parse_only_once(void *p)
{
    const full_arg *a = p;
    teeattest_signature *sig;
    int rc = teeattest_signature_parse_json(a->ctx, &sig, a->in->record,
                                            a->in->record_len, NULL);
    teeattest_signature_free(sig);
    return rc;
}

typedef struct verify_arg {
    const bench_input *in;
    teeattest_signature *sig;
    char addr[TEEATTEST_SIGNER_MAX];
} verify_arg;

static int verify_only_once(void *p)
{
    const verify_arg *a = p;
    teeattest_result *res;
    int rc = teeattest_signature_verify(a->sig, &res, NULL,
                                        a->in->expected_signer, a->in->request,
                                        a->in->request_len, a->in->response,
                                        a->in->response_len, NULL);
    if (rc)
        return rc;
    int32_t verdict = teeattest_result_verdict(res);
    teeattest_result_free(res);
    return verdict == TEEATTEST_VERDICT_VERIFIED ? 0 : 1;
}

static int api_recover_once(void *p)
{
    verify_arg *a = p;
    return teeattest_signature_recover(a->sig, a->addr, sizeof a->addr, NULL);
}

/* ---- measurement ----------------------------------------------------------- */

static double measure(const char *what, ta_bench_fn fn, void *arg,
                      uint64_t ns)
{
    int rc = 0;
    double r = ta_bench_rate(fn, arg, ns, BATCH, &rc);
    if (r < 0) {
        fprintf(stderr, "error: %s failed during measurement (%d: %s)\n",
                what, rc, rc == 1 ? "not verified" : teeattest_status_name(rc));
        exit(TA_BENCH_EXIT_FAILED);
    }
    return r;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double best(const double *v, size_t n)
{
    double b = v[0];
    for (size_t i = 1; i < n; i++)
        if (v[i] > b)
            b = v[i];
    return b;
}

static double best_of(const char *what, ta_bench_fn fn, void *arg)
{
    double r[COMPONENT_ROUNDS];
    for (int i = 0; i < COMPONENT_ROUNDS; i++)
        r[i] = measure(what, fn, arg, COMPONENT_NS);
    return best(r, COMPONENT_ROUNDS);
}

int main(int argc, char **argv)
{
    const char *dir = TA_BENCH_FIXTURE_DIR;
    long profile = 0;
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "--profile=", 10) == 0) {
            char *end;
            profile = strtol(argv[i] + 10, &end, 10);
            if (*end || profile <= 0) {
                fprintf(stderr, "error: bad %s\n", argv[i]);
                return TA_BENCH_EXIT_INPUT;
            }
        } else if (strcmp(argv[i], "--help") == 0 ||
                   strcmp(argv[i], "-h") == 0) {
            printf("usage: %s [FIXTURE_DIR] [--profile=N]\n"
                   "default FIXTURE_DIR: %s\n", argv[0], TA_BENCH_FIXTURE_DIR);
            return 0;
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "error: unknown option %s\n", argv[i]);
            return TA_BENCH_EXIT_INPUT;
        } else {
            dir = argv[i];
        }
    }

    bench_input in;
    load_input(&in, dir);

    secp256k1_selftest();
    teeattest_error err = TEEATTEST_ERROR_INIT;
    teeattest_ctx *ctx;
    int rc = teeattest_ctx_new(&ctx, NULL, &err);
    if (rc) {
        fprintf(stderr, "error: teeattest_ctx_new: %s (%s)\n",
                teeattest_status_name(rc), err.message);
        return TA_BENCH_EXIT_FAILED;
    }
    full_arg fa = { ctx, &in };

    /* Correctness first: the path measured must be the verified one. */
    check_verified_once(ctx, &in);
    capture cap;
    memset(&cap, 0, sizeof cap);
    capture_digest(&cap, &in);
    raw_arg ra;
    raw_setup(&ra, &cap);

    printf("fixture=%s\n", dir);
    printf("libteeattest=%s\n", teeattest_version_string());
    printf("request_bytes=%zu\n", in.request_len);
    printf("response_bytes=%zu\n", in.response_len);
    printf("signature_record_bytes=%zu\n", in.record_len);
    printf("expected_signer=%s\n", in.expected_signer);

    if (profile) {
        for (long i = 0; i < profile; i++)
            if (full_verify_once(&fa)) {
                fprintf(stderr, "error: verification failed at %ld\n", i);
                return TA_BENCH_EXIT_FAILED;
            }
        printf("profile_iterations=%ld\n", profile);
        teeattest_ctx_free(ctx);
        return 0;
    }

    /* Warm-up: caches, branch predictors, allocator, CPU frequency. Every
     * iteration checks the verdict (measure() exits 1 if not verified). */
    measure("warm-up full verification", full_verify_once, &fa, WARMUP_NS);
    measure("warm-up raw recover", raw_recover_once, &ra, WARMUP_NS / 3);

    double full[ROUNDS], raw[ROUNDS];
    for (int i = 0; i < ROUNDS; i++) {
        if (i % 2 == 0) {
            full[i] = measure("full verification", full_verify_once, &fa,
                              ROUND_NS);
            raw[i] = measure("raw recover", raw_recover_once, &ra, ROUND_NS);
        } else {
            raw[i] = measure("raw recover", raw_recover_once, &ra, ROUND_NS);
            full[i] = measure("full verification", full_verify_once, &fa,
                              ROUND_NS);
        }
    }
    double full_best = best(full, ROUNDS), raw_best = best(raw, ROUNDS);

    /* Secondary figures, to see where the time goes (docs/performance.md). */
    verify_arg va;
    memset(&va, 0, sizeof va);
    va.in = &in;
    if ((rc = teeattest_signature_parse_json(ctx, &va.sig, in.record,
                                             in.record_len, &err))) {
        fprintf(stderr, "error: parse: %s\n", err.message);
        return TA_BENCH_EXIT_FAILED;
    }
    double parse_best = best_of("parse only", parse_only_once, &fa);
    double verify_best = best_of("verify only", verify_only_once, &va);
    double recover_best = best_of("teeattest_signature_recover",
                                  api_recover_once, &va);
    teeattest_signature_free(va.sig);
    teeattest_ctx_free(ctx);

    printf("rounds=%d round_seconds=%.2f (best round kept)\n", ROUNDS,
           ROUND_NS / 1e9);
    printf("parse_only_per_sec=%.0f (%.2f us)\n", parse_best,
           1e6 / parse_best);
    printf("verify_only_per_sec=%.0f (%.2f us)\n", verify_best,
           1e6 / verify_best);
    printf("api_recover_per_sec=%.0f (%.2f us)\n", recover_best,
           1e6 / recover_best);
    printf("full_verify_median_per_sec=%.0f\n", median(full, ROUNDS));
    printf("raw_recover_median_per_sec=%.0f\n", median(raw, ROUNDS));
    printf("full_verify_us=%.2f\n", 1e6 / full_best);
    printf("raw_recover_us=%.2f\n", 1e6 / raw_best);
    printf("overhead_us=%.2f\n", 1e6 / full_best - 1e6 / raw_best);
    printf("full_verify_per_sec=%.0f\n", full_best);
    printf("raw_recover_per_sec=%.0f\n", raw_best);
    printf("ratio=%.3f\n", full_best / raw_best);
    return 0;
}
