/**
 * @file
 * libteeattest: status codes and error details.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TEEATTEST_STATUS_H
#define TEEATTEST_STATUS_H

#include "teeattest/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Status codes returned by every fallible function.
 *
 * 0 is success; errors are negative. Every value is fixed forever once
 * published: codes are never renumbered and never reused. Ranges:
 *   -1 .. -99    usage, memory, ABI
 *   -100 .. -199 malformed input (parsing)
 *   -200 .. -299 cryptography
 *   -300 .. -399 transport
 *   -400 .. -499 collateral, policy
 *
 * Functions return plain `int` so that bindings never depend on the size of
 * an enum; this enum only names the values.
 *
 * @since 1.0
 */
typedef enum teeattest_status {
    TEEATTEST_OK = 0,                /**< success */

    /* usage, memory, ABI */
    TEEATTEST_E_INVALID_ARG = -1,    /**< misuse: NULL, bad size, bad enum */
    TEEATTEST_E_NOMEM = -2,          /**< an allocation failed */
    TEEATTEST_E_ABI = -3,            /**< struct_size smaller than v1 */
    TEEATTEST_E_ABI_TOO_NEW = -4,    /**< struct_size larger, non-zero tail */
    TEEATTEST_E_BUFFER_TOO_SMALL = -5, /**< needed length written back */
    TEEATTEST_E_UNSUPPORTED = -6,    /**< feature or operation not available */
    TEEATTEST_E_USER = -7,           /**< a callback reported its own failure */
    TEEATTEST_E_PASSTHROUGH = -8,    /**< backend declines: use built-in path */
    TEEATTEST_E_INTERNAL = -9,       /**< a bug in libteeattest */
    TEEATTEST_E_NOT_FOUND = -10,     /**< no such item (fact, check index) */
    TEEATTEST_E_IO = -11,            /**< reading or writing a file failed */
    TEEATTEST_E_NOT_VERIFIED = -12,  /**< the result's verdict is not verified */

    /* malformed input */
    TEEATTEST_E_PARSE = -100,        /**< malformed input, see detail */
    TEEATTEST_E_JSON = -101,         /**< not valid JSON / wrong JSON type */
    TEEATTEST_E_HEX = -102,          /**< not valid hexadecimal */
    TEEATTEST_E_BASE64 = -103,       /**< not valid base64 / base64url */
    TEEATTEST_E_LENGTH = -104,       /**< a field has the wrong length */
    TEEATTEST_E_TOO_LARGE = -105,    /**< input larger than the library's limit */
    TEEATTEST_E_FIELD_MISSING = -106, /**< a required field is absent */
    TEEATTEST_E_SIG_TEXT = -107,     /**< signed text not req:resp or model:req:resp */
    TEEATTEST_E_SIG_ENCODING = -108, /**< signature bytes malformed */
    TEEATTEST_E_SIG_ALGO = -109,     /**< unknown signing algorithm */
    TEEATTEST_E_SIGNER_FORMAT = -110, /**< address / key malformed */

    /* cryptography */
    TEEATTEST_E_CRYPTO = -200,       /**< crypto backend failure */
    TEEATTEST_E_VERIFY_FAILED = -201, /**< a signature did not verify */
    TEEATTEST_E_RECOVER_FAILED = -202, /**< no public key recoverable */
    TEEATTEST_E_CERT_CHAIN = -203,   /**< certificate chain did not verify */
    TEEATTEST_E_RANDOM = -204,       /**< random source failed */

    /* transport */
    TEEATTEST_E_TRANSPORT = -300,    /**< connection or protocol failure */
    TEEATTEST_E_TIMEOUT = -301,      /**< a timeout expired */
    TEEATTEST_E_HTTP_STATUS = -302,  /**< unexpected HTTP status */
    TEEATTEST_E_TLS = -303,          /**< TLS handshake or verification */
    TEEATTEST_E_CANCELLED = -304,    /**< cancelled by a callback */
    TEEATTEST_E_RESPONSE_TOO_LARGE = -305, /**< body over the size limit */
    TEEATTEST_E_SIGNATURE_UNAVAILABLE = -306 /**< expired or unknown id */
} teeattest_status;

/**
 * @brief Static English description of a status code.
 * @return never NULL; "unknown status" for values this version does not
 *         know. Ownership: static storage.
 * Thread safety: safe.
 * @param status a teeattest_status value (any int).
 * @since 1.0
 */
TEEATTEST_API const char *teeattest_status_str(int status);

/**
 * @brief Symbolic name of a status code ("TEEATTEST_E_HEX").
 * @return never NULL; "TEEATTEST_E_UNKNOWN" for unknown values.
 * @param status a teeattest_status value (any int).
 * @since 1.0
 */
TEEATTEST_API const char *teeattest_status_name(int status);

/**
 * @brief Error detail, filled by the call that failed.
 *
 * Every fallible function takes an optional `teeattest_error *err` as its
 * last parameter (NULL = no detail wanted). On failure the library writes
 * the status, a message and, where it helps, a location (a JSON path, a
 * byte offset or a header name). On success `err` is left untouched.
 * Nothing is kept in thread-local or global state, so the detail belongs to
 * the thread that made the call.
 *
 * Initialise with TEEATTEST_ERROR_INIT or teeattest_error_init(), or pass a
 * zero-filled struct (struct_size 0): bindings that cannot expand the macro
 * get the full 1.0 detail that way. A struct_size between 1 and the 1.0
 * size is not a teeattest_error and is never written.
 *
 * @since 1.0
 */
typedef struct teeattest_error {
    size_t struct_size;   /**< sizeof(teeattest_error) */
    int32_t code;         /**< the teeattest_status returned */
    int32_t backend_code; /**< HTTP status, curl or mbedTLS code; 0 if none */
    char message[256];    /**< NUL-terminated, never contains secrets */
    char where[96];       /**< JSON path / offset / field, may be empty */
} teeattest_error;

/** Initialiser of a teeattest_error: struct_size set, everything else
 *  zero. */
#define TEEATTEST_ERROR_INIT { sizeof(teeattest_error), 0, 0, {0}, {0} }

/**
 * @brief Initialise an error struct (for bindings that cannot use macros).
 * @param err struct to clear; struct_size is set to `size`.
 * @param size sizeof(teeattest_error) as seen by the caller.
 * @return TEEATTEST_OK, or TEEATTEST_E_INVALID_ARG if err is NULL or size
 *         is smaller than the 1.0 struct.
 * @since 1.0
 */
TEEATTEST_API int teeattest_error_init(teeattest_error *err, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* TEEATTEST_STATUS_H */
