/*
 * teeattest_gpu_inputs: the material a GPU verification may use beyond the
 * evidence (saved RIMs, OCSP responses, an NRAS answer, JWKS documents)
 * and the services it may call (include/teeattest/gpu.h).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "../cache/cache.h"
#include "../crypto/x509.h"
#include "../providers/providers.h"
#include "../transport/transport.h"
#include "gpu.h"
#include "inputs.h"
#include "nras.h"
#include "ocsp.h"

#define RIM_DOC_MAX (1024u * 1024u)
#define RIM_JSON_MAX (2u * 1024u * 1024u) /* base64 of a 1 MiB RIM + fields */
#define NRAS_DOC_MAX TA_NRAS_RESPONSE_MAX
#define RIM_FETCH_RETRIES 3u

static void free_key(teeattest_gpu_inputs *in)
{
    ta_free_secret(in->ctx, in->service_key);
    in->service_key = NULL;
}

TEEATTEST_API int teeattest_gpu_inputs_new(teeattest_ctx *ctx,
                                           teeattest_gpu_inputs **out,
                                           teeattest_error *err)
{
    if (out)
        *out = NULL;
    if (!ctx || !out)
        return TA_INVALID(err, !ctx ? "ctx is NULL" : "out is NULL");
    teeattest_gpu_inputs *in = ta_calloc(ctx, 1, sizeof *in);
    if (!in)
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "allocating GPU inputs");
    atomic_init(&in->refs, 1);
    in->ctx = teeattest_ctx_ref(ctx);
    ta_jwks_init(&in->jwks, ctx);
    in->nras_version = 3;
    *out = in;
    return TEEATTEST_OK;
}

TEEATTEST_API teeattest_gpu_inputs *teeattest_gpu_inputs_ref(
    teeattest_gpu_inputs *in)
{
    if (in)
        atomic_fetch_add_explicit(&in->refs, 1, memory_order_relaxed);
    return in;
}

TEEATTEST_API void teeattest_gpu_inputs_free(teeattest_gpu_inputs *in)
{
    if (!in || atomic_fetch_sub_explicit(&in->refs, 1,
                                         memory_order_acq_rel) != 1)
        return;
    teeattest_ctx *ctx = in->ctx;
    for (size_t i = 0; i < in->n_rims; i++) {
        ta_free(ctx, in->rims[i].id);
        ta_free(ctx, in->rims[i].xml);
        ta_rim_free(in->rims[i].parsed);
    }
    ta_free(ctx, in->rims);
    for (size_t i = 0; i < in->n_ocsp; i++)
        ta_free(ctx, in->ocsp[i].data);
    ta_free(ctx, in->ocsp);
    for (size_t i = 0; i < in->n_jwks; i++)
        ta_free(ctx, in->jwks_docs[i].data);
    ta_free(ctx, in->jwks_docs);
    ta_free(ctx, in->nras.data);
    ta_jwks_clear(&in->jwks);
    for (size_t i = 0; i < TA_GPU_SERVICES; i++)
        ta_free(ctx, in->url[i]);
    free_key(in);
    ta_free(ctx, in);
    teeattest_ctx_free(ctx);
}

/* ---- adding material ------------------------------------------------------ */

static bool kind_valid(int32_t kind)
{
    return kind >= TEEATTEST_GPU_ITEM_RIM && kind <= TEEATTEST_GPU_ITEM_JWKS;
}

/* RIM ids are file and URL path components: keep them to what NVIDIA's
 * ids use, so that no id can escape a directory or a URL path. */
static bool rim_id_valid(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n >= TA_GPU_RIM_ID_MAX || id[0] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

static uint8_t *dup_bytes(const teeattest_ctx *ctx, const uint8_t *data,
                          size_t len)
{
    /* One extra NUL byte: XML and JSON consumers may want a C string. */
    uint8_t *p = ta_malloc(ctx, len + 1);
    if (p) {
        memcpy(p, data, len);
        p[len] = 0;
    }
    return p;
}

static int blob_push(const teeattest_ctx *ctx, ta_gpu_blob **list, size_t *n,
                     size_t *cap, const uint8_t *data, size_t len)
{
    if (*n >= TA_GPU_ITEMS_MAX)
        return TEEATTEST_E_TOO_LARGE;
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        ta_gpu_blob *p = ta_realloc(ctx, *list, nc * sizeof *p);
        if (!p)
            return TEEATTEST_E_NOMEM;
        *list = p;
        *cap = nc;
    }
    uint8_t *copy = dup_bytes(ctx, data, len);
    if (!copy)
        return TEEATTEST_E_NOMEM;
    (*list)[*n].data = copy;
    (*list)[*n].len = len;
    (*n)++;
    return TEEATTEST_OK;
}

