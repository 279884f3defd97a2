/*
 * NEAR's OHTTP key attestation: the HPKE key config a client encrypts
 * Oblivious HTTP requests to (RFC 9458 section 3), signed with the
 * proxy's Ed25519 signing key:
 *
 *   ohttp_attestation = {signing_algo: "ed25519", signing_key: hex(32),
 *                        key_config: hex, signature: hex(64)}
 *   signature = Ed25519(signing_key, key_config bytes)
 *
 * and beside it `ohttp_key_config`, the same key config again (hex).
 * Whether signing_key is a key the TEE attested is the caller's question
 * (report_verify.c); this file checks the object and the signature.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>

#include <jansson.h>

#include "../crypto/crypto.h"
#include "dstack.h"

/* Public key lengths (Npk) of the HPKE KEMs (RFC 9180 section 7.1). */
static const struct {
    uint16_t id;
    uint16_t npk;
    const char *name;
} kems[] = {
    {0x0010, 65, "p256"},   {0x0011, 97, "p384"}, {0x0012, 133, "p521"},
    {0x0020, 32, "x25519"}, {0x0021, 56, "x448"},
};

int ta_ohttp_key_config_parse(ta_ohttp_key_config *out, const uint8_t *p,
                              size_t n, teeattest_error *err)
{
    memset(out, 0, sizeof *out);
    if (n < 3)
        return ta_error(err, TEEATTEST_E_PARSE, "key_config",
                        "key config of %zu bytes: no KEM id", n);
    out->key_id = p[0];
    out->kem_id = (uint16_t)(p[1] << 8 | p[2]);
    size_t npk = 0;
    for (size_t i = 0; i < TA_ARRAY_LEN(kems); i++)
        if (kems[i].id == out->kem_id) {
            npk = kems[i].npk;
            out->kem_name = kems[i].name;
        }
    if (!npk)
        return ta_error(err, TEEATTEST_E_PARSE, "key_config",
                        "unknown HPKE KEM 0x%04x", out->kem_id);
    /* key id, KEM id, public key, then a 2-byte length */
    if (n - 3 < npk + 2)
        return ta_error(err, TEEATTEST_E_PARSE, "key_config",
                        "key config of %zu bytes is shorter than its %zu-byte "
                        "public key", n, npk);
    out->public_key = p + 3;
    out->public_key_len = npk;
    if (npk == 65 || npk == 97 || npk == 133) {
        if (out->public_key[0] != 0x04)
            return ta_error(err, TEEATTEST_E_PARSE, "key_config",
                            "the %s public key is not uncompressed",
                            out->kem_name);
    }
    const uint8_t *s = p + 3 + npk;
    size_t slen = (size_t)(s[0] << 8 | s[1]);
    size_t rest = n - 3 - npk - 2;
    if (slen < 4 || slen % 4 || slen > 65532)
        return ta_error(err, TEEATTEST_E_PARSE, "key_config",
                        "symmetric algorithms length %zu is not a positive "
                        "multiple of 4", slen);
    if (slen != rest)
        return ta_error(err, TEEATTEST_E_PARSE, "key_config",
                        "symmetric algorithms length %zu, but %zu bytes "
                        "follow", slen, rest);
    out->suites = s + 2;
    out->n_suites = slen / 4;
    return TEEATTEST_OK;
}

static const char *kdf_name(uint16_t id)
{
    switch (id) {
    case 1: return "hkdf-sha256";
    case 2: return "hkdf-sha384";
    case 3: return "hkdf-sha512";
    default: return NULL;
    }
}

static const char *aead_name(uint16_t id)
{
    switch (id) {
    case 1: return "aes-128-gcm";
    case 2: return "aes-256-gcm";
    case 3: return "chacha20-poly1305";
    case 0xffff: return "export-only";
    default: return NULL;
    }
}

int ta_ohttp_suites_text(char *out, size_t cap, const ta_ohttp_key_config *k)
{
    size_t used = 0;
    if (!cap)
        return TEEATTEST_E_BUFFER_TOO_SMALL;
    out[0] = '\0';
    for (size_t i = 0; i < k->n_suites; i++) {
        const uint8_t *q = k->suites + 4 * i;
        uint16_t kdf = (uint16_t)(q[0] << 8 | q[1]);
        uint16_t aead = (uint16_t)(q[2] << 8 | q[3]);
        char a[24], b[24];
        snprintf(a, sizeof a, "%s", kdf_name(kdf) ? kdf_name(kdf) : "");
        if (!a[0])
            snprintf(a, sizeof a, "kdf-0x%04x", kdf);
        snprintf(b, sizeof b, "%s", aead_name(aead) ? aead_name(aead) : "");
        if (!b[0])
            snprintf(b, sizeof b, "aead-0x%04x", aead);
        int w = snprintf(out + used, cap - used, "%s%s/%s", i ? "," : "", a,
                         b);
        if (w < 0 || (size_t)w >= cap - used)
            return TEEATTEST_E_BUFFER_TOO_SMALL;
        used += (size_t)w;
    }
    return TEEATTEST_OK;
}

