/*
 * NEAR AI Cloud's field-level E2EE (docs/e2ee-nearai.md). NEAR publishes
 * no specification; the scheme is the one of its client SDK
 * (nearai/inference-sdk, js/src/core/e2ee.ts and e2ee-chat.ts) and is
 * pinned here by the two fixed vectors its test suites share
 * (tests/unit/test_e2ee_near.c):
 *
 *   ed25519 (header X-Encryption-Version: 2): the recipient's Ed25519 key
 *     mapped to X25519, a fresh X25519 ephemeral key, HKDF-SHA256 (no
 *     salt, info "ed25519_encryption") of the shared secret to 32 bytes,
 *     XChaCha20-Poly1305-IETF with a random 24-byte nonce and no
 *     associated data; value = hex(ephemeral(32) || nonce(24) || ct || tag).
 *   ecdsa (no version header): secp256k1 ECDH (the shared point's x
 *     coordinate) with a fresh ephemeral key, HKDF-SHA256 (no salt, info
 *     "ecdsa_encryption"), AES-256-GCM with a random 12-byte IV and no
 *     associated data; value = hex(ephemeral(65, 04||X||Y) || IV || ct ||
 *     tag).
 *
 * Nothing binds a field to its place, its request or its response: a
 * ciphertext moved to another field or replayed from another exchange to
 * the same client key decrypts. The client key is fresh per request, so
 * replay across requests fails; within one answer it does not. The
 * response signature of the nearai dialect (over the exact bytes) is what
 * covers the answer as a whole.
 *
 * The primitives are lib/crypto's (libsodium, libsecp256k1, the backend's
 * AES-GCM and HKDF); this file only composes them and walks the fields.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "e2ee_impl.h"
#include "../crypto/crypto.h"
#include "../dstack/dstack.h"

#define MAX_ENTRIES 4096 /* choices, messages, tools, parts of one body */
#define MAX_DEPTH 8      /* nested top_logprobs */

int ta_near_suite(const char *signing_algo)
{
    if (!signing_algo)
        return 0;
    if (!strcmp(signing_algo, "ed25519"))
        return TA_E2EE_X25519;
    if (!strcmp(signing_algo, "ecdsa"))
        return TA_E2EE_SECP256K1;
    return 0;
}

/* ---- keys ------------------------------------------------------------------ */

int ta_near_model_key(const teeattest_ctx *ctx, ta_e2ee_key *k, int suite,
                      const char *hex, const char *signer,
                      teeattest_error *err)
{
    memset(k, 0, sizeof *k);
    size_t len = strlen(hex);
    hex = ta_e2ee_strip0x(hex, &len);
    uint8_t raw[65], id[32];
    int64_t n = ta_hex_decode(raw, sizeof raw, hex, len);
    if (n < 0)
        return ta_error(err, n == TEEATTEST_E_BUFFER_TOO_SMALL
                                 ? TEEATTEST_E_LENGTH : (int)n,
                        "model_public_key", "not a hex public key");
    int rc = TEEATTEST_OK;
    if (signer) {
        size_t sl = strlen(signer);
        const char *sh = ta_e2ee_strip0x(signer, &sl);
        int64_t idn = ta_hex_decode(id, sizeof id, sh, sl);
        if (idn < 0)
            return ta_error(err, TEEATTEST_E_HEX, "verified_signer",
                            "not a hex signer");
        /* The key must be the attested one: for ed25519 the verified
         * signer is the key itself; for ecdsa its address must be the
         * tail of keccak256(x||y) (what binding.signing_key checked). */
        rc = ta_rd_key_binds(ctx,
                             suite == TA_E2EE_X25519 ? TEEATTEST_SIG_ED25519
                                                     : TEEATTEST_SIG_ECDSA,
                             raw, (size_t)n, id, (size_t)idn);
    } else if (suite == TA_E2EE_X25519 ? n != 32 : (n != 64 && n != 65)) {
        rc = TEEATTEST_E_LENGTH;
    }
    if (rc == TEEATTEST_E_VERIFY_FAILED)
        return ta_error(err, rc, "model_public_key",
                        "the key is not the verified signer's (%s)",
                        signer ? signer : "");
    if (rc)
        return ta_error(err, rc, "model_public_key",
                        "not a %s public key of the right length",
                        suite == TA_E2EE_X25519 ? "32-byte Ed25519"
                                                : "64- or 65-byte secp256k1");
    k->suite = suite;
    if (suite == TA_E2EE_X25519) {
        rc = ta_ed25519_pk_to_x25519(k->pub, raw);
        k->pub_len = 32;
    } else {
        if (n == 64) {
            k->pub[0] = 0x04;
            memcpy(k->pub + 1, raw, 64);
        } else {
            memcpy(k->pub, raw, 65);
        }
        k->pub_len = 65;
        rc = ta_secp256k1_pubkey_check(k->pub, 65);
    }
    if (rc)
        return ta_error(err, TEEATTEST_E_VERIFY_FAILED, "model_public_key",
                        "not a valid point of its curve");
    return TEEATTEST_OK;
}

