/*
 * The normalized report model and the parser of the attestation documents
 * providers send. Every shape seen in the wild maps to entries of the same
 * fields (provider.h, teeattest_entry_field):
 *
 *   dstack flat         {intel_quote, signing_address, ..., all_attestations}
 *   two-layer (NEAR)    {gateway_attestation, model_attestations[]}
 *   Chutes via RedPill  {attestation_type:"chutes", all_attestations[]}
 *   Chutes direct       {evidence[], failed_instance_ids}
 *   io.net              {nonce, cpu:{quote}, gpu:{...}, signing_address}
 *   Tinfoil V3          {format, cpu:{report}, gpu, report_data, certificate}
 *   ACI/1               {api_version, workload_keyset_digest, attestation}
 *
 * Detection follows the providers' own verifiers (spec section 7.2): a
 * `format` key means Tinfoil, `gateway_attestation` means two layers,
 * `cpu` io.net, `evidence` Chutes, `all_attestations` or `intel_quote` the
 * flat form. A dialect only decides how a report is requested; every
 * dialect accepts every shape, because gateways resell each other's models.
 *
 * Nothing here is trusted: entries are evidence for the verifier, echoed
 * nonces and stated report_data are data only.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "report.h"

#define N_FIELDS (TEEATTEST_ENTRY_GPU_ATTESTATION + 1)

typedef struct ta_field {
    uint8_t *data; /* NUL-terminated one past len */
    size_t len;
    bool set;
} ta_field;

typedef struct ta_entry {
    ta_field f[N_FIELDS];
} ta_entry;

struct teeattest_report {
    atomic_size_t refs;
    teeattest_ctx *ctx;
    const ta_dialect *dialect;
    uint8_t *raw;
    size_t raw_len;
    uint8_t nonce[TEEATTEST_NONCE_SIZE];
    bool has_nonce;
    uint8_t *spki;
    size_t spki_len;
    int64_t captured_at; /* 0: unknown */
    char *host;          /* fetched from this host; NULL: unknown */
    ta_report_shape shape;
    ta_entry *entries;
    size_t n_entries;
    ta_report_consistency consistency;
    bool consistency_known; /* parsed from a document */
};

/* At most this many entries (serving nodes) in one report. */
#define TA_REPORT_ENTRIES_MAX 256

int ta_report_new(teeattest_ctx *ctx, teeattest_report **out,
                  const ta_dialect *dialect, const uint8_t *json,
                  size_t json_len, teeattest_error *err)
{
    *out = NULL;
    if (json_len > TEEATTEST_REPORT_MAX)
        return ta_error(err, TEEATTEST_E_TOO_LARGE, NULL,
                        "report of %zu bytes exceeds the %u-byte limit",
                        json_len, TEEATTEST_REPORT_MAX);
    teeattest_report *r = ta_calloc(ctx, 1, sizeof *r);
    if (!r)
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "allocating report");
    r->raw = ta_malloc(ctx, json_len + 1);
    if (!r->raw) {
        ta_free(ctx, r);
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "allocating report");
    }
    if (json_len)
        memcpy(r->raw, json, json_len);
    r->raw[json_len] = '\0';
    r->raw_len = json_len;
    atomic_init(&r->refs, 1);
    r->ctx = teeattest_ctx_ref(ctx);
    r->dialect = dialect;
    *out = r;
    return TEEATTEST_OK;
}

int ta_report_set_fetch_info(teeattest_report *r, const uint8_t *nonce,
                             const uint8_t *spki, size_t spki_len)
{
    memcpy(r->nonce, nonce, TEEATTEST_NONCE_SIZE);
    r->has_nonce = true;
    r->captured_at = teeattest_ctx_now(r->ctx);
    if (spki_len) {
        r->spki = ta_malloc(r->ctx, spki_len);
        if (!r->spki)
            return TEEATTEST_E_NOMEM;
        memcpy(r->spki, spki, spki_len);
        r->spki_len = spki_len;
    }
    return TEEATTEST_OK;
}

int ta_report_set_host(teeattest_report *r, const char *host)
{
    char *copy = host ? ta_strdup(r->ctx, host) : NULL;
    if (host && !copy)
        return TEEATTEST_E_NOMEM;
    ta_free(r->ctx, r->host);
    r->host = copy;
    return TEEATTEST_OK;
}

const char *ta_report_host(const teeattest_report *r)
{
    return r->host;
}

void ta_report_set_captured_at(teeattest_report *r, int64_t t)
{
    r->captured_at = t;
}

int64_t ta_report_captured_at(const teeattest_report *r)
{
    return r->captured_at;
}

ta_report_shape ta_report_get_shape(const teeattest_report *r)
{
    return r->shape;
}

