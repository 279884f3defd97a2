/*
 * teeattest demo: a simulated TEE on loopback (teeattest-sim, whose TEST
 * roots are trusted here and only here) attested end to end, a verified
 * streamed chat and a tampered answer rejected; then, fully offline, real
 * signed exchanges printed in public documentation (embedded in
 * demo_data.c), and a one-byte change to one of them rejected.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define CMD "demo"
#define INDENT "      "

void help_demo(FILE *f)
{
    fputs("Usage: teeattest demo [--offline] [--save DIR]\n"
          "\n"
          "Without a network or an API key:\n"
          "  1. start the loopback simulator teeattest-sim as a simulated TEE\n"
          "     (CPU only) whose TEST roots are trusted in this demo and nowhere\n"
          "     else, fetch its attestation report with a fresh nonce and verify\n"
          "     it end to end (DCAP quote, report_data binding, event log replay,\n"
          "     compose hash), stream a chat and verify its signature against\n"
          "     the attested key, and show a tampered answer rejected;\n"
          "  2. verify real signed chat exchanges printed in public\n"
          "     documentation (NEAR AI Cloud, 2025; Phala inference API, 2024),\n"
          "     embedded byte for byte, with the signer pinned, and show a\n"
          "     one-byte change rejected.\n"
          "Ends with 'demo: all results as expected'.\n"
          "\n"
          "Options:\n"
          "  --offline    skip part 1 (no simulator process)\n"
          "  --save DIR   instead of verifying, write the embedded exchanges to\n"
          "               DIR/<exchange>/{request_body.json,response_body.sse,\n"
          "               signature_response.json} (existing files are never\n"
          "               overwritten), to try 'teeattest verify-signature' on\n"
          "  -h, --help   show this help\n"
          "\n"
          "The simulator is found through TEEATTEST_SIM, else next to this\n"
          "program (sim/teeattest-sim in the build tree, teeattest-sim when\n"
          "installed).\n"
          "\n"
          "Exit status: 0 every result as expected, 1 a result was not as\n"
          "expected, 2 usage error, the simulator could not start, or a file\n"
          "could not be written.\n",
          f);
}

/* ---- --save ------------------------------------------------------------ */

static int save_exchanges(const char *dir)
{
    if (!cli_make_dir(CMD, dir))
        return CLI_USAGE;
    for (size_t i = 0; i < demo_exchange_count; i++) {
        const struct demo_exchange *ex = &demo_exchanges[i];
        const struct {
            const char *name;
            const char *data;
            size_t len;
        } files[] = {
            {"request_body.json", ex->request, ex->request_len},
            {"response_body.sse", ex->response, ex->response_len},
            {"signature_response.json", ex->signature, ex->signature_len},
        };
        char path[4096];
        if (!cli_join_path(CMD, path, sizeof path, dir, ex->id, NULL) ||
            !cli_make_dir(CMD, path))
            return CLI_USAGE;
        for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
            if (!cli_join_path(CMD, path, sizeof path, dir, ex->id, files[k].name) ||
                !cli_write_new_file(CMD, path, files[k].data, files[k].len))
                return CLI_USAGE;
            fputs("wrote ", stdout);
            cli_fputs_safe(path, stdout);
            printf(" (%zu bytes)\n", files[k].len);
        }
    }
    fputs("\nVerify one yourself, e.g.:\n  teeattest verify-signature", stdout);
    const struct demo_exchange *ex = &demo_exchanges[0];
    static const char *const flags[] = {"--request", "--response",
                                        "--signature"};
    static const char *const names[] = {"request_body.json",
                                        "response_body.sse",
                                        "signature_response.json"};
    for (size_t k = 0; k < 3; k++) {
        printf(" \\\n      %s ", flags[k]);
        cli_fputs_safe(dir, stdout);
        printf("/%s/%s", ex->id, names[k]);
    }
    printf(" \\\n      --expect-signer %s\n", ex->signer);
    return CLI_OK;
}

/* ---- verification ------------------------------------------------------ */

struct demo_case {
    const struct demo_exchange *ex;
    const uint8_t *response; /* ex->response, or a tampered copy */
    size_t response_len;
    bool expect_verified;
    /* for a tampered case: the check that must fail, all others passing
     * or skipped as for the original */
    const char *expect_failing;
};

/* Verify one case, print its report, and say whether the outcome is the
 * expected one. */
