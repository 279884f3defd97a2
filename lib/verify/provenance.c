/*
 * Image provenance (docs/provenance.md, checks provenance.* in
 * docs/checks.md): for each image a verified app_compose names, a Sigstore
 * bundle (supplied, or fetched from the image's registry) whose in-toto
 * subject is the image's digest, verified by lib/sigstore against the
 * policy's trusted root and signed by the identity the policy names.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "../crypto/crypto.h"
#include "../crypto/der.h"
#include "../crypto/x509.h"
#include "../providers/providers.h"
#include "../sigstore/sigstore.h"
#include "../transport/transport.h"
#include "teeattest/sigstore.h"
#include "pipeline.h"
#include "provenance.h"
#include "verify.h"

#define PASS TEEATTEST_OUTCOME_PASS
#define FAIL TEEATTEST_OUTCOME_FAIL
#define SKIP TEEATTEST_OUTCOME_SKIP
#define WARN TEEATTEST_OUTCOME_WARN

#define FETCH_PER_IMAGE 8
#define OCI_DOC_MAX (256u << 10)

typedef struct pctx {
    teeattest_ctx *ctx;
    teeattest_result *r;
    const teeattest_policy *pol;
    teeattest_evidence *ev;
    bool req;
    int64_t now;
    size_t n_supplied;         /* bundles held before any fetch */
    ta_ss_root *root;          /* NULL: none or did not parse */
    char root_why[280];
} pctx;

/* A failed step: FAIL when provenance is required, else WARN. */
#define BAD(p, name, ...)                                                  \
    ta_result_check((p)->r, (name), (p)->req ? FAIL : WARN, (p)->req,       \
                    __VA_ARGS__)

/* ---- registry ------------------------------------------------------------ */

static int get(pctx *p, const char *url, const char *accept,
               teeattest_http_response *resp)
{
    ta_request_opts o;
    ta_service_opts(&o, 1, TA_EVIDENCE_BUNDLE_MAX);
    teeattest_error e = TEEATTEST_ERROR_INIT;
    ta_http_response_init(resp, p->ctx, TA_EVIDENCE_BUNDLE_MAX, NULL, NULL);
    int rc = ta_service_request(p->ctx, "GET", url, NULL, accept, NULL, NULL,
                                0, &o, resp, &e);
    if (!rc && resp->status != 200)
        rc = TEEATTEST_E_NOT_FOUND;
    return rc;
}

static bool oci_digest(const char *d, char hex[65])
{
    if (!d || strlen(d) != 71 || strncmp(d, "sha256:", 7))
        return false;
    for (size_t i = 7; i < 71; i++)
        if (!((d[i] >= '0' && d[i] <= '9') || (d[i] >= 'a' && d[i] <= 'f')))
            return false;
    memcpy(hex, d + 7, 65);
    return true;
}

static bool is_bundle_type(const char *t)
{
    return t && !strncmp(t, "application/vnd.dev.sigstore.bundle", 35);
}

static bool listed(const size_t *list, size_t n, size_t v)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] == v)
            return true;
    return false;
}

/* The evidence's index of fetched bundle bytes: the one held already (an
 * earlier verification of this evidence, another image, a layer named
 * twice), else a copy appended; an error when it cannot be (list full,
 * empty body, out of memory). */
static int hold(pctx *p, const uint8_t *d, size_t len, size_t *at)
{
    if (ta_evidence_sigstore_held(p->ev, d, len, p->ev->n_sigstore_bundles,
                                  at))
        return TEEATTEST_OK;
    int rc = teeattest_evidence_add_sigstore_bundle(p->ev, d, len, NULL);
    if (!rc)
        *at = p->ev->n_sigstore_bundles - 1;
    return rc;
}

/* The Sigstore bundle layers of one manifest, fetched by digest (checked:
 * content addressing) and added to the evidence; their indices go to
 * got[]. At most 2 * FETCH_PER_IMAGE blobs are asked for: layers that do
 * not match their digest or repeat a bundle held add nothing to got[],
 * and must not make a registry's manifest a list of downloads. */
