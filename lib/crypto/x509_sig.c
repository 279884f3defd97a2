/*
 * Signatures by certificates (x509.h), on top of any X.509 implementation:
 * hashing and ECDSA go through the context's crypto backend (dispatch.c),
 * so an embedder's vtable member still overrides them.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>

#include "crypto.h"
#include "der.h"
#include "x509.h"

/* One INTEGER of an ECDSA-Sig-Value into a `field`-byte big-endian slot. */
static int sig_int(uint8_t **p, const uint8_t *end, size_t field,
                   uint8_t *out)
{
    size_t len;
    if (ta_der_get_tag(p, end, &len, TA_DER_INTEGER) != 0 || len == 0)
        return -1;
    const uint8_t *v = *p;
    *p += len;
    if (v[0] & 0x80)
        return -1; /* negative */
    if (v[0] == 0) {
        if (len == 1 || !(v[1] & 0x80))
            return -1; /* zero, or a 0x00 that DER does not need */
        v++;
        len--;
    }
    if (len > field)
        return -1;
    memset(out, 0, field);
    memcpy(out + field - len, v, len);
    return 0;
}

int ta_ecdsa_sig_der_to_raw(const uint8_t *der, size_t len, size_t field,
                            uint8_t *out)
{
    uint8_t *p = (uint8_t *)der;
    const uint8_t *end = der + len;
    size_t slen;
    if (!der || ta_der_get_tag(&p, end, &slen, TA_DER_SEQUENCE) != 0 ||
        p + slen != end || sig_int(&p, end, field, out) != 0 ||
        sig_int(&p, end, field, out + field) != 0 || p != end)
        return TEEATTEST_E_SIG_ENCODING;
    return TEEATTEST_OK;
}

int ta_x509_verify_ecdsa(const teeattest_ctx *ctx, const ta_x509 *signer,
                         int32_t hash_alg, const uint8_t *msg, size_t len,
                         const uint8_t *sig_der, size_t sig_len)
{
    int32_t curve = ta_x509_key_curve(signer);
    size_t field = curve == TEEATTEST_CURVE_P256   ? 32
                   : curve == TEEATTEST_CURVE_P384 ? 48 : 0;
    size_t hl = ta_hash_len(hash_alg);
    if (!field || !hl)
        return TEEATTEST_E_SIG_ALGO;
    uint8_t pub[97], raw[96], h[64];
    if (ta_x509_ec_point(signer, curve, pub, sizeof pub) != TEEATTEST_OK)
        return TEEATTEST_E_SIG_ALGO;
    int rc = ta_ecdsa_sig_der_to_raw(sig_der, sig_len, field, raw);
    if (!rc)
        rc = ta_hash(ctx, hash_alg, h, hl, msg, len);
    if (!rc)
        rc = ta_ecdsa_verify(ctx, curve, pub, 2 * field + 1, h, hl, raw,
                             2 * field);
    return rc;
}

int ta_x509_verify_link(const teeattest_ctx *ctx, const ta_x509 *issuer,
                        const ta_x509 *subject)
{
    int32_t pk, hash;
    ta_x509_sig_alg(subject, &pk, &hash);
    if (pk != TA_X509_PK_ECDSA || !hash)
        return TEEATTEST_E_SIG_ALGO;
    ta_der tbs = ta_x509_tbs(subject), sig = ta_x509_signature(subject);
    return ta_x509_verify_ecdsa(ctx, issuer, hash, tbs.p, tbs.len, sig.p,
                                sig.len);
}
