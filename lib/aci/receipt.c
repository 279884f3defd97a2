/*
 * ACI/1 inference receipts (spec/aci.md 7, 9.3): the Ed25519 signature over
 * the JCS form without `signature`, by the key `key_id` names in an
 * established keyset; the document's version and keyset digest; the event
 * log against the exact request and response bytes; the upstream outcome
 * under policy.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <inttypes.h>
#include <string.h>

#include <jansson.h>

#include "aci.h"
#include "../crypto/crypto.h"

/* Every check, in the order recorded (docs/checks.md). */
static const char *const NAMES[] = {
    "aci.receipt.shape",        "aci.receipt.api_version",
    "aci.receipt.signature",    "aci.receipt.keyset_digest",
    "aci.receipt.keyset_expiry", "aci.receipt.events",
    "aci.receipt.request_hash", "aci.receipt.response_hash",
    "aci.receipt.rewrite",      "aci.receipt.upstream",
    "aci.receipt.session_pinned", "aci.receipt.session_window",
};

#define PASS TEEATTEST_OUTCOME_PASS
#define FAIL TEEATTEST_OUTCOME_FAIL
#define SKIP TEEATTEST_OUTCOME_SKIP
#define WARN TEEATTEST_OUTCOME_WARN

/* What the event log says, pointing into the document. */
typedef struct events {
    const char *received, *forwarded, *returned; /* body_hash values */
    size_t n_received, n_forwarded, n_returned, n_unknown;
    const json_t *upstream; /* the last upstream.verified event */
    const char *problem;    /* first vocabulary violation, NULL = none */
    char why[160];
} events;

