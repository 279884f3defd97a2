/*
 * NVIDIA GPU evidence parser and local checks (lib/gpu/gpu.h): the SPDM
 * report of every single-GPU fixture parses with its recorded fields;
 * every truncation of a report, chain text and payload fails cleanly;
 * oversized inputs are refused; structural corruptions are named; one byte
 * changed in a measurement, nonce, opaque field, signature or certificate
 * fails the right check; payload container shapes; derived ids.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <jansson.h>

#include "test.h"

#include "core/core.h"
#include "gpu/gpu.h"

static teeattest_ctx *ctx;

#define AT 1761307200 /* 2025-10-24T12:00:00Z */
#define CASE "nvidia/h100_550.90.07_full/"

static uint8_t *ev;
static size_t ev_len;
static uint8_t *pem;
static size_t pem_len;
static uint8_t nonce[32];

static char *b64(const uint8_t *p, size_t n)
{
    char *o = malloc(ta_base64_encoded_len(n) + 1);
    ta_base64_encode(o, p, n, false);
    return o;
}

static char *payload_of(const uint8_t *e, size_t elen, const uint8_t *c,
                        size_t clen, size_t *out_len)
{
    char *eb = b64(e, elen), *cb = b64(c, clen);
    size_t cap = strlen(eb) + strlen(cb) + 128;
    char *o = malloc(cap);
    *out_len = (size_t)snprintf(o, cap, "{\"arch\":\"HOPPER\",\"evidence_list\":"
                                "[{\"evidence\":\"%s\",\"certificate\":\"%s\"}]}",
                                eb, cb);
    free(eb);
    free(cb);
    return o;
}

static const char *outcome(teeattest_result *r, const char *name)
{
    int32_t oc = 0;
    const char *d = NULL;
    if (teeattest_result_find_check(r, name, &oc, &d, NULL) != TEEATTEST_OK)
        return "absent";
    return oc == TEEATTEST_OUTCOME_PASS ? "pass" : oc == TEEATTEST_OUTCOME_FAIL ? "fail"
           : oc == TEEATTEST_OUTCOME_SKIP ? "skip" : "warn";
}

/* Verify (evidence, chain text) and compare the five per-GPU outcomes. */
static void expect(const char *what, const uint8_t *e, size_t elen,
                   const uint8_t *c, size_t clen, const char *parse,
                   const char *chain, const char *sig, const char *non,
                   const char *fwid)
{
    size_t plen;
    char *p = payload_of(e, elen, c, clen, &plen);
    teeattest_result *r = NULL;
    ta_result_new(ctx, &r);
    ta_gpu_outcome o;
    printf("# %s\n", what);
    CHECK_EQ_INT(ta_gpu_verify_local(ctx, (uint8_t *)p, plen, nonce, 32, 1, AT, r,
                                     &o, NULL), 0);
    ta_result_finish(r, NULL);
    CHECK_STR(outcome(r, "gpu[0].evidence.parse"), parse);
    CHECK_STR(outcome(r, "gpu[0].cert_chain"), chain);
    CHECK_STR(outcome(r, "gpu[0].spdm.signature"), sig);
    CHECK_STR(outcome(r, "gpu[0].nonce"), non);
    CHECK_STR(outcome(r, "gpu[0].fwid"), fwid);
    bool all = !strcmp(parse, "pass") && !strcmp(chain, "pass") &&
               !strcmp(sig, "pass") && !strcmp(non, "pass") && !strcmp(fwid, "pass");
    CHECK_EQ_INT(teeattest_result_verdict(r), all ? 1 : 0);
    CHECK_EQ_INT(o.all_passed, all);
    ta_gpu_outcome_free(&o);
    teeattest_result_free(r);
    free(p);
}

