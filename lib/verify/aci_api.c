/*
 * Public ACI/1 offline API (include/teeattest/aci.h) over lib/aci. Here
 * in lib/verify, the orchestration layer, beside the other entry points.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>

#include <jansson.h>

#include "../aci/aci.h"
#include "../aci/e2ee_impl.h"

#define RECEIPT_OPTIONS_V1_SIZE sizeof(teeattest_aci_receipt_options) /* 1.0 */

int ta_aci_keyset_parse_doc(const teeattest_ctx *ctx, ta_aci_keyset *out,
                            const uint8_t *data, size_t len,
                            teeattest_error *err)
{
    if (!ctx || !out || (!data && len))
        return TA_INVALID(err, "ta_aci_keyset_parse_doc");
    memset(out, 0, sizeof *out);
    json_t *j = NULL;
    int rc = ta_json_parse(&j, data, len, TA_ACI_DOC_MAX, err);
    if (rc)
        return rc;
    const json_t *ks = j;
    const json_t *att = json_object_get(j, "attestation");
    if (json_is_object(att) && json_object_get(att, "workload_keyset"))
        ks = json_object_get(att, "workload_keyset");
    rc = ta_aci_keyset_parse(ctx, out, ks, err);
    json_decref(j);
    return rc;
}

TEEATTEST_API int teeattest_aci_receipt_options_init(
    teeattest_aci_receipt_options *opts, size_t size)
{
    if (!opts || size < RECEIPT_OPTIONS_V1_SIZE)
        return TEEATTEST_E_INVALID_ARG;
    memset(opts, 0, size);
    opts->struct_size = size;
    return TEEATTEST_OK;
}

/* The arguments of the functions that print a value into a caller buffer:
 * ctx, out of at least `need` bytes, the document. */
