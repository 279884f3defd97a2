/*
 * NVIDIA RIM documents: safe parse, XMLDSig profile check, C14N 1.1
 * digests, signer chain, golden-measurement comparison, result checks.
 * See rim.h and ../shared/specs/nvidia.md section 4.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <string.h>
#include <time.h>


#include "../crypto/crypto.h"
#include "../crypto/memo.h"
#include "../crypto/x509.h"
#include "rim.h"

#ifdef TA_HAVE_LIBXML2
#  include <pthread.h>
#  include <libxml/parser.h>
#  include <libxml/tree.h>
#  include "rim_c14n.h"
#endif

#define NS_SWID "http://standards.iso.org/iso/19770/-2/2015/schema.xsd"
#define NS_DSIG "http://www.w3.org/2000/09/xmldsig#"
#define NS_TCG "https://trustedcomputinggroup.org/resource/" \
    "tcg-reference-integrity-manifest-rim-information-model/"
#define URI_C14N11 "http://www.w3.org/2006/12/xml-c14n11"
#define URI_ENVELOPED "http://www.w3.org/2000/09/xmldsig#enveloped-signature"

/* Longest SWID string kept; real values are under 100 bytes. */
#define RIM_MAX_STR 1024u
/* A canonical form cannot be much larger than its source document. */
#define RIM_MAX_CANON (4u * TA_RIM_MAX_SIZE)

/* ---- helpers that need no libxml2 ------------------------------------- */

void ta_rim_free(ta_rim *rim)
{
    if (!rim)
        return;
    const teeattest_ctx *ctx = rim->ctx;
    char **strs[] = {&rim->tag_id, &rim->name, &rim->version,
                     &rim->tag_version, &rim->colloquial_version,
                     &rim->product, &rim->edition, &rim->revision,
                     &rim->payload_type, &rim->firmware_manufacturer_id,
                     &rim->platform_manufacturer_id, &rim->platform_model};
    for (size_t i = 0; i < TA_ARRAY_LEN(strs); i++)
        ta_free(ctx, *strs[i]);
    for (size_t i = 0; i < rim->n_meas; i++)
        ta_free(ctx, rim->meas[i].values);
    ta_free(ctx, rim->meas);
    for (size_t i = 0; i < rim->n_certs; i++)
        ta_free(ctx, rim->certs[i]);
    ta_free(ctx, rim);
}

static bool ascii_case_equal(const char *a, const char *b)
{
    for (;; a++, b++) {
        unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y - 'A' + 'a');
        if (x != y)
            return false;
        if (!x)
            return true;
    }
}

bool ta_rim_version_matches(const ta_rim *rim, const char *evidence_version)
{
    if (!rim || !rim->colloquial_version || !evidence_version ||
        !*evidence_version)
        return false;
    return ascii_case_equal(rim->colloquial_version, evidence_version);
}

int ta_rim_check_digest(const ta_rim *rim)
{
    if (!rim || !rim->digest_len)
        return TEEATTEST_E_VERIFY_FAILED;
    return ta_ct_equal(rim->doc_digest, rim->digest_value, rim->digest_len)
               ? TEEATTEST_OK : TEEATTEST_E_VERIFY_FAILED;
}

/* The memo key of a RIM signature check: everything the check reads (the
 * signer certificate, the digest algorithm, the canonical SignedInfo's
 * digest, the SignatureValue). Only with the built-in ECDSA: an
 * embedder's ecdsa_verify member is asked every time. */
static bool rim_sig_key(const ta_rim *rim, uint8_t key[TA_MEMO_KEY])
{
    const teeattest_ctx *ctx = rim->ctx;
    if (!ta_memo_enabled(ctx) ||
        (ctx->has_crypto && ctx->crypto.ecdsa_verify))
        return false;
    uint8_t alg[4] = {(uint8_t)(rim->sig_hash_alg >> 24),
                      (uint8_t)(rim->sig_hash_alg >> 16),
                      (uint8_t)(rim->sig_hash_alg >> 8),
                      (uint8_t)rim->sig_hash_alg};
    size_t hl = ta_hash_len(rim->sig_hash_alg);
    const uint8_t *parts[4] = {rim->certs[0], alg, rim->signedinfo_digest,
                               rim->signature};
    size_t lens[4] = {rim->cert_lens[0], sizeof alg,
                      hl <= sizeof rim->signedinfo_digest ? hl : 0,
                      rim->sig_len};
    return ta_memo_doc_key(key, "rim.signature", parts, lens, 4);
}

int ta_rim_check_signature(const ta_rim *rim, teeattest_error *err)
{
    if (!rim || !rim->n_certs || rim->sig_len != 96)
        return ta_error(err, TEEATTEST_E_PARSE, "rim.signature",
                        "no signer certificate or signature");
    /* A RIM document whose signature verified is not verified again (its
     * chain is judged at each verification's time by
     * ta_rim_check_chain). */
    uint8_t key[TA_MEMO_KEY];
    bool memo = rim_sig_key(rim, key);
    if (memo && ta_memo_doc_known(rim->ctx, key))
        return TEEATTEST_OK;
    ta_x509 *leaf = NULL;
    uint8_t pub[97];
    int rc = ta_x509_parse_der(rim->ctx, &leaf, rim->certs[0],
                               rim->cert_lens[0], NULL);
    if (rc == TEEATTEST_E_NOMEM) {
        rc = ta_error(err, TEEATTEST_E_NOMEM, "rim.signature",
                      "out of memory");
    } else if (rc) {
        rc = ta_error(err, TEEATTEST_E_PARSE, "rim.signature",
                      "signer certificate (KeyInfo X509Certificate 1) "
                      "does not parse");
    } else if (ta_x509_ec_point(leaf, TEEATTEST_CURVE_P384, pub, sizeof pub)) {
        rc = ta_error(err, TEEATTEST_E_PARSE, "rim.signature",
                      "signer key is not EC P-384");
    } else {
        rc = ta_ecdsa_verify(rim->ctx, TEEATTEST_CURVE_P384, pub, sizeof pub,
                             rim->signedinfo_digest,
                             ta_hash_len(rim->sig_hash_alg), rim->signature,
                             rim->sig_len);
        if (rc != TEEATTEST_OK)
            rc = ta_error(err, TEEATTEST_E_VERIFY_FAILED, "rim.signature",
                          "SignatureValue does not verify over the "
                          "canonical SignedInfo with the signer key");
        else if (memo)
            ta_memo_doc_add(rim->ctx, key);
    }
    ta_x509_free(leaf);
    return rc;
}

/* The subject's CN, "(no CN)" when it has none. */
static void crt_cn(const ta_x509 *c, char *out, size_t cap)
{
    ta_x509_cn(c, false, out, cap);
    if (!out[0])
        snprintf(out, cap, "(no CN)");
}

