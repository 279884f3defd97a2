/*
 * ACI/1 keyset parser, digest, statement and report_data (lib/aci/keyset.c).
 *
 * Expected values: Dstack-TEE/private-ai-gateway spec/test-vectors.md
 * sections 1 and 2 at commit b6b5c1b (Apache-2.0); see
 * tests/data/aci/README.md. Then negatives for every parser rule.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <jansson.h>

#include "aci/aci.h"
#include "aci_kit.h"

/* The same keyset as the generator builds it (insertion order, spaced). */
#define V1_KEYSET_WIRE                                                         \
    "{ \"subject\": \"dstack-app://example-app\",\n \"not_after\": 1800000000,"\
    "\n \"receipt_signing_keys\": [ {\"key_id\": \"receipt-1\", \"algo\": "    \
    "\"ed25519\", \"public_key\": "                                            \
    "\"8139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b394\"} ],"\
    "\n \"e2ee_public_keys\": [ {\"key_id\": \"e2ee-1\", \"algo\": "          \
    "\"x25519-aes-256-gcm-hkdf-sha256\", \"public_key\": "                    \
    "\"5dfedd3b6bd47f6fa28ee15d969d5bb0ea53774d488bdaf9df1c6e0124b3ef22\"} ],"\
    "\n \"tls_public_keys\": [ {\"spki_sha256\": "                             \
    "\"c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0\", "   \
    "\"domain\": \"api.example.com\"} ] }"
/* section 2 */
#define V2_NONCE                                                               \
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define V2_STATEMENT                                                           \
    "{\"keyset_digest\":\"" V1_DIGEST "\",\"nonce\":\"" V2_NONCE              \
    "\",\"purpose\":\"aci.report_data.v1\"}"
#define V2_STATEMENT_NULL                                                      \
    "{\"keyset_digest\":\"" V1_DIGEST "\",\"nonce\":null,"                    \
    "\"purpose\":\"aci.report_data.v1\"}"
#define V2_RD "df2174d28130852b413646a3786927b93e94c11d770268b65def8bdba45cb49e"
#define V2_RD_NULL                                                             \
    "0633919ca3f00e97bafaa3304278eb22420cc3ff0d19f87dfca2d3f7508150bc"
#define V2_SLOT                                                                \
    V2_RD "0000000000000000000000000000000000000000000000000000000000000000"

static teeattest_ctx *ctx;

static int parse(const char *text, ta_aci_keyset *ks)
{
    teeattest_error err = {0};
    err.struct_size = sizeof err;
    int rc = ta_aci_keyset_parse_bytes(ctx, ks, (const uint8_t *)text,
                                       strlen(text), &err);
    if (rc)
        printf("#   parse: %d %s\n", rc, err.message);
    return rc;
}

