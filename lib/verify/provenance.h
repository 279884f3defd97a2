/*
 * Image provenance (docs/provenance.md): the images a verified app_compose
 * names, matched to Sigstore bundles and to the signers the policy names.
 * The pure matching helpers are exposed for the unit tests.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_PROVENANCE_H
#define TA_PROVENANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/core.h"

#define TA_PROV_MAX_IMAGES 32
#define TA_PROV_NAME_MAX 256
#define TA_PROV_MAX_RULES 64

/* One signer rule of teeattest_policy_add_provenance_identity(). */
typedef struct ta_prov_rule {
    char *image;     /* normalised: "sha256:<hex>", "*", a name, a path/ */
    char *identity;
    char *issuer;
    uint32_t flags;  /* TEEATTEST_SIGSTORE_*_REGEXP */
} ta_prov_rule;

typedef enum ta_prov_ref_kind {
    TA_PROV_REF_DIGEST = 0, /* name@sha256:<64 lower-case hex> */
    TA_PROV_REF_TAG,        /* no digest: cannot be tied to a bundle */
    TA_PROV_REF_BAD_DIGEST, /* an '@' that is not a canonical sha256 digest */
} ta_prov_ref_kind;

/* One "image:" value of a compose text. */
typedef struct ta_prov_image {
    int kind;                       /* ta_prov_ref_kind */
    char ref[TA_PROV_NAME_MAX];     /* as written (cut, printable) */
    char name[TA_PROV_NAME_MAX];    /* normalised repository, no tag */
    uint8_t digest[32];
    char digest_hex[65];
} ta_prov_image;

/* Normalise an image repository name as Docker does: "nginx" ->
 * "docker.io/library/nginx", "org/app" -> "docker.io/org/app",
 * "index.docker.io/..." -> "docker.io/...". A trailing "/" (a path rule) is
 * kept. false when it does not fit or holds a character no image name
 * has (space, control, '@'). */
bool ta_prov_normalize(char *out, size_t cap, const char *name, size_t len);

/* Parse one image reference ("ghcr.io/o/a:1.2@sha256:..."). */
void ta_prov_parse_ref(ta_prov_image *img, const char *ref, size_t len);

/* The "image:" values of an app_compose document (its
 * docker_compose_file, or the document's text): at most `max`, in order;
 * *n may exceed max (the rest are not stored). TEEATTEST_E_JSON when the
 * document is not a JSON object. */
int ta_prov_compose_images(const uint8_t *app_compose, size_t len,
                           ta_prov_image *out, size_t max, size_t *n);

/* Specificity of `rule` for the image (0: does not apply; 4 digest,
 * 3 repository, 2 + path length / a path, 1 "*"): larger wins. */
size_t ta_prov_rule_rank(const char *rule, const ta_prov_image *img);

/* The registry base URL ("https://ghcr.io", docker.io ->
 * "https://registry-1.docker.io") and repository path of a normalised
 * name. false when it does not fit. */
bool ta_prov_registry(const char *name, char *base, size_t base_cap,
                      char *repo, size_t repo_cap);

struct teeattest_policy;
struct teeattest_evidence;

/* The provenance.* checks of one entry (report_verify.c), with the
 * entry's prefix already set on r. `compose_ok`: compose.hash passed for
 * this app_compose. Returns TEEATTEST_OK or TEEATTEST_E_NOMEM (err
 * filled); every other problem is a check. */
int ta_provenance_check(teeattest_ctx *ctx, teeattest_result *r,
                        const struct teeattest_policy *pol,
                        struct teeattest_evidence *ev, bool compose_ok,
                        const uint8_t *app_compose, size_t len, int64_t now,
                        teeattest_error *err);

/* Free the policy's provenance rules and trusted root. */
void ta_provenance_policy_free(struct teeattest_policy *pol);

#endif /* TA_PROVENANCE_H */