int ta_rim_check_chain(const ta_rim *rim, const uint8_t *root_der,
                       size_t root_len, int64_t at, uint32_t *flags,
                       int64_t *leaf_not_after, teeattest_error *err)
{
    uint32_t dummy;
    if (!flags)
        flags = &dummy;
    *flags = 0;
    if (leaf_not_after)
        *leaf_not_after = 0;
    if (!root_der) {
        root_der = ta_rim_corim_root_der;
        root_len = ta_rim_corim_root_der_len;
    }
    if (!rim || rim->n_certs < 2) {
        *flags = TEEATTEST_X509_NOT_TRUSTED;
        return ta_error(err, TEEATTEST_E_CERT_CHAIN, "rim.chain",
                        "KeyInfo holds %zu certificate(s); a signer chain "
                        "ending at the CoRIM root is needed",
                        rim ? rim->n_certs : (size_t)0);
    }
    ta_x509 *leaf = NULL, *last = NULL;
    char cn[96], leaf_cn[96] = "";
    int rc = TEEATTEST_OK;
    size_t n = rim->n_certs;
    if (ta_x509_parse_der(rim->ctx, &leaf, rim->certs[0],
                          rim->cert_lens[0], NULL) == TEEATTEST_OK) {
        crt_cn(leaf, leaf_cn, sizeof leaf_cn);
        if (leaf_not_after)
            *leaf_not_after = ta_x509_not_after(leaf);
    }
    if (rim->cert_lens[n - 1] != root_len ||
        memcmp(rim->certs[n - 1], root_der, root_len) != 0) {
        *flags = TEEATTEST_X509_NOT_TRUSTED;
        if (ta_x509_parse_der(rim->ctx, &last, rim->certs[n - 1],
                              rim->cert_lens[n - 1], NULL) == TEEATTEST_OK)
            crt_cn(last, cn, sizeof cn);
        else
            snprintf(cn, sizeof cn, "(unparsable certificate)");
        rc = ta_error(err, TEEATTEST_E_CERT_CHAIN, "rim.chain",
                      "the chain ends at \"%s\", not the pinned NVIDIA "
                      "CoRIM signing Root CA", cn);
        goto out;
    }
    rc = ta_x509_verify_chain(rim->ctx, flags,
                              (const uint8_t *const *)rim->certs,
                              rim->cert_lens, n - 1, &root_der, &root_len, 1,
                              NULL, NULL, 0, at);
    if (rc != TEEATTEST_OK) {
        char d[21];
        ta_utc_format(d, at);
        char when[64] = "";
        if (leaf_not_after && *leaf_not_after &&
            (*flags & TEEATTEST_X509_EXPIRED)) {
            char e[21];
            ta_utc_format(e, *leaf_not_after);
            snprintf(when, sizeof when, " (signer valid until %s)", e);
        }
        rc = ta_error(err, TEEATTEST_E_CERT_CHAIN, "rim.chain",
                      "signer chain of \"%s\" does not verify to the pinned "
                      "CoRIM root at %s: flags 0x%04x%s%s%s%s%s", leaf_cn, d,
                      (unsigned)*flags,
                      (*flags & TEEATTEST_X509_EXPIRED) ? " expired" : "",
                      (*flags & TEEATTEST_X509_NOT_YET_VALID) ? " not-yet-valid" : "",
                      (*flags & TEEATTEST_X509_NOT_TRUSTED) ? " not-trusted" : "",
                      (*flags & TEEATTEST_X509_BAD_SIGNATURE) ? " bad-signature" : "",
                      when);
    }
out:
    ta_x509_free(leaf);
    ta_x509_free(last);
    return rc;
}

/* ---- comparison --------------------------------------------------------- */

static void index_table(const ta_rim *rim,
                        const ta_rim_measurement *tab[TA_RIM_MAX_INDEX])
{
    memset(tab, 0, sizeof(*tab) * TA_RIM_MAX_INDEX);
    if (!rim)
        return;
    for (size_t i = 0; i < rim->n_meas; i++)
        if (rim->meas[i].active && rim->meas[i].index < TA_RIM_MAX_INDEX)
            tab[rim->meas[i].index] = &rim->meas[i];
}

static int compare_one(const ta_rim_measurement *m, const ta_rim_runtime *rt)
{
    uint32_t k = m->index;
    if (k >= rt->count || !rt->blocks || !rt->blocks[k].present ||
        !rt->blocks[k].value)
        return TA_RIM_MISS_ABSENT;
    if (rt->blocks[k].len != m->size)
        return TA_RIM_MISS_SIZE;
    for (uint32_t a = 0; a < m->n_alt; a++)
        if (memcmp(rt->blocks[k].value, m->values + (size_t)a * m->size,
                   m->size) == 0)
            return 0;
    return TA_RIM_MISS_VALUE;
}

int ta_rim_compare(const ta_rim *driver, const ta_rim *vbios,
                   const ta_rim_runtime *rt, ta_rim_compare_out *out)
{
    if (!rt || !out || (rt->count && !rt->blocks))
        return TEEATTEST_E_INVALID_ARG;
    memset(out, 0, sizeof *out);
    out->driver_version_ok = !driver ||
        ta_rim_version_matches(driver, rt->driver_version);
    out->vbios_version_ok = !vbios ||
        ta_rim_version_matches(vbios, rt->vbios_version);

    /* NVDEC0 (spec 4.6): 0x55 = disabled, its golden index is not
     * measured meaningfully; 0xAA = enabled; absent on old firmware, then
     * compare (the stricter choice). */
    bool skip35 = false;
    if (rt->nvdec0_status == 0x55)
        skip35 = true;
    else if (rt->nvdec0_status != 0xAA && rt->nvdec0_status != -1)
        out->nvdec0_invalid = true;

    const ta_rim_measurement *td[TA_RIM_MAX_INDEX], *tv[TA_RIM_MAX_INDEX];
    index_table(driver, td);
    index_table(vbios, tv);
    for (uint32_t k = 0; k < TA_RIM_MAX_INDEX; k++)
        if (td[k] && tv[k])
            out->conflicts[out->n_conflicts++] = (uint16_t)k;

    const ta_rim_measurement *const *tabs[2] = {td, tv};
    const uint8_t srcs[2] = {TA_RIM_SRC_DRIVER, TA_RIM_SRC_VBIOS};
    for (int s = 0; s < 2; s++) {
        for (uint32_t k = 0; k < TA_RIM_MAX_INDEX; k++) {
            const ta_rim_measurement *m = tabs[s][k];
            if (!m)
                continue;
            if (k == 35 && skip35) {
                out->skipped_nvdec0 = true;
                continue;
            }
            out->compared++;
            int why = compare_one(m, rt);
            if (why && out->n_mismatches < TA_ARRAY_LEN(out->mismatches)) {
                ta_rim_mismatch *mm = &out->mismatches[out->n_mismatches++];
                mm->index = (uint16_t)k;
                mm->source = srcs[s];
                mm->reason = (uint8_t)why;
            }
        }
    }
    bool ok = out->driver_version_ok && out->vbios_version_ok &&
              !out->nvdec0_invalid && !out->n_conflicts && !out->n_mismatches;
    return ok ? TEEATTEST_OK : TEEATTEST_E_VERIFY_FAILED;
}

/* ---- parsing (libxml2) -------------------------------------------------- */

#ifdef TA_HAVE_LIBXML2

/* libxml2 2.9's lazy initialisation is not thread-safe; initialise it once
 * from whichever thread parses first. */
static pthread_once_t xml_once = PTHREAD_ONCE_INIT;
static void xml_init(void)
{
    xmlInitParser();
}

typedef struct pstate {
    ta_rim *rim;
    xmlDocPtr doc;
    teeattest_error *err;
} pstate;