static bool run_case(teeattest_ctx *ctx, const struct demo_case *c)
{
    const struct demo_exchange *ex = c->ex;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    teeattest_signature *sig = NULL;
    teeattest_result *res = NULL;
    bool as_expected = false;

    if (teeattest_signature_parse_json(ctx, &sig,
                                       (const uint8_t *)ex->signature,
                                       ex->signature_len, &err) != TEEATTEST_OK ||
        teeattest_signature_verify(sig, &res, NULL, ex->signer,
                                   (const uint8_t *)ex->request,
                                   ex->request_len, c->response,
                                   c->response_len, &err) != TEEATTEST_OK) {
        printf(INDENT "error     ");
        cli_fputs_safe(err.message, stdout);
        printf(" (%s)\n", teeattest_status_name(err.code));
        goto out;
    }
    cli_print_checks(res, INDENT);

    bool verified = teeattest_result_verdict(res) == TEEATTEST_VERDICT_VERIFIED;
    as_expected = verified == c->expect_verified;
    if (c->expect_failing) {
        /* Rejected for the right reason: the tampered body, not something
         * else that happens to fail too. */
        int32_t outcome = 0;
        as_expected = as_expected &&
                      teeattest_result_find_check(res, c->expect_failing,
                                                  &outcome, NULL, NULL) ==
                          TEEATTEST_OK &&
                      outcome == TEEATTEST_OUTCOME_FAIL;
        size_t n = teeattest_result_check_count(res);
        for (size_t i = 0; i < n; i++) {
            const char *name = NULL;
            if (teeattest_result_check(res, i, &name, &outcome, NULL, NULL, NULL) ==
                    TEEATTEST_OK &&
                outcome == TEEATTEST_OUTCOME_FAIL &&
                strcmp(name, c->expect_failing) != 0)
                as_expected = false;
        }
    }
    printf(INDENT "verdict   %s", verified ? "verified" : "FAILED");
    if (c->expect_failing)
        printf("  (expected: FAILED by %s)", c->expect_failing);
    else
        printf("  (expected: %s)", c->expect_verified ? "verified" : "FAILED");
    printf("  %s\n", as_expected ? "ok" : "NOT AS EXPECTED");
out:
    teeattest_result_free(res);
    teeattest_signature_free(sig);
    return as_expected;
}

static void print_exchange_header(const struct demo_exchange *ex)
{
    printf(INDENT "source    %s\n", ex->source);
    printf(INDENT "exchange  request %zu bytes, response %zu bytes, "
                  "signature record %zu bytes\n",
           ex->request_len, ex->response_len, ex->signature_len);
    printf(INDENT "signer    %s, pinned\n", ex->signer);
    printf(INDENT "          (%s)\n", ex->signer_note);
}

/* Change one byte of the answer in a way a reader can see: the NEAR answer
 * "Okay." becomes "Okay!". Any single changed byte must be caught; a
 * visible one makes the point better than a flipped bit. */
static size_t tamper(uint8_t *buf, size_t len, uint8_t *from, uint8_t *to)
{
    static const char marker[] = "\"content\":\".\"";
    const size_t mlen = sizeof marker - 1;
    for (size_t i = 0; i + mlen <= len; i++) {
        if (memcmp(buf + i, marker, mlen) == 0) {
            size_t pos = i + mlen - 2;
            *from = buf[pos];
            buf[pos] = '!';
            *to = buf[pos];
            return pos;
        }
    }
    size_t pos = len / 2;
    *from = buf[pos];
    buf[pos] ^= 0x01;
    *to = buf[pos];
    return pos;
}

static void print_byte(uint8_t b)
{
    if (b >= 0x20 && b < 0x7f)
        printf("'%c'", b);
    else
        printf("0x%02x", b);
}

/* ---- part 1: a simulated TEE ---------------------------------------------- */

struct demo_sim {
    pid_t pid;
    char dir[64];         /* temporary directory for the port and root files */
    char base_url[64];
    uint8_t *root;        /* the simulator's TEST root certificate (DER) */
    size_t root_len;
};

/* teeattest-sim: $TEEATTEST_SIM, else sim/teeattest-sim beside this
 * program (the build tree's layout), else teeattest-sim beside it (an
 * installed copy: both in bin/). */
static bool find_sim(char *out, size_t cap)
{
    const char *env = getenv("TEEATTEST_SIM");
    if (env && *env) {
        snprintf(out, cap, "%s", env);
        return access(out, X_OK) == 0;
    }
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return false;
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (!slash)
        return false;
    *slash = '\0';
    /* The build tree (tools/sim/), then an installed copy beside us. */
    snprintf(out, cap, "%s/sim/teeattest-sim", self);
    if (access(out, X_OK) == 0)
        return true;
    snprintf(out, cap, "%s/teeattest-sim", self);
    return access(out, X_OK) == 0;
}

