/*
 * Real provider captures (../shared/fixtures/providers) parsed offline with
 * their dialect and with "auto": the entries, signers, algorithms and the
 * decoded quotes must be what each capture's expected.json records. The
 * quote check is byte-exact: the REPORTDATA read out of the decoded quote
 * equals the value the fixture's own tooling extracted. Every capture
 * truncated at many lengths or with bytes changed parses or fails cleanly.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <ctype.h>

#include "conformance.h"

static teeattest_ctx *ctx;

static void lower(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

static void hex(char *out, const uint8_t *in, size_t len)
{
    for (size_t i = 0; i < len; i++)
        snprintf(out + 2 * i, 3, "%02x", in[i]);
}

static teeattest_report *parse(const char *dir, const char *file,
                               const char *dialect)
{
    char rel[256];
    snprintf(rel, sizeof rel, "providers/%s/%s", dir, file);
    size_t len;
    uint8_t *doc = conf_file(rel, &len);
    teeattest_report *r = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    int rc = teeattest_report_parse(ctx, &r, dialect, doc, len, &e);
    if (!CHECK_EQ_INT(rc, TEEATTEST_OK))
        printf("# %s with %s: %s (%s)\n", dir, dialect, e.message, e.where);
    free(doc);
    return r;
}

static const char *field_str(const teeattest_report *r, size_t i, int f)
{
    const uint8_t *d;
    size_t n;
    return teeattest_report_entry_get(r, i, f, &d, &n, NULL) == TEEATTEST_OK
               ? (const char *)d : NULL;
}

/* The entry's quote: version and length as recorded, and its REPORTDATA
 * (TD report at 48 for v4, 54 for v5; REPORTDATA at +520) as recorded. */
static void check_quote(const teeattest_report *r, size_t i,
                        const json_t *want)
{
    const uint8_t *q;
    size_t n;
    if (!CHECK_EQ_INT(teeattest_report_entry_get(r, i, TEEATTEST_ENTRY_QUOTE,
                                                 &q, &n, NULL), TEEATTEST_OK))
        return;
    json_t *len = json_object_get(want, "quote_len");
    if (len)
        CHECK_EQ_INT((long long)n, json_integer_value(len));
    json_t *ver = json_object_get(want, "quote_version");
    if (ver && n >= 2)
        CHECK_EQ_INT(q[0] | q[1] << 8, json_integer_value(ver));
    const char *rd = json_string_value(json_object_get(want, "report_data"));
    size_t off = (n >= 2 && q[0] == 5 ? 54 : 48) + 520;
    if (rd && n >= off + 64) {
        char got[129];
        hex(got, q + off, 64);
        CHECK_STR(got, rd);
    }
}

static void check_signer(const teeattest_report *r, size_t i,
                         const json_t *want)
{
    const char *addr = json_string_value(json_object_get(want,
                                                         "signing_address"));
    const char *algo = json_string_value(json_object_get(want, "signing_algo"));
    if (addr) {
        char a[160];
        snprintf(a, sizeof a, "%s", addr);
        lower(a);
        CHECK_STR(field_str(r, i, TEEATTEST_ENTRY_SIGNING_ADDRESS), a);
        size_t idx = 99;
        CHECK_EQ_INT(teeattest_report_find_entry(r, &idx, addr, NULL), TEEATTEST_OK);
        CHECK(idx <= i);
    }
    if (algo)
        CHECK_STR(field_str(r, i, TEEATTEST_ENTRY_SIGNING_ALGO), algo);
}

static void flat(const char *dir, const char *dialect)
{
    char rel[256];
    snprintf(rel, sizeof rel, "providers/%s/expected.json", dir);
    json_t *exp = conf_json(rel);
    json_t *top = json_object_get(exp, "top_level");
    const char *dialects[2] = {dialect, "auto"};
    for (int d = 0; d < 2; d++) {
        teeattest_report *r = parse(dir, "attestation_report.json", dialects[d]);
        if (!r)
            continue;
        CHECK(teeattest_report_entry_count(r) >= 1);
        CHECK_STR(field_str(r, 0, TEEATTEST_ENTRY_ROLE), "node");
        check_signer(r, 0, top);
        check_quote(r, 0, top);
        const uint8_t *x;
        size_t n;
        CHECK_EQ_INT(teeattest_report_entry_get(r, 0, TEEATTEST_ENTRY_GPU_PAYLOAD,
                                                &x, &n, NULL), TEEATTEST_OK);
        CHECK(n > 0 && (x[0] == '{' || x[0] == '['));
        CHECK_EQ_INT(teeattest_report_entry_get(r, 0, TEEATTEST_ENTRY_EVENT_LOG,
                                                &x, &n, NULL), TEEATTEST_OK);
        CHECK(n > 0 && x[0] == '[');
        CHECK_EQ_INT(teeattest_report_entry_get(r, 0, TEEATTEST_ENTRY_APP_COMPOSE,
                                                &x, &n, NULL), TEEATTEST_OK);
        uint8_t nonce[32];
        CHECK_EQ_INT(teeattest_report_nonce(r, nonce, TEEATTEST_NONCE_SIZE, NULL), TEEATTEST_E_NOT_FOUND);
        teeattest_report_free(r);
    }
    json_decref(exp);
}

