/*
 * The X.509 interface of x509.h over mbedTLS 2.28. The built-in chain
 * verification over this interface is chain.c.
 *
 * A certificate parsed alone owns its mbedtls_x509_crt. A chain owns
 * mbedTLS's linked list and one ta_x509 per node that points into it and
 * forwards reference counting to the chain, so certificates are shared
 * by reference, never by copying mbedTLS structs.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>

#include <mbedtls/bignum.h>
#include <mbedtls/ecp.h>
#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crl.h>
#include <mbedtls/x509_crt.h>

#include "crypto.h"
#include "der.h"
#include "x509.h"
#include "x509_impl.h"

struct ta_x509 {
    ta_x509_head h;
    const mbedtls_x509_crt *crt;
    mbedtls_x509_crt own;      /* when owner is NULL */
};

struct ta_x509_chain {
    ta_x509_head h;
    mbedtls_x509_crt list;
    size_t n;
    struct ta_x509 *certs;     /* n, owner = this chain */
};

struct ta_x509_crl {
    ta_x509_head h;
    mbedtls_x509_crl crl;
};

static ta_der buf_view(const mbedtls_x509_buf *b)
{
    ta_der d = {b->p, b->p ? b->len : 0};
    return d;
}

/* mbedTLS reads PEM only NUL-terminated, with the NUL counted: a copy of
 * data[0..len) plus a NUL, from the context's allocator. */
static uint8_t *nul_copy(const teeattest_ctx *ctx, const uint8_t *data,
                         size_t len)
{
    uint8_t *buf = ta_malloc(ctx, len + 1);
    if (buf) {
        if (len)
            memcpy(buf, data, len);
        buf[len] = '\0';
    }
    return buf;
}

static int64_t x509_time(const mbedtls_x509_time *t)
{
    return ta_timegm(t->year, t->mon, t->day, t->hour, t->min, t->sec);
}

static int32_t map_md(mbedtls_md_type_t md)
{
    switch (md) {
    case MBEDTLS_MD_SHA256:
        return TEEATTEST_HASH_SHA256;
    case MBEDTLS_MD_SHA384:
        return TEEATTEST_HASH_SHA384;
    case MBEDTLS_MD_SHA512:
        return TEEATTEST_HASH_SHA512;
    default:
        return 0;
    }
}

static int32_t map_pk(mbedtls_pk_type_t pk)
{
    switch (pk) {
    case MBEDTLS_PK_ECDSA:
        return TA_X509_PK_ECDSA;
    case MBEDTLS_PK_RSA:
        return TA_X509_PK_RSA;
    case MBEDTLS_PK_RSASSA_PSS:
        return TA_X509_PK_RSASSA_PSS;
    default:
        return TA_X509_PK_OTHER;
    }
}

const char *ta_x509_backend_name(void)
{
    return "mbedTLS";
}

/* ---- certificates ----------------------------------------------------- */

int ta_x509_parse_der_uncached(const teeattest_ctx *ctx, ta_x509 **out,
                      const uint8_t *der, size_t len, int *backend_rc)
{
    *out = NULL;
    if (backend_rc)
        *backend_rc = 0;
    if (!der)
        return TEEATTEST_E_INVALID_ARG;
    ta_x509 *c = ta_calloc(ctx, 1, sizeof *c);
    if (!c)
        return TEEATTEST_E_NOMEM;
    ta_x509_head_init(&c->h, ctx);
    mbedtls_x509_crt_init(&c->own);
    int prc = mbedtls_x509_crt_parse_der(&c->own, der, len);
    if (prc != 0) {
        mbedtls_x509_crt_free(&c->own);
        ta_free(ctx, c);
        if (backend_rc)
            *backend_rc = prc;
        return prc == MBEDTLS_ERR_X509_ALLOC_FAILED ? TEEATTEST_E_NOMEM
                                                    : TEEATTEST_E_PARSE;
    }
    c->crt = &c->own;
    if (ta_x509_head_digest(&c->h, ta_x509_der(c)) != TEEATTEST_OK) {
        ta_x509_release(c);
        return TEEATTEST_E_CRYPTO;
    }
    *out = c;
    return TEEATTEST_OK;
}

void ta_x509_release(ta_x509 *c)
{
    mbedtls_x509_crt_free(&c->own);
    ta_free(c->h.ctx, c);
}

