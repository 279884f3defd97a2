/*
 * teeattest_collateral_fetch(): the collateral a TDX quote needs, from
 * Intel PCS (API v4) or any PCCS (same paths), through the context's
 * transport (../shared/specs/tdx.md section 6).
 *
 * The quote is only read, not verified: its PCK certificate names the
 * platform family (FMSPC, SGX extension .4) and the PCK CA ("platform" or
 * "processor", from the issuer's CN), which select the TCB Info and the
 * PCK CRL. Every GET goes through ta_request(), which retries transient
 * failures (transport errors other than TLS, HTTP 429 / 502 / 503 / 504)
 * with exponential backoff; attempts per item and each attempt's duration
 * are bounded, so one fetch is bounded too, and the context's deadline
 * bounds the whole fetch.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "teeattest/tdx.h"

#include "tdx_fetch.h"
#include "../cache/cache.h"
#include "../transport/transport.h"

/* Retries after the first attempt of each GET, and the idle limit of one
 * attempt (connect and total: the service defaults): at most
 * 4 x (30 s + backoff) per item. */
#define FETCH_RETRIES 3u
#define FETCH_IDLE_MS 15000u
/* Response limits. Real items: TCB Info ~10-50 KB, QE Identity ~1 KB, PCK
 * CRL a few KB (grows with revocations), root CA CRL < 1 KB. */
#define TCB_INFO_MAX (1u << 20)
#define QE_IDENTITY_MAX (256u << 10)
#define PCK_CRL_MAX (4u << 20)
#define ROOT_CRL_MAX (256u << 10)
#define BASE_URL_MAX 1024u

/* Intel PCS has no rootcacrl endpoint: the root CA CRL is at the CRL
 * distribution point named in the Intel SGX Root CA certificate. */
#define INTEL_PCS_HOST "api.trustedservices.intel.com"
#define INTEL_ROOT_CRL_URL \
    "https://certificates.trustedservices.intel.com/IntelSGXRootCA.der"

/* ---- base URL ---------------------------------------------------------- */

static bool has_suffix(const char *s, size_t len, const char *suf)
{
    size_t n = strlen(suf);
    return len >= n && strncasecmp(s + len - n, suf, n) == 0;
}

/* The service root: scheme and host checked, trailing '/' and a trailing
 * "/sgx/certification/v4" or "/tdx/certification/v4" removed (a URL copied
 * from a PCCS configuration often ends so). */
static int normalise_base(const teeattest_ctx *ctx, const char *in,
                          char **out, bool *intel, teeattest_error *err)
{
    size_t len = strlen(in);
    if (len > BASE_URL_MAX)
        return ta_error(err, TEEATTEST_E_INVALID_ARG, "base_url",
                        "base URL is longer than %u bytes", BASE_URL_MAX);
    size_t scheme = strncasecmp(in, "https://", 8) == 0 ? 8
                    : strncasecmp(in, "http://", 7) == 0 ? 7 : 0;
    if (!scheme)
        return ta_error(err, TEEATTEST_E_INVALID_ARG, "base_url",
                        "base URL must start with https:// or http://");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c <= 0x20 || c >= 0x7f || c == '?' || c == '#')
            return ta_error(err, TEEATTEST_E_INVALID_ARG, "base_url",
                            "base URL holds a space, control character, "
                            "query or fragment at offset %zu", i);
    }
    for (;;) {
        while (len > scheme && in[len - 1] == '/')
            len--;
        if (has_suffix(in, len, "/sgx/certification/v4") ||
            has_suffix(in, len, "/tdx/certification/v4"))
            len -= strlen("/sgx/certification/v4");
        else
            break;
    }
    if (len == scheme)
        return ta_error(err, TEEATTEST_E_INVALID_ARG, "base_url",
                        "base URL has no host");
    const char *host = in + scheme;
    size_t hl = 0;
    while (scheme + hl < len && host[hl] != '/' && host[hl] != ':')
        hl++;
    *intel = hl == strlen(INTEL_PCS_HOST) &&
             strncasecmp(host, INTEL_PCS_HOST, hl) == 0;
    *out = ta_strndup(ctx, in, len);
    if (!*out)
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "out of memory");
    return TEEATTEST_OK;
}

