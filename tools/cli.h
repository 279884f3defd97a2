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

/* An option that may be given several times. cli_parse_opts() refuses a
 * repeated option, so these are taken out of argv first (from index
 * `first`), with the same syntax ("--name VALUE" or "--name=VALUE", a
 * value not starting with "--", not empty); `values` must have room for
 * argc entries. The other arguments go to rest[0..*rest_argc) (rest needs
 * argc + 1 entries; it is NULL-terminated). */
struct cli_repeated {
    const char *name;
    const char **values;
    size_t n;
};
bool cli_take_repeated(const char *cmd, int argc, char **argv, int first,
                       struct cli_repeated *reps, size_t n_reps,
                       int *rest_argc, char **rest);

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
/* The same, readable by its owner only (0600): a file holding a secret. */
bool cli_write_private_file(const char *cmd, const char *path,
                            const void *data, size_t len);
/* "a/b" or "a/b/c" into out; false (with a message) when it does not fit. */
bool cli_join_path(const char *cmd, char *out, size_t cap, const char *a,
                   const char *b, const char *c);

/* ---- option values ---------------------------------------------------- */

/* Value of a hex digit (any case), -1 for anything else. */
int cli_hexval(int c);
/* Exactly 2*want hex digits (after an optional "0x" in the first `len`
 * characters of s) into out. */
bool cli_parse_hex_exact(const char *s, size_t len, uint8_t *out, size_t want);
/* The latest time an option accepts: 9999-12-31T23:59:59Z. */
#define CLI_TIME_MAX TEEATTEST_TIME_MAX
/* The range, for help texts. */
#define CLI_TIME_RANGE_HELP "0 to 253402300799"
/* --OPTION UNIX: a decimal Unix time from 0 to CLI_TIME_MAX. Anything else
 * (e.g. INT64_MIN, once the library's "now" sentinel) prints a usage
 * error naming the range and returns false: "now" is never a time a user
 * types. */
bool cli_parse_unix_time(const char *cmd, const char *option, const char *s,
                         int64_t *out);
/* --min-tcb-eval N: Intel's tcbEvaluationDataNumber, 0 to UINT32_MAX
 * (0: no minimum); a usage error otherwise. */
bool cli_parse_min_tcb_eval(const char *cmd, const char *s, uint32_t *out);
/* Help text of --min-tcb-eval (quote and the report commands). */
#define CLI_MIN_TCB_EVAL_HELP \
    "  --min-tcb-eval N          minimum Intel TCB evaluation data number of\n" \
    "                            the TCB Info and QE Identity (check\n" \
    "                            tdx.tcb_eval_number; default: none)\n"
/* The libcurl pin ("sha256//" + base64 of the 32 bytes) of a TLS key
 * given as the 64 hex digits of SHA-256 over its DER SubjectPublicKeyInfo
 * (the provider option "pinned_key"). False when hex is not 64 digits. */
#define CLI_PIN_SIZE (8 + 44 + 1)
bool cli_tls_pin(const char *hex, char out[CLI_PIN_SIZE]);
/* Standard or URL-safe base64, padding optional, whitespace ignored, into
 * out (room for len bytes). False when the text is not base64. */
bool cli_decode_base64(const uint8_t *in, size_t len, uint8_t *out,
                       size_t *out_len);
/* "UpToDate,OutOfDate" (Intel's names, any case) into a mask of
 * TEEATTEST_TDX_STATUS_BIT() values (--accept). */
bool cli_parse_statuses(const char *cmd, const char *s, uint32_t *mask);
/* --test-root FILE (DER, or the first PEM certificate) into the policy. */
bool cli_set_test_root(const char *cmd, teeattest_policy *pol,
                       const char *path);

/* ---- the library context ---------------------------------------------- */

/* Default of --timeout: the whole command's time limit, in seconds. */
#define CLI_TIMEOUT_DEFAULT_S 120
/* A new context whose deadline (teeattest_ctx_options.deadline_ms) is
 * `timeout` seconds from now (0 < SECONDS <= 86400, fractions allowed;
 * NULL = CLI_TIMEOUT_DEFAULT_S): every request the command makes, with
 * its retries and waits, ends by then. *timeout_ms (may be NULL) receives
 * the limit in ms. On a bad value or a failure prints the error and
 * returns false. */
