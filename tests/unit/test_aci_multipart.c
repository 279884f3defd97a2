/*
 * The strict multipart/mixed reader of lib/aci/multipart.c: the gateway's
 * bundle shape (Dstack-TEE/private-ai-gateway
 * scripts/provider_verifier/common.py raw_http_bundle_evidence at b6b5c1b:
 * unquoted boundary "aci-evidence-<24 hex>", parts with Content-Type,
 * Content-Location, Content-ID and Digest headers, no preamble), the
 * media type's parameter forms, and every refusal: no or bad boundary, the
 * delimiter inside a part (at line start or not), in the preamble or the
 * epilogue, no close delimiter, no part, folded or duplicate headers,
 * limits.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>

#include "unit.h"

#include "aci/multipart.h"

#define B "aci-evidence-0123456789abcdef01234567"
#define MT "multipart/mixed;boundary=" B

static ta_mp_part parts[TA_MP_PARTS_MAX];

static bool parse(const char *mt, const char *body, size_t *n,
                  const char **why)
{
    return ta_mp_parse(mt, (const uint8_t *)body, strlen(body), parts,
                       TA_MP_PARTS_MAX, n, why);
}

static bool body_is(size_t i, const char *want)
{
    return parts[i].body_len == strlen(want) &&
           memcmp(parts[i].body, want, parts[i].body_len) == 0;
}

/* The gateway's shape, two parts. */
#define GATEWAY                                                                \
    "--" B "\r\n"                                                              \
    "Content-Type: application/json\r\n"                                       \
    "Content-Location: https://up.example/attestation\r\n"                     \
    "Content-ID: <report>\r\n"                                                 \
    "Digest: sha-256=abc=\r\n"                                                 \
    "\r\n"                                                                     \
    "{\"a\":1}\r\n"                                                            \
    "--" B "\r\n"                                                              \
    "Content-Type: application/vnd.nvidia.gpu-evidence+json; charset=utf-8\r\n" \
    "\r\n"                                                                     \
    "line one\r\nline two\r\n"                                                 \
    "\r\n"                                                                     \
    "--" B "--\r\n"

static void gateway_shape(void)
{
    size_t n = 0;
    const char *why = NULL;
    CHECK(parse(MT, GATEWAY, &n, &why));
    CHECK_EQ_INT((int)n, 2);
    CHECK_STR(parts[0].type, "application/json");
    CHECK(parts[0].type_given);
    CHECK(body_is(0, "{\"a\":1}"));
    CHECK_STR(parts[1].type,
              "application/vnd.nvidia.gpu-evidence+json; charset=utf-8");
    /* a part's own trailing CRLFs are its bytes but the delimiter's */
    CHECK(body_is(1, "line one\r\nline two\r\n"));
    CHECK(ta_mp_is_mixed(MT));
    CHECK(ta_mp_is_mixed("Multipart/Mixed ; boundary=x"));
    CHECK(!ta_mp_is_mixed("multipart/mixedx;boundary=x"));
    CHECK(!ta_mp_is_mixed("multipart/related;boundary=x"));
    CHECK(!ta_mp_is_mixed(NULL));
}

