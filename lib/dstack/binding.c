/*
 * report_data layouts and signing-key binding (dstack.h, spec section 3).
 *
 * Canonical JSON for L3 (ta_jcs_append, TA_JCS_SORT_KEYS): the producers
 * (serde_json / Python json.dumps with sort_keys, ensure_ascii=False) sort
 * members by code point and agree on integers, literals, raw UTF-8 and the
 * short escapes, but print reals differently (1e20 vs 1e+20) and the input
 * text of a real is lost once parsed. Reals are therefore refused
 * (TEEATTEST_E_JSON) rather than guessed; the action
 * records carry only strings and arrays.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../crypto/crypto.h"
#include "../crypto/x509.h"
#include "dstack.h"

#define ACTIONS_MAX (4u * 1024u * 1024u)
#define TINFOIL_RD_MAX (64u * 1024u)
#define CERT_MAX (1024u * 1024u)
#define CHUTES_PUBKEY_MAX (64u * 1024u)
#define JSON_DEPTH_MAX 64

/* ---- L1 / L2 ---------------------------------------------------------------- */

int ta_rd_identity_half(const teeattest_ctx *ctx, uint8_t out[32],
                        const uint8_t *a, size_t alen, const uint8_t *tls_fp)
{
    if (!out || !a)
        return TEEATTEST_E_INVALID_ARG;
    if (alen != 20 && alen != 32)
        return TEEATTEST_E_LENGTH;
    if (!tls_fp) {
        memset(out, 0, 32);
        memcpy(out, a, alen);
        return TEEATTEST_OK;
    }
    uint8_t pre[64];
    memcpy(pre, a, alen);
    memcpy(pre + alen, tls_fp, 32);
    return ta_sha256(ctx, out, pre, alen + 32);
}

/* ---- L3: canonical JSON ----------------------------------------------------- */

int ta_rd_actions_hash(const teeattest_ctx *ctx, uint8_t out[32],
                       const uint8_t *actions, size_t len,
                       teeattest_error *err)
{
    if (!out || (!actions && len))
        return TA_INVALID(err, "out or actions is NULL");
    json_t *j = NULL;
    int rc = ta_json_parse(&j, actions, len, ACTIONS_MAX, err);
    if (rc != TEEATTEST_OK)
        return rc;
    if (!json_is_array(j)) {
        json_decref(j);
        return ta_error(err, TEEATTEST_E_JSON, "actions", "not a JSON array");
    }
    ta_buf b;
    ta_buf_init(&b, ctx, 2 * ACTIONS_MAX);
    rc = ta_jcs_append(&b, j, TA_JCS_SORT_KEYS, err);
    json_decref(j);
    if (rc == TEEATTEST_OK)
        rc = ta_sha256(ctx, out, b.data ? b.data : (const uint8_t *)"", b.len);
    else if (rc == TEEATTEST_E_NOMEM || rc == TEEATTEST_E_TOO_LARGE)
        rc = ta_error(err, rc, "actions", "building the canonical form");
    ta_buf_free(&b);
    return rc;
}

/* ---- L6 (Chutes) ------------------------------------------------------------ */

int ta_rd_chutes_half(const teeattest_ctx *ctx, uint8_t out[32],
                      const char nonce_hex[64], const uint8_t *pubkey_b64,
                      size_t pubkey_len)
{
    if (!out || !nonce_hex || !pubkey_b64)
        return TEEATTEST_E_INVALID_ARG;
    if (!ta_is_hex(nonce_hex, 64))
        return TEEATTEST_E_HEX;
    if (pubkey_len == 0)
        return TEEATTEST_E_LENGTH;
    if (pubkey_len > CHUTES_PUBKEY_MAX)
        return TEEATTEST_E_TOO_LARGE;
    uint8_t *pre = ta_malloc(ctx, 64 + pubkey_len);
    if (!pre)
        return TEEATTEST_E_NOMEM;
    /* Hashed as text: the server binds the strings it sent, so case and
     * base64 padding must be kept exactly. */
    memcpy(pre, nonce_hex, 64);
    memcpy(pre + 64, pubkey_b64, pubkey_len);
    int rc = ta_sha256(ctx, out, pre, 64 + pubkey_len);
    ta_free(ctx, pre);
    return rc;
}

