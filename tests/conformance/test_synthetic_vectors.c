/*
 * Conformance with shared/fixtures/providers/synthetic_signature_vectors:
 * every vector, in both its ecdsa and its Ed25519 form, parsed from the
 * endpoint JSON, from headers and from fields, verifies against its
 * expected signer and reports the hashes and (ecdsa) the EIP-191 digest
 * that vectors.json records. Nothing here is hard-coded: it is all read
 * from the fixture at run time.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "conformance.h"

#define DIR "providers/synthetic_signature_vectors/"

static struct conf_spy spy;
static teeattest_ctx *ctx;

/* The three ways to build a record must give identical records. */
static teeattest_signature *build(int how, const char *text, const char *sig,
                                  const char *addr, const char *algo)
{
    teeattest_signature *s = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    int rc;
    if (how == 0) {
        json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "text", text, "signature",
                              sig, "signing_address", addr, "signing_algo", algo);
        char *js = json_dumps(o, JSON_COMPACT);
        rc = teeattest_signature_parse_json(ctx, &s, (const uint8_t *)js,
                                            strlen(js), &e);
        free(js);
        json_decref(o);
    } else if (how == 1) {
        char h[2048];
        snprintf(h, sizeof h, "HTTP/1.1 200 OK\r\ntext: %s\r\nsignature: %s\r\n"
                 "signing_address: %s\r\nsigning_algo: %s\r\n\r\n", text, sig,
                 addr, algo);
        rc = teeattest_signature_parse_headers(ctx, &s, h, strlen(h), &e);
    } else {
        rc = teeattest_signature_new(ctx, &s, text, sig, addr, algo, &e);
    }
    if (!CHECK_EQ_INT(rc, TEEATTEST_OK))
        printf("#   %s: %s\n", teeattest_status_name(rc), e.message);
    return s;
}

/* The request body's "model", or NULL. */
static char *request_model(const uint8_t *req, size_t len)
{
    json_t *j = json_loadb((const char *)req, len, 0, NULL);
    const char *m = json_string_value(json_object_get(j, "model"));
    char *r = m ? strdup(m) : NULL;
    json_decref(j);
    return r;
}

