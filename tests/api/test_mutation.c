/*
 * Exhaustive single-byte mutation. For both real exchanges and for
 * synthetic ecdsa and Ed25519 vectors (two- and three-part texts), every
 * byte of the request, the response, the signed text, the signature and
 * the claimed signer is changed in turn, several ways. Each variant must
 * give either a parse error with the status that field's encoding calls
 * for, or a verification that runs and returns the verdict "failed" -
 * never "verified".
 *
 * Only value-changing edits are applied to hex strings of the signature
 * and the signer (flipping the case of a hex letter, or of the "x" of "0x",
 * leaves the bytes unchanged and legitimately still verifies). The signed
 * text is different: its exact bytes are what was signed, so even a case
 * flip of a hash digit must fail.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "api.h"

static teeattest_ctx *ctx;

struct tally {
    size_t variants, parse_errors, failed, bad;
};

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
           (c >= 'A' && c <= 'F');
}

/* Another hex digit with a different value. */
static char other_hex(char c)
{
    return c == '0' ? '1' : '0';
}

static void report(struct tally *t, const char *what, const char *where,
                   size_t i, int rc, int verdict)
{
    t->bad++;
    if (t->bad <= 20)
        printf("#   %s: %s byte %zu: status %s, verdict %d\n", what, where, i,
               teeattest_status_name(rc), verdict);
}

/* Verify with the exchange's expected signer; returns the verdict or -1
 * when the call itself failed. */
static int verdict_of(const teeattest_signature *sig, const api_exchange *x,
                      const uint8_t *req, const uint8_t *resp,
                      const char *bad_check)
{
    teeattest_result *r = NULL;
    int rc = teeattest_signature_verify(sig, &r, NULL, x->expected, req,
                                        x->req_len, resp, x->resp_len, NULL);
    if (rc != TEEATTEST_OK)
        return -1;
    int v = teeattest_result_verdict(r);
    /* When the body was changed, the matching hash check is what fails. */
    if (bad_check && api_outcome(r, bad_check) != TEEATTEST_OUTCOME_FAIL)
        v = -2;
    teeattest_result_free(r);
    return v;
}

static void mutate_bodies(const api_exchange *x, const teeattest_signature *sig,
                          struct tally *t)
{
    static const uint8_t masks[] = {0x01, 0x80};
    uint8_t *req = malloc(x->req_len), *resp = malloc(x->resp_len);
    memcpy(req, x->req, x->req_len);
    memcpy(resp, x->resp, x->resp_len);
    for (size_t m = 0; m < API_ARRAY_LEN(masks); m++) {
        for (size_t i = 0; i < x->req_len; i++) {
            req[i] ^= masks[m];
            int v = verdict_of(sig, x, req, resp, "signature.hash.request");
            req[i] ^= masks[m];
            t->variants++;
            if (v == TEEATTEST_VERDICT_FAILED)
                t->failed++;
            else
                report(t, x->name, "request", i, 0, v);
        }
        for (size_t i = 0; i < x->resp_len; i++) {
            resp[i] ^= masks[m];
            int v = verdict_of(sig, x, req, resp, "signature.hash.response");
            resp[i] ^= masks[m];
            t->variants++;
            if (v == TEEATTEST_VERDICT_FAILED)
                t->failed++;
            else
                report(t, x->name, "response", i, 0, v);
        }
    }
    /* One byte more and one byte less. */
    int v = verdict_of(sig, x, req, resp, NULL);
    CHECK_EQ_INT(v, TEEATTEST_VERDICT_VERIFIED); /* unmutated, still fine */
    teeattest_result *r = NULL;
    teeattest_signature_verify(sig, &r, NULL, x->expected, req, x->req_len - 1,
                               resp, x->resp_len, NULL);
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    teeattest_result_free(r);
    teeattest_signature_verify(sig, &r, NULL, x->expected, req, x->req_len,
                               resp, x->resp_len - 1, NULL);
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    teeattest_result_free(r);
    free(req);
    free(resp);
}

enum field { F_TEXT, F_SIG, F_ADDR, F_ALGO };

/* Build a record from the exchange's fields with one of them replaced,
 * then verify it. `parse_status` is the status a broken encoding of that
 * field must give. */
static void try_record(const api_exchange *x, enum field f, const char *value,
                       int parse_status, size_t i, struct tally *t)
{
    const char *text = f == F_TEXT ? value : x->text;
    const char *sig_hex = f == F_SIG ? value : x->signature;
    const char *addr = f == F_ADDR ? value : x->address[0] ? x->address : NULL;
    const char *algo = f == F_ALGO ? value : x->algo[0] ? x->algo : NULL;
    static const char *const names[] = {"text", "signature", "signing_address",
                                        "signing_algo"};
    teeattest_signature *sig = NULL;
    int rc = teeattest_signature_new(ctx, &sig, text, sig_hex, addr, algo, NULL);
    t->variants++;
    if (rc != TEEATTEST_OK) {
        if (rc == parse_status && sig == NULL)
            t->parse_errors++;
        else
            report(t, x->name, names[f], i, rc, -1);
        return;
    }
    int v = verdict_of(sig, x, x->req, x->resp, NULL);
    teeattest_signature_free(sig);
    if (v == TEEATTEST_VERDICT_FAILED)
        t->failed++;
    else
        report(t, x->name, names[f], i, rc, v);
}

