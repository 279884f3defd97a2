/*
 * teeattest command-line tool: option parsing, diagnostics, file input and
 * result printing shared by the commands.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/* ---- diagnostics ------------------------------------------------------ */

/* Length of the well-formed UTF-8 sequence at s[0..n), or 0 if there is
 * none (overlong forms, surrogates and code points past U+10FFFF
 * included). *printable is false for the C1 controls U+0080..U+009F, which
 * act like escapes on some terminals. */
static size_t utf8_seq_len(const unsigned char *s, size_t n, bool *printable)
{
    unsigned char c = s[0];
    size_t len;
    unsigned min;
    unsigned cp;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2, min = 0x80, cp = c & 0x1fu;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3, min = 0x800, cp = c & 0x0fu;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4, min = 0x10000, cp = c & 0x07u;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    *printable = cp > 0x9f;
    return len;
}

void cli_fputs_safe(const char *s, FILE *f)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    size_t i = 0;
    while (i < n) {
        if (p[i] < 0x80) {
            fputc(p[i] < 0x20 || p[i] == 0x7f ? '?' : p[i], f);
            i++;
            continue;
        }
        bool printable = false;
        size_t len = utf8_seq_len(p + i, n - i, &printable);
        if (len == 0) {
            fputc('?', f); /* one per stray byte */
            i++;
        } else {
            if (printable)
                fwrite(p + i, 1, len, f);
            else
                fputc('?', f);
            i += len;
        }
    }
}

void cli_error(const char *cmd, const char *fmt, ...)
{
    /* Paths can be up to PATH_MAX and messages quote them: a truncated
     * message is acceptable, a second line is not. */
    char buf[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    fputs("teeattest: ", stderr);
    if (cmd) {
        fputs(cmd, stderr);
        fputs(": ", stderr);
    }
    cli_fputs_safe(buf, stderr);
    fputc('\n', stderr);
}

/* ---- command-line options --------------------------------------------- */

struct cli_opt *cli_opt(struct cli_opt *opts, const char *name)
{
    for (struct cli_opt *o = opts; o->name; o++)
        if (strcmp(o->name, name) == 0)
            return o;
    abort(); /* an option name misspelt in this program */
}

static struct cli_opt *find_opt(struct cli_opt *opts, const char *name,
                                size_t len)
{
    for (struct cli_opt *o = opts; o->name; o++)
        if (strlen(o->name) == len && memcmp(o->name, name, len) == 0)
            return o;
    return NULL;
}

bool cli_parse_opts(const char *cmd, struct cli_opt *opts, int argc,
                    char **argv, int first, bool *help)
{
    return cli_parse_opts_arg(cmd, opts, argc, argv, first, help, NULL);
}

bool cli_parse_opts_arg(const char *cmd, struct cli_opt *opts, int argc,
                        char **argv, int first, bool *help,
                        const char **positional)
{
    *help = false;
    if (positional)
        *positional = NULL;
    /* --help wins over any mistake elsewhere on the line, so that a user
     * who is lost always gets the help text. */
    for (int i = first; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            *help = true;
            return true;
        }
    }
    for (int i = first; i < argc; i++) {
        const char *arg = argv[i];
        /* "--" ends the options: a prompt may start with dashes. */
        if (positional && strcmp(arg, "--") == 0 && i + 2 == argc &&
            !*positional) {
            *positional = argv[i + 1];
            break;
        }
        if (positional && strncmp(arg, "--", 2) != 0 && !*positional) {
            *positional = arg;
            continue;
        }
        if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
            cli_error(cmd, "unexpected argument '%s' (see 'teeattest %s "
                      "--help')", arg, cmd);
            return false;
        }
        const char *name = arg + 2;
        const char *eq = strchr(name, '=');
        size_t name_len = eq ? (size_t)(eq - name) : strlen(name);
        struct cli_opt *o = find_opt(opts, name, name_len);
        if (!o) {
            cli_error(cmd, "unknown option '--%.*s' (see 'teeattest %s "
                      "--help')", (int)name_len, name, cmd);
            return false;
        }
        if (o->seen) {
            cli_error(cmd, "option --%s given more than once", o->name);
            return false;
        }
        const char *value = NULL;
        if (!o->takes_value) {
            if (eq) {
                cli_error(cmd, "option --%s takes no value", o->name);
                return false;
            }
        } else if (eq) {
            value = eq + 1;
        } else if (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0) {
            value = argv[++i];
        } else {
            /* A following "--x" is far more likely a forgotten value than
             * a file named "--x"; "--opt=--x" still allows the latter. */
            cli_error(cmd, "option --%s needs a value", o->name);
            return false;
        }
        if (o->takes_value && value[0] == '\0') {
            cli_error(cmd, "option --%s needs a non-empty value", o->name);
            return false;
        }
        o->seen = true;
        o->value = value;
    }
    return true;
}

