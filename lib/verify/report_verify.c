/*
 * teeattest_report_verify() (include/teeattest/attest.h): one checklist
 * for a whole report. Per entry, in this order: the TDX quote, the
 * report_data binding of the layout the document shape calls for (spec
 * providers.md section 3), the event log replay and compose hash (dstack
 * shapes), the policy's software pins, and the GPU evidence.
 *
 * Everything here reads untrusted data through the layers below
 * (lib/tdx, lib/gpu, lib/dstack); this file only decides which checks run,
 * with which inputs, and how they are named.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "../crypto/crypto.h"
#include "../dstack/dstack.h"
#include "../gpu/gpu.h"
#include "../providers/providers.h"
#include "../tdx/tdx_fetch.h"
#include "aci_report.h"
#include "model_verify.h"
#include "tinfoil_hardware.h"
#include "tinfoil_release.h"
#include "pipeline.h"
#include "provenance.h"

#define PASS TEEATTEST_OUTCOME_PASS
#define FAIL TEEATTEST_OUTCOME_FAIL
#define SKIP TEEATTEST_OUTCOME_SKIP
#define WARN TEEATTEST_OUTCOME_WARN

typedef struct vctx {
    teeattest_ctx *ctx;
    teeattest_result *r;
    const teeattest_report *rep;
    teeattest_evidence *ev;
    const teeattest_policy *pol; /* never NULL (defaults when none given) */
    const teeattest_policy *user_pol; /* as given, for the GPU plan */
    int64_t at;
    bool has_nonce;
    uint8_t nonce[32];
    char nonce_hex[65];
    const uint8_t *spki;
    size_t spki_len;
    ta_report_shape shape;
    const uint8_t *raw;
    size_t raw_len;
    teeattest_error *err;
    struct chutes_key *keys; /* Chutes: one per entry (chutes_keys) */
    bool compose_ok;         /* compose.hash passed (the last entry's) */
} vctx;

/* What an entry established, for the report-level facts. */
typedef struct entry_out {
    bool signer_bound;
    int32_t algo;
    char signer[TEEATTEST_SIGNER_MAX];
} entry_out;

typedef struct blob {
    const uint8_t *p;
    size_t n;
} blob;

static blob field(const vctx *v, size_t i, int32_t f)
{
    blob b = {NULL, 0};
    if (teeattest_report_entry_get(v->rep, i, f, &b.p, &b.n, NULL) != TEEATTEST_OK)
        b.p = NULL, b.n = 0;
    return b;
}

static bool field_is(const vctx *v, size_t i, int32_t f, const char *s)
{
    blob b = field(v, i, f);
    return b.p && b.n == strlen(s) && memcmp(b.p, s, b.n) == 0;
}

static void hex(char *out, const uint8_t *p, size_t n)
{
    ta_hex_encode(out, p, n);
    out[2 * n] = '\0';
}

static void fact_hex(vctx *v, const char *key, const uint8_t *p, size_t n)
{
    char h[129];
    if (n > 64)
        n = 64;
    hex(h, p, n);
    ta_result_fact_str(v->r, key, h);
}

static bool all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

/* ---- TDX ------------------------------------------------------------------ */

static bool collateral_matches(const teeattest_collateral *col,
                               const uint8_t fmspc[6], bool platform)
{
    const ta_tdx_collateral *c = col->inner;
    if (memcmp(c->tcb_info.fmspc, fmspc, 6) != 0)
        return false;
    if (!c->pck_crl.loaded)
        return true; /* verification reports the missing CRL */
    char cn[96];
    ta_x509_crl_issuer_cn(c->pck_crl.crl, cn, sizeof cn);
    return strstr(cn, platform ? "Platform CA" : "Processor CA") != NULL;
}

/* Verify one quote: find or fetch its collateral, then the TDX engine.
 * A missing collateral is a failed check, never an error. */
static int verify_quote(vctx *v, const uint8_t *quote, size_t len)
{
    uint8_t fmspc[6];
    bool platform = true;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    int rc = ta_tdx_quote_platform(v->ctx, quote, len, fmspc, &platform, &e);
    if (rc == TEEATTEST_E_NOMEM)
        return ta_error(v->err, rc, NULL, "out of memory");
    if (rc) {
        ta_result_check(v->r, "tdx.quote.parse", FAIL, true, "%s", e.message);
        return TEEATTEST_OK;
    }
    char fm[13];
    hex(fm, fmspc, 6);
    const char *ca = platform ? "platform" : "processor";
    teeattest_collateral *col = NULL;
    for (size_t k = 0; !col && k < v->ev->n_cols; k++)
        if (collateral_matches(v->ev->cols[k], fmspc, platform))
            col = v->ev->cols[k];
    if (col) {
        ta_result_check(v->r, "tdx.collateral", PASS, true,
                        "collateral for FMSPC %s (%s CA) supplied", fm, ca);
    } else if (v->ev->online & TEEATTEST_ONLINE_PCCS) {
        teeattest_collateral *got = NULL;
        e = (teeattest_error)TEEATTEST_ERROR_INIT;
        rc = teeattest_collateral_fetch(v->ctx, &got, v->ev->pccs_url, quote,
                                        len, &e);
        if (rc == TEEATTEST_E_NOMEM)
            return ta_error(v->err, rc, NULL, "out of memory");
        if (rc) {
            ta_result_check(v->r, "tdx.collateral", FAIL, true,
                            "fetching collateral for FMSPC %s (%s CA): %s", fm,
                            ca, e.message[0] ? e.message
                                             : teeattest_status_str(rc));
            return TEEATTEST_OK;
        }
        rc = ta_evidence_keep_collateral(v->ev, got, v->err);
        teeattest_collateral_free(got); /* the evidence holds it now */
        if (rc)
            return rc;
        col = v->ev->cols[v->ev->n_cols - 1];
        ta_result_check(v->r, "tdx.collateral", PASS, true,
                        "collateral for FMSPC %s (%s CA) fetched from %s", fm,
                        ca, v->ev->pccs_url ? v->ev->pccs_url : "Intel PCS");
    } else {
        ta_result_check(v->r, "tdx.collateral", FAIL, true,
                        "no collateral for FMSPC %s (%s CA) was supplied and "
                        "fetching is off", fm, ca);
        return TEEATTEST_OK;
    }
    ta_tdx_policy tp;
    ta_tdx_policy_view(v->pol, &tp);
    return ta_tdx_verify(v->ctx, quote, len, col->inner, v->at, &tp, v->r,
                         NULL, v->err);
}

/* ---- report_data layouts ---------------------------------------------------- */

static void check_nonce(vctx *v, const uint8_t *bound, const char *where)
{
    if (!v->has_nonce) {
        ta_result_check(v->r, "binding.nonce", FAIL, true,
                        "no nonce to compare %s with: freshness cannot be "
                        "established", where);
        return;
    }
    if (ta_ct_equal(bound, v->nonce, 32)) {
        ta_result_check(v->r, "binding.nonce", PASS, true,
                        "%s holds the nonce sent", where);
        return;
    }
    char h[65];
    hex(h, bound, 32);
    ta_result_check(v->r, "binding.nonce", FAIL, true,
                    "%s is %s, not the nonce sent: a replayed or cached "
                    "report", where, h);
}

/* The TLS key comparison for a fingerprint the TEE bound. */
static void check_tls(vctx *v, const uint8_t fp[32], bool behind_gateway)
{
    if (behind_gateway) {
        ta_result_check(v->r, "binding.tls", SKIP, false,
                        "the model's TLS key cannot be compared: the "
                        "connection was to the gateway");
        return;
    }
    if (!v->spki) {
        ta_result_check(v->r, "binding.tls",
                        v->pol->require_tls_binding ? FAIL : SKIP,
                        v->pol->require_tls_binding,
                        "the key of the connection that delivered the report "
                        "is not known");
        return;
    }
    uint8_t h[32];
    if (ta_sha256(v->ctx, h, v->spki, v->spki_len)) {
        ta_result_check(v->r, "binding.tls", FAIL, true, "hashing failed");
        return;
    }
    char a[65], b[65];
    hex(a, fp, 32);
    hex(b, h, 32);
    if (ta_ct_equal(h, fp, 32)) {
        ta_result_check(v->r, "binding.tls", PASS, true,
                        "the attested TLS key %s is the connection's", a);
        /* The key to pin the connection to (docs/proxy.md). */
        ta_result_fact_str(v->r, "tls_spki_sha256", b);
    } else
        ta_result_check(v->r, "binding.tls", FAIL, true,
                        "the attested TLS key %s is not the connection's (%s)",
                        a, b);
}

static int32_t entry_algo(const vctx *v, size_t i)
{
    if (field_is(v, i, TEEATTEST_ENTRY_SIGNING_ALGO, "ed25519"))
        return TEEATTEST_SIG_ED25519;
    if (field_is(v, i, TEEATTEST_ENTRY_SIGNING_ALGO, "ecdsa"))
        return TEEATTEST_SIG_ECDSA;
    return 0;
}

