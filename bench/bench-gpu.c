/*
 * bench-gpu: NVIDIA GPU evidence verifications per second through the
 * public API (teeattest_gpu_verify(), teeattest/gpu.h), on real payloads,
 * and in the same run the cost of the signature verifications each of
 * them cannot avoid, through the same crypto the library uses:
 *
 *  - local: the 8-GPU NEAR AI payload (remote_neardirect_h100x8), mode
 *    LOCAL, RIM comparison and OCSP skipped by policy, one (empty) inputs
 *    object. Per GPU: 4 links of the device chain (leaf <- BROM <-
 *    provisioner ICA <- GH100 Identity <- pinned Device Identity CA),
 *    each ECDSA P-384/SHA-384 verified inside ta_x509_verify_chain()
 *    (lib/crypto/chain.c: ta_builtin_ecdsa_verify: P-384 through nettle
 *    when built with it, else OpenSSL, else mbedTLS), plus the SPDM
 *    signature (SHA-384 of the report + ECDSA P-384 through
 *    ta_ecdsa_verify(), the same verifier): 32 + 8 = 40 P-384
 *    verifications (lib/gpu/local.c).
 *  - nras: the same payload with its saved NRAS answer and the JWKS in
 *    one inputs object (warm), mode AUTO: the local checks plus the 9
 *    ES384 JWTs of the detached EAT (SHA-384 + ta_ecdsa_verify each) and,
 *    per JWT, the JWKS key's x5c[0] under the pinned NRAS intermediate
 *    (the intermediate's key is RSA, so an RSA verification):
 *    49 P-384 verifications + 9 RSA (lib/gpu/nras.c, jwt.c).
 *  - rim: the single-GPU h100_550.90.07_full payload with its driver and
 *    VBIOS RIMs in one inputs object (parsed once, then warm), mode LOCAL,
 *    OCSP skipped: 4 device links + SPDM signature, and per RIM the
 *    XMLDSig signature (ta_ecdsa_verify on the SignedInfo digest kept at
 *    parse time) and 3 signer-chain links: 10 + 3 = 13 P-384.
 *
 * The "floor" of a figure replays exactly those verifications on the
 * fixture's own bytes: X.509 links the way lib/crypto/chain.c checks them
 * (SHA-384 of the TBS, ta_builtin_ecdsa_verify() with the parent key;
 * RSA links by mbedtls_pk_verify_ext()),
 * the others as the library calls them (ta_hash + ta_ecdsa_verify on the
 * context). `<figure>_ratio` = verification time / floor time (1.0 would
 * mean the library adds nothing around the signatures); the last line,
 * `ratio=`, is the local figure's.
 *
 * Issue 15 adds two situations of nras and rim, each with its own floor
 * in the same run: `first` (a fresh context, inputs object and policy per
 * verification, created and freed in the timed part; nothing remembered)
 * against every signature and each distinct X.509 link once (the links
 * the 8 device chains share counted once), and `repeated` (the figure's
 * own objects, which verified the same evidence before) against the
 * signatures over the nonce only: 8 SPDM + 9 NRAS JWTs for nras, the
 * one SPDM signature for rim (a RIM's signature and chain are the same at
 * every call). `<figure>_<situation>_counted` is what the library really
 * verified in one call (bench/bench-count.h); `memo_bytes` the memory of
 * the context's cache (a hook, see bench.h).
 *
 * Every iteration checks the result: rc OK, gpu[i].spdm.signature,
 * gpu[i].cert_chain and gpu[i].nonce PASS for every GPU, and for nras and
 * rim the verdict verified (the local figure's verdict is not: nothing
 * judges the measurements there, which is expected). A failing path is
 * never measured: exit 1 with the checklist.
 *
 * Usage: bench-gpu [NVIDIA_FIXTURE_DIR] [--goal] [--profile=local|nras|rim:N]
 *        (nras-first, rim-first: a fresh context per verification;
 *        --goal: only the first RIM verification alternating with 11
 *        ECDSA_do_verify() on a key made once, openssl speed's P-384 unit)
 * NVIDIA_FIXTURE_DIR is ../shared/fixtures/nvidia by default (fixed at
 * configure time). Exit status: 0 done; 1 a verification does not succeed
 * or internal error; 2 inputs missing.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "bench.h"
#include "bench-memo.h"
#include "bench-config.h"
#include "bench-count.h"

#include <jansson.h>
#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "teeattest/teeattest.h"
#include "teeattest/gpu.h"

#include "crypto/crypto.h"
#include "crypto/x509.h"
#include "gpu/gpu.h"
#include "gpu/jwt.h"
#include "gpu/rim.h"

#define ROUNDS 5
#define ROUND_NS 1000000000ull
#define WARMUP_NS 500000000ull
#define OP_NS 1000000000ull /* per single-operation figure */

#define NEAR_DIR "remote_neardirect_h100x8"
#define NEAR_NONCE "541b6523f9446dcd170e67ac8171eb9226bee5e3f192de4900b74f0ef293500b"
#define NEAR_AT 1782699000 /* 2026-06-29T02:10:00Z */
#define JWKS_FILE "jwks/nras_jwks_20260629.json"
#define RIM_DIR "h100_550.90.07_full"
#define RIM_NONCE "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb"
#define RIM_AT 1761307200 /* 2025-10-24T12:00:00Z */
#define DRIVER_RIM_ID "NV_GPU_DRIVER_GH100_550.90.07"
#define VBIOS_RIM_ID "NV_GPU_VBIOS_1010_0200_882_96009F0001"

#define MAX_LINKS 64
#define MAX_SIGS 32
#define MAX_CRTS 32

/* ---- the floor: the signature verifications of one verification ------- */

/* One certificate signature, checked the way the library's chain
 * verification (lib/crypto/chain.c) checks it: ECDSA links as the SHA-384
 * of the TBS and ta_builtin_ecdsa_verify() (nettle or OpenSSL when built
 * with them),
 * RSA links (NRAS x5c) by mbedTLS's pk_verify. */
typedef struct link {
    const mbedtls_x509_crt *child, *parent;
    bool rsa;
    bool dup; /* the same (child, parent) as an earlier link of the set */
    uint8_t pub[97];
    uint8_t rs[96];
} link;

