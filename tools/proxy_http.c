/*
 * teeattest proxy: the HTTP server (libmicrohttpd, one thread per
 * connection) and the forwarding of each request.
 *
 * SPDX-License-Identifier: Apache-2.0
 *
 * A streamed answer is relayed by a second thread per request: it runs
 * teeattest_chat() and queues each event as SSE text, which the
 * connection's thread hands to libmicrohttpd as it arrives. The final
 * "data: [DONE]" is held until the signature over the whole exchange
 * verified; a failure ends the stream with an "error" event instead.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>
#include <microhttpd.h>

#include "proxy.h"

#if MHD_VERSION < 0x00097002
typedef int MHD_Result;
#else
typedef enum MHD_Result MHD_Result;
#endif

/* ---- small buffers ------------------------------------------------------ */

void proxy_wipe(void *p, size_t n)
{
    /* through a volatile pointer: the stores are not dead to the compiler
     * even when the block is freed next */
    static void *(*const volatile set)(void *, int, size_t) = memset;
    if (p && n)
        set(p, 0, n);
}

bool proxy_buf_add(struct proxy_buf *b, const void *data, size_t len)
{
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + len + 1)
            cap *= 2;
        char *d;
        if (b->secret) {
            /* no copy of the plaintext left behind in the old block */
            d = malloc(cap);
            if (d && b->data) {
                memcpy(d, b->data, b->len + 1);
                proxy_wipe(b->data, b->cap);
                free(b->data);
            }
        } else {
            d = realloc(b->data, cap);
        }
        if (!d)
            return false;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return true;
}

