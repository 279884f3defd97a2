/*
 * teeattest_gpu_verify(): the public policy applied to the GPU layers
 * (lib/gpu): local evidence checks, OCSP, RIM comparison, NRAS.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <string.h>

#include "../gpu/gpu.h"
#include "../gpu/inputs.h"
#include "../gpu/nras.h"
#include "../gpu/ocsp.h"
#include "../gpu/rim.h"
#include "pipeline.h"

/* What this verification does, derived once from policy and inputs. */
typedef struct plan {
    int64_t at;
    int32_t mode;
    bool use_nras, nras_required;
    bool use_rim, rim_required;
    bool ocsp_skip, ocsp_required;
    int32_t ocsp_nonce;
    bool allow_hold;
    uint32_t min_count;
} plan;

static void make_plan(const teeattest_policy *p, const teeattest_gpu_inputs *in,
                      int64_t at, plan *pl)
{
    memset(pl, 0, sizeof *pl);
    struct teeattest_policy defaults;
    if (!p) {
        memset(&defaults, 0, sizeof defaults);
        ta_policy_defaults(&defaults);
        p = &defaults;
    }
    pl->at = at;
    pl->mode = p->gpu_mode;
    bool nras_at_hand =
        in->nras.data || (in->online & TEEATTEST_GPU_ONLINE_NRAS);
    switch (pl->mode) {
    case TEEATTEST_GPU_MODE_REMOTE:
        pl->use_nras = true;
        break;
    case TEEATTEST_GPU_MODE_LOCAL:
        pl->use_rim = true;
        break;
    case TEEATTEST_GPU_MODE_BOTH:
        pl->use_nras = pl->use_rim = true;
        break;
    default: /* AUTO */
        pl->use_nras = nras_at_hand;
        pl->use_rim = !nras_at_hand;
        break;
    }
    pl->nras_required = pl->use_nras;
    if (p->gpu_rim == TEEATTEST_GPU_REQUIRE)
        pl->use_rim = true;
    else if (p->gpu_rim == TEEATTEST_GPU_SKIP)
        pl->use_rim = false;
    pl->rim_required = pl->use_rim;
    pl->ocsp_skip = p->gpu_ocsp == TEEATTEST_GPU_SKIP;
    pl->ocsp_required = p->gpu_ocsp == TEEATTEST_GPU_REQUIRE ||
                        (p->gpu_ocsp == TEEATTEST_GPU_DEFAULT &&
                         (in->online & TEEATTEST_GPU_ONLINE_OCSP));
    pl->ocsp_nonce = p->gpu_ocsp_nonce;
    pl->allow_hold = p->gpu_allow_hold;
    pl->min_count = p->gpu_min_count ? p->gpu_min_count : 1;
}

/* ---- OCSP ----------------------------------------------------------------- */

static void keep_ocsp(void *user, const uint8_t *der, size_t len)
{
    teeattest_gpu_inputs *in = user;
    if (ta_gpu_inputs_keep(in, TEEATTEST_GPU_ITEM_OCSP, der, len))
        ta_log(in->ctx, TEEATTEST_LOG_WARN,
               "GPU inputs: could not keep a fetched OCSP response");
}

static void keep_jwks(void *user, const uint8_t *doc, size_t len)
{
    teeattest_gpu_inputs *in = user;
    if (ta_gpu_inputs_keep(in, TEEATTEST_GPU_ITEM_JWKS, doc, len))
        ta_log(in->ctx, TEEATTEST_LOG_WARN,
               "GPU inputs: could not keep a fetched JWKS document");
}

/* Checks "<prefix>.cert[k]" for one chain (leaf first), with the saved
 * responses of `in` (rebuilt per call: earlier chains may have fetched
 * some) and the online responder when allowed. */
