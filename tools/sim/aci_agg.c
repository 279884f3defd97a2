/*
 * teeattest-sim --dialect aci --aci-aggregator: an ACI aggregator
 * (Dstack-TEE/private-ai-gateway spec/aci.md 1.2, 5.3, 7.5, 8). Its one
 * upstream is itself: the attested session it serves at
 * /v1/aci/sessions/{id} carries its own unchallenged (nonce:null) report
 * as evidence, so a client's deep audit verifies it like any report. The
 * serving constraints of the request's `provider` member are honoured
 * (aci_verified, aci_session_ids), consumed before forwarding (a rewrite,
 * spec 5.3) and refusals answered with a signed receipt. TEST keys only.
 *
 * Faults (docs/simulator.md): aci_bad_session (evidence.digest is not the
 * hash of evidence.data), aci_session_other (receipts cite an id other
 * than the served document's, which is also served under it),
 * aci_session_expired (the session's window ended before served_at),
 * aci_upstream_failed (upstream verification fails: refused when
 * required, else served unverified), aci_multipart 1-6 (the evidence a
 * multipart/mixed bundle of the report and --aci-gpu-evidence: good,
 * a part edited after digesting, a report that does not verify, the
 * report dropped, parts swapped, the delimiter inside a part).
 *
 * Without --aci-aggregator (a direct service) the constraints are checked
 * as well (spec 5.3): malformed ones are a 400, aci_verified is satisfied
 * by construction, and any aci_session_ids list is refused (412
 * session_not_accepted with its receipt): a direct service has no
 * sessions.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "sim.h"

/* The served sessions: one per fault variant, built once (the quote
 * signature is not deterministic, and a session is immutable). The
 * multipart ones follow fault aci_multipart = 1..6 in order. */
enum {
    V_GOOD, V_BAD, V_EXPIRED,
    V_MP, V_MP_EDITED, V_MP_BAD_REPORT, V_MP_DROPPED, V_MP_SWAPPED,
    V_MP_TRICK, V_COUNT
};
static char *sess_json[V_COUNT];
static char sess_id[V_COUNT][65];

static const char OTHER_LABEL[] = "teeattest-sim/aci/other-session";

static int variant(const sim_faults *f)
{
    if (f->aci_multipart >= 1 && f->aci_multipart <= 6)
        return V_MP + f->aci_multipart - 1;
    return f->aci_bad_session ? V_BAD : f->aci_session_expired ? V_EXPIRED
                                                                : V_GOOD;
}

static json_t *hexj(const uint8_t *p, size_t n)
{
    char h[2 * 64 + 1];
    sim_hex(h, p, n);
    return json_string(h);
}

/* The upstream's report (compact JSON, malloc'd); with `bad` its restated
 * keyset digest is wrong, so it does not verify. */
static char *report_json(const sim *s, bool bad)
{
    sim_faults none;
    memset(&none, 0, sizeof none);
    none.nodes = 1;
    none.aci_wrong_digest = bad;
    int st = 0;
    json_t *rep = sim_aci_report(s, &none, NULL, &st);
    char *ev = rep && st == 200 ? json_dumps(rep, JSON_COMPACT) : NULL;
    json_decref(rep);
    return ev;
}

/* A multipart/mixed bundle of variant v in the gateway's shape
 * (private-ai-gateway scripts/provider_verifier/common.py
 * raw_http_bundle_evidence): boundary "aci-evidence-" and 24 hex digits of
 * SHA-256 over the bodies, parts with Content-Type, Content-Location,
 * Content-ID and Digest headers. The report and the GPU evidence of
 * --aci-gpu-evidence; dropped: the GPU part only; swapped: GPU first;
 * trick: a third, text part holding the delimiter mid-line. Its media
 * type in type (malloc'd). */