/* NEAR's cloud gateway publishes its certificate chain beside the report:
 * its leaf (the first certificate) must hold the TLS key the gateway's
 * report_data binds (fp; NULL under layout L1), and the connection's key
 * when that is known. */
static void check_gateway_certificate(vctx *v, const uint8_t *fp)
{
    const uint8_t *span;
    size_t n;
    if (ta_json_member_span(v->raw, v->raw_len, "tls_certificate", &span,
                            &n) != TEEATTEST_OK)
        return;
    if (!fp) {
        ta_result_check(v->r, "binding.tls_certificate", SKIP, false,
                        "report_data binds no TLS key (layout L1): the "
                        "published certificate is not attested");
        return;
    }
    json_t *s = json_loadb((const char *)span, n, JSON_DECODE_ANY, NULL);
    uint8_t h[32], conn[32];
    bool ok = json_is_string(s) &&
              ta_rd_cert_spki_hash(v->ctx, h,
                                   (const uint8_t *)json_string_value(s),
                                   json_string_length(s), NULL) == TEEATTEST_OK;
    json_decref(s);
    char hh[65];
    if (ok)
        hex(hh, h, 32);
    if (!ok)
        ta_result_check(v->r, "binding.tls_certificate", FAIL, true,
                        "tls_certificate is not a certificate chain");
    else if (!ta_ct_equal(h, fp, 32))
        ta_result_check(v->r, "binding.tls_certificate", FAIL, true,
                        "the published certificate's key (SPKI SHA-256 %s) is "
                        "not the attested TLS key", hh);
    else if (v->spki && (ta_sha256(v->ctx, conn, v->spki, v->spki_len) ||
                         !ta_ct_equal(conn, h, 32)))
        ta_result_check(v->r, "binding.tls_certificate", FAIL, true,
                        "the published certificate's key (SPKI SHA-256 %s) is "
                        "not the connection's", hh);
    else {
        ta_result_check(v->r, "binding.tls_certificate", PASS, true,
                        "the published certificate's key is the attested "
                        "TLS key%s", v->spki ? " and the connection's" : "");
        ta_result_fact_str(v->r, "tls_certificate.spki_sha256", hh);
    }
}

/* L1 / L2: dstack model proxies and gateways. */
static void bind_dstack(vctx *v, size_t i, const uint8_t rd[64],
                        entry_out *eo)
{
    blob addr = field(v, i, TEEATTEST_ENTRY_SIGNING_ADDRESS);
    int32_t algo = entry_algo(v, i);
    blob fp = field(v, i, TEEATTEST_ENTRY_TLS_FINGERPRINT);
    bool two_layer_model = v->shape == TA_SHAPE_TWO_LAYER &&
                           field_is(v, i, TEEATTEST_ENTRY_ROLE, "model");
    uint8_t a[32];
    size_t alen = 0;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    if (!addr.p || !algo ||
        ta_parse_signer(v->ctx, algo, a, &alen, (const char *)addr.p, addr.n,
                        &e) != TEEATTEST_OK) {
        ta_result_check(v->r, "binding.report_data", FAIL, true,
                        "%s", !addr.p ? "the entry names no signing address"
                              : !algo ? "unknown signing_algo"
                                      : e.message);
        check_nonce(v, rd + 32, "report_data[32:64]");
        return;
    }
    bool tls = fp.p && fp.n == 32;
    uint8_t want[32];
    if (ta_rd_identity_half(v->ctx, want, a, alen, tls ? fp.p : NULL)) {
        ta_result_check(v->r, "binding.report_data", FAIL, true,
                        "identity of %zu bytes", alen);
        return;
    }
    bool rd_ok = ta_ct_equal(rd, want, 32);
    ta_result_check(v->r, "binding.report_data", rd_ok ? PASS : FAIL, true,
                    rd_ok ? "report_data[0:32] = %s"
                          : "report_data[0:32] is not %s: the signing key is "
                            "not the one the TEE attested",
                    tls ? "SHA-256(signing identity || TLS key fingerprint) "
                          "(layout L2)"
                        : "the signing identity, zero-padded (layout L1)");
    check_nonce(v, rd + 32, "report_data[32:64]");
    if (tls) {
        check_tls(v, fp.p, two_layer_model);
    } else {
        ta_result_check(v->r, "binding.tls", v->pol->require_tls_binding
                                                  ? FAIL : SKIP,
                        v->pol->require_tls_binding,
                        "layout L1: report_data binds no TLS key");
    }
    if (field_is(v, i, TEEATTEST_ENTRY_ROLE, "gateway"))
        check_gateway_certificate(v, tls ? fp.p : NULL);
    blob rd_stated = field(v, i, TEEATTEST_ENTRY_REPORT_DATA);
    if (rd_stated.p && (rd_stated.n != 64 || !ta_ct_equal(rd_stated.p, rd, 64)))
        ta_result_check(v->r, "binding.stated_report_data", WARN, false,
                        "the report_data stated beside the quote differs from "
                        "the quote's; the quote's is used");

    blob pub = field(v, i, TEEATTEST_ENTRY_SIGNING_PUBLIC_KEY);
    bool key_ok = true;
    if (pub.p) {
        int krc = ta_rd_key_binds(v->ctx, algo, pub.p, pub.n, a, alen);
        key_ok = krc == TEEATTEST_OK;
        ta_result_check(v->r, "binding.signing_key", key_ok ? PASS : FAIL,
                        true, key_ok ? "signing_public_key derives to the "
                                       "attested identity"
                                     : "signing_public_key does not derive "
                                       "to the attested identity (%s)",
                        teeattest_status_str(krc));
    } else {
        ta_result_check(v->r, "binding.signing_key", PASS, true,
                        algo == TEEATTEST_SIG_ED25519
                            ? "the attested identity is the Ed25519 key"
                            : "the attested identity is the ECDSA address; "
                              "signatures are checked by recovery");
    }
    if (rd_ok && key_ok) {
        eo->signer_bound = true;
        eo->algo = algo;
        ta_format_signer(eo->signer, algo, a);
    }
}

/* NEAR's compose manager: a second quote over the deployment actions. */
static int bind_compose_manager(vctx *v, size_t i, const char *prefix)
{
    blob cm = field(v, i, TEEATTEST_ENTRY_COMPOSE_MANAGER);
    if (!cm.p)
        return TEEATTEST_OK;
    char sub[64];
    snprintf(sub, sizeof sub, "%scompose_manager.", prefix);
    ta_result_set_prefix(v->r, sub);
    json_t *o = json_loadb((const char *)cm.p, cm.n, 0, NULL);
    const char *ah = json_string_value(json_object_get(o, "actions_hash"));
    const char *nh = json_string_value(json_object_get(o, "nonce"));
    const char *qh = json_string_value(json_object_get(o, "quote"));
    uint8_t stated[32], nonce[32], canon[32], plain[32];
    const uint8_t *actions;
    size_t alen;
    int rc = TEEATTEST_OK;
    if (!ah || !qh ||
        ta_hex_decode_exact(stated, 32, ah, strlen(ah), NULL) ||
        ta_json_member_span(cm.p, cm.n, "actions", &actions, &alen)) {
        ta_result_check(v->r, "actions_hash", FAIL, true,
                        "compose_manager_attestation lacks actions, "
                        "actions_hash or quote");
        goto out;
    }
    bool has_nonce = nh && ta_hex_decode_exact(nonce, 32, nh, strlen(nh),
                                               NULL) == TEEATTEST_OK;
    /* Two producers: sorted keys (2026-06-29 NEAR) and the actions text
     * as sent (2026-06-10 Venice capture of the same service). */
    bool canon_ok = ta_rd_actions_hash(v->ctx, canon, actions, alen, NULL) ==
                        TEEATTEST_OK && ta_ct_equal(canon, stated, 32);
    bool plain_ok = !canon_ok && ta_sha256(v->ctx, plain, actions, alen) ==
                                     TEEATTEST_OK &&
                    ta_ct_equal(plain, stated, 32);
    ta_result_check(v->r, "actions_hash", canon_ok || plain_ok ? PASS : FAIL,
                    true, canon_ok ? "SHA-256 of the canonical actions"
                          : plain_ok ? "SHA-256 of the actions as sent"
                                     : "actions_hash does not match the "
                                       "actions");
    size_t qlen = strlen(qh) / 2;
    uint8_t *q = ta_malloc(v->ctx, qlen ? qlen : 1);
    if (!q) {
        rc = ta_error(v->err, TEEATTEST_E_NOMEM, NULL, "out of memory");
        goto out;
    }
    if (ta_hex_decode_exact(q, qlen, qh, strlen(qh), NULL)) {
        ta_result_check(v->r, "tdx.quote.parse", FAIL, true,
                        "the compose manager's quote is not hex");
    } else {
        rc = verify_quote(v, q, qlen);
        ta_tdx_quote pq;
        if (!rc && ta_tdx_quote_parse(&pq, q, qlen, NULL) == TEEATTEST_OK) {
            const uint8_t *rd = ta_tdx_reportdata(&pq);
            bool ok = ta_ct_equal(rd, stated, 32);
            ta_result_check(v->r, "report_data", ok ? PASS : FAIL, true,
                            ok ? "report_data[0:32] = actions_hash"
                               : "report_data[0:32] is not actions_hash");
            check_nonce(v, rd + 32, "the compose manager's report_data[32:64]");
            /* The stated nonce: what the manager claims it bound. */
            if (!has_nonce)
                ta_result_check(v->r, "nonce", FAIL, true,
                                "compose_manager_attestation %s",
                                nh ? "has a nonce that is not 64 hex digits"
                                   : "states no nonce");
            else
                ta_result_check(v->r, "nonce",
                                ta_ct_equal(nonce, rd + 32, 32) ? PASS : FAIL,
                                true, ta_ct_equal(nonce, rd + 32, 32)
                                          ? "the stated nonce is the one its "
                                            "report_data[32:64] binds"
                                          : "the stated nonce is not the one "
                                            "its report_data[32:64] binds");
        }
    }
    ta_free(v->ctx, q);
out:
    json_decref(o);
    ta_result_set_prefix(v->r, prefix);
    return rc;
}