static bool is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool ws_only(const xmlChar *s)
{
    if (!s)
        return true;
    for (; *s; s++)
        if (!is_ws(*s))
            return false;
    return true;
}

static bool elem_is(xmlNodePtr n, const char *ns, const char *local)
{
    return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
           strcmp((const char *)n->ns->href, ns) == 0 &&
           strcmp((const char *)n->name, local) == 0;
}

/* Bytes outside the profile are refused before libxml2 sees them: markup
 * declarations (DOCTYPE, ENTITY: XXE and entity expansion), comments,
 * CDATA and processing instructions never occur in NVIDIA RIMs (spec 4.2);
 * an XML declaration is tolerated at the very start only. */
static int prescan(const uint8_t *x, size_t len, teeattest_error *err)
{
    for (size_t i = 0; i < len; i++) {
        if (x[i] == 0)
            return ta_error(err, TEEATTEST_E_PARSE, "rim",
                            "NUL byte at offset %zu", i);
        if (x[i] != '<' || i + 1 >= len)
            continue;
        if (x[i + 1] == '!')
            return ta_error(err, TEEATTEST_E_PARSE, "rim",
                            "markup declaration, comment or CDATA at offset "
                            "%zu (DOCTYPE and entities are refused)", i);
        if (x[i + 1] == '?') {
            if (i == 0 && len >= 6 && memcmp(x, "<?xml", 5) == 0 &&
                is_ws(x[5]))
                continue;
            return ta_error(err, TEEATTEST_E_PARSE, "rim",
                            "processing instruction at offset %zu", i);
        }
    }
    return TEEATTEST_OK;
}

/* Nothing but elements, attributes and text anywhere in the tree. */
static int check_tree(pstate *st, xmlNodePtr n, int depth)
{
    if (depth > 64)
        return ta_error(st->err, TEEATTEST_E_PARSE, "rim",
                        "elements nested deeper than 64");
    for (; n; n = n->next) {
        if (n->type == XML_TEXT_NODE)
            continue;
        if (n->type != XML_ELEMENT_NODE)
            return ta_error(st->err, TEEATTEST_E_PARSE, "rim",
                            "node of type %d in the document", (int)n->type);
        for (xmlAttrPtr a = n->properties; a; a = a->next)
            for (xmlNodePtr c = a->children; c; c = c->next)
                if (c->type != XML_TEXT_NODE)
                    return ta_error(st->err, TEEATTEST_E_PARSE, "rim",
                                    "attribute %s holds an entity reference",
                                    (const char *)a->name);
        int rc = check_tree(st, n->children, depth + 1);
        if (rc)
            return rc;
    }
    return TEEATTEST_OK;
}

/* The element children of `parent`, refusing non-blank text between them. */
static int child_elems(pstate *st, xmlNodePtr parent, const char *what,
                       xmlNodePtr *out, size_t max, size_t *n)
{
    *n = 0;
    for (xmlNodePtr c = parent->children; c; c = c->next) {
        if (c->type == XML_TEXT_NODE) {
            if (!ws_only(c->content))
                return ta_error(st->err, TEEATTEST_E_PARSE, "rim",
                                "text inside %s", what);
            continue;
        }
        if (*n == max)
            return ta_error(st->err, TEEATTEST_E_PARSE, "rim",
                            "%s has more than %zu child elements", what, max);
        out[(*n)++] = c;
    }
    return TEEATTEST_OK;
}

/* Attribute value: ns NULL = unqualified. Copied with the ctx allocator;
 * *out NULL when absent (and not required). */
static int get_attr(pstate *st, xmlNodePtr n, const char *ns, const char *name,
                    bool required, const char *where, char **out)
{
    *out = NULL;
    xmlChar *v = ns ? xmlGetNsProp(n, (const xmlChar *)name,
                                   (const xmlChar *)ns)
                    : xmlGetNoNsProp(n, (const xmlChar *)name);
    if (!v) {
        if (required)
            return ta_error(st->err, TEEATTEST_E_FIELD_MISSING, "rim",
                            "%s: attribute %s missing", where, name);
        return TEEATTEST_OK;
    }
    size_t l = strlen((const char *)v);
    int rc = TEEATTEST_OK;
    if (l > RIM_MAX_STR) {
        rc = ta_error(st->err, TEEATTEST_E_PARSE, "rim",
                      "%s: attribute %s longer than %u bytes", where, name,
                      RIM_MAX_STR);
    } else {
        *out = ta_strndup(st->rim->ctx, (const char *)v, l);
        if (!*out)
            rc = ta_error(st->err, TEEATTEST_E_NOMEM, "rim", "out of memory");
    }
    xmlFree(v);
    return rc;
}

static int attr_algorithm(pstate *st, xmlNodePtr n, const char *where,
                          char buf[128])
{
    char *v = NULL;
    int rc = get_attr(st, n, NULL, "Algorithm", true, where, &v);
    if (rc)
        return rc;
    if (strlen(v) >= 128) {
        ta_free(st->rim->ctx, v);
        return ta_error(st->err, TEEATTEST_E_PARSE, "rim",
                        "%s: Algorithm too long", where);
    }
    strcpy(buf, v);
    ta_free(st->rim->ctx, v);
    return TEEATTEST_OK;
}

/* An algorithm element carries only the Algorithm attribute and no
 * children (no InclusiveNamespaces, XPath or HMACOutputLength). */
static int algo_elem(pstate *st, xmlNodePtr n, const char *where,
                     char buf[128])
{
    for (xmlNodePtr c = n->children; c; c = c->next)
        if (c->type != XML_TEXT_NODE || !ws_only(c->content))
            return ta_error(st->err, TEEATTEST_E_PARSE, "rim",
                            "%s has content (parameters are not supported)",
                            where);
    return attr_algorithm(st, n, where, buf);
}

/* Base64 element text (line-wrapped in RIMs) decoded into a ctx buffer. */
static int b64_elem(pstate *st, xmlNodePtr n, const char *where,
                    uint8_t **out, size_t *out_len, size_t max)
{
    *out = NULL;
    *out_len = 0;
    for (xmlNodePtr c = n->children; c; c = c->next)
        if (c->type != XML_TEXT_NODE)
            return ta_error(st->err, TEEATTEST_E_PARSE, "rim",
                            "%s holds elements", where);
    xmlChar *t = xmlNodeGetContent(n);
    if (!t)
        return ta_error(st->err, TEEATTEST_E_FIELD_MISSING, "rim",
                        "%s is empty", where);
    size_t l = strlen((const char *)t), m = 0;
    int rc = TEEATTEST_OK;
    char *s = ta_malloc(st->rim->ctx, l + 1);
    uint8_t *bin = NULL;
    if (!s) {
        rc = ta_error(st->err, TEEATTEST_E_NOMEM, "rim", "out of memory");
        goto out;
    }
    for (size_t i = 0; i < l; i++)
        if (!is_ws(t[i]))
            s[m++] = (char)t[i];
    if (!m) {
        rc = ta_error(st->err, TEEATTEST_E_FIELD_MISSING, "rim",
                      "%s is empty", where);
        goto out;
    }
    size_t cap = ta_base64_decoded_max(m);
    if (cap > max)
        cap = max;
    bin = ta_malloc(st->rim->ctx, cap ? cap : 1);
    if (!bin) {
        rc = ta_error(st->err, TEEATTEST_E_NOMEM, "rim", "out of memory");
        goto out;
    }
    int64_t got = ta_base64_decode(bin, cap, s, m, false);
    if (got <= 0) {
        rc = ta_error(st->err, got == TEEATTEST_E_BUFFER_TOO_SMALL
                                   ? TEEATTEST_E_TOO_LARGE : TEEATTEST_E_BASE64,
                      "rim", "%s is not valid base64 (or too long)", where);
        goto out;
    }
    *out = bin;
    *out_len = (size_t)got;
    bin = NULL;
out:
    ta_free(st->rim->ctx, bin);
    ta_free(st->rim->ctx, s);
    xmlFree(t);
    return rc;
}

