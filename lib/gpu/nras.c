/*
 * NRAS client: request body, one POST through the context's transport, and
 * the verification of the detached EAT answer (spec nvidia.md 5.2-5.5).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "nras.h"
#include "../cache/cache.h"
#include "../crypto/crypto.h"
#include "../transport/transport.h"

static const char *const default_hwmodels[] = {"GH100", "GH100 A01 GSP BROM"};

void ta_nras_policy_init(ta_nras_policy *p)
{
    memset(p, 0, sizeof *p);
    p->issuer = TA_NRAS_ISSUER;
    p->hwmodels = default_hwmodels;
    p->n_hwmodels = TA_ARRAY_LEN(default_hwmodels);
    p->leeway = TA_NRAS_LEEWAY_DEFAULT;
}

/* ---- request ---------------------------------------------------------------- */

static bool is_b64_text(const char *s)
{
    if (!s || !*s)
        return false;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '='))
            return false;
    }
    return true;
}

static bool is_arch(const char *s)
{
    if (!s || !*s || strlen(s) > 32)
        return false;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_'))
            return false;
    return true;
}

int ta_nras_build_request(const teeattest_ctx *ctx, ta_buf *out, int version,
                          const uint8_t nonce[32], const char *arch,
                          const ta_nras_evidence *ev, size_t n,
                          teeattest_error *err)
{
    if (!ctx || !out || !nonce || (!ev && n))
        return TA_INVALID(err, "ta_nras_build_request: NULL argument");
    if (version != 3 && version != 4)
        return TA_INVALID(err, "NRAS version must be 3 or 4");
    if (n == 0 || n > TA_NRAS_GPUS_MAX)
        return ta_error(err, TEEATTEST_E_INVALID_ARG, "evidence_list",
                        "NRAS request needs 1..%u evidence items, got %zu",
                        TA_NRAS_GPUS_MAX, n);
    if (!arch)
        arch = "HOPPER";
    if (!is_arch(arch))
        return ta_error(err, TEEATTEST_E_INVALID_ARG, "arch",
                        "arch must be upper-case letters, digits, '_'");
    for (size_t i = 0; i < n; i++) {
        /* Only base64 characters: the strings go into JSON verbatim. */
        if (!is_b64_text(ev[i].evidence_b64) ||
            !is_b64_text(ev[i].certificate_b64)) {
            char where[48];
            snprintf(where, sizeof where, "evidence_list[%zu]", i);
            return ta_error(err, TEEATTEST_E_BASE64, where,
                            "evidence or certificate is empty or not base64");
        }
    }
    char hex[65];
    ta_hex_encode(hex, nonce, 32);
    ta_buf_init(out, ctx, TA_NRAS_REQUEST_MAX);
    int rc = ta_buf_printf(out, "{\"nonce\":\"%s\",\"arch\":\"%s\","
                           "\"evidence_list\":[", hex, arch);
    for (size_t i = 0; !rc && i < n; i++) {
        rc = ta_buf_append_str(out, i ? ",{\"evidence\":\"" : "{\"evidence\":\"");
        if (!rc)
            rc = ta_buf_append_str(out, ev[i].evidence_b64);
        if (!rc)
            rc = ta_buf_append_str(out, "\",\"certificate\":\"");
        if (!rc)
            rc = ta_buf_append_str(out, ev[i].certificate_b64);
        if (!rc)
            rc = ta_buf_append_str(out, "\"}");
    }
    if (!rc)
        rc = ta_buf_printf(out, "],\"claims_version\":\"%s\"}",
                           version == 4 ? "3.0" : "2.0");
    if (!rc)
        rc = ta_buf_terminate(out);
    if (rc) {
        ta_buf_free(out);
        return ta_error(err, rc == TEEATTEST_E_NOMEM ? rc : TEEATTEST_E_TOO_LARGE,
                        NULL, "building the NRAS request body");
    }
    return TEEATTEST_OK;
}

/* ---- verification state ----------------------------------------------------- */

typedef struct dev {
    int index;          /* i of "GPU-i" */
    const char *key;    /* "GPU-i", in the answer's JSON */
    const char *token;
    size_t token_len;
    ta_jwt jwt;
    bool parsed;
    int gpu;            /* the evidence's GPU its ueid names, -1 none */
} dev;

/* Everything one ta_nras_verify_append call establishes, step by step. */
typedef struct vst {
    teeattest_ctx *ctx;
    teeattest_result *r;
    ta_nras_outcome *out;
    const ta_nras_policy *pol;
    const ta_jwks *jwks;
    const uint8_t *nonce;   /* 32 bytes */
    int64_t at;
    const char *issuer;
    json_t *root;           /* the parsed answer (a reference) */
    json_t *map;            /* borrowed from root: {"GPU-i": token} */
    const char *otok;       /* borrowed from root: the overall token */
    size_t otok_len;
    dev *devs;              /* nd device tokens, sorted by index */
    size_t nd;
    ta_jwt overall;
    bool overall_parsed;
    bool sigs_ok;           /* every token's signature verified */
    bool bound;             /* gpu.nras.ueid bound one token per GPU */
    char msg[700];          /* a shape error's text */
    ta_checks rec;          /* the checks, and what failed */
} vst;

static void vst_init(vst *s, teeattest_ctx *ctx, teeattest_result *r,
                     ta_nras_outcome *out, const ta_nras_policy *pol)
{
    memset(s, 0, sizeof *s);
    s->ctx = ctx;
    s->r = r;
    s->out = out;
    s->pol = pol;
    s->rec.r = r;
    s->rec.detail_max = 1000;
}

static void check(vst *s, const char *name, int32_t outcome, const char *fmt,
                  ...) TA_PRINTF(4, 5);

/* Every NRAS check is required; one that failed or was skipped clears
 * out->passed and the first names out->first_failure. */
static void check(vst *s, const char *name, int32_t outcome, const char *fmt,
                  ...)
{
    va_list ap;
    va_start(ap, fmt);
    ta_checks_vadd(&s->rec, name, outcome, true, fmt, ap);
    va_end(ap);
    if (s->rec.failed || s->rec.req_skip) {
        s->out->passed = false;
        if (!s->out->first_failure)
            s->out->first_failure = s->rec.first_bad;
    }
}

/* A content check on tokens whose signatures did not verify: what it saw is
 * reported, but never as a pass. */
static void content(vst *s, bool sigs_ok, const char *name, bool ok,
                    const char *fmt, ...) TA_PRINTF(5, 6);

