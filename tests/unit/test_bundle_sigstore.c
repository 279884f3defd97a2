/*
 * Evidence bundles version 2 carrying the Sigstore bundles of image
 * provenance (lib/verify/bundle.c, docs/bundle.md "sigstore_bundles"):
 * the evidence's bundles are written as exact bytes (a string, or
 * {"base64":...} for bytes that are not JSON text), each once, only when
 * held; parsed back into the bundle's evidence; written again to the same
 * bytes. Then the reader's limits and refusals (type, count, size, empty,
 * duplicate), version 1 documents (the member is ignored there) and the
 * member order beside "aci". The verification of the carried bundles end
 * to end (teeattest-sim --oci, attacks on a saved file) is in
 * tests/integration/test_provenance.py.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

static teeattest_ctx *ctx;

#define REPORT "{\"intel_quote\":\"00\"}"
/* Stand-ins: the bundle layer keeps bytes, it does not judge them. */
#define SS_A "{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\"}"
#define SS_B "{\"mediaType\":\"b\",\"note\":\"line\\nbreak \\u00e9\"}"

static const uint8_t *U(const char *s)
{
    return (const uint8_t *)s;
}

static teeattest_bundle *build(void)
{
    teeattest_report *rep = NULL;
    teeattest_bundle *b = NULL;
    CHECK_EQ_INT(teeattest_report_parse(ctx, &rep, "generic", U(REPORT),
                                        strlen(REPORT), NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_bundle_new(ctx, &b, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_bundle_set_report(b, rep, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_bundle_set_time(b, 1767225600, NULL),
                 TEEATTEST_OK);
    teeattest_report_free(rep);
    return b;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

static void round_trip(void)
{
    teeattest_bundle *b = build();
    const char *j = NULL;
    size_t len = 0;
    /* none held: version 1, no member */
    CHECK_EQ_INT(teeattest_bundle_to_json(b, &j, &len, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_bundle_version(b), 1);
    CHECK(strstr(j, "\"version\":1,") != NULL);
    CHECK(strstr(j, "sigstore_bundles") == NULL);

    teeattest_evidence *ev = teeattest_bundle_evidence(b);
    static const uint8_t bin[] = {0x00, 0xff, 0x80, '{', '}'};
    CHECK_EQ_INT(teeattest_evidence_add_sigstore_bundle(ev, U(SS_A),
                                                        strlen(SS_A), NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_evidence_add_sigstore_bundle(ev, bin, sizeof bin,
                                                        NULL), TEEATTEST_OK);
    /* the same bundle supplied and fetched: held twice, written once */
    CHECK_EQ_INT(teeattest_evidence_add_sigstore_bundle(ev, U(SS_A),
                                                        strlen(SS_A), NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_evidence_add_sigstore_bundle(ev, U(SS_B),
                                                        strlen(SS_B), NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_bundle_version(b), 2);
    CHECK_EQ_INT(teeattest_bundle_to_json(b, &j, &len, NULL), TEEATTEST_OK);
    CHECK(strstr(j, "\"version\":2,") != NULL);
    CHECK(strstr(j, "\"aci\"") == NULL); /* no ACI items: no aci member */
    CHECK_EQ_INT(count(j, "mediaType"), 2);
    CHECK(strstr(j, ",\"sigstore_bundles\":[\"{\\\"mediaType\\\":") != NULL);
    CHECK(strstr(j, ",{\"base64\":\"AP+Ae30=\"},") != NULL);
    CHECK(len > 2 && memcmp(j + len - 2, "]}", 2) == 0); /* the last member */
    char *first = strdup(j);

    teeattest_bundle *b2 = NULL;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    CHECK_EQ_INT(teeattest_bundle_parse(ctx, &b2, U(first), len, &err),
                 TEEATTEST_OK);
    teeattest_evidence *ev2 = teeattest_bundle_evidence(b2);
    CHECK_EQ_INT(teeattest_evidence_sigstore_bundle_count(ev2), 3);
    const uint8_t *d = NULL;
    size_t dl = 0;
    CHECK_EQ_INT(teeattest_evidence_sigstore_bundle(ev2, 0, &d, &dl, NULL),
                 TEEATTEST_OK);
    CHECK(dl == strlen(SS_A) && memcmp(d, SS_A, dl) == 0);
    CHECK_EQ_INT(teeattest_evidence_sigstore_bundle(ev2, 1, &d, &dl, NULL),
                 TEEATTEST_OK);
    CHECK(dl == sizeof bin && memcmp(d, bin, dl) == 0);
    CHECK_EQ_INT(teeattest_evidence_sigstore_bundle(ev2, 2, &d, &dl, NULL),
                 TEEATTEST_OK);
    CHECK(dl == strlen(SS_B) && memcmp(d, SS_B, dl) == 0);
    CHECK_EQ_INT(teeattest_bundle_version(b2), 2);
    const char *j2 = NULL;
    size_t len2 = 0;
    CHECK_EQ_INT(teeattest_bundle_to_json(b2, &j2, &len2, NULL),
                 TEEATTEST_OK);
    CHECK(len2 == len && memcmp(j2, first, len) == 0);
    /* verifies (the report checks fail on the stub quote) without error */
    teeattest_result *res = NULL;
    CHECK_EQ_INT(teeattest_bundle_verify(ctx, &res, b2, NULL, NULL),
                 TEEATTEST_OK);
    teeattest_result_free(res);
    teeattest_bundle_free(b2);

    /* beside ACI items: "aci" first, then "sigstore_bundles" */
    CHECK_EQ_INT(teeattest_bundle_add_item(b, TEEATTEST_BUNDLE_ACI_RECEIPT,
                                           U("{}"), 2, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_bundle_to_json(b, &j, &len, NULL), TEEATTEST_OK);
    const char *aci = strstr(j, ",\"aci\":{\"receipts\":[\"{}\"]");
    const char *ss = strstr(j, ",\"sigstore_bundles\":[");
    CHECK(aci != NULL && ss != NULL && aci < ss);
    CHECK_EQ_INT(teeattest_bundle_parse(ctx, &b2, U(j), len, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_bundle_item_count(b2, TEEATTEST_BUNDLE_ACI_RECEIPT),
                 1);
    CHECK_EQ_INT(teeattest_evidence_sigstore_bundle_count(
                     teeattest_bundle_evidence(b2)), 3);
    CHECK_EQ_INT(teeattest_bundle_to_json(b2, &j2, &len2, NULL),
                 TEEATTEST_OK);
    CHECK(len2 == len && memcmp(j2, j, len) == 0);
    teeattest_bundle_free(b2);
    free(first);
    teeattest_bundle_free(b);
}

/* A document of `version` with `extra` members after the report. */
static int parse_with(int version, const char *extra, teeattest_bundle **out,
                      teeattest_error *err)
{
    size_t n = strlen(extra) + 200;
    char *doc = malloc(n);
    CHECK(doc != NULL);
    int k = snprintf(doc, n, "{\"format\":\"teeattest-bundle\",\"version\":%d,"
                     "\"dialect\":\"generic\",\"captured_at\":1,\"report\":"
                     REPORT "%s}", version, extra);
    CHECK(k > 0 && (size_t)k < n);
    *out = NULL;
    if (err)
        *err = (teeattest_error)TEEATTEST_ERROR_INIT;
    int rc = teeattest_bundle_parse(ctx, out, U(doc), (size_t)k, err);
    free(doc);
    return rc;
}

static size_t held(teeattest_bundle *b)
{
    return teeattest_evidence_sigstore_bundle_count(
        teeattest_bundle_evidence(b));
}

static void reader(void)
{
    teeattest_bundle *b = NULL;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    /* the type, the count, each item's size */
    CHECK_EQ_INT(parse_with(2, ",\"sigstore_bundles\":{}", &b, &err),
                 TEEATTEST_E_JSON);
    CHECK_STR(err.where, "sigstore_bundles");
    CHECK(b == NULL);
    CHECK_EQ_INT(parse_with(2, ",\"sigstore_bundles\":[\"{}\",7]", &b, &err),
                 TEEATTEST_E_JSON);
    CHECK_STR(err.where, "sigstore_bundles[1]");
    CHECK_EQ_INT(parse_with(2, ",\"sigstore_bundles\":[\"\"]", &b, &err),
                 TEEATTEST_E_JSON);
    CHECK_STR(err.where, "sigstore_bundles[0]");
    CHECK_EQ_INT(parse_with(2, ",\"sigstore_bundles\":[{\"base64\":\"\"}]",
                            &b, &err), TEEATTEST_E_JSON);
    CHECK_EQ_INT(parse_with(2, ",\"sigstore_bundles\":[{\"base64\":\"!\"}]",
                            &b, &err), TEEATTEST_E_BASE64);
    CHECK_STR(err.where, "sigstore_bundles[0]");
    CHECK_EQ_INT(parse_with(2, ",\"sigstore_bundles\":[{\"b64\":\"e30=\"}]",
                            &b, &err), TEEATTEST_E_JSON);
    char many[1200] = ",\"sigstore_bundles\":[";
    for (int i = 0; i <= 64; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many),
                 "%s\"{%d}\"", i ? "," : "", i);
    strcat(many, "]");
    CHECK_EQ_INT(parse_with(2, many, &b, &err), TEEATTEST_E_TOO_LARGE);
    CHECK_STR(err.where, "sigstore_bundles");
    /* 64 distinct items are the limit */
    char *last = strrchr(many, ',');
    strcpy(last, "]");
    CHECK_EQ_INT(parse_with(2, many, &b, &err), TEEATTEST_OK);
    CHECK_EQ_INT(held(b), 64);
    teeattest_bundle_free(b);
    size_t big = (4u << 20) + 1;
    char *huge = malloc(big + 64);
    CHECK(huge != NULL);
    strcpy(huge, ",\"sigstore_bundles\":[\"");
    size_t at = strlen(huge);
    memset(huge + at, 'x', big);
    strcpy(huge + at + big, "\"]");
    CHECK_EQ_INT(parse_with(2, huge, &b, &err), TEEATTEST_E_TOO_LARGE);
    CHECK_STR(err.where, "sigstore_bundles[0]");
    /* exactly 4 MiB is accepted */
    strcpy(huge + at + big - 1, "\"]");
    CHECK_EQ_INT(parse_with(2, huge, &b, &err), TEEATTEST_OK);
    CHECK_EQ_INT(held(b), 1);
    teeattest_bundle_free(b);
    free(huge);

    /* the same bytes twice, in either encoding: the writer never writes
     * that, so a document that has it was edited */
    CHECK_EQ_INT(parse_with(2, ",\"sigstore_bundles\":[\"{}\",\"[]\",\"{}\"]",
                            &b, &err), TEEATTEST_E_JSON);
    CHECK_STR(err.where, "sigstore_bundles[2]");
    CHECK(strstr(err.message, "sigstore_bundles[0]") != NULL);
    CHECK_EQ_INT(parse_with(2, ",\"sigstore_bundles\":[\"{}\",{\"base64\":"
                               "\"e30=\"}]", &b, &err), TEEATTEST_E_JSON);
    CHECK_STR(err.where, "sigstore_bundles[1]");
    /* "{}" and "{} " are different bytes */
    CHECK_EQ_INT(parse_with(2, ",\"sigstore_bundles\":[\"{}\",\"{} \"]", &b,
                            &err), TEEATTEST_OK);
    CHECK_EQ_INT(held(b), 2);
    teeattest_bundle_free(b);

    /* version 1: an unknown member, ignored (so provenance finds nothing:
     * a relabelled bundle loses its Sigstore bundles, never gains) */
    CHECK_EQ_INT(parse_with(1, ",\"sigstore_bundles\":[\"{}\",\"{}\"]", &b,
                            &err), TEEATTEST_OK);
    CHECK_EQ_INT(held(b), 0);
    CHECK_EQ_INT(teeattest_bundle_version(b), 1);
    teeattest_bundle_free(b);
    /* version 2, empty list: nothing held, written back as version 1 */
    CHECK_EQ_INT(parse_with(2, ",\"sigstore_bundles\":[]", &b, &err),
                 TEEATTEST_OK);
    CHECK_EQ_INT(held(b), 0);
    CHECK_EQ_INT(teeattest_bundle_version(b), 1);
    const char *j = NULL;
    CHECK_EQ_INT(teeattest_bundle_to_json(b, &j, NULL, NULL), TEEATTEST_OK);
    CHECK(strstr(j, "sigstore_bundles") == NULL);
    teeattest_bundle_free(b);
    /* a member twice is a duplicate key, as everywhere */
    CHECK_EQ_INT(parse_with(2, ",\"sigstore_bundles\":[],"
                               "\"sigstore_bundles\":[\"{}\"]", &b, &err),
                 TEEATTEST_E_JSON);
}

int main(void)
{
    ctx = unit_ctx();
    round_trip();
    reader();
    teeattest_ctx_free(ctx);
    return ta_test_done();
}
