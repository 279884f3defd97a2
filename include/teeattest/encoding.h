/**
 * @file
 * libteeattest: hex and base64 codecs for the values callers pass in and
 * print (nonces, measurements, public keys, TLS keys), so that a program
 * needs no decoder of its own.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TEEATTEST_ENCODING_H
#define TEEATTEST_ENCODING_H

#include "teeattest/common.h"
#include "teeattest/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Decode hexadecimal text: an optional "0x"/"0X" prefix, then an
 *        even number of digits of either case and nothing else (no spaces,
 *        no separators).
 *
 * Two-call pattern: pass the capacity of `out` in `*len`; on success `*len`
 * is the number of bytes written, on TEEATTEST_E_BUFFER_TOO_SMALL the
 * number the text decodes to (`out` may be NULL with `*len` 0 to ask).
 * @param[out] out receives the bytes; may be NULL when `*len` is 0.
 * @param[in,out] len in: capacity of `out`; out: bytes written or needed.
 * @param text NUL-terminated hex text.
 * @param err optional error detail; may be NULL.
 * @return TEEATTEST_OK; TEEATTEST_E_HEX (a character that is not a hex
 *         digit); TEEATTEST_E_LENGTH (an odd number of digits);
 *         TEEATTEST_E_BUFFER_TOO_SMALL; TEEATTEST_E_INVALID_ARG.
 * Ownership: caller buffer.
 * @since 1.0
 */
TEEATTEST_API int teeattest_hex_decode(uint8_t *out, size_t *len,
                                       const char *text,
                                       teeattest_error *err);

/**
 * @brief Encode bytes as lower-case hexadecimal text, NUL-terminated, with
 *        no prefix.
 * @param[out] out receives 2 × `data_len` digits and a NUL.
 * @param size capacity of `out`: at least 2 × `data_len` + 1.
 * @param data the bytes; may be NULL when `data_len` is 0.
 * @param data_len their number.
 * @param err optional error detail; may be NULL.
 * @return TEEATTEST_OK; TEEATTEST_E_BUFFER_TOO_SMALL (nothing written);
 *         TEEATTEST_E_INVALID_ARG.
 * Ownership: caller buffer.
 * @since 1.0
 */
TEEATTEST_API int teeattest_hex_encode(char *out, size_t size,
                                       const uint8_t *data, size_t data_len,
                                       teeattest_error *err);

/**
 * @brief Decode base64 text: the standard alphabet with its padding
 *        (RFC 4648 section 4), or base64url with or without padding
 *        (section 5); text containing '-' or '_' is read as base64url.
 *        No whitespace (join a PEM body's lines first) and no
 *        non-canonical trailing bits: one value has one encoding.
 *
 * Same two-call pattern as teeattest_hex_decode(); the size reported by
 * TEEATTEST_E_BUFFER_TOO_SMALL follows from the text's length, and the
 * text itself is checked when it is decoded.
 * @param[out] out receives the bytes; may be NULL when `*len` is 0.
 * @param[in,out] len in: capacity of `out`; out: bytes written or needed.
 * @param text NUL-terminated base64 or base64url text.
 * @param err optional error detail; may be NULL.
 * @return TEEATTEST_OK; TEEATTEST_E_BASE64; TEEATTEST_E_BUFFER_TOO_SMALL;
 *         TEEATTEST_E_INVALID_ARG.
 * Ownership: caller buffer.
 * @since 1.0
 */
TEEATTEST_API int teeattest_base64_decode(uint8_t *out, size_t *len,
                                          const char *text,
                                          teeattest_error *err);

#ifdef __cplusplus
}
#endif

#endif /* TEEATTEST_ENCODING_H */