/* The entry fields that the flat dstack form repeats at its top level
 * (NEAR's model proxy repeats all_attestations[0]). */
static const char *const repeated_fields[] = {
    "signing_address", "signing_algo", "signing_public_key", "signing_key",
    "intel_quote", "quote", "nvidia_payload", "gpu_evidence", "gpu",
    "event_log",
    "vm_config", "info", "model_name", "instance_id", "e2e_pubkey",
    "certificate", "tls_cert_fingerprint", "report_data", "request_nonce",
};

void ta_report_consistency_scan(const struct json_t *root, size_t n,
                                ta_report_consistency *out)
{
    memset(out, 0, sizeof *out);
    const json_t *arr = json_object_get(root, "all_attestations");
    if (!json_is_array(arr) || json_array_size(arr) != n)
        return; /* not the flat form: nothing is repeated */
    for (size_t f = 0; f < TA_ARRAY_LEN(repeated_fields); f++)
        out->repeated += json_object_get(root, repeated_fields[f]) != NULL;
    if (!out->repeated)
        return;
    out->applies = true;
    /* The repeated entry is the one whose quote the top level carries
     * (the only one, without a quote). */
    const json_t *q = json_object_get(root, "intel_quote");
    if (!q)
        q = json_object_get(root, "quote");
    out->has_quote = q != NULL;
    size_t k = n;
    for (size_t i = 0; q && k == n && i < n; i++) {
        const json_t *o = json_array_get(arr, i);
        const json_t *eq = json_object_get(o, "intel_quote");
        if (json_equal(q, eq ? eq : json_object_get(o, "quote")))
            k = i;
    }
    if (!q && n == 1)
        k = 0;
    out->k = k;
    if (k == n)
        return;
    const json_t *o = json_array_get(arr, k);
    for (size_t f = 0; !out->bad && f < TA_ARRAY_LEN(repeated_fields); f++) {
        const json_t *top = json_object_get(root, repeated_fields[f]);
        if (top && !json_equal(top, json_object_get(o, repeated_fields[f])))
            out->bad = repeated_fields[f];
    }
}

const ta_report_consistency *
ta_report_get_consistency(const teeattest_report *r)
{
    return r->consistency_known ? &r->consistency : NULL;
}

/* ---- building entries -------------------------------------------------- */

static ta_entry *add_entry(teeattest_report *r)
{
    if (r->n_entries == TA_REPORT_ENTRIES_MAX)
        return NULL;
    ta_entry *e = ta_realloc(r->ctx, r->entries,
                             (r->n_entries + 1) * sizeof *r->entries);
    if (!e)
        return NULL;
    r->entries = e;
    memset(&e[r->n_entries], 0, sizeof *e);
    return &e[r->n_entries++];
}

static int set_field(teeattest_report *r, ta_entry *e, int field,
                     const void *data, size_t len)
{
    ta_field *f = &e->f[field];
    uint8_t *copy = ta_malloc(r->ctx, len + 1);
    if (!copy)
        return TEEATTEST_E_NOMEM;
    if (len)
        memcpy(copy, data, len);
    copy[len] = '\0';
    ta_free(r->ctx, f->data);
    f->data = copy;
    f->len = len;
    f->set = true;
    return TEEATTEST_OK;
}

/* Parsing context: the report, the entry being filled and its JSON path
 * for messages ("all_attestations[1]"). */
typedef struct pctx {
    teeattest_report *r;
    ta_entry *e;
    char path[80];
    teeattest_error *err;
    const json_t *root; /* the whole document */
} pctx;

static int nomem(pctx *c)
{
    return ta_error(c->err, TEEATTEST_E_NOMEM, NULL, "building report entry");
}

static void where(char *out, size_t cap, const pctx *c, const char *key)
{
    snprintf(out, cap, "%s%s%s", c->path, c->path[0] && key[0] ? "." : "",
             key);
}

static int bad_type(pctx *c, const char *key, const char *want)
{
    char w[128];
    where(w, sizeof w, c, key);
    return ta_error(c->err, TEEATTEST_E_JSON, w, "%s must be %s",
                    w[0] ? w : "the document", want);
}

static int missing(pctx *c, const char *key)
{
    char w[128];
    where(w, sizeof w, c, key);
    return ta_error(c->err, TEEATTEST_E_FIELD_MISSING, w,
                    "required field %s is missing", w);
}

/* A JSON value as compact text (key order kept). */
static int set_dump(pctx *c, int field, const json_t *v)
{
    char *text = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER |
                                   JSON_ENCODE_ANY);
    if (!text)
        return nomem(c);
    int rc = set_field(c->r, c->e, field, text, strlen(text));
    free(text); /* jansson's allocation */
    return rc ? nomem(c) : TEEATTEST_OK;
}

/* String member copied as is; a JSON object/array member is stored as its
 * text (providers send several fields either way). */
