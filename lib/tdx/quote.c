/*
 * TDX quote v4/v5 parser (spec sections 1 and 4.1). Every read is
 * bounds-checked against the caller's length; bytes after the declared
 * signature data are ignored (real quotes come in padded buffers).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>

#include "tdx.h"

static const uint8_t intel_qe_vendor[16] = {
    0x93, 0x9A, 0x72, 0x33, 0xF7, 0x9C, 0x4C, 0xA9,
    0x94, 0x0A, 0x0D, 0xB3, 0x95, 0x7F, 0x06, 0x07,
};

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}
static uint64_t le64(const uint8_t *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

uint64_t ta_tdx_tdattributes_u64(const ta_tdx_quote *q)
{
    return le64(ta_tdx_tdattributes(q));
}

uint64_t ta_tdx_xfam_u64(const ta_tdx_quote *q)
{
    return le64(ta_tdx_xfam(q));
}

static bool fits(size_t off, size_t n, size_t len)
{
    return off <= len && n <= len - off;
}

#define NEED(off, n, what)                                                    \
    do {                                                                      \
        if (!fits((off), (size_t)(n), len))                                   \
            return ta_error(err, TEEATTEST_E_LENGTH, "tdx.quote",             \
                            "quote truncated: %s needs %zu bytes at offset "  \
                            "%zu, quote has %zu",                             \
                            (what), (size_t)(n), (size_t)(off), len);         \
    } while (0)

int ta_tdx_quote_parse(ta_tdx_quote *q, const uint8_t *data, size_t len,
                       teeattest_error *err)
{
    memset(q, 0, sizeof *q);
    if (!data)
        return TA_INVALID(err, "quote is NULL");
    if (len > TA_TDX_QUOTE_MAX_LEN)
        return ta_error(err, TEEATTEST_E_TOO_LARGE, "tdx.quote",
                        "quote of %zu bytes exceeds the %u-byte limit", len,
                        TA_TDX_QUOTE_MAX_LEN);
    q->data = data;
    q->len = len;
    NEED(0, 48, "header");
    q->version = le16(data);
    q->ak_type = le16(data + 2);
    q->tee_type = le32(data + 4);
    q->qe_svn = le16(data + 8);
    q->pce_svn = le16(data + 10);
    q->qe_vendor_id = data + 12;
    q->user_data = data + 28;

    size_t off = 48;
    if (q->version == 4) {
        /* v4 has no descriptor: the TEE type decides the body. */
        if (q->tee_type != 0x81)
            return ta_error(err, TEEATTEST_E_UNSUPPORTED, "tdx.quote.header",
                            "quote v4 with TEE type 0x%08x is not a TDX quote",
                            (unsigned)q->tee_type);
        q->body_type = TA_TDX_BODY_TD10;
        q->body_size = 584;
    } else if (q->version == 5) {
        NEED(off, 6, "body descriptor");
        q->body_type = le16(data + off);
        q->body_size = le32(data + off + 2);
        off += 6;
        if (q->body_type == TA_TDX_BODY_TD10) {
            if (q->body_size != 584)
                return ta_error(err, TEEATTEST_E_PARSE, "tdx.quote",
                                "body_size %u does not match TD report 1.0 "
                                "(584)", (unsigned)q->body_size);
        } else if (q->body_type == TA_TDX_BODY_TD15) {
            if (q->body_size != 648)
                return ta_error(err, TEEATTEST_E_PARSE, "tdx.quote",
                                "body_size %u does not match TD report 1.5 "
                                "(648)", (unsigned)q->body_size);
        } else if (q->body_type == 1) {
            return ta_error(err, TEEATTEST_E_UNSUPPORTED, "tdx.quote",
                            "body type 1 (SGX enclave report) is not a TDX "
                            "quote");
        } else {
            return ta_error(err, TEEATTEST_E_UNSUPPORTED, "tdx.quote",
                            "unsupported quote v5 body type %u",
                            (unsigned)q->body_type);
        }
    } else {
        return ta_error(err, TEEATTEST_E_UNSUPPORTED, "tdx.quote",
                        "unsupported quote version %u (TDX needs 4 or 5)",
                        (unsigned)q->version);
    }
    NEED(off, q->body_size, "TD report");
    q->body = data + off;
    off += q->body_size;
    q->signed_len = off;

    NEED(off, 4, "signature data length");
    q->sig_data_len = le32(data + off);
    off += 4;
    if (q->sig_data_len > len - off)
        return ta_error(err, TEEATTEST_E_LENGTH, "tdx.quote",
                        "signature data length %u exceeds the %zu bytes "
                        "left", (unsigned)q->sig_data_len, len - off);
    /* From here every read stays inside the declared signature data. */
    size_t end = off + q->sig_data_len;
    q->quote_end = end;
    len = end; /* NEED() now checks against the signature data's end */

    NEED(off, 134, "signature, attestation key and certification header");
    q->signature = data + off;
    q->att_key = data + off + 64;
    q->cert_type = le16(data + off + 128);
    q->cert_size = le32(data + off + 130);
    off += 134;
    if (q->cert_type != 6)
        return ta_error(err, TEEATTEST_E_UNSUPPORTED, "tdx.quote",
                        "certification data type %u (need 6: QE report "
                        "certification data)", (unsigned)q->cert_type);
    NEED(off, q->cert_size, "QE report certification data");
    if (off + q->cert_size != end)
        return ta_error(err, TEEATTEST_E_PARSE, "tdx.quote",
                        "certification data size %u does not fill the "
                        "signature data (%zu bytes)", (unsigned)q->cert_size,
                        end - off);

    NEED(off, 384 + 64 + 2, "QE report and signature");
    q->qe_report = data + off;
    q->qe_report_sig = data + off + 384;
    q->qe_auth_len = le16(data + off + 448);
    off += 450;
    NEED(off, q->qe_auth_len, "QE authentication data");
    q->qe_auth = data + off;
    off += q->qe_auth_len;
    NEED(off, 6, "PCK certification data header");
    q->pck_cert_type = le16(data + off);
    q->pck_cert_size = le32(data + off + 2);
    off += 6;
    if (q->pck_cert_type != 5)
        return ta_error(err, TEEATTEST_E_UNSUPPORTED, "tdx.quote",
                        "inner certification data type %u (only 5, the PCK "
                        "certificate chain, is supported)",
                        (unsigned)q->pck_cert_type);
    NEED(off, q->pck_cert_size, "PCK certificate chain");
    /* Intel requires the nested sizes to add up exactly. */
    if (off + q->pck_cert_size != end)
        return ta_error(err, TEEATTEST_E_PARSE, "tdx.quote",
                        "PCK certificate chain size %u does not match the "
                        "certification data size",
                        (unsigned)q->pck_cert_size);
    q->pck_pem = data + off;
    q->pck_pem_len = q->pck_cert_size;
    while (q->pck_pem_len && q->pck_pem[q->pck_pem_len - 1] == '\0')
        q->pck_pem_len--;
    if (!q->pck_pem_len)
        return ta_error(err, TEEATTEST_E_PARSE, "tdx.quote",
                        "PCK certificate chain is empty");
    return TEEATTEST_OK;
}

int ta_tdx_quote_check_header(const ta_tdx_quote *q, teeattest_error *err)
{
    if (q->version != 4 && q->version != 5)
        return ta_error(err, TEEATTEST_E_UNSUPPORTED, "tdx.quote.header",
                        "version %u is not a TDX quote version",
                        (unsigned)q->version);
    if (q->ak_type != 2)
        return ta_error(err, TEEATTEST_E_UNSUPPORTED, "tdx.quote.header",
                        "attestation key type %u (only 2, ECDSA P-256, is "
                        "supported)", (unsigned)q->ak_type);
    if (q->tee_type != 0x81)
        return ta_error(err, TEEATTEST_E_UNSUPPORTED, "tdx.quote.header",
                        "TEE type 0x%08x is not TDX (0x81)",
                        (unsigned)q->tee_type);
    if (memcmp(q->qe_vendor_id, intel_qe_vendor, 16) != 0)
        return ta_error(err, TEEATTEST_E_PARSE, "tdx.quote.header",
                        "QE vendor ID is not Intel's");
    return TEEATTEST_OK;
}
