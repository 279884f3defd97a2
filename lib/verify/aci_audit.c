/*
 * The deep audit of an ACI/1 attested session (spec aci.md 9.2 step 4):
 * the session's evidence, where it is a format this library verifies,
 * verified again here under the caller's policy: a report by the report
 * verifier (and the session's channel binding compared with the keys that
 * report attests), standalone NVIDIA GPU evidence by the GPU verifier. The
 * session's own claims stay the aggregator's statements
 * (unverified.aci.session.claim.*); what the audit proves is recorded
 * apart, under aci.session.audit.*.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "../aci/aci.h"
#include "../crypto/crypto.h"
#include "../gpu/gpu.h"
#include "pipeline.h"
#include "teeattest/attest.h"
#include "teeattest/provider.h"
#include "teeattest/result.h"

#define PASS TEEATTEST_OUTCOME_PASS
#define FAIL TEEATTEST_OUTCOME_FAIL
#define SKIP TEEATTEST_OUTCOME_SKIP

#define AUDIT "aci.session.deep_audit"
#define BINDING "aci.session.deep_audit_binding"

/* Checks of the evidence's verification bound to the verifier's own
 * exchange, which a client auditing an upstream cannot pass: freshness is
 * relative to the aggregator's challenge (not in the session), the TLS key
 * to the aggregator's connection (aci.session.deep_audit_binding compares
 * the session's channel binding instead). */
static bool freshness_check(const char *name)
{
    return strcmp(name, "report.freshness") == 0 ||
           strcmp(name, "aci.nonce") == 0 || strcmp(name, "aci.tls") == 0;
}

/* Facts of the evidence's verification bound by the quote and the event
 * log, reported as aci.session.audit.<name> once the audit passed. */
static const char *const AUDIT_FACTS[] = {
    "aci.keyset_digest",     "entry[0].app_id",  "entry[0].compose_hash",
    "entry[0].os_image_hash", "entry[0].tdx.status",
};

static bool json_media(const char *type)
{
    size_t n = type ? strcspn(type, ";") : 0;
    return (n == 16 && strncmp(type, "application/json", 16) == 0) ||
           (n > 5 && strncmp(type + n - 5, "+json", 5) == 0);
}

/* The label of standalone NVIDIA GPU evidence (ACI/1 names none; the
 * library's, docs/aci.md): its media type without parameters, compared
 * ASCII case-insensitively. */
#define NVIDIA_MEDIA "application/vnd.nvidia.gpu-evidence+json"

static bool nvidia_media(const char *type)
{
    size_t n = type ? strcspn(type, ";") : 0;
    while (n && type[n - 1] == ' ')
        n--;
    return n == strlen(NVIDIA_MEDIA) && strncasecmp(type, NVIDIA_MEDIA, n) == 0;
}

/* The host of an https origin ("https://host[:port][/...]"), in out. */
static bool origin_host(const char *origin, char *out, size_t cap)
{
    const char *h = strstr(origin, "://");
    h = h ? h + 3 : origin;
    size_t n = strcspn(h, ":/");
    if (!n || n >= cap)
        return false;
    memcpy(out, h, n);
    out[n] = '\0';
    return true;
}

static bool binding_matches(const teeattest_ctx *ctx, const json_t *b,
                            const ta_aci_keyset *ks)
{
    const char *type = json_string_value(json_object_get(b, "type"));
    if (!type)
        return false;
    if (strcmp(type, "tls_spki_sha256") == 0) {
        const char *s = json_string_value(json_object_get(b, "spki_sha256"));
        const char *o = json_string_value(json_object_get(b, "origin"));
        uint8_t d[32];
        char host[256];
        return s && o && strlen(s) == 64 &&
               ta_hex_decode(d, 32, s, 64) == 32 &&
               origin_host(o, host, sizeof host) &&
               ta_aci_keyset_tls_allows(ks, host, d);
    }
    if (strcmp(type, "e2ee_public_key_sha256") == 0) {
        const char *s =
            json_string_value(json_object_get(b, "public_key_sha256"));
        const char *algo = json_string_value(json_object_get(b, "algorithm"));
        for (size_t i = 0; s && algo && i < ks->n_e2ee; i++) {
            const ta_aci_key *k = &ks->e2ee[i];
            uint8_t d[32];
            char hx[65];
            if (!k->recognized || strcmp(k->algo, algo) != 0 ||
                ta_sha256(ctx, d, k->pub, k->pub_len))
                continue;
            ta_hex_encode(hx, d, 32);
            hx[64] = '\0';
            if (strcmp(hx, s) == 0)
                return true;
        }
    }
    return false;
}

