/*
 * The Tinfoil release a policy names by repository, discovered when no
 * release bundle is given (docs/providers.md, "Tinfoil releases"):
 *
 *   GET <api>/repos/OWNER/NAME/releases/latest (or /releases/tags/TAG)
 *       -> {"tag_name": TAG, ...}
 *   GET <download>/OWNER/NAME/releases/download/TAG/tinfoil.hash
 *       -> 64 hex digits (GitHub answers with a redirect to its asset
 *          store: one or two hops are followed, https only from https)
 *   GET <api>/repos/OWNER/NAME/attestations/sha256:DIGEST
 *       -> {"attestations": [{"bundle": {...}}, ...]}
 *
 * <api> is https://api.github.com and <download> https://github.com, or
 * both the one URL of teeattest_evidence_set_url() (Tinfoil's own
 * verifiers use its caching proxy, api-github-proxy.tinfoil.sh, which
 * serves both path families; the simulator does too). Only with
 * TEEATTEST_ONLINE_TINFOIL_RELEASE. Nothing fetched is trusted: the bundle
 * goes through tinfoil_release.c with the digest required and the
 * workflow's tag required to be the release's; it is kept in the
 * evidence's Sigstore bundles so a saved evidence bundle re-verifies
 * offline, where the one Tinfoil release bundle it holds is checked.
 *
 * With a release repository named and no hardware measurements given, the
 * latest release of tinfoilsh/hardware-measurements is fetched the same
 * way (the same code, another repository) and checked by
 * tinfoil_hardware.c, its tinfoil.hash required as the subject and the
 * workflow's tag the release's; kept in the evidence too, and offline the
 * one hardware-measurements bundle it holds is checked.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "../sigstore/sigstore.h"
#include "../transport/transport.h"
#include "pipeline.h"
#include "tinfoil_hardware.h"
#include "tinfoil_release.h"

#define GITHUB_DOWNLOAD "https://github.com"
/* Answer limits: a release (its notes are at most 125000 characters, plus
 * the asset list), the hash asset, the attestations of one digest (GitHub
 * pages them by 30; a Tinfoil bundle is tens of kilobytes). */
#define RELEASE_MAX (1u << 20)
#define HASH_MAX 256u
#define ATTESTATIONS_MAX (4u << 20)
/* Attestations of one digest looked at; redirects followed per GET. */
#define ATTESTATIONS_LOOKED 16
#define REDIRECTS_MAX 2

void ta_tinfoil_fetch_clear(struct teeattest_policy *p)
{
    ta_free(p->ctx, p->tinfoil_fetch_repo);
    ta_free(p->ctx, p->tinfoil_tag);
    p->tinfoil_fetch_repo = NULL;
    p->tinfoil_tag = NULL;
}

/* A release tag the URLs and the identity pattern can carry: letters,
 * digits, '.', '_', '-', '+'; not starting with '.' or '-'. */
static bool tag_ok(const char *t)
{
    size_t n = strlen(t);
    if (n == 0 || n > TA_TINFOIL_MAX_TAG || t[0] == '.' || t[0] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = t[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
              c == '+'))
            return false;
    }
    return true;
}

TEEATTEST_API int teeattest_policy_set_tinfoil_release_repo(
    teeattest_policy *policy, const char *repo, const char *tag,
    teeattest_error *err)
{
    if (!policy)
        return TA_INVALID(err, "policy is NULL");
    if (!repo) {
        ta_tinfoil_fetch_clear(policy);
        return TEEATTEST_OK;
    }
    if (!ta_tinfoil_repo_ok(repo))
        return ta_error(err, TEEATTEST_E_INVALID_ARG, "repo",
                        "repository \"%.140s\" is not a GitHub owner/name",
                        repo);
    if (tag && !tag_ok(tag))
        return ta_error(err, TEEATTEST_E_INVALID_ARG, "tag",
                        "release tag \"%.128s\" is empty, longer than %d "
                        "bytes or holds a character other than letters, "
                        "digits, '.', '_', '-', '+'", tag,
                        TA_TINFOIL_MAX_TAG);
    teeattest_ctx *ctx = policy->ctx;
    char *rp = ta_strdup(ctx, repo);
    char *tg = tag ? ta_strdup(ctx, tag) : NULL;
    if (!rp || (tag && !tg)) {
        ta_free(ctx, rp);
        ta_free(ctx, tg);
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "copying the release");
    }
    ta_tinfoil_fetch_clear(policy);
    policy->tinfoil_fetch_repo = rp;
    policy->tinfoil_tag = tg;
    return TEEATTEST_OK;
}

