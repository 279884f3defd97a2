/*
 * bench-transport: cost of teeattest_chat() over plain libcurl for one
 * streamed chat completion of many SSE events from the loopback simulator.
 *
 * SPDX-License-Identifier: Apache-2.0
 *
 * Usage: bench-transport SIM_EXE [--events N]
 *
 * Starts SIM_EXE (teeattest-sim) on a free loopback port with N events per
 * streamed answer (default 2000), then times, in alternating rounds:
 *
 *   plain  libcurl easy handle (reused, like a careful application), POST
 *          of the same request body, the response body appended to a
 *          growing buffer (what any caller that wants to verify the answer
 *          must keep);
 *   chat   teeattest_chat() with TEEATTEST_CHAT_STREAM and an event
 *          callback: exact request bytes, the whole raw stream kept for
 *          hashing, each SSE event parsed and delivered as it arrives.
 *
 * The last line is `ratio=<chat time / plain time>` (target <= 1.05).
 * Best round of each is kept, as in bench-signature.
 *
 * Exit status: 0 done; 1 an exchange did not succeed; 2 bad usage or the
 * simulator did not start.
 */
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

#define ROUNDS 7
#define ROUND_NS 400000000u /* at least 0.4 s of each per round */

static const char request_body[] =
    "{\"model\":\"sim/bench\",\"messages\":[{\"role\":\"user\","
    "\"content\":\"benchmark\"}],\"stream\":true}";

/* ---- the simulator ---------------------------------------------------- */

static pid_t sim_pid = -1;

static void stop_sim(void)
{
    if (sim_pid > 0) {
        kill(sim_pid, SIGTERM);
        waitpid(sim_pid, NULL, 0);
        sim_pid = -1;
    }
}

/* Start the simulator with its HTTP port written to a file; wait (bounded)
 * until the file names the port. */
static int start_sim(const char *exe, const char *events)
{
    char dir[] = "/tmp/bench-transport-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return -1;
    }
    char port_file[sizeof dir + 16];
    snprintf(port_file, sizeof port_file, "%s/ports", dir);
    sim_pid = fork();
    if (sim_pid < 0) {
        perror("fork");
        return -1;
    }
    if (sim_pid == 0) {
        freopen("/dev/null", "w", stdout);
        execl(exe, exe, "--http", "0", "--dialect", "phala", "--events",
              events, "--port-file", port_file, (char *)NULL);
        perror(exe);
        _exit(127);
    }
    atexit(stop_sim);
    for (int i = 0; i < 500; i++) {
        FILE *f = fopen(port_file, "r");
        if (f) {
            char line[128];
            int port = -1;
            while (fgets(line, sizeof line, f))
                if (sscanf(line, "http_port=%d", &port) == 1)
                    break;
            fclose(f);
            if (port > 0) {
                unlink(port_file);
                rmdir(dir);
                return port;
            }
        }
        int status;
        if (waitpid(sim_pid, &status, WNOHANG) == sim_pid) {
            sim_pid = -1;
            fprintf(stderr, "error: the simulator exited early\n");
            return -1;
        }
        usleep(10000);
    }
    fprintf(stderr, "error: the simulator did not report its port\n");
    return -1;
}

/* ---- plain libcurl ---------------------------------------------------- */

struct sink {
    char *data;
    size_t len, cap;
};

static size_t on_body(char *ptr, size_t size, size_t n, void *ud)
{
    struct sink *s = ud;
    size_t len = size * n;
    if (s->len + len > s->cap) {
        size_t cap = s->cap ? s->cap : 65536;
        while (cap < s->len + len)
            cap *= 2;
        char *p = realloc(s->data, cap);
        if (!p)
            return 0;
        s->data = p;
        s->cap = cap;
    }
    memcpy(s->data + s->len, ptr, len);
    s->len += len;
    return len;
}

struct plain {
    CURL *curl;
    struct curl_slist *headers;
    struct sink sink;
    /* Response size seen by the library, for sanity. The simulator numbers
     * its answers (chatcmpl-<n> in every event), so later answers may be
     * longer, never shorter. */
    size_t expect_len;
};

static int plain_once(void *arg)
{
    struct plain *p = arg;
    p->sink.len = 0;
    if (curl_easy_perform(p->curl) != CURLE_OK)
        return 1;
    long code = 0;
    curl_easy_getinfo(p->curl, CURLINFO_RESPONSE_CODE, &code);
    if (code != 200 || (p->expect_len && p->sink.len < p->expect_len))
        return 1;
    return 0;
}

/* ---- teeattest_chat --------------------------------------------------- */

struct chat {
    teeattest_provider *prov;
    size_t events;
    size_t response_len;
};

