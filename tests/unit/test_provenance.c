/*
 * Image provenance matching (lib/verify/provenance_match.c): image
 * references of an app_compose, Docker name normalisation, digest form
 * games (case, algorithm, length, tag only), signer rule specificity,
 * registry URLs, in-toto subject matching, and the policy setters'
 * refusals.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdlib.h>
#include <string.h>

#include "test.h"

#include "core/core.h"
#include "teeattest/teeattest.h"
#include "sigstore/sigstore.h"
#include "verify/provenance.h"

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define E64 "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static const char *norm(const char *in)
{
    static char out[TA_PROV_NAME_MAX];
    return ta_prov_normalize(out, sizeof out, in, strlen(in)) ? out : "(no)";
}

static void test_normalize(void)
{
    CHECK_STR(norm("nginx"), "docker.io/library/nginx");
    CHECK_STR(norm("org/app"), "docker.io/org/app");
    CHECK_STR(norm("docker.io/nginx"), "docker.io/library/nginx");
    CHECK_STR(norm("index.docker.io/org/app"), "docker.io/org/app");
    CHECK_STR(norm("ghcr.io/org/app"), "ghcr.io/org/app");
    CHECK_STR(norm("localhost/app"), "localhost/app");
    CHECK_STR(norm("127.0.0.1:5000/a/b"), "127.0.0.1:5000/a/b");
    CHECK_STR(norm("ghcr.io/org/"), "ghcr.io/org/");
    CHECK_STR(norm(""), "(no)");
    CHECK_STR(norm("a b"), "(no)");
    CHECK_STR(norm("a@b"), "(no)");
    CHECK_STR(norm("a\"b"), "(no)");
}

static ta_prov_image parse(const char *ref)
{
    ta_prov_image img;
    ta_prov_parse_ref(&img, ref, strlen(ref));
    return img;
}

static void test_refs(void)
{
    ta_prov_image i = parse("ghcr.io/org/app@sha256:" D64);
    CHECK_EQ_INT(i.kind, TA_PROV_REF_DIGEST);
    CHECK_STR(i.name, "ghcr.io/org/app");
    CHECK_STR(i.digest_hex, D64);
    CHECK_EQ_INT(i.digest[0], 0x01);
    i = parse("ghcr.io/org/app:1.2@sha256:" D64); /* tag and digest */
    CHECK_EQ_INT(i.kind, TA_PROV_REF_DIGEST);
    CHECK_STR(i.name, "ghcr.io/org/app");
    i = parse("127.0.0.1:5000/app@sha256:" D64); /* port, not a tag */
    CHECK_STR(i.name, "127.0.0.1:5000/app");
    i = parse("nginx@sha256:" D64);
    CHECK_STR(i.name, "docker.io/library/nginx");
    /* tag only: nothing to tie a bundle to */
    CHECK_EQ_INT(parse("ghcr.io/org/app:latest").kind, TA_PROV_REF_TAG);
    CHECK_EQ_INT(parse("ghcr.io/org/app").kind, TA_PROV_REF_TAG);
    /* digest games: upper case, other algorithm, short, long, empty name */
    CHECK_EQ_INT(parse("ghcr.io/org/app@sha256:"
                       "0123456789ABCDEF0123456789abcdef0123456789abcdef"
                       "0123456789abcdef").kind, TA_PROV_REF_BAD_DIGEST);
    CHECK_EQ_INT(parse("ghcr.io/org/app@SHA256:" D64).kind,
                 TA_PROV_REF_BAD_DIGEST);
    CHECK_EQ_INT(parse("ghcr.io/org/app@sha512:" D64 D64).kind,
                 TA_PROV_REF_BAD_DIGEST);
    CHECK_EQ_INT(parse("ghcr.io/org/app@sha256:" D64 "0").kind,
                 TA_PROV_REF_BAD_DIGEST);
    CHECK_EQ_INT(parse("ghcr.io/org/app@sha256:0123").kind,
                 TA_PROV_REF_BAD_DIGEST);
    CHECK_EQ_INT(parse("@sha256:" D64).kind, TA_PROV_REF_BAD_DIGEST);
    CHECK_EQ_INT(parse("a@b@sha256:" D64).kind, TA_PROV_REF_BAD_DIGEST);
}

static size_t images(const char *doc, ta_prov_image *out, size_t max)
{
    size_t n = 0;
    if (ta_prov_compose_images((const uint8_t *)doc, strlen(doc), out, max,
                               &n))
        return (size_t)-1;
    return n;
}

