/*
 * Built-in signature primitives against published vectors: ECDSA P-256 and
 * P-384 (RFC 6979 appendix A.2.5 / A.2.6), Ed25519 (RFC 8032 section 7.1)
 * and secp256k1 public-key recovery (the synthetic vectors, whose key is
 * the private key 1). Each valid vector is also tampered with.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <jansson.h>

#include "unit.h"

#include "crypto/crypto.h"
#include "verify/verify.h"

/* ---- ECDSA ---------------------------------------------------------- */

struct ecdsa_vec {
    const char *source;
    int32_t curve;
    int32_t hash;
    size_t field;
    const char *ux, *uy, *r, *s;
};

static const struct ecdsa_vec ecdsa_vecs[] = {
    /* RFC 6979 A.2.5, ECDSA 256 bits (prime field), "With SHA-256,
     * message = "sample"". */
    {"RFC 6979 A.2.5 P-256/SHA-256 \"sample\"", TEEATTEST_CURVE_P256,
     TEEATTEST_HASH_SHA256, 32,
     "60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6",
     "7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299",
     "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716",
     "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8"},
    /* RFC 6979 A.2.6, ECDSA 384 bits (prime field), "With SHA-384,
     * message = "sample"". */
    {"RFC 6979 A.2.6 P-384/SHA-384 \"sample\"", TEEATTEST_CURVE_P384,
     TEEATTEST_HASH_SHA384, 48,
     "EC3A4E415B4E19A4568618029F427FA5DA9A8BC4AE92E02E06AAE5286B300C64"
     "DEF8F0EA9055866064A254515480BC13",
     "8015D9B72D7D57244EA8EF9AC0C621896708A59367F9DFB9F54CA84B3F1C9DB1"
     "288B231C3AE0D4FE7344FD2533264720",
     "94EDBB92A5ECB8AAD4736E56C691916B3F88140666CE9FA73D64C4EA95AD133C"
     "81A648152E44ACF96E36DD1E80FABE46",
     "99EF4AEB15F178CEA1FE40DB2603138F130E740A19624526203B6351D0A3A94F"
     "A329C145786E679E7B82C71A38628AC8"},
};

