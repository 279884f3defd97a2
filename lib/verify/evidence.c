/*
 * teeattest_evidence (include/teeattest/attest.h): the material report
 * verification uses beyond the report, supplied or fetched.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>
#include <strings.h>

#include "pipeline.h"

TEEATTEST_API int teeattest_evidence_new(teeattest_ctx *ctx,
                                         teeattest_evidence **out,
                                         teeattest_error *err)
{
    if (out)
        *out = NULL;
    if (!ctx || !out)
        return TA_INVALID(err, !ctx ? "ctx is NULL" : "out is NULL");
    teeattest_evidence *ev = ta_calloc(ctx, 1, sizeof *ev);
    if (!ev)
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "allocating evidence");
    int rc = teeattest_gpu_inputs_new(ctx, &ev->gpu, err);
    if (rc) {
        ta_free(ctx, ev);
        return rc;
    }
    atomic_init(&ev->refs, 1);
    ev->ctx = teeattest_ctx_ref(ctx);
    *out = ev;
    return TEEATTEST_OK;
}

TEEATTEST_API teeattest_evidence *teeattest_evidence_ref(
    teeattest_evidence *ev)
{
    if (ev)
        atomic_fetch_add(&ev->refs, 1);
    return ev;
}

static void blob_free(teeattest_ctx *ctx, ta_gpu_blob *b)
{
    ta_free(ctx, b->data);
    b->data = NULL;
    b->len = 0;
}

TEEATTEST_API void teeattest_evidence_free(teeattest_evidence *ev)
{
    if (!ev || atomic_fetch_sub(&ev->refs, 1) != 1)
        return;
    teeattest_ctx *ctx = ev->ctx;
    for (size_t i = 0; i < ev->n_cols; i++)
        teeattest_collateral_free(ev->cols[i]);
    ta_free(ctx, ev->cols);
    for (size_t i = 0; i < TA_EVIDENCE_ENTRIES_MAX; i++)
        blob_free(ctx, &ev->nras[i].blob);
    blob_free(ctx, &ev->tls_spki);
    blob_free(ctx, &ev->e2e_instances);
    blob_free(ctx, &ev->model_compose);
    teeattest_gpu_inputs_free(ev->gpu);
    ta_free(ctx, ev->pccs_url);
    ta_free(ctx, ev->model_files_url);
    ta_free(ctx, ev->registry_url);
    ta_free(ctx, ev->tinfoil_url);
    for (size_t i = 0; i < ev->n_sigstore_bundles; i++)
        blob_free(ctx, &ev->sigstore_bundles[i]);
    ta_free(ctx, ev);
    teeattest_ctx_free(ctx);
}

int ta_evidence_keep_collateral(teeattest_evidence *ev,
                                teeattest_collateral *col,
                                teeattest_error *err)
{
    if (ev->n_cols >= TA_EVIDENCE_COLLATERALS_MAX)
        return ta_error(err, TEEATTEST_E_TOO_LARGE, "evidence",
                        "at most %u collaterals per evidence object",
                        TA_EVIDENCE_COLLATERALS_MAX);
    teeattest_collateral **c =
        ta_realloc(ev->ctx, ev->cols, (ev->n_cols + 1) * sizeof *c);
    if (!c)
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "out of memory");
    ev->cols = c;
    c[ev->n_cols++] = teeattest_collateral_ref(col);
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_evidence_add_collateral(teeattest_evidence *ev,
                                                    teeattest_collateral *col,
                                                    teeattest_error *err)
{
    if (!ev || !col)
        return TA_INVALID(err, !ev ? "ev is NULL" : "col is NULL");
    if (col->ctx != ev->ctx)
        return TA_INVALID(err, "the collateral belongs to another context");
    return ta_evidence_keep_collateral(ev, col, err);
}

TEEATTEST_API size_t teeattest_evidence_collateral_count(
    const teeattest_evidence *ev)
{
    return ev ? ev->n_cols : 0;
}

TEEATTEST_API teeattest_collateral *teeattest_evidence_collateral(
    const teeattest_evidence *ev, size_t index)
{
    return ev && index < ev->n_cols ? ev->cols[index] : NULL;
}

/* The slot of an item, or NULL for an unknown item / entry. */
static ta_gpu_blob *slot(teeattest_evidence *ev, int32_t item, size_t entry,
                         bool **fetched)
{
    if (fetched)
        *fetched = NULL;
    switch (item) {
    case TEEATTEST_EVIDENCE_NRAS_RESPONSE:
        if (entry >= TA_EVIDENCE_ENTRIES_MAX)
            return NULL;
        if (fetched)
            *fetched = &ev->nras[entry].fetched;
        return &ev->nras[entry].blob;
    case TEEATTEST_EVIDENCE_TLS_SPKI:
        return &ev->tls_spki;
    case TEEATTEST_EVIDENCE_E2E_INSTANCES:
        return &ev->e2e_instances;
    case TEEATTEST_EVIDENCE_MODEL_COMPOSE:
        return &ev->model_compose;
    default:
        return NULL;
    }
}

