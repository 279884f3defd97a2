/*
 * The built-in HTTP(S) transport, over libcurl.
 *
 * One easy handle per request, taken from a small per-context pool so that
 * connections (and their TLS sessions) are reused by later requests; DNS
 * and TLS session caches are shared between the pooled handles under locks.
 * Connection caches are not shared across handles: libcurl does not support
 * that from several threads. See docs/transport.md for what is sent and
 * what is kept byte for byte.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "transport.h"
#include "../crypto/x509.h"

/* Idle handles kept per context; more concurrent requests simply create
 * (and later drop) extra handles. */
#define POOL_MAX 8
/* Used when the request leaves connect_timeout_ms at 0. */
#define DEFAULT_CONNECT_MS 10000L

struct ta_curl_pool {
    pthread_mutex_t lock;
    CURL *idle[POOL_MAX];
    size_t n_idle;
    CURLSH *share;
    pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
};

/* curl_global_init() must run once before any other libcurl call and is
 * only thread-safe in builds that say so (CURL_VERSION_THREADSAFE, curl
 * 7.84+). pthread_once makes our own calls safe; we never call
 * curl_global_cleanup(): the host program may use libcurl too, and
 * libcurl's global state is reference counted by curl_global_init. */
static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static bool global_ok;

static void global_init(void)
{
    global_ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

bool ta_curl_available(void)
{
    return true;
}

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access a,
                       void *ud)
{
    (void)h;
    (void)a;
    struct ta_curl_pool *p = ud;
    if ((int)data >= 0 && (int)data < CURL_LOCK_DATA_LAST)
        pthread_mutex_lock(&p->share_locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *ud)
{
    (void)h;
    struct ta_curl_pool *p = ud;
    if ((int)data >= 0 && (int)data < CURL_LOCK_DATA_LAST)
        pthread_mutex_unlock(&p->share_locks[data]);
}

static void pool_destroy(const teeattest_ctx *ctx, struct ta_curl_pool *p)
{
    for (size_t i = 0; i < p->n_idle; i++)
        curl_easy_cleanup(p->idle[i]);
    if (p->share)
        curl_share_cleanup(p->share);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_destroy(&p->share_locks[i]);
    pthread_mutex_destroy(&p->lock);
    ta_free(ctx, p);
}

static int pool_new(const teeattest_ctx *ctx, struct ta_curl_pool **out)
{
    *out = NULL;
    pthread_once(&global_once, global_init);
    if (!global_ok)
        return TEEATTEST_E_TRANSPORT;
    struct ta_curl_pool *p = ta_calloc(ctx, 1, sizeof *p);
    if (!p)
        return TEEATTEST_E_NOMEM;
    pthread_mutex_init(&p->lock, NULL);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_init(&p->share_locks[i], NULL);
    p->share = curl_share_init();
    /* Shared: DNS answers and TLS session tickets. Not the connection
     * cache (unsupported across threads) and not cookies (we keep no
     * state between requests). */
    if (!p->share ||
        curl_share_setopt(p->share, CURLSHOPT_LOCKFUNC, share_lock) ||
        curl_share_setopt(p->share, CURLSHOPT_UNLOCKFUNC, share_unlock) ||
        curl_share_setopt(p->share, CURLSHOPT_USERDATA, p) ||
        curl_share_setopt(p->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) ||
        curl_share_setopt(p->share, CURLSHOPT_SHARE,
                          CURL_LOCK_DATA_SSL_SESSION)) {
        int rc = p->share ? TEEATTEST_E_TRANSPORT : TEEATTEST_E_NOMEM;
        pool_destroy(ctx, p);
        return rc;
    }
    *out = p;
    return TEEATTEST_OK;
}

static void pool_slot_free(const teeattest_ctx *ctx, void *p)
{
    ta_curl_pool_free(ctx, p);
}

int ta_curl_pool_get(teeattest_ctx *ctx, struct ta_curl_pool **out)
{
    struct ta_curl_pool *p = ta_ctx_slot_get(ctx, TA_CTX_SLOT_CURL_POOL);
    if (p) {
        *out = p;
        return TEEATTEST_OK;
    }
    int rc = pool_new(ctx, &p);
    if (rc) {
        *out = NULL;
        return rc;
    }
    struct ta_curl_pool *installed =
        ta_ctx_slot_install(ctx, TA_CTX_SLOT_CURL_POOL, p, pool_slot_free);
    if (installed != p) {
        /* Another thread installed its pool first: use that one. */
        pool_destroy(ctx, p);
        p = installed;
    }
    *out = p;
    return TEEATTEST_OK;
}

void ta_curl_pool_free(const teeattest_ctx *ctx, struct ta_curl_pool *p)
{
    if (p)
        pool_destroy(ctx, p);
}

static CURL *pool_take(struct ta_curl_pool *p)
{
    CURL *h = NULL;
    pthread_mutex_lock(&p->lock);
    if (p->n_idle)
        h = p->idle[--p->n_idle];
    pthread_mutex_unlock(&p->lock);
    if (h)
        return h; /* reset when it was parked */
    h = curl_easy_init();
    if (h && curl_easy_setopt(h, CURLOPT_SHARE, p->share) != CURLE_OK) {
        curl_easy_cleanup(h);
        h = NULL;
    }
    return h;
}

/* Park a handle after a successful exchange. curl_easy_reset() forgets
 * every option (including the pointers into this call's stack) but keeps
 * the live connections and the share. */
static void pool_give(struct ta_curl_pool *p, CURL *h)
{
    curl_easy_reset(h);
    pthread_mutex_lock(&p->lock);
    if (p->n_idle < POOL_MAX) {
        p->idle[p->n_idle++] = h;
        h = NULL;
    }
    pthread_mutex_unlock(&p->lock);
    if (h)
        curl_easy_cleanup(h);
}

/* ---- one transfer ------------------------------------------------------ */

struct xfer {
    CURL *h;
    teeattest_http_response *resp;
    int write_rc;     /* the sink's refusal, reported instead of curl's */
    int header_rc;    /* a header could not be stored */
    uint32_t idle_ms;
    struct timespec last_data;
    curl_off_t last_dlnow;
    bool idle_expired;
};

static uint64_t ms_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t ms = (int64_t)(now.tv_sec - t->tv_sec) * 1000 +
                 (now.tv_nsec - t->tv_nsec) / 1000000;
    return ms < 0 ? 0 : (uint64_t)ms;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nmemb;
    clock_gettime(CLOCK_MONOTONIC, &x->last_data);
    int rc = ta_http_response_write(x->resp, (const uint8_t *)ptr, n);
    if (rc) {
        x->write_rc = rc;
        return 0; /* not n: curl aborts with CURLE_WRITE_ERROR */
    }
    return n;
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nmemb;
    size_t len = n;
    clock_gettime(CLOCK_MONOTONIC, &x->last_data);
    while (len && (ptr[len - 1] == '\n' || ptr[len - 1] == '\r'))
        len--;
    if (len >= 5 && memcmp(ptr, "HTTP/", 5) == 0) {
        /* A new status line (after a 1xx answer): the headers recorded so
         * far belong to the previous response. */
        ta_http_response_reset_headers(x->resp);
        return n;
    }
    if (len == 0) {
        /* End of a header block: publish the status of a final response
         * now, so a streaming caller knows it before the first chunk. */
        long code = 0;
        if (curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &code) ==
                CURLE_OK && code >= 200 && code <= 599)
            (void)ta_http_response_set_status(x->resp, (int32_t)code);
        return n;
    }
    if (ptr[0] == ' ' || ptr[0] == '\t')
        return n; /* obsolete line folding: not kept */
    const char *colon = memchr(ptr, ':', len);
    if (!colon || colon == ptr)
        return n; /* a malformed line we do not keep */
    size_t nlen = (size_t)(colon - ptr);
    int rc = ta_http_response_add_header(x->resp, ptr, nlen, colon + 1,
                                         len - nlen - 1);
    if (rc == TEEATTEST_E_INVALID_ARG)
        return n; /* an unusable header name is skipped, not fatal */
    if (rc) {
        x->header_rc = rc;
        return 0;
    }
    return n;
}

