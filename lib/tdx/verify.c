/*
 * The ordered TDX DCAP verification (spec 4). One check per step; a step
 * whose inputs were not established by an earlier step is a required skip
 * naming the reason, never a pass. Signatures go through the context's
 * crypto (ta_sha256, ta_ecdsa_verify, ta_x509_verify_chain) so custom
 * backends apply; mbedTLS is used directly only to read certificate and
 * CRL structure.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>


#include "../crypto/crypto.h"
#include "tdx.h"
#include "../crypto/der.h"

struct memo_pck;

/* Everything one ta_tdx_verify call establishes, step by step. A step reads
 * only what earlier steps set (a flag false means "not established": the
 * step is a required skip naming the reason). */
typedef struct vstate {
    teeattest_ctx *ctx;
    teeattest_result *r;
    ta_tdx_outcome *out;
    const ta_tdx_policy *pol;
    const ta_tdx_collateral *col;
    int64_t at;
    ta_checks rec;            /* the checks, and what failed */
    bool nomem;
    struct ta_tdx_memo *memo; /* the collateral's; NULL when unavailable */
    size_t root_idx;          /* the anchor's slot in the memo */

    const uint8_t *root_der;  /* the trust anchor (pinned or the policy's) */
    size_t root_len;
    ta_tdx_quote q;
    teeattest_error perr;     /* the quote/extension parsers' message */
    const char *noquote;      /* why steps needing the quote are skipped */
    ta_x509 *root;            /* references */
    ta_x509_chain *pck;
    struct memo_pck *pck_entry;
    const ta_x509 *leaf, *inter; /* borrowed from pck */
    uint8_t root_pub[65], leaf_pub[65], inter_pub[65];
    ta_tdx_pck_ext ext;
    ta_tdx_status qe_status;
    const ta_tdx_isv_level *qe_level;
    bool parsed, header_ok, root_ok, pck_parsed, chain_ok, platform_ca;
    bool root_crl_ok, ext_ok, tcb_ok, qe_ok, qerep_ok, bind_ok, qepol_ok;
    bool quote_ok, module_ok;
    char why[512];
} vstate;

/* Levels listed in fact tdx.tcb_levels (real TCB Infos have about ten). */
#define TA_TDX_LEVELS_FACT_MAX 64

/* Every check goes through the core recorder (details cut at 899 bytes). */
#define check(s, name, outcome, required, ...) \
    ta_checks_add(&(s)->rec, (name), (outcome), (required), __VA_ARGS__)

#define PASS(s, n, ...) check((s), (n), TEEATTEST_OUTCOME_PASS, true, __VA_ARGS__)
#define FAILC(s, n, ...) check((s), (n), TEEATTEST_OUTCOME_FAIL, true, __VA_ARGS__)
#define WARN(s, n, ...) check((s), (n), TEEATTEST_OUTCOME_WARN, true, __VA_ARGS__)
#define SKIP(s, n, ...) check((s), (n), TEEATTEST_OUTCOME_SKIP, true, __VA_ARGS__)

static void fact_hex(vstate *s, const char *key, const uint8_t *p, size_t n)
{
    if (!s->r || !p)
        return;
    char buf[2 * 64 + 1];
    if (n > 64)
        n = 64;
    ta_hex_encode(buf, p, n);
    ta_result_fact_str(s->r, key, buf);
}

static void fact_str(vstate *s, const char *key, const char *v)
{
    if (s->r)
        ta_result_fact_str(s->r, key, v);
}

static void fact_date(vstate *s, const char *key, int64_t t)
{
    char d[21];
    ta_utc_format(d, t);
    fact_str(s, key, d);
}

static bool raw_eq(ta_der a, ta_der b)
{
    return a.len == b.len && (!a.len || memcmp(a.p, b.p, a.len) == 0);
}

static void x509_flags_text(uint32_t f, char *out, size_t cap)
{
    static const struct { uint32_t bit; const char *name; } names[] = {
        {TEEATTEST_X509_NOT_TRUSTED, "not trusted"},
        {TEEATTEST_X509_BAD_SIGNATURE, "bad signature"},
        {TEEATTEST_X509_EXPIRED, "expired"},
        {TEEATTEST_X509_NOT_YET_VALID, "not yet valid"},
        {TEEATTEST_X509_REVOKED, "revoked"},
        {TEEATTEST_X509_CRL_EXPIRED, "CRL expired"},
        {TEEATTEST_X509_CRL_FUTURE, "CRL not yet valid"},
        {TEEATTEST_X509_CRL_BAD, "CRL bad"},
        {TEEATTEST_X509_BAD_FORMAT, "bad format"},
        {TEEATTEST_X509_OTHER, "other failure"},
    };
    out[0] = '\0';
    size_t o = 0;
    for (size_t i = 0; i < TA_ARRAY_LEN(names); i++) {
        if (!(f & names[i].bit))
            continue;
        int n = snprintf(out + o, cap - o, "%s%s", o ? ", " : "",
                         names[i].name);
        if (n < 0 || (size_t)n >= cap - o)
            break;
        o += (size_t)n;
    }
}

/* ECDSA-P256 over SHA-256(msg) with a raw r||s signature. */
static int p256_verify(vstate *s, const uint8_t pub[65], const uint8_t *msg,
                       size_t len, const uint8_t sig[64])
{
    uint8_t h[32];
    int rc = ta_sha256(s->ctx, h, msg, len);
    if (rc)
        return rc;
    return ta_ecdsa_verify(s->ctx, TEEATTEST_CURVE_P256, pub, 65, h, 32, sig,
                           64);
}

/* ---- memo: what verification learns from the collateral alone ----------
 *
 * A collateral object is immutable, so every result that is a pure
 * function of its bytes (and of the trust anchor) holds for its whole
 * life: signatures over the CRLs and the TCB Info / QE Identity bodies,
 * the issuer chains' signatures, the parsed trust anchor. They are
 * computed by the first verification and remembered here; later ones
 * reproduce the same checks, outcomes and details without the crypto.
 * Time is never remembered: a chain remembered as verified is reused only
 * when every certificate's validity window holds at this verification's
 * time; otherwise the full check runs and reports the failure itself.
 * The PCK chain of a quote is remembered too, keyed by the SHA-256 of its
 * PEM, so a platform seen before skips X.509 parsing and chain checks.
 *
 * Entries are never removed before the collateral dies (the tables are
 * bounded: when full, further results are simply not remembered), so a
 * published entry's parsed certificates can be read without the lock;
 * the lock guards the tables and every flag that changes. */

#define MEMO_SIGS 8
#define MEMO_ROOTS 2
#define MEMO_CHAINS 6 /* three issuer chains x MEMO_ROOTS */
#define MEMO_PCK 16

typedef struct memo_sig {
    const uint8_t *msg;  /* inside the collateral */
    size_t len;
    uint8_t pub[65], sig[64];
} memo_sig;

typedef struct memo_root {
    const uint8_t *der;  /* the anchor as given (inside crt) */
    size_t len;
    ta_x509 *crt;        /* a reference */
    uint8_t pub[65];
} memo_root;

typedef struct memo_pck {
    uint8_t key[32];     /* SHA-256 of the quote's PEM chain */
    ta_x509_chain *chain; /* the parsed chain (a reference) */
    uint32_t chain_ok;   /* bit i: verified to roots[i] (signatures only) */
} memo_pck;

struct ta_tdx_memo {
    pthread_mutex_t lock;
    memo_sig sigs[MEMO_SIGS];
    size_t n_sigs;
    memo_root roots[MEMO_ROOTS];
    size_t n_roots;
    struct { const ta_tdx_chain *ch; size_t root; } chains[MEMO_CHAINS];
    bool chain_ok[MEMO_CHAINS];
    size_t n_chains;
    memo_pck *pck[MEMO_PCK];
    size_t n_pck;
};

void ta_tdx_memo_free(const teeattest_ctx *ctx, struct ta_tdx_memo *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n_roots; i++)
        ta_x509_free(m->roots[i].crt);
    for (size_t i = 0; i < m->n_pck; i++) {
        ta_x509_chain_free(m->pck[i]->chain);
        ta_free(ctx, m->pck[i]);
    }
    pthread_mutex_destroy(&m->lock);
    ta_free(ctx, m);
}

/* The collateral's memo, created on first use; NULL when out of memory
 * (verification then simply does everything). */
static struct ta_tdx_memo *memo_get(teeattest_ctx *ctx,
                                    const ta_tdx_collateral *col)
{
    ta_tdx_collateral *c = (ta_tdx_collateral *)col; /* the memo is mutable */
    struct ta_tdx_memo *m = atomic_load(&c->memo);
    if (m)
        return m;
    m = ta_calloc(ctx, 1, sizeof *m);
    if (!m)
        return NULL;
    if (pthread_mutex_init(&m->lock, NULL) != 0) {
        ta_free(ctx, m);
        return NULL;
    }
    struct ta_tdx_memo *expected = NULL;
    if (!atomic_compare_exchange_strong(&c->memo, &expected, m)) {
        ta_tdx_memo_free(ctx, m);
        m = expected;
    }
    return m;
}

/* The parsed trust anchor, a new reference in *root: from the memo, or
 * parsed and offered to the memo (which then shares the parse). */
