/*
 * Dialect "chutes": Chutes evidence (api.chutes.ai), providers.md 7.5:
 * `GET /chutes/{chute}/evidence?nonce=` gives one entry per instance (quote
 * in base64, GPU evidence, instance certificate). The chute is the option
 * "chute", else the model. Chutes has no per-response signatures (its
 * answers are protected by end-to-end encryption instead), so
 * teeattest_signature_fetch() answers TEEATTEST_E_UNSUPPORTED.
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
                          ta_provider_option(p, "chute")
                              ? "/chutes/{opt:chute}/evidence?nonce={nonce}"
                              : "/chutes/{model}/evidence?nonce={nonce}",
                          &v, true, err);
}

static int chat(const teeattest_provider *p, ta_call *out, const uint8_t *body,
                size_t len, bool stream, teeattest_error *err)
{
    return ta_dialect_post(p, out, "/v1/chat/completions", NULL, body, len,
                           stream, err);
}

static const char *const options[] = {"chute", NULL};

const ta_dialect ta_dialect_chutes = {
    .name = "chutes",
    .base_url = "https://api.chutes.ai",
    .summary = "Chutes (evidence per instance; no response signatures)\n"
               "GET  /chutes/{chute}/evidence?nonce\n"
               "POST /v1/chat/completions\n"
               "API key: CHUTES_API_KEY",
    .api_key_env = "CHUTES_API_KEY",
    .options = options,
    .attestation_call = attestation,
    .chat_call = chat,
    .parse_report = ta_dialect_parse_any,
};
