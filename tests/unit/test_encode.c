/*
 * Codecs for untrusted input (hex, base64, base64url), the bounded byte
 * buffer and the constant-time compare. Every malformed form must be
 * refused with its own status and must not write past the output.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "unit.h"

static int64_t hexdec(uint8_t *out, size_t cap, const char *s)
{
    return ta_hex_decode(out, cap, s, strlen(s));
}

static void test_hex(void)
{
    char s[2 * 256 + 1];
    uint8_t all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (uint8_t)i;
    ta_hex_encode(s, all, 256);
    CHECK_EQ_INT(strlen(s), 512);
    CHECK(strncmp(s, "000102", 6) == 0);
    CHECK(strcmp(s + 500, "fafbfcfdfeff") == 0);
    uint8_t back[256];
    CHECK_EQ_INT(hexdec(back, sizeof back, s), 256);
    CHECK(memcmp(back, all, 256) == 0);
    ta_hex_encode(s, all, 0);
    CHECK_STR(s, "");

    uint8_t out[8];
    memset(out, 0xAA, sizeof out);
    CHECK_EQ_INT(hexdec(out, sizeof out, ""), 0);
    CHECK_EQ_INT(hexdec(out, sizeof out, "00fF"), 2);
    CHECK(out[0] == 0 && out[1] == 0xff && out[2] == 0xAA);
    CHECK_EQ_INT(hexdec(out, sizeof out, "DEADbeef"), 4);
    CHECK_HEX(out, 4, "deadbeef");
    /* Odd length. */
    CHECK_EQ_INT(hexdec(out, sizeof out, "abc"), TEEATTEST_E_LENGTH);
    CHECK_EQ_INT(hexdec(out, sizeof out, "a"), TEEATTEST_E_LENGTH);
    /* Characters that are not hex digits, in either nibble and at the
     * edges of the digit ranges. */
    static const char *const bad[] = {"0g", "g0", "0/", "0:", "0@", "0G",
                                      "0`", "0 ", " 0", "0x", "\x80\x30",
                                      "0\xff", "+1", "-1"};
    for (size_t i = 0; i < TA_ARRAY_LEN(bad); i++)
        CHECK_EQ_INT(hexdec(out, sizeof out, bad[i]), TEEATTEST_E_HEX);
    /* An embedded NUL is not a digit (the length is explicit). */
    CHECK_EQ_INT(ta_hex_decode(out, sizeof out, "0\0", 2), TEEATTEST_E_HEX);
    /* Output too small: refused before anything is written. */
    memset(out, 0xAA, sizeof out);
    CHECK_EQ_INT(hexdec(out, 2, "000102"), TEEATTEST_E_BUFFER_TOO_SMALL);
    CHECK(out[0] == 0xAA);

    CHECK(ta_is_hex("0123456789abcdefABCDEF", 22));
    CHECK(ta_is_hex("", 0));
    CHECK(!ta_is_hex("0x12", 4));
    CHECK(!ta_is_hex("12 ", 3));

    /* Exact-length decoding with an optional "0x". */
    uint8_t w[4];
    CHECK_EQ_INT(ta_hex_decode_exact(w, 4, "0x01020304", 10, true), TEEATTEST_OK);
    CHECK_HEX(w, 4, "01020304");
    CHECK_EQ_INT(ta_hex_decode_exact(w, 4, "0X01020304", 10, true), TEEATTEST_OK);
    CHECK_EQ_INT(ta_hex_decode_exact(w, 4, "01020304", 8, true), TEEATTEST_OK);
    CHECK_EQ_INT(ta_hex_decode_exact(w, 4, "0x01020304", 10, false),
                 TEEATTEST_E_HEX);
    CHECK_EQ_INT(ta_hex_decode_exact(w, 4, "010203", 6, true), TEEATTEST_E_LENGTH);
    CHECK_EQ_INT(ta_hex_decode_exact(w, 4, "0102030405", 10, true),
                 TEEATTEST_E_LENGTH);
    CHECK_EQ_INT(ta_hex_decode_exact(w, 4, "010203040", 9, true),
                 TEEATTEST_E_LENGTH);
    CHECK_EQ_INT(ta_hex_decode_exact(w, 4, "0102030z", 8, true), TEEATTEST_E_HEX);
    CHECK_EQ_INT(ta_hex_decode_exact(w, 4, "0x0x010203", 10, true),
                 TEEATTEST_E_HEX);
    CHECK_EQ_INT(ta_hex_decode_exact(w, 0, "0x", 2, true), TEEATTEST_OK);
}

