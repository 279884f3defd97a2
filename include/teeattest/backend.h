/**
 * @file
 * libteeattest: pluggable backends (crypto, HTTP transport).
 *
 * SPDX-License-Identifier: Apache-2.0
 *
 * The built-in backends (mbedTLS + libsecp256k1 + libsodium for crypto,
 * libcurl for transport) are only the default implementations of these
 * tables. An embedder may replace any single operation: a NULL member, or a
 * member that returns TEEATTEST_E_PASSTHROUGH, makes the library use its
 * built-in path for that call. See docs/backends.md.
 *
 * Tables are copied when the context is created; `release` is called once,
 * when the last reference to that context goes away, so a binding can free
 * whatever `user_data` points to.
 *
 * Thread safety: every member may be called concurrently from several
 * threads that share the context.
 */
#ifndef TEEATTEST_BACKEND_H
#define TEEATTEST_BACKEND_H

#include "teeattest/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Hash algorithms (values of the `alg` argument). @since 1.0 */
typedef enum teeattest_hash_alg {
    TEEATTEST_HASH_SHA256 = 1,    /**< 32-byte output */
    TEEATTEST_HASH_SHA384 = 2,    /**< 48-byte output */
    TEEATTEST_HASH_SHA512 = 3,    /**< 64-byte output */
    TEEATTEST_HASH_KECCAK256 = 4  /**< Ethereum keccak-256, 32 bytes */
} teeattest_hash_alg;

/** Elliptic curves for ECDSA verification. @since 1.0 */
typedef enum teeattest_curve {
    TEEATTEST_CURVE_P256 = 1, /**< NIST P-256 (secp256r1) */
    TEEATTEST_CURVE_P384 = 2  /**< NIST P-384 (secp384r1) */
} teeattest_curve;

/** Bits reported by x509_verify_chain in `*flags_out`. @since 1.0 */
#define TEEATTEST_X509_NOT_TRUSTED    0x0001u /**< no path to a trust anchor */
#define TEEATTEST_X509_BAD_SIGNATURE  0x0002u /**< a signature is wrong */
#define TEEATTEST_X509_EXPIRED        0x0004u /**< after notAfter */
#define TEEATTEST_X509_NOT_YET_VALID  0x0008u /**< before notBefore */
#define TEEATTEST_X509_REVOKED        0x0010u /**< serial listed in a CRL */
#define TEEATTEST_X509_CRL_EXPIRED    0x0020u /**< a CRL is past nextUpdate */
#define TEEATTEST_X509_CRL_FUTURE     0x0040u /**< a CRL's thisUpdate is later */
#define TEEATTEST_X509_CRL_BAD        0x0080u /**< a CRL's signature is wrong */
#define TEEATTEST_X509_BAD_FORMAT     0x0100u /**< a certificate did not parse */
#define TEEATTEST_X509_OTHER          0x8000u /**< any other failure */

/**
 * @brief Cryptographic primitives.
 *
 * Every member returns a teeattest_status: TEEATTEST_OK on success,
 * TEEATTEST_E_PASSTHROUGH to have the built-in implementation run instead,
 * any other negative value to fail the operation.
 *
 * @since 1.0
 */
typedef struct teeattest_crypto_backend {
    size_t struct_size; /**< sizeof(teeattest_crypto_backend) */
    void *user_data;    /**< passed as the first argument of every member */

    /** Write the `alg` digest of data[0..len) into out (out_len bytes, the
     *  digest's exact size). */
    int TEEATTEST_CALLBACK(hash)(void *user_data, int32_t alg,
                                 uint8_t *out, size_t out_len,
                                 const uint8_t *data, size_t len);

    /** ECDSA verification of a prehashed message. `pubkey` is an
     *  uncompressed SEC1 point (0x04 || X || Y), `sig` is r || s with each
     *  half the curve's size. Returns TEEATTEST_OK if valid,
     *  TEEATTEST_E_VERIFY_FAILED if not. */
    int TEEATTEST_CALLBACK(ecdsa_verify)(void *user_data, int32_t curve,
                                         const uint8_t *pubkey,
                                         size_t pubkey_len,
                                         const uint8_t *digest,
                                         size_t digest_len,
                                         const uint8_t *sig, size_t sig_len);

    /** secp256k1 public-key recovery: writes the uncompressed 65-byte
     *  point. `sig64` is r || s, `recid` 0..3. Returns
     *  TEEATTEST_E_RECOVER_FAILED when no key can be recovered. High-s
     *  signatures must be accepted here: the policy decides about them. */
    int TEEATTEST_CALLBACK(secp256k1_recover)(void *user_data,
                                              uint8_t pubkey65[65],
                                              const uint8_t digest32[32],
                                              const uint8_t sig64[64],
                                              int32_t recid);

    /** Ed25519 verification (RFC 8032, pure). Returns TEEATTEST_OK if
     *  valid, TEEATTEST_E_VERIFY_FAILED if not. */
    int TEEATTEST_CALLBACK(ed25519_verify)(void *user_data,
                                           const uint8_t sig64[64],
                                           const uint8_t *msg, size_t msg_len,
                                           const uint8_t pubkey32[32]);

    /** Verify an X.509 chain at time `at` (Unix seconds), never the wall
     *  clock. `chain` is leaf first, DER; `roots` are the trust anchors;
     *  `crls` (may be count 0) are checked for revocation and validity at
     *  `at`. Sets TEEATTEST_X509_* bits in *flags_out. Returns TEEATTEST_OK
     *  only when *flags_out is 0, else TEEATTEST_E_CERT_CHAIN. */
    int TEEATTEST_CALLBACK(x509_verify_chain)(void *user_data,
                                              uint32_t *flags_out,
                                              const uint8_t *const *chain,
                                              const size_t *chain_lens,
                                              size_t chain_count,
                                              const uint8_t *const *roots,
                                              const size_t *root_lens,
                                              size_t root_count,
                                              const uint8_t *const *crls,
                                              const size_t *crl_lens,
                                              size_t crl_count,
                                              int64_t at);

    /** Fill buf with len cryptographically secure random bytes (used for
     *  nonces). */
    int TEEATTEST_CALLBACK(random)(void *user_data, uint8_t *buf, size_t len);

    /** Called once when the owning context is destroyed. May be NULL. */
    void TEEATTEST_CALLBACK(release)(void *user_data);
} teeattest_crypto_backend;

