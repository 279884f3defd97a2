/*
 * E2EE v2 client (include/teeattest/e2ee.h; spec/e2ee-v2.md of
 * Dstack-TEE/private-ai-gateway, commit b6b5c1b): key selection from a
 * workload keyset, request encryption with the five headers, the restored
 * body of the receipt, response decryption buffered and per SSE chunk.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "e2ee_impl.h"
#include "../crypto/crypto.h"

#define KEYSET_MAX (1024u * 1024u)
#define N_HEADERS 5

static const char *const header_names[N_HEADERS] = {
    "X-E2EE-Version", "X-Client-Pub-Key", "X-Model-Pub-Key", "X-E2EE-Nonce",
    "X-E2EE-Timestamp",
};

struct teeattest_e2ee_session {
    atomic_size_t refs;
    teeattest_ctx *ctx;
    ta_e2ee_key service; /* from the keyset */
    ta_e2ee_key client;  /* ours, made per request */
    char *key_id;
    char *service_pub;   /* the keyset's public_key string, as listed */
    int endpoint;        /* 0 until a request was encrypted */
    ta_e2ee_binding bind;
    char *model;
    char ts_text[24];
    char client_pub[131];
    uint8_t *body, *restored, *plain;
    size_t body_len, restored_len, plain_len;
    size_t opened;       /* response fields decrypted so far */
    int near;            /* NEAR AI's scheme: its suite; 0 for E2EE v2 */
};

const ta_e2ee_key *ta_e2ee_session_service(const teeattest_e2ee_session *s)
{
    return &s->service;
}

size_t ta_e2ee_session_opened(const teeattest_e2ee_session *s)
{
    return s->opened;
}

int teeattest_e2ee_session_new(teeattest_ctx *ctx,
                               teeattest_e2ee_session **out,
                               const uint8_t *keyset, size_t keyset_len,
                               const char *algo, const char *key_id,
                               teeattest_error *err)
{
    if (out)
        *out = NULL;
    if (!ctx || !out || !keyset)
        return TA_INVALID(err, "ctx, out and keyset are required");
    teeattest_e2ee_session *s = ta_calloc(ctx, 1, sizeof *s);
    if (!s)
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "out of memory");
    atomic_init(&s->refs, 1);
    s->ctx = teeattest_ctx_ref(ctx);
    json_t *ks = NULL;
    int rc = ta_json_parse(&ks, keyset, keyset_len, KEYSET_MAX, err);
    if (!rc)
        rc = ta_e2ee_keyset_select(s->ctx, &s->service, &s->key_id,
                                   &s->service_pub, ks, algo, key_id, err);
    json_decref(ks);
    if (rc) {
        if (rc == TEEATTEST_E_NOMEM)
            ta_error(err, rc, NULL, "out of memory");
        teeattest_e2ee_session_free(s);
        return rc;
    }
    *out = s;
    return TEEATTEST_OK;
}

int teeattest_e2ee_session_new_nearai(teeattest_ctx *ctx,
                                      teeattest_e2ee_session **out,
                                      const char *signing_algo,
                                      const char *model_public_key,
                                      const char *verified_signer,
                                      teeattest_error *err)
{
    if (out)
        *out = NULL;
    if (!ctx || !out || !signing_algo || !model_public_key ||
        !verified_signer)
        return TA_INVALID(err, "ctx, out, signing_algo, model_public_key "
                               "and verified_signer are required");
    int suite = ta_near_suite(signing_algo);
    if (!suite)
        return ta_error(err, TEEATTEST_E_UNSUPPORTED, "signing_algo",
                        "NEAR AI E2EE knows \"ed25519\" and \"ecdsa\"");
    teeattest_e2ee_session *s = ta_calloc(ctx, 1, sizeof *s);
    if (!s)
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "out of memory");
    atomic_init(&s->refs, 1);
    s->ctx = teeattest_ctx_ref(ctx);
    s->near = suite;
    int rc = ta_near_model_key(ctx, &s->service, suite, model_public_key,
                               verified_signer, err);
    if (!rc) {
        s->key_id = ta_strndup(ctx, "", 0);
        s->service_pub = ta_strndup(ctx, model_public_key,
                                    strlen(model_public_key));
        if (!s->key_id || !s->service_pub)
            rc = ta_error(err, TEEATTEST_E_NOMEM, NULL, "out of memory");
    }
    if (rc) {
        teeattest_e2ee_session_free(s);
        return rc;
    }
    *out = s;
    return TEEATTEST_OK;
}

