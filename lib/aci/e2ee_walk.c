/*
 * The E2EE v2 field locations (spec/e2ee-v2.md section 5, Dstack-TEE/
 * private-ai-gateway b6b5c1b; the reference service's walk is
 * src/aggregator/service/e2ee_crypto.rs) and the one walk over them that
 * the client and the server half share: encrypt or decrypt each location
 * in place, with the AAD of its field path.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "e2ee_impl.h"

#define MAX_ENTRIES 4096 /* choices / data entries of one body */

enum { K_TEXT, K_WHOLE, K_JSON };

static int fail(ta_e2ee_walk *w, int code, const char *spec,
                const char *path, const char *what)
{
    w->spec_error = spec;
    return ta_error(w->err, code, path, "%s: %s", spec, what);
}

static bool is_seal(const ta_e2ee_walk *w)
{
    return w->op == TA_E2EE_REQ_SEAL || w->op == TA_E2EE_RESP_SEAL;
}

static const char *fail_type(const ta_e2ee_walk *w)
{
    return is_seal(w) ? "e2ee_encryption_failed" : "e2ee_decryption_failed";
}

/* Replace obj[key] (or arr[idx] when key is NULL) with v (stolen). */
static int set(json_t *c, const char *key, size_t idx, json_t *v)
{
    if (!v)
        return TEEATTEST_E_NOMEM;
    int r = key ? json_object_set_new(c, key, v) : json_array_set_new(c, idx, v);
    return r ? TEEATTEST_E_NOMEM : TEEATTEST_OK;
}

static int seal_at(ta_e2ee_walk *w, json_t *c, const char *key, size_t idx,
                   json_t *v, const char *path, const char *id, int kind)
{
    ta_buf pt, aad;
    ta_buf_init(&pt, w->ctx, 0);
    ta_buf_init(&aad, w->ctx, 0);
    char *hex = NULL;
    int rc;
    if (json_is_string(v) && kind != K_JSON)
        rc = ta_buf_append(&pt, json_string_value(v), json_string_length(v));
    else if (kind == K_TEXT)
        rc = fail(w, TEEATTEST_E_JSON, "e2ee_invalid_payload", path,
                  "a content field that is not a string");
    else
        rc = ta_e2ee_json_write(&pt, v); /* structured content, embedding */
    if (!rc)
        rc = ta_e2ee_aad(&aad, w->bind, id, id ? strlen(id) : 0, path);
    if (!rc)
        rc = ta_e2ee_seal(w->ctx, &hex, w->key, aad.data, aad.len, pt.data,
                          pt.len);
    if (!rc)
        rc = set(c, key, idx, json_string(hex));
    if (rc && !w->spec_error)
        fail(w, rc, fail_type(w), path, "could not encrypt the field");
    ta_free(w->ctx, hex);
    ta_wipe(pt.data, pt.len);
    ta_buf_free(&pt);
    ta_buf_free(&aad);
    return rc;
}

/* Parse a plaintext the way the reference service restores it. */
static json_t *parse_any(const uint8_t *s, size_t n)
{
    return json_loadb((const char *)s, n,
                      JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);
}

/* A whole-content plaintext that parses as a JSON array is restored as
 * structured content (spec section 5). True when `s` would be: its first
 * non-space byte is '['. */
static bool looks_like_array(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' ||
                     s[i] == '\r'))
        i++;
    return i < n && s[i] == '[';
}

static int open_at(ta_e2ee_walk *w, json_t *c, const char *key, size_t idx,
                   json_t *v, const char *path, const char *id, int kind)
{
    if (!json_is_string(v))
        return fail(w, TEEATTEST_E_JSON, "e2ee_decryption_failed", path,
                    "an encrypted field that is not a string");
    ta_buf aad;
    ta_buf_init(&aad, w->ctx, 0);
    uint8_t *pt = NULL;
    size_t n = 0;
    int rc = ta_e2ee_aad(&aad, w->bind, id, id ? strlen(id) : 0, path);
    if (!rc)
        rc = ta_e2ee_open(w->ctx, &pt, &n, w->key, aad.data, aad.len,
                          json_string_value(v), json_string_length(v));
    ta_buf_free(&aad);
    if (rc)
        return fail(w, rc, "e2ee_decryption_failed", path,
                    rc == TEEATTEST_E_VERIFY_FAILED
                        ? "the AEAD tag does not verify (wrong key, field, "
                          "model, id, nonce or timestamp, or altered bytes)"
                        : "not an E2EE v2 ciphertext");
    json_t *nv = NULL;
    if (kind == K_JSON) {
        nv = parse_any(pt, n);
        if (!nv)
            rc = fail(w, TEEATTEST_E_JSON, "e2ee_decryption_failed", path,
                      "the plaintext is not JSON");
    } else if (kind == K_WHOLE && looks_like_array((char *)pt, n)) {
        nv = parse_any(pt, n);
        if (!nv || !json_is_array(nv)) {
            json_decref(nv);
            nv = NULL;
            rc = fail(w, TEEATTEST_E_JSON, "e2ee_decryption_failed", path,
                      "content that starts as a JSON array but is not one");
        }
    } else {
        nv = json_stringn((char *)pt, n);
        if (!nv)
            rc = fail(w, TEEATTEST_E_PARSE, "e2ee_decryption_failed", path,
                      "the plaintext is not UTF-8");
    }
    ta_wipe(pt, n);
    ta_free(w->ctx, pt);
    if (!rc)
        rc = set(c, key, idx, nv);
    return rc;
}

