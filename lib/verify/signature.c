/*
 * Response signature records: parsing from untrusted bytes, signer
 * recovery, and verification of an exchange.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "../crypto/crypto.h"
#include "verify.h"

#define HASH_HEX_LEN 64
/* Signed text: model (bounded) + two hashes. */
#define TEXT_MAX 4096
/* Request bodies parsed only to read "model". */
#define REQUEST_JSON_MAX (64u * 1024u * 1024u)

/* ---- signer strings --------------------------------------------------- */

static bool has_0x(const char *s, size_t len)
{
    return len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
}

/* EIP-55: the i-th hex letter is upper case iff the i-th nibble of
 * keccak256(lower-case hex address) is >= 8. */
static int check_eip55(const teeattest_ctx *ctx, const char *hex40,
                       teeattest_error *err)
{
    bool upper = false, lower = false;
    for (int i = 0; i < 40; i++) {
        if (isupper((unsigned char)hex40[i]))
            upper = true;
        else if (islower((unsigned char)hex40[i]))
            lower = true;
    }
    if (!(upper && lower))
        return TEEATTEST_OK; /* all one case: no checksum to check */
    char low[40];
    for (int i = 0; i < 40; i++)
        low[i] = (char)tolower((unsigned char)hex40[i]);
    uint8_t h[32];
    int rc = ta_keccak256(ctx, h, (const uint8_t *)low, 40);
    if (rc)
        return ta_error(err, rc, NULL, "keccak-256 failed");
    for (int i = 0; i < 40; i++) {
        if (!isalpha((unsigned char)hex40[i]))
            continue;
        int nib = (h[i / 2] >> (i % 2 ? 0 : 4)) & 15;
        if ((nib >= 8) != (isupper((unsigned char)hex40[i]) != 0))
            return ta_error(err, TEEATTEST_E_SIGNER_FORMAT, "signing_address",
                            "mixed-case address fails its EIP-55 checksum");
    }
    return TEEATTEST_OK;
}

int ta_parse_signer(const teeattest_ctx *ctx, int32_t algo, uint8_t out[32],
                    size_t *out_len, const char *s, size_t len,
                    teeattest_error *err)
{
    if (has_0x(s, len)) {
        s += 2;
        len -= 2;
    }
    size_t want = algo == TEEATTEST_SIG_ECDSA ? 20 : 32;
    if (!ta_is_hex(s, len))
        return ta_error(err, TEEATTEST_E_SIGNER_FORMAT, "signer",
                        "signer is not hexadecimal");
    if (len != 2 * want)
        return ta_error(err, TEEATTEST_E_SIGNER_FORMAT, "signer",
                        "%s signer must be %zu hex digits, got %zu",
                        algo == TEEATTEST_SIG_ECDSA ? "an ecdsa" : "an ed25519",
                        2 * want, len);
    if (algo == TEEATTEST_SIG_ECDSA) {
        int rc = check_eip55(ctx, s, err);
        if (rc)
            return rc;
    }
    ta_hex_decode(out, 32, s, len);
    *out_len = want;
    return TEEATTEST_OK;
}

void ta_format_signer(char out[TEEATTEST_SIGNER_MAX], int32_t algo,
                      const uint8_t *bytes)
{
    if (algo == TEEATTEST_SIG_ECDSA) {
        out[0] = '0';
        out[1] = 'x';
        ta_hex_encode(out + 2, bytes, 20);
    } else {
        ta_hex_encode(out, bytes, 32);
    }
}

int ta_eip191_digest(const teeattest_ctx *ctx, uint8_t out[32],
                     const uint8_t *msg, size_t len)
{
    static const char prefix[] = "\x19" "Ethereum Signed Message:\n";
    char num[24];
    int n = snprintf(num, sizeof num, "%zu", len);
    ta_buf b;
    ta_buf_init(&b, ctx, 0);
    int rc = ta_buf_append(&b, prefix, sizeof prefix - 1);
    if (!rc)
        rc = ta_buf_append(&b, num, (size_t)n);
    if (!rc)
        rc = ta_buf_append(&b, msg, len);
    if (!rc)
        rc = ta_keccak256(ctx, out, b.data, b.len);
    ta_buf_free(&b);
    return rc;
}

int ta_eth_address(const teeattest_ctx *ctx, uint8_t out[20],
                   const uint8_t pubkey65[65])
{
    uint8_t h[32];
    int rc = ta_keccak256(ctx, h, pubkey65 + 1, 64);
    if (!rc)
        memcpy(out, h + 12, 20);
    return rc;
}

/* ---- record parsing --------------------------------------------------- */

static int parse_algo(int32_t *algo, const char *s, teeattest_error *err)
{
    if (strcasecmp(s, "ecdsa") == 0)
        *algo = TEEATTEST_SIG_ECDSA;
    else if (strcasecmp(s, "ed25519") == 0)
        *algo = TEEATTEST_SIG_ED25519;
    else
        return ta_error(err, TEEATTEST_E_SIG_ALGO, "signing_algo",
                        "unknown signing_algo \"%.64s\" (expected ecdsa or ed25519)",
                        s);
    return TEEATTEST_OK;
}

/* NEAR cloud-api's `signature_kind`: its two values exactly, as cloud-api
 * writes them (crates/services/src/attestation/models.rs, SignatureKind). */
static int parse_kind(int32_t *kind, const char *s, size_t len,
                      teeattest_error *err)
{
    if (len == 12 && memcmp(s, "provider_tee", 12) == 0)
        *kind = TEEATTEST_SIG_KIND_PROVIDER_TEE;
    else if (len == 7 && memcmp(s, "gateway", 7) == 0)
        *kind = TEEATTEST_SIG_KIND_GATEWAY;
    else
        return ta_error(err, TEEATTEST_E_JSON, "signature_kind",
                        "unknown signature_kind \"%.*s\" (expected "
                        "provider_tee or gateway)", (int)(len > 64 ? 64 : len),
                        s);
    return TEEATTEST_OK;
}

const char *ta_sig_kind_name(int32_t kind)
{
    return kind == TEEATTEST_SIG_KIND_PROVIDER_TEE ? "provider_tee"
           : kind == TEEATTEST_SIG_KIND_GATEWAY    ? "gateway"
                                                   : NULL;
}

