/*
 * ta_tinfoil_hardware_parse() and ta_tinfoil_hardware_match(): the in-toto
 * statement of Tinfoil's hardware measurements, read strictly, and the
 * rule that one platform must match the quote in both MRTD and RTMR0. The
 * accepted statement has the shape of a hardware-measurements release
 * (predicate: platform id -> {mrtd, rtmr0, ...}); every other case edits
 * one thing of it and must be refused with a reason.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "unit.h"
#include "verify/tinfoil_hardware.h"
#include "verify/tinfoil_release.h"

#define SUBJ "fe03832f4045909235b2c4f62a2dcfce4212383e48d111f65eb3971af264a9bc"
#define M1 "7357a10d2e2724dffe68813e3cc4cfcde6814d749f2fb62e3953e54f6e0b50a219786afe2cd478f684b52c61837e1114"
#define R1 "5c70e5e513f82d930e4740228a51a96fb981dd8e63a583aae5d71c84caaa06c1241c4eaf46faab066d0120e44bf5a1e1"
#define M2 "abababababababababababababababababababababababababababababababababababababababababababababababab"
#define R2 "67dddcfc052d86247f797ab11f58c6552f8073e8375121b777fb79f4cdddae196381f8b76d40ea1343c99063a9366591"

#define STMT(type, subjects, ptype, pred)                                    \
    "{\"_type\":\"" type "\",\"subject\":[" subjects "],"                    \
    "\"predicateType\":\"" ptype "\",\"predicate\":" pred "}"
#define ONE "{\"name\":\"hardware-measurements.json\",\"digest\":{\"sha256\":\"" SUBJ "\"}}"
#define PLAT(id, m, r) "\"" id "\":{\"mrtd\":\"" m "\",\"rtmr0\":\"" r "\"}"
#define ST "https://in-toto.io/Statement/v1"
#define PT "https://tinfoil.sh/predicate/hardware-measurements/v1"
#define GOOD "{" PLAT("hw1", M1, R1) "," PLAT("other", M2, R2) "}"

static teeattest_ctx *ctx;

static int parse(const char *s, ta_tinfoil_hardware *out, char *why)
{
    return ta_tinfoil_hardware_parse(ctx, (const uint8_t *)s, strlen(s), out,
                                     why, 256);
}

static void reg(uint8_t out[48], const char *hex)
{
    ta_hex_decode_exact(out, 48, hex, 96, false);
}

int main(void)
{
    ctx = unit_ctx();
    ta_tinfoil_hardware hw;
    char why[256];
    CHECK_EQ_INT(parse(STMT(ST, ONE, PT, GOOD), &hw, why),
                 TA_TINFOIL_STMT_OK);
    CHECK_EQ_INT((int)hw.n_platforms, 2);
    uint8_t m1[48], r1[48], m2[48], r2[48], want[32];
    reg(m1, M1);
    reg(r1, R1);
    reg(m2, M2);
    reg(r2, R2);
    ta_hex_decode_exact(want, 32, SUBJ, 64, false);
    CHECK(memcmp(hw.subject_digest, want, 32) == 0);
    /* Both registers of one platform: a match, named. */
    const ta_tinfoil_platform *p = ta_tinfoil_hardware_match(&hw, m1, r1);
    CHECK(p && !strcmp(p->id, "hw1"));
    p = ta_tinfoil_hardware_match(&hw, m2, r2);
    CHECK(p && !strcmp(p->id, "other"));
    /* Attack: MRTD of one platform with RTMR0 of another, either way. */
    CHECK(ta_tinfoil_hardware_match(&hw, m1, r2) == NULL);
    CHECK(ta_tinfoil_hardware_match(&hw, m2, r1) == NULL);
    /* One register right, the other all zero. */
    static const uint8_t zero[48];
    CHECK(ta_tinfoil_hardware_match(&hw, m1, zero) == NULL);
    CHECK(ta_tinfoil_hardware_match(&hw, zero, r1) == NULL);
    ta_tinfoil_hardware_free(ctx, &hw);

    /* Other members of a platform (tdx-measure's output) are allowed. */
    CHECK_EQ_INT(parse(STMT(ST, ONE, PT,
                            "{\"hw1\":{\"mrtd\":\"" M1 "\",\"rtmr0\":\"" R1
                            "\",\"rtmr1\":\"" R1 "\",\"note\":1}}"),
                       &hw, why),
                 TA_TINFOIL_STMT_OK);
    ta_tinfoil_hardware_free(ctx, &hw);

    /* The enclave release's predicate type: its own reason, and the
     * subject still read (for the signature check). */
    memset(&hw, 0, sizeof hw);
    CHECK_EQ_INT(parse(STMT(ST, ONE, TA_TINFOIL_PREDICATE,
                            "{\"snp_measurement\":\"" M1 "\","
                            "\"tdx_measurement\":{\"rtmr1\":\"" R1 "\","
                            "\"rtmr2\":\"" R2 "\"}}"), &hw, why),
                 TA_TINFOIL_STMT_TYPE);
    CHECK(strstr(why, "predicateType") != NULL);
    CHECK(memcmp(hw.subject_digest, want, 32) == 0);
    CHECK(hw.platforms == NULL);
    CHECK_EQ_INT(parse(STMT(ST, ONE, PT "x", GOOD), &hw, why),
                 TA_TINFOIL_STMT_TYPE);

    static const char *const bad[] = {
        /* another statement type */
        STMT("https://in-toto.io/Statement/v0.1", ONE, PT, GOOD),
        /* no subject, two subjects, a subject without sha256, upper case */
        STMT(ST, "", PT, GOOD),
        STMT(ST, ONE "," ONE, PT, GOOD),
        STMT(ST, "{\"name\":\"a\",\"digest\":{\"sha512\":\"" SUBJ "\"}}", PT,
             GOOD),
        STMT(ST, "{\"name\":\"a\",\"digest\":{\"sha256\":\"FE03832F4045909235"
                 "B2C4F62A2DCFCE4212383E48D111F65EB3971AF264A9BC\"}}", PT,
             GOOD),
        /* no platform; not an object */
        STMT(ST, ONE, PT, "{}"),
        STMT(ST, ONE, PT, "[]"),
        STMT(ST, ONE, PT, "\"x\""),
        /* registers: upper case, short, long, missing, not a string */
        STMT(ST, ONE, PT, "{" PLAT("hw1",
             "7357A10D2E2724DFFE68813E3CC4CFCDE6814D749F2FB62E3953E54F6E0B50A2"
             "19786AFE2CD478F684B52C61837E1114", R1) "}"),
        STMT(ST, ONE, PT, "{" PLAT("hw1", "7357a10d", R1) "}"),
        STMT(ST, ONE, PT, "{" PLAT("hw1", M1, R1 "00") "}"),
        STMT(ST, ONE, PT, "{\"hw1\":{\"mrtd\":\"" M1 "\"}}"),
        STMT(ST, ONE, PT, "{\"hw1\":{\"rtmr0\":\"" R1 "\"}}"),
        STMT(ST, ONE, PT, "{\"hw1\":{\"mrtd\":\"" M1 "\",\"rtmr0\":null}}"),
        /* one bad platform spoils the statement, even after a good one */
        STMT(ST, ONE, PT, "{" PLAT("hw1", M1, R1) ",\"x\":[]}"),
        /* platform ids: empty, with a space, a control character, too long */
        STMT(ST, ONE, PT, "{" PLAT("", M1, R1) "}"),
        STMT(ST, ONE, PT, "{" PLAT("hw 1", M1, R1) "}"),
        STMT(ST, ONE, PT, "{" PLAT("hw\\n1", M1, R1) "}"),
        STMT(ST, ONE, PT, "{" PLAT("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                                   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                                   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                                   "aaaaaaaaaaaaaaaaaaaa", M1, R1) "}"),
        /* duplicate members: which one would a verifier read? A platform
         * twice, a register twice, the predicate twice */
        STMT(ST, ONE, PT, "{" PLAT("hw1", M2, R2) "," PLAT("hw1", M1, R1)
                          "}"),
        STMT(ST, ONE, PT, "{\"hw1\":{\"mrtd\":\"" M2 "\",\"rtmr0\":\"" R1
                          "\",\"mrtd\":\"" M1 "\"}}"),
        "{\"_type\":\"" ST "\",\"subject\":[" ONE "],\"predicateType\":\"" PT
        "\",\"predicate\":" GOOD ",\"predicate\":{" PLAT("x", M2, R2) "}}",
        "not json",
        "[]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why[0] = 0;
        memset(&hw, 0, sizeof hw);
        int rc = parse(bad[i], &hw, why);
        if (rc != TA_TINFOIL_STMT_MALFORMED)
            printf("# case %zu: %d\n", i, rc);
        CHECK_EQ_INT(rc, TA_TINFOIL_STMT_MALFORMED);
        CHECK(why[0] != 0);
        CHECK(hw.platforms == NULL && hw.n_platforms == 0);
    }
    /* The over-long id above is refused; 128 characters, the limit, are
     * accepted. */
    CHECK_EQ_INT(parse(STMT(ST, ONE, PT,
                            "{" PLAT("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                                     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                                     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                                     "aaaaaaaa", M1, R1) "}"), &hw, why),
                 TA_TINFOIL_STMT_OK);
    CHECK_EQ_INT((int)strlen(hw.platforms[0].id), 128);
    ta_tinfoil_hardware_free(ctx, &hw);
    teeattest_ctx_free(ctx);
    return ta_test_done();
}
