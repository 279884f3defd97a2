/*
 * Crypto dispatch: a backend member overrides the built-in operation, a
 * NULL member or TEEATTEST_E_PASSTHROUGH falls back to it, errors are
 * propagated (and fail the verification, never pass it), the X.509
 * results are forced to be consistent, and `release` runs exactly once,
 * when the last reference to the context (children included) goes.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <jansson.h>

#include "unit.h"

#include "crypto/crypto.h"

struct fake {
    int hash_calls, ecdsa_calls, recover_calls, ed_calls, x509_calls;
    int random_calls, releases;
    int hash_rc;        /* returned for SHA-256 (0 = write the fake digest) */
    int recover_rc;     /* TEEATTEST_E_PASSTHROUGH or a status */
    int ed_rc;
    int x509_rc;
    uint32_t x509_flags;
    int random_rc;
    uint8_t last_digest[32];
};

static int f_hash(void *ud, int32_t alg, uint8_t *out, size_t out_len,
                  const uint8_t *data, size_t len)
{
    struct fake *f = ud;
    (void)data;
    (void)len;
    f->hash_calls++;
    if (alg != TEEATTEST_HASH_SHA256)
        return TEEATTEST_E_PASSTHROUGH;
    if (f->hash_rc)
        return f->hash_rc;
    memset(out, 0x5A, out_len);
    return TEEATTEST_OK;
}

static int f_ecdsa(void *ud, int32_t curve, const uint8_t *pub, size_t pub_len,
                   const uint8_t *dg, size_t dg_len, const uint8_t *sig,
                   size_t sig_len)
{
    struct fake *f = ud;
    (void)curve; (void)pub; (void)pub_len; (void)dg; (void)dg_len;
    (void)sig; (void)sig_len;
    f->ecdsa_calls++;
    return TEEATTEST_OK; /* accepts anything: proves it was the one asked */
}

static int f_recover(void *ud, uint8_t pub[65], const uint8_t dg[32],
                     const uint8_t sig[64], int32_t recid)
{
    struct fake *f = ud;
    (void)pub; (void)sig; (void)recid;
    f->recover_calls++;
    memcpy(f->last_digest, dg, 32);
    return f->recover_rc;
}

static int f_ed(void *ud, const uint8_t sig[64], const uint8_t *msg,
                size_t len, const uint8_t pub[32])
{
    struct fake *f = ud;
    (void)sig; (void)msg; (void)len; (void)pub;
    f->ed_calls++;
    return f->ed_rc;
}

static int f_x509(void *ud, uint32_t *flags, const uint8_t *const *chain,
                  const size_t *chain_lens, size_t chain_count,
                  const uint8_t *const *roots, const size_t *root_lens,
                  size_t root_count, const uint8_t *const *crls,
                  const size_t *crl_lens, size_t crl_count, int64_t at)
{
    struct fake *f = ud;
    (void)chain; (void)chain_lens; (void)chain_count; (void)roots;
    (void)root_lens; (void)root_count; (void)crls; (void)crl_lens;
    (void)crl_count; (void)at;
    f->x509_calls++;
    *flags = f->x509_flags;
    return f->x509_rc;
}

static int f_random(void *ud, uint8_t *buf, size_t len)
{
    struct fake *f = ud;
    f->random_calls++;
    if (f->random_rc)
        return f->random_rc;
    memset(buf, 0x42, len);
    return TEEATTEST_OK;
}

static void f_release(void *ud)
{
    ((struct fake *)ud)->releases++;
}

static teeattest_crypto_backend full_backend(struct fake *f)
{
    teeattest_crypto_backend cb = TEEATTEST_CRYPTO_BACKEND_INIT;
    cb.user_data = f;
    cb.hash = f_hash;
    cb.ecdsa_verify = f_ecdsa;
    cb.secp256k1_recover = f_recover;
    cb.ed25519_verify = f_ed;
    cb.x509_verify_chain = f_x509;
    cb.random = f_random;
    cb.release = f_release;
    return cb;
}

/* The synthetic nonstream_2part vector (secp256k1 key 1, Ed25519 seed
 * 32 x 0x02), read from vectors.json: the point here is the backend, the
 * data only has to be valid. */
static struct {
    char text[256], ecdsa_sig[160], addr[64], digest[80], ed_sig[160], ed_key[80];
    char req_file[64], resp_file[64];
} v0;
#define TEXT v0.text
#define ECDSA_SIG v0.ecdsa_sig
#define ADDR v0.addr
#define ED_SIG v0.ed_sig
#define ED_KEY v0.ed_key

