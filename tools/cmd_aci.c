/*
 * teeattest aci: offline tools for ACI/1 (Attested Confidential Inference)
 * documents: a keyset's digest, a session's id, a receipt's verification.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define CMD "aci"

void help_aci(FILE *f)
{
    fputs("Usage: teeattest aci keyset-digest FILE\n"
          "       teeattest aci session-id FILE\n"
          "       teeattest aci verify-receipt --receipt FILE --keyset FILE\n"
          "           [--request FILE] [--response FILE] [--session FILE]\n"
          "           [--pin-session ID]... [--require-verified]\n"
          "           [--rewrite warn|allow|fail] [--json]\n"
          "\n"
          "Offline tools for auditors of ACI/1 services (docs/aci.md). Every\n"
          "document may be in any JSON encoding: digests and signatures are over\n"
          "its canonical (RFC 8785) form.\n"
          "\n"
          "  keyset-digest FILE   print the workload_keyset_digest (sha256:<hex>)\n"
          "                       of a keyset, or of the attestation.workload_keyset\n"
          "                       of a whole attestation report\n"
          "  session-id FILE      print the id (64 hex) of an attested session\n"
          "  verify-receipt       verify a receipt against a keyset you established\n"
          "                       (the attestation itself is not verified here)\n"
          "\n"
          "verify-receipt options:\n"
          "  --receipt FILE            the receipt (GET /v1/aci/receipts/{id})\n"
          "  --keyset FILE             the keyset, or the report carrying it\n"
          "  --request FILE            the exact request body bytes sent\n"
          "  --response FILE           the exact response bytes received (SSE\n"
          "                            framing included)\n"
          "  --session FILE            the session the receipt cites, verified too\n"
          "  --pin-session ID          a session id you pinned (repeatable): the\n"
          "                            cited session must be one of them\n"
          "  --require-verified        require verified serving through an\n"
          "                            upstream session (aggregators)\n"
          "  --rewrite POLICY          a request rewrite is a warn (default),\n"
          "                            allowed (allow) or a failure (fail)\n"
          "  --json                    print the result as JSON only\n"
          "  -h, --help                show this help\n"
          "\n"
          CLI_OUTCOMES_HELP
          "Check names: docs/checks.md (aci.receipt.*, aci.session.*).\n"
          "\n"
          "Exit status: 0 printed or verified, 1 verification failed, 2 usage or\n"
          "input error (unreadable file, not JSON, malformed keyset).\n", f);
}

/* keyset-digest and session-id: one FILE, one line out. */
static int print_id(const char *sub, int argc, char **argv, bool keyset)
{
    struct cli_opt opts[] = {{NULL, false, false, NULL}};
    bool help;
    const char *path = NULL;
    if (!cli_parse_opts_arg(CMD, opts, argc, argv, 3, &help, &path))
        return CLI_USAGE;
    if (help) {
        help_aci(stdout);
        return CLI_OK;
    }
    if (!path) {
        cli_error(CMD, "%s: missing FILE (see 'teeattest aci --help')", sub);
        return CLI_USAGE;
    }
    struct cli_file doc = {0};
    if (!cli_read_file(CMD, sub, path, &doc))
        return CLI_USAGE;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    teeattest_ctx *ctx = NULL;
    int rc = CLI_USAGE;
    char out[TEEATTEST_ACI_DIGEST_SIZE];
    if (teeattest_ctx_new(&ctx, NULL, &err) != TEEATTEST_OK) {
        cli_error(CMD, "%s", err.message);
        goto done;
    }
    int st = keyset ? teeattest_aci_keyset_digest(ctx, out, sizeof out,
                                                  doc.data, doc.len, &err)
                    : teeattest_aci_session_id(ctx, out, sizeof out, doc.data,
                                               doc.len, &err);
    if (st != TEEATTEST_OK) {
        cli_error(CMD, "%s: %s", sub, err.message);
        goto done;
    }
    printf("%s\n", out);
    rc = CLI_OK;
done:
    teeattest_ctx_free(ctx);
    cli_file_free(&doc);
    return rc;
}

static bool read_opt(struct cli_opt *opts, const char *name,
                     struct cli_file *f)
{
    const struct cli_opt *o = cli_opt(opts, name);
    return !o->seen || cli_read_file(CMD, name, o->value, f);
}