static void test_compose(void)
{
    ta_prov_image im[4];
    const char *doc =
        "{\"docker_compose_file\":\"services:\\n  web:\\n"
        "    image: ghcr.io/o/web@sha256:" D64 "\\n  db:\\n"
        "    image: \\\"postgres:16\\\"  # a tag only\\n  x:\\n"
        "    - image: 'ghcr.io/o/x@sha256:" E64 "'\\n"
        "    # image: ghcr.io/o/commented@sha256:" D64 "\\n"
        "    environment:\\n      IMAGE: nothing\\n\"}";
    CHECK_EQ_INT(images(doc, im, 4), 3);
    CHECK_STR(im[0].name, "ghcr.io/o/web");
    CHECK_EQ_INT(im[0].kind, TA_PROV_REF_DIGEST);
    CHECK_STR(im[1].name, "docker.io/library/postgres");
    CHECK_EQ_INT(im[1].kind, TA_PROV_REF_TAG);
    CHECK_STR(im[2].digest_hex, E64);
    /* more than max: counted, not stored */
    CHECK_EQ_INT(images(doc, im, 1), 3);
    /* no docker_compose_file: the document's text */
    CHECK_EQ_INT(images("{\"x\":\"y\"}", im, 4), 0);
    CHECK_EQ_INT(images("[1]", im, 4), (size_t)-1);
    CHECK_EQ_INT(images("{\"docker_compose_file\":5}", im, 4), (size_t)-1);
}

static void test_rules(void)
{
    ta_prov_image i = parse("ghcr.io/org/app@sha256:" D64);
    size_t dig = ta_prov_rule_rank("sha256:" D64, &i);
    size_t repo = ta_prov_rule_rank("ghcr.io/org/app", &i);
    size_t path = ta_prov_rule_rank("ghcr.io/org/", &i);
    size_t shorter = ta_prov_rule_rank("ghcr.io/", &i);
    size_t any = ta_prov_rule_rank("*", &i);
    CHECK(dig > repo && repo > path && path > shorter && shorter > any &&
          any > 0);
    CHECK_EQ_INT(ta_prov_rule_rank("sha256:" E64, &i), 0);
    CHECK_EQ_INT(ta_prov_rule_rank("ghcr.io/org/ap", &i), 0); /* not prefix */
    CHECK_EQ_INT(ta_prov_rule_rank("ghcr.io/org/app/", &i), 0);
    CHECK_EQ_INT(ta_prov_rule_rank("ghcr.io/or/", &i), 0);
    CHECK_EQ_INT(ta_prov_rule_rank("docker.io/org/app", &i), 0);
    ta_prov_image t = parse("ghcr.io/org/app:latest");
    CHECK_EQ_INT(ta_prov_rule_rank("sha256:" D64, &t), 0);
}

static void test_registry(void)
{
    char base[128], repo[128];
    CHECK(ta_prov_registry("ghcr.io/org/app", base, sizeof base, repo,
                           sizeof repo));
    CHECK_STR(base, "https://ghcr.io");
    CHECK_STR(repo, "org/app");
    CHECK(ta_prov_registry("docker.io/library/nginx", base, sizeof base,
                           repo, sizeof repo));
    CHECK_STR(base, "https://registry-1.docker.io");
    CHECK_STR(repo, "library/nginx");
    CHECK(!ta_prov_registry("noslash", base, sizeof base, repo, sizeof repo));
}

static bool names(const char *stmt, const char *hex)
{
    return ta_ss_statement_names((const uint8_t *)stmt, strlen(stmt), hex,
                                 NULL) > 0;
}

static void test_subject(void)
{
    CHECK(names("{\"subject\":[{\"digest\":{\"sha256\":\"" E64 "\"}},"
                "{\"digest\":{\"sha256\":\"" D64 "\"}}]}", D64));
    CHECK(!names("{\"subject\":[{\"digest\":{\"sha256\":\"" E64 "\"}}]}", D64));
    /* case game: in-toto digests are lower-case hex */
    CHECK(!names("{\"subject\":[{\"digest\":{\"sha256\":"
                 "\"0123456789ABCDEF0123456789abcdef0123456789abcdef"
                 "0123456789abcdef\"}}]}", D64));
    CHECK(!names("{\"subject\":[{\"digest\":{\"sha256\":\"sha256:" D64
                 "\"}}]}", D64));
    CHECK(!names("{\"subject\":[{\"digest\":{\"sha512\":\"" D64 "\"}}]}", D64));
    CHECK(!names("{\"subject\":{\"digest\":{\"sha256\":\"" D64 "\"}}}", D64));
    CHECK(!names("not json", D64));
}

