/*
 * bench-proxy: what `teeattest proxy` adds to a verified exchange with the
 * loopback simulator (issue 18).
 *
 * SPDX-License-Identifier: Apache-2.0
 *
 * Usage: bench-proxy SIM_EXE TEEATTEST_EXE [--n N]
 *
 * Starts SIM_EXE (teeattest-sim, CPU-only TEE, seed 3) and TEEATTEST_EXE
 * proxy in front of it (attesting with the simulator's TEST root), then
 * measures, N exchanges each (default 200), alternating direct and proxy:
 *
 *   ttfb    a streamed chat, time to the first body byte: libcurl to the
 *           simulator vs libcurl to the proxy (which relays the chunks as
 *           they arrive). Median difference = the TTFB the proxy adds
 *           (goal <= 1 ms).
 *   total   one verified non-streamed exchange: direct = teeattest_chat()
 *           + teeattest_signature_fetch() + teeattest_signature_verify()
 *           against the simulator's signer (what a client verifying by
 *           itself does per exchange, the attestation being cached); proxy
 *           = one libcurl POST to the proxy, which does the same before
 *           answering. Ratio of the medians (goal <= 1.1).
 *   tput    16 client threads, N exchanges in all, through the proxy and
 *           directly (same work as total): verified exchanges per second.
 *   hop     the floor of the proxy's own cost: one keep-alive POST of a
 *           chat for another model, which the proxy reads, parses and
 *           refuses (400) without asking the provider; beside it the
 *           proxy's added time per exchange (total proxy - direct), to
 *           tell the loopback hop from the proxy's own work.
 *   cpu     CPU time per verified non-streamed exchange, N each, so that
 *           load on a shared machine weighs less than on wall-clock
 *           medians: direct = this thread's CPU time (the client doing
 *           the work); proxy = this thread's CPU time for the POSTs plus
 *           the proxy process's (the sum over its threads of
 *           /proc/PID/task/TID/schedstat, user and kernel). The
 *           simulator's share is left out of both.
 *
 * Exit status: 0 done; 1 an exchange failed; 2 bad usage or a process did
 * not start.
 */
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>

#include <teeattest/teeattest.h>

#include "bench.h"

#define CLIENTS 16

static const char plain_body[] =
    "{\"model\":\"m\",\"messages\":[{\"role\":\"user\","
    "\"content\":\"benchmark\"}]}";
static const char other_body[] =
    "{\"model\":\"other\",\"messages\":[{\"role\":\"user\","
    "\"content\":\"benchmark\"}]}";
static const char stream_body[] =
    "{\"model\":\"m\",\"messages\":[{\"role\":\"user\","
    "\"content\":\"benchmark\"}],\"stream\":true}";

static pid_t pids[2] = {-1, -1};
static char sim_url[64], proxy_url[128], signer[64];

static void stop_all(void)
{
    for (int i = 1; i >= 0; i--) {
        if (pids[i] > 0) {
            kill(pids[i], SIGTERM);
            waitpid(pids[i], NULL, 0);
            pids[i] = -1;
        }
    }
}

/* Run argv with stdout into a pipe; the first line it prints. */
static bool spawn(int slot, char *const argv[], char *line, size_t cap)
{
    int fd[2];
    if (pipe(fd) != 0)
        return false;
    pids[slot] = fork();
    if (pids[slot] < 0)
        return false;
    if (pids[slot] == 0) {
        dup2(fd[1], 1);
        close(fd[0]);
        close(fd[1]);
        freopen("/dev/null", "w", stderr);
        execv(argv[0], argv);
        _exit(127);
    }
    close(fd[1]);
    FILE *f = fdopen(fd[0], "r");
    bool ok = f && fgets(line, (int)cap, f);
    /* Keep the pipe open (a closed stdout would fail its later writes). */
    line[strcspn(line, "\n")] = '\0';
    return ok;
}

/* ---- libcurl clients ---------------------------------------------------- */

