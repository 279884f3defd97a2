/*
 * teeattest-sim: Intel PCS / PCCS v4 collateral endpoints served from a
 * directory laid out like shared/fixtures/tdx/<case>/ (--pccs-dir), so
 * online collateral fetching can be tested without the internet. Bodies are
 * the fixture files byte for byte; issuer chains go out URL-encoded in the
 * headers Intel uses (../shared/specs/tdx.md section 6). Without
 * --pccs-dir the same endpoints serve the simulator's own TEST collateral
 * (pki.c), matching its quotes.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>
#include <sodium.h>

#include "sim.h"

/* Without --pccs-dir: the simulator's own TEST collateral (pki.c), by the
 * fixture file names. */
static char *pki_item(const char *name, size_t *len)
{
    const sim_pki *k = sim_pki_get();
    if (!k)
        return NULL;
    const void *src = NULL;
    size_t n = 0;
    if (strcmp(name, "tcb_info.json") == 0)
        src = k->tcb_info, n = strlen(k->tcb_info);
    else if (strcmp(name, "qe_identity.json") == 0)
        src = k->qe_identity, n = strlen(k->qe_identity);
    else if (strcmp(name, "pck_crl.der") == 0)
        src = k->pck_crl, n = k->pck_crl_len;
    else if (strcmp(name, "root_ca_crl.der") == 0)
        src = k->root_crl, n = k->root_crl_len;
    else if (strcmp(name, "tcb_info_issuer_chain.pem") == 0 ||
             strcmp(name, "qe_identity_issuer_chain.pem") == 0)
        src = k->tcb_chain, n = strlen(k->tcb_chain);
    else if (strcmp(name, "pck_crl_issuer_chain.pem") == 0)
        src = k->crl_chain, n = strlen(k->crl_chain);
    if (!src)
        return NULL;
    char *c = malloc(n + 1);
    if (!c)
        return NULL;
    memcpy(c, src, n);
    c[n] = '\0';
    *len = n;
    return c;
}

static char *read_file(const char *dir, const char *name, size_t *len)
{
    if (!dir)
        return pki_item(name, len);
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
        return NULL;
    return sim_read_file(path, len);
}

/* Percent-encode all but RFC 3986 unreserved characters, as Intel does
 * (space %20, newline %0A, '+' %2B, '/' %2F, '=' %3D). */
static char *url_encode_file(const char *dir, const char *name)
{
    size_t len;
    char *raw = read_file(dir, name, &len);
    if (!raw)
        return NULL;
    sbuf b;
    sb_init(&b);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)raw[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
            c == '~')
            sb_add(&b, &c, 1);
        else
            sb_printf(&b, "%%%02X", c);
    }
    free(raw);
    return sb_steal(&b, NULL);
}

static void set_error(sim_pccs_answer *a, int status, const char *msg)
{
    a->status = status;
    json_t *d = json_pack("{s:s}", "error", msg);
    a->body = d ? json_dumps(d, JSON_COMPACT) : NULL;
    json_decref(d);
    a->len = a->body ? strlen(a->body) : 0;
    a->ctype = "application/json";
}

static bool answer_file(sim_pccs_answer *a, const char *dir, const char *file,
                        const char *ctype, const char *chain_header,
                        const char *chain_file)
{
    a->body = read_file(dir, file, &a->len);
    if (!a->body) {
        set_error(a, 404, dir ? "no such collateral in --pccs-dir"
                                  : "no such collateral");
        return true;
    }
    a->status = 200;
    a->ctype = ctype;
    if (chain_header) {
        a->hdr_name = chain_header;
        a->hdr_value = url_encode_file(dir, chain_file);
        if (!a->hdr_value) {
            free(a->body);
            a->body = NULL;
            a->hdr_name = NULL;
            set_error(a, 500, "issuer chain file missing in --pccs-dir");
        }
    }
    return true;
}

