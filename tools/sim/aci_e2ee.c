/*
 * teeattest-sim: the E2EE v2 service side of --dialect aci
 * (Dstack-TEE/private-ai-gateway spec/e2ee-v2.md), played with the
 * library's internal service half (lib/aci/e2ee_server.c): one service
 * key per suite, both listed in the keyset's e2ee_public_keys; requests
 * with the five headers are checked, decrypted and restored (the receipt
 * hashes the restored body), and the answer's fields are encrypted to the
 * client's key. The service clock is the simulator's (--pki-time), so the
 * timestamp window never depends on the wall clock. TEST keys only.
 *
 * Faults: aci_e2ee_tamper flips a hex digit of an encrypted field before
 * the receipt hashes the bytes (only the AEAD tag catches it);
 * aci_e2ee_replay seals the answer for the previous E2EE request's nonce
 * and timestamp (the AAD binds them: the client refuses the fields);
 * aci_e2ee_unlisted advertises, outside the quote-bound keyset, another
 * E2EE key and accepts requests to it (the client must never use it).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "sim.h"
#include "aci/e2ee_impl.h"

struct sim_e2ee {
    ta_e2ee_exchange *x;
    int suite;
    bool tamper;
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static teeattest_ctx *ctx;
/* x25519, secp256k1, the unlisted x25519 key */
static ta_e2ee_server *servers[3];
static pthread_mutex_t last_lock = PTHREAD_MUTEX_INITIALIZER;
static char last_nonce[65];
static int64_t last_ts;

static int64_t sim_clock(void *ud)
{
    (void)ud;
    return sim_aci_now();
}

static const sim *the_sim;

static void init(void)
{
    const sim *s = the_sim;
    teeattest_ctx_options o = TEEATTEST_CTX_OPTIONS_INIT;
    o.clock = sim_clock;
    if (teeattest_ctx_new(&ctx, &o, NULL) != TEEATTEST_OK)
        return;
    uint8_t k1[32], other[32];
    char label[96];
    snprintf(label, sizeof label, "teeattest-sim/%llu/aci-secp256k1", s->seed);
    sim_sha256(k1, label, strlen(label));
    snprintf(label, sizeof label, "teeattest-sim/%llu/aci-x25519-unlisted",
             s->seed);
    sim_sha256(other, label, strlen(label));
    if (ta_e2ee_server_new(ctx, &servers[0], TA_E2EE_X25519,
                           s->aci_x25519_sk, 0) ||
        ta_e2ee_server_new(ctx, &servers[1], TA_E2EE_SECP256K1, k1, 0) ||
        ta_e2ee_server_new(ctx, &servers[2], TA_E2EE_X25519, other, 0))
        servers[0] = servers[1] = servers[2] = NULL; /* refused below */
}

static bool ready(const sim *s)
{
    the_sim = s;
    pthread_once(&once, init);
    return servers[0] && servers[1] && servers[2];
}

const char *sim_aci_e2ee_pub(const sim *s, int which)
{
    return ready(s) && which >= 0 && which < 3
               ? ta_e2ee_server_pub_hex(servers[which]) : NULL;
}

