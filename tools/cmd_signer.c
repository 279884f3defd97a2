/*
 * teeattest signer: recover the Ethereum address that produced an ECDSA
 * (EIP-191 personal_sign) signature over a signed text.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <strings.h>

#include "cli.h"

#define CMD "signer"

void help_signer(FILE *f)
{
    fputs("Usage: teeattest signer --text TEXT --signature SIG [--algo ecdsa]\n"
          "\n"
          "Print the address (0x + 40 lower-case hex) whose key made an ECDSA\n"
          "response signature. The key is recovered (secp256k1) from the\n"
          "signature and the EIP-191 digest of TEXT, the signed text exactly as\n"
          "the provider returned it (\"<sha256(request)>:<sha256(response)>\" or\n"
          "\"<model>:<sha256(request)>:<sha256(response)>\").\n"
          "\n"
          "This says who signed, not whether you should trust that key: pin the\n"
          "signer you trust with 'teeattest verify-signature --expect-signer'.\n"
          "\n"
          "Options:\n"
          "  --text TEXT        the signed text\n"
          "  --signature SIG    65-byte signature r||s||v in hex, with or without 0x\n"
          "  --algo ALGO        ecdsa (the default). Ed25519 signatures do not allow\n"
          "                     recovering their signer: verify them against a known\n"
          "                     key with verify-signature instead.\n"
          "  -h, --help         show this help\n"
          "\n"
          "Exit status: 0 signer printed, 1 the signature is well formed but no key\n"
          "recovers from it, 2 usage or malformed input.\n", f);
}

int cmd_signer(int argc, char **argv)
{
    struct cli_opt opts[] = {
        {"text", true, false, NULL},
        {"signature", true, false, NULL},
        {"algo", true, false, NULL},
        {NULL, false, false, NULL},
    };
    bool help;
    if (!cli_parse_opts(CMD, opts, argc, argv, 2, &help))
        return CLI_USAGE;
    if (help) {
        help_signer(stdout);
        return CLI_OK;
    }
    const struct cli_opt *text = cli_opt(opts, "text");
    const struct cli_opt *sig_hex = cli_opt(opts, "signature");
    const struct cli_opt *algo = cli_opt(opts, "algo");
    if (!text->seen || !sig_hex->seen) {
        cli_error(CMD, "missing --%s (see 'teeattest signer --help')",
                  !text->seen ? "text" : "signature");
        return CLI_USAGE;
    }
    if (algo->seen && strcasecmp(algo->value, "ecdsa") != 0) {
        if (strcasecmp(algo->value, "ed25519") == 0)
            cli_error(CMD, "an Ed25519 signature does not allow recovering "
                      "its signer; check it against a known key with "
                      "'teeattest verify-signature --expect-signer KEY'");
        else
            cli_error(CMD, "unknown --algo '%s' (only ecdsa allows "
                      "recovering the signer)", algo->value);
        return CLI_USAGE;
    }

    teeattest_error err = TEEATTEST_ERROR_INIT;
    teeattest_ctx *ctx = NULL;
    teeattest_signature *sig = NULL;
    int rc = CLI_USAGE;
    char signer[TEEATTEST_SIGNER_MAX];

    if (teeattest_ctx_new(&ctx, NULL, &err) != TEEATTEST_OK) {
        cli_error(CMD, "%s", err.message);
        goto out;
    }
    /* Forcing "ecdsa" makes a 64-byte (Ed25519-sized) signature a clear
     * length error instead of a surprising "cannot recover". */
    if (teeattest_signature_new(ctx, &sig, text->value, sig_hex->value, NULL,
                                "ecdsa", &err) != TEEATTEST_OK) {
        cli_error(CMD, "%s", err.message);
        goto out;
    }
    int st = teeattest_signature_recover(sig, signer, sizeof signer, &err);
    if (st != TEEATTEST_OK) {
        cli_error(CMD, "%s", err.message);
        rc = st == TEEATTEST_E_RECOVER_FAILED ? CLI_FAILED : CLI_USAGE;
        goto out;
    }
    printf("%s\n", signer);
    rc = CLI_OK;
out:
    teeattest_signature_free(sig);
    teeattest_ctx_free(ctx);
    return rc;
}