/* aci.session.deep_audit_binding: a channel binding of the session names
 * a key of the keyset the verified evidence attests. */
static void check_binding(const teeattest_ctx *ctx, teeattest_result *r,
                          const json_t *session, const char *keyset)
{
    if (!keyset) {
        ta_result_check(r, BINDING, SKIP, false,
                        "the evidence attests no ACI workload keyset: the "
                        "channel binding is not compared with it");
        return;
    }
    ta_aci_keyset ks;
    if (ta_aci_keyset_parse_bytes(ctx, &ks, (const uint8_t *)keyset,
                                  strlen(keyset), NULL)) {
        ta_result_check(r, BINDING, FAIL, true,
                        "the attested keyset does not parse");
        return;
    }
    const json_t *cb = json_object_get(session, "channel_binding");
    size_t i, hit = json_array_size(cb);
    json_t *b;
    json_array_foreach(cb, i, b) {
        if (binding_matches(ctx, b, &ks)) {
            hit = i;
            break;
        }
    }
    if (hit < json_array_size(cb))
        ta_result_check(r, BINDING, PASS, true,
                        "channel_binding[%zu] (%s) is a key of the keyset "
                        "%s the evidence attests", hit,
                        json_string_value(json_object_get(
                            json_array_get(cb, hit), "type")),
                        ks.digest);
    else
        ta_result_check(r, BINDING, FAIL, true,
                        "none of the %zu channel bindings names a key of the "
                        "keyset %s the evidence attests",
                        json_array_size(cb), ks.digest);
    ta_aci_keyset_free(ctx, &ks);
}

/* Every check of the evidence's verification under aci.session.audit.,
 * as it was recorded, except that those of the aggregator's own exchange
 * (freshness_check) become warns when they did not pass; the name of the
 * first other required one that did not pass, or NULL. */
static const char *copy_checks(teeattest_result *r, const teeattest_result *sub,
                               const char **bad_detail, size_t *n_fresh)
{
    const char *bad = NULL;
    size_t n = teeattest_result_check_count(sub);
    for (size_t i = 0; i < n; i++) {
        const char *name, *detail;
        int32_t outcome, req;
        if (teeattest_result_check(sub, i, &name, &outcome, &detail, &req,
                                   NULL) != TEEATTEST_OK)
            continue;
        char k[160];
        snprintf(k, sizeof k, "aci.session.audit.%s", name);
        bool ok = outcome == PASS || outcome == TEEATTEST_OUTCOME_WARN ||
                  (outcome == SKIP && !req);
        if (!ok && freshness_check(name)) {
            (*n_fresh)++;
            ta_result_check(r, k, TEEATTEST_OUTCOME_WARN, false,
                            "not provable for an upstream's evidence (the "
                            "aggregator's own exchange): %s",
                            detail ? detail : "");
            continue;
        }
        ta_result_check(r, k, outcome, req != 0, "%s", detail ? detail : "");
        if (!ok && !bad) {
            bad = name;
            *bad_detail = detail;
        }
    }
    return bad;
}

/* The nonce the GPU evidence names: its top-level "nonce", else the one
 * every item names (nvattest serialized evidence); false when there is
 * none, they differ or it is not 64 hex digits. */
static bool stated_nonce(const ta_gpu_payload *p, uint8_t nonce[32],
                         const char **why)
{
    const char *s = p->nonce;
    for (size_t i = 0; !s && i < p->n; i++)
        s = p->items[i].nonce;
    if (!s) {
        *why = "names no nonce";
        return false;
    }
    for (size_t i = 0; !p->nonce && i < p->n; i++)
        if (!p->items[i].nonce || strcasecmp(p->items[i].nonce, s) != 0) {
            *why = "names different nonces per GPU";
            return false;
        }
    if (strlen(s) != 64 || ta_hex_decode(nonce, 32, s, 64) != 32) {
        *why = "names a nonce that is not 64 hex digits";
        return false;
    }
    return true;
}

