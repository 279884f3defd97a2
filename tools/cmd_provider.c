/*
 * teeattest providers | attest | chat: the commands that talk to a
 * provider over the network (or to the loopback simulator).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"

/* ---- shared network options ------------------------------------------- */

#define NET_OPTIONS_HELP \
    "  --provider NAME           dialect (see 'teeattest providers')\n" \
    "  --base-url URL            provider base URL (default: the dialect's)\n" \
    "  --model NAME              model to attest or chat with\n" \
    "  --signing-algo ALGO       ecdsa (default) or ed25519\n" \
    "  --ca-file FILE            PEM CA bundle to trust instead of the\n" \
    "                            system's (e.g. the simulator's)\n" \
    "  --timeout SECONDS         give up after this long (default 120)\n"

#define NET_OPTIONS \
    {"provider", true, false, NULL}, {"base-url", true, false, NULL}, \
    {"model", true, false, NULL}, {"signing-algo", true, false, NULL}, \
    {"ca-file", true, false, NULL}, {"timeout", true, false, NULL}

/* The API key never comes from the command line (it would show in `ps`
 * and shell history): only from the dialect's environment variable. */
static bool open_provider(const char *cmd, struct cli_opt *opts,
                          teeattest_ctx **ctx, teeattest_provider **p)
{
    teeattest_error err = TEEATTEST_ERROR_INIT;
    const struct cli_opt *o_prov = cli_opt(opts, "provider");
    if (!o_prov->seen) {
        cli_error(cmd, "missing --provider (see 'teeattest providers')");
        return false;
    }
    if (teeattest_ctx_new(ctx, NULL, &err) != TEEATTEST_OK) {
        cli_error(cmd, "%s", err.message);
        return false;
    }
    int st = teeattest_provider_new(*ctx, p, o_prov->value, &err);
    if (st == TEEATTEST_E_NOT_FOUND) {
        cli_error(cmd, "unknown provider '%s' (see 'teeattest providers')",
                  o_prov->value);
        return false;
    }
    if (st != TEEATTEST_OK) {
        cli_error(cmd, "%s", err.message);
        return false;
    }
    const struct cli_opt *o;
    if ((o = cli_opt(opts, "base-url"))->seen &&
        teeattest_provider_set_base_url(*p, o->value, &err) != TEEATTEST_OK) {
        cli_error(cmd, "--base-url %s: %s", o->value, err.message);
        return false;
    }
    if ((o = cli_opt(opts, "model"))->seen &&
        teeattest_provider_set_model(*p, o->value, &err) != TEEATTEST_OK) {
        cli_error(cmd, "--model: %s", err.message);
        return false;
    }
    if ((o = cli_opt(opts, "signing-algo"))->seen) {
        if (strcmp(o->value, "ecdsa") != 0 && strcmp(o->value, "ed25519") != 0) {
            cli_error(cmd, "--signing-algo must be ecdsa or ed25519");
            return false;
        }
        if (teeattest_provider_set_option(*p, "signing_algo", o->value,
                                          &err) != TEEATTEST_OK) {
            cli_error(cmd, "--signing-algo: %s", err.message);
            return false;
        }
    }
    if ((o = cli_opt(opts, "ca-file"))->seen &&
        teeattest_provider_set_option(*p, "ca_file", o->value, &err) !=
            TEEATTEST_OK) {
        cli_error(cmd, "--ca-file %s: %s", o->value, err.message);
        return false;
    }
    if ((o = cli_opt(opts, "timeout"))->seen) {
        char *end;
        errno = 0;
        double s = strtod(o->value, &end);
        if (errno || *end || !(s > 0) || s > 86400) {
            cli_error(cmd, "--timeout takes seconds (0 < SECONDS <= 86400)");
            return false;
        }
        uint32_t ms = (uint32_t)(s * 1000);
        if (ms == 0)
            ms = 1;
        /* One budget for the whole exchange; connect and idle limits may
         * not exceed it. */
        uint32_t connect = ms < 10000 ? ms : 10000;
        uint32_t idle = ms < 30000 ? ms : 30000;
        teeattest_provider_set_timeouts(*p, connect, ms, idle);
    }
    return true;
}

