/*
 * OCSP (RFC 6960) for the NVIDIA device and RIM certificate chains
 * (nvidia.md §3.4): request encoding, strict response verification at an
 * injected time, and one result check per certificate. Internal only.
 *
 * mbedTLS 2.28 has no OCSP: requests are written with its ASN.1 writers,
 * responses are read by a strict DER reader here (definite, minimal
 * lengths; every element bounds-checked), certificates with mbedTLS X.509.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_GPU_OCSP_H
#define TA_GPU_OCSP_H

#include "../core/core.h"

/* Largest OCSP response accepted (NVIDIA's are ~1 KB). */
#define TA_OCSP_RESPONSE_MAX (64u * 1024u)
/* nvtrust's NV_OCSP_URL; used when neither the caller nor the certificate's
 * AIA names a responder. */
#define TA_OCSP_DEFAULT_URL "https://ocsp.ndis.nvidia.com/"
/* Nonce length sent online (nvtrust: 32 random bytes). */
#define TA_OCSP_NONCE_LEN 32u

/* CertID hash algorithms. SHA-256/384 share teeattest_hash_alg's values;
 * SHA-1 has none there (ta_hash has no SHA-1: ocsp.c calls mbedTLS's
 * sha1 directly, only for CertIDs and byKey responder ids). */
#define TA_OCSP_HASH_SHA1 100
#define TA_OCSP_HASH_SHA256 TEEATTEST_HASH_SHA256
#define TA_OCSP_HASH_SHA384 TEEATTEST_HASH_SHA384

/* certStatus (RFC 6960 CertStatus CHOICE). */
typedef enum ta_ocsp_status {
    TA_OCSP_STATUS_NONE = 0,   /* not established (verification failed) */
    TA_OCSP_STATUS_GOOD = 1,
    TA_OCSP_STATUS_REVOKED = 2,
    TA_OCSP_STATUS_UNKNOWN = 3
} ta_ocsp_status;

/* CRLReason value meaning "on hold". */
#define TA_OCSP_REASON_CERTIFICATE_HOLD 6

/* Why ta_ocsp_response_verify() refused a response. */
typedef enum ta_ocsp_failure {
    TA_OCSP_OK = 0,
    TA_OCSP_FAIL_INPUT,      /* cert/issuer unusable (not DER, not a pair) */
    TA_OCSP_FAIL_PARSE,      /* response malformed or over the size limit */
    TA_OCSP_FAIL_RESPONSE_STATUS, /* responseStatus != successful */
    TA_OCSP_FAIL_UNSUPPORTED, /* response type / algorithm not supported */
    TA_OCSP_FAIL_CERTID,     /* no SingleResponse for this certificate */
    TA_OCSP_FAIL_RESPONDER,  /* responder not found / not authorised */
    TA_OCSP_FAIL_SIGNATURE,  /* tbsResponseData signature wrong */
    TA_OCSP_FAIL_TIME,       /* producedAt/thisUpdate/nextUpdate window */
    TA_OCSP_FAIL_NONCE,      /* nonce missing or different */
    TA_OCSP_FAIL_EXTENSION   /* unknown critical extension */
} ta_ocsp_failure;

typedef struct ta_ocsp_verify_opts {
    int64_t at;            /* verification time, Unix seconds */
    /* Clock tolerance in seconds applied to producedAt/thisUpdate (not
     * beyond nextUpdate). The spec gives none: callers pass 0. */
    int64_t skew;
    /* The nonce sent in the request, or NULL (offline: none). When set,
     * a nonce in responseExtensions must equal it; its absence fails
     * unless nonce_optional. A nonce in a response to a request without
     * one is recorded in the info and otherwise ignored. */
    const uint8_t *nonce;
    size_t nonce_len;
    bool nonce_optional;
    /* CertID hash algorithm that was requested (TA_OCSP_HASH_*), or 0 to
     * accept any supported one (offline responses). */
    int32_t certid_hash;
} ta_ocsp_verify_opts;

typedef struct ta_ocsp_info {
    ta_ocsp_failure failure;  /* TA_OCSP_OK when verified */
    bool certid_matched;      /* a SingleResponse names this certificate */
    ta_ocsp_status status;    /* meaningful when failure == TA_OCSP_OK */
    int32_t revocation_reason; /* CRLReason, -1 when absent */
    int64_t revocation_time;   /* 0 unless revoked */
    int64_t produced_at, this_update, next_update; /* next_update 0 = absent */
    int32_t certid_hash;      /* TA_OCSP_HASH_* of the matching CertID */
    bool delegated;           /* signed by a delegated responder in certs */
    bool nonce_present;       /* responseExtensions carried a nonce */
    char responder[160];      /* responder subject (mbedTLS DN form) */
} ta_ocsp_info;

/*
 * Encode an OCSPRequest (DER) for `cert` (DER) issued by `issuer` (DER): one
 * Request with CertID{hash_alg (TA_OCSP_HASH_*; 0 = SHA-384, the spec's
 * choice), H(issuer subject Name DER), H(issuer public key BIT STRING
 * contents), cert serial}, and when `nonce` is non-NULL (1..64 bytes) a
 * critical requestExtensions nonce (extnValue = OCTET STRING(nonce), as
 * nvtrust sends it). *out is allocated with the context allocator
 * (ta_free). TEEATTEST_E_PARSE when the certificates do not parse or do
 * not form an issuer pair; TEEATTEST_E_INVALID_ARG on misuse.
 */
