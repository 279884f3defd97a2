/*
 * ta_jcs_append(), the one canonical JSON writer (RFC 8785).
 *
 * Expected values: RFC 8785's member-order example (section 3.2.3) and
 * its number examples (Appendix B), which are ECMAScript's
 * Number::toString of the given IEEE 754 doubles (checked here against
 * node 20's JSON.stringify); the ACI keyset of Dstack-TEE/private-ai-gateway
 * spec/test-vectors.md section 1 (commit b6b5c1b), whose JCS text and
 * SHA-256 that file states.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <jansson.h>

#include "crypto/crypto.h"
#include "unit.h"

/* JCS of the parsed text, or NULL when parsing or writing fails. The
 * result is a static buffer. */
static const char *jcs_of(teeattest_ctx *ctx, const char *text, unsigned flags)
{
    static char out[4096];
    json_t *v = NULL;
    teeattest_error err;
    if (ta_json_parse(&v, (const uint8_t *)text, strlen(text), 1 << 20, &err))
        return NULL;
    ta_buf b;
    ta_buf_init(&b, ctx, 0);
    int rc = ta_jcs_append(&b, v, flags, &err);
    json_decref(v);
    const char *r = NULL;
    if (rc == TEEATTEST_OK && b.len < sizeof out) {
        memcpy(out, b.data ? (const char *)b.data : "", b.len);
        out[b.len] = '\0';
        r = out;
    }
    ta_buf_free(&b);
    return r;
}

static const char *jcs_double(teeattest_ctx *ctx, const char *bits_hex)
{
    static char out[64];
    uint8_t be[8];
    unit_unhex(be, 8, bits_hex);
    uint64_t u = 0;
    for (int i = 0; i < 8; i++)
        u = u << 8 | be[i];
    double d;
    memcpy(&d, &u, 8);
    json_t *v = json_real(d);
    ta_buf b;
    ta_buf_init(&b, ctx, 0);
    int rc = ta_jcs_append(&b, v, 0, NULL);
    json_decref(v);
    const char *r = NULL;
    if (rc == TEEATTEST_OK && b.len < sizeof out) {
        memcpy(out, b.data, b.len);
        out[b.len] = '\0';
        r = out;
    }
    ta_buf_free(&b);
    return r;
}

