/*
 * E2EE v2 key selection (spec/e2ee-v2.md section 7 and ACI section 3.1,
 * Dstack-TEE/private-ai-gateway b6b5c1b): the service key a request is
 * encrypted to comes from the `e2ee_public_keys` of the workload keyset
 * the caller verified, chosen by `algo`; entries of other algorithms are
 * ignored, a malformed or low-order key of a v2 suite is refused.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "e2ee_impl.h"
#include "../crypto/crypto.h"

int ta_e2ee_keyset_select(const teeattest_ctx *ctx, ta_e2ee_key *key,
                          char **key_id_out, char **pub_out,
                          const struct json_t *keyset, const char *algo,
                          const char *key_id, teeattest_error *err)
{
    json_t *ks = (json_t *)keyset;
    json_t *keys = json_object_get(ks, "e2ee_public_keys");
    if (!json_is_object(ks) || !json_is_array(keys))
        return ta_error(err, TEEATTEST_E_JSON, "e2ee_public_keys",
                        "the keyset has no e2ee_public_keys array");
    int want = algo ? ta_e2ee_suite(algo) : 0;
    if (algo && !want)
        return ta_error(err, TEEATTEST_E_UNSUPPORTED, NULL,
                        "'%s' is not an E2EE v2 suite", algo);
    /* Without an algo: X25519 first (the spec's recommendation). */
    for (int pass = 0; pass < 2; pass++) {
        int suite = want ? want : pass == 0 ? TA_E2EE_X25519
                                            : TA_E2EE_SECP256K1;
        size_t i;
        json_t *e;
        json_array_foreach(keys, i, e) {
            const char *a = json_string_value(json_object_get(e, "algo"));
            json_t *kid = json_object_get(e, "key_id");
            json_t *pub = json_object_get(e, "public_key");
            /* Unknown algorithms are ignored (ACI section 3.1). */
            if (!a || ta_e2ee_suite(a) != suite)
                continue;
            if (key_id && (!json_is_string(kid) ||
                           strcmp(json_string_value(kid), key_id)))
                continue;
            char where[48];
            snprintf(where, sizeof where, "e2ee_public_keys.%zu", i);
            if (!json_is_string(pub))
                return ta_error(err, TEEATTEST_E_JSON, where,
                                "public_key is not a string");
            int rc = ta_e2ee_pub_parse(key, suite,
                                       json_string_value(pub),
                                       json_string_length(pub));
            if (rc)
                return ta_error(err, rc, where,
                                "e2ee_invalid_public_key: the keyset's %s "
                                "key is not a valid public key", a);
            /* A low-order X25519 key makes every shared secret zero:
             * refuse it now rather than at the first field. */
            if (suite == TA_E2EE_X25519) {
                ta_e2ee_key probe;
                uint8_t z[32];
                rc = ta_e2ee_key_generate(ctx, &probe, suite);
                if (!rc)
                    rc = ta_x25519(z, probe.secret, key->pub);
                ta_wipe(&probe, sizeof probe);
                ta_wipe(z, sizeof z);
                if (rc)
                    return ta_error(err, rc, where,
                                    "e2ee_invalid_public_key: a low-order "
                                    "X25519 key (all-zero shared secret)");
            }
            *key_id_out = ta_strdup(ctx, json_is_string(kid)
                                             ? json_string_value(kid) : "");
            *pub_out = ta_strdup(ctx, json_string_value(pub));
            return *key_id_out && *pub_out ? TEEATTEST_OK : TEEATTEST_E_NOMEM;
        }
        if (want)
            break;
    }
    return ta_error(err, TEEATTEST_E_NOT_FOUND, "e2ee_public_keys",
                    "no %s key%s%s in the keyset",
                    want ? ta_e2ee_algo(want) : "E2EE v2",
                    key_id ? " with key_id " : "", key_id ? key_id : "");
}