static void content(vst *s, bool sigs_ok, const char *name, bool ok,
                    const char *fmt, ...)
{
    char d[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d, sizeof d, fmt, ap);
    va_end(ap);
    if (ok && !sigs_ok)
        check(s, name, TEEATTEST_OUTCOME_SKIP,
              "token signatures not verified; unverified content: %s", d);
    else
        check(s, name, ok ? TEEATTEST_OUTCOME_PASS : TEEATTEST_OUTCOME_FAIL,
              "%s%s", sigs_ok ? "" : "(unverified token) ", d);
}

static void gpu_name(char *out, size_t cap, int i, const char *what)
{
    snprintf(out, cap, "gpu[%d].nras.%s", i, what);
}

/* Printable copy of an untrusted string. */
static void safe(char *out, size_t cap, const char *s)
{
    size_t o = 0;
    for (; s && *s && o + 1 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        out[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    out[o] = '\0';
}

/* "GPU-<decimal>" without leading zeros, 0..TA_NRAS_GPUS_MAX-1; else -1. */
static int gpu_index(const char *key)
{
    if (strncmp(key, "GPU-", 4) != 0)
        return -1;
    const char *p = key + 4;
    if (!*p || (p[0] == '0' && p[1]) || strlen(p) > 3)
        return -1;
    int v = 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        v = v * 10 + (*p - '0');
    }
    return v < (int)TA_NRAS_GPUS_MAX ? v : -1;
}

/* Text of a device token's x-nvidia-error-details; code in *code. */
static bool error_details(const ta_jwt *j, char *out, size_t cap,
                          int32_t *code)
{
    json_t *e = j->claims ? json_object_get(j->claims, "x-nvidia-error-details")
                          : NULL;
    if (!e || json_is_null(e))
        return false;
    json_t *c = json_object_get(e, "code");
    char msg[64], desc[160];
    safe(msg, sizeof msg, json_string_value(json_object_get(e, "message")));
    safe(desc, sizeof desc,
         json_string_value(json_object_get(e, "description")));
    /* Trailing blanks in NVIDIA's description. */
    for (size_t l = strlen(desc); l && desc[l - 1] == ' '; l--)
        desc[l - 1] = '\0';
    long long cv = json_is_integer(c) ? (long long)json_integer_value(c) : 0;
    if (code && !*code && cv > INT32_MIN && cv < INT32_MAX)
        *code = cv ? (int32_t)cv : -1;
    snprintf(out, cap, "NRAS error %lld %s%s%s%s", cv, msg[0] ? msg : "?",
             desc[0] ? " (" : "", desc, desc[0] ? ")" : "");
    return true;
}

static bool claim_true(json_t *c, const char *name)
{
    return json_is_true(json_object_get(c, name));
}

/* Claims 3.0 cert-chain object: status valid and OCSP good. */
static bool chain_obj_ok(json_t *c, const char *name)
{
    json_t *o = json_object_get(c, name);
    const char *st = json_string_value(json_object_get(o, "x-nvidia-cert-status"));
    const char *oc =
        json_string_value(json_object_get(o, "x-nvidia-cert-ocsp-status"));
    return st && oc && strcmp(st, "valid") == 0 && strcmp(oc, "good") == 0;
}

/* Evidence flags NVIDIA's own remote policy requires (spec 5.5 step 6). */
static void flags_missing(json_t *c, bool rim, char *out, size_t cap)
{
    static const char *const ev_flags[] = {
        "x-nvidia-gpu-arch-check", "x-nvidia-gpu-attestation-report-parsed",
        "x-nvidia-gpu-attestation-report-nonce-match",
        "x-nvidia-gpu-attestation-report-signature-verified"};
    static const char *const rim_flags[] = {
        "x-nvidia-gpu-driver-rim-fetched",
        "x-nvidia-gpu-driver-rim-schema-validated",
        "x-nvidia-gpu-driver-rim-signature-verified",
        "x-nvidia-gpu-driver-rim-measurements-available",
        "x-nvidia-gpu-vbios-rim-fetched",
        "x-nvidia-gpu-vbios-rim-schema-validated",
        "x-nvidia-gpu-vbios-rim-signature-verified",
        "x-nvidia-gpu-vbios-rim-measurements-available",
        "x-nvidia-gpu-vbios-index-no-conflict"};
    out[0] = '\0';
    size_t o = 0;
#define ADD(s)                                                                 \
    do {                                                                       \
        int k_ = snprintf(out + o, cap - o, "%s%s", o ? ", " : "", (s));     \
        if (k_ > 0 && (size_t)k_ < cap - o)                                    \
            o += (size_t)k_;                                                   \
    } while (0)
    const char *const *list = rim ? rim_flags : ev_flags;
    size_t n = rim ? TA_ARRAY_LEN(rim_flags) : TA_ARRAY_LEN(ev_flags);
    for (size_t i = 0; i < n; i++)
        if (!claim_true(c, list[i]))
            ADD(list[i]);
    if (!rim) {
        /* Claims 2.0 has a boolean; 3.0 an object plus the FWID flag. */
        if (json_object_get(c, "x-nvidia-gpu-attestation-report-cert-chain")) {
            if (!chain_obj_ok(c, "x-nvidia-gpu-attestation-report-cert-chain"))
                ADD("x-nvidia-gpu-attestation-report-cert-chain");
            if (!claim_true(c, "x-nvidia-gpu-attestation-report-cert-chain-fwid-match"))
                ADD("x-nvidia-gpu-attestation-report-cert-chain-fwid-match");
        } else if (!claim_true(c, "x-nvidia-gpu-attestation-report-cert-chain-validated")) {
            ADD("x-nvidia-gpu-attestation-report-cert-chain-validated");
        }
    } else {
        static const char *const parts[] = {"driver", "vbios"};
        for (size_t i = 0; i < 2; i++) {
            char obj[64], flag[64], ver[64];
            snprintf(obj, sizeof obj, "x-nvidia-gpu-%s-rim-cert-chain", parts[i]);
            snprintf(flag, sizeof flag, "x-nvidia-gpu-%s-rim-cert-validated",
                     parts[i]);
            snprintf(ver, sizeof ver, "x-nvidia-gpu-%s-rim-version-match",
                     parts[i]);
            if (json_object_get(c, obj)) {
                if (!chain_obj_ok(c, obj))
                    ADD(obj);
                if (!claim_true(c, ver))
                    ADD(ver);
            } else if (!claim_true(c, flag)) {
                ADD(flag);
            }
        }
    }
#undef ADD
}

/* Driver and VBIOS versions of the token equal its GPU's evidence (VBIOS
 * case-insensitively, spec 2.5). `ev` NULL: the token is bound to no GPU. */
static void versions(vst *s, const dev *d, bool sigs_ok, const char *name,
                     const ta_nras_device *ev)
{
    json_t *c = d->jwt.claims;
    json_t *dj = json_object_get(c, "x-nvidia-gpu-driver-version");
    json_t *vj = json_object_get(c, "x-nvidia-gpu-vbios-version");
    const char *dv = json_string_value(dj), *vv = json_string_value(vj);
    /* An embedded NUL must not cut a claim down to the evidence's value. */
    if (dv && strlen(dv) != json_string_length(dj))
        dv = NULL;
    if (vv && strlen(vv) != json_string_length(vj))
        vv = NULL;
    if (!ev) {
        check(s, name, TEEATTEST_OUTCOME_SKIP,
              "versions not compared: the %s token is bound to no GPU of the "
              "evidence (gpu.nras.ueid)", d->key);
        return;
    }
    char td[64] = "(missing)", tv[64] = "(missing)";
    if (dv)
        safe(td, sizeof td, dv);
    if (vv)
        safe(tv, sizeof tv, vv);
    const char *ed = ev->driver && *ev->driver ? ev->driver : NULL;
    const char *evb = ev->vbios && *ev->vbios ? ev->vbios : NULL;
    bool dok = dv && ed && strcmp(dv, ed) == 0;
    bool vok = vv && evb && strcasecmp(vv, evb) == 0;
    content(s, sigs_ok, name, dok && vok,
            "driver %s%s%.63s, VBIOS %s%s%.15s", td,
            dok ? " = evidence" : !ed ? " (the evidence has none)"
                                      : " != evidence ",
            dok || !ed ? "" : ed, tv,
            vok ? " = evidence" : !evb ? " (the evidence has none)"
                                       : " != evidence ",
            vok || !evb ? "" : evb);
}

/* Per-GPU checks of one device token under gpu[slot]; `ev` the evidence's
 * GPU its ueid names, NULL when the tokens are not bound to the evidence. */
static void per_gpu(vst *s, const dev *d, bool sigs_ok, int slot,
                    const ta_nras_device *ev)
{
    char name[64], det[300];
    int i = slot;
    json_t *c = d->jwt.claims;
    int32_t dummy = 0;
    bool err_tok = error_details(&d->jwt, det, sizeof det, &dummy);

    gpu_name(name, sizeof name, i, "measurements");
    if (err_tok) {
        check(s, name, TEEATTEST_OUTCOME_FAIL, "%s", det);
    } else {
        const char *m = json_string_value(json_object_get(c, "measres"));
        char mv[40] = "(missing)";
        if (m)
            safe(mv, sizeof mv, m);
        json_t *mm = json_object_get(c, "x-nvidia-mismatch-measurement-records");
        content(s, sigs_ok, name, m && strcmp(m, "success") == 0,
                "measres %s%s", mv,
                mm && !json_is_null(mm) ? " (mismatch records present)" : "");
    }
    char why[340];
    if (err_tok)
        snprintf(why, sizeof why, "no appraisal claims: %s", det);

    gpu_name(name, sizeof name, i, "secure_boot");
    if (err_tok)
        check(s, name, TEEATTEST_OUTCOME_SKIP, "%s", why);
    else
        content(s, sigs_ok, name, json_is_true(json_object_get(c, "secboot")),
                "secboot %s",
                json_is_true(json_object_get(c, "secboot")) ? "true"
                                                            : "not true");

    gpu_name(name, sizeof name, i, "debug");
    if (err_tok) {
        check(s, name, TEEATTEST_OUTCOME_SKIP, "%s", why);
    } else {
        const char *v = json_string_value(json_object_get(c, "dbgstat"));
        char vv[40] = "(missing)";
        if (v)
            safe(vv, sizeof vv, v);
        content(s, sigs_ok, name, v && strcmp(v, "disabled") == 0,
                "dbgstat %s", vv);
    }

    gpu_name(name, sizeof name, i, "hwmodel");
    if (err_tok) {
        check(s, name, TEEATTEST_OUTCOME_SKIP, "%s", why);
    } else {
        const char *v = json_string_value(json_object_get(c, "hwmodel"));
        bool ok = false;
        for (size_t k = 0; v && k < s->pol->n_hwmodels; k++)
            if (s->pol->hwmodels[k] && strcmp(v, s->pol->hwmodels[k]) == 0)
                ok = true;
        char vv[64] = "(missing)";
        if (v)
            safe(vv, sizeof vv, v);
        content(s, sigs_ok, name, ok, "hwmodel %s%s", vv,
                ok ? "" : " not in the allow-list");
    }

    char miss[700];
    gpu_name(name, sizeof name, i, "evidence");
    if (err_tok) {
        check(s, name, TEEATTEST_OUTCOME_SKIP, "%s", why);
    } else {
        flags_missing(c, false, miss, sizeof miss);
        content(s, sigs_ok, name, !miss[0], "%s%s",
                miss[0] ? "not true: " : "arch, parse, nonce, signature, "
                                         "cert chain flags true",
                miss);
    }
    gpu_name(name, sizeof name, i, "rim");
    if (err_tok) {
        check(s, name, TEEATTEST_OUTCOME_SKIP, "%s", why);
    } else {
        flags_missing(c, true, miss, sizeof miss);
        content(s, sigs_ok, name, !miss[0], "%s%s",
                miss[0] ? "not true: " : "driver and VBIOS RIM flags true",
                miss);
    }

    gpu_name(name, sizeof name, i, "versions");
    if (err_tok)
        check(s, name, TEEATTEST_OUTCOME_SKIP, "%s", why);
    else
        versions(s, d, sigs_ok, name, ev);

    gpu_name(name, sizeof name, i, "warning");
    json_t *w = json_object_get(c, "x-nvidia-attestation-warning");
    if (err_tok) {
        check(s, name, TEEATTEST_OUTCOME_SKIP, "%s", why);
    } else if (!w || json_is_null(w)) {
        content(s, sigs_ok, name, true, "none");
    } else {
        char wv[200] = "(not a string)";
        if (json_is_string(w))
            safe(wv, sizeof wv, json_string_value(w));
        if (!sigs_ok || s->pol->warning_fails)
            check(s, name, TEEATTEST_OUTCOME_FAIL, "NRAS warning: %s", wv);
        else
            check(s, name, TEEATTEST_OUTCOME_WARN, "NRAS warning: %s", wv);
    }

    if (s->r && !err_tok) {
        static const struct { const char *claim, *fact; } facts[] = {
            {"x-nvidia-gpu-driver-version", "driver"},
            {"x-nvidia-gpu-vbios-version", "vbios"},
            {"ueid", "ueid"},
            {"hwmodel", "hwmodel"},
        };
        for (size_t k = 0; k < TA_ARRAY_LEN(facts); k++) {
            const char *v = json_string_value(json_object_get(c, facts[k].claim));
            if (!v)
                continue;
            char key[64], val[128];
            snprintf(key, sizeof key, "gpu[%d].nras.%s", i, facts[k].fact);
            safe(val, sizeof val, v);
            ta_result_fact_str(s->r, key, val);
        }
    }
}

static int cmp_dev(const void *a, const void *b)
{
    return ((const dev *)a)->index - ((const dev *)b)->index;
}

static const char *const all_checks[] = {
    "gpu.nras.jwt.signature", "gpu.nras.jwt.claims", "gpu.nras.nonce",
    "gpu.nras.submods",       "gpu.nras.result",     "gpu.nras.ueid",
};

/* ---- the steps, in the order of docs/checks.md ------------------------------
 *
 * Each step records its check and sets what later steps read in the vst.
 * A step returning non-zero hit an error (out of memory) that ends the
 * verification without further checks. */

/* The answer's outer shape: [["JWT", overall], {"GPU-i": token}]. Sets the
 * overall token, the device map, or *shape_err. */
static int parse_answer(vst *s, const uint8_t *answer, size_t len,
                        const char **shape_err, teeattest_error *err)
{
    teeattest_error je = TEEATTEST_ERROR_INIT;
    int prc = ta_json_parse(&s->root, answer, len, TA_NRAS_RESPONSE_MAX, &je);
    if (prc == TEEATTEST_E_NOMEM)
        return ta_error(err, prc, NULL, "parsing the NRAS answer");
    if (prc) {
        snprintf(s->msg, sizeof s->msg, "answer is not JSON: %s", je.message);
        *shape_err = s->msg;
        return TEEATTEST_OK;
    }
    json_t *root = s->root;
    json_t *first = json_array_get(root, 0);
    json_t *tag = json_array_get(first, 0);
    json_t *tok = json_array_get(first, 1);
    s->map = json_array_get(root, 1);
    if (!json_is_array(root) || json_array_size(root) != 2)
        *shape_err = "answer is not a two-element array";
    else if (!json_is_array(first) || json_array_size(first) != 2 ||
             !json_is_string(tag) ||
             strcmp(json_string_value(tag), "JWT") != 0 ||
             !json_is_string(tok))
        *shape_err = "first element is not [\"JWT\", token]";
    else if (!json_is_object(s->map))
        *shape_err = "second element is not an object of device tokens";
    else if (json_object_size(s->map) == 0)
        *shape_err = "no device tokens";
    else if (json_object_size(s->map) > TA_NRAS_GPUS_MAX)
        *shape_err = "more device tokens than the limit";
    if (!*shape_err) {
        s->otok = json_string_value(tok);
        s->otok_len = json_string_length(tok);
    }
    return TEEATTEST_OK;
}

/* The device tokens "GPU-0".."GPU-<n-1>", sorted by index, into s->devs. */
static int collect_devices(vst *s, const char **shape_err, teeattest_error *err)
{
    s->devs = ta_calloc(s->ctx, json_object_size(s->map), sizeof *s->devs);
    if (!s->devs)
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "NRAS device tokens");
    const char *k;
    json_t *v;
    json_object_foreach(s->map, k, v) {
        int idx = gpu_index(k);
        if (idx < 0 || !json_is_string(v)) {
            char kk[40];
            safe(kk, sizeof kk, k);
            snprintf(s->msg, sizeof s->msg,
                     "device token key %s is not GPU-<n> with a string", kk);
            *shape_err = s->msg;
            return TEEATTEST_OK;
        }
        dev *d = &s->devs[s->nd++];
        d->index = idx;
        d->key = k;
        d->token = json_string_value(v);
        d->token_len = json_string_length(v);
        d->gpu = -1;
    }
    qsort(s->devs, s->nd, sizeof *s->devs, cmp_dev);
    for (size_t i = 0; i < s->nd; i++)
        if (s->devs[i].index != (int)i) {
            *shape_err = "device tokens are not GPU-0..GPU-<n-1>";
            break;
        }
    return TEEATTEST_OK;
}

