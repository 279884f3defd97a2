/*
 * The E2EE primitives of lib/crypto/aead.c against published vectors:
 * HKDF-SHA256 (RFC 5869 appendix A, test cases 1 and 3), AES-256-GCM
 * (McGrew & Viega, "The Galois/Counter Mode of Operation", test cases 13,
 * 14 and 16, the AES-256 cases NIST SP 800-38D cites), X25519 (RFC 7748
 * sections 5.2 and 6.1). The OpenSSL and the mbedTLS implementations run
 * on every vector; every tampered input must fail.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "unit.h"

#include "crypto/crypto.h"

typedef int (*hkdf_fn)(uint8_t *, size_t, const uint8_t *, size_t,
                       const uint8_t *, size_t, const uint8_t *, size_t);

static void test_hkdf(void)
{
    static const struct {
        const char *name, *ikm, *salt, *info, *okm;
    } v[] = {
        {"RFC 5869 A.1", "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
         "000102030405060708090a0b0c", "f0f1f2f3f4f5f6f7f8f9",
         "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
         "34007208d5b887185865"},
        {"RFC 5869 A.3", "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "",
         "",
         "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
         "9d201395faa4b61a96c8"},
    };
    hkdf_fn impl[] = {ta_hkdf_sha256, ta_mbedtls_hkdf_sha256,
                      ta_openssl_hkdf_sha256};
    for (size_t i = 0; i < TA_ARRAY_LEN(v); i++) {
        uint8_t ikm[64], salt[64], info[64], okm[42];
        size_t il = unit_unhex(ikm, sizeof ikm, v[i].ikm);
        size_t sl = unit_unhex(salt, sizeof salt, v[i].salt);
        size_t nl = unit_unhex(info, sizeof info, v[i].info);
        for (size_t k = 0; k < TA_ARRAY_LEN(impl); k++) {
            printf("# %s impl %zu\n", v[i].name, k);
            int rc = impl[k](okm, sizeof okm, salt, sl, ikm, il, info, nl);
            if (k == 2 && !ta_openssl_available()) {
                CHECK_EQ_INT(rc, TEEATTEST_E_UNSUPPORTED);
                continue;
            }
            CHECK_EQ_INT(rc, TEEATTEST_OK);
            CHECK_HEX(okm, sizeof okm, v[i].okm);
        }
    }
    uint8_t out[32];
    CHECK_EQ_INT(ta_hkdf_sha256(out, 0, NULL, 0, NULL, 0, NULL, 0),
                 TEEATTEST_E_INVALID_ARG);
}

typedef int (*gcm_fn)(uint8_t *, const uint8_t *, const uint8_t *,
                      const uint8_t *, size_t, const uint8_t *, size_t);

static void test_gcm(void)
{
    static const char p60[] =
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
        "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";
    static const struct {
        const char *name, *key, *iv, *pt, *aad, *ct, *tag;
    } v[] = {
        {"GCM test case 13",
         "0000000000000000000000000000000000000000000000000000000000000000",
         "000000000000000000000000", "", "", "",
         "530f8afbc74536b9a963b4f1c4cb738b"},
        {"GCM test case 14",
         "0000000000000000000000000000000000000000000000000000000000000000",
         "000000000000000000000000", "00000000000000000000000000000000", "",
         "cea7403d4d606b6e074ec5d3baf39d18",
         "d0d1c8a799996bf0265b98b5d48ab919"},
        {"GCM test case 16",
         "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
         "cafebabefacedbaddecaf888", p60,
         "feedfacedeadbeeffeedfacedeadbeefabaddad2",
         "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
         "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
         "76fc6ece0f4e1768cddf8853bb2d551b"},
    };
    gcm_fn seal[] = {ta_aes256gcm_seal, ta_mbedtls_aes256gcm_seal,
                     ta_openssl_aes256gcm_seal};
    gcm_fn open[] = {ta_aes256gcm_open, ta_mbedtls_aes256gcm_open,
                     ta_openssl_aes256gcm_open};
    for (size_t i = 0; i < TA_ARRAY_LEN(v); i++) {
        uint8_t key[32], iv[12], pt[64], aad[32], want[96], out[96], back[64];
        unit_unhex(key, 32, v[i].key);
        unit_unhex(iv, 12, v[i].iv);
        size_t pl = unit_unhex(pt, sizeof pt, v[i].pt);
        size_t al = unit_unhex(aad, sizeof aad, v[i].aad);
        size_t cl = unit_unhex(want, sizeof want, v[i].ct);
        unit_unhex(want + cl, 16, v[i].tag);
        for (size_t k = 0; k < TA_ARRAY_LEN(seal); k++) {
            printf("# %s impl %zu\n", v[i].name, k);
            int rc = seal[k](out, key, iv, aad, al, pt, pl);
            if (k == 2 && !ta_openssl_available()) {
                CHECK_EQ_INT(rc, TEEATTEST_E_UNSUPPORTED);
                continue;
            }
            CHECK_EQ_INT(rc, TEEATTEST_OK);
            CHECK(memcmp(out, want, cl + 16) == 0);
            CHECK_EQ_INT(open[k](back, key, iv, aad, al, want, cl + 16),
                         TEEATTEST_OK);
            CHECK(memcmp(back, pt, pl) == 0);
            /* Every byte of ciphertext||tag, the IV and the AAD. */
            for (size_t j = 0; j < cl + 16; j++) {
                want[j] ^= 0x01;
                CHECK_EQ_INT(open[k](back, key, iv, aad, al, want, cl + 16),
                             TEEATTEST_E_VERIFY_FAILED);
                want[j] ^= 0x01;
            }
            iv[11] ^= 0x80;
            CHECK_EQ_INT(open[k](back, key, iv, aad, al, want, cl + 16),
                         TEEATTEST_E_VERIFY_FAILED);
            iv[11] ^= 0x80;
            if (al) {
                CHECK_EQ_INT(open[k](back, key, iv, aad, al - 1, want,
                                     cl + 16),
                             TEEATTEST_E_VERIFY_FAILED);
            } else {
                CHECK_EQ_INT(open[k](back, key, iv, (const uint8_t *)"x", 1,
                                     want, cl + 16),
                             TEEATTEST_E_VERIFY_FAILED);
            }
            CHECK_EQ_INT(open[k](back, key, iv, aad, al, want, 15),
                         TEEATTEST_E_INVALID_ARG);
        }
    }
}