/* NEAR's OHTTP key config, signed by the entry's Ed25519 key. Published
 * as facts only when that key is the one report_data binds. */
static int bind_ohttp(vctx *v, size_t i, const entry_out *eo)
{
    blob att = field(v, i, TEEATTEST_ENTRY_OHTTP_ATTESTATION);
    blob stated = field(v, i, TEEATTEST_ENTRY_OHTTP_KEY_CONFIG);
    if (!att.p && !stated.p)
        return TEEATTEST_OK;
    if (!att.p) {
        ta_result_check(v->r, "binding.ohttp", FAIL, true,
                        "ohttp_key_config without the ohttp_attestation "
                        "that signs it");
        return TEEATTEST_OK;
    }
    uint8_t key[32];
    uint8_t *cfg = NULL;
    size_t cl = 0;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    int rc = ta_ohttp_attestation_verify(v->ctx, att.p, att.n, stated.p,
                                         stated.n, stated.p != NULL, key, &cfg,
                                         &cl, &e);
    if (rc == TEEATTEST_E_NOMEM)
        return ta_error(v->err, rc, NULL, "out of memory");
    if (rc) {
        ta_result_check(v->r, "binding.ohttp", FAIL, true, "%s", e.message);
        return TEEATTEST_OK;
    }
    char kh[65];
    hex(kh, key, 32);
    uint8_t bound[32];
    if (!eo->signer_bound) {
        ta_result_check(v->r, "binding.ohttp", FAIL, true,
                        "the key config is signed by %s, but the entry's "
                        "signing key is not attested", kh);
    } else if (eo->algo != TEEATTEST_SIG_ED25519) {
        /* NEAR signs with its Ed25519 key also in an ecdsa report, which
         * binds the ECDSA address only. */
        ta_result_check(v->r, "binding.ohttp", SKIP, false,
                        "the key config is signed by the Ed25519 key %s, "
                        "which this ecdsa report does not bind: the key "
                        "config is not attested (fetch the report with "
                        "signing_algo=ed25519)", kh);
    } else if (ta_hex_decode_exact(bound, 32, eo->signer, strlen(eo->signer),
                                   false) != TEEATTEST_OK ||
               !ta_ct_equal(bound, key, 32)) {
        ta_result_check(v->r, "binding.ohttp", FAIL, true,
                        "the key config is signed by %s, not by the attested "
                        "key %s", kh, eo->signer);
    } else {
        ta_ohttp_key_config k;
        char suites[256];
        char *h = ta_malloc(v->ctx, 2 * cl + 1);
        if (!h) {
            ta_free(v->ctx, cfg);
            return ta_error(v->err, TEEATTEST_E_NOMEM, NULL, "out of memory");
        }
        ta_ohttp_key_config_parse(&k, cfg, cl, NULL);
        ta_result_check(v->r, "binding.ohttp", PASS, true,
                        "the OHTTP key config (key id %u, %s) is signed by the "
                        "attested key", k.key_id, k.kem_name);
        hex(h, cfg, cl);
        ta_result_fact_str(v->r, "ohttp_key_config", h);
        hex(h, k.public_key, k.public_key_len);
        ta_result_fact_str(v->r, "ohttp.public_key", h);
        ta_result_fact_int(v->r, "ohttp.key_id", k.key_id);
        ta_result_fact_str(v->r, "ohttp.kem", k.kem_name);
        if (ta_ohttp_suites_text(suites, sizeof suites, &k) == TEEATTEST_OK)
            ta_result_fact_str(v->r, "ohttp.suites", suites);
        ta_free(v->ctx, h);
    }
    ta_free(v->ctx, cfg);
    return TEEATTEST_OK;
}

/* L5: io.net binds the nonce only. */
static void bind_ionet(vctx *v, size_t i, const uint8_t rd[64])
{
    check_nonce(v, rd, "report_data[0:32]");
    ta_result_check(v->r, "binding.report_data", all_zero(rd + 32, 32)
                                                     ? PASS : FAIL, true,
                    all_zero(rd + 32, 32) ? "io.net layout: nonce || zeros"
                                          : "report_data[32:64] is not zero");
    blob addr = field(v, i, TEEATTEST_ENTRY_SIGNING_ADDRESS);
    bool allow = v->pol->allow_unbound_key;
    ta_result_check(v->r, "binding.signing_key", allow ? WARN : FAIL, !allow,
                    "signing key not bound by hardware: io.net puts only the "
                    "nonce in report_data, so %.*s is not attested",
                    addr.p ? (int)(addr.n > 66 ? 66 : addr.n) : 14,
                    addr.p ? (const char *)addr.p : "no signer at all");
}

/* Chutes' E2EE key of each instance, resolved once per report:
 * check_distinct compares them, bind_chutes hashes them. */
typedef enum chutes_why {
    KEY_OK,
    KEY_NO_DOCUMENT, /* no e2e_pubkey and no instances document */
    KEY_BAD_DOCUMENT, /* the document is not {"instances": [...]} */
    KEY_NO_ID,       /* no e2e_pubkey and no instance_id to look up */
    KEY_UNLISTED,    /* the document does not list the instance */
    KEY_AMBIGUOUS,   /* the document lists the instance more than once */
    KEY_DIFFERS,     /* the entry's e2e_pubkey is not the document's */
} chutes_why;

struct chutes_key {
    char *key; /* base64 text as sent; NULL unless KEY_OK */
    chutes_why why;
    size_t listed; /* how often the document lists the instance */
};

/* Each entry's key: its own e2e_pubkey (RedPill's form), else the
 * instances document's key for its instance_id (Chutes direct). When
 * both exist they must agree; an instance the document lists twice has
 * no key (which one the TEE bound would be the attacker's choice). */
static int chutes_keys(vctx *v, size_t n)
{
    v->keys = ta_calloc(v->ctx, n, sizeof *v->keys);
    if (!v->keys)
        return ta_error(v->err, TEEATTEST_E_NOMEM, NULL, "out of memory");
    json_t *doc = NULL;
    const json_t *list = NULL;
    if (v->ev->e2e_instances.data) {
        doc = json_loadb((const char *)v->ev->e2e_instances.data,
                         v->ev->e2e_instances.len, JSON_REJECT_DUPLICATES,
                         NULL);
        list = json_object_get(doc, "instances");
        if (!json_is_array(list))
            list = NULL;
    }
    int rc = TEEATTEST_OK;
    for (size_t i = 0; !rc && i < n; i++) {
        struct chutes_key *k = &v->keys[i];
        blob pk = field(v, i, TEEATTEST_ENTRY_E2E_PUBKEY);
        blob id = field(v, i, TEEATTEST_ENTRY_INSTANCE_ID);
        const char *listed = NULL;
        size_t j;
        const json_t *inst;
        json_array_foreach(id.p ? list : NULL, j, inst) {
            const json_t *iid = json_object_get(inst, "instance_id");
            if (json_is_string(iid) && json_string_length(iid) == id.n &&
                memcmp(json_string_value(iid), id.p, id.n) == 0) {
                k->listed++;
                listed = json_string_value(json_object_get(inst,
                                                           "e2e_pubkey"));
            }
        }
        const char *key = NULL;
        size_t klen = 0;
        if (k->listed > 1)
            k->why = KEY_AMBIGUOUS;
        else if (pk.p && listed &&
                 (strlen(listed) != pk.n || memcmp(listed, pk.p, pk.n) != 0))
            k->why = KEY_DIFFERS;
        else if (pk.p)
            key = (const char *)pk.p, klen = pk.n;
        else if (listed)
            key = listed, klen = strlen(listed);
        else
            k->why = !id.p ? KEY_NO_ID
                     : !v->ev->e2e_instances.data ? KEY_NO_DOCUMENT
                     : !list ? KEY_BAD_DOCUMENT : KEY_UNLISTED;
        if (key && !(k->key = ta_strndup(v->ctx, key, klen)))
            rc = ta_error(v->err, TEEATTEST_E_NOMEM, NULL, "out of memory");
    }
    json_decref(doc);
    return rc;
}