static int take_manifest(pctx *p, const char *base, const char *repo,
                         const char *ref, size_t *got, size_t *n_got,
                         size_t *n_other)
{
    char url[1024];
    snprintf(url, sizeof url, "%s/v2/%s/manifests/%s", base, repo, ref);
    teeattest_http_response resp;
    int rc = get(p, url, "application/vnd.oci.image.manifest.v1+json", &resp);
    json_t *m = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    if (!rc && ta_json_parse(&m, resp.body.data, resp.body.len, OCI_DOC_MAX,
                             &e))
        m = NULL;
    ta_http_response_clear(&resp);
    json_t *layers = json_object_get(m, "layers"), *l;
    size_t i, asked = 0;
    json_array_foreach(layers, i, l) {
        char hex[65];
        const char *mt = json_string_value(json_object_get(l, "mediaType"));
        if (*n_got == FETCH_PER_IMAGE || asked == 2 * FETCH_PER_IMAGE)
            break;
        if (!is_bundle_type(mt) ||
            !oci_digest(json_string_value(json_object_get(l, "digest")), hex)) {
            (*n_other)++;
            continue;
        }
        asked++;
        snprintf(url, sizeof url, "%s/v2/%s/blobs/sha256:%s", base, repo, hex);
        if (get(p, url, "*/*", &resp)) {
            ta_http_response_clear(&resp);
            continue;
        }
        uint8_t want[32], have[32];
        (void)ta_hex_decode_exact(want, 32, hex, 64, NULL);
        (void)ta_sha256(p->ctx, have, resp.body.data, resp.body.len);
        if (ta_ct_equal(want, have, 32)) {
            size_t at;
            rc = hold(p, resp.body.data, resp.body.len, &at);
            if (rc == TEEATTEST_E_NOMEM) {
                ta_http_response_clear(&resp);
                json_decref(m);
                return rc;
            }
            if (!rc && !listed(got, *n_got, at))
                got[(*n_got)++] = at;
        }
        ta_http_response_clear(&resp);
    }
    json_decref(m);
    return TEEATTEST_OK;
}

/* Fetch the image's bundles: OCI referrers, then the cosign tags. */
static int fetch(pctx *p, const ta_prov_image *img, size_t *got,
                 size_t *n_got, char *where, size_t cap)
{
    char base[300], repo[TA_PROV_NAME_MAX], url[1024];
    *n_got = 0;
    for (const char *c = img->name; *c; c++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                    "0123456789._-/:", *c)) {
            snprintf(where, cap, "nothing fetched: the image name holds a "
                                 "character no registry path has");
            return TEEATTEST_OK;
        }
    if (!ta_prov_registry(img->name, base, sizeof base, repo, sizeof repo)) {
        snprintf(where, cap, "nothing fetched: no registry in the image "
                             "name");
        return TEEATTEST_OK;
    }
    const char *b = p->ev->registry_url ? p->ev->registry_url : base;
    size_t bl = strlen(b);
    while (bl && b[bl - 1] == '/')
        bl--;
    snprintf(base, sizeof base, "%.*s", (int)bl, b);
    snprintf(where, cap, "none fetched from %s/v2/%s", base, repo);
    snprintf(url, sizeof url, "%s/v2/%s/referrers/sha256:%s", base, repo,
             img->digest_hex);
    teeattest_http_response resp;
    int got_rc = get(p, url, "application/vnd.oci.image.index.v1+json", &resp);
    int rc = TEEATTEST_OK;
    json_t *idx = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    if (!got_rc && ta_json_parse(&idx, resp.body.data, resp.body.len, OCI_DOC_MAX,
                             &e))
        idx = NULL;
    ta_http_response_clear(&resp);
    size_t n_other = 0, i;
    json_t *man;
    json_array_foreach(json_object_get(idx, "manifests"), i, man) {
        char hex[65], ref[72];
        if (*n_got == FETCH_PER_IMAGE || i == 2 * FETCH_PER_IMAGE)
            break;
        if (!is_bundle_type(json_string_value(
                json_object_get(man, "artifactType"))) ||
            !oci_digest(json_string_value(json_object_get(man, "digest")),
                        hex))
            continue;
        snprintf(ref, sizeof ref, "sha256:%s", hex);
        if ((rc = take_manifest(p, base, repo, ref, got, n_got, &n_other)))
            break;
    }
    json_decref(idx);
    for (int k = 0; !rc && *n_got == 0 && k < 2; k++) {
        char tag[80];
        snprintf(tag, sizeof tag, "sha256-%s.%s", img->digest_hex,
                 k ? "sig" : "att");
        rc = take_manifest(p, base, repo, tag, got, n_got, &n_other);
    }
    if (n_other)
        snprintf(where + strlen(where), cap - strlen(where),
                 "; %zu layer(s) that are not Sigstore bundles (legacy "
                 "cosign signatures) ignored", n_other);
    return rc;
}