bool cli_ctx_new(const char *cmd, const char *timeout, const char *cache_dir,
                 teeattest_ctx **ctx, uint32_t *timeout_ms);

/* The on-disk cache of fetched verification material (docs/cache.md) of
 * the commands that fetch (attest, chat, quote, gpu, verify): options,
 * their --help lines, and the directory they select. */
#define CLI_CACHE_OPTIONS \
    {"cache-dir", true, false, NULL}, {"no-cache", false, false, NULL}
#define CLI_CACHE_OPTIONS_HELP \
    "  --cache-dir DIR           keep fetched collateral, RIMs, OCSP answers\n" \
    "                            and JWKS in DIR, for later commands (default\n" \
    "                            $XDG_CACHE_HOME/teeattest, else\n" \
    "                            ~/.cache/teeattest); entries are verified on\n" \
    "                            every use, a bad one is fetched anew\n" \
    "  --no-cache                neither read nor write the cache\n"
/* *dir: --cache-dir DIR, else $XDG_CACHE_HOME/teeattest (an absolute
 * $XDG_CACHE_HOME), else $HOME/.cache/teeattest (creating $XDG_CACHE_HOME
 * or ~/.cache, 0700, when missing), NULL with --no-cache or without HOME.
 * malloc'ed (free). Prints the error and returns false on both options or
 * an empty DIR. The library reads no environment: the CLI does. */
bool cli_cache_dir(const char *cmd, struct cli_opt *opts, char **dir);
/* A new context with all defaults and this cache directory (may be NULL);
 * prints the error and returns false on failure. */
bool cli_ctx_new_cached(const char *cmd, const char *cache_dir,
                        teeattest_ctx **ctx);

/* ---- results ---------------------------------------------------------- */

/* "PASS", "FAIL", "SKIP", "WARN" (or "????" for a value this tool does not
 * know, which a later library may add). */
const char *cli_outcome_label(int32_t outcome);

/* For help texts: what the outcome labels of cli_print_checks() mean. */
#define CLI_OUTCOMES_HELP \
    "SKIP is a check that did not run and is not required; SKIP* one that\n" \
    "could not run but is required: it fails the verdict like a FAIL.\n"

/* Print the checklist, one aligned line per check, each prefixed by
 * `indent`: "PASS", "FAIL", "WARN", "SKIP" for an optional skip and
 * "SKIP*" for a required one (a legend line follows the first checklist
 * with one); a failed verdict always gets a line saying why. Returns the
 * number of check lines printed. */
size_t cli_print_checks(const teeattest_result *res, const char *indent);

/* ---- signature policy ------------------------------------------------- */

/* The signature flags of every command that verifies a response signature
 * (verify-signature, chat, verify): cli_signature_apply() reads them.
 * --allow-high-s is the default, kept so that scripts using it still run. */
#define CLI_SIGNATURE_OPTIONS \
    {"strict-ecdsa", false, false, NULL}, \
    {"allow-high-s", false, false, NULL}

#define CLI_SIGNATURE_OPTIONS_HELP \
    "Signature options:\n" \
    "  --strict-ecdsa            reject a high-s (malleable) ECDSA signature:\n" \
    "                            signature.ecdsa.low_s fails instead of WARN\n" \
    "  --allow-high-s            accept a high-s ECDSA signature, reported as\n" \
    "                            WARN (the key still signed the text); the\n" \
    "                            default\n"

/* Apply CLI_SIGNATURE_OPTIONS to pol; false (with a message) when both
 * are given. */
bool cli_signature_apply(const char *cmd, struct cli_opt *opts,
                         teeattest_policy *pol);

/* ---- report verification (cli_verify.c) ------------------------------- */

/* The environment variable holding the NVIDIA service key (never printed). */
#define CLI_SERVICE_KEY_ENV "NVIDIA_SERVICE_KEY"

/* Policy options of the commands that verify reports (attest, verify):
 * cli_policy_apply() reads them. */