static bool starts_json_object(const uint8_t *d, size_t len)
{
    size_t i = 0;
    while (i < len && (d[i] == ' ' || d[i] == '\t' || d[i] == '\r' ||
                       d[i] == '\n'))
        i++;
    return i < len && d[i] == '{';
}

/* The RIM service's answer {"id": .., "rim": "<base64 XML>", ..}: the XML
 * into *xml (ta_malloc'ed, NUL-terminated) and the id into id_out. */
static int rim_from_service_json(const teeattest_ctx *ctx, const uint8_t *doc,
                                 size_t len, char id_out[TA_GPU_RIM_ID_MAX],
                                 uint8_t **xml, size_t *xml_len,
                                 teeattest_error *err)
{
    *xml = NULL;
    *xml_len = 0;
    json_t *root = NULL;
    int rc = ta_json_parse(&root, doc, len, RIM_JSON_MAX, err);
    if (rc)
        return rc;
    json_t *jid = json_object_get(root, "id");
    json_t *jrim = json_object_get(root, "rim");
    if (!json_is_object(root) || !json_is_string(jid) || !json_is_string(jrim)) {
        json_decref(root);
        return ta_error(err, TEEATTEST_E_JSON, "gpu.rim",
                        "RIM service answer: expected an object with string "
                        "\"id\" and \"rim\"");
    }
    const char *id = json_string_value(jid);
    if (!rim_id_valid(id)) {
        json_decref(root);
        return ta_error(err, TEEATTEST_E_PARSE, "gpu.rim",
                        "RIM service answer: id is not a RIM id");
    }
    snprintf(id_out, TA_GPU_RIM_ID_MAX, "%s", id);
    const char *b64 = json_string_value(jrim);
    size_t b64_len = json_string_length(jrim);
    size_t cap = ta_base64_decoded_max(b64_len);
    if (cap > RIM_DOC_MAX + 3) {
        json_decref(root);
        return ta_error(err, TEEATTEST_E_TOO_LARGE, "gpu.rim",
                        "RIM service answer: the RIM exceeds %u bytes",
                        RIM_DOC_MAX);
    }
    uint8_t *out = ta_malloc(ctx, cap + 1);
    if (!out) {
        json_decref(root);
        return ta_error(err, TEEATTEST_E_NOMEM, "gpu.rim", "allocating a RIM");
    }
    int64_t n = ta_base64_decode(out, cap, b64, b64_len, false);
    json_decref(root);
    if (n <= 0) {
        ta_free(ctx, out);
        return ta_error(err, n < 0 ? (int)n : TEEATTEST_E_BASE64, "gpu.rim",
                        "RIM service answer: \"rim\" is not base64 of a "
                        "document");
    }
    if ((size_t)n > RIM_DOC_MAX) {
        ta_free(ctx, out);
        return ta_error(err, TEEATTEST_E_TOO_LARGE, "gpu.rim",
                        "RIM is %lld bytes, the limit is %u", (long long)n,
                        RIM_DOC_MAX);
    }
    out[n] = 0;
    *xml = out;
    *xml_len = (size_t)n;
    return TEEATTEST_OK;
}

/* Takes ownership of xml (and parsed) on success and on failure. */
static int rim_push(teeattest_gpu_inputs *in, const char *id, uint8_t *xml,
                    size_t len, ta_rim *parsed, bool fetched,
                    ta_gpu_rim_item **out)
{
    const teeattest_ctx *ctx = in->ctx;
    int rc = TEEATTEST_OK;
    char *idc = NULL;
    if (in->n_rims >= TA_GPU_ITEMS_MAX)
        rc = TEEATTEST_E_TOO_LARGE;
    else if (id && !(idc = ta_strdup(ctx, id)))
        rc = TEEATTEST_E_NOMEM;
    else if (in->n_rims == in->cap_rims) {
        size_t nc = in->cap_rims ? in->cap_rims * 2 : 8;
        ta_gpu_rim_item *p = ta_realloc(ctx, in->rims, nc * sizeof *p);
        if (!p)
            rc = TEEATTEST_E_NOMEM;
        else {
            in->rims = p;
            in->cap_rims = nc;
        }
    }
    if (rc) {
        ta_free(ctx, idc);
        ta_free(ctx, xml);
        ta_rim_free(parsed);
        return rc;
    }
    ta_gpu_rim_item *it = &in->rims[in->n_rims++];
    memset(it, 0, sizeof *it);
    it->id = idc;
    it->xml = xml;
    it->len = len;
    it->parsed = parsed;
    it->parse_rc = TEEATTEST_OK;
    it->fetched = fetched;
    if (out)
        *out = it;
    return TEEATTEST_OK;
}

