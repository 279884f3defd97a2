/*
 * NEAR's OHTTP key attestation (lib/dstack/ohttp.c): the RFC 9458 key
 * config parser on the configs of the NEAR captures and on every
 * truncation and length edit of one, then ta_ohttp_attestation_verify()
 * on the direct capture's ohttp_attestation and its mutations.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <jansson.h>

#include "test.h"

#include "core/core.h"
#include "dstack/dstack.h"

static teeattest_ctx *ctx;

#define DIRECT "providers/nearai_direct_ed25519_tls/attestation_report.json"

static size_t unhex(uint8_t *out, size_t cap, const char *h)
{
    int64_t n = h ? ta_hex_decode(out, cap, h, strlen(h)) : -1;
    return n < 0 ? 0 : (size_t)n;
}

static json_t *direct(void)
{
    json_error_t e;
    json_t *j = json_load_file(ta_test_fixture(DIRECT), 0, &e);
    if (!j)
        printf("# cannot load %s: %s\n", DIRECT, e.text);
    return j;
}

static void test_key_config(void)
{
    json_t *doc = direct();
    const char *h = json_string_value(json_object_get(doc,
                                                      "ohttp_key_config"));
    uint8_t cfg[64];
    size_t n = unhex(cfg, sizeof cfg, h);
    CHECK_EQ_INT(n, 45);
    ta_ohttp_key_config k;
    CHECK_EQ_INT(ta_ohttp_key_config_parse(&k, cfg, n, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(k.key_id, 1);
    CHECK_EQ_INT(k.kem_id, 0x0020);
    CHECK_STR(k.kem_name, "x25519");
    CHECK_EQ_INT(k.public_key_len, 32);
    CHECK(k.public_key == cfg + 3);
    CHECK_EQ_INT(k.n_suites, 2);
    char s[128];
    CHECK_EQ_INT(ta_ohttp_suites_text(s, sizeof s, &k), TEEATTEST_OK);
    CHECK_STR(s, "hkdf-sha256/aes-128-gcm,hkdf-sha256/chacha20-poly1305");
    CHECK_EQ_INT(ta_ohttp_suites_text(s, 10, &k),
                 TEEATTEST_E_BUFFER_TOO_SMALL);

    /* Every truncation, and one byte too many, is refused. */
    for (size_t cut = 0; cut < n; cut++)
        CHECK_EQ_INT(ta_ohttp_key_config_parse(&k, cfg, cut, NULL),
                     TEEATTEST_E_PARSE);
    uint8_t more[64];
    memcpy(more, cfg, n);
    more[n] = 0;
    CHECK_EQ_INT(ta_ohttp_key_config_parse(&k, more, n + 1, NULL),
                 TEEATTEST_E_PARSE);
    /* Lengths that disagree with the bytes. */
    teeattest_error e = TEEATTEST_ERROR_INIT;
    memcpy(more, cfg, n);
    more[36] = 0x0c; /* 12 bytes of suites announced, 8 follow */
    CHECK_EQ_INT(ta_ohttp_key_config_parse(&k, more, n, &e), TEEATTEST_E_PARSE);
    CHECK(strstr(e.message, "follow") != NULL);
    more[36] = 0x06; /* not a multiple of 4 */
    CHECK_EQ_INT(ta_ohttp_key_config_parse(&k, more, n, NULL),
                 TEEATTEST_E_PARSE);
    more[36] = 0x00; /* no suite at all */
    CHECK_EQ_INT(ta_ohttp_key_config_parse(&k, more, n, NULL),
                 TEEATTEST_E_PARSE);
    /* An unknown KEM has no known key length. */
    memcpy(more, cfg, n);
    more[2] = 0x99;
    CHECK_EQ_INT(ta_ohttp_key_config_parse(&k, more, n, NULL),
                 TEEATTEST_E_PARSE);
    /* P-256 (65-byte key): a compressed point is refused. */
    uint8_t p256[3 + 65 + 2 + 4] = {7, 0x00, 0x10};
    p256[3] = 0x04;
    p256[68] = 0;
    p256[69] = 4;
    p256[71] = 1; /* hkdf-sha256 */
    p256[73] = 2; /* aes-256-gcm */
    CHECK_EQ_INT(ta_ohttp_key_config_parse(&k, p256, sizeof p256, NULL),
                 TEEATTEST_OK);
    CHECK_STR(k.kem_name, "p256");
    CHECK_EQ_INT(ta_ohttp_suites_text(s, sizeof s, &k), TEEATTEST_OK);
    CHECK_STR(s, "hkdf-sha256/aes-256-gcm");
    p256[3] = 0x02;
    CHECK_EQ_INT(ta_ohttp_key_config_parse(&k, p256, sizeof p256, NULL),
                 TEEATTEST_E_PARSE);
    json_decref(doc);
}

