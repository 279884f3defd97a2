/*
 * PCK certificate SGX extension (OID 1.2.840.113741.1.13.1, spec 4.4),
 * decoded from the certificate's raw v3 extensions with the crypto
 * layer's DER reader (lib/crypto/der.h). Entries are found by OID, never by position.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>

#include "tdx.h"
#include "../crypto/der.h"

/* 1.2.840.113741.1.13.1 */
static const uint8_t sgx_oid[] = {0x2A, 0x86, 0x48, 0x86, 0xF8,
                                  0x4D, 0x01, 0x0D, 0x01};
#define SGX_OID_LEN sizeof sgx_oid

#define EXT_ERR(...) ta_error(err, TEEATTEST_E_PARSE, "tdx.pck_extension", __VA_ARGS__)

/* Is `oid` the SGX base OID followed by the given arcs (each < 128)? */
static bool oid_is(const ta_der *oid, const uint8_t *arcs,
                   size_t n_arcs)
{
    return oid->len == SGX_OID_LEN + n_arcs &&
           memcmp(oid->p, sgx_oid, SGX_OID_LEN) == 0 &&
           memcmp(oid->p + SGX_OID_LEN, arcs, n_arcs) == 0;
}

/* Read an INTEGER in [0, max]. ta_der_get_int copes with the leading
 * 0x00 of values >= 128 (255 is 02 02 00 FF). */
static int get_uint(unsigned char **p, const unsigned char *end, int max,
                    int *out)
{
    int v;
    if (ta_der_get_int(p, end, &v) != 0 || v < 0 || v > max)
        return -1;
    *out = v;
    return 0;
}

static int get_octets(unsigned char **p, const unsigned char *end,
                      uint8_t *out, size_t want)
{
    size_t len;
    if (ta_der_get_tag(p, end, &len, TA_DER_OCTET_STRING) != 0 ||
        len != want)
        return -1;
    memcpy(out, *p, len);
    *p += len;
    return 0;
}

/* The TCB entry: SEQUENCE of 18 SEQUENCE { OID .2.n, value }. */
static int parse_tcb(unsigned char *p, const unsigned char *end,
                     ta_tdx_pck_ext *out, teeattest_error *err)
{
    uint32_t seen = 0;
    while (p < end) {
        size_t len;
        if (ta_der_get_tag(&p, end, &len, TA_DER_SEQUENCE) != 0)
            return EXT_ERR("TCB entry is not a SEQUENCE");
        unsigned char *iend = p + len;
        ta_der oid;
        if (ta_der_get_tag(&p, iend, &oid.len, TA_DER_OID) != 0)
            return EXT_ERR("TCB entry has no OID");
        oid.p = p;
        p += oid.len;
        int idx = -1;
        for (uint8_t k = 1; k <= 18; k++) {
            uint8_t arcs[2] = {2, k};
            if (oid_is(&oid, arcs, 2)) {
                idx = k;
                break;
            }
        }
        if (idx < 0) {
            p = iend; /* unknown entry: ignored */
            continue;
        }
        if (seen & (1u << idx))
            return EXT_ERR("TCB component %d appears twice", idx);
        seen |= 1u << idx;
        int v;
        if (idx <= 16) {
            if (get_uint(&p, iend, 255, &v) != 0)
                return EXT_ERR("TCB component %d is not an INTEGER 0..255",
                               idx);
            out->comp_svn[idx - 1] = (uint8_t)v;
        } else if (idx == 17) {
            if (get_uint(&p, iend, 65535, &v) != 0)
                return EXT_ERR("PCESVN is not an INTEGER 0..65535");
            out->pcesvn = (uint16_t)v;
        } else {
            if (get_octets(&p, iend, out->cpusvn, 16) != 0)
                return EXT_ERR("CPUSVN is not a 16-byte OCTET STRING");
        }
        if (p != iend)
            return EXT_ERR("TCB entry %d has trailing data", idx);
    }
    if ((seen & 0x7FFFEu) != 0x7FFFEu)
        return EXT_ERR("TCB entry lacks some of the 18 components");
    return TEEATTEST_OK;
}

