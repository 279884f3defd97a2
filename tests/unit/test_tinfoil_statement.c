/*
 * ta_tinfoil_statement_parse(): the in-toto statement of a Tinfoil release
 * attestation, read strictly. The accepted statement is the one signed in
 * tests/data/tinfoil-release (its subject and TDX registers), written out
 * here; every other case edits one thing of it and must be refused with
 * the reason named.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "unit.h"
#include "verify/tinfoil_release.h"

#define SUBJ "5ed9d5c942528ec2eeb759919827f1bc2183c6810f80225a52147dd4020c12a0"
#define SNP "09ef32acf90fcfeb6206d1a46c13145cef736ebbb83f18eaff680b686232031546ff5fd39c44599699ee8734cbbeb519"
#define R1 "a7ed1bcbe696222ecf956f2c78a3b29fcc8ca24831a4751b58f5858d537fbf29666e7949e8402599c96f41a80f7fe253"
#define R2 "ddce36c7bebf841b3a4ff0c8c2df63869f102b74904063efc24244bf5b983b44e87f610c73f963bd3e859014903508c3"

#define STMT(type, subjects, ptype, pred)                                    \
    "{\"_type\":\"" type "\",\"subject\":[" subjects "],"                    \
    "\"predicateType\":\"" ptype "\",\"predicate\":" pred "}"
#define ONE "{\"name\":\"tinfoil-deployment.json\",\"digest\":{\"sha256\":\"" SUBJ "\"}}"
#define PRED(snp, r1, r2)                                                    \
    "{\"snp_measurement\":\"" snp "\",\"tdx_measurement\":{\"rtmr1\":\"" r1  \
    "\",\"rtmr2\":\"" r2 "\"},\"cmdline\":\"x\"}"
#define ST "https://in-toto.io/Statement/v1"
#define PT "https://tinfoil.sh/predicate/snp-tdx-multiplatform/v1"

static int parse(const char *s, ta_tinfoil_release *out, char *why)
{
    return ta_tinfoil_statement_parse((const uint8_t *)s, strlen(s), out, why,
                                      256);
}

int main(void)
{
    ta_tinfoil_release rel;
    char why[256];
    CHECK_EQ_INT(parse(STMT(ST, ONE, PT, PRED(SNP, R1, R2)), &rel, why),
                 TA_TINFOIL_STMT_OK);
    uint8_t want[48];
    ta_hex_decode_exact(want, 48, R1, 96, false);
    CHECK(memcmp(rel.rtmr1, want, 48) == 0);
    ta_hex_decode_exact(want, 48, R2, 96, false);
    CHECK(memcmp(rel.rtmr2, want, 48) == 0);
    ta_hex_decode_exact(want, 32, SUBJ, 64, false);
    CHECK(memcmp(rel.subject_digest, want, 32) == 0);

    /* Predicate type swapped: its own reason, so that the check says so. */
    CHECK_EQ_INT(parse(STMT(ST, ONE,
                            "https://tinfoil.sh/predicate/tdx-guest/v2",
                            PRED(SNP, R1, R2)), &rel, why),
                 TA_TINFOIL_STMT_TYPE);
    CHECK(strstr(why, "predicateType") != NULL);
    CHECK_EQ_INT(parse(STMT(ST, ONE, PT "x", PRED(SNP, R1, R2)), &rel, why),
                 TA_TINFOIL_STMT_TYPE);

    static const char *const bad[] = {
        /* another statement type */
        STMT("https://in-toto.io/Statement/v0.1", ONE, PT, PRED(SNP, R1, R2)),
        /* no subject, two subjects, a subject without sha256 */
        STMT(ST, "", PT, PRED(SNP, R1, R2)),
        STMT(ST, ONE "," ONE, PT, PRED(SNP, R1, R2)),
        STMT(ST, "{\"name\":\"a\",\"digest\":{\"sha512\":\"" SUBJ "\"}}", PT,
             PRED(SNP, R1, R2)),
        /* registers: upper case, short, missing */
        STMT(ST, ONE, PT,
             PRED(SNP, "A7ED1BCBE696222ECF956F2C78A3B29FCC8CA24831A4751B58F5"
                       "858D537FBF29666E7949E8402599C96F41A80F7FE253", R2)),
        STMT(ST, ONE, PT, PRED(SNP, "a7ed", R2)),
        STMT(ST, ONE, PT, "{\"snp_measurement\":\"" SNP "\","
                          "\"tdx_measurement\":{\"rtmr1\":\"" R1 "\"}}"),
        STMT(ST, ONE, PT, "{\"tdx_measurement\":{\"rtmr1\":\"" R1
                          "\",\"rtmr2\":\"" R2 "\"}}"),
        STMT(ST, ONE, PT, "[]"),
        /* a duplicate member: which one would a verifier read? */
        "{\"_type\":\"" ST "\",\"subject\":[" ONE "],\"predicateType\":\"" PT
        "\",\"predicate\":" PRED(SNP, R1, R2) ",\"predicate\":"
        PRED(SNP, R2, R1) "}",
        "not json",
        "[]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why[0] = 0;
        CHECK_EQ_INT(parse(bad[i], &rel, why), TA_TINFOIL_STMT_MALFORMED);
        CHECK(why[0] != 0);
    }
    return ta_test_done();
}
