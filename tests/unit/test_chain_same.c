/*
 * The built-in chain verification (lib/crypto/chain.c, over x509.h)
 * against the one it replaced: mbedTLS 2.28's
 * mbedtls_x509_crt_verify_with_profile() with the default profile, its
 * clock-based flags cleared and every date re-checked at the verification
 * time (the reference below is that code, kept here as the oracle). Both
 * must raise exactly the same TEEATTEST_X509_* flags on real chains
 * (Intel's issuer chains with their CRLs, NVIDIA's device chain) at times
 * inside and outside every validity window, under wrong anchors, and for
 * every single-byte change of a leaf: one set of chain rules, whichever X.509
 * implementation the build uses (OpenSSL's may refuse a changed leaf as
 * unparsable where mbedTLS reads it; never the other way).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <mbedtls/x509_crl.h>
#include <mbedtls/x509_crt.h>

#include "unit.h"

#include "crypto/crypto.h"
#include "crypto/memo.h"
#include "crypto/x509.h"

/* ---- the reference: the built-in verification before chain.c --------- */

typedef struct ref_state {
    int64_t at;
    uint32_t flags;
} ref_state;

static int64_t mt(const mbedtls_x509_time *t)
{
    return ta_timegm(t->year, t->mon, t->day, t->hour, t->min, t->sec);
}

static int ref_cb(void *data, mbedtls_x509_crt *crt, int depth,
                  uint32_t *flags)
{
    (void)depth;
    ref_state *st = data;
    *flags &= ~(uint32_t)(MBEDTLS_X509_BADCERT_EXPIRED |
                          MBEDTLS_X509_BADCERT_FUTURE |
                          MBEDTLS_X509_BADCRL_EXPIRED |
                          MBEDTLS_X509_BADCRL_FUTURE);
    if (st->at < mt(&crt->valid_from))
        st->flags |= TEEATTEST_X509_NOT_YET_VALID;
    if (st->at > mt(&crt->valid_to))
        st->flags |= TEEATTEST_X509_EXPIRED;
    return 0;
}

static uint32_t ref_map(uint32_t m)
{
    uint32_t f = 0;
    if (m & MBEDTLS_X509_BADCERT_NOT_TRUSTED)
        f |= TEEATTEST_X509_NOT_TRUSTED;
    if (m & MBEDTLS_X509_BADCERT_REVOKED)
        f |= TEEATTEST_X509_REVOKED;
    if (m & MBEDTLS_X509_BADCRL_NOT_TRUSTED)
        f |= TEEATTEST_X509_CRL_BAD;
    uint32_t sig = MBEDTLS_X509_BADCERT_BAD_MD | MBEDTLS_X509_BADCERT_BAD_PK |
                   MBEDTLS_X509_BADCERT_BAD_KEY | MBEDTLS_X509_BADCRL_BAD_MD |
                   MBEDTLS_X509_BADCRL_BAD_PK | MBEDTLS_X509_BADCRL_BAD_KEY;
    if (m & sig)
        f |= TEEATTEST_X509_BAD_SIGNATURE;
    uint32_t known = MBEDTLS_X509_BADCERT_NOT_TRUSTED |
                     MBEDTLS_X509_BADCERT_REVOKED |
                     MBEDTLS_X509_BADCRL_NOT_TRUSTED | sig;
    if (m & ~known)
        f |= TEEATTEST_X509_OTHER;
    return f;
}