static int b64_fixed(pstate *st, xmlNodePtr n, const char *where,
                     uint8_t *dst, size_t want)
{
    uint8_t *bin;
    size_t len;
    int rc = b64_elem(st, n, where, &bin, &len, 256);
    if (rc)
        return rc;
    if (len != want)
        rc = ta_error(st->err, TEEATTEST_E_LENGTH, "rim",
                      "%s decodes to %zu bytes, expected %zu", where, len,
                      want);
    else
        memcpy(dst, bin, len);
    ta_free(st->rim->ctx, bin);
    return rc;
}

static int32_t digest_uri(const char *u)
{
    if (!strcmp(u, "http://www.w3.org/2001/04/xmlenc#sha256"))
        return TEEATTEST_HASH_SHA256;
    if (!strcmp(u, "http://www.w3.org/2001/04/xmldsig-more#sha384"))
        return TEEATTEST_HASH_SHA384;
    if (!strcmp(u, "http://www.w3.org/2001/04/xmlenc#sha512"))
        return TEEATTEST_HASH_SHA512;
    return 0;
}

static int32_t sigmethod_uri(const char *u)
{
    if (!strcmp(u, "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"))
        return TEEATTEST_HASH_SHA256;
    if (!strcmp(u, "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384"))
        return TEEATTEST_HASH_SHA384;
    if (!strcmp(u, "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512"))
        return TEEATTEST_HASH_SHA512;
    return 0;
}

static int parse_reference(pstate *st, xmlNodePtr ref)
{
    ta_rim *rim = st->rim;
    for (xmlAttrPtr a = ref->properties; a; a = a->next)
        if (a->ns || strcmp((const char *)a->name, "URI") != 0)
            return ta_error(st->err, TEEATTEST_E_PARSE, "rim",
                            "Reference: unexpected attribute %s",
                            (const char *)a->name);
    char *uri = NULL;
    int rc = get_attr(st, ref, NULL, "URI", true, "Reference", &uri);
    if (rc)
        return rc;
    bool empty = uri[0] == 0;
    ta_free(rim->ctx, uri);
    if (!empty)
        return ta_error(st->err, TEEATTEST_E_PARSE, "rim",
                        "Reference URI is not \"\" (only the whole document "
                        "may be signed)");
    xmlNodePtr k[4];
    size_t n;
    if ((rc = child_elems(st, ref, "Reference", k, 4, &n)))
        return rc;
    if (n != 3 || !elem_is(k[0], NS_DSIG, "Transforms") ||
        !elem_is(k[1], NS_DSIG, "DigestMethod") ||
        !elem_is(k[2], NS_DSIG, "DigestValue"))
        return ta_error(st->err, TEEATTEST_E_PARSE, "rim",
                        "Reference must hold Transforms, DigestMethod, "
                        "DigestValue");
    xmlNodePtr t[3];
    size_t nt;
    if ((rc = child_elems(st, k[0], "Transforms", t, 3, &nt)))
        return rc;
    char alg[128];
    /* The profile is fixed (spec 4.3): enveloped signature, then C14N 1.1. */
    if (nt != 2 || !elem_is(t[0], NS_DSIG, "Transform") ||
        !elem_is(t[1], NS_DSIG, "Transform"))
        return ta_error(st->err, TEEATTEST_E_PARSE, "rim",
                        "Transforms must be enveloped-signature then "
                        "xml-c14n11");
    if ((rc = algo_elem(st, t[0], "Transform", alg)))
        return rc;
    if (strcmp(alg, URI_ENVELOPED) != 0)
        return ta_error(st->err, TEEATTEST_E_PARSE, "rim",
                        "first Transform is %s, not enveloped-signature", alg);
    if ((rc = algo_elem(st, t[1], "Transform", alg)))
        return rc;
    if (strcmp(alg, URI_C14N11) != 0)
        return ta_error(st->err, TEEATTEST_E_PARSE, "rim",
                        "second Transform is %s, not xml-c14n11", alg);
    if ((rc = algo_elem(st, k[1], "DigestMethod", alg)))
        return rc;
    rim->digest_alg = digest_uri(alg);
    if (!rim->digest_alg)
        return ta_error(st->err, TEEATTEST_E_PARSE, "rim",
                        "unsupported DigestMethod %s", alg);
    rim->digest_len = ta_hash_len(rim->digest_alg);
    return b64_fixed(st, k[2], "DigestValue", rim->digest_value,
                     rim->digest_len);
}

static int parse_signature(pstate *st, xmlNodePtr sig, xmlNodePtr *signedinfo)
{
    ta_rim *rim = st->rim;
    xmlNodePtr k[4];
    size_t n;
    int rc;
    if ((rc = child_elems(st, sig, "Signature", k, 4, &n)))
        return rc;
    if (n != 3 || !elem_is(k[0], NS_DSIG, "SignedInfo") ||
        !elem_is(k[1], NS_DSIG, "SignatureValue") ||
        !elem_is(k[2], NS_DSIG, "KeyInfo"))
        return ta_error(st->err, TEEATTEST_E_PARSE, "rim",
                        "Signature must hold SignedInfo, SignatureValue, "
                        "KeyInfo (no Object)");
    *signedinfo = k[0];

    xmlNodePtr s[4];
    if ((rc = child_elems(st, k[0], "SignedInfo", s, 4, &n)))
        return rc;
    if (n != 3 || !elem_is(s[0], NS_DSIG, "CanonicalizationMethod") ||
        !elem_is(s[1], NS_DSIG, "SignatureMethod") ||
        !elem_is(s[2], NS_DSIG, "Reference"))
        return ta_error(st->err, TEEATTEST_E_PARSE, "rim",
                        "SignedInfo must hold CanonicalizationMethod, "
                        "SignatureMethod and exactly one Reference");
    char alg[128];
    if ((rc = algo_elem(st, s[0], "CanonicalizationMethod", alg)))
        return rc;
    if (strcmp(alg, URI_C14N11) != 0)
        return ta_error(st->err, TEEATTEST_E_PARSE, "rim",
                        "unsupported CanonicalizationMethod %s", alg);
    if ((rc = algo_elem(st, s[1], "SignatureMethod", alg)))
        return rc;
    rim->sig_hash_alg = sigmethod_uri(alg);
    if (!rim->sig_hash_alg)
        return ta_error(st->err, TEEATTEST_E_PARSE, "rim",
                        "unsupported SignatureMethod %s", alg);
    if ((rc = parse_reference(st, s[2])))
        return rc;

    /* ECDSA P-384 in XMLDSig is raw r||s, 48 + 48 bytes. */
    if ((rc = b64_fixed(st, k[1], "SignatureValue", rim->signature, 96)))
        return rc;
    rim->sig_len = 96;

    xmlNodePtr x509 = NULL;
    for (xmlNodePtr c = k[2]->children; c; c = c->next) {
        if (!elem_is(c, NS_DSIG, "X509Data"))
            continue;
        if (x509)
            return ta_error(st->err, TEEATTEST_E_PARSE, "rim",
                            "KeyInfo holds more than one X509Data");
        x509 = c;
    }
    if (!x509)
        return ta_error(st->err, TEEATTEST_E_FIELD_MISSING, "rim",
                        "KeyInfo/X509Data missing");
    for (xmlNodePtr c = x509->children; c; c = c->next) {
        if (!elem_is(c, NS_DSIG, "X509Certificate"))
            continue;
        if (rim->n_certs == TA_RIM_MAX_CERTS)
            return ta_error(st->err, TEEATTEST_E_PARSE, "rim",
                            "more than %u X509Certificate elements",
                            TA_RIM_MAX_CERTS);
        rc = b64_elem(st, c, "X509Certificate", &rim->certs[rim->n_certs],
                      &rim->cert_lens[rim->n_certs], 16384);
        if (rc)
            return rc;
        rim->n_certs++;
    }
    if (!rim->n_certs)
        return ta_error(st->err, TEEATTEST_E_FIELD_MISSING, "rim",
                        "X509Data holds no X509Certificate");
    return TEEATTEST_OK;
}