int ta_near_key_from_secret(ta_e2ee_key *k, char pub_hex[131], int suite,
                            const uint8_t secret[32])
{
    memset(k, 0, sizeof *k);
    uint8_t ed_pub[32];
    int rc;
    if (suite == TA_E2EE_X25519) {
        /* An Ed25519 key pair from the seed; its X25519 secret decrypts,
         * its Ed25519 public key is what X-Client-Pub-Key carries. */
        rc = ta_ed25519_seed_to_x25519(ed_pub, k->secret, secret);
        if (!rc)
            rc = ta_x25519_base(k->pub, k->secret);
        k->pub_len = 32;
        if (!rc)
            ta_hex_encode(pub_hex, ed_pub, 32);
    } else if (suite == TA_E2EE_SECP256K1) {
        rc = ta_e2ee_key_from_secret(k, suite, secret);
        if (!rc) /* 64 bytes X || Y, as NEAR's client sends it */
            ta_hex_encode(pub_hex, k->pub + 1, 64);
    } else {
        rc = TEEATTEST_E_INVALID_ARG;
    }
    if (rc) {
        ta_wipe(k, sizeof *k);
        return rc;
    }
    k->suite = suite;
    k->has_secret = true;
    return TEEATTEST_OK;
}

int ta_near_key_generate(const teeattest_ctx *ctx, ta_e2ee_key *k,
                         char pub_hex[131], int suite)
{
    uint8_t s[32];
    int rc = TEEATTEST_E_RANDOM;
    for (int tries = 0; tries < 8; tries++) {
        rc = ta_random(ctx, s, sizeof s);
        if (rc != TEEATTEST_OK)
            break;
        rc = ta_near_key_from_secret(k, pub_hex, suite, s);
        if (rc != TEEATTEST_E_INVALID_ARG)
            break;
    }
    ta_wipe(s, sizeof s);
    return rc;
}

/* ---- one field ------------------------------------------------------------- */

static size_t eph_len(int suite) { return suite == TA_E2EE_X25519 ? 32 : 65; }
static size_t iv_len(int suite) { return suite == TA_E2EE_X25519 ? 24 : 12; }

static int derive(uint8_t key[32], int suite, const uint8_t *secret,
                  const uint8_t *pub, size_t pub_len)
{
    uint8_t shared[32];
    int rc = suite == TA_E2EE_X25519
                 ? (pub_len == 32 ? ta_x25519(shared, secret, pub)
                                  : TEEATTEST_E_LENGTH)
                 : ta_secp256k1_ecdh_x(shared, secret, pub, pub_len);
    const char *info = suite == TA_E2EE_X25519 ? "ed25519_encryption"
                                               : "ecdsa_encryption";
    if (!rc)
        rc = ta_hkdf_sha256(key, 32, NULL, 0, shared, 32,
                            (const uint8_t *)info, strlen(info));
    ta_wipe(shared, sizeof shared);
    return rc;
}