/* gpu.nras.response; *usable false when the answer cannot be read (the
 * other checks are then recorded as skipped). */
static int step_response(vst *s, const uint8_t *answer, size_t len,
                         bool *usable, teeattest_error *err)
{
    const char *shape_err = NULL;
    *usable = false;
    int rc = parse_answer(s, answer, len, &shape_err, err);
    if (!rc && !shape_err)
        rc = collect_devices(s, &shape_err, err);
    if (rc)
        return rc;
    if (shape_err) {
        check(s, "gpu.nras.response", TEEATTEST_OUTCOME_FAIL,
              "NRAS answer: %s", shape_err);
        for (size_t i = 0; i < TA_ARRAY_LEN(all_checks); i++)
            check(s, all_checks[i], TEEATTEST_OUTCOME_SKIP,
                  "NRAS answer unusable");
        return TEEATTEST_OK;
    }
    s->out->n_gpus = s->nd;
    check(s, "gpu.nras.response", TEEATTEST_OUTCOME_PASS,
          "detached EAT: overall token + %zu device token%s", s->nd,
          s->nd == 1 ? "" : "s");
    *usable = true;
    return TEEATTEST_OK;
}

/* gpu.nras.jwt.signature: every token parses and verifies (sets sigs_ok). */
static int step_signatures(vst *s, teeattest_error *err)
{
    char first_sig[400] = "";
    char sig_ok_detail[400] = "";
    s->sigs_ok = true;
    {
        teeattest_error pe = TEEATTEST_ERROR_INIT;
        int p = ta_jwt_parse(s->ctx, &s->overall, s->otok, s->otok_len, &pe);
        if (p == TEEATTEST_E_NOMEM)
            return ta_error(err, p, NULL, "parsing the overall token");
        if (p) {
            s->sigs_ok = false;
            snprintf(first_sig, sizeof first_sig, "overall token: %s",
                     pe.message);
        } else {
            s->overall_parsed = true;
            char d[400];
            int v = ta_jwt_verify_signature(s->ctx, &s->overall, s->jwks,
                                            &s->pol->keys, s->at, d, sizeof d);
            if (v) {
                s->sigs_ok = false;
                snprintf(first_sig, sizeof first_sig, "overall token: %.360s", d);
            } else {
                snprintf(sig_ok_detail, sizeof sig_ok_detail, "%s", d);
            }
        }
    }
    for (size_t i = 0; i < s->nd; i++) {
        dev *dv = &s->devs[i];
        teeattest_error pe = TEEATTEST_ERROR_INIT;
        int p = ta_jwt_parse(s->ctx, &dv->jwt, dv->token, dv->token_len, &pe);
        if (p == TEEATTEST_E_NOMEM)
            return ta_error(err, p, NULL, "parsing a device token");
        if (p) {
            if (s->sigs_ok || !first_sig[0])
                snprintf(first_sig, sizeof first_sig, "%.16s token: %.300s",
                         dv->key, pe.message);
            s->sigs_ok = false;
            continue;
        }
        dv->parsed = true;
        char d[400];
        int v = ta_jwt_verify_signature(s->ctx, &dv->jwt, s->jwks,
                                        &s->pol->keys, s->at, d, sizeof d);
        if (v) {
            if (s->sigs_ok || !first_sig[0])
                snprintf(first_sig, sizeof first_sig, "%.16s token: %.360s",
                         dv->key, d);
            s->sigs_ok = false;
        }
    }
    if (s->sigs_ok)
        check(s, "gpu.nras.jwt.signature", TEEATTEST_OUTCOME_PASS,
              "%zu tokens: %s", s->nd + 1, sig_ok_detail);
    else
        check(s, "gpu.nras.jwt.signature", TEEATTEST_OUTCOME_FAIL, "%s",
              first_sig);
    return TEEATTEST_OK;
}

