/*
 * teeattest-sim: the HTTP(S) server (libmicrohttpd), routing, chat answers,
 * the signature store, fault injection and the request log.
 *
 * One thread per connection, so a paced or stalled stream never holds up
 * another request (tests poll /_sim/log while a stream is running).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <microhttpd.h>
#include <sodium.h>

#include "sim.h"

#define MAX_REQUEST_BODY (16u << 20)

/* ---- per-request state ------------------------------------------------- */

struct req {
    sbuf body;
    bool too_big;
};

struct ctx {
    sim *s;
    struct MHD_Connection *conn;
    const char *method, *path;
    struct req *rq;
    sim_faults f;      /* snapshot taken when the request arrived */
    bool huge_once;    /* one-shot faults this answer consumed */
    bool malformed_once;
    bool truncate;     /* cut this body short (truncate_stream/_body) */
    int status;        /* for the log */
    json_t *log_extra; /* members added to this request's log record */
};

/* Block until the client closes `conn` (or the simulator stops): a stall
 * that outlasts any client timeout, however slow the client, and frees the
 * connection's thread as soon as the client gives up. */
static void wait_client_gone(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    int fd = ci ? ci->connect_fd : -1;
    while (!sim_quit) {
        if (fd < 0) {
            sim_sleep_ms(50);
            continue;
        }
        struct pollfd pf = {.fd = fd, .events = POLLRDHUP};
        if (poll(&pf, 1, 50) > 0 &&
            (pf.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)))
            return;
    }
}

static void request_completed(void *cls, struct MHD_Connection *c,
                              void **con_cls,
                              enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    struct req *rq = *con_cls;
    if (rq) {
        sb_free(&rq->body);
        free(rq);
        *con_cls = NULL;
    }
}

/* ---- the request log --------------------------------------------------- */

static enum MHD_Result collect_kv(void *cls, enum MHD_ValueKind kind,
                                  const char *key, const char *value)
{
    (void)kind;
    json_t *o = cls;
    json_object_set_new(o, key, json_string(value ? value : ""));
    return MHD_YES;
}

static enum MHD_Result collect_names(void *cls, enum MHD_ValueKind kind,
                                     const char *key, const char *value)
{
    (void)kind;
    (void)value;
    json_array_append_new(cls, json_string(key)); /* values may hold keys */
    return MHD_YES;
}

static void log_request(struct ctx *c)
{
    json_t *q = json_object(), *h = json_array();
    if (q)
        MHD_get_connection_values(c->conn, MHD_GET_ARGUMENT_KIND, collect_kv, q);
    if (h)
        MHD_get_connection_values(c->conn, MHD_HEADER_KIND, collect_names, h);
    char bh[65];
    sim_sha256_hex(bh, c->rq->body.data ? c->rq->body.data : "",
                   c->rq->body.len);
    sim *s = c->s;
    pthread_mutex_lock(&s->lock);
    unsigned long long seq = ++s->log_count;
    json_t *e = json_pack("{s:I,s:s,s:s,s:o*,s:o*,s:I,s:s,s:i}", "seq",
                          (json_int_t)seq, "method", c->method, "path", c->path,
                          "query", q, "headers", h, "body_len",
                          (json_int_t)c->rq->body.len, "body_sha256", bh,
                          "status", c->status);
    if (e && c->log_extra)
        json_object_update(e, c->log_extra);
    json_decref(c->log_extra);
    c->log_extra = NULL;
    if (e) {
        if (s->log_file) {
            char *line = json_dumps(e, JSON_COMPACT);
            if (line) {
                fprintf(s->log_file, "%s\n", line);
                fflush(s->log_file);
                free(line);
            }
        }
        if (json_array_size(s->log) >= SIM_LOG_MAX)
            json_array_remove(s->log, 0);
        json_array_append_new(s->log, e);
    }
    pthread_mutex_unlock(&s->lock);
}

/* ---- sending ----------------------------------------------------------- */

static void add_common_headers(struct MHD_Response *r, const char *ctype)
{
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    MHD_add_response_header(r, "X-Teeattest-Sim", "test-only");
}


static enum MHD_Result queue(struct ctx *c, int status, struct MHD_Response *r)
{
    if (!r)
        return MHD_NO;
    c->status = status;
    enum MHD_Result ret = MHD_queue_response(c->conn, (unsigned)status, r);
    MHD_destroy_response(r);
    return ret;
}

struct trunc {
    char *data;
    size_t len, cut;
};

static ssize_t trunc_cb(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct trunc *t = cls;
    if (pos >= t->cut)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    size_t n = t->cut - (size_t)pos;
    if (n > max)
        n = max;
    memcpy(buf, t->data + pos, n);
    return (ssize_t)n;
}

static void trunc_free(void *cls)
{
    struct trunc *t = cls;
    free(t->data);
    free(t);
}

static ssize_t huge_cb(void *cls, uint64_t pos, char *buf, size_t max)
{
    uint64_t total = *(uint64_t *)cls;
    if (pos >= total)
        return MHD_CONTENT_READER_END_OF_STREAM;
    size_t n = 0;
    for (; n < max && pos + n < total; n++) {
        uint64_t i = pos + n;
        char ch = 'a';
        if (i < 8)
            ch = "{\"pad\":\""[i];
        else if (i >= total - 2)
            ch = "\"}"[i - (total - 2)];
        buf[n] = ch;
    }
    return (ssize_t)n;
}

static enum MHD_Result send_huge(struct ctx *c, int status)
{
    uint64_t *total = malloc(sizeof *total);
    if (!total)
        return MHD_NO;
    *total = c->f.huge_body < 10 ? 10 : c->f.huge_body;
    struct MHD_Response *r = MHD_create_response_from_callback(
        *total, 64 * 1024, huge_cb, total, free);
    if (!r) {
        free(total);
        return MHD_NO;
    }
    add_common_headers(r, "application/json");
    return queue(c, status, r);
}

/* Send `body` (malloc'd, taken over) with the one-shot and sticky faults
 * that apply to whole bodies: huge body, malformed JSON, truncation. */
static enum MHD_Result send_body(struct ctx *c, int status, char *body,
                                 size_t len, const char *ctype,
                                 const char *const *extra_headers)
{
    if (!body)
        return MHD_NO;
    if (c->huge_once) {
        free(body);
        return send_huge(c, status);
    }
    if (c->malformed_once && len > 2)
        len = len / 2; /* cut mid-document: valid HTTP, invalid JSON */
    if (c->f.slow_ms)
        sim_sleep_ms(c->f.slow_ms);
    struct MHD_Response *r;
    if (c->truncate && len > 1) {
        struct trunc *t = malloc(sizeof *t);
        if (!t) {
            free(body);
            return MHD_NO;
        }
        t->data = body;
        t->len = len;
        t->cut = len / 2;
        r = MHD_create_response_from_callback(len, 64 * 1024, trunc_cb, t,
                                              trunc_free);
        if (!r)
            trunc_free(t);
    } else {
        r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
        if (!r)
            free(body);
    }
    if (!r)
        return MHD_NO;
    add_common_headers(r, ctype);
    for (size_t i = 0; extra_headers && extra_headers[i]; i += 2)
        MHD_add_response_header(r, extra_headers[i], extra_headers[i + 1]);
    return queue(c, status, r);
}

static enum MHD_Result send_json(struct ctx *c, int status, json_t *doc)
{
    if (!doc)
        return MHD_NO;
    size_t len = 0;
    char *t = NULL;
    /* Compact JSON, like serde_json and FastAPI's JSONResponse. */
    size_t need = json_dumpb(doc, NULL, 0, JSON_COMPACT);
    if (need) {
        t = malloc(need);
        if (t)
            len = json_dumpb(doc, t, need, JSON_COMPACT);
    }
    json_decref(doc);
    if (!t)
        return MHD_NO;
    return send_body(c, status, t, len, "application/json", NULL);
}