static int out_args(const teeattest_ctx *ctx, const char *out,
                    size_t out_size, size_t need, const uint8_t *json,
                    const char *what, teeattest_error *err)
{
    if (!ctx || !out || !json)
        return TA_INVALID(err, !ctx ? "ctx is NULL" : !out ? "out is NULL"
                                                           : "json is NULL");
    if (out_size < need)
        return ta_error(err, TEEATTEST_E_BUFFER_TOO_SMALL, NULL,
                        "%s needs %zu bytes", what, need);
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_aci_keyset_digest(teeattest_ctx *ctx, char *out,
                                              size_t out_size,
                                              const uint8_t *json,
                                              size_t json_len,
                                              teeattest_error *err)
{
    int rc = out_args(ctx, out, out_size, TEEATTEST_ACI_DIGEST_SIZE, json,
                      "a keyset digest", err);
    if (rc)
        return rc;
    ta_aci_keyset ks;
    rc = ta_aci_keyset_parse_doc(ctx, &ks, json, json_len, err);
    if (rc)
        return rc;
    memcpy(out, ks.digest, TA_ACI_DIGEST_SIZE);
    ta_aci_keyset_free(ctx, &ks);
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_aci_session_id(teeattest_ctx *ctx, char *out,
                                           size_t out_size,
                                           const uint8_t *json,
                                           size_t json_len,
                                           teeattest_error *err)
{
    int rc = out_args(ctx, out, out_size, TEEATTEST_ACI_SESSION_ID_SIZE,
                      json, "a session id", err);
    if (rc)
        return rc;
    json_t *j = NULL;
    rc = ta_json_parse(&j, json, json_len, TA_ACI_SESSION_MAX, err);
    if (rc)
        return rc;
    rc = ta_aci_session_id(ctx, j, out, err);
    json_decref(j);
    return rc;
}

TEEATTEST_API int teeattest_aci_verify_receipt(
    teeattest_ctx *ctx, teeattest_result **out, const uint8_t *receipt,
    size_t receipt_len, const uint8_t *keyset, size_t keyset_len,
    const teeattest_aci_receipt_options *opts, teeattest_error *err)
{
    if (out)
        *out = NULL;
    if (!ctx || !out || !receipt || !keyset)
        return TA_INVALID(err, !ctx ? "ctx is NULL" : !out ? "out is NULL"
                                                           : "no document");
    teeattest_aci_receipt_options po;
    memset(&po, 0, sizeof po);
    if (opts) {
        int rc = ta_copy_versioned(&po, sizeof po, opts, opts->struct_size,
                                   RECEIPT_OPTIONS_V1_SIZE,
                                   "teeattest_aci_receipt_options", err);
        if (rc)
            return rc;
    }
    if ((po.pinned_count && !po.pinned_sessions) ||
        (!po.request && po.request_len) || (!po.response && po.response_len) ||
        (!po.session && po.session_len) || po.rewrite < 0 || po.rewrite > 2 ||
        po.serving < 0 || po.serving > 2)
        return TA_INVALID(err, "opts");
    ta_aci_receipt_opts o;
    memset(&o, 0, sizeof o);
    o.request = po.request;
    o.request_len = po.request_len;
    o.has_request = po.request != NULL;
    o.response = po.response;
    o.response_len = po.response_len;
    o.has_response = po.response != NULL;
    o.rewrite = (ta_aci_rewrite)po.rewrite;
    o.require_verified = po.require_verified != 0;
    o.serving = (ta_aci_serving)po.serving;
    o.pinned = po.pinned_sessions;
    o.n_pinned = po.pinned_count;
    if (po.e2ee && !po.request) {
        /* the request hash covers the restored body (e2ee-v2 section 8) */
        int rc = teeattest_e2ee_restored_body(po.e2ee, &o.request,
                                              &o.request_len, err);
        if (rc)
            return rc;
        o.has_request = true;
    }

    ta_aci_keyset ks;
    int rc = ta_aci_keyset_parse_doc(ctx, &ks, keyset, keyset_len, err);
    if (rc)
        return rc;
    teeattest_result *r = NULL;
    ta_aci_session_info si;
    memset(&si, 0, sizeof si);
    ta_aci_receipt_info info;
    if (po.session) {
        /* The session the receipt cites, checked against that id. */
        ta_checks sc; /* tally only: what the receipt cites */
        memset(&sc, 0, sizeof sc);
        rc = ta_aci_receipt_verify(ctx, &sc, receipt, receipt_len, &ks, &o,
                                   &info, err);
        if (!rc) {
            memset(&sc, 0, sizeof sc);
            rc = ta_aci_session_verify(ctx, &sc, po.session, po.session_len,
                                       info.cites_session ? info.session_id
                                                          : NULL,
                                       &si, err);
        }
        if (!rc) {
            o.session_id = si.id;
            o.session_established_at = si.established_at;
            o.session_expires_at = si.expires_at;
        }
    }
    if (!rc && (rc = ta_result_new(ctx, &r)))
        rc = ta_error(err, rc, NULL, "allocating the result");
    if (!rc) {
        ta_checks c;
        memset(&c, 0, sizeof c);
        c.r = r;
        rc = ta_aci_receipt_verify(ctx, &c, receipt, receipt_len, &ks, &o,
                                   &info, err);
        if (!rc && po.session)
            rc = ta_aci_session_verify(ctx, &c, po.session, po.session_len,
                                       info.cites_session ? info.session_id
                                                          : NULL,
                                       NULL, err);
        if (!rc && po.e2ee)
            rc = ta_e2ee_record_checks(ctx, &c, po.e2ee, &ks, po.response,
                                       po.response_len, err);
    }
    if (!rc)
        rc = ta_result_finish(r, err);
    ta_aci_session_info_free(ctx, &si);
    ta_aci_keyset_free(ctx, &ks);
    if (rc) {
        teeattest_result_free(r);
        return rc;
    }
    *out = r;
    return TEEATTEST_OK;
}
