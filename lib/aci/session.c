/*
 * ACI/1 attested sessions (spec/aci.md 8, 9.2): an immutable record of
 * one verified upstream channel, addressed by SHA-256 of its JCS form.
 * There is no session signature: the receipt that cites the id binds it.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <inttypes.h>
#include <string.h>

#include <jansson.h>

#include "aci.h"
#include "../crypto/crypto.h"

#define PASS TEEATTEST_OUTCOME_PASS
#define FAIL TEEATTEST_OUTCOME_FAIL
#define SKIP TEEATTEST_OUTCOME_SKIP
#define WARN TEEATTEST_OUTCOME_WARN

static const char *const NAMES[] = {
    "aci.session.shape",    "aci.session.api_version",
    "aci.session.id",       "aci.session.evidence",
    "aci.session.channel_binding", "aci.session.claims",
};

static const char *const CLAIMS[] = {
    "tee_attested", "gpu_attested", "tcb_up_to_date", "os_known_good",
    "serving_software_known_good", "model_weights_provenance",
};
static const char *const STATUSES[] = {"asserted", "refuted", "unknown"};
static const char *const SOURCES[] = {"hardware_proven", "verifier_derived",
                                      "provider_asserted",
                                      "operator_asserted"};

static bool in_set(const char *s, const char *const *set, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(s, set[i]) == 0)
            return true;
    return false;
}

static const char *str_of(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

int ta_aci_session_id(const teeattest_ctx *ctx, const json_t *doc,
                      char out[65], teeattest_error *err)
{
    if (!ctx || !doc || !out)
        return TA_INVALID(err, "ta_aci_session_id");
    uint8_t d[32];
    int rc = ta_aci_jcs_sha256(ctx, doc, d, err);
    if (rc)
        return rc;
    ta_hex_encode(out, d, 32);
    return TEEATTEST_OK;
}

/* The spec 8.2 shape; NULL when it holds, else the offending member. */
static const char *shape(const json_t *d)
{
    static const char *const strs[] = {"api_version", "upstream_name",
                                       "verifier_id"};
    for (size_t i = 0; i < TA_ARRAY_LEN(strs); i++)
        if (!json_is_string(json_object_get(d, strs[i])))
            return strs[i];
    const json_t *ep = json_object_get(d, "endpoint");
    if (!ep || (!json_is_string(ep) && !json_is_null(ep)))
        return "endpoint";
    const json_t *a = json_object_get(d, "established_at");
    const json_t *b = json_object_get(d, "expires_at");
    if (!json_is_integer(a))
        return "established_at";
    if (!json_is_integer(b) || json_integer_value(b) <= json_integer_value(a))
        return "expires_at";
    const json_t *id = json_object_get(d, "identity");
    if (id && !json_is_object(id) && !json_is_null(id))
        return "identity";
    const json_t *cb = json_object_get(d, "channel_binding");
    if (!json_is_array(cb) || json_array_size(cb) > TA_ACI_KEYS_MAX)
        return "channel_binding";
    if (!json_is_object(json_object_get(d, "claims")))
        return "claims";
    const json_t *ev = json_object_get(d, "evidence");
    if (!json_is_object(ev) || !str_of(ev, "digest") || !str_of(ev, "data"))
        return "evidence";
    return NULL;
}

/* Decode "data:<type>;base64,<b64>"; false with a reason otherwise. */
static bool decode_uri(const teeattest_ctx *ctx, const char *uri, size_t n,
                       ta_aci_session_info *info, const char **why)
{
    const char *comma = memchr(uri, ',', n);
    if (n < 5 || memcmp(uri, "data:", 5) != 0 || !comma) {
        *why = "evidence.data is not a data URI";
        return false;
    }
    size_t hdr = (size_t)(comma - uri);
    if (hdr < 5 + 7 || memcmp(comma - 7, ";base64", 7) != 0) {
        *why = "evidence.data is not a base64 data URI";
        return false;
    }
    const char *b64 = comma + 1;
    size_t b64_len = n - hdr - 1;
    size_t cap = ta_base64_decoded_max(b64_len);
    info->evidence = ta_malloc(ctx, cap ? cap : 1);
    info->evidence_type = ta_strndup(ctx, uri + 5, hdr - 5 - 7);
    if (!info->evidence || !info->evidence_type) {
        *why = "out of memory";
        return false;
    }
    int64_t got = ta_base64_decode(info->evidence, cap, b64, b64_len, false);
    if (got < 0) {
        *why = "evidence.data is not standard padded base64";
        return false;
    }
    info->evidence_len = (size_t)got;
    return true;
}

