/*
 * teeattest-sim: the simulated TEE's own DCAP test PKI.
 *
 * Everything here is a TEST artefact derived from the public --seed: a
 * self-signed "teeattest-sim TEST SGX Root CA (NOT Intel; tests only)", a
 * PCK Platform CA, a TCB Signing certificate, a PCK leaf with the SGX
 * extension, empty CRLs, a TDX TCB Info and a TD_QE identity signed by the
 * TCB Signing key, and the QE report of the simulated quoting enclave.
 * Built once at start-up (sim_pki_init) and read-only afterwards.
 *
 * Keys: P-256 scalar = SHA-256("teeattest-sim/<seed>/tdx/<name>"), rehashed
 * until it is in [1, n-1]. Certificates have fixed validity (2020-01-01 ..
 * 2049-12-31) and deterministic (RFC 6979) signatures, so the root DER is a
 * pure function of the seed; CRLs, TCB Info and QE Identity are valid from
 * pki_time - 1 day to pki_time + 30 days.
 *
 * The CNs contain Intel's role names ("SGX Root CA", "SGX PCK Platform CA",
 * "SGX TCB Signing", "SGX PCK Certificate") because verifiers identify
 * chain roles by them (lib/tdx/verify.c); every name also says TEST / NOT
 * Intel.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha1.h>
#include <mbedtls/x509_crt.h>
#include <sodium.h>

#include "sim.h"

#define N_ROOT "CN=teeattest-sim TEST SGX Root CA (NOT Intel; tests only)," \
               "O=teeattest-sim TEST PKI (NOT Intel),C=XX"
#define N_CA   "CN=teeattest-sim TEST SGX PCK Platform CA (NOT Intel)," \
               "O=teeattest-sim TEST PKI (NOT Intel),C=XX"
#define N_TCB  "CN=teeattest-sim TEST SGX TCB Signing (NOT Intel)," \
               "O=teeattest-sim TEST PKI (NOT Intel),C=XX"
#define N_PCK  "CN=teeattest-sim TEST SGX PCK Certificate (NOT Intel)," \
               "O=teeattest-sim TEST PKI (NOT Intel),C=XX"

/* Platform values the PCK certificate and the TCB Info agree on. */
static const uint8_t sgx_comps[16] = {3, 3, 2, 2, 2, 1, 0, 3, 0, 0, 0, 0,
                                      0, 0, 0, 0};
#define PCESVN 13
static const uint8_t fmspc[6] = {0x5E, 0x1A, 0x00, 0x00, 0x00, 0x00};
static const uint8_t pceid[2] = {0x00, 0x00};
#define QE_ISVPRODID 2
#define QE_ISVSVN 4

static const uint8_t sgx_oid[] = {0x2A, 0x86, 0x48, 0x86, 0xF8,
                                  0x4D, 0x01, 0x0D, 0x01};

static sim_pki g_pki;
static bool g_ready;

const sim_pki *sim_pki_get(void)
{
    return g_ready ? &g_pki : NULL;
}

static int rng(void *ctx, unsigned char *out, size_t n)
{
    (void)ctx;
    randombytes_buf(out, n); /* blinding only: signatures are RFC 6979 */
    return 0;
}

int sim_p256_derive(mbedtls_pk_context *pk, unsigned long long seed,
                    const char *domain, const char *name)
{
    char label[128];
    uint8_t d[32];
    snprintf(label, sizeof label, "teeattest-sim/%llu/%s/%s", seed, domain,
             name);
    sim_sha256(d, label, strlen(label));
    if (mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)))
        return -1;
    mbedtls_ecp_keypair *kp = mbedtls_pk_ec(*pk);
    if (mbedtls_ecp_group_load(&kp->grp, MBEDTLS_ECP_DP_SECP256R1))
        return -1;
    for (;;) {
        if (mbedtls_mpi_read_binary(&kp->d, d, 32))
            return -1;
        if (mbedtls_ecp_check_privkey(&kp->grp, &kp->d) == 0)
            break;
        sim_sha256(d, d, 32);
    }
    sodium_memzero(d, sizeof d);
    return mbedtls_ecp_mul(&kp->grp, &kp->Q, &kp->d, &kp->grp.G, rng, NULL)
               ? -1 : 0;
}

