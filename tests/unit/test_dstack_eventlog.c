/*
 * dstack event log, RTMR replay, identity events, compose hash,
 * mr_config_id and image digests (lib/dstack/eventlog.c): every provider
 * fixture with an event log replays to its quote's RTMRs; negative cases
 * on a small synthetic log; v2 preimages; mr_config v2.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <jansson.h>

#include "test.h"

#include "core/core.h"
#include "crypto/crypto.h"
#include "dstack/dstack.h"

static teeattest_ctx *ctx;

static void hex48(const uint8_t *p, char out[97]) { ta_hex_encode(out, p, 48); }

static json_t *load(const char *rel)
{
    size_t len;
    uint8_t *b = ta_test_read_file(ta_test_fixture(rel), &len);
    if (!b)
        return NULL;
    json_t *j = json_loadb((const char *)b, len, 0, NULL);
    free(b);
    return j;
}

/* The log as its JSON text: a string member is passed as a JSON string
 * (the wrapped form), an array as array text. */
static char *log_text(const json_t *v)
{
    return json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
}

static void quote_regs(const char *hex, uint8_t rtmr[4][48], uint8_t mrcfg[48])
{
    size_t n = strlen(hex);
    uint8_t *q = malloc(n / 2);
    ta_hex_decode(q, n / 2, hex, n);
    const uint8_t *body = q + 48;
    for (int i = 0; i < 4; i++)
        memcpy(rtmr[i], body + 328 + 48 * i, 48);
    memcpy(mrcfg, body + 184, 48);
    free(q);
}

/* One fixture case. `exp` (may be NULL) holds rtmr0..3 / sha256_app_compose
 * from expected.json; `app_compose` (may be NULL) the tcb_info string. */
static void check_case(const char *what, const json_t *log, const char *quote,
                       const json_t *exp, const char *app_compose,
                       size_t want_stripped)
{
    printf("# %s\n", what);
    char *text = log_text(log);
    ta_dstack_log l;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    int rc = ta_dstack_log_parse(ctx, (const uint8_t *)text, strlen(text), &l, &e);
    if (!CHECK_EQ_INT(rc, 0))
        printf("#   %s: %s\n", e.where, e.message);
    free(text);
    if (rc)
        return;
    CHECK_EQ_INT(l.n_stripped, want_stripped);
    CHECK(l.n_runtime >= 7);

    uint8_t rtmr[4][48], mrcfg[48];
    quote_regs(quote, rtmr, mrcfg);
    for (int i = 0; i < 4; i++) {
        char got[97], want[97];
        hex48(l.rtmr[i], got);
        hex48(rtmr[i], want);
        CHECK_STR(got, want);
        char key[16];
        snprintf(key, sizeof key, "rtmr%d", i);
        const char *x = json_string_value(json_object_get(exp, key));
        if (x)
            CHECK_STR(got, x);
    }

    ta_dstack_identity id;
    CHECK_EQ_INT(ta_dstack_log_identity(&l, &id, &e), 0);
    CHECK(id.has_app_id && id.has_compose_hash && id.has_instance_id);
    CHECK(id.boot_mr_done);
    CHECK(id.key_provider_len > 10 && id.key_provider[0] == '{');
    const char *sha = json_string_value(json_object_get(exp, "sha256_app_compose"));
    char ch[65];
    ta_hex_encode(ch, id.compose_hash, 32);
    if (sha)
        CHECK_STR(ch, sha);
    if (app_compose) {
        uint8_t h[32];
        CHECK_EQ_INT(ta_dstack_compose_hash(ctx, h, (const uint8_t *)app_compose,
                                            strlen(app_compose)), 0);
        CHECK(memcmp(h, id.compose_hash, 32) == 0);
        uint8_t imgs[16][32];
        size_t n = 99, unp = 99;
        CHECK_EQ_INT(ta_dstack_compose_images((const uint8_t *)app_compose,
                                              strlen(app_compose), imgs, 16, &n,
                                              &unp, &e), 0);
        printf("#   images pinned %zu, unpinned %zu\n", n, unp);
    }

    ta_mr_config_version v;
    rc = ta_dstack_mr_config_check(ctx, mrcfg, id.compose_hash, &id, &v, &e);
    if (v == TA_MR_CONFIG_ZERO) {
        /* dstack_verifier_samples/quote-report.json: not configured. */
        CHECK_EQ_INT(rc, TEEATTEST_E_UNSUPPORTED);
    } else {
        CHECK_EQ_INT(v, TA_MR_CONFIG_V1);
        CHECK_EQ_INT(rc, 0);
        mrcfg[5] ^= 1;
        CHECK_EQ_INT(ta_dstack_mr_config_check(ctx, mrcfg, id.compose_hash, &id,
                                               NULL, &e),
                     TEEATTEST_E_VERIFY_FAILED);
        mrcfg[5] ^= 1;
        mrcfg[40] = 1; /* non-zero padding */
        CHECK_EQ_INT(ta_dstack_mr_config_check(ctx, mrcfg, id.compose_hash, &id,
                                               &v, &e), TEEATTEST_E_PARSE);
        CHECK_EQ_INT(v, TA_MR_CONFIG_UNKNOWN);
    }
    ta_dstack_log_free(ctx, &l);
    CHECK(l.events == NULL && l.n == 0);
}

