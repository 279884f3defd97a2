/*
 * The DER reader and writer of der.h over mbedTLS 2.28's ASN.1 helpers.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <mbedtls/asn1.h>
#include <mbedtls/asn1write.h>

#include "der.h"

int ta_der_get_len(uint8_t **p, const uint8_t *end, size_t *len)
{
    return mbedtls_asn1_get_len(p, end, len);
}

int ta_der_get_tag(uint8_t **p, const uint8_t *end, size_t *len, int tag)
{
    return mbedtls_asn1_get_tag(p, end, len, tag);
}

int ta_der_get_bool(uint8_t **p, const uint8_t *end, int *val)
{
    return mbedtls_asn1_get_bool(p, end, val);
}

int ta_der_get_int(uint8_t **p, const uint8_t *end, int *val)
{
    return mbedtls_asn1_get_int(p, end, val);
}

int ta_der_get_enum(uint8_t **p, const uint8_t *end, int *val)
{
    return mbedtls_asn1_get_enum(p, end, val);
}

/* mbedTLS refuses the indefinite form (0x80) and more than 4 length bytes
 * but takes a long form that is not the shortest (0x81 0x05, 0x82 0x00
 * 0x90): DER has one encoding per length, so that is refused here. */
int ta_der_get_any(uint8_t **p, const uint8_t *end, int *tag, size_t *len)
{
    uint8_t *start = *p;
    if (end - start < 1)
        return MBEDTLS_ERR_ASN1_OUT_OF_DATA;
    if ((start[0] & 0x1f) == 0x1f)
        return MBEDTLS_ERR_ASN1_UNEXPECTED_TAG; /* high tag number */
    *p = start + 1;
    int rc = mbedtls_asn1_get_len(p, end, len);
    if (rc == 0 && (start[1] & 0x80) && (start[2] == 0 || *len < 0x80))
        rc = MBEDTLS_ERR_ASN1_INVALID_LENGTH;
    if (rc) {
        *p = start;
        return rc;
    }
    *tag = start[0];
    return 0;
}

int ta_der_write_len(uint8_t **p, const uint8_t *start, size_t len)
{
    return mbedtls_asn1_write_len(p, (unsigned char *)start, len);
}

int ta_der_write_tag(uint8_t **p, const uint8_t *start, uint8_t tag)
{
    return mbedtls_asn1_write_tag(p, (unsigned char *)start, tag);
}

int ta_der_write_raw(uint8_t **p, const uint8_t *start, const uint8_t *buf,
                     size_t size)
{
    return mbedtls_asn1_write_raw_buffer(p, (unsigned char *)start, buf,
                                         size);
}

int ta_der_write_octet_string(uint8_t **p, const uint8_t *start,
                              const uint8_t *buf, size_t size)
{
    return mbedtls_asn1_write_octet_string(p, (unsigned char *)start, buf,
                                           size);
}

int ta_der_write_bool(uint8_t **p, const uint8_t *start, int boolean)
{
    return mbedtls_asn1_write_bool(p, (unsigned char *)start, boolean);
}

int ta_der_write_oid(uint8_t **p, const uint8_t *start, const uint8_t *oid,
                     size_t oid_len)
{
    return mbedtls_asn1_write_oid(p, (unsigned char *)start,
                                  (const char *)oid, oid_len);
}

int ta_der_write_algorithm_identifier(uint8_t **p, const uint8_t *start,
                                      const uint8_t *oid, size_t oid_len,
                                      size_t par_len)
{
    return mbedtls_asn1_write_algorithm_identifier(
        p, (unsigned char *)start, (const char *)oid, oid_len, par_len);
}
