/*
 * A strict, bounded multipart/mixed reader (RFC 2046 section 5.1) for
 * ACI/1 session evidence bundles: see multipart.h for what is refused.
 * Stricter than RFC 2046 where two readers could disagree: the delimiter
 * string "--boundary" may occur only as a delimiter line, never inside a
 * part (at line start or not), the preamble or the epilogue, so no reader
 * can split the bundle in another way.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>
#include <strings.h>

#include "multipart.h"

#define MIXED "multipart/mixed"

static bool lwsp(uint8_t c)
{
    return c == ' ' || c == '\t';
}

bool ta_mp_is_mixed(const char *t)
{
    size_t n = strlen(MIXED);
    if (!t || strncasecmp(t, MIXED, n) != 0)
        return false;
    t += n;
    while (lwsp((uint8_t)*t))
        t++;
    return *t == '\0' || *t == ';';
}

/* RFC 2046 bchars (the space only inside, checked by the caller). */
static bool bchar(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z') || strchr("'()+_,-./:=? ", c);
}

/* RFC 2045 token characters. */
static bool tchar(char c)
{
    return c > 32 && c < 127 && !strchr("()<>@,;:\\\"/[]?=", c);
}

bool ta_mp_boundary(const char *t, char b[TA_MP_BOUNDARY_MAX + 1],
                    const char **why)
{
    const char *dummy = NULL;
    if (!why)
        why = &dummy;
    if (!ta_mp_is_mixed(t)) {
        *why = "the media type is not multipart/mixed";
        return false;
    }
    const char *p = t + strlen(MIXED);
    bool have = false;
    for (;;) {
        while (lwsp((uint8_t)*p))
            p++;
        if (!*p)
            break;
        if (*p++ != ';') {
            *why = "the media type's parameters are malformed";
            return false;
        }
        while (lwsp((uint8_t)*p))
            p++;
        const char *name = p;
        while (tchar(*p))
            p++;
        size_t nl = (size_t)(p - name);
        if (!nl || *p++ != '=') {
            *why = "the media type's parameters are malformed";
            return false;
        }
        const char *v = p;
        size_t vl;
        if (*p == '"') {
            v = ++p;
            while (*p && *p != '"' && *p != '\\')
                p++;
            if (*p != '"') {
                *why = "a quoted parameter of the media type is not closed "
                       "(or holds a quoted pair)";
                return false;
            }
            vl = (size_t)(p - v);
            p++;
        } else {
            while (tchar(*p))
                p++;
            vl = (size_t)(p - v);
        }
        if (nl != 8 || strncasecmp(name, "boundary", 8) != 0)
            continue; /* another parameter: ignored */
        if (have) {
            *why = "the media type names the boundary twice";
            return false;
        }
        if (!vl || vl > TA_MP_BOUNDARY_MAX || v[vl - 1] == ' ') {
            *why = "the boundary is not 1-70 characters (not ending in a "
                   "space)";
            return false;
        }
        for (size_t i = 0; i < vl; i++)
            if (!bchar(v[i])) {
                *why = "the boundary holds a character RFC 2046 does not "
                       "allow";
                return false;
            }
        memcpy(b, v, vl);
        b[vl] = '\0';
        have = true;
    }
    if (!have)
        *why = "the media type names no boundary";
    return have;
}

static const uint8_t *find(const uint8_t *from, const uint8_t *end,
                           const char *s, size_t n)
{
    return from <= end ? memmem(from, (size_t)(end - from), s, n) : NULL;
}

static bool crlf_at(const uint8_t *p, const uint8_t *end)
{
    return end - p >= 2 && p[0] == '\r' && p[1] == '\n';
}