static int ocsp_chain(teeattest_ctx *ctx, teeattest_result *r,
                      teeattest_gpu_inputs *in, const plan *pl,
                      const char *prefix, const uint8_t *const *chain,
                      const size_t *lens, size_t n, size_t start,
                      teeattest_error *err)
{
    const uint8_t **resp = NULL;
    size_t *rlen = NULL;
    if (in->n_ocsp) {
        resp = ta_calloc(ctx, in->n_ocsp, sizeof *resp);
        rlen = ta_calloc(ctx, in->n_ocsp, sizeof *rlen);
        if (!resp || !rlen) {
            ta_free(ctx, resp);
            ta_free(ctx, rlen);
            return ta_error(err, TEEATTEST_E_NOMEM, "gpu.ocsp", "out of memory");
        }
        for (size_t k = 0; k < in->n_ocsp; k++) {
            resp[k] = in->ocsp[k].data;
            rlen[k] = in->ocsp[k].len;
        }
    }
    ta_ocsp_check_opts o;
    memset(&o, 0, sizeof o);
    o.at = pl->at;
    o.responses = resp;
    o.response_lens = rlen;
    o.n_responses = in->n_ocsp;
    o.online = (in->online & TEEATTEST_GPU_ONLINE_OCSP) != 0;
    o.url = ta_gpu_inputs_url(in, TEEATTEST_GPU_ONLINE_OCSP);
    o.service_key = in->service_key;
    o.no_nonce = pl->ocsp_nonce == TEEATTEST_GPU_OCSP_NONCE_NONE;
    o.nonce_optional = pl->ocsp_nonce == TEEATTEST_GPU_OCSP_NONCE_OPTIONAL;
    o.allow_hold = pl->allow_hold;
    o.required = pl->ocsp_required;
    o.on_fetched = keep_ocsp;
    o.on_fetched_user = in;
    int rc = ta_ocsp_check_append(ctx, r, prefix, chain, lens, n, start, &o,
                                  NULL, err);
    ta_free(ctx, resp);
    ta_free(ctx, rlen);
    return rc;
}

static int device_ocsp(teeattest_ctx *ctx, teeattest_result *r,
                       teeattest_gpu_inputs *in, const plan *pl, size_t i,
                       const ta_gpu_device *d, teeattest_error *err)
{
    char name[48];
    snprintf(name, sizeof name, "gpu[%zu].ocsp", i);
    if (pl->ocsp_skip) {
        ta_result_check(r, name, TEEATTEST_OUTCOME_SKIP, false,
                        "revocation not checked: OCSP skipped by policy");
        return TEEATTEST_OK;
    }
    if (!d->parsed || d->certs.n < 2) {
        ta_result_check(r, name, TEEATTEST_OUTCOME_SKIP, pl->ocsp_required,
                        "revocation not checked: the certificate chain did "
                        "not parse");
        return TEEATTEST_OK;
    }
    /* Certificate 0 is the GPU's own leaf, which NVIDIA's responder does
     * not serve (spec 3.4): the chain is checked from certificate 1. */
    return ocsp_chain(ctx, r, in, pl, name,
                      (const uint8_t *const *)d->certs.der, d->certs.der_len,
                      d->certs.n, 1, err);
}

/* ---- RIMs ----------------------------------------------------------------- */

/* The RIM for one id of one GPU: supplied, else fetched when allowed.
 * Returns the item's index or -1 with `why` saying what went wrong and
 * *fetch_failed set when a fetch was tried. */
static long find_or_fetch(teeattest_gpu_inputs *in, const char *id,
                          const char *version, int64_t at, char *why,
                          size_t why_cap, bool *fetch_failed)
{
    *fetch_failed = false;
    ta_gpu_rim_item *it = ta_gpu_inputs_find_rim(in, id, version);
    if (it)
        return (long)(it - in->rims);
    if (!id || !*id) {
        snprintf(why, why_cap, "no RIM id could be derived from the evidence "
                               "and no supplied RIM has its version");
        return -1;
    }
    if (!(in->online & TEEATTEST_GPU_ONLINE_RIM)) {
        snprintf(why, why_cap, "RIM %s was not supplied and the RIM service "
                               "is offline", id);
        return -1;
    }
    teeattest_error e = TEEATTEST_ERROR_INIT;
    int rc = ta_gpu_inputs_fetch_rim(in, id, at, &it, &e);
    if (rc) {
        *fetch_failed = true;
        snprintf(why, why_cap, "RIM %s: %s", id,
                 e.message[0] ? e.message : teeattest_status_str(rc));
        return -1;
    }
    return (long)(it - in->rims);
}

