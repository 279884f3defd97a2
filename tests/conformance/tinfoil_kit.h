/*
 * Shared by the Tinfoil conformance tests (test_tinfoil_release.c,
 * test_tinfoil_hardware.c, test_tinfoil_fetch.c): files of tests/data and
 * the real Tinfoil capture (../shared/fixtures/providers/tinfoil_v3_direct)
 * with its nonce, time and Intel PCS collateral. Each bails out when a
 * file is missing or does not load.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_TINFOIL_KIT_H
#define TA_TINFOIL_KIT_H

#include "conformance.h"
#include "report_helpers.h"

#define TINFOIL_CAPTURE "providers/tinfoil_v3_direct/"

/* tests/data of the source tree (TEEATTEST_SOURCE_ROOT, else "."). */
static char tinfoil_data[1024];

static inline void tinfoil_data_init(void)
{
    const char *root = getenv("TEEATTEST_SOURCE_ROOT");
    snprintf(tinfoil_data, sizeof tinfoil_data, "%s/tests/data",
             root ? root : ".");
}

/* A file of tests/data (tinfoil_data_init() first). */
static inline uint8_t *tinfoil_data_file(const char *rel, size_t *len)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", tinfoil_data, rel);
    uint8_t *p = ta_test_read_file(path, len);
    if (!p) {
        printf("Bail out! cannot read %s\n", path);
        exit(1);
    }
    return p;
}

/* The capture's nonce and time (its manifest). */
static inline void tinfoil_capture_manifest(uint8_t nonce[32], int64_t *at)
{
    json_t *m = conf_json(TINFOIL_CAPTURE "capture_manifest.json");
    ta_test_unhex(nonce, 32, conf_str(m, "nonce_hex"));
    *at = ta_test_iso_time(conf_str(m, "captured_at"));
    json_decref(m);
}

/* The capture's report, parsed as "tinfoil". */
static inline teeattest_report *tinfoil_capture_report(teeattest_ctx *ctx)
{
    teeattest_report *rep = NULL;
    size_t n;
    uint8_t *doc = conf_file(TINFOIL_CAPTURE "attestation.json", &n);
    if (teeattest_report_parse(ctx, &rep, "tinfoil", doc, n, NULL)) {
        printf("Bail out! the Tinfoil capture does not parse\n");
        exit(1);
    }
    free(doc);
    return rep;
}

/* Evidence holding the Intel PCS collateral the capture's quote verifies
 * with. */
static inline teeattest_evidence *tinfoil_capture_evidence(teeattest_ctx *ctx)
{
    teeattest_evidence *ev = NULL;
    teeattest_evidence_new(ctx, &ev, NULL);
    teeattest_collateral *col = NULL;
    if (teeattest_collateral_load_dir(
            ctx, &col,
            ta_test_fixture("providers/nearai_direct_ed25519_tls/intel_pcs"),
            NULL)) {
        printf("Bail out! collateral\n");
        exit(1);
    }
    teeattest_evidence_add_collateral(ev, col, NULL);
    teeattest_collateral_free(col);
    return ev;
}

#endif /* TA_TINFOIL_KIT_H */
