/*
 * Internal: parsing provider attestation documents into report entries
 * (report.c), shared by every dialect, and the request builders the
 * dialects share (provider.c).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_REPORT_H
#define TA_REPORT_H

#include "providers.h"

/* Fill the (empty) report from any known document shape; see report.c. */
int ta_report_parse_document(teeattest_report *r, const uint8_t *json,
                             size_t json_len, teeattest_error *err);

/* `tmpl` is a path with query, relative to the base URL, with placeholders
 * {model} {nonce} {algo} {id} {signing_address} {opt:NAME}; values are
 * percent-encoded, and a query parameter whose value comes out empty is
 * left out ("&signing_address={signing_address}" only when one is given). */
typedef struct ta_vars {
    const char *nonce;
    const char *signing_address;
    const char *id;
    const char *algo;
} ta_vars;

int ta_dialect_get(const teeattest_provider *p, ta_call *out,
                   const char *tmpl, const ta_vars *v, bool idempotent,
                   teeattest_error *err);
/* POST of a JSON body (copied) to `tmpl`, with Content-Type and, for a
 * stream, Accept: text/event-stream. Never idempotent. */
int ta_dialect_post(const teeattest_provider *p, ta_call *out,
                    const char *tmpl, const ta_vars *v, const uint8_t *body,
                    size_t body_len, bool stream, teeattest_error *err);
/* The dialect hook for every document shape. */
int ta_dialect_parse_any(teeattest_report *r, const uint8_t *json,
                         size_t json_len, teeattest_error *err);
/* The signing algorithm the provider asks for ("ecdsa" by default). */
const char *ta_provider_algo(const teeattest_provider *p);

#endif /* TA_REPORT_H */
