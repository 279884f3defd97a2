/*
 * teeattest_collateral_fetch() through a fake transport plugged in with
 * the public teeattest_transport vtable (no sockets), serving a fixture
 * directory the way Intel PCS / PCCS v4 does: the right URLs (FMSPC
 * upper-case, CA type, DER encoding), issuer chains URL-encoded in
 * Intel's header names and decoded, the root CA CRL as hex (PCCS) or DER
 * (Intel's CRL distribution point); retries on 503; 404 and oversize
 * bodies reported naming the item; the context cache (a second fetch does
 * no I/O; an expired entry is fetched anew at the context clock); the
 * context's deadline spans the whole fetch, and a transport's own error
 * detail reaches the caller. The on-disk cache (cache_dir, or
 * cache_load/cache_store callbacks): a new context fetches nothing; a
 * corrupted, truncated, swapped or expired entry, a symbolic link, garbage
 * from the load callback or an unusable directory cost a fetch, never the
 * verification.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif
#include "api.h"

#include <dirent.h>
#include <stddef.h>
#include <sys/stat.h>
#include <unistd.h>

#include "teeattest/tdx.h"

#define CASE "tdx/dcapqvl_near_v4_uptodate"

typedef struct fake {
    /* fixture bytes */
    uint8_t *tcb, *qe, *pck_crl, *root_crl;
    size_t tcb_len, qe_len, pck_crl_len, root_crl_len;
    char *tcb_chain, *qe_chain, *crl_chain; /* URL-encoded */
    /* knobs */
    int fail_503;            /* answer 503 to this many requests first */
    const char *status_for;  /* path substring answered with `status` */
    int status;
    const char *huge_for;    /* path substring answered with 5 MiB */
    bool no_chain;           /* omit the issuer chain headers */
    int64_t cost_s;          /* each request advances the clock this much */
    const char *error_for;   /* path substring failed with set_error */
    int64_t deadline_ms;     /* the context's deadline (0 = none) */
    uint32_t total_ms[16];   /* each request's total_timeout_ms */
    /* what it saw */
    int requests;
    char urls[16][512];
    int sleeps;
    int64_t now;
} fake;

/* Every byte outside A-Za-z0-9-._~ as %XX, as Intel does. */
static char *url_encode(const uint8_t *p, size_t n)
{
    char *o = malloc(3 * n + 1), *w = o;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = p[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
            c == '~')
            *w++ = (char)c;
        else
            w += sprintf(w, "%%%02X", c);
    }
    *w = '\0';
    return o;
}

static void fake_load(fake *f)
{
    memset(f, 0, sizeof *f);
    size_t n;
    f->tcb = api_fixture(CASE "/tcb_info.json", &f->tcb_len);
    f->qe = api_fixture(CASE "/qe_identity.json", &f->qe_len);
    f->pck_crl = api_fixture(CASE "/pck_crl.der", &f->pck_crl_len);
    f->root_crl = api_fixture(CASE "/root_ca_crl.der", &f->root_crl_len);
    uint8_t *c = api_fixture(CASE "/tcb_info_issuer_chain.pem", &n);
    f->tcb_chain = url_encode(c, n);
    free(c);
    c = api_fixture(CASE "/qe_identity_issuer_chain.pem", &n);
    f->qe_chain = url_encode(c, n);
    free(c);
    c = api_fixture(CASE "/pck_crl_issuer_chain.pem", &n);
    f->crl_chain = url_encode(c, n);
    free(c);
}

static void fake_free(fake *f)
{
    free(f->tcb);
    free(f->qe);
    free(f->pck_crl);
    free(f->root_crl);
    free(f->tcb_chain);
    free(f->qe_chain);
    free(f->crl_chain);
}

static int reply(teeattest_http_response *resp, int32_t status,
                 const char *hname, const char *hval, const uint8_t *body,
                 size_t len)
{
    int rc = teeattest_http_response_set_status(resp, status);
    if (!rc && hname && hval)
        rc = teeattest_http_response_add_header(resp, hname, strlen(hname),
                                                hval, strlen(hval));
    if (!rc)
        rc = teeattest_http_response_add_header(resp, "Request-ID", 10,
                                                "0123abcd", 8);
    for (size_t off = 0; !rc && off < len; off += 4096)
        rc = teeattest_http_response_write(resp, body + off,
                                           len - off < 4096 ? len - off : 4096);
    return rc;
}

