/*
 * Out-of-memory torture: for every N, make the N-th allocation fail and
 * require a clean TEEATTEST_E_NOMEM (never a crash, a partial object, a
 * wrong status or a leak), until N is past the last allocation and the
 * call succeeds.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <jansson.h>

#include "unit.h"

#include "transport/transport.h"

/* One operation under test. Returns its status; `out` receives whatever
 * object it created (freed by the caller of the loop). */
typedef int (*op_fn)(void *arg, teeattest_ctx *ctx, void **out,
                     teeattest_error *err);
typedef void (*free_fn)(void *obj);

/* Run `op` with allocation N failing, N = 1, 2, ...; returns the number
 * of allocations the successful run needed. */
static int torture(const char *name, unit_alloc_stats *st, teeattest_ctx *ctx,
                   op_fn op, void *arg, free_fn release)
{
    int bad = 0, n;
    for (n = 1; n < 10000; n++) {
        size_t base = st->live;
        st->calls = 0;
        st->fail_at = (size_t)n;
        void *obj = NULL;
        teeattest_error err = TEEATTEST_ERROR_INIT;
        int rc = op(arg, ctx, &obj, &err);
        bool reached = st->calls >= (size_t)n;
        st->fail_at = 0;
        if (!reached) {
            if (rc != TEEATTEST_OK || !obj) {
                printf("#   %s: N=%d: %s without a failed allocation\n", name,
                       n, teeattest_status_name(rc));
                bad++;
            }
            if (obj)
                release(obj);
            if (st->live != base)
                bad++;
            break;
        }
        if (rc != TEEATTEST_E_NOMEM) {
            printf("#   %s: N=%d: got %s, expected TEEATTEST_E_NOMEM\n", name, n,
                   teeattest_status_name(rc));
            bad++;
        } else if (err.code != TEEATTEST_E_NOMEM) {
            printf("#   %s: N=%d: err.code %d\n", name, n, (int)err.code);
            bad++;
        }
        if (obj) {
            printf("#   %s: N=%d: failed but returned an object\n", name, n);
            bad++;
            release(obj);
        }
        if (st->live != base) {
            printf("#   %s: N=%d: %zu blocks leaked\n", name, n,
                   st->live - base);
            bad++;
        }
    }
    printf("# %s: %d allocation points, all failed cleanly\n", name, n - 1);
    ta_test_check(bad == 0 && n > 1, name, __FILE__, __LINE__);
    return n - 1;
}

/* ---- operations ----------------------------------------------------- */

struct exchange {
    const uint8_t *sigjson;
    size_t sigjson_len;
    const char *text, *signature, *address, *algo;
    const char *headers;
    const uint8_t *req, *resp;
    size_t req_len, resp_len;
    const char *expected;
    teeattest_signature *sig;      /* pre-parsed, for verify */
    teeattest_policy *policy;
};

static int op_parse_json(void *arg, teeattest_ctx *ctx, void **out,
                         teeattest_error *err)
{
    struct exchange *x = arg;
    return teeattest_signature_parse_json(ctx, (teeattest_signature **)out,
                                          x->sigjson, x->sigjson_len, err);
}

static int op_parse_headers(void *arg, teeattest_ctx *ctx, void **out,
                            teeattest_error *err)
{
    struct exchange *x = arg;
    return teeattest_signature_parse_headers(ctx, (teeattest_signature **)out,
                                             x->headers, strlen(x->headers), err);
}

static int op_sig_new(void *arg, teeattest_ctx *ctx, void **out,
                      teeattest_error *err)
{
    struct exchange *x = arg;
    return teeattest_signature_new(ctx, (teeattest_signature **)out, x->text,
                                   x->signature, x->address, x->algo, err);
}

static int op_verify(void *arg, teeattest_ctx *ctx, void **out,
                     teeattest_error *err)
{
    (void)ctx;
    struct exchange *x = arg;
    int rc = teeattest_signature_verify(x->sig, (teeattest_result **)out,
                                        x->policy, x->expected, x->req,
                                        x->req_len, x->resp, x->resp_len, err);
    /* The unmutated exchange must verify when the call succeeds. */
    if (rc == TEEATTEST_OK &&
        teeattest_result_verdict(*out) != TEEATTEST_VERDICT_VERIFIED)
        return -12345;
    return rc;
}

