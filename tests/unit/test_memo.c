/*
 * The in-memory memo of verified material (lib/crypto/memo.c), on a
 * synthetic chain (memo_kit.h):
 *  - a link verified once is not verified again (counted by
 *    ta_memo_stats_get), and the flags equal those without the memo;
 *  - what depends on time is judged again: a certificate expired at the
 *    second verification still fails, a CRL listing it at the second call
 *    still revokes it, although the link is remembered;
 *  - a certificate changed in any one byte is a miss and fails; the same
 *    link under another anchor (same name and key, other DER) is a miss;
 *  - an embedder's x509_verify_chain member is called every time;
 *  - allocation failures inside the memo never change a result or leak.
 * The GPU cases, threads and the RIM memo: test_memo_gpu.c.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "unit.h"

#include "crypto/crypto.h"
#include "crypto/memo.h"
#include "crypto/x509.h"
#include "memo_kit.h"

/* ---- a synthetic chain: expiry, revocation, tampering, anchors --------- */

static uint32_t verify_leaf(const teeattest_ctx *ctx, const uint8_t *leaf,
                            size_t leaf_len, const uint8_t *root,
                            size_t root_len, bool crl, int64_t at)
{
    const uint8_t *c = memo_crl;
    size_t cl = sizeof memo_crl;
    uint32_t flags = 0xDEAD;
    int rc = ta_x509_verify_chain(ctx, &flags, &leaf, &leaf_len, 1, &root,
                                  &root_len, 1, crl ? &c : NULL,
                                  crl ? &cl : NULL, crl ? 1 : 0, at);
    CHECK_EQ_INT(rc, flags ? TEEATTEST_E_CERT_CHAIN : TEEATTEST_OK);
    return flags;
}

/* The flags with the memo equal those without it. */
static uint32_t same_flags(const teeattest_ctx *memo, const teeattest_ctx *off,
                           const uint8_t *leaf, size_t leaf_len,
                           const uint8_t *root, size_t root_len, bool crl,
                           int64_t at)
{
    uint32_t want = verify_leaf(off, leaf, leaf_len, root, root_len, crl, at);
    uint32_t got = verify_leaf(memo, leaf, leaf_len, root, root_len, crl, at);
    CHECK_EQ_INT(got, want);
    return got;
}

static void test_synthetic_chain(void)
{
    printf("# synthetic chain\n");
    teeattest_ctx *off = ctx_with(TEEATTEST_MEMO_OFF, 0, NULL);
    teeattest_ctx *m = ctx_with(0, 0, NULL);
    CHECK(!stats(off).enabled);
    CHECK(stats(m).enabled);
    CHECK_EQ_INT(stats(m).max_entries, TEEATTEST_MEMO_DEFAULT_ENTRIES);
    CHECK_EQ_INT(stats(m).max_bytes, TEEATTEST_MEMO_DEFAULT_BYTES);
    const int64_t t2026 = ta_timegm(2026, 6, 1, 0, 0, 0);
    const int64_t t2028 = ta_timegm(2028, 1, 1, 0, 0, 0);

    CHECK_EQ_INT(same_flags(m, off, memo_leaf, sizeof memo_leaf, memo_root1,
                            sizeof memo_root1, false, t2026), 0);
    ta_memo_stats s = stats(m);
    CHECK_EQ_INT(s.link_verifies, 1);
    CHECK_EQ_INT(s.hits[TA_MEMO_LINK], 0);

    /* again, a month later: the link is not verified again */
    CHECK_EQ_INT(same_flags(m, off, memo_leaf, sizeof memo_leaf, memo_root1,
                            sizeof memo_root1, false, t2026 + 30 * 86400), 0);
    CHECK_EQ_INT(stats(m).link_verifies, 1);
    CHECK_EQ_INT(stats(m).hits[TA_MEMO_LINK], 1);
    CHECK(stats(m).hits[TA_MEMO_CERT] >= 2);

    /* expired at the second time: still expired, though remembered */
    CHECK_EQ_INT(same_flags(m, off, memo_leaf, sizeof memo_leaf, memo_root1,
                            sizeof memo_root1, false, t2028),
                 TEEATTEST_X509_EXPIRED);
    CHECK_EQ_INT(stats(m).link_verifies, 1);
    CHECK_EQ_INT(stats(m).hits[TA_MEMO_LINK], 2);

    /* a CRL listing the leaf at the next call: revoked */
    CHECK_EQ_INT(same_flags(m, off, memo_leaf, sizeof memo_leaf, memo_root1,
                            sizeof memo_root1, true, t2026),
                 TEEATTEST_X509_REVOKED);
    CHECK_EQ_INT(stats(m).link_verifies, 1);
    /* before the CRL's thisUpdate: the CRL is from the future */
    CHECK_EQ_INT(same_flags(m, off, memo_leaf, sizeof memo_leaf, memo_root1,
                            sizeof memo_root1, true,
                            ta_timegm(2025, 6, 1, 0, 0, 0)),
                 TEEATTEST_X509_CRL_FUTURE | TEEATTEST_X509_REVOKED);

    /* the same link under another anchor (same name and key, another
     * DER): a miss, verified again (and it holds) */
    CHECK_EQ_INT(same_flags(m, off, memo_leaf, sizeof memo_leaf, memo_root2,
                            sizeof memo_root2, false, t2026), 0);
    CHECK_EQ_INT(stats(m).link_verifies, 2);
    CHECK_EQ_INT(same_flags(m, off, memo_leaf, sizeof memo_leaf, memo_root2,
                            sizeof memo_root2, false, t2026), 0);
    CHECK_EQ_INT(stats(m).link_verifies, 2);

    /* one byte changed anywhere in the leaf: never a hit, never trusted */
    uint8_t bad[sizeof memo_leaf];
    size_t fails = 0;
    for (size_t i = 0; i < sizeof bad; i++) {
        memcpy(bad, memo_leaf, sizeof bad);
        bad[i] ^= 0x01;
        uint64_t hits = stats(m).hits[TA_MEMO_LINK];
        uint32_t f = same_flags(m, off, bad, sizeof bad, memo_root1,
                                sizeof memo_root1, false, t2026);
        /* only bytes outside the signed part and the signature (the outer
         * lengths) could keep the certificate valid; none did here */
        fails += f != 0;
        CHECK_EQ_INT(stats(m).hits[TA_MEMO_LINK], hits);
    }
    CHECK_EQ_INT(fails, sizeof bad);
    /* the original still hits */
    uint64_t lv = stats(m).link_verifies;
    CHECK_EQ_INT(same_flags(m, off, memo_leaf, sizeof memo_leaf, memo_root1,
                            sizeof memo_root1, false, t2026), 0);
    CHECK_EQ_INT(stats(m).link_verifies, lv);
    /* a failed path remembers nothing: the leaf under its own name as a
     * root is not trusted, twice */
    CHECK_EQ_INT(same_flags(m, off, memo_leaf, sizeof memo_leaf, memo_leaf,
                            sizeof memo_leaf, false, t2026),
                 TEEATTEST_X509_NOT_TRUSTED);
    teeattest_ctx_free(m);
    teeattest_ctx_free(off);
}