/** Initialiser of a teeattest_crypto_backend: struct_size set, every
 *  member NULL (= built-in). */
#define TEEATTEST_CRYPTO_BACKEND_INIT \
    { sizeof(teeattest_crypto_backend), 0, 0, 0, 0, 0, 0, 0, 0 }

/** Flags of teeattest_http_request. @since 1.0 */
#define TEEATTEST_HTTP_STREAM  0x0001u /**< deliver body chunks as they arrive */
/** The caller needs the peer's TLS public key: the transport must report it
 *  with teeattest_http_response_set_peer_spki(), which may require a new
 *  connection (a certificate is only seen during a handshake). */
#define TEEATTEST_HTTP_PEER_KEY 0x0002u
/** The request is idempotent (a GET the library may retry). Informational:
 *  retries are done by the library, never by the transport. */
#define TEEATTEST_HTTP_IDEMPOTENT 0x0004u

/**
 * @brief One HTTP request, built by the library and handed to a transport.
 *
 * All pointers are borrowed for the duration of the call only. `body` holds
 * the exact bytes to send: they are the bytes the library hashes.
 *
 * @since 1.0
 */
typedef struct teeattest_http_request {
    size_t struct_size;        /**< sizeof as known by the library */
    const char *method;        /**< "GET" or "POST" */
    const char *url;           /**< absolute http:// or https:// URL */
    const char *const *headers; /**< "Name: value" strings */
    size_t header_count;       /**< number of strings in headers */
    const uint8_t *body;       /**< may be NULL when body_len is 0 */
    size_t body_len;           /**< length of body in bytes */
    uint32_t flags;            /**< TEEATTEST_HTTP_* */
    uint32_t connect_timeout_ms; /**< 0 = transport default */
    uint32_t total_timeout_ms;   /**< 0 = none */
    uint32_t idle_timeout_ms;    /**< longest silence on a stream, 0 = none */
    uint64_t max_body_size;      /**< larger bodies are refused */
    /** PEM file of trusted CAs replacing the system bundle, or NULL. */
    const char *ca_file;
    /** Required server key, "sha256//<base64 of SHA-256(SPKI DER)>"
     *  (several joined with ';'), or NULL. */
    const char *pinned_key;
} teeattest_http_request;

/** Opaque response sink, owned by the library. A transport fills it with
 *  the teeattest_http_response_* functions below. */
typedef struct teeattest_http_response teeattest_http_response;

/**
 * @brief HTTP transport.
 *
 * `request` performs one exchange and returns when it is complete. It
 * reports the status line, headers, body and peer TLS key through the
 * response sink. Return TEEATTEST_OK when an HTTP response was received (any
 * status code), or TEEATTEST_E_TIMEOUT / TEEATTEST_E_TLS /
 * TEEATTEST_E_TRANSPORT / TEEATTEST_E_CANCELLED when not.
 *
 * When the exchange fails, the transport may first say why with
 * teeattest_http_response_set_error(): its message and backend code then
 * reach the caller's teeattest_error exactly as the built-in libcurl
 * transport's do.
 *
 * `stream` is the streaming variant: the same contract, but the transport
 * must call teeattest_http_response_write() for each chunk as soon as it is
 * received (that call is the per-chunk callback: it forwards the chunk to
 * the caller) and must stop when it returns an error. NULL means the library
 * uses `request` and delivers the body as one chunk.
 *
 * @since 1.0
 */