bool cli_take_repeated(const char *cmd, int argc, char **argv, int first,
                       struct cli_repeated *reps, size_t n_reps,
                       int *rest_argc, char **rest)
{
    int m = 0;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        struct cli_repeated *r = NULL;
        const char *value = NULL;
        /* "-- ARG" as the last two arguments ends the options (a prompt
         * may start with dashes), as in cli_parse_opts_arg(). */
        if (i >= first && strcmp(arg, "--") == 0 && i + 2 == argc) {
            rest[m++] = argv[i];
            rest[m++] = argv[i + 1];
            break;
        }
        if (i >= first && strncmp(arg, "--", 2) == 0) {
            for (size_t k = 0; k < n_reps && !r; k++) {
                size_t l = strlen(reps[k].name);
                if (strncmp(arg + 2, reps[k].name, l) == 0 &&
                    (arg[2 + l] == '\0' || arg[2 + l] == '=')) {
                    r = &reps[k];
                    if (arg[2 + l] == '=')
                        value = arg + 3 + l;
                }
            }
        }
        if (!r) {
            rest[m++] = argv[i];
            continue;
        }
        if (!value) {
            if (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0) {
                value = argv[++i];
            } else {
                cli_error(cmd, "option --%s needs a value", r->name);
                return false;
            }
        }
        if (!value[0]) {
            cli_error(cmd, "option --%s needs a non-empty value", r->name);
            return false;
        }
        r->values[r->n++] = value;
    }
    rest[m] = NULL;
    *rest_argc = m;
    return true;
}

/* ---- files ------------------------------------------------------------ */

bool cli_make_dir(const char *cmd, const char *path)
{
    struct stat st;
    if (mkdir(path, 0755) == 0)
        return true;
    if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return true;
    if (errno == EEXIST)
        errno = ENOTDIR;
    cli_error(cmd, "cannot create directory %s: %s", path, strerror(errno));
    return false;
}

static bool write_new_file(const char *cmd, const char *path,
                           const void *data, size_t len, mode_t mode)
{
    /* O_EXCL: a saved capture must never clobber a user's file. */
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        cli_error(cmd, "cannot write %s: %s", path, strerror(errno));
        return false;
    }
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, (const char *)data + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            cli_error(cmd, "cannot write %s: %s", path, strerror(errno));
            close(fd);
            return false;
        }
        done += (size_t)n;
    }
    if (close(fd) != 0) {
        cli_error(cmd, "cannot write %s: %s", path, strerror(errno));
        return false;
    }
    return true;
}

bool cli_write_new_file(const char *cmd, const char *path, const void *data,
                        size_t len)
{
    return write_new_file(cmd, path, data, len, 0644);
}

bool cli_write_private_file(const char *cmd, const char *path,
                            const void *data, size_t len)
{
    return write_new_file(cmd, path, data, len, 0600);
}

bool cli_join_path(const char *cmd, char *out, size_t cap, const char *a,
                   const char *b, const char *c)
{
    int n = c ? snprintf(out, cap, "%s/%s/%s", a, b, c)
              : snprintf(out, cap, "%s/%s", a, b);
    if (n < 0 || (size_t)n >= cap) {
        cli_error(cmd, "path too long under %s", a);
        return false;
    }
    return true;
}


void cli_file_free(struct cli_file *f)
{
    free(f->data);
    f->data = NULL;
    f->len = 0;
}

