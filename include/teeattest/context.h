/**
 * @file
 * libteeattest: the library context.
 *
 * SPDX-License-Identifier: Apache-2.0
 *
 * There is no global state and no global initialisation. Everything the
 * library would otherwise take from the process (memory, time, randomness,
 * network, logging) is an input given once, when the context is created.
 */
#ifndef TEEATTEST_CONTEXT_H
#define TEEATTEST_CONTEXT_H

#include "teeattest/common.h"
#include "teeattest/status.h"
#include "teeattest/backend.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Log levels (the `level` argument of the log callback). @since 1.0 */
typedef enum teeattest_log_level {
    TEEATTEST_LOG_NONE = 0,  /**< as log_level: deliver nothing */
    TEEATTEST_LOG_ERROR = 1, /**< an operation failed */
    TEEATTEST_LOG_WARN = 2,  /**< something noteworthy that did not fail */
    TEEATTEST_LOG_INFO = 3,  /**< progress: requests, fetches */
    TEEATTEST_LOG_DEBUG = 4  /**< details for debugging */
} teeattest_log_level;

/**
 * @brief Options for teeattest_ctx_new(). Copied; every field is optional.
 *
 * Initialise with TEEATTEST_CTX_OPTIONS_INIT or teeattest_ctx_options_init()
 * and set only what you need. Fields added in later versions are appended;
 * a zero value always means "default".
 *
 * @since 1.0
 */
typedef struct teeattest_ctx_options {
    size_t struct_size; /**< sizeof(teeattest_ctx_options) */

    /** Allocator; NULL = malloc/realloc/free. Copied. */
    const teeattest_allocator *allocator;

    /** Current time in Unix seconds; NULL = the system clock. Used only
     *  where a policy does not fix the verification time. */
    int64_t TEEATTEST_CALLBACK(clock)(void *user_data);
    void *clock_user_data; /**< passed to clock */

    /** Log sink; NULL = silent (the library never writes to stdout or
     *  stderr). Messages never contain API keys. */
    void TEEATTEST_CALLBACK(log)(void *user_data, int32_t level,
                                 const char *message);
    void *log_user_data;   /**< passed to log */
    int32_t log_level; /**< highest teeattest_log_level delivered; 0 = none */

    /** Crypto backend; NULL = built-in. Copied. */
    const teeattest_crypto_backend *crypto;
    /** HTTP transport; NULL = built-in (libcurl). Copied. */
    const teeattest_transport *transport;

    /** How the library waits between retries and polls (`ms`
     *  milliseconds); NULL = a real monotonic sleep. Tests make waiting
     *  instantaneous (and can count it). Return 0; other values are
     *  reserved. May be called concurrently from several threads. */
    int TEEATTEST_CALLBACK(sleep)(void *user_data, uint32_t ms);
    void *sleep_user_data; /**< passed to sleep */

    /** One deadline for all the network work done through this context:
     *  provider report, chat and signature requests, PCS/PCCS collateral,
     *  NRAS, RIM, OCSP and JWKS fetches. Unix time in milliseconds on the
     *  context's clock (the clock callback's seconds x 1000 when it is set,
     *  else the system's real-time clock); 0 = no deadline. Each HTTP
     *  attempt's connect and total timeouts are cut to the time left; no
     *  attempt, retry or poll starts once it has passed, and the call fails
     *  with TEEATTEST_E_TIMEOUT and a message saying the overall deadline
     *  expired. Meant for a context made for one task (the CLI's
     *  --timeout); a long-lived context shared by unrelated work leaves it
     *  0 and bounds each provider with teeattest_provider_set_timeouts(). */
    int64_t deadline_ms;

    /** On-disk cache of fetched verification material (docs/cache.md):
     *  PCS/PCCS TDX collateral, NVIDIA RIMs, OCSP answers and NRAS JWKS,
     *  kept across processes. NULL = no directory. Copied. The library
     *  creates the directory (mode 0700) if its parent exists, writes
     *  entries atomically (mode 0600, temporary file + rename), never
     *  follows a symbolic link inside it, and bounds each entry's size. An
     *  entry is only a hint: everything in it is signed and verified again
     *  on every use, and a corrupted, truncated, swapped, tampered or
     *  expired entry is fetched anew. Errors of the cache never fail a
     *  verification (they are logged, and the material fetched). The
     *  library never reads the environment: a program that wants
     *  `$XDG_CACHE_HOME/teeattest` passes it here. Not together with
     *  cache_load / cache_store (TEEATTEST_E_INVALID_ARG). @since 1.0 */
    const char *cache_dir;

    /** The same cache through the embedder's own storage instead of a
     *  directory; both NULL = no cache (unless cache_dir is set), exactly
     *  one set = TEEATTEST_E_INVALID_ARG.
     *
     *  cache_load: copy the entry stored under `key` (64 lower-case hex
     *  characters) into `buf` (capacity `cap`) and set *len to its length;
     *  when `cap` is too small (the library first asks with buf NULL and
     *  cap 0), set *len to the length needed and return
     *  TEEATTEST_E_BUFFER_TOO_SMALL. Return TEEATTEST_E_NOT_FOUND when
     *  there is no entry; any other non-zero value is treated the same
     *  way. The bytes returned are checked (integrity, key, expiry, then
     *  the material's own signatures), so returning garbage only costs a
     *  fetch. May be called concurrently from several threads. @since 1.0 */
    int TEEATTEST_CALLBACK(cache_load)(void *user_data, const char *key,
                                       uint8_t *buf, size_t cap,
                                       size_t *len);
    /** cache_store: keep `len` bytes under `key` (64 lower-case hex
     *  characters), replacing any earlier entry. The bytes are borrowed
     *  for the call. The return value is only logged. May be called
     *  concurrently from several threads. @since 1.0 */
    int TEEATTEST_CALLBACK(cache_store)(void *user_data, const char *key,
                                        const uint8_t *data, size_t len);
    void *cache_user_data; /**< passed to cache_load and cache_store */

    /** Bounds of the context's in-memory memo of verified material
     *  (docs/cache.md, "In-memory memo"): parsed certificates and CRLs,
     *  certificate links whose signature verified on a path to a trust
     *  anchor, and RIM documents whose signature verified, so that the
     *  same GPUs, RIMs and NRAS keys are not verified again on every call.
     *  Only what does not depend on time is remembered: validity windows,
     *  CRLs and OCSP are judged at each verification's own time, and
     *  results are the same with and without it. Shared by the threads
     *  using the context (one internal lock, never held while verifying);
     *  the least recently used entries are dropped beyond either bound.
     *  memo_entries: number of entries, 0 = TEEATTEST_MEMO_DEFAULT_ENTRIES;
     *  memo_bytes: approximate memory, 0 = TEEATTEST_MEMO_DEFAULT_BYTES.
     *  TEEATTEST_MEMO_OFF in either turns the memo off. Used only by the
     *  built-in crypto: a crypto backend member set by the embedder is
     *  called every time. @since 1.0 */
    size_t memo_entries;
    size_t memo_bytes; /**< see memo_entries @since 1.0 */
} teeattest_ctx_options;

