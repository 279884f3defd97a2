/*
 * The Tinfoil release discovered online (TEEATTEST_ONLINE_TINFOIL_RELEASE,
 * docs/providers.md "Tinfoil releases") through a fake transport plugged
 * in with the public teeattest_transport vtable (no sockets), answering
 * for the default base URLs (api.github.com, github.com and an asset
 * store): the real router release bundle of tests/data/tinfoil-release
 * against the real Tinfoil capture (another release: measurement fails,
 * everything else passes). What the loopback simulator cannot show:
 * the default URLs, an https-to-http redirect, a redirect loop, a
 * transport error, a hash in sha256sum's format, a release answering
 * another tag or a tag no URL may carry, an attestations list whose first
 * bundle is not Tinfoil's, the bundle kept once over two verifications.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "tinfoil_kit.h"

#define REPO "tinfoilsh/confidential-model-router"
#define DIGEST "5ed9d5c942528ec2eeb759919827f1bc2183c6810f80225a52147dd4020c12a0"
#define E "entry[0].tinfoil.release."
#define API "https://api.github.com/repos/" REPO
#define DL "https://github.com/" REPO "/releases/download/v0.0.38/tinfoil.hash"
#define ASSET "https://release-assets.githubusercontent.test/tinfoil.hash"

typedef struct fake {
    int requests;            /* for REPO's release (and the asset store) */
    int hw_requests;         /* for tinfoilsh/hardware-measurements: 404 */
    char urls[16][300];
    const char *hash;        /* tinfoil.hash body */
    const char *tag_name;    /* the release's tag_name */
    const char *location;    /* github.com's redirect target */
    bool tls_error;
    bool junk_first;         /* a non-Tinfoil bundle listed first */
} fake;

static uint8_t *bundle;
static size_t bundle_len;
static teeattest_collateral *col;
static uint8_t nonce[32];
static int64_t at;

static int reply(teeattest_http_response *resp, int32_t status,
                 const char *hname, const char *hval, const char *body)
{
    int rc = teeattest_http_response_set_status(resp, status);
    if (!rc && hname)
        rc = teeattest_http_response_add_header(resp, hname, strlen(hname),
                                                hval, strlen(hval));
    if (!rc && body && *body)
        rc = teeattest_http_response_write(resp, (const uint8_t *)body,
                                           strlen(body));
    return rc;
}

static int fake_request(void *ud, teeattest_http_response *resp,
                        const teeattest_http_request *req)
{
    fake *f = ud;
    /* The hardware measurements, fetched too (no bundle given): none
     * published here. */
    if (strstr(req->url, "/tinfoilsh/hardware-measurements/")) {
        f->hw_requests++;
        return reply(resp, 404, NULL, NULL, "{\"message\":\"Not Found\"}");
    }
    if (f->requests < 16)
        snprintf(f->urls[f->requests], sizeof f->urls[0], "%s", req->url);
    f->requests++;
    if (f->tls_error) {
        if (teeattest_http_response_set_error(resp, 35, "TLS handshake "
                                              "failed: certificate expired"))
            return TEEATTEST_E_INTERNAL;
        return TEEATTEST_E_TLS;
    }
    const char *u = req->url;
    if (!strcmp(u, API "/releases/latest") ||
        !strcmp(u, API "/releases/tags/v0.0.38")) {
        char body[300];
        snprintf(body, sizeof body, "{\"tag_name\":\"%s\",\"body\":\"\"}",
                 f->tag_name);
        return reply(resp, 200, NULL, NULL, body);
    }
    if (!strcmp(u, DL))
        return reply(resp, 302, "Location", f->location, NULL);
    if (!strcmp(u, ASSET) || !strcmp(u, "http://release-assets.test/x"))
        return reply(resp, 200, NULL, NULL, f->hash);
    if (!strcmp(u, API "/attestations/sha256:" DIGEST)) {
        char *body = malloc(bundle_len + 200);
        snprintf(body, bundle_len + 200,
                 "{\"attestations\":[%s{\"bundle\":%.*s,\"repository_id\":1}]}",
                 f->junk_first ? "{\"bundle\":{\"mediaType\":\"x\"}},"
                                 "{\"bundle_url\":\"https://x\"}," : "",
                 (int)bundle_len, (const char *)bundle);
        int rc = reply(resp, 200, NULL, NULL, body);
        free(body);
        return rc;
    }
    return reply(resp, 404, NULL, NULL, "{\"message\":\"Not Found\"}");
}

static int fake_sleep(void *ud, uint32_t ms)
{
    (void)ud;
    (void)ms;
    return 0;
}

