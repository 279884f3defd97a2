/*
 * Dialect "generic": a provider we do not know yet, described by its base
 * URL and path templates (options attestation_path, chat_path,
 * signature_path; placeholders {model} {nonce} {algo} {id}
 * {signing_address}, percent-encoded; a query parameter whose value is
 * empty is left out). The defaults are the dstack vllm-proxy paths. Any
 * known report shape is accepted; teeattest_report_parse(ctx, .., "auto",
 * ..) uses this dialect.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "report.h"

static const char *opt(const teeattest_provider *p, const char *name,
                       const char *def)
{
    const char *v = ta_provider_option(p, name);
    return v ? v : def;
}

static int attestation(const teeattest_provider *p, ta_call *out,
                       const char *nonce, const char *addr,
                       teeattest_error *err)
{
    ta_vars v = {.nonce = nonce, .signing_address = addr};
    return ta_dialect_get(p, out,
                          opt(p, "attestation_path",
                              "/v1/attestation/report?model={model}"
                              "&nonce={nonce}&signing_algo={algo}"
                              "&signing_address={signing_address}"),
                          &v, true, err);
}

static int chat(const teeattest_provider *p, ta_call *out, const uint8_t *body,
                size_t len, bool stream, teeattest_error *err)
{
    return ta_dialect_post(p, out, opt(p, "chat_path", "/v1/chat/completions"),
                           NULL, body, len, stream, err);
}

static int signature(const teeattest_provider *p, ta_call *out,
                     const char *id, const char *algo, teeattest_error *err)
{
    ta_vars v = {.id = id, .algo = algo};
    return ta_dialect_get(p, out,
                          opt(p, "signature_path",
                              "/v1/signature/{id}?model={model}"
                              "&signing_algo={algo}"),
                          &v, true, err);
}

static const char *const options[] = {"attestation_path", "chat_path",
                                      "signature_path", NULL};

const ta_dialect ta_dialect_generic = {
    .name = "generic",
    .base_url = NULL,
    .summary = "Any dstack-style provider: give --base-url; paths are options\n"
               "GET  attestation_path (default /v1/attestation/report?model"
               "&nonce&signing_algo[&signing_address])\n"
               "POST chat_path (default /v1/chat/completions)\n"
               "GET  signature_path (default /v1/signature/{id}?model"
               "&signing_algo)\n"
               "API key: TEEATTEST_API_KEY",
    .api_key_env = "TEEATTEST_API_KEY",
    .options = options,
    .attestation_call = attestation,
    .chat_call = chat,
    .signature_call = signature,
    .parse_report = ta_dialect_parse_any,
};
