/*
 * Verification policy.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>

#include <mbedtls/x509_crt.h>

#include "verify.h"

void ta_policy_defaults(struct teeattest_policy *p)
{
    p->time = TEEATTEST_TIME_NOW;
    p->ecdsa_strict = false;
    p->require_signer = true;
    p->expected_model = NULL;
    p->tdx_statuses = 0;
    p->allow_expired_collateral = false;
    p->allow_debug = false;
    p->allow_mrservicetd = false;
    for (size_t i = 0; i < TA_POLICY_N_REGS; i++) {
        p->measurements[i] = NULL;
        p->n_measurements[i] = 0;
    }
    p->tdx_root_der = NULL;
    p->tdx_root_der_len = 0;
    p->gpu_mode = TEEATTEST_GPU_MODE_AUTO;
    p->gpu_rim = TEEATTEST_GPU_DEFAULT;
    p->gpu_ocsp = TEEATTEST_GPU_DEFAULT;
    p->gpu_ocsp_nonce = TEEATTEST_GPU_OCSP_NONCE_REQUIRE;
    p->gpu_allow_hold = false;
    p->gpu_min_count = 1;
    for (size_t i = 0; i < TA_POLICY_N_IDS; i++) {
        p->identities[i] = NULL;
        p->n_identities[i] = 0;
    }
    p->require_gpu = true;
    p->require_tls_binding = false;
    p->allow_server_nonce = false;
    p->allow_unbound_key = false;
    p->require_event_log = false;
    p->max_report_age = 0;
}

TEEATTEST_API int teeattest_policy_new(teeattest_ctx *ctx,
                                       teeattest_policy **out,
                                       teeattest_error *err)
{
    if (out)
        *out = NULL;
    if (!ctx || !out)
        return TA_INVALID(err, !ctx ? "ctx is NULL" : "out is NULL");
    teeattest_policy *p = ta_calloc(ctx, 1, sizeof *p);
    if (!p)
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "allocating policy");
    p->ctx = teeattest_ctx_ref(ctx);
    ta_policy_defaults(p);
    *out = p;
    return TEEATTEST_OK;
}

TEEATTEST_API void teeattest_policy_free(teeattest_policy *policy)
{
    if (!policy)
        return;
    teeattest_ctx *ctx = policy->ctx;
    ta_free(ctx, policy->expected_model);
    for (size_t i = 0; i < TA_POLICY_N_REGS; i++)
        ta_free(ctx, policy->measurements[i]);
    ta_free(ctx, policy->tdx_root_der);
    for (size_t i = 0; i < TA_POLICY_N_IDS; i++)
        ta_free(ctx, policy->identities[i]);
    ta_free(ctx, policy);
    teeattest_ctx_free(ctx);
}

TEEATTEST_API int teeattest_policy_set_time(teeattest_policy *policy,
                                            int64_t unix_seconds)
{
    if (!policy)
        return TEEATTEST_E_INVALID_ARG;
    policy->time = unix_seconds;
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_policy_set_ecdsa_strict(teeattest_policy *policy,
                                                    int strict)
{
    if (!policy)
        return TEEATTEST_E_INVALID_ARG;
    policy->ecdsa_strict = strict != 0;
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_policy_set_require_signer(
    teeattest_policy *policy, int required)
{
    if (!policy)
        return TEEATTEST_E_INVALID_ARG;
    policy->require_signer = required != 0;
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_policy_set_expected_model(
    teeattest_policy *policy, const char *model)
{
    if (!policy)
        return TEEATTEST_E_INVALID_ARG;
    char *m = NULL;
    if (model && !(m = ta_strdup(policy->ctx, model)))
        return TEEATTEST_E_NOMEM;
    ta_free(policy->ctx, policy->expected_model);
    policy->expected_model = m;
    return TEEATTEST_OK;
}

/* ---- Intel TDX ---------------------------------------------------------- */