/* ---- fetching ------------------------------------------------------------ */

/* Whether bytes are a Sigstore bundle of the kind fetched. */
typedef bool (*bundle_kind)(teeattest_ctx *ctx, const uint8_t *d, size_t n);

typedef struct fetch {
    teeattest_ctx *ctx;
    teeattest_evidence *ev;
    const char *repo;
    bundle_kind kind;    /* the attestation picked is of this kind */
    char api[512], dl[512];
    char tag[TA_TINFOIL_MAX_TAG + 1];
    uint8_t digest[32];
    size_t index;        /* the bundle in ev->sigstore_bundles */
    char where[900];     /* the attestation's URL */
    char why[600];       /* a failure */
} fetch;

static bool is_redirect(int32_t s)
{
    return s == 301 || s == 302 || s == 303 || s == 307 || s == 308;
}

/* GET url (redirects followed) into resp (initialised here, cleared by
 * the caller). TEEATTEST_OK with status 200; TEEATTEST_E_NOMEM; any other
 * failure TEEATTEST_E_NOT_FOUND with f->why set. */
static int get(fetch *f, const char *url, const char *accept, uint64_t max,
               teeattest_http_response *resp)
{
    char cur[1024];
    snprintf(cur, sizeof cur, "%s", url);
    bool https = strncasecmp(url, "https://", 8) == 0;
    ta_http_response_init(resp, f->ctx, max, NULL, NULL);
    for (int hop = 0;; hop++) {
        ta_request_opts o;
        ta_service_opts(&o, 1, max);
        teeattest_error e = TEEATTEST_ERROR_INIT;
        int rc = ta_service_request(f->ctx, "GET", cur, NULL, accept, NULL,
                                    NULL, 0, &o, resp, &e);
        if (rc == TEEATTEST_E_NOMEM)
            return rc;
        if (rc) {
            snprintf(f->why, sizeof f->why, "GET %.300s: %.250s", cur,
                     e.message);
            return TEEATTEST_E_NOT_FOUND;
        }
        if (!is_redirect(resp->status))
            break;
        const char *loc = ta_http_response_header(resp, "Location");
        bool ok = loc && strlen(loc) < sizeof cur &&
                  (strncasecmp(loc, "https://", 8) == 0 ||
                   (!https && strncasecmp(loc, "http://", 7) == 0));
        if (!ok || hop == REDIRECTS_MAX) {
            snprintf(f->why, sizeof f->why, "GET %.300s: HTTP %d %s", cur,
                     (int)resp->status,
                     !ok ? "with no absolute http(s) Location (an https "
                           "URL may only redirect to https)"
                         : "after too many redirects");
            return TEEATTEST_E_NOT_FOUND;
        }
        snprintf(cur, sizeof cur, "%s", loc);
        ta_http_response_clear(resp);
        ta_http_response_init(resp, f->ctx, max, NULL, NULL);
    }
    if (resp->status != 200) {
        snprintf(f->why, sizeof f->why, "GET %.300s: HTTP %d", cur,
                 (int)resp->status);
        return TEEATTEST_E_NOT_FOUND;
    }
    return TEEATTEST_OK;
}

/* The release: its tag_name, which must be the tag asked for. */
static int get_release(fetch *f, const char *want)
{
    char url[1024];
    if (want)
        snprintf(url, sizeof url, "%s/repos/%s/releases/tags/%s", f->api,
                 f->repo, want);
    else
        snprintf(url, sizeof url, "%s/repos/%s/releases/latest", f->api,
                 f->repo);
    teeattest_http_response resp;
    int rc = get(f, url, "application/vnd.github+json", RELEASE_MAX, &resp);
    json_t *j = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    if (!rc && ta_json_parse(&j, resp.body.data, resp.body.len, RELEASE_MAX,
                             &e)) {
        rc = e.code == TEEATTEST_E_NOMEM ? TEEATTEST_E_NOMEM
                                         : TEEATTEST_E_NOT_FOUND;
        snprintf(f->why, sizeof f->why, "the release at %.300s is not JSON: "
                 "%.200s", url, e.message);
    }
    ta_http_response_clear(&resp);
    if (rc) {
        json_decref(j);
        return rc;
    }
    const char *tag = json_string_value(json_object_get(j, "tag_name"));
    if (!tag || !tag_ok(tag))
        rc = TEEATTEST_E_NOT_FOUND, snprintf(
                 f->why, sizeof f->why, "the release at %.300s has no "
                 "tag_name a release tag can be (letters, digits, '.', '_', "
                 "'-', '+')", url);
    else if (want && strcmp(tag, want) != 0)
        rc = TEEATTEST_E_NOT_FOUND, snprintf(
                 f->why, sizeof f->why, "the release at %.300s is tag "
                 "\"%.128s\", not the tag asked for", url, tag);
    else
        snprintf(f->tag, sizeof f->tag, "%s", tag);
    json_decref(j);
    return rc;
}

