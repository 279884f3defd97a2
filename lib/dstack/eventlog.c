/*
 * dstack event log (spec 5.2): parse the JSON log, recompute the digests
 * of runtime events, replay RTMR0-3; the identity events of RTMR3; the
 * compose hash and MRCONFIGID forms (spec 5.3); image digests pinned in
 * an app_compose document.
 *
 * Everything here reads untrusted bytes. The log itself is unauthenticated:
 * it only means something once its replay equals the RTMRs of a verified
 * quote, which is why runtime digests are recomputed rather than trusted.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "../crypto/crypto.h"
#include "dstack.h"

#define V2_TYPE_TEXT "134217729" /* TA_DSTACK_RUNTIME_EVENT in decimal */

/* A key-provider event is a short JSON object; anything much larger is
 * not one. */
#define KEY_PROVIDER_MAX (64u * 1024u)

/* dstack caps app-compose.json at 128 KiB; the margin keeps the image
 * scan (quadratic in the number of digests only past `max`) cheap. */
#define APP_COMPOSE_MAX (1024u * 1024u)

/* ---- log parsing ---------------------------------------------------------- */

static void event_clear(const teeattest_ctx *ctx, ta_dstack_event *ev)
{
    ta_free(ctx, ev->name);
    ta_free(ctx, ev->payload);
    memset(ev, 0, sizeof *ev);
}

void ta_dstack_log_free(teeattest_ctx *ctx, ta_dstack_log *log)
{
    if (!log)
        return;
    for (size_t i = 0; i < log->n; i++)
        event_clear(ctx, &log->events[i]);
    ta_free(ctx, log->events);
    memset(log, 0, sizeof *log);
}

/* Error in member `member` (NULL: the whole entry) of entry `idx`, with
 * its JSON path as `where`. */
static int entry_error(teeattest_error *err, int code, size_t idx,
                       const char *member, const char *fmt, ...)
    TA_PRINTF(5, 6);

static int entry_error(teeattest_error *err, int code, size_t idx,
                       const char *member, const char *fmt, ...)
{
    char where[64];
    if (member)
        snprintf(where, sizeof where, "event_log[%zu].%s", idx, member);
    else
        snprintf(where, sizeof where, "event_log[%zu]", idx);
    va_list ap;
    va_start(ap, fmt);
    ta_verror(err, code, where, fmt, ap);
    va_end(ap);
    return code;
}

/* A JSON integer in 0..UINT32_MAX. Reals ("3.0", "3e0") are refused: the
 * log is written by serde with integers, and a real would be a different
 * document from the one dstack produced. */
static int get_u32(const json_t *obj, const char *key, size_t idx, bool required,
                   uint32_t *out, bool *present, teeattest_error *err)
{
    const json_t *v = json_object_get(obj, key);
    if (present)
        *present = v != NULL;
    if (!v) {
        if (!required)
            return TEEATTEST_OK;
        return entry_error(err, TEEATTEST_E_JSON, idx, key,
                           "member \"%s\" is missing", key);
    }
    if (!json_is_integer(v))
        return entry_error(err, TEEATTEST_E_JSON, idx, key,
                           "member \"%s\" is not an integer", key);
    json_int_t n = json_integer_value(v);
    if (n < 0 || (uint64_t)n > UINT32_MAX)
        return entry_error(err, TEEATTEST_E_JSON, idx, key,
                           "member \"%s\" is outside 0..4294967295", key);
    *out = (uint32_t)n;
    return TEEATTEST_OK;
}

static int get_str(const json_t *obj, const char *key, size_t idx, bool required,
                   const char **s, size_t *len, teeattest_error *err)
{
    const json_t *v = json_object_get(obj, key);
    *s = NULL;
    *len = 0;
    if (!v) {
        if (!required)
            return TEEATTEST_OK;
        return entry_error(err, TEEATTEST_E_JSON, idx, key,
                           "member \"%s\" is missing", key);
    }
    if (!json_is_string(v))
        return entry_error(err, TEEATTEST_E_JSON, idx, key,
                           "member \"%s\" is not a string", key);
    *s = json_string_value(v);
    *len = json_string_length(v);
    return TEEATTEST_OK;
}

/* Decode variable-length hex into a fresh buffer (never NULL on success,
 * so that an empty payload and an absent one look the same). */
static int decode_hex_alloc(const teeattest_ctx *ctx, const char *hex,
                            size_t len, uint8_t **out, size_t *out_len,
                            size_t idx, const char *member, teeattest_error *err)
{
    *out = NULL;
    *out_len = 0;
    if (!ta_is_hex(hex, len))
        return entry_error(err, TEEATTEST_E_HEX, idx, member,
                           "member \"%s\" is not hexadecimal", member);
    if (len % 2)
        return entry_error(err, TEEATTEST_E_LENGTH, idx, member,
                           "member \"%s\" has an odd number of hex digits",
                           member);
    uint8_t *buf = ta_malloc(ctx, len / 2 + 1);
    if (!buf)
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "allocating event bytes");
    int64_t n = ta_hex_decode(buf, len / 2, hex, len);
    if (n < 0) {
        ta_free(ctx, buf);
        return entry_error(err, (int)n, idx, member,
                           "member \"%s\" does not decode", member);
    }
    *out = buf;
    *out_len = (size_t)n;
    return TEEATTEST_OK;
}

/* The canonical v2 preimage of a runtime event. */
static int v2_preimage(const teeattest_ctx *ctx, ta_buf *b,
                       const ta_dstack_event *ev)
{
    ta_buf_init(b, ctx, 0);
    int rc = ta_buf_append_str(b, "{\"name\":");
    if (!rc)
        rc = ta_json_put_string(b, ev->name, strlen(ev->name), 0);
    if (!rc)
        rc = ta_buf_append_str(b, ",\"payload\":\"");
    for (size_t i = 0; !rc && i < ev->payload_len; i++) {
        char hex[3];
        ta_hex_encode(hex, &ev->payload[i], 1);
        rc = ta_buf_append(b, hex, 2);
    }
    if (!rc)
        rc = ta_buf_append_str(b, "\",\"type\":" V2_TYPE_TEXT "}");
    return rc;
}