#define CLI_POLICY_OPTIONS \
    {"accept", true, false, NULL}, \
    {"allow-expired-collateral", false, false, NULL}, \
    {"allow-debug", false, false, NULL}, \
    {"min-tcb-eval", true, false, NULL}, \
    {"require-tls", false, false, NULL}, \
    {"allow-server-nonce", false, false, NULL}, \
    {"allow-unbound-key", false, false, NULL}, \
    {"require-event-log", false, false, NULL}, \
    {"tinfoil-release-bundle", true, false, NULL}, \
    {"tinfoil-repo", true, false, NULL}, \
    {"tinfoil-release-digest", true, false, NULL}, \
    {"tinfoil-release-tag", true, false, NULL}, \
    {"require-tinfoil-release", false, false, NULL}, \
    {"tinfoil-hardware-bundle", true, false, NULL}, \
    {"require-tinfoil-hardware", false, false, NULL}, \
    {"aci-allow-null-nonce", false, false, NULL}, \
    {"aci-max-lifetime", true, false, NULL}, \
    {"no-gpu", false, false, NULL}, \
    {"max-age", true, false, NULL}, \
    {"expect-compose-hash", true, false, NULL}, \
    {"expect-app-id", true, false, NULL}, \
    {"expect-os-image", true, false, NULL}, \
    {"expect-image-digest", true, false, NULL}, \
    {"expect-gpu-policy-hash", true, false, NULL}, \
    {"expect-init-script-hash", true, false, NULL}, \
    {"expect-model", true, false, NULL}, \
    {"test-root", true, false, NULL}, \
    {"require-provenance", false, false, NULL}, \
    {"provenance-identity", true, false, NULL}, \
    {"provenance-identity-regexp", true, false, NULL}, \
    {"sigstore-trusted-root", true, false, NULL}

