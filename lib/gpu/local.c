/*
 * Local verification of NVIDIA GPU evidence (spec section 7 steps 1-6 and
 * 10): per GPU the SPDM report, the device chain to the pinned NVIDIA
 * Device Identity CA at an injected time, the SPDM signature, the requester
 * nonce and the FWID binding; across GPUs duplicate devices and the count.
 * RIMs and OCSP are separate layers that consume ta_gpu_outcome.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <string.h>


#include "../crypto/crypto.h"
#include "../crypto/x509.h"
#include "gpu.h"

typedef struct lstate {
    teeattest_result *r;
    ta_checks rec; /* the checks, and what failed */
} lstate;

/* Every check goes through the core recorder (details cut at 899 bytes). */
#define check(s, name, outcome, required, ...) \
    ta_checks_add(&(s)->rec, (name), (outcome), (required), __VA_ARGS__)

#define PASS(s, n, ...) check((s), (n), TEEATTEST_OUTCOME_PASS, true, __VA_ARGS__)
#define FAIL(s, n, ...) check((s), (n), TEEATTEST_OUTCOME_FAIL, true, __VA_ARGS__)
#define WARN(s, n, ...) check((s), (n), TEEATTEST_OUTCOME_WARN, true, __VA_ARGS__)
#define SKIP(s, n, ...) check((s), (n), TEEATTEST_OUTCOME_SKIP, true, __VA_ARGS__)

static void fact(lstate *s, size_t i, const char *key, const char *val)
{
    if (!s->r || !val || !val[0])
        return;
    char k[64];
    snprintf(k, sizeof k, "gpu[%zu].%s", i, key);
    ta_result_fact_str(s->r, k, val);
}

static const char *cname(char *buf, size_t cap, size_t i, const char *what)
{
    snprintf(buf, cap, "gpu[%zu].%s", i, what);
    return buf;
}

static ta_gpu_arch arch_of_cn(const char *cn)
{
    if (strncmp(cn, "GH100 ", 6) == 0)
        return TA_GPU_ARCH_HOPPER;
    if (cn[0] == 'G' && cn[1] == 'B' && cn[2] >= '1' && cn[2] <= '2')
        return TA_GPU_ARCH_BLACKWELL;
    return TA_GPU_ARCH_UNKNOWN;
}

/* Leaf certificate facts: serial in decimal, P-384 public key. Returns
 * 0, or -1 with `why` set. */
static int leaf_info(const teeattest_ctx *ctx, const ta_gpu_certs *c,
                     ta_gpu_device *d, uint8_t pub[97], bool *has_pub,
                     const char **why)
{
    *has_pub = false;
    ta_x509 *crt = NULL;
    int rc = ta_x509_parse_der(ctx, &crt, c->der[0], c->der_len[0], NULL);
    if (rc) {
        *why = rc == TEEATTEST_E_NOMEM ? "leaf certificate: out of memory"
                                       : "leaf certificate does not parse";
        return -1;
    }
    char cn[64];
    ta_x509_cn(crt, false, cn, sizeof cn);
    d->arch = arch_of_cn(cn);
    d->serial[0] = 0;
    (void)ta_x509_serial_dec(crt, d->serial, sizeof d->serial);
    rc = ta_x509_ec_point(crt, TEEATTEST_CURVE_P384, pub, 97);
    ta_x509_free(crt);
    if (rc == TEEATTEST_E_UNSUPPORTED) {
        *why = "leaf key is not EC P-384";
        return -1;
    }
    if (rc) {
        *why = "leaf public key cannot be encoded";
        return -1;
    }
    *has_pub = true;
    return 0;
}

static void cn_of(const teeattest_ctx *ctx, const uint8_t *der, size_t len,
                  char *out, size_t cap)
{
    out[0] = 0;
    ta_x509 *crt = NULL;
    if (ta_x509_parse_der(ctx, &crt, der, len, NULL) == TEEATTEST_OK)
        ta_x509_cn(crt, false, out, cap);
    ta_x509_free(crt);
}