static int parse_u32(pstate *st, xmlNodePtr n, const char *name,
                     uint32_t max, uint32_t *out, const char *where)
{
    char *v = NULL;
    int rc = get_attr(st, n, NULL, name, true, where, &v);
    if (rc)
        return rc;
    uint64_t x = 0;
    bool ok = v[0] != 0 && strlen(v) <= 9;
    for (const char *p = v; ok && *p; p++) {
        if (*p < '0' || *p > '9')
            ok = false;
        else
            x = x * 10 + (uint64_t)(*p - '0');
    }
    ta_free(st->rim->ctx, v);
    if (!ok || x > max)
        return ta_error(st->err, TEEATTEST_E_PARSE, "rim",
                        "%s: %s is not a number in 0..%u", where, name, max);
    *out = (uint32_t)x;
    return TEEATTEST_OK;
}

static int parse_resource(pstate *st, xmlNodePtr res, ta_rim_measurement *m,
                          bool seen[TA_RIM_MAX_INDEX])
{
    char where[64] = "Resource";
    int rc;
    if ((rc = parse_u32(st, res, "index", TA_RIM_MAX_INDEX - 1, &m->index,
                        where)))
        return rc;
    snprintf(where, sizeof where, "Resource index %u", m->index);
    if (seen[m->index])
        return ta_error(st->err, TEEATTEST_E_PARSE, "rim",
                        "%s appears twice", where);
    seen[m->index] = true;
    char *act = NULL;
    if ((rc = get_attr(st, res, NULL, "active", true, where, &act)))
        return rc;
    bool t = ascii_case_equal(act, "true"), f = ascii_case_equal(act, "false");
    ta_free(st->rim->ctx, act);
    if (!t && !f)
        return ta_error(st->err, TEEATTEST_E_PARSE, "rim",
                        "%s: active is neither True nor False", where);
    m->active = t;
    if ((rc = parse_u32(st, res, "alternatives", TA_RIM_MAX_ALTERNATIVES,
                        &m->n_alt, where)))
        return rc;
    if ((rc = parse_u32(st, res, "size", TA_RIM_MAX_VALUE, &m->size, where)))
        return rc;
    if (!m->n_alt || !m->size)
        return ta_error(st->err, TEEATTEST_E_PARSE, "rim",
                        "%s: alternatives and size must be positive", where);
    m->values = ta_calloc(st->rim->ctx, m->n_alt, m->size);
    if (!m->values)
        return ta_error(st->err, TEEATTEST_E_NOMEM, "rim", "out of memory");

    /* Hash0..Hash{N-1}; NVIDIA puts them in the xmlenc#sha384 namespace,
     * matched here by local name, each exactly once. */
    uint32_t found = 0;
    bool have[TA_RIM_MAX_ALTERNATIVES] = {false};
    for (xmlAttrPtr a = res->properties; a; a = a->next) {
        const char *nm = (const char *)a->name;
        if (strncmp(nm, "Hash", 4) != 0)
            continue;
        uint32_t k = 0;
        const char *p = nm + 4;
        bool ok = *p != 0 && strlen(p) <= 3 && !(p[0] == '0' && p[1]);
        for (; ok && *p; p++) {
            if (*p < '0' || *p > '9')
                ok = false;
            else
                k = k * 10 + (uint32_t)(*p - '0');
        }
        if (!ok || k >= m->n_alt || have[k])
            return ta_error(st->err, TEEATTEST_E_PARSE, "rim",
                            "%s: unexpected, out-of-range or repeated "
                            "attribute %s (alternatives=%u)", where, nm,
                            m->n_alt);
        have[k] = true;
        found++;
        xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);
        size_t vl = v ? strlen((const char *)v) : 0;
        int hr = vl == 2 * (size_t)m->size
                     ? ta_hex_decode_exact(m->values + (size_t)k * m->size,
                                           m->size, (const char *)v, vl, false)
                     : TEEATTEST_E_LENGTH;
        xmlFree(v);
        if (hr)
            return ta_error(st->err, TEEATTEST_E_HEX, "rim",
                            "%s: %s is not %u bytes of hex", where, nm,
                            m->size);
    }
    if (found != m->n_alt)
        return ta_error(st->err, TEEATTEST_E_PARSE, "rim",
                        "%s: %u Hash attributes for alternatives=%u", where,
                        found, m->n_alt);
    return TEEATTEST_OK;
}

static int parse_payload(pstate *st, xmlNodePtr payload)
{
    ta_rim *rim = st->rim;
    size_t count = 0;
    for (xmlNodePtr c = payload->children; c; c = c->next)
        if (elem_is(c, NS_SWID, "Resource"))
            count++;
    if (count > TA_RIM_MAX_INDEX * 2)
        return ta_error(st->err, TEEATTEST_E_PARSE, "rim",
                        "Payload holds %zu Resources", count);
    rim->meas = ta_calloc(rim->ctx, count ? count : 1, sizeof *rim->meas);
    if (!rim->meas)
        return ta_error(st->err, TEEATTEST_E_NOMEM, "rim", "out of memory");
    bool seen[TA_RIM_MAX_INDEX] = {false};
    for (xmlNodePtr c = payload->children; c; c = c->next) {
        if (!elem_is(c, NS_SWID, "Resource"))
            continue;
        char *type = NULL;
        int rc = get_attr(st, c, NULL, "type", true, "Resource", &type);
        if (rc)
            return rc;
        bool meas = strcmp(type, "Measurement") == 0;
        ta_free(rim->ctx, type);
        if (!meas)
            continue;
        rc = parse_resource(st, c, &rim->meas[rim->n_meas], seen);
        rim->n_meas++; /* freed by ta_rim_free() either way */
        if (rc)
            return rc;
    }
    if (!rim->n_meas)
        return ta_error(st->err, TEEATTEST_E_FIELD_MISSING, "rim",
                        "Payload holds no Measurement resources");
    return TEEATTEST_OK;
}

