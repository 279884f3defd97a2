/*
 * NVIDIA RIM layer (lib/gpu/rim.c): every fixture RIM against its
 * expected.json, tampering, hostile documents, golden comparison against
 * real fixture evidence, and the checks appended to a result.
 *
 * The SPDM measurement blocks are read from evidence.bin by a tiny local
 * reader below (independent of lib/gpu's evidence parser); the opaque
 * driver/VBIOS versions and NVDEC0 status are taken from expected.json.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <jansson.h>

#include "unit.h"

#include "crypto/crypto.h"
#include "gpu/rim.h"

static teeattest_ctx *ctx;

static void tcheck(int ok, const char *fmt, ...) TA_PRINTF(2, 3);
static void tcheck(int ok, const char *fmt, ...)
{
    char name[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    ta_test_check(ok, name, __FILE__, __LINE__);
}

static int64_t iso_time(const char *s)
{
    int y, mo, d, h, mi, se;
    if (!s || sscanf(s, "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &se) != 6)
        return -1;
    return ta_timegm(y, mo, d, h, mi, se);
}

static uint8_t *load(const char *rel, size_t *len)
{
    char p[512];
    snprintf(p, sizeof p, "nvidia/%s", rel);
    return ta_test_read_file(ta_test_fixture(p), len);
}

static json_t *load_expected(const char *dir)
{
    char p[512];
    snprintf(p, sizeof p, "nvidia/%s/expected.json", dir);
    return json_load_file(ta_test_fixture(p), 0, NULL);
}

/* ---- every fixture RIM against expected.json --------------------------- */

/* Cases with RIMs; verify_at from expected.json, else this default (inside
 * the windows the expected verdicts describe: rim_standalone's valid RIM
 * signer 2024-12-30..2026-12-30, h100_580's signer ..2025-09-05). */
static const struct {
    const char *dir;
    const char *default_at;
} rim_cases[] = {
    {"h100_550.90.07_full", NULL},
    {"h100_545.00_nvtrust2023", NULL},
    {"h100_535.86.09_sdk", NULL},
    {"h100_580.159.03_sdk", "2025-06-01T00:00:00Z"},
    {"rim_standalone", "2025-10-24T12:00:00Z"},
};

static int n_rims_checked;
static int tcheck_file(const void *p, const char *what);

static void check_one_rim(const json_t *e, int64_t at)
{
    const char *file = json_string_value(json_object_get(e, "file"));
    size_t len;
    uint8_t *xml = load(file, &len);
    if (!tcheck_file(xml, file))
        return;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    ta_rim *rim = NULL;
    int rc = ta_rim_parse(ctx, xml, len, &rim, &err);
    tcheck(rc == TEEATTEST_OK, "%s parses (%s)", file, rc ? err.message : "ok");
    free(xml);
    if (rc)
        return;
    n_rims_checked++;
    const char *cv = json_string_value(json_object_get(e, "colloquialVersion"));
    tcheck(cv && strcmp(rim->colloquial_version, cv) == 0,
           "%s colloquialVersion %s", file, rim->colloquial_version);
    const char *fm = json_string_value(json_object_get(e, "FirmwareManufacturerId"));
    tcheck(fm && rim->firmware_manufacturer_id &&
           strcmp(rim->firmware_manufacturer_id, fm) == 0,
           "%s FirmwareManufacturerId", file);
    tcheck((json_int_t)rim->canon_doc_len ==
           json_integer_value(json_object_get(e, "canonical_document_len")),
           "%s canonical document length %zu", file, rim->canon_doc_len);
    char hex[129];
    ta_hex_encode(hex, rim->signedinfo_digest, 48);
    const char *si = json_string_value(json_object_get(e, "canonical_signedinfo_sha384"));
    tcheck(rim->sig_hash_alg == TEEATTEST_HASH_SHA384 && si &&
           strcmp(hex, si) == 0, "%s SHA-384 of canonical SignedInfo", file);
    char b64[100];
    ta_base64_encode(b64, rim->digest_value, rim->digest_len, false);
    const char *dv = json_string_value(json_object_get(e, "digest_value_b64"));
    tcheck(dv && strcmp(b64, dv) == 0, "%s DigestValue", file);

    bool want_digest = json_is_true(json_object_get(e, "canonical_document_sha384_matches_digest"));
    bool want_sig = json_is_true(json_object_get(e, "signature_valid"));
    bool want_chain = json_is_true(json_object_get(e, "chain_to_pinned_corim_root"));
    const json_t *val = json_object_get(e, "cert_chain_validity");
    size_t i;
    const json_t *w;
    json_array_foreach(val, i, w) {
        int64_t nb = iso_time(json_string_value(json_array_get(w, 0)));
        int64_t na = iso_time(json_string_value(json_array_get(w, 1)));
        if (at < nb || at > na)
            want_chain = false;
    }
    tcheck((ta_rim_check_digest(rim) == TEEATTEST_OK) == want_digest,
           "%s digest %s", file, want_digest ? "valid" : "invalid");
    rc = ta_rim_check_signature(rim, &err);
    tcheck((rc == TEEATTEST_OK) == want_sig, "%s signature %s", file,
           want_sig ? "valid" : "invalid");
    uint32_t flags = 0;
    rc = ta_rim_check_chain(rim, NULL, 0, at, &flags, NULL, &err);
    tcheck((rc == TEEATTEST_OK) == want_chain, "%s chain %s (flags 0x%x)",
           file, want_chain ? "valid" : "invalid", flags);

    const json_t *act = json_object_get(e, "active_indices");
    if (act) {
        size_t na = 0;
        bool same = true;
        for (size_t k = 0; k < rim->n_meas; k++) {
            if (!rim->meas[k].active)
                continue;
            if ((json_int_t)rim->meas[k].index !=
                json_integer_value(json_array_get(act, na)))
                same = false;
            na++;
        }
        tcheck(same && na == json_array_size(act), "%s active indexes (%zu)",
               file, na);
    }
    const json_t *tot = json_object_get(e, "total_resources");
    if (tot)
        tcheck((json_int_t)rim->n_meas == json_integer_value(tot),
               "%s %zu resources", file, rim->n_meas);
    ta_rim_free(rim);
}