/* Standalone NVIDIA GPU evidence (the payload shapes teeattest_gpu_verify()
 * reads), verified by the GPU verifier with the material of `ev` (its GPU
 * inputs, and entry 0's NRAS answer) under `pol`. ACI/1 binds no nonce to
 * a session's GPU evidence (spec 8.3: how a verifier establishes that GPU
 * evidence is fresh is its own policy), so the GPUs must have signed the
 * nonce the evidence names: that proves the evidence genuine and
 * consistent, not fresh for this session (the warn
 * aci.session.audit.gpu.freshness says so). */
static int audit_gpu(teeattest_ctx *ctx, teeattest_result *r,
                     const ta_aci_session_info *si, const ta_gpu_payload *p,
                     teeattest_evidence *ev, const teeattest_policy *pol,
                     teeattest_error *err)
{
    if ((ev && ev->ctx != ctx) || (pol && pol->ctx != ctx))
        return TA_INVALID(err, "the evidence or policy belongs to another "
                               "context");
    uint8_t nonce[32];
    const char *why = NULL;
    if (!stated_nonce(p, nonce, &why)) {
        ta_result_check(r, AUDIT, FAIL, true,
                        "the NVIDIA GPU evidence (%.64s) %s: there is no "
                        "nonce its GPUs must have signed",
                        si->evidence_type, why);
        ta_result_check(r, BINDING, SKIP, true, "no audited evidence");
        return TEEATTEST_OK;
    }
    teeattest_evidence *tmp = NULL;
    if (!ev) {
        int rc = teeattest_evidence_new(ctx, &tmp, err);
        if (rc)
            return rc;
        ev = tmp;
    }
    int64_t at = pol && pol->time != TA_TIME_NOW ? pol->time
                                                  : teeattest_ctx_now(ctx);
    teeattest_result *sub = NULL;
    int rc = ta_result_new(ctx, &sub);
    if (rc) {
        teeattest_evidence_free(tmp);
        return ta_error(err, rc, NULL, "allocating the result");
    }
    rc = ta_gpu_verify_into(ctx, sub, si->evidence, si->evidence_len, nonce,
                            ev->gpu, &ev->nras[0].blob, &ev->nras[0].fetched,
                            pol, at, err);
    if (!rc)
        rc = ta_result_finish(sub, err);
    teeattest_evidence_free(tmp);
    if (rc) {
        teeattest_result_free(sub);
        return rc;
    }
    char hex[65];
    ta_hex_encode(hex, nonce, 32);
    hex[64] = '\0';
    const char *detail = NULL;
    size_t n_fresh = 0;
    const char *bad = copy_checks(r, sub, &detail, &n_fresh);
    ta_result_check(r, "aci.session.audit.gpu.freshness",
                    TEEATTEST_OUTCOME_WARN, false,
                    "hardware-proven but not fresh for this session: ACI/1 "
                    "binds no nonce to a session's GPU evidence (spec 8.3: "
                    "the verifier's own policy); the GPUs signed %s, the "
                    "nonce the evidence names", hex);
    const char *count = teeattest_result_fact(sub, "gpu.count");
    const char *judged = teeattest_result_fact(sub, "gpu.measurements");
    if (bad) {
        ta_result_check(r, AUDIT, FAIL, true,
                        "the NVIDIA GPU evidence does not verify: %s: %.300s",
                        bad, detail ? detail : "");
        ta_result_check(r, BINDING, SKIP, true,
                        "the evidence did not verify");
    } else {
        ta_result_check(r, AUDIT, PASS, true,
                        "the NVIDIA GPU evidence (%s GPU(s), measurements "
                        "judged by %s) verified independently under the "
                        "policy; hardware-proven but not fresh for this "
                        "session: ACI/1 binds no nonce to it, and the GPUs "
                        "signed the nonce the evidence names",
                        count ? count : "?", judged ? judged : "none");
        ta_result_fact_str(r, "aci.session.audit.format", "nvidia");
        ta_result_fact_str(r, "aci.session.audit.gpu.nonce", hex);
        if (count)
            ta_result_fact_str(r, "aci.session.audit.gpu.count", count);
        if (judged)
            ta_result_fact_str(r, "aci.session.audit.gpu.measurements",
                               judged);
        ta_result_check(r, BINDING, SKIP, false,
                        "NVIDIA GPU evidence attests no ACI workload "
                        "keyset: the channel binding is not compared with "
                        "it");
    }
    teeattest_result_free(sub);
    return TEEATTEST_OK;
}

