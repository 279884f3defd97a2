/*
 * Compact JWS (ES384 only) and the NRAS JWKS: strict parsing, key lookup by
 * kid, signature and registered-claim checks (spec nvidia.md 5.3-5.5).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "jwt.h"
#include "../cache/cache.h"
#include "../providers/providers.h"
#include "../crypto/crypto.h"
#include "../crypto/x509.h"
#include "../transport/transport.h"

const uint8_t ta_nras_intermediate_004_sha256[32] = {
    0x2d, 0xf8, 0x90, 0x7c, 0xf4, 0xd6, 0xc2, 0x77, 0xb8, 0x55, 0xd4,
    0x07, 0xec, 0x17, 0x8a, 0x64, 0x99, 0x30, 0xa8, 0xe7, 0x3f, 0x72,
    0x94, 0xe8, 0xfc, 0xe6, 0x6e, 0x6e, 0xe2, 0x7c, 0x51, 0x75,
};

/* ---- helpers --------------------------------------------------------------- */

static bool is_b64url_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* Strict base64url without padding into a fresh allocation. */
static int b64url_decode_alloc(const teeattest_ctx *ctx, const char *in,
                               size_t len, size_t max_out, uint8_t **out,
                               size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    for (size_t i = 0; i < len; i++)
        if (!is_b64url_char((unsigned char)in[i]))
            return TEEATTEST_E_BASE64;
    size_t cap = ta_base64_decoded_max(len);
    if (cap > max_out + 3)
        return TEEATTEST_E_TOO_LARGE;
    uint8_t *buf = ta_malloc(ctx, cap ? cap : 1);
    if (!buf)
        return TEEATTEST_E_NOMEM;
    int64_t n = ta_base64_decode(buf, cap, in, len, true);
    if (n < 0) {
        ta_free(ctx, buf);
        return (int)n;
    }
    if ((size_t)n > max_out) {
        ta_free(ctx, buf);
        return TEEATTEST_E_TOO_LARGE;
    }
    *out = buf;
    *out_len = (size_t)n;
    return TEEATTEST_OK;
}

static void set_detail(char *d, size_t cap, const char *fmt, ...)
    TA_PRINTF(3, 4);
static void set_detail(char *d, size_t cap, const char *fmt, ...)
{
    if (!d || !cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d, cap, fmt, ap);
    va_end(ap);
}

/* A printable excerpt of an untrusted string for messages. */
static void excerpt(char *out, size_t cap, const char *s)
{
    size_t o = 0;
    for (; s && *s && o + 1 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        out[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    out[o] = '\0';
}

/* ---- JWKS ------------------------------------------------------------------ */

void ta_jwks_init(ta_jwks *c, const teeattest_ctx *ctx)
{
    memset(c, 0, sizeof *c);
    c->ctx = ctx;
}

static void jwk_clear(const teeattest_ctx *ctx, ta_jwk *k)
{
    ta_free(ctx, k->kid);
    for (size_t i = 0; i < k->n_x5c; i++)
        ta_free(ctx, k->x5c[i]);
    memset(k, 0, sizeof *k);
}

void ta_jwks_clear(ta_jwks *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        jwk_clear(c->ctx, &c->keys[i]);
    ta_free(c->ctx, c->keys);
    const teeattest_ctx *ctx = c->ctx;
    memset(c, 0, sizeof *c);
    c->ctx = ctx;
}

const ta_jwk *ta_jwks_find(const ta_jwks *c, const char *kid)
{
    if (!c || !kid)
        return NULL;
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->keys[i].kid, kid) == 0)
            return &c->keys[i];
    return NULL;
}