static void chutes_keys_free(vctx *v, size_t n)
{
    for (size_t i = 0; v->keys && i < n; i++)
        ta_free(v->ctx, v->keys[i].key);
    ta_free(v->ctx, v->keys);
    v->keys = NULL;
}

/* The nonce a Chutes report was bound to: RedPill's gateway picks its
 * own and returns it as the top-level "nonce". */
static bool server_nonce(const vctx *v, char out[65])
{
    const uint8_t *span;
    size_t n;
    if (ta_json_member_span(v->raw, v->raw_len, "nonce", &span, &n) ||
        n != 66 || span[0] != '"')
        return false;
    uint8_t tmp[32];
    if (ta_hex_decode_exact(tmp, 32, (const char *)span + 1, 64, NULL))
        return false;
    hex(out, tmp, 32);
    return true;
}

/* L6: Chutes, per instance: report_data[0:32] = SHA-256(nonce || this
 * instance's E2EE key). That value is also the nonce every GPU of the
 * instance must have signed (verify_entry passes it on). */
static int bind_chutes(vctx *v, size_t i, const uint8_t rd[64])
{
    blob id = field(v, i, TEEATTEST_ENTRY_INSTANCE_ID);
    char inst[80];
    if (id.p)
        snprintf(inst, sizeof inst, "instance %.*s",
                 (int)(id.n > 64 ? 64 : id.n), (const char *)id.p);
    else
        snprintf(inst, sizeof inst, "an instance without instance_id");
    char bound_hex[65];
    bool server = server_nonce(v, bound_hex) &&
                  !(v->has_nonce && strcmp(bound_hex, v->nonce_hex) == 0);
    if (!server) {
        if (!v->has_nonce) {
            ta_result_check(v->r, "binding.report_data", SKIP, true,
                            "%s: no nonce to hash with its E2EE key", inst);
            ta_result_check(v->r, "binding.nonce", FAIL, true,
                            "no nonce: freshness cannot be established");
            return TEEATTEST_OK;
        }
        memcpy(bound_hex, v->nonce_hex, 65);
    }
    const struct chutes_key *k = &v->keys[i];
    uint8_t want[32];
    int hrc = k->key ? ta_rd_chutes_half(v->ctx, want, bound_hex,
                                         (const uint8_t *)k->key,
                                         strlen(k->key))
                     : TEEATTEST_OK;
    if (hrc == TEEATTEST_E_NOMEM)
        return ta_error(v->err, hrc, NULL, "out of memory");
    bool ok = false;
    if (!k->key) {
        ta_result_check(v->r, "binding.report_data", FAIL, true, "%s: %s",
                        inst,
                        k->why == KEY_AMBIGUOUS
                            ? "the instances document lists it more than "
                              "once: its E2EE key is ambiguous"
                        : k->why == KEY_DIFFERS
                            ? "its e2e_pubkey differs from the instances "
                              "document's"
                        : k->why == KEY_UNLISTED
                            ? "the instances document does not list it: no "
                              "E2EE public key"
                        : k->why == KEY_BAD_DOCUMENT
                            ? "the instances document has no instances "
                              "array: no E2EE public key"
                        : k->why == KEY_NO_ID
                            ? "no e2e_pubkey and no instance_id to look one "
                              "up"
                            : "no E2EE public key (supply Chutes' "
                              "/e2e/instances answer)");
    } else if (hrc) {
        ta_result_check(v->r, "binding.report_data", FAIL, true,
                        "%s: the E2EE key cannot be hashed (%s)", inst,
                        teeattest_status_str(hrc));
    } else {
        ok = ta_ct_equal(want, rd, 32);
        ta_result_check(v->r, "binding.report_data", ok ? PASS : FAIL, true,
                        ok ? "%s: report_data[0:32] = SHA-256(nonce || its "
                             "E2EE public key) (Chutes)"
                           : "%s: report_data[0:32] is not SHA-256(nonce || "
                             "its E2EE public key)", inst);
        uint8_t h[32];
        if (ta_sha256(v->ctx, h, (const uint8_t *)k->key,
                      strlen(k->key)) == 0)
            fact_hex(v, "e2e_pubkey_sha256", h, 32);
    }
    if (server) {
        bool allow = v->pol->allow_server_nonce;
        ta_result_check(v->r, "binding.nonce", allow ? WARN : FAIL, !allow,
                        "bound to the server's nonce %s, not the nonce sent: "
                        "not fresh", bound_hex);
    } else if (ok) {
        ta_result_check(v->r, "binding.nonce", PASS, true,
                        "the nonce sent is hashed into report_data[0:32]");
    } else {
        ta_result_check(v->r, "binding.nonce", FAIL, true,
                        "report_data[0:32] is not shown to hash the nonce "
                        "sent (see binding.report_data)");
    }
    /* RedPill repeats the nonce in every instance: data only, but one
     * that differs from the nonce hashed is worth saying. */
    blob echo = field(v, i, TEEATTEST_ENTRY_NONCE_ECHO);
    char echo_hex[65];
    if (echo.p && echo.n == 32) {
        hex(echo_hex, echo.p, 32);
        if (strcmp(echo_hex, bound_hex) != 0)
            ta_result_check(v->r, "binding.stated_nonce", WARN, false,
                            "%s states the nonce %s; report_data was checked "
                            "against %s", inst, echo_hex, bound_hex);
    }
    blob cert = field(v, i, TEEATTEST_ENTRY_CERTIFICATE);
    uint8_t h[32];
    if (!cert.p) {
        ta_result_check(v->r, "binding.tls",
                        v->pol->require_tls_binding ? FAIL : SKIP,
                        v->pol->require_tls_binding,
                        "no instance certificate in the report: "
                        "report_data[32:64] cannot be checked");
    } else if (ta_rd_cert_spki_hash(v->ctx, h, cert.p, cert.n, NULL)) {
        ta_result_check(v->r, "binding.tls", FAIL, true,
                        "the instance certificate does not parse");
    } else {
        bool tls_ok = ta_ct_equal(h, rd + 32, 32);
        ta_result_check(v->r, "binding.tls", tls_ok ? PASS : FAIL, true,
                        tls_ok ? "report_data[32:64] = SHA-256 of the instance "
                                 "certificate's key"
                               : "report_data[32:64] is not the instance "
                                 "certificate's key");
    }
    return TEEATTEST_OK;
}

/* L7: Tinfoil V3. */
static void bind_tinfoil(vctx *v, const uint8_t rd[64])
{
    const uint8_t *span;
    size_t n;
    ta_rd_tinfoil tf;
    uint8_t want[32];
    teeattest_error e = TEEATTEST_ERROR_INIT;
    if (ta_json_member_span(v->raw, v->raw_len, "report_data", &span, &n) ||
        ta_rd_tinfoil_half(v->ctx, want, span, n, &tf, &e)) {
        ta_result_check(v->r, "binding.report_data", FAIL, true,
                        "report_data object: %s",
                        e.message[0] ? e.message : "missing");
        return;
    }
    bool ok = ta_ct_equal(want, rd, 32) && all_zero(rd + 32, 32);
    ta_result_check(v->r, "binding.report_data", ok ? PASS : FAIL, true,
                    ok ? "report_data = SHA-256(TLS key || HPKE key || nonce "
                         "|| GPU evidence hash) || zeros (Tinfoil V3)"
                       : "report_data is not the hash of the stated TLS key, "
                         "HPKE key, nonce and GPU evidence hash");
    check_nonce(v, tf.nonce, "the attested nonce");
    uint8_t g[32];
    if (ta_json_member_span(v->raw, v->raw_len, "gpu", &span, &n) ||
        ta_sha256(v->ctx, g, span, n))
        ta_result_check(v->r, "binding.gpu_evidence", FAIL, true,
                        "the report holds no gpu member");
    else
        ta_result_check(v->r, "binding.gpu_evidence",
                        ta_ct_equal(g, tf.gpu_evidence_hash, 32) ? PASS : FAIL,
                        true, "SHA-256 of the gpu member as received %s the "
                              "attested GPU evidence hash",
                        ta_ct_equal(g, tf.gpu_evidence_hash, 32) ? "is"
                                                                 : "is not");
    check_tls(v, tf.tls_key_fp, false);
    fact_hex(v, "tls_key_fp", tf.tls_key_fp, 32);
    fact_hex(v, "hpke_key", tf.hpke_key, 32);
}

/* ---- event log and software identity --------------------------------------- */

/* info.tcb_info.event_log, when the entry's log came from elsewhere. */
static char *tcb_info_log(vctx *v, size_t i, size_t *len)
{
    blob ti = field(v, i, TEEATTEST_ENTRY_TCB_INFO);
    if (!ti.p)
        return NULL;
    json_t *o = json_loadb((const char *)ti.p, ti.n, 0, NULL);
    json_t *log = json_object_get(o, "event_log");
    char *text = NULL;
    if (json_is_array(log))
        text = json_dumps(log, JSON_COMPACT);
    else if (json_is_string(log))
        text = strdup(json_string_value(log));
    json_decref(o);
    if (text)
        *len = strlen(text);
    return text;
}

