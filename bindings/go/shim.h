/*
 * C side of the Go binding: trampolines that turn the library's callbacks
 * into calls of //export'ed Go functions, and per-call wrappers of the
 * functions that may do network I/O (they tell the callbacks which Go call,
 * and so which context.Context, they serve).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TEEATTEST_GO_SHIM_H
#define TEEATTEST_GO_SHIM_H

#include <stdint.h>
#include <stdlib.h>
#include <teeattest/teeattest.h>

#if TEEATTEST_VERSION_MAJOR != 1
#error "the Go binding needs libteeattest 1.x"
#endif

/* Flags of ta_go_ctx_new(). */
#define TA_GO_TRANSPORT 0x1u /* route HTTP through the Go transport */
#define TA_GO_CLOCK 0x2u     /* the Go clock */
#define TA_GO_LOG 0x4u       /* the Go log sink */

int ta_go_ctx_new(teeattest_ctx **out, uintptr_t handle, uint32_t flags,
                  int32_t log_level, int64_t deadline_ms,
                  const char *cache_dir, size_t memo_entries,
                  size_t memo_bytes, teeattest_error *err);

/* The Go call (a cgo.Handle, 0 = none) served on this thread. */
uintptr_t ta_go_current_call(void);

int ta_go_report_fetch(uintptr_t call, teeattest_provider *p,
                       teeattest_report **out, const uint8_t *nonce,
                       size_t nonce_len, const char *signing_address,
                       teeattest_error *err);
int ta_go_chat(uintptr_t call, teeattest_provider *p,
               teeattest_exchange **out, const uint8_t *body, size_t len,
               uint32_t flags, uintptr_t events, teeattest_error *err);
int ta_go_signature_fetch(uintptr_t call, teeattest_provider *p,
                          teeattest_signature **out,
                          const teeattest_exchange *x, const char *algo,
                          teeattest_error *err);
int ta_go_aci_receipt_fetch(uintptr_t call, teeattest_provider *p,
                            const teeattest_exchange *x, uint8_t *buf,
                            size_t *len, teeattest_error *err);
int ta_go_aci_session_fetch(uintptr_t call, teeattest_provider *p,
                            const char *id, uint8_t *buf, size_t *len,
                            teeattest_error *err);
int ta_go_aci_session_audit(uintptr_t call, teeattest_ctx *ctx,
                            teeattest_result **out, const uint8_t *session,
                            size_t session_len, const char *id,
                            teeattest_evidence *ev,
                            const teeattest_policy *policy,
                            teeattest_error *err);
int ta_go_collateral_fetch(uintptr_t call, teeattest_ctx *ctx,
                           teeattest_collateral **out, const char *base_url,
                           const uint8_t *quote, size_t quote_len,
                           teeattest_error *err);
int ta_go_report_verify(uintptr_t call, teeattest_ctx *ctx,
                        teeattest_result **out,
                        const teeattest_report *report, size_t entry,
                        teeattest_evidence *ev,
                        const teeattest_policy *policy, const uint8_t *nonce,
                        size_t nonce_len, teeattest_error *err);
int ta_go_gpu_verify(uintptr_t call, teeattest_ctx *ctx,
                     teeattest_result **out, const uint8_t *evidence,
                     size_t len, const uint8_t *nonce, size_t nonce_len,
                     teeattest_gpu_inputs *in, const teeattest_policy *policy,
                     teeattest_error *err);
int ta_go_bundle_verify(uintptr_t call, teeattest_ctx *ctx,
                        teeattest_result **out, teeattest_bundle *b,
                        const teeattest_policy *policy, teeattest_error *err);

/* A one-byte buffer for empty inputs whose pointer must not be NULL. */
extern const uint8_t ta_go_empty[1];

#endif