/* ---- an embedder's x509_verify_chain is asked every time --------------- */

typedef struct spy {
    int chain_calls;
    bool answer; /* answer itself instead of passing through */
} spy;

static int spy_chain(void *ud, uint32_t *flags, const uint8_t *const *chain,
                     const size_t *chain_lens, size_t chain_count,
                     const uint8_t *const *roots, const size_t *root_lens,
                     size_t root_count, const uint8_t *const *crls,
                     const size_t *crl_lens, size_t crl_count, int64_t at)
{
    spy *s = ud;
    (void)chain, (void)chain_lens, (void)chain_count, (void)roots;
    (void)root_lens, (void)root_count, (void)crls, (void)crl_lens;
    (void)crl_count, (void)at;
    s->chain_calls++;
    if (!s->answer)
        return TEEATTEST_E_PASSTHROUGH;
    *flags = TEEATTEST_X509_NOT_TRUSTED;
    return TEEATTEST_E_CERT_CHAIN;
}

static void test_embedder_chain(void)
{
    printf("# embedder's x509_verify_chain\n");
    spy sp;
    memset(&sp, 0, sizeof sp);
    teeattest_crypto_backend cb = TEEATTEST_CRYPTO_BACKEND_INIT;
    cb.user_data = &sp;
    cb.x509_verify_chain = spy_chain;
    teeattest_ctx *m = ctx_with(0, 0, &cb);
    const int64_t t2026 = ta_timegm(2026, 6, 1, 0, 0, 0);
    for (int i = 0; i < 3; i++)
        CHECK_EQ_INT(verify_leaf(m, memo_leaf, sizeof memo_leaf, memo_root1,
                                 sizeof memo_root1, false, t2026), 0);
    CHECK_EQ_INT(sp.chain_calls, 3);
    /* an answer of its own is taken every time, memo or not */
    sp.answer = true;
    for (int i = 0; i < 2; i++)
        CHECK_EQ_INT(verify_leaf(m, memo_leaf, sizeof memo_leaf, memo_root1,
                                 sizeof memo_root1, false, t2026),
                     TEEATTEST_X509_NOT_TRUSTED);
    CHECK_EQ_INT(sp.chain_calls, 5);
    teeattest_ctx_free(m);
}

/* ---- allocation failures -------------------------------------------------- */

static void test_oom(void)
{
    printf("# allocation failures\n");
    unit_alloc_stats st;
    memset(&st, 0, sizeof st);
    teeattest_allocator al = unit_allocator(&st);
    teeattest_ctx_options o = TEEATTEST_CTX_OPTIONS_INIT;
    o.allocator = &al;
    const int64_t t2026 = ta_timegm(2026, 6, 1, 0, 0, 0);
    size_t bad = 0, k;
    for (k = 1; k < 200; k++) {
        teeattest_ctx *m = NULL;
        if (teeattest_ctx_new(&m, &o, NULL) != TEEATTEST_OK)
            break;
        /* fail the k-th allocation of two verifications (cold, warm) */
        st.calls = 0;
        st.fail_at = k;
        size_t failed_before = st.failed;
        for (int i = 0; i < 2; i++) {
            const uint8_t *leaf = memo_leaf, *root = memo_root1;
            size_t ll = sizeof memo_leaf, rl = sizeof memo_root1;
            uint32_t f = 0;
            int rc = ta_x509_verify_chain(m, &f, &leaf, &ll, 1, &root, &rl, 1,
                                          NULL, NULL, 0, t2026);
            if (rc != TEEATTEST_OK && rc != TEEATTEST_E_NOMEM)
                bad++;
            if (rc == TEEATTEST_OK && f)
                bad++;
        }
        bool done = st.failed == failed_before;
        st.fail_at = 0;
        teeattest_ctx_free(m);
        if (st.live != 0)
            bad++;
        if (done)
            break;
    }
    CHECK(k > 3 && k < 200);
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(st.bad, 0);
}


int main(void)
{
    test_synthetic_chain();
    test_embedder_chain();
    test_oom();
    return ta_test_done();
}
