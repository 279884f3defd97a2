/*
 * The provider object, its settings, the dialect registry, and the request
 * builders the dialect files share.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "report.h"

extern const ta_dialect ta_dialect_phala, ta_dialect_redpill,
    ta_dialect_nearai, ta_dialect_nanogpt, ta_dialect_venice,
    ta_dialect_ionet, ta_dialect_chutes, ta_dialect_tinfoil,
    ta_dialect_generic, ta_dialect_aci;

static const ta_dialect *const dialects[] = {
    &ta_dialect_phala,  &ta_dialect_redpill, &ta_dialect_nearai,
    &ta_dialect_nanogpt, &ta_dialect_venice, &ta_dialect_ionet,
    &ta_dialect_chutes, &ta_dialect_tinfoil, &ta_dialect_generic,
    &ta_dialect_aci,
};

/* Options every dialect understands. */
static const char *const common_options[] = {
    "signing_algo", "ca_file", "pinned_key", "user_agent", "max_retries", NULL,
};

/* Longest model, option value or API key accepted. */
#define TA_SETTING_MAX 4096
#define TA_URL_MAX 2048
/* Defaults documented in provider.h. */
#define TA_CONNECT_MS 10000u
#define TA_TOTAL_MS 120000u
#define TA_IDLE_MS 30000u
#define TA_MAX_BODY (64u * 1024u * 1024u)

const ta_dialect *ta_dialect_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < TA_ARRAY_LEN(dialects); i++)
        if (strcmp(dialects[i]->name, name) == 0)
            return dialects[i];
    return NULL;
}

TEEATTEST_API const char *teeattest_dialect_name(size_t index)
{
    return index < TA_ARRAY_LEN(dialects) ? dialects[index]->name : NULL;
}

TEEATTEST_API const char *teeattest_dialect_api_key_env(const char *name)
{
    const ta_dialect *d = ta_dialect_find(name);
    return d ? d->api_key_env : NULL;
}

TEEATTEST_API int teeattest_dialect_info(const char *name,
                                         const char **base_url,
                                         const char **summary,
                                         teeattest_error *err)
{
    if (!name)
        return TA_INVALID(err, "name is NULL");
    const ta_dialect *d = ta_dialect_find(name);
    if (!d)
        return ta_error(err, TEEATTEST_E_NOT_FOUND, "name",
                        "unknown dialect \"%.40s\" (see teeattest providers)",
                        name);
    if (base_url)
        *base_url = d->base_url;
    if (summary)
        *summary = d->summary;
    return TEEATTEST_OK;
}

/* ---- provider ---------------------------------------------------------- */

static int replace(teeattest_provider *p, char **slot, const char *value,
                   bool secret, teeattest_error *err)
{
    char *copy = NULL;
    if (value) {
        if (strlen(value) > TA_SETTING_MAX)
            return ta_error(err, TEEATTEST_E_TOO_LARGE, NULL,
                            "setting longer than %d bytes", TA_SETTING_MAX);
        if (!(copy = ta_strdup(p->ctx, value)))
            return ta_error(err, TEEATTEST_E_NOMEM, NULL, "copying setting");
    }
    if (secret)
        ta_free_secret(p->ctx, *slot);
    else
        ta_free(p->ctx, *slot);
    *slot = copy;
    return TEEATTEST_OK;
}

/* Length of `url`'s authority with a default port (":443" for https,
 * ":80" for http) left out; *auth points at it. `url` starts with http://
 * or https:// (set_base_url checked it). */
static size_t authority(const char *url, const char **auth)
{
    bool tls = strncasecmp(url, "https://", 8) == 0;
    const char *a = url + (tls ? 8 : 7);
    size_t n = strcspn(a, "/");
    const char *def = tls ? ":443" : ":80";
    size_t dl = strlen(def);
    if (n > dl && memcmp(a + n - dl, def, dl) == 0)
        n -= dl;
    *auth = a;
    return n;
}

/* Whether two base URLs share scheme, host and port. Anything spelled
 * differently (user info, a leading zero in the port, a trailing dot)
 * counts as another origin: the error is then a dropped key, never a key
 * sent to another host. */
static bool same_origin(const char *u, const char *v)
{
    if ((strncasecmp(u, "https://", 8) == 0) !=
        (strncasecmp(v, "https://", 8) == 0))
        return false;
    const char *a, *b;
    size_t an = authority(u, &a), bn = authority(v, &b);
    return an == bn && strncasecmp(a, b, an) == 0;
}

