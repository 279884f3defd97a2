/*
 * teeattest proxy: a local OpenAI-compatible endpoint that attests the
 * provider and hands a client only answers whose signature verified
 * against the attested signer (docs/proxy.md).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "proxy.h"

/* The inbound bearer token (never on the command line). */
#define PROXY_TOKEN_ENV "TEEATTEST_PROXY_TOKEN"

void help_proxy(FILE *f)
{
    fputs("Usage: teeattest proxy --provider NAME [--model NAME]\n"
          "           [--listen ADDR:PORT] [--base-url URL] [--reattest DURATION]\n"
          "           [--save-dir DIR] [--expect-signer ID] [--buffer-streams]\n"
          "           [--upstream-timeout SECONDS] [--idle-timeout SECONDS]\n"
          "           [--reattest-backoff DURATION] [--allow-remote]\n"
          "           [--e2ee [--e2ee-suite x25519|secp256k1]] [--at UNIX]\n"
          "           [material options] [policy options] [signature options]\n"
          "\n"
          "Serve an OpenAI-compatible endpoint (POST /v1/chat/completions,\n"
          "GET /v1/models) that attests the provider, then verifies every\n"
          "answer's signature against the attested signer before the client\n"
          "gets it. Point a client at it with\n"
          "OPENAI_BASE_URL=http://127.0.0.1:8080/v1; nothing else changes.\n"
          "\n"
          "It attests at start with a fresh nonce, every --reattest interval,\n"
          "and whenever an answer names a signer (or the provider a TLS key)\n"
          "the current attestation does not cover. Without a verified\n"
          "attestation a request gets 503; an answer whose signature does not\n"
          "verify gets 502; both are OpenAI-shaped errors naming the failed\n"
          "checks. A verified answer carries X-Teeattest-Verdict,\n"
          "X-Teeattest-Signer and X-Teeattest-Attested-At. A stream is relayed\n"
          "as it arrives; its final 'data: [DONE]' is held until the signature\n"
          "verified and follows an SSE comment with the verdict; on failure\n"
          "the stream ends with an 'error' event and no [DONE].\n"
          "With --provider aci each answer's receipt is verified instead,\n"
          "against the attested keyset over the exact bytes, and the chats go\n"
          "only to the attested TLS key. With --e2ee each request is also\n"
          "encrypted (E2EE v2) to an E2EE key of the attested keyset and the\n"
          "answer decrypted (every field's tag checked) before the client\n"
          "gets it as plaintext, with X-Teeattest-E2EE (suite) and\n"
          "X-Teeattest-E2EE-Key (key_id).\n"
          "GET /teeattest/status returns the attestation result and counters.\n"
          "\n"
          "Options:\n"
          CLI_PROVIDER_OPTIONS_HELP(
          "  --model NAME              the model to attest and serve; requests\n"
          "                            naming another model get 400\n")
          "  --listen ADDR:PORT        where to listen (default 127.0.0.1:8080;\n"
          "                            port 0: any free port); the address\n"
          "                            bound is printed as 'listening on URL'\n"
          "  --allow-remote            allow a non-loopback --listen address;\n"
          "                            requires " PROXY_TOKEN_ENV "\n"
          "  --reattest DURATION       attest again this often: seconds, or a\n"
          "                            number with s, m or h (default 10m;\n"
          "                            0: only when needed)\n"
          "  --reattest-backoff DURATION  after a failed attestation, wait\n"
          "                            this long before the next attempt;\n"
          "                            requests meanwhile get its 503\n"
          "                            (default 10s; 0: try on every request)\n"
          "  --idle-timeout SECONDS    close a client's keep-alive connection\n"
          "                            idle this long (default 60; 0: never);\n"
          "                            a request waiting for the provider is\n"
          "                            not idle\n"
          "  --upstream-timeout SECONDS  per request: longest wait to connect\n"
          "                            and longest silence of the provider\n"
          "                            (default 120); a request that runs out\n"
          "                            gets 504 (or an error event)\n"
          "  --expect-signer ID        pin this signer instead of attesting (a\n"
          "                            provider whose attestation cannot be\n"
          "                            checked): answers are marked 'pinned'\n"
          "  --allow-unbound-signer    with --expect-signer: accept a record\n"
          "                            that names no signer (as chat does)\n"
          "  --buffer-streams          hold a whole stream until its signature\n"
          "                            verified, instead of relaying it\n"
          "  --save-dir DIR            write an evidence bundle per verified\n"
          "                            exchange, DIR/exchange-N.json, that\n"
          "                            'teeattest verify' re-verifies (aci:\n"
          "                            DIR/exchange-N/ with the receipt files\n"
          "                            'teeattest aci verify-receipt' reads;\n"
          "                            with --e2ee a bundle DIR/exchange-N.json\n"
          "                            holding the session's key, 0600)\n"
          "  --e2ee                    (--provider aci) encrypt each request to\n"
          "                            an E2EE key of the attested keyset and\n"
          "                            decrypt its answer (E2EE v2; checks\n"
          "                            aci.e2ee.key, aci.e2ee.response)\n"
          "  --e2ee-suite SUITE        x25519 (default when listed) or secp256k1\n"
          "  --at UNIX                 the proxy's clock fixed at this Unix time\n"
          "                            (tests, reproducing a run): the\n"
          "                            verification time, Attested-At and the\n"
          "                            X-E2EE-Timestamp (default: the system\n"
          "                            clock)\n"
          "  --offline                 no network for verification material:\n"
          "                            collateral and GPU material only from\n"
          "                            the options below (as attest)\n"
          "  -h, --help                show this help\n"
          "\n"
          CLI_EVIDENCE_OPTIONS_HELP
          "\n"
          CLI_POLICY_OPTIONS_HELP
          "\n"
          CLI_SIGNATURE_OPTIONS_HELP
          "\n"
          "The provider's API key is read from the dialect's environment\n"
          "variable (see 'teeattest providers'); the client's Authorization\n"
          "header is never forwarded. When " PROXY_TOKEN_ENV " is set, every\n"
          "request must carry 'Authorization: Bearer <that token>'.\n"
          "SIGINT and SIGTERM stop it cleanly.\n"
          "\n"
          "Exit status: 0 after a signal, 2 usage or start-up error.\n", f);
}