static char *bundle_build(const sim *s, int v, size_t *len, char **type)
{
    if (!s->aci_gpu_evidence)
        return NULL;
    char *rep = report_json(s, v == V_MP_BAD_REPORT);
    if (!rep)
        return NULL;
    struct part {
        const char *type, *name;
        const char *body;
        size_t len;
    } p[3];
    size_t n = 0;
    if (v != V_MP_DROPPED && v != V_MP_SWAPPED)
        p[n++] = (struct part){"application/json", "report", rep,
                                strlen(rep)};
    p[n++] = (struct part){"application/json", "gpu-evidence",
                            s->aci_gpu_evidence, s->aci_gpu_evidence_len};
    if (v == V_MP_SWAPPED)
        p[n++] = (struct part){"application/json", "report", rep,
                                strlen(rep)};
    char note[160];
    if (v == V_MP_TRICK)
        p[n++] = (struct part){"text/plain", "note", note, 0};
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    for (size_t i = 0; i < n; i++)
        if (p[i].body != note)
            crypto_hash_sha256_update(&h, (const uint8_t *)p[i].body,
                                      p[i].len);
    uint8_t d[32];
    crypto_hash_sha256_final(&h, d);
    char hx[65], b[48];
    sim_hex(hx, d, 32);
    snprintf(b, sizeof b, "aci-evidence-%.24s", hx);
    if (v == V_MP_TRICK) {
        snprintf(note, sizeof note, "a lenient reader keeps --%s as data",
                 b);
        p[n - 1].len = strlen(note);
    }
    size_t cap = 256;
    for (size_t i = 0; i < n; i++)
        cap += p[i].len + 512;
    char *out = malloc(cap);
    *type = malloc(80);
    if (!out || !*type) {
        free(out);
        free(*type);
        free(rep);
        return NULL;
    }
    snprintf(*type, 80, "multipart/mixed;boundary=%s", b);
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t pd[32];
        sim_sha256(pd, p[i].body, p[i].len);
        char pd64[sodium_base64_ENCODED_LEN(32,
                                            sodium_base64_VARIANT_ORIGINAL)];
        sodium_bin2base64(pd64, sizeof pd64, pd, 32,
                          sodium_base64_VARIANT_ORIGINAL);
        off += (size_t)snprintf(
            out + off, cap - off,
            "--%s\r\nContent-Type: %s\r\nContent-Location: https://%s/%s\r\n"
            "Content-ID: <%s>\r\nDigest: sha-256=%s\r\n\r\n", b, p[i].type,
            s->aci_domain, p[i].name, p[i].name, pd64);
        memcpy(out + off, p[i].body, p[i].len);
        off += p[i].len;
        memcpy(out + off, "\r\n", 2);
        off += 2;
    }
    off += (size_t)snprintf(out + off, cap - off, "--%s--\r\n", b);
    free(rep);
    *len = off;
    return out;
}

/* The session document of variant v (malloc'd canonical JSON). */
static char *session_build(const sim *s, int v)
{
    char *ev = NULL, *type = NULL;
    size_t n = 0;
    if (v >= V_MP) {
        ev = bundle_build(s, v, &n, &type);
    } else {
        ev = report_json(s, false);
        n = ev ? strlen(ev) : 0;
        type = strdup("application/json");
    }
    if (!ev || !type) {
        free(ev);
        free(type);
        return NULL;
    }
    size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    char *uri = malloc(cap + strlen(type) + 16);
    if (!uri) {
        free(ev);
        free(type);
        return NULL;
    }
    char dig[72], hx[65];
    sim_sha256_hex(hx, ev, n);
    if (v == V_BAD) { /* the digest of other bytes: the evidence, a space */
        char last = ev[n - 1];
        ev[n - 1] = ' ';
        sim_sha256_hex(hx, ev, n);
        ev[n - 1] = last;
    }
    if (v == V_MP_EDITED) {
        /* one byte of the GPU part edited after the digest was taken */
        char *g = strstr(ev, "Content-ID: <gpu-evidence>");
        g = g ? strstr(g, "\r\n\r\n") : NULL;
        if (g && g[4] && g[5])
            g[5] = g[5] == 'A' ? 'B' : 'A';
    }
    snprintf(uri, cap + strlen(type) + 16, "data:%s;base64,", type);
    free(type);
    sodium_bin2base64(uri + strlen(uri), cap, (const uint8_t *)ev, n,
                      sodium_base64_VARIANT_ORIGINAL);
    free(ev);
    snprintf(dig, sizeof dig, "sha256:%s", hx);
    int64_t now = sim_aci_now();
    int64_t from = v == V_EXPIRED ? now - 7200 : now - 60;
    int64_t to = v == V_EXPIRED ? now - 3600 : now + 3600;
    uint8_t pkh[32];
    sim_sha256(pkh, s->aci_x25519_pk, 32);
    char origin[300];
    snprintf(origin, sizeof origin, "https://%s", s->aci_domain);
    json_t *cb = json_array();
    json_array_append_new(cb, json_pack(
        "{s:s,s:s,s:s,s:s,s:o}", "type", "e2ee_public_key_sha256", "provider",
        "teeattest-sim", "key_id", "sim-e2ee-x25519", "algorithm",
        "x25519-aes-256-gcm-hkdf-sha256", "public_key_sha256",
        hexj(pkh, 32)));
    if (s->have_tls)
        json_array_append_new(cb, json_pack(
            "{s:s,s:s,s:o}", "type", "tls_spki_sha256", "origin", origin,
            "spki_sha256", hexj(s->tls_spki_sha256, 32)));
    json_t *doc = json_pack(
        "{s:s,s:s,s:s,s:s,s:I,s:I,s:{},s:o,"
        "s:{s:{s:s,s:s,s:s},s:{s:s},s:{s:s},s:{s:s},s:{s:s},s:{s:s},"
        "s:{s:s}},s:{s:s,s:s}}",
        "api_version", "aci/1", "upstream_name", "sim-upstream", "endpoint",
        origin, "verifier_id", "teeattest-sim/1", "established_at",
        (json_int_t)from, "expires_at", (json_int_t)to, "identity",
        "channel_binding", cb, "claims", "tee_attested", "status",
        "asserted", "source", "hardware_proven", "reason",
        "the upstream's TDX quote verified", "gpu_attested", "status",
        "unknown", "tcb_up_to_date", "status", "unknown", "os_known_good",
        "status", "unknown", "serving_software_known_good", "status",
        "unknown", "model_weights_provenance", "status", "unknown", "extra",
        "tcb_status", "UpToDate", "evidence", "digest", dig, "data", uri);
    free(uri);
    if (doc && v >= V_MP)
        json_object_set_new(
            json_object_get(doc, "claims"), "gpu_attested",
            json_pack("{s:s,s:s,s:s}", "status", "asserted", "source",
                      "hardware_proven", "reason",
                      "the upstream's NVIDIA GPU evidence verified"));
    char *t = doc ? sim_aci_jcs(doc) : NULL;
    json_decref(doc);
    return t;
}