/* ---- verification -------------------------------------------------------- */

/* What one candidate bundle proved under one signer rule. */
typedef struct outcome {
    bool parsed, subject, signature, identity;
    char why[300];       /* the first failed sigstore check */
    char idwhy[300];     /* the first failed identity or issuer check */
    char id[256], iss[256], time[32];
} outcome;

static void judge(pctx *p, const uint8_t *doc, size_t len,
                  const ta_prov_image *img, const ta_prov_rule *rule,
                  outcome *o)
{
    memset(o, 0, sizeof *o);
    ta_ss_bundle *b = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    if (ta_ss_bundle_parse(p->ctx, &b, doc, len, &e)) {
        snprintf(o->why, sizeof o->why, "%s", e.message);
        return;
    }
    o->parsed = true;
    if (!b->dsse) {
        snprintf(o->why, sizeof o->why, "a message-signature bundle names "
                                        "no image digest");
        ta_ss_bundle_free(p->ctx, b);
        return;
    }
    o->subject = ta_ss_statement_names(b->payload.p, b->payload.len,
                                       img->digest_hex, NULL) > 0;
    teeattest_result *s = NULL;
    if (!p->root || ta_result_new(p->ctx, &s)) {
        snprintf(o->why, sizeof o->why, "%s", p->root_why);
        ta_ss_bundle_free(p->ctx, b);
        return;
    }
    bool id_re = rule && (rule->flags & TEEATTEST_SIGSTORE_IDENTITY_REGEXP);
    bool is_re = rule && (rule->flags & TEEATTEST_SIGSTORE_ISSUER_REGEXP);
    ta_ss_policy sp = {
        .identity = rule && !id_re ? rule->identity : NULL,
        .identity_re = id_re ? rule->identity : NULL,
        .issuer = rule && !is_re ? rule->issuer : NULL,
        .issuer_re = is_re ? rule->issuer : NULL,
        .digest = img->digest,
        .now = p->now,
    };
    ta_ss_verify(p->ctx, p->root, b, &sp, s);
    o->signature = o->identity = true;
    for (size_t i = 0; i < s->n_checks; i++) {
        const ta_check *c = &s->checks[i];
        bool failed = c->outcome == FAIL ||
                      (c->outcome == SKIP && c->required);
        if (!failed || !strcmp(c->name, "sigstore.dsse.subject"))
            continue;
        if (!strcmp(c->name, "sigstore.certificate.identity") ||
            !strcmp(c->name, "sigstore.certificate.issuer")) {
            if (o->identity)
                snprintf(o->idwhy, sizeof o->idwhy, "%s", c->detail);
            o->identity = false;
            continue;
        }
        if (o->signature)
            snprintf(o->why, sizeof o->why, "%s: %s", c->name, c->detail);
        o->signature = false;
    }
    for (size_t i = 0; i < s->n_facts; i++) {
        const ta_fact *f = &s->facts[i];
        if (!strcmp(f->key, "sigstore.identity"))
            snprintf(o->id, sizeof o->id, "%s", f->text);
        else if (!strcmp(f->key, "sigstore.issuer"))
            snprintf(o->iss, sizeof o->iss, "%s", f->text);
        else if (!strcmp(f->key, "sigstore.signing_time"))
            snprintf(o->time, sizeof o->time, "%s", f->text);
    }
    teeattest_result_free(s);
    ta_ss_bundle_free(p->ctx, b);
}