/* One ECDSA P-384 verification through the library's dispatch; `data`
 * NULL means the digest is given (RIM: computed at parse time). */
typedef struct sig {
    bool changes; /* signs the nonce (SPDM, NRAS JWT), unlike a RIM's */
    uint8_t pub[97];
    const uint8_t *data;
    size_t len;
    uint8_t digest[48];
    uint8_t rs[96];
} sig;

typedef struct floor_set {
    teeattest_ctx *ctx;
    link links[MAX_LINKS];
    size_t n_links, n_rsa, n_dup, n_dup_rsa;
    sig sigs[MAX_SIGS];
    size_t n_sigs, n_fixed;
} floor_set;

/* Which verifications of a set: all of them (the figures' floor since
 * issue 13); each distinct link once (what a first verification cannot
 * avoid when links are remembered); only the signatures over the nonce
 * (what a repeated verification of the same GPUs cannot avoid). */
enum { FLOOR_ALL, FLOOR_DISTINCT, FLOOR_CHANGING };

static int link_once(const link *l)
{
    const mbedtls_x509_crt *c = l->child;
    if (!l->rsa) {
        uint8_t h[48];
        return ta_builtin_hash(TEEATTEST_HASH_SHA384, h, sizeof h, c->tbs.p,
                               c->tbs.len) != TEEATTEST_OK ||
               ta_builtin_ecdsa_verify(TEEATTEST_CURVE_P384, l->pub, 97, h,
                                       48, l->rs, 96) != TEEATTEST_OK;
    }
    unsigned char hash[MBEDTLS_MD_MAX_SIZE];
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(c->sig_md);
    if (!md || mbedtls_md(md, c->tbs.p, c->tbs.len, hash) != 0)
        return 1;
    return mbedtls_pk_verify_ext(c->sig_pk, c->sig_opts,
                                 (mbedtls_pk_context *)&l->parent->pk,
                                 c->sig_md, hash, mbedtls_md_get_size(md),
                                 c->sig.p, c->sig.len) != 0;
}

static int sig_once(const teeattest_ctx *ctx, const sig *s)
{
    uint8_t d[48];
    const uint8_t *digest = s->digest;
    if (s->data) {
        if (ta_hash(ctx, TEEATTEST_HASH_SHA384, d, sizeof d, s->data,
                    s->len) != TEEATTEST_OK)
            return 1;
        digest = d;
    }
    return ta_ecdsa_verify(ctx, TEEATTEST_CURVE_P384, s->pub, 97, digest, 48,
                           s->rs, 96) != TEEATTEST_OK;
}

static int floor_mode(const floor_set *f, int mode)
{
    for (size_t i = 0; i < f->n_links && mode != FLOOR_CHANGING; i++)
        if ((mode == FLOOR_ALL || !f->links[i].dup) &&
            link_once(&f->links[i]))
            return 1;
    for (size_t i = 0; i < f->n_sigs; i++)
        if ((mode != FLOOR_CHANGING || f->sigs[i].changes) &&
            sig_once(f->ctx, &f->sigs[i]))
            return 1;
    return 0;
}

static int floor_once(void *p)
{
    return floor_mode(p, FLOOR_ALL);
}

static int floor_distinct_once(void *p)
{
    return floor_mode(p, FLOOR_DISTINCT);
}

static int floor_changing_once(void *p)
{
    return floor_mode(p, FLOOR_CHANGING);
}

/* P-384 verifications of a floor mode (RSA links not counted). */
static size_t floor_p384(const floor_set *f, int mode)
{
    switch (mode) {
    case FLOOR_ALL:
        return f->n_links - f->n_rsa + f->n_sigs;
    case FLOOR_DISTINCT:
        return f->n_links - f->n_dup - (f->n_rsa - f->n_dup_rsa) + f->n_sigs;
    default:
        return f->n_sigs - f->n_fixed;
    }
}

static bool same_der(const mbedtls_x509_crt *a, const mbedtls_x509_crt *b)
{
    return a->raw.len == b->raw.len &&
           memcmp(a->raw.p, b->raw.p, a->raw.len) == 0;
}

/* Parsed certificates outlive the floor sets that point into them. */
static mbedtls_x509_crt crts[MAX_CRTS];
static size_t n_crts;

static mbedtls_x509_crt *parse_chain(const uint8_t *const *der,
                                     const size_t *len, size_t n)
{
    if (n_crts == MAX_CRTS) {
        fprintf(stderr, "error: too many certificate chains\n");
        exit(TA_BENCH_EXIT_FAILED);
    }
    mbedtls_x509_crt *c = &crts[n_crts++];
    mbedtls_x509_crt_init(c);
    for (size_t i = 0; i < n; i++)
        if (mbedtls_x509_crt_parse_der(c, der[i], len[i]) != 0) {
            fprintf(stderr, "error: certificate %zu of a chain does not "
                    "parse\n", i);
            exit(TA_BENCH_EXIT_INPUT);
        }
    return c;
}

static void p384_pub(const mbedtls_x509_crt *c, uint8_t pub[97])
{
    size_t olen = 0;
    if (mbedtls_pk_get_type(&c->pk) != MBEDTLS_PK_ECKEY ||
        mbedtls_pk_ec(c->pk)->grp.id != MBEDTLS_ECP_DP_SECP384R1 ||
        mbedtls_ecp_point_write_binary(&mbedtls_pk_ec(c->pk)->grp,
                                       &mbedtls_pk_ec(c->pk)->Q,
                                       MBEDTLS_ECP_PF_UNCOMPRESSED, &olen,
                                       pub, 97) != 0 ||
        olen != 97) {
        fprintf(stderr, "error: a signer key is not EC P-384\n");
        exit(TA_BENCH_EXIT_INPUT);
    }
}