/* "600", "30s", "10m", "1h" into ms (at most a day). */
static bool parse_duration(const char *s, uint64_t *ms)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    double unit = 1000;
    if (*end == 's')
        end++;
    else if (*end == 'm')
        unit = 60000, end++;
    else if (*end == 'h')
        unit = 3600000, end++;
    if (errno || end == s || *end || !(v >= 0) || v * unit > 86400000.0)
        return false;
    *ms = (uint64_t)(v * unit);
    return true;
}

/* "HOST:PORT" or "[V6]:PORT" into host (room for 64) and port. */
static bool parse_listen(const char *s, char *host, uint16_t *port)
{
    const char *colon;
    size_t hl;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':')
            return false;
        hl = (size_t)(close - s - 1);
        memcpy(host, s + 1, hl < 63 ? hl : 63);
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon)
            return false;
        hl = (size_t)(colon - s);
        memcpy(host, s, hl < 63 ? hl : 63);
    }
    if (hl == 0 || hl > 63)
        return false;
    host[hl] = '\0';
    char *end;
    errno = 0;
    unsigned long p = strtoul(colon + 1, &end, 10);
    if (errno || end == colon + 1 || *end || p > 65535)
        return false;
    *port = (uint16_t)p;
    return true;
}

/* --at: the context's clock. */
static int64_t fixed_clock(void *user_data)
{
    return *(const int64_t *)user_data;
}

static bool is_loopback(const char *host)
{
    return strncmp(host, "127.", 4) == 0 || strcmp(host, "::1") == 0;
}