/* The uncompressed P-384 point of a DER certificate, or an error. */
static int cert_p384_point(const teeattest_ctx *ctx, const uint8_t *der,
                           size_t len, uint8_t out[97])
{
    ta_x509 *crt = NULL;
    int rc = ta_x509_parse_der(ctx, &crt, der, len, NULL);
    if (rc)
        return rc == TEEATTEST_E_NOMEM ? rc : TEEATTEST_E_PARSE;
    rc = ta_x509_ec_point(crt, TEEATTEST_CURVE_P384, out, 97);
    ta_x509_free(crt);
    return rc == TEEATTEST_E_UNSUPPORTED ? TEEATTEST_E_SIG_ALGO : rc;
}

static int parse_coord(const teeattest_ctx *ctx, json_t *key, const char *name,
                       uint8_t out[48])
{
    const char *s = json_string_value(json_object_get(key, name));
    if (!s)
        return TEEATTEST_E_FIELD_MISSING;
    uint8_t *raw = NULL;
    size_t n = 0;
    int rc = b64url_decode_alloc(ctx, s, strlen(s), 64, &raw, &n);
    if (rc)
        return rc;
    if (n != 48)
        rc = TEEATTEST_E_LENGTH;
    else
        memcpy(out, raw, 48);
    ta_free(ctx, raw);
    return rc;
}

static int parse_x5c(const teeattest_ctx *ctx, json_t *arr, ta_jwk *k,
                     char *why, size_t why_cap)
{
    if (!json_is_array(arr) || json_array_size(arr) == 0) {
        set_detail(why, why_cap, "x5c is not a non-empty array");
        return TEEATTEST_E_PARSE;
    }
    size_t n = json_array_size(arr);
    if (n > TA_JWK_X5C_MAX) {
        set_detail(why, why_cap, "x5c has %zu certificates (limit %u)", n,
                   TA_JWK_X5C_MAX);
        return TEEATTEST_E_TOO_LARGE;
    }
    for (size_t i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(arr, i));
        if (!s) {
            set_detail(why, why_cap, "x5c[%zu] is not a string", i);
            return TEEATTEST_E_PARSE;
        }
        size_t sl = strlen(s);
        size_t cap = ta_base64_decoded_max(sl);
        if (cap > TA_JWK_CERT_MAX + 3) {
            set_detail(why, why_cap, "x5c[%zu] exceeds %u bytes", i,
                       TA_JWK_CERT_MAX);
            return TEEATTEST_E_TOO_LARGE;
        }
        uint8_t *der = ta_malloc(ctx, cap ? cap : 1);
        if (!der)
            return TEEATTEST_E_NOMEM;
        /* x5c is standard base64 with padding (RFC 7517 4.7). */
        int64_t dl = ta_base64_decode(der, cap, s, sl, false);
        if (dl <= 0) {
            ta_free(ctx, der);
            set_detail(why, why_cap, "x5c[%zu] is not valid base64", i);
            return TEEATTEST_E_BASE64;
        }
        k->x5c[i] = der;
        k->x5c_len[i] = (size_t)dl;
        k->n_x5c = i + 1;
    }
    uint8_t pt[97];
    int rc = cert_p384_point(ctx, k->x5c[0], k->x5c_len[0], pt);
    if (rc) {
        set_detail(why, why_cap,
                   "x5c[0] is not an X.509 certificate with a P-384 key");
        return rc;
    }
    if (memcmp(pt, k->pub, sizeof pt) != 0) {
        set_detail(why, why_cap, "x5c[0] holds a different key than x/y");
        return TEEATTEST_E_VERIFY_FAILED;
    }
    return TEEATTEST_OK;
}

