/*
 * Signed certificate timestamps embedded in a Fulcio certificate
 * (RFC 6962 section 3.3, extension 1.3.6.1.4.1.11129.2.4.2): each SCT of
 * a CT log of the trusted root is verified over the precertificate entry
 * it signed (the TBSCertificate without the SCT list, and the SHA-256 of
 * the issuer's SubjectPublicKeyInfo).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <string.h>

#include "../crypto/crypto.h"
#include "../crypto/der.h"
#include "sigstore_verify.h"

static const uint8_t OID_SCT[] = {0x2B, 0x06, 0x01, 0x04, 0x01,
                                  0xD6, 0x79, 0x02, 0x04, 0x02};

/* tag + definite length (up to 3 length bytes) */
static int put_hdr(ta_buf *b, uint8_t tag, size_t len)
{
    uint8_t h[5];
    size_t n = 0;
    h[n++] = tag;
    if (len < 0x80) {
        h[n++] = (uint8_t)len;
    } else if (len < 0x100) {
        h[n++] = 0x81;
        h[n++] = (uint8_t)len;
    } else if (len < 0x10000) {
        h[n++] = 0x82;
        h[n++] = (uint8_t)(len >> 8);
        h[n++] = (uint8_t)len;
    } else if (len < 0x1000000) {
        h[n++] = 0x83;
        h[n++] = (uint8_t)(len >> 16);
        h[n++] = (uint8_t)(len >> 8);
        h[n++] = (uint8_t)len;
    } else {
        return TEEATTEST_E_LENGTH;
    }
    return ta_buf_append(b, h, n);
}

/* The TBSCertificate with the SCT list extension removed, into out. */
static int precert_tbs(const teeattest_ctx *ctx, ta_der tbs, ta_buf *out)
{
    ta_der_in in = {tbs.p, tbs.p + tbs.len}, body;
    ta_der_tlv seq, el, exts, ext, oid;
    ta_buf inner, list;
    int rc = TEEATTEST_E_PARSE;
    if (!ta_der_expect(&in, TA_DER_SEQUENCE, &seq))
        return rc;
    ta_buf_init(&inner, ctx, 0);
    ta_buf_init(&list, ctx, 0);
    body = seq.in;
    bool found = false;
    while (ta_der_next(&body, &el)) {
        if (el.tag != 0xA3) {
            if ((rc = ta_buf_append(&inner, el.elem, el.elem_len)))
                goto out;
            continue;
        }
        ta_der_in e = el.in;
        if (!ta_der_expect(&e, TA_DER_SEQUENCE, &exts))
            goto out;
        while (ta_der_expect(&exts.in, TA_DER_SEQUENCE, &ext)) {
            ta_der_in x = ext.in;
            if (ta_der_expect(&x, TA_DER_OID, &oid) &&
                ta_der_eq(&oid.in, OID_SCT, sizeof OID_SCT)) {
                found = true;
                continue;
            }
            if ((rc = ta_buf_append(&list, ext.elem, ext.elem_len)))
                goto out;
        }
        if ((rc = put_hdr(&inner, 0xA3, list.len + (list.len < 0x80 ? 2
                                                   : list.len < 0x100 ? 3
                                                   : list.len < 0x10000 ? 4
                                                                       : 5))) ||
            (rc = put_hdr(&inner, TA_DER_SEQUENCE, list.len)) ||
            (rc = ta_buf_append(&inner, list.data, list.len)))
            goto out;
    }
    rc = TEEATTEST_E_PARSE;
    if (!found || !ta_der_done(&body))
        goto out;
    if (!(rc = put_hdr(out, TA_DER_SEQUENCE, inner.len)))
        rc = ta_buf_append(out, inner.data, inner.len);
out:
    ta_buf_free(&inner);
    ta_buf_free(&list);
    return rc;
}

static const ta_ss_log *find_ct(const ta_ss_root *root, const uint8_t *id)
{
    for (size_t i = 0; i < root->n_ctlogs; i++)
        if (!memcmp(root->ctlogs[i].log_id, id, 32))
            return &root->ctlogs[i];
    return NULL;
}

