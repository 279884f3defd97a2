/*
 * Evidence bundles (teeattest/bundle.h), public API only, on real
 * captures from ../shared/fixtures read at run time: a bundle written
 * from a live verification's objects parses back, verifies to the same
 * checklist and writes back to the same bytes; raw-byte checks (Tinfoil's
 * GPU evidence hash) survive; an exchange with a signature is checked
 * against the attested signer. Then malformed bundles, member by member.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdbool.h>
#include <time.h>

#include "teeattest/teeattest.h"
#include "test.h"
#include "report_helpers.h"

static teeattest_ctx *ctx;

#define NEAR "providers/nearai_direct_ed25519_tls/"
#define TINFOIL "providers/tinfoil_v3_direct/"
#define SIGS "providers/real_signatures/nearai_cloud_2025_stream/"

static uint8_t *fixture(const char *rel, size_t *len)
{
    uint8_t *d = ta_test_read_file(ta_test_fixture(rel), len);
    if (!d) {
        printf("Bail out! cannot read fixture %s\n", rel);
        exit(1);
    }
    return d;
}

/* The string value of the first "key": "..." in a small JSON document
 * (fixture metadata: no escapes in the values read here). */
static char *json_str(const char *doc, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\"", key);
    const char *p = strstr(doc, pat);
    if (!p || !(p = strchr(p + strlen(pat), '"')))
        return NULL;
    const char *e = strchr(p + 1, '"');
    if (!e)
        return NULL;
    char *out = malloc((size_t)(e - p));
    memcpy(out, p + 1, (size_t)(e - p - 1));
    out[e - p - 1] = '\0';
    return out;
}

/* A live capture: the report as parsed, its evidence and what the
 * capture manifest recorded. */
typedef struct capture {
    teeattest_report *rep;
    teeattest_evidence *ev;
    uint8_t nonce[32];
    int64_t at;
    char *model;
} capture;

static void capture_load(capture *c, const char *dir, const char *dialect,
                         const char *report, const char *meta, bool nras)
{
    char rel[256];
    size_t n;
    memset(c, 0, sizeof *c);
    snprintf(rel, sizeof rel, "%scapture_manifest.json", dir);
    char *m = (char *)fixture(rel, &n);
    char *nonce_hex = json_str(m, "nonce_hex");
    char *at = json_str(m, "captured_at");
    c->model = json_str(m, "model");
    ta_test_unhex(c->nonce, 32, nonce_hex);
    c->at = ta_test_iso_time(at);
    free(nonce_hex);
    free(at);
    free(m);

    snprintf(rel, sizeof rel, "%s%s", dir, report);
    uint8_t *doc = fixture(rel, &n);
    int rc = teeattest_report_parse(ctx, &c->rep, dialect, doc, n, NULL);
    free(doc);
    if (rc) {
        printf("Bail out! %s does not parse: %d\n", rel, rc);
        exit(1);
    }
    teeattest_evidence_new(ctx, &c->ev, NULL);
    teeattest_collateral *col = NULL;
    if (teeattest_collateral_load_dir(ctx, &col,
                                      ta_test_fixture(NEAR "intel_pcs"),
                                      NULL)) {
        printf("Bail out! collateral\n");
        exit(1);
    }
    teeattest_evidence_add_collateral(c->ev, col, NULL);
    teeattest_collateral_free(col);

    snprintf(rel, sizeof rel, "%s%s", dir, meta);
    char *h = (char *)fixture(rel, &n);
    char *b64 = json_str(h, "peer_spki_der_base64");
    if (b64) {
        size_t sl;
        uint8_t *spki = ta_test_b64dec(b64, &sl);
        teeattest_evidence_set(c->ev, TEEATTEST_EVIDENCE_TLS_SPKI, 0, spki, sl,
                               NULL);
        free(spki);
        free(b64);
    }
    free(h);
    if (nras) {
        snprintf(rel, sizeof rel, "%snras_response.json", dir);
        uint8_t *a = fixture(rel, &n);
        CHECK_EQ_INT(teeattest_evidence_set(c->ev,
                                            TEEATTEST_EVIDENCE_NRAS_RESPONSE,
                                            0, a, n, NULL), TEEATTEST_OK);
        free(a);
        snprintf(rel, sizeof rel, "%snras_jwks.json", dir);
        a = fixture(rel, &n);
        CHECK_EQ_INT(teeattest_gpu_inputs_add(teeattest_evidence_gpu_inputs(
                                                  c->ev),
                                              TEEATTEST_GPU_ITEM_JWKS, NULL, a,
                                              n, NULL), TEEATTEST_OK);
        free(a);
    }
}

static void capture_free(capture *c)
{
    teeattest_report_free(c->rep);
    teeattest_evidence_free(c->ev);
    free(c->model);
}

