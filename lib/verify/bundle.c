/*
 * Evidence bundles (include/teeattest/bundle.h; format: docs/bundle.md):
 * a report exactly as received plus everything needed to verify it again
 * offline, as one JSON document.
 *
 * The report and the signature record are embedded as JSON values and
 * taken back by their exact byte span, never re-serialized: a dialect may
 * hash raw members (Tinfoil hashes the "gpu" member's bytes), and the
 * signed TCB Info / QE Identity bodies are kept as the exact response
 * text for the same reason.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../aci/aci.h"
#include "../aci/e2ee_impl.h"
#include "../dstack/dstack.h"
#include "../providers/providers.h"
#include "pipeline.h"

#define BUNDLE_FORMAT "teeattest-bundle"
#define CAPTURE_FORMAT "teeattest-report-capture/1"
#define EXCHANGE_MAX (16u * 1024u * 1024u)
#define DIALECT_MAX 64u
#define MODEL_MAX 1024u
#define HOST_MAX 255u /* a DNS name; an IPv6 literal in brackets */
#define SPKI_MAX (64u * 1024u)
/* lib/tdx refuses larger collateral items (ITEM_MAX in collateral.c). */
#define COLLATERAL_ITEM_MAX (4u * 1024u * 1024u)
#define GPU_ITEM_MAX (16u * 1024u * 1024u)
/* Version 2: the Sigstore bundles of image provenance the evidence holds
 * (teeattest_evidence_add_sigstore_bundle()), exact bytes. */
#define SIGSTORE_MEMBER "sigstore_bundles"

/* aci.e2ee: the E2EE v2 record of the exchange (teeattest_bundle_set_e2ee(),
 * docs/bundle.md): what re-opens the answer offline, the restored body the
 * receipt hashes and the answer's plaintext. */
#define E2EE_MEMBER "e2ee"
typedef struct e2ee_rec {
    bool has;
    int suite, endpoint;
    char *key_id, *pub;
    uint8_t secret[32];
    char nonce[65];
    int64_t ts;
    uint8_t *restored, *answer;
    size_t restored_len, answer_len;
    bool has_answer; /* parsed, or computed by the writer */
} e2ee_rec;

/* Documents of one kind (teeattest_bundle_add_item()), exact bytes. */
typedef struct item_list {
    size_t n;
    uint8_t *p[TEEATTEST_BUNDLE_ITEMS_MAX];
    size_t len[TEEATTEST_BUNDLE_ITEMS_MAX];
} item_list;

struct teeattest_bundle {
    atomic_size_t refs;
    teeattest_ctx *ctx;
    teeattest_report *report;
    teeattest_evidence *ev;       /* never NULL */
    teeattest_signature *sig;
    char *model;
    bool has_nonce;
    uint8_t nonce[TEEATTEST_NONCE_SIZE];
    bool has_time;
    int64_t time;
    bool has_exchange;
    uint8_t *req, *resp;
    size_t req_len, resp_len;
    item_list receipts, sessions; /* ACI/1: format version 2 */
    e2ee_rec e2ee;                /* aci.e2ee, format version 2 */
    char *json;                   /* last teeattest_bundle_to_json() text */
    size_t json_len;
};

/* ---- handle ---------------------------------------------------------------- */

TEEATTEST_API int teeattest_bundle_new(teeattest_ctx *ctx,
                                       teeattest_bundle **out,
                                       teeattest_error *err)
{
    if (out)
        *out = NULL;
    if (!ctx || !out)
        return TA_INVALID(err, !ctx ? "ctx is NULL" : "out is NULL");
    teeattest_bundle *b = ta_calloc(ctx, 1, sizeof *b);
    if (!b)
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "allocating a bundle");
    int rc = teeattest_evidence_new(ctx, &b->ev, err);
    if (rc) {
        ta_free(ctx, b);
        return rc;
    }
    atomic_init(&b->refs, 1);
    b->ctx = teeattest_ctx_ref(ctx);
    *out = b;
    return TEEATTEST_OK;
}

TEEATTEST_API teeattest_bundle *teeattest_bundle_ref(teeattest_bundle *b)
{
    if (b)
        atomic_fetch_add(&b->refs, 1);
    return b;
}

static void drop_json(teeattest_bundle *b)
{
    if (b->json) /* may hold a session's secret key and a conversation */
        ta_wipe(b->json, b->json_len);
    ta_free(b->ctx, b->json);
    b->json = NULL;
    b->json_len = 0;
}

static void drop_answer(teeattest_bundle *b)
{
    if (b->e2ee.answer)
        ta_wipe(b->e2ee.answer, b->e2ee.answer_len);
    ta_free(b->ctx, b->e2ee.answer);
    b->e2ee.answer = NULL;
    b->e2ee.answer_len = 0;
    b->e2ee.has_answer = false;
}

/* The conversation and a session's secret key: wiped. */
static void drop_e2ee(teeattest_bundle *b)
{
    drop_answer(b);
    ta_free(b->ctx, b->e2ee.key_id);
    ta_free(b->ctx, b->e2ee.pub);
    if (b->e2ee.restored)
        ta_wipe(b->e2ee.restored, b->e2ee.restored_len);
    ta_free(b->ctx, b->e2ee.restored);
    ta_wipe(&b->e2ee, sizeof b->e2ee);
}

static void drop_exchange(teeattest_bundle *b)
{
    drop_answer(b); /* computed from the response */
    ta_free(b->ctx, b->req);
    ta_free(b->ctx, b->resp);
    b->req = b->resp = NULL;
    b->req_len = b->resp_len = 0;
    b->has_exchange = false;
}

TEEATTEST_API void teeattest_bundle_free(teeattest_bundle *b)
{
    if (!b || atomic_fetch_sub(&b->refs, 1) != 1)
        return;
    teeattest_ctx *ctx = b->ctx;
    teeattest_report_free(b->report);
    teeattest_evidence_free(b->ev);
    teeattest_signature_free(b->sig);
    ta_free(ctx, b->model);
    drop_exchange(b);
    drop_e2ee(b);
    for (size_t i = 0; i < b->receipts.n; i++)
        ta_free(ctx, b->receipts.p[i]);
    for (size_t i = 0; i < b->sessions.n; i++)
        ta_free(ctx, b->sessions.p[i]);
    drop_json(b);
    ta_free(ctx, b);
    teeattest_ctx_free(ctx);
}

/* ---- setters and getters ----------------------------------------------------- */

