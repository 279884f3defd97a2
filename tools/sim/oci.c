/*
 * --oci: an OCI registry for the simulated app's images (docs/simulator.md,
 * docs/provenance.md). The app_compose then names two images,
 * registry.sim.test/teeattest-sim/web and .../model, pinned by digest, and
 * the registry serves for each a Sigstore bundle (v0.1, DSSE envelope with
 * an in-toto statement whose subject is the image digest) through the
 * referrers API and the cosign `sha256-<hex>.att` tag.
 *
 * Everything is signed under a TEST trust root the simulator derives from
 * its seed: a Fulcio-like CA ("teeattest-sim TEST Fulcio") issuing the
 * signing certificate of a GitHub-Actions-like identity, and a Rekor-like
 * log key signing the entries' signed entry timestamps. The trusted root
 * (GET /_sim/sigstore/trusted_root.json, or --sigstore-root-out FILE)
 * anchors nothing but these test bundles.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ecp.h>
#include <mbedtls/pem.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>
#include <sodium.h>

#include "sim.h"

#define REPO_PREFIX "teeattest-sim/"
#define BUNDLE_TYPE "application/vnd.dev.sigstore.bundle+json;version=0.1"
#define MANIFEST_TYPE "application/vnd.oci.image.manifest.v1+json"
#define INDEX_TYPE "application/vnd.oci.image.index.v1+json"

static const char *const IMAGE_NAMES[SIM_OCI_IMAGES] = {"web", "model"};

/* A bundle as served: its bytes and the manifest that holds it. */
typedef struct served {
    char *bundle;
    size_t bundle_len;
    char bundle_digest[72];  /* sha256:<hex> */
    char *manifest;
    size_t manifest_len;
    char manifest_digest[72];
} served;

enum { B_GOOD0, B_GOOD1, B_OTHER_DIGEST, B_OTHER_ID, B_COUNT };

static struct {
    bool ready;
    char digest_hex[SIM_OCI_IMAGES][65];
    char *trusted_root;
    served b[B_COUNT];
    char *index[B_COUNT];    /* referrers index naming b[k]'s manifest */
} g;

static const char EMPTY_DIGEST[] =
    "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";

static int rng(void *ctx, unsigned char *out, size_t n)
{
    (void)ctx;
    randombytes_buf(out, n);
    return 0;
}

static int derive(mbedtls_pk_context *pk, unsigned long long seed,
                  const char *name)
{
    mbedtls_pk_init(pk);
    return sim_p256_derive(pk, seed, "sigstore", name);
}

static char *b64(const void *p, size_t n)
{
    size_t cap = sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL);
    char *out = malloc(cap);
    if (out)
        sodium_bin2base64(out, cap, p, n, sodium_base64_VARIANT_ORIGINAL);
    return out;
}

/* ECDSA P-256 over SHA-256(msg), DER signature. */
static int sign_der(mbedtls_pk_context *k, const void *msg, size_t len,
                    uint8_t *sig, size_t *sig_len)
{
    uint8_t h[32];
    sim_sha256(h, msg, len);
    return mbedtls_pk_sign(k, MBEDTLS_MD_SHA256, h, 32, sig, sig_len, rng,
                           NULL) ? -1 : 0;
}

static int spki_der(mbedtls_pk_context *k, uint8_t **out, size_t *len)
{
    unsigned char buf[256];
    int n = mbedtls_pk_write_pubkey_der(k, buf, sizeof buf);
    if (n <= 0 || !(*out = malloc((size_t)n)))
        return -1;
    memcpy(*out, buf + sizeof buf - n, (size_t)n);
    *len = (size_t)n;
    return 0;
}

/* DER of a short TLV (content under 128 bytes... or up to 65535). */
static size_t tlv(uint8_t *out, uint8_t tag, const void *p, size_t n)
{
    size_t h = 0;
    out[h++] = tag;
    if (n < 128) {
        out[h++] = (uint8_t)n;
    } else if (n < 256) {
        out[h++] = 0x81;
        out[h++] = (uint8_t)n;
    } else {
        out[h++] = 0x82;
        out[h++] = (uint8_t)(n >> 8);
        out[h++] = (uint8_t)n;
    }
    memcpy(out + h, p, n);
    return h + n;
}