int ta_rd_cert_spki_hash(const teeattest_ctx *ctx, uint8_t out[32],
                         const uint8_t *cert, size_t len,
                         teeattest_error *err)
{
    if (!out || !cert)
        return TA_INVALID(err, "out or cert is NULL");
    if (len > CERT_MAX)
        return ta_error(err, TEEATTEST_E_TOO_LARGE, "certificate",
                        "%zu bytes exceed the %u-byte limit", len, CERT_MAX);
    const uint8_t *der = cert;
    size_t der_len = len;
    uint8_t *decoded = NULL;
    if (len == 0 || cert[0] != 0x30) {
        int prc = ta_x509_pem_cert_der(ctx, cert, len, &decoded, &der_len);
        if (prc == TEEATTEST_E_NOMEM)
            return ta_error(err, TEEATTEST_E_NOMEM, "certificate", "copying PEM");
        if (prc)
            return ta_error(err, TEEATTEST_E_PARSE, "certificate",
                            "neither DER nor a PEM certificate");
        der = decoded;
    }
    ta_x509 *crt = NULL;
    int rc = ta_x509_parse_der(ctx, &crt, der, der_len, NULL);
    ta_der spki = {NULL, 0};
    if (!rc)
        spki = ta_x509_spki_der(crt);
    /* Trailing bytes after the certificate are refused: DER is exact. */
    if (rc == TEEATTEST_E_NOMEM)
        rc = ta_error(err, TEEATTEST_E_NOMEM, "certificate", "out of memory");
    else if (rc || ta_x509_der(crt).len != der_len || !spki.p || !spki.len)
        rc = ta_error(err, TEEATTEST_E_PARSE, "certificate",
                      "not an X.509 certificate");
    else
        rc = ta_sha256(ctx, out, spki.p, spki.len);
    ta_x509_free(crt);
    ta_free(ctx, decoded);
    return rc;
}

/* ---- L7 (Tinfoil) ----------------------------------------------------------- */

static int tinfoil_member(json_t *obj, const char *name, uint8_t dst[32],
                          bool optional, bool *present, teeattest_error *err)
{
    json_t *v = json_object_get(obj, name);
    if (present)
        *present = v != NULL;
    if (!v)
        return optional ? TEEATTEST_OK
                        : ta_error(err, TEEATTEST_E_FIELD_MISSING, name,
                                   "report_data.%s is missing", name);
    if (!json_is_string(v))
        return ta_error(err, TEEATTEST_E_JSON, name,
                        "report_data.%s is not a string", name);
    int rc = ta_hex_decode_exact(dst, 32, json_string_value(v),
                                 json_string_length(v), false);
    if (rc != TEEATTEST_OK)
        return ta_error(err, rc, name, "report_data.%s must be 64 hex digits",
                        name);
    return TEEATTEST_OK;
}

int ta_rd_tinfoil_half(const teeattest_ctx *ctx, uint8_t out[32],
                       const uint8_t *report_data, size_t len,
                       ta_rd_tinfoil *fields, teeattest_error *err)
{
    if (fields)
        memset(fields, 0, sizeof *fields);
    if (!out || (!report_data && len))
        return TA_INVALID(err, "out or report_data is NULL");
    json_t *j = NULL;
    int rc = ta_json_parse(&j, report_data, len, TINFOIL_RD_MAX, err);
    if (rc != TEEATTEST_OK)
        return rc;
    ta_rd_tinfoil f;
    memset(&f, 0, sizeof f);
    if (!json_is_object(j))
        rc = ta_error(err, TEEATTEST_E_JSON, "report_data", "not a JSON object");
    if (rc == TEEATTEST_OK)
        rc = tinfoil_member(j, "tls_key_fp", f.tls_key_fp, false, NULL, err);
    if (rc == TEEATTEST_OK)
        rc = tinfoil_member(j, "hpke_key", f.hpke_key, false, NULL, err);
    if (rc == TEEATTEST_OK)
        rc = tinfoil_member(j, "nonce", f.nonce, false, NULL, err);
    if (rc == TEEATTEST_OK)
        rc = tinfoil_member(j, "gpu_evidence_hash", f.gpu_evidence_hash, false,
                            NULL, err);
    /* Present means hashed: null or "" is refused, not read as absent. */
    if (rc == TEEATTEST_OK)
        rc = tinfoil_member(j, "nvswitch_evidence_hash",
                            f.nvswitch_evidence_hash, true, &f.has_nvswitch, err);
    json_decref(j);
    if (rc != TEEATTEST_OK)
        return rc;
    uint8_t pre[5 * 32];
    memcpy(pre, f.tls_key_fp, 32);
    memcpy(pre + 32, f.hpke_key, 32);
    memcpy(pre + 64, f.nonce, 32);
    memcpy(pre + 96, f.gpu_evidence_hash, 32);
    memcpy(pre + 128, f.nvswitch_evidence_hash, 32);
    rc = ta_sha256(ctx, out, pre, f.has_nvswitch ? 160 : 128);
    if (rc == TEEATTEST_OK && fields)
        *fields = f;
    return rc;
}

/* ---- raw member spans ------------------------------------------------------- */

/*
 * A validating scanner over RFC 8259 JSON. Beyond the grammar it refuses
 * what jansson refuses (invalid UTF-8, lone surrogate escapes) so that the
 * span it returns belongs to a document a parser would accept too; \u0000
 * is allowed. A duplicate of the wanted top-level key is an error: which
 * of the two a consumer uses is ambiguous.
 */
