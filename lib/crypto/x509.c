/*
 * Calendar time for X.509 and other dates, a reader of X.509 Names and
 * what the two implementations of x509.h share (reference counting,
 * Common Names), independent of any crypto library. The built-in chain verification is in chain.c.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <string.h>

#include "crypto.h"
#include "der.h"
#include "x509.h"
#include "x509_impl.h"

int64_t ta_timegm(int year, int mon, int day, int hour, int min, int sec)
{
    /* Days from 1970-01-01 in the proleptic Gregorian calendar. */
    int64_t y = year - (mon <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t mp = (mon + 9) % 12;
    int64_t doy = (153 * mp + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = era * 146097 + doe - 719468;
    return days * 86400 + hour * 3600 + min * 60 + sec;
}

/* ---- SubjectPublicKeyInfo ----------------------------------------------- */

ta_der ta_x509_spki_key(const ta_x509 *c)
{
    ta_der raw = ta_x509_spki_der(c), none = {NULL, 0};
    ta_der_in d = {raw.p, raw.p + raw.len};
    ta_der_tlv spki, alg, oid, bits;
    if (!raw.p || !ta_der_expect(&d, TA_DER_SEQUENCE, &spki) ||
        !ta_der_done(&d) || !ta_der_expect(&spki.in, TA_DER_SEQUENCE, &alg) ||
        !ta_der_expect(&alg.in, TA_DER_OID, &oid) ||
        !ta_der_expect(&spki.in, TA_DER_BIT_STRING, &bits) ||
        !ta_der_done(&spki.in) || ta_der_left(&bits.in) < 2 ||
        bits.in.p[0] != 0)
        return none;
    return (ta_der){bits.in.p + 1, ta_der_left(&bits.in) - 1};
}

static int utc_digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

bool ta_utc_parse(const char *s, bool fraction_ok, int64_t *out)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
        s[13] != ':' || s[16] != ':' || s[n - 1] != 'Z')
        return false;
    if (n > 20) { /* a fraction: ".d{1,9}" */
        if (!fraction_ok || s[19] != '.' || n - 21 < 1 || n - 21 > 9 ||
            utc_digits(s + 20, (int)(n - 21)) < 0)
            return false;
    }
    int y = utc_digits(s, 4), mo = utc_digits(s + 5, 2);
    int d = utc_digits(s + 8, 2), h = utc_digits(s + 11, 2);
    int mi = utc_digits(s + 14, 2), se = utc_digits(s + 17, 2);
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 ||
        h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60)
        return false;
    *out = ta_timegm(y, mo, d, h, mi, se);
    return true;
}

/* The inverse of ta_timegm: "YYYY-MM-DDThh:mm:ssZ", "invalid-date" outside
 * years 0000-9999. */
