/*
 * E2EE v2 service side (spec/e2ee-v2.md sections 3, 7 and 9,
 * Dstack-TEE/private-ai-gateway b6b5c1b): header checks, request
 * decryption and restoration, the replay check of the nonce, response
 * encryption. Internal: the simulator and the tests play the service with
 * it; the library's clients never decrypt requests.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "e2ee_impl.h"

#define DEFAULT_WINDOW_S 300

typedef struct seen {
    uint8_t client[65];
    size_t client_len;
    uint8_t nonce[32];
    int64_t ts;
} seen;

struct ta_e2ee_server {
    const teeattest_ctx *ctx;
    ta_e2ee_key key;
    char pub_hex[131];
    int64_t window_s;
    pthread_mutex_t lock; /* guards the replay list */
    seen *seen;
    size_t n_seen, cap_seen;
};

struct ta_e2ee_exchange {
    const teeattest_ctx *ctx;
    int endpoint;
    ta_e2ee_key client;
    ta_e2ee_binding bind;
    char *model;
};

int ta_e2ee_server_new(const teeattest_ctx *ctx, ta_e2ee_server **out,
                       int suite, const uint8_t secret[32], int64_t window_s)
{
    *out = NULL;
    ta_e2ee_server *s = ta_calloc(ctx, 1, sizeof *s);
    if (!s)
        return TEEATTEST_E_NOMEM;
    int rc = ta_e2ee_key_from_secret(&s->key, suite, secret);
    if (rc) {
        ta_free(ctx, s);
        return rc;
    }
    s->ctx = ctx;
    s->window_s = window_s > 0 ? window_s : DEFAULT_WINDOW_S;
    ta_e2ee_pub_hex(s->pub_hex, &s->key);
    pthread_mutex_init(&s->lock, NULL);
    *out = s;
    return TEEATTEST_OK;
}

void ta_e2ee_server_free(ta_e2ee_server *s)
{
    if (!s)
        return;
    pthread_mutex_destroy(&s->lock);
    ta_free(s->ctx, s->seen);
    const teeattest_ctx *ctx = s->ctx;
    ta_wipe(s, sizeof *s);
    ta_free(ctx, s);
}

const char *ta_e2ee_server_pub_hex(const ta_e2ee_server *s)
{
    return s->pub_hex;
}

void ta_e2ee_exchange_free(ta_e2ee_exchange *x)
{
    if (!x)
        return;
    const teeattest_ctx *ctx = x->ctx;
    ta_free(ctx, x->model);
    ta_wipe(x, sizeof *x);
    ta_free(ctx, x);
}

const char *ta_e2ee_exchange_nonce(const ta_e2ee_exchange *x, int64_t *ts)
{
    *ts = x->bind.ts;
    return x->bind.nonce;
}

void ta_e2ee_exchange_rebind(ta_e2ee_exchange *x, const char *nonce,
                             int64_t ts)
{
    snprintf(x->bind.nonce, sizeof x->bind.nonce, "%s", nonce);
    x->bind.ts = ts;
}

/* Record (client key, nonce); false when the pair was seen inside the
 * window. Entries whose timestamp left the window are dropped first: a
 * request carrying them would fail the timestamp check anyway. */