static int fake_request(void *ud, teeattest_http_response *resp,
                        const teeattest_http_request *req)
{
    fake *f = ud;
    if (f->requests < 16) {
        snprintf(f->urls[f->requests], sizeof f->urls[0], "%s", req->url);
        f->total_ms[f->requests] = req->total_timeout_ms;
    }
    f->requests++;
    f->now += f->cost_s;
    if (f->error_for && strstr(req->url, f->error_for)) {
        if (teeattest_http_response_set_error(
                resp, 35, "TLS handshake with pccs.test: certificate expired"))
            return TEEATTEST_E_INTERNAL;
        return TEEATTEST_E_TLS;
    }
    if (strcmp(req->method, "GET") != 0)
        return reply(resp, 405, NULL, NULL, NULL, 0);
    if (f->fail_503 > 0) {
        f->fail_503--;
        return reply(resp, 503, "Retry-After", "1", (const uint8_t *)"busy", 4);
    }
    if (f->status_for && strstr(req->url, f->status_for))
        return teeattest_http_response_set_status(resp, f->status) ||
               teeattest_http_response_add_header(resp, "Error-Code", 10,
                                                  "NotFound", 8);
    if (f->huge_for && strstr(req->url, f->huge_for)) {
        static uint8_t big[5u << 20];
        return reply(resp, 200, NULL, NULL, big, sizeof big);
    }
    bool nc = f->no_chain;
    if (strstr(req->url, "/tdx/certification/v4/tcb?"))
        return reply(resp, 200, "TCB-Info-Issuer-Chain",
                     nc ? NULL : f->tcb_chain, f->tcb, f->tcb_len);
    if (strstr(req->url, "/tdx/certification/v4/qe/identity"))
        return reply(resp, 200, "SGX-Enclave-Identity-Issuer-Chain",
                     nc ? NULL : f->qe_chain, f->qe, f->qe_len);
    if (strstr(req->url, "/sgx/certification/v4/pckcrl?"))
        return reply(resp, 200, "SGX-PCK-CRL-Issuer-Chain",
                     nc ? NULL : f->crl_chain, f->pck_crl, f->pck_crl_len);
    if (strstr(req->url, "/sgx/certification/v4/rootcacrl")) {
        char *hex = malloc(2 * f->root_crl_len + 1);
        for (size_t i = 0; i < f->root_crl_len; i++)
            sprintf(hex + 2 * i, "%02x", f->root_crl[i]);
        int rc = reply(resp, 200, NULL, NULL, (const uint8_t *)hex,
                       2 * f->root_crl_len);
        free(hex);
        return rc;
    }
    if (strcmp(req->url, "https://certificates.trustedservices.intel.com/"
                         "IntelSGXRootCA.der") == 0)
        return reply(resp, 200, NULL, NULL, f->root_crl, f->root_crl_len);
    return reply(resp, 404, NULL, NULL, NULL, 0);
}

static int fake_sleep(void *ud, uint32_t ms)
{
    (void)ms;
    ((fake *)ud)->sleeps++;
    return 0;
}

static int64_t fake_clock(void *ud)
{
    return ((fake *)ud)->now;
}

static teeattest_ctx *fake_ctx_opts(fake *f, teeattest_ctx_options *o);

static teeattest_ctx *fake_ctx(fake *f)
{
    teeattest_ctx_options o = TEEATTEST_CTX_OPTIONS_INIT;
    return fake_ctx_opts(f, &o);
}

static teeattest_ctx *fake_ctx_opts(fake *f, teeattest_ctx_options *o)
{
    teeattest_transport t = TEEATTEST_TRANSPORT_INIT;
    t.user_data = f;
    t.request = fake_request;
    o->transport = &t;
    o->sleep = fake_sleep;
    o->sleep_user_data = f;
    o->clock = fake_clock;
    o->clock_user_data = f;
    o->deadline_ms = f->deadline_ms;
    teeattest_ctx *ctx = NULL;
    if (teeattest_ctx_new(&ctx, o, NULL) != TEEATTEST_OK) {
        printf("Bail out! cannot create a context\n");
        exit(1);
    }
    return ctx;
}

static uint8_t *quote;
static size_t quote_len;
static int64_t t_verify;
static char fmspc_upper[13], ca[16];

