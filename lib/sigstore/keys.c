/*
 * Sigstore helpers: times, base64 and PEM blobs, public keys (DER
 * SubjectPublicKeyInfo) and their signatures, RFC 6962 Merkle proofs.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <string.h>

#include "../crypto/crypto.h"
#include "../crypto/der.h"
#include "../crypto/x509.h"
#include "sigstore.h"

int ta_ss_b64(const teeattest_ctx *ctx, const char *s, ta_ss_blob *out)
{
    out->p = NULL;
    out->len = 0;
    if (!s)
        return TEEATTEST_E_PARSE;
    size_t n = strlen(s);
    size_t cap = ta_base64_decoded_max(n);
    out->p = ta_malloc(ctx, cap ? cap : 1);
    if (!out->p)
        return TEEATTEST_E_NOMEM;
    int64_t got = ta_base64_decode(out->p, cap, s, n, false);
    if (got < 0) {
        ta_free(ctx, out->p);
        out->p = NULL;
        return TEEATTEST_E_PARSE;
    }
    out->len = (size_t)got;
    return TEEATTEST_OK;
}

int ta_ss_b64_lines(const teeattest_ctx *ctx, const char *s, ta_ss_blob *out)
{
    out->p = NULL;
    out->len = 0;
    if (!s)
        return TEEATTEST_E_PARSE;
    size_t n = strlen(s), k = 0;
    char *c = ta_malloc(ctx, n + 1);
    if (!c)
        return TEEATTEST_E_NOMEM;
    for (size_t i = 0; i < n; i++)
        if (s[i] != '\n' && s[i] != '\r')
            c[k++] = s[i];
    c[k] = 0;
    int rc = ta_ss_b64(ctx, c, out);
    ta_free(ctx, c);
    return rc;
}

void ta_ss_blob_free(const teeattest_ctx *ctx, ta_ss_blob *b)
{
    if (b) {
        ta_free(ctx, b->p);
        b->p = NULL;
        b->len = 0;
    }
}

int ta_ss_pem(const teeattest_ctx *ctx, const uint8_t *text, size_t len,
              const char *label, ta_ss_blob *out)
{
    char begin[64], end[64];
    snprintf(begin, sizeof begin, "-----BEGIN %s-----", label);
    snprintf(end, sizeof end, "-----END %s-----", label);
    out->p = NULL;
    out->len = 0;
    if (memchr(text, 0, len))
        return TEEATTEST_E_PARSE;
    const uint8_t *b = NULL, *e = NULL;
    size_t bl = strlen(begin), el = strlen(end);
    for (size_t i = 0; i + bl <= len; i++)
        if (!memcmp(text + i, begin, bl)) {
            b = text + i + bl;
            break;
        }
    if (!b)
        return TEEATTEST_E_PARSE;
    for (const uint8_t *q = b; q + el <= text + len; q++)
        if (!memcmp(q, end, el)) {
            e = q;
            break;
        }
    if (!e)
        return TEEATTEST_E_PARSE;
    /* the base64 body without line breaks */
    char *s = ta_malloc(ctx, (size_t)(e - b) + 1);
    if (!s)
        return TEEATTEST_E_NOMEM;
    size_t k = 0;
    for (const uint8_t *q = b; q < e; q++)
        if (*q != '\n' && *q != '\r' && *q != ' ' && *q != '\t')
            s[k++] = (char)*q;
    s[k] = 0;
    int rc = ta_ss_b64(ctx, s, out);
    ta_free(ctx, s);
    if (rc == TEEATTEST_OK && out->len == 0) {
        ta_ss_blob_free(ctx, out);
        rc = TEEATTEST_E_PARSE;
    }
    return rc;
}

/* OIDs (DER contents) */
static const uint8_t OID_EC[] = {0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01};
static const uint8_t OID_P256[] = {0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01,
                                   0x07};
static const uint8_t OID_P384[] = {0x2B, 0x81, 0x04, 0x00, 0x22};
static const uint8_t OID_ED25519[] = {0x2B, 0x65, 0x70};

