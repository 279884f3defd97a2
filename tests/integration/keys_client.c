/*
 * Test client for tests/integration/test_api_keys.py: for every dialect,
 * a provider made through the public API with the built-in transport,
 * pointed at the simulator, sends three chats: without a key, with a key
 * set for BASE_URL, and after the base URL moved to OTHER_URL (another
 * origin of the same simulator). The test sets every key variable in the
 * environment and reads which requests carried an Authorization header
 * from the simulator's log. Only the public API.
 *
 * Usage: keys-client BASE_URL OTHER_URL    (three chats per dialect)
 *        keys-client --variables           (the variables, one a line)
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <string.h>

#include "teeattest/teeattest.h"

static const char body[] = "{\"model\":\"sim/test-model\",\"messages\":"
                           "[{\"role\":\"user\",\"content\":\"hi\"}]}";

static int chat(teeattest_provider *p, const char *d, const char *what)
{
    teeattest_error e = TEEATTEST_ERROR_INIT;
    teeattest_exchange *x = NULL;
    int rc = teeattest_chat(p, &x, (const uint8_t *)body, strlen(body), 0,
                            NULL, NULL, &e);
    printf("%s %s rc=%d status=%d\n", d, what, rc,
           x ? (int)teeattest_exchange_status(x) : 0);
    teeattest_exchange_free(x);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--variables") == 0) {
        for (size_t i = 0; teeattest_dialect_name(i); i++)
            puts(teeattest_dialect_api_key_env(teeattest_dialect_name(i)));
        return 0;
    }
    if (argc != 3) {
        fprintf(stderr, "usage: keys-client BASE_URL OTHER_URL\n");
        return 2;
    }
    teeattest_ctx *ctx = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    if (teeattest_ctx_new(&ctx, NULL, &e) != TEEATTEST_OK) {
        fprintf(stderr, "context: %s\n", e.message);
        return 2;
    }
    int failed = 0;
    for (size_t i = 0; teeattest_dialect_name(i); i++) {
        const char *d = teeattest_dialect_name(i);
        teeattest_provider *p = NULL;
        if (teeattest_provider_new(ctx, &p, d, &e) ||
            teeattest_provider_set_base_url(p, argv[1], &e) ||
            teeattest_provider_set_model(p, "sim/test-model", &e)) {
            fprintf(stderr, "%s: %s\n", d, e.message);
            failed = 1;
            teeattest_provider_free(p);
            continue;
        }
        failed |= chat(p, d, "no-key") != TEEATTEST_OK;
        failed |= teeattest_provider_set_api_key(p, "sk-for-base", &e) !=
                  TEEATTEST_OK;
        failed |= chat(p, d, "key") != TEEATTEST_OK;
        failed |= teeattest_provider_set_base_url(p, argv[2], &e) !=
                  TEEATTEST_OK;
        failed |= chat(p, d, "moved") != TEEATTEST_OK;
        teeattest_provider_free(p);
    }
    teeattest_ctx_free(ctx);
    return failed;
}
