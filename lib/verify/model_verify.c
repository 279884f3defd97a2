/*
 * identity.model (docs/checks.md): the model an entry serves, read from
 * verified data only, against the model the policy asks for
 * (teeattest_policy_set_expected_model). Called by report_verify.c after
 * the entry's software checks, with the result's prefix set to the entry.
 *
 * Where the model is read from (docs/providers.md, "Model binding"):
 *   - NEAR's compose-manager CVMs: the compose file the verified
 *     compose_manager actions deployed. The caller supplies the file
 *     (TEEATTEST_EVIDENCE_MODEL_COMPOSE); its SHA-256 must equal the
 *     file_sha256 of a compose_up action that is still current (no later
 *     compose_up of the same file with other contents, no later
 *     compose_down of the whole file).
 *   - other dstack entries: the app_compose whose hash compose.hash
 *     checked.
 *   - anything else binds no model: a required skip.
 *
 * With TEEATTEST_ONLINE_MODEL_FILES and no file supplied, the file of the
 * last compose_up action is fetched from <base>/<commit>/<file> and kept
 * in the evidence (so a bundle carries it); its hash is checked like a
 * supplied one's.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "../crypto/crypto.h"
#include "../dstack/dstack.h"
#include "../providers/providers.h"
#include "../transport/transport.h"
#include "model_verify.h"

#define PASS TEEATTEST_OUTCOME_PASS
#define FAIL TEEATTEST_OUTCOME_FAIL
#define SKIP TEEATTEST_OUTCOME_SKIP

#define CHECK "identity.model"

/* Whether the check `prefix``name` is in r and passed. */
static bool passed(const teeattest_result *r, const char *prefix,
                   const char *name)
{
    char full[96];
    snprintf(full, sizeof full, "%s%s", prefix, name);
    int32_t outcome = -1;
    return teeattest_result_find_check(r, full, &outcome, NULL, NULL) ==
               TEEATTEST_OK && outcome == PASS;
}

static const char *str(const json_t *a, const char *key)
{
    const char *s = json_string_value(json_object_get(a, key));
    return s ? s : "";
}

static bool is_action(const json_t *a, const char *what)
{
    return strcmp(str(a, "action"), what) == 0;
}

/* The action's file_sha256 as bytes; false when absent or not 32 hex
 * bytes. */
static bool action_sha(const json_t *a, uint8_t out[32])
{
    const char *h = json_string_value(json_object_get(a, "file_sha256"));
    return h && ta_hex_decode_exact(out, 32, h, strlen(h), NULL) ==
                    TEEATTEST_OK;
}

/* The compose_up action (index, or -1) whose file_sha256 is `sha`, the
 * last one when several are. */
static long find_up(const json_t *actions, const uint8_t sha[32])
{
    long found = -1;
    for (size_t k = 0; k < json_array_size(actions); k++) {
        const json_t *a = json_array_get(actions, k);
        uint8_t h[32];
        if (is_action(a, "compose_up") && action_sha(a, h) &&
            ta_ct_equal(h, sha, 32))
            found = (long)k;
    }
    return found;
}

/* The last compose_up action with a file_sha256 (what to ask for), -1 if
 * none. */
static long last_up(const json_t *actions)
{
    long found = -1;
    for (size_t k = 0; k < json_array_size(actions); k++) {
        uint8_t h[32];
        const json_t *a = json_array_get(actions, k);
        if (is_action(a, "compose_up") && action_sha(a, h))
            found = (long)k;
    }
    return found;
}

/* A later action that undoes action k: a compose_up of the same file with
 * other contents, or a compose_down of the whole file (no "services"
 * list). -1 if none. */
static long undone_by(const json_t *actions, size_t k)
{
    const json_t *up = json_array_get(actions, k);
    const char *file = str(up, "file");
    uint8_t sha[32], h[32];
    action_sha(up, sha);
    for (size_t j = k + 1; j < json_array_size(actions); j++) {
        const json_t *a = json_array_get(actions, j);
        if (strcmp(str(a, "file"), file) != 0)
            continue;
        if (is_action(a, "compose_up") &&
            (!action_sha(a, h) || !ta_ct_equal(h, sha, 32)))
            return (long)j;
        if (is_action(a, "compose_down") && !json_object_get(a, "services"))
            return (long)j;
    }
    return -1;
}

/* Compare the names a verified text serves with `want`. */
static void judge(teeattest_result *r, const ta_compose_models *m,
                  const char *want, const char *source)
{
    if (m->n == 0) {
        ta_result_check(r, CHECK, FAIL, true,
                        "%s names no model (no MODEL_NAME entry or "
                        "--served-model-name argument): it cannot show that "
                        "%s is served", source, want);
        return;
    }
    if (ta_compose_models_has(m, want)) {
        ta_result_check(r, CHECK, PASS, true, "%s serves %s", source, want);
        ta_result_fact_str(r, "model", want);
        return;
    }
    char list[512];
    ta_compose_models_list(m, list, sizeof list);
    ta_result_check(r, CHECK, FAIL, true,
                    "%s serves %s, not the expected %s", source, list, want);
}

