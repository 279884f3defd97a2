/*
 * teeattest proxy: GET /v1/models, passed through to the provider with
 * libcurl (the library's transport speaks only the dialects' endpoints).
 * Nothing signs a model list: it is forwarded as the provider sent it.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <microhttpd.h>

#include "proxy.h"

/* GET /v1/models: passed through with libcurl (no signature covers it). */
static size_t models_write(char *data, size_t size, size_t n, void *user)
{
    struct proxy_buf *b = user;
    if (b->len + size * n > 4u * 1024u * 1024u ||
        !proxy_buf_add(b, data, size * n))
        return 0;
    return size * n;
}

int proxy_models(struct proxy *px, struct MHD_Connection *c)
{
    char url[2048];
    snprintf(url, sizeof url, "%s/v1/models", px->upstream_base);
    CURL *h = curl_easy_init();
    if (!h)
        return MHD_NO;
    struct proxy_buf b = {0};
    struct curl_slist *hdrs = NULL;
    char auth[4200];
    if (px->api_key) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", px->api_key);
        hdrs = curl_slist_append(hdrs, auth);
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, models_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)px->upstream_timeout_ms);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    if (px->ca_file)
        curl_easy_setopt(h, CURLOPT_CAINFO, px->ca_file);
    /* The attested TLS key, where the attestation binds one. */
    struct proxy_att *a = px->pinned_signer ? NULL : proxy_current(px);
    if (a && a->ok && a->pin)
        curl_easy_setopt(h, CURLOPT_PINNEDPUBLICKEY, a->pin);
    CURLcode cc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
    proxy_att_free(a);
    int ret;
    if (cc != CURLE_OK) {
        ret = proxy_send_error(c, cc == CURLE_OPERATION_TIMEDOUT ? 504 : 502,
                         "teeattest_proxy_error", "upstream_unreachable",
                         curl_easy_strerror(cc), NULL);
    } else {
        struct MHD_Response *r = MHD_create_response_from_buffer(
            b.len, b.data ? b.data : "", MHD_RESPMEM_MUST_COPY);
        ret = MHD_NO;
        if (r) {
            MHD_add_response_header(r, "Content-Type", "application/json");
            ret = MHD_queue_response(c, (unsigned)status, r);
            MHD_destroy_response(r);
        }
    }
    free(b.data);
    return ret;
}