static void mutate_string(const api_exchange *x, enum field f, const char *orig,
                          int parse_status, bool value_changing_only,
                          struct tally *t)
{
    size_t n = strlen(orig);
    char *s = malloc(n + 1);
    for (size_t i = 0; i < n; i++) {
        char c = orig[i];
        char variants[4];
        size_t nv = 0;
        variants[nv++] = (char)(c ^ 0x01);
        variants[nv++] = (char)(c ^ 0x80);
        if (is_hex(c))
            variants[nv++] = other_hex(c);
        /* A case flip changes the bytes of a text, but not the value of a
         * hex digit or of the "0x" prefix. */
        if (!value_changing_only && ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))
            variants[nv++] = (char)(c ^ 0x20);
        for (size_t k = 0; k < nv; k++) {
            memcpy(s, orig, n + 1);
            s[i] = variants[k];
            try_record(x, f, s, parse_status, i, t);
        }
    }
    /* Truncated by one, and one character longer. */
    memcpy(s, orig, n);
    s[n - 1] = '\0';
    try_record(x, f, s, parse_status, n - 1, t);
    char *longer = malloc(n + 2);
    memcpy(longer, orig, n);
    longer[n] = f == F_TEXT ? '0' : 'a';
    longer[n + 1] = '\0';
    try_record(x, f, longer, parse_status, n, t);
    free(longer);
    free(s);
}

static void run_exchange(api_exchange *x)
{
    printf("# %s\n", x->name);
    struct tally t = {0, 0, 0, 0};
    teeattest_signature *sig = NULL;
    CHECK_EQ_INT(teeattest_signature_new(ctx, &sig, x->text, x->signature,
                                         x->address[0] ? x->address : NULL,
                                         x->algo[0] ? x->algo : NULL, NULL),
                 TEEATTEST_OK);
    if (!sig)
        return;
    CHECK_EQ_INT(verdict_of(sig, x, x->req, x->resp, NULL),
                 TEEATTEST_VERDICT_VERIFIED);
    mutate_bodies(x, sig, &t);
    teeattest_signature_free(sig);
    size_t after_bodies = t.variants;

    mutate_string(x, F_TEXT, x->text, TEEATTEST_E_SIG_TEXT, false, &t);
    mutate_string(x, F_SIG, x->signature, TEEATTEST_E_SIG_ENCODING, true, &t);
    if (x->address[0])
        mutate_string(x, F_ADDR, x->address, TEEATTEST_E_SIGNER_FORMAT, true, &t);
    if (x->algo[0]) {
        /* Any other algorithm name is unknown. */
        char a[32];
        size_t n = strlen(x->algo);
        for (size_t i = 0; i < n; i++) {
            api_fmt(a, sizeof a, "%s", x->algo);
            a[i] ^= 0x01;
            try_record(x, F_ALGO, a, TEEATTEST_E_SIG_ALGO, i, &t);
        }
    }
    printf("# %s: %zu variants (%zu of the bodies): %zu parse errors, %zu "
           "failed verdicts, %zu wrong\n", x->name, t.variants, after_bodies,
           t.parse_errors, t.failed, t.bad);
    CHECK(t.variants > 2 * (x->req_len + x->resp_len));
    CHECK(t.parse_errors > 0);
    CHECK_EQ_INT(t.parse_errors + t.failed, t.variants);
    CHECK_EQ_INT(t.bad, 0);
}

int main(void)
{
    ctx = api_ctx();
    api_exchange x;

    api_real(&x, "nearai_cloud_2025_stream");
    run_exchange(&x);
    api_exchange_free(&x);

    api_real(&x, "phala_inference_api_2024_stream");
    run_exchange(&x);
    api_exchange_free(&x);

    static const char *const vectors[] = {"nonstream_2part",
                                          "nonstream_3part_model_prefixed"};
    static const char *const algos[] = {"ecdsa", "ed25519"};
    for (size_t v = 0; v < API_ARRAY_LEN(vectors); v++) {
        for (size_t a = 0; a < API_ARRAY_LEN(algos); a++) {
            api_synthetic(&x, vectors[v], algos[a]);
            char name[96];
            api_fmt(name, sizeof name, "%s/%s", vectors[v], algos[a]);
            x.name = name;
            run_exchange(&x);
            api_exchange_free(&x);
        }
    }
    teeattest_ctx_free(ctx);
    return ta_test_done();
}
