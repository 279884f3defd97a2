/*
 * teeattest command-line tool: the options, material loading and output
 * shared by the commands that verify attestation reports (`attest`, `chat
 * --save FILE` and `verify`).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cli.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ---- repeatable options ------------------------------------------------ */

bool cli_verify_args_take(const char *cmd, int argc, char **argv,
                          struct cli_verify_args *a)
{
    memset(a, 0, sizeof *a);
    a->rest = calloc((size_t)argc + 1, sizeof *a->rest);
    a->collateral = calloc((size_t)argc + 1, sizeof *a->collateral);
    a->jwks = calloc((size_t)argc + 1, sizeof *a->jwks);
    if (!a->rest || !a->collateral || !a->jwks) {
        cli_error(cmd, "out of memory");
        return false;
    }
    struct cli_repeated reps[] = {{"collateral", a->collateral, 0},
                                  {"jwks", a->jwks, 0}};
    if (!cli_take_repeated(cmd, argc, argv, 2, reps, N_OF(reps),
                           &a->rest_argc, a->rest))
        return false;
    a->n_collateral = reps[0].n;
    a->n_jwks = reps[1].n;
    return true;
}

void cli_verify_args_free(struct cli_verify_args *a)
{
    free(a->rest);
    free(a->collateral);
    free(a->jwks);
    memset(a, 0, sizeof *a);
}

/* ---- policy ------------------------------------------------------------ */

/* --test-root FILE: a DER certificate, or the first PEM certificate in the
 * file, into the policy (FOR TESTS: replaces Intel's root). */
bool cli_set_test_root(const char *cmd, teeattest_policy *pol,
                       const char *path)
{
    struct cli_file f = {0};
    if (!cli_read_file(cmd, "test-root", path, &f))
        return false;
    static const char begin[] = "-----BEGIN CERTIFICATE-----";
    static const char end[] = "-----END CERTIFICATE-----";
    uint8_t *der = NULL;
    size_t der_len = 0;
    bool ok = false;
    const uint8_t *b = memmem(f.data, f.len, begin, sizeof begin - 1);
    if (b) {
        b += sizeof begin - 1;
        const uint8_t *e = memmem(b, f.len - (size_t)(b - f.data), end,
                                  sizeof end - 1);
        der = e ? malloc((size_t)(e - b) + 1) : NULL;
        ok = der && cli_decode_base64(b, (size_t)(e - b), der, &der_len);
    } else if (f.len && f.data[0] == 0x30) {
        der = malloc(f.len);
        if (der) {
            memcpy(der, f.data, f.len);
            der_len = f.len;
            ok = true;
        }
    }
    teeattest_error err = TEEATTEST_ERROR_INIT;
    int st = ok ? teeattest_policy_set_tdx_root(pol, der, der_len, &err)
                : TEEATTEST_E_PARSE;
    if (st != TEEATTEST_OK)
        cli_error(cmd, "--test-root %s: not a DER or PEM certificate (%s)",
                  path, ok ? err.message : teeattest_status_str(st));
    free(der);
    cli_file_free(&f);
    return st == TEEATTEST_OK;
}


/* "UpToDate,OutOfDate" (Intel's names, any case) into a status mask. */
bool cli_parse_statuses(const char *cmd, const char *s, uint32_t *mask)
{
    *mask = 0;
    const char *p = s;
    while (p && *p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        while (n && isspace((unsigned char)*p)) {
            p++;
            n--;
        }
        while (n && isspace((unsigned char)p[n - 1]))
            n--;
        bool found = false;
        for (int st = TEEATTEST_TDX_UP_TO_DATE; st <= TEEATTEST_TDX_REVOKED;
             st++) {
            const char *name = teeattest_tdx_status_name(st);
            if (strlen(name) == n && strncasecmp(name, p, n) == 0) {
                *mask |= TEEATTEST_TDX_STATUS_BIT(st);
                found = true;
            }
        }
        if (!found) {
            cli_error(cmd, "--accept: unknown TCB status '%.*s' (use Intel's "
                      "names: UpToDate, SWHardeningNeeded, "
                      "ConfigurationNeeded, OutOfDate, ...)", (int)n, p);
            return false;
        }
        p = e ? e + 1 : NULL;
    }
    if (!*mask) {
        cli_error(cmd, "--accept: no status given");
        return false;
    }
    return true;
}

static const struct {
    const char *option;
    int32_t kind;
    size_t len;
} identities[] = {
    {"expect-compose-hash", TEEATTEST_ID_COMPOSE_HASH, 32},
    {"expect-app-id", TEEATTEST_ID_APP_ID, 20},
    {"expect-os-image", TEEATTEST_ID_OS_IMAGE_HASH, 32},
    {"expect-image-digest", TEEATTEST_ID_IMAGE_DIGEST, 32},
    {"expect-gpu-policy-hash", TEEATTEST_ID_GPU_POLICY_HASH, 32},
    {"expect-init-script-hash", TEEATTEST_ID_INIT_SCRIPT_HASH, 32},
};