static int verify_receipt_with(int argc, char **argv, const char **pins,
                               char **rest)
{
    if (!pins || !rest) {
        cli_error(CMD, "out of memory");
        return CLI_USAGE;
    }
    int rest_argc = 0;
    struct cli_repeated rep = {"pin-session", pins, 0};
    if (!cli_take_repeated(CMD, argc, argv, 3, &rep, 1, &rest_argc, rest))
        return CLI_USAGE;
    struct cli_opt opts[] = {
        {"receipt", true, false, NULL},   {"keyset", true, false, NULL},
        {"request", true, false, NULL},   {"response", true, false, NULL},
        {"session", true, false, NULL},   {"require-verified", false, false, NULL},
        {"rewrite", true, false, NULL},   {"json", false, false, NULL},
        {NULL, false, false, NULL},
    };
    bool help;
    if (!cli_parse_opts(CMD, opts, rest_argc, rest, 3, &help))
        return CLI_USAGE;
    if (help) {
        help_aci(stdout);
        return CLI_OK;
    }
    if (!cli_opt(opts, "receipt")->seen || !cli_opt(opts, "keyset")->seen) {
        cli_error(CMD, "verify-receipt: missing --%s (see 'teeattest aci "
                  "--help')", !cli_opt(opts, "receipt")->seen ? "receipt"
                                                                : "keyset");
        return CLI_USAGE;
    }
    teeattest_aci_receipt_options o = TEEATTEST_ACI_RECEIPT_OPTIONS_INIT;
    const struct cli_opt *rw = cli_opt(opts, "rewrite");
    if (rw->seen) {
        if (strcmp(rw->value, "warn") == 0)
            o.rewrite = TEEATTEST_ACI_REWRITE_WARN;
        else if (strcmp(rw->value, "allow") == 0)
            o.rewrite = TEEATTEST_ACI_REWRITE_ALLOW;
        else if (strcmp(rw->value, "fail") == 0)
            o.rewrite = TEEATTEST_ACI_REWRITE_FAIL;
        else {
            cli_error(CMD, "--rewrite must be warn, allow or fail");
            return CLI_USAGE;
        }
    }
    o.require_verified = cli_opt(opts, "require-verified")->seen;
    o.pinned_sessions = rep.n ? pins : NULL;
    o.pinned_count = rep.n;

    struct cli_file rec = {0}, ks = {0}, req = {0}, resp = {0}, ses = {0};
    teeattest_error err = TEEATTEST_ERROR_INIT;
    teeattest_ctx *ctx = NULL;
    teeattest_result *res = NULL;
    int rc = CLI_USAGE;
    if (!read_opt(opts, "receipt", &rec) || !read_opt(opts, "keyset", &ks) ||
        !read_opt(opts, "request", &req) ||
        !read_opt(opts, "response", &resp) || !read_opt(opts, "session", &ses))
        goto done;
    if (cli_opt(opts, "request")->seen) {
        o.request = req.data ? req.data : (const uint8_t *)"";
        o.request_len = req.len;
    }
    if (cli_opt(opts, "response")->seen) {
        o.response = resp.data ? resp.data : (const uint8_t *)"";
        o.response_len = resp.len;
    }
    if (cli_opt(opts, "session")->seen) {
        o.session = ses.data ? ses.data : (const uint8_t *)"";
        o.session_len = ses.len;
    }
    if (teeattest_ctx_new(&ctx, NULL, &err) != TEEATTEST_OK) {
        cli_error(CMD, "%s", err.message);
        goto done;
    }
    if (teeattest_aci_verify_receipt(ctx, &res, rec.data, rec.len, ks.data,
                                     ks.len, &o, &err) != TEEATTEST_OK) {
        cli_error(CMD, "verify-receipt: %s", err.message);
        goto done;
    }
    if (cli_opt(opts, "json")->seen) {
        const char *text = NULL;
        size_t len = 0;
        if (teeattest_result_to_json(res, &text, &len, NULL) != TEEATTEST_OK) {
            cli_error(CMD, "cannot format the result as JSON");
            goto done;
        }
        fwrite(text, 1, len, stdout);
        fputc('\n', stdout);
    } else {
        cli_print_checks(res, "");
        printf("verdict: %s\n",
               teeattest_result_verdict(res) == TEEATTEST_VERDICT_VERIFIED
                   ? "verified" : "FAILED");
    }
    rc = teeattest_result_verdict(res) == TEEATTEST_VERDICT_VERIFIED
             ? CLI_OK : CLI_FAILED;
done:
    teeattest_result_free(res);
    teeattest_ctx_free(ctx);
    cli_file_free(&rec);
    cli_file_free(&ks);
    cli_file_free(&req);
    cli_file_free(&resp);
    cli_file_free(&ses);
    return rc;
}

static int verify_receipt(int argc, char **argv)
{
    const char **pins = calloc((size_t)argc + 1, sizeof *pins);
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    int rc = verify_receipt_with(argc, argv, pins, rest);
    free(pins);
    free(rest);
    return rc;
}

int cmd_aci(int argc, char **argv)
{
    if (argc < 3) {
        cli_error(CMD, "missing subcommand (keyset-digest, session-id, "
                  "verify-receipt)");
        help_aci(stderr);
        return CLI_USAGE;
    }
    const char *sub = argv[2];
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
        help_aci(stdout);
        return CLI_OK;
    }
    if (strcmp(sub, "keyset-digest") == 0)
        return print_id(sub, argc, argv, true);
    if (strcmp(sub, "session-id") == 0)
        return print_id(sub, argc, argv, false);
    if (strcmp(sub, "verify-receipt") == 0)
        return verify_receipt(argc, argv);
    cli_error(CMD, "unknown subcommand '%s' (see 'teeattest aci --help')", sub);
    return CLI_USAGE;
}