static int remember(ta_e2ee_server *s, const ta_e2ee_key *client,
                    const uint8_t nonce[32], int64_t ts, int64_t now)
{
    int rc = TEEATTEST_OK;
    pthread_mutex_lock(&s->lock);
    size_t j = 0;
    for (size_t i = 0; i < s->n_seen; i++)
        if (now - s->seen[i].ts <= s->window_s)
            s->seen[j++] = s->seen[i];
    s->n_seen = j;
    for (size_t i = 0; i < s->n_seen; i++)
        if (s->seen[i].client_len == client->pub_len &&
            !memcmp(s->seen[i].client, client->pub, client->pub_len) &&
            !memcmp(s->seen[i].nonce, nonce, 32)) {
            rc = TEEATTEST_E_VERIFY_FAILED;
            goto out;
        }
    if (s->n_seen == s->cap_seen) {
        size_t cap = s->cap_seen ? 2 * s->cap_seen : 16;
        seen *n = ta_realloc(s->ctx, s->seen, cap * sizeof *n);
        if (!n) {
            rc = TEEATTEST_E_NOMEM;
            goto out;
        }
        s->seen = n;
        s->cap_seen = cap;
    }
    seen *e = &s->seen[s->n_seen++];
    memcpy(e->client, client->pub, client->pub_len);
    e->client_len = client->pub_len;
    memcpy(e->nonce, nonce, 32);
    e->ts = ts;
out:
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int reject(const char **spec_error, teeattest_error *err, int code,
                  const char *type, const char *what)
{
    *spec_error = type;
    return ta_error(err, code, NULL, "%s: %s", type, what);
}

static bool parse_ts(const char *t, int64_t *out)
{
    size_t n = strlen(t);
    if (!n || n > 18)
        return false;
    for (size_t i = 0; i < n; i++)
        if (t[i] < '0' || t[i] > '9')
            return false;
    *out = strtoll(t, NULL, 10);
    return true;
}

int ta_e2ee_server_open(ta_e2ee_server *s, ta_e2ee_exchange **xout,
                        uint8_t **restored, size_t *restored_len,
                        const char **spec_error, const ta_e2ee_headers *h,
                        int endpoint, const uint8_t *body, size_t len,
                        teeattest_error *err)
{
    *xout = NULL;
    *restored = NULL;
    *restored_len = 0;
    *spec_error = NULL;
    if (!h->version || !h->client_pub || !h->model_pub || !h->nonce ||
        !h->timestamp)
        return reject(spec_error, err, TEEATTEST_E_FIELD_MISSING,
                      "e2ee_header_missing", "a v2 header is absent");
    if (strcmp(h->version, "2"))
        return reject(spec_error, err, TEEATTEST_E_UNSUPPORTED,
                      "e2ee_invalid_version", "X-E2EE-Version is not 2");
    uint8_t nonce[32];
    if (strlen(h->nonce) != 64 ||
        ta_hex_decode(nonce, sizeof nonce, h->nonce, 64) != 32)
        return reject(spec_error, err, TEEATTEST_E_HEX, "e2ee_invalid_nonce",
                      "X-E2EE-Nonce is not 64 hexadecimal characters");
    int64_t ts, now = ta_now_ms(s->ctx) / 1000;
    if (!parse_ts(h->timestamp, &ts))
        return reject(spec_error, err, TEEATTEST_E_PARSE,
                      "e2ee_invalid_timestamp",
                      "X-E2EE-Timestamp is not Unix seconds");
    if (ts > now + s->window_s || ts < now - s->window_s)
        return reject(spec_error, err, TEEATTEST_E_VERIFY_FAILED,
                      "e2ee_invalid_timestamp",
                      "X-E2EE-Timestamp is outside the acceptance window");
    ta_e2ee_exchange *x = ta_calloc(s->ctx, 1, sizeof *x);
    if (!x)
        return TEEATTEST_E_NOMEM;
    x->ctx = s->ctx;
    x->endpoint = endpoint;
    ta_e2ee_key mk;
    json_t *j = NULL;
    int rc;
    if (ta_e2ee_pub_parse(&x->client, s->key.suite, h->client_pub,
                          strlen(h->client_pub))) {
        rc = reject(spec_error, err, TEEATTEST_E_VERIFY_FAILED,
                    "e2ee_invalid_public_key",
                    "X-Client-Pub-Key is not a key of the suite");
        goto out;
    }
    if (ta_e2ee_pub_parse(&mk, s->key.suite, h->model_pub,
                          strlen(h->model_pub)) ||
        mk.pub_len != s->key.pub_len ||
        memcmp(mk.pub, s->key.pub, mk.pub_len)) {
        rc = reject(spec_error, err, TEEATTEST_E_VERIFY_FAILED,
                    "e2ee_model_key_mismatch",
                    "X-Model-Pub-Key is not this service's E2EE key");
        goto out;
    }
    rc = ta_json_parse(&j, body, len, 32u * 1024u * 1024u, err);
    if (rc) {
        *spec_error = "e2ee_decryption_failed";
        goto out;
    }
    json_t *model = json_object_get(j, "model");
    if (!json_is_string(model)) {
        rc = reject(spec_error, err, TEEATTEST_E_FIELD_MISSING,
                    "e2ee_invalid_payload_model",
                    "the request's model is absent or not a string");
        goto out;
    }
    x->model = ta_strndup(s->ctx, json_string_value(model),
                          json_string_length(model));
    if (!x->model) {
        rc = TEEATTEST_E_NOMEM;
        goto out;
    }
    x->bind.suite = s->key.suite;
    x->bind.model = x->model;
    x->bind.model_len = json_string_length(model);
    memcpy(x->bind.nonce, h->nonce, 64); /* bound as sent, either case */
    x->bind.nonce[64] = 0;
    x->bind.ts = ts;
    ta_e2ee_walk w = {.ctx = s->ctx, .op = TA_E2EE_REQ_OPEN,
                      .endpoint = endpoint, .bind = &x->bind, .key = &s->key,
                      .err = err};
    rc = ta_e2ee_walk_request(&w, j);
    if (rc) {
        *spec_error = w.spec_error ? w.spec_error : "e2ee_decryption_failed";
        goto out;
    }
    rc = remember(s, &x->client, nonce, ts, now);
    if (rc == TEEATTEST_E_VERIFY_FAILED) {
        rc = reject(spec_error, err, rc, "e2ee_replay_detected",
                    "this client key and nonce were already used");
        goto out;
    }
    if (!rc)
        rc = ta_e2ee_json_dump(s->ctx, restored, restored_len, j);
out:
    json_decref(j);
    if (rc) {
        ta_e2ee_exchange_free(x);
        return rc;
    }
    *xout = x;
    return TEEATTEST_OK;
}

int ta_e2ee_server_seal(ta_e2ee_exchange *x, uint8_t **out, size_t *out_len,
                        bool chunk, const uint8_t *body, size_t len,
                        teeattest_error *err)
{
    *out = NULL;
    *out_len = 0;
    if (chunk && len == 6 && !memcmp(body, "[DONE]", 6)) {
        *out = (uint8_t *)ta_strdup(x->ctx, "[DONE]");
        *out_len = 6;
        return *out ? TEEATTEST_OK : TEEATTEST_E_NOMEM;
    }
    json_t *j = NULL;
    int rc = ta_json_parse(&j, body, len, 32u * 1024u * 1024u, err);
    if (rc)
        return rc;
    ta_e2ee_walk w = {.ctx = x->ctx, .op = TA_E2EE_RESP_SEAL,
                      .endpoint = x->endpoint, .chunk = chunk,
                      .bind = &x->bind, .key = &x->client, .err = err};
    rc = ta_e2ee_walk_response(&w, j);
    if (!rc)
        rc = ta_e2ee_json_dump(x->ctx, out, out_len, j);
    json_decref(j);
    return rc;
}
