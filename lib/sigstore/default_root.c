/*
 * The shipped default Sigstore trusted root: data/sigstore/trusted_root.json
 * compiled in (data/embed.py, lib/meson.build), used wherever a trusted
 * root is needed and none was given. Source, commit and date:
 * data/sigstore/README.md. Nothing is fetched.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "sigstore.h"

/* From the generated sigstore_default_root.c. */
extern const uint8_t ta_ss_default_root_json[];
extern const size_t ta_ss_default_root_json_len;

const uint8_t *ta_ss_default_root(size_t *len)
{
    *len = ta_ss_default_root_json_len;
    return ta_ss_default_root_json;
}

int ta_ss_root_load(const teeattest_ctx *ctx, ta_ss_root **out,
                    const uint8_t *doc, size_t len, teeattest_error *err)
{
    bool dflt = doc == NULL;
    if (dflt)
        doc = ta_ss_default_root(&len);
    int rc = ta_ss_root_parse(ctx, out, doc, len, err);
    if (rc == TEEATTEST_OK)
        (*out)->is_default = dflt;
    return rc;
}

const char *ta_ss_root_name(const ta_ss_root *r)
{
    return r && r->is_default ? TA_SS_DEFAULT_ROOT_NAME : "trusted root";
}
