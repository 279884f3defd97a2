/*
 * Dialect "nearai": NEAR AI's cloud gateway (cloud-api.near.ai, two-layer
 * reports) and its model proxies (inference-proxy, flat reports), with
 * ecdsa or ed25519 signing keys (providers.md 7.1). The gateway's default
 * algorithm differs from the proxies', so it is always sent; the TLS
 * fingerprint is requested unless the option include_tls_fingerprint is
 * "false".
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>

#include "report.h"

static int attestation(const teeattest_provider *p, ta_call *out,
                       const char *nonce, const char *addr,
                       teeattest_error *err)
{
    ta_vars v = {.nonce = nonce, .signing_address = addr};
    const char *tls = ta_provider_option(p, "include_tls_fingerprint");
    bool with_tls = !tls || strcmp(tls, "false") != 0;
    return ta_dialect_get(p, out,
                          with_tls
                              ? "/v1/attestation/report?model={model}"
                                "&signing_algo={algo}&nonce={nonce}"
                                "&include_tls_fingerprint=true"
                                "&signing_address={signing_address}"
                              : "/v1/attestation/report?model={model}"
                                "&signing_algo={algo}&nonce={nonce}"
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

static const char *const options[] = {"include_tls_fingerprint", NULL};

const ta_dialect ta_dialect_nearai = {
    .name = "nearai",
    .base_url = "https://cloud-api.near.ai",
    .summary = "NEAR AI cloud gateway and model proxies\n"
               "GET  /v1/attestation/report?model&signing_algo&nonce"
               "&include_tls_fingerprint=true[&signing_address]\n"
               "POST /v1/chat/completions\n"
               "GET  /v1/signature/{id}?model&signing_algo\n"
               "API key: NEARAI_API_KEY",
    .api_key_env = "NEARAI_API_KEY",
    .options = options,
    .attestation_call = attestation,
    .chat_call = chat,
    .signature_call = signature,
    .parse_report = ta_dialect_parse_any,
};
