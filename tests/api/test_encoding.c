/*
 * teeattest_hex_decode(), teeattest_hex_encode(), teeattest_base64_decode():
 * what they accept, what they refuse, and the two-call size pattern.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "api.h"

static void hex(void)
{
    uint8_t out[8];
    size_t len = sizeof out;
    CHECK_EQ_INT(teeattest_hex_decode(out, &len, "0xDeadBEEF", NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(len, 4);
    CHECK(memcmp(out, "\xde\xad\xbe\xef", 4) == 0);
    len = sizeof out;
    CHECK_EQ_INT(teeattest_hex_decode(out, &len, "00ff", NULL), TEEATTEST_OK);
    CHECK_EQ_INT(len, 2);
    len = sizeof out;
    CHECK_EQ_INT(teeattest_hex_decode(out, &len, "", NULL), TEEATTEST_OK);
    CHECK_EQ_INT(len, 0);

    /* Size query, then a buffer one byte short. */
    len = 0;
    CHECK_EQ_INT(teeattest_hex_decode(NULL, &len, "0x0102030405", NULL),
                 TEEATTEST_E_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(len, 5);
    len = 4;
    CHECK_EQ_INT(teeattest_hex_decode(out, &len, "0102030405", NULL),
                 TEEATTEST_E_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(len, 5);

    /* Refused: separators, spaces, a second prefix, odd counts, non-hex. */
    static const char *const bad_hex[] = {
        "de ad", " dead", "dead\n", "0x0xdead", "de:ad", "xdead", "0xg0",
        "deag", "+1", "-1",
    };
    for (size_t i = 0; i < sizeof bad_hex / sizeof *bad_hex; i++) {
        teeattest_error err = TEEATTEST_ERROR_INIT;
        len = sizeof out;
        CHECK_EQ_INT(teeattest_hex_decode(out, &len, bad_hex[i], &err),
                     TEEATTEST_E_HEX);
        CHECK_EQ_INT(err.code, TEEATTEST_E_HEX);
    }
    len = sizeof out;
    CHECK_EQ_INT(teeattest_hex_decode(out, &len, "abc", NULL),
                 TEEATTEST_E_LENGTH);
    len = sizeof out;
    CHECK_EQ_INT(teeattest_hex_decode(out, &len, "0x", NULL), TEEATTEST_OK);
    CHECK_EQ_INT(len, 0);

    /* Encode, and back. */
    char text[11];
    CHECK_EQ_INT(teeattest_hex_encode(text, sizeof text,
                                      (const uint8_t *)"\x00\x01\xab\xcd\xef",
                                      5, NULL), TEEATTEST_OK);
    CHECK_STR(text, "0001abcdef");
    CHECK_EQ_INT(teeattest_hex_encode(text, 10,
                                      (const uint8_t *)"\x00\x01\xab\xcd\xef",
                                      5, NULL), TEEATTEST_E_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(teeattest_hex_encode(text, 1, NULL, 0, NULL), TEEATTEST_OK);
    CHECK_STR(text, "");
    len = sizeof out;
    CHECK_EQ_INT(teeattest_hex_decode(out, &len, "0001abcdef", NULL),
                 TEEATTEST_OK);
    CHECK(len == 5 && memcmp(out, "\x00\x01\xab\xcd\xef", 5) == 0);
}

static void base64(void)
{
    uint8_t out[16];
    size_t len = sizeof out;
    CHECK_EQ_INT(teeattest_base64_decode(out, &len, "aGVsbG8=", NULL),
                 TEEATTEST_OK);
    CHECK(len == 5 && memcmp(out, "hello", 5) == 0);
    /* base64url, with and without padding */
    len = sizeof out;
    CHECK_EQ_INT(teeattest_base64_decode(out, &len, "-_8", NULL),
                 TEEATTEST_OK);
    CHECK(len == 2 && memcmp(out, "\xfb\xff", 2) == 0);
    len = sizeof out;
    CHECK_EQ_INT(teeattest_base64_decode(out, &len, "-_8=", NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(len, 2);
    len = sizeof out;
    CHECK_EQ_INT(teeattest_base64_decode(out, &len, "+/8=", NULL),
                 TEEATTEST_OK);
    CHECK(len == 2 && memcmp(out, "\xfb\xff", 2) == 0);
    len = sizeof out;
    CHECK_EQ_INT(teeattest_base64_decode(out, &len, "", NULL), TEEATTEST_OK);
    CHECK_EQ_INT(len, 0);

    /* Size query: the exact decoded length, padded or not. */
    len = 0;
    CHECK_EQ_INT(teeattest_base64_decode(NULL, &len, "aGVsbG8=", NULL),
                 TEEATTEST_E_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(len, 5);
    len = 4;
    CHECK_EQ_INT(teeattest_base64_decode(out, &len, "aGVsbG8", NULL),
                 TEEATTEST_E_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(len, 5);

    /* Refused: standard base64 without padding, whitespace, mixed
     * alphabets, stray low bits, too much padding, padding inside. */
    static const char *const bad_b64[] = {
        "aGVsbG8", "aGVs bG8=", "aGVsbG8=\n", "+-8=", "aGVsbG9=", "aGVsbA===",
        "aG=VsbG8", "a", "=", "====", "aGVsbG8*",
    };
    for (size_t i = 0; i < sizeof bad_b64 / sizeof *bad_b64; i++) {
        teeattest_error err = TEEATTEST_ERROR_INIT;
        len = sizeof out;
        if (!CHECK_EQ_INT(teeattest_base64_decode(out, &len, bad_b64[i], &err),
                          TEEATTEST_E_BASE64))
            printf("# accepted \"%s\"\n", bad_b64[i]);
    }
}

static void misuse(void)
{
    uint8_t out[4];
    size_t len = sizeof out;
    char text[4];
    teeattest_error err = TEEATTEST_ERROR_INIT;
    CHECK_EQ_INT(teeattest_hex_decode(out, NULL, "00", &err),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_hex_decode(out, &len, NULL, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_hex_decode(NULL, &len, "00", NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_hex_encode(NULL, 4, out, 1, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_hex_encode(text, sizeof text, NULL, 1, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_hex_encode(text, sizeof text, out, SIZE_MAX, NULL),
                 TEEATTEST_E_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(teeattest_base64_decode(out, NULL, "AA==", NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_base64_decode(out, &len, NULL, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_base64_decode(NULL, &len, "AA==", NULL),
                 TEEATTEST_E_INVALID_ARG);
}

int main(void)
{
    hex();
    base64();
    misuse();
    return ta_test_done();
}