/* Fulcio's OID arc 1.3.6.1.4.1.57264.1.<arc>. */
static int fulcio_ext(mbedtls_x509write_cert *w, uint8_t arc, const char *v)
{
    const uint8_t oid[] = {0x2B, 0x06, 0x01, 0x04, 0x01, 0x83,
                           0xBF, 0x30, 0x01, arc};
    uint8_t buf[600];
    size_t n = tlv(buf, 0x0C, v, strlen(v));
    return mbedtls_x509write_crt_set_extension(w, (const char *)oid,
                                               sizeof oid, 0, buf, n);
}

typedef struct cert {
    uint8_t *der;
    size_t len;
} cert;

/* A certificate: the CA (self-signed) when `identity` is NULL, else a
 * Fulcio-like leaf for `identity`. */
static int make_cert(cert *c, mbedtls_pk_context *subj,
                     mbedtls_pk_context *iss, const char *identity,
                     unsigned long long seed, const char *repo_owner)
{
    static const char CA_NAME[] =
        "O=teeattest-sim TEST,CN=teeattest-sim TEST Fulcio (not Sigstore)";
    mbedtls_x509write_cert w;
    mbedtls_mpi serial;
    mbedtls_x509write_crt_init(&w);
    mbedtls_mpi_init(&serial);
    uint8_t sb[16];
    char label[96];
    snprintf(label, sizeof label, "sigstore-serial/%s",
             identity ? identity : "ca");
    uint8_t d[32];
    sim_sha256(d, label, strlen(label));
    memcpy(sb, d, 16);
    sb[0] = (uint8_t)((sb[0] & 0x7f) | 0x01);
    int rc = -1;
    unsigned char *buf = malloc(8192);
    if (!buf)
        goto out;
    mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
    mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
    mbedtls_x509write_crt_set_subject_key(&w, subj);
    mbedtls_x509write_crt_set_issuer_key(&w, iss);
    if (mbedtls_mpi_read_binary(&serial, sb, sizeof sb) ||
        mbedtls_x509write_crt_set_serial(&w, &serial) ||
        mbedtls_x509write_crt_set_validity(&w, "20200101000000",
                                           "20491231235959") ||
        mbedtls_x509write_crt_set_subject_name(
            &w, identity ? "O=teeattest-sim TEST signer" : CA_NAME) ||
        mbedtls_x509write_crt_set_issuer_name(&w, CA_NAME) ||
        mbedtls_x509write_crt_set_basic_constraints(&w, !identity,
                                                    identity ? -1 : 1) ||
        mbedtls_x509write_crt_set_key_usage(
            &w, identity ? MBEDTLS_X509_KU_DIGITAL_SIGNATURE
                         : MBEDTLS_X509_KU_KEY_CERT_SIGN) ||
        mbedtls_x509write_crt_set_subject_key_identifier(&w) ||
        mbedtls_x509write_crt_set_authority_key_identifier(&w))
        goto out;
    if (identity) {
        static const uint8_t OID_SAN[] = {0x55, 0x1D, 0x11};
        static const uint8_t OID_EKU[] = {0x55, 0x1D, 0x25};
        static const uint8_t EKU[] = {0x30, 0x0A, 0x06, 0x08, 0x2B, 0x06, 0x01,
                                      0x05, 0x05, 0x07, 0x03, 0x03};
        uint8_t gn[400], san[420];
        size_t gl = tlv(gn, 0x86, identity, strlen(identity));
        size_t sl = tlv(san, 0x30, gn, gl);
        char repo[128], commit[41], ref[] = "refs/heads/main";
        snprintf(repo, sizeof repo, "https://github.com/%s/app", repo_owner);
        sim_label_hex(commit, 20, seed, "sigstore-source-commit");
        if (mbedtls_x509write_crt_set_extension(&w, (const char *)OID_SAN,
                                                sizeof OID_SAN, 0, san, sl) ||
            mbedtls_x509write_crt_set_extension(&w, (const char *)OID_EKU,
                                                sizeof OID_EKU, 0, EKU,
                                                sizeof EKU) ||
            fulcio_ext(&w, 8, SIM_OCI_ISSUER) || fulcio_ext(&w, 9, identity) ||
            fulcio_ext(&w, 12, repo) || fulcio_ext(&w, 13, commit) ||
            fulcio_ext(&w, 14, ref))
            goto out;
    }
    int n = mbedtls_x509write_crt_der(&w, buf, 8192, rng, NULL);
    if (n <= 0 || !(c->der = malloc((size_t)n)))
        goto out;
    c->len = (size_t)n;
    memcpy(c->der, buf + 8192 - n, c->len);
    rc = 0;
out:
    free(buf);
    mbedtls_mpi_free(&serial);
    mbedtls_x509write_crt_free(&w);
    return rc;
}

