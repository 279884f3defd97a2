/*
 * Rekor entries: the canonicalized body against the bundle's content
 * (hashedrekord 0.0.1/0.0.2, dsse 0.0.1/0.0.2, intoto 0.0.2), the signed
 * entry timestamp of Rekor v1, and the checkpoint (a signed note) that
 * commits to the inclusion proof's root.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../crypto/crypto.h"
#include "sigstore_verify.h"

#define WHY(...) (snprintf(why, cap, __VA_ARGS__), TEEATTEST_E_VERIFY_FAILED)

/* base64 string -> equal to bytes? */
static bool b64_is(const teeattest_ctx *ctx, json_t *v, const uint8_t *p,
                   size_t n)
{
    ta_ss_blob b;
    if (ta_ss_b64(ctx, json_string_value(v), &b))
        return false;
    bool eq = b.len == n && !memcmp(b.p, p, n);
    ta_ss_blob_free(ctx, &b);
    return eq;
}

/* A v0.0.1 verifier: base64 of a PEM certificate or public key. */
static bool pem_verifier_is(const teeattest_ctx *ctx, json_t *v,
                            const ta_ss_signed *s)
{
    ta_ss_blob pem, der;
    if (ta_ss_b64(ctx, json_string_value(v), &pem))
        return false;
    bool eq = false;
    const char *label = s->leaf ? "CERTIFICATE" : "PUBLIC KEY";
    const uint8_t *want = s->leaf ? s->leaf->p : s->key->spki;
    size_t wl = s->leaf ? s->leaf->len : s->key->spki_len;
    if (!ta_ss_pem(ctx, pem.p, pem.len, label, &der)) {
        eq = der.len == wl && !memcmp(der.p, want, wl);
        ta_ss_blob_free(ctx, &der);
    }
    ta_ss_blob_free(ctx, &pem);
    return eq;
}

/* A v0.0.2 verifier: {x509Certificate|publicKey: {rawBytes}}. */
static bool raw_verifier_is(const teeattest_ctx *ctx, json_t *v,
                            const ta_ss_signed *s)
{
    if (s->leaf)
        return b64_is(ctx,
                      json_object_get(json_object_get(v, "x509Certificate"),
                                      "rawBytes"),
                      s->leaf->p, s->leaf->len);
    return b64_is(ctx,
                  json_object_get(json_object_get(v, "publicKey"), "rawBytes"),
                  s->key->spki, s->key->spki_len);
}

static bool hex_is(json_t *hash, const uint8_t d[32])
{
    char hex[65];
    ta_hex_encode(hex, d, 32);
    const char *alg = json_string_value(json_object_get(hash, "algorithm"));
    const char *val = json_string_value(json_object_get(hash, "value"));
    return alg && val && !strcmp(alg, "sha256") && !strcmp(val, hex);
}

static bool digest_is(const teeattest_ctx *ctx, json_t *hash, const uint8_t d[32])
{
    const char *alg = json_string_value(json_object_get(hash, "algorithm"));
    return alg && !strcmp(alg, "SHA2_256") &&
           b64_is(ctx, json_object_get(hash, "digest"), d, 32);
}