/* Comma-separated hex values of one identity ("sha256:" accepted). */
static bool add_identities(const char *cmd, teeattest_policy *pol,
                           const char *option, int32_t kind, size_t want,
                           const char *value)
{
    const char *p = value;
    do {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        const char *v = p;
        if (n > 7 && strncmp(v, "sha256:", 7) == 0) {
            v += 7;
            n -= 7;
        }
        uint8_t buf[32];
        if (!cli_parse_hex_exact(v, n, buf, want)) {
            cli_error(cmd, "--%s: expected %zu hex digits (%zu bytes), got "
                      "'%.*s'", option, 2 * want, want,
                      (int)(n > 120 ? 120 : n), v);
            return false;
        }
        int st = teeattest_policy_add_identity(pol, kind, buf, want, NULL);
        if (st != TEEATTEST_OK) {
            cli_error(cmd, "--%s: %s", option, teeattest_status_str(st));
            return false;
        }
        p = e ? e + 1 : NULL;
    } while (p);
    return true;
}

/* --tinfoil-release-bundle and its companions, --require-tinfoil-release. */
static bool tinfoil_release(const char *cmd, struct cli_opt *opts,
                            teeattest_policy *pol)
{
    const struct cli_opt *ob = cli_opt(opts, "tinfoil-release-bundle");
    const struct cli_opt *orp = cli_opt(opts, "tinfoil-repo");
    const struct cli_opt *od = cli_opt(opts, "tinfoil-release-digest");
    const struct cli_opt *ot = cli_opt(opts, "tinfoil-release-tag");
    if (teeattest_policy_set_require_tinfoil_release(
            pol, cli_opt(opts, "require-tinfoil-release")->seen, NULL)) {
        cli_error(cmd, "cannot set up the policy");
        return false;
    }
    if (ot->seen && !orp->seen) {
        cli_error(cmd, "--tinfoil-release-tag needs --tinfoil-repo");
        return false;
    }
    if (orp->seen && (ot->seen || !ob->seen)) {
        /* the release to discover (without a bundle), or the tag a given
         * bundle's workflow must run at */
        teeattest_error err = TEEATTEST_ERROR_INIT;
        if (teeattest_policy_set_tinfoil_release_repo(
                pol, orp->value, ot->seen ? ot->value : NULL, &err)) {
            cli_error(cmd, "Tinfoil release: %s", err.message);
            return false;
        }
    }
    if (!ob->seen) {
        if (od->seen) {
            cli_error(cmd, "--tinfoil-release-digest needs "
                      "--tinfoil-release-bundle");
            return false;
        }
        return true;
    }
    if (!orp->seen) {
        cli_error(cmd, "--tinfoil-release-bundle needs --tinfoil-repo");
        return false;
    }
    /* The trusted root itself is set with the provenance options; without
     * --sigstore-trusted-root the library's shipped default is used. */
    struct cli_file fb = {0};
    bool ok = false;
    if (cli_read_file(cmd, "--tinfoil-release-bundle", ob->value, &fb)) {
        teeattest_error err = TEEATTEST_ERROR_INIT;
        ok = teeattest_policy_set_tinfoil_release(
                 pol, fb.data, fb.len, orp->value,
                 od->seen ? od->value : NULL, &err) == TEEATTEST_OK;
        if (!ok)
            cli_error(cmd, "Tinfoil release: %s", err.message);
    }
    cli_file_free(&fb);
    return ok;
}

/* --tinfoil-hardware-bundle, --require-tinfoil-hardware. */
static bool tinfoil_hardware(const char *cmd, struct cli_opt *opts,
                             teeattest_policy *pol)
{
    const struct cli_opt *ob = cli_opt(opts, "tinfoil-hardware-bundle");
    if (teeattest_policy_set_require_tinfoil_hardware(
            pol, cli_opt(opts, "require-tinfoil-hardware")->seen, NULL)) {
        cli_error(cmd, "cannot set up the policy");
        return false;
    }
    if (!ob->seen)
        return true;
    /* The trusted root is the release's (--sigstore-trusted-root, else the
     * library's shipped default). */
    struct cli_file fb = {0};
    bool ok = false;
    if (cli_read_file(cmd, "--tinfoil-hardware-bundle", ob->value, &fb)) {
        teeattest_error err = TEEATTEST_ERROR_INIT;
        ok = teeattest_policy_set_tinfoil_hardware(pol, fb.data, fb.len,
                                                   &err) == TEEATTEST_OK;
        if (!ok)
            cli_error(cmd, "Tinfoil hardware measurements: %s", err.message);
    }
    cli_file_free(&fb);
    return ok;
}

/* One IMAGE=IDENTITY@ISSUER rule (the issuer follows the last '@'). */
static bool add_provenance_rule(const char *cmd, const char *option,
                                teeattest_policy *pol, const char *r,
                                size_t n, uint32_t flags)
{
    char *t = strndup(r, n);
    char *eq = t ? strchr(t, '=') : NULL;
    char *at = t ? strrchr(t, '@') : NULL;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    int st = TEEATTEST_E_INVALID_ARG;
    if (eq && at && at > eq + 1 && at[1]) {
        *eq = *at = '\0';
        st = teeattest_policy_add_provenance_identity(pol, t, eq + 1, at + 1,
                                                      flags, &err);
    }
    free(t);
    if (st != TEEATTEST_OK)
        cli_error(cmd, "--%s: expected IMAGE=IDENTITY@ISSUER, got '%.*s'%s%s",
                  option, (int)(n > 200 ? 200 : n), r, err.message[0] ? ": " : "",
                  err.message);
    return st == TEEATTEST_OK;
}