static int memo_root_get(vstate *s, const uint8_t *der, size_t len,
                         ta_x509 **root, uint8_t pub[65])
{
    struct ta_tdx_memo *m = s->memo;
    *root = NULL;
    s->root_idx = MEMO_ROOTS;
    if (m) {
        pthread_mutex_lock(&m->lock);
        for (size_t i = 0; i < m->n_roots; i++) {
            if (m->roots[i].len == len && memcmp(m->roots[i].der, der, len) == 0) {
                *root = ta_x509_ref(m->roots[i].crt);
                memcpy(pub, m->roots[i].pub, 65);
                s->root_idx = i;
                break;
            }
        }
        pthread_mutex_unlock(&m->lock);
        if (*root)
            return 0;
    }
    int rc = ta_x509_parse_der(s->ctx, root, der, len, NULL);
    if (rc == TEEATTEST_E_NOMEM)
        s->nomem = true;
    if (rc || ta_x509_ec_point(*root, TEEATTEST_CURVE_P256, pub, 65)) {
        ta_x509_free(*root);
        *root = NULL;
        return -1;
    }
    if (!m)
        return 0;
    /* Remember it: the memo holds a reference to the same parse. The key
     * is the anchor as given, trailing bytes included. */
    pthread_mutex_lock(&m->lock);
    if (m->n_roots < MEMO_ROOTS &&
        ta_x509_der(*root).len == len) {
        memo_root *r = &m->roots[m->n_roots];
        r->crt = ta_x509_ref(*root);
        r->der = ta_x509_der(*root).p;
        r->len = len;
        memcpy(r->pub, pub, 65);
        s->root_idx = m->n_roots++;
    }
    pthread_mutex_unlock(&m->lock);
    return 0;
}

/* ECDSA-P256 over collateral bytes (which live as long as the memo):
 * a signature that verified once is not verified again. */
static int p256_verify_col(vstate *s, const uint8_t pub[65],
                           const uint8_t *msg, size_t len,
                           const uint8_t sig[64])
{
    struct ta_tdx_memo *m = s->memo;
    if (m) {
        bool hit = false;
        pthread_mutex_lock(&m->lock);
        for (size_t i = 0; i < m->n_sigs && !hit; i++)
            hit = m->sigs[i].msg == msg && m->sigs[i].len == len &&
                  memcmp(m->sigs[i].pub, pub, 65) == 0 &&
                  memcmp(m->sigs[i].sig, sig, 64) == 0;
        pthread_mutex_unlock(&m->lock);
        if (hit)
            return TEEATTEST_OK;
    }
    int rc = p256_verify(s, pub, msg, len, sig);
    if (rc == TEEATTEST_OK && m) {
        pthread_mutex_lock(&m->lock);
        if (m->n_sigs < MEMO_SIGS) {
            memo_sig *e = &m->sigs[m->n_sigs++];
            e->msg = msg;
            e->len = len;
            memcpy(e->pub, pub, 65);
            memcpy(e->sig, sig, 64);
        }
        pthread_mutex_unlock(&m->lock);
    }
    return rc;
}

/* ta_x509_verify_chain() for `n` certificates (leaf first) to one root,
 * remembered through *ok_flag (a memo field, read and set under the lock)
 * when the certificates are the memo's own or the collateral's. Only a
 * clean verification is remembered; it is reused only when every
 * certificate of the path (chain and root) is valid at s->at, the one
 * thing that can change its result. A custom X.509 backend may judge
 * time differently: then nothing is remembered. */
static int verify_chain_memo(vstate *s, uint32_t *flags,
                             const ta_x509 *const *certs, size_t n,
                             const ta_x509 *root,
                             const uint8_t *root_der, size_t root_len,
                             bool *ok_flag, uint32_t *ok_bits, uint32_t bit)
{
    struct ta_tdx_memo *m = s->memo;
    bool use = m && (ok_flag || ok_bits) &&
               !(s->ctx->has_crypto && s->ctx->crypto.x509_verify_chain);
    if (use) {
        pthread_mutex_lock(&m->lock);
        bool known = ok_flag ? *ok_flag : (*ok_bits & bit) != 0;
        pthread_mutex_unlock(&m->lock);
        bool in_time = ta_x509_valid_at(root, s->at);
        for (size_t i = 0; i < n && in_time; i++)
            in_time = ta_x509_valid_at(certs[i], s->at);
        if (known && in_time) {
            *flags = 0;
            return TEEATTEST_OK;
        }
    }
    const uint8_t *chain[2];
    size_t lens[2];
    for (size_t i = 0; i < n && i < 2; i++) {
        ta_der raw = ta_x509_der(certs[i]);
        chain[i] = raw.p;
        lens[i] = raw.len;
    }
    *flags = 0;
    int rc = ta_x509_verify_chain(s->ctx, flags, chain, lens, n < 2 ? n : 2,
                                  &root_der, &root_len, 1, NULL, NULL, 0,
                                  s->at);
    if (use && rc == TEEATTEST_OK && !*flags) {
        pthread_mutex_lock(&m->lock);
        if (ok_flag)
            *ok_flag = true;
        else
            *ok_bits |= bit;
        pthread_mutex_unlock(&m->lock);
    }
    return rc;
}

/* The memo flag for an issuer chain of the collateral under the current
 * anchor; NULL when it cannot be remembered. */
static bool *memo_chain_flag(vstate *s, const ta_tdx_chain *ch)
{
    struct ta_tdx_memo *m = s->memo;
    if (!m || s->root_idx >= MEMO_ROOTS)
        return NULL;
    bool *flag = NULL;
    pthread_mutex_lock(&m->lock);
    for (size_t i = 0; i < m->n_chains && !flag; i++)
        if (m->chains[i].ch == ch && m->chains[i].root == s->root_idx)
            flag = &m->chain_ok[i];
    if (!flag && m->n_chains < MEMO_CHAINS) {
        m->chains[m->n_chains].ch = ch;
        m->chains[m->n_chains].root = s->root_idx;
        m->chain_ok[m->n_chains] = false;
        flag = &m->chain_ok[m->n_chains++];
    }
    pthread_mutex_unlock(&m->lock);
    return flag;
}

/* The quote's PCK chain parsed, a new reference in *pck: from the memo
 * (then *entry is set) or parsed and offered to the memo, which shares
 * the parse. 0, or -1 when it does not parse (every certificate must). */
static int memo_pck_parse(vstate *s, const uint8_t *pem, size_t len,
                          ta_x509_chain **pck, memo_pck **entry)
{
    struct ta_tdx_memo *m = s->memo;
    *entry = NULL;
    *pck = NULL;
    uint8_t key[32];
    bool keyed = m && ta_sha256(s->ctx, key, pem, len) == TEEATTEST_OK;
    if (keyed) {
        pthread_mutex_lock(&m->lock);
        for (size_t i = 0; i < m->n_pck && !*entry; i++)
            if (memcmp(m->pck[i]->key, key, 32) == 0)
                *entry = m->pck[i];
        pthread_mutex_unlock(&m->lock);
        if (*entry) {
            *pck = ta_x509_chain_ref((*entry)->chain);
            return 0;
        }
    }
    size_t failed = 0;
    int rc = ta_x509_chain_parse(s->ctx, pck, pem, len, &failed);
    if (rc == TEEATTEST_E_NOMEM)
        s->nomem = true;
    if (rc || failed) {
        ta_x509_chain_free(*pck);
        *pck = NULL;
        return -1;
    }
    if (!keyed)
        return 0;
    memo_pck *e = ta_calloc(s->ctx, 1, sizeof *e);
    if (!e)
        return 0;
    memcpy(e->key, key, 32);
    e->chain = ta_x509_chain_ref(*pck);
    bool stored = false;
    pthread_mutex_lock(&m->lock);
    bool dup = false;
    for (size_t i = 0; i < m->n_pck && !dup; i++)
        dup = memcmp(m->pck[i]->key, key, 32) == 0;
    if (!dup && m->n_pck < MEMO_PCK) {
        m->pck[m->n_pck++] = e;
        stored = true;
    }
    pthread_mutex_unlock(&m->lock);
    if (stored) {
        /* The chain check can be remembered against this entry. */
        *entry = e;
    } else {
        ta_x509_chain_free(e->chain);
        ta_free(s->ctx, e);
    }
    return 0;
}

/* Does a CRL carry CRL Number and Authority Key Identifier (Intel's
 * CRL_REQUIRED_EXTENSIONS)? crl_ext covers the Extensions SEQUENCE. */
static bool crl_has_required_ext(const ta_x509_crl *crl)
{
    static const uint8_t crl_number[] = {0x55, 0x1D, 0x14};
    static const uint8_t aki[] = {0x55, 0x1D, 0x23};
    ta_der ext = ta_x509_crl_extensions(crl);
    unsigned char *p = (unsigned char *)ext.p;
    if (!p || !ext.len)
        return false;
    const unsigned char *end = p + ext.len;
    size_t len;
    bool have_num = false, have_aki = false;
    if (ta_der_get_tag(&p, end, &len, TA_DER_SEQUENCE) != 0 || p + len != end)
        return false;
    while (p < end) {
        if (ta_der_get_tag(&p, end, &len, TA_DER_SEQUENCE) != 0)
            return false;
        unsigned char *e = p + len;
        size_t olen;
        if (ta_der_get_tag(&p, e, &olen, TA_DER_OID) != 0)
            return false;
        if (olen == 3 && memcmp(p, crl_number, 3) == 0)
            have_num = true;
        if (olen == 3 && memcmp(p, aki, 3) == 0)
            have_aki = true;
        p = e;
    }
    return have_num && have_aki;
}

/* Is the certificate listed by the CRL? */
static bool crl_lists(const ta_tdx_crl *crl, const ta_x509 *c)
{
    return ta_x509_crl_lists(crl->crl, ta_x509_serial(c));
}

/* Verify a CRL: issuer, signature with `issuer_pub`, required extensions
 * and window. Returns the outcome; fills why. */
