/*
 * teeattest-sim: JSON text exactly as Python's json.dumps writes it with
 * ensure_ascii=True (io.net and phproxy hash such text, not wire bytes).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

static void py_string(sbuf *b, const char *s, size_t n)
{
    sb_add(b, "\"", 1);
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        uint32_t cp;
        size_t k;
        if (c < 0x80) {
            cp = c;
            k = 1;
        } else if ((c & 0xE0) == 0xC0 && i + 1 < n) {
            cp = ((uint32_t)(c & 0x1F) << 6) | (s[i + 1] & 0x3F);
            k = 2;
        } else if ((c & 0xF0) == 0xE0 && i + 2 < n) {
            cp = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(s[i + 1] & 0x3F) << 6) |
                 (s[i + 2] & 0x3F);
            k = 3;
        } else if ((c & 0xF8) == 0xF0 && i + 3 < n) {
            cp = ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(s[i + 1] & 0x3F) << 12) |
                 ((uint32_t)(s[i + 2] & 0x3F) << 6) | (s[i + 3] & 0x3F);
            k = 4;
        } else {
            cp = 0xFFFD; /* jansson only hands us valid UTF-8 */
            k = 1;
        }
        i += k;
        switch (cp) {
        case '"': sb_str(b, "\\\""); continue;
        case '\\': sb_str(b, "\\\\"); continue;
        case '\n': sb_str(b, "\\n"); continue;
        case '\r': sb_str(b, "\\r"); continue;
        case '\t': sb_str(b, "\\t"); continue;
        case '\b': sb_str(b, "\\b"); continue;
        case '\f': sb_str(b, "\\f"); continue;
        default: break;
        }
        if (cp >= 0x20 && cp <= 0x7E) {
            char ch = (char)cp;
            sb_add(b, &ch, 1);
        } else if (cp < 0x10000) {
            sb_printf(b, "\\u%04x", (unsigned)cp);
        } else {
            cp -= 0x10000;
            sb_printf(b, "\\u%04x\\u%04x", (unsigned)(0xD800 | (cp >> 10)),
                      (unsigned)(0xDC00 | (cp & 0x3FF)));
        }
    }
    sb_add(b, "\"", 1);
}

/* Python's repr(float): shortest round-tripping digits, fixed notation for
 * decimal exponents -4..15, else d[.ddd]e+XX. */
static void py_float(sbuf *b, double v)
{
    if (isnan(v)) {
        sb_str(b, "NaN");
        return;
    }
    if (isinf(v)) {
        sb_str(b, v < 0 ? "-Infinity" : "Infinity");
        return;
    }
    char tmp[64];
    int p;
    for (p = 1; p <= 17; p++) {
        snprintf(tmp, sizeof tmp, "%.*e", p - 1, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    /* tmp = [-]d[.ddd]e[+-]XX */
    const char *s = tmp;
    bool neg = *s == '-';
    if (neg)
        s++;
    char digits[32];
    size_t nd = 0;
    for (; *s && *s != 'e'; s++)
        if (*s >= '0' && *s <= '9' && nd < sizeof digits - 1)
            digits[nd++] = *s;
    int exp10 = atoi(s + 1);
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    digits[nd] = '\0';
    if (neg)
        sb_add(b, "-", 1);
    if (exp10 < -4 || exp10 >= 16) {
        sb_add(b, digits, 1);
        if (nd > 1) {
            sb_add(b, ".", 1);
            sb_add(b, digits + 1, nd - 1);
        }
        sb_printf(b, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
    } else if (exp10 < 0) {
        sb_str(b, "0.");
        for (int i = 0; i < -exp10 - 1; i++)
            sb_add(b, "0", 1);
        sb_add(b, digits, nd);
    } else {
        size_t ip = (size_t)exp10 + 1;
        for (size_t i = 0; i < ip; i++)
            sb_add(b, i < nd ? &digits[i] : "0", 1);
        sb_add(b, ".", 1);
        if (nd > ip)
            sb_add(b, digits + ip, nd - ip);
        else
            sb_add(b, "0", 1);
    }
}

void py_dumps(sbuf *b, const json_t *v, bool compact)
{
    const char *item_sep = compact ? "," : ", ";
    const char *key_sep = compact ? ":" : ": ";
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        sb_add(b, "{", 1);
        const char *key;
        json_t *val;
        bool first = true;
        json_object_foreach((json_t *)v, key, val) {
            if (!first)
                sb_str(b, item_sep);
            first = false;
            py_string(b, key, strlen(key));
            sb_str(b, key_sep);
            py_dumps(b, val, compact);
        }
        sb_add(b, "}", 1);
        break;
    }
    case JSON_ARRAY: {
        sb_add(b, "[", 1);
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i)
                sb_str(b, item_sep);
            py_dumps(b, json_array_get(v, i), compact);
        }
        sb_add(b, "]", 1);
        break;
    }
    case JSON_STRING:
        py_string(b, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        sb_printf(b, "%lld", (long long)json_integer_value(v));
        break;
    case JSON_REAL:
        py_float(b, json_real_value(v));
        break;
    case JSON_TRUE:
        sb_str(b, "true");
        break;
    case JSON_FALSE:
        sb_str(b, "false");
        break;
    case JSON_NULL:
        sb_str(b, "null");
        break;
    }
}
