/*
 * TCB Info (TDX, v3) and QE Identity (TD_QE, v2) documents: signed-body
 * extraction over the raw response bytes (spec 5: never re-serialised),
 * body parsing and validation (4.5, 4.6), and the TCB evaluation (4.11 -
 * 4.13): level selection with the byte-1 rule, TDX module identities,
 * Intel's status convergence and the TD relaunch rule.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tdx.h"

#define DOC_MAX (1u << 20)

static const char *const status_names[] = {
    "None", "UpToDate", "SWHardeningNeeded", "ConfigurationNeeded",
    "ConfigurationAndSWHardeningNeeded", "OutOfDate",
    "OutOfDateConfigurationNeeded", "TDRelaunchAdvised",
    "TDRelaunchAdvisedConfigurationNeeded", "Revoked",
    "TCB level not supported",
};

const char *ta_tdx_status_name(ta_tdx_status s)
{
    if ((unsigned)s < TA_ARRAY_LEN(status_names))
        return status_names[s];
    return "None";
}

ta_tdx_status ta_tdx_status_parse(const char *s)
{
    /* Only the statuses a TCB level may carry. */
    for (int i = TA_TDX_UP_TO_DATE; i <= TA_TDX_OUT_OF_DATE_CONFIGURATION_NEEDED; i++)
        if (strcmp(s, status_names[i]) == 0)
            return (ta_tdx_status)i;
    if (strcmp(s, "Revoked") == 0)
        return TA_TDX_REVOKED;
    return TA_TDX_STATUS_NONE;
}

/* ---- raw span scanner ---------------------------------------------------- */

static size_t skip_ws(const uint8_t *s, size_t len, size_t i)
{
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' ||
                       s[i] == '\r'))
        i++;
    return i;
}

/* s[i] == '"': index after the closing quote, 0 if unterminated. */
static size_t skip_string(const uint8_t *s, size_t len, size_t i)
{
    for (i++; i < len; i++) {
        if (s[i] == '\\') {
            i++;
            continue;
        }
        if (s[i] == '"')
            return i + 1;
    }
    return 0;
}

/* Index after the value starting at s[i]; 0 on malformed input. */
static size_t skip_value(const uint8_t *s, size_t len, size_t i)
{
    if (i >= len)
        return 0;
    if (s[i] == '"')
        return skip_string(s, len, i);
    if (s[i] == '{' || s[i] == '[') {
        size_t depth = 0;
        while (i < len) {
            uint8_t c = s[i];
            if (c == '"') {
                i = skip_string(s, len, i);
                if (!i)
                    return 0;
                continue;
            }
            if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                if (--depth == 0)
                    return i + 1;
            }
            i++;
        }
        return 0;
    }
    /* number, true, false, null */
    while (i < len && s[i] != ',' && s[i] != '}' && s[i] != ']' &&
           s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
        i++;
    return i;
}

bool ta_tdx_json_member_span(const uint8_t *doc, size_t len, const char *key,
                             size_t *off, size_t *span_len)
{
    size_t klen = strlen(key), i = skip_ws(doc, len, 0);
    bool found = false;
    if (i >= len || doc[i] != '{')
        return false;
    i = skip_ws(doc, len, i + 1);
    if (i < len && doc[i] == '}')
        return false;
    while (i < len) {
        if (doc[i] != '"')
            return false;
        size_t ke = skip_string(doc, len, i);
        if (!ke)
            return false;
        bool match = ke - i - 2 == klen && memcmp(doc + i + 1, key, klen) == 0;
        i = skip_ws(doc, len, ke);
        if (i >= len || doc[i] != ':')
            return false;
        i = skip_ws(doc, len, i + 1);
        size_t ve = skip_value(doc, len, i);
        if (!ve)
            return false;
        if (match) {
            if (found)
                return false; /* duplicate member */
            found = true;
            *off = i;
            *span_len = ve - i;
        }
        i = skip_ws(doc, len, ve);
        if (i < len && doc[i] == ',') {
            i = skip_ws(doc, len, i + 1);
            continue;
        }
        if (i < len && doc[i] == '}')
            return found;
        return false;
    }
    return false;
}