static int32_t crl_verify(vstate *s, const ta_tdx_crl *crl,
                          ta_der issuer_subject,
                          const uint8_t issuer_pub[65], char *why, size_t cap)
{
    if (!crl->loaded) {
        snprintf(why, cap, "%s", crl->error ? crl->error : "CRL is missing");
        return TEEATTEST_OUTCOME_FAIL;
    }
    const ta_x509_crl *c = crl->crl;
    if (!raw_eq(ta_x509_crl_issuer_der(c), issuer_subject)) {
        snprintf(why, cap, "CRL issuer is not the expected CA");
        return TEEATTEST_OUTCOME_FAIL;
    }
    int32_t pk, hash;
    ta_x509_crl_sig_alg(c, &pk, &hash);
    if (hash != TEEATTEST_HASH_SHA256 || pk != TA_X509_PK_ECDSA) {
        snprintf(why, cap, "CRL signature algorithm is not ecdsa-with-SHA256");
        return TEEATTEST_OUTCOME_FAIL;
    }
    uint8_t sig[64];
    ta_der csig = ta_x509_crl_signature(c), tbs = ta_x509_crl_tbs(c);
    int rc = ta_ecdsa_sig_der_to_raw(csig.p, csig.len, 32, sig);
    if (!rc)
        rc = p256_verify_col(s, issuer_pub, tbs.p, tbs.len, sig);
    if (rc) {
        snprintf(why, cap, "CRL signature does not verify (%s)",
                 teeattest_status_name(rc));
        return TEEATTEST_OUTCOME_FAIL;
    }
    if (!crl_has_required_ext(c)) {
        snprintf(why, cap, "CRL lacks CRL Number or Authority Key Identifier");
        return TEEATTEST_OUTCOME_FAIL;
    }
    char d1[21], d2[21];
    ta_utc_format(d1, crl->this_update);
    ta_utc_format(d2, crl->next_update);
    if (s->at < crl->this_update) {
        snprintf(why, cap, "CRL not yet valid (thisUpdate %s)", d1);
        return TEEATTEST_OUTCOME_FAIL;
    }
    if (!crl->next_update) {
        snprintf(why, cap, "CRL has no nextUpdate");
        return TEEATTEST_OUTCOME_FAIL;
    }
    if (s->at > crl->next_update) {
        if (!s->pol->allow_expired_collateral) {
            snprintf(why, cap, "CRL expired (nextUpdate %s)", d2);
            return TEEATTEST_OUTCOME_FAIL;
        }
        s->out->collateral_expired = true;
        snprintf(why, cap, "CRL expired (nextUpdate %s), accepted by policy",
                 d2);
        return TEEATTEST_OUTCOME_WARN;
    }
    snprintf(why, cap, "signature valid, window %s .. %s", d1, d2);
    return TEEATTEST_OUTCOME_PASS;
}

/* Map chain-verification flags to an outcome (expiry may be allowed). */
static int32_t chain_outcome(vstate *s, int rc, uint32_t flags, char *why,
                             size_t cap, const char *what)
{
    if (rc == TEEATTEST_OK && !flags) {
        snprintf(why, cap, "%s verifies to %s", what,
                 s->pol->root_der ? "the policy's override root (tests only)"
                                  : "the pinned Intel SGX Root CA");
        return TEEATTEST_OUTCOME_PASS;
    }
    char f[200];
    x509_flags_text(flags, f, sizeof f);
    if (flags == TEEATTEST_X509_EXPIRED && s->pol->allow_expired_collateral) {
        s->out->collateral_expired = true;
        snprintf(why, cap, "%s: certificate expired, accepted by policy", what);
        return TEEATTEST_OUTCOME_WARN;
    }
    snprintf(why, cap, "%s does not verify: %s (%s)", what, f[0] ? f : "error",
             teeattest_status_name(rc));
    return TEEATTEST_OUTCOME_FAIL;
}

/* The root carried in a chain must be the pinned one: byte-identical, or
 * (should Intel re-issue it with the same key) the same key with a valid
 * self-signature, so no byte of a delivered chain goes unchecked. */
static bool root_matches(vstate *s, const ta_x509 *top,
                         const uint8_t *root_der, size_t root_len,
                         const uint8_t root_pub[65])
{
    ta_der raw = ta_x509_der(top);
    if (raw.len == root_len && memcmp(raw.p, root_der, root_len) == 0)
        return true;
    uint8_t pub[65], sig[64];
    if (ta_x509_ec_point(top, TEEATTEST_CURVE_P256, pub, sizeof pub) ||
        memcmp(pub, root_pub, 65) != 0)
        return false;
    int32_t pk, hash;
    ta_x509_sig_alg(top, &pk, &hash);
    ta_der tsig = ta_x509_signature(top), tbs = ta_x509_tbs(top);
    if (hash != TEEATTEST_HASH_SHA256 || pk != TA_X509_PK_ECDSA ||
        ta_ecdsa_sig_der_to_raw(tsig.p, tsig.len, 32, sig) != TEEATTEST_OK)
        return false;
    return p256_verify(s, root_pub, tbs.p, tbs.len, sig) == TEEATTEST_OK;
}

/* The role of a certificate of the quote's PCK chain, for details. */
static const char *pck_role(const ta_x509 *c, const ta_x509 *leaf,
                            const ta_x509 *inter)
{
    return c == leaf ? "leaf" : c == inter ? "intermediate" : "root";
}

/* A delivered issuer chain of two certificates: the one `is_first` picks
 * (the signing or issuing certificate), then the pinned root, in that
 * order, as Intel's QVL and dcap-qvl require. `what` names the chain and
 * `first` its first certificate in details. Sets *out to the first
 * certificate; the caller verifies it. */
static int32_t chain_pair(vstate *s, const ta_tdx_chain *ch, const char *what,
                          const char *first,
                          bool (*is_first)(const ta_x509 *c, const void *ud),
                          const void *ud, const uint8_t *root_der,
                          size_t root_len, const uint8_t root_pub[65],
                          const ta_x509 **out, char *why, size_t cap)
{
    *out = NULL;
    if (ch->error || !ch->n) {
        snprintf(why, cap, "%s: %s", what, ch->error ? ch->error : "missing");
        return TEEATTEST_OUTCOME_FAIL;
    }
    if (ch->n != 2) {
        snprintf(why, cap, "%s has %zu certificates, need 2", what, ch->n);
        return TEEATTEST_OUTCOME_FAIL;
    }
    const ta_x509 *c1 = NULL, *top = NULL;
    for (size_t i = 0; i < ta_x509_chain_len(ch->chain); i++) {
        const ta_x509 *c = ta_x509_chain_get(ch->chain, i);
        if (is_first(c, ud) && !ta_x509_self_issued(c) && !c1)
            c1 = c;
        else if (ta_x509_self_issued(c) && !top)
            top = c;
    }
    if (!c1 || !top) {
        snprintf(why, cap, "%s is not %s + root CA", what, first);
        return TEEATTEST_OUTCOME_FAIL;
    }
    if (c1 != ta_x509_chain_get(ch->chain, 0)) {
        snprintf(why, cap, "%s is in the wrong order: root CA first; the "
                 "documented order is %s, then root CA", what, first);
        return TEEATTEST_OUTCOME_FAIL;
    }
    if (!root_matches(s, top, root_der, root_len, root_pub)) {
        snprintf(why, cap, "%s root is not the pinned Intel SGX Root CA",
                 what);
        return TEEATTEST_OUTCOME_FAIL;
    }
    *out = c1;
    return TEEATTEST_OUTCOME_PASS;
}

static bool is_tcb_signing(const ta_x509 *c, const void *ud)
{
    (void)ud;
    char cn[96];
    ta_x509_cn(c, false, cn, sizeof cn);
    return strstr(cn, "SGX TCB Signing") != NULL;
}

/* The CA named as the CRL's issuer. */
static bool is_crl_issuer(const ta_x509 *c, const void *crl)
{
    const ta_tdx_crl *l = crl;
    return l->crl && raw_eq(ta_x509_subject_der(c),
                            ta_x509_crl_issuer_der(l->crl));
}

/* TCB Info / QE Identity issuer chain: TCB Signing cert + pinned root. */
static int32_t signing_chain(vstate *s, const ta_tdx_chain *ch,
                             const ta_x509 *root,
                             const uint8_t root_pub[65],
                             const uint8_t *root_der, size_t root_len,
                             const ta_tdx_crl *root_crl, bool root_crl_ok,
                             uint8_t signer_pub[65], char *why, size_t cap)
{
    const ta_x509 *signer;
    if (chain_pair(s, ch, "issuer chain", "TCB Signing certificate",
                   is_tcb_signing, NULL, root_der, root_len, root_pub,
                   &signer, why, cap) != TEEATTEST_OUTCOME_PASS)
        return TEEATTEST_OUTCOME_FAIL;
    if (!ta_x509_names_link(root, signer)) {
        snprintf(why, cap, "TCB Signing certificate is not issued by the root");
        return TEEATTEST_OUTCOME_FAIL;
    }
    if (ta_x509_ec_point(signer, TEEATTEST_CURVE_P256, signer_pub, 65)) {
        snprintf(why, cap, "TCB Signing key is not a P-256 key");
        return TEEATTEST_OUTCOME_FAIL;
    }
    const ta_x509 *certs[1] = {signer};
    uint32_t flags = 0;
    int rc = verify_chain_memo(s, &flags, certs, 1, root, root_der, root_len,
                               memo_chain_flag(s, ch), NULL, 0);
    int32_t oc = chain_outcome(s, rc, flags, why, cap, "TCB Signing chain");
    if (oc == TEEATTEST_OUTCOME_FAIL)
        return oc;
    if (root_crl_ok) {
        if (crl_lists(root_crl, signer)) {
            s->out->status = TA_TDX_REVOKED;
            snprintf(why, cap, "TCB Signing certificate is revoked by the "
                               "root CA CRL");
            return TEEATTEST_OUTCOME_FAIL;
        }
    } else {
        size_t l = strlen(why);
        snprintf(why + l, cap - l, "; revocation not checked: root CA CRL "
                                   "not verified");
    }
    return oc;
}