static int device_rim(teeattest_ctx *ctx, teeattest_result *r,
                      teeattest_gpu_inputs *in, const plan *pl, size_t i,
                      const ta_gpu_device *d, teeattest_error *err)
{
    if (!d->parsed) {
        char name[48];
        snprintf(name, sizeof name, "gpu[%zu].rim", i);
        ta_result_check(r, name, TEEATTEST_OUTCOME_SKIP, pl->rim_required,
                        "measurements not compared: the evidence did not "
                        "parse");
        return TEEATTEST_OK;
    }
    const char *ids[2] = {d->driver_rim_id, d->vbios_rim_id};
    const char *versions[2] = {
        d->spdm.driver_version[0] ? d->spdm.driver_version : NULL,
        d->spdm.vbios_version[0] ? d->spdm.vbios_version : NULL};
    static const char *const src[2] = {"driver", "vbios"};
    long idx[2];
    for (int k = 0; k < 2; k++) {
        char why[400] = "";
        bool fetch_failed;
        idx[k] = find_or_fetch(in, ids[k], versions[k], pl->at, why,
                               sizeof why, &fetch_failed);
        if (idx[k] < 0) {
            /* Said apart from a mismatch: NVIDIA lags firmware releases
             * (spec 9), and "reference missing" needs a different fix. */
            char name[48];
            snprintf(name, sizeof name, "gpu[%zu].rim.%s.source", i, src[k]);
            ta_result_check(r, name,
                            fetch_failed ? TEEATTEST_OUTCOME_FAIL
                                         : TEEATTEST_OUTCOME_SKIP,
                            pl->rim_required, "reference missing: %s", why);
        }
    }
    /* Indexes, not pointers: a fetch may have moved the array. */
    ta_gpu_rim_item *items[2] = {idx[0] >= 0 ? &in->rims[idx[0]] : NULL,
                                 idx[1] >= 0 ? &in->rims[idx[1]] : NULL};
    ta_rim_block blocks[TA_RIM_MAX_INDEX];
    memset(blocks, 0, sizeof blocks);
    size_t count = 0;
    for (size_t b = 0; b < d->spdm.n_blocks; b++) {
        const ta_gpu_block *bl = &d->spdm.blocks[b];
        if (bl->index == 0 || bl->index > TA_RIM_MAX_INDEX)
            continue;
        blocks[bl->index - 1].present = true;
        blocks[bl->index - 1].value = bl->value;
        blocks[bl->index - 1].len = bl->value_size;
        if (bl->index > count)
            count = bl->index;
    }
    ta_rim_verify_in vin;
    memset(&vin, 0, sizeof vin);
    const ta_rim **parsed[2] = {&vin.driver_parsed, &vin.vbios_parsed};
    const uint8_t **xml[2] = {&vin.driver_xml, &vin.vbios_xml};
    size_t *xlen[2] = {&vin.driver_len, &vin.vbios_len};
    for (int k = 0; k < 2; k++) {
        if (!items[k])
            continue;
        *xml[k] = items[k]->xml;
        *xlen[k] = items[k]->len;
        /* A document that does not parse goes in as XML: the RIM layer
         * then reports why on its own checks. */
        if (ta_gpu_inputs_rim_parsed(in, items[k]) == TEEATTEST_OK)
            *parsed[k] = items[k]->parsed;
    }
    vin.driver_rim_id = ids[0][0] ? ids[0] : NULL;
    vin.vbios_rim_id = ids[1][0] ? ids[1] : NULL;
    vin.runtime.blocks = blocks;
    vin.runtime.count = count;
    vin.runtime.nvdec0_status = d->spdm.nvdec0_status;
    vin.runtime.driver_version = versions[0];
    vin.runtime.vbios_version = versions[1];
    vin.at = pl->at;
    vin.required = pl->rim_required;
    int rc = ta_rim_verify_append(ctx, r, i, &vin, NULL, err);
    if (rc)
        return rc;

    /* Revocation of the RIM signers (spec 3.4: the RIM chains too). */
    for (int k = 0; k < 2; k++) {
        const ta_rim *rim = *parsed[k];
        char name[48];
        snprintf(name, sizeof name, "gpu[%zu].rim.%s.ocsp", i, src[k]);
        if (pl->ocsp_skip) {
            ta_result_check(r, name, TEEATTEST_OUTCOME_SKIP, false,
                            "revocation not checked: OCSP skipped by policy");
            continue;
        }
        if (!rim || rim->n_certs < 2) {
            ta_result_check(r, name, TEEATTEST_OUTCOME_SKIP, pl->ocsp_required,
                            "revocation not checked: no usable RIM signer "
                            "chain");
            continue;
        }
        rc = ocsp_chain(ctx, r, in, pl, name,
                        (const uint8_t *const *)rim->certs, rim->cert_lens,
                        rim->n_certs, 0, err);
        if (rc)
            return rc;
    }
    return TEEATTEST_OK;
}