static const char *jstr(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static void test_fixtures(void)
{
    json_t *a = load("providers/nearai_direct_ed25519_tls/attestation_report.json");
    json_t *x = load("providers/nearai_direct_ed25519_tls/expected.json");
    if (CHECK(a && x)) {
        json_t *t = json_object_get(x, "top_level");
        check_case("nearai direct", json_object_get(a, "event_log"),
                   jstr(a, "intel_quote"), t,
                   jstr(json_object_get(json_object_get(a, "info"), "tcb_info"),
                        "app_compose"), 0);
        check_case("nearai direct tcb_info",
                   json_object_get(json_object_get(json_object_get(a, "info"),
                                                   "tcb_info"), "event_log"),
                   jstr(a, "intel_quote"), t, NULL, 0);
    }
    json_decref(a);
    json_decref(x);

    a = load("providers/nearai_cloud_gateway_ed25519_tls/attestation_report.json");
    x = load("providers/nearai_cloud_gateway_ed25519_tls/expected.json");
    if (CHECK(a && x)) {
        json_t *g = json_object_get(a, "gateway_attestation");
        CHECK(json_is_string(json_object_get(g, "event_log")));
        check_case("cloud gateway (string form)", json_object_get(g, "event_log"),
                   jstr(g, "intel_quote"), json_object_get(x, "gateway_attestation"),
                   NULL, 0);
        json_t *m = json_array_get(json_object_get(a, "model_attestations"), 0);
        check_case("cloud gateway model[0]", json_object_get(m, "event_log"),
                   jstr(m, "intel_quote"), json_object_get(x, "model_attestations_0"),
                   jstr(json_object_get(json_object_get(m, "info"), "tcb_info"),
                        "app_compose"), 0);
    }
    json_decref(a);
    json_decref(x);

    a = load("providers/nanogpt_dstack_ecdsa/attestation_report.json");
    x = load("providers/nanogpt_dstack_ecdsa/expected.json");
    if (CHECK(a && x)) {
        json_t *tcb = json_object_get(json_object_get(a, "info"), "tcb_info");
        check_case("nanogpt top level (stripped string)",
                   json_object_get(a, "event_log"), jstr(a, "intel_quote"),
                   json_object_get(x, "top_level"), jstr(tcb, "app_compose"), 10);
        check_case("nanogpt tcb_info", json_object_get(tcb, "event_log"),
                   jstr(a, "intel_quote"),
                   json_object_get(x, "using_info_tcb_info_event_log"), NULL, 0);
    }
    json_decref(a);
    json_decref(x);

    a = load("providers/venice_nearai_ecdsa/attestation_report.json");
    x = load("providers/venice_nearai_ecdsa/expected.json");
    if (CHECK(a && x))
        check_case("venice", json_object_get(a, "event_log"), jstr(a, "intel_quote"),
                   json_object_get(x, "top_level"),
                   jstr(json_object_get(json_object_get(a, "info"), "tcb_info"),
                        "app_compose"), 0);
    json_decref(a);
    json_decref(x);

    a = load("providers/dstack_vllm_proxy_sample/dstack_get_quote.json");
    json_t *info = load("providers/dstack_vllm_proxy_sample/dstack_info.json");
    x = load("providers/dstack_vllm_proxy_sample/expected.json");
    if (CHECK(a && info && x)) {
        /* expected.json has replayed_rtmrs (array) and sha256_app_compose. */
        json_t *exp = json_pack("{s:s}", "sha256_app_compose",
                                jstr(x, "sha256_app_compose"));
        json_t *rr = json_object_get(x, "replayed_rtmrs");
        for (int i = 0; i < 4; i++) {
            char k[16];
            snprintf(k, sizeof k, "rtmr%d", i);
            json_object_set(exp, k, json_array_get(rr, (size_t)i));
        }
        json_t *tcb = json_object_get(info, "tcb_info");
        check_case("dstack sample GetQuote", json_object_get(a, "event_log"),
                   jstr(a, "quote"), exp, jstr(tcb, "app_compose"), 0);
        check_case("dstack sample Info", json_object_get(tcb, "event_log"),
                   jstr(a, "quote"), exp, NULL, 0);
        json_decref(exp);
    }
    json_decref(a);
    json_decref(info);
    json_decref(x);

    a = load("providers/dstack_verifier_samples/quote-report.json");
    if (CHECK(a))
        check_case("dstack-verifier quote-report", json_object_get(a, "event_log"),
                   jstr(a, "quote"), NULL, NULL, 0);
    json_decref(a);
    a = load("providers/dstack_verifier_samples/tdx-lite-getquote.json");
    if (CHECK(a))
        check_case("dstack-verifier tdx-lite (stripped)",
                   json_object_get(a, "event_log"), jstr(a, "quote"), NULL, NULL, 9);
    json_decref(a);
}

/* ---- synthetic logs ------------------------------------------------------- */

#define D48 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" \
            "202122232425262728292a2b2c2d2e2f"
#define APPID "0102030405060708090a0b0c0d0e0f1011121314"
#define CH32 "a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0"
#define RT(name, payload) \
    "{\"imr\":3,\"event_type\":134217729,\"digest\":\"\",\"event\":\"" name \
    "\",\"event_payload\":\"" payload "\"}"

static const char small_log[] =
    "[{\"imr\":0,\"event_type\":2147483649,\"digest\":\"" D48 "\",\"event\":\"\","
    "\"event_payload\":\"\"},"
    RT("app-id", APPID) "," RT("compose-hash", CH32) ","
    RT("instance-id", "") "," RT("boot-mr-done", "") ","
    RT("key-provider", "7b226e616d65223a226b6d73222c226964223a2261626364227d")
    "]";

static int parse_str(const char *s, ta_dstack_log *l, teeattest_error *e)
{
    return ta_dstack_log_parse(ctx, (const uint8_t *)s, strlen(s), l, e);
}

static int parse_rc(const char *s)
{
    ta_dstack_log l;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    int rc = parse_str(s, &l, &e);
    if (rc)
        CHECK(l.events == NULL && l.n == 0 && e.code == rc && e.message[0]);
    ta_dstack_log_free(ctx, &l);
    return rc;
}

static void test_synthetic(void)
{
    ta_dstack_log l;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    if (!CHECK_EQ_INT(parse_str(small_log, &l, &e), 0)) {
        printf("#   %s: %s\n", e.where, e.message);
        return;
    }
    CHECK_EQ_INT(l.n, 6);
    CHECK_EQ_INT(l.n_runtime, 5);
    CHECK_EQ_INT(l.n_stripped, 5);
    /* The v1 digest by hand: SHA-384(01 00 00 08 ':' "app-id" ':' payload). */
    uint8_t pre[4 + 1 + 6 + 1 + 20] = {0x01, 0x00, 0x00, 0x08, ':', 'a', 'p', 'p',
                                        '-', 'i', 'd', ':'};
    ta_hex_decode(pre + 12, 20, APPID, 40);
    uint8_t d[48];
    ta_hash(ctx, TEEATTEST_HASH_SHA384, d, 48, pre, sizeof pre);
    CHECK(memcmp(d, l.events[1].digest, 48) == 0);
    CHECK(l.events[1].recomputed && !l.events[1].digest_supplied);
    /* RTMR0 = SHA-384(0*48 || D48). */
    uint8_t cat[96] = {0};
    ta_hex_decode(cat + 48, 48, D48, 96);
    ta_hash(ctx, TEEATTEST_HASH_SHA384, d, 48, cat, 96);
    CHECK(memcmp(d, l.rtmr[0], 48) == 0);
    uint8_t zero[48] = {0};
    CHECK(memcmp(zero, l.rtmr[1], 48) == 0 && memcmp(zero, l.rtmr[2], 48) == 0);

    ta_dstack_identity id;
    CHECK_EQ_INT(ta_dstack_log_identity(&l, &id, &e), 0);
    CHECK(id.has_app_id && id.has_compose_hash && id.boot_mr_done);
    CHECK(!id.has_instance_id); /* empty payload: no_instance_id */
    CHECK(!id.has_os_image_hash);
    CHECK_EQ_INT(id.key_provider_len, 26);

    /* mr_config v2: self-consistency (the library's keccak over the
     * documented concatenation compose||app_id||02||id bytes "abcd")... */
    uint8_t in[32 + 20 + 1 + 2], mr[48] = {0};
    memcpy(in, id.compose_hash, 32);
    memcpy(in + 32, id.app_id, 20);
    in[52] = 2;
    in[53] = 0xab;
    in[54] = 0xcd;
    mr[0] = 2;
    ta_keccak256(ctx, mr + 1, in, sizeof in);
    ta_mr_config_version v;
    CHECK_EQ_INT(ta_dstack_mr_config_check(ctx, mr, id.compose_hash, &id, &v, &e), 0);
    CHECK_EQ_INT(v, TA_MR_CONFIG_V2);
    mr[1] ^= 0x80;
    CHECK_EQ_INT(ta_dstack_mr_config_check(ctx, mr, id.compose_hash, &id, NULL, &e),
                 TEEATTEST_E_VERIFY_FAILED);
    CHECK_EQ_INT(ta_dstack_mr_config_check(ctx, mr, id.compose_hash, NULL, NULL, &e),
                 TEEATTEST_E_PARSE);
    mr[0] = 3;
    CHECK_EQ_INT(ta_dstack_mr_config_check(ctx, mr, id.compose_hash, &id, &v, &e),
                 TEEATTEST_E_UNSUPPORTED);
    CHECK_EQ_INT(v, TA_MR_CONFIG_V3);
    memset(mr, 0, 48);
    CHECK_EQ_INT(ta_dstack_mr_config_check(ctx, mr, id.compose_hash, &id, &v, &e),
                 TEEATTEST_E_UNSUPPORTED);
    CHECK_EQ_INT(v, TA_MR_CONFIG_ZERO);
    mr[0] = 7;
    CHECK_EQ_INT(ta_dstack_mr_config_version(mr), TA_MR_CONFIG_UNKNOWN);
    ta_dstack_log_free(ctx, &l);

    /* ...and two published vectors (dstack-SDK tests of the Rust formula):
     * compose 00..1f, app id 00..13, kms + aabbccdd / none + empty. */
    const char *kp[2] = {"{\"name\":\"kms\",\"id\":\"aabbccdd\"}",
                         "{\"name\":\"none\",\"id\":\"\"}"};
    const char *want[2] = {
        "02e472ed80a08042f044ba63b53b798e98e3ea5219cd078007b1ac8b3dfc762b94"
        "000000000000000000000000000000",
        "02b21a3a65891c2c3955d82000b30fab13f4adc1a12dc4a84793ea322b71f1882a"
        "000000000000000000000000000000"};
    for (int k = 0; k < 2; k++) {
        ta_dstack_identity vi;
        memset(&vi, 0, sizeof vi);
        uint8_t ch[32];
        for (int i = 0; i < 32; i++)
            ch[i] = (uint8_t)i;
        for (int i = 0; i < 20; i++)
            vi.app_id[i] = (uint8_t)i;
        vi.has_app_id = true;
        vi.key_provider = (const uint8_t *)kp[k];
        vi.key_provider_len = strlen(kp[k]);
        ta_hex_decode(mr, 48, want[k], 96);
        CHECK_EQ_INT(ta_dstack_mr_config_check(ctx, mr, ch, &vi, NULL, &e), 0);
    }

    /* Every prefix of the log fails cleanly (and frees what it built). */
    size_t n = strlen(small_log);
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        char *p = malloc(i + 1);
        memcpy(p, small_log, i);
        p[i] = 0;
        ta_dstack_log t;
        if (ta_dstack_log_parse(ctx, (const uint8_t *)p, i, &t, &e) == 0 ||
            t.events != NULL)
            bad++;
        ta_dstack_log_free(ctx, &t);
        free(p);
    }
    CHECK_EQ_INT(bad, 0);
}