/* Links child i <- parent i+1 for the first n-1 certificates of a chain. */
static void add_links(floor_set *f, const mbedtls_x509_crt *chain)
{
    for (const mbedtls_x509_crt *c = chain; c && c->next; c = c->next) {
        if (f->n_links == MAX_LINKS) {
            fprintf(stderr, "error: too many chain links\n");
            exit(TA_BENCH_EXIT_FAILED);
        }
        link *l = &f->links[f->n_links++];
        l->child = c;
        l->parent = c->next;
        l->rsa = mbedtls_pk_get_type(&c->next->pk) == MBEDTLS_PK_RSA;
        f->n_rsa += l->rsa;
        l->dup = false;
        for (size_t k = 0; k + 1 < f->n_links && !l->dup; k++)
            l->dup = same_der(f->links[k].child, c) &&
                     same_der(f->links[k].parent, c->next);
        f->n_dup += l->dup;
        f->n_dup_rsa += l->dup && l->rsa;
        if (!l->rsa) {
            p384_pub(c->next, l->pub);
            if (c->sig_md != MBEDTLS_MD_SHA384 ||
                ta_ecdsa_sig_der_to_raw(c->sig.p, c->sig.len, 48, l->rs)) {
                fprintf(stderr, "error: a link is not ECDSA P-384/SHA-384\n");
                exit(TA_BENCH_EXIT_INPUT);
            }
        }
    }
}

static sig *new_sig(floor_set *f)
{
    if (f->n_sigs == MAX_SIGS) {
        fprintf(stderr, "error: too many signatures\n");
        exit(TA_BENCH_EXIT_FAILED);
    }
    sig *s = &f->sigs[f->n_sigs++];
    memset(s, 0, sizeof *s);
    s->changes = true;
    return s;
}

/* The device chains and SPDM signatures of every GPU of a payload. SPDM
 * reports are kept (owned by the caller's array) for the signed bytes. */
static size_t add_device(floor_set *f, const uint8_t *payload, size_t len,
                         ta_gpu_spdm *reports, size_t cap)
{
    teeattest_error err = TEEATTEST_ERROR_INIT;
    ta_gpu_payload *pl = NULL;
    if (ta_gpu_payload_parse(f->ctx, payload, len, &pl, &err) ||
        pl->n > cap) {
        fprintf(stderr, "error: GPU payload: %s\n", err.message);
        exit(TA_BENCH_EXIT_INPUT);
    }
    size_t n = pl->n;
    for (size_t i = 0; i < n; i++) {
        const ta_gpu_item *it = &pl->items[i];
        uint8_t *raw = NULL;
        size_t raw_len = 0;
        ta_gpu_certs certs;
        memset(&certs, 0, sizeof certs);
        if (ta_gpu_evidence_decode(f->ctx, it->evidence, it->evidence_len,
                                   &raw, &raw_len, &err) ||
            ta_gpu_spdm_parse(f->ctx, raw, raw_len, &reports[i], &err) ||
            ta_gpu_certs_parse(f->ctx, it->certificate, it->certificate_len,
                               &certs, &err)) {
            fprintf(stderr, "error: GPU %zu evidence: %s\n", i, err.message);
            exit(TA_BENCH_EXIT_INPUT);
        }
        ta_free(f->ctx, raw);
        mbedtls_x509_crt *chain = parse_chain(
            (const uint8_t *const *)certs.der, certs.der_len, certs.n);
        ta_gpu_certs_free(&certs);
        add_links(f, chain);
        sig *s = new_sig(f);
        p384_pub(chain, s->pub);
        s->data = reports[i].raw;
        s->len = reports[i].signed_len;
        memcpy(s->rs, reports[i].signature, 96);
    }
    ta_gpu_payload_free(pl);
    return n;
}

static json_t *nras_doc;

/* The 9 JWTs of the saved NRAS answer: ES384 under the JWKS key named by
 * the token's kid, and that key's x5c[0] under x5c[1]. */
static size_t add_nras(floor_set *f, const uint8_t *answer, size_t len,
                       ta_jwks *jwks)
{
    json_error_t je;
    json_t *doc = json_loadb((const char *)answer, len, 0, &je);
    const char *tokens[MAX_SIGS];
    size_t n = 0;
    json_t *first = json_array_get(doc, 0), *devs = json_array_get(doc, 1);
    if (json_is_string(json_array_get(first, 1)))
        tokens[n++] = json_string_value(json_array_get(first, 1));
    const char *key;
    json_t *v;
    json_object_foreach(devs, key, v)
        if (json_is_string(v) && n < MAX_SIGS)
            tokens[n++] = json_string_value(v);
    if (n < 2) {
        fprintf(stderr, "error: the NRAS answer holds no detached EAT\n");
        exit(TA_BENCH_EXIT_INPUT);
    }
    for (size_t i = 0; i < n; i++) {
        ta_jwt j;
        teeattest_error err = TEEATTEST_ERROR_INIT;
        if (ta_jwt_parse(f->ctx, &j, tokens[i], strlen(tokens[i]), &err)) {
            fprintf(stderr, "error: NRAS token %zu: %s\n", i, err.message);
            exit(TA_BENCH_EXIT_INPUT);
        }
        const ta_jwk *k = ta_jwks_find(jwks, j.kid);
        if (!k || k->n_x5c < 2) {
            fprintf(stderr, "error: NRAS token %zu: kid %s not in the JWKS "
                    "(or without x5c)\n", i, j.kid);
            exit(TA_BENCH_EXIT_INPUT);
        }
        sig *s = new_sig(f);
        memcpy(s->pub, k->pub, 97);
        s->data = (const uint8_t *)tokens[i]; /* lives in doc (kept) */
        s->len = j.signing_len;
        memcpy(s->rs, j.sig, 96);
        ta_jwt_clear(&j);
        add_links(f, parse_chain((const uint8_t *const *)k->x5c, k->x5c_len,
                                 2));
    }
    /* doc is kept: the signing inputs point into it. */
    nras_doc = doc;
    return n;
}

