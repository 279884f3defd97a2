/*
 * NVIDIA GPU evidence parsing: the SPDM 1.1 GET_MEASUREMENTS request and
 * MEASUREMENTS response (spec 2.1-2.4), derived RIM ids (2.5), the PEM
 * device chain (2.7), the leaf FWID extension (3.3) and the JSON payload
 * shapes seen in the wild (2.7). Every byte read is bounds-checked; the
 * input is untrusted until the SPDM signature has been checked, which
 * happens later (local.c).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <ctype.h>
#include <string.h>

#include <jansson.h>

#include "gpu.h"
#include "../crypto/der.h"
#include "../crypto/x509.h"

/* ---- names -------------------------------------------------------------- */

const char *ta_gpu_arch_name(ta_gpu_arch arch)
{
    switch (arch) {
    case TA_GPU_ARCH_HOPPER: return "HOPPER";
    case TA_GPU_ARCH_BLACKWELL: return "BLACKWELL";
    default: return "UNKNOWN";
    }
}

static bool ascii_ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return false;
    return *a == *b;
}

ta_gpu_arch ta_gpu_arch_from_name(const char *name)
{
    if (!name)
        return TA_GPU_ARCH_UNKNOWN;
    if (ascii_ieq(name, "HOPPER"))
        return TA_GPU_ARCH_HOPPER;
    if (ascii_ieq(name, "BLACKWELL"))
        return TA_GPU_ARCH_BLACKWELL;
    return TA_GPU_ARCH_UNKNOWN;
}

static const char *const opaque_names[TA_GPU_OPAQUE_MAX_ID + 1] = {
    [1] = "CERT_ISSUER_NAME", [2] = "CERT_AUTHORITY_KEY_IDENTIFIER",
    [3] = "DRIVER_VERSION", [4] = "GPU_INFO", [5] = "SKU",
    [6] = "VBIOS_VERSION", [7] = "MANUFACTURER_ID", [8] = "TAMPER_DETECTION",
    [9] = "SMC", [10] = "VPR", [11] = "NVDEC0_STATUS", [12] = "MSRSCNT",
    [13] = "CPRINFO", [14] = "BOARD_ID", [15] = "CHIP_SKU",
    [16] = "CHIP_SKU_MOD", [17] = "PROJECT", [18] = "PROJECT_SKU",
    [19] = "PROJECT_SKU_MOD", [20] = "FWID", [21] = "PROTECTED_PCIE_STATUS",
    [22] = "SWITCH_PDI", [23] = "FLOORSWEPT_PORTS", [24] = "POSITION_ID",
    [25] = "LOCK_SWITCH_STATUS", [32] = "GPU_LINK_CONN",
    [33] = "SYS_ENABLE_STATUS", [34] = "OPAQUE_DATA_VERSION",
    [35] = "CHIP_INFO", [36] = "FEATURE_FLAG",
};

const char *ta_gpu_opaque_name(unsigned id)
{
    if (id <= TA_GPU_OPAQUE_MAX_ID && opaque_names[id])
        return opaque_names[id];
    return "UNKNOWN";
}

/* ---- encoded evidence -------------------------------------------------- */

int ta_gpu_evidence_decode(const teeattest_ctx *ctx, const char *text,
                           size_t len, uint8_t **out, size_t *out_len,
                           teeattest_error *err)
{
    *out = NULL;
    *out_len = 0;
    if (!text || !len)
        return ta_error(err, TEEATTEST_E_LENGTH, "gpu.evidence",
                        "evidence is empty");
    /* Longest encoding of TA_GPU_EVIDENCE_MAX bytes is hex. */
    if (len > 2u * TA_GPU_EVIDENCE_MAX)
        return ta_error(err, TEEATTEST_E_TOO_LARGE, "gpu.evidence",
                        "evidence of %zu characters exceeds the limit of %u "
                        "(hex of %u bytes)", len, 2u * TA_GPU_EVIDENCE_MAX,
                        (unsigned)TA_GPU_EVIDENCE_MAX);
    bool hex = (len % 2 == 0) && ta_is_hex(text, len);
    size_t cap = hex ? len / 2 : ta_base64_decoded_max(len);
    if (cap > TA_GPU_EVIDENCE_MAX)
        cap = TA_GPU_EVIDENCE_MAX;
    uint8_t *buf = ta_malloc(ctx, cap ? cap : 1);
    if (!buf)
        return ta_error(err, TEEATTEST_E_NOMEM, "gpu.evidence", "out of memory");
    int64_t n = hex ? ta_hex_decode(buf, cap, text, len)
                    : ta_base64_decode(buf, cap, text, len, false);
    if (n < 0) {
        ta_free(ctx, buf);
        if (n == TEEATTEST_E_BUFFER_TOO_SMALL)
            return ta_error(err, TEEATTEST_E_TOO_LARGE, "gpu.evidence",
                            "decoded evidence exceeds %u bytes",
                            TA_GPU_EVIDENCE_MAX);
        return ta_error(err, hex ? TEEATTEST_E_HEX : TEEATTEST_E_BASE64,
                        "gpu.evidence", "evidence is not valid %s",
                        hex ? "hex" : "base64");
    }
    if (n == 0) {
        ta_free(ctx, buf);
        return ta_error(err, TEEATTEST_E_LENGTH, "gpu.evidence",
                        "evidence is empty");
    }
    *out = buf;
    *out_len = (size_t)n;
    return TEEATTEST_OK;
}