static int set_base_url(teeattest_provider *p, const char *url,
                        teeattest_error *err)
{
    if (strlen(url) > TA_URL_MAX)
        return ta_error(err, TEEATTEST_E_INVALID_ARG, NULL,
                        "base URL longer than %d bytes", TA_URL_MAX);
    if (strncasecmp(url, "https://", 8) != 0 &&
        strncasecmp(url, "http://", 7) != 0)
        return ta_error(err, TEEATTEST_E_INVALID_ARG, NULL,
                        "base URL must start with https:// or http://");
    for (const char *c = url; *c; c++)
        if ((unsigned char)*c <= 0x20 || *c == 0x7f || *c == '?' || *c == '#')
            return ta_error(err, TEEATTEST_E_INVALID_ARG, NULL,
                            "base URL must not contain spaces, control "
                            "characters, a query or a fragment");
    /* The key belongs to the origin it was set for: another origin never
     * receives it (provider.h). */
    bool moved = p->base_url && !same_origin(p->base_url, url);
    int rc = replace(p, &p->base_url, url, false, err);
    if (rc)
        return rc;
    if (moved)
        replace(p, &p->api_key, NULL, true, NULL);
    size_t n = strlen(p->base_url);
    while (n > 8 && p->base_url[n - 1] == '/')
        p->base_url[--n] = '\0';
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_provider_new(teeattest_ctx *ctx,
                                         teeattest_provider **out,
                                         const char *dialect,
                                         teeattest_error *err)
{
    if (out)
        *out = NULL;
    if (!ctx || !out || !dialect)
        return TA_INVALID(err, !ctx ? "ctx is NULL"
                               : !out ? "out is NULL" : "dialect is NULL");
    const ta_dialect *d = ta_dialect_find(dialect);
    if (!d)
        return ta_error(err, TEEATTEST_E_NOT_FOUND, NULL,
                        "unknown dialect \"%.40s\" (see teeattest providers)",
                        dialect);
    teeattest_provider *p = ta_calloc(ctx, 1, sizeof *p);
    if (!p)
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "allocating provider");
    p->ctx = teeattest_ctx_ref(ctx);
    atomic_init(&p->refs, 1);
    p->dialect = d;
    p->max_retries = 2;
    p->connect_ms = TA_CONNECT_MS;
    p->total_ms = TA_TOTAL_MS;
    p->idle_ms = TA_IDLE_MS;
    p->max_body = TA_MAX_BODY;
    /* No key: the library never reads the environment. Keys come only
     * from teeattest_provider_set_api_key(). */
    int rc = TEEATTEST_OK;
    if (d->base_url)
        rc = set_base_url(p, d->base_url, err);
    if (rc) {
        teeattest_provider_free(p);
        return rc;
    }
    *out = p;
    return TEEATTEST_OK;
}

TEEATTEST_API teeattest_provider *teeattest_provider_ref(teeattest_provider *p)
{
    if (p)
        atomic_fetch_add(&p->refs, 1);
    return p;
}

TEEATTEST_API void teeattest_provider_free(teeattest_provider *p)
{
    if (!p || atomic_fetch_sub(&p->refs, 1) != 1)
        return;
    teeattest_ctx *ctx = p->ctx;
    ta_free(ctx, p->base_url);
    ta_free_secret(ctx, p->api_key);
    ta_free(ctx, p->model);
    ta_free(ctx, p->signing_algo);
    ta_free(ctx, p->ca_file);
    ta_free(ctx, p->pinned_key);
    ta_free(ctx, p->user_agent);
    for (size_t i = 0; i < p->n_opts; i++) {
        ta_free(ctx, p->opt_names[i]);
        ta_free(ctx, p->opt_values[i]);
    }
    ta_free(ctx, p->opt_names);
    ta_free(ctx, p->opt_values);
    ta_free(ctx, p);
    teeattest_ctx_free(ctx);
}

TEEATTEST_API const char *teeattest_provider_dialect(
    const teeattest_provider *p)
{
    return p ? p->dialect->name : NULL;
}

TEEATTEST_API int teeattest_provider_set_base_url(teeattest_provider *p,
                                                  const char *url,
                                                  teeattest_error *err)
{
    if (!p || !url)
        return TA_INVALID(err, !p ? "provider is NULL" : "url is NULL");
    return set_base_url(p, url, err);
}

