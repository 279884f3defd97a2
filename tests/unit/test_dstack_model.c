/*
 * Served model names in compose texts (lib/dstack/model.c): the real NEAR
 * compose files of tests/data/nearai_model_compose and NanoGPT's captured
 * app_compose, then the spellings that must name nothing (comments,
 * interpolations, shell fragments, unterminated quotes), limits and
 * argument errors.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <jansson.h>

#include "test.h"

#include "core/core.h"
#include "dstack/dstack.h"

static ta_compose_models m;

static const char *data_file(const char *name)
{
    static char path[4096];
    const char *root = getenv("TEEATTEST_SOURCE_ROOT");
    snprintf(path, sizeof path, "%s/tests/data/nearai_model_compose/%s",
             root ? root : ".", name);
    return path;
}

static const char *list_of(const char *text)
{
    static char out[1024];
    out[0] = '\0';
    if (ta_compose_models_scan(&m, (const uint8_t *)text, strlen(text),
                               NULL) != TEEATTEST_OK)
        return "(error)";
    ta_compose_models_list(&m, out, sizeof out);
    return out;
}

static void test_real_files(void)
{
    static const struct {
        const char *file, *names;
    } cases[] = {
        {"qwen35-dsv4-flash.6a284da3.yaml",
         "Qwen/Qwen3.5-122B-A10B, deepseek-ai/DeepSeek-V4-Flash"},
        {"Qwen3.5-122B.8cb87c4f.yaml", "Qwen/Qwen3.5-122B-A10B"},
        {"Qwen3.5-122B.cda28bbd.yaml", "Qwen/Qwen3.5-122B-A10B"},
        /* its MODEL_NAME is "$$MODEL_NAME" / a comment: no model */
        {"cleanup-hf-model.aa2e3db1.yaml", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t len = 0;
        uint8_t *d = ta_test_read_file(data_file(cases[i].file), &len);
        CHECK(d != NULL);
        if (!d)
            continue;
        CHECK_EQ_INT(ta_compose_models_scan(&m, d, len, NULL), TEEATTEST_OK);
        char out[1024];
        ta_compose_models_list(&m, out, sizeof out);
        CHECK_STR(out, cases[i].names);
        free(d);
    }
    CHECK(ta_compose_models_has(&m, "x") == false);

    /* NanoGPT's captured app_compose names two models. */
    json_error_t e;
    json_t *rep = json_load_file(
        ta_test_fixture("providers/nanogpt_dstack_ecdsa/attestation_report.json"),
        0, &e);
    json_t *tcb = json_object_get(json_object_get(rep, "info"), "tcb_info");
    if (json_is_string(tcb))
        tcb = json_loads(json_string_value(tcb), 0, &e);
    else
        json_incref(tcb);
    const char *ac = json_string_value(json_object_get(tcb, "app_compose"));
    CHECK(ac != NULL);
    if (ac) {
        CHECK_EQ_INT(ta_dstack_compose_models(&m, (const uint8_t *)ac,
                                              strlen(ac), NULL),
                     TEEATTEST_OK);
        CHECK(ta_compose_models_has(&m, "google/gemma-3-27b-it"));
        CHECK(ta_compose_models_has(&m, "openai/gpt-oss-20b"));
        /* --model is the weights, not the served name */
        CHECK(!ta_compose_models_has(&m, "RedHatAI/gemma-3-27b-it-FP8-dynamic"));
        CHECK(!ta_compose_models_has(&m, "google/gemma-3-27b-IT"));
        CHECK_EQ_INT(m.n, 2);
    }
    json_decref(tcb);
    json_decref(rep);
}