TEEATTEST_API int teeattest_bundle_set_report(teeattest_bundle *b,
                                              teeattest_report *report,
                                              teeattest_error *err)
{
    if (!b || !report)
        return TA_INVALID(err, !b ? "bundle is NULL" : "report is NULL");
    teeattest_report_ref(report);
    teeattest_report_free(b->report);
    b->report = report;
    drop_json(b);
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_bundle_set_evidence(teeattest_bundle *b,
                                                teeattest_evidence *ev,
                                                teeattest_error *err)
{
    if (!b || !ev)
        return TA_INVALID(err, !b ? "bundle is NULL" : "ev is NULL");
    if (ev->ctx != b->ctx)
        return TA_INVALID(err, "the evidence belongs to another context");
    teeattest_evidence_ref(ev);
    teeattest_evidence_free(b->ev);
    b->ev = ev;
    drop_json(b);
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_bundle_set_nonce(teeattest_bundle *b,
                                             const uint8_t *nonce,
                                             size_t len,
                                             teeattest_error *err)
{
    if (!b || !nonce)
        return TA_INVALID(err, !b ? "bundle is NULL" : "nonce is NULL");
    if (len != TEEATTEST_NONCE_SIZE)
        return ta_error(err, TEEATTEST_E_INVALID_ARG, "nonce",
                        "the nonce must be %u bytes, got %zu",
                        TEEATTEST_NONCE_SIZE, len);
    memcpy(b->nonce, nonce, TEEATTEST_NONCE_SIZE);
    b->has_nonce = true;
    drop_json(b);
    return TEEATTEST_OK;
}

/* Well-formed UTF-8 as jansson accepts it: no overlong forms, no
 * surrogates, nothing above U+10FFFF, and no NUL (jansson refuses \u0000
 * unless asked to allow it). */
static bool is_json_text(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        if (c == 0)
            return false;
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint8_t lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            n = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 3;
            if (c == 0xE0)
                lo = 0xA0;
            if (c == 0xED)
                hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 4;
            if (c == 0xF0)
                lo = 0x90;
            if (c == 0xF4)
                hi = 0x8F;
        } else {
            return false;
        }
        if (len - i < n || s[i + 1] < lo || s[i + 1] > hi)
            return false;
        for (size_t k = 2; k < n; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
        i += n;
    }
    return true;
}

TEEATTEST_API int teeattest_bundle_set_model(teeattest_bundle *b,
                                             const char *model,
                                             teeattest_error *err)
{
    if (!b)
        return TA_INVALID(err, "bundle is NULL");
    char *copy = NULL;
    if (model) {
        size_t n = strlen(model);
        if (n > MODEL_MAX || !is_json_text((const uint8_t *)model, n))
            return TA_INVALID(err, "the model must be UTF-8, at most 1024 "
                                   "bytes");
        if (!(copy = ta_strdup(b->ctx, model)))
            return ta_error(err, TEEATTEST_E_NOMEM, NULL, "out of memory");
    }
    ta_free(b->ctx, b->model);
    b->model = copy;
    drop_json(b);
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_bundle_set_time(teeattest_bundle *b,
                                            int64_t unix_seconds,
                                            teeattest_error *err)
{
    if (!b)
        return TA_INVALID(err, "bundle is NULL");
    if (unix_seconds < 0 || unix_seconds > TEEATTEST_TIME_MAX)
        return ta_error(err, TEEATTEST_E_INVALID_ARG, "unix_seconds",
                        "capture time %lld is outside 0..%lld",
                        (long long)unix_seconds,
                        (long long)TEEATTEST_TIME_MAX);
    b->time = unix_seconds;
    b->has_time = true;
    drop_json(b);
    return TEEATTEST_OK;
}

static uint8_t *dup_bytes(const teeattest_ctx *ctx, const uint8_t *p,
                          size_t n)
{
    uint8_t *c = ta_malloc(ctx, n ? n : 1);
    if (c && n)
        memcpy(c, p, n);
    return c;
}

TEEATTEST_API int teeattest_bundle_set_exchange(teeattest_bundle *b,
                                                const uint8_t *request,
                                                size_t request_len,
                                                const uint8_t *response,
                                                size_t response_len,
                                                teeattest_error *err)
{
    if (!b || (!request && request_len) || (!response && response_len))
        return TA_INVALID(err, !b ? "bundle is NULL"
                               : !request && request_len ? "request is NULL"
                                                         : "response is NULL");
    if (!request && !response) {
        drop_exchange(b);
        drop_json(b);
        return TEEATTEST_OK;
    }
    if (request_len > EXCHANGE_MAX || response_len > EXCHANGE_MAX)
        return ta_error(err, TEEATTEST_E_TOO_LARGE, "exchange",
                        "request and response are limited to %u bytes each",
                        EXCHANGE_MAX);
    uint8_t *rq = dup_bytes(b->ctx, request, request_len);
    uint8_t *rs = dup_bytes(b->ctx, response, response_len);
    if (!rq || !rs) {
        ta_free(b->ctx, rq);
        ta_free(b->ctx, rs);
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "out of memory");
    }
    drop_exchange(b);
    b->req = rq;
    b->req_len = request_len;
    b->resp = rs;
    b->resp_len = response_len;
    b->has_exchange = true;
    drop_json(b);
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_bundle_set_signature(teeattest_bundle *b,
                                                 teeattest_signature *sig,
                                                 teeattest_error *err)
{
    if (!b)
        return TA_INVALID(err, "bundle is NULL");
    if (sig && sig->ctx != b->ctx)
        return TA_INVALID(err, "the signature belongs to another context");
    teeattest_signature_ref(sig);
    teeattest_signature_free(b->sig);
    b->sig = sig;
    drop_json(b);
    return TEEATTEST_OK;
}

/* The list of a kind and its per-item limit; NULL for an unknown kind. */
static item_list *item_kind(const teeattest_bundle *b, int32_t kind,
                            size_t *max, const char **name)
{
    size_t m = 0;
    const char *nm = NULL;
    const item_list *l = NULL;
    if (kind == TEEATTEST_BUNDLE_ACI_RECEIPT) {
        l = &b->receipts;
        m = TA_ACI_DOC_MAX;
        nm = "aci.receipts";
    } else if (kind == TEEATTEST_BUNDLE_ACI_SESSION) {
        l = &b->sessions;
        m = TA_ACI_SESSION_MAX;
        nm = "aci.sessions";
    }
    if (max)
        *max = m;
    if (name)
        *name = nm;
    return (item_list *)l;
}

/* An item must be a JSON object within its limit (what the receipt and
 * session verifiers accept as a document). */
static int check_item(const uint8_t *doc, size_t len, size_t max, const char *where,
                      teeattest_error *err)
{
    if (len > max)
        return ta_error(err, TEEATTEST_E_TOO_LARGE, where,
                        "document of %zu bytes exceeds the %zu-byte limit",
                        len, max);
    json_t *j = NULL;
    int rc = ta_json_parse(&j, doc, len, max, err);
    if (rc == TEEATTEST_E_NOMEM)
        return rc;
    if (rc || !json_is_object(j))
        rc = ta_error(err, TEEATTEST_E_JSON, where,
                      "the document is not a JSON object");
    json_decref(j);
    return rc;
}

TEEATTEST_API int teeattest_bundle_add_item(teeattest_bundle *b, int32_t kind,
                                            const uint8_t *doc, size_t len,
                                            teeattest_error *err)
{
    if (!b || !doc)
        return TA_INVALID(err, !b ? "bundle is NULL" : "doc is NULL");
    size_t max;
    const char *name;
    item_list *l = item_kind(b, kind, &max, &name);
    if (!l)
        return ta_error(err, TEEATTEST_E_INVALID_ARG, "kind",
                        "unknown bundle item kind %d", (int)kind);
    if (l->n >= TEEATTEST_BUNDLE_ITEMS_MAX)
        return ta_error(err, TEEATTEST_E_TOO_LARGE, name,
                        "a bundle holds at most %d items of a kind",
                        TEEATTEST_BUNDLE_ITEMS_MAX);
    int rc = check_item(doc, len, max, name, err);
    if (rc)
        return rc == TEEATTEST_E_NOMEM
                   ? ta_error(err, rc, NULL, "out of memory") : rc;
    uint8_t *c = dup_bytes(b->ctx, doc, len);
    if (!c)
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "out of memory");
    l->p[l->n] = c;
    l->len[l->n++] = len;
    drop_json(b);
    return TEEATTEST_OK;
}

TEEATTEST_API size_t teeattest_bundle_item_count(const teeattest_bundle *b,
                                                 int32_t kind)
{
    const item_list *l = b ? item_kind(b, kind, NULL, NULL) : NULL;
    return l ? l->n : 0;
}

TEEATTEST_API int teeattest_bundle_item(const teeattest_bundle *b,
                                        int32_t kind, size_t index,
                                        const uint8_t **doc, size_t *len,
                                        teeattest_error *err)
{
    if (doc)
        *doc = NULL;
    if (len)
        *len = 0;
    if (!b || !doc || !len)
        return TA_INVALID(err, !b ? "bundle is NULL" : "an output is NULL");
    const item_list *l = item_kind(b, kind, NULL, NULL);
    if (!l)
        return ta_error(err, TEEATTEST_E_INVALID_ARG, "kind",
                        "unknown bundle item kind %d", (int)kind);
    if (index >= l->n)
        return ta_error(err, TEEATTEST_E_NOT_FOUND, NULL,
                        "the bundle holds %zu items of that kind", l->n);
    *doc = l->p[index];
    *len = l->len[index];
    return TEEATTEST_OK;
}

/* ---- aci.e2ee ----------------------------------------------------------------- */

static const char *const endpoint_names[] = {NULL, "chat", "completions",
                                             "embeddings"};

static void e2ee_material(const e2ee_rec *r, ta_e2ee_material *m)
{
    memset(m, 0, sizeof *m);
    m->suite = r->suite;
    m->endpoint = r->endpoint;
    m->key_id = r->key_id;
    m->service_pub = r->pub;
    memcpy(m->client_secret, r->secret, 32);
    memcpy(m->nonce, r->nonce, sizeof m->nonce);
    m->ts = r->ts;
    m->restored = r->restored;
    m->restored_len = r->restored_len;
}

static int append_payload(void *ud, const uint8_t *p, size_t n)
{
    ta_buf *out = ud;
    int rc = ta_buf_append(out, p, n);
    return rc ? rc : ta_buf_append(out, "\n", 1);
}

/* The answer as the record's session opens `resp`: every decrypted body or
 * event payload followed by a newline, into `out`. Returns the session's
 * status (*err says why it could not be loaded or a field did not open);
 * out is then incomplete. */
static int e2ee_open(teeattest_ctx *ctx, const e2ee_rec *r,
                     const uint8_t *resp, size_t len, ta_buf *out,
                     teeattest_error *err)
{
    ta_e2ee_material m;
    e2ee_material(r, &m);
    teeattest_e2ee_session *s = NULL;
    int rc = ta_e2ee_session_import(ctx, &s, &m, err);
    ta_wipe(&m, sizeof m);
    if (!rc)
        rc = ta_e2ee_open_all(s, ctx, resp, len, append_payload, out, err);
    teeattest_e2ee_session_free(s);
    return rc;
}

TEEATTEST_API int teeattest_bundle_set_e2ee(teeattest_bundle *b,
                                            const teeattest_e2ee_session *s,
                                            teeattest_error *err)
{
    if (!b)
        return TA_INVALID(err, "bundle is NULL");
    ta_e2ee_material m;
    if (s && ta_e2ee_session_export(s, &m))
        return TA_INVALID(err, "the session has encrypted no request");
    if (s && m.restored_len > EXCHANGE_MAX) {
        ta_wipe(&m, sizeof m);
        return ta_error(err, TEEATTEST_E_TOO_LARGE, "aci." E2EE_MEMBER,
                        "the restored request exceeds %u bytes",
                        EXCHANGE_MAX);
    }
    drop_e2ee(b);
    drop_json(b);
    if (!s)
        return TEEATTEST_OK;
    e2ee_rec *r = &b->e2ee;
    r->suite = m.suite;
    r->endpoint = m.endpoint;
    memcpy(r->secret, m.client_secret, 32);
    memcpy(r->nonce, m.nonce, sizeof r->nonce);
    r->ts = m.ts;
    r->key_id = ta_strndup(b->ctx, m.key_id, strlen(m.key_id));
    r->pub = ta_strndup(b->ctx, m.service_pub, strlen(m.service_pub));
    r->restored = dup_bytes(b->ctx, m.restored, m.restored_len);
    r->restored_len = m.restored_len;
    ta_wipe(&m, sizeof m);
    r->has = true;
    if (!r->key_id || !r->pub || !r->restored) {
        drop_e2ee(b);
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "out of memory");
    }
    return TEEATTEST_OK;
}

/* The writer's answer: computed once from the exchange (an answer that
 * does not open, or no exchange, is written empty; verification then
 * fails aci.e2ee.response). */
static int e2ee_answer(teeattest_bundle *b, teeattest_error *err)
{
    if (b->e2ee.has_answer)
        return TEEATTEST_OK;
    ta_buf out;
    ta_buf_init(&out, b->ctx, EXCHANGE_MAX);
    teeattest_error e = TEEATTEST_ERROR_INIT;
    int rc = b->has_exchange ? e2ee_open(b->ctx, &b->e2ee, b->resp,
                                         b->resp_len, &out, &e)
                             : TEEATTEST_E_FIELD_MISSING;
    if (rc == TEEATTEST_E_NOMEM || rc == TEEATTEST_E_TOO_LARGE) {
        if (out.data)
            ta_wipe(out.data, out.len);
        ta_buf_free(&out);
        return rc == TEEATTEST_E_NOMEM
                   ? ta_error(err, rc, NULL, "out of memory")
                   : ta_error(err, rc, "aci." E2EE_MEMBER ".answer",
                              "the decrypted answer exceeds %u bytes",
                              EXCHANGE_MAX);
    }
    if (rc) {
        if (out.data)
            ta_wipe(out.data, out.len);
        out.len = 0;
    }
    b->e2ee.answer = ta_buf_steal(&out, &b->e2ee.answer_len);
    b->e2ee.has_answer = true;
    return TEEATTEST_OK;
}

TEEATTEST_API int32_t teeattest_bundle_version(const teeattest_bundle *b)
{
    if (!b)
        return 0;
    return b->receipts.n || b->sessions.n || b->e2ee.has ||
                   b->ev->n_sigstore_bundles
               ? TEEATTEST_BUNDLE_VERSION_MAX
               : TEEATTEST_BUNDLE_VERSION;
}

TEEATTEST_API teeattest_report *teeattest_bundle_report(
    const teeattest_bundle *b)
{
    return b ? b->report : NULL;
}

TEEATTEST_API teeattest_evidence *teeattest_bundle_evidence(
    teeattest_bundle *b)
{
    return b ? b->ev : NULL;
}

TEEATTEST_API teeattest_signature *teeattest_bundle_signature(
    const teeattest_bundle *b)
{
    return b ? b->sig : NULL;
}

TEEATTEST_API const char *teeattest_bundle_model(const teeattest_bundle *b)
{
    return b ? b->model : NULL;
}

TEEATTEST_API int64_t teeattest_bundle_time(const teeattest_bundle *b)
{
    if (!b)
        return 0;
    if (b->has_time)
        return b->time;
    return b->report ? ta_report_captured_at(b->report) : 0;
}

TEEATTEST_API int teeattest_bundle_nonce(const teeattest_bundle *b,
                                         uint8_t *nonce, size_t nonce_size,
                                         teeattest_error *err)
{
    if (!b || !nonce)
        return TA_INVALID(err, !b ? "bundle is NULL" : "nonce is NULL");
    if (nonce_size < TEEATTEST_NONCE_SIZE)
        return ta_error(err, TEEATTEST_E_BUFFER_TOO_SMALL, "nonce_size",
                        "the nonce is %d bytes; the buffer has %zu",
                        TEEATTEST_NONCE_SIZE, nonce_size);
    if (b->has_nonce) {
        memcpy(nonce, b->nonce, TEEATTEST_NONCE_SIZE);
        return TEEATTEST_OK;
    }
    if (b->report && teeattest_report_nonce(b->report, nonce,
                                            TEEATTEST_NONCE_SIZE,
                                            NULL) == TEEATTEST_OK)
        return TEEATTEST_OK;
    return ta_error(err, TEEATTEST_E_NOT_FOUND, NULL,
                    "the bundle records no nonce");
}

TEEATTEST_API int teeattest_bundle_exchange(const teeattest_bundle *b,
                                            const uint8_t **request,
                                            size_t *request_len,
                                            const uint8_t **response,
                                            size_t *response_len,
                                            teeattest_error *err)
{
    if (request)
        *request = NULL;
    if (request_len)
        *request_len = 0;
    if (response)
        *response = NULL;
    if (response_len)
        *response_len = 0;
    if (!b || !request || !request_len || !response || !response_len)
        return TA_INVALID(err, !b ? "bundle is NULL" : "an output is NULL");
    if (!b->has_exchange)
        return ta_error(err, TEEATTEST_E_NOT_FOUND, NULL,
                        "the bundle holds no exchange");
    *request = b->req;
    *request_len = b->req_len;
    *response = b->resp;
    *response_len = b->resp_len;
    return TEEATTEST_OK;
}

/* ---- writing ----------------------------------------------------------------- */

/* Output with a sticky error: after the first failure every put is a
 * no-op, so the writer reads straight through. */
typedef struct writer {
    ta_buf b;
    int rc;
    teeattest_error *err;
} writer;