static void test_fixture_fields(void)
{
    static const char *const cases[] = {
        "h100_550.90.07_full", "h100_545.00_nvtrust2023", "h100_535.86.09_sdk",
        "h100_580.159.03_sdk", "h100_bad_signature_sdk", "blackwell_575.32_sdk",
    };
    for (size_t i = 0; i < TA_ARRAY_LEN(cases); i++) {
        char rel[256];
        snprintf(rel, sizeof rel, "nvidia/%s/evidence.bin", cases[i]);
        size_t n;
        uint8_t *b = ta_test_read_file(ta_test_fixture(rel), &n);
        snprintf(rel, sizeof rel, "nvidia/%s/expected.json", cases[i]);
        json_t *x = json_load_file(ta_test_fixture(rel), 0, NULL);
        if (!CHECK(b && x)) {
            free(b);
            json_decref(x);
            continue;
        }
        printf("# fields of %s\n", cases[i]);
        json_t *sp = json_object_get(json_object_get(x, "evidence"), "spdm");
        json_t *op = json_object_get(json_object_get(x, "evidence"), "opaque");
        ta_gpu_spdm s;
        teeattest_error e = TEEATTEST_ERROR_INIT;
        if (CHECK_EQ_INT(ta_gpu_spdm_parse(ctx, b, n, &s, &e), 0)) {
            char hex[65];
            ta_hex_encode(hex, s.requester_nonce, 32);
            CHECK_STR(hex, json_string_value(json_object_get(sp, "nonce")));
            CHECK_EQ_INT(s.req_param1, 1);
            CHECK_EQ_INT(s.req_param2, 0xFF);
            CHECK_EQ_INT(s.n_blocks, 64);
            CHECK_EQ_INT(s.record_len, 3520);
            CHECK_EQ_INT(s.opaque_len, json_integer_value(json_object_get(sp, "opaque_length")));
            CHECK_EQ_INT(s.signed_len, json_integer_value(json_object_get(sp, "signed_length")));
            bool blocks_ok = true;
            for (unsigned k = 1; k <= 64; k++) {
                const ta_gpu_block *bl = ta_gpu_spdm_block(&s, k);
                blocks_ok &= bl && bl->value_size == 48 && bl->value_type == 1;
            }
            CHECK(blocks_ok);
            CHECK(ta_gpu_spdm_block(&s, 65) == NULL);
            CHECK_STR(s.driver_version, json_string_value(json_object_get(op, "driver_version")));
            CHECK_STR(s.vbios_version, json_string_value(json_object_get(op, "vbios_version")));
            CHECK_STR(s.chip_sku_mod, json_string_value(json_object_get(op, "chip_sku_mod")));
            const char *pp = json_string_value(json_object_get(op, "protected_pcie_status"));
            unsigned v = 0;
            if (pp)
                sscanf(pp, "%x", &v);
            CHECK_EQ_INT(s.protected_pcie_status, pp ? (int)v : -1);
            char id[TA_GPU_RIM_ID_MAX];
            ta_gpu_arch a = strncmp(cases[i], "blackwell", 9) ? TA_GPU_ARCH_HOPPER
                                                               : TA_GPU_ARCH_BLACKWELL;
            CHECK_EQ_INT(ta_gpu_driver_rim_id(&s, a, id, sizeof id), 0);
            CHECK_STR(id, json_string_value(json_object_get(op, "driver_rim_id")));
            CHECK_EQ_INT(ta_gpu_vbios_rim_id(&s, id, sizeof id), 0);
            CHECK_STR(id, json_string_value(json_object_get(op, "vbios_rim_id")));
            CHECK_EQ_INT(ta_gpu_vbios_rim_id(&s, id, 10), TEEATTEST_E_BUFFER_TOO_SMALL);
            ta_gpu_spdm_free(&s);
        } else {
            printf("# %s\n", e.message);
        }
        free(b);
        json_decref(x);
    }
}

static void test_truncation(void)
{
    size_t bad = 0;
    for (size_t n = 0; n < ev_len; n++) {
        ta_gpu_spdm s;
        teeattest_error e = TEEATTEST_ERROR_INIT;
        int rc = ta_gpu_spdm_parse(ctx, ev, n, &s, &e);
        if (rc == TEEATTEST_OK || !e.message[0] || s.raw) {
            bad++;
            if (rc == TEEATTEST_OK)
                ta_gpu_spdm_free(&s);
        }
    }
    CHECK_EQ_INT(bad, 0);
    /* Extra bytes at the end also fail (the signature must end it). */
    uint8_t *big = malloc(ev_len + 1);
    memcpy(big, ev, ev_len);
    big[ev_len] = 0;
    ta_gpu_spdm s;
    CHECK(ta_gpu_spdm_parse(ctx, big, ev_len + 1, &s, NULL) != TEEATTEST_OK);
    free(big);

    /* Chain text: every prefix either fails or yields fewer certificates. */
    char *cb = b64(pem, pem_len);
    size_t cl = strlen(cb);
    bad = 0;
    for (size_t n = 0; n < cl; n++) {
        ta_gpu_certs c;
        int rc = ta_gpu_certs_parse(ctx, cb, n, &c, NULL);
        if (rc == TEEATTEST_OK) {
            if (c.n >= 5)
                bad++;
            ta_gpu_certs_free(&c);
        }
    }
    CHECK_EQ_INT(bad, 0);
    free(cb);

    /* Payload: every prefix fails. */
    size_t plen;
    char *p = payload_of(ev, ev_len, pem, pem_len, &plen);
    bad = 0;
    for (size_t n = 0; n < plen; n += 7) {
        ta_gpu_payload *pl = NULL;
        if (ta_gpu_payload_parse(ctx, (uint8_t *)p, n, &pl, NULL) == TEEATTEST_OK) {
            bad++;
            ta_gpu_payload_free(pl);
        }
    }
    CHECK_EQ_INT(bad, 0);
    /* And a whole-payload verification of a truncated report fails cleanly
     * on parse with the rest skipped. */
    expect("report truncated by one byte", ev, ev_len - 1, pem, pem_len, "fail",
           "pass", "skip", "skip", "skip");
    free(p);
}