/* An answer exempt from faults (control endpoints). */
static enum MHD_Result send_plain_json(struct ctx *c, int status, json_t *doc)
{
    if (!doc)
        return MHD_NO;
    char *t = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    if (!t)
        return MHD_NO;
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(t), t, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(t);
        return MHD_NO;
    }
    add_common_headers(r, "application/json");
    return queue(c, status, r);
}

static enum MHD_Result send_error(struct ctx *c, int status, const char *msg,
                                  const char *type)
{
    return send_json(c, status, sim_error_doc(msg, type));
}

/* ---- signing ----------------------------------------------------------- */

static bool is_dialect(const sim *s, const char *name)
{
    return strcmp(s->dialect, name) == 0;
}

/* Sign `text` as node `node` would, with the signature faults applied.
 * `out` gets the signature string, `addr` the address the record claims. */
static int make_signature(const sim *s, const sim_faults *f, int node,
                          const char *text, bool ed, bool with_0x,
                          bool lower_addr, char out[133], const char **addr)
{
    const sim_key *claimed = &s->keys[node];
    const sim_key *signer = f->wrong_signer ? &s->wrong_key : claimed;
    int rc;
    if (ed) {
        rc = sim_sign_ed25519(signer, text, strlen(text), out);
        *addr = claimed->ed_pk_hex;
    } else {
        rc = sim_sign_eip191(signer, text, strlen(text), out, with_0x,
                             f->high_s);
        *addr = lower_addr ? claimed->address_lower : claimed->address_eip55;
    }
    if (rc == 0 && f->bad_signature) {
        /* Change one hex digit of r: still well-formed, no longer valid. */
        char *p = out + (with_0x && !ed ? 2 : 0) + 5;
        *p = *p == '0' ? '1' : '0';
    }
    return rc;
}

static void store_sigrec(sim *s, const char *id, const char *model, int node,
                         const char *req_hex, const char *resp_hex,
                         bool disconnected, int polls)
{
    pthread_mutex_lock(&s->lock);
    sim_sigrec *r = &s->sigs[s->sig_next];
    s->sig_next = (s->sig_next + 1) % SIM_SIGRECS;
    memset(r, 0, sizeof *r);
    snprintf(r->id, sizeof r->id, "%s", id);
    snprintf(r->model, sizeof r->model, "%s", model);
    snprintf(r->req_hex, sizeof r->req_hex, "%s", req_hex);
    snprintf(r->resp_hex, sizeof r->resp_hex, "%s", resp_hex);
    r->node = node;
    r->polls_left = polls;
    r->disconnected = disconnected;
    pthread_mutex_unlock(&s->lock);
}

/* ---- chat answers ------------------------------------------------------ */

static const char *const words[] = {
    "This", "is", "a", "simulated", "answer", "from", "teeattest-sim,",
    "signed", "with", "public", "test", "keys", "that", "prove", "nothing.",
};
#define N_WORDS (sizeof words / sizeof words[0])

static void request_hash_hex(const struct ctx *c, char out[65])
{
    sbuf b;
    sb_init(&b);
    sb_add(&b, c->rq->body.data ? c->rq->body.data : "", c->rq->body.len);
    if (c->f.sign_other_request)
        sb_str(&b, " "); /* signs bytes the client did not send */
    sim_sha256_hex(out, b.data ? b.data : "", b.len);
    sb_free(&b);
}

/* Change one byte of a chat answer in a way that keeps it valid JSON: the
 * first letter of the first content string. */
static void tamper_bytes(char *p, size_t len)
{
    static const char key[] = "\"content\":";
    char *hit = NULL;
    for (size_t i = 0; i + sizeof key - 1 < len && !hit; i++)
        if (memcmp(p + i, key, sizeof key - 1) == 0) {
            size_t j = i + sizeof key - 1;
            if (j < len && p[j] == ' ') /* Python's ": " separator */
                j++;
            if (j + 1 < len && p[j] == '"' && p[j + 1] != '"' &&
                p[j + 1] != '\\')
                hit = p + j + 1;
        }
    if (!hit)
        hit = p + len / 2;
    *hit = *hit == 'x' ? 'y' : 'x';
}

static json_t *completion_doc(const char *id, unsigned long long n,
                              const char *model, int events)
{
    sbuf t;
    sb_init(&t);
    for (int i = 0; i < events; i++) {
        if (i)
            sb_str(&t, " ");
        sb_str(&t, words[(size_t)i % N_WORDS]);
    }
    json_t *d = json_pack(
        "{s:s,s:s,s:I,s:s,s:[{s:i,s:{s:s,s:s%},s:n,s:s}],"
        "s:{s:i,s:i,s:i}}",
        "id", id, "object", "chat.completion", "created",
        (json_int_t)(1700000000 + n), "model", model, "choices", "index", 0,
        "message", "role", "assistant", "content", t.data ? t.data : "",
        t.len, "logprobs", "finish_reason", "stop", "usage",
        "prompt_tokens", 8, "completion_tokens", events, "total_tokens",
        events + 8);
    sb_free(&t);
    return d;
}

static void event_json(sbuf *b, const char *id, unsigned long long n,
                       const char *model, int idx, int events)
{
    /* compact, key order as vLLM writes its chunks */
    sb_printf(b, "{\"id\":\"%s\",\"object\":\"chat.completion.chunk\","
                 "\"created\":%llu,\"model\":", id, 1700000000ULL + n);
    json_t *m = json_string(model);
    char *ms = m ? json_dumps(m, JSON_ENCODE_ANY) : NULL;
    sb_str(b, ms ? ms : "\"\"");
    free(ms);
    json_decref(m);
    sb_str(b, ",\"choices\":[{\"index\":0,\"delta\":{");
    if (idx < events) {
        if (idx == 0)
            sb_str(b, "\"role\":\"assistant\",");
        sb_printf(b, "\"content\":\"%s%s\"}", idx ? " " : "",
                  words[(size_t)idx % N_WORDS]);
        sb_str(b, ",\"logprobs\":null,\"finish_reason\":null}]}");
    } else {
        sb_str(b, "},\"logprobs\":null,\"finish_reason\":\"stop\"}]}");
    }
}

struct stream {
    sim *s;
    struct MHD_Connection *conn;
    sim_faults f;
    bool ionet;
    char id[48];
    char model[128];
    unsigned long long n;
    int node;
    bool ed;
    char req_hex[65];
    int events;
    int next;          /* next event to produce */
    int tamper_at;
    crypto_hash_sha256_state h;
    json_t *chunks;    /* io.net: the data payloads, for its hash */
    sbuf cur;
    size_t off;
    bool finished;
    bool stalled;
    /* aci: the receipt id and the request bytes as received */
    bool aci;
    char rid[48];
    char *aci_req;
    size_t aci_req_len;
    sim_aci_route route; /* --aci-aggregator (aci_agg.c) */
    sim_e2ee *e2ee;    /* E2EE v2 (aci_e2ee.c): answers sealed */
    sim_near *near;    /* nearai E2EE (near_e2ee.c): answer fields sealed */
};

static void stream_free(void *cls)
{
    struct stream *st = cls;
    sb_free(&st->cur);
    json_decref(st->chunks);
    free(st->aci_req);
    sim_aci_route_clear(&st->route);
    sim_aci_e2ee_free(st->e2ee);
    sim_near_e2ee_free(st->near);
    free(st);
}

/* An answer sealed for the stream's E2EE: nearai's fields when near,
 * else E2EE v2. NULL when sealing failed. */
static char *seal(struct stream *st, bool near, bool chunk, bool tamper,
                  const char *data, size_t len, size_t *out_len)
{
    return near ? sim_near_e2ee_seal(st->near, chunk, tamper, data, len,
                                     out_len)
                : sim_aci_e2ee_seal(st->e2ee, chunk, tamper, data, len,
                                    out_len);
}

