/*
 * teeattest providers | attest | chat: the commands that talk to a
 * provider over the network (or to the loopback simulator).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "chat_aci_agg.h"
#include "cli.h"

/* ---- shared network options ------------------------------------------- */

#define NET_OPTIONS_HELP \
    CLI_PROVIDER_OPTIONS_HELP( \
    "  --model NAME              model to attest or chat with\n") \
    "  --timeout SECONDS         give up after this long (default 120): one\n" \
    "                            limit for the whole command, every request,\n" \
    "                            retry and service included\n"

#define NET_OPTIONS CLI_PROVIDER_OPTIONS, {"timeout", true, false, NULL}

/* The API key never comes from the command line (it would show in `ps`
 * and shell history): only from the dialect's environment variable, read
 * here (the library reads no environment) and set after the base URL, the
 * origin the key is bound to. */
static bool open_provider(const char *cmd, struct cli_opt *opts,
                          const char *cache_dir, teeattest_ctx **ctx,
                          teeattest_provider **p)
{
    if (!cli_opt(opts, "provider")->seen) {
        cli_error(cmd, "missing --provider (see 'teeattest providers')");
        return false;
    }
    const struct cli_opt *o_timeout = cli_opt(opts, "timeout");
    uint32_t timeout_ms = 0;
    if (!cli_ctx_new(cmd, o_timeout->seen ? o_timeout->value : NULL,
                     cache_dir, ctx, &timeout_ms) ||
        !cli_provider_open(cmd, opts, *ctx, p))
        return false;
    /* One attempt may use the whole time (a long chat): the context's
     * deadline is the limit. Connect and idle limits keep their defaults. */
    teeattest_provider_set_timeouts(*p, 0, timeout_ms, 0);
    return true;
}

bool cli_provider_open(const char *cmd, struct cli_opt *opts,
                       teeattest_ctx *ctx, teeattest_provider **p)
{
    teeattest_error err = TEEATTEST_ERROR_INIT;
    const struct cli_opt *o_prov = cli_opt(opts, "provider");
    if (!o_prov->seen) {
        cli_error(cmd, "missing --provider (see 'teeattest providers')");
        return false;
    }
    int st = teeattest_provider_new(ctx, p, o_prov->value, &err);
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
    const char *env = teeattest_dialect_api_key_env(o_prov->value);
    const char *key = env ? getenv(env) : NULL;
    if (key && *key &&
        teeattest_provider_set_api_key(*p, key, &err) != TEEATTEST_OK) {
        cli_error(cmd, "%s: %s", env, err.message);
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
        if (teeattest_dialect_info(name, &url, &summary, NULL) != TEEATTEST_OK)
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
          "           [--signing-address ID] [--pccs URL] [--offline]\n"
          "           [--save FILE] [--at UNIX] [--json] [network options]\n"
          "           [material options] [policy options]\n"
          "       teeattest attest --report-file FILE --provider NAME --nonce HEX\n"
          "           [--collateral DIR]... [--nras-response FILE --jwks FILE]\n"
          "           [--tls-spki FILE] [--e2e-instances FILE]\n"
          "           [--model-compose FILE] [--model-files-url URL]\n"
          "           [--pccs URL]\n"
          "           [--online] [--save FILE] [--at UNIX] [--json]\n"
          "           [policy options]\n"
          "\n"
          "Fetch the provider's attestation report with a fresh random nonce and\n"
          "verify it end to end, entry by entry (each serving node; the gateway\n"
          "and the model for two-layer reports): the TDX quote (DCAP, Intel's\n"
          "root), the GPU evidence (SPDM, RIMs, OCSP and/or NRAS), the\n"
          "report_data binding of the signing key, the nonce and the TLS key,\n"
          "the event log replay and compose hash, and the policy's pins.\n"
          "Missing TDX collateral is fetched from Intel PCS (or --pccs) and the\n"
          "GPU evidence is checked with NVIDIA's services, unless --offline.\n"
          "\n"
          "With --report-file, a report captured elsewhere is verified instead:\n"
          "nothing is fetched unless --pccs or --online is given, --nonce is the\n"
          "nonce that was sent with the request, and --provider names the\n"
          "dialect whose JSON the file is ('auto' detects the common shapes).\n"
          "\n"
          "Options:\n"
          NET_OPTIONS_HELP
          "  --signing-address ID      ask for (and verify only) the entry of this\n"
          "                            signer: 0x + 40 hex (ecdsa) or 64 hex\n"
          "  --report-file FILE        verify this saved report document ('-' for\n"
          "                            standard input) instead of fetching one\n"
          "  --nonce HEX               with --report-file: the 32-byte nonce sent\n"
          "                            (64 hex digits, optional 0x)\n"
          "  --offline                 no network for verification: collateral and\n"
          "                            GPU material only from the options below\n"
          "  --online                  with --report-file: fetch missing collateral\n"
          "                            (Intel PCS or --pccs), use NVIDIA's GPU\n"
          "                            services, fetch image provenance (Sigstore\n"
          "                            bundles) from each image's registry (or\n"
          "                            --registry-url), the model's files where\n"
          "                            the provider publishes them, and a Tinfoil\n"
          "                            release named by --tinfoil-repo (GitHub)\n"
          "  --save FILE               write an evidence bundle (the report exactly\n"
          "                            as received, the nonce, the model, the TLS\n"
          "                            key and every piece of material used or\n"
          "                            fetched) that 'teeattest verify FILE'\n"
          "                            re-verifies offline; never overwrites\n"
          "  --at UNIX                 verification time in Unix seconds,\n"
          "                            " CLI_TIME_RANGE_HELP " (default: now); also\n"
          "                            the bundle's recorded time\n"
          "  --json                    print the result as JSON only\n"
          "  -h, --help                show this help\n"
          "\n"
          CLI_EVIDENCE_OPTIONS_HELP
          "\n"
          CLI_POLICY_OPTIONS_HELP
          "\n"
          "The API key is read from the dialect's environment variable (see\n"
          "'teeattest providers'); it is never printed.\n"
          "\n"
          "Output: the provider, the nonce, one line per check (PASS, FAIL, SKIP\n"
          "or WARN; names prefixed entry[i]., see docs/checks.md), per entry its\n"
          "signer, TDX status, app id, compose hash and OS image hash, the\n"
          "verified signer, then 'verdict: verified' or 'verdict: FAILED'.\n"
          CLI_OUTCOMES_HELP
          "\n"
          "Exit status: 0 verified, 1 verification failed, 2 usage, input,\n"
          "transport, HTTP or parse error (also when --save cannot be written).\n",
          f);
}

