/*
 * Test kit for the JWT/NRAS unit tests: a deterministic P-384 test key
 * (mbedTLS), compact tokens signed with it (or HS256, or unsigned), and a
 * JWKS document holding it, bare or with an x5c chain under a test
 * intermediate the test pins (ta_jwt_keyopts.pins). Test code: plain
 * malloc is fine here.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_JWT_KIT_H
#define TA_JWT_KIT_H

#include <mbedtls/ecdsa.h>
#include <mbedtls/md.h>
#include <mbedtls/sha256.h>
#include <mbedtls/sha512.h>
#include <mbedtls/x509_crt.h>

#include "unit.h"
#include "core/core.h"

/* Deterministic "randomness": SHA-256 counter stream from a seed. Keys
 * and signatures are then the same on every run. */
typedef struct kit_rng {
    uint8_t seed[32];
    uint32_t ctr;
} kit_rng;

static int kit_rng_fn(void *ud, unsigned char *out, size_t len)
{
    kit_rng *r = ud;
    while (len) {
        uint8_t in[36], h[32];
        memcpy(in, r->seed, 32);
        in[32] = (uint8_t)(r->ctr >> 24);
        in[33] = (uint8_t)(r->ctr >> 16);
        in[34] = (uint8_t)(r->ctr >> 8);
        in[35] = (uint8_t)r->ctr;
        r->ctr++;
        mbedtls_sha256_ret(in, sizeof in, h, 0);
        size_t n = len < 32 ? len : 32;
        memcpy(out, h, n);
        out += n;
        len -= n;
    }
    return 0;
}

typedef struct kit_key {
    mbedtls_pk_context pk; /* EC P-384 */
    kit_rng rng;
    uint8_t pub[97];
} kit_key;

static inline void kit_key_init(kit_key *k, uint8_t seed_byte)
{
    memset(k, 0, sizeof *k);
    memset(k->rng.seed, seed_byte, sizeof k->rng.seed);
    mbedtls_pk_init(&k->pk);
    if (mbedtls_pk_setup(&k->pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) ||
        mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP384R1, mbedtls_pk_ec(k->pk),
                            kit_rng_fn, &k->rng) != 0) {
        printf("Bail out! P-384 key generation failed\n");
        exit(1);
    }
    const mbedtls_ecp_keypair *kp = mbedtls_pk_ec(k->pk);
    size_t olen = 0;
    mbedtls_ecp_point_write_binary(&kp->grp, &kp->Q,
                                   MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, k->pub,
                                   sizeof k->pub);
}

static inline void kit_key_free(kit_key *k)
{
    mbedtls_pk_free(&k->pk);
}

/* A DER certificate for `subject` (name `subj`) signed by `issuer` (name
 * `iss`), CA or end entity, valid from..to ("YYYYMMDDhhmmss"). */
typedef struct kit_der {
    uint8_t *p;
    size_t len;
} kit_der;

static inline kit_der kit_cert(kit_key *subject, const char *subj,
                               kit_key *issuer, const char *iss, bool ca,
                               const char *from, const char *to)
{
    mbedtls_x509write_cert w;
    mbedtls_x509write_crt_init(&w);
    mbedtls_mpi sn;
    mbedtls_mpi_init(&sn);
    mbedtls_mpi_lset(&sn, ca ? 4 : 7);
    mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
    mbedtls_x509write_crt_set_serial(&w, &sn);
    mbedtls_x509write_crt_set_validity(&w, from, to);
    mbedtls_x509write_crt_set_subject_name(&w, subj);
    mbedtls_x509write_crt_set_issuer_name(&w, iss);
    mbedtls_x509write_crt_set_subject_key(&w, &subject->pk);
    mbedtls_x509write_crt_set_issuer_key(&w, &issuer->pk);
    mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA384);
    mbedtls_x509write_crt_set_basic_constraints(&w, ca, -1);
    mbedtls_x509write_crt_set_key_usage(
        &w, ca ? MBEDTLS_X509_KU_KEY_CERT_SIGN : MBEDTLS_X509_KU_DIGITAL_SIGNATURE);
    static unsigned char buf[4096];
    int n = mbedtls_x509write_crt_der(&w, buf, sizeof buf, kit_rng_fn,
                                      &issuer->rng);
    if (n <= 0) {
        printf("Bail out! certificate writing (%d)\n", n);
        exit(1);
    }
    kit_der d = {malloc((size_t)n), (size_t)n};
    memcpy(d.p, buf + sizeof buf - n, (size_t)n);
    mbedtls_mpi_free(&sn);
    mbedtls_x509write_crt_free(&w);
    return d;
}

/* A test NRAS intermediate (self-signed CA) and the pin that trusts it
 * (KIT_PINS(p) for ta_jwt_keyopts.pins). */
typedef struct kit_pki {
    kit_key key;
    const char *name;
    kit_der cert;
    uint8_t pin[32]; /* SHA-256 of cert */
} kit_pki;

#define KIT_FROM "19700101000000"
#define KIT_TO "20491231235959" /* every time the tests use */

#define KIT_PINS(p) ((const uint8_t(*)[32])(p)->pin)

static inline void kit_pki_init(kit_pki *p, uint8_t seed_byte, const char *name)
{
    kit_key_init(&p->key, seed_byte);
    p->name = name;
    p->cert = kit_cert(&p->key, name, &p->key, name, true, KIT_FROM, KIT_TO);
    mbedtls_sha256_ret(p->cert.p, p->cert.len, p->pin, 0);
}

static inline void kit_pki_free(kit_pki *p)
{
    kit_key_free(&p->key);
    free(p->cert.p);
}

