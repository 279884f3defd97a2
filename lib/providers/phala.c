/*
 * Dialect "phala": Phala's 2024 inference API (inference-api.phala.network):
 * a report without nonce or signing_algo ({signing_address, nvidia_payload,
 * intel_quote in base64}) and {text, signature} records without "0x"
 * (providers.md 7.2). The nonce is sent anyway: newer Phala proxies on the
 * same paths bind it.
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

const ta_dialect ta_dialect_phala = {
    .name = "phala",
    .base_url = "https://inference-api.phala.network",
    .summary = "Phala inference API (2024 format)\n"
               "GET  /v1/attestation/report?model&nonce[&signing_address]\n"
               "POST /v1/chat/completions\n"
               "GET  /v1/signature/{id}?model&signing_algo\n"
               "API key: PHALA_API_KEY",
    .api_key_env = "PHALA_API_KEY",
    .attestation_call = attestation,
    .chat_call = chat,
    .signature_call = signature,
    .parse_report = ta_dialect_parse_any,
};