int cmd_attest(int argc, char **argv)
{
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            help_attest(stdout);
            return CLI_OK;
        }
    }
    struct cli_verify_args va;
    teeattest_ctx *ctx = NULL;
    teeattest_provider *p = NULL;
    teeattest_report *rep = NULL;
    teeattest_policy *pol = NULL;
    teeattest_evidence *ev = NULL;
    teeattest_result *res = NULL;
    struct cli_file rf = {0};
    char *cache_dir = NULL;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    int rc = CLI_USAGE;
    if (!cli_verify_args_take(ATTEST, argc, argv, &va))
        goto out;
    struct cli_opt opts[] = {
        NET_OPTIONS,
        {"save", true, false, NULL},
        {"json", false, false, NULL},
        {"report-file", true, false, NULL},
        {"nonce", true, false, NULL},
        {"signing-address", true, false, NULL},
        {"at", true, false, NULL},
        CLI_POLICY_OPTIONS,
        CLI_EVIDENCE_OPTIONS,
        {NULL, false, false, NULL},
    };
    bool help;
    if (!cli_parse_opts(ATTEST, opts, va.rest_argc, va.rest, 2, &help))
        goto out;
    const struct cli_opt *o_file = cli_opt(opts, "report-file");
    const struct cli_opt *o_nonce = cli_opt(opts, "nonce");
    const struct cli_opt *o_prov = cli_opt(opts, "provider");
    const struct cli_opt *o_addr = cli_opt(opts, "signing-address");
    const struct cli_opt *o_at = cli_opt(opts, "at");
    const struct cli_opt *o_save = cli_opt(opts, "save");
    bool json = cli_opt(opts, "json")->seen;
    bool from_file = o_file->seen;
    uint8_t nonce[TEEATTEST_NONCE_SIZE];
    if (from_file) {
        static const char *const fetch_only[] = {"base-url", "ca-file"};
        for (size_t i = 0; i < sizeof fetch_only / sizeof *fetch_only; i++) {
            if (cli_opt(opts, fetch_only[i])->seen) {
                cli_error(ATTEST, "--%s is for fetching; --report-file "
                          "verifies a saved report", fetch_only[i]);
                goto out;
            }
        }
        if (cli_opt(opts, "offline")->seen) {
            cli_error(ATTEST, "--offline: --report-file is offline already "
                      "(give --pccs or --online to fetch)");
            goto out;
        }
        if (!o_prov->seen) {
            cli_error(ATTEST, "missing --provider (the report's dialect; see "
                      "'teeattest providers')");
            goto out;
        }
        if (!o_nonce->seen) {
            cli_error(ATTEST, "missing --nonce HEX: the nonce sent with the "
                      "request the report answered");
            goto out;
        }
        if (!cli_parse_entry_nonce(ATTEST, o_nonce->value, nonce))
            goto out;
    } else {
        if (o_nonce->seen) {
            cli_error(ATTEST, "--nonce is for --report-file (a fetch sends a "
                      "fresh random nonce)");
            goto out;
        }
        if (cli_opt(opts, "online")->seen) {
            cli_error(ATTEST, "--online is for --report-file (a fetch is "
                      "online unless --offline)");
            goto out;
        }
    }
    int64_t at = 0;
    if (o_at->seen && !cli_parse_unix_time(ATTEST, "at", o_at->value, &at)) {
        goto out;
    }

    int st;
    if (!cli_cache_dir(ATTEST, opts, &cache_dir))
        goto out;
    if (from_file) {
        if (!cli_read_file(ATTEST, "report-file", o_file->value, &rf))
            goto out;
        const struct cli_opt *o_timeout = cli_opt(opts, "timeout");
        if (!cli_ctx_new(ATTEST, o_timeout->seen ? o_timeout->value : NULL,
                         cache_dir, &ctx, NULL))
            goto out;
    } else if (!open_provider(ATTEST, opts, cache_dir, &ctx, &p)) {
        goto out;
    }
    st = teeattest_policy_new(ctx, &pol, &err);
    if (st == TEEATTEST_OK)
        st = teeattest_evidence_new(ctx, &ev, &err);
    if (st != TEEATTEST_OK) {
        cli_error(ATTEST, "%s", err.message[0] ? err.message
                                                : teeattest_status_str(st));
        goto out;
    }
    if (o_at->seen && teeattest_policy_set_time(pol, at, NULL) != TEEATTEST_OK) {
        cli_error(ATTEST, "--at: not accepted");
        goto out;
    }
    if (!cli_policy_apply(ATTEST, opts, pol) ||
        !cli_evidence_apply(ATTEST, opts, &va, ctx, ev, !from_file))
        goto out;

    if (from_file) {
        st = teeattest_report_parse(ctx, &rep, o_prov->value, rf.data, rf.len,
                                    &err);
        if (st == TEEATTEST_E_NOT_FOUND) {
            cli_error(ATTEST, "unknown provider '%s' (see 'teeattest "
                      "providers')", o_prov->value);
            goto out;
        }
        if (st != TEEATTEST_OK) {
            cli_error(ATTEST, "--report-file %s: %s (%s)", o_file->value,
                      err.message[0] ? err.message : teeattest_status_str(st),
                      teeattest_status_name(st));
            goto out;
        }
    } else {
        st = teeattest_report_fetch(p, &rep, NULL, 0,
                                    o_addr->seen ? o_addr->value : NULL, &err);
        if (st != TEEATTEST_OK) {
            network_error(ATTEST, "fetching the attestation report", st, &err);
            goto out;
        }
        if (teeattest_report_nonce(rep, nonce, TEEATTEST_NONCE_SIZE, NULL) != TEEATTEST_OK) {
            cli_error(ATTEST, "the report lost its nonce (library bug)");
            goto out;
        }
    }
    char nonce_hex[2 * TEEATTEST_NONCE_SIZE + 1];
    hex_out(nonce_hex, nonce, sizeof nonce);

    size_t entry = TEEATTEST_ENTRY_ALL;
    if (o_addr->seen &&
        teeattest_report_find_entry(rep, &entry, o_addr->value, NULL) !=
            TEEATTEST_OK) {
        cli_error(ATTEST, "the report has no entry for signer %s",
                  o_addr->value);
        rc = CLI_FAILED;
        goto out;
    }
    st = teeattest_report_verify(ctx, &res, rep, entry, ev, pol, nonce,
                                 sizeof nonce, &err);
    if (st != TEEATTEST_OK) {
        cli_error(ATTEST, "%s", err.message[0] ? err.message
                                                : teeattest_status_str(st));
        goto out;
    }
    /* Saved before the result is printed, so that the verdict stays the
     * last line; a save that fails is an error (exit 2) after the result. */
    bool saved = true;
    if (o_save->seen)
        saved = cli_save_bundle(ATTEST, o_save->value, ctx, rep, ev, nonce,
                                cli_opt(opts, "model")->value,
                                o_at->seen ? &at : NULL, NULL, NULL);
    if (json) {
        if (!cli_print_result_json(ATTEST, res))
            goto out;
    } else {
        fputs("provider: ", stdout);
        cli_fputs_safe(teeattest_report_dialect(rep), stdout);
        printf("\n%s: %s\nentries: %zu\n", from_file ? "nonce" : "nonce sent",
               nonce_hex, teeattest_report_entry_count(rep));
        if (o_save->seen && saved) {
            fputs("saved bundle: ", stdout);
            cli_fputs_safe(o_save->value, stdout);
            fputc('\n', stdout);
        }
        cli_print_report_result(res);
    }
    rc = saved ? cli_verdict_exit(res) : CLI_USAGE;
out:
    teeattest_result_free(res);
    teeattest_evidence_free(ev);
    teeattest_policy_free(pol);
    teeattest_report_free(rep);
    teeattest_provider_free(p);
    teeattest_ctx_free(ctx);
    cli_file_free(&rf);
    cli_verify_args_free(&va);
    free(cache_dir);
    return rc;
}

/* ---- chat --------------------------------------------------------------- */

#define CHAT "chat"