static void flags_text(uint32_t f, char *out, size_t cap)
{
    static const struct { uint32_t bit; const char *name; } names[] = {
        {TEEATTEST_X509_NOT_TRUSTED, "not trusted"},
        {TEEATTEST_X509_BAD_SIGNATURE, "bad signature"},
        {TEEATTEST_X509_EXPIRED, "expired"},
        {TEEATTEST_X509_NOT_YET_VALID, "not yet valid"},
        {TEEATTEST_X509_REVOKED, "revoked"},
        {TEEATTEST_X509_BAD_FORMAT, "malformed"},
        {TEEATTEST_X509_OTHER, "other"},
    };
    size_t n = 0;
    out[0] = 0;
    for (size_t i = 0; i < TA_ARRAY_LEN(names); i++)
        if ((f & names[i].bit) && n < cap)
            n += (size_t)snprintf(out + n, cap - n, "%s%s", n ? ", " : "",
                                  names[i].name);
    if (!out[0])
        snprintf(out, cap, "flags 0x%x", (unsigned)f);
}

static void verify_chain(teeattest_ctx *ctx, lstate *s, size_t i,
                         ta_gpu_device *d, int64_t at, const char *cert_err)
{
    char name[48];
    cname(name, sizeof name, i, "cert_chain");
    const ta_gpu_certs *c = &d->certs;
    if (cert_err) {
        FAIL(s, name, "certificate chain unusable: %s", cert_err);
        return;
    }
    if (c->n != TA_GPU_CHAIN_LEN) {
        FAIL(s, name, "%zu certificates, expected %u (leaf, BROM, "
             "provisioner ICA, product CA, root)", c->n, TA_GPU_CHAIN_LEN);
        return;
    }
    const size_t last = TA_GPU_CHAIN_LEN - 1;
    if (c->der_len[last] != ta_gpu_device_root_der_len ||
        memcmp(c->der[last], ta_gpu_device_root_der,
               ta_gpu_device_root_der_len) != 0) {
        FAIL(s, name, "the chain's root is not the pinned NVIDIA Device "
             "Identity CA");
        return;
    }
    const uint8_t *root = ta_gpu_device_root_der;
    size_t root_len = ta_gpu_device_root_der_len;
    uint32_t flags = 0;
    int rc = ta_x509_verify_chain(ctx, &flags,
                                  (const uint8_t *const *)c->der, c->der_len,
                                  last, &root, &root_len, 1, NULL, NULL, 0, at);
    if (rc != TEEATTEST_OK) {
        char f[160];
        flags_text(flags, f, sizeof f);
        FAIL(s, name, "chain does not verify to the pinned NVIDIA Device "
             "Identity CA: %s (rc %d)", f, rc);
        return;
    }
    if (d->arch == TA_GPU_ARCH_UNKNOWN) {
        FAIL(s, name, "leaf certificate CN names no known GPU architecture");
        return;
    }
    d->chain_ok = true;
    PASS(s, name, "5 certificates chain to the pinned NVIDIA Device Identity "
         "CA (%s)", ta_gpu_arch_name(d->arch));
}

static void verify_signature(teeattest_ctx *ctx, lstate *s, size_t i,
                             ta_gpu_device *d, const uint8_t *pub, bool has_pub,
                             const char *why)
{
    char name[48];
    cname(name, sizeof name, i, "spdm.signature");
    if (!d->spdm.raw) {
        SKIP(s, name, "evidence did not parse");
        return;
    }
    if (!has_pub) {
        SKIP(s, name, "no usable leaf key: %s", why ? why : "no certificate");
        return;
    }
    uint8_t digest[48];
    int rc = ta_hash(ctx, TEEATTEST_HASH_SHA384, digest, sizeof digest,
                     d->spdm.raw, d->spdm.signed_len);
    if (rc == TEEATTEST_OK)
        rc = ta_ecdsa_verify(ctx, TEEATTEST_CURVE_P384, pub, 97, digest,
                             sizeof digest, d->spdm.signature, TA_GPU_SIG_LEN);
    if (rc == TEEATTEST_OK) {
        d->signature_ok = true;
        PASS(s, name, "ECDSA P-384/SHA-384 over request and response (%zu "
             "bytes) verifies with the leaf key", d->spdm.signed_len);
    } else if (rc == TEEATTEST_E_VERIFY_FAILED) {
        FAIL(s, name, "SPDM signature does not verify with the leaf key");
    } else {
        FAIL(s, name, "SPDM signature could not be checked (rc %d)", rc);
    }
}