/* Replace an answer chunk by its sealed form. */
static int seal_payload(struct stream *st, sbuf *payload, bool near,
                        bool tamper)
{
    size_t n = 0;
    char *t = seal(st, near, true, tamper, payload->data, payload->len, &n);
    if (!t)
        return -1;
    sb_free(payload);
    sb_init(payload);
    sb_add(payload, t, n);
    free(t);
    return payload->oom ? -1 : 0;
}

/* The same for a whole answer: *body (freed) replaced by its sealed form
 * (the answer tampered, as before). False when sealing failed. */
static bool seal_body(struct stream *st, bool near, char **body, size_t *len)
{
    size_t n = 0;
    char *t = seal(st, near, false, true, *body, *len, &n);
    free(*body);
    *body = t;
    *len = n;
    return t != NULL;
}

/* aci: the headers of an answer as a send_body() name/value list,
 * NULL-ended: X-Receipt-Id when rid, the protocol version, the keyset
 * digest (its text into digest), and the E2EE v2 ones when e2ee. */
#define ACI_HEADERS 13
static void aci_headers(const char *hdrs[ACI_HEADERS], char digest[72],
                        struct ctx *c, const char *rid, const sim_e2ee *e2ee)
{
    size_t n = 0;
    if (rid) {
        hdrs[n++] = "X-Receipt-Id";
        hdrs[n++] = rid;
    }
    hdrs[n++] = "X-ACI-Version";
    hdrs[n++] = "aci/1";
    if (sim_aci_keyset_digest(c->s, &c->f, digest)) {
        hdrs[n++] = "X-ACI-Keyset-Digest";
        hdrs[n++] = digest;
    }
    if (e2ee) {
        hdrs[n++] = "X-E2EE-Applied";
        hdrs[n++] = "true";
        hdrs[n++] = "X-E2EE-Version";
        hdrs[n++] = "2";
        hdrs[n++] = "X-E2EE-Algo";
        hdrs[n++] = sim_aci_e2ee_algo(e2ee);
    }
    hdrs[n] = NULL;
}

/* aci: sign and keep the receipt of this exchange (resp_hex: the hash of
 * the response bytes served) under st->rid. */
static void keep_receipt(sim *s, const sim_faults *f, struct stream *st,
                         const char *id, const char *resp_hex)
{
    char *rj = sim_aci_receipt_make_route(s, f, st->rid, id, st->model,
                                          st->aci_req, st->aci_req_len,
                                          resp_hex, &st->route);
    if (rj)
        sim_aci_receipt_store(s, st->rid, rj);
}

/* Append one event to st->cur: `orig` is what is hashed (and, unless
 * tampered, sent). */
static int produce(struct stream *st)
{
    sim *s = st->s;
    sbuf ev;
    sb_init(&ev);
    sb_free(&st->cur);
    st->off = 0;
    int i = st->next++;
    int finish = st->events;        /* the finish_reason chunk */
    int sig_ev = st->ionet ? finish + 1 : -1;
    int done = st->ionet ? finish + 2 : finish + 1;

    if (i <= finish) {
        sbuf payload;
        sb_init(&payload);
        event_json(&payload, st->id, st->n, st->model, i, st->events);
        if (payload.oom) {
            sb_free(&payload);
            return -1;
        }
        if (st->ionet)
            json_array_append_new(st->chunks,
                                  json_stringn(payload.data, payload.len));
        if ((st->e2ee &&
             seal_payload(st, &payload, false, i == st->tamper_at)) ||
            (st->near &&
             seal_payload(st, &payload, true, i == st->tamper_at))) {
            sb_free(&payload);
            sb_free(&ev);
            return -1;
        }
        sb_str(&ev, "data: ");
        sb_add(&ev, payload.data, payload.len);
        sb_str(&ev, "\n\n");
        sb_free(&payload);
    } else if (i == sig_ev) {
        /* io.net: hash of compact json.dumps({"chunks": [...]}) */
        json_t *wrap = json_pack("{s:O}", "chunks", st->chunks);
        sbuf cj;
        sb_init(&cj);
        if (wrap)
            py_dumps(&cj, wrap, true);
        json_decref(wrap);
        char resp_hex[65], text[140], sig[133], img[65], dig[80];
        sim_sha256_hex(resp_hex, cj.data ? cj.data : "", cj.len);
        sb_free(&cj);
        snprintf(text, sizeof text, "%s:%s", st->req_hex, resp_hex);
        const char *addr;
        if (make_signature(s, &st->f, st->node, text, false, false, false, sig,
                           &addr))
            return -1;
        sim_label_hex(img, 32, s->seed, "image-digest");
        snprintf(dig, sizeof dig, "sha256:%s", img);
        json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:{s:s,s:s}}", "text",
                              text, "signature", sig, "signing_address", addr,
                              "signing_algo", "ecdsa", "image_digest", dig,
                              "vllm", "image_digest", dig, "model_id",
                              st->model);
        sbuf oj;
        sb_init(&oj);
        if (o)
            py_dumps(&oj, o, false);
        json_decref(o);
        sb_str(&ev, "event: signature\ndata: ");
        sb_add(&ev, oj.data ? oj.data : "{}", oj.data ? oj.len : 2);
        sb_str(&ev, "\n\n");
        sb_free(&oj);
    } else if (i == done) {
        sb_str(&ev, "data: [DONE]\n\n");
    } else {
        sb_free(&ev);
        st->finished = true;
        return 0;
    }
    if (ev.oom) {
        sb_free(&ev);
        return -1;
    }
    crypto_hash_sha256_update(&st->h, (const uint8_t *)ev.data, ev.len);
    if (i == st->tamper_at && st->f.tamper_response)
        tamper_bytes(ev.data, ev.len);
    st->cur = ev;
    if (i == done && !st->ionet) {
        /* Stored once the whole stream is produced, as the real proxies
         * do; a client reading [DONE] can fetch the signature. */
        uint8_t h[32];
        char resp_hex[65];
        crypto_hash_sha256_final(&st->h, h);
        sim_hex(resp_hex, h, 32);
        store_sigrec(s, st->id, st->model, st->node, st->req_hex, resp_hex,
                     false, st->f.signature_delay_polls);
        if (st->aci) /* the receipt hashes the whole stream, framing
                      * included */
            keep_receipt(s, &st->f, st, st->id, resp_hex);
    }
    return 0;
}

static ssize_t stream_cb(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct stream *st = cls;
    if (st->off >= st->cur.len) {
        int last = st->events + (st->ionet ? 2 : 1); /* the [DONE] event */
        if (st->finished || st->next > last)
            return MHD_CONTENT_READER_END_OF_STREAM;
        if (sim_quit)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        int half = (st->events + 1) / 2;
        if (st->f.truncate_stream && st->next == half) {
            if (!st->ionet)
                store_sigrec(st->s, st->id, st->model, st->node, st->req_hex,
                             "", true, 0);
            return MHD_CONTENT_READER_END_WITH_ERROR;
        }
        if ((st->f.stall_ms || st->f.stall_forever) && st->next == half &&
            !st->stalled) {
            st->stalled = true;
            if (st->f.stall_forever) {
                wait_client_gone(st->conn);
                return MHD_CONTENT_READER_END_WITH_ERROR;
            }
            sim_sleep_ms(st->f.stall_ms);
        }
        if (st->f.slow_ms)
            sim_sleep_ms(st->f.slow_ms);
        if (produce(st))
            return MHD_CONTENT_READER_END_WITH_ERROR;
        if (st->finished)
            return MHD_CONTENT_READER_END_OF_STREAM;
    }
    size_t n = st->cur.len - st->off;
    if (n > max)
        n = max;
    memcpy(buf, st->cur.data + st->off, n);
    st->off += n;
    return (ssize_t)n;
}

