/*
 * Sigstore bundles v0.1-v0.3 (application/vnd.dev.sigstore.bundle...):
 * verification material (certificate, chain or public key hint), Rekor
 * entries, RFC 3161 timestamps, and the content (message signature or DSSE
 * envelope). Strict: unknown media types, malformed base64, negative or
 * non-decimal integers and oversized arrays are refused.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "sigstore.h"

#define FAIL(...) ta_error(err, TEEATTEST_E_PARSE, "sigstore", __VA_ARGS__)

static const struct {
    const char *type;
    int minor;
} MEDIA[] = {
    {"application/vnd.dev.sigstore.bundle+json;version=0.1", 1},
    {"application/vnd.dev.sigstore.bundle+json;version=0.2", 2},
    {"application/vnd.dev.sigstore.bundle+json;version=0.3", 3},
    {"application/vnd.dev.sigstore.bundle.v0.3+json", 3},
};

/* protobuf int64 in JSON: a decimal string (or a JSON integer), >= 0. */
static bool get_int(json_t *v, int64_t *out)
{
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return *out >= 0;
    }
    const char *s = json_string_value(v);
    if (!s || !*s || strlen(s) > 18)
        return false;
    int64_t x = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        x = x * 10 + (*p - '0');
    }
    *out = x;
    return true;
}

static int b64_exact(const teeattest_ctx *ctx, json_t *v, uint8_t *out,
                     size_t want)
{
    ta_ss_blob b;
    int rc = ta_ss_b64(ctx, json_string_value(v), &b);
    if (rc)
        return rc;
    if (b.len != want) {
        ta_ss_blob_free(ctx, &b);
        return TEEATTEST_E_PARSE;
    }
    memcpy(out, b.p, want);
    ta_ss_blob_free(ctx, &b);
    return TEEATTEST_OK;
}

static int parse_entry(const teeattest_ctx *ctx, json_t *e, ta_ss_entry *t,
                       size_t i, teeattest_error *err)
{
    json_t *kv = json_object_get(e, "kindVersion");
    const char *kind = json_string_value(json_object_get(kv, "kind"));
    const char *ver = json_string_value(json_object_get(kv, "version"));
    if (!get_int(json_object_get(e, "logIndex"), &t->log_index))
        return FAIL("bundle: tlogEntries[%zu].logIndex", i);
    if (b64_exact(ctx, json_object_get(json_object_get(e, "logId"), "keyId"),
                  t->log_id, 32))
        return FAIL("bundle: tlogEntries[%zu].logId.keyId", i);
    if (!kind || !ver || strlen(kind) >= sizeof t->kind ||
        strlen(ver) >= sizeof t->version)
        return FAIL("bundle: tlogEntries[%zu].kindVersion", i);
    strcpy(t->kind, kind);
    strcpy(t->version, ver);
    json_t *it = json_object_get(e, "integratedTime");
    if (it) {
        if (!get_int(it, &t->integrated_time))
            return FAIL("bundle: tlogEntries[%zu].integratedTime", i);
        t->has_time = t->integrated_time != 0;
    }
    json_t *prom = json_object_get(e, "inclusionPromise");
    if (prom && ta_ss_b64(ctx,
                          json_string_value(json_object_get(
                              prom, "signedEntryTimestamp")),
                          &t->set))
        return FAIL("bundle: tlogEntries[%zu].inclusionPromise", i);
    json_t *pr = json_object_get(e, "inclusionProof");
    if (pr) {
        json_t *hs = json_object_get(pr, "hashes"), *h;
        const char *cp = json_string_value(
            json_object_get(json_object_get(pr, "checkpoint"), "envelope"));
        size_t k;
        if (!get_int(json_object_get(pr, "logIndex"), &t->proof_index) ||
            !get_int(json_object_get(pr, "treeSize"), &t->tree_size) ||
            b64_exact(ctx, json_object_get(pr, "rootHash"), t->root_hash, 32))
            return FAIL("bundle: tlogEntries[%zu].inclusionProof", i);
        if (hs && (!json_is_array(hs) || json_array_size(hs) > TA_SS_MAX_PROOF))
            return FAIL("bundle: tlogEntries[%zu].inclusionProof.hashes", i);
        json_array_foreach(hs, k, h) {
            if (b64_exact(ctx, h, t->hashes[k], 32))
                return FAIL("bundle: tlogEntries[%zu] proof hash %zu", i, k);
            t->n_hashes++;
        }
        if (cp && !(t->checkpoint = ta_strdup(ctx, cp)))
            return TEEATTEST_E_NOMEM;
        t->has_proof = true;
    }
    if (ta_ss_b64(ctx, json_string_value(json_object_get(e, "canonicalizedBody")),
                  &t->body) ||
        t->body.len == 0)
        return FAIL("bundle: tlogEntries[%zu].canonicalizedBody", i);
    return TEEATTEST_OK;
}

