/*
 * Tinfoil release attestation (tinfoil.release.*, docs/checks.md) over the
 * real Tinfoil capture (../shared/fixtures/providers/tinfoil_v3_direct)
 * and the real release bundle of tests/data/tinfoil-release, verified
 * against the production trusted root of tests/data/sigstore-conformance
 * and against the shipped default (none set), which must agree with it.
 * No public bundle of the capture's own release exists (README there): the
 * real router release verifies in every respect but its measurements,
 * which are another release's. Then the attacks: an edited measurement or
 * predicate type inside the signed statement, a bundle for another
 * repository, another release digest.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "tinfoil_kit.h"

static teeattest_ctx *ctx;

#define REPO "tinfoilsh/confidential-model-router"
#define DIGEST "5ed9d5c942528ec2eeb759919827f1bc2183c6810f80225a52147dd4020c12a0"
#define E "entry[0].tinfoil.release."

static uint8_t *bundle, *troot;
static size_t bundle_len, troot_len;
static teeattest_report *rep;
static teeattest_evidence *ev;
static uint8_t nonce[32];
static int64_t at;

static void load(void)
{
    bundle = tinfoil_data_file("tinfoil-release/router-v0.0.38.sigstore.json",
                               &bundle_len);
    troot = tinfoil_data_file(
        "sigstore-conformance/production_trusted_root.json", &troot_len);
    tinfoil_capture_manifest(nonce, &at);
    rep = tinfoil_capture_report(ctx);
    ev = tinfoil_capture_evidence(ctx);
}

/* The policy's Sigstore trusted root run() sets (NULL: none set, the
 * shipped default). */
static const uint8_t *use_root;
static size_t use_root_len;

static teeattest_result *run(const uint8_t *b, size_t blen, const char *repo,
                             const char *digest, int require)
{
    teeattest_policy *pol = NULL;
    teeattest_policy_new(ctx, &pol, NULL);
    teeattest_policy_set_time(pol, at, NULL);
    teeattest_policy_set_require_tinfoil_release(pol, require, NULL);
    if (use_root)
        CHECK_EQ_INT(teeattest_policy_set_sigstore_trusted_root(
                         pol, use_root, use_root_len, NULL),
                     TEEATTEST_OK);
    if (b)
        CHECK_EQ_INT(teeattest_policy_set_tinfoil_release(
                         pol, b, blen, repo, digest, NULL),
                     TEEATTEST_OK);
    teeattest_result *r = NULL;
    CHECK_EQ_INT(teeattest_report_verify(ctx, &r, rep, TEEATTEST_ENTRY_ALL,
                                         ev, pol, nonce, 32, NULL),
                 TEEATTEST_OK);
    teeattest_policy_free(pol);
    return r;
}

/* Do a and b hold the same checks with the same outcomes, and verdict? */
static bool same_outcomes(const teeattest_result *a, const teeattest_result *b)
{
    size_t n = teeattest_result_check_count(a);
    if (!a || !b || n != teeattest_result_check_count(b) ||
        teeattest_result_verdict(a) != teeattest_result_verdict(b))
        return false;
    for (size_t i = 0; i < n; i++) {
        const char *n1, *n2;
        int32_t o1, o2;
        teeattest_result_check(a, i, &n1, &o1, NULL, NULL, NULL);
        teeattest_result_check(b, i, &n2, &o2, NULL, NULL, NULL);
        if (strcmp(n1, n2) || o1 != o2) {
            printf("# %s: %d vs %s: %d\n", n1, o1, n2, o2);
            return false;
        }
    }
    return true;
}

/* The bundle with its DSSE payload (the in-toto statement) passed through
 * `edit`: a string replacement of `from` by `to`, same length. */
static uint8_t *edited(const char *from, const char *to, size_t *len)
{
    json_t *j = json_loadb((const char *)bundle, bundle_len, 0, NULL);
    json_t *env = json_object_get(j, "dsseEnvelope");
    size_t n;
    uint8_t *st = ta_test_b64dec(
        json_string_value(json_object_get(env, "payload")), &n);
    char *s = calloc(1, n + 1);
    memcpy(s, st, n);
    char *at_ = strstr(s, from);
    CHECK(at_ != NULL && strlen(from) == strlen(to));
    if (at_)
        memcpy(at_, to, strlen(to));
    static const char tab[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *b64 = calloc(1, (n + 2) / 3 * 4 + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)(uint8_t)s[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)(uint8_t)s[i + 1] << 8;
        if (i + 2 < n)
            v |= (uint8_t)s[i + 2];
        b64[o++] = tab[v >> 18 & 63];
        b64[o++] = tab[v >> 12 & 63];
        b64[o++] = i + 1 < n ? tab[v >> 6 & 63] : '=';
        b64[o++] = i + 2 < n ? tab[v & 63] : '=';
    }
    json_object_set_new(env, "payload", json_string(b64));
    char *out = json_dumps(j, JSON_COMPACT);
    *len = strlen(out);
    free(st);
    free(s);
    free(b64);
    json_decref(j);
    return (uint8_t *)out;
}

