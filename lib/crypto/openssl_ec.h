/*
 * The P-256 and P-384 groups of OpenSSL, created once (openssl.c), for the
 * files of lib/crypto built with OpenSSL (openssl.c, x509_openssl.c).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_CRYPTO_OPENSSL_EC_H
#define TA_CRYPTO_OPENSSL_EC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ec.h>

/* The group of TEEATTEST_CURVE_P256 or _P384, kept until exit; NULL for
 * another curve or when OpenSSL cannot make it. */
const EC_GROUP *ta_openssl_ec_group(int32_t curve);

/* Is pt[0..len) a point of the curve's group (EC_POINT_oct2point's check,
 * the one OpenSSL's key decoder makes)? */
bool ta_openssl_point_on_curve(int32_t curve, const uint8_t *pt, size_t len);

#endif /* TA_CRYPTO_OPENSSL_EC_H */