/* ---- SPDM report -------------------------------------------------------- */

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd24(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
}
static uint32_t rd32(const uint8_t *p)
{
    return rd24(p) | (uint32_t)p[3] << 24;
}

#define SPDM_ERR(code, ...) ta_error(err, (code), "gpu.evidence", __VA_ARGS__)

/* Opaque string: cut at the first NUL, trim spaces, printable ASCII only. */
static int opaque_str(const ta_gpu_opaque_field *f, unsigned id, char *out,
                      size_t cap, teeattest_error *err)
{
    out[0] = 0;
    if (!f->present)
        return TEEATTEST_OK;
    size_t n = 0;
    while (n < f->len && f->value[n])
        n++;
    const uint8_t *v = f->value;
    while (n && v[0] == ' ') {
        v++;
        n--;
    }
    while (n && v[n - 1] == ' ')
        n--;
    if (n >= cap)
        return SPDM_ERR(TEEATTEST_E_PARSE,
                        "opaque field %s is %zu characters, limit %zu",
                        ta_gpu_opaque_name(id), n, cap - 1);
    for (size_t i = 0; i < n; i++)
        if (v[i] < 0x20 || v[i] > 0x7E)
            return SPDM_ERR(TEEATTEST_E_PARSE,
                            "opaque field %s has a non-printable byte 0x%02x",
                            ta_gpu_opaque_name(id), v[i]);
    memcpy(out, v, n);
    out[n] = 0;
    return TEEATTEST_OK;
}

static int want_size(const ta_gpu_opaque_field *f, unsigned id, size_t want,
                     teeattest_error *err)
{
    if (f->present && f->len != want)
        return SPDM_ERR(TEEATTEST_E_LENGTH,
                        "opaque field %s is %u bytes, expected %zu",
                        ta_gpu_opaque_name(id), f->len, want);
    return TEEATTEST_OK;
}

static int decode_opaque(ta_gpu_spdm *s, teeattest_error *err)
{
    const uint8_t *p = s->opaque, *end = s->opaque + s->opaque_len;
    while (p < end) {
        if ((size_t)(end - p) < 4)
            return SPDM_ERR(TEEATTEST_E_PARSE,
                            "opaque data: truncated TLV header at offset %zu",
                            (size_t)(p - s->opaque));
        uint16_t type = rd16(p), len = rd16(p + 2);
        p += 4;
        if (len > (size_t)(end - p))
            return SPDM_ERR(TEEATTEST_E_PARSE,
                            "opaque data: field %u (%s) length %u runs past "
                            "the opaque data", type, ta_gpu_opaque_name(type),
                            len);
        if (type < 1 || type > TA_GPU_OPAQUE_MAX_ID)
            return SPDM_ERR(TEEATTEST_E_PARSE,
                            "opaque data: unknown field id %u", type);
        if (s->fields[type].present)
            return SPDM_ERR(TEEATTEST_E_PARSE,
                            "opaque data: field %s appears twice",
                            ta_gpu_opaque_name(type));
        s->fields[type].present = true;
        s->fields[type].len = len;
        s->fields[type].value = p;
        s->field_order[s->n_fields++] = type;
        p += len;
    }

    const ta_gpu_opaque_field *F = s->fields;
    int rc;
#define STR(id, dst)                                                        \
    if ((rc = opaque_str(&F[id], id, dst, sizeof dst, err)) != 0)           \
        return rc
    STR(TA_GPU_OPAQUE_DRIVER_VERSION, s->driver_version);
    STR(TA_GPU_OPAQUE_PROJECT, s->project);
    STR(TA_GPU_OPAQUE_PROJECT_SKU, s->project_sku);
    STR(TA_GPU_OPAQUE_CHIP_SKU, s->chip_sku);
    STR(TA_GPU_OPAQUE_CHIP_SKU_MOD, s->chip_sku_mod);
    STR(TA_GPU_OPAQUE_CHIP_INFO, s->chip_info);
#undef STR
    static const struct { uint8_t id, size; } fixed[] = {
        {TA_GPU_OPAQUE_VBIOS_VERSION, 8}, {TA_GPU_OPAQUE_FWID, TA_GPU_FWID_LEN},
        {TA_GPU_OPAQUE_NVDEC0_STATUS, 1},
        {TA_GPU_OPAQUE_PROTECTED_PCIE_STATUS, 1},
        {TA_GPU_OPAQUE_OPAQUE_DATA_VERSION, 2},
        {TA_GPU_OPAQUE_FEATURE_FLAG, 2}, {TA_GPU_OPAQUE_BOARD_ID, 4},
    };
    for (size_t i = 0; i < TA_ARRAY_LEN(fixed); i++)
        if ((rc = want_size(&F[fixed[i].id], fixed[i].id, fixed[i].size, err)))
            return rc;
    if (F[TA_GPU_OPAQUE_SWITCH_PDI].present &&
        F[TA_GPU_OPAQUE_SWITCH_PDI].len % 8)
        return SPDM_ERR(TEEATTEST_E_LENGTH,
                        "opaque field SWITCH_PDI is %u bytes, not a multiple "
                        "of 8", F[TA_GPU_OPAQUE_SWITCH_PDI].len);

    if (F[TA_GPU_OPAQUE_VBIOS_VERSION].present) {
        const uint8_t *b = F[TA_GPU_OPAQUE_VBIOS_VERSION].value;
        snprintf(s->vbios_version, sizeof s->vbios_version,
                 "%02X.%02X.%02X.%02X.%02X", b[3], b[2], b[1], b[0], b[4]);
    }
    if (F[TA_GPU_OPAQUE_FWID].present) {
        s->has_fwid = true;
        memcpy(s->fwid, F[TA_GPU_OPAQUE_FWID].value, TA_GPU_FWID_LEN);
    }
    s->nvdec0_status = F[TA_GPU_OPAQUE_NVDEC0_STATUS].present
                           ? F[TA_GPU_OPAQUE_NVDEC0_STATUS].value[0] : -1;
    s->protected_pcie_status =
        F[TA_GPU_OPAQUE_PROTECTED_PCIE_STATUS].present
            ? F[TA_GPU_OPAQUE_PROTECTED_PCIE_STATUS].value[0] : -1;
    s->opaque_data_version =
        F[TA_GPU_OPAQUE_OPAQUE_DATA_VERSION].present
            ? rd16(F[TA_GPU_OPAQUE_OPAQUE_DATA_VERSION].value) : -1;
    s->feature_flag = F[TA_GPU_OPAQUE_FEATURE_FLAG].present
                          ? rd16(F[TA_GPU_OPAQUE_FEATURE_FLAG].value) : -1;
    s->board_id = F[TA_GPU_OPAQUE_BOARD_ID].present
                      ? (int64_t)rd32(F[TA_GPU_OPAQUE_BOARD_ID].value) : -1;
    s->switch_pdi_count = F[TA_GPU_OPAQUE_SWITCH_PDI].present
                              ? F[TA_GPU_OPAQUE_SWITCH_PDI].len / 8u : 0;
    return TEEATTEST_OK;
}

