/*
 * jansson helpers for untrusted input.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "core.h"

int ta_json_parse(json_t **out, const uint8_t *data, size_t len, size_t max,
                  teeattest_error *err)
{
    *out = NULL;
    if (len > max)
        return ta_error(err, TEEATTEST_E_TOO_LARGE, NULL,
                        "JSON input of %zu bytes exceeds the %zu-byte limit",
                        len, max);
    json_error_t jerr;
    /* Duplicate keys are rejected: a second "signature" member must not
     * shadow the first. */
    json_t *j = json_loadb((const char *)data, len,
                           JSON_REJECT_DUPLICATES,
                           &jerr);
    if (!j) {
        char where[48];
        snprintf(where, sizeof where, "line %d column %d", jerr.line,
                 jerr.column);
        return ta_error(err, TEEATTEST_E_JSON, where, "invalid JSON: %s",
                        jerr.text);
    }
    *out = j;
    return TEEATTEST_OK;
}

static size_t skip_ws(const uint8_t *s, size_t len, size_t i)
{
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' ||
                       s[i] == '\r'))
        i++;
    return i;
}

/* A string of printable ASCII without escapes starting at s[i] == '"';
 * returns the index after the closing quote, 0 when not that simple. */
static size_t plain_string(const uint8_t *s, size_t len, size_t i,
                           const char **out, size_t *out_len)
{
    if (i >= len || s[i] != '"')
        return 0;
    size_t start = ++i;
    while (i < len && s[i] != '"') {
        if (s[i] < 0x20 || s[i] > 0x7e || s[i] == '\\')
            return 0;
        i++;
    }
    if (i >= len)
        return 0;
    *out = (const char *)s + start;
    *out_len = i - start;
    return i + 1;
}

int ta_json_flat_scan(const uint8_t *s, size_t len, ta_json_member *m,
                      size_t max)
{
    size_t n = 0, i = skip_ws(s, len, 0);
    if (i >= len || s[i] != '{')
        return -1;
    i = skip_ws(s, len, i + 1);
    if (i < len && s[i] == '}') {
        i = skip_ws(s, len, i + 1);
        return i == len ? 0 : -1;
    }
    for (;;) {
        if (n == max)
            return -1;
        if (!(i = plain_string(s, len, i, &m[n].key, &m[n].key_len)))
            return -1;
        i = skip_ws(s, len, i);
        if (i >= len || s[i] != ':')
            return -1;
        i = skip_ws(s, len, i + 1);
        if (!(i = plain_string(s, len, i, &m[n].val, &m[n].val_len)))
            return -1;
        for (size_t k = 0; k < n; k++)
            if (m[k].key_len == m[n].key_len &&
                memcmp(m[k].key, m[n].key, m[n].key_len) == 0)
                return -1; /* a duplicate: ta_json_parse() reports it */
        n++;
        i = skip_ws(s, len, i);
        if (i < len && s[i] == ',') {
            i = skip_ws(s, len, i + 1);
            continue;
        }
        if (i < len && s[i] == '}')
            break;
        return -1;
    }
    i = skip_ws(s, len, i + 1);
    return i == len ? (int)n : -1;
}

/* The short escape of a control character, 0 when it has none. */
static char short_escape(unsigned char c)
{
    switch (c) {
    case '\b': return 'b';
    case '\f': return 'f';
    case '\n': return 'n';
    case '\r': return 'r';
    case '\t': return 't';
    default: return 0;
    }
}

int ta_json_put_string(ta_buf *b, const char *s, size_t n, unsigned flags)
{
    static const char hex[] = "0123456789abcdef";
    int rc = ta_buf_append(b, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; rc == TEEATTEST_OK && i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        char esc[6] = {'\\', (char)c};
        size_t len = 2;
        char e = flags & TA_JSON_ESC_U_ONLY ? 0 : short_escape(c);
        if (e) {
            esc[1] = e;
        } else if (c < 0x20) {
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            len = 6;
        }
        rc = ta_buf_append(b, s + run, i - run);
        if (rc == TEEATTEST_OK)
            rc = ta_buf_append(b, esc, len);
        run = i + 1;
    }
    if (rc == TEEATTEST_OK)
        rc = ta_buf_append(b, s + run, n - run);
    if (rc == TEEATTEST_OK)
        rc = ta_buf_append(b, "\"", 1);
    return rc;
}