TEEATTEST_API int teeattest_evidence_set(teeattest_evidence *ev, int32_t item,
                                         size_t entry, const uint8_t *data,
                                         size_t len, teeattest_error *err)
{
    if (!ev || (!data && len))
        return TA_INVALID(err, !ev ? "ev is NULL" : "data is NULL");
    bool *fetched;
    ta_gpu_blob *b = slot(ev, (int32_t)item, entry, &fetched);
    if (!b)
        return ta_error(err, TEEATTEST_E_INVALID_ARG, NULL,
                        "unknown evidence item %d or entry %zu", (int)item,
                        entry);
    if (len > TA_EVIDENCE_ITEM_MAX)
        return ta_error(err, TEEATTEST_E_TOO_LARGE, "evidence",
                        "item of %zu bytes exceeds the %u-byte limit", len,
                        TA_EVIDENCE_ITEM_MAX);
    uint8_t *copy = NULL;
    if (data) {
        copy = ta_malloc(ev->ctx, len ? len : 1);
        if (!copy)
            return ta_error(err, TEEATTEST_E_NOMEM, NULL, "out of memory");
        if (len)
            memcpy(copy, data, len);
    }
    blob_free(ev->ctx, b);
    b->data = copy;
    b->len = len;
    if (fetched)
        *fetched = false; /* the caller's answer: never re-asked */
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_evidence_get(const teeattest_evidence *ev,
                                         int32_t item, size_t entry,
                                         const uint8_t **data, size_t *len,
                                         teeattest_error *err)
{
    if (data)
        *data = NULL;
    if (len)
        *len = 0;
    if (!ev || !data || !len)
        return TA_INVALID(err, !ev ? "ev is NULL" : "data or len is NULL");
    ta_gpu_blob *b = slot((teeattest_evidence *)ev, item, entry, NULL);
    if (!b)
        return ta_error(err, TEEATTEST_E_INVALID_ARG, "item",
                        "item %d is not a teeattest_evidence_item, or entry "
                        "%zu is out of range", (int)item, entry);
    if (!b->data)
        return ta_error(err, TEEATTEST_E_NOT_FOUND, "item",
                        "no item %d held for entry %zu", (int)item, entry);
    *data = b->data;
    *len = b->len;
    return TEEATTEST_OK;
}

TEEATTEST_API teeattest_gpu_inputs *teeattest_evidence_gpu_inputs(
    teeattest_evidence *ev)
{
    return ev ? ev->gpu : NULL;
}

TEEATTEST_API int teeattest_evidence_add_sigstore_bundle(
    teeattest_evidence *ev, const uint8_t *bundle, size_t len,
    teeattest_error *err)
{
    if (!ev || !bundle || !len || len > TA_EVIDENCE_BUNDLE_MAX)
        return TA_INVALID(err, !ev ? "ev is NULL"
                               : !bundle || !len ? "bundle is empty"
                                                 : "bundle is over 4 MiB");
    if (ev->n_sigstore_bundles == TA_EVIDENCE_BUNDLES_MAX)
        return ta_error(err, TEEATTEST_E_INVALID_ARG, NULL,
                        "invalid argument: more than %d Sigstore bundles",
                        TA_EVIDENCE_BUNDLES_MAX);
    ta_gpu_blob *b = &ev->sigstore_bundles[ev->n_sigstore_bundles];
    if (!(b->data = ta_malloc(ev->ctx, len)))
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "out of memory");
    memcpy(b->data, bundle, len);
    b->len = len;
    ev->n_sigstore_bundles++;
    return TEEATTEST_OK;
}

