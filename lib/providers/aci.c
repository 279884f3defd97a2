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
#include "report.h"

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
