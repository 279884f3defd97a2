/*
 * The one canonical JSON writer: RFC 8785 (JCS) over a parsed jansson tree.
 *
 * JCS writes a document the way ECMAScript's JSON.stringify would with its
 * members sorted: no whitespace, strings with the short escapes and
 * lower-case \u00xx for the other controls (ta_json_put_string), members
 * sorted by their names' UTF-16 code units, numbers as ECMAScript prints
 * the IEEE 754 double they denote (Number::toString: the shortest digits
 * that read back as the same double, positional notation for exponents
 * -7 < e < 21, "1e+21" style otherwise, -0 as 0).
 *
 * TA_JCS_SORT_KEYS writes instead the older canonical form of NEAR's
 * compose manager (L3), what serde_json and Python's json.dumps(sort_keys)
 * print: names sorted by Unicode code point, integers exactly as parsed,
 * and non-integers refused, since those producers print reals differently
 * from each other.
 *
 * TA_JCS_DOC_ORDER is not canonical: the compact form serde_json (with
 * preserve_order, as the E2EE v2 reference service builds it) prints, whose
 * SHA-256 an ACI receipt holds for a restored E2EE request (lib/aci/
 * e2ee_json.c). Members stay in document order, integers exact, reals in
 * ryu's layout of the same shortest digits. Only the member order and the
 * number layout differ, so it is one writer with a flag.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core.h"

#define JCS_DEPTH_MAX 64

/* ---- member order ----------------------------------------------------------- */

/* The next UTF-16 code unit of a valid UTF-8 string (jansson has checked
 * every name), or -1 at its end. *pending holds the low surrogate of a
 * supplementary character between calls. */
static long next_unit(const unsigned char **p, long *pending)
{
    if (*pending >= 0) {
        long u = *pending;
        *pending = -1;
        return u;
    }
    const unsigned char *s = *p;
    if (!*s)
        return -1;
    unsigned long cp;
    size_t n;
    if (s[0] < 0x80) {
        cp = s[0];
        n = 1;
    } else if (s[0] < 0xe0) {
        cp = s[0] & 0x1fu;
        n = 2;
    } else if (s[0] < 0xf0) {
        cp = s[0] & 0x0fu;
        n = 3;
    } else {
        cp = s[0] & 0x07u;
        n = 4;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) /* not reached for valid UTF-8 */
            return -2;
        cp = (cp << 6) | (s[i] & 0x3fu);
    }
    *p = s + n;
    if (cp < 0x10000)
        return (long)cp;
    cp -= 0x10000;
    *pending = (long)(0xdc00 + (cp & 0x3ff));
    return (long)(0xd800 + (cp >> 10));
}

static int cmp_utf16(const void *x, const void *y)
{
    const unsigned char *a = *(const unsigned char *const *)x;
    const unsigned char *b = *(const unsigned char *const *)y;
    long pa = -1, pb = -1;
    for (;;) {
        long ua = next_unit(&a, &pa), ub = next_unit(&b, &pb);
        if (ua != ub)
            return ua < ub ? -1 : 1;
        if (ua < 0)
            return 0;
    }
}

static int cmp_codepoint(const void *x, const void *y)
{
    /* strcmp compares unsigned bytes: UTF-8 byte order is code point order. */
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* ---- numbers ---------------------------------------------------------------- */

/* The shortest decimal that reads back as v (finite, > 0): digits d (no
 * dot, no trailing zeros) and n with v = 0.d x 10^n. For that length,
 * printf's correctly rounded digits are the closest to v, as ECMAScript
 * asks (and ryu, which serde_json prints with, agrees). Returns the
 * number of digits, 0 on an internal error. */
static size_t shortest_digits(double v, char digits[20], long *n)
{
    char e[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(e, sizeof e, "%.*e", prec - 1, v);
        if (strtod(e, NULL) == v)
            break;
    }
    /* e = d[.ddd]e±xx: collect the digits and the exponent. */
    size_t k = 0;
    const char *s = e;
    for (; *s && *s != 'e'; s++)
        if (*s >= '0' && *s <= '9' && k < 19)
            digits[k++] = *s;
    if (*s != 'e' || k == 0)
        return 0;
    while (k > 1 && digits[k - 1] == '0')
        k--;
    digits[k] = 0;
    *n = strtol(s + 1, NULL, 10) + 1;
    return k;
}

/* How a finite double is laid out around its shortest digits d1..dk and
 * decimal exponent n (value = 0.d1..dk x 10^n). */
struct num_layout {
    const char *zero;  /* +0 and -0 ("-0.0" for serde's -0) */
    const char *nzero;
    long pos_max;      /* positional while n <= pos_max */
    long small_min;    /* "0.00ddd" while small_min < n <= 0 */
    bool int_dot0;     /* integral values end in ".0" */
    bool exp_plus;     /* "e+21" rather than "e21" */
};

/* ECMAScript Number::toString (RFC 8785). */
static const struct num_layout ecmascript = {"0", "0", 21, -6, false, true};
/* serde_json's (ryu's) layout: positional for 1e-5 <= |v| < 1e16 with
 * ".0" on integral values, "1.5e16" / "1e-7" otherwise, -0 as "-0.0". */
static const struct num_layout serde = {"0.0", "-0.0", 16, -5, true, false};

static int put_double(ta_buf *b, double v, const struct num_layout *l)
{
    if (v == 0)
        return ta_buf_append_str(b, signbit(v) ? l->nzero : l->zero);
    if (v < 0) {
        int rc = ta_buf_append(b, "-", 1);
        if (rc)
            return rc;
        v = -v;
    }
    char digits[20];
    long n;
    size_t k = shortest_digits(v, digits, &n);
    if (!k)
        return TEEATTEST_E_INTERNAL;
    char out[64];
    size_t o = 0;
    if ((long)k <= n && n <= l->pos_max) {
        memcpy(out, digits, k);
        o = k;
        for (long i = (long)k; i < n; i++)
            out[o++] = '0';
        if (l->int_dot0) {
            out[o++] = '.';
            out[o++] = '0';
        }
    } else if (0 < n && n <= l->pos_max) {
        memcpy(out, digits, (size_t)n);
        o = (size_t)n;
        out[o++] = '.';
        memcpy(out + o, digits + n, k - (size_t)n);
        o += k - (size_t)n;
    } else if (l->small_min < n && n <= 0) {
        out[o++] = '0';
        out[o++] = '.';
        for (long i = 0; i < -n; i++)
            out[o++] = '0';
        memcpy(out + o, digits, k);
        o += k;
    } else {
        out[o++] = digits[0];
        if (k > 1) {
            out[o++] = '.';
            memcpy(out + o, digits + 1, k - 1);
            o += k - 1;
        }
        o += (size_t)snprintf(out + o, sizeof out - o, "e%s%ld",
                              l->exp_plus && n - 1 >= 0 ? "+" : "", n - 1);
    }
    return ta_buf_append(b, out, o);
}

static int put_integer(ta_buf *b, json_int_t v, unsigned flags)
{
    /* Integers a double holds exactly print as themselves; beyond 2^53 the
     * JCS document denotes the nearest double, and JCS prints that. */
    if (!(flags & (TA_JCS_SORT_KEYS | TA_JCS_DOC_ORDER)) &&
        (v > (1LL << 53) || v < -(1LL << 53)))
        return put_double(b, (double)v, &ecmascript);
    char num[32];
    int n = snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, v);
    return ta_buf_append(b, num, (size_t)n);
}