static void add_rim(floor_set *f, const uint8_t *xml, size_t len)
{
    teeattest_error err = TEEATTEST_ERROR_INIT;
    ta_rim *rim = NULL;
    if (ta_rim_parse(f->ctx, xml, len, &rim, &err)) {
        fprintf(stderr, "error: RIM: %s\n", err.message);
        exit(TA_BENCH_EXIT_INPUT);
    }
    mbedtls_x509_crt *chain = parse_chain(
        (const uint8_t *const *)rim->certs, rim->cert_lens, rim->n_certs);
    add_links(f, chain);
    sig *s = new_sig(f);
    p384_pub(chain, s->pub);
    s->changes = false; /* the same for every verification with this RIM */
    f->n_fixed++;
    memcpy(s->digest, rim->signedinfo_digest, 48);
    memcpy(s->rs, rim->signature, 96);
    if (rim->sig_len != 96 || rim->sig_hash_alg != TEEATTEST_HASH_SHA384) {
        fprintf(stderr, "error: RIM signature is not ECDSA P-384/SHA-384\n");
        exit(TA_BENCH_EXIT_INPUT);
    }
    ta_rim_free(rim);
}

/* ---- the verification ----------------------------------------------------- */

/* An input of a figure, kept to build it again on a fresh context. */
typedef struct item {
    int32_t kind;
    const char *id;
    const uint8_t *data;
    size_t len;
} item;

#define MAX_ITEMS 4

typedef struct figure {
    const char *name;
    teeattest_ctx *ctx;
    int64_t at;
    int32_t mode, rim;
    item items[MAX_ITEMS];
    size_t n_items;
    const uint8_t *payload;
    size_t payload_len;
    uint8_t nonce[32];
    teeattest_gpu_inputs *in; /* one object for every iteration (warm) */
    teeattest_policy *pol;
    size_t n_gpus;
    bool want_verified;
    floor_set floor;
} figure;

static const char *const outcome_names[] = {"?", "pass", "fail", "skip",
                                            "warn"};

static void print_checks(const teeattest_result *r)
{
    for (size_t i = 0; i < teeattest_result_check_count(r); i++) {
        const char *name, *detail;
        int32_t outcome, required;
        teeattest_result_check(r, i, &name, &outcome, &detail, &required, NULL);
        fprintf(stderr, "  %-34s %s%s: %s\n", name,
                outcome >= 1 && outcome <= 4 ? outcome_names[outcome] : "?",
                required ? "" : " (not required)", detail);
    }
}

/* 0 when the result is the one the figure must measure; else the name of
 * the first check that is not as required. */
static const char *result_wrong(const figure *f, const teeattest_result *r,
                                char *buf, size_t cap)
{
    static const char *const must_pass[] = {"spdm.signature", "cert_chain",
                                            "nonce"};
    for (size_t i = 0; i < f->n_gpus; i++)
        for (size_t k = 0; k < TA_ARRAY_LEN(must_pass); k++) {
            int32_t outcome = 0;
            snprintf(buf, cap, "gpu[%zu].%s", i, must_pass[k]);
            if (teeattest_result_find_check(r, buf, &outcome, NULL, NULL) !=
                    TEEATTEST_OK ||
                outcome != TEEATTEST_OUTCOME_PASS)
                return buf;
        }
    if (f->want_verified &&
        teeattest_result_verdict(r) != TEEATTEST_VERDICT_VERIFIED) {
        snprintf(buf, cap, "verdict");
        return buf;
    }
    return NULL;
}

static int verify_with(const figure *f, teeattest_ctx *ctx,
                       teeattest_gpu_inputs *in, const teeattest_policy *pol)
{
    teeattest_result *r = NULL;
    char buf[48];
    int rc = teeattest_gpu_verify(ctx, &r, f->payload, f->payload_len,
                                  f->nonce, sizeof f->nonce, in, pol, NULL);
    if (!rc && result_wrong(f, r, buf, sizeof buf))
        rc = -1;
    teeattest_result_free(r);
    return rc;
}

/* The repeated figure: the figure's context, inputs object and policy. */
static int verify_once(void *p)
{
    const figure *f = p;
    return verify_with(f, f->ctx, f->in, f->pol);
}

/* The figure's inputs object and policy on `ctx`. */
static int make_objects(const figure *f, teeattest_ctx *ctx,
                        teeattest_gpu_inputs **in, teeattest_policy **pol,
                        teeattest_error *err)
{
    int rc = teeattest_gpu_inputs_new(ctx, in, err);
    for (size_t i = 0; i < f->n_items && !rc; i++)
        rc = teeattest_gpu_inputs_add(*in, f->items[i].kind, f->items[i].id,
                                      f->items[i].data, f->items[i].len, err);
    if (!rc)
        rc = teeattest_policy_new(ctx, pol, err);
    if (!rc)
        rc = teeattest_policy_set_time(*pol, f->at, err);
    if (!rc)
        rc = teeattest_policy_set_gpu_mode(*pol, f->mode, err);
    if (!rc)
        rc = teeattest_policy_set_gpu_rim(*pol, f->rim, err);
    if (!rc)
        rc = teeattest_policy_set_gpu_ocsp(*pol, TEEATTEST_GPU_SKIP, err);
    return rc;
}

/* The first figure: nothing remembered. A context, inputs object and
 * policy of its own, created and freed with the verification. */
static int verify_first_once(void *p)
{
    const figure *f = p;
    teeattest_ctx *ctx = NULL;
    teeattest_gpu_inputs *in = NULL;
    teeattest_policy *pol = NULL;
    int rc = teeattest_ctx_new(&ctx, NULL, NULL);
    if (!rc)
        rc = make_objects(f, ctx, &in, &pol, NULL);
    if (!rc)
        rc = verify_with(f, ctx, in, pol);
    teeattest_policy_free(pol);
    teeattest_gpu_inputs_free(in);
    teeattest_ctx_free(ctx);
    return rc;
}