static void gateway(void)
{
    const char *dir = "nearai_cloud_gateway_ed25519_tls";
    json_t *exp = conf_json("providers/nearai_cloud_gateway_ed25519_tls/expected.json");
    teeattest_report *r = parse(dir, "attestation_report.json", "nearai");
    if (r) {
        CHECK(teeattest_report_entry_count(r) >= 2);
        CHECK_STR(field_str(r, 0, TEEATTEST_ENTRY_ROLE), "gateway");
        CHECK_STR(field_str(r, 1, TEEATTEST_ENTRY_ROLE), "model");
        check_signer(r, 0, json_object_get(exp, "gateway_attestation"));
        check_quote(r, 0, json_object_get(exp, "gateway_attestation"));
        check_signer(r, 1, json_object_get(exp, "model_attestations_0"));
        check_quote(r, 1, json_object_get(exp, "model_attestations_0"));
        const uint8_t *x;
        size_t n;
        CHECK_EQ_INT(teeattest_report_entry_get(r, 0,
                                                TEEATTEST_ENTRY_TLS_FINGERPRINT,
                                                &x, &n, NULL), TEEATTEST_OK);
        CHECK_EQ_INT(n, 32);
        teeattest_report_free(r);
    }
    json_decref(exp);
}

/* Chutes: through RedPill (attestation_type "chutes") and direct
 * (evidence[]): one entry per instance, base64 quotes. */
static void chutes(const char *dir, const char *file, const char *dialect)
{
    char rel[256];
    snprintf(rel, sizeof rel, "providers/%s/expected.json", dir);
    json_t *exp = conf_json(rel);
    json_t *inst = json_object_get(exp, "instances");
    teeattest_report *r = parse(dir, file, dialect);
    if (r) {
        CHECK_EQ_INT(teeattest_report_entry_count(r), json_array_size(inst));
        for (size_t i = 0; i < json_array_size(inst) &&
                           i < teeattest_report_entry_count(r); i++) {
            json_t *w = json_array_get(inst, i);
            CHECK_STR(field_str(r, i, TEEATTEST_ENTRY_INSTANCE_ID),
                      json_string_value(json_object_get(w, "instance_id")));
            check_quote(r, i, w);
            const uint8_t *x;
            size_t n;
            CHECK_EQ_INT(teeattest_report_entry_get(
                             r, i, TEEATTEST_ENTRY_GPU_PAYLOAD, &x, &n, NULL),
                         TEEATTEST_OK);
        }
        teeattest_report_free(r);
    }
    json_decref(exp);
}

static void tinfoil(void)
{
    json_t *exp = conf_json("providers/tinfoil_v3_direct/expected.json");
    teeattest_report *r = parse("tinfoil_v3_direct", "attestation.json",
                                "tinfoil");
    if (r) {
        CHECK_EQ_INT(teeattest_report_entry_count(r), 1);
        const uint8_t *q;
        size_t n;
        if (CHECK_EQ_INT(teeattest_report_entry_get(r, 0, TEEATTEST_ENTRY_QUOTE,
                                                     &q, &n, NULL), TEEATTEST_OK) &&
            n > 632) {
            char got[129];
            hex(got, q + (q[0] == 5 ? 54 : 48) + 520, 64);
            CHECK_STR(got, json_string_value(json_object_get(
                               exp, "quote_report_data")));
        }
        CHECK_EQ_INT(teeattest_report_entry_get(r, 0, TEEATTEST_ENTRY_CERTIFICATE,
                                                &q, &n, NULL), TEEATTEST_OK);
        teeattest_report_free(r);
    }
    json_decref(exp);
}

/* Truncations and byte changes: a report or an error, never a crash (the
 * suite runs under ASan and valgrind). */
static void robustness(const char *rel)
{
    size_t len;
    uint8_t *doc = conf_file(rel, &len);
    uint8_t *buf = malloc(len);
    size_t ok = 0, failed = 0, bad_err = 0;
    size_t step = len / 97 + 1;
    for (size_t cut = 0; cut < len; cut += step) {
        teeattest_report *r = NULL;
        teeattest_error e = TEEATTEST_ERROR_INIT;
        int rc = teeattest_report_parse(ctx, &r, "auto", doc, cut, &e);
        if (rc == TEEATTEST_OK)
            ok++;
        else if (!e.message[0] || r)
            bad_err++;
        else
            failed++;
        teeattest_report_free(r);
    }
    static const uint8_t subst[] = {'"', '{', ']', 'z', '0', '\\', 0xff};
    for (size_t i = 0; i < len; i += step) {
        for (size_t k = 0; k < sizeof subst; k++) {
            memcpy(buf, doc, len);
            buf[i] = subst[k];
            teeattest_report *r = NULL;
            teeattest_error e = TEEATTEST_ERROR_INIT;
            int rc = teeattest_report_parse(ctx, &r, "auto", buf, len, &e);
            if (rc == TEEATTEST_OK)
                ok++;
            else if (!e.message[0] || r)
                bad_err++;
            else
                failed++;
            teeattest_report_free(r);
        }
    }
    printf("# %s: %zu parsed, %zu rejected\n", rel, ok, failed);
    CHECK_EQ_INT(bad_err, 0);
    CHECK(failed > 0);
    free(buf);
    free(doc);
}