/* The optional PCK CRL issuer chain (SGX-PCK-CRL-Issuer-Chain): the CA
 * that issued the CRL, then the pinned root. The CRL itself is verified
 * with the PCK chain's intermediate key; a delivered chain must name that
 * same CA (same key) and verify to the root, since its dates count in the
 * collateral's expiry. Absent: nothing to check. */
static int32_t crl_issuer_chain(vstate *s, const ta_tdx_chain *ch,
                                const ta_tdx_crl *crl,
                                const uint8_t inter_pub[65],
                                const ta_x509 *root,
                                const uint8_t root_pub[65],
                                const uint8_t *root_der, size_t root_len,
                                char *why, size_t cap)
{
    if (!ch->n && !ch->error)
        return TEEATTEST_OUTCOME_PASS;
    const ta_x509 *ca;
    if (chain_pair(s, ch, "PCK CRL issuer chain", "the CRL's issuing CA",
                   is_crl_issuer, crl, root_der, root_len, root_pub, &ca, why,
                   cap) != TEEATTEST_OUTCOME_PASS)
        return TEEATTEST_OUTCOME_FAIL;
    uint8_t pub[65];
    if (ta_x509_ec_point(ca, TEEATTEST_CURVE_P256, pub, sizeof pub) ||
        memcmp(pub, inter_pub, 65) != 0) {
        snprintf(why, cap, "PCK CRL issuer chain names a CA whose key is not "
                           "the PCK chain's intermediate key");
        return TEEATTEST_OUTCOME_FAIL;
    }
    const ta_x509 *certs[1] = {ca};
    uint32_t flags = 0;
    int rc = verify_chain_memo(s, &flags, certs, 1, root, root_der, root_len,
                               memo_chain_flag(s, ch), NULL, 0);
    return chain_outcome(s, rc, flags, why, cap, "PCK CRL issuer chain");
}

static int32_t doc_signature(vstate *s, const ta_tdx_signed_doc *d,
                             const uint8_t pub[65], const char *what,
                             char *why, size_t cap)
{
    if (!d->have_span) {
        snprintf(why, cap, "%s: %s", what, d->error ? d->error : "missing");
        return TEEATTEST_OUTCOME_FAIL;
    }
    int rc = p256_verify_col(s, pub, d->text + d->body_off, d->body_len,
                             d->sig);
    if (rc) {
        snprintf(why, cap, "%s signature over the raw signed body does not "
                           "verify (%s)", what, teeattest_status_name(rc));
        return TEEATTEST_OUTCOME_FAIL;
    }
    if (d->error) {
        snprintf(why, cap, "%s signature valid but the body is rejected: %s",
                 what, d->error);
        return TEEATTEST_OUTCOME_FAIL;
    }
    snprintf(why, cap, "%s signature valid over %zu raw body bytes", what,
             d->body_len);
    return TEEATTEST_OUTCOME_PASS;
}

static int32_t freshness(vstate *s, int64_t issue, int64_t next,
                         const char *what, char *why, size_t cap)
{
    char d1[21], d2[21];
    ta_utc_format(d1, issue);
    ta_utc_format(d2, next);
    if (s->at < issue) {
        snprintf(why, cap, "%s not yet valid (issueDate %s)", what, d1);
        return TEEATTEST_OUTCOME_FAIL;
    }
    if (s->at > next) {
        if (!s->pol->allow_expired_collateral) {
            snprintf(why, cap, "%s expired (nextUpdate %s)", what, d2);
            return TEEATTEST_OUTCOME_FAIL;
        }
        s->out->collateral_expired = true;
        snprintf(why, cap, "%s expired (nextUpdate %s), accepted by policy",
                 what, d2);
        return TEEATTEST_OUTCOME_WARN;
    }
    snprintf(why, cap, "%s valid %s .. %s", what, d1, d2);
    return TEEATTEST_OUTCOME_PASS;
}

/* Append the comma-separated list `add` to the set in `b`, skipping IDs it
 * already holds. */
static int adv_union(ta_buf *b, const char *add)
{
    const char *p = add;
    while (p && *p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        bool dup = false;
        const char *q = b->data ? (const char *)b->data : "";
        size_t ql = b->len;
        for (size_t i = 0; i < ql && !dup;) {
            size_t j = i;
            while (j < ql && q[j] != ',')
                j++;
            dup = j - i == n && memcmp(q + i, p, n) == 0;
            i = j + 1;
        }
        if (!dup) {
            if ((b->len && ta_buf_append(b, ",", 1)) || ta_buf_append(b, p, n))
                return TEEATTEST_E_NOMEM;
        }
        p = e ? e + 1 : NULL;
    }
    return TEEATTEST_OK;
}

static char *dup_or_empty(vstate *s, const char *v)
{
    char *d = ta_strdup(s->ctx, v ? v : "");
    if (!d)
        s->nomem = true;
    return d;
}

/* One TCB evaluation (4.12 - 4.13) for a TEE_TCB_SVN vector. */
typedef struct tcb_eval {
    const ta_tdx_tcb_level *level;
    const ta_tdx_module_identity *mid;
    const ta_tdx_isv_level *mlevel;
    ta_tdx_status status;
    char why[200];
} tcb_eval;

static bool evaluate(const ta_tdx_tcb_info *ti, const ta_tdx_pck_ext *ext,
                     const uint8_t svn[16], ta_tdx_status qe, tcb_eval *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->level = ta_tdx_tcb_level_select(ti, ext, svn);
    if (!ev->level) {
        char pck[64], tee[40];
        for (int i = 0; i < 16; i++)
            snprintf(pck + 3 * i, 4, "%02x%s", ext->comp_svn[i], i < 15 ? "," : "");
        ta_hex_encode(tee, svn, 16);
        snprintf(ev->why, sizeof ev->why, "no tcbLevel matches (PCK SGX "
                 "components %s, PCESVN %u, TEE_TCB_SVN %s)", pck,
                 (unsigned)ext->pcesvn, tee);
        return false;
    }
    ta_tdx_status m = TA_TDX_STATUS_NONE;
    if (svn[1] > 0) {
        ev->mid = ta_tdx_module_identity_find(ti, svn[1]);
        if (!ev->mid) {
            snprintf(ev->why, sizeof ev->why, "no TDX_%02X module identity",
                     (unsigned)svn[1]);
            return false;
        }
        ev->mlevel = ta_tdx_isv_level_select(ev->mid->levels,
                                             ev->mid->n_levels, svn[0]);
        if (!ev->mlevel) {
            snprintf(ev->why, sizeof ev->why, "no %s level for module SVN %u",
                     ev->mid->id, (unsigned)svn[0]);
            return false;
        }
        m = ev->mlevel->status;
    }
    ev->status = ta_tdx_converge(ev->level->status, m, qe);
    return true;
}

void ta_tdx_outcome_free(const teeattest_ctx *ctx, ta_tdx_outcome *out)
{
    if (!out)
        return;
    ta_free(ctx, out->advisories);
    ta_free(ctx, out->platform_advisories);
    ta_free(ctx, out->module_advisories);
    ta_free(ctx, out->qe_advisories);
    out->advisories = out->platform_advisories = NULL;
    out->module_advisories = out->qe_advisories = NULL;
}

/* ---- the steps, in the order of docs/checks.md ---------------------------
 *
 * Each step records its check(s) and sets the flags later steps read. A step
 * that needs the quote header records a skip naming why it is missing. */

static bool need_header(vstate *s, const char *name)
{
    if (!s->header_ok)
        SKIP(s, name, "%s", s->noquote);
    return s->header_ok;
}

static void step_root_override(vstate *s)
{
    /* A result under a test trust anchor must never pass for a real one. */
    if (s->r)
        ta_result_fact_str(s->r, "tdx.root",
                           s->pol->root_der ? "override" : "intel");
    if (s->pol->root_der)
        WARN(s, "tdx.root_override", "trust anchor overridden by the policy "
             "(tests only): not the Intel SGX Root CA compiled into the "
             "library");
}

static void step_quote_parse(vstate *s, const uint8_t *quote, size_t len)
{
    s->parsed = quote && ta_tdx_quote_parse(&s->q, quote, len, &s->perr) ==
                         TEEATTEST_OK;
    if (!s->parsed) {
        FAILC(s, "tdx.quote.parse", "%s", quote ? s->perr.message : "no quote");
    } else {
        PASS(s, "tdx.quote.parse", "quote v%u, TD report %s, %zu signed bytes, "
             "%zu trailing bytes ignored", (unsigned)s->q.version,
             s->q.body_type == TA_TDX_BODY_TD15 ? "1.5" : "1.0",
             s->q.signed_len, s->q.len - s->q.quote_end);
    }
}