/* One line for a failed network call: status name, message, HTTP status. */
static void network_error(const char *cmd, const char *what, int st,
                          const teeattest_error *err)
{
    if (st == TEEATTEST_E_HTTP_STATUS && err->backend_code)
        cli_error(cmd, "%s: HTTP %d: %s", what, (int)err->backend_code,
                  err->message);
    else
        cli_error(cmd, "%s: %s (%s)", what,
                  err->message[0] ? err->message : teeattest_status_str(st),
                  teeattest_status_name(st));
}

static void hex_out(char *out, const uint8_t *in, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = hex[in[i] >> 4];
        out[2 * i + 1] = hex[in[i] & 15];
    }
    out[2 * len] = '\0';
}

/* ---- providers ---------------------------------------------------------- */

void help_providers(FILE *f)
{
    fputs("Usage: teeattest providers [--json]\n"
          "\n"
          "List the provider dialects this library speaks, with their default\n"
          "base URL, the endpoints they use and the environment variable that\n"
          "holds the API key.\n"
          "\n"
          "Exit status: 0.\n", f);
}

int cmd_providers(int argc, char **argv)
{
    struct cli_opt opts[] = {{"json", false, false, NULL},
                             {NULL, false, false, NULL}};
    bool help;
    if (!cli_parse_opts("providers", opts, argc, argv, 2, &help))
        return CLI_USAGE;
    if (help) {
        help_providers(stdout);
        return CLI_OK;
    }
    bool json = cli_opt(opts, "json")->seen;
    json_t *arr = json ? json_array() : NULL;
    for (size_t i = 0;; i++) {
        const char *name = teeattest_dialect_name(i);
        if (!name)
            break;
        const char *url = NULL, *summary = NULL;
        if (teeattest_dialect_info(name, &url, &summary) != TEEATTEST_OK)
            continue;
        if (json) {
            json_array_append_new(arr, json_pack("{s:s, s:s?, s:s?}", "name",
                                                 name, "base_url", url,
                                                 "summary", summary));
            continue;
        }
        printf("%s\n  base URL: %s\n", name, url ? url : "(none: give --base-url)");
        /* Indent the multi-line summary under the name. */
        const char *s = summary ? summary : "";
        while (*s) {
            const char *nl = strchr(s, '\n');
            size_t n = nl ? (size_t)(nl - s) : strlen(s);
            printf("  %.*s\n", (int)n, s);
            s += n + (nl ? 1 : 0);
        }
    }
    if (json) {
        char *text = json_dumps(arr, JSON_INDENT(2));
        if (!text) {
            json_decref(arr);
            cli_error("providers", "out of memory");
            return CLI_USAGE;
        }
        puts(text);
        free(text);
        json_decref(arr);
    }
    return CLI_OK;
}

/* ---- attest ------------------------------------------------------------- */

#define ATTEST "attest"

void help_attest(FILE *f)
{
    fputs("Usage: teeattest attest --provider NAME [--base-url URL] --model NAME\n"
          "           [--save FILE] [--json] [network options]\n"
          "\n"
          "Fetch the provider's attestation report with a fresh random nonce and\n"
          "show what it claims: one entry per serving node, with its signing key,\n"
          "TDX quote, GPU evidence and TLS fingerprint. This version does NOT yet\n"
          "verify the quote or the GPU evidence: everything shown is what the\n"
          "provider states, and the echoed nonce is compared for information\n"
          "only (freshness is proved by the quote, checked in a later version).\n"
          "\n"
          "Options:\n"
          NET_OPTIONS_HELP
          "  --save FILE               write the capture (nonce, base URL, TLS key,\n"
          "                            report exactly as received) as JSON\n"
          "  --json                    print the summary as JSON\n"
          "  -h, --help                show this help\n"
          "\n"
          "The API key is read from the dialect's environment variable (see\n"
          "'teeattest providers'); it is never printed.\n"
          "\n"
          "Exit status: 0 report fetched and parsed, 2 usage, transport, HTTP or\n"
          "parse error.\n", f);
}

static const char *entry_text(const teeattest_report *rep, size_t i,
                              int32_t field)
{
    const uint8_t *d = NULL;
    size_t n = 0;
    if (teeattest_report_entry_get(rep, i, field, &d, &n) != TEEATTEST_OK)
        return NULL;
    return (const char *)d;
}

static bool entry_bytes(const teeattest_report *rep, size_t i, int32_t field,
                        const uint8_t **d, size_t *n)
{
    return teeattest_report_entry_get(rep, i, field, d, n) == TEEATTEST_OK;
}

/* The capture written by --save: everything this fetch knows, with the
 * report embedded verbatim (it parsed, so it is valid JSON). */
