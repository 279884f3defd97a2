/*
 * Dialect "nanogpt": NanoGPT's TEE models (nano-gpt.com/api): Phala
 * vllm-proxy reports under /v1/tee/ (event_log as a string, signing key
 * without 04), vllm-proxy signature records (providers.md 7.3). The nonce
 * is sent as 64 hex, never as NanoGPT's documented base64 example.
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
    return ta_dialect_get(p, out, "/v1/tee/signature/{id}?model={model}"
                          "&signing_algo={algo}", &v, true, err);
}

const ta_dialect ta_dialect_nanogpt = {
    .name = "nanogpt",
    .base_url = "https://nano-gpt.com/api",
    .summary = "NanoGPT TEE models\n"
               "GET  /v1/tee/attestation?model&nonce&signing_algo"
               "[&signing_address]\n"
               "POST /v1/chat/completions\n"
               "GET  /v1/tee/signature/{id}?model&signing_algo\n"
               "API key: NANOGPT_API_KEY",
    .api_key_env = "NANOGPT_API_KEY",
    .attestation_call = attestation,
    .chat_call = chat,
    .signature_call = signature,
    .parse_report = ta_dialect_parse_any,
};
