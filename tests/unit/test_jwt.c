/*
 * JWS/JWKS (lib/gpu/jwt.c): the real NRAS JWKS and tokens of 2026-06-29
 * verify at their recorded time; strict parsing refuses every malformed
 * or downgraded token (alg none, HS256 keyed with the public key, ES384
 * under an unknown key, padding, wrong lengths, duplicate alg), claims
 * fail when expired / not yet valid / wrong issuer, eat_nonce compares
 * bytes; a key is trusted only through x5c under a pinned intermediate at
 * the given time (no x5c, another intermediate, a leaf the intermediate
 * did not sign, an expired leaf fail), and a kid two documents bind to
 * different keys fails every token under it.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <jansson.h>

#include "jwt_kit.h"
#include "gpu/jwt.h"

#define JWKS_FILE "nvidia/jwks/nras_jwks_20260629.json"
#define NEAR_DIR "nvidia/remote_neardirect_h100x8/"
#define AT_NEAR 1782699000 /* 2026-06-29T02:10:00Z */
#define NEAR_NONCE "541b6523f9446dcd170e67ac8171eb9226bee5e3f192de4900b74f0ef293500b"
#define ISS "https://nras.attestation.nvidia.com"

static teeattest_ctx *ctx;

static void nonce_bytes(uint8_t out[32], const char *hex)
{
    unit_unhex(out, 32, hex);
}

/* The overall token of the NEAR answer (malloc'd). */
static char *near_overall(void)
{
    size_t n;
    uint8_t *doc = unit_fixture(NEAR_DIR "nras_response.json", &n);
    json_t *j = json_loadb((const char *)doc, n, 0, NULL);
    char *t = strdup(json_string_value(json_array_get(json_array_get(j, 0), 1)));
    json_decref(j);
    free(doc);
    return t;
}

static void test_real_jwks(ta_jwks *jwks)
{
    size_t n;
    uint8_t *doc = unit_fixture(JWKS_FILE, &n);
    teeattest_error e = TEEATTEST_ERROR_INIT;
    CHECK_EQ_INT(ta_jwks_add_json(jwks, doc, n, AT_NEAR, &e), TEEATTEST_OK);
    CHECK_EQ_INT(jwks->n, 32);
    CHECK(ta_jwks_find(jwks, "nv-eat-kid-prod-20260628170000087-6f27a971-6e29-42d6-afb9-8e3fbb17fa25") != NULL);
    CHECK(ta_jwks_find(jwks, "nope") == NULL);
    const ta_jwk *k = &jwks->keys[0];
    CHECK_EQ_INT(k->n_x5c, 2);
    /* Loading the same document again keeps the keys: no duplicate, no
     * conflict (identical keys). */
    CHECK_EQ_INT(ta_jwks_add_json(jwks, doc, n, AT_NEAR, &e), TEEATTEST_OK);
    CHECK_EQ_INT(jwks->n, 32);
    for (size_t i = 0; i < jwks->n; i++)
        CHECK(!jwks->keys[i].conflict);

    /* File loader: same content. */
    ta_jwks f;
    ta_jwks_init(&f, ctx);
    CHECK_EQ_INT(ta_jwks_load_file(&f, ta_test_fixture(JWKS_FILE), 1, &e),
                 TEEATTEST_OK);
    CHECK_EQ_INT(f.n, 32);
    CHECK_EQ_INT(ta_jwks_load_file(&f, "/nonexistent/jwks.json", 1, &e),
                 TEEATTEST_E_IO);
    ta_jwks_clear(&f);

    /* A key whose x5c[0] holds another key is refused with the document. */
    json_t *j = json_loadb((const char *)doc, n, 0, NULL);
    json_t *keys = json_object_get(j, "keys");
    json_object_set(json_array_get(keys, 0), "x5c",
                    json_object_get(json_array_get(keys, 1), "x5c"));
    char *bad = json_dumps(j, JSON_COMPACT);
    ta_jwks t;
    ta_jwks_init(&t, ctx);
    CHECK_EQ_INT(ta_jwks_add_json(&t, (uint8_t *)bad, strlen(bad), 1, &e),
                 TEEATTEST_E_VERIFY_FAILED);
    CHECK(strstr(e.message, "different key") != NULL);
    CHECK_EQ_INT(t.n, 0);
    free(bad);
    json_decref(j);

    /* Duplicate kid in one document. */
    j = json_loadb((const char *)doc, n, 0, NULL);
    keys = json_object_get(j, "keys");
    json_array_append(keys, json_array_get(keys, 0));
    bad = json_dumps(j, JSON_COMPACT);
    CHECK_EQ_INT(ta_jwks_add_json(&t, (uint8_t *)bad, strlen(bad), 1, &e),
                 TEEATTEST_E_PARSE);
    free(bad);
    json_decref(j);
    ta_jwks_clear(&t);
    free(doc);
}

