/*
 * Tinfoil release attestation: the Sigstore bundle a Tinfoil enclave
 * release publishes (a DSSE envelope holding an in-toto statement with
 * predicate type snp-tdx-multiplatform/v1, signed by a GitHub Actions
 * workflow of the enclave's repository at a release tag) against the TDX
 * quote of a Tinfoil V3 report. The predicate states RTMR1 and RTMR2 of
 * the release's TDX guest; RTMR3 is expected all zero. MRTD and RTMR0
 * (firmware and platform) come from a separate hardware-measurements
 * release, compared by tinfoil_hardware.c.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "../sigstore/sigstore.h"
#include "teeattest/sigstore.h"
#include "tinfoil_release.h"

#define PASS TEEATTEST_OUTCOME_PASS
#define FAIL TEEATTEST_OUTCOME_FAIL
#define SKIP TEEATTEST_OUTCOME_SKIP

#define GITHUB_ISSUER "https://token.actions.githubusercontent.com"
/* A bundle is a few kilobytes to tens of kilobytes. */
#define TA_TINFOIL_MAX_DOC (1024 * 1024)

void ta_tinfoil_release_clear(struct teeattest_policy *p)
{
    ta_free(p->ctx, p->tinfoil_bundle);
    ta_free(p->ctx, p->tinfoil_repo);
    p->tinfoil_bundle = NULL;
    p->tinfoil_repo = NULL;
    p->tinfoil_bundle_len = 0;
    p->tinfoil_has_digest = false;
}

/* owner/name of GitHub: letters, digits, '-', '_', '.'; one slash. */
bool ta_tinfoil_repo_ok(const char *s)
{
    size_t n = strlen(s), slash = 0, at = 0;
    if (n == 0 || n > TA_TINFOIL_MAX_REPO)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '/') {
            slash++;
            at = i;
        } else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                     (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                     c == '.')) {
            return false;
        }
    }
    return slash == 1 && at > 0 && at + 1 < n;
}

TEEATTEST_API int teeattest_policy_set_tinfoil_release(
    teeattest_policy *policy, const uint8_t *bundle, size_t bundle_len,
    const char *repo, const char *release_digest, teeattest_error *err)
{
    if (!policy)
        return TA_INVALID(err, "policy is NULL");
    if (!bundle) {
        ta_tinfoil_release_clear(policy);
        return TEEATTEST_OK;
    }
    if (!bundle_len || !repo)
        return TA_INVALID(err, "bundle and repo");
    if (bundle_len > TA_TINFOIL_MAX_DOC)
        return ta_error(err, TEEATTEST_E_TOO_LARGE, "bundle",
                        "over the limit of %d bytes", TA_TINFOIL_MAX_DOC);
    if (!ta_tinfoil_repo_ok(repo))
        return ta_error(err, TEEATTEST_E_INVALID_ARG, "repo",
                        "repository \"%.*s\" is not a GitHub owner/name",
                        TA_TINFOIL_MAX_REPO, repo);
    uint8_t digest[32];
    if (release_digest) {
        const char *h = release_digest;
        if (strncmp(h, "sha256:", 7) == 0)
            h += 7;
        if (strlen(h) != 64 || ta_hex_decode_exact(digest, 32, h, 64, false))
            return ta_error(err, TEEATTEST_E_HEX, "release_digest",
                            "the release digest is not 64 hex digits");
    }
    teeattest_ctx *ctx = policy->ctx;
    uint8_t *b = ta_malloc(ctx, bundle_len);
    char *rp = ta_strdup(ctx, repo);
    if (!b || !rp) {
        ta_free(ctx, b);
        ta_free(ctx, rp);
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "copying the release");
    }
    memcpy(b, bundle, bundle_len);
    ta_tinfoil_release_clear(policy);
    policy->tinfoil_bundle = b;
    policy->tinfoil_bundle_len = bundle_len;
    policy->tinfoil_repo = rp;
    policy->tinfoil_has_digest = release_digest != NULL;
    if (release_digest)
        memcpy(policy->tinfoil_digest, digest, 32);
    return TEEATTEST_OK;
}

/* ---- the statement ------------------------------------------------------- */

