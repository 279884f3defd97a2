/*
 * Verification policy.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>


#include "provenance.h"
#include "verify.h"
#include "../crypto/x509.h"

void ta_policy_defaults(struct teeattest_policy *p)
{
    p->time = TA_TIME_NOW;
    p->ecdsa_strict = false;
    p->require_signer = true;
    p->expected_model = NULL;
    p->tdx_statuses = 0;
    p->allow_expired_collateral = false;
    p->allow_debug = false;
    p->allow_mrservicetd = false;
    p->min_tcb_eval = 0;
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
    p->aci_allow_null_nonce = false;
    p->aci_max_keyset_lifetime = TA_ACI_MAX_KEYSET_LIFETIME;
    p->tinfoil_bundle = NULL;
    p->tinfoil_bundle_len = 0;
    p->tinfoil_repo = NULL;
    p->tinfoil_has_digest = false;
    p->require_tinfoil_release = false;
    p->tinfoil_fetch_repo = NULL;
    p->tinfoil_tag = NULL;
    p->tinfoil_hw_bundle = NULL;
    p->tinfoil_hw_bundle_len = 0;
    p->require_tinfoil_hardware = false;
    p->require_provenance = false;
    p->prov_rules = NULL;
    p->n_prov_rules = 0;
    p->sigstore_root = NULL;
    p->sigstore_root_len = 0;
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
    atomic_init(&p->refs, 1);
    ta_policy_defaults(p);
    *out = p;
    return TEEATTEST_OK;
}

TEEATTEST_API teeattest_policy *teeattest_policy_ref(teeattest_policy *policy)
{
    if (policy)
        atomic_fetch_add(&policy->refs, 1);
    return policy;
}

TEEATTEST_API void teeattest_policy_free(teeattest_policy *policy)
{
    if (!policy || atomic_fetch_sub(&policy->refs, 1) != 1)
        return;
    teeattest_ctx *ctx = policy->ctx;
    ta_free(ctx, policy->expected_model);
    for (size_t i = 0; i < TA_POLICY_N_REGS; i++)
        ta_free(ctx, policy->measurements[i]);
    ta_free(ctx, policy->tdx_root_der);
    for (size_t i = 0; i < TA_POLICY_N_IDS; i++)
        ta_free(ctx, policy->identities[i]);
    ta_tinfoil_release_clear(policy);
    ta_tinfoil_fetch_clear(policy);
    ta_tinfoil_hardware_clear(policy);
    ta_provenance_policy_free(policy);
    ta_free(ctx, policy);
    teeattest_ctx_free(ctx);
}

/* Every setter: a NULL policy is misuse; a rejected value leaves the
 * policy as it was and says why in `err`. */
#define NEED_POLICY(policy, err)                                           \
    do {                                                                    \
        if (!(policy))                                                      \
            return TA_INVALID((err), "policy is NULL");                     \
    } while (0)