int ta_near_seal(const teeattest_ctx *ctx, char **hex_out,
                 const ta_e2ee_key *to, const uint8_t *pt, size_t len)
{
    *hex_out = NULL;
    if (!ta_e2ee_algo(to->suite) || len > SIZE_MAX / 4 - 256)
        return TEEATTEST_E_INVALID_ARG;
    size_t el = eph_len(to->suite), il = iv_len(to->suite);
    size_t total = el + il + len + 16;
    uint8_t *raw = ta_malloc(ctx, total);
    char *hex = ta_malloc(ctx, 2 * total + 1);
    ta_e2ee_key eph;
    uint8_t key[32];
    memset(&eph, 0, sizeof eph);
    int rc = TEEATTEST_E_NOMEM;
    if (!raw || !hex)
        goto out;
    /* The ephemeral key first, then the nonce: the order in which NEAR's
     * client draws them (the fixed vectors depend on it). */
    rc = ta_e2ee_key_generate(ctx, &eph, to->suite);
    if (!rc)
        rc = ta_random(ctx, raw + el, il);
    if (!rc)
        rc = derive(key, to->suite, eph.secret, to->pub, to->pub_len);
    if (!rc) {
        memcpy(raw, eph.pub, el);
        rc = to->suite == TA_E2EE_X25519
                 ? ta_xchacha20poly1305_seal(raw + el + il, key, raw + el, pt,
                                             len)
                 : ta_aes256gcm_seal(raw + el + il, key, raw + el, NULL, 0,
                                     pt, len);
    }
    if (!rc) {
        ta_hex_encode(hex, raw, total);
        *hex_out = hex;
        hex = NULL;
    }
out:
    ta_wipe(&eph, sizeof eph);
    ta_wipe(key, sizeof key);
    ta_free(ctx, raw);
    ta_free(ctx, hex);
    return rc;
}

int ta_near_open(const teeattest_ctx *ctx, uint8_t **pt_out, size_t *pt_len,
                 const ta_e2ee_key *me, const char *hex, size_t hex_len)
{
    *pt_out = NULL;
    *pt_len = 0;
    if (!ta_e2ee_algo(me->suite) || !me->has_secret)
        return TEEATTEST_E_INVALID_ARG;
    size_t el = eph_len(me->suite), il = iv_len(me->suite), total, len;
    uint8_t *raw, *pt;
    uint8_t key[32];
    memset(key, 0, sizeof key);
    int rc = ta_e2ee_unhex(ctx, hex, hex_len, el + il, &raw, &total, &pt, &len);
    if (rc)
        goto out;
    /* secp256k1: the ephemeral key is uncompressed, as the client reads it. */
    if (me->suite == TA_E2EE_SECP256K1 && raw[0] != 0x04) {
        rc = TEEATTEST_E_VERIFY_FAILED;
        goto out;
    }
    rc = derive(key, me->suite, me->secret, raw, el);
    if (rc == TEEATTEST_E_LENGTH || rc == TEEATTEST_E_INVALID_ARG)
        rc = TEEATTEST_E_VERIFY_FAILED;
    if (!rc)
        rc = me->suite == TA_E2EE_X25519
                 ? ta_xchacha20poly1305_open(pt, key, raw + el, raw + el + il,
                                             len + 16)
                 : ta_aes256gcm_open(pt, key, raw + el, NULL, 0, raw + el + il,
                                     len + 16);
out:
    ta_wipe(key, sizeof key);
    return ta_e2ee_opened(ctx, rc, raw, pt, len, pt_out, pt_len);
}

/* ---- the field walk ------------------------------------------------------- */

/* The locations are those of NEAR's client (e2ee-chat.ts) with the
 * "x-encrypt-all-fields" extension it always asks for. */

enum { K_TEXT, K_JSON };

typedef struct walk {
    const teeattest_ctx *ctx;
    bool seal;               /* encrypt (else decrypt) */
    const ta_e2ee_key *key;  /* the recipient (seal) or ours (open) */
    size_t fields;
    teeattest_error *err;
} walk;

static int fail(walk *w, int code, const char *path, const char *what)
{
    return ta_error(w->err, code, path, "%s", what);
}

static int set(json_t *c, const char *key, json_t *v)
{
    if (!v)
        return TEEATTEST_E_NOMEM;
    return json_object_set_new(c, key, v) ? TEEATTEST_E_NOMEM : TEEATTEST_OK;
}

/* c[key]: absent and null are skipped. Sealing: a string is encrypted as
 * is; K_JSON encrypts any value's compact JSON. Opening: the value must be
 * a string ("" is the protocol's empty field) that decrypts; K_JSON then
 * parses the plaintext. Anything else fails: an answer that comes back
 * in plaintext is refused, never passed on. */