static void vectors(void)
{
    ta_aci_keyset ks;
    CHECK_EQ_INT(parse(V1_KEYSET_JCS, &ks), TEEATTEST_OK);
    CHECK_STR(ks.digest, V1_DIGEST);
    CHECK_STR(ks.subject, "dstack-app://example-app");
    CHECK_EQ_INT(ks.not_after, 1800000000);
    CHECK_EQ_INT(ks.n_receipt, 1);
    CHECK_EQ_INT(ks.n_e2ee, 1);
    CHECK_EQ_INT(ks.n_tls, 1);
    CHECK(ks.receipt[0].recognized);
    CHECK_EQ_INT(ks.receipt[0].algo_id, TA_ACI_ALGO_ED25519);
    CHECK_HEX(ks.receipt[0].pub, ks.receipt[0].pub_len,
              "8139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b394");
    CHECK_EQ_INT(ks.e2ee[0].algo_id, TA_ACI_ALGO_X25519_V2);
    CHECK_STR(ks.tls[0].domain, "api.example.com");

    /* lookups */
    CHECK(ta_aci_keyset_find(&ks, TA_ACI_ROLE_RECEIPT, "receipt-1", 9) ==
          &ks.receipt[0]);
    CHECK(ta_aci_keyset_find(&ks, TA_ACI_ROLE_RECEIPT, "e2ee-1", 6) == NULL);
    CHECK(ta_aci_keyset_find(&ks, TA_ACI_ROLE_E2EE, "e2ee-1", 6) == &ks.e2ee[0]);
    CHECK(ta_aci_keyset_find(&ks, TA_ACI_ROLE_RECEIPT, "receipt-", 8) == NULL);
    CHECK(ta_aci_keyset_find_algo(&ks, TA_ACI_ROLE_E2EE,
                                  TA_ACI_ALGO_X25519_V2) == &ks.e2ee[0]);
    CHECK(ta_aci_keyset_find_algo(&ks, TA_ACI_ROLE_E2EE,
                                  TA_ACI_ALGO_SECP256K1_V2) == NULL);
    uint8_t c0[32], d1[32];
    memset(c0, 0xc0, 32);
    memset(d1, 0xd1, 32);
    CHECK(ta_aci_keyset_tls_allows(&ks, "api.example.com", c0));
    CHECK(ta_aci_keyset_tls_allows(&ks, "API.Example.com.", c0));
    CHECK(!ta_aci_keyset_tls_allows(&ks, "other.example.com", c0));
    CHECK(!ta_aci_keyset_tls_allows(&ks, NULL, c0));
    CHECK(!ta_aci_keyset_tls_allows(&ks, "api.example.com", d1));

    /* statement and report_data */
    char st[TA_ACI_STATEMENT_MAX];
    size_t n;
    CHECK_EQ_INT(ta_aci_statement(st, &n, ks.digest, V2_NONCE, NULL), 0);
    CHECK_STR(st, V2_STATEMENT);
    CHECK_EQ_INT(n, strlen(V2_STATEMENT));
    CHECK_EQ_INT(ta_aci_statement(st, &n, ks.digest, NULL, NULL), 0);
    CHECK_STR(st, V2_STATEMENT_NULL);
    uint8_t rd[64];
    CHECK_EQ_INT(ta_aci_report_data(ctx, rd, ks.digest, V2_NONCE, NULL), 0);
    CHECK_HEX(rd, 64, V2_SLOT);
    CHECK_HEX(rd, 32, V2_RD);
    CHECK_EQ_INT(ta_aci_report_data(ctx, rd, ks.digest, NULL, NULL), 0);
    CHECK_HEX(rd, 32, V2_RD_NULL);
    ta_aci_keyset_free(ctx, &ks);

    /* any encoding of the same document: the same digest */
    CHECK_EQ_INT(parse(V1_KEYSET_WIRE, &ks), TEEATTEST_OK);
    CHECK_STR(ks.digest, V1_DIGEST);
    ta_aci_keyset_free(ctx, &ks);
}

static void statement_inputs(void)
{
    char st[TA_ACI_STATEMENT_MAX];
    size_t n;
    static const char *const bad_nonce[] = {
        "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F",
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e",
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f00",
        "0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
        "",
        "00010203040506070809\"a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
    };
    for (size_t i = 0; i < TA_ARRAY_LEN(bad_nonce); i++)
        CHECK_EQ_INT(ta_aci_statement(st, &n, V1_DIGEST, bad_nonce[i], NULL),
                     TEEATTEST_E_PARSE);
    static const char *const bad_digest[] = {
        "53a5cd44b30dcc51999754c719f2628a041f174ecbf9662a6f8e898a10cd9371",
        "SHA256:53a5cd44b30dcc51999754c719f2628a041f174ecbf9662a6f8e898a10cd9371",
        "sha256:53A5cd44b30dcc51999754c719f2628a041f174ecbf9662a6f8e898a10cd9371",
        "sha256:53a5cd44b30dcc51999754c719f2628a041f174ecbf9662a6f8e898a10cd93",
        "sha384:53a5cd44b30dcc51999754c719f2628a041f174ecbf9662a6f8e898a10cd9371",
    };
    for (size_t i = 0; i < TA_ARRAY_LEN(bad_digest); i++)
        CHECK_EQ_INT(ta_aci_statement(st, &n, bad_digest[i], V2_NONCE, NULL),
                     TEEATTEST_E_PARSE);
}

/* A minimal valid keyset with `extra` spliced before its closing brace
 * and `rk`/`ek` as the receipt and E2EE entries. */