static int parse_hash_field(uint8_t out[32], char hex_out[65], const char *s,
                            size_t len, const char *which,
                            teeattest_error *err)
{
    if (len != HASH_HEX_LEN)
        return ta_error(err, TEEATTEST_E_SIG_TEXT, "text",
                        "%s hash in text must be 64 hex digits, got %zu "
                        "characters", which, len);
    if (!ta_is_hex(s, len))
        return ta_error(err, TEEATTEST_E_SIG_TEXT, "text",
                        "%s hash in text is not hexadecimal", which);
    ta_hex_decode(out, 32, s, len);
    ta_hex_encode(hex_out, out, 32);
    return TEEATTEST_OK;
}

static int parse_text(teeattest_signature *sig, const char *text, size_t len,
                      teeattest_error *err)
{
    if (len == 0)
        return ta_error(err, TEEATTEST_E_SIG_TEXT, "text", "text is empty");
    if (len > TEXT_MAX)
        return ta_error(err, TEEATTEST_E_TOO_LARGE, "text",
                        "text is %zu bytes, more than %d", len, TEXT_MAX);
    if (memchr(text, '\0', len))
        return ta_error(err, TEEATTEST_E_SIG_TEXT, "text",
                        "text contains a NUL byte");
    /* The last two ':'-separated fields are the hashes; everything before
     * them is the model name, which may itself contain ':'. */
    const char *c2 = NULL, *c1 = NULL;
    for (size_t i = len; i-- > 0;) {
        if (text[i] == ':') {
            if (!c2)
                c2 = text + i;
            else {
                c1 = text + i;
                break;
            }
        }
    }
    if (!c2)
        return ta_error(err, TEEATTEST_E_SIG_TEXT, "text",
                        "text has no ':' separator (expected req:resp or "
                        "model:req:resp)");
    const char *req = c1 ? c1 + 1 : text;
    int rc = parse_hash_field(sig->req_hash, sig->req_hash_hex, req,
                              (size_t)(c2 - req), "request", err);
    if (rc)
        return rc;
    rc = parse_hash_field(sig->resp_hash, sig->resp_hash_hex, c2 + 1,
                          (size_t)(text + len - (c2 + 1)), "response", err);
    if (rc)
        return rc;
    if (c1) {
        size_t mlen = (size_t)(c1 - text);
        if (mlen == 0)
            return ta_error(err, TEEATTEST_E_SIG_TEXT, "text",
                            "text has an empty model field");
        for (size_t i = 0; i < mlen; i++)
            if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
                return ta_error(err, TEEATTEST_E_SIG_TEXT, "text",
                                "model field contains a control character");
        if (!(sig->model = ta_strndup(sig->ctx, text, mlen)))
            return ta_error(err, TEEATTEST_E_NOMEM, NULL, "copying model");
    }
    if (!(sig->text = ta_strndup(sig->ctx, text, len)))
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "copying text");
    sig->text_len = len;
    return TEEATTEST_OK;
}

static int parse_sig_bytes(teeattest_signature *sig, int32_t algo_hint,
                           const char *s, size_t len, teeattest_error *err)
{
    if (has_0x(s, len)) {
        s += 2;
        len -= 2;
    }
    if (!ta_is_hex(s, len))
        return ta_error(err, TEEATTEST_E_SIG_ENCODING, "signature",
                        "signature is not hexadecimal");
    if (len != 130 && len != 128)
        return ta_error(err, TEEATTEST_E_SIG_ENCODING, "signature",
                        "signature must be 65 bytes (ecdsa) or 64 bytes "
                        "(ed25519), got %zu hex digits", len);
    int32_t algo = algo_hint ? algo_hint
                             : (len == 130 ? TEEATTEST_SIG_ECDSA
                                           : TEEATTEST_SIG_ED25519);
    size_t want = algo == TEEATTEST_SIG_ECDSA ? 130 : 128;
    if (len != want)
        return ta_error(err, TEEATTEST_E_SIG_ENCODING, "signature",
                        "an %s signature must be %zu hex digits, got %zu",
                        algo == TEEATTEST_SIG_ECDSA ? "ecdsa" : "ed25519",
                        want, len);
    uint8_t raw[65];
    ta_hex_decode(raw, sizeof raw, s, len);
    memcpy(sig->sig, raw, 64);
    sig->algo = algo;
    if (algo == TEEATTEST_SIG_ECDSA) {
        uint8_t v = raw[64];
        if (v == 27 || v == 28)
            sig->recid = v - 27;
        else if (v == 0 || v == 1)
            sig->recid = v;
        else
            return ta_error(err, TEEATTEST_E_SIG_ENCODING, "signature",
                            "recovery byte v = %u is not one of 27, 28, 0, 1",
                            (unsigned)v);
    }
    return TEEATTEST_OK;
}

static teeattest_signature *sig_alloc(teeattest_ctx *ctx)
{
    teeattest_signature *sig = ta_calloc(ctx, 1, sizeof *sig);
    if (!sig)
        return NULL;
    atomic_init(&sig->refs, 1);
    sig->ctx = teeattest_ctx_ref(ctx);
    return sig;
}

/* Build a record from fields given as (pointer, length) pairs; address,
 * algo and kind may be NULL. */
static int build(teeattest_ctx *ctx, teeattest_signature **out,
                 const char *text, size_t text_len, const char *signature,
                 size_t sig_len, const char *address, size_t addr_len,
                 const char *algo_s, const char *kind_s, size_t kind_len,
                 teeattest_error *err)
{
    int32_t algo = 0, kind = TEEATTEST_SIG_KIND_NONE;
    int rc;
    if (algo_s && (rc = parse_algo(&algo, algo_s, err)))
        return rc;
    if (kind_s && (rc = parse_kind(&kind, kind_s, kind_len, err)))
        return rc;
    teeattest_signature *sig = sig_alloc(ctx);
    if (!sig)
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "allocating signature");
    sig->kind = kind;
    if ((rc = parse_text(sig, text, text_len, err)) ||
        (rc = parse_sig_bytes(sig, algo, signature, sig_len, err)))
        goto fail;
    if (address) {
        rc = ta_parse_signer(ctx, sig->algo, sig->claimed, &sig->claimed_len,
                             address, addr_len, err);
        if (rc) {
            if (err && rc == TEEATTEST_E_SIGNER_FORMAT)
                snprintf(err->where, sizeof err->where, "signing_address");
            goto fail;
        }
        sig->has_claimed = true;
        ta_format_signer(sig->claimed_str, sig->algo, sig->claimed);
    }
    *out = sig;
    return TEEATTEST_OK;
fail:
    teeattest_signature_free(sig);
    return rc;
}

