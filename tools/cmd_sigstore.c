/*
 * teeattest sigstore verify-bundle: verify a Sigstore bundle offline, with
 * the arguments of Sigstore's conformance client protocol
 * (sigstore-conformance docs/cli_protocol.md).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

#define CMD "sigstore verify-bundle"

void help_sigstore(FILE *f)
{
    fputs("Usage: teeattest sigstore verify-bundle --bundle FILE\n"
          "           (--certificate-identity ID | --certificate-identity-regexp RE)\n"
          "           (--certificate-oidc-issuer URL |\n"
          "            --certificate-oidc-issuer-regexp RE)\n"
          "           [--trusted-root FILE] [--json] FILE_OR_DIGEST\n"
          "       teeattest sigstore verify-bundle --bundle FILE --key KEY.pem\n"
          "           [--trusted-root FILE] [--json] FILE_OR_DIGEST\n"
          "\n"
          "Verify a Sigstore bundle (v0.1 to v0.3) for an artifact, offline,\n"
          "against a trusted_root.json (default: the one shipped in the\n"
          "library, Sigstore's public-good production root of 2025-09-22;\n"
          "nothing is fetched): the Fulcio certificate's chain at the\n"
          "signing time, its identity and OIDC issuer (or a managed key), the\n"
          "message signature or DSSE envelope (its in-toto statement must name\n"
          "the artifact), and the transparency log entries (body, signed entry\n"
          "timestamp, inclusion proof and checkpoint). FILE_OR_DIGEST is the\n"
          "artifact's path, or 'sha256:' and 64 hex digits when no such file\n"
          "exists. The arguments follow Sigstore's conformance client protocol.\n"
          "\n"
          "Options:\n"
          "  --bundle FILE                        the bundle (JSON)\n"
          "  --certificate-identity ID            expected subjectAltName, exact\n"
          "  --certificate-identity-regexp RE     ... or a POSIX extended regular\n"
          "                                       expression matching all of it\n"
          "  --certificate-oidc-issuer URL        expected OIDC issuer, exact\n"
          "  --certificate-oidc-issuer-regexp RE  ... or a regular expression\n"
          "  --key FILE                           PEM public key (managed key)\n"
          "  --trusted-root FILE                  the trusted_root.json; default:\n"
          "                                       the shipped public-good root\n"
          "  --json                               print the result as JSON only\n"
          "  -h, --help                           show this help\n"
          "\n"
          "Output: one line per sigstore.* check, then 'verdict: verified' or\n"
          "'verdict: FAILED'.\n"
          CLI_OUTCOMES_HELP
          "\n"
          "Exit status: 0 verified, 1 verification failed, 2 usage or input\n"
          "error.\n", f);
}

/* "sha256:" + 64 hex digits that name no file: a digest. */
static bool as_digest(const char *s, uint8_t out[32])
{
    struct stat st;
    if (strncmp(s, "sha256:", 7) || strlen(s + 7) != 64 || stat(s, &st) == 0)
        return false;
    size_t len = 32;
    return teeattest_hex_decode(out, &len, s + 7, NULL) == TEEATTEST_OK &&
           len == 32;
}