/* v1: SHA-384(le32(type) ":" name ":" payload). */
static int runtime_digest_v1(const teeattest_ctx *ctx, ta_dstack_event *ev,
                             uint8_t out[48])
{
    size_t name_len = strlen(ev->name);
    ta_buf b;
    ta_buf_init(&b, ctx, 0);
    const uint8_t type_le[4] = {
        (uint8_t)ev->type, (uint8_t)(ev->type >> 8),
        (uint8_t)(ev->type >> 16), (uint8_t)(ev->type >> 24),
    };
    int rc = ta_buf_append(&b, type_le, 4);
    if (!rc)
        rc = ta_buf_append(&b, ":", 1);
    if (!rc)
        rc = ta_buf_append(&b, ev->name, name_len);
    if (!rc)
        rc = ta_buf_append(&b, ":", 1);
    if (!rc)
        rc = ta_buf_append(&b, ev->payload, ev->payload_len);
    if (!rc)
        rc = ta_hash(ctx, TEEATTEST_HASH_SHA384, out, 48, b.data, b.len);
    ta_buf_free(&b);
    return rc;
}

static int runtime_digest(const teeattest_ctx *ctx, ta_dstack_event *ev,
                          const json_t *obj, size_t idx, uint8_t out[48],
                          teeattest_error *err)
{
    if (ev->version == 1) {
        int rc = runtime_digest_v1(ctx, ev, out);
        return rc ? ta_error(err, rc, NULL, "hashing runtime event %zu", idx)
                  : TEEATTEST_OK;
    }
    const char *hex;
    size_t hex_len;
    int rc = get_str(obj, "preimage", idx, false, &hex, &hex_len, err);
    if (rc)
        return rc;
    if (!hex)
        return entry_error(err, TEEATTEST_E_PARSE, idx, "preimage",
                           "a version 2 runtime event needs its preimage");
    uint8_t *given;
    size_t given_len;
    if ((rc = decode_hex_alloc(ctx, hex, hex_len, &given, &given_len, idx,
                               "preimage", err)))
        return rc;
    ta_buf canon;
    rc = v2_preimage(ctx, &canon, ev);
    if (rc) {
        rc = ta_error(err, rc, NULL, "building the preimage of event %zu", idx);
    } else if (given_len != canon.len ||
               !ta_ct_equal(given, canon.data, canon.len)) {
        /* The digest is taken over our canonical text, so a differing
         * preimage cannot change the replay; it is refused anyway because
         * it says the log was not written by dstack. */
        rc = entry_error(err, TEEATTEST_E_PARSE, idx, "preimage",
                         "preimage is not the RFC 8785 form of the event");
    } else {
        rc = ta_hash(ctx, TEEATTEST_HASH_SHA384, out, 48, canon.data,
                     canon.len);
        if (rc)
            rc = ta_error(err, rc, NULL, "hashing runtime event %zu", idx);
    }
    ta_free(ctx, given);
    ta_buf_free(&canon);
    return rc;
}

static int parse_entry(const teeattest_ctx *ctx, const json_t *obj, size_t idx,
                       ta_dstack_event *ev, teeattest_error *err)
{
    if (!json_is_object(obj))
        return entry_error(err, TEEATTEST_E_JSON, idx, NULL,
                           "entry is not an object");
    int rc;
    bool has_version;
    if ((rc = get_u32(obj, "imr", idx, true, &ev->imr, NULL, err)) ||
        (rc = get_u32(obj, "event_type", idx, true, &ev->type, NULL, err)) ||
        (rc = get_u32(obj, "version", idx, false, &ev->version, &has_version,
                      err)))
        return rc;
    if (!has_version)
        ev->version = 1;
    if (ev->imr >= TA_DSTACK_RTMRS)
        return entry_error(err, TEEATTEST_E_PARSE, idx, "imr",
                           "imr is not 0..3 (RTMR0..RTMR3)");
    if (ev->version != 1 && ev->version != 2)
        return entry_error(err, TEEATTEST_E_PARSE, idx, "version",
                           "unsupported event version (1 or 2)");

    const char *name, *payload, *digest;
    size_t name_len, payload_len, digest_len;
    if ((rc = get_str(obj, "event", idx, true, &name, &name_len, err)) ||
        (rc = get_str(obj, "event_payload", idx, true, &payload, &payload_len,
                      err)) ||
        (rc = get_str(obj, "digest", idx, true, &digest, &digest_len, err)))
        return rc;

    /* jansson refuses \u0000 in strings, so the name has no inner NUL. */
    ev->name = ta_strndup(ctx, name, name_len);
    if (!ev->name)
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "allocating event name");
    if ((rc = decode_hex_alloc(ctx, payload, payload_len, &ev->payload,
                               &ev->payload_len, idx, "event_payload", err)))
        return rc;

    uint8_t supplied[48];
    ev->digest_supplied = digest_len > 0;
    if (ev->digest_supplied) {
        rc = ta_hex_decode_exact(supplied, sizeof supplied, digest, digest_len,
                                 false);
        if (rc)
            return entry_error(err, rc, idx, "digest", "digest is not %s",
                               rc == TEEATTEST_E_HEX ? "hexadecimal"
                                                     : "48 bytes of hex");
    }

    if (ev->type != TA_DSTACK_RUNTIME_EVENT) {
        /* Boot events are measured by firmware; their payload is often
         * stripped, so the supplied digest is all there is. */
        if (!ev->digest_supplied)
            return entry_error(err, TEEATTEST_E_LENGTH, idx, "digest",
                               "a boot event needs its 48-byte digest");
        memcpy(ev->digest, supplied, 48);
        return TEEATTEST_OK;
    }

    if (ev->imr != 3)
        return entry_error(err, TEEATTEST_E_PARSE, idx, "imr",
                           "runtime event (type 0x08000001) not on imr 3");
    if ((rc = runtime_digest(ctx, ev, obj, idx, ev->digest, err)))
        return rc;
    ev->recomputed = true;
    if (ev->digest_supplied && !ta_ct_equal(supplied, ev->digest, 48))
        return entry_error(err, TEEATTEST_E_VERIFY_FAILED, idx, "digest",
                           "supplied digest differs from the recomputed one "
                           "of event \"%s\"", ev->name);
    return TEEATTEST_OK;
}

static int replay(const teeattest_ctx *ctx, ta_dstack_log *log,
                  teeattest_error *err)
{
    memset(log->rtmr, 0, sizeof log->rtmr);
    for (size_t i = 0; i < log->n; i++) {
        const ta_dstack_event *ev = &log->events[i];
        uint8_t *r = log->rtmr[ev->imr];
        uint8_t cat[96];
        memcpy(cat, r, 48);
        memcpy(cat + 48, ev->digest, 48);
        int rc = ta_hash(ctx, TEEATTEST_HASH_SHA384, r, 48, cat, sizeof cat);
        if (rc)
            return ta_error(err, rc, NULL, "replaying event %zu", i);
        if (ev->type == TA_DSTACK_RUNTIME_EVENT) {
            log->n_runtime++;
            if (!ev->digest_supplied)
                log->n_stripped++;
        }
    }
    return TEEATTEST_OK;
}