static void test_ecdsa(void)
{
    teeattest_ctx *ctx = unit_ctx();
    for (size_t i = 0; i < TA_ARRAY_LEN(ecdsa_vecs); i++) {
        const struct ecdsa_vec *v = &ecdsa_vecs[i];
        printf("# %s\n", v->source);
        size_t f = v->field;
        uint8_t pub[97], sig[96], dg[48];
        pub[0] = 0x04;
        CHECK_EQ_INT(unit_unhex(pub + 1, f, v->ux), f);
        CHECK_EQ_INT(unit_unhex(pub + 1 + f, f, v->uy), f);
        CHECK_EQ_INT(unit_unhex(sig, f, v->r), f);
        CHECK_EQ_INT(unit_unhex(sig + f, f, v->s), f);
        size_t dl = ta_hash_len(v->hash);
        CHECK_EQ_INT(ta_hash(ctx, v->hash, dg, dl, (const uint8_t *)"sample", 6),
                     TEEATTEST_OK);
        size_t pl = 1 + 2 * f, sl = 2 * f;

        CHECK_EQ_INT(ta_ecdsa_verify(ctx, v->curve, pub, pl, dg, dl, sig, sl),
                     TEEATTEST_OK);
        CHECK_EQ_INT(ta_builtin_ecdsa_verify(v->curve, pub, pl, dg, dl, sig, sl),
                     TEEATTEST_OK);

        /* One flipped bit anywhere in digest, r, s: invalid. */
        int accepted = 0;
        for (size_t b = 0; b < dl * 8; b += 7) {
            dg[b / 8] ^= (uint8_t)(1u << (b % 8));
            accepted += ta_ecdsa_verify(ctx, v->curve, pub, pl, dg, dl, sig,
                                        sl) != TEEATTEST_E_VERIFY_FAILED;
            dg[b / 8] ^= (uint8_t)(1u << (b % 8));
        }
        for (size_t b = 0; b < sl * 8; b += 5) {
            sig[b / 8] ^= (uint8_t)(1u << (b % 8));
            accepted += ta_ecdsa_verify(ctx, v->curve, pub, pl, dg, dl, sig,
                                        sl) != TEEATTEST_E_VERIFY_FAILED;
            sig[b / 8] ^= (uint8_t)(1u << (b % 8));
        }
        /* A changed key is either off the curve or another key. */
        for (size_t k = 1; k < pl; k += 9) {
            pub[k] ^= 0x01;
            accepted += ta_ecdsa_verify(ctx, v->curve, pub, pl, dg, dl, sig,
                                        sl) != TEEATTEST_E_VERIFY_FAILED;
            pub[k] ^= 0x01;
        }
        CHECK_EQ_INT(accepted, 0);
        /* r and s swapped. */
        uint8_t sw[96];
        memcpy(sw, sig + f, f);
        memcpy(sw + f, sig, f);
        CHECK_EQ_INT(ta_ecdsa_verify(ctx, v->curve, pub, pl, dg, dl, sw, sl),
                     TEEATTEST_E_VERIFY_FAILED);
        /* r = 0, s = 0. */
        uint8_t z[96];
        memcpy(z, sig, sl);
        memset(z, 0, f);
        CHECK_EQ_INT(ta_ecdsa_verify(ctx, v->curve, pub, pl, dg, dl, z, sl),
                     TEEATTEST_E_VERIFY_FAILED);
        memcpy(z, sig, sl);
        memset(z + f, 0, f);
        CHECK_EQ_INT(ta_ecdsa_verify(ctx, v->curve, pub, pl, dg, dl, z, sl),
                     TEEATTEST_E_VERIFY_FAILED);
        /* r, s >= n. */
        memset(z, 0xFF, sl);
        CHECK_EQ_INT(ta_ecdsa_verify(ctx, v->curve, pub, pl, dg, dl, z, sl),
                     TEEATTEST_E_VERIFY_FAILED);

        /* Misuse: wrong sizes, compressed key, other curve, bad enum. */
        CHECK_EQ_INT(ta_ecdsa_verify(ctx, v->curve, pub, pl - 1, dg, dl, sig, sl),
                     TEEATTEST_E_INVALID_ARG);
        CHECK_EQ_INT(ta_ecdsa_verify(ctx, v->curve, pub, pl, dg, dl, sig, sl - 1),
                     TEEATTEST_E_INVALID_ARG);
        CHECK_EQ_INT(ta_ecdsa_verify(ctx, v->curve, pub, pl, dg, 0, sig, sl),
                     TEEATTEST_E_INVALID_ARG);
        CHECK_EQ_INT(ta_ecdsa_verify(ctx, v->curve, NULL, pl, dg, dl, sig, sl),
                     TEEATTEST_E_INVALID_ARG);
        CHECK_EQ_INT(ta_ecdsa_verify(ctx, v->curve, pub, pl, dg, dl, NULL, sl),
                     TEEATTEST_E_INVALID_ARG);
        CHECK_EQ_INT(ta_ecdsa_verify(ctx, v->curve, pub, pl, NULL, dl, sig, sl),
                     TEEATTEST_E_INVALID_ARG);
        pub[0] = 0x02;
        CHECK_EQ_INT(ta_ecdsa_verify(ctx, v->curve, pub, pl, dg, dl, sig, sl),
                     TEEATTEST_E_INVALID_ARG);
        pub[0] = 0x04;
        int32_t other = v->curve == TEEATTEST_CURVE_P256 ? TEEATTEST_CURVE_P384
                                                         : TEEATTEST_CURVE_P256;
        CHECK_EQ_INT(ta_ecdsa_verify(ctx, other, pub, pl, dg, dl, sig, sl),
                     TEEATTEST_E_INVALID_ARG);
        CHECK_EQ_INT(ta_ecdsa_verify(ctx, 0, pub, pl, dg, dl, sig, sl),
                     TEEATTEST_E_INVALID_ARG);
        /* Still valid after all that. */
        CHECK_EQ_INT(ta_ecdsa_verify(ctx, v->curve, pub, pl, dg, dl, sig, sl),
                     TEEATTEST_OK);
    }
    teeattest_ctx_free(ctx);
}