static void copy_str(char *dst, size_t cap, json_t *j)
{
    const char *s = json_string_value(j);
    if (!s || strlen(s) >= cap) {
        printf("Bail out! unexpected vectors.json content\n");
        exit(1);
    }
    memcpy(dst, s, strlen(s) + 1);
}

static void load_vector(void)
{
    size_t len;
    uint8_t *raw = unit_fixture(
        "providers/synthetic_signature_vectors/vectors.json", &len);
    json_t *root = json_loadb((const char *)raw, len, 0, NULL);
    free(raw);
    json_t *v = json_array_get(json_object_get(root, "vectors"), 0);
    json_t *e = json_object_get(v, "ecdsa"), *d = json_object_get(v, "ed25519");
    copy_str(v0.text, sizeof v0.text, json_object_get(v, "text"));
    copy_str(v0.ecdsa_sig, sizeof v0.ecdsa_sig, json_object_get(e, "signature"));
    copy_str(v0.addr, sizeof v0.addr, json_object_get(e, "signing_address"));
    copy_str(v0.digest, sizeof v0.digest,
             json_object_get(e, "eip191_digest_keccak256"));
    copy_str(v0.ed_sig, sizeof v0.ed_sig, json_object_get(d, "signature"));
    copy_str(v0.ed_key, sizeof v0.ed_key, json_object_get(d, "signing_address"));
    copy_str(v0.req_file, sizeof v0.req_file,
             json_object_get(v, "request_body_file"));
    copy_str(v0.resp_file, sizeof v0.resp_file,
             json_object_get(v, "response_body_file"));
    json_decref(root);
}