/* ---- field helpers ------------------------------------------------------ */

typedef struct perr {
    char msg[256];
} perr;

#define FAIL(pe, ...) (snprintf((pe)->msg, sizeof (pe)->msg, __VA_ARGS__), -1)

static int get_hex(json_t *o, const char *key, uint8_t *out, size_t n,
                   perr *pe)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v))
        return FAIL(pe, "\"%s\" is missing or not a string", key);
    const char *s = json_string_value(v);
    size_t l = json_string_length(v);
    if (l != 2 * n || ta_hex_decode_exact(out, n, s, l, false) != TEEATTEST_OK)
        return FAIL(pe, "\"%s\" must be %zu hex characters", key, 2 * n);
    return 0;
}

static int get_uint(json_t *o, const char *key, int64_t max, int64_t *out,
                    perr *pe)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v))
        return FAIL(pe, "\"%s\" is missing or not an integer", key);
    json_int_t x = json_integer_value(v);
    if (x < 0 || x > max)
        return FAIL(pe, "\"%s\" = %lld is out of range", key, (long long)x);
    *out = x;
    return 0;
}

static int get_date(json_t *o, const char *key, int64_t *out, perr *pe)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v) || !ta_utc_parse(json_string_value(v), false, out))
        return FAIL(pe, "\"%s\" is missing or not YYYY-MM-DDThh:mm:ssZ", key);
    return 0;
}

static int get_status(json_t *o, ta_tdx_status *out, bool module, perr *pe)
{
    json_t *v = json_object_get(o, "tcbStatus");
    if (!json_is_string(v))
        return FAIL(pe, "\"tcbStatus\" is missing or not a string");
    ta_tdx_status s = ta_tdx_status_parse(json_string_value(v));
    if (s == TA_TDX_STATUS_NONE ||
        (module && s != TA_TDX_UP_TO_DATE && s != TA_TDX_OUT_OF_DATE &&
         s != TA_TDX_REVOKED))
        return FAIL(pe, "unknown tcbStatus \"%s\"", json_string_value(v));
    *out = s;
    return 0;
}

/* advisoryIDs (optional) -> "A,B,C" (owned). */
static int get_advisories(const teeattest_ctx *ctx, json_t *o, char **out,
                          perr *pe)
{
    json_t *a = json_object_get(o, "advisoryIDs");
    ta_buf b;
    ta_buf_init(&b, ctx, 64 * 1024);
    if (a) {
        if (!json_is_array(a))
            return FAIL(pe, "\"advisoryIDs\" is not an array");
        size_t i;
        json_t *v;
        json_array_foreach(a, i, v) {
            if (!json_is_string(v) || json_string_length(v) == 0 ||
                json_string_length(v) > 64)
                goto bad;
            const char *s = json_string_value(v);
            for (const char *c = s; *c; c++)
                if (*c <= ' ' || *c > '~' || *c == ',')
                    goto bad;
            if ((i && ta_buf_append(&b, ",", 1)) || ta_buf_append_str(&b, s))
                goto nomem;
        }
    }
    if (ta_buf_terminate(&b))
        goto nomem;
    if (!b.data) {
        *out = ta_strdup(ctx, "");
        if (!*out)
            goto nomem;
        return 0;
    }
    *out = (char *)ta_buf_steal(&b, NULL);
    return 0;
bad:
    ta_buf_free(&b);
    return FAIL(pe, "\"advisoryIDs\" holds an invalid entry");
nomem:
    ta_buf_free(&b);
    return -2;
}

/* tcb components array of 16 {svn} objects */
static int get_components(json_t *tcb, const char *key, uint8_t out[16],
                          perr *pe)
{
    json_t *a = json_object_get(tcb, key);
    if (!json_is_array(a))
        return FAIL(pe, "\"%s\" is missing or not an array", key);
    /* GHSA-6q6c-vvf9-fj3w: a short array must not pass as zeros. */
    if (json_array_size(a) != 16)
        return FAIL(pe, "\"%s\" has %zu entries, need 16", key,
                    json_array_size(a));
    for (size_t i = 0; i < 16; i++) {
        json_t *c = json_array_get(a, i);
        int64_t v;
        if (!json_is_object(c) || get_uint(c, "svn", 255, &v, pe))
            return FAIL(pe, "\"%s\"[%zu].svn is missing or out of range",
                        key, i);
        out[i] = (uint8_t)v;
    }
    return 0;
}

