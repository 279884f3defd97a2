/*
 * Fuzz target: teeattest_report_parse() on arbitrary bytes, for every
 * dialect. The first input byte selects the dialect (modulo the number of
 * built-in dialects plus one, the last being "auto"); the rest is the
 * document. When a report parses, everything a caller can do with it:
 * dialect, raw bytes, nonce (parsed offline: none), TLS key (none), every
 * field of every entry, out-of-range indexes and fields, entry lookup by
 * each entry's own signer and by malformed signers, references.
 *
 * Invariants checked (fuzz.h for the common ones): the raw document is
 * kept byte for byte; entry fields are NUL-terminated one past their
 * length; text fields that the API documents as fixed-size decodings have
 * their size (nonce echo 32, TLS fingerprint 32, report_data 64); a stated
 * signing address is lower case; the role is one of the documented values;
 * JSON fields (raw entry, info, tcb_info) are valid JSON; no
 * TEEATTEST_E_NOMEM/_INTERNAL (the allocator never fails) and nothing is
 * left allocated.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "fuzz.h"

/* Fields whose text the API promises to be JSON (provider.h). */
static int field_is_json(int32_t f)
{
    return f == TEEATTEST_ENTRY_RAW || f == TEEATTEST_ENTRY_INFO ||
           f == TEEATTEST_ENTRY_TCB_INFO ||
           f == TEEATTEST_ENTRY_COMPOSE_MANAGER ||
           f == TEEATTEST_ENTRY_OHTTP_ATTESTATION;
}

static void check_json_text(const uint8_t *d, size_t n)
{
    json_error_t jerr;
    json_t *j = json_loadb((const char *)d, n, JSON_DECODE_ANY, &jerr);
    if (!j)
        fprintf(stderr, "fuzz: entry field is not JSON: %s\n", jerr.text);
    FUZZ_CHECK(j != NULL);
    json_decref(j);
}

static void exercise_entry(const teeattest_report *rep, size_t i)
{
    const uint8_t *d;
    size_t n;
    for (int32_t f = TEEATTEST_ENTRY_ROLE; f <= TEEATTEST_ENTRY_GPU_ATTESTATION;
         f++) {
        d = NULL;
        n = (size_t)-1;
        int rc = teeattest_report_entry_get(rep, i, f, &d, &n, NULL);
        FUZZ_CHECK(rc == TEEATTEST_OK || rc == TEEATTEST_E_NOT_FOUND);
        if (rc != TEEATTEST_OK)
            continue;
        FUZZ_CHECK(d != NULL && n != (size_t)-1);
        FUZZ_CHECK(d[n] == '\0');
        /* len may be NULL. */
        const uint8_t *d2 = NULL;
        FUZZ_CHECK(teeattest_report_entry_get(rep, i, f, &d2, NULL, NULL) ==
                   TEEATTEST_OK && d2 == d);
        switch (f) {
        case TEEATTEST_ENTRY_ROLE:
            FUZZ_CHECK(strcmp((const char *)d, "node") == 0 ||
                       strcmp((const char *)d, "gateway") == 0 ||
                       strcmp((const char *)d, "model") == 0);
            break;
        case TEEATTEST_ENTRY_SIGNING_ALGO:
            FUZZ_CHECK(strcmp((const char *)d, "ecdsa") == 0 ||
                       strcmp((const char *)d, "ed25519") == 0);
            break;
        case TEEATTEST_ENTRY_SIGNING_ADDRESS:
            for (size_t k = 0; k < n; k++)
                FUZZ_CHECK(!(d[k] >= 'A' && d[k] <= 'Z'));
            break;
        case TEEATTEST_ENTRY_NONCE_ECHO:
        case TEEATTEST_ENTRY_TLS_FINGERPRINT:
            FUZZ_CHECK(n == 32);
            break;
        case TEEATTEST_ENTRY_REPORT_DATA:
            FUZZ_CHECK(n == 64);
            break;
        default:
            break;
        }
        if (field_is_json(f))
            check_json_text(d, n);
    }
    /* Every entry has a role and a quote (the one required field). */
    FUZZ_CHECK(teeattest_report_entry_get(rep, i, TEEATTEST_ENTRY_ROLE, &d,
                                          &n, NULL) == TEEATTEST_OK);
    FUZZ_CHECK(teeattest_report_entry_get(rep, i, TEEATTEST_ENTRY_QUOTE, &d,
                                          &n, NULL) == TEEATTEST_OK);
    /* Fields outside the enumeration are misuse, not absence. */
    FUZZ_CHECK(teeattest_report_entry_get(rep, i, 0, &d, &n, NULL) ==
               TEEATTEST_E_INVALID_ARG);
    FUZZ_CHECK(teeattest_report_entry_get(rep, i,
                                          TEEATTEST_ENTRY_GPU_ATTESTATION + 1,
                                          &d, &n, NULL) == TEEATTEST_E_INVALID_ARG);
    FUZZ_CHECK(teeattest_report_entry_get(rep, i, -1, &d, &n, NULL) ==
               TEEATTEST_E_INVALID_ARG);
    FUZZ_CHECK(teeattest_report_entry_get(rep, i, TEEATTEST_ENTRY_QUOTE, NULL,
                                          &n, NULL) == TEEATTEST_E_INVALID_ARG);

    /* Lookup by the entry's own signer finds an entry with that signer
     * (the first one carrying it), with and without "0x", any case. */
    if (teeattest_report_entry_get(rep, i, TEEATTEST_ENTRY_SIGNING_ADDRESS,
                                   &d, &n, NULL) == TEEATTEST_OK &&
        strlen((const char *)d) == n) {
        size_t idx = (size_t)-1;
        FUZZ_CHECK(teeattest_report_find_entry(rep, &idx, (const char *)d, NULL) ==
                   TEEATTEST_OK);
        FUZZ_CHECK(idx <= i);
        char upper[160];
        if (n < sizeof upper - 3) {
            const char *s = (const char *)d;
            size_t o = 0;
            if (!(s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))) {
                upper[o++] = '0';
                upper[o++] = 'X';
            }
            for (size_t k = 0; k < n; k++)
                upper[o++] = (s[k] >= 'a' && s[k] <= 'z')
                                 ? (char)(s[k] - 'a' + 'A') : s[k];
            upper[o] = '\0';
            size_t idx2 = (size_t)-1;
            FUZZ_CHECK(teeattest_report_find_entry(rep, &idx2, upper, NULL) ==
                       TEEATTEST_OK);
            FUZZ_CHECK(idx2 <= i);
        }
    }
}