int ta_dstack_log_parse(teeattest_ctx *ctx, const uint8_t *json, size_t len,
                        ta_dstack_log *out, teeattest_error *err)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!ctx || !out || (!json && len))
        return TA_INVALID(err, !ctx ? "ctx is NULL" : !out ? "out is NULL"
                                                         : "json is NULL");
    if (len > TA_DSTACK_LOG_MAX)
        return ta_error(err, TEEATTEST_E_TOO_LARGE, "event_log",
                        "event log of %zu bytes exceeds the %u-byte limit", len,
                        TA_DSTACK_LOG_MAX);
    /* ta_json_parse() accepts only an object or array at the top; the
     * string form needs JSON_DECODE_ANY. Duplicates are refused as there. */
    json_error_t jerr;
    json_t *root = json_loadb(json ? (const char *)json : "", len,
                              JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        char where[48];
        snprintf(where, sizeof where, "line %d column %d", jerr.line,
                 jerr.column);
        return ta_error(err, TEEATTEST_E_JSON, where, "invalid JSON: %s",
                        jerr.text);
    }
    int rc = TEEATTEST_OK;
    if (json_is_string(root)) {
        /* The string form (phproxy, NanoGPT top level, cloud-api gateway):
         * its content is the array. Only one level of wrapping exists. */
        json_t *inner = NULL;
        rc = ta_json_parse(&inner, (const uint8_t *)json_string_value(root),
                           json_string_length(root), TA_DSTACK_LOG_MAX, err);
        json_decref(root);
        if (rc)
            return rc;
        root = inner;
    }
    if (!json_is_array(root)) {
        json_decref(root);
        return ta_error(err, TEEATTEST_E_JSON, "event_log",
                        "event log is not a JSON array");
    }
    size_t n = json_array_size(root);
    if (n > TA_DSTACK_EVENTS_MAX) {
        json_decref(root);
        return ta_error(err, TEEATTEST_E_TOO_LARGE, "event_log",
                        "event log has %zu entries, more than %u", n,
                        TA_DSTACK_EVENTS_MAX);
    }
    out->events = ta_calloc(ctx, n ? n : 1, sizeof *out->events);
    if (!out->events) {
        json_decref(root);
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "allocating %zu events",
                        n);
    }
    for (size_t i = 0; i < n && rc == TEEATTEST_OK; i++) {
        /* Counted before parsing so a half-filled entry is freed too. */
        out->n = i + 1;
        rc = parse_entry(ctx, json_array_get(root, i), i, &out->events[i], err);
    }
    json_decref(root);
    if (!rc)
        rc = replay(ctx, out, err);
    if (rc)
        ta_dstack_log_free(ctx, out);
    return rc;
}

/* ---- identity events -------------------------------------------------------- */

/* The events dstack-util extends between compose-hash and boot-mr-done
 * since 2026 (system_setup.rs): init-script-hash per script, then
 * gpu-policy-hash and, when it attested GPUs, gpu-attestation. */
static int boot_event(const ta_dstack_event *ev, size_t i,
                      ta_dstack_identity *id, teeattest_error *err)
{
    char where[64];
    snprintf(where, sizeof where, "event_log[%zu]", i);
    bool policy = strcmp(ev->name, "gpu-policy-hash") == 0;
    bool script = strcmp(ev->name, "init-script-hash") == 0;
    if (strcmp(ev->name, "gpu-attestation") == 0) {
        if (id->gpu_attestation_len)
            return ta_error(err, TEEATTEST_E_PARSE, where,
                            "second \"gpu-attestation\" event before "
                            "boot-mr-done");
        if (ev->payload_len == 0)
            return ta_error(err, TEEATTEST_E_LENGTH, where,
                            "\"gpu-attestation\" payload is empty");
        id->gpu_attestation = ev->payload;
        id->gpu_attestation_len = ev->payload_len;
        return TEEATTEST_OK;
    }
    if (!policy && !script)
        return TEEATTEST_OK;
    if (ev->payload_len != 32)
        return ta_error(err, TEEATTEST_E_LENGTH, where,
                        "\"%s\" payload is %zu bytes, not 32", ev->name,
                        ev->payload_len);
    if (policy) {
        if (id->has_gpu_policy_hash)
            return ta_error(err, TEEATTEST_E_PARSE, where,
                            "second \"gpu-policy-hash\" event before "
                            "boot-mr-done");
        memcpy(id->gpu_policy_hash, ev->payload, 32);
        id->has_gpu_policy_hash = true;
        return TEEATTEST_OK;
    }
    if (id->n_init_scripts == TA_DSTACK_INIT_SCRIPTS_MAX)
        return ta_error(err, TEEATTEST_E_PARSE, where,
                        "more than %u \"init-script-hash\" events (dstack "
                        "allows %u init scripts)", TA_DSTACK_INIT_SCRIPTS_MAX,
                        TA_DSTACK_INIT_SCRIPTS_MAX);
    memcpy(id->init_script_hashes[id->n_init_scripts++], ev->payload, 32);
    return TEEATTEST_OK;
}