/* ---- the quote's platform ---------------------------------------------- */

int ta_tdx_quote_platform(teeattest_ctx *ctx, const uint8_t *quote,
                          size_t len, uint8_t fmspc[6], bool *platform,
                          teeattest_error *err)
{
    ta_tdx_quote q;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    if (ta_tdx_quote_parse(&q, quote, len, &e) != TEEATTEST_OK)
        return ta_error(err, TEEATTEST_E_PARSE, e.where, "quote: %s",
                        e.message);
    ta_x509_chain *chain = NULL;
    /* Certificates that fail to parse do not matter: only the leaf does. */
    int prc = ta_x509_chain_parse(ctx, &chain, q.pck_pem, q.pck_pem_len,
                                  NULL);
    if (prc == TEEATTEST_E_NOMEM)
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "out of memory");
    const ta_x509 *leaf = NULL;
    for (size_t i = 0; i < ta_x509_chain_len(chain); i++) {
        const ta_x509 *c = ta_x509_chain_get(chain, i);
        char cn[96];
        ta_x509_cn(c, false, cn, sizeof cn);
        if (strstr(cn, "SGX PCK Certificate")) {
            leaf = c;
            break;
        }
    }
    int rc = TEEATTEST_OK;
    char icn[96] = "";
    if (leaf)
        ta_x509_cn(leaf, true, icn, sizeof icn);
    if (!leaf) {
        rc = ta_error(err, TEEATTEST_E_PARSE, "pck_chain",
                      "quote: no PCK certificate in the certification data");
    } else if (strstr(icn, "Platform CA") || strstr(icn, "Processor CA")) {
        *platform = strstr(icn, "Platform CA") != NULL;
        ta_tdx_pck_ext ext;
        if (ta_tdx_pck_ext_parse(leaf, *platform, &ext, &e) != TEEATTEST_OK)
            rc = ta_error(err, TEEATTEST_E_PARSE, "pck_extension",
                          "PCK certificate: %s", e.message);
        else
            memcpy(fmspc, ext.fmspc, 6);
    } else {
        rc = ta_error(err, TEEATTEST_E_PARSE, "pck_chain",
                      "PCK certificate issuer \"%s\" is neither the PCK "
                      "Platform CA nor the PCK Processor CA", icn);
    }
    ta_x509_chain_free(chain);
    return rc;
}

/* ---- one item ---------------------------------------------------------- */

/* A printable excerpt of a PCS error header, for messages. */
static void excerpt(char *out, size_t cap, const char *v)
{
    size_t o = 0;
    for (; v && *v && o + 1 < cap; v++)
        out[o++] = (*v >= 0x20 && *v < 0x7f) ? *v : '?';
    out[o] = '\0';
}

/* GET `url` (borrowed; NULL = out of memory) into `resp` (initialised here
 * with `max`). */
static int get_item(teeattest_ctx *ctx, const char *what, const char *url,
                    uint64_t max, teeattest_http_response *resp,
                    teeattest_error *err)
{
    ta_http_response_init(resp, ctx, max, NULL, NULL);
    if (!url)
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "out of memory");
    ta_request_opts o;
    ta_service_opts(&o, FETCH_RETRIES, max);
    o.idle_ms = FETCH_IDLE_MS;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    int rc = ta_service_request(ctx, "GET", url, NULL, NULL, NULL, NULL, 0,
                                &o, resp, &e);
    if (rc) {
        ta_error_backend(err, rc, e.backend_code, what, "%s: GET %s: %s",
                         what, url, e.message);
    } else if (resp->status < 200 || resp->status > 299) {
        char code[64], msg[161];
        excerpt(code, sizeof code, ta_http_response_header(resp, "Error-Code"));
        excerpt(msg, sizeof msg,
                ta_http_response_header(resp, "Error-Message"));
        rc = ta_error_backend(err, TEEATTEST_E_HTTP_STATUS, resp->status,
                              what, "%s: HTTP %d from GET %s%s%s%s%s", what,
                              (int)resp->status, url, code[0] ? " (" : "",
                              code, msg[0] ? ": " : "", msg[0] ? msg : "");
        if (code[0] && ta_error_writable(err) &&
            strlen(err->message) + 2 < sizeof err->message)
            strcat(err->message, ")");
    } else if (!resp->body.len) {
        rc = ta_error(err, TEEATTEST_E_TRANSPORT, what,
                      "%s: empty response from GET %s", what, url);
    }
    return rc;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* An issuer chain header: URL-encoded PEM. Percent-decoding only: PCS
 * sends '+' as %2B, so a literal '+' stays '+'. *out is NULL (no error)
 * when the header is absent and not required. */