/* ---- the tree --------------------------------------------------------------- */

static int jcs(ta_buf *b, const json_t *v, unsigned flags, int depth,
               teeattest_error *err)
{
    if (depth > JCS_DEPTH_MAX)
        return ta_error(err, TEEATTEST_E_JSON, NULL,
                        "nesting deeper than %d", JCS_DEPTH_MAX);
    switch (json_typeof(v)) {
    case JSON_NULL: return ta_buf_append_str(b, "null");
    case JSON_TRUE: return ta_buf_append_str(b, "true");
    case JSON_FALSE: return ta_buf_append_str(b, "false");
    case JSON_INTEGER: return put_integer(b, json_integer_value(v), flags);
    case JSON_REAL:
        if (flags & TA_JCS_SORT_KEYS)
            return ta_error(err, TEEATTEST_E_JSON, NULL,
                            "non-integer number: no agreed canonical form");
        if (!isfinite(json_real_value(v))) /* jansson never makes one */
            return TEEATTEST_E_INTERNAL;
        return flags & TA_JCS_DOC_ORDER
                   ? put_double(b, json_real_value(v), &serde)
                   : put_double(b, json_real_value(v), &ecmascript);
    case JSON_STRING:
        return ta_json_put_string(b, json_string_value(v),
                                  json_string_length(v), 0);
    case JSON_ARRAY: {
        int rc = ta_buf_append(b, "[", 1);
        for (size_t i = 0; rc == TEEATTEST_OK && i < json_array_size(v); i++) {
            if (i)
                rc = ta_buf_append(b, ",", 1);
            if (rc == TEEATTEST_OK)
                rc = jcs(b, json_array_get(v, i), flags, depth + 1, err);
        }
        return rc == TEEATTEST_OK ? ta_buf_append(b, "]", 1) : rc;
    }
    case JSON_OBJECT: {
        size_t n = json_object_size(v), k = 0;
        const char **keys = n ? ta_calloc(b->ctx, n, sizeof *keys) : NULL;
        if (n && !keys)
            return TEEATTEST_E_NOMEM;
        const char *key;
        json_t *val;
        json_object_foreach((json_t *)v, key, val)
            keys[k++] = key;
        /* keys is NULL for {}: qsort() takes no NULL, even for 0 items */
        if (n > 1 && !(flags & TA_JCS_DOC_ORDER)) /* else as jansson keeps */
            qsort(keys, n, sizeof *keys,
                  flags & TA_JCS_SORT_KEYS ? cmp_codepoint : cmp_utf16);
        int rc = ta_buf_append(b, "{", 1);
        for (size_t i = 0; rc == TEEATTEST_OK && i < n; i++) {
            if (i)
                rc = ta_buf_append(b, ",", 1);
            if (rc == TEEATTEST_OK)
                rc = ta_json_put_string(b, keys[i], strlen(keys[i]), 0);
            if (rc == TEEATTEST_OK)
                rc = ta_buf_append(b, ":", 1);
            if (rc == TEEATTEST_OK)
                rc = jcs(b, json_object_get(v, keys[i]), flags, depth + 1,
                         err);
        }
        ta_free(b->ctx, keys);
        return rc == TEEATTEST_OK ? ta_buf_append(b, "}", 1) : rc;
    }
    }
    return TEEATTEST_E_INTERNAL;
}

int ta_jcs_append(ta_buf *b, const struct json_t *v, unsigned flags,
                  teeattest_error *err)
{
    if (!b || !v)
        return TA_INVALID(err, "b or v is NULL");
    if ((flags & TA_JCS_SORT_KEYS) && (flags & TA_JCS_DOC_ORDER))
        return TA_INVALID(err, "TA_JCS_SORT_KEYS and TA_JCS_DOC_ORDER "
                               "exclude each other");
    return jcs(b, v, flags, 1, err);
}