/* Remembers the first failed append as the writer's error. */
static void put_rc(writer *w, int rc)
{
    if (rc && !w->rc)
        w->rc = rc == TEEATTEST_E_NOMEM
                    ? ta_error(w->err, rc, NULL, "out of memory")
                    : ta_error(w->err, TEEATTEST_E_TOO_LARGE, "bundle",
                               "the bundle would exceed %u bytes",
                               TEEATTEST_BUNDLE_MAX);
}

static void put(writer *w, const void *p, size_t n)
{
    if (w->rc)
        return;
    put_rc(w, ta_buf_append(&w->b, p, n));
}

static void puts_(writer *w, const char *s)
{
    put(w, s, strlen(s));
}

/* An item of the evidence that did not load cannot be reproduced. */
static void unsaveable(writer *w, const char *where, const char *what,
                       const char *why)
{
    if (!w->rc)
        w->rc = ta_error(w->err, TEEATTEST_E_PARSE, where,
                         "%s did not load (%s): it cannot be saved", what,
                         why);
}

static void oom(writer *w)
{
    if (!w->rc)
        w->rc = ta_error(w->err, TEEATTEST_E_NOMEM, NULL, "out of memory");
}

/* A JSON string of text already known to be JSON text (is_json_text):
 * only the characters JSON requires escaping are escaped, so that the
 * output is a function of the bytes alone. */
static void put_string(writer *w, const uint8_t *s, size_t n)
{
    if (w->rc)
        return;
    put_rc(w, ta_json_put_string(&w->b, (const char *)s, n, 0));
}

static void put_base64(writer *w, const uint8_t *p, size_t n)
{
    if (w->rc)
        return;
    size_t el = ta_base64_encoded_len(n);
    char *t = ta_malloc(w->b.ctx, el + 1);
    if (!t) {
        w->rc = ta_error(w->err, TEEATTEST_E_NOMEM, NULL, "out of memory");
        return;
    }
    ta_base64_encode(t, p, n, false);
    puts_(w, "\"");
    put(w, t, el);
    puts_(w, "\"");
    ta_free(w->b.ctx, t);
}

/* Exact bytes that are usually text (JSON documents, PEM): a string when
 * the bytes are JSON text, else {"base64":"..."}, so any bytes survive. */
static void put_text(writer *w, const uint8_t *p, size_t n)
{
    if (is_json_text(p, n)) {
        put_string(w, p, n);
    } else {
        puts_(w, "{\"base64\":");
        put_base64(w, p, n);
        puts_(w, "}");
    }
}

static void put_key(writer *w, bool *first, const char *key)
{
    if (!*first)
        puts_(w, ",");
    *first = false;
    puts_(w, "\"");
    puts_(w, key);
    puts_(w, "\":");
}

/* A signed document as the PCS serves it. Loaded from dcap-qvl JSON the
 * text is the bare signed body: it gets the PCS envelope around it with
 * the signature as hex (as teeattest_collateral_save_dir() does), which
 * keeps the signed bytes exactly. */
static void put_doc(writer *w, const ta_tdx_signed_doc *d, const char *member,
                    const char *where)
{
    bool bare = d->text_len > 0 && d->body_off == 0 &&
                d->body_len == d->text_len;
    if (!d->text || (bare && !d->have_span)) {
        unsaveable(w, where, "the document",
                   d->text ? "no valid signature" : "not kept: too large");
        return;
    }
    if (!bare) {
        put_text(w, d->text, d->text_len);
        return;
    }
    ta_buf env;
    ta_buf_init(&env, w->b.ctx, 0);
    char hex[129];
    ta_hex_encode(hex, d->sig, 64);
    int rc = ta_buf_printf(&env, "{\"%s\":", member);
    if (!rc)
        rc = ta_buf_append(&env, d->text, d->text_len);
    if (!rc)
        rc = ta_buf_printf(&env, ",\"signature\":\"%s\"}", hex);
    if (rc)
        oom(w);
    else
        put_text(w, env.data, env.len);
    ta_buf_free(&env);
}

/* An issuer chain as PEM rebuilt from the certificates' DER, the form
 * the collateral loaders read back to the same certificates. */
static void put_chain(writer *w, const ta_tdx_chain *ch, const char *where)
{
    if (ch->error || !ch->n) {
        unsaveable(w, where, "the issuer chain",
                   ch->error ? ch->error : "missing");
        return;
    }
    ta_buf pem;
    ta_buf_init(&pem, w->b.ctx, 0);
    int rc = ta_tdx_chain_pem(ch, &pem);
    if (rc)
        oom(w);
    else
        put_text(w, pem.data, pem.len);
    ta_buf_free(&pem);
}

static void put_crl(writer *w, const ta_tdx_crl *crl, const char *where)
{
    ta_der raw = {NULL, 0};
    if (crl->loaded)
        raw = ta_x509_crl_der(crl->crl);
    if (!raw.p) {
        unsaveable(w, where, "the CRL", crl->error ? crl->error : "missing");
        return;
    }
    put_base64(w, raw.p, raw.len);
}

static void put_collateral(writer *w, const ta_tdx_collateral *c, size_t i)
{
    char where[96];
    bool first = true;
    puts_(w, "{");
#define WHERE(m) (snprintf(where, sizeof where, \
                           "evidence.collateral[%zu]." m, i), where)
    put_key(w, &first, "tcb_info");
    put_doc(w, &c->tcb_info.doc, "tcbInfo", WHERE("tcb_info"));
    put_key(w, &first, "tcb_info_issuer_chain");
    put_chain(w, &c->tcb_info_chain, WHERE("tcb_info_issuer_chain"));
    put_key(w, &first, "qe_identity");
    put_doc(w, &c->qe_identity.doc, "enclaveIdentity", WHERE("qe_identity"));
    put_key(w, &first, "qe_identity_issuer_chain");
    put_chain(w, &c->qe_identity_chain, WHERE("qe_identity_issuer_chain"));
    put_key(w, &first, "pck_crl");
    put_crl(w, &c->pck_crl, WHERE("pck_crl"));
    if (c->pck_crl_chain.n || c->pck_crl_chain.error) {
        put_key(w, &first, "pck_crl_issuer_chain");
        put_chain(w, &c->pck_crl_chain, WHERE("pck_crl_issuer_chain"));
    }
    put_key(w, &first, "root_ca_crl");
    put_crl(w, &c->root_ca_crl, WHERE("root_ca_crl"));
#undef WHERE
    puts_(w, "}");
}

static void put_evidence(writer *w, teeattest_evidence *ev)
{
    char num[32];
    puts_(w, "{\"collateral\":[");
    for (size_t i = 0; i < ev->n_cols; i++) {
        if (i)
            puts_(w, ",");
        put_collateral(w, ta_collateral_inner(ev->cols[i]), i);
    }
    puts_(w, "],\"nras\":[");
    bool first = true;
    for (size_t i = 0; i < TA_EVIDENCE_ENTRIES_MAX; i++) {
        const ta_gpu_blob *nb = &ev->nras[i].blob;
        if (!nb->data)
            continue;
        snprintf(num, sizeof num, "%s{\"entry\":%zu,\"response\":",
                 first ? "" : ",", i);
        first = false;
        puts_(w, num);
        put_text(w, nb->data, nb->len);
        puts_(w, "}");
    }
    puts_(w, "],\"gpu\":{\"rims\":[");
    const teeattest_gpu_inputs *in = ev->gpu;
    size_t n = teeattest_gpu_inputs_count(in, TEEATTEST_GPU_ITEM_RIM);
    for (size_t i = 0; i < n; i++) {
        const char *id;
        const uint8_t *d;
        size_t dl;
        teeattest_gpu_inputs_get(in, TEEATTEST_GPU_ITEM_RIM, i, &id, &d, &dl, NULL);
        puts_(w, i ? ",{\"id\":" : "{\"id\":");
        if (id)
            put_string(w, (const uint8_t *)id, strlen(id)); /* [A-Za-z0-9._-] */
        else
            puts_(w, "null");
        puts_(w, ",\"xml\":");
        put_base64(w, d, dl);
        puts_(w, "}");
    }
    puts_(w, "],\"ocsp\":[");
    n = teeattest_gpu_inputs_count(in, TEEATTEST_GPU_ITEM_OCSP);
    for (size_t i = 0; i < n; i++) {
        const uint8_t *d;
        size_t dl;
        teeattest_gpu_inputs_get(in, TEEATTEST_GPU_ITEM_OCSP, i, NULL, &d, &dl, NULL);
        if (i)
            puts_(w, ",");
        put_base64(w, d, dl);
    }
    puts_(w, "],\"jwks\":[");
    n = teeattest_gpu_inputs_count(in, TEEATTEST_GPU_ITEM_JWKS);
    for (size_t i = 0; i < n; i++) {
        const uint8_t *d;
        size_t dl;
        teeattest_gpu_inputs_get(in, TEEATTEST_GPU_ITEM_JWKS, i, NULL, &d, &dl, NULL);
        if (i)
            puts_(w, ",");
        put_text(w, d, dl);
    }
    puts_(w, "]}");
    if (ev->e2e_instances.data) {
        puts_(w, ",\"e2e_instances\":");
        put_text(w, ev->e2e_instances.data, ev->e2e_instances.len);
    }
    if (ev->model_compose.data) {
        puts_(w, ",\"model_compose\":");
        put_text(w, ev->model_compose.data, ev->model_compose.len);
    }
    puts_(w, "}");
}