static uint32_t ref_verify(const uint8_t *const *chain, const size_t *cl,
                           size_t n, const uint8_t *root, size_t root_len,
                           const uint8_t *crl_der, size_t crl_len, int64_t at)
{
    mbedtls_x509_crt crt, ca;
    mbedtls_x509_crl crl;
    mbedtls_x509_crt_init(&crt);
    mbedtls_x509_crt_init(&ca);
    mbedtls_x509_crl_init(&crl);
    ref_state st = {at, 0};
    for (size_t i = 0; i < n; i++)
        if (mbedtls_x509_crt_parse_der(&crt, chain[i], cl[i]))
            st.flags |= TEEATTEST_X509_BAD_FORMAT;
    if (mbedtls_x509_crt_parse_der(&ca, root, root_len))
        st.flags |= TEEATTEST_X509_BAD_FORMAT;
    if (crl_der && mbedtls_x509_crl_parse_der(&crl, crl_der, crl_len))
        st.flags |= TEEATTEST_X509_BAD_FORMAT;
    if (!st.flags) {
        if (crl_der) {
            if (at < mt(&crl.this_update))
                st.flags |= TEEATTEST_X509_CRL_FUTURE;
            if (crl.next_update.year && at > mt(&crl.next_update))
                st.flags |= TEEATTEST_X509_CRL_EXPIRED;
        }
        uint32_t m = 0;
        mbedtls_x509_crt_verify_with_profile(&crt, &ca, crl_der ? &crl : NULL,
                                             &mbedtls_x509_crt_profile_default,
                                             NULL, &m, ref_cb, &st);
        st.flags |= ref_map(m);
    }
    mbedtls_x509_crl_free(&crl);
    mbedtls_x509_crt_free(&ca);
    mbedtls_x509_crt_free(&crt);
    return st.flags;
}

/* ---- comparison --------------------------------------------------------- */

/* ctx has the memo off (the reference); memo_ctx has it on, and runs
 * every verification of the corpus twice: cold in the first pass, warm in
 * the second, whose flags must equal ctx's (lib/crypto/memo.h). */
static teeattest_ctx *ctx, *memo_ctx;
static size_t compared, refused, memo_compared;
static bool second_pass;

/* The built-in verification of chain[0..n) to one root, one CRL or none. */
static int builtin(const teeattest_ctx *c, uint32_t *got,
                   const uint8_t *const *chain, const size_t *cl, size_t n,
                   const uint8_t *root, size_t root_len, const uint8_t *crl,
                   size_t crl_len, int64_t at)
{
    *got = 0xDEAD;
    return ta_builtin_x509_verify_chain(c, got, chain, cl, n, &root,
                                        &root_len, 1, crl ? &crl : NULL,
                                        crl ? &crl_len : NULL, crl ? 1 : 0,
                                        at);
}

static void same_with_memo(const uint8_t *const *chain, const size_t *cl,
                           size_t n, const uint8_t *root, size_t root_len,
                           const uint8_t *crl, size_t crl_len, int64_t at,
                           uint32_t want, int want_rc, const char *what)
{
    uint32_t got;
    int rc = builtin(memo_ctx, &got, chain, cl, n, root, root_len, crl,
                     crl_len, at);
    memo_compared++;
    if (!CHECK_EQ_INT(got, want))
        printf("#   %s at %lld (%s memo): flags 0x%x, without 0x%x\n", what,
               (long long)at, second_pass ? "warm" : "cold", (unsigned)got,
               (unsigned)want);
    CHECK_EQ_INT(rc, want_rc);
}

static void same(const uint8_t *const *chain, const size_t *cl, size_t n,
                 const uint8_t *root, size_t root_len, const uint8_t *crl,
                 size_t crl_len, int64_t at, const char *what)
{
    uint32_t got;
    int rc = builtin(ctx, &got, chain, cl, n, root, root_len, crl, crl_len,
                     at);
    same_with_memo(chain, cl, n, root, root_len, crl, crl_len, at, got, rc,
                   what);
    if (second_pass)
        return;
    uint32_t want = ref_verify(chain, cl, n, root, root_len, crl, crl_len, at);
    compared++;
    /* OpenSSL refuses some malformed certificates mbedTLS 2.28 reads
     * (tests/unit/test_x509_same.c): those fail at parse time, never
     * verify. The mbedTLS implementation must match exactly. */
    if (got == TEEATTEST_X509_BAD_FORMAT && want != got &&
        strcmp(ta_x509_backend_name(), "mbedTLS") != 0) {
        refused++;
        CHECK_EQ_INT(rc, TEEATTEST_E_CERT_CHAIN);
        return;
    }
    if (!CHECK_EQ_INT(got, want))
        printf("#   %s at %lld: flags 0x%x, mbedTLS 0x%x\n", what,
               (long long)at, (unsigned)got, (unsigned)want);
    CHECK_EQ_INT(rc, want ? TEEATTEST_E_CERT_CHAIN : TEEATTEST_OK);
}

typedef struct ders {
    size_t n;
    uint8_t *p[6];
    size_t len[6];
} ders;