ta_der ta_x509_der(const ta_x509 *c) { return buf_view(&c->crt->raw); }
ta_der ta_x509_tbs(const ta_x509 *c) { return buf_view(&c->crt->tbs); }
ta_der ta_x509_subject_der(const ta_x509 *c)
{
    return buf_view(&c->crt->subject_raw);
}
ta_der ta_x509_issuer_der(const ta_x509 *c)
{
    return buf_view(&c->crt->issuer_raw);
}
ta_der ta_x509_serial(const ta_x509 *c) { return buf_view(&c->crt->serial); }
ta_der ta_x509_spki_der(const ta_x509 *c) { return buf_view(&c->crt->pk_raw); }
ta_der ta_x509_signature(const ta_x509 *c) { return buf_view(&c->crt->sig); }
ta_der ta_x509_extensions(const ta_x509 *c)
{
    return buf_view(&c->crt->v3_ext);
}

int64_t ta_x509_not_before(const ta_x509 *c)
{
    return x509_time(&c->crt->valid_from);
}

int64_t ta_x509_not_after(const ta_x509 *c)
{
    return x509_time(&c->crt->valid_to);
}

void ta_x509_sig_alg(const ta_x509 *c, int32_t *pk, int32_t *hash)
{
    *pk = map_pk(c->crt->sig_pk);
    *hash = map_md(c->crt->sig_md);
}

int32_t ta_x509_key_type(const ta_x509 *c)
{
    switch (mbedtls_pk_get_type(&c->crt->pk)) {
    case MBEDTLS_PK_ECKEY:
    case MBEDTLS_PK_ECDSA:
        return TA_X509_KEY_EC;
    case MBEDTLS_PK_RSA:
        return TA_X509_KEY_RSA;
    default:
        return TA_X509_KEY_OTHER;
    }
}

int32_t ta_x509_key_curve(const ta_x509 *c)
{
    if (ta_x509_key_type(c) != TA_X509_KEY_EC)
        return 0;
    const mbedtls_ecp_keypair *ec = mbedtls_pk_ec(c->crt->pk);
    if (!ec)
        return 0;
    switch (ec->grp.id) {
    case MBEDTLS_ECP_DP_SECP256R1:
        return TEEATTEST_CURVE_P256;
    case MBEDTLS_ECP_DP_SECP384R1:
        return TEEATTEST_CURVE_P384;
    default:
        return 0;
    }
}

int ta_x509_ec_point(const ta_x509 *c, int32_t curve, uint8_t *out,
                     size_t cap)
{
    size_t want = curve == TEEATTEST_CURVE_P256   ? 65
                  : curve == TEEATTEST_CURVE_P384 ? 97 : 0;
    if (!want || ta_x509_key_curve(c) != curve)
        return TEEATTEST_E_UNSUPPORTED;
    if (cap < want)
        return TEEATTEST_E_BUFFER_TOO_SMALL;
    const mbedtls_ecp_keypair *ec = mbedtls_pk_ec(c->crt->pk);
    size_t olen = 0;
    if (mbedtls_ecp_point_write_binary(&ec->grp, &ec->Q,
                                       MBEDTLS_ECP_PF_UNCOMPRESSED, &olen,
                                       out, want) != 0 || olen != want)
        return TEEATTEST_E_PARSE;
    return TEEATTEST_OK;
}

int ta_x509_subject_text(const ta_x509 *c, char *out, size_t cap)
{
    return mbedtls_x509_dn_gets(out, cap, &c->crt->subject);
}

int ta_x509_serial_dec(const ta_x509 *c, char *out, size_t cap)
{
    const mbedtls_x509_buf *s = &c->crt->serial;
    if (!s->len || s->len > 32)
        return TEEATTEST_E_PARSE;
    mbedtls_mpi m;
    mbedtls_mpi_init(&m);
    size_t olen = 0;
    /* mbedTLS sizes its radix-10 output from the bit length, generously:
     * 20 serial bytes need up to 84 bytes of buffer for 49 digits. */
    char dec[160];
    int rc = TEEATTEST_E_PARSE;
    if (mbedtls_mpi_read_binary(&m, s->p, s->len) == 0 &&
        mbedtls_mpi_write_string(&m, 10, dec, sizeof dec, &olen) == 0)
        rc = strlen(dec) < cap ? TEEATTEST_OK : TEEATTEST_E_BUFFER_TOO_SMALL;
    if (!rc)
        memcpy(out, dec, strlen(dec) + 1);
    mbedtls_mpi_free(&m);
    return rc;
}

void ta_x509_ca_info(const ta_x509 *c, int *version, bool *is_ca,
                     int *max_pathlen)
{
    *version = c->crt->version;
    *is_ca = c->crt->ca_istrue != 0;
    *max_pathlen = c->crt->max_pathlen;
}

