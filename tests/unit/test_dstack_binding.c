/*
 * report_data layouts and key binding (lib/dstack/binding.c) against the
 * provider fixtures: L1/L2 first halves and nonces of every dstack capture,
 * the compose-manager actions hash (and the Venice variant it does not
 * reproduce), Chutes L6 both halves, Tinfoil L7 with the raw "gpu" span,
 * key binding; then negatives: lengths, flipped bytes, bad certificates,
 * Tinfoil members, truncated and malformed member-span documents.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <jansson.h>

#include "test.h"

#include "core/core.h"
#include "crypto/crypto.h"
#include "dstack/dstack.h"

static teeattest_ctx *ctx;

static json_t *load(const char *rel)
{
    json_error_t e;
    json_t *j = json_load_file(ta_test_fixture(rel), 0, &e);
    if (!j)
        printf("# cannot load %s: %s\n", rel, e.text);
    return j;
}

static const char *str(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static void unhex(uint8_t *out, size_t n, const char *h)
{
    if (!h || ta_hex_decode_exact(out, n, h, strlen(h), true) != TEEATTEST_OK)
        memset(out, 0xee, n);
}

static bool hex_is(const uint8_t *b, size_t n, const char *h)
{
    char buf[256];
    if (!h || n * 2 + 1 > sizeof buf)
        return false;
    ta_hex_encode(buf, b, n);
    return strcmp(buf, h) == 0;
}

/* REPORTDATA of a v4 quote given as hex or base64. */
static bool quote_rd(const char *q, uint8_t rd[64])
{
    size_t n = q ? strlen(q) : 0;
    uint8_t *raw = malloc(n + 4);
    int64_t len = ta_is_hex(q, n) ? ta_hex_decode(raw, n, q, n)
                                  : ta_base64_decode(raw, n, q, n, false);
    bool ok = len >= 632 && raw[0] == 4;
    if (ok)
        memcpy(rd, raw + 568, 64);
    free(raw);
    return ok;
}

static void dstack_entry(const char *what, json_t *o, json_t *exp)
{
    printf("# %s\n", what);
    uint8_t rd[64], a[32], fp[32], half[32], nonce[32];
    CHECK(quote_rd(str(o, "intel_quote"), rd));
    const char *sa = str(o, "signing_address");
    size_t alen = strcmp(str(o, "signing_algo"), "ecdsa") == 0 ? 20 : 32;
    unhex(a, alen, sa);
    const char *f = str(o, "tls_cert_fingerprint");
    if (f)
        unhex(fp, 32, f);
    CHECK_EQ_INT(ta_rd_identity_half(ctx, half, a, alen, f ? fp : NULL), 0);
    CHECK(memcmp(half, rd, 32) == 0);
    CHECK(hex_is(half, 32, str(exp, "expected_report_data_0_32")));
    unhex(nonce, 32, str(exp, "client_nonce"));
    CHECK(memcmp(rd + 32, nonce, 32) == 0);
    /* One flipped bit of A or F changes the half. */
    a[alen - 1] ^= 1;
    CHECK_EQ_INT(ta_rd_identity_half(ctx, half, a, alen, f ? fp : NULL), 0);
    CHECK(memcmp(half, rd, 32) != 0);
    a[alen - 1] ^= 1;
    if (f) {
        fp[0] ^= 0x80;
        CHECK_EQ_INT(ta_rd_identity_half(ctx, half, a, alen, fp), 0);
        CHECK(memcmp(half, rd, 32) != 0);
    }
    const char *pk = str(o, "signing_public_key");
    if (pk) {
        uint8_t key[65];
        size_t kl = strlen(pk) / 2;
        unhex(key, kl, pk);
        int32_t algo = alen == 20 ? TEEATTEST_SIG_ECDSA : TEEATTEST_SIG_ED25519;
        CHECK_EQ_INT(ta_rd_key_binds(ctx, algo, key, kl, a, alen), 0);
        key[kl - 1] ^= 1;
        CHECK_EQ_INT(ta_rd_key_binds(ctx, algo, key, kl, a, alen),
                     TEEATTEST_E_VERIFY_FAILED);
        key[kl - 1] ^= 1;
        a[0] ^= 1;
        CHECK_EQ_INT(ta_rd_key_binds(ctx, algo, key, kl, a, alen),
                     TEEATTEST_E_VERIFY_FAILED);
        a[0] ^= 1;
        CHECK_EQ_INT(ta_rd_key_binds(ctx, algo, key, kl - 2, a, alen),
                     TEEATTEST_E_LENGTH);
        CHECK_EQ_INT(ta_rd_key_binds(ctx, 7, key, kl, a, alen),
                     TEEATTEST_E_INVALID_ARG);
        if (kl == 65) {
            key[0] = 0x02;
            CHECK_EQ_INT(ta_rd_key_binds(ctx, algo, key, kl, a, alen),
                         TEEATTEST_E_LENGTH);
        }
    }
}

