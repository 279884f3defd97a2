/*
 * Parsing signature records from the endpoint JSON, from response headers
 * and from fields: what is accepted (and how it is normalised), and the
 * specific status every malformed input gets.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "api.h"
#include "report_helpers.h"

static teeattest_ctx *ctx;

/* Synthetic nonstream_2part values, read from vectors.json. */
static api_exchange ec, ed;
static char H1[65], H2[65];   /* request and response hash of that text */

static int json_rc(const char *json, teeattest_error *err)
{
    teeattest_signature *sig = NULL;
    int rc = teeattest_signature_parse_json(ctx, &sig, (const uint8_t *)json,
                                            strlen(json), err);
    if ((rc == TEEATTEST_OK) != (sig != NULL))
        rc = -9999; /* *out must be set exactly on success */
    teeattest_signature_free(sig);
    return rc;
}

#define EXPECT_JSON(json, want) \
    do { \
        int rc_ = json_rc((json), NULL); \
        if (!CHECK_EQ_INT(rc_, (want))) \
            printf("#   input: %.300s\n", (json)); \
    } while (0)

static int fields_rc(const char *text, const char *sig_hex, const char *addr,
                     const char *algo)
{
    teeattest_signature *sig = NULL;
    int rc = teeattest_signature_new(ctx, &sig, text, sig_hex, addr, algo, NULL);
    if ((rc == TEEATTEST_OK) != (sig != NULL))
        rc = -9999;
    teeattest_signature_free(sig);
    return rc;
}

#define EXPECT_FIELDS(text, sig, addr, algo, want) \
    do { \
        int rc_ = fields_rc((text), (sig), (addr), (algo)); \
        if (!CHECK_EQ_INT(rc_, (want))) \
            printf("#   text \"%.200s\" sig \"%.140s\" addr \"%s\" algo \"%s\"\n", \
                   (text), (sig), api_show(addr), api_show(algo)); \
    } while (0)

static int headers_rc(const char *h, teeattest_error *err)
{
    teeattest_signature *sig = NULL;
    int rc = teeattest_signature_parse_headers(ctx, &sig, h, strlen(h), err);
    if ((rc == TEEATTEST_OK) != (sig != NULL))
        rc = -9999;
    teeattest_signature_free(sig);
    return rc;
}

#define EXPECT_HEADERS(h, want) \
    do { \
        int rc_ = headers_rc((h), NULL); \
        if (!CHECK_EQ_INT(rc_, (want))) \
            printf("#   headers: %.300s\n", (h)); \
    } while (0)

/* ---- endpoint JSON -------------------------------------------------- */

/* The record {text, signature, signing_address, signing_algo} of `x`
 * plus `extra` members (with their leading comma), and its parse. */
static int kind_rc(const api_exchange *x, const char *extra,
                   teeattest_signature **out, teeattest_error *e)
{
    char j[2048];
    api_fmt(j, sizeof j, "{\"text\":\"%s\",\"signature\":\"%s\","
             "\"signing_address\":\"%s\",\"signing_algo\":\"%s\"%s}",
             x->text, x->signature, x->address, x->algo, extra);
    *out = NULL;
    return teeattest_signature_parse_json(ctx, out, (const uint8_t *)j,
                                          strlen(j), e);
}

/* signature_kind (NEAR cloud-api, nearai/cloud-api@54b4a7c
 * crates/api/src/routes/attestation/signature.rs): read, exposed, written
 * back; anything but its two values, a duplicate member (the JSON
 * duplicate-key rule) or another type is rejected; and against a pinned
 * signer the text's form must be the one the kind implies. */
