/*
 * teeattest-sim: NEAR AI field-level E2EE on --dialect nearai
 * (docs/e2ee-nearai.md), played with the library's internal field walk
 * (lib/aci/e2ee_near.c): a chat request carrying X-Signing-Algo and
 * X-Client-Pub-Key has its message fields decrypted with the answering
 * node's signing key (the ed25519 seed or the secp256k1 secret of the
 * key its report lists), and the answer's fields are encrypted to the
 * client's key. The nearai signature then covers the encrypted bytes as
 * sent. TEST keys only.
 *
 * Faults: near_e2ee_tamper flips a hex digit of an encrypted answer field
 * before the signature hashes the answer (only the AEAD tag catches it);
 * near_e2ee_plaintext leaves the answer's fields in plaintext (a
 * downgrade); near_e2ee_other_key encrypts them to another key;
 * near_e2ee_key_mismatch makes the service refuse X-Model-Pub-Key as not
 * its key.
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

struct sim_near {
    ta_e2ee_key client; /* the answer's recipient */
    bool plaintext, tamper;
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static teeattest_ctx *ctx;

static void init(void)
{
    if (teeattest_ctx_new(&ctx, NULL, NULL) != TEEATTEST_OK)
        ctx = NULL;
}

static const char *hdr(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

bool sim_near_e2ee_requested(struct MHD_Connection *c)
{
    return hdr(c, "X-Signing-Algo") || hdr(c, "X-Client-Pub-Key") ||
           hdr(c, "X-Model-Pub-Key") || hdr(c, "X-Encryption-Version");
}

/* `given` (optional 0x; for secp256k1 also the 04 form) names `mine`. */
static bool same_key(const char *given, const char *mine)
{
    if (given[0] == '0' && (given[1] == 'x' || given[1] == 'X'))
        given += 2;
    if (!strcasecmp(given, mine))
        return true;
    return strlen(mine) == 128 && strlen(given) == 130 &&
           given[0] == '0' && given[1] == '4' && !strcasecmp(given + 2, mine);
}

/* messages[].content as received: the log shows what the service saw. */
static json_t *contents_seen(json_t *body)
{
    json_t *out = json_array(), *m;
    size_t i;
    json_array_foreach(json_object_get(body, "messages"), i, m) {
        json_t *c = json_object_get(m, "content");
        if (c)
            json_array_append(out, c);
    }
    return out;
}

sim_near *sim_near_e2ee_open(const sim *s, const sim_faults *f,
                             struct MHD_Connection *c, const void *body,
                             size_t len, int *node, json_t **log, char *msg,
                             size_t msg_size)
{
    pthread_once(&once, init);
    const char *algo = hdr(c, "X-Signing-Algo");
    const char *cpub = hdr(c, "X-Client-Pub-Key");
    const char *mpub = hdr(c, "X-Model-Pub-Key");
    const char *ver = hdr(c, "X-Encryption-Version");
    int suite = ta_near_suite(algo);
    if (!ctx) {
        snprintf(msg, msg_size, "the E2EE service is not available");
        return NULL;
    }
    if (!algo || !cpub) {
        snprintf(msg, msg_size, "X-Signing-Algo and X-Client-Pub-Key go "
                                "together");
        return NULL;
    }
    if (!suite) {
        snprintf(msg, msg_size, "Invalid signing algorithm. Must be 'ecdsa' "
                                "or 'ed25519'");
        return NULL;
    }
    if (suite == TA_E2EE_X25519 && (!ver || strcmp(ver, "2") != 0)) {
        snprintf(msg, msg_size, "unsupported X-Encryption-Version for "
                                "ed25519 (this service speaks 2)");
        return NULL;
    }
    /* the node whose signing key the request names */
    int nodes = f->nodes < 1 ? 1 : f->nodes > SIM_MAX_NODES ? SIM_MAX_NODES
                                                            : f->nodes;
    int pick = -1;
    ta_e2ee_key model;
    for (int i = 0; mpub && !f->near_e2ee_key_mismatch && i < nodes; i++) {
        ta_e2ee_key k;
        char pub[131];
        const uint8_t *secret = suite == TA_E2EE_X25519 ? s->keys[i].ed_sk
                                                        : s->keys[i].ecdsa_sk;
        if (!ta_near_key_from_secret(&k, pub, suite, secret) &&
            same_key(mpub, pub)) {
            model = k;
            pick = i;
            break;
        }
    }
    if (pick < 0) {
        snprintf(msg, msg_size, "X-Model-Pub-Key is not this model's "
                                "signing key");
        return NULL;
    }
    sim_near *e = calloc(1, sizeof *e);
    teeattest_error err = TEEATTEST_ERROR_INIT;
    if (!e || ta_near_model_key(ctx, &e->client, suite, cpub, NULL, &err)) {
        snprintf(msg, msg_size, "X-Client-Pub-Key: %s",
                 e ? err.message : "out of memory");
        free(e);
        return NULL;
    }
    json_t *j = json_loadb(body, len, 0, NULL);
    size_t fields = 0;
    json_t *seen = json_is_object(j) ? contents_seen(j) : NULL;
    if (!json_is_object(j) ||
        ta_near_walk_request(ctx, j, false, &model, &fields, &err)) {
        snprintf(msg, msg_size, "decryption failed: %s (%s)",
                 j ? err.message : "the body is not JSON", err.where);
        json_decref(seen);
        json_decref(j);
        free(e);
        return NULL;
    }
    json_decref(j);
    *log = json_pack("{s:o*,s:I}", "e2ee_contents", seen, "e2ee_fields",
                     (json_int_t)fields);
    *node = pick;
    e->plaintext = f->near_e2ee_plaintext;
    e->tamper = f->near_e2ee_tamper;
    if (f->near_e2ee_other_key) {
        char pub[131];
        ta_near_key_generate(ctx, &e->client, pub, suite);
    }
    return e;
}

char *sim_near_e2ee_seal(sim_near *e, bool chunk, bool tamper_this,
                         const char *payload, size_t len, size_t *out_len)
{
    json_t *j = json_loadb(payload, len, 0, NULL);
    size_t fields = 0;
    char *t = NULL;
    if (j && (e->plaintext ||
              !ta_near_walk_response(ctx, j, chunk, true, &e->client,
                                     &fields, NULL)))
        t = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (t) {
        if (e->tamper && tamper_this && !e->plaintext)
            sim_e2ee_tamper_field(t);
        *out_len = strlen(t);
    }
    return t;
}

void sim_near_e2ee_free(sim_near *e)
{
    free(e);
}