static bool json_ws(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void put_signature(writer *w, const teeattest_signature *sig)
{
    if (w->rc)
        return;
    size_t n = 0;
    int rc = teeattest_signature_to_json(sig, NULL, 0, &n, NULL);
    if (rc != TEEATTEST_E_BUFFER_TOO_SMALL && rc != TEEATTEST_OK) {
        w->rc = ta_error(w->err, rc, "signature",
                         "the signature record cannot be written");
        return;
    }
    char *t = ta_malloc(w->b.ctx, n + 1);
    if (!t) {
        w->rc = ta_error(w->err, TEEATTEST_E_NOMEM, NULL, "out of memory");
        return;
    }
    rc = teeattest_signature_to_json(sig, t, n + 1, &n, w->err);
    if (rc)
        w->rc = rc;
    else
        put(w, t, n);
    ta_free(w->b.ctx, t);
}

/* Sigstore bundle i of the evidence is the same bytes as an earlier one. */
/* ,"e2ee":{...} inside "aci" (docs/bundle.md). */
static void put_e2ee(writer *w, const e2ee_rec *r)
{
    char num[32], hex[65];
    puts_(w, ",\"" E2EE_MEMBER "\":{\"algo\":");
    const char *algo = ta_e2ee_algo(r->suite);
    put_string(w, (const uint8_t *)algo, strlen(algo));
    puts_(w, ",\"key_id\":");
    put_string(w, (const uint8_t *)r->key_id, strlen(r->key_id));
    puts_(w, ",\"public_key\":");
    put_string(w, (const uint8_t *)r->pub, strlen(r->pub));
    ta_hex_encode(hex, r->secret, 32);
    puts_(w, ",\"client_secret_key\":\"");
    puts_(w, hex);
    ta_wipe(hex, sizeof hex);
    puts_(w, "\",\"nonce\":\"");
    puts_(w, r->nonce);
    snprintf(num, sizeof num, "\",\"timestamp\":%lld", (long long)r->ts);
    puts_(w, num);
    puts_(w, ",\"endpoint\":\"");
    puts_(w, endpoint_names[r->endpoint]);
    puts_(w, "\",\"restored_request\":");
    put_text(w, r->restored, r->restored_len);
    puts_(w, ",\"answer\":");
    if (r->answer_len)
        put_text(w, r->answer, r->answer_len);
    else
        puts_(w, "\"\"");
    puts_(w, "}");
}

static bool sigstore_repeated(const teeattest_evidence *ev, size_t i)
{
    const ta_gpu_blob *x = &ev->sigstore_bundles[i];
    return ta_evidence_sigstore_held(ev, x->data, x->len, i, NULL);
}

/* Version 2's "sigstore_bundles": the evidence's Sigstore bundles as text
 * items, exact bytes, each once (a caller may add the same bundle
 * twice), in the order held; written only when some are held. */
static void put_sigstore(writer *w, const teeattest_evidence *ev)
{
    if (!ev->n_sigstore_bundles)
        return;
    puts_(w, ",\"" SIGSTORE_MEMBER "\":[");
    bool first = true;
    for (size_t i = 0; i < ev->n_sigstore_bundles; i++) {
        if (sigstore_repeated(ev, i))
            continue;
        if (!first)
            puts_(w, ",");
        first = false;
        put_text(w, ev->sigstore_bundles[i].data, ev->sigstore_bundles[i].len);
    }
    puts_(w, "]");
}

TEEATTEST_API int teeattest_bundle_to_json(teeattest_bundle *b,
                                           const char **json, size_t *len,
                                           teeattest_error *err)
{
    if (json)
        *json = NULL;
    if (len)
        *len = 0;
    if (!b || !json)
        return TA_INVALID(err, !b ? "bundle is NULL" : "json is NULL");
    if (!b->report)
        return ta_error(err, TEEATTEST_E_FIELD_MISSING, "report",
                        "the bundle has no report");
    const uint8_t *raw = NULL;
    size_t raw_len = 0;
    teeattest_report_raw(b->report, &raw, &raw_len);
    size_t k = 0;
    while (k < raw_len && json_ws(raw[k]))
        k++;
    /* teeattest_bundle_parse() takes back only an object. */
    if (k == raw_len || raw[k] != '{')
        return ta_error(err, TEEATTEST_E_PARSE, "report",
                        "the report document is not a JSON object");

    writer w;
    memset(&w, 0, sizeof w);
    ta_buf_init(&w.b, b->ctx, TEEATTEST_BUNDLE_MAX);
    w.err = err;
    char num[64];
    const char *dialect = teeattest_report_dialect(b->report);
    puts_(&w, "{\"format\":\"" BUNDLE_FORMAT "\",\"version\":");
    snprintf(num, sizeof num, "%d", (int)teeattest_bundle_version(b));
    puts_(&w, num);
    puts_(&w, ",\"dialect\":");
    put_string(&w, (const uint8_t *)dialect, strlen(dialect));
    if (b->model) {
        puts_(&w, ",\"model\":");
        put_string(&w, (const uint8_t *)b->model, strlen(b->model));
    }
    int64_t t = teeattest_bundle_time(b);
    if (!t)
        t = teeattest_ctx_now(b->ctx);
    snprintf(num, sizeof num, ",\"captured_at\":%lld", (long long)t);
    puts_(&w, num);
    uint8_t nonce[TEEATTEST_NONCE_SIZE];
    if (teeattest_bundle_nonce(b, nonce, TEEATTEST_NONCE_SIZE, NULL) == TEEATTEST_OK) {
        char hex[2 * TEEATTEST_NONCE_SIZE + 1];
        ta_hex_encode(hex, nonce, sizeof nonce);
        puts_(&w, ",\"nonce\":\"");
        puts_(&w, hex);
        puts_(&w, "\"");
    }
    const uint8_t *spki = b->ev->tls_spki.data;
    size_t spki_len = b->ev->tls_spki.len;
    if (!spki && teeattest_report_tls_spki(b->report, &spki, &spki_len, NULL) !=
                     TEEATTEST_OK)
        spki = NULL;
    if (spki && spki_len) {
        puts_(&w, ",\"tls_spki\":");
        put_base64(&w, spki, spki_len);
    }
    const char *host = ta_report_host(b->report);
    if (host) {
        puts_(&w, ",\"host\":");
        put_string(&w, (const uint8_t *)host, strlen(host));
    }
    puts_(&w, ",\"report\":");
    put(&w, raw, raw_len);
    puts_(&w, ",\"evidence\":");
    put_evidence(&w, b->ev);
    if (b->has_exchange) {
        puts_(&w, ",\"exchange\":{\"request\":");
        put_base64(&w, b->req, b->req_len);
        puts_(&w, ",\"response\":");
        put_base64(&w, b->resp, b->resp_len);
        puts_(&w, "}");
    }
    if (b->sig) {
        puts_(&w, ",\"signature\":");
        put_signature(&w, b->sig);
    }
    if (b->e2ee.has && (w.rc = e2ee_answer(b, err))) {
        ta_buf_free(&w.b);
        return w.rc;
    }
    if (b->receipts.n || b->sessions.n || b->e2ee.has) {
        /* Version 2: the ACI receipts and sessions, exact bytes. */
        puts_(&w, ",\"aci\":{\"receipts\":[");
        for (size_t i = 0; i < b->receipts.n; i++) {
            if (i)
                puts_(&w, ",");
            put_text(&w, b->receipts.p[i], b->receipts.len[i]);
        }
        puts_(&w, "],\"sessions\":[");
        for (size_t i = 0; i < b->sessions.n; i++) {
            if (i)
                puts_(&w, ",");
            put_text(&w, b->sessions.p[i], b->sessions.len[i]);
        }
        puts_(&w, "]");
        if (b->e2ee.has)
            put_e2ee(&w, &b->e2ee);
        puts_(&w, "}");
    }
    put_sigstore(&w, b->ev);
    puts_(&w, "}");
    if (!w.rc && (w.rc = ta_buf_terminate(&w.b)))
        w.rc = ta_error(err, w.rc, NULL, "out of memory");
    if (w.rc) {
        ta_buf_free(&w.b);
        return w.rc;
    }
    drop_json(b);
    b->json = (char *)ta_buf_steal(&w.b, &b->json_len);
    *json = b->json;
    if (len)
        *len = b->json_len;
    return TEEATTEST_OK;
}

/* ---- parsing ----------------------------------------------------------------- */

/* Bytes of a member: borrowed from the JSON tree, or decoded (owned). */
typedef struct bytes {
    const uint8_t *p;
    size_t n;
    uint8_t *owned;
} bytes;

static void bytes_free(const teeattest_ctx *ctx, bytes *x)
{
    ta_free(ctx, x->owned);
    memset(x, 0, sizeof *x);
}

static int get_base64(const teeattest_ctx *ctx, json_t *v, const char *where,
                      size_t max, bytes *out, teeattest_error *err)
{
    memset(out, 0, sizeof *out);
    if (!json_is_string(v))
        return ta_error(err, TEEATTEST_E_JSON, where,
                        "must be a base64 string");
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (ta_base64_decoded_max(n) > max + 2)
        return ta_error(err, TEEATTEST_E_TOO_LARGE, where,
                        "longer than the %zu-byte limit", max);
    uint8_t *d = ta_malloc(ctx, ta_base64_decoded_max(n) + 1);
    if (!d)
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "out of memory");
    int64_t got = ta_base64_decode(d, ta_base64_decoded_max(n) + 1, s, n,
                                   false);
    if (got < 0) {
        ta_free(ctx, d);
        return ta_error(err, TEEATTEST_E_BASE64, where, "not valid base64");
    }
    if ((size_t)got > max) {
        ta_free(ctx, d);
        return ta_error(err, TEEATTEST_E_TOO_LARGE, where,
                        "longer than the %zu-byte limit", max);
    }
    out->p = out->owned = d;
    out->n = (size_t)got;
    return TEEATTEST_OK;
}

/* Exact bytes written by put_text(): a string, or {"base64":"..."}. */
static int get_text(const teeattest_ctx *ctx, json_t *v, const char *where,
                    size_t max, bytes *out, teeattest_error *err)
{
    memset(out, 0, sizeof *out);
    if (json_is_object(v)) {
        json_t *b64 = json_object_get(v, "base64");
        if (!b64 || json_object_size(v) != 1)
            return ta_error(err, TEEATTEST_E_JSON, where,
                            "must be a string or {\"base64\":\"...\"}");
        return get_base64(ctx, b64, where, max, out, err);
    }
    if (!json_is_string(v))
        return ta_error(err, TEEATTEST_E_JSON, where,
                        "must be a string or {\"base64\":\"...\"}");
    if (json_string_length(v) > max)
        return ta_error(err, TEEATTEST_E_TOO_LARGE, where,
                        "longer than the %zu-byte limit", max);
    out->p = (const uint8_t *)json_string_value(v);
    out->n = json_string_length(v);
    return TEEATTEST_OK;
}

/* A required (or optional) member of an object; where names it. */
static int member(json_t *o, const char *key, bool required, json_t **v,
                  const char *where, teeattest_error *err)
{
    *v = json_object_get(o, key);
    if (!*v && required)
        return ta_error(err, TEEATTEST_E_FIELD_MISSING, where,
                        "required member is missing");
    return TEEATTEST_OK;
}

/* Point err->where at the bundle member an inner parser failed in,
 * keeping the inner location after it. */
static int rewhere(teeattest_error *err, int rc, const char *where)
{
    if (ta_error_writable(err)) {
        char full[2 * sizeof err->where + 4];
        size_t n = strnlen(err->where, sizeof err->where);
        int k = snprintf(full, sizeof full, "%s%s%.*s", where,
                         n ? ": " : "", (int)n, err->where);
        size_t m = k < 0 ? 0 : (size_t)k;
        if (m >= sizeof err->where)
            m = sizeof err->where - 1;
        memcpy(err->where, full, m);
        err->where[m] = '\0';
    }
    return rc;
}

/* An evidence setter refused an item from the document: misuse to the
 * setter, but malformed input here (a RIM id with characters outside its
 * alphabet, say). */
static int item_error(teeattest_error *err, int rc, const char *where)
{
    if (rc != TEEATTEST_E_INVALID_ARG)
        return rewhere(err, rc, where);
    char msg[256] = "invalid item";
    if (ta_error_writable(err))
        snprintf(msg, sizeof msg, "%s", err->message);
    return ta_error(err, TEEATTEST_E_PARSE, where, "%s", msg);
}

static int parse_collateral(teeattest_bundle *b, json_t *o, size_t i,
                            teeattest_error *err)
{
    static const char *const keys[] = {
        "tcb_info", "tcb_info_issuer_chain", "qe_identity",
        "qe_identity_issuer_chain", "pck_crl", "pck_crl_issuer_chain",
        "root_ca_crl",
    };
    enum { N = 7, PCK_CRL = 4, PCK_CHAIN = 5, ROOT_CRL = 6 };
    char where[96];
    if (!json_is_object(o)) {
        snprintf(where, sizeof where, "evidence.collateral[%zu]", i);
        return ta_error(err, TEEATTEST_E_JSON, where, "must be an object");
    }
    bytes x[N];
    memset(x, 0, sizeof x);
    int rc = TEEATTEST_OK;
    for (size_t k = 0; !rc && k < N; k++) {
        snprintf(where, sizeof where, "evidence.collateral[%zu].%s", i,
                 keys[k]);
        json_t *v;
        rc = member(o, keys[k], k != PCK_CHAIN, &v, where, err);
        if (rc || !v)
            continue;
        rc = k == PCK_CRL || k == ROOT_CRL
                 ? get_base64(b->ctx, v, where, COLLATERAL_ITEM_MAX, &x[k], err)
                 : get_text(b->ctx, v, where, COLLATERAL_ITEM_MAX, &x[k], err);
    }
    ta_tdx_collateral *inner = NULL;
    teeattest_collateral *col = NULL;
    if (!rc) {
        ta_tdx_collateral_parts parts;
        memset(&parts, 0, sizeof parts);
        parts.tcb_info = x[0].p;
        parts.tcb_info_len = x[0].n;
        parts.tcb_info_chain = x[1].p;
        parts.tcb_info_chain_len = x[1].n;
        parts.qe_identity = x[2].p;
        parts.qe_identity_len = x[2].n;
        parts.qe_identity_chain = x[3].p;
        parts.qe_identity_chain_len = x[3].n;
        parts.pck_crl = x[4].p;
        parts.pck_crl_len = x[4].n;
        parts.pck_crl_chain = x[5].p;
        parts.pck_crl_chain_len = x[5].n;
        parts.root_ca_crl = x[6].p;
        parts.root_ca_crl_len = x[6].n;
        /* An empty string is an item, but from_parts reads NULL as none. */
        static const uint8_t empty[1];
        if (!parts.tcb_info)
            parts.tcb_info = empty;
        if (!parts.qe_identity)
            parts.qe_identity = empty;
        rc = ta_tdx_collateral_from_parts(b->ctx, &parts, &inner, err);
    }
    if (!rc)
        rc = ta_collateral_wrap(b->ctx, inner, &col, err);
    if (!rc)
        rc = ta_evidence_keep_collateral(b->ev, col, err);
    teeattest_collateral_free(col);
    for (size_t k = 0; k < N; k++)
        bytes_free(b->ctx, &x[k]);
    return rc;
}