static int parse_material(const teeattest_ctx *ctx, json_t *vm,
                          ta_ss_bundle *b, teeattest_error *err)
{
    json_t *cert = json_object_get(vm, "certificate");
    json_t *chain = json_object_get(vm, "x509CertificateChain");
    json_t *pk = json_object_get(vm, "publicKey");
    if (!!cert + !!chain + !!pk != 1)
        return FAIL("bundle: verificationMaterial needs exactly one of "
                    "certificate, x509CertificateChain, publicKey");
    if (cert) {
        if (b->minor < 3)
            return FAIL("bundle: certificate needs bundle v0.3");
        if (ta_ss_b64(ctx, json_string_value(json_object_get(cert, "rawBytes")),
                      &b->certs[0]) ||
            b->certs[0].len == 0)
            return FAIL("bundle: certificate.rawBytes");
        b->n_certs = 1;
    } else if (chain) {
        json_t *cs = json_object_get(chain, "certificates"), *c;
        size_t k;
        if (!json_is_array(cs) || json_array_size(cs) == 0 ||
            json_array_size(cs) > TA_SS_MAX_ITEMS)
            return FAIL("bundle: x509CertificateChain.certificates is empty "
                        "or too long");
        json_array_foreach(cs, k, c) {
            if (ta_ss_b64(ctx, json_string_value(json_object_get(c, "rawBytes")),
                          &b->certs[k]) ||
                b->certs[k].len == 0)
                return FAIL("bundle: x509CertificateChain certificate %zu", k);
            b->n_certs++;
        }
    } else {
        b->public_key = true;
    }
    json_t *es = json_object_get(vm, "tlogEntries"), *e;
    size_t k;
    if (es && (!json_is_array(es) || json_array_size(es) > TA_SS_MAX_ITEMS))
        return FAIL("bundle: tlogEntries");
    json_array_foreach(es, k, e) {
        int rc = parse_entry(ctx, e, &b->entries[k], k, err);
        b->n_entries++;
        if (rc)
            return rc;
    }
    json_t *ts = json_object_get(
        json_object_get(vm, "timestampVerificationData"), "rfc3161Timestamps");
    if (ts && (!json_is_array(ts) || json_array_size(ts) > TA_SS_MAX_ITEMS))
        return FAIL("bundle: rfc3161Timestamps");
    json_array_foreach(ts, k, e) {
        if (ta_ss_b64_lines(ctx,
                            json_string_value(json_object_get(e, "signedTimestamp")),
                      &b->timestamps[k]))
            return FAIL("bundle: rfc3161Timestamps[%zu]", k);
        b->n_timestamps++;
    }
    return TEEATTEST_OK;
}