/** teeattest_ctx_options.memo_entries / memo_bytes: no in-memory memo.
 *  @since 1.0 */
#define TEEATTEST_MEMO_OFF SIZE_MAX
/** Default teeattest_ctx_options.memo_entries. @since 1.0 */
#define TEEATTEST_MEMO_DEFAULT_ENTRIES 4096u
/** Default teeattest_ctx_options.memo_bytes (8 MiB). @since 1.0 */
#define TEEATTEST_MEMO_DEFAULT_BYTES ((size_t)8 << 20)

/** Initialiser of a teeattest_ctx_options: struct_size set, every field
 *  zero (= default). */
#define TEEATTEST_CTX_OPTIONS_INIT \
    { sizeof(teeattest_ctx_options), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, \
      0, 0, 0, 0, 0, 0 }

/**
 * @brief Initialise an options struct (for bindings that cannot use the
 *        macro): zeroes it and sets struct_size.
 * @param size sizeof(teeattest_ctx_options) as seen by the caller.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG for NULL or a size smaller
 *         than the 1.0 struct.
 * @param opts the struct to initialise.
 * @since 1.0
 */
TEEATTEST_API int teeattest_ctx_options_init(teeattest_ctx_options *opts,
                                             size_t size);

/**
 * @brief Create a context.
 * @param[out] out receives the new context (reference count 1); left NULL
 *             on failure.
 * @param[in] opts may be NULL for all defaults.
 * @param[out] err may be NULL.
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG (out NULL, bad allocator or
 *         backend table); TEEATTEST_E_ABI / TEEATTEST_E_ABI_TOO_NEW (a
 *         struct_size this library cannot accept); TEEATTEST_E_NOMEM.
 * Ownership: new reference, release with teeattest_ctx_free().
 * Thread safety: the new context is immutable and may be shared by any
 * number of threads.
 * @since 1.0
 */
TEEATTEST_API int teeattest_ctx_new(teeattest_ctx **out,
                                    const teeattest_ctx_options *opts,
                                    teeattest_error *err);

/**
 * @brief Take one more reference.
 * @return ctx (NULL if ctx is NULL). Thread safety: atomic.
 * @param ctx the handle; NULL returns NULL.
 * @since 1.0
 */
TEEATTEST_API teeattest_ctx *teeattest_ctx_ref(teeattest_ctx *ctx);

/**
 * @brief Drop one reference; the context is destroyed (and the backends'
 *        release hooks called) when the last reference, including those
 *        held by its children, goes. NULL is a no-op.
 * Thread safety: atomic. Objects created from a context keep it alive, so
 * the order in which handles are freed never matters.
 * @param ctx the handle to release; NULL is a no-op.
 * @since 1.0
 */
TEEATTEST_API void teeattest_ctx_free(teeattest_ctx *ctx);

/**
 * @brief The context's current time (its clock callback, else the system
 *        clock), in Unix seconds.
 * @return the time, or 0 if ctx is NULL.
 * @param ctx the context; the new object keeps a reference to it.
 * @since 1.0
 */
TEEATTEST_API int64_t teeattest_ctx_now(const teeattest_ctx *ctx);

/** Compile-time features that can be queried at run time. @since 1.0 */
typedef enum teeattest_feature {
    TEEATTEST_FEATURE_CURL_TRANSPORT = 1, /**< built-in libcurl transport */
    TEEATTEST_FEATURE_RIM_XML = 2,        /**< NVIDIA RIM verification (libxml2,
                                               meson option libxml2); without
                                               it the RIM checks are skips
                                               saying so */
    TEEATTEST_FEATURE_ED25519 = 3,        /**< Ed25519 (libsodium) */
    TEEATTEST_FEATURE_SECP256K1 = 4       /**< ECDSA recovery (libsecp256k1) */
} teeattest_feature;

/**
 * @brief Whether a feature is built into this copy of the library. A
 *        missing feature keeps every symbol; its functions return
 *        TEEATTEST_E_UNSUPPORTED. Ed25519 and secp256k1 are required
 *        dependencies (always 1); the curl transport and RIM verification
 *        depend on the build options.
 * @param feature a teeattest_feature value.
 * @return 1 if available, 0 if not or unknown.
 * @since 1.0
 */
TEEATTEST_API int teeattest_has_feature(int32_t feature);

#ifdef __cplusplus
}
#endif

#endif /* TEEATTEST_CONTEXT_H */