/* Media type forms: quoted, other parameters, case, spaces. */
static void media_types(void)
{
    static const char body[] = "--a b'()+_,-./:=?\r\n\r\nx\r\n"
                               "--a b'()+_,-./:=?--";
    size_t n = 0;
    const char *why = NULL;
    CHECK(parse("multipart/mixed; charset=x; BOUNDARY=\"a b'()+_,-./:=?\"",
                body, &n, &why));
    CHECK_EQ_INT((int)n, 1);
    CHECK_STR(parts[0].type, "text/plain"); /* RFC 2046 default */
    CHECK(!parts[0].type_given);
    CHECK(body_is(0, "x"));
    CHECK(parse("MULTIPART/MIXED ;boundary=q", "--q\r\n\r\n\r\n--q--", &n,
                &why));
    CHECK(body_is(0, ""));
    /* no header and no body at all */
    CHECK(parse("multipart/mixed;boundary=q", "--q\r\n\r\n--q--", &n, &why));
    CHECK(body_is(0, ""));

    static const struct {
        const char *mt, *needle;
    } bad[] = {
        {"multipart/mixed", "no boundary"},
        {"multipart/mixed;charset=x", "no boundary"},
        {"multipart/alternative;boundary=q", "not multipart/mixed"},
        {"application/json;boundary=q", "not multipart/mixed"},
        {"multipart/mixed;boundary=", "1-70"},
        {"multipart/mixed;boundary=\"\"", "1-70"},
        {"multipart/mixed;boundary=\"q \"", "1-70"},
        {"multipart/mixed;boundary=q;boundary=q", "twice"},
        {"multipart/mixed;boundary=\"q", "not closed"},
        {"multipart/mixed;boundary=\"a\\\"b\"", "quoted pair"},
        {"multipart/mixed;boundary=\"a*b\"", "does not allow"},
        {"multipart/mixed;boundary=q x", "malformed"},
        {"multipart/mixed;;boundary=q", "malformed"},
        {"multipart/mixed boundary=q", "not multipart/mixed"},
        /* 71 characters */
        {"multipart/mixed;boundary=01234567890123456789012345678901234567890"
         "123456789012345678901234567890", "1-70"},
    };
    for (size_t i = 0; i < TA_ARRAY_LEN(bad); i++) {
        why = NULL;
        CHECK(!parse(bad[i].mt, "--q\r\n\r\nx\r\n--q--", &n, &why));
        CHECK(why && strstr(why, bad[i].needle));
        if (!why || !strstr(why, bad[i].needle))
            printf("#   %s: %s\n", bad[i].mt, why ? why : "(accepted)");
        CHECK_EQ_INT((int)n, 0);
    }
    /* another parameter's quoted value, or name, holding "boundary=" */
    char b[TA_MP_BOUNDARY_MAX + 1];
    CHECK(ta_mp_boundary("multipart/mixed;x=\";boundary=z\";boundary=q", b,
                         NULL));
    CHECK_STR(b, "q");
    CHECK(ta_mp_boundary("multipart/mixed;xboundary=z;boundary=q", b, NULL));
    CHECK_STR(b, "q");
    CHECK(!ta_mp_boundary("multipart/mixed;xboundary=z", b, &why));
    CHECK(why && strstr(why, "no boundary"));
    /* 70 characters: the longest allowed */
    CHECK(parse("multipart/mixed;boundary=0123456789012345678901234567890123"
                "456789012345678901234567890123456789",
                "--0123456789012345678901234567890123456789012345678901234567"
                "890123456789\r\n\r\nx\r\n--012345678901234567890123456789012"
                "3456789012345678901234567890123456789--", &n, &why));
}

/* Preamble, epilogue, transport padding. */
static void framing(void)
{
    size_t n = 0;
    const char *why = NULL;
    CHECK(parse("multipart/mixed;boundary=q",
                "preamble\r\nmore -q q--\r\n--q \t\r\nContent-Type: a/b\r\n\r\n"
                "body\r\n--q--  \r\nepilogue -- text",
                &n, &why));
    CHECK_EQ_INT((int)n, 1);
    CHECK_STR(parts[0].type, "a/b");
    CHECK(body_is(0, "body"));
    /* the close delimiter at the very end, no CRLF */
    CHECK(parse("multipart/mixed;boundary=q", "--q\r\n\r\nb\r\n--q--", &n,
                &why));
}