/* NEAR AI: encrypt a chat request to the model key with a fresh client
 * key the answer is encrypted to. */
static int near_encrypt(teeattest_e2ee_session *s, int32_t endpoint,
                        const uint8_t *body, size_t len, teeattest_error *err)
{
    if (endpoint != TEEATTEST_E2EE_CHAT)
        return ta_error(err, TEEATTEST_E_UNSUPPORTED, "endpoint",
                        "NEAR AI E2EE covers chat completions only");
    json_t *j = NULL;
    int rc = ta_json_parse(&j, body, len, TEEATTEST_E2EE_BODY_MAX, err);
    if (rc)
        return rc;
    size_t fields = 0;
    if (!json_is_string(json_object_get(j, "model")))
        rc = ta_error(err, TEEATTEST_E_FIELD_MISSING, "model",
                      "the request needs a string model");
    if (!rc) {
        rc = ta_near_key_generate(s->ctx, &s->client, s->client_pub, s->near);
        if (rc)
            rc = ta_error(err, rc, NULL, "no random bytes for the client key");
    }
    if (!rc)
        rc = ta_near_walk_request(s->ctx, j, true, &s->service, &fields, err);
    if (!rc && !fields)
        rc = ta_error(err, TEEATTEST_E_FIELD_MISSING, "messages",
                      "nothing to encrypt: no message content");
    if (!rc)
        rc = ta_e2ee_json_dump(s->ctx, &s->body, &s->body_len, j);
    if (rc == TEEATTEST_E_NOMEM)
        ta_error(err, rc, NULL, "out of memory");
    json_decref(j);
    if (rc) {
        ta_free(s->ctx, s->body);
        s->body = NULL;
        ta_wipe(&s->client, sizeof s->client);
        return rc;
    }
    s->endpoint = endpoint;
    return TEEATTEST_OK;
}

teeattest_e2ee_session *teeattest_e2ee_session_ref(teeattest_e2ee_session *s)
{
    if (s)
        atomic_fetch_add(&s->refs, 1);
    return s;
}

void teeattest_e2ee_session_free(teeattest_e2ee_session *s)
{
    if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
        return;
    teeattest_ctx *ctx = s->ctx;
    ta_free(ctx, s->key_id);
    ta_free(ctx, s->service_pub);
    ta_free(ctx, s->model);
    ta_free(ctx, s->body);
    if (s->restored)
        ta_wipe(s->restored, s->restored_len);
    ta_free(ctx, s->restored);
    if (s->plain)
        ta_wipe(s->plain, s->plain_len);
    ta_free(ctx, s->plain);
    ta_wipe(s, sizeof *s);
    ta_free(ctx, s);
    teeattest_ctx_free(ctx);
}

const char *teeattest_e2ee_session_algo(const teeattest_e2ee_session *s)
{
    if (s && s->near)
        return s->near == TA_E2EE_X25519 ? TEEATTEST_E2EE_ALGO_NEARAI_ED25519
                                         : TEEATTEST_E2EE_ALGO_NEARAI_ECDSA;
    return s ? ta_e2ee_algo(s->service.suite) : NULL;
}

const char *teeattest_e2ee_session_key_id(const teeattest_e2ee_session *s)
{
    return s ? s->key_id : NULL;
}

/* ---- request -------------------------------------------------------------- */