int cmd_sigstore(int argc, char **argv)
{
    if (argc >= 3 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
        help_sigstore(stdout);
        return CLI_OK;
    }
    if (argc < 3 || strcmp(argv[2], "verify-bundle")) {
        cli_error("sigstore", "expected the subcommand verify-bundle (see "
                  "'teeattest sigstore --help')");
        return CLI_USAGE;
    }
    struct cli_opt opts[] = {
        {"bundle", true, false, NULL},
        {"certificate-identity", true, false, NULL},
        {"certificate-identity-regexp", true, false, NULL},
        {"certificate-oidc-issuer", true, false, NULL},
        {"certificate-oidc-issuer-regexp", true, false, NULL},
        {"key", true, false, NULL},
        {"trusted-root", true, false, NULL},
        {"json", false, false, NULL},
        {NULL, false, false, NULL},
    };
    bool help;
    const char *target = NULL;
    if (!cli_parse_opts_arg(CMD, opts, argc, argv, 3, &help, &target))
        return CLI_USAGE;
    if (help) {
        help_sigstore(stdout);
        return CLI_OK;
    }
    const struct cli_opt *o_id = cli_opt(opts, "certificate-identity");
    const struct cli_opt *o_idre = cli_opt(opts, "certificate-identity-regexp");
    const struct cli_opt *o_is = cli_opt(opts, "certificate-oidc-issuer");
    const struct cli_opt *o_isre =
        cli_opt(opts, "certificate-oidc-issuer-regexp");
    const struct cli_opt *o_key = cli_opt(opts, "key");
    const struct cli_opt *o_b = cli_opt(opts, "bundle");
    const struct cli_opt *o_tr = cli_opt(opts, "trusted-root");
    bool identity = o_id->seen || o_idre->seen;
    bool issuer = o_is->seen || o_isre->seen;
    if (!target || !o_b->seen) {
        cli_error(CMD, "needs --bundle FILE and the artifact (see "
                  "'teeattest sigstore --help')");
        return CLI_USAGE;
    }
    if ((o_id->seen && o_idre->seen) || (o_is->seen && o_isre->seen) ||
        (o_key->seen ? (identity || issuer) : !(identity && issuer))) {
        cli_error(CMD, "give --key, or one identity and one issuer option");
        return CLI_USAGE;
    }
    int rc = CLI_USAGE;
    teeattest_ctx *ctx = NULL;
    teeattest_result *res = NULL;
    struct cli_file fb = {0}, ft = {0}, fa = {0}, fk = {0};
    uint8_t digest[32];
    bool is_digest = as_digest(target, digest);
    teeattest_error err = TEEATTEST_ERROR_INIT;
    if (!cli_read_file(CMD, "--bundle", o_b->value, &fb) ||
        (o_tr->seen &&
         !cli_read_file(CMD, "--trusted-root", o_tr->value, &ft)) ||
        (o_key->seen && !cli_read_file(CMD, "--key", o_key->value, &fk)) ||
        (!is_digest && !cli_read_file(CMD, "FILE_OR_DIGEST", target, &fa)) ||
        !cli_ctx_new_cached(CMD, NULL, &ctx))
        goto out;
    uint32_t flags = (o_idre->seen ? TEEATTEST_SIGSTORE_IDENTITY_REGEXP : 0) |
                     (o_isre->seen ? TEEATTEST_SIGSTORE_ISSUER_REGEXP : 0);
    /* No --trusted-root: NULL, the library's shipped default. A given
     * file is never NULL, even empty (it then fails to parse). */
    const uint8_t *troot = !o_tr->seen ? NULL
                           : ft.data   ? ft.data
                                       : (const uint8_t *)"";
    int st = teeattest_sigstore_verify_bundle(
        ctx, &res, fb.data, fb.len, troot, o_tr->seen ? ft.len : 0,
        is_digest ? NULL : (fa.data ? fa.data : (const uint8_t *)""),
        fa.len, is_digest ? digest : NULL,
        o_id->seen ? o_id->value : o_idre->value,
        o_is->seen ? o_is->value : o_isre->value, flags,
        o_key->seen ? fk.data : NULL, fk.len, &err);
    if (st != TEEATTEST_OK) {
        cli_error(CMD, "%s (%s)",
                  err.message[0] ? err.message : teeattest_status_str(st),
                  teeattest_status_name(st));
        goto out;
    }
    if (cli_opt(opts, "json")->seen) {
        if (!cli_print_result_json(CMD, res))
            goto out;
    } else {
        cli_print_checks(res, "");
        printf("verdict: %s\n",
               teeattest_result_verdict(res) == TEEATTEST_VERDICT_VERIFIED
                   ? "verified"
                   : "FAILED");
    }
    rc = cli_verdict_exit(res);
out:
    teeattest_result_free(res);
    teeattest_ctx_free(ctx);
    cli_file_free(&fb);
    cli_file_free(&ft);
    cli_file_free(&fa);
    cli_file_free(&fk);
    return rc;
}