static int take_text(pctx *c, const json_t *o, const char *key, int field,
                     bool allow_json)
{
    const json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return TEEATTEST_OK;
    if (json_is_string(v)) {
        if (set_field(c->r, c->e, field, json_string_value(v),
                      json_string_length(v)))
            return nomem(c);
        return TEEATTEST_OK;
    }
    if (allow_json && (json_is_object(v) || json_is_array(v)))
        return set_dump(c, field, v);
    return bad_type(c, key, allow_json ? "a string, object or array"
                                       : "a string");
}

/* Hex (optional 0x) or, when it has a character outside [0-9a-fA-F],
 * standard base64: providers use both for quotes. */
static int decode_blob(pctx *c, const char *key, const char *s, size_t len,
                       int field, bool hex_only, size_t want)
{
    if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s += 2;
        len -= 2;
    }
    bool hex = ta_is_hex(s, len);
    size_t cap = hex ? len / 2 + 1 : ta_base64_decoded_max(len);
    uint8_t *buf = ta_malloc(c->r->ctx, cap ? cap : 1);
    if (!buf)
        return nomem(c);
    int64_t n;
    if (hex)
        n = ta_hex_decode(buf, cap, s, len);
    else if (hex_only)
        n = TEEATTEST_E_HEX;
    else
        n = ta_base64_decode(buf, cap, s, len, false);
    int rc = TEEATTEST_OK;
    char w[128];
    where(w, sizeof w, c, key);
    if (n < 0) {
        rc = ta_error(c->err, hex || hex_only ? TEEATTEST_E_HEX
                                              : TEEATTEST_E_BASE64,
                      w, "%s is not valid %s", w,
                      hex || hex_only ? "hex" : "hex or base64");
    } else if (want && (size_t)n != want) {
        rc = ta_error(c->err, TEEATTEST_E_LENGTH, w,
                      "%s must be %zu bytes, not %lld", w, want, (long long)n);
    } else if (set_field(c->r, c->e, field, buf, (size_t)n)) {
        rc = nomem(c);
    }
    ta_free(c->r->ctx, buf);
    return rc;
}

static int take_blob(pctx *c, const json_t *o, const char *key, int field,
                     bool hex_only, size_t want)
{
    const json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return TEEATTEST_OK;
    if (!json_is_string(v))
        return bad_type(c, key, "a string");
    return decode_blob(c, key, json_string_value(v), json_string_length(v),
                       field, hex_only, want);
}

/* The signer as stated: lower-cased (EIP-55 case carries no identity). */
static int take_signer(pctx *c, const json_t *o)
{
    const json_t *v = json_object_get(o, "signing_address");
    if (!v || json_is_null(v))
        return TEEATTEST_OK;
    if (!json_is_string(v))
        return bad_type(c, "signing_address", "a string");
    size_t len = json_string_length(v);
    if (len > 130)
        return bad_type(c, "signing_address", "an address or public key");
    char buf[131];
    memcpy(buf, json_string_value(v), len);
    buf[len] = '\0';
    for (size_t i = 0; i < len; i++)
        if (buf[i] >= 'A' && buf[i] <= 'Z')
            buf[i] = (char)(buf[i] - 'A' + 'a');
    if (set_field(c->r, c->e, TEEATTEST_ENTRY_SIGNING_ADDRESS, buf, len))
        return nomem(c);
    return TEEATTEST_OK;
}

static int set_str(pctx *c, int field, const char *s)
{
    return set_field(c->r, c->e, field, s, strlen(s)) ? nomem(c)
                                                        : TEEATTEST_OK;
}

/* The echoed nonce, kept when it decodes to 32 bytes; never trusted. */
static int take_echo(pctx *c, const json_t *echo)
{
    if (json_is_string(echo) && json_string_length(echo) == 64 &&
        ta_is_hex(json_string_value(echo), 64)) {
        uint8_t n[32];
        if (ta_hex_decode(n, sizeof n, json_string_value(echo), 64) == 32 &&
            set_field(c->r, c->e, TEEATTEST_ENTRY_NONCE_ECHO, n, 32))
            return nomem(c);
    }
    return TEEATTEST_OK;
}

/* dstack `info`: the object, its tcb_info (object or JSON string) and
 * app_compose exactly as tcb_info states it. */
