/*
 * teeattest gpu: verify the confidential-computing evidence of NVIDIA GPUs
 * (SPDM measurements, device chain, RIMs, OCSP, NRAS) with material from
 * files or fetched from NVIDIA's services.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define CMD "gpu"

/* The environment variable holding the NVIDIA service key (never printed). */
#define SERVICE_KEY_ENV "NVIDIA_SERVICE_KEY"

void help_gpu(FILE *f)
{
    fputs("Usage: teeattest gpu --evidence FILE --nonce HEX\n"
          "           [--rim-dir DIR] [--rim FILE]... [--ocsp-dir DIR]\n"
          "           [--nras-response FILE [--jwks FILE]... | --nras URL]\n"
          "           [--online LIST] [--rim-url URL] [--ocsp-url URL]\n"
          "           [--jwks-url URL] [--nras-version 3|4]\n"
          "           [--mode auto|local|remote|both] [--rim-check default|require|skip]\n"
          "           [--ocsp-check default|require|skip]\n"
          "           [--ocsp-nonce require|optional|none] [--allow-cert-hold]\n"
          "           [--min-gpus N] [--save-dir DIR] [--at UNIX] [--json]\n"
          "           [--cache-dir DIR | --no-cache]\n"
          "\n"
          "Verify the confidential-computing evidence of one system's NVIDIA GPUs\n"
          "(H100/H200, Blackwell): per GPU the SPDM measurement signature, the\n"
          "device certificate chain to the NVIDIA Device Identity CA, the nonce and\n"
          "the FWID; the measurements against NVIDIA's signed Reference Integrity\n"
          "Manifests (RIMs) and/or by NVIDIA's Remote Attestation Service (NRAS);\n"
          "revocation by OCSP. Offline unless --nras or --online says otherwise.\n"
          "\n"
          "Options:\n"
          "  --evidence FILE           the GPU payload JSON as the provider or NRAS\n"
          "                            takes it (an object with \"evidence_list\", the\n"
          "                            same as a JSON string, or a bare array); '-'\n"
          "                            for standard input\n"
          "  --nonce HEX               the 32-byte nonce the GPUs must have signed\n"
          "                            (64 hex digits, optional 0x): yours, or the\n"
          "                            value the provider's protocol derives from it\n"
          "  --rim-dir DIR             saved RIMs: DIR/<id>.xml (RIM document) and\n"
          "                            DIR/<id>.json (RIM service answer)\n"
          "  --rim FILE                one RIM XML (or RIM service JSON); repeatable.\n"
          "                            A file name like NV_GPU_<...>.xml gives the RIM\n"
          "                            id; other RIMs are matched by version\n"
          "  --ocsp-dir DIR            saved OCSP responses: DIR/*.der\n"
          "  --nras-response FILE      a saved NRAS answer (the detached EAT body)\n"
          "  --jwks FILE               an NRAS JWKS document; repeatable (keys merged;\n"
          "                            a kid given two different keys fails). A key\n"
          "                            counts only through its x5c chain\n"
          "  --nras URL                ask NRAS at this base URL ('nvidia' for\n"
          "                            " TEEATTEST_NVIDIA_NRAS_URL ");\n"
          "                            turns on the nras and jwks services\n"
          "  --online LIST             services that may be called, comma-separated:\n"
          "                            nras, rim, ocsp, jwks, all\n"
          "  --rim-url URL             RIM service root (default\n"
          "                            " TEEATTEST_NVIDIA_RIM_URL ")\n"
          "  --ocsp-url URL            OCSP responder (default: each certificate's\n"
          "                            responder, else " TEEATTEST_NVIDIA_OCSP_URL ")\n"
          "  --jwks-url URL            NRAS JWKS document (default: the NRAS root +\n"
          "                            /.well-known/jwks.json)\n"
          "  --nras-version 3|4        NRAS API version when asking NRAS (default 3)\n"
          "  --mode MODE               how measurements are judged: auto (default:\n"
          "                            by NRAS when an NRAS answer is at hand, else\n"
          "                            by RIMs), local (RIMs only), remote (NRAS\n"
          "                            only), both (both required)\n"
          "  --rim-check default|require|skip  local RIM comparison: as the\n"
          "                            mode says, always required, or not run\n"
          "  --ocsp-check default|require|skip  OCSP of device and RIM signer chains:\n"
          "                            required when OCSP is online, else saved\n"
          "                            answers checked (default); every certificate\n"
          "                            needs a good answer; not checked\n"
          "  --ocsp-nonce require|optional|none  OCSP request nonce: the answer\n"
          "                            must echo it (default), may lack it (saved\n"
          "                            answers), none sent\n"
          "  --allow-cert-hold         accept certificates on hold (reported as WARN)\n"
          "  --min-gpus N              the evidence must hold at least N GPUs (1-64,\n"
          "                            default 1)\n"
          "  --save-dir DIR            after verification, write everything used or\n"
          "                            fetched: DIR/rim/<id>.xml, DIR/rim_<n>.xml\n"
          "                            (RIMs without id), DIR/ocsp/<n>.der,\n"
          "                            DIR/nras_response.json, DIR/jwks_<n>.json;\n"
          "                            existing files are never overwritten\n"
          "  --at UNIX                 verification time in Unix seconds,\n"
          "                            " CLI_TIME_RANGE_HELP " (default: now)\n"
          "  --json                    print the result as JSON only\n"
          CLI_CACHE_OPTIONS_HELP
          "  -h, --help                show this help\n"
          "\n"
          "Environment: " SERVICE_KEY_ENV ", when set, is sent as the NVIDIA\n"
          "service key to NRAS, the RIM service and the OCSP responder.\n"
          "\n"
          "Output: one line per check (PASS, FAIL, SKIP or WARN), the GPUs, then\n"
          "'verdict: verified' or 'verdict: FAILED'. Check names: docs/checks.md.\n"
          CLI_OUTCOMES_HELP
          "\n"
          "Exit status: 0 verified, 1 verification failed, 2 usage or input error\n"
          "(unreadable file, bad nonce, unknown option value, material that cannot\n"
          "be loaded, --save-dir that cannot be written).\n", f);
}