static int64_t b64dec(uint8_t *out, size_t cap, const char *s, bool url)
{
    return ta_base64_decode(out, cap, s, strlen(s), url);
}

struct b64_vec {
    const char *plain, *std, *url;
};

/* RFC 4648 section 10 test vectors; base64url is written unpadded (JWT
 * style, RFC 7515 section 2). */
static const struct b64_vec rfc4648[] = {
    {"", "", ""},
    {"f", "Zg==", "Zg"},
    {"fo", "Zm8=", "Zm8"},
    {"foo", "Zm9v", "Zm9v"},
    {"foob", "Zm9vYg==", "Zm9vYg"},
    {"fooba", "Zm9vYmE=", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
};

static void test_base64(void)
{
    uint8_t out[64];
    char enc[128];
    for (size_t i = 0; i < TA_ARRAY_LEN(rfc4648); i++) {
        const struct b64_vec *v = &rfc4648[i];
        size_t n = strlen(v->plain);
        CHECK_EQ_INT(b64dec(out, sizeof out, v->std, false), (int64_t)n);
        CHECK(memcmp(out, v->plain, n) == 0);
        CHECK_EQ_INT(b64dec(out, sizeof out, v->url, true), (int64_t)n);
        CHECK(memcmp(out, v->plain, n) == 0);
        /* base64url accepts padding too (it is optional there). */
        CHECK_EQ_INT(b64dec(out, sizeof out, v->std, true), (int64_t)n);
        ta_base64_encode(enc, (const uint8_t *)v->plain, n, false);
        CHECK_STR(enc, v->std);
        ta_base64_encode(enc, (const uint8_t *)v->plain, n, true);
        CHECK_STR(enc, v->url);
        CHECK_EQ_INT(ta_base64_encoded_len(n), strlen(v->std));
        CHECK(ta_base64_decoded_max(strlen(v->std)) >= n);
    }

    /* The two alphabets differ in 62 and 63 only. */
    static const uint8_t hi[] = {0xfb, 0xff, 0xbf};
    ta_base64_encode(enc, hi, 3, false);
    CHECK_STR(enc, "+/+/");
    ta_base64_encode(enc, hi, 3, true);
    CHECK_STR(enc, "-_-_");
    CHECK_EQ_INT(b64dec(out, sizeof out, "+/+/", false), 3);
    CHECK(memcmp(out, hi, 3) == 0);
    CHECK_EQ_INT(b64dec(out, sizeof out, "-_-_", true), 3);
    CHECK(memcmp(out, hi, 3) == 0);
    CHECK_EQ_INT(b64dec(out, sizeof out, "-_-_", false), TEEATTEST_E_BASE64);
    CHECK_EQ_INT(b64dec(out, sizeof out, "+/+/", true), TEEATTEST_E_BASE64);

    /* Malformed standard base64. */
    static const char *const bad_std[] = {
        "Zg",        /* padding required */
        "Zm8",       /* padding required */
        "Zg=",       /* too little padding */
        "Zm9vY",     /* 4n+1 characters can never be valid */
        "Zm9vY===",  /* three '=' */
        "Zg===",     /* three '=' */
        "====",      /* padding only */
        "=",
        "==",
        "Z===",      /* one symbol + three pads */
        "Zm9v=",     /* pad after a full quantum */
        "Zm9v====",
        "Zg==Zg==",  /* '=' inside */
        "Z=g=",
        "Zm9v Zg==", /* white space */
        "Zm9v\nZg==",
        "Zm9v!g==",  /* not in the alphabet */
        "Zm9\x80",
        "Zh==",      /* non-canonical: stray low bits after 'Z','h' */
        "Zm9=",      /* non-canonical: '9' leaves bits 01 */
        "AB==",      /* 'B' has its low 4 bits set */
        "AAB=",      /* 'B' has its low 2 bits set */
    };
    for (size_t i = 0; i < TA_ARRAY_LEN(bad_std); i++) {
        int64_t r = b64dec(out, sizeof out, bad_std[i], false);
        if (!CHECK_EQ_INT(r, TEEATTEST_E_BASE64))
            printf("#   input \"%s\"\n", bad_std[i]);
    }
    /* Malformed base64url. */
    static const char *const bad_url[] = {
        "Zg=", "Zm9vY", "Zg===", "=", "Zh", "Zm9", "AB", "AAB",
        "Zm9v+g", "Zm9v/g", "Zm9v Zg", "Z=g",
    };
    for (size_t i = 0; i < TA_ARRAY_LEN(bad_url); i++) {
        int64_t r = b64dec(out, sizeof out, bad_url[i], true);
        if (!CHECK_EQ_INT(r, TEEATTEST_E_BASE64))
            printf("#   input \"%s\"\n", bad_url[i]);
    }
    /* Canonical minimal forms next to the non-canonical ones above. */
    CHECK_EQ_INT(b64dec(out, sizeof out, "AA==", false), 1);
    CHECK_EQ_INT(b64dec(out, sizeof out, "AAA=", false), 2);
    CHECK_EQ_INT(b64dec(out, sizeof out, "AA", true), 1);

    /* Output too small: refused, nothing written. */
    memset(out, 0xAA, sizeof out);
    CHECK_EQ_INT(b64dec(out, 5, "Zm9vYmFy", false), TEEATTEST_E_BUFFER_TOO_SMALL);
    CHECK(out[0] == 0xAA);
    CHECK_EQ_INT(b64dec(out, 6, "Zm9vYmFy", false), 6);
    CHECK_EQ_INT(b64dec(out, 1, "Zm8", true), TEEATTEST_E_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(b64dec(out, 0, "", false), 0);

    /* Round trip of every length up to 3 quanta past a block, both ways. */
    uint8_t src[64], dec[64];
    for (size_t i = 0; i < sizeof src; i++)
        src[i] = (uint8_t)(i * 37 + 11);
    int bad_rt = 0;
    for (size_t n = 0; n <= sizeof src; n++) {
        for (int url = 0; url < 2; url++) {
            char e[88 + 1]; /* ta_base64_encoded_len(64) + 1 */
            ta_base64_encode(e, src, n, url);
            size_t el = strlen(e);
            if (el > ta_base64_encoded_len(n))
                bad_rt++;
            int64_t r = ta_base64_decode(dec, sizeof dec, e, el, url);
            if (r != (int64_t)n || memcmp(dec, src, n) != 0)
                bad_rt++;
        }
    }
    CHECK_EQ_INT(bad_rt, 0);
}

static void test_buf(void)
{
    unit_alloc_stats st = {0};
    teeattest_ctx *ctx = unit_ctx_with(&st, NULL);
    size_t live0 = st.live;

    ta_buf b;
    ta_buf_init(&b, ctx, 10);
    CHECK_EQ_INT(ta_buf_append(&b, "0123456789", 10), TEEATTEST_OK);
    CHECK_EQ_INT(b.len, 10);
    /* One byte over the limit: refused, contents unchanged. */
    CHECK_EQ_INT(ta_buf_append(&b, "x", 1), TEEATTEST_E_TOO_LARGE);
    CHECK_EQ_INT(b.len, 10);
    CHECK_EQ_INT(ta_buf_append_str(&b, "y"), TEEATTEST_E_TOO_LARGE);
    CHECK_EQ_INT(ta_buf_printf(&b, "%d", 7), TEEATTEST_E_TOO_LARGE);
    /* Nothing to add is fine even at the limit. */
    CHECK_EQ_INT(ta_buf_append(&b, "", 0), TEEATTEST_OK);
    CHECK_EQ_INT(ta_buf_printf(&b, "%s", ""), TEEATTEST_OK);
    /* The terminating NUL does not count against the limit. */
    CHECK_EQ_INT(ta_buf_terminate(&b), TEEATTEST_OK);
    CHECK_STR((char *)b.data, "0123456789");
    ta_buf_free(&b);
    CHECK(b.data == NULL && b.len == 0);
    ta_buf_free(&b); /* twice is harmless */

    /* A huge length is refused before anything is read from `data`. */
    int rc;
    ta_buf_init(&b, ctx, 0);
    CHECK_EQ_INT(ta_buf_append(&b, NULL, SIZE_MAX), TEEATTEST_E_TOO_LARGE);
    /* One byte short of that is left to the allocator, which refuses. */
    rc = ta_buf_append(&b, NULL, SIZE_MAX - 1);
    CHECK(rc == TEEATTEST_E_TOO_LARGE || rc == TEEATTEST_E_NOMEM);
    CHECK_EQ_INT(b.len, 0);
    /* No limit: a megabyte in small pieces, growing geometrically. */
    char chunk[1000];
    memset(chunk, 'q', sizeof chunk);
    rc = 0;
    for (int i = 0; i < 1000 && !rc; i++)
        rc = ta_buf_append(&b, chunk, sizeof chunk);
    CHECK_EQ_INT(rc, TEEATTEST_OK);
    CHECK_EQ_INT(b.len, 1000000);
    CHECK(b.cap > b.len);
    CHECK(st.total - live0 < 40); /* not one realloc per append */
    CHECK_EQ_INT(ta_buf_printf(&b, "%s-%d", "end", 42), TEEATTEST_OK);
    CHECK_EQ_INT(b.len, 1000006);
    CHECK(memcmp(b.data + 1000000, "end-42", 6) == 0);
    size_t len = 0;
    uint8_t *p = ta_buf_steal(&b, &len);
    CHECK(p != NULL && len == 1000006);
    CHECK(b.data == NULL && b.len == 0 && b.cap == 0);
    ta_free(ctx, p);
    CHECK_EQ_INT(st.live, live0);

    /* An empty buffer can be terminated: it then holds "". */
    ta_buf_init(&b, ctx, 0);
    CHECK_EQ_INT(ta_buf_terminate(&b), TEEATTEST_OK);
    CHECK_STR((char *)b.data, "");
    ta_buf_free(&b);

    /* A failed allocation keeps what the buffer had. */
    ta_buf_init(&b, ctx, 0);
    CHECK_EQ_INT(ta_buf_append(&b, "abc", 3), TEEATTEST_OK);
    st.fail_at = st.calls + 1;
    char big[200];
    memset(big, 'z', sizeof big);
    CHECK_EQ_INT(ta_buf_append(&b, big, sizeof big), TEEATTEST_E_NOMEM);
    CHECK_EQ_INT(b.len, 3);
    CHECK(memcmp(b.data, "abc", 3) == 0);
    st.fail_at = 0;
    CHECK_EQ_INT(ta_buf_append(&b, big, sizeof big), TEEATTEST_OK);
    ta_buf_free(&b);
    CHECK_EQ_INT(st.live, live0);

    /* ta_strndup and ta_calloc guard their size arithmetic. */
    CHECK(ta_strndup(ctx, "x", SIZE_MAX) == NULL);
    CHECK(ta_calloc(ctx, SIZE_MAX / 2, 4) == NULL);
    char *d = ta_strndup(ctx, "hello", 3);
    CHECK_STR(d, "hel");
    ta_free(ctx, d);
    uint8_t *z = ta_calloc(ctx, 4, 8);
    int nz = 0;
    for (int i = 0; z && i < 32; i++)
        nz += z[i] != 0;
    CHECK(z != NULL && nz == 0);
    ta_free(ctx, z);
    ta_free(ctx, NULL);
    CHECK_EQ_INT(st.live, live0);
    CHECK_EQ_INT(st.bad, 0);

    teeattest_ctx_free(ctx);
    CHECK_EQ_INT(st.live, 0);
}

static void test_ct_equal(void)
{
    uint8_t a[33], b[33];
    for (int i = 0; i < 33; i++)
        a[i] = b[i] = (uint8_t)i;
    CHECK(ta_ct_equal(a, b, 33));
    CHECK(ta_ct_equal(a, b, 0));
    for (int i = 0; i < 33; i++) {
        b[i] ^= 0x80;
        if (ta_ct_equal(a, b, 33))
            CHECK(!"a one-bit difference compared equal");
        b[i] ^= 0x80;
    }
    b[32] ^= 1;
    CHECK(!ta_ct_equal(a, b, 33));
    CHECK(ta_ct_equal(a, b, 32));
}

int main(void)
{
    test_hex();
    test_base64();
    test_buf();
    test_ct_equal();
    return ta_test_done();
}
