/*
 * Verify a saved attestation report offline, at the time it was fetched:
 * the report as received, the 32-byte nonce you sent (hex), the Intel PCS
 * collateral of that time and, optionally, NVIDIA's NRAS answer with its
 * JWKS and the TLS key of the connection (DER SubjectPublicKeyInfo in
 * base64). Nothing is fetched.
 *
 *   verify_report DIALECT REPORT.json NONCE_HEX UNIX_TIME PCS_DIR
 *                 [NRAS.json JWKS.json [TLS_SPKI_BASE64]]
 *
 * Exit status: 0 verified, 1 not verified, 2 error.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>

#include "example.h"

int main(int argc, char **argv)
{
    if (argc != 6 && argc != 8 && argc != 9) {
        fprintf(stderr, "usage: %s DIALECT REPORT.json NONCE_HEX UNIX_TIME "
                "PCS_DIR [NRAS.json JWKS.json [TLS_SPKI_BASE64]]\n", argv[0]);
        return 2;
    }
    teeattest_error err = TEEATTEST_ERROR_INIT;
    teeattest_ctx *ctx = NULL;
    teeattest_report *rep = NULL;
    teeattest_collateral *col = NULL;
    teeattest_evidence *ev = NULL;
    teeattest_policy *pol = NULL;
    teeattest_result *res = NULL;
    /* argv index -> file contents: report, NRAS answer, JWKS */
    uint8_t *file[8] = {NULL};
    size_t len[8] = {0};
    uint8_t nonce[TEEATTEST_NONCE_SIZE], spki[1024];
    size_t nonce_len = sizeof nonce, spki_len = sizeof spki;
    int rc = 2, st = 0;

    for (int i = 2; i < argc && i < 8; i++)
        if ((i == 2 || i >= 6) && !(file[i] = example_read(argv[i], &len[i])))
            goto out;
    if ((st = teeattest_hex_decode(nonce, &nonce_len, argv[3], &err)) ||
        (argc > 8 &&
         (st = teeattest_base64_decode(spki, &spki_len, argv[8], &err))) ||
        (st = teeattest_ctx_new(&ctx, NULL, &err)) ||
        (st = teeattest_report_parse(ctx, &rep, argv[1], file[2], len[2],
                                     &err)) ||
        (st = teeattest_evidence_new(ctx, &ev, &err)) ||
        (st = teeattest_collateral_load_dir(ctx, &col, argv[5], &err)) ||
        (st = teeattest_evidence_add_collateral(ev, col, &err)) ||
        (argc > 6 &&
         ((st = teeattest_evidence_set(ev, TEEATTEST_EVIDENCE_NRAS_RESPONSE, 0,
                                       file[6], len[6], &err)) ||
          (st = teeattest_gpu_inputs_add(teeattest_evidence_gpu_inputs(ev),
                                         TEEATTEST_GPU_ITEM_JWKS, NULL,
                                         file[7], len[7], &err)))) ||
        (argc > 8 &&
         (st = teeattest_evidence_set(ev, TEEATTEST_EVIDENCE_TLS_SPKI, 0,
                                      spki, spki_len, &err))) ||
        /* The time the report was fetched, never the wall clock. */
        (st = teeattest_policy_new(ctx, &pol, &err)) ||
        (st = teeattest_policy_set_time(pol, strtoll(argv[4], NULL, 10),
                                        &err)) ||
        (st = teeattest_report_verify(ctx, &res, rep, TEEATTEST_ENTRY_ALL, ev,
                                      pol, nonce, nonce_len, &err))) {
        rc = example_fail("verify_report", st, &err);
        goto out;
    }
    rc = example_print(teeattest_report_dialect(rep), res);
    /* Facts are named plainly only in a verified result. */
    const char *signer = NULL, *algo = NULL;
    if (teeattest_result_verified_signer(res, &signer, &algo, NULL) == 0)
        printf("attested signer: %s (%s)\n", signer, algo);
out:
    teeattest_result_free(res);
    teeattest_policy_free(pol);
    teeattest_evidence_free(ev);
    teeattest_collateral_free(col);
    teeattest_report_free(rep);
    teeattest_ctx_free(ctx);
    for (int i = 0; i < 8; i++)
        free(file[i]);
    return rc;
}