static bool provenance_apply(const char *cmd, struct cli_opt *opts,
                             teeattest_policy *pol)
{
    const struct cli_opt *o;
    if (teeattest_policy_set_require_provenance(
            pol, cli_opt(opts, "require-provenance")->seen, NULL) !=
        TEEATTEST_OK)
        return false;
    if ((o = cli_opt(opts, "provenance-identity"))->seen)
        for (const char *p = o->value; p;) {
            const char *e = strchr(p, ',');
            if (!add_provenance_rule(cmd, "provenance-identity", pol, p,
                                     e ? (size_t)(e - p) : strlen(p), 0))
                return false;
            p = e ? e + 1 : NULL;
        }
    if ((o = cli_opt(opts, "provenance-identity-regexp"))->seen &&
        !add_provenance_rule(cmd, "provenance-identity-regexp", pol, o->value,
                             strlen(o->value),
                             TEEATTEST_SIGSTORE_IDENTITY_REGEXP))
        return false;
    if ((o = cli_opt(opts, "sigstore-trusted-root"))->seen) {
        struct cli_file f = {0};
        teeattest_error err = TEEATTEST_ERROR_INIT;
        if (!cli_read_file(cmd, "sigstore-trusted-root", o->value, &f))
            return false;
        /* never NULL (that would restore the default): an empty file is
         * refused */
        int st = teeattest_policy_set_sigstore_trusted_root(
            pol, f.data ? f.data : (const uint8_t *)"", f.len, &err);
        cli_file_free(&f);
        if (st != TEEATTEST_OK) {
            cli_error(cmd, "--sigstore-trusted-root: %s", err.message);
            return false;
        }
    }
    return true;
}

bool cli_policy_apply(const char *cmd, struct cli_opt *opts,
                      teeattest_policy *pol)
{
    const struct cli_opt *o;
    if ((o = cli_opt(opts, "accept"))->seen) {
        uint32_t mask = 0;
        if (!cli_parse_statuses(cmd, o->value, &mask))
            return false;
        if (teeattest_policy_set_tdx_statuses(pol, mask, NULL) != TEEATTEST_OK) {
            cli_error(cmd, "--accept: status not acceptable");
            return false;
        }
    }
    uint32_t max_age = 0;
    if ((o = cli_opt(opts, "max-age"))->seen) {
        char *end = NULL;
        errno = 0;
        unsigned long v = isdigit((unsigned char)o->value[0])
                              ? strtoul(o->value, &end, 10) : 0;
        if (!end || errno || *end || v == 0 || v > UINT32_MAX) {
            cli_error(cmd, "--max-age: expected seconds (1 to %u), got '%s'",
                      (unsigned)UINT32_MAX, o->value);
            return false;
        }
        max_age = (uint32_t)v;
    }
    uint32_t aci_life = 7776000u; /* the library's default */
    if ((o = cli_opt(opts, "aci-max-lifetime"))->seen) {
        char *end = NULL;
        errno = 0;
        unsigned long v = isdigit((unsigned char)o->value[0])
                              ? strtoul(o->value, &end, 10) : 0;
        if (!end || errno || *end || v > UINT32_MAX) {
            cli_error(cmd, "--aci-max-lifetime: expected seconds (0 to %u), "
                      "got '%s'", (unsigned)UINT32_MAX, o->value);
            return false;
        }
        aci_life = (uint32_t)v;
    }
    uint32_t min_eval = 0;
    if ((o = cli_opt(opts, "min-tcb-eval"))->seen &&
        !cli_parse_min_tcb_eval(cmd, o->value, &min_eval))
        return false;
    if (teeattest_policy_set_allow_expired_collateral(
            pol, cli_opt(opts, "allow-expired-collateral")->seen, NULL) !=
            TEEATTEST_OK ||
        teeattest_policy_set_min_tcb_eval(pol, min_eval, NULL) != TEEATTEST_OK ||
        teeattest_policy_set_allow_debug(
            pol, cli_opt(opts, "allow-debug")->seen, NULL) != TEEATTEST_OK ||
        teeattest_policy_set_require_tls_binding(
            pol, cli_opt(opts, "require-tls")->seen, NULL) != TEEATTEST_OK ||
        teeattest_policy_set_allow_server_nonce(
            pol, cli_opt(opts, "allow-server-nonce")->seen, NULL) != TEEATTEST_OK ||
        teeattest_policy_set_allow_unbound_key(
            pol, cli_opt(opts, "allow-unbound-key")->seen, NULL) != TEEATTEST_OK ||
        teeattest_policy_set_require_event_log(
            pol, cli_opt(opts, "require-event-log")->seen, NULL) != TEEATTEST_OK ||
        teeattest_policy_set_require_gpu(
            pol, !cli_opt(opts, "no-gpu")->seen, NULL) != TEEATTEST_OK ||
        teeattest_policy_set_max_report_age(pol, max_age, NULL) != TEEATTEST_OK ||
        teeattest_policy_set_aci_allow_null_nonce(
            pol, cli_opt(opts, "aci-allow-null-nonce")->seen, NULL) !=
            TEEATTEST_OK ||
        teeattest_policy_set_aci_max_keyset_lifetime(pol, aci_life, NULL) !=
            TEEATTEST_OK) {
        cli_error(cmd, "cannot set up the policy");
        return false;
    }
    if ((o = cli_opt(opts, "expect-model"))->seen &&
        (!o->value[0] ||
         teeattest_policy_set_expected_model(pol, o->value, NULL) !=
             TEEATTEST_OK)) {
        cli_error(cmd, "--expect-model: expected a model name");
        return false;
    }
    if ((o = cli_opt(opts, "test-root"))->seen &&
        !cli_set_test_root(cmd, pol, o->value))
        return false;
    if (!tinfoil_release(cmd, opts, pol) ||
        !tinfoil_hardware(cmd, opts, pol) ||
        !provenance_apply(cmd, opts, pol))
        return false;
    for (size_t i = 0; i < N_OF(identities); i++) {
        o = cli_opt(opts, identities[i].option);
        if (o->seen &&
            !add_identities(cmd, pol, identities[i].option,
                            identities[i].kind, identities[i].len, o->value))
            return false;
    }
    return true;
}

