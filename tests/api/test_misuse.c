/*
 * Misuse of every public function: NULL handles and outputs, bad sizes and
 * out-of-range values give TEEATTEST_E_INVALID_ARG (or the documented
 * neutral value for getters), never a crash; every _free(NULL) is a no-op;
 * the error detail is filled on failure and untouched on success; every
 * status code has a name and a message.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "api.h"

static const char *const TEXT =
    "0592c1a09ed9de31fbee196073f55bf0fe5e245199a3efcac3e4fe6a53f48ebc:"
    "0f664fad0319c8646eb0fccea329f5461781f8fa5d90b992e8a4acd59ac8102e";

/* Every status code the 1.0 header names, with its symbolic name. */
static const struct {
    int code;
    const char *name;
} statuses[] = {
#define S(x) {x, #x}
    S(TEEATTEST_OK), S(TEEATTEST_E_INVALID_ARG), S(TEEATTEST_E_NOMEM),
    S(TEEATTEST_E_ABI), S(TEEATTEST_E_ABI_TOO_NEW),
    S(TEEATTEST_E_BUFFER_TOO_SMALL), S(TEEATTEST_E_UNSUPPORTED),
    S(TEEATTEST_E_USER), S(TEEATTEST_E_PASSTHROUGH), S(TEEATTEST_E_INTERNAL),
    S(TEEATTEST_E_NOT_FOUND), S(TEEATTEST_E_IO), S(TEEATTEST_E_NOT_VERIFIED),
    S(TEEATTEST_E_PARSE),
    S(TEEATTEST_E_JSON), S(TEEATTEST_E_HEX), S(TEEATTEST_E_BASE64),
    S(TEEATTEST_E_LENGTH), S(TEEATTEST_E_TOO_LARGE),
    S(TEEATTEST_E_FIELD_MISSING), S(TEEATTEST_E_SIG_TEXT),
    S(TEEATTEST_E_SIG_ENCODING), S(TEEATTEST_E_SIG_ALGO),
    S(TEEATTEST_E_SIGNER_FORMAT), S(TEEATTEST_E_CRYPTO),
    S(TEEATTEST_E_VERIFY_FAILED), S(TEEATTEST_E_RECOVER_FAILED),
    S(TEEATTEST_E_CERT_CHAIN), S(TEEATTEST_E_RANDOM), S(TEEATTEST_E_TRANSPORT),
    S(TEEATTEST_E_TIMEOUT), S(TEEATTEST_E_HTTP_STATUS), S(TEEATTEST_E_TLS),
    S(TEEATTEST_E_CANCELLED), S(TEEATTEST_E_RESPONSE_TOO_LARGE),
    S(TEEATTEST_E_SIGNATURE_UNAVAILABLE),
#undef S
};