int cmd_proxy(int argc, char **argv)
{
    struct cli_opt opts[] = {
        CLI_PROVIDER_OPTIONS,
        {"listen", true, false, NULL},
        {"allow-remote", false, false, NULL},
        {"reattest", true, false, NULL},
        {"reattest-backoff", true, false, NULL},
        {"upstream-timeout", true, false, NULL},
        {"idle-timeout", true, false, NULL},
        {"expect-signer", true, false, NULL},
        {"allow-unbound-signer", false, false, NULL},
        {"buffer-streams", false, false, NULL},
        {"save-dir", true, false, NULL},
        {"e2ee", false, false, NULL},
        {"e2ee-suite", true, false, NULL},
        {"at", true, false, NULL},
        CLI_EVIDENCE_OPTIONS,
        CLI_POLICY_OPTIONS,
        CLI_SIGNATURE_OPTIONS,
        {NULL, false, false, NULL},
    };
    struct cli_verify_args va;
    bool help;
    if (!cli_verify_args_take(PROXY, argc, argv, &va) ||
        !cli_parse_opts(PROXY, opts, va.rest_argc, va.rest, 2, &help)) {
        cli_verify_args_free(&va);
        return CLI_USAGE;
    }
    if (help) {
        cli_verify_args_free(&va);
        help_proxy(stdout);
        return CLI_OK;
    }
    static struct proxy px; /* the signal thread and the server share it */
    memset(&px, 0, sizeof px);
    px.opts = opts;
    px.va = &va;
    px.reattest_ms = 600000;
    px.backoff_ms = PROXY_BACKOFF_DEFAULT_MS;
    px.idle_timeout_s = PROXY_IDLE_DEFAULT_S;
    px.now_ms = proxy_monotonic_ms;
    px.upstream_timeout_ms = 120000;
    int rc = CLI_USAGE;
    char *cache_dir = NULL;
    void *daemon = NULL;
    pthread_t timer;
    bool timer_started = false;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    char host[64] = "127.0.0.1";
    uint16_t port = 8080;
    const struct cli_opt *o;

    if ((o = cli_opt(opts, "listen"))->seen &&
        !parse_listen(o->value, host, &port)) {
        cli_error(PROXY, "--listen takes ADDR:PORT (e.g. 127.0.0.1:8080)");
        goto out;
    }
    const char *token = getenv(PROXY_TOKEN_ENV);
    px.token = token && *token ? token : NULL;
    if (!is_loopback(host)) {
        if (!cli_opt(opts, "allow-remote")->seen) {
            cli_error(PROXY, "--listen %s is not loopback: give "
                      "--allow-remote (and " PROXY_TOKEN_ENV ")", host);
            goto out;
        }
        if (!px.token) {
            cli_error(PROXY, "--allow-remote needs a bearer token in "
                      PROXY_TOKEN_ENV);
            goto out;
        }
    }
    if ((o = cli_opt(opts, "reattest"))->seen &&
        !parse_duration(o->value, &px.reattest_ms)) {
        cli_error(PROXY, "--reattest takes a duration such as 600, 30s, "
                  "10m or 1h (at most a day)");
        goto out;
    }
    if ((o = cli_opt(opts, "reattest-backoff"))->seen &&
        !parse_duration(o->value, &px.backoff_ms)) {
        cli_error(PROXY, "--reattest-backoff takes a duration such as 0, "
                  "10s or 1m (at most a day)");
        goto out;
    }
    uint64_t ms;
    if ((o = cli_opt(opts, "idle-timeout"))->seen) {
        if (!parse_duration(o->value, &ms)) {
            cli_error(PROXY, "--idle-timeout takes seconds (0: none; at "
                      "most 86400)");
            goto out;
        }
        px.idle_timeout_s = (unsigned)((ms + 999) / 1000);
    }
    if ((o = cli_opt(opts, "upstream-timeout"))->seen) {
        if (!parse_duration(o->value, &ms) || ms == 0) {
            cli_error(PROXY, "--upstream-timeout takes seconds "
                      "(0 < SECONDS <= 86400)");
            goto out;
        }
        px.upstream_timeout_ms = (uint32_t)ms;
    }
    px.pinned_signer = (o = cli_opt(opts, "expect-signer"))->seen ? o->value
                                                                 : NULL;
    if (cli_opt(opts, "allow-unbound-signer")->seen && !px.pinned_signer) {
        cli_error(PROXY, "--allow-unbound-signer is for --expect-signer");
        goto out;
    }
    px.buffer_streams = cli_opt(opts, "buffer-streams")->seen;
    px.provider = cli_opt(opts, "provider")->value;
    px.aci = px.provider && strcmp(px.provider, "aci") == 0;
    px.e2ee = cli_opt(opts, "e2ee")->seen;
    if ((o = cli_opt(opts, "e2ee-suite"))->seen) {
        if (strcmp(o->value, "x25519") == 0)
            px.e2ee_algo = TEEATTEST_E2EE_ALGO_X25519;
        else if (strcmp(o->value, "secp256k1") == 0)
            px.e2ee_algo = TEEATTEST_E2EE_ALGO_SECP256K1;
        if (!px.e2ee || !px.e2ee_algo) {
            cli_error(PROXY, "--e2ee-suite takes x25519 or secp256k1, with "
                      "--e2ee");
            goto out;
        }
    }
    if (px.e2ee && !px.aci) {
        cli_error(PROXY, "--e2ee is for --provider aci (E2EE v2 to the "
                  "attested keyset's key)");
        goto out;
    }
    bool fixed_at = (o = cli_opt(opts, "at"))->seen;
    if (fixed_at && !cli_parse_unix_time(PROXY, "at", o->value, &px.at))
        goto out;
    px.save_dir = (o = cli_opt(opts, "save-dir"))->seen ? o->value : NULL;
    if (px.save_dir && px.pinned_signer) {
        cli_error(PROXY, "--save-dir saves attested exchanges; with "
                  "--expect-signer there is no attestation to save");
        goto out;
    }
    if (px.save_dir && !cli_make_dir(PROXY, px.save_dir))
        goto out;
    px.model = (o = cli_opt(opts, "model"))->seen ? o->value : NULL;
    if (px.aci && px.pinned_signer) {
        cli_error(PROXY, "--expect-signer is for signature dialects: an aci "
                  "answer is checked by its receipt against the attested "
                  "keyset");
        goto out;
    }
    px.ca_file = (o = cli_opt(opts, "ca-file"))->seen ? o->value : NULL;

    /* One context (no deadline: the proxy runs until stopped), one
     * provider, one policy, shared by every thread. Its clock is --at when
     * given: the time of every verification and of the E2EE timestamps. */
    if (!cli_cache_dir(PROXY, opts, &cache_dir))
        goto out;
    if (fixed_at) {
        teeattest_ctx_options co = TEEATTEST_CTX_OPTIONS_INIT;
        co.cache_dir = cache_dir;
        co.clock = fixed_clock;
        co.clock_user_data = &px.at;
        int st = teeattest_ctx_new(&px.ctx, &co, &err);
        if (st != TEEATTEST_OK) {
            cli_error(PROXY, "%s", err.message[0] ? err.message
                                                  : teeattest_status_str(st));
            goto out;
        }
    } else if (!cli_ctx_new_cached(PROXY, cache_dir, &px.ctx)) {
        goto out;
    }
    if (!cli_provider_open(PROXY, opts, px.ctx, &px.p))
        goto out;
    teeattest_provider_set_timeouts(px.p, px.upstream_timeout_ms,
                                    UINT32_MAX / 2, px.upstream_timeout_ms);
    if (teeattest_policy_new(px.ctx, &px.pol, &err) != TEEATTEST_OK) {
        cli_error(PROXY, "%s", err.message);
        goto out;
    }
    if (!cli_signature_apply(PROXY, opts, px.pol) ||
        !cli_policy_apply(PROXY, opts, px.pol))
        goto out;
    if (cli_opt(opts, "allow-unbound-signer")->seen &&
        teeattest_policy_set_require_signer(px.pol, 0, NULL) != TEEATTEST_OK)
        goto out;
    const char *url = NULL;
    if ((o = cli_opt(opts, "base-url"))->seen)
        url = o->value;
    else
        teeattest_dialect_info(px.provider, &url, NULL, NULL);
    px.upstream_base = url ? url : "";
    const char *env = teeattest_dialect_api_key_env(px.provider);
    px.api_key = env && getenv(env) && *getenv(env) ? getenv(env) : NULL;

    pthread_mutex_init(&px.lock, NULL);
    pthread_mutex_init(&px.run, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&px.wake, &ca);
    pthread_condattr_destroy(&ca);
    curl_global_init(CURL_GLOBAL_DEFAULT);

    /* SIGINT/SIGTERM are taken by sigwait() below; every thread started
     * from here inherits the mask. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (!px.pinned_signer) {
        struct proxy_att *a = proxy_attest(&px, 0, NULL);
        if (!a) {
            cli_error(PROXY, "out of memory");
            goto out;
        }
        /* A failed first attestation is not fatal: requests get 503 until
         * one verifies (each tries again). */
        fprintf(stderr, "teeattest: proxy: attestation 1 %s\n",
                a->ok ? "verified" : "FAILED (requests get 503)");
        proxy_att_free(a);
        if (px.reattest_ms &&
            pthread_create(&timer, NULL, proxy_reattest_thread, &px) == 0)
            timer_started = true;
    }
    daemon = proxy_http_start(&px, host, &port);
    if (!daemon)
        goto stop;
    printf("listening on http://%s%s%s:%u\n", strchr(host, ':') ? "[" : "",
           host, strchr(host, ':') ? "]" : "", (unsigned)port);
    fflush(stdout);
    int sig = 0;
    sigwait(&sigs, &sig);
    fprintf(stderr, "teeattest: proxy: %s, stopping\n",
            sig == SIGINT ? "SIGINT" : "SIGTERM");
    rc = CLI_OK;
stop:
    atomic_store(&px.stopping, true);
    pthread_mutex_lock(&px.lock);
    pthread_cond_broadcast(&px.wake);
    pthread_mutex_unlock(&px.lock);
    if (daemon)
        proxy_http_stop(&px, daemon);
    if (timer_started)
        pthread_join(timer, NULL);
    if (proxy_http_relays() > 0) {
        /* A relay still waits for the provider: leave the shared objects
         * to the process exit rather than free them under it. */
        fflush(stdout);
        _exit(rc);
    }
    proxy_att_free(px.cur);
    curl_global_cleanup();
out:
    free(cache_dir);
    teeattest_policy_free(px.pol);
    teeattest_provider_free(px.p);
    teeattest_ctx_free(px.ctx);
    cli_verify_args_free(&va);
    return rc;
}