static enum MHD_Result start_stream(struct ctx *c, struct stream *st)
{
    crypto_hash_sha256_init(&st->h);
    st->tamper_at = st->events / 2;
    if (st->ionet && !(st->chunks = json_array())) {
        stream_free(st);
        return MHD_NO;
    }
    if (c->huge_once) {
        stream_free(st);
        return send_huge(c, 200);
    }
    struct MHD_Response *r = MHD_create_response_from_callback(
        MHD_SIZE_UNKNOWN, 16 * 1024, stream_cb, st, stream_free);
    if (!r) {
        stream_free(st);
        return MHD_NO;
    }
    add_common_headers(r, "text/event-stream; charset=utf-8");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    if (st->aci) {
        char digest[72];
        const char *hdrs[ACI_HEADERS];
        aci_headers(hdrs, digest, c, st->rid, st->e2ee);
        for (size_t i = 0; hdrs[i]; i += 2)
            MHD_add_response_header(r, hdrs[i], hdrs[i + 1]);
    }
    return queue(c, 200, r);
}

/* Take the next chat id and the node that answers it (round robin). */
static unsigned long long next_chat(struct ctx *c, char id[48], int *node)
{
    sim *s = c->s;
    pthread_mutex_lock(&s->lock);
    unsigned long long n = ++s->chat_counter;
    pthread_mutex_unlock(&s->lock);
    int nodes = c->f.nodes < 1 ? 1 : c->f.nodes > SIM_MAX_NODES
                                         ? SIM_MAX_NODES : c->f.nodes;
    *node = (int)((n - 1) % (unsigned)nodes);
    snprintf(id, 48, "chatcmpl-%llu", n);
    return n;
}

static json_t *parse_body(struct ctx *c)
{
    json_error_t jerr;
    json_t *j = json_loadb(c->rq->body.data ? c->rq->body.data : "",
                           c->rq->body.len, 0, &jerr);
    if (!json_is_object(j)) {
        json_decref(j);
        return NULL;
    }
    return j;
}

/* The serving constraints (aci_agg.c; a direct service refuses pinned
 * sessions). True when the request is answered here: a malformed
 * constraint (400), or a refusal (412 session_not_accepted, 503
 * upstream_verification_failed) with its signed receipt; *ret is then the
 * answer and st is freed. */
static bool aci_refused(struct ctx *c, struct stream *st,
                        enum MHD_Result *ret)
{
    sim *s = c->s;
    json_t *edoc = NULL;
    int status = sim_aci_agg_admit(s, &c->f, st->aci_req, st->aci_req_len,
                                   st->model, &st->route, &edoc);
    if (!status)
        return false;
    char *body = edoc ? json_dumps(edoc, JSON_COMPACT) : NULL;
    json_decref(edoc);
    if (!body) {
        stream_free(st);
        *ret = MHD_NO;
        return true;
    }
    size_t len = strlen(body);
    char digest[72], resp_hex[65];
    const char *hdrs[ACI_HEADERS];
    if (status == 400) {
        aci_headers(hdrs, digest, c, NULL, NULL);
        stream_free(st);
        *ret = send_body(c, status, body, len, "application/json", hdrs);
        return true;
    }
    /* a refusal: its receipt hashes the error body served (spec 7.4) */
    sim_sha256_hex(resp_hex, body, len);
    keep_receipt(s, &c->f, st, st->id, resp_hex);
    aci_headers(hdrs, digest, c, st->rid, NULL);
    *ret = send_body(c, status, body, len, "application/json", hdrs);
    stream_free(st);
    return true;
}

static enum MHD_Result chat_dstack(struct ctx *c)
{
    sim *s = c->s;
    c->truncate = c->f.truncate_stream;
    json_t *req = parse_body(c);
    if (!req)
        return send_error(c, 400, "request body is not a JSON object",
                          "invalid_request_error");
    const char *model = json_string_value(json_object_get(req, "model"));
    bool stream = json_is_true(json_object_get(req, "stream"));
    char id[48];
    int node;
    unsigned long long n = next_chat(c, id, &node);
    struct stream *st = calloc(1, sizeof *st);
    if (!st) {
        json_decref(req);
        return MHD_NO;
    }
    st->s = s;
    st->conn = c->conn;
    st->f = c->f;
    snprintf(st->id, sizeof st->id, "%s", id);
    snprintf(st->model, sizeof st->model, "%s", model && *model ? model : s->model);
    json_decref(req);
    st->n = n;
    st->node = node;
    st->events = s->events;
    request_hash_hex(c, st->req_hex);
    if (is_dialect(s, "nearai") && sim_near_e2ee_requested(c->conn)) {
        /* the fields decrypted with the named node's key; that node signs */
        char msg[256];
        st->near = sim_near_e2ee_open(s, &c->f, c->conn, c->rq->body.data,
                                      c->rq->body.len, &st->node,
                                      &c->log_extra, msg, sizeof msg);
        if (!st->near) {
            stream_free(st);
            return send_error(c, 400, msg, "invalid_request_error");
        }
    }
    if (is_dialect(s, "aci")) {
        st->aci = true;
        snprintf(st->rid, sizeof st->rid, "rcpt-%llu", n);
        st->aci_req_len = c->rq->body.len;
        st->aci_req = malloc(st->aci_req_len + 1);
        if (!st->aci_req) {
            stream_free(st);
            return MHD_NO;
        }
        if (st->aci_req_len)
            memcpy(st->aci_req, c->rq->body.data, st->aci_req_len);
        if (sim_aci_e2ee_requested(c->conn)) {
            /* the receipt hashes the restored body (e2ee-v2 section 8) */
            const char *type;
            char msg[256];
            free(st->aci_req);
            st->aci_req = NULL;
            st->e2ee = sim_aci_e2ee_open(s, &c->f, c->conn, c->rq->body.data,
                                         c->rq->body.len, &st->aci_req,
                                         &st->aci_req_len, &type, msg,
                                         sizeof msg);
            if (!st->e2ee) {
                stream_free(st);
                return send_error(c, 400, msg, type);
            }
        }
        { /* serving constraints: an aggregator's and a direct one's */
            enum MHD_Result ret;
            if (aci_refused(c, st, &ret))
                return ret;
        }
    }
    if (stream)
        return start_stream(c, st);

    json_t *doc = completion_doc(id, n, st->model, s->events);
    char *body = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (!body) {
        stream_free(st);
        return MHD_NO;
    }
    size_t len = strlen(body);
    if ((st->near && !seal_body(st, true, &body, &len)) ||
        (st->e2ee && !seal_body(st, false, &body, &len))) {
        stream_free(st);
        return send_error(c, 500, "sealing the answer failed", "server_error");
    }
    char resp_hex[65];
    sim_sha256_hex(resp_hex, body, len);
    if (c->f.tamper_response)
        tamper_bytes(body, len);
    store_sigrec(s, id, st->model, st->node, st->req_hex, resp_hex, false,
                 c->f.signature_delay_polls);
    if (st->aci) {
        char digest[72];
        const char *hdrs[ACI_HEADERS];
        keep_receipt(s, &c->f, st, id, resp_hex);
        aci_headers(hdrs, digest, c, st->rid, st->e2ee);
        enum MHD_Result ret = send_body(c, 200, body, len, "application/json",
                                        hdrs);
        stream_free(st);
        return ret;
    }
    stream_free(st);
    return send_body(c, 200, body, len, "application/json", NULL);
}

/* io.net's request hash: json.dumps(model_dump(exclude_none=True),
 * separators=(",", ":")) of its pydantic request model. Declared fields
 * first in model order (floats as floats, stream defaulting to false),
 * then extra fields in arrival order; None values dropped. */