static int add_rim(teeattest_gpu_inputs *in, const char *id,
                   const uint8_t *data, size_t len, teeattest_error *err)
{
    const teeattest_ctx *ctx = in->ctx;
    uint8_t *xml = NULL;
    size_t xml_len = 0;
    char json_id[TA_GPU_RIM_ID_MAX] = "";
    if (starts_json_object(data, len)) {
        if (len > RIM_JSON_MAX)
            return ta_error(err, TEEATTEST_E_TOO_LARGE, "gpu.rim",
                            "RIM service answer is %zu bytes, the limit is %u",
                            len, RIM_JSON_MAX);
        int rc = rim_from_service_json(ctx, data, len, json_id, &xml,
                                       &xml_len, err);
        if (rc)
            return rc;
        if (id && strcmp(id, json_id) != 0) {
            ta_free(ctx, xml);
            return ta_error(err, TEEATTEST_E_PARSE, "gpu.rim",
                            "RIM service answer is for %s, not %s", json_id,
                            id);
        }
        id = json_id;
    } else {
        if (len > RIM_DOC_MAX)
            return ta_error(err, TEEATTEST_E_TOO_LARGE, "gpu.rim",
                            "RIM is %zu bytes, the limit is %u", len,
                            RIM_DOC_MAX);
        if (!(xml = dup_bytes(ctx, data, len)))
            return ta_error(err, TEEATTEST_E_NOMEM, "gpu.rim",
                            "allocating a RIM");
        xml_len = len;
    }
    ta_rim *parsed = NULL;
    if (!id) {
        /* Matched by colloquialVersion: that needs the document now. */
        int rc = ta_rim_parse(ctx, xml, xml_len, &parsed, err);
        if (rc) {
            ta_free(ctx, xml);
            return rc;
        }
    }
    int rc = rim_push(in, id, xml, xml_len, parsed, false, NULL);
    if (rc)
        return ta_error(err, rc, "gpu.rim", "adding a RIM: %s",
                        teeattest_status_str(rc));
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_gpu_inputs_add(teeattest_gpu_inputs *in,
                                           int32_t kind, const char *id,
                                           const uint8_t *data, size_t len,
                                           teeattest_error *err)
{
    if (!in || !data || !kind_valid(kind))
        return TA_INVALID(err, !in ? "inputs is NULL" : !data ? "data is NULL"
                                                        : "unknown item kind");
    if (len == 0)
        return ta_error(err, TEEATTEST_E_PARSE, "gpu.inputs", "empty item");
    const teeattest_ctx *ctx = in->ctx;
    int rc;
    switch (kind) {
    case TEEATTEST_GPU_ITEM_RIM:
        if (id && !rim_id_valid(id))
            return TA_INVALID(err, "RIM id has characters outside "
                                   "[A-Za-z0-9._-] or is too long");
        return add_rim(in, id, data, len, err);
    case TEEATTEST_GPU_ITEM_OCSP:
        if (len > TA_OCSP_RESPONSE_MAX)
            return ta_error(err, TEEATTEST_E_TOO_LARGE, "gpu.ocsp",
                            "OCSP response is %zu bytes, the limit is %u",
                            len, TA_OCSP_RESPONSE_MAX);
        if (data[0] != 0x30)
            return ta_error(err, TEEATTEST_E_PARSE, "gpu.ocsp",
                            "OCSP response is not DER (no SEQUENCE)");
        rc = blob_push(ctx, &in->ocsp, &in->n_ocsp, &in->cap_ocsp, data, len);
        break;
    case TEEATTEST_GPU_ITEM_NRAS_RESPONSE:
        if (in->nras.data)
            return TA_INVALID(err, "the inputs already hold an NRAS answer");
        if (len > NRAS_DOC_MAX)
            return ta_error(err, TEEATTEST_E_TOO_LARGE, "gpu.nras",
                            "NRAS answer is %zu bytes, the limit is %u", len,
                            NRAS_DOC_MAX);
        if (!(in->nras.data = dup_bytes(ctx, data, len)))
            return ta_error(err, TEEATTEST_E_NOMEM, "gpu.nras",
                            "allocating the NRAS answer");
        in->nras.len = len;
        return TEEATTEST_OK;
    default: /* TEEATTEST_GPU_ITEM_JWKS */
        if (len > TA_JWKS_MAX)
            return ta_error(err, TEEATTEST_E_TOO_LARGE, "gpu.jwks",
                            "JWKS is %zu bytes, the limit is %u", len,
                            TA_JWKS_MAX);
        if (in->n_jwks >= TA_GPU_ITEMS_MAX)
            return ta_error(err, TEEATTEST_E_TOO_LARGE, "gpu.jwks",
                            "more than the limit of %u JWKS documents",
                            TA_GPU_ITEMS_MAX);
        rc = ta_jwks_add_json(&in->jwks, data, len, teeattest_ctx_now(ctx),
                              err);
        if (rc)
            return rc;
        rc = blob_push(ctx, &in->jwks_docs, &in->n_jwks, &in->cap_jwks, data,
                       len);
        break;
    }
    if (rc == TEEATTEST_E_TOO_LARGE)
        return ta_error(err, rc, "gpu.inputs",
                        "more than the limit of %u items of this kind",
                        TA_GPU_ITEMS_MAX);
    if (rc)
        return ta_error(err, rc, "gpu.inputs", "adding an item: %s",
                        teeattest_status_str(rc));
    return TEEATTEST_OK;
}

static int read_path(const teeattest_ctx *ctx, const char *path, size_t max,
                     uint8_t **data, size_t *len, teeattest_error *err)
{
    *data = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return ta_error(err, TEEATTEST_E_IO, "gpu.inputs", "cannot open %s: %s",
                        path, strerror(errno));
    ta_buf b;
    ta_buf_init(&b, ctx, max);
    uint8_t chunk[8192];
    size_t n;
    int rc = TEEATTEST_OK;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if ((rc = ta_buf_append(&b, chunk, n)) != TEEATTEST_OK)
            break;
    if (!rc && ferror(f))
        rc = TEEATTEST_E_IO;
    fclose(f);
    if (rc) {
        ta_buf_free(&b);
        return rc == TEEATTEST_E_IO
                   ? ta_error(err, rc, "gpu.inputs", "reading %s failed", path)
                   : ta_error(err, rc, "gpu.inputs",
                              "%s exceeds %zu bytes or memory ran out", path,
                              max);
    }
    *data = ta_buf_steal(&b, len);
    if (!*data) { /* an empty file */
        *data = ta_malloc(ctx, 1);
        if (!*data)
            return ta_error(err, TEEATTEST_E_NOMEM, "gpu.inputs",
                            "allocating");
    }
    return TEEATTEST_OK;
}

static bool has_suffix(const char *name, const char *suffix, size_t *stem)
{
    size_t n = strlen(name), s = strlen(suffix);
    if (n <= s || strcmp(name + n - s, suffix) != 0)
        return false;
    *stem = n - s;
    return true;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

TEEATTEST_API int teeattest_gpu_inputs_add_dir(teeattest_gpu_inputs *in,
                                               int32_t kind, const char *dir,
                                               teeattest_error *err)
{
    if (!in || !dir ||
        (kind != TEEATTEST_GPU_ITEM_RIM && kind != TEEATTEST_GPU_ITEM_OCSP))
        return TA_INVALID(err, !in ? "inputs is NULL" : !dir ? "dir is NULL"
                          : "only RIM and OCSP items come from directories");
    const teeattest_ctx *ctx = in->ctx;
    DIR *d = opendir(dir);
    if (!d)
        return ta_error(err, TEEATTEST_E_IO, "gpu.inputs",
                        "cannot open directory %s: %s", dir, strerror(errno));
    /* Sorted, so that the order of items (and of results that list them)
     * does not depend on the file system. */
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = TEEATTEST_OK;
    struct dirent *e;
    while (!rc && (e = readdir(d)) != NULL) {
        size_t stem;
        bool want = kind == TEEATTEST_GPU_ITEM_OCSP
                        ? has_suffix(e->d_name, ".der", &stem)
                        : has_suffix(e->d_name, ".xml", &stem) ||
                              has_suffix(e->d_name, ".json", &stem);
        if (!want || e->d_name[0] == '.')
            continue;
        if (n >= TA_GPU_ITEMS_MAX) {
            rc = ta_error(err, TEEATTEST_E_TOO_LARGE, "gpu.inputs",
                          "%s holds more than %u items", dir,
                          TA_GPU_ITEMS_MAX);
            break;
        }
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            char **p = ta_realloc(ctx, names, nc * sizeof *p);
            if (!p) {
                rc = ta_error(err, TEEATTEST_E_NOMEM, "gpu.inputs",
                              "listing %s", dir);
                break;
            }
            names = p;
            cap = nc;
        }
        if (!(names[n] = ta_strdup(ctx, e->d_name))) {
            rc = ta_error(err, TEEATTEST_E_NOMEM, "gpu.inputs", "listing %s",
                          dir);
            break;
        }
        n++;
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; !rc && i < n; i++) {
        char path[4096];
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, names[i]) >=
            sizeof path) {
            rc = ta_error(err, TEEATTEST_E_INVALID_ARG, "gpu.inputs",
                          "path too long in %s", dir);
            break;
        }
        size_t max = kind == TEEATTEST_GPU_ITEM_OCSP ? TA_OCSP_RESPONSE_MAX
                                                     : RIM_JSON_MAX;
        uint8_t *data = NULL;
        size_t len = 0;
        if ((rc = read_path(ctx, path, max, &data, &len, err)) != 0)
            break;
        char id[TA_GPU_RIM_ID_MAX] = "";
        const char *idp = NULL;
        if (kind == TEEATTEST_GPU_ITEM_RIM) {
            size_t stem = 0;
            if (!has_suffix(names[i], ".xml", &stem))
                (void)has_suffix(names[i], ".json", &stem);
            if (stem < sizeof id) {
                memcpy(id, names[i], stem);
                id[stem] = 0;
            }
            if (!rim_id_valid(id)) {
                ta_free(ctx, data);
                rc = ta_error(err, TEEATTEST_E_PARSE, "gpu.inputs",
                              "%s: the file name is not a RIM id", path);
                break;
            }
            idp = id;
        }
        rc = teeattest_gpu_inputs_add(in, kind, idp, data, len, err);
        ta_free(ctx, data);
        if (rc && ta_error_writable(err)) {
            /* name the file in the message */
            char msg[sizeof err->message];
            snprintf(msg, sizeof msg, "%.80s: %.170s", names[i], err->message);
            memcpy(err->message, msg, sizeof msg);
        }
    }
    for (size_t i = 0; i < n; i++)
        ta_free(ctx, names[i]);
    ta_free(ctx, names);
    return rc;
}

