/*
 * The Fulcio signing certificate: chain to a trusted root's CA at the
 * signing time, identity (subjectAltName) and OIDC issuer (Fulcio's
 * extensions 1.3.6.1.4.1.57264.1.8, or the legacy .1.1), exact or by POSIX
 * extended regular expression matched against the whole value.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <regex.h>
#include <stdio.h>
#include <string.h>

#include "../crypto/crypto.h"
#include "../crypto/der.h"
#include "../crypto/x509.h"
#include "sigstore_verify.h"

static const uint8_t OID_SAN[] = {0x55, 0x1D, 0x11};
static const uint8_t OID_ISSUER_V2[] = {0x2B, 0x06, 0x01, 0x04, 0x01, 0x83,
                                        0xBF, 0x30, 0x01, 0x08};
static const uint8_t OID_ISSUER_V1[] = {0x2B, 0x06, 0x01, 0x04, 0x01, 0x83,
                                        0xBF, 0x30, 0x01, 0x01};

bool ta_ss_match(const teeattest_ctx *ctx, const char *want,
                 const char *want_re, const char *val, size_t len)
{
    if (memchr(val, 0, len))
        return false;
    if (want)
        return strlen(want) == len && !memcmp(want, val, len);
    if (!want_re)
        return false;
    /* anchored: the whole value must match */
    size_t rl = strlen(want_re);
    char *pat = ta_malloc(ctx, rl + 5), *v = ta_malloc(ctx, len + 1);
    bool ok = false;
    if (pat && v) {
        snprintf(pat, rl + 5, "^(%s)$", want_re);
        memcpy(v, val, len);
        v[len] = 0;
        regex_t re;
        if (!regcomp(&re, pat, REG_EXTENDED | REG_NOSUB)) {
            ok = regexec(&re, v, 0, NULL, 0) == 0;
            regfree(&re);
        }
    }
    ta_free(ctx, pat);
    ta_free(ctx, v);
    return ok;
}

int ta_ss_cert_identity(const teeattest_ctx *ctx, const ta_x509 *leaf, const char *want,
                        const char *want_re, char *found, size_t cap)
{
    ta_der v;
    bool crit;
    found[0] = 0;
    if (ta_x509_ext_find(leaf, OID_SAN, sizeof OID_SAN, &v, &crit))
        return TEEATTEST_E_NOT_FOUND;
    ta_der_in in = {v.p, v.p + v.len};
    ta_der_tlv seq, gn;
    if (!ta_der_expect(&in, TA_DER_SEQUENCE, &seq) || !ta_der_done(&in))
        return TEEATTEST_E_PARSE;
    while (ta_der_next(&seq.in, &gn)) {
        const uint8_t *p = gn.in.p;
        size_t n = ta_der_left(&gn.in);
        if (gn.tag == 0xA0) { /* otherName: OID, [0] { UTF8String } */
            ta_der_tlv oid, ex, s;
            ta_der_in o = gn.in;
            if (!ta_der_expect(&o, TA_DER_OID, &oid) ||
                !ta_der_expect(&o, 0xA0, &ex) ||
                !ta_der_expect(&ex.in, 0x0C, &s))
                continue;
            p = s.in.p;
            n = ta_der_left(&s.in);
        } else if (gn.tag != 0x81 && gn.tag != 0x82 && gn.tag != 0x86) {
            continue;
        }
        if (!found[0]) {
            size_t k = n < cap - 1 ? n : cap - 1;
            for (size_t i = 0; i < k; i++)
                found[i] = (p[i] >= 0x20 && p[i] < 0x7F) ? (char)p[i] : '?';
            found[k] = 0;
        }
        if (ta_ss_match(ctx, want, want_re, (const char *)p, n))
            return TEEATTEST_OK;
    }
    if (!ta_der_done(&seq.in))
        return TEEATTEST_E_PARSE;
    return TEEATTEST_E_VERIFY_FAILED;
}

int ta_ss_cert_issuer(const teeattest_ctx *ctx, const ta_x509 *leaf, const char *want,
                      const char *want_re, char *found, size_t cap)
{
    ta_der v;
    bool crit;
    const uint8_t *p;
    size_t n;
    found[0] = 0;
    if (!ta_x509_ext_find(leaf, OID_ISSUER_V2, sizeof OID_ISSUER_V2, &v,
                          &crit)) {
        ta_der_in in = {v.p, v.p + v.len};
        ta_der_tlv s;
        if (!ta_der_expect(&in, 0x0C, &s) || !ta_der_done(&in))
            return TEEATTEST_E_PARSE;
        p = s.in.p;
        n = ta_der_left(&s.in);
    } else if (!ta_x509_ext_find(leaf, OID_ISSUER_V1, sizeof OID_ISSUER_V1,
                                 &v, &crit)) {
        p = v.p;
        n = v.len;
    } else {
        return TEEATTEST_E_NOT_FOUND;
    }
    size_t k = n < cap - 1 ? n : cap - 1;
    for (size_t i = 0; i < k; i++)
        found[i] = (p[i] >= 0x20 && p[i] < 0x7F) ? (char)p[i] : '?';
    found[k] = 0;
    return ta_ss_match(ctx, want, want_re, (const char *)p, n)
               ? TEEATTEST_OK
               : TEEATTEST_E_VERIFY_FAILED;
}

int ta_ss_cert_chain(const teeattest_ctx *ctx, const ta_ss_root *root,
                     const ta_ss_blob *leaf, int64_t at, size_t *ca_out,
                     char *why, size_t cap)
{
    bool in_window = false;
    int last = TEEATTEST_E_VERIFY_FAILED;
    for (size_t i = 0; i < root->n_cas; i++) {
        const ta_ss_ca *ca = &root->cas[i];
        if (at < ca->valid.start || (ca->valid.end && at > ca->valid.end))
            continue;
        in_window = true;
        const uint8_t *chain[TA_SS_MAX_ITEMS + 1];
        size_t lens[TA_SS_MAX_ITEMS + 1];
        chain[0] = leaf->p;
        lens[0] = leaf->len;
        for (size_t k = 0; k + 1 < ca->n_certs; k++) {
            chain[k + 1] = ca->certs[k].p;
            lens[k + 1] = ca->certs[k].len;
        }
        const uint8_t *rt = ca->certs[ca->n_certs - 1].p;
        size_t rl = ca->certs[ca->n_certs - 1].len;
        uint32_t flags = 0;
        last = ta_x509_verify_chain(ctx, &flags, chain, lens, ca->n_certs,
                                    &rt, &rl, 1, NULL, NULL, 0, at);
        if (last == TEEATTEST_OK) {
            *ca_out = i;
            return TEEATTEST_OK;
        }
    }
    snprintf(why, cap, in_window ? "no certificate authority of the %s "
                                   "issued it (valid at the signing time)"
                                 : "no certificate authority of the %s is "
                                   "valid at the signing time",
             ta_ss_root_name(root));
    return last;
}
