/*
 * Dialect "tinfoil": Tinfoil V3 attestation
 * (`GET /.well-known/tinfoil-attestation?nonce=`, providers.md 7.5). There
 * is no default base URL: each Tinfoil enclave has its own host. No
 * per-response signatures (answers are end-to-end encrypted instead).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "report.h"

static int attestation(const teeattest_provider *p, ta_call *out,
                       const char *nonce, const char *addr,
                       teeattest_error *err)
{
    (void)addr;
    ta_vars v = {.nonce = nonce};
    return ta_dialect_get(p, out,
                          "/.well-known/tinfoil-attestation?nonce={nonce}", &v,
                          true, err);
}

static int chat(const teeattest_provider *p, ta_call *out, const uint8_t *body,
                size_t len, bool stream, teeattest_error *err)
{
    return ta_dialect_post(p, out, "/v1/chat/completions", NULL, body, len,
                           stream, err);
}

const ta_dialect ta_dialect_tinfoil = {
    .name = "tinfoil",
    .base_url = NULL,
    .summary = "Tinfoil enclaves (V3 attestation; no response signatures)\n"
               "GET  /.well-known/tinfoil-attestation?nonce\n"
               "POST /v1/chat/completions\n"
               "API key: TINFOIL_API_KEY",
    .api_key_env = "TINFOIL_API_KEY",
    .attestation_call = attestation,
    .chat_call = chat,
    .parse_report = ta_dialect_parse_any,
};