/* Everything after the signatures reads claims: tokens that did not parse
 * make the remaining answer unusable. */
static bool all_parsed(vst *s)
{
    bool ok = s->overall_parsed;
    for (size_t i = 0; i < s->nd; i++)
        ok = ok && s->devs[i].parsed;
    if (!ok)
        for (size_t i = 1; i < TA_ARRAY_LEN(all_checks); i++)
            check(s, all_checks[i], TEEATTEST_OUTCOME_SKIP,
                  "a token did not parse");
    return ok;
}

/* gpu.nras.jwt.claims: the registered claims of every token. */
static void step_claims(vst *s)
{
    bool ok = true;
    char d[400], first[500] = "";
    if (ta_jwt_check_claims(&s->overall, s->issuer, s->at, s->pol->leeway, d,
                            sizeof d)) {
        ok = false;
        snprintf(first, sizeof first, "overall token: %s", d);
    }
    for (size_t i = 0; ok && i < s->nd; i++)
        if (ta_jwt_check_claims(&s->devs[i].jwt, s->issuer, s->at,
                                s->pol->leeway, d, sizeof d)) {
            ok = false;
            snprintf(first, sizeof first, "%s token: %s", s->devs[i].key, d);
        }
    if (ok) {
        (void)ta_jwt_check_claims(&s->overall, s->issuer, s->at,
                                  s->pol->leeway, d, sizeof d);
        snprintf(first, sizeof first, "%zu tokens: iss %.80s, time ok at "
                 "%" PRId64 " (overall %.300s)", s->nd + 1, s->issuer, s->at,
                 d);
    }
    content(s, s->sigs_ok, "gpu.nras.jwt.claims", ok, "%s", first);
}