void help_chat(FILE *f)
{
    fputs("Usage: teeattest chat --provider NAME [--base-url URL] --model NAME\n"
          "           [--stream] [--attest | --expect-signer ID]\n"
          "           [--e2ee [--e2ee-suite x25519|secp256k1]]\n"
          "           [--allow-unbound-signer] [--save DIR/|FILE] [--at UNIX]\n"
          "           [--json] [--aci-verified] [--aci-session ID]...\n"
          "           [--strict-ecdsa] [network options] [material options]\n"
          "           PROMPT\n"
          "\n"
          "Send PROMPT as one user message, print the answer (as it streams with\n"
          "--stream), then fetch the provider's signature for the exchange and\n"
          "verify it over the exact request and response bytes.\n"
          "\n"
          "The signer is either attested (--attest: a fresh attestation report\n"
          "for the key that signed, verified end to end as by 'teeattest\n"
          "attest'; the signature must be by the key it binds and the report\n"
          "must verify, check signature.attestation) or pinned with\n"
          "--expect-signer (the result then says attestation was not\n"
          "checked). With neither, the verdict fails unless\n"
          "--allow-unbound-signer.\n"
          "\n"
          "With --provider aci the answer carries a signed receipt instead: the\n"
          "service is attested first (nothing is sent unless the report\n"
          "verifies; the connection is then pinned to its attested TLS key),\n"
          "then the receipt its X-Receipt-Id names is fetched and verified\n"
          "against the attested keyset over the exact request and response\n"
          "bytes (checks aci.receipt.*, docs/aci.md). The answer is printed only\n"
          "once its receipt verified; --save DIR/ also writes receipt.json and\n"
          "keyset.json ('teeattest aci verify-receipt' re-checks them); --save\n"
          "FILE writes a version 2 evidence bundle with the report, its\n"
          "material, the exact exchange bytes and the receipt ('teeattest\n"
          "verify FILE' re-verifies them offline). --expect-signer and\n"
          "--allow-unbound-signer do not apply.\n"
          "Behind an aggregator, the session the receipt cites is fetched,\n"
          "verified with the receipt (id, served_at in its window) and\n"
          "deep-audited: its evidence verified again under the same policy\n"
          "(checks aci.session.*); --save writes that session too (DIR/:\n"
          "session.json). A refusal (session_not_accepted,\n"
          "upstream_verification_failed) is reported with its receipt checked,\n"
          "exit 1 (--save FILE still writes it: 'teeattest verify' fails it).\n"
          "With --e2ee the prompt is encrypted (E2EE v2) to an E2EE key of the\n"
          "attested keyset only, and each answer field is decrypted with its\n"
          "AAD checked (checks aci.e2ee.key, aci.e2ee.response); the request\n"
          "hash is checked over the restored body. The plaintext is printed\n"
          "only after decryption and the receipt verified.\n"
          "\n"
          "With --provider nearai --e2ee (NEAR AI field E2EE,\n"
          "docs/e2ee-nearai.md) the model is attested first (nothing is sent\n"
          "unless its report verifies), the prompt's fields are encrypted to\n"
          "its verified signing key (--signing-algo picks the scheme: ed25519\n"
          "version 2, or ecdsa), the answer's fields are decrypted with the\n"
          "request's own client key, and the answer's signature is checked\n"
          "against the attested signer over the exact encrypted bytes. The\n"
          "plaintext is printed only when all of that verified; an answer\n"
          "field that does not decrypt (altered, plaintext, another key)\n"
          "fails, exit 1. --e2ee-suite, --save, --expect-signer and\n"
          "--allow-unbound-signer do not apply (exit 2).\n"
          "\n"
          "Options:\n"
          NET_OPTIONS_HELP
          "  --stream                  ask for a streamed (SSE) answer\n"
          "  --aci-verified            (aci) require serving through a verified\n"
          "                            attested session: the request carries\n"
          "                            provider.aci_verified and the receipt\n"
          "                            must record a verified upstream\n"
          "  --aci-session ID          (aci, repeatable) serve only through this\n"
          "                            session (64 hex; implies --aci-verified):\n"
          "                            provider.aci_session_ids, and the\n"
          "                            receipt must cite one of them\n"
          "  --attest                  verify the signature against the signer a\n"
          "                            freshly verified attestation report binds\n"
          "                            (its checks are printed first)\n"
          "  --expect-signer ID        the signer you trust: 0x + 40 hex (ecdsa)\n"
          "                            or 64 hex (ed25519 public key)\n"
          "  --allow-unbound-signer    accept a valid signature by any key\n"
          "  --save DIR/               (an existing directory, or a name ending in\n"
          "                            '/') write request_body.json,\n"
          "                            response_body.sse (or .json) and\n"
          "                            signature_response.json, the files\n"
          "                            'teeattest verify-signature' reads\n"
          "  --save FILE               (anything else) also fetch and verify the\n"
          "                            provider's attestation report (for the\n"
          "                            signer, fresh nonce; online unless\n"
          "                            --offline) and write an evidence bundle\n"
          "                            with the report, its material, the exact\n"
          "                            exchange bytes and the signature record:\n"
          "                            'teeattest verify FILE' re-verifies the\n"
          "                            attestation and the signature against the\n"
          "                            attested signer offline. Never overwrites\n"
          "  --at UNIX                 verification time of the attestation in\n"
          "                            Unix seconds, " CLI_TIME_RANGE_HELP "\n"
          "                            (default: now)\n"
          "  --e2ee                    (--provider aci) encrypt the prompt to the\n"
          "                            attested E2EE key and decrypt the answer\n"
          "                            (--save FILE also records the session's\n"
          "                            key: the file is 0600; not --save DIR/);\n"
          "                            --at also sets the\n"
          "                            X-E2EE-Timestamp; --json adds \"e2ee\":\n"
          "                            {\"suite\", \"key_id\", \"fields\"}\n"
          "  --e2ee-suite SUITE        x25519 (default when listed) or secp256k1\n"
          "  --e2ee (--provider nearai) encrypt the prompt's fields to the\n"
          "                            attested model key, decrypt the answer's;\n"
          "                            --json adds \"e2ee\": {\"scheme\",\n"
          "                            \"signing_algo\", \"fields\"} (and\n"
          "                            \"error\" when the answer did not decrypt)\n"
          "  --json                    print the verification result as one JSON\n"
          "                            object only (the answer is not printed):\n"
          "                            the signature's result {\"verdict\",\n"
          "                            \"checks\", \"facts\"}, plus \"attestation\":\n"
          "                            the report's result when one was verified\n"
          "                            (--attest, --save FILE); without a\n"
          "                            signature {\"error\": {\"status\", \"code\",\n"
          "                            \"message\"}} (plus \"attestation\"), exit 1\n"
          "  -h, --help                show this help\n"
          "\n"
          "Material and policy options (used with --attest and --save FILE),\n"
          "as for 'teeattest attest' (see its --help), e.g. --no-gpu,\n"
          "--test-root FILE, --require-tls; material: --offline, --pccs URL,\n"
          "--gpu-online LIST, --collateral DIR,\n"
          "--nras-response FILE, --jwks FILE, --rim-dir DIR, --ocsp-dir DIR,\n"
          "--tls-spki FILE, --e2e-instances FILE, --model-compose FILE,\n"
          "--model-files-url URL, --sigstore-bundle FILE|DIR,\n"
          "--registry-url URL, --github-api-url URL, --nras-url, --rim-url,\n"
          "--ocsp-url, --jwks-url URL; cache: --cache-dir DIR (default\n"
          "$XDG_CACHE_HOME/teeattest, else ~/.cache/teeattest), --no-cache.\n"
          "\n"
          CLI_SIGNATURE_OPTIONS_HELP
          "\n"
          "The verdict and exit status are those of the signature check (with\n"
          "--attest it includes the attestation); the attestation's verdict is\n"
          "also printed on its own line.\n"
          CLI_OUTCOMES_HELP
          "\n"
          "Exit status: 0 verified, 1 verification failed (or no signature\n"
          "available), 2 usage, transport, HTTP or input error (also when\n"
          "--save cannot be written).\n", f);
}

/* A JSON object (text[0..len), ending in '}') on one line of stdout, with
 * the member "attestation" added when att is not NULL: that report's
 * result object. */
static bool print_json_with_attestation(const char *text, size_t len,
                                        const teeattest_result *att)
{
    const char *att_text = NULL;
    size_t att_len = 0;
    if (len < 2 || text[len - 1] != '}' ||
        (att && teeattest_result_to_json(att, &att_text, &att_len, NULL) !=
                    TEEATTEST_OK)) {
        cli_error(CHAT, "cannot format the result as JSON");
        return false;
    }
    if (att) {
        fwrite(text, 1, len - 1, stdout);
        fputs(",\"attestation\":", stdout);
        fwrite(att_text, 1, att_len, stdout);
        fputc('}', stdout);
    } else {
        fwrite(text, 1, len, stdout);
    }
    fputc('\n', stdout);
    return true;
}

/* chat --json: the signature's result object (verdict, checks, facts, as
 * teeattest_result_to_json() writes it), plus "attestation" when a report
 * was verified (--attest, --save FILE). */
static bool print_chat_json(const teeattest_result *res,
                            const teeattest_result *att)
{
    const char *text = NULL;
    size_t len = 0;
    if (teeattest_result_to_json(res, &text, &len, NULL) != TEEATTEST_OK) {
        cli_error(CHAT, "cannot format the result as JSON");
        return false;
    }
    return print_json_with_attestation(text, len, att);
}

/* chat --json for aci: the receipt's result, plus "session" (the cited
 * session's audit) and "refusal" behind an aggregator (chat_aci_agg.c),
 * and with --e2ee "e2ee": {"suite", "key_id", "fields"} (fields
 * decrypted; from the result's facts). */
static char *with_e2ee(char *full, const teeattest_result *res,
                       const teeattest_e2ee_session *sess)
{
    json_t *d = full ? json_loads(full, 0, NULL) : NULL;
    free(full);
    const char *n = teeattest_result_fact(res, "aci.e2ee.fields");
    if (!n)
        n = teeattest_result_fact(res, "unverified.aci.e2ee.fields");
    json_t *e = json_pack("{s:s, s:s, s:I}", "suite",
                          teeattest_e2ee_session_algo(sess), "key_id",
                          teeattest_e2ee_session_key_id(sess), "fields",
                          (json_int_t)(n ? strtoll(n, NULL, 10) : 0));
    char *out = NULL;
    if (json_is_object(d) && e && json_object_set_new(d, "e2ee", e) == 0)
        out = json_dumps(d, JSON_COMPACT | JSON_PRESERVE_ORDER);
    else
        json_decref(e);
    json_decref(d);
    return out;
}