static int parse_array(json_t *o, const char *key, size_t max, json_t **v,
                       const char *where, teeattest_error *err)
{
    *v = json_object_get(o, key);
    if (!*v)
        return TEEATTEST_OK;
    if (!json_is_array(*v))
        return ta_error(err, TEEATTEST_E_JSON, where, "must be an array");
    if (json_array_size(*v) > max)
        return ta_error(err, TEEATTEST_E_TOO_LARGE, where,
                        "more than %zu items", max);
    return TEEATTEST_OK;
}

static int parse_gpu(teeattest_bundle *b, json_t *g, teeattest_error *err)
{
    if (!json_is_object(g))
        return ta_error(err, TEEATTEST_E_JSON, "evidence.gpu",
                        "must be an object");
    teeattest_gpu_inputs *in = b->ev->gpu;
    char where[96];
    json_t *a;
    int rc = parse_array(g, "rims", TA_GPU_ITEMS_MAX, &a, "evidence.gpu.rims",
                         err);
    for (size_t i = 0; !rc && a && i < json_array_size(a); i++) {
        json_t *r = json_array_get(a, i), *id, *xml;
        snprintf(where, sizeof where, "evidence.gpu.rims[%zu]", i);
        if (!json_is_object(r))
            return ta_error(err, TEEATTEST_E_JSON, where, "must be an object");
        id = json_object_get(r, "id");
        if (id && !json_is_null(id) && !json_is_string(id))
            return ta_error(err, TEEATTEST_E_JSON, where,
                            "\"id\" must be a string or null");
        snprintf(where, sizeof where, "evidence.gpu.rims[%zu].xml", i);
        if ((rc = member(r, "xml", true, &xml, where, err)))
            return rc;
        bytes x;
        if ((rc = get_base64(b->ctx, xml, where, GPU_ITEM_MAX, &x, err)))
            return rc;
        rc = teeattest_gpu_inputs_add(in, TEEATTEST_GPU_ITEM_RIM,
                                      json_is_string(id) ? json_string_value(id)
                                                         : NULL,
                                      x.p, x.n, err);
        bytes_free(b->ctx, &x);
        if (rc)
            return item_error(err, rc, where);
    }
    if (!rc)
        rc = parse_array(g, "ocsp", TA_GPU_ITEMS_MAX, &a, "evidence.gpu.ocsp",
                         err);
    for (size_t i = 0; !rc && a && i < json_array_size(a); i++) {
        snprintf(where, sizeof where, "evidence.gpu.ocsp[%zu]", i);
        bytes x;
        if ((rc = get_base64(b->ctx, json_array_get(a, i), where,
                             GPU_ITEM_MAX, &x, err)))
            return rc;
        rc = teeattest_gpu_inputs_add(in, TEEATTEST_GPU_ITEM_OCSP, NULL, x.p,
                                      x.n, err);
        bytes_free(b->ctx, &x);
        if (rc)
            return item_error(err, rc, where);
    }
    if (!rc)
        rc = parse_array(g, "jwks", TA_GPU_ITEMS_MAX, &a, "evidence.gpu.jwks",
                         err);
    for (size_t i = 0; !rc && a && i < json_array_size(a); i++) {
        snprintf(where, sizeof where, "evidence.gpu.jwks[%zu]", i);
        bytes x;
        if ((rc = get_text(b->ctx, json_array_get(a, i), where, GPU_ITEM_MAX,
                           &x, err)))
            return rc;
        rc = teeattest_gpu_inputs_add(in, TEEATTEST_GPU_ITEM_JWKS, NULL, x.p,
                                      x.n, err);
        bytes_free(b->ctx, &x);
        if (rc)
            return item_error(err, rc, where);
    }
    return rc;
}

static int parse_evidence(teeattest_bundle *b, json_t *e,
                          teeattest_error *err)
{
    if (!json_is_object(e))
        return ta_error(err, TEEATTEST_E_JSON, "evidence", "must be an object");
    char where[96];
    json_t *a;
    int rc = parse_array(e, "collateral", TA_EVIDENCE_COLLATERALS_MAX, &a,
                         "evidence.collateral", err);
    for (size_t i = 0; !rc && a && i < json_array_size(a); i++)
        rc = parse_collateral(b, json_array_get(a, i), i, err);
    if (!rc)
        rc = parse_array(e, "nras", TA_EVIDENCE_ENTRIES_MAX, &a,
                         "evidence.nras", err);
    for (size_t i = 0; !rc && a && i < json_array_size(a); i++) {
        json_t *o = json_array_get(a, i), *ent, *resp;
        snprintf(where, sizeof where, "evidence.nras[%zu]", i);
        if (!json_is_object(o))
            return ta_error(err, TEEATTEST_E_JSON, where, "must be an object");
        snprintf(where, sizeof where, "evidence.nras[%zu].entry", i);
        if ((rc = member(o, "entry", true, &ent, where, err)))
            return rc;
        if (!json_is_integer(ent) || json_integer_value(ent) < 0 ||
            json_integer_value(ent) >= (json_int_t)TA_EVIDENCE_ENTRIES_MAX)
            return ta_error(err, TEEATTEST_E_JSON, where,
                            "must be an integer from 0 to %u",
                            TA_EVIDENCE_ENTRIES_MAX - 1);
        size_t entry = (size_t)json_integer_value(ent);
        if (b->ev->nras[entry].blob.data)
            return ta_error(err, TEEATTEST_E_JSON, where,
                            "entry %zu has a second NRAS answer", entry);
        snprintf(where, sizeof where, "evidence.nras[%zu].response", i);
        if ((rc = member(o, "response", true, &resp, where, err)))
            return rc;
        bytes x;
        if ((rc = get_text(b->ctx, resp, where, TA_EVIDENCE_ITEM_MAX, &x,
                           err)))
            return rc;
        rc = teeattest_evidence_set(b->ev, TEEATTEST_EVIDENCE_NRAS_RESPONSE,
                                    entry, x.p, x.n, err);
        bytes_free(b->ctx, &x);
        if (rc)
            return item_error(err, rc, where);
    }
    json_t *v;
    if (!rc && (v = json_object_get(e, "gpu")))
        rc = parse_gpu(b, v, err);
    if (!rc && (v = json_object_get(e, "e2e_instances"))) {
        bytes x;
        if ((rc = get_text(b->ctx, v, "evidence.e2e_instances",
                           TA_EVIDENCE_ITEM_MAX, &x, err)))
            return rc;
        rc = teeattest_evidence_set(b->ev, TEEATTEST_EVIDENCE_E2E_INSTANCES, 0,
                                    x.p, x.n, err);
        bytes_free(b->ctx, &x);
        if (rc)
            return item_error(err, rc, "evidence.e2e_instances");
    }
    if (!rc && (v = json_object_get(e, "model_compose"))) {
        bytes x;
        if ((rc = get_text(b->ctx, v, "evidence.model_compose",
                           TA_EVIDENCE_ITEM_MAX, &x, err)))
            return rc;
        rc = teeattest_evidence_set(b->ev, TEEATTEST_EVIDENCE_MODEL_COMPOSE, 0,
                                    x.p, x.n, err);
        bytes_free(b->ctx, &x);
        if (rc)
            return item_error(err, rc, "evidence.model_compose");
    }
    return rc;
}

/* The exact bytes of a top-level member's value. For "report" the
 * whitespace around the value is included: the writer puts none there,
 * so whatever is there belongs to the document as received. */
static int member_span(const uint8_t *doc, size_t len, const char *key,
                       bool with_ws, const uint8_t **val, size_t *val_len,
                       teeattest_error *err)
{
    int rc = ta_json_member_span(doc, len, key, val, val_len);
    if (rc)
        return ta_error(err, rc == TEEATTEST_E_NOT_FOUND
                                 ? TEEATTEST_E_FIELD_MISSING : TEEATTEST_E_JSON,
                        key, "cannot locate the member's bytes");
    if (with_ws) {
        size_t off = (size_t)(*val - doc), end = off + *val_len;
        while (off > 0 && json_ws(doc[off - 1]))
            off--;
        while (end < len && json_ws(doc[end]))
            end++;
        *val = doc + off;
        *val_len = end - off;
    }
    return TEEATTEST_OK;
}

static int get_string(json_t *o, const char *key, bool required, size_t max,
                      const char **out, teeattest_error *err)
{
    *out = NULL;
    json_t *v = json_object_get(o, key);
    if (!v || (!required && json_is_null(v))) {
        if (required)
            return ta_error(err, TEEATTEST_E_FIELD_MISSING, key,
                            "required member is missing");
        return TEEATTEST_OK;
    }
    if (!json_is_string(v))
        return ta_error(err, TEEATTEST_E_JSON, key, "must be a string");
    if (json_string_length(v) > max)
        return ta_error(err, TEEATTEST_E_TOO_LARGE, key,
                        "longer than the %zu-byte limit", max);
    if (strlen(json_string_value(v)) != json_string_length(v))
        return ta_error(err, TEEATTEST_E_JSON, key, "contains a NUL");
    *out = json_string_value(v);
    return TEEATTEST_OK;
}

/* aci.e2ee (docs/bundle.md): every member required; the record must load
 * as a session (a suite, its key, a secret of the suite, the nonce, a
 * restored body with a string model). */