/* The session id variant v is served under (built on first use). */
static bool session_get_id(sim *s, int v, char id[65])
{
    pthread_mutex_lock(&s->lock);
    if (!sess_json[v] && (sess_json[v] = session_build(s, v)))
        sim_sha256_hex(sess_id[v], sess_json[v], strlen(sess_json[v]));
    bool ok = sess_json[v] != NULL;
    if (ok)
        memcpy(id, sess_id[v], 65);
    pthread_mutex_unlock(&s->lock);
    return ok;
}

char *sim_aci_session_get(sim *s, const sim_faults *f, const char *id)
{
    char other[65];
    sim_sha256_hex(other, OTHER_LABEL, sizeof OTHER_LABEL - 1);
    char *out = NULL;
    pthread_mutex_lock(&s->lock);
    for (int v = 0; v < V_COUNT && !out; v++)
        if (sess_json[v] && strcmp(sess_id[v], id) == 0)
            out = strdup(sess_json[v]);
    /* the cited other id answers the served document, not hashing to it */
    if (!out && f->aci_session_other && strcmp(id, other) == 0 &&
        sess_json[V_GOOD])
        out = strdup(sess_json[V_GOOD]);
    pthread_mutex_unlock(&s->lock);
    return out;
}

void sim_aci_route_clear(sim_aci_route *r)
{
    json_decref(r->upstream);
    memset(r, 0, sizeof *r);
}

static bool is_hex64(const json_t *v)
{
    const char *t = json_string_value(v);
    if (!t || strlen(t) != 64)
        return false;
    for (size_t i = 0; i < 64; i++)
        if (!((t[i] >= '0' && t[i] <= '9') || (t[i] >= 'a' && t[i] <= 'f')))
            return false;
    return true;
}