static int issuer_chain(const teeattest_ctx *ctx,
                        const teeattest_http_response *resp,
                        const char *const names[], const char *what,
                        bool required, uint8_t **out, size_t *out_len,
                        teeattest_error *err)
{
    *out = NULL;
    *out_len = 0;
    const char *v = NULL;
    for (size_t i = 0; names[i] && !v; i++)
        v = ta_http_response_header(resp, names[i]);
    if (!v || !*v) {
        if (!required)
            return TEEATTEST_OK;
        return ta_error(err, TEEATTEST_E_TRANSPORT, what,
                        "%s: the response has no %s header", what, names[0]);
    }
    size_t n = strlen(v), o = 0;
    uint8_t *d = ta_malloc(ctx, n + 1);
    if (!d)
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "out of memory");
    for (size_t i = 0; i < n; i++) {
        if (v[i] != '%') {
            d[o++] = (uint8_t)v[i];
            continue;
        }
        int hi = i + 2 < n ? hexval(v[i + 1]) : -1;
        int lo = i + 2 < n ? hexval(v[i + 2]) : -1;
        if (hi < 0 || lo < 0) {
            ta_free(ctx, d);
            return ta_error(err, TEEATTEST_E_TRANSPORT, what,
                            "%s: %s header has a bad percent escape at "
                            "offset %zu", what, names[0], i);
        }
        d[o++] = (uint8_t)(hi << 4 | lo);
        i += 2;
    }
    d[o] = '\0';
    *out = d;
    *out_len = o;
    return TEEATTEST_OK;
}

static char *url_printf(const teeattest_ctx *ctx, const char *fmt, ...)
    TA_PRINTF(2, 3);

static char *url_printf(const teeattest_ctx *ctx, const char *fmt, ...)
{
    char buf[BASE_URL_MAX + 128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof buf)
        return NULL;
    return ta_strdup(ctx, buf);
}

/* ---- the on-disk cache ---------------------------------------------------- */

enum { IT_TCB, IT_QE, IT_PCK_CRL, IT_ROOT_CRL, IT_N };

/* An entry per item, keyed by "GET <url>": the issuer chain (PEM, empty
 * when the response had none) and the body, until the collateral's
 * earliest expiry. */
static char *item_key(const teeattest_ctx *ctx, const char *url)
{
    size_t n = strlen(url);
    char *k = ta_malloc(ctx, n + 5);
    if (k) {
        memcpy(k, "GET ", 4);
        memcpy(k + 4, url, n + 1);
    }
    return k;
}

/* A tampered entry is fetched anew rather than failing the verification:
 * the TCB Info and QE Identity signatures must verify under the leaf of
 * their issuer chains, and each chain must be linked by signatures up to
 * a self-signed top certificate. Which root that is, the CRLs and every
 * date are judged at verification, as for fetched collateral. */
static bool chain_linked(teeattest_ctx *ctx, const ta_tdx_chain *ch)
{
    size_t n = ta_x509_chain_len(ch->chain);
    if (!n || ch->error)
        return false;
    for (size_t i = 0; i < n; i++) {
        const ta_x509 *sub = ta_x509_chain_get(ch->chain, i);
        const ta_x509 *iss = ta_x509_chain_get(ch->chain, i + 1 < n ? i + 1
                                                                    : i);
        if (ta_x509_verify_link(ctx, iss, sub) != TEEATTEST_OK)
            return false;
    }
    return true;
}