TEEATTEST_API int teeattest_provider_set_api_key(teeattest_provider *p,
                                                 const char *key,
                                                 teeattest_error *err)
{
    if (!p)
        return TA_INVALID(err, "provider is NULL");
    if (key)
        for (const char *c = key; *c; c++)
            if ((unsigned char)*c < 0x21 || *c == 0x7f)
                return ta_error(err, TEEATTEST_E_INVALID_ARG, NULL,
                                "API key contains white space or control "
                                "characters");
    return replace(p, &p->api_key, key && *key ? key : NULL, true, err);
}

TEEATTEST_API int teeattest_provider_set_model(teeattest_provider *p,
                                               const char *model,
                                               teeattest_error *err)
{
    if (!p)
        return TA_INVALID(err, "provider is NULL");
    return replace(p, &p->model, model && *model ? model : NULL, false, err);
}

static bool in_list(const char *const *list, const char *name)
{
    for (; list && *list; list++)
        if (strcmp(*list, name) == 0)
            return true;
    return false;
}

static bool has_control(const char *v)
{
    for (; *v; v++)
        if ((unsigned char)*v < 0x20 || *v == 0x7f)
            return true;
    return false;
}

/* Reject malformed values when they are set, not when a request is built
 * much later: the caller learns which option was wrong. */
static int check_value(const char *name, const char *value,
                       teeattest_error *err)
{
    if (!value)
        return TEEATTEST_OK;
    if (has_control(value))
        return ta_error(err, TEEATTEST_E_INVALID_ARG, NULL,
                        "option %.40s: value holds control characters", name);
    if (strcmp(name, "user_agent") == 0 && strlen(value) > 256)
        return ta_error(err, TEEATTEST_E_INVALID_ARG, NULL,
                        "option user_agent: longer than 256 bytes");
    if (strcmp(name, "include_tls_fingerprint") == 0 &&
        strcmp(value, "true") != 0 && strcmp(value, "false") != 0)
        return ta_error(err, TEEATTEST_E_INVALID_ARG, NULL,
                        "option include_tls_fingerprint: \"true\" or \"false\"");
    size_t nl = strlen(name);
    if (nl > 5 && strcmp(name + nl - 5, "_path") == 0) {
        if (value[0] != '/')
            return ta_error(err, TEEATTEST_E_INVALID_ARG, NULL,
                            "option %.40s: a path template starts with '/'",
                            name);
        bool open = false;
        for (const char *c = value; *c; c++) {
            if (*c == ' ' || (*c == '{' && open) || (*c == '}' && !open))
                return ta_error(err, TEEATTEST_E_INVALID_ARG, NULL,
                                "option %.40s: malformed path template at "
                                "offset %zu", name, (size_t)(c - value));
            if (*c == '{' || *c == '}')
                open = *c == '{';
        }
        if (open)
            return ta_error(err, TEEATTEST_E_INVALID_ARG, NULL,
                            "option %.40s: unterminated placeholder in a "
                            "path template", name);
    }
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_provider_set_option(teeattest_provider *p,
                                                const char *name,
                                                const char *value,
                                                teeattest_error *err)
{
    if (!p || !name)
        return TA_INVALID(err, !p ? "provider is NULL" : "name is NULL");
    if (!in_list(common_options, name) &&
        !in_list(p->dialect->options, name)) {
        char valid[256] = "";
        size_t o = 0;
        /* Stop appending once full: valid + o must stay inside valid. */
        for (const char *const *l = common_options; *l && o < sizeof valid; l++)
            o += (size_t)snprintf(valid + o, sizeof valid - o, "%s%s",
                                  o ? ", " : "", *l);
        for (const char *const *l = p->dialect->options;
             l && *l && o < sizeof valid; l++)
            o += (size_t)snprintf(valid + o, sizeof valid - o, ", %s", *l);
        return ta_error(err, TEEATTEST_E_NOT_FOUND, NULL,
                        "dialect %s has no option \"%.40s\" (valid: %s)",
                        p->dialect->name, name, valid);
    }
    int vrc = check_value(name, value, err);
    if (vrc)
        return vrc;
    if (strcmp(name, "signing_algo") == 0) {
        if (value && strcmp(value, "ecdsa") != 0 &&
            strcmp(value, "ed25519") != 0)
            return ta_error(err, TEEATTEST_E_SIG_ALGO, NULL,
                            "signing_algo must be \"ecdsa\" or \"ed25519\"");
        return replace(p, &p->signing_algo, value, false, err);
    }
    if (strcmp(name, "ca_file") == 0)
        return replace(p, &p->ca_file, value, false, err);
    if (strcmp(name, "pinned_key") == 0)
        return replace(p, &p->pinned_key, value, false, err);
    if (strcmp(name, "user_agent") == 0)
        return replace(p, &p->user_agent, value, false, err);
    if (strcmp(name, "max_retries") == 0) {
        char *end = NULL;
        unsigned long n = value ? strtoul(value, &end, 10) : 2;
        if (value && (!*value || *end || n > 10))
            return ta_error(err, TEEATTEST_E_INVALID_ARG, NULL,
                            "max_retries must be a number from 0 to 10");
        p->max_retries = (uint32_t)n;
        return TEEATTEST_OK;
    }
    for (size_t i = 0; i < p->n_opts; i++)
        if (strcmp(p->opt_names[i], name) == 0)
            return replace(p, &p->opt_values[i], value, false, err);
    char **names = ta_realloc(p->ctx, p->opt_names,
                              (p->n_opts + 1) * sizeof *names);
    if (!names)
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "storing option");
    p->opt_names = names;
    char **values = ta_realloc(p->ctx, p->opt_values,
                               (p->n_opts + 1) * sizeof *values);
    if (!values)
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "storing option");
    p->opt_values = values;
    names[p->n_opts] = ta_strdup(p->ctx, name);
    values[p->n_opts] = NULL;
    if (!names[p->n_opts])
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "storing option");
    p->n_opts++;
    return replace(p, &p->opt_values[p->n_opts - 1], value, false, err);
}