void proxy_buf_free(struct proxy_buf *b)
{
    if (b->secret)
        proxy_wipe(b->data, b->cap);
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* ---- a streamed exchange ------------------------------------------------ */

struct stream_job {
    struct proxy *px;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int refs;            /* the relay thread and the response */
    struct proxy_buf q;        /* SSE text not yet handed out */
    size_t q_off;
    bool started;        /* the response may start (an event arrived) */
    bool any;            /* an event was queued */
    bool done;           /* the relay thread finished (q holds the end) */
    bool cancelled;      /* the client went away, or shutdown */
    struct proxy_outcome outcome;
    struct proxy_att *att;     /* the attestation it is sent under */
    uint8_t *body;
    size_t body_len;
    /* --e2ee: the session (each event decrypted before it is queued; only
     * the relay thread uses it) and why an event did not decrypt */
    teeattest_e2ee_session *e2ee;
    bool e2ee_failed;
    char e2ee_error[512];
    struct stream_job *prev, *next; /* the jobs in progress */
};

/* Every stream in progress, so that shutdown can wake their readers. */
static pthread_mutex_t jobs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct stream_job *jobs;
static atomic_int relays; /* relay threads running */

int proxy_http_relays(void)
{
    return atomic_load(&relays);
}

static void job_link(struct stream_job *j)
{
    pthread_mutex_lock(&jobs_lock);
    j->next = jobs;
    if (jobs)
        jobs->prev = j;
    jobs = j;
    pthread_mutex_unlock(&jobs_lock);
}

static void job_unref(struct stream_job *j)
{
    pthread_mutex_lock(&j->lock);
    bool last = --j->refs == 0;
    pthread_mutex_unlock(&j->lock);
    if (!last)
        return;
    pthread_mutex_lock(&jobs_lock);
    if (j->prev)
        j->prev->next = j->next;
    else
        jobs = j->next;
    if (j->next)
        j->next->prev = j->prev;
    pthread_mutex_unlock(&jobs_lock);
    pthread_mutex_destroy(&j->lock);
    pthread_cond_destroy(&j->cond);
    proxy_buf_free(&j->q);
    if (j->e2ee)
        proxy_wipe(j->body, j->body_len); /* the plaintext prompt */
    free(j->body);
    teeattest_e2ee_session_free(j->e2ee);
    proxy_att_free(j->att);
    proxy_outcome_clear(&j->outcome);
    free(j);
}

/* Queue one event as SSE text: each line of data as "data: LINE", then a
 * blank line. Events of another type (io.net's "signature") are for the
 * verifier, not the client (an OpenAI SDK would take them for chunks). */
static int on_event(void *user_data, const char *event, const char *data,
                    size_t len)
{
    struct stream_job *j = user_data;
    if (len == 6 && memcmp(data, "[DONE]", 6) == 0)
        return 0; /* held until the signature verified */
    if (event && strcmp(event, "message") != 0)
        return 0;
    if (j->e2ee) {
        /* --e2ee: the client gets the decrypted chunk, and only when every
         * field's tag verified under its AAD; the first one that does not
         * ends the stream (relay_thread() sends the error event). */
        const uint8_t *plain;
        size_t plain_len;
        teeattest_error e = TEEATTEST_ERROR_INIT;
        int st = teeattest_e2ee_decrypt_chunk(j->e2ee, &plain, &plain_len,
                                              (const uint8_t *)data, len, &e);
        if (st != TEEATTEST_OK) {
            j->e2ee_failed = true;
            snprintf(j->e2ee_error, sizeof j->e2ee_error, "%s%s%s (%s)",
                     e.message[0] ? e.message : teeattest_status_str(st),
                     e.where[0] ? " at " : "", e.where,
                     teeattest_status_name(st));
            return 1;
        }
        data = (const char *)plain;
        len = plain_len;
    }
    pthread_mutex_lock(&j->lock);
    bool ok = !j->cancelled && !atomic_load(&j->px->stopping);
    size_t i = 0;
    while (ok) {
        const char *nl = memchr(data + i, '\n', len - i);
        size_t n = nl ? (size_t)(nl - (data + i)) : len - i;
        ok = proxy_buf_add(&j->q, "data: ", 6) &&
             proxy_buf_add(&j->q, data + i, n) &&
             proxy_buf_add(&j->q, "\n", 1);
        if (!nl)
            break;
        i += n + 1;
    }
    ok = ok && proxy_buf_add(&j->q, "\n", 1);
    j->any = j->any || ok;
    if (ok && !j->px->buffer_streams) {
        j->started = true;
        pthread_cond_broadcast(&j->cond);
    }
    pthread_mutex_unlock(&j->lock);
    return ok ? 0 : 1;
}

static void *relay_thread(void *arg)
{
    struct stream_job *j = arg;
    struct proxy *px = j->px;
    teeattest_exchange *x = NULL;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    int st = proxy_chat(px, &j->att, &x, j->body, j->body_len,
                        TEEATTEST_CHAT_STREAM, on_event, j,
                        j->e2ee ? &j->e2ee : NULL, &err);
    struct proxy_outcome o = {0};
    if (j->e2ee_failed) {
        /* A chunk did not decrypt: nothing more was relayed; the check it
         * failed is the one the receipt's verification would name. */
        atomic_fetch_add(&px->n.rejected, 1);
        char msg[768];
        snprintf(msg, sizeof msg, "teeattest proxy: an encrypted chunk of "
                 "the answer did not decrypt: %s; failed checks: "
                 "aci.e2ee.response", j->e2ee_error);
        o.http = 502;
        o.code = "e2ee_decryption_failed";
        o.message = strdup(msg);
        o.failed = strdup("[\"aci.e2ee.response\"]");
    } else {
        proxy_verify_exchange(px, j->att, st, &err, x, j->e2ee, &o);
    }
    teeattest_exchange_free(x);
    pthread_mutex_lock(&j->lock);
    if (o.http == 200) {
        char when[21] = "";
        if (o.attested_at)
            proxy_iso_time(o.attested_at, when);
        char line[768];
        snprintf(line, sizeof line,
                 ": teeattest verdict=%s signer=%s%s%s%s%s%s%s\n\n"
                 "data: [DONE]\n\n",
                 o.verdict, o.signer, when[0] ? " attested_at=" : "", when,
                 o.e2ee_suite ? " e2ee=" : "",
                 o.e2ee_suite ? o.e2ee_suite : "",
                 o.e2ee_key ? " e2ee_key=" : "", o.e2ee_key ? o.e2ee_key : "");
        proxy_buf_add(&j->q, line, strlen(line));
    } else if (j->started || (px->buffer_streams && j->any)) {
        /* Nothing must let the client take the answer as complete: an
         * error event (OpenAI SDKs raise on it) and no [DONE]. The held
         * chunks of --buffer-streams are dropped. */
        if (px->buffer_streams)
            j->q.len = 0;
        char *e = proxy_error_json("teeattest_verification_failed", o.code,
                                   o.message ? o.message : "", o.failed);
        if (e) {
            proxy_buf_add(&j->q, "event: error\ndata: ", 19);
            proxy_buf_add(&j->q, e, strlen(e));
            proxy_buf_add(&j->q, "\n\n", 2);
        }
        free(e);
    }
    j->outcome = o;
    j->done = true;
    /* --buffer-streams: the held stream (or its error event) once
     * verified; an answer that failed before any event gets the plain
     * JSON error, as without the option. */
    j->started = j->started ||
                 (px->buffer_streams && (o.http == 200 || j->any));
    pthread_cond_broadcast(&j->cond);
    pthread_mutex_unlock(&j->lock);
    job_unref(j);
    atomic_fetch_sub(&relays, 1);
    return NULL;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
    (void)pos;
    struct stream_job *j = cls;
    pthread_mutex_lock(&j->lock);
    while (j->q_off == j->q.len && !j->done && !j->cancelled &&
           !atomic_load(&j->px->stopping))
        pthread_cond_wait(&j->cond, &j->lock);
    ssize_t n;
    if (j->q_off < j->q.len) {
        size_t avail = j->q.len - j->q_off;
        n = (ssize_t)(avail < max ? avail : max);
        memcpy(out, j->q.data + j->q_off, (size_t)n);
        j->q_off += (size_t)n;
    } else {
        n = j->done ? MHD_CONTENT_READER_END_OF_STREAM
                    : MHD_CONTENT_READER_END_WITH_ERROR;
    }
    pthread_mutex_unlock(&j->lock);
    return n;
}

static void stream_free(void *cls)
{
    struct stream_job *j = cls;
    pthread_mutex_lock(&j->lock);
    j->cancelled = true;
    pthread_mutex_unlock(&j->lock);
    job_unref(j);
}

/* ---- answers ------------------------------------------------------------ */

static MHD_Result send_json(struct MHD_Connection *c, unsigned status,
                            char *text)
{
    if (!text)
        return MHD_NO;
    struct MHD_Response *r = MHD_create_response_from_buffer(
        strlen(text), text, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "application/json");
    MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

int proxy_send_error(struct MHD_Connection *c, unsigned status,
                     const char *type, const char *code, const char *message,
                     const char *failed)
{
    return send_json(c, status, proxy_error_json(type, code, message, failed));
}

static MHD_Result send_outcome(struct MHD_Connection *c,
                               const struct proxy_outcome *o)
{
    return proxy_send_error(c, (unsigned)o->http, proxy_error_type(o->http),
                            o->code, o->message ? o->message : "",
                            o->failed);
}

static void verdict_headers(struct MHD_Response *r,
                            const struct proxy_outcome *o)
{
    MHD_add_response_header(r, "X-Teeattest-Verdict", o->verdict);
    MHD_add_response_header(r, "X-Teeattest-Signer", o->signer);
    if (o->attested_at) {
        char when[21];
        proxy_iso_time(o->attested_at, when);
        MHD_add_response_header(r, "X-Teeattest-Attested-At", when);
    }
    if (o->e2ee_suite)
        MHD_add_response_header(r, "X-Teeattest-E2EE", o->e2ee_suite);
    if (o->e2ee_key)
        MHD_add_response_header(r, "X-Teeattest-E2EE-Key", o->e2ee_key);
}

/* A plaintext answer (--e2ee) handed to MHD: its length before the bytes,
 * so that MHD's free (which gets the bytes only) can wipe them. */
static void wipe_free(void *data)
{
    char *block = (char *)data - sizeof(size_t);
    size_t len;
    memcpy(&len, block, sizeof len);
    proxy_wipe(block, sizeof len + len);
    free(block);
}

static struct MHD_Response *plaintext_response(const uint8_t *plain,
                                               size_t len)
{
    char *block = malloc(sizeof len + (len ? len : 1));
    if (!block)
        return NULL;
    memcpy(block, &len, sizeof len);
    memcpy(block + sizeof len, plain, len);
    struct MHD_Response *r = MHD_create_response_from_buffer_with_free_callback(
        len, block + sizeof len, wipe_free);
    if (!r)
        wipe_free(block + sizeof len);
    return r;
}

static MHD_Result chat_plain(struct proxy *px, struct MHD_Connection *c,
                             struct proxy_att *a, const uint8_t *body,
                             size_t len, teeattest_e2ee_session *e2ee)
{
    teeattest_exchange *x = NULL;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    int st = proxy_chat(px, &a, &x, body, len, 0, NULL, NULL,
                        e2ee ? &e2ee : NULL, &err);
    struct proxy_outcome o = {0};
    proxy_verify_exchange(px, a, st, &err, x, e2ee, &o);
    proxy_att_free(a);
    const uint8_t *resp = NULL;
    size_t resp_len = 0;
    teeattest_exchange_response(x, &resp, &resp_len);
    if (o.http == 200 && e2ee) {
        /* The receipt verified (aci.e2ee.response included): the client
         * gets the body decrypted, every field's tag checked again. */
        teeattest_error e = TEEATTEST_ERROR_INIT;
        st = teeattest_e2ee_decrypt_response(e2ee, &resp, &resp_len, resp,
                                             resp_len, &e);
        if (st != TEEATTEST_OK) {
            char msg[768];
            snprintf(msg, sizeof msg, "teeattest proxy: the encrypted answer "
                     "did not decrypt: %s (%s); failed checks: "
                     "aci.e2ee.response",
                     e.message[0] ? e.message : teeattest_status_str(st),
                     teeattest_status_name(st));
            atomic_fetch_sub(&px->n.verified, 1);
            atomic_fetch_add(&px->n.rejected, 1);
            proxy_outcome_clear(&o);
            o.http = 502;
            o.code = "e2ee_decryption_failed";
            o.message = strdup(msg);
            o.failed = strdup("[\"aci.e2ee.response\"]");
        }
    }
    MHD_Result ret;
    if (o.http != 200) {
        ret = send_outcome(c, &o);
    } else {
        struct MHD_Response *r =
            e2ee ? plaintext_response(resp, resp_len)
                 : MHD_create_response_from_buffer(resp_len, (void *)resp,
                                                   MHD_RESPMEM_MUST_COPY);
        ret = MHD_NO;
        if (r) {
            /* E2EE: the body decrypt_response() wrote is JSON */
            const char *ct = e2ee ? NULL
                                  : teeattest_exchange_header(x,
                                                              "Content-Type");
            MHD_add_response_header(r, "Content-Type",
                                    ct ? ct : "application/json");
            verdict_headers(r, &o);
            ret = MHD_queue_response(c, 200, r);
            MHD_destroy_response(r);
        }
    }
    proxy_outcome_clear(&o);
    teeattest_exchange_free(x);
    teeattest_e2ee_session_free(e2ee); /* wipes its plaintext */
    return ret;
}

static MHD_Result chat_stream(struct proxy *px, struct MHD_Connection *c,
                              struct proxy_att *a, const uint8_t *body,
                              size_t len, teeattest_e2ee_session *e2ee)
{
    struct stream_job *j = calloc(1, sizeof *j);
    if (!j || !(j->body = malloc(len ? len : 1))) {
        free(j);
        proxy_att_free(a);
        teeattest_e2ee_session_free(e2ee);
        return MHD_NO;
    }
    j->att = a;
    j->e2ee = e2ee;
    j->q.secret = e2ee != NULL; /* decrypted chunks */
    memcpy(j->body, body, len);
    j->body_len = len;
    j->px = px;
    j->refs = 2;
    pthread_mutex_init(&j->lock, NULL);
    pthread_cond_init(&j->cond, NULL);
    job_link(j);
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    atomic_fetch_add(&relays, 1);
    if (pthread_create(&t, &attr, relay_thread, j) != 0) {
        atomic_fetch_sub(&relays, 1);
        pthread_attr_destroy(&attr);
        j->refs = 1;
        job_unref(j);
        return proxy_send_error(c, 500, "teeattest_proxy_error", "internal",
                          "teeattest proxy: cannot start a relay thread",
                          NULL);
    }
    pthread_attr_destroy(&attr);
    /* The status line waits for the first event: an answer that fails
     * before one (HTTP error, timeout) gets a plain JSON error. */
    pthread_mutex_lock(&j->lock);
    while (!j->started && !j->done && !atomic_load(&px->stopping))
        pthread_cond_wait(&j->cond, &j->lock);
    bool stream = j->started;
    struct proxy_outcome o = j->outcome;
    memset(&j->outcome, 0, sizeof j->outcome);
    pthread_mutex_unlock(&j->lock);
    if (!stream) {
        MHD_Result ret =
            o.http ? send_outcome(c, &o)
                   : (MHD_Result)proxy_send_error(
                         c, 503, "teeattest_proxy_error", "shutting_down",
                         "teeattest proxy: shutting down", NULL);
        proxy_outcome_clear(&o);
        stream_free(j);
        return ret;
    }
    proxy_outcome_clear(&o);
    struct MHD_Response *r = MHD_create_response_from_callback(
        MHD_SIZE_UNKNOWN, 16 * 1024, stream_read, j, stream_free);
    if (!r) {
        stream_free(j);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "text/event-stream");
    MHD_add_response_header(r, "Cache-Control", "no-cache");
    MHD_Result ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

/* --e2ee: the request could not be encrypted (proxy_e2ee_start()'s
 * status): nothing was sent. */
static MHD_Result e2ee_refusal(struct MHD_Connection *c, int st,
                               const teeattest_error *err)
{
    struct proxy_outcome o = {0};
    proxy_e2ee_refuse(&o, "the attested", st, err);
    MHD_Result ret = send_outcome(c, &o);
    proxy_outcome_clear(&o);
    return ret;
}

static MHD_Result chat(struct proxy *px, struct MHD_Connection *c,
                       const uint8_t *body, size_t len)
{
    json_error_t jerr;
    json_t *doc = json_loadb((const char *)body, len, 0, &jerr);
    if (!json_is_object(doc)) {
        json_decref(doc);
        return proxy_send_error(c, 400, "invalid_request_error", "invalid_json",
                          "teeattest proxy: the request body is not a JSON "
                          "object", NULL);
    }
    bool stream = json_is_true(json_object_get(doc, "stream"));
    const char *model = json_string_value(json_object_get(doc, "model"));
    bool other_model = px->model && model && strcmp(model, px->model) != 0;
    json_decref(doc);
    if (other_model)
        return proxy_send_error(c, 400, "invalid_request_error",
                                "model_not_attested",
                          "teeattest proxy: this proxy attests and verifies "
                          "only the model given with --model", NULL);
    struct proxy_outcome o = {0};
    struct proxy_att *a = NULL;
    if (!proxy_ready(px, &o, &a)) {
        MHD_Result ret = send_outcome(c, &o);
        proxy_outcome_clear(&o);
        return ret;
    }
    teeattest_e2ee_session *e2ee = NULL;
    if (px->e2ee) {
        teeattest_error err = TEEATTEST_ERROR_INIT;
        int st = proxy_e2ee_start(px, a, body, len, &e2ee, &err);
        if (st != TEEATTEST_OK) {
            proxy_att_free(a);
            return e2ee_refusal(c, st, &err);
        }
    }
    return stream ? chat_stream(px, c, a, body, len, e2ee)
                  : chat_plain(px, c, a, body, len, e2ee);
}

/* ---- JSON documents ---------------------------------------------------- */

char *proxy_error_json(const char *type, const char *code,
                       const char *message, const char *failed)
{
    json_t *f = failed ? json_loads(failed, 0, NULL) : NULL;
    json_t *doc = json_pack("{s:{s:s, s:s, s:n, s:s}}", "error", "message",
                            message, "type", type, "param", "code", code);
    if (doc && f)
        json_object_set_new(json_object_get(doc, "error"), "failed_checks",
                            f);
    else
        json_decref(f);
    char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER)
                     : NULL;
    json_decref(doc);
    return text;
}

char *proxy_status_json(struct proxy *px)
{
    struct proxy_att *a = proxy_current(px);
    json_t *att = json_object();
    if (px->pinned_signer) {
        json_object_set_new(att, "mode", json_string("pinned"));
        json_object_set_new(att, "signer", json_string(px->pinned_signer));
    } else if (a) {
        char when[21];
        proxy_iso_time(a->at, when);
        json_object_set_new(att, "mode", json_string("attested"));
        json_object_set_new(att, "generation",
                            json_integer((json_int_t)a->gen));
        json_object_set_new(att, "verified", json_boolean(a->ok));
        json_object_set_new(att, "attested_at", json_string(when));
        json_object_set_new(att, "error", json_string(a->error));
        json_object_set_new(att, "failed_checks",
                            json_loads(a->failed, 0, NULL));
        const char *text = NULL;
        if (a->res &&
            teeattest_result_to_json(a->res, &text, NULL, NULL) == TEEATTEST_OK)
            json_object_set_new(att, "result", json_loads(text, 0, NULL));
    }
    proxy_att_free(a);
    /* suite null: per session, the keyset's X25519 key, else its
     * secp256k1 one (no --e2ee-suite) */
    json_t *doc = json_pack(
        "{s:s, s:s?, s:{s:b, s:s?}, s:o, s:{s:I, s:I, s:I, s:I, s:I, s:I}}",
        "provider", px->provider, "model", px->model, "e2ee", "enabled",
        px->e2ee, "suite", px->e2ee ? px->e2ee_algo : NULL,
        "attestation", att, "counters",
        "requests", (json_int_t)atomic_load(&px->n.requests), "verified",
        (json_int_t)atomic_load(&px->n.verified), "rejected",
        (json_int_t)atomic_load(&px->n.rejected), "upstream_errors",
        (json_int_t)atomic_load(&px->n.upstream_errors), "attestations",
        (json_int_t)atomic_load(&px->n.attestations), "attestation_failures",
        (json_int_t)atomic_load(&px->n.attestation_failures));
    char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER)
                     : NULL;
    json_decref(doc);
    return text;
}

/* ---- the request handler ------------------------------------------------ */

struct conn {
    struct proxy_buf body;
    bool too_large;
};

/* Constant time: the token's length is not a secret worth hiding. */
static bool token_ok(const struct proxy *px, struct MHD_Connection *c)
{
    if (!px->token)
        return true;
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                "Authorization");
    if (!h || strncmp(h, "Bearer ", 7) != 0)
        return false;
    h += 7;
    size_t n = strlen(px->token);
    if (strlen(h) != n)
        return false;
    unsigned char d = 0;
    for (size_t i = 0; i < n; i++)
        d |= (unsigned char)(h[i] ^ px->token[i]);
    return d == 0;
}

