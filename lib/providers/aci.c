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
/* Longest session document accepted (lib/aci's TA_ACI_SESSION_MAX). */
#define ACI_SESSION_MAX (16u << 20)

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

/* GET `path` (its {id} from `v`) into buf/len as received, at most `max`
 * bytes; `what` and `id` name the document in errors. */
static int fetch_doc(teeattest_provider *p, const char *path,
                     const ta_vars *v, size_t max, const char *what,
                     const char *id, uint8_t *buf, size_t *len,
                     teeattest_error *err)
{
    size_t cap = *len;
    if (!p->base_url)
        return ta_error(err, TEEATTEST_E_INVALID_ARG, NULL,
                        "the provider has no base URL");
    ta_call call;
    memset(&call, 0, sizeof call);
    int rc = ta_dialect_get(p, &call, path, v, true, err);
    if (rc)
        return rc;
    teeattest_http_response resp;
    ta_http_response_init(&resp, p->ctx, max, NULL, NULL);
    rc = ta_call_perform(p, &call, 0, &resp, err);
    if (!rc && resp.status == 404)
        rc = ta_error(err, TEEATTEST_E_NOT_FOUND, NULL,
                      "%s %.128s: unknown or expired (HTTP 404)", what, id);
    else if (!rc && (resp.status < 200 || resp.status > 299))
        rc = ta_error_backend(err, TEEATTEST_E_HTTP_STATUS, resp.status, NULL,
                              "%s %.128s: HTTP %d", what, id,
                              (int)resp.status);
    if (!rc) {
        *len = resp.body.len;
        if (resp.body.len > cap)
            rc = ta_error(err, TEEATTEST_E_BUFFER_TOO_SMALL, "len",
                          "the %s is %zu bytes; the buffer has %zu", what,
                          resp.body.len, cap);
        else if (resp.body.len)
            memcpy(buf, resp.body.data, resp.body.len);
    }
    ta_http_response_clear(&resp);
    ta_call_clear(p->ctx, &call);
    return rc;
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
    const char *id = ta_exchange_header(x, "X-Receipt-Id");
    if (!id)
        return ta_error(err, TEEATTEST_E_FIELD_MISSING, "X-Receipt-Id",
                        "the answer names no receipt (no X-Receipt-Id)");
    if (!receipt_id_ok(id))
        return ta_error(err, TEEATTEST_E_FIELD_MISSING, "X-Receipt-Id",
                        "X-Receipt-Id is not 1 to %u of [A-Za-z0-9._:-]",
                        ACI_ID_MAX);
    ta_vars v = {.id = id};
    return fetch_doc(p, "/v1/aci/receipts/{id}", &v, ACI_RECEIPT_MAX,
                     "receipt", id, buf, len, err);
}

/* ---- attested sessions (spec 8.1) --------------------------------------- */

TEEATTEST_API int teeattest_aci_session_fetch(teeattest_provider *p,
                                              const char *session_id,
                                              uint8_t *buf, size_t *len,
                                              teeattest_error *err)
{
    if (!p || !session_id || !len || (!buf && *len))
        return TA_INVALID(err, !p ? "provider is NULL"
                               : !session_id ? "session_id is NULL"
                               : !len ? "len is NULL" : "buf is NULL");
    /* the bare id a receipt cites: exactly 64 lowercase hex */
    size_t n = strnlen(session_id, 65);
    bool ok = n == 64;
    for (size_t i = 0; ok && i < n; i++)
        ok = (session_id[i] >= '0' && session_id[i] <= '9') ||
             (session_id[i] >= 'a' && session_id[i] <= 'f');
    if (!ok)
        return ta_error(err, TEEATTEST_E_INVALID_ARG, "session_id",
                        "a session id is 64 lowercase hex characters");
    ta_vars v = {.id = session_id};
    return fetch_doc(p, "/v1/aci/sessions/{id}", &v, ACI_SESSION_MAX,
                     "session", session_id, buf, len, err);
}