/* One JWK: 1 = parsed into *k, 0 = not EC P-384 (skipped), <0 = error. */
static int parse_jwk(const teeattest_ctx *ctx, json_t *key, ta_jwk *k,
                     char *why, size_t why_cap)
{
    memset(k, 0, sizeof *k);
    if (!json_is_object(key)) {
        set_detail(why, why_cap, "not an object");
        return TEEATTEST_E_JSON;
    }
    const char *kty = json_string_value(json_object_get(key, "kty"));
    const char *crv = json_string_value(json_object_get(key, "crv"));
    if (!kty || strcmp(kty, "EC") != 0 || !crv || strcmp(crv, "P-384") != 0)
        return 0;
    const char *kid = json_string_value(json_object_get(key, "kid"));
    if (!kid || !*kid || strlen(kid) > TA_JWK_KID_MAX) {
        set_detail(why, why_cap, "kid missing, empty or longer than %u",
                   TA_JWK_KID_MAX);
        return TEEATTEST_E_FIELD_MISSING;
    }
    json_t *alg = json_object_get(key, "alg");
    if (alg && (!json_is_string(alg) ||
                strcmp(json_string_value(alg), "ES384") != 0)) {
        set_detail(why, why_cap, "alg is not \"ES384\"");
        return TEEATTEST_E_SIG_ALGO;
    }
    json_t *use = json_object_get(key, "use");
    if (use && (!json_is_string(use) ||
                strcmp(json_string_value(use), "sig") != 0)) {
        set_detail(why, why_cap, "use is not \"sig\"");
        return TEEATTEST_E_PARSE;
    }
    k->pub[0] = 0x04;
    int rc = parse_coord(ctx, key, "x", k->pub + 1);
    if (!rc)
        rc = parse_coord(ctx, key, "y", k->pub + 49);
    if (rc) {
        set_detail(why, why_cap,
                   "x/y missing or not 48 bytes of unpadded base64url");
        return rc;
    }
    k->kid = ta_strdup(ctx, kid);
    if (!k->kid)
        return TEEATTEST_E_NOMEM;
    json_t *x5c = json_object_get(key, "x5c");
    if (x5c && (rc = parse_x5c(ctx, x5c, k, why, why_cap)) != 0) {
        jwk_clear(ctx, k);
        return rc;
    }
    return 1;
}

/* The same key: x/y and every x5c certificate byte for byte. */
static bool same_key(const ta_jwk *a, const ta_jwk *b)
{
    if (memcmp(a->pub, b->pub, sizeof a->pub) != 0 || a->n_x5c != b->n_x5c)
        return false;
    for (size_t i = 0; i < a->n_x5c; i++)
        if (a->x5c_len[i] != b->x5c_len[i] ||
            memcmp(a->x5c[i], b->x5c[i], a->x5c_len[i]) != 0)
            return false;
    return true;
}

