/*
 * Fuzz target (white-box, internal API): the TDX collateral parsers
 * (lib/tdx/tcb.c, collateral.c, pck_ext.c). The first byte selects what
 * the rest is:
 *   0 a TCB Info PCS response ({"tcbInfo":{...},"signature":"..."}),
 *   1 a QE Identity PCS response,
 *   2 a bare TCB Info body after a 128-character signature (dcap-qvl
 *     form), 3 the same for a QE Identity,
 *   4 a CRL (DER, PEM or PCCS hex text),
 *   5 the raw v3 extensions (Extensions SEQUENCE) of a PCK certificate,
 *     decoded as a Platform-CA and as a Processor-CA certificate,
 *   6 a dcap-qvl QuoteCollateralV3 JSON document,
 *   7 an issuer chain (PEM) inside otherwise junk collateral.
 * Invariants: no leak, never NOMEM; a signed document that did not load
 * says why; the signed span lies inside the document; levels are sorted
 * as Intel sorts them and the selection primitives agree with that order
 * (a platform whose every SVN is maximal gets the first level); a CRL
 * either loaded or says why; a decoded PCK extension has an SGX type in
 * range; a loaded collateral's issuer chains rebuild to PEM that parses
 * back to the same certificates.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <strings.h>

#include "fuzz.h"

#include "core/core.h"
#include "tdx/tdx.h"

static void check_doc(const ta_tdx_signed_doc *d)
{
    if (!d->have_span) {
        FUZZ_CHECK(d->error && d->error[0]);
        return;
    }
    FUZZ_CHECK(d->body_off <= d->text_len &&
               d->body_len <= d->text_len - d->body_off);
    FUZZ_CHECK(!d->error || d->error[0]);
}

static void check_isv(const ta_tdx_isv_level *l, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(l[i].status != TA_TDX_STATUS_NONE);
        FUZZ_CHECK(l[i].advisories != NULL);
        if (i)
            FUZZ_CHECK(l[i - 1].isvsvn >= l[i].isvsvn);
    }
    FUZZ_CHECK(ta_tdx_isv_level_select(l, n, 0xffff) == (n ? &l[0] : NULL));
    const ta_tdx_isv_level *s = ta_tdx_isv_level_select(l, n, 0);
    FUZZ_CHECK(!s || s->isvsvn == 0);
}

static void check_tcb_info(const ta_tdx_tcb_info *ti)
{
    check_doc(&ti->doc);
    if (ti->doc.error)
        return;
    FUZZ_CHECK(ti->n_levels > 0);
    for (size_t i = 0; i < ti->n_levels; i++) {
        const ta_tdx_tcb_level *l = &ti->levels[i];
        FUZZ_CHECK(l->status != TA_TDX_STATUS_NONE && l->advisories);
        FUZZ_CHECK(strcmp(ta_tdx_status_name(l->status), "None") != 0);
        if (i) { /* strictly descending: duplicates are rejected */
            const ta_tdx_tcb_level *p = &ti->levels[i - 1];
            int c = memcmp(p->sgx, l->sgx, 16);
            if (!c)
                c = p->pcesvn == l->pcesvn ? 0 : p->pcesvn > l->pcesvn ? 1 : -1;
            if (!c)
                c = memcmp(p->tdx, l->tdx, 16);
            FUZZ_CHECK(c > 0);
        }
    }
    ta_tdx_pck_ext pck;
    memset(&pck, 0xff, sizeof pck);
    uint8_t svn[16];
    memset(svn, 0xff, sizeof svn);
    FUZZ_CHECK(ta_tdx_tcb_level_select(ti, &pck, svn) == &ti->levels[0]);
    memset(&pck, 0, sizeof pck);
    memset(svn, 0, sizeof svn);
    const ta_tdx_tcb_level *z = ta_tdx_tcb_level_select(ti, &pck, svn);
    FUZZ_CHECK(!z || z->pcesvn == 0);
    for (size_t i = 0; i < ti->n_ids; i++) {
        check_isv(ti->ids[i].levels, ti->ids[i].n_levels);
        FUZZ_CHECK(memchr(ti->ids[i].id, 0, sizeof ti->ids[i].id) != NULL);
    }
    for (unsigned major = 0; major < 256; major++) {
        const ta_tdx_module_identity *m =
            ta_tdx_module_identity_find(ti, (uint8_t)major);
        if (m) {
            char want[8];
            snprintf(want, sizeof want, "TDX_%02X", major);
            FUZZ_CHECK(strcasecmp(m->id, want) == 0);
        }
    }
}

static void check_qe_identity(const ta_tdx_qe_identity *qi)
{
    check_doc(&qi->doc);
    if (qi->doc.error)
        return;
    FUZZ_CHECK(memchr(qi->id, 0, sizeof qi->id) != NULL);
    check_isv(qi->levels, qi->n_levels);
}

static void check_crl(const ta_tdx_crl *c)
{
    if (!c->loaded)
        FUZZ_CHECK(c->error && c->error[0]);
    else
        FUZZ_CHECK(!c->error);
}