static void test_jwks_malformed(void)
{
    static const struct { const char *doc; int rc; size_t keys; } cases[] = {
        {"{\"keys\":[]}", TEEATTEST_OK, 0},
        {"{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"r\",\"n\":\"AQAB\",\"e\":\"AQAB\"}]}", TEEATTEST_OK, 0},
        {"{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"p\",\"x\":\"AA\",\"y\":\"AA\"}]}", TEEATTEST_OK, 0},
        {"{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-384\",\"kid\":\"k\",\"x\":\"AA\",\"y\":\"AA\"}]}", TEEATTEST_E_LENGTH, 0},
        {"{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-384\",\"x\":\"AA\",\"y\":\"AA\"}]}", TEEATTEST_E_FIELD_MISSING, 0},
        {"{\"keys\":{}}", TEEATTEST_E_JSON, 0},
        {"[]", TEEATTEST_E_JSON, 0},
        {"{\"keys\":[1]}", TEEATTEST_E_JSON, 0},
        {"{\"keys\":[], \"keys\":[]}", TEEATTEST_E_JSON, 0},
        {"not json", TEEATTEST_E_JSON, 0},
        {"", TEEATTEST_E_JSON, 0},
    };
    for (size_t i = 0; i < TA_ARRAY_LEN(cases); i++) {
        ta_jwks t;
        ta_jwks_init(&t, ctx);
        teeattest_error e = TEEATTEST_ERROR_INIT;
        int rc = ta_jwks_add_json(&t, (const uint8_t *)cases[i].doc,
                                  strlen(cases[i].doc), 1, &e);
        if (!CHECK_EQ_INT(rc, cases[i].rc))
            printf("#   case %zu: %s\n", i, e.message);
        CHECK_EQ_INT(t.n, cases[i].keys);
        ta_jwks_clear(&t);
    }
    /* alg / use other than ES384 / sig, and padded coordinates. */
    kit_key k;
    kit_key_init(&k, 7);
    char *doc = kit_jwks(&k, "kid-a");
    ta_jwks t;
    ta_jwks_init(&t, ctx);
    CHECK_EQ_INT(ta_jwks_add_json(&t, (uint8_t *)doc, strlen(doc), 1, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(t.n, 1);
    ta_jwks_clear(&t);
    json_t *j = json_loads(doc, 0, NULL);
    json_t *key = json_array_get(json_object_get(j, "keys"), 0);
    json_object_set_new(key, "alg", json_string("HS256"));
    char *bad = json_dumps(j, JSON_COMPACT);
    CHECK_EQ_INT(ta_jwks_add_json(&t, (uint8_t *)bad, strlen(bad), 1, NULL),
                 TEEATTEST_E_SIG_ALGO);
    free(bad);
    json_object_del(key, "alg");
    char xpad[80];
    snprintf(xpad, sizeof xpad, "%s==", json_string_value(json_object_get(key, "x")));
    json_object_set_new(key, "x", json_string(xpad));
    bad = json_dumps(j, JSON_COMPACT);
    CHECK(ta_jwks_add_json(&t, (uint8_t *)bad, strlen(bad), 1, NULL) != TEEATTEST_OK);
    free(bad);
    json_decref(j);
    free(doc);
    kit_key_free(&k);
}

static void test_real_token(const ta_jwks *jwks)
{
    char *tok = near_overall();
    ta_jwt j;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    CHECK_EQ_INT(ta_jwt_parse(ctx, &j, tok, strlen(tok), &e), TEEATTEST_OK);
    CHECK_STR(j.kid, "nv-eat-kid-prod-20260628170349267-bfb514f7-1ac0-40f5-8108-e0b3c98351db");
    char d[400];
    ta_jwt_keyopts ko = {NULL, 0};
    int rc = ta_jwt_verify_signature(ctx, &j, jwks, &ko, AT_NEAR, d, sizeof d);
    if (!CHECK_EQ_INT(rc, TEEATTEST_OK))
        printf("#   %s\n", d);
    CHECK(strstr(d, "pinned intermediate") != NULL);
    /* x5c leaf (valid 2026-06-28T16:59:27Z..06-30T16:59:57Z) outside its
     * window: the key's certificate no longer vouches for it. */
    CHECK_EQ_INT(ta_jwt_verify_signature(ctx, &j, jwks, &ko, 1782900000, d, sizeof d),
                 TEEATTEST_E_CERT_CHAIN);
    CHECK(strstr(d, "expired") != NULL);
    CHECK_EQ_INT(ta_jwt_verify_signature(ctx, &j, jwks, &ko, 1782600000, d, sizeof d),
                 TEEATTEST_E_CERT_CHAIN);
    /* Empty cache: unknown kid. */
    ta_jwks empty;
    ta_jwks_init(&empty, ctx);
    CHECK_EQ_INT(ta_jwt_verify_signature(ctx, &j, &empty, &ko, AT_NEAR, d, sizeof d),
                 TEEATTEST_E_NOT_FOUND);
    CHECK(strstr(d, "not in the JWKS") != NULL);

    CHECK_EQ_INT(ta_jwt_check_claims(&j, ISS, AT_NEAR, 60, d, sizeof d), TEEATTEST_OK);
    /* exp 1782702394: expired at and after exp. */
    CHECK_EQ_INT(ta_jwt_check_claims(&j, ISS, 1782702393, 60, d, sizeof d), TEEATTEST_OK);
    CHECK_EQ_INT(ta_jwt_check_claims(&j, ISS, 1782702394, 60, d, sizeof d),
                 TEEATTEST_E_VERIFY_FAILED);
    CHECK(strstr(d, "expired") != NULL);
    /* nbf 1782698794: 60 s early is tolerated, 61 s not. */
    CHECK_EQ_INT(ta_jwt_check_claims(&j, ISS, 1782698794 - 60, 60, d, sizeof d),
                 TEEATTEST_OK);
    CHECK_EQ_INT(ta_jwt_check_claims(&j, ISS, 1782698794 - 61, 60, d, sizeof d),
                 TEEATTEST_E_VERIFY_FAILED);
    CHECK(strstr(d, "not yet valid") != NULL);
    CHECK_EQ_INT(ta_jwt_check_claims(&j, "https://nras.attestation-stg.nvidia.com",
                                     AT_NEAR, 60, d, sizeof d),
                 TEEATTEST_E_VERIFY_FAILED);
    CHECK(strstr(d, "iss") != NULL);

    uint8_t n[32];
    nonce_bytes(n, NEAR_NONCE);
    CHECK_EQ_INT(ta_jwt_nonce_matches(&j, n, 32, d, sizeof d), 1);
    n[31] ^= 1;
    CHECK_EQ_INT(ta_jwt_nonce_matches(&j, n, 32, d, sizeof d), 0);
    ta_jwt_clear(&j);

    /* One flipped signature bit. */
    size_t L = strlen(tok);
    char saved = tok[L - 5];
    tok[L - 5] = tok[L - 5] == 'A' ? 'B' : 'A';
    CHECK_EQ_INT(ta_jwt_parse(ctx, &j, tok, L, &e), TEEATTEST_OK);
    CHECK_EQ_INT(ta_jwt_verify_signature(ctx, &j, jwks, &ko, AT_NEAR, d, sizeof d),
                 TEEATTEST_E_VERIFY_FAILED);
    ta_jwt_clear(&j);
    tok[L - 5] = saved;

    /* Every truncation and a byte flip at every position fail cleanly (or,
     * for a flip the base64 absorbs, still fail to verify). */
    size_t ok_parses = 0, bad_verifies = 0;
    for (size_t cut = 0; cut < L; cut++) {
        if (ta_jwt_parse(ctx, &j, tok, cut, NULL) == TEEATTEST_OK) {
            ok_parses++;
            ta_jwt_clear(&j);
        }
    }
    CHECK_EQ_INT(ok_parses, 0);
    for (size_t pos = 0; pos < L; pos += 7) {
        char c = tok[pos];
        tok[pos] = c == '.' ? 'A' : (c == 'x' ? 'y' : 'x');
        if (ta_jwt_parse(ctx, &j, tok, L, NULL) == TEEATTEST_OK) {
            if (ta_jwt_verify_signature(ctx, &j, jwks, &ko, AT_NEAR, d, sizeof d) != TEEATTEST_OK)
                bad_verifies++;
            else
                printf("#   flip at %zu verified\n", pos);
            ta_jwt_clear(&j);
        } else {
            bad_verifies++;
        }
        tok[pos] = c;
    }
    CHECK_EQ_INT(bad_verifies, (L + 6) / 7);
    free(tok);
}

static int parse_rc(const char *tok)
{
    ta_jwt j;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    int rc = ta_jwt_parse(ctx, &j, tok, strlen(tok), &e);
    ta_jwt_clear(&j);
    return rc;
}

static void test_forged(void)
{
    kit_key k, other;
    kit_key_init(&k, 1);
    kit_key_init(&other, 2);
    kit_pki pki;
    kit_pki_init(&pki, 3, "CN=Test NRAS Intermediate");
    char *jwks_doc = kit_jwks_x5c(&k, "test-kid", &pki, NULL, KIT_FROM, KIT_TO);
    ta_jwks jwks;
    ta_jwks_init(&jwks, ctx);
    CHECK_EQ_INT(ta_jwks_add_json(&jwks, (uint8_t *)jwks_doc, strlen(jwks_doc), 1, NULL),
                 TEEATTEST_OK);
    const char *payload = "{\"iss\":\"" ISS "\",\"iat\":1000,\"nbf\":1000,"
                          "\"exp\":4600,\"eat_nonce\":\"" NEAR_NONCE "\"}";
    ta_jwt_keyopts ko = {KIT_PINS(&pki), 1};
    char d[400];
    ta_jwt j;

    /* Good token under the test key. */
    char *good = kit_es384(&k, "test-kid", payload);
    CHECK_EQ_INT(ta_jwt_parse(ctx, &j, good, strlen(good), NULL), TEEATTEST_OK);
    CHECK_EQ_INT(ta_jwt_verify_signature(ctx, &j, &jwks, &ko, 2000, d, sizeof d),
                 TEEATTEST_OK);
    CHECK(strstr(d, "pinned intermediate") != NULL);
    CHECK_EQ_INT(ta_jwt_check_claims(&j, ISS, 2000, 60, d, sizeof d), TEEATTEST_OK);
    CHECK_EQ_INT(ta_jwt_check_claims(&j, ISS, 4600, 60, d, sizeof d),
                 TEEATTEST_E_VERIFY_FAILED);
    CHECK_EQ_INT(ta_jwt_check_claims(&j, ISS, 900, 60, d, sizeof d),
                 TEEATTEST_E_VERIFY_FAILED);
    /* Without the test pin its intermediate is just another CA. */
    CHECK_EQ_INT(ta_jwt_verify_signature(ctx, &j, &jwks, NULL, 2000, d, sizeof d),
                 TEEATTEST_E_CERT_CHAIN);
    ta_jwt_clear(&j);
    free(good);

    /* Signed by a key not in the JWKS, claiming the JWKS key's kid. */
    char *forged = kit_es384(&other, "test-kid", payload);
    CHECK_EQ_INT(ta_jwt_parse(ctx, &j, forged, strlen(forged), NULL), TEEATTEST_OK);
    CHECK_EQ_INT(ta_jwt_verify_signature(ctx, &j, &jwks, &ko, 2000, d, sizeof d),
                 TEEATTEST_E_VERIFY_FAILED);
    ta_jwt_clear(&j);
    free(forged);
    /* ...or under its own unknown kid. */
    forged = kit_es384(&other, "other-kid", payload);
    CHECK_EQ_INT(ta_jwt_parse(ctx, &j, forged, strlen(forged), NULL), TEEATTEST_OK);
    CHECK_EQ_INT(ta_jwt_verify_signature(ctx, &j, &jwks, &ko, 2000, d, sizeof d),
                 TEEATTEST_E_NOT_FOUND);
    ta_jwt_clear(&j);
    free(forged);

    /* alg none: unsigned (empty third part) and with a signature. */
    char *none = kit_token(&k, "{\"kid\":\"test-kid\",\"alg\":\"none\"}", payload,
                           KIT_NONE_EMPTY, NULL, 0);
    CHECK_EQ_INT(parse_rc(none), TEEATTEST_E_PARSE);
    free(none);
    none = kit_token(&k, "{\"kid\":\"test-kid\",\"alg\":\"none\"}", payload,
                     KIT_ES384, NULL, 0);
    CHECK_EQ_INT(parse_rc(none), TEEATTEST_E_SIG_ALGO);
    free(none);
    /* HS256 keyed with the public key (the key-confusion attack). */
    char *hs = kit_token(&k, "{\"kid\":\"test-kid\",\"alg\":\"HS256\"}", payload,
                         KIT_HS256, k.pub, sizeof k.pub);
    CHECK_EQ_INT(parse_rc(hs), TEEATTEST_E_SIG_ALGO);
    free(hs);
    hs = kit_token(&k, "{\"kid\":\"test-kid\",\"alg\":\"HS256\"}", payload,
                   KIT_HS256, (const uint8_t *)jwks_doc, strlen(jwks_doc));
    CHECK_EQ_INT(parse_rc(hs), TEEATTEST_E_SIG_ALGO);
    free(hs);
    static const char *const bad_headers[] = {
        "{\"kid\":\"test-kid\",\"alg\":\"RS256\"}",
        "{\"kid\":\"test-kid\",\"alg\":\"ES256\"}",
        "{\"kid\":\"test-kid\",\"alg\":\"es384\"}",
        "{\"kid\":\"test-kid\",\"alg\":\"ES384 \"}",
        "{\"kid\":\"test-kid\",\"alg\":[\"ES384\"]}",
        "{\"kid\":\"test-kid\"}",
    };
    for (size_t i = 0; i < TA_ARRAY_LEN(bad_headers); i++) {
        char *t = kit_token(&k, bad_headers[i], payload, KIT_ES384, NULL, 0);
        int rc = parse_rc(t);
        CHECK(rc == TEEATTEST_E_SIG_ALGO || rc == TEEATTEST_E_FIELD_MISSING);
        free(t);
    }
    /* Duplicate alg: the second must not shadow the first. */
    char *dup = kit_token(&k, "{\"kid\":\"test-kid\",\"alg\":\"none\",\"alg\":\"ES384\"}",
                          payload, KIT_ES384, NULL, 0);
    CHECK_EQ_INT(parse_rc(dup), TEEATTEST_E_JSON);
    free(dup);
    dup = kit_token(&k, "{\"kid\":\"test-kid\",\"alg\":\"ES384\",\"alg\":\"ES384\"}",
                    payload, KIT_ES384, NULL, 0);
    CHECK_EQ_INT(parse_rc(dup), TEEATTEST_E_JSON);
    free(dup);
    char *t = kit_token(&k, "{\"alg\":\"ES384\"}", payload, KIT_ES384, NULL, 0);
    CHECK_EQ_INT(parse_rc(t), TEEATTEST_E_FIELD_MISSING);
    free(t);
    t = kit_token(&k, "{\"kid\":\"test-kid\",\"alg\":\"ES384\",\"crit\":[\"b64\"]}",
                  payload, KIT_ES384, NULL, 0);
    CHECK_EQ_INT(parse_rc(t), TEEATTEST_E_PARSE);
    free(t);
    t = kit_token(&k, "{\"kid\":\"test-kid\",\"alg\":\"ES384\"}", payload,
                  KIT_ES384_SHORT, NULL, 0);
    CHECK_EQ_INT(parse_rc(t), TEEATTEST_E_LENGTH);
    free(t);
    t = kit_token(&k, "[\"kid\"]", payload, KIT_ES384, NULL, 0);
    CHECK_EQ_INT(parse_rc(t), TEEATTEST_E_JSON);
    free(t);
    t = kit_token(&k, "{\"kid\":\"test-kid\",\"alg\":\"ES384\"}", "[1]", KIT_ES384, NULL, 0);
    CHECK_EQ_INT(parse_rc(t), TEEATTEST_E_JSON);
    free(t);

    /* Claims variants, all validly signed. */
    static const struct { const char *payload; int64_t at; } claims[] = {
        {"{\"iss\":\"" ISS "\",\"iat\":1000,\"nbf\":1000}", 2000},              /* no exp */
        {"{\"iss\":\"" ISS "\",\"iat\":1000,\"nbf\":1000,\"exp\":4600.5}", 2000}, /* float */
        {"{\"iss\":\"" ISS "\",\"iat\":1000,\"nbf\":1000,\"exp\":\"4600\"}", 2000},
        {"{\"iat\":1000,\"nbf\":1000,\"exp\":4600}", 2000},                     /* no iss */
        {"{\"iss\":\"" ISS "/\",\"iat\":1000,\"nbf\":1000,\"exp\":4600}", 2000},
        {"{\"iss\":\"" ISS "\",\"iat\":3000,\"nbf\":1000,\"exp\":4600}", 2000}, /* iat future */
        {"{\"iss\":\"" ISS "\",\"iat\":1000,\"nbf\":5000,\"exp\":4600}", 4590}, /* nbf > exp */
    };
    for (size_t i = 0; i < TA_ARRAY_LEN(claims); i++) {
        char *c = kit_es384(&k, "test-kid", claims[i].payload);
        CHECK_EQ_INT(ta_jwt_parse(ctx, &j, c, strlen(c), NULL), TEEATTEST_OK);
        CHECK_EQ_INT(ta_jwt_verify_signature(ctx, &j, &jwks, &ko, 2000, d, sizeof d),
                     TEEATTEST_OK);
        CHECK_EQ_INT(ta_jwt_check_claims(&j, ISS, claims[i].at, 60, d, sizeof d),
                     TEEATTEST_E_VERIFY_FAILED);
        ta_jwt_clear(&j);
        free(c);
    }
    /* eat_nonce: upper-case hex compares equal; absent; wrong length. */
    uint8_t n[32];
    nonce_bytes(n, NEAR_NONCE);
    char up[65];
    for (int i = 0; i < 64; i++)
        up[i] = (char)(NEAR_NONCE[i] >= 'a' ? NEAR_NONCE[i] - 32 : NEAR_NONCE[i]);
    up[64] = 0;
    char pl[300];
    snprintf(pl, sizeof pl, "{\"eat_nonce\":\"%s\"}", up);
    t = kit_es384(&k, "test-kid", pl);
    ta_jwt_parse(ctx, &j, t, strlen(t), NULL);
    CHECK_EQ_INT(ta_jwt_nonce_matches(&j, n, 32, d, sizeof d), 1);
    ta_jwt_clear(&j);
    free(t);
    t = kit_es384(&k, "test-kid", "{}");
    ta_jwt_parse(ctx, &j, t, strlen(t), NULL);
    CHECK_EQ_INT(ta_jwt_nonce_matches(&j, n, 32, d, sizeof d), -1);
    ta_jwt_clear(&j);
    free(t);
    t = kit_es384(&k, "test-kid", "{\"eat_nonce\":\"541b\"}");
    ta_jwt_parse(ctx, &j, t, strlen(t), NULL);
    CHECK_EQ_INT(ta_jwt_nonce_matches(&j, n, 32, d, sizeof d), 0);
    ta_jwt_clear(&j);
    free(t);

    ta_jwks_clear(&jwks);
    free(jwks_doc);
    kit_pki_free(&pki);
    kit_key_free(&k);
    kit_key_free(&other);
}

/* Verify a fresh token of `k` under kid "test-kid" with the keys of the
 * JWKS documents `docs` (NULL-terminated); the status, detail in `d`. */
static int verify_with(kit_key *k, const char *const *docs,
                       const ta_jwt_keyopts *ko, int64_t at, char *d,
                       size_t cap)
{
    ta_jwks jwks;
    ta_jwks_init(&jwks, ctx);
    for (size_t i = 0; docs[i]; i++)
        CHECK_EQ_INT(ta_jwks_add_json(&jwks, (const uint8_t *)docs[i],
                                      strlen(docs[i]), 1, NULL),
                     TEEATTEST_OK);
    char *t = kit_es384(k, "test-kid", "{\"iss\":\"" ISS "\"}");
    ta_jwt j;
    int rc = ta_jwt_parse(ctx, &j, t, strlen(t), NULL);
    if (!rc)
        rc = ta_jwt_verify_signature(ctx, &j, &jwks, ko, at, d, cap);
    ta_jwt_clear(&j);
    free(t);
    ta_jwks_clear(&jwks);
    return rc;
}

/* A JWKS key is trusted only through x5c under a pinned intermediate. */
static void test_x5c_required(void)
{
    kit_key k, other;
    kit_key_init(&k, 11);
    kit_key_init(&other, 12);
    kit_pki pki, rogue;
    kit_pki_init(&pki, 13, "CN=Test NRAS Intermediate");
    kit_pki_init(&rogue, 14, "CN=Rogue Intermediate");
    ta_jwt_keyopts ko = {KIT_PINS(&pki), 1};
    char d[400];

    char *chained = kit_jwks_x5c(&k, "test-kid", &pki, NULL, KIT_FROM, KIT_TO);
    CHECK_EQ_INT(verify_with(&k, (const char *[]){chained, NULL}, &ko, 2000,
                             d, sizeof d), TEEATTEST_OK);

    /* (f) The same key without x5c: valid signature, untrusted key. */
    char *bare = kit_jwks(&k, "test-kid");
    CHECK_EQ_INT(verify_with(&k, (const char *[]){bare, NULL}, &ko, 2000, d,
                             sizeof d), TEEATTEST_E_CERT_CHAIN);
    CHECK(strstr(d, "has no x5c") != NULL);
    /* x5c with the leaf alone. */
    json_t *j = json_loads(chained, 0, NULL);
    json_array_remove(json_object_get(json_array_get(json_object_get(j, "keys"), 0),
                                      "x5c"), 1);
    char *leaf_only = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    CHECK_EQ_INT(verify_with(&k, (const char *[]){leaf_only, NULL}, &ko, 2000,
                             d, sizeof d), TEEATTEST_E_CERT_CHAIN);
    CHECK(strstr(d, "no intermediate") != NULL);

    /* (g) A chain to another intermediate (not pinned). */
    char *foreign = kit_jwks_x5c(&k, "test-kid", &rogue, NULL, KIT_FROM, KIT_TO);
    CHECK_EQ_INT(verify_with(&k, (const char *[]){foreign, NULL}, &ko, 2000, d,
                             sizeof d), TEEATTEST_E_CERT_CHAIN);
    CHECK(strstr(d, "not a pinned NRAS intermediate") != NULL);
    /* The pinned intermediate as x5c[1], the leaf signed by another key. */
    char *unsigned_leaf = kit_jwks_x5c(&k, "test-kid", &pki, &other, KIT_FROM,
                                       KIT_TO);
    CHECK_EQ_INT(verify_with(&k, (const char *[]){unsigned_leaf, NULL}, &ko,
                             2000, d, sizeof d), TEEATTEST_E_CERT_CHAIN);
    CHECK(strstr(d, "does not verify under the pinned intermediate") != NULL);
    /* A leaf outside its validity at the verification time. */
    char *expired = kit_jwks_x5c(&k, "test-kid", &pki, NULL, "19700101000000",
                                 "19700101010000");
    CHECK_EQ_INT(verify_with(&k, (const char *[]){expired, NULL}, &ko, 2000, d,
                             sizeof d), TEEATTEST_OK);
    CHECK_EQ_INT(verify_with(&k, (const char *[]){expired, NULL}, &ko, 7200, d,
                             sizeof d), TEEATTEST_E_CERT_CHAIN);
    CHECK(strstr(d, "expired") != NULL);

    free(chained);
    free(bare);
    free(leaf_only);
    free(foreign);
    free(unsigned_leaf);
    free(expired);
    kit_pki_free(&pki);
    kit_pki_free(&rogue);
    kit_key_free(&k);
    kit_key_free(&other);
}

/* (h) One kid, two documents: the same key is no conflict; another key
 * (even one with its own valid chain) fails every token under the kid. */
static void test_kid_conflict(ta_jwks *real)
{
    kit_key k, other;
    kit_key_init(&k, 21);
    kit_key_init(&other, 22);
    kit_pki pki;
    kit_pki_init(&pki, 23, "CN=Test NRAS Intermediate");
    ta_jwt_keyopts ko = {KIT_PINS(&pki), 1};
    char d[400];
    char *a = kit_jwks_x5c(&k, "test-kid", &pki, NULL, KIT_FROM, KIT_TO);
    char *b = kit_jwks_x5c(&other, "test-kid", &pki, NULL, KIT_FROM, KIT_TO);
    /* Same key, another leaf certificate (other validity): not identical. */
    char *a2 = kit_jwks_x5c(&k, "test-kid", &pki, NULL, "19710101000000",
                            KIT_TO);

    CHECK_EQ_INT(verify_with(&k, (const char *[]){a, a, NULL}, &ko, 40000000,
                             d, sizeof d), TEEATTEST_OK);
    CHECK_EQ_INT(verify_with(&k, (const char *[]){a, b, NULL}, &ko, 40000000,
                             d, sizeof d), TEEATTEST_E_VERIFY_FAILED);
    CHECK(strstr(d, "conflict") != NULL);
    CHECK_EQ_INT(verify_with(&other, (const char *[]){a, b, NULL}, &ko,
                             40000000, d, sizeof d), TEEATTEST_E_VERIFY_FAILED);
    /* Order does not pick a winner. */
    CHECK_EQ_INT(verify_with(&k, (const char *[]){b, a, NULL}, &ko, 40000000,
                             d, sizeof d), TEEATTEST_E_VERIFY_FAILED);
    CHECK_EQ_INT(verify_with(&other, (const char *[]){b, a, NULL}, &ko,
                             40000000, d, sizeof d), TEEATTEST_E_VERIFY_FAILED);
    CHECK_EQ_INT(verify_with(&k, (const char *[]){a, a2, NULL}, &ko, 40000000,
                             d, sizeof d), TEEATTEST_E_VERIFY_FAILED);
    /* A third document with the first key does not clear the conflict. */
    CHECK_EQ_INT(verify_with(&k, (const char *[]){a, b, a, NULL}, &ko,
                             40000000, d, sizeof d), TEEATTEST_E_VERIFY_FAILED);

    /* NVIDIA's kid re-bound by a second document: the real token fails
     * instead of the second document's key replacing NVIDIA's. */
    const char *kid = "nv-eat-kid-prod-20260628170349267-bfb514f7-1ac0-40f5-8108-e0b3c98351db";
    char *hijack = kit_jwks_x5c(&other, kid, &pki, NULL, KIT_FROM, KIT_TO);
    size_t n;
    uint8_t *doc = unit_fixture(JWKS_FILE, &n);
    ta_jwks jw;
    ta_jwks_init(&jw, ctx);
    CHECK_EQ_INT(ta_jwks_add_json(&jw, doc, n, 1, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(ta_jwks_add_json(&jw, (uint8_t *)hijack, strlen(hijack), 1, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(jw.n, real->n);
    char *tok = near_overall();
    ta_jwt j;
    CHECK_EQ_INT(ta_jwt_parse(ctx, &j, tok, strlen(tok), NULL), TEEATTEST_OK);
    CHECK_EQ_INT(ta_jwt_verify_signature(ctx, &j, real, &ko, AT_NEAR, d, sizeof d),
                 TEEATTEST_OK);
    CHECK_EQ_INT(ta_jwt_verify_signature(ctx, &j, &jw, &ko, AT_NEAR, d, sizeof d),
                 TEEATTEST_E_VERIFY_FAILED);
    CHECK(strstr(d, "conflict") != NULL);
    ta_jwt_clear(&j);
    free(tok);
    ta_jwks_clear(&jw);
    free(doc);
    free(hijack);
    free(a);
    free(b);
    free(a2);
    kit_pki_free(&pki);
    kit_key_free(&k);
    kit_key_free(&other);
}

static void test_syntax(void)
{
    static const char *const bad[] = {
        "", ".", "..", "a.b", "a.b.c.d", "a..c", ".b.c", "a.b.",
        "eyJhbGciOiJFUzM4NCJ9.e30.AA==", "eyJ hbGci.e30.AA", "a.b.c\n",
        "\xff\xfe.a.b",
    };
    for (size_t i = 0; i < TA_ARRAY_LEN(bad); i++)
        CHECK(parse_rc(bad[i]) != TEEATTEST_OK);
    /* Over the size limit. */
    size_t big = TA_JWT_MAX + 1;
    char *b = malloc(big + 1);
    memset(b, 'A', big);
    b[10] = '.';
    b[20] = '.';
    b[big] = 0;
    CHECK_EQ_INT(parse_rc(b), TEEATTEST_E_TOO_LARGE);
    free(b);
    /* NULL handling. */
    ta_jwt j;
    CHECK_EQ_INT(ta_jwt_parse(ctx, &j, NULL, 0, NULL), TEEATTEST_E_PARSE);
    CHECK_EQ_INT(ta_jwt_parse(ctx, NULL, "a.b.c", 5, NULL), TEEATTEST_E_INVALID_ARG);
}

int main(void)
{
    if (teeattest_ctx_new(&ctx, NULL, NULL) != TEEATTEST_OK) {
        printf("Bail out! no context\n");
        return 1;
    }
    ta_jwks jwks;
    ta_jwks_init(&jwks, ctx);
    test_real_jwks(&jwks);
    test_jwks_malformed();
    test_real_token(&jwks);
    test_forged();
    test_x5c_required();
    test_kid_conflict(&jwks);
    test_syntax();
    ta_jwks_clear(&jwks);
    teeattest_ctx_free(ctx);
    return ta_test_done();
}
