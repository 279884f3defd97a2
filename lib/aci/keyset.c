/*
 * ACI/1 workload keyset (spec/aci.md 3.1), its digest, and the attestation
 * statement and report_data (3.2).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>

#include <jansson.h>

#include "aci.h"
#include "../crypto/crypto.h"

#define WHERE "aci keyset"

int ta_aci_jcs_sha256(const teeattest_ctx *ctx, const json_t *v,
                      uint8_t out[32], teeattest_error *err)
{
    ta_buf b;
    ta_buf_init(&b, ctx, 0);
    int rc = ta_jcs_append(&b, v, 0, err);
    if (rc == TEEATTEST_OK) {
        rc = ta_sha256(ctx, out, b.data ? b.data : (const uint8_t *)"", b.len);
        if (rc != TEEATTEST_OK)
            rc = ta_error(err, rc, "aci", "SHA-256 of the JCS form failed");
    }
    ta_buf_free(&b);
    return rc;
}

void ta_aci_digest_str(char out[TA_ACI_DIGEST_SIZE], const uint8_t d[32])
{
    memcpy(out, "sha256:", 7);
    ta_hex_encode(out + 7, d, 32);
}

bool ta_aci_is_lower_hex(const char *s, size_t n)
{
    if (!s || n == 0 || n % 2)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return true;
}

bool ta_aci_is_digest(const char *s, size_t n)
{
    return s && n == TA_ACI_DIGEST_LEN && memcmp(s, "sha256:", 7) == 0 &&
           ta_aci_is_lower_hex(s + 7, 64);
}

static ta_aci_algo algo_of(const char *s)
{
    if (strcmp(s, "ed25519") == 0)
        return TA_ACI_ALGO_ED25519;
    if (strcmp(s, "x25519-aes-256-gcm-hkdf-sha256") == 0)
        return TA_ACI_ALGO_X25519_V2;
    if (strcmp(s, "secp256k1-aes-256-gcm-hkdf-sha256") == 0)
        return TA_ACI_ALGO_SECP256K1_V2;
    return TA_ACI_ALGO_UNKNOWN;
}

/* A string member: present, a string of 1..max bytes without NUL. */
static int str_member(const json_t *o, const char *name, bool required,
                      size_t max, const char **out, size_t *len,
                      const char *what, teeattest_error *err)
{
    json_t *v = json_object_get(o, name);
    *out = NULL;
    *len = 0;
    if (!v) {
        if (!required)
            return TEEATTEST_OK;
        return ta_error(err, TEEATTEST_E_FIELD_MISSING, WHERE,
                        "%s: no \"%s\"", what, name);
    }
    if (!json_is_string(v))
        return ta_error(err, TEEATTEST_E_JSON, WHERE,
                        "%s: \"%s\" is not a string", what, name);
    size_t n = json_string_length(v);
    const char *s = json_string_value(v);
    if (n == 0 || n > max || memchr(s, '\0', n))
        return ta_error(err, TEEATTEST_E_PARSE, WHERE,
                        "%s: \"%s\" is empty, has a NUL or is over %zu bytes",
                        what, name, max);
    *out = s;
    *len = n;
    return TEEATTEST_OK;
}