/* A file the simulator writes atomically; NULL until it exists. */
static uint8_t *read_small(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = malloc(65536);
    size_t n = buf ? fread(buf, 1, 65536, f) : 0;
    fclose(f);
    if (!n) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

static void sim_stop(struct demo_sim *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, NULL, 0);
        s->pid = 0;
    }
    if (s->dir[0]) {
        char path[128];
        snprintf(path, sizeof path, "%s/ports", s->dir);
        unlink(path);
        snprintf(path, sizeof path, "%s/root.der", s->dir);
        unlink(path);
        rmdir(s->dir);
        s->dir[0] = '\0';
    }
    free(s->root);
    s->root = NULL;
}

/* Start the simulator as a CPU-only TEE on an ephemeral loopback port and
 * wait (at most 10 s) for its port file and TEST root. */
static bool sim_start(struct demo_sim *s)
{
    memset(s, 0, sizeof *s);
    char exe[PATH_MAX + 32];
    if (!find_sim(exe, sizeof exe)) {
        cli_error(CMD, "teeattest-sim not found (set TEEATTEST_SIM, or use "
                       "--offline)");
        return false;
    }
    /* mkdtemp() replaces the six trailing template characters. */
    int n = snprintf(s->dir, sizeof s->dir, "/tmp/teeattest-demo-");
    memset(s->dir + n, 'X', 6);
    s->dir[n + 6] = '\0';
    if (!mkdtemp(s->dir)) {
        s->dir[0] = '\0';
        cli_error(CMD, "cannot create a temporary directory: %s",
                  strerror(errno));
        return false;
    }
    char ports[128], root[128];
    snprintf(ports, sizeof ports, "%s/ports", s->dir);
    snprintf(root, sizeof root, "%s/root.der", s->dir);
    fflush(stdout);
    s->pid = fork();
    if (s->pid < 0) {
        cli_error(CMD, "fork: %s", strerror(errno));
        s->pid = 0;
        sim_stop(s);
        return false;
    }
    if (s->pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) {
            dup2(devnull, STDOUT_FILENO);
            dup2(devnull, STDERR_FILENO);
        }
        execl(exe, exe, "--http", "0", "--port-file", ports, "--tdx-root-out",
              root, "--no-gpu", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 200; i++) {
        FILE *f = fopen(ports, "r");
        long port = 0;
        if (f) {
            char line[64];
            while (fgets(line, sizeof line, f))
                if (sscanf(line, "http_port=%ld", &port) == 1)
                    break;
            fclose(f);
        }
        size_t len = 0;
        uint8_t *der = port > 0 ? read_small(root, &len) : NULL;
        if (der) {
            snprintf(s->base_url, sizeof s->base_url, "http://127.0.0.1:%ld",
                     port);
            s->root = der;
            s->root_len = len;
            return true;
        }
        if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
            s->pid = 0;
            break;
        }
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    cli_error(CMD, "teeattest-sim did not start");
    sim_stop(s);
    return false;
}

static void print_verdict(const teeattest_result *res, bool expect_verified,
                          bool as_expected)
{
    bool verified = teeattest_result_verdict(res) == TEEATTEST_VERDICT_VERIFIED;
    printf(INDENT "verdict   %s  (expected: %s)  %s\n",
           verified ? "verified" : "FAILED",
           expect_verified ? "verified" : "FAILED",
           as_expected ? "ok" : "NOT AS EXPECTED");
}

static const char demo_request[] =
    "{\"model\":\"sim/test-model\",\"stream\":true,\"messages\":"
    "[{\"role\":\"user\",\"content\":\"Say hello from the TEE.\"}]}";