static int parse_raw(ta_gpu_spdm *s, teeattest_error *err)
{
    const uint8_t *b = s->raw;
    size_t len = s->len;
    s->req_version = b[0];
    s->req_code = b[1];
    s->req_param1 = b[2];
    s->req_param2 = b[3];
    s->requester_nonce = b + 4;
    s->req_slot = b[36];
    if (s->req_version != 0x11 || s->req_code != 0xE0)
        return SPDM_ERR(TEEATTEST_E_PARSE,
                        "request is not SPDM 1.1 GET_MEASUREMENTS (%02x %02x)",
                        s->req_version, s->req_code);
    if (!(s->req_param1 & 1))
        return SPDM_ERR(TEEATTEST_E_PARSE,
                        "request Param1 0x%02x does not ask for a signature",
                        s->req_param1);
    if (s->req_param2 != 0xFF)
        return SPDM_ERR(TEEATTEST_E_PARSE,
                        "request Param2 0x%02x does not ask for all blocks",
                        s->req_param2);
    if (s->req_slot != 0)
        return SPDM_ERR(TEEATTEST_E_PARSE, "request SlotIDParam 0x%02x is "
                        "not slot 0", s->req_slot);

    const uint8_t *r = b + TA_GPU_REQUEST_LEN;
    size_t rlen = len - TA_GPU_REQUEST_LEN - TA_GPU_SIG_LEN; /* w/o signature */
    s->resp_version = r[0];
    s->resp_code = r[1];
    s->resp_param1 = r[2];
    s->resp_param2 = r[3];
    s->number_of_blocks = r[4];
    s->record_len = rd24(r + 5);
    if (s->resp_version != 0x11 || s->resp_code != 0x60)
        return SPDM_ERR(TEEATTEST_E_PARSE,
                        "response is not SPDM 1.1 MEASUREMENTS (%02x %02x)",
                        s->resp_version, s->resp_code);
    if (s->number_of_blocks == 0 || s->number_of_blocks > TA_GPU_MAX_BLOCKS)
        return SPDM_ERR(TEEATTEST_E_PARSE,
                        "NumberOfBlocks %u is outside 1..%u",
                        s->number_of_blocks, TA_GPU_MAX_BLOCKS);
    /* 8 header + record + 32 nonce + 2 opaque length must fit. */
    if (s->record_len > rlen - 8 || rlen - 8 - s->record_len < 34)
        return SPDM_ERR(TEEATTEST_E_LENGTH,
                        "MeasurementRecordLength %u runs past the response",
                        s->record_len);

    const uint8_t *p = r + 8, *rend = p + s->record_len;
    bool seen[256] = {false};
    for (unsigned i = 0; i < s->number_of_blocks; i++) {
        if ((size_t)(rend - p) < 4)
            return SPDM_ERR(TEEATTEST_E_PARSE,
                            "measurement block %u: truncated header", i);
        uint8_t index = p[0], spec = p[1];
        uint16_t msize = rd16(p + 2);
        p += 4;
        if (msize > (size_t)(rend - p))
            return SPDM_ERR(TEEATTEST_E_PARSE,
                            "measurement block %u (Index %u): MeasurementSize "
                            "%u runs past the record", i, index, msize);
        if (index == 0 || index == 0xFF)
            return SPDM_ERR(TEEATTEST_E_PARSE,
                            "measurement block %u: reserved Index %u", i,
                            index);
        if (seen[index])
            return SPDM_ERR(TEEATTEST_E_PARSE,
                            "measurement block Index %u appears twice", index);
        seen[index] = true;
        if (spec != 0x01)
            return SPDM_ERR(TEEATTEST_E_PARSE,
                            "measurement block Index %u: specification 0x%02x "
                            "is not DMTF", index, spec);
        if (msize < 3)
            return SPDM_ERR(TEEATTEST_E_PARSE,
                            "measurement block Index %u: MeasurementSize %u "
                            "too small", index, msize);
        uint16_t vsize = rd16(p + 1);
        if ((uint32_t)vsize + 3 != msize)
            return SPDM_ERR(TEEATTEST_E_PARSE,
                            "measurement block Index %u: value size %u does "
                            "not match MeasurementSize %u", index, vsize,
                            msize);
        ta_gpu_block *blk = &s->blocks[s->n_blocks++];
        blk->index = index;
        blk->value_type = p[0];
        blk->value_size = vsize;
        blk->value = p + 3;
        p += msize;
    }
    if (p != rend)
        return SPDM_ERR(TEEATTEST_E_PARSE,
                        "measurement record has %zu bytes after %u blocks",
                        (size_t)(rend - p), s->number_of_blocks);
    s->responder_nonce = p;
    p += TA_GPU_NONCE_LEN;
    s->opaque_len = rd16(p);
    p += 2;
    const uint8_t *sig = b + len - TA_GPU_SIG_LEN;
    if (s->opaque_len != (size_t)(sig - p))
        return SPDM_ERR(TEEATTEST_E_LENGTH,
                        "OpaqueLength %u, but %td bytes lie between it and "
                        "the 96-byte signature", s->opaque_len,
                        (ptrdiff_t)(sig - p));
    s->opaque = p;
    s->signature = sig;
    s->signed_len = len - TA_GPU_SIG_LEN;
    return decode_opaque(s, err);
}