/* Members a plain record may have for the fast path (the four used and a
 * few a provider may add, e.g. NEAR's "signing_algo" twin fields). */
#define TA_SIGNATURE_PLAIN_MEMBERS 12

static int get_string_member(json_t *obj, const char *key, const char **s,
                             size_t *len, teeattest_error *err)
{
    json_t *v = json_object_get(obj, key);
    *s = NULL;
    *len = 0;
    if (!v || json_is_null(v))
        return TEEATTEST_OK;
    if (!json_is_string(v))
        return ta_error(err, TEEATTEST_E_JSON, key,
                        "member \"%s\" must be a string", key);
    *s = json_string_value(v);
    *len = json_string_length(v);
    if (memchr(*s, '\0', *len))
        return ta_error(err, TEEATTEST_E_JSON, key,
                        "member \"%s\" contains a NUL character", key);
    return TEEATTEST_OK;
}

/* The common record (four plain string members, as every provider sends)
 * without building a JSON tree: the tree cost more than everything else in
 * a verification except the recovery itself (docs/performance.md).
 * TEEATTEST_E_PASSTHROUGH for any other document, which the full parser
 * then handles, errors included. */
static int parse_plain_record(teeattest_ctx *ctx, teeattest_signature **out,
                              const uint8_t *json, size_t json_len,
                              teeattest_error *err)
{
    ta_json_member m[TA_SIGNATURE_PLAIN_MEMBERS];
    int n = ta_json_flat_scan(json, json_len, m, TA_SIGNATURE_PLAIN_MEMBERS);
    if (n < 0)
        return TEEATTEST_E_PASSTHROUGH;
    static const char *const names[5] = {"text", "signature",
                                         "signing_address", "signing_algo",
                                         "signature_kind"};
    const ta_json_member *f[5] = {NULL, NULL, NULL, NULL, NULL};
    for (int i = 0; i < n; i++)
        for (int k = 0; k < 5; k++)
            if (m[i].key_len == strlen(names[k]) &&
                memcmp(m[i].key, names[k], m[i].key_len) == 0)
                f[k] = &m[i];
    char algo[16];
    if (!f[0] || !f[1] || (f[3] && f[3]->val_len >= sizeof algo))
        return TEEATTEST_E_PASSTHROUGH;
    if (f[3]) {
        memcpy(algo, f[3]->val, f[3]->val_len);
        algo[f[3]->val_len] = '\0';
    }
    return build(ctx, out, f[0]->val, f[0]->val_len, f[1]->val, f[1]->val_len,
                 f[2] ? f[2]->val : NULL, f[2] ? f[2]->val_len : 0,
                 f[3] ? algo : NULL, f[4] ? f[4]->val : NULL,
                 f[4] ? f[4]->val_len : 0, err);
}

TEEATTEST_API int teeattest_signature_parse_json(teeattest_ctx *ctx,
                                                 teeattest_signature **out,
                                                 const uint8_t *json,
                                                 size_t json_len,
                                                 teeattest_error *err)
{
    if (out)
        *out = NULL;
    if (!ctx || !out || (!json && json_len))
        return TA_INVALID(err, !ctx ? "ctx is NULL"
                               : !out ? "out is NULL" : "json is NULL");
    if (json && json_len <= TEEATTEST_SIGNATURE_RECORD_MAX) {
        int rc = parse_plain_record(ctx, out, json, json_len, err);
        if (rc != TEEATTEST_E_PASSTHROUGH)
            return rc;
    }
    json_t *root;
    int rc = ta_json_parse(&root, json ? json : (const uint8_t *)"", json_len,
                           TEEATTEST_SIGNATURE_RECORD_MAX, err);
    if (rc)
        return rc;
    if (!json_is_object(root)) {
        rc = ta_error(err, TEEATTEST_E_JSON, NULL,
                      "signature record must be a JSON object");
        goto out;
    }
    const char *text, *signature, *address, *algo, *kind;
    size_t text_len, sig_len, addr_len, algo_len, kind_len;
    if ((rc = get_string_member(root, "text", &text, &text_len, err)) ||
        (rc = get_string_member(root, "signature", &signature, &sig_len, err)) ||
        (rc = get_string_member(root, "signing_address", &address, &addr_len, err)) ||
        (rc = get_string_member(root, "signing_algo", &algo, &algo_len, err)) ||
        (rc = get_string_member(root, "signature_kind", &kind, &kind_len, err)))
        goto out;
    if (!text || !signature) {
        /* Providers answer "no signature" in-band: NEAR's gateway with
         * {"error_code": ...}, vllm-proxy with {"error": {...}}. */
        json_t *code = json_object_get(root, "error_code");
        json_t *error = json_object_get(root, "error");
        if (json_is_string(code) || error) {
            const char *msg = json_string_value(json_object_get(root, "message"));
            if (!msg && json_is_object(error))
                msg = json_string_value(json_object_get(error, "message"));
            if (!msg && json_is_string(error))
                msg = json_string_value(error);
            rc = ta_error(err, TEEATTEST_E_SIGNATURE_UNAVAILABLE,
                          json_is_string(code) ? json_string_value(code) : "error",
                          "provider has no signature: %.160s",
                          msg ? msg : "(no message)");
        } else {
            rc = ta_error(err, TEEATTEST_E_FIELD_MISSING,
                          !text ? "text" : "signature",
                          "signature record has no \"%s\" member",
                          !text ? "text" : "signature");
        }
        goto out;
    }
    rc = build(ctx, out, text, text_len, signature, sig_len, address, addr_len,
               algo, kind, kind_len, err);
out:
    json_decref(root);
    return rc;
}

static bool name_is(const char *p, size_t n, const char *name)
{
    return strlen(name) == n && strncasecmp(p, name, n) == 0;
}

