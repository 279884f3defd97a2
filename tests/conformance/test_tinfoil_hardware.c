/*
 * Tinfoil hardware measurements (tinfoil.hardware.*, docs/checks.md) over
 * the real Tinfoil capture (../shared/fixtures/providers/tinfoil_v3_direct).
 * No public repository stores a Sigstore bundle of a hardware-measurements
 * release (tests/data/tinfoil-hardware/README.md): the bundles there are
 * signed under a TEST trust root made for them, in the real statement
 * shape, listing the capture's own MRTD and RTMR0 as a platform
 * ("capture_platform") next to the real platform hw1 (same MRTD, another
 * RTMR0) and a made-up one with the capture's RTMR0 and another MRTD. The
 * real router release bundle (tests/data/tinfoil-release) stands for the
 * other predicate type. Attacks: registers mixed from two platforms, the
 * enclave predicate passed as hardware measurements and the reverse,
 * another repository's workflow, a statement edited after signing,
 * duplicate members, a short register, a time before the bundle.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "tinfoil_kit.h"

static teeattest_ctx *ctx;

#define E "entry[0].tinfoil.hardware."
#define ER "entry[0].tinfoil.release."

static uint8_t *troot, *prod_root;
static size_t troot_len, prod_root_len;
static teeattest_report *rep;
static teeattest_evidence *ev;
static uint8_t nonce[32];
static int64_t at;

static void load(void)
{
    troot = tinfoil_data_file("tinfoil-hardware/test_trusted_root.json",
                              &troot_len);
    prod_root = tinfoil_data_file(
        "sigstore-conformance/production_trusted_root.json", &prod_root_len);
    tinfoil_capture_manifest(nonce, &at);
    rep = tinfoil_capture_report(ctx);
    ev = tinfoil_capture_evidence(ctx);
}

/* What run() gives the policy. */
struct in {
    const char *hw;      /* tests/data file of the hardware bundle, or NULL */
    const char *release; /* ... of a release bundle, or NULL */
    const char *release_repo;
    const uint8_t *root; /* NULL: none set (the shipped default) */
    size_t root_len;
    int require;
    int64_t at;          /* 0: the capture's time */
};

static teeattest_result *run(struct in in)
{
    teeattest_policy *pol = NULL;
    teeattest_policy_new(ctx, &pol, NULL);
    teeattest_policy_set_time(pol, in.at ? in.at : at, NULL);
    CHECK_EQ_INT(teeattest_policy_set_require_tinfoil_hardware(
                     pol, in.require, NULL), TEEATTEST_OK);
    if (in.root)
        CHECK_EQ_INT(teeattest_policy_set_sigstore_trusted_root(
                         pol, in.root, in.root_len, NULL), TEEATTEST_OK);
    size_t n = 0;
    if (in.hw) {
        uint8_t *b = tinfoil_data_file(in.hw, &n);
        CHECK_EQ_INT(teeattest_policy_set_tinfoil_hardware(pol, b, n, NULL),
                     TEEATTEST_OK);
        free(b);
    }
    if (in.release) {
        uint8_t *b = tinfoil_data_file(in.release, &n);
        CHECK_EQ_INT(teeattest_policy_set_tinfoil_release(
                         pol, b, n, in.release_repo, NULL, NULL),
                     TEEATTEST_OK);
        free(b);
    }
    teeattest_result *r = NULL;
    CHECK_EQ_INT(teeattest_report_verify(ctx, &r, rep, TEEATTEST_ENTRY_ALL,
                                         ev, pol, nonce, 32, NULL),
                 TEEATTEST_OK);
    teeattest_policy_free(pol);
    return r;
}

static const char *detail_of(const teeattest_result *r, const char *name)
{
    const char *d = "";
    teeattest_result_find_check(r, name, NULL, &d, NULL);
    return d;
}

#define HW(f) "tinfoil-hardware/" f ".sigstore.json"
#define ROUTER "tinfoil-release/router-v0.0.38.sigstore.json"
#define HW_REPO "tinfoilsh/hardware-measurements"