static teeattest_result *verify_live(capture *c)
{
    teeattest_policy *pol = NULL;
    teeattest_policy_new(ctx, &pol, NULL);
    teeattest_policy_set_time(pol, c->at, NULL);
    teeattest_result *r = NULL;
    CHECK_EQ_INT(teeattest_report_verify(ctx, &r, c->rep, TEEATTEST_ENTRY_ALL,
                                         c->ev, pol, c->nonce, 32, NULL),
                 TEEATTEST_OK);
    teeattest_policy_free(pol);
    return r;
}

static teeattest_bundle *bundle_of(capture *c)
{
    teeattest_bundle *b = NULL;
    CHECK_EQ_INT(teeattest_bundle_new(ctx, &b, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_bundle_set_report(b, c->rep, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_bundle_set_evidence(b, c->ev, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_bundle_set_nonce(b, c->nonce, 32, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_bundle_set_model(b, c->model, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_bundle_set_time(b, c->at, NULL), TEEATTEST_OK);
    return b;
}

/* The bundle's JSON, copied (the bundle keeps its own until the next
 * call). */
static char *to_json(teeattest_bundle *b, size_t *len)
{
    const char *j = NULL;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    int rc = teeattest_bundle_to_json(b, &j, len, &err);
    CHECK_EQ_INT(rc, TEEATTEST_OK);
    if (rc) {
        printf("#   %s: %s\n", err.where, err.message);
        return NULL;
    }
    CHECK(j[*len] == '\0' && strlen(j) == *len);
    char *copy = malloc(*len + 1);
    memcpy(copy, j, *len + 1);
    return copy;
}

static teeattest_bundle *parse(const char *j, size_t len)
{
    teeattest_bundle *b = NULL;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    int rc = teeattest_bundle_parse(ctx, &b, (const uint8_t *)j, len, &err);
    CHECK_EQ_INT(rc, TEEATTEST_OK);
    if (rc)
        printf("#   %s: %s\n", err.where, err.message);
    return b;
}

/* Same checks (name, outcome, detail, required, order) and facts. */
static int same_results(const teeattest_result *a, const teeattest_result *b)
{
    if (teeattest_result_verdict(a) != teeattest_result_verdict(b) ||
        teeattest_result_check_count(a) != teeattest_result_check_count(b) ||
        teeattest_result_fact_count(a) != teeattest_result_fact_count(b)) {
        printf("#   counts differ: %zu/%zu checks, %zu/%zu facts\n",
               teeattest_result_check_count(a),
               teeattest_result_check_count(b),
               teeattest_result_fact_count(a), teeattest_result_fact_count(b));
        return 0;
    }
    for (size_t i = 0; i < teeattest_result_check_count(a); i++) {
        const char *n1, *n2, *d1, *d2;
        int32_t o1, o2, r1, r2;
        teeattest_result_check(a, i, &n1, &o1, &d1, &r1, NULL);
        teeattest_result_check(b, i, &n2, &o2, &d2, &r2, NULL);
        if (strcmp(n1, n2) || o1 != o2 || strcmp(d1, d2) || r1 != r2) {
            printf("#   check %zu: %s %d %s | %s %d %s\n", i, n1, o1, d1, n2,
                   o2, d2);
            return 0;
        }
    }
    for (size_t i = 0; i < teeattest_result_fact_count(a); i++) {
        const char *k1, *k2, *v1, *v2;
        teeattest_result_fact_at(a, i, &k1, &v1, NULL);
        teeattest_result_fact_at(b, i, &k2, &v2, NULL);
        if (strcmp(k1, k2) || strcmp(v1, v2)) {
            printf("#   fact %zu: %s=%s | %s=%s\n", i, k1, v1, k2, v2);
            return 0;
        }
    }
    return 1;
}

/* ---- NEAR AI direct: the full round trip ---------------------------------- */

static void case_near(void)
{
    capture c;
    capture_load(&c, NEAR, "nearai", "attestation_report.json",
                 "attestation_report.http_meta.json", true);
    CHECK_EQ_INT(c.at, 1782698797); /* 2026-06-29T02:06:37Z */
    teeattest_result *live = verify_live(&c);
    CHECK_STR(ta_test_failures(live), "");
    CHECK_EQ_INT(teeattest_result_verdict(live), TEEATTEST_VERDICT_VERIFIED);

    teeattest_bundle *b = bundle_of(&c);
    size_t len = 0, len2 = 0;
    char *j = to_json(b, &len);
    CHECK(j && strncmp(j, "{\"format\":\"teeattest-bundle\",\"version\":1,",
                       41) == 0);

    /* The live objects, through the bundle API. */
    teeattest_result *r0 = NULL;
    CHECK_EQ_INT(teeattest_bundle_verify(ctx, &r0, b, NULL, NULL),
                 TEEATTEST_OK);
    CHECK(same_results(live, r0));

    teeattest_bundle *p = parse(j, len);
    CHECK(p != NULL);
    teeattest_result *r = NULL;
    CHECK_EQ_INT(teeattest_bundle_verify(ctx, &r, p, NULL, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_VERIFIED);
    CHECK(same_results(live, r));
    CHECK_STR(teeattest_result_fact(r, "signer"),
              "d0aa20bcf567cc0c7c914608967dbd4c7a17e10b600802d45923434ce323f823");

    /* What the parsed bundle holds. */
    CHECK_EQ_INT(teeattest_bundle_time(p), c.at);
    CHECK_STR(teeattest_bundle_model(p), "Qwen/Qwen3.5-122B-A10B");
    uint8_t n[32];
    CHECK_EQ_INT(teeattest_bundle_nonce(p, n, TEEATTEST_NONCE_SIZE, NULL), TEEATTEST_OK);
    CHECK(memcmp(n, c.nonce, 32) == 0);
    teeattest_report *pr = teeattest_bundle_report(p);
    CHECK_STR(teeattest_report_dialect(pr), "nearai");
    CHECK_EQ_INT(teeattest_report_nonce(pr, n, TEEATTEST_NONCE_SIZE, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_report_nonce(pr, n, TEEATTEST_NONCE_SIZE - 1, NULL),
                 TEEATTEST_E_BUFFER_TOO_SMALL);
    CHECK(memcmp(n, c.nonce, 32) == 0);
    const uint8_t *raw1, *raw2, *s1, *s2;
    size_t l1, l2;
    teeattest_report_raw(c.rep, &raw1, &l1);
    teeattest_report_raw(pr, &raw2, &l2);
    CHECK(l1 == l2 && memcmp(raw1, raw2, l1) == 0);
    CHECK_EQ_INT(teeattest_evidence_get(c.ev, TEEATTEST_EVIDENCE_TLS_SPKI, 0,
                                        &s1, &l1, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_report_tls_spki(pr, &s2, &l2, NULL), TEEATTEST_OK);
    CHECK(l1 == l2 && memcmp(s1, s2, l1) == 0);
    teeattest_evidence *pev = teeattest_bundle_evidence(p);
    CHECK_EQ_INT(teeattest_evidence_collateral_count(pev), 1);
    CHECK_EQ_INT(teeattest_evidence_get(pev, TEEATTEST_EVIDENCE_NRAS_RESPONSE,
                                        0, &s2, &l2, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_gpu_inputs_count(teeattest_evidence_gpu_inputs(pev),
                                            TEEATTEST_GPU_ITEM_JWKS), 1);
    CHECK(teeattest_bundle_signature(p) == NULL);
    const uint8_t *rq, *rs;
    size_t rql, rsl;
    CHECK_EQ_INT(teeattest_bundle_exchange(p, &rq, &rql, &rs, &rsl, NULL),
                 TEEATTEST_E_NOT_FOUND);

    /* Round trip: the parsed bundle writes the same bytes. */
    char *j2 = to_json(p, &len2);
    CHECK(j2 && len == len2 && memcmp(j, j2, len) == 0);

    /* The collateral saved from the bundle verifies like the original. */
    teeattest_result_free(r);
    teeattest_result_free(r0);
    teeattest_result_free(live);
    teeattest_bundle_free(p);
    teeattest_bundle_free(b);
    free(j);
    free(j2);
    capture_free(&c);
}

/* ---- Tinfoil: raw-byte binding survives ----------------------------------- */

static void case_tinfoil(void)
{
    capture c;
    capture_load(&c, TINFOIL, "tinfoil", "attestation.json",
                 "attestation.http_meta.json", false);
    teeattest_result *live = verify_live(&c);
    CHECK_STR(ta_test_outcome(live, "entry[0].binding.gpu_evidence"), "pass");
    teeattest_bundle *b = bundle_of(&c);
    size_t len = 0, len2 = 0;
    char *j = to_json(b, &len);
    teeattest_bundle *p = parse(j, len);
    teeattest_result *r = NULL;
    CHECK_EQ_INT(teeattest_bundle_verify(ctx, &r, p, NULL, NULL),
                 TEEATTEST_OK);
    CHECK_STR(ta_test_outcome(r, "entry[0].binding.gpu_evidence"), "pass");
    CHECK_STR(ta_test_outcome(r, "entry[0].binding.tls"), "pass");
    CHECK(same_results(live, r));
    char *j2 = to_json(p, &len2);
    CHECK(j2 && len == len2 && memcmp(j, j2, len) == 0);
    teeattest_result_free(r);
    teeattest_result_free(live);
    teeattest_bundle_free(p);
    teeattest_bundle_free(b);
    free(j);
    free(j2);
    capture_free(&c);
}

/* ---- exchange + signature ------------------------------------------------- */

/* A bundle holding half of an exchange/signature pair fails
 * bundle.response only, and names no signer; so does its parsed form. */
static void expect_half(teeattest_bundle *b)
{
    size_t len = 0;
    char *j = to_json(b, &len);
    teeattest_bundle *p = parse(j, len);
    teeattest_bundle *both[] = {b, p};
    for (size_t i = 0; i < 2; i++) {
        teeattest_result *r = NULL;
        CHECK_EQ_INT(teeattest_bundle_verify(ctx, &r, both[i], NULL, NULL),
                     TEEATTEST_OK);
        CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
        CHECK_STR(ta_test_failures(r), "bundle.response");
        CHECK(teeattest_result_fact(r, "signer") == NULL);
        teeattest_result_free(r);
    }
    teeattest_bundle_free(p);
    free(j);
}

static void case_signature(void)
{
    capture c;
    capture_load(&c, NEAR, "nearai", "attestation_report.json",
                 "attestation_report.http_meta.json", true);
    size_t ql, sl, gl;
    uint8_t *req = fixture(SIGS "request_body.json", &ql);
    uint8_t *resp = fixture(SIGS "response_body.sse", &sl);
    uint8_t *sigj = fixture(SIGS "signature_response.json", &gl);
    teeattest_signature *sig = NULL;
    CHECK_EQ_INT(teeattest_signature_parse_json(ctx, &sig, sigj, gl, NULL),
                 TEEATTEST_OK);
    teeattest_bundle *b = bundle_of(&c);
    CHECK_EQ_INT(teeattest_bundle_set_exchange(b, req, ql, resp, sl, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_bundle_set_signature(b, sig, NULL), TEEATTEST_OK);
    size_t len = 0, len2 = 0;
    char *j = to_json(b, &len);
    teeattest_bundle *p = parse(j, len);
    const uint8_t *rq, *rs;
    size_t rql, rsl;
    CHECK_EQ_INT(teeattest_bundle_exchange(p, &rq, &rql, &rs, &rsl, NULL),
                 TEEATTEST_OK);
    CHECK(rql == ql && memcmp(rq, req, ql) == 0);
    CHECK(rsl == sl && memcmp(rs, resp, sl) == 0);
    CHECK(teeattest_bundle_signature(p) != NULL);
    CHECK_STR(teeattest_signature_text(teeattest_bundle_signature(p)),
              teeattest_signature_text(sig));
    char *j2 = to_json(p, &len2);
    CHECK(j2 && len == len2 && memcmp(j, j2, len) == 0);

    teeattest_result *r = NULL;
    CHECK_EQ_INT(teeattest_bundle_verify(ctx, &r, p, NULL, NULL),
                 TEEATTEST_OK);
    /* The attestation holds; the signature is a real one by another
     * (ECDSA) key, so it is not the attested (Ed25519) signer's. */
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    CHECK_STR(ta_test_failures(r), "response.signature.attestation,"
                           "response.signature.signer.expected");
    CHECK_STR(ta_test_outcome(r, "response.signature.attestation"), "fail");
    CHECK_STR(ta_test_fact(r, "response.signer_source"),
              "attestation");
    CHECK_STR(ta_test_outcome(r, "response.signature.hash.request"), "pass");
    CHECK_STR(ta_test_outcome(r, "response.signature.hash.response"), "pass");
    CHECK_STR(ta_test_outcome(r, "response.signature.ecdsa.recover"), "pass");
    CHECK_STR(ta_test_outcome(r, "entry[0].tdx.status"), "pass");
    CHECK_STR(ta_test_fact(r, "response.recovered_signer"),
              "0x319f1b8bb3b723a5d098ffb67005bdf7bb579aca");
    teeattest_result_free(r);

    /* A signature record without the exchange, by a key nobody attested
     * but claiming the attested signer: the report verifies, and nothing
     * would examine the record. The bundle fails instead; so does an
     * exchange without a signature record. */
    teeattest_signature *forged = NULL;
    char zeros[129];
    memset(zeros, '0', 128);
    zeros[128] = '\0';
    CHECK_EQ_INT(teeattest_signature_new(ctx, &forged,
                                         teeattest_signature_text(sig), zeros,
                                         "d0aa20bcf567cc0c7c914608967dbd4c7a17"
                                         "e10b600802d45923434ce323f823",
                                         "ed25519", NULL), TEEATTEST_OK);
    teeattest_bundle *half = bundle_of(&c);
    CHECK_EQ_INT(teeattest_bundle_set_signature(half, forged, NULL),
                 TEEATTEST_OK);
    expect_half(half);
    CHECK_EQ_INT(teeattest_bundle_set_signature(half, NULL, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_bundle_set_exchange(half, req, ql, resp, sl, NULL),
                 TEEATTEST_OK);
    expect_half(half);
    teeattest_bundle_free(half);
    teeattest_signature_free(forged);

    /* Without an attested signer (Tinfoil attests none here, or its
     * signer is of the other algorithm), the attestation check fails. */
    capture t;
    capture_load(&t, TINFOIL, "tinfoil", "attestation.json",
                 "attestation.http_meta.json", false);
    teeattest_bundle *tb = bundle_of(&t);
    teeattest_bundle_set_exchange(tb, req, ql, resp, sl, NULL);
    teeattest_bundle_set_signature(tb, sig, NULL);
    CHECK_EQ_INT(teeattest_bundle_verify(ctx, &r, tb, NULL, NULL),
                 TEEATTEST_OK);
    CHECK_STR(ta_test_outcome(r, "response.signature.attestation"), "fail");
    teeattest_result_free(r);
    /* Removing them removes the response checks. */
    CHECK_EQ_INT(teeattest_bundle_set_exchange(tb, NULL, 0, NULL, 0, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_bundle_set_signature(tb, NULL, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_bundle_verify(ctx, &r, tb, NULL, NULL),
                 TEEATTEST_OK);
    CHECK_STR(ta_test_outcome(r, "response.signature.attestation"), "absent");
    teeattest_result_free(r);
    teeattest_bundle_free(tb);
    capture_free(&t);

    teeattest_signature_free(sig);
    teeattest_bundle_free(p);
    teeattest_bundle_free(b);
    free(j);
    free(j2);
    free(req);
    free(resp);
    free(sigj);
    capture_free(&c);
}

/* ---- the older capture file ------------------------------------------------ */

static void case_capture_file(void)
{
    size_t n;
    uint8_t *doc = fixture(NEAR "attestation_report.json", &n);
    const char *head =
        "{\"format\":\"teeattest-report-capture/1\",\"dialect\":\"nearai\","
        "\"base_url\":\"https://example.invalid\",\"model\":\"m\","
        "\"nonce\":\"541b6523f9446dcd170e67ac8171eb9226bee5e3f192de4900b74f0ef"
        "293500b\",\"captured_at\":1782698797,\"tls_spki_der_hex\":\"3059\","
        "\"report\":";
    size_t hl = strlen(head);
    char *cap = malloc(hl + n + 3);
    memcpy(cap, head, hl);
    memcpy(cap + hl, doc, n);
    memcpy(cap + hl + n, "}\n", 3);
    teeattest_bundle *b = parse(cap, hl + n + 2);
    CHECK(b != NULL);
    if (b) {
        CHECK_EQ_INT(teeattest_bundle_time(b), 1782698797);
        CHECK_STR(teeattest_bundle_model(b), "m");
        const uint8_t *raw, *spki;
        size_t rl, sl;
        teeattest_report_raw(teeattest_bundle_report(b), &raw, &rl);
        CHECK(rl == n && memcmp(raw, doc, n) == 0);
        CHECK_EQ_INT(teeattest_report_tls_spki(teeattest_bundle_report(b),
                                               &spki, &sl, NULL), TEEATTEST_OK);
        CHECK(sl == 2 && spki[0] == 0x30 && spki[1] == 0x59);
        CHECK_EQ_INT(teeattest_evidence_collateral_count(
                         teeattest_bundle_evidence(b)), 0);
    }
    teeattest_bundle_free(b);
    free(cap);
    free(doc);
}

/* ---- malformed bundles ------------------------------------------------------ */

#define SMALL_REPORT "{\"intel_quote\":\"00\"}"
#define HEAD "{\"format\":\"teeattest-bundle\",\"version\":1," \
             "\"dialect\":\"generic\",\"captured_at\":1,"

static int parse_rc(const char *doc, teeattest_error *err)
{
    teeattest_bundle *b = (teeattest_bundle *)(void *)&ctx;
    *err = (teeattest_error)TEEATTEST_ERROR_INIT;
    int rc = teeattest_bundle_parse(ctx, &b, (const uint8_t *)doc,
                                    strlen(doc), err);
    if (rc) {
        CHECK(b == NULL);
    } else {
        CHECK(b != NULL);
        teeattest_bundle_free(b);
    }
    return rc;
}

static void expect(const char *doc, int want, const char *where)
{
    teeattest_error err;
    int rc = parse_rc(doc, &err);
    CHECK_EQ_INT(rc, want);
    if (rc != want || (where && strncmp(err.where, where, strlen(where))))
        printf("#   %s\n#   where \"%s\": %s\n", doc, err.where, err.message);
    if (where)
        CHECK(strncmp(err.where, where, strlen(where)) == 0);
}

static void case_malformed(void)
{
    static const char small[] =
        HEAD "\"nonce\":\"00112233445566778899aabbccddeeff00112233445566778899"
        "aabbccddeeff\",\"tls_spki\":\"MFk=\",\"report\":" SMALL_REPORT ","
        "\"evidence\":{\"collateral\":[],\"nras\":[{\"entry\":0,\"response\":"
        "\"{}\"}],\"gpu\":{\"rims\":[],\"ocsp\":[],\"jwks\":[]}},"
        "\"exchange\":{\"request\":\"e30=\",\"response\":\"\"}}";
    expect(small, TEEATTEST_OK, NULL);
    /* It writes back to itself. */
    teeattest_bundle *b = NULL;
    CHECK_EQ_INT(teeattest_bundle_parse(ctx, &b, (const uint8_t *)small,
                                        strlen(small), NULL), TEEATTEST_OK);
    const char *j = NULL;
    size_t jl = 0;
    CHECK_EQ_INT(teeattest_bundle_to_json(b, &j, &jl, NULL), TEEATTEST_OK);
    CHECK_STR(j, small);
    teeattest_bundle_free(b);

    /* Every truncation fails cleanly. */
    size_t n = strlen(small), bad = 0;
    for (size_t k = 0; k < n; k++) {
        teeattest_bundle *t = (teeattest_bundle *)(void *)&ctx;
        int rc = teeattest_bundle_parse(ctx, &t, (const uint8_t *)small, k,
                                        NULL);
        if (rc == TEEATTEST_OK || t != NULL)
            bad++;
        if (rc == TEEATTEST_OK)
            teeattest_bundle_free(t);
    }
    CHECK_EQ_INT(bad, 0);

    expect("[]", TEEATTEST_E_JSON, NULL);
    expect("{\"format\":1}", TEEATTEST_E_JSON, "format");
    expect("{}", TEEATTEST_E_FIELD_MISSING, "format");
    expect("{\"format\":\"other\"}", TEEATTEST_E_UNSUPPORTED, "format");
    expect("{\"format\":\"teeattest-bundle\",\"version\":3}",
           TEEATTEST_E_UNSUPPORTED, "version");
    expect("{\"format\":\"teeattest-bundle\",\"version\":\"1\"}",
           TEEATTEST_E_JSON, "version");
    expect("{\"format\":\"teeattest-bundle\"}", TEEATTEST_E_FIELD_MISSING,
           "version");
    expect("{\"format\":\"teeattest-bundle\",\"version\":1,\"dialect\":7}",
           TEEATTEST_E_JSON, "dialect");
    expect(HEAD "\"report\":[]}", TEEATTEST_E_JSON, "report");
    expect(HEAD "\"report\":\"{}\"}", TEEATTEST_E_JSON, "report");
    expect(HEAD "\"x\":1}", TEEATTEST_E_FIELD_MISSING, "report");
    expect("{\"format\":\"teeattest-bundle\",\"version\":1,\"dialect\":"
           "\"generic\",\"captured_at\":-1,\"report\":" SMALL_REPORT "}",
           TEEATTEST_E_JSON, "captured_at");
    expect("{\"format\":\"teeattest-bundle\",\"version\":1,\"dialect\":"
           "\"generic\",\"captured_at\":\"1\",\"report\":" SMALL_REPORT "}",
           TEEATTEST_E_JSON, "captured_at");
    expect(HEAD "\"model\":5,\"report\":" SMALL_REPORT "}", TEEATTEST_E_JSON,
           "model");
    expect(HEAD "\"nonce\":\"0011\",\"report\":" SMALL_REPORT "}",
           TEEATTEST_E_LENGTH, "nonce");
    expect(HEAD "\"nonce\":\"zz112233445566778899aabbccddeeff00112233445566778"
           "899aabbccddeeff\",\"report\":" SMALL_REPORT "}",
           TEEATTEST_E_HEX, "nonce");
    expect(HEAD "\"tls_spki\":\"M!k=\",\"report\":" SMALL_REPORT "}",
           TEEATTEST_E_BASE64, "tls_spki");
    expect(HEAD "\"tls_spki\":[],\"report\":" SMALL_REPORT "}",
           TEEATTEST_E_JSON, "tls_spki");
    expect(HEAD "\"report\":{\"nothing\":1}}", TEEATTEST_E_FIELD_MISSING,
           "report");
    expect("{\"format\":\"teeattest-bundle\",\"version\":1,\"dialect\":"
           "\"no-such\",\"captured_at\":1,\"report\":" SMALL_REPORT "}",
           TEEATTEST_E_NOT_FOUND, "report");
    expect(HEAD "\"report\":" SMALL_REPORT ",\"evidence\":[]}",
           TEEATTEST_E_JSON, "evidence");
    expect(HEAD "\"report\":" SMALL_REPORT ",\"evidence\":{\"collateral\":{}}}",
           TEEATTEST_E_JSON, "evidence.collateral");
    expect(HEAD "\"report\":" SMALL_REPORT ",\"evidence\":{\"collateral\":[1]}}",
           TEEATTEST_E_JSON, "evidence.collateral[0]");
    expect(HEAD "\"report\":" SMALL_REPORT ",\"evidence\":{\"collateral\":"
           "[{\"tcb_info\":\"{}\"}]}}",
           TEEATTEST_E_FIELD_MISSING,
           "evidence.collateral[0].tcb_info_issuer_chain");
    expect(HEAD "\"report\":" SMALL_REPORT ",\"evidence\":{\"collateral\":"
           "[{\"tcb_info\":\"{}\",\"tcb_info_issuer_chain\":\"\","
           "\"qe_identity\":\"{}\",\"qe_identity_issuer_chain\":\"\","
           "\"pck_crl\":\"%%%\",\"root_ca_crl\":\"\"}]}}",
           TEEATTEST_E_BASE64, "evidence.collateral[0].pck_crl");
    expect(HEAD "\"report\":" SMALL_REPORT ",\"evidence\":{\"collateral\":"
           "[{\"tcb_info\":{\"base64\":1},\"tcb_info_issuer_chain\":\"\","
           "\"qe_identity\":\"{}\",\"qe_identity_issuer_chain\":\"\","
           "\"pck_crl\":\"\",\"root_ca_crl\":\"\"}]}}",
           TEEATTEST_E_JSON, "evidence.collateral[0].tcb_info");
    /* Malformed collateral content is not a parse error: it fails its
     * check at verification, as loaded collateral does. */
    expect(HEAD "\"report\":" SMALL_REPORT ",\"evidence\":{\"collateral\":"
           "[{\"tcb_info\":{\"base64\":\"AAE=\"},\"tcb_info_issuer_chain\":\"\","
           "\"qe_identity\":\"{}\",\"qe_identity_issuer_chain\":\"\","
           "\"pck_crl\":\"\",\"root_ca_crl\":\"\"}]}}",
           TEEATTEST_OK, NULL);
    expect(HEAD "\"report\":" SMALL_REPORT ",\"evidence\":{\"nras\":"
           "[{\"entry\":256,\"response\":\"{}\"}]}}",
           TEEATTEST_E_JSON, "evidence.nras[0].entry");
    expect(HEAD "\"report\":" SMALL_REPORT ",\"evidence\":{\"nras\":"
           "[{\"entry\":0,\"response\":\"{}\"},{\"entry\":0,\"response\":"
           "\"{}\"}]}}",
           TEEATTEST_E_JSON, "evidence.nras[1].entry");
    expect(HEAD "\"report\":" SMALL_REPORT ",\"evidence\":{\"nras\":"
           "[{\"entry\":0}]}}",
           TEEATTEST_E_FIELD_MISSING, "evidence.nras[0].response");
    expect(HEAD "\"report\":" SMALL_REPORT ",\"evidence\":{\"gpu\":[]}}",
           TEEATTEST_E_JSON, "evidence.gpu");
    expect(HEAD "\"report\":" SMALL_REPORT ",\"evidence\":{\"gpu\":"
           "{\"rims\":[{\"id\":1,\"xml\":\"\"}]}}}",
           TEEATTEST_E_JSON, "evidence.gpu.rims[0]");
    expect(HEAD "\"report\":" SMALL_REPORT ",\"evidence\":{\"gpu\":"
           "{\"rims\":[{\"id\":\"a b\",\"xml\":\"PHg+\"}]}}}",
           TEEATTEST_E_PARSE, "evidence.gpu.rims[0]");
    expect(HEAD "\"report\":" SMALL_REPORT ",\"evidence\":{\"gpu\":"
           "{\"ocsp\":[\"AAE=\"]}}}",
           TEEATTEST_E_PARSE, "evidence.gpu.ocsp[0]");
    expect(HEAD "\"report\":" SMALL_REPORT ",\"evidence\":{\"gpu\":"
           "{\"jwks\":[7]}}}",
           TEEATTEST_E_JSON, "evidence.gpu.jwks[0]");
    expect(HEAD "\"report\":" SMALL_REPORT ",\"evidence\":{\"e2e_instances\":"
           "5}}",
           TEEATTEST_E_JSON, "evidence.e2e_instances");
    expect(HEAD "\"report\":" SMALL_REPORT ",\"exchange\":{\"request\":\"\"}}",
           TEEATTEST_E_FIELD_MISSING, "exchange.response");
    expect(HEAD "\"report\":" SMALL_REPORT ",\"exchange\":{\"request\":\"a\","
           "\"response\":\"\"}}",
           TEEATTEST_E_BASE64, "exchange.request");
    expect(HEAD "\"report\":" SMALL_REPORT ",\"signature\":\"x\"}",
           TEEATTEST_E_JSON, "signature");
    expect(HEAD "\"report\":" SMALL_REPORT ",\"signature\":{\"text\":\"a\"}}",
           TEEATTEST_E_FIELD_MISSING, "signature");
    /* Unknown members are ignored. */
    expect(HEAD "\"future\":{\"x\":[1,2]},\"report\":" SMALL_REPORT "}",
           TEEATTEST_OK, NULL);
    /* Duplicate members are refused (a second report must not hide). */
    expect(HEAD "\"report\":" SMALL_REPORT ",\"report\":" SMALL_REPORT "}",
           TEEATTEST_E_JSON, NULL);

    /* Oversize: the document, and one member over its limit. */
    teeattest_bundle *t = NULL;
    CHECK_EQ_INT(teeattest_bundle_parse(ctx, &t, (const uint8_t *)small,
                                        TEEATTEST_BUNDLE_MAX + 1u, NULL),
                 TEEATTEST_E_TOO_LARGE);
    size_t big = 2000;
    char *doc = malloc(big + 256);
    int k = snprintf(doc, big + 256, HEAD "\"model\":\"");
    memset(doc + k, 'm', big);
    snprintf(doc + k + big, 256, "\",\"report\":" SMALL_REPORT "}");
    expect(doc, TEEATTEST_E_TOO_LARGE, "model");
    free(doc);
}

/* ---- misuse ---------------------------------------------------------------- */

static void case_misuse(void)
{
    teeattest_bundle *b = NULL;
    CHECK_EQ_INT(teeattest_bundle_new(NULL, &b, NULL), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_bundle_new(ctx, NULL, NULL), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_bundle_new(ctx, &b, NULL), TEEATTEST_OK);
    const char *j = NULL;
    size_t jl;
    CHECK_EQ_INT(teeattest_bundle_to_json(b, &j, &jl, NULL),
                 TEEATTEST_E_FIELD_MISSING);
    teeattest_result *r = NULL;
    CHECK_EQ_INT(teeattest_bundle_verify(ctx, &r, b, NULL, NULL),
                 TEEATTEST_E_FIELD_MISSING);
    CHECK(r == NULL);
    CHECK(teeattest_bundle_evidence(b) != NULL);
    CHECK(teeattest_bundle_report(b) == NULL);
    CHECK_EQ_INT(teeattest_bundle_time(b), 0);
    uint8_t n[32] = {0};
    CHECK_EQ_INT(teeattest_bundle_nonce(b, n, TEEATTEST_NONCE_SIZE, NULL), TEEATTEST_E_NOT_FOUND);
    CHECK_EQ_INT(teeattest_bundle_set_nonce(b, n, 31, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_bundle_set_report(b, NULL, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_bundle_set_evidence(b, NULL, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_bundle_set_time(b, -1, NULL), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_bundle_set_model(b, "bad\xff", NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_bundle_set_model(b, NULL, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_bundle_set_exchange(b, NULL, 1, NULL, 0, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_bundle_set_exchange(b, n, 0, NULL, 0, NULL),
                 TEEATTEST_OK);
    const uint8_t *rq, *rs;
    size_t rql, rsl;
    CHECK_EQ_INT(teeattest_bundle_exchange(b, &rq, &rql, &rs, &rsl, NULL),
                 TEEATTEST_OK);
    CHECK(rql == 0 && rsl == 0);
    CHECK_EQ_INT(teeattest_bundle_exchange(b, NULL, &rql, &rs, &rsl, NULL),
                 TEEATTEST_E_INVALID_ARG);
    teeattest_bundle_free(b);
    CHECK_EQ_INT(teeattest_bundle_parse(ctx, &b, NULL, 1, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK(b == NULL);
    CHECK(teeattest_bundle_ref(NULL) == NULL);
    teeattest_bundle_free(NULL);
    CHECK(teeattest_bundle_model(NULL) == NULL);

    /* The bundle outlives the context reference of its creator. */
    teeattest_ctx *c2 = NULL;
    teeattest_ctx_new(&c2, NULL, NULL);
    CHECK_EQ_INT(teeattest_bundle_new(c2, &b, NULL), TEEATTEST_OK);
    teeattest_ctx_free(c2);
    CHECK(teeattest_bundle_ref(b) == b);
    teeattest_bundle_free(b);
    teeattest_bundle_free(b);
}

int main(void)
{
    if (teeattest_ctx_new(&ctx, NULL, NULL) != TEEATTEST_OK)
        return 1;
    case_near();
    case_tinfoil();
    case_signature();
    case_capture_file();
    case_malformed();
    case_misuse();
    teeattest_ctx_free(ctx);
    return ta_test_done();
}