/* ---- NRAS ----------------------------------------------------------------- */

static int run_nras(teeattest_ctx *ctx, teeattest_result *r,
                    teeattest_gpu_inputs *in, const plan *pl,
                    const ta_gpu_outcome *oc, const uint8_t *evidence,
                    size_t len, const uint8_t nonce[32], teeattest_error *err)
{
    ta_nras_policy np;
    ta_nras_policy_init(&np);
    np.expected_gpus = oc->n;
    /* The tokens must name these GPUs (ueid = leaf serial) and their
     * versions, read from the signed evidence. */
    ta_nras_device *devs = ta_calloc(ctx, oc->n ? oc->n : 1, sizeof *devs);
    if (!devs)
        return ta_error(err, TEEATTEST_E_NOMEM, "gpu.nras", "out of memory");
    for (size_t i = 0; i < oc->n; i++) {
        devs[i].ueid = oc->gpus[i].serial;
        devs[i].driver = oc->gpus[i].spdm.driver_version;
        devs[i].vbios = oc->gpus[i].spdm.vbios_version;
    }
    np.devices = devs;
    np.n_devices = oc->n;
    ta_nras_outcome no;
    memset(&no, 0, sizeof no);
    bool jwks_online = (in->online & TEEATTEST_GPU_ONLINE_JWKS) != 0;
    const char *base = ta_gpu_inputs_url(in, TEEATTEST_GPU_ONLINE_NRAS);
    /* NULL: the NRAS host's /.well-known/jwks.json (lib/gpu/nras.c). */
    const char *jwks_url = ta_gpu_inputs_url(in, TEEATTEST_GPU_ONLINE_JWKS);
    in->jwks.on_fetched = keep_jwks;
    in->jwks.on_fetched_user = in;
    int rc = TEEATTEST_OK;

    /* An answer an earlier verification fetched belongs to that
     * evidence: online, ask again. */
    bool saved = in->nras.data &&
                 !(in->nras_fetched && (in->online & TEEATTEST_GPU_ONLINE_NRAS));
    if (saved) {
        /* A supplied answer: verified as it is, never re-asked. */
        if (jwks_online) {
            teeattest_error fe = TEEATTEST_ERROR_INIT;
            int frc = ta_nras_refresh_jwks(ctx, in->nras.data, in->nras.len,
                                           &in->jwks, jwks_url, base, pl->at,
                                           &fe);
            if (frc)
                ta_result_check(r, "gpu.nras.jwks", TEEATTEST_OUTCOME_FAIL,
                                pl->nras_required, "JWKS fetch: %s",
                                fe.message[0] ? fe.message
                                              : teeattest_status_str(frc));
        }
        rc = ta_nras_verify_append(ctx, r, &no, in->nras.data, in->nras.len,
                                   &in->jwks, nonce, pl->at, &np, err);
    } else if (in->online & TEEATTEST_GPU_ONLINE_NRAS) {
        ta_gpu_payload *p = NULL;
        teeattest_error pe = TEEATTEST_ERROR_INIT;
        int prc = ta_gpu_payload_parse(ctx, evidence, len, &p, &pe);
        if (prc == TEEATTEST_E_NOMEM) {
            rc = ta_error(err, prc, "gpu.nras", "out of memory");
            goto out;
        }
        if (prc) {
            ta_result_check(r, "gpu.nras", TEEATTEST_OUTCOME_SKIP,
                            pl->nras_required,
                            "not sent to NRAS: the payload did not parse");
            goto out;
        }
        ta_nras_evidence *ev = ta_calloc(ctx, p->n, sizeof *ev);
        if (!ev) {
            ta_gpu_payload_free(p);
            rc = ta_error(err, TEEATTEST_E_NOMEM, "gpu.nras", "out of memory");
            goto out;
        }
        for (size_t i = 0; i < p->n; i++) {
            ev[i].evidence_b64 = p->items[i].evidence;
            ev[i].certificate_b64 = p->items[i].certificate;
        }
        ta_nras_options o;
        memset(&o, 0, sizeof o);
        o.base_url = base;
        o.version = in->nras_version;
        o.arch = oc->n && oc->gpus[0].arch != TA_GPU_ARCH_UNKNOWN
                     ? ta_gpu_arch_name(oc->gpus[0].arch) : "HOPPER";
        o.service_key = in->service_key;
        o.fetch_jwks = jwks_online;
        o.jwks_url = jwks_url;
        ta_buf answer;
        memset(&answer, 0, sizeof answer);
        teeattest_error ae = TEEATTEST_ERROR_INIT;
        rc = ta_nras_attest(ctx, r, &no, &answer, &o, nonce, ev, p->n,
                            &in->jwks, pl->at, &np, &ae);
        /* A transport failure is a failed check already appended, not an
         * error of the verification. */
        if (rc && rc != TEEATTEST_E_NOMEM && rc != TEEATTEST_E_INVALID_ARG)
            rc = TEEATTEST_OK;
        else if (rc)
            ta_error_copy(err, &ae);
        if (!rc && answer.data &&
            ta_gpu_inputs_keep(in, TEEATTEST_GPU_ITEM_NRAS_RESPONSE,
                               answer.data, answer.len))
            ta_log(ctx, TEEATTEST_LOG_WARN,
                   "GPU inputs: could not keep the NRAS answer");
        ta_buf_free(&answer);
        ta_free(ctx, ev);
        ta_gpu_payload_free(p);
    } else {
        ta_result_check(r, "gpu.nras", TEEATTEST_OUTCOME_FAIL,
                        pl->nras_required,
                        "the policy requires NRAS, but no NRAS answer was "
                        "supplied and NRAS is offline");
        goto out;
    }
out:
    in->jwks.on_fetched = NULL;
    in->jwks.on_fetched_user = NULL;
    ta_free(ctx, devs);
    return rc;
}