static int derive_key(mbedtls_pk_context *pk, unsigned long long seed,
                      const char *name)
{
    return sim_p256_derive(pk, seed, "tdx", name);
}

static int pub_raw(const mbedtls_pk_context *pk, uint8_t out[65])
{
    const mbedtls_ecp_keypair *kp = mbedtls_pk_ec(*pk);
    size_t olen = 0;
    return mbedtls_ecp_point_write_binary(&kp->grp, &kp->Q,
                                          MBEDTLS_ECP_PF_UNCOMPRESSED, &olen,
                                          out, 65) || olen != 65 ? -1 : 0;
}

int sim_pki_sign_raw(const mbedtls_pk_context *key, const void *msg,
                     size_t len, uint8_t sig[64])
{
    const mbedtls_ecp_keypair *kp = mbedtls_pk_ec(*key);
    uint8_t h[32];
    sim_sha256(h, msg, len);
    /* A group of our own per call: mbedTLS caches tables in the group. */
    mbedtls_ecp_group grp;
    mbedtls_mpi r, s;
    mbedtls_ecp_group_init(&grp);
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);
    int rc = mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1) ||
             mbedtls_ecdsa_sign_det_ext(&grp, &r, &s, &kp->d, h, 32,
                                        MBEDTLS_MD_SHA256, rng, NULL) ||
             mbedtls_mpi_write_binary(&r, sig, 32) ||
             mbedtls_mpi_write_binary(&s, sig + 32, 32) ? -1 : 0;
    mbedtls_mpi_free(&r);
    mbedtls_mpi_free(&s);
    mbedtls_ecp_group_free(&grp);
    return rc;
}

/* ---- backwards DER writer ---------------------------------------------- */

typedef struct aw {
    unsigned char *start, *p;
    bool err;
} aw;

static void ck(aw *w, int r)
{
    if (r < 0)
        w->err = true;
}

static void wrap(aw *w, unsigned char *mark, unsigned char tag)
{
    ck(w, mbedtls_asn1_write_len(&w->p, w->start, (size_t)(mark - w->p)));
    ck(w, mbedtls_asn1_write_tag(&w->p, w->start, tag));
}

#define SEQ (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)

static void sgx_oid_w(aw *w, const uint8_t *arcs, size_t n)
{
    uint8_t o[16];
    memcpy(o, sgx_oid, sizeof sgx_oid);
    memcpy(o + sizeof sgx_oid, arcs, n);
    ck(w, mbedtls_asn1_write_oid(&w->p, w->start, (const char *)o,
                                 sizeof sgx_oid + n));
}

static void octets(aw *w, const uint8_t *v, size_t n)
{
    ck(w, mbedtls_asn1_write_octet_string(&w->p, w->start, v, n));
}

/* The SGX extension (1.2.840.113741.1.13.1) value: SEQUENCE OF
 * SEQUENCE { OID, value } with PPID, TCB, PCE-ID, FMSPC, SGX Type,
 * Platform Instance ID and Configuration, written back to front. */
