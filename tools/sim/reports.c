/*
 * teeattest-sim: attestation documents in each dialect's shape
 * (../shared/specs/providers.md sections 4 and 7).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "sim.h"

json_t *sim_error_doc(const char *message, const char *type)
{
    return json_pack("{s:{s:s,s:s,s:n,s:n}}", "error", "message", message,
                     "type", type, "param", "code");
}

static json_t *hex_json(const uint8_t *p, size_t n)
{
    char *h = malloc(2 * n + 1);
    if (!h)
        return NULL;
    sim_hex(h, p, n);
    json_t *j = json_string(h);
    free(h);
    return j;
}

static json_t *b64_json(const uint8_t *p, size_t n)
{
    size_t cap = sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL);
    char *h = malloc(cap);
    if (!h)
        return NULL;
    sodium_bin2base64(h, cap, p, n, sodium_base64_VARIANT_ORIGINAL);
    json_t *j = json_string(h);
    free(h);
    return j;
}

static json_t *b64_str_json(const char *s)
{
    return b64_json((const uint8_t *)s, strlen(s));
}

/* How an entry is written; each form follows one real implementation. */
enum style {
    ST_VLLM,     /* Phala vllm-proxy / RedPill (Python) */
    ST_NEAR,     /* NEAR inference-proxy (Rust) */
    ST_NANOGPT,  /* NanoGPT (phproxy) */
    ST_VENICE,   /* Venice (NEAR backend, 04-prefixed keys) */
    ST_LEGACY,   /* inference-api.phala.network, 2024 */
    ST_GATEWAY,  /* NEAR cloud-api gateway layer */
};

static void report_data(const sim *s, const sim_key *k, bool ed,
                        const uint8_t nonce[32], bool tls, uint8_t rd[64])
{
    memset(rd, 0, 64);
    const uint8_t *a = ed ? k->ed_pk : k->address;
    size_t alen = ed ? 32 : 20;
    if (tls) {
        /* L2: SHA-256(A || SPKI fingerprint) || nonce */
        uint8_t cat[64];
        memcpy(cat, a, alen);
        memcpy(cat + alen, s->tls_spki_sha256, 32);
        sim_sha256(rd, cat, alen + 32);
    } else {
        /* L1: A || zero padding || nonce */
        memcpy(rd, a, alen);
    }
    memcpy(rd + 32, nonce, 32);
}

static json_t *gpu_payload(const uint8_t nonce[32], bool py_style)
{
    char nh[65];
    sim_hex(nh, nonce, 32);
    json_t *p = json_pack("{s:s,s:[{s:o,s:o,s:s}],s:s}", "nonce", nh,
        "evidence_list", "certificate",
        b64_str_json("teeattest-sim placeholder GPU certificate chain "
                     "(not real, tests only)"),
        "evidence",
        b64_str_json("teeattest-sim placeholder SPDM evidence (not real)"),
        "arch", "HOPPER", "arch", "HOPPER");
    if (!p)
        return NULL;
    char *t;
    if (py_style) {
        sbuf b;
        sb_init(&b);
        py_dumps(&b, p, false);
        t = sb_steal(&b, NULL);
    } else {
        t = json_dumps(p, JSON_COMPACT);
    }
    json_decref(p);
    json_t *r = t ? json_string(t) : NULL;
    free(t);
    return r;
}

/* Documents get their own copies of the shared event log: request threads
 * must not share jansson values (older jansson marks values while dumping). */
