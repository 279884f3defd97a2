/*
 * teeattest proxy: the verification of each exchange before the client
 * gets it, against the current attestation (proxy_state.c) or the pinned
 * signer.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proxy.h"

void proxy_outcome_clear(struct proxy_outcome *o)
{
    free(o->message);
    free(o->failed);
    free(o->signer);
    free(o->e2ee_suite);
    free(o->e2ee_key);
    memset(o, 0, sizeof *o);
}

static void refuse(struct proxy_outcome *o, int http, const char *code,
                   const char *message, const char *failed)
{
    o->http = http;
    o->code = code;
    o->message = strdup(message);
    o->failed = failed ? strdup(failed) : NULL;
}

/* 502: the receipt or signature of an answer could not be fetched (`what`
 * names it, `code` is the error code), counted as rejected. */
static void refuse_unfetched(struct proxy *px, struct proxy_outcome *o,
                             const char *what, const char *code, int st,
                             const teeattest_error *e)
{
    char msg[1024];
    atomic_fetch_add(&px->n.rejected, 1);
    snprintf(msg, sizeof msg, "teeattest proxy: no %s for this answer: %s "
             "(%s)", what,
             e->message[0] ? e->message : teeattest_status_str(st),
             teeattest_status_name(st));
    refuse(o, 502, code, msg, NULL);
}

const char *proxy_error_type(int http)
{
    return http == 503 ? "teeattest_attestation_failed"
           : http == 500 ? "teeattest_proxy_error"
           : http == 400 ? "invalid_request_error"
                         : "teeattest_verification_failed";
}

void proxy_e2ee_refuse(struct proxy_outcome *o, const char *key, int st,
                       const teeattest_error *err)
{
    char msg[768];
    snprintf(msg, sizeof msg, "teeattest proxy: the request could not be "
             "encrypted to %s E2EE key: %s%s%s (%s); nothing was sent", key,
             err->message[0] ? err->message : teeattest_status_str(st),
             err->where[0] ? " at " : "", err->where,
             teeattest_status_name(st));
    switch (st) {
    case TEEATTEST_E_NOT_FOUND:
        /* the attested keyset lists no E2EE key (of --e2ee-suite) */
        refuse(o, 503, "e2ee_key_unavailable", msg, NULL);
        break;
    case TEEATTEST_E_NOMEM:
    case TEEATTEST_E_RANDOM:
        refuse(o, 500, "internal", msg, NULL);
        break;
    case TEEATTEST_E_HEX:
    case TEEATTEST_E_LENGTH:
    case TEEATTEST_E_VERIFY_FAILED:
    case TEEATTEST_E_UNSUPPORTED:
        /* the attested keyset's entry is malformed or not a curve point */
        refuse(o, 502, "e2ee_key_unusable", msg, NULL);
        break;
    default:
        /* the body: no model, nothing to encrypt, an ambiguous field */
        refuse(o, 400, "e2ee_request_failed", msg, NULL);
    }
}

/* 503: no verified attestation covers the request. */
static void refuse_attestation(struct proxy_outcome *o,
                               const struct proxy_att *a)
{
    char *list = proxy_list_text(a->failed);
    char msg[2048];
    snprintf(msg, sizeof msg, "teeattest proxy: no verified attestation "
             "of the provider covers this request (attestation %llu: %s%s%s)",
             (unsigned long long)a->gen, a->error,
             list && *list ? "; failed checks: " : "", list ? list : "");
    free(list);
    refuse(o, 503, "attestation_failed", msg, a->failed);
}

bool proxy_ready(struct proxy *px, struct proxy_outcome *o,
                 struct proxy_att **att)
{
    *att = NULL;
    if (px->pinned_signer)
        return true;
    struct proxy_att *a = proxy_current(px);
    if (!a->ok) {
        /* Try once more before refusing: the provider may be back. */
        struct proxy_att *b = proxy_attest(px, a->gen, NULL);
        proxy_att_free(a);
        a = b;
    }
    if (!a->ok) {
        refuse_attestation(o, a);
        proxy_att_free(a);
        return false;
    }
    *att = a;
    return true;
}

teeattest_provider *proxy_upstream(struct proxy *px,
                                   const struct proxy_att *a)
{
    return a && a->p ? a->p : px->p;
}

/* Whether a stream delivered an event before it failed. */
struct counted {
    teeattest_event_fn fn;
    void *user;
    bool called;
};

static int counted_event(void *user, const char *event, const char *data,
                         size_t len)
{
    struct counted *c = user;
    c->called = true;
    return c->fn(c->user, event, data, len);
}

