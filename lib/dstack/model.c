/*
 * The models a docker compose text serves (ta_compose_models, dstack.h):
 * a line scanner, not a YAML parser. It reads only the two spellings the
 * real compose files use to name the served model (docs/providers.md,
 * "Model binding"):
 *
 *   - an environment entry MODEL_NAME=<name> ("- MODEL_NAME=..." list form,
 *     optionally quoted) or MODEL_NAME: <name> (mapping form), the name
 *     NEAR's and Phala's model proxies sign with;
 *   - a "--served-model-name <name>" (or "=<name>") argument anywhere in a
 *     line, the name vLLM and SGLang answer to.
 *
 * Comment lines and the text after " #" are ignored; a value with "$",
 * braces, quotes or spaces in it (an interpolation such as
 * ${MODEL_NAME}, a shell fragment) names nothing. Bounded: at most
 * TA_COMPOSE_TEXT_MAX bytes, TA_COMPOSE_MODELS_MAX distinct names of at
 * most TA_MODEL_NAME_MAX bytes.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>

#include <jansson.h>

#include "dstack.h"

#define ENV_KEY "MODEL_NAME"
#define ARG_KEY "--served-model-name"

static bool name_char(unsigned char c)
{
    return c > 0x20 && c < 0x7f && c != '$' && c != '{' && c != '}' &&
           c != '"' && c != '\'' && c != '\\' && c != ',' && c != '#' &&
           c != '`';
}

/* Record s[0, n) if it is a name and not seen yet. */
static void add_name(ta_compose_models *m, const char *s, size_t n)
{
    if (n == 0 || n > TA_MODEL_NAME_MAX)
        return;
    for (size_t k = 0; k < n; k++)
        if (!name_char((unsigned char)s[k]))
            return;
    size_t stored = m->n < TA_COMPOSE_MODELS_MAX ? m->n : TA_COMPOSE_MODELS_MAX;
    for (size_t k = 0; k < stored; k++)
        if (strlen(m->name[k]) == n && memcmp(m->name[k], s, n) == 0)
            return;
    if (m->n < TA_COMPOSE_MODELS_MAX) {
        memcpy(m->name[m->n], s, n);
        m->name[m->n][n] = '\0';
    }
    m->n++;
}

/* The value at s[i, end): optional quote, then the token up to a space,
 * the matching quote or the end. A token ended by anything else (a "$"
 * inside it, say) is passed whole so that add_name() rejects it. */
static void take_value(ta_compose_models *m, const char *s, size_t i,
                       size_t end)
{
    while (i < end && (s[i] == ' ' || s[i] == '\t'))
        i++;
    char q = 0;
    if (i < end && (s[i] == '"' || s[i] == '\'')) {
        q = s[i];
        i++;
    }
    size_t j = i;
    while (j < end && s[j] != ' ' && s[j] != '\t' && s[j] != '\r' &&
           (!q || s[j] != q))
        j++;
    if (q && (j == end || s[j] != q))
        return; /* unterminated quote */
    add_name(m, s + i, j - i);
}