static bool print_chat_json_aci(const teeattest_result *res,
                                const teeattest_result *att,
                                const struct aci_agg *agg,
                                const teeattest_e2ee_session *sess)
{
    const char *text = NULL;
    size_t len = 0;
    char *full = teeattest_result_to_json(res, &text, &len, NULL) ==
                         TEEATTEST_OK
                     ? aci_agg_json(agg, text, len)
                     : NULL;
    if (full && sess)
        full = with_e2ee(full, res, sess);
    if (!full) {
        cli_error(CHAT, "cannot format the result as JSON");
        return false;
    }
    bool ok = print_json_with_attestation(full, strlen(full), att);
    free(full);
    return ok;
}

/* chat --json without a signature result:
 * {"error":{"status":NAME,"code":N,"message":TEXT}}, plus "attestation"
 * as above. */
static bool print_chat_json_error(int st, const char *message,
                                  const teeattest_result *att)
{
    if (!message || !message[0])
        message = teeattest_status_str(st);
    json_t *doc = json_pack("{s:{s:s, s:i, s:s}}", "error", "status",
                            teeattest_status_name(st), "code", st, "message",
                            message);
    if (!doc) /* a message that is not UTF-8 */
        doc = json_pack("{s:{s:s, s:i, s:s}}", "error", "status",
                        teeattest_status_name(st), "code", st, "message",
                        teeattest_status_str(st));
    char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER)
                     : NULL;
    json_decref(doc);
    bool ok = text && print_json_with_attestation(text, strlen(text), att);
    if (!text)
        cli_error(CHAT, "out of memory");
    free(text);
    return ok;
}

struct chat_state {
    bool print;       /* echo the answer's text to stdout */
    bool printed_any;
    /* Keep the text instead of printing it (aci: the answer is shown only
     * once its receipt verified). */
    bool hold;
    char *held;
    size_t held_len;
    bool held_oom;
    /* chat --e2ee: each event is decrypted before its text is held */
    teeattest_e2ee_session *e2ee;
    bool e2ee_failed;
    teeattest_error e2ee_err; /* the first chunk that did not decrypt */
};