static void digest_of(char out[72], const void *p, size_t n)
{
    char hex[65];
    sim_sha256_hex(hex, p, n);
    snprintf(out, 72, "sha256:%s", hex);
}

/* One signed bundle for an in-toto statement naming `subject_hex`. */
static int make_bundle(served *sv, const char *image, const char *subject_hex,
                       mbedtls_pk_context *leaf_key, const cert *leaf,
                       mbedtls_pk_context *log_key, const uint8_t log_id[32],
                       int64_t t, long long index)
{
    int rc = -1;
    char *stmt = NULL, *pae = NULL, *body = NULL;
    char *p64 = NULL, *s64 = NULL, *c64 = NULL, *body64 = NULL, *set64 = NULL;
    char *lid64 = NULL, *cpem = NULL;
    sbuf b;
    sb_init(&b);
    sb_printf(&b, "{\"_type\":\"https://in-toto.io/Statement/v1\","
                  "\"subject\":[{\"name\":\"registry.sim.test/" REPO_PREFIX
                  "%s\",\"digest\":{\"sha256\":\"%s\"}}],"
                  "\"predicateType\":\"https://slsa.dev/provenance/v1\","
                  "\"predicate\":{\"buildDefinition\":{\"buildType\":"
                  "\"https://teeattest.invalid/sim/TEST-ONLY\","
                  "\"externalParameters\":{}},\"runDetails\":{\"builder\":"
                  "{\"id\":\"teeattest-sim TEST builder\"}}}}",
              image, subject_hex);
    size_t stmt_len = 0;
    if (!(stmt = sb_steal(&b, &stmt_len)))
        goto out;
    static const char PT[] = "application/vnd.in-toto+json";
    sb_init(&b);
    sb_printf(&b, "DSSEv1 %zu %s %zu ", strlen(PT), PT, stmt_len);
    sb_add(&b, stmt, stmt_len);
    size_t pae_len = 0;
    if (!(pae = sb_steal(&b, &pae_len)))
        goto out;
    uint8_t sig[MBEDTLS_ECDSA_MAX_LEN], set[MBEDTLS_ECDSA_MAX_LEN];
    size_t sig_len = 0, set_len = 0;
    if (sign_der(leaf_key, pae, pae_len, sig, &sig_len))
        goto out;
    /* the leaf as PEM, for the dsse entry's verifier */
    unsigned char pem[4096];
    size_t pem_len = 0;
    if (mbedtls_pem_write_buffer("-----BEGIN CERTIFICATE-----\n",
                                 "-----END CERTIFICATE-----\n", leaf->der,
                                 leaf->len, pem, sizeof pem, &pem_len))
        goto out;
    char ph[65];
    sim_sha256_hex(ph, stmt, stmt_len);
    s64 = b64(sig, sig_len);
    cpem = b64(pem, strlen((char *)pem));
    if (!s64 || !cpem)
        goto out;
    sb_init(&b);
    sb_printf(&b, "{\"apiVersion\":\"0.0.1\",\"kind\":\"dsse\",\"spec\":{"
                  "\"payloadHash\":{\"algorithm\":\"sha256\",\"value\":\"%s\"},"
                  "\"signatures\":[{\"signature\":\"%s\",\"verifier\":\"%s\"}]"
                  "}}", ph, s64, cpem);
    size_t body_len = 0;
    if (!(body = sb_steal(&b, &body_len)) || !(body64 = b64(body, body_len)))
        goto out;
    char lid_hex[65];
    sim_hex(lid_hex, log_id, 32);
    sb_init(&b);
    sb_printf(&b, "{\"body\":\"%s\",\"integratedTime\":%lld,\"logID\":\"%s\","
                  "\"logIndex\":%lld}", body64, (long long)t, lid_hex, index);
    char *canon = sb_steal(&b, NULL);
    if (!canon || sign_der(log_key, canon, strlen(canon), set, &set_len)) {
        free(canon);
        goto out;
    }
    free(canon);
    if (!(set64 = b64(set, set_len)) || !(lid64 = b64(log_id, 32)) ||
        !(c64 = b64(leaf->der, leaf->len)) || !(p64 = b64(stmt, stmt_len)))
        goto out;
    sb_init(&b);
    sb_printf(&b, "{\"mediaType\":\"" BUNDLE_TYPE "\",\"verificationMaterial\":"
                  "{\"x509CertificateChain\":{\"certificates\":[{\"rawBytes\":"
                  "\"%s\"}]},\"tlogEntries\":[{\"logIndex\":\"%lld\",\"logId\":"
                  "{\"keyId\":\"%s\"},\"kindVersion\":{\"kind\":\"dsse\","
                  "\"version\":\"0.0.1\"},\"integratedTime\":\"%lld\","
                  "\"inclusionPromise\":{\"signedEntryTimestamp\":\"%s\"},"
                  "\"canonicalizedBody\":\"%s\"}]},\"dsseEnvelope\":{"
                  "\"payload\":\"%s\",\"payloadType\":\"%s\",\"signatures\":"
                  "[{\"sig\":\"%s\",\"keyid\":\"\"}]}}",
              c64, index, lid64, (long long)t, set64, body64, p64, PT, s64);
    if (!(sv->bundle = sb_steal(&b, &sv->bundle_len)))
        goto out;
    digest_of(sv->bundle_digest, sv->bundle, sv->bundle_len);
    sb_init(&b);
    sb_printf(&b, "{\"schemaVersion\":2,\"mediaType\":\"" MANIFEST_TYPE "\","
                  "\"artifactType\":\"" BUNDLE_TYPE "\",\"config\":{"
                  "\"mediaType\":\"application/vnd.oci.empty.v1+json\","
                  "\"digest\":\"%s\",\"size\":2},\"layers\":[{\"mediaType\":"
                  "\"" BUNDLE_TYPE "\",\"digest\":\"%s\",\"size\":%zu}],"
                  "\"subject\":{\"mediaType\":\"" MANIFEST_TYPE "\","
                  "\"digest\":\"sha256:%s\",\"size\":1024}}",
              EMPTY_DIGEST, sv->bundle_digest, sv->bundle_len, subject_hex);
    if (!(sv->manifest = sb_steal(&b, &sv->manifest_len)))
        goto out;
    digest_of(sv->manifest_digest, sv->manifest, sv->manifest_len);
    rc = 0;
out:
    free(stmt);
    free(pae);
    free(body);
    free(p64);
    free(s64);
    free(c64);
    free(body64);
    free(set64);
    free(lid64);
    free(cpem);
    return rc;
}

