/*
 * Fuzz target (white-box, internal API): the ACI/1 parsers of lib/aci.
 * The first byte picks the entry point, the rest is the untrusted input:
 *   0  ta_aci_keyset_parse_bytes (then key and TLS lookups)
 *   1  ta_aci_receipt_verify against the published vector keyset, with
 *      the input's own bytes as request and response
 *   2  ta_aci_session_verify (evidence decoded and handed back)
 *   3  ta_aci_statement with the input as the nonce text
 * Invariants: no crash, no leak (counting allocator), errors fill
 * teeattest_error, digests and ids well formed, every recorded check has
 * a known outcome, never NOMEM or INTERNAL.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "fuzz.h"

#include "aci/aci.h"

/* Dstack-TEE/private-ai-gateway spec/test-vectors.md section 1 (b6b5c1b). */
static const char KEYSET[] =
    "{\"e2ee_public_keys\":[{\"algo\":\"x25519-aes-256-gcm-hkdf-sha256\","
    "\"key_id\":\"e2ee-1\",\"public_key\":\"5dfedd3b6bd47f6fa28ee15d969d5bb0"
    "ea53774d488bdaf9df1c6e0124b3ef22\"}],\"not_after\":1800000000,"
    "\"receipt_signing_keys\":[{\"algo\":\"ed25519\",\"key_id\":"
    "\"receipt-1\",\"public_key\":\"8139770ea87d175f56a35466c34c7ecccb8d8a91"
    "b4ee37a25df60f5b8fc9b394\"}],\"subject\":\"dstack-app://example-app\","
    "\"tls_public_keys\":[{\"domain\":\"api.example.com\",\"spki_sha256\":"
    "\"c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0\"}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    fuzz_heap heap;
    teeattest_ctx *ctx = fuzz_ctx_new(&heap);
    const uint8_t *in = data + 1;
    size_t n = size - 1;
    teeattest_error e;
    fuzz_err_reset(&e);
    int rc;

    switch (data[0] % 4) {
    case 0: {
        ta_aci_keyset ks;
        rc = ta_aci_keyset_parse_bytes(ctx, &ks, in, n, &e);
        fuzz_err_check(rc, &e);
        FUZZ_CHECK(rc != TEEATTEST_E_NOMEM && rc != TEEATTEST_E_INTERNAL);
        if (rc == TEEATTEST_OK) {
            FUZZ_CHECK(ta_aci_is_digest(ks.digest, strlen(ks.digest)));
            for (size_t i = 0; i < ks.n_receipt; i++)
                FUZZ_CHECK(ta_aci_keyset_find(&ks, TA_ACI_ROLE_RECEIPT,
                                              ks.receipt[i].key_id,
                                              strlen(ks.receipt[i].key_id)) ==
                           &ks.receipt[i]);
            uint8_t spki[32] = {0};
            if (ks.n_tls)
                memcpy(spki, ks.tls[0].spki_sha256, 32);
            (void)ta_aci_keyset_tls_allows(&ks, "api.example.com", spki);
            (void)ta_aci_keyset_find_algo(&ks, TA_ACI_ROLE_E2EE,
                                          TA_ACI_ALGO_X25519_V2);
            ta_aci_keyset_free(ctx, &ks);
        }
        break;
    }
    case 1: {
        ta_aci_keyset ks;
        FUZZ_CHECK(ta_aci_keyset_parse_bytes(ctx, &ks, (const uint8_t *)KEYSET,
                                             strlen(KEYSET), NULL) == 0);
        teeattest_result *r = NULL;
        FUZZ_CHECK(ta_result_new(ctx, &r) == TEEATTEST_OK);
        ta_checks c;
        memset(&c, 0, sizeof c);
        c.r = r;
        ta_aci_receipt_opts o;
        memset(&o, 0, sizeof o);
        o.request = in;
        o.request_len = n;
        o.has_request = true;
        o.response = in;
        o.response_len = n / 2;
        o.has_response = true;
        o.require_verified = n % 2;
        o.serving = (ta_aci_serving)(n / 2 % 3); /* direct's paths too */
        const char *pins[] = {"00"};
        o.pinned = pins;
        o.n_pinned = n % 3 == 0;
        ta_aci_receipt_info info;
        rc = ta_aci_receipt_verify(ctx, &c, in, n, &ks, &o, &info, &e);
        fuzz_err_check(rc, &e);
        FUZZ_CHECK(rc == TEEATTEST_OK || rc == TEEATTEST_E_JSON ||
                   rc == TEEATTEST_E_TOO_LARGE);
        if (rc == TEEATTEST_OK) {
            FUZZ_CHECK(ta_result_finish(r, NULL) == TEEATTEST_OK);
            fuzz_checks_sane(r, "aci.");
            if (info.cites_session)
                FUZZ_CHECK(strlen(info.session_id) == 64);
        }
        teeattest_result_free(r);
        ta_aci_keyset_free(ctx, &ks);
        break;
    }
    case 2: {
        teeattest_result *r = NULL;
        FUZZ_CHECK(ta_result_new(ctx, &r) == TEEATTEST_OK);
        ta_checks c;
        memset(&c, 0, sizeof c);
        c.r = r;
        ta_aci_session_info info;
        rc = ta_aci_session_verify(ctx, &c, in, n, n % 2 ? "00" : NULL, &info,
                                   &e);
        fuzz_err_check(rc, &e);
        FUZZ_CHECK(rc == TEEATTEST_OK || rc == TEEATTEST_E_JSON ||
                   rc == TEEATTEST_E_TOO_LARGE);
        if (rc == TEEATTEST_OK) {
            FUZZ_CHECK(strlen(info.id) == 64 &&
                       ta_aci_is_lower_hex(info.id, 64));
            FUZZ_CHECK(!info.evidence_ok || info.evidence_type);
            FUZZ_CHECK(ta_result_finish(r, NULL) == TEEATTEST_OK);
            fuzz_checks_sane(r, "aci.");
            ta_aci_session_info_free(ctx, &info);
        }
        teeattest_result_free(r);
        break;
    }
    default: {
        char nonce[128];
        size_t l = n < sizeof nonce - 1 ? n : sizeof nonce - 1;
        memcpy(nonce, in, l);
        nonce[l] = '\0';
        char st[TA_ACI_STATEMENT_MAX];
        size_t len = 0;
        rc = ta_aci_statement(st, &len, "sha256:53a5cd44b30dcc51999754c719f2"
                              "628a041f174ecbf9662a6f8e898a10cd9371",
                              nonce, &e);
        fuzz_err_check(rc, &e);
        FUZZ_CHECK(rc == TEEATTEST_OK || rc == TEEATTEST_E_PARSE);
        if (rc == TEEATTEST_OK)
            FUZZ_CHECK(len == strlen(st) && strstr(st, nonce) != NULL);
        break;
    }
    }
    fuzz_ctx_done(ctx, &heap);
    return 0;
}
