/*
 * teeattest: command-line front end of libteeattest.
 *
 * SPDX-License-Identifier: Apache-2.0
 *
 * Exit status: 0 verified, 1 verification failed, 2 usage, input or
 * transport error. Only `attest` and `chat` use the network (and
 * `verify` when asked to).
 */
#include <string.h>

#include "cli.h"

#ifndef CLI_HAVE_PROXY
/* Built without libmicrohttpd or libcurl (tools/meson.build). */
void help_proxy(FILE *f)
{
    fputs("Usage: teeattest proxy --provider NAME [options]\n"
          "\n"
          "Not built: this teeattest was built without libmicrohttpd or\n"
          "libcurl (see docs/proxy.md).\n", f);
}

int cmd_proxy(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("proxy", "not built (needs libmicrohttpd and libcurl)");
    return CLI_USAGE;
}
#endif

struct command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
    void (*help)(FILE *f);
};

static const struct command commands[] = {
    {"signer", "print the address that signed a response-signature text",
     cmd_signer, help_signer},
    {"verify-signature", "verify a saved exchange against its signature",
     cmd_verify_signature, help_verify_signature},
    {"demo", "verify real signed exchanges from public docs (offline)",
     cmd_demo, help_demo},
    {"providers", "list the provider dialects and their endpoints",
     cmd_providers, help_providers},
    {"attest", "fetch and verify a provider's attestation report",
     cmd_attest, help_attest},
    {"chat", "chat with a provider and verify the answer's signature",
     cmd_chat, help_chat},
    {"quote", "verify an Intel TDX quote (DCAP) with collateral",
     cmd_quote, help_quote},
    {"gpu", "verify NVIDIA GPU evidence (SPDM, RIMs, OCSP, NRAS)",
     cmd_gpu, help_gpu},
    {"verify", "re-verify an evidence bundle (attest/chat --save FILE)",
     cmd_bundle_verify, help_bundle_verify},
    {"proxy", "serve an OpenAI-compatible endpoint that verifies answers",
     cmd_proxy, help_proxy},
    {"aci", "ACI/1 offline tools: keyset digest, session id, receipts",
     cmd_aci, help_aci},
    {"sigstore", "verify a Sigstore bundle (verify-bundle, offline)",
     cmd_sigstore, help_sigstore},
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static void help_main(FILE *f)
{
    fputs("Usage: teeattest COMMAND [OPTIONS]\n"
          "\n"
          "Check that an answer from a confidential-AI API was signed, over the\n"
          "exact request and response bytes, by the key you expect, and that\n"
          "the key is held by an attested TEE. Only 'attest' and 'chat' use the\n"
          "network ('verify' only when asked to); API keys come from the\n"
          "environment variable each provider uses (see 'teeattest providers').\n"
          "\n"
          "Commands:\n", f);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(f, "  %-18s%s\n", commands[i].name, commands[i].summary);
    fputs("  help COMMAND      show the help of COMMAND\n"
          "\n"
          "Options:\n"
          "  -h, --help        show this help\n"
          "  --version         print the library version\n"
          "\n"
          "Exit status: 0 verified, 1 verification failed, 2 usage, input or\n"
          "transport error.\n"
          "\n"
          "Start with 'teeattest demo'; 'teeattest COMMAND --help' documents each\n"
          "command.\n", f);
}

static int cmd_help(int argc, char **argv)
{
    if (argc == 2 || (argc == 3 && strcmp(argv[2], "help") == 0)) {
        help_main(stdout);
        return CLI_OK;
    }
    if (argc > 3) {
        cli_error("help", "expected one command name, got %d arguments",
                  argc - 2);
        return CLI_USAGE;
    }
    const struct command *c = find_command(argv[2]);
    if (!c) {
        cli_error("help", "unknown command '%s' (see 'teeattest --help')",
                  argv[2]);
        return CLI_USAGE;
    }
    c->help(stdout);
    return CLI_OK;
}

static int dispatch(int argc, char **argv)
{
    if (argc < 2) {
        /* The usage, with every command, where errors go: it is an error
         * (exit 2), and a script piping stdout sees nothing. */
        cli_error(NULL, "missing command");
        help_main(stderr);
        return CLI_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        help_main(stdout);
        return CLI_OK;
    }
    if (strcmp(cmd, "--version") == 0) {
        if (argc > 2) {
            cli_error(NULL, "--version takes no arguments");
            return CLI_USAGE;
        }
        printf("%s\n", teeattest_version_string());
        return CLI_OK;
    }
    if (strcmp(cmd, "help") == 0)
        return cmd_help(argc, argv);
    const struct command *c = find_command(cmd);
    if (c)
        return c->run(argc, argv);
    if (cmd[0] == '-')
        cli_error(NULL, "unknown option '%s' (see 'teeattest --help')", cmd);
    else
        cli_error(NULL, "unknown command '%s' (see 'teeattest --help')", cmd);
    return CLI_USAGE;
}

int main(int argc, char **argv)
{
    int rc = dispatch(argc, argv);
    /* A verdict that never reached its reader must not look like success
     * (e.g. `teeattest ... --json > full-disk/file`). */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error(NULL, "cannot write to standard output");
        return CLI_USAGE;
    }
    return rc;
}