/* Evidence that is not a report: NVIDIA GPU evidence when it parses as a
 * GPU payload and is labelled as JSON (the gateways' label for a verifier's
 * JSON input) or as NVIDIA_MEDIA; a failure when labelled NVIDIA_MEDIA and
 * it does not parse; otherwise skipped with the reason. */
static int audit_other(teeattest_ctx *ctx, teeattest_result *r,
                       const ta_aci_session_info *si, bool nv,
                       const char *report_why, teeattest_evidence *ev,
                       const teeattest_policy *pol, teeattest_error *err)
{
    ta_gpu_payload *p = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    int prc = TEEATTEST_E_PARSE;
    if (nv || json_media(si->evidence_type)) {
        prc = ta_gpu_payload_parse(ctx, si->evidence, si->evidence_len, &p,
                                   &e);
        if (prc == TEEATTEST_E_NOMEM)
            return ta_error(err, prc, NULL, "out of memory");
    }
    if (prc == TEEATTEST_OK) {
        int rc = audit_gpu(ctx, r, si, p, ev, pol, err);
        ta_gpu_payload_free(p);
        return rc;
    }
    if (nv) {
        ta_result_check(r, AUDIT, FAIL, true,
                        "the evidence is labelled %s but is not NVIDIA GPU "
                        "evidence the GPU verifier reads (%.200s)",
                        NVIDIA_MEDIA, e.message);
        ta_result_check(r, BINDING, SKIP, true, "no audited evidence");
        return TEEATTEST_OK;
    }
    ta_result_check(r, AUDIT, SKIP, false,
                    "evidence of type %.64s is not a report format this "
                    "library verifies%s%.200s%s: the claims stay the "
                    "aggregator's statements", si->evidence_type,
                    report_why[0] ? " (" : "", report_why,
                    report_why[0] ? "; nor NVIDIA GPU evidence)" : "");
    ta_result_check(r, BINDING, SKIP, false, "no audited evidence");
    return TEEATTEST_OK;
}