/* Read the constraints of provider (spec 5.3); NULL or the 400 reason. */
static const char *constraints(json_t *prov, bool *verified, json_t **ids)
{
    const char *key;
    json_t *v;
    json_object_foreach(prov, key, v) {
        if (strncmp(key, "aci_", 4) != 0)
            continue;
        if (strcmp(key, "aci_verified") == 0) {
            if (!json_is_boolean(v))
                return "provider.aci_verified must be true or false";
        } else if (strcmp(key, "aci_session_ids") == 0) {
            size_t i;
            json_t *e;
            if (!json_is_array(v) || !json_array_size(v))
                return "provider.aci_session_ids must be a non-empty array";
            json_array_foreach(v, i, e) if (!is_hex64(e))
                return "provider.aci_session_ids holds 64-hex session ids";
        } else {
            return "unknown aci_ member in provider";
        }
    }
    json_t *av = json_object_get(prov, "aci_verified");
    *ids = json_object_get(prov, "aci_session_ids");
    if (*ids && json_is_false(av))
        return "provider.aci_session_ids with aci_verified false";
    *verified = json_is_true(av) || *ids;
    return NULL;
}

int sim_aci_agg_admit(sim *s, const sim_faults *f, const void *body,
                      size_t len, const char *model, sim_aci_route *out,
                      json_t **err_doc)
{
    memset(out, 0, sizeof *out);
    *err_doc = NULL;
    json_t *req = json_loadb(body ? body : "", len, 0, NULL);
    json_t *prov = json_is_object(req) ? json_object_get(req, "provider")
                                       : NULL;
    bool required = false;
    json_t *ids = NULL;
    const char *bad = json_is_object(prov) ? constraints(prov, &required,
                                                         &ids) : NULL;
    if (bad) {
        json_decref(req);
        *err_doc = sim_error_doc(bad, "invalid_request_error");
        return 400;
    }
    if (!s->aci_aggregator) {
        /* A direct service (spec 5.3): aci_verified is satisfied by
         * construction (no second hop, served as usual, its receipt has no
         * upstream.verified); it has no sessions, so it refuses any
         * aci_session_ids list before serving. The refusal's receipt is
         * built as an aggregator's refusal without upstream event:
         * request.received and response.returned only. */
        json_decref(req);
        if (!ids)
            return 0;
        out->aggregator = true; /* no request.forwarded in the receipt */
        *err_doc = sim_error_doc("a direct service has no attested "
                                 "sessions: none of the pinned sessions can "
                                 "serve this request",
                                 "session_not_accepted");
        return 412;
    }
    char sid[65];
    int v = variant(f);
    if (!session_get_id(s, v, sid)) {
        json_decref(req);
        *err_doc = sim_error_doc("no session", "server_error");
        return 500;
    }
    if (f->aci_session_other)
        sim_sha256_hex(sid, OTHER_LABEL, sizeof OTHER_LABEL - 1);
    bool accepted = !ids;
    size_t i;
    json_t *e;
    json_array_foreach(ids, i, e) if (strcmp(json_string_value(e), sid) == 0)
        accepted = true;
    int status = 0;
    if (!accepted) {
        status = 412;
        *err_doc = sim_error_doc("none of the pinned sessions can serve this "
                                 "request", "session_not_accepted");
        out->upstream = json_pack(
            "{s:s,s:s,s:b,s:s,s:s,s:s}", "type", "upstream.verified",
            "result", "failed", "required", 1, "model_id", model, "reason",
            "no pinned session serves the route", "upstream_name",
            "sim-upstream");
    } else if (f->aci_upstream_failed) {
        out->upstream = json_pack(
            "{s:s,s:s,s:b,s:s,s:s,s:s}", "type", "upstream.verified",
            "result", "failed", "required", required, "model_id", model,
            "reason", "the upstream's quote did not verify (simulated)",
            "upstream_name", "sim-upstream");
        if (required) {
            status = 503;
            *err_doc = sim_error_doc("upstream verification failed",
                                     "upstream_verification_failed");
        }
    } else {
        out->upstream = json_pack(
            "{s:s,s:s,s:b,s:s,s:s}", "type", "upstream.verified", "result",
            "verified", "required", required, "model_id", model,
            "session_id", sid);
    }
    out->forwarded = status == 0;
    if (out->forwarded) {
        /* the constraints are consumed, not forwarded (spec 5.3) */
        char *fwd = NULL;
        if (json_is_object(prov)) {
            json_object_del(prov, "aci_verified");
            json_object_del(prov, "aci_session_ids");
            if (!json_object_size(prov))
                json_object_del(req, "provider");
            fwd = json_dumps(req, JSON_COMPACT);
        }
        if (fwd)
            sim_sha256_hex(out->fwd_hex, fwd, strlen(fwd));
        else
            sim_sha256_hex(out->fwd_hex, body ? body : "", len);
        free(fwd);
    }
    out->aggregator = true;
    json_decref(req);
    return status;
}