/* gpu.nras.nonce */
static void step_nonce(vst *s)
{
    char d[300], first[400] = "";
    bool ok = ta_jwt_nonce_matches(&s->overall, s->nonce, 32, d, sizeof d) == 1;
    if (!ok)
        snprintf(first, sizeof first, "overall token: %s", d);
    size_t with = 0;
    for (size_t i = 0; ok && i < s->nd; i++) {
        int m = ta_jwt_nonce_matches(&s->devs[i].jwt, s->nonce, 32, d,
                                     sizeof d);
        char ed[200];
        if (m == 1) {
            with++;
        } else if (m == -1 &&
                   error_details(&s->devs[i].jwt, ed, sizeof ed, NULL)) {
            /* NRAS error tokens carry no eat_nonce (spec 5.3); the
             * error itself fails gpu.nras.result. */
        } else {
            ok = false;
            snprintf(first, sizeof first, "%s token: %s", s->devs[i].key, d);
        }
    }
    if (ok) {
        char hex[65];
        ta_hex_encode(hex, s->nonce, 32);
        snprintf(first, sizeof first,
                 "eat_nonce %s in the overall token and %zu of %zu device "
                 "tokens (the others are error tokens)",
                 hex, with, s->nd);
        if (with == s->nd)
            snprintf(first, sizeof first,
                     "eat_nonce %s in the overall and all %zu device tokens",
                     hex, s->nd);
    }
    content(s, s->sigs_ok, "gpu.nras.nonce", ok, "%s", first);
}

/* One submods entry: ["DIGEST", ["SHA-256", hex]] of the device token.
 * Returns false with the reason in first. */
static bool submod_ok(vst *s, json_t *sm, const dev *dv, char *first,
                      size_t cap)
{
    json_t *e = json_object_get(sm, dv->key);
    json_t *inner = json_array_get(e, 1);
    const char *tag = json_string_value(json_array_get(e, 0));
    const char *alg = json_string_value(json_array_get(inner, 0));
    const char *hex = json_string_value(json_array_get(inner, 1));
    uint8_t want[32], got[32];
    if (!e) {
        snprintf(first, cap, "no submods entry for %s", dv->key);
    } else if (json_array_size(e) != 2 || !tag ||
               strcmp(tag, "DIGEST") != 0 ||
               json_array_size(inner) != 2 || !alg ||
               strcmp(alg, "SHA-256") != 0 || !hex ||
               strlen(hex) != 64 ||
               ta_hex_decode(want, sizeof want, hex, 64) != 32) {
        snprintf(first, cap, "submods %s is not "
                 "[\"DIGEST\",[\"SHA-256\",<64 hex>]]", dv->key);
    } else if (ta_sha256(s->ctx, got, (const uint8_t *)dv->token,
                         dv->token_len) != TEEATTEST_OK) {
        snprintf(first, cap, "hashing %s failed", dv->key);
    } else if (!ta_ct_equal(want, got, 32)) {
        char g[65];
        ta_hex_encode(g, got, 32);
        snprintf(first, cap, "SHA-256 of the %s token is %s, "
                 "submods says %.64s", dv->key, g, hex);
    } else {
        return true;
    }
    return false;
}

/* gpu.nras.submods */
static void step_submods(vst *s)
{
    const ta_nras_policy *pol = s->pol;
    size_t nd = s->nd;
    json_t *sm = json_object_get(s->overall.claims, "submods");
    bool ok = json_is_object(sm);
    char first[400] = "";
    if (!ok)
        snprintf(first, sizeof first, "overall token has no submods object");
    size_t nsm = ok ? json_object_size(sm) : 0;
    if (ok && nsm != nd) {
        ok = false;
        snprintf(first, sizeof first, "%zu submods entries but %zu device "
                 "tokens", nsm, nd);
    }
    if (ok && pol->expected_gpus && nd != pol->expected_gpus) {
        ok = false;
        snprintf(first, sizeof first, "%zu device tokens but %zu GPUs "
                 "expected (evidence items sent)", nd, pol->expected_gpus);
    }
    for (size_t i = 0; ok && i < nd; i++)
        ok = submod_ok(s, sm, &s->devs[i], first, sizeof first);
    if (ok)
        snprintf(first, sizeof first, "%zu submods digests (SHA-256 of "
                 "each device token) match; %zu = %zu%s", nd, nsm, nd,
                 pol->expected_gpus ? " = GPUs sent" : "");
    content(s, s->sigs_ok, "gpu.nras.submods", ok, "%s", first);
}

