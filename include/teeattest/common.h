/**
 * @file
 * libteeattest: common definitions shared by every public header.
 *
 * SPDX-License-Identifier: Apache-2.0
 *
 * Conventions used by every function in this library
 * ---------------------------------------------------
 * Argument order:
 *   1. the handle the function acts on (a context, a signature, a result...);
 *   2. outputs;
 *   3. inputs;
 *   4. a length immediately follows the pointer it measures;
 *   5. a function pointer is immediately followed by its user_data;
 *   6. the optional `teeattest_error *err` is always last.
 *
 * Pointers: unless a parameter's documentation says "may be NULL", passing
 * NULL is misuse. Misuse never aborts: it returns TEEATTEST_E_INVALID_ARG and
 * describes the mistake in `err`.
 *
 * Return values: functions that can fail return an `int` holding a
 * `teeattest_status` (0 = TEEATTEST_OK, negative = error). A verification
 * function returns TEEATTEST_OK when the verification *ran*; whether the
 * evidence is good is the verdict inside the returned result handle.
 *
 * Ownership: `const char *` and `const uint8_t *` returned by getters are
 * borrowed from the handle they came from and stay valid until that handle
 * is freed. Inputs are always copied: the caller may free or reuse an input
 * buffer as soon as the call returns.
 *
 * Strings are NUL-terminated UTF-8 unless a length is passed beside them.
 */
#ifndef TEEATTEST_COMMON_H
#define TEEATTEST_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @def TEEATTEST_API
 * Marks every exported declaration.
 *   - TEEATTEST_BUILDING is defined while the shared library itself is built.
 *   - Define TEEATTEST_STATIC (or TEEATTEST_NO_VISIBILITY_ATTRIBUTES) when
 *     linking libteeattest.a into your own shared object and you do not want
 *     to re-export teeattest_* symbols.
 *
 * It expands to the platform's export (or import) attribute, or to nothing.
 */
#if defined(TEEATTEST_STATIC) || defined(TEEATTEST_NO_VISIBILITY_ATTRIBUTES)
#  define TEEATTEST_API
#elif defined(_WIN32)
#  ifdef TEEATTEST_BUILDING
#    define TEEATTEST_API __declspec(dllexport)
#  else
#    define TEEATTEST_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#  define TEEATTEST_API __attribute__((visibility("default")))
#else
#  define TEEATTEST_API
#endif

/** Declares the function-pointer member `name` of a public struct, so a
 *  calling convention can be pinned on platforms that need one. */
#define TEEATTEST_CALLBACK(name) (*name)

/**
 * @brief Custom allocator for everything libteeattest itself allocates.
 *
 * Passed in teeattest_ctx_options; copied. Every object created from that
 * context uses it. Allocations made inside dependencies (jansson, libcurl,
 * mbedTLS) are not routed through it: the library never touches those
 * libraries' process-global hooks (see docs/memory.md).
 *
 * The three functions may be called concurrently from several threads.
 * `alloc` and `realloc` return NULL on failure; `free(NULL)` must be a no-op.
 *
 * @since 1.0
 */
typedef struct teeattest_allocator {
    size_t struct_size; /**< sizeof(teeattest_allocator) */
    void *user_data; /**< passed as the first argument of every call */
    /** Allocate `size` bytes (size > 0); NULL on failure. */
    void *TEEATTEST_CALLBACK(alloc)(void *user_data, size_t size);
    /** Resize `ptr` to `size` bytes (size > 0) like realloc(3): `ptr` may
     *  be NULL (then allocate); NULL on failure, leaving `ptr` valid. */
    void *TEEATTEST_CALLBACK(realloc)(void *user_data, void *ptr, size_t size);
    /** Release `ptr`; free(NULL) must be a no-op. */
    void TEEATTEST_CALLBACK(free)(void *user_data, void *ptr);
} teeattest_allocator;

/** Opaque library context. Thread safety: immutable once created; may be
 *  shared by any number of threads. */
typedef struct teeattest_ctx teeattest_ctx;
/** Verification policy. Thread safety: not synchronised; do not modify a
 *  policy while another thread uses it in a verification. */
typedef struct teeattest_policy teeattest_policy;
/** Response signature record. Thread safety: immutable; shareable. */
typedef struct teeattest_signature teeattest_signature;
/** Verification result. Thread safety: immutable; shareable. */
typedef struct teeattest_result teeattest_result;

#ifdef __cplusplus
}
#endif

#endif /* TEEATTEST_COMMON_H */