/* One verification with diagnostics; exits 1 unless it is as required. */
static void check_once(const figure *f, bool verbose)
{
    teeattest_error err = TEEATTEST_ERROR_INIT;
    teeattest_result *r = NULL;
    int rc = teeattest_gpu_verify(f->ctx, &r, f->payload, f->payload_len,
                                  f->nonce, sizeof f->nonce, f->in, f->pol,
                                  &err);
    if (rc) {
        fprintf(stderr, "error: %s: teeattest_gpu_verify: %s (%s)\n", f->name,
                teeattest_status_name(rc), err.message);
        exit(TA_BENCH_EXIT_FAILED);
    }
    char buf[48];
    const char *bad = result_wrong(f, r, buf, sizeof buf);
    if (bad || verbose) {
        if (bad)
            fprintf(stderr, "error: %s: %s is not as required (pass / "
                    "verified); a benchmark of a failing path is "
                    "meaningless. Checks:\n", f->name, bad);
        else
            fprintf(stderr, "%s: verdict %s, checks:\n", f->name,
                    teeattest_result_verdict(r) == TEEATTEST_VERDICT_VERIFIED
                        ? "verified" : "failed");
        print_checks(r);
        if (bad)
            exit(TA_BENCH_EXIT_FAILED);
    }
    teeattest_result_free(r);
}

static void setup_figure(figure *f, const char *name, teeattest_ctx *ctx,
                         const uint8_t *payload, size_t len,
                         const char *nonce_hex, int64_t at, int32_t mode,
                         int32_t rim, bool want_verified)
{
    memset(f, 0, sizeof *f);
    f->name = name;
    f->ctx = ctx;
    f->floor.ctx = ctx;
    f->payload = payload;
    f->payload_len = len;
    f->want_verified = want_verified;
    f->at = at;
    f->mode = mode;
    f->rim = rim;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    if (ta_hex_decode_exact(f->nonce, sizeof f->nonce, nonce_hex,
                            strlen(nonce_hex), false) != 0 ||
        make_objects(f, ctx, &f->in, &f->pol, &err)) {
        fprintf(stderr, "error: %s: setup: %s\n", name, err.message);
        exit(TA_BENCH_EXIT_FAILED);
    }
}

static void add_input(figure *f, int32_t kind, const char *id,
                      const uint8_t *data, size_t len)
{
    teeattest_error err = TEEATTEST_ERROR_INIT;
    int rc = f->n_items < MAX_ITEMS
                 ? teeattest_gpu_inputs_add(f->in, kind, id, data, len, &err)
                 : TEEATTEST_E_INVALID_ARG;
    if (!rc)
        f->items[f->n_items++] = (item){kind, id, data, len};
    if (rc) {
        fprintf(stderr, "error: %s: teeattest_gpu_inputs_add(kind %d): %s "
                "(%s)\n", f->name, (int)kind, teeattest_status_name(rc),
                err.message);
        exit(TA_BENCH_EXIT_FAILED);
    }
}

/* ---- measurement ------------------------------------------------------------ */


typedef ta_bench_pair pair_rates;

static pair_rates alternate(const char *what, ta_bench_fn ver_fn,
                            void *ver_arg, ta_bench_fn floor_fn,
                            void *floor_arg)
{
    return ta_bench_alternate(what, ver_fn, ver_arg, floor_fn, floor_arg,
                              ROUNDS, ROUND_NS, WARMUP_NS);
}

/* Prints the figure's lines and returns its median ratio. */
static double run_figure(figure *f, double p384_dispatch_rate)
{
    pair_rates pr = alternate(f->name, verify_once, f, floor_once, &f->floor);
    double vb = pr.ver, fb = pr.flo;
    size_t p384 = f->floor.n_links - f->floor.n_rsa + f->floor.n_sigs;
    printf("%s_gpus=%zu\n", f->name, f->n_gpus);
    printf("%s_per_sec=%.2f (%.2f ms)\n", f->name, vb, 1e3 / vb);
    printf("%s_per_gpu_per_sec=%.1f\n", f->name, vb * (double)f->n_gpus);
    printf("%s_floor=%zu P-384 (%zu X.509 links as lib/crypto/chain.c, %zu through "
           "ta_ecdsa_verify) + %zu RSA X.509 links\n", f->name, p384,
           f->floor.n_links - f->floor.n_rsa, f->floor.n_sigs,
           f->floor.n_rsa);
    printf("%s_floor_per_sec=%.2f (%.2f ms)\n", f->name, fb, 1e3 / fb);
    printf("%s_overhead_ms=%.3f\n", f->name, 1e3 / vb - 1e3 / fb);
    /* Against N P-384 verifications through ta_ecdsa_verify() (OpenSSL
     * when built with it): what the figure would be if the X.509 links
     * went through the same verifier (RSA links not counted). */
    printf("%s_vs_n_p384_dispatch=%.2f (N=%zu x %.1f us)\n", f->name,
           (1e6 / vb) / ((double)p384 * 1e6 / p384_dispatch_rate), p384,
           1e6 / p384_dispatch_rate);
    printf("%s_ratio=%.3f\n", f->name, pr.ratio);
    return pr.ratio;
}

/* One of the issue-15 figures of f: `first` (verify_first_once against
 * each distinct link once and every signature) or `repeated` (the
 * figure's warm objects against the signatures over the nonce). */
static void print_situation(const figure *f, const char *sit, pair_rates pr,
                            int mode, const ta_bench_counts *counted,
                            double p384_dispatch_rate)
{
    const floor_set *fs = &f->floor;
    size_t p384 = floor_p384(fs, mode);
    size_t links = mode == FLOOR_CHANGING ? 0 : fs->n_links - fs->n_dup;
    size_t rsa = mode == FLOOR_CHANGING ? 0 : fs->n_rsa - fs->n_dup_rsa;
    size_t sigs = mode == FLOOR_CHANGING ? fs->n_sigs - fs->n_fixed
                                         : fs->n_sigs;
    printf("%s_%s_ms=%.2f (%.2f per sec)\n", f->name, sit, 1e3 / pr.ver,
           pr.ver);
    printf("%s_%s_floor=%zu P-384 (%zu distinct X.509 links, %zu signatures"
           ") + %zu RSA X.509 links, %.2f ms\n", f->name, sit, p384,
           links - rsa, sigs, rsa, 1e3 / pr.flo);
    printf("%s_%s_counted=%lu P-384 + %lu RSA (verified by the library in "
           "one call)\n", f->name, sit, counted->p384, counted->rsa);
    printf("%s_%s_vs_n_p384_dispatch=%.2f (N=%zu x %.1f us)\n", f->name, sit,
           (1e6 / pr.ver) / ((double)p384 * 1e6 / p384_dispatch_rate), p384,
           1e6 / p384_dispatch_rate);
    printf("%s_%s_ratio=%.3f\n", f->name, sit, pr.ratio);
}