/* The header lines [h, e) (each ending CRLF) of one part into part. */
static bool headers(const uint8_t *h, const uint8_t *e, ta_mp_part *part,
                    const char **why)
{
    while (h < e) {
        const uint8_t *eol = find(h, e, "\r\n", 2);
        if (!eol) {
            *why = "a part's header line does not end in CRLF";
            return false;
        }
        const uint8_t *c = h;
        while (c < eol && *c > 32 && *c < 127 && *c != ':')
            c++;
        if (c == h || c == eol || *c != ':') {
            *why = "a part's header line is not \"Name: value\" (or is "
                   "folded)";
            return false;
        }
        for (const uint8_t *v = c + 1; v < eol; v++)
            if (!(*v == '\t' || (*v >= 32 && *v < 127))) {
                *why = "a part's header holds a byte that is not printable "
                       "ASCII";
                return false;
            }
        if (c - h == 12 && strncasecmp((const char *)h, "Content-Type", 12) ==
                               0) {
            if (part->type_given) {
                *why = "a part has two Content-Type headers";
                return false;
            }
            const uint8_t *v = c + 1, *ve = eol;
            while (v < ve && lwsp(*v))
                v++;
            while (ve > v && lwsp(ve[-1]))
                ve--;
            size_t n = (size_t)(ve - v);
            if (!n || n > TA_MP_TYPE_MAX) {
                *why = "a part's Content-Type is empty or too long";
                return false;
            }
            memcpy(part->type, v, n);
            part->type[n] = '\0';
            part->type_given = true;
        }
        h = eol + 2;
    }
    return true;
}

bool ta_mp_parse(const char *media_type, const uint8_t *body, size_t len,
                 ta_mp_part *parts, size_t max_parts, size_t *n_parts,
                 const char **why)
{
    const char *dummy = NULL;
    if (!why)
        why = &dummy;
    *why = NULL;
    if (n_parts)
        *n_parts = 0;
    if (!media_type || (!body && len) || !parts || !n_parts) {
        *why = "invalid arguments";
        return false;
    }
    if (max_parts > TA_MP_PARTS_MAX)
        max_parts = TA_MP_PARTS_MAX;
    char b[TA_MP_BOUNDARY_MAX + 1];
    if (!ta_mp_boundary(media_type, b, why))
        return false;
    char d[TA_MP_BOUNDARY_MAX + 3] = "--";
    strcpy(d + 2, b);
    size_t dl = strlen(d);
    const uint8_t *end = body + len;
    const uint8_t *p = find(body, end, d, dl);
    if (!p) {
        *why = "the boundary does not occur in the body";
        return false;
    }
    if (p != body && !(p - body >= 2 && p[-2] == '\r' && p[-1] == '\n')) {
        *why = "the boundary occurs in the preamble, not at line start";
        return false;
    }
    size_t n = 0;
    for (;;) {
        const uint8_t *q = p + dl;
        if (end - q >= 2 && q[0] == '-' && q[1] == '-') {
            if (!n) {
                *why = "the bundle holds no part";
                return false;
            }
            q += 2;
            while (q < end && lwsp(*q))
                q++;
            if (q < end && !crlf_at(q, end)) {
                *why = "the close delimiter line does not end in CRLF";
                return false;
            }
            if (find(q, end, d, dl)) {
                *why = "the boundary occurs in the epilogue";
                return false;
            }
            *n_parts = n;
            return true;
        }
        while (q < end && lwsp(*q))
            q++;
        if (!crlf_at(q, end)) {
            *why = "a delimiter line does not end in CRLF (the boundary "
                   "begins a longer line)";
            return false;
        }
        if (n == max_parts) {
            *why = "the bundle holds too many parts";
            return false;
        }
        const uint8_t *h = q + 2;
        const uint8_t *nd = find(h, end, d, dl);
        if (!nd) {
            *why = "the bundle has no close delimiter";
            return false;
        }
        const uint8_t *he, *bs;
        if (h + 2 == nd) {
            he = bs = h; /* no header, no body: the CRLF is nd's */
        } else if (crlf_at(h, nd)) {
            he = h;
            bs = h + 2;
        } else {
            const uint8_t *x = find(h, nd, "\r\n\r\n", 4);
            if (!x) {
                *why = "the boundary occurs in a part's headers, or they do "
                       "not end";
                return false;
            }
            he = x + 2;
            bs = x + 4;
        }
        if ((size_t)(he - h) > TA_MP_HEADER_MAX) {
            *why = "a part's header block is too long";
            return false;
        }
        if (nd - bs < 2 || nd[-2] != '\r' || nd[-1] != '\n') {
            *why = "the boundary occurs inside a part's body, not at line "
                   "start";
            return false;
        }
        ta_mp_part *pt = &parts[n];
        memset(pt, 0, sizeof *pt);
        if (!headers(h, he, pt, why))
            return false;
        if (!pt->type_given)
            strcpy(pt->type, "text/plain");
        pt->body = bs;
        pt->body_len = (size_t)(nd - 2 - bs);
        n++;
        p = nd;
    }
}