static bool save_capture(const char *path, const teeattest_provider *p,
                         const char *base_url, const char *model,
                         const teeattest_report *rep, const char *nonce_hex)
{
    const uint8_t *raw = NULL, *spki = NULL;
    size_t raw_len = 0, spki_len = 0;
    teeattest_report_raw(rep, &raw, &raw_len);
    char *spki_hex = NULL;
    if (teeattest_report_tls_spki(rep, &spki, &spki_len) == TEEATTEST_OK) {
        spki_hex = malloc(2 * spki_len + 1);
        if (spki_hex)
            hex_out(spki_hex, spki, spki_len);
    }
    json_t *head = json_pack("{s:s, s:s, s:s?, s:s?, s:s, s:I, s:s?}",
                             "format", "teeattest-report-capture/1",
                             "dialect", teeattest_provider_dialect(p),
                             "base_url", base_url, "model", model,
                             "nonce", nonce_hex,
                             "captured_at", (json_int_t)time(NULL),
                             "tls_spki_der_hex", spki_hex);
    free(spki_hex);
    char *h = head ? json_dumps(head, JSON_COMPACT) : NULL;
    json_decref(head);
    if (!h) {
        cli_error(ATTEST, "out of memory");
        return false;
    }
    /* {"format":...,"report":<raw>}: replace the closing brace. */
    size_t hl = strlen(h);
    size_t total = hl - 1 + strlen(",\"report\":") + raw_len + 2;
    char *out = malloc(total);
    if (!out) {
        free(h);
        cli_error(ATTEST, "out of memory");
        return false;
    }
    size_t o = 0;
    memcpy(out, h, hl - 1);
    o += hl - 1;
    memcpy(out + o, ",\"report\":", strlen(",\"report\":"));
    o += strlen(",\"report\":");
    memcpy(out + o, raw, raw_len);
    o += raw_len;
    out[o++] = '}';
    out[o++] = '\n';
    free(h);
    bool ok = cli_write_new_file(ATTEST, path, out, o);
    free(out);
    return ok;
}