static int op_policy(void *arg, teeattest_ctx *ctx, void **out,
                     teeattest_error *err)
{
    (void)arg;
    teeattest_policy *p = NULL;
    int rc = teeattest_policy_new(ctx, &p, err);
    if (rc)
        return rc;
    rc = teeattest_policy_set_expected_model(p, "some/model", NULL);
    if (rc) {
        teeattest_policy_free(p);
        return ta_error(err, rc, NULL, "set_expected_model");
    }
    *out = p;
    return TEEATTEST_OK;
}

static int op_ctx_new(void *arg, teeattest_ctx *unused, void **out,
                      teeattest_error *err)
{
    (void)unused;
    const teeattest_ctx_options *o = arg;
    return teeattest_ctx_new((teeattest_ctx **)out, o, err);
}

/* The HTTP response sink used as a transport would: status, headers,
 * chunks, peer key. Returns the first failure. */
static int op_http(void *arg, teeattest_ctx *ctx, void **out,
                   teeattest_error *err)
{
    (void)arg;
    teeattest_http_response *r = malloc(sizeof *r);
    ta_http_response_init(r, ctx, 0, NULL, NULL);
    int rc = teeattest_http_response_set_status(r, 200);
    for (int i = 0; i < 40 && !rc; i++)
        rc = teeattest_http_response_add_header(r, "Name", 4, "Value", 5);
    static const uint8_t chunk[700];
    for (int i = 0; i < 10 && !rc; i++)
        rc = teeattest_http_response_write(r, chunk, sizeof chunk);
    if (!rc)
        rc = teeattest_http_response_set_peer_spki(r, chunk, 91);
    if (rc) {
        ta_http_response_clear(r);
        free(r);
        return ta_error(err, rc, NULL, "http response");
    }
    *out = r;
    return TEEATTEST_OK;
}

static void free_sig(void *p) { teeattest_signature_free(p); }
static void free_result(void *p) { teeattest_result_free(p); }
static void free_policy(void *p) { teeattest_policy_free(p); }
static void free_ctx(void *p) { teeattest_ctx_free(p); }
static void free_http(void *p)
{
    ta_http_response_clear(p);
    free(p);
}

static uint8_t *file_in(const char *dir, const char *name, size_t *len)
{
    char rel[512];
    snprintf(rel, sizeof rel, "%s/%s", dir, name);
    return unit_fixture(rel, len);
}

