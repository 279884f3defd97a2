/*
 * teeattest chat --provider aci behind an aggregator (docs/aci.md): the
 * serving constraints of spec 5.3 added to the request, the session the
 * receipt cites fetched and given to the receipt's verification (id,
 * validity window) and deep-audited (teeattest_aci_session_audit), and a
 * refusal (session_not_accepted, upstream_verification_failed) reported
 * with its receipt verified.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "chat_aci_agg.h"
#include "cli.h"

/* Longest session document teeattest_aci_session_fetch() returns. */
#define ACI_SESSION_MAX (16u << 20)

bool aci_agg_take_args(const char *cmd, int argc, char **argv, int first,
                       struct aci_agg *a, int *rest_argc, char ***rest)
{
    memset(a, 0, sizeof *a);
    a->pins = calloc((size_t)argc + 1, sizeof *a->pins);
    *rest = calloc((size_t)argc + 1, sizeof **rest);
    if (!a->pins || !*rest) {
        cli_error(cmd, "out of memory");
        return false;
    }
    struct cli_repeated rep = {"aci-session", a->pins, 0};
    if (!cli_take_repeated(cmd, argc, argv, first, &rep, 1, rest_argc, *rest))
        return false;
    a->n_pins = rep.n;
    return true;
}

static bool is_id(const char *s)
{
    if (strlen(s) != 64)
        return false;
    for (size_t i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

bool aci_agg_body(const char *cmd, struct aci_agg *a, bool aci_verified,
                  const char **body, size_t *len)
{
    a->require_verified = aci_verified || a->n_pins;
    if (!a->require_verified)
        return true;
    json_t *req = json_loadb(*body, *len, 0, NULL);
    json_t *prov = json_object();
    if (!json_is_object(req) || !prov) {
        json_decref(req);
        json_decref(prov);
        cli_error(cmd, "out of memory");
        return false;
    }
    /* aci_session_ids implies aci_verified (spec 5.3) */
    json_object_set_new(prov, "aci_verified", json_true());
    if (a->n_pins) {
        json_t *ids = json_array();
        for (size_t i = 0; i < a->n_pins; i++) {
            if (!is_id(a->pins[i])) {
                json_decref(ids);
                json_decref(prov);
                json_decref(req);
                cli_error(cmd, "--aci-session: a session id is 64 lowercase "
                               "hex characters");
                return false;
            }
            json_array_append_new(ids, json_string(a->pins[i]));
        }
        json_object_set_new(prov, "aci_session_ids", ids);
    }
    json_object_set_new(req, "provider", prov);
    a->body = json_dumps(req, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(req);
    if (!a->body) {
        cli_error(cmd, "out of memory");
        return false;
    }
    *body = a->body;
    *len = strlen(a->body);
    return true;
}

bool aci_agg_refusal(struct aci_agg *a, const teeattest_exchange *x)
{
    int32_t http = teeattest_exchange_status(x);
    if ((http != 412 && http != 503) ||
        !teeattest_exchange_header(x, "X-Receipt-Id"))
        return false;
    const uint8_t *resp;
    size_t len;
    teeattest_exchange_response(x, &resp, &len);
    json_t *d = json_loadb((const char *)resp, len, 0, NULL);
    const char *type =
        json_string_value(json_object_get(json_object_get(d, "error"), "type"));
    snprintf(a->refusal, sizeof a->refusal, "%s",
             type && strlen(type) < sizeof a->refusal ? type : "refused");
    json_decref(d);
    return true;
}

/* The session_id of the receipt's last upstream.verified event: only
 * which document to fetch; the receipt's verification checks the rest. */
static bool cited_session(const uint8_t *receipt, size_t len, char id[65])
{
    json_t *d = json_loadb((const char *)receipt, len, 0, NULL);
    const char *s = NULL;
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(d, "event_log"), i, e) {
        const char *t = json_string_value(json_object_get(e, "type"));
        if (t && strcmp(t, "upstream.verified") == 0)
            s = json_string_value(json_object_get(e, "session_id"));
    }
    bool ok = s && is_id(s);
    if (ok)
        memcpy(id, s, 65);
    json_decref(d);
    return ok;
}

/* The serving mode the verified report `att` established (facts
 * aci.serving, aci.serving_bound): the same report as the keyset. */
static int32_t serving_of(const teeattest_result *att)
{
    const char *s = teeattest_result_fact(att, "aci.serving");
    const char *bound = teeattest_result_fact(att, "aci.serving_bound");
    if (!s || strcmp(s, "direct") != 0)
        return TEEATTEST_ACI_SERVING_UNKNOWN;
    return bound && strcmp(bound, "true") == 0
               ? TEEATTEST_ACI_SERVING_DIRECT
               : TEEATTEST_ACI_SERVING_DIRECT_UNBOUND;
}

bool aci_agg_session(const char *cmd, struct aci_agg *a, teeattest_ctx *ctx,
                     teeattest_provider *p, const teeattest_result *att,
                     const uint8_t *receipt, size_t receipt_len,
                     teeattest_evidence *ev, const teeattest_policy *pol,
                     teeattest_aci_receipt_options *ro)
{
    ro->require_verified = a->require_verified;
    ro->serving = serving_of(att);
    ro->pinned_sessions = a->n_pins ? a->pins : NULL;
    ro->pinned_count = a->n_pins;
    if (!cited_session(receipt, receipt_len, a->session_id)) {
        a->session_id[0] = '\0';
        return true; /* a direct service, or a refusal: the receipt says */
    }
    teeattest_error err = TEEATTEST_ERROR_INIT;
    a->session_len = ACI_SESSION_MAX;
    a->session = malloc(a->session_len);
    if (!a->session) {
        cli_error(cmd, "out of memory");
        return false;
    }
    int st = teeattest_aci_session_fetch(p, a->session_id, a->session,
                                         &a->session_len, &err);
    if (st == TEEATTEST_E_NOT_FOUND) {
        /* a cited session that is not served fails (aci_agg_verified);
         * the receipt's session checks say what is missing */
        a->missing = true;
        free(a->session);
        a->session = NULL;
        a->session_len = 0;
        return true;
    }
    if (st != TEEATTEST_OK) {
        cli_error(cmd, "fetching session %s: %s", a->session_id,
                  err.message[0] ? err.message : teeattest_status_str(st));
        return false;
    }
    ro->session = a->session;
    ro->session_len = a->session_len;
    st = teeattest_aci_session_audit(ctx, &a->audit, a->session,
                                     a->session_len, a->session_id, ev, pol,
                                     &err);
    if (st != TEEATTEST_OK) {
        cli_error(cmd, "auditing session %s: %s", a->session_id,
                  err.message[0] ? err.message : teeattest_status_str(st));
        return false;
    }
    return true;
}

bool aci_agg_verified(const struct aci_agg *a)
{
    return !a->refusal[0] && !a->missing &&
           (!a->audit ||
            teeattest_result_verdict(a->audit) == TEEATTEST_VERDICT_VERIFIED);
}

void aci_agg_print(const struct aci_agg *a)
{
    if (a->audit) {
        printf("\nsession %s:\n", a->session_id);
        cli_print_checks(a->audit, "");
        printf("session: %s\n",
               teeattest_result_verdict(a->audit) == TEEATTEST_VERDICT_VERIFIED
                   ? "verified (deep audit: see aci.session.deep_audit)"
                   : "FAILED");
    } else if (a->session_id[0]) {
        printf("session %s: FAILED (not served by the aggregator: not "
               "verified)\n", a->session_id);
    }
    if (a->refusal[0])
        printf("refused: %s (the aggregator did not forward the prompt; its "
               "refusal receipt was checked)\n", a->refusal);
}

char *aci_agg_json(const struct aci_agg *a, const char *text, size_t len)
{
    json_t *d = json_loadb(text, len, JSON_DECODE_ANY, NULL);
    if (!json_is_object(d)) {
        json_decref(d);
        return NULL;
    }
    if (a->audit) {
        const char *t = NULL;
        size_t n = 0;
        json_t *s = teeattest_result_to_json(a->audit, &t, &n, NULL) ==
                            TEEATTEST_OK
                        ? json_loadb(t, n, 0, NULL)
                        : NULL;
        if (!s) {
            json_decref(d);
            return NULL;
        }
        json_object_set_new(d, "session", s);
    }
    if (a->refusal[0])
        json_object_set_new(d, "refusal", json_string(a->refusal));
    if (a->missing)
        json_object_set_new(d, "session_error",
                            json_string("the cited session is not served "
                                        "(HTTP 404): it is not verified"));
    char *out = json_dumps(d, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(d);
    return out;
}

void aci_agg_free(struct aci_agg *a, char **rest)
{
    free(rest);
    free(a->pins);
    free(a->body);
    free(a->session);
    teeattest_result_free(a->audit);
    memset(a, 0, sizeof *a);
}
