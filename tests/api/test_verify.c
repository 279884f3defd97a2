/*
 * Verification semantics through the public API: the checklist (names,
 * order, outcomes, required flags), facts, the low-s rule (a warning by
 * default, a failure under the strict policy), every accepted form of an expected signer, Ed25519 with
 * and without a pinned key, the model check of three-part texts, and the
 * require-signer policy.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "api.h"

static teeattest_ctx *ctx;

enum { PASS = TEEATTEST_OUTCOME_PASS, FAIL = TEEATTEST_OUTCOME_FAIL,
       SKIP = TEEATTEST_OUTCOME_SKIP, WARN = TEEATTEST_OUTCOME_WARN };
#define VERIFIED TEEATTEST_VERDICT_VERIFIED
#define FAILED TEEATTEST_VERDICT_FAILED

static teeattest_signature *record(const api_exchange *x, const char *sig_hex,
                                   bool with_address, bool with_algo)
{
    teeattest_signature *s = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    int rc = teeattest_signature_new(ctx, &s, x->text, sig_hex ? sig_hex
                                                               : x->signature,
                                     with_address && x->address[0] ? x->address
                                                                   : NULL,
                                     with_algo && x->algo[0] ? x->algo : NULL,
                                     &e);
    if (rc != TEEATTEST_OK) {
        printf("Bail out! record for %s: %s %s\n", x->name,
               teeattest_status_name(rc), e.message);
        exit(1);
    }
    return s;
}

static teeattest_result *run(const teeattest_signature *s,
                             const teeattest_policy *p, const char *expected,
                             const api_exchange *x)
{
    teeattest_result *r = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    int rc = teeattest_signature_verify(s, &r, p, expected, x->req, x->req_len,
                                        x->resp, x->resp_len, &e);
    if (rc != TEEATTEST_OK) {
        printf("#   verify failed: %s %s\n", teeattest_status_name(rc), e.message);
        return NULL;
    }
    return r;
}

/* The checklist as "name=outcome[!]" items ('!' = required), for exact
 * comparisons of names, order, outcomes and flags at once. */
static void checklist(const teeattest_result *r, char *out, size_t cap)
{
    static const char *const oc[] = {"?", "pass", "fail", "skip", "warn"};
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < teeattest_result_check_count(r); i++) {
        const char *name = NULL, *detail = NULL;
        int32_t outcome = 0, req = 0;
        teeattest_result_check(r, i, &name, &outcome, &detail, &req, NULL);
        o += (size_t)api_fmt(out + o, cap - o, "%s%s=%s%s", i ? " " : "", name,
                             outcome >= 1 && outcome <= 4 ? oc[outcome] : "?",
                             req ? "!" : "");
        if (!detail)
            o += (size_t)api_fmt(out + o, cap - o, "(NULL detail)");
    }
}

#define CHECK_LIST(r, want) \
    do { \
        char got_[1024]; \
        checklist((r), got_, sizeof got_); \
        CHECK_STR(got_, (want)); \
    } while (0)

/* ---- secp256k1 arithmetic for the high-s twin ------------------------- */