static void quote_facts(vstate *s)
{
    const ta_tdx_quote *q = &s->q;
    fact_str(s, "tdx.quote.version", q->version == 5 ? "5" : "4");
    fact_hex(s, "tdx.tee_tcb_svn", ta_tdx_tee_tcb_svn(q), 16);
    fact_hex(s, "tdx.mrseam", ta_tdx_mrseam(q), 48);
    fact_hex(s, "tdx.mrsignerseam", ta_tdx_mrsignerseam(q), 48);
    fact_hex(s, "tdx.tdattributes", ta_tdx_tdattributes(q), 8);
    fact_hex(s, "tdx.xfam", ta_tdx_xfam(q), 8);
    fact_hex(s, "tdx.mrtd", ta_tdx_mrtd(q), 48);
    fact_hex(s, "tdx.mrconfigid", ta_tdx_mrconfigid(q), 48);
    fact_hex(s, "tdx.mrowner", ta_tdx_mrowner(q), 48);
    fact_hex(s, "tdx.mrownerconfig", ta_tdx_mrownerconfig(q), 48);
    static const char *const rt[] = {"tdx.rtmr0", "tdx.rtmr1", "tdx.rtmr2",
                                     "tdx.rtmr3"};
    for (unsigned i = 0; i < 4; i++)
        fact_hex(s, rt[i], ta_tdx_rtmr(q, i), 48);
    fact_hex(s, "tdx.report_data", ta_tdx_reportdata(q), 64);
    if (q->body_type == TA_TDX_BODY_TD15) {
        fact_hex(s, "tdx.tee_tcb_svn2", ta_tdx_tee_tcb_svn2(q), 16);
        fact_hex(s, "tdx.mrservicetd", ta_tdx_mrservicetd(q), 48);
    }
}

static void step_quote_header(vstate *s)
{
    if (!s->parsed) {
        SKIP(s, "tdx.quote.header", "quote did not parse");
    } else if (ta_tdx_quote_check_header(&s->q, &s->perr) != TEEATTEST_OK) {
        FAILC(s, "tdx.quote.header", "%s", s->perr.message);
    } else {
        s->header_ok = true;
        PASS(s, "tdx.quote.header", "version %u, ECDSA P-256 key, TEE type "
             "TDX, Intel QE vendor ID", (unsigned)s->q.version);
    }
    s->noquote = s->parsed ? "quote header rejected" : "quote did not parse";
    if (s->header_ok)
        quote_facts(s);
}

/* Sorts the quote's PCK chain into root, intermediate and leaf by their
 * names; counts a role seen twice (or an unknown CA) in *dup. */
static size_t pck_roles(vstate *s, const ta_x509 **top, int *dup)
{
    size_t n = 0;
    for (size_t i = 0; i < ta_x509_chain_len(s->pck); i++) {
        const ta_x509 *c = ta_x509_chain_get(s->pck, i);
        char cn[96];
        n++;
        ta_x509_cn(c, false, cn, sizeof cn);
        if (ta_x509_self_issued(c) && strstr(cn, "SGX Root CA")) {
            *dup += *top != NULL;
            *top = c;
        } else if (strstr(cn, "SGX PCK Certificate")) {
            *dup += s->leaf != NULL;
            s->leaf = c;
        } else if (strstr(cn, "CA")) {
            *dup += s->inter != NULL;
            s->inter = c;
            s->platform_ca = strstr(cn, "Platform") != NULL;
            if (!s->platform_ca && !strstr(cn, "Processor"))
                (*dup)++;
        }
    }
    return n;
}

static void step_pck_chain(vstate *s)
{
    if (!need_header(s, "tdx.pck_chain"))
        return;
    if (memo_root_get(s, s->root_der, s->root_len, &s->root, s->root_pub) != 0) {
        FAILC(s, "tdx.pck_chain", "trust anchor does not parse as a P-256 "
              "certificate");
        return;
    }
    s->root_ok = true;
    int prc = memo_pck_parse(s, s->q.pck_pem, s->q.pck_pem_len, &s->pck,
                             &s->pck_entry);
    size_t n = 0;
    const ta_x509 *top = NULL;
    int dup = 0;
    if (prc == 0)
        n = pck_roles(s, &top, &dup);
    if (prc != 0) {
        FAILC(s, "tdx.pck_chain", "PCK certificate chain PEM does not "
              "parse%s", s->nomem ? " (out of memory)" : "");
    } else if (n != 3 || dup || !top || !s->leaf || !s->inter) {
        FAILC(s, "tdx.pck_chain", "PCK chain must be exactly PCK leaf, "
              "PCK Platform/Processor CA and root CA (got %zu "
              "certificates)", n);
        s->leaf = s->inter = NULL;
    } else if (s->leaf != ta_x509_chain_get(s->pck, 0) ||
               s->inter != ta_x509_chain_get(s->pck, 1) ||
               top != ta_x509_chain_get(s->pck, 2)) {
        /* Intel's QVL and dcap-qvl reject every other order too. */
        const ta_x509 *c1 = ta_x509_chain_get(s->pck, 0);
        const ta_x509 *c2 = ta_x509_chain_get(s->pck, 1);
        const ta_x509 *c3 = ta_x509_chain_get(s->pck, 2);
        FAILC(s, "tdx.pck_chain", "PCK chain is in the wrong order (%s, "
              "%s, %s); the documented order is PCK leaf, intermediate "
              "CA, root CA", pck_role(c1, s->leaf, s->inter),
              pck_role(c2, s->leaf, s->inter), pck_role(c3, s->leaf, s->inter));
        s->leaf = s->inter = NULL;
    } else if (!root_matches(s, top, s->root_der, s->root_len, s->root_pub)) {
        s->pck_parsed = true;
        FAILC(s, "tdx.pck_chain", "chain root is not the pinned Intel SGX "
              "Root CA");
    } else if (!ta_x509_names_link(s->root, s->inter) ||
               !ta_x509_names_link(s->inter, s->leaf)) {
        s->pck_parsed = true;
        FAILC(s, "tdx.pck_chain", "PCK chain issuer names do not link "
              "leaf -> intermediate -> root");
    } else if (ta_x509_ec_point(s->leaf, TEEATTEST_CURVE_P256, s->leaf_pub,
                                sizeof s->leaf_pub) ||
               ta_x509_ec_point(s->inter, TEEATTEST_CURVE_P256, s->inter_pub,
                                sizeof s->inter_pub)) {
        s->pck_parsed = true;
        FAILC(s, "tdx.pck_chain", "PCK chain keys are not P-256 keys");
    } else {
        s->pck_parsed = true;
        const ta_x509 *certs[2] = {s->leaf, s->inter};
        uint32_t flags = 0;
        bool memo_ok = s->pck_entry && s->root_idx < MEMO_ROOTS;
        int rc = verify_chain_memo(s, &flags, certs, 2, s->root, s->root_der,
                                   s->root_len, NULL,
                                   memo_ok ? &s->pck_entry->chain_ok : NULL,
                                   memo_ok ? 1u << s->root_idx : 0);
        int32_t oc = chain_outcome(s, rc, flags, s->why, sizeof s->why,
                                   "PCK chain");
        s->chain_ok = oc != TEEATTEST_OUTCOME_FAIL;
        check(s, "tdx.pck_chain", oc, true, "%s (PCK %s CA)", s->why,
              s->platform_ca ? "Platform" : "Processor");
        fact_str(s, "tdx.pck.ca", s->platform_ca ? "platform" : "processor");
    }
}

static void step_crl_root(vstate *s)
{
    if (!need_header(s, "tdx.crl.root"))
        return;
    if (!s->root_ok) {
        SKIP(s, "tdx.crl.root", "trust anchor not available");
        return;
    }
    const ta_tdx_collateral *col = s->col;
    int32_t oc = crl_verify(s, &col->root_ca_crl, ta_x509_subject_der(s->root),
                            s->root_pub, s->why, sizeof s->why);
    s->root_crl_ok = oc != TEEATTEST_OUTCOME_FAIL;
    if (s->root_crl_ok && s->pck_parsed &&
        crl_lists(&col->root_ca_crl, s->inter)) {
        s->out->status = TA_TDX_REVOKED;
        FAILC(s, "tdx.crl.root", "the PCK intermediate CA is revoked by "
              "the root CA CRL");
    } else if (s->root_crl_ok && !s->pck_parsed) {
        check(s, "tdx.crl.root", oc, true, "%s; PCK intermediate not "
              "available for the revocation check", s->why);
    } else {
        check(s, "tdx.crl.root", oc, true, "%s%s", s->why,
              oc != TEEATTEST_OUTCOME_FAIL ? "; PCK CA not revoked" : "");
    }
}

static void step_crl_pck(vstate *s)
{
    const ta_tdx_collateral *col = s->col;
    if (!need_header(s, "tdx.crl.pck"))
        return;
    if (!s->chain_ok) {
        SKIP(s, "tdx.crl.pck", "PCK chain not verified: the CRL issuer key "
             "is not established");
        return;
    }
    if (col->pck_crl.loaded &&
        !raw_eq(ta_x509_crl_issuer_der(col->pck_crl.crl),
                ta_x509_issuer_der(s->leaf))) {
        FAILC(s, "tdx.crl.pck", "PCK CRL issuer is not the PCK leaf's issuer "
              "(wrong CA type?)");
        return;
    }
    int32_t oc = crl_verify(s, &col->pck_crl, ta_x509_subject_der(s->inter),
                            s->inter_pub, s->why, sizeof s->why);
    bool crl_ok = oc != TEEATTEST_OUTCOME_FAIL;
    char cwhy[256];
    int32_t coc = crl_ok
        ? crl_issuer_chain(s, &col->pck_crl_chain, &col->pck_crl,
                           s->inter_pub, s->root, s->root_pub, s->root_der,
                           s->root_len, cwhy, sizeof cwhy)
        : TEEATTEST_OUTCOME_PASS;
    if (crl_ok && crl_lists(&col->pck_crl, s->leaf)) {
        s->out->status = TA_TDX_REVOKED;
        FAILC(s, "tdx.crl.pck", "the PCK certificate is revoked");
    } else if (coc == TEEATTEST_OUTCOME_FAIL) {
        FAILC(s, "tdx.crl.pck", "%s", cwhy);
    } else {
        bool cwarn = coc == TEEATTEST_OUTCOME_WARN;
        if (cwarn)
            oc = coc;
        check(s, "tdx.crl.pck", oc, true, "%s%s%s%s", s->why,
              crl_ok ? "; PCK certificate not revoked" : "",
              cwarn ? "; " : "", cwarn ? cwhy : "");
    }
}