int proxy_e2ee_start(struct proxy *px, const struct proxy_att *a,
                     const uint8_t *body, size_t len,
                     teeattest_e2ee_session **out, teeattest_error *err)
{
    *out = NULL;
    if (!a || !a->ok || !a->keyset) {
        snprintf(err->message, sizeof err->message,
                 "no verified keyset to encrypt to");
        return TEEATTEST_E_NOT_VERIFIED;
    }
    /* The keyset the quote bound, never the report's other fields: a key
     * advertised outside it (service_capabilities) is never used. */
    int st = teeattest_e2ee_session_new(px->ctx, out,
                                        (const uint8_t *)a->keyset,
                                        strlen(a->keyset), px->e2ee_algo,
                                        NULL, err);
    if (st == TEEATTEST_OK)
        st = teeattest_e2ee_encrypt_request(*out, TEEATTEST_E2EE_CHAT, body,
                                            len, err);
    if (st != TEEATTEST_OK) {
        teeattest_e2ee_session_free(*out);
        *out = NULL;
    }
    return st;
}

static int send_chat(teeattest_provider *p, teeattest_exchange **x,
                     const uint8_t *body, size_t len, uint32_t flags,
                     teeattest_event_fn on_event, void *user,
                     const teeattest_e2ee_session *e2ee, teeattest_error *err)
{
    return e2ee ? teeattest_chat_e2ee(p, x, e2ee, flags, on_event, user, err)
                : teeattest_chat(p, x, body, len, flags, on_event, user, err);
}

int proxy_chat(struct proxy *px, struct proxy_att **att,
               teeattest_exchange **x, const uint8_t *body, size_t len,
               uint32_t flags, teeattest_event_fn on_event, void *user,
               teeattest_e2ee_session **e2ee, teeattest_error *err)
{
    struct counted c = {on_event, user, false};
    struct proxy_att *a = *att;
    int st = send_chat(proxy_upstream(px, a), x, body, len, flags,
                       on_event ? counted_event : NULL, &c,
                       e2ee ? *e2ee : NULL, err);
    if (st != TEEATTEST_E_TLS || !a || !a->pin || c.called)
        return st;
    /* The pinned connection failed its handshake (nothing was sent): the
     * provider may present a new TLS key. Attest again over it; only when
     * that attestation verifies is the request sent, pinned to the new
     * key. When it fails, the request gets its 503. */
    struct proxy_att *b = proxy_attest(px, a->gen, NULL);
    if (!b)
        return st;
    proxy_att_free(a);
    *att = b;
    if (!b->ok)
        return st;
    teeattest_exchange_free(*x);
    *x = NULL;
    *err = (teeattest_error)TEEATTEST_ERROR_INIT;
    if (e2ee) {
        /* A new attestation, a new keyset: a session to its key. */
        teeattest_e2ee_session_free(*e2ee);
        st = proxy_e2ee_start(px, b, body, len, e2ee, err);
        if (st != TEEATTEST_OK)
            return st;
    }
    return send_chat(proxy_upstream(px, b), x, body, len, flags,
                     on_event ? counted_event : NULL, &c,
                     e2ee ? *e2ee : NULL, err);
}

/* Whether the verified attestation names `signer` (case-insensitive, "0x"
 * optional) as any entry's signer. */
static bool attests_signer(const struct proxy_att *a, const char *signer)
{
    if (!a->ok || !a->res)
        return false;
    if (signer[0] == '0' && (signer[1] == 'x' || signer[1] == 'X'))
        signer += 2;
    size_t n = teeattest_result_fact_count(a->res);
    for (size_t i = 0; i < n; i++) {
        const char *key = NULL, *value = NULL;
        if (teeattest_result_fact_at(a->res, i, &key, &value, NULL) !=
                TEEATTEST_OK || !value)
            continue;
        size_t kl = strlen(key);
        bool is_signer = strcmp(key, "signer") == 0 ||
                         strcmp(key, "signer.gateway") == 0 ||
                         (kl > 7 && strcmp(key + kl - 7, ".signer") == 0);
        if (!is_signer)
            continue;
        if (value[0] == '0' && (value[1] == 'x' || value[1] == 'X'))
            value += 2;
        if (strcasecmp(value, signer) == 0)
            return true;
    }
    return false;
}