int main(void)
{
    tinfoil_data_init();
    teeattest_ctx_new(&ctx, NULL, NULL);
    load();
    use_root = troot;
    use_root_len = troot_len;

    /* Default: no release given, the checks are skipped, not required. */
    teeattest_result *r = run(NULL, 0, NULL, NULL, 0);
    CHECK_STR(ta_test_outcome(r, E "bundle"), "skip");
    CHECK_STR(ta_test_outcome(r, E "measurement"), "absent");
    CHECK_STR(ta_test_outcome(r, "entry[0].binding.report_data"), "pass");
    teeattest_result_free(r);
    /* ... and required: fails. */
    r = run(NULL, 0, NULL, NULL, 1);
    CHECK_STR(ta_test_outcome(r, E "bundle"), "fail");
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    teeattest_result_free(r);

    /* The real router release: bundle, identity and predicate verify, its
     * RTMR1 is not the gemma enclave's. */
    r = run(bundle, bundle_len, REPO, NULL, 1);
    CHECK_STR(ta_test_outcome(r, E "bundle"), "pass");
    CHECK_STR(ta_test_outcome(r, E "identity"), "pass");
    CHECK_STR(ta_test_outcome(r, E "predicate"), "pass");
    CHECK_STR(ta_test_outcome(r, E "digest"), "skip");
    CHECK_STR(ta_test_outcome(r, E "measurement"), "fail");
    const char *detail = "";
    teeattest_result_find_check(r, E "measurement", NULL, &detail, NULL);
    CHECK(strstr(detail, "RTMR1") != NULL);
    CHECK_STR(ta_test_fact(r, "entry[0].tinfoil.release.workflow"),
              "https://github.com/" REPO
              "/.github/workflows/build.yml@refs/tags/v0.0.38");
    CHECK_STR(ta_test_fact(r, "entry[0].tinfoil.release.digest"), DIGEST);
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    teeattest_result_free(r);
    /* Its own digest, as its tinfoil.hash states it. */
    r = run(bundle, bundle_len, REPO, "sha256:" DIGEST, 1);
    CHECK_STR(ta_test_outcome(r, E "digest"), "pass");
    CHECK_STR(ta_test_outcome(r, E "bundle"), "pass");
    teeattest_result_free(r);

    /* Attack: the predicate of another release (digest). */
    r = run(bundle, bundle_len, REPO,
            "0000000000000000000000000000000000000000000000000000000000000001",
            1);
    CHECK_STR(ta_test_outcome(r, E "digest"), "fail");
    CHECK_STR(ta_test_outcome(r, E "bundle"), "pass");
    teeattest_result_free(r);
    /* Attack: signed by another repository's workflow. */
    r = run(bundle, bundle_len, "tinfoilsh/confidential-gemma4-31b", NULL, 1);
    CHECK_STR(ta_test_outcome(r, E "identity"), "fail");
    CHECK_STR(ta_test_outcome(r, E "bundle"), "pass");
    CHECK_STR(ta_test_outcome(r, E "measurement"), "skip");
    teeattest_result_free(r);
    /* Attack: RTMR1 edited to the quote's inside the signed statement. */
    size_t n;
    uint8_t *b = edited("a7ed1bcbe696222ecf956f2c78a3b29fcc8ca24831a4751b58f"
                        "5858d537fbf29666e7949e8402599c96f41a80f7fe253",
                        "46658ae5655794d3ea0130e2d425aa002f224c7a47c1eb1792f"
                        "656d79f808aac6006ce84d71ee24d97c3eea42c867e51", &n);
    r = run(b, n, REPO, NULL, 1);
    CHECK_STR(ta_test_outcome(r, E "bundle"), "fail");
    CHECK_STR(ta_test_outcome(r, E "measurement"), "skip");
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    teeattest_result_free(r);
    free(b);
    /* Attack: the predicate type swapped (for one of the same length). */
    b = edited("snp-tdx-multiplatform/v1", "snp-tdx-multiplatform/v9", &n);
    r = run(b, n, REPO, NULL, 1);
    CHECK_STR(ta_test_outcome(r, E "predicate"), "fail");
    CHECK_STR(ta_test_outcome(r, E "bundle"), "fail");
    CHECK_STR(ta_test_outcome(r, E "measurement"), "skip");
    teeattest_result_free(r);
    free(b);

    /* No trusted root set (teeattest_policy_set_sigstore_trusted_root):
     * the shipped default, the Sigstore public-good root, gives the same
     * result, check by check, as the production copy given explicitly,
     * required or not, with or without the release digest; the bundle
     * check names the default. */
    const char *digests[] = {NULL, "sha256:" DIGEST,
                             "11111111111111111111111111111111"
                             "11111111111111111111111111111111"};
    for (int req = 0; req < 2; req++)
        for (size_t k = 0; k < 3; k++) {
            use_root = troot;
            use_root_len = troot_len;
            teeattest_result *want =
                run(bundle, bundle_len, REPO, digests[k], req);
            use_root = NULL;
            use_root_len = 0;
            r = run(bundle, bundle_len, REPO, digests[k], req);
            CHECK(same_outcomes(want, r));
            CHECK_STR(ta_test_outcome(r, E "bundle"), "pass");
            detail = "";
            teeattest_result_find_check(r, E "bundle", NULL, &detail, NULL);
            CHECK(strstr(detail, "shipped default trusted root") != NULL);
            teeattest_result_free(want);
            teeattest_result_free(r);
        }
    /* The verification time is the policy's, not the context's clock: at
     * a time before the release was logged (2026-01-22T22:42:02Z), the
     * bundle is in the future and fails; the same bundle passes at the
     * capture's time (above). */
    {
        int64_t saved = at;
        at = ta_test_iso_time("2026-01-20T00:00:00Z");
        r = run(bundle, bundle_len, REPO, NULL, 1);
        CHECK_STR(ta_test_outcome(r, E "bundle"), "fail");
        detail = "";
        teeattest_result_find_check(r, E "bundle", NULL, &detail, NULL);
        CHECK(strstr(detail, "in the future") != NULL);
        teeattest_result_free(r);
        at = saved;
    }
    /* The default is the policy's root for the other checks too: another
     * repository's workflow still fails. */
    r = run(bundle, bundle_len, "tinfoilsh/confidential-gemma4-31b", NULL, 1);
    CHECK_STR(ta_test_outcome(r, E "identity"), "fail");
    CHECK_STR(ta_test_outcome(r, E "bundle"), "pass");
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    teeattest_result_free(r);
    /* NULL after a root restores the default. */
    {
        teeattest_policy *p2 = NULL;
        teeattest_policy_new(ctx, &p2, NULL);
        teeattest_policy_set_time(p2, at, NULL);
        CHECK_EQ_INT(teeattest_policy_set_sigstore_trusted_root(
                         p2, (const uint8_t *)"{}", 2, NULL),
                     TEEATTEST_OK);
        CHECK_EQ_INT(teeattest_policy_set_sigstore_trusted_root(p2, NULL, 0,
                                                                NULL),
                     TEEATTEST_OK);
        CHECK_EQ_INT(teeattest_policy_set_sigstore_trusted_root(p2, NULL, 2,
                                                                NULL),
                     TEEATTEST_E_INVALID_ARG);
        CHECK_EQ_INT(teeattest_policy_set_tinfoil_release(
                         p2, bundle, bundle_len, REPO, NULL, NULL),
                     TEEATTEST_OK);
        r = NULL;
        CHECK_EQ_INT(teeattest_report_verify(ctx, &r, rep,
                                             TEEATTEST_ENTRY_ALL, ev, p2,
                                             nonce, 32, NULL),
                     TEEATTEST_OK);
        CHECK_STR(ta_test_outcome(r, E "bundle"), "pass");
        detail = "";
        teeattest_result_find_check(r, E "bundle", NULL, &detail, NULL);
        CHECK(strstr(detail, "shipped default trusted root") != NULL);
        teeattest_result_free(r);
        teeattest_policy_free(p2);
    }
    use_root = troot;
    use_root_len = troot_len;
    /* A given root overrides the default: one that does not parse fails,
     * never falls back. */
    use_root = (const uint8_t *)"{}";
    use_root_len = 2;
    r = run(bundle, bundle_len, REPO, "sha256:" DIGEST, 0);
    CHECK_STR(ta_test_outcome(r, E "bundle"), "fail");
    CHECK_STR(ta_test_outcome(r, E "measurement"), "skip");
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    teeattest_result_free(r);
    use_root = troot;
    use_root_len = troot_len;

    /* The setter refuses what it cannot use, and leaves the policy be. */
    teeattest_policy *pol = NULL;
    teeattest_policy_new(ctx, &pol, NULL);
    CHECK_EQ_INT(teeattest_policy_set_tinfoil_release(
                     pol, bundle, bundle_len, "no-slash", NULL, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_policy_set_tinfoil_release(
                     pol, bundle, bundle_len, "a/b/c", NULL, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_policy_set_tinfoil_release(
                     pol, bundle, bundle_len, REPO, "abc", NULL),
                 TEEATTEST_E_HEX);
    CHECK_EQ_INT(teeattest_policy_set_tinfoil_release(
                     pol, bundle, bundle_len, NULL, NULL, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_policy_set_tinfoil_release(
                     pol, bundle, 0, REPO, NULL, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_policy_set_tinfoil_release(
                     pol, NULL, 0, NULL, NULL, NULL),
                 TEEATTEST_OK);
    teeattest_policy_free(pol);

    free(bundle);
    free(troot);
    teeattest_report_free(rep);
    teeattest_evidence_free(ev);
    teeattest_ctx_free(ctx);
    return ta_test_done();
}