static int take_info(pctx *c, const json_t *info)
{
    int rc;
    if (!json_is_object(info))
        return bad_type(c, "info", "an object");
    if ((rc = set_dump(c, TEEATTEST_ENTRY_INFO, info)))
        return rc;
    const json_t *tcb = json_object_get(info, "tcb_info");
    json_t *parsed = NULL;
    if (json_is_string(tcb)) {
        parsed = json_loadb(json_string_value(tcb), json_string_length(tcb),
                            JSON_REJECT_DUPLICATES, NULL);
        if (!json_is_object(parsed)) {
            json_decref(parsed);
            return bad_type(c, "info.tcb_info", "a JSON object");
        }
        tcb = parsed;
    }
    if (json_is_object(tcb)) {
        rc = set_dump(c, TEEATTEST_ENTRY_TCB_INFO, tcb);
        if (!rc)
            rc = take_text(c, tcb, "app_compose", TEEATTEST_ENTRY_APP_COMPOSE,
                           false);
        if (!rc && !c->e->f[TEEATTEST_ENTRY_EVENT_LOG].set)
            rc = take_text(c, tcb, "event_log", TEEATTEST_ENTRY_EVENT_LOG,
                           true);
    }
    json_decref(parsed);
    if (rc)
        return rc;
    if (!c->e->f[TEEATTEST_ENTRY_VM_CONFIG].set &&
        (rc = take_text(c, info, "vm_config", TEEATTEST_ENTRY_VM_CONFIG, true)))
        return rc;
    if (!c->e->f[TEEATTEST_ENTRY_INSTANCE_ID].set &&
        (rc = take_text(c, info, "instance_id", TEEATTEST_ENTRY_INSTANCE_ID,
                        false)))
        return rc;
    return TEEATTEST_OK;
}

/* A NEAR member the entry carries itself, else the one the top level
 * keeps for it: the flat form's for the node the top level repeats (same
 * signing_address); the OHTTP members of a two-layer report's top level
 * for its gateway (their signing_key is the gateway's). */
static const json_t *own_or_top(const pctx *c, const json_t *o,
                                const char *role, const char *key)
{
    const json_t *v = json_object_get(o, key);
    if (v || !c->root || o == c->root)
        return v;
    if (strcmp(role, "gateway") == 0 && strncmp(key, "ohttp_", 6) == 0)
        return json_object_get(c->root, key);
    const json_t *a = json_object_get(o, "signing_address");
    const json_t *b = json_object_get(c->root, "signing_address");
    if (strcmp(role, "node") == 0 && json_is_string(a) && json_is_string(b) &&
        strcasecmp(json_string_value(a), json_string_value(b)) == 0)
        return json_object_get(c->root, key);
    return NULL;
}

/* One attestation object of the dstack family (also the Chutes entries,
 * which use the same names for what they have). */