static void refusals(void)
{
    static const struct {
        const char *body, *needle;
    } bad[] = {
        {"", "does not occur"},
        {"no delimiter here", "does not occur"},
        {"--q--", "no part"},
        {"--q--\r\n", "no part"},
        {"x--q\r\n\r\nb\r\n--q--", "preamble"},
        {"--q\r\n\r\nb\r\n", "no close delimiter"},
        {"--q\r\n\r\nb\r\n--q\r\n\r\nc", "no close delimiter"},
        /* the delimiter inside a body, not at line start */
        {"--q\r\n\r\nab--q\r\n--q--", "not at line start"},
        {"--q\r\n\r\nb--q--", "not at line start"},
        /* at line start but longer: a delimiter line that is not one */
        {"--q\r\n\r\nb\r\n--qq\r\n--q--", "longer line"},
        {"--qx\r\n\r\nb\r\n--q--", "longer line"},
        /* the delimiter inside the headers */
        {"--q\r\nContent-Type: a/--q\r\n\r\nb\r\n--q--", "headers"},
        {"--q\r\nContent-Type: a/b\r\n--q--", "headers"},
        /* headers that do not end */
        {"--q\r\nContent-Type: a/b\r\n\r\n--q--", "not at line start"},
        {"--q\r\n\r\nb\r\n--q--\r\n--q--", "epilogue"},
        {"--q\r\n\r\nb\r\n--q--x", "does not end in CRLF"},
        {"--q\r\n\r\nb\r\n--q--\n", "does not end in CRLF"},
        {"--q\n\r\nb\r\n--q--", "longer line"},
        {"--q\r\nContent-Type: a/b\r\nContent-type: c/d\r\n\r\nb\r\n--q--",
         "two Content-Type"},
        {"--q\r\nContent-Type:  \r\n\r\nb\r\n--q--", "empty"},
        {"--q\r\nContent-Type: a/b\r\n folded\r\n\r\nb\r\n--q--", "folded"},
        {"--q\r\nNoColon\r\n\r\nb\r\n--q--", "Name: value"},
        {"--q\r\n: novalue\r\n\r\nb\r\n--q--", "Name: value"},
        {"--q\r\nX-A: a\nb\r\n\r\nb\r\n--q--", "printable"},
        {"--q\r\nX-A: \x80\r\n\r\nb\r\n--q--", "printable"},
    };
    for (size_t i = 0; i < TA_ARRAY_LEN(bad); i++) {
        size_t n = 7;
        const char *why = NULL;
        bool ok = parse("multipart/mixed;boundary=q", bad[i].body, &n, &why);
        CHECK(!ok);
        CHECK(why && strstr(why, bad[i].needle));
        if (ok || !why || !strstr(why, bad[i].needle))
            printf("#   case %zu: %s\n", i, why ? why : "(accepted)");
        CHECK_EQ_INT((int)n, 0);
    }
    /* a NUL inside a body is data */
    static const uint8_t nul[] = "--q\r\n\r\na\0b\r\n--q--";
    size_t n = 0;
    CHECK(ta_mp_parse("multipart/mixed;boundary=q", nul, sizeof nul - 1,
                      parts, TA_MP_PARTS_MAX, &n, NULL));
    CHECK_EQ_INT((int)parts[0].body_len, 3);
    /* misuse */
    CHECK(!ta_mp_parse(NULL, nul, 3, parts, 1, &n, NULL));
    CHECK(!ta_mp_parse("multipart/mixed;boundary=q", NULL, 3, parts, 1, &n,
                       NULL));
    CHECK(!ta_mp_parse("multipart/mixed;boundary=q", nul, 3, NULL, 1, &n,
                       NULL));
}

/* Part count and header size limits. */
static void limits(void)
{
    static char body[64 * 40 + 8192];
    size_t off = 0;
    for (size_t i = 0; i < TA_MP_PARTS_MAX + 1; i++)
        off += (size_t)sprintf(body + off, "--q\r\nContent-Type: a/b\r\n\r\n"
                                           "%zu\r\n", i);
    strcpy(body + off, "--q--");
    size_t n = 0;
    const char *why = NULL;
    CHECK(!parse("multipart/mixed;boundary=q", body, &n, &why));
    CHECK(why && strstr(why, "too many parts"));
    /* exactly the maximum: accepted; a smaller cap given: refused */
    char *last = strstr(body, "--q\r\nContent-Type: a/b\r\n\r\n16\r\n");
    CHECK(last != NULL);
    if (last)
        strcpy(last, "--q--");
    CHECK(parse("multipart/mixed;boundary=q", body, &n, &why));
    CHECK_EQ_INT((int)n, (int)TA_MP_PARTS_MAX);
    CHECK(body_is(15, "15"));
    CHECK(!ta_mp_parse("multipart/mixed;boundary=q", (const uint8_t *)body,
                       strlen(body), parts, 2, &n, &why));
    /* a header block of TA_MP_HEADER_MAX bytes, then one more */
    for (size_t extra = 0; extra < 2; extra++) {
        size_t hl = TA_MP_HEADER_MAX + extra;
        off = (size_t)sprintf(body, "--q\r\nX-Pad: ");
        size_t pad = hl - strlen("X-Pad: ") - 2;
        memset(body + off, 'p', pad);
        off += pad;
        strcpy(body + off, "\r\n\r\nb\r\n--q--");
        bool ok = parse("multipart/mixed;boundary=q", body, &n, &why);
        CHECK(ok == (extra == 0));
        if (!ok)
            CHECK(why && strstr(why, "header block is too long"));
    }
}

int main(void)
{
    gateway_shape();
    media_types();
    framing();
    refusals();
    limits();
    return ta_test_done();
}