int ta_dstack_log_identity(const ta_dstack_log *log, ta_dstack_identity *id,
                           teeattest_error *err)
{
    if (id)
        memset(id, 0, sizeof *id);
    if (!log || !id)
        return TA_INVALID(err, !log ? "log is NULL" : "id is NULL");

    /* dstack extends an empty instance-id when app_compose sets
     * no_instance_id (dstack-util setup_rootfs): that is "no instance id",
     * not a malformed one. */
    struct {
        const char *name;
        size_t len; /* required payload length */
        uint8_t *dst; /* NULL: key-provider, kept as a pointer */
        bool *has;
        bool empty_is_absent;
        bool seen;
    } fields[] = {
        {"app-id", 20, id->app_id, &id->has_app_id, false, false},
        {"compose-hash", 32, id->compose_hash, &id->has_compose_hash, false,
         false},
        {"instance-id", 20, id->instance_id, &id->has_instance_id, true, false},
        {"os-image-hash", 32, id->os_image_hash, &id->has_os_image_hash, false,
         false},
        {"key-provider", 0, NULL, NULL, false, false},
    };

    int rc = TEEATTEST_OK;
    for (size_t i = 0; i < log->n && rc == TEEATTEST_OK; i++) {
        const ta_dstack_event *ev = &log->events[i];
        /* Only what the replay covers as a runtime event counts: a boot
         * event may carry any name, and its payload is not measured. */
        if (ev->imr != 3 || ev->type != TA_DSTACK_RUNTIME_EVENT ||
            !ev->recomputed)
            continue;
        if (strcmp(ev->name, "boot-mr-done") == 0) {
            id->boot_mr_done = true;
            continue;
        }
        if (!id->boot_mr_done) {
            rc = boot_event(ev, i, id, err);
            if (rc)
                break;
        }
        for (size_t f = 0; f < TA_ARRAY_LEN(fields); f++) {
            if (strcmp(ev->name, fields[f].name) != 0)
                continue;
            if (fields[f].seen) {
                /* Before boot-mr-done only dstack itself extends RTMR3;
                 * a second value there would make "the" identity
                 * ambiguous. After it the app may extend anything. */
                if (!id->boot_mr_done) {
                    char where[64];
                    snprintf(where, sizeof where, "event_log[%zu]", i);
                    rc = ta_error(err, TEEATTEST_E_PARSE, where,
                                  "second \"%s\" event before boot-mr-done",
                                  ev->name);
                }
                break;
            }
            fields[f].seen = true;
            if (!fields[f].dst) {
                id->key_provider = ev->payload;
                id->key_provider_len = ev->payload_len;
                break;
            }
            if (ev->payload_len == 0 && fields[f].empty_is_absent)
                break;
            if (ev->payload_len != fields[f].len) {
                char where[64];
                snprintf(where, sizeof where, "event_log[%zu].event_payload",
                         i);
                rc = ta_error(err, TEEATTEST_E_LENGTH, where,
                              "\"%s\" payload is %zu bytes, not %zu",
                              ev->name, ev->payload_len, fields[f].len);
                break;
            }
            memcpy(fields[f].dst, ev->payload, fields[f].len);
            *fields[f].has = true;
            break;
        }
    }
    if (rc)
        memset(id, 0, sizeof *id);
    return rc;
}

/* ---- compose hash and mr_config_id ---------------------------------------- */

int ta_dstack_compose_hash(const teeattest_ctx *ctx, uint8_t out[32],
                           const uint8_t *app_compose, size_t len)
{
    if (!ctx || !out || (!app_compose && len))
        return TEEATTEST_E_INVALID_ARG;
    return ta_sha256(ctx, out, app_compose ? app_compose : (const uint8_t *)"",
                     len);
}

static bool all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

ta_mr_config_version ta_dstack_mr_config_version(const uint8_t mr[48])
{
    if (!mr)
        return TA_MR_CONFIG_UNKNOWN;
    if (all_zero(mr, 48))
        return TA_MR_CONFIG_ZERO;
    if (mr[0] < 1 || mr[0] > 3 || !all_zero(mr + 33, 15))
        return TA_MR_CONFIG_UNKNOWN;
    return (ta_mr_config_version)mr[0];
}

/* kp_type of dstack's KeyProviderKind for the "name" of a key-provider
 * event. dstack-util names the local provider "local-sgx". */
static int kp_type_of(const char *name, uint8_t *out)
{
    static const struct {
        const char *name;
        uint8_t type;
    } kinds[] = {
        {"none", 0}, {"local", 1}, {"local-sgx", 1}, {"kms", 2}, {"tpm", 3},
    };
    for (size_t i = 0; i < TA_ARRAY_LEN(kinds); i++)
        if (strcmp(name, kinds[i].name) == 0) {
            *out = kinds[i].type;
            return TEEATTEST_OK;
        }
    return TEEATTEST_E_PARSE;
}

/* 02 || keccak256(compose_hash || app_id || kp_type || kp_id) || 00*15. */
static int mr_config_v2(const teeattest_ctx *ctx, uint8_t expect[48],
                        const uint8_t compose_hash[32],
                        const ta_dstack_identity *id, teeattest_error *err)
{
    if (!id || !id->has_app_id)
        return ta_error(err, TEEATTEST_E_PARSE, "mr_config_id",
                        "mr_config_id v2 needs the app-id event");
    if (id->key_provider_len == 0)
        return ta_error(err, TEEATTEST_E_PARSE, "mr_config_id",
                        "mr_config_id v2 needs the key-provider event");
    json_t *kp = NULL;
    int rc = ta_json_parse(&kp, id->key_provider, id->key_provider_len,
                           KEY_PROVIDER_MAX, NULL);
    const char *name = json_string_value(json_object_get(kp, "name"));
    const json_t *idv = json_object_get(kp, "id");
    uint8_t kp_type = 0;
    if (rc || !name || !json_is_string(idv) || kp_type_of(name, &kp_type)) {
        json_decref(kp);
        return ta_error(err, TEEATTEST_E_PARSE, "key-provider",
                        "key-provider event is not {\"name\":<known kind>,"
                        "\"id\":<hex>}");
    }
    const char *hex = json_string_value(idv);
    size_t hex_len = json_string_length(idv);
    ta_buf b;
    ta_buf_init(&b, ctx, 0);
    uint8_t *id_bytes = ta_malloc(ctx, hex_len / 2 + 1);
    int64_t n = id_bytes ? ta_hex_decode(id_bytes, hex_len / 2, hex, hex_len)
                         : TEEATTEST_E_NOMEM;
    json_decref(kp);
    if (n < 0) {
        rc = n == TEEATTEST_E_NOMEM
                 ? ta_error(err, TEEATTEST_E_NOMEM, NULL, "allocating")
                 : ta_error(err, TEEATTEST_E_PARSE, "key-provider.id",
                            "key provider id is not hex");
    } else if ((rc = ta_buf_append(&b, compose_hash, 32)) ||
               (rc = ta_buf_append(&b, id->app_id, 20)) ||
               (rc = ta_buf_append(&b, &kp_type, 1)) ||
               (rc = ta_buf_append(&b, id_bytes, (size_t)n))) {
        rc = ta_error(err, rc, NULL, "building the mr_config_id v2 input");
    } else {
        memset(expect, 0, 48);
        expect[0] = 2;
        rc = ta_keccak256(ctx, expect + 1, b.data, b.len);
        if (rc)
            rc = ta_error(err, rc, NULL, "keccak-256 of the mr_config input");
    }
    ta_free(ctx, id_bytes);
    ta_buf_free(&b);
    return rc;
}