/* The device tokens' NRAS errors; NRAS repeats one error on every device
 * (Chutes: 8 x 4010): runs of the same text are reported once with their
 * range. */
static void device_errors(vst *s, char *errs, size_t cap)
{
    char prev[250] = "";
    size_t o = 0;
    int run_start = -1, run_end = -1;
    errs[0] = '\0';
    for (size_t i = 0; i <= s->nd; i++) {
        char ed[250] = "";
        bool has = i < s->nd && error_details(&s->devs[i].jwt, ed, sizeof ed,
                                              &s->out->error_code);
        if (has && run_start >= 0 && run_end == (int)i - 1 &&
            strcmp(ed, prev) == 0) {
            run_end = (int)i;
            continue;
        }
        if (run_start >= 0 && o < cap) {
            int k = run_end > run_start
                        ? snprintf(errs + o, cap - o,
                                   "%sGPU-%d..GPU-%d: %s", o ? "; " : "",
                                   run_start, run_end, prev)
                        : snprintf(errs + o, cap - o,
                                   "%sGPU-%d: %s", o ? "; " : "",
                                   run_start, prev);
            o = k < 0 ? cap : o + (size_t)k < cap ? o + (size_t)k : cap;
            run_start = -1;
        }
        if (has) {
            run_start = run_end = (int)i;
            snprintf(prev, sizeof prev, "%s", ed);
        }
    }
}

/* gpu.nras.result and the answer's facts. */
static void step_result(vst *s)
{
    ta_nras_outcome *out = s->out;
    const ta_nras_policy *pol = s->pol;
    json_t *res = json_object_get(s->overall.claims,
                                  "x-nvidia-overall-att-result");
    out->overall = json_is_true(res) ? 1 : json_is_false(res) ? 0 : -1;
    const char *ver = json_string_value(json_object_get(s->overall.claims,
                                                        "x-nvidia-ver"));
    char vs[16] = "(missing)";
    if (ver)
        safe(vs, sizeof vs, ver);
    char errs[700];
    device_errors(s, errs, sizeof errs);
    bool ver_ok = !pol->claims_version ||
                  (ver && strcmp(ver, pol->claims_version) == 0);
    if (out->overall != 1)
        content(s, s->sigs_ok, "gpu.nras.result", false,
                "x-nvidia-overall-att-result %s (x-nvidia-ver %s)%s%s",
                out->overall == 0 ? "false" : "missing", vs,
                errs[0] ? ": " : "", errs);
    else if (!ver_ok)
        content(s, s->sigs_ok, "gpu.nras.result", false,
                "x-nvidia-ver %s, policy requires %.16s", vs,
                pol->claims_version);
    else if (errs[0])
        content(s, s->sigs_ok, "gpu.nras.result", false,
                "overall true but device errors: %s", errs);
    else
        content(s, s->sigs_ok, "gpu.nras.result", true,
                "x-nvidia-overall-att-result true (x-nvidia-ver %s)", vs);
    if (s->r) {
        teeattest_result *r = s->r;
        ta_result_fact_int(r, "gpu.nras.gpu_count", (int64_t)s->nd);
        if (out->overall >= 0)
            ta_result_fact_bool(r, "gpu.nras.overall_result",
                                out->overall == 1);
        if (ver)
            ta_result_fact_str(r, "gpu.nras.claims_version", vs);
        if (out->error_code)
            ta_result_fact_int(r, "gpu.nras.error_code", out->error_code);
    }
}

/* gpu.nras.ueid: the tokens judge the evidence's GPUs. Each device token's
 * ueid is the leaf certificate serial (decimal) of one GPU of the evidence,
 * one token per GPU, matched by identity: tokens NRAS issued for another GPU
 * set under the same nonce fail. Sets s->bound and each dev's gpu. */
static void step_ueid(vst *s)
{
    const ta_nras_device *ev = s->pol->devices;
    size_t nv = ev ? s->pol->n_devices : 0;
    size_t nd = s->nd;
    dev *devs = s->devs;
    bool ok = true, reordered = false;
    char first[400] = "";
    bool taken[TA_NRAS_GPUS_MAX];
    memset(taken, 0, sizeof taken);
    if (nv == 0) {
        ok = false;
        snprintf(first, sizeof first, "no GPUs of the evidence to bind "
                 "the device tokens to");
    } else if (nv > TA_NRAS_GPUS_MAX) {
        ok = false;
        snprintf(first, sizeof first, "%zu GPUs in the evidence exceed "
                 "the limit of %u", nv, TA_NRAS_GPUS_MAX);
    }
    for (size_t i = 0; ok && i < nd; i++) {
        json_t *u = json_object_get(devs[i].jwt.claims, "ueid");
        const char *a = json_string_value(u);
        char ed[8];
        if (!a || !*a || strlen(a) != json_string_length(u)) {
            ok = false;
            snprintf(first, sizeof first, "%s token has no ueid%s",
                     devs[i].key,
                     error_details(&devs[i].jwt, ed, sizeof ed, NULL)
                         ? " (an NRAS error token)" : "");
            break;
        }
        size_t j = 0;
        while (j < nv && !(ev[j].ueid && strcmp(ev[j].ueid, a) == 0))
            j++;
        char ua[64];
        safe(ua, sizeof ua, a);
        if (j == nv) {
            ok = false;
            snprintf(first, sizeof first, "%s token's ueid %s is the leaf "
                     "certificate serial of no GPU in the evidence",
                     devs[i].key, ua);
        } else if (taken[j]) {
            ok = false;
            snprintf(first, sizeof first, "%s token names gpu[%zu] (ueid "
                     "%s) again: one token per GPU", devs[i].key, j, ua);
        } else {
            taken[j] = true;
            devs[i].gpu = (int)j;
            reordered = reordered || devs[i].gpu != devs[i].index;
        }
    }
    for (size_t j = 0; ok && j < nv; j++) {
        if (taken[j])
            continue;
        ok = false;
        char ue[64] = "";
        safe(ue, sizeof ue, ev[j].ueid);
        if (ue[0])
            snprintf(first, sizeof first, "gpu[%zu] of the evidence (ueid "
                     "%s) has no device token", j, ue);
        else
            snprintf(first, sizeof first, "gpu[%zu] of the evidence has "
                     "no readable leaf certificate serial to match", j);
    }
    if (ok)
        snprintf(first, sizeof first, "%zu device tokens name the %zu GPUs "
                 "of the evidence by ueid (leaf certificate serial), one "
                 "each%s", nd, nv,
                 reordered ? "; token order differs from the evidence's"
                           : "");
    s->bound = ok;
    content(s, s->sigs_ok, "gpu.nras.ueid", ok, "%s", first);
}

