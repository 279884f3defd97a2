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

/* GET `url` (taken over: freed here) into `resp` (initialised here with
 * `max`). */
static int get_item(teeattest_ctx *ctx, const char *what, char *url,
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
    ta_free(ctx, url);
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

/* ---- the public entry point --------------------------------------------- */

enum { IT_TCB, IT_QE, IT_PCK_CRL, IT_ROOT_CRL, IT_N };

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
    teeattest_http_response resp[IT_N];
    uint8_t *tcb_chain = NULL, *qe_chain = NULL, *crl_chain = NULL;
    size_t tcb_chain_len = 0, qe_chain_len = 0, crl_chain_len = 0;
    int done = 0;

    rc = get_item(ctx, "TCB Info",
                  url_printf(ctx, "%s/tdx/certification/v4/tcb?fmspc=%s",
                             base, fm), TCB_INFO_MAX, &resp[IT_TCB], err);
    done++;
    if (!rc)
        rc = issuer_chain(ctx, &resp[IT_TCB], tcb_hdr, "TCB Info", true,
                          &tcb_chain, &tcb_chain_len, err);
    if (!rc) {
        rc = get_item(ctx, "QE Identity",
                      url_printf(ctx, "%s/tdx/certification/v4/qe/identity",
                                 base), QE_IDENTITY_MAX, &resp[IT_QE], err);
        done++;
    }
    if (!rc)
        rc = issuer_chain(ctx, &resp[IT_QE], qe_hdr, "QE Identity", true,
                          &qe_chain, &qe_chain_len, err);
    if (!rc) {
        rc = get_item(ctx, "PCK CRL",
                      url_printf(ctx, "%s/sgx/certification/v4/pckcrl?ca=%s"
                                 "&encoding=der", base, ca),
                      PCK_CRL_MAX, &resp[IT_PCK_CRL], err);
        done++;
    }
    if (!rc)
        rc = issuer_chain(ctx, &resp[IT_PCK_CRL], crl_hdr, "PCK CRL", false,
                          &crl_chain, &crl_chain_len, err);
    if (!rc) {
        rc = get_item(ctx, "root CA CRL",
                      intel ? ta_strdup(ctx, INTEL_ROOT_CRL_URL)
                            : url_printf(ctx, "%s/sgx/certification/v4/"
                                         "rootcacrl", base),
                      ROOT_CRL_MAX, &resp[IT_ROOT_CRL], err);
        done++;
    }
    if (!rc) {
        ta_tdx_collateral_parts parts;
        memset(&parts, 0, sizeof parts);
        parts.tcb_info = resp[IT_TCB].body.data;
        parts.tcb_info_len = resp[IT_TCB].body.len;
        parts.tcb_info_chain = tcb_chain;
        parts.tcb_info_chain_len = tcb_chain_len;
        parts.qe_identity = resp[IT_QE].body.data;
        parts.qe_identity_len = resp[IT_QE].body.len;
        parts.qe_identity_chain = qe_chain;
        parts.qe_identity_chain_len = qe_chain_len;
        parts.pck_crl = resp[IT_PCK_CRL].body.data;
        parts.pck_crl_len = resp[IT_PCK_CRL].body.len;
        parts.pck_crl_chain = crl_chain;
        parts.pck_crl_chain_len = crl_chain_len;
        parts.root_ca_crl = resp[IT_ROOT_CRL].body.data;
        parts.root_ca_crl_len = resp[IT_ROOT_CRL].body.len;
        rc = ta_tdx_collateral_from_parts(ctx, &parts, &col, err);
    }
    for (int i = 0; i < done; i++)
        ta_http_response_clear(&resp[i]);
    ta_free(ctx, tcb_chain);
    ta_free(ctx, qe_chain);
    ta_free(ctx, crl_chain);
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