static bool doc_signed(teeattest_ctx *ctx, const ta_tdx_signed_doc *d,
                       const ta_tdx_chain *ch)
{
    uint8_t pub[65], h[32];
    const ta_x509 *leaf = ta_x509_chain_get(ch->chain, 0);
    return d->have_span && !d->error && leaf &&
           ta_x509_ec_point(leaf, TEEATTEST_CURVE_P256, pub, sizeof pub) ==
               TEEATTEST_OK &&
           ta_sha256(ctx, h, d->text + d->body_off, d->body_len) ==
               TEEATTEST_OK &&
           ta_ecdsa_verify(ctx, TEEATTEST_CURVE_P256, pub, sizeof pub, h,
                           sizeof h, d->sig, sizeof d->sig) == TEEATTEST_OK;
}

static bool collateral_selfcheck(teeattest_ctx *ctx,
                                 const ta_tdx_collateral *c)
{
    return chain_linked(ctx, &c->tcb_info_chain) &&
           chain_linked(ctx, &c->qe_identity_chain) &&
           doc_signed(ctx, &c->tcb_info.doc, &c->tcb_info_chain) &&
           doc_signed(ctx, &c->qe_identity.doc, &c->qe_identity_chain) &&
           c->pck_crl.loaded && c->root_ca_crl.loaded;
}

static ta_tdx_collateral *collateral_from_cache(teeattest_ctx *ctx,
                                                char *const urls[IT_N],
                                                int64_t now)
{
    uint8_t *blobs[IT_N] = {NULL, NULL, NULL, NULL};
    ta_cache_part p[IT_N][2];
    bool all = true;
    for (int i = 0; i < IT_N && all; i++) {
        char *k = item_key(ctx, urls[i]);
        all = k && ta_cache_load(ctx, k, now, &blobs[i], p[i], 2, NULL) ==
                       TEEATTEST_OK && p[i][1].len > 0;
        ta_free(ctx, k);
    }
    ta_tdx_collateral *col = NULL;
    if (all) {
        ta_tdx_collateral_parts parts;
        memset(&parts, 0, sizeof parts);
        parts.tcb_info = p[IT_TCB][1].p;
        parts.tcb_info_len = p[IT_TCB][1].len;
        parts.tcb_info_chain = p[IT_TCB][0].p;
        parts.tcb_info_chain_len = p[IT_TCB][0].len;
        parts.qe_identity = p[IT_QE][1].p;
        parts.qe_identity_len = p[IT_QE][1].len;
        parts.qe_identity_chain = p[IT_QE][0].p;
        parts.qe_identity_chain_len = p[IT_QE][0].len;
        parts.pck_crl = p[IT_PCK_CRL][1].p;
        parts.pck_crl_len = p[IT_PCK_CRL][1].len;
        parts.pck_crl_chain = p[IT_PCK_CRL][0].len ? p[IT_PCK_CRL][0].p
                                                   : NULL;
        parts.pck_crl_chain_len = p[IT_PCK_CRL][0].len;
        parts.root_ca_crl = p[IT_ROOT_CRL][1].p;
        parts.root_ca_crl_len = p[IT_ROOT_CRL][1].len;
        teeattest_error e = TEEATTEST_ERROR_INIT;
        if (ta_tdx_collateral_from_parts(ctx, &parts, &col, &e) !=
            TEEATTEST_OK) {
            ta_log(ctx, TEEATTEST_LOG_DEBUG, "cache: TDX collateral "
                   "ignored: %s", e.message);
            col = NULL;
        } else if (ta_tdx_collateral_expiry(col) <= now ||
                   !collateral_selfcheck(ctx, col)) {
            ta_log(ctx, TEEATTEST_LOG_DEBUG, "cache: TDX collateral "
                   "ignored: expired, or a signature does not verify");
            ta_tdx_collateral_free(col);
            col = NULL;
        }
    }
    for (int i = 0; i < IT_N; i++)
        ta_free(ctx, blobs[i]);
    return col;
}