int cmd_attest(int argc, char **argv)
{
    struct cli_opt opts[] = {
        NET_OPTIONS,
        {"save", true, false, NULL},
        {"json", false, false, NULL},
        {NULL, false, false, NULL},
    };
    bool help;
    if (!cli_parse_opts(ATTEST, opts, argc, argv, 2, &help))
        return CLI_USAGE;
    if (help) {
        help_attest(stdout);
        return CLI_OK;
    }
    teeattest_ctx *ctx = NULL;
    teeattest_provider *p = NULL;
    teeattest_report *rep = NULL;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    int rc = CLI_USAGE;
    json_t *jout = NULL;
    if (!open_provider(ATTEST, opts, &ctx, &p))
        goto out;
    int st = teeattest_report_fetch(p, &rep, NULL, NULL, &err);
    if (st != TEEATTEST_OK) {
        network_error(ATTEST, "fetching the attestation report", st, &err);
        goto out;
    }
    uint8_t nonce[TEEATTEST_NONCE_SIZE];
    char nonce_hex[2 * TEEATTEST_NONCE_SIZE + 1];
    if (teeattest_report_nonce(rep, nonce) != TEEATTEST_OK) {
        cli_error(ATTEST, "the report lost its nonce (library bug)");
        goto out;
    }
    hex_out(nonce_hex, nonce, sizeof nonce);

    const struct cli_opt *o_save = cli_opt(opts, "save");
    if (o_save->seen &&
        !save_capture(o_save->value, p, cli_opt(opts, "base-url")->value,
                      cli_opt(opts, "model")->value, rep, nonce_hex))
        goto out;

    bool json = cli_opt(opts, "json")->seen;
    size_t n = teeattest_report_entry_count(rep);
    if (json) {
        jout = json_pack("{s:s, s:s, s:b, s:s, s:[]}", "dialect",
                         teeattest_report_dialect(rep), "nonce", nonce_hex,
                         "verified", 0, "note",
                         "claims only: quote and GPU evidence not verified",
                         "entries");
    } else {
        printf("provider: %s\nnonce sent: %s\nentries: %zu\n",
               teeattest_report_dialect(rep), nonce_hex, n);
    }
    for (size_t i = 0; i < n; i++) {
        const uint8_t *d;
        size_t dl;
        const char *role = entry_text(rep, i, TEEATTEST_ENTRY_ROLE);
        const char *addr = entry_text(rep, i, TEEATTEST_ENTRY_SIGNING_ADDRESS);
        const char *algo = entry_text(rep, i, TEEATTEST_ENTRY_SIGNING_ALGO);
        const char *model = entry_text(rep, i, TEEATTEST_ENTRY_MODEL);
        size_t quote_len = entry_bytes(rep, i, TEEATTEST_ENTRY_QUOTE, &d, &dl) ? dl : 0;
        bool gpu = entry_bytes(rep, i, TEEATTEST_ENTRY_GPU_PAYLOAD, &d, &dl);
        bool evlog = entry_bytes(rep, i, TEEATTEST_ENTRY_EVENT_LOG, &d, &dl);
        char tls[65] = "";
        if (entry_bytes(rep, i, TEEATTEST_ENTRY_TLS_FINGERPRINT, &d, &dl) &&
            dl == 32)
            hex_out(tls, d, 32);
        const char *echo = "absent";
        if (entry_bytes(rep, i, TEEATTEST_ENTRY_NONCE_ECHO, &d, &dl))
            echo = dl == sizeof nonce && memcmp(d, nonce, dl) == 0
                       ? "matches" : "DIFFERS";
        if (json) {
            json_array_append_new(
                json_object_get(jout, "entries"),
                json_pack("{s:s?, s:s?, s:s?, s:s?, s:I, s:b, s:b, s:s?, s:s}",
                          "role", role, "model", model,
                          "signing_address", addr, "signing_algo", algo,
                          "quote_bytes", (json_int_t)quote_len,
                          "gpu_evidence", gpu, "event_log", evlog,
                          "tls_fingerprint", tls[0] ? tls : NULL,
                          "nonce_echo", echo));
            continue;
        }
        printf("entry %zu: %s\n", i, role ? role : "node");
        if (model) {
            printf("  model:           ");
            cli_fputs_safe(model, stdout);
            putchar('\n');
        }
        printf("  signer:          ");
        cli_fputs_safe(addr ? addr : "(none stated)", stdout);
        printf(" (%s)\n", algo ? algo : "?");
        printf("  TDX quote:       %zu bytes\n", quote_len);
        printf("  GPU evidence:    %s\n", gpu ? "present" : "absent");
        printf("  event log:       %s\n", evlog ? "present" : "absent");
        printf("  TLS fingerprint: %s\n", tls[0] ? tls : "absent");
        printf("  nonce echo:      %s (informational)\n", echo);
    }
    if (json) {
        char *text = jout ? json_dumps(jout, JSON_INDENT(2)) : NULL;
        if (!text) {
            cli_error(ATTEST, "out of memory");
            goto out;
        }
        puts(text);
        free(text);
    } else {
        puts("attestation: NOT verified (quote and GPU verification are not in "
             "this version; the entries above are the provider's claims)");
    }
    rc = CLI_OK;
out:
    json_decref(jout);
    teeattest_report_free(rep);
    teeattest_provider_free(p);
    teeattest_ctx_free(ctx);
    return rc;
}

/* ---- chat --------------------------------------------------------------- */

#define CHAT "chat"

void help_chat(FILE *f)
{
    fputs("Usage: teeattest chat --provider NAME [--base-url URL] --model NAME\n"
          "           [--stream] [--expect-signer ID] [--allow-unbound-signer]\n"
          "           [--save DIR] [--json] [network options] PROMPT\n"
          "\n"
          "Send PROMPT as one user message, print the answer (as it streams with\n"
          "--stream), then fetch the provider's signature for the exchange and\n"
          "verify it over the exact request and response bytes.\n"
          "\n"
          "The signer must be pinned with --expect-signer: this version does not\n"
          "yet verify attestation reports, so it cannot bind the signer to an\n"
          "attested TEE (the result says attestation was not checked). Without\n"
          "--expect-signer the verdict fails unless --allow-unbound-signer.\n"
          "\n"
          "Options:\n"
          NET_OPTIONS_HELP
          "  --stream                  ask for a streamed (SSE) answer\n"
          "  --expect-signer ID        the signer you trust: 0x + 40 hex (ecdsa)\n"
          "                            or 64 hex (ed25519 public key)\n"
          "  --allow-unbound-signer    accept a valid signature by any key\n"
          "  --save DIR                write request_body.json, response_body.sse\n"
          "                            (or .json) and signature_response.json, the\n"
          "                            files 'teeattest verify-signature' reads\n"
          "  --json                    print the verification result as JSON only\n"
          "                            (the answer is not printed)\n"
          "  -h, --help                show this help\n"
          "\n"
          "Exit status: 0 verified, 1 verification failed (or no signature\n"
          "available), 2 usage, transport, HTTP or input error.\n", f);
}

