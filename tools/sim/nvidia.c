/*
 * teeattest-sim: NVIDIA attestation services on loopback, so the library's
 * GPU code can be tested without the internet:
 *
 *   --nras-response FILE  POST /v3/attest/gpu, POST /v4/attest/gpu (NRAS)
 *   --jwks FILE           GET /.well-known/jwks.json (NRAS signing keys)
 *   --rim-dir DIR         GET /v1/rim/<id> (RIM service, DIR/<id>.xml)
 *   --ocsp-dir DIR        POST /ocsp and POST / (OCSP, DIR/ *.der)
 *
 * Everything served is a fixture file byte for byte (the RIM service wraps
 * its file in NVIDIA's JSON envelope); nothing here signs anything. The
 * faults of --fault (nras_status, rim_missing, ocsp_down) are fixed at
 * start; the generic faults of /_sim/control apply as to every answer.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "sim.h"

#define NV_MAX_RIM_ID 200

/* ---- faults ------------------------------------------------------------- */

static const struct {
    const char *name;
    unsigned bit;
} nv_fault_names[] = {
    {"nras_status", SIM_NV_FAULT_NRAS_STATUS},
    {"rim_missing", SIM_NV_FAULT_RIM_MISSING},
    {"ocsp_down", SIM_NV_FAULT_OCSP_DOWN},
};

bool sim_nv_fault(const char *name, unsigned *bits)
{
    for (size_t i = 0; i < sizeof nv_fault_names / sizeof nv_fault_names[0];
         i++)
        if (strcmp(name, nv_fault_names[i].name) == 0) {
            *bits |= nv_fault_names[i].bit;
            return true;
        }
    return false;
}

/* ---- answers ------------------------------------------------------------ */

static bool answer_copy(sim_nv_answer *a, int status, const void *p,
                        size_t len, const char *ctype)
{
    a->body = malloc(len ? len : 1);
    if (!a->body) {
        a->status = 500; /* the caller sends nothing for a NULL body */
        return true;
    }
    if (len)
        memcpy(a->body, p, len);
    a->len = len;
    a->status = status;
    a->ctype = ctype;
    return true;
}

/* {"<key>":"<value>"} */
static bool answer_msg(sim_nv_answer *a, int status, const char *key,
                       const char *value)
{
    json_t *d = json_pack("{s:s}", key, value);
    char *t = d ? json_dumps(d, JSON_COMPACT) : NULL;
    json_decref(d);
    a->status = status;
    a->body = t;
    a->len = t ? strlen(t) : 0;
    a->ctype = "application/json";
    return true;
}

static bool method_not_allowed(sim_nv_answer *a)
{
    return answer_msg(a, 405, "detail", "Method Not Allowed");
}

/* ---- NRAS --------------------------------------------------------------- */

static bool nras(const sim *s, bool post, const char *body, size_t body_len,
                 sim_nv_answer *a)
{
    if (!post)
        return method_not_allowed(a);
    if (s->nv_faults & SIM_NV_FAULT_NRAS_STATUS)
        return answer_msg(a, 500, "error", "sim");
    json_error_t e;
    json_t *req = body_len ? json_loadb(body, body_len, 0, &e) : NULL;
    bool ok = json_is_object(req);
    json_decref(req);
    if (!ok)
        return answer_msg(a, 400, "error",
                          "request body must be a JSON object");
    return answer_copy(a, 200, s->nras_response, s->nras_response_len,
                       "application/json");
}

/* ---- RIM service -------------------------------------------------------- */

static bool rim_id_ok(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > NV_MAX_RIM_ID)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