static int parse_swid(pstate *st, xmlNodePtr root, xmlNodePtr *payload)
{
    ta_rim *rim = st->rim;
    int rc;
    if ((rc = get_attr(st, root, NULL, "tagId", false, "SoftwareIdentity",
                       &rim->tag_id)) ||
        (rc = get_attr(st, root, NULL, "name", false, "SoftwareIdentity",
                       &rim->name)) ||
        (rc = get_attr(st, root, NULL, "version", false, "SoftwareIdentity",
                       &rim->version)) ||
        (rc = get_attr(st, root, NULL, "tagVersion", false,
                       "SoftwareIdentity", &rim->tag_version)))
        return rc;
    xmlNodePtr meta = NULL;
    *payload = NULL;
    for (xmlNodePtr c = root->children; c; c = c->next) {
        if (elem_is(c, NS_SWID, "Meta")) {
            if (meta)
                return ta_error(st->err, TEEATTEST_E_PARSE, "rim",
                                "more than one Meta element");
            meta = c;
        } else if (elem_is(c, NS_SWID, "Payload")) {
            if (*payload)
                return ta_error(st->err, TEEATTEST_E_PARSE, "rim",
                                "more than one Payload element");
            *payload = c;
        }
    }
    if (!meta)
        return ta_error(st->err, TEEATTEST_E_FIELD_MISSING, "rim",
                        "Meta element missing");
    if (!*payload)
        return ta_error(st->err, TEEATTEST_E_FIELD_MISSING, "rim",
                        "Payload element missing");
    if ((rc = get_attr(st, meta, NULL, "colloquialVersion", true, "Meta",
                       &rim->colloquial_version)) ||
        (rc = get_attr(st, meta, NULL, "product", false, "Meta",
                       &rim->product)) ||
        (rc = get_attr(st, meta, NULL, "edition", false, "Meta",
                       &rim->edition)) ||
        (rc = get_attr(st, meta, NULL, "revision", false, "Meta",
                       &rim->revision)) ||
        (rc = get_attr(st, meta, NULL, "PayloadType", false, "Meta",
                       &rim->payload_type)) ||
        (rc = get_attr(st, meta, NS_TCG, "FirmwareManufacturerId", false,
                       "Meta", &rim->firmware_manufacturer_id)) ||
        (rc = get_attr(st, meta, NS_TCG, "PlatformManufacturerId", false,
                       "Meta", &rim->platform_manufacturer_id)) ||
        (rc = get_attr(st, meta, NS_TCG, "PlatformModel", false, "Meta",
                       &rim->platform_model)))
        return rc;
    if (!rim->colloquial_version[0])
        return ta_error(st->err, TEEATTEST_E_FIELD_MISSING, "rim",
                        "Meta colloquialVersion is empty");
    return TEEATTEST_OK;
}

/* ---- canonicalization --------------------------------------------------- */

/* Canonicalize (inclusive C14N 1.1, no comments; rim_c14n.h) the node set
 * `target` with `inside`, and hash it. */
static int c14n_hash(pstate *st, xmlNodePtr target, bool inside, int32_t alg,
                     uint8_t *digest, size_t *canon_len, const char *what)
{
    ta_buf buf;
    ta_buf_init(&buf, st->rim->ctx, RIM_MAX_CANON);
    int rc = ta_rim_c14n(st->doc, target, inside, &buf);
    if (rc) {
        rc = ta_error(st->err, rc == TEEATTEST_E_PARSE ? rc : TEEATTEST_E_NOMEM,
                      "rim", "canonicalization of the %s failed", what);
    } else {
        *canon_len = buf.len;
        rc = ta_hash(st->rim->ctx, alg, digest, ta_hash_len(alg),
                     buf.data ? buf.data : (const uint8_t *)"", buf.len);
        if (rc)
            rc = ta_error(st->err, rc, "rim", "hashing the %s failed", what);
    }
    ta_buf_free(&buf);
    return rc;
}

static int count_signatures(xmlNodePtr n, int depth)
{
    int c = 0;
    for (; n && depth < 80; n = n->next) {
        if (elem_is(n, NS_DSIG, "Signature"))
            c++;
        if (n->type == XML_ELEMENT_NODE)
            c += count_signatures(n->children, depth + 1);
    }
    return c;
}

static int parse_doc(pstate *st)
{
    int rc;
    xmlDocPtr doc = st->doc;
    if (doc->intSubset || doc->extSubset)
        return ta_error(st->err, TEEATTEST_E_PARSE, "rim",
                        "DOCTYPE is refused");
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!root)
        return ta_error(st->err, TEEATTEST_E_PARSE, "rim", "no root element");
    for (xmlNodePtr c = doc->children; c; c = c->next)
        if (c != root)
            return ta_error(st->err, TEEATTEST_E_PARSE, "rim",
                            "content outside the root element");
    if ((rc = check_tree(st, root, 0)))
        return rc;
    if (!elem_is(root, NS_SWID, "SoftwareIdentity"))
        return ta_error(st->err, TEEATTEST_E_PARSE, "rim",
                        "root is not a SWID SoftwareIdentity");

    /* One Signature, the last child of the root (enveloped). */
    if (count_signatures(root, 0) != 1)
        return ta_error(st->err, TEEATTEST_E_PARSE, "rim",
                        "the document must hold exactly one ds:Signature");
    xmlNodePtr sig = root->last;
    while (sig && sig->type == XML_TEXT_NODE && ws_only(sig->content))
        sig = sig->prev;
    if (!elem_is(sig, NS_DSIG, "Signature"))
        return ta_error(st->err, TEEATTEST_E_PARSE, "rim",
                        "ds:Signature is not the last child of the root");

    xmlNodePtr payload, signedinfo = NULL;
    if ((rc = parse_swid(st, root, &payload)) ||
        (rc = parse_payload(st, payload)) ||
        (rc = parse_signature(st, sig, &signedinfo)))
        return rc;

    /* Enveloped-signature transform: the document without the Signature
     * element (the whitespace before it stays). */
    if ((rc = c14n_hash(st, sig, false, st->rim->digest_alg,
                        st->rim->doc_digest, &st->rim->canon_doc_len,
                        "document")))
        return rc;
    /* SignedInfo as a document subset: inclusive C14N renders every
     * in-scope namespace on it, including the inherited default. */
    return c14n_hash(st, signedinfo, true, st->rim->sig_hash_alg,
                     st->rim->signedinfo_digest,
                     &st->rim->canon_signedinfo_len, "SignedInfo");
}

