/*
 * The ACI/1 report checks (Dstack-TEE/private-ai-gateway spec/aci.md,
 * sections 3, 4 and 9.1). The quote and its dstack evidence are verified
 * by report_verify.c like every dstack entry; this file checks what binds
 * the keyset to that quote:
 *
 *   workload_keyset_digest = "sha256:" hex(SHA-256(JCS(keyset)))   (3.1)
 *   statement = {"keyset_digest":D,"nonce":N,"purpose":"aci.report_data.v1"}
 *   report_data = SHA-256(statement) || 32 zero bytes              (3.2)
 *
 * recomputed from the keyset as parsed and the nonce this client sent;
 * every restated copy (the top-level digest, attestation.report_data,
 * evidence.quote_report_data) must equal the recomputed value. The keyset
 * parser, digest, statement and TLS lookup are lib/aci's.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "../aci/aci.h"
#include "../crypto/crypto.h"
#include "aci_report.h"

#define PASS TEEATTEST_OUTCOME_PASS
#define FAIL TEEATTEST_OUTCOME_FAIL
#define SKIP TEEATTEST_OUTCOME_SKIP
#define WARN TEEATTEST_OUTCOME_WARN

/* aci.keyset: the keyset parses strictly (lib/aci, spec 3.1); counts the
 * receipt keys this library can use and the entries it ignores. */
static bool check_keyset(teeattest_ctx *ctx, teeattest_result *r,
                         const json_t *obj, ta_aci_keyset *ks,
                         teeattest_error *err, int *rc)
{
    teeattest_error e = TEEATTEST_ERROR_INIT;
    *rc = ta_aci_keyset_parse(ctx, ks, obj, &e);
    if (*rc == TEEATTEST_E_NOMEM) {
        *rc = ta_error(err, *rc, NULL, "out of memory");
        return false;
    }
    if (*rc) {
        *rc = TEEATTEST_OK;
        ta_result_check(r, "aci.keyset", FAIL, true, "%s", e.message);
        return false;
    }
    size_t usable = 0, ignored = 0;
    for (size_t i = 0; i < ks->n_receipt; i++) {
        if (ks->receipt[i].recognized &&
            ks->receipt[i].algo_id == TA_ACI_ALGO_ED25519)
            usable++;
        else
            ignored++; /* spec 3.1: unknown algorithms are ignored */
    }
    ta_result_fact_int(r, "aci.receipt_keys", (int64_t)usable);
    ta_result_check(r, "aci.keyset", PASS, true,
                    "%zu ed25519 receipt key%s, %zu E2EE key%s, %zu TLS "
                    "key%s%s", usable, usable == 1 ? "" : "s", ks->n_e2ee,
                    ks->n_e2ee == 1 ? "" : "s", ks->n_tls,
                    ks->n_tls == 1 ? "" : "s",
                    ignored ? " (receipt keys of unknown algorithms ignored)"
                            : "");
    return true;
}

/* The restated hex copies of report_data[0:32] (attestation.report_data,
 * evidence.quote_report_data) must be the quote's. */
static bool restated_rd_ok(const json_t *att, const char *quote_hex,
                           const char **bad)
{
    const json_t *a = json_object_get(att, "report_data");
    const json_t *q = json_object_get(json_object_get(att, "evidence"),
                                      "quote_report_data");
    if (!json_is_string(a) || strcmp(json_string_value(a), quote_hex) != 0) {
        *bad = "attestation.report_data";
        return false;
    }
    /* quote_report_data: the 32-byte value or the whole 64-byte slot */
    if (q && !json_is_null(q)) {
        const char *s = json_string_value(q);
        size_t n = s ? strlen(s) : 0;
        bool ok = s && (n == 64 || n == 128) &&
                  strncmp(s, quote_hex, 64) == 0 &&
                  (n == 64 || strspn(s + 64, "0") == 64);
        if (!ok) {
            *bad = "attestation.evidence.quote_report_data";
            return false;
        }
    }
    return true;
}