static bool rim(const sim *s, bool get, const char *id, sim_nv_answer *a)
{
    if (!get)
        return method_not_allowed(a);
    if (s->nv_faults & SIM_NV_FAULT_RIM_MISSING)
        return answer_msg(a, 404, "message", "RIM_NOT_FOUND");
    /* The path arrives percent-decoded, so "..%2f" is "../" here and fails
     * the character set; with ".xml" appended, no id leaves DIR. */
    if (!rim_id_ok(id))
        return answer_msg(a, 400, "message", "INVALID_RIM_ID");
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s.xml", s->rim_dir, id) >=
        (int)sizeof path)
        return answer_msg(a, 404, "message", "RIM_NOT_FOUND");
    size_t len = 0;
    char *xml = sim_read_file(path, &len);
    if (!xml)
        return answer_msg(a, 404, "message", "RIM_NOT_FOUND");

    size_t cap = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc(cap);
    char sha[65];
    sim_sha256_hex(sha, xml, len);
    if (b64)
        sodium_bin2base64(b64, cap, (const unsigned char *)xml, len,
                          sodium_base64_VARIANT_ORIGINAL);
    free(xml);
    json_t *d = b64 ? json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "id", id,
                                "rim", b64, "sha256", sha, "last_updated",
                                "2025-01-01T00:00:00Z", "rim_format",
                                "SWIDTAG", "request_id", "sim")
                    : NULL;
    free(b64);
    char *t = d ? json_dumps(d, JSON_COMPACT) : NULL;
    json_decref(d);
    a->status = 200;
    a->body = t;
    a->len = t ? strlen(t) : 0;
    a->ctype = "application/json";
    return true;
}

/* ---- OCSP ----------------------------------------------------------------- */

/* A bounds-checked DER reader: single-byte tags, definite lengths only. */
typedef struct der {
    const uint8_t *p;
    size_t len;
} der;

typedef struct tlv {
    uint8_t tag;
    const uint8_t *start; /* the whole TLV */
    size_t total;
    der val;              /* its contents */
} tlv;

static bool der_next(der *d, tlv *t)
{
    if (d->len < 2)
        return false;
    uint8_t tag = d->p[0];
    if ((tag & 0x1f) == 0x1f) /* high tag numbers: not in OCSP requests */
        return false;
    size_t off = 2, n = d->p[1];
    if (n & 0x80) {
        size_t k = n & 0x7f;
        if (k == 0 || k > 4 || d->len - 2 < k) /* indefinite or absurd */
            return false;
        n = 0;
        for (size_t i = 0; i < k; i++)
            n = (n << 8) | d->p[2 + i];
        off += k;
    }
    if (n > d->len - off)
        return false;
    t->tag = tag;
    t->start = d->p;
    t->total = off + n;
    t->val.p = d->p + off;
    t->val.len = n;
    d->p += off + n;
    d->len -= off + n;
    return true;
}

static bool der_expect(der *d, uint8_t tag, tlv *t)
{
    return der_next(d, t) && t->tag == tag;
}

/* Every remaining element of `d` is a well-formed TLV. */
static bool der_rest_ok(der d)
{
    tlv t;
    while (d.len)
        if (!der_next(&d, &t))
            return false;
    return true;
}

/* The DER of the first CertID of an OCSPRequest (RFC 6960 4.1.1):
 *   OCSPRequest ::= SEQUENCE { tbsRequest, optionalSignature [0] OPTIONAL }
 *   TBSRequest  ::= SEQUENCE { version [0] DEFAULT v1, requestorName [1]
 *                   OPTIONAL, requestList SEQUENCE OF Request,
 *                   requestExtensions [2] OPTIONAL }
 *   Request     ::= SEQUENCE { reqCert CertID, singleRequestExtensions [0]
 *                   OPTIONAL }
 *   CertID      ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier,
 *                   issuerNameHash OCTET STRING, issuerKeyHash OCTET STRING,
 *                   serialNumber INTEGER } */