#define MODEL_FILE_RETRIES 2u

/* A repository path safe to put in a URL: [A-Za-z0-9._/-], no "..", no
 * empty segment, not absolute. */
static bool path_ok(const char *p)
{
    if (!p[0] || p[0] == '/' || strstr(p, "..") || strstr(p, "//") ||
        strlen(p) > 512)
        return false;
    for (; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
              (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
              *p == '-' || *p == '/'))
            return false;
    return true;
}

/* Fetch action a's file into ev. TEEATTEST_OK and a check-worthy reason
 * in why[] when it could not be fetched (a skip, not an error);
 * TEEATTEST_E_NOMEM only. */
static int fetch_file(teeattest_ctx *ctx, teeattest_evidence *ev,
                      const json_t *a, char *why, size_t why_cap,
                      teeattest_error *err)
{
    const char *commit = str(a, "commit"), *file = str(a, "file");
    uint8_t c[20];
    if (ta_hex_decode_exact(c, sizeof c, commit, strlen(commit), NULL) ||
        !path_ok(file)) {
        snprintf(why, why_cap, "the action's commit or file is not one to "
                               "fetch");
        return TEEATTEST_OK;
    }
    const char *base = ev->model_files_url ? ev->model_files_url
                                           : TEEATTEST_MODEL_FILES_URL;
    size_t blen = strlen(base);
    while (blen && base[blen - 1] == '/')
        blen--;
    size_t cap = blen + strlen(commit) + strlen(file) + 3;
    char *url = ta_malloc(ctx, cap);
    if (!url)
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "out of memory");
    snprintf(url, cap, "%.*s/%s/%s", (int)blen, base, commit, file);
    teeattest_http_response resp;
    ta_http_response_init(&resp, ctx, TA_COMPOSE_TEXT_MAX, NULL, NULL);
    teeattest_error e = TEEATTEST_ERROR_INIT;
    int rc = ta_service_get(ctx, url, NULL, MODEL_FILE_RETRIES,
                            TA_COMPOSE_TEXT_MAX, &resp, &e);
    if (rc == TEEATTEST_E_NOMEM) {
        rc = ta_error(err, rc, NULL, "out of memory");
    } else if (rc) {
        snprintf(why, why_cap, "fetching %.300s failed: %.200s", url,
                 e.message);
        rc = TEEATTEST_OK;
    } else if (resp.status != 200) {
        snprintf(why, why_cap, "fetching %.300s: HTTP %d", url,
                 (int)resp.status);
    } else {
        rc = teeattest_evidence_set(ev, TEEATTEST_EVIDENCE_MODEL_COMPOSE, 0,
                                    resp.body.data, resp.body.len, err);
        if (rc && rc != TEEATTEST_E_NOMEM) {
            snprintf(why, why_cap, "the file fetched from %.300s is not "
                                   "usable", url);
            rc = TEEATTEST_OK;
        }
    }
    ta_http_response_clear(&resp);
    ta_free(ctx, url);
    return rc;
}