const char *sim_oci_image_digest(unsigned long long seed, size_t i,
                                 char out[65])
{
    char label[48];
    snprintf(label, sizeof label, "oci-image/%s", IMAGE_NAMES[i]);
    sim_label_hex(out, 32, seed, label);
    return out;
}

int sim_oci_init(unsigned long long seed, int64_t now)
{
    mbedtls_pk_context ca_key, log_key, leaf_key, other_key;
    cert ca = {0}, leaf = {0}, other = {0};
    uint8_t *log_spki = NULL, log_id[32];
    size_t log_spki_len = 0;
    int rc = -1;
    char *ca64 = NULL, *spki64 = NULL, *lid64 = NULL;
    char identity[256], other_id[256];
    snprintf(identity, sizeof identity, SIM_OCI_IDENTITY);
    snprintf(other_id, sizeof other_id, "https://github.com/attacker/app/"
                                         ".github/workflows/release.yml@"
                                         "refs/heads/main");
    if (derive(&ca_key, seed, "fulcio-ca") || derive(&log_key, seed, "rekor") ||
        derive(&leaf_key, seed, "signer") ||
        derive(&other_key, seed, "other-signer") ||
        make_cert(&ca, &ca_key, &ca_key, NULL, seed, NULL) ||
        make_cert(&leaf, &leaf_key, &ca_key, identity, seed,
                  "teeattest-sim") ||
        make_cert(&other, &other_key, &ca_key, other_id, seed, "attacker") ||
        spki_der(&log_key, &log_spki, &log_spki_len))
        goto out;
    sim_sha256(log_id, log_spki, log_spki_len);
    for (size_t i = 0; i < SIM_OCI_IMAGES; i++)
        sim_oci_image_digest(seed, i, g.digest_hex[i]);
    char third[65];
    sim_label_hex(third, 32, seed, "oci-image/unrelated");
    int64_t t = now - 3600;
    if (make_bundle(&g.b[B_GOOD0], "web", g.digest_hex[0], &leaf_key, &leaf,
                    &log_key, log_id, t, 100) ||
        make_bundle(&g.b[B_GOOD1], "model", g.digest_hex[1], &leaf_key, &leaf,
                    &log_key, log_id, t, 101) ||
        make_bundle(&g.b[B_OTHER_DIGEST], "model", third, &leaf_key, &leaf,
                    &log_key, log_id, t, 102) ||
        make_bundle(&g.b[B_OTHER_ID], "model", g.digest_hex[1], &other_key,
                    &other, &log_key, log_id, t, 103))
        goto out;
    for (size_t k = 0; k < B_COUNT; k++) {
        sbuf b;
        sb_init(&b);
        sb_printf(&b, "{\"schemaVersion\":2,\"mediaType\":\"" INDEX_TYPE "\","
                      "\"manifests\":[{\"mediaType\":\"" MANIFEST_TYPE "\","
                      "\"digest\":\"%s\",\"size\":%zu,\"artifactType\":\""
                      BUNDLE_TYPE "\"}]}", g.b[k].manifest_digest,
                  g.b[k].manifest_len);
        if (!(g.index[k] = sb_steal(&b, NULL)))
            goto out;
    }
    if (!(ca64 = b64(ca.der, ca.len)) ||
        !(spki64 = b64(log_spki, log_spki_len)) || !(lid64 = b64(log_id, 32)))
        goto out;
    sbuf b;
    sb_init(&b);
    sb_printf(&b, "{\"mediaType\":\"application/vnd.dev.sigstore.trustedroot+"
                  "json;version=0.1\",\"tlogs\":[{\"baseUrl\":"
                  "\"https://rekor.teeattest-sim.test\",\"hashAlgorithm\":"
                  "\"SHA2_256\",\"publicKey\":{\"rawBytes\":\"%s\","
                  "\"keyDetails\":\"PKIX_ECDSA_P256_SHA_256\",\"validFor\":"
                  "{\"start\":\"2020-01-01T00:00:00Z\"}},\"logId\":{\"keyId\":"
                  "\"%s\"}}],\"certificateAuthorities\":[{\"subject\":{"
                  "\"organization\":\"teeattest-sim TEST\",\"commonName\":"
                  "\"teeattest-sim TEST Fulcio (not Sigstore)\"},\"uri\":"
                  "\"https://fulcio.teeattest-sim.test\",\"certChain\":{"
                  "\"certificates\":[{\"rawBytes\":\"%s\"}]},\"validFor\":{"
                  "\"start\":\"2020-01-01T00:00:00Z\"}}],\"ctlogs\":[],"
                  "\"timestampAuthorities\":[]}\n", spki64, lid64, ca64);
    if (!(g.trusted_root = sb_steal(&b, NULL)))
        goto out;
    g.ready = true;
    rc = 0;
out:
    free(ca64);
    free(spki64);
    free(lid64);
    free(ca.der);
    free(leaf.der);
    free(other.der);
    free(log_spki);
    mbedtls_pk_free(&ca_key);
    mbedtls_pk_free(&log_key);
    mbedtls_pk_free(&leaf_key);
    mbedtls_pk_free(&other_key);
    return rc;
}

