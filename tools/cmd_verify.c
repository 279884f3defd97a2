/*
 * teeattest verify-signature: verify an exchange saved on disk (request
 * body, response body, signature record) against its response signature.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>

#include "cli.h"

#define CMD "verify-signature"

void help_verify_signature(FILE *f)
{
    fputs("Usage: teeattest verify-signature --request FILE --response FILE\n"
          "           (--signature FILE | --signature-headers FILE)\n"
          "           [--expect-signer ID] [--model NAME] [--json]\n"
          "           [--allow-unbound-signer] [--strict-ecdsa]\n"
          "\n"
          "Verify a chat exchange saved on disk: the SHA-256 of the exact request\n"
          "and response bytes must match the signed text, the signature must be\n"
          "valid, and it must come from the signer you expect. Files are read as\n"
          "exact bytes (CRLF, NUL bytes and trailing newlines all count); save\n"
          "bodies exactly as sent and received, e.g. with 'curl -o', never\n"
          "re-serialised. FILE may be '-' for standard input (for one option).\n"
          "\n"
          "Options:\n"
          "  --request FILE            request body as sent\n"
          "  --response FILE           response body as received (for a stream,\n"
          "                            the whole SSE body up to 'data: [DONE]')\n"
          "  --signature FILE          JSON body of the provider's signature\n"
          "                            endpoint ({\"text\",\"signature\",...})\n"
          "  --signature-headers FILE  raw 'Name: value' header block carrying\n"
          "                            text/signature/signing_address (io.net)\n"
          "  --expect-signer ID        the signer you trust: 0x + 40 hex (ecdsa)\n"
          "                            or 64 hex (ed25519 public key)\n"
          "  --model NAME              model a 'model:req:resp' text must name\n"
          "                            (default: the request's \"model\")\n"
          "  --allow-unbound-signer    accept a valid signature without\n"
          "                            --expect-signer (proves only that *some*\n"
          "                            key signed the exchange)\n"
          "  --json                    print the result as JSON only\n"
          "  -h, --help                show this help\n"
          "\n"
          CLI_SIGNATURE_OPTIONS_HELP
          "\n"
          "Output: one line per check (PASS, FAIL, SKIP or WARN), then\n"
          "'verdict: verified' or 'verdict: FAILED'. Check names: docs/checks.md.\n"
          CLI_OUTCOMES_HELP
          "\n"
          "Exit status: 0 verified, 1 verification failed, 2 usage or input error\n"
          "(unreadable file, malformed signature record or signer).\n", f);
}

/* The human-readable report. The verdict line comes last so that scripts
 * reading text output can rely on `tail -n 1`. */
static void print_report(const teeattest_result *res, bool have_expected)
{
    cli_print_checks(res, "");
    cli_print_signature_kind(res);
    if (!have_expected) {
        /* Name the key that signed, so the user can compare it with the
         * one the provider's attestation binds, but never suggest that
         * this key is trustworthy in itself. */
        bool unv;
        const char *who = cli_fact(res, "signer", &unv);
        if (!who)
            who = cli_fact(res, "recovered_signer", &unv);
        fputs("hint: without --expect-signer this only shows that some key",
              stdout);
        if (who) {
            fputs(" (", stdout);
            cli_fputs_safe(who, stdout);
            fputc(')', stdout);
        }
        fputs(" signed the exchange;\n"
              "      pin the signer you trust (the one the provider's "
              "attestation binds)\n"
              "      with --expect-signer ID.\n", stdout);
    }
    printf("verdict: %s\n",
           teeattest_result_verdict(res) == TEEATTEST_VERDICT_VERIFIED
               ? "verified" : "FAILED");
}