/* Verify the fixture quote with `col` at the context clock. */
static bool verifies(teeattest_ctx *ctx, const teeattest_collateral *col)
{
    teeattest_result *r = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    int rc = teeattest_tdx_verify(ctx, &r, quote, quote_len, col, NULL, &e);
    bool ok = rc == TEEATTEST_OK &&
              teeattest_result_verdict(r) == TEEATTEST_VERDICT_VERIFIED;
    if (!ok)
        printf("# verify rc %d %s\n", rc, e.message);
    teeattest_result_free(r);
    return ok;
}

/* FMSPC and CA type of the fixture, as verification reports them. */
static void learn_platform(void)
{
    teeattest_ctx *ctx = NULL;
    teeattest_ctx_new(&ctx, NULL, NULL);
    teeattest_collateral *col = NULL;
    teeattest_policy *pol = NULL;
    teeattest_result *r = NULL;
    teeattest_collateral_load_dir(ctx, &col, ta_test_fixture(CASE), NULL);
    teeattest_policy_new(ctx, &pol, NULL);
    teeattest_policy_set_time(pol, t_verify, NULL);
    teeattest_tdx_verify(ctx, &r, quote, quote_len, col, pol, NULL);
    const char *fm = teeattest_result_fact(r, "tdx.fmspc");
    const char *c = teeattest_result_fact(r, "tdx.pck.ca");
    CHECK(fm && strlen(fm) == 12 && c);
    for (size_t i = 0; fm && i < 12; i++)
        fmspc_upper[i] = (char)(fm[i] >= 'a' && fm[i] <= 'f'
                                    ? fm[i] - 'a' + 'A' : fm[i]);
    snprintf(ca, sizeof ca, "%s", c ? c : "?");
    teeattest_result_free(r);
    teeattest_policy_free(pol);
    teeattest_collateral_free(col);
    teeattest_ctx_free(ctx);
}

static void test_urls_and_cache(void)
{
    fake f;
    fake_load(&f);
    f.now = t_verify;
    teeattest_ctx *ctx = fake_ctx(&f);
    teeattest_collateral *col = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    int rc = teeattest_collateral_fetch(ctx, &col, "http://pccs.test:8081/",
                                        quote, quote_len, &e);
    if (rc)
        printf("# %s\n", e.message);
    CHECK_EQ_INT(rc, TEEATTEST_OK);
    CHECK_EQ_INT(f.requests, 4);
    char want[512];
    api_fmt(want, sizeof want,
            "http://pccs.test:8081/tdx/certification/v4/tcb?fmspc=%s",
            fmspc_upper);
    CHECK_STR(f.urls[0], want);
    CHECK_STR(f.urls[1], "http://pccs.test:8081/tdx/certification/v4/qe/identity");
    api_fmt(want, sizeof want,
            "http://pccs.test:8081/sgx/certification/v4/pckcrl?ca=%s"
            "&encoding=der", ca);
    CHECK_STR(f.urls[2], want);
    CHECK_STR(f.urls[3], "http://pccs.test:8081/sgx/certification/v4/rootcacrl");
    CHECK_EQ_INT(f.sleeps, 0);
    /* decoded headers, hex root CRL: it verifies */
    CHECK(col && verifies(ctx, col));
    int64_t exp = teeattest_collateral_expiry(col);
    CHECK(exp > t_verify);

    /* the same platform again: from the cache, no I/O */
    teeattest_collateral *again = NULL;
    CHECK_EQ_INT(teeattest_collateral_fetch(ctx, &again,
                                            "http://pccs.test:8081",
                                            quote, quote_len, &e),
                 TEEATTEST_OK);
    CHECK_EQ_INT(f.requests, 4);
    CHECK(again && verifies(ctx, again));
    CHECK_EQ_INT(teeattest_collateral_expiry(again), exp);
    /* a PCCS URL given with its API path is the same service */
    teeattest_collateral *third = NULL;
    CHECK_EQ_INT(teeattest_collateral_fetch(
                     ctx, &third, "http://pccs.test:8081/sgx/certification/v4/",
                     quote, quote_len, &e), TEEATTEST_OK);
    CHECK_EQ_INT(f.requests, 4);
    teeattest_collateral_free(third);
    /* another service: its own entry */
    CHECK_EQ_INT(teeattest_collateral_fetch(ctx, &third, "http://other.test",
                                            quote, quote_len, &e),
                 TEEATTEST_OK);
    CHECK_EQ_INT(f.requests, 8);
    teeattest_collateral_free(third);

    /* just before expiry: cached; after: fetched anew */
    f.now = exp - 1;
    teeattest_collateral *c2 = NULL;
    CHECK_EQ_INT(teeattest_collateral_fetch(ctx, &c2, "http://pccs.test:8081",
                                            quote, quote_len, &e),
                 TEEATTEST_OK);
    CHECK_EQ_INT(f.requests, 8);
    teeattest_collateral_free(c2);
    f.now = exp;
    CHECK_EQ_INT(teeattest_collateral_fetch(ctx, &c2, "http://pccs.test:8081",
                                            quote, quote_len, &e),
                 TEEATTEST_OK);
    CHECK_EQ_INT(f.requests, 12);
    teeattest_collateral_free(c2);

    /* handles outlive the context's last reference */
    teeattest_ctx_free(ctx);
    f.now = t_verify;
    CHECK(verifies(teeattest_ctx_ref(ctx), col));
    teeattest_ctx_free(ctx);
    teeattest_collateral_free(again);
    teeattest_collateral_free(col);
    fake_free(&f);
}

