/*
 * What the two implementations of x509.h (x509_openssl.c, x509_mbedtls.c)
 * share, for them and x509.c only: every struct ta_x509, ta_x509_chain and
 * ta_x509_crl begins with a ta_x509_head, whose reference counting is in
 * x509.c; each implementation provides the release run when the last
 * reference goes.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_CRYPTO_X509_IMPL_H
#define TA_CRYPTO_X509_IMPL_H

#include <stdatomic.h>

#include "x509.h"

typedef struct ta_x509_head {
    const teeattest_ctx *ctx;    /* allocated with */
    atomic_size_t refs;          /* when owner is NULL */
    struct ta_x509_chain *owner; /* a certificate of a chain: the chain
                                    holds the count (NULL otherwise) */
    uint8_t sha256[32];          /* a certificate: SHA-256 of its DER */
} ta_x509_head;

/* Start the count of a new object at one reference. */
void ta_x509_head_init(ta_x509_head *h, const teeattest_ctx *ctx);

/* Set a certificate's SHA-256 (ta_x509_sha256) from its DER, once, when
 * it is parsed. TEEATTEST_OK or the hash's error. */
int ta_x509_head_digest(ta_x509_head *h, ta_der der);

/* The last reference is gone: free the object. */
void ta_x509_release(ta_x509 *c);
void ta_x509_chain_release(ta_x509_chain *ch);
void ta_x509_crl_release(ta_x509_crl *crl);

#endif /* TA_CRYPTO_X509_IMPL_H */
