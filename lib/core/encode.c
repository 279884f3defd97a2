/*
 * Hex and base64 codecs for untrusted input, and constant-time compare.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>

#include "core.h"

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void ta_hex_encode(char *out, const uint8_t *in, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * len] = '\0';
}

bool ta_is_hex(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (hexval((unsigned char)s[i]) < 0)
            return false;
    return true;
}

int64_t ta_hex_decode(uint8_t *out, size_t out_cap, const char *in, size_t len)
{
    if (len % 2)
        return TEEATTEST_E_LENGTH;
    if (len / 2 > out_cap)
        return TEEATTEST_E_BUFFER_TOO_SMALL;
    for (size_t i = 0; i < len; i += 2) {
        int hi = hexval((unsigned char)in[i]);
        int lo = hexval((unsigned char)in[i + 1]);
        if (hi < 0 || lo < 0)
            return TEEATTEST_E_HEX;
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    return (int64_t)(len / 2);
}

int ta_hex_decode_exact(uint8_t *out, size_t want, const char *in, size_t len,
                        bool allow_0x)
{
    if (allow_0x && len >= 2 && in[0] == '0' && (in[1] == 'x' || in[1] == 'X')) {
        in += 2;
        len -= 2;
    }
    if (!ta_is_hex(in, len))
        return TEEATTEST_E_HEX;
    if (len != 2 * want)
        return TEEATTEST_E_LENGTH;
    int64_t n = ta_hex_decode(out, want, in, len);
    return n < 0 ? (int)n : TEEATTEST_OK;
}

static int b64val(unsigned char c, bool url)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == (url ? '-' : '+'))
        return 62;
    if (c == (url ? '_' : '/'))
        return 63;
    return -1;
}

size_t ta_base64_decoded_max(size_t len)
{
    return len / 4 * 3 + 3;
}

int64_t ta_base64_decode(uint8_t *out, size_t out_cap, const char *in,
                         size_t len, bool url)
{
    /* Padding: required for standard base64 (length a multiple of 4), optional
     * for base64url. At most two '=' and only at the end. */
    size_t pad = 0;
    while (len > 0 && in[len - 1] == '=' && pad < 3) {
        len--;
        pad++;
    }
    if (pad > 2)
        return TEEATTEST_E_BASE64;
    if (pad && (len + pad) % 4)
        return TEEATTEST_E_BASE64;
    if (!url && (len + pad) % 4)
        return TEEATTEST_E_BASE64;
    if (len % 4 == 1)
        return TEEATTEST_E_BASE64;
    size_t outlen = len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0);
    if (pad && len % 4 == 0)
        return TEEATTEST_E_BASE64;
    if (outlen > out_cap)
        return TEEATTEST_E_BUFFER_TOO_SMALL;

    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        int v = b64val((unsigned char)in[i], url);
        if (v < 0)
            return TEEATTEST_E_BASE64;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    /* Non-canonical encodings (stray low bits) are rejected so that one
     * value has one encoding. */
    if (bits && (acc & ((1u << bits) - 1)))
        return TEEATTEST_E_BASE64;
    return (int64_t)o;
}

size_t ta_base64_encoded_len(size_t len)
{
    return (len + 2) / 3 * 4;
}

void ta_base64_encode(char *out, const uint8_t *in, size_t len, bool url)
{
    const char *alpha = url
        ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0, i = 0;
    for (; i + 2 < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = alpha[v >> 18];
        out[o++] = alpha[(v >> 12) & 63];
        out[o++] = alpha[(v >> 6) & 63];
        out[o++] = alpha[v & 63];
    }
    if (i < len) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)in[i + 1] << 8;
        out[o++] = alpha[v >> 18];
        out[o++] = alpha[(v >> 12) & 63];
        if (i + 1 < len)
            out[o++] = alpha[(v >> 6) & 63];
        else if (!url)
            out[o++] = '=';
        /* base64url (JWT, RFC 7515) is written without padding */
        if (!url)
            out[o++] = '=';
    }
    out[o] = '\0';
}

bool ta_ct_equal(const void *a, const void *b, size_t len)
{
    const volatile uint8_t *x = a, *y = b;
    uint8_t d = 0;
    for (size_t i = 0; i < len; i++)
        d |= x[i] ^ y[i];
    return d == 0;
}

/* ---- public codecs (include/teeattest/encoding.h) --------------------- */

/* Shared by the two decoders: `*len` in = capacity, out = written/needed. */
static int decode_result(int64_t n, size_t needed, size_t *len,
                         const char *what, teeattest_error *err)
{
    if (n == TEEATTEST_E_BUFFER_TOO_SMALL) {
        *len = needed;
        return ta_error(err, TEEATTEST_E_BUFFER_TOO_SMALL, NULL,
                        "%s: %zu bytes needed", what, needed);
    }
    if (n < 0)
        return ta_error(err, (int)n, NULL, "%s: %s", what,
                        n == TEEATTEST_E_LENGTH ? "odd number of digits"
                                                : "malformed input");
    *len = (size_t)n;
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_hex_decode(uint8_t *out, size_t *len,
                                       const char *text, teeattest_error *err)
{
    if (!len || !text || (!out && *len))
        return TA_INVALID(err, "teeattest_hex_decode: NULL text/len or out");
    size_t n = strlen(text);
    if (n >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        text += 2;
        n -= 2;
    }
    /* Bad digits are reported before a short buffer or an odd count. */
    if (!ta_is_hex(text, n))
        return decode_result(TEEATTEST_E_HEX, 0, len, "hex", err);
    return decode_result(ta_hex_decode(out, *len, text, n), n / 2, len, "hex",
                         err);
}

TEEATTEST_API int teeattest_hex_encode(char *out, size_t size,
                                       const uint8_t *data, size_t data_len,
                                       teeattest_error *err)
{
    if (!out || (!data && data_len))
        return TA_INVALID(err, "teeattest_hex_encode: NULL out or data");
    if (data_len > (SIZE_MAX - 1) / 2 || size < 2 * data_len + 1)
        return ta_error(err, TEEATTEST_E_BUFFER_TOO_SMALL, NULL,
                        "hex: %zu bytes need a buffer of 2 x %zu + 1",
                        data_len, data_len);
    ta_hex_encode(out, data, data_len);
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_base64_decode(uint8_t *out, size_t *len,
                                          const char *text,
                                          teeattest_error *err)
{
    if (!len || !text || (!out && *len))
        return TA_INVALID(err, "teeattest_base64_decode: NULL text/len or out");
    size_t n = strlen(text), body = n;
    /* The alphabet decides: '-' or '_' means base64url, anything else is
     * read as standard base64 (padding required). */
    bool url = strpbrk(text, "-_") != NULL;
    while (body > 0 && text[body - 1] == '=' && n - body < 2)
        body--;
    /* The length well-formed text decodes to; malformed text is reported
     * by the decode itself once the buffer is large enough. */
    size_t needed = body / 4 * 3 + (body % 4 > 1 ? body % 4 - 1 : 0);
    if (*len < needed)
        return decode_result(TEEATTEST_E_BUFFER_TOO_SMALL, needed, len,
                             "base64", err);
    return decode_result(ta_base64_decode(out, *len, text, n, url), 0, len,
                         "base64", err);
}
