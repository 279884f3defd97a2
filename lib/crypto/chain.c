/*
 * The built-in chain verification behind the crypto vtable's
 * x509_verify_chain (ta_builtin_x509_verify_chain): one set of chain rules
 * over the X.509 interface of x509.h, whichever implementation parses the
 * certificates.
 *
 * The rules are those mbedTLS 2.28's mbedtls_x509_crt_verify_with_profile
 * applied with its default profile (the built-in path before this file),
 * with every date judged at the caller's verification time, never the wall
 * clock:
 *  - only the given roots are trust anchors; from the leaf up, each
 *    certificate's parent is searched among the roots first (its signature
 *    must verify), then among the certificates after it in the chain;
 *    a parent's name must match the child's issuer (mbedTLS's name
 *    comparison: same attribute types and structure, values byte-equal or
 *    ASCII case-insensitive between UTF8String and PrintableString), it
 *    must be a CA allowed to sign certificates (a v1/v2 root is exempt), and
 *    its pathLenConstraint must allow the path; a parent valid at the
 *    verification time is preferred to one that is not;
 *  - a self-issued leaf that is byte-identical to a root is trusted;
 *  - every certificate of the path (the root included) must be valid at the
 *    verification time; every CRL's thisUpdate/nextUpdate too;
 *  - a CRL issued by a parent (by name) must be signed by it (crlSign
 *    allowed) and must not list the child's serial;
 *  - signatures: SHA-256/384/512 with ECDSA P-256/P-384 through the
 *    built-in hash and ECDSA (OpenSSL when the build has it) or with RSA
 *    PKCS#1 v1.5 (2048 bits or more) through the X.509 implementation; the
 *    vtable's own members are not consulted here: this whole function is
 *    what the vtable's x509_verify_chain member replaces.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>

#include "crypto.h"
#include "der.h"
#include "memo.h"
#include "x509.h"

/* mbedTLS's MBEDTLS_X509_MAX_INTERMEDIATE_CA */
#define MAX_INTERMEDIATE 8
#define MAX_PATH (MAX_INTERMEDIATE + 2)

/* ---- names: mbedTLS's x509_name_cmp over DER ---------------------------- */

static bool is_text_tag(int tag)
{
    return tag == 0x0C /* UTF8String */ || tag == 0x13 /* PrintableString */;
}

static bool casecmp_eq(const uint8_t *a, const uint8_t *b, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        uint8_t d = a[i] ^ b[i];
        if (!d)
            continue;
        if (d == 32 && ((a[i] >= 'a' && a[i] <= 'z') ||
                        (a[i] >= 'A' && a[i] <= 'Z')))
            continue;
        return false;
    }
    return true;
}

static bool names_match(ta_der x, ta_der y)
{
    ta_name_it a, b;
    if (!ta_name_start(&a, x) || !ta_name_start(&b, y))
        return false;
    for (;;) {
        ta_name_attr va, vb;
        int ra = ta_name_next(&a, &va), rb = ta_name_next(&b, &vb);
        if (ra < 0 || rb < 0 || ra != rb)
            return false;
        if (ra == 0)
            return true;
        if (va.oid.len != vb.oid.len ||
            memcmp(va.oid.p, vb.oid.p, va.oid.len) != 0)
            return false;
        bool same = va.tag == vb.tag && va.val.len == vb.val.len &&
                    memcmp(va.val.p, vb.val.p, va.val.len) == 0;
        if (!same && !(is_text_tag(va.tag) && is_text_tag(vb.tag) &&
                       va.val.len == vb.val.len &&
                       casecmp_eq(va.val.p, vb.val.p, va.val.len)))
            return false;
        if (va.merged != vb.merged)
            return false;
    }
}

/* ---- signatures ---------------------------------------------------------- */

static bool md_allowed(int32_t hash)
{
    return hash == TEEATTEST_HASH_SHA256 || hash == TEEATTEST_HASH_SHA384 ||
           hash == TEEATTEST_HASH_SHA512;
}