struct chat_state {
    bool print;       /* echo the answer's text to stdout */
    bool printed_any;
};

/* Print the text a chat-completion JSON chunk or body carries. */
static void print_content(struct chat_state *s, const char *data, size_t len,
                          bool streaming)
{
    json_t *root = json_loadb(data, len, 0, NULL);
    if (!root)
        return;
    json_t *choice = json_array_get(json_object_get(root, "choices"), 0);
    json_t *msg = json_object_get(choice, streaming ? "delta" : "message");
    const char *text = json_string_value(json_object_get(msg, "content"));
    if (text && *text) {
        cli_fputs_safe(text, stdout);
        fflush(stdout);
        s->printed_any = true;
    }
    json_decref(root);
}

static int on_event(void *user_data, const char *event, const char *data,
                    size_t data_len)
{
    struct chat_state *s = user_data;
    if (!s->print || (event && strcmp(event, "message") != 0))
        return 0;
    if (data_len == 6 && memcmp(data, "[DONE]", 6) == 0)
        return 0;
    print_content(s, data, data_len, true);
    return 0;
}

/* {"model":M,"messages":[{"role":"user","content":PROMPT}],"stream":B} */
static char *chat_body(const char *model, const char *prompt, bool stream,
                       size_t *len)
{
    json_t *body = json_pack("{s:s, s:[{s:s, s:s}], s:b}", "model", model,
                             "messages", "role", "user", "content", prompt,
                             "stream", stream);
    char *text = body ? json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER)
                      : NULL;
    json_decref(body);
    if (text)
        *len = strlen(text);
    return text;
}

static bool save_chat(const char *dir, const teeattest_exchange *x,
                      const teeattest_signature *sig, bool stream)
{
    char path[4096];
    const uint8_t *req, *resp;
    size_t req_len, resp_len;
    teeattest_exchange_request(x, &req, &req_len);
    teeattest_exchange_response(x, &resp, &resp_len);
    if (!cli_make_dir(CHAT, dir))
        return false;
    if (!cli_join_path(CHAT, path, sizeof path, dir, "request_body.json", NULL) ||
        !cli_write_new_file(CHAT, path, req, req_len))
        return false;
    if (!cli_join_path(CHAT, path, sizeof path, dir,
                       stream ? "response_body.sse" : "response_body.json",
                       NULL) ||
        !cli_write_new_file(CHAT, path, resp, resp_len))
        return false;
    if (!sig)
        return true;
    size_t len = 0;
    teeattest_signature_to_json(sig, NULL, 0, &len, NULL);
    char *rec = malloc(len + 1);
    if (!rec || teeattest_signature_to_json(sig, rec, len + 1, &len, NULL) !=
                    TEEATTEST_OK) {
        free(rec);
        cli_error(CHAT, "cannot write the signature record");
        return false;
    }
    bool ok = cli_join_path(CHAT, path, sizeof path, dir,
                            "signature_response.json", NULL) &&
              cli_write_new_file(CHAT, path, rec, len);
    free(rec);
    return ok;
}