TEEATTEST_API int teeattest_signature_parse_headers(teeattest_ctx *ctx,
                                                    teeattest_signature **out,
                                                    const char *headers,
                                                    size_t headers_len,
                                                    teeattest_error *err)
{
    if (out)
        *out = NULL;
    if (!ctx || !out || (!headers && headers_len))
        return TA_INVALID(err, !ctx ? "ctx is NULL"
                               : !out ? "out is NULL" : "headers is NULL");
    if (headers_len > TEEATTEST_SIGNATURE_RECORD_MAX)
        return ta_error(err, TEEATTEST_E_TOO_LARGE, NULL,
                        "header block of %zu bytes exceeds the %u-byte limit",
                        headers_len, TEEATTEST_SIGNATURE_RECORD_MAX);
    enum { F_TEXT, F_SIG, F_ADDR, F_ALGO, F_N };
    static const char *const names[F_N] = {"text", "signature",
                                           "signing_address", "signing_algo"};
    const char *val[F_N] = {0};
    size_t vlen[F_N] = {0};
    size_t pos = 0, lineno = 0;
    while (pos < headers_len) {
        const char *line = headers + pos;
        const char *nl = memchr(line, '\n', headers_len - pos);
        size_t len = nl ? (size_t)(nl - line) : headers_len - pos;
        pos += len + (nl ? 1 : 0);
        lineno++;
        if (len && line[len - 1] == '\r')
            len--;
        if (len == 0)
            break; /* end of the header block */
        if (lineno == 1 && len >= 5 && memcmp(line, "HTTP/", 5) == 0)
            continue; /* status line */
        if (memchr(line, '\0', len)) {
            char where[32];
            snprintf(where, sizeof where, "line %zu", lineno);
            return ta_error(err, TEEATTEST_E_PARSE, where,
                            "header line contains a NUL byte");
        }
        const char *colon = memchr(line, ':', len);
        if (!colon || colon == line || line[0] == ' ' || line[0] == '\t') {
            char where[32];
            snprintf(where, sizeof where, "line %zu", lineno);
            return ta_error(err, TEEATTEST_E_PARSE, where,
                            "malformed header line (expected \"Name: value\")");
        }
        size_t nlen = (size_t)(colon - line);
        const char *v = colon + 1;
        size_t vl = len - nlen - 1;
        while (vl && (*v == ' ' || *v == '\t')) {
            v++;
            vl--;
        }
        while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
            vl--;
        for (int f = 0; f < F_N; f++) {
            if (!name_is(line, nlen, names[f]))
                continue;
            if (val[f])
                return ta_error(err, TEEATTEST_E_PARSE, names[f],
                                "header \"%s\" appears more than once",
                                names[f]);
            val[f] = v;
            vlen[f] = vl;
        }
    }
    if (!val[F_TEXT] || !val[F_SIG])
        return ta_error(err, TEEATTEST_E_FIELD_MISSING,
                        !val[F_TEXT] ? "text" : "signature",
                        "no \"%s\" header", !val[F_TEXT] ? "text" : "signature");
    char algo[16] = "";
    if (val[F_ALGO]) {
        if (vlen[F_ALGO] >= sizeof algo)
            return ta_error(err, TEEATTEST_E_SIG_ALGO, "signing_algo",
                            "unknown signing_algo");
        memcpy(algo, val[F_ALGO], vlen[F_ALGO]);
        algo[vlen[F_ALGO]] = '\0';
    }
    return build(ctx, out, val[F_TEXT], vlen[F_TEXT], val[F_SIG], vlen[F_SIG],
                 val[F_ADDR], vlen[F_ADDR], val[F_ALGO] ? algo : NULL, NULL, 0,
                 err);
}

TEEATTEST_API int teeattest_signature_new(teeattest_ctx *ctx,
                                          teeattest_signature **out,
                                          const char *text,
                                          const char *signature,
                                          const char *signing_address,
                                          const char *signing_algo,
                                          teeattest_error *err)
{
    if (out)
        *out = NULL;
    if (!ctx || !out || !text || !signature)
        return TA_INVALID(err, !ctx ? "ctx is NULL" : !out ? "out is NULL"
                               : !text ? "text is NULL" : "signature is NULL");
    size_t tl = strlen(text), sl = strlen(signature);
    size_t al = signing_address ? strlen(signing_address) : 0;
    if (tl + sl + al > TEEATTEST_SIGNATURE_RECORD_MAX)
        return ta_error(err, TEEATTEST_E_TOO_LARGE, NULL,
                        "signature fields exceed the %u-byte limit",
                        TEEATTEST_SIGNATURE_RECORD_MAX);
    return build(ctx, out, text, tl, signature, sl, signing_address, al,
                 signing_algo, NULL, 0, err);
}

TEEATTEST_API teeattest_signature *teeattest_signature_ref(
    teeattest_signature *sig)
{
    if (sig)
        atomic_fetch_add(&sig->refs, 1);
    return sig;
}

TEEATTEST_API void teeattest_signature_free(teeattest_signature *sig)
{
    if (!sig || atomic_fetch_sub(&sig->refs, 1) != 1)
        return;
    teeattest_ctx *ctx = sig->ctx;
    ta_free(ctx, sig->text);
    ta_free(ctx, sig->model);
    ta_free(ctx, sig);
    teeattest_ctx_free(ctx);
}

TEEATTEST_API int32_t teeattest_signature_algo(const teeattest_signature *sig)
{
    return sig ? sig->algo : 0;
}

TEEATTEST_API int32_t teeattest_signature_kind(const teeattest_signature *sig)
{
    return sig ? sig->kind : TEEATTEST_SIG_KIND_NONE;
}

TEEATTEST_API const char *teeattest_signature_text(const teeattest_signature *sig)
{
    return sig ? sig->text : NULL;
}

TEEATTEST_API const char *teeattest_signature_model(const teeattest_signature *sig)
{
    return sig ? sig->model : NULL;
}

TEEATTEST_API const char *teeattest_signature_request_hash(
    const teeattest_signature *sig)
{
    return sig ? sig->req_hash_hex : NULL;
}

TEEATTEST_API const char *teeattest_signature_response_hash(
    const teeattest_signature *sig)
{
    return sig ? sig->resp_hash_hex : NULL;
}

TEEATTEST_API const char *teeattest_signature_claimed_signer(
    const teeattest_signature *sig)
{
    return sig && sig->has_claimed ? sig->claimed_str : NULL;
}