/* A signature over tbs by `signer`'s key: ECDSA through the built-in hash
 * and ECDSA, RSA PKCS#1 v1.5 through the X.509 implementation (mbedTLS's
 * default profile verified both; RSASSA-PSS is not accepted). */
static bool sig_ok(const ta_x509 *signer, int32_t pk, int32_t hash,
                   ta_der tbs, ta_der sig)
{
    size_t hl = ta_hash_len(hash);
    uint8_t h[64];
    if (!md_allowed(hash) || !hl ||
        ta_builtin_hash(hash, h, hl, tbs.p, tbs.len) != TEEATTEST_OK)
        return false;
    if (pk == TA_X509_PK_RSA)
        return ta_x509_key_type(signer) == TA_X509_KEY_RSA &&
               ta_x509_rsa_verify(signer, hash, h, hl, sig.p, sig.len) ==
                   TEEATTEST_OK;
    int32_t curve = ta_x509_key_curve(signer);
    size_t field = curve == TEEATTEST_CURVE_P256   ? 32
                   : curve == TEEATTEST_CURVE_P384 ? 48 : 0;
    if (pk != TA_X509_PK_ECDSA || !field)
        return false;
    uint8_t pub[97], raw[96];
    return ta_x509_ec_point(signer, curve, pub, sizeof pub) == TEEATTEST_OK &&
           ta_ecdsa_sig_der_to_raw(sig.p, sig.len, field, raw) == TEEATTEST_OK &&
           ta_builtin_ecdsa_verify(curve, pub, 2 * field + 1, h, hl, raw,
                                   2 * field) == TEEATTEST_OK;
}

static bool cert_sig_ok(const ta_x509 *parent, const ta_x509 *child)
{
    int32_t pk, hash;
    ta_x509_sig_alg(child, &pk, &hash);
    return sig_ok(parent, pk, hash, ta_x509_tbs(child),
                  ta_x509_signature(child));
}

/* mbedTLS's default profile: RSA keys of 2048 bits or more, EC keys. */
static bool key_ok(const ta_x509 *c)
{
    switch (ta_x509_key_type(c)) {
    case TA_X509_KEY_RSA:
        return ta_x509_key_bits(c) >= 2048;
    case TA_X509_KEY_EC:
        return true;
    default:
        return false;
    }
}

/* ---- path building ------------------------------------------------------- */

typedef struct vstate {
    int64_t at;
    const ta_x509 *const *roots;
    size_t n_roots;
    const ta_x509 *const *chain;
    size_t n_chain;
    const ta_x509_crl *const *crls;
    size_t n_crls;
    /* The context's memo of verified links (memo.h), NULL without one. */
    const teeattest_ctx *memo;
} vstate;

/* ---- the link memo --------------------------------------------------------
 *
 * A link (issuer, subject) whose signature verified on a path that reached
 * a trust anchor is remembered under H(issuer) || H(subject) || H(anchor).
 * A later verification looks the link up under each of its own roots and,
 * when found, does not verify the signature again. Only the signature is
 * taken from the memo: names, CA and key usage, pathLenConstraint, key
 * size, the digest allowed, validity windows and CRLs are judged again on
 * every verification (they are cheap, and the path length depends on the
 * position of the link in the path), so the flags are the same with and
 * without the memo (tests/unit/test_chain_same.c runs its corpus both ways).
 * A signature check is a function of the two certificates' bytes, so a
 * remembered success stays true. */

/* The certificates are named by the SHA-256 of their DER, computed when
 * they were parsed (ta_x509_sha256). */
static void link_key(const ta_x509 *parent, const ta_x509 *child,
                     const ta_x509 *anchor, uint8_t key[TA_MEMO_LINK_KEY])
{
    memcpy(key, ta_x509_sha256(parent), 32);
    memcpy(key + 32, ta_x509_sha256(child), 32);
    memcpy(key + 64, ta_x509_sha256(anchor), 32);
}