static void verify_nonce(lstate *s, size_t i, ta_gpu_device *d,
                         const uint8_t *expected, const char *claim_item,
                         const char *claim_top)
{
    char name[48];
    cname(name, sizeof name, i, "nonce");
    if (!d->spdm.raw) {
        SKIP(s, name, "evidence did not parse");
        return;
    }
    char got[2 * TA_GPU_NONCE_LEN + 1];
    ta_hex_encode(got, d->spdm.requester_nonce, TA_GPU_NONCE_LEN);
    if (!expected) {
        SKIP(s, name, "no expected GPU nonce given (evidence nonce %s)", got);
        return;
    }
    if (!ta_ct_equal(d->spdm.requester_nonce, expected, TA_GPU_NONCE_LEN)) {
        char want[2 * TA_GPU_NONCE_LEN + 1];
        ta_hex_encode(want, expected, TA_GPU_NONCE_LEN);
        FAIL(s, name, "SPDM requester nonce %s differs from the expected %s",
             got, want);
        return;
    }
    d->nonce_ok = true;
    /* The JSON nonce fields are unsigned claims (spec 6): a difference is
     * worth reporting but the signed bytes decide. */
    const char *claims[2] = {claim_item, claim_top};
    for (int k = 0; k < 2; k++) {
        const char *c = claims[k];
        uint8_t v[TA_GPU_NONCE_LEN];
        if (!c)
            continue;
        if (ta_hex_decode_exact(v, sizeof v, c, strlen(c), true) != 0 ||
            memcmp(v, expected, sizeof v) != 0) {
            WARN(s, name, "SPDM requester nonce equals the expected nonce, "
                 "but the payload's unsigned %s nonce claim differs",
                 k ? "top-level" : "per-evidence");
            return;
        }
    }
    PASS(s, name, "SPDM requester nonce equals the expected nonce");
}

static void verify_fwid(const teeattest_ctx *ctx, lstate *s, size_t i,
                        ta_gpu_device *d)
{
    char name[48];
    cname(name, sizeof name, i, "fwid");
    if (!d->spdm.raw) {
        SKIP(s, name, "evidence did not parse");
        return;
    }
    if (!d->spdm.has_fwid) {
        /* Drivers up to 545 report no FWID; NVIDIA's verifiers skip. */
        d->fwid_ok = true;
        check(s, name, TEEATTEST_OUTCOME_SKIP, false,
              "evidence has no FWID opaque field (older driver)");
        return;
    }
    if (!d->certs.n) {
        SKIP(s, name, "no leaf certificate");
        return;
    }
    teeattest_error e = TEEATTEST_ERROR_INIT;
    int rc = ta_gpu_leaf_fwid(ctx, d->certs.der[0], d->certs.der_len[0],
                              d->cert_fwid, &d->cert_fwid_form, &e);
    if (rc != TEEATTEST_OK) {
        FAIL(s, name, "opaque FWID present but the leaf certificate's is "
             "unusable: %s", e.message);
        return;
    }
    d->has_cert_fwid = true;
    d->fwid_checked = true;
    const char *form = d->cert_fwid_form == TA_GPU_FWID_BLACKWELL
                           ? "DiceTcbInfo 2.23.133.5.4.1.1"
                           : "2.23.133.5.4.1";
    char hex[2 * TA_GPU_FWID_LEN + 1];
    ta_hex_encode(hex, d->spdm.fwid, TA_GPU_FWID_LEN);
    if (memcmp(d->cert_fwid, d->spdm.fwid, TA_GPU_FWID_LEN) != 0) {
        char chex[2 * TA_GPU_FWID_LEN + 1];
        ta_hex_encode(chex, d->cert_fwid, TA_GPU_FWID_LEN);
        FAIL(s, name, "opaque FWID %s differs from the leaf certificate's "
             "(%s) %s", hex, form, chex);
        return;
    }
    d->fwid_ok = true;
    PASS(s, name, "opaque FWID equals the leaf certificate's (%s) %s", form,
         hex);
}