/* Recover the address; returns a status, never touches a result. */
static int recover_address(const teeattest_signature *sig, uint8_t addr[20],
                           teeattest_error *err)
{
    uint8_t digest[32], pub[65];
    int rc = ta_eip191_digest(sig->ctx, digest, (const uint8_t *)sig->text,
                              sig->text_len);
    if (rc)
        return ta_error(err, rc, NULL, "computing the EIP-191 digest");
    rc = ta_secp256k1_recover(sig->ctx, pub, digest, sig->sig, sig->recid);
    if (rc)
        return ta_error(err, rc, "signature",
                        rc == TEEATTEST_E_RECOVER_FAILED
                            ? "no secp256k1 public key recovers from this "
                              "signature and text"
                            : "secp256k1 recovery failed in the backend");
    rc = ta_eth_address(sig->ctx, addr, pub);
    if (rc)
        return ta_error(err, rc, NULL, "keccak-256 failed");
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_signature_recover(const teeattest_signature *sig,
                                              char *buf, size_t buf_size,
                                              teeattest_error *err)
{
    if (!sig || !buf)
        return TA_INVALID(err, !sig ? "sig is NULL" : "buf is NULL");
    if (sig->algo != TEEATTEST_SIG_ECDSA)
        return ta_error(err, TEEATTEST_E_UNSUPPORTED, NULL,
                        "an ed25519 signature does not allow recovering its "
                        "signer; verify it against a known key instead");
    if (buf_size < 43)
        return ta_error(err, TEEATTEST_E_BUFFER_TOO_SMALL, NULL,
                        "buffer of %zu bytes, 43 needed", buf_size);
    uint8_t addr[20];
    int rc = recover_address(sig, addr, err);
    if (rc)
        return rc;
    ta_format_signer(buf, TEEATTEST_SIG_ECDSA, addr);
    return TEEATTEST_OK;
}

/* ---- verification ----------------------------------------------------- */

/* The "model" member of the request body, copied into out; false when the
 * body is not a JSON object with a string "model". */
static bool request_model(const teeattest_ctx *ctx, char *out, size_t cap,
                          const uint8_t *req, size_t len)
{
    json_t *root;
    if (!req || ta_json_parse(&root, req, len, REQUEST_JSON_MAX, NULL))
        return false;
    (void)ctx;
    json_t *m = json_object_get(root, "model");
    bool ok = json_is_string(m) && json_string_length(m) < cap;
    if (ok)
        memcpy(out, json_string_value(m), json_string_length(m) + 1);
    json_decref(root);
    return ok;
}

static void check_hash(teeattest_result *r, const teeattest_ctx *ctx,
                       const char *name, const char *what,
                       const uint8_t signed_hash[32], const uint8_t *data,
                       size_t len, char actual_hex[65])
{
    uint8_t h[32];
    int rc = ta_sha256(ctx, h, data, len);
    if (rc) {
        actual_hex[0] = '\0';
        ta_result_check(r, name, TEEATTEST_OUTCOME_FAIL, true,
                        "SHA-256 of the %s failed: %s", what,
                        teeattest_status_str(rc));
        return;
    }
    ta_hex_encode(actual_hex, h, 32);
    if (memcmp(h, signed_hash, 32) == 0) {
        ta_result_check(r, name, TEEATTEST_OUTCOME_PASS, true,
                        "sha256(%s, %zu bytes) = %s matches the signed text",
                        what, len, actual_hex);
    } else {
        char want[65];
        ta_hex_encode(want, signed_hash, 32);
        ta_result_check(r, name, TEEATTEST_OUTCOME_FAIL, true,
                        "sha256(%s, %zu bytes) = %s but the signed text has %s",
                        what, len, actual_hex, want);
    }
}

static void check_model(teeattest_result *r, const teeattest_signature *sig,
                        const struct teeattest_policy *pol,
                        const uint8_t *req, size_t req_len)
{
    const char *name = "signature.text.model";
    if (!sig->model) {
        ta_result_check(r, name, TEEATTEST_OUTCOME_SKIP, false,
                        "two-part text: it names no model");
        return;
    }
    char from_req[512];
    const char *want = pol->expected_model;
    const char *source = "the policy";
    if (!want && request_model(sig->ctx, from_req, sizeof from_req, req,
                               req_len)) {
        want = from_req;
        source = "the request body";
    }
    if (!want)
        ta_result_check(r, name, TEEATTEST_OUTCOME_FAIL, true,
                        "text names model \"%.200s\" but no expected model is "
                        "known (the request body has no \"model\" and the "
                        "policy sets none)", sig->model);
    else if (strcmp(want, sig->model) == 0)
        ta_result_check(r, name, TEEATTEST_OUTCOME_PASS, true,
                        "text names model \"%.200s\" as %s does", sig->model,
                        source);
    else
        ta_result_check(r, name, TEEATTEST_OUTCOME_FAIL, true,
                        "text names model \"%.200s\" but %s names \"%.200s\"",
                        sig->model, source, want);
}

/* Where the expected signer came from, for check details. */
#define SOURCE_PINNED "pinned by the caller; attestation not checked"
#define SOURCE_ATTESTED "attested by a verified report"

/* Both verifiers write the key that actually signed to `actual` (the
 * recovered address; the Ed25519 key the signature verifies under, else
 * the claimed key) and return whether they know one. */
static bool verify_ecdsa(teeattest_result *r, const teeattest_signature *sig,
                         const struct teeattest_policy *pol,
                         const uint8_t *expected, bool have_expected,
                         const char *source, uint8_t actual[32])
{
    const uint8_t *s = sig->sig + 32;
    if (!ta_secp256k1_s_is_high(s))
        ta_result_check(r, "signature.ecdsa.low_s", TEEATTEST_OUTCOME_PASS,
                        true, "s is in the lower half of the group order");
    else if (pol->ecdsa_strict)
        ta_result_check(r, "signature.ecdsa.low_s", TEEATTEST_OUTCOME_FAIL,
                        true, "s is in the upper half of the group order "
                              "(malleable form), rejected by the strict "
                              "ECDSA policy");
    else
        /* eth_account, which the providers' own verifiers use, accepts
         * both forms, and a signer that does not normalise s produces
         * high s half of the time: the key still signed this text. */
        ta_result_check(r, "signature.ecdsa.low_s", TEEATTEST_OUTCOME_WARN,
                        false, "s is in the upper half of the group order "
                               "(malleable form; the key still signed this "
                               "text)");

    uint8_t addr[20];
    teeattest_error e = TEEATTEST_ERROR_INIT;
    int rc = recover_address(sig, addr, &e);
    char addr_s[TEEATTEST_SIGNER_MAX];
    if (rc == TEEATTEST_E_NOMEM) {
        /* Running out of memory says nothing about the evidence: the call
         * fails with TEEATTEST_E_NOMEM (reported by ta_result_finish)
         * rather than returning a "failed" verdict. */
        r->oom = true;
        return false;
    }
    if (rc) {
        ta_result_check(r, "signature.ecdsa.recover", TEEATTEST_OUTCOME_FAIL,
                        true, "%s", e.message);
    } else {
        ta_format_signer(addr_s, TEEATTEST_SIG_ECDSA, addr);
        ta_result_check(r, "signature.ecdsa.recover", TEEATTEST_OUTCOME_PASS,
                        true, "EIP-191 signature recovers to %s", addr_s);
        ta_result_fact_str(r, "recovered_signer", addr_s);
    }

    if (!sig->has_claimed)
        ta_result_check(r, "signature.signer.claimed", TEEATTEST_OUTCOME_SKIP,
                        false, "the record names no signing_address");
    else if (rc)
        ta_result_check(r, "signature.signer.claimed", TEEATTEST_OUTCOME_FAIL,
                        true, "record claims %s but no signer was recovered",
                        sig->claimed_str);
    else if (memcmp(addr, sig->claimed, 20) == 0)
        ta_result_check(r, "signature.signer.claimed", TEEATTEST_OUTCOME_PASS,
                        true, "recovered signer equals the claimed %s",
                        sig->claimed_str);
    else
        ta_result_check(r, "signature.signer.claimed", TEEATTEST_OUTCOME_FAIL,
                        true, "record claims %s but the signature recovers "
                              "to %s", sig->claimed_str, addr_s);

    if (have_expected) {
        char exp_s[TEEATTEST_SIGNER_MAX];
        ta_format_signer(exp_s, TEEATTEST_SIG_ECDSA, expected);
        if (rc)
            ta_result_check(r, "signature.signer.expected",
                            TEEATTEST_OUTCOME_FAIL, true,
                            "expected %s but no signer was recovered", exp_s);
        else if (memcmp(addr, expected, 20) == 0)
            ta_result_check(r, "signature.signer.expected",
                            TEEATTEST_OUTCOME_PASS, true,
                            "signer %s is the expected signer (%s)", addr_s,
                            source);
        else
            ta_result_check(r, "signature.signer.expected",
                            TEEATTEST_OUTCOME_FAIL, true,
                            "signer %s is not the expected %s", addr_s, exp_s);
    }
    if (!rc) {
        ta_result_fact_str(r, "signer", addr_s);
        memcpy(actual, addr, 20);
    }
    return rc == TEEATTEST_OK;
}

static bool verify_ed25519(teeattest_result *r, const teeattest_signature *sig,
                           const uint8_t *expected, bool have_expected,
                           const char *source, uint8_t actual[32])
{
    /* Ed25519 has no recovery: verify under the key we trust if we have
     * one, else under the key the record names. */
    const uint8_t *key = have_expected ? expected
                         : sig->has_claimed ? sig->claimed : NULL;
    char key_s[TEEATTEST_SIGNER_MAX] = "";
    int rc = TEEATTEST_E_VERIFY_FAILED;
    if (!key) {
        ta_result_check(r, "signature.ed25519.verify", TEEATTEST_OUTCOME_FAIL,
                        true, "no public key to verify against: the record "
                              "names none and no expected signer was given");
    } else {
        ta_format_signer(key_s, TEEATTEST_SIG_ED25519, key);
        rc = ta_ed25519_verify(sig->ctx, sig->sig, (const uint8_t *)sig->text,
                               sig->text_len, key);
        if (rc == TEEATTEST_OK)
            ta_result_check(r, "signature.ed25519.verify",
                            TEEATTEST_OUTCOME_PASS, true,
                            "Ed25519 signature over the text verifies under "
                            "%s", key_s);
        else
            ta_result_check(r, "signature.ed25519.verify",
                            TEEATTEST_OUTCOME_FAIL, true,
                            "Ed25519 signature over the text does not verify "
                            "under %s (%s)", key_s, teeattest_status_str(rc));
    }

    if (!sig->has_claimed)
        ta_result_check(r, "signature.signer.claimed", TEEATTEST_OUTCOME_SKIP,
                        false, "the record names no signing_address");
    else if (have_expected && memcmp(sig->claimed, expected, 32) != 0)
        ta_result_check(r, "signature.signer.claimed", TEEATTEST_OUTCOME_FAIL,
                        true, "record claims %s but the expected key is %s",
                        sig->claimed_str, key_s);
    else if (rc == TEEATTEST_OK)
        ta_result_check(r, "signature.signer.claimed", TEEATTEST_OUTCOME_PASS,
                        true, "signature verifies under the claimed key %s",
                        sig->claimed_str);
    else
        ta_result_check(r, "signature.signer.claimed", TEEATTEST_OUTCOME_FAIL,
                        true, "signature does not verify under the claimed "
                              "key %s", sig->claimed_str);

    if (have_expected)
        ta_result_check(r, "signature.signer.expected",
                        rc == TEEATTEST_OK ? TEEATTEST_OUTCOME_PASS
                                           : TEEATTEST_OUTCOME_FAIL,
                        true, rc == TEEATTEST_OK
                                  ? "signed by the expected key %s (%s)"
                                  : "not signed by the expected key %s%.0s",
                        key_s, source);
    if (rc == TEEATTEST_OK) {
        ta_result_fact_str(r, "signer", key_s);
        memcpy(actual, key, 32);
        return true;
    }
    if (sig->has_claimed)
        memcpy(actual, sig->claimed, 32);
    return sig->has_claimed;
}

/* signature.kind: the text's form is the one the record's kind implies
 * (cloud-api, crates/api/src/routes/attestation/signature.rs: provider_tee
 * "{model}:{req}:{resp}", gateway "{req}:{resp}"). Present when the record
 * names a kind, and for attested verification (a skip for legacy
 * records). */
static void check_kind(teeattest_result *r, const teeattest_signature *sig,
                       bool attested)
{
    const char *name = "signature.kind";
    if (sig->kind == TEEATTEST_SIG_KIND_PROVIDER_TEE && sig->model)
        ta_result_check(r, name, TEEATTEST_OUTCOME_PASS, true,
                        "signature_kind provider_tee with a model:req:resp "
                        "text, the form the model TEE signs");
    else if (sig->kind == TEEATTEST_SIG_KIND_PROVIDER_TEE)
        ta_result_check(r, name, TEEATTEST_OUTCOME_FAIL, true,
                        "signature_kind provider_tee but a two-part req:resp "
                        "text (the gateway's form): a model TEE signs "
                        "model:req:resp");
    else if (sig->kind == TEEATTEST_SIG_KIND_GATEWAY && !sig->model)
        ta_result_check(r, name, TEEATTEST_OUTCOME_PASS, true,
                        "signature_kind gateway with a req:resp text, the "
                        "form the gateway signs");
    else if (sig->kind == TEEATTEST_SIG_KIND_GATEWAY)
        ta_result_check(r, name, TEEATTEST_OUTCOME_FAIL, true,
                        "signature_kind gateway but a three-part text naming "
                        "model \"%.200s\": the gateway signs req:resp",
                        sig->model);
    else if (attested)
        ta_result_check(r, name, TEEATTEST_OUTCOME_SKIP, false,
                        "the record names no signature_kind (a legacy "
                        "record): either text form, and the key of either "
                        "the model or the gateway, is accepted; the fact "
                        "signer_role says which signed");
}

/* The roles of an attested report's keys, for signature.signer.role. */
typedef struct att_roles {
    const char *role;      /* whose key is expected: "model" or "gateway" */
    const char *other;     /* the other role */
    const char *other_key; /* the other role's verified key, or NULL */
} att_roles;

/* signature.signer.role (attested verification only): the key that signed
 * is the verified key of the role the record's kind names. */
static void check_role(teeattest_result *r, const teeattest_signature *sig,
                       const att_roles *roles, const uint8_t *expected,
                       bool have_expected, const uint8_t *actual,
                       bool have_actual)
{
    const char *name = "signature.signer.role";
    size_t n = sig->algo == TEEATTEST_SIG_ECDSA ? 20 : 32;
    const char *kind = ta_sig_kind_name(sig->kind);
    char kind_s[48];
    snprintf(kind_s, sizeof kind_s, kind ? "signature_kind %s" : "%s",
             kind ? kind : "a record without signature_kind");
    char exp_s[TEEATTEST_SIGNER_MAX], act_s[TEEATTEST_SIGNER_MAX];
    if (!have_expected) {
        /* signature.attestation fails in this case, and says why. */
        ta_result_check(r, name, TEEATTEST_OUTCOME_SKIP, false,
                        "%s needs the %s's key, which the report does not "
                        "attest (see signature.attestation)", kind_s,
                        roles->role);
        return;
    }
    ta_format_signer(exp_s, sig->algo, expected);
    if (!have_actual) {
        ta_result_check(r, name, TEEATTEST_OUTCOME_FAIL, true,
                        "%s needs the %s's key %s, but no key that signed is "
                        "known", kind_s, roles->role, exp_s);
        return;
    }
    ta_format_signer(act_s, sig->algo, actual);
    uint8_t other[32];
    size_t other_len;
    bool is_other = roles->other_key &&
                    ta_parse_signer(sig->ctx, sig->algo, other, &other_len,
                                    roles->other_key,
                                    strlen(roles->other_key), NULL) == 0 &&
                    memcmp(other, actual, n) == 0;
    if (memcmp(expected, actual, n) == 0) {
        ta_result_check(r, name, TEEATTEST_OUTCOME_PASS, true,
                        "%s: signed by %s, the verified %s's key", kind_s,
                        act_s, roles->role);
        ta_result_fact_str(r, "signer_role", roles->role);
    } else if (is_other) {
        ta_result_check(r, name, TEEATTEST_OUTCOME_FAIL, true,
                        "%s must be signed by the %s's key %s, but the "
                        "signer is %s, the verified %s's key", kind_s,
                        roles->role, exp_s, act_s, roles->other);
    } else {
        ta_result_check(r, name, TEEATTEST_OUTCOME_FAIL, true,
                        "%s must be signed by the %s's key %s, but the "
                        "signer is %s, a key the report does not attest",
                        kind_s, roles->role, exp_s, act_s);
    }
}

/* `attestation`: the verified report result the expected signer comes
 * from, or NULL when the caller pinned it. */
static int sig_verify(const teeattest_signature *sig, teeattest_result **out,
                      const teeattest_policy *policy,
                      const char *expected_signer,
                      const teeattest_result *attestation,
                      const char *att_problem, const att_roles *roles,
                      const uint8_t *request, size_t request_len,
                      const uint8_t *response, size_t response_len,
                      teeattest_error *err)
{
    if (out)
        *out = NULL;
    if (!sig || !out || (!request && request_len) || (!response && response_len))
        return TA_INVALID(err, !sig ? "sig is NULL" : !out ? "out is NULL"
                               : !request && request_len ? "request is NULL"
                                                         : "response is NULL");
    struct teeattest_policy defaults;
    if (!policy) {
        ta_policy_defaults(&defaults);
        policy = &defaults;
    }
    uint8_t expected[32];
    size_t expected_len = 0;
    bool have_expected = expected_signer != NULL;
    int rc;
    if (have_expected) {
        rc = ta_parse_signer(sig->ctx, sig->algo, expected, &expected_len,
                             expected_signer, strlen(expected_signer), err);
        if (rc) {
            if (err)
                snprintf(err->where, sizeof err->where, "expected_signer");
            return rc;
        }
    }

    teeattest_result *r;
    if ((rc = ta_result_new(sig->ctx, &r)))
        return ta_error(err, rc, NULL, "allocating the result");

    char req_hex[65], resp_hex[65];
    check_hash(r, sig->ctx, "signature.hash.request", "request body",
               sig->req_hash, request, request_len, req_hex);
    check_hash(r, sig->ctx, "signature.hash.response", "response body",
               sig->resp_hash, response, response_len, resp_hex);
    check_model(r, sig, policy, request, request_len);
    check_kind(r, sig, attestation != NULL);

    uint8_t actual[32];
    bool have_actual;
    if (sig->algo == TEEATTEST_SIG_ECDSA)
        have_actual = verify_ecdsa(r, sig, policy, expected, have_expected,
                                   attestation ? SOURCE_ATTESTED
                                               : SOURCE_PINNED, actual);
    else
        have_actual = verify_ed25519(r, sig, expected, have_expected,
                                     attestation ? SOURCE_ATTESTED
                                                 : SOURCE_PINNED, actual);
    if (attestation && roles)
        check_role(r, sig, roles, expected, have_expected, actual,
                   have_actual);
    if (attestation) {
        bool verified = teeattest_result_verdict(attestation) ==
                        TEEATTEST_VERDICT_VERIFIED;
        ta_result_check(r, "signature.attestation",
                        verified && !att_problem ? TEEATTEST_OUTCOME_PASS
                                                 : TEEATTEST_OUTCOME_FAIL,
                        true, "%s",
                        att_problem ? att_problem
                        : verified  ? "the expected signer comes from a "
                                      "report whose verification verified"
                                    : "the report the signer comes from did "
                                      "not verify");
    }

    if (!have_expected)
        ta_result_check(r, "signature.signer.expected", TEEATTEST_OUTCOME_SKIP,
                        policy->require_signer,
                        policy->require_signer
                            ? "no expected signer given: a valid signature "
                              "only proves that some key signed this exchange"
                            : "no expected signer given; policy accepts a "
                              "signer bound to nothing");

    ta_result_fact_str(r, "algorithm", sig->algo == TEEATTEST_SIG_ECDSA
                                           ? "ecdsa" : "ed25519");
    if (sig->has_claimed)
        ta_result_fact_str(r, "claimed_signer", sig->claimed_str);
    if (sig->kind != TEEATTEST_SIG_KIND_NONE)
        ta_result_fact_str(r, "signature_kind", ta_sig_kind_name(sig->kind));
    ta_result_fact_str(r, "signer_source", attestation ? "attestation"
                                           : have_expected ? "pinned" : "none");
    ta_result_fact_bool(r, "attestation_checked", attestation != NULL);
    if (sig->model)
        ta_result_fact_str(r, "model", sig->model);
    ta_result_fact_str(r, "signed_request_sha256", sig->req_hash_hex);
    ta_result_fact_str(r, "signed_response_sha256", sig->resp_hash_hex);
    ta_result_fact_str(r, "request_sha256", req_hex);
    ta_result_fact_str(r, "response_sha256", resp_hex);

    if ((rc = ta_result_finish(r, err))) {
        teeattest_result_free(r);
        return rc;
    }
    *out = r;
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_signature_verify(const teeattest_signature *sig,
                                             teeattest_result **out,
                                             const teeattest_policy *policy,
                                             const char *expected_signer,
                                             const uint8_t *request,
                                             size_t request_len,
                                             const uint8_t *response,
                                             size_t response_len,
                                             teeattest_error *err)
{
    return sig_verify(sig, out, policy, expected_signer, NULL, NULL, NULL,
                      request, request_len, response, response_len, err);
}

/* The role fact beside an "entry[i].signer" fact, or NULL. */
static const char *entry_role(const teeattest_result *att, const char *key)
{
    char k[64];
    size_t pl = strlen(key) - 7; /* without ".signer" */
    if (pl + 6 > sizeof k)
        return NULL;
    memcpy(k, key, pl);
    memcpy(k + pl, ".role", 6);
    return teeattest_result_fact(att, k);
}

/* The attested model key for `sig`: the model (not gateway) entry whose
 * signer the record claims (multi-node reports name no single "signer"),
 * else "signer" unless that is the gateway's key (a report verified for
 * its gateway entry alone). */
static const char *model_signer(const teeattest_result *att,
                                const teeattest_signature *sig)
{
    if (sig->has_claimed) {
        size_t n = teeattest_result_fact_count(att);
        for (size_t i = 0; i < n; i++) {
            const char *k, *v;
            if (teeattest_result_fact_at(att, i, &k, &v, NULL) != TEEATTEST_OK)
                continue;
            size_t kl = strlen(k);
            const char *role;
            if (strncmp(k, "entry[", 6) == 0 && kl > 7 &&
                strcmp(k + kl - 7, ".signer") == 0 &&
                strcmp(v, sig->claimed_str) == 0 &&
                !((role = entry_role(att, k)) && strcmp(role, "gateway") == 0))
                return v;
        }
    }
    const char *s = teeattest_result_fact(att, "signer");
    const char *g = teeattest_result_fact(att, "signer.gateway");
    return s && g && strcmp(s, g) == 0 ? NULL : s;
}

/* Whether `key` (a signer string of any form) signed `sig`'s text. */
static bool signed_by(const teeattest_signature *sig, const char *key)
{
    uint8_t k[32], addr[20];
    size_t kl;
    if (!key || ta_parse_signer(sig->ctx, sig->algo, k, &kl, key, strlen(key),
                                NULL) != TEEATTEST_OK)
        return false;
    if (sig->algo == TEEATTEST_SIG_ECDSA)
        return recover_address(sig, addr, NULL) == TEEATTEST_OK &&
               memcmp(addr, k, 20) == 0;
    return ta_ed25519_verify(sig->ctx, sig->sig, (const uint8_t *)sig->text,
                             sig->text_len, k) == TEEATTEST_OK;
}

TEEATTEST_API int teeattest_signature_verify_attested(
    const teeattest_signature *sig, teeattest_result **out,
    const teeattest_policy *policy, const teeattest_result *attestation,
    const uint8_t *request, size_t request_len, const uint8_t *response,
    size_t response_len, teeattest_error *err)
{
    if (out)
        *out = NULL;
    if (!sig || !attestation)
        return TA_INVALID(err, !sig ? "sig is NULL" : "attestation is NULL");
    /* The kind names whose key must have signed: provider_tee the model
     * entry's, gateway the gateway's. A legacy record (no kind) may come
     * from either: the gateway's key when it is the one that signed. */
    const char *model = model_signer(attestation, sig);
    const char *gateway = teeattest_result_fact(attestation, "signer.gateway");
    bool want_gateway = sig->kind == TEEATTEST_SIG_KIND_GATEWAY ||
                        (sig->kind == TEEATTEST_SIG_KIND_NONE &&
                         signed_by(sig, gateway));
    att_roles roles = {want_gateway ? "gateway" : "model",
                       want_gateway ? "model" : "gateway",
                       want_gateway ? model : gateway};
    const char *signer = want_gateway ? gateway : model;
    const char *problem = NULL;
    uint8_t tmp[32];
    size_t tmp_len;
    if (teeattest_result_verdict(attestation) != TEEATTEST_VERDICT_VERIFIED) {
        /* A failed report names its signers only as unverified.* facts,
         * which are never read here. */
        problem = "the report the signer comes from did not verify: it "
                  "attests no signing key";
        signer = NULL;
        roles.other_key = NULL;
    } else if (!signer && sig->kind == TEEATTEST_SIG_KIND_GATEWAY) {
        problem = "signature_kind gateway, but the report attests no "
                  "gateway key (no gateway entry, or its key is not bound)";
    } else if (!signer) {
        problem = "the report attests no signing key (none bound, or several "
                  "nodes and the record names none of them)";
    } else if (ta_parse_signer(sig->ctx, sig->algo, tmp, &tmp_len, signer,
                               strlen(signer), NULL) != TEEATTEST_OK) {
        problem = "the attested signing key is not of the signature's "
                  "algorithm";
        signer = NULL;
    }
    /* Without an attested signer nothing may pass on the signer alone:
     * signature.attestation fails whatever the policy says. */
    return sig_verify(sig, out, policy, signer, attestation, problem, &roles,
                      request, request_len, response, response_len, err);
}