static int parse_key(const teeattest_ctx *ctx, ta_aci_key *k, const json_t *e,
                     const char *list, size_t idx, teeattest_error *err)
{
    char what[64];
    snprintf(what, sizeof what, "%s[%zu]", list, idx);
    if (!json_is_object(e))
        return ta_error(err, TEEATTEST_E_JSON, WHERE, "%s is not an object",
                        what);
    const char *id, *algo, *pk;
    size_t id_len, algo_len, pk_len;
    int rc = str_member(e, "key_id", true, TA_ACI_ID_MAX, &id, &id_len, what,
                        err);
    if (!rc)
        rc = str_member(e, "algo", true, TA_ACI_ID_MAX, &algo, &algo_len, what,
                        err);
    if (!rc)
        rc = str_member(e, "public_key", true, TA_ACI_PUBKEY_HEX_MAX, &pk,
                        &pk_len, what, err);
    if (rc)
        return rc;
    if (!ta_aci_is_lower_hex(pk, pk_len))
        return ta_error(err, TEEATTEST_E_HEX, WHERE,
                        "%s: public_key is not lowercase hex", what);
    k->key_id = ta_strndup(ctx, id, id_len);
    k->algo = ta_strndup(ctx, algo, algo_len);
    k->public_key = ta_strndup(ctx, pk, pk_len);
    if (!k->key_id || !k->algo || !k->public_key)
        return ta_error(err, TEEATTEST_E_NOMEM, WHERE, "out of memory");
    k->algo_id = algo_of(k->algo);
    size_t want = 0;
    switch (k->algo_id) {
    case TA_ACI_ALGO_ED25519:
    case TA_ACI_ALGO_X25519_V2:
        want = 32;
        break;
    case TA_ACI_ALGO_SECP256K1_V2:
        /* uncompressed SEC1, or its 64 bytes without 0x04 (E2EE v2 4) */
        want = pk_len == 128 ? 64 : 65;
        break;
    default:
        return TEEATTEST_OK; /* kept, never selected */
    }
    if (pk_len != 2 * want)
        return ta_error(err, TEEATTEST_E_LENGTH, WHERE,
                        "%s: a %s public key is %zu bytes, not %zu", what,
                        k->algo, pk_len / 2, want);
    uint8_t *dst = k->pub;
    if (k->algo_id == TA_ACI_ALGO_SECP256K1_V2 && want == 64) {
        k->pub[0] = 0x04;
        dst++;
    }
    if (ta_hex_decode(dst, want, pk, pk_len) != (int64_t)want)
        return ta_error(err, TEEATTEST_E_HEX, WHERE, "%s: public_key", what);
    if (k->algo_id == TA_ACI_ALGO_SECP256K1_V2 && k->pub[0] != 0x04)
        return ta_error(err, TEEATTEST_E_PARSE, WHERE,
                        "%s: secp256k1 key is not an uncompressed point", what);
    k->pub_len = k->algo_id == TA_ACI_ALGO_SECP256K1_V2 ? 65 : want;
    k->recognized = true;
    return TEEATTEST_OK;
}

static int parse_keys(const teeattest_ctx *ctx, const json_t *o,
                      const char *name, ta_aci_key **out, size_t *n,
                      teeattest_error *err)
{
    json_t *a = json_object_get(o, name);
    if (!a)
        return ta_error(err, TEEATTEST_E_FIELD_MISSING, WHERE, "no \"%s\"",
                        name);
    if (!json_is_array(a))
        return ta_error(err, TEEATTEST_E_JSON, WHERE, "\"%s\" is not an array",
                        name);
    size_t len = json_array_size(a);
    if (len > TA_ACI_KEYS_MAX)
        return ta_error(err, TEEATTEST_E_TOO_LARGE, WHERE,
                        "\"%s\" has %zu entries (at most %u)", name, len,
                        TA_ACI_KEYS_MAX);
    if (len == 0)
        return TEEATTEST_OK;
    *out = ta_calloc(ctx, len, sizeof **out);
    if (!*out)
        return ta_error(err, TEEATTEST_E_NOMEM, WHERE, "out of memory");
    for (size_t i = 0; i < len; i++) {
        *n = i + 1;
        int rc = parse_key(ctx, &(*out)[i], json_array_get(a, i), name, i, err);
        if (rc)
            return rc;
        for (size_t j = 0; j < i; j++)
            if (strcmp((*out)[j].key_id, (*out)[i].key_id) == 0)
                return ta_error(err, TEEATTEST_E_PARSE, WHERE,
                                "%s: key_id \"%s\" listed twice", name,
                                (*out)[i].key_id);
    }
    return TEEATTEST_OK;
}