static void test_x25519(void)
{
    uint8_t s[32], u[32], out[32];
    /* RFC 7748 5.2, first vector. */
    unit_unhex(s, 32, "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4");
    unit_unhex(u, 32, "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c");
    CHECK_EQ_INT(ta_x25519(out, s, u), TEEATTEST_OK);
    CHECK_HEX(out, 32, "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
    /* RFC 7748 6.1: both public keys and the shared secret. */
    uint8_t a[32], b[32], ap[32], bp[32], k1[32], k2[32];
    unit_unhex(a, 32, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    unit_unhex(b, 32, "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
    CHECK_EQ_INT(ta_x25519_base(ap, a), TEEATTEST_OK);
    CHECK_EQ_INT(ta_x25519_base(bp, b), TEEATTEST_OK);
    CHECK_HEX(ap, 32, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    CHECK_HEX(bp, 32, "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
    CHECK_EQ_INT(ta_x25519(k1, a, bp), TEEATTEST_OK);
    CHECK_EQ_INT(ta_x25519(k2, b, ap), TEEATTEST_OK);
    CHECK_HEX(k1, 32, "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
    CHECK(memcmp(k1, k2, 32) == 0);
    /* Low-order points give the all-zero secret: refused. */
    uint8_t zero[32] = {0}, one[32] = {1};
    CHECK_EQ_INT(ta_x25519(out, a, zero), TEEATTEST_E_VERIFY_FAILED);
    CHECK_EQ_INT(ta_x25519(out, a, one), TEEATTEST_E_VERIFY_FAILED);
}

static void test_secp256k1(void)
{
    /* Secret 1: the public key is the generator G; secret 2 gives 2G.
     * ECDH(1, 2G) = ECDH(2, G) = x(2G). */
    uint8_t one[32] = {0}, two[32] = {0}, g[65], g2[65], x1[32], x2[32];
    one[31] = 1;
    two[31] = 2;
    CHECK_EQ_INT(ta_secp256k1_pubkey(g, one), TEEATTEST_OK);
    CHECK_HEX(g, 65,
              "0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
              "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8");
    CHECK_EQ_INT(ta_secp256k1_pubkey(g2, two), TEEATTEST_OK);
    CHECK_HEX(g2 + 1, 32,
              "c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5");
    CHECK_EQ_INT(ta_secp256k1_ecdh_x(x1, one, g2, 65), TEEATTEST_OK);
    CHECK_EQ_INT(ta_secp256k1_ecdh_x(x2, two, g, 65), TEEATTEST_OK);
    CHECK(memcmp(x1, g2 + 1, 32) == 0);
    CHECK(memcmp(x1, x2, 32) == 0);
    /* Off the curve, wrong length, zero secret. */
    g2[64] ^= 1;
    CHECK_EQ_INT(ta_secp256k1_ecdh_x(x1, one, g2, 65),
                 TEEATTEST_E_VERIFY_FAILED);
    CHECK_EQ_INT(ta_secp256k1_pubkey_check(g2, 65), TEEATTEST_E_VERIFY_FAILED);
    CHECK_EQ_INT(ta_secp256k1_ecdh_x(x1, one, g, 64), TEEATTEST_E_LENGTH);
    uint8_t zero[32] = {0};
    CHECK_EQ_INT(ta_secp256k1_pubkey(g2, zero), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(ta_secp256k1_ecdh_x(x1, zero, g, 65),
                 TEEATTEST_E_INVALID_ARG);
}

int main(void)
{
    test_hkdf();
    test_gcm();
    test_x25519();
    test_secp256k1();
    return ta_test_done();
}
