/*
 * Hashes and Ethereum encodings against published vectors: keccak-256
 * (the in-tree implementation, the riskiest code here), SHA-2 through the
 * dispatch layer, the EIP-191 digest and the EIP-55 checksum.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <jansson.h>

#include "unit.h"

#include "crypto/crypto.h"
#include "verify/verify.h"

struct hash_vec {
    const char *source;
    const char *msg_hex; /* NULL: use msg_text */
    const char *msg_text;
    size_t len;          /* bytes, checked against the decoded literal */
    const char *digest;
};

/* Keccak-256 with the original (pre-FIPS-202) padding, as Ethereum uses.
 * The multi-block lengths come from the Keccak team's round-3 submission
 * KAT file ShortMsgKAT_256.txt (keccak.team, KeccakKAT-3.zip), whose Len
 * is in bits: 1080/1088/1096 bits are 135/136/137 bytes, i.e. one byte
 * short of, exactly at and one byte past the 136-byte rate; 2032 bits
 * (254 bytes) is the longest message in that file and needs two
 * permutations of input. No published 272-byte (two exact blocks) vector
 * was found; that length is covered by the exact-block case (136) and by
 * the EIP-191 digests below, which cross the boundary at other offsets. */
static const struct hash_vec keccak_vecs[] = {
    /* Empty string: Ethereum's well-known keccak256("") (also the Len = 0
     * entry of ShortMsgKAT_256.txt). */
    {"ShortMsgKAT_256 Len=0", NULL, "", 0,
     "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"},
    /* ShortMsgKAT_256 Len = 8. */
    {"ShortMsgKAT_256 Len=8", "6b", NULL, 1,
     "f3d0adcb6a1c70832365e9da0a6b2f5199422f6a53c67cfad171114e3442aa0f"},
    /* "abc": the value every EVM implementation agrees on (e.g. nimcrypto
     * and ethers test suites). */
    {"keccak256(\"abc\")", NULL, "abc", 3,
     "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"},
    /* The pangram, as published for Keccak-256 in the js-sha3 test suite
     * (and many EVM libraries' tests). */
    {"keccak256(quick brown fox)", NULL,
     "The quick brown fox jumps over the lazy dog", 43,
     "4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15"},
    {"ShortMsgKAT_256 Len=1080 (135 bytes)",
     "2f3fb9e6321405869ff0e6271369357ee08c9c27837fe300adf3766a61979591"
     "d64e7809627e8f026e762982df5f00bfeb9ce76f1ccb70c9bee6331f7dc8b154"
     "17295d7aa7ec7c1662a69842059901f136e96052b4d01b72b64f92331744872f"
     "6de4a915d0262b33ccc375d25d77c3936023e514f30187a9501adc685e6497cc"
     "4841e119670d4d", NULL, 135,
     "0484f02cc16415e7e9f28f95b6bb77209e1b25ec35015de84facbc8f9605b39e"},
    {"ShortMsgKAT_256 Len=1088 (136 bytes)",
     "33d0c3052e3ac8c19beca6b0dfa73888f753655fb2c9f77e1238602c9f6d7ad3"
     "3e3dd96c78a22e148ed4c46d7cfdf674505bd40325cb813804e264a450de778f"
     "1c50fc94f32aa881fe6def7b6ae6efbb42c3be678f40a09322053773e3af0200"
     "00fe94f3283c7527aa64a2144b92cf8d568df4e6cd957af09ab1637e61667e61"
     "6412558d4fcab4f9", NULL, 136,
     "b30ad6fc320c0d70309dc39953895cb7cf3fbedec7d86a5f7aa9f2bb760f6dba"},
    {"ShortMsgKAT_256 Len=1096 (137 bytes)",
     "2f570e7aeadd07406bfc263992a0292c528daab4f32816573b6be58a36998465"
     "f192e0db70e81cdbe5431477e43ea437cb4eebbe760116b26dfb3ca395c10987"
     "53e962c3d27f9fb8c2b32fa6f1d3debd22c97b99cb924b388d87db2348e5aa9c"
     "cf0d60a18cff594eb389f5a55dd362809dde19687064a0feec7c213561cbd130"
     "d832d264312cb3e4b6", NULL, 137,
     "6cf9e0e9008f6b5b2d28fb38c47a0212e7b28f6a7f44815f10c53141c2f1c84d"},
    {"ShortMsgKAT_256 Len=2032 (254 bytes)",
     "481dd9182975f32bf7dca9850268ddee861e5d606097d955377dd069154fdd5d"
     "6cb776962c6ac223466ca849d486375aa495bb052d945a64122bce277aac85e7"
     "63fc7e906640b3adac5cf681e22edb87c4968cf12be7563d1225658cd2eb7436"
     "e7f2c64d337afbe0d6f161b81f3d40e4d4ccd500b32c3dc652a353248ec75a76"
     "ba21c4ed9bbfce71b0302ad06d6ab441378a41ebb77fb10923052db1cc882787"
     "a9ec7544ab43b55b74e02ce14ae123816b656c23e51e2c08235abaf0e2e2778c"
     "ceecd0793086d5a4660186b1e2aa334e0f9f72f4be9efce1f8b6d2db984a6766"
     "3738e068bfb50c25b793d79a3d0ae84caa5b4168f93e4af2f51ccd8e6734",
     NULL, 254,
     "5b1b87b1feca95e702186c47dd2e0436788ac686207906106b6363ce7d697624"},
};