static void ionet_request_hash(struct ctx *c, json_t *req, char out[65])
{
    static const char *const order[] = {
        "messages", "model", "temperature", "max_tokens", "stream", "top_p",
        "frequency_penalty", "presence_penalty", "stop", "n", "logprobs",
    };
    static const char *const floats[] = {
        "temperature", "top_p", "frequency_penalty", "presence_penalty",
    };
    json_t *canon = json_object();
    for (size_t i = 0; canon && i < sizeof order / sizeof order[0]; i++) {
        json_t *v = json_object_get(req, order[i]);
        if (!v && strcmp(order[i], "stream") == 0)
            v = json_false();
        else if (!v || json_is_null(v))
            continue;
        else
            json_incref(v);
        for (size_t k = 0; k < sizeof floats / sizeof floats[0]; k++)
            if (strcmp(order[i], floats[k]) == 0 && json_is_integer(v)) {
                json_t *r = json_real((double)json_integer_value(v));
                json_decref(v);
                v = r;
            }
        json_object_set_new(canon, order[i], v);
    }
    const char *key;
    json_t *v;
    json_object_foreach(req, key, v) {
        if (!json_is_null(v) && canon && !json_object_get(canon, key))
            json_object_set(canon, key, v);
    }
    sbuf b;
    sb_init(&b);
    if (canon)
        py_dumps(&b, canon, true);
    json_decref(canon);
    if (c->f.sign_other_request)
        sb_str(&b, " ");
    sim_sha256_hex(out, b.data ? b.data : "", b.len);
    sb_free(&b);
}

static enum MHD_Result chat_ionet(struct ctx *c)
{
    sim *s = c->s;
    c->truncate = c->f.truncate_stream;
    json_t *req = parse_body(c);
    if (!req)
        return send_json(c, 422, json_pack("{s:s}", "detail",
                                           "request body must be a JSON object"));
    const char *model = json_string_value(json_object_get(req, "model"));
    bool stream = json_is_true(json_object_get(req, "stream"));
    char id[48];
    int node;
    unsigned long long n = next_chat(c, id, &node);
    struct stream *st = calloc(1, sizeof *st);
    if (!st) {
        json_decref(req);
        return MHD_NO;
    }
    st->s = s;
    st->conn = c->conn;
    st->f = c->f;
    st->ionet = true;
    snprintf(st->id, sizeof st->id, "%s", id);
    snprintf(st->model, sizeof st->model, "%s", model && *model ? model : s->model);
    st->n = n;
    st->node = node;
    st->events = s->events;
    ionet_request_hash(c, req, st->req_hex);
    json_decref(req);
    if (stream)
        return start_stream(c, st);

    json_t *doc = completion_doc(id, n, st->model, s->events);
    sbuf sent, hashed;
    sb_init(&sent);
    sb_init(&hashed);
    if (doc) {
        py_dumps(&sent, doc, false);  /* what is returned */
        py_dumps(&hashed, doc, true); /* what is signed */
    }
    json_decref(doc);
    char resp_hex[65], text[140], sig[133], img[65], dig[80];
    sim_sha256_hex(resp_hex, hashed.data ? hashed.data : "", hashed.len);
    sb_free(&hashed);
    snprintf(text, sizeof text, "%s:%s", st->req_hex, resp_hex);
    const char *addr;
    size_t len = 0;
    char *body = sb_steal(&sent, &len);
    if (!body || make_signature(s, &c->f, node, text, false, false, false,
                                sig, &addr)) {
        free(body);
        stream_free(st);
        return MHD_NO;
    }
    if (c->f.tamper_response)
        tamper_bytes(body, len);
    sim_label_hex(img, 32, s->seed, "image-digest");
    snprintf(dig, sizeof dig, "sha256:%s", img);
    const char *hdrs[] = {
        "text", text, "signature", sig, "signing_address", addr,
        "signing_algo", "ecdsa", "image_digest", dig,
        "vllm_image_digest", dig, "vllm_model_id", st->model, NULL,
    };
    enum MHD_Result ret = send_body(c, 200, body, len, "application/json", hdrs);
    stream_free(st);
    return ret;
}

/* ---- signatures -------------------------------------------------------- */

static enum MHD_Result signature(struct ctx *c, const char *id)
{
    sim *s = c->s;
    const char *algo = MHD_lookup_connection_value(c->conn,
                                                   MHD_GET_ARGUMENT_KIND,
                                                   "signing_algo");
    bool legacy = is_dialect(s, "phala");
    bool near = is_dialect(s, "nearai");
    if (!algo)
        algo = "ecdsa";
    bool ed = strcmp(algo, "ed25519") == 0;
    if ((!ed && strcmp(algo, "ecdsa") != 0) || (ed && legacy))
        return send_error(c, 400, "Invalid signing algorithm. Must be 'ecdsa' "
                          "or 'ed25519'", "invalid_signing_algo");
    sim_sigrec rec;
    bool found = false, pending = false;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < SIM_SIGRECS && !c->f.expire_signatures; i++) {
        sim_sigrec *r = &s->sigs[i];
        if (r->id[0] && strcmp(r->id, id) == 0) {
            if (r->polls_left > 0) {
                r->polls_left--;
                pending = true;
            } else {
                rec = *r;
                found = true;
            }
            break;
        }
    }
    pthread_mutex_unlock(&s->lock);
    /* vllm-proxy answers exactly this while a signature is not stored yet,
     * after it expired, and for an unknown id: the three are not told
     * apart, so clients poll briefly and then report "expired or unknown". */
    if (!found || pending)
        return send_error(c, 404, "Chat id not found or expired", "not_found");
    if (rec.disconnected) {
        if (near)
            return send_json(c, 200, json_pack("{s:s,s:s}", "error_code",
                "STREAM_DISCONNECTED", "message",
                "The stream was disconnected before completion; no signature"));
        return send_error(c, 404, "Chat id not found or expired", "not_found");
    }
    char text[400], sig[133];
    if (near)
        snprintf(text, sizeof text, "%s:%s:%s", rec.model, rec.req_hex,
                 rec.resp_hex);
    else
        snprintf(text, sizeof text, "%s:%s", rec.req_hex, rec.resp_hex);
    const char *addr;
    if (make_signature(s, &c->f, rec.node, text, ed, !legacy, near, sig, &addr))
        return MHD_NO;
    json_t *doc;
    if (legacy)
        doc = json_pack("{s:s,s:s}", "text", text, "signature", sig);
    else
        doc = json_pack("{s:s,s:s,s:s,s:s}", "text", text, "signature", sig,
                        "signing_address", addr, "signing_algo",
                        ed ? "ed25519" : "ecdsa");
    if (doc && near && c->f.near_gateway)
        json_object_set_new(doc, "signature_kind", json_string("provider_tee"));
    return send_json(c, 200, doc);
}

/* ---- control ----------------------------------------------------------- */

static json_t *faults_json_base(const sim_faults *f);

static json_t *faults_json(const sim_faults *f)
{
    json_t *d = faults_json_base(f);
    if (d) {
        json_object_set_new(d, "aci_wrong_digest",
                            json_boolean(f->aci_wrong_digest));
        json_object_set_new(d, "aci_expired", json_boolean(f->aci_expired));
        json_object_set_new(d, "aci_null_nonce",
                            json_boolean(f->aci_null_nonce));
        json_object_set_new(d, "aci_tls_unlisted",
                            json_boolean(f->aci_tls_unlisted));
        json_object_set_new(d, "aci_unlisted_key",
                            json_boolean(f->aci_unlisted_key));
        json_object_set_new(d, "aci_body_hash_other",
                            json_boolean(f->aci_body_hash_other));
        json_object_set_new(d, "aci_bad_session",
                            json_boolean(f->aci_bad_session));
        json_object_set_new(d, "aci_session_other",
                            json_boolean(f->aci_session_other));
        json_object_set_new(d, "aci_session_expired",
                            json_boolean(f->aci_session_expired));
        json_object_set_new(d, "aci_upstream_failed",
                            json_boolean(f->aci_upstream_failed));
        json_object_set_new(d, "aci_e2ee_replay",
                            json_boolean(f->aci_e2ee_replay));
        json_object_set_new(d, "aci_e2ee_tamper",
                            json_boolean(f->aci_e2ee_tamper));
        json_object_set_new(d, "aci_e2ee_unlisted",
                            json_boolean(f->aci_e2ee_unlisted));
        json_object_set_new(d, "aci_multipart",
                            json_integer(f->aci_multipart));
        json_object_set_new(d, "near_e2ee_tamper",
                            json_boolean(f->near_e2ee_tamper));
        json_object_set_new(d, "near_e2ee_plaintext",
                            json_boolean(f->near_e2ee_plaintext));
        json_object_set_new(d, "near_e2ee_other_key",
                            json_boolean(f->near_e2ee_other_key));
        json_object_set_new(d, "near_e2ee_key_mismatch",
                            json_boolean(f->near_e2ee_key_mismatch));
    }
    return d;
}