/* ---- evidence ---------------------------------------------------------- */

static const struct {
    const char *word;
    uint32_t bits;
} gpu_services[] = {
    {"nras", TEEATTEST_GPU_ONLINE_NRAS}, {"rim", TEEATTEST_GPU_ONLINE_RIM},
    {"ocsp", TEEATTEST_GPU_ONLINE_OCSP}, {"jwks", TEEATTEST_GPU_ONLINE_JWKS},
    {"all", TEEATTEST_GPU_ONLINE_ALL},   {"none", 0},
};

/* "nras,ocsp" into a TEEATTEST_GPU_ONLINE_* mask. */
static bool parse_gpu_online(const char *cmd, const char *s, uint32_t *mask)
{
    *mask = 0;
    const char *p = s;
    while (p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        bool found = false;
        for (size_t i = 0; i < N_OF(gpu_services) && !found; i++) {
            if (strlen(gpu_services[i].word) == n &&
                strncmp(gpu_services[i].word, p, n) == 0) {
                *mask |= gpu_services[i].bits;
                found = true;
            }
        }
        if (!found) {
            cli_error(cmd, "--gpu-online: unknown service '%.*s' (one of "
                      "nras, rim, ocsp, jwks, all, none)",
                      (int)(n > 40 ? 40 : n), p);
            return false;
        }
        p = e ? e + 1 : NULL;
    }
    return true;
}

static bool load_collateral(const char *cmd, teeattest_ctx *ctx,
                            teeattest_evidence *ev, const char *path)
{
    teeattest_error err = TEEATTEST_ERROR_INIT;
    teeattest_collateral *col = NULL;
    struct stat st;
    if (stat(path, &st) != 0) {
        cli_error(cmd, "cannot read --collateral %s: %s", path,
                  strerror(errno));
        return false;
    }
    int rc;
    if (S_ISDIR(st.st_mode)) {
        rc = teeattest_collateral_load_dir(ctx, &col, path, &err);
    } else {
        struct cli_file f = {0};
        if (!cli_read_file(cmd, "collateral", path, &f))
            return false;
        rc = teeattest_collateral_parse_json(ctx, &col, f.data, f.len, &err);
        cli_file_free(&f);
    }
    if (rc == TEEATTEST_OK)
        rc = teeattest_evidence_add_collateral(ev, col, &err);
    teeattest_collateral_free(col);
    if (rc != TEEATTEST_OK) {
        cli_error(cmd, "--collateral %s: %s", path,
                  err.message[0] ? err.message : teeattest_status_str(rc));
        return false;
    }
    return true;
}

static bool lib_error(const char *cmd, const char *option, const char *value,
                      int st, const teeattest_error *err)
{
    cli_error(cmd, "--%s %s: %s", option, value,
              err->message[0] ? err->message : teeattest_status_str(st));
    return false;
}

/* --tls-spki FILE: DER SubjectPublicKeyInfo, or base64 text of it (PEM
 * "PUBLIC KEY" armour allowed). */