int ta_rim_parse(const teeattest_ctx *ctx, const uint8_t *xml, size_t len,
                 ta_rim **out, teeattest_error *err)
{
    if (!ctx || !out || (!xml && len))
        return TA_INVALID(err, "ta_rim_parse");
    *out = NULL;
    if (!len)
        return ta_error(err, TEEATTEST_E_PARSE, "rim", "empty document");
    if (len > TA_RIM_MAX_SIZE)
        return ta_error(err, TEEATTEST_E_TOO_LARGE, "rim",
                        "document of %zu bytes exceeds %u", len,
                        TA_RIM_MAX_SIZE);
    int rc = prescan(xml, len, err);
    if (rc)
        return rc;
    pthread_once(&xml_once, xml_init);

    ta_rim *rim = ta_calloc(ctx, 1, sizeof *rim);
    if (!rim)
        return ta_error(err, TEEATTEST_E_NOMEM, "rim", "out of memory");
    rim->ctx = ctx;
    xmlParserCtxtPtr pc = xmlNewParserCtxt();
    if (!pc) {
        ta_rim_free(rim);
        return ta_error(err, TEEATTEST_E_NOMEM, "rim", "out of memory");
    }
    /* No NOENT (no entity substitution), no DTDLOAD/DTDATTR, no XINCLUDE,
     * no HUGE (libxml2's own limits stay), no network; no NOBLANKS, since
     * whitespace is part of the signed canonical form. COMPACT keeps short
     * text inside its node (fewer allocations; the content is the same). */
    xmlDocPtr doc = xmlCtxtReadMemory(pc, (const char *)xml, (int)len, NULL,
                                      "UTF-8",
                                      XML_PARSE_NONET | XML_PARSE_NOERROR |
                                      XML_PARSE_NOWARNING |
                                      XML_PARSE_COMPACT);
    if (!doc) {
        const xmlError *e = xmlCtxtGetLastError(pc);
        char msg[160] = "not well-formed";
        if (e && e->message) {
            snprintf(msg, sizeof msg, "%s", e->message);
            size_t l = strlen(msg);
            while (l && (msg[l - 1] == '\n' || msg[l - 1] == ' '))
                msg[--l] = 0;
        }
        rc = ta_error(err, TEEATTEST_E_PARSE, "rim", "XML error at line %d: %s",
                      e ? e->line : 0, msg);
        xmlFreeParserCtxt(pc);
        ta_rim_free(rim);
        return rc;
    }
    xmlFreeParserCtxt(pc);
    pstate st = {rim, doc, err};
    rc = parse_doc(&st);
    xmlFreeDoc(doc);
    if (rc) {
        ta_rim_free(rim);
        return rc;
    }
    *out = rim;
    return TEEATTEST_OK;
}

#else /* !TA_HAVE_LIBXML2 */

int ta_rim_parse(const teeattest_ctx *ctx, const uint8_t *xml, size_t len,
                 ta_rim **out, teeattest_error *err)
{
    if (!ctx || !out || (!xml && len))
        return TA_INVALID(err, "ta_rim_parse");
    *out = NULL;
    return ta_error(err, TEEATTEST_E_UNSUPPORTED, "rim",
                    "RIM verification needs libxml2 (built without it)");
}

#endif /* TA_HAVE_LIBXML2 */

/* ---- one GPU into a result ---------------------------------------------- */

typedef struct vstate {
    teeattest_ctx *ctx;
    teeattest_result *r;
    size_t gpu;
    bool required;
    bool all_passed;
} vstate;

static void vcheck(vstate *s, const char *src, const char *step,
                   int32_t outcome, const char *fmt, ...) TA_PRINTF(5, 6);

static void vcheck(vstate *s, const char *src, const char *step,
                   int32_t outcome, const char *fmt, ...)
{
    if (outcome != TEEATTEST_OUTCOME_PASS)
        s->all_passed = false;
    if (!s->r)
        return;
    char name[96], detail[900];
    snprintf(name, sizeof name, "gpu[%zu].rim.%s.%s", s->gpu, src, step);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    ta_result_check(s->r, name, outcome, s->required, "%s", detail);
}

static void vfact(vstate *s, const char *src, const char *key, const char *v)
{
    if (!s->r || !v)
        return;
    char name[96];
    snprintf(name, sizeof name, "gpu[%zu].rim.%s%s%s", s->gpu, src ? src : "",
             src ? "." : "", key);
    ta_result_fact_str(s->r, name, v);
}

static const char *const rim_steps[] = {"signature", "digest", "chain",
                                        "version", "measurements"};

static void skip_from(vstate *s, const char *src, size_t first,
                      const char *why)
{
    for (size_t i = first; i < TA_ARRAY_LEN(rim_steps); i++)
        vcheck(s, src, rim_steps[i], TEEATTEST_OUTCOME_SKIP, "%s", why);
}

static const char *hash_name(int32_t alg)
{
    switch (alg) {
    case TEEATTEST_HASH_SHA256: return "SHA-256";
    case TEEATTEST_HASH_SHA384: return "SHA-384";
    case TEEATTEST_HASH_SHA512: return "SHA-512";
    default: return "?";
    }
}

/* Signature, digest, chain and version of one RIM; true when the first
 * three passed, i.e. its golden values may be used. */
static bool verify_one(vstate *s, const char *src, const ta_rim_verify_in *in,
                       const ta_rim *parsed, const uint8_t *xml, size_t len,
                       const char *id, const char *evidence_version,
                       ta_rim **rim_out, int *fatal)
{
    *rim_out = NULL;
    char what[160];
    snprintf(what, sizeof what, "%s RIM%s%s", src, id ? " " : "", id ? id : "");
    if (!xml && !parsed) {
        char why[220];
        snprintf(why, sizeof why, "%s not available (reference missing)",
                 what);
        skip_from(s, src, 0, why);
        return false;
    }
    teeattest_error e = TEEATTEST_ERROR_INIT;
    ta_rim *rim = (ta_rim *)parsed;
    /* A RIM parsed by the caller (a cache) stays the caller's. */
    int rc = parsed ? TEEATTEST_OK : ta_rim_parse(s->ctx, xml, len, &rim, &e);
    if (rc == TEEATTEST_E_NOMEM) {
        *fatal = rc;
        return false;
    }
    if (rc == TEEATTEST_E_UNSUPPORTED) {
        skip_from(s, src, 0, e.message);
        return false;
    }
    if (rc) {
        vcheck(s, src, "signature", TEEATTEST_OUTCOME_FAIL,
               "%s rejected: %s", what, e.message);
        skip_from(s, src, 1, "not run: the RIM did not parse");
        return false;
    }
    *rim_out = rim;
    vfact(s, src, "version", rim->colloquial_version);

    bool sig_ok = ta_rim_check_signature(rim, &e) == TEEATTEST_OK;
    if (sig_ok)
        vcheck(s, src, "signature", TEEATTEST_OUTCOME_PASS,
               "ECDSA P-384/%s SignatureValue over the canonical SignedInfo "
               "(%zu bytes) verifies with the signer key",
               hash_name(rim->sig_hash_alg), rim->canon_signedinfo_len);
    else
        vcheck(s, src, "signature", TEEATTEST_OUTCOME_FAIL, "%s: %s", what,
               e.message);

    bool dig_ok = ta_rim_check_digest(rim) == TEEATTEST_OK;
    if (dig_ok)
        vcheck(s, src, "digest", TEEATTEST_OUTCOME_PASS,
               "%s of the canonical document (%zu bytes, Signature removed) "
               "equals DigestValue", hash_name(rim->digest_alg),
               rim->canon_doc_len);
    else
        vcheck(s, src, "digest", TEEATTEST_OUTCOME_FAIL,
               "%s: DigestValue does not match the %s of the canonical "
               "document (%zu bytes): the content changed after signing",
               what, hash_name(rim->digest_alg), rim->canon_doc_len);

    uint32_t flags = 0;
    int64_t not_after = 0;
    bool chain_ok = ta_rim_check_chain(rim, in->root_der, in->root_len,
                                       in->at, &flags, &not_after, &e) ==
                    TEEATTEST_OK;
    if (not_after) {
        char d[21];
        ta_utc_format(d, not_after);
        vfact(s, src, "signer_not_after", d);
    }
    if (chain_ok) {
        char d[21];
        ta_utc_format(d, in->at);
        vcheck(s, src, "chain", TEEATTEST_OUTCOME_PASS,
               "%zu-certificate signer chain verifies to the pinned NVIDIA "
               "CoRIM signing Root CA at %s", rim->n_certs, d);
    } else {
        vcheck(s, src, "chain", TEEATTEST_OUTCOME_FAIL, "%s: %s", what,
               e.message);
    }

    if (!evidence_version)
        vcheck(s, src, "version", TEEATTEST_OUTCOME_SKIP,
               "the evidence carries no %s version", src);
    else if (ta_rim_version_matches(rim, evidence_version))
        vcheck(s, src, "version", TEEATTEST_OUTCOME_PASS,
               "RIM colloquialVersion %s equals the evidence's %s version",
               rim->colloquial_version, src);
    else
        vcheck(s, src, "version", TEEATTEST_OUTCOME_FAIL,
               "RIM colloquialVersion %s differs from the evidence's %s "
               "version %s", rim->colloquial_version, src, evidence_version);
    return sig_ok && dig_ok && chain_ok;
}