static json_t *info_json(const sim_td *td, const char *app_name)
{
    char app_id[41], inst[41], dev[65], osh[65], ch[65], agg[65];
    char mrtd[97], r[4][97];
    sim_hex(app_id, td->app_id, 20);
    sim_hex(inst, td->instance_id, 20);
    sim_hex(dev, td->device_id, 32);
    sim_hex(osh, td->os_image_hash, 32);
    sim_hex(ch, td->compose_hash, 32);
    sim_hex(agg, td->mr_aggregated, 32);
    sim_hex(mrtd, td->mrtd, 48);
    for (int i = 0; i < 4; i++)
        sim_hex(r[i], td->rtmr[i], 48);
    return json_pack(
        "{s:s,s:s,s:s,s:s,s:{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:s,s:s},"
        "s:s,s:s,s:s,s:s,s:s,s:s}",
        "app_id", app_id, "instance_id", inst,
        "app_cert", "-----BEGIN CERTIFICATE-----\n"
                    "(teeattest-sim placeholder: no RA-TLS certificate)\n"
                    "-----END CERTIFICATE-----\n",
        "app_name", app_name,
        "tcb_info", "mrtd", mrtd, "rtmr0", r[0], "rtmr1", r[1], "rtmr2", r[2],
        "rtmr3", r[3], "os_image_hash", osh, "compose_hash", ch,
        "device_id", dev, "event_log", json_deep_copy(td->event_log),
        "app_compose", td->app_compose, "mr_aggregated", agg,
        "device_id", dev, "mr_aggregated", agg, "os_image_hash", osh,
        "compose_hash", ch, "key_provider_info", td->key_provider,
        "vm_config", td->vm_config);
}

/* dstack's "stripped" event log as a JSON string: runtime digests emptied
 * (clients must recompute them), boot payloads already empty. */
static json_t *stripped_log_string(const sim_td *td)
{
    json_t *copy = json_deep_copy(td->event_log);
    if (!copy)
        return NULL;
    size_t i;
    json_t *e;
    json_array_foreach(copy, i, e) {
        if (json_integer_value(json_object_get(e, "event_type")) == 0x08000001)
            json_object_set_new(e, "digest", json_string(""));
    }
    char *t = json_dumps(copy, JSON_COMPACT);
    json_decref(copy);
    json_t *r = t ? json_string(t) : NULL;
    free(t);
    return r;
}

static json_t *entry(const sim *s, const sim_key *k, const sim_td *td,
                     const uint8_t nonce[32], bool ed, bool tls,
                     enum style st, const char *model)
{
    uint8_t rd[64];
    bool use_tls = tls && s->have_tls;
    report_data(s, k, ed, nonce, use_tls, rd);
    size_t qlen = 0;
    uint8_t *quote = sim_quote_generate(td, rd, &qlen);
    if (!quote)
        return NULL;
    json_t *o = json_object();
    char nh[65];
    sim_hex(nh, nonce, 32);
    if (!o)
        goto fail;

    if (st == ST_LEGACY) {
        json_object_set_new(o, "signing_address",
                            json_string(k->address_eip55));
        json_object_set_new(o, "nvidia_payload", gpu_payload(nonce, true));
        json_object_set_new(o, "intel_quote", b64_json(quote, qlen));
        free(quote);
        return o;
    }
    if (st == ST_NEAR)
        json_object_set_new(o, "model_name", json_string(model));
    const char *addr = ed ? k->ed_pk_hex
                          : (st == ST_NEAR || st == ST_GATEWAY)
                                ? k->address_lower : k->address_eip55;
    json_object_set_new(o, "signing_address", json_string(addr));
    json_object_set_new(o, "signing_algo", json_string(ed ? "ed25519" : "ecdsa"));
    if (ed) {
        json_object_set_new(o, "signing_public_key", json_string(k->ed_pk_hex));
    } else {
        uint8_t pub65[65] = {0x04};
        memcpy(pub65 + 1, k->ecdsa_pub, 64);
        bool with04 = st == ST_VENICE;
        json_object_set_new(o, "signing_public_key",
                            hex_json(with04 ? pub65 : pub65 + 1,
                                     with04 ? 65 : 64));
        if (st == ST_VENICE)
            json_object_set_new(o, "signing_key", hex_json(pub65, 65));
    }
    json_object_set_new(o, "request_nonce", json_string(nh));
    json_object_set_new(o, "intel_quote", hex_json(quote, qlen));
    if (st == ST_NANOGPT)
        json_object_set_new(o, "quote", hex_json(quote, qlen));
    if (st == ST_GATEWAY) {
        json_object_set_new(o, "event_log", stripped_log_string(td));
        json_object_set_new(o, "report_data", hex_json(rd, 64));
    } else {
        if (!s->no_gpu)
            json_object_set_new(o, "nvidia_payload",
                                gpu_payload(nonce, st != ST_NEAR));
        if (td->gpu_attestation)
            json_object_set_new(o, "gpu_attestation",
                                json_stringn(td->gpu_attestation,
                                             td->gpu_attestation_len));
        if (st == ST_NANOGPT)
            json_object_set_new(o, "event_log", stripped_log_string(td));
        else
            json_object_set_new(o, "event_log", json_deep_copy(td->event_log));
    }
    json_object_set_new(o, "info", info_json(td, st == ST_GATEWAY
                                                    ? "teeattest-sim-gateway"
                                                    : "teeattest-sim"));
    if (st == ST_NANOGPT)
        json_object_set_new(o, "vm_config", json_string(td->vm_config));
    if (st == ST_GATEWAY)
        json_object_set_new(o, "vpc", json_pack("{s:s,s:s}",
            "vpc_server_app_id", "teeattest-sim-vpc", "vpc_hostname",
            "vpc.teeattest-sim.invalid"));
    if (use_tls)
        json_object_set_new(o, "tls_cert_fingerprint",
                            hex_json(s->tls_spki_sha256, 32));
    free(quote);
    return o;
fail:
    free(quote);
    json_decref(o);
    return NULL;
}

