/*
 * Internal provider layer: the provider object, the dialect table, the
 * normalized report model, and the request descriptions dialects build for
 * the transport layer to perform.
 *
 * Split of work:
 *   lib/providers/  provider.c (object, setters, options), report.c (report
 *                   object and accessors), one file per dialect (request
 *                   building, JSON -> report entries), registry.c.
 *   lib/transport/  performing ta_call's through the context transport
 *                   (retries, limits), SSE parsing, exchanges, and the public
 *                   teeattest_report_fetch / teeattest_chat /
 *                   teeattest_signature_fetch built on the dialect hooks.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_PROVIDERS_H
#define TA_PROVIDERS_H

#include <stdbool.h>

#include "../core/core.h"
#include "../transport/transport.h"

/* ---- requests ---------------------------------------------------------- */

/* A dialect describes each request as a ta_call (lib/transport/transport.h)
 * for the transport layer to perform. */

/* Perform `call` with the provider's settings: its timeouts, body limit,
 * CA file, pinned key, User-Agent and retries (default 2), and `flags`
 * (TEEATTEST_HTTP_STREAM / _PEER_KEY), through ta_request(), whose retry
 * and deadline rules apply. */
int ta_call_perform(const teeattest_provider *p, const ta_call *call,
                    uint32_t flags, teeattest_http_response *resp,
                    teeattest_error *err);

/* GET `url` from a service that is not a provider (RIM service, NRAS JWKS)
 * through ta_request(): up to `retries` retries, TA_SERVICE_CONNECT_MS to
 * connect, TA_SERVICE_TOTAL_MS per attempt, "Accept: application/json"
 * and, when `bearer` is set, "Authorization: Bearer <bearer>" (wiped
 * afterwards). `resp` is initialised by the caller. Returns TEEATTEST_OK
 * when a response arrived (any status), else the transport error with
 * `err` filled. */
int ta_service_get(teeattest_ctx *ctx, const char *url, const char *bearer,
                   uint32_t retries, uint64_t max_body,
                   teeattest_http_response *resp, teeattest_error *err);

/* teeattest_exchange_header() for the library's own callers (calling the
 * exported function from inside the library puts a second declaration of
 * it into the debug info, which the ABI check reads). */
const char *ta_exchange_header(const teeattest_exchange *x, const char *name);

/* ---- dialects ---------------------------------------------------------- */

typedef struct ta_dialect ta_dialect;

struct teeattest_provider {
    teeattest_ctx *ctx;          /* a reference */
    atomic_size_t refs;
    const ta_dialect *dialect;
    char *base_url;              /* without trailing '/' */
    char *api_key;               /* wiped on free */
    char *model;
    char *signing_algo;          /* NULL = "ecdsa" */
    char *ca_file, *pinned_key, *user_agent;
    uint32_t max_retries;
    uint32_t connect_ms, total_ms, idle_ms;
    uint64_t max_body;
    /* dialect-specific options, name/value pairs (owned) */
    char **opt_names, **opt_values;
    size_t n_opts;
};

/* Value of a dialect-specific option, or NULL when unset. */
const char *ta_provider_option(const teeattest_provider *p, const char *name);

struct ta_dialect {
    const char *name;
    const char *base_url;     /* default, or NULL */
    const char *summary;      /* for teeattest_dialect_info() */
    const char *api_key_env;  /* variable the CLI reads the key from, or NULL */
    const char *const *options; /* dialect-specific option names, NULL-ended */

    /* Attestation request for a nonce (64 lower-case hex) and an optional
     * signing address. */
    int (*attestation_call)(const teeattest_provider *p, ta_call *out,
                            const char *nonce_hex, const char *signing_address,
                            teeattest_error *err);
    /* Chat request: `body` is copied verbatim into out->body. */
    int (*chat_call)(const teeattest_provider *p, ta_call *out,
                     const uint8_t *body, size_t body_len, bool stream,
                     teeattest_error *err);
    /* Signature request by response id; NULL when the dialect has no
     * signature endpoint. */
    int (*signature_call)(const teeattest_provider *p, ta_call *out,
                          const char *id, const char *algo,
                          teeattest_error *err);
    /* Signature delivered with the answer (headers or an SSE event); NULL
     * when the dialect has none. Returns TEEATTEST_E_NOT_FOUND when this
     * exchange carries none. */
    int (*signature_from_exchange)(const teeattest_provider *p,
                                   teeattest_signature **out,
                                   const teeattest_exchange *x,
                                   teeattest_error *err);
    /* Fill `r` (created empty by the caller) from the document. */
    int (*parse_report)(teeattest_report *r, const uint8_t *json,
                        size_t json_len, teeattest_error *err);
};

/* Lookup by name ("auto" is handled by teeattest_report_parse). */
const ta_dialect *ta_dialect_find(const char *name);

/* ---- reports ----------------------------------------------------------- */

/* Create an empty report for `dialect` holding a copy of the document. */
int ta_report_new(teeattest_ctx *ctx, teeattest_report **out,
                  const ta_dialect *dialect, const uint8_t *json,
                  size_t json_len, teeattest_error *err);
/* What the fetch knows and the document does not: the nonce this client
 * sent and the peer TLS key of the connection that delivered it. */
int ta_report_set_fetch_info(teeattest_report *r, const uint8_t *nonce,
                             const uint8_t *spki, size_t spki_len);
/* The host name of the URL the report was fetched from (ACI's TLS keys
 * may be scoped to one); NULL / TEEATTEST_E_NOMEM. */
int ta_report_set_host(teeattest_report *r, const char *host);
const char *ta_report_host(const teeattest_report *r);

/* The document shape a report was parsed from (report.c), which decides
 * the report_data layout (specs/providers.md section 3). */
typedef enum ta_report_shape {
    TA_SHAPE_DSTACK = 0,    /* flat / all_attestations / model_attestations */
    TA_SHAPE_TWO_LAYER = 1, /* NEAR cloud gateway + model entries */
    TA_SHAPE_CHUTES = 2,    /* Chutes evidence, or RedPill's Chutes form */
    TA_SHAPE_IONET = 3,
    TA_SHAPE_TINFOIL = 4,
    TA_SHAPE_ACI = 5        /* ACI/1 {api_version, workload_keyset_digest,
                               attestation{...}} (lib/providers/aci.c) */
} ta_report_shape;
ta_report_shape ta_report_get_shape(const teeattest_report *r);

/* When the report was captured (Unix seconds; 0 unknown): the fetch
 * sets the context's clock, a bundle its recorded time. */
void ta_report_set_captured_at(teeattest_report *r, int64_t t);
int64_t ta_report_captured_at(const teeattest_report *r);

/* What report.consistency judges of the document itself, found once while
 * parsing (the flat dstack form repeats an entry at its top level; NEAR's
 * model proxy repeats all_attestations[0]). The verification adds whether
 * entry k was verified. */
typedef struct ta_report_consistency {
    bool applies;    /* all_attestations holds the entries and the top
                        level repeats at least one entry field */
    size_t repeated; /* how many entry fields the top level repeats */
    bool has_quote;  /* the top level carries a quote */
    size_t k;        /* the entry it repeats; the entry count: none */
    const char *bad; /* the first repeated field that differs from entry
                        k's, NULL: none (a static string) */
} ta_report_consistency;
/* Scan a parsed document holding `n` entries. */
void ta_report_consistency_scan(const struct json_t *root, size_t n,
                                ta_report_consistency *out);
/* The scan made while parsing; NULL when the report was not parsed from
 * a document. */
const ta_report_consistency *
ta_report_get_consistency(const teeattest_report *r);

#endif /* TA_PROVIDERS_H */
