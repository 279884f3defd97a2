/*
 * teeattest quote: verify an Intel TDX quote (DCAP) with collateral from
 * files or fetched from Intel PCS / a PCCS.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cli.h"

#define CMD "quote"

void help_quote(FILE *f)
{
    fputs("Usage: teeattest quote --quote FILE\n"
          "           (--collateral DIR|FILE.json |\n"
          "            --pccs URL [--cache-dir DIR | --no-cache])\n"
          "           [--at UNIX] [--json] [--accept STATUS,...]\n"
          "           [--allow-expired-collateral] [--allow-debug]\n"
          "           [--allow-mrservicetd] [--expect-mrtd HEX[,HEX...]]\n"
          "           [--expect-rtmr0..3 HEX[,HEX...]] [--expect-mrconfigid HEX]\n"
          "           [--min-tcb-eval N] [--explain] [--test-root FILE]\n"
          "\n"
          "Verify an Intel TDX quote (v4 or v5) with Intel's DCAP rules: the PCK\n"
          "certificate chain to the Intel SGX Root CA, the CRLs, the TCB Info and\n"
          "QE Identity signatures, the QE report, the quote signature and the TCB\n"
          "status of the platform, TDX module and QE.\n"
          "\n"
          "Options:\n"
          "  --quote FILE              the quote: binary, hex text or base64 (detected)\n"
          "  --collateral DIR          collateral in the PCS raw layout (tcb_info.json,\n"
          "                            qe_identity.json, *_issuer_chain.pem,\n"
          "                            pck_crl.der, root_ca_crl.der)\n"
          "  --collateral FILE.json    collateral in dcap-qvl's single-file JSON form\n"
          "  --pccs URL                fetch the collateral from this PCS/PCCS base\n"
          "                            URL ('intel' for " TEEATTEST_INTEL_PCS_URL ")\n"
          "  --cache-dir DIR           with --pccs: an on-disk collateral cache, one\n"
          "                            subdirectory per platform (DIR/FMSPC-CA, CA\n"
          "                            'platform' or 'processor', in the --collateral\n"
          "                            DIR layout). Collateral found there that has\n"
          "                            not expired at the verification time (--at or\n"
          "                            now) is used without network; otherwise it is\n"
          "                            fetched and saved there (each file replaced\n"
          "                            atomically). A cache that cannot be written\n"
          "                            is reported as a warning. Without it, --pccs\n"
          "                            uses the library's cache of fetched material\n"
          "                            in $XDG_CACHE_HOME/teeattest (else\n"
          "                            ~/.cache/teeattest), verified on every use\n"
          "  --no-cache                with --pccs: neither read nor write a cache\n"
          "  --at UNIX                 verification time in Unix seconds,\n"
          "                            " CLI_TIME_RANGE_HELP " (default: now)\n"
          "  --accept STATUS,...       accepted TCB statuses (default UpToDate,\n"
          "                            SWHardeningNeeded); Intel's names, e.g.\n"
          "                            OutOfDate, ConfigurationNeeded, Revoked\n"
          "  --allow-expired-collateral  accept collateral past its nextUpdate\n"
          "                            (reported as WARN)\n"
          "  --allow-debug             accept a debug TD (reported as WARN)\n"
          "  --allow-mrservicetd       accept a bound service TD (TD report 1.5)\n"
          CLI_MIN_TCB_EVAL_HELP
          "  --explain                 print the TCB comparison table: the\n"
          "                            platform's SVNs (PCK components, PCESVN,\n"
          "                            TEE_TCB_SVN) against each TCB level of the\n"
          "                            collateral, the matched level and what is\n"
          "                            below; with --json the same data is in the\n"
          "                            facts (tdx.tcb_levels, tdx.tcb_behind, ...)\n"
          "  --expect-mrtd HEX         required MRTD (48 bytes as 96 hex digits);\n"
          "                            several accepted values comma-separated\n"
          "  --expect-rtmr0 .. --expect-rtmr3 HEX, --expect-mrconfigid HEX\n"
          "                            the same for RTMR0-3 and MRCONFIGID\n"
          "  --test-root FILE          FOR TESTS: trust this root (DER or PEM\n"
          "                            certificate) instead of Intel's SGX Root CA;\n"
          "                            every result then carries the warning check\n"
          "                            tdx.root_override (e.g. teeattest-sim's\n"
          "                            --tdx-root-out or GET /_sim/tdx-root.der)\n"
          "  --json                    print the result as JSON only\n"
          "  -h, --help                show this help\n"
          "\n"
          "Output: one line per check (PASS, FAIL, SKIP or WARN), the TCB status,\n"
          "advisories and measurements, then 'verdict: verified' or\n"
          "'verdict: FAILED'. Check names: docs/checks.md.\n"
          CLI_OUTCOMES_HELP
          "\n"
          "Exit status: 0 verified, 1 verification failed (including a status the\n"
          "policy does not accept), 2 usage or input error (unreadable file, bad\n"
          "hex, unknown status, collateral that cannot be loaded or fetched).\n", f);
}

/* ---- quote decoding --------------------------------------------------- */

