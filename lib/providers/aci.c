/*
 * Dialect "aci": Attested Confidential Inference aci/1 (the open protocol of
 * Dstack-TEE/private-ai-gateway, spec/aci.md). The report is requested
 * with the fresh 32-byte nonce as 64 lower-case hex (section 3.2) and
 * normalized into one entry from its dstack `tdx` evidence (report.c);
 * the keyset, its digest and the attestation statement are checked by
 * lib/verify/aci_report.c. Chat answers carry no signature of the older
 * dialects: each names a signed receipt (X-Receipt-Id, section 7).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>

#include "report.h"

/* Longest receipt document accepted (lib/aci's TA_ACI_DOC_MAX). */
#define ACI_RECEIPT_MAX (1u << 20)
#define ACI_ID_MAX 128u

static int attestation(const teeattest_provider *p, ta_call *out,
                       const char *nonce, const char *addr,
                       teeattest_error *err)
{
    (void)addr; /* one report per service (section 4) */
    ta_vars v = {.nonce = nonce};
    return ta_dialect_get(p, out, "/v1/aci/attestation?nonce={nonce}", &v,
                          true, err);
}

static int chat(const teeattest_provider *p, ta_call *out, const uint8_t *body,
                size_t len, bool stream, teeattest_error *err)
{
    return ta_dialect_post(p, out, "/v1/chat/completions", NULL, body, len,
                           stream, err);
}

const ta_dialect ta_dialect_aci = {
    .name = "aci",
    .base_url = NULL,
    .summary = "Attested Confidential Inference aci/1 (Dstack-TEE "
               "private-ai-gateway)\n"
               "GET  /v1/aci/attestation?nonce\n"
               "POST /v1/chat/completions (X-Receipt-Id)\n"
               "GET  /v1/aci/receipts/{id}\n"
               "GET  /v1/aci/sessions/{session_id}\n"
               "API key: ACI_API_KEY",
    .api_key_env = "ACI_API_KEY",
    .attestation_call = attestation,
    .chat_call = chat,
    .signature_call = NULL,
    .parse_report = ta_dialect_parse_any,
};

/* ---- receipts (spec 7.1) ------------------------------------------------ */

/* An id we put into a URL path: 1 to 128 of [A-Za-z0-9._:-]. */
static bool receipt_id_ok(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > ACI_ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' ||
              c == '-'))
            return false;
    }
    return strcmp(id, ".") != 0 && strcmp(id, "..") != 0;
}

TEEATTEST_API int teeattest_aci_receipt_fetch(teeattest_provider *p,
                                              const teeattest_exchange *x,
                                              uint8_t *buf, size_t *len,
                                              teeattest_error *err)
{
    if (!p || !x || !len || (!buf && *len))
        return TA_INVALID(err, !p ? "provider is NULL"
                               : !x ? "exchange is NULL"
                               : !len ? "len is NULL" : "buf is NULL");
    size_t cap = *len;
    const char *id = ta_exchange_header(x, "X-Receipt-Id");
    if (!id)
        return ta_error(err, TEEATTEST_E_FIELD_MISSING, "X-Receipt-Id",
                        "the answer names no receipt (no X-Receipt-Id)");
    if (!receipt_id_ok(id))
        return ta_error(err, TEEATTEST_E_FIELD_MISSING, "X-Receipt-Id",
                        "X-Receipt-Id is not 1 to %u of [A-Za-z0-9._:-]",
                        ACI_ID_MAX);
    if (!p->base_url)
        return ta_error(err, TEEATTEST_E_INVALID_ARG, NULL,
                        "the provider has no base URL");
    ta_call call;
    memset(&call, 0, sizeof call);
    ta_vars v = {.id = id};
    int rc = ta_dialect_get(p, &call, "/v1/aci/receipts/{id}", &v, true, err);
    if (rc)
        return rc;
    teeattest_http_response resp;
    ta_http_response_init(&resp, p->ctx, ACI_RECEIPT_MAX, NULL, NULL);
    rc = ta_call_perform(p, &call, 0, &resp, err);
    if (!rc && resp.status == 404)
        rc = ta_error(err, TEEATTEST_E_NOT_FOUND, NULL,
                      "receipt %.128s: unknown or expired (HTTP 404)", id);
    else if (!rc && (resp.status < 200 || resp.status > 299))
        rc = ta_error_backend(err, TEEATTEST_E_HTTP_STATUS, resp.status, NULL,
                              "receipt %.128s: HTTP %d", id,
                              (int)resp.status);
    if (!rc) {
        *len = resp.body.len;
        if (resp.body.len > cap)
            rc = ta_error(err, TEEATTEST_E_BUFFER_TOO_SMALL, "len",
                          "the receipt is %zu bytes; the buffer has %zu",
                          resp.body.len, cap);
        else if (resp.body.len)
            memcpy(buf, resp.body.data, resp.body.len);
    }
    ta_http_response_clear(&resp);
    ta_call_clear(p->ctx, &call);
    return rc;
}
