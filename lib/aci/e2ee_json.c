/*
 * The compact JSON form of E2EE v2 bodies (spec/e2ee-v2.md section 8:
 * the receipt's request hash covers "the compact JSON serialization after
 * encrypted request fields are decrypted and restored"). The reference
 * service (Dstack-TEE/private-ai-gateway b6b5c1b, serde_json with
 * preserve_order) keeps members in document order and writes reals in
 * the shortest form that reads back to the same double, the way the ryu
 * formatter lays it out. The library's one JSON writer (lib/core/jcs.c)
 * writes that form with TA_JCS_DOC_ORDER.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <jansson.h>

#include "e2ee_impl.h"

int ta_e2ee_json_write(ta_buf *b, const json_t *v)
{
    return v ? ta_jcs_append(b, v, TA_JCS_DOC_ORDER, NULL)
             : TEEATTEST_E_INVALID_ARG;
}

int ta_e2ee_json_dump(const teeattest_ctx *ctx, uint8_t **out, size_t *len,
                      const json_t *v)
{
    ta_buf b;
    ta_buf_init(&b, ctx, 0);
    int rc = ta_e2ee_json_write(&b, v);
    if (!rc)
        rc = ta_buf_terminate(&b);
    if (rc) {
        ta_buf_free(&b);
        return rc;
    }
    *out = ta_buf_steal(&b, len);
    return TEEATTEST_OK;
}
