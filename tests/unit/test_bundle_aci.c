/*
 * Evidence bundles version 2 (lib/verify/bundle.c, docs/bundle.md) with
 * the published ACI/1 vectors (Dstack-TEE/private-ai-gateway
 * spec/test-vectors.md at b6b5c1b, tests/data/aci/README.md): the receipt
 * of section 4 over its request and response bytes, citing the session of
 * section 3, in a bundle whose report carries the keyset of section 1.
 * The report's quote is a stub (the report checks fail; the sample's shape
 * is tests/data/aci_gateway's), so the receipt and session checks are
 * asserted by name. Written, parsed and written again to the same bytes;
 * then the item API's limits, the reader's errors and the attacks on
 * sessions (the receipt attacks run end to end in
 * tests/integration/test_aci_bundle.py).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "aci/aci.h"
#include "aci_kit.h"

static teeattest_ctx *ctx;

#define PASS TEEATTEST_OUTCOME_PASS
#define FAIL TEEATTEST_OUTCOME_FAIL
#define SKIP TEEATTEST_OUTCOME_SKIP
#define RECEIPT TEEATTEST_BUNDLE_ACI_RECEIPT
#define SESSION TEEATTEST_BUNDLE_ACI_SESSION

/* The shape of tests/data/aci_gateway/aci_report.json with the keyset of
 * section 1 (its digest restated) and a real TDX quote that binds none of
 * it (../shared/fixtures/tdx/dcapqvl_v4_uptodate), hex at QUOTE. */
#define REPORT_HEAD                                                            \
    "{\"api_version\":\"aci/1\",\"workload_keyset_digest\":\"" V1_DIGEST      \
    "\",\"attestation\":{\"tee_type\":\"tdx\",\"workload_keyset\":"           \
    V1_KEYSET_JCS ",\"report_data\":\"00\",\"source_provenance\":null,"       \
    "\"evidence\":{\"quote\":\""
#define REPORT_TAIL                                                            \
    "\",\"event_log\":null,\"vm_config\":null}},"                             \
    "\"service_capabilities\":{\"serving\":\"aggregator\"}}"
static char *REPORT;
#define RECEIPT_DOC                                                            \
    "{\"api_version\":\"aci/1\",\"chat_id\":\"chatcmpl-123\",\"endpoint\":"   \
    "\"/v1/chat/completions\",\"event_log\":[{\"body_hash\":\""               \
    V4_REQUEST_HASH "\",\"type\":\"request.received\"},{\"body_hash\":\""     \
    V4_REQUEST_HASH "\",\"type\":\"request.forwarded\"},{\"model_id\":"       \
    "\"demo-model\",\"required\":true,\"result\":\"verified\",\"session_id\":" \
    "\"" V3_SESSION_ID "\",\"type\":\"upstream.verified\"},{\"body_hash\":\"" \
    V4_RESPONSE_HASH "\",\"type\":\"response.returned\"}],\"key_id\":"        \
    "\"receipt-1\",\"method\":\"POST\",\"model\":\"demo-model\","             \
    "\"receipt_id\":\"rcpt-0001\",\"served_at\":1750000000,"                  \
    "\"signature\":\"" V4_SIGNATURE "\","                                     \
    "\"workload_keyset_digest\":\"" V1_DIGEST "\"}"
#define NONCE_HEX                                                              \
    "0101010101010101010101010101010101010101010101010101010101010101"

static const uint8_t *U(const char *s)
{
    return (const uint8_t *)s;
}

/* A bundle: the report, nonce, time, the exchange of section 4 and the
 * receipt; the session when `session` is not NULL (twice when twice). */