static void scan_line(ta_compose_models *m, const char *s, size_t start,
                      size_t end)
{
    size_t i = start;
    while (i < end && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i < end && s[i] == '#')
        return;
    /* Ignore a trailing comment (" #" outside the value). */
    for (size_t k = i; k + 1 < end; k++) {
        if ((s[k] == ' ' || s[k] == '\t') && s[k + 1] == '#') {
            end = k;
            break;
        }
    }
    size_t j = i;
    if (j + 1 < end && s[j] == '-' && s[j + 1] == ' ') {
        j += 2;
        while (j < end && s[j] == ' ')
            j++;
    }
    char q = 0;
    if (j < end && (s[j] == '"' || s[j] == '\''))
        q = s[j++];
    size_t kl = sizeof ENV_KEY - 1;
    if (end - j > kl && memcmp(s + j, ENV_KEY, kl) == 0 &&
        (s[j + kl] == '=' || (s[j + kl] == ':' && !q))) {
        size_t v = j + kl + 1;
        if (s[j + kl] == '=' && q) {
            /* "MODEL_NAME=value": the whole entry is quoted. */
            size_t e = v;
            while (e < end && s[e] != q)
                e++;
            if (e < end)
                add_name(m, s + v, e - v);
        } else if (s[j + kl] == '=') {
            size_t e = end;
            while (e > v && (s[e - 1] == ' ' || s[e - 1] == '\r'))
                e--;
            add_name(m, s + v, e - v);
        } else {
            take_value(m, s, v, end);
        }
        return;
    }
    size_t al = sizeof ARG_KEY - 1;
    for (size_t k = i; k + al <= end; k++) {
        if (memcmp(s + k, ARG_KEY, al) != 0)
            continue;
        size_t v = k + al;
        if (v < end && s[v] == '=')
            take_value(m, s, v + 1, end);
        else if (v < end && (s[v] == ' ' || s[v] == '\t'))
            take_value(m, s, v, end);
        k = v - 1;
    }
}

int ta_compose_models_scan(ta_compose_models *m, const uint8_t *text,
                           size_t len, teeattest_error *err)
{
    if (!m || (!text && len))
        return TA_INVALID(err, !m ? "m is NULL" : "text is NULL");
    memset(m, 0, sizeof *m);
    if (len > TA_COMPOSE_TEXT_MAX)
        return ta_error(err, TEEATTEST_E_TOO_LARGE, "compose",
                        "compose file of %zu bytes exceeds the %u-byte limit",
                        len, TA_COMPOSE_TEXT_MAX);
    const char *s = (const char *)text;
    size_t line = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == '\n') {
            scan_line(m, s, line, i);
            line = i + 1;
        }
    }
    return TEEATTEST_OK;
}

int ta_dstack_compose_models(ta_compose_models *m, const uint8_t *app_compose,
                             size_t len, teeattest_error *err)
{
    if (!m || (!app_compose && len))
        return TA_INVALID(err, !m ? "m is NULL" : "app_compose is NULL");
    memset(m, 0, sizeof *m);
    json_t *doc = NULL;
    int rc = ta_json_parse(&doc, app_compose ? app_compose : (const uint8_t *)"",
                           len, TA_COMPOSE_TEXT_MAX, err);
    if (rc)
        return rc;
    const json_t *dcf = json_object_get(doc, "docker_compose_file");
    if (!json_is_object(doc) || (dcf && !json_is_string(dcf))) {
        json_decref(doc);
        return ta_error(err, TEEATTEST_E_JSON, "app_compose",
                        "app_compose is not a JSON object with a string "
                        "docker_compose_file");
    }
    if (dcf)
        rc = ta_compose_models_scan(m, (const uint8_t *)json_string_value(dcf),
                                    json_string_length(dcf), err);
    json_decref(doc);
    return rc;
}

bool ta_compose_models_has(const ta_compose_models *m, const char *name)
{
    size_t stored = m->n < TA_COMPOSE_MODELS_MAX ? m->n : TA_COMPOSE_MODELS_MAX;
    for (size_t k = 0; k < stored; k++)
        if (strcmp(m->name[k], name) == 0)
            return true;
    return false;
}

void ta_compose_models_list(const ta_compose_models *m, char *out, size_t cap)
{
    if (!cap)
        return;
    out[0] = '\0';
    size_t stored = m->n < TA_COMPOSE_MODELS_MAX ? m->n : TA_COMPOSE_MODELS_MAX;
    size_t used = 0;
    for (size_t k = 0; k < stored; k++) {
        size_t n = strlen(m->name[k]);
        /* ", " + name + ", ..." + NUL must still fit. */
        if (used + n + 8 > cap) {
            if (used + 6 <= cap)
                memcpy(out + used, ", ...", 6);
            return;
        }
        if (k) {
            memcpy(out + used, ", ", 2);
            used += 2;
        }
        memcpy(out + used, m->name[k], n + 1);
        used += n;
    }
}
