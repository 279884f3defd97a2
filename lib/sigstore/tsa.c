/*
 * RFC 3161 timestamps of a bundle (timestampVerificationData): the
 * TimeStampResp is parsed with the DER cursor (RFC 3161 section 2.4.2, CMS
 * SignedData of RFC 5652), its message imprint must be the hash of the
 * bundle's signature, and its SignerInfo must verify (signed attributes
 * whose messageDigest is the TSTInfo's hash, ECDSA) with the leaf of a
 * timestamp authority of the trusted root whose chain and window hold the
 * genTime.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <string.h>

#include "../crypto/crypto.h"
#include "../crypto/der.h"
#include "sigstore_verify.h"

static const struct {
    uint8_t oid[9];
    int32_t alg;
} DIGESTS[] = {
    {{0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01}, TEEATTEST_HASH_SHA256},
    {{0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02}, TEEATTEST_HASH_SHA384},
    {{0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03}, TEEATTEST_HASH_SHA512},
};
static const uint8_t OID_ECDSA_SHA[] = {0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03};
static const uint8_t OID_MESSAGE_DIGEST[] = {0x2A, 0x86, 0x48, 0x86, 0xF7,
                                             0x0D, 0x01, 0x09, 0x04};

/* AlgorithmIdentifier of a digest -> teeattest_hash_alg, 0 if unknown. */
static int32_t digest_alg(ta_der_tlv *alg)
{
    ta_der_in in = alg->in;
    ta_der_tlv oid;
    if (!ta_der_expect(&in, TA_DER_OID, &oid))
        return 0;
    for (size_t i = 0; i < TA_ARRAY_LEN(DIGESTS); i++)
        if (ta_der_eq(&oid.in, DIGESTS[i].oid, sizeof DIGESTS[i].oid))
            return DIGESTS[i].alg;
    return 0;
}

/* ecdsa-with-SHA256/384/512 -> hash alg, 0 otherwise. */
static int32_t ecdsa_alg(ta_der_tlv *alg)
{
    ta_der_in in = alg->in;
    ta_der_tlv oid;
    if (!ta_der_expect(&in, TA_DER_OID, &oid) ||
        ta_der_left(&oid.in) != sizeof OID_ECDSA_SHA + 1 ||
        memcmp(oid.in.p, OID_ECDSA_SHA, sizeof OID_ECDSA_SHA))
        return 0;
    uint8_t last = oid.in.p[sizeof OID_ECDSA_SHA];
    return last == 2 ? TEEATTEST_HASH_SHA256
         : last == 3 ? TEEATTEST_HASH_SHA384
         : last == 4 ? TEEATTEST_HASH_SHA512 : 0;
}

static bool gen_time(const ta_der_tlv *t, int64_t *out)
{
    char s[32];
    size_t n = ta_der_left(&t->in);
    if (t->tag != 0x18 || n < 15 || n >= sizeof s)
        return false;
    memcpy(s, t->in.p, n);
    s[n] = 0;
    /* YYYYMMDDhhmmss[.f+]Z -> the RFC 3339 form ta_utc_parse reads */
    char r[40];
    snprintf(r, sizeof r, "%.4s-%.2s-%.2sT%.2s:%.2s:%s", s, s + 4, s + 6,
             s + 8, s + 10, s + 12);
    return ta_utc_parse(r, true, out);
}

typedef struct tst {
    ta_der_in tst_info;      /* TSTInfo DER (the eContent) */
    ta_der_tlv signed_attrs; /* [0] IMPLICIT SET OF Attribute */
    ta_der_tlv dig_alg, sig_alg, sig;
    int64_t time;
    int32_t imprint_alg;
    ta_der_in imprint;
} tst;

#define NO(...) (snprintf(why, cap, __VA_ARGS__), false)