static void test_keccak(void)
{
    teeattest_ctx *ctx = unit_ctx();
    for (size_t i = 0; i < TA_ARRAY_LEN(keccak_vecs); i++) {
        const struct hash_vec *v = &keccak_vecs[i];
        uint8_t msg[512];
        size_t len;
        if (v->msg_hex) {
            len = unit_unhex(msg, sizeof msg, v->msg_hex);
        } else {
            len = strlen(v->msg_text);
            memcpy(msg, v->msg_text, len);
        }
        printf("# %s\n", v->source);
        CHECK_EQ_INT(len, v->len);
        uint8_t out[32];
        ta_keccak256_raw(out, msg, len);
        CHECK_HEX(out, 32, v->digest);
        /* The dispatching entry point must give the same answer. */
        memset(out, 0, sizeof out);
        CHECK_EQ_INT(ta_keccak256(ctx, out, msg, len), TEEATTEST_OK);
        CHECK_HEX(out, 32, v->digest);
        CHECK_EQ_INT(ta_hash(ctx, TEEATTEST_HASH_KECCAK256, out, 32, msg, len),
                     TEEATTEST_OK);
        CHECK_HEX(out, 32, v->digest);
    }
    /* NULL data with length 0 is the empty message, not an error. */
    uint8_t out[32];
    CHECK_EQ_INT(ta_hash(ctx, TEEATTEST_HASH_KECCAK256, out, 32, NULL, 0),
                 TEEATTEST_OK);
    CHECK_HEX(out, 32, keccak_vecs[0].digest);
    teeattest_ctx_free(ctx);
}

/* FIPS 180-2 appendix examples (also NIST CSRC "Examples with
 * Intermediate Values"): "abc" for SHA-256/384/512 and the two-block
 * 448-bit message for SHA-256. */