int teeattest_e2ee_encrypt_request(teeattest_e2ee_session *s, int32_t endpoint,
                                   const uint8_t *body, size_t len,
                                   teeattest_error *err)
{
    if (!s || !body)
        return TA_INVALID(err, "session and body are required");
    if (s->endpoint)
        return TA_INVALID(err, "a session encrypts one request");
    if (endpoint < TEEATTEST_E2EE_CHAT || endpoint > TEEATTEST_E2EE_EMBEDDINGS)
        return TA_INVALID(err, "endpoint");
    if (s->near)
        return near_encrypt(s, endpoint, body, len, err);
    json_t *plain = NULL, *restored = NULL;
    int rc = ta_json_parse(&plain, body, len, TEEATTEST_E2EE_BODY_MAX, err);
    if (rc)
        return rc;
    json_t *model = json_object_get(plain, "model");
    if (!json_is_string(model)) {
        rc = ta_error(err, TEEATTEST_E_FIELD_MISSING, "model",
                      "e2ee_invalid_payload_model: the request needs a "
                      "string model (it is bound into every field)");
        goto out;
    }
    s->model = ta_strndup(s->ctx, json_string_value(model),
                          json_string_length(model));
    restored = json_deep_copy(plain);
    if (!s->model || !restored) {
        rc = ta_error(err, TEEATTEST_E_NOMEM, NULL, "out of memory");
        goto out;
    }
    /* Per request: our key pair (responses are encrypted to it), the
     * nonce and the timestamp. */
    uint8_t nonce[32];
    rc = ta_e2ee_key_generate(s->ctx, &s->client, s->service.suite);
    if (!rc)
        rc = ta_random(s->ctx, nonce, sizeof nonce);
    if (rc) {
        rc = ta_error(err, rc, NULL, "no random bytes for the key or nonce");
        goto out;
    }
    s->bind.suite = s->service.suite;
    s->bind.model = s->model;
    s->bind.model_len = json_string_length(model);
    ta_hex_encode(s->bind.nonce, nonce, sizeof nonce);
    s->bind.ts = ta_now_ms(s->ctx) / 1000;
    snprintf(s->ts_text, sizeof s->ts_text, "%lld", (long long)s->bind.ts);
    ta_e2ee_pub_hex(s->client_pub, &s->client);

    ta_e2ee_walk w = {.ctx = s->ctx, .op = TA_E2EE_REQ_RESTORE,
                      .endpoint = endpoint, .bind = &s->bind,
                      .key = &s->service, .err = err};
    rc = ta_e2ee_walk_request(&w, restored);
    if (!rc) {
        w.op = TA_E2EE_REQ_SEAL;
        rc = ta_e2ee_walk_request(&w, plain);
    }
    if (!rc)
        rc = ta_e2ee_json_dump(s->ctx, &s->restored, &s->restored_len,
                               restored);
    if (!rc)
        rc = ta_e2ee_json_dump(s->ctx, &s->body, &s->body_len, plain);
    if (rc == TEEATTEST_E_NOMEM)
        ta_error(err, rc, NULL, "out of memory");
    if (!rc)
        s->endpoint = endpoint;
out:
    json_decref(plain);
    json_decref(restored);
    if (rc) {
        ta_free(s->ctx, s->model);
        ta_free(s->ctx, s->body);
        ta_free(s->ctx, s->restored);
        s->model = NULL;
        s->body = s->restored = NULL;
        ta_wipe(&s->client, sizeof s->client);
    }
    return rc;
}

int teeattest_e2ee_request_body(const teeattest_e2ee_session *s,
                                const uint8_t **body, size_t *len,
                                teeattest_error *err)
{
    if (!s || !body || !len)
        return TA_INVALID(err, "session, body and len are required");
    if (!s->endpoint)
        return TA_INVALID(err, "no request was encrypted in this session");
    *body = s->body;
    *len = s->body_len;
    return TEEATTEST_OK;
}

int teeattest_e2ee_restored_body(const teeattest_e2ee_session *s,
                                 const uint8_t **body, size_t *len,
                                 teeattest_error *err)
{
    if (!s || !body || !len)
        return TA_INVALID(err, "session, body and len are required");
    if (!s->endpoint)
        return TA_INVALID(err, "no request was encrypted in this session");
    if (s->near)
        return ta_error(err, TEEATTEST_E_UNSUPPORTED, NULL,
                        "NEAR AI E2EE has no ACI receipt and no restored "
                        "body");
    *body = s->restored;
    *len = s->restored_len;
    return TEEATTEST_OK;
}

/* NEAR AI's request headers (its client's e2ee-request.ts): the version
 * header for ed25519 only ("2": XChaCha20-Poly1305), and the all-fields
 * extension its client always asks for. */
static size_t near_headers(const teeattest_e2ee_session *s, const char **n,
                           const char **v)
{
    size_t k = 0;
    n[k] = "X-Signing-Algo";
    v[k++] = s->near == TA_E2EE_X25519 ? "ed25519" : "ecdsa";
    n[k] = "X-Client-Pub-Key";
    v[k++] = s->client_pub;
    n[k] = "X-Model-Pub-Key";
    v[k++] = s->service_pub;
    if (s->near == TA_E2EE_X25519) {
        n[k] = "X-Encryption-Version";
        v[k++] = "2";
    }
    n[k] = "X-Encrypt-All-Fields";
    v[k++] = "true";
    return k;
}