TEEATTEST_API int teeattest_policy_set_tdx_statuses(teeattest_policy *policy,
                                                    uint32_t mask)
{
    /* Bits 1..9: every status a policy may accept. Bit 0 (None) and bit
     * 10 (TCB level not supported) mean no status was established. */
    const uint32_t allowed =
        ((TEEATTEST_TDX_STATUS_BIT(TEEATTEST_TDX_REVOKED) << 1) - 1u) &
        ~TEEATTEST_TDX_STATUS_BIT(TEEATTEST_TDX_STATUS_NONE);
    if (!policy || (mask & ~allowed))
        return TEEATTEST_E_INVALID_ARG;
    policy->tdx_statuses = mask;
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_policy_set_allow_expired_collateral(
    teeattest_policy *policy, int allow)
{
    if (!policy)
        return TEEATTEST_E_INVALID_ARG;
    policy->allow_expired_collateral = allow != 0;
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_policy_set_allow_debug(teeattest_policy *policy,
                                                   int allow)
{
    if (!policy)
        return TEEATTEST_E_INVALID_ARG;
    policy->allow_debug = allow != 0;
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_policy_set_allow_mrservicetd(
    teeattest_policy *policy, int allow)
{
    if (!policy)
        return TEEATTEST_E_INVALID_ARG;
    policy->allow_mrservicetd = allow != 0;
    return TEEATTEST_OK;
}

static bool reg_valid(int32_t reg)
{
    return reg >= TEEATTEST_REG_MRTD && reg <= TEEATTEST_REG_MRCONFIGID;
}

TEEATTEST_API int teeattest_policy_add_measurement(teeattest_policy *policy,
                                                   int32_t reg,
                                                   const uint8_t *value,
                                                   size_t len)
{
    if (!policy || !reg_valid(reg) || !value)
        return TEEATTEST_E_INVALID_ARG;
    if (len != 48)
        return TEEATTEST_E_LENGTH;
    size_t i = (size_t)(reg - TEEATTEST_REG_MRTD);
    size_t n = policy->n_measurements[i];
    for (size_t k = 0; k < n; k++)
        if (memcmp(policy->measurements[i] + 48 * k, value, 48) == 0)
            return TEEATTEST_OK; /* already accepted: a set, not a list */
    if (n >= TA_POLICY_MAX_MEASUREMENTS)
        return TEEATTEST_E_TOO_LARGE;
    uint8_t *v = ta_realloc(policy->ctx, policy->measurements[i], 48 * (n + 1));
    if (!v)
        return TEEATTEST_E_NOMEM;
    memcpy(v + 48 * n, value, 48);
    policy->measurements[i] = v;
    policy->n_measurements[i] = n + 1;
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_policy_clear_measurements(
    teeattest_policy *policy, int32_t reg)
{
    if (!policy || (reg != 0 && !reg_valid(reg)))
        return TEEATTEST_E_INVALID_ARG;
    for (int32_t r = TEEATTEST_REG_MRTD; r <= TEEATTEST_REG_MRCONFIGID; r++) {
        if (reg != 0 && r != reg)
            continue;
        size_t i = (size_t)(r - TEEATTEST_REG_MRTD);
        ta_free(policy->ctx, policy->measurements[i]);
        policy->measurements[i] = NULL;
        policy->n_measurements[i] = 0;
    }
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_policy_set_tdx_root(teeattest_policy *policy,
                                                const uint8_t *der,
                                                size_t len)
{
    if (!policy || (!der && len))
        return TEEATTEST_E_INVALID_ARG;
    if (!der) {
        ta_free(policy->ctx, policy->tdx_root_der);
        policy->tdx_root_der = NULL;
        policy->tdx_root_der_len = 0;
        return TEEATTEST_OK;
    }
    /* Real certificates are about 600 bytes; refuse absurd inputs before
     * handing them to the parser. */
    if (len == 0 || len > 64 * 1024)
        return TEEATTEST_E_PARSE;
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    int prc = mbedtls_x509_crt_parse_der(&crt, der, len);
    /* exactly one certificate, no trailing bytes */
    bool ok = prc == 0 && crt.raw.len == len && !crt.next;
    mbedtls_x509_crt_free(&crt);
    if (!ok)
        return TEEATTEST_E_PARSE;
    uint8_t *copy = ta_malloc(policy->ctx, len);
    if (!copy)
        return TEEATTEST_E_NOMEM;
    memcpy(copy, der, len);
    ta_free(policy->ctx, policy->tdx_root_der);
    policy->tdx_root_der = copy;
    policy->tdx_root_der_len = len;
    return TEEATTEST_OK;
}

/* ---- NVIDIA GPUs ---------------------------------------------------------- */

TEEATTEST_API int teeattest_policy_set_gpu_mode(teeattest_policy *policy,
                                                int32_t mode)
{
    if (!policy || mode < TEEATTEST_GPU_MODE_AUTO ||
        mode > TEEATTEST_GPU_MODE_BOTH)
        return TEEATTEST_E_INVALID_ARG;
    policy->gpu_mode = mode;
    return TEEATTEST_OK;
}

static bool requirement_valid(int32_t r)
{
    return r >= TEEATTEST_GPU_DEFAULT && r <= TEEATTEST_GPU_SKIP;
}

TEEATTEST_API int teeattest_policy_set_gpu_rim(teeattest_policy *policy,
                                               int32_t requirement)
{
    if (!policy || !requirement_valid(requirement))
        return TEEATTEST_E_INVALID_ARG;
    policy->gpu_rim = requirement;
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_policy_set_gpu_ocsp(teeattest_policy *policy,
                                                int32_t requirement)
{
    if (!policy || !requirement_valid(requirement))
        return TEEATTEST_E_INVALID_ARG;
    policy->gpu_ocsp = requirement;
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_policy_set_gpu_ocsp_nonce(
    teeattest_policy *policy, int32_t mode)
{
    if (!policy || mode < TEEATTEST_GPU_OCSP_NONCE_REQUIRE ||
        mode > TEEATTEST_GPU_OCSP_NONCE_NONE)
        return TEEATTEST_E_INVALID_ARG;
    policy->gpu_ocsp_nonce = mode;
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_policy_set_gpu_allow_cert_hold(
    teeattest_policy *policy, int allow)
{
    if (!policy)
        return TEEATTEST_E_INVALID_ARG;
    policy->gpu_allow_hold = allow != 0;
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_policy_set_gpu_min_count(teeattest_policy *policy,
                                                     uint32_t count)
{
    if (!policy || count > 64)
        return TEEATTEST_E_INVALID_ARG;
    policy->gpu_min_count = count ? count : 1;
    return TEEATTEST_OK;
}

/* ---- reports ------------------------------------------------------------ */

size_t ta_identity_len(int32_t kind)
{
    switch (kind) {
    case TEEATTEST_ID_OS_IMAGE_HASH:
    case TEEATTEST_ID_COMPOSE_HASH:
    case TEEATTEST_ID_IMAGE_DIGEST:
        return 32;
    case TEEATTEST_ID_APP_ID:
        return 20;
    default:
        return 0;
    }
}

TEEATTEST_API int teeattest_policy_add_identity(teeattest_policy *policy,
                                                int32_t kind,
                                                const uint8_t *value,
                                                size_t len)
{
    size_t want = ta_identity_len(kind);
    if (!policy || !want || !value)
        return TEEATTEST_E_INVALID_ARG;
    if (len != want)
        return TEEATTEST_E_LENGTH;
    size_t i = (size_t)(kind - TEEATTEST_ID_OS_IMAGE_HASH);
    size_t n = policy->n_identities[i];
    for (size_t k = 0; k < n; k++)
        if (memcmp(policy->identities[i] + want * k, value, want) == 0)
            return TEEATTEST_OK; /* a set, not a list */
    if (n >= TA_POLICY_MAX_MEASUREMENTS)
        return TEEATTEST_E_TOO_LARGE;
    uint8_t *v = ta_realloc(policy->ctx, policy->identities[i], want * (n + 1));
    if (!v)
        return TEEATTEST_E_NOMEM;
    memcpy(v + want * n, value, want);
    policy->identities[i] = v;
    policy->n_identities[i] = n + 1;
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_policy_clear_identity(teeattest_policy *policy,
                                                  int32_t kind)
{
    if (!policy || (kind != 0 && !ta_identity_len(kind)))
        return TEEATTEST_E_INVALID_ARG;
    for (size_t i = 0; i < TA_POLICY_N_IDS; i++) {
        if (kind != 0 && i != (size_t)(kind - TEEATTEST_ID_OS_IMAGE_HASH))
            continue;
        ta_free(policy->ctx, policy->identities[i]);
        policy->identities[i] = NULL;
        policy->n_identities[i] = 0;
    }
    return TEEATTEST_OK;
}

#define BOOL_SETTER(fn, field)                                              \
    TEEATTEST_API int fn(teeattest_policy *policy, int value)               \
    {                                                                       \
        if (!policy)                                                        \
            return TEEATTEST_E_INVALID_ARG;                                 \
        policy->field = value != 0;                                         \
        return TEEATTEST_OK;                                                \
    }

BOOL_SETTER(teeattest_policy_set_require_gpu, require_gpu)
BOOL_SETTER(teeattest_policy_set_require_tls_binding, require_tls_binding)
BOOL_SETTER(teeattest_policy_set_allow_server_nonce, allow_server_nonce)
BOOL_SETTER(teeattest_policy_set_allow_unbound_key, allow_unbound_key)
BOOL_SETTER(teeattest_policy_set_require_event_log, require_event_log)

TEEATTEST_API int teeattest_policy_set_max_report_age(
    teeattest_policy *policy, uint32_t seconds)
{
    if (!policy)
        return TEEATTEST_E_INVALID_ARG;
    policy->max_report_age = seconds;
    return TEEATTEST_OK;
}