static void test_dstack(void)
{
    json_t *r = load("providers/nearai_direct_ed25519_tls/attestation_report.json");
    json_t *e = load("providers/nearai_direct_ed25519_tls/expected.json");
    dstack_entry("nearai direct L2", r, json_object_get(e, "top_level"));
    json_decref(r);
    json_decref(e);
    r = load("providers/nearai_cloud_gateway_ed25519_tls/attestation_report.json");
    e = load("providers/nearai_cloud_gateway_ed25519_tls/expected.json");
    dstack_entry("cloud gateway L2", json_object_get(r, "gateway_attestation"),
                 json_object_get(e, "gateway_attestation"));
    dstack_entry("cloud gateway model L2",
                 json_array_get(json_object_get(r, "model_attestations"), 0),
                 json_object_get(e, "model_attestations_0"));
    /* The gateway's tls_certificate (PEM chain): leaf SPKI == fingerprint. */
    const char *pem = str(r, "tls_certificate");
    uint8_t h[32];
    CHECK_EQ_INT(ta_rd_cert_spki_hash(ctx, h, (const uint8_t *)pem,
                                      strlen(pem), NULL), 0);
    CHECK(hex_is(h, 32, str(e, "tls_certificate_leaf_spki_sha256")));
    CHECK(hex_is(h, 32, str(json_object_get(r, "gateway_attestation"),
                            "tls_cert_fingerprint")));
    json_decref(r);
    json_decref(e);
    r = load("providers/nanogpt_dstack_ecdsa/attestation_report.json");
    e = load("providers/nanogpt_dstack_ecdsa/expected.json");
    dstack_entry("nanogpt L1", r, json_object_get(e, "top_level"));
    json_decref(r);
    json_decref(e);
    r = load("providers/venice_nearai_ecdsa/attestation_report.json");
    e = load("providers/venice_nearai_ecdsa/expected.json");
    dstack_entry("venice L1", r, json_object_get(e, "top_level"));
    json_decref(r);
    json_decref(e);
}