static int sgx_extension(unsigned long long seed, unsigned char *buf,
                         size_t cap, const unsigned char **out, size_t *len)
{
    aw w = {buf, buf + cap, false};
    unsigned char *all = w.p, *m, *m2;
    uint8_t v[16];
    char hx[33];
    /* .7 Configuration */
    m = w.p;
    m2 = w.p;
    for (int k = 3; k >= 1; k--) {
        unsigned char *m3 = w.p;
        ck(&w, mbedtls_asn1_write_bool(&w.p, w.start, k == 2));
        uint8_t arcs[2] = {7, (uint8_t)k};
        sgx_oid_w(&w, arcs, 2);
        wrap(&w, m3, SEQ);
    }
    wrap(&w, m2, SEQ);
    sgx_oid_w(&w, (const uint8_t[]){7}, 1);
    wrap(&w, m, SEQ);
    /* .6 Platform Instance ID */
    m = w.p;
    sim_label_hex(hx, 16, seed, "tdx/platform-instance-id");
    sim_unhex(v, 16, hx);
    octets(&w, v, 16);
    sgx_oid_w(&w, (const uint8_t[]){6}, 1);
    wrap(&w, m, SEQ);
    /* .5 SGX Type: Scalable */
    m = w.p;
    ck(&w, mbedtls_asn1_write_enum(&w.p, w.start, 1));
    sgx_oid_w(&w, (const uint8_t[]){5}, 1);
    wrap(&w, m, SEQ);
    /* .4 FMSPC, .3 PCE-ID */
    m = w.p;
    octets(&w, fmspc, 6);
    sgx_oid_w(&w, (const uint8_t[]){4}, 1);
    wrap(&w, m, SEQ);
    m = w.p;
    octets(&w, pceid, 2);
    sgx_oid_w(&w, (const uint8_t[]){3}, 1);
    wrap(&w, m, SEQ);
    /* .2 TCB: .2.1-.2.16 components, .2.17 PCESVN, .2.18 CPUSVN */
    m = w.p;
    m2 = w.p;
    for (int k = 18; k >= 1; k--) {
        unsigned char *m3 = w.p;
        if (k == 18)
            octets(&w, sgx_comps, 16);
        else
            ck(&w, mbedtls_asn1_write_int(&w.p, w.start,
                                          k == 17 ? PCESVN : sgx_comps[k - 1]));
        uint8_t arcs[2] = {2, (uint8_t)k};
        sgx_oid_w(&w, arcs, 2);
        wrap(&w, m3, SEQ);
    }
    wrap(&w, m2, SEQ);
    sgx_oid_w(&w, (const uint8_t[]){2}, 1);
    wrap(&w, m, SEQ);
    /* .1 PPID */
    m = w.p;
    sim_label_hex(hx, 16, seed, "tdx/ppid");
    sim_unhex(v, 16, hx);
    octets(&w, v, 16);
    sgx_oid_w(&w, (const uint8_t[]){1}, 1);
    wrap(&w, m, SEQ);
    wrap(&w, all, SEQ);
    if (w.err)
        return -1;
    *out = w.p;
    *len = (size_t)(buf + cap - w.p);
    return 0;
}

/* ---- certificates -------------------------------------------------------- */

typedef struct cert {
    uint8_t *der;
    size_t len;
    char *pem;
    mbedtls_x509_crt crt;
} cert;

static int make_cert(cert *c, unsigned long long seed, const char *serial_label,
                     const char *subject, const char *issuer,
                     mbedtls_pk_context *subj_key, mbedtls_pk_context *iss_key,
                     int ca_pathlen /* -2: not a CA */, unsigned int ku,
                     const unsigned char *sgx_ext, size_t sgx_ext_len)
{
    mbedtls_x509write_cert w;
    mbedtls_mpi serial;
    mbedtls_x509write_crt_init(&w);
    mbedtls_mpi_init(&serial);
    char hx[41];
    uint8_t sb[20];
    sim_label_hex(hx, 20, seed, serial_label);
    sim_unhex(sb, 20, hx);
    sb[0] &= 0x7f; /* positive */
    sb[0] |= 0x01;
    int rc = -1;
    unsigned char *buf = malloc(8192);
    if (!buf)
        goto out;
    mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
    mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
    mbedtls_x509write_crt_set_subject_key(&w, subj_key);
    mbedtls_x509write_crt_set_issuer_key(&w, iss_key);
    if (mbedtls_mpi_read_binary(&serial, sb, 20) ||
        mbedtls_x509write_crt_set_serial(&w, &serial) ||
        mbedtls_x509write_crt_set_validity(&w, "20200101000000",
                                           "20491231235959") ||
        mbedtls_x509write_crt_set_subject_name(&w, subject) ||
        mbedtls_x509write_crt_set_issuer_name(&w, issuer) ||
        mbedtls_x509write_crt_set_basic_constraints(
            &w, ca_pathlen != -2, ca_pathlen != -2 ? ca_pathlen : -1) ||
        mbedtls_x509write_crt_set_key_usage(&w, ku) ||
        mbedtls_x509write_crt_set_subject_key_identifier(&w) ||
        mbedtls_x509write_crt_set_authority_key_identifier(&w))
        goto out;
    if (sgx_ext &&
        mbedtls_x509write_crt_set_extension(&w, (const char *)sgx_oid,
                                            sizeof sgx_oid, 0, sgx_ext,
                                            sgx_ext_len))
        goto out;
    int n = mbedtls_x509write_crt_der(&w, buf, 8192, rng, NULL);
    if (n <= 0)
        goto out;
    c->len = (size_t)n;
    c->der = malloc(c->len);
    if (!c->der)
        goto out;
    memcpy(c->der, buf + 8192 - n, c->len);
    size_t olen = 0;
    if (mbedtls_pem_write_buffer("-----BEGIN CERTIFICATE-----\n",
                                 "-----END CERTIFICATE-----\n", c->der,
                                 c->len, buf, 8192, &olen))
        goto out;
    c->pem = strdup((char *)buf);
    mbedtls_x509_crt_init(&c->crt);
    if (!c->pem || mbedtls_x509_crt_parse_der(&c->crt, c->der, c->len))
        goto out;
    rc = 0;
out:
    free(buf);
    mbedtls_mpi_free(&serial);
    mbedtls_x509write_crt_free(&w);
    return rc;
}

