/*
 * Sigstore's client conformance cases (sigstore-conformance
 * test/assets/bundle-verify, copied under tests/data/sigstore-conformance)
 * through the public API: every case gives its expected outcome, every
 * _fail case fails on the check sigstore_expect.txt names, and the known
 * gaps listed there are printed as TAP TODO items. Then targeted negative
 * cases (identity, issuer, regexp anchoring, artifact, digest form, clock).
 * The clock is fixed: nothing depends on the wall clock.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "test.h"

#include "teeattest/teeattest.h"

#define DEFAULT_IDENTITY                                                      \
    "https://github.com/sigstore-conformance/extremely-dangerous-public-"     \
    "oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@"      \
    "refs/heads/main"
#define DEFAULT_ISSUER "https://token.actions.githubusercontent.com"
#define NOW 1790000000 /* 2026-09-21, after every case's signing time */

static char data_dir[1024];
static int64_t clock_now = NOW;

static int64_t fixed_clock(void *ud)
{
    (void)ud;
    return clock_now;
}

static uint8_t *read_in(const char *dir, const char *name, size_t *len)
{
    char p[2048];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return ta_test_read_file(p, len);
}

/* trailing newline off, NUL-terminated */
static char *read_line_file(const char *dir, const char *name)
{
    size_t n = 0;
    char *s = (char *)read_in(dir, name, &n);
    if (!s)
        return NULL;
    s = realloc(s, n + 1);
    s[n] = 0;
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = 0;
    return s;
}

typedef struct expect {
    char kind[8], name[128], what[256];
} expect;
static expect table[128];
static size_t n_table;

static void load_table(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[512];
    if (!f) {
        printf("Bail out! cannot read %s\n", path);
        exit(1);
    }
    while (fgets(line, sizeof line, f) && n_table < 128) {
        expect *e = &table[n_table];
        if (line[0] == '#' || line[0] == '\n')
            continue;
        line[strcspn(line, "\n")] = 0;
        if (sscanf(line, "%7s %127s %255[^\n]", e->kind, e->name, e->what) == 3)
            n_table++;
    }
    fclose(f);
}

static const expect *lookup(const char *name)
{
    for (size_t i = 0; i < n_table; i++)
        if (!strcmp(table[i].name, name))
            return &table[i];
    return NULL;
}

/* Does r hold `check` failed (or required and skipped)? */
static bool has_failed(const teeattest_result *r, const char *check)
{
    size_t n = teeattest_result_check_count(r);
    for (size_t i = 0; i < n; i++) {
        const char *name, *detail;
        int32_t outcome, required;
        if (teeattest_result_check(r, i, &name, &outcome, &detail, &required,
                                   NULL) == TEEATTEST_OK &&
            !strcmp(name, check) &&
            (outcome == TEEATTEST_OUTCOME_FAIL ||
             (outcome == TEEATTEST_OUTCOME_SKIP && required)))
            return true;
    }
    return false;
}

static void print_failed(const teeattest_result *r)
{
    size_t n = teeattest_result_check_count(r);
    for (size_t i = 0; i < n; i++) {
        const char *name, *detail;
        int32_t outcome, required;
        if (!teeattest_result_check(r, i, &name, &outcome, &detail, &required,
                                    NULL) &&
            outcome == TEEATTEST_OUTCOME_FAIL)
            printf("#   FAIL %s: %s\n", name, detail);
    }
}

typedef struct inputs {
    uint8_t *bundle, *root, *artifact, *key;
    size_t bundle_len, root_len, artifact_len, key_len;
    char *identity, *issuer;
    bool own_root; /* the case has its trusted_root.json (not production) */
} inputs;

static void load_case(const char *dir, inputs *in)
{
    memset(in, 0, sizeof *in);
    char prod[1100], art[1100];
    in->bundle = read_in(dir, "bundle.sigstore.json", &in->bundle_len);
    in->root = read_in(dir, "trusted_root.json", &in->root_len);
    in->own_root = in->root != NULL;
    if (!in->root) {
        snprintf(prod, sizeof prod, "%s/production_trusted_root.json",
                 data_dir);
        in->root = ta_test_read_file(prod, &in->root_len);
    }
    in->artifact = read_in(dir, "artifact", &in->artifact_len);
    if (!in->artifact) {
        snprintf(art, sizeof art, "%s/a.txt", data_dir);
        in->artifact = ta_test_read_file(art, &in->artifact_len);
    }
    in->key = read_in(dir, "key.pub", &in->key_len);
    in->identity = read_line_file(dir, "identity");
    in->issuer = read_line_file(dir, "issuer");
}