static int check_body(const teeattest_ctx *ctx, json_t *j,
                      const ta_ss_entry *e, const ta_ss_signed *s,
                      char *why, size_t cap)
{
    const ta_ss_bundle *b = s->b;
    const char *kind = json_string_value(json_object_get(j, "kind"));
    const char *api = json_string_value(json_object_get(j, "apiVersion"));
    json_t *spec = json_object_get(j, "spec");
    if (!kind || !api || strcmp(kind, e->kind) || strcmp(api, e->version))
        return WHY("body is %s %s, the entry says %s %s", kind ? kind : "?",
                   api ? api : "?", e->kind, e->version);
    uint8_t ph[32];
    if (b->dsse && ta_sha256(ctx, ph, b->payload.p, b->payload.len))
        return WHY("cannot hash the payload");
    if (!strcmp(kind, "hashedrekord")) {
        if (!strcmp(api, "0.0.1") && !b->dsse) {
            json_t *sig = json_object_get(spec, "signature");
            if (!hex_is(json_object_get(json_object_get(spec, "data"), "hash"),
                        s->digest))
                return WHY("hashedrekord data.hash is not the artifact's");
            if (!b64_is(ctx, json_object_get(sig, "content"), b->sig.p,
                        b->sig.len))
                return WHY("hashedrekord signature is not the bundle's");
            if (!pem_verifier_is(ctx,
                                 json_object_get(json_object_get(sig, "publicKey"),
                                                 "content"), s))
                return WHY("hashedrekord publicKey is not the signer's");
            return TEEATTEST_OK;
        }
        /* Rekor v2 logs a DSSE envelope as a hashedrekord of its PAE */
        if (!strcmp(api, "0.0.2") && (!b->dsse || b->n_dsse_sigs == 1)) {
            json_t *h = json_object_get(spec, "hashedRekordV002");
            json_t *sig = json_object_get(h, "signature");
            if (!digest_is(ctx, json_object_get(h, "data"),
                           b->dsse ? s->pae_digest : s->digest))
                return WHY("hashedrekord data is not the %s digest",
                           b->dsse ? "envelope PAE's" : "artifact's");
            if (!b64_is(ctx, json_object_get(sig, "content"), b->sig.p,
                        b->sig.len))
                return WHY("hashedrekord signature is not the bundle's");
            if (!raw_verifier_is(ctx, json_object_get(sig, "verifier"), s))
                return WHY("hashedrekord verifier is not the signer's");
            return TEEATTEST_OK;
        }
    }
    if (!strcmp(kind, "dsse") && b->dsse) {
        json_t *sigs, *sg;
        bool v2 = !strcmp(api, "0.0.2");
        if (!v2 && strcmp(api, "0.0.1"))
            return WHY("dsse %s is not supported", api);
        if (v2)
            spec = json_object_get(spec, "dsseV002");
        sigs = json_object_get(spec, "signatures");
        if (v2 ? !digest_is(ctx, json_object_get(spec, "payloadHash"), ph)
               : !hex_is(json_object_get(spec, "payloadHash"), ph))
            return WHY("dsse payloadHash is not the envelope payload's");
        if (json_array_size(sigs) != 1 || b->n_dsse_sigs != 1)
            return WHY("dsse entry and envelope must hold one signature each");
        sg = json_array_get(sigs, 0);
        if (!b64_is(ctx, json_object_get(sg, v2 ? "content" : "signature"),
                    b->sig.p, b->sig.len))
            return WHY("dsse signature is not the envelope's");
        if (v2 ? !raw_verifier_is(ctx, json_object_get(sg, "verifier"), s)
               : !pem_verifier_is(ctx, json_object_get(sg, "verifier"), s))
            return WHY("dsse verifier is not the signer's");
        return TEEATTEST_OK;
    }
    if (!strcmp(kind, "intoto") && !strcmp(api, "0.0.2") && b->dsse) {
        json_t *c = json_object_get(spec, "content");
        json_t *sigs = json_object_get(json_object_get(c, "envelope"),
                                       "signatures");
        if (!hex_is(json_object_get(c, "payloadHash"), ph))
            return WHY("intoto payloadHash is not the envelope payload's");
        if (json_array_size(sigs) != 1 || b->n_dsse_sigs != 1)
            return WHY("intoto entry and envelope must hold one signature each");
        json_t *sg = json_array_get(sigs, 0);
        /* the signature is base64 twice */
        ta_ss_blob once;
        if (ta_ss_b64(ctx, json_string_value(json_object_get(sg, "sig")), &once))
            return WHY("intoto signature is not base64");
        char *txt = ta_strndup(ctx, (const char *)once.p, once.len);
        ta_ss_blob_free(ctx, &once);
        if (!txt)
            return TEEATTEST_E_NOMEM;
        ta_ss_blob twice;
        int rc = ta_ss_b64(ctx, txt, &twice);
        ta_free(ctx, txt);
        bool eq = !rc && twice.len == b->sig.len &&
                  !memcmp(twice.p, b->sig.p, twice.len);
        ta_ss_blob_free(ctx, &twice);
        if (!eq)
            return WHY("intoto signature is not the envelope's");
        if (!pem_verifier_is(ctx, json_object_get(sg, "publicKey"), s))
            return WHY("intoto publicKey is not the signer's");
        return TEEATTEST_OK;
    }
    return WHY("entry kind %s %s does not fit a %s bundle", kind, api,
               b->dsse ? "DSSE" : "message signature");
}

int ta_ss_tlog_body(const teeattest_ctx *ctx, const ta_ss_entry *e,
                    const ta_ss_signed *s, char *why, size_t cap)
{
    json_t *j = NULL;
    teeattest_error err = {0};
    err.struct_size = sizeof err;
    if (ta_json_parse(&j, e->body.p, e->body.len, TA_SS_MAX_DOC, &err))
        return WHY("canonicalized body is not JSON: %.180s", err.message);
    int rc = json_is_object(j) ? check_body(ctx, j, e, s, why, cap)
                               : WHY("canonicalized body is not an object");
    json_decref(j);
    return rc;
}