/* Whether the exchange came over a TLS key other than the report's. */
static bool tls_key_changed(const struct proxy_att *a,
                            const teeattest_exchange *x)
{
    const uint8_t *k1, *k2;
    size_t l1, l2;
    if (!a->rep ||
        teeattest_report_tls_spki(a->rep, &k1, &l1, NULL) != TEEATTEST_OK ||
        teeattest_exchange_tls_spki(x, &k2, &l2, NULL) != TEEATTEST_OK)
        return false;
    return l1 != l2 || memcmp(k1, k2, l1) != 0;
}

static void save_exchange(struct proxy *px, const struct proxy_att *a,
                          const teeattest_exchange *x, teeattest_signature *sig)
{
    char name[64], path[4096];
    snprintf(name, sizeof name, "exchange-%06lu.json",
             atomic_fetch_add(&px->saved, 1) + 1);
    if (!cli_join_path(PROXY, path, sizeof path, px->save_dir, name, NULL))
        return;
    int64_t at = a->at;
    if (!cli_save_bundle(PROXY, path, px->ctx, a->rep, a->ev, a->nonce,
                         px->model, &at, x, sig))
        fprintf(stderr, "teeattest: proxy: the exchange was answered but "
                        "not saved\n");
}

/* Whether res has the check `name` and it passed. */
static bool passed(const teeattest_result *res, const char *name)
{
    int32_t outcome = 0;
    return teeattest_result_find_check(res, name, &outcome, NULL, NULL) ==
               TEEATTEST_OK &&
           outcome == TEEATTEST_OUTCOME_PASS;
}

/* aci --save-dir: what 'teeattest aci verify-receipt' reads, as chat
 * --save DIR/ writes it, in DIR/exchange-N/. */
static void save_aci(struct proxy *px, const struct proxy_att *a,
                     const teeattest_exchange *x, const uint8_t *receipt,
                     size_t receipt_len)
{
    char name[64], dir[4096], path[4096];
    const uint8_t *req, *resp;
    size_t req_len, resp_len;
    teeattest_exchange_request(x, &req, &req_len);
    teeattest_exchange_response(x, &resp, &resp_len);
    snprintf(name, sizeof name, "exchange-%06lu",
             atomic_fetch_add(&px->saved, 1) + 1);
    bool ok = cli_join_path(PROXY, dir, sizeof dir, px->save_dir, name,
                            NULL) &&
              cli_make_dir(PROXY, dir);
    const char *ct = teeattest_exchange_header(x, "Content-Type");
    bool sse = ct && strncasecmp(ct, "text/event-stream", 17) == 0;
    const char *const files[] = {"request_body.json",
                                 sse ? "response_body.sse"
                                     : "response_body.json",
                                 "receipt.json", "keyset.json"};
    const void *data[] = {req, resp, receipt, a->keyset};
    size_t lens[] = {req_len, resp_len, receipt_len, strlen(a->keyset)};
    for (size_t i = 0; ok && i < 4; i++)
        ok = cli_join_path(PROXY, path, sizeof path, dir, files[i], NULL) &&
             cli_write_new_file(PROXY, path, data[i], lens[i]);
    if (!ok)
        fprintf(stderr, "teeattest: proxy: the exchange was answered but "
                        "not saved\n");
}

/* aci --e2ee --save-dir: an evidence bundle per exchange,
 * DIR/exchange-N.json, as chat --e2ee --save FILE writes it (the wire
 * bytes, the receipt, the session's record: 0600), which 'teeattest
 * verify' re-checks offline, E2EE included. */
static void save_aci_e2ee(struct proxy *px, const struct proxy_att *a,
                          const teeattest_exchange *x, const uint8_t *receipt,
                          size_t receipt_len,
                          const teeattest_e2ee_session *e2ee)
{
    char name[64], path[4096];
    snprintf(name, sizeof name, "exchange-%06lu.json",
             atomic_fetch_add(&px->saved, 1) + 1);
    int64_t at = a->at;
    if (!cli_join_path(PROXY, path, sizeof path, px->save_dir, name, NULL) ||
        !cli_save_aci_bundle(PROXY, path, px->ctx, a->rep, a->ev, a->nonce,
                             px->model, &at, x, receipt, receipt_len, NULL, 0,
                             e2ee))
        fprintf(stderr, "teeattest: proxy: the exchange was answered but "
                        "not saved\n");
}

/* aci: the receipt the answer names, fetched over the same (pinned)
 * provider, verified against the attested keyset with the exact request
 * and response bytes; both body hashes must pass. */