int ta_ss_sct_verify(const teeattest_ctx *ctx, const ta_ss_root *root,
                     const ta_x509 *leaf, const ta_x509 *issuer,
                     size_t *n_ok, char *why, size_t cap)
{
    ta_der v;
    bool crit;
    *n_ok = 0;
    if (ta_x509_ext_find(leaf, OID_SCT, sizeof OID_SCT, &v, &crit)) {
        snprintf(why, cap, "the certificate embeds no SCT");
        return TEEATTEST_E_NOT_FOUND;
    }
    ta_der_in in = {v.p, v.p + v.len};
    ta_der_tlv os;
    if (!ta_der_expect(&in, TA_DER_OCTET_STRING, &os) || !ta_der_done(&in) ||
        ta_der_left(&os.in) < 2) {
        snprintf(why, cap, "the SCT list does not parse");
        return TEEATTEST_E_PARSE;
    }
    const uint8_t *p = os.in.p, *end = os.in.end;
    size_t total = (size_t)p[0] << 8 | p[1];
    p += 2;
    if (total != (size_t)(end - p)) {
        snprintf(why, cap, "the SCT list length is wrong");
        return TEEATTEST_E_PARSE;
    }
    uint8_t key_hash[32];
    ta_der spki = ta_x509_spki_der(issuer);
    ta_buf tbs;
    ta_buf_init(&tbs, ctx, 0);
    int rc = ta_sha256(ctx, key_hash, spki.p, spki.len);
    if (!rc)
        rc = precert_tbs(ctx, ta_x509_tbs(leaf), &tbs);
    if (rc) {
        ta_buf_free(&tbs);
        snprintf(why, cap, "cannot rebuild the precertificate");
        return rc;
    }
    snprintf(why, cap, "no SCT is from a CT log of the %s",
             ta_ss_root_name(root));
    while (end - p >= 2) {
        size_t n = (size_t)p[0] << 8 | p[1];
        const uint8_t *s = p + 2;
        p = s + n;
        if (n > (size_t)(end - s) || n < 1 + 32 + 8 + 2) {
            snprintf(why, cap, "an SCT is truncated");
            break;
        }
        const uint8_t *id = s + 1, *ts = s + 33;
        size_t el = (size_t)s[41] << 8 | s[42];
        if (s[0] != 0 || 43 + el + 4 > n)
            continue;
        const uint8_t *ext = s + 43, *sg = ext + el;
        size_t sl = (size_t)sg[2] << 8 | sg[3];
        if (4 + sl != n - 43 - el || sg[0] != 4 /* sha256 */ ||
            sg[1] != 3 /* ecdsa */)
            continue;
        const ta_ss_log *log = find_ct(root, id);
        if (!log)
            continue;
        int64_t t = 0;
        for (int k = 0; k < 8; k++)
            t = t << 8 | ts[k];
        t /= 1000;
        if (t < log->valid.start || (log->valid.end && t > log->valid.end)) {
            snprintf(why, cap, "an SCT's time is outside its log's window");
            continue;
        }
        ta_buf m;
        ta_buf_init(&m, ctx, 0);
        uint8_t head[12] = {0, 0};
        memcpy(head + 2, ts, 8);
        head[10] = 0;
        head[11] = 1; /* precert_entry */
        uint8_t l3[3] = {(uint8_t)(tbs.len >> 16), (uint8_t)(tbs.len >> 8),
                         (uint8_t)tbs.len};
        uint8_t l2[2] = {(uint8_t)(el >> 8), (uint8_t)el};
        if (ta_buf_append(&m, head, sizeof head) ||
            ta_buf_append(&m, key_hash, 32) || ta_buf_append(&m, l3, 3) ||
            ta_buf_append(&m, tbs.data, tbs.len) ||
            ta_buf_append(&m, l2, 2) || ta_buf_append(&m, ext, el)) {
            ta_buf_free(&m);
            break;
        }
        if (ta_ss_key_verify(ctx, &log->key, m.data, m.len, false, sg + 4,
                             sl) == TEEATTEST_OK)
            (*n_ok)++;
        else
            snprintf(why, cap, "an SCT's signature does not verify with its "
                               "CT log's key");
        ta_buf_free(&m);
    }
    ta_buf_free(&tbs);
    return *n_ok ? TEEATTEST_OK : TEEATTEST_E_VERIFY_FAILED;
}
