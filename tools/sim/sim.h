/*
 * teeattest-sim: the project's loopback provider simulator (tests,
 * benchmarks, demo). Everything it signs is signed with TEST KEYS derived
 * from a public seed; nothing it produces is evidence of anything.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TEEATTEST_SIM_H
#define TEEATTEST_SIM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* ---- small growable string ------------------------------------------- */

typedef struct sbuf {
    char *data;
    size_t len, cap;
    bool oom;
} sbuf;

void sb_init(sbuf *b);
void sb_free(sbuf *b);
void sb_add(sbuf *b, const void *p, size_t n);
void sb_str(sbuf *b, const char *s);
void sb_printf(sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Take the storage (NUL-terminated); NULL on allocation failure. */
char *sb_steal(sbuf *b, size_t *len);

void sim_hex(char *out, const uint8_t *in, size_t len); /* lower case */
/* A regular file of at most SIM_MAX_FILE bytes, malloc'd (NUL-terminated,
 * storage even when empty); NULL when missing, not a regular file, too
 * large or unreadable. */
#define SIM_MAX_FILE (8u << 20)
char *sim_read_file(const char *path, size_t *len);
void sim_sha256(uint8_t out[32], const void *p, size_t n);
void sim_sha256_hex(char out[65], const void *p, size_t n);
void sim_sha384(uint8_t out[48], const void *p, size_t n);
void sim_keccak256(uint8_t out[32], const void *p, size_t n);
/* Strict hex of exactly 2*n chars into n bytes; false when not. */
bool sim_unhex(uint8_t *out, size_t n, const char *s);

/* ---- keys (keys.c) ----------------------------------------------------- */

typedef struct sim_key {
    uint8_t ecdsa_sk[32];
    uint8_t ecdsa_pub[64];   /* x || y */
    uint8_t address[20];
    char address_eip55[43];  /* "0x" + EIP-55 mixed case */
    char address_lower[43];
    uint8_t ed_pk[32];
    uint8_t ed_sk[64];
    char ed_pk_hex[65];
} sim_key;

int sim_keys_init(void);
void sim_keys_cleanup(void);
/* Derive the key pair named `who` ("" for the main key, "node1", "gateway",
 * "wrong-signer") from `seed`: SHA-256("teeattest-sim/<seed>[/<who>]/ecdsa")
 * and SHA-256("teeattest-sim/<seed>[/<who>]/ed25519"). */
int sim_key_derive(sim_key *k, unsigned long long seed, const char *who);
/* EIP-191 personal_sign over `text`: "0x" + hex(r||s||v), v = 27/28, low s
 * (with `high_s`, the malleable twin: n - s and the other v, as a signer
 * that does not normalise s produces half of the time). `out` needs 133
 * bytes; `with_0x` false drops the prefix (2024 Phala, io.net). */
int sim_sign_eip191(const sim_key *k, const char *text, size_t len,
                    char out[133], bool with_0x, bool high_s);
/* Ed25519 over `text`: 128 hex chars, no prefix. */
int sim_sign_ed25519(const sim_key *k, const char *text, size_t len,
                     char out[129]);

/* ---- the simulated TEE (quote.c) -------------------------------------- */

/* The software identity a simulated CVM reports; derived from the seed. */
typedef struct sim_td {
    uint8_t mrtd[48], rtmr[4][48], mr_config_id[48];
    uint8_t app_id[20], instance_id[20], device_id[32];
    uint8_t os_image_hash[32], compose_hash[32], mr_aggregated[32];
    char *app_compose;   /* exact string; compose_hash = SHA-256 of it */
    char *key_provider;  /* {"name":"kms","id":"<hex>"} */
    char *vm_config;     /* JSON string */
    json_t *event_log;   /* dstack event log array, replays to rtmr[] */
    char *gpu_attestation; /* --dstack-2026: nvattest output, else NULL */
    size_t gpu_attestation_len;
    uint8_t gpu_policy_hash[32];
} sim_td;

int sim_td_init(sim_td *td, unsigned long long seed, const char *name);
/* With gpu_att non-NULL, the dstack 2026 form (quote.c). */
int sim_td_init_2026(sim_td *td, unsigned long long seed, const char *name,
                     const char *gpu_att, size_t gpu_att_len);
void sim_td_free(sim_td *td);

/* The quote generator: a TDX quote v4 for `td` whose REPORTDATA is
 * `report_data`, a real DCAP quote under the simulator's TEST PKI (pki.c:
 * sim_pki_init() must have run): quote signed by the attestation key, QE
 * report signed by the PCK key, PCK chain leaf / Platform CA / TEST root.
 * Followed by a trailing marker text naming it a test quote. Returns a
 * malloc'd buffer. */
uint8_t *sim_quote_generate(const sim_td *td, const uint8_t report_data[64],
                            size_t *len);

/* ---- the simulator's DCAP test PKI (pki.c) ---------------------------- */

#include <mbedtls/pk.h>

/* A P-256 key derived from the seed, a domain ("tdx", "sigstore") and a
 * name: SHA-256 of "teeattest-sim/SEED/DOMAIN/NAME", rehashed until it is
 * a valid scalar. `pk` initialised by the caller. 0 or -1. */
int sim_p256_derive(mbedtls_pk_context *pk, unsigned long long seed,
                    const char *domain, const char *name);

/* TEST root, chain, collateral and QE of the simulated TEE, derived from
 * the seed (see pki.c and docs/simulator.md); NOT Intel's. */
typedef struct sim_pki {
    int64_t time, issue, next_update; /* collateral window */
    mbedtls_pk_context pck_key, ak_key;
    uint8_t ak_pub[64];               /* attestation key X || Y */
    uint8_t qe_report[384], qe_report_sig[64], qe_auth[32];
    uint8_t *root_der;
    size_t root_der_len;
    char *root_pem;
    char *pck_chain;   /* PEM: PCK leaf, PCK Platform CA, root */
    char *tcb_chain;   /* PEM: TCB Signing, root */
    char *crl_chain;   /* PEM: PCK Platform CA, root */
    uint8_t *root_crl, *pck_crl;
    size_t root_crl_len, pck_crl_len;
    char *tcb_info, *qe_identity;     /* raw PCS documents */
    uint8_t fmspc[6];
    char fmspc_hex[13];
} sim_pki;

/* Build the PKI for `seed` with the collateral window around `now`. */
int sim_pki_init(unsigned long long seed, int64_t now);
void sim_pki_free(void);
/* NULL before sim_pki_init(). Read-only once built. */
const sim_pki *sim_pki_get(void);
/* ECDSA P-256 (RFC 6979) over SHA-256(msg): raw r || s. */
int sim_pki_sign_raw(const mbedtls_pk_context *key, const void *msg,
                     size_t len, uint8_t sig[64]);

/* ---- Python-compatible JSON text (pyjson.c) --------------------------- */

/* json.dumps(v, ensure_ascii=True) with separators (",", ":") when
 * `compact`, else the default (", ", ": "). Floats as Python repr. */
void py_dumps(sbuf *b, const json_t *v, bool compact);

/* ---- the server state (state.c) --------------------------------------- */

#define SIM_MAX_NODES 16

typedef struct sim_faults {
    int fail_next[32];
    size_t n_fail_next;
    int retry_after;          /* seconds, 0 = no header */
    int signature_delay_polls;
    bool truncate_stream;     /* chat answers, streamed or not */
    bool truncate_body;       /* every other answer */
    int slow_ms;              /* before each SSE event / body */
    int first_byte_ms;        /* before the response headers */
    int stall_ms;             /* once, in the middle of a stream */
    bool stall_forever;       /* a stream stalls halfway until the client
                                 closes the connection */
    bool first_byte_never;    /* no answer until the client closes */
    uint64_t huge_body;       /* next answer is this many bytes, once */
    bool tamper_response;
    bool wrong_signer;
    bool bad_signature;
    bool sign_other_request;
    bool expire_signatures;
    bool wrong_nonce;
    int malformed_json;       /* count of answers to break */
    int drop_connection;      /* count of requests to drop */
    int nodes;
    bool near_gateway;
    bool high_s;              /* ECDSA signatures in the malleable form */
    /* aci (aci.c, docs/simulator.md) */
    bool aci_wrong_digest;    /* restated workload_keyset_digest is wrong */
    bool aci_expired;         /* keyset not_after an hour before now */
    bool aci_null_nonce;      /* statement with nonce:null */
    bool aci_tls_unlisted;    /* keyset lists another TLS key */
    bool aci_unlisted_key;    /* receipts signed by a key not listed */
    bool aci_body_hash_other; /* receipt body hashes of other bytes */
    bool aci_bad_session;     /* session evidence differs from its digest */
    bool aci_session_other;   /* receipts cite another session id */
    bool aci_session_expired; /* the served session's window has ended */
    bool aci_upstream_failed; /* upstream verification fails (aggregator) */
    bool aci_e2ee_replay;     /* answer sealed for the last request's nonce */
    bool aci_e2ee_tamper;     /* one encrypted answer field altered */
    bool aci_e2ee_unlisted;   /* an E2EE key advertised outside the keyset */
    int aci_multipart;        /* multipart session evidence (aci_agg.c) */
    /* nearai E2EE (near_e2ee.c, docs/simulator.md) */
    bool near_e2ee_tamper;    /* one encrypted answer field altered */
    bool near_e2ee_plaintext; /* answer fields left in plaintext */
    bool near_e2ee_other_key; /* answer fields encrypted to another key */
    bool near_e2ee_key_mismatch; /* X-Model-Pub-Key refused */
} sim_faults;

typedef struct sim_sigrec {
    char id[48];
    char model[128];
    char req_hex[65], resp_hex[65];
    int node;
    int polls_left;
    bool disconnected;
    bool other_request;
} sim_sigrec;

#define SIM_SIGRECS 4096
#define SIM_LOG_MAX 20000

typedef struct sim {
    /* configuration (read-only after start) */
    unsigned long long seed;
    char dialect[32];
    char model[128];
    int events;
    FILE *log_file;
    sim_key keys[SIM_MAX_NODES];
    sim_key gateway_key, wrong_key;
    sim_td td, gateway_td;
    uint8_t tls_spki_sha256[32];
    bool have_tls;
    char *cert_pem;
    char *pccs_dir;
    /* NVIDIA services (nvidia.c); each NULL when its flag is absent */
    char *nras_response, *jwks;  /* file contents, loaded at start */
    size_t nras_response_len, jwks_len;
    char *rim_dir, *ocsp_dir;
    char *compose_dir;           /* --compose-dir: GET /compose-files/... */
    unsigned nv_faults;          /* SIM_NV_FAULT_* from --fault */
    bool oci;                    /* --oci: registry of the app's images */
    unsigned oci_faults;         /* SIM_OCI_FAULT_* from --fault */
    bool github;                 /* --github-release (github.c) */
    unsigned gh_faults;          /* SIM_GH_FAULT_* from --fault */
    bool no_gpu;                 /* --no-gpu: CPU-only TEE, no GPU evidence */
    /* --dialect aci (aci.c) */
    sim_key aci_key;             /* receipt signing key */
    uint8_t aci_x25519_pk[32], aci_x25519_sk[32];
    char aci_domain[256];        /* --aci-domain: the TLS key's domain */
    bool aci_aggregator;         /* --aci-aggregator */
    char *aci_gpu_evidence;      /* --aci-gpu-evidence: a multipart part */
    size_t aci_gpu_evidence_len;

    pthread_mutex_t lock;
    sim_faults f;
    unsigned long long chat_counter;
    sim_sigrec *sigs;        /* ring of SIM_SIGRECS */
    size_t sig_next;
    json_t *log;             /* array of request records */
    unsigned long long log_count;
} sim;

extern volatile int sim_quit;
/* Sleep `ms`, waking early on shutdown. */
void sim_sleep_ms(int ms);

/* ---- HTTP (http.c) ----------------------------------------------------- */

struct MHD_Daemon;
struct MHD_Daemon *sim_http_start(sim *s, const char *bind_addr, int port,
                                  bool tls, const char *key_pem,
                                  const char *cert_pem, int *bound_port);

/* ---- TLS certificate (tls.c) ------------------------------------------ */

/* Fresh self-signed ECDSA P-256 certificate for 127.0.0.1 / localhost.
 * Returns malloc'd PEM key and cert and the SHA-256 of the SPKI DER. */
int sim_tls_make_cert(char **key_pem, char **cert_pem, uint8_t spki_sha256[32]);

/* ---- provider documents (reports.c) ------------------------------------ */

/* The answer to an attestation request. On success *status is 200 and the
 * result is the document; on a request error, *status and an error
 * document. */
json_t *sim_report_dstack(const sim *s, const sim_faults *f, const char *path,
                          const char *model, const char *nonce,
                          const char *algo, const char *signing_address,
                          bool tls_fp, int *status);
json_t *sim_report_ionet(const sim *s, const sim_faults *f, const char *body,
                         size_t body_len, int *status);
/* aci/1 (aci.c): the report for `nonce_hex` (NULL: none asked). */
json_t *sim_aci_report(const sim *s, const sim_faults *f,
                       const char *nonce_hex, int *status);
/* The keyset digest the report binds. */
bool sim_aci_keyset_digest(const sim *s, const sim_faults *f, char out[72]);
/* Canonical (sorted compact) JSON text, malloc'd. */
char *sim_aci_jcs(const json_t *v);
/* A signed receipt for one chat (request bytes as received, the SHA-256
 * of the response bytes sent), malloc'd JSON; store and fetch by id. */
char *sim_aci_receipt_make(const sim *s, const sim_faults *f, const char *id,
                           const char *chat_id, const char *model,
                           const void *req, size_t req_len,
                           const char resp_hex[65]);
/* How an aggregator routed one request (aci_agg.c): the upstream.verified
 * event, whether the prompt was forwarded and the hash of the bytes it
 * forwarded. Zero for a direct service. */
typedef struct sim_aci_route {
    bool aggregator;
    bool forwarded;
    char fwd_hex[65];
    json_t *upstream; /* owned */
} sim_aci_route;
/* The same receipt for a route (NULL: direct): an aggregator's carries its
 * upstream.verified event, and request.forwarded only when forwarded. */
char *sim_aci_receipt_make_route(const sim *s, const sim_faults *f,
                                 const char *id, const char *chat_id,
                                 const char *model, const void *req,
                                 size_t req_len, const char resp_hex[65],
                                 const sim_aci_route *route);
/* Admit a chat request under its serving constraints (spec 5.3), as an
 * aggregator (--aci-aggregator) or a direct service (aci_verified
 * satisfied, aci_session_ids refused). 0: serve, *out filled (zero for a
 * direct service); 400: a malformed constraint (no
 * receipt); 412 / 503: a refusal, *err_doc its body, to be answered with
 * a refusal receipt. Free *out with sim_aci_route_clear. */
int sim_aci_agg_admit(sim *s, const sim_faults *f, const void *body,
                      size_t len, const char *model, sim_aci_route *out,
                      json_t **err_doc);
void sim_aci_route_clear(sim_aci_route *r);
/* The session served under `id` (malloc'd), or NULL. */
char *sim_aci_session_get(sim *s, const sim_faults *f, const char *id);
void sim_aci_receipt_store(sim *s, const char *id, char *json);
char *sim_aci_receipt_get(sim *s, const char *id);
/* The simulator's clock for keyset expiry (the PKI time). */
int64_t sim_aci_now(void);

/* E2EE v2 service side (aci_e2ee.c). `which`: 0 the X25519 key, 1 the
 * secp256k1 key (both listed in the keyset), 2 the unlisted key. */
struct MHD_Connection;
typedef struct sim_e2ee sim_e2ee;
const char *sim_aci_e2ee_pub(const sim *s, int which);
bool sim_aci_e2ee_requested(struct MHD_Connection *c);
/* Check and decrypt a request: NULL with *spec_error / msg on refusal;
 * *restored (malloc'd) is the restored body the receipt hashes. */
sim_e2ee *sim_aci_e2ee_open(const sim *s, const sim_faults *f,
                            struct MHD_Connection *c, const void *body,
                            size_t len, char **restored, size_t *restored_len,
                            const char **spec_error, char *msg,
                            size_t msg_size);
const char *sim_aci_e2ee_algo(const sim_e2ee *e);
/* Encrypt an answer body or one SSE data payload (malloc'd); with the
 * tamper fault and `tamper_this`, one field is altered. */
char *sim_aci_e2ee_seal(sim_e2ee *e, bool chunk, bool tamper_this,
                        const char *payload, size_t len, size_t *out_len);
void sim_aci_e2ee_free(sim_e2ee *e);
/* Flip one hex digit inside the tag of the first encrypted "content" (or
 * "text") string of `t`: still well formed, the tag no longer verifies. */
void sim_e2ee_tamper_field(char *t);

/* NEAR AI field E2EE on --dialect nearai (near_e2ee.c). */
typedef struct sim_near sim_near;
bool sim_near_e2ee_requested(struct MHD_Connection *c);
/* Check the headers and decrypt the request's fields with the signing key
 * of the node X-Model-Pub-Key names (*node). NULL with `msg` on refusal
 * (a 400); *log gets {"e2ee_contents": the messages' contents as
 * received, "e2ee_fields": n} for the request log. */
sim_near *sim_near_e2ee_open(const sim *s, const sim_faults *f,
                             struct MHD_Connection *c, const void *body,
                             size_t len, int *node, json_t **log, char *msg,
                             size_t msg_size);
/* Encrypt an answer body or one SSE data payload (malloc'd), with the
 * faults applied (tamper only when `tamper_this`). */
char *sim_near_e2ee_seal(sim_near *e, bool chunk, bool tamper_this,
                         const char *payload, size_t len, size_t *out_len);
void sim_near_e2ee_free(sim_near *e);
/* {"error":{"message":..,"type":..,"param":null,"code":null}} */
json_t *sim_error_doc(const char *message, const char *type);

/* ---- Intel PCS / PCCS collateral (pccs.c) ----------------------------- */

typedef struct sim_pccs_answer {
    int status;
    char *body;            /* malloc'd */
    size_t len;
    const char *ctype;
    const char *hdr_name;  /* issuer-chain header, or NULL */
    char *hdr_value;       /* malloc'd, URL-encoded PEM */
} sim_pccs_answer;

struct MHD_Connection;
/* false when `path` is not a collateral path. */
bool sim_pccs_answer_for(const sim *s, struct MHD_Connection *conn,
                         const char *path, sim_pccs_answer *a);

/* ---- NVIDIA NRAS, RIM service and OCSP (nvidia.c) ---------------------- */

#define SIM_NV_FAULT_NRAS_STATUS 1u  /* NRAS answers 500 {"error":"sim"} */
#define SIM_NV_FAULT_RIM_MISSING 2u  /* every RIM is 404 RIM_NOT_FOUND */
#define SIM_NV_FAULT_OCSP_DOWN   4u  /* OCSP answers 503 */

typedef struct sim_nv_answer {
    int status;
    char *body;            /* malloc'd; NULL on allocation failure */
    size_t len;
    const char *ctype;
} sim_nv_answer;

/* Set the bit of --fault `name`; false when it is not an NVIDIA fault. */
bool sim_nv_fault(const char *name, unsigned *bits);
/* false when `path` is not an NVIDIA path or its flag was not given. */
bool sim_nv_answer_for(const sim *s, const char *method, const char *path,
                       const char *body, size_t body_len, sim_nv_answer *a);

/* ---- OCI registry and Sigstore bundles of the app's images (oci.c) ---- */

#define SIM_OCI_IMAGES 2 /* registry.sim.test/teeattest-sim/{web,model} */
#define SIM_OCI_REGISTRY "registry.sim.test"
#define SIM_OCI_IDENTITY                                                  \
    "https://github.com/teeattest-sim/app/.github/workflows/release.yml"  \
    "@refs/heads/main"
#define SIM_OCI_ISSUER "https://token.actions.githubusercontent.com"
/* --fault bits, all about image 1 ("model") unless said otherwise. */
#define SIM_OCI_FAULT_MISSING 1u        /* no bundle at all */
#define SIM_OCI_FAULT_OTHER_DIGEST 2u   /* a bundle whose subject is another
                                           digest */
#define SIM_OCI_FAULT_OTHER_IDENTITY 4u /* signed by another identity */
#define SIM_OCI_FAULT_SWAP 8u           /* images 0 and 1 swap bundles */
#define SIM_OCI_FAULT_DUPLICATE 16u     /* image 0's bundle for both */
#define SIM_OCI_FAULT_TAGS_ONLY 32u     /* no referrers: cosign tags only */

typedef struct sim_oci_answer {
    int status;
    char *body; /* malloc'd */
    size_t len;
    const char *ctype;
} sim_oci_answer;

/* The digest (hex) of image i, derived from the seed. */
const char *sim_oci_image_digest(unsigned long long seed, size_t i,
                                 char out[65]);
/* Build the TEST trust root and the bundles (integrated time now - 1 h). */
int sim_oci_init(unsigned long long seed, int64_t now);
void sim_oci_free(void);
/* The TEST trusted_root.json; NULL before sim_oci_init(). */
const char *sim_oci_trusted_root(void);
/* Set the bit of --fault `name`; false when it is not an OCI fault. */
bool sim_oci_fault(const char *name, unsigned *bits);
/* false when `path` is not the registry's (or --oci is off). */
bool sim_oci_answer_for(unsigned faults, const char *path, sim_oci_answer *a);

/* ---- GitHub releases and attestations (github.c) ---------------------- */

/* --fault bits of --github-release */
#define SIM_GH_FAULT_MISSING 1u        /* no release (404) */
#define SIM_GH_FAULT_HASH_NOT_HEX 2u   /* tinfoil.hash is not hex */
#define SIM_GH_FAULT_OTHER_DIGEST 4u   /* tinfoil.hash names another digest,
                                          whose attestation is the bundle */
#define SIM_GH_FAULT_OTHER_REPO 8u     /* the release served for any
                                          repository asked */
#define SIM_GH_FAULT_TAG_MISMATCH 16u  /* the release's tag is not the
                                          bundle's workflow tag */
#define SIM_GH_FAULT_OVERSIZED 32u     /* a 5 MiB attestations answer */

typedef struct sim_gh_answer {
    int status;
    char *body; /* malloc'd */
    size_t len;
    const char *ctype;
    char location[512]; /* a redirect's Location; "" for none */
} sim_gh_answer;

/* OWNER/NAME@TAG=FILE; 0 or -1 (message printed). */
int sim_gh_init(const char *spec);
void sim_gh_free(void);
/* Set the bit of --fault `name`; false when it is not a GitHub fault. */
bool sim_gh_fault(const char *name, unsigned *bits);
/* false when `path` is not one of the GitHub endpoints (or none set up);
 * host and tls make the asset redirect's Location. */
bool sim_gh_answer_for(unsigned faults, const char *path, const char *host,
                       bool tls, sim_gh_answer *a);

/* Set before sim_td_init(): the app_compose names the OCI images. */
extern bool sim_oci_compose;

/* Pseudo-random hex of a label (for placeholder values). */
void sim_label_hex(char *out, size_t nbytes, unsigned long long seed,
                   const char *label);

#endif
