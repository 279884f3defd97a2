/*
 * teeattest verify: re-verify an evidence bundle (written by `attest
 * --save FILE` or `chat --save FILE`) offline, at its recorded time or now.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define CMD "verify"

void help_bundle_verify(FILE *f)
{
    fputs("Usage: teeattest verify FILE [--at UNIX | --now] [--json]\n"
          "           [--pccs URL | --online] [--cache-dir DIR | --no-cache]\n"
          "           [policy options] [--strict-ecdsa]\n"
          "\n"
          "Verify an evidence bundle again ('teeattest attest --save FILE',\n"
          "'teeattest chat --save FILE'; '-' reads standard input): every entry\n"
          "of the report with the bundle's nonce, TLS key and material (TDX\n"
          "collateral, NRAS answers and JWKS, RIMs, OCSP answers), then, when the\n"
          "bundle holds a chat exchange and its signature, the signature over the\n"
          "exact request and response bytes against the verified signer (checks\n"
          "prefixed response.); for an aci bundle (version 2) the receipt over\n"
          "those bytes against the attested keyset and the sessions it cites\n"
          "(checks aci.receipt.*, aci.session.*, bundle.sessions). Sigstore\n"
          "bundles the file carries (version 2) are image provenance material:\n"
          "give the provenance policy again (--require-provenance,\n"
          "--provenance-identity, --sigstore-trusted-root) to re-check them.\n"
          "Offline: nothing is fetched unless --pccs or --online is given.\n"
          "\n"
          "The verification time is the bundle's recorded time, so a bundle\n"
          "verified when it was made verifies again with the same checklist.\n"
          "--now verifies at the current time instead: collateral, certificates,\n"
          "OCSP and NRAS answers that have expired since then fail.\n"
          "\n"
          "Options:\n"
          "  --at UNIX                 verification time in Unix seconds\n"
          "                            (" CLI_TIME_RANGE_HELP ")\n"
          "  --now                     verify at the current time\n"
          "  --offline                 fetch nothing (the default)\n"
          "  --pccs URL                fetch TDX collateral the bundle lacks from\n"
          "                            this PCS / PCCS ('intel' for Intel PCS)\n"
          "  --online                  fetch collateral from Intel PCS (or --pccs),\n"
          "                            use NVIDIA's GPU services, fetch image\n"
          "                            provenance (Sigstore bundles) from each\n"
          "                            image's registry, the model's files where\n"
          "                            the provider publishes them, and a Tinfoil\n"
          "                            release named by --tinfoil-repo (GitHub)\n"
          "  --gpu-online LIST         GPU services that may be called: nras, rim,\n"
          "                            ocsp, jwks, all, none\n"
          CLI_CACHE_OPTIONS_HELP
          "  --json                    print the result as JSON only\n"
          "  -h, --help                show this help\n"
          "\n"
          CLI_POLICY_OPTIONS_HELP
          "\n"
          CLI_SIGNATURE_OPTIONS_HELP
          "\n"
          "Output: one line per check (PASS, FAIL, SKIP or WARN), per entry its\n"
          "signer, TDX status, app id, compose hash and OS image hash, the\n"
          "verified signer, then 'verdict: verified' or 'verdict: FAILED'.\n"
          CLI_OUTCOMES_HELP
          "\n"
          "Exit status: 0 verified, 1 verification failed, 2 usage or input\n"
          "error (unreadable or malformed bundle).\n", f);
}

int cmd_bundle_verify(int argc, char **argv)
{
    struct cli_opt opts[] = {
        {"at", true, false, NULL},
        {"now", false, false, NULL},
        {"json", false, false, NULL},
        {"offline", false, false, NULL},
        {"online", false, false, NULL},
        {"pccs", true, false, NULL},
        {"gpu-online", true, false, NULL},
        CLI_CACHE_OPTIONS,
        CLI_POLICY_OPTIONS,
        CLI_SIGNATURE_OPTIONS,
        {NULL, false, false, NULL},
    };
    bool help;
    const char *path = NULL;
    if (!cli_parse_opts_arg(CMD, opts, argc, argv, 2, &help, &path))
        return CLI_USAGE;
    if (help) {
        help_bundle_verify(stdout);
        return CLI_OK;
    }
    if (!path) {
        cli_error(CMD, "missing FILE, the bundle to verify (see 'teeattest "
                  "verify --help')");
        return CLI_USAGE;
    }
    const struct cli_opt *o_at = cli_opt(opts, "at");
    const struct cli_opt *o_now = cli_opt(opts, "now");
    const struct cli_opt *o_online = cli_opt(opts, "online");
    const struct cli_opt *o_pccs = cli_opt(opts, "pccs");
    const struct cli_opt *o_gpu = cli_opt(opts, "gpu-online");
    bool json = cli_opt(opts, "json")->seen;
    if (o_at->seen && o_now->seen) {
        cli_error(CMD, "give either --at UNIX or --now, not both");
        return CLI_USAGE;
    }
    int64_t at = 0;
    if (o_at->seen && !cli_parse_unix_time(CMD, "at", o_at->value, &at)) {
        return CLI_USAGE;
    }

    int rc = CLI_USAGE;
    teeattest_ctx *ctx = NULL;
    teeattest_policy *pol = NULL;
    teeattest_bundle *b = NULL;
    teeattest_result *res = NULL;
    struct cli_file f = {0};
    char *cache_dir = NULL;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    if (!cli_read_file(CMD, "FILE", path, &f) ||
        !cli_cache_dir(CMD, opts, &cache_dir) ||
        !cli_ctx_new_cached(CMD, cache_dir, &ctx))
        goto out;
    int st = teeattest_policy_new(ctx, &pol, &err);
    if (st != TEEATTEST_OK) {
        cli_error(CMD, "%s", err.message[0] ? err.message
                                             : teeattest_status_str(st));
        goto out;
    }
    if ((o_at->seen && teeattest_policy_set_time(pol, at, NULL) != TEEATTEST_OK) ||
        (o_now->seen &&
         teeattest_policy_set_time(pol, teeattest_ctx_now(ctx), NULL) !=
             TEEATTEST_OK)) {
        cli_error(CMD, "cannot set the verification time");
        goto out;
    }
    if (!cli_policy_apply(CMD, opts, pol) ||
        !cli_signature_apply(CMD, opts, pol))
        goto out;
    st = teeattest_bundle_parse(ctx, &b, f.data, f.len, &err);
    if (st != TEEATTEST_OK) {
        /* where names the member ("sigstore_bundles[2]", "report: ...") */
        cli_error(CMD, "%s: not a valid bundle: %s%s%s (%s)", path,
                  err.where[0] ? err.where : "", err.where[0] ? ": " : "",
                  err.message[0] ? err.message : teeattest_status_str(st),
                  teeattest_status_name(st));
        goto out;
    }
    /* The bundle's evidence is offline as parsed; the services asked for
     * are turned on here (the material options are not offered: the
     * bundle carries its own). */
    if (o_online->seen || o_pccs->seen || o_gpu->seen) {
        struct cli_opt ev_opts[] = {CLI_EVIDENCE_OPTIONS,
                                    {NULL, false, false, NULL}};
        static const char *const copied[] = {"offline", "online", "pccs",
                                             "gpu-online"};
        for (size_t i = 0; i < sizeof copied / sizeof *copied; i++) {
            const struct cli_opt *from = cli_opt(opts, copied[i]);
            struct cli_opt *to = cli_opt(ev_opts, copied[i]);
            to->seen = from->seen;
            to->value = from->value;
        }
        struct cli_verify_args none = {0};
        if (!cli_evidence_apply(CMD, ev_opts, &none, ctx,
                                teeattest_bundle_evidence(b), false))
            goto out;
    }
    st = teeattest_bundle_verify(ctx, &res, b, pol, &err);
    if (st != TEEATTEST_OK) {
        cli_error(CMD, "%s: %s (%s)", path,
                  err.message[0] ? err.message : teeattest_status_str(st),
                  teeattest_status_name(st));
        goto out;
    }
    if (json) {
        if (!cli_print_result_json(CMD, res))
            goto out;
    } else {
        teeattest_report *rep = teeattest_bundle_report(b);
        fputs("provider: ", stdout);
        cli_fputs_safe(rep ? teeattest_report_dialect(rep) : "?", stdout);
        fputc('\n', stdout);
        const char *model = teeattest_bundle_model(b);
        if (model) {
            fputs("model: ", stdout);
            cli_fputs_safe(model, stdout);
            fputc('\n', stdout);
        }
        int64_t t = teeattest_bundle_time(b);
        printf("recorded at: %lld\n", (long long)t);
        size_t nss = teeattest_evidence_sigstore_bundle_count(
            teeattest_bundle_evidence(b));
        if (nss)
            printf("sigstore bundles: %zu\n", nss);
        if (o_now->seen || o_at->seen)
            printf("verified at: %lld\n",
                   (long long)(o_at->seen ? at : teeattest_ctx_now(ctx)));
        const uint8_t *req = NULL, *resp = NULL;
        size_t req_len = 0, resp_len = 0;
        int32_t kind = teeattest_signature_kind(teeattest_bundle_signature(b));
        if (teeattest_bundle_exchange(b, &req, &req_len, &resp, &resp_len, NULL) ==
            TEEATTEST_OK) {
            size_t nr = teeattest_bundle_item_count(
                b, TEEATTEST_BUNDLE_ACI_RECEIPT);
            size_t ns = teeattest_bundle_item_count(
                b, TEEATTEST_BUNDLE_ACI_SESSION);
            printf("exchange: %zu request bytes, %zu response bytes%s%s",
                   req_len, resp_len,
                   teeattest_bundle_signature(b) ? ", signed" : "",
                   kind == TEEATTEST_SIG_KIND_PROVIDER_TEE
                       ? " (signature_kind provider_tee)"
                   : kind == TEEATTEST_SIG_KIND_GATEWAY
                       ? " (signature_kind gateway)" : "");
            if (nr || ns)
                printf(", %zu receipt%s, %zu session%s", nr,
                       nr == 1 ? "" : "s", ns, ns == 1 ? "" : "s");
            putchar('\n');
        }
        cli_print_report_result(res);
    }
    rc = cli_verdict_exit(res);
out:
    teeattest_result_free(res);
    teeattest_bundle_free(b);
    teeattest_policy_free(pol);
    teeattest_ctx_free(ctx);
    cli_file_free(&f);
    free(cache_dir);
    return rc;
}