size_t ta_x509_key_bits(const ta_x509 *c)
{
    return mbedtls_pk_get_bitlen(&c->crt->pk);
}

int ta_x509_rsa_verify(const ta_x509 *signer, int32_t hash_alg,
                       const uint8_t *digest, size_t digest_len,
                       const uint8_t *sig, size_t sig_len)
{
    mbedtls_md_type_t md = hash_alg == TEEATTEST_HASH_SHA256   ? MBEDTLS_MD_SHA256
                           : hash_alg == TEEATTEST_HASH_SHA384 ? MBEDTLS_MD_SHA384
                           : hash_alg == TEEATTEST_HASH_SHA512 ? MBEDTLS_MD_SHA512
                                                               : MBEDTLS_MD_NONE;
    if (md == MBEDTLS_MD_NONE || ta_hash_len(hash_alg) != digest_len ||
        mbedtls_pk_get_type(&signer->crt->pk) != MBEDTLS_PK_RSA)
        return TEEATTEST_E_SIG_ALGO;
    return mbedtls_pk_verify((mbedtls_pk_context *)&signer->crt->pk, md,
                             digest, digest_len, sig, sig_len)
               ? TEEATTEST_E_VERIFY_FAILED : TEEATTEST_OK;
}

bool ta_x509_has_eku_ext(const ta_x509 *c)
{
    return (c->crt->ext_types & MBEDTLS_X509_EXT_EXTENDED_KEY_USAGE) != 0;
}

bool ta_x509_allows_eku(const ta_x509 *c, const uint8_t *eku_oid,
                        size_t eku_len)
{
    return mbedtls_x509_crt_check_extended_key_usage(
               c->crt, (const char *)eku_oid, eku_len) == 0;
}

bool ta_x509_allows_ku(const ta_x509 *c, uint32_t ku)
{
    return mbedtls_x509_crt_check_key_usage(c->crt, ku) == 0;
}

int ta_x509_pem_cert_der(const teeattest_ctx *ctx, const uint8_t *text,
                         size_t len, uint8_t **der, size_t *der_len)
{
    *der = NULL;
    *der_len = 0;
    char *buf = (char *)nul_copy(ctx, text, len);
    if (!buf)
        return TEEATTEST_E_NOMEM;
    mbedtls_pem_context pem;
    mbedtls_pem_init(&pem);
    size_t used = 0;
    int rc = TEEATTEST_E_PARSE;
    if (strlen(buf) == len &&
        mbedtls_pem_read_buffer(&pem, "-----BEGIN CERTIFICATE-----",
                                "-----END CERTIFICATE-----",
                                (const unsigned char *)buf, NULL, 0,
                                &used) == 0) {
        /* 2.28 has no accessor; the fields are public */
        *der = ta_malloc(ctx, pem.buflen ? pem.buflen : 1);
        if (!*der) {
            rc = TEEATTEST_E_NOMEM;
        } else {
            memcpy(*der, pem.buf, pem.buflen);
            *der_len = pem.buflen;
            rc = TEEATTEST_OK;
        }
    }
    mbedtls_pem_free(&pem);
    ta_free(ctx, buf);
    return rc;
}

/* ---- chains ------------------------------------------------------------ */

int ta_x509_chain_parse(const teeattest_ctx *ctx, ta_x509_chain **out,
                        const uint8_t *data, size_t len, size_t *failed)
{
    *out = NULL;
    if (failed)
        *failed = 0;
    if (!data || !len)
        return TEEATTEST_E_PARSE;
    uint8_t *buf = nul_copy(ctx, data, len);
    ta_x509_chain *ch = ta_calloc(ctx, 1, sizeof *ch);
    if (!buf || !ch) {
        ta_free(ctx, buf);
        ta_free(ctx, ch);
        return TEEATTEST_E_NOMEM;
    }
    ta_x509_head_init(&ch->h, ctx);
    mbedtls_x509_crt_init(&ch->list);
    int prc = mbedtls_x509_crt_parse(&ch->list, buf, len + 1);
    ta_free(ctx, buf);
    size_t n = 0;
    for (const mbedtls_x509_crt *c = &ch->list; prc >= 0 && c && c->raw.p;
         c = c->next)
        n++;
    if (prc < 0 || !n) {
        mbedtls_x509_crt_free(&ch->list);
        ta_free(ctx, ch);
        return prc == MBEDTLS_ERR_X509_ALLOC_FAILED ? TEEATTEST_E_NOMEM
                                                    : TEEATTEST_E_PARSE;
    }
    ch->certs = ta_calloc(ctx, n, sizeof *ch->certs);
    if (!ch->certs) {
        mbedtls_x509_crt_free(&ch->list);
        ta_free(ctx, ch);
        return TEEATTEST_E_NOMEM;
    }
    const mbedtls_x509_crt *c = &ch->list;
    for (size_t i = 0; i < n; i++, c = c->next) {
        ch->certs[i].h.owner = ch;
        ch->certs[i].crt = c;
        if (ta_x509_head_digest(&ch->certs[i].h, ta_x509_der(&ch->certs[i])))
            prc = -1;
    }
    ch->n = n;
    if (prc < 0) {
        ta_x509_chain_release(ch);
        return TEEATTEST_E_CRYPTO;
    }
    if (failed)
        *failed = (size_t)prc;
    *out = ch;
    return TEEATTEST_OK;
}