/* ---- entry point ---------------------------------------------------------- */

static const char *mode_name(int32_t mode)
{
    switch (mode) {
    case TEEATTEST_GPU_MODE_LOCAL: return "local";
    case TEEATTEST_GPU_MODE_REMOTE: return "remote";
    case TEEATTEST_GPU_MODE_BOTH: return "both";
    default: return "auto";
    }
}

static int verify_all(teeattest_ctx *ctx, teeattest_result *r,
                      const uint8_t *evidence, size_t len,
                      const uint8_t *nonce, teeattest_gpu_inputs *in,
                      const plan *pl, teeattest_error *err)
{
    ta_gpu_outcome oc;
    int rc = ta_gpu_verify_local(ctx, evidence, len, nonce, 32, pl->min_count,
                                 pl->at, r, &oc, err);
    if (rc) {
        ta_gpu_outcome_free(&oc);
        return rc;
    }
    ta_result_fact_str(r, "gpu.mode", mode_name(pl->mode));
    if (oc.n == 0) {
        /* Not a GPU payload: gpu.payload failed; nothing else can run. */
        ta_result_fact_str(r, "gpu.measurements", "none");
        ta_gpu_outcome_free(&oc);
        return TEEATTEST_OK;
    }
    for (size_t i = 0; !rc && i < oc.n; i++)
        rc = device_ocsp(ctx, r, in, pl, i, &oc.gpus[i], err);

    if (pl->use_rim) {
        for (size_t i = 0; !rc && i < oc.n; i++)
            rc = device_rim(ctx, r, in, pl, i, &oc.gpus[i], err);
    } else {
        ta_result_check(r, "gpu.rim", TEEATTEST_OUTCOME_SKIP, false,
                        "RIM comparison not run: %s",
                        pl->mode == TEEATTEST_GPU_MODE_REMOTE
                            ? "the policy's mode is remote (NRAS judges the "
                              "measurements)"
                        : pl->use_nras ? "NRAS judges the measurements"
                                       : "skipped by policy");
    }

    if (!rc && pl->use_nras)
        rc = run_nras(ctx, r, in, pl, &oc, evidence, len, nonce, err);
    else if (!rc)
        ta_result_check(r, "gpu.nras", TEEATTEST_OUTCOME_SKIP, false,
                        "NRAS not used: %s",
                        pl->mode == TEEATTEST_GPU_MODE_LOCAL
                            ? "the policy's mode is local"
                            : "no NRAS answer supplied and NRAS is offline");
    if (rc) {
        ta_gpu_outcome_free(&oc);
        return rc;
    }

    const char *judged = pl->use_nras && pl->use_rim ? "nras+rim"
                         : pl->use_nras               ? "nras"
                         : pl->use_rim                ? "rim"
                                                      : "none";
    ta_result_fact_str(r, "gpu.measurements", judged);
    if (!pl->use_nras && !pl->use_rim)
        /* The caller chose this; the result must still not read as if the
         * firmware had been judged. */
        ta_result_check(r, "gpu.measurements", TEEATTEST_OUTCOME_WARN, false,
                        "nothing judged the GPU measurements: RIM comparison "
                        "skipped by policy and NRAS not used");
    ta_gpu_outcome_free(&oc);
    return TEEATTEST_OK;
}