static void hold_text(struct chat_state *s, const char *text)
{
    size_t n = strlen(text);
    char *b = s->held_oom ? NULL : realloc(s->held, s->held_len + n + 1);
    if (!b) {
        s->held_oom = true;
        return;
    }
    memcpy(b + s->held_len, text, n + 1);
    s->held = b;
    s->held_len += n;
}

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
    if (text && *text && s->hold) {
        hold_text(s, text);
    } else if (text && *text) {
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
    if (s->e2ee) {
        /* held, never printed, until the receipt (aci.e2ee.response
         * included) verified */
        const uint8_t *plain;
        size_t plain_len;
        teeattest_error err = TEEATTEST_ERROR_INIT;
        if (s->e2ee_failed ||
            teeattest_e2ee_decrypt_chunk(s->e2ee, &plain, &plain_len,
                                         (const uint8_t *)data, data_len,
                                         &err) != TEEATTEST_OK) {
            if (!s->e2ee_failed)
                s->e2ee_err = err;
            s->e2ee_failed = true;
            return 0;
        }
        print_content(s, (const char *)plain, plain_len, true);
        return 0;
    }
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

/* --save DIR/ (an existing directory or a name ending in '/') keeps the
 * three-file layout; anything else is a bundle file. */
static bool save_is_dir(const char *path)
{
    size_t n = strlen(path);
    struct stat st;
    return (n && path[n - 1] == '/') ||
           (stat(path, &st) == 0 && S_ISDIR(st.st_mode));
}

/* Attest the provider for the signer of the answer (--attest, --save
 * FILE): a fresh report for `signer`, verified, its material kept in *ev.
 * *att gets the result; *rep and *nonce what a bundle needs. */
static bool attest_for_chat(teeattest_ctx *ctx, teeattest_provider *p,
                            struct cli_opt *opts,
                            const struct cli_verify_args *va,
                            const char *signer, const teeattest_policy *pol,
                            teeattest_report **rep,
                            teeattest_evidence **ev,
                            uint8_t nonce[TEEATTEST_NONCE_SIZE],
                            teeattest_result **att)
{
    teeattest_error err = TEEATTEST_ERROR_INIT;
    int st = teeattest_evidence_new(ctx, ev, &err);
    if (st != TEEATTEST_OK) {
        cli_error(CHAT, "%s", err.message);
        return false;
    }
    if (!cli_evidence_apply(CHAT, opts, va, ctx, *ev, true))
        return false;
    st = teeattest_report_fetch(p, rep, NULL, 0, signer, &err);
    if (st != TEEATTEST_OK) {
        network_error(CHAT, "fetching the attestation report", st, &err);
        return false;
    }
    if (teeattest_report_nonce(*rep, nonce, TEEATTEST_NONCE_SIZE, NULL) != TEEATTEST_OK) {
        cli_error(CHAT, "the report lost its nonce (library bug)");
        return false;
    }
    st = teeattest_report_verify(ctx, att, *rep, TEEATTEST_ENTRY_ALL, *ev,
                                 pol, NULL, 0, &err);
    if (st != TEEATTEST_OK) {
        cli_error(CHAT, "verifying the attestation report: %s",
                  err.message[0] ? err.message : teeattest_status_str(st));
        return false;
    }
    return true;
}

/* ---- chat --provider aci ------------------------------------------------ */

/* Longest receipt document teeattest_aci_receipt_fetch() returns. */
#define ACI_RECEIPT_MAX (1u << 20)

/* Pin the provider to the TLS key the attestation verified (check aci.tls
 * passed: the connection's key is listed in the attested keyset), so the
 * prompt and the receipt request go to that key only. Over plain HTTP
 * (aci.tls skipped) there is no key to pin. */
static bool pin_attested_tls(teeattest_provider *p,
                             const teeattest_result *att)
{
    int32_t outcome = 0;
    if (teeattest_result_find_check(att, "aci.tls", &outcome, NULL, NULL) !=
            TEEATTEST_OK ||
        outcome != TEEATTEST_OUTCOME_PASS)
        return true;
    char pin[CLI_PIN_SIZE];
    if (!cli_tls_pin(teeattest_result_fact(att, "aci.tls_spki_sha256"),
                     pin)) {
        cli_error(CHAT, "the verified report has no TLS key digest to pin");
        return false;
    }
    teeattest_error err = TEEATTEST_ERROR_INIT;
    if (teeattest_provider_set_option(p, "pinned_key", pin, &err) !=
        TEEATTEST_OK) {
        cli_error(CHAT, "pinning the attested TLS key: %s", err.message);
        return false;
    }
    return true;
}

/* --save DIR/ for aci: the exchange bytes, the receipt as received, the
 * attested keyset and the cited session as fetched (when there is one),
 * what 'teeattest aci verify-receipt' reads. */
static bool save_aci(const char *dir, const teeattest_exchange *x,
                     bool stream, const uint8_t *receipt, size_t receipt_len,
                     const char *keyset, const uint8_t *session,
                     size_t session_len)
{
    char path[4096];
    return save_chat(dir, x, NULL, stream) &&
           cli_join_path(CHAT, path, sizeof path, dir, "receipt.json",
                         NULL) &&
           cli_write_new_file(CHAT, path, receipt, receipt_len) &&
           cli_join_path(CHAT, path, sizeof path, dir, "keyset.json", NULL) &&
           cli_write_new_file(CHAT, path, keyset, strlen(keyset)) &&
           (!session ||
            (cli_join_path(CHAT, path, sizeof path, dir, "session.json",
                           NULL) &&
             cli_write_new_file(CHAT, path, session, session_len)));
}

/* ---- chat --provider aci --e2ee ----------------------------------------- */

static int64_t fixed_clock(void *user_data)
{
    return *(const int64_t *)user_data;
}

static void e2ee_error(int st, const teeattest_error *err)
{
    cli_error(CHAT, "--e2ee: %s",
              err->message[0] ? err->message : teeattest_status_str(st));
}

/* The E2EE v2 session of `chat --e2ee`: a key of the attested keyset only
 * (fact aci.keyset), the request encrypted with a fresh nonce. Its
 * context's clock is --at when given (the X-E2EE-Timestamp), else the
 * system's. */
static bool e2ee_start(struct cli_opt *opts, const char *keyset,
                       const char *body, size_t body_len, int64_t *at,
                       teeattest_ctx **ectx, teeattest_e2ee_session **sess)
{
    const struct cli_opt *o_suite = cli_opt(opts, "e2ee-suite");
    const struct cli_opt *o_at = cli_opt(opts, "at");
    const char *algo = NULL;
    if (o_suite->seen) {
        if (strcmp(o_suite->value, "x25519") == 0)
            algo = TEEATTEST_E2EE_ALGO_X25519;
        else if (strcmp(o_suite->value, "secp256k1") == 0)
            algo = TEEATTEST_E2EE_ALGO_SECP256K1;
    }
    teeattest_ctx_options o = TEEATTEST_CTX_OPTIONS_INIT;
    if (o_at->seen) {
        if (!cli_parse_unix_time(CHAT, "at", o_at->value, at))
            return false;
        o.clock = fixed_clock;
        o.clock_user_data = at;
    }
    teeattest_error err = TEEATTEST_ERROR_INIT;
    int st = teeattest_ctx_new(ectx, &o, &err);
    if (st == TEEATTEST_OK)
        st = teeattest_e2ee_session_new(*ectx, sess, (const uint8_t *)keyset,
                                        strlen(keyset), algo, NULL, &err);
    if (st == TEEATTEST_OK)
        st = teeattest_e2ee_encrypt_request(*sess, TEEATTEST_E2EE_CHAT,
                                            (const uint8_t *)body, body_len,
                                            &err);
    if (st != TEEATTEST_OK) {
        e2ee_error(st, &err);
        return false;
    }
    return true;
}

/* The chat steps chat_aci and chat_near_e2ee share: send the body, sealed
 * in `sess` when there is one, and take the exchange's bytes. An HTTP
 * status outside 2xx fails unless `agg` (aci) records it as a refusal
 * with a receipt. */
static bool chat_exchange(teeattest_provider *p, teeattest_exchange **x,
                          teeattest_e2ee_session *sess, const char *body,
                          size_t body_len, bool stream,
                          struct chat_state *state, struct aci_agg *agg,
                          const uint8_t **req, size_t *req_len,
                          const uint8_t **resp, size_t *resp_len,
                          teeattest_error *err)
{
    state->e2ee = sess;
    int st = sess ? teeattest_chat_e2ee(p, x, sess,
                                        stream ? TEEATTEST_CHAT_STREAM : 0,
                                        stream ? on_event : NULL, state, err)
                  : teeattest_chat(p, x, (const uint8_t *)body, body_len,
                                   stream ? TEEATTEST_CHAT_STREAM : 0,
                                   stream ? on_event : NULL, state, err);
    if (st != TEEATTEST_OK) {
        network_error(CHAT, "chat request", st, err);
        return false;
    }
    teeattest_exchange_request(*x, req, req_len);
    teeattest_exchange_response(*x, resp, resp_len);
    int32_t http = teeattest_exchange_status(*x);
    if (!(agg && aci_agg_refusal(agg, *x)) && (http < 200 || http > 299)) {
        cli_error(CHAT, "chat request: HTTP %d: %.*s", (int)http,
                  (int)(*resp_len < 200 ? *resp_len : 200),
                  (const char *)*resp);
        return false;
    }
    return true;
}

/* The held answer, only when it verified, then the attestation's checks
 * and the answer's. */
static void print_held_checks(const struct chat_state *s, bool verified,
                              const teeattest_result *att,
                              const teeattest_result *res)
{
    if (verified && s->held) {
        cli_fputs_safe(s->held, stdout);
        putchar('\n');
    }
    cli_print_checks(att, "");
    puts("");
    cli_print_checks(res, "");
}

static void held_free(struct chat_state *s)
{
    if (s->held)
        memset(s->held, 0, s->held_len); /* plaintext */
    free(s->held);
    s->held = NULL;
}

/* chat --provider aci: attest first (the verified keyset the receipt is
 * checked against, the TLS key the chat is pinned to; nothing is sent when
 * it fails), chat, fetch the answer's receipt and verify it over the exact
 * request and response bytes. The answer is printed only once its receipt
 * verified. */
static int chat_aci(teeattest_ctx *ctx, teeattest_provider *p,
                    struct cli_opt *opts, const struct cli_verify_args *va,
                    const teeattest_policy *pol, const char *body,
                    size_t body_len, bool stream, bool json,
                    struct aci_agg *agg)
{
    const struct cli_opt *o_save = cli_opt(opts, "save");
    if (cli_opt(opts, "expect-signer")->seen ||
        cli_opt(opts, "allow-unbound-signer")->seen) {
        cli_error(CHAT, "--expect-signer and --allow-unbound-signer are for "
                        "signature dialects: an aci answer is checked by its "
                        "receipt against the attested keyset");
        return CLI_USAGE;
    }
    int rc = CLI_USAGE;
    teeattest_report *rep = NULL;
    teeattest_evidence *ev = NULL;
    teeattest_result *att = NULL, *res = NULL;
    teeattest_exchange *x = NULL;
    uint8_t nonce[TEEATTEST_NONCE_SIZE];
    uint8_t *receipt = NULL;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    struct chat_state state = {.print = !json, .hold = true};
    bool e2ee = cli_opt(opts, "e2ee")->seen;
    teeattest_ctx *ectx = NULL;
    teeattest_e2ee_session *sess = NULL;
    int64_t at = 0;
    if (e2ee && o_save->seen && save_is_dir(o_save->value)) {
        /* 'aci verify-receipt' cannot re-open an encrypted answer: the
         * bundle records what does (--save FILE). */
        cli_error(CHAT, "--save DIR/ with --e2ee is not supported: use "
                        "--save FILE (a bundle 'teeattest verify' re-checks, "
                        "E2EE included)");
        return CLI_USAGE;
    }
    if (!attest_for_chat(ctx, p, opts, va, NULL, pol, &rep, &ev, nonce, &att))
        goto out;
    const char *keyset = teeattest_result_fact(att, "aci.keyset");
    if (teeattest_result_verdict(att) != TEEATTEST_VERDICT_VERIFIED ||
        !keyset) {
        if (json) {
            print_chat_json_error(TEEATTEST_E_NOT_VERIFIED,
                                  "the attestation did not verify: no chat "
                                  "request was sent", att);
        } else {
            cli_print_checks(att, "");
            puts("attestation: FAILED (no chat request was sent)");
            puts("verdict: FAILED");
        }
        rc = CLI_FAILED;
        goto out;
    }
    if (!pin_attested_tls(p, att) ||
        !aci_agg_body(CHAT, agg, cli_opt(opts, "aci-verified")->seen, &body,
                      &body_len))
        goto out;
    if (e2ee && !e2ee_start(opts, keyset, body, body_len, &at, &ectx, &sess))
        goto out;
    const uint8_t *req, *resp;
    size_t req_len, resp_len;
    if (!chat_exchange(p, &x, sess, body, body_len, stream, &state, agg, &req,
                       &req_len, &resp, &resp_len, &err))
        goto out;
    if (!stream && state.print && sess) {
        const uint8_t *plain;
        size_t plain_len;
        if (teeattest_e2ee_decrypt_response(sess, &plain, &plain_len, resp,
                                            resp_len, NULL) == TEEATTEST_OK)
            print_content(&state, (const char *)plain, plain_len, false);
    } else if (!stream && state.print) {
        print_content(&state, (const char *)resp, resp_len, false);
    }
    size_t receipt_len = ACI_RECEIPT_MAX;
    receipt = malloc(receipt_len);
    if (!receipt || state.held_oom) {
        cli_error(CHAT, "out of memory");
        goto out;
    }
    int st = teeattest_aci_receipt_fetch(p, x, receipt, &receipt_len, &err);
    if (st == TEEATTEST_E_FIELD_MISSING || st == TEEATTEST_E_NOT_FOUND) {
        /* An answer without its receipt is unverified: a failure. */
        if (json)
            print_chat_json_error(st, err.message, att);
        cli_error(CHAT, "no receipt for this answer: %s", err.message);
        rc = CLI_FAILED;
        goto out;
    }
    if (st != TEEATTEST_OK) {
        network_error(CHAT, "fetching the receipt", st, &err);
        goto out;
    }
    teeattest_aci_receipt_options ro = TEEATTEST_ACI_RECEIPT_OPTIONS_INIT;
    ro.request = sess ? NULL : req; /* E2EE: the restored body */
    ro.request_len = sess ? 0 : req_len;
    ro.e2ee = sess;
    ro.response = resp;
    ro.response_len = resp_len;
    if (!aci_agg_session(CHAT, agg, ctx, p, att, receipt, receipt_len, ev,
                         pol, &ro))
        goto out;
    /* --save FILE: a version 2 bundle (report, exchange, receipt, the
     * cited session as fetched, the material its audit used), its time
     * the --at of the verification, as attest --save writes it. Saved
     * whatever the verdict (a refusal too): 'teeattest verify' decides. */
    const struct cli_opt *o_at = cli_opt(opts, "at");
    if (o_save->seen &&
        !(save_is_dir(o_save->value)
              ? save_aci(o_save->value, x, stream, receipt, receipt_len, keyset,
                         agg->session, agg->session_len)
              : (!o_at->seen ||
                 cli_parse_unix_time(CHAT, "at", o_at->value, &at)) &&
                    cli_save_aci_bundle(CHAT, o_save->value, ctx, rep, ev,
                                        nonce, cli_opt(opts, "model")->value,
                                        o_at->seen ? &at : NULL, x, receipt,
                                        receipt_len, agg->session,
                                        agg->session_len, sess)))
        goto out;
    st = teeattest_aci_verify_receipt(ctx, &res, receipt, receipt_len,
                                      (const uint8_t *)keyset, strlen(keyset),
                                      &ro, &err);
    if (st != TEEATTEST_OK) {
        cli_error(CHAT, "verifying the receipt: %s",
                  err.message[0] ? err.message : teeattest_status_str(st));
        goto out;
    }
    bool verified = teeattest_result_verdict(res) ==
                        TEEATTEST_VERDICT_VERIFIED &&
                    aci_agg_verified(agg);
    if (json) {
        if (!print_chat_json_aci(res, att, agg, sess))
            goto out;
    } else {
        print_held_checks(&state, verified, att, res);
        aci_agg_print(agg);
        puts("attestation: verified (the receipt was checked against its "
             "keyset)");
        if (!verified)
            puts("answer: not shown (its receipt did not verify)");
        printf("verdict: %s\n", verified ? "verified" : "FAILED");
    }
    rc = verified ? CLI_OK : CLI_FAILED;
out:
    teeattest_e2ee_session_free(sess);
    teeattest_ctx_free(ectx);
    free(receipt);
    held_free(&state);
    teeattest_exchange_free(x);
    teeattest_result_free(res);
    teeattest_result_free(att);
    teeattest_evidence_free(ev);
    teeattest_report_free(rep);
    return rc;
}

/* ---- chat --provider nearai --e2ee -------------------------------------- */

/* Answer fields the decryption changed: leaves of `enc` that are strings
 * and differ (in value or type) at the same place in `plain`. The library
 * decides which fields are encrypted; this only counts what it opened. */
static size_t fields_opened(const json_t *enc, const json_t *plain)
{
    if (json_is_string(enc))
        return json_equal(enc, plain) ? 0 : 1;
    size_t n = 0;
    if (json_is_object(enc) && json_is_object(plain)) {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)enc, k, v)
            n += fields_opened(v, json_object_get(plain, k));
    } else if (json_is_array(enc) && json_is_array(plain)) {
        for (size_t i = 0; i < json_array_size(enc); i++)
            n += fields_opened(json_array_get(enc, i),
                               json_array_get(plain, i));
    }
    return n;
}

