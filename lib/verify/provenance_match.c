/*
 * Image provenance: image references of an app_compose, signer rules of
 * the policy and their matching (docs/provenance.md), and the policy
 * setters (include/teeattest/policy.h).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <jansson.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>

#include "../sigstore/sigstore.h"
#include "teeattest/sigstore.h"
#include "provenance.h"
#include "verify.h"

#define APP_COMPOSE_MAX (1u << 20)

static bool name_char(char c)
{
    return (unsigned char)c > 0x20 && (unsigned char)c < 0x7F && c != '@' &&
           c != '"' && c != '\'' && c != '\\';
}

bool ta_prov_normalize(char *out, size_t cap, const char *name, size_t len)
{
    if (!len)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!name_char(name[i]))
            return false;
    const char *slash = memchr(name, '/', len);
    const char *reg = "docker.io/", *lib = "";
    size_t skip = 0;
    if (slash) {
        size_t fl = (size_t)(slash - name);
        bool host = memchr(name, '.', fl) || memchr(name, ':', fl) ||
                    (fl == 9 && !memcmp(name, "localhost", 9));
        if (host) {
            reg = "";
            if (fl == 15 && !memcmp(name, "index.docker.io", 15)) {
                reg = "docker.io/";
                skip = 16;
            }
            if (fl == 9 && !memcmp(name, "docker.io", 9)) {
                reg = "docker.io/";
                skip = 10;
            }
        }
    }
    if (!strcmp(reg, "docker.io/") && !memchr(name + skip, '/', len - skip))
        lib = "library/";
    int n = snprintf(out, cap, "%s%s%.*s", reg, lib, (int)(len - skip),
                     name + skip);
    return n > 0 && (size_t)n < cap;
}

static bool lower_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

void ta_prov_parse_ref(ta_prov_image *img, const char *ref, size_t len)
{
    memset(img, 0, sizeof *img);
    size_t k = len < sizeof img->ref - 1 ? len : sizeof img->ref - 1;
    for (size_t i = 0; i < k; i++)
        img->ref[i] = name_char(ref[i]) || ref[i] == '@' ? ref[i] : '?';
    const char *at = memchr(ref, '@', len);
    size_t nl = at ? (size_t)(at - ref) : len;
    /* drop a tag: a ':' after the last '/' */
    for (size_t i = nl; i > 0; i--) {
        if (ref[i - 1] == '/')
            break;
        if (ref[i - 1] == ':') {
            nl = i - 1;
            break;
        }
    }
    if (!ta_prov_normalize(img->name, sizeof img->name, ref, nl))
        img->name[0] = 0;
    if (!at) {
        img->kind = TA_PROV_REF_TAG;
        return;
    }
    const char *d = at + 1;
    size_t dl = len - (size_t)(d - ref);
    if (!img->name[0] || dl != 71 || memcmp(d, "sha256:", 7) ||
        !lower_hex(d + 7, 64) ||
        ta_hex_decode_exact(img->digest, 32, d + 7, 64, NULL)) {
        img->kind = TA_PROV_REF_BAD_DIGEST;
        return;
    }
    memcpy(img->digest_hex, d + 7, 64);
    img->digest_hex[64] = 0;
    img->kind = TA_PROV_REF_DIGEST;
}

/* The value of an "image:" line s[start, end), or false. */
static bool image_value(const char *s, size_t start, size_t end,
                        size_t *vs, size_t *ve)
{
    size_t i = start;
    while (i < end && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i + 1 < end && s[i] == '-' && s[i + 1] == ' ')
        i += 2;
    while (i < end && s[i] == ' ')
        i++;
    bool quoted = i < end && (s[i] == '"' || s[i] == '\'');
    size_t key = quoted ? 7 : 6;
    if (end - i < key || memcmp(s + i + quoted, "image", 5) ||
        (quoted && s[i + 6] != s[i]) || s[i + key - 1] != ':')
        return false;
    i += key;
    while (i < end && (s[i] == ' ' || s[i] == '\t'))
        i++;
    size_t e = end;
    for (size_t k = i; k < end; k++)
        if (s[k] == '#' && k > i && (s[k - 1] == ' ' || s[k - 1] == '\t')) {
            e = k;
            break;
        }
    while (e > i && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' ||
                     s[e - 1] == ','))
        e--;
    if (e - i >= 2 && (s[i] == '"' || s[i] == '\'') && s[e - 1] == s[i]) {
        i++;
        e--;
    }
    *vs = i;
    *ve = e;
    return e > i;
}

