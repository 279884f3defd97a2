/*
 * teeattest-sim: command line, startup and shutdown.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include <sodium.h>

#include "sim.h"

static void usage(FILE *f)
{
    fputs(
"Usage: teeattest-sim [--http PORT] [--https PORT] [OPTIONS]\n"
"\n"
"Loopback confidential-AI provider simulator for tests, benchmarks and the\n"
"demo. Everything it signs uses TEST KEYS derived from a public seed and\n"
"its TDX quotes are signed under its own TEST root (NOT Intel): never\n"
"trust either outside tests and the demo.\n"
"\n"
"  --http PORT        serve plain HTTP (0 = an ephemeral port)\n"
"  --https PORT       serve HTTPS with a fresh self-signed certificate\n"
"                     (default when neither is given: --http 0)\n"
"  --bind ADDR        listen address (default 127.0.0.1)\n"
"  --port-file FILE   write http_port=N / https_port=N lines (atomically)\n"
"  --cert-out FILE    write the HTTPS certificate (PEM) for clients' CA file\n"
"  --seed N           key and identity seed (default 1)\n"
"  --print-keys       print the test keys as JSON and exit\n"
"  --dialect NAME     quirks where paths collide: redpill (default), phala,\n"
"                     nearai, nanogpt, venice, ionet\n"
"  --events N         content chunks per streamed answer (default 8)\n"
"  --model NAME       model name when a request gives none\n"
"  --log FILE         append one JSON line per request\n"
"  --aci-gpu-evidence FILE  NVIDIA GPU evidence (e.g. an nvidia_payload.json)\n"
"                     the aggregator's multipart sessions carry beside its\n"
"                     report (fault aci_multipart)\n"
"  --no-gpu           a CPU-only TEE: reports carry no GPU evidence (the\n"
"                     demo; the placeholder evidence never verifies)\n"
"  --dstack-2026 FILE  the CVM in dstack's 2026 form: init script, RTMR3\n"
"                     events init-script-hash, gpu-policy-hash and\n"
"                     gpu-attestation over FILE (an nvattest output, sent\n"
"                     as the entry's gpu_attestation), MRCONFIGID v3\n"
"  --pccs-dir DIR     serve Intel PCS v4 collateral from DIR (default: the\n"
"                     simulator's own TEST collateral for its quotes)\n"
"  --pki-time UNIX    centre of the TEST collateral window (default: now);\n"
"                     valid from UNIX-1 day to UNIX+30 days\n"
"  --tdx-root-out FILE  write the TEST root CA (DER) anchoring the quotes\n"
"  --nras-response FILE  answer NVIDIA NRAS POST /v3|v4/attest/gpu with FILE\n"
"  --jwks FILE        serve FILE as GET /.well-known/jwks.json\n"
"  --rim-dir DIR      serve GET /v1/rim/<id> from DIR/<id>.xml\n"
"  --ocsp-dir DIR     answer OCSP POSTs (/ocsp, /) from DIR/*.der\n"
"  --compose-dir DIR  serve GET /compose-files/<commit>/<path> from\n"
"                     DIR/<commit>/<path> (model compose files)\n"
"  --fault NAME       fault, repeatable: NVIDIA nras_status, rim_missing,\n"
"                     ocsp_down; registry (--oci, image 1) oci_missing,\n"
"                     oci_other_digest, oci_other_identity, oci_swap,\n"
"                     oci_duplicate, oci_tags_only; GitHub (--github-release)\n"
"                     gh_missing, gh_hash_not_hex, gh_other_digest,\n"
"                     gh_other_repo, gh_tag_mismatch, gh_oversized\n"
"  --oci              the app names two images of registry.sim.test and the\n"
"                     simulator serves their Sigstore bundles (OCI\n"
"                     referrers and cosign tags under /v2/), signed under a\n"
"                     TEST trust root\n"
"  --sigstore-root-out FILE  write that TEST trusted_root.json (--oci)\n"
"  --github-release OWNER/NAME@TAG=FILE  serve the GitHub endpoints of a\n"
"                     Tinfoil release: /repos/OWNER/NAME/releases/latest and\n"
"                     /releases/tags/TAG, /OWNER/NAME/releases/download/TAG/\n"
"                     tinfoil.hash (a redirect) and /repos/OWNER/NAME/\n"
"                     attestations/sha256:DIGEST with the Sigstore bundle\n"
"                     FILE (DIGEST: its subject)\n"
"\n"
"Faults are set at run time with POST /_sim/control; GET /_sim/log lists\n"
"the requests received (see docs/simulator.md).\n", f);
}

static bool parse_num(const char *s, unsigned long long max,
                      unsigned long long *out)
{
    if (!s || !*s || *s == '-')
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max)
        return false;
    *out = v;
    return true;
}

static int write_file_atomic_bin(const char *path, const void *data,
                                 size_t len)
{
    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    if (!tmp)
        return -1;
    snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    int rc = -1;
    if (f) {
        bool ok = fwrite(data, 1, len, f) == len;
        ok = (fclose(f) == 0) && ok;
        if (ok && rename(tmp, path) == 0)
            rc = 0;
        else
            unlink(tmp);
    }
    if (rc)
        fprintf(stderr, "teeattest-sim: cannot write %s: %s\n", path,
                strerror(errno));
    free(tmp);
    return rc;
}

static int write_file_atomic(const char *path, const char *data)
{
    return write_file_atomic_bin(path, data, strlen(data));
}

/* Load the NVIDIA service files and check the directories (nvidia.c). */
static int nv_setup(sim *s, const char *nras_path, const char *jwks_path,
                    const char *rim_dir, const char *ocsp_dir)
{
    const struct {
        const char *opt, *path;
        char **data;
        size_t *len;
    } files[] = {
        {"--nras-response", nras_path, &s->nras_response, &s->nras_response_len},
        {"--jwks", jwks_path, &s->jwks, &s->jwks_len},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        if (!files[i].path)
            continue;
        *files[i].data = sim_read_file(files[i].path, files[i].len);
        if (!*files[i].data) {
            fprintf(stderr, "teeattest-sim: %s: cannot read %s (a regular "
                            "file of at most 8 MiB)\n", files[i].opt,
                    files[i].path);
            return -1;
        }
    }
    const struct {
        const char *opt, *path;
        char **copy;
    } dirs[] = {
        {"--rim-dir", rim_dir, &s->rim_dir},
        {"--ocsp-dir", ocsp_dir, &s->ocsp_dir},
    };
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        if (!dirs[i].path)
            continue;
        struct stat st;
        if (stat(dirs[i].path, &st) != 0 || !S_ISDIR(st.st_mode)) {
            fprintf(stderr, "teeattest-sim: %s: %s is not a directory\n",
                    dirs[i].opt, dirs[i].path);
            return -1;
        }
        if (!(*dirs[i].copy = strdup(dirs[i].path))) {
            fprintf(stderr, "teeattest-sim: out of memory\n");
            return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    long http_port = -1, https_port = -1;
    const char *bind_addr = "127.0.0.1", *port_file = NULL, *cert_out = NULL;
    const char *dialect = "redpill", *log_path = NULL, *model = "sim/test-model";
    const char *pccs_dir = NULL, *root_out = NULL;
    const char *sigstore_root_out = NULL;
    bool oci = false;
    unsigned oci_faults = 0;
    unsigned gh_faults = 0;
    const char *github_release = NULL;
    long long pki_time = -1;
    const char *compose_dir = NULL;
    const char *nras_path = NULL, *jwks_path = NULL, *rim_dir = NULL,
               *ocsp_dir = NULL;
    unsigned nv_faults = 0;
    unsigned long long seed = 1, events = 8, v;
    bool print_keys = false, no_gpu = false;
    const char *dstack_2026 = NULL;
    const char *aci_domain = "127.0.0.1";
    bool aci_aggregator = false;
    const char *aci_gpu_evidence = NULL;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
#define NEEDS_VALUE() do { if (!val) { \
            fprintf(stderr, "teeattest-sim: %s needs a value\n", a); \
            return 2; } i++; } while (0)
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--print-keys") == 0) {
            print_keys = true;
        } else if (strcmp(a, "--http") == 0 || strcmp(a, "--https") == 0) {
            NEEDS_VALUE();
            if (!parse_num(val, 65535, &v)) {
                fprintf(stderr, "teeattest-sim: %s: bad port '%s'\n", a, val);
                return 2;
            }
            if (a[6] == 's')
                https_port = (long)v;
            else
                http_port = (long)v;
        } else if (strcmp(a, "--bind") == 0) {
            NEEDS_VALUE();
            bind_addr = val;
        } else if (strcmp(a, "--port-file") == 0) {
            NEEDS_VALUE();
            port_file = val;
        } else if (strcmp(a, "--cert-out") == 0) {
            NEEDS_VALUE();
            cert_out = val;
        } else if (strcmp(a, "--seed") == 0) {
            NEEDS_VALUE();
            if (!parse_num(val, ~0ULL, &seed)) {
                fprintf(stderr, "teeattest-sim: --seed: bad number '%s'\n", val);
                return 2;
            }
        } else if (strcmp(a, "--events") == 0) {
            NEEDS_VALUE();
            if (!parse_num(val, 1000000, &events)) {
                fprintf(stderr, "teeattest-sim: --events: 0 to 1000000\n");
                return 2;
            }
        } else if (strcmp(a, "--dialect") == 0) {
            NEEDS_VALUE();
            static const char *const known[] = {"redpill", "phala", "nearai",
                "nanogpt", "venice", "ionet", "generic", "aci"};
            bool ok = false;
            for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
                ok = ok || strcmp(val, known[k]) == 0;
            if (!ok) {
                fprintf(stderr, "teeattest-sim: unknown dialect '%s'\n", val);
                return 2;
            }
            dialect = val;
        } else if (strcmp(a, "--log") == 0) {
            NEEDS_VALUE();
            log_path = val;
        } else if (strcmp(a, "--model") == 0) {
            NEEDS_VALUE();
            if (strlen(val) >= 128 || !*val) {
                fprintf(stderr, "teeattest-sim: --model: 1 to 127 bytes\n");
                return 2;
            }
            model = val;
        } else if (strcmp(a, "--aci-domain") == 0) {
            NEEDS_VALUE();
            if (!*val || strlen(val) >= 256) {
                fprintf(stderr, "teeattest-sim: --aci-domain: 1 to 255 "
                                "bytes\n");
                return 2;
            }
            aci_domain = val;
        } else if (strcmp(a, "--aci-aggregator") == 0) {
            aci_aggregator = true;
        } else if (strcmp(a, "--aci-gpu-evidence") == 0) {
            NEEDS_VALUE();
            aci_gpu_evidence = val;
        } else if (strcmp(a, "--no-gpu") == 0) {
            no_gpu = true;
        } else if (strcmp(a, "--dstack-2026") == 0) {
            NEEDS_VALUE();
            dstack_2026 = val;
        } else if (strcmp(a, "--pccs-dir") == 0) {
            NEEDS_VALUE();
            pccs_dir = val;
        } else if (strcmp(a, "--pki-time") == 0) {
            NEEDS_VALUE();
            if (!parse_num(val, 32503680000ULL, &v)) { /* < year 3000 */
                fprintf(stderr, "teeattest-sim: --pki-time: bad Unix time "
                                "'%s'\n", val);
                return 2;
            }
            pki_time = (long long)v;
        } else if (strcmp(a, "--tdx-root-out") == 0) {
            NEEDS_VALUE();
            root_out = val;
        } else if (strcmp(a, "--nras-response") == 0) {
            NEEDS_VALUE();
            nras_path = val;
        } else if (strcmp(a, "--jwks") == 0) {
            NEEDS_VALUE();
            jwks_path = val;
        } else if (strcmp(a, "--rim-dir") == 0) {
            NEEDS_VALUE();
            rim_dir = val;
        } else if (strcmp(a, "--ocsp-dir") == 0) {
            NEEDS_VALUE();
            ocsp_dir = val;
        } else if (strcmp(a, "--compose-dir") == 0) {
            NEEDS_VALUE();
            compose_dir = val;
        } else if (strcmp(a, "--fault") == 0) {
            NEEDS_VALUE();
            if (!sim_nv_fault(val, &nv_faults) &&
                !sim_oci_fault(val, &oci_faults) &&
                !sim_gh_fault(val, &gh_faults)) {
                fprintf(stderr, "teeattest-sim: unknown --fault '%s' (known: "
                                "nras_status, rim_missing, ocsp_down, "
                                "oci_missing, oci_other_digest, "
                                "oci_other_identity, oci_swap, oci_duplicate, "
                                "oci_tags_only, gh_missing, gh_hash_not_hex, "
                                "gh_other_digest, gh_other_repo, "
                                "gh_tag_mismatch, gh_oversized)\n", val);
                return 2;
            }
        } else if (strcmp(a, "--oci") == 0) {
            oci = true;
        } else if (strcmp(a, "--github-release") == 0) {
            NEEDS_VALUE();
            github_release = val;
        } else if (strcmp(a, "--sigstore-root-out") == 0) {
            NEEDS_VALUE();
            sigstore_root_out = val;
        } else {
            fprintf(stderr, "teeattest-sim: unknown option '%s' "
                            "(see --help)\n", a);
            return 2;
        }