const char *sim_oci_trusted_root(void)
{
    return g.ready ? g.trusted_root : NULL;
}

bool sim_oci_fault(const char *name, unsigned *bits)
{
    static const struct { const char *n; unsigned bit; } known[] = {
        {"oci_missing", SIM_OCI_FAULT_MISSING},
        {"oci_other_digest", SIM_OCI_FAULT_OTHER_DIGEST},
        {"oci_other_identity", SIM_OCI_FAULT_OTHER_IDENTITY},
        {"oci_swap", SIM_OCI_FAULT_SWAP},
        {"oci_duplicate", SIM_OCI_FAULT_DUPLICATE},
        {"oci_tags_only", SIM_OCI_FAULT_TAGS_ONLY},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (!strcmp(name, known[i].n)) {
            *bits |= known[i].bit;
            return true;
        }
    return false;
}

/* The bundle served for image i under the faults, or -1 for none. */
static int pick(size_t i, unsigned faults)
{
    if (faults & SIM_OCI_FAULT_SWAP)
        return i == 0 ? B_GOOD1 : B_GOOD0;
    if (faults & SIM_OCI_FAULT_DUPLICATE)
        return B_GOOD0;
    if (i == 0)
        return B_GOOD0;
    if (faults & SIM_OCI_FAULT_MISSING)
        return -1;
    if (faults & SIM_OCI_FAULT_OTHER_DIGEST)
        return B_OTHER_DIGEST;
    if (faults & SIM_OCI_FAULT_OTHER_IDENTITY)
        return B_OTHER_ID;
    return B_GOOD1;
}

static bool answer(sim_oci_answer *a, int status, const char *body, size_t n,
                   const char *ctype)
{
    a->status = status;
    a->body = malloc(n + 1);
    if (a->body) {
        memcpy(a->body, body, n);
        a->body[n] = 0;
    }
    a->len = a->body ? n : 0;
    a->ctype = ctype;
    return true;
}

static const char UNKNOWN[] = "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\"}]}";
#define NOT_FOUND(a)                                                       \
    answer(a, 404, UNKNOWN, sizeof UNKNOWN - 1, "application/json")

bool sim_oci_answer_for(unsigned faults, const char *path, sim_oci_answer *a)
{
    if (!strcmp(path, "/_sim/sigstore/trusted_root.json") && g.ready)
        return answer(a, 200, g.trusted_root, strlen(g.trusted_root),
                      "application/json");
    static const char V2[] = "/v2/" REPO_PREFIX;
    if (!g.ready || strncmp(path, V2, sizeof V2 - 1))
        return false;
    const char *rest = path + sizeof V2 - 1;
    size_t img = SIM_OCI_IMAGES;
    for (size_t i = 0; i < SIM_OCI_IMAGES; i++) {
        size_t n = strlen(IMAGE_NAMES[i]);
        if (!strncmp(rest, IMAGE_NAMES[i], n) && rest[n] == '/') {
            img = i;
            rest += n + 1;
        }
    }
    if (img == SIM_OCI_IMAGES)
        return NOT_FOUND(a);
    int k = pick(img, faults);
    char want[128];
    snprintf(want, sizeof want, "referrers/sha256:%s", g.digest_hex[img]);
    if (!strcmp(rest, want)) {
        static const char EMPTY[] = "{\"schemaVersion\":2,\"mediaType\":"
                                    "\"" INDEX_TYPE "\",\"manifests\":[]}";
        if (k < 0 || (faults & SIM_OCI_FAULT_TAGS_ONLY))
            return answer(a, 200, EMPTY, sizeof EMPTY - 1, INDEX_TYPE);
        return answer(a, 200, g.index[k], strlen(g.index[k]), INDEX_TYPE);
    }
    snprintf(want, sizeof want, "manifests/sha256-%s.att", g.digest_hex[img]);
    bool tag = !strcmp(rest, want);
    if (k >= 0 && (tag || (!strncmp(rest, "manifests/", 10) &&
                           !strcmp(rest + 10, g.b[k].manifest_digest))))
        return answer(a, 200, g.b[k].manifest, g.b[k].manifest_len,
                      MANIFEST_TYPE);
    if (k >= 0 && !strncmp(rest, "blobs/", 6) &&
        !strcmp(rest + 6, g.b[k].bundle_digest))
        return answer(a, 200, g.b[k].bundle, g.b[k].bundle_len,
                      "application/octet-stream");
    return NOT_FOUND(a);
}

void sim_oci_free(void)
{
    for (size_t k = 0; k < B_COUNT; k++) {
        free(g.b[k].bundle);
        free(g.b[k].manifest);
        free(g.index[k]);
    }
    free(g.trusted_root);
    memset(&g, 0, sizeof g);
}