static json_t *faults_json_base(const sim_faults *f)
{
    json_t *fails = json_array();
    for (size_t i = 0; fails && i < f->n_fail_next; i++)
        json_array_append_new(fails, json_integer(f->fail_next[i]));
    return json_pack(
        "{s:o*,s:i,s:i,s:b,s:b,s:i,s:i,s:i,s:I,s:b,s:b,s:b,s:b,s:b,s:b,s:i,"
        "s:i,s:i,s:b,s:b,s:b,s:b}",
        "fail_next", fails, "retry_after", f->retry_after,
        "signature_delay_polls", f->signature_delay_polls,
        "truncate_stream", f->truncate_stream,
        "truncate_body", f->truncate_body, "slow_ms", f->slow_ms,
        "first_byte_ms", f->first_byte_ms, "stall_ms", f->stall_ms,
        "huge_body", (json_int_t)f->huge_body,
        "tamper_response", f->tamper_response, "wrong_signer", f->wrong_signer,
        "bad_signature", f->bad_signature,
        "sign_other_request", f->sign_other_request,
        "expire_signatures", f->expire_signatures, "wrong_nonce",
        f->wrong_nonce, "malformed_json", f->malformed_json,
        "drop_connection", f->drop_connection, "nodes", f->nodes,
        "near_gateway", f->near_gateway, "high_s", f->high_s,
        "stall_forever", f->stall_forever, "first_byte_never",
        f->first_byte_never);
}

static void faults_reset(sim_faults *f)
{
    memset(f, 0, sizeof *f);
    f->nodes = 1;
}

static const char *apply_control(sim *s, json_t *req, sim_faults *f,
                                 bool *clear_log)
{
    static const struct { const char *name; size_t off; } bools[] = {
#define B(n) {#n, offsetof(sim_faults, n)}
        B(truncate_stream), B(truncate_body), B(tamper_response), B(wrong_signer),
        B(bad_signature), B(sign_other_request), B(expire_signatures),
        B(wrong_nonce), B(near_gateway), B(high_s), B(stall_forever),
        B(first_byte_never), B(aci_wrong_digest), B(aci_expired),
        B(aci_null_nonce), B(aci_tls_unlisted), B(aci_unlisted_key),
        B(aci_body_hash_other), B(aci_bad_session), B(aci_session_other),
        B(aci_session_expired), B(aci_upstream_failed), B(aci_e2ee_replay),
        B(aci_e2ee_tamper), B(aci_e2ee_unlisted), B(near_e2ee_tamper),
        B(near_e2ee_plaintext), B(near_e2ee_other_key),
        B(near_e2ee_key_mismatch),
#undef B
    };
    static const struct { const char *name; size_t off; long max; } ints[] = {
#define I(n, m) {#n, offsetof(sim_faults, n), m}
        I(retry_after, 3600), I(signature_delay_polls, 1000),
        I(slow_ms, 600000), I(first_byte_ms, 600000), I(stall_ms, 600000),
        I(malformed_json, 1000), I(drop_connection, 1000),
        I(nodes, SIM_MAX_NODES), I(aci_multipart, 6),
#undef I
    };
    (void)s;
    if (json_is_true(json_object_get(req, "reset")))
        faults_reset(f);
    const char *key;
    json_t *v;
    json_object_foreach(req, key, v) {
        if (strcmp(key, "reset") == 0 || strcmp(key, "clear_log") == 0) {
            if (!json_is_boolean(v))
                return "reset and clear_log take true or false";
            if (strcmp(key, "clear_log") == 0 && json_is_true(v))
                *clear_log = true;
            continue;
        }
        if (strcmp(key, "fail_next") == 0) {
            f->n_fail_next = 0;
            json_t *arr = json_is_array(v) ? v : NULL;
            size_t n = arr ? json_array_size(arr) : 1;
            if (n > sizeof f->fail_next / sizeof f->fail_next[0])
                return "fail_next holds at most 32 statuses";
            for (size_t i = 0; i < n; i++) {
                json_t *e = arr ? json_array_get(arr, i) : v;
                json_int_t code = json_integer_value(e);
                if (!json_is_integer(e) || code < 100 || code > 599)
                    return "fail_next takes HTTP statuses (100-599)";
                f->fail_next[f->n_fail_next++] = (int)code;
            }
            continue;
        }
        if (strcmp(key, "huge_body") == 0) {
            if (!json_is_integer(v) || json_integer_value(v) < 0)
                return "huge_body takes a byte count";
            f->huge_body = (uint64_t)json_integer_value(v);
            continue;
        }
        bool done = false;
        for (size_t i = 0; !done && i < sizeof bools / sizeof bools[0]; i++)
            if (strcmp(key, bools[i].name) == 0) {
                if (!json_is_boolean(v))
                    return "a boolean control setting got a non-boolean";
                *(bool *)((char *)f + bools[i].off) = json_is_true(v);
                done = true;
            }
        for (size_t i = 0; !done && i < sizeof ints / sizeof ints[0]; i++)
            if (strcmp(key, ints[i].name) == 0) {
                json_int_t x = json_is_true(v) ? 1 : json_is_false(v) ? 0
                             : json_integer_value(v);
                if (!(json_is_integer(v) || json_is_boolean(v)) || x < 0 ||
                    x > ints[i].max)
                    return "an integer control setting is out of range";
                if (strcmp(key, "nodes") == 0 && x < 1)
                    return "nodes must be 1 to 16";
                *(int *)((char *)f + ints[i].off) = (int)x;
                done = true;
            }
        if (!done)
            return key;
    }
    return NULL;
}

static enum MHD_Result control(struct ctx *c)
{
    sim *s = c->s;
    if (strcmp(c->method, "GET") == 0) {
        pthread_mutex_lock(&s->lock);
        json_t *d = faults_json(&s->f);
        pthread_mutex_unlock(&s->lock);
        return send_plain_json(c, 200, d);
    }
    if (strcmp(c->method, "POST") != 0)
        return send_plain_json(c, 405, json_pack("{s:s}", "detail",
                                                 "Method Not Allowed"));
    json_t *req = parse_body(c);
    if (!req)
        return send_plain_json(c, 400, json_pack("{s:s}", "detail",
                               "control body must be a JSON object"));
    pthread_mutex_lock(&s->lock);
    sim_faults f = s->f;
    bool clear_log = false;
    const char *bad = apply_control(s, req, &f, &clear_log);
    json_t *d = NULL;
    int status = 200;
    if (bad) {
        status = 400;
        char msg[200];
        snprintf(msg, sizeof msg, "bad control setting: %s", bad);
        d = json_pack("{s:s}", "detail", msg);
    } else {
        s->f = f;
        if (clear_log) {
            json_array_clear(s->log);
            s->log_count = 0;
        }
        d = faults_json(&s->f);
    }
    pthread_mutex_unlock(&s->lock);
    json_decref(req);
    return send_plain_json(c, status, d);
}

