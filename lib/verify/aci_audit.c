/*
 * The deep audit of an ACI/1 attested session (spec aci.md 9.2 step 4):
 * the session's evidence, where it is a format this library verifies,
 * verified again here under the caller's policy: a report by the report
 * verifier (and the session's channel binding compared with the keys that
 * report attests), standalone NVIDIA GPU evidence by the GPU verifier, a
 * multipart/mixed bundle part by part (lib/aci/multipart.c). The
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
#include "../aci/multipart.h"
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

/* A JSON media type (application/json or a "+json" suffix), its
 * parameters and the spaces before them ignored, ASCII case-insensitively
 * (RFC 2045: a part's Content-Type may say "Application/JSON ; ..."). */
static bool json_media(const char *type)
{
    size_t n = type ? strcspn(type, ";") : 0;
    while (n && (type[n - 1] == ' ' || type[n - 1] == '\t'))
        n--;
    return (n == 16 && strncasecmp(type, "application/json", 16) == 0) ||
           (n > 5 && strncasecmp(type + n - 5, "+json", 5) == 0);
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

/* The audit of one evidence (the session's, or one part of a multipart
 * bundle): its checks and facts are recorded under `pfx`
 * ("aci.session.audit." or "aci.session.audit.part[i]."), its outcome
 * here, for the caller to report as aci.session.deep_audit. */
typedef struct audit_one {
    char pfx[48];
    int32_t outcome;        /* PASS, FAIL or SKIP */
    bool required;
    char detail[640];
    /* with PASS: a report (keyset: the one it attests, ctx-owned, or
     * NULL), or NVIDIA GPU evidence */
    bool report, gpu, report_gpu;
    char *keyset;
    /* the binding check when no keyset is compared */
    bool bind_required;
    char bind_detail[200];
} audit_one;

static void one_set(audit_one *a, int32_t outcome, bool required,
                    const char *bind_detail, bool bind_required)
{
    a->outcome = outcome;
    a->required = required;
    snprintf(a->bind_detail, sizeof a->bind_detail, "%s", bind_detail);
    a->bind_required = bind_required;
}

static void one_fact(teeattest_result *r, const audit_one *a,
                     const char *name, const char *v)
{
    char k[160];
    snprintf(k, sizeof k, "%s%s", a->pfx, name);
    ta_result_fact_str(r, k, v);
}

/* The index of a channel binding of the session that names a key of the
 * keyset `keyset`, or the number of bindings; -1 when the keyset does
 * not parse. Its digest in digest. */
static long binding_hit(const teeattest_ctx *ctx, const json_t *session,
                        const char *keyset, char digest[80])
{
    ta_aci_keyset ks;
    if (ta_aci_keyset_parse_bytes(ctx, &ks, (const uint8_t *)keyset,
                                  strlen(keyset), NULL))
        return -1;
    snprintf(digest, 80, "%s", ks.digest);
    const json_t *cb = json_object_get(session, "channel_binding");
    size_t i, hit = json_array_size(cb);
    json_t *b;
    json_array_foreach(cb, i, b) {
        if (binding_matches(ctx, b, &ks)) {
            hit = i;
            break;
        }
    }
    ta_aci_keyset_free(ctx, &ks);
    return (long)hit;
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
    char digest[80] = "";
    long hit = binding_hit(ctx, session, keyset, digest);
    const json_t *cb = json_object_get(session, "channel_binding");
    if (hit < 0)
        ta_result_check(r, BINDING, FAIL, true,
                        "the attested keyset does not parse");
    else if ((size_t)hit < json_array_size(cb))
        ta_result_check(r, BINDING, PASS, true,
                        "channel_binding[%ld] (%s) is a key of the keyset "
                        "%s the evidence attests", hit,
                        json_string_value(json_object_get(
                            json_array_get(cb, (size_t)hit), "type")),
                        digest);
    else
        ta_result_check(r, BINDING, FAIL, true,
                        "none of the %zu channel bindings names a key of the "
                        "keyset %s the evidence attests",
                        json_array_size(cb), digest);
}

/* Every check of the evidence's verification under a->pfx, as it was
 * recorded, except that those of the aggregator's own exchange
 * (freshness_check) become warns when they did not pass; the name of the
 * first other required one that did not pass, or NULL. */
static const char *copy_checks(teeattest_result *r, const audit_one *a,
                               const teeattest_result *sub,
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
        char k[200];
        snprintf(k, sizeof k, "%s%s", a->pfx, name);
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
 * consistent, not fresh for this session (the warn <pfx>gpu.freshness
 * says so). */
static int audit_gpu(teeattest_ctx *ctx, teeattest_result *r, audit_one *a,
                     const uint8_t *data, size_t len, const char *type,
                     const ta_gpu_payload *p, teeattest_evidence *ev,
                     const teeattest_policy *pol, teeattest_error *err)
{
    if ((ev && ev->ctx != ctx) || (pol && pol->ctx != ctx))
        return TA_INVALID(err, "the evidence or policy belongs to another "
                               "context");
    uint8_t nonce[32];
    const char *why = NULL;
    if (!stated_nonce(p, nonce, &why)) {
        snprintf(a->detail, sizeof a->detail,
                 "the NVIDIA GPU evidence (%.64s) %s: there is no nonce its "
                 "GPUs must have signed", type, why);
        one_set(a, FAIL, true, "no audited evidence", true);
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
    rc = ta_gpu_verify_into(ctx, sub, data, len, nonce, ev->gpu,
                            &ev->nras[0].blob, &ev->nras[0].fetched, pol, at,
                            err);
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
    const char *bad = copy_checks(r, a, sub, &detail, &n_fresh);
    char k[160];
    snprintf(k, sizeof k, "%sgpu.freshness", a->pfx);
    ta_result_check(r, k, TEEATTEST_OUTCOME_WARN, false,
                    "hardware-proven but not fresh for this session: ACI/1 "
                    "binds no nonce to a session's GPU evidence (spec 8.3: "
                    "the verifier's own policy); the GPUs signed %s, the "
                    "nonce the evidence names", hex);
    const char *count = teeattest_result_fact(sub, "gpu.count");
    const char *judged = teeattest_result_fact(sub, "gpu.measurements");
    if (bad) {
        snprintf(a->detail, sizeof a->detail,
                 "the NVIDIA GPU evidence does not verify: %s: %.300s", bad,
                 detail ? detail : "");
        one_set(a, FAIL, true, "the evidence did not verify", true);
    } else {
        snprintf(a->detail, sizeof a->detail,
                 "the NVIDIA GPU evidence (%s GPU(s), measurements judged by "
                 "%s) verified independently under the policy; "
                 "hardware-proven but not fresh for this session: ACI/1 "
                 "binds no nonce to it, and the GPUs signed the nonce the "
                 "evidence names",
                 count ? count : "?", judged ? judged : "none");
        one_set(a, PASS, true,
                "NVIDIA GPU evidence attests no ACI workload keyset: the "
                "channel binding is not compared with it",
                false);
        a->gpu = true;
        one_fact(r, a, "format", "nvidia");
        one_fact(r, a, "gpu.nonce", hex);
        if (count)
            one_fact(r, a, "gpu.count", count);
        if (judged)
            one_fact(r, a, "gpu.measurements", judged);
    }
    teeattest_result_free(sub);
    return TEEATTEST_OK;
}

/* Evidence that is not a report: NVIDIA GPU evidence when it parses as a
 * GPU payload and is labelled as JSON (the gateways' label for a verifier's
 * JSON input) or as NVIDIA_MEDIA; a failure when labelled NVIDIA_MEDIA and
 * it does not parse; otherwise skipped with the reason. */
static int audit_other(teeattest_ctx *ctx, teeattest_result *r, audit_one *a,
                       const uint8_t *data, size_t len, const char *type,
                       bool nv, const char *report_why,
                       teeattest_evidence *ev, const teeattest_policy *pol,
                       teeattest_error *err)
{
    ta_gpu_payload *p = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    int prc = TEEATTEST_E_PARSE;
    if (nv || json_media(type)) {
        prc = ta_gpu_payload_parse(ctx, data, len, &p, &e);
        if (prc == TEEATTEST_E_NOMEM)
            return ta_error(err, prc, NULL, "out of memory");
    }
    if (prc == TEEATTEST_OK) {
        int rc = audit_gpu(ctx, r, a, data, len, type, p, ev, pol, err);
        ta_gpu_payload_free(p);
        return rc;
    }
    if (nv) {
        snprintf(a->detail, sizeof a->detail,
                 "the evidence is labelled %s but is not NVIDIA GPU "
                 "evidence the GPU verifier reads (%.200s)",
                 NVIDIA_MEDIA, e.message);
        one_set(a, FAIL, true, "no audited evidence", true);
        return TEEATTEST_OK;
    }
    snprintf(a->detail, sizeof a->detail,
             "evidence of type %.64s is not a report format this library "
             "verifies%s%.200s%s: the claims stay the aggregator's "
             "statements", type, report_why[0] ? " (" : "", report_why,
             report_why[0] ? "; nor NVIDIA GPU evidence)" : "");
    one_set(a, SKIP, false, "no audited evidence", false);
    return TEEATTEST_OK;
}

/* One evidence of media type `type`: a report, NVIDIA GPU evidence, or
 * another format (skipped). */
static int audit_evidence(teeattest_ctx *ctx, teeattest_result *r,
                          audit_one *a, const uint8_t *data, size_t len,
                          const char *type, teeattest_evidence *ev,
                          const teeattest_policy *pol, teeattest_error *err)
{
    bool nv = nvidia_media(type);
    teeattest_report *rep = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    bool is_report = (nv || json_media(type)) &&
                     teeattest_report_parse(ctx, &rep, "auto", data, len,
                                            &e) == TEEATTEST_OK;
    if (is_report && nv) {
        /* A report labelled as GPU evidence alone: auditing only its GPU
         * part would prove less than its label and content say. */
        snprintf(a->detail, sizeof a->detail,
                 "the evidence is labelled %s (NVIDIA GPU evidence alone) "
                 "but is a %s report: its media type does not say what it "
                 "is, so it is not audited",
                 NVIDIA_MEDIA, teeattest_report_dialect(rep));
        one_set(a, FAIL, true, "no audited evidence", true);
        teeattest_report_free(rep);
        return TEEATTEST_OK;
    }
    if (!is_report)
        return audit_other(ctx, r, a, data, len, type, nv, e.message, ev,
                           pol, err);
    teeattest_result *sub = NULL;
    int rc = teeattest_report_verify(ctx, &sub, rep, TEEATTEST_ENTRY_ALL, ev,
                                     pol, NULL, 0, err);
    if (rc) {
        teeattest_report_free(rep);
        return rc;
    }
    const char *detail = NULL;
    size_t n_fresh = 0;
    const char *bad = copy_checks(r, a, sub, &detail, &n_fresh);
    const char *dialect = teeattest_report_dialect(rep);
    if (bad) {
        snprintf(a->detail, sizeof a->detail,
                 "the %s report in the evidence does not verify: %s: %.300s",
                 dialect, bad, detail ? detail : "");
        one_set(a, FAIL, true, "the evidence did not verify", true);
    } else {
        snprintf(a->detail, sizeof a->detail,
                 "the %s report in the evidence verified independently under "
                 "the policy (%zu check%s of the aggregator's own challenge "
                 "and connection not required: the session does not carry "
                 "them)", dialect, n_fresh, n_fresh == 1 ? "" : "s");
        one_set(a, PASS, true, "", false);
        a->report = true;
        one_fact(r, a, "format", dialect);
        for (size_t i = 0; i < TA_ARRAY_LEN(AUDIT_FACTS); i++) {
            char k[96];
            snprintf(k, sizeof k, "unverified.%s", AUDIT_FACTS[i]);
            const char *v = teeattest_result_fact(sub, k);
            if (!v)
                v = teeattest_result_fact(sub, AUDIT_FACTS[i]);
            if (v)
                one_fact(r, a, AUDIT_FACTS[i], v);
        }
        const char *ks = teeattest_result_fact(sub, "unverified.aci.keyset");
        if (!ks)
            ks = teeattest_result_fact(sub, "aci.keyset");
        if (ks && !(a->keyset = ta_strdup(ctx, ks))) {
            teeattest_result_free(sub);
            teeattest_report_free(rep);
            return ta_error(err, TEEATTEST_E_NOMEM, NULL, "out of memory");
        }
        const char *gc = teeattest_result_fact(sub, "entry[0].gpu.count");
        a->report_gpu = gc && strcmp(gc, "0") != 0;
    }
    teeattest_result_free(sub);
    teeattest_report_free(rep);
    return TEEATTEST_OK;
}

/* The session's claim `name` is "asserted" from "hardware_proven". */
static bool claims_hardware(const json_t *doc, const char *name)
{
    const json_t *c = json_object_get(json_object_get(doc, "claims"), name);
    const char *st = json_string_value(json_object_get(c, "status"));
    const char *src = json_string_value(json_object_get(c, "source"));
    return st && src && strcmp(st, "asserted") == 0 &&
           strcmp(src, "hardware_proven") == 0;
}

/* aci.session.audit.claims: a warn when the audit passed but the evidence
 * it verified backs neither a hardware-proven tee_attested claim (no
 * verified report) nor a hardware-proven gpu_attested one (no verified
 * GPU evidence, standalone or inside a verified report): the aggregator
 * claims more than its evidence shows (a part dropped from a bundle, the
 * digest recomputed). */
static void check_claims(teeattest_result *r, const json_t *doc, bool report,
                         bool gpu)
{
    bool tee = claims_hardware(doc, "tee_attested") && !report;
    bool g = claims_hardware(doc, "gpu_attested") && !gpu;
    if (tee || g)
        ta_result_check(r, "aci.session.audit.claims",
                        TEEATTEST_OUTCOME_WARN, false,
                        "the session claims %s%s%s hardware-proven, but the "
                        "audited evidence holds no verified %s%s%s: the "
                        "claim is the aggregator's statement only",
                        tee ? "tee_attested" : "", tee && g ? " and " : "",
                        g ? "gpu_attested" : "", tee ? "report" : "",
                        tee && g ? " and no verified " : "",
                        g ? "GPU evidence" : "");
}

/* A multipart/mixed bundle (spec 8.2: several verifier inputs): each part
 * audited as a single evidence under aci.session.audit.part[i]., in any
 * order (each is judged by its own content type and bytes; the order
 * carries no meaning). Any part failing fails the audit; it passes when
 * at least one part verified and none failed (the others skipped, said in
 * the detail and the facts); the channel binding is compared with the
 * keysets of the verified report parts only. */
static int audit_multipart(teeattest_ctx *ctx, teeattest_result *r,
                           const json_t *doc,
                           const struct ta_aci_session_info *si,
                           teeattest_evidence *ev,
                           const teeattest_policy *pol, teeattest_error *err)
{
    ta_mp_part parts[TA_MP_PARTS_MAX];
    size_t n = 0;
    const char *why = NULL;
    if (!ta_mp_parse(si->evidence_type, si->evidence, si->evidence_len, parts,
                     TA_MP_PARTS_MAX, &n, &why)) {
        ta_result_check(r, AUDIT, FAIL, true,
                        "the evidence is labelled %.64s but is not a "
                        "multipart/mixed bundle this library reads: %s",
                        si->evidence_type, why);
        ta_result_check(r, BINDING, SKIP, true, "no audited evidence");
        return TEEATTEST_OK;
    }
    ta_result_fact_str(r, "aci.session.audit.format", "multipart");
    ta_result_fact_int(r, "aci.session.audit.parts", (int64_t)n);
    audit_one *a = ta_calloc(ctx, n, sizeof *a);
    if (!a)
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "out of memory");
    int rc = TEEATTEST_OK;
    size_t first_fail = n, n_pass = 0, n_report = 0;
    bool gpu = false;
    char passed[200] = "", skipped[200] = "";
    for (size_t i = 0; i < n && !rc; i++) {
        snprintf(a[i].pfx, sizeof a[i].pfx, "aci.session.audit.part[%zu].",
                 i);
        one_fact(r, &a[i], "type", parts[i].type);
        if (ta_mp_is_mixed(parts[i].type) ||
            strncasecmp(parts[i].type, "multipart/", 10) == 0) {
            snprintf(a[i].detail, sizeof a[i].detail,
                     "a nested multipart part (%.64s) is not read",
                     parts[i].type);
            one_set(&a[i], SKIP, false, "", false);
        } else {
            rc = audit_evidence(ctx, r, &a[i], parts[i].body,
                                parts[i].body_len, parts[i].type, ev, pol,
                                err);
            if (rc)
                break;
        }
        one_fact(r, &a[i], "outcome",
                 a[i].outcome == PASS ? "pass"
                 : a[i].outcome == FAIL ? "fail" : "skipped");
        one_fact(r, &a[i], "detail", a[i].detail);
        char *list = a[i].outcome == PASS ? passed : skipped;
        size_t l = strlen(list);
        if (a[i].outcome != FAIL && l < 180)
            snprintf(list + l, 200 - l, "%s%zu", l ? ", " : "", i);
        if (a[i].outcome == FAIL && first_fail == n)
            first_fail = i;
        if (a[i].outcome == PASS) {
            n_pass++;
            n_report += a[i].report;
            gpu = gpu || a[i].gpu || a[i].report_gpu;
        }
    }
    if (!rc && first_fail < n) {
        ta_result_check(r, AUDIT, FAIL, true,
                        "part[%zu] (%.64s) of the %zu-part multipart "
                        "evidence: %s", first_fail, parts[first_fail].type,
                        n, a[first_fail].detail);
        ta_result_check(r, BINDING, SKIP, true,
                        "the evidence did not verify");
    } else if (!rc && !n_pass) {
        ta_result_check(r, AUDIT, SKIP, false,
                        "none of the %zu parts of the multipart evidence is "
                        "a format this library verifies (part[0]: %s): the "
                        "claims stay the aggregator's statements", n,
                        a[0].detail);
        ta_result_check(r, BINDING, SKIP, false, "no audited evidence");
    } else if (!rc) {
        ta_result_check(r, AUDIT, PASS, true,
                        "the multipart evidence (%zu part%s, in any order) "
                        "verified part by part under the policy: part(s) %s "
                        "verified (%zu report(s)); %s%s (see "
                        "aci.session.audit.part[i].*); a standalone GPU part "
                        "is bound to nothing else in the bundle", n,
                        n == 1 ? "" : "s", passed, n_report,
                        skipped[0] ? "not audited: part(s) " : "",
                        skipped[0] ? skipped : "every part audited");
        /* the binding: against the keysets of the verified reports */
        const json_t *cb = json_object_get(doc, "channel_binding");
        bool any_ks = false, done = false;
        for (size_t i = 0; i < n && !done; i++) {
            if (a[i].outcome != PASS || !a[i].keyset)
                continue;
            any_ks = true;
            char digest[80] = "";
            long hit = binding_hit(ctx, doc, a[i].keyset, digest);
            if (hit >= 0 && (size_t)hit < json_array_size(cb)) {
                ta_result_check(
                    r, BINDING, PASS, true,
                    "channel_binding[%ld] (%s) is a key of the keyset %s "
                    "the verified report of part[%zu] attests", hit,
                    json_string_value(json_object_get(
                        json_array_get(cb, (size_t)hit), "type")),
                    digest, i);
                done = true;
            }
        }
        if (!done && any_ks)
            ta_result_check(r, BINDING, FAIL, true,
                            "none of the %zu channel bindings names a key of "
                            "a keyset a verified report part attests",
                            json_array_size(cb));
        else if (!done)
            ta_result_check(r, BINDING, SKIP, false,
                            "no verified report part attests an ACI workload "
                            "keyset: the channel binding is not compared "
                            "with one");
        check_claims(r, doc, n_report > 0, gpu);
    }
    for (size_t i = 0; i < n; i++)
        ta_free(ctx, a[i].keyset);
    ta_free(ctx, a);
    return rc;
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
    if (ta_mp_is_mixed(si->evidence_type))
        return audit_multipart(ctx, r, doc, si, ev, pol, err);
    audit_one a;
    memset(&a, 0, sizeof a);
    snprintf(a.pfx, sizeof a.pfx, "aci.session.audit.");
    int rc = audit_evidence(ctx, r, &a, si->evidence, si->evidence_len,
                            si->evidence_type, ev, pol, err);
    if (rc) {
        ta_free(ctx, a.keyset);
        return rc;
    }
    ta_result_check(r, AUDIT, a.outcome, a.required, "%s", a.detail);
    if (a.outcome == PASS && a.report)
        check_binding(ctx, r, doc, a.keyset);
    else
        ta_result_check(r, BINDING, SKIP, a.bind_required, "%s",
                        a.bind_detail);
    if (a.outcome == PASS)
        check_claims(r, doc, a.report, a.gpu || a.report_gpu);
    ta_free(ctx, a.keyset);
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