int ta_jwks_add_json(ta_jwks *c, const uint8_t *doc, size_t len, int64_t at,
                     teeattest_error *err)
{
    if (!c || !c->ctx || (!doc && len))
        return TA_INVALID(err, "ta_jwks_add_json: NULL argument");
    const teeattest_ctx *ctx = c->ctx;
    json_t *root = NULL;
    int rc = ta_json_parse(&root, doc, len, TA_JWKS_MAX, err);
    if (rc)
        return rc;
    json_t *keys = json_object_get(root, "keys");
    if (!json_is_object(root) || !json_is_array(keys)) {
        json_decref(root);
        return ta_error(err, TEEATTEST_E_JSON, "keys",
                        "JWKS: \"keys\" array missing");
    }
    size_t n = json_array_size(keys);
    if (n > TA_JWKS_KEYS_MAX) {
        json_decref(root);
        return ta_error(err, TEEATTEST_E_TOO_LARGE, "keys",
                        "JWKS: %zu keys exceed the limit of %u", n,
                        TA_JWKS_KEYS_MAX);
    }
    ta_jwk *parsed = ta_calloc(ctx, n ? n : 1, sizeof *parsed);
    if (!parsed) {
        json_decref(root);
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "JWKS keys");
    }
    size_t np = 0;
    rc = TEEATTEST_OK;
    for (size_t i = 0; i < n; i++) {
        char why[160] = "";
        int r = parse_jwk(ctx, json_array_get(keys, i), &parsed[np], why,
                          sizeof why);
        if (r == 0)
            continue;
        if (r < 0) {
            char where[32];
            snprintf(where, sizeof where, "keys[%zu]", i);
            rc = r == TEEATTEST_E_NOMEM
                     ? ta_error(err, r, where, "JWKS key")
                     : ta_error(err, r, where, "JWKS key %zu: %s", i, why);
            break;
        }
        for (size_t j = 0; j < np; j++) {
            if (strcmp(parsed[j].kid, parsed[np].kid) == 0) {
                char kid[80];
                excerpt(kid, sizeof kid, parsed[np].kid);
                char where[32];
                snprintf(where, sizeof where, "keys[%zu]", i);
                rc = ta_error(err, TEEATTEST_E_PARSE, where,
                              "JWKS: kid %s appears twice", kid);
                break;
            }
        }
        np++;
        if (rc)
            break;
    }
    json_decref(root);
    /* Merge: new kids appended, cached kids checked (below). */
    if (!rc && c->n + np > c->cap) {
        size_t cap = c->n + np;
        ta_jwk *nk = ta_realloc(ctx, c->keys, cap * sizeof *nk);
        if (!nk)
            rc = ta_error(err, TEEATTEST_E_NOMEM, NULL, "JWKS cache");
        else
            c->keys = nk, c->cap = cap;
    }
    if (rc) {
        for (size_t i = 0; i < np; i++)
            jwk_clear(ctx, &parsed[i]);
        ta_free(ctx, parsed);
        return rc;
    }
    for (size_t i = 0; i < np; i++) {
        ta_jwk *old = (ta_jwk *)ta_jwks_find(c, parsed[i].kid);
        if (!old) {
            c->keys[c->n++] = parsed[i];
            continue;
        }
        /* A kid is one key: never replaced, and a different key under
         * the same kid makes the kid unusable (ta_jwt_verify_signature). */
        if (!same_key(old, &parsed[i])) {
            char kid[80];
            excerpt(kid, sizeof kid, old->kid);
            ta_log(ctx, TEEATTEST_LOG_WARN,
                   "JWKS: kid %s names different keys in two documents; "
                   "tokens under it will fail", kid);
            old->conflict = true;
        }
        jwk_clear(ctx, &parsed[i]);
    }
    ta_free(ctx, parsed);
    c->fetched_at = at;
    return TEEATTEST_OK;
}