/* gpu[i].nras.*: bound, under the evidence's GPU index, in the evidence's
 * order; otherwise under the token's own. */
static void step_per_gpu(vst *s)
{
    size_t nd = s->nd;
    dev *devs = s->devs;
    for (size_t k = 0; k < nd; k++) {
        size_t i = k;
        if (s->bound)
            for (i = 0; i < nd && devs[i].gpu != (int)k; i++)
                ;
        if (i == nd)
            continue; /* unreachable: bound is one token per GPU */
        per_gpu(s, &devs[i], s->sigs_ok,
                s->bound ? devs[i].gpu : devs[i].index,
                s->bound ? &s->pol->devices[devs[i].gpu] : NULL);
    }
}

int ta_nras_verify_append(teeattest_ctx *ctx, teeattest_result *r,
                          ta_nras_outcome *out, const uint8_t *answer,
                          size_t len, const ta_jwks *jwks,
                          const uint8_t nonce[32], int64_t at,
                          const ta_nras_policy *pol, teeattest_error *err)
{
    ta_nras_outcome local;
    if (!out)
        out = &local;
    memset(out, 0, sizeof *out);
    out->overall = -1;
    if (!ctx || (!answer && len) || !nonce)
        return TA_INVALID(err, "ta_nras_verify_append: NULL argument");
    ta_nras_policy defpol;
    if (!pol) {
        ta_nras_policy_init(&defpol);
        pol = &defpol;
    }
    vst st;
    vst *s = &st;
    vst_init(s, ctx, r, out, pol);
    s->jwks = jwks;
    s->nonce = nonce;
    s->at = at;
    s->issuer = pol->issuer ? pol->issuer : TA_NRAS_ISSUER;
    out->passed = true;

    bool usable = false;
    int rc = step_response(s, answer, len, &usable, err);
    if (!rc && usable)
        rc = step_signatures(s, err);
    if (!rc && usable && all_parsed(s)) {
        step_claims(s);
        step_nonce(s);
        step_submods(s);
        step_result(s);
        step_ueid(s);
        step_per_gpu(s);
    }

    for (size_t i = 0; s->devs && i < s->nd; i++)
        ta_jwt_clear(&s->devs[i].jwt);
    ta_free(ctx, s->devs);
    ta_jwt_clear(&s->overall);
    json_decref(s->root);
    if (rc)
        out->passed = false;
    return rc;
}

/* ---- online ----------------------------------------------------------------- */

static bool loopback_http(const char *url)
{
    static const char *const hosts[] = {"http://127.0.0.1", "http://localhost",
                                        "http://[::1]"};
    for (size_t i = 0; i < TA_ARRAY_LEN(hosts); i++) {
        size_t n = strlen(hosts[i]);
        if (strncasecmp(url, hosts[i], n) == 0 &&
            (url[n] == ':' || url[n] == '/' || url[n] == '\0'))
            return true;
    }
    return false;
}

static bool url_ok(const char *url)
{
    return strncasecmp(url, "https://", 8) == 0 || loopback_http(url);
}

static bool token_kid_missing(const teeattest_ctx *ctx, json_t *v,
                              const ta_jwks *jwks)
{
    if (!json_is_string(v))
        return false;
    ta_jwt j;
    bool missing = false;
    if (ta_jwt_parse(ctx, &j, json_string_value(v), json_string_length(v),
                     NULL) == TEEATTEST_OK) {
        missing = !ta_jwks_find(jwks, j.kid);
        ta_jwt_clear(&j);
    }
    return missing;
}

/* Whether some token of the answer names a kid the cache lacks. */
bool ta_nras_kid_missing(const teeattest_ctx *ctx, const uint8_t *body,
                        size_t len, const ta_jwks *jwks)
{
    json_t *root = NULL;
    if (ta_json_parse(&root, body, len, TA_NRAS_RESPONSE_MAX, NULL))
        return false;
    bool missing = token_kid_missing(
        ctx, json_array_get(json_array_get(root, 0), 1), jwks);
    const char *k;
    json_t *v;
    json_t *map = json_array_get(root, 1);
    if (json_is_object(map)) {
        json_object_foreach(map, k, v) {
            if (missing)
                break;
            missing = token_kid_missing(ctx, v, jwks);
        }
    }
    json_decref(root);
    return missing;
}

/* The JWKS document of the on-disk cache for `url`, merged into `jwks`
 * only when, on its own, it holds every kid the answer names (a document
 * fetched before a key rotation is not used: the caller fetches). Its
 * keys are judged at verification like fetched ones. */
static bool jwks_from_cache(teeattest_ctx *ctx, const uint8_t *body,
                            size_t len, ta_jwks *jwks, const char *url,
                            int64_t at)
{
    if (!ta_cache_enabled(ctx))
        return false;
    size_t kl = strlen(url) + 5;
    char *key = ta_malloc(ctx, kl);
    if (!key)
        return false;
    snprintf(key, kl, "GET %s", url);
    uint8_t *blob = NULL;
    ta_cache_part p[1];
    bool ok = ta_cache_load(ctx, key, teeattest_ctx_now(ctx), &blob, p, 1,
                            NULL) == TEEATTEST_OK;
    ta_free(ctx, key);
    if (ok) {
        ta_jwks scratch;
        ta_jwks_init(&scratch, ctx);
        ok = ta_jwks_add_json(&scratch, p[0].p, p[0].len, at, NULL) ==
                 TEEATTEST_OK &&
             !ta_nras_kid_missing(ctx, body, len, &scratch) &&
             ta_jwks_add_json(jwks, p[0].p, p[0].len, at, NULL) ==
                 TEEATTEST_OK;
        ta_jwks_clear(&scratch);
        if (ok && jwks->on_fetched)
            jwks->on_fetched(jwks->on_fetched_user, p[0].p, p[0].len);
        ta_log(ctx, TEEATTEST_LOG_DEBUG, ok ? "NRAS JWKS from the on-disk "
               "cache" : "cache: NRAS JWKS ignored: unusable or lacks a kid");
    }
    ta_free(ctx, blob);
    return ok;
}