void ta_utc_format(char out[21], int64_t t)
{
    int64_t days = t / 86400, rem = t % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    /* civil-from-days (H. Hinnant) */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    if (y < 0 || y > 9999) {
        snprintf(out, 21, "invalid-date");
        return;
    }
    snprintf(out, 21, "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)y, (int)m, (int)d,
             (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
}

/* ---- Names ------------------------------------------------------------- */

bool ta_name_start(ta_name_it *it, ta_der name)
{
    uint8_t *p = (uint8_t *)name.p;
    const uint8_t *end = name.p + name.len;
    size_t len;
    if (!name.p || ta_der_get_tag(&p, end, &len, TA_DER_SEQUENCE) != 0 ||
        p + len != end)
        return false;
    it->p = p;
    it->end = end;
    it->set_p = NULL;
    it->set_end = NULL;
    return true;
}

/* 1: an attribute, 0: the end, -1: malformed. */
int ta_name_next(ta_name_it *it, ta_name_attr *a)
{
    size_t len;
    if (!it->set_p || it->set_p >= it->set_end) {
        if (it->p >= it->end)
            return 0;
        if (ta_der_get_tag(&it->p, it->end, &len, TA_DER_SET) != 0 || !len)
            return -1;
        it->set_p = it->p;
        it->set_end = it->p + len;
        it->p += len;
    }
    uint8_t *p = it->set_p;
    if (ta_der_get_tag(&p, it->set_end, &len, TA_DER_SEQUENCE) != 0)
        return -1;
    const uint8_t *aend = p + len;
    if (ta_der_get_tag(&p, aend, &len, TA_DER_OID) != 0)
        return -1;
    a->oid.p = p;
    a->oid.len = len;
    p += len;
    if (p >= aend)
        return -1;
    a->tag = *p++;
    if (ta_der_get_len(&p, aend, &len) != 0 || p + len != aend)
        return -1;
    a->val.p = p;
    a->val.len = len;
    it->set_p = (uint8_t *)aend;
    a->merged = it->set_p < it->set_end;
    return 1;
}


/* ---- extensions ---------------------------------------------------------- */

int ta_x509_ext_find(const ta_x509 *c, const uint8_t *oid, size_t oid_len,
                     ta_der *value, bool *critical)
{
    ta_der all = ta_x509_extensions(c);
    if (!all.len)
        return TEEATTEST_E_NOT_FOUND;
    uint8_t *p = (uint8_t *)all.p;
    const uint8_t *end = all.p + all.len;
    size_t len;
    if (ta_der_get_tag(&p, end, &len, TA_DER_SEQUENCE) != 0 || p + len != end)
        return TEEATTEST_E_PARSE;
    while (p < end) {
        if (ta_der_get_tag(&p, end, &len, TA_DER_SEQUENCE) != 0)
            return TEEATTEST_E_PARSE;
        const uint8_t *eend = p + len;
        size_t olen;
        if (ta_der_get_tag(&p, eend, &olen, TA_DER_OID) != 0)
            return TEEATTEST_E_PARSE;
        bool match = olen == oid_len && memcmp(p, oid, olen) == 0;
        p += olen;
        int crit = 0;
        if (p < eend && *p == TA_DER_BOOLEAN &&
            ta_der_get_bool(&p, eend, &crit) != 0)
            return TEEATTEST_E_PARSE;
        if (ta_der_get_tag(&p, eend, &len, TA_DER_OCTET_STRING) != 0 ||
            p + len != eend)
            return TEEATTEST_E_PARSE;
        if (match) {
            value->p = p;
            value->len = len;
            if (critical)
                *critical = crit != 0;
            return TEEATTEST_OK;
        }
        p = (uint8_t *)eend;
    }
    return TEEATTEST_E_NOT_FOUND;
}

/* ---- comparisons over the views, for every implementation --------------- */

static bool der_eq(ta_der a, ta_der b)
{
    return a.len == b.len && (!a.len || memcmp(a.p, b.p, a.len) == 0);
}

bool ta_x509_valid_at(const ta_x509 *c, int64_t at)
{
    return at >= ta_x509_not_before(c) && at <= ta_x509_not_after(c);
}

bool ta_x509_self_issued(const ta_x509 *c)
{
    return der_eq(ta_x509_subject_der(c), ta_x509_issuer_der(c));
}

bool ta_x509_names_link(const ta_x509 *issuer, const ta_x509 *subject)
{
    return der_eq(ta_x509_subject_der(issuer), ta_x509_issuer_der(subject));
}

/* ---- what both implementations share (x509_impl.h) -------------------- */

int ta_x509_head_digest(ta_x509_head *h, ta_der der)
{
    return ta_builtin_hash(TEEATTEST_HASH_SHA256, h->sha256, sizeof h->sha256,
                           der.p, der.len);
}

const uint8_t *ta_x509_sha256(const ta_x509 *c)
{
    return ((const ta_x509_head *)c)->sha256;
}

void ta_x509_head_init(ta_x509_head *h, const teeattest_ctx *ctx)
{
    h->ctx = ctx;
    h->owner = NULL;
    atomic_init(&h->refs, 1);
}

ta_x509 *ta_x509_ref(const ta_x509 *c)
{
    ta_x509_head *h = (ta_x509_head *)c;
    if (!h)
        return NULL;
    if (h->owner)
        ta_x509_chain_ref(h->owner);
    else
        atomic_fetch_add(&h->refs, 1);
    return (ta_x509 *)c;
}

void ta_x509_free(const ta_x509 *c)
{
    ta_x509_head *h = (ta_x509_head *)c;
    if (!h)
        return;
    if (h->owner)
        ta_x509_chain_free(h->owner);
    else if (atomic_fetch_sub(&h->refs, 1) == 1)
        ta_x509_release((ta_x509 *)c);
}

ta_x509_chain *ta_x509_chain_ref(const ta_x509_chain *ch)
{
    if (ch)
        atomic_fetch_add(&((ta_x509_head *)ch)->refs, 1);
    return (ta_x509_chain *)ch;
}

void ta_x509_chain_free(const ta_x509_chain *ch)
{
    if (ch && atomic_fetch_sub(&((ta_x509_head *)ch)->refs, 1) == 1)
        ta_x509_chain_release((ta_x509_chain *)ch);
}

ta_x509_crl *ta_x509_crl_ref(const ta_x509_crl *crl)
{
    if (crl)
        atomic_fetch_add(&((ta_x509_head *)crl)->refs, 1);
    return (ta_x509_crl *)crl;
}

void ta_x509_crl_free(const ta_x509_crl *crl)
{
    if (crl && atomic_fetch_sub(&((ta_x509_head *)crl)->refs, 1) == 1)
        ta_x509_crl_release((ta_x509_crl *)crl);
}

/* The first Common Name of a Name, control and non-ASCII bytes as '?'. */
static void name_cn(ta_der name, char *out, size_t cap)
{
    out[0] = '\0';
    ta_name_it it;
    ta_name_attr a;
    if (!ta_name_start(&it, name))
        return;
    while (ta_name_next(&it, &a) == 1) {
        if (a.oid.len == 3 && memcmp(a.oid.p, "\x55\x04\x03", 3) == 0) {
            size_t l = a.val.len < cap - 1 ? a.val.len : cap - 1;
            memcpy(out, a.val.p, l);
            out[l] = '\0';
            for (size_t i = 0; i < l; i++)
                if ((unsigned char)out[i] < 0x20 ||
                    (unsigned char)out[i] > 0x7e)
                    out[i] = '?';
            return;
        }
    }
}

void ta_x509_cn(const ta_x509 *c, bool issuer, char *out, size_t cap)
{
    name_cn(issuer ? ta_x509_issuer_der(c) : ta_x509_subject_der(c), out, cap);
}

void ta_x509_crl_issuer_cn(const ta_x509_crl *crl, char *out, size_t cap)
{
    name_cn(ta_x509_crl_issuer_der(crl), out, cap);
}