static json_t *keys_json(const sim *s, int nodes)
{
    json_t *arr = json_array();
    for (int i = 0; arr && i < nodes; i++)
        json_array_append_new(arr, json_pack("{s:s,s:s}", "ecdsa_address",
            s->keys[i].address_eip55, "ed25519_public_key",
            s->keys[i].ed_pk_hex));
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:o*,s:s}",
        "ecdsa_address", s->keys[0].address_eip55,
        "ed25519_public_key", s->keys[0].ed_pk_hex,
        "gateway_ecdsa_address", s->gateway_key.address_eip55,
        "gateway_ed25519_public_key", s->gateway_key.ed_pk_hex,
        "wrong_signer_ecdsa_address", s->wrong_key.address_eip55,
        "nodes", arr,
        "note", "TEST KEYS of teeattest-sim, derived from a public seed: "
                "never trust them");
}

static enum MHD_Result sim_endpoint(struct ctx *c)
{
    sim *s = c->s;
    if (strcmp(c->path, "/_sim/control") == 0)
        return control(c);
    if (strcmp(c->path, "/_sim/log") == 0) {
        pthread_mutex_lock(&s->lock);
        json_t *counts = json_object();
        size_t i;
        json_t *e;
        json_array_foreach(s->log, i, e) {
            char k[300];
            snprintf(k, sizeof k, "%s %s",
                     json_string_value(json_object_get(e, "method")),
                     json_string_value(json_object_get(e, "path")));
            json_object_set_new(counts, k, json_integer(
                json_integer_value(json_object_get(counts, k)) + 1));
        }
        json_t *d = json_pack("{s:I,s:O,s:o*}", "count",
                              (json_int_t)s->log_count, "requests", s->log,
                              "counts", counts);
        /* serialise under the lock: the log array is shared */
        char *t = d ? json_dumps(d, JSON_COMPACT) : NULL;
        json_decref(d);
        pthread_mutex_unlock(&s->lock);
        if (!t)
            return MHD_NO;
        struct MHD_Response *r =
            MHD_create_response_from_buffer(strlen(t), t, MHD_RESPMEM_MUST_FREE);
        if (!r) {
            free(t);
            return MHD_NO;
        }
        add_common_headers(r, "application/json");
        return queue(c, 200, r);
    }
    if (strcmp(c->path, "/_sim/tdx-root.der") == 0 ||
        strcmp(c->path, "/_sim/tdx-root.pem") == 0) {
        /* the TEST root anchoring the simulator's quotes (pki.c) */
        const sim_pki *k = sim_pki_get();
        bool der = c->path[15] == 'd';
        size_t n = der ? k->root_der_len : strlen(k->root_pem);
        struct MHD_Response *r = MHD_create_response_from_buffer(
            n, der ? (void *)k->root_der : (void *)k->root_pem,
            MHD_RESPMEM_PERSISTENT);
        if (!r)
            return MHD_NO;
        add_common_headers(r, der ? "application/pkix-cert"
                                  : "application/x-pem-file");
        return queue(c, 200, r);
    }
    sim_oci_answer oa;
    if (s->oci && sim_oci_answer_for(s->oci_faults, c->path, &oa))
        return send_body(c, oa.status, oa.body, oa.len, oa.ctype, NULL);
    if (strcmp(c->path, "/_sim/keys") == 0) {
        pthread_mutex_lock(&s->lock);
        int nodes = s->f.nodes;
        pthread_mutex_unlock(&s->lock);
        return send_plain_json(c, 200, keys_json(s, nodes));
    }
    return send_plain_json(c, 404, json_pack("{s:s}", "detail", "Not Found"));
}

/* ---- routing ----------------------------------------------------------- */

static const char *arg(struct ctx *c, const char *name)
{
    return MHD_lookup_connection_value(c->conn, MHD_GET_ARGUMENT_KIND, name);
}