/* Lexicographic preference: subject, then signature, then identity. */
static int score(const outcome *o)
{
    return o->parsed + 2 * o->identity + 4 * o->signature + 8 * o->subject;
}

/* Fulcio's source extensions (1.3.6.1.4.1.57264.1.<arc>) as facts. */
static void cert_facts(pctx *p, const uint8_t *doc, size_t len,
                       const char *pre)
{
    static const struct { uint8_t arc; const char *fact; } ext[] = {
        {12, "source_repository"}, {13, "source_commit"},
        {14, "source_ref"},        {9, "workflow"},
        {11, "runner"},
    };
    ta_ss_bundle *b = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    ta_x509 *leaf = NULL;
    if (ta_ss_bundle_parse(p->ctx, &b, doc, len, &e))
        return;
    if (b->n_certs &&
        !ta_x509_parse_der(p->ctx, &leaf, b->certs[0].p, b->certs[0].len,
                           NULL)) {
        for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
            uint8_t oid[] = {0x2B, 0x06, 0x01, 0x04, 0x01, 0x83,
                             0xBF, 0x30, 0x01, ext[i].arc};
            ta_der v;
            bool crit;
            if (ta_x509_ext_find(leaf, oid, sizeof oid, &v, &crit))
                continue;
            ta_der_in in = {v.p, v.p + v.len};
            ta_der_tlv s;
            if (!ta_der_expect(&in, 0x0C, &s) || !ta_der_done(&in))
                continue;
            size_t n = ta_der_left(&s.in);
            char val[256], key[96];
            if (n >= sizeof val || memchr(s.in.p, 0, n))
                continue;
            memcpy(val, s.in.p, n);
            val[n] = 0;
            snprintf(key, sizeof key, "%s%s", pre, ext[i].fact);
            ta_result_fact_str(p->r, key, val);
        }
        ta_x509_free(leaf);
    }
    ta_ss_bundle_free(p->ctx, b);
}