int ta_nras_refresh_jwks(teeattest_ctx *ctx, const uint8_t *body, size_t len,
                         ta_jwks *jwks, const char *jwks_url,
                         const char *base_url, int64_t at,
                         teeattest_error *err)
{
    if (!ta_nras_kid_missing(ctx, body, len, jwks) ||
        (jwks->fetch_tried_at &&
         at - jwks->fetch_tried_at < TA_NRAS_JWKS_COOLDOWN))
        return TEEATTEST_OK;
    char *jurl = NULL;
    if (!jwks_url) {
        /* {scheme}://{host}/.well-known/jwks.json (spec 5.1). */
        const char *base = base_url ? base_url : TA_NRAS_BASE_URL;
        const char *h = strstr(base, "://");
        const char *slash = h ? strchr(h + 3, '/') : NULL;
        size_t hl = slash ? (size_t)(slash - base) : strlen(base);
        jurl = ta_malloc(ctx, hl + sizeof TA_NRAS_JWKS_PATH);
        if (!jurl)
            return ta_error(err, TEEATTEST_E_NOMEM, NULL, "JWKS URL");
        snprintf(jurl, hl + sizeof TA_NRAS_JWKS_PATH, "%.*s%s", (int)hl, base,
                 TA_NRAS_JWKS_PATH);
        jwks_url = jurl;
    }
    int rc = jwks_from_cache(ctx, body, len, jwks, jwks_url, at)
                 ? TEEATTEST_OK
                 : ta_jwks_fetch(ctx, jwks, jwks_url, at, err);
    ta_free(ctx, jurl);
    return rc;
}

int ta_nras_attest(teeattest_ctx *ctx, teeattest_result *r,
                   ta_nras_outcome *out, ta_buf *answer_out,
                   const ta_nras_options *opt, const uint8_t nonce[32],
                   const ta_nras_evidence *ev, size_t n, ta_jwks *jwks,
                   int64_t at, const ta_nras_policy *pol,
                   teeattest_error *err)
{
    ta_nras_outcome local;
    if (!out)
        out = &local;
    memset(out, 0, sizeof *out);
    out->overall = -1;
    if (!ctx || !nonce || !jwks || (!ev && n))
        return TA_INVALID(err, "ta_nras_attest: NULL argument");
    ta_nras_options defopt;
    if (!opt) {
        memset(&defopt, 0, sizeof defopt);
        opt = &defopt;
    }
    const char *base = opt->base_url ? opt->base_url : TA_NRAS_BASE_URL;
    int version = opt->version ? opt->version : 3;
    if (version != 3 && version != 4)
        return TA_INVALID(err, "NRAS version must be 3 or 4");
    if (!url_ok(base) || strlen(base) > 2048)
        return ta_error(err, TEEATTEST_E_INVALID_ARG, "base_url",
                        "NRAS base URL must be https (or http to a loopback "
                        "host)");
    if (opt->service_key &&
        (strpbrk(opt->service_key, "\r\n") || strlen(opt->service_key) > 4096))
        return ta_error(err, TEEATTEST_E_INVALID_ARG, "service_key",
                        "NRAS service key holds a line break or is too long");

    ta_buf body;
    int rc = ta_nras_build_request(ctx, &body, version, nonce, opt->arch, ev, n,
                                   err);
    if (rc)
        return rc;
    size_t bl = strlen(base);
    while (bl && base[bl - 1] == '/')
        bl--;
    char *url = ta_malloc(ctx, bl + 32);
    if (!url) {
        ta_buf_free(&body);
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "NRAS URL");
    }
    snprintf(url, bl + 32, "%.*s/v%d/attest/gpu", (int)bl, base, version);
    ta_request_opts ro;
    ta_service_opts(&ro, 0, TA_NRAS_RESPONSE_MAX);
    if (opt->timeout_ms)
        ro.total_ms = opt->timeout_ms;
    ro.ca_file = opt->ca_file;
    teeattest_http_response resp;
    ta_http_response_init(&resp, ctx, TA_NRAS_RESPONSE_MAX, NULL, NULL);
    /* A POST: one attempt, NRAS may have appraised (and logged) the
     * evidence even when its answer was lost. */
    teeattest_error te = TEEATTEST_ERROR_INIT;
    rc = ta_service_request(ctx, "POST", url, "application/json",
                            "application/json", opt->service_key, body.data,
                            body.len, &ro, &resp, &te);
    ta_buf_free(&body);
    vst s;
    vst_init(&s, ctx, r, out, pol);
    if (rc) {
        out->passed = true;
        check(&s, "gpu.nras.response", TEEATTEST_OUTCOME_FAIL,
              "POST %s failed: %s", url, te.message);
        ta_error_copy(err, &te);
        goto done;
    }
    if (resp.status != 200) {
        char ex[161];
        size_t o = 0;
        for (size_t i = 0; i < resp.body.len && o + 1 < sizeof ex; i++) {
            unsigned char c = resp.body.data[i];
            ex[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : ' ';
        }
        ex[o] = '\0';
        out->passed = true;
        check(&s, "gpu.nras.response", TEEATTEST_OUTCOME_FAIL,
              "POST %s: HTTP %d%s%s%s", url, (int)resp.status,
              resp.status == 401 || resp.status == 403
                  ? " (NRAS refused: service key needed?)" : "",
              ex[0] ? ": " : "", ex);
        goto done;
    }
    if (answer_out) {
        ta_buf_init(answer_out, ctx, TA_NRAS_RESPONSE_MAX);
        if (ta_buf_append(answer_out, resp.body.data, resp.body.len) ||
            ta_buf_terminate(answer_out)) {
            ta_buf_free(answer_out);
            rc = ta_error(err, TEEATTEST_E_NOMEM, NULL, "copying NRAS answer");
            goto done;
        }
    }
    if (opt->fetch_jwks) {
        teeattest_error fe = TEEATTEST_ERROR_INIT;
        int frc = ta_nras_refresh_jwks(ctx, resp.body.data, resp.body.len,
                                       jwks, opt->jwks_url, base, at, &fe);
        if (frc)
            ta_log(ctx, TEEATTEST_LOG_WARN, "NRAS JWKS fetch failed: %s",
                   fe.message[0] ? fe.message : teeattest_status_str(frc));
    }
    ta_nras_policy p2;
    if (pol)
        p2 = *pol;
    else
        ta_nras_policy_init(&p2);
    /* The answer must cover exactly the GPUs we sent. */
    if (!p2.expected_gpus)
        p2.expected_gpus = n;
    rc = ta_nras_verify_append(ctx, r, out, resp.body.data, resp.body.len, jwks,
                               nonce, at, &p2, err);
done:
    ta_http_response_clear(&resp);
    ta_free(ctx, url);
    return rc;
}