/* The optional "type" of each of the 16 components (already validated by
 * get_components): kept only when short, printable and comma-free, since
 * it ends up in a comma-separated fact. Never an error. */
static void get_comp_types(json_t *tcb, const char *key,
                           char out[16][TA_TDX_COMP_TYPE_MAX])
{
    json_t *a = json_object_get(tcb, key);
    for (size_t i = 0; i < 16; i++) {
        json_t *t = json_object_get(json_array_get(a, i), "type");
        out[i][0] = '\0';
        if (!json_is_string(t) || json_string_length(t) == 0 ||
            json_string_length(t) >= TA_TDX_COMP_TYPE_MAX)
            continue;
        const char *s = json_string_value(t);
        bool ok = true;
        for (const char *c = s; *c && ok; c++)
            ok = *c >= ' ' && *c <= '~' && *c != ',' && *c != ';';
        if (ok)
            memcpy(out[i], s, json_string_length(t) + 1);
    }
}

static int cmp_isv_desc(const void *a, const void *b)
{
    const ta_tdx_isv_level *x = a, *y = b;
    return (int)y->isvsvn - (int)x->isvsvn;
}

/* Intel's TcbLevel::operator> (descending): SGX components, PCESVN, then
 * TDX components. */
static int cmp_tcb_desc(const void *a, const void *b)
{
    const ta_tdx_tcb_level *x = a, *y = b;
    int c = memcmp(y->sgx, x->sgx, 16);
    if (c)
        return c;
    if (x->pcesvn != y->pcesvn)
        return x->pcesvn > y->pcesvn ? -1 : 1;
    return memcmp(y->tdx, x->tdx, 16);
}

static void free_isv_levels(const teeattest_ctx *ctx, ta_tdx_isv_level *l,
                            size_t n)
{
    for (size_t i = 0; i < n; i++)
        ta_free(ctx, l[i].advisories);
    ta_free(ctx, l);
}

/* tcbLevels of a module identity / QE identity. */
static int get_isv_levels(const teeattest_ctx *ctx, json_t *o, bool module,
                          ta_tdx_isv_level **out, size_t *n_out, perr *pe)
{
    json_t *a = json_object_get(o, "tcbLevels");
    if (!json_is_array(a) || json_array_size(a) == 0)
        return FAIL(pe, "\"tcbLevels\" is missing, empty or not an array");
    size_t n = json_array_size(a);
    if (n > 1024)
        return FAIL(pe, "\"tcbLevels\" has too many entries");
    ta_tdx_isv_level *l = ta_calloc(ctx, n, sizeof *l);
    if (!l)
        return -2;
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(a, i), *tcb;
        int64_t v;
        int rc;
        if (!json_is_object(e) || !json_is_object(tcb = json_object_get(e, "tcb")) ||
            get_uint(tcb, "isvsvn", 65535, &v, pe) ||
            get_date(e, "tcbDate", &l[i].date, pe) ||
            get_status(e, &l[i].status, module, pe)) {
            free_isv_levels(ctx, l, n);
            return -1;
        }
        l[i].isvsvn = (uint16_t)v;
        if ((rc = get_advisories(ctx, e, &l[i].advisories, pe)) != 0) {
            free_isv_levels(ctx, l, n);
            return rc;
        }
    }
    qsort(l, n, sizeof *l, cmp_isv_desc);
    *out = l;
    *n_out = n;
    return 0;
}

/* ---- signed document ---------------------------------------------------- */

static int doc_error(const teeattest_ctx *ctx, ta_tdx_signed_doc *d,
                     const char *msg)
{
    if (!d->error) {
        d->error = ta_strdup(ctx, msg);
        if (!d->error)
            return TEEATTEST_E_NOMEM;
    }
    return TEEATTEST_OK;
}