static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow,
                       curl_off_t ultotal, curl_off_t ulnow)
{
    (void)dltotal;
    (void)ultotal;
    (void)ulnow;
    struct xfer *x = ud;
    if (dlnow != x->last_dlnow) {
        x->last_dlnow = dlnow;
        clock_gettime(CLOCK_MONOTONIC, &x->last_data);
        return 0;
    }
    if (x->idle_ms && ms_since(&x->last_data) > x->idle_ms) {
        x->idle_expired = true;
        return 1; /* abort: CURLE_ABORTED_BY_CALLBACK */
    }
    return 0;
}

/* The leaf certificate's SubjectPublicKeyInfo (DER), from curl's
 * certificate information (PEM text per certificate, leaf first). */
static int capture_spki(CURL *h, teeattest_http_response *resp, char *detail,
                        size_t detail_cap)
{
    struct curl_certinfo *ci = NULL;
    if (curl_easy_getinfo(h, CURLINFO_CERTINFO, &ci) != CURLE_OK || !ci ||
        ci->num_of_certs < 1) {
        snprintf(detail, detail_cap,
                 "the TLS peer certificate was not available");
        return TEEATTEST_E_TLS;
    }
    for (struct curl_slist *s = ci->certinfo[0]; s; s = s->next) {
        if (strncmp(s->data, "Cert:", 5) != 0)
            continue;
        const char *pem = s->data + 5;
        ta_x509_chain *crt = NULL;
        size_t failed = 0;
        int rc = ta_x509_chain_parse(resp->ctx, &crt, (const uint8_t *)pem,
                                     strlen(pem), &failed);
        if (rc || failed) {
            snprintf(detail, detail_cap,
                     "the TLS peer certificate did not parse");
            rc = TEEATTEST_E_TLS;
        } else {
            ta_der spki = ta_x509_spki_der(ta_x509_chain_get(crt, 0));
            rc = ta_http_response_set_peer_spki(resp, spki.p, spki.len);
            if (rc)
                snprintf(detail, detail_cap,
                         "keeping the TLS peer public key: %s",
                         teeattest_status_str(rc));
        }
        ta_x509_chain_free(crt);
        return rc;
    }
    snprintf(detail, detail_cap, "the TLS peer certificate was not available");
    return TEEATTEST_E_TLS;
}