static int check_image(pctx *p, size_t k, const ta_prov_image *img)
{
    char n_digest[64], n_bundle[64], n_subject[64], n_sig[64], n_id[64];
    char pre[48];
    snprintf(pre, sizeof pre, "provenance.image[%zu].", k);
    snprintf(n_digest, sizeof n_digest, "%sdigest", pre);
    snprintf(n_bundle, sizeof n_bundle, "%sbundle", pre);
    snprintf(n_subject, sizeof n_subject, "%ssubject", pre);
    snprintf(n_sig, sizeof n_sig, "%ssignature", pre);
    snprintf(n_id, sizeof n_id, "%sidentity", pre);
    if (img->kind != TA_PROV_REF_DIGEST) {
        if (img->kind == TA_PROV_REF_TAG)
            BAD(p, n_digest, "image \"%s\" is named by tag only: no bundle "
                             "can be tied to what runs", img->ref);
        else
            BAD(p, n_digest, "image \"%s\" has no canonical digest (sha256: "
                             "and 64 lower-case hex digits)", img->ref);
        return TEEATTEST_OK;
    }
    ta_result_check(p->r, n_digest, PASS, p->req, "%s pinned by sha256:%s",
                    img->name, img->digest_hex);
    char fk[96];
    snprintf(fk, sizeof fk, "%sname", pre);
    ta_result_fact_str(p->r, fk, img->name);
    /* the signer rules that apply: the most specific kind */
    size_t best = 0, n_rules = 0;
    const ta_prov_rule *rules[TA_PROV_MAX_RULES];
    for (size_t i = 0; i < p->pol->n_prov_rules; i++) {
        size_t rk = ta_prov_rule_rank(p->pol->prov_rules[i].image, img);
        if (rk > best) {
            best = rk;
            n_rules = 0;
        }
        if (rk && rk == best)
            rules[n_rules++] = &p->pol->prov_rules[i];
    }
    /* candidates: fetched for this digest, or supplied and naming it;
     * each a distinct index of the evidence's list, so cand[] holds them */
    size_t got[FETCH_PER_IMAGE], n_got = 0, cand[TA_EVIDENCE_BUNDLES_MAX];
    size_t n_cand = 0;
    char where[600] = "";
    if (p->ev->online & TEEATTEST_ONLINE_IMAGE_REGISTRY) {
        int rc = fetch(p, img, got, &n_got, where, sizeof where);
        if (rc)
            return rc;
    }
    for (size_t i = 0; i < n_got; i++)
        cand[n_cand++] = got[i];
    size_t named = 0;
    for (size_t i = 0; i < p->n_supplied; i++) {
        ta_ss_bundle *b = NULL;
        if (listed(got, n_got, i)) /* fetched again: a candidate once */
            continue;
        teeattest_error e = TEEATTEST_ERROR_INIT;
        const ta_gpu_blob *bl = &p->ev->sigstore_bundles[i];
        if (ta_ss_bundle_parse(p->ctx, &b, bl->data, bl->len, &e))
            continue;
        if (b->dsse && ta_ss_statement_names(b->payload.p, b->payload.len,
                                             img->digest_hex, NULL) > 0) {
            cand[n_cand++] = i;
            named++;
        }
        ta_ss_bundle_free(p->ctx, b);
    }
    if (n_cand == 0) {
        ta_result_check(p->r, n_bundle, SKIP, p->req,
                        "no Sigstore bundle for sha256:%s: none of %zu "
                        "supplied names it%s%s", img->digest_hex,
                        p->n_supplied, where[0] ? "; " : "",
                        where);
        return TEEATTEST_OK;
    }
    ta_result_check(p->r, n_bundle, PASS, p->req,
                    "%zu fetched from the registry, %zu supplied naming the "
                    "digest", n_got, named);
    outcome o, best_o;
    memset(&best_o, 0, sizeof best_o);
    size_t best_i = cand[0];
    bool done = false;
    for (size_t c = 0; c < n_cand && !done; c++) {
        const ta_gpu_blob *bl = &p->ev->sigstore_bundles[cand[c]];
        for (size_t r = 0; r < (n_rules ? n_rules : 1) && !done; r++) {
            judge(p, bl->data, bl->len, img, n_rules ? rules[r] : NULL, &o);
            if (!n_rules)
                o.identity = false;
            if (score(&o) > score(&best_o) || c + r == 0) {
                best_o = o;
                best_i = cand[c];
            }
            done = o.subject && o.signature && o.identity;
        }
    }
    if (best_o.subject)
        ta_result_check(p->r, n_subject, PASS, p->req, "the bundle's in-toto "
                        "statement names sha256:%s", img->digest_hex);
    else
        BAD(p, n_subject, "no bundle found for this image names sha256:%s "
                          "as its subject%s", img->digest_hex,
            best_o.parsed ? "" : ": the bundle does not parse");
    if (best_o.signature)
        ta_result_check(p->r, n_sig, PASS, p->req, "bundle verified against "
                        "the trusted root (signature, transparency log, "
                        "certificate chain), signed %s", best_o.time);
    else
        BAD(p, n_sig, "the bundle does not verify: %s", best_o.why);
    if (!n_rules)
        BAD(p, n_id, "the policy names no signer for %s", img->name);
    else if (best_o.identity)
        ta_result_check(p->r, n_id, PASS, p->req, "signed by \"%s\" (issuer "
                        "%s), an identity the policy accepts", best_o.id,
                        best_o.iss);
    else
        BAD(p, n_id, "the bundle's signer is not one the policy names for "
                     "%s: %s", img->name, best_o.idwhy);
    if (done) {
        snprintf(fk, sizeof fk, "%sidentity", pre);
        ta_result_fact_str(p->r, fk, best_o.id);
        snprintf(fk, sizeof fk, "%sissuer", pre);
        ta_result_fact_str(p->r, fk, best_o.iss);
        snprintf(fk, sizeof fk, "%ssigning_time", pre);
        ta_result_fact_str(p->r, fk, best_o.time);
        const ta_gpu_blob *bl = &p->ev->sigstore_bundles[best_i];
        cert_facts(p, bl->data, bl->len, pre);
    }
    return TEEATTEST_OK;
}

