/*
 * teeattest_gpu_inputs (include/teeattest/gpu.h): saved and fetched
 * material for GPU verification, and the online services allowed.
 * Internal view, for lib/verify/gpu_verify.c.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_GPU_INPUTS_H
#define TA_GPU_INPUTS_H

#include <stdatomic.h>

#include "jwt.h"
#include "rim.h"

#define TA_GPU_SERVICES 4u /* NRAS, RIM, OCSP, JWKS (bit order) */
#define TA_GPU_URL_MAX 2048u
#define TA_GPU_ITEMS_MAX 4096u /* per kind */

typedef struct ta_gpu_rim_item {
    char *id;            /* NULL: matched by colloquialVersion */
    uint8_t *xml;
    size_t len;
    ta_rim *parsed;      /* parsed once, on first use; NULL until then */
    int parse_rc;        /* TEEATTEST_OK until a parse failed */
    char parse_err[256];
    bool fetched;        /* from the RIM service (not supplied) */
} ta_gpu_rim_item;

typedef struct ta_gpu_blob {
    uint8_t *data;
    size_t len;
} ta_gpu_blob;

struct teeattest_gpu_inputs {
    atomic_size_t refs;
    teeattest_ctx *ctx;
    ta_gpu_rim_item *rims;
    size_t n_rims, cap_rims;
    ta_gpu_blob *ocsp;
    size_t n_ocsp, cap_ocsp;
    ta_gpu_blob nras;    /* data NULL: none */
    bool nras_fetched;   /* nras came from NRAS, not from the caller */
    ta_gpu_blob *jwks_docs;
    size_t n_jwks, cap_jwks;
    ta_jwks jwks;        /* keys of every JWKS document, merged */
    uint32_t online;     /* TEEATTEST_GPU_ONLINE_* */
    char *url[TA_GPU_SERVICES]; /* NULL: NVIDIA's */
    char *service_key;
    int32_t nras_version;
};

/* The RIM for `id` (exact), else one supplied without an id whose
 * colloquialVersion equals `version` (ASCII case-insensitive). NULL when
 * none. */
ta_gpu_rim_item *ta_gpu_inputs_find_rim(teeattest_gpu_inputs *in,
                                        const char *id, const char *version);

/* The parsed RIM of an item, parsing it on first use. TEEATTEST_OK, or
 * the parse status with item->parse_err. */
int ta_gpu_inputs_rim_parsed(teeattest_gpu_inputs *in, ta_gpu_rim_item *item);

/* GET <rim url>/v1/rim/<id> (retried on transient failures), check the
 * answer's id and add the RIM. *out (may be NULL) gets the new item.
 * TEEATTEST_OK; TEEATTEST_E_HTTP_STATUS (404 RIM_NOT_FOUND among them),
 * transport statuses, TEEATTEST_E_JSON / _PARSE / _BASE64 (bad answer),
 * TEEATTEST_E_NOMEM; `err` says which. With an on-disk cache, an intact
 * cached answer whose signer certificate is valid at `at` (the
 * verification time) is used instead, and a fetched one is stored. */
int ta_gpu_inputs_fetch_rim(teeattest_gpu_inputs *in, const char *id,
                            int64_t at, ta_gpu_rim_item **out,
                            teeattest_error *err);

/* Append a blob of `kind` (OCSP or JWKS document, or the NRAS answer,
 * which replaces an earlier fetched one) that verification fetched; JWKS
 * keys are not merged here (ta_jwks_fetch did). Returns
 * TEEATTEST_OK or TEEATTEST_E_NOMEM / _TOO_LARGE (list full). */
int ta_gpu_inputs_keep(teeattest_gpu_inputs *in, int32_t kind,
                       const uint8_t *data, size_t len);

/* The URL of a service (one TEEATTEST_GPU_ONLINE_* bit): the configured
 * one or NVIDIA's; OCSP may be NULL (certificate AIA); JWKS NULL means the
 * NRAS host's /.well-known/jwks.json. */
const char *ta_gpu_inputs_url(const teeattest_gpu_inputs *in,
                              uint32_t service);

#endif /* TA_GPU_INPUTS_H */