static void free_case(inputs *in)
{
    free(in->bundle);
    free(in->root);
    free(in->artifact);
    free(in->key);
    free(in->identity);
    free(in->issuer);
}

static teeattest_result *run(teeattest_ctx *ctx, const inputs *in,
                             const uint8_t *artifact, size_t artifact_len,
                             const uint8_t *digest, const char *identity,
                             const char *issuer, uint32_t flags)
{
    teeattest_result *r = NULL;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    int rc = teeattest_sigstore_verify_bundle(
        ctx, &r, in->bundle ? in->bundle : (const uint8_t *)"",
        in->bundle_len, in->root, in->root_len, artifact, artifact_len,
        digest, in->key ? NULL : identity, in->key ? NULL : issuer, flags,
        in->key, in->key_len, &err);
    if (rc)
        printf("# error %s: %s\n", teeattest_status_name(rc), err.message);
    return r;
}

static void run_case(teeattest_ctx *ctx, const char *name)
{
    char dir[1100];
    snprintf(dir, sizeof dir, "%s/bundle-verify/%s", data_dir, name);
    inputs in;
    load_case(dir, &in);
    size_t nl = strlen(name);
    bool want_fail = nl > 5 && !strcmp(name + nl - 5, "_fail");
    const expect *e = lookup(name);
    teeattest_result *r =
        run(ctx, &in, in.artifact, in.artifact_len, NULL,
            in.identity ? in.identity : DEFAULT_IDENTITY,
            in.issuer ? in.issuer : DEFAULT_ISSUER, 0);
    bool verified = r && teeattest_result_verdict(r) == TEEATTEST_VERDICT_VERIFIED;
    if (e && !strcmp(e->kind, "gap")) {
        bool as_expected = want_fail ? !verified : verified;
        printf("%s %d - %s # TODO known gap: %s\n",
               as_expected ? "ok" : "not ok", ++ta_test_n, name, e->what);
    } else if (!want_fail) {
        CHECK(verified);
        if (!verified)
            print_failed(r);
        printf("# %s: expected verified\n", name);
        if (e)
            CHECK(!"a passing case is listed in sigstore_expect.txt");
    } else {
        printf("# %s: expected to fail on %s\n", name, e ? e->what : "?");
        CHECK(e != NULL && !strcmp(e->kind, "fail"));
        CHECK(r != NULL && !verified);
        if (e && r) {
            CHECK(has_failed(r, e->what));
            if (!has_failed(r, e->what))
                print_failed(r);
        }
    }
    teeattest_result_free(r);
    free_case(&in);
}

/* Does r's check `name` have `outcome` and a detail containing `part`? */
static bool check_is(const teeattest_result *r, const char *name,
                     int32_t outcome, const char *part)
{
    int32_t o = -1;
    const char *detail = "";
    return r &&
           teeattest_result_find_check(r, name, &o, &detail, NULL) ==
               TEEATTEST_OK &&
           o == outcome && strstr(detail, part) != NULL;
}

/* The transparency log ids (logId.keyId, base64) of a trusted root. */
static json_t *log_ids(const uint8_t *doc, size_t len)
{
    json_t *ids = json_array();
    json_t *j = json_loadb((const char *)doc, len, 0, NULL);
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(j, "tlogs"), i, l)
        json_array_append(ids, json_object_get(json_object_get(l, "logId"),
                                               "keyId"));
    json_decref(j);
    return ids;
}

static json_t *default_ids; /* data/sigstore/trusted_root.json's logs */
static size_t n_foreign;    /* cases signed under another root */

static bool knows_a_log(const uint8_t *root, size_t len)
{
    json_t *ids = log_ids(root, len);
    bool known = false;
    size_t i, k;
    json_t *a, *b;
    json_array_foreach(ids, i, a)
        json_array_foreach(default_ids, k, b)
            known = known || json_equal(a, b);
    json_decref(ids);
    return known;
}