typedef struct teeattest_transport {
    size_t struct_size; /**< sizeof(teeattest_transport) */
    void *user_data;    /**< passed as the first argument of every member */
    /** Perform one exchange and return when it is complete (see above). */
    int TEEATTEST_CALLBACK(request)(void *user_data,
                                    teeattest_http_response *resp,
                                    const teeattest_http_request *req);
    /** The streaming variant of request; NULL = use request. */
    int TEEATTEST_CALLBACK(stream)(void *user_data,
                                   teeattest_http_response *resp,
                                   const teeattest_http_request *req);
    /** Called once when the owning context is destroyed. May be NULL. */
    void TEEATTEST_CALLBACK(release)(void *user_data);
} teeattest_transport;

/** Initialiser of a teeattest_transport: struct_size set, every member
 *  NULL (= the built-in transport). */
#define TEEATTEST_TRANSPORT_INIT { sizeof(teeattest_transport), 0, 0, 0, 0 }

/**
 * @brief Record the HTTP status code of the response.
 * @return TEEATTEST_OK, or TEEATTEST_E_INVALID_ARG (NULL, status outside
 *         100..599).
 * Thread safety: call only from the thread running the transport call.
 * @param resp the response sink of the current call.
 * @param status the HTTP status code, 100..599.
 * @since 1.0
 */
TEEATTEST_API int teeattest_http_response_set_status(
    teeattest_http_response *resp, int32_t status);

/**
 * @brief Record one response header (name and value copied; the value
 *        without surrounding white space).
 * @return TEEATTEST_OK, TEEATTEST_E_INVALID_ARG (also for a NUL byte in
 *         the name or value), TEEATTEST_E_NOMEM,
 *         TEEATTEST_E_TOO_LARGE (more than 64 KiB of headers in total).
 * @param resp the response sink of the current call.
 * @param name the header name (not NUL-terminated).
 * @param name_len length of `name` in bytes.
 * @param value the header value (not NUL-terminated).
 * @param value_len length of `value` in bytes.
 * @since 1.0
 */
TEEATTEST_API int teeattest_http_response_add_header(
    teeattest_http_response *resp, const char *name, size_t name_len,
    const char *value, size_t value_len);

/**
 * @brief Append body bytes exactly as received (after de-chunking and
 *        decompression). In streaming mode this is the per-chunk callback.
 * @return TEEATTEST_OK to continue; TEEATTEST_E_RESPONSE_TOO_LARGE when the
 *         body would exceed the request's max_body_size, TEEATTEST_E_CANCELLED
 *         when the caller's chunk callback asked to stop,
 *         TEEATTEST_E_NOMEM: on any error the transport must abort the
 *         exchange and return that code.
 * @param resp the response sink of the current call.
 * @param data the body bytes of this chunk.
 * @param len length of `data` in bytes.
 * @since 1.0
 */
TEEATTEST_API int teeattest_http_response_write(
    teeattest_http_response *resp, const uint8_t *data, size_t len);

/**
 * @brief Record the DER SubjectPublicKeyInfo of the peer's TLS leaf
 *        certificate (for TLS-binding checks). Plain HTTP: do not call.
 * @return TEEATTEST_OK, TEEATTEST_E_INVALID_ARG, TEEATTEST_E_NOMEM,
 *         TEEATTEST_E_TOO_LARGE (over 16 KiB).
 * @param resp the response sink of the current call.
 * @param der the DER SubjectPublicKeyInfo.
 * @param der_len length of `der` in bytes.
 * @since 1.0
 */
TEEATTEST_API int teeattest_http_response_set_peer_spki(
    teeattest_http_response *resp, const uint8_t *der, size_t der_len);

/**
 * @brief Say why the exchange failed, before returning the failure status
 *        (TEEATTEST_E_TIMEOUT, TEEATTEST_E_TLS, TEEATTEST_E_TRANSPORT...)
 *        from the transport's `request` or `stream` member.
 *
 * The library fills the caller's teeattest_error as it does for its own
 * libcurl transport: `message` as the message and `backend_code` as
 * teeattest_error.backend_code (e.g. the backend's own error number). The
 * message is copied, cut to 255 bytes, and every byte outside printable
 * ASCII is replaced by '?'; it must not contain secrets (request headers
 * carry API keys). Calling it again replaces the earlier error. A
 * transport that records an error and still returns TEEATTEST_OK fails the
 * exchange with TEEATTEST_E_TRANSPORT; a refused teeattest_http_response_
 * write() takes precedence over the recorded error.
 *
 * @param resp the response sink of the current call.
 * @param backend_code the backend's own error code (0 = none).
 * @param message what went wrong, NUL-terminated; NULL = no message (the
 *        status's description is used).
 * @return TEEATTEST_OK; TEEATTEST_E_INVALID_ARG when resp is NULL.
 * Thread safety: call only from the thread running the transport call.
 * @since 1.0
 */
TEEATTEST_API int teeattest_http_response_set_error(
    teeattest_http_response *resp, int32_t backend_code, const char *message);

#ifdef __cplusplus
}
#endif

#endif /* TEEATTEST_BACKEND_H */