static ders load_pem(const char *rel)
{
    ders d = {0};
    size_t len;
    uint8_t *pem = unit_fixture(rel, &len);
    ta_x509_chain *ch = NULL;
    if (ta_x509_chain_parse(ctx, &ch, pem, len, NULL) == TEEATTEST_OK)
        for (size_t i = 0; i < ta_x509_chain_len(ch) && i < 6; i++) {
            ta_der r = ta_x509_der(ta_x509_chain_get(ch, i));
            d.p[i] = malloc(r.len);
            memcpy(d.p[i], r.p, r.len);
            d.len[i] = r.len;
            d.n++;
        }
    ta_x509_chain_free(ch);
    free(pem);
    return d;
}

static void free_ders(ders *d)
{
    for (size_t i = 0; i < d->n; i++)
        free(d->p[i]);
}

static int64_t crt_time(const uint8_t *der, size_t len, bool after)
{
    ta_x509 *c = NULL;
    int64_t t = 0;
    if (ta_x509_parse_der(ctx, &c, der, len, NULL) == TEEATTEST_OK)
        t = after ? ta_x509_not_after(c) : ta_x509_not_before(c);
    ta_x509_free(c);
    return t;
}

/* Every byte of the leaf changed (xor 0x01 and 0x80): the same flags. */
static void mutations(ders *d, size_t n, const uint8_t *root, size_t rl,
                      const uint8_t *crl, size_t crl_len, int64_t at)
{
    uint8_t *orig = d->p[0];
    uint8_t *m = malloc(d->len[0]);
    for (size_t i = 0; i < d->len[0]; i += 2) {
        for (int k = 0; k < 2; k++) {
            memcpy(m, orig, d->len[0]);
            m[i] ^= k ? 0x80 : 0x01;
            d->p[0] = m;
            same((const uint8_t *const *)d->p, d->len, n, root, rl, crl,
                 crl_len, at, "mutated leaf");
        }
    }
    d->p[0] = orig;
    free(m);
}

static const char *const tdx_cases[] = {
    "dcapqvl_v4_uptodate", "gcp_cos_v4_uptodate", "automata_gcp_v4_outofdate",
    "gotdxguest_v5_uptodate", "dcapqvl_v5_no_tcb_level",
};

static void test_tdx(void)
{
    size_t rl;
    uint8_t *root = unit_fixture("tdx/intel_sgx_root_ca.der", &rl);
    size_t nl;
    uint8_t *nv = unit_fixture("nvidia/roots/nvidia_device_identity_ca.der", &nl);
    for (size_t c = 0; c < TA_ARRAY_LEN(tdx_cases); c++) {
        char rel[256];
        printf("# %s\n", tdx_cases[c]);
        snprintf(rel, sizeof rel, "tdx/%s/root_ca_crl.der", tdx_cases[c]);
        size_t crl_len, pcl_len;
        uint8_t *crl = unit_fixture(rel, &crl_len);
        snprintf(rel, sizeof rel, "tdx/%s/pck_crl.der", tdx_cases[c]);
        uint8_t *pcl = unit_fixture(rel, &pcl_len);
        static const char *const files[] = {"tcb_info_issuer_chain.pem",
                                            "qe_identity_issuer_chain.pem",
                                            "pck_crl_issuer_chain.pem"};
        for (size_t f = 0; f < TA_ARRAY_LEN(files); f++) {
            snprintf(rel, sizeof rel, "tdx/%s/%s", tdx_cases[c], files[f]);
            ders d = load_pem(rel);
            CHECK(d.n >= 2);
            const uint8_t *const *cp = (const uint8_t *const *)d.p;
            int64_t nb = crt_time(d.p[0], d.len[0], false);
            int64_t na = crt_time(d.p[0], d.len[0], true);
            int64_t ts[] = {nb, nb - 1, na, na + 1, (nb + na) / 2,
                            ta_timegm(2200, 1, 1, 0, 0, 0),
                            ta_timegm(1990, 1, 1, 0, 0, 0)};
            for (size_t t = 0; t < TA_ARRAY_LEN(ts); t++) {
                for (size_t n = 1; n <= d.n; n++) {
                    same(cp, d.len, n, root, rl, NULL, 0, ts[t], rel);
                    same(cp, d.len, n, root, rl, crl, crl_len, ts[t], rel);
                    same(cp, d.len, n, root, rl, pcl, pcl_len, ts[t], rel);
                    same(cp, d.len, n, nv, nl, NULL, 0, ts[t], rel);
                    /* the leaf as its own anchor, the chain's CA too */
                    same(cp, d.len, n, d.p[0], d.len[0], NULL, 0, ts[t], rel);
                    same(cp, d.len, n, d.p[d.n - 1], d.len[d.n - 1], crl,
                         crl_len, ts[t], rel);
                }
                /* reversed order, root first */
                const uint8_t *rev[2] = {d.p[1], d.p[0]};
                size_t revl[2] = {d.len[1], d.len[0]};
                same(rev, revl, 2, root, rl, crl, crl_len, ts[t], rel);
            }
            /* a CRL as the chain's own root CRL with the root itself as leaf */
            same(cp + d.n - 1, d.len + d.n - 1, 1, root, rl, crl, crl_len,
                 (nb + na) / 2, rel);
            if (c == 0 && f == 0)
                mutations(&d, 1, root, rl, crl, crl_len, (nb + na) / 2);
            free_ders(&d);
        }
        free(crl);
        free(pcl);
    }
    free(root);
    free(nv);
}

