/*
 * teeattest command-line tool: declarations shared by its source files.
 *
 * SPDX-License-Identifier: Apache-2.0
 *
 * The tool uses only the public API of libteeattest, so that it is also a
 * worked example of embedding the library.
 */
#ifndef TEEATTEST_CLI_H
#define TEEATTEST_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <teeattest/teeattest.h>

/* Exit codes: part of the CLI's public interface. */
enum {
    CLI_OK = 0,          /* verified (or a command that verifies nothing ran) */
    CLI_FAILED = 1,      /* verification failed */
    CLI_USAGE = 2        /* usage, input or transport error */
};

/* Larger input files are refused rather than read: no legitimate request,
 * response or signature record comes close, and the library hashes the
 * whole buffer in memory. */
#define CLI_MAX_FILE_SIZE (64u * 1024u * 1024u)

/* ---- command-line options --------------------------------------------- */

/* One option a command accepts. Options are "--name VALUE", "--name=VALUE"
 * or, for flags, "--name". */
struct cli_opt {
    const char *name;    /* without the leading "--" */
    bool takes_value;
    /* filled by cli_parse_opts() */
    bool seen;
    const char *value;
};

/* Parse argv[first..argc) against opts (terminated by a NULL name).
 * "--help"/"-h" anywhere sets *help and stops parsing. Prints a one-line
 * error and returns false on an unknown option, a missing value, a
 * repeated option or a positional argument. */
bool cli_parse_opts(const char *cmd, struct cli_opt *opts, int argc,
                    char **argv, int first, bool *help);

/* The same, accepting one positional argument (or "-- ARG" as the last
 * two arguments); *positional is NULL when there is none. */
bool cli_parse_opts_arg(const char *cmd, struct cli_opt *opts, int argc,
                        char **argv, int first, bool *help,
                        const char **positional);

/* The entry for `name`; opts must contain it (a programming error if not). */
struct cli_opt *cli_opt(struct cli_opt *opts, const char *name);

/* ---- diagnostics ------------------------------------------------------ */

/* "teeattest: CMD: message\n" on stderr, with control characters made
 * visible so that one error is always exactly one line. */
void cli_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Write s to f with every control character (and DEL) replaced by '?':
 * details and messages can quote untrusted input (a model name, a header
 * value) and must not inject terminal escapes or extra lines. */
void cli_fputs_safe(const char *s, FILE *f);

/* ---- files ------------------------------------------------------------ */

/* A file read into memory, exact bytes, plus a NUL after them so that text
 * APIs may use it too (the NUL is not counted in len). */
struct cli_file {
    uint8_t *data;
    size_t len;
};

/* Read `path` ("-" for standard input) completely. On failure prints
 * "teeattest: CMD: cannot read OPTION FILE: reason" and returns false. */
bool cli_read_file(const char *cmd, const char *option, const char *path,
                   struct cli_file *out);
void cli_file_free(struct cli_file *f);

/* Create a directory (an existing directory is fine). */
bool cli_make_dir(const char *cmd, const char *path);
/* Write a new file; never overwrites an existing one. */
bool cli_write_new_file(const char *cmd, const char *path, const void *data,
                        size_t len);
/* "a/b" or "a/b/c" into out; false (with a message) when it does not fit. */
bool cli_join_path(const char *cmd, char *out, size_t cap, const char *a,
                   const char *b, const char *c);

/* ---- option values ---------------------------------------------------- */

/* Value of a hex digit (any case), -1 for anything else. */
int cli_hexval(int c);
/* Exactly 2*want hex digits (after an optional "0x" in the first `len`
 * characters of s) into out. */
bool cli_parse_hex_exact(const char *s, size_t len, uint8_t *out, size_t want);
/* A decimal Unix time (may be negative). */
bool cli_parse_unix_time(const char *s, int64_t *out);

/* ---- results ---------------------------------------------------------- */

/* "PASS", "FAIL", "SKIP", "WARN" (or "????" for a value this tool does not
 * know, which a later library may add). */
const char *cli_outcome_label(int32_t outcome);

/* Print the checklist, one aligned line per check, each prefixed by
 * `indent`; returns the number of lines printed. */
size_t cli_print_checks(const teeattest_result *res, const char *indent);

/* ---- commands --------------------------------------------------------- */

int cmd_signer(int argc, char **argv);
int cmd_verify_signature(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_providers(int argc, char **argv);
int cmd_attest(int argc, char **argv);
int cmd_chat(int argc, char **argv);
int cmd_quote(int argc, char **argv);
int cmd_gpu(int argc, char **argv);

void help_signer(FILE *f);
void help_verify_signature(FILE *f);
void help_demo(FILE *f);
void help_providers(FILE *f);
void help_attest(FILE *f);
void help_chat(FILE *f);
void help_quote(FILE *f);
void help_gpu(FILE *f);

/* ---- demo data (demo_data.c) ------------------------------------------ */

/* A real signed exchange printed in public documentation. */
struct demo_exchange {
    const char *id;          /* directory name used by `demo --save` */
    const char *title;
    const char *source;      /* repository @ commit, path */
    const char *signer;      /* the signer the demo pins */
    const char *signer_note; /* where that signer comes from */
    const char *request;
    size_t request_len;
    const char *response;
    size_t response_len;
    const char *signature;   /* the signature endpoint's JSON body */
    size_t signature_len;
};

extern const struct demo_exchange demo_exchanges[];
extern const size_t demo_exchange_count;

#endif /* TEEATTEST_CLI_H */