int ta_dstack_mr_config_check(const teeattest_ctx *ctx, const uint8_t mr[48],
                              const uint8_t compose_hash[32],
                              const ta_dstack_identity *id,
                              ta_mr_config_version *version,
                              teeattest_error *err)
{
    if (version)
        *version = TA_MR_CONFIG_UNKNOWN;
    if (!ctx || !mr || !compose_hash)
        return TA_INVALID(err, !ctx ? "ctx is NULL" : !mr ? "mr is NULL"
                                                        : "compose_hash is NULL");
    ta_mr_config_version v = ta_dstack_mr_config_version(mr);
    if (version)
        *version = v;
    uint8_t expect[48];
    int rc;
    switch (v) {
    case TA_MR_CONFIG_ZERO:
        return ta_error(err, TEEATTEST_E_UNSUPPORTED, "mr_config_id",
                        "mr_config_id is all zero: not configured");
    case TA_MR_CONFIG_V3:
        return ta_error(err, TEEATTEST_E_UNSUPPORTED, "mr_config_id",
                        "mr_config_id v3 needs the mr_config document");
    case TA_MR_CONFIG_V1:
        memset(expect, 0, sizeof expect);
        expect[0] = 1;
        memcpy(expect + 1, compose_hash, 32);
        break;
    case TA_MR_CONFIG_V2:
        if ((rc = mr_config_v2(ctx, expect, compose_hash, id, err)))
            return rc;
        break;
    default:
        return ta_error(err, TEEATTEST_E_PARSE, "mr_config_id",
                        "mr_config_id has an unknown form (first byte 0x%02x)",
                        mr[0]);
    }
    if (!ta_ct_equal(expect, mr, 48))
        return ta_error(err, TEEATTEST_E_VERIFY_FAILED, "mr_config_id",
                        "mr_config_id v%d does not match the compose hash%s",
                        (int)v, v == TA_MR_CONFIG_V2 ? ", app id and key provider"
                                                     : "");
    return TEEATTEST_OK;
}

/* ---- mr_config_id v3 -------------------------------------------------------- */

#define V3_DOMAIN "dstack-mr-config-v3:"
#define GPU_EVENT_MAX 4096u

/* What the host puts in a v3 document, from the verified app_compose
 * (dstack-types AppCompose: key_provider(), key_provider_id,
 * manifest_version_u32(), init_script). */
typedef struct v3_compose {
    const char *kp;      /* "none", "kms", "local", "tpm" */
    char *kp_id_hex;     /* lower-case hex, NULL when empty; owned */
    size_t n_scripts;
    uint8_t scripts[TA_DSTACK_INIT_SCRIPTS_MAX][32];
    bool bind_scripts;   /* manifest_version >= 3 */
} v3_compose;

static int bad_member(teeattest_error *err, const char *member,
                      const char *what)
{
    return ta_error(err, TEEATTEST_E_PARSE, member, "app_compose.%s %s",
                    member, what);
}

/* manifest_version: a string of decimal digits, or a legacy integer. */
static uint64_t manifest_version(const json_t *v)
{
    if (json_is_integer(v))
        return json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
    const char *s = json_string_value(v);
    if (!s || !*s || json_string_length(v) > 9)
        return 0;
    uint64_t n = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        n = n * 10 + (uint64_t)(*p - '0');
    }
    return n;
}

static int v3_read_compose(const teeattest_ctx *ctx, const json_t *doc,
                           v3_compose *c, teeattest_error *err)
{
    memset(c, 0, sizeof *c);
    const json_t *kp = json_object_get(doc, "key_provider");
    static const char *const kinds[] = {"none", "kms", "local", "tpm"};
    if (kp && !json_is_null(kp)) {
        for (size_t k = 0; k < TA_ARRAY_LEN(kinds) && json_is_string(kp); k++)
            if (strcmp(json_string_value(kp), kinds[k]) == 0)
                c->kp = kinds[k];
        if (!c->kp)
            return bad_member(err, "key_provider",
                              "is not none, kms, local or tpm");
    } else if (json_is_true(json_object_get(doc, "kms_enabled"))) {
        c->kp = "kms";
    } else if (json_is_true(json_object_get(doc, "local_key_provider_enabled"))) {
        c->kp = "local";
    } else {
        c->kp = "none";
    }
    const json_t *kid = json_object_get(doc, "key_provider_id");
    if (kid && !json_is_string(kid))
        return bad_member(err, "key_provider_id", "is not a hex string");
    size_t klen = kid ? json_string_length(kid) : 0;
    if (klen) {
        const char *h = json_string_value(kid);
        if (klen >= 2 && h[0] == '0' && (h[1] == 'x' || h[1] == 'X')) {
            h += 2;
            klen -= 2;
        }
        if (klen % 2 || !ta_is_hex(h, klen))
            return bad_member(err, "key_provider_id", "is not a hex string");
        c->kp_id_hex = ta_strndup(ctx, h, klen);
        if (!c->kp_id_hex)
            return ta_error(err, TEEATTEST_E_NOMEM, NULL, "allocating");
        for (size_t k = 0; k < klen; k++)
            if (c->kp_id_hex[k] >= 'A' && c->kp_id_hex[k] <= 'F')
                c->kp_id_hex[k] = (char)(c->kp_id_hex[k] - 'A' + 'a');
    }
    c->bind_scripts = manifest_version(json_object_get(doc,
                                                       "manifest_version")) >= 3;
    /* init_script: one string, a list of strings, or null/absent. */
    const json_t *is = json_object_get(doc, "init_script");
    size_t n = json_is_array(is) ? json_array_size(is)
               : json_is_string(is) ? 1 : 0;
    if (is && !json_is_null(is) && !json_is_array(is) && !json_is_string(is))
        return bad_member(err, "init_script", "is not a string or a list");
    if (n > TA_DSTACK_INIT_SCRIPTS_MAX)
        return bad_member(err, "init_script", "has more than 5 scripts");
    for (size_t k = 0; k < n; k++) {
        const json_t *s = json_is_array(is) ? json_array_get(is, k) : is;
        if (!json_is_string(s))
            return bad_member(err, "init_script", "holds a non-string");
        int rc = ta_sha256(ctx, c->scripts[k],
                           (const uint8_t *)json_string_value(s),
                           json_string_length(s));
        if (rc)
            return ta_error(err, rc, NULL, "SHA-256 of an init script");
    }
    c->n_scripts = n;
    return TEEATTEST_OK;
}

static int put_hex_member(ta_buf *b, const char *key, const uint8_t *p,
                          size_t n)
{
    char h[2 * 32 + 1];
    ta_hex_encode(h, p, n);
    return ta_buf_printf(b, "\"%s\":\"%s\",", key, h);
}