int cmd_chat(int argc, char **argv)
{
    struct cli_opt opts[] = {
        NET_OPTIONS,
        {"stream", false, false, NULL},
        {"expect-signer", true, false, NULL},
        {"allow-unbound-signer", false, false, NULL},
        {"save", true, false, NULL},
        {"json", false, false, NULL},
        {NULL, false, false, NULL},
    };
    bool help;
    const char *prompt = NULL;
    if (!cli_parse_opts_arg(CHAT, opts, argc, argv, 2, &help, &prompt))
        return CLI_USAGE;
    if (help) {
        help_chat(stdout);
        return CLI_OK;
    }
    if (!prompt) {
        cli_error(CHAT, "missing PROMPT (see 'teeattest chat --help')");
        return CLI_USAGE;
    }
    if (!cli_opt(opts, "model")->seen) {
        cli_error(CHAT, "missing --model");
        return CLI_USAGE;
    }
    bool stream = cli_opt(opts, "stream")->seen;
    bool json = cli_opt(opts, "json")->seen;
    const struct cli_opt *o_signer = cli_opt(opts, "expect-signer");

    teeattest_ctx *ctx = NULL;
    teeattest_provider *p = NULL;
    teeattest_exchange *x = NULL;
    teeattest_signature *sig = NULL;
    teeattest_policy *pol = NULL;
    teeattest_result *res = NULL;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    char *body = NULL;
    int rc = CLI_USAGE;
    if (!open_provider(CHAT, opts, &ctx, &p))
        goto out;
    size_t body_len = 0;
    body = chat_body(cli_opt(opts, "model")->value, prompt, stream, &body_len);
    if (!body) {
        cli_error(CHAT, "out of memory");
        goto out;
    }
    struct chat_state state = {.print = !json};
    int st = teeattest_chat(p, &x, (const uint8_t *)body, body_len,
                            stream ? TEEATTEST_CHAT_STREAM : 0,
                            stream ? on_event : NULL, &state, &err);
    if (st != TEEATTEST_OK) {
        if (state.printed_any)
            putchar('\n');
        network_error(CHAT, "chat request", st, &err);
        goto out;
    }
    int32_t http = teeattest_exchange_status(x);
    const uint8_t *resp;
    size_t resp_len;
    teeattest_exchange_response(x, &resp, &resp_len);
    if (http < 200 || http > 299) {
        /* The body is not NUL-terminated: bound the read by its length. */
        cli_error(CHAT, "chat request: HTTP %d: %.*s", (int)http,
                  (int)(resp_len < 200 ? resp_len : 200), (const char *)resp);
        goto out;
    }
    if (!stream && state.print)
        print_content(&state, (const char *)resp, resp_len, false);
    if (state.printed_any)
        putchar('\n');

    st = teeattest_signature_fetch(p, &sig, x, NULL, &err);
    const struct cli_opt *o_save = cli_opt(opts, "save");
    if (o_save->seen && !save_chat(o_save->value, x, sig, stream))
        goto out;
    if (st == TEEATTEST_E_SIGNATURE_UNAVAILABLE) {
        cli_error(CHAT, "no signature available for this answer: %s",
                  err.message);
        rc = CLI_FAILED;
        goto out;
    }
    if (st != TEEATTEST_OK) {
        network_error(CHAT, "fetching the signature", st, &err);
        goto out;
    }

    if (teeattest_policy_new(ctx, &pol, &err) != TEEATTEST_OK) {
        cli_error(CHAT, "%s", err.message);
        goto out;
    }
    if (cli_opt(opts, "allow-unbound-signer")->seen &&
        teeattest_policy_set_require_signer(pol, 0) != TEEATTEST_OK) {
        cli_error(CHAT, "setting the policy failed");
        goto out;
    }
    const uint8_t *req;
    size_t req_len;
    teeattest_exchange_request(x, &req, &req_len);
    st = teeattest_signature_verify(sig, &res, pol,
                                    o_signer->seen ? o_signer->value : NULL,
                                    req, req_len, resp, resp_len, &err);
    if (st != TEEATTEST_OK) {
        if (st == TEEATTEST_E_SIGNER_FORMAT && o_signer->seen)
            cli_error(CHAT, "--expect-signer %s: %s", o_signer->value,
                      err.message);
        else
            cli_error(CHAT, "%s", err.message);
        goto out;
    }
    if (json) {
        const char *text = NULL;
        size_t len = 0;
        if (teeattest_result_to_json(res, &text, &len) != TEEATTEST_OK) {
            cli_error(CHAT, "cannot format the result as JSON");
            goto out;
        }
        fwrite(text, 1, len, stdout);
        fputc('\n', stdout);
    } else {
        cli_print_checks(res, "");
        puts("attestation: not checked (this version verifies the signature "
             "against a pinned signer only)");
        printf("verdict: %s\n",
               teeattest_result_verdict(res) == TEEATTEST_VERDICT_VERIFIED
                   ? "verified" : "FAILED");
    }
    rc = teeattest_result_verdict(res) == TEEATTEST_VERDICT_VERIFIED
             ? CLI_OK : CLI_FAILED;
out:
    free(body);
    teeattest_result_free(res);
    teeattest_policy_free(pol);
    teeattest_signature_free(sig);
    teeattest_exchange_free(x);
    teeattest_provider_free(p);
    teeattest_ctx_free(ctx);
    return rc;
}