static int parse_sgx(unsigned char *p, const unsigned char *end,
                     bool platform_ca, ta_tdx_pck_ext *out,
                     teeattest_error *err)
{
    size_t len;
    if (ta_der_get_tag(&p, end, &len, TA_DER_SEQUENCE) != 0 || p + len != end)
        return EXT_ERR("SGX extension is not a SEQUENCE");
    uint32_t seen = 0;
    while (p < end) {
        if (ta_der_get_tag(&p, end, &len, TA_DER_SEQUENCE) != 0)
            return EXT_ERR("SGX extension entry is not a SEQUENCE");
        unsigned char *iend = p + len;
        ta_der oid;
        if (ta_der_get_tag(&p, iend, &oid.len, TA_DER_OID) != 0)
            return EXT_ERR("SGX extension entry has no OID");
        oid.p = p;
        p += oid.len;
        int idx = -1;
        for (uint8_t k = 1; k <= 7; k++) {
            uint8_t arc = k;
            if (oid_is(&oid, &arc, 1)) {
                idx = k;
                break;
            }
        }
        if (idx < 0) {
            p = iend;
            continue;
        }
        if (seen & (1u << idx))
            return EXT_ERR("SGX extension entry %d appears twice", idx);
        seen |= 1u << idx;
        int rc = 0;
        switch (idx) {
        case 1:
            if (get_octets(&p, iend, out->ppid, 16) != 0)
                return EXT_ERR("PPID is not a 16-byte OCTET STRING");
            break;
        case 2:
            if (ta_der_get_tag(&p, iend, &len, TA_DER_SEQUENCE) != 0 ||
                p + len != iend)
                return EXT_ERR("TCB is not a SEQUENCE");
            rc = parse_tcb(p, iend, out, err);
            if (rc)
                return rc;
            p = iend;
            break;
        case 3:
            if (get_octets(&p, iend, out->pceid, 2) != 0)
                return EXT_ERR("PCE-ID is not a 2-byte OCTET STRING");
            break;
        case 4:
            if (get_octets(&p, iend, out->fmspc, 6) != 0)
                return EXT_ERR("FMSPC is not a 6-byte OCTET STRING");
            break;
        case 5: {
            int v;
            if (ta_der_get_enum(&p, iend, &v) != 0 || v < 0 || v > 2)
                return EXT_ERR("SGX Type is not ENUMERATED 0..2");
            out->sgx_type = v;
            break;
        }
        case 6:
            if (get_octets(&p, iend, out->platform_instance_id, 16) != 0)
                return EXT_ERR("Platform Instance ID is not a 16-byte "
                               "OCTET STRING");
            out->has_platform_instance_id = true;
            break;
        default: /* .7 Configuration: structure checked, values unused */
            if (ta_der_get_tag(&p, iend, &len, TA_DER_SEQUENCE) != 0 ||
                p + len != iend)
                return EXT_ERR("Configuration is not a SEQUENCE");
            p = iend;
            break;
        }
        if (p != iend)
            return EXT_ERR("SGX extension entry %d has trailing data", idx);
    }
    uint32_t need = 0x3Eu; /* .1 .. .5 */
    if (platform_ca)
        need |= 0xC0u;     /* .6 .7 */
    if ((seen & need) != need)
        return EXT_ERR("SGX extension lacks required entries (have mask "
                       "0x%02x, need 0x%02x)", (unsigned)seen, (unsigned)need);
    return TEEATTEST_OK;
}

int ta_tdx_pck_ext_parse(const ta_x509 *leaf, bool platform_ca,
                         ta_tdx_pck_ext *out, teeattest_error *err)
{
    ta_der exts = ta_x509_extensions(leaf);
    return ta_tdx_pck_ext_parse_der(exts.p, exts.len, platform_ca, out, err);
}

int ta_tdx_pck_ext_parse_der(const uint8_t *exts, size_t exts_len,
                             bool platform_ca, ta_tdx_pck_ext *out,
                             teeattest_error *err)
{
    memset(out, 0, sizeof *out);
    if (!exts || !exts_len)
        return EXT_ERR("PCK certificate has no extensions");
    unsigned char *p = (unsigned char *)exts;
    const unsigned char *end = p + exts_len;
    size_t len;
    /* The Extensions SEQUENCE (inside the [3] wrapper). */
    if (ta_der_get_tag(&p, end, &len, TA_DER_SEQUENCE) != 0 || p + len != end)
        return EXT_ERR("PCK certificate extensions are malformed");
    bool found = false;
    while (p < end) {
        if (ta_der_get_tag(&p, end, &len, TA_DER_SEQUENCE) != 0)
            return EXT_ERR("malformed extension");
        unsigned char *eend = p + len;
        ta_der oid;
        if (ta_der_get_tag(&p, eend, &oid.len, TA_DER_OID) != 0)
            return EXT_ERR("extension without OID");
        oid.p = p;
        p += oid.len;
        if (!(oid.len == SGX_OID_LEN && memcmp(oid.p, sgx_oid, SGX_OID_LEN) == 0)) {
            p = eend;
            continue;
        }
        if (found)
            return EXT_ERR("SGX extension appears twice");
        found = true;
        int crit = 0;
        if (p < eend && *p == TA_DER_BOOLEAN &&
            ta_der_get_bool(&p, eend, &crit) != 0)
            return EXT_ERR("SGX extension critical flag is malformed");
        if (ta_der_get_tag(&p, eend, &len, TA_DER_OCTET_STRING) != 0 ||
            p + len != eend)
            return EXT_ERR("SGX extension value is not an OCTET STRING");
        int rc = parse_sgx(p, eend, platform_ca, out, err);
        if (rc)
            return rc;
        p = eend;
    }
    if (!found)
        return EXT_ERR("PCK certificate lacks the SGX extension "
                       "(1.2.840.113741.1.13.1)");
    return TEEATTEST_OK;
}