int ta_ss_key_from_spki(const teeattest_ctx *ctx, ta_ss_key *k,
                        const uint8_t *der, size_t len)
{
    memset(k, 0, sizeof *k);
    ta_der_in in = {der, der + len}, spki, alg;
    ta_der_tlv t, a, oid, bits;
    if (!ta_der_expect(&in, TA_DER_SEQUENCE, &t) || !ta_der_done(&in))
        return TEEATTEST_E_PARSE;
    spki = t.in;
    if (!ta_der_expect(&spki, TA_DER_SEQUENCE, &a) ||
        !ta_der_expect(&spki, TA_DER_BIT_STRING, &bits) ||
        !ta_der_done(&spki))
        return TEEATTEST_E_PARSE;
    alg = a.in;
    if (!ta_der_expect(&alg, TA_DER_OID, &oid))
        return TEEATTEST_E_PARSE;
    size_t bl = ta_der_left(&bits.in);
    const uint8_t *bp = bits.in.p;
    if (bl < 1 || bp[0] != 0)
        return TEEATTEST_E_PARSE;
    bp++;
    bl--;
    k->kind = TA_SS_KEY_OTHER;
    if (ta_der_eq(&oid.in, OID_EC, sizeof OID_EC)) {
        ta_der_tlv curve;
        if (!ta_der_expect(&alg, TA_DER_OID, &curve) || !ta_der_done(&alg))
            return TEEATTEST_E_PARSE;
        size_t want = 0;
        if (ta_der_eq(&curve.in, OID_P256, sizeof OID_P256)) {
            k->kind = TA_SS_KEY_P256;
            want = 65;
        } else if (ta_der_eq(&curve.in, OID_P384, sizeof OID_P384)) {
            k->kind = TA_SS_KEY_P384;
            want = 97;
        }
        if (want) {
            if (bl != want || bp[0] != 0x04)
                return TEEATTEST_E_PARSE;
            memcpy(k->pub, bp, want);
            k->pub_len = want;
        }
    } else if (ta_der_eq(&oid.in, OID_ED25519, sizeof OID_ED25519)) {
        if (!ta_der_done(&alg) || bl != 32)
            return TEEATTEST_E_PARSE;
        k->kind = TA_SS_KEY_ED25519;
        memcpy(k->pub, bp, 32);
        k->pub_len = 32;
    }
    k->spki = ta_malloc(ctx, len);
    if (!k->spki)
        return TEEATTEST_E_NOMEM;
    memcpy(k->spki, der, len);
    k->spki_len = len;
    return TEEATTEST_OK;
}

void ta_ss_key_clear(const teeattest_ctx *ctx, ta_ss_key *k)
{
    if (k) {
        ta_free(ctx, k->spki);
        memset(k, 0, sizeof *k);
    }
}

int ta_ss_key_verify(const teeattest_ctx *ctx, const ta_ss_key *k,
                     const uint8_t *msg, size_t len, bool prehashed,
                     const uint8_t *sig, size_t sig_len)
{
    if (k->kind == TA_SS_KEY_ED25519) {
        if (prehashed)
            return TEEATTEST_E_SIG_ALGO;
        if (sig_len != 64)
            return TEEATTEST_E_SIG_ENCODING;
        return ta_ed25519_verify(ctx, sig, msg, len, k->pub);
    }
    if (k->kind != TA_SS_KEY_P256 && k->kind != TA_SS_KEY_P384)
        return TEEATTEST_E_SIG_ALGO;
    bool p256 = k->kind == TA_SS_KEY_P256;
    int32_t alg = p256 ? TEEATTEST_HASH_SHA256 : TEEATTEST_HASH_SHA384;
    size_t field = p256 ? 32 : 48;
    uint8_t dig[48], raw[96];
    size_t dl = ta_hash_len(alg);
    if (prehashed) {
        if (len != dl)
            return TEEATTEST_E_LENGTH;
        memcpy(dig, msg, dl);
    } else {
        int rc = ta_hash(ctx, alg, dig, dl, msg, len);
        if (rc)
            return rc;
    }
    int rc = ta_ecdsa_sig_der_to_raw(sig, sig_len, field, raw);
    if (rc)
        return rc;
    return ta_ecdsa_verify(ctx, p256 ? TEEATTEST_CURVE_P256
                                     : TEEATTEST_CURVE_P384,
                           k->pub, k->pub_len, dig, dl, raw, 2 * field);
}

static void node_hash(const teeattest_ctx *ctx, uint8_t out[32],
                      const uint8_t l[32], const uint8_t r[32])
{
    uint8_t buf[65];
    buf[0] = 0x01;
    memcpy(buf + 1, l, 32);
    memcpy(buf + 33, r, 32);
    (void)ta_sha256(ctx, out, buf, sizeof buf);
}

bool ta_ss_merkle_verify(const teeattest_ctx *ctx, const uint8_t leaf[32],
                         int64_t index, int64_t size,
                         const uint8_t (*hashes)[32], size_t n,
                         const uint8_t root[32])
{
    if (index < 0 || size <= 0 || index >= size)
        return false;
    /* RFC 9162 section 2.1.3.2 */
    uint64_t fn = (uint64_t)index, sn = (uint64_t)size - 1;
    uint8_t r[32];
    memcpy(r, leaf, 32);
    for (size_t i = 0; i < n; i++) {
        if (sn == 0)
            return false;
        if ((fn & 1) || fn == sn) {
            node_hash(ctx, r, hashes[i], r);
            if (!(fn & 1))
                while (fn != 0 && !(fn & 1)) {
                    fn >>= 1;
                    sn >>= 1;
                }
        } else {
            node_hash(ctx, r, r, hashes[i]);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && ta_ct_equal(r, root, 32);
}