static bool get_nonce(const char *hex, uint8_t nonce[32])
{
    if (!hex) {
        randombytes_buf(nonce, 32);
        return true;
    }
    return sim_unhex(nonce, 32, hex);
}

json_t *sim_report_dstack(const sim *s, const sim_faults *f, const char *path,
                          const char *model, const char *nonce_hex,
                          const char *algo, const char *signing_address,
                          bool tls_fp, int *status)
{
    enum style st = ST_VLLM;
    bool api = strncmp(path, "/api/", 5) == 0;
    if (api)
        st = strcmp(s->dialect, "venice") == 0 ? ST_VENICE : ST_NANOGPT;
    else if (strcmp(s->dialect, "nearai") == 0)
        st = ST_NEAR;
    else if (strcmp(s->dialect, "phala") == 0)
        st = ST_LEGACY;
    bool gateway = st == ST_NEAR && f->near_gateway;

    uint8_t nonce[32];
    if (!get_nonce(nonce_hex, nonce)) {
        *status = 400;
        return sim_error_doc("Nonce must be 32 bytes (64 hex characters)",
                             "invalid_request_error");
    }
    if (f->wrong_nonce)
        for (int i = 0; i < 32; i++)
            nonce[i] ^= 0x5a;
    /* cloud-api defaults to ed25519, the model proxies to ecdsa */
    if (!algo)
        algo = gateway ? "ed25519" : "ecdsa";
    bool ed;
    if (strcmp(algo, "ecdsa") == 0)
        ed = false;
    else if (strcmp(algo, "ed25519") == 0)
        ed = true;
    else {
        *status = 400;
        return sim_error_doc("Invalid signing algorithm. Must be 'ecdsa' or "
                             "'ed25519'", "invalid_signing_algo");
    }
    if (ed && st == ST_LEGACY) {
        *status = 400;
        return sim_error_doc("Invalid signing algorithm. Must be 'ecdsa'",
                             "invalid_signing_algo");
    }
    if (!model || !*model)
        model = s->model;

    int nodes = f->nodes < 1 ? 1 : f->nodes > SIM_MAX_NODES ? SIM_MAX_NODES
                                                            : f->nodes;
    int pick = 0;
    if (signing_address && *signing_address) {
        pick = -1;
        for (int i = 0; i < nodes && pick < 0; i++) {
            const char *mine = ed ? s->keys[i].ed_pk_hex
                                  : s->keys[i].address_lower;
            if (strcasecmp(signing_address, mine) == 0)
                pick = i;
        }
        if (pick < 0) {
            *status = 404;
            return sim_error_doc("Signing address not found on this server",
                                 "not_found");
        }
    }

    json_t *all = json_array();
    for (int i = 0; all && i < nodes; i++) {
        json_t *e = entry(s, &s->keys[i], &s->td, nonce, ed, tls_fp, st, model);
        if (!e || json_array_append_new(all, e)) {
            json_decref(all);
            all = NULL;
        }
    }
    if (!all)
        goto oom;
    json_t *doc;
    if (gateway) {
        json_t *g = entry(s, &s->gateway_key, &s->gateway_td, nonce, ed,
                          tls_fp, ST_GATEWAY, model);
        doc = g ? json_pack("{s:o,s:o}", "gateway_attestation", g,
                            "model_attestations", all)
                : NULL;
        if (doc && tls_fp && s->have_tls && s->cert_pem)
            json_object_set_new(doc, "tls_certificate",
                                json_string(s->cert_pem));
        if (!g)
            json_decref(all);
    } else if (st == ST_LEGACY) {
        doc = json_deep_copy(json_array_get(all, (size_t)pick));
        json_decref(all);
    } else {
        doc = json_deep_copy(json_array_get(all, (size_t)pick));
        if (doc)
            json_object_set_new(doc, "all_attestations", all);
        else
            json_decref(all);
    }
    if (!doc)
        goto oom;
    *status = 200;
    return doc;
oom:
    *status = 500;
    return sim_error_doc("out of memory", "server_error");
}

