/*
 * --github-release OWNER/NAME@TAG=FILE: the GitHub endpoints through which
 * a Tinfoil release is discovered (docs/simulator.md, docs/providers.md
 * "Tinfoil releases"), serving the Sigstore bundle in FILE as the
 * attestation of release TAG of OWNER/NAME:
 *
 *   GET /repos/OWNER/NAME/releases/latest, /releases/tags/TAG
 *       {"tag_name": TAG, ...}
 *   GET /OWNER/NAME/releases/download/TAG/tinfoil.hash
 *       302 to /release-assets/tinfoil.hash (as github.com redirects
 *       to its asset store), which answers the bundle's subject digest
 *   GET /repos/OWNER/NAME/attestations/sha256:DIGEST
 *       {"attestations": [{"bundle": <FILE>, "repository_id": 1}]}
 *
 * The simulator does not play a Tinfoil enclave: the tests serve the real
 * release bundle of tests/data/tinfoil-release and check it against the
 * real Tinfoil capture. The bundle is served as given (real Sigstore
 * signatures; nothing is re-signed). Faults: gh_missing, gh_hash_not_hex,
 * gh_other_digest, gh_other_repo, gh_tag_mismatch, gh_oversized.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "sim.h"

#define ASSET_PATH "/release-assets/tinfoil.hash"
#define OTHER_TAG "v9.9.9"

static struct {
    bool ready;
    char repo[160];
    char tag[130];
    char digest[65];    /* the bundle's subject, lower-case hex */
    json_t *bundle;
} g;

void sim_gh_free(void)
{
    json_decref(g.bundle);
    memset(&g, 0, sizeof g);
}

/* The sha256 of the one subject of the bundle's DSSE statement. */
static bool subject_of(json_t *bundle, char out[65])
{
    const char *p64 = json_string_value(json_object_get(
        json_object_get(bundle, "dsseEnvelope"), "payload"));
    if (!p64)
        return false;
    size_t cap = strlen(p64), n = 0;
    unsigned char *raw = malloc(cap + 1);
    if (!raw || sodium_base642bin(raw, cap, p64, strlen(p64), NULL, &n, NULL,
                                  sodium_base64_VARIANT_ORIGINAL)) {
        free(raw);
        return false;
    }
    json_t *st = json_loadb((const char *)raw, n, 0, NULL);
    free(raw);
    const char *d = json_string_value(json_object_get(
        json_object_get(json_array_get(json_object_get(st, "subject"), 0),
                        "digest"),
        "sha256"));
    bool ok = d && strlen(d) == 64;
    if (ok)
        memcpy(out, d, 65);
    json_decref(st);
    return ok;
}

int sim_gh_init(const char *spec)
{
    const char *at = strchr(spec, '@'), *eq = at ? strchr(at, '=') : NULL;
    if (!at || !eq || at == spec || eq == at + 1 || !eq[1] ||
        (size_t)(at - spec) >= sizeof g.repo ||
        (size_t)(eq - at - 1) >= sizeof g.tag || !strchr(spec, '/')) {
        fprintf(stderr, "teeattest-sim: --github-release wants "
                        "OWNER/NAME@TAG=FILE\n");
        return -1;
    }
    snprintf(g.repo, sizeof g.repo, "%.*s", (int)(at - spec), spec);
    snprintf(g.tag, sizeof g.tag, "%.*s", (int)(eq - at - 1), at + 1);
    json_error_t je;
    g.bundle = json_load_file(eq + 1, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(g.bundle) || !subject_of(g.bundle, g.digest)) {
        fprintf(stderr, "teeattest-sim: --github-release %s: not a Sigstore "
                        "bundle with a DSSE statement naming one sha256 "
                        "subject\n", eq + 1);
        return -1;
    }
    g.ready = true;
    return 0;
}