static void verify_receipt(struct proxy *px, struct proxy_att *a,
                           teeattest_exchange *x,
                           teeattest_e2ee_session *e2ee,
                           struct proxy_outcome *o)
{
    char msg[1024];
    teeattest_error e = TEEATTEST_ERROR_INIT;
    teeattest_result *res = NULL;
    size_t len = PROXY_RECEIPT_MAX;
    uint8_t *receipt = malloc(len);
    int st = receipt ? teeattest_aci_receipt_fetch(proxy_upstream(px, a), x,
                                                   receipt, &len, &e)
                     : TEEATTEST_E_NOMEM;
    if (st != TEEATTEST_OK) {
        refuse_unfetched(px, o, "receipt", "receipt_unavailable", st, &e);
        goto out;
    }
    const uint8_t *req, *resp;
    size_t req_len, resp_len;
    teeattest_exchange_request(x, &req, &req_len);
    teeattest_exchange_response(x, &resp, &resp_len);
    teeattest_aci_receipt_options ro = TEEATTEST_ACI_RECEIPT_OPTIONS_INIT;
    /* E2EE: the request hash is over the session's restored body, and the
     * session adds aci.e2ee.key and aci.e2ee.response. */
    ro.request = e2ee ? NULL : req ? req : (const uint8_t *)"";
    ro.request_len = e2ee ? 0 : req_len;
    ro.e2ee = e2ee;
    ro.response = resp ? resp : (const uint8_t *)"";
    ro.response_len = resp_len;
    st = teeattest_aci_verify_receipt(px->ctx, &res, receipt, len,
                                      (const uint8_t *)a->keyset,
                                      strlen(a->keyset), &ro, &e);
    if (st != TEEATTEST_OK) {
        atomic_fetch_add(&px->n.rejected, 1);
        snprintf(msg, sizeof msg, "teeattest proxy: the receipt could not "
                 "be checked: %s", e.message[0] ? e.message
                                                : teeattest_status_str(st));
        refuse(o, 502, "receipt_verification_failed", msg, NULL);
        goto out;
    }
    /* The body hashes are what binds the receipt to this exchange: both
     * must have run and passed, whatever the verdict says; with E2EE also
     * the key (listed in the attested keyset) and every field's tag. */
    bool bound = passed(res, "aci.receipt.request_hash") &&
                 passed(res, "aci.receipt.response_hash") &&
                 (!e2ee || (passed(res, "aci.e2ee.key") &&
                            passed(res, "aci.e2ee.response")));
    if (teeattest_result_verdict(res) != TEEATTEST_VERDICT_VERIFIED ||
        !bound) {
        atomic_fetch_add(&px->n.rejected, 1);
        char *failed = proxy_failed_checks(res);
        if (failed && strcmp(failed, "[]") == 0) {
            free(failed);
            failed = strdup(e2ee ? "[\"aci.receipt.request_hash\","
                                   "\"aci.receipt.response_hash\","
                                   "\"aci.e2ee.key\","
                                   "\"aci.e2ee.response\"]"
                                 : "[\"aci.receipt.request_hash\","
                                   "\"aci.receipt.response_hash\"]");
        }
        char *list = proxy_list_text(failed);
        snprintf(msg, sizeof msg, "teeattest proxy: the answer's receipt "
                 "did not verify; failed checks: %s", list ? list : "");
        refuse(o, 502, "receipt_verification_failed", msg, failed);
        free(list);
        free(failed);
        goto out;
    }
    const char *key = teeattest_result_fact(res, "aci.receipt.key_id");
    o->http = 200;
    o->signer = strdup(key ? key : "");
    o->verdict = PROXY_VERDICT_ATTESTED;
    o->attested_at = a->at;
    if (e2ee) {
        o->e2ee_suite = strdup(teeattest_e2ee_session_algo(e2ee));
        o->e2ee_key = strdup(teeattest_e2ee_session_key_id(e2ee));
    }
    atomic_fetch_add(&px->n.verified, 1);
    if (px->save_dir && e2ee)
        save_aci_e2ee(px, a, x, receipt, len, e2ee);
    else if (px->save_dir)
        save_aci(px, a, x, receipt, len);
out:
    teeattest_result_free(res);
    free(receipt);
}