int ta_prov_compose_images(const uint8_t *app_compose, size_t len,
                           ta_prov_image *out, size_t max, size_t *n)
{
    *n = 0;
    json_t *doc = NULL;
    teeattest_error e = TEEATTEST_ERROR_INIT;
    if (ta_json_parse(&doc, app_compose ? app_compose : (const uint8_t *)"",
                      len, APP_COMPOSE_MAX, &e))
        return TEEATTEST_E_JSON;
    if (!json_is_object(doc)) {
        json_decref(doc);
        return TEEATTEST_E_JSON;
    }
    const json_t *dcf = json_object_get(doc, "docker_compose_file");
    const char *s = dcf ? json_string_value(dcf) : (const char *)app_compose;
    size_t sl = dcf ? json_string_length(dcf) : len;
    if (dcf && !s) {
        json_decref(doc);
        return TEEATTEST_E_JSON;
    }
    size_t ls = 0;
    for (size_t i = 0; i <= sl; i++) {
        if (i < sl && s[i] != '\n')
            continue;
        size_t vs, ve;
        if (image_value(s, ls, i, &vs, &ve)) {
            if (*n < max)
                ta_prov_parse_ref(&out[*n], s + vs, ve - vs);
            (*n)++;
        }
        ls = i + 1;
    }
    json_decref(doc);
    return TEEATTEST_OK;
}

size_t ta_prov_rule_rank(const char *rule, const ta_prov_image *img)
{
    if (!strcmp(rule, "*"))
        return 1;
    if (!strncmp(rule, "sha256:", 7))
        return img->kind == TA_PROV_REF_DIGEST &&
                       !strcmp(rule + 7, img->digest_hex)
                   ? (size_t)1 << 20
                   : 0;
    if (!img->name[0])
        return 0;
    size_t rl = strlen(rule);
    if (rl && rule[rl - 1] == '/')
        return !strncmp(img->name, rule, rl) ? 2 + rl : 0;
    return !strcmp(img->name, rule) ? (size_t)1 << 19 : 0;
}

bool ta_prov_registry(const char *name, char *base, size_t base_cap,
                      char *repo, size_t repo_cap)
{
    const char *slash = strchr(name, '/');
    if (!slash)
        return false;
    int a = !strncmp(name, "docker.io/", 10)
                ? snprintf(base, base_cap, "https://registry-1.docker.io")
                : snprintf(base, base_cap, "https://%.*s",
                           (int)(slash - name), name);
    int b = snprintf(repo, repo_cap, "%s", slash + 1);
    return a > 0 && (size_t)a < base_cap && b > 0 && (size_t)b < repo_cap;
}


/* ---- policy setters ---------------------------------------------------- */

void ta_provenance_policy_free(struct teeattest_policy *pol)
{
    for (size_t i = 0; i < pol->n_prov_rules; i++) {
        ta_free(pol->ctx, pol->prov_rules[i].image);
        ta_free(pol->ctx, pol->prov_rules[i].identity);
        ta_free(pol->ctx, pol->prov_rules[i].issuer);
    }
    ta_free(pol->ctx, pol->prov_rules);
    pol->prov_rules = NULL;
    pol->n_prov_rules = 0;
    ta_free(pol->ctx, pol->sigstore_root);
    pol->sigstore_root = NULL;
    pol->sigstore_root_len = 0;
}