/* ---- option values ---------------------------------------------------- */

static bool parse_small_uint(const char *s, unsigned long max,
                             unsigned long *out)
{
    if (!s || !isdigit((unsigned char)s[0]))
        return false;
    errno = 0;
    char *end = NULL;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v > max)
        return false;
    *out = v;
    return true;
}

struct keyword {
    const char *word;
    int32_t value;
};

/* The value of a keyword option; a usage message listing the choices when
 * it is none of them. */
static bool parse_keyword(const char *option, const char *s,
                          const struct keyword *kw, size_t n, int32_t *out)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(s, kw[i].word) == 0) {
            *out = kw[i].value;
            return true;
        }
    }
    char choices[128] = "";
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(choices);
        snprintf(choices + l, sizeof choices - l, "%s%s", i ? ", " : "",
                 kw[i].word);
    }
    cli_error(CMD, "--%s: unknown value '%s' (one of %s)", option, s, choices);
    return false;
}

static const struct keyword modes[] = {
    {"auto", TEEATTEST_GPU_MODE_AUTO},
    {"local", TEEATTEST_GPU_MODE_LOCAL},
    {"remote", TEEATTEST_GPU_MODE_REMOTE},
    {"both", TEEATTEST_GPU_MODE_BOTH},
};

static const struct keyword requirements[] = {
    {"default", TEEATTEST_GPU_DEFAULT},
    {"require", TEEATTEST_GPU_REQUIRE},
    {"skip", TEEATTEST_GPU_SKIP},
};

static const struct keyword ocsp_nonces[] = {
    {"require", TEEATTEST_GPU_OCSP_NONCE_REQUIRE},
    {"optional", TEEATTEST_GPU_OCSP_NONCE_OPTIONAL},
    {"none", TEEATTEST_GPU_OCSP_NONCE_NONE},
};