/* first: a fresh context, inputs object and policy per verification;
 * repeated: one context with the in-memory memo (the default), and an
 * inputs object and policy on it, which have verified the same evidence
 * before. (The figure's own context, used by the rows above, has the memo
 * off.) */
static double run_first_repeated(const figure *f0, double p384_dispatch_rate)
{
    static figure fr;
    figure *f = &fr;
    fr = *f0;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    if (teeattest_ctx_new(&fr.ctx, NULL, &err) ||
        make_objects(&fr, fr.ctx, &fr.in, &fr.pol, &err)) {
        fprintf(stderr, "error: %s: setup: %s\n", f0->name, err.message);
        exit(TA_BENCH_EXIT_FAILED);
    }
    char what[64];
    ta_bench_counts c_first, c_rep;
    if (ta_bench_count(verify_first_once, f, &c_first) || verify_once(f) ||
        ta_bench_count(verify_once, f, &c_rep)) {
        fprintf(stderr, "error: %s: a verification failed\n", f->name);
        exit(TA_BENCH_EXIT_FAILED);
    }
    snprintf(what, sizeof what, "%s first", f->name);
    pair_rates first = alternate(what, verify_first_once, f,
                                 floor_distinct_once, &f->floor);
    snprintf(what, sizeof what, "%s repeated", f->name);
    pair_rates rep = alternate(what, verify_once, f, floor_changing_once,
                               &f->floor);
    print_situation(f, "first", first, FLOOR_DISTINCT, &c_first,
                    p384_dispatch_rate);
    print_situation(f, "repeated", rep, FLOOR_CHANGING, &c_rep,
                    p384_dispatch_rate);
    char prefix[64];
    snprintf(prefix, sizeof prefix, "%s_repeated_", f->name);
    ta_bench_print_memo(prefix, fr.ctx);
    teeattest_gpu_inputs_free(fr.in);
    teeattest_policy_free(fr.pol);
    teeattest_ctx_free(fr.ctx);
    return 1e3 / first.ver;
}

/* Best of ROUNDS rounds of ta_bench_cpu_rate(). */
static double cpu_rate_best(const char *what, ta_bench_fn fn, void *p)
{
    double v[ROUNDS];
    for (int r = 0; r < ROUNDS; r++)
        v[r] = ta_bench_cpu_rate(what, fn, p, OP_NS / ROUNDS);
    return ta_bench_best(v, ROUNDS);
}

/* One P-384 verification of each kind, from the local floor. */
typedef struct one_arg {
    const floor_set *f;
} one_arg;

static int one_link(void *p)
{
    const one_arg *a = p;
    return link_once(&a->f->links[0]);
}

static int one_sig(void *p)
{
    const one_arg *a = p;
    return sig_once(a->f->ctx, &a->f->sigs[0]);
}

static int one_mbedtls_sig(void *p)
{
    const one_arg *a = p;
    const sig *s = &a->f->sigs[0];
    uint8_t d[48];
    if (ta_hash(a->f->ctx, TEEATTEST_HASH_SHA384, d, sizeof d, s->data,
                s->len))
        return 1;
    return ta_mbedtls_ecdsa_verify(TEEATTEST_CURVE_P384, s->pub, 97, d, 48,
                                   s->rs, 96) != TEEATTEST_OK;
}

#ifdef TA_HAVE_OPENSSL
/* The unit of issue 15's goals: one P-384 verification as `openssl speed
 * ecdsap384` measures it, ECDSA_do_verify() on a key made once (here the
 * parent key of the local figure's first link, on that link's digest and
 * signature). */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/obj_mac.h>

typedef struct stock_arg {
    EC_KEY *key;
    ECDSA_SIG *sig;
    uint8_t digest[48];
} stock_arg;

static int one_stock(void *p)
{
    const stock_arg *a = p;
    return ECDSA_do_verify(a->digest, 48, a->sig, a->key) != 1;
}

static bool stock_init(stock_arg *a, const link *l)
{
    EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_secp384r1);
    EC_POINT *pt = g ? EC_POINT_new(g) : NULL;
    a->key = EC_KEY_new();
    a->sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(l->rs, 48, NULL), *s = BN_bin2bn(l->rs + 48, 48,
                                                            NULL);
    bool ok = pt && a->key && a->sig && r && s &&
              EC_KEY_set_group(a->key, g) &&
              EC_POINT_oct2point(g, pt, l->pub, 97, NULL) &&
              EC_KEY_set_public_key(a->key, pt) &&
              ECDSA_SIG_set0(a->sig, r, s) &&
              ta_builtin_hash(TEEATTEST_HASH_SHA384, a->digest, 48,
                              l->child->tbs.p, l->child->tbs.len) == 0;
    if (!ok) {
        BN_free(r);
        BN_free(s);
    }
    EC_POINT_free(pt);
    EC_GROUP_free(g);
    return ok && one_stock(a) == 0;
}

static void stock_free(stock_arg *a)
{
    EC_KEY_free(a->key);
    ECDSA_SIG_free(a->sig);
}

/* Eleven of them: the first RIM verification's floor in the goal's unit. */
static int stock_11(void *p)
{
    for (int i = 0; i < 11; i++)
        if (one_stock(p))
            return 1;
    return 0;
}

/* --goal: the first RIM verification alternating with 11 such
 * verifications, so that the load of other processes weighs on both:
 * ratio x 11 is the figure in the goal's unit (<= 12.3). */
static void run_goal(figure *rim)
{
    stock_arg st;
    if (!stock_init(&st, &rim->floor.links[0])) {
        fprintf(stderr, "error: OpenSSL ECDSA_do_verify setup\n");
        exit(TA_BENCH_EXIT_FAILED);
    }
    ta_bench_pair g = alternate("rim first vs stock", verify_first_once, rim,
                                stock_11, &st);
    stock_free(&st);
    printf("nettle=%s\n", ta_nettle_available() ? "yes" : "no");
    printf("rim_first_ms=%.2f\np384_openssl_stock_us=%.1f\n", 1e3 / g.ver,
           1e6 / (11.0 * g.flo));
    printf("rim_first_vs_stock_p384_alternating=%.2f (median ratio x 11; "
           "the goal is <= 12.3)\n", 11.0 * g.ratio);
}
#endif

