/**
 * @file
 * libteeattest: verification results.
 *
 * SPDX-License-Identifier: Apache-2.0
 *
 * A result is a verdict plus an ordered checklist and a set of facts. Every
 * check has a dotted name (documented in docs/checks.md), an outcome, a
 * detail string and a "required" flag. The verdict is "verified" only when
 * no check failed and no required check was skipped: a check that could
 * not run is never a pass.
 *
 * Results are immutable once returned and may be read from any number of
 * threads. A result keeps its context alive.
 */
#ifndef TEEATTEST_RESULT_H
#define TEEATTEST_RESULT_H

#include "teeattest/common.h"
#include "teeattest/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Verdicts. @since 1.0 */
typedef enum teeattest_verdict {
    /** a check failed, or a required one was skipped */
    TEEATTEST_VERDICT_FAILED = 0,
    TEEATTEST_VERDICT_VERIFIED = 1 /**< every required check passed */
} teeattest_verdict;

/** Check outcomes. @since 1.0 */
typedef enum teeattest_outcome {
    TEEATTEST_OUTCOME_PASS = 1, /**< ran and passed */
    TEEATTEST_OUTCOME_FAIL = 2, /**< ran and failed; fails the verdict */
    TEEATTEST_OUTCOME_SKIP = 3, /**< did not run; fails the verdict if required */
    TEEATTEST_OUTCOME_WARN = 4  /**< ran; noteworthy but accepted by policy */
} teeattest_outcome;

/**
 * @brief Name of a verdict as the JSON result spells it: "verified",
 *        "failed"; "unknown" for any other value.
 * @return static storage, never NULL. Thread safety: safe.
 * @param verdict a teeattest_verdict value.
 * @since 1.0
 */
TEEATTEST_API const char *teeattest_verdict_name(int32_t verdict);

/**
 * @brief Name of a check outcome as the JSON result spells it: "pass",
 *        "fail", "skip", "warn"; "unknown" for any other value.
 * @return static storage, never NULL. Thread safety: safe.
 * @param outcome a teeattest_outcome value.
 * @since 1.0
 */
TEEATTEST_API const char *teeattest_outcome_name(int32_t outcome);

/**
 * @brief The verdict.
 * @return TEEATTEST_VERDICT_VERIFIED or TEEATTEST_VERDICT_FAILED (also for
 *         a NULL result: fail closed).
 * @param res the result.
 * @since 1.0
 */
TEEATTEST_API int32_t teeattest_result_verdict(const teeattest_result *res);

/**
 * @brief Number of checks in the checklist (0 for NULL).
 * @param res the result.
 * @return the number of checks; 0 for NULL.
 * @since 1.0
 */
TEEATTEST_API size_t teeattest_result_check_count(const teeattest_result *res);

/**
 * @brief Read check `index` (0-based, in the order the checks ran).
 * @param[out] name dotted check name; may be NULL. Borrowed.
 * @param[out] outcome a teeattest_outcome; may be NULL.
 * @param[out] detail human-readable detail, never NULL on success (may be
 *             ""); may be NULL. Borrowed.
 * @param[out] required 1 if a skip fails the verdict; may be NULL.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG (res NULL);
 *         TEEATTEST_E_NOT_FOUND (index out of range).
 * Lifetime: strings live as long as the result.
 * @param res the result.
 * @param index 0-based index.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_result_check(const teeattest_result *res,
                                         size_t index, const char **name,
                                         int32_t *outcome,
                                         const char **detail,
                                         int32_t *required,
                                         teeattest_error *err);

/**
 * @brief Find a check by its dotted name.
 * @return TEEATTEST_OK and the same outputs as teeattest_result_check();
 *         TEEATTEST_E_NOT_FOUND if the checklist has no such check.
 * @param res the result.
 * @param name the dotted check name.
 * @param outcome receives a teeattest_outcome; may be NULL.
 * @param detail receives the detail; may be NULL. Borrowed.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_result_find_check(const teeattest_result *res,
                                              const char *name,
                                              int32_t *outcome,
                                              const char **detail,
                                              teeattest_error *err);

/**
 * @brief Number of facts (key/value pairs such as "signer").
 *
 * Only a verified result names its facts plainly. When the verdict is
 * failed every fact is named "unverified.<name>" ("unverified.signer"),
 * for diagnostics only; a fact read from a field that no evidence binds
 * is "unverified.<name>" in any result (docs/checks.md).
 * @param res the result.
 * @return the number of facts; 0 for NULL.
 * @since 1.0
 */