/* tinfoil.hash: exactly 64 hex digits, then at most one line end. */
static int get_hash(fetch *f)
{
    char url[1024];
    snprintf(url, sizeof url, "%s/%s/releases/download/%s/tinfoil.hash",
             f->dl, f->repo, f->tag);
    teeattest_http_response resp;
    int rc = get(f, url, "application/octet-stream", HASH_MAX, &resp);
    if (!rc) {
        const char *p = (const char *)resp.body.data;
        size_t n = resp.body.len;
        if (n == 66 && p[64] == '\r' && p[65] == '\n')
            n = 64;
        else if (n == 65 && p[64] == '\n')
            n = 64;
        if (n != 64 || ta_hex_decode_exact(f->digest, 32, p, 64, false)) {
            rc = TEEATTEST_E_NOT_FOUND;
            snprintf(f->why, sizeof f->why, "%.300s is not 64 hex digits "
                     "(%zu bytes)", url, resp.body.len);
        }
    }
    ta_http_response_clear(&resp);
    return rc;
}

/* A Sigstore bundle whose DSSE statement names predicate type `type`.
 * Only the type is read (duplicate members allowed here): a bundle of
 * that type whose statement is otherwise broken is still the one to
 * check, and fails its predicate check rather than going unnoticed
 * offline. */
static bool predicate_is(teeattest_ctx *ctx, const uint8_t *d, size_t n,
                         const char *type)
{
    ta_ss_bundle *b = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    if (ta_ss_bundle_parse(ctx, &b, d, n, &e))
        return false;
    bool ok = false;
    if (b->dsse) {
        json_t *st = json_loadb((const char *)b->payload.p, b->payload.len,
                                0, NULL);
        const char *t = json_string_value(json_object_get(st,
                                                          "predicateType"));
        ok = t && strcmp(t, type) == 0;
        json_decref(st);
    }
    ta_ss_bundle_free(ctx, b);
    return ok;
}

/* An enclave release attestation (snp-tdx-multiplatform/v1). */
static bool is_release_bundle(teeattest_ctx *ctx, const uint8_t *d,
                              size_t n)
{
    return predicate_is(ctx, d, n, TA_TINFOIL_PREDICATE);
}

/* A hardware measurements attestation (hardware-measurements/v1). */
static bool is_hardware_bundle(teeattest_ctx *ctx, const uint8_t *d,
                               size_t n)
{
    return predicate_is(ctx, d, n, TA_TINFOIL_HW_PREDICATE);
}

/* Keep bytes in the evidence (once); their index in f->index. */
static int keep(fetch *f, const uint8_t *d, size_t n)
{
    teeattest_evidence *ev = f->ev;
    for (size_t k = 0; k < ev->n_sigstore_bundles; k++)
        if (ev->sigstore_bundles[k].len == n &&
            memcmp(ev->sigstore_bundles[k].data, d, n) == 0) {
            f->index = k;
            return TEEATTEST_OK;
        }
    teeattest_error e = TEEATTEST_ERROR_INIT;
    int rc = teeattest_evidence_add_sigstore_bundle(ev, d, n, &e);
    if (rc == TEEATTEST_E_NOMEM)
        return rc;
    if (rc) {
        snprintf(f->why, sizeof f->why, "the attestation bundle cannot be "
                 "kept in the evidence: %.300s", e.message);
        return TEEATTEST_E_NOT_FOUND;
    }
    f->index = ev->n_sigstore_bundles - 1;
    return TEEATTEST_OK;
}

/* The attestations of the digest: the first bundle of f->kind, else the
 * first bundle (the checks then say what it is). */