/* Hex text (optional 0x, whitespace anywhere) into out; false when the
 * text is not hex. */
static bool decode_hex(const uint8_t *in, size_t len, uint8_t *out,
                       size_t *out_len)
{
    size_t i = 0, n = 0;
    while (i < len && isspace(in[i]))
        i++;
    if (i + 1 < len && in[i] == '0' && (in[i + 1] == 'x' || in[i + 1] == 'X'))
        i += 2;
    int hi = -1;
    for (; i < len; i++) {
        if (isspace(in[i]))
            continue;
        int v = cli_hexval(in[i]);
        if (v < 0)
            return false;
        if (hi < 0) {
            hi = v;
        } else {
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    *out_len = n;
    return hi < 0 && n > 0;
}

/* The quote bytes of a file: binary as is (a quote starts with version 4
 * or 5 as a little-endian u16), otherwise hex, otherwise base64. */
static bool decode_quote(const struct cli_file *f, uint8_t **out, size_t *len,
                         const char **form)
{
    *out = NULL;
    if (f->len >= 2 && (f->data[0] == 4 || f->data[0] == 5) && f->data[1] == 0) {
        *out = malloc(f->len);
        if (!*out)
            return false;
        memcpy(*out, f->data, f->len);
        *len = f->len;
        *form = "binary";
        return true;
    }
    uint8_t *buf = malloc(f->len + 1);
    if (!buf)
        return false;
    if (decode_hex(f->data, f->len, buf, len)) {
        *form = "hex";
    } else if (cli_decode_base64(f->data, f->len, buf, len)) {
        *form = "base64";
    } else {
        free(buf);
        return false;
    }
    *out = buf;
    return true;
}

/* ---- option values ---------------------------------------------------- */

static const struct {
    const char *option;
    int32_t reg;
    const char *label;
    const char *fact;
} registers[] = {
    {"expect-mrtd", TEEATTEST_REG_MRTD, "MRTD", "tdx.mrtd"},
    {"expect-rtmr0", TEEATTEST_REG_RTMR0, "RTMR0", "tdx.rtmr0"},
    {"expect-rtmr1", TEEATTEST_REG_RTMR1, "RTMR1", "tdx.rtmr1"},
    {"expect-rtmr2", TEEATTEST_REG_RTMR2, "RTMR2", "tdx.rtmr2"},
    {"expect-rtmr3", TEEATTEST_REG_RTMR3, "RTMR3", "tdx.rtmr3"},
    {"expect-mrconfigid", TEEATTEST_REG_MRCONFIGID, "MRCONFIGID",
     "tdx.mrconfigid"},
};
#define N_REGISTERS (sizeof registers / sizeof registers[0])

/* Comma-separated 48-byte hex values for one register. */
static bool add_measurements(teeattest_policy *pol, const char *option,
                             int32_t reg, const char *value)
{
    const char *p = value;
    do {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        uint8_t v[48];
        if (!cli_parse_hex_exact(p, n, v, sizeof v)) {
            cli_error(CMD, "--%s: expected 96 hex digits (48 bytes), got "
                      "'%.*s'", option, (int)(n > 120 ? 120 : n), p);
            return false;
        }
        int st = teeattest_policy_add_measurement(pol, reg, v, sizeof v, NULL);
        if (st != TEEATTEST_OK) {
            cli_error(CMD, "--%s: %s", option, teeattest_status_str(st));
            return false;
        }
        p = e ? e + 1 : NULL;
    } while (p);
    return true;
}

/* ---- output ----------------------------------------------------------- */

/* A failed verdict vouches for no fact: its values are labelled
 * "unverified" (cli_fact). */
static void print_fact(const teeattest_result *res, const char *label,
                       const char *key)
{
    bool unv;
    const char *v = cli_fact(res, key, &unv);
    if (!v)
        return;
    printf("  %s%-12s ", unv ? "unverified " : "", label);
    cli_fputs_safe(v, stdout);
    fputc('\n', stdout);
}

static void print_labelled(const char *label, const char *v, bool unv)
{
    printf("%s%s: ", unv ? "unverified " : "", label);
    cli_fputs_safe(v, stdout);
    fputc('\n', stdout);
}

/* ---- --explain: the TCB comparison table ------------------------------ */

#define EXPLAIN_MAX_LEVELS 64 /* as many as the library lists */

struct tcb_row_level {
    char date[21], status[40];
    uint8_t sgx[16], tdx[16];
    unsigned pcesvn;
};

/* Fact tdx.tcb_levels: "DATE STATUS sgx=HEX pcesvn=N tdx=HEX; ...".
 * Returns the number of levels, -1 when the text is not in that form. */
static int parse_levels(const char *text, struct tcb_row_level *lv, int max)
{
    int n = 0;
    const char *p = text;
    while (p && *p && n < max) {
        char sgx[33], tdx[33];
        struct tcb_row_level *l = &lv[n];
        if (sscanf(p, "%20s %39s sgx=%32s pcesvn=%u tdx=%32s", l->date,
                   l->status, sgx, &l->pcesvn, tdx) != 5 ||
            !cli_parse_hex_exact(sgx, strlen(sgx), l->sgx, 16) ||
            !cli_parse_hex_exact(tdx, strlen(tdx), l->tdx, 16))
            return -1;
        n++;
        p = strstr(p, "; ");
        if (p)
            p += 2;
    }
    return n;
}

static bool hex_fact(const teeattest_result *res, const char *key,
                     uint8_t out[16])
{
    bool unv;
    const char *v = cli_fact(res, key, &unv);
    return v && cli_parse_hex_exact(v, strlen(v), out, 16);
}

/* One cell of column i of n, padded to w except the last. */
static void cell(int i, int n, int w, const char *text)
{
    if (i + 1 < n)
        printf(" %-*s", w, text);
    else
        printf(" %s", text);
}

static void explain_row(const char *label, unsigned have, bool compared,
                        const struct tcb_row_level *lv, int n, int w,
                        unsigned (*val)(const struct tcb_row_level *, int),
                        int k)
{
    printf("  %-16s %5u ", label, have);
    for (int i = 0; i < n; i++) {
        char text[16];
        unsigned want = val(&lv[i], k);
        snprintf(text, sizeof text, "%u%s", want,
                 !compared ? " -" : have < want ? " <" : "");
        cell(i, n, w, text);
    }
    fputc('\n', stdout);
}

static unsigned sgx_at(const struct tcb_row_level *l, int k) { return l->sgx[k]; }
static unsigned tdx_at(const struct tcb_row_level *l, int k) { return l->tdx[k]; }
static unsigned pce_at(const struct tcb_row_level *l, int k) { (void)k; return l->pcesvn; }

/* The platform's SVNs against every TCB level of the collateral, from the
 * result's facts (docs/checks.md): "<" marks a value below the level's,
 * "-" a component the platform levels do not judge. */
static void print_explain(const teeattest_result *res)
{
    bool unv;
    static struct tcb_row_level lv[EXPLAIN_MAX_LEVELS];
    const char *levels = cli_fact(res, "tdx.tcb_levels", &unv);
    const char *pce = cli_fact(res, "tdx.pck.pcesvn", &unv);
    uint8_t comp[16], tee[16];
    int n = levels ? parse_levels(levels, lv, EXPLAIN_MAX_LEVELS) : -1;
    if (n <= 0 || !pce || !hex_fact(res, "tdx.pck.tcb_components", comp) ||
        !hex_fact(res, "tdx.tee_tcb_svn", tee)) {
        fputs("TCB comparison: not available (the TCB Info was not "
              "authenticated or the PCK extension was not read)\n", stdout);
        return;
    }
    const char *idx = cli_fact(res, "tdx.tcb_level_index", &unv);
    int matched = idx ? atoi(idx) : -1;
    int w = 10;
    for (int i = 0; i < n; i++)
        if ((int)strlen(lv[i].status) > w)
            w = (int)strlen(lv[i].status);
    printf("%sTCB comparison (platform vs each TCB level, newest first; "
           "'<' below the level, '-' not judged by the levels):\n",
           unv ? "unverified " : "");
    printf("  %-16s %5s ", "", "have");
    for (int i = 0; i < n; i++) {
        char h[16];
        snprintf(h, sizeof h, "level %d", i);
        cell(i, n, w, h);
    }
    printf("\n  %-16s %5s ", "tcbDate", "");
    for (int i = 0; i < n; i++) {
        lv[i].date[10] = '\0'; /* the day is enough here */
        cell(i, n, w, lv[i].date);
    }
    printf("\n  %-16s %5s ", "tcbStatus", "");
    for (int i = 0; i < n; i++)
        cell(i, n, w, lv[i].status);
    printf("\n  %-16s %5s ", "matched", "");
    if (matched < 0 || matched >= n)
        fputs(" none", stdout);
    for (int i = 0; i < n && i <= matched; i++)
        cell(i, i == matched ? i + 1 : n, w, i == matched ? "MATCHED" : "");
    fputc('\n', stdout);
    char label[32];
    for (int k = 0; k < 16; k++) {
        snprintf(label, sizeof label, "SGX component %d", k);
        explain_row(label, comp[k], true, lv, n, w, sgx_at, k);
    }
    explain_row("PCESVN", (unsigned)strtoul(pce, NULL, 10), true, lv, n, w,
                pce_at, 0);
    for (int k = 0; k < 16; k++) {
        snprintf(label, sizeof label, "TDX component %d", k);
        explain_row(label, tee[k], tee[1] == 0 || k >= 2, lv, n, w, tdx_at, k);
    }
    if (tee[1] > 0)
        printf("  TDX components 0-1 (module SVN, major version %u) are "
               "judged by the TDX_%02X module identity\n", (unsigned)tee[1],
               (unsigned)tee[1]);
    const char *behind = cli_fact(res, "tdx.tcb_behind", &unv);
    if (behind && behind[0]) {
        fputs("  behind the newest level: ", stdout);
        cli_fputs_safe(behind, stdout);
        fputc('\n', stdout);
    }
}

static void print_report(const teeattest_result *res, bool explain)
{
    cli_print_checks(res, "");
    bool unv;
    const char *status = cli_fact(res, "tdx.status", &unv);
    print_labelled("status", status ? status : "not determined",
                   status && unv);
    const char *adv = cli_fact(res, "tdx.advisories", &unv);
    print_labelled("advisories", !adv ? "unknown" : adv[0] ? adv : "none",
                   adv && unv);
    const char *behind = cli_fact(res, "tdx.tcb_behind", &unv);
    if (behind)
        print_labelled("behind newest TCB level", behind[0] ? behind
                       : "nothing (the newest level itself has this status)",
                       unv);
    bool unv2;
    const char *ti = cli_fact(res, "tdx.tcb_info.eval_number", &unv);
    const char *qe = cli_fact(res, "tdx.qe_identity.eval_number", &unv2);
    if (ti && qe) {
        printf("%sTCB evaluation data number: TCB Info ",
               unv || unv2 ? "unverified " : "");
        cli_fputs_safe(ti, stdout);
        fputs(", QE Identity ", stdout);
        cli_fputs_safe(qe, stdout);
        fputc('\n', stdout);
    }
    const char *exp = cli_fact(res, "tdx.collateral.expires", &unv);
    if (exp)
        print_labelled("collateral expires", exp, unv);
    if (cli_fact(res, "tdx.mrtd", &unv)) {
        fputs("measurements:\n", stdout);
        for (size_t i = 0; i < N_REGISTERS; i++)
            print_fact(res, registers[i].label, registers[i].fact);
        print_fact(res, "report_data", "tdx.report_data");
    }
    if (explain)
        print_explain(res);
    printf("verdict: %s\n",
           teeattest_result_verdict(res) == TEEATTEST_VERDICT_VERIFIED
               ? "verified" : "FAILED");
}

/* ---- collateral cache ------------------------------------------------- */

/* The cache subdirectory of a quote's platform, "FMSPC-CA" (FMSPC as 12
 * lower-case hex digits, CA "platform" or "processor"), read from the PCK
 * certificate in the quote's certification data: the FMSPC is the OCTET
 * STRING after OID 1.2.840.113741.1.13.1.4 and the CA is named in the
 * issuer. Only the cache location depends on it: the library verifies the
 * collateral against the quote, so a wrong guess can cost a fetch, never
 * a wrong verdict. false when the quote has no recognisable PCK leaf. */
static bool quote_cache_key(const uint8_t *q, size_t len, char out[32])
{
    static const char begin[] = "-----BEGIN CERTIFICATE-----";
    static const char end[] = "-----END CERTIFICATE-----";
    static const uint8_t fmspc_oid[] = {0x06, 0x0a, 0x2a, 0x86, 0x48, 0x86,
                                        0xf8, 0x4d, 0x01, 0x0d, 0x01, 0x04};
    const uint8_t *p = q, *stop = q + len;
    while ((p = memmem(p, (size_t)(stop - p), begin, sizeof begin - 1))) {
        p += sizeof begin - 1;
        const uint8_t *e = memmem(p, (size_t)(stop - p), end, sizeof end - 1);
        if (!e)
            return false;
        size_t n = 0;
        uint8_t *der = malloc((size_t)(e - p) + 1);
        bool found = false;
        if (der && cli_decode_base64(p, (size_t)(e - p), der, &n) &&
            memmem(der, n, "SGX PCK Certificate", 19)) {
            const uint8_t *o = memmem(der, n, fmspc_oid, sizeof fmspc_oid);
            size_t at = o ? (size_t)(o - der) + sizeof fmspc_oid : n;
            const char *ca = memmem(der, n, "PCK Platform CA", 15) ? "platform"
                             : memmem(der, n, "PCK Processor CA", 16)
                                 ? "processor" : NULL;
            if (ca && at + 8 <= n && der[at] == 0x04 && der[at + 1] == 6) {
                for (size_t i = 0; i < 6; i++)
                    snprintf(out + 2 * i, 3, "%02x", der[at + 2 + i]);
                snprintf(out + 12, 20, "-%s", ca);
                found = true;
            }
        }
        free(der);
        if (found)
            return true;
        p = e + sizeof end - 1;
    }
    return false;
}

/* --pccs with an optional --cache-dir: collateral from the cache when it
 * is there and has not expired at `now`, else fetched (and saved). */
static bool pccs_collateral(teeattest_ctx *ctx, const char *pccs,
                            const char *cache_dir, const uint8_t *quote,
                            size_t quote_len, int64_t now, bool json,
                            teeattest_collateral **col)
{
    teeattest_error err = TEEATTEST_ERROR_INIT;
    const char *url = strcmp(pccs, "intel") == 0 ? NULL : pccs;
    char key[32], *sub = NULL;
    if (cache_dir) {
        if (!quote_cache_key(quote, quote_len, key)) {
            fprintf(stderr, "teeattest " CMD ": warning: no PCK certificate "
                    "found in the quote; --cache-dir not used\n");
        } else if ((sub = malloc(strlen(cache_dir) + sizeof key + 1))) {
            sprintf(sub, "%s/%s", cache_dir, key);
            struct stat st;
            if (stat(sub, &st) == 0 &&
                teeattest_collateral_load_dir(ctx, col, sub, &err) ==
                    TEEATTEST_OK) {
                int64_t exp = teeattest_collateral_expiry(*col);
                if (exp > now) {
                    if (!json)
                        printf("collateral: cached in %s\n", sub);
                    free(sub);
                    return true;
                }
                teeattest_collateral_free(*col);
                *col = NULL;
                if (!json)
                    printf("collateral: cache in %s expired, fetching\n", sub);
            } else if (stat(sub, &st) == 0) {
                fprintf(stderr, "teeattest " CMD ": warning: cache %s: %s; "
                        "fetching\n", sub, err.message);
            }
        }
    }
    int st = teeattest_collateral_fetch(ctx, col, url, quote, quote_len, &err);
    if (st != TEEATTEST_OK) {
        cli_error(CMD, "fetching collateral from %s: %s",
                  url ? url : TEEATTEST_INTEL_PCS_URL,
                  err.message[0] ? err.message : teeattest_status_str(st));
        free(sub);
        return false;
    }
    if (sub) {
        st = teeattest_collateral_save_dir(*col, sub, &err);
        if (st != TEEATTEST_OK)
            fprintf(stderr, "teeattest " CMD ": warning: collateral not "
                    "cached: %s\n", err.message[0] ? err.message
                                                   : teeattest_status_str(st));
        else if (!json)
            printf("collateral: fetched from %s, saved in %s\n",
                   url ? url : TEEATTEST_INTEL_PCS_URL, sub);
    } else if (!json) {
        printf("collateral: fetched from %s\n",
               url ? url : TEEATTEST_INTEL_PCS_URL);
    }
    free(sub);
    return true;
}

/* ---- command ------------------------------------------------------------ */

static bool load_collateral(teeattest_ctx *ctx, const char *path,
                            teeattest_collateral **col)
{
    teeattest_error err = TEEATTEST_ERROR_INIT;
    struct stat st;
    if (stat(path, &st) != 0) {
        cli_error(CMD, "cannot read --collateral %s: %s", path, strerror(errno));
        return false;
    }
    int rc;
    if (S_ISDIR(st.st_mode)) {
        rc = teeattest_collateral_load_dir(ctx, col, path, &err);
    } else {
        struct cli_file f = {0};
        if (!cli_read_file(CMD, "collateral", path, &f))
            return false;
        rc = teeattest_collateral_parse_json(ctx, col, f.data, f.len, &err);
        cli_file_free(&f);
    }
    if (rc != TEEATTEST_OK) {
        cli_error(CMD, "--collateral %s: %s", path,
                  err.message[0] ? err.message : teeattest_status_str(rc));
        return false;
    }
    return true;
}

int cmd_quote(int argc, char **argv)
{
    struct cli_opt opts[] = {
        {"quote", true, false, NULL},
        {"collateral", true, false, NULL},
        {"pccs", true, false, NULL},
        {"cache-dir", true, false, NULL},
        {"no-cache", false, false, NULL},
        {"at", true, false, NULL},
        {"json", false, false, NULL},
        {"accept", true, false, NULL},
        {"allow-expired-collateral", false, false, NULL},
        {"allow-debug", false, false, NULL},
        {"allow-mrservicetd", false, false, NULL},
        {"expect-mrtd", true, false, NULL},
        {"expect-rtmr0", true, false, NULL},
        {"expect-rtmr1", true, false, NULL},
        {"expect-rtmr2", true, false, NULL},
        {"expect-rtmr3", true, false, NULL},
        {"expect-mrconfigid", true, false, NULL},
        {"test-root", true, false, NULL},
        {"min-tcb-eval", true, false, NULL},
        {"explain", false, false, NULL},
        {NULL, false, false, NULL},
    };
    bool help;
    if (!cli_parse_opts(CMD, opts, argc, argv, 2, &help))
        return CLI_USAGE;
    if (help) {
        help_quote(stdout);
        return CLI_OK;
    }
    const struct cli_opt *o_quote = cli_opt(opts, "quote");
    const struct cli_opt *o_col = cli_opt(opts, "collateral");
    const struct cli_opt *o_pccs = cli_opt(opts, "pccs");
    const struct cli_opt *o_at = cli_opt(opts, "at");
    const struct cli_opt *o_cache = cli_opt(opts, "cache-dir");
    const struct cli_opt *o_accept = cli_opt(opts, "accept");
    bool json = cli_opt(opts, "json")->seen;
    if (!o_quote->seen) {
        cli_error(CMD, "missing --quote (see 'teeattest quote --help')");
        return CLI_USAGE;
    }
    if (o_col->seen == o_pccs->seen) {
        cli_error(CMD, o_col->seen ? "give either --collateral or --pccs, not "
                                     "both"
                                   : "missing --collateral DIR|FILE or --pccs "
                                     "URL (see 'teeattest quote --help')");
        return CLI_USAGE;
    }
    if (o_cache->seen && !o_pccs->seen) {
        cli_error(CMD, "--cache-dir needs --pccs (it caches fetched "
                  "collateral)");
        return CLI_USAGE;
    }
    if (o_cache->seen && !o_cache->value[0]) {
        cli_error(CMD, "--cache-dir: empty directory name");
        return CLI_USAGE;
    }
    if (o_cache->seen && cli_opt(opts, "no-cache")->seen) {
        cli_error(CMD, "give either --cache-dir or --no-cache, not both");
        return CLI_USAGE;
    }
    int64_t at = 0;
    if (o_at->seen && !cli_parse_unix_time(CMD, "at", o_at->value, &at)) {
        return CLI_USAGE;
    }
    uint32_t mask = 0;
    if (o_accept->seen && !cli_parse_statuses(CMD, o_accept->value, &mask))
        return CLI_USAGE;
    uint32_t min_eval = 0;
    if (cli_opt(opts, "min-tcb-eval")->seen &&
        !cli_parse_min_tcb_eval(CMD, cli_opt(opts, "min-tcb-eval")->value,
                                &min_eval))
        return CLI_USAGE;

    int rc = CLI_USAGE;
    teeattest_ctx *ctx = NULL;
    teeattest_policy *pol = NULL;
    teeattest_collateral *col = NULL;
    teeattest_result *res = NULL;
    struct cli_file qf = {0};
    uint8_t *quote = NULL;
    size_t quote_len = 0;
    const char *form = NULL;
    char *lib_cache = NULL;
    teeattest_error err = TEEATTEST_ERROR_INIT;

    if (!cli_read_file(CMD, "quote", o_quote->value, &qf))
        goto out;
    if (!decode_quote(&qf, &quote, &quote_len, &form)) {
        cli_error(CMD, "--quote %s: neither a binary quote nor hex or base64 "
                  "text", o_quote->value);
        goto out;
    }
    if (quote_len > TEEATTEST_TDX_QUOTE_MAX) {
        cli_error(CMD, "--quote %s: %zu bytes, more than any quote (limit %u)",
                  o_quote->value, quote_len, (unsigned)TEEATTEST_TDX_QUOTE_MAX);
        goto out;
    }

    /* --pccs without --cache-dir: the library's on-disk cache (default
     * directory, or none with --no-cache); --cache-dir DIR keeps its own
     * collateral directories instead (pccs_collateral). */
    if (o_pccs->seen && !o_cache->seen &&
        !cli_cache_dir(CMD, opts, &lib_cache))
        goto out;
    if (!cli_ctx_new_cached(CMD, lib_cache, &ctx))
        goto out;
    int st = teeattest_policy_new(ctx, &pol, &err);
    if (st != TEEATTEST_OK) {
        cli_error(CMD, "%s", err.message[0] ? err.message
                                             : teeattest_status_str(st));
        goto out;
    }
    if ((o_at->seen && teeattest_policy_set_time(pol, at, NULL) != TEEATTEST_OK) ||
        (mask && teeattest_policy_set_tdx_statuses(pol, mask, NULL) != TEEATTEST_OK) ||
        teeattest_policy_set_allow_expired_collateral(
            pol, cli_opt(opts, "allow-expired-collateral")->seen, NULL) != TEEATTEST_OK ||
        teeattest_policy_set_allow_debug(
            pol, cli_opt(opts, "allow-debug")->seen, NULL) != TEEATTEST_OK ||
        teeattest_policy_set_allow_mrservicetd(
            pol, cli_opt(opts, "allow-mrservicetd")->seen, NULL) != TEEATTEST_OK ||
        teeattest_policy_set_min_tcb_eval(pol, min_eval, NULL) != TEEATTEST_OK) {
        cli_error(CMD, "cannot set up the policy");
        goto out;
    }
    if (cli_opt(opts, "test-root")->seen &&
        !cli_set_test_root(CMD, pol, cli_opt(opts, "test-root")->value))
        goto out;
    for (size_t i = 0; i < N_REGISTERS; i++) {
        const struct cli_opt *o = cli_opt(opts, registers[i].option);
        if (o->seen && !add_measurements(pol, registers[i].option,
                                         registers[i].reg, o->value))
            goto out;
    }

    if (o_col->seen) {
        if (!load_collateral(ctx, o_col->value, &col))
            goto out;
    } else if (!pccs_collateral(ctx, o_pccs->value,
                                o_cache->seen ? o_cache->value : NULL, quote,
                                quote_len, o_at->seen ? at
                                                      : teeattest_ctx_now(ctx),
                                json, &col)) {
        goto out;
    }

    st = teeattest_tdx_verify(ctx, &res, quote, quote_len, col, pol, &err);
    if (st != TEEATTEST_OK) {
        cli_error(CMD, "%s", err.message[0] ? err.message
                                             : teeattest_status_str(st));
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
        printf("quote: %zu bytes (%s)\n", quote_len, form);
        print_report(res, cli_opt(opts, "explain")->seen);
    }
    rc = teeattest_result_verdict(res) == TEEATTEST_VERDICT_VERIFIED
             ? CLI_OK : CLI_FAILED;
out:
    teeattest_result_free(res);
    teeattest_collateral_free(col);
    teeattest_policy_free(pol);
    teeattest_ctx_free(ctx);
    cli_file_free(&qf);
    free(quote);
    free(lib_cache);
    return rc;
}