static int parse_tls(const teeattest_ctx *ctx, ta_aci_keyset *ks,
                     const json_t *o, teeattest_error *err)
{
    json_t *a = json_object_get(o, "tls_public_keys");
    if (!a)
        return TEEATTEST_OK; /* optional (spec 3.1); the channel check fails */
    if (!json_is_array(a))
        return ta_error(err, TEEATTEST_E_JSON, WHERE,
                        "\"tls_public_keys\" is not an array");
    ks->has_tls = true;
    size_t len = json_array_size(a);
    if (len > TA_ACI_KEYS_MAX)
        return ta_error(err, TEEATTEST_E_TOO_LARGE, WHERE,
                        "\"tls_public_keys\" has %zu entries (at most %u)", len,
                        TA_ACI_KEYS_MAX);
    if (len == 0)
        return TEEATTEST_OK;
    ks->tls = ta_calloc(ctx, len, sizeof *ks->tls);
    if (!ks->tls)
        return ta_error(err, TEEATTEST_E_NOMEM, WHERE, "out of memory");
    for (size_t i = 0; i < len; i++) {
        char what[48];
        snprintf(what, sizeof what, "tls_public_keys[%zu]", i);
        json_t *e = json_array_get(a, i);
        ta_aci_tls *t = &ks->tls[i];
        ks->n_tls = i + 1;
        if (!json_is_object(e))
            return ta_error(err, TEEATTEST_E_JSON, WHERE,
                            "%s is not an object", what);
        const char *spki, *dom;
        size_t spki_len, dom_len;
        int rc = str_member(e, "spki_sha256", true, 64, &spki, &spki_len, what,
                            err);
        if (rc)
            return rc;
        if (spki_len != 64 || !ta_aci_is_lower_hex(spki, 64))
            return ta_error(err, TEEATTEST_E_HEX, WHERE,
                            "%s: spki_sha256 is not 64 lowercase hex", what);
        ta_hex_decode(t->spki_sha256, 32, spki, 64);
        json_t *d = json_object_get(e, "domain");
        if (d && !json_is_null(d)) {
            rc = str_member(e, "domain", true, TA_ACI_ID_MAX, &dom, &dom_len,
                            what, err);
            if (rc)
                return rc;
            t->domain = ta_strndup(ctx, dom, dom_len);
            if (!t->domain)
                return ta_error(err, TEEATTEST_E_NOMEM, WHERE, "out of memory");
        }
    }
    return TEEATTEST_OK;
}

/* One public key in two roles (spec 3.1: keys are per-role). */
static int roles_separate(const ta_aci_keyset *ks, teeattest_error *err)
{
    for (size_t i = 0; i < ks->n_receipt; i++) {
        const ta_aci_key *r = &ks->receipt[i];
        for (size_t j = 0; j < ks->n_e2ee; j++) {
            const ta_aci_key *e = &ks->e2ee[j];
            bool same = r->recognized && e->recognized
                            ? r->pub_len == e->pub_len &&
                                  memcmp(r->pub, e->pub, r->pub_len) == 0
                            : strcmp(r->public_key, e->public_key) == 0;
            if (same)
                return ta_error(err, TEEATTEST_E_PARSE, WHERE,
                                "receipt key \"%s\" is also E2EE key \"%s\"",
                                r->key_id, e->key_id);
        }
    }
    return TEEATTEST_OK;
}

static const char *const KNOWN[] = {
    "subject", "not_after", "receipt_signing_keys", "e2ee_public_keys",
    "tls_public_keys",
};