/* The timed part: single operations, then the three figures. */
static void run_all(const char *dir, figure *const *figs, size_t near_len,
                    size_t nras_len, size_t n_jwt, size_t n_keys,
                    size_t one_len)
{
    printf("fixtures=%s\n", dir);
    printf("libteeattest=%s\n", teeattest_version_string());
    printf("openssl=%s\n", ta_openssl_available() ? "yes" : "no");
    printf("nettle=%s (P-384 verifications through nettle when yes)\n",
           ta_nettle_available() ? "yes" : "no");
    printf("local: %s/nvidia_payload.json (%zu bytes), verify_at=%d, mode "
           "local, RIM and OCSP skipped\n", NEAR_DIR, near_len, NEAR_AT);
    printf("nras: + nras_response.json (%zu bytes, %zu JWTs) and %s (%zu "
           "keys), mode auto, OCSP skipped\n", nras_len, n_jwt, JWKS_FILE,
           n_keys);
    printf("rim: %s/nvidia_payload.json (%zu bytes) + driver_rim.xml, "
           "vbios_rim.xml, verify_at=%d, mode local, OCSP skipped\n",
           RIM_DIR, one_len, RIM_AT);

    one_arg oa = {&figs[0]->floor};
    double stock_us = 0;
    ta_bench_measure("warm-up", one_link, &oa, WARMUP_NS / 5, 1);
    /* The SPDM signature and the link alternate one call at a time, as
     * the figures do: measured one after the other, the second figure
     * carried whatever the machine did meanwhile (0.672 ms against 0.475
     * ms on a quiet machine for the same work plus 3 KiB more hashed). */
    ta_bench_pair one = ta_bench_alternate("P-384 verify and link", one_sig,
                                           &oa, one_link, &oa, ROUNDS,
                                           OP_NS / ROUNDS, WARMUP_NS / 5);
    double link_rate = one.flo, sig_rate = one.ver;
    double mbed_rate = cpu_rate_best("P-384 verify (mbedTLS)",
                                     one_mbedtls_sig, &oa);
    printf("p384_x509_link_per_sec=%.0f (%.1f us; SHA-384 of the TBS + "
           "ta_builtin_ecdsa_verify, as lib/crypto/chain.c)\n", link_rate,
           1e6 / link_rate);
    printf("p384_verify_per_sec=%.0f (%.1f us; SHA-384 of the SPDM report "
           "+ ta_ecdsa_verify)\n", sig_rate, 1e6 / sig_rate);
    printf("p384_verify_vs_link=%.3f (median of the rounds' time ratio, "
           "alternating)\n", one.ratio);
#ifdef TA_HAVE_OPENSSL
    stock_arg st;
    if (!stock_init(&st, &oa.f->links[0])) {
        fprintf(stderr, "error: OpenSSL ECDSA_do_verify setup\n");
        exit(TA_BENCH_EXIT_FAILED);
    }
    ta_bench_pair stock = ta_bench_alternate("P-384 OpenSSL stock", one_stock,
                                             &st, one_link, &oa, ROUNDS,
                                             OP_NS / ROUNDS, WARMUP_NS / 5);
    stock_free(&st);
    stock_us = 1e6 / stock.ver;
    printf("p384_openssl_stock_per_sec=%.0f (%.1f us; ECDSA_do_verify on a "
           "key made once, as openssl speed; link/stock %.3f)\n", stock.ver,
           stock_us, 1.0 / stock.ratio);
#endif
    printf("p384_verify_mbedtls_per_sec=%.0f (%.1f us; the same through "
           "ta_mbedtls_ecdsa_verify)\n", mbed_rate, 1e6 / mbed_rate);

    printf("rounds=%d (thread CPU time, verification and floor alternating; "
           "best round for rates, median ratio)\n", ROUNDS);
    double r_local = run_figure(figs[0], sig_rate);
    run_figure(figs[1], sig_rate);
    run_figure(figs[2], sig_rate);
    /* Issue 15: the same figures on a fresh context per verification and
     * repeated on one that has verified them before. */
    double ctx_rate = ta_bench_measure("context", ta_bench_ctx_once, NULL,
                                       WARMUP_NS / 5, 16);
    printf("ctx_new_free_us=%.1f (part of every first verification)\n",
           1e6 / ctx_rate);
    run_first_repeated(figs[1], sig_rate);
    double rim_first_ms = run_first_repeated(figs[2], sig_rate);
    if (stock_us > 0)
        printf("rim_first_vs_stock_p384=%.2f (rim_first_ms / "
               "p384_openssl_stock; the goal is <= 12.3)\n",
               rim_first_ms * 1e3 / stock_us);
    printf("ratio=%.3f\n", r_local);
}