static int tcheck_file(const void *p, const char *what)
{
    if (!p)
        tcheck(0, "fixture %s readable", what ? what : "(null)");
    return p != NULL;
}

static void walk_rims(const json_t *j, int64_t at)
{
    if (json_is_object(j)) {
        const char *f = json_string_value(json_object_get(j, "file"));
        if (f && strstr(f, ".xml") && json_object_get(j, "digest_value_b64")) {
            check_one_rim(j, at);
            return;
        }
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)j, k, v)
            walk_rims(v, at);
    } else if (json_is_array(j)) {
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v)
            walk_rims(v, at);
    }
}

static void test_fixture_rims(void)
{
    for (size_t c = 0; c < TA_ARRAY_LEN(rim_cases); c++) {
        json_t *e = load_expected(rim_cases[c].dir);
        if (!tcheck_file(e, rim_cases[c].dir))
            continue;
        const char *va = json_string_value(json_object_get(e, "verify_at"));
        int64_t at = iso_time(va ? va : rim_cases[c].default_at);
        walk_rims(e, at);
        json_decref(e);
    }
    tcheck(n_rims_checked == 12, "12 fixture RIMs checked (%d)", n_rims_checked);
}

/* Expired signer: h100_580's VBIOS RIM at the later time fails on the
 * chain only, with the expired flag. */
static void test_expired_chain(void)
{
    size_t len;
    uint8_t *xml = load("h100_580.159.03_sdk/vbios_rim.xml", &len);
    if (!tcheck_file(xml, "580 vbios"))
        return;
    ta_rim *rim = NULL;
    CHECK(ta_rim_parse(ctx, xml, len, &rim, NULL) == TEEATTEST_OK);
    free(xml);
    if (!rim)
        return;
    uint32_t flags = 0;
    int64_t na = 0;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    CHECK(ta_rim_check_chain(rim, NULL, 0, iso_time("2025-10-24T12:00:00Z"),
                             &flags, &na, &err) == TEEATTEST_E_CERT_CHAIN);
    CHECK(flags & TEEATTEST_X509_EXPIRED);
    CHECK(na == iso_time("2025-09-05T08:46:45Z"));
    CHECK(strstr(err.message, "2025-09-05") != NULL);
    /* A different trust anchor: not the embedded root, so refused. */
    CHECK(ta_rim_check_chain(rim, rim->certs[0], rim->cert_lens[0],
                             iso_time("2025-06-01T00:00:00Z"), &flags, NULL,
                             NULL) == TEEATTEST_E_CERT_CHAIN);
    ta_rim_free(rim);
}

/* The tampered driver RIM of h100_535: its signer is valid only from
 * 2025-05-24 (after the case's verify_at), so judge it at 2025-06-01 too,
 * where everything but the digest holds. */
static void test_tampered_only_digest(void)
{
    size_t len;
    uint8_t *xml = load("h100_535.86.09_sdk/driver_rim_tampered.xml", &len);
    if (!tcheck_file(xml, "535 tampered"))
        return;
    ta_rim *rim = NULL;
    CHECK(ta_rim_parse(ctx, xml, len, &rim, NULL) == TEEATTEST_OK);
    free(xml);
    if (!rim)
        return;
    CHECK(ta_rim_check_digest(rim) == TEEATTEST_E_VERIFY_FAILED);
    CHECK(ta_rim_check_signature(rim, NULL) == TEEATTEST_OK);
    CHECK(ta_rim_check_chain(rim, NULL, 0, iso_time("2025-06-01T00:00:00Z"),
                             NULL, NULL, NULL) == TEEATTEST_OK);
    ta_rim_free(rim);
}

/* ---- tampering ----------------------------------------------------------- */

#define BASE_RIM "h100_550.90.07_full/driver_rim.xml"

static int64_t base_at(void)
{
    return iso_time("2025-10-24T12:00:00Z");
}

typedef struct verdicts {
    int parse, digest, sig, chain;
} verdicts;

static verdicts judge(const uint8_t *xml, size_t len)
{
    verdicts v = {0, -1, -1, -1};
    ta_rim *rim = NULL;
    v.parse = ta_rim_parse(ctx, xml, len, &rim, NULL);
    if (v.parse)
        return v;
    v.digest = ta_rim_check_digest(rim);
    v.sig = ta_rim_check_signature(rim, NULL);
    v.chain = ta_rim_check_chain(rim, NULL, 0, base_at(), NULL, NULL, NULL);
    ta_rim_free(rim);
    return v;
}