int ta_gpu_spdm_parse(const teeattest_ctx *ctx, const uint8_t *data,
                      size_t len, ta_gpu_spdm *s, teeattest_error *err)
{
    if (!s)
        return TA_INVALID(err, "spdm");
    memset(s, 0, sizeof *s);
    if (!ctx || (!data && len))
        return TA_INVALID(err, "evidence");
    if (len > TA_GPU_EVIDENCE_MAX)
        return SPDM_ERR(TEEATTEST_E_TOO_LARGE,
                        "evidence of %zu bytes exceeds the %u-byte limit",
                        len, TA_GPU_EVIDENCE_MAX);
    if (len < TA_GPU_EVIDENCE_MIN)
        return SPDM_ERR(TEEATTEST_E_LENGTH,
                        "evidence of %zu bytes is shorter than the %u-byte "
                        "minimum", len, TA_GPU_EVIDENCE_MIN);
    s->raw = ta_malloc(ctx, len);
    if (!s->raw)
        return SPDM_ERR(TEEATTEST_E_NOMEM, "out of memory");
    memcpy(s->raw, data, len);
    s->ctx = ctx;
    s->len = len;
    s->nvdec0_status = s->protected_pcie_status = -1;
    s->opaque_data_version = s->feature_flag = -1;
    s->board_id = -1;
    int rc = parse_raw(s, err);
    if (rc) {
        ta_free(ctx, s->raw);
        memset(s, 0, sizeof *s);
    }
    return rc;
}

void ta_gpu_spdm_free(ta_gpu_spdm *s)
{
    if (!s)
        return;
    if (s->ctx)
        ta_free(s->ctx, s->raw);
    memset(s, 0, sizeof *s);
}

const ta_gpu_block *ta_gpu_spdm_block(const ta_gpu_spdm *s, unsigned index)
{
    if (!s)
        return NULL;
    for (size_t i = 0; i < s->n_blocks; i++)
        if (s->blocks[i].index == index)
            return &s->blocks[i];
    return NULL;
}

/* ---- derived identifiers (spec 2.5) ------------------------------------ */

static bool id_chars_ok(const char *v)
{
    if (!*v)
        return false;
    for (; *v; v++)
        if (!isalnum((unsigned char)*v) && *v != '.' && *v != '_' && *v != '-')
            return false;
    return true;
}

/* Append `v` (upper-cased unless keep_case, dots dropped if no_dots). */
static bool id_put(char *out, size_t cap, size_t *n, const char *v,
                   bool keep_case, bool no_dots)
{
    for (; *v; v++) {
        if (no_dots && *v == '.')
            continue;
        if (*n + 1 >= cap)
            return false;
        out[(*n)++] = keep_case ? *v : (char)toupper((unsigned char)*v);
    }
    out[*n] = 0;
    return true;
}

int ta_gpu_driver_rim_id(const ta_gpu_spdm *s, ta_gpu_arch arch, char *out,
                         size_t cap)
{
    if (!s || !out || !cap)
        return TEEATTEST_E_INVALID_ARG;
    out[0] = 0;
    if (!s->driver_version[0])
        return TEEATTEST_E_FIELD_MISSING;
    if (!id_chars_ok(s->driver_version) ||
        (s->chip_info[0] && !id_chars_ok(s->chip_info)))
        return TEEATTEST_E_PARSE;
    size_t n = 0;
    bool ok;
    if (arch == TA_GPU_ARCH_BLACKWELL) {
        ok = id_put(out, cap, &n, "NV_GPU_CC_DRIVER_", true, false) &&
             id_put(out, cap, &n, s->chip_info[0] ? s->chip_info : "GB100",
                    false, false);
    } else if (arch == TA_GPU_ARCH_HOPPER) {
        ok = id_put(out, cap, &n, "NV_GPU_DRIVER_GH100", true, false);
    } else {
        return TEEATTEST_E_INVALID_ARG;
    }
    ok = ok && id_put(out, cap, &n, "_", true, false) &&
         id_put(out, cap, &n, s->driver_version, true, false);
    if (!ok) {
        out[0] = 0;
        return TEEATTEST_E_BUFFER_TOO_SMALL;
    }
    return TEEATTEST_OK;
}