static int try_keyset(const char *rk, const char *ek, const char *extra)
{
    char buf[4096];
    snprintf(buf, sizeof buf,
             "{\"not_after\":1800000000,\"receipt_signing_keys\":[%s],"
             "\"e2ee_public_keys\":[%s]%s}",
             rk, ek, extra);
    ta_aci_keyset ks;
    int rc = parse(buf, &ks);
    if (rc == 0) {
        CHECK(ks.digest[0] == 's');
        ta_aci_keyset_free(ctx, &ks);
    } else {
        ta_aci_keyset zero;
        memset(&zero, 0, sizeof zero);
        CHECK(memcmp(&ks, &zero, sizeof ks) == 0);
    }
    return rc;
}

#define RK "{\"key_id\":\"r\",\"algo\":\"ed25519\",\"public_key\":\"" \
    "8139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b394\"}"
#define EK "{\"key_id\":\"e\",\"algo\":\"x25519-aes-256-gcm-hkdf-sha256\"," \
    "\"public_key\":"                                                      \
    "\"5dfedd3b6bd47f6fa28ee15d969d5bb0ea53774d488bdaf9df1c6e0124b3ef22\"}"
#define SECP_X "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
#define SECP_Y "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8"

static void negatives(void)
{
    CHECK_EQ_INT(try_keyset(RK, EK, ""), TEEATTEST_OK);
    CHECK_EQ_INT(try_keyset("", "", ""), TEEATTEST_OK);
    CHECK_EQ_INT(try_keyset(RK, EK, ",\"subject\":null"), TEEATTEST_OK);
    CHECK_EQ_INT(try_keyset(RK, EK, ",\"tls_public_keys\":[]"), TEEATTEST_OK);
    /* subject */
    CHECK_EQ_INT(try_keyset(RK, EK, ",\"subject\":1"), TEEATTEST_E_JSON);
    CHECK_EQ_INT(try_keyset(RK, EK, ",\"subject\":\"\""), TEEATTEST_E_PARSE);
    /* not_after: required, an integer in range */
    CHECK_EQ_INT(parse("{\"receipt_signing_keys\":[],\"e2ee_public_keys\":[]}",
                       &(ta_aci_keyset){0}),
                 TEEATTEST_E_FIELD_MISSING);
    CHECK_EQ_INT(parse("{\"not_after\":1.5e9,\"receipt_signing_keys\":[],"
                       "\"e2ee_public_keys\":[]}",
                       &(ta_aci_keyset){0}),
                 TEEATTEST_E_JSON);
    CHECK_EQ_INT(parse("{\"not_after\":\"1800000000\",\"receipt_signing_keys\":"
                       "[],\"e2ee_public_keys\":[]}",
                       &(ta_aci_keyset){0}),
                 TEEATTEST_E_JSON);
    CHECK_EQ_INT(parse("{\"not_after\":0,\"receipt_signing_keys\":[],"
                       "\"e2ee_public_keys\":[]}",
                       &(ta_aci_keyset){0}),
                 TEEATTEST_E_PARSE);
    CHECK_EQ_INT(parse("{\"not_after\":253402300800,\"receipt_signing_keys\":"
                       "[],\"e2ee_public_keys\":[]}",
                       &(ta_aci_keyset){0}),
                 TEEATTEST_E_PARSE);
    /* the lists are required arrays */
    CHECK_EQ_INT(parse("{\"not_after\":1,\"e2ee_public_keys\":[]}",
                       &(ta_aci_keyset){0}),
                 TEEATTEST_E_FIELD_MISSING);
    CHECK_EQ_INT(parse("{\"not_after\":1,\"receipt_signing_keys\":{},"
                       "\"e2ee_public_keys\":[]}",
                       &(ta_aci_keyset){0}),
                 TEEATTEST_E_JSON);
    /* unknown top-level member, duplicate member, not an object */
    CHECK_EQ_INT(try_keyset(RK, EK, ",\"extra_keys\":[]"), TEEATTEST_E_PARSE);
    CHECK(try_keyset(RK, EK, ",\"not_after\":1800000001") != TEEATTEST_OK);
    CHECK_EQ_INT(parse("[]", &(ta_aci_keyset){0}), TEEATTEST_E_JSON);
    /* entries */
    CHECK_EQ_INT(try_keyset("1", EK, ""), TEEATTEST_E_JSON);
    CHECK_EQ_INT(try_keyset("{\"algo\":\"ed25519\",\"public_key\":\"00\"}", "",
                            ""),
                 TEEATTEST_E_FIELD_MISSING);
    CHECK_EQ_INT(try_keyset("{\"key_id\":\"r\",\"algo\":\"ed25519\","
                            "\"public_key\":\"8139770EA87D175F56A35466C34C7ECCCB"
                            "8D8A91B4EE37A25DF60F5B8FC9B394\"}",
                            "", ""),
                 TEEATTEST_E_HEX);
    CHECK_EQ_INT(try_keyset("{\"key_id\":\"r\",\"algo\":\"ed25519\","
                            "\"public_key\":\"0x8139770ea87d175f56a35466c34c7e"
                            "cccb8d8a91b4ee37a25df60f5b8fc9b394\"}",
                            "", ""),
                 TEEATTEST_E_HEX);
    CHECK_EQ_INT(try_keyset("{\"key_id\":\"r\",\"algo\":\"ed25519\","
                            "\"public_key\":\"8139770ea87d175f56a35466c34c7e"
                            "cccb8d8a91b4ee37a25df60f5b8fc9b3\"}",
                            "", ""),
                 TEEATTEST_E_LENGTH);
    CHECK_EQ_INT(try_keyset(RK "," RK, "", ""), TEEATTEST_E_PARSE);
    /* role separation: the receipt key listed as an E2EE key */
    CHECK_EQ_INT(try_keyset(RK,
                            "{\"key_id\":\"e\",\"algo\":\"x25519-aes-256-gcm-"
                            "hkdf-sha256\",\"public_key\":\"8139770ea87d175f56"
                            "a35466c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b394\"}",
                            ""),
                 TEEATTEST_E_PARSE);
    CHECK_EQ_INT(try_keyset("{\"key_id\":\"r\",\"algo\":\"future\","
                            "\"public_key\":\"abcd\"}",
                            "{\"key_id\":\"e\",\"algo\":\"other\","
                            "\"public_key\":\"abcd\"}",
                            ""),
                 TEEATTEST_E_PARSE);
    /* tls entries */
    CHECK_EQ_INT(try_keyset(RK, EK, ",\"tls_public_keys\":[{\"spki_sha256\":"
                                    "\"C0C0C0C0C0C0C0C0C0C0C0C0C0C0C0C0C0C0C0C0"
                                    "C0C0C0C0C0C0C0C0C0C0C0C0\"}]"),
                 TEEATTEST_E_HEX);
    CHECK_EQ_INT(try_keyset(RK, EK, ",\"tls_public_keys\":[{\"spki_sha256\":"
                                    "\"c0c0\"}]"),
                 TEEATTEST_E_HEX);
    CHECK_EQ_INT(try_keyset(RK, EK, ",\"tls_public_keys\":[{\"domain\":\"a\"}]"),
                 TEEATTEST_E_FIELD_MISSING);
    CHECK_EQ_INT(try_keyset(RK, EK, ",\"tls_public_keys\":[{\"spki_sha256\":"
                                    "\"c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0"
                                    "c0c0c0c0c0c0c0c0c0c0c0c0\",\"domain\":5}]"),
                 TEEATTEST_E_JSON);
    /* too many entries */
    char many[64 * 100];
    size_t off = 0;
    for (int i = 0; i < 65; i++)
        off += (size_t)snprintf(many + off, sizeof many - off,
                                "%s{\"key_id\":\"k%d\",\"algo\":\"x\","
                                "\"public_key\":\"%02x\"}",
                                i ? "," : "", i, i);
    CHECK_EQ_INT(try_keyset(many, "", ""), TEEATTEST_E_TOO_LARGE);
}