static void test_intel_pcs(void)
{
    fake f;
    fake_load(&f);
    f.now = t_verify;
    teeattest_ctx *ctx = fake_ctx(&f);
    teeattest_collateral *col = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    CHECK_EQ_INT(teeattest_collateral_fetch(ctx, &col, NULL, quote, quote_len,
                                            &e), TEEATTEST_OK);
    char want[512];
    api_fmt(want, sizeof want, TEEATTEST_INTEL_PCS_URL
            "/tdx/certification/v4/tcb?fmspc=%s", fmspc_upper);
    CHECK_STR(f.urls[0], want);
    CHECK_STR(f.urls[3], "https://certificates.trustedservices.intel.com/"
                         "IntelSGXRootCA.der");
    CHECK(col && verifies(ctx, col));
    teeattest_collateral_free(col);
    teeattest_ctx_free(ctx);
    fake_free(&f);
}

static void test_retries(void)
{
    fake f;
    fake_load(&f);
    f.now = t_verify;
    f.fail_503 = 2;
    teeattest_ctx *ctx = fake_ctx(&f);
    teeattest_collateral *col = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    CHECK_EQ_INT(teeattest_collateral_fetch(ctx, &col, "http://pccs.test",
                                            quote, quote_len, &e),
                 TEEATTEST_OK);
    CHECK_EQ_INT(f.requests, 6);
    CHECK_EQ_INT(f.sleeps, 2);
    CHECK(col && verifies(ctx, col));
    teeattest_collateral_free(col);
    teeattest_ctx_free(ctx);

    /* a service that stays unavailable: bounded attempts, HTTP 503 */
    fake_free(&f);
    fake_load(&f);
    f.now = t_verify;
    f.fail_503 = 1000;
    ctx = fake_ctx(&f);
    int rc = teeattest_collateral_fetch(ctx, &col, "http://pccs.test", quote,
                                        quote_len, &e);
    CHECK_EQ_INT(rc, TEEATTEST_E_HTTP_STATUS);
    CHECK(col == NULL);
    CHECK(f.requests >= 2 && f.requests <= 5);
    CHECK(strstr(e.message, "TCB Info") && strstr(e.message, "503"));
    CHECK_EQ_INT(e.backend_code, 503);
    teeattest_ctx_free(ctx);
    fake_free(&f);
}

/* One deadline for the whole fetch, not per item: two items take the 2 s
 * there are, the third is never asked for. */
static void test_deadline(void)
{
    fake f;
    fake_load(&f);
    f.now = t_verify;
    f.cost_s = 1;
    f.deadline_ms = (t_verify + 2) * 1000;
    teeattest_ctx *ctx = fake_ctx(&f);
    teeattest_collateral *col = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    CHECK_EQ_INT(teeattest_collateral_fetch(ctx, &col, "http://pccs.test",
                                            quote, quote_len, &e),
                 TEEATTEST_E_TIMEOUT);
    CHECK(col == NULL);
    CHECK_EQ_INT(f.requests, 2);
    CHECK_EQ_INT(f.total_ms[0], 2000);
    CHECK_EQ_INT(f.total_ms[1], 1000);
    CHECK(strstr(e.message, "PCK CRL") != NULL);
    CHECK(strstr(e.message, "overall deadline expired before GET "
                            "http://pccs.test/sgx/certification/v4/pckcrl")
          != NULL);
    printf("# %s\n", e.message);
    teeattest_ctx_free(ctx);
    fake_free(&f);
}