static int parse_dstack_entry(pctx *c, const json_t *o, const char *role)
{
    int rc;
    if (!json_is_object(o))
        return bad_type(c, "", "an object");
    if ((rc = set_str(c, TEEATTEST_ENTRY_ROLE, role)) ||
        (rc = take_signer(c, o)))
        return rc;
    const json_t *algo = json_object_get(o, "signing_algo");
    if (algo && !json_is_null(algo) && !json_is_string(algo))
        return bad_type(c, "signing_algo", "a string");
    const char *a = json_string_value(algo);
    if (a && strcasecmp(a, "ecdsa") != 0 && strcasecmp(a, "ed25519") != 0) {
        char w[128];
        where(w, sizeof w, c, "signing_algo");
        return ta_error(c->err, TEEATTEST_E_SIG_ALGO, w,
                        "%s: unknown algorithm", w);
    }
    /* The 2024 Phala form has no signing_algo: its keys are ecdsa. */
    if (c->e->f[TEEATTEST_ENTRY_SIGNING_ADDRESS].set &&
        (rc = set_str(c, TEEATTEST_ENTRY_SIGNING_ALGO,
                      a && strcasecmp(a, "ed25519") == 0 ? "ed25519"
                                                         : "ecdsa")))
        return rc;
    /* signing_public_key (dstack), signing_key (Venice) */
    if ((rc = take_blob(c, o, "signing_public_key",
                        TEEATTEST_ENTRY_SIGNING_PUBLIC_KEY, true, 0)))
        return rc;
    if (!c->e->f[TEEATTEST_ENTRY_SIGNING_PUBLIC_KEY].set &&
        (rc = take_blob(c, o, "signing_key",
                        TEEATTEST_ENTRY_SIGNING_PUBLIC_KEY, true, 0)))
        return rc;
    const json_t *iq = json_object_get(o, "intel_quote");
    const char *qkey = iq && !json_is_null(iq) ? "intel_quote" : "quote";
    if ((rc = take_blob(c, o, qkey, TEEATTEST_ENTRY_QUOTE, false, 0)))
        return rc;
    if (!c->e->f[TEEATTEST_ENTRY_QUOTE].set)
        return missing(c, "intel_quote");
    if (c->e->f[TEEATTEST_ENTRY_QUOTE].len == 0)
        return bad_type(c, qkey, "a non-empty quote");
    /* GPU evidence: dstack nvidia_payload (often a JSON string), Chutes
     * gpu_evidence, io.net/Tinfoil gpu. */
    static const char *const gpu_keys[] = {"nvidia_payload", "gpu_evidence",
                                           "gpu"};
    for (size_t i = 0; i < TA_ARRAY_LEN(gpu_keys); i++) {
        const json_t *g = json_object_get(o, gpu_keys[i]);
        if (g && !json_is_null(g) &&
            !(json_is_string(g) && json_string_length(g) == 0)) {
            if ((rc = take_text(c, o, gpu_keys[i], TEEATTEST_ENTRY_GPU_PAYLOAD,
                                true)))
                return rc;
            break;
        }
    }
    if ((rc = take_text(c, o, "event_log", TEEATTEST_ENTRY_EVENT_LOG, true)) ||
        (rc = take_text(c, o, "vm_config", TEEATTEST_ENTRY_VM_CONFIG, true)) ||
        (rc = take_text(c, o, "model_name", TEEATTEST_ENTRY_MODEL, false)) ||
        (rc = take_text(c, o, "gpu_attestation",
                        TEEATTEST_ENTRY_GPU_ATTESTATION, false)) ||
        (rc = take_text(c, o, "instance_id", TEEATTEST_ENTRY_INSTANCE_ID,
                        false)) ||
        (rc = take_text(c, o, "e2e_pubkey", TEEATTEST_ENTRY_E2E_PUBKEY,
                        false)) ||
        (rc = take_blob(c, o, "certificate", TEEATTEST_ENTRY_CERTIFICATE,
                        false, 0)) ||
        (rc = take_blob(c, o, "tls_cert_fingerprint",
                        TEEATTEST_ENTRY_TLS_FINGERPRINT, true, 32)) ||
        (rc = take_blob(c, o, "report_data", TEEATTEST_ENTRY_REPORT_DATA, true,
                        64)))
        return rc;
    const json_t *cm = own_or_top(c, o, role, "compose_manager_attestation");
    if (json_is_object(cm) &&
        (rc = set_dump(c, TEEATTEST_ENTRY_COMPOSE_MANAGER, cm)))
        return rc;
    /* OHTTP: both members from the same object, never one of each. */
    const json_t *oh = own_or_top(c, o, role, "ohttp_attestation");
    const json_t *kc = own_or_top(c, o, role, "ohttp_key_config");
    if (json_object_get(o, "ohttp_attestation") ||
        json_object_get(o, "ohttp_key_config")) {
        oh = json_object_get(o, "ohttp_attestation");
        kc = json_object_get(o, "ohttp_key_config");
    }
    if (oh && !json_is_null(oh)) {
        if (!json_is_object(oh))
            return bad_type(c, "ohttp_attestation", "an object");
        if ((rc = set_dump(c, TEEATTEST_ENTRY_OHTTP_ATTESTATION, oh)))
            return rc;
    }
    if (kc && !json_is_null(kc)) {
        if (!json_is_string(kc))
            return bad_type(c, "ohttp_key_config", "a string");
        if ((rc = decode_blob(c, "ohttp_key_config", json_string_value(kc),
                              json_string_length(kc),
                              TEEATTEST_ENTRY_OHTTP_KEY_CONFIG, true, 0)))
            return rc;
    }
    const json_t *echo = json_object_get(o, "request_nonce");
    if ((rc = take_echo(c, echo ? echo : json_object_get(o, "nonce"))))
        return rc;
    const json_t *info = json_object_get(o, "info");
    if (info && !json_is_null(info) && (rc = take_info(c, info)))
        return rc;
    return set_dump(c, TEEATTEST_ENTRY_RAW, o);
}

/* Start an entry; its path for messages is `key`, or `key[index]` when
 * index >= 0. */
static int new_entry(pctx *c, const char *key, long index)
{
    c->e = add_entry(c->r);
    if (!c->e)
        return c->r->n_entries == TA_REPORT_ENTRIES_MAX
                   ? ta_error(c->err, TEEATTEST_E_TOO_LARGE, NULL,
                              "report has more than %d entries",
                              TA_REPORT_ENTRIES_MAX)
                   : nomem(c);
    if (index >= 0)
        snprintf(c->path, sizeof c->path, "%.40s[%d]", key,
                 (int)(index & 0xffff));
    else
        snprintf(c->path, sizeof c->path, "%.40s", key);
    return TEEATTEST_OK;
}

static int parse_array(pctx *c, const json_t *root, const char *key,
                       const char *role)
{
    const json_t *arr = json_object_get(root, key);
    c->path[0] = '\0';
    if (!json_is_array(arr))
        return bad_type(c, key, "an array");
    if (json_array_size(arr) == 0)
        return ta_error(c->err, TEEATTEST_E_FIELD_MISSING, key, "%s is empty",
                        key);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        int rc = new_entry(c, key, (long)i);
        if (!rc)
            rc = parse_dstack_entry(c, json_array_get(arr, i), role);
        if (rc)
            return rc;
    }
    return TEEATTEST_OK;
}

