/*
 * Dialect "redpill": the RedPill gateway (api.redpill.ai). Reports are the
 * backend's: Phala vllm-proxy flat form with all_attestations, NEAR's
 * two-layer form, or the Chutes/Tinfoil forms for models resold from them
 * (providers.md 7.2); signatures are proxied from the backend.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "report.h"

static int attestation(const teeattest_provider *p, ta_call *out,
                       const char *nonce, const char *addr,
                       teeattest_error *err)
{
    ta_vars v = {.nonce = nonce, .signing_address = addr};
    return ta_dialect_get(p, out,
                          "/v1/attestation/report?model={model}&nonce={nonce}"
                          "&signing_algo={algo}"
                          "&signing_address={signing_address}",
                          &v, true, err);
}

static int chat(const teeattest_provider *p, ta_call *out, const uint8_t *body,
                size_t len, bool stream, teeattest_error *err)
{
    return ta_dialect_post(p, out, "/v1/chat/completions", NULL, body, len,
                           stream, err);
}

static int signature(const teeattest_provider *p, ta_call *out,
                     const char *id, const char *algo, teeattest_error *err)
{
    ta_vars v = {.id = id, .algo = algo};
    return ta_dialect_get(p, out, "/v1/signature/{id}?model={model}"
                          "&signing_algo={algo}", &v, true, err);
}

const ta_dialect ta_dialect_redpill = {
    .name = "redpill",
    .base_url = "https://api.redpill.ai",
    .summary = "RedPill gateway (Phala, NEAR, Chutes and Tinfoil backends)\n"
               "GET  /v1/attestation/report?model&nonce&signing_algo"
               "[&signing_address]\n"
               "POST /v1/chat/completions\n"
               "GET  /v1/signature/{id}?model&signing_algo\n"
               "API key: REDPILL_API_KEY",
    .api_key_env = "REDPILL_API_KEY",
    .attestation_call = attestation,
    .chat_call = chat,
    .signature_call = signature,
    .parse_report = ta_dialect_parse_any,
};