static void algorithms(void)
{
    ta_aci_keyset ks;
    /* an unknown algorithm is kept, marked, never selected */
    CHECK_EQ_INT(parse("{\"not_after\":1,\"receipt_signing_keys\":[{\"key_id\":"
                       "\"pq\",\"algo\":\"ml-dsa-65\",\"public_key\":\"abcd\"}],"
                       "\"e2ee_public_keys\":[]}",
                       &ks),
                 TEEATTEST_OK);
    CHECK(!ks.receipt[0].recognized);
    CHECK_EQ_INT(ks.receipt[0].algo_id, TA_ACI_ALGO_UNKNOWN);
    CHECK(ta_aci_keyset_find(&ks, TA_ACI_ROLE_RECEIPT, "pq", 2) != NULL);
    CHECK(ta_aci_keyset_find_algo(&ks, TA_ACI_ROLE_RECEIPT,
                                  TA_ACI_ALGO_ED25519) == NULL);
    CHECK(ta_aci_keyset_find_algo(&ks, TA_ACI_ROLE_RECEIPT,
                                  TA_ACI_ALGO_UNKNOWN) == NULL);
    ta_aci_keyset_free(ctx, &ks);
    /* secp256k1: 65-byte SEC1, or its 64 bytes without 0x04, the same key */
    CHECK_EQ_INT(parse("{\"not_after\":1,\"receipt_signing_keys\":[],"
                       "\"e2ee_public_keys\":[{\"key_id\":\"k\",\"algo\":"
                       "\"secp256k1-aes-256-gcm-hkdf-sha256\",\"public_key\":"
                       "\"" SECP_X SECP_Y "\"}]}",
                       &ks),
                 TEEATTEST_OK);
    CHECK_EQ_INT(ks.e2ee[0].pub_len, 65);
    CHECK_HEX(ks.e2ee[0].pub, 65, "04" SECP_X SECP_Y);
    ta_aci_keyset_free(ctx, &ks);
    CHECK_EQ_INT(try_keyset("", "{\"key_id\":\"k\",\"algo\":\"secp256k1-aes-"
                                "256-gcm-hkdf-sha256\",\"public_key\":\"02" SECP_X
                                SECP_Y "\"}",
                            ""),
                 TEEATTEST_E_PARSE);
    CHECK_EQ_INT(try_keyset("", "{\"key_id\":\"k\",\"algo\":\"secp256k1-aes-"
                                "256-gcm-hkdf-sha256\",\"public_key\":\"02" SECP_X
                                "\"}",
                            ""),
                 TEEATTEST_E_LENGTH);
}