static const char *hdr(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

bool sim_aci_e2ee_requested(struct MHD_Connection *c)
{
    return hdr(c, "X-E2EE-Version") || hdr(c, "X-Client-Pub-Key") ||
           hdr(c, "X-Model-Pub-Key") || hdr(c, "X-E2EE-Nonce") ||
           hdr(c, "X-E2EE-Timestamp");
}

sim_e2ee *sim_aci_e2ee_open(const sim *s, const sim_faults *f,
                            struct MHD_Connection *c, const void *body,
                            size_t len, char **restored, size_t *restored_len,
                            const char **spec_error, char *msg, size_t msg_size)
{
    *restored = NULL;
    *spec_error = "server_error";
    snprintf(msg, msg_size, "the E2EE service is not available");
    if (!ready(s))
        return NULL;
    ta_e2ee_headers h = {hdr(c, "X-E2EE-Version"), hdr(c, "X-Client-Pub-Key"),
                         hdr(c, "X-Model-Pub-Key"), hdr(c, "X-E2EE-Nonce"),
                         hdr(c, "X-E2EE-Timestamp")};
    /* the service key the client named; an unknown one is refused by the
     * X25519 service as a key mismatch */
    int which = 0;
    for (int i = 0; h.model_pub && i < 3; i++) {
        const char *p = h.model_pub;
        if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
            p += 2;
        const char *mine = ta_e2ee_server_pub_hex(servers[i]);
        if (!strcasecmp(p, mine) ||
            (strlen(mine) == 130 && !strcasecmp(p, mine + 2)))
            which = i;
    }
    if (which == 2 && !f->aci_e2ee_unlisted)
        which = 0;
    ta_e2ee_exchange *x = NULL;
    uint8_t *rb = NULL;
    size_t rl = 0;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    int rc = ta_e2ee_server_open(servers[which], &x, &rb, &rl, spec_error, &h,
                                 TA_E2EE_EP_CHAT, body, len, &err);
    if (rc) {
        snprintf(msg, msg_size, "%s", err.message);
        if (!*spec_error)
            *spec_error = "e2ee_decryption_failed";
        return NULL;
    }
    sim_e2ee *e = calloc(1, sizeof *e);
    char *r = malloc(rl + 1);
    if (!e || !r) {
        free(e);
        free(r);
        ta_free(ctx, rb);
        ta_e2ee_exchange_free(x);
        snprintf(msg, msg_size, "out of memory");
        *spec_error = "server_error";
        return NULL;
    }
    memcpy(r, rb, rl);
    r[rl] = 0;
    ta_free(ctx, rb);
    e->x = x;
    e->suite = which == 1 ? TA_E2EE_SECP256K1 : TA_E2EE_X25519;
    e->tamper = f->aci_e2ee_tamper;
    int64_t ts;
    const char *nonce = ta_e2ee_exchange_nonce(x, &ts);
    pthread_mutex_lock(&last_lock);
    if (f->aci_e2ee_replay) {
        /* the previous request's nonce, else this one with a digit changed */
        char other[65];
        snprintf(other, sizeof other, "%s", last_nonce[0] ? last_nonce : nonce);
        if (!last_nonce[0])
            other[0] = other[0] == '0' ? '1' : '0';
        int64_t ots = last_nonce[0] ? last_ts : ts;
        snprintf(last_nonce, sizeof last_nonce, "%s", nonce);
        last_ts = ts;
        ta_e2ee_exchange_rebind(x, other, ots);
    } else {
        snprintf(last_nonce, sizeof last_nonce, "%s", nonce);
        last_ts = ts;
    }
    pthread_mutex_unlock(&last_lock);
    *restored = r;
    *restored_len = rl;
    return e;
}

const char *sim_aci_e2ee_algo(const sim_e2ee *e)
{
    return ta_e2ee_algo(e->suite);
}

/* Flip one hex digit inside the first encrypted field of `t`: the
 * ciphertext stays well formed, its tag no longer verifies. */
void sim_e2ee_tamper_field(char *t)
{
    static const char *const keys[] = {"\"content\":\"", "\"text\":\""};
    for (size_t k = 0; k < 2; k++) {
        char *p = strstr(t, keys[k]);
        if (!p)
            continue;
        p += strlen(keys[k]);
        char *end = strchr(p, '"');
        if (!end || end - p < 40)
            continue;
        char *q = end - 10; /* inside the tag */
        *q = *q == '0' ? '1' : '0';
        return;
    }
}

char *sim_aci_e2ee_seal(sim_e2ee *e, bool chunk, bool tamper_this,
                        const char *payload, size_t len, size_t *out_len)
{
    uint8_t *o = NULL;
    size_t n = 0;
    if (ta_e2ee_server_seal(e->x, &o, &n, chunk, (const uint8_t *)payload,
                            len, NULL))
        return NULL;
    char *t = malloc(n + 1);
    if (t) {
        memcpy(t, o, n);
        t[n] = 0;
        if (e->tamper && tamper_this)
            sim_e2ee_tamper_field(t);
        *out_len = n;
    }
    ta_free(ctx, o);
    return t;
}

void sim_aci_e2ee_free(sim_e2ee *e)
{
    if (!e)
        return;
    ta_e2ee_exchange_free(e->x);
    free(e);
}
