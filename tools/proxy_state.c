/*
 * teeattest proxy: the attestation lifecycle: attest at start, on the
 * --reattest timer, and when an answer names a signer or the upstream a
 * TLS key the current attestation does not cover (proxy_verify.c).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "proxy.h"

struct proxy_att *proxy_att_ref(struct proxy_att *a)
{
    if (a)
        atomic_fetch_add(&a->refs, 1);
    return a;
}

void proxy_att_free(struct proxy_att *a)
{
    if (!a || atomic_fetch_sub(&a->refs, 1) != 1)
        return;
    teeattest_result_free(a->res);
    teeattest_report_free(a->rep);
    teeattest_evidence_free(a->ev);
    free(a->failed);
    free(a->error);
    teeattest_provider_free(a->p);
    free(a->pin);
    free(a->keyset);
    free(a);
}

void proxy_iso_time(int64_t t, char out[21])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || !strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm))
        strcpy(out, "1970-01-01T00:00:00Z");
}

/* The failed checks of res (FAIL, or a required SKIP) as a JSON array. */
char *proxy_failed_checks(const teeattest_result *res)
{
    json_t *arr = json_array();
    size_t n = teeattest_result_check_count(res);
    for (size_t i = 0; i < n; i++) {
        const char *name = NULL;
        int32_t outcome = 0, required = 0;
        if (teeattest_result_check(res, i, &name, &outcome, NULL, &required,
                                   NULL) != TEEATTEST_OK)
            continue;
        if (outcome == TEEATTEST_OUTCOME_FAIL ||
            (outcome == TEEATTEST_OUTCOME_SKIP && required))
            json_array_append_new(arr, json_string(name));
    }
    char *text = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    return text ? text : strdup("[]");
}

/* "a, b, c" from a JSON array text (malloc'ed). */
char *proxy_list_text(const char *failed)
{
    json_t *arr = failed ? json_loads(failed, 0, NULL) : NULL;
    size_t cap = 1, n = json_array_size(arr);
    for (size_t i = 0; i < n; i++)
        cap += strlen(json_string_value(json_array_get(arr, i))) + 2;
    char *out = malloc(cap);
    if (out) {
        out[0] = '\0';
        for (size_t i = 0; i < n; i++) {
            if (i)
                strcat(out, ", ");
            strcat(out, json_string_value(json_array_get(arr, i)));
        }
    }
    json_decref(arr);
    return out;
}

static char *fmt(const char *a, const char *b, const char *c)
{
    size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s%s%s", a, b, c);
    return s;
}

/* The TLS key a verified attestation binds, as the hex SHA-256 of its
 * SPKI: the aci keyset lists the connection's key (aci.tls passed), or an
 * entry's TEE bound the connection's key (entry[i].binding.tls passed:
 * fact entry[i].tls_spki_sha256; one connection delivered every entry).
 * NULL when the attestation binds none (plain HTTP, a dialect without). */
static const char *attested_tls_key(const teeattest_result *res)
{
    static const char suffix[] = "binding.tls";
    size_t n = teeattest_result_check_count(res);
    for (size_t i = 0; i < n; i++) {
        const char *name = NULL;
        int32_t outcome = 0;
        if (teeattest_result_check(res, i, &name, &outcome, NULL, NULL,
                                   NULL) != TEEATTEST_OK ||
            outcome != TEEATTEST_OUTCOME_PASS)
            continue;
        if (strcmp(name, "aci.tls") == 0)
            return teeattest_result_fact(res, "aci.tls_spki_sha256");
        size_t nl = strlen(name), sl = sizeof suffix - 1;
        if (nl < sl || strcmp(name + nl - sl, suffix) != 0 ||
            (nl > sl && name[nl - sl - 1] != '.') || nl - sl > 64)
            continue;
        char key[96];
        snprintf(key, sizeof key, "%.*stls_spki_sha256", (int)(nl - sl),
                 name);
        const char *hex = teeattest_result_fact(res, key);
        if (hex)
            return hex;
    }
    return NULL;
}

/* What a verified attestation binds besides its signers: the aci keyset
 * (receipts are checked against it), and the TLS key, to which a
 * provider of its own is pinned for the chats under this attestation.
 * False (a->error set) when that fails. */
static bool attest_bind(struct proxy *px, struct proxy_att *a)
{
    const char *why = NULL;
    if (px->aci) {
        const char *ks = teeattest_result_fact(a->res, "aci.keyset");
        if (!ks || !(a->keyset = strdup(ks)))
            why = "the verified aci report has no keyset to check receipts "
                  "against";
    }
    const char *hex = why ? NULL : attested_tls_key(a->res);
    char pin[CLI_PIN_SIZE];
    teeattest_error err = TEEATTEST_ERROR_INIT;
    if (hex && !cli_tls_pin(hex, pin))
        why = "the verified report has no TLS key digest to pin";
    else if (hex && (!(a->pin = strdup(pin)) ||
                     !cli_provider_open(PROXY, px->opts, px->ctx, &a->p)))
        why = "opening the pinned provider failed";
    else if (hex) {
        teeattest_provider_set_timeouts(a->p, px->upstream_timeout_ms,
                                        UINT32_MAX / 2,
                                        px->upstream_timeout_ms);
        if (teeattest_provider_set_option(a->p, "pinned_key", pin, &err) !=
            TEEATTEST_OK)
            why = "pinning the attested TLS key failed";
    }
    if (why)
        a->error = strdup(why);
    return why == NULL;
}