int ta_gpu_vbios_rim_id(const ta_gpu_spdm *s, char *out, size_t cap)
{
    if (!s || !out || !cap)
        return TEEATTEST_E_INVALID_ARG;
    out[0] = 0;
    if (!s->vbios_version[0] || !s->project[0] || !s->project_sku[0] ||
        !s->chip_sku[0])
        return TEEATTEST_E_FIELD_MISSING;
    if (!id_chars_ok(s->project) || !id_chars_ok(s->project_sku) ||
        !id_chars_ok(s->chip_sku))
        return TEEATTEST_E_PARSE;
    size_t n = 0;
    bool ok = id_put(out, cap, &n, "NV_GPU_VBIOS_", true, false) &&
              id_put(out, cap, &n, s->project, false, false) &&
              id_put(out, cap, &n, "_", true, false) &&
              id_put(out, cap, &n, s->project_sku, false, false) &&
              id_put(out, cap, &n, "_", true, false) &&
              id_put(out, cap, &n, s->chip_sku, false, false) &&
              id_put(out, cap, &n, "_", true, false) &&
              id_put(out, cap, &n, s->vbios_version, false, true);
    if (!ok) {
        out[0] = 0;
        return TEEATTEST_E_BUFFER_TOO_SMALL;
    }
    return TEEATTEST_OK;
}

/* ---- certificate chain (PEM) ------------------------------------------- */

#define CERT_ERR(code, ...) ta_error(err, (code), "gpu.certificate", __VA_ARGS__)

static const char PEM_BEGIN[] = "-----BEGIN ";
static const char PEM_END[] = "-----END ";

static const char *find(const char *h, const char *end, const char *needle)
{
    size_t n = strlen(needle);
    for (; (size_t)(end - h) >= n; h++)
        if (memcmp(h, needle, n) == 0)
            return h;
    return NULL;
}