/* A transport's teeattest_http_response_set_error() detail reaches the
 * caller through the collateral fetch, as libcurl's would. */
static void test_transport_error(void)
{
    fake f;
    fake_load(&f);
    f.now = t_verify;
    f.error_for = "/qe/identity";
    teeattest_ctx *ctx = fake_ctx(&f);
    teeattest_collateral *col = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    CHECK_EQ_INT(teeattest_collateral_fetch(ctx, &col, "http://pccs.test",
                                            quote, quote_len, &e),
                 TEEATTEST_E_TLS);
    CHECK_EQ_INT(f.requests, 2); /* TLS failures are not retried */
    CHECK_EQ_INT(e.backend_code, 35);
    CHECK_STR(e.message, "QE Identity: GET http://pccs.test/tdx/certification/"
                         "v4/qe/identity: TLS handshake with pccs.test: "
                         "certificate expired");
    teeattest_ctx_free(ctx);
    fake_free(&f);
}

static void test_errors(void)
{
    static const struct {
        const char *path, *item;
    } items[] = {
        {"/tcb?", "TCB Info"},
        {"/qe/identity", "QE Identity"},
        {"/pckcrl?", "PCK CRL"},
        {"/rootcacrl", "root CA CRL"},
    };
    for (size_t i = 0; i < API_ARRAY_LEN(items); i++) {
        fake f;
        fake_load(&f);
        f.now = t_verify;
        f.status_for = items[i].path;
        f.status = 404;
        teeattest_ctx *ctx = fake_ctx(&f);
        teeattest_collateral *col = NULL;
        teeattest_error e = TEEATTEST_ERROR_INIT;
        int rc = teeattest_collateral_fetch(ctx, &col, "http://pccs.test",
                                            quote, quote_len, &e);
        CHECK_EQ_INT(rc, TEEATTEST_E_HTTP_STATUS);
        CHECK(strstr(e.message, items[i].item) != NULL);
        CHECK(strstr(e.message, "HTTP 404") != NULL);
        printf("# %s\n", e.message);
        CHECK_EQ_INT(e.backend_code, 404);
        CHECK_EQ_INT(f.sleeps, 0); /* a 404 is not retried */
        CHECK(col == NULL);

        f.status_for = NULL;
        f.huge_for = items[i].path;
        rc = teeattest_collateral_fetch(ctx, &col, "http://pccs.test", quote,
                                        quote_len, &e);
        CHECK_EQ_INT(rc, TEEATTEST_E_RESPONSE_TOO_LARGE);
        CHECK(strstr(e.message, items[i].item) != NULL);
        printf("# %s\n", e.message);
        CHECK(col == NULL);
        /* failures are not cached: the next fetch works */
        f.huge_for = NULL;
        CHECK_EQ_INT(teeattest_collateral_fetch(ctx, &col, "http://pccs.test",
                                                quote, quote_len, &e),
                     TEEATTEST_OK);
        teeattest_collateral_free(col);
        teeattest_ctx_free(ctx);
        fake_free(&f);
    }

    fake f;
    fake_load(&f);
    f.now = t_verify;
    f.no_chain = true;
    teeattest_ctx *ctx = fake_ctx(&f);
    teeattest_collateral *col = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    CHECK_EQ_INT(teeattest_collateral_fetch(ctx, &col, "http://pccs.test",
                                            quote, quote_len, &e),
                 TEEATTEST_E_TRANSPORT);
    CHECK(strstr(e.message, "TCB-Info-Issuer-Chain") != NULL);

    /* misuse and bad input */
    CHECK_EQ_INT(teeattest_collateral_fetch(NULL, &col, NULL, quote,
                                            quote_len, &e),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_collateral_fetch(ctx, NULL, NULL, quote,
                                            quote_len, &e),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_collateral_fetch(ctx, &col, NULL, NULL, 0, &e),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_collateral_fetch(ctx, &col, "ftp://x", quote,
                                            quote_len, &e),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_collateral_fetch(ctx, &col, "http://a b", quote,
                                            quote_len, &e),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_collateral_fetch(ctx, &col, "https://", quote,
                                            quote_len, &e),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_collateral_fetch(ctx, &col, NULL, quote, 100, &e),
                 TEEATTEST_E_PARSE);
    uint8_t *bad = malloc(quote_len);
    memcpy(bad, quote, quote_len);
    /* the PCK leaf's base64 (the first certificate of the chain) */
    uint8_t *pem = memmem(bad, quote_len, "-----BEGIN CERTIFICATE-----", 27);
    CHECK(pem != NULL);
    if (pem)
        memset(pem + 40, 'A', 200);
    CHECK_EQ_INT(teeattest_collateral_fetch(ctx, &col, NULL, bad, quote_len,
                                            &e), TEEATTEST_E_PARSE);
    printf("# %s\n", e.message);
    free(bad);
    CHECK_EQ_INT(f.requests, 1); /* only the chainless TCB Info */
    teeattest_ctx_free(ctx);
    fake_free(&f);
}