bool sim_pccs_answer_for(const sim *s, struct MHD_Connection *conn,
                         const char *path, sim_pccs_answer *a)
{
    memset(a, 0, sizeof *a);
    const char *dir = s->pccs_dir;
#define ARG(n) MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, n)
    if (strcmp(path, "/tdx/certification/v4/tcb") == 0) {
        const char *fmspc = ARG("fmspc");
        if (!fmspc || strlen(fmspc) != 12) {
            set_error(a, 400, "fmspc must be 12 hex digits");
            return true;
        }
        if (ARG("update") && ARG("tcbEvaluationDataNumber")) {
            set_error(a, 400, "update and tcbEvaluationDataNumber are "
                              "mutually exclusive");
            return true;
        }
        size_t len;
        char *doc = read_file(dir, "tcb_info.json", &len);
        json_error_t e;
        json_t *j = doc ? json_loadb(doc, len, 0, &e) : NULL;
        free(doc);
        const char *have = json_string_value(
            json_object_get(json_object_get(j, "tcbInfo"), "fmspc"));
        bool match = have && strcasecmp(have, fmspc) == 0;
        json_decref(j);
        if (!match) {
            set_error(a, 404, "unknown FMSPC");
            return true;
        }
        return answer_file(a, dir, "tcb_info.json", "application/json",
                           "TCB-Info-Issuer-Chain", "tcb_info_issuer_chain.pem");
    }
    if (strcmp(path, "/tdx/certification/v4/qe/identity") == 0)
        return answer_file(a, dir, "qe_identity.json", "application/json",
                           "SGX-Enclave-Identity-Issuer-Chain",
                           "qe_identity_issuer_chain.pem");
    if (strcmp(path, "/sgx/certification/v4/pckcrl") == 0) {
        const char *ca = ARG("ca"), *enc = ARG("encoding");
        if (!ca || (strcmp(ca, "platform") && strcmp(ca, "processor"))) {
            set_error(a, 400, "ca must be platform or processor");
            return true;
        }
        if (!dir && strcmp(ca, "processor") == 0) {
            set_error(a, 404, "the simulator's test PKI has no PCK "
                              "Processor CA");
            return true;
        }
        if (enc && strcmp(enc, "der") && strcmp(enc, "pem")) {
            set_error(a, 400, "encoding must be der or pem");
            return true;
        }
        answer_file(a, dir, "pck_crl.der", "application/pkix-crl",
                    "SGX-PCK-CRL-Issuer-Chain", "pck_crl_issuer_chain.pem");
        if (a->status == 200 && !(enc && strcmp(enc, "der") == 0)) {
            /* PEM is the API's default encoding */
            size_t cap = sodium_base64_encoded_len(a->len,
                                                   sodium_base64_VARIANT_ORIGINAL);
            char *b64 = malloc(cap);
            sbuf b;
            sb_init(&b);
            if (b64) {
                sodium_bin2base64(b64, cap, (const unsigned char *)a->body,
                                  a->len, sodium_base64_VARIANT_ORIGINAL);
                sb_str(&b, "-----BEGIN X509 CRL-----\n");
                size_t n = strlen(b64);
                for (size_t i = 0; i < n; i += 64)
                    sb_printf(&b, "%.64s\n", b64 + i);
                sb_str(&b, "-----END X509 CRL-----\n");
            }
            free(b64);
            free(a->body);
            a->body = sb_steal(&b, &a->len);
            a->ctype = "application/x-pem-file";
        }
        return true;
    }
    if (strcmp(path, "/sgx/certification/v4/rootcacrl") == 0) {
        /* PCCS answers the hex text of the DER CRL */
        answer_file(a, dir, "root_ca_crl.der", "text/plain", NULL, NULL);
        if (a->status == 200) {
            char *hex = malloc(2 * a->len + 1);
            if (hex)
                sim_hex(hex, (const uint8_t *)a->body, a->len);
            free(a->body);
            a->body = hex;
            a->len = hex ? 2 * (a->len) : 0;
        }
        return true;
    }
    if (strcmp(path, "/IntelSGXRootCA.der") == 0)
        return answer_file(a, dir, "root_ca_crl.der", "application/pkix-crl",
                           NULL, NULL);
#undef ARG
    return false;
}
