/*
 * The shipped default Sigstore trusted root (data/sigstore): the bytes
 * compiled into the library are data/sigstore/trusted_root.json exactly,
 * with the sha256 data/sigstore/README.md records; they parse into the
 * public-good root's CAs, logs, CT logs and TSA; ta_ss_root_load() uses
 * them for a NULL root only, and check details name them.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "unit.h"

#include "crypto/crypto.h"
#include "sigstore/sigstore.h"

/* data/sigstore/README.md: sigstore/root-signing targets/trusted_root.json */
#define ROOT_SHA256 \
    "6494e21ea73fa7ee769f85f57d5a3e6a08725eae1e38c755fc3517c9e6bc0b66"
#define ROOT_LEN 6787

int main(void)
{
    unit_alloc_stats st = {0};
    teeattest_ctx *ctx = unit_ctx_with(&st, NULL);
    size_t len = 0;
    const uint8_t *p = ta_ss_default_root(&len);
    CHECK(p != NULL);
    CHECK_EQ_INT(len, ROOT_LEN);
    CHECK(p[len] == 0); /* embed.py's terminator, not counted */

    /* byte for byte the file in the source tree */
    const char *src = getenv("TEEATTEST_SOURCE_ROOT");
    char path[1100];
    snprintf(path, sizeof path, "%s/data/sigstore/trusted_root.json",
             src ? src : ".");
    size_t flen = 0;
    uint8_t *file = ta_test_read_file(path, &flen);
    CHECK(file != NULL);
    CHECK(file && flen == len && !memcmp(file, p, len));
    free(file);
    uint8_t d[32], want[32];
    CHECK_EQ_INT(ta_sha256(ctx, d, p, len), TEEATTEST_OK);
    CHECK_EQ_INT(unit_unhex(want, sizeof want, ROOT_SHA256), 32);
    CHECK(!memcmp(d, want, 32));

    /* what it holds (data/sigstore/README.md's table) */
    ta_ss_root *r = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    CHECK_EQ_INT(ta_ss_root_load(ctx, &r, NULL, 0, &e), TEEATTEST_OK);
    if (r) {
        CHECK(r->is_default);
        CHECK_EQ_INT(r->n_cas, 2);
        CHECK_EQ_INT(r->n_tlogs, 2);
        CHECK_EQ_INT(r->n_ctlogs, 2);
        CHECK_EQ_INT(r->n_tsas, 1);
        /* the first Fulcio root ended, the current one is open */
        CHECK(r->cas[0].valid.end != 0);
        CHECK_EQ_INT(r->cas[1].valid.end, 0);
        /* the Rekor v2 log (Ed25519) the sigstore-python copy lacks */
        CHECK_EQ_INT(r->tlogs[1].key.kind, TA_SS_KEY_ED25519);
        CHECK(strstr(ta_ss_root_name(r), "shipped default") != NULL);
        CHECK(strstr(ta_ss_root_name(r), "2025-09-22") != NULL);
    }
    ta_ss_root_free(ctx, r);

    /* the same bytes given explicitly: parsed alike, not named default */
    r = NULL;
    CHECK_EQ_INT(ta_ss_root_load(ctx, &r, p, len, &e), TEEATTEST_OK);
    CHECK(r && !r->is_default);
    CHECK_STR(ta_ss_root_name(r), "trusted root");
    ta_ss_root_free(ctx, r);

    /* a given root that does not parse never falls back to the default */
    r = NULL;
    CHECK_EQ_INT(ta_ss_root_load(ctx, &r, (const uint8_t *)"{}", 2, &e),
                 TEEATTEST_E_PARSE);
    CHECK(r == NULL);
    r = NULL;
    CHECK(ta_ss_root_load(ctx, &r, (const uint8_t *)"", 0, &e) !=
          TEEATTEST_OK);
    CHECK(r == NULL);
    ta_ss_root_free(ctx, r);
    teeattest_ctx_free(ctx);
    CHECK_EQ_INT(st.live, 0); /* every parse freed */
    return ta_test_done();
}