/* cert_sig_ok, or true when the memo holds the link under one of the
 * roots. */
static bool link_sig_ok(const vstate *s, const ta_x509 *parent,
                        const ta_x509 *child)
{
    if (!s->memo)
        return cert_sig_ok(parent, child);
    uint8_t key[TA_MEMO_LINK_KEY];
    for (size_t i = 0; i < s->n_roots; i++) {
        link_key(parent, child, s->roots[i], key);
        if (ta_memo_link_known(s->memo, key))
            return true;
    }
    ta_memo_count_link_verify(s->memo);
    return cert_sig_ok(parent, child);
}

typedef struct path_link {
    const ta_x509 *parent, *child;
} path_link;

/* Remember the links of a path that reached `anchor` with no flag but
 * time and revocation ones. */
static void remember_path(const vstate *s, const path_link *links, size_t n,
                          const ta_x509 *anchor, uint32_t f)
{
    const uint32_t timely = TEEATTEST_X509_EXPIRED |
                            TEEATTEST_X509_NOT_YET_VALID |
                            TEEATTEST_X509_REVOKED |
                            TEEATTEST_X509_CRL_EXPIRED |
                            TEEATTEST_X509_CRL_FUTURE;
    if (!s->memo || (f & ~timely))
        return;
    uint8_t key[TA_MEMO_LINK_KEY];
    for (size_t i = 0; i < n; i++) {
        link_key(links[i].parent, links[i].child, anchor, key);
        ta_memo_link_add(s->memo, key);
    }
}

static bool same_der(const ta_x509 *a, const ta_x509 *b)
{
    ta_der x = ta_x509_der(a), y = ta_x509_der(b);
    return x.len == y.len && memcmp(x.p, y.p, x.len) == 0;
}

static bool can_parent(const ta_x509 *child, const ta_x509 *parent, bool top,
                       size_t path_cnt, size_t self_cnt)
{
    if (!names_match(ta_x509_issuer_der(child), ta_x509_subject_der(parent)))
        return false;
    int version, max_pathlen;
    bool is_ca;
    ta_x509_ca_info(parent, &version, &is_ca, &max_pathlen);
    bool need_ca = !(top && version < 3);
    if (need_ca && (!is_ca || !ta_x509_allows_ku(parent,
                                                 TA_X509_KU_KEY_CERT_SIGN)))
        return false;
    /* max_pathlen is pathLenConstraint + 1, 0 without one */
    if (max_pathlen > 0 && (size_t)max_pathlen < 1 + path_cnt - self_cnt)
        return false;
    return true;
}

/* The parent of `child` among `cands` (roots: top), preferring one valid
 * at the verification time. */
static const ta_x509 *find_parent_in(const vstate *s, const ta_x509 *child,
                                     const ta_x509 *const *cands, size_t n,
                                     bool top, size_t path_cnt,
                                     size_t self_cnt, bool *sig_good)
{
    const ta_x509 *fallback = NULL;
    bool fallback_sig = false;
    for (size_t i = 0; i < n; i++) {
        const ta_x509 *p = cands[i];
        if (!can_parent(child, p, top, path_cnt, self_cnt))
            continue;
        bool good = link_sig_ok(s, p, child);
        if (top && !good)
            continue;
        if (!ta_x509_valid_at(p, s->at)) {
            if (!fallback) {
                fallback = p;
                fallback_sig = good;
            }
            continue;
        }
        *sig_good = good;
        return p;
    }
    *sig_good = fallback_sig;
    return fallback;
}