void proxy_verify_exchange(struct proxy *px, struct proxy_att *a, int st,
                           const teeattest_error *err, teeattest_exchange *x,
                           teeattest_e2ee_session *e2ee,
                           struct proxy_outcome *o)
{
    char msg[1024];
    if (st != TEEATTEST_OK && a && !a->ok) {
        /* The pinned key changed and the new attestation failed. */
        atomic_fetch_add(&px->n.rejected, 1);
        refuse_attestation(o, a);
        return;
    }
    if (st != TEEATTEST_OK && px->e2ee && !e2ee) {
        /* It verified, but the request could not be encrypted to its
         * keyset (proxy_chat() left no session): nothing was sent. */
        proxy_e2ee_refuse(o, "the new attestation's", st, err);
        return;
    }
    if (st != TEEATTEST_OK) {
        atomic_fetch_add(&px->n.upstream_errors, 1);
        snprintf(msg, sizeof msg, "teeattest proxy: the provider did not "
                 "answer: %s (%s)",
                 err->message[0] ? err->message : teeattest_status_str(st),
                 teeattest_status_name(st));
        refuse(o, st == TEEATTEST_E_TIMEOUT ? 504 : 502,
               st == TEEATTEST_E_TIMEOUT ? "upstream_timeout"
                                         : "upstream_unreachable", msg, NULL);
        return;
    }
    int32_t http = teeattest_exchange_status(x);
    if (http < 200 || http > 299) {
        atomic_fetch_add(&px->n.upstream_errors, 1);
        snprintf(msg, sizeof msg, "teeattest proxy: the provider answered "
                 "HTTP %d (its body is not forwarded: nothing vouches for it)",
                 (int)http);
        refuse(o, 502, "upstream_error", msg, NULL);
        return;
    }
    if (px->aci) {
        verify_receipt(px, a, x, e2ee, o);
        return;
    }
    teeattest_error e = TEEATTEST_ERROR_INIT;
    teeattest_signature *sig = NULL;
    teeattest_result *res = NULL;
    a = proxy_att_ref(a);
    st = teeattest_signature_fetch(proxy_upstream(px, a), &sig, x, NULL, &e);
    if (st != TEEATTEST_OK) {
        refuse_unfetched(px, o, "signature", "signature_unavailable", st, &e);
        goto out;
    }
    const uint8_t *req, *resp;
    size_t req_len, resp_len;
    teeattest_exchange_request(x, &req, &req_len);
    teeattest_exchange_response(x, &resp, &resp_len);
    if (px->pinned_signer) {
        st = teeattest_signature_verify(sig, &res, px->pol, px->pinned_signer,
                                        req, req_len, resp, resp_len, &e);
    } else {
        const char *claimed = teeattest_signature_claimed_signer(sig);
        if (tls_key_changed(a, x) || !a->ok ||
            (claimed && !attests_signer(a, claimed))) {
            /* A new key or signer: attest again, asking for its entry. */
            struct proxy_att *b = proxy_attest(px, a->gen, claimed);
            proxy_att_free(a);
            a = b;
        }
        if (!a->ok) {
            atomic_fetch_add(&px->n.rejected, 1);
            refuse_attestation(o, a);
            goto out;
        }
        st = teeattest_signature_verify_attested(sig, &res, px->pol, a->res,
                                                 req, req_len, resp, resp_len,
                                                 &e);
    }
    if (st != TEEATTEST_OK) {
        atomic_fetch_add(&px->n.rejected, 1);
        snprintf(msg, sizeof msg, "teeattest proxy: the signature could not "
                 "be checked: %s", e.message[0] ? e.message
                                                : teeattest_status_str(st));
        refuse(o, 502, "signature_verification_failed", msg, NULL);
        goto out;
    }
    if (teeattest_result_verdict(res) != TEEATTEST_VERDICT_VERIFIED) {
        atomic_fetch_add(&px->n.rejected, 1);
        char *failed = proxy_failed_checks(res);
        char *list = proxy_list_text(failed);
        snprintf(msg, sizeof msg, "teeattest proxy: the answer's signature "
                 "did not verify; failed checks: %s", list ? list : "");
        refuse(o, 502, "signature_verification_failed", msg, failed);
        free(list);
        free(failed);
        goto out;
    }
    const char *signer = NULL;
    if (teeattest_result_verified_signer(res, &signer, NULL, NULL) !=
        TEEATTEST_OK)
        signer = teeattest_result_fact(res, "signer");
    o->http = 200;
    o->signer = strdup(signer ? signer : "");
    o->verdict = px->pinned_signer ? PROXY_VERDICT_PINNED
                                   : PROXY_VERDICT_ATTESTED;
    o->attested_at = a ? a->at : 0;
    atomic_fetch_add(&px->n.verified, 1);
    if (px->save_dir && a)
        save_exchange(px, a, x, sig);
out:
    proxy_att_free(a);
    teeattest_result_free(res);
    teeattest_signature_free(sig);
}