int ta_provenance_check(teeattest_ctx *ctx, teeattest_result *r,
                        const teeattest_policy *pol, teeattest_evidence *ev,
                        bool compose_ok, const uint8_t *app_compose,
                        size_t len, int64_t now, teeattest_error *err)
{
    pctx p = {ctx, r, pol, ev, pol->require_provenance, now,
              ev ? ev->n_sigstore_bundles : 0, NULL, ""};
    if (!p.req && pol->n_prov_rules == 0) {
        ta_result_check(r, "provenance", SKIP, false,
                        "image provenance not requested by the policy");
        return TEEATTEST_OK;
    }
    if (!compose_ok || !app_compose || !ev) {
        ta_result_check(r, "provenance", p.req ? FAIL : SKIP, p.req,
                        "no verified app_compose (compose.hash must pass) "
                        "names the images to check");
        return TEEATTEST_OK;
    }
    ta_prov_image *imgs = ta_calloc(ctx, TA_PROV_MAX_IMAGES, sizeof *imgs);
    if (!imgs)
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "out of memory");
    size_t n = 0;
    int rc = ta_prov_compose_images(app_compose, len, imgs,
                                    TA_PROV_MAX_IMAGES, &n);
    if (rc || n == 0 || n > TA_PROV_MAX_IMAGES) {
        if (rc || n == 0)
            ta_result_check(r, "provenance", p.req ? FAIL : WARN, p.req,
                            "%s", rc ? "app_compose is not a JSON object"
                                     : "app_compose names no image");
        else
            ta_result_check(r, "provenance", p.req ? FAIL : WARN, p.req,
                            "app_compose names %zu images, over the %d "
                            "checked", n, TA_PROV_MAX_IMAGES);
        ta_free(ctx, imgs);
        return TEEATTEST_OK;
    }
    teeattest_error e = TEEATTEST_ERROR_INIT;
    /* No root set: the shipped default (ta_ss_root_load). */
    if (ta_ss_root_load(ctx, &p.root, pol->sigstore_root,
                        pol->sigstore_root_len, &e))
        snprintf(p.root_why, sizeof p.root_why, "the %s does not parse: "
                 "%.150s", pol->sigstore_root ? "policy's trusted root"
                 : TA_SS_DEFAULT_ROOT_NAME, e.message);
    ta_result_check(r, "provenance", PASS, p.req, "%zu image(s) named by the "
                    "verified app_compose%s", n,
                    p.req ? "; provenance required" : "");
    for (size_t k = 0; k < n && !rc; k++)
        rc = check_image(&p, k, &imgs[k]);
    ta_ss_root_free(ctx, p.root);
    ta_free(ctx, imgs);
    if (rc)
        return ta_error(err, rc, NULL, "out of memory");
    return TEEATTEST_OK;
}
