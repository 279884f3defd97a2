/*
 * Every ECDSA verifier of the build agrees on every real signature the
 * fixtures make the library verify, and refuses each of them once
 * mutated.
 *
 * The program is linked with -Wl,--wrap=ta_builtin_ecdsa_verify
 * (tests/unit/meson.build), so each ECDSA verification of the internal
 * library (the context's ta_ecdsa_verify() and the X.509 chains' links
 * and CRLs in lib/crypto/chain.c) passes through the recorder below. The
 * library then verifies, through the public API:
 *  - the NEAR AI direct capture (providers/nearai_direct_ed25519_tls):
 *    two TDX quotes with Intel's collateral (P-256 quote and QE report
 *    signatures, PCK chain, TCB info and QE identity chains, CRLs), 8 H100
 *    device chains and SPDM signatures (P-384), the 9 ES384 NRAS JWTs;
 *  - one H100 with its driver and VBIOS RIMs (nvidia/h100_550.90.07_full):
 *    the RIM XMLDSig signatures and signer chains (P-384).
 * Each distinct recorded (curve, key, digest, signature) is then given to
 * mbedTLS, OpenSSL and nettle (those the build has): all must accept it,
 * and all must refuse it with one bit of the digest, r, s or the key
 * changed, r and s swapped, r or s zero, or the digest one byte shorter.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "unit.h"

#include "teeattest/teeattest.h"
#include "teeattest/gpu.h"

#include "crypto/crypto.h"

#define MAX_RECS 512

typedef struct rec {
    int32_t curve;
    size_t field, digest_len;
    uint8_t pub[97], digest[64], sig[96];
} rec;

static rec recs[MAX_RECS];
static size_t n_recs, n_calls, n_dropped;

int __real_ta_builtin_ecdsa_verify(int32_t curve, const uint8_t *pubkey,
                                   size_t pubkey_len, const uint8_t *digest,
                                   size_t digest_len, const uint8_t *sig,
                                   size_t sig_len);
int __wrap_ta_builtin_ecdsa_verify(int32_t curve, const uint8_t *pubkey,
                                   size_t pubkey_len, const uint8_t *digest,
                                   size_t digest_len, const uint8_t *sig,
                                   size_t sig_len);

int __wrap_ta_builtin_ecdsa_verify(int32_t curve, const uint8_t *pubkey,
                                   size_t pubkey_len, const uint8_t *digest,
                                   size_t digest_len, const uint8_t *sig,
                                   size_t sig_len)
{
    int rc = __real_ta_builtin_ecdsa_verify(curve, pubkey, pubkey_len, digest,
                                            digest_len, sig, sig_len);
    size_t field = curve == TEEATTEST_CURVE_P256   ? 32
                   : curve == TEEATTEST_CURVE_P384 ? 48 : 0;
    n_calls++;
    /* Only what the library accepted: the fixtures' real signatures. */
    if (rc != TEEATTEST_OK || !field || pubkey_len != 1 + 2 * field ||
        sig_len != 2 * field || !digest_len || digest_len > 64)
        return rc;
    rec r;
    memset(&r, 0, sizeof r); /* padding too: records compare by memcmp */
    r.curve = curve;
    r.field = field;
    r.digest_len = digest_len;
    memcpy(r.pub, pubkey, pubkey_len);
    memcpy(r.digest, digest, digest_len);
    memcpy(r.sig, sig, sig_len);
    for (size_t i = 0; i < n_recs; i++)
        if (memcmp(&recs[i], &r, sizeof r) == 0)
            return rc;
    if (n_recs < MAX_RECS)
        recs[n_recs++] = r;
    else
        n_dropped++;
    return rc;
}

/* ---- the verifications ------------------------------------------------- */

#define NEAR_DIR "providers/nearai_direct_ed25519_tls"
#define NEAR_AT 1782698797 /* the capture time */
#define NEAR_NONCE "541b6523f9446dcd170e67ac8171eb9226bee5e3f192de4900b74f0ef293500b"
#define RIM_DIR "nvidia/h100_550.90.07_full"
#define RIM_AT 1761307200
#define RIM_NONCE "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb"