/* Copy the text and locate the signed body and signature. Returns NOMEM
 * or OK; on OK with *body == NULL the document is broken (doc->error). */
static int doc_load(const teeattest_ctx *ctx, ta_tdx_signed_doc *d,
                    const char *member, const uint8_t *text, size_t len,
                    const char *sig_hex, size_t sig_hex_len)
{
    memset(d, 0, sizeof *d);
    if (len > DOC_MAX)
        return doc_error(ctx, d, "document exceeds the 1 MiB limit");
    d->text = ta_malloc(ctx, len ? len : 1);
    if (!d->text)
        return TEEATTEST_E_NOMEM;
    if (len)
        memcpy(d->text, text, len);
    d->text_len = len;
    char msg[160];
    if (sig_hex) {
        /* dcap-qvl form: the text is the signed body itself. */
        d->body_off = 0;
        d->body_len = len;
        if (sig_hex_len != 128 ||
            ta_hex_decode_exact(d->sig, 64, sig_hex, sig_hex_len, false))
            return doc_error(ctx, d, "signature must be 128 hex characters");
    } else {
        json_t *j = NULL;
        if (ta_json_parse(&j, d->text, len, DOC_MAX, NULL) != TEEATTEST_OK ||
            !json_is_object(j)) {
            json_decref(j);
            return doc_error(ctx, d, "document is not a JSON object");
        }
        json_t *sig = json_object_get(j, "signature");
        bool sig_ok = json_is_string(sig) && json_string_length(sig) == 128 &&
                      ta_hex_decode_exact(d->sig, 64, json_string_value(sig),
                                          128, false) == TEEATTEST_OK;
        bool has_member = json_is_object(json_object_get(j, member));
        json_decref(j);
        if (!sig_ok)
            return doc_error(ctx, d, "\"signature\" must be 128 hex characters");
        if (!has_member ||
            !ta_tdx_json_member_span(d->text, len, member, &d->body_off,
                                     &d->body_len)) {
            snprintf(msg, sizeof msg, "no \"%s\" object at the top level",
                     member);
            return doc_error(ctx, d, msg);
        }
    }
    d->have_span = true;
    return TEEATTEST_OK;
}

static void doc_free(const teeattest_ctx *ctx, ta_tdx_signed_doc *d)
{
    ta_free(ctx, d->text);
    ta_free(ctx, d->error);
    memset(d, 0, sizeof *d);
}