/* The CRL flags for `child` under `parent`. */
static uint32_t check_crls(const vstate *s, const ta_x509 *child,
                           const ta_x509 *parent)
{
    uint32_t f = 0;
    for (size_t i = 0; i < s->n_crls; i++) {
        const ta_x509_crl *crl = s->crls[i];
        if (!names_match(ta_x509_crl_issuer_der(crl),
                         ta_x509_subject_der(parent)))
            continue;
        if (!ta_x509_allows_ku(parent, TA_X509_KU_CRL_SIGN)) {
            f |= TEEATTEST_X509_CRL_BAD;
            break;
        }
        int32_t pk, hash;
        ta_x509_crl_sig_alg(crl, &pk, &hash);
        if (!md_allowed(hash))
            f |= TEEATTEST_X509_BAD_SIGNATURE;
        if (!key_ok(parent))
            f |= TEEATTEST_X509_BAD_SIGNATURE;
        if (!sig_ok(parent, pk, hash, ta_x509_crl_tbs(crl),
                    ta_x509_crl_signature(crl))) {
            f |= TEEATTEST_X509_CRL_BAD;
            break;
        }
        if (ta_x509_crl_lists(crl, ta_x509_serial(child))) {
            f |= TEEATTEST_X509_REVOKED;
            break;
        }
    }
    return f;
}

static void check_time(const vstate *s, const ta_x509 *c, uint32_t *f)
{
    if (s->at < ta_x509_not_before(c))
        *f |= TEEATTEST_X509_NOT_YET_VALID;
    if (s->at > ta_x509_not_after(c))
        *f |= TEEATTEST_X509_EXPIRED;
}

static uint32_t verify_path(const vstate *s)
{
    uint32_t f = 0;
    const ta_x509 *child = s->chain[0];
    bool child_trusted = false;
    size_t len = 0, self_cnt = 0;
    size_t child_idx = 0; /* position of child in s->chain when untrusted */
    path_link links[MAX_PATH + 1]; /* the links with a good signature */
    size_t n_links = 0;
    for (;;) {
        len++;
        check_time(s, child, &f);
        if (child_trusted) {
            remember_path(s, links, n_links, child, f);
            return f;
        }
        int32_t pk, hash;
        ta_x509_sig_alg(child, &pk, &hash);
        if (!md_allowed(hash))
            f |= TEEATTEST_X509_BAD_SIGNATURE;
        /* a self-issued leaf that is one of the roots */
        if (len == 1 && names_match(ta_x509_issuer_der(child),
                                    ta_x509_subject_der(child)))
            for (size_t i = 0; i < s->n_roots; i++)
                if (same_der(child, s->roots[i]))
                    return f;
        bool sig_good = false, parent_trusted = true;
        const ta_x509 *parent =
            find_parent_in(s, child, s->roots, s->n_roots, true, len - 1,
                           self_cnt, &sig_good);
        size_t parent_idx = 0;
        if (!parent) {
            parent_trusted = false;
            parent = find_parent_in(s, child, &s->chain[child_idx + 1],
                                    s->n_chain - child_idx - 1, false,
                                    len - 1, self_cnt, &sig_good);
            if (parent)
                for (size_t i = child_idx + 1; i < s->n_chain; i++)
                    if (s->chain[i] == parent)
                        parent_idx = i;
        }
        if (!parent)
            return f | TEEATTEST_X509_NOT_TRUSTED;
        if (len != 1 && names_match(ta_x509_issuer_der(child),
                                    ta_x509_subject_der(child)))
            self_cnt++;
        if (!parent_trusted && len > MAX_INTERMEDIATE)
            return f | TEEATTEST_X509_NOT_TRUSTED | TEEATTEST_X509_OTHER;
        if (!sig_good)
            f |= TEEATTEST_X509_NOT_TRUSTED;
        else if (n_links < TA_ARRAY_LEN(links))
            links[n_links++] = (path_link){parent, child};
        if (!key_ok(parent))
            f |= TEEATTEST_X509_BAD_SIGNATURE;
        f |= check_crls(s, child, parent);
        child = parent;
        child_trusted = parent_trusted;
        child_idx = parent_idx;
    }
}