/* The shipped default trusted root (trusted_root NULL) on a case: one that
 * used the production root gives the same outcome, check by check, as
 * with the production copy given; one whose own root shares no
 * transparency log with the default (a staging or test root) must not
 * verify against the default. (A case whose own root is an edited
 * production root holds a production bundle: it may verify.) */
static void default_root_case(teeattest_ctx *ctx, const char *name)
{
    char dir[1100];
    snprintf(dir, sizeof dir, "%s/bundle-verify/%s", data_dir, name);
    inputs in;
    load_case(dir, &in);
    const char *id = in.identity ? in.identity : DEFAULT_IDENTITY;
    const char *is = in.issuer ? in.issuer : DEFAULT_ISSUER;
    teeattest_result *given =
        run(ctx, &in, in.artifact, in.artifact_len, NULL, id, is, 0);
    uint8_t *root = in.root;
    size_t root_len = in.root_len;
    in.root = NULL;
    in.root_len = 0;
    teeattest_result *dflt =
        run(ctx, &in, in.artifact, in.artifact_len, NULL, id, is, 0);
    in.root = root;
    in.root_len = root_len;
    bool dflt_ok = dflt && teeattest_result_verdict(dflt) ==
                               TEEATTEST_VERDICT_VERIFIED;
    CHECK(check_is(dflt, "sigstore.trusted_root", TEEATTEST_OUTCOME_PASS,
                   "shipped default trusted root"));
    if (!in.own_root) {
        bool same = given && dflt &&
                    teeattest_result_verdict(given) ==
                        teeattest_result_verdict(dflt) &&
                    teeattest_result_check_count(given) ==
                        teeattest_result_check_count(dflt);
        for (size_t i = 0; same && i < teeattest_result_check_count(dflt);
             i++) {
            const char *n1, *n2, *d1, *d2;
            int32_t o1, o2;
            teeattest_result_check(given, i, &n1, &o1, &d1, NULL, NULL);
            teeattest_result_check(dflt, i, &n2, &o2, &d2, NULL, NULL);
            same = !strcmp(n1, n2) && o1 == o2;
        }
        printf("# %s: the default root gives the production root's "
               "outcome\n", name);
        CHECK(same);
    } else if (!knows_a_log(in.root, in.root_len)) {
        printf("# %s: signed under another root: fails against the "
               "default\n", name);
        n_foreign++;
        CHECK(!dflt_ok);
    } else {
        printf("# %s: an edited production root; against the default: "
               "%s\n", name, dflt_ok ? "verified" : "failed");
    }
    teeattest_result_free(given);
    teeattest_result_free(dflt);
    free_case(&in);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Swaps and edits around one good case: each must fail on its check. */
static void negatives(teeattest_ctx *ctx)
{
    char dir[1100];
    snprintf(dir, sizeof dir, "%s/bundle-verify/happy-path-v0.3", data_dir);
    inputs in;
    load_case(dir, &in);
    uint8_t digest[32];
    size_t dl = sizeof digest;
    teeattest_result *r;

    /* the artifact's SHA-256 instead of its bytes */
    CHECK(teeattest_hex_decode(digest, &dl,
                               "a0cfc71271d6e278e57cd332ff957c3f7043fdda354c"
                               "4cbb190a30d56efa01bf", NULL) == TEEATTEST_OK);
    r = run(ctx, &in, NULL, 0, digest, DEFAULT_IDENTITY, DEFAULT_ISSUER, 0);
    CHECK(r && teeattest_result_verdict(r) == TEEATTEST_VERDICT_VERIFIED);
    teeattest_result_free(r);
    digest[0] ^= 1;
    r = run(ctx, &in, NULL, 0, digest, DEFAULT_IDENTITY, DEFAULT_ISSUER, 0);
    CHECK(r && has_failed(r, "sigstore.artifact.digest"));
    CHECK(r && has_failed(r, "sigstore.signature"));
    teeattest_result_free(r);

    /* another artifact */
    r = run(ctx, &in, (const uint8_t *)"not a.txt\n", 10, NULL,
            DEFAULT_IDENTITY, DEFAULT_ISSUER, 0);
    CHECK(r && has_failed(r, "sigstore.artifact.digest"));
    teeattest_result_free(r);

    /* identity and issuer: exact, other, regexp, anchored regexp */
    r = run(ctx, &in, in.artifact, in.artifact_len, NULL,
            "https://github.com/someone/else", DEFAULT_ISSUER, 0);
    CHECK(r && has_failed(r, "sigstore.certificate.identity"));
    CHECK(r && !has_failed(r, "sigstore.certificate.issuer"));
    teeattest_result_free(r);
    r = run(ctx, &in, in.artifact, in.artifact_len, NULL, DEFAULT_IDENTITY,
            "https://accounts.google.com", 0);
    CHECK(r && has_failed(r, "sigstore.certificate.issuer"));
    teeattest_result_free(r);
    r = run(ctx, &in, in.artifact, in.artifact_len, NULL,
            "https://github\\.com/sigstore-conformance/.*@refs/heads/main",
            "https://token\\.actions\\.githubusercontent\\.com",
            TEEATTEST_SIGSTORE_IDENTITY_REGEXP |
                TEEATTEST_SIGSTORE_ISSUER_REGEXP);
    CHECK(r && teeattest_result_verdict(r) == TEEATTEST_VERDICT_VERIFIED);
    teeattest_result_free(r);
    r = run(ctx, &in, in.artifact, in.artifact_len, NULL,
            "extremely-dangerous", "token", /* partial: must not match */
            TEEATTEST_SIGSTORE_IDENTITY_REGEXP |
                TEEATTEST_SIGSTORE_ISSUER_REGEXP);
    CHECK(r && has_failed(r, "sigstore.certificate.identity"));
    CHECK(r && has_failed(r, "sigstore.certificate.issuer"));
    teeattest_result_free(r);
    /* exact means exact: the identity as a regexp literal is no match */
    r = run(ctx, &in, in.artifact, in.artifact_len, NULL,
            "https://github.com/.*", DEFAULT_ISSUER, 0);
    CHECK(r && has_failed(r, "sigstore.certificate.identity"));
    teeattest_result_free(r);

    /* a clock before the integrated time: the SET is from the future */
    clock_now = 1600000000;
    r = run(ctx, &in, in.artifact, in.artifact_len, NULL, DEFAULT_IDENTITY,
            DEFAULT_ISSUER, 0);
    CHECK(r && has_failed(r, "sigstore.tlog.set"));
    CHECK(r && has_failed(r, "sigstore.time"));
    clock_now = NOW;
    teeattest_result_free(r);

    /* The shipped default (NULL root): verifies, named in the detail;
     * at a clock before the signing time it fails closed like any root. */
    uint8_t *root = in.root;
    size_t root_len = in.root_len;
    in.root = NULL;
    in.root_len = 0;
    r = run(ctx, &in, in.artifact, in.artifact_len, NULL, DEFAULT_IDENTITY,
            DEFAULT_ISSUER, 0);
    CHECK(r && teeattest_result_verdict(r) == TEEATTEST_VERDICT_VERIFIED);
    CHECK(check_is(r, "sigstore.trusted_root", TEEATTEST_OUTCOME_PASS,
                   "2025-09-22"));
    teeattest_result_free(r);
    clock_now = 1600000000;
    r = run(ctx, &in, in.artifact, in.artifact_len, NULL, DEFAULT_IDENTITY,
            DEFAULT_ISSUER, 0);
    CHECK(r && has_failed(r, "sigstore.tlog.set"));
    CHECK(r && has_failed(r, "sigstore.time"));
    CHECK(r && teeattest_result_verdict(r) == TEEATTEST_VERDICT_FAILED);
    clock_now = NOW;
    teeattest_result_free(r);
    /* NULL with a length is misuse, not the default */
    teeattest_result *o = (teeattest_result *)1;
    CHECK(teeattest_sigstore_verify_bundle(ctx, &o, in.bundle, in.bundle_len,
                                           NULL, 5, in.artifact,
                                           in.artifact_len, NULL,
                                           DEFAULT_IDENTITY, DEFAULT_ISSUER,
                                           0, NULL, 0,
                                           NULL) == TEEATTEST_E_INVALID_ARG);
    CHECK(o == NULL);
    /* an empty given root is a given root: it fails, never the default */
    CHECK(teeattest_sigstore_verify_bundle(ctx, &o, in.bundle, in.bundle_len,
                                           (const uint8_t *)"", 0,
                                           in.artifact, in.artifact_len, NULL,
                                           DEFAULT_IDENTITY, DEFAULT_ISSUER,
                                           0, NULL, 0, NULL) == TEEATTEST_OK);
    CHECK(o && has_failed(o, "sigstore.trusted_root"));
    CHECK(o && teeattest_result_verdict(o) == TEEATTEST_VERDICT_FAILED);
    teeattest_result_free(o);
    in.root = root;
    in.root_len = root_len;

    /* misuse */
    o = (teeattest_result *)1;
    CHECK(teeattest_sigstore_verify_bundle(ctx, &o, in.bundle, in.bundle_len,
                                           in.root, in.root_len, NULL, 0,
                                           NULL, DEFAULT_IDENTITY,
                                           DEFAULT_ISSUER, 0, NULL, 0,
                                           NULL) == TEEATTEST_E_INVALID_ARG);
    CHECK(o == NULL);
    CHECK(teeattest_sigstore_verify_bundle(ctx, &o, in.bundle, in.bundle_len,
                                           in.root, in.root_len, in.artifact,
                                           in.artifact_len, NULL, NULL, NULL,
                                           0, NULL, 0,
                                           NULL) == TEEATTEST_E_INVALID_ARG);
    CHECK(teeattest_sigstore_verify_bundle(ctx, &o, in.bundle, in.bundle_len,
                                           in.root, in.root_len, in.artifact,
                                           in.artifact_len, NULL,
                                           DEFAULT_IDENTITY, DEFAULT_ISSUER,
                                           0x80, NULL, 0,
                                           NULL) == TEEATTEST_E_INVALID_ARG);
    free_case(&in);
}

int main(void)
{
    const char *root = getenv("TEEATTEST_SOURCE_ROOT");
    snprintf(data_dir, sizeof data_dir, "%s/tests/data/sigstore-conformance",
             root ? root : ".");
    char path[1100];
    snprintf(path, sizeof path, "%s/tests/conformance/sigstore_expect.txt",
             root ? root : ".");
    load_table(path);
    for (size_t i = 0; i < n_table; i++)
        if (!strcmp(table[i].kind, "gap"))
            printf("# known gap: %s: %s\n", table[i].name, table[i].what);

    teeattest_ctx_options o = TEEATTEST_CTX_OPTIONS_INIT;
    o.clock = fixed_clock;
    teeattest_ctx *ctx = NULL;
    if (teeattest_ctx_new(&ctx, &o, NULL) != TEEATTEST_OK) {
        printf("Bail out! no context\n");
        return 1;
    }
    snprintf(path, sizeof path, "%s/bundle-verify", data_dir);
    DIR *d = opendir(path);
    if (!d) {
        printf("Bail out! cannot open %s\n", path);
        return 1;
    }
    char *names[256];
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) && n < 256) {
        char sub[2048];
        snprintf(sub, sizeof sub, "%s/%s/bundle.sigstore.json", path,
                 de->d_name);
        FILE *f = de->d_name[0] != '.' ? fopen(sub, "r") : NULL;
        if (f) {
            fclose(f);
            names[n++] = strdup(de->d_name);
        }
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    char dpath[1100];
    snprintf(dpath, sizeof dpath, "%s/data/sigstore/trusted_root.json",
             root ? root : ".");
    size_t dlen = 0;
    uint8_t *ddoc = ta_test_read_file(dpath, &dlen);
    CHECK(ddoc != NULL);
    default_ids = log_ids(ddoc ? ddoc : (const uint8_t *)"", dlen);
    free(ddoc);
    CHECK(json_array_size(default_ids) == 2);
    CHECK(n >= 70); /* every case of the copied suite */
    for (size_t i = 0; i < n; i++) {
        run_case(ctx, names[i]);
        default_root_case(ctx, names[i]);
        free(names[i]);
    }
    CHECK(n_foreign >= 1); /* the foreign-root rule was exercised */
    json_decref(default_ids);
    /* every table entry names a case that exists */
    for (size_t i = 0; i < n_table; i++) {
        char sub[2048];
        snprintf(sub, sizeof sub, "%s/%s/bundle.sigstore.json", path,
                 table[i].name);
        FILE *f = fopen(sub, "r");
        CHECK(f != NULL);
        if (f)
            fclose(f);
    }
    negatives(ctx);
    teeattest_ctx_free(ctx);
    return ta_test_done();
}