#define CLI_POLICY_OPTIONS_HELP \
    "Policy options:\n" \
    "  --accept STATUS,...       accepted TDX TCB statuses (default UpToDate,\n" \
    "                            SWHardeningNeeded); Intel's names, e.g.\n" \
    "                            OutOfDate, ConfigurationNeeded\n" \
    "  --allow-expired-collateral  accept TDX collateral past its nextUpdate\n" \
    "                            (reported as WARN)\n" \
    "  --allow-debug             accept a debug TD (reported as WARN)\n" \
    CLI_MIN_TCB_EVAL_HELP \
    "  --require-tls             require the report to bind the TLS key of the\n" \
    "                            connection (binding.tls fails without one)\n" \
    "  --allow-server-nonce      accept a report bound to a nonce the server\n" \
    "                            chose (RedPill's Chutes backend) as WARN\n" \
    "  --allow-unbound-key       accept a signing key no hardware evidence\n" \
    "                            binds (io.net) as WARN; no signer is verified\n" \
    "  --require-event-log       require an event log replay and compose hash\n" \
    "                            also where the provider sends no event log\n" \
    "  --tinfoil-release-bundle FILE  the Sigstore bundle of the Tinfoil\n" \
    "                            enclave release the report must run (checks\n" \
    "                            tinfoil.release.*); needs --tinfoil-repo\n" \
    "  --tinfoil-repo OWNER/NAME the enclave's GitHub repository, whose\n" \
    "                            release workflow must have signed the bundle;\n" \
    "                            without a bundle, online: its release is\n" \
    "                            fetched from GitHub (offline: the one saved\n" \
    "                            in the evidence is checked)\n" \
    "  --tinfoil-release-digest HEX  the release's digest (its tinfoil.hash)\n" \
    "                            the bundle must name\n" \
    "  --tinfoil-release-tag TAG the release tag to fetch (default: the\n" \
    "                            latest release); the signing workflow must\n" \
    "                            run at it; needs --tinfoil-repo\n" \
    "  --require-tinfoil-release fail a Tinfoil report verified without one\n" \
    "  --tinfoil-hardware-bundle FILE  the Sigstore bundle of Tinfoil's\n" \
    "                            hardware measurements (tinfoilsh/hardware-\n" \
    "                            measurements): one platform must have the\n" \
    "                            quote's MRTD and RTMR0 (tinfoil.hardware.*)\n" \
    "  --require-tinfoil-hardware  fail a Tinfoil report verified without them\n" \
    "  --aci-allow-null-nonce    accept an ACI report whose statement carries\n" \
    "                            nonce:null (binding, no freshness) as WARN\n" \
    "  --aci-max-lifetime SECONDS  longest ACI keyset lifetime left accepted\n" \
    "                            (aci.not_after; default 7776000, 0: none)\n" \
    "  --no-gpu                  do not require GPU evidence (evidence that is\n" \
    "                            present is still verified)\n" \
    "  --max-age SECONDS         the report must be at most this old at the\n" \
    "                            verification time (check report.age)\n" \
    "  --expect-compose-hash HEX[,HEX...]  accepted compose hashes (32 bytes)\n" \
    "  --expect-app-id HEX[,HEX...]        accepted dstack app ids (20 bytes)\n" \
    "  --expect-os-image HEX[,HEX...]      accepted OS image hashes (32 bytes)\n" \
    "  --expect-image-digest HEX[,HEX...]  accepted container image digests\n" \
    "                            (32 bytes, 'sha256:' allowed): every image\n" \
    "                            the app compose names must be one of them\n" \
    "  --expect-gpu-policy-hash HEX[,HEX...]  accepted dstack GPU policy\n" \
    "                            hashes (RTMR3 event gpu-policy-hash, 32 bytes)\n" \
    "  --expect-init-script-hash HEX[,HEX...]  accepted init script hashes\n" \
    "                            (32 bytes): every init script the VM ran must\n" \
    "                            be one of them\n" \
    "  --expect-model NAME       the model the entry must serve, read from\n" \
    "                            verified data (check identity.model; NEAR's\n" \
    "                            compose manager also needs the compose file\n" \
    "                            it deployed); also the model a\n" \
    "                            model:req:resp signature must name\n" \
    "  --test-root FILE          FOR TESTS: trust this root (DER or PEM) instead\n" \
    "                            of Intel's SGX Root CA; every result then\n" \
    "                            carries the warning check tdx.root_override\n" \
    "  --require-provenance      require image provenance: a Sigstore bundle\n" \
    "                            signed by a named identity for every image of\n" \
    "                            the verified app_compose (docs/provenance.md)\n" \
    "  --provenance-identity IMAGE=IDENTITY@ISSUER[,...]  accepted signers:\n" \
    "                            IMAGE is sha256:HEX, a repository, a path\n" \
    "                            ending in '/' or '*'; IDENTITY the certificate\n" \
    "                            identity, ISSUER the OIDC issuer (after the\n" \
    "                            last '@'); checks run when given\n" \
    "  --provenance-identity-regexp IMAGE=REGEX@ISSUER  one signer whose\n" \
    "                            identity is a POSIX extended regular\n" \
    "                            expression matching the whole identity\n" \
    "  --sigstore-trusted-root FILE  the Sigstore trusted_root.json image\n" \
    "                            provenance bundles and the Tinfoil release\n" \
    "                            bundle are verified against; default: the\n" \
    "                            shipped Sigstore public-good root\n"

/* Options naming verification material and the services that may be
 * called: cli_evidence_apply() reads them. --collateral and --jwks are
 * repeatable (taken out by cli_verify_args_take()). */
#define CLI_EVIDENCE_OPTIONS \
    {"offline", false, false, NULL}, {"online", false, false, NULL}, \
    {"pccs", true, false, NULL}, {"gpu-online", true, false, NULL}, \
    {"nras-url", true, false, NULL}, {"rim-url", true, false, NULL}, \
    {"ocsp-url", true, false, NULL}, {"jwks-url", true, false, NULL}, \
    {"nras-response", true, false, NULL}, {"rim-dir", true, false, NULL}, \
    {"ocsp-dir", true, false, NULL}, {"tls-spki", true, false, NULL}, \
    {"e2e-instances", true, false, NULL}, \
    {"model-compose", true, false, NULL}, \
    {"model-files-url", true, false, NULL}, \
    {"sigstore-bundle", true, false, NULL}, \
    {"registry-url", true, false, NULL}, \
    {"github-api-url", true, false, NULL}, CLI_CACHE_OPTIONS