static int parse_e2ee(teeattest_bundle *b, json_t *o, teeattest_error *err)
{
    char where[64];
    if (!json_is_object(o))
        return ta_error(err, TEEATTEST_E_JSON, "aci." E2EE_MEMBER,
                        "must be an object");
    static const char *const strs[] = {"algo", "key_id", "public_key",
                                       "client_secret_key", "nonce",
                                       "endpoint"};
    const char *v[6];
    int rc;
    for (size_t i = 0; i < 6; i++) {
        snprintf(where, sizeof where, "aci." E2EE_MEMBER ".%s", strs[i]);
        teeattest_error e = TEEATTEST_ERROR_INIT;
        if ((rc = get_string(o, strs[i], true, TA_ACI_PUBKEY_HEX_MAX, &v[i],
                             &e)))
            return ta_error(err, rc, where, "%s", e.message);
    }
    e2ee_rec *r = &b->e2ee;
    r->suite = ta_e2ee_suite(v[0]);
    if (!r->suite)
        return ta_error(err, TEEATTEST_E_UNSUPPORTED, "aci." E2EE_MEMBER ".algo",
                        "not an E2EE v2 suite");
    for (int e = 1; e <= 3; e++)
        if (strcmp(v[5], endpoint_names[e]) == 0)
            r->endpoint = e;
    if (!r->endpoint)
        return ta_error(err, TEEATTEST_E_JSON, "aci." E2EE_MEMBER ".endpoint",
                        "must be chat, completions or embeddings");
    if (strlen(v[3]) != 64 ||
        ta_hex_decode(r->secret, sizeof r->secret, v[3], 64) != 32)
        return ta_error(err, TEEATTEST_E_HEX,
                        "aci." E2EE_MEMBER ".client_secret_key",
                        "must be 64 hex digits");
    if (strlen(v[4]) != 64)
        return ta_error(err, TEEATTEST_E_LENGTH, "aci." E2EE_MEMBER ".nonce",
                        "must be 64 lowercase hex digits");
    if (strspn(v[4], "0123456789abcdef") != 64)
        return ta_error(err, TEEATTEST_E_HEX, "aci." E2EE_MEMBER ".nonce",
                        "must be 64 lowercase hex digits");
    memcpy(r->nonce, v[4], 65);
    json_t *t = json_object_get(o, "timestamp");
    if (!t)
        return ta_error(err, TEEATTEST_E_FIELD_MISSING,
                        "aci." E2EE_MEMBER ".timestamp",
                        "required member is missing");
    if (!json_is_integer(t) || json_integer_value(t) < 0 ||
        json_integer_value(t) > TEEATTEST_TIME_MAX)
        return ta_error(err, TEEATTEST_E_JSON, "aci." E2EE_MEMBER ".timestamp",
                        "must be an integer Unix time");
    r->ts = json_integer_value(t);
    bytes q, a;
    json_t *jq = json_object_get(o, "restored_request");
    json_t *ja = json_object_get(o, "answer");
    if (!jq || !ja)
        return ta_error(err, TEEATTEST_E_FIELD_MISSING,
                        !jq ? "aci." E2EE_MEMBER ".restored_request"
                            : "aci." E2EE_MEMBER ".answer",
                        "required member is missing");
    if ((rc = get_text(b->ctx, jq, "aci." E2EE_MEMBER ".restored_request",
                       EXCHANGE_MAX, &q, err)))
        return rc;
    if ((rc = get_text(b->ctx, ja, "aci." E2EE_MEMBER ".answer", EXCHANGE_MAX,
                       &a, err))) {
        bytes_free(b->ctx, &q);
        return rc;
    }
    r->key_id = ta_strndup(b->ctx, v[1], strlen(v[1]));
    r->pub = ta_strndup(b->ctx, v[2], strlen(v[2]));
    r->restored = q.owned ? q.owned : dup_bytes(b->ctx, q.p, q.n);
    r->restored_len = q.n;
    r->answer = a.owned ? a.owned : dup_bytes(b->ctx, a.p, a.n);
    r->answer_len = a.n;
    r->has = r->has_answer = true;
    if (!r->key_id || !r->pub || !r->restored || !r->answer)
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "out of memory");
    /* It must load as the session it records. */
    ta_e2ee_material m;
    e2ee_material(r, &m);
    teeattest_e2ee_session *s = NULL;
    rc = ta_e2ee_session_import(b->ctx, &s, &m, err);
    ta_wipe(&m, sizeof m);
    teeattest_e2ee_session_free(s);
    if (rc == TEEATTEST_E_INVALID_ARG) { /* malformed input, not misuse */
        char msg[256] = "invalid record";
        if (ta_error_writable(err))
            snprintf(msg, sizeof msg, "%s", err->message);
        rc = ta_error(err, TEEATTEST_E_JSON, "aci." E2EE_MEMBER, "%s", msg);
    } else if (rc && rc != TEEATTEST_E_NOMEM)
        rc = rewhere(err, rc, "aci." E2EE_MEMBER);
    return rc;
}

/* Version 2's "aci": {"receipts":[TEXT...],"sessions":[TEXT...]}, each
 * item a JSON object within its kind's limit. */
static int parse_aci(teeattest_bundle *b, json_t *o, teeattest_error *err)
{
    static const int32_t kinds[] = {TEEATTEST_BUNDLE_ACI_RECEIPT,
                                    TEEATTEST_BUNDLE_ACI_SESSION};
    static const char *const keys[] = {"receipts", "sessions"};
    if (!json_is_object(o))
        return ta_error(err, TEEATTEST_E_JSON, "aci", "must be an object");
    char where[64];
    int rc = TEEATTEST_OK;
    for (size_t k = 0; !rc && k < 2; k++) {
        size_t max;
        const char *name;
        item_list *l = item_kind(b, kinds[k], &max, &name);
        json_t *a;
        if ((rc = parse_array(o, keys[k], TEEATTEST_BUNDLE_ITEMS_MAX, &a, name,
                              err)))
            return rc;
        for (size_t i = 0; !rc && a && i < json_array_size(a); i++) {
            snprintf(where, sizeof where, "%s[%zu]", name, i);
            bytes x;
            if ((rc = get_text(b->ctx, json_array_get(a, i), where, max, &x,
                               err)))
                return rc;
            rc = check_item(x.p, x.n, max, where, err);
            uint8_t *c = NULL;
            if (!rc && !(c = x.owned ? x.owned : dup_bytes(b->ctx, x.p, x.n)))
                rc = TEEATTEST_E_NOMEM;
            if (rc) {
                bytes_free(b->ctx, &x);
                return rc == TEEATTEST_E_NOMEM
                           ? ta_error(err, rc, NULL, "out of memory") : rc;
            }
            l->p[l->n] = c;
            l->len[l->n++] = x.n;
        }
    }
    json_t *e = json_object_get(o, E2EE_MEMBER);
    if (!rc && e)
        rc = parse_e2ee(b, e, err);
    return rc;
}

/* Version 2's "sigstore_bundles": [TEXT...], at most 64 items of 1 byte
 * to 4 MiB (what teeattest_evidence_add_sigstore_bundle() takes), none
 * the same bytes as another (the writer writes each once), put into the
 * bundle's evidence as supplied bundles. */
static int parse_sigstore(teeattest_bundle *b, json_t *v, teeattest_error *err)
{
    int rc;
    if (!json_is_array(v))
        return ta_error(err, TEEATTEST_E_JSON, SIGSTORE_MEMBER,
                        "must be an array");
    if (json_array_size(v) > TA_EVIDENCE_BUNDLES_MAX)
        return ta_error(err, TEEATTEST_E_TOO_LARGE, SIGSTORE_MEMBER,
                        "more than %d items", TA_EVIDENCE_BUNDLES_MAX);
    char where[64];
    for (size_t i = 0; i < json_array_size(v); i++) {
        snprintf(where, sizeof where, SIGSTORE_MEMBER "[%zu]", i);
        bytes x;
        if ((rc = get_text(b->ctx, json_array_get(v, i), where,
                           TA_EVIDENCE_BUNDLE_MAX, &x, err)))
            return rc;
        if (!x.n) {
            bytes_free(b->ctx, &x);
            return ta_error(err, TEEATTEST_E_JSON, where,
                            "an empty Sigstore bundle");
        }
        teeattest_evidence *ev = b->ev;
        size_t k;
        if (ta_evidence_sigstore_held(ev, x.p, x.n, ev->n_sigstore_bundles,
                                      &k)) {
            bytes_free(b->ctx, &x);
            return ta_error(err, TEEATTEST_E_JSON, where,
                            "the same Sigstore bundle as "
                            SIGSTORE_MEMBER "[%zu]", k);
        }
        rc = teeattest_evidence_add_sigstore_bundle(ev, x.p, x.n, err);
        bytes_free(b->ctx, &x);
        if (rc)
            return item_error(err, rc, where);
    }
    return TEEATTEST_OK;
}

static int parse_doc(teeattest_bundle *b, json_t *root, const uint8_t *doc,
                     size_t len, teeattest_error *err)
{
    const char *format, *dialect, *model, *nonce_hex, *spki_text, *host;
    int rc = get_string(root, "format", true, 64, &format, err);
    if (rc)
        return rc;
    bool capture = strcmp(format, CAPTURE_FORMAT) == 0;
    json_int_t version = 1;
    if (!capture && strcmp(format, BUNDLE_FORMAT) != 0)
        return ta_error(err, TEEATTEST_E_UNSUPPORTED, "format",
                        "not a teeattest bundle (\"%.40s\")", format);
    if (!capture) {
        json_t *ver = json_object_get(root, "version");
        if (!ver)
            return ta_error(err, TEEATTEST_E_FIELD_MISSING, "version",
                            "required member is missing");
        if (!json_is_integer(ver) || json_integer_value(ver) < 1)
            return ta_error(err, TEEATTEST_E_JSON, "version",
                            "must be a positive integer");
        version = json_integer_value(ver);
        if (version > TEEATTEST_BUNDLE_VERSION_MAX)
            return ta_error(err, TEEATTEST_E_UNSUPPORTED, "version",
                            "bundle version %lld is newer than %d",
                            (long long)version, TEEATTEST_BUNDLE_VERSION_MAX);
    }
    if ((rc = get_string(root, "dialect", true, DIALECT_MAX, &dialect, err)) ||
        (rc = get_string(root, "model", false, MODEL_MAX, &model, err)) ||
        (rc = get_string(root, "nonce", false, 2 * TEEATTEST_NONCE_SIZE,
                         &nonce_hex, err)) ||
        (rc = get_string(root, "host", false, HOST_MAX, &host, err)))
        return rc;
    json_t *ts = json_object_get(root, "captured_at");
    if (!ts)
        return ta_error(err, TEEATTEST_E_FIELD_MISSING, "captured_at",
                        "required member is missing");
    if (!json_is_integer(ts) || json_integer_value(ts) < 0)
        return ta_error(err, TEEATTEST_E_JSON, "captured_at",
                        "must be a non-negative integer (Unix seconds)");
    if (nonce_hex) {
        rc = ta_hex_decode_exact(b->nonce, TEEATTEST_NONCE_SIZE, nonce_hex,
                                 strlen(nonce_hex), false);
        if (rc)
            return ta_error(err, rc, "nonce", "must be %u hex digits",
                            2 * TEEATTEST_NONCE_SIZE);
        b->has_nonce = true;
    }
    bytes spki = {0};
    if (capture) {
        if ((rc = get_string(root, "tls_spki_der_hex", false, 2 * SPKI_MAX,
                             &spki_text, err)))
            return rc;
        if (spki_text && spki_text[0]) {
            size_t n = strlen(spki_text);
            if (!(spki.owned = ta_malloc(b->ctx, n / 2 + 1)))
                return ta_error(err, TEEATTEST_E_NOMEM, NULL, "out of memory");
            int64_t got = ta_hex_decode(spki.owned, n / 2 + 1, spki_text, n);
            if (got < 0) {
                bytes_free(b->ctx, &spki);
                return ta_error(err, (int)got, "tls_spki_der_hex",
                                "not valid hex");
            }
            spki.p = spki.owned;
            spki.n = (size_t)got;
        }
    } else {
        json_t *v = json_object_get(root, "tls_spki");
        if (v && (rc = get_base64(b->ctx, v, "tls_spki", SPKI_MAX, &spki,
                                  err)))
            return rc;
    }

    json_t *rep = json_object_get(root, "report");
    const uint8_t *rv = NULL;
    size_t rl = 0;
    if (!rep)
        rc = ta_error(err, TEEATTEST_E_FIELD_MISSING, "report",
                      "required member is missing");
    else if (!json_is_object(rep))
        rc = ta_error(err, TEEATTEST_E_JSON, "report",
                      "must be the report document (a JSON object)");
    if (!rc)
        rc = member_span(doc, len, "report", true, &rv, &rl, err);
    if (!rc && (rc = teeattest_report_parse(b->ctx, &b->report, dialect, rv,
                                            rl, err)))
        rc = rewhere(err, rc, "report");
    /* What the fetch knew and the document does not. */
    if (!rc && b->has_nonce)
        rc = ta_report_set_fetch_info(b->report, b->nonce, spki.p, spki.n);
    else if (!rc && spki.p)
        rc = teeattest_evidence_set(b->ev, TEEATTEST_EVIDENCE_TLS_SPKI, 0,
                                    spki.p, spki.n, err);
    if (!rc && host)
        rc = ta_report_set_host(b->report, host);
    if (rc == TEEATTEST_E_NOMEM)
        rc = ta_error(err, rc, NULL, "out of memory");
    bytes_free(b->ctx, &spki);
    if (rc)
        return rc;
    b->time = (int64_t)json_integer_value(ts);
    b->has_time = true;
    ta_report_set_captured_at(b->report, b->time);
    if (model && !(b->model = ta_strdup(b->ctx, model)))
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "out of memory");
    if (capture)
        return TEEATTEST_OK;

    json_t *v = json_object_get(root, "evidence");
    if (v && (rc = parse_evidence(b, v, err)))
        return rc;
    if ((v = json_object_get(root, "exchange"))) {
        if (!json_is_object(v))
            return ta_error(err, TEEATTEST_E_JSON, "exchange",
                            "must be an object");
        json_t *rq, *rs;
        bytes q, s;
        if ((rc = member(v, "request", true, &rq, "exchange.request", err)) ||
            (rc = member(v, "response", true, &rs, "exchange.response", err)))
            return rc;
        if ((rc = get_base64(b->ctx, rq, "exchange.request", EXCHANGE_MAX, &q,
                             err)))
            return rc;
        if ((rc = get_base64(b->ctx, rs, "exchange.response", EXCHANGE_MAX,
                             &s, err))) {
            bytes_free(b->ctx, &q);
            return rc;
        }
        b->req = q.owned;
        b->req_len = q.n;
        b->resp = s.owned;
        b->resp_len = s.n;
        b->has_exchange = true;
    }
    if ((v = json_object_get(root, "signature"))) {
        if (!json_is_object(v))
            return ta_error(err, TEEATTEST_E_JSON, "signature",
                            "must be a signature record (a JSON object)");
        const uint8_t *sv;
        size_t sl;
        if ((rc = member_span(doc, len, "signature", false, &sv, &sl, err)))
            return rc;
        if ((rc = teeattest_signature_parse_json(b->ctx, &b->sig, sv, sl,
                                                 err)))
            return rewhere(err, rc, "signature");
    }
    /* Version 1 readers ignored unknown members, so a version 1 document
     * is read as before: an "aci" member there is ignored too. */
    if (version >= 2 && (v = json_object_get(root, "aci")) &&
        (rc = parse_aci(b, v, err)))
        return rc;
    /* The same holds for "sigstore_bundles": a version 1 document that
     * has one is read without it (provenance then finds no bundle). */
    if (version >= 2 && (v = json_object_get(root, SIGSTORE_MEMBER)) &&
        (rc = parse_sigstore(b, v, err)))
        return rc;
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_bundle_parse(teeattest_ctx *ctx,
                                         teeattest_bundle **out,
                                         const uint8_t *json, size_t len,
                                         teeattest_error *err)
{
    if (out)
        *out = NULL;
    if (!ctx || !out || (!json && len))
        return TA_INVALID(err, !ctx ? "ctx is NULL" : !out ? "out is NULL"
                                                           : "json is NULL");
    if (len > TEEATTEST_BUNDLE_MAX)
        return ta_error(err, TEEATTEST_E_TOO_LARGE, NULL,
                        "bundle of %zu bytes exceeds the %u-byte limit", len,
                        TEEATTEST_BUNDLE_MAX);
    json_t *root = NULL;
    int rc = ta_json_parse(&root, json ? json : (const uint8_t *)"", len,
                           TEEATTEST_BUNDLE_MAX, err);
    if (rc)
        return rc;
    if (!json_is_object(root)) {
        json_decref(root);
        return ta_error(err, TEEATTEST_E_JSON, NULL,
                        "a bundle is a JSON object");
    }
    teeattest_bundle *b = NULL;
    if (!(rc = teeattest_bundle_new(ctx, &b, err)))
        rc = parse_doc(b, root, json, len, err);
    json_decref(root);
    if (rc) {
        teeattest_bundle_free(b);
        return rc;
    }
    *out = b;
    return TEEATTEST_OK;
}