#undef NEEDS_VALUE
    }
    if (http_port < 0 && https_port < 0)
        http_port = 0;

    static sim s;
    if (sim_keys_init()) {
        fprintf(stderr, "teeattest-sim: crypto initialisation failed\n");
        return 1;
    }
    s.seed = seed;
    s.no_gpu = no_gpu;
    s.events = (int)events;
    snprintf(s.dialect, sizeof s.dialect, "%s", dialect);
    snprintf(s.model, sizeof s.model, "%s", model);
    int rc = 1;
    if (sim_key_derive(&s.keys[0], seed, ""))
        goto out_keys;
    for (int i = 1; i < SIM_MAX_NODES; i++) {
        char who[16];
        snprintf(who, sizeof who, "node%d", i);
        if (sim_key_derive(&s.keys[i], seed, who))
            goto out_keys;
    }
    snprintf(s.aci_domain, sizeof s.aci_domain, "%s", aci_domain);
    s.aci_aggregator = aci_aggregator;
    if (sim_key_derive(&s.aci_key, seed, "aci-receipt"))
        goto out_keys;
    {
        char label[64];
        snprintf(label, sizeof label, "teeattest-sim/%llu/aci-x25519", seed);
        sim_sha256(s.aci_x25519_sk, label, strlen(label));
        crypto_scalarmult_base(s.aci_x25519_pk, s.aci_x25519_sk);
    }
    if (sim_key_derive(&s.gateway_key, seed, "gateway") ||
        sim_key_derive(&s.wrong_key, seed, "wrong-signer"))
        goto out_keys;
    if (print_keys) {
        json_t *k = json_pack("{s:s,s:s,s:I,s:s}", "ecdsa_address",
            s.keys[0].address_eip55, "ed25519_public_key", s.keys[0].ed_pk_hex,
            "seed", (json_int_t)seed, "note",
            "TEST KEYS of teeattest-sim, derived from a public seed: never "
            "trust them");
        char *t = k ? json_dumps(k, JSON_INDENT(2)) : NULL;
        json_decref(k);
        if (t)
            printf("%s\n", t);
        free(t);
        rc = t ? 0 : 1;
        goto out_keys;
    }

    pthread_mutex_init(&s.lock, NULL);
    s.f.nodes = 1;
    s.sigs = calloc(SIM_SIGRECS, sizeof *s.sigs);
    s.log = json_array();
    s.pccs_dir = pccs_dir ? strdup(pccs_dir) : NULL;
    s.oci = oci;
    s.oci_faults = oci_faults;
    s.github = github_release != NULL;
    s.gh_faults = gh_faults;
    sim_oci_compose = oci;
    if (!s.sigs || !s.log || (pccs_dir && !s.pccs_dir) ||
        sim_td_init(&s.td, seed, "") || sim_td_init(&s.gateway_td, seed,
                                                    "gateway")) {
        fprintf(stderr, "teeattest-sim: out of memory\n");
        goto out;
    }
    if (aci_gpu_evidence &&
        !(s.aci_gpu_evidence = sim_read_file(aci_gpu_evidence,
                                             &s.aci_gpu_evidence_len))) {
        fprintf(stderr, "teeattest-sim: --aci-gpu-evidence: cannot read "
                        "'%s'\n", aci_gpu_evidence);
        goto out;
    }
    if (dstack_2026) {
        size_t glen = 0;
        char *g = sim_read_file(dstack_2026, &glen);
        sim_td_free(&s.td);
        int grc = g ? sim_td_init_2026(&s.td, seed, "", g, glen) : -1;
        free(g);
        if (grc) {
            fprintf(stderr, "teeattest-sim: --dstack-2026: cannot read '%s'\n",
                    dstack_2026);
            goto out;
        }
    }
    if (sim_pki_init(seed, pki_time >= 0 ? (int64_t)pki_time
                                          : (int64_t)time(NULL))) {
        fprintf(stderr, "teeattest-sim: cannot build the TDX test PKI\n");
        goto out;
    }
    if (root_out && write_file_atomic_bin(root_out, sim_pki_get()->root_der,
                                          sim_pki_get()->root_der_len))
        goto out;
    if (oci && sim_oci_init(seed, sim_pki_get()->time)) {
        fprintf(stderr, "teeattest-sim: cannot build the Sigstore test "
                        "bundles\n");
        goto out;
    }
    if (sigstore_root_out &&
        (!oci || write_file_atomic_bin(sigstore_root_out,
                                       sim_oci_trusted_root(),
                                       strlen(sim_oci_trusted_root())))) {
        if (!oci)
            fprintf(stderr, "teeattest-sim: --sigstore-root-out needs "
                            "--oci\n");
        goto out;
    }
    if (github_release && sim_gh_init(github_release))
        goto out;
    if (compose_dir && !(s.compose_dir = strdup(compose_dir))) {
        fprintf(stderr, "teeattest-sim: out of memory\n");
        goto out;
    }
    if (nv_setup(&s, nras_path, jwks_path, rim_dir, ocsp_dir))
        goto out;
    s.nv_faults = nv_faults;
    if (log_path && !(s.log_file = fopen(log_path, "a"))) {
        fprintf(stderr, "teeattest-sim: cannot open --log %s: %s\n", log_path,
                strerror(errno));
        goto out;
    }

    /* Signals are taken synchronously by this thread only; the server
     * threads inherit the blocked mask. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    char *key_pem = NULL;
    struct MHD_Daemon *dh = NULL, *ds = NULL;
    int ph = -1, ps = -1;
    if (https_port >= 0) {
        if (sim_tls_make_cert(&key_pem, &s.cert_pem, s.tls_spki_sha256)) {
            fprintf(stderr, "teeattest-sim: cannot create the certificate\n");
            goto out;
        }
        s.have_tls = true;
        if (cert_out && write_file_atomic(cert_out, s.cert_pem))
            goto out_daemons;
    }
    if (http_port >= 0 &&
        !(dh = sim_http_start(&s, bind_addr, (int)http_port, false, NULL, NULL,
                              &ph))) {
        fprintf(stderr, "teeattest-sim: cannot listen on %s port %ld\n",
                bind_addr, http_port);
        goto out_daemons;
    }
    if (https_port >= 0 &&
        !(ds = sim_http_start(&s, bind_addr, (int)https_port, true, key_pem,
                              s.cert_pem, &ps))) {
        fprintf(stderr, "teeattest-sim: cannot listen (HTTPS) on %s port %ld\n",
                bind_addr, https_port);
        goto out_daemons;
    }
    if (port_file) {
        char buf[96];
        int n = 0;
        if (ph >= 0)
            n += snprintf(buf + n, sizeof buf - (size_t)n, "http_port=%d\n", ph);
        if (ps >= 0)
            n += snprintf(buf + n, sizeof buf - (size_t)n, "https_port=%d\n", ps);
        if (write_file_atomic(port_file, buf))
            goto out_daemons;
    }
    char hostbuf[80];
    if (strchr(bind_addr, ':'))
        snprintf(hostbuf, sizeof hostbuf, "[%s]", bind_addr);
    else
        snprintf(hostbuf, sizeof hostbuf, "%s", bind_addr);
    if (ph >= 0)
        printf("listening on http://%s:%d\n", hostbuf, ph);
    if (ps >= 0)
        printf("listening on https://%s:%d\n", hostbuf, ps);
    fflush(stdout);

    int sig = 0;
    sigwait(&set, &sig);
    rc = 0;
out_daemons:
    sim_quit = 1;
    if (dh)
        MHD_stop_daemon(dh);
    if (ds)
        MHD_stop_daemon(ds);
    free(key_pem);
out:
    if (s.log_file)
        fclose(s.log_file);
    free(s.cert_pem);
    free(s.pccs_dir);
    free(s.nras_response);
    free(s.jwks);
    free(s.rim_dir);
    free(s.compose_dir);
    free(s.ocsp_dir);
    free(s.aci_gpu_evidence);
    free(s.sigs);
    json_decref(s.log);
    sim_td_free(&s.td);
    sim_td_free(&s.gateway_td);
    sim_pki_free();
    sim_oci_free();
    sim_gh_free();
    pthread_mutex_destroy(&s.lock);
out_keys:
    sim_keys_cleanup();
    return rc;
}
