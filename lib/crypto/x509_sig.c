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

/* One INTEGER of an ECDSA-Sig-Value into a `field`-byte big-endian slot:
 * DER (der.h's cursor), positive, no 0x00 that DER does not need. */
static bool sig_int(ta_der_in *d, size_t field, uint8_t *out)
{
    ta_der_tlv t;
    if (!ta_der_expect(d, TA_DER_INTEGER, &t) || ta_der_done(&t.in))
        return false;
    const uint8_t *v = t.in.p;
    size_t len = ta_der_left(&t.in);
    if (v[0] & 0x80)
        return false; /* negative */
    if (v[0] == 0) {
        if (len == 1 || !(v[1] & 0x80))
            return false; /* zero, or a 0x00 that DER does not need */
        v++;
        len--;
    }
    if (len > field)
        return false;
    memset(out, 0, field);
    memcpy(out + field - len, v, len);
    return true;
}

int ta_ecdsa_sig_der_to_raw(const uint8_t *der, size_t len, size_t field,
                            uint8_t *out)
{
    ta_der_in d = {der, der + len};
    ta_der_tlv seq;
    if (!der || !ta_der_expect(&d, TA_DER_SEQUENCE, &seq) ||
        !ta_der_done(&d) || !sig_int(&seq.in, field, out) ||
        !sig_int(&seq.in, field, out + field) || !ta_der_done(&seq.in))
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