/* Part 1; returns the number of results as expected (of 3). */
static size_t run_sim(teeattest_ctx *ctx, size_t *step, size_t total)
{
    struct demo_sim sim;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    teeattest_provider *p = NULL;
    teeattest_report *rep = NULL;
    teeattest_evidence *ev = NULL;
    teeattest_policy *pol = NULL;
    teeattest_result *res = NULL, *sres = NULL, *tres = NULL;
    teeattest_exchange *x = NULL;
    teeattest_signature *sig = NULL;
    uint8_t *tampered = NULL;
    size_t good = 0;

    printf("\n[%zu/%zu] A simulated TEE, attested end to end\n", ++*step,
           total);
    if (!sim_start(&sim))
        return 0;
    printf(INDENT "simulator %s (teeattest-sim: CPU-only TEE, quotes signed "
                  "under its\n" INDENT "          TEST root, trusted in this "
                  "demo only)\n", sim.base_url);
    uint8_t nonce[32];
    int rc;
    if ((rc = teeattest_provider_new(ctx, &p, "redpill", &err)) ||
        (rc = teeattest_provider_set_base_url(p, sim.base_url, &err)) ||
        (rc = teeattest_provider_set_model(p, "sim/test-model", &err)) ||
        (rc = teeattest_report_fetch(p, &rep, NULL, 0, NULL, &err)) ||
        (rc = teeattest_report_nonce(rep, nonce, TEEATTEST_NONCE_SIZE, NULL)) ||
        (rc = teeattest_evidence_new(ctx, &ev, &err)) ||
        (rc = teeattest_evidence_set_online(ev, TEEATTEST_ONLINE_PCCS,
                                            sim.base_url, &err)) ||
        (rc = teeattest_policy_new(ctx, &pol, &err)) ||
        (rc = teeattest_policy_set_tdx_root(pol, sim.root, sim.root_len, NULL)) ||
        (rc = teeattest_policy_set_require_gpu(pol, 0, NULL)) ||
        (rc = teeattest_report_verify(ctx, &res, rep, TEEATTEST_ENTRY_ALL, ev,
                                      pol, NULL, 0, &err))) {
        printf(INDENT "error     %s (%s)\n",
               err.message[0] ? err.message : teeattest_status_str(rc),
               teeattest_status_name(rc));
        goto out;
    }
    char nh[65];
    for (size_t i = 0; i < 32; i++)
        snprintf(nh + 2 * i, 3, "%02x", nonce[i]);
    printf(INDENT "nonce     %s (fresh, random)\n", nh);
    cli_print_checks(res, INDENT);
    bool ok = teeattest_result_verdict(res) == TEEATTEST_VERDICT_VERIFIED;
    print_verdict(res, true, ok);
    good += ok;
    const char *signer = teeattest_result_fact(res, "signer");
    if (signer)
        printf(INDENT "signer    %s, attested\n", signer);

    printf("\n[%zu/%zu] A streamed chat, its signature checked against the "
           "attested key\n", ++*step, total);
    const uint8_t *req, *resp;
    size_t req_len, resp_len;
    if ((rc = teeattest_chat(p, &x, (const uint8_t *)demo_request,
                             sizeof demo_request - 1, TEEATTEST_CHAT_STREAM,
                             NULL, NULL, &err)) ||
        (rc = teeattest_signature_fetch(p, &sig, x, "ecdsa", &err)) ||
        (rc = teeattest_exchange_request(x, &req, &req_len)) ||
        (rc = teeattest_exchange_response(x, &resp, &resp_len)) ||
        (rc = teeattest_signature_verify_attested(sig, &sres, pol, res, req,
                                                  req_len, resp, resp_len,
                                                  &err))) {
        printf(INDENT "error     %s (%s)\n",
               err.message[0] ? err.message : teeattest_status_str(rc),
               teeattest_status_name(rc));
        goto out;
    }
    printf(INDENT "exchange  request %zu bytes, streamed response %zu bytes\n",
           req_len, resp_len);
    cli_print_checks(sres, INDENT);
    ok = teeattest_result_verdict(sres) == TEEATTEST_VERDICT_VERIFIED;
    print_verdict(sres, true, ok);
    good += ok;

    printf("\n[%zu/%zu] The same answer with one byte changed\n", ++*step,
           total);
    tampered = malloc(resp_len ? resp_len : 1);
    if (!tampered)
        goto out;
    memcpy(tampered, resp, resp_len);
    uint8_t from, to;
    size_t pos = tamper(tampered, resp_len, &from, &to);
    printf(INDENT "tamper    response byte %zu: 0x%02x -> 0x%02x\n", pos, from,
           to);
    if (teeattest_signature_verify_attested(sig, &tres, pol, res, req,
                                            req_len, tampered, resp_len,
                                            &err) == TEEATTEST_OK) {
        cli_print_checks(tres, INDENT);
        int32_t o = 0;
        ok = teeattest_result_verdict(tres) == TEEATTEST_VERDICT_FAILED &&
             teeattest_result_find_check(tres, "signature.hash.response", &o,
                                         NULL, NULL) == TEEATTEST_OK &&
             o == TEEATTEST_OUTCOME_FAIL;
        print_verdict(tres, false, ok);
        good += ok;
    }
out:
    free(tampered);
    teeattest_result_free(tres);
    teeattest_result_free(sres);
    teeattest_result_free(res);
    teeattest_signature_free(sig);
    teeattest_exchange_free(x);
    teeattest_policy_free(pol);
    teeattest_evidence_free(ev);
    teeattest_report_free(rep);
    teeattest_provider_free(p);
    sim_stop(&sim);
    return good;
}