int main(void)
{
    unit_alloc_stats st = {0};

    /* teeattest_ctx_new: one allocation, with the custom allocator. */
    {
        teeattest_allocator a = unit_allocator(&st);
        teeattest_ctx_options o = TEEATTEST_CTX_OPTIONS_INIT;
        o.allocator = &a;
        int n = torture("teeattest_ctx_new", &st, NULL, op_ctx_new, &o,
                        free_ctx);
        CHECK_EQ_INT(n, 1);
        CHECK_EQ_INT(st.live, 0);
    }

    teeattest_ctx *ctx = unit_ctx_with(&st, NULL);

    /* The real NEAR exchange (ecdsa, EIP-55 signing_address). */
    const char *near = "providers/real_signatures/nearai_cloud_2025_stream";
    struct exchange ex = {0};
    size_t n;
    uint8_t *sj = file_in(near, "signature_response.json", &n);
    ex.sigjson = sj;
    ex.sigjson_len = n;
    uint8_t *req = file_in(near, "request_body.json", &ex.req_len);
    uint8_t *resp = file_in(near, "response_body.sse", &ex.resp_len);
    ex.req = req;
    ex.resp = resp;
    torture("signature_parse_json (ecdsa)", &st, ctx, op_parse_json, &ex,
            free_sig);

    if (teeattest_signature_parse_json(ctx, &ex.sig, sj, n, NULL) ||
        teeattest_policy_new(ctx, &ex.policy, NULL)) {
        printf("Bail out! cannot parse the NEAR record\n");
        return 1;
    }
    ex.expected = teeattest_signature_claimed_signer(ex.sig);
    torture("signature_verify (ecdsa, default policy)", &st, ctx, op_verify,
            &ex, free_result);
    struct exchange ex2 = ex;
    ex2.policy = NULL;
    torture("signature_verify (ecdsa, NULL policy)", &st, ctx, op_verify, &ex2,
            free_result);

    /* Synthetic vectors: a three-part text (model check) with Ed25519 and
     * with ecdsa, through the field and header constructors. */
    const char *syn = "providers/synthetic_signature_vectors";
    uint8_t *vj = file_in(syn, "vectors.json", &n);
    json_t *root = json_loadb((const char *)vj, n, 0, NULL);
    free(vj);
    json_t *v = json_array_get(json_object_get(root, "vectors"), 2);
    struct exchange ed = {0};
    ed.text = json_string_value(json_object_get(v, "text"));
    json_t *e = json_object_get(v, "ed25519");
    ed.signature = json_string_value(json_object_get(e, "signature"));
    ed.address = json_string_value(json_object_get(e, "signing_address"));
    ed.algo = "ed25519";
    uint8_t *sreq = file_in(syn, json_string_value(json_object_get(
                                     v, "request_body_file")), &ed.req_len);
    uint8_t *sresp = file_in(syn, json_string_value(json_object_get(
                                      v, "response_body_file")), &ed.resp_len);
    ed.req = sreq;
    ed.resp = sresp;
    ed.expected = ed.address;
    torture("signature_new (ed25519)", &st, ctx, op_sig_new, &ed, free_sig);
    char hdr[1024];
    snprintf(hdr, sizeof hdr, "HTTP/2 200\nText: %s\nSignature: %s\n"
             "Signing_Address: %s\nSigning_Algo: ed25519\n", ed.text,
             ed.signature, ed.address);
    ed.headers = hdr;
    torture("signature_parse_headers (ed25519)", &st, ctx, op_parse_headers,
            &ed, free_sig);
    if (teeattest_signature_new(ctx, &ed.sig, ed.text, ed.signature,
                                ed.address, ed.algo, NULL)) {
        printf("Bail out! cannot build the ed25519 record\n");
        return 1;
    }
    torture("signature_verify (ed25519, model from request)", &st, ctx,
            op_verify, &ed, free_result);
    teeattest_policy *mp = NULL;
    teeattest_policy_new(ctx, &mp, NULL);
    teeattest_policy_set_expected_model(mp, "demo-model", NULL);
    ed.policy = mp;
    torture("signature_verify (ed25519, model from policy)", &st, ctx,
            op_verify, &ed, free_result);

    struct exchange ec = ed;
    e = json_object_get(v, "ecdsa");
    ec.signature = json_string_value(json_object_get(e, "signature"));
    ec.address = json_string_value(json_object_get(e, "signing_address"));
    ec.algo = NULL;
    ec.expected = ec.address;
    ec.policy = NULL;
    torture("signature_new (ecdsa, three-part)", &st, ctx, op_sig_new, &ec,
            free_sig);
    if (teeattest_signature_new(ctx, &ec.sig, ec.text, ec.signature,
                                ec.address, NULL, NULL)) {
        printf("Bail out! cannot build the ecdsa record\n");
        return 1;
    }
    torture("signature_verify (ecdsa, three-part)", &st, ctx, op_verify, &ec,
            free_result);

    /* Recovery alone also buffers the EIP-191 message. */
    {
        int bad = 0, k;
        for (k = 1; k < 100; k++) {
            size_t base = st.live;
            st.calls = 0;
            st.fail_at = (size_t)k;
            char buf[TEEATTEST_SIGNER_MAX];
            teeattest_error err = TEEATTEST_ERROR_INIT;
            int rc = teeattest_signature_recover(ec.sig, buf, sizeof buf, &err);
            bool reached = st.calls >= (size_t)k;
            st.fail_at = 0;
            if (!reached) {
                bad += rc != TEEATTEST_OK || strcmp(buf, ec.address) != 0;
                break;
            }
            bad += rc != TEEATTEST_E_NOMEM || err.code != TEEATTEST_E_NOMEM ||
                   st.live != base;
        }
        CHECK(k > 1);
        CHECK_EQ_INT(bad, 0);
    }

    torture("policy_new + set_expected_model", &st, ctx, op_policy, NULL,
            free_policy);
    torture("http response sink", &st, ctx, op_http, NULL, free_http);

    teeattest_signature_free(ex.sig);
    teeattest_signature_free(ed.sig);
    teeattest_signature_free(ec.sig);
    teeattest_policy_free(ex.policy);
    teeattest_policy_free(mp);
    teeattest_ctx_free(ctx);
    CHECK_EQ_INT(st.live, 0);
    CHECK_EQ_INT(st.bad, 0);
    json_decref(root);
    free(sj);
    free(req);
    free(resp);
    free(sreq);
    free(sresp);
    return ta_test_done();
}