/* io.net: {nonce, cpu:{quote}, gpu, signing_address, image_digest}. */
static int parse_ionet(pctx *c, const json_t *root)
{
    int rc = new_entry(c, "", -1);
    if (rc)
        return rc;
    const json_t *q = json_object_get(json_object_get(root, "cpu"), "quote");
    if (!json_is_string(q))
        return missing(c, "cpu.quote");
    /* io.net reports a failed quote as text in place of the quote. */
    if (strncmp(json_string_value(q), "Error", 5) == 0)
        return ta_error(c->err, TEEATTEST_E_PARSE, "cpu.quote",
                        "provider returned no quote: %.160s",
                        json_string_value(q));
    if ((rc = decode_blob(c, "cpu.quote", json_string_value(q),
                          json_string_length(q), TEEATTEST_ENTRY_QUOTE, false,
                          0)) ||
        (rc = set_str(c, TEEATTEST_ENTRY_ROLE, "node")) ||
        (rc = take_signer(c, root)))
        return rc;
    if (c->e->f[TEEATTEST_ENTRY_SIGNING_ADDRESS].set &&
        (rc = set_str(c, TEEATTEST_ENTRY_SIGNING_ALGO, "ecdsa")))
        return rc;
    /* The nonce is echoed right-padded with zeros to 64 hex. */
    if ((rc = take_text(c, root, "gpu", TEEATTEST_ENTRY_GPU_PAYLOAD, true)) ||
        (rc = take_echo(c, json_object_get(root, "nonce"))))
        return rc;
    return set_dump(c, TEEATTEST_ENTRY_RAW, root);
}

/* Tinfoil V3: one entry; the GPU value is kept as JSON text. Its
 * report_data binds SHA-256 of the "gpu" value's raw bytes; the text kept
 * here is re-serialized (compact), so that check needs the raw document
 * (teeattest_report_raw()). */
static int parse_tinfoil(pctx *c, const json_t *root)
{
    int rc = new_entry(c, "", -1);
    if (rc)
        return rc;
    const json_t *cpu = json_object_get(root, "cpu");
    /* V3 also carries SEV-SNP reports: never store one as a TDX quote. */
    const json_t *plat = json_object_get(cpu, "platform");
    if (!json_is_string(plat))
        return missing(c, "cpu.platform");
    if (strcmp(json_string_value(plat), "tdx") != 0)
        return ta_error(c->err, TEEATTEST_E_UNSUPPORTED, "cpu.platform",
                        "cpu.platform \"%.40s\" is not supported (TDX only)",
                        json_string_value(plat));
    const json_t *rep = json_object_get(cpu, "report");
    if (!json_is_string(rep))
        return missing(c, "cpu.report");
    if ((rc = decode_blob(c, "cpu.report", json_string_value(rep),
                          json_string_length(rep), TEEATTEST_ENTRY_QUOTE,
                          false, 0)) ||
        (rc = set_str(c, TEEATTEST_ENTRY_ROLE, "node")) ||
        (rc = take_text(c, root, "gpu", TEEATTEST_ENTRY_GPU_PAYLOAD, true)) ||
        (rc = take_text(c, root, "certificate", TEEATTEST_ENTRY_CERTIFICATE,
                        false)))
        return rc;
    return set_dump(c, TEEATTEST_ENTRY_RAW, root);
}

/* ACI/1 (spec aci.md 4.1): one entry from attestation.evidence, the
 * dstack tdx evidence {quote (hex), event_log, app_compose, vm_config}.
 * The keyset, digest and statement are read by the verifier from the raw
 * document (lib/verify/aci_report.c). */
static int parse_aci(pctx *c, const json_t *root)
{
    int rc = new_entry(c, "attestation.evidence", -1);
    if (rc)
        return rc;
    const json_t *att = json_object_get(root, "attestation");
    if (!json_is_object(att))
        return missing(c, "attestation");
    const json_t *tee = json_object_get(att, "tee_type");
    if (!json_is_string(tee) || strcmp(json_string_value(tee), "tdx") != 0)
        return ta_error(c->err, TEEATTEST_E_UNSUPPORTED, "attestation.tee_type",
                        "attestation.tee_type must be \"tdx\" (the only TEE "
                        "type this library verifies)");
    const json_t *ev = json_object_get(att, "evidence");
    if (!json_is_object(ev))
        return missing(c, "evidence");
    const json_t *q = json_object_get(ev, "quote");
    if (!json_is_string(q) || json_string_length(q) == 0)
        return missing(c, "quote");
    if ((rc = decode_blob(c, "quote", json_string_value(q),
                          json_string_length(q), TEEATTEST_ENTRY_QUOTE, true,
                          0)) ||
        (rc = set_str(c, TEEATTEST_ENTRY_ROLE, "node")) ||
        (rc = take_text(c, ev, "event_log", TEEATTEST_ENTRY_EVENT_LOG, true)) ||
        (rc = take_text(c, ev, "app_compose", TEEATTEST_ENTRY_APP_COMPOSE,
                        false)) ||
        (rc = take_text(c, ev, "vm_config", TEEATTEST_ENTRY_VM_CONFIG, true)))
        return rc;
    return set_dump(c, TEEATTEST_ENTRY_RAW, root);
}

