/*
 * teeattest proxy: declarations shared by cmd_proxy.c (options, start,
 * shutdown), proxy_state.c (the attestation lifecycle and the verification
 * of each exchange) and proxy_http.c (the HTTP server).
 *
 * SPDX-License-Identifier: Apache-2.0
 *
 * Built on the public API only, like the rest of the CLI: it is also the
 * example of embedding the library in a long-running, multi-threaded
 * program (one context, one provider and one policy shared by every
 * thread; docs/proxy.md).
 */
#ifndef TEEATTEST_PROXY_H
#define TEEATTEST_PROXY_H

#include <pthread.h>
#include <stdatomic.h>

#include "cli.h"

#define PROXY "proxy"

/* Largest request body accepted from a client (413 beyond). */
#define PROXY_MAX_REQUEST (16u * 1024u * 1024u)
/* Longest aci receipt document fetched (teeattest_aci_receipt_fetch()). */
#define PROXY_RECEIPT_MAX (1u << 20)

/* Defaults of --reattest-backoff and --idle-timeout. */
#define PROXY_BACKOFF_DEFAULT_MS 10000u
#define PROXY_IDLE_DEFAULT_S 60u

/* How a verified exchange's signer is vouched for: an attestation of the
 * provider, or --expect-signer. The names are what the headers and the
 * SSE comment say. */
#define PROXY_VERDICT_ATTESTED "verified"
#define PROXY_VERDICT_PINNED "pinned"

/* One attestation: immutable once published; shared by reference. */
struct proxy_att {
    atomic_int refs;
    bool ok;                   /* its verdict is verified */
    uint64_t gen;              /* 1, 2, ...: the attestation's number */
    int64_t at;                /* Unix time it was verified */
    teeattest_result *res;     /* NULL when no report could be verified */
    teeattest_report *rep;
    teeattest_evidence *ev;
    uint8_t nonce[TEEATTEST_NONCE_SIZE];
    char *failed;              /* JSON array text of the failed checks */
    char *error;               /* why it failed, one line ("" when ok) */
    /* The provider chats under this attestation go through: its own,
     * pinned to the attested TLS key where the dialect binds that key
     * (pin); NULL: the shared unpinned one (proxy_upstream()). */
    teeattest_provider *p;
    char *pin;                 /* "sha256//<base64>", or NULL */
    char *keyset;              /* aci: the verified keyset (JSON text) */
    uint64_t tried_ms;         /* px->now_ms() when it was made */
};

struct proxy_att *proxy_att_ref(struct proxy_att *a);
void proxy_att_free(struct proxy_att *a);

/* The counters of /teeattest/status. */
struct proxy_counters {
    atomic_ulong requests, verified, rejected, upstream_errors, attestations,
        attestation_failures;
};

struct proxy {
    /* configuration, read-only once serving */
    teeattest_ctx *ctx;
    teeattest_provider *p;
    teeattest_policy *pol;
    struct cli_opt *opts;                 /* for cli_evidence_apply() */
    const struct cli_verify_args *va;
    const char *provider;                 /* dialect name */
    const char *model;                    /* --model, or NULL */
    const char *pinned_signer;            /* --expect-signer, or NULL */
    const char *save_dir;                 /* --save-dir, or NULL */
    const char *upstream_base;            /* base URL for pass-through */
    const char *api_key;                  /* the dialect's key, or NULL */
    const char *ca_file;
    const char *token;                    /* inbound bearer token or NULL */
    uint32_t upstream_timeout_ms;
    uint64_t reattest_ms;                 /* 0: only when needed */
    /* After a failed attestation, the next attempt waits this long
     * (--reattest-backoff; 0: none); requests meanwhile get the failed
     * one's 503. */
    uint64_t backoff_ms;
    unsigned idle_timeout_s;              /* client keep-alive; 0: none */
    uint64_t (*now_ms)(void);             /* the clock of the backoff */
    bool buffer_streams;
    bool aci;                             /* the aci dialect: receipts */
    /* --e2ee (aci): each request encrypted (E2EE v2) to a key of the
     * attested keyset of this suite (TEEATTEST_E2EE_ALGO_*; NULL: the
     * preferred one), each answer decrypted (proxy_e2ee_start()) */
    bool e2ee;
    const char *e2ee_algo;
    int64_t at;                           /* --at: the context's clock */

    /* the current attestation */
    pthread_mutex_t lock;                 /* guards cur, stopping */
    pthread_mutex_t run;                  /* one attestation at a time */
    pthread_cond_t wake;                  /* the re-attestation timer */
    struct proxy_att *cur;
    atomic_bool stopping;
    atomic_ulong saved;                   /* --save-dir file numbers */
    struct proxy_counters n;
};

/* ---- proxy_state.c ---------------------------------------------------- */

/* The current attestation (a new reference; never NULL after start). */
struct proxy_att *proxy_current(struct proxy *px);
/* Attest again (fresh nonce; signer may name the entry to ask for) unless
 * an attestation newer than `seen_gen` was published meanwhile; returns
 * the current one (a new reference). */
struct proxy_att *proxy_attest(struct proxy *px, uint64_t seen_gen,
                               const char *signer);
/* A monotonic clock in ms (the default px->now_ms). */
uint64_t proxy_monotonic_ms(void);
/* Whether an attestation made at tried_ms failed too recently to try
 * again at now_ms (a pure function: the clock is the caller's). */
bool proxy_backoff_holds(bool ok, uint64_t tried_ms, uint64_t now_ms,
                         uint64_t backoff_ms);
/* The failed checks of res (FAIL, or a required SKIP) as JSON array text;
 * "a, b" from such a text. Both malloc'ed. */
