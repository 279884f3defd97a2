/*
 * The built-in transport in a build without libcurl (-Dcurl=disabled).
 * Every symbol stays; requests that reach the built-in path fail with
 * TEEATTEST_E_UNSUPPORTED, so only a custom transport can talk to the
 * network.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>

#include "transport.h"

bool ta_curl_available(void)
{
    return false;
}

int ta_curl_pool_get(teeattest_ctx *ctx, struct ta_curl_pool **out)
{
    (void)ctx;
    *out = NULL;
    return TEEATTEST_E_UNSUPPORTED;
}

void ta_curl_pool_free(const teeattest_ctx *ctx, struct ta_curl_pool *pool)
{
    (void)ctx;
    (void)pool;
}

int ta_curl_perform(struct ta_curl_pool *pool, teeattest_http_response *resp,
                    const teeattest_http_request *req, char *detail,
                    size_t detail_cap, int32_t *curl_code)
{
    (void)pool;
    (void)resp;
    (void)req;
    if (curl_code)
        *curl_code = 0;
    if (detail && detail_cap)
        snprintf(detail, detail_cap,
                 "this build of libteeattest has no libcurl transport");
    return TEEATTEST_E_UNSUPPORTED;
}