struct client {
    CURL *h;
    struct curl_slist *hdrs;
    uint64_t start, first;
    size_t len;
};

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
    (void)p;
    struct client *c = ud;
    if (!c->first)
        c->first = ta_bench_now_ns();
    c->len += size * n;
    return size * n;
}

static void client_init(struct client *c)
{
    c->h = curl_easy_init();
    c->hdrs = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, c->hdrs);
    curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c->h, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(c->h, CURLOPT_NOSIGNAL, 1L);
}

static void client_free(struct client *c)
{
    curl_slist_free_all(c->hdrs);
    curl_easy_cleanup(c->h);
}

/* One POST; *ttfb_ns and *total_ns (may be NULL). 0 on an answer with
 * HTTP status `want`. */
static int post_want(struct client *c, const char *url, const char *body,
                     long want, uint64_t *ttfb_ns, uint64_t *total_ns)
{
    c->first = 0;
    c->len = 0;
    curl_easy_setopt(c->h, CURLOPT_URL, url);
    curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, body);
    c->start = ta_bench_now_ns();
    CURLcode cc = curl_easy_perform(c->h);
    uint64_t end = ta_bench_now_ns();
    long code = 0;
    curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &code);
    if (cc != CURLE_OK || code != want || !c->first)
        return 1;
    if (ttfb_ns)
        *ttfb_ns = c->first - c->start;
    if (total_ns)
        *total_ns = end - c->start;
    return 0;
}

/* One POST; 0 on a 200 answer. */
static int post(struct client *c, const char *url, const char *body,
                uint64_t *ttfb_ns, uint64_t *total_ns)
{
    return post_want(c, url, body, 200, ttfb_ns, total_ns);
}

/* ---- the direct verified exchange -------------------------------------- */

static teeattest_provider *prov;

static int direct_exchange(void)
{
    teeattest_exchange *x = NULL;
    teeattest_signature *sig = NULL;
    teeattest_result *res = NULL;
    int rc = 1;
    if (teeattest_chat(prov, &x, (const uint8_t *)plain_body,
                       sizeof plain_body - 1, 0, NULL, NULL, NULL) !=
            TEEATTEST_OK || teeattest_exchange_status(x) != 200 ||
        teeattest_signature_fetch(prov, &sig, x, NULL, NULL) != TEEATTEST_OK)
        goto out;
    const uint8_t *req, *resp;
    size_t req_len, resp_len;
    teeattest_exchange_request(x, &req, &req_len);
    teeattest_exchange_response(x, &resp, &resp_len);
    if (teeattest_signature_verify(sig, &res, NULL, signer, req, req_len,
                                   resp, resp_len, NULL) == TEEATTEST_OK &&
        teeattest_result_verdict(res) == TEEATTEST_VERDICT_VERIFIED)
        rc = 0;
out:
    teeattest_result_free(res);
    teeattest_signature_free(sig);
    teeattest_exchange_free(x);
    return rc;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double median_ms(uint64_t *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_u64);
    return (double)v[n / 2] / 1e6;
}

/* ---- CPU time ------------------------------------------------------------ */

/* Nanoseconds on CPU of every thread of process pid now (0 when unknown);
 * exact while no thread of it ends between two readings. */
static uint64_t proc_cpu_ns(pid_t pid)
{
    char dir[64], path[96];
    snprintf(dir, sizeof dir, "/proc/%d/task", (int)pid);
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    uint64_t sum = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        int pl = snprintf(path, sizeof path, "/proc/%d/task/%.32s/schedstat",
                          (int)pid, e->d_name);
        FILE *f = pl > 0 && (size_t)pl < sizeof path ? fopen(path, "r")
                                                     : NULL;
        unsigned long long ns = 0;
        if (f) {
            if (fscanf(f, "%llu", &ns) == 1)
                sum += ns;
            fclose(f);
        }
    }
    closedir(d);
    return sum;
}

/* ---- throughput ---------------------------------------------------------- */