/* ---- CRLs (mbedTLS 2.28 has no CRL writer) -------------------------------- */

static void utc_time(aw *w, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    char s[80];
    snprintf(s, sizeof s, "%02d%02d%02d%02d%02d%02dZ", tm.tm_year % 100,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    ck(w, mbedtls_asn1_write_tagged_string(&w->p, w->start,
                                           MBEDTLS_ASN1_UTC_TIME, s, 13));
}

static void ecdsa_sha256_alg(aw *w)
{
    unsigned char *m = w->p;
    ck(w, mbedtls_asn1_write_oid(&w->p, w->start,
                                 MBEDTLS_OID_ECDSA_SHA256,
                                 MBEDTLS_OID_SIZE(MBEDTLS_OID_ECDSA_SHA256)));
    wrap(w, m, SEQ);
}

/* An empty v2 CRL by `ca` with CRL Number and Authority Key Identifier. */
static int make_crl(const cert *ca, mbedtls_pk_context *key, int64_t t0,
                    int64_t t1, uint8_t **out, size_t *out_len)
{
    unsigned char tbsbuf[1024], buf[1200];
    aw w = {tbsbuf, tbsbuf + sizeof tbsbuf, false};
    unsigned char *tbs = w.p, *exts, *m, *m2;
    uint8_t pub[65], keyid[20];
    if (pub_raw(key, pub) || mbedtls_sha1_ret(pub, 65, keyid))
        return -1;
    /* [0] { SEQUENCE { CRL Number, AKI } } */
    exts = w.p;
    m2 = w.p;
    m = w.p; /* AKI */
    unsigned char *m3 = w.p;
    ck(&w, mbedtls_asn1_write_raw_buffer(&w.p, w.start, keyid, 20));
    wrap(&w, m3, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 0);
    wrap(&w, m3, SEQ);
    wrap(&w, m3, MBEDTLS_ASN1_OCTET_STRING);
    ck(&w, mbedtls_asn1_write_oid(&w.p, w.start, MBEDTLS_OID_AUTHORITY_KEY_IDENTIFIER,
                                  MBEDTLS_OID_SIZE(MBEDTLS_OID_AUTHORITY_KEY_IDENTIFIER)));
    wrap(&w, m, SEQ);
    m = w.p; /* CRL Number */
    m3 = w.p;
    ck(&w, mbedtls_asn1_write_int(&w.p, w.start, 1));
    wrap(&w, m3, MBEDTLS_ASN1_OCTET_STRING);
    ck(&w, mbedtls_asn1_write_oid(&w.p, w.start, "\x55\x1D\x14", 3));
    wrap(&w, m, SEQ);
    wrap(&w, m2, SEQ);
    wrap(&w, exts, MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0);
    utc_time(&w, t1);
    utc_time(&w, t0);
    ck(&w, mbedtls_asn1_write_raw_buffer(&w.p, w.start, ca->crt.subject_raw.p,
                                         ca->crt.subject_raw.len));
    ecdsa_sha256_alg(&w);
    ck(&w, mbedtls_asn1_write_int(&w.p, w.start, 1)); /* v2 */
    wrap(&w, tbs, SEQ);
    if (w.err)
        return -1;
    size_t tbs_len = (size_t)(tbs - w.p);
    uint8_t h[32], sig[MBEDTLS_ECDSA_MAX_LEN];
    size_t sig_len = 0;
    sim_sha256(h, w.p, tbs_len);
    if (mbedtls_pk_sign(key, MBEDTLS_MD_SHA256, h, 32, sig, &sig_len, rng,
                        NULL))
        return -1;
    aw o = {buf, buf + sizeof buf, false};
    unsigned char *all = o.p;
    ck(&o, mbedtls_asn1_write_bitstring(&o.p, o.start, sig, 8 * sig_len));
    ecdsa_sha256_alg(&o);
    ck(&o, mbedtls_asn1_write_raw_buffer(&o.p, o.start, w.p, tbs_len));
    wrap(&o, all, SEQ);
    if (o.err)
        return -1;
    *out_len = (size_t)(all - o.p);
    *out = malloc(*out_len);
    if (!*out)
        return -1;
    memcpy(*out, o.p, *out_len);
    return 0;
}

/* ---- signed JSON ---------------------------------------------------------- */

static void iso_date(char out[21], int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* {"<member>":<body>,"signature":"<r||s hex>"} with the signature over the
 * exact body bytes. */
static char *signed_doc(const char *member, const char *body,
                        const mbedtls_pk_context *key)
{
    uint8_t sig[64];
    if (sim_pki_sign_raw(key, body, strlen(body), sig))
        return NULL;
    char hx[129];
    sim_hex(hx, sig, 64);
    sbuf b;
    sb_init(&b);
    sb_printf(&b, "{\"%s\":%s,\"signature\":\"%s\"}", member, body, hx);
    return sb_steal(&b, NULL);
}

static void comps(sbuf *b, const uint8_t v[16])
{
    sb_str(b, "[");
    for (int i = 0; i < 16; i++)
        sb_printf(b, "%s{\"svn\":%u}", i ? "," : "", (unsigned)v[i]);
    sb_str(b, "]");
}

/* ---- init ----------------------------------------------------------------- */

static char *cat3(const char *a, const char *b, const char *c)
{
    sbuf s;
    sb_init(&s);
    sb_str(&s, a);
    sb_str(&s, b);
    if (c)
        sb_str(&s, c);
    return sb_steal(&s, NULL);
}

int sim_pki_init(unsigned long long seed, int64_t now)
{
    sim_pki *k = &g_pki;
    memset(k, 0, sizeof *k);
    k->time = now;
    mbedtls_pk_context root_key, ca_key, tcb_key;
    cert root, ca, tcb, pck;
    memset(&root, 0, sizeof root);
    memset(&ca, 0, sizeof ca);
    memset(&tcb, 0, sizeof tcb);
    memset(&pck, 0, sizeof pck);
    mbedtls_x509_crt_init(&root.crt);
    mbedtls_x509_crt_init(&ca.crt);
    mbedtls_x509_crt_init(&tcb.crt);
    mbedtls_x509_crt_init(&pck.crt);
    mbedtls_pk_init(&root_key);
    mbedtls_pk_init(&ca_key);
    mbedtls_pk_init(&tcb_key);
    mbedtls_pk_init(&k->pck_key);
    mbedtls_pk_init(&k->ak_key);
    int rc = -1;
    unsigned char extbuf[1024];
    const unsigned char *ext;
    size_t ext_len;
    if (derive_key(&root_key, seed, "root-ca") ||
        derive_key(&ca_key, seed, "pck-platform-ca") ||
        derive_key(&tcb_key, seed, "tcb-signing") ||
        derive_key(&k->pck_key, seed, "pck") ||
        derive_key(&k->ak_key, seed, "attestation-key") ||
        sgx_extension(seed, extbuf, sizeof extbuf, &ext, &ext_len))
        goto out;
    const unsigned ku_ca = MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN;
    const unsigned ku_sig = MBEDTLS_X509_KU_DIGITAL_SIGNATURE |
                            MBEDTLS_X509_KU_NON_REPUDIATION;
    if (make_cert(&root, seed, "tdx/serial/root", N_ROOT, N_ROOT, &root_key,
                  &root_key, 1, ku_ca, NULL, 0) ||
        make_cert(&ca, seed, "tdx/serial/ca", N_CA, N_ROOT, &ca_key,
                  &root_key, 0, ku_ca, NULL, 0) ||
        make_cert(&tcb, seed, "tdx/serial/tcb", N_TCB, N_ROOT, &tcb_key,
                  &root_key, -2, ku_sig, NULL, 0) ||
        make_cert(&pck, seed, "tdx/serial/pck", N_PCK, N_CA, &k->pck_key,
                  &ca_key, -2, ku_sig, ext, ext_len))
        goto out;
    const int64_t t0 = now - 86400, t1 = now + 30 * 86400;
    k->issue = t0;
    k->next_update = t1;
    if (make_crl(&root, &root_key, t0, t1, &k->root_crl, &k->root_crl_len) ||
        make_crl(&ca, &ca_key, t0, t1, &k->pck_crl, &k->pck_crl_len))
        goto out;
    k->root_der = root.der;
    k->root_der_len = root.len;
    root.der = NULL;
    k->root_pem = strdup(root.pem);
    /* PEM chain of the quote: leaf, platform CA, root */
    k->pck_chain = cat3(pck.pem, ca.pem, root.pem);
    k->tcb_chain = cat3(tcb.pem, root.pem, NULL);
    k->crl_chain = cat3(ca.pem, root.pem, NULL);
    if (!k->root_pem || !k->pck_chain || !k->tcb_chain || !k->crl_chain)
        goto out;
    memcpy(k->fmspc, fmspc, 6);
    sim_hex(k->fmspc_hex, fmspc, 6);

    /* QE report (SGX report body) of the simulated TD quoting enclave. */
    uint8_t *qr = k->qe_report;
    memcpy(qr, sgx_comps, 16);                 /* CPUSVN */
    qr[48] = 0x11;                             /* ATTRIBUTES: INIT|MODE64 */
    qr[56] = 0xE7;                             /* XFRM (masked out) */
    sim_sha256(qr + 64, "teeattest-sim TEST TD_QE mrenclave", 34);
    uint8_t mrsigner[32];
    sim_sha256(mrsigner, "teeattest-sim TEST TD_QE mrsigner", 33);
    memcpy(qr + 128, mrsigner, 32);
    qr[256] = QE_ISVPRODID;
    qr[258] = QE_ISVSVN;
    for (int i = 0; i < 32; i++)
        k->qe_auth[i] = (uint8_t)i;
    uint8_t ak[65], cat[96];
    if (pub_raw(&k->ak_key, ak))
        goto out;
    memcpy(k->ak_pub, ak + 1, 64);
    memcpy(cat, k->ak_pub, 64);
    memcpy(cat + 64, k->qe_auth, 32);
    sim_sha256(qr + 320, cat, 96);
    if (sim_pki_sign_raw(&k->pck_key, qr, 384, k->qe_report_sig))
        goto out;

    /* TCB Info (TDX, v3) and QE Identity (TD_QE, v2). */
    char d0[21], d1[21];
    iso_date(d0, t0);
    iso_date(d1, t1);
    static const char tcb_date[] = "2025-01-01T00:00:00Z";
    static const char old_date[] = "2023-01-01T00:00:00Z";
    char zero48[97];
    memset(zero48, '0', 96);
    zero48[96] = '\0';
    uint8_t tdx_comps[16] = {3, 1};    /* TEE_TCB_SVN of the quote */
    uint8_t old_sgx[16];
    memcpy(old_sgx, sgx_comps, 16);
    old_sgx[0] = 1;
    sbuf b;
    sb_init(&b);
    sb_printf(&b, "{\"id\":\"TDX\",\"version\":3,\"issueDate\":\"%s\","
              "\"nextUpdate\":\"%s\",\"fmspc\":\"%s\",\"pceId\":\"0000\","
              "\"tcbType\":0,\"tcbEvaluationDataNumber\":17,"
              "\"tdxModule\":{\"mrsigner\":\"%s\",\"attributes\":"
              "\"0000000000000000\",\"attributesMask\":\"FFFFFFFFFFFFFFFF\"},"
              "\"tdxModuleIdentities\":[{\"id\":\"TDX_01\",\"mrsigner\":\"%s\","
              "\"attributes\":\"0000000000000000\",\"attributesMask\":"
              "\"FFFFFFFFFFFFFFFF\",\"tcbLevels\":[{\"tcb\":{\"isvsvn\":3},"
              "\"tcbDate\":\"%s\",\"tcbStatus\":\"UpToDate\"},{\"tcb\":"
              "{\"isvsvn\":1},\"tcbDate\":\"%s\",\"tcbStatus\":\"OutOfDate\","
              "\"advisoryIDs\":[\"INTEL-SA-00000\"]}]}],\"tcbLevels\":[",
              d0, d1, k->fmspc_hex, zero48, zero48, tcb_date, old_date);
    sb_str(&b, "{\"tcb\":{\"sgxtcbcomponents\":");
    comps(&b, sgx_comps);
    sb_printf(&b, ",\"pcesvn\":%d,\"tdxtcbcomponents\":", PCESVN);
    comps(&b, tdx_comps);
    sb_printf(&b, "},\"tcbDate\":\"%s\",\"tcbStatus\":\"UpToDate\"},",
              tcb_date);
    sb_str(&b, "{\"tcb\":{\"sgxtcbcomponents\":");
    comps(&b, old_sgx);
    sb_printf(&b, ",\"pcesvn\":%d,\"tdxtcbcomponents\":", PCESVN - 2);
    comps(&b, tdx_comps);
    sb_printf(&b, "},\"tcbDate\":\"%s\",\"tcbStatus\":\"OutOfDate\","
              "\"advisoryIDs\":[\"INTEL-SA-00000\"]}]}", old_date);
    char *body = sb_steal(&b, NULL);
    k->tcb_info = body ? signed_doc("tcbInfo", body, &tcb_key) : NULL;
    free(body);
    char mrs[65];
    sim_hex(mrs, mrsigner, 32);
    for (char *p = mrs; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 32);
    sb_init(&b);
    sb_printf(&b, "{\"id\":\"TD_QE\",\"version\":2,\"issueDate\":\"%s\","
              "\"nextUpdate\":\"%s\",\"tcbEvaluationDataNumber\":17,"
              "\"miscselect\":\"00000000\",\"miscselectMask\":\"FFFFFFFF\","
              "\"attributes\":\"11000000000000000000000000000000\","
              "\"attributesMask\":\"FBFFFFFFFFFFFFFF0000000000000000\","
              "\"mrsigner\":\"%s\",\"isvprodid\":%d,\"tcbLevels\":[{\"tcb\":"
              "{\"isvsvn\":%d},\"tcbDate\":\"%s\",\"tcbStatus\":\"UpToDate\"}]}",
              d0, d1, mrs, QE_ISVPRODID, QE_ISVSVN, tcb_date);
    body = sb_steal(&b, NULL);
    k->qe_identity = body ? signed_doc("enclaveIdentity", body, &tcb_key)
                          : NULL;
    free(body);
    if (!k->tcb_info || !k->qe_identity)
        goto out;
    g_ready = true;
    rc = 0;
out:
    mbedtls_pk_free(&root_key);
    mbedtls_pk_free(&ca_key);
    mbedtls_pk_free(&tcb_key);
    cert *all[] = {&root, &ca, &tcb, &pck};
    for (size_t i = 0; i < 4; i++) {
        free(all[i]->der);
        free(all[i]->pem);
        mbedtls_x509_crt_free(&all[i]->crt);
    }
    if (rc)
        sim_pki_free();
    return rc;
}

void sim_pki_free(void)
{
    sim_pki *k = &g_pki;
    mbedtls_pk_free(&k->pck_key);
    mbedtls_pk_free(&k->ak_key);
    free(k->root_der);
    free(k->root_pem);
    free(k->pck_chain);
    free(k->tcb_chain);
    free(k->crl_chain);
    free(k->root_crl);
    free(k->pck_crl);
    free(k->tcb_info);
    free(k->qe_identity);
    memset(k, 0, sizeof *k);
    g_ready = false;
}