static size_t count_opened(const char *enc, size_t enc_len,
                           const uint8_t *plain, size_t plain_len)
{
    json_t *a = json_loadb(enc, enc_len, 0, NULL);
    json_t *b = json_loadb((const char *)plain, plain_len, 0, NULL);
    size_t n = a && b ? fields_opened(a, b) : 0;
    json_decref(a);
    json_decref(b);
    return n;
}

/* Each SSE data payload of a whole stream (`resp`), decrypted again to
 * count its fields; the stream's text was held by on_event already. */
static bool near_stream_fields(teeattest_e2ee_session *sess,
                               const uint8_t *resp, size_t resp_len,
                               size_t *fields, teeattest_error *err)
{
    const char *p = (const char *)resp, *end = p + resp_len;
    *fields = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        size_t n = (size_t)(le - p);
        if (n && p[n - 1] == '\r')
            n--;
        if (n >= 5 && memcmp(p, "data:", 5) == 0) {
            const char *d = p + 5;
            size_t dl = n - 5;
            if (dl && *d == ' ')
                d++, dl--;
            const uint8_t *plain;
            size_t plain_len;
            if (!(dl == 6 && memcmp(d, "[DONE]", 6) == 0)) {
                if (teeattest_e2ee_decrypt_chunk(sess, &plain, &plain_len,
                                                 (const uint8_t *)d, dl,
                                                 err) != TEEATTEST_OK)
                    return false;
                *fields += count_opened(d, dl, plain, plain_len);
            }
        }
        p = nl ? nl + 1 : end;
    }
    return true;
}

/* The model's signing key as its verified report entry lists it (hex). */
static char *near_model_key(const teeattest_report *rep, const char *signer)
{
    size_t idx = 0, len = 0;
    const uint8_t *k = NULL;
    if (teeattest_report_find_entry(rep, &idx, signer, NULL) != TEEATTEST_OK ||
        teeattest_report_entry_get(rep, idx,
                                   TEEATTEST_ENTRY_SIGNING_PUBLIC_KEY, &k,
                                   &len, NULL) != TEEATTEST_OK ||
        !len || len > 65)
        return NULL;
    char *hex = malloc(2 * len + 1);
    if (hex)
        hex_out(hex, k, len);
    return hex;
}

/* chat --json for nearai --e2ee: the signature's result with "attestation"
 * and "e2ee": {"scheme", "signing_algo", "fields"}, plus "error" {"status",
 * "message", "where"} when the answer did not decrypt (the verdict is then
 * "failed": the answer is not accepted). */
static bool print_chat_json_near(const teeattest_result *res,
                                 const teeattest_result *att,
                                 const teeattest_e2ee_session *sess,
                                 const char *algo, size_t fields, int dst,
                                 const teeattest_error *derr)
{
    const char *text = NULL;
    size_t len = 0;
    json_t *d = teeattest_result_to_json(res, &text, &len, NULL) ==
                        TEEATTEST_OK
                    ? json_loadb(text, len, 0, NULL)
                    : NULL;
    json_t *e = json_pack("{s:s, s:s, s:I}", "scheme",
                          teeattest_e2ee_session_algo(sess), "signing_algo",
                          algo, "fields", (json_int_t)fields);
    if (e && dst != TEEATTEST_OK) {
        json_object_set_new(
            e, "error",
            json_pack("{s:s, s:s, s:s}", "status", teeattest_status_name(dst),
                      "message",
                      derr->message[0] ? derr->message
                                       : teeattest_status_str(dst),
                      "where", derr->where[0] ? derr->where : ""));
        json_object_set_new(d, "verdict", json_string("failed"));
    }
    char *out = NULL;
    if (json_is_object(d) && e && json_object_set_new(d, "e2ee", e) == 0)
        out = json_dumps(d, JSON_COMPACT | JSON_PRESERVE_ORDER);
    else
        json_decref(e);
    json_decref(d);
    bool ok = out && print_json_with_attestation(out, strlen(out), att);
    if (!out)
        cli_error(CHAT, "cannot format the result as JSON");
    free(out);
    return ok;
}

/* chat --provider nearai --e2ee: attest the model first (its verified
 * signing key is the recipient of the prompt's fields; nothing is sent
 * when the attestation fails), chat with the session's body and headers,
 * decrypt the answer's fields under the per-request client key, and check
 * the answer's signature against the attested signer over the exact
 * (encrypted) bytes sent and received. The plaintext is printed only once
 * all of that verified. */