static void test_negative(void)
{
#define ONE(body) "[" body "]"
    CHECK_EQ_INT(parse_rc("[]"), 0);
    CHECK_EQ_INT(parse_rc("\"[]\""), 0);
    CHECK_EQ_INT(parse_rc("{}"), TEEATTEST_E_JSON);
    CHECK_EQ_INT(parse_rc("\"\\\"[]\\\"\""), TEEATTEST_E_JSON); /* doubly wrapped */
    CHECK_EQ_INT(parse_rc("[1]"), TEEATTEST_E_JSON);
    /* Wrong supplied runtime digest. */
    CHECK_EQ_INT(parse_rc(ONE("{\"imr\":3,\"event_type\":134217729,\"digest\":\"" D48
                              "\",\"event\":\"x\",\"event_payload\":\"\"}")),
                 TEEATTEST_E_VERIFY_FAILED);
    CHECK_EQ_INT(parse_rc(ONE("{\"imr\":4,\"event_type\":1,\"digest\":\"" D48
                              "\",\"event\":\"\",\"event_payload\":\"\"}")),
                 TEEATTEST_E_PARSE);
    CHECK_EQ_INT(parse_rc(ONE("{\"imr\":2,\"event_type\":134217729,\"digest\":\"\","
                              "\"event\":\"x\",\"event_payload\":\"\"}")),
                 TEEATTEST_E_PARSE);
    /* 47-byte digest, empty boot digest, bad hex, odd payload. */
    CHECK_EQ_INT(parse_rc(ONE("{\"imr\":0,\"event_type\":1,\"digest\":\"" D48
                              "\"" "\"x\":0}")), TEEATTEST_E_JSON);
    char buf[512];
    snprintf(buf, sizeof buf, ONE("{\"imr\":0,\"event_type\":1,\"digest\":\"%.94s\","
                                  "\"event\":\"\",\"event_payload\":\"\"}"), D48);
    CHECK_EQ_INT(parse_rc(buf), TEEATTEST_E_LENGTH);
    CHECK_EQ_INT(parse_rc(ONE("{\"imr\":0,\"event_type\":1,\"digest\":\"\","
                              "\"event\":\"\",\"event_payload\":\"\"}")),
                 TEEATTEST_E_LENGTH);
    snprintf(buf, sizeof buf, ONE("{\"imr\":0,\"event_type\":1,\"digest\":\"%.95sg\","
                                  "\"event\":\"\",\"event_payload\":\"\"}"), D48);
    CHECK_EQ_INT(parse_rc(buf), TEEATTEST_E_HEX);
    CHECK_EQ_INT(parse_rc(ONE(RT("x", "zz"))), TEEATTEST_E_HEX);
    CHECK_EQ_INT(parse_rc(ONE(RT("x", "abc"))), TEEATTEST_E_LENGTH);
    /* Non-integers, negatives, too large, missing members. */
    CHECK_EQ_INT(parse_rc(ONE("{\"imr\":3.0,\"event_type\":134217729,\"digest\":\"\","
                              "\"event\":\"x\",\"event_payload\":\"\"}")),
                 TEEATTEST_E_JSON);
    CHECK_EQ_INT(parse_rc(ONE("{\"imr\":\"3\",\"event_type\":134217729,\"digest\":\"\","
                              "\"event\":\"x\",\"event_payload\":\"\"}")),
                 TEEATTEST_E_JSON);
    CHECK_EQ_INT(parse_rc(ONE("{\"imr\":-1,\"event_type\":134217729,\"digest\":\"\","
                              "\"event\":\"x\",\"event_payload\":\"\"}")),
                 TEEATTEST_E_JSON);
    CHECK_EQ_INT(parse_rc(ONE("{\"imr\":3,\"event_type\":4294967296,\"digest\":\"\","
                              "\"event\":\"x\",\"event_payload\":\"\"}")),
                 TEEATTEST_E_JSON);
    CHECK_EQ_INT(parse_rc(ONE("{\"imr\":3,\"event_type\":134217729,\"digest\":\"\","
                              "\"event_payload\":\"\"}")), TEEATTEST_E_JSON);
    CHECK_EQ_INT(parse_rc(ONE("{\"imr\":3,\"event_type\":134217729,\"digest\":\"\","
                              "\"event\":\"x\",\"event_payload\":\"\",\"version\":3}")),
                 TEEATTEST_E_PARSE);

    /* Duplicate compose-hash before boot-mr-done; after it, ignored. */
    ta_dstack_log l;
    ta_dstack_identity id;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    CHECK_EQ_INT(parse_str("[" RT("compose-hash", CH32) "," RT("compose-hash", CH32)
                           "]", &l, &e), 0);
    CHECK_EQ_INT(ta_dstack_log_identity(&l, &id, &e), TEEATTEST_E_PARSE);
    CHECK(!id.has_compose_hash);
    ta_dstack_log_free(ctx, &l);
    CHECK_EQ_INT(parse_str("[" RT("compose-hash", CH32) "," RT("boot-mr-done", "") ","
                           RT("compose-hash", "00") "]", &l, &e), 0);
    CHECK_EQ_INT(ta_dstack_log_identity(&l, &id, &e), 0);
    CHECK(id.has_compose_hash && id.compose_hash[0] == 0xa1);
    ta_dstack_log_free(ctx, &l);
    CHECK_EQ_INT(parse_str("[" RT("app-id", "0102") "]", &l, &e), 0);
    CHECK_EQ_INT(ta_dstack_log_identity(&l, &id, &e), TEEATTEST_E_LENGTH);
    ta_dstack_log_free(ctx, &l);
    /* A boot event named compose-hash is not an identity event. */
    CHECK_EQ_INT(parse_str("[{\"imr\":1,\"event_type\":1,\"digest\":\"" D48
                           "\",\"event\":\"compose-hash\",\"event_payload\":\"" CH32
                           "\"}]", &l, &e), 0);
    CHECK_EQ_INT(ta_dstack_log_identity(&l, &id, &e), 0);
    CHECK(!id.has_compose_hash);
    ta_dstack_log_free(ctx, &l);

    /* Limits: entries, bytes, nesting. */
    size_t cap = (TA_DSTACK_EVENTS_MAX + 1) * 3 + 8;
    char *big = malloc(cap);
    size_t k = 0;
    big[k++] = '[';
    for (unsigned i = 0; i <= TA_DSTACK_EVENTS_MAX; i++) {
        memcpy(big + k, "{},", 3);
        k += 3;
    }
    big[k - 1] = ']';
    big[k] = 0;
    CHECK_EQ_INT(parse_rc(big), TEEATTEST_E_TOO_LARGE);
    free(big);
    big = malloc(TA_DSTACK_LOG_MAX + 2);
    memset(big, ' ', TA_DSTACK_LOG_MAX + 1);
    big[0] = '[';
    big[TA_DSTACK_LOG_MAX] = ']';
    CHECK_EQ_INT(ta_dstack_log_parse(ctx, (uint8_t *)big, TA_DSTACK_LOG_MAX + 1, &l,
                                     &e), TEEATTEST_E_TOO_LARGE);
    free(big);
    big = malloc(20002);
    memset(big, '[', 10000);
    memset(big + 10000, ']', 10000);
    CHECK(ta_dstack_log_parse(ctx, (uint8_t *)big, 20000, &l, &e) != 0);
    CHECK(l.events == NULL);
    free(big);
}

