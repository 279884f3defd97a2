/*
 * E2EE v2 suites, keys, associated data and one field's encryption
 * (spec/e2ee-v2.md sections 4 and 6, Dstack-TEE/private-ai-gateway commit
 * b6b5c1b). The primitives are lib/crypto's; this file only composes them:
 * ECDH between a fresh ephemeral key and the recipient's key, HKDF-SHA256
 * without salt and with the suite's info string, AES-256-GCM with a
 * 12-byte IV, the value written as hex(ephemeral || IV || ct || tag).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>

#include "e2ee_impl.h"
#include "../crypto/crypto.h"

static const char *const algo_names[] = {
    NULL,
    "x25519-aes-256-gcm-hkdf-sha256",
    "secp256k1-aes-256-gcm-hkdf-sha256",
};
static const char *const hkdf_info[] = {
    NULL,
    "aci.e2ee.v2.x25519",
    "aci.e2ee.v2.secp256k1",
};

const char *ta_e2ee_strip0x(const char *hex, size_t *len)
{
    if (*len >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) {
        *len -= 2;
        return hex + 2;
    }
    return hex;
}

int ta_e2ee_unhex(const teeattest_ctx *ctx, const char *hex, size_t hex_len,
                  size_t head, uint8_t **raw, size_t *total, uint8_t **pt,
                  size_t *len)
{
    *raw = NULL;
    *pt = NULL;
    *total = 0;
    *len = 0;
    hex = ta_e2ee_strip0x(hex, &hex_len);
    if (hex_len % 2 || !ta_is_hex(hex, hex_len))
        return TEEATTEST_E_HEX;
    if (hex_len / 2 < head + 16)
        return TEEATTEST_E_LENGTH;
    *total = hex_len / 2;
    *len = *total - head - 16;
    *raw = ta_malloc(ctx, *total);
    *pt = ta_malloc(ctx, *len + 1);
    if (!*raw || !*pt)
        return TEEATTEST_E_NOMEM;
    int64_t n = ta_hex_decode(*raw, *total, hex, hex_len);
    if (n != (int64_t)*total)
        return n < 0 ? (int)n : TEEATTEST_E_HEX;
    return TEEATTEST_OK;
}

int ta_e2ee_opened(const teeattest_ctx *ctx, int rc, uint8_t *raw,
                   uint8_t *pt, size_t len, uint8_t **pt_out, size_t *pt_len)
{
    if (!rc) {
        pt[len] = 0;
        *pt_out = pt;
        *pt_len = len;
        pt = NULL;
    }
    ta_free(ctx, raw);
    if (pt)
        ta_wipe(pt, len + 1);
    ta_free(ctx, pt);
    return rc;
}

int ta_e2ee_suite(const char *algo)
{
    if (!algo)
        return 0;
    for (int i = 1; i < (int)TA_ARRAY_LEN(algo_names); i++)
        if (strcmp(algo, algo_names[i]) == 0)
            return i;
    return 0;
}

const char *ta_e2ee_algo(int suite)
{
    return suite > 0 && suite < (int)TA_ARRAY_LEN(algo_names)
               ? algo_names[suite] : NULL;
}

static size_t eph_len(int suite)
{
    return suite == TA_E2EE_X25519 ? 32 : 65;
}

int ta_e2ee_pub_parse(ta_e2ee_key *k, int suite, const char *hex, size_t len)
{
    memset(k, 0, sizeof *k);
    if (!ta_e2ee_algo(suite) || !hex)
        return TEEATTEST_E_INVALID_ARG;
    hex = ta_e2ee_strip0x(hex, &len);
    uint8_t raw[65];
    int64_t n = ta_hex_decode(raw, sizeof raw, hex, len);
    if (n < 0)
        return n == TEEATTEST_E_BUFFER_TOO_SMALL ? TEEATTEST_E_LENGTH
                                                 : (int)n;
    k->suite = suite;
    if (suite == TA_E2EE_X25519) {
        if (n != 32)
            return TEEATTEST_E_LENGTH;
        memcpy(k->pub, raw, 32);
        k->pub_len = 32;
        return TEEATTEST_OK;
    }
    /* secp256k1: 65 bytes 04 || X || Y, or the same 64 bytes without 04. */
    if (n == 64) {
        k->pub[0] = 0x04;
        memcpy(k->pub + 1, raw, 64);
    } else if (n == 65 && raw[0] == 0x04) {
        memcpy(k->pub, raw, 65);
    } else {
        return TEEATTEST_E_LENGTH;
    }
    k->pub_len = 65;
    return ta_secp256k1_pubkey_check(k->pub, 65);
}