static void step_pck_extension(vstate *s)
{
    if (!need_header(s, "tdx.pck_extension"))
        return;
    if (!s->chain_ok) {
        SKIP(s, "tdx.pck_extension", "PCK chain not verified");
    } else if (ta_tdx_pck_ext_parse(s->leaf, s->platform_ca, &s->ext,
                                    &s->perr) != TEEATTEST_OK) {
        FAILC(s, "tdx.pck_extension", "%s", s->perr.message);
    } else {
        s->ext_ok = true;
        char fm[13], pc[5];
        ta_hex_encode(fm, s->ext.fmspc, 6);
        ta_hex_encode(pc, s->ext.pceid, 2);
        memcpy(s->out->fmspc, s->ext.fmspc, 6);
        s->out->have_fmspc = true;
        fact_str(s, "tdx.fmspc", fm);
        fact_str(s, "tdx.pceid", pc);
        fact_hex(s, "tdx.pck.tcb_components", s->ext.comp_svn, 16);
        if (s->r)
            ta_result_fact_int(s->r, "tdx.pck.pcesvn", s->ext.pcesvn);
        PASS(s, "tdx.pck_extension", "FMSPC %s, PCE-ID %s, PCESVN %u", fm, pc,
             (unsigned)s->ext.pcesvn);
    }
}

/* A signed collateral document (TCB Info, QE Identity): its issuer chain,
 * its signature, its freshness. Check names are static strings (the first
 * failure keeps the pointer). */
typedef struct signed_item {
    const char *chain_check, *sig_check, *fresh_check;
    const char *label; /* "TCB Info" */
    const ta_tdx_chain *chain;
    const ta_tdx_signed_doc *doc;
    int64_t issue_date, next_update;
} signed_item;

/* Returns whether the document is authenticated (signature passed). */
static bool step_signed_item(vstate *s, const signed_item *it)
{
    if (!s->header_ok) {
        SKIP(s, it->chain_check, "%s", s->noquote);
        SKIP(s, it->sig_check, "%s", s->noquote);
        SKIP(s, it->fresh_check, "%s", s->noquote);
        return false;
    }
    uint8_t pub[65];
    int32_t oc = s->root_ok ? signing_chain(s, it->chain, s->root, s->root_pub,
                                            s->root_der, s->root_len,
                                            &s->col->root_ca_crl,
                                            s->root_crl_ok, pub, s->why,
                                            sizeof s->why)
                            : TEEATTEST_OUTCOME_SKIP;
    if (oc == TEEATTEST_OUTCOME_SKIP)
        SKIP(s, it->chain_check, "trust anchor not available");
    else
        check(s, it->chain_check, oc, true, "%s", s->why);
    bool chain_ok = oc == TEEATTEST_OUTCOME_PASS || oc == TEEATTEST_OUTCOME_WARN;
    bool ok = false;
    if (!chain_ok) {
        SKIP(s, it->sig_check, "%s issuer chain not verified", it->label);
    } else {
        oc = doc_signature(s, it->doc, pub, it->label, s->why, sizeof s->why);
        ok = oc == TEEATTEST_OUTCOME_PASS;
        check(s, it->sig_check, oc, true, "%s", s->why);
    }
    if (!ok) {
        SKIP(s, it->fresh_check, "%s not authenticated", it->label);
    } else {
        oc = freshness(s, it->issue_date, it->next_update, it->label, s->why,
                       sizeof s->why);
        check(s, it->fresh_check, oc, true, "%s", s->why);
    }
    return ok;
}

static void step_tcb_info(vstate *s)
{
    const ta_tdx_tcb_info *ti = &s->col->tcb_info;
    signed_item it = {"tdx.tcb_info.chain", "tdx.tcb_info.signature",
                      "tdx.tcb_info.freshness", "TCB Info",
                      &s->col->tcb_info_chain, &ti->doc, ti->issue_date,
                      ti->next_update};
    s->tcb_ok = step_signed_item(s, &it);
    if (s->tcb_ok && s->r) {
        ta_result_fact_int(s->r, "tdx.tcb_info.eval_number", ti->eval_num);
        ta_buf b;
        ta_buf_init(&b, s->ctx, 0);
        if (ta_tdx_tcb_levels_text(ti, TA_TDX_LEVELS_FACT_MAX, &b))
            s->nomem = true;
        else
            fact_str(s, "tdx.tcb_levels", b.data ? (char *)b.data : "");
        ta_buf_free(&b);
    }
}

static void step_qe_identity(vstate *s)
{
    const ta_tdx_qe_identity *qi = &s->col->qe_identity;
    signed_item it = {"tdx.qe_identity.chain", "tdx.qe_identity.signature",
                      "tdx.qe_identity.freshness", "QE Identity",
                      &s->col->qe_identity_chain, &qi->doc, qi->issue_date,
                      qi->next_update};
    s->qe_ok = step_signed_item(s, &it);
    if (s->qe_ok && s->r)
        ta_result_fact_int(s->r, "tdx.qe_identity.eval_number", qi->eval_num);
}

static void step_qe_report_signature(vstate *s)
{
    if (!need_header(s, "tdx.qe_report.signature"))
        return;
    if (!s->chain_ok) {
        SKIP(s, "tdx.qe_report.signature", "PCK chain not verified: the PCK "
             "key is not established");
        return;
    }
    int rc = p256_verify(s, s->leaf_pub, s->q.qe_report, 384,
                         s->q.qe_report_sig);
    s->qerep_ok = rc == TEEATTEST_OK;
    if (s->qerep_ok)
        PASS(s, "tdx.qe_report.signature", "QE report signed by the PCK "
             "key");
    else
        FAILC(s, "tdx.qe_report.signature", "QE report signature does not "
              "verify with the PCK key (%s)", teeattest_status_name(rc));
}

static void step_qe_report_binding(vstate *s)
{
    if (!need_header(s, "tdx.qe_report.binding"))
        return;
    if (!s->qerep_ok) {
        SKIP(s, "tdx.qe_report.binding", "QE report not authenticated");
        return;
    }
    const ta_tdx_quote *q = &s->q;
    uint8_t h[32];
    ta_buf b;
    ta_buf_init(&b, s->ctx, 0);
    int rc = ta_buf_append(&b, q->att_key, 64);
    if (!rc)
        rc = ta_buf_append(&b, q->qe_auth, q->qe_auth_len);
    if (!rc)
        rc = ta_sha256(s->ctx, h, b.data, b.len);
    ta_buf_free(&b);
    const uint8_t *rd = ta_tdx_qe_reportdata(q);
    static const uint8_t zero[32];
    if (rc) {
        s->nomem = rc == TEEATTEST_E_NOMEM;
        FAILC(s, "tdx.qe_report.binding", "hashing failed (%s)",
              teeattest_status_name(rc));
    } else if (memcmp(rd, h, 32) != 0) {
        FAILC(s, "tdx.qe_report.binding", "QE REPORTDATA is not SHA-256("
              "attestation key || QE auth data)");
    } else if (memcmp(rd + 32, zero, 32) != 0) {
        FAILC(s, "tdx.qe_report.binding", "QE REPORTDATA[32..64) is not "
              "zero");
    } else {
        s->bind_ok = true;
        PASS(s, "tdx.qe_report.binding", "attestation key bound by the QE "
             "report (%u bytes of QE auth data)", (unsigned)q->qe_auth_len);
    }
}

static void step_qe_identity_policy(vstate *s)
{
    if (!need_header(s, "tdx.qe_identity.policy"))
        return;
    if (!s->qerep_ok || !s->qe_ok) {
        SKIP(s, "tdx.qe_identity.policy", "%s", !s->qerep_ok
             ? "QE report not authenticated" : "QE Identity not authenticated");
        return;
    }
    const ta_tdx_quote *q = &s->q;
    const ta_tdx_qe_identity *qi = &s->col->qe_identity;
    const uint8_t *ms = ta_tdx_qe_miscselect(q);
    const uint8_t *at16 = ta_tdx_qe_attributes(q);
    bool misc = true, attr = true;
    for (int i = 0; i < 4; i++)
        misc = misc && (ms[i] & qi->miscselect_mask[i]) == qi->miscselect[i];
    for (int i = 0; i < 16; i++)
        attr = attr && (at16[i] & qi->attributes_mask[i]) == qi->attributes[i];
    uint16_t isvsvn = ta_tdx_qe_isvsvn(q);
    if (!misc) {
        FAILC(s, "tdx.qe_identity.policy", "QE MISCSELECT does not match "
              "the QE Identity");
    } else if (!attr) {
        FAILC(s, "tdx.qe_identity.policy", "QE ATTRIBUTES do not match the "
              "QE Identity");
    } else if (at16[0] & 0x02) {
        FAILC(s, "tdx.qe_identity.policy", "the QE is a debug enclave");
    } else if (memcmp(ta_tdx_qe_mrsigner(q), qi->mrsigner, 32) != 0) {
        FAILC(s, "tdx.qe_identity.policy", "QE MRSIGNER does not match the "
              "QE Identity");
    } else if (ta_tdx_qe_isvprodid(q) != qi->isvprodid) {
        FAILC(s, "tdx.qe_identity.policy", "QE ISVPRODID %u, QE Identity "
              "expects %u", (unsigned)ta_tdx_qe_isvprodid(q),
              (unsigned)qi->isvprodid);
    } else if (!(s->qe_level = ta_tdx_isv_level_select(qi->levels,
                                                       qi->n_levels, isvsvn))) {
        s->qe_status = TA_TDX_TCB_NOT_SUPPORTED;
        s->out->qe_status = s->qe_status;
        FAILC(s, "tdx.qe_identity.policy", "TCB level not supported: no QE "
              "Identity level for QE ISVSVN %u", (unsigned)isvsvn);
    } else {
        s->qepol_ok = true;
        s->qe_status = s->qe_level->status;
        s->out->qe_status = s->qe_status;
        PASS(s, "tdx.qe_identity.policy", "QE matches TD_QE identity; "
             "ISVSVN %u -> %s", (unsigned)isvsvn,
             ta_tdx_status_name(s->qe_status));
    }
}