static bool parse(const ta_ss_blob *ts, tst *t, char *why, size_t cap)
{
    ta_der_in in = {ts->p, ts->p + ts->len}, d;
    ta_der_tlv resp, status, st, ci, oid, exp, sd, x, encap, ctype, ex2, os,
        infos, si;
    if (!ta_der_expect(&in, TA_DER_SEQUENCE, &resp) || !ta_der_done(&in))
        return NO("not a TimeStampResp");
    d = resp.in;
    if (!ta_der_expect(&d, TA_DER_SEQUENCE, &status) ||
        !ta_der_expect(&status.in, TA_DER_INTEGER, &st) ||
        ta_der_left(&st.in) != 1 || st.in.p[0] > 1)
        return NO("status is not granted");
    if (!ta_der_expect(&d, TA_DER_SEQUENCE, &ci) ||
        !ta_der_expect(&ci.in, TA_DER_OID, &oid) ||
        !ta_der_expect(&ci.in, 0xA0, &exp) ||
        !ta_der_expect(&exp.in, TA_DER_SEQUENCE, &sd))
        return NO("no SignedData token");
    d = sd.in;
    if (!ta_der_expect(&d, TA_DER_INTEGER, &x) ||
        !ta_der_expect(&d, TA_DER_SET, &x) ||
        !ta_der_expect(&d, TA_DER_SEQUENCE, &encap) ||
        !ta_der_expect(&encap.in, TA_DER_OID, &ctype) ||
        !ta_der_expect(&encap.in, 0xA0, &ex2) ||
        !ta_der_expect(&ex2.in, TA_DER_OCTET_STRING, &os))
        return NO("no TSTInfo content");
    t->tst_info = os.in;
    if (ta_der_peek(&d, 0xA0))
        (void)ta_der_next(&d, &x); /* certificates: not trusted */
    if (ta_der_peek(&d, 0xA1))
        (void)ta_der_next(&d, &x);
    if (!ta_der_expect(&d, TA_DER_SET, &infos) ||
        !ta_der_expect(&infos.in, TA_DER_SEQUENCE, &si) ||
        !ta_der_done(&infos.in))
        return NO("not exactly one SignerInfo");
    d = si.in;
    if (!ta_der_expect(&d, TA_DER_INTEGER, &x) || !ta_der_next(&d, &x) ||
        !ta_der_expect(&d, TA_DER_SEQUENCE, &t->dig_alg) ||
        !ta_der_expect(&d, 0xA0, &t->signed_attrs) ||
        !ta_der_expect(&d, TA_DER_SEQUENCE, &t->sig_alg) ||
        !ta_der_expect(&d, TA_DER_OCTET_STRING, &t->sig))
        return NO("SignerInfo lacks signed attributes or a signature");
    /* TSTInfo */
    ta_der_in ti = t->tst_info;
    ta_der_tlv info, imp, alg, h, tm;
    if (!ta_der_expect(&ti, TA_DER_SEQUENCE, &info))
        return NO("TSTInfo does not parse");
    d = info.in;
    if (!ta_der_expect(&d, TA_DER_INTEGER, &x) ||
        !ta_der_expect(&d, TA_DER_OID, &x) ||
        !ta_der_expect(&d, TA_DER_SEQUENCE, &imp) ||
        !ta_der_expect(&imp.in, TA_DER_SEQUENCE, &alg) ||
        !ta_der_expect(&imp.in, TA_DER_OCTET_STRING, &h) ||
        !ta_der_expect(&d, TA_DER_INTEGER, &x) || !ta_der_next(&d, &tm) ||
        !gen_time(&tm, &t->time))
        return NO("TSTInfo does not parse");
    t->imprint_alg = digest_alg(&alg);
    t->imprint = h.in;
    return true;
}

