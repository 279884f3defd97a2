/*
 * bench-ecdsa: one ECDSA P-256 and P-384 verification through each
 * verifier the library can use, in the same run, alternating call by call
 * on this thread's CPU clock so that load from other processes weighs on
 * all of them alike (docs/performance.md, "ECDSA verifiers"):
 *
 *  - stock:   OpenSSL's ECDSA_do_verify() on a key made once, the unit of
 *             issue 15's goals (`openssl speed ecdsap384`);
 *  - openssl: ta_openssl_ecdsa_verify(), the key imported at every call,
 *             as the library verifies;
 *  - nettle:  ta_nettle_ecdsa_verify(), the same with nettle's hogweed;
 *  - mbedtls: ta_mbedtls_ecdsa_verify();
 *  - builtin: ta_builtin_ecdsa_verify(), whichever the build chose.
 *
 * Inputs: the RFC 6979 A.2.5/A.2.6 "sample" vectors (SHA-256/SHA-384).
 * Every call's answer is checked (exit 1 if one is not valid); a verifier
 * the build lacks is left out. Best round for the rates, median of the
 * rounds for the ratios to stock.
 *
 * Usage: bench-ecdsa [ROUNDS]   (default 5 rounds of 1 s of CPU time)
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "bench.h"

#include "crypto/crypto.h"

#ifdef TA_HAVE_OPENSSL
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/obj_mac.h>
#endif

#define MAX_ROUNDS 16
#define ROUND_NS 1000000000ull

typedef struct vec {
    const char *name;
    int32_t curve, hash;
    size_t field;
    const char *ux, *uy, *r, *s;
    uint8_t pub[97], sig[96], digest[48];
#ifdef TA_HAVE_OPENSSL
    EC_KEY *key;
    ECDSA_SIG *es;
#endif
} vec;

static vec vecs[] = {
    {.name = "p256", .curve = TEEATTEST_CURVE_P256,
     .hash = TEEATTEST_HASH_SHA256, .field = 32,
     .ux = "60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6",
     .uy = "7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299",
     .r = "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716",
     .s = "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8"},
    {.name = "p384", .curve = TEEATTEST_CURVE_P384,
     .hash = TEEATTEST_HASH_SHA384, .field = 48,
     .ux = "EC3A4E415B4E19A4568618029F427FA5DA9A8BC4AE92E02E06AAE5286B300C64"
     "DEF8F0EA9055866064A254515480BC13",
     .uy = "8015D9B72D7D57244EA8EF9AC0C621896708A59367F9DFB9F54CA84B3F1C9DB1"
     "288B231C3AE0D4FE7344FD2533264720",
     .r = "94EDBB92A5ECB8AAD4736E56C691916B3F88140666CE9FA73D64C4EA95AD133C"
     "81A648152E44ACF96E36DD1E80FABE46",
     .s = "99EF4AEB15F178CEA1FE40DB2603138F130E740A19624526203B6351D0A3A94F"
     "A329C145786E679E7B82C71A38628AC8"},
};

static void unhex(uint8_t *out, size_t n, const char *hex)
{
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1) {
            fprintf(stderr, "error: bad vector\n");
            exit(TA_BENCH_EXIT_FAILED);
        }
        out[i] = (uint8_t)v;
    }
}

typedef int (*verifier)(int32_t, const uint8_t *, size_t, const uint8_t *,
                        size_t, const uint8_t *, size_t);

typedef struct way {
    const char *name;
    verifier fn; /* NULL: stock */
} way;

static int call(const way *w, const vec *v)
{
    size_t f = v->field;
#ifdef TA_HAVE_OPENSSL
    if (!w->fn)
        return ECDSA_do_verify(v->digest, (int)f, v->es, v->key) != 1;
#endif
    return w->fn(v->curve, v->pub, 1 + 2 * f, v->digest, f, v->sig, 2 * f) !=
           TEEATTEST_OK;
}