/* v2: preimage = RFC 8785 {"name":..,"payload":..,"type":134217729}. The
 * vectors are built here by hand from that rule: name "a\"b\n\u0001é"
 * escapes to a\"b\n\u0001é (raw UTF-8 é), payload 0xAB prints as "ab"
 * even when supplied as "AB". */
static void test_v2(void)
{
    const char canon[] = "{\"name\":\"a\\\"b\\n\\u0001\xc3\xa9\",\"payload\":\"ab\","
                         "\"type\":134217729}";
    char hex[2 * sizeof canon];
    ta_hex_encode(hex, (const uint8_t *)canon, sizeof canon - 1);
    char log[1024];
    snprintf(log, sizeof log,
             "[{\"imr\":3,\"event_type\":134217729,\"digest\":\"\",\"event\":"
             "\"a\\\"b\\n\\u0001\xc3\xa9\",\"event_payload\":\"AB\",\"version\":2,"
             "\"preimage\":\"%s\"}]", hex);
    ta_dstack_log l;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    if (CHECK_EQ_INT(parse_str(log, &l, &e), 0)) {
        uint8_t d[48];
        ta_hash(ctx, TEEATTEST_HASH_SHA384, d, 48, (const uint8_t *)canon,
                sizeof canon - 1);
        CHECK(memcmp(d, l.events[0].digest, 48) == 0);
        CHECK_EQ_INT(l.events[0].version, 2);
        ta_dstack_log_free(ctx, &l);
    } else {
        printf("#   %s: %s\n", e.where, e.message);
    }
    /* Supplying the right digest is accepted, a wrong one refused. */
    char dh[97];
    {
        uint8_t d[48];
        ta_hash(ctx, TEEATTEST_HASH_SHA384, d, 48, (const uint8_t *)canon,
                sizeof canon - 1);
        ta_hex_encode(dh, d, 48);
    }
    char log2[1200];
    snprintf(log2, sizeof log2,
             "[{\"imr\":3,\"event_type\":134217729,\"digest\":\"%s\",\"event\":"
             "\"a\\\"b\\n\\u0001\xc3\xa9\",\"event_payload\":\"ab\",\"version\":2,"
             "\"preimage\":\"%s\"}]", dh, hex);
    CHECK_EQ_INT(parse_rc(log2), 0);
    dh[0] = dh[0] == '0' ? '1' : '0';
    snprintf(log2, sizeof log2,
             "[{\"imr\":3,\"event_type\":134217729,\"digest\":\"%s\",\"event\":"
             "\"a\\\"b\\n\\u0001\xc3\xa9\",\"event_payload\":\"ab\",\"version\":2,"
             "\"preimage\":\"%s\"}]", dh, hex);
    CHECK_EQ_INT(parse_rc(log2), TEEATTEST_E_VERIFY_FAILED);
    /* A preimage with the \u0001 written as \u0001 upper-case, or missing. */
    hex[0] = '8';
    snprintf(log, sizeof log,
             "[{\"imr\":3,\"event_type\":134217729,\"digest\":\"\",\"event\":"
             "\"a\\\"b\\n\\u0001\xc3\xa9\",\"event_payload\":\"ab\",\"version\":2,"
             "\"preimage\":\"%s\"}]", hex);
    CHECK_EQ_INT(parse_rc(log), TEEATTEST_E_PARSE);
    CHECK_EQ_INT(parse_rc("[{\"imr\":3,\"event_type\":134217729,\"digest\":\"\","
                          "\"event\":\"x\",\"event_payload\":\"\",\"version\":2}]"),
                 TEEATTEST_E_PARSE);
}

