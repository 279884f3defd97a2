/*
 * The internal X.509 / key / DER interface (lib/crypto/x509.h, der.h) on
 * Intel's real certificates and CRLs (shared/fixtures/tdx): fields, times,
 * keys, one issuer -> subject link, chains parsed from PEM, reference
 * counting (a certificate kept beyond its chain), CRLs, and refusal of
 * garbage. Every object is allocated with the context's allocator and
 * given back (the counting allocator checks it).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "unit.h"

#include "crypto/crypto.h"
#include "crypto/der.h"
#include "crypto/x509.h"

#define CASE "tdx/dcapqvl_v4_uptodate/"

static bool der_is(ta_der d, const uint8_t *p, size_t len)
{
    return d.len == len && memcmp(d.p, p, len) == 0;
}

static void test_root(teeattest_ctx *ctx)
{
    size_t len;
    uint8_t *der = unit_fixture("tdx/intel_sgx_root_ca.der", &len);
    ta_x509 *root = NULL;
    CHECK_EQ_INT(ta_x509_parse_der(ctx, &root, der, len, NULL), TEEATTEST_OK);
    if (!root) {
        free(der);
        return;
    }
    CHECK(der_is(ta_x509_der(root), der, len));
    CHECK(ta_x509_self_issued(root));
    CHECK(ta_x509_names_link(root, root));
    char cn[96];
    ta_x509_cn(root, false, cn, sizeof cn);
    CHECK_STR(cn, "Intel SGX Root CA");
    ta_x509_cn(root, true, cn, sizeof cn);
    CHECK_STR(cn, "Intel SGX Root CA");
    ta_x509_cn(root, false, cn, 6);
    CHECK_STR(cn, "Intel");
    char text[256];
    CHECK(ta_x509_subject_text(root, text, sizeof text) > 0);
    CHECK(strstr(text, "CN=Intel SGX Root CA") != NULL);
    CHECK_EQ_INT(ta_x509_not_before(root), ta_timegm(2018, 5, 21, 10, 45, 10));
    CHECK_EQ_INT(ta_x509_not_after(root), ta_timegm(2049, 12, 31, 23, 59, 59));
    CHECK(ta_x509_valid_at(root, ta_timegm(2018, 5, 21, 10, 45, 10)));
    CHECK(!ta_x509_valid_at(root, ta_timegm(2018, 5, 21, 10, 45, 9)));
    CHECK(!ta_x509_valid_at(root, ta_timegm(2050, 1, 1, 0, 0, 0)));
    uint8_t serial[20];
    unit_unhex(serial, sizeof serial, "22650CD65A9D3489F383B49552BF501B392706AC");
    CHECK(der_is(ta_x509_serial(root), serial, sizeof serial));
    char dec[80];
    CHECK_EQ_INT(ta_x509_serial_dec(root, dec, sizeof dec), TEEATTEST_OK);
    CHECK_STR(dec, "196359179761366614807367070329177786922392028844");
    CHECK_EQ_INT(ta_x509_serial_dec(root, dec, 10),
                 TEEATTEST_E_BUFFER_TOO_SMALL);
    int32_t pk, hash;
    ta_x509_sig_alg(root, &pk, &hash);
    CHECK_EQ_INT(pk, TA_X509_PK_ECDSA);
    CHECK_EQ_INT(hash, TEEATTEST_HASH_SHA256);
    CHECK_EQ_INT(ta_x509_key_type(root), TA_X509_KEY_EC);
    CHECK_EQ_INT(ta_x509_key_curve(root), TEEATTEST_CURVE_P256);
    uint8_t pub[97];
    CHECK_EQ_INT(ta_x509_ec_point(root, TEEATTEST_CURVE_P256, pub, 65),
                 TEEATTEST_OK);
    CHECK_EQ_INT(pub[0], 0x04);
    CHECK_EQ_INT(ta_x509_ec_point(root, TEEATTEST_CURVE_P384, pub, 97),
                 TEEATTEST_E_UNSUPPORTED);
    CHECK_EQ_INT(ta_x509_ec_point(root, TEEATTEST_CURVE_P256, pub, 64),
                 TEEATTEST_E_BUFFER_TOO_SMALL);
    /* The SPKI holds the point. */
    ta_der spki = ta_x509_spki_der(root);
    CHECK(spki.len > 65 && memcmp(spki.p + spki.len - 65, pub, 65) == 0);
    /* Basic constraints (2.5.29.19) is there, critical; a made-up OID is
     * not. */
    static const uint8_t bc[] = {0x55, 0x1D, 0x13};
    static const uint8_t none[] = {0x55, 0x1D, 0x7F};
    ta_der v;
    bool crit = false;
    CHECK_EQ_INT(ta_x509_ext_find(root, bc, sizeof bc, &v, &crit),
                 TEEATTEST_OK);
    CHECK(crit);
    CHECK(v.len > 0 && v.p[0] == TA_DER_SEQUENCE);
    CHECK_EQ_INT(ta_x509_ext_find(root, none, sizeof none, &v, &crit),
                 TEEATTEST_E_NOT_FOUND);
    CHECK(ta_x509_allows_ku(root, TA_X509_KU_KEY_CERT_SIGN));
    CHECK(!ta_x509_has_eku_ext(root));
    /* Self-signed: the link to itself verifies; one flipped bit of the
     * signed part does not. */
    CHECK_EQ_INT(ta_x509_verify_link(ctx, root, root), TEEATTEST_OK);
    ta_der ser = ta_x509_serial(root);
    uint8_t *bad = malloc(len);
    memcpy(bad, der, len);
    bad[(size_t)(ser.p - ta_x509_der(root).p) + 5] ^= 1; /* in the serial */
    ta_x509 *broken = NULL;
    if (CHECK(ta_x509_parse_der(ctx, &broken, bad, len, NULL) ==
              TEEATTEST_OK))
        CHECK_EQ_INT(ta_x509_verify_link(ctx, root, broken),
                     TEEATTEST_E_VERIFY_FAILED);
    ta_x509_free(broken);
    free(bad);

    /* References: two owners, freed in any order. */
    ta_x509 *again = ta_x509_ref(root);
    CHECK(again == root);
    ta_x509_free(root);
    CHECK(ta_x509_self_issued(again));
    ta_x509_free(again);

    /* Trailing bytes are allowed by the parser and visible to callers. */
    uint8_t *longer = malloc(len + 3);
    memcpy(longer, der, len);
    memset(longer + len, 0, 3);
    ta_x509 *t = NULL;
    CHECK_EQ_INT(ta_x509_parse_der(ctx, &t, longer, len + 3, NULL),
                 TEEATTEST_OK);
    if (t)
        CHECK_EQ_INT(ta_x509_der(t).len, len);
    ta_x509_free(t);
    free(longer);

    /* Garbage and truncation: a parse error with the backend's code. */
    int brc = 0;
    CHECK_EQ_INT(ta_x509_parse_der(ctx, &t, der, len / 2, &brc),
                 TEEATTEST_E_PARSE);
    CHECK(t == NULL && brc != 0);
    static const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x00};
    CHECK_EQ_INT(ta_x509_parse_der(ctx, &t, junk, sizeof junk, NULL),
                 TEEATTEST_E_PARSE);
    free(der);
}

