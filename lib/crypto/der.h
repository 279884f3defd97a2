/*
 * Internal DER reader and writer (ASN.1), the one the layers above
 * lib/crypto use: today mbedTLS 2.28's ASN.1 helpers (der_mbedtls.c), with
 * their exact semantics.
 *
 * Readers advance *p past what they read, never beyond `end`, and return
 * 0 on success or a negative value. The ta_der_get_len/_tag/_bool/_int/
 * _enum readers take what mbedTLS's take (so the OpenSSL implementation
 * of x509.h reads certificates as mbedTLS's X.509 parser does): lengths
 * definite and at most 4 bytes, but a long form need not be the shortest.
 * ta_der_get_any and the cursor read DER only: a length in its shortest
 * form as well (81 05 and 82 00 90 are refused), low tag numbers only. Writers write backwards: *p moves
 * towards `start`; they return the number of bytes written or a negative
 * value.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_CRYPTO_DER_H
#define TA_CRYPTO_DER_H

#include <stdbool.h>
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

/* The next element whatever its tag, in DER: a low tag number (a tag byte
 * whose five low bits are all set, the start of a high tag number, is
 * refused) and a length in its shortest form. *tag gets the tag byte, *len
 * the contents' length; *p then points to the contents (and is unchanged
 * on failure). */
int ta_der_get_any(uint8_t **p, const uint8_t *end, int *tag, size_t *len);

/* ---- a cursor over DER (der.c, over ta_der_get_any) -------------------
 * For walking nested structures with DER's rules: an element's contents
 * are a cursor of their own. The functions return false instead of an
 * error code and leave the cursor where it was when they fail. */
typedef struct ta_der_in {
    const uint8_t *p, *end; /* what is left to read */
} ta_der_in;

typedef struct ta_der_tlv {
    uint8_t tag;
    const uint8_t *elem; /* the element's first byte (its tag) */
    size_t elem_len;     /* tag, length and contents */
    ta_der_in in;        /* the contents */
} ta_der_tlv;

/* The next element, whatever its tag. */
bool ta_der_next(ta_der_in *d, ta_der_tlv *t);
/* The next element if it has tag `tag`. */
bool ta_der_expect(ta_der_in *d, uint8_t tag, ta_der_tlv *t);
/* Does the next element start with tag byte `tag`? (nothing is read) */
bool ta_der_peek(const ta_der_in *d, uint8_t tag);
/* Nothing is left. */
bool ta_der_done(const ta_der_in *d);
/* Bytes left. */
size_t ta_der_left(const ta_der_in *d);
/* What is left is exactly b[0..n). */
bool ta_der_eq(const ta_der_in *d, const uint8_t *b, size_t n);

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