static void check_binding(teeattest_ctx *ctx, teeattest_result *r,
                          const ta_aci_report_in *in, const json_t *att,
                          const char *digest)
{
    char quote_hex[65], nonce_hex[65];
    ta_hex_encode(quote_hex, in->rd, 32);
    quote_hex[64] = '\0';
    uint8_t want[64];
    bool nonce_form = false;
    if (in->nonce) {
        ta_hex_encode(nonce_hex, in->nonce, 32);
        nonce_hex[64] = '\0';
        nonce_form = ta_aci_report_data(ctx, want, digest, nonce_hex, NULL) ==
                         TEEATTEST_OK && ta_ct_equal(want, in->rd, 64);
    }
    bool null_form = !nonce_form &&
                     ta_aci_report_data(ctx, want, digest, NULL, NULL) ==
                         TEEATTEST_OK && ta_ct_equal(want, in->rd, 64);
    const char *bad = NULL;
    if (!nonce_form && !null_form) {
        ta_result_check(r, "aci.report_data", FAIL, true,
                        "the quote's report_data is not SHA-256 of the "
                        "statement over keyset digest %s and the nonce %s, "
                        "zero-padded", digest, in->nonce ? "sent" : "null");
    } else if (!restated_rd_ok(att, quote_hex, &bad)) {
        ta_result_check(r, "aci.report_data", FAIL, true,
                        "%s differs from the quote's report_data %s", bad,
                        quote_hex);
    } else {
        ta_result_check(r, "aci.report_data", PASS, true,
                        "report_data = SHA-256(statement) || zeros, the "
                        "statement naming keyset %s and %s", digest,
                        nonce_form ? "the nonce sent" : "nonce null");
    }
    bool allow = in->pol->aci_allow_null_nonce;
    if (nonce_form)
        ta_result_check(r, "aci.nonce", PASS, true,
                        "the statement names the nonce sent (%s)", nonce_hex);
    else if (null_form)
        ta_result_check(r, "aci.nonce", allow ? WARN : FAIL, !allow,
                        "the statement carries nonce:null: the report proves "
                        "which keyset the quote bound, not that it is fresh%s",
                        allow ? " (the policy accepts it)" : "");
    else
        ta_result_check(r, "aci.nonce", FAIL, true,
                        in->nonce ? "no statement over the nonce sent hashes "
                                    "to the quote's report_data"
                                  : "no nonce is known for this report");
}

static void check_not_after(teeattest_result *r, const ta_aci_report_in *in,
                            const ta_aci_keyset *ks)
{
    int64_t t = ks->not_after;
    ta_result_fact_int(r, "aci.not_after", t);
    uint32_t max = in->pol->aci_max_keyset_lifetime;
    if (in->at >= t)
        ta_result_check(r, "aci.not_after", FAIL, true,
                        "the keyset expired: not_after %lld is not after the "
                        "verification time %lld", (long long)t,
                        (long long)in->at);
    else if (max && t - in->at > (int64_t)max)
        ta_result_check(r, "aci.not_after", FAIL, true,
                        "not_after %lld is %lld s after the verification "
                        "time, beyond the %u s the policy accepts",
                        (long long)t, (long long)(t - in->at), max);
    else
        ta_result_check(r, "aci.not_after", PASS, true,
                        "the keyset is valid for %lld s more",
                        (long long)(t - in->at));
}

/* aci.tls: SHA-256 of the connection's SPKI listed in tls_public_keys
 * for the host name used (an entry without a domain: any host). True when
 * it passed. */
static bool check_tls(teeattest_ctx *ctx, teeattest_result *r,
                      const ta_aci_report_in *in, const ta_aci_keyset *ks)
{
    bool req = in->pol->require_tls_binding;
    if (!in->spki || !in->spki_len) {
        ta_result_check(r, "aci.tls", req ? FAIL : SKIP, req,
                        "the key of the connection that delivered the report "
                        "is not known (plain HTTP, or a parsed report)");
        return false;
    }
    uint8_t h[32];
    char hx[65];
    if (ta_sha256(ctx, h, in->spki, in->spki_len)) {
        ta_result_check(r, "aci.tls", FAIL, true, "hashing failed");
        return false;
    }
    ta_hex_encode(hx, h, 32);
    hx[64] = '\0';
    if (ta_aci_keyset_tls_allows(ks, in->host, h)) {
        ta_result_check(r, "aci.tls", PASS, true,
                        "the connection's key (SPKI SHA-256 %s) is listed "
                        "for %s", hx, in->host ? in->host : "every host");
        ta_result_fact_str(r, "aci.tls_spki_sha256", hx);
        return true;
    }
    const char *other = NULL;
    for (size_t i = 0; !other && i < ks->n_tls; i++)
        if (ta_ct_equal(ks->tls[i].spki_sha256, h, 32))
            other = ks->tls[i].domain;
    if (other)
        ta_result_check(r, "aci.tls", FAIL, true,
                        "the connection's key (SPKI SHA-256 %s) is listed "
                        "for %s, not for %s", hx, other,
                        in->host ? in->host : "an unknown host");
    else
        ta_result_check(r, "aci.tls", FAIL, true,
                        "the connection's key (SPKI SHA-256 %s) is not in "
                        "the keyset's tls_public_keys: TLS may end outside "
                        "the workload", hx);
    return false;
}