static int nib(char c)
{
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* The malleable twin of an ecdsa signature: s' = n - s, v parity flipped.
 * It recovers the same public key. */
static void high_s_twin(char *out, size_t cap, const char *sig_hex)
{
    static const uint8_t n[32] = {
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFE, 0xBA, 0xAE, 0xDC, 0xE6, 0xAF, 0x48,
        0xA0, 0x3B, 0xBF, 0xD2, 0x5E, 0x8C, 0xD0, 0x36, 0x41, 0x41};
    const char *h = sig_hex + (sig_hex[1] == 'x' ? 2 : 0);
    uint8_t b[65];
    for (int i = 0; i < 65; i++)
        b[i] = (uint8_t)(nib(h[2 * i]) << 4 | nib(h[2 * i + 1]));
    int borrow = 0;
    for (int i = 31; i >= 0; i--) {
        int t = n[i] - b[32 + i] - borrow;
        borrow = t < 0;
        b[32 + i] = (uint8_t)(t + (borrow ? 256 : 0));
    }
    b[64] = b[64] == 27 ? 28 : b[64] == 28 ? 27 : (uint8_t)(b[64] ^ 1);
    size_t o = (size_t)api_fmt(out, cap, "0x");
    for (int i = 0; i < 65; i++)
        o += (size_t)api_fmt(out + o, cap - o, "%02x", b[i]);
}

static void test_low_s(void)
{
    api_exchange x;
    api_synthetic(&x, "nonstream_2part", "ecdsa");
    char hs[140];
    high_s_twin(hs, sizeof hs, x.signature);
    teeattest_signature *sig = record(&x, hs, true, true);

    /* Same signer, recovered from the twin. */
    char buf[TEEATTEST_SIGNER_MAX];
    CHECK_EQ_INT(teeattest_signature_recover(sig, buf, sizeof buf, NULL),
                 TEEATTEST_OK);
    CHECK_STR(buf, x.address);

    /* Default policy (NULL or new): a warning, and verified; the signer
     * is the one that signed, whichever form s has. */
    teeattest_result *r = run(sig, NULL, x.expected, &x);
    CHECK_EQ_INT(teeattest_result_verdict(r), VERIFIED);
    CHECK_LIST(r, "signature.hash.request=pass! signature.hash.response=pass! "
                  "signature.text.model=skip signature.ecdsa.low_s=warn "
                  "signature.ecdsa.recover=pass! signature.signer.claimed=pass! "
                  "signature.signer.expected=pass!");
    const char *detail = NULL;
    int32_t req = -1;
    CHECK_EQ_INT(teeattest_result_find_check(r, "signature.ecdsa.low_s", NULL,
                                             &detail, NULL), TEEATTEST_OK);
    CHECK(detail && strstr(detail, "upper half") != NULL);
    CHECK(detail && strstr(detail, "the key still signed this text") != NULL);
    CHECK_STR(teeattest_result_fact(r, "signer"), x.address);
    teeattest_result_free(r);
    teeattest_policy *lenient = NULL;
    teeattest_policy_new(ctx, &lenient, NULL);
    r = run(sig, lenient, x.expected, &x);
    CHECK_EQ_INT(teeattest_result_verdict(r), VERIFIED);
    CHECK_EQ_INT(api_outcome(r, "signature.ecdsa.low_s"), WARN);
    for (size_t i = 0; i < teeattest_result_check_count(r); i++) {
        const char *name;
        teeattest_result_check(r, i, &name, NULL, &detail, &req, NULL);
        if (strcmp(name, "signature.ecdsa.low_s") == 0)
            break;
    }
    CHECK_EQ_INT(req, 0);
    teeattest_result_free(r);

    /* Strict policy: rejected, a required failure naming the policy. */
    teeattest_policy *strict = NULL;
    teeattest_policy_new(ctx, &strict, NULL);
    teeattest_policy_set_ecdsa_strict(strict, 1, NULL);
    r = run(sig, strict, x.expected, &x);
    CHECK_EQ_INT(teeattest_result_verdict(r), FAILED);
    CHECK_LIST(r, "signature.hash.request=pass! signature.hash.response=pass! "
                  "signature.text.model=skip signature.ecdsa.low_s=fail! "
                  "signature.ecdsa.recover=pass! signature.signer.claimed=pass! "
                  "signature.signer.expected=pass!");
    CHECK_EQ_INT(teeattest_result_find_check(r, "signature.ecdsa.low_s", NULL,
                                             &detail, NULL), TEEATTEST_OK);
    CHECK(detail && strstr(detail, "strict") != NULL);
    teeattest_result_free(r);
    /* ... and back to lenient. */
    teeattest_policy_set_ecdsa_strict(strict, 0, NULL);
    r = run(sig, strict, x.expected, &x);
    CHECK_EQ_INT(teeattest_result_verdict(r), VERIFIED);
    teeattest_result_free(r);
    teeattest_policy_set_ecdsa_strict(strict, 1, NULL);

    /* The original low-s form passes either way. */
    teeattest_signature *low = record(&x, NULL, true, true);
    r = run(low, lenient, x.expected, &x);
    CHECK_EQ_INT(api_outcome(r, "signature.ecdsa.low_s"), PASS);
    CHECK_EQ_INT(teeattest_result_verdict(r), VERIFIED);
    teeattest_result_free(r);
    r = run(low, strict, x.expected, &x);
    CHECK_EQ_INT(api_outcome(r, "signature.ecdsa.low_s"), PASS);
    CHECK_EQ_INT(teeattest_result_verdict(r), VERIFIED);
    teeattest_result_free(r);

    /* Accepting high s by default accepts no other key: s negated
     * without flipping v recovers a different key, which fails the
     * claimed and the expected signer, strict or not. */
    char wrong_v[140];
    api_fmt(wrong_v, sizeof wrong_v, "%s", hs);
    unsigned hv = (unsigned)(nib(wrong_v[130]) << 4 | nib(wrong_v[131]));
    api_fmt(wrong_v + 130, 3, "%02x", hv == 27 ? 28 : 27);
    teeattest_signature *wv = record(&x, wrong_v, true, true);
    r = run(wv, NULL, x.expected, &x);
    CHECK_EQ_INT(teeattest_result_verdict(r), FAILED);
    CHECK_EQ_INT(api_outcome(r, "signature.ecdsa.low_s"), WARN);
    CHECK_EQ_INT(api_outcome(r, "signature.signer.claimed"), FAIL);
    CHECK_EQ_INT(api_outcome(r, "signature.signer.expected"), FAIL);
    teeattest_result_free(r);
    teeattest_signature_free(wv);

    /* The twin with v as 0/1 instead of 27/28: the same outcome. */
    char v01[140];
    api_fmt(v01, sizeof v01, "%s", hs);
    unsigned v = (unsigned)(nib(v01[130]) << 4 | nib(v01[131]));
    api_fmt(v01 + 130, 3, "%02x", v - 27);
    teeattest_signature *sig01 = record(&x, v01, true, true);
    r = run(sig01, lenient, x.expected, &x);
    CHECK_EQ_INT(teeattest_result_verdict(r), VERIFIED);
    teeattest_result_free(r);
    r = run(sig01, NULL, x.expected, &x);
    CHECK_EQ_INT(teeattest_result_verdict(r), VERIFIED);
    CHECK_EQ_INT(api_outcome(r, "signature.ecdsa.low_s"), WARN);
    teeattest_result_free(r);
    r = run(sig01, strict, x.expected, &x);
    CHECK_EQ_INT(teeattest_result_verdict(r), FAILED);
    teeattest_result_free(r);

    teeattest_signature_free(sig01);
    teeattest_signature_free(low);
    teeattest_signature_free(sig);
    teeattest_policy_free(strict);
    teeattest_policy_free(lenient);
    api_exchange_free(&x);
}

static void test_expected_signer_forms(void)
{
    api_exchange x;
    api_synthetic(&x, "stream_2part", "ecdsa");
    teeattest_signature *sig = record(&x, NULL, true, true);
    char up[64], bare[64], upx[64];
    api_fmt(bare, sizeof bare, "%s", x.address + 2);
    api_fmt(up, sizeof up, "0x%s", x.address + 2);
    for (char *p = up + 2; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 32);
    api_fmt(upx, sizeof upx, "0X%s", up + 2);
    const char *forms[] = {
        x.address,                                        /* lower case */
        "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf",     /* EIP-55 */
        up,                                               /* upper-case hex */
        upx,                                              /* "0X" */
        bare,                                             /* without 0x */
        up + 2,                                           /* upper, bare */
    };
    for (size_t i = 0; i < API_ARRAY_LEN(forms); i++) {
        teeattest_result *r = run(sig, NULL, forms[i], &x);
        if (!CHECK_EQ_INT(teeattest_result_verdict(r), VERIFIED))
            printf("#   expected signer \"%s\"\n", forms[i]);
        CHECK_STR(teeattest_result_fact(r, "signer_source"), "pinned");
        teeattest_result_free(r);
    }
    /* A bad EIP-55 checksum is refused as malformed, not as "another
     * signer": it is a typo guard. */
    teeattest_result *r = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    CHECK_EQ_INT(teeattest_signature_verify(sig, &r, NULL,
                                            "0x7e5F4552091A69125d5DfCb7b8C2659029395Bdf",
                                            x.req, x.req_len, x.resp, x.resp_len,
                                            &e), TEEATTEST_E_SIGNER_FORMAT);
    CHECK_STR(e.where, "expected_signer");
    CHECK(r == NULL);
    /* An ed25519 key is not an address. */
    CHECK_EQ_INT(teeattest_signature_verify(
                     sig, &r, NULL,
                     "8139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b394",
                     x.req, x.req_len, x.resp, x.resp_len, &e),
                 TEEATTEST_E_SIGNER_FORMAT);
    /* Another well-formed address: the signature is fine, the signer is
     * not the one expected. */
    r = run(sig, NULL, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", &x);
    CHECK_EQ_INT(teeattest_result_verdict(r), FAILED);
    CHECK_EQ_INT(api_outcome(r, "signature.ecdsa.recover"), PASS);
    CHECK_EQ_INT(api_outcome(r, "signature.signer.claimed"), PASS);
    CHECK_EQ_INT(api_outcome(r, "signature.signer.expected"), FAIL);
    teeattest_result_free(r);

    /* No expected signer: required by default. */
    r = run(sig, NULL, NULL, &x);
    CHECK_EQ_INT(teeattest_result_verdict(r), FAILED);
    CHECK_LIST(r, "signature.hash.request=pass! signature.hash.response=pass! "
                  "signature.text.model=skip signature.ecdsa.low_s=pass! "
                  "signature.ecdsa.recover=pass! signature.signer.claimed=pass! "
                  "signature.signer.expected=skip!");
    CHECK_STR(ta_test_fact(r, "signer_source"), "none");
    CHECK_STR(ta_test_fact(r, "signer"), x.address);
    teeattest_result_free(r);
    teeattest_policy *p = NULL;
    teeattest_policy_new(ctx, &p, NULL);
    teeattest_policy_set_require_signer(p, 0, NULL);
    r = run(sig, p, NULL, &x);
    CHECK_EQ_INT(teeattest_result_verdict(r), VERIFIED);
    CHECK_EQ_INT(api_outcome(r, "signature.signer.expected"), SKIP);
    teeattest_result_free(r);
    /* The policy does not weaken a pinned signer. */
    r = run(sig, p, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", &x);
    CHECK_EQ_INT(teeattest_result_verdict(r), FAILED);
    teeattest_result_free(r);

    /* The record claims another (valid) signer than the one recovered. */
    teeattest_signature *liar = NULL;
    CHECK_EQ_INT(teeattest_signature_new(ctx, &liar, x.text, x.signature,
                                         "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
                                         "ecdsa", NULL), TEEATTEST_OK);
    r = run(liar, NULL, x.expected, &x);
    CHECK_EQ_INT(teeattest_result_verdict(r), FAILED);
    CHECK_EQ_INT(api_outcome(r, "signature.signer.claimed"), FAIL);
    CHECK_EQ_INT(api_outcome(r, "signature.signer.expected"), PASS);
    CHECK_STR(ta_test_fact(r, "claimed_signer"),
              "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed");
    teeattest_result_free(r);
    r = run(liar, p, NULL, &x);
    CHECK_EQ_INT(teeattest_result_verdict(r), FAILED);
    teeattest_result_free(r);

    /* Without a claim the claimed check is skipped (not required). */
    teeattest_signature *anon = record(&x, NULL, false, false);
    r = run(anon, NULL, x.expected, &x);
    CHECK_EQ_INT(teeattest_result_verdict(r), VERIFIED);
    CHECK_EQ_INT(api_outcome(r, "signature.signer.claimed"), SKIP);
    CHECK(teeattest_result_fact(r, "claimed_signer") == NULL);
    teeattest_result_free(r);

    teeattest_signature_free(anon);
    teeattest_signature_free(liar);
    teeattest_signature_free(sig);
    teeattest_policy_free(p);
    api_exchange_free(&x);
}

static void test_facts(void)
{
    api_exchange x;
    api_real(&x, "nearai_cloud_2025_stream");
    teeattest_signature *sig = NULL;
    CHECK_EQ_INT(teeattest_signature_parse_json(ctx, &sig, x.record, x.record_len,
                                                NULL), TEEATTEST_OK);
    /* Pinned as the record writes it (EIP-55). */
    teeattest_result *r = run(sig, NULL, x.address, &x);
    CHECK_EQ_INT(teeattest_result_verdict(r), VERIFIED);
    CHECK_LIST(r, "signature.hash.request=pass! signature.hash.response=pass! "
                  "signature.text.model=skip signature.ecdsa.low_s=pass! "
                  "signature.ecdsa.recover=pass! signature.signer.claimed=pass! "
                  "signature.signer.expected=pass!");
    CHECK_STR(teeattest_result_fact(r, "algorithm"), "ecdsa");
    CHECK_STR(teeattest_result_fact(r, "signer"), x.expected);
    CHECK_STR(teeattest_result_fact(r, "recovered_signer"), x.expected);
    CHECK_STR(teeattest_result_fact(r, "claimed_signer"), x.expected);
    CHECK_STR(teeattest_result_fact(r, "signer_source"), "pinned");
    CHECK_STR(teeattest_result_fact(r, "attestation_checked"), "false");
    CHECK(teeattest_result_fact(r, "model") == NULL);
    CHECK(strncmp(teeattest_result_fact(r, "request_sha256"), x.text, 64) == 0);
    CHECK_STR(teeattest_result_fact(r, "response_sha256"), x.text + 65);
    CHECK_STR(teeattest_result_fact(r, "signed_request_sha256"),
              teeattest_result_fact(r, "request_sha256"));
    CHECK_STR(teeattest_result_fact(r, "signed_response_sha256"),
              teeattest_result_fact(r, "response_sha256"));
    const char *js = NULL;
    teeattest_result_to_json(r, &js, NULL, NULL);
    CHECK(js && strstr(js, "\"attestation_checked\":false") != NULL);
    CHECK(js && strncmp(js, "{\"verdict\":\"verified\"", 21) == 0);
    teeattest_result_free(r);

    /* Request and response swapped: both hashes fail; the computed hashes
     * are reported next to the signed ones. */
    teeattest_result *sw = NULL;
    CHECK_EQ_INT(teeattest_signature_verify(sig, &sw, NULL, x.expected, x.resp,
                                            x.resp_len, x.req, x.req_len, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_result_verdict(sw), FAILED);
    CHECK_EQ_INT(api_outcome(sw, "signature.hash.request"), FAIL);
    CHECK_EQ_INT(api_outcome(sw, "signature.hash.response"), FAIL);
    CHECK_STR(ta_test_fact(sw, "request_sha256"), x.text + 65);
    teeattest_result_free(sw);
    /* Empty bodies. */
    CHECK_EQ_INT(teeattest_signature_verify(sig, &sw, NULL, x.expected, NULL, 0,
                                            NULL, 0, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_result_verdict(sw), FAILED);
    CHECK_STR(ta_test_fact(sw, "request_sha256"),
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    teeattest_result_free(sw);
    teeattest_signature_free(sig);
    api_exchange_free(&x);

    /* The 2024 Phala record names no signer: pin the recovered one. */
    api_real(&x, "phala_inference_api_2024_stream");
    CHECK_EQ_INT(teeattest_signature_parse_json(ctx, &sig, x.record, x.record_len,
                                                NULL), TEEATTEST_OK);
    r = run(sig, NULL, x.expected, &x);
    CHECK_EQ_INT(teeattest_result_verdict(r), VERIFIED);
    CHECK_EQ_INT(api_outcome(r, "signature.signer.claimed"), SKIP);
    CHECK_STR(teeattest_result_fact(r, "signer"), x.expected);
    teeattest_result_free(r);
    teeattest_signature_free(sig);
    api_exchange_free(&x);
}

static void test_ed25519(void)
{
    api_exchange x;
    api_synthetic(&x, "stream_2part", "ed25519");
    teeattest_signature *sig = record(&x, NULL, true, true);
    /* Pinned key, in lower and upper case. */
    teeattest_result *r = run(sig, NULL, x.expected, &x);
    CHECK_EQ_INT(teeattest_result_verdict(r), VERIFIED);
    CHECK_LIST(r, "signature.hash.request=pass! signature.hash.response=pass! "
                  "signature.text.model=skip signature.ed25519.verify=pass! "
                  "signature.signer.claimed=pass! "
                  "signature.signer.expected=pass!");
    CHECK_STR(teeattest_result_fact(r, "algorithm"), "ed25519");
    CHECK_STR(teeattest_result_fact(r, "signer"), x.address);
    CHECK(teeattest_result_fact(r, "recovered_signer") == NULL);
    teeattest_result_free(r);
    char up[80];
    api_fmt(up, sizeof up, "%s", x.address);
    for (char *p = up; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 32);
    r = run(sig, NULL, up, &x);
    CHECK_EQ_INT(teeattest_result_verdict(r), VERIFIED);
    teeattest_result_free(r);
    /* Recovery is not possible for Ed25519. */
    char buf[TEEATTEST_SIGNER_MAX];
    CHECK_EQ_INT(teeattest_signature_recover(sig, buf, sizeof buf, NULL),
                 TEEATTEST_E_UNSUPPORTED);

    /* Another key pinned (RFC 8032 TEST 1's): nothing verifies. */
    const char *other =
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    r = run(sig, NULL, other, &x);
    CHECK_EQ_INT(teeattest_result_verdict(r), FAILED);
    CHECK_EQ_INT(api_outcome(r, "signature.ed25519.verify"), FAIL);
    CHECK_EQ_INT(api_outcome(r, "signature.signer.claimed"), FAIL);
    CHECK_EQ_INT(api_outcome(r, "signature.signer.expected"), FAIL);
    CHECK(teeattest_result_fact(r, "signer") == NULL);
    teeattest_result_free(r);
    /* An address is not an Ed25519 key. */
    teeattest_error e = TEEATTEST_ERROR_INIT;
    CHECK_EQ_INT(teeattest_signature_verify(sig, &r, NULL,
                                            "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf",
                                            x.req, x.req_len, x.resp, x.resp_len,
                                            &e), TEEATTEST_E_SIGNER_FORMAT);

    /* No pinned key: verified under the claimed key, but unbound. */
    r = run(sig, NULL, NULL, &x);
    CHECK_EQ_INT(teeattest_result_verdict(r), FAILED);
    CHECK_EQ_INT(api_outcome(r, "signature.ed25519.verify"), PASS);
    CHECK_EQ_INT(api_outcome(r, "signature.signer.expected"), SKIP);
    teeattest_result_free(r);
    teeattest_policy *p = NULL;
    teeattest_policy_new(ctx, &p, NULL);
    teeattest_policy_set_require_signer(p, 0, NULL);
    r = run(sig, p, NULL, &x);
    CHECK_EQ_INT(teeattest_result_verdict(r), VERIFIED);
    teeattest_result_free(r);

    /* A record naming no key, and no pinned key: nothing to verify with. */
    teeattest_signature *anon = record(&x, NULL, false, true);
    r = run(anon, p, NULL, &x);
    CHECK_EQ_INT(teeattest_result_verdict(r), FAILED);
    CHECK_EQ_INT(api_outcome(r, "signature.ed25519.verify"), FAIL);
    teeattest_result_free(r);
    /* ... with a pinned key it verifies, the claim being skipped. */
    r = run(anon, NULL, x.expected, &x);
    CHECK_EQ_INT(teeattest_result_verdict(r), VERIFIED);
    CHECK_EQ_INT(api_outcome(r, "signature.signer.claimed"), SKIP);
    teeattest_result_free(r);
    /* A record claiming another key than the pinned (right) one. */
    teeattest_signature *liar = NULL;
    CHECK_EQ_INT(teeattest_signature_new(ctx, &liar, x.text, x.signature, other,
                                         "ed25519", NULL), TEEATTEST_OK);
    r = run(liar, NULL, x.expected, &x);
    CHECK_EQ_INT(teeattest_result_verdict(r), FAILED);
    CHECK_EQ_INT(api_outcome(r, "signature.ed25519.verify"), PASS);
    CHECK_EQ_INT(api_outcome(r, "signature.signer.claimed"), FAIL);
    teeattest_result_free(r);
    r = run(liar, p, NULL, &x);
    CHECK_EQ_INT(teeattest_result_verdict(r), FAILED);
    teeattest_result_free(r);

    teeattest_signature_free(liar);
    teeattest_signature_free(anon);
    teeattest_signature_free(sig);
    teeattest_policy_free(p);
    api_exchange_free(&x);
}

static void test_model(void)
{
    /* "demo-model:req:resp" and the request says "demo-model". */
    for (int a = 0; a < 2; a++) {
        api_exchange x;
        api_synthetic(&x, "nonstream_3part_model_prefixed", a ? "ed25519" : "ecdsa");
        teeattest_signature *sig = record(&x, NULL, true, true);
        CHECK_STR(teeattest_signature_model(sig), "demo-model");
        teeattest_result *r = run(sig, NULL, x.expected, &x);
        CHECK_EQ_INT(teeattest_result_verdict(r), VERIFIED);
        CHECK_EQ_INT(api_outcome(r, "signature.text.model"), PASS);
        CHECK_STR(teeattest_result_fact(r, "model"), "demo-model");
        const char *detail = NULL;
        teeattest_result_find_check(r, "signature.text.model", NULL, &detail, NULL);
        CHECK(detail && strstr(detail, "request body") != NULL);
        teeattest_result_free(r);

        /* The policy's model wins over the request's. */
        teeattest_policy *p = NULL;
        teeattest_policy_new(ctx, &p, NULL);
        teeattest_policy_set_expected_model(p, "demo-model", NULL);
        r = run(sig, p, x.expected, &x);
        CHECK_EQ_INT(teeattest_result_verdict(r), VERIFIED);
        teeattest_result_free(r);
        teeattest_policy_set_expected_model(p, "other-model", NULL);
        r = run(sig, p, x.expected, &x);
        CHECK_EQ_INT(teeattest_result_verdict(r), FAILED);
        CHECK_EQ_INT(api_outcome(r, "signature.text.model"), FAIL);
        teeattest_result_find_check(r, "signature.text.model", NULL, &detail, NULL);
        CHECK(detail && strstr(detail, "other-model") != NULL);
        teeattest_result_free(r);
        /* Comparison is exact (case, prefixes). */
        teeattest_policy_set_expected_model(p, "Demo-model", NULL);
        r = run(sig, p, x.expected, &x);
        CHECK_EQ_INT(api_outcome(r, "signature.text.model"), FAIL);
        teeattest_result_free(r);
        teeattest_policy_set_expected_model(p, "demo-model ", NULL);
        r = run(sig, p, x.expected, &x);
        CHECK_EQ_INT(api_outcome(r, "signature.text.model"), FAIL);
        teeattest_result_free(r);
        /* Back to the request's model. */
        teeattest_policy_set_expected_model(p, NULL, NULL);
        r = run(sig, p, x.expected, &x);
        CHECK_EQ_INT(teeattest_result_verdict(r), VERIFIED);
        teeattest_result_free(r);

        /* No model known at all (the request is not JSON with "model"):
         * the check fails rather than passes. */
        teeattest_result *nr = NULL;
        CHECK_EQ_INT(teeattest_signature_verify(sig, &nr, NULL, x.expected,
                                                (const uint8_t *)"{\"m\":1}", 7,
                                                x.resp, x.resp_len, NULL),
                     TEEATTEST_OK);
        CHECK_EQ_INT(api_outcome(nr, "signature.text.model"), FAIL);
        teeattest_result_free(nr);
        CHECK_EQ_INT(teeattest_signature_verify(sig, &nr, NULL, x.expected,
                                                (const uint8_t *)"{\"model\":7}",
                                                11, x.resp, x.resp_len, NULL),
                     TEEATTEST_OK);
        CHECK_EQ_INT(api_outcome(nr, "signature.text.model"), FAIL);
        teeattest_result_free(nr);
        teeattest_policy_free(p);
        teeattest_signature_free(sig);
        api_exchange_free(&x);
    }

    /* "model-0:req:resp" against a request for "demo-model": mismatch. */
    api_exchange x;
    api_synthetic(&x, "nonstream_3part_v27", "ecdsa");
    teeattest_signature *sig = record(&x, NULL, true, true);
    CHECK_STR(teeattest_signature_model(sig), "model-0");
    teeattest_result *r = run(sig, NULL, x.expected, &x);
    CHECK_EQ_INT(teeattest_result_verdict(r), FAILED);
    CHECK_LIST(r, "signature.hash.request=pass! signature.hash.response=pass! "
                  "signature.text.model=fail! signature.ecdsa.low_s=pass! "
                  "signature.ecdsa.recover=pass! signature.signer.claimed=pass! "
                  "signature.signer.expected=pass!");
    teeattest_result_free(r);
    teeattest_policy *p = NULL;
    teeattest_policy_new(ctx, &p, NULL);
    teeattest_policy_set_expected_model(p, "model-0", NULL);
    r = run(sig, p, x.expected, &x);
    CHECK_EQ_INT(teeattest_result_verdict(r), VERIFIED);
    teeattest_result_free(r);
    teeattest_policy_free(p);
    teeattest_signature_free(sig);
    api_exchange_free(&x);
}

/* Records whose text carries bytes that are not UTF-8 (possible through
 * headers or fields) still give a result, with valid UTF-8 strings. */
static void test_untrusted_model_bytes(void)
{
    api_exchange x;
    api_synthetic(&x, "nonstream_2part", "ecdsa");
    char text[1024];
    api_fmt(text, sizeof text, "m\xff\xc3:%s", x.text);
    teeattest_signature *sig = NULL;
    CHECK_EQ_INT(teeattest_signature_new(ctx, &sig, text, x.signature, NULL,
                                         NULL, NULL), TEEATTEST_OK);
    teeattest_result *r = NULL;
    CHECK_EQ_INT(teeattest_signature_verify(sig, &r, NULL, x.expected, x.req,
                                            x.req_len, x.resp, x.resp_len, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_result_verdict(r), FAILED);
    const char *js = NULL;
    CHECK_EQ_INT(teeattest_result_to_json(r, &js, NULL, NULL), TEEATTEST_OK);
    CHECK(js && strstr(js, "\xff") == NULL);
    teeattest_result_free(r);
    teeattest_signature_free(sig);
    /* A long model of two-byte characters, cut by the detail's length
     * limit in the middle of one. */
    size_t o = 0;
    for (int i = 0; i < 300; i++)
        o += (size_t)api_fmt(text + o, sizeof text - o, "\xc3\xa9");
    api_fmt(text + o, sizeof text - o, "x:%s", x.text);
    CHECK_EQ_INT(teeattest_signature_new(ctx, &sig, text, x.signature, NULL,
                                         NULL, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_signature_verify(sig, &r, NULL, x.expected, x.req,
                                            x.req_len, x.resp, x.resp_len, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(api_outcome(r, "signature.text.model"), FAIL);
    CHECK_EQ_INT(teeattest_result_to_json(r, &js, NULL, NULL), TEEATTEST_OK);
    teeattest_result_free(r);
    teeattest_signature_free(sig);
    api_exchange_free(&x);
}

int main(void)
{
    ctx = api_ctx();
    test_low_s();
    test_expected_signer_forms();
    test_facts();
    test_ed25519();
    test_model();
    test_untrusted_model_bytes();
    teeattest_ctx_free(ctx);
    return ta_test_done();
}
