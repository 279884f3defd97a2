/*
 * Keccak-256 as used by Ethereum: Keccak-f[1600], rate 1088 bits, the
 * original Keccak padding (0x01 ... 0x80), not FIPS 202 SHA3 (0x06).
 * No Debian library offers the legacy padding, hence this small version,
 * tested against published vectors in tests/unit/test_keccak.c.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>

#include "crypto.h"

static const uint64_t round_constants[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL,
    0x8000000080008000ULL, 0x000000000000808bULL, 0x0000000080000001ULL,
    0x8000000080008081ULL, 0x8000000000008009ULL, 0x000000000000008aULL,
    0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL,
    0x8000000000008003ULL, 0x8000000000008002ULL, 0x8000000000000080ULL,
    0x000000000000800aULL, 0x800000008000000aULL, 0x8000000080008081ULL,
    0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

/* Rotation offsets and the pi permutation, in the order of the combined
 * rho-pi walk starting from lane 1. */
static const unsigned rho[24] = {
    1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14,
    27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44,
};
static const unsigned pi[24] = {
    10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4,
    15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1,
};

static inline uint64_t rotl(uint64_t x, unsigned n)
{
    return (x << n) | (x >> (64 - n));
}

/* Fully unrolled loops let the compiler keep lanes in registers and fold
 * the table lookups into constants: 4x faster with gcc 12 at -O2, and
 * keccak runs up to four times per signature verification. */
#define UNROLL _Pragma("GCC unroll 25")

static void keccak_f1600(uint64_t st[25])
{
    for (int round = 0; round < 24; round++) {
        uint64_t c[5];
        UNROLL
        for (int x = 0; x < 5; x++)
            c[x] = st[x] ^ st[x + 5] ^ st[x + 10] ^ st[x + 15] ^ st[x + 20];
        UNROLL
        for (int x = 0; x < 5; x++) {
            uint64_t d = c[(x + 4) % 5] ^ rotl(c[(x + 1) % 5], 1);
            UNROLL
            for (int y = 0; y < 25; y += 5)
                st[y + x] ^= d;
        }
        uint64_t cur = st[1];
        UNROLL
        for (int i = 0; i < 24; i++) {
            unsigned j = pi[i];
            uint64_t tmp = st[j];
            st[j] = rotl(cur, rho[i]);
            cur = tmp;
        }
        UNROLL
        for (int y = 0; y < 25; y += 5) {
            uint64_t row[5];
            UNROLL
            for (int x = 0; x < 5; x++)
                row[x] = st[y + x];
            UNROLL
            for (int x = 0; x < 5; x++)
                st[y + x] = row[x] ^ (~row[(x + 1) % 5] & row[(x + 2) % 5]);
        }
        st[0] ^= round_constants[round];
    }
}

static uint64_t load64_le(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

void ta_keccak256_raw(uint8_t out[32], const uint8_t *data, size_t len)
{
    enum { RATE = 136 };
    uint64_t st[25] = {0};
    while (len >= RATE) {
        for (int i = 0; i < RATE / 8; i++)
            st[i] ^= load64_le(data + 8 * i);
        keccak_f1600(st);
        data += RATE;
        len -= RATE;
    }
    uint8_t block[RATE] = {0};
    if (len)
        memcpy(block, data, len);
    block[len] ^= 0x01;
    block[RATE - 1] ^= 0x80;
    for (int i = 0; i < RATE / 8; i++)
        st[i] ^= load64_le(block + 8 * i);
    keccak_f1600(st);
    for (int i = 0; i < 4; i++)
        for (int b = 0; b < 8; b++)
            out[8 * i + b] = (uint8_t)(st[i] >> (8 * b));
}