static void test_oversize(void)
{
    size_t n = TA_GPU_EVIDENCE_MAX + 1;
    uint8_t *big = calloc(1, n);
    ta_gpu_spdm s;
    CHECK_EQ_INT(ta_gpu_spdm_parse(ctx, big, n, &s, NULL), TEEATTEST_E_TOO_LARGE);
    char *eb = b64(big, n);
    uint8_t *out = NULL;
    size_t ol;
    CHECK_EQ_INT(ta_gpu_evidence_decode(ctx, eb, strlen(eb), &out, &ol, NULL),
                 TEEATTEST_E_TOO_LARGE);
    ta_gpu_certs c;
    CHECK_EQ_INT(ta_gpu_certs_parse(ctx, eb, TA_GPU_CERT_TEXT_MAX + 1, &c, NULL),
                 TEEATTEST_E_TOO_LARGE);
    free(eb);
    free(big);
    /* Payload over the limit. */
    size_t pn = TA_GPU_PAYLOAD_MAX + 1;
    char *pp = malloc(pn);
    memset(pp, ' ', pn);
    pp[0] = '[';
    pp[pn - 1] = ']';
    ta_gpu_payload *pl = NULL;
    CHECK_EQ_INT(ta_gpu_payload_parse(ctx, (uint8_t *)pp, pn, &pl, NULL),
                 TEEATTEST_E_TOO_LARGE);
    free(pp);
    /* Too many GPUs. */
    ta_buf b;
    ta_buf_init(&b, ctx, 0);
    int rc = ta_buf_append_str(&b, "[");
    for (unsigned i = 0; i <= TA_GPU_MAX_GPUS && !rc; i++)
        rc = ta_buf_printf(&b, "%s{\"evidence\":\"AA==\",\"certificate\":\"AA==\"}",
                           i ? "," : "");
    if (!rc)
        rc = ta_buf_append_str(&b, "]");
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(ta_gpu_payload_parse(ctx, b.data, b.len, &pl, NULL),
                 TEEATTEST_E_TOO_LARGE);
    ta_buf_free(&b);
}

/* Offsets in the h100_550.90.07_full report (spec 2.2). */
#define RESP 37u
#define BLOCK(k) (RESP + 8u + 55u * ((k) - 1u)) /* block with Index k */

static void corrupt(const char *what, size_t off, uint8_t val, int want_rc)
{
    uint8_t *b = malloc(ev_len);
    memcpy(b, ev, ev_len);
    b[off] = val;
    ta_gpu_spdm s;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    int rc = ta_gpu_spdm_parse(ctx, b, ev_len, &s, &e);
    printf("# %s: %s\n", what, e.message);
    CHECK_EQ_INT(rc, want_rc);
    CHECK(s.raw == NULL);
    free(b);
}