static int replay_matches(const ta_dstack_log *log, const ta_tdx_quote *q,
                          char *bad, size_t cap)
{
    int n_bad = 0;
    bad[0] = '\0';
    for (unsigned k = 0; k < TA_DSTACK_RTMRS; k++) {
        if (ta_ct_equal(log->rtmr[k], ta_tdx_rtmr(q, k), 48))
            continue;
        size_t used = strlen(bad);
        snprintf(bad + used, cap - used, "%sRTMR%u", n_bad ? ", " : "", k);
        n_bad++;
    }
    return n_bad;
}

static bool pinned(const vctx *v, int32_t kind, const uint8_t *val)
{
    size_t k = (size_t)(kind - TEEATTEST_ID_OS_IMAGE_HASH);
    size_t len = ta_identity_len(kind);
    for (size_t j = 0; j < v->pol->n_identities[k]; j++)
        if (ta_ct_equal(v->pol->identities[k] + len * j, val, len))
            return true;
    return false;
}

static void check_pin(vctx *v, int32_t kind, const char *name, bool have,
                      const uint8_t *val)
{
    size_t k = (size_t)(kind - TEEATTEST_ID_OS_IMAGE_HASH);
    if (!v->pol->n_identities[k])
        return;
    char check[48];
    snprintf(check, sizeof check, "identity.%s", name);
    if (!have)
        ta_result_check(v->r, check, FAIL, true,
                        "the policy pins %s, but the event log names none",
                        name);
    else
        ta_result_check(v->r, check, pinned(v, kind, val) ? PASS : FAIL, true,
                        pinned(v, kind, val) ? "%s is one the policy accepts"
                                             : "%s is not one the policy "
                                               "accepts", name);
}

static int check_images(vctx *v, const blob *compose)
{
    uint8_t (*d)[32] = ta_calloc(v->ctx, 64, 32);
    if (!d)
        return ta_error(v->err, TEEATTEST_E_NOMEM, NULL, "out of memory");
    size_t n = 0, unpinned = 0;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    int rc = ta_dstack_compose_images(compose->p, compose->n, d, 64, &n,
                                      &unpinned, &e);
    if (rc == TEEATTEST_E_NOMEM) {
        ta_free(v->ctx, d);
        return ta_error(v->err, rc, NULL, "out of memory");
    }
    size_t stored = n < 64 ? n : 64;
    char *list = ta_malloc(v->ctx, stored * 65 + 1);
    if (list) {
        list[0] = '\0';
        for (size_t k = 0; k < stored; k++) {
            char h[65];
            hex(h, d[k], 32);
            strcat(list, k ? "," : "");
            strcat(list, h);
        }
        ta_result_fact_str(v->r, "images", list);
        ta_free(v->ctx, list);
    }
    if (v->pol->n_identities[TEEATTEST_ID_IMAGE_DIGEST - 1]) {
        size_t bad = 0;
        for (size_t k = 0; k < stored; k++)
            bad += !pinned(v, TEEATTEST_ID_IMAGE_DIGEST, d[k]);
        bool ok = !rc && bad == 0 && unpinned == 0 && n <= 64 && n > 0;
        ta_result_check(v->r, "identity.images", ok ? PASS : FAIL, true,
                        ok ? "all %zu images are pinned to accepted digests"
                           : "%zu of %zu pinned images are not accepted, %zu "
                             "images are not pinned by digest",
                        ok ? n : bad, n, unpinned);
    }
    ta_free(v->ctx, d);
    return TEEATTEST_OK;
}

/* The gpu-attestation event (dstack-util since 2026) binds the complete
 * nvattest output of the boot-time GPU attestation to this VM. */
static void check_gpu_binding(vctx *v, size_t i, const ta_dstack_identity *id)
{
    if (!id->gpu_attestation_len) {
        ta_result_check(v->r, "gpu.binding", SKIP, false,
                        "the event log has no gpu-attestation event: the VM "
                        "does not bind its GPUs at boot");
        return;
    }
    ta_dstack_gpu_event ge;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    if (ta_dstack_gpu_event_parse(id->gpu_attestation, id->gpu_attestation_len,
                                  &ge, &e)) {
        ta_result_check(v->r, "gpu.binding", FAIL, true,
                        "gpu-attestation event: %s", e.message);
        return;
    }
    ta_result_fact_int(v->r, "gpu_attestation_devices", ge.devices);
    ta_result_fact_str(v->r, "gpu_attestation_cc_mode", ge.cc_mode);
    ta_result_fact_str(v->r, "gpu_attestation_devtools",
                       ge.devtools ? "true" : "false");
    fact_hex(v, "gpu_attestation_sha256", ge.evidence_sha256, 32);
    blob att = field(v, i, TEEATTEST_ENTRY_GPU_ATTESTATION);
    if (!att.p) {
        ta_result_check(v->r, "gpu.binding", SKIP, false,
                        "the gpu-attestation event binds dstack's boot-time "
                        "nvattest output, which the entry does not carry "
                        "(gpu_attestation); the GPU evidence is bound to the "
                        "request by its nonce only");
        return;
    }
    bool ok = ta_dstack_gpu_evidence_check(v->ctx, &ge, att.p, att.n) ==
              TEEATTEST_OK;
    ta_result_check(v->r, "gpu.binding", ok ? PASS : FAIL, true,
                    ok ? "SHA-256(gpu_attestation) equals the gpu-attestation "
                         "event's evidence_sha256 (%u devices)"
                       : "SHA-256(gpu_attestation) differs from the "
                         "gpu-attestation event's evidence_sha256: not this "
                         "VM's GPU attestation (%u devices)", ge.devices);
}

/* gpu.binding.devices: after gpu.binding proved that `gpu_attestation` is
 * the document this VM made at boot, every GPU of the per-request evidence
 * must be one the VM attested then (claims[].ueid, nvattest's name for the
 * leaf certificate serial in decimal, the fact gpu[k].serial): GPU evidence
 * signed elsewhere for this nonce is then refused. Runs only when
 * gpu.binding passed and the entry's GPUs were read. */
static void check_gpu_devices(vctx *v, size_t i, const char *prefix)
{
    char name[64];
    int32_t o = SKIP;
    snprintf(name, sizeof name, "%sgpu.binding", prefix);
    if (teeattest_result_find_check(v->r, name, &o, NULL, NULL) ||
        o != PASS)
        return;
    const char *serials[TA_GPU_MAX_GPUS];
    size_t n = 0;
    for (; n < TA_GPU_MAX_GPUS; n++) {
        char key[64];
        snprintf(key, sizeof key, "%sgpu[%zu].serial", prefix, n);
        if (!(serials[n] = teeattest_result_fact(v->r, key)))
            break;
    }
    blob att = field(v, i, TEEATTEST_ENTRY_GPU_ATTESTATION);
    size_t missing, first, claims;
    if (ta_dstack_gpu_attested_devices(att.p, att.n, serials, n, &missing,
                                       &first, &claims))
        ta_result_check(v->r, "gpu.binding.devices", FAIL, true,
                        "the attested gpu_attestation names no GPU "
                        "(claims[].ueid)");
    else if (!n)
        ta_result_check(v->r, "gpu.binding.devices", SKIP, false,
                        "no GPU of the evidence has a readable serial");
    else if (missing)
        ta_result_check(v->r, "gpu.binding.devices", FAIL, true,
                        "%zu of %zu GPUs are not among the %zu this VM "
                        "attested at boot, first gpu[%zu] (serial %.60s): "
                        "evidence from GPUs outside this VM", missing, n,
                        claims, first, serials[first]);
    else
        ta_result_check(v->r, "gpu.binding.devices", PASS, true,
                        "each of the %zu GPUs is one this VM attested at boot "
                        "(claims[].ueid = leaf certificate serial)", n);
}

/* init-script-hash events and, when app_compose is the attested one, its
 * init scripts: every one must be pinned. */
static void check_init_scripts(vctx *v, const ta_dstack_identity *id,
                               const blob *compose, bool compose_ok)
{
    uint8_t cs[TA_DSTACK_INIT_SCRIPTS_MAX][32];
    size_t nc = 0;
    bool have_c = compose_ok &&
                  ta_dstack_compose_init_scripts(v->ctx, compose->p, compose->n,
                                                 cs, &nc, NULL) == TEEATTEST_OK;
    if (id->n_init_scripts) {
        char list[TA_DSTACK_INIT_SCRIPTS_MAX * 65 + 1];
        list[0] = '\0';
        for (size_t k = 0; k < id->n_init_scripts; k++) {
            char h[65];
            hex(h, id->init_script_hashes[k], 32);
            strcat(list, k ? "," : "");
            strcat(list, h);
        }
        ta_result_fact_str(v->r, "init_script_hashes", list);
    }
    if (!v->pol->n_identities[TEEATTEST_ID_INIT_SCRIPT_HASH - 1])
        return;
    size_t bad = 0;
    for (size_t k = 0; k < id->n_init_scripts; k++)
        bad += !pinned(v, TEEATTEST_ID_INIT_SCRIPT_HASH,
                       id->init_script_hashes[k]);
    for (size_t k = 0; have_c && k < nc; k++)
        bad += !pinned(v, TEEATTEST_ID_INIT_SCRIPT_HASH, cs[k]);
    if (!have_c && !id->n_init_scripts)
        ta_result_check(v->r, "identity.init_script_hashes", FAIL, true,
                        "the policy pins init scripts, but neither the event "
                        "log nor an attested app_compose names them");
    else
        ta_result_check(v->r, "identity.init_script_hashes",
                        bad ? FAIL : PASS, true,
                        bad ? "%zu init script hashes are not ones the policy "
                              "accepts"
                            : "all %zu init scripts are ones the policy "
                              "accepts", bad ? bad : (have_c ? nc
                                                             : id->n_init_scripts));
}