static void test_status_strings(void)
{
    int bad = 0;
    for (size_t i = 0; i < API_ARRAY_LEN(statuses); i++) {
        const char *n = teeattest_status_name(statuses[i].code);
        const char *s = teeattest_status_str(statuses[i].code);
        if (!n || strcmp(n, statuses[i].name) != 0) {
            printf("#   %d named %s\n", statuses[i].code, n ? n : "(null)");
            bad++;
        }
        if (!s || !*s || strcmp(s, "unknown status") == 0) {
            printf("#   %s has no message\n", statuses[i].name);
            bad++;
        }
        /* Messages are distinct: each tells its own story. */
        for (size_t j = 0; j < i; j++)
            if (s && strcmp(s, teeattest_status_str(statuses[j].code)) == 0)
                bad++;
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_STR(teeattest_status_str(TEEATTEST_OK), "success");
    /* Codes that are not (yet) assigned, including the gaps and the
     * reserved -400 range, and extreme values. */
    static const int unknown[] = {1, 2, 100, -13, -99, -111, -199, -205, -299,
                                  -307, -399, -400, -499, -1000, INT32_MAX,
                                  INT32_MIN};
    for (size_t i = 0; i < API_ARRAY_LEN(unknown); i++) {
        CHECK_STR(teeattest_status_name(unknown[i]), "TEEATTEST_E_UNKNOWN");
        CHECK_STR(teeattest_status_str(unknown[i]), "unknown status");
    }
}

static void test_names(void)
{
    CHECK_STR(teeattest_verdict_name(TEEATTEST_VERDICT_VERIFIED), "verified");
    CHECK_STR(teeattest_verdict_name(TEEATTEST_VERDICT_FAILED), "failed");
    CHECK_STR(teeattest_verdict_name(2), "unknown");
    CHECK_STR(teeattest_verdict_name(-1), "unknown");
    CHECK_STR(teeattest_outcome_name(TEEATTEST_OUTCOME_PASS), "pass");
    CHECK_STR(teeattest_outcome_name(TEEATTEST_OUTCOME_FAIL), "fail");
    CHECK_STR(teeattest_outcome_name(TEEATTEST_OUTCOME_SKIP), "skip");
    CHECK_STR(teeattest_outcome_name(TEEATTEST_OUTCOME_WARN), "warn");
    CHECK_STR(teeattest_outcome_name(0), "unknown");
    CHECK_STR(teeattest_outcome_name(5), "unknown");
    CHECK_STR(teeattest_outcome_name(INT32_MIN), "unknown");
}

static void test_error_init(void)
{
    teeattest_error e;
    memset(&e, 0xA5, sizeof e);
    CHECK_EQ_INT(teeattest_error_init(&e, sizeof e), TEEATTEST_OK);
    CHECK_EQ_INT(e.struct_size, sizeof e);
    CHECK(e.code == 0 && e.backend_code == 0 && e.message[0] == 0 &&
          e.where[0] == 0 && e.message[255] == 0 && e.where[95] == 0);
    CHECK_EQ_INT(teeattest_error_init(NULL, sizeof e), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_error_init(&e, sizeof e - 1), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_error_init(&e, 0), TEEATTEST_E_INVALID_ARG);
    /* A larger (newer) struct is zeroed entirely. */
    struct { teeattest_error e; char more[32]; } big;
    memset(&big, 0xA5, sizeof big);
    CHECK_EQ_INT(teeattest_error_init(&big.e, sizeof big), TEEATTEST_OK);
    CHECK(big.more[31] == 0 && big.e.struct_size == sizeof big);

    teeattest_error m = TEEATTEST_ERROR_INIT;
    CHECK_EQ_INT(m.struct_size, sizeof m);
    CHECK(m.code == 0 && m.message[0] == 0);

    /* Filled on failure... */
    teeattest_ctx *ctx = api_ctx();
    teeattest_signature *sig = NULL;
    CHECK_EQ_INT(teeattest_signature_new(ctx, &sig, "nope", "00", NULL, NULL, &e),
                 TEEATTEST_E_SIG_TEXT);
    CHECK_EQ_INT(e.code, TEEATTEST_E_SIG_TEXT);
    CHECK(e.message[0] != 0);
    CHECK_STR(e.where, "text");
    /* ... and left alone on success. */
    teeattest_error keep = e;
    teeattest_policy *pol = NULL;
    CHECK_EQ_INT(teeattest_policy_new(ctx, &pol, &e), TEEATTEST_OK);
    CHECK(memcmp(&keep, &e, sizeof e) == 0);
    teeattest_policy_free(pol);
    /* A zero-filled struct (what ctypes and cgo callers pass: they cannot
     * expand TEEATTEST_ERROR_INIT) receives the full detail. */
    teeattest_error zero;
    memset(&zero, 0, sizeof zero);
    CHECK_EQ_INT(teeattest_signature_new(ctx, &sig, "nope", "00", NULL, NULL,
                                         &zero), TEEATTEST_E_SIG_TEXT);
    CHECK_EQ_INT(zero.code, TEEATTEST_E_SIG_TEXT);
    CHECK(zero.message[0] != 0);
    CHECK_STR(zero.where, "text");
    memset(&zero, 0, sizeof zero);
    CHECK_EQ_INT(teeattest_policy_new(ctx, &pol, NULL), TEEATTEST_OK);
    static const uint8_t not_der[] = {0x30, 0x03, 0x02, 0x01, 0x01, 0xff};
    CHECK_EQ_INT(teeattest_policy_set_tdx_root(pol, not_der, sizeof not_der,
                                               &zero), TEEATTEST_E_PARSE);
    CHECK_EQ_INT(zero.code, TEEATTEST_E_PARSE);
    CHECK_STR(zero.where, "der");
    CHECK(strstr(zero.message, "certificate") != NULL);
    teeattest_policy_free(pol);
    /* A struct too small to be a 1.0 error is never written. */
    teeattest_error tiny;
    memset(&tiny, 0x11, sizeof tiny);
    tiny.struct_size = 8;
    CHECK_EQ_INT(teeattest_signature_new(ctx, &sig, "nope", "00", NULL, NULL,
                                         &tiny), TEEATTEST_E_SIG_TEXT);
    CHECK(tiny.code == 0x11111111 && tiny.message[0] == 0x11);
    teeattest_ctx_free(ctx);
}

/* Every handle type has _ref and _free, and both take NULL (the abi suite's
 * exports test checks that this list names every handle type). */
static void test_free_null(void)
{
    teeattest_ctx_free(NULL);
    teeattest_policy_free(NULL);
    teeattest_signature_free(NULL);
    teeattest_result_free(NULL);
    teeattest_provider_free(NULL);
    teeattest_report_free(NULL);
    teeattest_exchange_free(NULL);
    teeattest_collateral_free(NULL);
    teeattest_gpu_inputs_free(NULL);
    teeattest_evidence_free(NULL);
    teeattest_bundle_free(NULL);
    teeattest_e2ee_session_free(NULL);
    CHECK(teeattest_ctx_ref(NULL) == NULL);
    CHECK(teeattest_policy_ref(NULL) == NULL);
    CHECK(teeattest_signature_ref(NULL) == NULL);
    CHECK(teeattest_result_ref(NULL) == NULL);
    CHECK(teeattest_provider_ref(NULL) == NULL);
    CHECK(teeattest_report_ref(NULL) == NULL);
    CHECK(teeattest_exchange_ref(NULL) == NULL);
    CHECK(teeattest_collateral_ref(NULL) == NULL);
    CHECK(teeattest_gpu_inputs_ref(NULL) == NULL);
    CHECK(teeattest_evidence_ref(NULL) == NULL);
    CHECK(teeattest_bundle_ref(NULL) == NULL);
    CHECK(teeattest_e2ee_session_ref(NULL) == NULL);
    CHECK(1); /* reached: none of the above crashed */
}

static void test_ctx_misuse(void)
{
    teeattest_error e = TEEATTEST_ERROR_INIT;
    CHECK_EQ_INT(teeattest_ctx_new(NULL, NULL, &e), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(e.code, TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_ctx_new(NULL, NULL, NULL), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_ctx_options_init(NULL, sizeof(teeattest_ctx_options)),
                 TEEATTEST_E_INVALID_ARG);
    teeattest_ctx_options o;
    CHECK_EQ_INT(teeattest_ctx_options_init(&o, 0), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_ctx_now(NULL), 0);

    /* Malformed option tables. */
    teeattest_ctx *ctx = NULL;
    teeattest_ctx_options_init(&o, sizeof o);
    teeattest_allocator a = {sizeof a, NULL, NULL, NULL, NULL};
    o.allocator = &a;
    CHECK_EQ_INT(teeattest_ctx_new(&ctx, &o, &e), TEEATTEST_E_INVALID_ARG);
    CHECK(ctx == NULL);
    o.allocator = NULL;
    teeattest_transport t = TEEATTEST_TRANSPORT_INIT;
    o.transport = &t;
    CHECK_EQ_INT(teeattest_ctx_new(&ctx, &o, &e), TEEATTEST_E_INVALID_ARG);
    o.transport = NULL;
    o.log_level = 99;
    CHECK_EQ_INT(teeattest_ctx_new(&ctx, &o, &e), TEEATTEST_E_INVALID_ARG);
    o.log_level = 0;
    o.struct_size = 4;
    CHECK_EQ_INT(teeattest_ctx_new(&ctx, &o, &e), TEEATTEST_E_ABI);
    CHECK(ctx == NULL);

    CHECK_EQ_INT(teeattest_has_feature(0), 0);
    CHECK_EQ_INT(teeattest_has_feature(INT32_MAX), 0);
    CHECK(teeattest_version_number() == TEEATTEST_VERSION_NUMBER);
    CHECK_STR(teeattest_version_string(), TEEATTEST_VERSION_STRING);
}

static void test_http_misuse(void)
{
    /* Without a transport call in progress there is no response sink; the
     * functions still refuse NULL. */
    CHECK_EQ_INT(teeattest_http_response_set_status(NULL, 200),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_http_response_add_header(NULL, "a", 1, "b", 1),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_http_response_write(NULL, (const uint8_t *)"x", 1),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_http_response_set_peer_spki(NULL,
                                                       (const uint8_t *)"x", 1),
                 TEEATTEST_E_INVALID_ARG);
}

static void test_policy_misuse(void)
{
    teeattest_ctx *ctx = api_ctx();
    teeattest_policy *p = (teeattest_policy *)(uintptr_t)1;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    CHECK_EQ_INT(teeattest_policy_new(NULL, &p, &e), TEEATTEST_E_INVALID_ARG);
    CHECK(p == NULL);
    CHECK_EQ_INT(e.code, TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_policy_new(ctx, NULL, &e), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_policy_set_time(NULL, 0, NULL), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_policy_set_ecdsa_strict(NULL, 1, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_policy_set_require_signer(NULL, 1, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_policy_set_expected_model(NULL, "m", NULL),
                 TEEATTEST_E_INVALID_ARG);
    /* Valid edge values. */
    CHECK_EQ_INT(teeattest_policy_new(ctx, &p, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_policy_set_time(p, 0, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_policy_set_time(p, TEEATTEST_TIME_MAX, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_policy_set_time_now(p, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_policy_set_time_now(NULL, &e),
                 TEEATTEST_E_INVALID_ARG);
    /* "Now" is not a time a caller can type: the old sentinel INT64_MIN,
     * negative times and times past 9999 are rejected, with the range. */
    const int64_t bad_times[] = { INT64_MIN, INT64_MIN + 1, -1,
                                  TEEATTEST_TIME_MAX + 1, INT64_MAX };
    for (size_t i = 0; i < sizeof bad_times / sizeof bad_times[0]; i++) {
        teeattest_error te = TEEATTEST_ERROR_INIT;
        CHECK_EQ_INT(teeattest_policy_set_time(p, bad_times[i], &te),
                     TEEATTEST_E_INVALID_ARG);
        CHECK_EQ_INT(te.code, TEEATTEST_E_INVALID_ARG);
        CHECK(strstr(te.message, "253402300799") != NULL);
        CHECK_STR(te.where, "unix_seconds");
    }
    CHECK_EQ_INT(teeattest_policy_set_ecdsa_strict(p, 42, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_policy_set_require_signer(p, -1, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_policy_set_expected_model(p, "", NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_policy_set_expected_model(p, NULL, NULL), TEEATTEST_OK);
    teeattest_policy_free(p);
    teeattest_ctx_free(ctx);
}

/* Every nonce parameter carries its length. */
static void test_nonce_lengths(void)
{
    teeattest_ctx *ctx = api_ctx();
    teeattest_provider *p = NULL;
    CHECK_EQ_INT(teeattest_provider_new(ctx, &p, "nearai", NULL), TEEATTEST_OK);
    uint8_t nonce[TEEATTEST_NONCE_SIZE] = {1};
    teeattest_report *r = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    /* Checked before anything is sent. */
    CHECK_EQ_INT(teeattest_report_fetch(p, &r, nonce, 16, NULL, &e),
                 TEEATTEST_E_LENGTH);
    CHECK_STR(e.where, "nonce_len");
    CHECK(strstr(e.message, "32") != NULL);
    CHECK_EQ_INT(teeattest_report_fetch(p, &r, nonce, 33, NULL, NULL),
                 TEEATTEST_E_LENGTH);
    CHECK_EQ_INT(teeattest_report_fetch(p, &r, NULL, TEEATTEST_NONCE_SIZE,
                                        NULL, &e), TEEATTEST_E_INVALID_ARG);
    CHECK_STR(e.where, "nonce_len");
    CHECK(r == NULL);
    teeattest_provider_free(p);

    teeattest_bundle *b = NULL;
    CHECK_EQ_INT(teeattest_bundle_new(ctx, &b, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_bundle_nonce(b, nonce, 8, &e),
                 TEEATTEST_E_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(teeattest_bundle_nonce(b, nonce, sizeof nonce, &e),
                 TEEATTEST_E_NOT_FOUND);
    CHECK_EQ_INT(teeattest_bundle_set_time(b, -1, &e), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_bundle_set_time(b, TEEATTEST_TIME_MAX + 1, &e),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_STR(e.where, "unix_seconds");
    teeattest_bundle_free(b);
    teeattest_ctx_free(ctx);
}

static void test_result_misuse(void)
{
    CHECK_EQ_INT(teeattest_result_verdict(NULL), TEEATTEST_VERDICT_FAILED);
    CHECK_EQ_INT(teeattest_result_check_count(NULL), 0);
    CHECK_EQ_INT(teeattest_result_fact_count(NULL), 0);
    const char *s = NULL;
    int32_t o = 0;
    CHECK_EQ_INT(teeattest_result_check(NULL, 0, &s, &o, &s, &o, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_result_find_check(NULL, "x", &o, &s, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_result_fact_at(NULL, 0, &s, &s, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK(teeattest_result_fact(NULL, "signer") == NULL);
    CHECK_EQ_INT(teeattest_result_to_json(NULL, &s, NULL, NULL),
                 TEEATTEST_E_INVALID_ARG);

    /* With a real result: NULL names, NULL outputs, indices out of range. */
    teeattest_ctx *ctx = api_ctx();
    teeattest_signature *sig = NULL;
    teeattest_signature_new(ctx, &sig, TEXT,
                            "0x1f92443bf2398b67a524628601943aaf3762be41a3465ddb"
                            "129890442a6403b14892d2a8f7fa9a4e3c6015e99aaa2156b9"
                            "686122a3ea41edf85c3c19a8903f771c", NULL, NULL, NULL);
    teeattest_result *r = NULL;
    CHECK_EQ_INT(teeattest_signature_verify(sig, &r, NULL, NULL, NULL, 0, NULL, 0,
                                            NULL), TEEATTEST_OK);
    size_t n = teeattest_result_check_count(r);
    CHECK(n > 0);
    CHECK_EQ_INT(teeattest_result_check(r, 0, NULL, NULL, NULL, NULL, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_result_check(r, n, &s, &o, &s, &o, NULL),
                 TEEATTEST_E_NOT_FOUND);
    CHECK_EQ_INT(teeattest_result_check(r, SIZE_MAX, &s, &o, &s, &o, NULL),
                 TEEATTEST_E_NOT_FOUND);
    CHECK_EQ_INT(teeattest_result_find_check(r, NULL, &o, &s, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_result_find_check(r, "signature.hash.request", NULL,
                                             NULL, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_result_find_check(r, "", &o, &s, NULL),
                 TEEATTEST_E_NOT_FOUND);
    CHECK_EQ_INT(teeattest_result_fact_at(r, 0, NULL, NULL, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_result_fact_at(r, teeattest_result_fact_count(r), &s,
                                          &s, NULL), TEEATTEST_E_NOT_FOUND);
    CHECK(teeattest_result_fact(r, NULL) == NULL);
    CHECK_EQ_INT(teeattest_result_to_json(r, NULL, NULL, NULL), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_result_to_json(r, &s, NULL, NULL), TEEATTEST_OK);
    teeattest_result_free(r);
    teeattest_signature_free(sig);
    teeattest_ctx_free(ctx);
}

static void test_signature_misuse(void)
{
    teeattest_ctx *ctx = api_ctx();
    teeattest_error e = TEEATTEST_ERROR_INIT;
    teeattest_signature *sig = (teeattest_signature *)(uintptr_t)1;
    const uint8_t *js = (const uint8_t *)"{}";

    CHECK_EQ_INT(teeattest_signature_parse_json(NULL, &sig, js, 2, &e),
                 TEEATTEST_E_INVALID_ARG);
    CHECK(sig == NULL);
    CHECK_EQ_INT(teeattest_signature_parse_json(ctx, NULL, js, 2, &e),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_signature_parse_json(ctx, &sig, NULL, 2, &e),
                 TEEATTEST_E_INVALID_ARG);
    /* NULL with length 0 is an empty document: not JSON. */
    CHECK_EQ_INT(teeattest_signature_parse_json(ctx, &sig, NULL, 0, &e),
                 TEEATTEST_E_JSON);

    CHECK_EQ_INT(teeattest_signature_parse_headers(NULL, &sig, "a: b", 4, &e),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_signature_parse_headers(ctx, NULL, "a: b", 4, &e),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_signature_parse_headers(ctx, &sig, NULL, 4, &e),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_signature_parse_headers(ctx, &sig, NULL, 0, &e),
                 TEEATTEST_E_FIELD_MISSING);

    CHECK_EQ_INT(teeattest_signature_new(NULL, &sig, TEXT, "00", NULL, NULL, &e),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_signature_new(ctx, NULL, TEXT, "00", NULL, NULL, &e),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_signature_new(ctx, &sig, NULL, "00", NULL, NULL, &e),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_signature_new(ctx, &sig, TEXT, NULL, NULL, NULL, &e),
                 TEEATTEST_E_INVALID_ARG);
    CHECK(sig == NULL);

    CHECK_EQ_INT(teeattest_signature_algo(NULL), 0);
    CHECK(teeattest_signature_text(NULL) == NULL);
    CHECK(teeattest_signature_model(NULL) == NULL);
    CHECK(teeattest_signature_request_hash(NULL) == NULL);
    CHECK(teeattest_signature_response_hash(NULL) == NULL);
    CHECK(teeattest_signature_claimed_signer(NULL) == NULL);

    char buf[TEEATTEST_SIGNER_MAX];
    CHECK_EQ_INT(teeattest_signature_recover(NULL, buf, sizeof buf, &e),
                 TEEATTEST_E_INVALID_ARG);

    /* With a real record. */
    CHECK_EQ_INT(teeattest_signature_new(
                     ctx, &sig, TEXT,
                     "0x1f92443bf2398b67a524628601943aaf3762be41a3465ddb129890442a"
                     "6403b14892d2a8f7fa9a4e3c6015e99aaa2156b9686122a3ea41edf85c3c"
                     "19a8903f771c", NULL, NULL, &e), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_signature_recover(sig, NULL, sizeof buf, &e),
                 TEEATTEST_E_INVALID_ARG);
    memset(buf, 'Z', sizeof buf);
    CHECK_EQ_INT(teeattest_signature_recover(sig, buf, 42, &e),
                 TEEATTEST_E_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(e.code, TEEATTEST_E_BUFFER_TOO_SMALL);
    CHECK(buf[0] == 'Z'); /* nothing written */
    CHECK_EQ_INT(teeattest_signature_recover(sig, buf, 0, &e),
                 TEEATTEST_E_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(teeattest_signature_recover(sig, buf, 43, &e), TEEATTEST_OK);
    CHECK_EQ_INT(strlen(buf), 42);

    teeattest_result *r = (teeattest_result *)(uintptr_t)1;
    const uint8_t *b = (const uint8_t *)"x";
    CHECK_EQ_INT(teeattest_signature_verify(NULL, &r, NULL, NULL, b, 1, b, 1, &e),
                 TEEATTEST_E_INVALID_ARG);
    CHECK(r == NULL);
    CHECK_EQ_INT(teeattest_signature_verify(sig, NULL, NULL, NULL, b, 1, b, 1, &e),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_signature_verify(sig, &r, NULL, NULL, NULL, 1, b, 1,
                                            &e), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_signature_verify(sig, &r, NULL, NULL, b, 1, NULL, 1,
                                            &e), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(e.code, TEEATTEST_E_INVALID_ARG);
    CHECK(r == NULL);
    /* NULL bodies of length 0 are empty bodies: the verification runs. */
    CHECK_EQ_INT(teeattest_signature_verify(sig, &r, NULL, NULL, NULL, 0, NULL, 0,
                                            &e), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    teeattest_result_free(r);
    /* A malformed expected signer is a call error, not a verdict. */
    r = (teeattest_result *)(uintptr_t)1;
    CHECK_EQ_INT(teeattest_signature_verify(sig, &r, NULL, "0x1234", b, 1, b, 1,
                                            &e), TEEATTEST_E_SIGNER_FORMAT);
    CHECK_STR(e.where, "expected_signer");
    CHECK(r == NULL);
    CHECK_EQ_INT(teeattest_signature_verify(sig, &r, NULL, "", b, 1, b, 1, &e),
                 TEEATTEST_E_SIGNER_FORMAT);
    teeattest_signature_free(sig);
    teeattest_ctx_free(ctx);
}

static void test_gpu_misuse(void)
{
    const uint8_t b[4] = {0x30, 0, 0, 0};
    const char *id = "x";
    const uint8_t *d = b;
    size_t len = 9;
    teeattest_gpu_inputs *in = (teeattest_gpu_inputs *)1;
    CHECK_EQ_INT(teeattest_gpu_inputs_new(NULL, &in, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK(in == NULL);
    teeattest_gpu_inputs_free(NULL);
    CHECK(teeattest_gpu_inputs_ref(NULL) == NULL);
    CHECK_EQ_INT(teeattest_gpu_inputs_add(NULL, TEEATTEST_GPU_ITEM_OCSP, NULL,
                                          b, 4, NULL), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_gpu_inputs_add_dir(NULL, TEEATTEST_GPU_ITEM_RIM,
                                              "/", NULL), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_gpu_inputs_count(NULL, TEEATTEST_GPU_ITEM_RIM), 0);
    CHECK_EQ_INT(teeattest_gpu_inputs_get(NULL, TEEATTEST_GPU_ITEM_RIM, 0, &id,
                                          &d, &len, NULL), TEEATTEST_E_INVALID_ARG);
    CHECK(id == NULL && d == NULL && len == 0);
    CHECK_EQ_INT(teeattest_gpu_inputs_set_online(NULL, 0, NULL), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_gpu_inputs_set_url(NULL, TEEATTEST_GPU_ONLINE_RIM,
                                              NULL, NULL), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_gpu_inputs_set_service_key(NULL, NULL, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_gpu_inputs_set_nras_version(NULL, 3, NULL),
                 TEEATTEST_E_INVALID_ARG);

    teeattest_ctx *ctx = NULL;
    if (!CHECK_EQ_INT(teeattest_ctx_new(&ctx, NULL, NULL), TEEATTEST_OK))
        return;
    CHECK_EQ_INT(teeattest_gpu_inputs_new(ctx, NULL, NULL), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_gpu_inputs_new(ctx, &in, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_gpu_inputs_add(in, TEEATTEST_GPU_ITEM_OCSP, NULL,
                                          NULL, 4, NULL), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_gpu_inputs_add(in, 0, NULL, b, 4, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_gpu_inputs_add(in, TEEATTEST_GPU_ITEM_OCSP, NULL,
                                          b, 0, NULL), TEEATTEST_E_PARSE);
    CHECK_EQ_INT(teeattest_gpu_inputs_add_dir(in, TEEATTEST_GPU_ITEM_JWKS,
                                              "/", NULL), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_gpu_inputs_add_dir(in, TEEATTEST_GPU_ITEM_RIM,
                                              NULL, NULL), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_gpu_inputs_get(in, 7, 0, NULL, NULL, NULL, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_gpu_inputs_get(in, TEEATTEST_GPU_ITEM_JWKS, 0, NULL,
                                          NULL, NULL, NULL), TEEATTEST_E_NOT_FOUND);
    CHECK_EQ_INT(teeattest_gpu_inputs_set_url(in, TEEATTEST_GPU_ONLINE_ALL,
                                              NULL, NULL), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_gpu_inputs_set_url(in, TEEATTEST_GPU_ONLINE_RIM,
                                              "file:///etc/passwd", NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_gpu_inputs_set_url(in, TEEATTEST_GPU_ONLINE_RIM,
                                              "https://rim.example/\r\nX: y",
                                              NULL), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_gpu_inputs_set_service_key(in, "k\r\nX: y", NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_gpu_inputs_set_service_key(in, "", NULL),
                 TEEATTEST_E_INVALID_ARG);
    teeattest_result *r = (teeattest_result *)1;
    uint8_t nonce[32] = {0};
    CHECK_EQ_INT(teeattest_gpu_verify(ctx, NULL, b, 4, nonce, 32, in, NULL,
                                      NULL), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_gpu_verify(ctx, &r, b, 4, NULL, 32, in, NULL, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK(r == NULL);
    CHECK_EQ_INT(teeattest_gpu_verify(ctx, &r, b, 4, nonce, 64, in, NULL, NULL),
                 TEEATTEST_E_INVALID_ARG);
    teeattest_gpu_inputs_free(in);
    teeattest_ctx_free(ctx);
}

/* teeattest_evidence_set_url / _set_online: one known bit, http(s) only. */
static void test_evidence_urls(void)
{
    CHECK_EQ_INT(teeattest_evidence_set_url(NULL, TEEATTEST_ONLINE_MODEL_FILES,
                                            NULL, NULL),
                 TEEATTEST_E_INVALID_ARG);
    teeattest_ctx *ctx = NULL;
    teeattest_evidence *ev = NULL;
    if (!CHECK_EQ_INT(teeattest_ctx_new(&ctx, NULL, NULL), TEEATTEST_OK) ||
        !CHECK_EQ_INT(teeattest_evidence_new(ctx, &ev, NULL), TEEATTEST_OK)) {
        teeattest_ctx_free(ctx);
        return;
    }
    static const uint32_t bad_bits[] = {0, 0x10u, 0x8000u,
                                        TEEATTEST_ONLINE_PCCS |
                                            TEEATTEST_ONLINE_MODEL_FILES};
    for (size_t i = 0; i < sizeof bad_bits / sizeof *bad_bits; i++)
        CHECK_EQ_INT(teeattest_evidence_set_url(ev, bad_bits[i], NULL, NULL),
                     TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_evidence_set_url(ev, TEEATTEST_ONLINE_MODEL_FILES,
                                            "file:///etc", NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_evidence_set_url(ev, TEEATTEST_ONLINE_MODEL_FILES,
                                            "http://127.0.0.1:1/x", NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_evidence_set_url(ev, TEEATTEST_ONLINE_MODEL_FILES,
                                            NULL, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_evidence_set_url(ev, TEEATTEST_ONLINE_PCCS,
                                            "https://pccs.example", NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_evidence_set_online(ev, TEEATTEST_ONLINE_PCCS |
                                                   TEEATTEST_ONLINE_MODEL_FILES,
                                               NULL, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_evidence_set_online(ev, 0x10u, NULL, NULL),
                 TEEATTEST_E_INVALID_ARG);
    /* the Tinfoil release bit (8) is known: its URL is http(s) only */
    CHECK_EQ_INT(teeattest_evidence_set_online(
                     ev, TEEATTEST_ONLINE_TINFOIL_RELEASE, NULL, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_evidence_set_url(
                     ev, TEEATTEST_ONLINE_TINFOIL_RELEASE, "file:///x", NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_evidence_set_url(
                     ev, TEEATTEST_ONLINE_TINFOIL_RELEASE,
                     "http://127.0.0.1:1/", NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_evidence_set_url(
                     ev, TEEATTEST_ONLINE_TINFOIL_RELEASE, NULL, NULL),
                 TEEATTEST_OK);
    /* the new item round-trips */
    const uint8_t *d = NULL;
    size_t len = 0;
    CHECK_EQ_INT(teeattest_evidence_get(ev, TEEATTEST_EVIDENCE_MODEL_COMPOSE, 0,
                                        &d, &len, NULL),
                 TEEATTEST_E_NOT_FOUND);
    CHECK_EQ_INT(teeattest_evidence_set(ev, TEEATTEST_EVIDENCE_MODEL_COMPOSE, 0,
                                        (const uint8_t *)"x", 1, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_evidence_get(ev, TEEATTEST_EVIDENCE_MODEL_COMPOSE, 0,
                                        &d, &len, NULL),
                 TEEATTEST_OK);
    CHECK(len == 1 && d && d[0] == 'x');
    teeattest_evidence_free(ev);
    teeattest_ctx_free(ctx);
}

int main(void)
{
    test_status_strings();
    test_names();
    test_nonce_lengths();
    test_error_init();
    test_free_null();
    test_ctx_misuse();
    test_http_misuse();
    test_policy_misuse();
    test_result_misuse();
    test_signature_misuse();
    test_gpu_misuse();
    test_evidence_urls();
    return ta_test_done();
}