/* A hex member of the attestation object, decoded; `want` 0 = any length
 * up to TA_OHTTP_CONFIG_MAX. */
static int member_hex(const teeattest_ctx *ctx, const json_t *o,
                      const char *key, size_t want, uint8_t **out,
                      size_t *len, teeattest_error *err)
{
    const json_t *v = json_object_get(o, key);
    *out = NULL;
    *len = 0;
    if (!v || json_is_null(v))
        return ta_error(err, TEEATTEST_E_FIELD_MISSING, key,
                        "ohttp_attestation has no %s", key);
    if (!json_is_string(v))
        return ta_error(err, TEEATTEST_E_JSON, key,
                        "ohttp_attestation.%s is not a string", key);
    size_t hl = json_string_length(v);
    if (hl / 2 > TA_OHTTP_CONFIG_MAX)
        return ta_error(err, TEEATTEST_E_TOO_LARGE, key,
                        "ohttp_attestation.%s is longer than %u bytes", key,
                        TA_OHTTP_CONFIG_MAX);
    uint8_t *b = ta_malloc(ctx, hl / 2 + 1);
    if (!b)
        return ta_error(err, TEEATTEST_E_NOMEM, key, "out of memory");
    int64_t n = ta_hex_decode(b, hl / 2 + 1, json_string_value(v), hl);
    if (n < 0 || (want && (size_t)n != want)) {
        ta_free(ctx, b);
        if (n < 0)
            return ta_error(err, TEEATTEST_E_HEX, key,
                            "ohttp_attestation.%s is not hex", key);
        return ta_error(err, TEEATTEST_E_LENGTH, key,
                        "ohttp_attestation.%s must be %zu bytes", key, want);
    }
    *out = b;
    *len = (size_t)n;
    return TEEATTEST_OK;
}

int ta_ohttp_attestation_verify(const teeattest_ctx *ctx,
                                const uint8_t *att, size_t att_len,
                                const uint8_t *stated, size_t stated_len,
                                bool has_stated, uint8_t signing_key[32],
                                uint8_t **config, size_t *config_len,
                                teeattest_error *err)
{
    *config = NULL;
    *config_len = 0;
    json_t *o = json_loadb((const char *)att, att_len, JSON_REJECT_DUPLICATES,
                           NULL);
    uint8_t *key = NULL, *sig = NULL, *cfg = NULL;
    size_t kl, sl, cl;
    int rc = TEEATTEST_OK;
    const json_t *algo = json_object_get(o, "signing_algo");
    if (!json_is_object(o)) {
        rc = ta_error(err, TEEATTEST_E_JSON, "ohttp_attestation",
                      "ohttp_attestation is not a JSON object");
    } else if (!json_is_string(algo)) {
        rc = ta_error(err, TEEATTEST_E_SIG_ALGO, "signing_algo",
                      "ohttp_attestation names no signing_algo");
    } else if (strcmp(json_string_value(algo), "ed25519") != 0) {
        rc = ta_error(err, TEEATTEST_E_SIG_ALGO, "signing_algo",
                      "ohttp_attestation.signing_algo \"%.40s\" is not "
                      "ed25519", json_string_value(algo));
    } else if (!(rc = member_hex(ctx, o, "signing_key", 32, &key, &kl, err)) &&
               !(rc = member_hex(ctx, o, "signature", 64, &sig, &sl, err)) &&
               !(rc = member_hex(ctx, o, "key_config", 0, &cfg, &cl, err))) {
        ta_ohttp_key_config k;
        rc = ta_ohttp_key_config_parse(&k, cfg, cl, err);
        if (rc)
            goto out;
        if (has_stated &&
                 (stated_len != cl || memcmp(stated, cfg, cl) != 0))
            rc = ta_error(err, TEEATTEST_E_VERIFY_FAILED, "ohttp_key_config",
                          "ohttp_key_config differs from the key_config "
                          "ohttp_attestation signs");
        else if (ta_ed25519_verify(ctx, sig, cfg, cl, key) != TEEATTEST_OK)
            rc = ta_error(err, TEEATTEST_E_VERIFY_FAILED, "signature",
                          "the Ed25519 signature over key_config does not "
                          "verify under signing_key");
    }
out:
    json_decref(o);
    if (!rc) {
        memcpy(signing_key, key, 32);
        *config = cfg;
        *config_len = cl;
        cfg = NULL;
    }
    ta_free(ctx, key);
    ta_free(ctx, sig);
    ta_free(ctx, cfg);
    return rc;
}