/* The OpenSSL, nettle and mbedTLS verifiers behind
 * ta_builtin_ecdsa_verify() must give the same answer on every input: the
 * vectors, every single-bit change of digest, signature and key,
 * out-of-range scalars, and digests longer and shorter than the field
 * (truncation rules). A verifier the build lacks must decline
 * (UNSUPPORTED) rather than answer; the others are compared with mbedTLS,
 * which every build has. */
static void test_ecdsa_backends_agree(void)
{
    uint8_t z[97] = {0x04};
    if (!ta_openssl_available())
        CHECK_EQ_INT(ta_openssl_ecdsa_verify(TEEATTEST_CURVE_P384, z, 97, z,
                                             48, z + 1, 96),
                     TEEATTEST_E_UNSUPPORTED);
    if (!ta_nettle_available())
        CHECK_EQ_INT(ta_nettle_ecdsa_verify(TEEATTEST_CURVE_P384, z, 97, z,
                                            48, z + 1, 96),
                     TEEATTEST_E_UNSUPPORTED);
    if (!ta_openssl_available() && !ta_nettle_available())
        return; /* nothing to compare */
    for (size_t i = 0; i < TA_ARRAY_LEN(ecdsa_vecs); i++) {
        const struct ecdsa_vec *v = &ecdsa_vecs[i];
        size_t f = v->field;
        uint8_t pub[97], sig[96], dg[64];
        pub[0] = 0x04;
        unit_unhex(pub + 1, f, v->ux);
        unit_unhex(pub + 1 + f, f, v->uy);
        unit_unhex(sig, f, v->r);
        unit_unhex(sig + f, f, v->s);
        size_t dl = ta_hash_len(v->hash);
        CHECK_EQ_INT(ta_builtin_hash(v->hash, dg, dl, (const uint8_t *)"sample", 6),
                     TEEATTEST_OK);
        size_t pl = 1 + 2 * f, sl = 2 * f;
        size_t n = 0, differ = 0, valid = 0;
#define AGREE(dlen)                                                          \
    do {                                                                     \
        int rb = ta_mbedtls_ecdsa_verify(v->curve, pub, pl, dg, dlen, sig, sl); \
        if (ta_openssl_available())                                          \
            differ += ta_openssl_ecdsa_verify(v->curve, pub, pl, dg, dlen,   \
                                              sig, sl) != rb;                \
        if (ta_nettle_available())                                           \
            differ += ta_nettle_ecdsa_verify(v->curve, pub, pl, dg, dlen,    \
                                             sig, sl) != rb;                 \
        differ += ta_builtin_ecdsa_verify(v->curve, pub, pl, dg, dlen, sig,  \
                                          sl) != rb;                         \
        n++;                                                                 \
        valid += rb == TEEATTEST_OK;                                         \
    } while (0)
        AGREE(dl);
        for (size_t b = 0; b < dl * 8; b++) {
            dg[b / 8] ^= (uint8_t)(1u << (b % 8));
            AGREE(dl);
            dg[b / 8] ^= (uint8_t)(1u << (b % 8));
        }
        for (size_t b = 0; b < sl * 8; b++) {
            sig[b / 8] ^= (uint8_t)(1u << (b % 8));
            AGREE(dl);
            sig[b / 8] ^= (uint8_t)(1u << (b % 8));
        }
        for (size_t b = 8; b < pl * 8; b += 3) {
            pub[b / 8] ^= (uint8_t)(1u << (b % 8));
            AGREE(dl);
            pub[b / 8] ^= (uint8_t)(1u << (b % 8));
        }
        /* Digest lengths around the field size: 20, 28, 32, 48, 64. */
        static const size_t lens[] = {20, 28, 32, 48, 64};
        for (size_t k = 0; k < TA_ARRAY_LEN(lens); k++) {
            memset(dg + dl, 0xA5, sizeof dg - dl);
            AGREE(lens[k]);
        }
        uint8_t keep[96];
        memcpy(keep, sig, sl);
        memset(sig, 0xFF, sl); /* r, s >= n */
        AGREE(dl);
        memset(sig, 0, sl);
        AGREE(dl);
        memcpy(sig, keep, sl);
        /* Coordinates >= p, and (0, 0): not points of the curve. */
        uint8_t keep_pub[97];
        memcpy(keep_pub, pub, pl);
        memset(pub + 1, 0xFF, 2 * f);
        AGREE(dl);
        memset(pub + 1, 0, 2 * f);
        AGREE(dl);
        memcpy(pub, keep_pub, pl);
        pub[0] = 0x02; /* compressed: refused by all (INVALID_ARG) */
        AGREE(dl);
        pub[0] = 0x04;
#undef AGREE
        printf("# %s: %zu inputs, %zu valid\n", v->source, n, valid);
        CHECK_EQ_INT(differ, 0);
        CHECK(valid >= 1);
    }
}