int ta_jwks_load_file(ta_jwks *c, const char *path, int64_t at,
                      teeattest_error *err)
{
    if (!c || !c->ctx || !path)
        return TA_INVALID(err, "ta_jwks_load_file: NULL argument");
    FILE *f = fopen(path, "rb");
    if (!f)
        return ta_error(err, TEEATTEST_E_IO, path, "cannot open JWKS file");
    ta_buf b;
    ta_buf_init(&b, c->ctx, TA_JWKS_MAX);
    uint8_t chunk[8192];
    size_t r;
    int rc = TEEATTEST_OK;
    while ((r = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if ((rc = ta_buf_append(&b, chunk, r)) != TEEATTEST_OK)
            break;
    }
    if (!rc && ferror(f))
        rc = TEEATTEST_E_IO;
    fclose(f);
    if (rc) {
        ta_buf_free(&b);
        if (rc == TEEATTEST_E_NOMEM)
            return ta_error(err, rc, path, "reading JWKS file");
        if (rc == TEEATTEST_E_IO)
            return ta_error(err, rc, path, "reading JWKS file failed");
        return ta_error(err, TEEATTEST_E_TOO_LARGE, path,
                        "JWKS file exceeds %u bytes", TA_JWKS_MAX);
    }
    rc = ta_jwks_add_json(c, b.data, b.len, at, err);
    ta_buf_free(&b);
    return rc;
}

#define JWKS_RETRIES 3u

int ta_jwks_fetch(teeattest_ctx *ctx, ta_jwks *c, const char *url, int64_t at,
                  teeattest_error *err)
{
    if (!ctx || !c || !url)
        return TA_INVALID(err, "ta_jwks_fetch: NULL argument");
    c->fetch_tried_at = at;
    teeattest_http_response resp;
    ta_http_response_init(&resp, ctx, TA_JWKS_MAX, NULL, NULL);
    int rc = ta_service_get(ctx, url, NULL, JWKS_RETRIES, TA_JWKS_MAX, &resp,
                            err);
    if (!rc && resp.status != 200) {
        rc = ta_error_backend(err, TEEATTEST_E_HTTP_STATUS, resp.status, url,
                              "JWKS fetch: HTTP %d", (int)resp.status);
    }
    if (!rc)
        rc = ta_jwks_add_json(c, resp.body.data, resp.body.len, at, err);
    if (!rc && ta_cache_enabled(ctx)) {
        char *key = ta_malloc(ctx, strlen(url) + 5);
        if (key) {
            int64_t now = teeattest_ctx_now(ctx);
            ta_cache_part p[1] = {{resp.body.data, resp.body.len}};
            snprintf(key, strlen(url) + 5, "GET %s", url);
            ta_cache_store(ctx, key, now, now + TA_JWKS_CACHE_TTL, p, 1);
            ta_free(ctx, key);
        }
    }
    if (!rc && c->on_fetched)
        c->on_fetched(c->on_fetched_user, resp.body.data, resp.body.len);
    ta_http_response_clear(&resp);
    return rc;
}

/* ---- JWS ------------------------------------------------------------------- */

void ta_jwt_clear(ta_jwt *j)
{
    if (!j)
        return;
    json_decref(j->header);
    json_decref(j->claims);
    memset(j, 0, sizeof *j);
}

static int parse_json_part(const teeattest_ctx *ctx, const char *part,
                           size_t len, size_t max, const char *what,
                           json_t **out, teeattest_error *err)
{
    uint8_t *raw = NULL;
    size_t n = 0;
    int rc = b64url_decode_alloc(ctx, part, len, max, &raw, &n);
    if (rc == TEEATTEST_E_NOMEM)
        return ta_error(err, rc, what, "decoding the JWT %s", what);
    if (rc == TEEATTEST_E_TOO_LARGE)
        return ta_error(err, rc, what, "JWT %s exceeds %zu bytes", what, max);
    if (rc)
        return ta_error(err, TEEATTEST_E_BASE64, what,
                        "JWT %s is not unpadded base64url", what);
    teeattest_error e2 = TEEATTEST_ERROR_INIT;
    rc = ta_json_parse(out, raw, n, max, &e2);
    ta_free(ctx, raw);
    if (rc)
        return ta_error(err, rc, what, "JWT %s: %s", what, e2.message);
    if (!json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        return ta_error(err, TEEATTEST_E_JSON, what,
                        "JWT %s is not a JSON object", what);
    }
    return TEEATTEST_OK;
}

int ta_jwt_parse(const teeattest_ctx *ctx, ta_jwt *out, const char *token,
                 size_t len, teeattest_error *err)
{
    if (!out)
        return TA_INVALID(err, "ta_jwt_parse: out is NULL");
    memset(out, 0, sizeof *out);
    if (!ctx || (!token && len))
        return TA_INVALID(err, "ta_jwt_parse: NULL argument");
    if (len > TA_JWT_MAX)
        return ta_error(err, TEEATTEST_E_TOO_LARGE, "token",
                        "JWT of %zu bytes exceeds %u", len, TA_JWT_MAX);
    size_t dots[2], nd = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)token[i];
        if (ch == '.') {
            if (nd == 2)
                return ta_error(err, TEEATTEST_E_PARSE, "token",
                                "JWT has more than three parts");
            dots[nd++] = i;
        } else if (!is_b64url_char(ch)) {
            return ta_error(err, TEEATTEST_E_PARSE, "token",
                            "JWT holds a character outside base64url at %zu",
                            i);
        }
    }
    if (nd != 2)
        return ta_error(err, TEEATTEST_E_PARSE, "token",
                        "JWT does not have three dot-separated parts");
    if (dots[0] == 0 || dots[1] == dots[0] + 1 || dots[1] + 1 == len)
        return ta_error(err, TEEATTEST_E_PARSE, "token",
                        "JWT has an empty part (an unsigned token?)");
    out->token = token;
    out->len = len;
    out->signing_len = dots[1];

    int rc = parse_json_part(ctx, token, dots[0], TA_JWT_HEADER_MAX, "header",
                             &out->header, err);
    if (rc)
        goto fail;
    /* alg is checked before anything else: the key type follows from the
     * JWKS, never from the token, so "none", HS256 or RS256 cannot pick a path. A
     * second "alg" was already refused by the duplicate-key rule. */
    json_t *alg = json_object_get(out->header, "alg");
    if (!alg) {
        rc = ta_error(err, TEEATTEST_E_FIELD_MISSING, "header.alg",
                      "JWT header has no alg");
        goto fail;
    }
    if (!json_is_string(alg) || strcmp(json_string_value(alg), "ES384") != 0 ||
        json_string_length(alg) != 5) {
        char a[40] = "(not a string)";
        if (json_is_string(alg))
            excerpt(a, sizeof a, json_string_value(alg));
        rc = ta_error(err, TEEATTEST_E_SIG_ALGO, "header.alg",
                      "JWT alg %s is not ES384", a);
        goto fail;
    }
    if (json_object_get(out->header, "crit")) {
        rc = ta_error(err, TEEATTEST_E_PARSE, "header.crit",
                      "JWT header has crit extensions we do not understand");
        goto fail;
    }
    json_t *kid = json_object_get(out->header, "kid");
    if (!json_is_string(kid) || json_string_length(kid) == 0 ||
        json_string_length(kid) > TA_JWK_KID_MAX ||
        strlen(json_string_value(kid)) != json_string_length(kid)) {
        rc = ta_error(err, TEEATTEST_E_FIELD_MISSING, "header.kid",
                      "JWT header has no usable kid");
        goto fail;
    }
    out->kid = json_string_value(kid);

    uint8_t *sig = NULL;
    size_t sl = 0;
    const char *sp = token + dots[1] + 1;
    rc = b64url_decode_alloc(ctx, sp, len - dots[1] - 1, 128, &sig, &sl);
    if (rc == TEEATTEST_E_NOMEM) {
        rc = ta_error(err, rc, "signature", "decoding the JWT signature");
        goto fail;
    }
    if (rc || sl != sizeof out->sig) {
        ta_free(ctx, sig);
        rc = ta_error(err, rc ? TEEATTEST_E_BASE64 : TEEATTEST_E_LENGTH,
                      "signature",
                      "JWT signature is not 96 bytes (r||s) of base64url");
        goto fail;
    }
    memcpy(out->sig, sig, sizeof out->sig);
    ta_free(ctx, sig);

    rc = parse_json_part(ctx, token + dots[0] + 1, dots[1] - dots[0] - 1,
                         TA_JWT_MAX, "payload", &out->claims, err);
    if (rc)
        goto fail;
    return TEEATTEST_OK;
