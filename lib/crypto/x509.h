/*
 * Internal X.509 / key / DER interface: the only way the layers above
 * lib/crypto see certificates, CRLs and their keys. No dependency type
 * appears here; one implementation per backend (today x509_mbedtls.c and
 * der_mbedtls.c, mbedTLS 2.28).
 *
 * Objects are immutable once parsed and reference-counted (atomically), so
 * one parse can be shared by several owners (a memo, a cache, a caller)
 * without copying structs: take a reference with _ref, drop it with _free
 * (NULL is a no-op). A certificate that belongs to a chain shares the
 * chain's count: a reference to it keeps the whole chain alive.
 * The objects are allocated with the allocator of the context they are
 * parsed with (the backend's own parse state with the backend's, as
 * before), and remember that context without holding a reference: the
 * context must outlive them (their owners hold it: a collateral, a
 * result, a verification in progress).
 *
 * Views (ta_der) are borrowed from the object and valid while it lives.
 * Times are Unix seconds in UTC; nothing here reads the wall clock: every
 * time-dependent judgement takes the verification time from the caller.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_CRYPTO_X509_H
#define TA_CRYPTO_X509_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/core.h"

/* A borrowed byte range. */
typedef struct ta_der {
    const uint8_t *p;
    size_t len;
} ta_der;

typedef struct ta_x509 ta_x509;             /* one certificate */
typedef struct ta_x509_chain ta_x509_chain; /* certificates in given order */
typedef struct ta_x509_crl ta_x509_crl;     /* one CRL */

/* Signature algorithm of a certificate or CRL. */
typedef enum ta_x509_sig_kind {
    TA_X509_PK_OTHER = 0,
    TA_X509_PK_ECDSA = 1,
    TA_X509_PK_RSA = 2,       /* PKCS#1 v1.5 */
    TA_X509_PK_RSASSA_PSS = 3,
} ta_x509_sig_kind;

/* Key type of a certificate's SubjectPublicKeyInfo. */
typedef enum ta_x509_key_kind {
    TA_X509_KEY_OTHER = 0,
    TA_X509_KEY_EC = 1,       /* id-ecPublicKey */
    TA_X509_KEY_RSA = 2,
} ta_x509_key_kind;

/* The implementation's name ("mbedTLS"), for messages beside its error
 * codes. */
const char *ta_x509_backend_name(void);

/* ---- certificates ----------------------------------------------------- */

/* Parse one DER certificate from the start of der[0..len). Bytes after the
 * certificate are allowed (compare ta_x509_der(c).len with len to refuse
 * them). TEEATTEST_E_PARSE when it does not parse (*backend_rc, if not
 * NULL, gets the backend's error code), TEEATTEST_E_NOMEM. */
int ta_x509_parse_der(const teeattest_ctx *ctx, ta_x509 **out,
                      const uint8_t *der, size_t len, int *backend_rc);
/* ta_x509_parse_der and ta_x509_crl_parse (memo.c) return the object the
 * context's memo holds for the same input bytes (a new reference), else
 * parse with these (the implementation's) and remember the result. */
int ta_x509_parse_der_uncached(const teeattest_ctx *ctx, ta_x509 **out,
                               const uint8_t *der, size_t len,
                               int *backend_rc);

ta_x509 *ta_x509_ref(const ta_x509 *c);
void ta_x509_free(const ta_x509 *c);

/* Views into the certificate. */
ta_der ta_x509_der(const ta_x509 *c);          /* the whole certificate */
/* SHA-256 of ta_x509_der(c), computed when the certificate was parsed
 * (how the link memo names certificates, memo.h). */
const uint8_t *ta_x509_sha256(const ta_x509 *c);
ta_der ta_x509_tbs(const ta_x509 *c);          /* TBSCertificate */
ta_der ta_x509_subject_der(const ta_x509 *c);  /* Name SEQUENCE */
ta_der ta_x509_issuer_der(const ta_x509 *c);   /* Name SEQUENCE */
ta_der ta_x509_serial(const ta_x509 *c);       /* INTEGER contents */
ta_der ta_x509_spki_der(const ta_x509 *c);     /* SubjectPublicKeyInfo */
/* The subjectPublicKey BIT STRING's contents after its unused-bits byte
 * (what an OCSP CertID's issuerKeyHash and a byKey ResponderID hash), as
 * the certificate encodes it; len 0 when the SubjectPublicKeyInfo is not
 * SEQUENCE { SEQUENCE { OID ... }, BIT STRING with no unused bits }. */
ta_der ta_x509_spki_key(const ta_x509 *c);
ta_der ta_x509_signature(const ta_x509 *c);    /* signatureValue bits */
/* The Extensions SEQUENCE (inside [3]); len 0 when there is none. */
ta_der ta_x509_extensions(const ta_x509 *c);
int64_t ta_x509_not_before(const ta_x509 *c);
int64_t ta_x509_not_after(const ta_x509 *c);
/* True if the window [notBefore, notAfter] holds `at` (both ends in). */
bool ta_x509_valid_at(const ta_x509 *c, int64_t at);
/* Subject and issuer names are byte-identical. */
bool ta_x509_self_issued(const ta_x509 *c);
/* issuer's subject == subject's issuer, byte for byte. */
bool ta_x509_names_link(const ta_x509 *issuer, const ta_x509 *subject);