int cmd_verify_signature(int argc, char **argv)
{
    struct cli_opt opts[] = {
        {"request", true, false, NULL},
        {"response", true, false, NULL},
        {"signature", true, false, NULL},
        {"signature-headers", true, false, NULL},
        {"expect-signer", true, false, NULL},
        {"model", true, false, NULL},
        {"allow-unbound-signer", false, false, NULL},
        {"json", false, false, NULL},
        CLI_SIGNATURE_OPTIONS,
        {NULL, false, false, NULL},
    };
    bool help;
    if (!cli_parse_opts(CMD, opts, argc, argv, 2, &help))
        return CLI_USAGE;
    if (help) {
        help_verify_signature(stdout);
        return CLI_OK;
    }
    const struct cli_opt *o_req = cli_opt(opts, "request");
    const struct cli_opt *o_resp = cli_opt(opts, "response");
    const struct cli_opt *o_sig = cli_opt(opts, "signature");
    const struct cli_opt *o_hdr = cli_opt(opts, "signature-headers");
    const struct cli_opt *o_signer = cli_opt(opts, "expect-signer");
    const struct cli_opt *o_model = cli_opt(opts, "model");
    bool json = cli_opt(opts, "json")->seen;

    if (!o_req->seen || !o_resp->seen) {
        cli_error(CMD, "missing --%s (see 'teeattest verify-signature "
                  "--help')", !o_req->seen ? "request" : "response");
        return CLI_USAGE;
    }
    if (o_sig->seen == o_hdr->seen) {
        cli_error(CMD, o_sig->seen
                           ? "give either --signature or --signature-headers, "
                             "not both"
                           : "missing --signature (or --signature-headers)");
        return CLI_USAGE;
    }
    /* Standard input can be read only once. */
    const struct cli_opt *files[] = {o_req, o_resp, o_sig->seen ? o_sig : o_hdr};
    int from_stdin = 0;
    for (size_t i = 0; i < 3; i++)
        from_stdin += strcmp(files[i]->value, "-") == 0;
    if (from_stdin > 1) {
        cli_error(CMD, "only one of the files can be '-' (standard input)");
        return CLI_USAGE;
    }

    struct cli_file req = {0}, resp = {0}, rec = {0};
    teeattest_error err = TEEATTEST_ERROR_INIT;
    teeattest_ctx *ctx = NULL;
    teeattest_policy *pol = NULL;
    teeattest_signature *sig = NULL;
    teeattest_result *res = NULL;
    int rc = CLI_USAGE;

    if (!cli_read_file(CMD, "request", o_req->value, &req) ||
        !cli_read_file(CMD, "response", o_resp->value, &resp) ||
        !cli_read_file(CMD, files[2]->name, files[2]->value, &rec))
        goto out;

    if (teeattest_ctx_new(&ctx, NULL, &err) != TEEATTEST_OK ||
        teeattest_policy_new(ctx, &pol, &err) != TEEATTEST_OK) {
        cli_error(CMD, "%s", err.message);
        goto out;
    }
    int st = TEEATTEST_OK;
    if (o_model->seen)
        st = teeattest_policy_set_expected_model(pol, o_model->value, NULL);
    if (st == TEEATTEST_OK && cli_opt(opts, "allow-unbound-signer")->seen)
        st = teeattest_policy_set_require_signer(pol, 0, NULL);
    if (st != TEEATTEST_OK) {
        cli_error(CMD, "setting the policy: %s", teeattest_status_str(st));
        goto out;
    }
    if (!cli_signature_apply(CMD, opts, pol))
        goto out;

    if (o_sig->seen)
        st = teeattest_signature_parse_json(ctx, &sig, rec.data, rec.len,
                                            &err);
    else
        st = teeattest_signature_parse_headers(ctx, &sig,
                                               (const char *)rec.data,
                                               rec.len, &err);
    if (st != TEEATTEST_OK) {
        if (err.where[0])
            cli_error(CMD, "--%s %s: %s (at %s)", files[2]->name,
                      files[2]->value, err.message, err.where);
        else
            cli_error(CMD, "--%s %s: %s", files[2]->name, files[2]->value,
                      err.message);
        goto out;
    }

    st = teeattest_signature_verify(sig, &res, pol,
                                    o_signer->seen ? o_signer->value : NULL,
                                    req.data, req.len, resp.data, resp.len,
                                    &err);
    if (st != TEEATTEST_OK) {
        /* The only input verify itself rejects is the expected signer
         * (malformed, or a key of the other algorithm). */
        if (st == TEEATTEST_E_SIGNER_FORMAT && o_signer->seen)
            cli_error(CMD, "--expect-signer %s: %s", o_signer->value,
                      err.message);
        else
            cli_error(CMD, "%s", err.message);
        goto out;
    }

    if (json) {
        const char *text = NULL;
        size_t len = 0;
        if (teeattest_result_to_json(res, &text, &len, NULL) != TEEATTEST_OK) {
            cli_error(CMD, "cannot format the result as JSON");
            goto out;
        }
        fwrite(text, 1, len, stdout);
        fputc('\n', stdout);
    } else {
        print_report(res, o_signer->seen);
    }
    rc = teeattest_result_verdict(res) == TEEATTEST_VERDICT_VERIFIED
             ? CLI_OK : CLI_FAILED;
out:
    teeattest_result_free(res);
    teeattest_signature_free(sig);
    teeattest_policy_free(pol);
    teeattest_ctx_free(ctx);
    cli_file_free(&req);
    cli_file_free(&resp);
    cli_file_free(&rec);
    return rc;
}