static void test_setters(void)
{
    teeattest_ctx *ctx = NULL;
    teeattest_policy *p = NULL;
    if (!CHECK_EQ_INT(teeattest_ctx_new(&ctx, NULL, NULL), TEEATTEST_OK) ||
        !CHECK_EQ_INT(teeattest_policy_new(ctx, &p, NULL), TEEATTEST_OK))
        return;
    static const char ID[] = "https://github.com/o/a/.github/workflows/"
                             "r.yml@refs/heads/main";
    static const char ISS[] = "https://token.actions.githubusercontent.com";
    CHECK_EQ_INT(teeattest_policy_add_provenance_identity(p, "*", ID, ISS, 0,
                                                          NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_policy_add_provenance_identity(
                     p, "sha256:" D64, ID, ISS, 0, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_policy_add_provenance_identity(
                     p, "ghcr.io/o/", "^https://github\\.com/o/.*$", ISS,
                     TEEATTEST_SIGSTORE_IDENTITY_REGEXP, NULL), TEEATTEST_OK);
    const char *bad_images[] = {"", "sha256:" "0123", "sha256:"
                                "0123456789ABCDEF0123456789abcdef0123456789a"
                                "bcdef0123456789abcdef", "a b",
                                "ghcr.io/o/a@sha256:" D64};
    for (size_t i = 0; i < sizeof bad_images / sizeof *bad_images; i++)
        CHECK_EQ_INT(teeattest_policy_add_provenance_identity(
                         p, bad_images[i], ID, ISS, 0, NULL),
                     TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_policy_add_provenance_identity(p, "*", "", ISS, 0,
                                                          NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_policy_add_provenance_identity(p, "*", ID, ISS, 8,
                                                          NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_policy_add_provenance_identity(
                     p, "*", "(", ISS, TEEATTEST_SIGSTORE_IDENTITY_REGEXP,
                     NULL), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_policy_add_provenance_identity(NULL, "*", ID, ISS,
                                                          0, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_policy_set_require_provenance(p, 1, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_policy_set_require_provenance(NULL, 1, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_policy_set_sigstore_trusted_root(
                     p, (const uint8_t *)"{}", 2, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_policy_set_sigstore_trusted_root(p, NULL, 0, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_policy_set_sigstore_trusted_root(p, NULL, 3, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_policy_set_sigstore_trusted_root(
                     p, (const uint8_t *)"{}", 0, NULL),
                 TEEATTEST_E_INVALID_ARG);
    /* size cap: the 4 MiB the trusted root parser reads, TOO_LARGE past it
     * (only the length is looked at before the copy: no need to fill) */
    {
        size_t big = TA_SS_MAX_DOC + 1;
        uint8_t *doc = calloc(1, big);
        teeattest_error e = TEEATTEST_ERROR_INIT;
        if (CHECK(doc != NULL)) {
            CHECK_EQ_INT(teeattest_policy_set_sigstore_trusted_root(
                             p, doc, big, &e), TEEATTEST_E_TOO_LARGE);
            CHECK_STR(e.where, "trusted_root");
            CHECK_EQ_INT(teeattest_policy_set_sigstore_trusted_root(
                             p, doc, big - 1, NULL), TEEATTEST_OK);
        }
        free(doc);
    }
    /* evidence bundles */
    teeattest_evidence *ev = NULL;
    if (CHECK_EQ_INT(teeattest_evidence_new(ctx, &ev, NULL), TEEATTEST_OK)) {
        const uint8_t *d = NULL;
        size_t n = 0;
        CHECK_EQ_INT(teeattest_evidence_add_sigstore_bundle(
                         ev, (const uint8_t *)"{}", 2, NULL), TEEATTEST_OK);
        CHECK_EQ_INT(teeattest_evidence_add_sigstore_bundle(ev, NULL, 2, NULL),
                     TEEATTEST_E_INVALID_ARG);
        CHECK_EQ_INT(teeattest_evidence_sigstore_bundle_count(ev), 1);
        CHECK_EQ_INT(teeattest_evidence_sigstore_bundle(ev, 0, &d, &n, NULL),
                     TEEATTEST_OK);
        CHECK(n == 2 && d && !memcmp(d, "{}", 2));
        CHECK_EQ_INT(teeattest_evidence_sigstore_bundle(ev, 1, &d, &n, NULL),
                     TEEATTEST_E_NOT_FOUND);
        for (int i = 1; i < 64; i++)
            teeattest_evidence_add_sigstore_bundle(ev, (const uint8_t *)"{}",
                                                   2, NULL);
        CHECK_EQ_INT(teeattest_evidence_add_sigstore_bundle(
                         ev, (const uint8_t *)"{}", 2, NULL),
                     TEEATTEST_E_INVALID_ARG);
        CHECK_EQ_INT(teeattest_evidence_set_url(
                         ev, TEEATTEST_ONLINE_IMAGE_REGISTRY,
                         "http://127.0.0.1:1", NULL), TEEATTEST_OK);
        teeattest_evidence_free(ev);
    }
    teeattest_policy_free(p);
    teeattest_ctx_free(ctx);
}

int main(void)
{
    test_normalize();
    test_refs();
    test_compose();
    test_rules();
    test_registry();
    test_subject();
    test_setters();
    return ta_test_done();
}