struct worker {
    bool via_proxy;
    size_t n;
    int failed;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    struct client c = {0};
    client_init(&c);
    for (size_t i = 0; i < w->n; i++) {
        int rc = w->via_proxy ? post(&c, proxy_url, plain_body, NULL, NULL)
                              : direct_exchange();
        w->failed |= rc;
    }
    client_free(&c);
    return NULL;
}

static double throughput(bool via_proxy, size_t total, int *failed)
{
    pthread_t t[CLIENTS];
    struct worker w[CLIENTS];
    uint64_t start = ta_bench_now_ns();
    for (int i = 0; i < CLIENTS; i++) {
        w[i] = (struct worker){via_proxy, total / CLIENTS, 0};
        pthread_create(&t[i], NULL, work, &w[i]);
    }
    for (int i = 0; i < CLIENTS; i++) {
        pthread_join(t[i], NULL);
        *failed |= w[i].failed;
    }
    return (double)(total / CLIENTS * CLIENTS) * 1e9 /
           (double)(ta_bench_now_ns() - start);
}

int main(int argc, char **argv)
{
    size_t n = 200;
    if (argc == 5 && strcmp(argv[3], "--n") == 0)
        n = strtoul(argv[4], NULL, 10);
    else if (argc != 3) {
        fprintf(stderr, "usage: bench-proxy SIM_EXE TEEATTEST_EXE [--n N]\n");
        return TA_BENCH_EXIT_INPUT;
    }
    if (n < CLIENTS)
        n = CLIENTS;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    atexit(stop_all);
    signal(SIGPIPE, SIG_IGN);
    char line[256], root[] = "/tmp/bench-proxy-root-XXXXXX";
    char *sim_argv[] = {argv[1], "--http", "0", "--seed", "3", "--no-gpu",
                        "--tdx-root-out", root, NULL};
    int fd = mkstemp(root);
    if (fd < 0)
        return TA_BENCH_EXIT_INPUT;
    close(fd);
    unlink(root);
    if (!spawn(0, sim_argv, line, sizeof line) ||
        sscanf(line, "listening on %63s", sim_url) != 1) {
        fprintf(stderr, "error: the simulator did not start\n");
        return TA_BENCH_EXIT_INPUT;
    }
    char *proxy_argv[] = {argv[2], "proxy", "--provider", "redpill",
                          "--base-url", sim_url, "--model", "m", "--listen",
                          "127.0.0.1:0", "--pccs", sim_url, "--test-root",
                          root, "--no-gpu", "--gpu-online", "none",
                          "--no-cache", NULL};
    char purl[96];
    if (!spawn(1, proxy_argv, line, sizeof line) ||
        sscanf(line, "listening on %95s", purl) != 1) {
        fprintf(stderr, "error: the proxy did not start\n");
        return TA_BENCH_EXIT_INPUT;
    }
    unlink(root);
    snprintf(proxy_url, sizeof proxy_url, "%s/v1/chat/completions", purl);
    char direct_url[128];
    snprintf(direct_url, sizeof direct_url, "%s/v1/chat/completions",
             sim_url);

    teeattest_ctx *ctx = NULL;
    if (teeattest_ctx_new(&ctx, NULL, NULL) != TEEATTEST_OK ||
        teeattest_provider_new(ctx, &prov, "redpill", NULL) != TEEATTEST_OK ||
        teeattest_provider_set_base_url(prov, sim_url, NULL) != TEEATTEST_OK ||
        teeattest_provider_set_model(prov, "m", NULL) != TEEATTEST_OK)
        return TA_BENCH_EXIT_INPUT;
    /* The signer a verifying client has from its (cached) attestation. */
    struct client c = {0};
    client_init(&c);
    if (post(&c, proxy_url, plain_body, NULL, NULL) != 0) {
        fprintf(stderr, "error: no verified answer through the proxy\n");
        return TA_BENCH_EXIT_FAILED;
    }
    teeattest_report *rep = NULL;
    const uint8_t *addr;
    if (teeattest_report_fetch(prov, &rep, NULL, 0, NULL, NULL) !=
            TEEATTEST_OK ||
        teeattest_report_entry_get(rep, 0, TEEATTEST_ENTRY_SIGNING_ADDRESS,
                                   &addr, NULL, NULL) != TEEATTEST_OK)
        return TA_BENCH_EXIT_FAILED;
    snprintf(signer, sizeof signer, "%s", (const char *)addr);
    teeattest_report_free(rep);

    uint64_t *a = calloc(n, sizeof *a), *b = calloc(n, sizeof *b);
    uint64_t *ta = calloc(n, sizeof *ta), *tb = calloc(n, sizeof *tb);
    uint64_t *th = calloc(n, sizeof *th);
    if (!a || !b || !ta || !tb || !th)
        return TA_BENCH_EXIT_FAILED;
    int failed = 0;
    for (size_t i = 0; i < n && !failed; i++) {
        failed |= post(&c, direct_url, stream_body, &a[i], NULL);
        failed |= post(&c, proxy_url, stream_body, &b[i], NULL);
        uint64_t t0 = ta_bench_now_ns();
        failed |= direct_exchange();
        ta[i] = ta_bench_now_ns() - t0;
        failed |= post(&c, proxy_url, plain_body, NULL, &tb[i]);
        failed |= post_want(&c, proxy_url, other_body, 400, NULL, &th[i]);
    }
    if (failed) {
        fprintf(stderr, "error: an exchange failed\n");
        return TA_BENCH_EXIT_FAILED;
    }
    double ttfb_d = median_ms(a, n), ttfb_p = median_ms(b, n);
    double tot_d = median_ms(ta, n), tot_p = median_ms(tb, n);
    double hop = median_ms(th, n);
    printf("ttfb   direct %.3f ms  proxy %.3f ms  added %.3f ms (median)\n",
           ttfb_d, ttfb_p, ttfb_p - ttfb_d);
    printf("total  direct+verify %.3f ms  proxy %.3f ms  ratio %.3f\n",
           tot_d, tot_p, tot_p / tot_d);
    printf("hop    proxy round trip, no provider %.3f ms  added per "
           "exchange %.3f ms\n", hop, tot_p - tot_d);
    uint64_t c0 = ta_bench_cpu_ns();
    for (size_t i = 0; i < n && !failed; i++)
        failed |= direct_exchange();
    uint64_t c1 = ta_bench_cpu_ns(), p1 = proc_cpu_ns(pids[1]);
    for (size_t i = 0; i < n && !failed; i++)
        failed |= post(&c, proxy_url, plain_body, NULL, NULL);
    uint64_t c2 = ta_bench_cpu_ns(), p2 = proc_cpu_ns(pids[1]);
    double cpu_d = (double)(c1 - c0) / 1e3 / (double)n;
    double cpu_c = (double)(c2 - c1) / 1e3 / (double)n;
    double cpu_p = p1 && p2 >= p1 ? (double)(p2 - p1) / 1e3 / (double)n : 0;
    if (failed) {
        fprintf(stderr, "error: an exchange failed\n");
        return TA_BENCH_EXIT_FAILED;
    }
    printf("cpu    direct+verify %.1f us  proxy %.1f us + client %.1f us  "
           "ratio %.3f\n", cpu_d, cpu_p, cpu_c, (cpu_p + cpu_c) / cpu_d);
    double tp_p = throughput(true, n, &failed);
    double tp_d = throughput(false, n, &failed);
    printf("tput   %d clients: proxy %.1f/s  direct+verify %.1f/s\n",
           CLIENTS, tp_p, tp_d);
    printf("ttfb_added_ms=%.3f ratio=%.3f tput16=%.1f hop_ms=%.3f "
           "cpu_ratio=%.3f\n", ttfb_p - ttfb_d, tot_p / tot_d, tp_p, hop,
           (cpu_p + cpu_c) / cpu_d);
    client_free(&c);
    free(a);
    free(b);
    free(ta);
    free(tb);
    free(th);
    teeattest_provider_free(prov);
    teeattest_ctx_free(ctx);
    curl_global_cleanup();
    return failed ? TA_BENCH_EXIT_FAILED : 0;
}
