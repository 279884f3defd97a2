/*
 * A custom HTTP transport (http10.c) in place of the built-in libcurl one:
 * every request the library makes goes through it. With it, attest
 * teeattest-sim and check a chat's signature against the attested key.
 *
 *   teeattest-sim --http 8080 --no-gpu --tdx-root-out root.der &
 *   custom_transport http://127.0.0.1:8080 root.der
 *
 * (The TEST root is for tests only; see attest_chat.cpp.)
 * Exit status: 0 verified, 1 not verified, 2 error.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "example.h"

static const char body[] = "{\"model\":\"sim/test-model\",\"messages\":"
                           "[{\"role\":\"user\",\"content\":\"Hello, TEE\"}]}";

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s BASE_URL TEST_ROOT.der\n", argv[0]);
        return 2;
    }
    size_t requests = 0;
    teeattest_transport transport = TEEATTEST_TRANSPORT_INIT;
    transport.request = example_http10; /* stream NULL: the body in one go */
    transport.user_data = &requests;
    teeattest_ctx_options opts = TEEATTEST_CTX_OPTIONS_INIT;
    opts.transport = &transport; /* copied by teeattest_ctx_new() */
    teeattest_error err = TEEATTEST_ERROR_INIT;
    teeattest_ctx *ctx = NULL;
    teeattest_provider *p = NULL;
    teeattest_report *rep = NULL;
    teeattest_evidence *ev = NULL;
    teeattest_policy *pol = NULL;
    teeattest_result *att = NULL, *res = NULL;
    teeattest_exchange *x = NULL;
    teeattest_signature *sig = NULL;
    const uint8_t *req, *resp;
    size_t root_len = 0, req_len, resp_len;
    uint8_t *root = example_read(argv[2], &root_len);
    int rc = 2, st = TEEATTEST_E_IO;

    if (!root ||
        (st = teeattest_ctx_new(&ctx, &opts, &err)) ||
        (st = teeattest_provider_new(ctx, &p, "redpill", &err)) ||
        (st = teeattest_provider_set_base_url(p, argv[1], &err)) ||
        (st = teeattest_report_fetch(p, &rep, NULL, 0, NULL, &err)) ||
        (st = teeattest_evidence_new(ctx, &ev, &err)) ||
        (st = teeattest_evidence_set_online(ev, TEEATTEST_ONLINE_PCCS, argv[1],
                                            &err)) ||
        (st = teeattest_policy_new(ctx, &pol, &err)) ||
        (st = teeattest_policy_set_tdx_root(pol, root, root_len, &err)) ||
        (st = teeattest_policy_set_require_gpu(pol, 0, &err)) ||
        (st = teeattest_report_verify(ctx, &att, rep, TEEATTEST_ENTRY_ALL, ev,
                                      pol, NULL, 0, &err))) {
        rc = example_fail("attest", st, &err);
        goto out;
    }
    if ((rc = example_print("attestation", att)) != 0)
        goto out; /* never chat with a server that is not attested */
    if ((st = teeattest_chat(p, &x, (const uint8_t *)body, sizeof body - 1, 0,
                             NULL, NULL, &err)) ||
        (st = teeattest_signature_fetch(p, &sig, x, "ecdsa", &err)) ||
        (st = teeattest_exchange_request(x, &req, &req_len)) ||
        (st = teeattest_exchange_response(x, &resp, &resp_len)) ||
        (st = teeattest_signature_verify_attested(sig, &res, pol, att, req,
                                                  req_len, resp, resp_len,
                                                  &err))) {
        rc = example_fail("chat", st, &err);
        goto out;
    }
    printf("chat %s: HTTP %d, %zu bytes\n", teeattest_exchange_id(x),
           (int)teeattest_exchange_status(x), resp_len);
    rc = example_print("chat signature", res);
out:
    printf("requests through the custom transport: %zu\n", requests);
    teeattest_result_free(res);
    teeattest_signature_free(sig);
    teeattest_exchange_free(x);
    teeattest_result_free(att);
    teeattest_policy_free(pol);
    teeattest_evidence_free(ev);
    teeattest_report_free(rep);
    teeattest_provider_free(p);
    teeattest_ctx_free(ctx);
    free(root);
    return rc;
}
