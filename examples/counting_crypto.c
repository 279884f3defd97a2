/*
 * A custom crypto backend that counts the library's calls and delegates
 * each to the built-in implementation by returning TEEATTEST_E_PASSTHROUGH
 * (a NULL member would delegate without counting). A member may run on
 * several threads at once, hence the atomic counters. An SDK can route any
 * single operation to its own crypto (an HSM, a FIPS module) this way.
 *
 *   counting_crypto SIGNATURE.json REQUEST RESPONSE SIGNER
 *
 * (the arguments of verify_signature.c). Exit status: 0 verified,
 * 1 not verified, 2 error.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdatomic.h>

#include "example.h"

static atomic_ulong hashes, recovers;

static int count_hash(void *u, int32_t alg, uint8_t *out, size_t out_len,
                      const uint8_t *data, size_t len)
{
    (void)u, (void)alg, (void)out, (void)out_len, (void)data, (void)len;
    atomic_fetch_add(&hashes, 1);
    return TEEATTEST_E_PASSTHROUGH;
}

static int count_recover(void *u, uint8_t pubkey65[65],
                         const uint8_t digest32[32], const uint8_t sig64[64],
                         int32_t recid)
{
    (void)u, (void)pubkey65, (void)digest32, (void)sig64, (void)recid;
    atomic_fetch_add(&recovers, 1);
    return TEEATTEST_E_PASSTHROUGH;
}

static void released(void *u)
{
    (void)u;
    printf("crypto backend released\n");
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s SIGNATURE.json REQUEST RESPONSE SIGNER\n",
                argv[0]);
        return 2;
    }
    teeattest_crypto_backend crypto = TEEATTEST_CRYPTO_BACKEND_INIT;
    crypto.hash = count_hash;
    crypto.secp256k1_recover = count_recover;
    crypto.release = released; /* the other members NULL: built-in */
    teeattest_ctx_options opts = TEEATTEST_CTX_OPTIONS_INIT;
    opts.crypto = &crypto; /* copied by teeattest_ctx_new() */
    teeattest_error err = TEEATTEST_ERROR_INIT;
    teeattest_ctx *ctx = NULL;
    teeattest_signature *sig = NULL;
    teeattest_result *res = NULL;
    size_t sig_len = 0, req_len = 0, resp_len = 0;
    uint8_t *sig_json = example_read(argv[1], &sig_len);
    uint8_t *req = example_read(argv[2], &req_len);
    uint8_t *resp = example_read(argv[3], &resp_len);
    int rc = 2, st = TEEATTEST_E_IO;

    if (!sig_json || !req || !resp ||
        (st = teeattest_ctx_new(&ctx, &opts, &err)) ||
        (st = teeattest_signature_parse_json(ctx, &sig, sig_json, sig_len,
                                             &err)) ||
        (st = teeattest_signature_verify(sig, &res, NULL, argv[4], req,
                                         req_len, resp, resp_len, &err)))
        rc = example_fail("counting_crypto", st, &err);
    else
        rc = example_print("signature record", res);
    teeattest_result_free(res);
    teeattest_signature_free(sig);
    teeattest_ctx_free(ctx); /* the last reference: calls `release` */
    printf("calls: hash %lu, secp256k1_recover %lu\n", atomic_load(&hashes),
           atomic_load(&recovers));
    free(sig_json);
    free(req);
    free(resp);
    return rc;
}