/* P-384, R = u1*G + u2*Q with x(R) = n + 2, so a valid r is 2: the case
 * where x(R) mod n differs from x(R) (SEC 1 v2 4.1.4 step 7), which a
 * verification comparing coordinates must not miss. Synthetic: x(R) is the
 * first x above n on the curve, e = SHA-384("sample"), s chosen, and
 * Q = u2^-1 (R - u1*G) (u1 = e/s, u2 = r/s mod n), computed with Python
 * integers and checked by recomputing R. */
static void test_ecdsa_p384_x_above_n(void)
{
    static const char *const qx =
        "1A21F9E24F1137BFAA9F583CB10E8198743F4089AEACA29D2D56A635721F8F33"
        "2443D6A83B858E7F7159FC6CDF1AE6AD";
    static const char *const qy =
        "569D37DE58E48DB5A8AEB79435AE53670C870ED071BF77DDB9045DBE04FE5BBF"
        "892246E6C17447F64AC096C72E6CCEBA";
    static const char *const r_hex =
        "0000000000000000000000000000000000000000000000000000000000000000"
        "00000000000000000000000000000002";
    static const char *const s_hex =
        "0000000000000000000000000000000000000000000000000000000000000000"
        "000000000000123468ACE7245E9ACDEF";
    /* x(R) itself, n + 2: not in [1, n-1], never valid. */
    static const char *const x_hex =
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF"
        "581A0DB248B0A77AECEC196ACCC52975";
    uint8_t pub[97] = {0x04}, sig[96], dg[48];
    CHECK_EQ_INT(unit_unhex(pub + 1, 48, qx), 48);
    CHECK_EQ_INT(unit_unhex(pub + 49, 48, qy), 48);
    CHECK_EQ_INT(unit_unhex(sig, 48, r_hex), 48);
    CHECK_EQ_INT(unit_unhex(sig + 48, 48, s_hex), 48);
    CHECK_EQ_INT(ta_builtin_hash(TEEATTEST_HASH_SHA384, dg, 48,
                                 (const uint8_t *)"sample", 6),
                 TEEATTEST_OK);
    CHECK_EQ_INT(ta_builtin_ecdsa_verify(TEEATTEST_CURVE_P384, pub, 97, dg,
                                         48, sig, 96),
                 TEEATTEST_OK);
    CHECK_EQ_INT(ta_mbedtls_ecdsa_verify(TEEATTEST_CURVE_P384, pub, 97, dg,
                                         48, sig, 96),
                 TEEATTEST_OK);
    CHECK_EQ_INT(ta_openssl_ecdsa_verify(TEEATTEST_CURVE_P384, pub, 97, dg,
                                         48, sig, 96),
                 ta_openssl_available() ? TEEATTEST_OK
                                        : TEEATTEST_E_UNSUPPORTED);
    CHECK_EQ_INT(ta_nettle_ecdsa_verify(TEEATTEST_CURVE_P384, pub, 97, dg,
                                        48, sig, 96),
                 ta_nettle_available() ? TEEATTEST_OK
                                       : TEEATTEST_E_UNSUPPORTED);
    /* r = x(R) (out of range), r = 1, r = 3: invalid in both. */
    CHECK_EQ_INT(unit_unhex(sig, 48, x_hex), 48);
    for (int k = 0; k < 3; k++) {
        if (k) {
            memset(sig, 0, 47);
            sig[47] = (uint8_t)(k == 1 ? 1 : 3);
        }
        CHECK_EQ_INT(ta_builtin_ecdsa_verify(TEEATTEST_CURVE_P384, pub, 97,
                                             dg, 48, sig, 96),
                     TEEATTEST_E_VERIFY_FAILED);
        CHECK_EQ_INT(ta_mbedtls_ecdsa_verify(TEEATTEST_CURVE_P384, pub, 97,
                                             dg, 48, sig, 96),
                     TEEATTEST_E_VERIFY_FAILED);
        if (ta_nettle_available())
            CHECK_EQ_INT(ta_nettle_ecdsa_verify(TEEATTEST_CURVE_P384, pub,
                                                97, dg, 48, sig, 96),
                         TEEATTEST_E_VERIFY_FAILED);
    }
}