int ta_aci_keyset_parse(const teeattest_ctx *ctx, ta_aci_keyset *out,
                        const json_t *obj, teeattest_error *err)
{
    if (!ctx || !out || !obj)
        return TA_INVALID(err, "ta_aci_keyset_parse");
    memset(out, 0, sizeof *out);
    if (!json_is_object(obj))
        return ta_error(err, TEEATTEST_E_JSON, WHERE,
                        "the keyset is not a JSON object");
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)obj, key, val) {
        bool known = false;
        for (size_t i = 0; i < TA_ARRAY_LEN(KNOWN); i++)
            known = known || strcmp(key, KNOWN[i]) == 0;
        if (!known)
            return ta_error(err, TEEATTEST_E_PARSE, WHERE,
                            "unknown member \"%.64s\" (the keyset shape is "
                            "fixed)", key);
    }
    int rc = TEEATTEST_OK;
    json_t *sub = json_object_get(obj, "subject");
    if (sub && !json_is_null(sub)) {
        const char *s;
        size_t n;
        rc = str_member(obj, "subject", true, TA_ACI_ID_MAX, &s, &n, "keyset",
                        err);
        if (!rc && !(out->subject = ta_strndup(ctx, s, n)))
            rc = ta_error(err, TEEATTEST_E_NOMEM, WHERE, "out of memory");
    }
    json_t *na = json_object_get(obj, "not_after");
    if (!rc) {
        if (!na)
            rc = ta_error(err, TEEATTEST_E_FIELD_MISSING, WHERE,
                          "no \"not_after\"");
        else if (!json_is_integer(na))
            rc = ta_error(err, TEEATTEST_E_JSON, WHERE,
                          "\"not_after\" is not an integer");
        else if (json_integer_value(na) <= 0 ||
                 json_integer_value(na) > TA_ACI_NOT_AFTER_MAX)
            rc = ta_error(err, TEEATTEST_E_PARSE, WHERE,
                          "\"not_after\" %lld is out of range",
                          (long long)json_integer_value(na));
        else
            out->not_after = json_integer_value(na);
    }
    if (!rc)
        rc = parse_keys(ctx, obj, "receipt_signing_keys", &out->receipt,
                        &out->n_receipt, err);
    if (!rc)
        rc = parse_keys(ctx, obj, "e2ee_public_keys", &out->e2ee, &out->n_e2ee,
                        err);
    if (!rc)
        rc = parse_tls(ctx, out, obj, err);
    if (!rc)
        rc = roles_separate(out, err);
    if (!rc)
        rc = ta_aci_jcs_sha256(ctx, obj, out->digest_raw, err);
    if (rc) {
        ta_aci_keyset_free(ctx, out);
        return rc;
    }
    ta_aci_digest_str(out->digest, out->digest_raw);
    return TEEATTEST_OK;
}

int ta_aci_keyset_parse_bytes(const teeattest_ctx *ctx, ta_aci_keyset *out,
                              const uint8_t *data, size_t len,
                              teeattest_error *err)
{
    if (!ctx || !out || (!data && len))
        return TA_INVALID(err, "ta_aci_keyset_parse_bytes");
    memset(out, 0, sizeof *out);
    json_t *j = NULL;
    int rc = ta_json_parse(&j, data, len, TA_ACI_DOC_MAX, err);
    if (rc)
        return rc;
    rc = ta_aci_keyset_parse(ctx, out, j, err);
    json_decref(j);
    return rc;
}

static void free_keys(const teeattest_ctx *ctx, ta_aci_key *k, size_t n)
{
    for (size_t i = 0; k && i < n; i++) {
        ta_free(ctx, k[i].key_id);
        ta_free(ctx, k[i].algo);
        ta_free(ctx, k[i].public_key);
    }
    ta_free(ctx, k);
}

void ta_aci_keyset_free(const teeattest_ctx *ctx, ta_aci_keyset *ks)
{
    if (!ks)
        return;
    ta_free(ctx, ks->subject);
    free_keys(ctx, ks->receipt, ks->n_receipt);
    free_keys(ctx, ks->e2ee, ks->n_e2ee);
    for (size_t i = 0; ks->tls && i < ks->n_tls; i++)
        ta_free(ctx, ks->tls[i].domain);
    ta_free(ctx, ks->tls);
    memset(ks, 0, sizeof *ks);
}

const ta_aci_key *ta_aci_keyset_find(const ta_aci_keyset *ks, ta_aci_role role,
                                     const char *key_id, size_t key_id_len)
{
    if (!ks || !key_id)
        return NULL;
    const ta_aci_key *k = role == TA_ACI_ROLE_RECEIPT ? ks->receipt : ks->e2ee;
    size_t n = role == TA_ACI_ROLE_RECEIPT ? ks->n_receipt : ks->n_e2ee;
    for (size_t i = 0; i < n; i++)
        if (strlen(k[i].key_id) == key_id_len &&
            memcmp(k[i].key_id, key_id, key_id_len) == 0)
            return &k[i];
    return NULL;
}