typedef struct thr {
    teeattest_ctx *ctx;
    int bad;
} thr;

static void *fetch_thread(void *p)
{
    thr *t = p;
    for (int i = 0; i < 10; i++) {
        teeattest_collateral *col = NULL;
        if (teeattest_collateral_fetch(t->ctx, &col, "http://pccs.test",
                                       quote, quote_len, NULL) ||
            !verifies(t->ctx, col))
            t->bad++;
        teeattest_collateral_free(col);
    }
    return NULL;
}

/* Cache hits and warm verifications from several threads at once: the
 * shared collateral and its memo are used concurrently, then the last
 * handles and the context go in any order. */
static void test_threads(void)
{
    fake f;
    fake_load(&f);
    f.now = t_verify;
    teeattest_ctx *ctx = fake_ctx(&f);
    teeattest_collateral *col = NULL;
    CHECK_EQ_INT(teeattest_collateral_fetch(ctx, &col, "http://pccs.test",
                                            quote, quote_len, NULL),
                 TEEATTEST_OK);
    teeattest_collateral_free(col); /* the cache keeps it */
    pthread_t th[4];
    thr args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (thr){ctx, 0};
        pthread_create(&th[i], NULL, fetch_thread, &args[i]);
    }
    int bad = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        bad += args[i].bad;
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(f.requests, 4);
    teeattest_ctx_free(ctx);
    fake_free(&f);
}

/* ---- the on-disk cache (teeattest_ctx_options.cache_*) ------------------ */

/* An in-memory store behind cache_load / cache_store. */
typedef struct store {
    char keys[8][65];
    uint8_t *vals[8];
    size_t lens[8];
    int n, loads, stores;
    bool garbage; /* cache_load answers random bytes for every key */
} store;

static int store_find(store *s, const char *key)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->keys[i], key) == 0)
            return i;
    return -1;
}

static int store_load(void *ud, const char *key, uint8_t *buf, size_t cap,
                      size_t *len)
{
    store *s = ud;
    s->loads++;
    if (strlen(key) != 64 || strspn(key, "0123456789abcdef") != 64)
        return TEEATTEST_E_INTERNAL; /* the library promised a hex name */
    if (s->garbage) {
        *len = 3000;
        if (cap < 3000)
            return TEEATTEST_E_BUFFER_TOO_SMALL;
        for (size_t i = 0; i < 3000; i++)
            buf[i] = (uint8_t)(i * 131 + 7);
        memcpy(buf, "TEEATTEST-CACHE1", 16); /* even the right magic */
        return TEEATTEST_OK;
    }
    int i = store_find(s, key);
    if (i < 0)
        return TEEATTEST_E_NOT_FOUND;
    *len = s->lens[i];
    if (cap < s->lens[i])
        return TEEATTEST_E_BUFFER_TOO_SMALL;
    memcpy(buf, s->vals[i], s->lens[i]);
    return TEEATTEST_OK;
}

static int store_store(void *ud, const char *key, const uint8_t *data,
                       size_t len)
{
    store *s = ud;
    s->stores++;
    int i = store_find(s, key);
    if (i < 0) {
        if (s->n == 8)
            return TEEATTEST_E_NOMEM;
        i = s->n++;
        snprintf(s->keys[i], sizeof s->keys[i], "%s", key);
    }
    free(s->vals[i]);
    s->vals[i] = malloc(len);
    memcpy(s->vals[i], data, len);
    s->lens[i] = len;
    return TEEATTEST_OK;
}