static bool lower_hex(const char *s, size_t want)
{
    if (!s || strlen(s) != want)
        return false;
    for (size_t i = 0; i < want; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

bool ta_tinfoil_reg(uint8_t out[48], json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return lower_hex(s, 96) && ta_hex_decode_exact(out, 48, s, 96, false) == 0;
}

int ta_intoto_header(json_t *st, const char *ptype, bool lower,
                     uint8_t digest[32], json_t **pred, char *why,
                     size_t cap)
{
    *pred = NULL;
    const char *type = json_string_value(json_object_get(st, "_type"));
    if (!type || strcmp(type, TA_INTOTO_STATEMENT_V1) != 0) {
        snprintf(why, cap, "statement _type is not %s",
                 TA_INTOTO_STATEMENT_V1);
        return TA_TINFOIL_STMT_MALFORMED;
    }
    json_t *subj = json_object_get(st, "subject");
    json_t *dig = json_object_get(json_array_get(subj, 0), "digest");
    const char *sha = json_string_value(json_object_get(dig, "sha256"));
    if (!json_is_array(subj) || json_array_size(subj) != 1 || !sha ||
        strlen(sha) != 64 || (lower && !lower_hex(sha, 64)) ||
        ta_hex_decode_exact(digest, 32, sha, 64, false)) {
        snprintf(why, cap, "the statement does not have exactly one subject "
                           "with a sha256 digest%s",
                 lower ? " of 64 lower-case hex digits" : "");
        return TA_TINFOIL_STMT_MALFORMED;
    }
    const char *pt = json_string_value(json_object_get(st, "predicateType"));
    if (!pt || strcmp(pt, ptype) != 0) {
        snprintf(why, cap, "predicateType \"%.100s\" is not %s",
                 pt ? pt : "(none)", ptype);
        return TA_TINFOIL_STMT_TYPE;
    }
    *pred = json_object_get(st, "predicate");
    return TA_TINFOIL_STMT_OK;
}

int ta_tinfoil_statement_parse(const uint8_t *stmt, size_t len,
                               ta_tinfoil_release *out, char *why,
                               size_t cap)
{
    int rc = TA_TINFOIL_STMT_MALFORMED;
    json_t *st = NULL, *pred = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    if (ta_json_parse(&st, stmt, len, TA_TINFOIL_MAX_DOC, &e) ||
        !json_is_object(st)) {
        snprintf(why, cap, "the statement is not a JSON object");
        goto out;
    }
    rc = ta_intoto_header(st, TA_TINFOIL_PREDICATE, false,
                          out->subject_digest, &pred, why, cap);
    if (rc != TA_TINFOIL_STMT_OK)
        goto out;
    rc = TA_TINFOIL_STMT_MALFORMED;
    json_t *tdx = json_object_get(pred, "tdx_measurement");
    if (!json_is_object(pred) || !json_is_object(tdx) ||
        !ta_tinfoil_reg(out->snp, pred, "snp_measurement") ||
        !ta_tinfoil_reg(out->rtmr1, tdx, "rtmr1") ||
        !ta_tinfoil_reg(out->rtmr2, tdx, "rtmr2")) {
        snprintf(why, cap, "the predicate lacks snp_measurement or "
                           "tdx_measurement.rtmr1/rtmr2 as 96 lower-case hex "
                           "digits");
        goto out;
    }
    rc = TA_TINFOIL_STMT_OK;
out:
    json_decref(st);
    return rc;
}

/* ---- the checks ---------------------------------------------------------- */

/* Append s to the ERE at out[*o], '.' and '+' escaped. */
static void re_quote(char *out, size_t cap, size_t *o, const char *s)
{
    for (const char *p = s; *p && *o + 3 < cap; p++) {
        if (*p == '.' || *p == '+')
            out[(*o)++] = '\\';
        out[(*o)++] = *p;
    }
    out[*o] = 0;
}

/* The identity a release workflow's certificate carries:
 * https://github.com/OWNER/NAME/.github/workflows/FILE@refs/tags/TAG, as an
 * anchored POSIX ERE ('.' in the repository escaped); TAG the given one
 * when not NULL. */
void ta_tinfoil_identity_re(char *out, size_t cap, const char *repo,
                           const char *tag)
{
    size_t o = 0;
    o += (size_t)snprintf(out, cap, "https://github\\.com/");
    re_quote(out, cap, &o, repo);
    o += (size_t)snprintf(out + o, cap - o,
                          "/\\.github/workflows/[^@]+@refs/tags/%s",
                          tag ? "" : "[^@]+");
    if (tag)
        re_quote(out, cap, &o, tag);
}

/* The sigstore.* checks of the bundle, sorted into the three release
 * checks they belong to. A group passes when none of its checks failed and
 * each of its essential checks ran and passed (the Sigstore verification
 * stops early on some failures: a step that did not run never passes). */
static const char *const essential[] = {
    "sigstore.trusted_root", "sigstore.bundle", "sigstore.certificate",
    "sigstore.signature", "sigstore.tlog.body", "sigstore.time",
    "sigstore.certificate.chain", "sigstore.certificate.sct",
    "sigstore.certificate.identity", "sigstore.certificate.issuer",
    "sigstore.dsse.subject"};
#define N_ESSENTIAL (sizeof essential / sizeof essential[0])

static int group_of(const char *name)
{
    if (!strcmp(name, "sigstore.certificate.identity") ||
        !strcmp(name, "sigstore.certificate.issuer"))
        return GROUP_IDENTITY;
    if (!strcmp(name, "sigstore.dsse.subject") ||
        !strcmp(name, "sigstore.artifact.digest"))
        return GROUP_DIGEST;
    return GROUP_BUNDLE;
}

void ta_tinfoil_sort_checks(const teeattest_result *sr, bool ok[N_GROUPS],
                            char why[N_GROUPS][200])
{
    bool passed[N_ESSENTIAL] = {false};
    for (int g = 0; g < N_GROUPS; g++)
        ok[g] = true;
    size_t n = teeattest_result_check_count(sr);
    for (size_t i = 0; i < n; i++) {
        const char *name = "", *detail = "";
        int32_t outcome = FAIL;
        teeattest_result_check(sr, i, &name, &outcome, &detail, NULL, NULL);
        for (size_t k = 0; k < N_ESSENTIAL; k++)
            if (!strcmp(name, essential[k]) && outcome == PASS)
                passed[k] = true;
        int g = group_of(name);
        if (outcome == PASS || !ok[g])
            continue;
        ok[g] = false;
        snprintf(why[g], sizeof why[g], "%s: %s", name, detail);
    }
    for (size_t k = 0; k < N_ESSENTIAL; k++) {
        int g = group_of(essential[k]);
        if (passed[k] || !ok[g])
            continue;
        ok[g] = false;
        snprintf(why[g], sizeof why[g], "%s did not run: the bundle "
                 "verification stopped before it", essential[k]);
    }
}

int ta_tinfoil_envelope(teeattest_ctx *ctx, const uint8_t *bundle,
                        size_t len, ta_ss_bundle **out, char *why,
                        size_t cap, teeattest_error *e)
{
    ta_ss_bundle *b = NULL;
    *out = NULL;
    if (ta_ss_bundle_parse(ctx, &b, bundle, len, e)) {
        if (e->code == TEEATTEST_E_NOMEM)
            return TEEATTEST_E_NOMEM;
        snprintf(why, cap, "the bundle does not parse: %.200s", e->message);
        return 1;
    }
    if (!b->dsse) {
        snprintf(why, cap, "the bundle holds a message signature, not a "
                           "DSSE envelope");
    } else if (!b->payload_type ||
               strcmp(b->payload_type, TA_INTOTO_PAYLOAD_TYPE) != 0) {
        snprintf(why, cap, "DSSE payloadType is not %s",
                 TA_INTOTO_PAYLOAD_TYPE);
    } else {
        *out = b;
        return 0;
    }
    ta_ss_bundle_free(ctx, b);
    return 1;
}

int ta_tinfoil_verify_signer(teeattest_ctx *ctx, const teeattest_policy *pol,
                             const uint8_t *bundle, size_t len,
                             const uint8_t *digest, const char *repo,
                             const char *tag, int64_t at, const char *why,
                             bool ok[N_GROUPS], char gwhy[N_GROUPS][200],
                             char san[512], teeattest_error *err)
{
    for (int g = 0; g < N_GROUPS; g++) {
        ok[g] = false;
        snprintf(gwhy[g], sizeof gwhy[g], "not checked");
    }
    san[0] = 0;
    if (!digest) {
        snprintf(gwhy[GROUP_BUNDLE], sizeof gwhy[GROUP_BUNDLE],
                 "no subject digest to verify the bundle for: %.150s", why);
        return TEEATTEST_OK;
    }
    /* The root is the policy's one Sigstore trusted root; none set (NULL):
     * the shipped default, which verify_bundle names in its
     * sigstore.trusted_root check. */
    char re[(TA_TINFOIL_MAX_REPO + TA_TINFOIL_MAX_TAG) * 2 + 96];
    ta_tinfoil_identity_re(re, sizeof re, repo, tag);
    teeattest_result *sr = NULL;
    int rc = ta_ss_verify_bundle_at(
        ctx, &sr, bundle, len, pol->sigstore_root, pol->sigstore_root_len,
        NULL, 0, digest, re, GITHUB_ISSUER,
        TEEATTEST_SIGSTORE_IDENTITY_REGEXP, NULL, 0, at, err);
    if (rc)
        return rc;
    ta_tinfoil_sort_checks(sr, ok, gwhy);
    const char *id = teeattest_result_fact(sr, "sigstore.identity");
    if (!id)
        id = teeattest_result_fact(sr, "unverified.sigstore.identity");
    if (id)
        snprintf(san, 512, "%s", id);
    teeattest_result_free(sr);
    return TEEATTEST_OK;
}

void ta_tinfoil_signer_checks(teeattest_result *r, const teeattest_policy *pol,
                              const char *prefix, bool bundle_ok,
                              const char *bundle_why, bool id_ok,
                              const char *id_why, const char *san,
                              const char *repo, const char *tag)
{
    char name[64];
    snprintf(name, sizeof name, "%s.bundle", prefix);
    if (bundle_ok)
        ta_result_check(r, name, PASS, true,
                        "the Sigstore bundle verifies against the %s "
                        "(certificate chain, SCT, signature, transparency "
                        "log)", pol->sigstore_root ? "policy's trusted root"
                                                   : TA_SS_DEFAULT_ROOT_NAME);
    else
        ta_result_check(r, name, FAIL, true, "%s", bundle_why);
    snprintf(name, sizeof name, "%s.identity", prefix);
    if (id_ok)
        ta_result_check(r, name, PASS, true,
                        "signed by %s (a release workflow of %s)", san, repo);
    else
        ta_result_check(r, name, FAIL, true,
                        "%s; want a workflow of %s at %s%s, issuer %s",
                        id_why, repo, tag ? "release tag " : "a release tag",
                        tag ? tag : "", GITHUB_ISSUER);
    snprintf(name, sizeof name, "%s.workflow", prefix);
    if (san[0])
        ta_result_fact_str(r, name, san);
}

int ta_tinfoil_release_checks(teeattest_ctx *ctx, teeattest_result *r,
                              const teeattest_policy *pol,
                              const ta_tinfoil_src *src,
                              const uint8_t *const rtmr[4], int64_t at,
                              teeattest_error *err)
{
    if (!src->bundle) {
        bool req = pol->require_tinfoil_release;
        ta_result_check(r, "tinfoil.release.bundle", req ? FAIL : SKIP, req,
                        "%s%s", src->missing ? src->missing
                                : "no release attestation given "
                                  "(teeattest_policy_set_tinfoil_release)",
                        req ? ", and the policy requires one" : "");
        return TEEATTEST_OK;
    }
    ta_result_fact_str(r, "tinfoil.release.repo", src->repo);

    /* The statement, read from the envelope before its signature is
     * checked: only to know which subject digest to ask for. */
    ta_ss_bundle *b = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    ta_tinfoil_release rel;
    char why[256] = "";
    int st = TA_TINFOIL_STMT_MALFORMED;
    int env = ta_tinfoil_envelope(ctx, src->bundle, src->len, &b, why,
                                  sizeof why, &e);
    if (env < 0)
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "%s", e.message);
    if (env == 0)
        st = ta_tinfoil_statement_parse(b->payload.p, b->payload.len, &rel,
                                        why, sizeof why);
    bool have_subject = st == TA_TINFOIL_STMT_OK ||
                        st == TA_TINFOIL_STMT_TYPE;
    ta_ss_bundle_free(ctx, b);

    /* The Sigstore verification proper. */
    const uint8_t *digest = src->digest ? src->digest
                            : have_subject ? rel.subject_digest
                                           : NULL;
    bool grp_ok[N_GROUPS];
    char grp_why[N_GROUPS][200], san[512];
    int rc = ta_tinfoil_verify_signer(ctx, pol, src->bundle, src->len, digest,
                                      src->repo, src->tag, at, why, grp_ok,
                                      grp_why, san, err);
    if (rc)
        return rc;
    ta_tinfoil_signer_checks(r, pol, "tinfoil.release", grp_ok[GROUP_BUNDLE],
                             grp_why[GROUP_BUNDLE], grp_ok[GROUP_IDENTITY],
                             grp_why[GROUP_IDENTITY], san, src->repo,
                             src->tag);
    const char *tag_at = strstr(san, "@refs/tags/");
    if (src->tag)
        ta_result_fact_str(r, "tinfoil.release.tag", src->tag);
    else if (grp_ok[GROUP_IDENTITY] && tag_at)
        ta_result_fact_str(r, "tinfoil.release.tag", tag_at + 11);

    if (st == TA_TINFOIL_STMT_OK)
        ta_result_check(r, "tinfoil.release.predicate", PASS, true,
                        "in-toto statement v1 with predicate %s",
                        TA_TINFOIL_PREDICATE);
    else
        ta_result_check(r, "tinfoil.release.predicate", FAIL, true, "%s", why);

    char hexd[65];
    if (have_subject) {
        ta_hex_encode(hexd, rel.subject_digest, 32);
        ta_result_fact_str(r, "tinfoil.release.digest", hexd);
    }
    if (!src->digest)
        ta_result_check(r, "tinfoil.release.digest",
                        grp_ok[GROUP_DIGEST] ? SKIP : FAIL,
                        !grp_ok[GROUP_DIGEST], "%s",
                        grp_ok[GROUP_DIGEST]
                            ? "no release digest given: any release the "
                              "repository's tag workflow signed is accepted"
                            : grp_why[GROUP_DIGEST]);
    else if (grp_ok[GROUP_DIGEST])
        ta_result_check(r, "tinfoil.release.digest", PASS, true,
                        "the statement's subject is the given release "
                        "digest");
    else
        ta_result_check(r, "tinfoil.release.digest", FAIL, true,
                        "the statement's subject is not the given release "
                        "digest (%s)", grp_why[GROUP_DIGEST]);

    /* The measurements, from a statement that verified only. */
    if (!grp_ok[GROUP_BUNDLE] || !grp_ok[GROUP_IDENTITY] ||
        st != TA_TINFOIL_STMT_OK) {
        ta_result_check(r, "tinfoil.release.measurement", SKIP, true,
                        "the release attestation did not verify");
        return TEEATTEST_OK;
    }
    static const uint8_t zero[48];
    bool m1 = ta_ct_equal(rtmr[1], rel.rtmr1, 48);
    bool m2 = ta_ct_equal(rtmr[2], rel.rtmr2, 48);
    bool m3 = ta_ct_equal(rtmr[3], zero, 48);
    if (m1 && m2 && m3) {
        ta_result_check(r, "tinfoil.release.measurement", PASS, true,
                        "RTMR1 and RTMR2 are the release's, RTMR3 is zero");
        return TEEATTEST_OK;
    }
    char q[97], want[97];
    const uint8_t *qr = !m1 ? rtmr[1] : !m2 ? rtmr[2] : rtmr[3];
    const uint8_t *wr = !m1 ? rel.rtmr1 : !m2 ? rel.rtmr2 : zero;
    ta_hex_encode(q, qr, 48);
    ta_hex_encode(want, wr, 48);
    ta_result_check(r, "tinfoil.release.measurement", FAIL, true,
                    "RTMR%d of the quote %s is not the release's %s",
                    !m1 ? 1 : !m2 ? 2 : 3, q, want);
    return TEEATTEST_OK;
}