fail:
    ta_jwt_clear(out);
    return rc;
}

static bool pinned(const uint8_t h[32], const ta_jwt_keyopts *ko)
{
    if (ta_ct_equal(h, ta_nras_intermediate_004_sha256, 32))
        return true;
    for (size_t i = 0; ko && i < ko->n_pins; i++)
        if (ta_ct_equal(h, ko->pins[i], 32))
            return true;
    return false;
}

static int check_x5c(const teeattest_ctx *ctx, const ta_jwk *k,
                     const ta_jwt_keyopts *ko, int64_t at, char *detail,
                     size_t cap)
{
    if (k->n_x5c == 0) {
        set_detail(detail, cap, "JWKS key %.80s has no x5c: a key is "
                   "trusted only through an x5c chain to a pinned NRAS "
                   "intermediate", k->kid);
        return TEEATTEST_E_CERT_CHAIN;
    }
    if (k->n_x5c < 2) {
        set_detail(detail, cap, "x5c has no intermediate to check x5c[0] with");
        return TEEATTEST_E_CERT_CHAIN;
    }
    uint8_t h[32];
    int rc = ta_sha256(ctx, h, k->x5c[1], k->x5c_len[1]);
    if (rc) {
        set_detail(detail, cap, "hashing x5c[1] failed");
        return rc;
    }
    if (!pinned(h, ko)) {
        char hex[17];
        ta_hex_encode(hex, h, 8);
        set_detail(detail, cap,
                   "x5c[1] (SHA-256 %s...) is not a pinned NRAS intermediate",
                   hex);
        return TEEATTEST_E_CERT_CHAIN;
    }
    const uint8_t *chain[1] = {k->x5c[0]};
    size_t chain_len[1] = {k->x5c_len[0]};
    const uint8_t *roots[1] = {k->x5c[1]};
    size_t root_len[1] = {k->x5c_len[1]};
    uint32_t flags = 0;
    rc = ta_x509_verify_chain(ctx, &flags, chain, chain_len, 1, roots,
                              root_len, 1, NULL, NULL, 0, at);
    if (rc || flags) {
        set_detail(detail, cap,
                   "x5c[0] does not verify under the pinned intermediate at "
                   "%" PRId64 " (flags 0x%x%s%s)",
                   at, (unsigned)flags,
                   flags & TEEATTEST_X509_EXPIRED ? ", expired" : "",
                   flags & TEEATTEST_X509_NOT_YET_VALID ? ", not yet valid"
                                                        : "");
        return TEEATTEST_E_CERT_CHAIN;
    }
    return TEEATTEST_OK;
}