static MHD_Result handler(void *cls, struct MHD_Connection *c,
                          const char *url, const char *method,
                          const char *version, const char *upload,
                          size_t *upload_size, void **con_cls)
{
    (void)version;
    struct proxy *px = cls;
    struct conn *cn = *con_cls;
    if (!cn) {
        cn = calloc(1, sizeof *cn);
        if (!cn)
            return MHD_NO;
        cn->body.secret = px->e2ee; /* the plaintext prompt */
        *con_cls = cn;
        return MHD_YES;
    }
    if (*upload_size) {
        if (cn->body.len + *upload_size > PROXY_MAX_REQUEST ||
            !proxy_buf_add(&cn->body, upload, *upload_size))
            cn->too_large = true;
        *upload_size = 0;
        return MHD_YES;
    }
    atomic_fetch_add(&px->n.requests, 1);
    /* From here until the answer ends the connection waits for the
     * provider, not for the client: no idle timeout (completed() sets it
     * again), so a slow provider or a silent stretch of a stream is
     * bounded by --upstream-timeout only. */
    if (px->idle_timeout_s)
        MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, 0u);
    if (!token_ok(px, c))
        return proxy_send_error(c, 401, "invalid_request_error",
                                "invalid_api_key",
                          "teeattest proxy: missing or wrong bearer token",
                          NULL);
    if (cn->too_large)
        return proxy_send_error(c, 413, "invalid_request_error", "too_large",
                          "teeattest proxy: request body over 16 MiB", NULL);
    bool get = strcmp(method, "GET") == 0;
    bool post = strcmp(method, "POST") == 0;
    if (strcmp(url, "/v1/chat/completions") == 0 && post)
        return chat(px, c, (const uint8_t *)cn->body.data, cn->body.len);
    if (strcmp(url, "/v1/models") == 0 && get)
        return proxy_models(px, c);
    if (strcmp(url, "/teeattest/status") == 0 && get)
        return send_json(c, 200, proxy_status_json(px));
    return proxy_send_error(c, 404, "invalid_request_error", "not_found",
                      "teeattest proxy: only POST /v1/chat/completions, "
                      "GET /v1/models and GET /teeattest/status", NULL);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    struct proxy *px = cls;
    /* The keep-alive connection is the client's again: idle from now. */
    if (px->idle_timeout_s && toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
        MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT,
                                  px->idle_timeout_s);
    struct conn *cn = *con_cls;
    if (cn) {
        proxy_buf_free(&cn->body);
        free(cn);
    }
    *con_cls = NULL;
}