static int pem_blocks(const teeattest_ctx *ctx, const char *t, size_t len,
                      ta_gpu_certs *c, teeattest_error *err)
{
    const char *p = t, *end = t + len;
    uint8_t *b64 = ta_malloc(ctx, len + 1);
    if (!b64)
        return CERT_ERR(TEEATTEST_E_NOMEM, "out of memory");
    int rc = TEEATTEST_OK;
    const char *b;
    while ((b = find(p, end, PEM_BEGIN)) != NULL) {
        const char *lab = b + sizeof PEM_BEGIN - 1;
        const char *lab_end = find(lab, end, "-----");
        if (!lab_end) {
            rc = CERT_ERR(TEEATTEST_E_PARSE, "PEM BEGIN line is not closed");
            break;
        }
        size_t lab_len = (size_t)(lab_end - lab);
        const char *body = lab_end + 5;
        const char *e = find(body, end, PEM_END);
        if (!e) {
            rc = CERT_ERR(TEEATTEST_E_PARSE, "PEM block has no END line");
            break;
        }
        const char *e_lab = e + sizeof PEM_END - 1;
        const char *e_end = find(e_lab, end, "-----");
        if (!e_end || (size_t)(e_end - e_lab) != lab_len ||
            memcmp(e_lab, lab, lab_len) != 0) {
            rc = CERT_ERR(TEEATTEST_E_PARSE,
                          "PEM END line does not match its BEGIN line");
            break;
        }
        p = e_end + 5;
        if (lab_len != 11 || memcmp(lab, "CERTIFICATE", 11) != 0)
            continue; /* other PEM blocks are ignored (spec 2.7) */
        if (c->n == TA_GPU_MAX_CERTS) {
            rc = CERT_ERR(TEEATTEST_E_PARSE,
                          "more than %u certificates", TA_GPU_MAX_CERTS);
            break;
        }
        size_t n = 0;
        for (const char *q = body; q < e; q++) {
            if (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n')
                continue;
            b64[n++] = (uint8_t)*q;
        }
        size_t cap = ta_base64_decoded_max(n);
        uint8_t *der = ta_malloc(ctx, cap ? cap : 1);
        if (!der) {
            rc = CERT_ERR(TEEATTEST_E_NOMEM, "out of memory");
            break;
        }
        int64_t dn = ta_base64_decode(der, cap, (const char *)b64, n, false);
        if (dn <= 0) {
            ta_free(ctx, der);
            rc = CERT_ERR(TEEATTEST_E_BASE64,
                          "certificate %zu: PEM body is not valid base64",
                          c->n);
            break;
        }
        c->der[c->n] = der;
        c->der_len[c->n] = (size_t)dn;
        c->n++;
    }
    ta_free(ctx, b64);
    if (!rc && c->n == 0)
        rc = CERT_ERR(TEEATTEST_E_PARSE, "no PEM CERTIFICATE block");
    return rc;
}

int ta_gpu_certs_parse(const teeattest_ctx *ctx, const char *text, size_t len,
                       ta_gpu_certs *c, teeattest_error *err)
{
    if (!c)
        return TA_INVALID(err, "certs");
    memset(c, 0, sizeof *c);
    if (!ctx || (!text && len))
        return TA_INVALID(err, "certificate");
    c->ctx = ctx;
    if (!len)
        return CERT_ERR(TEEATTEST_E_LENGTH, "certificate is empty");
    if (len > TA_GPU_CERT_TEXT_MAX)
        return CERT_ERR(TEEATTEST_E_TOO_LARGE,
                        "certificate field of %zu bytes exceeds the %u-byte "
                        "limit", len, TA_GPU_CERT_TEXT_MAX);
    int rc;
    if (len >= 5 && memcmp(text, "-----", 5) == 0) {
        rc = pem_blocks(ctx, text, len, c, err);
    } else {
        size_t cap = ta_base64_decoded_max(len);
        char *pem = ta_malloc(ctx, cap ? cap : 1);
        if (!pem)
            return CERT_ERR(TEEATTEST_E_NOMEM, "out of memory");
        int64_t n = ta_base64_decode((uint8_t *)pem, cap, text, len, false);
        if (n <= 0) {
            ta_free(ctx, pem);
            return CERT_ERR(TEEATTEST_E_BASE64,
                            "certificate is neither base64 nor PEM text");
        }
        rc = pem_blocks(ctx, pem, (size_t)n, c, err);
        ta_free(ctx, pem);
    }
    if (rc)
        ta_gpu_certs_free(c);
    return rc;
}

void ta_gpu_certs_free(ta_gpu_certs *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        if (c->ctx)
            ta_free(c->ctx, c->der[i]);
    memset(c, 0, sizeof *c);
}

/* ---- leaf FWID (spec 3.3) ----------------------------------------------- */

/* 2.23.133.5.4.1 and 2.23.133.5.4.1.1 */
static const uint8_t oid_tcb_info[] = {0x67, 0x81, 0x05, 0x05, 0x04, 0x01};
static const uint8_t oid_dice_tcb_info[] = {0x67, 0x81, 0x05, 0x05,
                                            0x04, 0x01, 0x01};
/* 2.16.840.1.101.3.4.2.2 (sha384) */
static const uint8_t oid_sha384[] = {0x60, 0x86, 0x48, 0x01, 0x65,
                                     0x03, 0x04, 0x02, 0x02};

#define FWID_ERR(...) ta_error(err, TEEATTEST_E_PARSE, "gpu.fwid", __VA_ARGS__)

/* FWID ::= SEQUENCE { hashAlg OID (sha384), digest OCTET STRING (48) },
 * exactly filling [p, end). */
static int read_fwid(unsigned char *p, const unsigned char *end,
                     uint8_t fwid[TA_GPU_FWID_LEN])
{
    size_t len;
    if (ta_der_get_tag(&p, end, &len, TA_DER_SEQUENCE) || p + len != end)
        return -1;
    if (ta_der_get_tag(&p, end, &len, TA_DER_OID) ||
        len != sizeof oid_sha384 || memcmp(p, oid_sha384, len) != 0)
        return -1;
    p += len;
    if (ta_der_get_tag(&p, end, &len, TA_DER_OCTET_STRING) ||
        len != TA_GPU_FWID_LEN || p + len != end)
        return -1;
    memcpy(fwid, p, TA_GPU_FWID_LEN);
    return 0;
}

/* Hopper: SEQUENCE { INTEGER, SubjectPublicKeyInfo, FWID }: the last
 * element must be the SHA-384 FWID (what the SDKs read as "the last 48
 * bytes", checked structurally here). */
static int hopper_fwid(unsigned char *p, const unsigned char *end,
                       uint8_t fwid[TA_GPU_FWID_LEN], teeattest_error *err)
{
    size_t len;
    if (ta_der_get_tag(&p, end, &len, TA_DER_SEQUENCE) || p + len != end)
        return FWID_ERR("2.23.133.5.4.1 is not a SEQUENCE");
    unsigned char *last = NULL;
    while (p < end) {
        unsigned char *start = p;
        unsigned char tag = *p++;
        if (ta_der_get_len(&p, end, &len))
            return FWID_ERR("2.23.133.5.4.1 has a malformed element");
        (void)tag;
        p += len;
        last = start;
    }
    if (!last || read_fwid(last, end, fwid) != 0)
        return FWID_ERR("2.23.133.5.4.1 does not end with a SHA-384 FWID");
    return TEEATTEST_OK;
}

/* DiceTcbInfo ::= SEQUENCE { vendor [0], model [1], version [2], svn [3],
 * layer [4], index [5], fwids [6] IMPLICIT SEQUENCE OF FWID, ... } (all
 * optional): fwids[0].digest. */
static int blackwell_fwid(unsigned char *p, const unsigned char *end,
                          uint8_t fwid[TA_GPU_FWID_LEN], teeattest_error *err)
{
    size_t len;
    if (ta_der_get_tag(&p, end, &len, TA_DER_SEQUENCE) || p + len != end)
        return FWID_ERR("DiceTcbInfo is not a SEQUENCE");
    while (p < end) {
        unsigned char tag = *p++;
        if (ta_der_get_len(&p, end, &len))
            return FWID_ERR("DiceTcbInfo has a malformed element");
        if (tag == (TA_DER_CONTEXT | TA_DER_CONSTRUCTED | 6)) {
            unsigned char *q = p;
            size_t flen;
            if (len == 0)
                return FWID_ERR("DiceTcbInfo fwids is empty");
            if (ta_der_get_tag(&q, p + len, &flen,
                                     TA_DER_SEQUENCE))
                return FWID_ERR("DiceTcbInfo fwids[0] is not a SEQUENCE");
            /* read_fwid() takes the element with its header. */
            if (read_fwid(p, q + flen, fwid) != 0)
                return FWID_ERR("DiceTcbInfo fwids[0] is not a SHA-384 FWID");
            return TEEATTEST_OK;
        }
        p += len;
    }
    return FWID_ERR("DiceTcbInfo has no fwids");
}

int ta_gpu_leaf_fwid(const teeattest_ctx *ctx, const uint8_t *der,
                     size_t der_len, uint8_t fwid[TA_GPU_FWID_LEN], int *form,
                     teeattest_error *err)
{
    *form = 0;
    ta_x509 *crt = NULL;
    int rc = der ? ta_x509_parse_der(ctx, &crt, der, der_len, NULL)
                 : TEEATTEST_E_PARSE;
    if (rc == TEEATTEST_E_NOMEM) {
        rc = ta_error(err, TEEATTEST_E_NOMEM, "gpu.fwid", "out of memory");
        goto out;
    }
    if (rc) {
        rc = FWID_ERR("leaf certificate does not parse");
        goto out;
    }
    rc = TEEATTEST_E_NOT_FOUND;
    ta_der exts = ta_x509_extensions(crt);
    if (!exts.p || !exts.len)
        goto none;
    unsigned char *p = (unsigned char *)exts.p;
    const unsigned char *end = p + exts.len;
    size_t len;
    if (ta_der_get_tag(&p, end, &len, TA_DER_SEQUENCE) || p + len != end) {
        rc = FWID_ERR("leaf extensions are malformed");
        goto out;
    }
    unsigned char *hop = NULL, *hop_end = NULL, *bw = NULL, *bw_end = NULL;
    while (p < end) {
        if (ta_der_get_tag(&p, end, &len, TA_DER_SEQUENCE)) {
            rc = FWID_ERR("malformed extension");
            goto out;
        }
        unsigned char *eend = p + len;
        size_t olen;
        if (ta_der_get_tag(&p, eend, &olen, TA_DER_OID)) {
            rc = FWID_ERR("extension without OID");
            goto out;
        }
        unsigned char *oid = p;
        p += olen;
        int which = 0;
        if (olen == sizeof oid_tcb_info && !memcmp(oid, oid_tcb_info, olen))
            which = 1;
        else if (olen == sizeof oid_dice_tcb_info &&
                 !memcmp(oid, oid_dice_tcb_info, olen))
            which = 2;
        if (!which) {
            p = eend;
            continue;
        }
        int crit = 0;
        if (p < eend && *p == TA_DER_BOOLEAN &&
            ta_der_get_bool(&p, eend, &crit) != 0) {
            rc = FWID_ERR("FWID extension critical flag is malformed");
            goto out;
        }
        if (ta_der_get_tag(&p, eend, &len, TA_DER_OCTET_STRING) ||
            p + len != eend) {
            rc = FWID_ERR("FWID extension value is not an OCTET STRING");
            goto out;
        }
        if ((which == 1 && hop) || (which == 2 && bw)) {
            rc = FWID_ERR("FWID extension appears twice");
            goto out;
        }
        if (which == 1) {
            hop = p;
            hop_end = eend;
        } else {
            bw = p;
            bw_end = eend;
        }
        p = eend;
    }
    if (bw) {
        rc = blackwell_fwid(bw, bw_end, fwid, err);
        if (!rc)
            *form = TA_GPU_FWID_BLACKWELL;
        goto out;
    }
    if (hop) {
        rc = hopper_fwid(hop, hop_end, fwid, err);
        if (!rc)
            *form = TA_GPU_FWID_HOPPER;
        goto out;
    }
none:
    rc = ta_error(err, TEEATTEST_E_NOT_FOUND, "gpu.fwid",
                  "leaf certificate has no FWID extension (2.23.133.5.4.1 "
                  "or 2.23.133.5.4.1.1)");
out:
    ta_x509_free(crt);
    return rc;
}

/* ---- JSON container (spec 2.7) ----------------------------------------- */

#define PAY_ERR(code, ...) ta_error(err, (code), "gpu.payload", __VA_ARGS__)

static int dup_json_str(const teeattest_ctx *ctx, json_t *v, char **out,
                        size_t *out_len)
{
    size_t n = json_string_length(v);
    *out = ta_strndup(ctx, json_string_value(v), n);
    if (!*out)
        return TEEATTEST_E_NOMEM;
    if (out_len)
        *out_len = n;
    return TEEATTEST_OK;
}

static int opt_str(const teeattest_ctx *ctx, json_t *obj, const char *key,
                   const char *where, char **out, teeattest_error *err)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return TEEATTEST_OK;
    if (!json_is_string(v))
        return PAY_ERR(TEEATTEST_E_JSON, "%s.%s is not a string", where, key);
    if (dup_json_str(ctx, v, out, NULL))
        return PAY_ERR(TEEATTEST_E_NOMEM, "out of memory");
    return TEEATTEST_OK;
}