size_t teeattest_e2ee_header_count(const teeattest_e2ee_session *s)
{
    if (s && s->endpoint && s->near) {
        const char *n[N_HEADERS], *v[N_HEADERS];
        return near_headers(s, n, v);
    }
    return s && s->endpoint ? N_HEADERS : 0;
}

int teeattest_e2ee_header(const teeattest_e2ee_session *s, const char **name,
                          const char **value, size_t index,
                          teeattest_error *err)
{
    if (!s || !name || !value)
        return TA_INVALID(err, "session, name and value are required");
    if (s->endpoint && s->near) {
        const char *nn[N_HEADERS], *vv[N_HEADERS];
        size_t count = near_headers(s, nn, vv);
        if (index >= count)
            return ta_error(err, TEEATTEST_E_NOT_FOUND, NULL,
                            "no header %zu (%zu after encryption)", index,
                            count);
        *name = nn[index];
        *value = vv[index];
        return TEEATTEST_OK;
    }
    if (!s->endpoint || index >= N_HEADERS)
        return ta_error(err, TEEATTEST_E_NOT_FOUND, NULL,
                        "no header %zu (%zu after encryption)", index,
                        (size_t)N_HEADERS);
    const char *v[N_HEADERS] = {"2", s->client_pub, s->service_pub,
                                s->bind.nonce, s->ts_text};
    *name = header_names[index];
    *value = v[index];
    return TEEATTEST_OK;
}

/* ---- response ------------------------------------------------------------- */

static int decrypt(teeattest_e2ee_session *s, const uint8_t **plain,
                   size_t *plain_len, const uint8_t *body, size_t len,
                   bool chunk, teeattest_error *err)
{
    if (plain)
        *plain = NULL;
    if (plain_len)
        *plain_len = 0;
    if (!s || !plain || !plain_len || !body)
        return TA_INVALID(err, "session, outputs and body are required");
    if (!s->endpoint)
        return TA_INVALID(err, "no request was encrypted in this session");
    if (s->plain)
        ta_wipe(s->plain, s->plain_len);
    ta_free(s->ctx, s->plain);
    s->plain = NULL;
    s->plain_len = 0;
    if (chunk && len == 6 && !memcmp(body, "[DONE]", 6)) {
        *plain = (const uint8_t *)"[DONE]";
        *plain_len = 6;
        return TEEATTEST_OK;
    }
    json_t *j = NULL;
    int rc = ta_json_parse(&j, body, len, TEEATTEST_E2EE_BODY_MAX, err);
    if (rc)
        return rc;
    if (s->near) {
        size_t fields = 0;
        rc = ta_near_walk_response(s->ctx, j, chunk, false, &s->client,
                                   &fields, err);
        if (!rc)
            s->opened += fields;
    } else {
        ta_e2ee_walk w = {.ctx = s->ctx, .op = TA_E2EE_RESP_OPEN,
                          .endpoint = s->endpoint, .chunk = chunk,
                          .bind = &s->bind, .key = &s->client, .err = err};
        rc = ta_e2ee_walk_response(&w, j);
        if (!rc)
            s->opened += w.fields;
    }
    if (!rc)
        rc = ta_e2ee_json_dump(s->ctx, &s->plain, &s->plain_len, j);
    if (rc == TEEATTEST_E_NOMEM)
        ta_error(err, rc, NULL, "out of memory");
    json_decref(j);
    if (!rc) {
        *plain = s->plain;
        *plain_len = s->plain_len;
    }
    return rc;
}

int teeattest_e2ee_decrypt_response(teeattest_e2ee_session *s,
                                    const uint8_t **plain, size_t *plain_len,
                                    const uint8_t *body, size_t len,
                                    teeattest_error *err)
{
    return decrypt(s, plain, plain_len, body, len, false, err);
}

int teeattest_e2ee_decrypt_chunk(teeattest_e2ee_session *s,
                                 const uint8_t **plain, size_t *plain_len,
                                 const uint8_t *data, size_t len,
                                 teeattest_error *err)
{
    return decrypt(s, plain, plain_len, data, len, true, err);
}

/* ---- the material of a saved exchange (evidence bundles) ------------------- */

int ta_e2ee_session_export(const teeattest_e2ee_session *s,
                           ta_e2ee_material *m)
{
    if (!s || !m || !s->endpoint || !s->client.has_secret)
        return TEEATTEST_E_INVALID_ARG;
    memset(m, 0, sizeof *m);
    m->suite = s->service.suite;
    m->endpoint = s->endpoint;
    m->key_id = s->key_id;
    m->service_pub = s->service_pub;
    memcpy(m->client_secret, s->client.secret, 32);
    memcpy(m->nonce, s->bind.nonce, sizeof m->nonce);
    m->ts = s->bind.ts;
    m->restored = s->restored;
    m->restored_len = s->restored_len;
    return TEEATTEST_OK;
}