static void step_quote_signature(vstate *s)
{
    if (!need_header(s, "tdx.quote.signature"))
        return;
    if (!s->bind_ok) {
        SKIP(s, "tdx.quote.signature", "attestation key not bound to the QE");
        return;
    }
    uint8_t key[65];
    key[0] = 0x04;
    memcpy(key + 1, s->q.att_key, 64);
    int rc = p256_verify(s, key, s->q.data, s->q.signed_len, s->q.signature);
    s->quote_ok = rc == TEEATTEST_OK;
    if (s->quote_ok)
        PASS(s, "tdx.quote.signature", "quote signed by the attestation "
             "key over %zu bytes", s->q.signed_len);
    else
        FAILC(s, "tdx.quote.signature", "quote signature does not verify "
              "(%s)", teeattest_status_name(rc));
}

static void step_module_identity(vstate *s)
{
    if (!need_header(s, "tdx.module_identity"))
        return;
    if (!s->quote_ok || !s->tcb_ok) {
        SKIP(s, "tdx.module_identity", "%s", !s->quote_ok
             ? "TD report not authenticated" : "TCB Info not authenticated");
        return;
    }
    const ta_tdx_quote *q = &s->q;
    const ta_tdx_tcb_info *ti = &s->col->tcb_info;
    const uint8_t *svn = ta_tdx_tee_tcb_svn(q);
    const uint8_t *mrsigner = ti->module_mrsigner;
    const uint8_t *attrs = ti->module_attributes;
    const ta_tdx_module_identity *mid = NULL;
    if (svn[1] > 0)
        mid = ta_tdx_module_identity_find(ti, svn[1]);
    if (svn[1] > 0 && !mid) {
        FAILC(s, "tdx.module_identity", "TDX module mismatch: TCB Info has "
              "no TDX_%02X identity (TEE_TCB_SVN[1] = %u)",
              (unsigned)svn[1], (unsigned)svn[1]);
        return;
    }
    if (mid) {
        mrsigner = mid->mrsigner;
        attrs = mid->attributes;
        snprintf(s->out->module_id, sizeof s->out->module_id, "%s", mid->id);
    }
    static const uint8_t zero8[8];
    const uint8_t *sa = ta_tdx_seamattributes(q);
    if (memcmp(ta_tdx_mrsignerseam(q), mrsigner, 48) != 0) {
        FAILC(s, "tdx.module_identity", "TDX module mismatch: "
              "MRSIGNERSEAM differs from %s", mid ? mid->id : "tdxModule");
    } else if (memcmp(sa, zero8, 8) != 0 || memcmp(sa, attrs, 8) != 0) {
        FAILC(s, "tdx.module_identity", "TDX module mismatch: "
              "SEAMATTRIBUTES must be zero and equal to %s attributes",
              mid ? mid->id : "tdxModule");
    } else {
        s->module_ok = true;
        PASS(s, "tdx.module_identity", "%s%s", mid ? mid->id :
             "unversioned module (tdxModule)",
             ": MRSIGNERSEAM and SEAMATTRIBUTES match");
        if (mid)
            fact_str(s, "tdx.module_id", mid->id);
    }
}

/* The selected levels' advisories, statuses and earliest date, into out. */
static void record_levels(vstate *s, const tcb_eval *launch)
{
    ta_tdx_outcome *out = s->out;
    const ta_tdx_isv_level *qe_level = s->qe_level;
    out->platform_status = launch->level->status;
    out->module_status = launch->mlevel ? launch->mlevel->status
                                        : TA_TDX_STATUS_NONE;
    out->platform_advisories = dup_or_empty(s, launch->level->advisories);
    out->module_advisories = dup_or_empty(
        s, launch->mlevel ? launch->mlevel->advisories : "");
    out->qe_advisories = dup_or_empty(s, qe_level->advisories);
    ta_buf b;
    ta_buf_init(&b, s->ctx, 0);
    if (adv_union(&b, launch->level->advisories) ||
        adv_union(&b, qe_level->advisories) ||
        (launch->mlevel && adv_union(&b, launch->mlevel->advisories)) ||
        ta_buf_terminate(&b)) {
        s->nomem = true;
        ta_buf_free(&b);
    } else {
        out->advisories = (char *)ta_buf_steal(&b, NULL);
    }
    out->platform_tcb_date = launch->level->date;
    int64_t d = launch->level->date;
    if (launch->mlevel && launch->mlevel->date < d)
        d = launch->mlevel->date;
    if (qe_level->date < d)
        d = qe_level->date;
    out->tcb_date = d;
}

/* Fact tdx.tcb_behind: what is below the newest TCB level (the launch
 * TEE_TCB_SVN; "" when nothing is, e.g. the newest level itself is
 * SWHardeningNeeded). */
static void record_behind(vstate *s, const tcb_eval *launch)
{
    ta_buf b;
    ta_buf_init(&b, s->ctx, 0);
    if (ta_tdx_tcb_behind(&s->col->tcb_info, &s->ext, ta_tdx_tee_tcb_svn(&s->q),
                          launch->mid, &s->col->qe_identity,
                          ta_tdx_qe_isvsvn(&s->q), &b))
        s->nomem = true;
    else
        fact_str(s, "tdx.tcb_behind", b.data ? (char *)b.data : "");
    ta_buf_free(&b);
}

static void step_tcb_level(vstate *s)
{
    if (!need_header(s, "tdx.tcb_level"))
        return;
    const ta_tdx_quote *q = &s->q;
    const ta_tdx_tcb_info *ti = &s->col->tcb_info;
    const ta_tdx_pck_ext *ext = &s->ext;
    ta_tdx_outcome *out = s->out;
    if (!s->ext_ok || !s->tcb_ok || !s->quote_ok || !s->module_ok ||
        !s->qepol_ok) {
        SKIP(s, "tdx.tcb_level", "%s", !s->ext_ok ? "PCK extension not available"
             : !s->tcb_ok ? "TCB Info not authenticated"
             : !s->quote_ok ? "TD report not authenticated"
             : !s->module_ok ? "TDX module identity not established"
             : "QE TCB status not established");
        return;
    }
    if (memcmp(ti->fmspc, ext->fmspc, 6) != 0 ||
        memcmp(ti->pceid, ext->pceid, 2) != 0) {
        char a[13], b[13];
        ta_hex_encode(a, ti->fmspc, 6);
        ta_hex_encode(b, ext->fmspc, 6);
        FAILC(s, "tdx.tcb_level", "TCB Info is for FMSPC %s / PCE-ID %02x%02x, "
              "the PCK certificate has FMSPC %s / PCE-ID %02x%02x", a,
              ti->pceid[0], ti->pceid[1], b, ext->pceid[0], ext->pceid[1]);
        return;
    }
    tcb_eval launch, cur;
    bool ok = evaluate(ti, ext, ta_tdx_tee_tcb_svn(q), s->qe_status, &launch);
    bool cur_ok = true;
    if (ok && q->body_type == TA_TDX_BODY_TD15)
        cur_ok = evaluate(ti, ext, ta_tdx_tee_tcb_svn2(q), s->qe_status, &cur);
    if (!ok) {
        if (out->status != TA_TDX_REVOKED)
            out->status = TA_TDX_TCB_NOT_SUPPORTED;
        FAILC(s, "tdx.tcb_level", "TCB level not supported: %s", launch.why);
        return;
    }
    if (!cur_ok) {
        if (out->status != TA_TDX_REVOKED)
            out->status = TA_TDX_TCB_NOT_SUPPORTED;
        FAILC(s, "tdx.tcb_level", "TCB level not supported for "
              "TEE_TCB_SVN2: %s", cur.why);
        return;
    }
    ta_tdx_status final = launch.status;
    if (q->body_type == TA_TDX_BODY_TD15) {
        out->current_status = cur.status;
        final = ta_tdx_relaunch(launch.status, cur.status);
    }
    if (out->status != TA_TDX_REVOKED)
        out->status = final;
    record_levels(s, &launch);
    if (s->r)
        ta_result_fact_int(s->r, "tdx.tcb_level_index",
                           (int64_t)(launch.level - ti->levels));
    if (final != TA_TDX_UP_TO_DATE)
        record_behind(s, &launch);
    char ld[21];
    ta_utc_format(ld, launch.level->date);
    PASS(s, "tdx.tcb_level", "platform level %s (tcbDate %s)%s%s%s%s; "
         "QE %s -> %s", ta_tdx_status_name(launch.level->status), ld,
         launch.mid ? ", module " : "",
         launch.mid ? launch.mid->id : "",
         launch.mlevel ? " " : "",
         launch.mlevel ? ta_tdx_status_name(launch.mlevel->status) : "",
         ta_tdx_status_name(s->qe_status), ta_tdx_status_name(final));
}

