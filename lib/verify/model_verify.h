/*
 * Internal: the identity.model check of report verification
 * (model_verify.c).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_MODEL_VERIFY_H
#define TA_MODEL_VERIFY_H

#include "pipeline.h"

/* identity.model for one entry, when the policy names a model: checks
 * and the "model" / "model_compose" facts go to r under its current
 * prefix (`prefix`, used to read the entry's earlier checks). cm is the
 * entry's compose_manager_attestation JSON (may be NULL), app_compose its
 * app_compose (may be NULL). A compose file fetched online
 * (TEEATTEST_ONLINE_MODEL_FILES) is added to ev. Returns TEEATTEST_OK or
 * TEEATTEST_E_NOMEM. */
int ta_check_model(teeattest_ctx *ctx, teeattest_result *r,
                   const teeattest_policy *pol, teeattest_evidence *ev,
                   const char *prefix, bool gateway, const uint8_t *cm,
                   size_t cm_len, const uint8_t *app_compose, size_t ac_len,
                   teeattest_error *err);

#endif /* TA_MODEL_VERIFY_H */