static void check_evidence(const teeattest_ctx *ctx, ta_checks *c,
                           const json_t *ev, ta_aci_session_info *info)
{
    const char *dig = str_of(ev, "digest");
    const json_t *data = json_object_get(ev, "data");
    const char *why = NULL;
    if (!ta_aci_is_digest(dig, strlen(dig))) {
        ta_checks_add(c, NAMES[3], FAIL, true,
                      "evidence.digest is not sha256:<64 lowercase hex>");
        return;
    }
    if (!decode_uri(ctx, json_string_value(data), json_string_length(data),
                    info, &why)) {
        ta_checks_add(c, NAMES[3], FAIL, true, "%s", why);
        return;
    }
    uint8_t d[32];
    char got[TA_ACI_DIGEST_SIZE];
    if (ta_sha256(ctx, d, info->evidence ? info->evidence : (uint8_t *)"",
                  info->evidence_len)) {
        ta_checks_add(c, NAMES[3], FAIL, true, "SHA-256 failed");
        return;
    }
    ta_aci_digest_str(got, d);
    info->evidence_ok = strcmp(got, dig) == 0;
    ta_checks_add(c, NAMES[3], info->evidence_ok ? PASS : FAIL, true,
                  info->evidence_ok
                      ? "%zu bytes of %.64s hash to evidence.digest"
                      : "%zu bytes of %.64s hash to %s, not evidence.digest",
                  info->evidence_len, info->evidence_type, got);
}

/* An enforceable binding of spec 8.2: one of the defined shapes. */
static bool binding_ok(const json_t *b)
{
    const char *type = str_of(b, "type");
    if (!type)
        return false;
    if (strcmp(type, "tls_spki_sha256") == 0) {
        const char *s = str_of(b, "spki_sha256");
        return str_of(b, "origin") && s && strlen(s) == 64 &&
               ta_aci_is_lower_hex(s, 64);
    }
    if (strcmp(type, "e2ee_public_key_sha256") == 0) {
        const char *s = str_of(b, "public_key_sha256");
        return str_of(b, "algorithm") && s && strlen(s) == 64 &&
               ta_aci_is_lower_hex(s, 64);
    }
    return false;
}

static void check_bindings(ta_checks *c, const json_t *cb)
{
    size_t i, good = 0;
    json_t *b;
    json_array_foreach(cb, i, b) {
        if (!json_is_object(b)) {
            ta_checks_add(c, NAMES[4], FAIL, true,
                          "channel_binding[%zu] is not an object", i);
            return;
        }
        good += binding_ok(b);
    }
    if (!good)
        ta_checks_add(c, NAMES[4], FAIL, true,
                      "no enforceable channel binding (of %zu; unknown types "
                      "are not enforceable)", json_array_size(cb));
    else
        ta_checks_add(c, NAMES[4], PASS, true,
                      "%zu enforceable binding(s), %zu not enforceable", good,
                      json_array_size(cb) - good);
}

static void check_claims(ta_checks *c, const json_t *claims)
{
    teeattest_result *r = c->r;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)claims, key, v) {
        if (strcmp(key, "extra") == 0)
            continue;
        bool known = in_set(key, CLAIMS, TA_ARRAY_LEN(CLAIMS));
        if (!json_is_object(v)) {
            ta_checks_add(c, NAMES[5], FAIL, true,
                          "claim \"%.64s\" is not an object", key);
            return;
        }
        const char *st = str_of(v, "status");
        const char *src = str_of(v, "source");
        /* Unknown statuses and sources: the claim is unknown (App. B). */
        bool st_known = in_set(st, STATUSES, 3);
        bool plain = st_known &&
                     (strcmp(st, "unknown") == 0 ||
                      in_set(src, SOURCES, TA_ARRAY_LEN(SOURCES)));
        if (st_known && strcmp(st, "unknown") != 0 && !src) {
            ta_checks_add(c, NAMES[5], FAIL, true,
                          "claim \"%.64s\" is %s without a source", key, st);
            return;
        }
        if (!r || !known)
            continue;
        char k[96];
        snprintf(k, sizeof k, "aci.session.claim.%s", key);
        ta_result_fact_unbound_str(r, k, plain ? st : "unknown");
        if (plain && strcmp(st, "unknown") != 0) {
            snprintf(k, sizeof k, "aci.session.claim.%s.source", key);
            ta_result_fact_unbound_str(r, k, src);
        }
    }
    const json_t *extra = json_object_get(claims, "extra");
    if (extra && !json_is_object(extra)) {
        ta_checks_add(c, NAMES[5], FAIL, true, "claims.extra is not an object");
        return;
    }
    size_t n = 0;
    json_object_foreach((json_t *)extra, key, v) {
        if (!r || n++ >= TA_ACI_EXTRA_MAX || strlen(key) > 48)
            continue;
        char k[96];
        snprintf(k, sizeof k, "aci.session.extra.%s", key);
        if (json_is_string(v))
            ta_result_fact_unbound_str(r, k, json_string_value(v));
    }
    ta_checks_add(c, NAMES[5], PASS, true,
                  "typed claims well formed (the service's statements: a "
                  "deep audit verifies the evidence)");
}