#define CLI_EVIDENCE_OPTIONS_HELP \
    "Verification material and services:\n" \
    "  --collateral DIR|FILE     TDX collateral: a directory in the PCS raw\n" \
    "                            layout or dcap-qvl's single-file JSON;\n" \
    "                            repeatable (one per platform)\n" \
    "  --nras-response FILE      a saved NRAS answer for entry 0's GPUs\n" \
    "  --jwks FILE               an NRAS JWKS document; repeatable\n" \
    "  --rim-dir DIR             saved RIMs: DIR/<id>.xml or DIR/<id>.json\n" \
    "  --ocsp-dir DIR            saved OCSP responses: DIR/*.der\n" \
    "  --tls-spki FILE           DER SubjectPublicKeyInfo (or base64 / PEM of\n" \
    "                            it) of the TLS connection that delivered the\n" \
    "                            report; replaces the one recorded\n" \
    "  --e2e-instances FILE      Chutes' GET /e2e/instances/{chute} answer\n" \
    "  --model-compose FILE      the compose file NEAR's compose manager\n" \
    "                            deployed (its SHA-256 is checked against the\n" \
    "                            attested actions), for --expect-model\n" \
    "  --model-files-url URL     fetch that compose file, when not given, from\n" \
    "                            URL/<commit>/<file> (online: from\n" \
    "                            " TEEATTEST_MODEL_FILES_URL ")\n" \
    "  --sigstore-bundle FILE|DIR  Sigstore bundle(s) for image provenance (a\n" \
    "                            directory: its *.json and *.sigstore files)\n" \
    "  --registry-url URL        fetch image provenance bundles from this\n" \
    "                            registry (OCI referrers, cosign tags) for\n" \
    "                            every image (online: each image's registry)\n" \
    "  --github-api-url URL      fetch Tinfoil releases (--tinfoil-repo)\n" \
    "                            from this GitHub API base, which also serves\n" \
    "                            the release downloads (online:\n" \
    "                            " TEEATTEST_TINFOIL_RELEASE_URL ")\n" \
    "  --pccs URL                fetch missing TDX collateral from this PCS /\n" \
    "                            PCCS base URL ('intel': " TEEATTEST_INTEL_PCS_URL ")\n" \
    "  --gpu-online LIST         GPU services that may be called, comma-\n" \
    "                            separated: nras, rim, ocsp, jwks, all, none\n" \
    "  --nras-url, --rim-url, --ocsp-url, --jwks-url URL  replace NVIDIA's\n" \
    "                            service URLs\n" \
    CLI_CACHE_OPTIONS_HELP \
    "  " CLI_SERVICE_KEY_ENV " (environment), when set, is sent to NVIDIA's\n" \
    "                            services; it is never printed\n"

/* argv without the repeatable --collateral and --jwks, and their values. */
struct cli_verify_args {
    char **rest;
    int rest_argc;
    const char **collateral;
    size_t n_collateral;
    const char **jwks;
    size_t n_jwks;
};
bool cli_verify_args_take(const char *cmd, int argc, char **argv,
                          struct cli_verify_args *a);
void cli_verify_args_free(struct cli_verify_args *a);

/* Apply CLI_POLICY_OPTIONS to pol (the time is left to the command). */
bool cli_policy_apply(const char *cmd, struct cli_opt *opts,
                      teeattest_policy *pol);

/* Add the material of CLI_EVIDENCE_OPTIONS to ev and set its services.
 * Online (Intel PCS or --pccs for TDX collateral, every GPU service unless
 * --gpu-online says otherwise) when online_default and not --offline, or
 * with --online; --pccs alone turns on collateral fetching only. */
bool cli_evidence_apply(const char *cmd, struct cli_opt *opts,
                        const struct cli_verify_args *a, teeattest_ctx *ctx,
                        teeattest_evidence *ev, bool online_default);

/* --nonce HEX: 32 bytes. */
bool cli_parse_entry_nonce(const char *cmd, const char *s, uint8_t nonce[32]);

/* The checklist, per verified entry its role, signer, TDX status, app id,
 * compose hash and OS image hash, the verified signer and the verdict as
 * the last line. */
void cli_print_report_result(const teeattest_result *res);
/* Fact `key` of res: its plain value, or else, with *unverified set, the
 * value the library kept as "unverified.<key>" (a failed verdict vouches
 * for no fact; docs/checks.md). NULL if neither exists. Print an
 * unverified value only under an "unverified" label. */