static void test_chain(teeattest_ctx *ctx)
{
    size_t len, rlen;
    uint8_t *pem = unit_fixture(CASE "tcb_info_issuer_chain.pem", &len);
    uint8_t *rder = unit_fixture("tdx/intel_sgx_root_ca.der", &rlen);
    ta_x509_chain *ch = NULL;
    size_t failed = 99;
    CHECK_EQ_INT(ta_x509_chain_parse(ctx, &ch, pem, len, &failed),
                 TEEATTEST_OK);
    CHECK_EQ_INT(failed, 0);
    CHECK_EQ_INT(ta_x509_chain_len(ch), 2);
    const ta_x509 *signer = ta_x509_chain_get(ch, 0);
    const ta_x509 *top = ta_x509_chain_get(ch, 1);
    CHECK(ta_x509_chain_get(ch, 2) == NULL);
    if (!signer || !top) {
        ta_x509_chain_free(ch);
        free(pem);
        free(rder);
        return;
    }
    char cn[96];
    ta_x509_cn(signer, false, cn, sizeof cn);
    CHECK_STR(cn, "Intel SGX TCB Signing");
    ta_x509_cn(signer, true, cn, sizeof cn);
    CHECK_STR(cn, "Intel SGX Root CA");
    CHECK(der_is(ta_x509_der(top), rder, rlen));
    CHECK(!ta_x509_self_issued(signer));
    CHECK(ta_x509_names_link(top, signer));
    CHECK(!ta_x509_names_link(signer, top));
    CHECK_EQ_INT(ta_x509_not_after(signer), ta_timegm(2032, 5, 6, 9, 25, 0));
    CHECK_EQ_INT(ta_x509_verify_link(ctx, top, signer), TEEATTEST_OK);
    CHECK(ta_x509_verify_link(ctx, signer, top) != TEEATTEST_OK);

    /* A certificate kept beyond its chain keeps the chain alive. */
    ta_x509 *kept = ta_x509_ref(signer);
    ta_x509_chain_free(ch);
    ta_x509_cn(kept, false, cn, sizeof cn);
    CHECK_STR(cn, "Intel SGX TCB Signing");
    ta_x509_free(kept);

    /* Text around the PEM blocks is fine; no NUL terminator is needed. */
    uint8_t *framed = malloc(len + 10);
    memcpy(framed, "preamble\n", 9);
    memcpy(framed + 9, pem, len);
    framed[len + 9] = 'x';
    CHECK_EQ_INT(ta_x509_chain_parse(ctx, &ch, framed, len + 10, &failed),
                 TEEATTEST_OK);
    CHECK_EQ_INT(ta_x509_chain_len(ch), 2);
    ta_x509_chain_free(ch);
    free(framed);

    /* One DER certificate is a chain of one. */
    CHECK_EQ_INT(ta_x509_chain_parse(ctx, &ch, rder, rlen, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(ta_x509_chain_len(ch), 1);
    ta_x509_chain_free(ch);

    /* A damaged second block is counted, the first still parses. */
    char *dmg = malloc(len + 1);
    memcpy(dmg, pem, len);
    dmg[len] = '\0';
    char *second = strstr(dmg + 1, "-----BEGIN CERTIFICATE-----");
    if (CHECK(second != NULL)) {
        second[40] = second[40] == 'A' ? 'B' : 'A';
        second[41] = '*';
        CHECK_EQ_INT(ta_x509_chain_parse(ctx, &ch, (uint8_t *)dmg, len,
                                         &failed), TEEATTEST_OK);
        CHECK_EQ_INT(failed, 1);
        CHECK_EQ_INT(ta_x509_chain_len(ch), 1);
        ta_x509_chain_free(ch);
    }
    free(dmg);
    CHECK_EQ_INT(ta_x509_chain_parse(ctx, &ch, (const uint8_t *)"no", 2,
                                     NULL), TEEATTEST_E_PARSE);
    CHECK(ch == NULL);
    CHECK_EQ_INT(ta_x509_chain_parse(ctx, &ch, pem, 0, NULL),
                 TEEATTEST_E_PARSE);
    ta_x509_chain_free(NULL);
    ta_x509_free(NULL);
    free(pem);
    free(rder);
}

static void test_crl(teeattest_ctx *ctx)
{
    size_t len, rlen;
    uint8_t *der = unit_fixture(CASE "root_ca_crl.der", &len);
    uint8_t *rder = unit_fixture("tdx/intel_sgx_root_ca.der", &rlen);
    ta_x509_crl *crl = NULL;
    ta_x509 *root = NULL;
    CHECK_EQ_INT(ta_x509_crl_parse(ctx, &crl, der, len), TEEATTEST_OK);
    CHECK_EQ_INT(ta_x509_parse_der(ctx, &root, rder, rlen, NULL),
                 TEEATTEST_OK);
    if (crl && root) {
        ta_der issuer = ta_x509_crl_issuer_der(crl);
        CHECK(der_is(issuer, ta_x509_subject_der(root).p,
                     ta_x509_subject_der(root).len));
        CHECK_EQ_INT(ta_x509_crl_this_update(crl),
                     ta_timegm(2025, 3, 20, 11, 21, 57));
        CHECK_EQ_INT(ta_x509_crl_next_update(crl),
                     ta_timegm(2026, 4, 3, 11, 21, 57));
        int32_t pk, hash;
        ta_x509_crl_sig_alg(crl, &pk, &hash);
        CHECK_EQ_INT(pk, TA_X509_PK_ECDSA);
        CHECK_EQ_INT(hash, TEEATTEST_HASH_SHA256);
        CHECK(ta_x509_crl_extensions(crl).len > 0);
        CHECK(!ta_x509_crl_lists(crl, ta_x509_serial(root)));
        ta_der tbs = ta_x509_crl_tbs(crl), sig = ta_x509_crl_signature(crl);
        CHECK_EQ_INT(ta_x509_verify_ecdsa(ctx, root, TEEATTEST_HASH_SHA256,
                                          tbs.p, tbs.len, sig.p, sig.len),
                     TEEATTEST_OK);
        uint8_t raw[64];
        CHECK_EQ_INT(ta_ecdsa_sig_der_to_raw(sig.p, sig.len, 32, raw),
                     TEEATTEST_OK);
        CHECK_EQ_INT(ta_ecdsa_sig_der_to_raw(sig.p, sig.len - 1, 32, raw),
                     TEEATTEST_E_SIG_ENCODING);
        CHECK_EQ_INT(ta_ecdsa_sig_der_to_raw(sig.p, sig.len, 16, raw),
                     TEEATTEST_E_SIG_ENCODING);
        ta_x509_crl *two = ta_x509_crl_ref(crl);
        ta_x509_crl_free(crl);
        CHECK_EQ_INT(ta_x509_crl_this_update(two),
                     ta_timegm(2025, 3, 20, 11, 21, 57));
        crl = two;
    }
    ta_x509_crl_free(crl);
    ta_x509_free(root);
    /* Truncated, trailing bytes, garbage: refused. */
    CHECK_EQ_INT(ta_x509_crl_parse(ctx, &crl, der, len - 1),
                 TEEATTEST_E_PARSE);
    CHECK(crl == NULL);
    CHECK_EQ_INT(ta_x509_crl_parse(ctx, &crl, (const uint8_t *)"junk", 4),
                 TEEATTEST_E_PARSE);
    ta_x509_crl_free(NULL);
    free(der);
    free(rder);
}

static void test_der(void)
{
    static const uint8_t seq[] = {0x30, 0x06, 0x02, 0x01, 0x05, 0x01, 0x01,
                                  0xFF};
    uint8_t *p = (uint8_t *)seq;
    size_t len;
    int v = 0;
    CHECK_EQ_INT(ta_der_get_tag(&p, seq + sizeof seq, &len, TA_DER_SEQUENCE),
                 0);
    CHECK_EQ_INT(len, 6);
    CHECK_EQ_INT(ta_der_get_int(&p, seq + sizeof seq, &v), 0);
    CHECK_EQ_INT(v, 5);
    CHECK_EQ_INT(ta_der_get_bool(&p, seq + sizeof seq, &v), 0);
    CHECK_EQ_INT(v, 1);
    CHECK(p == seq + sizeof seq);
    CHECK(ta_der_get_int(&p, seq + sizeof seq, &v) != 0);

    uint8_t buf[16];
    uint8_t *w = buf + sizeof buf;
    static const uint8_t oct[] = {0xAA, 0xBB};
    CHECK_EQ_INT(ta_der_write_octet_string(&w, buf, oct, 2), 4);
    CHECK_EQ_INT(ta_der_write_bool(&w, buf, 1), 3);
    static const uint8_t want[] = {0x01, 0x01, 0xFF, 0x04, 0x02, 0xAA, 0xBB};
    CHECK(w == buf + sizeof buf - sizeof want &&
          memcmp(w, want, sizeof want) == 0);
    CHECK(ta_der_write_raw(&w, buf, buf, 12) < 0); /* no room */
}

/* DER, not BER, in the cursor and the any-tag reader of der.h. */
static void test_der_strict(void)
{
    static const struct {
        uint8_t b[8];
        size_t n;
        int ok;
    } len[] = {
        {{0x04, 0x01, 0xAA}, 3, 1},
        {{0x04, 0x81, 0x01, 0xAA}, 4, 0},       /* 1 in the long form */
        {{0x04, 0x82, 0x00, 0x01, 0xAA}, 5, 0}, /* leading zero */
        {{0x04, 0x80, 0xAA, 0x00, 0x00}, 5, 0}, /* indefinite */
        {{0x04, 0x85, 0x00, 0x00, 0x00, 0x00, 0x01}, 7, 0}, /* 5 bytes */
        {{0x04, 0x84, 0x00, 0x00, 0x00, 0x01}, 6, 0},
        {{0x04, 0x02, 0xAA}, 3, 0},             /* past the end */
    };
    for (size_t k = 0; k < sizeof len / sizeof *len; k++) {
        const uint8_t *b = len[k].b;
        ta_der_in d = {b, b + len[k].n};
        ta_der_tlv t;
        CHECK_EQ_INT(ta_der_next(&d, &t), len[k].ok);
        if (!len[k].ok)
            CHECK(d.p == b); /* not moved */
        uint8_t *p = (uint8_t *)b;
        int tag = 0;
        size_t l = 0;
        CHECK_EQ_INT(ta_der_get_any(&p, b + len[k].n, &tag, &l) == 0,
                     len[k].ok);
    }
    /* ta_der_get_tag keeps mbedTLS's reading (a long form need not be the
     * shortest), as the OpenSSL implementation's certificate walk needs */
    static const uint8_t i5[] = {0x02, 0x81, 0x01, 0x05};
    uint8_t *p = (uint8_t *)i5;
    size_t l = 0;
    CHECK_EQ_INT(ta_der_get_tag(&p, i5 + sizeof i5, &l, TA_DER_INTEGER), 0);
    CHECK(l == 1 && p == i5 + 3);
    /* a high tag number: 9f 20 00 */
    static const uint8_t hi[] = {0x9f, 0x20, 0x00};
    ta_der_in d = {hi, hi + sizeof hi};
    ta_der_tlv t;
    CHECK(!ta_der_next(&d, &t) && d.p == hi);
    /* [1] { INTEGER 1 } INTEGER 2: element and contents spans */
    static const uint8_t two[] = {0xa1, 0x03, 0x02, 0x01, 0x01,
                                  0x02, 0x01, 0x02};
    d = (ta_der_in){two, two + sizeof two};
    CHECK(ta_der_peek(&d, 0xa1) && !ta_der_peek(&d, 0x02));
    CHECK(!ta_der_expect(&d, 0x02, &t) && d.p == two);
    CHECK(ta_der_next(&d, &t) && t.tag == 0xa1 && t.elem == two &&
          t.elem_len == 5 && ta_der_left(&t.in) == 3);
    ta_der_tlv in;
    CHECK(ta_der_expect(&t.in, 0x02, &in) && ta_der_done(&t.in) &&
          ta_der_eq(&in.in, (const uint8_t *)"\x01", 1));
    CHECK(ta_der_expect(&d, 0x02, &t) && ta_der_done(&d));
}

/* ECDSA-Sig-Value in DER only: positive INTEGERs in their shortest form. */
static void test_ecdsa_sig(void)
{
    static const struct {
        const char *hex;
        size_t field;
        int rc;
    } sig[] = {
        {"3006 020101 020102", 32, TEEATTEST_OK},
        {"3007 02020080 020102", 32, TEEATTEST_OK},   /* 0x00 needed */
        {"3007 02020001 020102", 32, TEEATTEST_E_SIG_ENCODING}, /* not */
        {"3006 020100 020102", 32, TEEATTEST_E_SIG_ENCODING},   /* zero */
        {"3006 020180 020102", 32, TEEATTEST_E_SIG_ENCODING},   /* < 0 */
        {"3005 0200 020102", 32, TEEATTEST_E_SIG_ENCODING},     /* empty */
        {"308106 020101 020102", 32, TEEATTEST_E_SIG_ENCODING}, /* 81 06 */
        {"3006 020101 020102 00", 32, TEEATTEST_E_SIG_ENCODING},
        {"3007 020101 020102 00", 32, TEEATTEST_E_SIG_ENCODING},
        {"3007 020200ff 020102", 1, TEEATTEST_OK},
        {"3007 02020100 020102", 1, TEEATTEST_E_SIG_ENCODING},  /* > field */
    };
    for (size_t k = 0; k < sizeof sig / sizeof *sig; k++) {
        uint8_t der[16], raw[64];
        size_t n = unit_unhex(der, sizeof der, sig[k].hex);
        int rc = ta_ecdsa_sig_der_to_raw(der, n, sig[k].field, raw);
        if (rc != sig[k].rc)
            printf("# %s: %d\n", sig[k].hex, rc);
        CHECK_EQ_INT(rc, sig[k].rc);
        if (!rc)
            CHECK(raw[2 * sig[k].field - 1] == 0x02); /* s */
    }
}

/* Every allocation failure is a clean TEEATTEST_E_NOMEM, nothing leaks. */
static void test_oom(teeattest_ctx *ctx, unit_alloc_stats *st)
{
    size_t len, clen;
    uint8_t *pem = unit_fixture(CASE "tcb_info_issuer_chain.pem", &len);
    uint8_t *crlder = unit_fixture(CASE "root_ca_crl.der", &clen);
    bool done = false;
    for (size_t n = 1; n < 20 && !done; n++) {
        size_t live = st->live;
        st->calls = 0;
        st->fail_at = n;
        ta_x509_chain *ch = NULL;
        ta_x509_crl *crl = NULL;
        int rc = ta_x509_chain_parse(ctx, &ch, pem, len, NULL);
        int rc2 = ta_x509_crl_parse(ctx, &crl, crlder, clen);
        st->fail_at = 0;
        CHECK(rc == TEEATTEST_OK || (rc == TEEATTEST_E_NOMEM && !ch));
        CHECK(rc2 == TEEATTEST_OK || (rc2 == TEEATTEST_E_NOMEM && !crl));
        done = rc == TEEATTEST_OK && rc2 == TEEATTEST_OK;
        ta_x509_chain_free(ch);
        ta_x509_crl_free(crl);
        CHECK_EQ_INT(st->live, live);
    }
    CHECK(done);
    free(pem);
    free(crlder);
}

int main(void)
{
    unit_alloc_stats st = {0};
    teeattest_ctx *ctx = unit_ctx_with(&st, NULL);
    test_root(ctx);
    test_chain(ctx);
    test_crl(ctx);
    test_der();
    test_der_strict();
    test_ecdsa_sig();
    test_oom(ctx, &st);
    teeattest_ctx_free(ctx);
    CHECK_EQ_INT(st.live, 0);
    return ta_test_done();
}