static int map_curl_error(CURLcode c, const struct xfer *x)
{
    if (x->write_rc)
        return x->write_rc;
    if (x->header_rc)
        return x->header_rc == TEEATTEST_E_TOO_LARGE
                   ? TEEATTEST_E_RESPONSE_TOO_LARGE : x->header_rc;
    if (x->idle_expired)
        return TEEATTEST_E_TIMEOUT;
    switch (c) {
    case CURLE_OPERATION_TIMEDOUT:
        return TEEATTEST_E_TIMEOUT;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED:
        return TEEATTEST_E_TLS;
    case CURLE_FILESIZE_EXCEEDED:
        return TEEATTEST_E_RESPONSE_TOO_LARGE;
    case CURLE_ABORTED_BY_CALLBACK:
        return TEEATTEST_E_CANCELLED;
    case CURLE_OUT_OF_MEMORY:
        return TEEATTEST_E_NOMEM;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        return TEEATTEST_E_INVALID_ARG;
    default:
        return TEEATTEST_E_TRANSPORT;
    }
}

/* A message without secrets: curl's own error text names hosts, ports and
 * TLS reasons, never request headers (the Authorization key). */
static void describe_error(char *detail, size_t cap, int rc, CURLcode c,
                           const char *curl_msg,
                           const teeattest_http_request *req)
{
    if (!detail || !cap)
        return;
    if (rc == TEEATTEST_E_RESPONSE_TOO_LARGE && c == CURLE_FILESIZE_EXCEEDED) {
        snprintf(detail, cap,
                 "response body larger than the %llu-byte limit "
                 "(announced by Content-Length)",
                 (unsigned long long)req->max_body_size);
        return;
    }
    if (rc == TEEATTEST_E_TIMEOUT && c == CURLE_ABORTED_BY_CALLBACK) {
        snprintf(detail, cap, "no data received for %u ms (idle timeout)",
                 (unsigned)req->idle_timeout_ms);
        return;
    }
    snprintf(detail, cap, "%s (curl error %d)",
             curl_msg && *curl_msg ? curl_msg : curl_easy_strerror(c), (int)c);
}