int ta_jwt_verify_signature(const teeattest_ctx *ctx, const ta_jwt *j,
                            const ta_jwks *jwks, const ta_jwt_keyopts *ko,
                            int64_t at, char *detail, size_t cap)
{
    if (!ctx || !j || !j->token || !j->kid) {
        set_detail(detail, cap, "no parsed token");
        return TEEATTEST_E_INVALID_ARG;
    }
    const ta_jwk *k = ta_jwks_find(jwks, j->kid);
    if (!k) {
        char kid[80];
        excerpt(kid, sizeof kid, j->kid);
        set_detail(detail, cap, "kid %s is not in the JWKS", kid);
        return TEEATTEST_E_NOT_FOUND;
    }
    if (k->conflict) {
        set_detail(detail, cap, "kid %.80s names different keys in two "
                   "supplied JWKS documents (conflict): no key is trusted "
                   "for it", k->kid);
        return TEEATTEST_E_VERIFY_FAILED;
    }
    uint8_t digest[48];
    int rc = ta_hash(ctx, TEEATTEST_HASH_SHA384, digest, sizeof digest,
                     (const uint8_t *)j->token, j->signing_len);
    if (rc) {
        set_detail(detail, cap, "SHA-384 of the signing input failed: %s",
                   teeattest_status_str(rc));
        return rc;
    }
    rc = ta_ecdsa_verify(ctx, TEEATTEST_CURVE_P384, k->pub, sizeof k->pub,
                         digest, sizeof digest, j->sig, sizeof j->sig);
    if (rc) {
        set_detail(detail, cap, "ES384 signature does not verify under kid "
                   "%.80s: %s", k->kid, teeattest_status_str(rc));
        return rc == TEEATTEST_E_INVALID_ARG ? TEEATTEST_E_VERIFY_FAILED : rc;
    }
    rc = check_x5c(ctx, k, ko, at, detail, cap);
    if (rc)
        return rc;
    set_detail(detail, cap, "ES384 valid under kid %.80s (x5c[0] signed by "
               "pinned intermediate, valid at the verification time; "
               "intermediate's issuer not checked)", k->kid);
    return TEEATTEST_OK;
}

