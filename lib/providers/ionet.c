/*
 * Dialect "ionet": io.net private inference (api.intelligence.io.net),
 * providers.md 7.4. The report is requested with a POST; the signature
 * travels with the answer: in response headers (text, signature,
 * signing_address, signing_algo) or, when streaming, in an extra
 * `event: signature` before [DONE]. io.net's report_data holds only the
 * nonce: its signing key is not bound by hardware (reported by the
 * verifier), and its signed hashes are over re-serialized JSON, not the
 * bytes on the wire.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "report.h"
#include "../transport/sse.h"

static int attestation(const teeattest_provider *p, ta_call *out,
                       const char *nonce, const char *addr,
                       teeattest_error *err)
{
    (void)addr; /* io.net serves one key per model */
    if (!p->model)
        return ta_error(err, TEEATTEST_E_INVALID_ARG, NULL,
                        "ionet needs a model (its model_id)");
    json_t *j = json_pack("{s:s, s:s}", "model_id", p->model, "nonce", nonce);
    char *body = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(j);
    if (!body)
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "building request");
    int rc = ta_dialect_post(p, out, "/v1/private/attestation", NULL,
                             (const uint8_t *)body, strlen(body), false, err);
    free(body); /* jansson's allocation */
    return rc;
}

static int chat(const teeattest_provider *p, ta_call *out, const uint8_t *body,
                size_t len, bool stream, teeattest_error *err)
{
    return ta_dialect_post(p, out, "/v1/private/completions", NULL, body, len,
                           stream, err);
}

typedef struct find_sig {
    teeattest_ctx *ctx;
    teeattest_signature **out;
    teeattest_error *err;
    int rc;
    bool found;
} find_sig;

static int on_event(void *ud, const char *event, const char *data, size_t len)
{
    find_sig *f = ud;
    if (!event || strcmp(event, "signature") != 0)
        return 0;
    f->found = true;
    f->rc = teeattest_signature_parse_json(f->ctx, f->out,
                                           (const uint8_t *)data, len, f->err);
    return 1; /* the first one counts */
}

static int from_exchange(const teeattest_provider *p, teeattest_signature **out,
                         const teeattest_exchange *x, teeattest_error *err)
{
    const char *text = teeattest_exchange_header(x, "text");
    const char *sig = teeattest_exchange_header(x, "signature");
    if (text && sig)
        return teeattest_signature_new(
            p->ctx, out, text, sig, teeattest_exchange_header(x, "signing_address"),
            teeattest_exchange_header(x, "signing_algo"), err);
    const uint8_t *body;
    size_t len;
    if (teeattest_exchange_response(x, &body, &len) != TEEATTEST_OK)
        return TEEATTEST_E_NOT_FOUND;
    find_sig f = {.ctx = p->ctx, .out = out, .err = err};
    ta_sse sse;
    ta_sse_init(&sse, p->ctx, on_event, &f);
    int rc = ta_sse_feed(&sse, body, len);
    if (rc == 0)
        rc = ta_sse_finish(&sse, true);
    ta_sse_clear(&sse);
    if (f.found)
        return f.rc;
    if (rc < 0)
        return ta_error(err, rc, NULL, "reading the event stream");
    return TEEATTEST_E_NOT_FOUND;
}

const ta_dialect ta_dialect_ionet = {
    .name = "ionet",
    .base_url = "https://api.intelligence.io.net",
    .summary = "io.net private inference\n"
               "POST /v1/private/attestation {model_id, nonce}\n"
               "POST /v1/private/completions (signature in response headers, "
               "or an `event: signature` when streaming)\n"
               "API key: IOINTELLIGENCE_API_KEY",
    .api_key_env = "IOINTELLIGENCE_API_KEY",
    .attestation_call = attestation,
    .chat_call = chat,
    .signature_from_exchange = from_exchange,
    .parse_report = ta_dialect_parse_any,
};