static bool has_header(const teeattest_http_request *req, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < req->header_count; i++) {
        const char *h = req->headers[i];
        if (h && strncasecmp(h, name, n) == 0 && (h[n] == ':' || h[n] == ';'))
            return true;
    }
    return false;
}

static CURLcode set_options(CURL *h, struct xfer *x, struct curl_slist *hdrs,
                            const teeattest_http_request *req, bool https,
                            char *errbuf)
{
    CURLcode c = CURLE_OK;
#define SET(opt, val) \
    do { if (c == CURLE_OK) c = curl_easy_setopt(h, opt, val); } while (0)
    SET(CURLOPT_ERRORBUFFER, errbuf);
    SET(CURLOPT_URL, req->url);
    SET(CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85 */
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
#else
    SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    /* Never follow redirects: the next hop could present another TLS key
     * than the one the attestation is bound to, and a POST body would be
     * re-sent where the caller did not send it. */
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_HTTPHEADER, hdrs);
    SET(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
    /* Ask for the identity encoding. Setting this option also makes libcurl
     * decode a gzip/deflate/br/zstd body when a server compresses anyway,
     * so the sink always receives the decoded bytes (docs/transport.md). */
    if (!has_header(req, "Accept-Encoding"))
        SET(CURLOPT_ACCEPT_ENCODING, "identity");
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, x);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, x);
    if (req->idle_timeout_ms) {
        SET(CURLOPT_NOPROGRESS, 0L);
        SET(CURLOPT_XFERINFOFUNCTION, on_progress);
        SET(CURLOPT_XFERINFODATA, x);
    }
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    if (req->ca_file)
        SET(CURLOPT_CAINFO, req->ca_file);
    if (req->pinned_key)
        SET(CURLOPT_PINNEDPUBLICKEY, req->pinned_key);
    if (https && (req->flags & TEEATTEST_HTTP_PEER_KEY)) {
        /* A certificate is only seen during a full handshake: neither a
         * reused connection nor a resumed TLS session would show one. */
        SET(CURLOPT_CERTINFO, 1L);
        SET(CURLOPT_FRESH_CONNECT, 1L);
        SET(CURLOPT_SSL_SESSIONID_CACHE, 0L);
    }
    SET(CURLOPT_CONNECTTIMEOUT_MS,
        req->connect_timeout_ms ? (long)req->connect_timeout_ms
                                : DEFAULT_CONNECT_MS);
    if (req->total_timeout_ms)
        SET(CURLOPT_TIMEOUT_MS, (long)req->total_timeout_ms);
    if (req->max_body_size)
        SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)req->max_body_size);
    if (strcmp(req->method, "POST") == 0) {
        SET(CURLOPT_POST, 1L);
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
        /* By reference: the caller's buffer outlives the call, and these
         * are the bytes that get hashed. */
        SET(CURLOPT_POSTFIELDS,
            req->body_len ? (const char *)req->body : "");
    } else {
        SET(CURLOPT_HTTPGET, 1L);
    }
#undef SET
    return c;
}

