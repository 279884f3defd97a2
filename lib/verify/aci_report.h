/*
 * Internal: the checks of an ACI/1 attestation report (aci_report.c),
 * called by report_verify.c for TA_SHAPE_ACI beside the dstack checks of
 * its TDX evidence.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_ACI_REPORT_H
#define TA_ACI_REPORT_H

#include "verify.h"

typedef struct ta_aci_report_in {
    const uint8_t *raw;       /* the report document as received */
    size_t raw_len;
    const uint8_t *rd;        /* the quote's 64-byte report_data */
    const uint8_t *nonce;     /* the 32 bytes sent; NULL: unknown */
    const uint8_t *spki;      /* DER SPKI of the delivering connection */
    size_t spki_len;
    const char *host;         /* the host name used; NULL: unknown */
    int64_t at;               /* verification time */
    const teeattest_policy *pol;
} ta_aci_report_in;

/* aci.api_version, aci.keyset, aci.keyset_digest, aci.report_data,
 * aci.nonce, aci.not_after, aci.tls (docs/checks.md) into `r`, with the
 * facts aci.*. TEEATTEST_OK unless out of memory. */
int ta_aci_report_checks(teeattest_ctx *ctx, teeattest_result *r,
                         const ta_aci_report_in *in, teeattest_error *err);

/* aci.provenance: source_provenance declares a source (repo_url +
 * repo_commit, or image_digest) and the measured compose hash backs the
 * app_compose it runs (`compose_ok`: compose.hash passed). */
void ta_aci_provenance_check(teeattest_result *r, const uint8_t *raw,
                             size_t raw_len, bool compose_ok,
                             const uint8_t *compose, size_t compose_len);

#endif /* TA_ACI_REPORT_H */