static const char *str_of(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool is_digest_str(const char *s)
{
    return s && ta_aci_is_digest(s, strlen(s));
}

static bool is_session_id(const char *s)
{
    return s && strlen(s) == 64 && ta_aci_is_lower_hex(s, 64);
}

/* The document shape of spec 7.3; NULL when it holds, else why not. */
static const char *shape(const json_t *d)
{
    static const char *const strs[] = {"api_version", "receipt_id",
                                       "workload_keyset_digest", "key_id",
                                       "signature"};
    for (size_t i = 0; i < TA_ARRAY_LEN(strs); i++)
        if (!json_is_string(json_object_get(d, strs[i])))
            return strs[i];
    static const char *const opt_strs[] = {"endpoint", "method"};
    for (size_t i = 0; i < TA_ARRAY_LEN(opt_strs); i++) {
        const json_t *v = json_object_get(d, opt_strs[i]);
        if (v && !json_is_string(v))
            return opt_strs[i];
    }
    static const char *const nullable[] = {"chat_id", "model"};
    for (size_t i = 0; i < TA_ARRAY_LEN(nullable); i++) {
        const json_t *v = json_object_get(d, nullable[i]);
        if (v && !json_is_string(v) && !json_is_null(v))
            return nullable[i];
    }
    if (!json_is_integer(json_object_get(d, "served_at")))
        return "served_at";
    const json_t *ev = json_object_get(d, "event_log");
    if (!json_is_array(ev) || json_array_size(ev) == 0 ||
        json_array_size(ev) > TA_ACI_EVENTS_MAX)
        return "event_log";
    const char *sig = str_of(d, "signature");
    if (strlen(sig) != 128 || !ta_aci_is_lower_hex(sig, 128))
        return "signature";
    return NULL;
}

static void scan_events(const json_t *log, events *e)
{
    memset(e, 0, sizeof *e);
    size_t i;
    json_t *ev;
    json_array_foreach(log, i, ev) {
        const char *type = json_is_object(ev) ? str_of(ev, "type") : NULL;
        if (!type) {
            snprintf(e->why, sizeof e->why,
                     "event %zu is not an object with a string type", i);
            break;
        }
        bool hashed = strcmp(type, "request.received") == 0 ||
                      strcmp(type, "request.forwarded") == 0 ||
                      strcmp(type, "response.returned") == 0;
        const char *h = str_of(ev, "body_hash");
        if (hashed && !is_digest_str(h)) {
            snprintf(e->why, sizeof e->why,
                     "event %zu (%s): body_hash is not sha256:<64 lowercase "
                     "hex>", i, type);
            break;
        }
        if (strcmp(type, "request.received") == 0) {
            if (i != 0 || e->n_received++) {
                snprintf(e->why, sizeof e->why,
                         "request.received is not once and first");
                break;
            }
            e->received = h;
        } else if (strcmp(type, "request.forwarded") == 0) {
            if (e->n_forwarded++) {
                snprintf(e->why, sizeof e->why, "request.forwarded twice");
                break;
            }
            e->forwarded = h;
        } else if (strcmp(type, "response.returned") == 0) {
            if (e->n_returned++) {
                snprintf(e->why, sizeof e->why, "response.returned twice");
                break;
            }
            e->returned = h;
        } else if (strcmp(type, "upstream.verified") == 0) {
            const char *res = str_of(ev, "result");
            const json_t *req = json_object_get(ev, "required");
            bool ok = json_is_boolean(req) && res &&
                      ((strcmp(res, "verified") == 0 &&
                        is_session_id(str_of(ev, "session_id"))) ||
                       (strcmp(res, "failed") == 0 &&
                        json_is_string(json_object_get(ev, "reason"))));
            if (!ok) {
                snprintf(e->why, sizeof e->why,
                         "event %zu (upstream.verified): needs a boolean "
                         "required and result \"verified\" with a 64-hex "
                         "session_id or \"failed\" with a reason", i);
                break;
            }
            e->upstream = ev;
        } else {
            e->n_unknown++; /* ignored (spec 7.4) */
        }
    }
    if (!e->why[0] && !e->n_received)
        snprintf(e->why, sizeof e->why, "no request.received event");
    if (!e->why[0] && !e->n_returned)
        snprintf(e->why, sizeof e->why, "no response.returned event");
    if (e->why[0])
        e->problem = e->why;
}

static void check_signature(const teeattest_ctx *ctx, ta_checks *c,
                            const json_t *d, const ta_aci_keyset *ks,
                            teeattest_error *err, int *rc)
{
    const char *name = "aci.receipt.signature";
    const char *kid = str_of(d, "key_id");
    const ta_aci_key *k = ta_aci_keyset_find(ks, TA_ACI_ROLE_RECEIPT, kid,
                                             strlen(kid));
    if (!k) {
        ta_checks_add(c, name, FAIL, true,
                      "key_id \"%.64s\" is not in the keyset's "
                      "receipt_signing_keys", kid);
        return;
    }
    if (!k->recognized || k->algo_id != TA_ACI_ALGO_ED25519) {
        ta_checks_add(c, name, FAIL, true,
                      "key \"%.64s\" is %.64s, not ed25519: a receipt signed "
                      "with an algorithm this verifier does not implement is "
                      "rejected", kid, k->algo);
        return;
    }
    uint8_t sig[64];
    ta_hex_decode(sig, 64, str_of(d, "signature"), 128);
    json_t *unsigned_doc = json_copy((json_t *)d);
    if (!unsigned_doc || json_object_del(unsigned_doc, "signature")) {
        json_decref(unsigned_doc);
        *rc = ta_error(err, TEEATTEST_E_NOMEM, "aci receipt", "out of memory");
        return;
    }
    ta_buf b;
    ta_buf_init(&b, ctx, 0);
    int r = ta_jcs_append(&b, unsigned_doc, 0, NULL);
    json_decref(unsigned_doc);
    if (r) {
        ta_buf_free(&b);
        ta_checks_add(c, name, FAIL, true,
                      "the document has no JCS form (status %d)", r);
        return;
    }
    r = ta_ed25519_verify(ctx, sig, b.data, b.len, k->pub);
    ta_buf_free(&b);
    if (r == TEEATTEST_OK)
        ta_checks_add(c, name, PASS, true,
                      "ed25519 over the JCS form without signature, by "
                      "\"%.64s\"", kid);
    else
        ta_checks_add(c, name, FAIL, true,
                      "ed25519 signature does not verify under \"%.64s\"",
                      kid);
}

/* body_hash `want` against the bytes or digest the caller gave. */
static void check_body(const teeattest_ctx *ctx, ta_checks *c,
                       const char *name, const char *what, const char *want,
                       bool has, const uint8_t *bytes, size_t len,
                       const uint8_t *digest, const char *event)
{
    if (!has && !digest) {
        ta_checks_add(c, name, SKIP, false,
                      "no %s bytes given: the receipt is not checked against "
                      "a %s", what, what);
        return;
    }
    if (!want) {
        ta_checks_add(c, name, FAIL, true, "no %s event with a body_hash",
                      event);
        return;
    }
    uint8_t d[32];
    if (has) {
        if (ta_sha256(ctx, d, bytes ? bytes : (const uint8_t *)"", len)) {
            ta_checks_add(c, name, FAIL, true, "SHA-256 failed");
            return;
        }
    } else {
        memcpy(d, digest, 32);
    }
    char got[TA_ACI_DIGEST_SIZE];
    ta_aci_digest_str(got, d);
    if (strcmp(got, want) == 0)
        ta_checks_add(c, name, PASS, true, "%s body_hash %s", event, got);
    else
        ta_checks_add(c, name, FAIL, true,
                      "%s body_hash %s, the %s bytes hash to %s", event, want,
                      what, got);
}

static void check_upstream(ta_checks *c, const events *e,
                           const ta_aci_receipt_opts *o,
                           ta_aci_receipt_info *info)
{
    const char *name = "aci.receipt.upstream";
    /* Spec 4.1, 7.5: a direct service's receipts carry no upstream event.
     * One that does is judged by its signed record, as an aggregator's. */
    const char *inconsistent =
        o->serving == TA_ACI_SERVING_DIRECT
            ? " (the report says direct, yet the receipt records an "
              "upstream: judged by the record)"
            : "";
    if (!e->upstream) {
        if (o->serving == TA_ACI_SERVING_DIRECT) {
            /* spec 5.3: no second hop to attest */
            info->by_construction = true;
            if (o->require_verified)
                ta_checks_add(c, name, PASS, true,
                              "direct service: aci_verified satisfied by "
                              "construction (spec 5.3)");
            else
                ta_checks_add(c, name, SKIP, false,
                              "no upstream.verified event (a direct "
                              "service: spec 4.1)");
        } else if (o->require_verified) {
            ta_checks_add(c, name, FAIL, true,
                          "verified serving required and the receipt has no "
                          "upstream.verified event%s",
                          o->serving == TA_ACI_SERVING_DIRECT_UNBOUND
                              ? " (the report says direct, but over no "
                                "channel the attested keyset binds "
                                "(aci.tls did not pass): an unbound claim "
                                "does not satisfy it)"
                              : " (the report does not establish a direct "
                                "service)");
        } else {
            ta_checks_add(c, name, SKIP, false,
                          "no upstream.verified event (a direct service, "
                          "or an aggregator that recorded none)");
        }
        return;
    }
    const char *res = str_of(e->upstream, "result");
    bool req = json_is_true(json_object_get(e->upstream, "required"));
    info->upstream_required = req;
    if (strcmp(res, "verified") == 0) {
        info->upstream = TA_ACI_UPSTREAM_VERIFIED;
        info->cites_session = true;
        snprintf(info->session_id, sizeof info->session_id, "%s",
                 str_of(e->upstream, "session_id"));
        if (o->require_verified && !req)
            ta_checks_add(c, name, FAIL, true,
                          "verified serving required and the service recorded "
                          "required: false%s", inconsistent);
        else
            ta_checks_add(c, name, PASS, true,
                          "upstream verified (required: %s), session %s%s",
                          req ? "true" : "false", info->session_id,
                          inconsistent);
        return;
    }
    info->upstream = TA_ACI_UPSTREAM_FAILED;
    const char *reason = str_of(e->upstream, "reason");
    if (o->require_verified)
        ta_checks_add(c, name, FAIL, true,
                      "verified serving required; upstream verification "
                      "failed: %.200s%s", reason, inconsistent);
    else
        ta_checks_add(c, name, WARN, false,
                      "upstream verification failed (required: %s; %s): "
                      "%.200s%s", req ? "true" : "false",
                      e->forwarded ? "served unverified" : "refused", reason,
                      inconsistent);
}

static void check_sessions(ta_checks *c, const json_t *d,
                           const ta_aci_receipt_opts *o,
                           const ta_aci_receipt_info *info)
{
    const char *name = "aci.receipt.session_pinned";
    if (!o->n_pinned) {
        ta_checks_add(c, name, SKIP, false, "no sessions pinned");
    } else if (info->by_construction) {
        ta_checks_add(c, name, FAIL, true,
                      "sessions pinned, and a direct service has none: it "
                      "refuses any list (spec 5.3)");
    } else if (!info->cites_session) {
        ta_checks_add(c, name, FAIL, true,
                      "sessions pinned and the receipt cites none");
    } else {
        bool found = false;
        for (size_t i = 0; i < o->n_pinned && !found; i++)
            found = o->pinned[i] && strcmp(o->pinned[i], info->session_id) == 0;
        ta_checks_add(c, name, found ? PASS : FAIL, true,
                      found ? "cited session %s is pinned"
                            : "cited session %s is not among the pinned",
                      info->session_id);
    }
    name = "aci.receipt.session_window";
    bool need = o->require_verified || o->n_pinned;
    if (!info->cites_session) {
        ta_checks_add(c, name, SKIP, false, "the receipt cites no session");
    } else if (!o->session_id) {
        ta_checks_add(c, name, SKIP, need,
                      "cited session %s not verified here: fetch and verify "
                      "it", info->session_id);
    } else if (strcmp(o->session_id, info->session_id) != 0) {
        ta_checks_add(c, name, FAIL, true,
                      "the session given (%.64s) is not the cited one (%s)",
                      o->session_id, info->session_id);
    } else {
        int64_t at = json_integer_value(json_object_get(d, "served_at"));
        bool in = o->session_established_at <= at &&
                  at < o->session_expires_at;
        ta_checks_add(c, name, in ? PASS : FAIL, true,
                      "served_at %" PRId64 " %s [%" PRId64 ", %" PRId64 ")",
                      at, in ? "inside" : "outside",
                      o->session_established_at, o->session_expires_at);
    }
}

static void facts(teeattest_result *r, const json_t *d,
                  const ta_aci_receipt_info *info)
{
    if (!r)
        return;
    ta_result_fact_str(r, "aci.receipt.id", str_of(d, "receipt_id"));
    ta_result_fact_str(r, "aci.receipt.key_id", str_of(d, "key_id"));
    ta_result_fact_str(r, "aci.receipt.keyset_digest",
                       str_of(d, "workload_keyset_digest"));
    ta_result_fact_int(r, "aci.receipt.served_at", info->served_at);
    if (str_of(d, "model"))
        ta_result_fact_str(r, "aci.receipt.model", str_of(d, "model"));
    if (str_of(d, "chat_id"))
        ta_result_fact_str(r, "aci.receipt.chat_id", str_of(d, "chat_id"));
    static const char *const up[] = {"none", "verified", "failed"};
    ta_result_fact_str(r, "aci.receipt.upstream", up[info->upstream]);
    if (info->cites_session)
        ta_result_fact_str(r, "aci.receipt.session_id", info->session_id);
    if (info->by_construction)
        ta_result_fact_str(r, "aci.receipt.serving", "direct");
    if (info->forwarded)
        ta_result_fact_bool(r, "aci.receipt.rewritten", info->rewritten);
}

int ta_aci_receipt_verify(const teeattest_ctx *ctx, ta_checks *c,
                          const uint8_t *doc, size_t len,
                          const ta_aci_keyset *ks,
                          const ta_aci_receipt_opts *opts,
                          ta_aci_receipt_info *info, teeattest_error *err)
{
    if (!ctx || !c || (!doc && len) || !ks)
        return TA_INVALID(err, "ta_aci_receipt_verify");
    ta_aci_receipt_opts none;
    memset(&none, 0, sizeof none);
    const ta_aci_receipt_opts *o = opts ? opts : &none;
    ta_aci_receipt_info scratch;
    if (!info)
        info = &scratch;
    memset(info, 0, sizeof *info);
    json_t *d = NULL;
    int rc = ta_json_parse(&d, doc, len, TA_ACI_DOC_MAX, err);
    if (rc)
        return rc;
    if (!json_is_object(d)) {
        json_decref(d);
        return ta_error(err, TEEATTEST_E_JSON, "aci receipt",
                        "the receipt is not a JSON object");
    }
    const char *bad = shape(d);
    if (bad) {
        ta_checks_add(c, NAMES[0], FAIL, true,
                      "member \"%s\" is missing or malformed (spec 7.3)", bad);
        for (size_t i = 1; i < TA_ARRAY_LEN(NAMES); i++)
            ta_checks_add(c, NAMES[i], SKIP, true, "the receipt is malformed");
        json_decref(d);
        return TEEATTEST_OK;
    }
    ta_checks_add(c, NAMES[0], PASS, true, "spec 7.3 members present");
    info->served_at = json_integer_value(json_object_get(d, "served_at"));

    const char *ver = str_of(d, "api_version");
    bool v_ok = strcmp(ver, TA_ACI_VERSION) == 0;
    ta_checks_add(c, NAMES[1], v_ok ? PASS : FAIL, true,
                  v_ok ? "%s" : "api_version \"%.32s\" is not \"aci/1\"", ver);

    check_signature(ctx, c, d, ks, err, &rc);
    if (rc) {
        json_decref(d);
        return rc;
    }

    const char *kd = str_of(d, "workload_keyset_digest");
    bool kd_ok = strcmp(kd, ks->digest) == 0;
    ta_checks_add(c, NAMES[3], kd_ok ? PASS : FAIL, true,
                  kd_ok ? "%s" : "receipt names %.80s, the established keyset "
                                 "is %s",
                  kd, ks->digest);

    bool live = info->served_at < ks->not_after;
    ta_checks_add(c, NAMES[4], live ? PASS : FAIL, true,
                  "served_at %" PRId64 " %s the keyset's not_after %" PRId64,
                  info->served_at, live ? "before" : "not before",
                  ks->not_after);

    events e;
    scan_events(json_object_get(d, "event_log"), &e);
    if (e.problem)
        ta_checks_add(c, NAMES[5], FAIL, true, "%s", e.problem);
    else
        ta_checks_add(c, NAMES[5], PASS, true,
                      "spec 7.4 vocabulary (%zu unknown event types ignored)",
                      e.n_unknown);

    check_body(ctx, c, NAMES[6], "request", e.problem ? NULL : e.received,
               o->has_request, o->request, o->request_len, o->request_sha256,
               "request.received");
    check_body(ctx, c, NAMES[7], "response", e.problem ? NULL : e.returned,
               o->has_response, o->response, o->response_len,
               o->response_sha256, "response.returned");

    info->forwarded = !e.problem && e.forwarded;
    if (e.problem) {
        ta_checks_add(c, NAMES[8], SKIP, true, "the event log is malformed");
    } else if (!e.forwarded) {
        ta_checks_add(c, NAMES[8], SKIP, false,
                      "no request.forwarded event (the request was not "
                      "forwarded)");
    } else if (strcmp(e.forwarded, e.received) == 0) {
        ta_checks_add(c, NAMES[8], PASS, true,
                      "forwarded bytes equal the received bytes");
    } else {
        info->rewritten = true;
        int32_t out = o->rewrite == TA_ACI_REWRITE_FAIL    ? FAIL
                      : o->rewrite == TA_ACI_REWRITE_ALLOW ? PASS
                                                           : WARN;
        ta_checks_add(c, NAMES[8], out, out == FAIL,
                      "the service rewrote the request: forwarded %s, "
                      "received %s%s",
                      e.forwarded, e.received,
                      out == FAIL ? " (policy forbids rewrites)" : "");
    }

    if (e.problem) {
        for (size_t i = 9; i < TA_ARRAY_LEN(NAMES); i++)
            ta_checks_add(c, NAMES[i], SKIP, true, "the event log is malformed");
    } else {
        check_upstream(c, &e, o, info);
        check_sessions(c, d, o, info);
    }
    facts(c->r, d, info);
    json_decref(d);
    return TEEATTEST_OK;
}