static int from_compose_manager(teeattest_ctx *ctx, teeattest_result *r,
                                const char *want, teeattest_evidence *ev,
                                const char *prefix, const json_t *actions,
                                ta_compose_models *m, teeattest_error *err)
{
    if (!passed(r, prefix, "compose_manager.actions_hash") ||
        !passed(r, prefix, "compose_manager.report_data")) {
        ta_result_check(r, CHECK, FAIL, true,
                        "the compose manager's actions are not verified "
                        "(compose_manager.actions_hash and .report_data must "
                        "pass): they cannot name the model's compose file");
        return TEEATTEST_OK;
    }
    const ta_gpu_blob *f = &ev->model_compose;
    long last = last_up(actions);
    const json_t *la = json_array_get(actions, last < 0 ? 0 : (size_t)last);
    char why[600] = "";
    if (!f->data && last >= 0 && (ev->online & TEEATTEST_ONLINE_MODEL_FILES)) {
        int rc = fetch_file(ctx, ev, la, why, sizeof why, err);
        if (rc)
            return rc;
    }
    if (!f->data) {
        if (last < 0)
            ta_result_check(r, CHECK, SKIP, true,
                            "the compose manager's actions deployed no "
                            "compose file with a file_sha256: nothing names "
                            "the model");
        else
            ta_result_check(r, CHECK, SKIP, true,
                            "the compose file is not %s (the last one "
                            "deployed: %.200s at commit %.64s, SHA-256 "
                            "%.64s)%s%s: its name alone proves no model",
                            why[0] ? "available" : "supplied",
                            str(la, "file"), str(la, "commit"),
                            str(la, "file_sha256"), why[0] ? "; " : "", why);
        return TEEATTEST_OK;
    }
    if (f->len > TA_COMPOSE_TEXT_MAX) {
        ta_result_check(r, CHECK, FAIL, true,
                        "the supplied compose file (%zu bytes) exceeds the "
                        "%u-byte limit", f->len, TA_COMPOSE_TEXT_MAX);
        return TEEATTEST_OK;
    }
    uint8_t sha[32];
    int rc = ta_sha256(ctx, sha, f->data, f->len);
    if (rc)
        return ta_error(err, rc, NULL, "hashing the compose file");
    char hex[65];
    ta_hex_encode(hex, sha, 32);
    hex[64] = '\0';
    long k = find_up(actions, sha);
    if (k < 0) {
        ta_result_check(r, CHECK, FAIL, true,
                        "the supplied compose file's SHA-256 %s is the "
                        "file_sha256 of no compose_up action", hex);
        return TEEATTEST_OK;
    }
    const json_t *up = json_array_get(actions, (size_t)k);
    long j = undone_by(actions, (size_t)k);
    if (j >= 0) {
        const json_t *a = json_array_get(actions, (size_t)j);
        ta_result_check(r, CHECK, FAIL, true,
                        "the supplied compose file (%.200s at commit %.64s, "
                        "action %ld) is no longer deployed: action %ld "
                        "(%.32s, commit %.64s) replaced it", str(up, "file"),
                        str(up, "commit"), k, j, str(a, "action"),
                        str(a, "commit"));
        return TEEATTEST_OK;
    }
    teeattest_error e = TEEATTEST_ERROR_INIT;
    if (ta_compose_models_scan(m, f->data, f->len, &e)) {
        ta_result_check(r, CHECK, FAIL, true, "%s", e.message);
        return TEEATTEST_OK;
    }
    char source[400];
    snprintf(source, sizeof source,
             "the compose file %.200s at commit %.64s (action %ld, SHA-256 "
             "checked)", str(up, "file"), str(up, "commit"), k);
    judge(r, m, want, source);
    if (passed(r, prefix, CHECK)) {
        char where[300];
        snprintf(where, sizeof where, "%.200s@%.64s", str(up, "file"),
                 str(up, "commit"));
        ta_result_fact_str(r, "model_compose", where);
    }
    return TEEATTEST_OK;
}

int ta_check_model(teeattest_ctx *ctx, teeattest_result *r,
                   const teeattest_policy *pol, teeattest_evidence *ev,
                   const char *prefix, bool gateway, const uint8_t *cm,
                   size_t cm_len, const uint8_t *app_compose, size_t ac_len,
                   teeattest_error *err)
{
    const char *want = pol->expected_model;
    if (!want)
        return TEEATTEST_OK;
    if (gateway) {
        ta_result_check(r, CHECK, SKIP, false,
                        "a gateway serves no model: the model entry carries "
                        "the check");
        return TEEATTEST_OK;
    }
    ta_compose_models *m = ta_malloc(ctx, sizeof *m);
    if (!m)
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "out of memory");
    int rc = TEEATTEST_OK;
    /* The actions are read from the exact bytes actions_hash covered (the
     * "actions" member span), and a duplicate key anywhere in them is
     * refused: no second copy can stand in for the hashed one. */
    json_t *actions = NULL;
    const uint8_t *span = NULL;
    size_t span_len = 0;
    if (cm && ta_json_member_span(cm, cm_len, "actions", &span,
                                  &span_len) == TEEATTEST_OK)
        actions = json_loadb((const char *)span, span_len,
                             JSON_REJECT_DUPLICATES, NULL);
    if (cm && !json_is_array(actions)) {
        ta_result_check(r, CHECK, FAIL, true,
                        "the compose manager's actions are not one JSON array "
                        "without duplicate keys: they cannot name the "
                        "model's compose file");
    } else if (actions) {
        rc = from_compose_manager(ctx, r, want, ev, prefix, actions, m, err);
    } else if (app_compose) {
        teeattest_error e = TEEATTEST_ERROR_INIT;
        if (!passed(r, prefix, "compose.hash")) {
            ta_result_check(r, CHECK, FAIL, true,
                            "app_compose is not verified (compose.hash must "
                            "pass): it cannot name the model");
        } else if (ta_dstack_compose_models(m, app_compose, ac_len, &e)) {
            ta_result_check(r, CHECK, FAIL, true, "%s", e.message);
        } else if (m->n == 0) {
            ta_result_check(r, CHECK, SKIP, true,
                            "the verified app_compose names no model (no "
                            "MODEL_NAME entry or --served-model-name "
                            "argument) and no compose manager names a "
                            "compose file: nothing binds %s", want);
        } else {
            judge(r, m, want, "the verified app_compose");
        }
    } else {
        ta_result_check(r, CHECK, SKIP, true,
                        "this dialect's evidence names no model (no "
                        "app_compose, no compose manager): nothing binds %s",
                        want);
    }
    json_decref(actions);
    ta_free(ctx, m);
    return rc;
}
