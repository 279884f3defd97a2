/*
 * teeattest_signature_to_json(): a record parsed from any form is written
 * as a signature-endpoint JSON record that parses back to the same record
 * and still verifies the same exchange.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "api.h"

/* Verify `sig` against the exchange with the expected signer. */
static int32_t verdict_of(const teeattest_signature *sig, const api_exchange *x)
{
    teeattest_result *res = NULL;
    if (teeattest_signature_verify(sig, &res, NULL, x->expected, x->req,
                                   x->req_len, x->resp, x->resp_len,
                                   NULL) != TEEATTEST_OK)
        return -1;
    int32_t v = teeattest_result_verdict(res);
    teeattest_result_free(res);
    return v;
}

/* to_json, parse again, and compare every getter. */
static void round_trip(teeattest_ctx *ctx, const teeattest_signature *sig,
                       const api_exchange *x, const char *label)
{
    size_t len = 0;
    CHECK_EQ_INT(teeattest_signature_to_json(sig, NULL, 0, &len, NULL),
                 TEEATTEST_E_BUFFER_TOO_SMALL);
    CHECK(len > 0);
    char *buf = malloc(len + 1);
    /* One byte short of the NUL is still too small. */
    CHECK_EQ_INT(teeattest_signature_to_json(sig, buf, len, &len, NULL),
                 TEEATTEST_E_BUFFER_TOO_SMALL);
    size_t len2 = 0;
    CHECK_EQ_INT(teeattest_signature_to_json(sig, buf, len + 1, &len2, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(len2, len);
    CHECK_EQ_INT(strlen(buf), len);

    teeattest_signature *again = NULL;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    if (!CHECK_EQ_INT(teeattest_signature_parse_json(ctx, &again,
                                                     (const uint8_t *)buf,
                                                     len, &err),
                      TEEATTEST_OK))
        printf("# %s: %s\n# %s\n", label, err.message, buf);
    if (again) {
        CHECK_EQ_INT(teeattest_signature_algo(again),
                     teeattest_signature_algo(sig));
        CHECK_STR(teeattest_signature_text(again), teeattest_signature_text(sig));
        CHECK_STR(api_show(teeattest_signature_claimed_signer(again)),
                  api_show(teeattest_signature_claimed_signer(sig)));
        CHECK_EQ_INT(verdict_of(again, x), TEEATTEST_VERDICT_VERIFIED);
    }
    teeattest_signature_free(again);
    free(buf);
}

int main(void)
{
    teeattest_ctx *ctx = NULL;
    CHECK_EQ_INT(teeattest_ctx_new(&ctx, NULL, NULL), TEEATTEST_OK);

    /* Real records (endpoint JSON, one without signing_address/algo). */
    static const char *const real[] = {"nearai_cloud_2025_stream",
                                       "phala_inference_api_2024_stream"};
    for (size_t i = 0; i < API_ARRAY_LEN(real); i++) {
        api_exchange x;
        api_real(&x, real[i]);
        teeattest_signature *sig = NULL;
        CHECK_EQ_INT(teeattest_signature_parse_json(ctx, &sig, x.record,
                                                    x.record_len, NULL),
                     TEEATTEST_OK);
        CHECK_EQ_INT(verdict_of(sig, &x), TEEATTEST_VERDICT_VERIFIED);
        round_trip(ctx, sig, &x, real[i]);
        teeattest_signature_free(sig);
        api_exchange_free(&x);
    }

    /* Synthetic vectors: both algorithms, from fields and from headers. */
    static const char *const algos[] = {"ecdsa", "ed25519"};
    for (size_t a = 0; a < API_ARRAY_LEN(algos); a++) {
        api_exchange x;
        api_synthetic(&x, "stream_2part", algos[a]);
        teeattest_signature *sig = NULL;
        CHECK_EQ_INT(teeattest_signature_new(ctx, &sig, x.text, x.signature,
                                             x.address, x.algo, NULL),
                     TEEATTEST_OK);
        round_trip(ctx, sig, &x, algos[a]);
        teeattest_signature_free(sig);

        char headers[1024];
        api_fmt(headers, sizeof headers,
                "text: %s\r\nsignature: %s\r\nsigning_address: %s\r\n"
                "signing_algo: %s\r\n", x.text, x.signature, x.address, x.algo);
        CHECK_EQ_INT(teeattest_signature_parse_headers(ctx, &sig, headers,
                                                       strlen(headers), NULL),
                     TEEATTEST_OK);
        round_trip(ctx, sig, &x, "headers");
        teeattest_signature_free(sig);
        api_exchange_free(&x);
    }

    /* A text with characters JSON must escape survives byte for byte. */
    teeattest_signature *sig = NULL;
    static const char odd_text[] =
        "m\"o\\d\xc3\xa9l:"
        "0000000000000000000000000000000000000000000000000000000000000000:"
        "0000000000000000000000000000000000000000000000000000000000000000";
    char sig_hex[131];
    memset(sig_hex, '1', 128);
    sig_hex[128] = '\0';
    if (CHECK_EQ_INT(teeattest_signature_new(ctx, &sig, odd_text, sig_hex,
                                             NULL, "ed25519", NULL),
                     TEEATTEST_OK)) {
        char buf[1024];
        size_t len = 0;
        CHECK_EQ_INT(teeattest_signature_to_json(sig, buf, sizeof buf, &len,
                                                 NULL), TEEATTEST_OK);
        teeattest_signature *again = NULL;
        CHECK_EQ_INT(teeattest_signature_parse_json(ctx, &again,
                                                    (const uint8_t *)buf, len,
                                                    NULL), TEEATTEST_OK);
        if (again)
            CHECK_STR(teeattest_signature_text(again), odd_text);
        teeattest_signature_free(again);
    }
    teeattest_signature_free(sig);

    /* Misuse. */
    size_t len;
    char buf[8];
    CHECK_EQ_INT(teeattest_signature_to_json(NULL, buf, sizeof buf, &len, NULL),
                 TEEATTEST_E_INVALID_ARG);

    teeattest_ctx_free(ctx);
    return ta_test_done();
}