static void test_structure(void)
{
    corrupt("request code", 1, 0xE1, TEEATTEST_E_PARSE);
    corrupt("request version", 0, 0x12, TEEATTEST_E_PARSE);
    corrupt("request Param1", 2, 0x00, TEEATTEST_E_PARSE);
    corrupt("request Param2", 3, 0x01, TEEATTEST_E_PARSE);
    corrupt("request slot", 36, 0x01, TEEATTEST_E_PARSE);
    corrupt("response code", RESP + 1, 0x61, TEEATTEST_E_PARSE);
    corrupt("zero blocks", RESP + 4, 0, TEEATTEST_E_PARSE);
    corrupt("65 blocks", RESP + 4, 65, TEEATTEST_E_PARSE);
    corrupt("63 blocks (record not consumed)", RESP + 4, 63, TEEATTEST_E_PARSE);
    corrupt("record length", RESP + 5, 0xC1, TEEATTEST_E_PARSE);
    corrupt("record length huge", RESP + 7, 0xFF, TEEATTEST_E_LENGTH);
    corrupt("block spec", BLOCK(3) + 1, 0x02, TEEATTEST_E_PARSE);
    corrupt("block index 0", BLOCK(3), 0, TEEATTEST_E_PARSE);
    corrupt("duplicate block index", BLOCK(3), 2, TEEATTEST_E_PARSE);
    corrupt("block value size", BLOCK(3) + 5, 47, TEEATTEST_E_PARSE);
    corrupt("opaque length", 3597, 0xA7, TEEATTEST_E_LENGTH);
    /* First opaque TLV (VBIOS_VERSION, id 6) at 3599. */
    corrupt("unknown opaque id", 3599, 37, TEEATTEST_E_PARSE);
    corrupt("opaque id 0", 3599, 0, TEEATTEST_E_PARSE);
    corrupt("duplicate opaque id", 3599, 14, TEEATTEST_E_PARSE);
    corrupt("opaque TLV length", 3601, 9, TEEATTEST_E_PARSE);
    corrupt("opaque fixed size", 3601, 7, TEEATTEST_E_PARSE);
    uint8_t *out;
    size_t ol;
    CHECK_EQ_INT(ta_gpu_evidence_decode(ctx, "!!!!", 4, &out, &ol, NULL), TEEATTEST_E_BASE64);
    CHECK_EQ_INT(ta_gpu_evidence_decode(ctx, "", 0, &out, &ol, NULL), TEEATTEST_E_LENGTH);
    /* Hex form of the report decodes to the same bytes. */
    char *hex = malloc(2 * ev_len + 1);
    ta_hex_encode(hex, ev, ev_len);
    CHECK_EQ_INT(ta_gpu_evidence_decode(ctx, hex, 2 * ev_len, &out, &ol, NULL), 0);
    CHECK(ol == ev_len && memcmp(out, ev, ev_len) == 0);
    ta_free(ctx, out);
    free(hex);
}

static void flip(const char *what, size_t off, const char *sig, const char *non,
                 const char *fwid)
{
    uint8_t *b = malloc(ev_len);
    memcpy(b, ev, ev_len);
    b[off] ^= 0x01;
    expect(what, b, ev_len, pem, pem_len, "pass", "pass", sig, non, fwid);
    free(b);
}

/* Change one base64 character of certificate `k`'s body. */
static void flip_cert(const char *what, size_t k, size_t body_off,
                      const char *chain, const char *sig, const char *fwid)
{
    uint8_t *c = malloc(pem_len);
    memcpy(c, pem, pem_len);
    size_t seen = 0;
    char *p = (char *)c;
    for (size_t i = 0; i <= k; i++) {
        p = strstr(p, "-----BEGIN CERTIFICATE-----");
        seen += p != NULL;
        if (i < k)
            p += 10;
    }
    if (CHECK(p && seen == k + 1)) {
        char *q = p + 28 + body_off;
        *q = *q == 'A' ? 'B' : 'A';
        expect(what, ev, ev_len, c, pem_len, "pass", chain, sig, "pass", fwid);
    }
    free(c);
}