static int parse_content(const teeattest_ctx *ctx, json_t *j, ta_ss_bundle *b,
                         teeattest_error *err)
{
    json_t *ms = json_object_get(j, "messageSignature");
    json_t *de = json_object_get(j, "dsseEnvelope");
    if (!!ms + !!de != 1)
        return FAIL("bundle: needs exactly one of messageSignature, "
                    "dsseEnvelope");
    if (ms) {
        json_t *md = json_object_get(ms, "messageDigest");
        if (md) {
            const char *alg = json_string_value(json_object_get(md, "algorithm"));
            if (!alg || strcmp(alg, "SHA2_256") ||
                b64_exact(ctx, json_object_get(md, "digest"), b->digest, 32))
                return FAIL("bundle: messageDigest is not a SHA2_256 digest");
            b->has_digest = true;
        }
        if (ta_ss_b64(ctx, json_string_value(json_object_get(ms, "signature")),
                      &b->sig) ||
            b->sig.len == 0)
            return FAIL("bundle: messageSignature.signature");
        return TEEATTEST_OK;
    }
    b->dsse = true;
    const char *pt = json_string_value(json_object_get(de, "payloadType"));
    json_t *sigs = json_object_get(de, "signatures");
    if (!pt || !(b->payload_type = ta_strdup(ctx, pt)))
        return pt ? TEEATTEST_E_NOMEM : FAIL("bundle: dsseEnvelope.payloadType");
    if (ta_ss_b64(ctx, json_string_value(json_object_get(de, "payload")),
                  &b->payload))
        return FAIL("bundle: dsseEnvelope.payload");
    if (!json_is_array(sigs))
        return FAIL("bundle: dsseEnvelope.signatures");
    b->n_dsse_sigs = json_array_size(sigs);
    if (b->n_dsse_sigs >= 1 &&
        (ta_ss_b64(ctx,
                   json_string_value(
                       json_object_get(json_array_get(sigs, 0), "sig")),
                   &b->sig) ||
         b->sig.len == 0))
        return FAIL("bundle: dsseEnvelope.signatures[0].sig");
    return TEEATTEST_OK;
}

int ta_ss_bundle_parse(const teeattest_ctx *ctx, ta_ss_bundle **out,
                       const uint8_t *doc, size_t len, teeattest_error *err)
{
    *out = NULL;
    json_t *j = NULL;
    int rc = ta_json_parse(&j, doc, len, TA_SS_MAX_DOC, err);
    if (rc)
        return rc;
    ta_ss_bundle *b = ta_calloc(ctx, 1, sizeof *b);
    if (!b) {
        json_decref(j);
        return TEEATTEST_E_NOMEM;
    }
    const char *mt = json_string_value(json_object_get(j, "mediaType"));
    for (size_t i = 0; mt && i < TA_ARRAY_LEN(MEDIA); i++)
        if (!strcmp(mt, MEDIA[i].type))
            b->minor = MEDIA[i].minor;
    if (!json_is_object(j) || !b->minor)
        rc = FAIL("bundle: unknown mediaType %s", mt ? mt : "(none)");
    json_t *vm = json_object_get(j, "verificationMaterial");
    if (!rc && !json_is_object(vm))
        rc = FAIL("bundle: no verificationMaterial");
    if (!rc)
        rc = parse_material(ctx, vm, b, err);
    if (!rc)
        rc = parse_content(ctx, j, b, err);
    json_decref(j);
    if (rc) {
        ta_ss_bundle_free(ctx, b);
        return rc;
    }
    *out = b;
    return TEEATTEST_OK;
}

void ta_ss_bundle_free(const teeattest_ctx *ctx, ta_ss_bundle *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n_certs; i++)
        ta_ss_blob_free(ctx, &b->certs[i]);
    for (size_t i = 0; i < b->n_entries; i++) {
        ta_ss_blob_free(ctx, &b->entries[i].set);
        ta_ss_blob_free(ctx, &b->entries[i].body);
        ta_free(ctx, b->entries[i].checkpoint);
    }
    for (size_t i = 0; i < b->n_timestamps; i++)
        ta_ss_blob_free(ctx, &b->timestamps[i]);
    ta_ss_blob_free(ctx, &b->sig);
    ta_ss_blob_free(ctx, &b->payload);
    ta_free(ctx, b->payload_type);
    ta_free(ctx, b);
}