static void tls_scopes(void)
{
    ta_aci_keyset ks;
    CHECK_EQ_INT(
        parse("{\"not_after\":1,\"receipt_signing_keys\":[],"
              "\"e2ee_public_keys\":[],\"tls_public_keys\":["
              "{\"spki_sha256\":\"" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
              "aaaaaaaaaaaaaaaaaaaaaaaa\"},"
              "{\"spki_sha256\":\"" "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
              "bbbbbbbbbbbbbbbbbbbbbbbb\",\"domain\":\"b.example\"},"
              "{\"spki_sha256\":\"" "cccccccccccccccccccccccccccccccccccccccc"
              "cccccccccccccccccccccccc\",\"domain\":null}]}",
              &ks),
        TEEATTEST_OK);
    uint8_t a[32], b[32], c[32];
    memset(a, 0xaa, 32);
    memset(b, 0xbb, 32);
    memset(c, 0xcc, 32);
    CHECK(ta_aci_keyset_tls_allows(&ks, "b.example", a));
    CHECK(ta_aci_keyset_tls_allows(&ks, NULL, a));
    CHECK(ta_aci_keyset_tls_allows(&ks, "b.example", b));
    CHECK(!ta_aci_keyset_tls_allows(&ks, "a.example", b));
    CHECK(!ta_aci_keyset_tls_allows(&ks, "b.example.evil", b));
    CHECK(!ta_aci_keyset_tls_allows(&ks, "", b));
    CHECK(ta_aci_keyset_tls_allows(&ks, "a.example", c));
    ta_aci_keyset_free(ctx, &ks);
}

int main(void)
{
    ctx = unit_ctx();
    vectors();
    statement_inputs();
    negatives();
    algorithms();
    tls_scopes();
    teeattest_ctx_free(ctx);
    return ta_test_done();
}