/* Position of the n-th occurrence of `needle` (0-based), or -1. */
static long find(const uint8_t *hay, size_t len, const char *needle, int nth)
{
    size_t nl = strlen(needle);
    for (size_t i = 0; i + nl <= len; i++)
        if (memcmp(hay + i, needle, nl) == 0 && nth-- == 0)
            return (long)i;
    return -1;
}

/* Replace one base64 or hex character at p by a different one of the same
 * alphabet. */
static void flip_char(uint8_t *c)
{
    *c = (*c == 'A') ? 'B' : (*c == '0') ? '1' : (*c == 'a') ? 'b' : 'A';
}

static void test_tamper(void)
{
    size_t len;
    uint8_t *orig = load(BASE_RIM, &len);
    if (!tcheck_file(orig, BASE_RIM))
        return;
    uint8_t *x = malloc(len + 64);
    verdicts v = judge(orig, len);
    CHECK(v.parse == 0 && v.digest == 0 && v.sig == 0 && v.chain == 0);

    /* A golden value (index 7, active): the digest catches it, while the
     * SignatureValue over SignedInfo still verifies. */
    memcpy(x, orig, len);
    long p = find(x, len, "index=\"7\"", 0);
    long h = p < 0 ? -1 : find(x + p, len - (size_t)p, "Hash0=\"", 0);
    CHECK(p > 0 && h > 0);
    if (p > 0 && h > 0) {
        uint8_t *c = x + p + h + 7 + 10;
        *c = (*c == 'f') ? 'e' : (uint8_t)((*c >= '0' && *c <= '8') ? *c + 1 : 'a');
        v = judge(x, len);
        tcheck(v.parse == 0 && v.digest == TEEATTEST_E_VERIFY_FAILED &&
               v.sig == 0 && v.chain == 0, "measurement byte: digest fails only");
    }

    /* SignedInfo: whitespace inside it changes its canonical form but not
     * the document's (the Signature is excluded from the digest). */
    long si = find(orig, len, "<ds:SignatureMethod", 0);
    CHECK(si > 0);
    if (si > 0) {
        memcpy(x, orig, (size_t)si);
        x[si] = ' ';
        memcpy(x + si + 1, orig + si, len - (size_t)si);
        v = judge(x, len + 1);
        tcheck(v.parse == 0 && v.digest == 0 &&
               v.sig == TEEATTEST_E_VERIFY_FAILED && v.chain == 0,
               "SignedInfo byte: signature fails only");
    }
    /* DigestValue (inside SignedInfo): both fail. */
    memcpy(x, orig, len);
    p = find(x, len, "<ds:DigestValue>", 0);
    if (p > 0) {
        flip_char(x + p + 16 + 5);
        v = judge(x, len);
        tcheck(v.parse == 0 && v.digest == TEEATTEST_E_VERIFY_FAILED &&
               v.sig == TEEATTEST_E_VERIFY_FAILED, "DigestValue byte: digest and signature fail");
    }
    /* SignatureValue. */
    memcpy(x, orig, len);
    p = find(x, len, "<ds:SignatureValue>", 0);
    CHECK(p > 0);
    if (p > 0) {
        flip_char(x + p + 19 + 10);
        v = judge(x, len);
        tcheck(v.parse == 0 && v.digest == 0 &&
               v.sig == TEEATTEST_E_VERIFY_FAILED && v.chain == 0,
               "signature byte: signature fails only");
    }
    /* Intermediate certificate (L3), in its signature near the end: the
     * chain fails, the RIM signature (leaf key) still verifies. */
    memcpy(x, orig, len);
    p = find(x, len, "<ds:X509Certificate>", 1);
    long end = p < 0 ? -1 : find(x + p, len - (size_t)p, "</ds:X509Certificate>", 0);
    CHECK(p > 0 && end > 40);
    if (p > 0 && end > 40) {
        flip_char(x + p + end - 20);
        v = judge(x, len);
        tcheck((v.parse == 0 && v.digest == 0 && v.sig == 0 &&
                v.chain == TEEATTEST_E_CERT_CHAIN) ||
               v.parse != 0, "intermediate certificate byte: chain fails");
    }
    /* Leaf certificate, in its public key: the signature fails (or the
     * certificate no longer parses) and the chain fails. */
    memcpy(x, orig, len);
    p = find(x, len, "<ds:X509Certificate>", 0);
    CHECK(p > 0);
    if (p > 0) {
        flip_char(x + p + 20 + 400);
        v = judge(x, len);
        tcheck(v.parse == 0 && v.digest == 0 && v.sig != 0 &&
               v.chain == TEEATTEST_E_CERT_CHAIN, "leaf certificate byte: signature and chain fail");
    }
    free(x);
    free(orig);
}

/* ---- hostile and malformed documents ------------------------------------ */

static int parse_str(const char *s)
{
    ta_rim *rim = NULL;
    int rc = ta_rim_parse(ctx, (const uint8_t *)s, strlen(s), &rim, NULL);
    ta_rim_free(rim);
    return rc;
}