static void verify_near(void)
{
    size_t doc_len, nras_len, jwks_len;
    uint8_t *doc = unit_fixture(NEAR_DIR "/attestation_report.json", &doc_len);
    uint8_t *nras = unit_fixture(NEAR_DIR "/nras_response.json", &nras_len);
    uint8_t *jwks = unit_fixture(NEAR_DIR "/nras_jwks.json", &jwks_len);
    uint8_t nonce[32];
    CHECK_EQ_INT(unit_unhex(nonce, 32, NEAR_NONCE), 32);
    teeattest_ctx *ctx = NULL;
    teeattest_report *rep = NULL;
    teeattest_collateral *col = NULL;
    teeattest_evidence *ev = NULL;
    teeattest_policy *pol = NULL;
    teeattest_result *r = NULL;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    int rc = teeattest_ctx_new(&ctx, NULL, &err);
    if (!rc)
        rc = teeattest_report_parse(ctx, &rep, "nearai", doc, doc_len, &err);
    if (!rc)
        rc = teeattest_collateral_load_dir(
            ctx, &col, ta_test_fixture(NEAR_DIR "/intel_pcs"), &err);
    if (!rc)
        rc = teeattest_evidence_new(ctx, &ev, &err);
    if (!rc)
        rc = teeattest_evidence_add_collateral(ev, col, &err);
    if (!rc)
        rc = teeattest_evidence_set(ev, TEEATTEST_EVIDENCE_NRAS_RESPONSE, 0,
                                    nras, nras_len, &err);
    if (!rc)
        rc = teeattest_gpu_inputs_add(teeattest_evidence_gpu_inputs(ev),
                                      TEEATTEST_GPU_ITEM_JWKS, NULL, jwks,
                                      jwks_len, &err);
    if (!rc)
        rc = teeattest_policy_new(ctx, &pol, &err);
    if (!rc)
        rc = teeattest_policy_set_time(pol, NEAR_AT, &err);
    if (!rc)
        rc = teeattest_report_verify(ctx, &r, rep, TEEATTEST_ENTRY_ALL, ev,
                                     pol, nonce, 32, &err);
    if (rc)
        printf("# NEAR capture: %s\n", err.message);
    CHECK_EQ_INT(rc, TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_VERIFIED);
    teeattest_result_free(r);
    teeattest_policy_free(pol);
    teeattest_evidence_free(ev);
    teeattest_collateral_free(col);
    teeattest_report_free(rep);
    teeattest_ctx_free(ctx);
    free(doc);
    free(nras);
    free(jwks);
}

static void verify_rim(void)
{
    size_t pl, dl, vl;
    uint8_t *payload = unit_fixture(RIM_DIR "/nvidia_payload.json", &pl);
    uint8_t *drv = unit_fixture(RIM_DIR "/driver_rim.xml", &dl);
    uint8_t *vbios = unit_fixture(RIM_DIR "/vbios_rim.xml", &vl);
    uint8_t nonce[32];
    CHECK_EQ_INT(unit_unhex(nonce, 32, RIM_NONCE), 32);
    teeattest_ctx *ctx = NULL;
    teeattest_gpu_inputs *in = NULL;
    teeattest_policy *pol = NULL;
    teeattest_result *r = NULL;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    int rc = teeattest_ctx_new(&ctx, NULL, &err);
    if (!rc)
        rc = teeattest_gpu_inputs_new(ctx, &in, &err);
    if (!rc)
        rc = teeattest_gpu_inputs_add(in, TEEATTEST_GPU_ITEM_RIM,
                                      "NV_GPU_DRIVER_GH100_550.90.07", drv, dl,
                                      &err);
    if (!rc)
        rc = teeattest_gpu_inputs_add(in, TEEATTEST_GPU_ITEM_RIM,
                                      "NV_GPU_VBIOS_1010_0200_882_96009F0001",
                                      vbios, vl, &err);
    if (!rc)
        rc = teeattest_policy_new(ctx, &pol, &err);
    if (!rc)
        rc = teeattest_policy_set_time(pol, RIM_AT, &err);
    if (!rc)
        rc = teeattest_policy_set_gpu_mode(pol, TEEATTEST_GPU_MODE_LOCAL, &err);
    if (!rc)
        rc = teeattest_policy_set_gpu_ocsp(pol, TEEATTEST_GPU_SKIP, &err);
    if (!rc)
        rc = teeattest_gpu_verify(ctx, &r, payload, pl, nonce, 32, in, pol,
                                  &err);
    if (rc)
        printf("# RIM payload: %s\n", err.message);
    CHECK_EQ_INT(rc, TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_VERIFIED);
    teeattest_result_free(r);
    teeattest_policy_free(pol);
    teeattest_gpu_inputs_free(in);
    teeattest_ctx_free(ctx);
    free(payload);
    free(drv);
    free(vbios);
}