static void setup(vec *v)
{
    size_t f = v->field;
    v->pub[0] = 0x04;
    unhex(v->pub + 1, f, v->ux);
    unhex(v->pub + 1 + f, f, v->uy);
    unhex(v->sig, f, v->r);
    unhex(v->sig + f, f, v->s);
    if (ta_builtin_hash(v->hash, v->digest, f, (const uint8_t *)"sample", 6)) {
        fprintf(stderr, "error: hash\n");
        exit(TA_BENCH_EXIT_FAILED);
    }
#ifdef TA_HAVE_OPENSSL
    EC_GROUP *g = EC_GROUP_new_by_curve_name(
        v->curve == TEEATTEST_CURVE_P256 ? NID_X9_62_prime256v1
                                         : NID_secp384r1);
    EC_POINT *pt = g ? EC_POINT_new(g) : NULL;
    BIGNUM *r = BN_bin2bn(v->sig, (int)f, NULL);
    BIGNUM *s = BN_bin2bn(v->sig + f, (int)f, NULL);
    v->key = EC_KEY_new();
    v->es = ECDSA_SIG_new();
    if (!pt || !r || !s || !v->key || !v->es || !EC_KEY_set_group(v->key, g) ||
        !EC_POINT_oct2point(g, pt, v->pub, 1 + 2 * f, NULL) ||
        !EC_KEY_set_public_key(v->key, pt) || !ECDSA_SIG_set0(v->es, r, s)) {
        fprintf(stderr, "error: OpenSSL key setup\n");
        exit(TA_BENCH_EXIT_FAILED);
    }
    EC_POINT_free(pt);
    EC_GROUP_free(g);
#endif
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 5;
    if (rounds < 1 || rounds > MAX_ROUNDS) {
        fprintf(stderr, "usage: %s [ROUNDS (1-%d)]\n", argv[0], MAX_ROUNDS);
        return TA_BENCH_EXIT_INPUT;
    }
    way ways[5];
    size_t n = 0;
#ifdef TA_HAVE_OPENSSL
    ways[n++] = (way){"stock", NULL};
#endif
    if (ta_openssl_available())
        ways[n++] = (way){"openssl", ta_openssl_ecdsa_verify};
    if (ta_nettle_available())
        ways[n++] = (way){"nettle", ta_nettle_ecdsa_verify};
    ways[n++] = (way){"mbedtls", ta_mbedtls_ecdsa_verify};
    ways[n++] = (way){"builtin", ta_builtin_ecdsa_verify};

    printf("rounds=%d (thread CPU time, the verifiers alternating call by "
           "call; best round for rates, median ratio to the first)\n",
           rounds);
    for (size_t k = 0; k < TA_ARRAY_LEN(vecs); k++) {
        vec *v = &vecs[k];
        setup(v);
        for (size_t i = 0; i < n; i++)
            if (call(&ways[i], v)) {
                fprintf(stderr, "error: %s %s: the vector does not verify\n",
                        v->name, ways[i].name);
                return TA_BENCH_EXIT_FAILED;
            }
        double rate[5][MAX_ROUNDS], ratio[5][MAX_ROUNDS];
        for (int r = -1; r < rounds; r++) { /* round -1: warm-up */
            uint64_t t[5] = {0}, total = 0, calls = 0;
            uint64_t budget = r < 0 ? ROUND_NS / 4 : ROUND_NS;
            while (total < budget) {
                for (size_t i = 0; i < n; i++) {
                    uint64_t t0 = ta_bench_cpu_ns();
                    if (call(&ways[i], v)) {
                        fprintf(stderr, "error: %s %s failed\n", v->name,
                                ways[i].name);
                        return TA_BENCH_EXIT_FAILED;
                    }
                    uint64_t d = ta_bench_cpu_ns() - t0;
                    t[i] += d;
                    total += d;
                }
                calls++;
            }
            if (r < 0)
                continue;
            for (size_t i = 0; i < n; i++) {
                rate[i][r] = (double)calls * 1e9 / (double)t[i];
                ratio[i][r] = (double)t[i] / (double)t[0];
            }
        }
        for (size_t i = 0; i < n; i++) {
            double best = ta_bench_best(rate[i], rounds);
            double med = ta_bench_median(rate[i], rounds);
            double rmed = ta_bench_median(ratio[i], rounds);
            printf("%s_%s_per_sec=%.0f (%.1f us; median %.0f/s; time / %s "
                   "%.3f)\n", v->name, ways[i].name, best, 1e6 / best, med,
                   ways[0].name, rmed);
        }
#ifdef TA_HAVE_OPENSSL
        EC_KEY_free(v->key);
        ECDSA_SIG_free(v->es);
#endif
    }
    return 0;
}