static void exercise_report(teeattest_report *rep, const char *dialect,
                            const uint8_t *doc, size_t doc_len)
{
    FUZZ_CHECK(teeattest_report_ref(rep) == rep);
    teeattest_report_free(rep);

    const char *d = teeattest_report_dialect(rep);
    FUZZ_CHECK(d != NULL);
    FUZZ_CHECK(strcmp(dialect, "auto") == 0 ? strcmp(d, "generic") == 0
                                            : strcmp(d, dialect) == 0);

    const uint8_t *raw = NULL;
    size_t raw_len = 0;
    FUZZ_CHECK(teeattest_report_raw(rep, &raw, &raw_len) == TEEATTEST_OK);
    FUZZ_CHECK(raw_len == doc_len);
    FUZZ_CHECK(raw_len == 0 || memcmp(raw, doc, raw_len) == 0);
    FUZZ_CHECK(teeattest_report_raw(rep, NULL, &raw_len) ==
               TEEATTEST_E_INVALID_ARG);

    uint8_t nonce[TEEATTEST_NONCE_SIZE];
    FUZZ_CHECK(teeattest_report_nonce(rep, nonce, TEEATTEST_NONCE_SIZE, NULL) == TEEATTEST_E_NOT_FOUND);
    const uint8_t *spki;
    size_t spki_len;
    FUZZ_CHECK(teeattest_report_tls_spki(rep, &spki, &spki_len, NULL) ==
               TEEATTEST_E_NOT_FOUND);

    size_t n = teeattest_report_entry_count(rep);
    FUZZ_CHECK(n >= 1);
    for (size_t i = 0; i < n; i++)
        exercise_entry(rep, i);
    const uint8_t *x;
    size_t xl;
    FUZZ_CHECK(teeattest_report_entry_get(rep, n, TEEATTEST_ENTRY_ROLE, &x,
                                          &xl, NULL) == TEEATTEST_E_INVALID_ARG);

    size_t idx = 12345;
    static const char *const strangers[] = {
        "", "0x", "0X", FUZZ_ECDSA_SIGNER, FUZZ_ED25519_SIGNER, "0x0x",
    };
    for (size_t k = 0; k < sizeof strangers / sizeof *strangers; k++) {
        int rc = teeattest_report_find_entry(rep, &idx, strangers[k], NULL);
        FUZZ_CHECK(rc == TEEATTEST_OK || rc == TEEATTEST_E_NOT_FOUND);
        if (rc == TEEATTEST_OK)
            FUZZ_CHECK(idx < n);
    }
    FUZZ_CHECK(teeattest_report_find_entry(rep, NULL, "0x", NULL) ==
               TEEATTEST_E_INVALID_ARG);
    FUZZ_CHECK(teeattest_report_find_entry(rep, &idx, NULL, NULL) ==
               TEEATTEST_E_INVALID_ARG);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    size_t n_dialects = 0;
    while (teeattest_dialect_name(n_dialects))
        n_dialects++;
    FUZZ_CHECK(n_dialects > 0);
    size_t sel = data[0] % (n_dialects + 1);
    const char *dialect =
        sel == n_dialects ? "auto" : teeattest_dialect_name(sel);
    const uint8_t *doc = data + 1;
    size_t doc_len = size - 1;

    fuzz_heap heap;
    teeattest_ctx *ctx = fuzz_ctx_new(&heap);
    static char sentinel;
    teeattest_report *rep = (teeattest_report *)(void *)&sentinel;
    teeattest_error e;
    fuzz_err_reset(&e);
    int rc = teeattest_report_parse(ctx, &rep, dialect, doc, doc_len, &e);
    fuzz_err_check(rc, &e);
    if (rc == TEEATTEST_OK) {
        FUZZ_CHECK(rep != NULL && rep != (teeattest_report *)(void *)&sentinel);
        FUZZ_CHECK(doc_len <= TEEATTEST_REPORT_MAX);
        /* The report keeps its own reference to the context. */
        teeattest_ctx_free(teeattest_ctx_ref(ctx));
        exercise_report(rep, dialect, doc, doc_len);
        teeattest_report_free(rep);
    } else {
        FUZZ_CHECK(rep == NULL);
        FUZZ_CHECK(rc != TEEATTEST_E_NOMEM && rc != TEEATTEST_E_INTERNAL);
        FUZZ_CHECK(rc != TEEATTEST_E_INVALID_ARG);
        FUZZ_CHECK(rc != TEEATTEST_E_NOT_FOUND);
    }
    fuzz_ctx_done(ctx, &heap);
    return 0;
}
