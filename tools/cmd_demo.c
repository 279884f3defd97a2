/*
 * teeattest demo: verify, fully offline, real signed exchanges printed in
 * public documentation (embedded in demo_data.c), then show that a
 * one-byte change to an answer is rejected.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define CMD "demo"
#define INDENT "      "

void help_demo(FILE *f)
{
    fputs("Usage: teeattest demo [--save DIR]\n"
          "\n"
          "Verify, offline and without an API key, real signed chat exchanges\n"
          "printed in public documentation (NEAR AI Cloud, 2025; Phala inference\n"
          "API, 2024), embedded byte for byte in this program, with the signer\n"
          "pinned. Then change one byte of an answer and show that the tampered\n"
          "answer is rejected. Ends with 'demo: all results as expected'.\n"
          "\n"
          "Options:\n"
          "  --save DIR   instead of verifying, write the embedded exchanges to\n"
          "               DIR/<exchange>/{request_body.json,response_body.sse,\n"
          "               signature_response.json} (existing files are never\n"
          "               overwritten), to try 'teeattest verify-signature' on\n"
          "  -h, --help   show this help\n"
          "\n"
          "Exit status: 0 every result as expected, 1 a result was not as\n"
          "expected, 2 usage error or a file could not be written.\n", f);
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
                                                  &outcome, NULL) ==
                          TEEATTEST_OK &&
                      outcome == TEEATTEST_OUTCOME_FAIL;
        size_t n = teeattest_result_check_count(res);
        for (size_t i = 0; i < n; i++) {
            const char *name = NULL;
            if (teeattest_result_check(res, i, &name, &outcome, NULL, NULL) ==
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

static int run_demo(void)
{
    teeattest_error err = TEEATTEST_ERROR_INIT;
    teeattest_ctx *ctx = NULL;
    uint8_t *tampered = NULL;
    size_t total = demo_exchange_count + 1, good = 0, step = 0;
    int rc = CLI_FAILED;

    printf("teeattest demo: offline verification of real signed exchanges "
           "(libteeattest %s)\n\n", teeattest_version_string());
    printf("Each exchange was printed in public documentation; the request, "
           "the response and\nthe provider's signature record are embedded "
           "byte for byte. No network, no API key.\n");

    if (teeattest_ctx_new(&ctx, NULL, &err) != TEEATTEST_OK) {
        cli_error(CMD, "%s", err.message);
        goto out;
    }
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
    printf("\nShown: each answer was signed, over its exact bytes, by the "
           "pinned key, and a\none-byte change is caught. Not shown: that "
           "the key lives in attested TEE\nhardware; this version does not "
           "verify attestation yet.\n\n");
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
    return run_demo();
}