static void test_spellings(void)
{
    CHECK_STR(list_of("  - MODEL_NAME=a/b\n"), "a/b");
    CHECK_STR(list_of("  - \"MODEL_NAME=a/b\"\n"), "a/b");
    CHECK_STR(list_of("  MODEL_NAME: a/b\n"), "a/b");
    CHECK_STR(list_of("  MODEL_NAME: 'a/b'  # comment\n"), "a/b");
    CHECK_STR(list_of("  - MODEL_NAME=a/b\r\n"), "a/b");
    CHECK_STR(list_of("    --served-model-name x/y --port 1\n"), "x/y");
    CHECK_STR(list_of("command: [\"--served-model-name=x/y\"]\n"), "");
    CHECK_STR(list_of("command: --served-model-name=x/y\n"), "x/y");
    CHECK_STR(list_of("  --served-model-name \"x/y\"\n"), "x/y");
    /* duplicates once, order kept */
    CHECK_STR(list_of("- MODEL_NAME=b\n--served-model-name a\n"
                      "- MODEL_NAME=b\n"), "b, a");

    /* names nothing */
    CHECK_STR(list_of("# - MODEL_NAME=a/b\n"), "");
    CHECK_STR(list_of("  foo # --served-model-name a/b\n"), "");
    CHECK_STR(list_of("  - MODEL_NAME=${MODEL_NAME}\n"), "");
    CHECK_STR(list_of("  - MODEL_NAME=${MODEL:-a/b}\n"), "");
    CHECK_STR(list_of("  echo \"MODEL_NAME=$$MODEL_NAME\"\n"), "");
    CHECK_STR(list_of("  - MODEL_NAME=a b\n"), "");
    CHECK_STR(list_of("  - MODEL_NAME=\n"), "");
    CHECK_STR(list_of("  - \"MODEL_NAME=a/b\n"), "");
    CHECK_STR(list_of("  --served-model-name \"a/b\n"), "");
    CHECK_STR(list_of("  --served-model-name\n"), "");
    CHECK_STR(list_of("  --served-model-namex a\n"), "");
    CHECK_STR(list_of("  - OTHER_MODEL_NAME=a\n"), "");
    CHECK_STR(list_of("  - MODEL_NAMES=a\n"), "");
    CHECK_STR(list_of(""), "");
}

static void test_limits(void)
{
    /* a name of TA_MODEL_NAME_MAX bytes is kept, one more is not */
    char line[TA_MODEL_NAME_MAX + 32];
    memcpy(line, "MODEL_NAME=", 11);
    memset(line + 11, 'a', TA_MODEL_NAME_MAX);
    line[11 + TA_MODEL_NAME_MAX] = '\0';
    CHECK_EQ_INT(strlen(list_of(line)), TA_MODEL_NAME_MAX);
    line[11 + TA_MODEL_NAME_MAX] = 'a';
    line[12 + TA_MODEL_NAME_MAX] = '\0';
    CHECK_STR(list_of(line), "");

    /* more names than are kept: counted, the first ones kept */
    size_t cap = (TA_COMPOSE_MODELS_MAX + 5) * 24;
    char *many = malloc(cap);
    size_t used = 0;
    for (unsigned k = 0; k < TA_COMPOSE_MODELS_MAX + 5; k++)
        used += (size_t)snprintf(many + used, cap - used,
                                 "- MODEL_NAME=m%u\n", k);
    CHECK_EQ_INT(ta_compose_models_scan(&m, (const uint8_t *)many, used, NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(m.n, TA_COMPOSE_MODELS_MAX + 5);
    CHECK(ta_compose_models_has(&m, "m0"));
    CHECK(!ta_compose_models_has(&m, "m68"));
    char out[64];
    ta_compose_models_list(&m, out, sizeof out);
    CHECK(strlen(out) < sizeof out);
    CHECK(strstr(out, ", ...") != NULL);
    free(many);

    /* size limit */
    CHECK_EQ_INT(ta_compose_models_scan(&m, (const uint8_t *)"",
                                        TA_COMPOSE_TEXT_MAX + 1u, NULL),
                 TEEATTEST_E_TOO_LARGE);
    CHECK_EQ_INT(m.n, 0);
    /* arguments */
    CHECK_EQ_INT(ta_compose_models_scan(NULL, (const uint8_t *)"", 0, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(ta_compose_models_scan(&m, NULL, 1, NULL),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(ta_compose_models_scan(&m, NULL, 0, NULL), TEEATTEST_OK);
    /* app_compose shapes */
    static const char *const bad[] = {"[]", "{\"docker_compose_file\":1}",
                                      "not json"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CHECK(ta_dstack_compose_models(&m, (const uint8_t *)bad[i],
                                       strlen(bad[i]), NULL) != TEEATTEST_OK);
    const char *none = "{\"name\":\"x\"}";
    CHECK_EQ_INT(ta_dstack_compose_models(&m, (const uint8_t *)none,
                                          strlen(none), NULL),
                 TEEATTEST_OK);
    CHECK_EQ_INT(m.n, 0);
    ta_compose_models_list(&m, out, 0); /* no room: nothing written */
}

int main(void)
{
    test_real_files();
    test_spellings();
    test_limits();
    return ta_test_done();
}