static const struct keyword services[] = {
    {"nras", (int32_t)TEEATTEST_GPU_ONLINE_NRAS},
    {"rim", (int32_t)TEEATTEST_GPU_ONLINE_RIM},
    {"ocsp", (int32_t)TEEATTEST_GPU_ONLINE_OCSP},
    {"jwks", (int32_t)TEEATTEST_GPU_ONLINE_JWKS},
    {"all", (int32_t)TEEATTEST_GPU_ONLINE_ALL},
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* "nras,ocsp" into a TEEATTEST_GPU_ONLINE_* mask. */
static bool parse_online(const char *s, uint32_t *mask)
{
    *mask = 0;
    const char *p = s;
    while (p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char word[16];
        if (n == 0 || n >= sizeof word) {
            cli_error(CMD, "--online: unknown service '%.*s' (one of nras, "
                      "rim, ocsp, jwks, all)", (int)(n > 40 ? 40 : n), p);
            return false;
        }
        memcpy(word, p, n);
        word[n] = '\0';
        int32_t bit = 0;
        if (!parse_keyword("online", word, services, N_OF(services), &bit))
            return false;
        *mask |= (uint32_t)bit;
        p = e ? e + 1 : NULL;
    }
    return true;
}

/* A RIM file name's stem ("NV_GPU_DRIVER_GH100_550.90.07" of
 * "dir/NV_GPU_DRIVER_GH100_550.90.07.xml") when it is an NVIDIA RIM id,
 * else NULL. */
static const char *rim_id_of_path(const char *path, char *buf, size_t cap)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (strncmp(base, "NV_GPU_", 7) != 0)
        return NULL;
    size_t n = strlen(base);
    const char *dot = strrchr(base, '.');
    if (dot && (strcmp(dot, ".xml") == 0 || strcmp(dot, ".json") == 0 ||
                strcmp(dot, ".XML") == 0 || strcmp(dot, ".JSON") == 0))
        n = (size_t)(dot - base);
    if (n >= cap)
        return NULL;
    memcpy(buf, base, n);
    buf[n] = '\0';
    return buf;
}

/* ---- loading material ------------------------------------------------- */

static bool add_file(teeattest_gpu_inputs *in, int32_t kind,
                     const char *option, const char *path, const char *id)
{
    struct cli_file f = {0};
    if (!cli_read_file(CMD, option, path, &f))
        return false;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    int st = teeattest_gpu_inputs_add(in, kind, id, f.data, f.len, &err);
    cli_file_free(&f);
    if (st != TEEATTEST_OK) {
        cli_error(CMD, "--%s %s: %s", option, path,
                  err.message[0] ? err.message : teeattest_status_str(st));
        return false;
    }
    return true;
}

static bool add_dir(teeattest_gpu_inputs *in, int32_t kind,
                    const char *option, const char *dir)
{
    teeattest_error err = TEEATTEST_ERROR_INIT;
    int st = teeattest_gpu_inputs_add_dir(in, kind, dir, &err);
    if (st != TEEATTEST_OK) {
        cli_error(CMD, "--%s %s: %s", option, dir,
                  err.message[0] ? err.message : teeattest_status_str(st));
        return false;
    }
    return true;
}

static bool set_url(teeattest_gpu_inputs *in, uint32_t service,
                    const char *option, const char *url)
{
    teeattest_error err = TEEATTEST_ERROR_INIT;
    int st = teeattest_gpu_inputs_set_url(in, service, url, &err);
    if (st != TEEATTEST_OK) {
        cli_error(CMD, "--%s %s: %s", option, url,
                  err.message[0] ? err.message : teeattest_status_str(st));
        return false;
    }
    return true;
}

/* ---- --save-dir ------------------------------------------------------- */

/* A RIM id usable as a file name (the library only keeps ids of these
 * characters, but the saved name must never depend on that). */
static bool safe_name(const char *id)
{
    if (!id || !id[0] || id[0] == '.' || strlen(id) > 200)
        return false;
    for (const char *p = id; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '.' || *p == '_' ||
              *p == '-'))
            return false;
    return true;
}