const char *cli_fact(const teeattest_result *res, const char *key,
                     bool *unverified);
/* For a signature result: "signature kind: K" and whose attested key
 * signed (the facts signature_kind and signer_role), when it has either. */
void cli_print_signature_kind(const teeattest_result *res);
/* teeattest_result_to_json() and a newline on stdout. */
bool cli_print_result_json(const char *cmd, const teeattest_result *res);
/* CLI_OK when verified, else CLI_FAILED. */
int cli_verdict_exit(const teeattest_result *res);

/* Write an evidence bundle to a new file: the report, the evidence (what
 * it holds now), the nonce, the model (may be NULL), the capture time
 * (NULL: the bundle's default) and, when x is not NULL, the exchange bytes
 * and the signature record (may be NULL). */
bool cli_save_bundle(const char *cmd, const char *path, teeattest_ctx *ctx,
                     teeattest_report *rep, teeattest_evidence *ev,
                     const uint8_t nonce[32], const char *model,
                     const int64_t *time, const teeattest_exchange *x,
                     teeattest_signature *sig);
/* The same for an aci exchange: its receipt as received instead of a
 * signature record and, when session is not NULL, the session the receipt
 * cites as fetched (a version 2 bundle). With e2ee (the exchange's E2EE
 * session, else NULL) the bundle also records what re-checks the E2EE
 * offline, a one-session secret key and the plaintext conversation among
 * it: the file is then created 0600. */
bool cli_save_aci_bundle(const char *cmd, const char *path,
                         teeattest_ctx *ctx, teeattest_report *rep,
                         teeattest_evidence *ev, const uint8_t nonce[32],
                         const char *model, const int64_t *time,
                         const teeattest_exchange *x, const uint8_t *receipt,
                         size_t receipt_len, const uint8_t *session,
                         size_t session_len,
                         const teeattest_e2ee_session *e2ee);

/* ---- providers (cmd_provider.c) --------------------------------------- */

/* The options naming the provider and how to reach it, of every command
 * that talks to one (attest, chat, proxy): cli_provider_open() reads
 * them. The help takes the command's own --model line. */
#define CLI_PROVIDER_OPTIONS \
    {"provider", true, false, NULL}, {"base-url", true, false, NULL}, \
    {"model", true, false, NULL}, {"signing-algo", true, false, NULL}, \
    {"ca-file", true, false, NULL}
#define CLI_PROVIDER_OPTIONS_HELP(model_help) \
    "  --provider NAME           dialect (see 'teeattest providers')\n" \
    "  --base-url URL            provider base URL (default: the dialect's)\n" \
    model_help \
    "  --signing-algo ALGO       ecdsa (default) or ed25519\n" \
    "  --ca-file FILE            PEM CA bundle to trust instead of the\n" \
    "                            system's (e.g. the simulator's)\n"

/* A provider on ctx from --provider, --base-url, --model, --signing-algo
 * and --ca-file (each optional but --provider; opts must hold them all),
 * with the API key from the dialect's environment variable (never
 * printed). Prints the error and returns false on failure (*p may then
 * need teeattest_provider_free()). */
bool cli_provider_open(const char *cmd, struct cli_opt *opts,
                       teeattest_ctx *ctx, teeattest_provider **p);

/* ---- commands --------------------------------------------------------- */

int cmd_signer(int argc, char **argv);
int cmd_verify_signature(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_providers(int argc, char **argv);
int cmd_attest(int argc, char **argv);
int cmd_chat(int argc, char **argv);
int cmd_quote(int argc, char **argv);
int cmd_gpu(int argc, char **argv);
int cmd_bundle_verify(int argc, char **argv);
int cmd_proxy(int argc, char **argv);
int cmd_aci(int argc, char **argv);
int cmd_sigstore(int argc, char **argv);

void help_signer(FILE *f);
void help_verify_signature(FILE *f);
void help_demo(FILE *f);
void help_providers(FILE *f);
void help_attest(FILE *f);
void help_chat(FILE *f);
void help_quote(FILE *f);
void help_gpu(FILE *f);
void help_bundle_verify(FILE *f);
void help_proxy(FILE *f);
void help_aci(FILE *f);
void help_sigstore(FILE *f);

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