static void test_nvidia(void)
{
    size_t rl;
    uint8_t *root = unit_fixture("nvidia/roots/nvidia_device_identity_ca.der", &rl);
    static const char *const chains[] = {
        "nvidia/h100_550.90.07_full/cert_chain.pem",
        "nvidia/h100_bad_signature_sdk/cert_chain.pem",
        "nvidia/blackwell_575.32_sdk/cert_chain.pem",
    };
    for (size_t c = 0; c < TA_ARRAY_LEN(chains); c++) {
        printf("# %s\n", chains[c]);
        ders d = load_pem(chains[c]);
        CHECK(d.n >= 4);
        const uint8_t *const *cp = (const uint8_t *const *)d.p;
        int64_t at = ta_timegm(2025, 10, 24, 12, 0, 0);
        for (size_t n = 1; n <= d.n; n++) {
            same(cp, d.len, n, root, rl, NULL, 0, at, chains[c]);
            same(cp, d.len, n, d.p[d.n - 1], d.len[d.n - 1], NULL, 0, at,
                 chains[c]);
            same(cp, d.len, n, root, rl, NULL, 0,
                 ta_timegm(2010, 1, 1, 0, 0, 0), chains[c]);
        }
        /* without the provisioner ICA: no path */
        const uint8_t *gap[3] = {d.p[0], d.p[1], d.p[3]};
        size_t gapl[3] = {d.len[0], d.len[1], d.len[3]};
        same(gap, gapl, 3, root, rl, NULL, 0, at, "gap");
        if (c == 0)
            mutations(&d, d.n - 1, root, rl, NULL, 0, at);
        free_ders(&d);
    }
    free(root);
}

int main(void)
{
    ctx = unit_ctx();
    ctx->memo_entries = TA_MEMO_OFF;
    memo_ctx = unit_ctx();
    printf("# X.509 implementation: %s\n", ta_x509_backend_name());
    test_tdx();
    test_nvidia();
    printf("# %zu verifications compared, %zu refused at parse time only "
           "here\n", compared, refused);
    /* the same corpus again: the memo now holds its links */
    second_pass = true;
    test_tdx();
    test_nvidia();
    ta_memo_stats st;
    ta_memo_stats_get(memo_ctx, &st);
    printf("# memo: %zu verifications compared; link hits %llu, misses "
           "%llu; certificate hits %llu; evictions %llu\n", memo_compared,
           (unsigned long long)st.hits[TA_MEMO_LINK],
           (unsigned long long)st.misses[TA_MEMO_LINK],
           (unsigned long long)st.hits[TA_MEMO_CERT],
           (unsigned long long)st.evictions);
    CHECK(st.hits[TA_MEMO_LINK] > 1000);
    CHECK(st.hits[TA_MEMO_CERT] > 1000);
    teeattest_ctx_free(memo_ctx);
    teeattest_ctx_free(ctx);
    return ta_test_done();
}