static void verify_one(teeattest_ctx *ctx, lstate *s, size_t i,
                       const ta_gpu_payload *pl, ta_gpu_device *d,
                       const uint8_t *expected, int64_t at)
{
    const ta_gpu_item *it = &pl->items[i];
    char name[48];
    teeattest_error e = TEEATTEST_ERROR_INIT;

    uint8_t *raw = NULL;
    size_t raw_len = 0;
    int rc = ta_gpu_evidence_decode(ctx, it->evidence, it->evidence_len, &raw,
                                    &raw_len, &e);
    if (rc == TEEATTEST_OK) {
        rc = ta_gpu_spdm_parse(ctx, raw, raw_len, &d->spdm, &e);
        ta_free(ctx, raw);
    }
    cname(name, sizeof name, i, "evidence.parse");
    if (rc == TEEATTEST_OK)
        PASS(s, name, "SPDM 1.1 report of %zu bytes: %zu measurement blocks, "
             "%zu opaque fields", d->spdm.len, d->spdm.n_blocks,
             d->spdm.n_fields);
    else
        FAIL(s, name, "%s", e.message);

    teeattest_error ce = TEEATTEST_ERROR_INIT;
    const char *cert_err = NULL;
    if (ta_gpu_certs_parse(ctx, it->certificate, it->certificate_len,
                           &d->certs, &ce) != TEEATTEST_OK)
        cert_err = ce.message;
    uint8_t pub[97];
    bool has_pub = false;
    const char *why = cert_err;
    if (!cert_err && leaf_info(ctx, &d->certs, d, pub, &has_pub, &why) != 0 &&
        !why)
        why = "leaf certificate unusable";
    if (d->certs.n > 1)
        cn_of(ctx, d->certs.der[1], d->certs.der_len[1], d->hwmodel,
              sizeof d->hwmodel);
    if (d->arch == TA_GPU_ARCH_UNKNOWN && !d->certs.n)
        d->arch = ta_gpu_arch_from_name(it->arch ? it->arch : pl->arch);
    d->parsed = d->spdm.raw && d->certs.n;

    verify_chain(ctx, s, i, d, at, cert_err ? cert_err :
                 (!has_pub ? why : NULL));
    verify_signature(ctx, s, i, d, pub, has_pub, why);
    verify_nonce(s, i, d, expected, it->nonce, pl->nonce);
    verify_fwid(ctx, s, i, d);

    if (d->spdm.raw && d->arch != TA_GPU_ARCH_UNKNOWN)
        (void)ta_gpu_driver_rim_id(&d->spdm, d->arch, d->driver_rim_id,
                                   sizeof d->driver_rim_id);
    if (d->spdm.raw)
        (void)ta_gpu_vbios_rim_id(&d->spdm, d->vbios_rim_id,
                                  sizeof d->vbios_rim_id);
    fact(s, i, "arch", ta_gpu_arch_name(d->arch));
    fact(s, i, "driver_version", d->spdm.driver_version);
    fact(s, i, "vbios_version", d->spdm.vbios_version);
    fact(s, i, "serial", d->serial);
    fact(s, i, "hwmodel", d->hwmodel);
    fact(s, i, "driver_rim_id", d->driver_rim_id);
    fact(s, i, "vbios_rim_id", d->vbios_rim_id);
}

/* Spec 7 step 10: one system, one architecture, no SPT/MPT mix. */
static void verify_consistency(lstate *s, const ta_gpu_outcome *o)
{
    ta_gpu_arch arch = TA_GPU_ARCH_UNKNOWN;
    int flag = -2;
    for (size_t i = 0; i < o->n; i++) {
        const ta_gpu_device *d = &o->gpus[i];
        if (d->arch != TA_GPU_ARCH_UNKNOWN) {
            if (arch != TA_GPU_ARCH_UNKNOWN && arch != d->arch) {
                FAIL(s, "gpu.consistency", "GPUs of different architectures "
                     "(%s and %s) in one payload", ta_gpu_arch_name(arch),
                     ta_gpu_arch_name(d->arch));
                return;
            }
            arch = d->arch;
        }
        if (d->spdm.raw && d->spdm.feature_flag >= 0) {
            if (flag != -2 && flag != d->spdm.feature_flag) {
                FAIL(s, "gpu.consistency", "GPUs report different "
                     "FEATURE_FLAG values (%d and %d)", flag,
                     d->spdm.feature_flag);
                return;
            }
            flag = d->spdm.feature_flag;
        }
    }
    PASS(s, "gpu.consistency", "one architecture (%s)%s",
         ta_gpu_arch_name(arch),
         flag >= 0 ? ", one FEATURE_FLAG" : "");
}