static int get_attestation(fetch *f)
{
    char hex[65];
    ta_hex_encode(hex, f->digest, 32);
    snprintf(f->where, sizeof f->where, "%s/repos/%s/attestations/sha256:%s",
             f->api, f->repo, hex);
    teeattest_http_response resp;
    int rc = get(f, f->where, "application/vnd.github+json",
                 ATTESTATIONS_MAX, &resp);
    json_t *j = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    if (!rc && ta_json_parse(&j, resp.body.data, resp.body.len,
                             ATTESTATIONS_MAX, &e)) {
        rc = e.code == TEEATTEST_E_NOMEM ? TEEATTEST_E_NOMEM
                                         : TEEATTEST_E_NOT_FOUND;
        snprintf(f->why, sizeof f->why, "the attestations at %.300s are not "
                 "JSON: %.200s", f->where, e.message);
    }
    ta_http_response_clear(&resp);
    if (rc) {
        json_decref(j);
        return rc;
    }
    json_t *list = json_object_get(j, "attestations");
    char *pick = NULL, *first = NULL;
    for (size_t i = 0; i < json_array_size(list) && i < ATTESTATIONS_LOOKED
                       && !pick; i++) {
        json_t *b = json_object_get(json_array_get(list, i), "bundle");
        if (!json_is_object(b))
            continue;
        char *s = json_dumps(b, JSON_COMPACT);
        if (!s) {
            rc = TEEATTEST_E_NOMEM;
            break;
        }
        size_t n = strlen(s);
        if (n > 0 && n <= (1u << 20) &&
            f->kind(f->ctx, (const uint8_t *)s, n))
            pick = s;
        else if (!first && n > 0 && n <= (1u << 20))
            first = s;
        else
            free(s);
    }
    json_decref(j);
    if (!pick)
        pick = first, first = NULL;
    free(first);
    if (!rc && !pick) {
        rc = TEEATTEST_E_NOT_FOUND;
        snprintf(f->why, sizeof f->why, "%.300s lists no attestation with a "
                 "bundle of at most 1 MiB", f->where);
    }
    if (!rc)
        rc = keep(f, (const uint8_t *)pick, strlen(pick));
    free(pick);
    return rc;
}

static void base_of(char *out, size_t cap, const char *url)
{
    size_t n = strlen(url);
    while (n && url[n - 1] == '/')
        n--;
    snprintf(out, cap, "%.*s", (int)n, url);
}

/* The release of f->repo tagged `tag` (NULL: the latest) from the URLs of
 * ev: its tag in f->tag, its tinfoil.hash in f->digest, its attestation
 * of f->kind kept in ev at f->index and fetched from f->where.
 * TEEATTEST_OK; TEEATTEST_E_NOMEM; any other failure TEEATTEST_E_NOT_FOUND
 * with f->why set. */
static int fetch_release(fetch *f, const char *tag)
{
    const char *u = f->ev->tinfoil_url;
    base_of(f->api, sizeof f->api, u ? u : TEEATTEST_TINFOIL_RELEASE_URL);
    base_of(f->dl, sizeof f->dl, u ? u : GITHUB_DOWNLOAD);
    int rc = get_release(f, tag);
    if (!rc)
        rc = get_hash(f);
    if (!rc)
        rc = get_attestation(f);
    return rc;
}


/* The attestation f->repo's release to judge, into src (bundle, digest,
 * tag; missing says why when there is none): online (the evidence's
 * TEEATTEST_ONLINE_TINFOIL_RELEASE) the release `tag` (NULL: the latest)
 * fetched and kept in the evidence; offline the one bundle of f->kind the
 * evidence holds (none, or several: not found). `fact` names where it
 * came from; `what` ("release", "hardware-measurements") words the
 * reasons. */
