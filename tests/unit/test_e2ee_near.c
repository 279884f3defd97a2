/*
 * NEAR AI's field-level E2EE (lib/aci/e2ee_near.c, docs/e2ee-nearai.md).
 *
 * The two fixed vectors NEAR's client SDK tests share
 * (nearai/inference-sdk, py/test/test_nearai_inference_sdk/test_e2ee.py at
 * commit 29ca959e, and js/test/e2ee.spec.ts at 24f56682 for the Ed25519
 * one; MIT): a server envelope for a client key of known secret, each
 * decrypted to its plaintext. The secp256k1 one also reproduces byte for
 * byte from our side: its ephemeral key is 2 (the point 2G), its IV
 * 00..0b, the client key 1 (G). Every nibble change and every cut of
 * either vector fails.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <ctype.h>

#include <jansson.h>

#include "unit.h"

#include "aci/e2ee_impl.h"
#include "crypto/crypto.h"

/* ---- the published vectors --------------------------------------------- */

/* Ed25519 v2: client Ed25519 seed 32 x 0x0b. */
static const char ed_vector[] =
    "07a37cbc142093c8b755dc1b10e86cb426374ad16aa853ed0bdfc0b2b86d1c7c"
    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7"
    "43d22a6968fbbdf88cd066c79b3dacd53a6991f06ce8c564e03b7eb60e2376";
static const char ed_plain[] = "fixed v2 vector";

/* ECDSA: client secp256k1 secret 1, its public key G as X || Y. */
static const char ec_client_pub[] =
    "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
    "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8";
static const char ec_vector[] =
    "04c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5"
    "1ae168fea63dc339a3c58419466ceaeef7f632653266d0e1236431a950cfe52a"
    "000102030405060708090a0b"
    "b70c17944e668fbe04a547595e40927c708a34b9e7c4cb5b9917a6fb2240653b2a142b86";
static const char ec_plain[] = "near-ai ecdsa vector";

/* A random source that replays a script, then counts up. */
typedef struct script {
    const uint8_t *bytes;
    size_t len, pos;
    uint8_t next;
} script;

static int script_random(void *ud, uint8_t *buf, size_t len)
{
    script *s = ud;
    for (size_t i = 0; i < len; i++)
        buf[i] = s->pos < s->len ? s->bytes[s->pos++] : s->next++;
    return TEEATTEST_OK;
}

static teeattest_ctx *script_ctx(script *s)
{
    teeattest_crypto_backend cb = TEEATTEST_CRYPTO_BACKEND_INIT;
    cb.user_data = s;
    cb.random = script_random;
    teeattest_ctx_options o = TEEATTEST_CTX_OPTIONS_INIT;
    o.crypto = &cb;
    teeattest_ctx *ctx = NULL;
    if (teeattest_ctx_new(&ctx, &o, NULL) != TEEATTEST_OK) {
        printf("Bail out! teeattest_ctx_new failed\n");
        exit(1);
    }
    return ctx;
}

static void open_text(teeattest_ctx *ctx, const ta_e2ee_key *k,
                      const char *hex, int want_rc, const char *want)
{
    uint8_t *pt = NULL;
    size_t n = 0;
    int rc = ta_near_open(ctx, &pt, &n, k, hex, strlen(hex));
    CHECK_EQ_INT(rc, want_rc);
    if (want)
        CHECK(pt && n == strlen(want) && !memcmp(pt, want, n));
    else
        CHECK(!pt);
    ta_free(ctx, pt);
}

static void test_vectors(void)
{
    teeattest_ctx *ctx = unit_ctx();
    uint8_t seed[32], one[32];
    char pub[131];
    ta_e2ee_key ed, ec;

    memset(seed, 0x0b, 32);
    CHECK_EQ_INT(ta_near_key_from_secret(&ed, pub, TA_E2EE_X25519, seed), 0);
    CHECK_EQ_INT(strlen(pub), 64);
    open_text(ctx, &ed, ed_vector, 0, ed_plain);
    /* 0x and upper case are read as the client reads them. */
    char up[sizeof ed_vector + 2] = "0x";
    for (size_t i = 0; ed_vector[i]; i++)
        up[i + 2] = (char)toupper((unsigned char)ed_vector[i]);
    up[sizeof up - 1] = 0;
    open_text(ctx, &ed, up, 0, ed_plain);

    memset(one, 0, 32);
    one[31] = 1;
    CHECK_EQ_INT(ta_near_key_from_secret(&ec, pub, TA_E2EE_SECP256K1, one), 0);
    CHECK_STR(pub, ec_client_pub);
    open_text(ctx, &ec, ec_vector, 0, ec_plain);

    /* Each vector under the other algorithm's or another key fails. */
    ta_e2ee_key other;
    seed[0] ^= 1;
    CHECK_EQ_INT(ta_near_key_from_secret(&other, pub, TA_E2EE_X25519, seed), 0);
    open_text(ctx, &other, ed_vector, TEEATTEST_E_VERIFY_FAILED, NULL);
    one[31] = 3;
    CHECK_EQ_INT(ta_near_key_from_secret(&other, pub, TA_E2EE_SECP256K1, one),
                 0);
    open_text(ctx, &other, ec_vector, TEEATTEST_E_VERIFY_FAILED, NULL);
    open_text(ctx, &ec, ed_vector, TEEATTEST_E_LENGTH, NULL); /* too short */
    open_text(ctx, &ed, ec_vector, TEEATTEST_E_VERIFY_FAILED, NULL);
    teeattest_ctx_free(ctx);
}