/* The client's restored copy: whole-content strings that the service
 * will read back as arrays become arrays. */
static int restore_at(ta_e2ee_walk *w, json_t *c, const char *key,
                      size_t idx, json_t *v, const char *path, int kind)
{
    if (kind != K_WHOLE || !json_is_string(v) ||
        !looks_like_array(json_string_value(v), json_string_length(v)))
        return TEEATTEST_OK;
    json_t *nv = parse_any((const uint8_t *)json_string_value(v),
                           json_string_length(v));
    if (!nv || !json_is_array(nv)) {
        json_decref(nv);
        /* The service's parser could read it either way: refuse rather
         * than guess which body its receipt will hash. */
        return fail(w, TEEATTEST_E_INVALID_ARG, "e2ee_invalid_payload", path,
                    "string content that starts like a JSON array but does "
                    "not parse as one; send it as structured content");
    }
    return set(c, key, idx, nv);
}

/* One location: c[key] (or c[idx]); absent or null values are skipped. */
static int loc(ta_e2ee_walk *w, json_t *c, const char *key, size_t idx,
               const char *path, const char *id, int kind)
{
    json_t *v = key ? json_object_get(c, key) : json_array_get(c, idx);
    if (!v || json_is_null(v))
        return TEEATTEST_OK;
    int rc;
    switch (w->op) {
    case TA_E2EE_REQ_SEAL:
    case TA_E2EE_RESP_SEAL:
        rc = seal_at(w, c, key, idx, v, path, id, kind);
        break;
    case TA_E2EE_REQ_OPEN:
    case TA_E2EE_RESP_OPEN:
        rc = open_at(w, c, key, idx, v, path, id, kind);
        break;
    default:
        rc = restore_at(w, c, key, idx, v, path, kind);
    }
    if (!rc)
        w->fields++;
    return rc;
}

/* ---- requests ------------------------------------------------------------- */

static bool listed_part(json_t *p)
{
    const char *t = json_string_value(json_object_get(p, "type"));
    if (!json_is_object(p) || !t)
        return false;
    if (!strcmp(t, "text"))
        return json_is_string(json_object_get(p, "text"));
    if (!strcmp(t, "image_url"))
        return json_is_string(
            json_object_get(json_object_get(p, "image_url"), "url"));
    if (!strcmp(t, "input_audio"))
        return json_is_string(
            json_object_get(json_object_get(p, "input_audio"), "data"));
    return false;
}

static int content_parts(ta_e2ee_walk *w, json_t *content, size_t m)
{
    size_t i;
    json_t *p;
    char path[96];
    json_array_foreach(content, i, p) {
        if (!json_is_object(p))
            continue;
        const char *t = json_string_value(json_object_get(p, "type"));
        json_t *c = p;
        const char *key = NULL;
        if (t && !strcmp(t, "text")) {
            key = "text";
            snprintf(path, sizeof path, "messages.%zu.content.%zu.text", m, i);
        } else if (t && !strcmp(t, "image_url")) {
            c = json_object_get(p, "image_url");
            key = "url";
            snprintf(path, sizeof path,
                     "messages.%zu.content.%zu.image_url.url", m, i);
        } else if (t && !strcmp(t, "input_audio")) {
            c = json_object_get(p, "input_audio");
            key = "data";
            snprintf(path, sizeof path,
                     "messages.%zu.content.%zu.input_audio.data", m, i);
        }
        /* The service decrypts these only when they are strings. */
        if (!key || !json_is_object(c) ||
            !json_is_string(json_object_get(c, key)))
            continue;
        int rc = loc(w, c, key, 0, path, NULL, K_TEXT);
        if (rc)
            return rc;
    }
    return TEEATTEST_OK;
}