/* ---- the comparison ------------------------------------------------------ */

typedef int (*verifier)(int32_t, const uint8_t *, size_t, const uint8_t *,
                        size_t, const uint8_t *, size_t);

static size_t n_differ, n_accepted_mutation, n_checked;

/* The answer of every verifier of the build to r's inputs (after a
 * mutation); returns mbedTLS's, counting any verifier that differs. */
static int all_say(const rec *r, size_t digest_len)
{
    const verifier vs[] = {ta_openssl_ecdsa_verify, ta_nettle_ecdsa_verify,
                           __real_ta_builtin_ecdsa_verify};
    const bool have[] = {ta_openssl_available(), ta_nettle_available(), true};
    size_t f = r->field;
    int ref = ta_mbedtls_ecdsa_verify(r->curve, r->pub, 1 + 2 * f, r->digest,
                                      digest_len, r->sig, 2 * f);
    for (size_t i = 0; i < TA_ARRAY_LEN(vs); i++)
        if (have[i] && vs[i](r->curve, r->pub, 1 + 2 * f, r->digest,
                             digest_len, r->sig, 2 * f) != ref)
            n_differ++;
    n_checked++;
    return ref;
}

static void refused(const rec *m, size_t digest_len)
{
    if (all_say(m, digest_len) != TEEATTEST_E_VERIFY_FAILED)
        n_accepted_mutation++;
}

static void compare(const rec *r)
{
    size_t f = r->field;
    if (all_say(r, r->digest_len) != TEEATTEST_OK)
        n_accepted_mutation++; /* counted as a failure: the original */
    rec m = *r;
    m.digest[0] ^= 0x80;
    refused(&m, m.digest_len);
    m = *r;
    m.digest[m.digest_len - 1] ^= 0x01;
    refused(&m, m.digest_len);
    refused(r, r->digest_len - 1);
    m = *r;
    m.sig[f - 1] ^= 0x01; /* r */
    refused(&m, m.digest_len);
    m = *r;
    m.sig[f] ^= 0x40; /* s */
    refused(&m, m.digest_len);
    m = *r;
    memcpy(m.sig, r->sig + f, f);
    memcpy(m.sig + f, r->sig, f);
    refused(&m, m.digest_len);
    m = *r;
    memset(m.sig, 0, f);
    refused(&m, m.digest_len);
    m = *r;
    memset(m.sig + f, 0, f);
    refused(&m, m.digest_len);
    m = *r;
    m.pub[1 + f / 2] ^= 0x10; /* x: off the curve */
    refused(&m, m.digest_len);
    m = *r;
    m.pub[2 * f] ^= 0x01; /* y: off the curve */
    refused(&m, m.digest_len);
}

int main(void)
{
    verify_near();
    verify_rim();
    size_t p256 = 0, p384 = 0;
    for (size_t i = 0; i < n_recs; i++) {
        p256 += recs[i].curve == TEEATTEST_CURVE_P256;
        p384 += recs[i].curve == TEEATTEST_CURVE_P384;
    }
    printf("# %zu ECDSA verifications, %zu distinct valid signatures "
           "(%zu P-256, %zu P-384); openssl %s, nettle %s\n",
           n_calls, n_recs, p256, p384, ta_openssl_available() ? "yes" : "no",
           ta_nettle_available() ? "yes" : "no");
    CHECK_EQ_INT(n_dropped, 0);
    /* The NEAR capture alone holds 8 SPDM + 9 JWT signatures and the
     * device chains' distinct links (P-384), 2 x 2 quote signatures and
     * Intel's chains and CRLs (P-256); the RIMs add 2 + their links. */
    CHECK(p384 >= 8 + 9 + 2 + 4);
    CHECK(p256 >= 4);
    for (size_t i = 0; i < n_recs; i++)
        compare(&recs[i]);
    printf("# %zu inputs compared\n", n_checked);
    CHECK_EQ_INT(n_differ, 0);
    CHECK_EQ_INT(n_accepted_mutation, 0);
    return ta_test_done();
}