TEEATTEST_API size_t teeattest_gpu_inputs_count(
    const teeattest_gpu_inputs *in, int32_t kind)
{
    if (!in)
        return 0;
    switch (kind) {
    case TEEATTEST_GPU_ITEM_RIM: return in->n_rims;
    case TEEATTEST_GPU_ITEM_OCSP: return in->n_ocsp;
    case TEEATTEST_GPU_ITEM_NRAS_RESPONSE: return in->nras.data ? 1 : 0;
    case TEEATTEST_GPU_ITEM_JWKS: return in->n_jwks;
    default: return 0;
    }
}

TEEATTEST_API int teeattest_gpu_inputs_get(const teeattest_gpu_inputs *in,
                                           int32_t kind, size_t index,
                                           const char **id,
                                           const uint8_t **data, size_t *len,
                                           teeattest_error *err)
{
    if (id)
        *id = NULL;
    if (data)
        *data = NULL;
    if (len)
        *len = 0;
    if (!in)
        return TA_INVALID(err, "inputs is NULL");
    if (!kind_valid(kind))
        return ta_error(err, TEEATTEST_E_INVALID_ARG, "kind",
                        "kind %d is not a teeattest_gpu_item", (int)kind);
    size_t n = teeattest_gpu_inputs_count(in, kind);
    if (index >= n)
        return ta_error(err, TEEATTEST_E_NOT_FOUND, "index",
                        "index %zu: the inputs hold %zu items of kind %d",
                        index, n, (int)kind);
    const ta_gpu_blob *b = NULL;
    switch (kind) {
    case TEEATTEST_GPU_ITEM_RIM:
        if (id)
            *id = in->rims[index].id;
        if (data)
            *data = in->rims[index].xml;
        if (len)
            *len = in->rims[index].len;
        return TEEATTEST_OK;
    case TEEATTEST_GPU_ITEM_OCSP: b = &in->ocsp[index]; break;
    case TEEATTEST_GPU_ITEM_NRAS_RESPONSE: b = &in->nras; break;
    default: b = &in->jwks_docs[index]; break;
    }
    if (data)
        *data = b->data;
    if (len)
        *len = b->len;
    return TEEATTEST_OK;
}