static void test_images(void)
{
    const char *dig1 = "1111111111111111111111111111111111111111111111111111111111111111";
    char doc[2048];
    snprintf(doc, sizeof doc,
             "{\"docker_compose_file\":\"services:\\n  a:\\n    image: x/a@sha256:%s\\n"
             "  b:\\n    image: \\\"x/b:latest\\\"\\n  c:\\n    image: x/c@sha256:%s\\n"
             "  d:\\n    image: x/d@sha256:%sff\\n  # image: commented\\n"
             "  e:\\n    image: y@sha256:%.63s\\n  f:\\n    image: z@sha256:%s\\n\","
             "\"name\":\"t\"}",
             dig1, dig1, dig1, dig1,
             "22222222222222222222222222222222222222222222222222222222222222AA");
    uint8_t out[4][32];
    size_t n = 0, unp = 0;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    CHECK_EQ_INT(ta_dstack_compose_images((uint8_t *)doc, strlen(doc), out, 4, &n,
                                          &unp, &e), 0);
    CHECK_EQ_INT(n, 2); /* dig1 once (duplicate removed), then the 2..aa one */
    CHECK(out[0][0] == 0x11 && out[1][0] == 0x22 && out[1][31] == 0xaa);
    CHECK_EQ_INT(unp, 3); /* b, d (65 hex), e (63 hex) */
    /* Only one slot: the count still covers both, duplicates still dropped. */
    CHECK_EQ_INT(ta_dstack_compose_images((uint8_t *)doc, strlen(doc), out, 1, &n,
                                          NULL, &e), 0);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(ta_dstack_compose_images((uint8_t *)doc, strlen(doc), NULL, 0, &n,
                                          NULL, &e), 0);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(ta_dstack_compose_images((const uint8_t *)"[]", 2, out, 4, &n,
                                          NULL, &e), TEEATTEST_E_JSON);
    CHECK_EQ_INT(ta_dstack_compose_images(
                     (const uint8_t *)"{\"docker_compose_file\":1}", 25, out, 4, &n,
                     NULL, &e), TEEATTEST_E_JSON);
    /* No docker_compose_file: the document text itself is scanned. */
    snprintf(doc, sizeof doc, "{\"x\":\"i@sha256:%s\"}", dig1);
    CHECK_EQ_INT(ta_dstack_compose_images((uint8_t *)doc, strlen(doc), out, 4, &n,
                                          NULL, &e), 0);
    CHECK_EQ_INT(n, 1);
}

int main(void)
{
    if (teeattest_ctx_new(&ctx, NULL, NULL) != TEEATTEST_OK)
        return 1;
    test_fixtures();
    test_synthetic();
    test_negative();
    test_v2();
    test_images();
    teeattest_ctx_free(ctx);
    return ta_test_done();
}
