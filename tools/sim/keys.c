/*
 * teeattest-sim: deterministic TEST keys and signing.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <string.h>

#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <sodium.h>

#include "sim.h"

static secp256k1_context *secp;

int sim_keys_init(void)
{
    if (sodium_init() < 0)
        return -1;
    secp = secp256k1_context_create(SECP256K1_CONTEXT_SIGN |
                                    SECP256K1_CONTEXT_VERIFY);
    return secp ? 0 : -1;
}

void sim_keys_cleanup(void)
{
    if (secp)
        secp256k1_context_destroy(secp);
    secp = NULL;
}

static void eip55(char out[43], const uint8_t addr[20])
{
    char lower[41];
    uint8_t h[32];
    sim_hex(lower, addr, 20);
    sim_keccak256(h, lower, 40);
    out[0] = '0';
    out[1] = 'x';
    for (int i = 0; i < 40; i++) {
        int nib = (h[i / 2] >> (i % 2 ? 0 : 4)) & 0xf;
        char c = lower[i];
        out[2 + i] = (c >= 'a' && c <= 'f' && nib >= 8) ? (char)(c - 32) : c;
    }
    out[42] = '\0';
}

int sim_key_derive(sim_key *k, unsigned long long seed, const char *who)
{
    char label[160];
    const char *sep = who && *who ? "/" : "";
    memset(k, 0, sizeof *k);

    snprintf(label, sizeof label, "teeattest-sim/%llu%s%s/ecdsa", seed, sep,
             who ? who : "");
    sim_sha256(k->ecdsa_sk, label, strlen(label));
    /* An invalid scalar has probability ~2^-128; rehash rather than fail. */
    while (!secp256k1_ec_seckey_verify(secp, k->ecdsa_sk))
        sim_sha256(k->ecdsa_sk, k->ecdsa_sk, 32);
    secp256k1_pubkey pub;
    if (!secp256k1_ec_pubkey_create(secp, &pub, k->ecdsa_sk))
        return -1;
    uint8_t ser[65];
    size_t ser_len = sizeof ser;
    secp256k1_ec_pubkey_serialize(secp, ser, &ser_len, &pub,
                                  SECP256K1_EC_UNCOMPRESSED);
    memcpy(k->ecdsa_pub, ser + 1, 64);
    uint8_t h[32];
    sim_keccak256(h, k->ecdsa_pub, 64);
    memcpy(k->address, h + 12, 20);
    eip55(k->address_eip55, k->address);
    k->address_lower[0] = '0';
    k->address_lower[1] = 'x';
    sim_hex(k->address_lower + 2, k->address, 20);

    snprintf(label, sizeof label, "teeattest-sim/%llu%s%s/ed25519", seed, sep,
             who ? who : "");
    uint8_t edseed[32];
    sim_sha256(edseed, label, strlen(label));
    crypto_sign_seed_keypair(k->ed_pk, k->ed_sk, edseed);
    sodium_memzero(edseed, sizeof edseed);
    sim_hex(k->ed_pk_hex, k->ed_pk, 32);
    return 0;
}

int sim_sign_eip191(const sim_key *k, const char *text, size_t len,
                    char out[133], bool with_0x, bool high_s)
{
    char prefix[64];
    int n = snprintf(prefix, sizeof prefix, "\x19" "Ethereum Signed Message:\n%zu",
                     len);
    sbuf b;
    sb_init(&b);
    sb_add(&b, prefix, (size_t)n);
    sb_add(&b, text, len);
    if (b.oom) {
        sb_free(&b);
        return -1;
    }
    uint8_t digest[32];
    sim_keccak256(digest, b.data, b.len);
    sb_free(&b);

    secp256k1_ecdsa_recoverable_signature sig;
    /* RFC 6979 nonces, and libsecp256k1 always produces low s. */
    if (!secp256k1_ecdsa_sign_recoverable(secp, &sig, digest, k->ecdsa_sk,
                                          NULL, NULL))
        return -1;
    uint8_t rsv[65];
    int recid = 0;
    secp256k1_ecdsa_recoverable_signature_serialize_compact(secp, rsv, &recid,
                                                            &sig);
    /* s is in [1, n/2], a valid scalar: negating it mod n gives n - s,
     * which recovers the same key with the other recovery id. */
    if (high_s) {
        if (!secp256k1_ec_seckey_negate(secp, rsv + 32))
            return -1;
        recid ^= 1;
    }
    rsv[64] = (uint8_t)(27 + recid);
    char *p = out;
    if (with_0x) {
        *p++ = '0';
        *p++ = 'x';
    }
    sim_hex(p, rsv, 65);
    return 0;
}

int sim_sign_ed25519(const sim_key *k, const char *text, size_t len,
                     char out[129])
{
    uint8_t sig[64];
    if (crypto_sign_detached(sig, NULL, (const uint8_t *)text, len, k->ed_sk))
        return -1;
    sim_hex(out, sig, 64);
    return 0;
}