int ta_e2ee_key_from_secret(ta_e2ee_key *k, int suite,
                            const uint8_t secret[32])
{
    memset(k, 0, sizeof *k);
    int rc;
    if (suite == TA_E2EE_X25519) {
        rc = ta_x25519_base(k->pub, secret);
        k->pub_len = 32;
    } else if (suite == TA_E2EE_SECP256K1) {
        rc = ta_secp256k1_pubkey(k->pub, secret);
        k->pub_len = 65;
    } else {
        return TEEATTEST_E_INVALID_ARG;
    }
    if (rc != TEEATTEST_OK) {
        memset(k, 0, sizeof *k);
        return rc;
    }
    k->suite = suite;
    memcpy(k->secret, secret, 32);
    k->has_secret = true;
    return TEEATTEST_OK;
}

int ta_e2ee_key_generate(const teeattest_ctx *ctx, ta_e2ee_key *k, int suite)
{
    uint8_t s[32];
    int rc = TEEATTEST_E_RANDOM;
    /* A secp256k1 secret is out of range with probability ~2^-128; a few
     * draws bound the loop. */
    for (int tries = 0; tries < 8; tries++) {
        rc = ta_random(ctx, s, sizeof s);
        if (rc != TEEATTEST_OK)
            break;
        rc = ta_e2ee_key_from_secret(k, suite, s);
        if (rc != TEEATTEST_E_INVALID_ARG || suite != TA_E2EE_SECP256K1)
            break;
    }
    ta_wipe(s, sizeof s);
    return rc;
}

void ta_e2ee_pub_hex(char out[131], const ta_e2ee_key *k)
{
    ta_hex_encode(out, k->pub, k->pub_len);
}

/* ---- AAD ------------------------------------------------------------------ */

static int member(ta_buf *b, const char *name, const char *v, size_t n,
                  bool first)
{
    int rc = ta_buf_append_str(b, first ? "{\"" : ",\"");
    if (!rc)
        rc = ta_buf_append_str(b, name);
    if (!rc)
        rc = ta_buf_append_str(b, "\":");
    if (!rc)
        rc = ta_json_put_string(b, v, n, 0);
    return rc;
}

int ta_e2ee_aad(ta_buf *b, const ta_e2ee_binding *bind, const char *id,
                size_t id_len, const char *field)
{
    const char *algo = ta_e2ee_algo(bind->suite);
    if (!algo || !bind->model || !field)
        return TEEATTEST_E_INVALID_ARG;
    /* JCS: members sorted by name (all ASCII here), no whitespace, the
     * integer ts in decimal. Strings: ta_json_put_string writes the RFC
     * 8785 escapes; the model was checked to be UTF-8 by the parser. */
    int rc = member(b, "algo", algo, strlen(algo), true);
    if (!rc)
        rc = member(b, "field", field, strlen(field), false);
    if (!rc && id)
        rc = member(b, "id", id, id_len, false);
    if (!rc)
        rc = member(b, "model", bind->model, bind->model_len, false);
    if (!rc)
        rc = member(b, "nonce", bind->nonce, strlen(bind->nonce), false);
    if (!rc) {
        const char *p = id ? "aci.e2ee.response.v2" : "aci.e2ee.request.v2";
        rc = member(b, "purpose", p, strlen(p), false);
    }
    if (!rc)
        rc = ta_buf_printf(b, ",\"ts\":%lld}", (long long)bind->ts);
    return rc;
}

/* ---- one field ------------------------------------------------------------ */

