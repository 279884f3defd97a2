/*
 * Small helpers shared by the benchmark programs: monotonic timing, a
 * time-boxed throughput runner and whole-file reading.
 *
 * SPDX-License-Identifier: Apache-2.0
 *
 * Benchmarks are the only code in this project allowed to read a clock for
 * their own purposes: they measure throughput, they never decide anything
 * about evidence. CLOCK_MONOTONIC is used so that wall-clock adjustments
 * cannot skew a measurement.
 */
#ifndef TA_BENCH_H
#define TA_BENCH_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "teeattest/context.h"

/* Exit codes shared by the benchmarks. */
#define TA_BENCH_EXIT_FAILED 1  /* the measured path does not succeed */
#define TA_BENCH_EXIT_INPUT 2   /* inputs missing or unreadable */

static inline uint64_t ta_bench_now_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
        perror("clock_gettime(CLOCK_MONOTONIC)");
        exit(TA_BENCH_EXIT_FAILED);
    }
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* One unit of work; returns 0 on success, non-zero to abort the run. */
typedef int (*ta_bench_fn)(void *arg);

/* Calls fn in batches of `batch` until at least `min_ns` have elapsed and
 * returns the rate in operations per second, or a negative value if fn
 * failed (its return value is then stored in *fail_rc). The clock is read
 * once per batch so its cost stays out of the figure. */
static inline double ta_bench_rate(ta_bench_fn fn, void *arg, uint64_t min_ns,
                                   unsigned batch, int *fail_rc)
{
    uint64_t ops = 0, start = ta_bench_now_ns(), elapsed;
    do {
        for (unsigned i = 0; i < batch; i++) {
            int rc = fn(arg);
            if (rc) {
                *fail_rc = rc;
                return -1.0;
            }
        }
        ops += batch;
        elapsed = ta_bench_now_ns() - start;
    } while (elapsed < min_ns);
    return (double)ops * 1e9 / (double)elapsed;
}

/* Reads a whole file. On failure prints why and exits with
 * TA_BENCH_EXIT_INPUT: a benchmark without its input has nothing to say. */
/* ta_bench_rate(), exiting with a message when the measured path fails. */
static inline double ta_bench_measure(const char *what, ta_bench_fn fn,
                                      void *p, uint64_t ns, unsigned batch)
{
    int rc = 0;
    double rate = ta_bench_rate(fn, p, ns, batch, &rc);
    if (rate < 0) {
        fprintf(stderr, "error: %s failed (%d)\n", what, rc);
        exit(TA_BENCH_EXIT_FAILED);
    }
    return rate;
}

static inline double ta_bench_best(const double *v, int n)
{
    double b = v[0];
    for (int i = 1; i < n; i++)
        if (v[i] > b)
            b = v[i];
    return b;
}

/* Sorts v in place. */
static inline double ta_bench_median(double *v, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
            double t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return v[n / 2];
}

/* CPU time of the calling thread: other load on the machine does not
 * count. */
static inline uint64_t ta_bench_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline uint8_t *ta_bench_read_file(const char *dir, const char *name,
                                          size_t *len_out)
{
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof path) {
        fprintf(stderr, "error: path too long: %s/%s\n", dir, name);
        exit(TA_BENCH_EXIT_INPUT);
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "error: cannot open input %s: %s\n", path,
                strerror(errno));
        exit(TA_BENCH_EXIT_INPUT);
    }
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap + 1);
    while (buf) {
        len += fread(buf + len, 1, cap - len, f);
        if (len < cap)
            break;
        uint8_t *nb = realloc(buf, 2 * cap + 1);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    if (!buf || ferror(f)) {
        fprintf(stderr, "error: cannot read input %s\n", path);
        fclose(f);
        exit(TA_BENCH_EXIT_INPUT);
    }
    fclose(f);
    buf[len] = '\0'; /* convenience for text inputs; not part of len */
    *len_out = len;
    return buf;
}

/* Rate of fn on this thread's CPU clock for at least ns; a failing call
 * ends the program (exit 1). */
static inline double ta_bench_cpu_rate(const char *what, ta_bench_fn fn,
                                       void *p, uint64_t ns)
{
    uint64_t n = 0, t0 = ta_bench_cpu_ns(), t;
    do {
        if (fn(p)) {
            fprintf(stderr, "error: %s failed\n", what);
            exit(TA_BENCH_EXIT_FAILED);
        }
        n++;
        t = ta_bench_cpu_ns() - t0;
    } while (t < ns);
    return (double)n * 1e9 / (double)t;
}

/* A context created and freed: its share of a verification on a fresh
 * context (the benches' `ctx_new_free_us`). */
static inline int ta_bench_ctx_once(void *unused)
{
    (void)unused;
    teeattest_ctx *ctx = NULL;
    int rc = teeattest_ctx_new(&ctx, NULL, NULL);
    teeattest_ctx_free(ctx);
    return rc;
}

/* Best rates of a verification and of its floor, and the median of the
 * rounds' ratio time(verification) / time(floor). */
typedef struct ta_bench_pair {
    double ver, flo, ratio;
} ta_bench_pair;

/* A verification and its floor alternate one call at a time on this
 * thread's CPU clock, so load from other processes weighs on both alike:
 * warm-up (warmup_ns of verifications, half as much of floors), then
 * `rounds` (at most 16) rounds of round_ns of both. A failing call ends
 * the program (exit 1). */
static inline ta_bench_pair ta_bench_alternate(const char *what,
                                               ta_bench_fn ver_fn,
                                               void *ver_arg,
                                               ta_bench_fn floor_fn,
                                               void *floor_arg, int rounds,
                                               uint64_t round_ns,
                                               uint64_t warmup_ns)
{
    ta_bench_measure(what, ver_fn, ver_arg, warmup_ns, 1);
    ta_bench_measure(what, floor_fn, floor_arg, warmup_ns / 2, 1);
    double ver[16], flo[16], ratio[16];
    rounds = rounds < 1 ? 1 : rounds > 16 ? 16 : rounds;
    for (int r = 0; r < rounds; r++) {
        uint64_t tv = 0, tf = 0, n = 0;
        while (tv + tf < round_ns) {
            uint64_t t0 = ta_bench_cpu_ns();
            if (ver_fn(ver_arg)) {
                fprintf(stderr, "error: %s: a verification failed\n", what);
                exit(TA_BENCH_EXIT_FAILED);
            }
            uint64_t t1 = ta_bench_cpu_ns();
            if (floor_fn(floor_arg)) {
                fprintf(stderr, "error: %s: the floor failed\n", what);
                exit(TA_BENCH_EXIT_FAILED);
            }
            uint64_t t2 = ta_bench_cpu_ns();
            tv += t1 - t0;
            tf += t2 - t1;
            n++;
        }
        ver[r] = (double)n * 1e9 / (double)tv;
        flo[r] = (double)n * 1e9 / (double)tf;
        ratio[r] = (double)tv / (double)tf;
    }
    ta_bench_pair pr = {ta_bench_best(ver, rounds), ta_bench_best(flo, rounds),
                        ta_bench_median(ratio, rounds)};
    return pr;
}

#endif /* TA_BENCH_H */