/* Every issuer chain rebuilds to PEM that parses to the same DER. */
static void check_chain(teeattest_ctx *ctx, const ta_tdx_chain *ch)
{
    if (ch->error || !ch->n)
        return;
    ta_buf pem;
    ta_buf_init(&pem, ctx, 0);
    FUZZ_CHECK(ta_tdx_chain_pem(ch, &pem) == TEEATTEST_OK);
    ta_x509_chain *back = NULL;
    size_t failed = 0;
    FUZZ_CHECK(ta_x509_chain_parse(ctx, &back, pem.data, pem.len, &failed) ==
               TEEATTEST_OK && failed == 0);
    FUZZ_CHECK(ta_x509_chain_len(back) == ta_x509_chain_len(ch->chain));
    for (size_t i = 0; i < ta_x509_chain_len(back) &&
                       i < ta_x509_chain_len(ch->chain); i++) {
        ta_der a = ta_x509_der(ta_x509_chain_get(ch->chain, i));
        ta_der b = ta_x509_der(ta_x509_chain_get(back, i));
        FUZZ_CHECK(b.len == a.len && memcmp(a.p, b.p, a.len) == 0);
    }
    ta_x509_chain_free(back);
    ta_buf_free(&pem);
}

static void check_collateral(teeattest_ctx *ctx, const ta_tdx_collateral *c)
{
    check_tcb_info(&c->tcb_info);
    check_qe_identity(&c->qe_identity);
    check_crl(&c->pck_crl);
    check_crl(&c->root_ca_crl);
    check_chain(ctx, &c->tcb_info_chain);
    check_chain(ctx, &c->qe_identity_chain);
    check_chain(ctx, &c->pck_crl_chain);
    (void)ta_tdx_collateral_expiry(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned sel = data[0] & 7;
    /* An exact-size copy of the rest, so ASan sees reads past its end. */
    size_t len = size - 1;
    uint8_t *buf = malloc(len ? len : 1);
    FUZZ_CHECK(buf != NULL);
    if (len)
        memcpy(buf, data + 1, len);

    fuzz_heap heap;
    teeattest_ctx *ctx = fuzz_ctx_new(&heap);
    switch (sel) {
    case 0:
    case 2: {
        ta_tdx_tcb_info ti;
        bool bare = sel == 2 && len >= 128;
        int rc = ta_tdx_tcb_info_load(ctx, &ti, bare ? buf + 128 : buf,
                                      bare ? len - 128 : len,
                                      bare ? (const char *)buf : NULL,
                                      bare ? 128 : 0);
        FUZZ_CHECK(rc == TEEATTEST_OK);
        check_tcb_info(&ti);
        ta_tdx_tcb_info_free(ctx, &ti);
        break;
    }
    case 1:
    case 3: {
        ta_tdx_qe_identity qi;
        bool bare = sel == 3 && len >= 128;
        int rc = ta_tdx_qe_identity_load(ctx, &qi, bare ? buf + 128 : buf,
                                         bare ? len - 128 : len,
                                         bare ? (const char *)buf : NULL,
                                         bare ? 128 : 0);
        FUZZ_CHECK(rc == TEEATTEST_OK);
        check_qe_identity(&qi);
        ta_tdx_qe_identity_free(ctx, &qi);
        break;
    }
    case 4: {
        ta_tdx_crl crl;
        memset(&crl, 0, sizeof crl);
        FUZZ_CHECK(ta_tdx_crl_load(&crl, buf, len, ctx) == TEEATTEST_OK);
        check_crl(&crl);
        ta_x509_crl_free(crl.crl);
        ta_free(ctx, crl.error);
        break;
    }
    case 5: {
        for (int platform = 0; platform < 2; platform++) {
            ta_tdx_pck_ext ext;
            teeattest_error e;
            fuzz_err_reset(&e);
            int rc = ta_tdx_pck_ext_parse_der(buf, len, platform, &ext, &e);
            fuzz_err_check(rc, &e);
            if (rc == TEEATTEST_OK)
                FUZZ_CHECK(ext.sgx_type >= 0 && ext.sgx_type <= 2);
            if (rc == TEEATTEST_OK && platform)
                FUZZ_CHECK(ext.has_platform_instance_id);
        }
        break;
    }
    case 6: {
        ta_tdx_collateral *c = NULL;
        teeattest_error e;
        fuzz_err_reset(&e);
        int rc = ta_tdx_collateral_load_json(ctx, buf, len, &c, &e);
        fuzz_err_check(rc, &e);
        FUZZ_CHECK(rc != TEEATTEST_E_NOMEM && rc != TEEATTEST_E_INTERNAL);
        FUZZ_CHECK((rc == TEEATTEST_OK) == (c != NULL));
        if (c) {
            check_collateral(ctx, c);
            ta_tdx_collateral_free(c);
        }
        break;
    }
    default: {
        static const uint8_t junk[] = "junk";
        ta_tdx_collateral_parts cp;
        memset(&cp, 0, sizeof cp);
        cp.tcb_info = cp.qe_identity = cp.pck_crl = cp.root_ca_crl = junk;
        cp.tcb_info_len = cp.qe_identity_len = cp.pck_crl_len = 4;
        cp.root_ca_crl_len = 4;
        cp.tcb_info_chain = cp.qe_identity_chain = cp.pck_crl_chain = buf;
        cp.tcb_info_chain_len = cp.qe_identity_chain_len = len;
        cp.pck_crl_chain_len = len;
        ta_tdx_collateral *c = NULL;
        int rc = ta_tdx_collateral_from_parts(ctx, &cp, &c, NULL);
        FUZZ_CHECK(rc == TEEATTEST_OK && c != NULL);
        if (c) {
            check_collateral(ctx, c);
            ta_tdx_collateral_free(c);
        }
        break;
    }
    }
    free(buf);
    fuzz_ctx_done(ctx, &heap);
    return 0;
}