/* ta_ohttp_attestation_verify on the direct capture's object, with
 * `key` set to `val` (NULL: deleted) first. */
static int verify_edited(const char *key, const char *val, const char *stated,
                         uint8_t signer[32], teeattest_error *e)
{
    json_t *doc = direct();
    json_t *att = json_deep_copy(json_object_get(doc, "ohttp_attestation"));
    if (key && val)
        json_object_set_new(att, key, json_string(val));
    else if (key)
        json_object_del(att, key);
    char *text = json_dumps(att, JSON_COMPACT);
    uint8_t st[64];
    size_t sl = unhex(st, sizeof st, stated ? stated
                          : json_string_value(json_object_get(doc,
                                                  "ohttp_key_config")));
    uint8_t *cfg = NULL;
    size_t cl = 0;
    *e = (teeattest_error)TEEATTEST_ERROR_INIT;
    int rc = ta_ohttp_attestation_verify(ctx, (const uint8_t *)text,
                                         strlen(text), st, sl, true, signer,
                                         &cfg, &cl, e);
    if (!rc)
        CHECK_EQ_INT(cl, 45);
    ta_free(ctx, cfg);
    free(text);
    json_decref(att);
    json_decref(doc);
    return rc;
}

#define SIGNER "d0aa20bcf567cc0c7c914608967dbd4c7a17e10b600802d45923434ce323f823"
#define CONFIG                                                            \
    "010020a830c65ae624d32cf9336721fcab31e88d3cbf379e7aa033c208e3b10d4f50" \
    "4b00080001000100010003"

static void test_attestation(void)
{
    uint8_t key[32];
    teeattest_error e;
    CHECK_EQ_INT(verify_edited(NULL, NULL, NULL, key, &e), TEEATTEST_OK);
    char kh[65];
    ta_hex_encode(kh, key, 32);
    CHECK_STR(kh, SIGNER);

    /* A flipped key_config byte (the last suite): the signature fails. */
    char flipped[] = CONFIG;
    flipped[strlen(flipped) - 1] = '1';
    CHECK_EQ_INT(verify_edited("key_config", flipped, flipped, key, &e),
                 TEEATTEST_E_VERIFY_FAILED);
    CHECK(strstr(e.message, "signature") != NULL);
    /* The stated duplicate differs from the signed config. */
    CHECK_EQ_INT(verify_edited(NULL, NULL, flipped, key, &e),
                 TEEATTEST_E_VERIFY_FAILED);
    CHECK(strstr(e.message, "ohttp_key_config differs") != NULL);
    /* Another signing key. */
    CHECK_EQ_INT(verify_edited("signing_key",
                               "cb6fc58f6bd685919fa42fb54d3fcfe03222e324bdda91f0"
                               "bac6d5c73dc4f1c6", NULL, key, &e),
                 TEEATTEST_E_VERIFY_FAILED);
    /* Another algorithm, or none. */
    CHECK_EQ_INT(verify_edited("signing_algo", "ecdsa", NULL, key, &e),
                 TEEATTEST_E_SIG_ALGO);
    CHECK(strstr(e.message, "\"ecdsa\" is not ed25519") != NULL);
    CHECK_EQ_INT(verify_edited("signing_algo", NULL, NULL, key, &e),
                 TEEATTEST_E_SIG_ALGO);
    /* Members missing, not hex, of the wrong length. */
    CHECK_EQ_INT(verify_edited("signature", NULL, NULL, key, &e),
                 TEEATTEST_E_FIELD_MISSING);
    CHECK_EQ_INT(verify_edited("key_config", NULL, NULL, key, &e),
                 TEEATTEST_E_FIELD_MISSING);
    CHECK_EQ_INT(verify_edited("signature", "zz", NULL, key, &e),
                 TEEATTEST_E_HEX);
    CHECK_EQ_INT(verify_edited("signing_key", "00", NULL, key, &e),
                 TEEATTEST_E_LENGTH);
    /* A malformed config is refused before its signature is looked at. */
    CHECK_EQ_INT(verify_edited("key_config", "010020", "010020", key, &e),
                 TEEATTEST_E_PARSE);
    /* Not an object at all. */
    uint8_t *cfg = NULL;
    size_t cl;
    CHECK_EQ_INT(ta_ohttp_attestation_verify(ctx, (const uint8_t *)"[1]", 3,
                                             NULL, 0, false, key, &cfg, &cl,
                                             NULL),
                 TEEATTEST_E_JSON);
    CHECK(cfg == NULL);
}

int main(void)
{
    if (teeattest_ctx_new(&ctx, NULL, NULL) != TEEATTEST_OK)
        return 1;
    test_key_config();
    test_attestation();
    teeattest_ctx_free(ctx);
    return ta_test_done();
}