int ta_report_parse_document(teeattest_report *r, const uint8_t *json,
                             size_t json_len, teeattest_error *err)
{
    json_t *root;
    int rc = ta_json_parse(&root, json, json_len, TEEATTEST_REPORT_MAX, err);
    if (rc)
        return rc;
    pctx c = {.r = r, .err = err, .root = root};
    if (!json_is_object(root)) {
        rc = ta_error(err, TEEATTEST_E_JSON, NULL,
                      "attestation report must be a JSON object");
    } else if (json_object_get(root, "api_version") &&
               json_object_get(root, "attestation")) {
        r->shape = TA_SHAPE_ACI;
        rc = parse_aci(&c, root);
    } else if (json_object_get(root, "format")) {
        r->shape = TA_SHAPE_TINFOIL;
        rc = parse_tinfoil(&c, root);
    } else if (json_object_get(root, "gateway_attestation")) {
        r->shape = TA_SHAPE_TWO_LAYER;
        rc = new_entry(&c, "gateway_attestation", -1);
        if (!rc)
            rc = parse_dstack_entry(&c,
                                    json_object_get(root, "gateway_attestation"),
                                    "gateway");
        /* Without a model the gateway answers for itself only. */
        if (!rc && json_object_get(root, "model_attestations"))
            rc = parse_array(&c, root, "model_attestations", "model");
    } else if (json_is_object(json_object_get(root, "cpu"))) {
        r->shape = TA_SHAPE_IONET;
        rc = parse_ionet(&c, root);
    } else if (json_is_array(json_object_get(root, "evidence"))) {
        r->shape = TA_SHAPE_CHUTES;
        rc = parse_array(&c, root, "evidence", "node"); /* Chutes */
    } else if (json_is_array(json_object_get(root, "all_attestations")) &&
               json_array_size(json_object_get(root, "all_attestations"))) {
        const json_t *type = json_object_get(root, "attestation_type");
        r->shape = json_is_string(type) &&
                           strcmp(json_string_value(type), "chutes") == 0
                       ? TA_SHAPE_CHUTES : TA_SHAPE_DSTACK;
        /* The flat top level repeats the selected node: the array is the
         * whole answer. */
        rc = parse_array(&c, root, "all_attestations", "node");
    } else if (json_is_array(json_object_get(root, "model_attestations"))) {
        rc = parse_array(&c, root, "model_attestations", "model");
    } else {
        rc = new_entry(&c, "", -1);
        if (!rc)
            rc = parse_dstack_entry(&c, root, "node");
    }
    if (!rc) {
        ta_report_consistency_scan(root, r->n_entries, &r->consistency);
        r->consistency_known = true;
    }
    json_decref(root);
    return rc;
}

/* ---- public API -------------------------------------------------------- */

TEEATTEST_API int teeattest_report_parse(teeattest_ctx *ctx,
                                         teeattest_report **out,
                                         const char *dialect,
                                         const uint8_t *json, size_t json_len,
                                         teeattest_error *err)
{
    if (out)
        *out = NULL;
    if (!ctx || !out || !dialect || (!json && json_len))
        return TA_INVALID(err, !ctx ? "ctx is NULL"
                               : !out ? "out is NULL"
                               : !dialect ? "dialect is NULL" : "json is NULL");
    const ta_dialect *d = strcmp(dialect, "auto") == 0
                              ? ta_dialect_find("generic")
                              : ta_dialect_find(dialect);
    if (!d)
        return ta_error(err, TEEATTEST_E_NOT_FOUND, NULL,
                        "unknown dialect \"%.40s\" (see teeattest providers)",
                        dialect);
    teeattest_report *r;
    int rc = ta_report_new(ctx, &r, d, json ? json : (const uint8_t *)"",
                           json_len, err);
    if (rc)
        return rc;
    rc = d->parse_report(r, r->raw, r->raw_len, err);
    if (rc) {
        teeattest_report_free(r);
        return rc;
    }
    *out = r;
    return TEEATTEST_OK;
}