static void test_identity_neg(void)
{
    uint8_t a[32] = {1}, fp[32] = {2}, out[32];
    CHECK_EQ_INT(ta_rd_identity_half(ctx, out, a, 21, NULL), TEEATTEST_E_LENGTH);
    CHECK_EQ_INT(ta_rd_identity_half(ctx, out, a, 0, fp), TEEATTEST_E_LENGTH);
    CHECK_EQ_INT(ta_rd_identity_half(ctx, out, NULL, 20, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(ta_rd_identity_half(ctx, out, a, 20, NULL), 0);
    CHECK(out[0] == 1 && out[20] == 0 && out[31] == 0);
    uint8_t k[32] = {0};
    CHECK_EQ_INT(ta_rd_key_binds(ctx, TEEATTEST_SIG_ED25519, k, 32, k, 20),
                 TEEATTEST_E_LENGTH);
    CHECK_EQ_INT(ta_rd_key_binds(ctx, TEEATTEST_SIG_ECDSA, k, 32, k, 20),
                 TEEATTEST_E_LENGTH);
}

static uint8_t *raw_file(const char *rel, size_t *n)
{
    uint8_t *b = ta_test_read_file(ta_test_fixture(rel), n);
    if (!b)
        printf("# cannot read %s\n", rel);
    return b;
}

static void test_actions(void)
{
    printf("# compose manager actions\n");
    size_t n;
    uint8_t *doc = raw_file("providers/nearai_direct_ed25519_tls/attestation_report.json", &n);
    const uint8_t *cm, *act;
    size_t cm_len, act_len;
    CHECK_EQ_INT(ta_json_member_span(doc, n, "compose_manager_attestation", &cm, &cm_len), 0);
    CHECK_EQ_INT(ta_json_member_span(cm, cm_len, "actions", &act, &act_len), 0);
    uint8_t h[32];
    CHECK_EQ_INT(ta_rd_actions_hash(ctx, h, act, act_len, NULL), 0);
    json_t *e = load("providers/nearai_direct_ed25519_tls/expected.json");
    json_t *c = json_object_get(e, "compose_manager");
    CHECK(hex_is(h, 32, str(c, "actions_hash_recomputed")));
    CHECK(hex_is(h, 32, "047d7800b9cadc327b5f380f658a69faa3eea858a3c809610b5967453a36b32b"));
    json_decref(e);
    free(doc);

    /* Venice (2026-06-10) carries an older compose manager whose hash is over
     * the compact text in arrival order: SHA-256 of the raw span, not L3. */
    doc = raw_file("providers/venice_nearai_ecdsa/attestation_report.json", &n);
    json_t *r = json_loadb((const char *)doc, n, 0, NULL);
    uint8_t want[32];
    unhex(want, 32, str(json_object_get(r, "compose_manager_attestation"), "actions_hash"));
    CHECK_EQ_INT(ta_json_member_span(doc, n, "compose_manager_attestation", &cm, &cm_len), 0);
    CHECK_EQ_INT(ta_json_member_span(cm, cm_len, "actions", &act, &act_len), 0);
    CHECK_EQ_INT(ta_rd_actions_hash(ctx, h, act, act_len, NULL), 0);
    CHECK(memcmp(h, want, 32) != 0);
    ta_sha256(ctx, h, act, act_len);
    CHECK(memcmp(h, want, 32) == 0);
    json_decref(r);
    free(doc);

    /* Canonical form details: sorted keys, raw UTF-8 and "/", lower-case
     * \u escapes, exact integers. */
    const char *in = "[ {\"b\":1, \"a\":[true,false,null,-0,9007199254740993],"
                     "\"\xc3\xa9\":\"x/\xe2\x82\xac\\u0001\\n\\\"\"} ]";
    const char *canon = "[{\"a\":[true,false,null,0,9007199254740993],\"b\":1,"
                        "\"\xc3\xa9\":\"x/\xe2\x82\xac\\u0001\\n\\\"\"}]";
    uint8_t h2[32];
    CHECK_EQ_INT(ta_rd_actions_hash(ctx, h, (const uint8_t *)in, strlen(in), NULL), 0);
    ta_sha256(ctx, h2, (const uint8_t *)canon, strlen(canon));
    CHECK(memcmp(h, h2, 32) == 0);
    teeattest_error err;
    teeattest_error_init(&err, sizeof err);
    CHECK_EQ_INT(ta_rd_actions_hash(ctx, h, (const uint8_t *)"{}", 2, &err), TEEATTEST_E_JSON);
    CHECK_EQ_INT(ta_rd_actions_hash(ctx, h, (const uint8_t *)"[1.5]", 5, &err), TEEATTEST_E_JSON);
    CHECK_EQ_INT(ta_rd_actions_hash(ctx, h, (const uint8_t *)"[1", 2, &err), TEEATTEST_E_JSON);
    CHECK_EQ_INT(ta_rd_actions_hash(ctx, h, (const uint8_t *)"[{\"a\":1,\"a\":2}]", 15, &err),
                 TEEATTEST_E_JSON);
    char deep[200];
    memset(deep, '[', 100);
    memset(deep + 100, ']', 100);
    CHECK_EQ_INT(ta_rd_actions_hash(ctx, h, (const uint8_t *)deep, 200, &err), TEEATTEST_E_JSON);
    CHECK_EQ_INT(ta_rd_actions_hash(ctx, h, (const uint8_t *)"[]", 2, &err), 0);
    ta_sha256(ctx, h2, (const uint8_t *)"[]", 2);
    CHECK(memcmp(h, h2, 32) == 0);
}

static void test_redpill(void)
{
    printf("# redpill chutes backend L6\n");
    json_t *r = load("providers/redpill_chutes_backend/attestation_report.json");
    json_t *e = load("providers/redpill_chutes_backend/expected.json");
    const char *nonce = str(r, "nonce");
    json_t *all = json_object_get(r, "all_attestations"), *ei = json_object_get(e, "instances");
    CHECK(json_array_size(all) == 5);
    for (size_t i = 0; i < json_array_size(all); i++) {
        json_t *x = json_array_get(all, i);
        const char *pk = str(x, "e2e_pubkey");
        uint8_t rd[64], h[32];
        CHECK(quote_rd(str(x, "intel_quote"), rd));
        CHECK_EQ_INT(ta_rd_chutes_half(ctx, h, nonce, (const uint8_t *)pk, strlen(pk)), 0);
        CHECK(memcmp(h, rd, 32) == 0);
        CHECK(hex_is(rd, 64, str(json_array_get(ei, i), "report_data")));
        /* The client nonce is not what the server bound. */
        CHECK_EQ_INT(ta_rd_chutes_half(ctx, h, str(e, "client_nonce"),
                                       (const uint8_t *)pk, strlen(pk)), 0);
        CHECK(memcmp(h, rd, 32) != 0);
        CHECK_EQ_INT(ta_rd_chutes_half(ctx, h, nonce, (const uint8_t *)pk, strlen(pk) - 1), 0);
        CHECK(memcmp(h, rd, 32) != 0);
    }
    uint8_t h[32];
    char bad_nonce[64];
    memcpy(bad_nonce, nonce, 64);
    bad_nonce[10] = 'g';
    CHECK_EQ_INT(ta_rd_chutes_half(ctx, h, bad_nonce, (const uint8_t *)"x", 1), TEEATTEST_E_HEX);
    CHECK_EQ_INT(ta_rd_chutes_half(ctx, h, nonce, (const uint8_t *)"x", 0), TEEATTEST_E_LENGTH);
    json_decref(r);
    json_decref(e);
}

static void test_chutes(void)
{
    printf("# chutes direct L6\n");
    json_t *ev = load("providers/chutes_direct/evidence.json");
    json_t *e2 = load("providers/chutes_direct/e2e_instances.json");
    json_t *e = load("providers/chutes_direct/expected.json");
    const char *nonce = str(e, "client_nonce");
    json_t *list = json_object_get(ev, "evidence"), *ins = json_object_get(e2, "instances");
    CHECK(json_array_size(list) == 2);
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *x = json_array_get(list, i);
        const char *pk = NULL;
        for (size_t k = 0; k < json_array_size(ins); k++)
            if (!strcmp(str(json_array_get(ins, k), "instance_id"), str(x, "instance_id")))
                pk = str(json_array_get(ins, k), "e2e_pubkey");
        CHECK(pk != NULL);
        if (!pk)
            continue;
        uint8_t rd[64], h[32];
        CHECK(quote_rd(str(x, "quote"), rd));
        CHECK_EQ_INT(ta_rd_chutes_half(ctx, h, nonce, (const uint8_t *)pk, strlen(pk)), 0);
        CHECK(memcmp(h, rd, 32) == 0);
        const char *c = str(x, "certificate");
        size_t cl = strlen(c);
        uint8_t *der = malloc(cl);
        int64_t dl = ta_base64_decode(der, cl, c, cl, false);
        CHECK(dl > 0);
        CHECK_EQ_INT(ta_rd_cert_spki_hash(ctx, h, der, (size_t)dl, NULL), 0);
        CHECK(memcmp(h, rd + 32, 32) == 0);
        CHECK(hex_is(h, 32, str(json_array_get(json_object_get(e, "instances"), i),
                                "sha256_certificate_spki")));
        /* PEM of the same certificate gives the same hash. */
        char *pem = malloc(cl + 200);
        int pn = sprintf(pem, "-----BEGIN CERTIFICATE-----\n");
        for (size_t off = 0; off < cl; off += 64)
            pn += sprintf(pem + pn, "%.64s\n", c + off);
        pn += sprintf(pem + pn, "-----END CERTIFICATE-----\n");
        uint8_t h2[32];
        CHECK_EQ_INT(ta_rd_cert_spki_hash(ctx, h2, (uint8_t *)pem, (size_t)pn, NULL), 0);
        CHECK(memcmp(h, h2, 32) == 0);
        /* Negatives: truncated, trailing byte, corrupted PEM, garbage. */
        teeattest_error err;
        teeattest_error_init(&err, sizeof err);
        CHECK_EQ_INT(ta_rd_cert_spki_hash(ctx, h2, der, (size_t)dl - 1, &err), TEEATTEST_E_PARSE);
        uint8_t *longer = malloc((size_t)dl + 1);
        memcpy(longer, der, (size_t)dl);
        longer[dl] = 0;
        CHECK_EQ_INT(ta_rd_cert_spki_hash(ctx, h2, longer, (size_t)dl + 1, &err), TEEATTEST_E_PARSE);
        pem[40] = '*';
        CHECK_EQ_INT(ta_rd_cert_spki_hash(ctx, h2, (uint8_t *)pem, (size_t)pn, &err), TEEATTEST_E_PARSE);
        CHECK_EQ_INT(ta_rd_cert_spki_hash(ctx, h2, (const uint8_t *)"hello", 5, &err), TEEATTEST_E_PARSE);
        CHECK_EQ_INT(ta_rd_cert_spki_hash(ctx, h2, (const uint8_t *)"", 0, &err), TEEATTEST_E_PARSE);
        free(longer);
        free(pem);
        free(der);
    }
    json_decref(ev);
    json_decref(e2);
    json_decref(e);
}

static void test_tinfoil(void)
{
    printf("# tinfoil L7\n");
    size_t n;
    uint8_t *doc = raw_file("providers/tinfoil_v3_direct/attestation.json", &n);
    json_t *e = load("providers/tinfoil_v3_direct/expected.json");
    const uint8_t *gpu, *rdj;
    size_t gl, rl;
    CHECK_EQ_INT(ta_json_member_span(doc, n, "gpu", &gpu, &gl), 0);
    uint8_t h[32];
    ta_sha256(ctx, h, gpu, gl);
    CHECK(hex_is(h, 32, str(e, "gpu_evidence_hash_recomputed_over_raw_gpu_json_bytes")));
    CHECK_EQ_INT(ta_json_member_span(doc, n, "report_data", &rdj, &rl), 0);
    ta_rd_tinfoil f;
    bool has;
    CHECK_EQ_INT(ta_rd_tinfoil_half(ctx, h, rdj, rl, &f, NULL), 0);
    has = f.has_nvswitch;
    CHECK(!has);
    json_t *doc_j = json_loadb((const char *)doc, n, 0, NULL);
    uint8_t rd[64], zero[32] = {0};
    CHECK(quote_rd(str(json_object_get(doc_j, "cpu"), "report"), rd));
    CHECK(memcmp(h, rd, 32) == 0 && memcmp(rd + 32, zero, 32) == 0);
    CHECK(hex_is(rd, 64, str(e, "quote_report_data")));
    uint8_t gh[32];
    ta_sha256(ctx, gh, gpu, gl);
    CHECK(memcmp(f.gpu_evidence_hash, gh, 32) == 0);
    CHECK(hex_is(f.nonce, 32, str(e, "client_nonce")));
    CHECK(hex_is(f.tls_key_fp, 32, str(e, "peer_tls_spki_sha256")));
    json_decref(doc_j);
    json_decref(e);

    /* Each member flipped changes the result; nvswitch appended. */
    char buf[600];
    const char *H = "0000000000000000000000000000000000000000000000000000000000000000";
    const char *names[] = {"tls_key_fp", "hpke_key", "nonce", "gpu_evidence_hash"};
    uint8_t base[32], o[32];
    snprintf(buf, sizeof buf, "{\"tls_key_fp\":\"%s\",\"hpke_key\":\"%s\",\"nonce\":\"%s\","
             "\"gpu_evidence_hash\":\"%s\"}", H, H, H, H);
    CHECK_EQ_INT(ta_rd_tinfoil_half(ctx, base, (uint8_t *)buf, strlen(buf), NULL, NULL), 0);
    uint8_t zeros[160] = {0};
    ta_sha256(ctx, o, zeros, 128);
    CHECK(memcmp(o, base, 32) == 0);
    for (int k = 0; k < 4; k++) {
        char b2[600];
        snprintf(b2, sizeof b2, "%s", buf);
        char *p = strstr(b2, names[k]) + strlen(names[k]) + 3;
        *p = '1';
        CHECK_EQ_INT(ta_rd_tinfoil_half(ctx, o, (uint8_t *)b2, strlen(b2), NULL, NULL), 0);
        CHECK(memcmp(o, base, 32) != 0);
        /* missing member */
        snprintf(b2, sizeof b2, "%s", buf);
        p = strstr(b2, names[k]);
        p[0] = 'X';
        teeattest_error err;
        teeattest_error_init(&err, sizeof err);
        CHECK_EQ_INT(ta_rd_tinfoil_half(ctx, o, (uint8_t *)b2, strlen(b2), &f, &err),
                     TEEATTEST_E_FIELD_MISSING);
        CHECK_STR(err.where, names[k]);
        /* short */
        snprintf(b2, sizeof b2, "%s", buf);
        p = strstr(b2, names[k]) + strlen(names[k]) + 3;
        memmove(p, p + 2, strlen(p + 2) + 1);
        CHECK_EQ_INT(ta_rd_tinfoil_half(ctx, o, (uint8_t *)b2, strlen(b2), &f, &err),
                     TEEATTEST_E_LENGTH);
        /* bad hex */
        snprintf(b2, sizeof b2, "%s", buf);
        p = strstr(b2, names[k]) + strlen(names[k]) + 3;
        *p = 'g';
        CHECK_EQ_INT(ta_rd_tinfoil_half(ctx, o, (uint8_t *)b2, strlen(b2), &f, &err),
                     TEEATTEST_E_HEX);
    }
    char b3[700];
    snprintf(b3, sizeof b3, "%.*s,\"nvswitch_evidence_hash\":\"%s\"}", (int)strlen(buf) - 1, buf, H);
    CHECK_EQ_INT(ta_rd_tinfoil_half(ctx, o, (uint8_t *)b3, strlen(b3), &f, NULL), 0);
    CHECK(f.has_nvswitch);
    ta_sha256(ctx, base, zeros, 160);
    CHECK(memcmp(o, base, 32) == 0);
    snprintf(b3, sizeof b3, "%.*s,\"nvswitch_evidence_hash\":null}", (int)strlen(buf) - 1, buf);
    CHECK_EQ_INT(ta_rd_tinfoil_half(ctx, o, (uint8_t *)b3, strlen(b3), &f, NULL), TEEATTEST_E_JSON);
    CHECK_EQ_INT(ta_rd_tinfoil_half(ctx, o, (uint8_t *)"[]", 2, &f, NULL), TEEATTEST_E_JSON);
    CHECK_EQ_INT(ta_rd_tinfoil_half(ctx, o, (uint8_t *)"{", 1, &f, NULL), TEEATTEST_E_JSON);
    free(doc);
}

static int span(const char *doc, const char *key, const char *want)
{
    const uint8_t *v = NULL;
    size_t n = 0;
    int rc = ta_json_member_span((const uint8_t *)doc, strlen(doc), key, &v, &n);
    if (rc == TEEATTEST_OK && want)
        return n == strlen(want) && memcmp(v, want, n) == 0 ? 0 : 1;
    return rc;
}

static void test_member_span(void)
{
    printf("# member span\n");
    const char *d = " {\"a\" : {\"gpu\":1}, \"s\":\"x\\\"}\", \"gpu\" : [1, {\"k\":-2.5e+3}] ,"
                    "\"u\":\"\\ud83d\\ude00\\u00e9\xc3\xa9\",\"t\":true,\"n\":null} ";
    CHECK_EQ_INT(span(d, "gpu", "[1, {\"k\":-2.5e+3}]"), 0);
    CHECK_EQ_INT(span(d, "s", "\"x\\\"}\""), 0);
    CHECK_EQ_INT(span(d, "a", "{\"gpu\":1}"), 0);
    CHECK_EQ_INT(span(d, "t", "true"), 0);
    CHECK_EQ_INT(span(d, "k", NULL), TEEATTEST_E_NOT_FOUND);
    CHECK_EQ_INT(span("{\"a\":{\"gpu\":1}}", "gpu", NULL), TEEATTEST_E_NOT_FOUND);
    CHECK_EQ_INT(span("{\"gp\\u0075\":7}", "gpu", "7"), 0);
    CHECK_EQ_INT(span("{\"\\u00e9\":7}", "\xc3\xa9", "7"), 0);
    CHECK_EQ_INT(span("{\"gpu\":1,\"gpu\":2}", "gpu", NULL), TEEATTEST_E_JSON);
    CHECK_EQ_INT(span("{\"gpu\":1,\"gp\\u0075\":2}", "gpu", NULL), TEEATTEST_E_JSON);
    CHECK_EQ_INT(span("{\"a\":1,\"a\":2,\"gpu\":3}", "gpu", "3"), 0);
    CHECK_EQ_INT(span("{}", "gpu", NULL), TEEATTEST_E_NOT_FOUND);
    const char *bad[] = {"", "[]", "\"x\"", "{\"a\":1,}", "{\"a\" 1}", "{\"a\":01}",
                         "{\"a\":1.}", "{\"a\":tru}", "{\"a\":\"\\x\"}", "{\"a\":\"\x01\"}",
                         "{\"a\":\"\\ud800\"}", "{\"a\":\"\\udc00\"}", "{\"a\":\"\xc3\"}",
                         "{\"a\":\"\xed\xa0\x80\"}", "{\"a\":\"\xc0\xaf\"}", "{a:1}",
                         "{\"a\":1} x", "{\"a\":[1 2]}", "{\"a\":-}", "{\"a\":1e}",
                         "\xef\xbb\xbf{}", "{\"a\":1}}"};
    for (size_t i = 0; i < TA_ARRAY_LEN(bad); i++)
        CHECK_EQ_INT(span(bad[i], "a", NULL), TEEATTEST_E_JSON);
    /* Every proper prefix of a document fails cleanly (on the heap: ASan). */
    size_t dl = strlen(d);
    for (size_t i = 0; i < dl - 1; i++) {
        uint8_t *p = malloc(i ? i : 1);
        memcpy(p, d, i);
        const uint8_t *v = (const uint8_t *)"sentinel";
        size_t vn = 9;
        int rc = ta_json_member_span(p, i, "gpu", &v, &vn);
        if (!CHECK(rc == TEEATTEST_E_JSON && v == NULL && vn == 0))
            printf("#   prefix %zu: %d\n", i, rc);
        free(p);
    }
    /* Depth: 64 levels accepted, 65 refused. */
    char deep[300];
    for (int lv = 63; lv <= 64; lv++) {
        int k = sprintf(deep, "{\"a\":");
        for (int j = 0; j < lv; j++)
            deep[k++] = '[';
        for (int j = 0; j < lv; j++)
            deep[k++] = ']';
        deep[k++] = '}';
        deep[k] = 0;
        CHECK_EQ_INT(span(deep, "a", NULL), lv == 63 ? 0 : TEEATTEST_E_JSON);
    }
    const uint8_t *v;
    size_t vn;
    CHECK_EQ_INT(ta_json_member_span(NULL, 0, "a", &v, &vn), TEEATTEST_E_INVALID_ARG);
}

int main(void)
{
    if (teeattest_ctx_new(&ctx, NULL, NULL) != TEEATTEST_OK)
        return 1;
    test_dstack();
    test_identity_neg();
    test_actions();
    test_redpill();
    test_chutes();
    test_tinfoil();
    test_member_span();
    teeattest_ctx_free(ctx);
    return ta_test_done();
}
