/*
 * Internal pieces of the Sigstore verification (cert.c, tlog.c), used by
 * verify.c.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_SIGSTORE_VERIFY_H
#define TA_SIGSTORE_VERIFY_H

#include "../crypto/x509.h"
#include "sigstore.h"

/* want exactly, or want_re (POSIX ERE, anchored at both ends). */
bool ta_ss_match(const teeattest_ctx *ctx, const char *want, const char *want_re, const char *val,
                 size_t len);
/* TEEATTEST_OK when a subjectAltName (email, URI, DNS name or otherName
 * UTF8String) matches; `found` gets the first one for the detail. */
int ta_ss_cert_identity(const teeattest_ctx *ctx, const ta_x509 *leaf, const char *want,
                        const char *want_re, char *found, size_t cap);
int ta_ss_cert_issuer(const teeattest_ctx *ctx, const ta_x509 *leaf, const char *want,
                      const char *want_re, char *found, size_t cap);
/* Chain the leaf to a CA of the root valid at `at` (its window and every
 * certificate's validity). */
int ta_ss_cert_chain(const teeattest_ctx *ctx, const ta_ss_root *root,
                     const ta_ss_blob *leaf, int64_t at, size_t *ca_out,
                     char *why, size_t cap);

/* What the log entries are compared against. */
typedef struct ta_ss_signed {
    const ta_ss_bundle *b;
    const ta_ss_blob *leaf;     /* or NULL with key */
    const ta_ss_key *key;
    const uint8_t *digest;      /* the artifact's SHA-256 (message sig) */
    const uint8_t *pae_digest;  /* SHA-256 of the DSSE PAE, or NULL */
} ta_ss_signed;

/* The entry's canonicalized body against the bundle's content:
 * TEEATTEST_OK, or an error with `why` filled. */
int ta_ss_tlog_body(const teeattest_ctx *ctx, const ta_ss_entry *e,
                    const ta_ss_signed *s, char *why, size_t cap);
/* The signed entry timestamp (Rekor v1) with the log's key. */
int ta_ss_tlog_set(const teeattest_ctx *ctx, const ta_ss_entry *e,
                   const ta_ss_log *log);
/* The checkpoint (signed note) of the inclusion proof: size and root hash
 * match the proof, and a signature line whose key hint is the log's
 * verifies with the log's key. */
int ta_ss_tlog_checkpoint(const teeattest_ctx *ctx, const ta_ss_entry *e,
                          const ta_ss_log *log, char *why, size_t cap);

/* One RFC 3161 timestamp response over `signature` (tsa.c): true with
 * *time its genTime when a timestamp authority of the root signed it and
 * its chain and window hold that time. */
bool ta_ss_tsa_verify(const teeattest_ctx *ctx, const ta_ss_root *root,
                      const ta_ss_blob *ts, const ta_ss_blob *signature,
                      int64_t *time, char *why, size_t cap);

/* The SCTs embedded in the leaf (sct.c): *n_ok counts those that verify
 * with a CT log of the root (the issuer names the precertificate's
 * issuer key). TEEATTEST_OK when at least one does. */
int ta_ss_sct_verify(const teeattest_ctx *ctx, const ta_ss_root *root,
                     const ta_x509 *leaf, const ta_x509 *issuer,
                     size_t *n_ok, char *why, size_t cap);

#endif /* TA_SIGSTORE_VERIFY_H */