static int run_demo(bool offline)
{
    teeattest_error err = TEEATTEST_ERROR_INIT;
    teeattest_ctx *ctx = NULL;
    uint8_t *tampered = NULL;
    size_t sim_steps = offline ? 0 : 3;
    size_t total = sim_steps + demo_exchange_count + 1, good = 0, step = 0;
    int rc = CLI_FAILED;

    printf("teeattest demo (libteeattest %s): no network, no API key\n",
           teeattest_version_string());
    if (teeattest_ctx_new(&ctx, NULL, &err) != TEEATTEST_OK) {
        cli_error(CMD, "%s", err.message);
        goto out;
    }
    if (!offline)
        good += run_sim(ctx, &step, total);
    printf("\nNext: real signed exchanges printed in public documentation; "
           "the request, the\nresponse and the provider's signature record "
           "are embedded byte for byte.\n");
    for (size_t i = 0; i < demo_exchange_count; i++) {
        const struct demo_exchange *ex = &demo_exchanges[i];
        printf("\n[%zu/%zu] %s\n", ++step, total, ex->title);
        print_exchange_header(ex);
        struct demo_case c = {ex, (const uint8_t *)ex->response,
                              ex->response_len, true, NULL};
        good += run_case(ctx, &c);
    }

    const struct demo_exchange *ex = &demo_exchanges[0];
    tampered = malloc(ex->response_len);
    if (!tampered) {
        cli_error(CMD, "out of memory");
        goto out;
    }
    memcpy(tampered, ex->response, ex->response_len);
    uint8_t from, to;
    size_t pos = tamper(tampered, ex->response_len, &from, &to);
    printf("\n[%zu/%zu] Tampered: %s, one byte of the answer changed\n",
           ++step, total, ex->title);
    printf(INDENT "tamper    response byte %zu: ", pos);
    print_byte(from);
    fputs(" -> ", stdout);
    print_byte(to);
    if (from == '.' && to == '!')
        fputs(" (the answer \"Okay.\" now reads \"Okay!\")", stdout);
    fputc('\n', stdout);
    struct demo_case c = {ex, tampered, ex->response_len, false,
                          "signature.hash.response"};
    good += run_case(ctx, &c);

    /* Say what was not shown, so the demo is not read as more than it
     * proves. */
    if (offline)
        printf("\nShown: each answer was signed, over its exact bytes, by the "
               "pinned key, and a\none-byte change is caught. Run without "
               "--offline to see a TEE attested too.\n\n");
    else
        printf("\nShown: a TEE's quote, report_data, event log and compose "
               "hash verified, and its\nanswers signed over their exact bytes "
               "by the key it attests; real providers'\nanswers signed by "
               "their pinned keys; one changed byte caught every time.\nThe "
               "simulated TEE is anchored in the simulator's TEST root, not in "
               "Intel's, and\nhas no GPU (its result says tdx.root_override). "
               "For a real provider: teeattest attest.\n\n");
    if (good == total) {
        printf("demo: all results as expected\n");
        rc = CLI_OK;
    } else {
        printf("demo: %zu of %zu results NOT as expected\n", total - good,
               total);
    }
out:
    free(tampered);
    teeattest_ctx_free(ctx);
    return rc;
}

int cmd_demo(int argc, char **argv)
{
    struct cli_opt opts[] = {
        {"save", true, false, NULL},
        {"offline", false, false, NULL},
        {NULL, false, false, NULL},
    };
    bool help;
    if (!cli_parse_opts(CMD, opts, argc, argv, 2, &help))
        return CLI_USAGE;
    if (help) {
        help_demo(stdout);
        return CLI_OK;
    }
    const struct cli_opt *save = cli_opt(opts, "save");
    if (save->seen)
        return save_exchanges(save->value);
    return run_demo(cli_opt(opts, "offline")->seen);
}