static bool ocsp_request_certid(const uint8_t *body, size_t len, tlv *cid)
{
    der d = {body, len};
    tlv req, tbs, x, one, f;
    if (!der_expect(&d, 0x30, &req) || d.len)
        return false;
    if (!der_expect(&req.val, 0x30, &tbs) || !der_rest_ok(req.val))
        return false;
    if (!der_next(&tbs.val, &x))
        return false;
    if (x.tag == 0xa0 && !der_next(&tbs.val, &x))
        return false;
    if (x.tag == 0xa1 && !der_next(&tbs.val, &x))
        return false;
    if (x.tag != 0x30 || !der_rest_ok(tbs.val))
        return false;
    der list = x.val;
    if (!der_expect(&list, 0x30, &one) || !der_rest_ok(list))
        return false;
    if (!der_expect(&one.val, 0x30, cid) || !der_rest_ok(one.val))
        return false;
    der c = cid->val;
    return der_expect(&c, 0x30, &f) && der_expect(&c, 0x04, &f) &&
           der_expect(&c, 0x04, &f) && der_expect(&c, 0x02, &f) &&
           f.val.len > 0 && c.len == 0;
}

static int der_file(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return e->d_name[0] != '.' && n > 4 &&
           strcmp(e->d_name + n - 4, ".der") == 0;
}

static bool ocsp(const sim *s, bool post, const char *body, size_t body_len,
                 sim_nv_answer *a)
{
    static const uint8_t unauthorized[] = {0x30, 0x03, 0x0a, 0x01, 0x06};
    if (!post)
        return method_not_allowed(a);
    if (s->nv_faults & SIM_NV_FAULT_OCSP_DOWN)
        return answer_copy(a, 503, "simulated OCSP outage\n", 22,
                           "text/plain");
    tlv cid;
    if (!body || !ocsp_request_certid((const uint8_t *)body, body_len, &cid))
        return answer_copy(a, 400, "malformed OCSP request\n", 23,
                           "text/plain");

    /* The first response, in name order, that holds the CertID's bytes. */
    struct dirent **names = NULL;
    int n = scandir(s->ocsp_dir, &names, der_file, alphasort);
    bool found = false;
    for (int i = 0; i < n; i++) {
        if (!found) {
            char path[4096];
            size_t len = 0;
            char *der_resp = NULL;
            if (snprintf(path, sizeof path, "%s/%s", s->ocsp_dir,
                         names[i]->d_name) < (int)sizeof path)
                der_resp = sim_read_file(path, &len);
            if (der_resp && memmem(der_resp, len, cid.start, cid.total)) {
                a->status = 200;
                a->body = der_resp;
                a->len = len;
                a->ctype = "application/ocsp-response";
                found = true;
            } else {
                free(der_resp);
            }
        }
        free(names[i]);
    }
    free(names);
    if (found)
        return true;
    return answer_copy(a, 200, unauthorized, sizeof unauthorized,
                       "application/ocsp-response");
}

/* ---- routing ---------------------------------------------------------------- */

bool sim_nv_answer_for(const sim *s, const char *method, const char *path,
                       const char *body, size_t body_len, sim_nv_answer *a)
{
    static const char rim_prefix[] = "/v1/rim/";
    memset(a, 0, sizeof *a);
    bool get = strcmp(method, "GET") == 0;
    bool post = strcmp(method, "POST") == 0;

    if (s->nras_response && (strcmp(path, "/v3/attest/gpu") == 0 ||
                             strcmp(path, "/v4/attest/gpu") == 0))
        return nras(s, post, body, body_len, a);
    if (s->jwks && strcmp(path, "/.well-known/jwks.json") == 0)
        return get ? answer_copy(a, 200, s->jwks, s->jwks_len,
                                 "application/json")
                   : method_not_allowed(a);
    if (s->rim_dir && strncmp(path, rim_prefix, sizeof rim_prefix - 1) == 0)
        return rim(s, get, path + sizeof rim_prefix - 1, a);
    if (s->ocsp_dir && (strcmp(path, "/ocsp") == 0 ||
                        (post && strcmp(path, "/") == 0)))
        return ocsp(s, post, body, body_len, a);
    return false;
}
