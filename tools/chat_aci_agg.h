/*
 * teeattest chat --provider aci behind an aggregator (chat_aci_agg.c):
 * the serving constraints --aci-verified and --aci-session ID..., the
 * cited session fetched, verified and deep-audited, refusals reported.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TEEATTEST_CHAT_ACI_AGG_H
#define TEEATTEST_CHAT_ACI_AGG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <teeattest/teeattest.h>

struct aci_agg {
    bool require_verified;   /* --aci-verified (or --aci-session) */
    const char **pins;       /* --aci-session values */
    size_t n_pins;
    char *body;              /* the request body with the constraints */
    char refusal[64];        /* the error type of a refusal answer, or "" */
    char session_id[65];     /* the session the receipt cites, or "" */
    uint8_t *session;        /* its document as fetched */
    size_t session_len;
    teeattest_result *audit; /* its verification and deep audit */
    bool missing;            /* cited, and the aggregator answered 404 */
};

/* Take the repeated --aci-session values out of argv[first..): *rest and
 * *rest_argc get the other arguments (free *rest and a->pins with
 * aci_agg_free). */
bool aci_agg_take_args(const char *cmd, int argc, char **argv, int first,
                       struct aci_agg *a, int *rest_argc, char ***rest);
/* Apply --aci-verified and the pins to the request body (*body, *len
 * then point at a->body); false (reported) on a malformed pin. */
bool aci_agg_body(const char *cmd, struct aci_agg *a, bool aci_verified,
                  const char **body, size_t *len);
/* True when the answer is a refusal with a receipt (HTTP 412 or 503 with
 * X-Receipt-Id): a->refusal names its error type. */
bool aci_agg_refusal(struct aci_agg *a, const teeattest_exchange *x);
/* Before verifying the receipt: the serving policy into *ro (with the
 * serving mode of `att`, the verified report the keyset came from); the
 * session the receipt cites fetched, its bytes into ro->session, and
 * verified and deep-audited into a->audit (with ev and pol). false:
 * reported error. */
bool aci_agg_session(const char *cmd, struct aci_agg *a, teeattest_ctx *ctx,
                     teeattest_provider *p, const teeattest_result *att,
                     const uint8_t *receipt,
                     size_t receipt_len, teeattest_evidence *ev,
                     const teeattest_policy *pol,
                     teeattest_aci_receipt_options *ro);
/* Whether the aggregator part verified: no refusal, a cited session
 * served, and its audit verified. */
bool aci_agg_verified(const struct aci_agg *a);
/* Text output: the session's checks and the refusal. */
void aci_agg_print(const struct aci_agg *a);
/* --json: `text` (a result object) with "session" (the audit's result)
 * and "refusal" added; malloc'd, NULL on error. */
char *aci_agg_json(const struct aci_agg *a, const char *text, size_t len);
void aci_agg_free(struct aci_agg *a, char **rest);

#endif