/* Signature algorithm: *pk a ta_x509_sig_kind, *hash a teeattest_hash_alg
 * (0 for any other digest). */
void ta_x509_sig_alg(const ta_x509 *c, int32_t *pk, int32_t *hash);

/* Key type (a ta_x509_key_kind), and for EC keys the curve (a teeattest_curve, 0 when the
 * curve is neither P-256 nor P-384). */
int32_t ta_x509_key_type(const ta_x509 *c);
int32_t ta_x509_key_curve(const ta_x509 *c);
/* The key's size in bits (an RSA modulus, an EC field). */
size_t ta_x509_key_bits(const ta_x509 *c);
/* An RSA PKCS#1 v1.5 signature over a SHA-256/384/512 digest with the
 * certificate's RSA key, the implementation's own primitive (the crypto
 * vtable has no RSA member). TEEATTEST_OK, TEEATTEST_E_VERIFY_FAILED, or
 * TEEATTEST_E_SIG_ALGO when the key is not RSA or the digest unknown. */
int ta_x509_rsa_verify(const ta_x509 *signer, int32_t hash_alg,
                       const uint8_t *digest, size_t digest_len,
                       const uint8_t *sig, size_t sig_len);
/* Uncompressed point (0x04 || X || Y) of an EC key on `curve` into out
 * (65 bytes for P-256, 97 for P-384). TEEATTEST_E_UNSUPPORTED when the key
 * is not an EC key on that curve, TEEATTEST_E_PARSE if it cannot be
 * written. */
int ta_x509_ec_point(const ta_x509 *c, int32_t curve, uint8_t *out,
                     size_t cap);

/* The Common Name (first CN attribute) of the subject (issuer = false) or
 * the issuer, copied and truncated to cap-1 bytes; bytes outside printable
 * ASCII become '?'. "" when there is none. */
void ta_x509_cn(const ta_x509 *c, bool issuer, char *out, size_t cap);
/* The subject as one-line text ("CN=..., O=..."), the backend's
 * formatting. Negative when it does not fit. */
int ta_x509_subject_text(const ta_x509 *c, char *out, size_t cap);
/* The serial number in decimal; TEEATTEST_E_BUFFER_TOO_SMALL or
 * TEEATTEST_E_PARSE on failure. */
int ta_x509_serial_dec(const ta_x509 *c, char *out, size_t cap);

/* The extension `oid` (DER contents of the OBJECT IDENTIFIER): its
 * extnValue contents in *value and its critical flag. TEEATTEST_OK,
 * TEEATTEST_E_NOT_FOUND when absent, TEEATTEST_E_PARSE when the extensions
 * do not parse. */
int ta_x509_ext_find(const ta_x509 *c, const uint8_t *oid, size_t oid_len,
                     ta_der *value, bool *critical);
/* basicConstraints as chain building needs them: the version (1 to 3),
 * whether the certificate is a CA (cA TRUE), and its pathLenConstraint
 * plus one (0 when it has none). */
void ta_x509_ca_info(const ta_x509 *c, int *version, bool *is_ca,
                     int *max_pathlen);
/* Key usage and extended key usage, RFC 5280 semantics: an absent
 * extension allows every usage. `ku` is a KeyUsage bit mask as in the
 * certificate's first byte (0x80 digitalSignature ...); `eku_oid` the DER
 * contents of a KeyPurposeId. */
bool ta_x509_has_eku_ext(const ta_x509 *c);
bool ta_x509_allows_eku(const ta_x509 *c, const uint8_t *eku_oid,
                        size_t eku_len);
bool ta_x509_allows_ku(const ta_x509 *c, uint32_t ku);
#define TA_X509_KU_DIGITAL_SIGNATURE 0x80u
#define TA_X509_KU_KEY_CERT_SIGN 0x04u
#define TA_X509_KU_CRL_SIGN 0x02u

/* The DER inside the first "-----BEGIN CERTIFICATE-----" block of PEM
 * text (text need not be NUL-terminated; a NUL byte inside it is refused),
 * in a new buffer from the context's allocator (*der_len bytes; release
 * with ta_free). The DER is not parsed. TEEATTEST_E_PARSE when there is no
 * such block or it does not decode, TEEATTEST_E_NOMEM. */
int ta_x509_pem_cert_der(const teeattest_ctx *ctx, const uint8_t *text,
                         size_t len, uint8_t **der, size_t *der_len);

/* ---- chains ------------------------------------------------------------ */

/* Parse every certificate of `data`: PEM blocks (any text around them) or
 * one DER certificate; data need not be NUL-terminated. *failed (if not
 * NULL) counts PEM blocks that did not parse. TEEATTEST_OK when at least
 * one certificate parsed, TEEATTEST_E_PARSE when none did,
 * TEEATTEST_E_NOMEM. */