static int chat_near_e2ee(teeattest_ctx *ctx, teeattest_provider *p,
                          struct cli_opt *opts,
                          const struct cli_verify_args *va,
                          const teeattest_policy *pol, const char *body,
                          size_t body_len, bool stream, bool json)
{
    if (cli_opt(opts, "expect-signer")->seen ||
        cli_opt(opts, "allow-unbound-signer")->seen) {
        cli_error(CHAT, "--expect-signer and --allow-unbound-signer do not "
                        "apply to --e2ee: the prompt is encrypted to the key "
                        "of the attested, bound signer");
        return CLI_USAGE;
    }
    if (cli_opt(opts, "save")->seen) {
        cli_error(CHAT, "--save with --e2ee is not supported for --provider "
                        "nearai yet (the saved exchange would hold only "
                        "ciphertext)");
        return CLI_USAGE;
    }
    int rc = CLI_USAGE;
    teeattest_report *rep = NULL;
    teeattest_evidence *ev = NULL;
    teeattest_result *att = NULL, *res = NULL;
    teeattest_exchange *x = NULL;
    teeattest_signature *sig = NULL;
    teeattest_e2ee_session *sess = NULL;
    uint8_t nonce[TEEATTEST_NONCE_SIZE];
    teeattest_error err = TEEATTEST_ERROR_INIT, derr = TEEATTEST_ERROR_INIT;
    struct chat_state state = {.print = true, .hold = true};
    const char *signer = NULL, *algo = NULL;
    char *model_key = NULL;
    size_t fields = 0;
    int dst = TEEATTEST_OK;
    if (!attest_for_chat(ctx, p, opts, va, NULL, pol, &rep, &ev, nonce, &att))
        goto out;
    if (teeattest_result_verdict(att) != TEEATTEST_VERDICT_VERIFIED ||
        teeattest_result_verified_signer(att, &signer, &algo, NULL) !=
            TEEATTEST_OK ||
        !algo || !(model_key = near_model_key(rep, signer))) {
        const char *why =
            teeattest_result_verdict(att) != TEEATTEST_VERDICT_VERIFIED
                ? "the attestation did not verify: no chat request was sent"
                : "the verified report names no single signer with a "
                  "signing key: no chat request was sent";
        if (json) {
            print_chat_json_error(TEEATTEST_E_NOT_VERIFIED, why, att);
        } else {
            cli_print_checks(att, "");
            printf("attestation: FAILED (%s)\n", why);
            puts("verdict: FAILED");
        }
        rc = CLI_FAILED;
        goto out;
    }
    int st = teeattest_e2ee_session_new_nearai(ctx, &sess, algo, model_key,
                                               signer, &err);
    if (st == TEEATTEST_OK)
        st = teeattest_e2ee_encrypt_request(sess, TEEATTEST_E2EE_CHAT,
                                            (const uint8_t *)body, body_len,
                                            &err);
    if (st != TEEATTEST_OK) {
        e2ee_error(st, &err);
        rc = st == TEEATTEST_E_VERIFY_FAILED ? CLI_FAILED : CLI_USAGE;
        goto out;
    }
    const uint8_t *req, *resp;
    size_t req_len, resp_len;
    if (!chat_exchange(p, &x, sess, body, body_len, stream, &state, NULL, &req,
                       &req_len, &resp, &resp_len, &err))
        goto out;
    /* Every answer field must open under the session's key: a plaintext,
     * altered or foreign field fails the answer. */
    if (stream) {
        if (state.e2ee_failed) {
            dst = TEEATTEST_E_VERIFY_FAILED;
            derr = state.e2ee_err;
            if (derr.code)
                dst = derr.code;
        } else {
            /* the stream decrypted chunk by chunk; count its fields */
            if (!near_stream_fields(sess, resp, resp_len, &fields, &derr))
                dst = derr.code ? derr.code : TEEATTEST_E_VERIFY_FAILED;
        }
    } else {
        const uint8_t *plain;
        size_t plain_len;
        dst = teeattest_e2ee_decrypt_response(sess, &plain, &plain_len, resp,
                                              resp_len, &derr);
        if (dst == TEEATTEST_OK) {
            fields = count_opened((const char *)resp, resp_len, plain,
                                  plain_len);
            print_content(&state, (const char *)plain, plain_len, false);
        }
    }
    if (state.held_oom) {
        cli_error(CHAT, "out of memory");
        goto out;
    }
    st = teeattest_signature_fetch(p, &sig, x, NULL, &err);
    if (st != TEEATTEST_OK) {
        if (json)
            print_chat_json_error(st, err.message, att);
        if (st == TEEATTEST_E_SIGNATURE_UNAVAILABLE) {
            cli_error(CHAT, "no signature available for this answer: %s",
                      err.message);
            rc = CLI_FAILED;
        } else {
            network_error(CHAT, "fetching the signature", st, &err);
        }
        goto out;
    }
    st = teeattest_signature_verify_attested(sig, &res, pol, att, req,
                                             req_len, resp, resp_len, &err);
    if (st != TEEATTEST_OK) {
        cli_error(CHAT, "%s", err.message);
        goto out;
    }
    bool verified =
        teeattest_result_verdict(res) == TEEATTEST_VERDICT_VERIFIED &&
        dst == TEEATTEST_OK;
    if (json) {
        if (!print_chat_json_near(res, att, sess, algo, fields, dst, &derr))
            goto out;
    } else {
        print_held_checks(&state, verified, att, res);
        cli_print_signature_kind(res);
        puts("attestation: verified (the prompt was encrypted to the "
             "attested signer's key)");
        if (dst == TEEATTEST_OK) {
            printf("e2ee: %s, %zu answer field%s decrypted\n",
                   teeattest_e2ee_session_algo(sess), fields,
                   fields == 1 ? "" : "s");
        } else {
            fputs("e2ee: FAILED (the answer did not decrypt: ", stdout);
            cli_fputs_safe(derr.message[0] ? derr.message
                                           : teeattest_status_str(dst),
                           stdout);
            if (derr.where[0]) {
                fputs(" at ", stdout);
                cli_fputs_safe(derr.where, stdout);
            }
            printf("; %s)\n", teeattest_status_name(dst));
        }
        if (!verified)
            puts("answer: not shown (it did not verify)");
        printf("verdict: %s\n", verified ? "verified" : "FAILED");
    }
    if (dst != TEEATTEST_OK)
        cli_error(CHAT, "--e2ee: the answer did not decrypt: %s%s%s",
                  derr.message[0] ? derr.message : teeattest_status_str(dst),
                  derr.where[0] ? " at " : "", derr.where);
    rc = verified ? CLI_OK : CLI_FAILED;
out:
    teeattest_e2ee_session_free(sess);
    free(model_key);
    held_free(&state);
    teeattest_signature_free(sig);
    teeattest_exchange_free(x);
    teeattest_result_free(res);
    teeattest_result_free(att);
    teeattest_evidence_free(ev);
    teeattest_report_free(rep);
    return rc;
}