TEEATTEST_API int teeattest_provider_set_timeouts(teeattest_provider *p,
                                                  uint32_t connect_ms,
                                                  uint32_t total_ms,
                                                  uint32_t idle_ms)
{
    if (!p)
        return TEEATTEST_E_INVALID_ARG;
    p->connect_ms = connect_ms ? connect_ms : TA_CONNECT_MS;
    p->total_ms = total_ms ? total_ms : TA_TOTAL_MS;
    p->idle_ms = idle_ms ? idle_ms : TA_IDLE_MS;
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_provider_set_max_body_size(teeattest_provider *p,
                                                       uint64_t max)
{
    if (!p)
        return TEEATTEST_E_INVALID_ARG;
    p->max_body = max ? max : TA_MAX_BODY;
    return TEEATTEST_OK;
}

const char *ta_provider_option(const teeattest_provider *p, const char *name)
{
    for (size_t i = 0; i < p->n_opts; i++)
        if (strcmp(p->opt_names[i], name) == 0)
            return p->opt_values[i];
    return NULL;
}

const char *ta_provider_algo(const teeattest_provider *p)
{
    return p->signing_algo ? p->signing_algo : "ecdsa";
}

/* ---- request builders -------------------------------------------------- */

static int pct_encode(ta_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
            c == '~') {
            if (ta_buf_append(b, &c, 1))
                return TEEATTEST_E_NOMEM;
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            if (ta_buf_append(b, e, 3))
                return TEEATTEST_E_NOMEM;
        }
    }
    return TEEATTEST_OK;
}

static const char *var_value(const teeattest_provider *p, const ta_vars *v,
                             const char *name, size_t len)
{
#define IS(s) (len == sizeof(s) - 1 && memcmp(name, s, len) == 0)
    if (IS("model"))
        return p->model;
    if (IS("nonce"))
        return v ? v->nonce : NULL;
    if (IS("algo"))
        return v && v->algo ? v->algo : ta_provider_algo(p);
    if (IS("id"))
        return v ? v->id : NULL;
    if (IS("signing_address"))
        return v ? v->signing_address : NULL;
    if (len > 4 && memcmp(name, "opt:", 4) == 0) {
        char opt[64];
        if (len - 4 >= sizeof opt)
            return NULL;
        memcpy(opt, name + 4, len - 4);
        opt[len - 4] = '\0';
        return ta_provider_option(p, opt);
    }
    return NULL;
#undef IS
}

/* Expand one URL piece (a path, or one "k=v" query parameter) into b.
 * *empty is set when a placeholder in it had no value. */