static int loc(walk *w, json_t *c, const char *key, const char *path,
               int kind)
{
    json_t *v = json_object_get(c, key);
    if (!v || json_is_null(v))
        return TEEATTEST_OK;
    char *hex = NULL;
    uint8_t *pt = NULL;
    size_t n = 0;
    int rc;
    if (w->seal) {
        if (!json_is_string(v) && kind == K_TEXT)
            return TEEATTEST_OK; /* the client encrypts strings only */
        ta_buf b;
        ta_buf_init(&b, w->ctx, 0);
        rc = json_is_string(v) && kind == K_TEXT
                 ? ta_buf_append(&b, json_string_value(v),
                                 json_string_length(v))
                 : ta_e2ee_json_write(&b, v);
        if (!rc)
            rc = ta_near_seal(w->ctx, &hex, w->key, b.data, b.len);
        ta_wipe(b.data, b.len);
        ta_buf_free(&b);
        if (!rc)
            rc = set(c, key, json_string(hex));
        ta_free(w->ctx, hex);
        if (rc)
            return fail(w, rc, path, "could not encrypt the field");
        w->fields++;
        return TEEATTEST_OK;
    }
    if (!json_is_string(v))
        return fail(w, TEEATTEST_E_JSON, path,
                    "e2ee_decryption_failed: an encrypted field that is not "
                    "a string");
    if (json_string_length(v) == 0)
        return TEEATTEST_OK; /* the protocol's encrypted empty field */
    rc = ta_near_open(w->ctx, &pt, &n, w->key, json_string_value(v),
                      json_string_length(v));
    if (rc)
        return fail(w, rc, path,
                    rc == TEEATTEST_E_VERIFY_FAILED
                        ? "e2ee_decryption_failed: the tag does not verify "
                          "(wrong key or altered bytes)"
                        : "e2ee_decryption_failed: not a NEAR AI E2EE "
                          "ciphertext (a plaintext answer?)");
    json_t *nv = kind == K_JSON
                     ? json_loadb((const char *)pt, n, JSON_DECODE_ANY, NULL)
                     : json_stringn((const char *)pt, n);
    ta_wipe(pt, n);
    ta_free(w->ctx, pt);
    if (!nv)
        return fail(w, kind == K_JSON ? TEEATTEST_E_JSON : TEEATTEST_E_PARSE,
                    path,
                    kind == K_JSON
                        ? "e2ee_decryption_failed: the plaintext is not JSON"
                        : "e2ee_decryption_failed: the plaintext is not "
                          "UTF-8");
    rc = set(c, key, nv);
    if (rc)
        return fail(w, rc, path, "out of memory");
    w->fields++;
    return TEEATTEST_OK;
}

/* A field path; paths are bounded by the depth of the walk, and one
 * that would not fit is cut (it only names the field in errors). */
static void pathf(char *out, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void pathf(char *out, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, cap, fmt, ap);
    va_end(ap);
    if (n < 0)
        out[0] = 0;
}

static void join(char *out, size_t cap, const char *base, const char *key)
{
    pathf(out, cap, "%s%s%s", base, *base ? "." : "", key);
}

/* Strings of c at the names listed. */
static int strings(walk *w, json_t *c, const char *base,
                   const char *const *names, size_t count)
{
    char p[256];
    for (size_t i = 0; i < count; i++) {
        join(p, sizeof p, base, names[i]);
        int rc = loc(w, c, names[i], p, K_TEXT);
        if (rc)
            return rc;
    }
    return TEEATTEST_OK;
}

/* An object member that must be an object when present (opening: a
 * wrong type fails; sealing: it is left alone like the client does). */
static json_t *child(walk *w, json_t *c, const char *key, const char *path,
                     int *rc)
{
    json_t *v = json_object_get(c, key);
    *rc = TEEATTEST_OK;
    if (!v || json_is_null(v) || json_is_object(v))
        return json_is_object(v) ? v : NULL;
    if (!w->seal)
        *rc = fail(w, TEEATTEST_E_JSON, path,
                   "e2ee_decryption_failed: an object was expected");
    return NULL;
}

static json_t *array(walk *w, json_t *c, const char *key, const char *path,
                     int *rc)
{
    json_t *v = json_object_get(c, key);
    *rc = TEEATTEST_OK;
    if (json_is_array(v)) {
        if (json_array_size(v) > MAX_ENTRIES) {
            *rc = fail(w, TEEATTEST_E_TOO_LARGE, path, "too many entries");
            return NULL;
        }
        return v;
    }
    if (v && !json_is_null(v) && !w->seal)
        *rc = fail(w, TEEATTEST_E_JSON, path,
                   "e2ee_decryption_failed: an array was expected");
    return NULL;
}