/* One attestation run: fetch a report with a fresh nonce, verify every
 * entry. Never NULL except out of memory. */
static struct proxy_att *attest_once(struct proxy *px, const char *signer)
{
    struct proxy_att *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    atomic_init(&a->refs, 1);
    a->at = teeattest_ctx_now(px->ctx);
    teeattest_error err = TEEATTEST_ERROR_INIT;
    int st = teeattest_evidence_new(px->ctx, &a->ev, &err);
    if (st == TEEATTEST_OK &&
        !cli_evidence_apply(PROXY, px->opts, px->va, px->ctx, a->ev, true)) {
        st = TEEATTEST_E_INVALID_ARG;
        snprintf(err.message, sizeof err.message,
                 "the verification material options failed");
    }
    const char *what = "preparing the attestation";
    if (st == TEEATTEST_OK) {
        what = "fetching the attestation report";
        st = teeattest_report_fetch(px->p, &a->rep, NULL, 0, signer, &err);
    }
    if (st == TEEATTEST_OK)
        st = teeattest_report_nonce(a->rep, a->nonce, sizeof a->nonce, &err);
    if (st == TEEATTEST_OK) {
        what = "verifying the attestation report";
        st = teeattest_report_verify(px->ctx, &a->res, a->rep,
                                     TEEATTEST_ENTRY_ALL, a->ev, px->pol,
                                     NULL, 0, &err);
    }
    if (st != TEEATTEST_OK) {
        char detail[600];
        if (st == TEEATTEST_E_HTTP_STATUS && err.backend_code)
            snprintf(detail, sizeof detail, ": HTTP %d", (int)err.backend_code);
        else
            snprintf(detail, sizeof detail, ": %s (%s)",
                     err.message[0] ? err.message : teeattest_status_str(st),
                     teeattest_status_name(st));
        a->error = fmt(what, detail, "");
        a->failed = strdup("[]");
        return a;
    }
    a->ok = teeattest_result_verdict(a->res) == TEEATTEST_VERDICT_VERIFIED;
    a->failed = proxy_failed_checks(a->res);
    if (a->ok && !attest_bind(px, a)) {
        a->ok = false;
        return a;
    }
    a->error = a->ok ? strdup("") : fmt("the attestation report failed "
                                        "verification", "", "");
    return a;
}

uint64_t proxy_monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

bool proxy_backoff_holds(bool ok, uint64_t tried_ms, uint64_t now_ms,
                         uint64_t backoff_ms)
{
    return !ok && backoff_ms && now_ms >= tried_ms &&
           now_ms - tried_ms < backoff_ms;
}

struct proxy_att *proxy_current(struct proxy *px)
{
    pthread_mutex_lock(&px->lock);
    struct proxy_att *a = proxy_att_ref(px->cur);
    pthread_mutex_unlock(&px->lock);
    return a;
}

struct proxy_att *proxy_attest(struct proxy *px, uint64_t seen_gen,
                               const char *signer)
{
    pthread_mutex_lock(&px->run);
    struct proxy_att *cur = proxy_current(px);
    uint64_t now = px->now_ms();
    if (cur && (cur->gen > seen_gen ||
                proxy_backoff_holds(cur->ok, cur->tried_ms, now,
                                    px->backoff_ms))) {
        /* Another thread attested while this one waited: use that. Or
         * the last attempt failed less than --reattest-backoff ago: its
         * 503 stands until then (a failing provider is not asked for a
         * report per request). */
        pthread_mutex_unlock(&px->run);
        return cur;
    }
    uint64_t gen = cur ? cur->gen + 1 : 1;
    struct proxy_att *a = attest_once(px, signer);
    if (!a) {
        pthread_mutex_unlock(&px->run);
        return cur;
    }
    proxy_att_free(cur);
    a->gen = gen;
    a->tried_ms = px->now_ms();
    atomic_fetch_add(&px->n.attestations, 1);
    if (!a->ok) {
        atomic_fetch_add(&px->n.attestation_failures, 1);
        char *list = proxy_list_text(a->failed);
        fprintf(stderr, "teeattest: proxy: attestation %llu FAILED: ",
                (unsigned long long)gen);
        cli_fputs_safe(a->error, stderr);
        if (list && *list) {
            fputs("; failed checks: ", stderr);
            cli_fputs_safe(list, stderr);
        }
        fputc('\n', stderr);
        free(list);
    }
    pthread_mutex_lock(&px->lock);
    struct proxy_att *old = px->cur;
    px->cur = proxy_att_ref(a);
    pthread_mutex_unlock(&px->lock);
    proxy_att_free(old);
    pthread_mutex_unlock(&px->run);
    return a;
}

void *proxy_reattest_thread(void *arg)
{
    struct proxy *px = arg;
    for (;;) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += (time_t)(px->reattest_ms / 1000);
        until.tv_nsec += (long)(px->reattest_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&px->lock);
        int rc = 0;
        while (!atomic_load(&px->stopping) && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&px->wake, &px->lock, &until);
        bool stop = atomic_load(&px->stopping);
        uint64_t gen = px->cur ? px->cur->gen : 0;
        pthread_mutex_unlock(&px->lock);
        if (stop)
            return NULL;
        proxy_att_free(proxy_attest(px, gen, NULL));
    }
}