int ta_ss_tlog_set(const teeattest_ctx *ctx, const ta_ss_entry *e,
                   const ta_ss_log *log)
{
    ta_buf b;
    char hex[65];
    size_t el = ta_base64_encoded_len(e->body.len);
    char *body = ta_malloc(ctx, el + 1);
    if (!body)
        return TEEATTEST_E_NOMEM;
    ta_base64_encode(body, e->body.p, e->body.len, false);
    ta_hex_encode(hex, e->log_id, 32);
    /* RFC 8785 canonical JSON: keys sorted, no spaces */
    ta_buf_init(&b, ctx, 0);
    int rc = ta_buf_printf(&b,
                           "{\"body\":\"%s\",\"integratedTime\":%lld,"
                           "\"logID\":\"%s\",\"logIndex\":%lld}",
                           body, (long long)e->integrated_time, hex,
                           (long long)e->log_index);
    ta_free(ctx, body);
    if (!rc)
        rc = ta_ss_key_verify(ctx, &log->key, b.data, b.len, false,
                              e->set.p, e->set.len);
    ta_buf_free(&b);
    return rc;
}

int ta_ss_tlog_checkpoint(const teeattest_ctx *ctx, const ta_ss_entry *e,
                          const ta_ss_log *log, char *why, size_t cap)
{
    const char *t = e->checkpoint;
    if (!t || !*t)
        return WHY("the inclusion proof has no checkpoint");
    const char *sep = strstr(t, "\n\n");
    if (!sep)
        return WHY("checkpoint has no signature block");
    size_t body_len = (size_t)(sep - t) + 1;
    /* origin, size, root hash, then optional extension lines */
    const char *l1 = memchr(t, '\n', body_len);
    const char *l2 = l1 ? memchr(l1 + 1, '\n', body_len - (size_t)(l1 + 1 - t))
                        : NULL;
    const char *l3 = l2 ? memchr(l2 + 1, '\n', body_len - (size_t)(l2 + 1 - t))
                        : NULL;
    if (!l1 || !l2 || !l3 || l1 == t)
        return WHY("checkpoint lacks an origin, size or root hash line");
    char num[24], root[64];
    size_t nl = (size_t)(l2 - l1 - 1), rl = (size_t)(l3 - l2 - 1);
    if (nl == 0 || nl >= sizeof num || rl >= sizeof root)
        return WHY("checkpoint size or root hash line is malformed");
    memcpy(num, l1 + 1, nl);
    num[nl] = 0;
    memcpy(root, l2 + 1, rl);
    root[rl] = 0;
    int64_t size = 0;
    for (size_t i = 0; i < nl; i++) {
        if (num[i] < '0' || num[i] > '9' || i >= 18)
            return WHY("checkpoint size is not a number");
        size = size * 10 + (num[i] - '0');
    }
    uint8_t rh[32];
    if (ta_base64_decode(rh, sizeof rh, root, rl, false) != 32)
        return WHY("checkpoint root hash is not 32 bytes of base64");
    if (size != e->tree_size || !ta_ct_equal(rh, e->root_hash, 32))
        return WHY("checkpoint size/root hash differ from the inclusion "
                   "proof's");
    /* signature lines: "\u2014 name base64(keyhint[4] || sig)\n" */
    const char *p = sep + 2;
    bool hinted = false;
    while (*p) {
        const char *end = strchr(p, '\n');
        if (!end)
            return WHY("checkpoint signature line is not terminated");
        if (strncmp(p, "\xE2\x80\x94 ", 4))
            return WHY("checkpoint signature line is malformed");
        const char *sp = memchr(p + 4, ' ', (size_t)(end - p - 4));
        if (!sp)
            return WHY("checkpoint signature line has no signature");
        uint8_t sig[600];
        int64_t n = ta_base64_decode(sig, sizeof sig, sp + 1,
                                     (size_t)(end - sp - 1), false);
        if (n < 5)
            return WHY("checkpoint signature is not base64");
        if (!memcmp(sig, log->log_id, 4)) {
            hinted = true;
            if (ta_ss_key_verify(ctx, &log->key, (const uint8_t *)t, body_len,
                                 false, sig + 4, (size_t)n - 4) == TEEATTEST_OK)
                return TEEATTEST_OK;
        }
        p = end + 1;
    }
    return hinted ? WHY("the log's checkpoint signature does not verify")
                  : WHY("no checkpoint signature carries the log's key hint");
}