static int chat_request(ta_e2ee_walk *w, json_t *body)
{
    json_t *msgs = json_object_get(body, "messages");
    if (!json_is_array(msgs))
        return fail(w, TEEATTEST_E_FIELD_MISSING, "e2ee_decryption_failed",
                    "messages", "a chat request without a messages array");
    size_t m;
    json_t *msg;
    char path[64];
    json_array_foreach(msgs, m, msg) {
        json_t *content = json_object_get(msg, "content");
        if (!json_is_object(msg) || !content || json_is_null(content))
            continue;
        snprintf(path, sizeof path, "messages.%zu.content", m);
        int rc;
        if (json_is_string(content)) {
            rc = loc(w, msg, "content", 0, path, NULL, K_WHOLE);
        } else if (json_is_array(content)) {
            /* Parts of an unlisted type: the whole content is encrypted
             * as its compact JSON (the client's choice; the service reads
             * both forms). */
            bool whole = false;
            if (w->op == TA_E2EE_REQ_SEAL) {
                size_t i;
                json_t *p;
                json_array_foreach(content, i, p) whole |= !listed_part(p);
            }
            rc = whole ? loc(w, msg, "content", 0, path, NULL, K_WHOLE)
                       : content_parts(w, content, m);
        } else {
            rc = fail(w, TEEATTEST_E_JSON, "e2ee_invalid_payload", path,
                      "content that is neither a string nor an array");
        }
        if (rc)
            return rc;
    }
    return TEEATTEST_OK;
}

/* prompt / input: a string, or an array whose string elements are
 * encrypted (token-id arrays pass through). */
static int string_or_list(ta_e2ee_walk *w, json_t *body, const char *name)
{
    json_t *v = json_object_get(body, name);
    if (json_is_string(v))
        return loc(w, body, name, 0, name, NULL, K_TEXT);
    if (!json_is_array(v))
        return fail(w, TEEATTEST_E_FIELD_MISSING, "e2ee_decryption_failed",
                    name, "neither a string nor an array");
    size_t i;
    json_t *e;
    char path[48];
    json_array_foreach(v, i, e) {
        if (!json_is_string(e))
            continue;
        snprintf(path, sizeof path, "%s.%zu", name, i);
        int rc = loc(w, v, NULL, i, path, NULL, K_TEXT);
        if (rc)
            return rc;
    }
    return TEEATTEST_OK;
}

int ta_e2ee_walk_request(ta_e2ee_walk *w, json_t *body)
{
    w->fields = 0;
    w->spec_error = NULL;
    if (!json_is_object(body))
        return fail(w, TEEATTEST_E_JSON, "e2ee_decryption_failed", NULL,
                    "the body is not a JSON object");
    int rc;
    switch (w->endpoint) {
    case TA_E2EE_EP_CHAT:
        rc = chat_request(w, body);
        break;
    case TA_E2EE_EP_COMPLETIONS:
        rc = string_or_list(w, body, "prompt");
        break;
    case TA_E2EE_EP_EMBEDDINGS:
        rc = string_or_list(w, body, "input");
        break;
    default:
        return fail(w, TEEATTEST_E_UNSUPPORTED, "e2ee_unsupported_endpoint",
                    NULL, "no E2EE v2 field shapes for this endpoint");
    }
    if (!rc && !w->fields && w->op != TA_E2EE_REQ_RESTORE)
        rc = fail(w, TEEATTEST_E_FIELD_MISSING, "e2ee_decryption_failed",
                  NULL, "no field to encrypt: a v2 request needs one");
    return rc;
}

/* ---- responses ------------------------------------------------------------ */

/* The entry's "index" member when present, its position otherwise. */
static int entry_index(ta_e2ee_walk *w, json_t *e, size_t pos,
                       const char *what, long long *out)
{
    json_t *ix = json_object_get(e, "index");
    if (!ix) {
        *out = (long long)pos;
        return TEEATTEST_OK;
    }
    if (!json_is_integer(ix) || json_integer_value(ix) < 0)
        return fail(w, TEEATTEST_E_JSON, fail_type(w), what,
                    "an index that is not a non-negative integer");
    *out = json_integer_value(ix);
    return TEEATTEST_OK;
}

/* The entries of `arr` with their indexes; two entries claiming one index
 * would share a field path, so one could stand in for the other. */