static inline char *kit_b64url(const uint8_t *in, size_t len)
{
    char *out = malloc(ta_base64_encoded_len(len) + 1);
    ta_base64_encode(out, in, len, true);
    size_t l = strlen(out);
    while (l && out[l - 1] == '=')
        out[--l] = '\0';
    return out;
}

/* A JWKS document with the key under `kid` (no x5c). Caller frees. */
static inline char *kit_jwks(const kit_key *k, const char *kid)
{
    char *x = kit_b64url(k->pub + 1, 48), *y = kit_b64url(k->pub + 49, 48);
    size_t cap = strlen(kid) + 400;
    char *doc = malloc(cap);
    snprintf(doc, cap,
             "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-384\",\"kid\":\"%s\","
             "\"x\":\"%s\",\"y\":\"%s\"}]}", kid, x, y);
    free(x);
    free(y);
    return doc;
}

static inline char *kit_b64(const uint8_t *in, size_t len)
{
    char *out = malloc(ta_base64_encoded_len(len) + 1);
    ta_base64_encode(out, in, len, false);
    return out;
}

/* A JWKS document with the key under `kid` and x5c [leaf, intermediate]:
 * the leaf (valid from..to) issued for `k` by `pki`, or by `signer` when
 * not NULL (a chain that does not verify). Caller frees. */
static inline char *kit_jwks_x5c(kit_key *k, const char *kid, kit_pki *pki,
                                 kit_key *signer, const char *from,
                                 const char *to)
{
    kit_der leaf = kit_cert(k, "CN=Test NRAS GPU Signer", signer ? signer : &pki->key,
                            pki->name, false, from, to);
    char *x = kit_b64url(k->pub + 1, 48), *y = kit_b64url(k->pub + 49, 48);
    char *l = kit_b64(leaf.p, leaf.len), *i = kit_b64(pki->cert.p, pki->cert.len);
    size_t cap = strlen(kid) + strlen(l) + strlen(i) + 400;
    char *doc = malloc(cap);
    snprintf(doc, cap,
             "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-384\",\"kid\":\"%s\","
             "\"x\":\"%s\",\"y\":\"%s\",\"x5c\":[\"%s\",\"%s\"]}]}", kid, x, y,
             l, i);
    free(x);
    free(y);
    free(l);
    free(i);
    free(leaf.p);
    return doc;
}

enum { KIT_ES384, KIT_HS256, KIT_NONE_EMPTY, KIT_ES384_SHORT };

/* header_b64 "." payload_b64 "." signature. HS256 uses `hmac_secret`
 * (the classic confusion: the public key as the HMAC secret). */
static inline char *kit_token(kit_key *k, const char *header,
                              const char *payload, int mode,
                              const uint8_t *hmac_secret, size_t secret_len)
{
    char *h = kit_b64url((const uint8_t *)header, strlen(header));
    char *p = kit_b64url((const uint8_t *)payload, strlen(payload));
    size_t si_len = strlen(h) + 1 + strlen(p);
    char *si = malloc(si_len + 1);
    snprintf(si, si_len + 1, "%s.%s", h, p);
    uint8_t sig[96];
    size_t sig_len = 0;
    if (mode == KIT_ES384 || mode == KIT_ES384_SHORT) {
        uint8_t dg[64];
        mbedtls_sha512_ret((const uint8_t *)si, si_len, dg, 1);
        mbedtls_mpi r, s;
        mbedtls_mpi_init(&r);
        mbedtls_mpi_init(&s);
        mbedtls_ecp_keypair *kp = mbedtls_pk_ec(k->pk);
        if (mbedtls_ecdsa_sign(&kp->grp, &r, &s, &kp->d, dg, 48,
                               kit_rng_fn, &k->rng) != 0) {
            printf("Bail out! ECDSA sign failed\n");
            exit(1);
        }
        mbedtls_mpi_write_binary(&r, sig, 48);
        mbedtls_mpi_write_binary(&s, sig + 48, 48);
        mbedtls_mpi_free(&r);
        mbedtls_mpi_free(&s);
        sig_len = mode == KIT_ES384 ? 96 : 95;
    } else if (mode == KIT_HS256) {
        mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256),
                        hmac_secret, secret_len, (const uint8_t *)si, si_len,
                        sig);
        sig_len = 32;
    }
    char *sb = kit_b64url(sig, sig_len);
    size_t tl = si_len + 1 + strlen(sb) + 1;
    char *tok = malloc(tl);
    snprintf(tok, tl, "%s.%s", si, sb);
    free(h);
    free(p);
    free(si);
    free(sb);
    return tok;
}

static inline char *kit_es384(kit_key *k, const char *kid, const char *payload)
{
    char header[300];
    snprintf(header, sizeof header, "{\"kid\":\"%s\",\"alg\":\"ES384\"}", kid);
    return kit_token(k, header, payload, KIT_ES384, NULL, 0);
}

static inline const ta_check *kit_find_check(const teeattest_result *r,
                                             const char *name)
{
    for (size_t i = 0; i < r->n_checks; i++)
        if (strcmp(r->checks[i].name, name) == 0)
            return &r->checks[i];
    return NULL;
}

/* outcome of a check, 0 if absent */
static inline int kit_outcome(const teeattest_result *r, const char *name)
{
    const ta_check *c = kit_find_check(r, name);
    return c ? c->outcome : 0;
}

static inline bool kit_detail_has(const teeattest_result *r, const char *name,
                                  const char *needle)
{
    const ta_check *c = kit_find_check(r, name);
    return c && c->detail && strstr(c->detail, needle) != NULL;
}

static inline void kit_dump(const teeattest_result *r)
{
    for (size_t i = 0; i < r->n_checks; i++)
        printf("#   %-28s %d %s\n", r->checks[i].name, r->checks[i].outcome,
               r->checks[i].detail ? r->checks[i].detail : "");
}

#endif /* TA_JWT_KIT_H */