int main(void)
{
    tinfoil_data_init();
    teeattest_ctx_new(&ctx, NULL, NULL);
    load();

    /* Default: none given, skipped, not required; the rest unchanged. */
    teeattest_result *base = run((struct in){0});
    CHECK_STR(ta_test_outcome(base, E "bundle"), "skip");
    CHECK_STR(ta_test_outcome(base, E "measurement"), "absent");
    CHECK_STR(ta_test_outcome(base, "entry[0].binding.report_data"), "pass");
    /* ... and required: fails. */
    teeattest_result *r = run((struct in){.require = 1});
    CHECK_STR(ta_test_outcome(r, E "bundle"), "fail");
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    teeattest_result_free(r);

    /* The measurements listing the capture's platform: every check
     * passes, the platform is named, the verdict is the one without. */
    r = run((struct in){.hw = HW("hw-match"), .root = troot,
                        .root_len = troot_len, .require = 1});
    CHECK_STR(ta_test_outcome(r, E "bundle"), "pass");
    CHECK_STR(ta_test_outcome(r, E "identity"), "pass");
    CHECK_STR(ta_test_outcome(r, E "predicate"), "pass");
    CHECK_STR(ta_test_outcome(r, E "measurement"), "pass");
    CHECK_STR(ta_test_fact(r, "entry[0].tinfoil.hardware.platform"),
              "capture_platform");
    CHECK_STR(ta_test_fact(r, "entry[0].tinfoil.hardware.platforms"), "3");
    CHECK_STR(ta_test_fact(r, "entry[0].tinfoil.hardware.repo"), HW_REPO);
    CHECK_STR(ta_test_fact(r, "entry[0].tinfoil.hardware.workflow"),
              "https://github.com/" HW_REPO
              "/.github/workflows/build.yml@refs/tags/v0.0.35");
    CHECK(ta_test_fact(r, "entry[0].tinfoil.hardware.digest") != NULL);
    CHECK(strstr(detail_of(r, E "measurement"), "capture_platform") != NULL);
    CHECK_EQ_INT(teeattest_result_verdict(r), teeattest_result_verdict(base));
    teeattest_result_free(r);

    /* Attack: MRTD of hw1 with RTMR0 of other_mrtd, both listed, no one
     * platform with both: detected, every other check passing. */
    r = run((struct in){.hw = HW("hw-nomatch"), .root = troot,
                        .root_len = troot_len});
    CHECK_STR(ta_test_outcome(r, E "bundle"), "pass");
    CHECK_STR(ta_test_outcome(r, E "identity"), "pass");
    CHECK_STR(ta_test_outcome(r, E "predicate"), "pass");
    CHECK_STR(ta_test_outcome(r, E "measurement"), "fail");
    CHECK(strstr(detail_of(r, E "measurement"), "no platform") != NULL);
    CHECK(ta_test_fact(r, "entry[0].tinfoil.hardware.platform") == NULL);
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    teeattest_result_free(r);

    /* Attack: that statement edited after signing so that it would match. */
    r = run((struct in){.hw = HW("hw-edited"), .root = troot,
                        .root_len = troot_len});
    CHECK_STR(ta_test_outcome(r, E "bundle"), "fail");
    CHECK_STR(ta_test_outcome(r, E "measurement"), "skip");
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    teeattest_result_free(r);

    /* Attack: the same statement signed by another repository's workflow. */
    r = run((struct in){.hw = HW("hw-other-repo"), .root = troot,
                        .root_len = troot_len});
    CHECK_STR(ta_test_outcome(r, E "bundle"), "pass");
    CHECK_STR(ta_test_outcome(r, E "identity"), "fail");
    CHECK(strstr(detail_of(r, E "identity"), HW_REPO) != NULL);
    CHECK_STR(ta_test_outcome(r, E "measurement"), "skip");
    CHECK(ta_test_fact(r, "entry[0].tinfoil.hardware.platform") == NULL);
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    teeattest_result_free(r);

    /* Attack: a duplicate platform (signed) whose second copy matches: the
     * statement is refused whole, so not even its subject is read. */
    r = run((struct in){.hw = HW("hw-duplicate"), .root = troot,
                        .root_len = troot_len});
    CHECK_STR(ta_test_outcome(r, E "bundle"), "fail");
    CHECK_STR(ta_test_outcome(r, E "predicate"), "fail");
    CHECK(strstr(detail_of(r, E "predicate"), "duplicate") != NULL);
    CHECK_STR(ta_test_outcome(r, E "measurement"), "skip");
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    teeattest_result_free(r);
    /* A register of 94 hex digits (signed). */
    r = run((struct in){.hw = HW("hw-short"), .root = troot,
                        .root_len = troot_len});
    CHECK_STR(ta_test_outcome(r, E "predicate"), "fail");
    CHECK(strstr(detail_of(r, E "predicate"), "capture_platform") != NULL);
    CHECK_STR(ta_test_outcome(r, E "measurement"), "skip");
    teeattest_result_free(r);

    /* Attack: an enclave release statement (snp-tdx-multiplatform) signed
     * by the hardware repository's workflow, given as hardware
     * measurements: the signature and identity hold, the predicate not. */
    r = run((struct in){.hw = HW("hw-enclave-type"), .root = troot,
                        .root_len = troot_len});
    CHECK_STR(ta_test_outcome(r, E "bundle"), "pass");
    CHECK_STR(ta_test_outcome(r, E "identity"), "pass");
    CHECK_STR(ta_test_outcome(r, E "predicate"), "fail");
    CHECK(strstr(detail_of(r, E "predicate"), "predicateType") != NULL);
    CHECK_STR(ta_test_outcome(r, E "measurement"), "skip");
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    teeattest_result_free(r);
    /* ... and the real router release, under the production root: a good
     * bundle, but another repository and another predicate. */
    r = run((struct in){.hw = ROUTER, .root = prod_root,
                        .root_len = prod_root_len});
    CHECK_STR(ta_test_outcome(r, E "bundle"), "pass");
    CHECK_STR(ta_test_outcome(r, E "identity"), "fail");
    CHECK_STR(ta_test_outcome(r, E "predicate"), "fail");
    CHECK_STR(ta_test_outcome(r, E "measurement"), "skip");
    teeattest_result_free(r);
    /* The reverse: hardware measurements given as the enclave release of
     * their own repository: the release's predicate check refuses them. */
    r = run((struct in){.release = HW("hw-match"), .release_repo = HW_REPO,
                        .root = troot, .root_len = troot_len});
    CHECK_STR(ta_test_outcome(r, ER "bundle"), "pass");
    CHECK_STR(ta_test_outcome(r, ER "identity"), "pass");
    CHECK_STR(ta_test_outcome(r, ER "predicate"), "fail");
    CHECK_STR(ta_test_outcome(r, ER "measurement"), "skip");
    CHECK_STR(ta_test_outcome(r, E "bundle"), "skip");
    teeattest_result_free(r);
    /* Both given, each in its place: the release is the router's (its
     * RTMR1 is not the capture's), the hardware passes on its own. */
    r = run((struct in){.hw = HW("hw-match"), .release = ROUTER,
                        .release_repo = "tinfoilsh/confidential-model-router",
                        .root = troot, .root_len = troot_len});
    CHECK_STR(ta_test_outcome(r, E "measurement"), "pass");
    CHECK_STR(ta_test_outcome(r, ER "bundle"), "fail"); /* not the test root */
    teeattest_result_free(r);

    /* The trust root: the TEST bundle does not verify under the shipped
     * default nor under the production root. */
    r = run((struct in){.hw = HW("hw-match")});
    CHECK_STR(ta_test_outcome(r, E "bundle"), "fail");
    CHECK_STR(ta_test_outcome(r, E "measurement"), "skip");
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    teeattest_result_free(r);
    r = run((struct in){.hw = HW("hw-match"), .root = prod_root,
                        .root_len = prod_root_len});
    CHECK_STR(ta_test_outcome(r, E "bundle"), "fail");
    CHECK_STR(ta_test_outcome(r, E "measurement"), "skip");
    teeattest_result_free(r);
    /* The verification time is the policy's: before the bundle was
     * logged (2026-06-20T00:00:00Z) it is in the future. */
    r = run((struct in){.hw = HW("hw-match"), .root = troot,
                        .root_len = troot_len,
                        .at = ta_test_iso_time("2026-06-19T00:00:00Z")});
    CHECK_STR(ta_test_outcome(r, E "bundle"), "fail");
    CHECK(strstr(detail_of(r, E "bundle"), "in the future") != NULL);
    CHECK_STR(ta_test_outcome(r, E "measurement"), "skip");
    teeattest_result_free(r);

    /* The setter: NULL clears, a bundle of length 0 or over 1 MiB is
     * refused and leaves the policy as it was. */
    teeattest_policy *pol = NULL;
    teeattest_policy_new(ctx, &pol, NULL);
    teeattest_policy_set_time(pol, at, NULL);
    size_t n;
    uint8_t *b = tinfoil_data_file(HW("hw-match"), &n);
    CHECK_EQ_INT(teeattest_policy_set_tinfoil_hardware(NULL, b, n, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_policy_set_tinfoil_hardware(pol, b, 0, NULL),
                 TEEATTEST_E_INVALID_ARG);
    uint8_t *big = calloc(1, 1024 * 1024 + 1);
    CHECK_EQ_INT(teeattest_policy_set_tinfoil_hardware(pol, big,
                                                       1024 * 1024 + 1, NULL),
                 TEEATTEST_E_TOO_LARGE);
    free(big);
    CHECK_EQ_INT(teeattest_policy_set_require_tinfoil_hardware(NULL, 1, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_policy_set_tinfoil_hardware(pol, b, n, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_policy_set_tinfoil_hardware(pol, NULL, 0, NULL),
                 TEEATTEST_OK);
    r = NULL;
    CHECK_EQ_INT(teeattest_report_verify(ctx, &r, rep, TEEATTEST_ENTRY_ALL,
                                         ev, pol, nonce, 32, NULL),
                 TEEATTEST_OK);
    CHECK_STR(ta_test_outcome(r, E "bundle"), "skip");
    teeattest_result_free(r);
    teeattest_policy_free(pol);
    free(b);

    teeattest_result_free(base);
    free(troot);
    free(prod_root);
    teeattest_report_free(rep);
    teeattest_evidence_free(ev);
    teeattest_ctx_free(ctx);
    return ta_test_done();
}