int cmd_chat(int argc, char **argv)
{
    struct cli_opt opts[] = {
        NET_OPTIONS,
        {"stream", false, false, NULL},
        {"expect-signer", true, false, NULL},
        {"allow-unbound-signer", false, false, NULL},
        {"attest", false, false, NULL},
        {"save", true, false, NULL},
        {"json", false, false, NULL},
        {"at", true, false, NULL},
        {"aci-verified", false, false, NULL},
        {"e2ee", false, false, NULL},
        {"e2ee-suite", true, false, NULL},
        CLI_EVIDENCE_OPTIONS,
        CLI_POLICY_OPTIONS,
        CLI_SIGNATURE_OPTIONS,
        {NULL, false, false, NULL},
    };
    bool help;
    const char *prompt = NULL;
    struct cli_verify_args va;
    struct aci_agg agg; /* --aci-session ID... (chat_aci_agg.c) */
    char **rest = NULL;
    int rest_argc = 0;
    int rc = CLI_USAGE;
    memset(&agg, 0, sizeof agg);
    if (!cli_verify_args_take(CHAT, argc, argv, &va) ||
        !aci_agg_take_args(CHAT, va.rest_argc, va.rest, 2, &agg, &rest_argc,
                           &rest) ||
        !cli_parse_opts_arg(CHAT, opts, rest_argc, rest, 2, &help,
                            &prompt)) {
        cli_verify_args_free(&va);
        aci_agg_free(&agg, rest);
        return CLI_USAGE;
    }
    if (help) {
        cli_verify_args_free(&va);
        aci_agg_free(&agg, rest);
        help_chat(stdout);
        return CLI_OK;
    }
    if (!prompt) {
        cli_verify_args_free(&va);
        aci_agg_free(&agg, rest);
        cli_error(CHAT, "missing PROMPT (see 'teeattest chat --help')");
        return CLI_USAGE;
    }
    if (!cli_opt(opts, "model")->seen) {
        cli_verify_args_free(&va);
        aci_agg_free(&agg, rest);
        cli_error(CHAT, "missing --model");
        return CLI_USAGE;
    }
    bool stream = cli_opt(opts, "stream")->seen;
    bool json = cli_opt(opts, "json")->seen;
    const struct cli_opt *o_signer = cli_opt(opts, "expect-signer");
    const struct cli_opt *o_save = cli_opt(opts, "save");
    bool save_dir = o_save->seen && save_is_dir(o_save->value);
    bool save_bundle = o_save->seen && !save_dir;
    bool attest = cli_opt(opts, "attest")->seen;
    const struct cli_opt *o_suite = cli_opt(opts, "e2ee-suite");
    if (o_suite->seen && (!cli_opt(opts, "e2ee")->seen ||
                          (strcmp(o_suite->value, "x25519") != 0 &&
                           strcmp(o_suite->value, "secp256k1") != 0))) {
        cli_verify_args_free(&va);
        aci_agg_free(&agg, rest);
        cli_error(CHAT, "--e2ee-suite takes x25519 or secp256k1, with --e2ee");
        return CLI_USAGE;
    }
    if (attest && o_signer->seen) {
        cli_verify_args_free(&va);
        aci_agg_free(&agg, rest);
        cli_error(CHAT, "--attest and --expect-signer exclude each other: "
                        "the signer is the attested one, or the pinned one");
        return CLI_USAGE;
    }

    teeattest_ctx *ctx = NULL;
    teeattest_provider *p = NULL;
    teeattest_exchange *x = NULL;
    teeattest_signature *sig = NULL;
    teeattest_policy *pol = NULL;
    teeattest_result *res = NULL, *att = NULL;
    teeattest_report *rep = NULL;
    teeattest_evidence *ev = NULL;
    uint8_t nonce[TEEATTEST_NONCE_SIZE];
    teeattest_error err = TEEATTEST_ERROR_INIT;
    char *body = NULL;
    char *cache_dir = NULL;
    if (!cli_cache_dir(CHAT, opts, &cache_dir) ||
        !open_provider(CHAT, opts, cache_dir, &ctx, &p))
        goto out;
    /* The policy before the chat: a bad option must not cost a request. */
    if (teeattest_policy_new(ctx, &pol, &err) != TEEATTEST_OK) {
        cli_error(CHAT, "%s", err.message);
        goto out;
    }
    if (!cli_signature_apply(CHAT, opts, pol))
        goto out;
    if (!cli_policy_apply(CHAT, opts, pol) ||
        (cli_opt(opts, "allow-unbound-signer")->seen &&
         teeattest_policy_set_require_signer(pol, 0, NULL) != TEEATTEST_OK)) {
        cli_error(CHAT, "setting the policy failed");
        goto out;
    }
    const struct cli_opt *o_at = cli_opt(opts, "at");
    int64_t at = 0;
    if (o_at->seen &&
        (!cli_parse_unix_time(CHAT, "at", o_at->value, &at) ||
         teeattest_policy_set_time(pol, at, NULL) != TEEATTEST_OK))
        goto out;
    size_t body_len = 0;
    body = chat_body(cli_opt(opts, "model")->value, prompt, stream, &body_len);
    if (!body) {
        cli_error(CHAT, "out of memory");
        goto out;
    }
    if ((agg.n_pins || cli_opt(opts, "aci-verified")->seen) &&
        strcmp(teeattest_provider_dialect(p), "aci") != 0) {
        cli_error(CHAT, "--aci-verified and --aci-session are serving "
                        "constraints of --provider aci");
        goto out;
    }
    bool near = strcmp(teeattest_provider_dialect(p), "nearai") == 0;
    if (cli_opt(opts, "e2ee")->seen &&
        strcmp(teeattest_provider_dialect(p), "aci") != 0 && !near) {
        cli_error(CHAT, "--e2ee is for --provider aci (E2EE v2 to the "
                        "attested keyset) and --provider nearai (NEAR's "
                        "field E2EE to the attested model key)");
        goto out;
    }
    if (near && o_suite->seen) {
        cli_error(CHAT, "--e2ee-suite is for --provider aci; for nearai the "
                        "signing algorithm picks the scheme (--signing-algo "
                        "ed25519 or ecdsa)");
        goto out;
    }
    if (near && cli_opt(opts, "e2ee")->seen) {
        rc = chat_near_e2ee(ctx, p, opts, &va, pol, body, body_len, stream,
                            json);
        goto out;
    }
    if (strcmp(teeattest_provider_dialect(p), "aci") == 0) {
        rc = chat_aci(ctx, p, opts, &va, pol, body, body_len, stream, json,
                      &agg);
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
    teeattest_error sig_err = err;
    if (save_dir && !save_chat(o_save->value, x, sig, stream))
        goto out;
    /* After the chat: the report then names the key that signed it, and
     * its material goes into the bundle. */
    if ((attest || save_bundle) &&
        !attest_for_chat(ctx, p, opts, &va,
                         o_signer->seen ? o_signer->value
                         : sig ? teeattest_signature_claimed_signer(sig)
                               : NULL,
                         pol, &rep, &ev, nonce, &att))
        goto out;
    if (save_bundle &&
        !cli_save_bundle(CHAT, o_save->value, ctx, rep, ev, nonce,
                         cli_opt(opts, "model")->value, NULL, x, sig))
        goto out;
    err = sig_err;
    if (st != TEEATTEST_OK && json &&
        !print_chat_json_error(st, err.message, att))
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

    const uint8_t *req;
    size_t req_len;
    teeattest_exchange_request(x, &req, &req_len);
    st = attest ? teeattest_signature_verify_attested(sig, &res, pol, att, req,
                                                      req_len, resp,
                                                      resp_len, &err)
                : teeattest_signature_verify(sig, &res, pol,
                                             o_signer->seen ? o_signer->value
                                                            : NULL,
                                             req, req_len, resp, resp_len,
                                             &err);
    if (st != TEEATTEST_OK) {
        if (st == TEEATTEST_E_SIGNER_FORMAT && o_signer->seen)
            cli_error(CHAT, "--expect-signer %s: %s", o_signer->value,
                      err.message);
        else
            cli_error(CHAT, "%s", err.message);
        goto out;
    }
    if (json) {
        if (!print_chat_json(res, att))
            goto out;
    } else {
        if (attest) {
            cli_print_checks(att, "");
            puts("");
        }
        cli_print_checks(res, "");
        cli_print_signature_kind(res);
        if (att) {
            printf("attestation: %s",
                   teeattest_result_verdict(att) == TEEATTEST_VERDICT_VERIFIED
                       ? "verified" : "FAILED");
            if (save_bundle) {
                fputs(" (saved with the exchange in ", stdout);
                cli_fputs_safe(o_save->value, stdout);
                fputs("; 'teeattest verify FILE' checks both again)", stdout);
            }
            if (!attest)
                fputs("; the signature was checked against the pinned "
                      "signer (--attest binds it to the attestation)",
                      stdout);
            putchar('\n');
        } else {
            puts("attestation: not checked (the signature was checked "
                 "against a pinned signer; --attest checks it against the "
                 "attested one)");
        }
        printf("verdict: %s\n",
               teeattest_result_verdict(res) == TEEATTEST_VERDICT_VERIFIED
                   ? "verified" : "FAILED");
    }
    rc = teeattest_result_verdict(res) == TEEATTEST_VERDICT_VERIFIED
             ? CLI_OK : CLI_FAILED;
out:
    free(body);
    free(cache_dir);
    teeattest_report_free(rep);
    teeattest_evidence_free(ev);
    teeattest_result_free(att);
    teeattest_result_free(res);
    teeattest_policy_free(pol);
    teeattest_signature_free(sig);
    teeattest_exchange_free(x);
    teeattest_provider_free(p);
    aci_agg_free(&agg, rest);
    teeattest_ctx_free(ctx);
    cli_verify_args_free(&va);
    return rc;
}