static int entries(ta_e2ee_walk *w, json_t *arr, const char *what,
                   long long *ix)
{
    size_t n = json_array_size(arr);
    if (n > MAX_ENTRIES)
        return fail(w, TEEATTEST_E_TOO_LARGE, fail_type(w), what,
                    "too many entries");
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(arr, i);
        if (!json_is_object(e))
            return fail(w, TEEATTEST_E_JSON, fail_type(w), what,
                        "an entry that is not an object");
        int rc = entry_index(w, e, i, what, &ix[i]);
        if (rc)
            return rc;
        for (size_t j = 0; j < i; j++)
            if (ix[j] == ix[i])
                return fail(w, TEEATTEST_E_JSON, fail_type(w), what,
                            "two entries with the same index");
    }
    return TEEATTEST_OK;
}

static int choice_fields(ta_e2ee_walk *w, json_t *ch, long long i,
                         const char *id)
{
    char path[96];
    if (w->endpoint == TA_E2EE_EP_COMPLETIONS) {
        snprintf(path, sizeof path, "choices.%lld.text", i);
        return loc(w, ch, "text", 0, path, id, K_TEXT);
    }
    const char *sub = w->chunk ? "delta" : "message";
    json_t *o = json_object_get(ch, sub);
    if (!o || json_is_null(o))
        return TEEATTEST_OK;
    if (!json_is_object(o))
        return fail(w, TEEATTEST_E_JSON, fail_type(w), sub,
                    "not an object");
    /* An empty delta content carries nothing: the service drops it
     * (spec section 5), so the client never sees a plaintext "". */
    json_t *c = json_object_get(o, "content");
    if (w->op == TA_E2EE_RESP_SEAL && w->chunk && json_is_string(c) &&
        !json_string_length(c))
        json_object_del(o, "content");
    static const char *const names[] = {"content", "reasoning",
                                        "reasoning_content"};
    for (size_t k = 0; k < TA_ARRAY_LEN(names); k++) {
        snprintf(path, sizeof path, "choices.%lld.%s.%s", i, sub, names[k]);
        int rc = loc(w, o, names[k], 0, path, id, K_TEXT);
        if (rc)
            return rc;
    }
    json_t *audio = json_object_get(o, "audio");
    if (!w->chunk && json_is_object(audio)) {
        snprintf(path, sizeof path, "choices.%lld.message.audio.data", i);
        return loc(w, audio, "data", 0, path, id, K_TEXT);
    }
    return TEEATTEST_OK;
}

int ta_e2ee_walk_response(ta_e2ee_walk *w, json_t *body)
{
    w->fields = 0;
    w->spec_error = NULL;
    if (!json_is_object(body))
        return fail(w, TEEATTEST_E_JSON, fail_type(w), NULL,
                    "the body is not a JSON object");
    json_t *idv = json_object_get(body, "id");
    if (idv && !json_is_string(idv))
        return fail(w, TEEATTEST_E_JSON, fail_type(w), "id",
                    "a response id that is not a string");
    /* Copied: the walk replaces members of `body`, never "id". */
    const char *id = idv ? json_string_value(idv) : "";
    bool emb = w->endpoint == TA_E2EE_EP_EMBEDDINGS;
    if (w->endpoint < TA_E2EE_EP_CHAT || w->endpoint > TA_E2EE_EP_EMBEDDINGS ||
        (emb && w->chunk))
        return fail(w, TEEATTEST_E_UNSUPPORTED, "e2ee_unsupported_endpoint",
                    NULL, "no E2EE v2 field shapes for this response");
    const char *what = emb ? "data" : "choices";
    json_t *arr = json_object_get(body, what);
    if (!arr) {
        /* A buffered body must carry what the service encrypts: without
         * it there is nothing the tag vouches for. */
        if (w->op == TA_E2EE_RESP_OPEN && !w->chunk)
            return fail(w, TEEATTEST_E_FIELD_MISSING, fail_type(w), what,
                        "absent from an E2EE response");
        return TEEATTEST_OK;
    }
    if (!json_is_array(arr))
        return fail(w, TEEATTEST_E_JSON, fail_type(w), what,
                    "not an array");
    size_t n = json_array_size(arr);
    long long *ix = ta_calloc(w->ctx, n ? n : 1, sizeof *ix);
    if (!ix)
        return TEEATTEST_E_NOMEM;
    int rc = entries(w, arr, what, ix);
    char path[64];
    for (size_t i = 0; !rc && i < n; i++) {
        json_t *e = json_array_get(arr, i);
        if (emb) {
            snprintf(path, sizeof path, "data.%lld.embedding", ix[i]);
            rc = loc(w, e, "embedding", 0, path, id, K_JSON);
        } else {
            rc = choice_fields(w, e, ix[i], id);
        }
    }
    ta_free(w->ctx, ix);
    return rc;
}
