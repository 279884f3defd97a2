/*
 * Built-in X.509 chain verification (mbedTLS 2.28) at an injected time.
 *
 * Debian's mbedTLS compares validity dates with the system clock and offers
 * no hook for another clock, so the clock-dependent flags mbedTLS raises are
 * cleared in the verify callback and every date is re-checked here against
 * the caller's verification time.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>

#include <mbedtls/x509_crl.h>
#include <mbedtls/x509_crt.h>

#include "crypto.h"

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

static int64_t x509_time(const mbedtls_x509_time *t)
{
    return ta_timegm(t->year, t->mon, t->day, t->hour, t->min, t->sec);
}

struct verify_state {
    int64_t at;
    uint32_t flags;
};

static int verify_cb(void *data, mbedtls_x509_crt *crt, int depth,
                     uint32_t *flags)
{
    (void)depth;
    struct verify_state *st = data;
    *flags &= ~(uint32_t)(MBEDTLS_X509_BADCERT_EXPIRED |
                          MBEDTLS_X509_BADCERT_FUTURE |
                          MBEDTLS_X509_BADCRL_EXPIRED |
                          MBEDTLS_X509_BADCRL_FUTURE);
    if (st->at < x509_time(&crt->valid_from))
        st->flags |= TEEATTEST_X509_NOT_YET_VALID;
    if (st->at > x509_time(&crt->valid_to))
        st->flags |= TEEATTEST_X509_EXPIRED;
    return 0;
}

static uint32_t map_flags(uint32_t m)
{
    uint32_t f = 0;
    if (m & MBEDTLS_X509_BADCERT_NOT_TRUSTED)
        f |= TEEATTEST_X509_NOT_TRUSTED;
    if (m & MBEDTLS_X509_BADCERT_REVOKED)
        f |= TEEATTEST_X509_REVOKED;
    if (m & MBEDTLS_X509_BADCRL_NOT_TRUSTED)
        f |= TEEATTEST_X509_CRL_BAD;
    if (m & (MBEDTLS_X509_BADCERT_BAD_MD | MBEDTLS_X509_BADCERT_BAD_PK |
             MBEDTLS_X509_BADCERT_BAD_KEY | MBEDTLS_X509_BADCRL_BAD_MD |
             MBEDTLS_X509_BADCRL_BAD_PK | MBEDTLS_X509_BADCRL_BAD_KEY))
        f |= TEEATTEST_X509_BAD_SIGNATURE;
    uint32_t known = MBEDTLS_X509_BADCERT_NOT_TRUSTED |
                     MBEDTLS_X509_BADCERT_REVOKED |
                     MBEDTLS_X509_BADCRL_NOT_TRUSTED |
                     MBEDTLS_X509_BADCERT_BAD_MD | MBEDTLS_X509_BADCERT_BAD_PK |
                     MBEDTLS_X509_BADCERT_BAD_KEY | MBEDTLS_X509_BADCRL_BAD_MD |
                     MBEDTLS_X509_BADCRL_BAD_PK | MBEDTLS_X509_BADCRL_BAD_KEY;
    if (m & ~known)
        f |= TEEATTEST_X509_OTHER;
    return f;
}

int ta_builtin_x509_verify_chain(uint32_t *flags_out,
                                 const uint8_t *const *chain,
                                 const size_t *chain_lens, size_t chain_count,
                                 const uint8_t *const *roots,
                                 const size_t *root_lens, size_t root_count,
                                 const uint8_t *const *crls,
                                 const size_t *crl_lens, size_t crl_count,
                                 int64_t at)
{
    *flags_out = 0;
    if (!chain_count || !root_count || !chain || !chain_lens || !roots ||
        !root_lens || (crl_count && (!crls || !crl_lens)))
        return TEEATTEST_E_INVALID_ARG;

    mbedtls_x509_crt crt, ca;
    mbedtls_x509_crl crl;
    mbedtls_x509_crt_init(&crt);
    mbedtls_x509_crt_init(&ca);
    mbedtls_x509_crl_init(&crl);
    struct verify_state st = {at, 0};

    for (size_t i = 0; i < chain_count; i++)
        if (!chain[i] || mbedtls_x509_crt_parse_der(&crt, chain[i], chain_lens[i]))
            st.flags |= TEEATTEST_X509_BAD_FORMAT;
    for (size_t i = 0; i < root_count; i++)
        if (!roots[i] || mbedtls_x509_crt_parse_der(&ca, roots[i], root_lens[i]))
            st.flags |= TEEATTEST_X509_BAD_FORMAT;
    for (size_t i = 0; i < crl_count; i++)
        if (!crls[i] || mbedtls_x509_crl_parse_der(&crl, crls[i], crl_lens[i]))
            st.flags |= TEEATTEST_X509_BAD_FORMAT;

    if (!st.flags) {
        if (crl_count) {
            for (const mbedtls_x509_crl *c = &crl; c; c = c->next) {
                if (at < x509_time(&c->this_update))
                    st.flags |= TEEATTEST_X509_CRL_FUTURE;
                /* nextUpdate is optional in X.509; a CRL without one is
                 * treated as never expiring, as RFC 5280 permits. */
                if (c->next_update.year && at > x509_time(&c->next_update))
                    st.flags |= TEEATTEST_X509_CRL_EXPIRED;
            }
        }
        uint32_t mflags = 0;
        mbedtls_x509_crt_verify_with_profile(
            &crt, &ca, crl_count ? &crl : NULL,
            &mbedtls_x509_crt_profile_default, NULL, &mflags, verify_cb, &st);
        st.flags |= map_flags(mflags);
    }

    mbedtls_x509_crl_free(&crl);
    mbedtls_x509_crt_free(&ca);
    mbedtls_x509_crt_free(&crt);
    *flags_out = st.flags;
    return st.flags ? TEEATTEST_E_CERT_CHAIN : TEEATTEST_OK;
}