static void test_flips(void)
{
    expect("genuine", ev, ev_len, pem, pem_len, "pass", "pass", "pass", "pass", "pass");
    flip("measurement block 4 value", BLOCK(4) + 7 + 10, "fail", "pass", "pass");
    flip("measurement block 64 index-size", BLOCK(64) + 7 + 47, "fail", "pass", "pass");
    flip("requester nonce", 4 + 5, "fail", "fail", "pass");
    flip("responder nonce", 3565 + 3, "fail", "pass", "pass");
    /* Opaque: find DRIVER_VERSION and FWID values. */
    ta_gpu_spdm s;
    if (CHECK_EQ_INT(ta_gpu_spdm_parse(ctx, ev, ev_len, &s, NULL), 0)) {
        size_t dv = (size_t)(s.fields[TA_GPU_OPAQUE_DRIVER_VERSION].value - s.raw);
        size_t fw = (size_t)(s.fields[TA_GPU_OPAQUE_FWID].value - s.raw);
        size_t nv = (size_t)(s.fields[TA_GPU_OPAQUE_NVDEC0_STATUS].value - s.raw);
        ta_gpu_spdm_free(&s);
        flip("opaque DRIVER_VERSION", dv + 1, "fail", "pass", "pass");
        flip("opaque FWID", fw + 20, "fail", "pass", "fail");
        flip("opaque NVDEC0_STATUS", nv, "fail", "pass", "pass");
    }
    flip("signature r", ev_len - 96 + 5, "fail", "pass", "pass");
    flip("signature s", ev_len - 1, "fail", "pass", "pass");
    /* Certificates: leaf signature area (end of its body) breaks the chain;
     * BROM body breaks the chain; the root differs from the pin. */
    flip_cert("leaf certificate subject", 0, 200, "fail", "pass", "pass");
    /* Inside the leaf's 2.23.133.5.4.1 FWID: both the chain and the FWID. */
    flip_cert("leaf certificate FWID extension", 0, 1000, "fail", "pass", "fail");
    flip_cert("BROM certificate body", 1, 300, "fail", "pass", "pass");
    flip_cert("root certificate body", 4, 300, "fail", "pass", "pass");
}

static void test_shapes(void)
{
    size_t plen;
    char *p = payload_of(ev, ev_len, pem, pem_len, &plen);
    ta_gpu_payload *pl = NULL;
    CHECK_EQ_INT(ta_gpu_payload_parse(ctx, (uint8_t *)p, plen, &pl, NULL), 0);
    CHECK(pl && pl->n == 1 && pl->arch && !strcmp(pl->arch, "HOPPER"));
    ta_gpu_payload_free(pl);
    /* As a JSON string (NEAR). */
    json_t *s = json_stringn(p, plen);
    char *sj = json_dumps(s, JSON_ENCODE_ANY);
    CHECK_EQ_INT(ta_gpu_payload_parse(ctx, (uint8_t *)sj, strlen(sj), &pl, NULL), 0);
    CHECK(pl && pl->n == 1);
    ta_gpu_payload_free(pl);
    /* A string inside a string is refused. */
    json_t *s2 = json_string(sj);
    char *sj2 = json_dumps(s2, JSON_ENCODE_ANY);
    CHECK_EQ_INT(ta_gpu_payload_parse(ctx, (uint8_t *)sj2, strlen(sj2), &pl, NULL),
                 TEEATTEST_E_JSON);
    free(sj2);
    json_decref(s2);
    free(sj);
    json_decref(s);
    free(p);
    static const struct { const char *doc; int rc; size_t n; } cases[] = {
        {"[{\"evidence\":\"AA==\",\"certificate\":\"AA==\",\"nonce\":\"00\"}]", 0, 1},
        {"{\"evidences\":[{\"evidence\":\"AA==\",\"certificate\":\"x\"}]}", 0, 1},
        {"{\"gpu_evidence\":[{\"evidence\":\"AA==\",\"certificate\":\"x\"},"
         "{\"evidence\":\"AA==\",\"certificate\":\"x\"}]}", 0, 2},
        {"{\"evidence_list\":[]}", TEEATTEST_E_FIELD_MISSING, 0},
        {"{\"nonce\":\"00\"}", TEEATTEST_E_FIELD_MISSING, 0},
        {"{\"evidence_list\":[{\"certificate\":\"x\"}]}", TEEATTEST_E_FIELD_MISSING, 0},
        {"{\"evidence_list\":[{\"evidence\":1,\"certificate\":\"x\"}]}", TEEATTEST_E_JSON, 0},
        {"{\"evidence_list\":[{\"evidence\":\"A\",\"certificate\":\"x\",\"arch\":2}]}",
         TEEATTEST_E_JSON, 0},
        {"{\"evidence_list\":[],\"evidences\":[]}", TEEATTEST_E_PARSE, 0},
        {"{\"evidence_list\":{}}", TEEATTEST_E_JSON, 0},
        {"{\"evidence_list\":[1]}", TEEATTEST_E_JSON, 0},
        {"{\"a\":1,\"a\":2}", TEEATTEST_E_JSON, 0},
        {"42", TEEATTEST_E_JSON, 0},
        {"\"42\"", TEEATTEST_E_JSON, 0},
    };
    for (size_t i = 0; i < TA_ARRAY_LEN(cases); i++) {
        teeattest_error e = TEEATTEST_ERROR_INIT;
        int rc = ta_gpu_payload_parse(ctx, (const uint8_t *)cases[i].doc,
                                      strlen(cases[i].doc), &pl, &e);
        printf("# %s -> %d %s\n", cases[i].doc, rc, e.message);
        CHECK_EQ_INT(rc, cases[i].rc);
        if (rc == 0) {
            CHECK_EQ_INT(pl->n, cases[i].n);
            ta_gpu_payload_free(pl);
        } else {
            CHECK(pl == NULL);
        }
    }
    /* Not a GPU payload at all: a failed gpu.payload check, not an error. */
    teeattest_result *r = NULL;
    ta_result_new(ctx, &r);
    CHECK_EQ_INT(ta_gpu_verify_local(ctx, (const uint8_t *)"{}", 2, nonce, 32, 1, AT,
                                     r, NULL, NULL), 0);
    ta_result_finish(r, NULL);
    CHECK_STR(outcome(r, "gpu.payload"), "fail");
    CHECK_STR(outcome(r, "gpu.count"), "fail");
    CHECK_EQ_INT(teeattest_result_verdict(r), 0);
    teeattest_result_free(r);
    CHECK_EQ_INT(ta_gpu_verify_local(ctx, (const uint8_t *)"{}", 2, nonce, 31, 1, AT,
                                     NULL, NULL, NULL), TEEATTEST_E_INVALID_ARG);
    /* Arch names. */
    CHECK_EQ_INT(ta_gpu_arch_from_name("hopper"), TA_GPU_ARCH_HOPPER);
    CHECK_EQ_INT(ta_gpu_arch_from_name("Blackwell"), TA_GPU_ARCH_BLACKWELL);
    CHECK_EQ_INT(ta_gpu_arch_from_name("AMPERE"), TA_GPU_ARCH_UNKNOWN);
    CHECK_STR(ta_gpu_opaque_name(36), "FEATURE_FLAG");
    CHECK_STR(ta_gpu_opaque_name(30), "UNKNOWN");
}