static teeattest_bundle *build(const char *session, bool twice)
{
    teeattest_report *rep = NULL;
    teeattest_bundle *b = NULL;
    uint8_t nonce[32];
    memset(nonce, 1, sizeof nonce);
    CHECK_EQ_INT(teeattest_report_parse(ctx, &rep, "aci", U(REPORT),
                                        strlen(REPORT), NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_bundle_new(ctx, &b, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_bundle_set_report(b, rep, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_bundle_set_nonce(b, nonce, 32, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_bundle_set_time(b, 1750000100, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_bundle_set_exchange(
                     b, U(V4_REQUEST), strlen(V4_REQUEST), U(V4_RESPONSE),
                     strlen(V4_RESPONSE), NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_bundle_version(b), 1);
    CHECK_EQ_INT(teeattest_bundle_add_item(b, RECEIPT, U(RECEIPT_DOC),
                                           strlen(RECEIPT_DOC), NULL),
                 TEEATTEST_OK);
    for (int i = 0; session && i < (twice ? 2 : 1); i++)
        CHECK_EQ_INT(teeattest_bundle_add_item(b, SESSION, U(session),
                                               strlen(session), NULL),
                     TEEATTEST_OK);
    teeattest_report_free(rep);
    return b;
}

static int32_t outcome(const teeattest_result *r, const char *name)
{
    int32_t o = -1;
    if (teeattest_result_find_check(r, name, &o, NULL, NULL) != TEEATTEST_OK)
        return -1;
    return o;
}

static teeattest_result *verify(teeattest_bundle *b)
{
    teeattest_result *r = NULL;
    CHECK_EQ_INT(teeattest_bundle_verify(ctx, &r, b, NULL, NULL),
                 TEEATTEST_OK);
    return r;
}

static void round_trip(void)
{
    teeattest_bundle *b = build(V3_SESSION_JCS, false);
    CHECK_EQ_INT(teeattest_bundle_version(b), 2);
    const char *j = NULL;
    size_t len = 0;
    CHECK_EQ_INT(teeattest_bundle_to_json(b, &j, &len, NULL), TEEATTEST_OK);
    CHECK(j && strncmp(j, "{\"format\":\"teeattest-bundle\",\"version\":2,",
                       41) == 0);
    CHECK(j && strstr(j, ",\"aci\":{\"receipts\":[") != NULL);
    char *copy = strdup(j);
    teeattest_bundle *p = NULL;
    CHECK_EQ_INT(teeattest_bundle_parse(ctx, &p, U(copy), len, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_bundle_version(p), 2);
    CHECK_EQ_INT(teeattest_bundle_item_count(p, RECEIPT), 1);
    CHECK_EQ_INT(teeattest_bundle_item_count(p, SESSION), 1);
    const uint8_t *d = NULL;
    size_t dl = 0;
    CHECK_EQ_INT(teeattest_bundle_item(p, RECEIPT, 0, &d, &dl, NULL),
                 TEEATTEST_OK);
    CHECK(dl == strlen(RECEIPT_DOC) && memcmp(d, RECEIPT_DOC, dl) == 0);
    CHECK_EQ_INT(teeattest_bundle_item(p, SESSION, 1, &d, &dl, NULL),
                 TEEATTEST_E_NOT_FOUND);
    CHECK_EQ_INT(teeattest_bundle_item(p, 7, 0, &d, &dl, NULL),
                 TEEATTEST_E_INVALID_ARG);
    const char *j2 = NULL;
    size_t len2 = 0;
    CHECK_EQ_INT(teeattest_bundle_to_json(p, &j2, &len2, NULL), TEEATTEST_OK);
    CHECK(len2 == len && j2 && memcmp(j2, copy, len) == 0);

    /* The receipt over the exact bytes, its cited session verified. */
    teeattest_result *r = verify(p);
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    CHECK_EQ_INT(outcome(r, "aci.keyset_digest"), PASS);
    static const char *const pass[] = {
        "aci.receipt.signature", "aci.receipt.keyset_digest",
        "aci.receipt.request_hash", "aci.receipt.response_hash",
        "aci.receipt.upstream", "aci.receipt.session_window",
        "aci.session.id", "aci.session.evidence", "bundle.sessions",
    };
    for (size_t i = 0; i < sizeof pass / sizeof pass[0]; i++)
        if (!CHECK_EQ_INT(outcome(r, pass[i]), PASS))
            printf("# %s\n", pass[i]);
    CHECK_EQ_INT(outcome(r, "bundle.response"), -1);
    /* The deep audit runs as teeattest_aci_session_audit() runs it: the
     * vector's evidence is text/plain, not a report: skipped, not
     * required, with the reason. */
    CHECK_EQ_INT(outcome(r, "aci.session.deep_audit"), SKIP);
    CHECK_EQ_INT(outcome(r, "aci.session.deep_audit_binding"), SKIP);
    teeattest_result_free(r);

    teeattest_bundle_free(p);
    teeattest_bundle_free(b);
    free(copy);
}

static void sessions(void)
{
    /* Not held: the window is not checked (the request asked for no
     * verified serving), and bundle.sessions fails: online, a cited
     * session the aggregator does not serve fails too. */
    teeattest_bundle *b = build(NULL, false);
    teeattest_result *r = verify(b);
    CHECK_EQ_INT(outcome(r, "bundle.sessions"), FAIL);
    CHECK_EQ_INT(outcome(r, "aci.receipt.session_window"), SKIP);
    CHECK_EQ_INT(outcome(r, "aci.receipt.signature"), PASS);
    teeattest_result_free(r);
    teeattest_bundle_free(b);

    /* Twice: refused by bundle.sessions. */
    b = build(V3_SESSION_JCS, true);
    r = verify(b);
    CHECK_EQ_INT(outcome(r, "bundle.sessions"), FAIL);
    teeattest_result_free(r);
    teeattest_bundle_free(b);

    /* Edited (another endpoint): no longer the cited id, so it is not
     * used for the window and fails bundle.sessions. */
    char *edited = strdup(V3_SESSION_JCS);
    char *e = strstr(edited, "upstream.example.com\",\"established");
    CHECK(e != NULL);
    if (e)
        e[0] = 'U';
    b = build(edited, false);
    r = verify(b);
    CHECK_EQ_INT(outcome(r, "bundle.sessions"), FAIL);
    CHECK_EQ_INT(outcome(r, "aci.receipt.session_window"), SKIP);
    CHECK_EQ_INT(outcome(r, "aci.session.id"), -1);
    teeattest_result_free(r);
    teeattest_bundle_free(b);
    free(edited);
}

static void pairing(void)
{
    /* A signature record in an aci bundle: bundle.response. */
    teeattest_bundle *b = build(V3_SESSION_JCS, false);
    teeattest_signature *sig = NULL;
    static const char rec[] =
        "{\"text\":\""
        "0000000000000000000000000000000000000000000000000000000000000000:"
        "0000000000000000000000000000000000000000000000000000000000000000"
        "\",\"signature\":\"0x"
        "0000000000000000000000000000000000000000000000000000000000000000"
        "000000000000000000000000000000000000000000000000000000000000000001"
        "\",\"signing_address\":"
        "\"0x0000000000000000000000000000000000000000\","
        "\"signing_algo\":\"ecdsa\"}";
    CHECK_EQ_INT(teeattest_signature_parse_json(ctx, &sig, U(rec),
                                                strlen(rec), NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_bundle_set_signature(b, sig, NULL), TEEATTEST_OK);
    teeattest_result *r = verify(b);
    CHECK_EQ_INT(outcome(r, "bundle.response"), FAIL);
    CHECK_EQ_INT(outcome(r, "aci.receipt.signature"), -1);
    teeattest_result_free(r);
    teeattest_signature_free(sig);
    teeattest_bundle_free(b);

    /* Two receipts for one exchange. */
    b = build(NULL, false);
    CHECK_EQ_INT(teeattest_bundle_add_item(b, RECEIPT, U(RECEIPT_DOC),
                                           strlen(RECEIPT_DOC), NULL),
                 TEEATTEST_OK);
    r = verify(b);
    CHECK_EQ_INT(outcome(r, "bundle.response"), FAIL);
    CHECK_EQ_INT(outcome(r, "aci.receipt.signature"), -1);
    teeattest_result_free(r);

    /* A receipt without an exchange. */
    CHECK_EQ_INT(teeattest_bundle_set_exchange(b, NULL, 0, NULL, 0, NULL),
                 TEEATTEST_OK);
    r = verify(b);
    CHECK_EQ_INT(outcome(r, "bundle.response"), FAIL);
    teeattest_result_free(r);
    teeattest_bundle_free(b);
}

static void item_limits(void)
{
    teeattest_bundle *b = NULL;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    CHECK_EQ_INT(teeattest_bundle_new(ctx, &b, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_bundle_add_item(b, 0, U("{}"), 2, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_bundle_add_item(b, RECEIPT, NULL, 0, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_bundle_add_item(NULL, RECEIPT, U("{}"), 2, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_bundle_add_item(b, RECEIPT, U("[1]"), 3, &err),
                 TEEATTEST_E_JSON);
    CHECK_STR(err.where, "aci.receipts");
    CHECK_EQ_INT(teeattest_bundle_add_item(b, SESSION, U("{\"a\":1,\"a\":2}"),
                                           13, NULL), TEEATTEST_E_JSON);
    size_t big = TA_ACI_DOC_MAX + 1;
    uint8_t *doc = malloc(big);
    memset(doc, ' ', big);
    doc[0] = '{';
    doc[big - 1] = '}';
    CHECK_EQ_INT(teeattest_bundle_add_item(b, RECEIPT, doc, big, NULL),
                 TEEATTEST_E_TOO_LARGE);
    /* a session may be larger than a receipt */
    CHECK_EQ_INT(teeattest_bundle_add_item(b, SESSION, doc, big, NULL),
                 TEEATTEST_OK);
    free(doc);
    for (int i = 1; i < TEEATTEST_BUNDLE_ITEMS_MAX; i++)
        CHECK_EQ_INT(teeattest_bundle_add_item(b, SESSION, U("{}"), 2, NULL),
                     TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_bundle_add_item(b, SESSION, U("{}"), 2, NULL),
                 TEEATTEST_E_TOO_LARGE);
    CHECK_EQ_INT(teeattest_bundle_item_count(b, SESSION),
                 TEEATTEST_BUNDLE_ITEMS_MAX);
    CHECK_EQ_INT(teeattest_bundle_item_count(b, RECEIPT), 0);
    CHECK_EQ_INT(teeattest_bundle_item_count(NULL, RECEIPT), 0);
    CHECK_EQ_INT(teeattest_bundle_version(NULL), 0);
    teeattest_bundle_free(b);
}

/* parse(head + tail) with the aci member `aci`. */
static int parse_with(int version, const char *extra, teeattest_bundle **out,
                      teeattest_error *err)
{
    char *doc = NULL;
    int n = asprintf(&doc,
                     "{\"format\":\"teeattest-bundle\",\"version\":%d,"
                     "\"dialect\":\"aci\",\"captured_at\":1750000100,"
                     "\"nonce\":\"" NONCE_HEX "\",\"report\":%s%s}",
                     version, REPORT, extra);
    CHECK(n > 0);
    *out = NULL;
    int rc = teeattest_bundle_parse(ctx, out, U(doc), (size_t)n, err);
    free(doc);
    return rc;
}

static void reader(void)
{
    teeattest_bundle *b = NULL;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    CHECK_EQ_INT(parse_with(3, "", &b, &err), TEEATTEST_E_UNSUPPORTED);
    CHECK_STR(err.where, "version");
    /* "sigstore_bundles" is a version 2 member (test_bundle_sigstore.c) */
    CHECK_EQ_INT(parse_with(2, ",\"sigstore_bundles\":[\"{}\"]", &b, &err),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_evidence_sigstore_bundle_count(
                     teeattest_bundle_evidence(b)), 1);
    teeattest_bundle_free(b);
    /* version 1 is read as before: unknown members ignored */
    CHECK_EQ_INT(parse_with(1, ",\"sigstore_bundles\":[],\"aci\":{"
                               "\"receipts\":[\"{}\"]}", &b, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_bundle_item_count(b, RECEIPT), 0);
    teeattest_bundle_free(b);
    CHECK_EQ_INT(parse_with(2, ",\"aci\":[]", &b, &err), TEEATTEST_E_JSON);
    CHECK_STR(err.where, "aci");
    CHECK_EQ_INT(parse_with(2, ",\"aci\":{\"receipts\":{}}", &b, &err),
                 TEEATTEST_E_JSON);
    CHECK_STR(err.where, "aci.receipts");
    CHECK_EQ_INT(parse_with(2, ",\"aci\":{\"sessions\":[\"{}\",7]}", &b,
                            &err), TEEATTEST_E_JSON);
    CHECK_STR(err.where, "aci.sessions[1]");
    CHECK_EQ_INT(parse_with(2, ",\"aci\":{\"receipts\":[\"[]\"]}", &b, &err),
                 TEEATTEST_E_JSON);
    CHECK_STR(err.where, "aci.receipts[0]");
    CHECK_EQ_INT(parse_with(2, ",\"aci\":{\"receipts\":[{\"base64\":\"e30=\"}"
                               "]}", &b, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_bundle_item_count(b, RECEIPT), 1);
    teeattest_bundle_free(b);
    CHECK_EQ_INT(parse_with(2, ",\"aci\":{\"receipts\":[{\"base64\":\"!\"}]}",
                            &b, &err), TEEATTEST_E_BASE64);
    char many[400] = ",\"aci\":{\"receipts\":[";
    for (int i = 0; i <= TEEATTEST_BUNDLE_ITEMS_MAX; i++)
        strcat(many, i ? ",\"{}\"" : "\"{}\"");
    strcat(many, "]}");
    CHECK_EQ_INT(parse_with(2, many, &b, &err), TEEATTEST_E_TOO_LARGE);
    CHECK_STR(err.where, "aci.receipts");
    /* version 2 without ACI items is written back as version 1 */
    CHECK_EQ_INT(parse_with(2, "", &b, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_bundle_version(b), 1);
    teeattest_bundle_free(b);
}

/* aci.e2ee (teeattest_bundle_set_e2ee()): a session's record makes the
 * bundle version 2, is written and read back to the same bytes, and its
 * checks run at verification (the vector's answer has no field to
 * decrypt: aci.e2ee.response fails; the end-to-end cases are in
 * tests/integration/test_aci_e2ee_bundle.py). */
static void e2ee_record(void)
{
    static const char body[] =
        "{\"model\":\"demo-model\",\"messages\":[{\"role\":\"user\","
        "\"content\":\"hi\"}]}";
    teeattest_e2ee_session *s = NULL;
    CHECK_EQ_INT(teeattest_e2ee_session_new(ctx, &s, U(V1_KEYSET_JCS),
                                            strlen(V1_KEYSET_JCS), NULL, NULL,
                                            NULL), TEEATTEST_OK);
    teeattest_bundle *b = build(NULL, false);
    /* misuse: no bundle; a session that encrypted nothing */
    CHECK_EQ_INT(teeattest_bundle_set_e2ee(NULL, s, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_bundle_set_e2ee(b, s, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_e2ee_encrypt_request(s, TEEATTEST_E2EE_CHAT,
                                                U(body), strlen(body), NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_bundle_set_e2ee(b, s, NULL), TEEATTEST_OK);
    teeattest_e2ee_session_free(s); /* nothing of it is kept */
    const char *j = NULL;
    size_t len = 0;
    CHECK_EQ_INT(teeattest_bundle_to_json(b, &j, &len, NULL), TEEATTEST_OK);
    CHECK(j && strstr(j, "\"sessions\":[],\"e2ee\":{\"algo\":"
                         "\"x25519-aes-256-gcm-hkdf-sha256\",\"key_id\":"
                         "\"e2ee-1\",\"public_key\":") != NULL);
    CHECK(j && strstr(j, ",\"endpoint\":\"chat\",\"restored_request\":") !=
                   NULL);
    /* the vector's answer opens with no field: recorded, and
     * aci.e2ee.response fails ("no encrypted field") */
    CHECK(j && strstr(j, ",\"answer\":\"{\\\"choices\\\":[],") != NULL);
    char *copy = strdup(j);
    teeattest_bundle *p = NULL;
    CHECK_EQ_INT(teeattest_bundle_parse(ctx, &p, U(copy), len, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_bundle_version(p), 2);
    const char *j2 = NULL;
    size_t len2 = 0;
    CHECK_EQ_INT(teeattest_bundle_to_json(p, &j2, &len2, NULL), TEEATTEST_OK);
    CHECK(len2 == len && j2 && memcmp(j2, copy, len) == 0);
    teeattest_result *r = verify(p);
    CHECK_EQ_INT(outcome(r, "aci.e2ee.key"), PASS);
    CHECK_EQ_INT(outcome(r, "aci.e2ee.response"), FAIL);
    CHECK_EQ_INT(outcome(r, "bundle.e2ee"), PASS);
    /* the vector's receipt hashes its own request, not this one */
    CHECK_EQ_INT(outcome(r, "aci.receipt.request_hash"), FAIL);
    teeattest_result_free(r);
    /* NULL removes the record */
    CHECK_EQ_INT(teeattest_bundle_set_e2ee(p, NULL, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_bundle_to_json(p, &j2, &len2, NULL), TEEATTEST_OK);
    CHECK(j2 && strstr(j2, "\"e2ee\":") == NULL);
    teeattest_bundle_free(p);
    teeattest_bundle_free(b);
    free(copy);
}

int main(void)
{
    ctx = unit_ctx();
    size_t ql = 0;
    uint8_t *q = unit_fixture("tdx/dcapqvl_v4_uptodate/quote.bin", &ql);
    REPORT = malloc(sizeof REPORT_HEAD + 2 * ql + sizeof REPORT_TAIL);
    strcpy(REPORT, REPORT_HEAD);
    unit_tohex(REPORT + strlen(REPORT), q, ql);
    strcat(REPORT, REPORT_TAIL);
    free(q);
    round_trip();
    sessions();
    pairing();
    item_limits();
    reader();
    e2ee_record();
    free(REPORT);
    teeattest_ctx_free(ctx);
    return ta_test_done();
}