static void numbers(teeattest_ctx *ctx)
{
    static const char *const cases[][2] = {
        {"0000000000000000", "0"},
        {"8000000000000000", "0"},
        {"0000000000000001", "5e-324"},
        {"8000000000000001", "-5e-324"},
        {"7fefffffffffffff", "1.7976931348623157e+308"},
        {"ffefffffffffffff", "-1.7976931348623157e+308"},
        {"4340000000000000", "9007199254740992"},
        {"c340000000000000", "-9007199254740992"},
        {"4430000000000000", "295147905179352830000"},
        {"44b52d02c7e14af5", "9.999999999999997e+22"},
        {"44b52d02c7e14af6", "1e+23"},
        {"44b52d02c7e14af7", "1.0000000000000001e+23"},
        {"444b1ae4d6e2ef4e", "999999999999999700000"},
        {"444b1ae4d6e2ef4f", "999999999999999900000"},
        {"444b1ae4d6e2ef50", "1e+21"},
        {"3eb0c6f7a0b5ed8c", "9.999999999999997e-7"},
        {"3eb0c6f7a0b5ed8d", "0.000001"},
        {"41b3de4355555553", "333333333.3333332"},
        {"41b3de4355555555", "333333333.3333333"},
        {"41b3de4355555556", "333333333.3333334"},
        {"3fb999999999999a", "0.1"},
        {"4024000000000000", "10"},
        {"3ff0000000000001", "1.0000000000000002"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK_STR(jcs_double(ctx, cases[i][0]), cases[i][1]);

    /* The same numbers written differently are the same document. */
    CHECK_STR(jcs_of(ctx, "[1e21,1e20,1.5e-7,-0.0,-0,100,1E2,1.0,0.10]", 0),
              "[1e+21,100000000000000000000,1.5e-7,0,0,100,100,1,0.1]");
    /* Integers beyond 2^53 denote the nearest double. */
    CHECK_STR(jcs_of(ctx, "[9007199254740993,-9007199254740993,"
                          "123456789012345678]", 0),
              "[9007199254740992,-9007199254740992,123456789012345680]");
    /* Beyond what jansson holds: refused (fail closed), never rounded. */
    CHECK(jcs_of(ctx, "[12345678901234567890]", 0) == NULL);
    /* L3's form refuses reals, keeps integers exact. */
    CHECK(jcs_of(ctx, "[1.5]", TA_JCS_SORT_KEYS) == NULL);
    CHECK(jcs_of(ctx, "[1.0]", TA_JCS_SORT_KEYS) == NULL);
    CHECK_STR(jcs_of(ctx, "[15,9007199254740993]", TA_JCS_SORT_KEYS),
              "[15,9007199254740993]");
}

static void order_and_strings(teeattest_ctx *ctx)
{
    /* RFC 8785 section 3.2.3: sorted by UTF-16 code units, so U+1F600
     * (surrogates D83D DE00) sorts before U+FB33. */
    const char *rfc =
        "{\"\\u20ac\":\"Euro Sign\",\"\\r\":\"Carriage Return\","
        "\"\\ufb33\":\"Hebrew Letter Dalet With Dagesh\",\"1\":\"One\","
        "\"\\ud83d\\ude00\":\"Emoji: Grinning Face\",\"\\u0080\":\"Control\","
        "\"\\u00f6\":\"Latin Small Letter O With Diaeresis\"}";
    CHECK_STR(jcs_of(ctx, rfc, 0),
              "{\"\\r\":\"Carriage Return\",\"1\":\"One\","
              "\"\xc2\x80\":\"Control\","
              "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\","
              "\"\xe2\x82\xac\":\"Euro Sign\","
              "\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\","
              "\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\"}");
    /* Code point order (L3) puts U+FB33 before U+1F600. */
    CHECK_STR(jcs_of(ctx, "{\"\\ud83d\\ude00\":1,\"\\ufb33\":2}",
                     TA_JCS_SORT_KEYS),
              "{\"\xef\xac\xb3\":2,\"\xf0\x9f\x98\x80\":1}");
    CHECK_STR(jcs_of(ctx, "{\"\\ud83d\\ude00\":1,\"\\ufb33\":2}", 0),
              "{\"\xf0\x9f\x98\x80\":1,\"\xef\xac\xb3\":2}");
    /* A prefix sorts first; nested objects sorted too; arrays keep order. */
    CHECK_STR(jcs_of(ctx, " { \"ab\" : [ 3 , 1 ] , \"a\" : { \"z\" : null ,"
                          " \"y\" : true } , \"\" : false } ", 0),
              "{\"\":false,\"a\":{\"y\":true,\"z\":null},\"ab\":[3,1]}");
    /* Escapes: the short forms, lower-case \u00xx, '/' and DEL raw,
     * U+2028 raw, escaped ASCII letters written as themselves. */
    CHECK_STR(jcs_of(ctx, "[\"\\u0041\\/\\b\\f\\n\\r\\t\\u0001\\u001F\\\"\\\\"
                          "\x7f\\u2028\"]", 0),
              "[\"A/\\b\\f\\n\\r\\t\\u0001\\u001f\\\"\\\\\x7f\xe2\x80\xa8\"]");
    /* Duplicate members are refused by the parser, never merged. */
    CHECK(jcs_of(ctx, "{\"a\":1,\"a\":2}", 0) == NULL);
    /* Depth: 64 levels written, 65 refused. */
    char deep[200] = "";
    for (int i = 0; i < 65; i++)
        strcat(deep, "[");
    for (int i = 0; i < 65; i++)
        strcat(deep, "]");
    CHECK(jcs_of(ctx, deep, 0) == NULL);
    deep[129] = '\0'; /* 64 of each */
    CHECK(jcs_of(ctx, deep + 1, 0) != NULL);
}

static void aci_keyset(teeattest_ctx *ctx)
{
    /* spec/test-vectors.md section 1, served pretty-printed and in another
     * member order: the canonical bytes and digest are the spec's. */
    const char *served =
        "{\n  \"tls_public_keys\": [ {\"spki_sha256\": \"c0c0c0c0c0c0c0c0c0c0"
        "c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0\", \"domain\": "
        "\"api.example.com\"} ],\n  \"subject\": \"dstack-app://example-app\","
        "\n  \"receipt_signing_keys\": [ {\"public_key\": \"8139770ea87d175f56"
        "a35466c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b394\", \"key_id\": "
        "\"receipt-1\", \"algo\": \"ed25519\"} ],\n  \"not_after\": 18e8,\n"
        "  \"e2ee_public_keys\": [ {\"public_key\": \"5dfedd3b6bd47f6fa28ee15d"
        "969d5bb0ea53774d488bdaf9df1c6e0124b3ef22\", \"key_id\": \"e2ee-1\","
        " \"algo\": \"x25519-aes-256-gcm-hkdf-sha256\"} ]\n}\n";
    const char *want =
        "{\"e2ee_public_keys\":[{\"algo\":\"x25519-aes-256-gcm-hkdf-sha256\","
        "\"key_id\":\"e2ee-1\",\"public_key\":\"5dfedd3b6bd47f6fa28ee15d969d5"
        "bb0ea53774d488bdaf9df1c6e0124b3ef22\"}],\"not_after\":1800000000,"
        "\"receipt_signing_keys\":[{\"algo\":\"ed25519\",\"key_id\":"
        "\"receipt-1\",\"public_key\":\"8139770ea87d175f56a35466c34c7ecccb8d8"
        "a91b4ee37a25df60f5b8fc9b394\"}],\"subject\":\"dstack-app://example-"
        "app\",\"tls_public_keys\":[{\"domain\":\"api.example.com\","
        "\"spki_sha256\":\"c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0"
        "c0c0c0c0c0c0c0\"}]}";
    const char *got = jcs_of(ctx, served, 0);
    CHECK_STR(got, want);
    uint8_t d[32];
    CHECK_EQ_INT(ta_sha256(ctx, d, (const uint8_t *)want, strlen(want)), 0);
    CHECK_HEX(d, 32, "53a5cd44b30dcc51999754c719f2628a041f174ecbf9662a6f8e898a"
                     "10cd9371");
}

/* Real documents: the JCS text parses back to the same tree and is its
 * own JCS form. */
static void real_documents(teeattest_ctx *ctx)
{
    static const char *const docs[] = {
        "providers/nearai_direct_ed25519_tls/attestation_report.json",
        "providers/nearai_direct_ed25519_tls/nras_jwks.json",
        "providers/venice_nearai_ecdsa/attestation_report.json",
        "providers/tinfoil_v3_direct/expected.json",
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        size_t n = 0;
        uint8_t *doc = ta_test_read_file(ta_test_fixture(docs[i]), &n);
        json_t *v = NULL, *w = NULL;
        CHECK(doc && ta_json_parse(&v, doc, n, 64u << 20, NULL) == 0);
        ta_buf b1, b2;
        ta_buf_init(&b1, ctx, 0);
        ta_buf_init(&b2, ctx, 0);
        CHECK_EQ_INT(ta_jcs_append(&b1, v, 0, NULL), 0);
        CHECK(ta_json_parse(&w, b1.data, b1.len, 64u << 20, NULL) == 0);
        CHECK(json_equal(v, w));
        CHECK_EQ_INT(ta_jcs_append(&b2, w, 0, NULL), 0);
        CHECK(b1.len == b2.len && memcmp(b1.data, b2.data, b1.len) == 0);
        ta_buf_free(&b1);
        ta_buf_free(&b2);
        json_decref(v);
        json_decref(w);
        free(doc);
    }
}

/* TA_JCS_DOC_ORDER: the compact form the E2EE v2 reference service
 * (serde_json with preserve_order, ryu's number layout) hashes. Layout
 * rules from ryu's pretty printer (format64): positional with ".0" for
 * exponents 0..15, "0.000ddd" down to 1e-5, "de-6" / "d.ddde16" beyond. */
static void doc_order(teeattest_ctx *ctx)
{
    const char *r = jcs_of(ctx,
                           "{\"b\":1.0,\"a\":[0.7,1e16,1e15,1e-5,1e-6,-0.0,"
                           "1.5e-7,2.5e20,9007199254740993,{\"z\":1,\"y\":2}]}",
                           TA_JCS_DOC_ORDER);
    CHECK(r && strcmp(r, "{\"b\":1.0,\"a\":[0.7,1e16,1000000000000000.0,"
                         "0.00001,1e-6,-0.0,1.5e-7,2.5e20,9007199254740993,"
                         "{\"z\":1,\"y\":2}]}") == 0);
    /* the same document canonically: sorted, ECMAScript numbers */
    r = jcs_of(ctx, "{\"b\":1.0,\"a\":[1e-6,-0.0,9007199254740993]}", 0);
    CHECK(r && strcmp(r, "{\"a\":[0.000001,0,9007199254740992],\"b\":1}") ==
                   0);
    CHECK(!jcs_of(ctx, "{}", TA_JCS_SORT_KEYS | TA_JCS_DOC_ORDER));
}

/* Empty objects and arrays, nested, in every mode (an empty object has
 * no key list to sort: UBSan caught a qsort() of NULL there). */
static void empty(teeattest_ctx *ctx)
{
    const unsigned modes[] = {0, TA_JCS_SORT_KEYS, TA_JCS_DOC_ORDER};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        const char *r = jcs_of(ctx, "{}", modes[i]);
        CHECK(r && strcmp(r, "{}") == 0);
        r = jcs_of(ctx, "{\"b\":{},\"a\":[{},[]]}", modes[i]);
        CHECK(r && strcmp(r, modes[i] == TA_JCS_DOC_ORDER
                                 ? "{\"b\":{},\"a\":[{},[]]}"
                                 : "{\"a\":[{},[]],\"b\":{}}") == 0);
    }
}

int main(void)
{
    teeattest_ctx *ctx = unit_ctx();
    numbers(ctx);
    order_and_strings(ctx);
    aci_keyset(ctx);
    real_documents(ctx);
    doc_order(ctx);
    empty(ctx);
    teeattest_ctx_free(ctx);
    return ta_test_done();
}