static bool save_inputs(const teeattest_gpu_inputs *in, const char *dir,
                        size_t counts[4])
{
    char path[4096], sub[4096], name[256];
    if (!cli_make_dir(CMD, dir))
        return false;
    if (!cli_join_path(CMD, sub, sizeof sub, dir, "rim", NULL) ||
        !cli_make_dir(CMD, sub))
        return false;
    size_t n = teeattest_gpu_inputs_count(in, TEEATTEST_GPU_ITEM_RIM);
    size_t unnamed = 0;
    for (size_t i = 0; i < n; i++) {
        const char *id = NULL;
        const uint8_t *data = NULL;
        size_t len = 0;
        if (teeattest_gpu_inputs_get(in, TEEATTEST_GPU_ITEM_RIM, i, &id,
                                     &data, &len, NULL) != TEEATTEST_OK)
            continue;
        bool ok;
        if (safe_name(id)) {
            snprintf(name, sizeof name, "%s.xml", id);
            ok = cli_join_path(CMD, path, sizeof path, sub, name, NULL);
        } else {
            /* Not in rim/: --rim-dir would take the file name as its id. */
            snprintf(name, sizeof name, "rim_%zu.xml", ++unnamed);
            ok = cli_join_path(CMD, path, sizeof path, dir, name, NULL);
        }
        if (!ok || !cli_write_new_file(CMD, path, data, len))
            return false;
        counts[0]++;
    }
    if (!cli_join_path(CMD, sub, sizeof sub, dir, "ocsp", NULL) ||
        !cli_make_dir(CMD, sub))
        return false;
    n = teeattest_gpu_inputs_count(in, TEEATTEST_GPU_ITEM_OCSP);
    for (size_t i = 0; i < n; i++) {
        const uint8_t *data = NULL;
        size_t len = 0;
        if (teeattest_gpu_inputs_get(in, TEEATTEST_GPU_ITEM_OCSP, i, NULL,
                                     &data, &len, NULL) != TEEATTEST_OK)
            continue;
        snprintf(name, sizeof name, "%zu.der", i + 1);
        if (!cli_join_path(CMD, path, sizeof path, sub, name, NULL) ||
            !cli_write_new_file(CMD, path, data, len))
            return false;
        counts[1]++;
    }
    n = teeattest_gpu_inputs_count(in, TEEATTEST_GPU_ITEM_NRAS_RESPONSE);
    for (size_t i = 0; i < n && i < 1; i++) {
        const uint8_t *data = NULL;
        size_t len = 0;
        if (teeattest_gpu_inputs_get(in, TEEATTEST_GPU_ITEM_NRAS_RESPONSE, i,
                                     NULL, &data, &len, NULL) != TEEATTEST_OK)
            continue;
        if (!cli_join_path(CMD, path, sizeof path, dir, "nras_response.json",
                           NULL) ||
            !cli_write_new_file(CMD, path, data, len))
            return false;
        counts[2]++;
    }
    n = teeattest_gpu_inputs_count(in, TEEATTEST_GPU_ITEM_JWKS);
    for (size_t i = 0; i < n; i++) {
        const uint8_t *data = NULL;
        size_t len = 0;
        if (teeattest_gpu_inputs_get(in, TEEATTEST_GPU_ITEM_JWKS, i, NULL,
                                     &data, &len, NULL) != TEEATTEST_OK)
            continue;
        snprintf(name, sizeof name, "jwks_%zu.json", i + 1);
        if (!cli_join_path(CMD, path, sizeof path, dir, name, NULL) ||
            !cli_write_new_file(CMD, path, data, len))
            return false;
        counts[3]++;
    }
    return true;
}

/* ---- output ----------------------------------------------------------- */

/* Fact "gpu[i].<field>", or its "unverified." form (cli_fact). */
static const char *fact_at(const teeattest_result *res, size_t i,
                           const char *field)
{
    char key[96];
    bool unv;
    snprintf(key, sizeof key, "gpu[%zu].%s", i, field);
    return cli_fact(res, key, &unv);
}

static void print_value(const char *label, const char *v)
{
    if (!v)
        return;
    fputs(label, stdout);
    cli_fputs_safe(v, stdout);
}

static void print_report(const teeattest_result *res)
{
    cli_print_checks(res, "");
    bool unv;
    const char *count = cli_fact(res, "gpu.count", &unv);
    unsigned long n = 0;
    if (count && parse_small_uint(count, 1024, &n)) {
        /* A failed verdict vouches for none of the values listed. */
        printf("%sgpus: %lu\n", unv ? "unverified " : "", n);
        for (size_t i = 0; i < n; i++) {
            printf("  gpu[%zu]", i);
            print_value(" ", fact_at(res, i, "arch"));
            print_value(" model ", fact_at(res, i, "hwmodel"));
            print_value(" driver ", fact_at(res, i, "driver_version"));
            print_value(" vbios ", fact_at(res, i, "vbios_version"));
            print_value(" serial ", fact_at(res, i, "serial"));
            fputc('\n', stdout);
        }
    }
    const char *m = cli_fact(res, "gpu.measurements", &unv);
    fputs(m && unv ? "unverified measurements judged by: "
                   : "measurements judged by: ", stdout);
    cli_fputs_safe(m ? m : "none", stdout);
    fputc('\n', stdout);
    printf("verdict: %s\n",
           teeattest_result_verdict(res) == TEEATTEST_VERDICT_VERIFIED
               ? "verified" : "FAILED");
}