/* The text at c.key.leaf when c.key is an object (base: c's path). */
static int nested_text(walk *w, json_t *c, const char *base, const char *key,
                       const char *leaf)
{
    char p[256], q[256];
    int rc;
    join(p, sizeof p, base, key);
    json_t *o = child(w, c, key, p, &rc);
    if (!rc && o) {
        join(q, sizeof q, p, leaf);
        rc = loc(w, o, leaf, q, K_TEXT);
    }
    return rc;
}

static const char *const fn_names[] = {"name", "arguments"};

/* function_call {name, arguments} and tool_calls[].function. */
static int calls(walk *w, json_t *m, const char *base, bool arguments)
{
    char p[256];
    int rc;
    join(p, sizeof p, base, "function_call");
    json_t *fc = child(w, m, "function_call", p, &rc);
    if (!rc && fc)
        rc = strings(w, fc, p, fn_names, arguments ? 2 : 1);
    if (rc || !arguments)
        return rc;
    join(p, sizeof p, base, "tool_calls");
    json_t *tc = array(w, m, "tool_calls", p, &rc);
    for (size_t j = 0; !rc && tc && j < json_array_size(tc); j++) {
        json_t *t = json_array_get(tc, j);
        if (!json_is_object(t))
            continue;
        char q[256];
        pathf(q, sizeof q, "%s.%zu.function", p, j);
        json_t *f = child(w, t, "function", q, &rc);
        if (!rc && f)
            rc = strings(w, f, q, fn_names, 2);
    }
    return rc;
}

static const char *const msg_req_names[] = {"reasoning_content", "reasoning",
                                             "name", "refusal"};
static const char *const msg_resp_names[] = {"reasoning_content", "reasoning",
                                             "refusal"};

/* A request message, or a response message / delta. */
static int message(walk *w, json_t *m, const char *base, bool request)
{
    char p[256];
    int rc = TEEATTEST_OK;
    join(p, sizeof p, base, "content");
    json_t *content = json_object_get(m, "content");
    if (request || !json_is_array(content)) {
        /* Requests: a string, or structured content as one JSON text. */
        rc = loc(w, m, "content", p,
                 request && json_is_array(content) ? K_JSON : K_TEXT);
    } else {
        /* Answers with content parts: each part's text. */
        if (json_array_size(content) > MAX_ENTRIES)
            return fail(w, TEEATTEST_E_TOO_LARGE, p, "too many parts");
        for (size_t i = 0; !rc && i < json_array_size(content); i++) {
            json_t *part = json_array_get(content, i);
            char q[256];
            pathf(q, sizeof q, "%s.%zu.text", p, i);
            if (json_is_object(part))
                rc = loc(w, part, "text", q, K_TEXT);
        }
    }
    if (!rc)
        rc = request ? strings(w, m, base, msg_req_names, 4)
                     : strings(w, m, base, msg_resp_names, 3);
    if (!rc)
        rc = nested_text(w, m, base, "audio", "data");
    if (!rc)
        rc = calls(w, m, base, true);
    return rc;
}

int ta_near_walk_request(const teeattest_ctx *ctx, json_t *body, bool seal,
                         const ta_e2ee_key *key, size_t *fields,
                         teeattest_error *err)
{
    walk w = {.ctx = ctx, .seal = seal, .key = key, .err = err};
    int rc;
    json_t *msgs = array(&w, body, "messages", "messages", &rc);
    for (size_t i = 0; !rc && msgs && i < json_array_size(msgs); i++) {
        json_t *m = json_array_get(msgs, i);
        char p[64];
        pathf(p, sizeof p, "messages.%zu", i);
        if (json_is_object(m))
            rc = message(&w, m, p, true);
    }
    json_t *tools = rc ? NULL : array(&w, body, "tools", "tools", &rc);
    for (size_t i = 0; !rc && tools && i < json_array_size(tools); i++) {
        json_t *t = json_array_get(tools, i);
        char p[64];
        pathf(p, sizeof p, "tools.%zu.function", i);
        json_t *f = json_is_object(t) ? child(&w, t, "function", p, &rc)
                                      : NULL;
        static const char *const names[] = {"name", "description"};
        if (!rc && f)
            rc = strings(&w, f, p, names, 2);
        if (!rc && f) {
            char q[96];
            join(q, sizeof q, p, "parameters");
            rc = loc(&w, f, "parameters", q, K_JSON);
        }
    }
    if (!rc) {
        json_t *tc = child(&w, body, "tool_choice", "tool_choice", &rc);
        json_t *f = tc && !rc ? child(&w, tc, "function",
                                      "tool_choice.function", &rc)
                              : NULL;
        if (!rc && f)
            rc = strings(&w, f, "tool_choice.function", fn_names, 1);
    }
    if (!rc)
        rc = calls(&w, body, "", false);
    *fields = w.fields;
    return rc;
}