int ta_aci_session_deep_audit(teeattest_ctx *ctx, teeattest_result *r,
                              const json_t *doc,
                              const struct ta_aci_session_info *si,
                              teeattest_evidence *ev,
                              const teeattest_policy *pol,
                              teeattest_error *err)
{
    if (!si->evidence_ok) {
        ta_result_check(r, AUDIT, SKIP, true,
                        "the evidence did not decode or does not match its "
                        "digest (aci.session.evidence): nothing to audit");
        ta_result_check(r, BINDING, SKIP, true, "no audited evidence");
        return TEEATTEST_OK;
    }
    bool nv = nvidia_media(si->evidence_type);
    teeattest_report *rep = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    bool is_report = (nv || json_media(si->evidence_type)) &&
                     teeattest_report_parse(ctx, &rep, "auto", si->evidence,
                                            si->evidence_len,
                                            &e) == TEEATTEST_OK;
    if (is_report && nv) {
        /* A report labelled as GPU evidence alone: auditing only its GPU
         * part would prove less than its label and content say. */
        ta_result_check(r, AUDIT, FAIL, true,
                        "the evidence is labelled %s (NVIDIA GPU evidence "
                        "alone) but is a %s report: its media type does not "
                        "say what it is, so it is not audited",
                        NVIDIA_MEDIA, teeattest_report_dialect(rep));
        ta_result_check(r, BINDING, SKIP, true, "no audited evidence");
        teeattest_report_free(rep);
        return TEEATTEST_OK;
    }
    if (!is_report)
        return audit_other(ctx, r, si, nv, e.message, ev, pol, err);
    teeattest_result *sub = NULL;
    int rc = teeattest_report_verify(ctx, &sub, rep, TEEATTEST_ENTRY_ALL, ev,
                                     pol, NULL, 0, err);
    if (rc) {
        teeattest_report_free(rep);
        return rc;
    }
    const char *detail = NULL;
    size_t n_fresh = 0;
    const char *bad = copy_checks(r, sub, &detail, &n_fresh);
    const char *dialect = teeattest_report_dialect(rep);
    if (bad) {
        ta_result_check(r, AUDIT, FAIL, true,
                        "the %s report in the evidence does not verify: %s: "
                        "%.300s", dialect, bad, detail ? detail : "");
        ta_result_check(r, BINDING, SKIP, true,
                        "the evidence did not verify");
    } else {
        ta_result_check(r, AUDIT, PASS, true,
                        "the %s report in the evidence verified "
                        "independently under the policy (%zu check%s of the "
                        "aggregator's own challenge and connection not "
                        "required: the session does not carry them)",
                        dialect, n_fresh,
                        n_fresh == 1 ? "" : "s");
        ta_result_fact_str(r, "aci.session.audit.format", dialect);
        for (size_t i = 0; i < TA_ARRAY_LEN(AUDIT_FACTS); i++) {
            char k[96];
            snprintf(k, sizeof k, "unverified.%s", AUDIT_FACTS[i]);
            const char *v = teeattest_result_fact(sub, k);
            if (!v)
                v = teeattest_result_fact(sub, AUDIT_FACTS[i]);
            snprintf(k, sizeof k, "aci.session.audit.%s", AUDIT_FACTS[i]);
            if (v)
                ta_result_fact_str(r, k, v);
        }
        const char *ks = teeattest_result_fact(sub, "unverified.aci.keyset");
        if (!ks)
            ks = teeattest_result_fact(sub, "aci.keyset");
        check_binding(ctx, r, doc, ks);
    }
    teeattest_result_free(sub);
    teeattest_report_free(rep);
    return TEEATTEST_OK;
}

/* The session checks (aci.session.*), then with `deep` the audit of its
 * evidence: teeattest_aci_verify_session() and _session_audit(). */
static int session_result(teeattest_ctx *ctx, teeattest_result **out,
                          const uint8_t *session, size_t session_len,
                          const char *expected_id, bool deep,
                          teeattest_evidence *ev,
                          const teeattest_policy *policy, teeattest_error *err)
{
    if (out)
        *out = NULL;
    if (!ctx || !out || !session)
        return TA_INVALID(err, !ctx ? "ctx is NULL" : !out ? "out is NULL"
                                                           : "session is NULL");
    teeattest_result *r = NULL;
    int rc = ta_result_new(ctx, &r);
    if (rc)
        return ta_error(err, rc, NULL, "allocating the result");
    ta_checks c;
    memset(&c, 0, sizeof c);
    c.r = r;
    ta_aci_session_info si;
    memset(&si, 0, sizeof si);
    rc = ta_aci_session_verify(ctx, &c, session, session_len, expected_id,
                               &si, err);
    json_t *doc = NULL;
    if (!rc && deep)
        rc = ta_json_parse(&doc, session, session_len, TA_ACI_SESSION_MAX,
                           err);
    if (!rc && deep)
        rc = ta_aci_session_deep_audit(ctx, r, doc, &si, ev, policy, err);
    json_decref(doc);
    ta_aci_session_info_free(ctx, &si);
    if (!rc)
        rc = ta_result_finish(r, err);
    if (rc) {
        teeattest_result_free(r);
        return rc;
    }
    *out = r;
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_aci_verify_session(teeattest_ctx *ctx,
                                               teeattest_result **out,
                                               const uint8_t *session,
                                               size_t session_len,
                                               const char *expected_id,
                                               teeattest_error *err)
{
    return session_result(ctx, out, session, session_len, expected_id, false,
                          NULL, NULL, err);
}

TEEATTEST_API int teeattest_aci_session_audit(
    teeattest_ctx *ctx, teeattest_result **out, const uint8_t *session,
    size_t session_len, const char *expected_id, teeattest_evidence *ev,
    const teeattest_policy *policy, teeattest_error *err)
{
    return session_result(ctx, out, session, session_len, expected_id, true,
                          ev, policy, err);
}