static bool truthy(const char *v)
{
    return v && (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

static enum MHD_Result aci_attestation(struct ctx *c)
{
    int status = 500;
    json_t *d = sim_aci_report(c->s, &c->f, arg(c, "nonce"), &status);
    return send_json(c, status, d);
}

static enum MHD_Result attestation(struct ctx *c)
{
    int status = 500;
    json_t *d = sim_report_dstack(c->s, &c->f, c->path, arg(c, "model"),
                                  arg(c, "nonce"), arg(c, "signing_algo"),
                                  arg(c, "signing_address"),
                                  truthy(arg(c, "include_tls_fingerprint")),
                                  &status);
    return send_json(c, status, d);
}

/* --compose-dir DIR: GET /compose-files/<commit>/<path> answers
 * DIR/<commit>/<path> as stored, the way raw.githubusercontent.com serves a
 * repository file at a commit (a model's compose file for
 * TEEATTEST_ONLINE_MODEL_FILES). The path arrives percent-decoded: only
 * [A-Za-z0-9._/-], no "..", no empty segment, so nothing leaves DIR. */
static enum MHD_Result compose_file(struct ctx *c, const char *rest)
{
    bool ok = rest[0] != '\0' && rest[0] != '/' && strstr(rest, "..") == NULL &&
              strstr(rest, "//") == NULL && strlen(rest) < 1024;
    for (const char *q = rest; ok && *q; q++)
        ok = (*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z') ||
             (*q >= '0' && *q <= '9') || *q == '.' || *q == '_' ||
             *q == '-' || *q == '/';
    char path[4096];
    size_t len = 0;
    char *data = NULL;
    if (ok && snprintf(path, sizeof path, "%s/%s", c->s->compose_dir, rest) <
                  (int)sizeof path)
        data = sim_read_file(path, &len);
    if (!data)
        return send_json(c, 404, json_pack("{s:s}", "detail", "Not Found"));
    return send_body(c, 200, data, len, "text/plain; charset=utf-8", NULL);
}


static enum MHD_Result route(struct ctx *c)
{
    const char *p = c->path;
    bool get = strcmp(c->method, "GET") == 0;
    bool post = strcmp(c->method, "POST") == 0;
    static const char sig1[] = "/v1/signature/", sig2[] = "/api/v1/tee/signature/";

    if (strcmp(p, "/v1/aci/attestation") == 0 && is_dialect(c->s, "aci"))
        return get ? aci_attestation(c) : send_json(c, 405, json_pack(
                                              "{s:s}", "detail",
                                              "Method Not Allowed"));
    static const char rcpt[] = "/v1/aci/receipts/";
    if (strncmp(p, rcpt, sizeof rcpt - 1) == 0 && is_dialect(c->s, "aci")) {
        if (!get)
            return send_json(c, 405, json_pack("{s:s}", "detail",
                                               "Method Not Allowed"));
        char *rj = sim_aci_receipt_get(c->s, p + sizeof rcpt - 1);
        if (!rj)
            return send_error(c, 404, "Unknown or expired receipt id",
                              "not_found");
        return send_body(c, 200, rj, strlen(rj), "application/json", NULL);
    }
    static const char sess[] = "/v1/aci/sessions/";
    if (strncmp(p, sess, sizeof sess - 1) == 0 && is_dialect(c->s, "aci") &&
        c->s->aci_aggregator) {
        if (!get)
            return send_json(c, 405, json_pack("{s:s}", "detail",
                                               "Method Not Allowed"));
        char *sj = sim_aci_session_get(c->s, &c->f, p + sizeof sess - 1);
        if (!sj)
            return send_error(c, 404, "Unknown session id", "not_found");
        return send_body(c, 200, sj, strlen(sj), "application/json", NULL);
    }
    if (strcmp(p, "/v1/attestation/report") == 0 ||
        strcmp(p, "/api/v1/tee/attestation") == 0)
        return get ? attestation(c) : send_json(c, 405, json_pack("{s:s}",
                                                "detail", "Method Not Allowed"));
    if (strncmp(p, sig1, sizeof sig1 - 1) == 0 ||
        strncmp(p, sig2, sizeof sig2 - 1) == 0) {
        const char *id = p + (p[1] == 'a' ? sizeof sig2 - 1 : sizeof sig1 - 1);
        if (!get)
            return send_json(c, 405, json_pack("{s:s}", "detail",
                                               "Method Not Allowed"));
        if (!*id || strchr(id, '/') || strlen(id) >= 48)
            return send_error(c, 404, "Chat id not found or expired",
                              "not_found");
        return signature(c, id);
    }
    if (strcmp(p, "/v1/chat/completions") == 0 ||
        strcmp(p, "/api/v1/chat/completions") == 0)
        return post ? chat_dstack(c) : send_json(c, 405, json_pack("{s:s}",
                                                "detail", "Method Not Allowed"));
    if (strcmp(p, "/v1/private/completions") == 0)
        return post ? chat_ionet(c) : send_json(c, 405, json_pack("{s:s}",
                                               "detail", "Method Not Allowed"));
    if (strcmp(p, "/v1/private/attestation") == 0) {
        if (!post)
            return send_json(c, 405, json_pack("{s:s}", "detail",
                                               "Method Not Allowed"));
        int status = 500;
        json_t *d = sim_report_ionet(c->s, &c->f, c->rq->body.data,
                                     c->rq->body.len, &status);
        if (status != 200)
            return send_json(c, status, d);
        /* io.net is Python: default json.dumps separators */
        sbuf b;
        sb_init(&b);
        py_dumps(&b, d, false);
        json_decref(d);
        size_t len;
        char *t = sb_steal(&b, &len);
        return send_body(c, 200, t, len, "application/json", NULL);
    }
    if (strcmp(p, "/v1/models") == 0 && get) {
        const char *m = c->s->model;
        char uuid[37], h[33];
        sim_label_hex(h, 16, c->s->seed, "model-uuid");
        snprintf(uuid, sizeof uuid, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8,
                 h + 12, h + 16, h + 20);
        return send_json(c, 200, json_pack(
            "{s:s,s:[{s:s,s:s,s:s,s:s,s:b}]}", "object", "list", "data",
            "id", m, "object", "model", "owned_by", "teeattest-sim",
            "model_id", uuid, "supports_attestation", 1));
    }
    sim_pccs_answer pa;
    if (get && sim_pccs_answer_for(c->s, c->conn, p, &pa)) {
        char rid[33];
        sim_label_hex(rid, 16, c->s->seed, p);
        const char *hdrs[] = {"Request-ID", rid, pa.hdr_name, pa.hdr_value,
                              NULL};
        enum MHD_Result ret = send_body(c, pa.status, pa.body, pa.len,
                                        pa.ctype, hdrs);
        free(pa.hdr_value);
        return ret;
    }
    static const char compose_prefix[] = "/compose-files/";
    if (get && c->s->compose_dir &&
        strncmp(p, compose_prefix, sizeof compose_prefix - 1) == 0)
        return compose_file(c, p + sizeof compose_prefix - 1);
    sim_oci_answer oa;
    if (get && c->s->oci && sim_oci_answer_for(c->s->oci_faults, p, &oa))
        return send_body(c, oa.status, oa.body, oa.len, oa.ctype, NULL);
    sim_gh_answer ga;
    if (get && c->s->github &&
        sim_gh_answer_for(c->s->gh_faults, p,
                          MHD_lookup_connection_value(c->conn,
                                                      MHD_HEADER_KIND, "Host"),
                          c->s->have_tls, &ga)) {
        const char *hdrs[] = {"Location", ga.location, NULL};
        return send_body(c, ga.status, ga.body, ga.len, ga.ctype,
                         ga.location[0] ? hdrs : NULL);
    }
    sim_nv_answer na;
    if (sim_nv_answer_for(c->s, c->method, p, c->rq->body.data,
                          c->rq->body.len, &na))
        return send_body(c, na.status, na.body, na.len, na.ctype, NULL);
    return send_json(c, 404, json_pack("{s:s}", "detail", "Not Found"));
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn,
                               const char *url, const char *method,
                               const char *version, const char *upload_data,
                               size_t *upload_data_size, void **con_cls)
{
    (void)version;
    sim *s = cls;
    struct req *rq = *con_cls;
    if (!rq) {
        rq = calloc(1, sizeof *rq);
        if (!rq)
            return MHD_NO;
        *con_cls = rq;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (rq->body.len + *upload_data_size > MAX_REQUEST_BODY)
            rq->too_big = true;
        else
            sb_add(&rq->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }

    struct ctx c = {.s = s, .conn = conn, .method = method, .path = url,
                    .rq = rq, .status = 0};
    if (strncmp(url, "/_sim/", 6) == 0)
        return sim_endpoint(&c);

    /* Snapshot the faults and consume the one-shot ones. */
    int fail = 0;
    bool drop = false;
    pthread_mutex_lock(&s->lock);
    c.f = s->f;
    c.truncate = c.f.truncate_body;
    if (s->f.drop_connection > 0) {
        s->f.drop_connection--;
        drop = true;
    } else if (s->f.n_fail_next > 0) {
        fail = s->f.fail_next[0];
        memmove(s->f.fail_next, s->f.fail_next + 1,
                --s->f.n_fail_next * sizeof s->f.fail_next[0]);
    } else {
        if (s->f.huge_body) {
            c.huge_once = true;
            s->f.huge_body = 0;
        }
        if (s->f.malformed_json > 0) {
            c.malformed_once = true;
            s->f.malformed_json--;
        }
    }
    pthread_mutex_unlock(&s->lock);

    enum MHD_Result ret;
    if (drop || c.f.first_byte_never) {
        if (!drop)
            wait_client_gone(conn);
        c.status = 0; /* logged as 0: no answer */
        ret = MHD_NO;
    } else {
        if (c.f.first_byte_ms)
            sim_sleep_ms(c.f.first_byte_ms);
        if (fail) {
            char msg[64], ra[16];
            snprintf(msg, sizeof msg, "simulated HTTP %d", fail);
            snprintf(ra, sizeof ra, "%d", c.f.retry_after);
            const char *hdrs[] = {"Retry-After", ra, NULL};
            json_t *d = sim_error_doc(msg, "sim_fault");
            char *t = d ? json_dumps(d, JSON_COMPACT) : NULL;
            json_decref(d);
            c.huge_once = c.malformed_once = false;
            c.truncate = false;
            c.f.slow_ms = 0;
            ret = send_body(&c, fail, t, t ? strlen(t) : 0, "application/json",
                            c.f.retry_after ? hdrs : NULL);
        } else if (rq->too_big) {
            ret = send_error(&c, 413, "request body too large",
                             "invalid_request_error");
        } else {
            ret = route(&c);
        }
    }
    log_request(&c);
    return ret;
}

/* ---- daemon ------------------------------------------------------------ */

struct MHD_Daemon *sim_http_start(sim *s, const char *bind_addr, int port,
                                  bool tls, const char *key_pem,
                                  const char *cert_pem, int *bound_port)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG;
    if (strchr(bind_addr, ':')) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, bind_addr, &a->sin6_addr) != 1)
            return NULL;
        flags |= MHD_USE_IPv6;
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)port);
        if (inet_pton(AF_INET, bind_addr, &a->sin_addr) != 1)
            return NULL;
    }
    struct MHD_Daemon *d;
    if (tls)
        d = MHD_start_daemon(flags | MHD_USE_TLS, (uint16_t)port, NULL, NULL,
                             handler, s, MHD_OPTION_SOCK_ADDR, &ss,
                             MHD_OPTION_NOTIFY_COMPLETED, request_completed,
                             NULL, MHD_OPTION_CONNECTION_TIMEOUT, 120u,
                             MHD_OPTION_HTTPS_MEM_KEY, key_pem,
                             MHD_OPTION_HTTPS_MEM_CERT, cert_pem,
                             MHD_OPTION_END);
    else
        d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, handler, s,
                             MHD_OPTION_SOCK_ADDR, &ss,
                             MHD_OPTION_NOTIFY_COMPLETED, request_completed,
                             NULL, MHD_OPTION_CONNECTION_TIMEOUT, 120u,
                             MHD_OPTION_END);
    if (!d)
        return NULL;
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    *bound_port = info ? info->port : port;
    return d;
}