/* Every single-nibble change of a vector fails; so does every cut. */
static void test_vector_mutations(void)
{
    teeattest_ctx *ctx = unit_ctx();
    uint8_t seed[32], one[32];
    char pub[131];
    ta_e2ee_key ed, ec;
    memset(seed, 0x0b, 32);
    memset(one, 0, 32);
    one[31] = 1;
    CHECK_EQ_INT(ta_near_key_from_secret(&ed, pub, TA_E2EE_X25519, seed), 0);
    CHECK_EQ_INT(ta_near_key_from_secret(&ec, pub, TA_E2EE_SECP256K1, one), 0);
    const char *vec[2] = {ed_vector, ec_vector};
    const ta_e2ee_key *key[2] = {&ed, &ec};
    for (int v = 0; v < 2; v++) {
        size_t len = strlen(vec[v]), refused = 0, cuts = 0;
        char *m = malloc(len + 1);
        for (size_t i = 0; i < len; i++) {
            memcpy(m, vec[v], len + 1);
            m[i] = m[i] == '0' ? '1' : '0';
            uint8_t *pt = NULL;
            size_t n = 0;
            int rc = ta_near_open(ctx, &pt, &n, key[v], m, len);
            refused += rc != 0 && !pt;
            ta_free(ctx, pt);
        }
        CHECK_EQ_INT(refused, len);
        for (size_t k = 0; k < len; k++) {
            uint8_t *pt = NULL;
            size_t n = 0;
            int rc = ta_near_open(ctx, &pt, &n, key[v], vec[v], k);
            cuts += rc != 0 && !pt;
            ta_free(ctx, pt);
        }
        CHECK_EQ_INT(cuts, len);
        free(m);
    }
    /* A compressed ephemeral key (02/03 prefix) is not read. */
    char c[sizeof ec_vector];
    memcpy(c, ec_vector, sizeof c);
    c[1] = '2';
    open_text(ctx, &ec, c, TEEATTEST_E_VERIFY_FAILED, NULL);
    open_text(ctx, &ec, "zz", TEEATTEST_E_HEX, NULL);
    open_text(ctx, &ec, "abc", TEEATTEST_E_HEX, NULL);
    open_text(ctx, &ed, "Hello there", TEEATTEST_E_HEX, NULL);
    open_text(ctx, &ed, "00", TEEATTEST_E_LENGTH, NULL);
    teeattest_ctx_free(ctx);
}

/* Our encryption reproduces the secp256k1 vector byte for byte: the
 * random source hands out the ephemeral secret 2, then the IV 00..0b. */
static void test_seal_reproduces(void)
{
    uint8_t script_bytes[44];
    memset(script_bytes, 0, sizeof script_bytes);
    script_bytes[31] = 2;
    for (int i = 0; i < 12; i++)
        script_bytes[32 + i] = (uint8_t)i;
    script s = {.bytes = script_bytes, .len = sizeof script_bytes};
    teeattest_ctx *ctx = script_ctx(&s);
    ta_e2ee_key model;
    CHECK_EQ_INT(ta_near_model_key(ctx, &model, TA_E2EE_SECP256K1,
                                   ec_client_pub, NULL, NULL), 0);
    char *hex = NULL;
    CHECK_EQ_INT(ta_near_seal(ctx, &hex, &model, (const uint8_t *)ec_plain,
                              strlen(ec_plain)), 0);
    CHECK_STR(hex, ec_vector);
    ta_free(ctx, hex);

    /* Ed25519: the vector's ephemeral secret is not published, so the
     * check is the round trip to the seed-0x0b key and the layout. */
    uint8_t seed[32];
    char pub[131];
    ta_e2ee_key me, to;
    memset(seed, 0x0b, 32);
    CHECK_EQ_INT(ta_near_key_from_secret(&me, pub, TA_E2EE_X25519, seed), 0);
    CHECK_EQ_INT(ta_near_model_key(ctx, &to, TA_E2EE_X25519, pub, pub, NULL),
                 0);
    CHECK(!memcmp(to.pub, me.pub, 32)); /* the Ed25519 -> X25519 map */
    CHECK_EQ_INT(ta_near_seal(ctx, &hex, &to, (const uint8_t *)ed_plain,
                              strlen(ed_plain)), 0);
    CHECK_EQ_INT(strlen(hex), 2 * (32 + 24 + strlen(ed_plain) + 16));
    open_text(ctx, &me, hex, 0, ed_plain);
    ta_free(ctx, hex);
    teeattest_ctx_free(ctx);
}

int main(void)
{
    test_vectors();
    test_vector_mutations();
    test_seal_reproduces();
    return ta_test_done();
}