/* ---- command ------------------------------------------------------------ */

int cmd_gpu(int argc, char **argv)
{
    /* --help wins over any mistake elsewhere, as in cli_parse_opts(). */
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            help_gpu(stdout);
            return CLI_OK;
        }
    }
    int rc = CLI_USAGE;
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    const char **rim_values = calloc((size_t)argc + 1, sizeof *rim_values);
    const char **jwks_values = calloc((size_t)argc + 1, sizeof *jwks_values);
    teeattest_ctx *ctx = NULL;
    teeattest_policy *pol = NULL;
    teeattest_gpu_inputs *in = NULL;
    teeattest_result *res = NULL;
    struct cli_file ev = {0};
    char *cache_dir = NULL;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    if (!rest || !rim_values || !jwks_values) {
        cli_error(CMD, "out of memory");
        goto out;
    }
    /* --rim and --jwks may be repeated: taken out before cli_parse_opts. */
    struct cli_repeated reps[] = {{"rim", rim_values, 0},
                                  {"jwks", jwks_values, 0}};
    int rest_argc = 0;
    if (!cli_take_repeated(CMD, argc, argv, 2, reps, N_OF(reps), &rest_argc,
                           rest))
        goto out;

    struct cli_opt opts[] = {
        {"evidence", true, false, NULL},
        {"nonce", true, false, NULL},
        {"rim-dir", true, false, NULL},
        {"ocsp-dir", true, false, NULL},
        {"nras-response", true, false, NULL},
        {"nras", true, false, NULL},
        {"online", true, false, NULL},
        {"rim-url", true, false, NULL},
        {"ocsp-url", true, false, NULL},
        {"jwks-url", true, false, NULL},
        {"nras-version", true, false, NULL},
        {"mode", true, false, NULL},
        {"rim-check", true, false, NULL},
        {"ocsp-check", true, false, NULL},
        {"ocsp-nonce", true, false, NULL},
        {"allow-cert-hold", false, false, NULL},
        {"min-gpus", true, false, NULL},
        {"save-dir", true, false, NULL},
        {"at", true, false, NULL},
        {"json", false, false, NULL},
        CLI_CACHE_OPTIONS,
        {NULL, false, false, NULL},
    };
    bool help;
    if (!cli_parse_opts(CMD, opts, rest_argc, rest, 2, &help))
        goto out;
    const struct cli_opt *o_ev = cli_opt(opts, "evidence");
    const struct cli_opt *o_nonce = cli_opt(opts, "nonce");
    const struct cli_opt *o_nras = cli_opt(opts, "nras");
    const struct cli_opt *o_nras_resp = cli_opt(opts, "nras-response");
    const struct cli_opt *o_online = cli_opt(opts, "online");
    const struct cli_opt *o_nras_ver = cli_opt(opts, "nras-version");
    const struct cli_opt *o_mode = cli_opt(opts, "mode");
    const struct cli_opt *o_ocsp = cli_opt(opts, "ocsp-check");
    const struct cli_opt *o_rim_check = cli_opt(opts, "rim-check");
    const struct cli_opt *o_ocsp_nonce = cli_opt(opts, "ocsp-nonce");
    const struct cli_opt *o_min = cli_opt(opts, "min-gpus");
    const struct cli_opt *o_save = cli_opt(opts, "save-dir");
    const struct cli_opt *o_at = cli_opt(opts, "at");
    bool json = cli_opt(opts, "json")->seen;

    if (!o_ev->seen) {
        cli_error(CMD, "missing --evidence FILE (see 'teeattest gpu --help')");
        goto out;
    }
    if (!o_nonce->seen) {
        cli_error(CMD, "missing --nonce HEX (see 'teeattest gpu --help')");
        goto out;
    }
    uint8_t nonce[32];
    if (!cli_parse_hex_exact(o_nonce->value, strlen(o_nonce->value), nonce,
                             sizeof nonce)) {
        cli_error(CMD, "--nonce: expected 64 hex digits (32 bytes), got '%.80s'",
                  o_nonce->value);
        goto out;
    }
    if (o_nras->seen && o_nras_resp->seen) {
        cli_error(CMD, "give either --nras-response FILE or --nras URL, not "
                  "both");
        goto out;
    }
    const char *rim_req = o_rim_check->seen ? o_rim_check->value : NULL;
    size_t n_rim_files = reps[0].n;
    int64_t at = 0;
    if (o_at->seen && !cli_parse_unix_time(CMD, "at", o_at->value, &at)) {
        goto out;
    }
    int32_t mode = TEEATTEST_GPU_MODE_AUTO, rim_mode = TEEATTEST_GPU_DEFAULT,
            ocsp_mode = TEEATTEST_GPU_DEFAULT,
            ocsp_nonce = TEEATTEST_GPU_OCSP_NONCE_REQUIRE;
    if (o_mode->seen &&
        !parse_keyword("mode", o_mode->value, modes, N_OF(modes), &mode))
        goto out;
    if (rim_req && !parse_keyword("rim-check", rim_req, requirements,
                                  N_OF(requirements), &rim_mode))
        goto out;
    if (o_ocsp->seen && !parse_keyword("ocsp-check", o_ocsp->value, requirements,
                                       N_OF(requirements), &ocsp_mode))
        goto out;
    if (o_ocsp_nonce->seen &&
        !parse_keyword("ocsp-nonce", o_ocsp_nonce->value, ocsp_nonces,
                       N_OF(ocsp_nonces), &ocsp_nonce))
        goto out;
    unsigned long min_gpus = 0, nras_version = 0;
    if (o_min->seen &&
        (!parse_small_uint(o_min->value, 64, &min_gpus) || min_gpus == 0)) {
        cli_error(CMD, "--min-gpus: expected a number from 1 to 64, got '%s'",
                  o_min->value);
        goto out;
    }
    if (o_nras_ver->seen &&
        (!parse_small_uint(o_nras_ver->value, 9, &nras_version) ||
         (nras_version != 3 && nras_version != 4))) {
        cli_error(CMD, "--nras-version: expected 3 or 4, got '%s'",
                  o_nras_ver->value);
        goto out;
    }
    uint32_t online = 0;
    if (o_online->seen && !parse_online(o_online->value, &online))
        goto out;
    if (o_nras->seen)
        online |= TEEATTEST_GPU_ONLINE_NRAS | TEEATTEST_GPU_ONLINE_JWKS;

    if (!cli_read_file(CMD, "evidence", o_ev->value, &ev))
        goto out;
    if (ev.len > TEEATTEST_GPU_PAYLOAD_MAX) {
        cli_error(CMD, "--evidence %s: %zu bytes, more than any GPU payload "
                  "(limit %u)", o_ev->value, ev.len,
                  (unsigned)TEEATTEST_GPU_PAYLOAD_MAX);
        goto out;
    }

    if (!cli_cache_dir(CMD, opts, &cache_dir) ||
        !cli_ctx_new_cached(CMD, cache_dir, &ctx))
        goto out;
    int st = teeattest_policy_new(ctx, &pol, &err);
    if (st == TEEATTEST_OK)
        st = teeattest_gpu_inputs_new(ctx, &in, &err);
    if (st != TEEATTEST_OK) {
        cli_error(CMD, "%s", err.message[0] ? err.message
                                             : teeattest_status_str(st));
        goto out;
    }
    if ((o_at->seen && teeattest_policy_set_time(pol, at, NULL) != TEEATTEST_OK) ||
        teeattest_policy_set_gpu_mode(pol, mode, NULL) != TEEATTEST_OK ||
        teeattest_policy_set_gpu_rim(pol, rim_mode, NULL) != TEEATTEST_OK ||
        teeattest_policy_set_gpu_ocsp(pol, ocsp_mode, NULL) != TEEATTEST_OK ||
        teeattest_policy_set_gpu_ocsp_nonce(pol, ocsp_nonce, NULL) != TEEATTEST_OK ||
        teeattest_policy_set_gpu_allow_cert_hold(
            pol, cli_opt(opts, "allow-cert-hold")->seen, NULL) != TEEATTEST_OK ||
        teeattest_policy_set_gpu_min_count(pol, (uint32_t)min_gpus, NULL) !=
            TEEATTEST_OK) {
        cli_error(CMD, "cannot set up the policy");
        goto out;
    }

    /* material */
    const struct cli_opt *o_rim_dir = cli_opt(opts, "rim-dir");
    const struct cli_opt *o_ocsp_dir = cli_opt(opts, "ocsp-dir");
    if (o_rim_dir->seen &&
        !add_dir(in, TEEATTEST_GPU_ITEM_RIM, "rim-dir", o_rim_dir->value))
        goto out;
    for (size_t i = 0; i < n_rim_files; i++) {
        char idbuf[256];
        const char *id = rim_id_of_path(rim_values[i], idbuf, sizeof idbuf);
        if (!add_file(in, TEEATTEST_GPU_ITEM_RIM, "rim", rim_values[i], id))
            goto out;
    }
    if (o_ocsp_dir->seen &&
        !add_dir(in, TEEATTEST_GPU_ITEM_OCSP, "ocsp-dir", o_ocsp_dir->value))
        goto out;
    if (o_nras_resp->seen &&
        !add_file(in, TEEATTEST_GPU_ITEM_NRAS_RESPONSE, "nras-response",
                  o_nras_resp->value, NULL))
        goto out;
    for (size_t i = 0; i < reps[1].n; i++)
        if (!add_file(in, TEEATTEST_GPU_ITEM_JWKS, "jwks", jwks_values[i],
                      NULL))
            goto out;

    /* services */
    if (o_nras->seen &&
        !set_url(in, TEEATTEST_GPU_ONLINE_NRAS, "nras",
                 strcmp(o_nras->value, "nvidia") == 0 ? NULL : o_nras->value))
        goto out;
    static const struct {
        const char *option;
        uint32_t service;
    } urls[] = {
        {"rim-url", TEEATTEST_GPU_ONLINE_RIM},
        {"ocsp-url", TEEATTEST_GPU_ONLINE_OCSP},
        {"jwks-url", TEEATTEST_GPU_ONLINE_JWKS},
    };
    for (size_t i = 0; i < N_OF(urls); i++) {
        const struct cli_opt *o = cli_opt(opts, urls[i].option);
        if (o->seen && !set_url(in, urls[i].service, urls[i].option, o->value))
            goto out;
    }
    if (teeattest_gpu_inputs_set_online(in, online, NULL) != TEEATTEST_OK ||
        (o_nras_ver->seen &&
         teeattest_gpu_inputs_set_nras_version(in, (int32_t)nras_version, NULL) !=
             TEEATTEST_OK)) {
        cli_error(CMD, "cannot set up the online services");
        goto out;
    }
    const char *key = getenv(SERVICE_KEY_ENV);
    if (key && key[0] &&
        teeattest_gpu_inputs_set_service_key(in, key, NULL) != TEEATTEST_OK) {
        /* the key itself is never printed */
        cli_error(CMD, "cannot use the service key in " SERVICE_KEY_ENV);
        goto out;
    }

    st = teeattest_gpu_verify(ctx, &res, ev.data, ev.len, nonce, sizeof nonce,
                              in, pol, &err);
    if (st != TEEATTEST_OK) {
        cli_error(CMD, "%s", err.message[0] ? err.message
                                             : teeattest_status_str(st));
        goto out;
    }
    /* Saved before the report is printed, so that the verdict stays the
     * last line; a save that fails is an error (exit 2) after the report. */
    bool saved = true;
    size_t counts[4] = {0, 0, 0, 0};
    if (o_save->seen)
        saved = save_inputs(in, o_save->value, counts);
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
        printf("evidence: %zu bytes\n", ev.len);
        if (o_save->seen && saved) {
            fputs("saved in ", stdout);
            cli_fputs_safe(o_save->value, stdout);
            printf(": %zu RIM(s), %zu OCSP response(s), %zu NRAS answer(s), "
                   "%zu JWKS\n", counts[0], counts[1], counts[2], counts[3]);
        }
        print_report(res);
    }
    if (!saved)
        rc = CLI_USAGE;
    else
        rc = teeattest_result_verdict(res) == TEEATTEST_VERDICT_VERIFIED
                 ? CLI_OK : CLI_FAILED;
out:
    teeattest_result_free(res);
    teeattest_gpu_inputs_free(in);
    teeattest_policy_free(pol);
    teeattest_ctx_free(ctx);
    cli_file_free(&ev);
    free(rest);
    free(rim_values);
    free(jwks_values);
    free(cache_dir);
    return rc;
}