typedef struct scan {
    const uint8_t *s;
    size_t len, i;
} scan;

static void skip_ws(scan *sc)
{
    while (sc->i < sc->len && (sc->s[sc->i] == ' ' || sc->s[sc->i] == '\t' ||
                               sc->s[sc->i] == '\n' || sc->s[sc->i] == '\r'))
        sc->i++;
}

static int hex4(scan *sc, uint32_t *cp)
{
    if (sc->len - sc->i < 4)
        return -1;
    uint32_t v = 0;
    for (int k = 0; k < 4; k++) {
        uint8_t c = sc->s[sc->i++];
        int d = c >= '0' && c <= '9' ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return -1;
        v = v << 4 | (uint32_t)d;
    }
    *cp = v;
    return 0;
}

static size_t utf8_put(uint8_t o[4], uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (uint8_t)(0xc0 | cp >> 6);
        o[1] = (uint8_t)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (uint8_t)(0xe0 | cp >> 12);
        o[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
        o[2] = (uint8_t)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (uint8_t)(0xf0 | cp >> 18);
    o[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
    o[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
    o[3] = (uint8_t)(0x80 | (cp & 0x3f));
    return 4;
}

/* Length of the valid UTF-8 sequence at p (n bytes left), 0 if invalid. */
static size_t utf8_len(const uint8_t *p, size_t n)
{
    uint8_t c = p[0];
    size_t need;
    uint8_t lo = 0x80, hi = 0xbf;
    if (c < 0x80)
        return 1;
    else if (c >= 0xc2 && c <= 0xdf)
        need = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        need = 3;
        if (c == 0xe0)
            lo = 0xa0;
        if (c == 0xed)
            hi = 0x9f; /* no UTF-16 surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 4;
        if (c == 0xf0)
            lo = 0x90;
        if (c == 0xf4)
            hi = 0x8f;
    } else
        return 0;
    if (n < need || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t k = 2; k < need; k++)
        if (p[k] < 0x80 || p[k] > 0xbf)
            return 0;
    return need;
}

/* A string at s[i] == '"'. When `key` is non-NULL, *eq tells whether its
 * decoded content equals key (klen bytes). */
static int scan_string(scan *sc, const char *key, size_t klen, bool *eq)
{
    if (sc->i >= sc->len || sc->s[sc->i] != '"')
        return -1;
    sc->i++;
    size_t pos = 0; /* decoded bytes compared so far */
    bool same = true;
    for (;;) {
        if (sc->i >= sc->len)
            return -1;
        uint8_t c = sc->s[sc->i];
        uint8_t dec[4];
        size_t dn;
        if (c == '"') {
            sc->i++;
            break;
        }
        if (c < 0x20)
            return -1;
        if (c == '\\') {
            if (sc->len - sc->i < 2)
                return -1;
            uint8_t e = sc->s[sc->i + 1];
            sc->i += 2;
            uint32_t cp;
            switch (e) {
            case '"': case '\\': case '/': dec[0] = e; dn = 1; break;
            case 'b': dec[0] = '\b'; dn = 1; break;
            case 'f': dec[0] = '\f'; dn = 1; break;
            case 'n': dec[0] = '\n'; dn = 1; break;
            case 'r': dec[0] = '\r'; dn = 1; break;
            case 't': dec[0] = '\t'; dn = 1; break;
            case 'u':
                if (hex4(sc, &cp))
                    return -1;
                if (cp >= 0xdc00 && cp <= 0xdfff)
                    return -1;
                if (cp >= 0xd800 && cp <= 0xdbff) {
                    uint32_t lo;
                    if (sc->len - sc->i < 2 || sc->s[sc->i] != '\\' ||
                        sc->s[sc->i + 1] != 'u')
                        return -1;
                    sc->i += 2;
                    if (hex4(sc, &lo) || lo < 0xdc00 || lo > 0xdfff)
                        return -1;
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                }
                dn = utf8_put(dec, cp);
                break;
            default:
                return -1;
            }
        } else {
            dn = utf8_len(sc->s + sc->i, sc->len - sc->i);
            if (!dn)
                return -1;
            memcpy(dec, sc->s + sc->i, dn);
            sc->i += dn;
        }
        if (key && same) {
            if (pos + dn > klen || memcmp(key + pos, dec, dn) != 0)
                same = false;
            pos += dn;
        }
    }
    if (key)
        *eq = same && pos == klen;
    return 0;
}

static int scan_number(scan *sc)
{
    const uint8_t *s = sc->s;
    size_t n = sc->len, i = sc->i;
    if (i < n && s[i] == '-')
        i++;
    if (i < n && s[i] == '0')
        i++;
    else if (i < n && s[i] >= '1' && s[i] <= '9')
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    else
        return -1;
    if (i < n && s[i] == '.') {
        size_t d = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == d)
            return -1;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t d = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == d)
            return -1;
    }
    sc->i = i;
    return 0;
}

static int scan_literal(scan *sc, const char *lit)
{
    size_t n = strlen(lit);
    if (sc->len - sc->i < n || memcmp(sc->s + sc->i, lit, n) != 0)
        return -1;
    sc->i += n;
    return 0;
}

typedef struct want {
    const char *key;
    size_t klen;
    size_t start, end;
    int found;
} want;

/* A value at s[i]; `w` non-NULL only for the members of the top-level
 * object, which is where the wanted key is looked for. */
static int scan_value(scan *sc, int depth, want *w)
{
    if (sc->i >= sc->len)
        return -1;
    uint8_t c = sc->s[sc->i];
    if (c == '"')
        return scan_string(sc, NULL, 0, NULL);
    if (c == 't')
        return scan_literal(sc, "true");
    if (c == 'f')
        return scan_literal(sc, "false");
    if (c == 'n')
        return scan_literal(sc, "null");
    if (c != '{' && c != '[')
        return scan_number(sc);
    if (depth >= JSON_DEPTH_MAX)
        return -1;
    bool obj = c == '{';
    uint8_t close = obj ? '}' : ']';
    sc->i++;
    skip_ws(sc);
    if (sc->i < sc->len && sc->s[sc->i] == close) {
        sc->i++;
        return 0;
    }
    for (;;) {
        bool match = false;
        if (obj) {
            if (scan_string(sc, w ? w->key : NULL, w ? w->klen : 0, &match))
                return -1;
            skip_ws(sc);
            if (sc->i >= sc->len || sc->s[sc->i] != ':')
                return -1;
            sc->i++;
            skip_ws(sc);
        }
        size_t start = sc->i;
        if (scan_value(sc, depth + 1, NULL))
            return -1;
        if (match) {
            w->found++;
            w->start = start;
            w->end = sc->i;
        }
        skip_ws(sc);
        if (sc->i >= sc->len)
            return -1;
        if (sc->s[sc->i] == ',') {
            sc->i++;
            skip_ws(sc);
            continue;
        }
        if (sc->s[sc->i] != close)
            return -1;
        sc->i++;
        return 0;
    }
}

int ta_json_member_span(const uint8_t *doc, size_t len, const char *key,
                        const uint8_t **val, size_t *val_len)
{
    if (val)
        *val = NULL;
    if (val_len)
        *val_len = 0;
    if (!doc || !key || !val || !val_len)
        return TEEATTEST_E_INVALID_ARG;
    scan sc = {doc, len, 0};
    want w = {key, strlen(key), 0, 0, 0};
    skip_ws(&sc);
    if (sc.i >= len || doc[sc.i] != '{' || scan_value(&sc, 0, &w))
        return TEEATTEST_E_JSON;
    skip_ws(&sc);
    if (sc.i != len || w.found > 1)
        return TEEATTEST_E_JSON;
    if (!w.found)
        return TEEATTEST_E_NOT_FOUND;
    *val = doc + w.start;
    *val_len = w.end - w.start;
    return TEEATTEST_OK;
}

/* ---- key binding ------------------------------------------------------------ */

int ta_rd_key_binds(const teeattest_ctx *ctx, int32_t algo,
                    const uint8_t *pubkey, size_t pubkey_len,
                    const uint8_t *identity, size_t identity_len)
{
    if (!pubkey || !identity)
        return TEEATTEST_E_INVALID_ARG;
    if (algo == TEEATTEST_SIG_ECDSA) {
        if (identity_len != 20)
            return TEEATTEST_E_LENGTH;
        if (pubkey_len == 65) {
            if (pubkey[0] != 0x04)
                return TEEATTEST_E_LENGTH; /* only uncompressed points */
            pubkey++;
            pubkey_len--;
        }
        if (pubkey_len != 64)
            return TEEATTEST_E_LENGTH;
        uint8_t h[32];
        int rc = ta_keccak256(ctx, h, pubkey, 64);
        if (rc != TEEATTEST_OK)
            return rc;
        return ta_ct_equal(h + 12, identity, 20) ? TEEATTEST_OK
                                                 : TEEATTEST_E_VERIFY_FAILED;
    }
    if (algo == TEEATTEST_SIG_ED25519) {
        if (pubkey_len != 32 || identity_len != 32)
            return TEEATTEST_E_LENGTH;
        return ta_ct_equal(pubkey, identity, 32) ? TEEATTEST_OK
                                                 : TEEATTEST_E_VERIFY_FAILED;
    }
    return TEEATTEST_E_INVALID_ARG;
}
