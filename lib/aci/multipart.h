/*
 * A strict, bounded reader of a multipart/mixed body (RFC 2046 section
 * 5.1), for ACI/1 session evidence that carries several verifier inputs
 * as one bundle (spec aci.md 8.2; the gateway builds it in
 * scripts/provider_verifier/common.py raw_http_bundle_evidence).
 *
 * No allocation: the parts point into the caller's body, which must stay
 * alive while they are used.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_ACI_MULTIPART_H
#define TA_ACI_MULTIPART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TA_MP_PARTS_MAX 16u         /* parts in one bundle */
#define TA_MP_HEADER_MAX 4096u      /* bytes of one part's header block */
#define TA_MP_TYPE_MAX 256u         /* bytes of a part's Content-Type value */
#define TA_MP_BOUNDARY_MAX 70u      /* RFC 2046 */

typedef struct ta_mp_part {
    const uint8_t *body;            /* into the bundle, not NUL-terminated */
    size_t body_len;
    /* The part's Content-Type value, trimmed; "text/plain" (RFC 2046
     * 5.1: the default) when the part has none. */
    char type[TA_MP_TYPE_MAX + 1];
    bool type_given;
} ta_mp_part;

/* True when `media_type` (a Content-Type value, parameters included) is
 * multipart/mixed, ASCII case-insensitively. */
bool ta_mp_is_mixed(const char *media_type);

/* The boundary parameter of `media_type` (multipart/mixed, the parameter
 * once, a token or quoted string without quoted pair, 1-70 bchars not
 * ending in a space) into b; false with *why a static reason. */
bool ta_mp_boundary(const char *media_type, char b[TA_MP_BOUNDARY_MAX + 1],
                    const char **why);

/*
 * Split `body` (len bytes) of media type `media_type` into at most
 * `max_parts` parts (capped at TA_MP_PARTS_MAX). The boundary is the
 * media type's `boundary` parameter (token or quoted string, no quoted
 * pair, 1-70 characters of RFC 2046's bchars, not ending in a space),
 * given exactly once. Delimiters are CRLF-terminated lines "--boundary"
 * (transport padding of spaces and tabs allowed); the first may open the
 * body; the preamble before it and the epilogue after the close
 * delimiter "--boundary--" are ignored. Refused: a media type that is not
 * multipart/mixed, no or a malformed boundary, "--boundary" anywhere else
 * (inside a part's headers or body, the preamble or the epilogue, at line
 * start or not), no close delimiter, no part, more parts than allowed, a
 * header block over TA_MP_HEADER_MAX bytes, a header line that is not
 * "Name: value" of printable ASCII (folding included), a duplicate or
 * over-long Content-Type. Headers other than Content-Type are ignored.
 * On success *n_parts >= 1; on refusal false, *why a static reason.
 */
bool ta_mp_parse(const char *media_type, const uint8_t *body, size_t len,
                 ta_mp_part *parts, size_t max_parts, size_t *n_parts,
                 const char **why);

#endif /* TA_ACI_MULTIPART_H */