/* The signed attributes hold messageDigest = hash(TSTInfo). */
static bool attrs_bind(const teeattest_ctx *ctx, tst *t, int32_t alg)
{
    uint8_t dig[64];
    size_t dl = ta_hash_len(alg);
    if (!dl || ta_hash(ctx, alg, dig, dl, t->tst_info.p,
                       ta_der_left(&t->tst_info)))
        return false;
    ta_der_in a = t->signed_attrs.in;
    ta_der_tlv attr, oid, vals, v;
    while (ta_der_expect(&a, TA_DER_SEQUENCE, &attr)) {
        if (!ta_der_expect(&attr.in, TA_DER_OID, &oid) ||
            !ta_der_eq(&oid.in, OID_MESSAGE_DIGEST, sizeof OID_MESSAGE_DIGEST))
            continue;
        return ta_der_expect(&attr.in, TA_DER_SET, &vals) &&
               ta_der_expect(&vals.in, TA_DER_OCTET_STRING, &v) &&
               ta_der_eq(&v.in, dig, dl);
    }
    return false;
}

bool ta_ss_tsa_verify(const teeattest_ctx *ctx, const ta_ss_root *root,
                      const ta_ss_blob *ts, const ta_ss_blob *signature,
                      int64_t *time, char *why, size_t cap)
{
    tst t;
    memset(&t, 0, sizeof t);
    if (!parse(ts, &t, why, cap))
        return false;
    uint8_t dig[64];
    size_t dl = ta_hash_len(t.imprint_alg);
    if (!dl || ta_hash(ctx, t.imprint_alg, dig, dl, signature->p,
                       signature->len) ||
        !ta_der_eq(&t.imprint, dig, dl))
        return NO("the message imprint is not the hash of the signature");
    int32_t halg = digest_alg(&t.dig_alg), salg = ecdsa_alg(&t.sig_alg);
    if (!salg)
        return NO("the signature is not ECDSA (the only algorithm of "
                  "this version): no trusted authority verified it");
    if (!halg || !attrs_bind(ctx, &t, halg))
        return NO("the signed attributes do not bind the TSTInfo");
    /* the signed bytes: the attributes as a SET (tag 0x31, not [0]) */
    size_t al = t.signed_attrs.elem_len;
    uint8_t *buf = ta_malloc(ctx, al);
    if (!buf)
        return NO("out of memory");
    memcpy(buf, t.signed_attrs.elem, al);
    buf[0] = TA_DER_SET;
    bool in_window = false, ok = false;
    for (size_t i = 0; i < root->n_tsas && !ok; i++) {
        const ta_ss_ca *a = &root->tsas[i];
        if (t.time < a->valid.start || (a->valid.end && t.time > a->valid.end))
            continue;
        in_window = true;
        ta_x509 *leaf = NULL;
        if (ta_x509_parse_der(ctx, &leaf, a->certs[0].p, a->certs[0].len,
                              NULL))
            continue;
        if (ta_x509_verify_ecdsa(ctx, leaf, salg, buf, al, t.sig.in.p,
                                 ta_der_left(&t.sig.in)) == TEEATTEST_OK) {
            const uint8_t *chain[TA_SS_MAX_ITEMS];
            size_t lens[TA_SS_MAX_ITEMS];
            for (size_t k = 0; k + 1 < a->n_certs; k++) {
                chain[k] = a->certs[k].p;
                lens[k] = a->certs[k].len;
            }
            const uint8_t *rt = a->certs[a->n_certs - 1].p;
            size_t rl = a->certs[a->n_certs - 1].len;
            uint32_t flags = 0;
            ok = a->n_certs >= 2
                     ? ta_x509_verify_chain(ctx, &flags, chain, lens,
                                            a->n_certs - 1, &rt, &rl, 1, NULL,
                                            NULL, 0, t.time) == TEEATTEST_OK
                     : ta_x509_valid_at(leaf, t.time);
            if (!ok)
                snprintf(why, cap, "the authority's certificates are not "
                                   "valid at the genTime");
        } else {
            snprintf(why, cap, "the signature does not verify with a "
                               "timestamp authority of the %s",
                     ta_ss_root_name(root));
        }
        ta_x509_free(leaf);
    }
    ta_free(ctx, buf);
    if (!in_window)
        return NO("no timestamp authority of the %s is valid at the genTime",
                  ta_ss_root_name(root));
    *time = t.time;
    return ok;
}