int ta_aci_report_checks(teeattest_ctx *ctx, teeattest_result *r,
                         const ta_aci_report_in *in, teeattest_error *err)
{
    json_t *root = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    int rc = ta_json_parse(&root, in->raw, in->raw_len, in->raw_len, &e);
    if (rc == TEEATTEST_E_NOMEM)
        return ta_error(err, rc, NULL, "out of memory");
    const json_t *ver = json_object_get(root, "api_version");
    if (rc || !json_is_string(ver) ||
        strcmp(json_string_value(ver), "aci/1") != 0) {
        ta_result_check(r, "aci.api_version", FAIL, true,
                        "api_version is not \"aci/1\"");
        json_decref(root);
        return TEEATTEST_OK;
    }
    ta_result_check(r, "aci.api_version", PASS, true, "api_version aci/1");
    const json_t *att = json_object_get(root, "attestation");
    const json_t *ks = json_object_get(att, "workload_keyset");
    if (!json_is_object(ks)) {
        ta_result_check(r, "aci.keyset", FAIL, true,
                        "attestation.workload_keyset is not an object");
        json_decref(root);
        return TEEATTEST_OK;
    }
    ta_aci_keyset parsed;
    if (!check_keyset(ctx, r, ks, &parsed, err, &rc)) {
        json_decref(root);
        return rc;
    }
    const char *digest = parsed.digest;
    const json_t *stated = json_object_get(root, "workload_keyset_digest");
    bool digest_ok = json_is_string(stated) &&
                     strcmp(json_string_value(stated), digest) == 0;
    ta_result_check(r, "aci.keyset_digest", digest_ok ? PASS : FAIL, true,
                    digest_ok ? "workload_keyset_digest is the recomputed %s"
                              : "workload_keyset_digest differs from the "
                                "recomputed %s",
                    digest);
    ta_result_fact_str(r, "aci.keyset_digest", digest);
    /* The keyset as established (its JCS form): what receipts are checked
     * against. */
    ta_buf jb;
    ta_buf_init(&jb, ctx, TA_ACI_DOC_MAX);
    if (ta_jcs_append(&jb, ks, 0, NULL) == TEEATTEST_OK &&
        ta_buf_terminate(&jb) == TEEATTEST_OK)
        ta_result_fact_str(r, "aci.keyset", (const char *)jb.data);
    ta_buf_free(&jb);
    check_binding(ctx, r, in, att, digest);
    check_not_after(r, in, &parsed);
    bool channel_bound = check_tls(ctx, r, in, &parsed);
    if (parsed.subject)
        ta_result_fact_str(r, "aci.subject", parsed.subject);
    ta_aci_keyset_free(ctx, &parsed);
    const json_t *caps = json_object_get(root, "service_capabilities");
    const json_t *serving = json_object_get(caps, "serving");
    /* Appendix B: an unknown serving mode is treated as aggregator (exact
     * match: "Direct" or " direct" are unknown values). */
    bool direct = json_is_string(serving) &&
                  strcmp(json_string_value(serving), "direct") == 0;
    ta_result_fact_str(r, "aci.serving", direct ? "direct" : "aggregator");
    /* service_capabilities is outside what the quote binds (spec 3.2: the
     * statement names the keyset digest and the nonce; 3.1: the keyset has
     * no serving member). What binds the claim to the attested workload is
     * the channel: the report's bytes came over a connection whose key the
     * quote-bound keyset lists (aci.tls passed; keys in TEE custody, 3.3).
     * Only then may "direct" relax the receipt's upstream rule (5.3). */
    ta_result_fact_bool(r, "aci.serving_bound", channel_bound);
    json_decref(root);
    return TEEATTEST_OK;
}

void ta_aci_provenance_check(teeattest_result *r, const uint8_t *raw,
                             size_t raw_len, bool compose_ok,
                             const uint8_t *compose, size_t compose_len)
{
    json_t *root = NULL;
    if (ta_json_parse(&root, raw, raw_len, raw_len, NULL) != TEEATTEST_OK)
        root = NULL;
    const json_t *p = json_object_get(json_object_get(root, "attestation"),
                                      "source_provenance");
    const char *url = json_string_value(json_object_get(p, "repo_url"));
    const char *commit = json_string_value(json_object_get(p, "repo_commit"));
    const char *image = json_string_value(json_object_get(p, "image_digest"));
    char declared[400];
    if (url && commit && *url && *commit)
        snprintf(declared, sizeof declared, "%.200s @ %.100s", url, commit);
    else if (image && *image)
        snprintf(declared, sizeof declared, "%.200s", image);
    else
        declared[0] = '\0';
    if (!declared[0]) {
        ta_result_check(r, "aci.provenance", FAIL, true,
                        "the report declares no source provenance (repo_url "
                        "and repo_commit, or image_digest)");
    } else if (!compose_ok) {
        ta_result_check(r, "aci.provenance", FAIL, true,
                        "no measurement backs the declared provenance %s: "
                        "compose.hash did not pass", declared);
    } else {
        /* Whether the measured compose names the declared source. */
        const char *needle = url && commit && *commit ? commit : image;
        bool named = false;
        size_t nl = needle ? strlen(needle) : 0;
        for (size_t i = 0; nl && compose && i + nl <= compose_len && !named;
             i++)
            named = memcmp(compose + i, needle, nl) == 0;
        ta_result_fact_str(r, "aci.provenance", declared);
        ta_result_fact_bool(r, "aci.provenance.in_compose", named);
        ta_result_check(r, "aci.provenance", PASS, true,
                        "%s, backed by the measured compose hash (the "
                        "app_compose %s it)", declared,
                        named ? "names" : "does not name");
    }
    json_decref(root);
}