/* ---- verification ------------------------------------------------------------ */

/* Copy a finished result's checks and facts into r (under r's prefix),
 * facts with their types. */
static void copy_result(teeattest_result *r, const teeattest_result *from)
{
    for (size_t i = 0; i < from->n_checks; i++) {
        const ta_check *c = &from->checks[i];
        ta_result_check(r, c->name, c->outcome, c->required != 0, "%s",
                        c->detail);
    }
    for (size_t i = 0; i < from->n_facts; i++) {
        const ta_fact *f = &from->facts[i];
        if (f->type == TA_FACT_BOOL)
            ta_result_fact_bool(r, f->key, strcmp(f->text, "true") == 0);
        else if (f->type == TA_FACT_INT)
            ta_result_fact_int(r, f->key, strtoll(f->text, NULL, 10));
        else
            ta_result_fact_str(r, f->key, f->text);
    }
}

/* A string fact of an unfinished result, or NULL. */
static const char *fact_text(const teeattest_result *r, const char *key)
{
    for (size_t i = 0; i < r->n_facts; i++)
        if (strcmp(r->facts[i].key, key) == 0)
            return r->facts[i].text;
    return NULL;
}

/* An exchange and what checks it come together: for aci, exactly one
 * receipt and no signature record; for other dialects, a signature record
 * and no ACI items (docs/bundle.md, check bundle.response). */
static void check_pairing(teeattest_result *r, const teeattest_bundle *b,
                          bool aci)
{
    const char *why = NULL;
    char msg[160];
    size_t nr = b->receipts.n;
    if (!aci && (nr || b->sessions.n || b->e2ee.has)) {
        snprintf(msg, sizeof msg, "the bundle holds ACI receipts or sessions "
                                  "but its dialect is %.40s",
                 teeattest_report_dialect(b->report));
        why = msg;
    } else if (!aci && b->has_exchange != (b->sig != NULL)) {
        why = b->sig ? "the bundle has a signature record but no exchange to "
                       "check it against"
                     : "the bundle has an exchange but no signature record "
                       "to check it with";
    } else if (aci && b->sig) {
        why = "an aci answer is checked by its receipt; the bundle has a "
              "signature record";
    } else if (aci && b->has_exchange && nr != 1) {
        if (nr) {
            snprintf(msg, sizeof msg, "the bundle has %zu receipts for its "
                                      "one exchange", nr);
            why = msg;
        } else {
            why = "the bundle has an exchange but no receipt to check it "
                  "with";
        }
    } else if (aci && !b->has_exchange && nr) {
        why = "the bundle has a receipt but no exchange to check it against";
    } else if (aci && !b->has_exchange && b->e2ee.has) {
        why = "the bundle has an E2EE record but no exchange";
    }
    if (why)
        ta_result_check(r, "bundle.response", TEEATTEST_OUTCOME_FAIL, true,
                        "%s", why);
}

/* Session ids of the bundle's sessions; a document without one has "". */
static int session_ids(const teeattest_bundle *b, char ids[][65],
                       teeattest_error *err)
{
    for (size_t i = 0; i < b->sessions.n; i++) {
        json_t *j = NULL;
        ids[i][0] = '\0';
        int rc = ta_json_parse(&j, b->sessions.p[i], b->sessions.len[i],
                               TA_ACI_SESSION_MAX, NULL);
        if (!rc)
            rc = ta_aci_session_id(b->ctx, j, ids[i], NULL);
        json_decref(j);
        if (rc == TEEATTEST_E_NOMEM)
            return ta_error(err, rc, NULL, "out of memory");
        if (rc)
            ids[i][0] = '\0';
    }
    return TEEATTEST_OK;
}

/* bundle.sessions: every session the bundle holds is the one its receipt
 * cites (it is verified with the receipt), and the cited one is held
 * (teeattest chat fails when the aggregator does not serve it). */
static void check_sessions(teeattest_result *r, const teeattest_bundle *b,
                           char ids[][65], const char *cited)
{
    const char *name = "bundle.sessions";
    for (size_t i = 0; i < b->sessions.n; i++) {
        if (!ids[i][0]) {
            ta_result_check(r, name, TEEATTEST_OUTCOME_FAIL, true,
                            "aci.sessions[%zu] has no session id (no JCS "
                            "form)", i);
            return;
        }
        for (size_t k = 0; k < i; k++)
            if (strcmp(ids[k], ids[i]) == 0) {
                ta_result_check(r, name, TEEATTEST_OUTCOME_FAIL, true,
                                "session %s is in the bundle twice", ids[i]);
                return;
            }
        if (!cited || strcmp(cited, ids[i]) != 0) {
            ta_result_check(r, name, TEEATTEST_OUTCOME_FAIL, true,
                            "session %s is cited by no receipt checked", ids[i]);
            return;
        }
    }
    if (b->sessions.n)
        ta_result_check(r, name, TEEATTEST_OUTCOME_PASS, true,
                        "session %s, cited by the receipt", cited);
    else if (cited)
        ta_result_check(r, name, TEEATTEST_OUTCOME_FAIL, true,
                        "the receipt cites session %s; the bundle does not "
                        "hold it (online, a cited session not served "
                        "fails)", cited);
    else
        ta_result_check(r, name, TEEATTEST_OUTCOME_SKIP, false,
                        "the receipt cites no session");
}

/* The serving constraints of spec 5.3 the exact request carried
 * ("provider": {"aci_verified", "aci_session_ids"}), which the receipt's
 * request hash binds: the receipt is held to them as chat held it online.
 * *doc keeps the pinned strings alive. Fail closed where they cannot be
 * read: a request that is not one JSON object (or has a member twice, or
 * did not parse for want of memory) requires verified serving, and an
 * aci_session_ids that is not a non-empty array pins nothing that any
 * receipt can cite. */
static int request_constraints(const uint8_t *req, size_t req_len,
                               json_t **doc, ta_aci_receipt_opts *o,
                               const char ***pins, teeattest_error *err)
{
    *doc = NULL;
    *pins = NULL;
    if (ta_json_parse(doc, req, req_len, EXCHANGE_MAX, NULL) ||
        !json_is_object(*doc)) {
        json_decref(*doc);
        *doc = NULL;
        o->require_verified = true;
        return TEEATTEST_OK;
    }
    const json_t *prov = json_object_get(*doc, "provider");
    const json_t *ids = json_object_get(prov, "aci_session_ids");
    o->require_verified = json_is_true(json_object_get(prov, "aci_verified"));
    if (!ids)
        return TEEATTEST_OK;
    o->require_verified = true; /* aci_session_ids implies it (5.3) */
    size_t n = json_array_size(ids);
    *pins = calloc(n ? n : 1, sizeof **pins);
    if (!*pins)
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "out of memory");
    for (size_t i = 0; i < n; i++) /* a non-string pins nothing */
        (*pins)[i] = json_string_value(json_array_get(ids, i));
    o->pinned = *pins;
    o->n_pinned = n ? n : 1; /* none: one NULL entry, matching no id */
    return TEEATTEST_OK;
}

/* The cited session's checks (aci.session.*) and its deep audit with the
 * bundle's evidence under the policy, as teeattest chat runs
 * teeattest_aci_session_audit() online. */
static int session_checks(teeattest_bundle *b, ta_checks *c, size_t s,
                          const char *cited, const teeattest_policy *pol,
                          teeattest_error *err)
{
    ta_aci_session_info si;
    memset(&si, 0, sizeof si);
    json_t *doc = NULL;
    int rc = ta_aci_session_verify(b->ctx, c, b->sessions.p[s],
                                   b->sessions.len[s], cited, &si, err);
    if (!rc)
        rc = ta_json_parse(&doc, b->sessions.p[s], b->sessions.len[s],
                           TA_ACI_SESSION_MAX, err);
    if (!rc)
        rc = ta_aci_session_deep_audit(b->ctx, c->r, doc, &si, b->ev, pol,
                                       err);
    json_decref(doc);
    ta_aci_session_info_free(b->ctx, &si);
    return rc;
}

/* The members of a request outside its encrypted locations: `body` with
 * every message's content (chat), the prompt (completions) or the input
 * (embeddings) set to null. */
static void clear_members(json_t *body, int endpoint)
{
    if (endpoint == TA_E2EE_EP_CHAT) {
        size_t i;
        json_t *m;
        json_array_foreach(json_object_get(body, "messages"), i, m)
            if (json_is_object(m) && json_object_get(m, "content"))
                json_object_set_new(m, "content", json_null());
    } else {
        const char *k = endpoint == TA_E2EE_EP_COMPLETIONS ? "prompt"
                                                           : "input";
        if (json_object_get(body, k))
            json_object_set_new(body, k, json_null());
    }
}

/* The request sent (ciphertext) is the restored body outside the
 * encrypted locations: same members, same values. Its encrypted fields
 * cannot be opened offline (the client keeps no per-field key). */