static void store_clear(store *s)
{
    for (int i = 0; i < s->n; i++)
        free(s->vals[i]);
    memset(s, 0, sizeof *s);
}

/* A new context on `st` (callbacks) or `dir`: one fetch from the fake PCCS
 * at `now`; returns the requests it made (-1 when the fetch failed or the
 * collateral does not verify at t_verify). */
static int fetch_with(store *st, const char *dir, int64_t now,
                      int64_t *expiry)
{
    fake f;
    fake_load(&f);
    f.now = now;
    teeattest_ctx_options o = TEEATTEST_CTX_OPTIONS_INIT;
    if (st) {
        o.cache_load = store_load;
        o.cache_store = store_store;
        o.cache_user_data = st;
    }
    o.cache_dir = dir;
    teeattest_ctx *ctx = fake_ctx_opts(&f, &o);
    teeattest_collateral *col = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    int rc = teeattest_collateral_fetch(ctx, &col, "http://pccs.test:8081",
                                        quote, quote_len, &e);
    if (rc)
        printf("# fetch: %s\n", e.message);
    f.now = t_verify;
    int n = !rc && col && verifies(ctx, col) ? f.requests : -1;
    if (expiry)
        *expiry = col ? teeattest_collateral_expiry(col) : 0;
    teeattest_collateral_free(col);
    teeattest_ctx_free(ctx);
    fake_free(&f);
    return n;
}

/* Flip one byte in the middle of the entry at index i. */
static void corrupt(store *s, int i)
{
    s->vals[i][s->lens[i] / 2] ^= 0x40;
}

static void test_disk_cache_callbacks(void)
{
    store st;
    memset(&st, 0, sizeof st);
    int64_t exp = 0, exp2 = 0;
    /* first process: four requests, four entries */
    CHECK_EQ_INT(fetch_with(&st, NULL, t_verify, &exp), 4);
    CHECK_EQ_INT(st.n, 4);
    CHECK_EQ_INT(st.stores, 4);
    /* second process (a new context): no request, same collateral */
    CHECK_EQ_INT(fetch_with(&st, NULL, t_verify, &exp2), 0);
    CHECK_EQ_INT(exp2, exp);
    CHECK(st.loads >= 8);

    /* a corrupted entry: everything fetched anew, the entry rewritten */
    corrupt(&st, 1);
    CHECK_EQ_INT(fetch_with(&st, NULL, t_verify, NULL), 4);
    CHECK_EQ_INT(fetch_with(&st, NULL, t_verify, NULL), 0);
    /* truncated */
    st.lens[2] -= 40;
    CHECK_EQ_INT(fetch_with(&st, NULL, t_verify, NULL), 4);
    CHECK_EQ_INT(fetch_with(&st, NULL, t_verify, NULL), 0);
    /* one URL's entry stored under another's name (QE Identity where the
     * TCB Info belongs): refused, fetched */
    uint8_t *tmp = st.vals[0];
    size_t tl = st.lens[0];
    st.vals[0] = st.vals[1];
    st.lens[0] = st.lens[1];
    st.vals[1] = tmp;
    st.lens[1] = tl;
    CHECK_EQ_INT(fetch_with(&st, NULL, t_verify, NULL), 4);
    CHECK_EQ_INT(fetch_with(&st, NULL, t_verify, NULL), 0);
    /* expired at the context's clock: fetched (and, already expired when
     * fetched at that time, not stored again) */
    int stores = st.stores;
    CHECK_EQ_INT(fetch_with(&st, NULL, exp, NULL), 4);
    CHECK_EQ_INT(st.stores, stores);
    CHECK_EQ_INT(fetch_with(&st, NULL, exp - 1, NULL), 0);

    /* garbage from the load callback costs a fetch, nothing else */
    store_clear(&st);
    st.garbage = true;
    CHECK_EQ_INT(fetch_with(&st, NULL, t_verify, NULL), 4);
    CHECK_EQ_INT(fetch_with(&st, NULL, t_verify, NULL), 4);
    store_clear(&st);
}