const ta_aci_key *ta_aci_keyset_find_algo(const ta_aci_keyset *ks,
                                          ta_aci_role role, ta_aci_algo algo)
{
    if (!ks || algo == TA_ACI_ALGO_UNKNOWN)
        return NULL;
    const ta_aci_key *k = role == TA_ACI_ROLE_RECEIPT ? ks->receipt : ks->e2ee;
    size_t n = role == TA_ACI_ROLE_RECEIPT ? ks->n_receipt : ks->n_e2ee;
    for (size_t i = 0; i < n; i++)
        if (k[i].recognized && k[i].algo_id == algo)
            return &k[i];
    return NULL;
}

/* Hostnames compare ASCII case-insensitively, one trailing dot ignored. */
static bool host_eq(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    if (na && a[na - 1] == '.')
        na--;
    if (nb && b[nb - 1] == '.')
        nb--;
    if (na != nb || na == 0)
        return false;
    for (size_t i = 0; i < na; i++) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (char)(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
}

bool ta_aci_keyset_tls_allows(const ta_aci_keyset *ks, const char *hostname,
                              const uint8_t spki_sha256[32])
{
    if (!ks || !spki_sha256)
        return false;
    for (size_t i = 0; i < ks->n_tls; i++) {
        const ta_aci_tls *t = &ks->tls[i];
        if (t->domain && (!hostname || !host_eq(t->domain, hostname)))
            continue;
        if (ta_ct_equal(t->spki_sha256, spki_sha256, 32))
            return true;
    }
    return false;
}

int ta_aci_statement(char out[TA_ACI_STATEMENT_MAX], size_t *len,
                     const char *keyset_digest, const char *nonce_hex,
                     teeattest_error *err)
{
    if (!out || !len || !keyset_digest)
        return TA_INVALID(err, "ta_aci_statement");
    if (!ta_aci_is_digest(keyset_digest, strlen(keyset_digest)))
        return ta_error(err, TEEATTEST_E_PARSE, "aci statement",
                        "keyset digest is not sha256:<64 lowercase hex>");
    if (nonce_hex &&
        (strlen(nonce_hex) != 64 || !ta_aci_is_lower_hex(nonce_hex, 64)))
        return ta_error(err, TEEATTEST_E_PARSE, "aci statement",
                        "nonce is not 64 lowercase hex characters");
    int n;
    if (nonce_hex)
        n = snprintf(out, TA_ACI_STATEMENT_MAX,
                     "{\"keyset_digest\":\"%s\",\"nonce\":\"%s\","
                     "\"purpose\":\"" TA_ACI_PURPOSE "\"}",
                     keyset_digest, nonce_hex);
    else
        n = snprintf(out, TA_ACI_STATEMENT_MAX,
                     "{\"keyset_digest\":\"%s\",\"nonce\":null,"
                     "\"purpose\":\"" TA_ACI_PURPOSE "\"}",
                     keyset_digest);
    if (n < 0 || n >= TA_ACI_STATEMENT_MAX)
        return ta_error(err, TEEATTEST_E_INTERNAL, "aci statement", "overflow");
    *len = (size_t)n;
    return TEEATTEST_OK;
}

int ta_aci_report_data(const teeattest_ctx *ctx, uint8_t out[64],
                       const char *keyset_digest, const char *nonce_hex,
                       teeattest_error *err)
{
    if (!ctx || !out)
        return TA_INVALID(err, "ta_aci_report_data");
    char st[TA_ACI_STATEMENT_MAX];
    size_t n;
    int rc = ta_aci_statement(st, &n, keyset_digest, nonce_hex, err);
    if (rc)
        return rc;
    memset(out, 0, 64);
    rc = ta_sha256(ctx, out, (const uint8_t *)st, n);
    if (rc)
        return ta_error(err, rc, "aci statement", "SHA-256 failed");
    return TEEATTEST_OK;
}