static int parse_body(ta_tdx_signed_doc *d, json_t **out)
{
    *out = NULL;
    if (ta_json_parse(out, d->text + d->body_off, d->body_len, DOC_MAX,
                      NULL) != TEEATTEST_OK)
        return -1;
    if (!json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

/* ---- TCB Info ----------------------------------------------------------- */

static void free_ids(const teeattest_ctx *ctx, ta_tdx_module_identity *ids,
                     size_t n)
{
    for (size_t i = 0; i < n; i++)
        free_isv_levels(ctx, ids[i].levels, ids[i].n_levels);
    ta_free(ctx, ids);
}

static int tcb_body(const teeattest_ctx *ctx, ta_tdx_tcb_info *ti, json_t *o,
                    perr *pe)
{
    int64_t v;
    json_t *id = json_object_get(o, "id");
    if (!json_is_string(id) || strcmp(json_string_value(id), "TDX") != 0)
        return FAIL(pe, "\"id\" must be \"TDX\" (an SGX TCB Info cannot "
                        "judge a TDX quote)");
    if (get_uint(o, "version", 1000, &v, pe))
        return -1;
    ti->version = (int)v;
    if (ti->version != 3)
        return FAIL(pe, "TCB Info version %d (TDX needs 3)", ti->version);
    if (get_uint(o, "tcbType", 1000, &v, pe))
        return -1;
    ti->tcb_type = (int)v;
    if (ti->tcb_type != 0)
        return FAIL(pe, "tcbType %d is not supported", ti->tcb_type);
    if (get_date(o, "issueDate", &ti->issue_date, pe) ||
        get_date(o, "nextUpdate", &ti->next_update, pe) ||
        get_hex(o, "fmspc", ti->fmspc, 6, pe) ||
        get_hex(o, "pceId", ti->pceid, 2, pe) ||
        get_uint(o, "tcbEvaluationDataNumber", UINT32_MAX, &v, pe))
        return -1;
    ti->eval_num = (uint32_t)v;
    json_t *m = json_object_get(o, "tdxModule");
    if (!json_is_object(m))
        return FAIL(pe, "\"tdxModule\" is missing");
    if (get_hex(m, "mrsigner", ti->module_mrsigner, 48, pe) ||
        get_hex(m, "attributes", ti->module_attributes, 8, pe) ||
        get_hex(m, "attributesMask", ti->module_attributes_mask, 8, pe))
        return -1;

    json_t *ids = json_object_get(o, "tdxModuleIdentities");
    if (ids) {
        if (!json_is_array(ids) || json_array_size(ids) > 256)
            return FAIL(pe, "\"tdxModuleIdentities\" is not a valid array");
        size_t n = json_array_size(ids);
        if (n) {
            ti->ids = ta_calloc(ctx, n, sizeof *ti->ids);
            if (!ti->ids)
                return -2;
        }
        for (size_t i = 0; i < n; i++) {
            json_t *e = json_array_get(ids, i), *eid;
            ta_tdx_module_identity *mi = &ti->ids[i];
            ti->n_ids = i + 1;
            if (!json_is_object(e) || !json_is_string(eid = json_object_get(e, "id")) ||
                json_string_length(eid) == 0 || json_string_length(eid) >= sizeof mi->id)
                return FAIL(pe, "tdxModuleIdentities[%zu].id is invalid", i);
            memcpy(mi->id, json_string_value(eid), json_string_length(eid) + 1);
            for (size_t k = 0; k < i; k++)
                if (strcasecmp(ti->ids[k].id, mi->id) == 0)
                    return FAIL(pe, "module identity %s appears twice", mi->id);
            if (get_hex(e, "mrsigner", mi->mrsigner, 48, pe) ||
                get_hex(e, "attributes", mi->attributes, 8, pe) ||
                get_hex(e, "attributesMask", mi->attributes_mask, 8, pe))
                return -1;
            int rc = get_isv_levels(ctx, e, true, &mi->levels, &mi->n_levels, pe);
            if (rc)
                return rc;
        }
    }

    json_t *lv = json_object_get(o, "tcbLevels");
    if (!json_is_array(lv) || json_array_size(lv) == 0)
        return FAIL(pe, "\"tcbLevels\" is missing, empty or not an array");
    size_t n = json_array_size(lv);
    if (n > 4096)
        return FAIL(pe, "\"tcbLevels\" has too many entries");
    ti->levels = ta_calloc(ctx, n, sizeof *ti->levels);
    if (!ti->levels)
        return -2;
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(lv, i), *tcb;
        ta_tdx_tcb_level *l = &ti->levels[i];
        ti->n_levels = i + 1;
        if (!json_is_object(e) || !json_is_object(tcb = json_object_get(e, "tcb")))
            return FAIL(pe, "tcbLevels[%zu] has no \"tcb\" object", i);
        if (get_components(tcb, "sgxtcbcomponents", l->sgx, pe) ||
            get_components(tcb, "tdxtcbcomponents", l->tdx, pe) ||
            get_uint(tcb, "pcesvn", 65535, &v, pe) ||
            get_date(e, "tcbDate", &l->date, pe) ||
            get_status(e, &l->status, false, pe))
            return -1;
        l->pcesvn = (uint16_t)v;
        l->src = i;
        int rc = get_advisories(ctx, e, &l->advisories, pe);
        if (rc)
            return rc;
    }
    qsort(ti->levels, n, sizeof *ti->levels, cmp_tcb_desc);
    for (size_t i = 1; i < n; i++)
        if (cmp_tcb_desc(&ti->levels[i - 1], &ti->levels[i]) == 0)
            return FAIL(pe, "duplicate TCB level");
    json_t *tcb = json_object_get(json_array_get(lv, ti->levels[0].src), "tcb");
    get_comp_types(tcb, "sgxtcbcomponents", ti->sgx_type);
    get_comp_types(tcb, "tdxtcbcomponents", ti->tdx_type);
    return 0;
}

int ta_tdx_tcb_info_load(const teeattest_ctx *ctx, ta_tdx_tcb_info *ti,
                         const uint8_t *text, size_t len, const char *sig_hex,
                         size_t sig_hex_len)
{
    memset(ti, 0, sizeof *ti);
    int rc = doc_load(ctx, &ti->doc, "tcbInfo", text, len, sig_hex,
                      sig_hex_len);
    if (rc || !ti->doc.have_span)
        return rc;
    json_t *o;
    if (parse_body(&ti->doc, &o))
        return doc_error(ctx, &ti->doc, "tcbInfo body is not a JSON object");
    perr pe = {{0}};
    rc = tcb_body(ctx, ti, o, &pe);
    json_decref(o);
    if (rc == -2)
        return TEEATTEST_E_NOMEM;
    if (rc) {
        char msg[300];
        snprintf(msg, sizeof msg, "tcbInfo: %s", pe.msg);
        return doc_error(ctx, &ti->doc, msg);
    }
    return TEEATTEST_OK;
}

void ta_tdx_tcb_info_free(const teeattest_ctx *ctx, ta_tdx_tcb_info *ti)
{
    doc_free(ctx, &ti->doc);
    free_ids(ctx, ti->ids, ti->n_ids);
    if (ti->levels) {
        for (size_t i = 0; i < ti->n_levels; i++)
            ta_free(ctx, ti->levels[i].advisories);
        ta_free(ctx, ti->levels);
    }
    memset(ti, 0, sizeof *ti);
}

/* ---- QE Identity -------------------------------------------------------- */

static int qe_body(const teeattest_ctx *ctx, ta_tdx_qe_identity *qi,
                   json_t *o, perr *pe)
{
    int64_t v;
    json_t *id = json_object_get(o, "id");
    if (!json_is_string(id) || json_string_length(id) >= sizeof qi->id)
        return FAIL(pe, "\"id\" is missing or invalid");
    memcpy(qi->id, json_string_value(id), json_string_length(id) + 1);
    if (strcmp(qi->id, "TD_QE") != 0)
        return FAIL(pe, "QE Identity id \"%s\" (a TDX quote needs TD_QE)",
                    qi->id);
    if (get_uint(o, "version", 1000, &v, pe))
        return -1;
    qi->version = (int)v;
    if (qi->version != 2)
        return FAIL(pe, "QE Identity version %d (need 2)", qi->version);
    if (get_date(o, "issueDate", &qi->issue_date, pe) ||
        get_date(o, "nextUpdate", &qi->next_update, pe) ||
        get_uint(o, "tcbEvaluationDataNumber", UINT32_MAX, &v, pe))
        return -1;
    qi->eval_num = (uint32_t)v;
    if (get_hex(o, "miscselect", qi->miscselect, 4, pe) ||
        get_hex(o, "miscselectMask", qi->miscselect_mask, 4, pe) ||
        get_hex(o, "attributes", qi->attributes, 16, pe) ||
        get_hex(o, "attributesMask", qi->attributes_mask, 16, pe) ||
        get_hex(o, "mrsigner", qi->mrsigner, 32, pe) ||
        get_uint(o, "isvprodid", 65535, &v, pe))
        return -1;
    qi->isvprodid = (uint16_t)v;
    return get_isv_levels(ctx, o, false, &qi->levels, &qi->n_levels, pe);
}

int ta_tdx_qe_identity_load(const teeattest_ctx *ctx, ta_tdx_qe_identity *qi,
                            const uint8_t *text, size_t len,
                            const char *sig_hex, size_t sig_hex_len)
{
    memset(qi, 0, sizeof *qi);
    int rc = doc_load(ctx, &qi->doc, "enclaveIdentity", text, len, sig_hex,
                      sig_hex_len);
    if (rc || !qi->doc.have_span)
        return rc;
    json_t *o;
    if (parse_body(&qi->doc, &o))
        return doc_error(ctx, &qi->doc,
                         "enclaveIdentity body is not a JSON object");
    perr pe = {{0}};
    rc = qe_body(ctx, qi, o, &pe);
    json_decref(o);
    if (rc == -2)
        return TEEATTEST_E_NOMEM;
    if (rc) {
        char msg[300];
        snprintf(msg, sizeof msg, "enclaveIdentity: %s", pe.msg);
        return doc_error(ctx, &qi->doc, msg);
    }
    return TEEATTEST_OK;
}

void ta_tdx_qe_identity_free(const teeattest_ctx *ctx, ta_tdx_qe_identity *qi)
{
    doc_free(ctx, &qi->doc);
    free_isv_levels(ctx, qi->levels, qi->n_levels);
    memset(qi, 0, sizeof *qi);
}

/* ---- TCB evaluation ------------------------------------------------------ */

const ta_tdx_isv_level *ta_tdx_isv_level_select(const ta_tdx_isv_level *l,
                                                size_t n, uint16_t svn)
{
    /* Sorted descending: the first level not above the SVN wins. */
    for (size_t i = 0; i < n; i++)
        if (l[i].isvsvn <= svn)
            return &l[i];
    return NULL;
}

const ta_tdx_module_identity *ta_tdx_module_identity_find(
    const ta_tdx_tcb_info *ti, uint8_t major)
{
    char want[8];
    snprintf(want, sizeof want, "TDX_%02X", (unsigned)major);
    for (size_t i = 0; i < ti->n_ids; i++)
        if (strcasecmp(ti->ids[i].id, want) == 0)
            return &ti->ids[i];
    return NULL;
}

const ta_tdx_tcb_level *ta_tdx_tcb_level_select(const ta_tdx_tcb_info *ti,
                                                const ta_tdx_pck_ext *pck,
                                                const uint8_t tee_tcb_svn[16])
{
    /* Byte-1 rule: a versioned module (major > 0) has components 0 and 1
     * judged through its TDX_xx identity, not the platform levels. */
    size_t start = tee_tcb_svn[1] > 0 ? 2 : 0;
    for (size_t i = 0; i < ti->n_levels; i++) {
        const ta_tdx_tcb_level *l = &ti->levels[i];
        bool ok = pck->pcesvn >= l->pcesvn;
        for (size_t k = 0; ok && k < 16; k++)
            ok = pck->comp_svn[k] >= l->sgx[k];
        for (size_t k = start; ok && k < 16; k++)
            ok = tee_tcb_svn[k] >= l->tdx[k];
        if (ok)
            return l;
    }
    return NULL;
}

static bool is_config(ta_tdx_status s)
{
    return s == TA_TDX_CONFIGURATION_NEEDED ||
           s == TA_TDX_CONFIGURATION_AND_SW_HARDENING_NEEDED ||
           s == TA_TDX_OUT_OF_DATE_CONFIGURATION_NEEDED ||
           s == TA_TDX_TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED;
}

ta_tdx_status ta_tdx_converge(ta_tdx_status platform, ta_tdx_status module,
                              ta_tdx_status qe)
{
    /* Intel (QVL convergeTcbStatuses), not "max severity". */
    if (module == TA_TDX_REVOKED || qe == TA_TDX_REVOKED)
        return TA_TDX_REVOKED;
    if (module == TA_TDX_OUT_OF_DATE || qe == TA_TDX_OUT_OF_DATE) {
        if (platform == TA_TDX_UP_TO_DATE ||
            platform == TA_TDX_SW_HARDENING_NEEDED)
            return TA_TDX_OUT_OF_DATE;
        if (platform == TA_TDX_CONFIGURATION_NEEDED ||
            platform == TA_TDX_CONFIGURATION_AND_SW_HARDENING_NEEDED)
            return TA_TDX_OUT_OF_DATE_CONFIGURATION_NEEDED;
    }
    return platform;
}

ta_tdx_status ta_tdx_relaunch(ta_tdx_status launch, ta_tdx_status current)
{
    if (launch != TA_TDX_OUT_OF_DATE &&
        launch != TA_TDX_OUT_OF_DATE_CONFIGURATION_NEEDED)
        return launch;
    if (current != TA_TDX_UP_TO_DATE && current != TA_TDX_SW_HARDENING_NEEDED &&
        current != TA_TDX_CONFIGURATION_NEEDED &&
        current != TA_TDX_CONFIGURATION_AND_SW_HARDENING_NEEDED)
        return launch;
    return is_config(launch) || is_config(current)
               ? TA_TDX_TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED
               : TA_TDX_TD_RELAUNCH_ADVISED;
}

/* ---- TCB currency: what is behind the newest level ------------------------ */

static int behind_item(ta_buf *b, const char *name, const char *what,
                       size_t k, unsigned have, unsigned want)
{
    char item[160];
    if (what)
        snprintf(item, sizeof item, "%s (%s %zu): %u < %u", name, what, k,
                 have, want);
    else
        snprintf(item, sizeof item, "%s: %u < %u", name, have, want);
    if ((b->len && ta_buf_append(b, ", ", 2)) || ta_buf_append_str(b, item))
        return TEEATTEST_E_NOMEM;
    return TEEATTEST_OK;
}

int ta_tdx_tcb_behind(const ta_tdx_tcb_info *ti, const ta_tdx_pck_ext *pck,
                      const uint8_t tee_tcb_svn[16],
                      const ta_tdx_module_identity *mid,
                      const ta_tdx_qe_identity *qi, uint16_t qe_isvsvn,
                      ta_buf *out)
{
    int rc = TEEATTEST_OK;
    if (ti->n_levels) {
        const ta_tdx_tcb_level *top = &ti->levels[0];
        for (size_t k = 0; !rc && k < 16; k++)
            if (pck->comp_svn[k] < top->sgx[k])
                rc = behind_item(out, ti->sgx_type[k][0] ? ti->sgx_type[k]
                                      : "SGX TCB component",
                                 "CPUSVN component", k, pck->comp_svn[k],
                                 top->sgx[k]);
        if (!rc && pck->pcesvn < top->pcesvn)
            rc = behind_item(out, "PCESVN", NULL, 0, pck->pcesvn, top->pcesvn);
        /* Components 0 and 1 of a versioned module are judged through its
         * TDX_xx identity (the byte-1 rule), not the platform levels. */
        for (size_t k = tee_tcb_svn[1] > 0 ? 2 : 0; !rc && k < 16; k++)
            if (tee_tcb_svn[k] < top->tdx[k])
                rc = behind_item(out, ti->tdx_type[k][0] ? ti->tdx_type[k]
                                      : "TDX TCB component",
                                 "TEE_TCB_SVN component", k, tee_tcb_svn[k],
                                 top->tdx[k]);
    }
    if (!rc && mid && mid->n_levels && tee_tcb_svn[0] < mid->levels[0].isvsvn) {
        char name[48];
        snprintf(name, sizeof name, "TDX module (%s SVN)", mid->id);
        rc = behind_item(out, name, NULL, 0, tee_tcb_svn[0],
                         mid->levels[0].isvsvn);
    }
    if (!rc && qi && qi->n_levels && qe_isvsvn < qi->levels[0].isvsvn)
        rc = behind_item(out, "QE (ISVSVN)", NULL, 0, qe_isvsvn,
                         qi->levels[0].isvsvn);
    if (!rc)
        rc = ta_buf_terminate(out);
    return rc;
}

int ta_tdx_tcb_levels_text(const ta_tdx_tcb_info *ti, size_t max, ta_buf *out)
{
    for (size_t i = 0; i < ti->n_levels && i < max; i++) {
        const ta_tdx_tcb_level *l = &ti->levels[i];
        char d[21], sgx[33], tdx[33], line[160];
        ta_utc_format(d, l->date);
        ta_hex_encode(sgx, l->sgx, 16);
        ta_hex_encode(tdx, l->tdx, 16);
        snprintf(line, sizeof line, "%s%s %s sgx=%s pcesvn=%u tdx=%s",
                 i ? "; " : "", d, ta_tdx_status_name(l->status), sgx,
                 (unsigned)l->pcesvn, tdx);
        if (ta_buf_append_str(out, line))
            return TEEATTEST_E_NOMEM;
    }
    return ta_buf_terminate(out);
}