bool ta_evidence_sigstore_held(const teeattest_evidence *ev,
                               const uint8_t *data, size_t len, size_t limit,
                               size_t *at)
{
    for (size_t k = 0; k < limit && k < ev->n_sigstore_bundles; k++) {
        const ta_gpu_blob *y = &ev->sigstore_bundles[k];
        if (y->len == len && memcmp(y->data, data, len) == 0) {
            if (at)
                *at = k;
            return true;
        }
    }
    return false;
}

TEEATTEST_API size_t teeattest_evidence_sigstore_bundle_count(
    const teeattest_evidence *ev)
{
    return ev ? ev->n_sigstore_bundles : 0;
}

TEEATTEST_API int teeattest_evidence_sigstore_bundle(
    const teeattest_evidence *ev, size_t index, const uint8_t **data,
    size_t *len, teeattest_error *err)
{
    if (!ev || !data || !len)
        return TA_INVALID(err, "ev, data and len");
    if (index >= ev->n_sigstore_bundles)
        return ta_error(err, TEEATTEST_E_NOT_FOUND, "index",
                        "no Sigstore bundle %zu (%zu held)", index,
                        ev->n_sigstore_bundles);
    *data = ev->sigstore_bundles[index].data;
    *len = ev->sigstore_bundles[index].len;
    return TEEATTEST_OK;
}

#define ONLINE_KNOWN (TEEATTEST_ONLINE_PCCS | TEEATTEST_ONLINE_MODEL_FILES | \
                      TEEATTEST_ONLINE_IMAGE_REGISTRY | \
                      TEEATTEST_ONLINE_TINFOIL_RELEASE)

/* Replace *slot with a copy of url (NULL: the default). */
static int set_url(teeattest_evidence *ev, char **slot, const char *url,
                   const char *what, teeattest_error *err)
{
    char *copy = NULL;
    if (url) {
        if (strncasecmp(url, "https://", 8) != 0 &&
            strncasecmp(url, "http://", 7) != 0)
            return ta_error(err, TEEATTEST_E_INVALID_ARG, NULL,
                            "invalid argument: %s must be http(s)", what);
        if (!(copy = ta_strdup(ev->ctx, url)))
            return ta_error(err, TEEATTEST_E_NOMEM, NULL, "out of memory");
    }
    ta_free(ev->ctx, *slot);
    *slot = copy;
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_evidence_set_online(teeattest_evidence *ev,
                                                uint32_t services,
                                                const char *pccs_url,
                                                teeattest_error *err)
{
    if (!ev)
        return TA_INVALID(err, "ev is NULL");
    if (services & ~ONLINE_KNOWN)
        return ta_error(err, TEEATTEST_E_INVALID_ARG, NULL,
                        "unknown online service bits 0x%x",
                        (unsigned)(services & ~ONLINE_KNOWN));
    int rc = set_url(ev, &ev->pccs_url, pccs_url, "the PCCS URL", err);
    if (rc)
        return rc;
    ev->online = services;
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_evidence_set_url(teeattest_evidence *ev,
                                             uint32_t service, const char *url,
                                             teeattest_error *err)
{
    if (!ev)
        return TA_INVALID(err, "ev is NULL");
    if (service == TEEATTEST_ONLINE_PCCS)
        return set_url(ev, &ev->pccs_url, url, "the PCCS URL", err);
    if (service == TEEATTEST_ONLINE_MODEL_FILES)
        return set_url(ev, &ev->model_files_url, url,
                       "the model files URL", err);
    if (service == TEEATTEST_ONLINE_IMAGE_REGISTRY)
        return set_url(ev, &ev->registry_url, url, "the registry URL", err);
    if (service == TEEATTEST_ONLINE_TINFOIL_RELEASE)
        return set_url(ev, &ev->tinfoil_url, url, "the GitHub API URL", err);
    return ta_error(err, TEEATTEST_E_INVALID_ARG, "service",
                    "service 0x%x is not one TEEATTEST_ONLINE_* bit",
                    (unsigned)service);
}