static bool same_clear_members(const teeattest_bundle *b, const char **why)
{
    json_t *sent = NULL, *restored = NULL;
    bool same = false;
    *why = "the request sent is not a JSON object";
    if (!ta_json_parse(&sent, b->req, b->req_len, EXCHANGE_MAX, NULL) &&
        json_is_object(sent) &&
        !ta_json_parse(&restored, b->e2ee.restored, b->e2ee.restored_len,
                       EXCHANGE_MAX, NULL)) {
        clear_members(sent, b->e2ee.endpoint);
        clear_members(restored, b->e2ee.endpoint);
        same = json_equal(sent, restored);
        *why = "the request sent differs from the restored body outside "
               "its encrypted fields";
    }
    json_decref(sent);
    json_decref(restored);
    return same;
}

/* aci.e2ee: the E2EE checks of the online chat, run again with the
 * recorded session (aci.e2ee.key: the key the request was encrypted to is
 * listed, under its key_id, in the keyset the report established;
 * aci.e2ee.response: every answer field opens under its AAD), then
 * bundle.e2ee: the request sent is the restored body outside its
 * encrypted fields, and the recorded answer is what those fields open
 * to. */
static int e2ee_checks(teeattest_bundle *b, ta_checks *c,
                       const ta_aci_keyset *ks, teeattest_error *err)
{
    ta_e2ee_material m;
    e2ee_material(&b->e2ee, &m);
    teeattest_e2ee_session *s = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    int rc = ta_e2ee_session_import(b->ctx, &s, &m, &e);
    ta_wipe(&m, sizeof m);
    if (rc == TEEATTEST_E_NOMEM)
        return ta_error(err, rc, NULL, "out of memory");
    if (rc) {
        static const char *const names[] = {"aci.e2ee.key",
                                            "aci.e2ee.response",
                                            "bundle.e2ee"};
        for (size_t i = 0; i < 3; i++)
            ta_checks_add(c, names[i], TEEATTEST_OUTCOME_FAIL, true,
                          "the E2EE record does not load: %s%s%s",
                          e.where, e.where[0] ? ": " : "", e.message);
        return TEEATTEST_OK;
    }
    rc = ta_e2ee_record_checks(b->ctx, c, s, ks, b->resp, b->resp_len, err);
    teeattest_e2ee_session_free(s);
    if (rc)
        return rc;
    ta_buf out;
    ta_buf_init(&out, b->ctx, EXCHANGE_MAX);
    e = (teeattest_error)TEEATTEST_ERROR_INIT;
    rc = e2ee_open(b->ctx, &b->e2ee, b->resp, b->resp_len, &out, &e);
    if (rc == TEEATTEST_E_NOMEM) {
        ta_buf_free(&out);
        return ta_error(err, rc, NULL, "out of memory");
    }
    const e2ee_rec *r = &b->e2ee;
    const char *why = NULL;
    if (!same_clear_members(b, &why))
        ta_checks_add(c, "bundle.e2ee", TEEATTEST_OUTCOME_FAIL, true, "%s",
                      why);
    else if (rc == TEEATTEST_E_TOO_LARGE)
        ta_checks_add(c, "bundle.e2ee", TEEATTEST_OUTCOME_FAIL, true,
                      "the decrypted answer exceeds %u bytes: it cannot be "
                      "compared", EXCHANGE_MAX);
    else if (rc && !r->answer_len)
        ta_checks_add(c, "bundle.e2ee", TEEATTEST_OUTCOME_PASS, true,
                      "the answer does not open (aci.e2ee.response) and the "
                      "bundle records none");
    else if (rc)
        ta_checks_add(c, "bundle.e2ee", TEEATTEST_OUTCOME_FAIL, true,
                      "the bundle records an answer, but the response does "
                      "not open (aci.e2ee.response)");
    else if (out.len != r->answer_len ||
             (out.len && memcmp(out.data, r->answer, out.len) != 0))
        ta_checks_add(c, "bundle.e2ee", TEEATTEST_OUTCOME_FAIL, true,
                      "the recorded answer (%zu bytes) is not what the "
                      "response's fields open to (%zu bytes)", r->answer_len,
                      out.len);
    else
        ta_checks_add(c, "bundle.e2ee", TEEATTEST_OUTCOME_PASS, true,
                      "the recorded answer (%zu bytes) is what the response's "
                      "fields open to; the request sent is the restored body "
                      "outside its encrypted fields", out.len);
    if (out.data)
        ta_wipe(out.data, out.len);
    ta_buf_free(&out);
    return TEEATTEST_OK;
}

/* Version 2, aci: the receipt over the exchange's exact bytes, against the
 * keyset the report established (fact aci.keyset, as chat does online),
 * held to the serving constraints of the request, with the session it
 * cites (checked and deep-audited) when the bundle holds it; then
 * bundle.sessions. Checks go to r (not finished yet). */
static int aci_checks(teeattest_bundle *b, teeattest_result *r,
                      const teeattest_policy *pol, teeattest_error *err)
{
    char ids[TEEATTEST_BUNDLE_ITEMS_MAX][65];
    int rc = session_ids(b, ids, err);
    if (rc)
        return rc;
    const char *cited = NULL;
    ta_aci_receipt_info info;
    memset(&info, 0, sizeof info);
    if (b->has_exchange && b->receipts.n == 1 && !b->sig) {
        const char *keyset = fact_text(r, "aci.keyset");
        ta_aci_keyset ks;
        teeattest_error e = TEEATTEST_ERROR_INIT;
        if (!keyset) {
            ta_result_check(r, "bundle.response", TEEATTEST_OUTCOME_FAIL, true,
                            "the report established no keyset to check the "
                            "receipt against");
            check_sessions(r, b, ids, NULL);
            return TEEATTEST_OK;
        }
        if ((rc = ta_aci_keyset_parse_doc(b->ctx, &ks, (const uint8_t *)keyset,
                                          strlen(keyset), &e))) {
            if (rc == TEEATTEST_E_NOMEM)
                return ta_error(err, rc, NULL, "out of memory");
            ta_result_check(r, "bundle.response", TEEATTEST_OUTCOME_FAIL, true,
                            "the established keyset does not parse: %s",
                            e.message);
            check_sessions(r, b, ids, NULL);
            return TEEATTEST_OK;
        }
        ta_aci_receipt_opts o;
        memset(&o, 0, sizeof o);
        /* E2EE: the receipt hashes the restored body, which carries the
         * serving constraints too (spec/e2ee-v2.md 8). */
        o.request = b->e2ee.has ? b->e2ee.restored : b->req;
        o.request_len = b->e2ee.has ? b->e2ee.restored_len : b->req_len;
        o.has_request = true;
        o.response = b->resp;
        o.response_len = b->resp_len;
        o.has_response = true;
        json_t *reqdoc = NULL;
        const char **pins = NULL;
        if ((rc = request_constraints(o.request, o.request_len, &reqdoc, &o,
                                      &pins, err))) {
            ta_aci_keyset_free(b->ctx, &ks);
            return rc;
        }
        /* The serving mode of the same report (facts aci.serving,
         * aci.serving_bound), as chat passes it online. */
        const char *serving = fact_text(r, "aci.serving");
        const char *bound = fact_text(r, "aci.serving_bound");
        if (serving && strcmp(serving, "direct") == 0)
            o.serving = bound && strcmp(bound, "true") == 0
                            ? TA_ACI_SERVING_DIRECT
                            : TA_ACI_SERVING_DIRECT_UNBOUND;
        /* A first pass, tally only, finds the session the receipt cites. */
        ta_checks tally;
        memset(&tally, 0, sizeof tally);
        rc = ta_aci_receipt_verify(b->ctx, &tally, b->receipts.p[0],
                                   b->receipts.len[0], &ks, &o, &info, err);
        size_t s = b->sessions.n;
        if (!rc && info.cites_session) {
            cited = info.session_id;
            for (s = 0; s < b->sessions.n && strcmp(ids[s], cited) != 0; s++)
                ;
        }
        ta_aci_session_info si;
        memset(&si, 0, sizeof si);
        if (!rc && s < b->sessions.n) {
            memset(&tally, 0, sizeof tally);
            rc = ta_aci_session_verify(b->ctx, &tally, b->sessions.p[s],
                                       b->sessions.len[s], cited, &si, err);
            o.session_id = si.id;
            o.session_established_at = si.established_at;
            o.session_expires_at = si.expires_at;
        }
        ta_checks c;
        memset(&c, 0, sizeof c);
        c.r = r;
        if (!rc)
            rc = ta_aci_receipt_verify(b->ctx, &c, b->receipts.p[0],
                                       b->receipts.len[0], &ks, &o, &info,
                                       err);
        if (!rc && s < b->sessions.n)
            rc = session_checks(b, &c, s, cited, pol, err);
        if (!rc && b->e2ee.has)
            rc = e2ee_checks(b, &c, &ks, err);
        ta_aci_session_info_free(b->ctx, &si);
        ta_aci_keyset_free(b->ctx, &ks);
        free(pins);
        json_decref(reqdoc);
        if (rc)
            return rc;
    }
    if (b->receipts.n || b->sessions.n)
        check_sessions(r, b, ids, cited);
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_bundle_verify(teeattest_ctx *ctx,
                                          teeattest_result **out,
                                          teeattest_bundle *b,
                                          const teeattest_policy *policy,
                                          teeattest_error *err)
{
    if (out)
        *out = NULL;
    if (!ctx || !out || !b)
        return TA_INVALID(err, !ctx ? "ctx is NULL" : !out ? "out is NULL"
                                                           : "bundle is NULL");
    if (b->ctx != ctx || (policy && policy->ctx != ctx))
        return TA_INVALID(err, "the bundle or policy belongs to another "
                               "context");
    if (!b->report)
        return ta_error(err, TEEATTEST_E_FIELD_MISSING, "report",
                        "the bundle has no report");
    /* A shallow copy: only the time changes, the buffers stay borrowed. */
    struct teeattest_policy pol;
    if (policy) {
        pol = *policy;
    } else {
        memset(&pol, 0, sizeof pol);
        ta_policy_defaults(&pol);
        pol.ctx = ctx;
    }
    if (pol.time == TA_TIME_NOW && teeattest_bundle_time(b))
        pol.time = teeattest_bundle_time(b);

    teeattest_result *att = NULL, *sres = NULL, *r = NULL;
    int rc = ta_result_new(ctx, &att);
    if (rc)
        return ta_error(err, rc, NULL, "allocating the result");
    rc = ta_report_verify_into(ctx, att, b->report, TEEATTEST_ENTRY_ALL, b->ev,
                               &pol, b->has_nonce ? b->nonce : NULL, err);
    /* An exchange and what checks it come as a pair: a signature record
     * (or receipt) alone, or an exchange alone, would be a response claim
     * that no check examines. */
    bool aci = strcmp(teeattest_report_dialect(b->report), "aci") == 0;
    if (!rc)
        check_pairing(att, b, aci);
    if (!rc && aci)
        rc = aci_checks(b, att, &pol, err);
    if (!rc)
        rc = ta_result_finish(att, err);
    if (!rc && !(b->has_exchange && b->sig && !aci)) {
        *out = att;
        return TEEATTEST_OK;
    }
    /* The answer is checked against the signer the attestation verified,
     * and only if it did verify (check response.signature.attestation). */
    if (!rc)
        rc = teeattest_signature_verify_attested(b->sig, &sres, &pol, att,
                                                 b->req, b->req_len, b->resp,
                                                 b->resp_len, err);
    if (!rc && (rc = ta_result_new(ctx, &r)) != TEEATTEST_OK)
        rc = ta_error(err, rc, NULL, "allocating the result");
    if (!rc) {
        copy_result(r, att);
        ta_result_set_prefix(r, "response.");
        copy_result(r, sres);
        ta_result_set_prefix(r, NULL);
        rc = ta_result_finish(r, err);
    }
    teeattest_result_free(att);
    teeattest_result_free(sres);
    if (rc) {
        teeattest_result_free(r);
        return rc;
    }
    *out = r;
    return TEEATTEST_OK;
}
