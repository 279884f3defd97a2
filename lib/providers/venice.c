/*
 * Dialect "venice": Venice's TEE models (api.venice.ai/api): NEAR-style flat
 * reports (ecdsa, signing_key with 04) plus Venice's own verification
 * summary, which is ignored: a provider's "verified" is not evidence
 * (providers.md 7.5).
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
                          "/v1/tee/attestation?model={model}&nonce={nonce}"
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
    return ta_dialect_get(p, out, "/v1/tee/signature/{id}?model={model}"
                          "&signing_algo={algo}", &v, true, err);
}

const ta_dialect ta_dialect_venice = {
    .name = "venice",
    .base_url = "https://api.venice.ai/api",
    .summary = "Venice TEE models\n"
               "GET  /v1/tee/attestation?model&nonce[&signing_address]\n"
               "POST /v1/chat/completions\n"
               "GET  /v1/tee/signature/{id}?model&signing_algo\n"
               "API key: VENICE_API_KEY",
    .api_key_env = "VENICE_API_KEY",
    .attestation_call = attestation,
    .chat_call = chat,
    .signature_call = signature,
    .parse_report = ta_dialect_parse_any,
};
