/*
 * trusted_root.json (Sigstore protobuf-specs TrustedRoot, JSON form):
 * certificate authorities (chains and validity), transparency logs and
 * CT logs (keys, log ids, validity), timestamp authorities.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <jansson.h>
#include <string.h>

#include "../crypto/crypto.h"
#include "sigstore.h"

#define FAIL(...) ta_error(err, TEEATTEST_E_PARSE, "sigstore", __VA_ARGS__)

static int parse_window(json_t *w, ta_ss_window *out, bool start_required,
                        teeattest_error *err, const char *what)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(w))
        return start_required
                   ? FAIL("trusted root: %s has no validFor", what)
                   : TEEATTEST_OK;
    json_t *s = json_object_get(w, "start"), *e = json_object_get(w, "end");
    if (json_is_null(e))
        e = NULL; /* an open end, as protobuf's JSON may write it */
    if (!s)
        return FAIL("trusted root: %s validFor has no start", what);
    if (!ta_utc_parse(json_string_value(s), true, &out->start))
        return FAIL("trusted root: %s validFor.start is not a time", what);
    if (e && !ta_utc_parse(json_string_value(e), true, &out->end))
        return FAIL("trusted root: %s validFor.end is not a time", what);
    if (e && out->end < out->start)
        return FAIL("trusted root: %s validFor ends before it starts", what);
    return TEEATTEST_OK;
}

static int parse_logs(const teeattest_ctx *ctx, json_t *arr, ta_ss_log *logs,
                      size_t *n, teeattest_error *err, const char *what)
{
    if (!arr)
        return TEEATTEST_OK;
    if (!json_is_array(arr) || json_array_size(arr) > TA_SS_MAX_ITEMS)
        return FAIL("trusted root: %s is not an array of at most %d", what,
                    TA_SS_MAX_ITEMS);
    size_t i;
    json_t *l;
    json_array_foreach(arr, i, l) {
        ta_ss_log *g = &logs[*n];
        json_t *pk = json_object_get(l, "publicKey");
        ta_ss_blob raw, id;
        if (ta_ss_b64(ctx, json_string_value(json_object_get(pk, "rawBytes")),
                      &raw))
            return FAIL("trusted root: %s[%zu].publicKey.rawBytes", what, i);
        int rc = ta_ss_key_from_spki(ctx, &g->key, raw.p, raw.len);
        const char *kd =
            json_string_value(json_object_get(pk, "keyDetails"));
        if (rc == TEEATTEST_E_PARSE && kd && !strncmp(kd, "PKCS1_RSA_", 10)) {
            /* a PKCS#1 RSAPublicKey: kept, not usable by this version */
            g->key.kind = TA_SS_KEY_OTHER;
            g->key.spki = raw.p;
            g->key.spki_len = raw.len;
            raw.p = NULL;
            rc = TEEATTEST_OK;
        }
        ta_ss_blob_free(ctx, &raw);
        if (rc)
            return rc == TEEATTEST_E_NOMEM
                       ? rc
                       : FAIL("trusted root: %s[%zu] key is not a "
                              "SubjectPublicKeyInfo", what, i);
        (*n)++; /* owned from here on */
        rc = parse_window(json_object_get(pk, "validFor"), &g->valid, true,
                          err, what);
        if (rc)
            return rc;
        if (ta_ss_b64(ctx,
                      json_string_value(json_object_get(
                          json_object_get(l, "logId"), "keyId")),
                      &id) ||
            id.len != 32) {
            ta_ss_blob_free(ctx, &id);
            return FAIL("trusted root: %s[%zu].logId.keyId is not 32 bytes",
                        what, i);
        }
        memcpy(g->log_id, id.p, 32);
        ta_ss_blob_free(ctx, &id);
    }
    return TEEATTEST_OK;
}

static int parse_cas(const teeattest_ctx *ctx, json_t *arr, ta_ss_ca *cas,
                     size_t *n, teeattest_error *err, const char *what)
{
    if (!arr)
        return TEEATTEST_OK;
    if (!json_is_array(arr) || json_array_size(arr) > TA_SS_MAX_ITEMS)
        return FAIL("trusted root: %s is not an array of at most %d", what,
                    TA_SS_MAX_ITEMS);
    size_t i, j;
    json_t *c, *cert;
    json_array_foreach(arr, i, c) {
        ta_ss_ca *a = &cas[(*n)++];
        json_t *certs =
            json_object_get(json_object_get(c, "certChain"), "certificates");
        if (!json_is_array(certs) || json_array_size(certs) == 0 ||
            json_array_size(certs) > TA_SS_MAX_ITEMS)
            return FAIL("trusted root: %s[%zu].certChain.certificates", what,
                        i);
        json_array_foreach(certs, j, cert) {
            if (ta_ss_b64(ctx,
                          json_string_value(json_object_get(cert, "rawBytes")),
                          &a->certs[a->n_certs]) ||
                a->certs[a->n_certs].len == 0)
                return FAIL("trusted root: %s[%zu] certificate %zu", what, i,
                            j);
            a->n_certs++;
        }
        int rc = parse_window(json_object_get(c, "validFor"), &a->valid, true,
                              err, what);
        if (rc)
            return rc;
    }
    return TEEATTEST_OK;
}

int ta_ss_root_parse(const teeattest_ctx *ctx, ta_ss_root **out,
                     const uint8_t *doc, size_t len, teeattest_error *err)
{
    *out = NULL;
    json_t *j = NULL;
    int rc = ta_json_parse(&j, doc, len, TA_SS_MAX_DOC, err);
    if (rc)
        return rc;
    ta_ss_root *r = ta_calloc(ctx, 1, sizeof *r);
    if (!r) {
        json_decref(j);
        return TEEATTEST_E_NOMEM;
    }
    const char *mt = json_string_value(json_object_get(j, "mediaType"));
    if (!json_is_object(j) || !mt ||
        strcmp(mt, "application/vnd.dev.sigstore.trustedroot+json;"
                   "version=0.1"))
        rc = FAIL("trusted root: unknown mediaType");
    if (!rc)
        rc = parse_logs(ctx, json_object_get(j, "tlogs"), r->tlogs,
                        &r->n_tlogs, err, "tlogs");
    if (!rc)
        rc = parse_logs(ctx, json_object_get(j, "ctlogs"), r->ctlogs,
                        &r->n_ctlogs, err, "ctlogs");
    if (!rc)
        rc = parse_cas(ctx, json_object_get(j, "certificateAuthorities"),
                       r->cas, &r->n_cas, err, "certificateAuthorities");
    if (!rc)
        rc = parse_cas(ctx, json_object_get(j, "timestampAuthorities"),
                       r->tsas, &r->n_tsas, err, "timestampAuthorities");
    json_decref(j);
    if (rc) {
        ta_ss_root_free(ctx, r);
        return rc;
    }
    *out = r;
    return TEEATTEST_OK;
}

static void free_cas(const teeattest_ctx *ctx, ta_ss_ca *cas, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < cas[i].n_certs; k++)
            ta_ss_blob_free(ctx, &cas[i].certs[k]);
}

void ta_ss_root_free(const teeattest_ctx *ctx, ta_ss_root *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_tlogs; i++)
        ta_ss_key_clear(ctx, &r->tlogs[i].key);
    for (size_t i = 0; i < r->n_ctlogs; i++)
        ta_ss_key_clear(ctx, &r->ctlogs[i].key);
    free_cas(ctx, r->cas, r->n_cas);
    free_cas(ctx, r->tsas, r->n_tsas);
    ta_free(ctx, r);
}