static void test_override_and_passthrough(void)
{
    struct fake f = {0};
    f.recover_rc = TEEATTEST_E_PASSTHROUGH;
    teeattest_crypto_backend cb = full_backend(&f);
    unit_alloc_stats st = {0};
    teeattest_ctx *ctx = unit_ctx_with(&st, &cb);

    /* Overridden: SHA-256 comes from the backend. */
    uint8_t out[64];
    CHECK_EQ_INT(ta_sha256(ctx, out, (const uint8_t *)"abc", 3), TEEATTEST_OK);
    CHECK(out[0] == 0x5A && out[31] == 0x5A);
    CHECK_EQ_INT(f.hash_calls, 1);
    /* Declined: keccak falls back to the built-in implementation. */
    CHECK_EQ_INT(ta_keccak256(ctx, out, (const uint8_t *)"abc", 3),
                 TEEATTEST_OK);
    CHECK_EQ_INT(f.hash_calls, 2);
    CHECK_HEX(out, 32,
              "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
    /* An error is returned as is, not replaced by the built-in result. */
    f.hash_rc = TEEATTEST_E_CRYPTO;
    CHECK_EQ_INT(ta_sha256(ctx, out, (const uint8_t *)"abc", 3),
                 TEEATTEST_E_CRYPTO);
    f.hash_rc = 0;

    /* ECDSA: the backend accepts a signature the built-in would reject. */
    uint8_t junk[97] = {0x04};
    CHECK_EQ_INT(ta_ecdsa_verify(ctx, TEEATTEST_CURVE_P384, junk, 97, junk, 48,
                                 junk, 96), TEEATTEST_OK);
    CHECK_EQ_INT(f.ecdsa_calls, 1);
    CHECK_EQ_INT(ta_builtin_ecdsa_verify(TEEATTEST_CURVE_P384, junk, 97, junk,
                                         48, junk, 96), TEEATTEST_E_VERIFY_FAILED);

    /* secp256k1 recovery declined: built-in runs. The key of the synthetic
     * vector is private key 1, whose public key is the generator. */
    uint8_t sig65[65], dg[32], pub[65];
    CHECK_EQ_INT(unit_unhex(sig65, sizeof sig65, ECDSA_SIG + 2), 65);
    CHECK_EQ_INT(unit_unhex(dg, sizeof dg, v0.digest), 32);
    CHECK_EQ_INT(ta_secp256k1_recover(ctx, pub, dg, sig65, sig65[64] - 27),
                 TEEATTEST_OK);
    CHECK_EQ_INT(f.recover_calls, 1);
    CHECK(memcmp(f.last_digest, dg, 32) == 0);
    CHECK_HEX(pub, 65,
              "0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
              "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8");
    f.recover_rc = TEEATTEST_E_RECOVER_FAILED;
    CHECK_EQ_INT(ta_secp256k1_recover(ctx, pub, dg, sig65, 1),
                 TEEATTEST_E_RECOVER_FAILED);

    /* Ed25519: the backend's "no" wins over a valid signature. */
    f.ed_rc = TEEATTEST_E_VERIFY_FAILED;
    uint8_t ed_sig[64] = {0}, ed_pub[32] = {0};
    CHECK_EQ_INT(ta_ed25519_verify(ctx, ed_sig, NULL, 0, ed_pub),
                 TEEATTEST_E_VERIFY_FAILED);
    CHECK_EQ_INT(f.ed_calls, 1);

    /* Random. */
    uint8_t rnd[16] = {0};
    CHECK_EQ_INT(ta_random(ctx, rnd, sizeof rnd), TEEATTEST_OK);
    CHECK(rnd[0] == 0x42 && rnd[15] == 0x42);
    f.random_rc = TEEATTEST_E_PASSTHROUGH;
    memset(rnd, 0, sizeof rnd);
    CHECK_EQ_INT(ta_random(ctx, rnd, sizeof rnd), TEEATTEST_OK);
    int zeros = 0;
    for (size_t i = 0; i < sizeof rnd; i++)
        zeros += rnd[i] == 0;
    CHECK(zeros < 16); /* 2^-128 to fail by chance */
    f.random_rc = TEEATTEST_E_RANDOM;
    CHECK_EQ_INT(ta_random(ctx, rnd, sizeof rnd), TEEATTEST_E_RANDOM);
    CHECK_EQ_INT(f.random_calls, 3);

    CHECK_EQ_INT(f.releases, 0);
    teeattest_ctx_free(ctx);
    CHECK_EQ_INT(f.releases, 1);
    CHECK_EQ_INT(st.live, 0);

    /* No context at all: built-ins. */
    CHECK_EQ_INT(ta_keccak256(NULL, out, (const uint8_t *)"", 0), TEEATTEST_OK);
    CHECK_HEX(out, 32,
              "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
}

static void test_null_members(void)
{
    /* A table with only `release` set: everything is built-in. */
    struct fake f = {0};
    teeattest_crypto_backend cb = TEEATTEST_CRYPTO_BACKEND_INIT;
    cb.user_data = &f;
    cb.release = f_release;
    unit_alloc_stats st = {0};
    teeattest_ctx *ctx = unit_ctx_with(&st, &cb);
    uint8_t out[32];
    CHECK_EQ_INT(ta_sha256(ctx, out, (const uint8_t *)"abc", 3), TEEATTEST_OK);
    CHECK_HEX(out, 32,
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    uint32_t flags = 0xFFFF;
    const uint8_t *chain[1] = {(const uint8_t *)"x"};
    size_t lens[1] = {1};
    CHECK_EQ_INT(ta_x509_verify_chain(ctx, &flags, chain, lens, 1, chain, lens,
                                      1, NULL, NULL, 0, 0),
                 TEEATTEST_E_CERT_CHAIN);
    CHECK(flags & TEEATTEST_X509_BAD_FORMAT);
    teeattest_ctx_free(ctx);
    CHECK_EQ_INT(f.releases, 1);
}

static void test_x509_fail_closed(void)
{
    struct fake f = {0};
    teeattest_crypto_backend cb = full_backend(&f);
    teeattest_ctx *ctx = unit_ctx_with(&(unit_alloc_stats){0}, &cb);
    const uint8_t *chain[1] = {(const uint8_t *)"x"};
    size_t lens[1] = {1};
    uint32_t flags;

    /* Clean success. */
    f.x509_rc = TEEATTEST_OK;
    f.x509_flags = 0;
    CHECK_EQ_INT(ta_x509_verify_chain(ctx, &flags, chain, lens, 1, chain, lens,
                                      1, NULL, NULL, 0, 42), TEEATTEST_OK);
    CHECK_EQ_INT(flags, 0);
    /* "OK" with a reason to fail is a failure. */
    f.x509_flags = TEEATTEST_X509_EXPIRED;
    CHECK_EQ_INT(ta_x509_verify_chain(ctx, &flags, chain, lens, 1, chain, lens,
                                      1, NULL, NULL, 0, 42),
                 TEEATTEST_E_CERT_CHAIN);
    CHECK_EQ_INT(flags, TEEATTEST_X509_EXPIRED);
    /* A failure without a reason gets one. */
    f.x509_rc = TEEATTEST_E_CERT_CHAIN;
    f.x509_flags = 0;
    CHECK_EQ_INT(ta_x509_verify_chain(ctx, &flags, chain, lens, 1, chain, lens,
                                      1, NULL, NULL, 0, 42),
                 TEEATTEST_E_CERT_CHAIN);
    CHECK_EQ_INT(flags, TEEATTEST_X509_OTHER);
    /* Declined: the built-in runs and its flags are not polluted by what
     * the backend wrote before declining. */
    f.x509_rc = TEEATTEST_E_PASSTHROUGH;
    f.x509_flags = TEEATTEST_X509_REVOKED;
    CHECK_EQ_INT(ta_x509_verify_chain(ctx, &flags, chain, lens, 1, chain, lens,
                                      1, NULL, NULL, 0, 42),
                 TEEATTEST_E_CERT_CHAIN);
    CHECK_EQ_INT(flags, TEEATTEST_X509_BAD_FORMAT);
    CHECK_EQ_INT(f.x509_calls, 4);
    teeattest_ctx_free(ctx);
}

static uint8_t *fx(const char *name, size_t *len)
{
    char rel[256];
    snprintf(rel, sizeof rel, "providers/synthetic_signature_vectors/%s", name);
    return unit_fixture(rel, len);
}

static int32_t outcome_of(const teeattest_result *r, const char *check)
{
    int32_t o = 0;
    if (teeattest_result_find_check(r, check, &o, NULL, NULL) != TEEATTEST_OK)
        return -1;
    return o;
}

/* Backends drive the verdict of a whole verification. */
static void test_backend_in_verification(void)
{
    size_t rl, sl;
    uint8_t *req = fx(v0.req_file, &rl);
    uint8_t *resp = fx(v0.resp_file, &sl);
    struct fake f = {0};
    teeattest_crypto_backend cb = full_backend(&f);
    cb.hash = NULL;
    cb.random = NULL;
    f.recover_rc = TEEATTEST_E_PASSTHROUGH;
    f.ed_rc = TEEATTEST_E_PASSTHROUGH;
    unit_alloc_stats st = {0};
    teeattest_ctx *ctx = unit_ctx_with(&st, &cb);

    teeattest_signature *es = NULL, *eds = NULL;
    CHECK_EQ_INT(teeattest_signature_new(ctx, &es, TEXT, ECDSA_SIG, ADDR, NULL,
                                         NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_signature_new(ctx, &eds, TEXT, ED_SIG, ED_KEY,
                                         "ed25519", NULL), TEEATTEST_OK);
    teeattest_result *r = NULL;
    /* Pass-through everywhere: verified, and the backend was asked. */
    CHECK_EQ_INT(teeattest_signature_verify(es, &r, NULL, ADDR, req, rl, resp,
                                            sl, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_VERIFIED);
    CHECK_EQ_INT(f.recover_calls, 1);
    CHECK_HEX(f.last_digest, 32, v0.digest);
    teeattest_result_free(r);
    CHECK_EQ_INT(teeattest_signature_verify(eds, &r, NULL, ED_KEY, req, rl,
                                            resp, sl, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_VERIFIED);
    CHECK_EQ_INT(f.ed_calls, 1);
    teeattest_result_free(r);

    /* A backend error is a failed check, not a pass and not a crash. */
    f.recover_rc = TEEATTEST_E_CRYPTO;
    CHECK_EQ_INT(teeattest_signature_verify(es, &r, NULL, ADDR, req, rl, resp,
                                            sl, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    CHECK_EQ_INT(outcome_of(r, "signature.ecdsa.recover"), TEEATTEST_OUTCOME_FAIL);
    CHECK_EQ_INT(outcome_of(r, "signature.signer.expected"),
                 TEEATTEST_OUTCOME_FAIL);
    CHECK(teeattest_result_fact(r, "signer") == NULL);
    teeattest_result_free(r);
    f.recover_rc = TEEATTEST_E_RECOVER_FAILED;
    CHECK_EQ_INT(teeattest_signature_verify(es, &r, NULL, ADDR, req, rl, resp,
                                            sl, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    teeattest_result_free(r);

    f.ed_rc = TEEATTEST_E_VERIFY_FAILED;
    CHECK_EQ_INT(teeattest_signature_verify(eds, &r, NULL, ED_KEY, req, rl,
                                            resp, sl, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    CHECK_EQ_INT(outcome_of(r, "signature.ed25519.verify"),
                 TEEATTEST_OUTCOME_FAIL);
    teeattest_result_free(r);
    f.ed_rc = TEEATTEST_E_CRYPTO;
    CHECK_EQ_INT(teeattest_signature_verify(eds, &r, NULL, ED_KEY, req, rl,
                                            resp, sl, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    teeattest_result_free(r);

    /* A SHA-256 backend error fails both hash checks. */
    teeattest_ctx_free(ctx);
    teeattest_signature_free(es);
    teeattest_signature_free(eds);
    CHECK_EQ_INT(f.releases, 1);

    struct fake h = {0};
    h.hash_rc = TEEATTEST_E_CRYPTO;
    teeattest_crypto_backend hb = TEEATTEST_CRYPTO_BACKEND_INIT;
    hb.user_data = &h;
    hb.hash = f_hash;
    ctx = unit_ctx_with(&st, &hb);
    CHECK_EQ_INT(teeattest_signature_new(ctx, &es, TEXT, ECDSA_SIG, ADDR, NULL,
                                         NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_signature_verify(es, &r, NULL, ADDR, req, rl, resp,
                                            sl, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    CHECK_EQ_INT(outcome_of(r, "signature.hash.request"), TEEATTEST_OUTCOME_FAIL);
    CHECK_EQ_INT(outcome_of(r, "signature.hash.response"),
                 TEEATTEST_OUTCOME_FAIL);
    /* keccak passed through, so recovery itself still worked. */
    CHECK_EQ_INT(outcome_of(r, "signature.ecdsa.recover"), TEEATTEST_OUTCOME_PASS);
    teeattest_result_free(r);
    /* A backend that writes a wrong SHA-256 makes the hashes mismatch. */
    h.hash_rc = 0;
    CHECK_EQ_INT(teeattest_signature_verify(es, &r, NULL, ADDR, req, rl, resp,
                                            sl, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(outcome_of(r, "signature.hash.request"), TEEATTEST_OUTCOME_FAIL);
    CHECK_STR(ta_test_fact(r, "request_sha256"),
              "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a");
    CHECK_EQ_INT(teeattest_result_verdict(r), TEEATTEST_VERDICT_FAILED);
    teeattest_result_free(r);
    teeattest_signature_free(es);
    teeattest_ctx_free(ctx);
    CHECK_EQ_INT(st.live, 0);
    free(req);
    free(resp);
}

/* release runs once, when the last of the context's references goes,
 * whichever handle that is. */
static void test_release_with_children(void)
{
    size_t rl, sl;
    uint8_t *req = fx(v0.req_file, &rl);
    uint8_t *resp = fx(v0.resp_file, &sl);
    /* Every order in which four handles can be freed. */
    static const int orders[][4] = {
        {0, 1, 2, 3}, {3, 2, 1, 0}, {1, 0, 3, 2}, {2, 3, 0, 1}, {0, 3, 1, 2},
        {1, 2, 3, 0}, {3, 0, 2, 1}, {2, 1, 0, 3},
    };
    int bad = 0;
    for (size_t k = 0; k < TA_ARRAY_LEN(orders); k++) {
        struct fake f = {0};
        f.recover_rc = TEEATTEST_E_PASSTHROUGH;
        teeattest_crypto_backend cb = full_backend(&f);
        cb.hash = NULL;
        unit_alloc_stats st = {0};
        teeattest_ctx *ctx = unit_ctx_with(&st, &cb);
        teeattest_policy *pol = NULL;
        teeattest_signature *sig = NULL;
        teeattest_result *res = NULL;
        teeattest_policy_new(ctx, &pol, NULL);
        teeattest_signature_new(ctx, &sig, TEXT, ECDSA_SIG, ADDR, NULL, NULL);
        teeattest_signature_verify(sig, &res, pol, ADDR, req, rl, resp, sl, NULL);
        bad += !pol || !sig || !res;
        for (int i = 0; i < 4; i++) {
            bad += f.releases != 0;
            switch (orders[k][i]) {
            case 0: teeattest_ctx_free(ctx); break;
            case 1: teeattest_policy_free(pol); break;
            case 2: teeattest_signature_free(sig); break;
            case 3: teeattest_result_free(res); break;
            }
        }
        bad += f.releases != 1 || st.live != 0;
    }
    CHECK_EQ_INT(bad, 0);
    free(req);
    free(resp);
}

int main(void)
{
    load_vector();
    test_override_and_passthrough();
    test_null_members();
    test_x509_fail_closed();
    test_backend_in_verification();
    test_release_with_children();
    return ta_test_done();
}