static void verify_duplicates(lstate *s, const ta_gpu_outcome *o)
{
    for (size_t i = 0; i < o->n; i++) {
        if (!o->gpus[i].serial[0])
            continue;
        for (size_t j = i + 1; j < o->n; j++)
            if (strcmp(o->gpus[i].serial, o->gpus[j].serial) == 0) {
                FAIL(s, "gpu.duplicates", "gpu[%zu] and gpu[%zu] carry the "
                     "same leaf certificate serial %s (one device reported "
                     "twice)", i, j, o->gpus[i].serial);
                return;
            }
    }
    size_t missing = 0;
    for (size_t i = 0; i < o->n; i++)
        missing += !o->gpus[i].serial[0];
    if (missing)
        SKIP(s, "gpu.duplicates", "%zu GPU(s) have no readable leaf serial",
             missing);
    else
        PASS(s, "gpu.duplicates", "%zu distinct leaf serials", o->n);
}

void ta_gpu_outcome_free(ta_gpu_outcome *out)
{
    if (!out)
        return;
    for (size_t i = 0; i < out->n; i++) {
        ta_gpu_spdm_free(&out->gpus[i].spdm);
        ta_gpu_certs_free(&out->gpus[i].certs);
    }
    if (out->ctx)
        ta_free(out->ctx, out->gpus);
    memset(out, 0, sizeof *out);
}

int ta_gpu_verify_local(teeattest_ctx *ctx, const uint8_t *payload,
                        size_t len, const uint8_t *expected_nonce,
                        size_t nonce_len, size_t min_gpus, int64_t at,
                        teeattest_result *r, ta_gpu_outcome *out,
                        teeattest_error *err)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!ctx || (!payload && len))
        return TA_INVALID(err, "payload");
    if (expected_nonce && nonce_len != TA_GPU_NONCE_LEN)
        return ta_error(err, TEEATTEST_E_INVALID_ARG, "gpu.nonce",
                        "expected GPU nonce must be %u bytes, got %zu",
                        TA_GPU_NONCE_LEN, nonce_len);
    if (min_gpus == 0)
        min_gpus = 1;
    lstate s = {r, {r, 900, NULL, NULL, false, false}};
    ta_gpu_outcome o = {ctx, NULL, 0, false};

    ta_gpu_payload *pl = NULL;
    teeattest_error pe = TEEATTEST_ERROR_INIT;
    int rc = ta_gpu_payload_parse(ctx, payload, len, &pl, &pe);
    if (rc == TEEATTEST_E_NOMEM)
        return ta_error(err, rc, "gpu.payload", "out of memory");
    if (rc != TEEATTEST_OK) {
        FAIL(&s, "gpu.payload", "not an NVIDIA GPU evidence payload: %s",
             pe.message);
        if (r)
            ta_result_fact_int(r, "gpu.count", 0);
        FAIL(&s, "gpu.count", "0 GPUs, at least %zu required", min_gpus);
        if (out)
            *out = o;
        return TEEATTEST_OK;
    }
    o.gpus = ta_calloc(ctx, pl->n, sizeof *o.gpus);
    if (!o.gpus) {
        ta_gpu_payload_free(pl);
        return ta_error(err, TEEATTEST_E_NOMEM, "gpu", "out of memory");
    }
    o.n = pl->n;
    for (size_t i = 0; i < pl->n; i++)
        verify_one(ctx, &s, i, pl, &o.gpus[i], expected_nonce, at);
    ta_gpu_payload_free(pl);

    verify_consistency(&s, &o);
    verify_duplicates(&s, &o);
    if (r)
        ta_result_fact_int(r, "gpu.count", (int64_t)o.n);
    if (o.n >= min_gpus)
        PASS(&s, "gpu.count", "%zu GPU(s), at least %zu required", o.n,
             min_gpus);
    else
        FAIL(&s, "gpu.count", "%zu GPU(s), at least %zu required", o.n,
             min_gpus);
    o.all_passed = !s.rec.failed && !s.rec.req_skip;
    if (out)
        *out = o;
    else
        ta_gpu_outcome_free(&o);
    return TEEATTEST_OK;
}