bool sim_gh_fault(const char *name, unsigned *bits)
{
    static const struct { const char *name; unsigned bit; } f[] = {
        {"gh_missing", SIM_GH_FAULT_MISSING},
        {"gh_hash_not_hex", SIM_GH_FAULT_HASH_NOT_HEX},
        {"gh_other_digest", SIM_GH_FAULT_OTHER_DIGEST},
        {"gh_other_repo", SIM_GH_FAULT_OTHER_REPO},
        {"gh_tag_mismatch", SIM_GH_FAULT_TAG_MISMATCH},
        {"gh_oversized", SIM_GH_FAULT_OVERSIZED},
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (strcmp(name, f[i].name) == 0) {
            *bits |= f[i].bit;
            return true;
        }
    return false;
}

static bool answer(sim_gh_answer *a, int status, char *body)
{
    a->status = status;
    a->body = body;
    a->len = body ? strlen(body) : 0;
    a->ctype = "application/json";
    return true;
}

static bool not_found(sim_gh_answer *a)
{
    return answer(a, 404, strdup("{\"message\":\"Not Found\"}"));
}

/* The digest tinfoil.hash names (gh_other_digest: another one). */
static void served_digest(unsigned faults, char out[65])
{
    memcpy(out, g.digest, 65);
    if (faults & SIM_GH_FAULT_OTHER_DIGEST)
        out[63] = out[63] == '0' ? '1' : '0';
}

/* `rest` after "/repos/" or "/": the repository this answers for, then
 * the remaining path in *tail; false when it is not the release's
 * (gh_other_repo: any repository). */
static bool repo_match(unsigned faults, const char *rest, const char **tail)
{
    const char *s1 = strchr(rest, '/');
    const char *s2 = s1 ? strchr(s1 + 1, '/') : NULL;
    if (!s1 || !s2 || s1 == rest || s2 == s1 + 1)
        return false;
    *tail = s2;
    if (faults & SIM_GH_FAULT_OTHER_REPO)
        return true;
    return (size_t)(s2 - rest) == strlen(g.repo) &&
           strncmp(rest, g.repo, (size_t)(s2 - rest)) == 0;
}

static const char *release_tag(unsigned faults)
{
    return faults & SIM_GH_FAULT_TAG_MISMATCH ? OTHER_TAG : g.tag;
}

bool sim_gh_answer_for(unsigned faults, const char *path, const char *host,
                       bool tls, sim_gh_answer *a)
{
    memset(a, 0, sizeof *a);
    if (!g.ready)
        return false;
    char want[65];
    served_digest(faults, want);
    if (strcmp(path, ASSET_PATH) == 0) {
        char *body = malloc(66);
        if (!body)
            return answer(a, 500, NULL);
        snprintf(body, 66, "%s\n", want);
        if (faults & SIM_GH_FAULT_HASH_NOT_HEX)
            body[10] = 'g';
        answer(a, 200, body);
        a->ctype = "application/octet-stream";
        return true;
    }
    const char *tail = NULL;
    if (strncmp(path, "/repos/", 7) == 0) {
        if (!repo_match(faults, path + 7, &tail))
            return not_found(a);
        const char *tag = release_tag(faults);
        bool latest = strcmp(tail, "/releases/latest") == 0;
        bool tagged = strncmp(tail, "/releases/tags/", 15) == 0 &&
                      strcmp(tail + 15, tag) == 0;
        if (latest || tagged) {
            if (faults & SIM_GH_FAULT_MISSING)
                return not_found(a);
            json_t *j = json_pack("{s:s,s:s,s:s,s:b,s:b,s:[{s:s}]}",
                                  "tag_name", tag, "name", tag, "body",
                                  "simulated release", "draft", 0,
                                  "prerelease", 0, "assets", "name",
                                  "tinfoil.hash");
            char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
            json_decref(j);
            return answer(a, s ? 200 : 500, s);
        }
        static const char att[] = "/attestations/sha256:";
        if (strncmp(tail, att, sizeof att - 1) == 0 &&
            strcmp(tail + sizeof att - 1, want) == 0) {
            json_t *j = json_pack("{s:[{s:O,s:i}]}", "attestations",
                                  "bundle", g.bundle, "repository_id", 1);
            char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
            json_decref(j);
            if (s && (faults & SIM_GH_FAULT_OVERSIZED)) {
                /* valid JSON, past the client's 4 MiB limit */
                size_t n = strlen(s), big = (5u << 20);
                char *t = realloc(s, big + 1);
                if (!t) {
                    free(s);
                    return answer(a, 500, NULL);
                }
                memmove(t + big - n, t, n + 1);
                memset(t, ' ', big - n);
                s = t;
            }
            return answer(a, s ? 200 : 500, s);
        }
        return not_found(a);
    }
    /* /OWNER/NAME/releases/download/TAG/tinfoil.hash */
    if (path[0] != '/' || !repo_match(faults, path + 1, &tail))
        return false;
    static const char dl[] = "/releases/download/";
    size_t tl = strlen(release_tag(faults));
    if (strncmp(tail, dl, sizeof dl - 1) != 0)
        return false;
    const char *t = tail + sizeof dl - 1;
    if (strncmp(t, release_tag(faults), tl) != 0 ||
        strcmp(t + tl, "/tinfoil.hash") != 0)
        return not_found(a);
    answer(a, 302, strdup(""));
    snprintf(a->location, sizeof a->location, "%s://%s%s",
             tls ? "https" : "http", host ? host : "127.0.0.1", ASSET_PATH);
    a->ctype = "text/plain";
    return true;
}