static bool read_fd(int fd, size_t size_hint, struct cli_file *out,
                    int *err_no, bool *too_large)
{
    /* For a regular file, one byte more than its size lets the last read
     * see end-of-file without growing the buffer and leaves room for the
     * NUL. The buffer never grows past the limit + 2: one byte over the
     * limit is enough to know the input is too large. */
    size_t cap = size_hint ? size_hint + 1 : 64u * 1024u;
    size_t len = 0;
    uint8_t *buf = malloc(cap);
    if (!buf) {
        *err_no = ENOMEM;
        return false;
    }
    for (;;) {
        if (len == cap) {
            if (cap > CLI_MAX_FILE_SIZE) {
                *too_large = true;
                free(buf);
                return false;
            }
            size_t ncap = cap * 2 > CLI_MAX_FILE_SIZE + 1
                              ? CLI_MAX_FILE_SIZE + 2 : cap * 2;
            uint8_t *nb = realloc(buf, ncap);
            if (!nb) {
                *err_no = ENOMEM;
                free(buf);
                return false;
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            *err_no = errno;
            free(buf);
            return false;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    if (len > CLI_MAX_FILE_SIZE) {
        *too_large = true;
        free(buf);
        return false;
    }
    if (len == cap) {
        uint8_t *nb = realloc(buf, len + 1);
        if (!nb) {
            *err_no = ENOMEM;
            free(buf);
            return false;
        }
        buf = nb;
    }
    buf[len] = '\0';
    out->data = buf;
    out->len = len;
    return true;
}

bool cli_read_file(const char *cmd, const char *option, const char *path,
                   struct cli_file *out)
{
    out->data = NULL;
    out->len = 0;
    bool is_stdin = strcmp(path, "-") == 0;
    int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        cli_error(cmd, "cannot read --%s %s: %s", option, path,
                  strerror(errno));
        return false;
    }
    struct stat st;
    size_t hint = 0;
    bool too_large = false;
    int err_no = 0;
    bool ok = false;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        if ((uintmax_t)st.st_size > CLI_MAX_FILE_SIZE)
            too_large = true;
        else
            hint = (size_t)st.st_size;
    }
    if (!too_large)
        ok = read_fd(fd, hint, out, &err_no, &too_large);
    if (!is_stdin)
        close(fd);
    if (ok)
        return true;
    if (too_large)
        cli_error(cmd, "cannot read --%s %s: larger than the %u MiB limit",
                  option, path, CLI_MAX_FILE_SIZE / (1024u * 1024u));
    else
        cli_error(cmd, "cannot read --%s %s: %s", option, path,
                  strerror(err_no));
    return false;
}

/* ---- results ---------------------------------------------------------- */

const char *cli_outcome_label(int32_t outcome)
{
    switch (outcome) {
    case TEEATTEST_OUTCOME_PASS:
        return "PASS";
    case TEEATTEST_OUTCOME_FAIL:
        return "FAIL";
    case TEEATTEST_OUTCOME_SKIP:
        return "SKIP";
    case TEEATTEST_OUTCOME_WARN:
        return "WARN";
    default:
        return "????";
    }
}

/* The legend of SKIP*, printed once per run under the first checklist
 * that has one (chat --attest prints two). */
static bool skip_legend_printed;

size_t cli_print_checks(const teeattest_result *res, const char *indent)
{
    size_t n = teeattest_result_check_count(res);
    int width = 0;
    for (size_t i = 0; i < n; i++) {
        const char *name = NULL;
        if (teeattest_result_check(res, i, &name, NULL, NULL, NULL, NULL) ==
                TEEATTEST_OK && name) {
            size_t l = strlen(name);
            if (l > (size_t)width)
                width = l > 64 ? 64 : (int)l;
        }
    }
    size_t printed = 0;
    bool required_skip = false, explained = false;
    for (size_t i = 0; i < n; i++) {
        const char *name = NULL, *detail = NULL;
        int32_t outcome = 0, required = 0;
        if (teeattest_result_check(res, i, &name, &outcome, &detail,
                                   &required, NULL) != TEEATTEST_OK)
            continue;
        fputs(indent, stdout);
        /* A required check that could not run fails the verdict as a FAIL
         * does: it must not look like an optional skip. "SKIP* " is as
         * wide as "PASS  ", so the names stay aligned. */
        if (outcome == TEEATTEST_OUTCOME_SKIP && required) {
            fputs("SKIP* ", stdout);
            required_skip = true;
        } else {
            printf("%s  ", cli_outcome_label(outcome));
        }
        if (outcome != TEEATTEST_OUTCOME_PASS &&
            outcome != TEEATTEST_OUTCOME_WARN &&
            (outcome != TEEATTEST_OUTCOME_SKIP || required))
            explained = true;
        /* Names are the library's own dotted identifiers, details may
         * quote untrusted input: only details need cleaning, but both
         * go through the same path to keep alignment exact. */
        size_t l = name ? strlen(name) : 0;
        cli_fputs_safe(name ? name : "", stdout);
        for (size_t pad = l; pad < (size_t)width; pad++)
            fputc(' ', stdout);
        if (detail && detail[0]) {
            fputs("  ", stdout);
            cli_fputs_safe(detail, stdout);
        }
        fputc('\n', stdout);
        printed++;
    }
    /* A FAILED verdict always has a line saying why, even for a checklist
     * this tool cannot read (e.g. empty: nothing was verified). */
    if (!explained &&
        teeattest_result_verdict(res) != TEEATTEST_VERDICT_VERIFIED) {
        fputs(indent, stdout);
        fputs(n ? "FAIL  (the verdict is failed, and no check above says "
                  "why)\n"
                : "FAIL  (no check ran: nothing was verified)\n", stdout);
    }
    if (required_skip && !skip_legend_printed) {
        fputs(indent, stdout);
        fputs("SKIP* = a required check that could not run: it fails the "
              "verdict\n", stdout);
        skip_legend_printed = true;
    }
    return printed;
}

/* ---- signature policy ------------------------------------------------- */

bool cli_signature_apply(const char *cmd, struct cli_opt *opts,
                         teeattest_policy *pol)
{
    bool strict = cli_opt(opts, "strict-ecdsa")->seen;
    if (strict && cli_opt(opts, "allow-high-s")->seen) {
        cli_error(cmd, "give either --strict-ecdsa or --allow-high-s, not "
                  "both");
        return false;
    }
    if (teeattest_policy_set_ecdsa_strict(pol, strict, NULL) != TEEATTEST_OK) {
        cli_error(cmd, "cannot set the ECDSA policy");
        return false;
    }
    return true;
}

/* ---- option values ---------------------------------------------------- */

int cli_hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

bool cli_parse_hex_exact(const char *s, size_t len, uint8_t *out, size_t want)
{
    if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s += 2;
        len -= 2;
    }
    if (len != 2 * want)
        return false;
    for (size_t i = 0; i < want; i++) {
        int hi = cli_hexval((unsigned char)s[2 * i]);
        int lo = cli_hexval((unsigned char)s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

bool cli_parse_unix_time(const char *cmd, const char *option, const char *s,
                         int64_t *out)
{
    bool ok = s && isdigit((unsigned char)s[0]);
    long long v = 0;
    if (ok) {
        errno = 0;
        char *end = NULL;
        v = strtoll(s, &end, 10);
        ok = !errno && !*end && v >= 0 && v <= CLI_TIME_MAX;
    }
    if (!ok) {
        cli_error(cmd, "--%s: expected Unix seconds from 0 to %lld "
                  "(1970-01-01 to 9999-12-31 UTC), got '%.80s'", option,
                  (long long)CLI_TIME_MAX, s ? s : "");
        return false;
    }
    *out = (int64_t)v;
    return true;
}

bool cli_parse_min_tcb_eval(const char *cmd, const char *s, uint32_t *out)
{
    bool ok = s && isdigit((unsigned char)s[0]);
    unsigned long long v = 0;
    if (ok) {
        errno = 0;
        char *end = NULL;
        v = strtoull(s, &end, 10);
        ok = !errno && !*end && v <= UINT32_MAX;
    }
    if (!ok) {
        cli_error(cmd, "--min-tcb-eval: expected a TCB evaluation data "
                  "number from 0 to %u, got '%.80s'", (unsigned)UINT32_MAX,
                  s ? s : "");
        return false;
    }
    *out = (uint32_t)v;
    return true;
}

static int b64val(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

bool cli_tls_pin(const char *hex, char out[CLI_PIN_SIZE])
{
    static const char b64[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint8_t d[33] = {0}; /* 32 bytes, one zero byte of padding */
    if (!hex || strlen(hex) != 64 || !cli_parse_hex_exact(hex, 64, d, 32))
        return false;
    memcpy(out, "sha256//", 8);
    char *o = out + 8;
    for (size_t i = 0; i < 33; i += 3) {
        uint32_t v = (uint32_t)d[i] << 16 | (uint32_t)d[i + 1] << 8 |
                     (i + 2 < 33 ? d[i + 2] : 0);
        *o++ = b64[v >> 18 & 63];
        *o++ = b64[v >> 12 & 63];
        *o++ = i + 1 < 32 ? b64[v >> 6 & 63] : '=';
        *o++ = i + 2 < 32 ? b64[v & 63] : '=';
    }
    *o = '\0';
    return true;
}

bool cli_decode_base64(const uint8_t *in, size_t len, uint8_t *out,
                       size_t *out_len)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t n = 0, pad = 0, chars = 0;
    for (size_t i = 0; i < len; i++) {
        if (isspace(in[i]))
            continue;
        if (in[i] == '=') {
            pad++;
            continue;
        }
        int v = b64val(in[i]);
        if (v < 0 || pad)
            return false;
        chars++;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (uint8_t)(acc >> bits);
        }
    }
    *out_len = n;
    return n > 0 && pad <= 2 && chars % 4 != 1;
}

/* ---- the library context ---------------------------------------------- */

/* ---- the on-disk cache (docs/cache.md) -------------------------------- */

bool cli_cache_dir(const char *cmd, struct cli_opt *opts, char **dir)
{
    *dir = NULL;
    const struct cli_opt *o_dir = cli_opt(opts, "cache-dir");
    const struct cli_opt *o_no = cli_opt(opts, "no-cache");
    if (o_dir->seen && o_no->seen) {
        cli_error(cmd, "give either --cache-dir or --no-cache, not both");
        return false;
    }
    if (o_no->seen)
        return true;
    if (o_dir->seen) {
        if (!o_dir->value[0]) {
            cli_error(cmd, "--cache-dir: empty directory name");
            return false;
        }
        *dir = strdup(o_dir->value);
        if (!*dir)
            cli_error(cmd, "out of memory");
        return *dir != NULL;
    }
    /* XDG Base Directory: $XDG_CACHE_HOME when it is an absolute path,
     * else $HOME/.cache. Only the last two levels are created (0700). */
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    char base[4096];
    if (xdg && xdg[0] == '/')
        snprintf(base, sizeof base, "%s", xdg);
    else if (home && home[0] == '/')
        snprintf(base, sizeof base, "%s/.cache", home);
    else
        return true; /* nowhere to cache: fetch every time */
    if (strlen(base) + sizeof "/teeattest" > sizeof base)
        return true;
    mkdir(base, 0700); /* may exist; the library reports what fails */
    *dir = malloc(strlen(base) + sizeof "/teeattest");
    if (!*dir) {
        cli_error(cmd, "out of memory");
        return false;
    }
    sprintf(*dir, "%s/teeattest", base);
    return true;
}

bool cli_ctx_new_cached(const char *cmd, const char *cache_dir,
                        teeattest_ctx **ctx)
{
    teeattest_ctx_options o = TEEATTEST_CTX_OPTIONS_INIT;
    o.cache_dir = cache_dir;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    int st = teeattest_ctx_new(ctx, &o, &err);
    if (st != TEEATTEST_OK) {
        cli_error(cmd, "%s", err.message[0] ? err.message
                                             : teeattest_status_str(st));
        return false;
    }
    return true;
}

bool cli_ctx_new(const char *cmd, const char *timeout, const char *cache_dir,
                 teeattest_ctx **ctx, uint32_t *timeout_ms)
{
    *ctx = NULL;
    double s = CLI_TIMEOUT_DEFAULT_S;
    if (timeout) {
        char *end;
        errno = 0;
        s = strtod(timeout, &end);
        if (errno || end == timeout || *end || !(s > 0) || s > 86400) {
            cli_error(cmd, "--timeout takes seconds (0 < SECONDS <= 86400)");
            return false;
        }
    }
    int64_t ms = (int64_t)(s * 1000);
    if (ms < 1)
        ms = 1;
    if (timeout_ms)
        *timeout_ms = (uint32_t)ms;
    /* The library reads the deadline on the system's real-time clock (the
     * context has no clock of its own here). */
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    teeattest_ctx_options o = TEEATTEST_CTX_OPTIONS_INIT;
    o.deadline_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000 + ms;
    o.cache_dir = cache_dir;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    if (teeattest_ctx_new(ctx, &o, &err) != TEEATTEST_OK) {
        cli_error(cmd, "%s", err.message);
        return false;
    }
    return true;
}