int main(int argc, char **argv)
{
    const char *dir = TA_BENCH_GPU_FIXTURE_DIR;
    const char *profile = NULL;
    bool verbose = false, goal = false;
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "--profile=", 10) == 0)
            profile = argv[i] + 10;
        else if (strcmp(argv[i], "--checks") == 0)
            verbose = true;
        else if (strcmp(argv[i], "--goal") == 0)
            goal = true;
        else if (argv[i][0] == '-') {
            printf("usage: %s [NVIDIA_FIXTURE_DIR] [--checks] [--goal] "
                   "[--profile=local|nras|rim:N]\n"
                   "default NVIDIA_FIXTURE_DIR: %s\n", argv[0],
                   TA_BENCH_GPU_FIXTURE_DIR);
            return strcmp(argv[i], "--help") ? TA_BENCH_EXIT_INPUT : 0;
        } else
            dir = argv[i];
    }
    char near_dir[4096], rim_dir[4096];
    snprintf(near_dir, sizeof near_dir, "%s/%s", dir, NEAR_DIR);
    snprintf(rim_dir, sizeof rim_dir, "%s/%s", dir, RIM_DIR);
    size_t near_len, nras_len, jwks_len, one_len, drv_len, vbios_len;
    uint8_t *near = ta_bench_read_file(near_dir, "nvidia_payload.json",
                                       &near_len);
    uint8_t *nras = ta_bench_read_file(near_dir, "nras_response.json",
                                       &nras_len);
    uint8_t *jwks_doc = ta_bench_read_file(dir, JWKS_FILE, &jwks_len);
    uint8_t *one = ta_bench_read_file(rim_dir, "nvidia_payload.json",
                                      &one_len);
    uint8_t *drv = ta_bench_read_file(rim_dir, "driver_rim.xml", &drv_len);
    uint8_t *vbios = ta_bench_read_file(rim_dir, "vbios_rim.xml", &vbios_len);

    /* The rows local, nras and rim verify everything at every call, as
     * before issue 15 (their floors count every link): the memo is off.
     * run_first_repeated() measures with it. */
    teeattest_ctx *ctx = NULL;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    teeattest_ctx_options opts = TEEATTEST_CTX_OPTIONS_INIT;
    opts.memo_entries = TEEATTEST_MEMO_OFF;
    if (teeattest_ctx_new(&ctx, &opts, &err)) {
        fprintf(stderr, "error: teeattest_ctx_new: %s\n", err.message);
        return TA_BENCH_EXIT_FAILED;
    }

    static figure local, remote, rim;
    static ta_gpu_spdm near_reports[TA_GPU_MAX_GPUS], one_report[1];

    setup_figure(&local, "local", ctx, near, near_len, NEAR_NONCE, NEAR_AT,
                 TEEATTEST_GPU_MODE_LOCAL, TEEATTEST_GPU_SKIP, false);
    local.n_gpus = add_device(&local.floor, near, near_len, near_reports,
                              TA_GPU_MAX_GPUS);

    setup_figure(&remote, "nras", ctx, near, near_len, NEAR_NONCE, NEAR_AT,
                 TEEATTEST_GPU_MODE_AUTO, TEEATTEST_GPU_DEFAULT, true);
    add_input(&remote, TEEATTEST_GPU_ITEM_NRAS_RESPONSE, NULL, nras,
              nras_len);
    add_input(&remote, TEEATTEST_GPU_ITEM_JWKS, NULL, jwks_doc, jwks_len);
    remote.n_gpus = local.n_gpus;
    remote.floor = local.floor;
    ta_jwks jwks;
    ta_jwks_init(&jwks, ctx);
    if (ta_jwks_add_json(&jwks, jwks_doc, jwks_len, NEAR_AT, &err)) {
        fprintf(stderr, "error: JWKS: %s\n", err.message);
        return TA_BENCH_EXIT_INPUT;
    }
    size_t n_jwt = add_nras(&remote.floor, nras, nras_len, &jwks);

    setup_figure(&rim, "rim", ctx, one, one_len, RIM_NONCE, RIM_AT,
                 TEEATTEST_GPU_MODE_LOCAL, TEEATTEST_GPU_DEFAULT, true);
    add_input(&rim, TEEATTEST_GPU_ITEM_RIM, DRIVER_RIM_ID, drv, drv_len);
    add_input(&rim, TEEATTEST_GPU_ITEM_RIM, VBIOS_RIM_ID, vbios, vbios_len);
    rim.n_gpus = add_device(&rim.floor, one, one_len, one_report, 1);
    add_rim(&rim.floor, drv, drv_len);
    add_rim(&rim.floor, vbios, vbios_len);

    /* Correctness first: every measured path must be the required one. */
    figure *figs[3] = {&local, &remote, &rim};
    for (int i = 0; i < 3; i++) {
        check_once(figs[i], verbose);
        if (floor_once(&figs[i]->floor)) {
            fprintf(stderr, "error: %s: a signature of the floor does not "
                    "verify\n", figs[i]->name);
            return TA_BENCH_EXIT_FAILED;
        }
    }

    if (goal) {
#ifdef TA_HAVE_OPENSSL
        run_goal(&rim);
#else
        fprintf(stderr, "error: --goal needs a build with OpenSSL\n");
        return TA_BENCH_EXIT_INPUT;
#endif
    } else if (profile) {
        const char *colon = strchr(profile, ':');
        long n = colon ? strtol(colon + 1, NULL, 10) : 0;
        size_t plen = colon ? (size_t)(colon - profile) : strlen(profile);
        /* NAME-first: a fresh context per verification (the first figure) */
        bool first = plen > 6 && strncmp(profile + plen - 6, "-first", 6) == 0;
        if (first)
            plen -= 6;
        figure *f = NULL;
        for (int i = 0; i < 3; i++)
            if (strlen(figs[i]->name) == plen &&
                strncmp(profile, figs[i]->name, plen) == 0)
                f = figs[i];
        if (!f || n <= 0) {
            fprintf(stderr, "error: bad --profile=%s\n", profile);
            return TA_BENCH_EXIT_INPUT;
        }
        for (long i = 0; i < n; i++)
            if (first ? verify_first_once(f) : verify_once(f))
                return TA_BENCH_EXIT_FAILED;
        printf("profile_iterations=%ld (%s%s)\n", n, f->name,
               first ? ", first" : "");
    } else {
        run_all(dir, figs, near_len, nras_len, n_jwt, jwks.n, one_len);
    }


    for (int i = 0; i < 3; i++) {
        teeattest_gpu_inputs_free(figs[i]->in);
        teeattest_policy_free(figs[i]->pol);
    }
    for (size_t i = 0; i < TA_GPU_MAX_GPUS; i++)
        ta_gpu_spdm_free(&near_reports[i]);
    ta_gpu_spdm_free(&one_report[0]);
    for (size_t i = 0; i < n_crts; i++)
        mbedtls_x509_crt_free(&crts[i]);
    ta_jwks_clear(&jwks);
    json_decref(nras_doc);
    teeattest_ctx_free(ctx);
    free(near);
    free(nras);
    free(jwks_doc);
    free(one);
    free(drv);
    free(vbios);
    return 0;
}