/* ---- Ed25519 -------------------------------------------------------- */

struct ed_vec {
    const char *source, *pub, *msg, *sig;
};

/* RFC 8032 section 7.1, TEST 1 (empty message), TEST 2 (1 byte), TEST 3
 * (2 bytes). */
static const struct ed_vec ed_vecs[] = {
    {"RFC 8032 7.1 TEST 1",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
     "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
    {"RFC 8032 7.1 TEST 2",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
     "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
    {"RFC 8032 7.1 TEST 3",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
     "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
};

/* Little-endian 256-bit addition, for S + L. */
static void add_le(uint8_t a[32], const uint8_t b[32])
{
    unsigned carry = 0;
    for (int i = 0; i < 32; i++) {
        unsigned t = a[i] + b[i] + carry;
        a[i] = (uint8_t)t;
        carry = t >> 8;
    }
}

static void test_ed25519(void)
{
    teeattest_ctx *ctx = unit_ctx();
    for (size_t i = 0; i < TA_ARRAY_LEN(ed_vecs); i++) {
        const struct ed_vec *v = &ed_vecs[i];
        printf("# %s\n", v->source);
        uint8_t pub[32], sig[64], msg[8];
        unit_unhex(pub, 32, v->pub);
        unit_unhex(sig, 64, v->sig);
        size_t ml = unit_unhex(msg, sizeof msg, v->msg);
        CHECK_EQ_INT(ta_ed25519_verify(ctx, sig, ml ? msg : NULL, ml, pub),
                     TEEATTEST_OK);
        CHECK_EQ_INT(ta_builtin_ed25519_verify(sig, msg, ml, pub), TEEATTEST_OK);

        int accepted = 0;
        for (size_t b = 0; b < 512; b += 3) {
            sig[b / 8] ^= (uint8_t)(1u << (b % 8));
            accepted += ta_ed25519_verify(ctx, sig, msg, ml, pub) == TEEATTEST_OK;
            sig[b / 8] ^= (uint8_t)(1u << (b % 8));
        }
        for (size_t b = 0; b < 256; b += 3) {
            pub[b / 8] ^= (uint8_t)(1u << (b % 8));
            accepted += ta_ed25519_verify(ctx, sig, msg, ml, pub) == TEEATTEST_OK;
            pub[b / 8] ^= (uint8_t)(1u << (b % 8));
        }
        for (size_t b = 0; b < ml * 8; b++) {
            msg[b / 8] ^= (uint8_t)(1u << (b % 8));
            accepted += ta_ed25519_verify(ctx, sig, msg, ml, pub) == TEEATTEST_OK;
            msg[b / 8] ^= (uint8_t)(1u << (b % 8));
        }
        /* A message one byte longer. */
        msg[ml] = 0;
        accepted += ta_ed25519_verify(ctx, sig, msg, ml + 1, pub) == TEEATTEST_OK;
        CHECK_EQ_INT(accepted, 0);

        /* Malleability: S + L is the same scalar but not canonical, and
         * must be refused (RFC 8032 5.1.7 requires S < L). */
        static const uint8_t L[32] = {
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
            0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0x10};
        uint8_t mal[64];
        memcpy(mal, sig, 64);
        add_le(mal + 32, L);
        CHECK_EQ_INT(ta_ed25519_verify(ctx, mal, msg, ml, pub),
                     TEEATTEST_E_VERIFY_FAILED);
    }
    /* A small-order public key (the identity point) never verifies. */
    uint8_t id[32] = {1}, sig[64] = {1};
    CHECK_EQ_INT(ta_ed25519_verify(ctx, sig, NULL, 0, id),
                 TEEATTEST_E_VERIFY_FAILED);
    teeattest_ctx_free(ctx);
}

/* ---- secp256k1 recovery --------------------------------------------- */

/* secp256k1 group order n, SEC 2 section 2.4.1. */
static const uint8_t secp_n[32] = {
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFE, 0xBA, 0xAE, 0xDC, 0xE6, 0xAF, 0x48,
    0xA0, 0x3B, 0xBF, 0xD2, 0x5E, 0x8C, 0xD0, 0x36, 0x41, 0x41};

/* out = a - b, big-endian 256-bit. */
static void sub_be(uint8_t out[32], const uint8_t a[32], const uint8_t b[32])
{
    int borrow = 0;
    for (int i = 31; i >= 0; i--) {
        int t = a[i] - b[i] - borrow;
        borrow = t < 0;
        out[i] = (uint8_t)(t + (borrow ? 256 : 0));
    }
}

static void test_secp256k1(void)
{
    teeattest_ctx *ctx = unit_ctx();
    size_t len;
    uint8_t *raw = unit_fixture(
        "providers/synthetic_signature_vectors/vectors.json", &len);
    json_t *root = json_loadb((const char *)raw, len, 0, NULL);
    free(raw);
    size_t i;
    json_t *v;
    int seen_v27 = 0, seen_v28 = 0;
    json_array_foreach(json_object_get(root, "vectors"), i, v) {
        const char *text = json_string_value(json_object_get(v, "text"));
        json_t *e = json_object_get(v, "ecdsa");
        const char *sig_hex = json_string_value(json_object_get(e, "signature"));
        const char *addr_hex =
            json_string_value(json_object_get(e, "signing_address"));
        if (!CHECK(text && sig_hex && addr_hex))
            continue;
        printf("# %s\n", json_string_value(json_object_get(v, "name")));
        uint8_t sig[65], dg[32], pub[65], addr[20], want[20];
        CHECK_EQ_INT(unit_unhex(sig, 65, sig_hex + 2), 65);
        unit_unhex(want, 20, addr_hex + 2);
        CHECK(sig[64] == 27 || sig[64] == 28);
        seen_v27 += sig[64] == 27;
        seen_v28 += sig[64] == 28;
        int32_t recid = sig[64] - 27;
        CHECK_EQ_INT(ta_eip191_digest(ctx, dg, (const uint8_t *)text,
                                      strlen(text)), TEEATTEST_OK);
        CHECK_EQ_INT(ta_secp256k1_recover(ctx, pub, dg, sig, recid),
                     TEEATTEST_OK);
        CHECK_EQ_INT(pub[0], 0x04);
        CHECK_EQ_INT(ta_eth_address(ctx, addr, pub), TEEATTEST_OK);
        CHECK(memcmp(addr, want, 20) == 0);
        /* The vectors are low-s, as libsecp256k1 signers produce. */
        CHECK(!ta_secp256k1_s_is_high(sig + 32));

        /* The other recovery id gives another key (or none). */
        uint8_t pub2[65], addr2[20];
        int rc = ta_secp256k1_recover(ctx, pub2, dg, sig, recid ^ 1);
        if (rc == TEEATTEST_OK) {
            ta_eth_address(ctx, addr2, pub2);
            CHECK(memcmp(addr2, want, 20) != 0);
        } else {
            CHECK_EQ_INT(rc, TEEATTEST_E_RECOVER_FAILED);
        }
        /* Another digest gives another key. */
        dg[0] ^= 1;
        rc = ta_secp256k1_recover(ctx, pub2, dg, sig, recid);
        CHECK(rc != TEEATTEST_OK ||
              (ta_eth_address(ctx, addr2, pub2) == 0 &&
               memcmp(addr2, want, 20) != 0));
        dg[0] ^= 1;

        /* High-s twin: s' = n - s with the other parity recovers the same
         * key (recovery must accept it; the policy decides about it). */
        uint8_t hs[64];
        memcpy(hs, sig, 32);
        sub_be(hs + 32, secp_n, sig + 32);
        CHECK(ta_secp256k1_s_is_high(hs + 32));
        CHECK_EQ_INT(ta_secp256k1_recover(ctx, pub2, dg, hs, recid ^ 1),
                     TEEATTEST_OK);
        CHECK(memcmp(pub2, pub, 65) == 0);

        /* r or s zero, or not below n: no key. */
        uint8_t bad[64];
        memcpy(bad, sig, 64);
        memset(bad, 0, 32);
        CHECK_EQ_INT(ta_secp256k1_recover(ctx, pub2, dg, bad, recid),
                     TEEATTEST_E_RECOVER_FAILED);
        memcpy(bad, sig, 64);
        memset(bad + 32, 0, 32);
        CHECK_EQ_INT(ta_secp256k1_recover(ctx, pub2, dg, bad, recid),
                     TEEATTEST_E_RECOVER_FAILED);
        memcpy(bad, sig, 64);
        memcpy(bad, secp_n, 32);
        CHECK_EQ_INT(ta_secp256k1_recover(ctx, pub2, dg, bad, recid),
                     TEEATTEST_E_RECOVER_FAILED);
        memcpy(bad, sig, 64);
        memset(bad + 32, 0xFF, 32);
        CHECK_EQ_INT(ta_secp256k1_recover(ctx, pub2, dg, bad, recid),
                     TEEATTEST_E_RECOVER_FAILED);
        /* Recovery ids outside 0..3 are misuse. */
        CHECK_EQ_INT(ta_secp256k1_recover(ctx, pub2, dg, sig, 4),
                     TEEATTEST_E_INVALID_ARG);
        CHECK_EQ_INT(ta_secp256k1_recover(ctx, pub2, dg, sig, -1),
                     TEEATTEST_E_INVALID_ARG);
    }
    CHECK(seen_v27 > 0 && seen_v28 > 0);
    json_decref(root);

    /* The low-s boundary: s = n/2 is low, n/2 + 1 is high. */
    uint8_t s[32];
    memcpy(s, ta_secp256k1_half_order, 32);
    CHECK(!ta_secp256k1_s_is_high(s));
    s[31]++;
    CHECK(ta_secp256k1_s_is_high(s));
    /* n/2 really is floor(n / 2). */
    uint8_t twice[32], one[32] = {0};
    one[31] = 1;
    unsigned carry = 0;
    for (int k = 31; k >= 0; k--) {
        unsigned t = 2u * ta_secp256k1_half_order[k] + carry;
        twice[k] = (uint8_t)t;
        carry = t >> 8;
    }
    uint8_t n_minus_1[32];
    sub_be(n_minus_1, secp_n, one);
    CHECK(carry == 0 && memcmp(twice, n_minus_1, 32) == 0);
    teeattest_ctx_free(ctx);
}

int main(void)
{
    test_ecdsa();
    test_ecdsa_backends_agree();
    test_ecdsa_p384_x_above_n();
    test_ed25519();
    test_secp256k1();
    return ta_test_done();
}