/* Duplicate GPUs and a minimum count. */
static void test_multi(void)
{
    char *eb = b64(ev, ev_len), *cb = b64(pem, pem_len);
    size_t cap = 2 * (strlen(eb) + strlen(cb)) + 256;
    char *p = malloc(cap);
    size_t n = (size_t)snprintf(p, cap, "[{\"evidence\":\"%s\",\"certificate\":\"%s\"},"
                                "{\"evidence\":\"%s\",\"certificate\":\"%s\"}]",
                                eb, cb, eb, cb);
    teeattest_result *r = NULL;
    ta_result_new(ctx, &r);
    ta_gpu_outcome o;
    CHECK_EQ_INT(ta_gpu_verify_local(ctx, (uint8_t *)p, n, nonce, 32, 4, AT, r, &o,
                                     NULL), 0);
    ta_result_finish(r, NULL);
    CHECK_STR(outcome(r, "gpu[1].spdm.signature"), "pass");
    CHECK_STR(outcome(r, "gpu.duplicates"), "fail");
    CHECK_STR(outcome(r, "gpu.count"), "fail");
    CHECK_EQ_INT(o.n, 2);
    CHECK_EQ_INT(o.all_passed, 0);
    /* The outcome carries what the RIM and OCSP layers need. */
    CHECK_EQ_INT(o.gpus[0].certs.n, 5);
    CHECK_EQ_INT(o.gpus[0].spdm.nvdec0_status, 0x55);
    CHECK(ta_gpu_spdm_block(&o.gpus[0].spdm, 4) != NULL);
    CHECK_STR(o.gpus[0].driver_rim_id, "NV_GPU_DRIVER_GH100_550.90.07");
    ta_gpu_outcome_free(&o);
    teeattest_result_free(r);
    free(p);
    free(eb);
    free(cb);
}

int main(void)
{
    if (teeattest_ctx_new(&ctx, NULL, NULL) != TEEATTEST_OK)
        return 1;
    ev = ta_test_read_file(ta_test_fixture(CASE "evidence.bin"), &ev_len);
    pem = ta_test_read_file(ta_test_fixture(CASE "cert_chain.pem"), &pem_len);
    if (!CHECK(ev && pem && ev_len == 4117))
        return ta_test_done();
    ta_hex_decode_exact(nonce, 32, "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb",
                        64, false);
    test_fixture_fields();
    test_truncation();
    test_oversize();
    test_structure();
    test_flips();
    test_shapes();
    test_multi();
    free(ev);
    free(pem);
    teeattest_ctx_free(ctx);
    return ta_test_done();
}