/* ---- services ------------------------------------------------------------- */

TEEATTEST_API int teeattest_gpu_inputs_set_online(teeattest_gpu_inputs *in,
                                                  uint32_t services,
                                                  teeattest_error *err)
{
    if (!in)
        return TA_INVALID(err, "inputs is NULL");
    if (services & ~TEEATTEST_GPU_ONLINE_ALL)
        return ta_error(err, TEEATTEST_E_INVALID_ARG, "services",
                        "unknown online service bits 0x%x",
                        (unsigned)(services & ~TEEATTEST_GPU_ONLINE_ALL));
    in->online = services;
    return TEEATTEST_OK;
}

static int service_slot(uint32_t service)
{
    switch (service) {
    case TEEATTEST_GPU_ONLINE_NRAS: return 0;
    case TEEATTEST_GPU_ONLINE_RIM: return 1;
    case TEEATTEST_GPU_ONLINE_OCSP: return 2;
    case TEEATTEST_GPU_ONLINE_JWKS: return 3;
    default: return -1;
    }
}

/* http is allowed only to a loopback host (the simulator). */
static bool url_acceptable(const char *url)
{
    if (strncasecmp(url, "https://", 8) == 0)
        return url[8] != 0 && url[8] != '/';
    if (strncasecmp(url, "http://", 7) != 0)
        return false;
    const char *h = url + 7;
    static const char *const loopback[] = {"127.", "localhost:", "localhost/",
                                           "[::1]"};
    for (size_t i = 0; i < sizeof loopback / sizeof *loopback; i++)
        if (strncasecmp(h, loopback[i], strlen(loopback[i])) == 0)
            return true;
    return strcasecmp(h, "localhost") == 0;
}