static int expand(ta_buf *b, const teeattest_provider *p, const ta_vars *v,
                  const char *s, size_t len, bool *empty,
                  teeattest_error *err)
{
    for (size_t i = 0; i < len;) {
        if (s[i] != '{') {
            if (ta_buf_append(b, s + i, 1))
                return TEEATTEST_E_NOMEM;
            i++;
            continue;
        }
        const char *close = memchr(s + i, '}', len - i);
        if (!close)
            return ta_error(err, TEEATTEST_E_INVALID_ARG, NULL,
                            "unterminated placeholder in a path template");
        size_t nlen = (size_t)(close - (s + i + 1));
        const char *val = var_value(p, v, s + i + 1, nlen);
        if (!val || !*val)
            *empty = true;
        else if (pct_encode(b, val))
            return TEEATTEST_E_NOMEM;
        i += nlen + 2;
    }
    return TEEATTEST_OK;
}

static int build_url(const teeattest_provider *p, const char *tmpl,
                     const ta_vars *v, char **out, teeattest_error *err)
{
    ta_buf b;
    ta_buf_init(&b, p->ctx, 64 * 1024);
    int rc = TEEATTEST_OK;
    if (ta_buf_append_str(&b, p->base_url))
        rc = TEEATTEST_E_NOMEM;
    const char *q = strchr(tmpl, '?');
    size_t plen = q ? (size_t)(q - tmpl) : strlen(tmpl);
    bool empty = false;
    if (!rc)
        rc = expand(&b, p, v, tmpl, plen, &empty, err);
    if (!rc && empty)
        rc = ta_error(err, TEEATTEST_E_INVALID_ARG, NULL,
                      "the request path needs a value the provider does not "
                      "have (a model or an option; see teeattest providers)");
    bool first = true;
    for (const char *s = q ? q + 1 : NULL; !rc && s && *s;) {
        const char *amp = strchr(s, '&');
        size_t len = amp ? (size_t)(amp - s) : strlen(s);
        size_t mark = b.len;
        empty = false;
        if (ta_buf_append(&b, first ? "?" : "&", 1))
            rc = TEEATTEST_E_NOMEM;
        if (!rc)
            rc = expand(&b, p, v, s, len, &empty, err);
        if (!rc && empty)
            b.len = mark; /* optional parameter without a value */
        else
            first = false;
        s = amp ? amp + 1 : NULL;
    }
    if (!rc && ta_buf_terminate(&b))
        rc = TEEATTEST_E_NOMEM;
    if (rc) {
        ta_buf_free(&b);
        return rc == TEEATTEST_E_NOMEM
                   ? ta_error(err, rc, NULL, "building request URL")
                   : rc;
    }
    size_t n;
    *out = (char *)ta_buf_steal(&b, &n);
    return TEEATTEST_OK;
}

static int common_headers(const teeattest_provider *p, ta_call *c,
                          const char *accept)
{
    int rc = ta_call_add_header(p->ctx, c, "Accept", accept);
    if (!rc && p->api_key)
        rc = ta_call_add_bearer(p->ctx, c, p->api_key);
    return rc;
}

int ta_dialect_get(const teeattest_provider *p, ta_call *out,
                   const char *tmpl, const ta_vars *v, bool idempotent,
                   teeattest_error *err)
{
    memset(out, 0, sizeof *out);
    out->method = "GET";
    out->idempotent = idempotent;
    int rc = build_url(p, tmpl, v, &out->url, err);
    if (rc)
        return rc;
    if (common_headers(p, out, "application/json"))
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "building request");
    return TEEATTEST_OK;
}

int ta_dialect_post(const teeattest_provider *p, ta_call *out,
                    const char *tmpl, const ta_vars *v, const uint8_t *body,
                    size_t body_len, bool stream, teeattest_error *err)
{
    memset(out, 0, sizeof *out);
    out->method = "POST";
    int rc = build_url(p, tmpl, v, &out->url, err);
    if (rc)
        return rc;
    out->body = ta_malloc(p->ctx, body_len ? body_len : 1);
    if (!out->body ||
        common_headers(p, out, stream ? "text/event-stream" : "application/json") ||
        ta_call_add_header(p->ctx, out, "Content-Type", "application/json"))
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "building request");
    if (body_len)
        memcpy(out->body, body, body_len);
    out->body_len = body_len;
    return TEEATTEST_OK;
}

int ta_dialect_parse_any(teeattest_report *r, const uint8_t *json,
                         size_t json_len, teeattest_error *err)
{
    return ta_report_parse_document(r, json, json_len, err);
}