static const char *miss_reason(int r)
{
    switch (r) {
    case TA_RIM_MISS_ABSENT: return "no runtime measurement";
    case TA_RIM_MISS_SIZE: return "runtime size differs";
    default: return "value differs";
    }
}

static bool has_active(const ta_rim *rim, uint32_t index)
{
    for (size_t i = 0; rim && i < rim->n_meas; i++)
        if (rim->meas[i].active && rim->meas[i].index == index)
            return true;
    return false;
}

static void measurement_check(vstate *s, const char *src, uint8_t code,
                              const ta_rim *rim, bool verified,
                              const ta_rim_compare_out *c)
{
    if (!rim)
        return; /* its skip was appended with the others */
    if (!verified) {
        vcheck(s, src, "measurements", TEEATTEST_OUTCOME_SKIP,
               "not compared: the %s RIM did not verify", src);
        return;
    }
    char list[700] = "", detail[850] = "";
    size_t used = 0, n = 0, compared = 0;
    for (size_t i = 0; i < c->n_mismatches; i++) {
        const ta_rim_mismatch *m = &c->mismatches[i];
        if (m->source != code)
            continue;
        n++;
        if (used < sizeof list - 80)
            used += (size_t)snprintf(list + used, sizeof list - used,
                                     "%s%u", n > 1 ? "," : "", m->index);
        if (strlen(detail) < sizeof detail - 120)
            snprintf(detail + strlen(detail), sizeof detail - strlen(detail),
                     "%sindex %u (SPDM block %u): %s", n > 1 ? "; " : "",
                     m->index, m->index + 1u, miss_reason(m->reason));
    }
    for (size_t i = 0; i < rim->n_meas; i++)
        if (rim->meas[i].active &&
            !(rim->meas[i].index == 35 && c->skipped_nvdec0))
            compared++;
    if (n)
        vfact(s, src, "mismatches", list);
    bool nvdec_bad = c->nvdec0_invalid && has_active(rim, 35);
    if (c->n_conflicts) {
        char cl[300] = "";
        size_t u = 0;
        for (size_t i = 0; i < c->n_conflicts && u < sizeof cl - 8; i++)
            u += (size_t)snprintf(cl + u, sizeof cl - u, "%s%u", i ? "," : "",
                                  c->conflicts[i]);
        vcheck(s, src, "measurements", TEEATTEST_OUTCOME_FAIL,
               "index(es) %s active in both the driver and the VBIOS RIM%s%s",
               cl, n ? "; mismatches: " : "", n ? detail : "");
    } else if (nvdec_bad) {
        vcheck(s, src, "measurements", TEEATTEST_OUTCOME_FAIL,
               "NVDEC0_STATUS is neither 0x55 nor 0xAA: cannot judge golden "
               "index 35%s%s", n ? "; mismatches: " : "", n ? detail : "");
    } else if (n) {
        vcheck(s, src, "measurements", TEEATTEST_OUTCOME_FAIL,
               "%zu of %zu active golden values do not match: %s", n,
               compared, detail);
    } else {
        vcheck(s, src, "measurements", TEEATTEST_OUTCOME_PASS,
               "all %zu active golden values match%s", compared,
               c->skipped_nvdec0 && has_active(rim, 35)
                   ? " (index 35 skipped: NVDEC0 disabled)" : "");
    }
}

int ta_rim_verify_append(teeattest_ctx *ctx, teeattest_result *r,
                         size_t gpu, const ta_rim_verify_in *in,
                         ta_rim_verify_out *out, teeattest_error *err)
{
    if (!ctx || !in || (r && r->ctx != ctx) ||
        (in->runtime.count && !in->runtime.blocks))
        return TA_INVALID(err, "ta_rim_verify_append");
    if (out)
        memset(out, 0, sizeof *out);
    vstate s = {ctx, r, gpu, in->required, true};
    int fatal = TEEATTEST_OK;
    ta_rim *drv = NULL, *vb = NULL;
    bool drv_ok = verify_one(&s, "driver", in, in->driver_parsed,
                             in->driver_xml, in->driver_len,
                             in->driver_rim_id, in->runtime.driver_version,
                             &drv, &fatal);
    bool vb_ok = !fatal &&
                 verify_one(&s, "vbios", in, in->vbios_parsed, in->vbios_xml,
                            in->vbios_len, in->vbios_rim_id,
                            in->runtime.vbios_version, &vb, &fatal);
    ta_rim_compare_out *cmp = ta_malloc(ctx, sizeof *cmp);
    if (!fatal && !cmp)
        fatal = TEEATTEST_E_NOMEM;
    if (!fatal) {
        /* Golden values are only ever taken from a verified RIM. */
        ta_rim_compare(drv_ok ? drv : NULL, vb_ok ? vb : NULL, &in->runtime,
                       cmp);
        measurement_check(&s, "driver", TA_RIM_SRC_DRIVER, drv, drv_ok, cmp);
        measurement_check(&s, "vbios", TA_RIM_SRC_VBIOS, vb, vb_ok, cmp);
        if ((drv_ok || vb_ok) && s.r) {
            char key[64];
            snprintf(key, sizeof key, "gpu[%zu].rim.mismatch_count", gpu);
            ta_result_fact_int(s.r, key, (int64_t)cmp->n_mismatches);
        }
        if (out) {
            out->all_passed = s.all_passed;
            out->n_mismatches = cmp->n_mismatches;
            out->cmp = *cmp;
        }
    }
    ta_free(ctx, cmp);
    if (drv != in->driver_parsed)
        ta_rim_free(drv);
    if (vb != in->vbios_parsed)
        ta_rim_free(vb);
    if (fatal)
        return ta_error(err, fatal, "rim", "out of memory");
    return TEEATTEST_OK;
}
