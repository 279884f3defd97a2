/*
 * Fuzz target (white-box, internal API): the multipart/mixed reader of ACI
 * session evidence (lib/aci/multipart.c) and the deep audit of such a
 * bundle (lib/verify/aci_audit.c). The input: a mode byte, the media type
 * up to the first '\n', then the body.
 *   mode even  ta_mp_parse alone. Invariants: a refusal says why and
 *              gives no part; an accepted bundle has 1..16 parts, each
 *              inside the body, in order, not overlapping, whose bytes
 *              and headers never hold "--boundary"; a second parse gives
 *              the same parts.
 *   mode odd   ta_aci_session_deep_audit of the bytes as a session's
 *              decoded evidence (digest taken as matched), an empty
 *              evidence object, a policy at a fixed time, offline: no crash, no leak, every check named aci.*, a
 *              known outcome, and aci.session.deep_audit never passes
 *              (nothing here can verify).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "fuzz.h"

#include "aci/aci.h"
#include "aci/multipart.h"
#include "verify/pipeline.h"

static void parse_check(const char *mt, const uint8_t *body, size_t n)
{
    static ta_mp_part p1[TA_MP_PARTS_MAX], p2[TA_MP_PARTS_MAX];
    size_t n1 = 99, n2 = 99;
    const char *why = NULL;
    bool ok = ta_mp_parse(mt, body, n, p1, TA_MP_PARTS_MAX, &n1, &why);
    if (!ok) {
        FUZZ_CHECK(why != NULL && n1 == 0);
        return;
    }
    FUZZ_CHECK(why == NULL && n1 >= 1 && n1 <= TA_MP_PARTS_MAX);
    /* the boundary the reader took */
    char d[TA_MP_BOUNDARY_MAX + 3] = "--";
    FUZZ_CHECK(ta_mp_boundary(mt, d + 2, NULL));
    size_t bl = strlen(d + 2);
    FUZZ_CHECK(bl >= 1 && bl <= TA_MP_BOUNDARY_MAX);
    const uint8_t *prev = body;
    for (size_t i = 0; i < n1; i++) {
        FUZZ_CHECK(p1[i].body >= prev);
        FUZZ_CHECK(p1[i].body + p1[i].body_len <= body + n);
        FUZZ_CHECK(!memmem(p1[i].body, p1[i].body_len, d, bl + 2));
        FUZZ_CHECK(p1[i].type[0] && strlen(p1[i].type) <= TA_MP_TYPE_MAX);
        FUZZ_CHECK(!strstr(p1[i].type, d));
        prev = p1[i].body + p1[i].body_len;
    }
    FUZZ_CHECK(ta_mp_parse(mt, body, n, p2, TA_MP_PARTS_MAX, &n2, NULL));
    FUZZ_CHECK(n2 == n1);
    for (size_t i = 0; i < n1; i++)
        FUZZ_CHECK(p2[i].body == p1[i].body &&
                   p2[i].body_len == p1[i].body_len &&
                   strcmp(p2[i].type, p1[i].type) == 0);
}

static void audit_check(teeattest_ctx *ctx, char *mt, uint8_t *body,
                        size_t n)
{
    teeattest_result *r = NULL;
    FUZZ_CHECK(ta_result_new(ctx, &r) == TEEATTEST_OK);
    ta_aci_session_info si;
    memset(&si, 0, sizeof si);
    si.evidence = body;
    si.evidence_len = n;
    si.evidence_type = mt;
    si.evidence_ok = true;
    json_t *doc = json_object();
    teeattest_evidence *ev = NULL;
    teeattest_policy *pol = NULL;
    FUZZ_CHECK(teeattest_evidence_new(ctx, &ev, NULL) == TEEATTEST_OK);
    FUZZ_CHECK(teeattest_policy_new(ctx, &pol, NULL) == TEEATTEST_OK);
    FUZZ_CHECK(teeattest_policy_set_time(pol, 1782698797, NULL) ==
               TEEATTEST_OK);
    teeattest_error e;
    fuzz_err_reset(&e);
    int rc = ta_aci_session_deep_audit(ctx, r, doc, &si, ev, pol, &e);
    json_decref(doc);
    teeattest_policy_free(pol);
    teeattest_evidence_free(ev);
    FUZZ_CHECK(rc == TEEATTEST_OK);
    FUZZ_CHECK(ta_result_finish(r, &e) == TEEATTEST_OK);
    fuzz_checks_sane(r, "aci.");
    int32_t outcome = 0;
    if (teeattest_result_find_check(r, "aci.session.deep_audit", &outcome,
                                    NULL, NULL) == TEEATTEST_OK)
        FUZZ_CHECK(outcome != TEEATTEST_OUTCOME_PASS);
    teeattest_result_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t *in = data + 1;
    size_t n = size - 1;
    const uint8_t *nl = memchr(in, '\n', n < 300 ? n : 300);
    if (!nl)
        return 0;
    size_t ml = (size_t)(nl - in);
    char mt[301];
    memcpy(mt, in, ml);
    mt[ml] = '\0';
    if (strlen(mt) != ml)
        return 0; /* a NUL inside the media type: a C string cannot hold it */
    size_t bl = n - ml - 1;
    /* a copy of exactly the body's size, so ASan sees any overread */
    uint8_t *body = malloc(bl ? bl : 1);
    FUZZ_CHECK(body != NULL);
    memcpy(body, nl + 1, bl);
    if (data[0] % 2 == 0) {
        parse_check(mt, body, bl);
    } else {
        fuzz_heap heap;
        teeattest_ctx *ctx = fuzz_ctx_new(&heap);
        audit_check(ctx, mt, body, bl);
        fuzz_ctx_done(ctx, &heap);
    }
    free(body);
    return 0;
}