static void test_disk_cache_dir(void)
{
    char root[] = "/tmp/api-cache-XXXXXX";
    CHECK(mkdtemp(root) != NULL);
    char dir[300], path[600];
    api_fmt(dir, sizeof dir, "%s/teeattest", root); /* created by the library */
    CHECK_EQ_INT(fetch_with(NULL, dir, t_verify, NULL), 4);
    struct stat st;
    CHECK(stat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
          (st.st_mode & 0777) == 0700);
    DIR *d = opendir(dir);
    int files = 0;
    struct dirent *de;
    char first[300] = "";
    while (d && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        files++;
        CHECK_EQ_INT(strlen(de->d_name), 64);
        api_fmt(path, sizeof path, "%s/%s", dir, de->d_name);
        CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
        if (!first[0])
            api_fmt(first, sizeof first, "%s", de->d_name);
    }
    if (d)
        closedir(d);
    CHECK_EQ_INT(files, 4);
    CHECK_EQ_INT(fetch_with(NULL, dir, t_verify, NULL), 0);

    /* an entry that is a symbolic link (to a valid copy) is not followed */
    char saved[600], link[600];
    api_fmt(link, sizeof link, "%s/%s", dir, first);
    api_fmt(saved, sizeof saved, "%s/saved", root);
    CHECK(rename(link, saved) == 0);
    CHECK(symlink(saved, link) == 0);
    CHECK_EQ_INT(fetch_with(NULL, dir, t_verify, NULL), 4);
    /* ... and the fetch replaced the link with a file */
    CHECK(lstat(link, &st) == 0 && S_ISREG(st.st_mode));
    CHECK_EQ_INT(fetch_with(NULL, dir, t_verify, NULL), 0);

    /* a directory that cannot be used: still verifies, by fetching */
    api_fmt(path, sizeof path, "%s/saved/sub", root); /* under a file */
    CHECK_EQ_INT(fetch_with(NULL, path, t_verify, NULL), 4);
    CHECK_EQ_INT(fetch_with(NULL, "/proc/teeattest-no-such-dir", t_verify,
                            NULL), 4);

    api_fmt(path, sizeof path, "rm -rf '%s'", root);
    CHECK(system(path) == 0);
}

static void test_disk_cache_misuse(void)
{
    teeattest_ctx *ctx = NULL;
    teeattest_ctx_options o = TEEATTEST_CTX_OPTIONS_INIT;
    store st;
    memset(&st, 0, sizeof st);
    o.cache_load = store_load; /* without cache_store */
    CHECK_EQ_INT(teeattest_ctx_new(&ctx, &o, NULL), TEEATTEST_E_INVALID_ARG);
    o.cache_store = store_store;
    o.cache_dir = "/tmp"; /* and a directory too */
    CHECK_EQ_INT(teeattest_ctx_new(&ctx, &o, NULL), TEEATTEST_E_INVALID_ARG);
    o.cache_load = NULL;
    o.cache_store = NULL;
    o.cache_dir = "";
    CHECK_EQ_INT(teeattest_ctx_new(&ctx, &o, NULL), TEEATTEST_E_INVALID_ARG);
    CHECK(ctx == NULL);
    /* the 1.0 struct includes the cache fields and the memo bounds: one
     * that ends at deadline_ms or cache_user_data is an older, unpublished
     * layout */
    teeattest_ctx_options old = TEEATTEST_CTX_OPTIONS_INIT;
    old.struct_size = offsetof(teeattest_ctx_options, deadline_ms) +
                      sizeof old.deadline_ms;
    CHECK_EQ_INT(teeattest_ctx_new(&ctx, &old, NULL), TEEATTEST_E_ABI);
    old.struct_size = offsetof(teeattest_ctx_options, cache_user_data) +
                      sizeof old.cache_user_data;
    CHECK_EQ_INT(teeattest_ctx_new(&ctx, &old, NULL), TEEATTEST_E_ABI);
    teeattest_ctx_free(ctx);
}

int main(void)
{
    quote = api_fixture(CASE "/quote.bin", &quote_len);
    size_t n;
    char *exp = (char *)api_fixture(CASE "/expected.json", &n);
    const char *p = strstr(exp, "\"verify_at_unix\"");
    t_verify = p ? strtoll(strchr(p, ':') + 1, NULL, 10) : 0;
    free(exp);
    CHECK(t_verify > 0);
    learn_platform();
    test_urls_and_cache();
    test_intel_pcs();
    test_retries();
    test_errors();
    test_deadline();
    test_transport_error();
    test_threads();
    test_disk_cache_callbacks();
    test_disk_cache_dir();
    test_disk_cache_misuse();
    free(quote);
    return ta_test_done();
}