static int locate(fetch *f, teeattest_result *r, const char *tag,
                  const char *fact, const char *what, ta_tinfoil_src *src,
                  char *missing, size_t cap, teeattest_error *err)
{
    teeattest_evidence *ev = f->ev;
    src->missing = missing;
    if (ev && (ev->online & TEEATTEST_ONLINE_TINFOIL_RELEASE)) {
        int rc = fetch_release(f, tag);
        if (rc == TEEATTEST_E_NOMEM)
            return ta_error(err, rc, NULL, "out of memory");
        if (rc) {
            snprintf(missing, cap, "the %s %s of %s was not fetched: %s",
                     tag ? "tagged" : "latest", what, f->repo, f->why);
        } else {
            src->bundle = ev->sigstore_bundles[f->index].data;
            src->len = ev->sigstore_bundles[f->index].len;
            src->digest = f->digest;
            src->tag = f->tag;
            ta_result_fact_str(r, fact, f->where);
        }
        return TEEATTEST_OK;
    }
    size_t n = ev ? ev->n_sigstore_bundles : 0, found = 0, k = 0;
    for (size_t i = 0; i < n; i++)
        if (f->kind(f->ctx, ev->sigstore_bundles[i].data,
                    ev->sigstore_bundles[i].len)) {
            if (!found++)
                k = i;
        }
    if (found == 1) {
        char where[64];
        snprintf(where, sizeof where, "evidence sigstore_bundles[%zu]", k);
        ta_result_fact_str(r, fact, where);
        src->bundle = ev->sigstore_bundles[k].data;
        src->len = ev->sigstore_bundles[k].len;
    } else if (found == 0) {
        snprintf(missing, cap, "the %s of %s was not fetched "
                 "(TEEATTEST_ONLINE_TINFOIL_RELEASE is off) and none of the "
                 "evidence's %zu Sigstore bundles is a Tinfoil %s "
                 "attestation", what, f->repo, n, what);
    } else {
        snprintf(missing, cap, "the evidence holds %zu Tinfoil %s "
                 "attestations: which one applies is not known offline",
                 found, what);
    }
    return TEEATTEST_OK;
}

/* ---- the checks ---------------------------------------------------------- */

int ta_tinfoil_release_run(teeattest_ctx *ctx, teeattest_result *r,
                           const teeattest_policy *pol,
                           teeattest_evidence *ev,
                           const uint8_t *const rtmr[4], int64_t at,
                           teeattest_error *err)
{
    ta_tinfoil_src src = {.tag = pol->tinfoil_tag};
    if (pol->tinfoil_bundle || !pol->tinfoil_fetch_repo) {
        /* given (or none at all): nothing to discover */
        src.bundle = pol->tinfoil_bundle;
        src.len = pol->tinfoil_bundle_len;
        src.repo = pol->tinfoil_repo;
        src.digest = pol->tinfoil_has_digest ? pol->tinfoil_digest : NULL;
        if (src.bundle)
            ta_result_fact_str(r, "tinfoil.release.source", "policy");
        return ta_tinfoil_release_checks(ctx, r, pol, &src, rtmr, at, err);
    }
    src.repo = pol->tinfoil_fetch_repo;
    fetch f = {.ctx = ctx, .ev = ev, .repo = pol->tinfoil_fetch_repo,
               .kind = is_release_bundle};
    char missing[800];
    int rc = locate(&f, r, pol->tinfoil_tag, "tinfoil.release.source",
                    "release", &src, missing, sizeof missing, err);
    if (rc)
        return rc;
    return ta_tinfoil_release_checks(ctx, r, pol, &src, rtmr, at, err);
}

/* The hardware measurements: given by the policy; else, with a release
 * repository named, the latest release of tinfoilsh/hardware-measurements
 * fetched as the enclave release is (its tinfoil.hash required as the
 * subject, the workflow's tag the release's), or offline the one
 * hardware-measurements bundle the evidence holds. */
int ta_tinfoil_hardware_run(teeattest_ctx *ctx, teeattest_result *r,
                            const teeattest_policy *pol,
                            teeattest_evidence *ev, const uint8_t mrtd[48],
                            const uint8_t rtmr0[48], int64_t at,
                            teeattest_error *err)
{
    ta_tinfoil_src src = {.repo = TA_TINFOIL_HW_REPO};
    if (pol->tinfoil_hw_bundle || !pol->tinfoil_fetch_repo) {
        src.bundle = pol->tinfoil_hw_bundle;
        src.len = pol->tinfoil_hw_bundle_len;
        if (src.bundle)
            ta_result_fact_str(r, "tinfoil.hardware.source", "policy");
        return ta_tinfoil_hardware_checks(ctx, r, pol, &src, mrtd, rtmr0, at,
                                          err);
    }
    fetch f = {.ctx = ctx, .ev = ev, .repo = TA_TINFOIL_HW_REPO,
               .kind = is_hardware_bundle};
    char missing[800];
    int rc = locate(&f, r, NULL, "tinfoil.hardware.source",
                    "hardware-measurements", &src, missing, sizeof missing,
                    err);
    if (rc)
        return rc;
    return ta_tinfoil_hardware_checks(ctx, r, pol, &src, mrtd, rtmr0, at,
                                      err);
}