enum {
    V3_APP_ID = TA_V3_APP_ID,
    V3_GPU = TA_V3_GPU_POLICY_HASH,
    V3_SCRIPTS = TA_V3_INIT_SCRIPT_HASHES,
    V3_INSTANCE = TA_V3_INSTANCE_ID,
    V3_KP_ID = TA_V3_KEY_PROVIDER_ID
};

static int v3_document(ta_buf *b, const ta_dstack_identity *id,
                       const v3_compose *c, unsigned with)
{
    b->len = 0;
    int rc = ta_buf_append_str(b, "{");
    if (!rc && (with & V3_APP_ID))
        rc = put_hex_member(b, "app_id", id->app_id, 20);
    if (!rc)
        rc = put_hex_member(b, "compose_hash", id->compose_hash, 32);
    if (!rc && (with & V3_GPU))
        rc = put_hex_member(b, "gpu_policy_hash", id->gpu_policy_hash, 32);
    if (!rc && (with & V3_SCRIPTS)) {
        rc = ta_buf_append_str(b, "\"init_script_hashes\":[");
        for (size_t k = 0; !rc && k < c->n_scripts; k++) {
            char h[65];
            ta_hex_encode(h, c->scripts[k], 32);
            rc = ta_buf_printf(b, "%s\"%s\"", k ? "," : "", h);
        }
        if (!rc)
            rc = ta_buf_append_str(b, "],");
    }
    if (!rc && (with & V3_INSTANCE))
        rc = put_hex_member(b, "instance_id", id->instance_id, 20);
    if (!rc)
        rc = ta_buf_printf(b, "\"key_provider\":\"%s\",", c->kp);
    if (!rc && (with & V3_KP_ID))
        rc = ta_buf_printf(b, "\"key_provider_id\":\"%s\",", c->kp_id_hex);
    if (!rc)
        rc = ta_buf_append_str(b, "\"version\":3}");
    return rc;
}

/* The app_compose half of the inputs, and the optional members that can
 * be present: each only with its verified value. */
static int v3_inputs(const teeattest_ctx *ctx, const ta_dstack_identity *id,
                     const uint8_t *app_compose, size_t len, v3_compose *c,
                     unsigned *can, teeattest_error *err)
{
    memset(c, 0, sizeof *c);
    json_t *j = NULL;
    int rc = ta_json_parse(&j, app_compose, len, APP_COMPOSE_MAX, err);
    if (rc)
        return rc;
    if (!json_is_object(j))
        rc = ta_error(err, TEEATTEST_E_JSON, "app_compose",
                      "app_compose is not a JSON object");
    else
        rc = v3_read_compose(ctx, j, c, err);
    json_decref(j);
    if (rc) {
        ta_free(ctx, c->kp_id_hex);
        c->kp_id_hex = NULL;
        return rc;
    }
    *can = (id->has_app_id ? V3_APP_ID : 0) |
           (id->has_gpu_policy_hash ? V3_GPU : 0) |
           (c->bind_scripts ? V3_SCRIPTS : 0) |
           (id->has_instance_id ? V3_INSTANCE : 0) |
           (c->kp_id_hex ? V3_KP_ID : 0);
    return TEEATTEST_OK;
}

int ta_dstack_compose_init_scripts(const teeattest_ctx *ctx,
                                   const uint8_t *app_compose, size_t len,
                                   uint8_t out[TA_DSTACK_INIT_SCRIPTS_MAX][32],
                                   size_t *n, teeattest_error *err)
{
    if (n)
        *n = 0;
    if (!ctx || !app_compose || !out || !n)
        return TA_INVALID(err, "ctx, app_compose, out or n is NULL");
    ta_dstack_identity none;
    memset(&none, 0, sizeof none);
    v3_compose c;
    unsigned can = 0;
    int rc = v3_inputs(ctx, &none, app_compose, len, &c, &can, err);
    if (rc)
        return rc;
    memcpy(out, c.scripts, sizeof c.scripts);
    *n = c.n_scripts;
    ta_free(ctx, c.kp_id_hex);
    return TEEATTEST_OK;
}

int ta_dstack_mr_config_v3_document(const teeattest_ctx *ctx,
                                    const ta_dstack_identity *id,
                                    const uint8_t *app_compose, size_t len,
                                    unsigned members, char **doc,
                                    teeattest_error *err)
{
    if (doc)
        *doc = NULL;
    if (!ctx || !id || !app_compose || !doc)
        return TA_INVALID(err, "ctx, id, app_compose or doc is NULL");
    if (!id->has_compose_hash)
        return ta_error(err, TEEATTEST_E_PARSE, "compose-hash",
                        "mr_config v3 needs the compose-hash event");
    v3_compose c;
    unsigned can = 0;
    int rc = v3_inputs(ctx, id, app_compose, len, &c, &can, err);
    if (rc)
        return rc;
    if (members & ~can) {
        ta_free(ctx, c.kp_id_hex);
        return ta_error(err, TEEATTEST_E_PARSE, "mr_config",
                        "a requested member has no verified value");
    }
    ta_buf b;
    ta_buf_init(&b, ctx, 0);
    rc = v3_document(&b, id, &c, members);
    if (!rc)
        rc = ta_buf_terminate(&b);
    if (!rc)
        *doc = (char *)ta_buf_steal(&b, NULL);
    ta_buf_free(&b);
    ta_free(ctx, c.kp_id_hex);
    return rc ? ta_error(err, rc, NULL, "building the mr_config v3 document")
              : TEEATTEST_OK;
}

int ta_dstack_mr_config_v3_id(const teeattest_ctx *ctx, uint8_t out[48],
                              const char *doc, size_t len)
{
    if (!ctx || !out || !doc)
        return TEEATTEST_E_INVALID_ARG;
    size_t n = sizeof V3_DOMAIN; /* the domain and its NUL separator */
    uint8_t *pre = ta_malloc(ctx, n + len);
    if (!pre)
        return TEEATTEST_E_NOMEM;
    memcpy(pre, V3_DOMAIN, n);
    memcpy(pre + n, doc, len);
    memset(out, 0, 48);
    out[0] = 3;
    int rc = ta_sha256(ctx, out + 1, pre, n + len);
    ta_free(ctx, pre);
    return rc;
}

