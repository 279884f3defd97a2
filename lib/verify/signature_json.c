/*
 * A parsed signature record written back as a signature-endpoint JSON
 * record, whatever form it was parsed from (endpoint JSON, io.net headers,
 * separate fields), so that captures can be saved in one re-parsable form.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>

#include "verify.h"

TEEATTEST_API int teeattest_signature_to_json(const teeattest_signature *sig,
                                              char *buf, size_t buf_size,
                                              size_t *len,
                                              teeattest_error *err)
{
    if (!sig || !len || (!buf && buf_size))
        return TA_INVALID(err, "NULL signature, length or buffer");
    ta_buf b;
    ta_buf_init(&b, sig->ctx, 0);
    /* ecdsa: r||s||v with v = 27 + recid, the form every provider sends. */
    char sig_hex[2 + 2 * 65 + 1];
    if (sig->algo == TEEATTEST_SIG_ECDSA) {
        uint8_t raw[65];
        memcpy(raw, sig->sig, 64);
        raw[64] = (uint8_t)(27 + sig->recid);
        sig_hex[0] = '0';
        sig_hex[1] = 'x';
        ta_hex_encode(sig_hex + 2, raw, sizeof raw);
    } else {
        ta_hex_encode(sig_hex, sig->sig, 64);
    }
    int rc = ta_buf_append_str(&b, "{\"text\":");
    if (rc == TEEATTEST_OK)
        /* The text is UTF-8 (or arbitrary bytes the provider signed): bytes
         * >= 0x80 are kept as they are so the re-parsed text is
         * byte-identical; only what JSON forbids is escaped. */
        rc = ta_json_put_string(&b, sig->text, sig->text_len,
                                TA_JSON_ESC_U_ONLY);
    if (rc == TEEATTEST_OK)
        rc = ta_buf_printf(&b, ",\"signature\":\"%s\"", sig_hex);
    if (rc == TEEATTEST_OK && sig->has_claimed)
        rc = ta_buf_printf(&b, ",\"signing_address\":\"%s\"", sig->claimed_str);
    if (rc == TEEATTEST_OK)
        rc = ta_buf_printf(&b, ",\"signing_algo\":\"%s\"",
                           sig->algo == TEEATTEST_SIG_ECDSA ? "ecdsa"
                                                            : "ed25519");
    if (rc == TEEATTEST_OK && sig->kind != TEEATTEST_SIG_KIND_NONE)
        rc = ta_buf_printf(&b, ",\"signature_kind\":\"%s\"",
                           ta_sig_kind_name(sig->kind));
    if (rc == TEEATTEST_OK)
        rc = ta_buf_append_str(&b, "}");
    if (rc) {
        ta_buf_free(&b);
        return ta_error(err, rc, NULL, "writing the signature record");
    }
    *len = b.len;
    if (buf_size <= b.len) {
        ta_buf_free(&b);
        return ta_error(err, TEEATTEST_E_BUFFER_TOO_SMALL, NULL,
                        "the record needs %zu bytes plus a NUL", *len);
    }
    memcpy(buf, b.data, b.len);
    buf[b.len] = '\0';
    ta_buf_free(&b);
    return TEEATTEST_OK;
}