int ta_ocsp_request_build(const teeattest_ctx *ctx, const uint8_t *cert,
                          size_t cert_len, const uint8_t *issuer,
                          size_t issuer_len, int32_t hash_alg,
                          const uint8_t *nonce, size_t nonce_len,
                          uint8_t **out, size_t *out_len, teeattest_error *err);

/*
 * Verify a DER OCSPResponse for `cert` issued by `issuer` at opts->at:
 * responseStatus successful, id-pkix-ocsp-basic, a SingleResponse whose
 * CertID (hash recomputed with the response's own SHA-1/256/384) names
 * the certificate, the responder (byName or byKey) being either the
 * issuer or a certificate in `certs` issued by the issuer, valid at `at`,
 * with EKU id-kp-OCSPSigning; ECDSA (P-256/P-384, SHA-256/384/512)
 * signature over the exact tbsResponseData bytes; producedAt and
 * thisUpdate not after `at` (+skew), nextUpdate present and after `at`;
 * the nonce per opts; no unknown critical extension.
 *
 * Returns TEEATTEST_OK when the response is authentic and current: the
 * certificate's status is then in info->status (GOOD, REVOKED with reason,
 * or UNKNOWN) and the caller decides; REVOKED and UNKNOWN are not
 * errors here. Otherwise a negative status (PARSE, VERIFY_FAILED,
 * CERT_CHAIN, UNSUPPORTED, NOMEM, INVALID_ARG) with info->failure and an
 * error message naming the field. `info` is required.
 */
int ta_ocsp_response_verify(const teeattest_ctx *ctx, const uint8_t *resp,
                            size_t resp_len, const uint8_t *cert,
                            size_t cert_len, const uint8_t *issuer,
                            size_t issuer_len, const ta_ocsp_verify_opts *opts,
                            ta_ocsp_info *info, teeattest_error *err);

/* The first OCSP URI in the certificate's Authority Information Access, or
 * NULL (none, or unparsable). Allocated with the context allocator. */
char *ta_ocsp_cert_url(const teeattest_ctx *ctx, const uint8_t *cert,
                       size_t cert_len);

typedef struct ta_ocsp_check_opts {
    int64_t at;              /* verification time, Unix seconds */
    int64_t skew;            /* see ta_ocsp_verify_opts (spec: 0) */
    /* Saved DER responses, each matched to a certificate by its CertID
     * (order and count free; unmatched ones are ignored). The first that
     * verifies decides; when none verifies, offline the first matching
     * one's failure decides, online a fresh response is fetched. */
    const uint8_t *const *responses;
    const size_t *response_lens;
    size_t n_responses;
    /* Online: when no saved response matches, POST a request through the
     * context's transport to `url`, else the certificate's AIA OCSP URI,
     * else TA_OCSP_DEFAULT_URL. */
    bool online;
    const char *url;
    const char *service_key;  /* "Authorization: Bearer"; never logged */
    uint32_t timeout_ms;      /* 0 = 10 s */
    int32_t hash_alg;         /* request CertID hash, 0 = SHA-384 */
    bool no_nonce;            /* online: send no nonce */
    bool nonce_optional;      /* online: accept a response without the nonce */
    bool allow_hold;          /* certificateHold -> WARN instead of FAIL */
    bool required;            /* the checks' required flag */
    /* Online: called with every response fetched that verified (whatever
     * the status it gives), so callers can keep it (bundles, caches). */
    void (*on_fetched)(void *user, const uint8_t *der, size_t len);
    void *on_fetched_user;
} ta_ocsp_check_opts;

typedef struct ta_ocsp_summary {
    size_t good, failed, skipped, warned;
    int64_t min_next_update;  /* earliest nextUpdate seen, 0 if none */
} ta_ocsp_summary;

/*
 * One check per certificate chain[i] for i in [start, n_chain-2] (the last
 * certificate is the root and only serves as chain[n_chain-2]'s issuer),
 * named "<prefix>.cert[<i>]" (e.g. prefix "gpu[0].ocsp" with start 1 for
 * the device chain per spec, "gpu[0].rim.driver.ocsp" with start 0 for a
 * RIM chain). `chain` is leaf first, DER. Outcomes: PASS for good; FAIL
 * for revoked (reason named; certificateHold is WARN with allow_hold),
 * unknown, or any verification failure of the matching response; SKIP
 * ("no OCSP response ...") when no saved response matches and online is
 * off or the responder could not be reached: never PASS without a
 * verified response. The issuer pairing chain[i] <- chain[i+1] is only
 * checked by name here; chain validation is the caller's check.
 *
 * Returns TEEATTEST_OK once the checks are appended (whatever their
 * outcome); TEEATTEST_E_INVALID_ARG / TEEATTEST_E_NOMEM otherwise.
 * `summary` may be NULL.
 */
int ta_ocsp_check_append(teeattest_ctx *ctx, teeattest_result *r,
                         const char *prefix, const uint8_t *const *chain,
                         const size_t *chain_lens, size_t n_chain,
                         size_t start, const ta_ocsp_check_opts *opts,
                         ta_ocsp_summary *summary, teeattest_error *err);

#endif /* TA_GPU_OCSP_H */