static void test_signature_kind(void)
{
    api_exchange three;
    api_synthetic(&three, "nonstream_3part_model_prefixed", "ecdsa");
    teeattest_signature *sig = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    CHECK_EQ_INT(kind_rc(&ec, "", &sig, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_signature_kind(sig), TEEATTEST_SIG_KIND_NONE);
    teeattest_signature_free(sig);
    CHECK_EQ_INT(teeattest_signature_kind(NULL), TEEATTEST_SIG_KIND_NONE);
    CHECK_EQ_INT(kind_rc(&ec, ",\"signature_kind\":null", &sig, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_signature_kind(sig), TEEATTEST_SIG_KIND_NONE);
    teeattest_signature_free(sig);
    CHECK_EQ_INT(kind_rc(&ec, ",\"signature_kind\":\"gateway\"", &sig, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_signature_kind(sig), TEEATTEST_SIG_KIND_GATEWAY);
    /* Written back, and parsed again to the same kind. */
    char out[2048];
    size_t len = 0;
    CHECK_EQ_INT(teeattest_signature_to_json(sig, out, sizeof out, &len, NULL),
                 TEEATTEST_OK);
    CHECK(strstr(out, ",\"signature_kind\":\"gateway\"}") != NULL);
    teeattest_signature *again = NULL;
    CHECK_EQ_INT(teeattest_signature_parse_json(ctx, &again,
                                                (const uint8_t *)out, len,
                                                NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_signature_kind(again), TEEATTEST_SIG_KIND_GATEWAY);
    teeattest_signature_free(again);
    teeattest_result *r = NULL;
    CHECK_EQ_INT(teeattest_signature_verify(sig, &r, NULL, ec.expected, ec.req,
                                            ec.req_len, ec.resp, ec.resp_len,
                                            NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_VERIFIED);
    CHECK_STR(ta_test_outcome(r, "signature.kind"), "pass");
    CHECK_STR(teeattest_result_fact(r, "signature_kind"), "gateway");
    teeattest_result_free(r);
    teeattest_signature_free(sig);
    /* provider_tee over the same two-part text: the form contradicts the
     * kind, whoever signed. */
    CHECK_EQ_INT(kind_rc(&ec, ",\"signature_kind\":\"provider_tee\"", &sig,
                         NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_signature_kind(sig),
                 TEEATTEST_SIG_KIND_PROVIDER_TEE);
    CHECK_EQ_INT(teeattest_signature_verify(sig, &r, NULL, ec.expected, ec.req,
                                            ec.req_len, ec.resp, ec.resp_len,
                                            NULL), TEEATTEST_OK);
    CHECK_STR(ta_test_failures(r), "signature.kind");
    teeattest_result_free(r);
    teeattest_signature_free(sig);
    /* gateway over a model:req:resp text: the same. */
    CHECK_EQ_INT(kind_rc(&three, ",\"signature_kind\":\"gateway\"", &sig,
                         NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_signature_verify(sig, &r, NULL, three.expected,
                                            three.req, three.req_len,
                                            three.resp, three.resp_len, NULL),
                 TEEATTEST_OK);
    CHECK_STR(ta_test_failures(r), "signature.kind");
    teeattest_result_free(r);
    teeattest_signature_free(sig);
    /* A legacy record verified against a pinned signer has no kind to
     * check. */
    CHECK_EQ_INT(kind_rc(&three, "", &sig, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_signature_verify(sig, &r, NULL, three.expected,
                                            three.req, three.req_len,
                                            three.resp, three.resp_len, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_VERIFIED);
    CHECK_STR(ta_test_outcome(r, "signature.kind"), "absent");
    CHECK(teeattest_result_fact(r, "signature_kind") == NULL);
    teeattest_result_free(r);
    teeattest_signature_free(sig);

    /* Rejected: unknown values (exact match only), other types, and a
     * duplicate member, whichever value comes first. */
    static const char *const bad[] = {
        ",\"signature_kind\":\"Gateway\"",
        ",\"signature_kind\":\"provider\"",
        ",\"signature_kind\":\"gateway \"",
        ",\"signature_kind\":\"\"",
        ",\"signature_kind\":\"model\"",
        ",\"signature_kind\":1",
        ",\"signature_kind\":[\"gateway\"]",
        ",\"signature_kind\":\"gateway\\u0000\"", /* jansson: no NUL */
        ",\"signature_kind\":\"gateway\",\"signature_kind\":\"gateway\"",
        ",\"signature_kind\":\"gateway\",\"signature_kind\":\"provider_tee\"",
        ",\"signature_kind\":\"provider_tee\",\"signature_kind\":null",
    };
    for (size_t i = 0; i < API_ARRAY_LEN(bad); i++) {
        e = (teeattest_error)TEEATTEST_ERROR_INIT;
        if (!CHECK_EQ_INT(kind_rc(&ec, bad[i], &sig, &e), TEEATTEST_E_JSON))
            printf("#   extra: %s\n", bad[i]);
        CHECK(sig == NULL);
        if (i < 7)
            CHECK_STR(e.where, "signature_kind");
    }
    api_exchange_free(&three);
}

static void test_json_accepted(void)
{
    /* The real NEAR record: EIP-55 address, "0x" signature. */
    api_exchange near;
    api_real(&near, "nearai_cloud_2025_stream");
    teeattest_signature *sig = NULL;
    CHECK_EQ_INT(teeattest_signature_parse_json(ctx, &sig, near.record,
                                                near.record_len, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_signature_algo(sig), TEEATTEST_SIG_ECDSA);
    CHECK_STR(teeattest_signature_text(sig), near.text);
    CHECK(teeattest_signature_model(sig) == NULL);
    CHECK(strncmp(teeattest_signature_request_hash(sig), near.text, 64) == 0);
    CHECK_STR(teeattest_signature_response_hash(sig), near.text + 65);
    /* The claim is normalised to lower case. */
    CHECK_STR(teeattest_signature_claimed_signer(sig), near.expected);
    teeattest_signature_free(sig);
    api_exchange_free(&near);

    /* The 2024 Phala record: no address, no algorithm, no "0x". */
    api_exchange ph;
    api_real(&ph, "phala_inference_api_2024_stream");
    CHECK_EQ_INT(teeattest_signature_parse_json(ctx, &sig, ph.record,
                                                ph.record_len, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_signature_algo(sig), TEEATTEST_SIG_ECDSA);
    CHECK(teeattest_signature_claimed_signer(sig) == NULL);
    teeattest_signature_free(sig);
    api_exchange_free(&ph);

    char j[2048];
    /* Ed25519, named. */
    api_fmt(j, sizeof j, "{\"text\":\"%s\",\"signature\":\"%s\","
             "\"signing_address\":\"%s\",\"signing_algo\":\"ed25519\"}",
             ed.text, ed.signature, ed.address);
    CHECK_EQ_INT(teeattest_signature_parse_json(ctx, &sig, (const uint8_t *)j,
                                                strlen(j), NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_signature_algo(sig), TEEATTEST_SIG_ED25519);
    CHECK_STR(teeattest_signature_claimed_signer(sig), ed.address);
    teeattest_signature_free(sig);
    /* Ed25519 inferred from a 64-byte signature; unknown members (objects,
     * arrays, numbers) and null members ignored. */
    api_fmt(j, sizeof j, "{\"receipt\":{\"a\":[1,2,{\"b\":null}]},"
             "\"signature_kind\":\"provider_tee\",\"api_version\":2,"
             "\"text\":\"%s\",\"signature\":\"%s\",\"signing_address\":null,"
             "\"signing_algo\":null}", ed.text, ed.signature);
    CHECK_EQ_INT(teeattest_signature_parse_json(ctx, &sig, (const uint8_t *)j,
                                                strlen(j), NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_signature_algo(sig), TEEATTEST_SIG_ED25519);
    CHECK(teeattest_signature_claimed_signer(sig) == NULL);
    teeattest_signature_free(sig);
    /* White space and escapes are JSON's business. */
    api_fmt(j, sizeof j, " \n{ \"text\" : \"%s\" ,\r\n\t\"signature\":"
             "\"\\u0030x%s\" } \n", ec.text, ec.signature + 2);
    EXPECT_JSON(j, TEEATTEST_OK);
    /* An upper-case address carries no checksum: accepted, normalised. */
    char up[64];
    api_fmt(up, sizeof up, "0x%s", ec.address + 2);
    for (char *p = up + 2; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 32);
    api_fmt(j, sizeof j, "{\"text\":\"%s\",\"signature\":\"%s\","
             "\"signing_address\":\"%s\"}", ec.text, ec.signature, up);
    CHECK_EQ_INT(teeattest_signature_parse_json(ctx, &sig, (const uint8_t *)j,
                                                strlen(j), NULL), TEEATTEST_OK);
    CHECK_STR(teeattest_signature_claimed_signer(sig), ec.address);
    teeattest_signature_free(sig);
}

static void test_json_rejected(void)
{
    teeattest_error e = TEEATTEST_ERROR_INIT;
    char j[2048];

    /* Not JSON at all. */
    static const char *const not_json[] = {
        "", " ", "{", "}", "{\"text\":", "nul", "{'text':'x'}", "{\"a\":1} x",
        "{\"a\":1}{}", "{\"a\":01}", "\xef\xbb\xbf{}", "{\"a\":\"\xff\"}",
        "{\"a\":\"\xc3\"}", "{\"a\" 1}", "{\"a\":1,}", "/* c */ {}",
    };
    for (size_t i = 0; i < API_ARRAY_LEN(not_json); i++)
        EXPECT_JSON(not_json[i], TEEATTEST_E_JSON);
    CHECK_EQ_INT(json_rc("{\"a\":", &e), TEEATTEST_E_JSON);
    CHECK(strstr(e.where, "line 1") != NULL); /* the position is reported */

    /* JSON, but not an object. */
    static const char *const not_obj[] = {"[]", "[{}]", "\"text\"", "1", "null",
                                          "true", "-0.5e3"};
    for (size_t i = 0; i < API_ARRAY_LEN(not_obj); i++)
        EXPECT_JSON(not_obj[i], TEEATTEST_E_JSON);

    /* Duplicate keys: a second "signature" must not shadow the first. */
    api_fmt(j, sizeof j, "{\"text\":\"%s\",\"signature\":\"%s\","
             "\"signature\":\"%s\"}", ec.text, ec.signature, ec.signature);
    EXPECT_JSON(j, TEEATTEST_E_JSON);
    api_fmt(j, sizeof j, "{\"text\":\"%s\",\"text\":\"%s\",\"signature\":\"%s\"}",
             ec.text, ec.text, ec.signature);
    EXPECT_JSON(j, TEEATTEST_E_JSON);
    api_fmt(j, sizeof j, "{\"text\":\"%s\",\"signature\":\"%s\",\"x\":{\"a\":1,"
             "\"a\":2}}", ec.text, ec.signature);
    EXPECT_JSON(j, TEEATTEST_E_JSON);

    /* Members of the wrong type, each reported by name. */
    static const char *const members[] = {"text", "signature", "signing_address",
                                          "signing_algo"};
    static const char *const values[] = {"1", "true", "[]", "{}", "1.5"};
    for (size_t m = 0; m < 4; m++) {
        for (size_t v = 0; v < API_ARRAY_LEN(values); v++) {
            char t[300], s[200], a[80], g[40];
            api_fmt(t, sizeof t, "\"%s\"", ec.text);
            api_fmt(s, sizeof s, "\"%s\"", ec.signature);
            api_fmt(a, sizeof a, "\"%s\"", ec.address);
            api_fmt(g, sizeof g, "\"ecdsa\"");
            char *slot[] = {t, s, a, g};
            api_fmt(slot[m], 8, "%s", values[v]);
            api_fmt(j, sizeof j, "{\"text\":%s,\"signature\":%s,"
                     "\"signing_address\":%s,\"signing_algo\":%s}", t, s, a, g);
            teeattest_error me = TEEATTEST_ERROR_INIT;
            CHECK_EQ_INT(json_rc(j, &me), TEEATTEST_E_JSON);
            CHECK_STR(me.where, members[m]);
        }
    }
    /* A NUL inside a member. */
    api_fmt(j, sizeof j, "{\"text\":\"%s\\u0000\",\"signature\":\"%s\"}",
             ec.text, ec.signature);
    EXPECT_JSON(j, TEEATTEST_E_JSON);
    api_fmt(j, sizeof j, "{\"text\":\"%s\",\"signature\":\"%s\","
             "\"signing_algo\":\"ecdsa\\u0000x\"}", ec.text, ec.signature);
    EXPECT_JSON(j, TEEATTEST_E_JSON);

    /* Missing members. */
    api_fmt(j, sizeof j, "{\"signature\":\"%s\"}", ec.signature);
    CHECK_EQ_INT(json_rc(j, &e), TEEATTEST_E_FIELD_MISSING);
    CHECK_STR(e.where, "text");
    api_fmt(j, sizeof j, "{\"text\":\"%s\"}", ec.text);
    CHECK_EQ_INT(json_rc(j, &e), TEEATTEST_E_FIELD_MISSING);
    CHECK_STR(e.where, "signature");
    api_fmt(j, sizeof j, "{\"text\":null,\"signature\":\"%s\"}", ec.signature);
    EXPECT_JSON(j, TEEATTEST_E_FIELD_MISSING);
    EXPECT_JSON("{}", TEEATTEST_E_FIELD_MISSING);
    EXPECT_JSON("{\"Text\":\"a\",\"Signature\":\"b\"}", TEEATTEST_E_FIELD_MISSING);

    /* The provider says there is no signature. */
    CHECK_EQ_INT(json_rc("{\"error_code\":\"STREAM_DISCONNECTED\",\"message\":"
                         "\"Stream was disconnected before completion\"}", &e),
                 TEEATTEST_E_SIGNATURE_UNAVAILABLE);
    CHECK_STR(e.where, "STREAM_DISCONNECTED");
    CHECK(strstr(e.message, "disconnected before completion") != NULL);
    EXPECT_JSON("{\"error_code\":\"SIGNATURE_UNSUPPORTED\",\"message\":\"no\"}",
                TEEATTEST_E_SIGNATURE_UNAVAILABLE);
    EXPECT_JSON("{\"error_code\":\"STREAM_DISCONNECTED\"}",
                TEEATTEST_E_SIGNATURE_UNAVAILABLE);
    CHECK_EQ_INT(json_rc("{\"error\":{\"message\":\"Chat id not found or "
                         "expired\",\"type\":\"not_found\",\"param\":null,"
                         "\"code\":null}}", &e),
                 TEEATTEST_E_SIGNATURE_UNAVAILABLE);
    CHECK(strstr(e.message, "Chat id not found") != NULL);
    EXPECT_JSON("{\"error\":\"Signature not found: abc:ecdsa\"}",
                TEEATTEST_E_SIGNATURE_UNAVAILABLE);
    /* A provider message is quoted bounded, never overrunning the detail. */
    char longmsg[4096];
    int o = api_fmt(longmsg, sizeof longmsg,
                     "{\"error_code\":\"STREAM_DISCONNECTED\",\"message\":\"");
    memset(longmsg + o, 'm', 3000);
    api_fmt(longmsg + o + 3000, sizeof longmsg - (size_t)o - 3000, "\"}");
    CHECK_EQ_INT(json_rc(longmsg, &e), TEEATTEST_E_SIGNATURE_UNAVAILABLE);
    CHECK(strlen(e.message) < sizeof e.message);

    /* Size limit: 64 KiB accepted, one byte more refused before parsing. */
    size_t max = TEEATTEST_SIGNATURE_RECORD_MAX;
    char *big = malloc(max + 2);
    int n = api_fmt(big, max, "{\"text\":\"%s\",\"signature\":\"%s\"}", ec.text,
                     ec.signature);
    memset(big + n, ' ', max - (size_t)n);
    big[max] = '\0';
    CHECK_EQ_INT(strlen(big), max);
    EXPECT_JSON(big, TEEATTEST_OK);
    big[max] = ' ';
    big[max + 1] = '\0';
    CHECK_EQ_INT(json_rc(big, &e), TEEATTEST_E_TOO_LARGE);
    /* Garbage over the limit is refused for its size, not its content. */
    memset(big, 'x', max + 1);
    EXPECT_JSON(big, TEEATTEST_E_TOO_LARGE);
    free(big);
}

/* ---- signed text ------------------------------------------------------ */

static void test_text(void)
{
    const char *S = ec.signature;
    char t[8192];

    /* Two-part and three-part texts. */
    EXPECT_FIELDS(ec.text, S, NULL, NULL, TEEATTEST_OK);
    api_fmt(t, sizeof t, "org/model-v1.5:%s", ec.text);
    teeattest_signature *sig = NULL;
    CHECK_EQ_INT(teeattest_signature_new(ctx, &sig, t, S, NULL, NULL, NULL),
                 TEEATTEST_OK);
    CHECK_STR(teeattest_signature_model(sig), "org/model-v1.5");
    CHECK_STR(teeattest_signature_request_hash(sig), H1);
    CHECK_STR(teeattest_signature_response_hash(sig), H2);
    teeattest_signature_free(sig);
    /* The model may itself contain ':' (and spaces, and UTF-8). */
    api_fmt(t, sizeof t, "a:b c:\xc3\xa9:%s", ec.text);
    CHECK_EQ_INT(teeattest_signature_new(ctx, &sig, t, S, NULL, NULL, NULL),
                 TEEATTEST_OK);
    CHECK_STR(teeattest_signature_model(sig), "a:b c:\xc3\xa9");
    teeattest_signature_free(sig);
    /* Three hashes: the last two are the hashes, the first is taken as the
     * model (which the model check then compares with the expected one). */
    api_fmt(t, sizeof t, "%s:%s", H2, ec.text);
    CHECK_EQ_INT(teeattest_signature_new(ctx, &sig, t, S, NULL, NULL, NULL),
                 TEEATTEST_OK);
    CHECK_STR(teeattest_signature_model(sig), H2);
    CHECK_STR(teeattest_signature_request_hash(sig), H1);
    teeattest_signature_free(sig);
    /* Upper-case hex hashes are decoded; the getters give lower case and
     * the text is kept exactly as signed. */
    char upper[200];
    api_fmt(upper, sizeof upper, "%s", ec.text);
    for (char *p = upper; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 32);
    CHECK_EQ_INT(teeattest_signature_new(ctx, &sig, upper, S, NULL, NULL, NULL),
                 TEEATTEST_OK);
    CHECK_STR(teeattest_signature_request_hash(sig), H1);
    CHECK_STR(teeattest_signature_text(sig), upper);
    teeattest_signature_free(sig);

    /* Malformed texts: TEEATTEST_E_SIG_TEXT. */
    static const char *const fmt_bad[] = {
        "%.64s;%s",          /* ';' instead of ':' */
        "%.64s%s",           /* no separator */
        "%.64s :%s",         /* space */
        "%.64s::%s",         /* doubled separator */
        ":%.64s:%s",         /* empty model */
        "%.64s:%s:",         /* trailing separator */
        "%.63s:%s",          /* 63-digit request hash */
        "%.64s0:%s",         /* 65-digit request hash */
        " %.64s:%s",         /* leading space (part of a 65-char field) */
        "%.64s:%s ",         /* trailing space */
        "%.64s:%s\n",        /* trailing newline */
        "%.64s:0x%s",        /* prefixed hash */
        "model\x01:%.64s:%s",/* control character in the model */
        "mo\tdel:%.64s:%s",
        "model\x7f:%.64s:%s",
        "model\n:%.64s:%s",
    };
    for (size_t i = 0; i < API_ARRAY_LEN(fmt_bad); i++) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        api_fmt(t, sizeof t, fmt_bad[i], H1, H2);
#pragma GCC diagnostic pop
        EXPECT_FIELDS(t, S, NULL, NULL, TEEATTEST_E_SIG_TEXT);
    }
    /* 63-digit response hash, non-hex digits in either hash. */
    api_fmt(t, sizeof t, "%s:%.63s", H1, H2);
    EXPECT_FIELDS(t, S, NULL, NULL, TEEATTEST_E_SIG_TEXT);
    api_fmt(t, sizeof t, "%s:%s", H1, H2);
    t[10] = 'g';
    EXPECT_FIELDS(t, S, NULL, NULL, TEEATTEST_E_SIG_TEXT);
    api_fmt(t, sizeof t, "%s:%s", H1, H2);
    t[100] = 'G';
    EXPECT_FIELDS(t, S, NULL, NULL, TEEATTEST_E_SIG_TEXT);
    EXPECT_FIELDS("", S, NULL, NULL, TEEATTEST_E_SIG_TEXT);
    EXPECT_FIELDS(":", S, NULL, NULL, TEEATTEST_E_SIG_TEXT);
    EXPECT_FIELDS("::", S, NULL, NULL, TEEATTEST_E_SIG_TEXT);
    EXPECT_FIELDS(H1, S, NULL, NULL, TEEATTEST_E_SIG_TEXT);
    /* A truncated text, cut anywhere, is never accepted. */
    int accepted = 0;
    for (size_t cut = 0; cut < strlen(ec.text); cut++) {
        api_fmt(t, sizeof t, "%.*s", (int)cut, ec.text);
        accepted += fields_rc(t, S, NULL, NULL) != TEEATTEST_E_SIG_TEXT;
    }
    CHECK_EQ_INT(accepted, 0);
    /* Through JSON, a NUL is refused before the text is looked at. */
    char j[512];
    api_fmt(j, sizeof j, "{\"text\":\"m\\u0000:%s\",\"signature\":\"%s\"}",
             ec.text, S);
    EXPECT_JSON(j, TEEATTEST_E_JSON);
    /* Text over 4 KiB (a long model name): refused for its size. */
    memset(t, 'm', 4096);
    api_fmt(t + 4096 - 130, sizeof t - 4096 + 130, ":%s", ec.text);
    CHECK_EQ_INT(strlen(t), 4096);
    EXPECT_FIELDS(t, S, NULL, NULL, TEEATTEST_OK);
    memset(t, 'm', 4097);
    api_fmt(t + 4097 - 130, sizeof t - 4097 + 130, ":%s", ec.text);
    EXPECT_FIELDS(t, S, NULL, NULL, TEEATTEST_E_TOO_LARGE);
}

/* ---- signature bytes ---------------------------------------------------- */

static void set_v(char *hex130, unsigned v)
{
    api_fmt(hex130 + 128, 3, "%02x", v);
}

static void test_signature_encoding(void)
{
    const char *T = ec.text;
    char s[300];
    const char *raw = ec.signature + 2; /* 130 hex digits */

    EXPECT_FIELDS(T, ec.signature, NULL, NULL, TEEATTEST_OK);
    EXPECT_FIELDS(T, raw, NULL, NULL, TEEATTEST_OK);
    api_fmt(s, sizeof s, "0X%s", raw);
    EXPECT_FIELDS(T, s, NULL, NULL, TEEATTEST_OK);
    /* Upper-case hex is the same bytes. */
    api_fmt(s, sizeof s, "%s", raw);
    for (char *p = s; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 32);
    EXPECT_FIELDS(T, s, NULL, NULL, TEEATTEST_OK);
    EXPECT_FIELDS(T, ed.signature, NULL, NULL, TEEATTEST_OK);

    /* Bad hex anywhere, odd lengths, wrong byte counts. */
    api_fmt(s, sizeof s, "%s", raw);
    s[7] = 'g';
    EXPECT_FIELDS(T, s, NULL, NULL, TEEATTEST_E_SIG_ENCODING);
    api_fmt(s, sizeof s, "%s", raw);
    s[129] = 'z';
    EXPECT_FIELDS(T, s, NULL, NULL, TEEATTEST_E_SIG_ENCODING);
    api_fmt(s, sizeof s, "0x%s ", raw);
    EXPECT_FIELDS(T, s, NULL, NULL, TEEATTEST_E_SIG_ENCODING);
    api_fmt(s, sizeof s, "0x0x%s", raw);
    EXPECT_FIELDS(T, s, NULL, NULL, TEEATTEST_E_SIG_ENCODING);
    api_fmt(s, sizeof s, "%.129s", raw);
    EXPECT_FIELDS(T, s, NULL, NULL, TEEATTEST_E_SIG_ENCODING);
    api_fmt(s, sizeof s, "%.127s", raw);
    EXPECT_FIELDS(T, s, NULL, NULL, TEEATTEST_E_SIG_ENCODING);
    api_fmt(s, sizeof s, "%s0", raw);
    EXPECT_FIELDS(T, s, NULL, NULL, TEEATTEST_E_SIG_ENCODING);
    api_fmt(s, sizeof s, "%s00", raw);            /* 66 bytes */
    EXPECT_FIELDS(T, s, NULL, NULL, TEEATTEST_E_SIG_ENCODING);
    api_fmt(s, sizeof s, "%.126s", raw);          /* 63 bytes */
    EXPECT_FIELDS(T, s, NULL, NULL, TEEATTEST_E_SIG_ENCODING);
    EXPECT_FIELDS(T, "", NULL, NULL, TEEATTEST_E_SIG_ENCODING);
    EXPECT_FIELDS(T, "0x", NULL, NULL, TEEATTEST_E_SIG_ENCODING);
    EXPECT_FIELDS(T, "00", NULL, NULL, TEEATTEST_E_SIG_ENCODING);
    /* The 64/65-byte rule per algorithm. */
    EXPECT_FIELDS(T, ec.signature, NULL, "ed25519", TEEATTEST_E_SIG_ENCODING);
    EXPECT_FIELDS(T, ed.signature, NULL, "ecdsa", TEEATTEST_E_SIG_ENCODING);
    EXPECT_FIELDS(T, ed.signature, NULL, "ed25519", TEEATTEST_OK);
    EXPECT_FIELDS(T, ec.signature, NULL, "ecdsa", TEEATTEST_OK);

    /* The recovery byte: 27/28 and 0/1 only. */
    static const unsigned good_v[] = {0, 1, 27, 28};
    for (size_t i = 0; i < API_ARRAY_LEN(good_v); i++) {
        api_fmt(s, sizeof s, "%s", raw);
        set_v(s, good_v[i]);
        EXPECT_FIELDS(T, s, NULL, NULL, TEEATTEST_OK);
    }
    static const unsigned bad_v[] = {2, 3, 4, 26, 29, 30, 35, 36, 37, 38, 127,
                                     128, 255};
    for (size_t i = 0; i < API_ARRAY_LEN(bad_v); i++) {
        api_fmt(s, sizeof s, "%s", raw);
        set_v(s, bad_v[i]);
        EXPECT_FIELDS(T, s, NULL, NULL, TEEATTEST_E_SIG_ENCODING);
    }
    /* Every 65-byte v value outside the four is refused. */
    int wrong = 0;
    for (unsigned v = 0; v < 256; v++) {
        api_fmt(s, sizeof s, "%s", raw);
        set_v(s, v);
        int rc = fields_rc(T, s, NULL, NULL);
        bool ok = v == 0 || v == 1 || v == 27 || v == 28;
        wrong += ok ? rc != TEEATTEST_OK : rc != TEEATTEST_E_SIG_ENCODING;
    }
    CHECK_EQ_INT(wrong, 0);
}

/* ---- algorithm and signer ---------------------------------------------- */

static void test_algo_and_signer(void)
{
    const char *T = ec.text;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    static const char *const bad_algo[] = {"secp256k1", "", "ecdsa ", " ecdsa",
                                           "ed448", "eddsa", "rsa",
                                           "ecdsa\x01", "ecdsaecdsaecdsaecdsa"};
    for (size_t i = 0; i < API_ARRAY_LEN(bad_algo); i++)
        EXPECT_FIELDS(T, ec.signature, NULL, bad_algo[i], TEEATTEST_E_SIG_ALGO);
    teeattest_signature *sig = NULL;
    CHECK_EQ_INT(teeattest_signature_new(ctx, &sig, T, ec.signature, NULL, "rsa",
                                         &e), TEEATTEST_E_SIG_ALGO);
    CHECK_STR(e.where, "signing_algo");
    char j[1024];
    api_fmt(j, sizeof j, "{\"text\":\"%s\",\"signature\":\"%s\","
             "\"signing_algo\":\"secp256r1\"}", T, ec.signature);
    EXPECT_JSON(j, TEEATTEST_E_SIG_ALGO);

    /* Signer forms accepted for ecdsa. */
    char a[80];
    EXPECT_FIELDS(T, ec.signature, ec.address, NULL, TEEATTEST_OK);
    EXPECT_FIELDS(T, ec.signature, ec.address + 2, NULL, TEEATTEST_OK);
    api_fmt(a, sizeof a, "0X%s", ec.address + 2);
    EXPECT_FIELDS(T, ec.signature, a, NULL, TEEATTEST_OK);
    /* EIP-55 form of the same address (as published for key 1). */
    EXPECT_FIELDS(T, ec.signature, "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf",
                  NULL, TEEATTEST_OK);
    /* One letter's case flipped: bad checksum. */
    CHECK_EQ_INT(teeattest_signature_new(ctx, &sig, T, ec.signature,
                                         "0x7E5F4552091A69125d5DfCb7b8C2659029395BdF",
                                         NULL, &e), TEEATTEST_E_SIGNER_FORMAT);
    CHECK_STR(e.where, "signing_address");
    /* Malformed addresses. */
    static const char *const bad_addr[] = {
        "", "0x", "0x7e5f4552091a69125d5dfcb7b8c2659029395bd",
        "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf0",
        "0x7e5f4552091a69125d5dfcb7b8c2659029395bdg",
        "7e5f4552091a69125d5dfcb7b8c2659029395bd",
        " 0x7e5f4552091a69125d5dfcb7b8c2659029395bdf",
        "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf ",
        "0x0x7e5f4552091a69125d5dfcb7b8c2659029395bdf",
        "8139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b394",
    };
    for (size_t i = 0; i < API_ARRAY_LEN(bad_addr); i++)
        EXPECT_FIELDS(T, ec.signature, bad_addr[i], NULL,
                      TEEATTEST_E_SIGNER_FORMAT);
    /* For ed25519 the signer is a 32-byte key. */
    EXPECT_FIELDS(T, ed.signature, ed.address, "ed25519", TEEATTEST_OK);
    EXPECT_FIELDS(T, ed.signature, ec.address, "ed25519",
                  TEEATTEST_E_SIGNER_FORMAT);
    api_fmt(a, sizeof a, "%.63s", ed.address);
    EXPECT_FIELDS(T, ed.signature, a, "ed25519", TEEATTEST_E_SIGNER_FORMAT);
    api_fmt(j, sizeof j, "{\"text\":\"%s\",\"signature\":\"%s\","
             "\"signing_address\":\"0x12\"}", T, ec.signature);
    CHECK_EQ_INT(json_rc(j, &e), TEEATTEST_E_SIGNER_FORMAT);
    CHECK_STR(e.where, "signing_address");
}

/* ---- headers ------------------------------------------------------------ */

static void test_headers(void)
{
    char h[4096];
    teeattest_signature *sig = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;

    /* CRLF, with a status line and unrelated headers. */
    api_fmt(h, sizeof h, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
             "text: %s\r\nsignature: %s\r\nsigning_address: %s\r\n"
             "signing_algo: ecdsa\r\nX-Other: text: no\r\n\r\n", ec.text,
             ec.signature, ec.address);
    CHECK_EQ_INT(teeattest_signature_parse_headers(ctx, &sig, h, strlen(h), &e),
                 TEEATTEST_OK);
    CHECK_STR(teeattest_signature_text(sig), ec.text);
    CHECK_STR(teeattest_signature_claimed_signer(sig), ec.address);
    CHECK_EQ_INT(teeattest_signature_algo(sig), TEEATTEST_SIG_ECDSA);
    teeattest_signature_free(sig);
    /* LF only, no status line, names in any case, values padded. */
    api_fmt(h, sizeof h, "TEXT:%s\nSiGnAtUrE: \t%s \t\nSIGNING_ADDRESS:  %s\n"
             "Signing_Algo: ed25519", ed.text, ed.signature, ed.address);
    CHECK_EQ_INT(teeattest_signature_parse_headers(ctx, &sig, h, strlen(h), &e),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_signature_algo(sig), TEEATTEST_SIG_ED25519);
    CHECK_STR(teeattest_signature_text(sig), ed.text);
    CHECK_STR(teeattest_signature_claimed_signer(sig), ed.address);
    teeattest_signature_free(sig);
    /* HTTP/2 status line; the blank line ends the block (a body that
     * follows is not read as headers). */
    api_fmt(h, sizeof h, "HTTP/2 200\ntext: %s\nsignature: %s\n\n"
             "signature: %s\nnot a header line\n", ec.text, ec.signature,
             ed.signature);
    EXPECT_HEADERS(h, TEEATTEST_OK);
    /* The length is honoured: bytes after it are not read. */
    api_fmt(h, sizeof h, "text: %s\nsignature: %sXYZ", ec.text, ec.signature);
    CHECK_EQ_INT(teeattest_signature_parse_headers(ctx, &sig, h, strlen(h) - 3,
                                                   NULL), TEEATTEST_OK);
    teeattest_signature_free(sig);

    /* Duplicates of a record header are refused, whatever their case. */
    api_fmt(h, sizeof h, "text: %s\r\nsignature: %s\r\nSignature: %s\r\n",
             ec.text, ec.signature, ec.signature);
    CHECK_EQ_INT(headers_rc(h, &e), TEEATTEST_E_PARSE);
    CHECK_STR(e.where, "signature");
    api_fmt(h, sizeof h, "text: %s\ntext: %s\nsignature: %s\n", ec.text, ec.text,
             ec.signature);
    EXPECT_HEADERS(h, TEEATTEST_E_PARSE);
    api_fmt(h, sizeof h, "text: %s\nsignature: %s\nsigning_algo: ecdsa\n"
             "SIGNING_ALGO: ecdsa\n", ec.text, ec.signature);
    EXPECT_HEADERS(h, TEEATTEST_E_PARSE);
    /* ... but repeated unrelated headers are fine. */
    api_fmt(h, sizeof h, "Set-Cookie: a\nSet-Cookie: b\ntext: %s\n"
             "signature: %s\n", ec.text, ec.signature);
    EXPECT_HEADERS(h, TEEATTEST_OK);

    /* Malformed lines. */
    api_fmt(h, sizeof h, "text: %s\nno colon here\nsignature: %s\n", ec.text,
             ec.signature);
    CHECK_EQ_INT(headers_rc(h, &e), TEEATTEST_E_PARSE);
    CHECK_STR(e.where, "line 2");
    api_fmt(h, sizeof h, "text: %s\n: value\nsignature: %s\n", ec.text,
             ec.signature);
    EXPECT_HEADERS(h, TEEATTEST_E_PARSE);
    api_fmt(h, sizeof h, "text: %s\n folded: x\nsignature: %s\n", ec.text,
             ec.signature);
    EXPECT_HEADERS(h, TEEATTEST_E_PARSE);
    api_fmt(h, sizeof h, "text: %s\n\tfolded\nsignature: %s\n", ec.text,
             ec.signature);
    EXPECT_HEADERS(h, TEEATTEST_E_PARSE);
    /* A status line is only recognised first. */
    api_fmt(h, sizeof h, "text: %s\nHTTP/1.1 200 OK\nsignature: %s\n", ec.text,
             ec.signature);
    EXPECT_HEADERS(h, TEEATTEST_E_PARSE);
    /* A NUL inside the block. */
    int n = api_fmt(h, sizeof h, "text: %s\nX: a", ec.text);
    h[n] = '\0';
    int m = api_fmt(h + n + 1, sizeof h - (size_t)n - 1, "b\nsignature: %s\n",
                     ec.signature);
    CHECK_EQ_INT(teeattest_signature_parse_headers(ctx, &sig, h,
                                                   (size_t)(n + 1 + m), &e),
                 TEEATTEST_E_PARSE);
    CHECK(sig == NULL);

    /* Missing headers. */
    api_fmt(h, sizeof h, "signature: %s\n", ec.signature);
    CHECK_EQ_INT(headers_rc(h, &e), TEEATTEST_E_FIELD_MISSING);
    CHECK_STR(e.where, "text");
    api_fmt(h, sizeof h, "text: %s\n", ec.text);
    CHECK_EQ_INT(headers_rc(h, &e), TEEATTEST_E_FIELD_MISSING);
    CHECK_STR(e.where, "signature");
    /* Names must match exactly (no near misses, no white space before
     * the colon). */
    api_fmt(h, sizeof h, "text : %s\nsignature: %s\n", ec.text, ec.signature);
    EXPECT_HEADERS(h, TEEATTEST_E_FIELD_MISSING);
    api_fmt(h, sizeof h, "x-text: %s\nsignature: %s\n", ec.text, ec.signature);
    EXPECT_HEADERS(h, TEEATTEST_E_FIELD_MISSING);
    api_fmt(h, sizeof h, "signing-address: %s\ntext: %s\nsignature: %s\n",
             ec.address, ec.text, ec.signature);
    EXPECT_HEADERS(h, TEEATTEST_OK);

    /* Field errors come through as for JSON. */
    api_fmt(h, sizeof h, "text: %s\nsignature: %s\nsigning_algo: ed448\n",
             ec.text, ec.signature);
    EXPECT_HEADERS(h, TEEATTEST_E_SIG_ALGO);
    api_fmt(h, sizeof h, "text: %s\nsignature: %s\nsigning_algo: "
             "a-very-long-algorithm-name\n", ec.text, ec.signature);
    EXPECT_HEADERS(h, TEEATTEST_E_SIG_ALGO);
    api_fmt(h, sizeof h, "text: x:%s\nsignature: %s\n", ec.text, ec.signature);
    EXPECT_HEADERS(h, TEEATTEST_OK); /* "x" is a model */
    api_fmt(h, sizeof h, "text: x%s\nsignature: %s\n", ec.text, ec.signature);
    EXPECT_HEADERS(h, TEEATTEST_E_SIG_TEXT); /* a 65-digit hash */
    api_fmt(h, sizeof h, "text: %s;x\nsignature: %s\n", ec.text, ec.signature);
    EXPECT_HEADERS(h, TEEATTEST_E_SIG_TEXT);
    api_fmt(h, sizeof h, "text: %s\nsignature: %s1\n", ec.text, ec.signature);
    EXPECT_HEADERS(h, TEEATTEST_E_SIG_ENCODING);
    api_fmt(h, sizeof h, "text: %s\nsignature: %s\nsigning_address: 0x1\n",
             ec.text, ec.signature);
    EXPECT_HEADERS(h, TEEATTEST_E_SIGNER_FORMAT);
    /* A model with bytes that are not UTF-8 is accepted as text (headers
     * carry no encoding); results must still render (see test_verify). */
    api_fmt(h, sizeof h, "text: m\xff\xfe:%s\nsignature: %s\n", ec.text,
             ec.signature);
    EXPECT_HEADERS(h, TEEATTEST_OK);

    /* Size limit. */
    size_t max = TEEATTEST_SIGNATURE_RECORD_MAX;
    char *big = malloc(max + 2);
    n = api_fmt(big, max, "text: %s\nsignature: %s\n", ec.text, ec.signature);
    /* One long unrelated header fills the block to exactly the limit. */
    memcpy(big + n, "X-Pad: ", 7);
    memset(big + n + 7, 'y', max - (size_t)n - 8);
    big[max - 1] = '\n';
    big[max] = '\0';
    CHECK_EQ_INT(teeattest_signature_parse_headers(ctx, &sig, big, max, &e),
                 TEEATTEST_OK);
    teeattest_signature_free(sig);
    CHECK_EQ_INT(teeattest_signature_parse_headers(ctx, &sig, big, max + 1, &e),
                 TEEATTEST_E_TOO_LARGE);
    free(big);
}

/* ---- fields --------------------------------------------------------------- */

static void test_fields_limits(void)
{
    size_t max = TEEATTEST_SIGNATURE_RECORD_MAX;
    char *big = malloc(max + 10);
    memset(big, 'a', max + 9);
    big[max + 9] = '\0';
    /* Any one field over the limit: refused for its size. */
    EXPECT_FIELDS(big, ec.signature, NULL, NULL, TEEATTEST_E_TOO_LARGE);
    EXPECT_FIELDS(ec.text, big, NULL, NULL, TEEATTEST_E_TOO_LARGE);
    EXPECT_FIELDS(ec.text, ec.signature, big, NULL, TEEATTEST_E_TOO_LARGE);
    /* Under the record limit but a very long signature: an encoding error. */
    big[1000] = '\0';
    EXPECT_FIELDS(ec.text, big, NULL, NULL, TEEATTEST_E_SIG_ENCODING);
    free(big);
}

int main(void)
{
    ctx = api_ctx();
    api_synthetic(&ec, "nonstream_2part", "ecdsa");
    api_synthetic(&ed, "nonstream_2part", "ed25519");
    api_fmt(H1, sizeof H1, "%.64s", ec.text);
    api_fmt(H2, sizeof H2, "%s", ec.text + 65);
    test_json_accepted();
    test_json_rejected();
    test_signature_kind();
    test_text();
    test_signature_encoding();
    test_algo_and_signer();
    test_headers();
    test_fields_limits();
    api_exchange_free(&ec);
    api_exchange_free(&ed);
    teeattest_ctx_free(ctx);
    return ta_test_done();
}
