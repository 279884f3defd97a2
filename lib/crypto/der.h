/*
 * Internal DER reader and writer (ASN.1), the one the layers above
 * lib/crypto use: today mbedTLS 2.28's ASN.1 helpers (der_mbedtls.c), with
 * their exact semantics.
 *
 * Readers advance *p past what they read, never beyond `end`, and return
 * 0 on success or a negative value. Writers write backwards: *p moves
 * towards `start`; they return the number of bytes written or a negative
 * value.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_CRYPTO_DER_H
#define TA_CRYPTO_DER_H

#include <stddef.h>
#include <stdint.h>

/* Tag bytes. */
#define TA_DER_BOOLEAN 0x01
#define TA_DER_INTEGER 0x02
#define TA_DER_BIT_STRING 0x03
#define TA_DER_OCTET_STRING 0x04
#define TA_DER_NULL 0x05
#define TA_DER_OID 0x06
#define TA_DER_ENUMERATED 0x0A
#define TA_DER_CONSTRUCTED 0x20
#define TA_DER_CONTEXT 0x80
#define TA_DER_SEQUENCE 0x30 /* constructed SEQUENCE */
#define TA_DER_SET 0x31      /* constructed SET */

/* A length (after the tag). */
int ta_der_get_len(uint8_t **p, const uint8_t *end, size_t *len);
/* Tag `tag` and its length; *p then points to the contents. */
int ta_der_get_tag(uint8_t **p, const uint8_t *end, size_t *len, int tag);
int ta_der_get_bool(uint8_t **p, const uint8_t *end, int *val);
int ta_der_get_int(uint8_t **p, const uint8_t *end, int *val);
int ta_der_get_enum(uint8_t **p, const uint8_t *end, int *val);

int ta_der_write_len(uint8_t **p, const uint8_t *start, size_t len);
int ta_der_write_tag(uint8_t **p, const uint8_t *start, uint8_t tag);
int ta_der_write_raw(uint8_t **p, const uint8_t *start, const uint8_t *buf,
                     size_t size);
int ta_der_write_octet_string(uint8_t **p, const uint8_t *start,
                              const uint8_t *buf, size_t size);
int ta_der_write_bool(uint8_t **p, const uint8_t *start, int boolean);
int ta_der_write_oid(uint8_t **p, const uint8_t *start, const uint8_t *oid,
                     size_t oid_len);
/* AlgorithmIdentifier { oid, params } with `par_len` bytes of parameters
 * already written before *p (0: a NULL is written). */
int ta_der_write_algorithm_identifier(uint8_t **p, const uint8_t *start,
                                      const uint8_t *oid, size_t oid_len,
                                      size_t par_len);

#endif /* TA_CRYPTO_DER_H */