static void fake_init(fake *f)
{
    memset(f, 0, sizeof *f);
    f->hash = DIGEST "\n";
    f->tag_name = "v0.0.38";
    f->location = ASSET;
}

/* A context whose transport is the fake. */
static teeattest_ctx *fake_ctx(fake *f)
{
    teeattest_ctx_options o = TEEATTEST_CTX_OPTIONS_INIT;
    teeattest_transport t = TEEATTEST_TRANSPORT_INIT;
    t.user_data = f;
    t.request = fake_request;
    o.transport = &t;
    o.sleep = fake_sleep;
    teeattest_ctx *ctx = NULL;
    if (teeattest_ctx_new(&ctx, &o, NULL) != TEEATTEST_OK) {
        printf("Bail out! cannot create a context\n");
        exit(1);
    }
    return ctx;
}

/* Verify the capture online with the fake, the repository's release
 * asked for (tag NULL: latest), into ev (NULL: a fresh one; else one of
 * ctx, a context of fake_ctx(f)). */
static teeattest_result *run_in(teeattest_ctx *ctx, fake *f, const char *tag,
                                int require, teeattest_evidence *ev)
{
    (void)f;
    teeattest_report *r2 = NULL;
    size_t n;
    uint8_t *doc = conf_file("providers/tinfoil_v3_direct/attestation.json",
                             &n);
    CHECK_EQ_INT(teeattest_report_parse(ctx, &r2, "tinfoil", doc, n, NULL),
                 TEEATTEST_OK);
    free(doc);
    bool own = !ev;
    if (own)
        ev = tinfoil_capture_evidence(ctx);
    CHECK_EQ_INT(teeattest_evidence_set_online(
                     ev, TEEATTEST_ONLINE_TINFOIL_RELEASE, NULL, NULL),
                 TEEATTEST_OK);
    teeattest_policy *pol = NULL;
    teeattest_policy_new(ctx, &pol, NULL);
    teeattest_policy_set_time(pol, at, NULL);
    teeattest_policy_set_require_tinfoil_release(pol, require, NULL);
    CHECK_EQ_INT(teeattest_policy_set_tinfoil_release_repo(pol, REPO, tag,
                                                           NULL),
                 TEEATTEST_OK);
    teeattest_result *r = NULL;
    CHECK_EQ_INT(teeattest_report_verify(ctx, &r, r2, TEEATTEST_ENTRY_ALL,
                                         ev, pol, nonce, 32, NULL),
                 TEEATTEST_OK);
    teeattest_policy_free(pol);
    teeattest_report_free(r2);
    if (own)
        teeattest_evidence_free(ev);
    return r;
}

static teeattest_result *run(fake *f, const char *tag, int require,
                             teeattest_evidence *ev)
{
    teeattest_ctx *ctx = fake_ctx(f);
    teeattest_result *r = run_in(ctx, f, tag, require, ev);
    teeattest_ctx_free(ctx);
    return r;
}

static bool detail_has(const teeattest_result *r, const char *check,
                       const char *want)
{
    const char *d = "";
    teeattest_result_find_check(r, check, NULL, &d, NULL);
    if (!strstr(d, want)) {
        printf("# %s: \"%s\" lacks \"%s\"\n", check, d, want);
        return false;
    }
    return true;
}