static int check_software(vctx *v, size_t i, const ta_tdx_quote *q)
{
    blob log_text = field(v, i, TEEATTEST_ENTRY_EVENT_LOG);
    bool dstack = v->shape == TA_SHAPE_DSTACK ||
                  v->shape == TA_SHAPE_TWO_LAYER || v->shape == TA_SHAPE_ACI;
    v->compose_ok = false;
    if (!log_text.p) {
        bool req = dstack || v->pol->require_event_log;
        ta_result_check(v->r, "eventlog.replay", req ? FAIL : SKIP, req,
                        dstack ? "the entry carries no event log"
                               : "this provider sends no event log: RTMRs "
                                 "are checked only against the policy's "
                                 "pins");
        return TEEATTEST_OK;
    }
    ta_dstack_log log;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    int rc = ta_dstack_log_parse(v->ctx, log_text.p, log_text.n, &log, &e);
    if (rc == TEEATTEST_E_NOMEM)
        return ta_error(v->err, rc, NULL, "out of memory");
    char bad[64];
    const char *source = "event_log";
    if (rc || replay_matches(&log, q, bad, sizeof bad)) {
        /* Spec 5.2: some providers send a log that only the copy inside
         * info.tcb_info replays. */
        size_t alen = 0;
        char *alt = tcb_info_log(v, i, &alen);
        ta_dstack_log log2;
        teeattest_error e2 = TEEATTEST_ERROR_INIT;
        if (alt && ta_dstack_log_parse(v->ctx, (const uint8_t *)alt, alen,
                                       &log2, &e2) == TEEATTEST_OK) {
            if (!replay_matches(&log2, q, bad, sizeof bad)) {
                if (!rc)
                    ta_dstack_log_free(v->ctx, &log);
                log = log2;
                rc = TEEATTEST_OK;
                source = "info.tcb_info.event_log";
            } else {
                ta_dstack_log_free(v->ctx, &log2);
            }
        }
        free(alt);
    }
    if (rc) {
        ta_result_check(v->r, "eventlog.parse", FAIL, true, "%s", e.message);
        return TEEATTEST_OK;
    }
    ta_result_check(v->r, "eventlog.parse", PASS, true,
                    "%zu events from %s (%zu runtime, %zu digests recomputed "
                    "from stripped entries)", log.n, source, log.n_runtime,
                    log.n_stripped);
    if (replay_matches(&log, q, bad, sizeof bad)) {
        ta_result_check(v->r, "eventlog.replay", FAIL, true,
                        "the replayed %s differ from the quote's", bad);
        ta_dstack_log_free(v->ctx, &log);
        return TEEATTEST_OK;
    }
    ta_result_check(v->r, "eventlog.replay", PASS, true,
                    "RTMR0-3 replayed from the event log equal the quote's");
    ta_dstack_identity id;
    e = (teeattest_error)TEEATTEST_ERROR_INIT;
    if (ta_dstack_log_identity(&log, &id, &e)) {
        ta_result_check(v->r, "eventlog.identity", FAIL, true, "%s", e.message);
        ta_dstack_log_free(v->ctx, &log);
        return TEEATTEST_OK;
    }
    ta_result_check(v->r, "eventlog.identity", PASS, true,
                    "identity events of RTMR3 read");
    if (id.has_app_id)
        fact_hex(v, "app_id", id.app_id, 20);
    if (id.has_instance_id)
        fact_hex(v, "instance_id", id.instance_id, 20);
    if (id.has_os_image_hash)
        fact_hex(v, "os_image_hash", id.os_image_hash, 32);
    if (id.key_provider_len) {
        char *kp = ta_strndup(v->ctx, (const char *)id.key_provider,
                              id.key_provider_len);
        if (kp)
            ta_result_fact_str(v->r, "key_provider", kp);
        ta_free(v->ctx, kp);
    }

    if (id.has_gpu_policy_hash)
        fact_hex(v, "gpu_policy_hash", id.gpu_policy_hash, 32);
    check_gpu_binding(v, i, &id);

    blob compose = field(v, i, TEEATTEST_ENTRY_APP_COMPOSE);
    uint8_t ch[32];
    bool compose_ok = false;
    if (!id.has_compose_hash) {
        ta_result_check(v->r, "compose.hash", FAIL, true,
                        "the event log has no compose-hash event");
    } else {
        fact_hex(v, "compose_hash", id.compose_hash, 32);
        if (!compose.p) {
            ta_result_check(v->r, "compose.hash", FAIL, true,
                            "the entry carries no app_compose to check the "
                            "compose-hash event against");
        } else {
            ta_dstack_compose_hash(v->ctx, ch, compose.p, compose.n);
            bool ok = ta_ct_equal(ch, id.compose_hash, 32);
            compose_ok = ok;
            v->compose_ok = ok;
            ta_result_check(v->r, "compose.hash", ok ? PASS : FAIL, true,
                            ok ? "SHA-256(app_compose) equals the "
                                 "compose-hash event"
                               : "SHA-256(app_compose) differs from the "
                                 "compose-hash event: app_compose is not "
                                 "what runs");
            if (ok) {
                rc = check_images(v, &compose);
                if (rc) {
                    ta_dstack_log_free(v->ctx, &log);
                    return rc;
                }
            }
        }
        ta_mr_config_version ver;
        e = (teeattest_error)TEEATTEST_ERROR_INIT;
        int mrc = ta_dstack_mr_config_check(v->ctx, ta_tdx_mrconfigid(q),
                                            id.compose_hash, &id, &ver, &e);
        char *doc = NULL;
        if (ver == TA_MR_CONFIG_V3) {
            e = (teeattest_error)TEEATTEST_ERROR_INIT;
            mrc = ta_dstack_mr_config_v3_check(v->ctx, ta_tdx_mrconfigid(q),
                                               &id, compose.p, compose.n, &doc,
                                               &e);
            if (mrc == TEEATTEST_E_NOMEM) {
                ta_dstack_log_free(v->ctx, &log);
                return ta_error(v->err, mrc, NULL, "out of memory");
            }
            if (doc)
                ta_result_fact_str(v->r, "mr_config_v3", doc);
            ta_free(v->ctx, doc);
        }
        if (mrc == TEEATTEST_OK && ver == TA_MR_CONFIG_V3)
            ta_result_check(v->r, "compose.mr_config_id", PASS, true,
                            "MRCONFIGID (v3) is the hash of the mr_config "
                            "document rebuilt from the verified app_compose "
                            "and RTMR3 events (fact mr_config_v3)");
        else if (mrc == TEEATTEST_OK)
            ta_result_check(v->r, "compose.mr_config_id", PASS, true,
                            "MRCONFIGID (v%d) binds the compose hash",
                            (int)ver);
        else if (mrc == TEEATTEST_E_UNSUPPORTED)
            ta_result_check(v->r, "compose.mr_config_id", SKIP, false, "%s",
                            ver == TA_MR_CONFIG_ZERO
                                ? "MRCONFIGID is zero (not configured): the "
                                  "RTMR3 event is the binding"
                                : "MRCONFIGID v3 is rebuilt from "
                                  "app_compose, which the entry does not "
                                  "carry");
        else
            ta_result_check(v->r, "compose.mr_config_id", FAIL, true, "%s",
                            e.message);
    }
    check_pin(v, TEEATTEST_ID_OS_IMAGE_HASH, "os_image_hash",
              id.has_os_image_hash, id.os_image_hash);
    check_pin(v, TEEATTEST_ID_COMPOSE_HASH, "compose_hash",
              id.has_compose_hash, id.compose_hash);
    check_pin(v, TEEATTEST_ID_APP_ID, "app_id", id.has_app_id, id.app_id);
    check_pin(v, TEEATTEST_ID_GPU_POLICY_HASH, "gpu_policy_hash",
              id.has_gpu_policy_hash, id.gpu_policy_hash);
    check_init_scripts(v, &id, &compose, compose_ok);
    ta_dstack_log_free(v->ctx, &log);
    return TEEATTEST_OK;
}

/* ---- one entry --------------------------------------------------------------- */