TEEATTEST_API int teeattest_gpu_inputs_set_url(teeattest_gpu_inputs *in,
                                               uint32_t service,
                                               const char *url,
                                               teeattest_error *err)
{
    int slot = service_slot(service);
    if (!in || slot < 0)
        return TA_INVALID(err, !in ? "inputs is NULL" : "unknown service");
    char *copy = NULL;
    if (url) {
        if (strlen(url) >= TA_GPU_URL_MAX)
            return TA_INVALID(err, "URL too long");
        if (!url_acceptable(url))
            return TA_INVALID(err, "URL must be https, or http to a loopback "
                                   "host");
        for (const char *p = url; *p; p++)
            if ((unsigned char)*p <= 0x20 || *p == 0x7f)
                return TA_INVALID(err, "URL has spaces or control characters");
        if (!(copy = ta_strdup(in->ctx, url)))
            return ta_error(err, TEEATTEST_E_NOMEM, NULL, "copying the URL");
    }
    ta_free(in->ctx, in->url[slot]);
    in->url[slot] = copy;
    return TEEATTEST_OK;
}

/* Longest service key accepted (NVIDIA's keys are about 100 bytes). */
#define TA_GPU_KEY_MAX 4096

TEEATTEST_API int teeattest_gpu_inputs_set_service_key(
    teeattest_gpu_inputs *in, const char *key, teeattest_error *err)
{
    if (!in)
        return TA_INVALID(err, "inputs is NULL");
    char *copy = NULL;
    if (key) {
        /* It goes into an HTTP header line. The key itself is never
         * quoted in a message. */
        for (const char *p = key; *p; p++)
            if ((unsigned char)*p < 0x21 || *p == 0x7f)
                return ta_error(err, TEEATTEST_E_INVALID_ARG, "key",
                                "the service key has spaces or control "
                                "characters");
        if (!*key)
            return ta_error(err, TEEATTEST_E_INVALID_ARG, "key",
                            "the service key is empty (NULL removes it)");
        if (strlen(key) > TA_GPU_KEY_MAX)
            return ta_error(err, TEEATTEST_E_TOO_LARGE, "key",
                            "the service key is longer than the limit of %d "
                            "bytes", TA_GPU_KEY_MAX);
        if (!(copy = ta_strdup(in->ctx, key)))
            return ta_error(err, TEEATTEST_E_NOMEM, "key",
                            "copying the service key");
    }
    free_key(in);
    in->service_key = copy;
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_gpu_inputs_set_nras_version(
    teeattest_gpu_inputs *in, int32_t version, teeattest_error *err)
{
    if (!in)
        return TA_INVALID(err, "inputs is NULL");
    if (version != 3 && version != 4)
        return ta_error(err, TEEATTEST_E_INVALID_ARG, "version",
                        "NRAS version %d: only 3 and 4 exist", (int)version);
    in->nras_version = version;
    return TEEATTEST_OK;
}

const char *ta_gpu_inputs_url(const teeattest_gpu_inputs *in, uint32_t service)
{
    int slot = service_slot(service);
    if (slot < 0)
        return NULL;
    if (in->url[slot])
        return in->url[slot];
    switch (service) {
    case TEEATTEST_GPU_ONLINE_NRAS: return TEEATTEST_NVIDIA_NRAS_URL;
    case TEEATTEST_GPU_ONLINE_RIM: return TEEATTEST_NVIDIA_RIM_URL;
    default: return NULL;
    }
}

/* ---- internal: lookups and fetches --------------------------------------- */

ta_gpu_rim_item *ta_gpu_inputs_find_rim(teeattest_gpu_inputs *in,
                                        const char *id, const char *version)
{
    if (!in)
        return NULL;
    if (id && *id)
        for (size_t i = 0; i < in->n_rims; i++)
            if (in->rims[i].id && strcmp(in->rims[i].id, id) == 0)
                return &in->rims[i];
    if (version && *version)
        for (size_t i = 0; i < in->n_rims; i++)
            if (!in->rims[i].id && in->rims[i].parsed &&
                ta_rim_version_matches(in->rims[i].parsed, version))
                return &in->rims[i];
    return NULL;
}

int ta_gpu_inputs_rim_parsed(teeattest_gpu_inputs *in, ta_gpu_rim_item *item)
{
    if (item->parsed)
        return TEEATTEST_OK;
    if (item->parse_rc)
        return item->parse_rc;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    int rc = ta_rim_parse(in->ctx, item->xml, item->len, &item->parsed, &e);
    if (rc) {
        item->parse_rc = rc;
        snprintf(item->parse_err, sizeof item->parse_err, "%s", e.message);
    }
    return rc;
}

/* Whether a RIM document (from the service or the on-disk cache) is intact:
 * it parses, its digest and signature verify under its own signer
 * certificate; *not_after gets that certificate's notAfter (the entry's
 * expiry). The chain to NVIDIA's root and every date are judged at
 * verification. */
static bool rim_intact(const teeattest_ctx *ctx, const uint8_t *xml,
                       size_t len, int64_t *not_after)
{
    ta_rim *rim = NULL;
    ta_x509 *leaf = NULL;
    bool ok = ta_rim_parse(ctx, xml, len, &rim, NULL) == TEEATTEST_OK &&
              ta_rim_check_digest(rim) == TEEATTEST_OK &&
              ta_rim_check_signature(rim, NULL) == TEEATTEST_OK &&
              rim->n_certs &&
              ta_x509_parse_der(ctx, &leaf, rim->certs[0], rim->cert_lens[0],
                                NULL) == TEEATTEST_OK;
    *not_after = ok ? ta_x509_not_after(leaf) : 0;
    ta_x509_free(leaf);
    ta_rim_free(rim);
    return ok;
}

/* A RIM from the on-disk cache: the service's JSON answer for this URL,
 * for `id`, intact and not past its signer's notAfter at `now` (the
 * verification time). */
static int rim_from_cache(teeattest_ctx *ctx, const char *key, const char *id,
                          int64_t now, uint8_t **xml, size_t *xml_len)
{
    uint8_t *blob = NULL;
    ta_cache_part p[1];
    int64_t na = 0;
    if (ta_cache_load(ctx, key, now, &blob, p, 1, NULL) != TEEATTEST_OK)
        return TEEATTEST_E_NOT_FOUND;
    char got[TA_GPU_RIM_ID_MAX];
    int rc = rim_from_service_json(ctx, p[0].p, p[0].len, got, xml, xml_len,
                                   NULL);
    ta_free(ctx, blob);
    if (!rc && (strcmp(got, id) != 0 ||
                !rim_intact(ctx, *xml, *xml_len, &na) || na <= now))
        rc = TEEATTEST_E_NOT_FOUND;
    if (rc) {
        ta_log(ctx, TEEATTEST_LOG_DEBUG, "cache: RIM %s ignored: not intact, "
               "another id or past its signer's notAfter", id);
        ta_free(ctx, *xml);
        *xml = NULL;
        return TEEATTEST_E_NOT_FOUND;
    }
    ta_log(ctx, TEEATTEST_LOG_DEBUG, "RIM %s from the on-disk cache", id);
    return TEEATTEST_OK;
}

int ta_gpu_inputs_fetch_rim(teeattest_gpu_inputs *in, const char *id,
                            int64_t at, ta_gpu_rim_item **out,
                            teeattest_error *err)
{
    if (out)
        *out = NULL;
    if (!in || !id || !rim_id_valid(id))
        return TA_INVALID(err, "RIM fetch: bad id");
    teeattest_ctx *ctx = in->ctx;
    const char *base = ta_gpu_inputs_url(in, TEEATTEST_GPU_ONLINE_RIM);
    size_t bl = strlen(base);
    while (bl && base[bl - 1] == '/')
        bl--;
    char url[TA_GPU_URL_MAX + TA_GPU_RIM_ID_MAX + 16];
    snprintf(url, sizeof url, "%.*s/v1/rim/%s", (int)bl, base, id);
    char key[sizeof url + 4];
    snprintf(key, sizeof key, "GET %s", url);
    uint8_t *xml = NULL;
    size_t xml_len = 0;
    if (ta_cache_enabled(ctx) &&
        rim_from_cache(ctx, key, id, at, &xml, &xml_len) == TEEATTEST_OK) {
        int rc = rim_push(in, id, xml, xml_len, NULL, true, out);
        if (rc)
            return ta_error(err, rc, "gpu.rim", "keeping the cached RIM");
        return TEEATTEST_OK;
    }

    teeattest_http_response resp;
    ta_http_response_init(&resp, ctx, RIM_JSON_MAX, NULL, NULL);
    teeattest_error te = TEEATTEST_ERROR_INIT;
    int rc = ta_service_get(ctx, url, in->service_key, RIM_FETCH_RETRIES,
                            RIM_JSON_MAX, &resp, &te);
    if (rc) {
        ta_error_backend(err, rc, te.backend_code, "gpu.rim",
                         "RIM service %s: %s", url, te.message);
    }
    if (!rc && resp.status != 200) {
        bool not_found = resp.status == 404;
        rc = ta_error_backend(err, TEEATTEST_E_HTTP_STATUS, resp.status,
                              "gpu.rim", "RIM service: HTTP %d for %s%s",
                              (int)resp.status, id,
                              not_found ? " (RIM_NOT_FOUND: NVIDIA has not "
                                          "published this reference)"
                                        : "");
    }
    if (!rc) {
        char got[TA_GPU_RIM_ID_MAX];
        rc = rim_from_service_json(ctx, resp.body.data, resp.body.len, got,
                                   &xml, &xml_len, err);
        if (!rc && strcmp(got, id) != 0) {
            ta_free(ctx, xml);
            xml = NULL;
            rc = ta_error(err, TEEATTEST_E_PARSE, "gpu.rim",
                          "RIM service answered id %s for %s", got, id);
        }
    }
    int64_t na = 0;
    if (!rc && ta_cache_enabled(ctx) && rim_intact(ctx, xml, xml_len, &na)) {
        ta_cache_part p[1] = {{resp.body.data, resp.body.len}};
        ta_cache_store(ctx, key, at, na, p, 1);
    }
    ta_http_response_clear(&resp);
    if (rc)
        return rc;
    rc = rim_push(in, id, xml, xml_len, NULL, true, out);
    if (rc)
        return ta_error(err, rc, "gpu.rim", "keeping the fetched RIM");
    return TEEATTEST_OK;
}

int ta_gpu_inputs_keep(teeattest_gpu_inputs *in, int32_t kind,
                       const uint8_t *data, size_t len)
{
    switch (kind) {
    case TEEATTEST_GPU_ITEM_OCSP:
        return blob_push(in->ctx, &in->ocsp, &in->n_ocsp, &in->cap_ocsp, data,
                         len);
    case TEEATTEST_GPU_ITEM_JWKS:
        return blob_push(in->ctx, &in->jwks_docs, &in->n_jwks, &in->cap_jwks,
                         data, len);
    case TEEATTEST_GPU_ITEM_NRAS_RESPONSE: {
        if (in->nras.data && !in->nras_fetched)
            return TEEATTEST_E_INVALID_ARG; /* never replace the caller's */
        uint8_t *copy = dup_bytes(in->ctx, data, len);
        if (!copy)
            return TEEATTEST_E_NOMEM;
        ta_free(in->ctx, in->nras.data);
        in->nras.data = copy;
        in->nras.len = len;
        in->nras_fetched = true;
        return TEEATTEST_OK;
    }
    default:
        return TEEATTEST_E_INVALID_ARG;
    }
}