static int parse_certs(const teeattest_ctx *ctx, const uint8_t *const *der,
                       const size_t *lens, size_t n, ta_x509 **out,
                       uint32_t *flags)
{
    for (size_t i = 0; i < n; i++) {
        out[i] = NULL;
        if (!der[i]) {
            *flags |= TEEATTEST_X509_BAD_FORMAT;
            continue;
        }
        int rc = ta_x509_parse_der(ctx, &out[i], der[i], lens[i], NULL);
        if (rc == TEEATTEST_E_NOMEM)
            return rc;
        if (rc)
            *flags |= TEEATTEST_X509_BAD_FORMAT;
    }
    return TEEATTEST_OK;
}

int ta_builtin_x509_verify_chain(const teeattest_ctx *ctx, uint32_t *flags_out,
                                 const uint8_t *const *chain,
                                 const size_t *chain_lens, size_t chain_count,
                                 const uint8_t *const *roots,
                                 const size_t *root_lens, size_t root_count,
                                 const uint8_t *const *crls,
                                 const size_t *crl_lens, size_t crl_count,
                                 int64_t at)
{
    *flags_out = 0;
    if (!ctx || !chain_count || !root_count || !chain || !chain_lens ||
        !roots || !root_lens || (crl_count && (!crls || !crl_lens)))
        return TEEATTEST_E_INVALID_ARG;
    size_t total = chain_count + root_count;
    ta_x509 **certs = ta_calloc(ctx, total, sizeof *certs);
    ta_x509_crl **cl = ta_calloc(ctx, crl_count ? crl_count : 1, sizeof *cl);
    uint32_t flags = 0;
    int rc = certs && cl ? TEEATTEST_OK : TEEATTEST_E_NOMEM;
    if (!rc)
        rc = parse_certs(ctx, chain, chain_lens, chain_count, certs, &flags);
    if (!rc)
        rc = parse_certs(ctx, roots, root_lens, root_count,
                         certs + chain_count, &flags);
    for (size_t i = 0; !rc && i < crl_count; i++) {
        /* DER only, exactly one CRL */
        int prc = crls[i] && crl_lens[i] && crls[i][0] == TA_DER_SEQUENCE
                      ? ta_x509_crl_parse(ctx, &cl[i], crls[i], crl_lens[i])
                      : TEEATTEST_E_PARSE;
        if (prc == TEEATTEST_E_NOMEM)
            rc = prc;
        else if (prc)
            flags |= TEEATTEST_X509_BAD_FORMAT;
    }
    if (!rc && !flags) {
        for (size_t i = 0; i < crl_count; i++) {
            if (at < ta_x509_crl_this_update(cl[i]))
                flags |= TEEATTEST_X509_CRL_FUTURE;
            /* nextUpdate is optional in X.509; a CRL without one is
             * treated as never expiring, as RFC 5280 permits. */
            int64_t nu = ta_x509_crl_next_update(cl[i]);
            if (nu && at > nu)
                flags |= TEEATTEST_X509_CRL_EXPIRED;
        }
        vstate s = {at,
                    (const ta_x509 *const *)certs + chain_count, root_count,
                    (const ta_x509 *const *)certs, chain_count,
                    (const ta_x509_crl *const *)cl, crl_count,
                    ta_memo_enabled(ctx) ? ctx : NULL};
        flags |= verify_path(&s);
    }
    for (size_t i = 0; certs && i < total; i++)
        ta_x509_free(certs[i]);
    for (size_t i = 0; cl && i < crl_count; i++)
        ta_x509_crl_free(cl[i]);
    ta_free(ctx, certs);
    ta_free(ctx, cl);
    if (rc)
        return rc;
    *flags_out = flags;
    return flags ? TEEATTEST_E_CERT_CHAIN : TEEATTEST_OK;
}