int ta_dstack_mr_config_v3_check(const teeattest_ctx *ctx, const uint8_t mr[48],
                                 const ta_dstack_identity *id,
                                 const uint8_t *app_compose, size_t len,
                                 char **doc, teeattest_error *err)
{
    if (doc)
        *doc = NULL;
    if (!ctx || !mr || !id)
        return TA_INVALID(err, "ctx, mr or id is NULL");
    if (ta_dstack_mr_config_version(mr) != TA_MR_CONFIG_V3)
        return ta_error(err, TEEATTEST_E_UNSUPPORTED, "mr_config_id",
                        "mr_config_id is not v3");
    if (!app_compose)
        return ta_error(err, TEEATTEST_E_UNSUPPORTED, "app_compose",
                        "mr_config_id v3 needs app_compose (key provider, "
                        "init scripts), which the entry does not carry");
    if (!id->has_compose_hash)
        return ta_error(err, TEEATTEST_E_VERIFY_FAILED, "compose-hash",
                        "mr_config_id v3 needs the compose-hash event");
    uint8_t ch[32];
    int rc = ta_sha256(ctx, ch, app_compose, len);
    if (rc)
        return ta_error(err, rc, NULL, "SHA-256 of app_compose");
    if (!ta_ct_equal(ch, id->compose_hash, 32))
        return ta_error(err, TEEATTEST_E_VERIFY_FAILED, "app_compose",
                        "SHA-256(app_compose) is not the compose-hash event");
    v3_compose c;
    unsigned can = 0;
    if ((rc = v3_inputs(ctx, id, app_compose, len, &c, &can, err)))
        return rc;
    ta_buf b;
    ta_buf_init(&b, ctx, 0);
    bool found = false;
    /* Most members first: the VMM includes every value it has. */
    for (unsigned w = 32; !rc && !found && w-- > 0;) {
        if (w & ~can)
            continue;
        uint8_t h[48];
        if ((rc = v3_document(&b, id, &c, w)) ||
            (rc = ta_dstack_mr_config_v3_id(ctx, h, (const char *)b.data,
                                            b.len)))
            break;
        found = ta_ct_equal(h, mr, 48);
    }
    ta_free(ctx, c.kp_id_hex);
    if (!rc && found && doc && (rc = ta_buf_terminate(&b)) == TEEATTEST_OK)
        *doc = (char *)ta_buf_steal(&b, NULL);
    ta_buf_free(&b);
    if (rc)
        return ta_error(err, rc, NULL, "building the mr_config v3 document");
    if (!found)
        return ta_error(err, TEEATTEST_E_VERIFY_FAILED, "mr_config_id",
                        "mr_config_id v3 is not the hash of a canonical "
                        "document of the verified compose hash, key provider "
                        "and RTMR3 values");
    return TEEATTEST_OK;
}

/* ---- gpu-attestation event -------------------------------------------------- */

static int gpu_member(json_t *o, const char *name, json_t **v,
                      teeattest_error *err)
{
    *v = json_object_get(o, name);
    if (!*v)
        return ta_error(err, TEEATTEST_E_FIELD_MISSING, name,
                        "gpu-attestation event has no \"%s\"", name);
    return TEEATTEST_OK;
}

int ta_dstack_gpu_event_parse(const uint8_t *json, size_t len,
                              ta_dstack_gpu_event *out, teeattest_error *err)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!out || (!json && len))
        return TA_INVALID(err, "out or json is NULL");
    if (len > GPU_EVENT_MAX)
        return ta_error(err, TEEATTEST_E_TOO_LARGE, "gpu-attestation",
                        "gpu-attestation payload of %zu bytes exceeds %u", len,
                        GPU_EVENT_MAX);
    json_t *o = NULL;
    int rc = ta_json_parse(&o, json, len, GPU_EVENT_MAX, err);
    if (rc)
        return rc;
    ta_dstack_gpu_event ev;
    memset(&ev, 0, sizeof ev);
    json_t *v = NULL;
    if (!json_is_object(o))
        rc = ta_error(err, TEEATTEST_E_JSON, "gpu-attestation",
                      "gpu-attestation payload is not a JSON object");
    if (!rc && !(rc = gpu_member(o, "version", &v, err))) {
        if (!json_is_integer(v) || json_integer_value(v) != 2)
            rc = ta_error(err, TEEATTEST_E_UNSUPPORTED, "version",
                          "gpu-attestation event version is not 2");
        ev.version = 2;
    }
    if (!rc && !(rc = gpu_member(o, "provider", &v, err))) {
        if (!json_is_string(v) || json_string_length(v) >= sizeof ev.provider)
            rc = ta_error(err, TEEATTEST_E_JSON, "provider",
                          "gpu-attestation provider is not a short string");
        else
            memcpy(ev.provider, json_string_value(v), json_string_length(v));
    }
    if (!rc && !(rc = gpu_member(o, "devices", &v, err))) {
        if (!json_is_integer(v) || json_integer_value(v) < 0 ||
            json_integer_value(v) > 65535)
            rc = ta_error(err, TEEATTEST_E_JSON, "devices",
                          "gpu-attestation devices is not a count");
        else
            ev.devices = (uint32_t)json_integer_value(v);
    }
    if (!rc && !(rc = gpu_member(o, "cc_mode", &v, err))) {
        if (!json_is_string(v) || json_string_length(v) >= sizeof ev.cc_mode)
            rc = ta_error(err, TEEATTEST_E_JSON, "cc_mode",
                          "gpu-attestation cc_mode is not a short string");
        else
            memcpy(ev.cc_mode, json_string_value(v), json_string_length(v));
    }
    if (!rc && !(rc = gpu_member(o, "devtools", &v, err))) {
        if (!json_is_boolean(v))
            rc = ta_error(err, TEEATTEST_E_JSON, "devtools",
                          "gpu-attestation devtools is not a boolean");
        ev.devtools = json_is_true(v);
    }
    if (!rc && !(rc = gpu_member(o, "evidence_sha256", &v, err))) {
        if (!json_is_string(v))
            rc = ta_error(err, TEEATTEST_E_JSON, "evidence_sha256",
                          "gpu-attestation evidence_sha256 is not a string");
        else if ((rc = ta_hex_decode_exact(ev.evidence_sha256, 32,
                                           json_string_value(v),
                                           json_string_length(v), false)))
            rc = ta_error(err, rc, "evidence_sha256",
                          "gpu-attestation evidence_sha256 is not 64 hex");
    }
    json_decref(o);
    if (!rc)
        *out = ev;
    return rc;
}