static int parse_edit(const uint8_t *orig, size_t len, const char *from,
                      const char *to, int nth)
{
    long p = find(orig, len, from, nth);
    if (p < 0)
        return 12345;
    size_t fl = strlen(from), tl = strlen(to);
    uint8_t *x = malloc(len - fl + tl + 1);
    memcpy(x, orig, (size_t)p);
    memcpy(x + p, to, tl);
    memcpy(x + p + tl, orig + p + fl, len - (size_t)p - fl);
    ta_rim *rim = NULL;
    int rc = ta_rim_parse(ctx, x, len - fl + tl, &rim, NULL);
    ta_rim_free(rim);
    free(x);
    return rc;
}

static void test_hostile(void)
{
    CHECK(parse_str("<!DOCTYPE x [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;\">]>"
                    "<SoftwareIdentity xmlns=\"http://standards.iso.org/iso/"
                    "19770/-2/2015/schema.xsd\">&b;</SoftwareIdentity>") ==
          TEEATTEST_E_PARSE);
    CHECK(parse_str("<!DOCTYPE x SYSTEM \"file:///etc/passwd\"><x/>") ==
          TEEATTEST_E_PARSE);
    CHECK(parse_str("<x>&xxe;</x>") == TEEATTEST_E_PARSE);
    CHECK(parse_str("<x><!-- c --></x>") == TEEATTEST_E_PARSE);
    CHECK(parse_str("<x><![CDATA[a]]></x>") == TEEATTEST_E_PARSE);
    CHECK(parse_str("<x><?pi a?></x>") == TEEATTEST_E_PARSE);
    CHECK(parse_str("<x/>") == TEEATTEST_E_PARSE);
    CHECK(parse_str("") == TEEATTEST_E_PARSE);
    CHECK(parse_str("<SoftwareIdentity xmlns=\"http://standards.iso.org/iso/"
                    "19770/-2/2015/schema.xsd\"/>") == TEEATTEST_E_PARSE);

    size_t len;
    uint8_t *orig = load(BASE_RIM, &len);
    if (!tcheck_file(orig, BASE_RIM))
        return;
    /* DOCTYPE in front of a genuine RIM. */
    const char *dt = "<!DOCTYPE SoftwareIdentity [<!ENTITY e SYSTEM \"http://127.0.0.1:1/\">]>\n";
    uint8_t *x = malloc(len + strlen(dt) + 1);
    memcpy(x, dt, strlen(dt));
    memcpy(x + strlen(dt), orig, len);
    ta_rim *rim = NULL;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    CHECK(ta_rim_parse(ctx, x, len + strlen(dt), &rim, &err) == TEEATTEST_E_PARSE);
    CHECK(strstr(err.message, "DOCTYPE") != NULL);
    free(x);
    /* An XML declaration is fine. */
    const char *decl = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    x = malloc(len + strlen(decl) + 1);
    memcpy(x, decl, strlen(decl));
    memcpy(x + strlen(decl), orig, len);
    verdicts v = judge(x, len + strlen(decl));
    CHECK(v.parse == 0 && v.digest == 0 && v.sig == 0);
    free(x);

    /* Outside the profile. */
    CHECK(parse_edit(orig, len, "http://www.w3.org/2006/12/xml-c14n11",
                     "http://www.w3.org/2001/10/xml-exc-c14n#", 0) == TEEATTEST_E_PARSE);
    CHECK(parse_edit(orig, len, "http://www.w3.org/2006/12/xml-c14n11",
                     "http://www.w3.org/2001/10/xml-exc-c14n#", 1) == TEEATTEST_E_PARSE);
    CHECK(parse_edit(orig, len, "URI=\"\"", "URI=\"#x\"", 0) == TEEATTEST_E_PARSE);
    CHECK(parse_edit(orig, len, "xmldsig-more#ecdsa-sha384", "xmldsig-more#rsa-sha384", 0) ==
          TEEATTEST_E_PARSE);
    CHECK(parse_edit(orig, len, "xmldsig-more#sha384\"", "xmldsig#sha1\"", 0) ==
          TEEATTEST_E_PARSE);
    CHECK(parse_edit(orig, len, "index=\"1\"", "index=\"0\"", 0) == TEEATTEST_E_PARSE);
    CHECK(parse_edit(orig, len, "alternatives=\"1\"", "alternatives=\"2\"", 0) ==
          TEEATTEST_E_PARSE);
    CHECK(parse_edit(orig, len, "Hash0=\"0", "Hash0=\"x", 0) == TEEATTEST_E_HEX);
    CHECK(parse_edit(orig, len, "active=\"False\"", "active=\"maybe\"", 0) ==
          TEEATTEST_E_PARSE);
    CHECK(parse_edit(orig, len, "colloquialVersion=", "colloquialVersionX=", 0) ==
          TEEATTEST_E_FIELD_MISSING);
    CHECK(parse_edit(orig, len, "</ds:Signature>",
                     "</ds:Signature><ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"/>", 0) ==
          TEEATTEST_E_PARSE);
    CHECK(parse_edit(orig, len, "<ds:SignatureValue>", "<ds:SignatureValue>AAAA", 0) ==
          TEEATTEST_E_LENGTH);
    CHECK(parse_edit(orig, len, "<ns0:Entity", "<ns0:Entity a=\"&amp;\"", 0) == 0);
    CHECK(parse_edit(orig, len, "<ns0:Entity", "<ns0:Entity a=\"&foo;\"", 0) ==
          TEEATTEST_E_PARSE);

    /* Truncated at many lengths, and one byte too many: fail cleanly. */
    int bad = 0, n = 0;
    for (size_t l = 0; l < len; l += (l < 400 || l > len - 400) ? 7 : 331) {
        ta_rim *r = NULL;
        int rc = ta_rim_parse(ctx, orig, l, &r, NULL);
        if (rc == TEEATTEST_OK || r)
            bad++;
        ta_rim_free(r);
        n++;
    }
    tcheck(bad == 0, "%d truncations rejected", n);
    /* Over the size limit. */
    uint8_t *big = calloc(1, TA_RIM_MAX_SIZE + 1);
    memcpy(big, orig, len);
    memset(big + len, ' ', TA_RIM_MAX_SIZE + 1 - len);
    CHECK(ta_rim_parse(ctx, big, TA_RIM_MAX_SIZE + 1, &rim, NULL) == TEEATTEST_E_TOO_LARGE);
    free(big);
    CHECK(ta_rim_parse(ctx, NULL, 0, &rim, NULL) == TEEATTEST_E_PARSE);
    CHECK(ta_rim_parse(NULL, orig, len, &rim, NULL) == TEEATTEST_E_INVALID_ARG);
    free(orig);
}

/* ---- comparison against real evidence ----------------------------------- */

typedef struct gpu_meas {
    ta_rim_block blocks[TA_RIM_MAX_INDEX];
    uint8_t store[64][64];
    char driver[32], vbios[32];
    int nvdec;
} gpu_meas;

/* SPDM 1.1 MEASUREMENTS after the 37-byte request: header(4), count(1),
 * record length(3 LE), blocks {index, spec, size u16, type, vsize u16,
 * value}. */
static bool read_evidence(const char *dir, gpu_meas *g)
{
    memset(g, 0, sizeof *g);
    char rel[256];
    snprintf(rel, sizeof rel, "%s/evidence.bin", dir);
    size_t len;
    uint8_t *ev = load(rel, &len);
    if (!ev || len < 45) {
        free(ev);
        return false;
    }
    size_t count = ev[41];
    size_t rl = ev[42] | (size_t)ev[43] << 8 | (size_t)ev[44] << 16;
    size_t off = 45, end = 45 + rl;
    bool ok = end <= len;
    for (size_t i = 0; ok && i < count; i++) {
        if (off + 7 > end) {
            ok = false;
            break;
        }
        unsigned idx = ev[off];
        size_t vsz = ev[off + 5] | (size_t)ev[off + 6] << 8;
        if (idx < 1 || idx > 64 || vsz > 64 || off + 7 + vsz > end) {
            ok = false;
            break;
        }
        memcpy(g->store[idx - 1], ev + off + 7, vsz);
        g->blocks[idx - 1].present = true;
        g->blocks[idx - 1].value = g->store[idx - 1];
        g->blocks[idx - 1].len = vsz;
        off += 4 + (ev[off + 2] | (size_t)ev[off + 3] << 8);
    }
    free(ev);
    json_t *e = load_expected(dir);
    json_t *op = json_object_get(json_object_get(e, "evidence"), "opaque");
    const char *dv = json_string_value(json_object_get(op, "driver_version"));
    const char *vv = json_string_value(json_object_get(op, "vbios_version"));
    const char *nv = json_string_value(json_object_get(op, "nvdec0_status"));
    snprintf(g->driver, sizeof g->driver, "%s", dv ? dv : "");
    snprintf(g->vbios, sizeof g->vbios, "%s", vv ? vv : "");
    g->nvdec = nv ? (int)strtol(nv, NULL, 16) : -1;
    json_decref(e);
    return ok && off == end;
}

static ta_rim *parse_file(const char *rel)
{
    size_t len;
    uint8_t *xml = load(rel, &len);
    ta_rim *rim = NULL;
    if (xml)
        ta_rim_parse(ctx, xml, len, &rim, NULL);
    free(xml);
    return rim;
}

static ta_rim_runtime runtime_of(const gpu_meas *g)
{
    ta_rim_runtime rt = {g->blocks, 64, g->nvdec, g->driver, g->vbios};
    return rt;
}

/* Compare mismatches with an expected.json "*_comparison" entry. */
static void expect_comparison(const char *dir, const char *key,
                              const ta_rim_compare_out *c, const char *what)
{
    json_t *e = load_expected(dir);
    json_t *x = json_object_get(e, key);
    json_t *mm = json_object_get(x, "mismatches");
    tcheck(x && (json_int_t)c->compared ==
                    json_integer_value(json_object_get(x, "active_golden_compared")),
           "%s: %zu golden values compared", what, c->compared);
    bool same = mm && json_array_size(mm) == c->n_mismatches;
    for (size_t i = 0; same && i < c->n_mismatches; i++) {
        json_t *m = json_array_get(mm, i);
        const char *src = json_string_value(json_object_get(m, "source"));
        same = json_integer_value(json_object_get(m, "rim_index")) ==
                   c->mismatches[i].index &&
               json_integer_value(json_object_get(m, "spdm_block_index")) ==
                   c->mismatches[i].index + 1 &&
               src && strcmp(src, c->mismatches[i].source == TA_RIM_SRC_DRIVER
                                      ? "driver" : "vbios") == 0;
    }
    tcheck(same, "%s: %zu mismatches as expected.json says", what,
           c->n_mismatches);
    tcheck(c->n_conflicts ==
               json_array_size(json_object_get(x, "driver_vbios_index_conflict")),
           "%s: no driver/VBIOS conflict", what);
    json_decref(e);
}

static void test_compare_fixtures(void)
{
    static gpu_meas g;
    ta_rim_compare_out *c = malloc(sizeof *c);

    CHECK(read_evidence("h100_550.90.07_full", &g));
    ta_rim *d = parse_file("h100_550.90.07_full/driver_rim.xml");
    ta_rim *v = parse_file("h100_550.90.07_full/vbios_rim.xml");
    ta_rim_runtime rt = runtime_of(&g);
    CHECK(d && v && g.nvdec == 0x55);
    CHECK(ta_rim_compare(d, v, &rt, c) == TEEATTEST_OK);
    CHECK(c->driver_version_ok && c->vbios_version_ok && c->skipped_nvdec0);
    expect_comparison("h100_550.90.07_full", "measurement_comparison_nvdec_skip35", c,
                      "550.90.07 NVDEC0 disabled");
    rt.nvdec0_status = 0xAA;
    CHECK(ta_rim_compare(d, v, &rt, c) == TEEATTEST_OK);
    expect_comparison("h100_550.90.07_full", "measurement_comparison_including_35", c,
                      "550.90.07 index 35 compared");
    /* Index 35 has 4 alternatives: each one is accepted. */
    const ta_rim_measurement *m35 = NULL;
    for (size_t i = 0; i < d->n_meas; i++)
        if (d->meas[i].index == 35)
            m35 = &d->meas[i];
    CHECK(m35 && m35->active && m35->n_alt == 4);
    if (m35 && m35->n_alt == 4) {
        uint8_t saved[64];
        memcpy(saved, g.store[35], 48);
        int okc = 0;
        for (uint32_t a = 0; a < 4; a++) {
            memcpy(g.store[35], m35->values + a * 48, 48);
            okc += ta_rim_compare(d, v, &rt, c) == TEEATTEST_OK;
        }
        CHECK(okc == 4);
        g.store[35][0] ^= 1;
        CHECK(ta_rim_compare(d, v, &rt, c) == TEEATTEST_E_VERIFY_FAILED &&
              c->n_mismatches == 1 && c->mismatches[0].index == 35 &&
              c->mismatches[0].reason == TA_RIM_MISS_VALUE);
        rt.nvdec0_status = 0x55; /* NVDEC0 disabled: 35 not judged */
        CHECK(ta_rim_compare(d, v, &rt, c) == TEEATTEST_OK);
        rt.nvdec0_status = 0x12;
        CHECK(ta_rim_compare(d, v, &rt, c) == TEEATTEST_E_VERIFY_FAILED &&
              c->nvdec0_invalid);
        memcpy(g.store[35], saved, 48);
        rt.nvdec0_status = 0x55;
    }
    /* One byte of one runtime measurement (VBIOS index 9). */
    g.store[9][47] ^= 0x80;
    CHECK(ta_rim_compare(d, v, &rt, c) == TEEATTEST_E_VERIFY_FAILED &&
          c->n_mismatches == 1 && c->mismatches[0].index == 9 &&
          c->mismatches[0].source == TA_RIM_SRC_VBIOS);
    g.store[9][47] ^= 0x80;
    /* Absent block, wrong size. */
    g.blocks[21].present = false;
    g.blocks[22].len = 32;
    CHECK(ta_rim_compare(d, v, &rt, c) == TEEATTEST_E_VERIFY_FAILED &&
          c->n_mismatches == 2 && c->mismatches[0].reason == TA_RIM_MISS_ABSENT &&
          c->mismatches[1].reason == TA_RIM_MISS_SIZE);
    g.blocks[21].present = true;
    g.blocks[22].len = 48;
    /* Versions. */
    rt.driver_version = "550.90.08";
    CHECK(ta_rim_compare(d, v, &rt, c) == TEEATTEST_E_VERIFY_FAILED &&
          !c->driver_version_ok && c->vbios_version_ok);
    rt.driver_version = g.driver;
    rt.vbios_version = "96.00.9f.00.01"; /* case-insensitive */
    CHECK(ta_rim_compare(d, v, &rt, c) == TEEATTEST_OK);
    rt.vbios_version = NULL;
    CHECK(ta_rim_compare(d, v, &rt, c) == TEEATTEST_E_VERIFY_FAILED &&
          !c->vbios_version_ok);
    rt.vbios_version = g.vbios;
    /* Conflict: an index active in both RIMs (driver RIM as VBIOS too). */
    CHECK(ta_rim_compare(d, d, &rt, c) == TEEATTEST_E_VERIFY_FAILED &&
          c->n_conflicts == 21);
    ta_rim_free(d);
    ta_rim_free(v);

    CHECK(read_evidence("h100_545.00_nvtrust2023", &g));
    d = parse_file("h100_545.00_nvtrust2023/driver_rim.xml");
    v = parse_file("h100_545.00_nvtrust2023/vbios_rim.xml");
    rt = runtime_of(&g);
    CHECK(d && v && ta_rim_compare(d, v, &rt, c) == TEEATTEST_OK);
    expect_comparison("h100_545.00_nvtrust2023", "measurement_comparison_nvdec_skip35", c,
                      "545.00");
    ta_rim_free(d);
    ta_rim_free(v);

    CHECK(read_evidence("h100_535.86.09_sdk", &g));
    rt = runtime_of(&g);
    v = parse_file("h100_535.86.09_sdk/vbios_rim.xml");
    CHECK(v && ta_rim_compare(NULL, v, &rt, c) == TEEATTEST_OK);
    expect_comparison("h100_535.86.09_sdk", "vbios_comparison", c, "535 VBIOS");
    ta_rim_free(v);
    v = parse_file("h100_535.86.09_sdk/vbios_rim_index9_differs.xml");
    CHECK(v && ta_rim_compare(NULL, v, &rt, c) == TEEATTEST_E_VERIFY_FAILED);
    expect_comparison("h100_535.86.09_sdk", "vbios_index9_comparison", c,
                      "535 VBIOS index-9 RIM");
    ta_rim_free(v);
    d = parse_file("h100_535.86.09_sdk/driver_rim_tampered.xml");
    CHECK(d && ta_rim_compare(d, NULL, &rt, c) == TEEATTEST_E_VERIFY_FAILED);
    expect_comparison("h100_535.86.09_sdk", "tampered_driver_comparison", c,
                      "535 tampered driver RIM");
    ta_rim_free(d);

    CHECK(read_evidence("h100_580.159.03_sdk", &g));
    rt = runtime_of(&g);
    v = parse_file("h100_580.159.03_sdk/vbios_rim.xml");
    CHECK(v && ta_rim_compare(NULL, v, &rt, c) == TEEATTEST_E_VERIFY_FAILED);
    expect_comparison("h100_580.159.03_sdk", "vbios_comparison", c, "580 VBIOS");
    ta_rim_free(v);
    CHECK(ta_rim_compare(NULL, NULL, NULL, c) == TEEATTEST_E_INVALID_ARG);
    free(c);
}

/* ---- checks appended to a result ----------------------------------------- */

static int32_t outcome_of(teeattest_result *r, const char *name)
{
    int32_t o = 0;
    if (teeattest_result_find_check(r, name, &o, NULL, NULL) != TEEATTEST_OK)
        return -1;
    return o;
}

static void test_append(void)
{
    static gpu_meas g;
    size_t dl, vl;
    uint8_t *dx = load("h100_550.90.07_full/driver_rim.xml", &dl);
    uint8_t *vx = load("h100_550.90.07_full/vbios_rim.xml", &vl);
    CHECK(dx && vx && read_evidence("h100_550.90.07_full", &g));
    ta_rim_verify_in in = {0};
    in.driver_xml = dx;
    in.driver_len = dl;
    in.vbios_xml = vx;
    in.vbios_len = vl;
    in.driver_rim_id = "NV_GPU_DRIVER_GH100_550.90.07";
    in.runtime = runtime_of(&g);
    in.at = base_at();
    in.required = true;
    teeattest_result *r = NULL;
    ta_rim_verify_out out;
    CHECK(ta_result_new(ctx, &r) == TEEATTEST_OK);
    CHECK(ta_rim_verify_append(ctx, r, 3, &in, &out, NULL) == TEEATTEST_OK);
    CHECK(ta_result_finish(r, NULL) == TEEATTEST_OK);
    CHECK(out.all_passed && out.n_mismatches == 0);
    CHECK_EQ_INT(teeattest_result_check_count(r), 10);
    const char *srcs[] = {"driver", "vbios"};
    const char *steps[] = {"signature", "digest", "chain", "version", "measurements"};
    int pass = 0;
    for (int s = 0; s < 2; s++)
        for (int k = 0; k < 5; k++) {
            char name[80];
            snprintf(name, sizeof name, "gpu[3].rim.%s.%s", srcs[s], steps[k]);
            pass += outcome_of(r, name) == TEEATTEST_OUTCOME_PASS;
        }
    CHECK_EQ_INT(pass, 10);
    CHECK(teeattest_result_verdict(r) == TEEATTEST_VERDICT_VERIFIED);
    CHECK_STR(teeattest_result_fact(r, "gpu[3].rim.driver.version"), "550.90.07");
    CHECK_STR(teeattest_result_fact(r, "gpu[3].rim.vbios.version"), "96.00.9F.00.01");
    CHECK_STR(teeattest_result_fact(r, "gpu[3].rim.driver.signer_not_after"),
              "2026-06-01T02:08:29Z");
    CHECK_STR(teeattest_result_fact(r, "gpu[3].rim.mismatch_count"), "0");
    teeattest_result_free(r);

    /* At a time past the driver signer's notAfter: chain fails,
     * measurements from that RIM are not used. */
    in.at = iso_time("2026-07-01T00:00:00Z");
    CHECK(ta_result_new(ctx, &r) == TEEATTEST_OK);
    CHECK(ta_rim_verify_append(ctx, r, 0, &in, &out, NULL) == TEEATTEST_OK);
    CHECK(!out.all_passed);
    CHECK(outcome_of(r, "gpu[0].rim.driver.chain") == TEEATTEST_OUTCOME_FAIL);
    CHECK(outcome_of(r, "gpu[0].rim.driver.measurements") == TEEATTEST_OUTCOME_SKIP);
    CHECK(outcome_of(r, "gpu[0].rim.vbios.chain") == TEEATTEST_OUTCOME_FAIL);
    teeattest_result_free(r);
    free(dx);
    free(vx);

    /* 535: tampered driver RIM and the index-9 VBIOS RIM. */
    CHECK(read_evidence("h100_535.86.09_sdk", &g));
    dx = load("h100_535.86.09_sdk/driver_rim_tampered.xml", &dl);
    vx = load("h100_535.86.09_sdk/vbios_rim_index9_differs.xml", &vl);
    memset(&in, 0, sizeof in);
    in.driver_xml = dx;
    in.driver_len = dl;
    in.vbios_xml = vx;
    in.vbios_len = vl;
    in.runtime = runtime_of(&g);
    in.at = iso_time("2024-06-01T00:00:00Z");
    in.required = true;
    CHECK(ta_result_new(ctx, &r) == TEEATTEST_OK);
    CHECK(ta_rim_verify_append(ctx, r, 1, &in, &out, NULL) == TEEATTEST_OK);
    CHECK(ta_result_finish(r, NULL) == TEEATTEST_OK);
    CHECK(outcome_of(r, "gpu[1].rim.driver.signature") == TEEATTEST_OUTCOME_PASS);
    CHECK(outcome_of(r, "gpu[1].rim.driver.digest") == TEEATTEST_OUTCOME_FAIL);
    CHECK(outcome_of(r, "gpu[1].rim.driver.measurements") == TEEATTEST_OUTCOME_SKIP);
    CHECK(outcome_of(r, "gpu[1].rim.vbios.digest") == TEEATTEST_OUTCOME_PASS);
    CHECK(outcome_of(r, "gpu[1].rim.vbios.version") == TEEATTEST_OUTCOME_PASS);
    CHECK(outcome_of(r, "gpu[1].rim.vbios.measurements") == TEEATTEST_OUTCOME_FAIL);
    CHECK_STR(ta_test_fact(r, "gpu[1].rim.vbios.mismatches"), "9");
    CHECK_STR(ta_test_fact(r, "gpu[1].rim.mismatch_count"), "1");
    CHECK(teeattest_result_verdict(r) == TEEATTEST_VERDICT_FAILED);
    teeattest_result_free(r);
    free(dx);

    /* Missing driver RIM: required skips ("reference missing"). */
    in.driver_xml = NULL;
    in.driver_rim_id = "NV_GPU_DRIVER_GH100_535.86.09";
    CHECK(ta_result_new(ctx, &r) == TEEATTEST_OK);
    CHECK(ta_rim_verify_append(ctx, r, 0, &in, NULL, NULL) == TEEATTEST_OK);
    const char *det = NULL;
    int32_t o = 0;
    CHECK(teeattest_result_find_check(r, "gpu[0].rim.driver.signature", &o, &det, NULL) == 0 &&
          o == TEEATTEST_OUTCOME_SKIP && det && strstr(det, "reference missing"));
    teeattest_result_free(r);
    /* Unparsable RIM: a failed check naming the problem. */
    in.driver_xml = (const uint8_t *)"<x/>";
    in.driver_len = 4;
    CHECK(ta_result_new(ctx, &r) == TEEATTEST_OK);
    CHECK(ta_rim_verify_append(ctx, r, 0, &in, NULL, NULL) == TEEATTEST_OK);
    CHECK(outcome_of(r, "gpu[0].rim.driver.signature") == TEEATTEST_OUTCOME_FAIL);
    CHECK(outcome_of(r, "gpu[0].rim.driver.digest") == TEEATTEST_OUTCOME_SKIP);
    teeattest_result_free(r);
    /* No result: still runs. */
    CHECK(ta_rim_verify_append(ctx, NULL, 0, &in, &out, NULL) == TEEATTEST_OK &&
          !out.all_passed);
    CHECK(ta_rim_verify_append(ctx, NULL, 0, NULL, &out, NULL) == TEEATTEST_E_INVALID_ARG);
    free(vx);
}

int main(void)
{
    if (teeattest_ctx_new(&ctx, NULL, NULL) != TEEATTEST_OK) {
        printf("Bail out! no context\n");
        return 1;
    }
    ta_rim *probe = NULL;
    if (ta_rim_parse(ctx, (const uint8_t *)"<x/>", 4, &probe, NULL) ==
        TEEATTEST_E_UNSUPPORTED) {
        /* Built without libxml2: every RIM check is a required skip. */
        ta_rim_verify_in in = {0};
        in.driver_xml = in.vbios_xml = (const uint8_t *)"<x/>";
        in.driver_len = in.vbios_len = 4;
        teeattest_result *r = NULL;
        CHECK(ta_result_new(ctx, &r) == TEEATTEST_OK);
        CHECK(ta_rim_verify_append(ctx, r, 0, &in, NULL, NULL) == TEEATTEST_OK);
        int32_t o = 0;
        CHECK(teeattest_result_find_check(r, "gpu[0].rim.driver.signature", &o,
                                          NULL, NULL) == 0 &&
              o == TEEATTEST_OUTCOME_SKIP);
        teeattest_result_free(r);
        teeattest_ctx_free(ctx);
        printf("# built without libxml2: RIM parsing unsupported\n");
        return ta_test_done();
    }
    test_fixture_rims();
    test_expired_chain();
    test_tampered_only_digest();
    test_tamper();
    test_hostile();
    test_compare_fixtures();
    test_append();
    teeattest_ctx_free(ctx);
    return ta_test_done();
}