int main(void)
{
    tinfoil_data_init();
    bundle = tinfoil_data_file("tinfoil-release/router-v0.0.38.sigstore.json",
                               &bundle_len);
    while (bundle_len && (bundle[bundle_len - 1] == '\n'))
        bundle_len--;
    tinfoil_capture_manifest(nonce, &at);

    /* The default URLs, the redirect to the asset store followed, the
     * Tinfoil bundle picked after a non-Tinfoil one. */
    fake f;
    fake_init(&f);
    f.junk_first = true;
    teeattest_result *r = run(&f, NULL, 1, NULL);
    CHECK_STR(ta_test_outcome(r, E "bundle"), "pass");
    CHECK_STR(ta_test_outcome(r, E "identity"), "pass");
    CHECK_STR(ta_test_outcome(r, E "predicate"), "pass");
    CHECK_STR(ta_test_outcome(r, E "digest"), "pass");
    CHECK_STR(ta_test_outcome(r, E "measurement"), "fail");
    CHECK_EQ_INT(f.requests, 4);
    CHECK_STR(f.urls[0], API "/releases/latest");
    CHECK_STR(f.urls[1], DL);
    CHECK_STR(f.urls[2], ASSET);
    CHECK_STR(f.urls[3], API "/attestations/sha256:" DIGEST);
    CHECK_STR(ta_test_fact(r, "entry[0].tinfoil.release.source"),
              API "/attestations/sha256:" DIGEST);
    CHECK_STR(ta_test_fact(r, "entry[0].tinfoil.release.tag"), "v0.0.38");
    /* the hardware measurements' latest release asked for too: a 404,
     * skipped (not required) */
    CHECK_EQ_INT(f.hw_requests, 1);
    CHECK_STR(ta_test_outcome(r, "entry[0].tinfoil.hardware.bundle"), "skip");
    CHECK(detail_has(r, "entry[0].tinfoil.hardware.bundle", "HTTP 404"));
    teeattest_result_free(r);

    /* A tag: /releases/tags/TAG; a line end of CRLF is taken. */
    fake_init(&f);
    f.hash = DIGEST "\r\n";
    r = run(&f, "v0.0.38", 1, NULL);
    CHECK_STR(f.urls[0], API "/releases/tags/v0.0.38");
    CHECK_STR(ta_test_outcome(r, E "digest"), "pass");
    teeattest_result_free(r);

    /* Refusals: each a fetch failure, failed when required, skipped (not
     * required) otherwise, the detail saying why. */
    static const struct {
        const char *name, *hash, *tag_name, *location, *why;
        bool tls;
        int max_requests;
    } bad[] = {
        {"sha256sum format", DIGEST "  tinfoil-deployment.json\n", NULL,
         NULL, "is not 64 hex digits", false, 3},
        {"63 digits", "5ed9d5c942528ec2eeb759919827f1bc2183c6810f80225a52147"
                      "dd4020c12a", NULL, NULL, "is not 64 hex digits", false,
         3},
        {"https to http", NULL, NULL, "http://release-assets.test/x",
         "https URL may only redirect to https", false, 2},
        {"relative redirect", NULL, NULL, "/x", "no absolute", false, 2},
        {"redirect loop", NULL, NULL, DL, "too many redirects", false, 4},
        {"tag with a path", NULL, "../../x", NULL, "no tag_name", false, 1},
        {"another tag", NULL, "v0.0.37", NULL, "not the tag asked for", false,
         1},
        {"transport error", NULL, NULL, NULL, "certificate expired", true,
         1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        printf("# %s\n", bad[i].name);
        for (int req = 0; req < 2; req++) {
            fake_init(&f);
            if (bad[i].hash)
                f.hash = bad[i].hash;
            if (bad[i].tag_name)
                f.tag_name = bad[i].tag_name;
            if (bad[i].location)
                f.location = bad[i].location;
            f.tls_error = bad[i].tls;
            r = run(&f, i == 6 ? "v0.0.38" : NULL, req, NULL);
            CHECK_STR(ta_test_outcome(r, E "bundle"), req ? "fail" : "skip");
            CHECK(detail_has(r, E "bundle", bad[i].why));
            CHECK_STR(ta_test_outcome(r, E "measurement"), "absent");
            CHECK(f.requests <= bad[i].max_requests);
            teeattest_result_free(r);
        }
    }

    /* Two verifications with one evidence object: the bundle is kept once,
     * byte-for-byte the attestation's bundle member (compact). */
    {
        teeattest_ctx *ctx = fake_ctx(&f);
        teeattest_evidence *ev = NULL;
        teeattest_evidence_new(ctx, &ev, NULL);
        teeattest_collateral_load_dir(
            ctx, &col,
            ta_test_fixture("providers/nearai_direct_ed25519_tls/intel_pcs"),
            NULL);
        teeattest_evidence_add_collateral(ev, col, NULL);
        teeattest_collateral_free(col);
        for (int k = 0; k < 2; k++) {
            fake_init(&f);
            r = run_in(ctx, &f, NULL, 1, ev);
            CHECK_STR(ta_test_outcome(r, E "identity"), "pass");
            teeattest_result_free(r);
        }
        CHECK_EQ_INT(teeattest_evidence_sigstore_bundle_count(ev), 1);
        const uint8_t *d = NULL;
        size_t n = 0;
        CHECK_EQ_INT(teeattest_evidence_sigstore_bundle(ev, 0, &d, &n, NULL),
                     TEEATTEST_OK);
        json_t *a = json_loadb((const char *)d, n, 0, NULL);
        json_t *b = json_loadb((const char *)bundle, bundle_len, 0, NULL);
        CHECK(a && b && json_equal(a, b));
        json_decref(a);
        json_decref(b);
        teeattest_evidence_free(ev);
        teeattest_ctx_free(ctx);
    }
    free(bundle);
    return ta_test_done();
}