int ta_dstack_gpu_evidence_check(const teeattest_ctx *ctx,
                                 const ta_dstack_gpu_event *ev,
                                 const uint8_t *evidence, size_t len)
{
    if (!ctx || !ev || (!evidence && len))
        return TEEATTEST_E_INVALID_ARG;
    uint8_t h[32];
    int rc = ta_sha256(ctx, h, evidence ? evidence : (const uint8_t *)"", len);
    if (rc)
        return rc;
    return ta_ct_equal(h, ev->evidence_sha256, 32) ? TEEATTEST_OK
                                                   : TEEATTEST_E_VERIFY_FAILED;
}

int ta_dstack_gpu_attested_devices(const uint8_t *doc, size_t len,
                                   const char *const *serials, size_t n,
                                   size_t *missing, size_t *first_missing,
                                   size_t *claims)
{
    *missing = 0;
    *first_missing = n;
    *claims = 0;
    json_t *root = NULL;
    if (!doc || ta_json_parse(&root, doc, len, len, NULL))
        return TEEATTEST_E_PARSE;
    json_t *list = json_object_get(root, "claims");
    size_t c, with_ueid = 0;
    json_t *cl;
    json_array_foreach(list, c, cl)
        with_ueid += json_is_string(json_object_get(cl, "ueid"));
    if (!with_ueid) {
        json_decref(root);
        return TEEATTEST_E_PARSE;
    }
    *claims = json_array_size(list);
    for (size_t k = 0; k < n; k++) {
        bool found = false;
        json_array_foreach(list, c, cl) {
            const char *u = json_string_value(json_object_get(cl, "ueid"));
            if (u && serials[k] && strcmp(u, serials[k]) == 0)
                found = true;
        }
        if (!found && !(*missing)++)
            *first_missing = k;
    }
    json_decref(root);
    return TEEATTEST_OK;
}

/* ---- image digests ------------------------------------------------------------ */

static bool is_hex_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
           (c >= 'A' && c <= 'F');
}

static const char DIGEST_TAG[] = "@sha256:";
#define DIGEST_TAG_LEN (sizeof DIGEST_TAG - 1)
#define DIGEST_HEX_LEN 64u

/* A pinned digest starts at s[i]: "@sha256:" then exactly 64 hex digits
 * (a 65th would make it something else). */
static bool digest_at(const char *s, size_t len, size_t i)
{
    if (len - i < DIGEST_TAG_LEN + DIGEST_HEX_LEN ||
        memcmp(s + i, DIGEST_TAG, DIGEST_TAG_LEN) != 0)
        return false;
    const char *h = s + i + DIGEST_TAG_LEN;
    for (size_t k = 0; k < DIGEST_HEX_LEN; k++)
        if (!is_hex_char(h[k]))
            return false;
    size_t end = i + DIGEST_TAG_LEN + DIGEST_HEX_LEN;
    return end == len || !is_hex_char(s[end]);
}

/* Whether the digest `d` occurs as a pinned digest in s[0, before). Only
 * needed for digests that did not fit in the caller's array. */
static bool digest_seen_before(const char *s, size_t before, const uint8_t d[32])
{
    for (size_t i = 0; i < before; i++) {
        uint8_t e[32];
        if (s[i] == '@' && digest_at(s, before, i) &&
            ta_hex_decode(e, 32, s + i + DIGEST_TAG_LEN, DIGEST_HEX_LEN) == 32 &&
            memcmp(e, d, 32) == 0)
            return true;
    }
    return false;
}

/* Whether the line s[start, end) is an "image:" key (after indentation,
 * optionally a "- " list marker) that does not pin a digest. */
static bool unpinned_image_line(const char *s, size_t start, size_t end)
{
    size_t i = start;
    while (i < end && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i + 1 < end && s[i] == '-' && s[i + 1] == ' ') {
        i += 2;
        while (i < end && s[i] == ' ')
            i++;
    }
    if (end - i < 6 || memcmp(s + i, "image:", 6) != 0)
        return false;
    for (size_t k = i + 6; k < end; k++)
        if (s[k] == '@' && digest_at(s, end, k))
            return false;
    return true;
}

static void scan_images(const char *s, size_t len, uint8_t (*out)[32],
                        size_t max, size_t *n, size_t *unpinned)
{
    size_t found = 0, lines = 0, line_start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == '\n') {
            if (unpinned_image_line(s, line_start, i))
                lines++;
            line_start = i + 1;
            continue;
        }
        if (s[i] != '@' || !digest_at(s, len, i))
            continue;
        uint8_t d[32];
        (void)ta_hex_decode(d, sizeof d, s + i + DIGEST_TAG_LEN, DIGEST_HEX_LEN);
        size_t stored = found < max ? found : max;
        bool dup = false;
        for (size_t k = 0; k < stored && !dup; k++)
            dup = memcmp(out[k], d, 32) == 0;
        /* Past `max` the earlier digests are not all stored: look again. */
        if (!dup && found > max)
            dup = digest_seen_before(s, i, d);
        if (!dup) {
            if (found < max)
                memcpy(out[found], d, 32);
            found++;
        }
        i += DIGEST_TAG_LEN + DIGEST_HEX_LEN - 1;
    }
    *n = found;
    if (unpinned)
        *unpinned = lines;
}

int ta_dstack_compose_images(const uint8_t *app_compose, size_t len,
                             uint8_t (*out)[32], size_t max, size_t *n,
                             size_t *unpinned, teeattest_error *err)
{
    if (n)
        *n = 0;
    if (unpinned)
        *unpinned = 0;
    if (!n || (!app_compose && len) || (!out && max))
        return TA_INVALID(err, !n ? "n is NULL" : !out ? "out is NULL"
                                                     : "app_compose is NULL");
    json_t *doc = NULL;
    int rc = ta_json_parse(&doc, app_compose ? app_compose : (const uint8_t *)"",
                           len, APP_COMPOSE_MAX, err);
    if (rc)
        return rc;
    if (!json_is_object(doc)) {
        json_decref(doc);
        return ta_error(err, TEEATTEST_E_JSON, "app_compose",
                        "app_compose is not a JSON object");
    }
    const json_t *dcf = json_object_get(doc, "docker_compose_file");
    if (dcf && !json_is_string(dcf)) {
        json_decref(doc);
        return ta_error(err, TEEATTEST_E_JSON, "app_compose.docker_compose_file",
                        "docker_compose_file is not a string");
    }
    if (dcf)
        scan_images(json_string_value(dcf), json_string_length(dcf), out, max,
                    n, unpinned);
    else
        scan_images((const char *)app_compose, len, out, max, n, unpinned);
    json_decref(doc);
    return TEEATTEST_OK;
}