static int count_event(void *ud, const char *event, const char *data,
                       size_t len)
{
    (void)event;
    (void)data;
    (void)len;
    ((struct chat *)ud)->events++;
    return 0;
}

static int chat_once(void *arg)
{
    struct chat *c = arg;
    teeattest_exchange *x = NULL;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    c->events = 0;
    int rc = teeattest_chat(c->prov, &x, (const uint8_t *)request_body,
                            sizeof request_body - 1, TEEATTEST_CHAT_STREAM,
                            count_event, c, &err);
    if (rc != TEEATTEST_OK || teeattest_exchange_status(x) != 200) {
        fprintf(stderr, "chat failed: %s\n", err.message);
        teeattest_exchange_free(x);
        return 1;
    }
    const uint8_t *body;
    teeattest_exchange_response(x, &body, &c->response_len);
    teeattest_exchange_free(x);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench-transport SIM_EXE [--events N]\n");
        return TA_BENCH_EXIT_INPUT;
    }
    const char *events = "2000";
    if (argc == 4 && strcmp(argv[2], "--events") == 0)
        events = argv[3];
    int port = start_sim(argv[1], events);
    if (port < 0)
        return TA_BENCH_EXIT_INPUT;
    char base[64], url[128];
    snprintf(base, sizeof base, "http://127.0.0.1:%d", port);
    snprintf(url, sizeof url, "%s/v1/chat/completions", base);

    teeattest_ctx *ctx = NULL;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    struct chat c = {0};
    if (teeattest_ctx_new(&ctx, NULL, &err) ||
        teeattest_provider_new(ctx, &c.prov, "phala", &err) ||
        teeattest_provider_set_base_url(c.prov, base, &err)) {
        fprintf(stderr, "error: %s\n", err.message);
        return TA_BENCH_EXIT_FAILED;
    }

    /* Correctness first: one exchange each, same response size. */
    if (chat_once(&c))
        return TA_BENCH_EXIT_FAILED;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct plain p = {0};
    p.curl = curl_easy_init();
    p.headers = curl_slist_append(NULL, "Content-Type: application/json");
    p.headers = curl_slist_append(p.headers, "Accept: text/event-stream");
    curl_easy_setopt(p.curl, CURLOPT_URL, url);
    curl_easy_setopt(p.curl, CURLOPT_HTTPHEADER, p.headers);
    curl_easy_setopt(p.curl, CURLOPT_POSTFIELDS, request_body);
    curl_easy_setopt(p.curl, CURLOPT_POSTFIELDSIZE, (long)(sizeof request_body - 1));
    curl_easy_setopt(p.curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(p.curl, CURLOPT_WRITEDATA, &p.sink);
    if (plain_once(&p)) {
        fprintf(stderr, "error: plain libcurl exchange failed\n");
        return TA_BENCH_EXIT_FAILED;
    }
    if (p.sink.len != c.response_len) {
        fprintf(stderr, "error: response sizes differ (%zu vs %zu)\n",
                p.sink.len, c.response_len);
        return TA_BENCH_EXIT_FAILED;
    }
    p.expect_len = p.sink.len;
    printf("events_per_answer=%s\nresponse_bytes=%zu\nevents_delivered=%zu\n",
           events, c.response_len, c.events);

    double best_plain = 0, best_chat = 0;
    for (int r = 0; r < ROUNDS; r++) {
        int fail = 0;
        double rp, rc;
        if (r % 2) {
            rc = ta_bench_rate(chat_once, &c, ROUND_NS, 1, &fail);
            rp = ta_bench_rate(plain_once, &p, ROUND_NS, 1, &fail);
        } else {
            rp = ta_bench_rate(plain_once, &p, ROUND_NS, 1, &fail);
            rc = ta_bench_rate(chat_once, &c, ROUND_NS, 1, &fail);
        }
        if (rp < 0 || rc < 0) {
            fprintf(stderr, "error: an exchange failed during round %d\n", r);
            return TA_BENCH_EXIT_FAILED;
        }
        if (rp > best_plain)
            best_plain = rp;
        if (rc > best_chat)
            best_chat = rc;
    }
    printf("rounds=%d round_seconds=%.2f (best round kept)\n", ROUNDS,
           ROUND_NS / 1e9);
    printf("plain_curl_per_sec=%.1f (%.3f ms)\n", best_plain, 1e3 / best_plain);
    printf("teeattest_chat_per_sec=%.1f (%.3f ms)\n", best_chat, 1e3 / best_chat);
    printf("ratio=%.3f\n", best_plain / best_chat);

    curl_slist_free_all(p.headers);
    curl_easy_cleanup(p.curl);
    free(p.sink.data);
    teeattest_provider_free(c.prov);
    teeattest_ctx_free(ctx);
    curl_global_cleanup();
    stop_sim();
    return 0;
}