static int derive(uint8_t key[32], int suite, const uint8_t shared[32])
{
    const char *info = hkdf_info[suite];
    return ta_hkdf_sha256(key, 32, NULL, 0, shared, 32,
                          (const uint8_t *)info, strlen(info));
}

static int agree(uint8_t shared[32], int suite, const uint8_t secret[32],
                 const uint8_t *pub, size_t pub_len)
{
    if (suite == TA_E2EE_X25519)
        return pub_len == 32 ? ta_x25519(shared, secret, pub)
                             : TEEATTEST_E_LENGTH;
    return ta_secp256k1_ecdh_x(shared, secret, pub, pub_len);
}

int ta_e2ee_seal(const teeattest_ctx *ctx, char **hex_out,
                 const ta_e2ee_key *to, const uint8_t *aad, size_t aad_len,
                 const uint8_t *pt, size_t len)
{
    *hex_out = NULL;
    if (!ta_e2ee_algo(to->suite) || len > SIZE_MAX / 4 - 256)
        return TEEATTEST_E_INVALID_ARG;
    size_t el = eph_len(to->suite), total = el + 12 + len + 16;
    uint8_t *raw = ta_malloc(ctx, total);
    char *hex = ta_malloc(ctx, 2 * total + 1);
    ta_e2ee_key eph;
    uint8_t shared[32], key[32];
    int rc = TEEATTEST_E_NOMEM;
    if (!raw || !hex)
        goto out;
    rc = ta_e2ee_key_generate(ctx, &eph, to->suite);
    if (!rc)
        rc = agree(shared, to->suite, eph.secret, to->pub, to->pub_len);
    if (!rc)
        rc = derive(key, to->suite, shared);
    if (!rc)
        rc = ta_random(ctx, raw + el, 12);
    if (!rc) {
        memcpy(raw, eph.pub, el);
        rc = ta_aes256gcm_seal(raw + el + 12, key, raw + el, aad, aad_len,
                               pt, len);
    }
    if (!rc) {
        ta_hex_encode(hex, raw, total);
        *hex_out = hex;
        hex = NULL;
    }
out:
    ta_wipe(&eph, sizeof eph);
    ta_wipe(shared, sizeof shared);
    ta_wipe(key, sizeof key);
    ta_free(ctx, raw);
    ta_free(ctx, hex);
    return rc;
}

int ta_e2ee_open(const teeattest_ctx *ctx, uint8_t **pt_out, size_t *pt_len,
                 const ta_e2ee_key *me, const uint8_t *aad, size_t aad_len,
                 const char *hex, size_t hex_len)
{
    *pt_out = NULL;
    *pt_len = 0;
    if (!ta_e2ee_algo(me->suite) || !me->has_secret)
        return TEEATTEST_E_INVALID_ARG;
    /* The spec writes lower-case hex; like the reference service we
     * accept either case and an optional 0x. */
    size_t el = eph_len(me->suite), total, len;
    uint8_t *raw, *pt;
    uint8_t shared[32], key[32];
    memset(shared, 0, sizeof shared);
    memset(key, 0, sizeof key);
    int rc = ta_e2ee_unhex(ctx, hex, hex_len, el + 12, &raw, &total, &pt, &len);
    if (rc)
        goto out;
    /* The ephemeral key: a point on the curve (secp256k1: uncompressed,
     * as the suite defines), else the value is refused. */
    if (me->suite == TA_E2EE_SECP256K1 && raw[0] != 0x04) {
        rc = TEEATTEST_E_VERIFY_FAILED;
        goto out;
    }
    rc = agree(shared, me->suite, me->secret, raw, el);
    if (rc == TEEATTEST_E_LENGTH)
        rc = TEEATTEST_E_VERIFY_FAILED;
    if (!rc)
        rc = derive(key, me->suite, shared);
    if (!rc)
        rc = ta_aes256gcm_open(pt, key, raw + el, aad, aad_len, raw + el + 12,
                               len + 16);
out:
    ta_wipe(shared, sizeof shared);
    ta_wipe(key, sizeof key);
    return ta_e2ee_opened(ctx, rc, raw, pt, len, pt_out, pt_len);
}