static int parse_items(ta_gpu_payload *pl, json_t *arr, teeattest_error *err)
{
    size_t n = json_array_size(arr);
    if (n == 0)
        return PAY_ERR(TEEATTEST_E_FIELD_MISSING, "evidence list is empty");
    if (n > TA_GPU_MAX_GPUS)
        return PAY_ERR(TEEATTEST_E_TOO_LARGE,
                       "%zu GPUs exceed the limit of %u", n, TA_GPU_MAX_GPUS);
    pl->items = ta_calloc(pl->ctx, n, sizeof *pl->items);
    if (!pl->items)
        return PAY_ERR(TEEATTEST_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        json_t *it = json_array_get(arr, i);
        ta_gpu_item *d = &pl->items[i];
        pl->n = i + 1;
        char where[40];
        snprintf(where, sizeof where, "evidence_list[%zu]", i);
        if (!json_is_object(it))
            return PAY_ERR(TEEATTEST_E_JSON, "%s is not an object", where);
        json_t *ev = json_object_get(it, "evidence");
        json_t *ce = json_object_get(it, "certificate");
        if (!json_is_string(ev))
            return PAY_ERR(ev ? TEEATTEST_E_JSON : TEEATTEST_E_FIELD_MISSING,
                           "%s.evidence is %s", where,
                           ev ? "not a string" : "missing");
        if (!json_is_string(ce))
            return PAY_ERR(ce ? TEEATTEST_E_JSON : TEEATTEST_E_FIELD_MISSING,
                           "%s.certificate is %s", where,
                           ce ? "not a string" : "missing");
        if (dup_json_str(pl->ctx, ev, &d->evidence, &d->evidence_len) ||
            dup_json_str(pl->ctx, ce, &d->certificate, &d->certificate_len))
            return PAY_ERR(TEEATTEST_E_NOMEM, "out of memory");
        int rc;
        if ((rc = opt_str(pl->ctx, it, "arch", where, &d->arch, err)) ||
            (rc = opt_str(pl->ctx, it, "nonce", where, &d->nonce, err)))
            return rc;
    }
    return TEEATTEST_OK;
}