TEEATTEST_API int teeattest_policy_set_time(teeattest_policy *policy,
                                            int64_t unix_seconds,
                                            teeattest_error *err)
{
    NEED_POLICY(policy, err);
    if (unix_seconds < 0 || unix_seconds > TEEATTEST_TIME_MAX)
        return ta_error(err, TEEATTEST_E_INVALID_ARG, "unix_seconds",
                        "verification time %lld is outside 0..%lld "
                        "(1970-01-01..9999-12-31); for the current time use "
                        "teeattest_policy_set_time_now()",
                        (long long)unix_seconds,
                        (long long)TEEATTEST_TIME_MAX);
    policy->time = unix_seconds;
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_policy_set_time_now(teeattest_policy *policy,
                                                teeattest_error *err)
{
    NEED_POLICY(policy, err);
    policy->time = TA_TIME_NOW;
    return TEEATTEST_OK;
}

#define BOOL_SETTER(fn, field)                                              \
    TEEATTEST_API int fn(teeattest_policy *policy, int value,               \
                         teeattest_error *err)                              \
    {                                                                       \
        NEED_POLICY(policy, err);                                           \
        policy->field = value != 0;                                         \
        return TEEATTEST_OK;                                                \
    }

BOOL_SETTER(teeattest_policy_set_ecdsa_strict, ecdsa_strict)
BOOL_SETTER(teeattest_policy_set_require_signer, require_signer)
BOOL_SETTER(teeattest_policy_set_allow_expired_collateral,
            allow_expired_collateral)
BOOL_SETTER(teeattest_policy_set_allow_debug, allow_debug)
BOOL_SETTER(teeattest_policy_set_allow_mrservicetd, allow_mrservicetd)
BOOL_SETTER(teeattest_policy_set_gpu_allow_cert_hold, gpu_allow_hold)
BOOL_SETTER(teeattest_policy_set_require_gpu, require_gpu)
BOOL_SETTER(teeattest_policy_set_require_tls_binding, require_tls_binding)
BOOL_SETTER(teeattest_policy_set_allow_server_nonce, allow_server_nonce)
BOOL_SETTER(teeattest_policy_set_allow_unbound_key, allow_unbound_key)
BOOL_SETTER(teeattest_policy_set_require_event_log, require_event_log)
BOOL_SETTER(teeattest_policy_set_aci_allow_null_nonce, aci_allow_null_nonce)
BOOL_SETTER(teeattest_policy_set_require_tinfoil_release,
            require_tinfoil_release)
BOOL_SETTER(teeattest_policy_set_require_tinfoil_hardware,
            require_tinfoil_hardware)

/* Longest model name the policy keeps (model names are short identifiers
 * such as "deepseek-ai/DeepSeek-V3.1"). */
#define TA_POLICY_MAX_MODEL 1024

TEEATTEST_API int teeattest_policy_set_expected_model(
    teeattest_policy *policy, const char *model, teeattest_error *err)
{
    NEED_POLICY(policy, err);
    char *m = NULL;
    if (model) {
        size_t n = strnlen(model, TA_POLICY_MAX_MODEL + 1);
        if (n > TA_POLICY_MAX_MODEL)
            return ta_error(err, TEEATTEST_E_TOO_LARGE, "model",
                            "expected model longer than the limit of %d "
                            "bytes", TA_POLICY_MAX_MODEL);
        if (!(m = ta_strdup(policy->ctx, model)))
            return ta_error(err, TEEATTEST_E_NOMEM, "model",
                            "copying the expected model");
    }
    ta_free(policy->ctx, policy->expected_model);
    policy->expected_model = m;
    return TEEATTEST_OK;
}

/* ---- Intel TDX ---------------------------------------------------------- */

TEEATTEST_API int teeattest_policy_set_min_tcb_eval(teeattest_policy *policy,
                                                    uint32_t min,
                                                    teeattest_error *err)
{
    NEED_POLICY(policy, err);
    policy->min_tcb_eval = min;
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_policy_set_tdx_statuses(teeattest_policy *policy,
                                                    uint32_t mask,
                                                    teeattest_error *err)
{
    /* Bits 1..9: every status a policy may accept. Bit 0 (None) and bit
     * 10 (TCB level not supported) mean no status was established. */
    const uint32_t allowed =
        ((TEEATTEST_TDX_STATUS_BIT(TEEATTEST_TDX_REVOKED) << 1) - 1u) &
        ~TEEATTEST_TDX_STATUS_BIT(TEEATTEST_TDX_STATUS_NONE);
    NEED_POLICY(policy, err);
    if (mask & ~allowed)
        return ta_error(err, TEEATTEST_E_INVALID_ARG, "mask",
                        "status mask 0x%x has bits outside the acceptable "
                        "statuses 0x%x (None and unsupported TCB levels are "
                        "never acceptable)", (unsigned)mask,
                        (unsigned)allowed);
    policy->tdx_statuses = mask;
    return TEEATTEST_OK;
}

static bool reg_valid(int32_t reg)
{
    return reg >= TEEATTEST_REG_MRTD && reg <= TEEATTEST_REG_MRCONFIGID;
}

/* Add `value` (len bytes) to the set at *values / *count, at most
 * TA_POLICY_MAX_MEASUREMENTS members. */
static int add_to_set(teeattest_policy *policy, uint8_t **values,
                      size_t *count, const uint8_t *value, size_t len,
                      const char *what, teeattest_error *err)
{
    size_t n = *count;
    for (size_t k = 0; k < n; k++)
        if (memcmp(*values + len * k, value, len) == 0)
            return TEEATTEST_OK; /* already accepted: a set, not a list */
    if (n >= TA_POLICY_MAX_MEASUREMENTS)
        return ta_error(err, TEEATTEST_E_TOO_LARGE, what,
                        "more than the limit of %d accepted values for %s",
                        TA_POLICY_MAX_MEASUREMENTS, what);
    uint8_t *v = ta_realloc(policy->ctx, *values, len * (n + 1));
    if (!v)
        return ta_error(err, TEEATTEST_E_NOMEM, what, "adding a value");
    memcpy(v + len * n, value, len);
    *values = v;
    *count = n + 1;
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_policy_add_measurement(teeattest_policy *policy,
                                                   int32_t reg,
                                                   const uint8_t *value,
                                                   size_t len,
                                                   teeattest_error *err)
{
    NEED_POLICY(policy, err);
    if (!reg_valid(reg))
        return ta_error(err, TEEATTEST_E_INVALID_ARG, "reg",
                        "register %d is not a teeattest_register (%d..%d)",
                        (int)reg, TEEATTEST_REG_MRTD,
                        TEEATTEST_REG_MRCONFIGID);
    if (!value)
        return TA_INVALID(err, "value is NULL");
    if (len != 48)
        return ta_error(err, TEEATTEST_E_LENGTH, "len",
                        "a measurement is 48 bytes, not %zu", len);
    size_t i = (size_t)(reg - TEEATTEST_REG_MRTD);
    return add_to_set(policy, &policy->measurements[i],
                      &policy->n_measurements[i], value, 48,
                      "the register", err);
}

TEEATTEST_API int teeattest_policy_clear_measurements(
    teeattest_policy *policy, int32_t reg, teeattest_error *err)
{
    NEED_POLICY(policy, err);
    if (reg != 0 && !reg_valid(reg))
        return ta_error(err, TEEATTEST_E_INVALID_ARG, "reg",
                        "register %d is neither 0 (all) nor a "
                        "teeattest_register (%d..%d)", (int)reg,
                        TEEATTEST_REG_MRTD, TEEATTEST_REG_MRCONFIGID);
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

/* Real root certificates are about 600 bytes. */
#define TA_POLICY_MAX_ROOT (64 * 1024)

TEEATTEST_API int teeattest_policy_set_tdx_root(teeattest_policy *policy,
                                                const uint8_t *der,
                                                size_t len,
                                                teeattest_error *err)
{
    NEED_POLICY(policy, err);
    if (!der && len)
        return TA_INVALID(err, "der is NULL with a non-zero len");
    if (!der) {
        ta_free(policy->ctx, policy->tdx_root_der);
        policy->tdx_root_der = NULL;
        policy->tdx_root_der_len = 0;
        return TEEATTEST_OK;
    }
    if (len == 0)
        return ta_error(err, TEEATTEST_E_PARSE, "der",
                        "empty root certificate");
    if (len > TA_POLICY_MAX_ROOT)
        return ta_error(err, TEEATTEST_E_TOO_LARGE, "der",
                        "root certificate of %zu bytes is over the limit of "
                        "%d bytes", len, TA_POLICY_MAX_ROOT);
    ta_x509 *crt = NULL;
    int brc = 0;
    int prc = ta_x509_parse_der(policy->ctx, &crt, der, len, &brc);
    /* exactly one certificate, no trailing bytes */
    size_t used = prc == 0 ? ta_x509_der(crt).len : 0;
    ta_x509_free(crt);
    if (prc == TEEATTEST_E_NOMEM)
        return ta_error(err, TEEATTEST_E_NOMEM, "der", "out of memory");
    if (prc != 0) {
        return ta_error_backend(err, TEEATTEST_E_PARSE, brc, "der",
                                "root certificate is not one DER X.509 "
                                "certificate (%s -0x%04x)",
                                ta_x509_backend_name(), (unsigned)-brc);
    }
    if (used != len)
        return ta_error(err, TEEATTEST_E_PARSE, "der",
                        "%zu bytes follow the root certificate's %zu: pass "
                        "exactly one DER certificate", len - used, used);
    uint8_t *copy = ta_malloc(policy->ctx, len);
    if (!copy)
        return ta_error(err, TEEATTEST_E_NOMEM, "der",
                        "copying the root certificate");
    memcpy(copy, der, len);
    ta_free(policy->ctx, policy->tdx_root_der);
    policy->tdx_root_der = copy;
    policy->tdx_root_der_len = len;
    return TEEATTEST_OK;
}

/* ---- NVIDIA GPUs ---------------------------------------------------------- */

/* An enum argument outside its range. */
static int bad_enum(teeattest_error *err, const char *what, int32_t value,
                    int32_t lo, int32_t hi)
{
    return ta_error(err, TEEATTEST_E_INVALID_ARG, what,
                    "%s %d is outside %d..%d", what, (int)value, (int)lo,
                    (int)hi);
}

TEEATTEST_API int teeattest_policy_set_gpu_mode(teeattest_policy *policy,
                                                int32_t mode,
                                                teeattest_error *err)
{
    NEED_POLICY(policy, err);
    if (mode < TEEATTEST_GPU_MODE_AUTO || mode > TEEATTEST_GPU_MODE_BOTH)
        return bad_enum(err, "mode", mode, TEEATTEST_GPU_MODE_AUTO,
                        TEEATTEST_GPU_MODE_BOTH);
    policy->gpu_mode = mode;
    return TEEATTEST_OK;
}

static int set_requirement(teeattest_policy *policy, int32_t *field,
                           int32_t r, teeattest_error *err)
{
    NEED_POLICY(policy, err);
    if (r < TEEATTEST_GPU_DEFAULT || r > TEEATTEST_GPU_SKIP)
        return bad_enum(err, "requirement", r, TEEATTEST_GPU_DEFAULT,
                        TEEATTEST_GPU_SKIP);
    *field = r;
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_policy_set_gpu_rim(teeattest_policy *policy,
                                               int32_t requirement,
                                               teeattest_error *err)
{
    return set_requirement(policy, policy ? &policy->gpu_rim : NULL,
                           requirement, err);
}

TEEATTEST_API int teeattest_policy_set_gpu_ocsp(teeattest_policy *policy,
                                                int32_t requirement,
                                                teeattest_error *err)
{
    return set_requirement(policy, policy ? &policy->gpu_ocsp : NULL,
                           requirement, err);
}

TEEATTEST_API int teeattest_policy_set_gpu_ocsp_nonce(
    teeattest_policy *policy, int32_t mode, teeattest_error *err)
{
    NEED_POLICY(policy, err);
    if (mode < TEEATTEST_GPU_OCSP_NONCE_REQUIRE ||
        mode > TEEATTEST_GPU_OCSP_NONCE_NONE)
        return bad_enum(err, "mode", mode, TEEATTEST_GPU_OCSP_NONCE_REQUIRE,
                        TEEATTEST_GPU_OCSP_NONCE_NONE);
    policy->gpu_ocsp_nonce = mode;
    return TEEATTEST_OK;
}

/* Most GPUs one report may require (an 8-GPU HGX board is the largest
 * seen; the evidence parser's own limit is higher). */
#define TA_POLICY_MAX_GPU_COUNT 64

TEEATTEST_API int teeattest_policy_set_gpu_min_count(teeattest_policy *policy,
                                                     uint32_t count,
                                                     teeattest_error *err)
{
    NEED_POLICY(policy, err);
    if (count > TA_POLICY_MAX_GPU_COUNT)
        return ta_error(err, TEEATTEST_E_INVALID_ARG, "count",
                        "minimum GPU count %u is over the limit of %d",
                        (unsigned)count, TA_POLICY_MAX_GPU_COUNT);
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
    case TEEATTEST_ID_GPU_POLICY_HASH:
    case TEEATTEST_ID_INIT_SCRIPT_HASH:
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
                                                size_t len,
                                                teeattest_error *err)
{
    NEED_POLICY(policy, err);
    size_t want = ta_identity_len(kind);
    if (!want)
        return bad_enum(err, "kind", kind, TEEATTEST_ID_OS_IMAGE_HASH,
                        TEEATTEST_ID_INIT_SCRIPT_HASH);
    if (!value)
        return TA_INVALID(err, "value is NULL");
    if (len != want)
        return ta_error(err, TEEATTEST_E_LENGTH, "len",
                        "this identity is %zu bytes, not %zu", want, len);
    size_t i = (size_t)(kind - TEEATTEST_ID_OS_IMAGE_HASH);
    return add_to_set(policy, &policy->identities[i],
                      &policy->n_identities[i], value, want,
                      "the identity", err);
}

TEEATTEST_API int teeattest_policy_clear_identity(teeattest_policy *policy,
                                                  int32_t kind,
                                                  teeattest_error *err)
{
    NEED_POLICY(policy, err);
    if (kind != 0 && !ta_identity_len(kind))
        return ta_error(err, TEEATTEST_E_INVALID_ARG, "kind",
                        "kind %d is neither 0 (all) nor a teeattest_identity "
                        "(%d..%d)", (int)kind, TEEATTEST_ID_OS_IMAGE_HASH,
                        TEEATTEST_ID_INIT_SCRIPT_HASH);
    for (size_t i = 0; i < TA_POLICY_N_IDS; i++) {
        if (kind != 0 && i != (size_t)(kind - TEEATTEST_ID_OS_IMAGE_HASH))
            continue;
        ta_free(policy->ctx, policy->identities[i]);
        policy->identities[i] = NULL;
        policy->n_identities[i] = 0;
    }
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_policy_set_max_report_age(
    teeattest_policy *policy, uint32_t seconds, teeattest_error *err)
{
    NEED_POLICY(policy, err);
    policy->max_report_age = seconds;
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_policy_set_aci_max_keyset_lifetime(
    teeattest_policy *policy, uint32_t seconds, teeattest_error *err)
{
    NEED_POLICY(policy, err);
    policy->aci_max_keyset_lifetime = seconds;
    return TEEATTEST_OK;
}