static void step_status(vstate *s)
{
    ta_tdx_outcome *out = s->out;
    if (out->status == TA_TDX_STATUS_NONE &&
        s->qe_status == TA_TDX_TCB_NOT_SUPPORTED)
        out->status = TA_TDX_TCB_NOT_SUPPORTED;

    uint32_t mask = s->pol->accepted_statuses ? s->pol->accepted_statuses
                                              : TA_TDX_ACCEPT_DEFAULT;
    if (out->status == TA_TDX_STATUS_NONE) {
        SKIP(s, "tdx.status", "%s", !s->header_ok ? s->noquote
             : "TCB status not determined (an earlier check did not pass)");
    } else {
        out->status_accepted = out->status != TA_TDX_TCB_NOT_SUPPORTED &&
                               (mask & TA_TDX_STATUS_BIT(out->status));
        if (out->status_accepted)
            PASS(s, "tdx.status", "%s accepted by policy",
                 ta_tdx_status_name(out->status));
        else
            FAILC(s, "tdx.status", "%s is not accepted by policy",
                  ta_tdx_status_name(out->status));
    }
}

/* Intel's QVL policy minimum (appraisal min_eval_num against the
 * supplemental tcb_eval_ref_num, the smaller of the TCB Info's and the QE
 * Identity's tcbEvaluationDataNumber). Only when the policy sets one. */
static void step_tcb_eval_number(vstate *s)
{
    uint32_t min = s->pol->min_tcb_eval;
    if (!min)
        return;
    const char *name = "tdx.tcb_eval_number";
    if (!s->tcb_ok || !s->qe_ok) {
        SKIP(s, name, "%s", !s->header_ok ? s->noquote
             : !s->tcb_ok ? "TCB Info not authenticated"
                          : "QE Identity not authenticated");
        return;
    }
    uint32_t t = s->col->tcb_info.eval_num, q = s->col->qe_identity.eval_num;
    if (t < min || q < min)
        FAILC(s, name, "tcbEvaluationDataNumber below the policy minimum "
              "%u: TCB Info %u, QE Identity %u", (unsigned)min, (unsigned)t,
              (unsigned)q);
    else
        PASS(s, name, "TCB Info tcbEvaluationDataNumber %u, QE Identity %u, "
             "policy minimum %u", (unsigned)t, (unsigned)q, (unsigned)min);
}

static void check_td_debug(vstate *s)
{
    uint64_t ta = ta_tdx_tdattributes_u64(&s->q);
    if (s->r)
        ta_result_fact_bool(s->r, "tdx.debug", ta & 1);
    if (ta & 0xFEu)
        FAILC(s, "tdx.td.debug", "reserved TUD bits of TDATTRIBUTES are "
              "set (0x%02x)", (unsigned)(ta & 0xFF));
    else if ((ta & 1) && !s->pol->allow_debug)
        FAILC(s, "tdx.td.debug", "the TD is a debug TD (TDATTRIBUTES.DEBUG)");
    else if (ta & 1)
        WARN(s, "tdx.td.debug", "debug TD accepted by policy");
    else
        PASS(s, "tdx.td.debug", "not a debug TD");
}

static void check_td_mrservicetd(vstate *s)
{
    const uint8_t *ms = ta_tdx_mrservicetd(&s->q);
    static const uint8_t zero48[48];
    if (!ms)
        PASS(s, "tdx.td.mrservicetd", "TD report 1.0 has no MRSERVICETD");
    else if (memcmp(ms, zero48, 48) == 0)
        PASS(s, "tdx.td.mrservicetd", "no service TD bound");
    else if (s->pol->allow_nonzero_mrservicetd)
        WARN(s, "tdx.td.mrservicetd", "service TD bound, accepted by policy");
    else
        FAILC(s, "tdx.td.mrservicetd", "MRSERVICETD is not zero (a service "
              "TD is bound)");
}

/* Each constrained register must equal one of its accepted values; the
 * detail names every mismatching register with its value. */
static void check_td_measurements(vstate *s)
{
    const ta_tdx_quote *q = &s->q;
    const ta_tdx_policy *pol = s->pol;
    static const char *const reg_names[TA_TDX_N_REGS] = {
        "MRTD", "RTMR0", "RTMR1", "RTMR2", "RTMR3", "MRCONFIGID"};
    const uint8_t *have[TA_TDX_N_REGS] = {
        ta_tdx_mrtd(q), ta_tdx_rtmr(q, 0), ta_tdx_rtmr(q, 1),
        ta_tdx_rtmr(q, 2), ta_tdx_rtmr(q, 3), ta_tdx_mrconfigid(q)};
    char bad[900] = "";
    int n_exp = 0;
    for (size_t i = 0; i < TA_TDX_N_REGS; i++) {
        size_t n = pol->expected[i] ? pol->n_expected[i] : 0;
        if (!n)
            continue;
        n_exp++;
        bool match = false;
        for (size_t k = 0; k < n; k++)
            match |= ta_ct_equal(pol->expected[i] + 48 * k, have[i], 48);
        if (!match) {
            char hx[97];
            ta_hex_encode(hx, have[i], 48);
            size_t l = strlen(bad);
            snprintf(bad + l, sizeof bad - l, "%s%s is %s (none of %zu "
                     "accepted value%s)", l ? "; " : "", reg_names[i], hx,
                     n, n == 1 ? "" : "s");
        }
    }
    if (!n_exp)
        check(s, "tdx.td.measurements", TEEATTEST_OUTCOME_SKIP, false,
              "no expected measurements in the policy");
    else if (bad[0])
        FAILC(s, "tdx.td.measurements", "mismatch: %s", bad);
    else
        PASS(s, "tdx.td.measurements", "%d constrained register(s) match "
             "an accepted value", n_exp);
}

static void step_td_policy(vstate *s)
{
    static const char *const names[] = {"tdx.td.debug", "tdx.td.mrservicetd",
                                        "tdx.td.measurements"};
    if (!s->header_ok || !s->quote_ok) {
        for (size_t i = 0; i < TA_ARRAY_LEN(names); i++)
            SKIP(s, names[i], "%s", !s->header_ok
                 ? s->noquote : "TD report not authenticated");
        return;
    }
    check_td_debug(s);
    check_td_mrservicetd(s);
    check_td_measurements(s);
}

static void record_status_facts(vstate *s)
{
    const ta_tdx_outcome *out = s->out;
    if (out->status != TA_TDX_STATUS_NONE)
        fact_str(s, "tdx.status", ta_tdx_status_name(out->status));
    if (out->platform_status)
        fact_str(s, "tdx.platform_status", ta_tdx_status_name(out->platform_status));
    if (out->module_status)
        fact_str(s, "tdx.module_status", ta_tdx_status_name(out->module_status));
    if (out->qe_status)
        fact_str(s, "tdx.qe_status", ta_tdx_status_name(out->qe_status));
    if (out->current_status)
        fact_str(s, "tdx.current_status", ta_tdx_status_name(out->current_status));
    if (out->advisories)
        fact_str(s, "tdx.advisories", out->advisories);
    if (out->tcb_date)
        fact_date(s, "tdx.tcb_date", out->tcb_date);
    if (out->platform_tcb_date)
        fact_date(s, "tdx.platform_tcb_date", out->platform_tcb_date);
    if (out->collateral_expires)
        fact_date(s, "tdx.collateral.expires", out->collateral_expires);
    if (s->r)
        ta_result_fact_bool(s->r, "tdx.collateral.expired",
                            out->collateral_expired);
}

int ta_tdx_verify(teeattest_ctx *ctx, const uint8_t *quote, size_t len,
                  const ta_tdx_collateral *col, int64_t at,
                  const ta_tdx_policy *pol, teeattest_result *r,
                  ta_tdx_outcome *out, teeattest_error *err)
{
    if (!ctx || !col)
        return TA_INVALID(err, "ta_tdx_verify: ctx and collateral are required");
    ta_tdx_outcome local;
    if (!out)
        out = &local;
    memset(out, 0, sizeof *out);
    ta_tdx_policy defpol = {0};
    if (!pol)
        pol = &defpol;
    vstate st;
    memset(&st, 0, sizeof st);
    vstate *s = &st;
    s->ctx = ctx;
    s->r = r;
    s->out = out;
    s->pol = pol;
    s->col = col;
    s->at = at;
    s->rec.r = r;
    s->rec.detail_max = 900;
    s->memo = memo_get(ctx, col);
    s->root_idx = MEMO_ROOTS;
    s->root_der = pol->root_der ? pol->root_der : ta_tdx_intel_root_ca_der;
    s->root_len = pol->root_der ? pol->root_der_len
                                : ta_tdx_intel_root_ca_der_len;
    s->perr = (teeattest_error)TEEATTEST_ERROR_INIT;
    s->qe_status = TA_TDX_STATUS_NONE;

    out->collateral_expires = ta_tdx_collateral_expiry(col);
    step_root_override(s);
    step_quote_parse(s, quote, len);
    step_quote_header(s);
    step_pck_chain(s);
    step_crl_root(s);
    step_crl_pck(s);
    step_pck_extension(s);
    step_tcb_info(s);
    step_qe_identity(s);
    step_qe_report_signature(s);
    step_qe_report_binding(s);
    step_qe_identity_policy(s);
    step_quote_signature(s);
    step_module_identity(s);
    step_tcb_level(s);
    step_status(s);
    step_tcb_eval_number(s);
    step_td_policy(s);
    record_status_facts(s);

    out->all_passed = !s->rec.failed && !s->rec.req_skip;
    out->first_failure = s->rec.first_fail;
    ta_x509_chain_free(s->pck);
    ta_x509_free(s->root);
    if (out == &local)
        ta_tdx_outcome_free(ctx, &local);
    if (s->nomem)
        return ta_error(err, TEEATTEST_E_NOMEM, "tdx", "out of memory");
    return TEEATTEST_OK;
}