static int verify_entry(vctx *v, size_t i, entry_out *eo)
{
    char prefix[32];
    snprintf(prefix, sizeof prefix, "entry[%zu].", i);
    ta_result_set_prefix(v->r, prefix);
    blob role = field(v, i, TEEATTEST_ENTRY_ROLE);
    if (role.p)
        ta_result_fact_str(v->r, "role", (const char *)role.p);
    /* model_name: no evidence binds it. */
    blob model = field(v, i, TEEATTEST_ENTRY_MODEL);
    if (model.p)
        ta_result_fact_unbound_str(v->r, "model", (const char *)model.p);

    blob quote = field(v, i, TEEATTEST_ENTRY_QUOTE);
    ta_tdx_quote q;
    bool have_q = false;
    int rc = TEEATTEST_OK;
    if (!quote.p) {
        ta_result_check(v->r, "tdx.quote.parse", FAIL, true,
                        "the entry carries no TDX quote");
    } else {
        rc = verify_quote(v, quote.p, quote.n);
        have_q = !rc && ta_tdx_quote_parse(&q, quote.p, quote.n, NULL) ==
                            TEEATTEST_OK;
    }
    if (rc)
        return rc;

    uint8_t gpu_nonce[32];
    memcpy(gpu_nonce, v->nonce, 32);
    if (!have_q) {
        ta_result_check(v->r, "binding.report_data", SKIP, true,
                        "no parsable quote to read report_data from");
    } else {
        const uint8_t *rd = ta_tdx_reportdata(&q);
        switch (v->shape) {
        case TA_SHAPE_IONET:
            bind_ionet(v, i, rd);
            break;
        case TA_SHAPE_CHUTES:
            rc = bind_chutes(v, i, rd);
            memcpy(gpu_nonce, rd, 32); /* spec 7.5: the L6 value */
            break;
        case TA_SHAPE_TINFOIL: {
            bind_tinfoil(v, rd);
            const uint8_t *rtmr[4] = {ta_tdx_rtmr(&q, 0), ta_tdx_rtmr(&q, 1),
                                      ta_tdx_rtmr(&q, 2), ta_tdx_rtmr(&q, 3)};
            rc = ta_tinfoil_release_run(v->ctx, v->r, v->pol, v->ev, rtmr,
                                        v->at, v->err);
            if (!rc)
                rc = ta_tinfoil_hardware_run(v->ctx, v->r, v->pol, v->ev,
                                             ta_tdx_mrtd(&q), rtmr[0], v->at,
                                             v->err);
            break;
        }
        case TA_SHAPE_ACI: {
            ta_aci_report_in in = {
                .raw = v->raw, .raw_len = v->raw_len, .rd = rd,
                .nonce = v->has_nonce ? v->nonce : NULL, .spki = v->spki,
                .spki_len = v->spki_len, .host = ta_report_host(v->rep),
                .at = v->at, .pol = v->pol};
            ta_result_set_prefix(v->r, NULL); /* one keyset per report */
            rc = ta_aci_report_checks(v->ctx, v->r, &in, v->err);
            ta_result_set_prefix(v->r, prefix);
            break;
        }
        default:
            bind_dstack(v, i, rd, eo);
            if (!rc)
                rc = bind_compose_manager(v, i, prefix);
            if (!rc)
                rc = bind_ohttp(v, i, eo);
            break;
        }
        if (!rc)
            rc = check_software(v, i, &q);
        if (!rc && v->shape == TA_SHAPE_ACI) {
            blob ac = field(v, i, TEEATTEST_ENTRY_APP_COMPOSE);
            ta_result_set_prefix(v->r, NULL);
            ta_aci_provenance_check(v->r, v->raw, v->raw_len, v->compose_ok,
                                    ac.p, ac.n);
            ta_result_set_prefix(v->r, prefix);
        }
    }
    if (!rc) {
        blob cm = field(v, i, TEEATTEST_ENTRY_COMPOSE_MANAGER);
        blob ac = field(v, i, TEEATTEST_ENTRY_APP_COMPOSE);
        rc = ta_check_model(v->ctx, v->r, v->pol, v->ev, prefix,
                            field_is(v, i, TEEATTEST_ENTRY_ROLE, "gateway"),
                            cm.p, cm.n, ac.p, ac.n, v->err);
        if (!rc)
            rc = ta_provenance_check(v->ctx, v->r, v->pol, v->ev,
                                     have_q && v->compose_ok, ac.p, ac.n,
                                     v->at, v->err);
    }
    if (rc)
        return rc;

    blob gpu = field(v, i, TEEATTEST_ENTRY_GPU_PAYLOAD);
    if (!gpu.p && field_is(v, i, TEEATTEST_ENTRY_ROLE, "gateway")) {
        ta_result_check(v->r, "gpu.present", SKIP, false,
                        "a gateway serves no model: no GPU evidence expected");
    } else if (!gpu.p) {
        ta_result_check(v->r, "gpu.present", v->pol->require_gpu ? FAIL : SKIP,
                        v->pol->require_gpu, "the entry carries no GPU "
                                             "evidence");
    } else if (v->shape == TA_SHAPE_CHUTES && !have_q) {
        ta_result_check(v->r, "gpu.present", PASS, true, "GPU evidence present");
        ta_result_check(v->r, "gpu.nonce", FAIL, true,
                        "no parsable quote: the nonce the GPUs must have "
                        "signed (report_data[0:32]) is unknown");
    } else if (!v->has_nonce && v->shape != TA_SHAPE_CHUTES) {
        ta_result_check(v->r, "gpu.present", PASS, true, "GPU evidence present");
        ta_result_check(v->r, "gpu.nonce", FAIL, true,
                        "no nonce to check the GPU evidence against");
    } else if (i >= TA_EVIDENCE_ENTRIES_MAX) {
        ta_result_check(v->r, "gpu.present", FAIL, true,
                        "more than %u entries", TA_EVIDENCE_ENTRIES_MAX);
    } else {
        ta_result_check(v->r, "gpu.present", PASS, true, "GPU evidence present");
        rc = ta_gpu_verify_into(v->ctx, v->r, gpu.p, gpu.n, gpu_nonce,
                                v->ev->gpu, &v->ev->nras[i].blob,
                                &v->ev->nras[i].fetched, v->user_pol, v->at,
                                v->err);
    }
    if (!rc && gpu.p)
        check_gpu_devices(v, i, prefix);
    if (!rc && eo->signer_bound) {
        ta_result_fact_str(v->r, "signer", eo->signer);
        ta_result_fact_str(v->r, "signing_algo",
                           eo->algo == TEEATTEST_SIG_ED25519 ? "ed25519"
                                                             : "ecdsa");
    }
    ta_result_set_prefix(v->r, NULL);
    return rc;
}

/* ---- report-wide checks ------------------------------------------------------- */

/* A signer as stated, without "0x" (the parser lower-cased it). */
static blob bare_signer(const vctx *v, size_t i)
{
    blob b = field(v, i, TEEATTEST_ENTRY_SIGNING_ADDRESS);
    if (b.p && b.n >= 2 && b.p[0] == '0' && (b.p[1] == 'x' || b.p[1] == 'X'))
        b.p += 2, b.n -= 2;
    return b;
}

static bool blob_eq(blob a, blob b)
{
    return a.p && b.p && a.n == b.n && memcmp(a.p, b.p, a.n) == 0;
}

/* report.entries: the same quote, signer or (Chutes) instance or E2EE
 * key twice is a report no honest provider sends, and would make which entry
 * answers for a signer or instance depend on the order of the array.
 * Returns false after failing it. */
static bool check_distinct(vctx *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        for (size_t j = 0; j < i; j++) {
            const char *what = NULL;
            if (blob_eq(field(v, i, TEEATTEST_ENTRY_QUOTE),
                        field(v, j, TEEATTEST_ENTRY_QUOTE)))
                what = "the same quote";
            else if (blob_eq(bare_signer(v, i), bare_signer(v, j)))
                what = "the same signer";
            else if (v->keys && /* Chutes: the key's lookup name */
                     blob_eq(field(v, i, TEEATTEST_ENTRY_INSTANCE_ID),
                             field(v, j, TEEATTEST_ENTRY_INSTANCE_ID)))
                what = "the same instance_id";
            else if (v->keys && v->keys[i].key && v->keys[j].key &&
                     strcmp(v->keys[i].key, v->keys[j].key) == 0)
                what = "the same E2EE public key";
            if (what) {
                ta_result_check(v->r, "report.entries", FAIL, true,
                                "entries %zu and %zu carry %s: duplicate "
                                "entries are refused", j, i, what);
                return false;
            }
        }
    }
    return true;
}

/* report.consistency: a top level that repeats an entry repeats it
 * exactly, and that entry was verified. Callers and other verifiers read
 * the top-level copy; nothing else here does. What the document says is
 * scanned once when the report is parsed (ta_report_consistency_scan). */