TEEATTEST_API teeattest_report *teeattest_report_ref(teeattest_report *report)
{
    if (report)
        atomic_fetch_add_explicit(&report->refs, 1, memory_order_relaxed);
    return report;
}

TEEATTEST_API void teeattest_report_free(teeattest_report *r)
{
    if (!r || atomic_fetch_sub_explicit(&r->refs, 1, memory_order_acq_rel) != 1)
        return;
    teeattest_ctx *ctx = r->ctx;
    for (size_t i = 0; i < r->n_entries; i++)
        for (int f = 0; f < N_FIELDS; f++)
            ta_free(ctx, r->entries[i].f[f].data);
    ta_free(ctx, r->entries);
    ta_free(ctx, r->raw);
    ta_free(ctx, r->spki);
    ta_free(ctx, r->host);
    ta_free(ctx, r);
    teeattest_ctx_free(ctx);
}

TEEATTEST_API const char *teeattest_report_dialect(
    const teeattest_report *report)
{
    return report ? report->dialect->name : NULL;
}

TEEATTEST_API int teeattest_report_nonce(const teeattest_report *report,
                                         uint8_t *nonce, size_t nonce_size,
                                         teeattest_error *err)
{
    if (!report || !nonce)
        return TA_INVALID(err, !report ? "report is NULL" : "nonce is NULL");
    if (nonce_size < TEEATTEST_NONCE_SIZE)
        return ta_error(err, TEEATTEST_E_BUFFER_TOO_SMALL, "nonce_size",
                        "the nonce is %d bytes; the buffer has %zu",
                        TEEATTEST_NONCE_SIZE, nonce_size);
    if (!report->has_nonce)
        return ta_error(err, TEEATTEST_E_NOT_FOUND, NULL,
                        "no nonce: the report was parsed, not fetched "
                        "(the caller knows which nonce it sent)");
    memcpy(nonce, report->nonce, TEEATTEST_NONCE_SIZE);
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_report_raw(const teeattest_report *report,
                                       const uint8_t **json, size_t *len)
{
    if (!report || !json || !len)
        return TEEATTEST_E_INVALID_ARG;
    *json = report->raw;
    *len = report->raw_len;
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_report_tls_spki(const teeattest_report *report,
                                            const uint8_t **der, size_t *len,
                                            teeattest_error *err)
{
    if (!report || !der || !len)
        return TA_INVALID(err, !report ? "report is NULL"
                                       : "der or len is NULL");
    if (!report->spki_len)
        return ta_error(err, TEEATTEST_E_NOT_FOUND, NULL,
                        "no TLS key recorded with the report");
    *der = report->spki;
    *len = report->spki_len;
    return TEEATTEST_OK;
}

TEEATTEST_API size_t teeattest_report_entry_count(
    const teeattest_report *report)
{
    return report ? report->n_entries : 0;
}

TEEATTEST_API int teeattest_report_entry_get(const teeattest_report *report,
                                             size_t index, int32_t field,
                                             const uint8_t **data,
                                             size_t *len,
                                             teeattest_error *err)
{
    if (!report || !data)
        return TA_INVALID(err, !report ? "report is NULL" : "data is NULL");
    if (index >= report->n_entries)
        return ta_error(err, TEEATTEST_E_INVALID_ARG, "index",
                        "entry %zu: the report has %zu", index,
                        report->n_entries);
    if (field < 1 || field >= N_FIELDS)
        return ta_error(err, TEEATTEST_E_INVALID_ARG, "field",
                        "field %d is not a teeattest_entry_field",
                        (int)field);
    const ta_field *f = &report->entries[index].f[field];
    if (!f->set)
        return ta_error(err, TEEATTEST_E_NOT_FOUND, "field",
                        "entry %zu has no field %d", index, (int)field);
    *data = f->data;
    if (len)
        *len = f->len;
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_report_find_entry(const teeattest_report *report,
                                              size_t *index,
                                              const char *signer,
                                              teeattest_error *err)
{
    if (!report || !index || !signer)
        return TA_INVALID(err, !report ? "report is NULL"
                                       : "index or signer is NULL");
    const char *s = signer;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    for (size_t i = 0; i < report->n_entries; i++) {
        const ta_field *f =
            &report->entries[i].f[TEEATTEST_ENTRY_SIGNING_ADDRESS];
        if (!f->set)
            continue;
        const char *a = (const char *)f->data;
        if (a[0] == '0' && (a[1] == 'x' || a[1] == 'X'))
            a += 2;
        if (strcasecmp(a, s) == 0) {
            *index = i;
            return TEEATTEST_OK;
        }
    }
    return ta_error(err, TEEATTEST_E_NOT_FOUND, "signer",
                    "no entry has the signing address %.80s", signer);
}