static void facts(teeattest_result *r, const json_t *d,
                  const ta_aci_session_info *info)
{
    if (!r)
        return;
    ta_result_fact_str(r, "aci.session.id", info->id);
    ta_result_fact_str(r, "aci.session.upstream_name",
                       str_of(d, "upstream_name"));
    if (str_of(d, "endpoint"))
        ta_result_fact_str(r, "aci.session.endpoint", str_of(d, "endpoint"));
    ta_result_fact_str(r, "aci.session.verifier_id", str_of(d, "verifier_id"));
    ta_result_fact_int(r, "aci.session.established_at", info->established_at);
    ta_result_fact_int(r, "aci.session.expires_at", info->expires_at);
    if (info->evidence_type)
        ta_result_fact_str(r, "aci.session.evidence_type",
                           info->evidence_type);
}

int ta_aci_session_verify(const teeattest_ctx *ctx, ta_checks *c,
                          const uint8_t *doc, size_t len,
                          const char *expected_id, ta_aci_session_info *info,
                          teeattest_error *err)
{
    if (!ctx || !c || (!doc && len))
        return TA_INVALID(err, "ta_aci_session_verify");
    ta_aci_session_info scratch;
    bool own = !info;
    if (own)
        info = &scratch;
    memset(info, 0, sizeof *info);
    json_t *d = NULL;
    int rc = ta_json_parse(&d, doc, len, TA_ACI_SESSION_MAX, err);
    if (rc)
        return rc;
    if (!json_is_object(d)) {
        json_decref(d);
        return ta_error(err, TEEATTEST_E_JSON, "aci session",
                        "the session is not a JSON object");
    }
    rc = ta_aci_session_id(ctx, d, info->id, err);
    if (rc) {
        json_decref(d);
        return rc;
    }
    const char *bad = shape(d);
    if (bad) {
        ta_checks_add(c, NAMES[0], FAIL, true,
                      "member \"%s\" is missing or malformed (spec 8.2)", bad);
        for (size_t i = 1; i < TA_ARRAY_LEN(NAMES); i++)
            ta_checks_add(c, NAMES[i], SKIP, true, "the session is malformed");
        json_decref(d);
        if (own)
            ta_aci_session_info_free(ctx, info);
        return TEEATTEST_OK;
    }
    ta_checks_add(c, NAMES[0], PASS, true, "spec 8.2 members present");
    info->established_at =
        json_integer_value(json_object_get(d, "established_at"));
    info->expires_at = json_integer_value(json_object_get(d, "expires_at"));

    const char *ver = str_of(d, "api_version");
    bool v_ok = strcmp(ver, TA_ACI_VERSION) == 0;
    ta_checks_add(c, NAMES[1], v_ok ? PASS : FAIL, true,
                  v_ok ? "%s" : "api_version \"%.32s\" is not \"aci/1\"", ver);

    if (!expected_id)
        ta_checks_add(c, NAMES[2], SKIP, false,
                      "no cited or pinned id to compare: the document's id is "
                      "%s", info->id);
    else
        ta_checks_add(c, NAMES[2],
                      strcmp(expected_id, info->id) == 0 ? PASS : FAIL, true,
                      "sha256(JCS(document)) = %s, expected %.64s", info->id,
                      expected_id);

    check_evidence(ctx, c, json_object_get(d, "evidence"), info);
    check_bindings(c, json_object_get(d, "channel_binding"));
    check_claims(c, json_object_get(d, "claims"));
    facts(c->r, d, info);
    json_decref(d);
    if (own)
        ta_aci_session_info_free(ctx, info);
    return TEEATTEST_OK;
}

void ta_aci_session_info_free(const teeattest_ctx *ctx,
                              ta_aci_session_info *info)
{
    if (!info)
        return;
    ta_free(ctx, info->evidence);
    ta_free(ctx, info->evidence_type);
    memset(info, 0, sizeof *info);
}