static int check_consistency(vctx *v, size_t n, const bool *todo)
{
    ta_report_consistency scanned;
    const ta_report_consistency *c = ta_report_get_consistency(v->rep);
    if (!c) {
        json_t *root = NULL;
        teeattest_error e = TEEATTEST_ERROR_INIT;
        int rc = ta_json_parse(&root, v->raw, v->raw_len, v->raw_len, &e);
        if (rc == TEEATTEST_E_NOMEM)
            return ta_error(v->err, rc, NULL, "out of memory");
        ta_report_consistency_scan(rc ? NULL : root, n, &scanned);
        json_decref(root);
        c = &scanned;
    }
    if (!c->applies)
        return TEEATTEST_OK;
    size_t k = c->k;
    if (k >= n) {
        ta_result_check(v->r, "report.consistency", FAIL, true,
                        c->has_quote
                            ? "the top-level quote is none of the entries'"
                            : "the top level repeats %zu entry fields but no "
                              "quote that names the entry", c->repeated);
    } else if (!todo[k]) {
        ta_result_check(v->r, "report.consistency", FAIL, true,
                        "the top level repeats all_attestations[%zu], which "
                        "was not verified", k);
    } else if (c->bad) {
        ta_result_check(v->r, "report.consistency", FAIL, true,
                        "top-level %s differs from all_attestations[%zu]'s",
                        c->bad, k);
    } else {
        ta_result_check(v->r, "report.consistency", PASS, true,
                        "the %zu top-level fields equal "
                        "all_attestations[%zu]'s", c->repeated, k);
    }
    return TEEATTEST_OK;
}

/* ---- entry point -------------------------------------------------------------- */

static int verify_report(vctx *v, size_t entry)
{
    size_t n = teeattest_report_entry_count(v->rep);
    if (n == 0) {
        ta_result_check(v->r, "report.entries", FAIL, true,
                        "the report holds no attestation entry");
        return TEEATTEST_OK;
    }
    /* Two layers: the gateway vouches for the route to the model, so a
     * chosen model entry is verified together with it. */
    bool *todo = ta_calloc(v->ctx, n, sizeof *todo);
    entry_out *outs = ta_calloc(v->ctx, n, sizeof *outs);
    if (!todo || !outs) {
        ta_free(v->ctx, todo);
        ta_free(v->ctx, outs);
        return ta_error(v->err, TEEATTEST_E_NOMEM, NULL, "out of memory");
    }
    if (v->shape == TA_SHAPE_CHUTES) {
        int krc = chutes_keys(v, n);
        if (krc) {
            chutes_keys_free(v, n);
            ta_free(v->ctx, todo);
            ta_free(v->ctx, outs);
            return krc;
        }
    }
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        todo[i] = entry == TEEATTEST_ENTRY_ALL || i == entry ||
                  (v->shape == TA_SHAPE_TWO_LAYER &&
                   field_is(v, i, TEEATTEST_ENTRY_ROLE, "gateway"));
        count += todo[i];
    }
    if (check_distinct(v, n))
        ta_result_check(v->r, "report.entries", PASS, true,
                        "%zu of %zu entries verified", count, n);
    ta_result_fact_int(v->r, "entries", (int64_t)n);
    if (v->has_nonce) {
        ta_result_fact_str(v->r, "nonce", v->nonce_hex);
        ta_result_check(v->r, "report.freshness", PASS, true,
                        "every entry must bind the nonce sent (%s)",
                        v->nonce_hex);
    } else {
        ta_result_check(v->r, "report.freshness", FAIL, true,
                        "no nonce is known for this report: it may be "
                        "replayed or cached");
    }
    if (v->pol->max_report_age) {
        int64_t t = ta_report_captured_at(v->rep);
        if (!t)
            ta_result_check(v->r, "report.age", FAIL, true,
                            "the time the report was captured is unknown");
        else
            ta_result_check(v->r, "report.age",
                            v->at - t <= (int64_t)v->pol->max_report_age
                                ? PASS : FAIL, true,
                            "captured %lld s before the verification time "
                            "(limit %u s)", (long long)(v->at - t),
                            v->pol->max_report_age);
    }
    int rc = TEEATTEST_OK;
    for (size_t i = 0; !rc && i < n; i++)
        if (todo[i])
            rc = verify_entry(v, i, &outs[i]);
    if (!rc)
        rc = check_consistency(v, n, todo);

    /* The identity a caller checks response signatures against. */
    size_t pick = n;
    if (!rc) {
        if (entry != TEEATTEST_ENTRY_ALL) {
            pick = entry;
        } else if (v->shape == TA_SHAPE_TWO_LAYER) {
            size_t models = 0;
            for (size_t i = 0; i < n; i++)
                if (field_is(v, i, TEEATTEST_ENTRY_ROLE, "model"))
                    models++, pick = i;
            if (models != 1)
                pick = n;
        } else if (n == 1) {
            pick = 0;
        }
        if (pick < n && outs[pick].signer_bound) {
            ta_result_fact_str(v->r, "signer", outs[pick].signer);
            ta_result_fact_str(v->r, "signing_algo",
                               outs[pick].algo == TEEATTEST_SIG_ED25519
                                   ? "ed25519" : "ecdsa");
        }
        for (size_t i = 0; v->shape == TA_SHAPE_TWO_LAYER && i < n; i++)
            if (outs[i].signer_bound &&
                field_is(v, i, TEEATTEST_ENTRY_ROLE, "gateway"))
                ta_result_fact_str(v->r, "signer.gateway", outs[i].signer);
    }
    chutes_keys_free(v, n);
    ta_free(v->ctx, todo);
    ta_free(v->ctx, outs);
    return rc;
}

int ta_report_verify_into(teeattest_ctx *ctx, teeattest_result *r,
                          const teeattest_report *report, size_t entry,
                          teeattest_evidence *ev,
                          const teeattest_policy *policy,
                          const uint8_t *nonce, teeattest_error *err)
{
    struct teeattest_policy defaults;
    if (!policy) {
        memset(&defaults, 0, sizeof defaults);
        ta_policy_defaults(&defaults);
    }
    vctx v;
    memset(&v, 0, sizeof v);
    v.ctx = ctx;
    v.r = r;
    v.rep = report;
    v.pol = policy ? policy : &defaults;
    v.user_pol = policy;
    v.at = v.pol->time != TA_TIME_NOW ? v.pol->time
                                             : teeattest_ctx_now(ctx);
    v.err = err;
    v.shape = ta_report_get_shape(report);
    teeattest_report_raw(report, &v.raw, &v.raw_len);
    if (nonce) {
        memcpy(v.nonce, nonce, 32);
        v.has_nonce = true;
    } else {
        v.has_nonce = teeattest_report_nonce(report, v.nonce, TEEATTEST_NONCE_SIZE, NULL) == TEEATTEST_OK;
    }
    hex(v.nonce_hex, v.nonce, 32);
    v.ev = ev;
    if (ev->tls_spki.data) {
        v.spki = ev->tls_spki.data;
        v.spki_len = ev->tls_spki.len;
    } else if (teeattest_report_tls_spki(report, &v.spki, &v.spki_len, NULL) !=
                   TEEATTEST_OK || !v.spki_len) {
        v.spki = NULL;
        v.spki_len = 0;
    }
    int rc = verify_report(&v, entry);
    ta_result_set_prefix(r, NULL);
    return rc;
}

TEEATTEST_API int teeattest_report_verify(teeattest_ctx *ctx,
                                          teeattest_result **out,
                                          const teeattest_report *report,
                                          size_t entry,
                                          teeattest_evidence *ev,
                                          const teeattest_policy *policy,
                                          const uint8_t *nonce,
                                          size_t nonce_len,
                                          teeattest_error *err)
{
    if (out)
        *out = NULL;
    if (!ctx || !out || !report)
        return TA_INVALID(err, !ctx ? "ctx is NULL" : !out ? "out is NULL"
                                                           : "report is NULL");
    if (nonce && nonce_len != TEEATTEST_NONCE_SIZE)
        return ta_error(err, TEEATTEST_E_INVALID_ARG, "nonce",
                        "the nonce must be %u bytes, got %zu",
                        TEEATTEST_NONCE_SIZE, nonce_len);
    if ((ev && ev->ctx != ctx) || (policy && policy->ctx != ctx))
        return TA_INVALID(err, "the evidence or policy belongs to another "
                               "context");
    if (entry != TEEATTEST_ENTRY_ALL &&
        entry >= teeattest_report_entry_count(report))
        return ta_error(err, TEEATTEST_E_INVALID_ARG, "entry",
                        "entry %zu out of range (the report has %zu)", entry,
                        teeattest_report_entry_count(report));
    teeattest_evidence *tmp = NULL;
    if (!ev) {
        int rc = teeattest_evidence_new(ctx, &tmp, err);
        if (rc)
            return rc;
        ev = tmp;
    }
    teeattest_result *r = NULL;
    int rc = ta_result_new(ctx, &r);
    if (rc) {
        teeattest_evidence_free(tmp);
        return ta_error(err, rc, NULL, "allocating the result");
    }
    rc = ta_report_verify_into(ctx, r, report, entry, ev, policy, nonce, err);
    if (!rc)
        rc = ta_result_finish(r, err);
    teeattest_evidence_free(tmp);
    if (rc) {
        teeattest_result_free(r);
        return rc;
    }
    *out = r;
    return TEEATTEST_OK;
}