int ta_x509_chain_parse(const teeattest_ctx *ctx, ta_x509_chain **out,
                        const uint8_t *data, size_t len, size_t *failed);
ta_x509_chain *ta_x509_chain_ref(const ta_x509_chain *ch);
void ta_x509_chain_free(const ta_x509_chain *ch);
size_t ta_x509_chain_len(const ta_x509_chain *ch);       /* 0 for NULL */
/* The i-th certificate (borrowed from the chain; ta_x509_ref to keep it
 * beyond the chain), NULL when i is out of range. */
const ta_x509 *ta_x509_chain_get(const ta_x509_chain *ch, size_t i);

/* ---- signatures -------------------------------------------------------- */

/* Convert a DER ECDSA-Sig-Value to raw r||s, each `field` bytes
 * (32 for P-256, 48 for P-384): one SEQUENCE of two positive INTEGERs in
 * DER (no leading 0x00 unless the next byte has its high bit set) and
 * nothing after it; without that 0x00 each must fit in `field` bytes.
 * TEEATTEST_E_SIG_ENCODING when it is not one. */
int ta_ecdsa_sig_der_to_raw(const uint8_t *der, size_t len, size_t field,
                            uint8_t *out);

/* Verify `subject`'s signature with `issuer`'s key: ECDSA P-256/P-384 with
 * SHA-256/384/512, through the context's crypto backend (ta_hash,
 * ta_ecdsa_verify). Names are not compared and no date is judged: this is
 * one link, the caller decides the rest. TEEATTEST_OK, or
 * TEEATTEST_E_SIG_ALGO (algorithm or key not supported),
 * TEEATTEST_E_SIG_ENCODING, or the verifier's error
 * (TEEATTEST_E_VERIFY_FAILED when the signature does not match). */
int ta_x509_verify_link(const teeattest_ctx *ctx, const ta_x509 *issuer,
                        const ta_x509 *subject);
/* Verify an ECDSA signature (DER) over msg with a certificate's key. */
int ta_x509_verify_ecdsa(const teeattest_ctx *ctx, const ta_x509 *signer,
                         int32_t hash_alg, const uint8_t *msg, size_t len,
                         const uint8_t *sig_der, size_t sig_len);

/* ---- CRLs -------------------------------------------------------------- */

/* Parse exactly one CRL, DER or PEM (data need not be NUL-terminated).
 * TEEATTEST_E_PARSE when it does not parse or holds more than one. */
int ta_x509_crl_parse(const teeattest_ctx *ctx, ta_x509_crl **out,
                      const uint8_t *data, size_t len);
int ta_x509_crl_parse_uncached(const teeattest_ctx *ctx, ta_x509_crl **out,
                               const uint8_t *data, size_t len);
ta_x509_crl *ta_x509_crl_ref(const ta_x509_crl *crl);
void ta_x509_crl_free(const ta_x509_crl *crl);
ta_der ta_x509_crl_der(const ta_x509_crl *crl);        /* the whole CRL */
ta_der ta_x509_crl_issuer_der(const ta_x509_crl *crl);
/* The issuer's Common Name, as ta_x509_cn. */
void ta_x509_crl_issuer_cn(const ta_x509_crl *crl, char *out, size_t cap);
ta_der ta_x509_crl_tbs(const ta_x509_crl *crl);
ta_der ta_x509_crl_signature(const ta_x509_crl *crl);
/* The crlExtensions SEQUENCE (inside [0]); len 0 when absent. */
ta_der ta_x509_crl_extensions(const ta_x509_crl *crl);
void ta_x509_crl_sig_alg(const ta_x509_crl *crl, int32_t *pk, int32_t *hash);
int64_t ta_x509_crl_this_update(const ta_x509_crl *crl);
/* 0 when the CRL has no nextUpdate. */
int64_t ta_x509_crl_next_update(const ta_x509_crl *crl);
/* Is `serial` (INTEGER contents, as ta_x509_serial) listed? Entries'
 * dates are not judged: listed is revoked. */
bool ta_x509_crl_lists(const ta_x509_crl *crl, ta_der serial);

/* ---- Names, over DER (x509.c), for every implementation --------------- */

/* The attributes of a Name in order, as mbedTLS lists them: ta_name_start
 * on the Name SEQUENCE, then ta_name_next until it returns 0 (the end) or
 * -1 (malformed). */
typedef struct ta_name_it {
    uint8_t *p;         /* next RDN SET */
    const uint8_t *end; /* end of the RDNSequence */
    uint8_t *set_p;     /* next attribute inside the current SET */
    const uint8_t *set_end;
} ta_name_it;

typedef struct ta_name_attr {
    ta_der oid;
    int tag;
    ta_der val;
    bool merged; /* another attribute follows in the same SET */
} ta_name_attr;

bool ta_name_start(ta_name_it *it, ta_der name);
int ta_name_next(ta_name_it *it, ta_name_attr *a);

#endif /* TA_CRYPTO_X509_H */