TEEATTEST_API size_t teeattest_result_fact_count(const teeattest_result *res);

/**
 * @brief Read fact `index` as text (numbers in decimal, booleans as
 *        "true"/"false").
 * @param[out] key may be NULL. Borrowed.
 * @param[out] value may be NULL. Borrowed.
 * @return TEEATTEST_OK, TEEATTEST_E_INVALID_ARG, TEEATTEST_E_NOT_FOUND.
 * @param res the result.
 * @param index 0-based index.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_result_fact_at(const teeattest_result *res,
                                           size_t index, const char **key,
                                           const char **value,
                                           teeattest_error *err);

/**
 * @brief Look a fact up by key.
 * @return the value (borrowed), or NULL if there is no such fact.
 * @param res the result.
 * @param key the fact key, e.g. "signer".
 * @since 1.0
 */
TEEATTEST_API const char *teeattest_result_fact(const teeattest_result *res,
                                                const char *key);

/**
 * @brief The signer a verified result attests: the key or address to check
 *        response signatures against (teeattest_signature_verify()).
 *
 * Reads the facts "signer" and "signing_algo" (report and bundle results)
 * or "algorithm" (signature results), and only when the verdict is
 * TEEATTEST_VERDICT_VERIFIED. A failed result carries its facts only as
 * "unverified.<name>" (docs/checks.md); this function never returns them.
 * @param res a finished result.
 * @param[out] signer the signer (0x address or hex key); NULL on error.
 *             Borrowed from the result.
 * @param[out] algo "ecdsa" or "ed25519"; may be NULL. Borrowed.
 * @param err optional error detail.
 * @return TEEATTEST_OK; TEEATTEST_E_NOT_VERIFIED (the verdict is failed:
 *         nothing in the result vouches for a signer);
 *         TEEATTEST_E_NOT_FOUND (verified, but no single signer: a
 *         multi-node report without a chosen entry, or a result of a kind
 *         that has none); TEEATTEST_E_INVALID_ARG (res or signer NULL).
 * Lifetime: strings live as long as the result.
 * @since 1.0
 */
TEEATTEST_API int teeattest_result_verified_signer(const teeattest_result *res,
                                                   const char **signer,
                                                   const char **algo,
                                                   teeattest_error *err);

/**
 * @brief The result as JSON:
 *        {"verdict":"verified"|"failed",
 *         "checks":[{"name","outcome","detail","required"}...],
 *         "facts":{...}}
 *        with outcome one of "pass", "fail", "skip", "warn".
 *        The text is rendered on the first call and kept with the
 *        result; later calls return the same pointer. Thread safety: may
 *        be called concurrently on a shared result.
 * @param[out] json NUL-terminated UTF-8. Borrowed from the result.
 * @param[out] len its length without the NUL; may be NULL.
 * @return TEEATTEST_OK, TEEATTEST_E_INVALID_ARG, TEEATTEST_E_NOMEM (the
 *         first call allocates).
 * @param res the result.
 * @param err optional error detail; may be NULL.
 * @since 1.0
 */
TEEATTEST_API int teeattest_result_to_json(const teeattest_result *res,
                                           const char **json, size_t *len,
                                           teeattest_error *err);

/**
 * @brief Take one more reference. @return res. Thread safety: atomic.
 * @param res the handle; NULL returns NULL.
 * @since 1.0
 */
TEEATTEST_API teeattest_result *teeattest_result_ref(teeattest_result *res);

/**
 * @brief Drop one reference. NULL is a no-op.
 * @param res the handle to release; NULL is a no-op.
 * @since 1.0
 */
TEEATTEST_API void teeattest_result_free(teeattest_result *res);

#ifdef __cplusplus
}
#endif

#endif /* TEEATTEST_RESULT_H */