static void errors(void)
{
    teeattest_report *r = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    static const char no_quote[] = "{\"signing_address\":\"0xab\"}";
    CHECK_EQ_INT(teeattest_report_parse(ctx, &r, "redpill",
                                        (const uint8_t *)no_quote,
                                        strlen(no_quote), &e),
                 TEEATTEST_E_FIELD_MISSING);
    CHECK(strstr(e.message, "intel_quote") != NULL);
    static const char bad_hex[] =
        "{\"all_attestations\":[{\"intel_quote\":\"04\"},"
        "{\"intel_quote\":\"0g!!\"}]}";
    CHECK_EQ_INT(teeattest_report_parse(ctx, &r, "auto",
                                        (const uint8_t *)bad_hex,
                                        strlen(bad_hex), &e),
                 TEEATTEST_E_BASE64);
    CHECK(strstr(e.message, "all_attestations[1].intel_quote") != NULL);
    /* intel_quote: null falls back to quote; an empty quote is refused. */
    static const char null_iq[] =
        "{\"intel_quote\":null,\"quote\":\"0405\"}";
    CHECK_EQ_INT(teeattest_report_parse(ctx, &r, "redpill",
                                        (const uint8_t *)null_iq,
                                        strlen(null_iq), &e),
                 TEEATTEST_OK);
    const uint8_t *q = NULL;
    size_t ql = 0;
    CHECK_EQ_INT(teeattest_report_entry_get(r, 0, TEEATTEST_ENTRY_QUOTE,
                                            &q, &ql, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(ql, 2);
    teeattest_report_free(r);
    r = NULL;
    static const char empty_q[] = "{\"intel_quote\":\"\"}";
    CHECK_EQ_INT(teeattest_report_parse(ctx, &r, "redpill",
                                        (const uint8_t *)empty_q,
                                        strlen(empty_q), &e),
                 TEEATTEST_E_JSON);
    CHECK(strstr(e.message, "intel_quote") != NULL);
    /* Tinfoil: only TDX reports are taken. */
    static const char snp[] =
        "{\"format\":\"https://tinfoil.sh/predicate/attestation/v3\","
        "\"cpu\":{\"platform\":\"sev-snp\",\"report\":\"AAAA\"}}";
    CHECK_EQ_INT(teeattest_report_parse(ctx, &r, "auto",
                                        (const uint8_t *)snp, strlen(snp), &e),
                 TEEATTEST_E_UNSUPPORTED);
    CHECK(strstr(e.message, "sev-snp") != NULL);
    static const char noplat[] =
        "{\"format\":\"https://tinfoil.sh/predicate/attestation/v3\","
        "\"cpu\":{\"report\":\"AAAA\"}}";
    CHECK_EQ_INT(teeattest_report_parse(ctx, &r, "auto",
                                        (const uint8_t *)noplat,
                                        strlen(noplat), &e),
                 TEEATTEST_E_FIELD_MISSING);
    CHECK_EQ_INT(teeattest_report_parse(ctx, &r, "nosuch",
                                        (const uint8_t *)"{}", 2, &e),
                 TEEATTEST_E_NOT_FOUND);
    CHECK_EQ_INT(teeattest_report_parse(ctx, &r, "auto",
                                        (const uint8_t *)"[1]", 3, &e),
                 TEEATTEST_E_JSON);
    CHECK(r == NULL);
}

int main(void)
{
    if (teeattest_ctx_new(&ctx, NULL, NULL) != TEEATTEST_OK)
        return 1;
    flat("nanogpt_dstack_ecdsa", "nanogpt");
    flat("venice_nearai_ecdsa", "venice");
    flat("nearai_direct_ed25519_tls", "nearai");
    gateway();
    chutes("redpill_chutes_backend", "attestation_report.json", "redpill");
    chutes("chutes_direct", "evidence.json", "chutes");
    tinfoil();
    errors();
    robustness("providers/nanogpt_dstack_ecdsa/attestation_report.json");
    robustness("providers/nearai_cloud_gateway_ed25519_tls/attestation_report.json");
    robustness("providers/tinfoil_v3_direct/attestation.json");
    teeattest_ctx_free(ctx);
    return ta_test_done();
}