json_t *sim_report_ionet(const sim *s, const sim_faults *f, const char *body,
                         size_t body_len, int *status)
{
    json_error_t jerr;
    json_t *req = json_loadb(body, body_len, 0, &jerr);
    if (!json_is_object(req)) {
        json_decref(req);
        *status = 422;
        return json_pack("{s:s}", "detail", "request body must be a JSON object");
    }
    uint8_t nonce[32] = {0};
    json_t *jn = json_object_get(req, "nonce");
    if (json_is_string(jn)) {
        /* io.net agent: hex, optional 0x, at most 32 bytes, right-padded */
        const char *h = json_string_value(jn);
        if (strncmp(h, "0x", 2) == 0 || strncmp(h, "0X", 2) == 0)
            h += 2;
        size_t n = strlen(h);
        if (n % 2 || n > 64 || !sim_unhex(nonce, n / 2, h)) {
            json_decref(req);
            *status = 400;
            return json_pack("{s:s}", "detail",
                             "nonce must be hex of at most 32 bytes");
        }
    } else if (jn && !json_is_null(jn)) {
        json_decref(req);
        *status = 400;
        return json_pack("{s:s}", "detail", "nonce must be a string");
    } else {
        randombytes_buf(nonce, 32);
    }
    json_decref(req);
    if (f->wrong_nonce)
        for (int i = 0; i < 32; i++)
            nonce[i] ^= 0x5a;
    /* L5: nonce || 32 zero bytes; the signing key is not bound. */
    uint8_t rd[64] = {0};
    memcpy(rd, nonce, 32);
    size_t qlen;
    uint8_t *quote = sim_quote_generate(&s->td, rd, &qlen);
    char nh[65], img[65], dig[80];
    sim_hex(nh, nonce, 32);
    sim_label_hex(img, 32, s->seed, "image-digest");
    snprintf(dig, sizeof dig, "sha256:%s", img);
    json_t *doc = quote ? json_pack(
        "{s:s,s:{s:o},s:{s:s,s:s,s:[{s:o,s:o}],s:s},s:s,s:s}",
        "nonce", nh, "cpu", "quote", hex_json(quote, qlen),
        "gpu", "nonce", nh, "arch", "HOPPER", "evidence_list",
        "evidence", b64_str_json("teeattest-sim placeholder SPDM evidence"),
        "certificate", b64_str_json("teeattest-sim placeholder GPU certificate"),
        "claims_version", "3.0",
        "signing_address", s->keys[0].address_eip55, "image_digest", dig)
        : NULL;
    free(quote);
    if (!doc) {
        *status = 500;
        return sim_error_doc("out of memory", "server_error");
    }
    if (s->no_gpu)
        json_object_del(doc, "gpu");
    *status = 200;
    return doc;
}