void ta_x509_chain_release(ta_x509_chain *ch)
{
    mbedtls_x509_crt_free(&ch->list);
    ta_free(ch->h.ctx, ch->certs);
    ta_free(ch->h.ctx, ch);
}

size_t ta_x509_chain_len(const ta_x509_chain *ch)
{
    return ch ? ch->n : 0;
}

const ta_x509 *ta_x509_chain_get(const ta_x509_chain *ch, size_t i)
{
    return ch && i < ch->n ? &ch->certs[i] : NULL;
}

/* ---- CRLs -------------------------------------------------------------- */

int ta_x509_crl_parse_uncached(const teeattest_ctx *ctx, ta_x509_crl **out,
                      const uint8_t *data, size_t len)
{
    *out = NULL;
    if (!data || !len)
        return TEEATTEST_E_PARSE;
    ta_x509_crl *crl = ta_calloc(ctx, 1, sizeof *crl);
    if (!crl)
        return TEEATTEST_E_NOMEM;
    ta_x509_head_init(&crl->h, ctx);
    mbedtls_x509_crl_init(&crl->crl);
    int prc;
    if (data[0] == 0x30) {
        prc = mbedtls_x509_crl_parse_der(&crl->crl, data, len);
    } else {
        uint8_t *buf = nul_copy(ctx, data, len);
        if (!buf) {
            ta_free(ctx, crl);
            return TEEATTEST_E_NOMEM;
        }
        prc = mbedtls_x509_crl_parse(&crl->crl, buf, len + 1);
        ta_free(ctx, buf);
    }
    if (prc != 0 || crl->crl.next) {
        mbedtls_x509_crl_free(&crl->crl);
        ta_free(ctx, crl);
        return prc == MBEDTLS_ERR_X509_ALLOC_FAILED ? TEEATTEST_E_NOMEM
                                                    : TEEATTEST_E_PARSE;
    }
    *out = crl;
    return TEEATTEST_OK;
}

void ta_x509_crl_release(ta_x509_crl *crl)
{
    mbedtls_x509_crl_free(&crl->crl);
    ta_free(crl->h.ctx, crl);
}

ta_der ta_x509_crl_der(const ta_x509_crl *crl)
{
    return buf_view(&crl->crl.raw);
}
ta_der ta_x509_crl_issuer_der(const ta_x509_crl *crl)
{
    return buf_view(&crl->crl.issuer_raw);
}
ta_der ta_x509_crl_tbs(const ta_x509_crl *crl)
{
    return buf_view(&crl->crl.tbs);
}
ta_der ta_x509_crl_signature(const ta_x509_crl *crl)
{
    return buf_view(&crl->crl.sig);
}
ta_der ta_x509_crl_extensions(const ta_x509_crl *crl)
{
    return buf_view(&crl->crl.crl_ext);
}

void ta_x509_crl_sig_alg(const ta_x509_crl *crl, int32_t *pk, int32_t *hash)
{
    *pk = map_pk(crl->crl.sig_pk);
    *hash = map_md(crl->crl.sig_md);
}

int64_t ta_x509_crl_this_update(const ta_x509_crl *crl)
{
    return x509_time(&crl->crl.this_update);
}

int64_t ta_x509_crl_next_update(const ta_x509_crl *crl)
{
    return crl->crl.next_update.year ? x509_time(&crl->crl.next_update) : 0;
}

bool ta_x509_crl_lists(const ta_x509_crl *crl, ta_der serial)
{
    for (const mbedtls_x509_crl_entry *e = &crl->crl.entry; e; e = e->next)
        if (e->raw.len && e->serial.len == serial.len &&
            memcmp(e->serial.p, serial.p, serial.len) == 0)
            return true;
    return false;
}