static void test_sha2(void)
{
    teeattest_ctx *ctx = unit_ctx();
    const uint8_t *abc = (const uint8_t *)"abc";
    uint8_t out[64];

    CHECK_EQ_INT(ta_sha256(ctx, out, abc, 3), TEEATTEST_OK);
    CHECK_HEX(out, 32,
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK_EQ_INT(ta_hash(ctx, TEEATTEST_HASH_SHA384, out, 48, abc, 3),
                 TEEATTEST_OK);
    CHECK_HEX(out, 48,
              "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
              "8086072ba1e7cc2358baeca134c825a7");
    CHECK_EQ_INT(ta_hash(ctx, TEEATTEST_HASH_SHA512, out, 64, abc, 3),
                 TEEATTEST_OK);
    CHECK_HEX(out, 64,
              "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
              "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    CHECK_EQ_INT(ta_sha256(ctx, out, (const uint8_t *)two, strlen(two)),
                 TEEATTEST_OK);
    CHECK_HEX(out, 32,
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* SHA-256("") from FIPS 180 examples. */
    CHECK_EQ_INT(ta_sha256(ctx, out, NULL, 0), TEEATTEST_OK);
    CHECK_HEX(out, 32,
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

    /* The output size must be exactly the digest size: a caller passing the
     * wrong buffer is misuse, never a silent truncation. */
    CHECK_EQ_INT(ta_hash(ctx, TEEATTEST_HASH_SHA256, out, 31, abc, 3),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(ta_hash(ctx, TEEATTEST_HASH_SHA384, out, 64, abc, 3),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(ta_hash(ctx, 0, out, 32, abc, 3), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(ta_hash(ctx, 99, out, 32, abc, 3), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(ta_hash(ctx, TEEATTEST_HASH_SHA256, out, 32, NULL, 1),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(ta_hash_len(TEEATTEST_HASH_SHA256), 32);
    CHECK_EQ_INT(ta_hash_len(TEEATTEST_HASH_SHA384), 48);
    CHECK_EQ_INT(ta_hash_len(TEEATTEST_HASH_SHA512), 64);
    CHECK_EQ_INT(ta_hash_len(TEEATTEST_HASH_KECCAK256), 32);
    CHECK_EQ_INT(ta_hash_len(0), 0);
    teeattest_ctx_free(ctx);
}

/* EIP-191 digests recorded in the synthetic vectors. Every message there
 * is longer than the 136-byte rate once the 26-byte prefix and the length
 * are added, so these also exercise multi-block keccak. */
static void test_eip191(void)
{
    teeattest_ctx *ctx = unit_ctx();
    size_t len;
    uint8_t *raw = unit_fixture(
        "providers/synthetic_signature_vectors/vectors.json", &len);
    json_error_t jerr;
    json_t *root = json_loadb((const char *)raw, len, 0, &jerr);
    free(raw);
    json_t *vecs = json_object_get(root, "vectors");
    CHECK(json_array_size(vecs) >= 4);
    size_t i;
    json_t *v;
    json_array_foreach(vecs, i, v) {
        const char *text = json_string_value(json_object_get(v, "text"));
        json_t *e = json_object_get(v, "ecdsa");
        const char *want =
            json_string_value(json_object_get(e, "eip191_digest_keccak256"));
        if (!CHECK(text && want))
            continue;
        printf("# %s\n", json_string_value(json_object_get(v, "name")));
        size_t tl = strlen(text);
        char num[24];
        int nl = snprintf(num, sizeof num, "%zu", tl);
        CHECK(26 + (size_t)nl + tl > 136); /* crosses the rate */
        uint8_t out[32];
        CHECK_EQ_INT(ta_eip191_digest(ctx, out, (const uint8_t *)text, tl),
                     TEEATTEST_OK);
        CHECK_HEX(out, 32, want);
    }
    json_decref(root);

    /* The prefix uses the decimal byte length: "\x19Ethereum Signed
     * Message:\n" "0" for an empty message is keccak of 27 bytes. */
    uint8_t a[32], b[32];
    static const char pre0[] = "\x19" "Ethereum Signed Message:\n0";
    CHECK_EQ_INT(ta_eip191_digest(ctx, a, (const uint8_t *)"", 0), TEEATTEST_OK);
    ta_keccak256_raw(b, (const uint8_t *)pre0, sizeof pre0 - 1);
    CHECK(memcmp(a, b, 32) == 0);
    teeattest_ctx_free(ctx);
}

/* Address of a public key: secp256k1 private key 1 has the generator as
 * public key; its address is published with the synthetic vectors and is
 * widely known (0x7e5f4552091a69125d5dfcb7b8c2659029395bdf). */
static void test_eth_address(void)
{
    teeattest_ctx *ctx = unit_ctx();
    uint8_t g[65];
    unit_unhex(g, sizeof g,
               "04"
               "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
               "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8");
    uint8_t addr[20];
    CHECK_EQ_INT(ta_eth_address(ctx, addr, g), TEEATTEST_OK);
    CHECK_HEX(addr, 20, "7e5f4552091a69125d5dfcb7b8c2659029395bdf");
    char s[TEEATTEST_SIGNER_MAX];
    ta_format_signer(s, TEEATTEST_SIG_ECDSA, addr);
    CHECK_STR(s, "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf");
    teeattest_ctx_free(ctx);
}

static int parse_addr(teeattest_ctx *ctx, const char *s, uint8_t out[32])
{
    size_t n = 0;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    int rc = ta_parse_signer(ctx, TEEATTEST_SIG_ECDSA, out, &n, s, strlen(s),
                             &err);
    if (rc == TEEATTEST_OK && n != 20)
        return -999;
    if (rc != TEEATTEST_OK && err.code != rc)
        return -998; /* the detail must name the status returned */
    return rc;
}

static bool is_letter(char c)
{
    return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* EIP-55 test cases, https://eips.ethereum.org/EIPS/eip-55#test-cases. */
static void test_eip55(void)
{
    teeattest_ctx *ctx = unit_ctx();
    static const char *const mixed[] = {
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    };
    /* "All caps" and "All Lower" cases: their checksums happen to make every
     * letter the same case. */
    static const char *const one_case[] = {
        "0x52908400098527886E0F7030069857D2E4169EE7",
        "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
        "0xde709f2102306220921060314715629080e2fb77",
        "0x27b1fdb04752bbc536007a920d24acb045561c26",
    };
    uint8_t out[32], ref[32];
    for (size_t i = 0; i < 4; i++) {
        CHECK_EQ_INT(parse_addr(ctx, mixed[i], out), TEEATTEST_OK);
        unit_unhex(ref, sizeof ref, mixed[i] + 2);
        CHECK(memcmp(out, ref, 20) == 0);
        /* Every single-letter case flip breaks the checksum. */
        size_t flips = 0, rejected = 0;
        for (size_t k = 2; k < 42; k++) {
            if (!is_letter(mixed[i][k]))
                continue;
            char t[43];
            memcpy(t, mixed[i], 43);
            t[k] ^= 0x20;
            flips++;
            if (parse_addr(ctx, t, out) == TEEATTEST_E_SIGNER_FORMAT)
                rejected++;
        }
        CHECK(flips > 0);
        CHECK_EQ_INT(rejected, flips);
        /* All lower and all upper carry no checksum and are accepted (the
         * spec says addresses from Rust providers are all lower case). */
        char low[43], up[43];
        for (size_t k = 0; k < 43; k++) {
            char c = mixed[i][k];
            low[k] = (char)(k >= 2 && c >= 'A' && c <= 'F' ? c + 32 : c);
            up[k] = (char)(k >= 2 && c >= 'a' && c <= 'f' ? c - 32 : c);
        }
        CHECK_EQ_INT(parse_addr(ctx, low, out), TEEATTEST_OK);
        CHECK(memcmp(out, ref, 20) == 0);
        CHECK_EQ_INT(parse_addr(ctx, up, out), TEEATTEST_OK);
        CHECK(memcmp(out, ref, 20) == 0);
        /* Without "0x". */
        CHECK_EQ_INT(parse_addr(ctx, mixed[i] + 2, out), TEEATTEST_OK);
    }
    for (size_t i = 0; i < 4; i++) {
        CHECK_EQ_INT(parse_addr(ctx, one_case[i], out), TEEATTEST_OK);
        /* Changing the case of one letter makes it mixed case, and the
         * checksum (all letters one case) then rejects it. */
        char t[43];
        memcpy(t, one_case[i], 43);
        size_t k = 2;
        while (!is_letter(t[k]))
            k++;
        t[k] ^= 0x20;
        CHECK_EQ_INT(parse_addr(ctx, t, out), TEEATTEST_E_SIGNER_FORMAT);
    }

    /* Malformed addresses. */
    CHECK_EQ_INT(parse_addr(ctx, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe", out),
                 TEEATTEST_E_SIGNER_FORMAT);
    CHECK_EQ_INT(parse_addr(ctx, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAedd", out),
                 TEEATTEST_E_SIGNER_FORMAT);
    CHECK_EQ_INT(parse_addr(ctx, "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaeg", out),
                 TEEATTEST_E_SIGNER_FORMAT);
    CHECK_EQ_INT(parse_addr(ctx, "", out), TEEATTEST_E_SIGNER_FORMAT);
    CHECK_EQ_INT(parse_addr(ctx, "0x", out), TEEATTEST_E_SIGNER_FORMAT);
    CHECK_EQ_INT(parse_addr(ctx, " 0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", out),
                 TEEATTEST_E_SIGNER_FORMAT);
    /* "0X" is accepted like "0x" (hex prefixes are case-insensitive). */
    CHECK_EQ_INT(parse_addr(ctx, "0X5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", out),
                 TEEATTEST_OK);

    /* An Ed25519 key is 32 bytes; an address is not one. */
    size_t n = 0;
    const char *key =
        "8139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b394";
    CHECK_EQ_INT(ta_parse_signer(ctx, TEEATTEST_SIG_ED25519, out, &n, key,
                                 strlen(key), NULL), TEEATTEST_OK);
    CHECK_EQ_INT(n, 32);
    CHECK_EQ_INT(ta_parse_signer(ctx, TEEATTEST_SIG_ED25519, out, &n, mixed[0],
                                 strlen(mixed[0]), NULL),
                 TEEATTEST_E_SIGNER_FORMAT);
    CHECK_EQ_INT(ta_parse_signer(ctx, TEEATTEST_SIG_ECDSA, out, &n, key,
                                 strlen(key), NULL), TEEATTEST_E_SIGNER_FORMAT);
    char s[TEEATTEST_SIGNER_MAX];
    unit_unhex(out, 32, key);
    ta_format_signer(s, TEEATTEST_SIG_ED25519, out);
    CHECK_STR(s, key);
    teeattest_ctx_free(ctx);
}

/* The OpenSSL and mbedTLS SHA-2 paths must give the same digests at every
 * length around the block boundaries (and a long input), since which one
 * runs depends on the build. Without OpenSSL the first must decline. */
static void test_sha2_paths(void)
{
    static uint8_t data[4096 + 3];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 131 + 7);
    static const int32_t algs[3] = {TEEATTEST_HASH_SHA256, TEEATTEST_HASH_SHA384,
                                    TEEATTEST_HASH_SHA512};
    if (!ta_openssl_available()) {
        uint8_t out[32];
        CHECK_EQ_INT(ta_openssl_hash(TEEATTEST_HASH_SHA256, out, 32, data, 1),
                     TEEATTEST_E_UNSUPPORTED);
        return;
    }
    size_t mismatches = 0, failures = 0;
    for (int a = 0; a < 3; a++) {
        size_t dl = ta_hash_len(algs[a]);
        for (size_t len = 0; len <= sizeof data; len += len < 300 ? 1 : 509) {
            uint8_t x[64], y[64];
            if (ta_openssl_hash(algs[a], x, dl, len ? data : NULL, len) ||
                ta_mbedtls_hash(algs[a], y, dl, len ? data : NULL, len))
                failures++;
            else if (memcmp(x, y, dl) != 0)
                mismatches++;
        }
    }
    CHECK_EQ_INT(failures, 0);
    CHECK_EQ_INT(mismatches, 0);
    uint8_t out[32];
    CHECK_EQ_INT(ta_openssl_hash(TEEATTEST_HASH_KECCAK256, out, 32, data, 1),
                 TEEATTEST_E_UNSUPPORTED);
}

int main(void)
{
    test_keccak();
    test_sha2();
    test_sha2_paths();
    test_eip191();
    test_eth_address();
    test_eip55();
    return ta_test_done();
}