TEEATTEST_API int teeattest_policy_set_require_provenance(
    teeattest_policy *policy, int required, teeattest_error *err)
{
    if (!policy)
        return TA_INVALID(err, "policy is NULL");
    policy->require_provenance = required != 0;
    return TEEATTEST_OK;
}

static bool regex_ok(const char *re)
{
    regex_t r;
    if (regcomp(&r, re, REG_EXTENDED | REG_NOSUB))
        return false;
    regfree(&r);
    return true;
}

TEEATTEST_API int teeattest_policy_add_provenance_identity(
    teeattest_policy *policy, const char *image, const char *identity,
    const char *issuer, uint32_t flags, teeattest_error *err)
{
    if (!policy || !image || !identity || !issuer || !*identity || !*issuer)
        return TA_INVALID(err, "policy, image, identity and issuer");
    if (flags & ~(uint32_t)(TEEATTEST_SIGSTORE_IDENTITY_REGEXP |
                            TEEATTEST_SIGSTORE_ISSUER_REGEXP))
        return TA_INVALID(err, "flags");
    if (((flags & TEEATTEST_SIGSTORE_IDENTITY_REGEXP) && !regex_ok(identity)) ||
        ((flags & TEEATTEST_SIGSTORE_ISSUER_REGEXP) && !regex_ok(issuer)))
        return TA_INVALID(err, "a regular expression that compiles");
    if (policy->n_prov_rules == TA_PROV_MAX_RULES)
        return TA_INVALID(err, "at most 64 provenance identities");
    char norm[TA_PROV_NAME_MAX];
    size_t il = strlen(image);
    if (!strcmp(image, "*")) {
        strcpy(norm, "*");
    } else if (!strncmp(image, "sha256:", 7)) {
        if (il != 71 || !lower_hex(image + 7, 64))
            return TA_INVALID(err, "sha256: and 64 lower-case hex digits");
        memcpy(norm, image, 72);
    } else if (!ta_prov_normalize(norm, sizeof norm, image, il) ||
               strchr(image, '@')) {
        return TA_INVALID(err, "an image repository or path");
    }
    ta_prov_rule *rules = ta_realloc(policy->ctx, policy->prov_rules,
                                     (policy->n_prov_rules + 1) *
                                         sizeof *rules);
    if (!rules)
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "out of memory");
    policy->prov_rules = rules;
    ta_prov_rule *r = &rules[policy->n_prov_rules];
    r->image = ta_strdup(policy->ctx, norm);
    r->identity = ta_strdup(policy->ctx, identity);
    r->issuer = ta_strdup(policy->ctx, issuer);
    r->flags = flags;
    if (!r->image || !r->identity || !r->issuer) {
        ta_free(policy->ctx, r->image);
        ta_free(policy->ctx, r->identity);
        ta_free(policy->ctx, r->issuer);
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "out of memory");
    }
    policy->n_prov_rules++;
    return TEEATTEST_OK;
}

TEEATTEST_API int teeattest_policy_set_sigstore_trusted_root(
    teeattest_policy *policy, const uint8_t *trusted_root, size_t len,
    teeattest_error *err)
{
    if (!policy || (!trusted_root && len))
        return TA_INVALID(err, "policy and trusted_root");
    uint8_t *copy = NULL;
    if (trusted_root) {
        if (!len)
            return TA_INVALID(err, "an empty trusted root");
        /* the size the trusted root parser takes (TA_SS_MAX_DOC) */
        if (len > TA_SS_MAX_DOC)
            return ta_error(err, TEEATTEST_E_TOO_LARGE, "trusted_root",
                            "a trusted root of %zu bytes is over the limit "
                            "of %u bytes", len, TA_SS_MAX_DOC);
        if (!(copy = ta_malloc(policy->ctx, len)))
            return ta_error(err, TEEATTEST_E_NOMEM, NULL, "out of memory");
        memcpy(copy, trusted_root, len);
    }
    ta_free(policy->ctx, policy->sigstore_root);
    policy->sigstore_root = copy;
    policy->sigstore_root_len = copy ? len : 0;
    return TEEATTEST_OK;
}