static bool int_claim(json_t *claims, const char *name, int64_t *out)
{
    json_t *v = json_object_get(claims, name);
    if (!json_is_integer(v))
        return false;
    *out = (int64_t)json_integer_value(v);
    return true;
}

int ta_jwt_check_claims(const ta_jwt *j, const char *issuer, int64_t at,
                        int64_t leeway, char *detail, size_t cap)
{
    if (!j || !j->claims || !issuer) {
        set_detail(detail, cap, "no parsed token");
        return TEEATTEST_E_INVALID_ARG;
    }
    json_t *iss = json_object_get(j->claims, "iss");
    if (!json_is_string(iss) || strcmp(json_string_value(iss), issuer) != 0 ||
        json_string_length(iss) != strlen(issuer)) {
        char got[96] = "(missing)";
        if (json_is_string(iss))
            excerpt(got, sizeof got, json_string_value(iss));
        set_detail(detail, cap, "iss %s is not %.96s", got, issuer);
        return TEEATTEST_E_VERIFY_FAILED;
    }
    int64_t exp, nbf, iat;
    if (!int_claim(j->claims, "exp", &exp) ||
        !int_claim(j->claims, "nbf", &nbf) ||
        !int_claim(j->claims, "iat", &iat)) {
        set_detail(detail, cap, "exp, nbf or iat missing or not an integer");
        return TEEATTEST_E_VERIFY_FAILED;
    }
    if (leeway < 0)
        leeway = 0;
    if (at >= exp) {
        set_detail(detail, cap, "expired: exp %" PRId64 " <= %" PRId64, exp,
                   at);
        return TEEATTEST_E_VERIFY_FAILED;
    }
    if (nbf > exp || iat > exp) {
        set_detail(detail, cap, "nbf %" PRId64 " or iat %" PRId64
                   " later than exp %" PRId64, nbf, iat, exp);
        return TEEATTEST_E_VERIFY_FAILED;
    }
    if (nbf > at && nbf - at > leeway) {
        set_detail(detail, cap, "not yet valid: nbf %" PRId64 " > %" PRId64
                   " + %" PRId64 " s", nbf, at, leeway);
        return TEEATTEST_E_VERIFY_FAILED;
    }
    if (iat > at && iat - at > leeway) {
        set_detail(detail, cap, "issued in the future: iat %" PRId64
                   " > %" PRId64 " + %" PRId64 " s", iat, at, leeway);
        return TEEATTEST_E_VERIFY_FAILED;
    }
    set_detail(detail, cap, "iss ok; valid %" PRId64 "..%" PRId64, nbf, exp);
    return TEEATTEST_OK;
}

int ta_jwt_nonce_matches(const ta_jwt *j, const uint8_t *nonce,
                         size_t nonce_len, char *detail, size_t cap)
{
    json_t *v = j && j->claims ? json_object_get(j->claims, "eat_nonce")
                               : NULL;
    if (!v) {
        set_detail(detail, cap, "eat_nonce absent");
        return -1;
    }
    const char *s = json_string_value(v);
    uint8_t got[64];
    /* Old NRAS (v1) wrote upper-case hex: compare bytes, not text. */
    if (!s || nonce_len > sizeof got || json_string_length(v) != 2 * nonce_len ||
        ta_hex_decode(got, sizeof got, s, 2 * nonce_len) != (int64_t)nonce_len) {
        set_detail(detail, cap, "eat_nonce is not %zu bytes of hex", nonce_len);
        return 0;
    }
    if (!ta_ct_equal(got, nonce, nonce_len)) {
        char g[129], w[129];
        ta_hex_encode(g, got, nonce_len);
        ta_hex_encode(w, nonce, nonce_len);
        set_detail(detail, cap, "eat_nonce %s != expected %s", g, w);
        return 0;
    }
    set_detail(detail, cap, "eat_nonce matches");
    return 1;
}