static bool lower_hex64(const char *p)
{
    size_t i = 0;
    for (; p[i]; i++)
        if (i >= 64 || !((p[i] >= '0' && p[i] <= '9') ||
                         (p[i] >= 'a' && p[i] <= 'f')))
            return false;
    return i == 64;
}

int ta_e2ee_session_import(teeattest_ctx *ctx, teeattest_e2ee_session **out,
                           const ta_e2ee_material *m, teeattest_error *err)
{
    if (out)
        *out = NULL;
    if (!ctx || !out || !m || !m->key_id || !m->service_pub || !m->restored)
        return TA_INVALID(err, "ta_e2ee_session_import");
    if (!ta_e2ee_algo(m->suite))
        return ta_error(err, TEEATTEST_E_UNSUPPORTED, "algo",
                        "not an E2EE v2 suite");
    if (m->endpoint < TEEATTEST_E2EE_CHAT ||
        m->endpoint > TEEATTEST_E2EE_EMBEDDINGS)
        return ta_error(err, TEEATTEST_E_INVALID_ARG, "endpoint",
                        "not an E2EE v2 endpoint");
    if (!memchr(m->nonce, 0, sizeof m->nonce) || !lower_hex64(m->nonce))
        return ta_error(err, TEEATTEST_E_INVALID_ARG, "nonce",
                        "the nonce is 64 lowercase hex digits");
    if (m->ts < 0)
        return ta_error(err, TEEATTEST_E_INVALID_ARG, "timestamp",
                        "a negative timestamp");
    teeattest_e2ee_session *s = ta_calloc(ctx, 1, sizeof *s);
    if (!s)
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "out of memory");
    atomic_init(&s->refs, 1);
    s->ctx = teeattest_ctx_ref(ctx);
    json_t *body = NULL;
    int rc = ta_e2ee_pub_parse(&s->service, m->suite, m->service_pub,
                               strlen(m->service_pub));
    if (rc) {
        rc = ta_error(err, rc, "public_key",
                      "the service key is not a key of its suite");
        goto out;
    }
    rc = ta_e2ee_key_from_secret(&s->client, m->suite, m->client_secret);
    if (rc) {
        rc = ta_error(err, rc == TEEATTEST_E_INVALID_ARG
                               ? TEEATTEST_E_VERIFY_FAILED : rc,
                      "client_secret_key", "not a secret key of the suite");
        goto out;
    }
    if ((rc = ta_json_parse(&body, m->restored, m->restored_len,
                            TEEATTEST_E2EE_BODY_MAX, err)))
        goto out;
    json_t *model = json_object_get(body, "model");
    if (!json_is_string(model)) {
        rc = ta_error(err, TEEATTEST_E_FIELD_MISSING, "restored_request.model",
                      "the restored request needs a string model");
        goto out;
    }
    s->model = ta_strndup(ctx, json_string_value(model),
                          json_string_length(model));
    s->key_id = ta_strndup(ctx, m->key_id, strlen(m->key_id));
    s->service_pub = ta_strndup(ctx, m->service_pub, strlen(m->service_pub));
    s->restored = ta_malloc(ctx, m->restored_len ? m->restored_len : 1);
    if (!s->model || !s->key_id || !s->service_pub || !s->restored) {
        rc = ta_error(err, TEEATTEST_E_NOMEM, NULL, "out of memory");
        goto out;
    }
    memcpy(s->restored, m->restored, m->restored_len);
    s->restored_len = m->restored_len;
    s->bind.suite = m->suite;
    s->bind.model = s->model;
    s->bind.model_len = json_string_length(model);
    memcpy(s->bind.nonce, m->nonce, sizeof s->bind.nonce);
    s->bind.ts = m->ts;
    snprintf(s->ts_text, sizeof s->ts_text, "%lld", (long long)m->ts);
    ta_e2ee_pub_hex(s->client_pub, &s->client);
    s->endpoint = m->endpoint;
out:
    json_decref(body);
    if (rc) {
        teeattest_e2ee_session_free(s);
        return rc;
    }
    *out = s;
    return TEEATTEST_OK;
}
