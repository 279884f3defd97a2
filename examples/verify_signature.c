/*
 * Verify a saved chat exchange against a pinned signer: the provider's
 * signature record, the exact request and response bytes, and the address
 * (or Ed25519 key) you trust. No network.
 *
 *   verify_signature SIGNATURE.json REQUEST RESPONSE SIGNER
 *
 * Exit status: 0 verified, 1 not verified, 2 error.
 * SPDX-License-Identifier: Apache-2.0
 */
#include "example.h"

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s SIGNATURE.json REQUEST RESPONSE SIGNER\n",
                argv[0]);
        return 2;
    }
    teeattest_error err = TEEATTEST_ERROR_INIT;
    teeattest_ctx *ctx = NULL;
    teeattest_signature *sig = NULL;
    teeattest_result *res = NULL;
    size_t sig_len = 0, req_len = 0, resp_len = 0;
    uint8_t *sig_json = example_read(argv[1], &sig_len);
    uint8_t *req = example_read(argv[2], &req_len);
    uint8_t *resp = example_read(argv[3], &resp_len);
    int rc = 2, st;

    if (!sig_json || !req || !resp)
        goto out;
    if ((st = teeattest_ctx_new(&ctx, NULL, &err)) ||
        (st = teeattest_signature_parse_json(ctx, &sig, sig_json, sig_len,
                                             &err)) ||
        /* OK means the verification ran; the verdict is in the result. */
        (st = teeattest_signature_verify(sig, &res, NULL, argv[4], req,
                                         req_len, resp, resp_len, &err))) {
        rc = example_fail("verify_signature", st, &err);
        goto out;
    }
    rc = example_print("signature record", res);
out:
    teeattest_result_free(res);
    teeattest_signature_free(sig);
    teeattest_ctx_free(ctx);
    free(sig_json);
    free(req);
    free(resp);
    return rc;
}