static int logprob_entries(walk *w, json_t *arr, const char *base, int depth)
{
    if (depth > MAX_DEPTH)
        return fail(w, TEEATTEST_E_TOO_LARGE, base, "logprobs nested too deep");
    if (json_array_size(arr) > MAX_ENTRIES)
        return fail(w, TEEATTEST_E_TOO_LARGE, base, "too many entries");
    int rc = TEEATTEST_OK;
    for (size_t i = 0; !rc && i < json_array_size(arr); i++) {
        json_t *e = json_array_get(arr, i);
        if (!json_is_object(e))
            continue;
        char p[256], q[256];
        pathf(p, sizeof p, "%s.%zu", base, i);
        join(q, sizeof q, p, "token");
        rc = loc(w, e, "token", q, K_TEXT);
        if (!rc) {
            join(q, sizeof q, p, "bytes");
            json_t *b = json_object_get(e, "bytes");
            /* Encrypted bytes are a string holding a JSON array. */
            if (w->seal || json_is_string(b))
                rc = loc(w, e, "bytes", q, K_JSON);
            else if (b && !json_is_null(b))
                rc = fail(w, TEEATTEST_E_JSON, q,
                          "e2ee_decryption_failed: token bytes in plaintext");
        }
        if (!rc) {
            join(q, sizeof q, p, "top_logprobs");
            json_t *top = array(w, e, "top_logprobs", q, &rc);
            if (!rc && top)
                rc = logprob_entries(w, top, q, depth + 1);
        }
    }
    return rc;
}

static int choice(walk *w, json_t *ch, const char *base, bool chunk)
{
    char p[256];
    int rc;
    const char *which = chunk ? "delta" : "message";
    join(p, sizeof p, base, which);
    json_t *m = child(w, ch, which, p, &rc);
    if (!rc && m)
        rc = message(w, m, p, false);
    if (!rc && m && chunk)
        rc = nested_text(w, m, p, "nearai_tool_result", "output");
    if (!rc) {
        join(p, sizeof p, base, "logprobs");
        json_t *lp = child(w, ch, "logprobs", p, &rc);
        static const char *const lists[] = {"content", "refusal"};
        for (size_t i = 0; !rc && lp && i < 2; i++) {
            char q[256];
            join(q, sizeof q, p, lists[i]);
            json_t *arr = array(w, lp, lists[i], q, &rc);
            if (!rc && arr)
                rc = logprob_entries(w, arr, q, 0);
        }
    }
    return rc;
}

int ta_near_walk_response(const teeattest_ctx *ctx, json_t *body, bool chunk,
                          bool seal, const ta_e2ee_key *key, size_t *fields,
                          teeattest_error *err)
{
    walk w = {.ctx = ctx, .seal = seal, .key = key, .err = err};
    *fields = 0;
    if (!json_is_object(body))
        return fail(&w, TEEATTEST_E_JSON, NULL,
                    "the answer is not a JSON object");
    int rc;
    json_t *choices = array(&w, body, "choices", "choices", &rc);
    if (rc)
        return rc;
    /* A buffered chat answer without choices has nothing the client could
     * check: refused. A stream chunk may carry none (usage, errors). */
    if (!choices && !chunk && !seal)
        return fail(&w, TEEATTEST_E_FIELD_MISSING, "choices",
                    "the answer has no choices to decrypt");
    for (size_t i = 0; !rc && choices && i < json_array_size(choices); i++) {
        json_t *ch = json_array_get(choices, i);
        char p[64];
        pathf(p, sizeof p, "choices.%zu", i);
        if (json_is_object(ch))
            rc = choice(&w, ch, p, chunk);
        else if (!seal)
            rc = fail(&w, TEEATTEST_E_JSON, p, "a choice is not an object");
    }
    *fields = w.fields;
    return rc;
}