int ta_gpu_verify_into(teeattest_ctx *ctx, teeattest_result *r,
                       const uint8_t *evidence, size_t len,
                       const uint8_t nonce[32], teeattest_gpu_inputs *in,
                       ta_gpu_blob *nras, bool *nras_fetched,
                       const teeattest_policy *policy, int64_t at,
                       teeattest_error *err)
{
    /* The entry's answer stands in for the inputs' own for this run:
     * every NRAS rule (supplied answers are kept, fetched ones re-asked
     * online) then applies per entry. */
    ta_gpu_blob own = in->nras;
    bool own_fetched = in->nras_fetched;
    in->nras = *nras;
    in->nras_fetched = *nras_fetched;
    plan pl;
    make_plan(policy, in, at, &pl);
    int rc = verify_all(ctx, r, evidence, len, nonce, in, &pl, err);
    *nras = in->nras;
    *nras_fetched = in->nras_fetched;
    in->nras = own;
    in->nras_fetched = own_fetched;
    return rc;
}

TEEATTEST_API int teeattest_gpu_verify(teeattest_ctx *ctx,
                                       teeattest_result **out,
                                       const uint8_t *evidence, size_t len,
                                       const uint8_t *nonce, size_t nonce_len,
                                       teeattest_gpu_inputs *in,
                                       const teeattest_policy *policy,
                                       teeattest_error *err)
{
    if (out)
        *out = NULL;
    if (!ctx || !out || !evidence || !nonce)
        return TA_INVALID(err, !ctx ? "ctx is NULL" : !out ? "out is NULL"
                               : !evidence ? "evidence is NULL"
                                           : "nonce is NULL");
    if (nonce_len != TA_GPU_NONCE_LEN)
        return ta_error(err, TEEATTEST_E_INVALID_ARG, "gpu.nonce",
                        "the GPU nonce must be %u bytes, got %zu",
                        TA_GPU_NONCE_LEN, nonce_len);
    if (in && in->ctx != ctx)
        return TA_INVALID(err, "the GPU inputs belong to another context");
    if (policy && policy->ctx != ctx)
        return TA_INVALID(err, "the policy belongs to another context");
    if (len > TEEATTEST_GPU_PAYLOAD_MAX)
        return ta_error(err, TEEATTEST_E_TOO_LARGE, "gpu.payload",
                        "GPU payload is %zu bytes, the limit is %u", len,
                        (unsigned)TEEATTEST_GPU_PAYLOAD_MAX);
    teeattest_gpu_inputs *tmp = NULL;
    if (!in) {
        int rc = teeattest_gpu_inputs_new(ctx, &tmp, err);
        if (rc)
            return rc;
        in = tmp;
    }
    int64_t at = policy && policy->time != TA_TIME_NOW
                     ? policy->time : teeattest_ctx_now(ctx);
    plan pl;
    make_plan(policy, in, at, &pl);

    teeattest_result *r = NULL;
    int rc = ta_result_new(ctx, &r);
    if (rc) {
        teeattest_gpu_inputs_free(tmp);
        return ta_error(err, rc, NULL, "allocating the result");
    }
    rc = verify_all(ctx, r, evidence, len, nonce, in, &pl, err);
    if (!rc)
        rc = ta_result_finish(r, err);
    teeattest_gpu_inputs_free(tmp);
    if (rc) {
        teeattest_result_free(r);
        return rc;
    }
    *out = r;
    return TEEATTEST_OK;
}