static void collateral_to_cache(teeattest_ctx *ctx, char *const urls[IT_N],
                                const teeattest_http_response resp[IT_N],
                                uint8_t *const chains[IT_N],
                                const size_t chain_lens[IT_N],
                                int64_t expires)
{
    int64_t now = teeattest_ctx_now(ctx);
    for (int i = 0; i < IT_N; i++) {
        char *k = item_key(ctx, urls[i]);
        if (!k)
            return;
        ta_cache_part p[2] = {{chains[i], chains[i] ? chain_lens[i] : 0},
                              {resp[i].body.data, resp[i].body.len}};
        ta_cache_store(ctx, k, now, expires, p, 2);
        ta_free(ctx, k);
    }
}

/* ---- the public entry point --------------------------------------------- */

TEEATTEST_API int teeattest_collateral_fetch(teeattest_ctx *ctx,
                                             teeattest_collateral **out,
                                             const char *base_url,
                                             const uint8_t *quote,
                                             size_t quote_len,
                                             teeattest_error *err)
{
    if (out)
        *out = NULL;
    if (!ctx || !out || !quote || !quote_len)
        return TA_INVALID(err, !ctx ? "ctx is NULL" : !out ? "out is NULL"
                               : "quote is empty");
    if (quote_len > TEEATTEST_TDX_QUOTE_MAX)
        return ta_error(err, TEEATTEST_E_PARSE, "quote",
                        "quote of %zu bytes exceeds the %u-byte limit",
                        quote_len, TEEATTEST_TDX_QUOTE_MAX);
    if (!ctx->has_transport && !ta_curl_available())
        return ta_error(err, TEEATTEST_E_UNSUPPORTED, NULL,
                        "this build of libteeattest has no libcurl "
                        "transport; give the context a transport");
    uint8_t fmspc[6];
    bool platform = false;
    int rc = ta_tdx_quote_platform(ctx, quote, quote_len, fmspc, &platform, err);
    if (rc)
        return rc;
    char *base = NULL;
    bool intel = false;
    rc = normalise_base(ctx, base_url ? base_url : TEEATTEST_INTEL_PCS_URL,
                        &base, &intel, err);
    if (rc)
        return rc;
    char fm[13];
    ta_hex_encode(fm, fmspc, 6);
    for (char *p = fm; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 'a' + 'A'); /* PCCS keys its cache upper-case */
    const char *ca = platform ? "platform" : "processor";

    ta_tdx_collateral *col = ta_tdx_cache_lookup(ctx, base, fmspc, platform,
                                                 teeattest_ctx_now(ctx));
    rc = TEEATTEST_OK;
    if (col) {
        ta_log(ctx, TEEATTEST_LOG_DEBUG, "TDX collateral for FMSPC %s (%s CA) "
               "from the context cache", fm, ca);
        ta_free(ctx, base);
        return ta_collateral_wrap(ctx, col, out, err);
    }

    static const char *const tcb_hdr[] = {"TCB-Info-Issuer-Chain",
                                          "SGX-TCB-Info-Issuer-Chain", NULL};
    static const char *const qe_hdr[] = {"SGX-Enclave-Identity-Issuer-Chain",
                                         NULL};
    static const char *const crl_hdr[] = {"SGX-PCK-CRL-Issuer-Chain", NULL};
    static const char *const no_hdr[] = {NULL};
    static const struct {
        const char *what;
        const char *const *hdr;
        bool required;
        uint64_t max;
    } items[IT_N] = {
        {"TCB Info", tcb_hdr, true, TCB_INFO_MAX},
        {"QE Identity", qe_hdr, true, QE_IDENTITY_MAX},
        {"PCK CRL", crl_hdr, false, PCK_CRL_MAX},
        {"root CA CRL", no_hdr, false, ROOT_CRL_MAX},
    };
    char *urls[IT_N];
    urls[IT_TCB] = url_printf(ctx, "%s/tdx/certification/v4/tcb?fmspc=%s",
                              base, fm);
    urls[IT_QE] = url_printf(ctx, "%s/tdx/certification/v4/qe/identity",
                             base);
    urls[IT_PCK_CRL] = url_printf(ctx, "%s/sgx/certification/v4/pckcrl?ca=%s"
                                  "&encoding=der", base, ca);
    urls[IT_ROOT_CRL] = intel ? ta_strdup(ctx, INTEL_ROOT_CRL_URL)
                              : url_printf(ctx, "%s/sgx/certification/v4/"
                                           "rootcacrl", base);
    for (int i = 0; i < IT_N && !rc; i++)
        if (!urls[i])
            rc = ta_error(err, TEEATTEST_E_NOMEM, NULL, "out of memory");

    /* The on-disk cache first: used only if every item is there, framed
     * and unexpired, and the collateral they make parses and is still
     * valid now; otherwise everything is fetched. */
    if (!rc && ta_cache_enabled(ctx)) {
        col = collateral_from_cache(ctx, urls, teeattest_ctx_now(ctx));
        if (col)
            ta_log(ctx, TEEATTEST_LOG_DEBUG, "TDX collateral for FMSPC %s "
                   "(%s CA) from the on-disk cache", fm, ca);
    }
    teeattest_http_response resp[IT_N];
    uint8_t *chains[IT_N] = {NULL, NULL, NULL, NULL};
    size_t chain_lens[IT_N] = {0, 0, 0, 0};
    int done = 0;
    for (int i = 0; i < IT_N && !rc && !col; i++) {
        rc = get_item(ctx, items[i].what, urls[i], items[i].max, &resp[i],
                      err);
        done++;
        if (!rc && items[i].hdr[0])
            rc = issuer_chain(ctx, &resp[i], items[i].hdr, items[i].what,
                              items[i].required, &chains[i], &chain_lens[i],
                              err);
    }
    if (!rc && !col) {
        ta_tdx_collateral_parts parts;
        memset(&parts, 0, sizeof parts);
        parts.tcb_info = resp[IT_TCB].body.data;
        parts.tcb_info_len = resp[IT_TCB].body.len;
        parts.tcb_info_chain = chains[IT_TCB];
        parts.tcb_info_chain_len = chain_lens[IT_TCB];
        parts.qe_identity = resp[IT_QE].body.data;
        parts.qe_identity_len = resp[IT_QE].body.len;
        parts.qe_identity_chain = chains[IT_QE];
        parts.qe_identity_chain_len = chain_lens[IT_QE];
        parts.pck_crl = resp[IT_PCK_CRL].body.data;
        parts.pck_crl_len = resp[IT_PCK_CRL].body.len;
        parts.pck_crl_chain = chains[IT_PCK_CRL];
        parts.pck_crl_chain_len = chain_lens[IT_PCK_CRL];
        parts.root_ca_crl = resp[IT_ROOT_CRL].body.data;
        parts.root_ca_crl_len = resp[IT_ROOT_CRL].body.len;
        rc = ta_tdx_collateral_from_parts(ctx, &parts, &col, err);
        /* Kept only when it would pass the check made when loading it:
         * a malformed or badly signed item would only cost a fetch later,
         * and the next process would fetch it anyway. */
        if (!rc && ta_cache_enabled(ctx) && collateral_selfcheck(ctx, col))
            collateral_to_cache(ctx, urls, resp, chains, chain_lens,
                                ta_tdx_collateral_expiry(col));
    }
    for (int i = 0; i < done; i++)
        ta_http_response_clear(&resp[i]);
    for (int i = 0; i < IT_N; i++) {
        ta_free(ctx, chains[i]);
        ta_free(ctx, urls[i]);
    }
    if (!rc) {
        /* Not being able to cache costs a later fetch, not this one. */
        if (ta_tdx_cache_store(ctx, base, fmspc, platform, col,
                               teeattest_ctx_now(ctx)) != TEEATTEST_OK)
            ta_log(ctx, TEEATTEST_LOG_WARN, "TDX collateral not cached: out "
                   "of memory");
        rc = ta_collateral_wrap(ctx, col, out, err);
    }
    ta_free(ctx, base);
    return rc;
}