static void check_vector(json_t *v, const char *algo_key)
{
    const char *name = conf_str(v, "name");
    const char *text = conf_str(v, "text");
    const char *req_sha = conf_str(v, "request_sha256");
    const char *resp_sha = conf_str(v, "response_sha256");
    json_t *a = json_object_get(v, algo_key);
    const char *algo = conf_str(a, "signing_algo");
    const char *sig_hex = conf_str(a, "signature");
    const char *addr = conf_str(a, "signing_address");
    const char *digest = conf_str(a, "eip191_digest_keccak256");
    printf("# %s / %s\n", name, algo_key);
    if (!CHECK(text && req_sha && resp_sha && algo && sig_hex && addr))
        return;
    bool ecdsa = strcmp(algo, "ecdsa") == 0;
    CHECK(ecdsa || strcmp(algo, "ed25519") == 0);
    if (ecdsa)
        CHECK(digest != NULL);

    char rel[256];
    size_t req_len, resp_len;
    snprintf(rel, sizeof rel, DIR "%s", conf_str(v, "request_body_file"));
    uint8_t *req = conf_file(rel, &req_len);
    snprintf(rel, sizeof rel, DIR "%s", conf_str(v, "response_body_file"));
    uint8_t *resp = conf_file(rel, &resp_len);

    /* The text is [model:]request_sha256:response_sha256. */
    size_t tl = strlen(text);
    CHECK(tl >= 129);
    char *text_model = tl > 130 ? strndup(text, tl - 130) : NULL;
    char *req_model = request_model(req, req_len);
    bool model_matches = !text_model ||
                         (req_model && strcmp(text_model, req_model) == 0);

    char addr_l[80];
    conf_lower(addr_l, sizeof addr_l, addr);
    const char *first_json = NULL;
    teeattest_result *first = NULL;
    for (int how = 0; how < 3; how++) {
        teeattest_signature *s = build(how, text, sig_hex, addr, algo);
        if (!s)
            continue;
        CHECK_EQ_INT(teeattest_signature_algo(s),
                     ecdsa ? TEEATTEST_SIG_ECDSA : TEEATTEST_SIG_ED25519);
        CHECK_STR(teeattest_signature_text(s), text);
        CHECK_STR(teeattest_signature_request_hash(s), req_sha);
        CHECK_STR(teeattest_signature_response_hash(s), resp_sha);
        CHECK_STR(teeattest_signature_claimed_signer(s), addr_l);
        if (text_model)
            CHECK_STR(teeattest_signature_model(s), text_model);
        else
            CHECK(teeattest_signature_model(s) == NULL);

        spy.recover_calls = 0;
        teeattest_result *r = NULL;
        CHECK_EQ_INT(teeattest_signature_verify(s, &r, NULL, addr, req, req_len,
                                                resp, resp_len, NULL),
                     TEEATTEST_OK);
        if (model_matches) {
            if (!CHECK_EQ_INT(teeattest_result_verdict(r),
                              TEEATTEST_VERDICT_VERIFIED))
                conf_dump(r);
        } else {
            /* The text names a model the request did not ask for: only the
             * model check fails, and naming that model in the policy (as
             * a caller knowing the provider's alias would) verifies. */
            CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
            CHECK_EQ_INT(conf_outcome(r, "signature.text.model"),
                         TEEATTEST_OUTCOME_FAIL);
            teeattest_policy *p = NULL;
            teeattest_policy_new(ctx, &p, NULL);
            teeattest_policy_set_expected_model(p, text_model, NULL);
            teeattest_result_free(r);
            r = NULL;
            CHECK_EQ_INT(teeattest_signature_verify(s, &r, p, addr, req, req_len,
                                                    resp, resp_len, NULL),
                         TEEATTEST_OK);
            if (!CHECK_EQ_INT(teeattest_result_verdict(r),
                              TEEATTEST_VERDICT_VERIFIED))
                conf_dump(r);
            teeattest_policy_free(p);
        }
        /* The hashes the library computed are the recorded ones. */
        CHECK_STR(teeattest_result_fact(r, "request_sha256"), req_sha);
        CHECK_STR(teeattest_result_fact(r, "response_sha256"), resp_sha);
        CHECK_STR(teeattest_result_fact(r, "signed_request_sha256"), req_sha);
        CHECK_STR(teeattest_result_fact(r, "signed_response_sha256"), resp_sha);
        CHECK_STR(teeattest_result_fact(r, "signer"), addr_l);
        CHECK_STR(teeattest_result_fact(r, "algorithm"), algo);
        if (text_model)
            CHECK_STR(teeattest_result_fact(r, "model"), text_model);
        if (ecdsa) {
            CHECK_STR(teeattest_result_fact(r, "recovered_signer"), addr_l);
            /* The EIP-191 digest the recovery was asked about. */
            CHECK(spy.recover_calls >= 1);
            char dg[65];
            conf_hex(dg, spy.digest, 32);
            CHECK_STR(dg, digest);
            /* v in {27, 28} maps to the recovery id. */
            size_t sl = strlen(sig_hex);
            int vb = (int)strtol(sig_hex + sl - 2, NULL, 16);
            CHECK(vb == 27 || vb == 28);
            CHECK_EQ_INT(spy.recid, vb - 27);
            char buf[TEEATTEST_SIGNER_MAX];
            CHECK_EQ_INT(teeattest_signature_recover(s, buf, sizeof buf, NULL),
                         TEEATTEST_OK);
            CHECK_STR(buf, addr_l);
        } else {
            CHECK_EQ_INT(spy.recover_calls, 0);
            CHECK(teeattest_result_fact(r, "recovered_signer") == NULL);
        }
        /* Same record, however it was given: same result. */
        const char *js = NULL;
        teeattest_result_to_json(r, &js, NULL, NULL);
        if (!first) {
            first = r;
            first_json = js;
        } else {
            CHECK_STR(js, first_json);
            teeattest_result_free(r);
        }
        teeattest_signature_free(s);
    }
    teeattest_result_free(first);
    free(text_model);
    free(req_model);
    free(req);
    free(resp);
}

int main(void)
{
    ctx = conf_ctx(&spy);
    json_t *root = conf_json(DIR "vectors.json");
    json_t *vectors = json_object_get(root, "vectors");
    CHECK(json_array_size(vectors) > 0);
    size_t i;
    json_t *v;
    size_t n = 0;
    json_array_foreach(vectors, i, v) {
        check_vector(v, "ecdsa");
        check_vector(v, "ed25519");
        n++;
    }
    printf("# %zu vectors, both algorithms\n", n);
    json_decref(root);
    teeattest_ctx_free(ctx);
    return ta_test_done();
}
