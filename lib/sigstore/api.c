/*
 * teeattest_sigstore_verify_bundle (include/teeattest/sigstore.h).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>

#include "sigstore.h"

int ta_ss_verify_bundle_at(teeattest_ctx *ctx, teeattest_result **out,
                           const uint8_t *bundle, size_t bundle_len,
                           const uint8_t *trusted_root,
                           size_t trusted_root_len, const uint8_t *artifact,
                           size_t artifact_len,
                           const uint8_t *artifact_sha256,
                           const char *identity, const char *issuer,
                           uint32_t flags, const uint8_t *key_pem,
                           size_t key_pem_len, int64_t now,
                           teeattest_error *err)
{
    if (out)
        *out = NULL;
    if (!ctx || !out || !bundle || (!trusted_root && trusted_root_len))
        return TA_INVALID(err, "ctx, out, bundle, and trusted_root or "
                               "trusted_root_len 0");
    if (!artifact && !artifact_sha256)
        return TA_INVALID(err, "artifact or artifact_sha256");
    if (flags & ~(uint32_t)(TEEATTEST_SIGSTORE_IDENTITY_REGEXP |
                            TEEATTEST_SIGSTORE_ISSUER_REGEXP))
        return TA_INVALID(err, "flags");
    if (!key_pem && (!identity || !issuer))
        return TA_INVALID(err, "identity and issuer, or key_pem");
    teeattest_result *r = NULL;
    int rc = ta_result_new(ctx, &r);
    if (rc)
        return ta_error(err, rc, NULL, "allocating the result");
    ta_ss_root *root = NULL;
    ta_ss_bundle *b = NULL;
    ta_ss_key key = {0};
    teeattest_error e = TEEATTEST_ERROR_INIT;
    bool ok = true;
    /* NULL: the shipped default (data/sigstore/README.md). */
    if (ta_ss_root_load(ctx, &root, trusted_root, trusted_root_len, &e)) {
        ta_result_check(r, "sigstore.trusted_root", TEEATTEST_OUTCOME_FAIL,
                        true, "%s%s", trusted_root ? "" : "the shipped "
                        "default: ", e.message);
        ok = false;
    } else {
        ta_result_check(r, "sigstore.trusted_root", TEEATTEST_OUTCOME_PASS,
                        true, "%s%s: %zu CA(s), %zu log(s), %zu CT log(s), "
                        "%zu TSA(s)", root->is_default ? "" : "given ",
                        ta_ss_root_name(root), root->n_cas, root->n_tlogs,
                        root->n_ctlogs, root->n_tsas);
    }
    e = (teeattest_error)TEEATTEST_ERROR_INIT;
    if (ta_ss_bundle_parse(ctx, &b, bundle, bundle_len, &e)) {
        ta_result_check(r, "sigstore.bundle", TEEATTEST_OUTCOME_FAIL, true,
                        "%s", e.message);
        ok = false;
    } else {
        ta_result_check(r, "sigstore.bundle", TEEATTEST_OUTCOME_PASS, true,
                        "bundle v0.%d, %s, %zu log entr%s", b->minor,
                        b->dsse ? "DSSE envelope" : "message signature",
                        b->n_entries, b->n_entries == 1 ? "y" : "ies");
    }
    if (ok && key_pem) {
        ta_ss_blob der;
        if (ta_ss_pem(ctx, key_pem, key_pem_len, "PUBLIC KEY", &der) ||
            ta_ss_key_from_spki(ctx, &key, der.p, der.len) ||
            key.kind == TA_SS_KEY_OTHER) {
            ta_result_check(r, "sigstore.key", TEEATTEST_OUTCOME_FAIL, true,
                            "the given key is not a PEM P-256, P-384 or "
                            "Ed25519 public key");
            ok = false;
        }
        ta_ss_blob_free(ctx, &der);
    }
    if (ok) {
        bool id_re = flags & TEEATTEST_SIGSTORE_IDENTITY_REGEXP;
        bool is_re = flags & TEEATTEST_SIGSTORE_ISSUER_REGEXP;
        ta_ss_policy pol = {
            .identity = id_re ? NULL : identity,
            .identity_re = id_re ? identity : NULL,
            .issuer = is_re ? NULL : issuer,
            .issuer_re = is_re ? issuer : NULL,
            .key = key_pem ? &key : NULL,
            .artifact = artifact,
            .artifact_len = artifact_len,
            .digest = artifact_sha256,
            .now = now,
        };
        ta_ss_verify(ctx, root, b, &pol, r);
    }
    ta_ss_key_clear(ctx, &key);
    ta_ss_root_free(ctx, root);
    ta_ss_bundle_free(ctx, b);
    rc = ta_result_finish(r, err);
    if (rc) {
        teeattest_result_free(r);
        return rc;
    }
    *out = r;
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_sigstore_verify_bundle(
    teeattest_ctx *ctx, teeattest_result **out, const uint8_t *bundle,
    size_t bundle_len, const uint8_t *trusted_root, size_t trusted_root_len,
    const uint8_t *artifact, size_t artifact_len,
    const uint8_t *artifact_sha256, const char *identity, const char *issuer,
    uint32_t flags, const uint8_t *key_pem, size_t key_pem_len,
    teeattest_error *err)
{
    return ta_ss_verify_bundle_at(ctx, out, bundle, bundle_len, trusted_root,
                                  trusted_root_len, artifact, artifact_len,
                                  artifact_sha256, identity, issuer, flags,
                                  key_pem, key_pem_len,
                                  ctx ? ta_now_ms(ctx) / 1000 : 0, err);
}
