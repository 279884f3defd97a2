/*
 * The compact JSON form of E2EE v2 bodies (spec/e2ee-v2.md section 8:
 * the receipt's request hash covers "the compact JSON serialization after
 * encrypted request fields are decrypted and restored"). The reference
 * service (Dstack-TEE/private-ai-gateway b6b5c1b, serde_json with
 * preserve_order) keeps members in document order and writes reals in
 * the shortest form that reads back to the same double, the way the
 * ryu formatter lays it out; this file reproduces that layout.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "e2ee_impl.h"

/* Shortest decimal digits d (no dot) and exponent e with d * 10^e == v
 * after rounding to double: the first precision %.*e reads back. */
static int shortest(char digits[24], int *exp10, double v)
{
    char tmp[40];
    for (int prec = 0; prec < 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    /* tmp: d[.ddd]e[+-]xx */
    size_t n = 0;
    const char *p = tmp;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9')
            digits[n++] = *p;
    digits[n] = 0;
    if (*p != 'e')
        return -1;
    int e = atoi(p + 1);
    /* Drop trailing zeros of the mantissa. */
    while (n > 1 && digits[n - 1] == '0')
        digits[--n] = 0;
    /* tmp's value is d.ddd * 10^e = digits * 10^(e - (n - 1)). */
    *exp10 = e - (int)(n - 1);
    return (int)n;
}

static int put_real(ta_buf *b, double v)
{
    if (!isfinite(v))
        return TEEATTEST_E_JSON; /* JSON has none; jansson never makes one */
    if (v == 0)
        return ta_buf_append_str(b, signbit(v) ? "-0.0" : "0.0");
    int rc = 0;
    if (v < 0) {
        rc = ta_buf_append(b, "-", 1);
        v = -v;
    }
    char d[24];
    int k, len = shortest(d, &k, v);
    if (len < 0)
        return TEEATTEST_E_INTERNAL;
    int kk = len + k; /* 10^(kk-1) <= v < 10^kk */
    if (!rc && k >= 0 && kk <= 16) {
        rc = ta_buf_append(b, d, (size_t)len);
        for (int i = 0; !rc && i < k; i++)
            rc = ta_buf_append(b, "0", 1);
        if (!rc)
            rc = ta_buf_append(b, ".0", 2);
    } else if (!rc && kk > 0 && kk <= 16) {
        rc = ta_buf_append(b, d, (size_t)kk);
        if (!rc)
            rc = ta_buf_append(b, ".", 1);
        if (!rc)
            rc = ta_buf_append(b, d + kk, (size_t)(len - kk));
    } else if (!rc && kk > -5 && kk <= 0) {
        rc = ta_buf_append(b, "0.", 2);
        for (int i = 0; !rc && i < -kk; i++)
            rc = ta_buf_append(b, "0", 1);
        if (!rc)
            rc = ta_buf_append(b, d, (size_t)len);
    } else if (!rc) {
        rc = ta_buf_append(b, d, 1);
        if (!rc && len > 1) {
            rc = ta_buf_append(b, ".", 1);
            if (!rc)
                rc = ta_buf_append(b, d + 1, (size_t)(len - 1));
        }
        if (!rc)
            rc = ta_buf_printf(b, "e%d", kk - 1);
    }
    return rc;
}

static int write_value(ta_buf *b, const json_t *v, int depth)
{
    if (depth > 64)
        return TEEATTEST_E_TOO_LARGE;
    int rc = 0;
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *k;
        json_t *m;
        bool first = true;
        rc = ta_buf_append(b, "{", 1);
        /* jansson keeps members in insertion (document) order. */
        json_object_foreach((json_t *)v, k, m) {
            if (!rc && !first)
                rc = ta_buf_append(b, ",", 1);
            first = false;
            if (!rc)
                rc = ta_json_put_string(b, k, strlen(k), 0);
            if (!rc)
                rc = ta_buf_append(b, ":", 1);
            if (!rc)
                rc = write_value(b, m, depth + 1);
            if (rc)
                return rc;
        }
        return rc ? rc : ta_buf_append(b, "}", 1);
    }
    case JSON_ARRAY: {
        size_t i;
        json_t *m;
        rc = ta_buf_append(b, "[", 1);
        json_array_foreach((json_t *)v, i, m) {
            if (!rc && i)
                rc = ta_buf_append(b, ",", 1);
            if (!rc)
                rc = write_value(b, m, depth + 1);
            if (rc)
                return rc;
        }
        return rc ? rc : ta_buf_append(b, "]", 1);
    }
    case JSON_STRING:
        return ta_json_put_string(b, json_string_value(v),
                                  json_string_length(v), 0);
    case JSON_INTEGER:
        return ta_buf_printf(b, "%lld", (long long)json_integer_value(v));
    case JSON_REAL:
        return put_real(b, json_real_value(v));
    case JSON_TRUE:
        return ta_buf_append_str(b, "true");
    case JSON_FALSE:
        return ta_buf_append_str(b, "false");
    case JSON_NULL:
        return ta_buf_append_str(b, "null");
    }
    return TEEATTEST_E_JSON;
}

int ta_e2ee_json_write(ta_buf *b, const json_t *v)
{
    return v ? write_value(b, v, 0) : TEEATTEST_E_INVALID_ARG;
}
