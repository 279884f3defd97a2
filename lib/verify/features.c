/*
 * teeattest_has_feature: what this build of the library can do. Here, in
 * the top layer, because it asks the layers below (transport, gpu).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "../transport/transport.h"

TEEATTEST_API int teeattest_has_feature(int32_t feature)
{
    switch (feature) {
    case TEEATTEST_FEATURE_ED25519:   /* libsodium: a required dependency */
    case TEEATTEST_FEATURE_SECP256K1: /* libsecp256k1: likewise */
        return 1;
    case TEEATTEST_FEATURE_CURL_TRANSPORT:
        return ta_curl_available() ? 1 : 0;
    case TEEATTEST_FEATURE_RIM_XML:
        /* The same switch that compiles lib/gpu/rim.c with or without
         * libxml2 (meson option libxml2). */
#ifdef TA_HAVE_LIBXML2
        return 1;
#else
        return 0;
#endif
    default:
        return 0;
    }
}