static bool set_tls_spki(const char *cmd, teeattest_evidence *ev,
                         const char *path)
{
    struct cli_file f = {0};
    if (!cli_read_file(cmd, "tls-spki", path, &f))
        return false;
    uint8_t *der = NULL;
    size_t der_len = 0;
    bool ok = false;
    if (f.len && f.data[0] == 0x30) {
        der = f.data;
        der_len = f.len;
        ok = true;
    } else {
        const uint8_t *b = f.data, *e = f.data + f.len;
        const uint8_t *arm = memmem(f.data, f.len, "-----BEGIN", 10);
        if (arm) {
            const uint8_t *nl = memchr(arm, '\n', (size_t)(e - arm));
            b = nl ? nl + 1 : e;
            const uint8_t *end = memmem(b, (size_t)(e - b), "-----END", 8);
            e = end ? end : e;
        }
        der = malloc(f.len + 1);
        ok = der && cli_decode_base64(b, (size_t)(e - b), der, &der_len) &&
             der_len && der[0] == 0x30;
    }
    teeattest_error err = TEEATTEST_ERROR_INIT;
    int st = TEEATTEST_E_PARSE;
    if (ok)
        st = teeattest_evidence_set(ev, TEEATTEST_EVIDENCE_TLS_SPKI, 0, der,
                                    der_len, &err);
    if (der != f.data)
        free(der);
    cli_file_free(&f);
    if (!ok) {
        cli_error(cmd, "--tls-spki %s: neither a DER SubjectPublicKeyInfo "
                  "nor base64 of one", path);
        return false;
    }
    if (st != TEEATTEST_OK)
        return lib_error(cmd, "tls-spki", path, st, &err);
    return true;
}

static bool set_item_file(const char *cmd, teeattest_evidence *ev,
                          int32_t item, size_t entry, const char *option,
                          const char *path)
{
    struct cli_file f = {0};
    if (!cli_read_file(cmd, option, path, &f))
        return false;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    int st = teeattest_evidence_set(ev, item, entry, f.data, f.len, &err);
    cli_file_free(&f);
    if (st != TEEATTEST_OK)
        return lib_error(cmd, option, path, st, &err);
    return true;
}

static bool add_gpu_file(const char *cmd, teeattest_gpu_inputs *in,
                         int32_t kind, const char *option, const char *path)
{
    struct cli_file f = {0};
    if (!cli_read_file(cmd, option, path, &f))
        return false;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    int st = teeattest_gpu_inputs_add(in, kind, NULL, f.data, f.len, &err);
    cli_file_free(&f);
    if (st != TEEATTEST_OK)
        return lib_error(cmd, option, path, st, &err);
    return true;
}

