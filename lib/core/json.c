/*
 * jansson helpers for untrusted input.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>

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