static int parse_container(ta_gpu_payload *pl, json_t *j, int depth,
                           teeattest_error *err)
{
    if (json_is_array(j))
        return parse_items(pl, j, err);
    if (json_is_string(j)) {
        /* NEAR: the payload is a JSON document inside a JSON string. */
        if (depth > 0)
            return PAY_ERR(TEEATTEST_E_JSON,
                           "payload is a JSON string nested twice");
        json_t *inner = NULL;
        int rc = ta_json_parse(&inner, (const uint8_t *)json_string_value(j),
                               json_string_length(j), TA_GPU_PAYLOAD_MAX, err);
        if (rc)
            return rc;
        rc = parse_container(pl, inner, depth + 1, err);
        json_decref(inner);
        return rc;
    }
    if (!json_is_object(j))
        return PAY_ERR(TEEATTEST_E_JSON,
                       "payload is not a JSON object, array or string");
    static const char *const list_keys[] = {"evidence_list", "evidences",
                                            "gpu_evidence"};
    json_t *list = NULL;
    const char *key = NULL;
    for (size_t i = 0; i < TA_ARRAY_LEN(list_keys); i++) {
        json_t *v = json_object_get(j, list_keys[i]);
        if (!v)
            continue;
        if (list)
            return PAY_ERR(TEEATTEST_E_PARSE,
                           "payload has both %s and %s", key, list_keys[i]);
        list = v;
        key = list_keys[i];
    }
    if (!list)
        return PAY_ERR(TEEATTEST_E_FIELD_MISSING,
                       "payload has no evidence_list");
    if (!json_is_array(list))
        return PAY_ERR(TEEATTEST_E_JSON, "%s is not an array", key);
    int rc;
    if ((rc = opt_str(pl->ctx, j, "nonce", "payload", &pl->nonce, err)) ||
        (rc = opt_str(pl->ctx, j, "arch", "payload", &pl->arch, err)))
        return rc;
    return parse_items(pl, list, err);
}

int ta_gpu_payload_parse(const teeattest_ctx *ctx, const uint8_t *data,
                         size_t len, ta_gpu_payload **out,
                         teeattest_error *err)
{
    if (!out)
        return TA_INVALID(err, "out");
    *out = NULL;
    if (!ctx || (!data && len))
        return TA_INVALID(err, "payload");
    json_t *j = NULL;
    size_t ws = 0;
    while (ws < len && (data[ws] == ' ' || data[ws] == '\t' ||
                        data[ws] == '\r' || data[ws] == '\n'))
        ws++;
    int rc;
    if (ws < len && data[ws] == '"') {
        /* A payload handed over as the JSON string it was embedded as
         * (NEAR): ta_json_parse() takes only objects and arrays. */
        if (len > TA_GPU_PAYLOAD_MAX)
            return PAY_ERR(TEEATTEST_E_TOO_LARGE,
                           "payload of %zu bytes exceeds the %u-byte limit",
                           len, TA_GPU_PAYLOAD_MAX);
        json_error_t je;
        j = json_loadb((const char *)data, len,
                       JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
        if (!j)
            return PAY_ERR(TEEATTEST_E_JSON, "invalid JSON: %s", je.text);
    } else if ((rc = ta_json_parse(&j, data, len, TA_GPU_PAYLOAD_MAX, err))) {
        return rc;
    }
    ta_gpu_payload *pl = ta_calloc(ctx, 1, sizeof *pl);
    if (!pl) {
        json_decref(j);
        return PAY_ERR(TEEATTEST_E_NOMEM, "out of memory");
    }
    pl->ctx = ctx;
    rc = parse_container(pl, j, 0, err);
    json_decref(j);
    if (rc) {
        ta_gpu_payload_free(pl);
        return rc;
    }
    *out = pl;
    return TEEATTEST_OK;
}

void ta_gpu_payload_free(ta_gpu_payload *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++) {
        ta_free(p->ctx, p->items[i].evidence);
        ta_free(p->ctx, p->items[i].certificate);
        ta_free(p->ctx, p->items[i].arch);
        ta_free(p->ctx, p->items[i].nonce);
    }
    ta_free(p->ctx, p->items);
    ta_free(p->ctx, p->nonce);
    ta_free(p->ctx, p->arch);
    ta_free(p->ctx, p);
}