static bool add_bundle_file(const char *cmd, teeattest_evidence *ev,
                            const char *path)
{
    struct cli_file f = {0};
    teeattest_error err = TEEATTEST_ERROR_INIT;
    if (!cli_read_file(cmd, "sigstore-bundle", path, &f))
        return false;
    int st = teeattest_evidence_add_sigstore_bundle(ev, f.data, f.len, &err);
    cli_file_free(&f);
    if (st != TEEATTEST_OK)
        cli_error(cmd, "--sigstore-bundle %s: %s", path, err.message);
    return st == TEEATTEST_OK;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* --sigstore-bundle FILE|DIR (a directory's *.json and *.sigstore files, in
 * name order) and --registry-url; fetching bundles from the images'
 * registries goes with online. */
static bool sigstore_bundles(const char *cmd, struct cli_opt *opts,
                             teeattest_evidence *ev, bool online)
{
    const struct cli_opt *o = cli_opt(opts, "sigstore-bundle");
    const struct cli_opt *r = cli_opt(opts, "registry-url");
    struct stat st;
    if (o->seen && stat(o->value, &st) == 0 && S_ISDIR(st.st_mode)) {
        DIR *d = opendir(o->value);
        char *names[64];
        size_t n = 0;
        bool ok = d != NULL;
        for (struct dirent *de; ok && (de = readdir(d));) {
            size_t l = strlen(de->d_name);
            bool want = (l > 5 && !strcmp(de->d_name + l - 5, ".json")) ||
                        (l > 9 && !strcmp(de->d_name + l - 9, ".sigstore"));
            if (!want)
                continue;
            if (n == 64 || !(names[n] = malloc(strlen(o->value) + l + 2))) {
                cli_error(cmd, "--sigstore-bundle: more than 64 files");
                ok = false;
                break;
            }
            sprintf(names[n++], "%s/%s", o->value, de->d_name);
        }
        if (d)
            closedir(d);
        qsort(names, n, sizeof *names, by_name);
        for (size_t i = 0; i < n; i++) {
            ok = ok && add_bundle_file(cmd, ev, names[i]);
            free(names[i]);
        }
        if (!ok)
            return false;
    } else if (o->seen && !add_bundle_file(cmd, ev, o->value)) {
        return false;
    }
    teeattest_error err = TEEATTEST_ERROR_INIT;
    if (r->seen && teeattest_evidence_set_url(
                       ev, TEEATTEST_ONLINE_IMAGE_REGISTRY, r->value, &err)) {
        cli_error(cmd, "--registry-url: %s", err.message);
        return false;
    }
    const struct cli_opt *g = cli_opt(opts, "github-api-url");
    if (g->seen && teeattest_evidence_set_url(
                       ev, TEEATTEST_ONLINE_TINFOIL_RELEASE, g->value, &err)) {
        cli_error(cmd, "--github-api-url: %s", err.message);
        return false;
    }
    return true;
}

bool cli_evidence_apply(const char *cmd, struct cli_opt *opts,
                        const struct cli_verify_args *a, teeattest_ctx *ctx,
                        teeattest_evidence *ev, bool online_default)
{
    teeattest_error err = TEEATTEST_ERROR_INIT;
    const struct cli_opt *o_offline = cli_opt(opts, "offline");
    const struct cli_opt *o_online = cli_opt(opts, "online");
    const struct cli_opt *o_pccs = cli_opt(opts, "pccs");
    const struct cli_opt *o_gpu = cli_opt(opts, "gpu-online");
    if (o_offline->seen && (o_online->seen || o_pccs->seen || o_gpu->seen ||
                            cli_opt(opts, "model-files-url")->seen)) {
        cli_error(cmd, "--offline cannot be combined with --online, --pccs, "
                  "--gpu-online or --model-files-url");
        return false;
    }
    bool online = (online_default && !o_offline->seen) || o_online->seen;
    uint32_t gpu_mask = online ? TEEATTEST_GPU_ONLINE_ALL : 0;
    if (o_gpu->seen && !parse_gpu_online(cmd, o_gpu->value, &gpu_mask))
        return false;

    for (size_t i = 0; i < a->n_collateral; i++)
        if (!load_collateral(cmd, ctx, ev, a->collateral[i]))
            return false;
    const struct cli_opt *o;
    if ((o = cli_opt(opts, "tls-spki"))->seen &&
        !set_tls_spki(cmd, ev, o->value))
        return false;
    if ((o = cli_opt(opts, "e2e-instances"))->seen &&
        !set_item_file(cmd, ev, TEEATTEST_EVIDENCE_E2E_INSTANCES, 0,
                       "e2e-instances", o->value))
        return false;
    if ((o = cli_opt(opts, "model-compose"))->seen &&
        !set_item_file(cmd, ev, TEEATTEST_EVIDENCE_MODEL_COMPOSE, 0,
                       "model-compose", o->value))
        return false;
    if ((o = cli_opt(opts, "nras-response"))->seen &&
        !set_item_file(cmd, ev, TEEATTEST_EVIDENCE_NRAS_RESPONSE, 0,
                       "nras-response", o->value))
        return false;

    teeattest_gpu_inputs *in = teeattest_evidence_gpu_inputs(ev);
    for (size_t i = 0; i < a->n_jwks; i++)
        if (!add_gpu_file(cmd, in, TEEATTEST_GPU_ITEM_JWKS, "jwks",
                          a->jwks[i]))
            return false;
    static const struct {
        const char *option;
        int32_t kind;
    } dirs[] = {{"rim-dir", TEEATTEST_GPU_ITEM_RIM},
                {"ocsp-dir", TEEATTEST_GPU_ITEM_OCSP}};
    for (size_t i = 0; i < N_OF(dirs); i++) {
        o = cli_opt(opts, dirs[i].option);
        if (!o->seen)
            continue;
        int st = teeattest_gpu_inputs_add_dir(in, dirs[i].kind, o->value,
                                              &err);
        if (st != TEEATTEST_OK)
            return lib_error(cmd, dirs[i].option, o->value, st, &err);
    }
    static const struct {
        const char *option;
        uint32_t service;
    } urls[] = {
        {"nras-url", TEEATTEST_GPU_ONLINE_NRAS},
        {"rim-url", TEEATTEST_GPU_ONLINE_RIM},
        {"ocsp-url", TEEATTEST_GPU_ONLINE_OCSP},
        {"jwks-url", TEEATTEST_GPU_ONLINE_JWKS},
    };
    for (size_t i = 0; i < N_OF(urls); i++) {
        o = cli_opt(opts, urls[i].option);
        if (!o->seen)
            continue;
        int st = teeattest_gpu_inputs_set_url(in, urls[i].service, o->value,
                                              &err);
        if (st != TEEATTEST_OK)
            return lib_error(cmd, urls[i].option, o->value, st, &err);
    }
    if (teeattest_gpu_inputs_set_online(in, gpu_mask, NULL) != TEEATTEST_OK) {
        cli_error(cmd, "cannot set up the GPU services");
        return false;
    }
    const char *key = getenv(CLI_SERVICE_KEY_ENV);
    if (gpu_mask && key && key[0] &&
        teeattest_gpu_inputs_set_service_key(in, key, NULL) != TEEATTEST_OK) {
        /* the key itself is never printed */
        cli_error(cmd, "cannot use the service key in " CLI_SERVICE_KEY_ENV);
        return false;
    }
    /* --model-files-url alone turns on compose-file fetching only, as
     * --pccs alone does for collateral. */
    const struct cli_opt *o_mf = cli_opt(opts, "model-files-url");
    uint32_t services = (online || o_pccs->seen ? TEEATTEST_ONLINE_PCCS : 0) |
                        (online || o_mf->seen ? TEEATTEST_ONLINE_MODEL_FILES
                                              : 0) |
                        (online || cli_opt(opts, "registry-url")->seen
                             ? TEEATTEST_ONLINE_IMAGE_REGISTRY : 0) |
                        (online || cli_opt(opts, "github-api-url")->seen
                             ? TEEATTEST_ONLINE_TINFOIL_RELEASE : 0);
    if (services) {
        const char *url = o_pccs->seen && strcmp(o_pccs->value, "intel") != 0
                              ? o_pccs->value : NULL;
        int st = teeattest_evidence_set_online(ev, services, url, &err);
        if (st != TEEATTEST_OK)
            return lib_error(cmd, "pccs", url ? url : "intel", st, &err);
    }
    if (!sigstore_bundles(cmd, opts, ev, online))
        return false;
    if (o_mf->seen) {
        int st = teeattest_evidence_set_url(ev, TEEATTEST_ONLINE_MODEL_FILES,
                                            o_mf->value, &err);
        if (st != TEEATTEST_OK)
            return lib_error(cmd, "model-files-url", o_mf->value, st, &err);
    }
    return true;
}

bool cli_parse_entry_nonce(const char *cmd, const char *s, uint8_t nonce[32])
{
    if (!cli_parse_hex_exact(s, strlen(s), nonce, 32)) {
        cli_error(cmd, "--nonce: expected 64 hex digits (32 bytes), got "
                  "'%.80s'", s);
        return false;
    }
    return true;
}

/* ---- output ------------------------------------------------------------ */

const char *cli_fact(const teeattest_result *res, const char *key,
                     bool *unverified)
{
    *unverified = false;
    const char *v = teeattest_result_fact(res, key);
    if (v)
        return v;
    char k[160];
    snprintf(k, sizeof k, "unverified.%s", key);
    v = teeattest_result_fact(res, k);
    *unverified = v != NULL;
    return v;
}

void cli_print_signature_kind(const teeattest_result *res)
{
    bool kind_unv, role_unv;
    const char *kind = cli_fact(res, "signature_kind", &kind_unv);
    const char *role = cli_fact(res, "signer_role", &role_unv);
    if (!kind && !role)
        return;
    fputs("signature kind: ", stdout);
    cli_fputs_safe(kind ? kind : "none named (legacy record)", stdout);
    if (role) {
        fputs("; signed by the attested ", stdout);
        cli_fputs_safe(role, stdout);
        fputs("'s key", stdout);
    }
    fputs((kind && kind_unv) || (role && role_unv) ? " (unverified)\n" : "\n",
          stdout);
}

static const char *entry_fact(const teeattest_result *res, size_t i,
                              const char *field, bool *unverified)
{
    char key[96];
    snprintf(key, sizeof key, "entry[%zu].%s", i, field);
    return cli_fact(res, key, unverified);
}

/* "  label value", the label prefixed "unverified " for a value the
 * result does not vouch for. */
static void print_fact_line(const char *label, const char *v,
                            bool unverified)
{
    if (!v || !v[0])
        return;
    printf("  %s%-15s", unverified ? "unverified " : "", label);
    cli_fputs_safe(v, stdout);
    fputc('\n', stdout);
}

static void print_entry_fact(const teeattest_result *res, size_t i,
                             const char *label, const char *field)
{
    bool unv;
    const char *v = entry_fact(res, i, field, &unv);
    print_fact_line(label, v, unv);
}

void cli_print_report_result(const teeattest_result *res)
{
    cli_print_checks(res, "");
    bool unv;
    const char *count = cli_fact(res, "entries", &unv);
    char *end = NULL;
    unsigned long n = count ? strtoul(count, &end, 10) : 0;
    if (!count || !end || *end || n > 256)
        n = 0;
    for (size_t i = 0; i < n; i++) {
        bool role_unv, status_unv, app_unv, signer_unv;
        const char *role = entry_fact(res, i, "role", &role_unv);
        const char *signer = entry_fact(res, i, "signer", &signer_unv);
        const char *status = entry_fact(res, i, "tdx.status", &status_unv);
        if (!role && !signer && !status &&
            !entry_fact(res, i, "app_id", &app_unv))
            continue; /* an entry that was not verified */
        printf("entry %zu: ", i);
        cli_fputs_safe(role ? role : "node", stdout);
        fputs(role && role_unv ? " (unverified)\n" : "\n", stdout);
        print_fact_line("signer:", signer, signer_unv);
        print_fact_line("tdx status:", status ? status : "not determined",
                        status && status_unv);
        print_entry_fact(res, i, "app_id:", "app_id");
        print_entry_fact(res, i, "compose_hash:", "compose_hash");
        print_entry_fact(res, i, "os_image_hash:", "os_image_hash");
    }
    /* Only a verified result names a signer: a caller who copies this
     * line pins an attested key or nothing. */
    const char *signer = teeattest_result_fact(res, "signer");
    const char *algo = teeattest_result_fact(res, "signing_algo");
    fputs("signer: ", stdout);
    cli_fputs_safe(signer ? signer : "none verified", stdout);
    if (signer && algo) {
        fputs(" (", stdout);
        cli_fputs_safe(algo, stdout);
        fputc(')', stdout);
    }
    fputc('\n', stdout);
    const char *unverified = teeattest_result_fact(res, "unverified.signer");
    if (!signer && unverified) {
        fputs("unverified signer: ", stdout);
        cli_fputs_safe(unverified, stdout);
        fputs(" (named by the report, not attested: do not pin it)\n",
              stdout);
    }
    printf("verdict: %s\n",
           teeattest_result_verdict(res) == TEEATTEST_VERDICT_VERIFIED
               ? "verified" : "FAILED");
}

bool cli_print_result_json(const char *cmd, const teeattest_result *res)
{
    const char *text = NULL;
    size_t len = 0;
    if (teeattest_result_to_json(res, &text, &len, NULL) != TEEATTEST_OK) {
        cli_error(cmd, "cannot format the result as JSON");
        return false;
    }
    fwrite(text, 1, len, stdout);
    fputc('\n', stdout);
    return true;
}

int cli_verdict_exit(const teeattest_result *res)
{
    return teeattest_result_verdict(res) == TEEATTEST_VERDICT_VERIFIED
               ? CLI_OK : CLI_FAILED;
}

/* ---- bundles ------------------------------------------------------------ */

/* cli_save_bundle() and cli_save_aci_bundle(): an ACI receipt (when
 * receipt is not NULL), and the session it cites (when session is not
 * NULL), make it a version 2 bundle. */
static bool save_bundle(const char *cmd, const char *path, teeattest_ctx *ctx,
                        teeattest_report *rep, teeattest_evidence *ev,
                        const uint8_t nonce[32], const char *model,
                        const int64_t *time, const teeattest_exchange *x,
                        teeattest_signature *sig, const uint8_t *receipt,
                        size_t receipt_len, const uint8_t *session,
                        size_t session_len,
                        const teeattest_e2ee_session *e2ee)
{
    teeattest_error err = TEEATTEST_ERROR_INIT;
    teeattest_bundle *b = NULL;
    const char *json = NULL;
    size_t len = 0;
    int st = teeattest_bundle_new(ctx, &b, &err);
    if (st == TEEATTEST_OK)
        st = teeattest_bundle_set_report(b, rep, &err);
    if (st == TEEATTEST_OK && ev)
        st = teeattest_bundle_set_evidence(b, ev, &err);
    if (st == TEEATTEST_OK)
        st = teeattest_bundle_set_nonce(b, nonce, 32, &err);
    if (st == TEEATTEST_OK && model)
        st = teeattest_bundle_set_model(b, model, &err);
    if (st == TEEATTEST_OK && time)
        st = teeattest_bundle_set_time(b, *time, NULL);
    if (st == TEEATTEST_OK && x) {
        const uint8_t *req = NULL, *resp = NULL;
        size_t req_len = 0, resp_len = 0;
        teeattest_exchange_request(x, &req, &req_len);
        teeattest_exchange_response(x, &resp, &resp_len);
        st = teeattest_bundle_set_exchange(b, req, req_len, resp, resp_len,
                                           &err);
    }
    if (st == TEEATTEST_OK && sig)
        st = teeattest_bundle_set_signature(b, sig, &err);
    if (st == TEEATTEST_OK && receipt)
        st = teeattest_bundle_add_item(b, TEEATTEST_BUNDLE_ACI_RECEIPT,
                                       receipt, receipt_len, &err);
    if (st == TEEATTEST_OK && session)
        st = teeattest_bundle_add_item(b, TEEATTEST_BUNDLE_ACI_SESSION,
                                       session, session_len, &err);
    if (st == TEEATTEST_OK && e2ee)
        st = teeattest_bundle_set_e2ee(b, e2ee, &err);
    if (st == TEEATTEST_OK)
        st = teeattest_bundle_to_json(b, &json, &len, &err);
    bool ok = false;
    if (st != TEEATTEST_OK)
        cli_error(cmd, "--save %s: cannot build the bundle: %s", path,
                  err.message[0] ? err.message : teeattest_status_str(st));
    else if (e2ee) /* a session's secret key and the conversation */
        ok = cli_write_private_file(cmd, path, json, len);
    else
        ok = cli_write_new_file(cmd, path, json, len);
    teeattest_bundle_free(b);
    return ok;
}

bool cli_save_bundle(const char *cmd, const char *path, teeattest_ctx *ctx,
                     teeattest_report *rep, teeattest_evidence *ev,
                     const uint8_t nonce[32], const char *model,
                     const int64_t *time, const teeattest_exchange *x,
                     teeattest_signature *sig)
{
    return save_bundle(cmd, path, ctx, rep, ev, nonce, model, time, x, sig,
                       NULL, 0, NULL, 0, NULL);
}

bool cli_save_aci_bundle(const char *cmd, const char *path,
                         teeattest_ctx *ctx, teeattest_report *rep,
                         teeattest_evidence *ev, const uint8_t nonce[32],
                         const char *model, const int64_t *time,
                         const teeattest_exchange *x, const uint8_t *receipt,
                         size_t receipt_len, const uint8_t *session,
                         size_t session_len,
                         const teeattest_e2ee_session *e2ee)
{
    return save_bundle(cmd, path, ctx, rep, ev, nonce, model, time, x, NULL,
                       receipt, receipt_len, session, session_len, e2ee);
}