int ta_curl_perform(struct ta_curl_pool *pool, teeattest_http_response *resp,
                    const teeattest_http_request *req, char *detail,
                    size_t detail_cap, int32_t *curl_code)
{
    char dummy[1];
    if (!detail || !detail_cap) {
        detail = dummy;
        detail_cap = sizeof dummy;
    }
    detail[0] = '\0';
    *curl_code = 0;
    if (!req->method || !req->url ||
        (strcmp(req->method, "GET") != 0 && strcmp(req->method, "POST") != 0)) {
        snprintf(detail, detail_cap, "method must be GET or POST");
        return TEEATTEST_E_INVALID_ARG;
    }
    if (strcmp(req->method, "GET") == 0 && req->body_len) {
        snprintf(detail, detail_cap, "a GET request has no body");
        return TEEATTEST_E_INVALID_ARG;
    }
    if (req->body_len && !req->body) {
        snprintf(detail, detail_cap, "body is NULL with a non-zero length");
        return TEEATTEST_E_INVALID_ARG;
    }
    bool https = strncasecmp(req->url, "https://", 8) == 0;
    if (!https && strncasecmp(req->url, "http://", 7) != 0) {
        snprintf(detail, detail_cap, "URL must start with http:// or https://");
        return TEEATTEST_E_INVALID_ARG;
    }

    struct curl_slist *hdrs = NULL;
    for (size_t i = 0; i < req->header_count; i++) {
        if (!req->headers[i])
            continue;
        struct curl_slist *n = curl_slist_append(hdrs, req->headers[i]);
        if (!n) {
            curl_slist_free_all(hdrs);
            return TEEATTEST_E_NOMEM;
        }
        hdrs = n;
    }
    /* The body goes out at once with the headers: no "Expect:
     * 100-continue" round trip (curl adds it to large POSTs). And curl's
     * default form Content-Type would be wrong for every body we send: the
     * caller names the type, or none is sent. */
    static const char *const extra[] = {"Expect:", "Content-Type:"};
    for (size_t i = 0; i < TA_ARRAY_LEN(extra); i++) {
        if (i == 1 && (strcmp(req->method, "POST") != 0 ||
                       has_header(req, "Content-Type")))
            continue;
        if (i == 0 && has_header(req, "Expect"))
            continue;
        struct curl_slist *n = curl_slist_append(hdrs, extra[i]);
        if (!n) {
            curl_slist_free_all(hdrs);
            return TEEATTEST_E_NOMEM;
        }
        hdrs = n;
    }

    CURL *h = pool_take(pool);
    if (!h) {
        curl_slist_free_all(hdrs);
        snprintf(detail, detail_cap, "creating a curl handle failed");
        return TEEATTEST_E_NOMEM;
    }
    struct xfer x;
    memset(&x, 0, sizeof x);
    x.h = h;
    x.resp = resp;
    x.idle_ms = req->idle_timeout_ms;
    x.last_dlnow = -1;
    clock_gettime(CLOCK_MONOTONIC, &x.last_data);
    char errbuf[CURL_ERROR_SIZE];
    errbuf[0] = '\0';

    int rc = TEEATTEST_OK;
    CURLcode cc = set_options(h, &x, hdrs, req, https, errbuf);
    if (cc != CURLE_OK) {
        *curl_code = (int32_t)cc;
        rc = cc == CURLE_OUT_OF_MEMORY ? TEEATTEST_E_NOMEM
                                       : TEEATTEST_E_UNSUPPORTED;
        snprintf(detail, detail_cap, "configuring libcurl: %s",
                 curl_easy_strerror(cc));
        goto out;
    }

    cc = curl_easy_perform(h);
    *curl_code = (int32_t)cc;
    if (cc != CURLE_OK) {
        rc = map_curl_error(cc, &x);
        if (x.write_rc || x.header_rc) {
            if (rc == TEEATTEST_E_RESPONSE_TOO_LARGE && x.header_rc)
                snprintf(detail, detail_cap,
                         "response headers exceed %u bytes",
                         (unsigned)TA_HTTP_HEADERS_MAX);
            else if (rc == TEEATTEST_E_RESPONSE_TOO_LARGE)
                snprintf(detail, detail_cap,
                         "response body exceeds the %llu-byte limit",
                         (unsigned long long)resp->max_body);
            else if (rc == TEEATTEST_E_CANCELLED)
                snprintf(detail, detail_cap,
                         "cancelled by the chunk callback");
            else
                snprintf(detail, detail_cap, "storing the response: %s",
                         teeattest_status_str(rc));
        } else {
            describe_error(detail, detail_cap, rc, cc, errbuf, req);
        }
        goto out;
    }
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (status < 100 || status > 599 ||
        ta_http_response_set_status(resp, (int32_t)status)) {
        snprintf(detail, detail_cap, "no valid HTTP status (%ld)", status);
        rc = TEEATTEST_E_TRANSPORT;
        goto out;
    }
    if (https && (req->flags & TEEATTEST_HTTP_PEER_KEY))
        rc = capture_spki(h, resp, detail, detail_cap);
out:
    curl_slist_free_all(hdrs);
    /* A failed transfer's connection is not worth keeping. */
    if (rc == TEEATTEST_OK)
        pool_give(pool, h);
    else
        curl_easy_cleanup(h);
    return rc;
}