char *proxy_failed_checks(const teeattest_result *res);
char *proxy_list_text(const char *failed);
/* The timer thread of --reattest; returns when px->stopping is set and
 * px->wake signalled. */
void *proxy_reattest_thread(void *arg);

/* ---- proxy_verify.c --------------------------------------------------- */

/* The outcome of verifying one exchange. */
struct proxy_outcome {
    int http;              /* 200 when verified, else the status to send */
    const char *code;      /* OpenAI error "code" when not verified */
    char *message;         /* malloc'ed message when not verified */
    char *failed;          /* JSON array text of failed checks, or NULL */
    char *signer;          /* the verified signer (malloc'ed) */
    const char *verdict;   /* PROXY_VERDICT_* when verified */
    int64_t attested_at;   /* the attestation's time (0 when pinned) */
    char *e2ee_suite;      /* --e2ee: the session's algo (malloc'ed) */
    char *e2ee_key;        /* --e2ee: its key_id in the keyset (malloc'ed) */
};
void proxy_outcome_clear(struct proxy_outcome *o);

/* Before forwarding: true when a verified attestation (or a pinned
 * signer) covers requests, *att then the attestation (a new reference;
 * NULL when pinned); else fills o with the 503. */
bool proxy_ready(struct proxy *px, struct proxy_outcome *o,
                 struct proxy_att **att);

/* The provider a request under attestation a (may be NULL) goes to. */
teeattest_provider *proxy_upstream(struct proxy *px,
                                   const struct proxy_att *a);

/* --e2ee: a new E2EE v2 session to a key of a's verified keyset (only:
 * never a key the report advertises elsewhere), the plaintext request
 * body encrypted in it. TEEATTEST_OK, else a status with err. */
int proxy_e2ee_start(struct proxy *px, const struct proxy_att *a,
                     const uint8_t *body, size_t len,
                     teeattest_e2ee_session **out, teeattest_error *err);

/* The OpenAI error "type" of a refusal with this HTTP status. */
const char *proxy_error_type(int http);

/* --e2ee: the refusal when the request could not be encrypted to `key`
 * ("the attested", "the new attestation's") E2EE key (st and err from
 * proxy_e2ee_start()): 503 e2ee_key_unavailable, 502 e2ee_key_unusable,
 * 500 internal or 400 e2ee_request_failed. */
void proxy_e2ee_refuse(struct proxy_outcome *o, const char *key, int st,
                       const teeattest_error *err);

/* Send one chat request under *att (teeattest_chat(); with e2ee non-NULL
 * the session *e2ee's encrypted request, teeattest_chat_e2ee()); when the
 * pinned connection fails (a new TLS key), attest again and, when that
 * verifies, send it once more under the new attestation (*att replaced;
 * *e2ee replaced by a session to the new attestation's keyset). */
int proxy_chat(struct proxy *px, struct proxy_att **att,
               teeattest_exchange **x, const uint8_t *body, size_t len,
               uint32_t flags, teeattest_event_fn on_event, void *user,
               teeattest_e2ee_session **e2ee, teeattest_error *err);

/* After the upstream answered (st, x from proxy_chat() under a): fetch the
 * signature or receipt, re-attest when the answer names a signer the
 * attestation does not, verify, save the evidence (--save-dir). e2ee: the
 * exchange's session (aci --e2ee; NULL otherwise): the receipt is checked
 * with it (aci.e2ee.key, aci.e2ee.response must pass). Under --e2ee a
 * NULL e2ee with st an error is proxy_chat()'s retry that could not
 * encrypt to the new keyset (proxy_e2ee_refuse()). */
void proxy_verify_exchange(struct proxy *px, struct proxy_att *a, int st,
                           const teeattest_error *err, teeattest_exchange *x,
                           teeattest_e2ee_session *e2ee,
                           struct proxy_outcome *o);

/* The /teeattest/status document (malloc'ed JSON text). */
char *proxy_status_json(struct proxy *px);

/* {"error":{"message","type","param":null,"code"[,"failed_checks"]}}
 * (malloc'ed). */
char *proxy_error_json(const char *type, const char *code,
                       const char *message, const char *failed);

/* ISO 8601 UTC ("2026-01-02T03:04:05Z") of a Unix time into out[21]. */
void proxy_iso_time(int64_t t, char out[21]);

/* ---- proxy_http.c, proxy_models.c -------------------------------------- */

struct MHD_Connection;

/* A growing byte buffer, NUL-terminated past len. secret: it holds
 * plaintext (--e2ee): a growth wipes the old block, and proxy_buf_free()
 * wipes it. */
struct proxy_buf {
    char *data;
    size_t len, cap;
    bool secret;
};
bool proxy_buf_add(struct proxy_buf *b, const void *data, size_t len);
void proxy_buf_free(struct proxy_buf *b);

/* Overwrite n bytes at p with zeros (not optimised away). */
void proxy_wipe(void *p, size_t n);

/* Queue an OpenAI-shaped error answer (proxy_error_json()); an MHD_Result. */
int proxy_send_error(struct MHD_Connection *c, unsigned status,
                     const char *type, const char *code, const char *message,
                     const char *failed);

/* GET /v1/models, passed through (an MHD_Result). */
int proxy_models(struct proxy *px, struct MHD_Connection *c);

/* Start the server on host:port (port 0: ephemeral); *port gets the port
 * bound. Returns the daemon handle (NULL with a message on failure). */
void *proxy_http_start(struct proxy *px, const char *host, uint16_t *port);
/* Stop accepting, end the streams in progress, stop the daemon. */
void proxy_http_stop(struct proxy *px, void *daemon);
/* Relay threads still waiting for the provider (after a stop: the shared
 * objects must then outlive the process). */
int proxy_http_relays(void);

#endif /* TEEATTEST_PROXY_H */