void *proxy_http_start(struct proxy *px, const char *host, uint16_t *port)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(*port);
    } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(*port);
        flags |= MHD_USE_IPv6;
    } else {
        cli_error(PROXY, "--listen: '%s' is not an IP address", host);
        return NULL;
    }
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, *port, NULL, NULL, handler, px, MHD_OPTION_SOCK_ADDR, &ss,
        MHD_OPTION_NOTIFY_COMPLETED, completed, px,
        /* A client's idle keep-alive connection (and its thread) ends
         * after --idle-timeout; a chat request lifts it while it waits
         * for the provider (chat(), completed()). */
        MHD_OPTION_CONNECTION_TIMEOUT, px->idle_timeout_s, MHD_OPTION_END);
    if (!d) {
        cli_error(PROXY, "cannot listen on %s port %u", host, (unsigned)*port);
        return NULL;
    }
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    if (info)
        *port = info->port;
    return d;
}

void proxy_http_stop(struct proxy *px, void *daemon)
{
    /* px->stopping is set: wake every reader and waiter, then stop. A
     * request still waiting for the provider ends within the upstream
     * timeout. */
    (void)px;
    pthread_mutex_lock(&jobs_lock);
    for (struct stream_job *j = jobs; j; j = j->next) {
        pthread_mutex_lock(&j->lock);
        pthread_cond_broadcast(&j->cond);
        pthread_mutex_unlock(&j->lock);
    }
    pthread_mutex_unlock(&jobs_lock);
    MHD_stop_daemon(daemon);
}
