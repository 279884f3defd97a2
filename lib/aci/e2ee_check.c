/*
 * The E2EE v2 checks of an ACI exchange (spec/e2ee-v2.md sections 7 and
 * 8): the key the request was encrypted to is listed in the keyset the
 * receipt is verified against, and every field of the response opens
 * under this request's AAD (buffered body or SSE stream). Recorded in the
 * receipt's result by teeattest_aci_verify_receipt() (opts->e2ee).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>

#include "aci.h"
#include "e2ee_impl.h"
#include "teeattest/e2ee.h"
#include "../transport/sse.h"

#define PASS TEEATTEST_OUTCOME_PASS
#define FAIL TEEATTEST_OUTCOME_FAIL
#define SKIP TEEATTEST_OUTCOME_SKIP

static const char KEY[] = "aci.e2ee.key";
static const char RESPONSE[] = "aci.e2ee.response";

typedef struct open_state {
    teeattest_e2ee_session *s;
    int (*each)(void *ud, const uint8_t *p, size_t n);
    void *ud;
    size_t events;
    int rc;            /* the first failure's status */
    teeattest_error *err;
} open_state;

static int on_event(void *ud, const char *event, const char *data, size_t len)
{
    open_state *o = ud;
    if (event && strcmp(event, "message") != 0)
        return 0; /* not a completion chunk (the spec defines none) */
    const uint8_t *p;
    size_t n;
    o->events++;
    o->rc = teeattest_e2ee_decrypt_chunk(o->s, &p, &n, (const uint8_t *)data,
                                         len, o->err);
    if (!o->rc && o->each)
        o->rc = o->each(o->ud, p, n);
    return o->rc ? 1 : 0;
}

int ta_e2ee_open_all(teeattest_e2ee_session *s, const teeattest_ctx *ctx,
                     const uint8_t *resp, size_t len,
                     int (*each)(void *ud, const uint8_t *p, size_t n),
                     void *ud, teeattest_error *err)
{
    size_t i = 0;
    while (i < len && (resp[i] == ' ' || resp[i] == '\t' || resp[i] == '\r' ||
                       resp[i] == '\n'))
        i++;
    if (i < len && resp[i] == '{') {
        const uint8_t *p;
        size_t n;
        int rc = teeattest_e2ee_decrypt_response(s, &p, &n, resp, len, err);
        return !rc && each ? each(ud, p, n) : rc;
    }
    open_state o = {.s = s, .each = each, .ud = ud, .err = err};
    ta_sse sse;
    ta_sse_init(&sse, ctx, on_event, &o);
    int rc = ta_sse_feed(&sse, resp, len);
    if (!rc)
        rc = ta_sse_finish(&sse, true);
    ta_sse_clear(&sse);
    if (o.rc)
        return o.rc;
    if (rc)
        return ta_error(err, rc, NULL, "the response is not an SSE stream");
    if (!o.events)
        return ta_error(err, TEEATTEST_E_FIELD_MISSING, NULL,
                        "the response holds no event");
    return TEEATTEST_OK;
}

int ta_e2ee_record_checks(const teeattest_ctx *ctx, ta_checks *c,
                          teeattest_e2ee_session *s,
                          const ta_aci_keyset *ks, const uint8_t *resp,
                          size_t len, teeattest_error *err)
{
    if (!ctx || !c || !s || !ks)
        return TA_INVALID(err, "ta_e2ee_record_checks");
    const ta_e2ee_key *svc = ta_e2ee_session_service(s);
    const char *algo = teeattest_e2ee_session_algo(s);
    const char *kid = teeattest_e2ee_session_key_id(s);
    bool listed = false;
    for (size_t i = 0; i < ks->n_e2ee && !listed; i++) {
        const ta_aci_key *k = &ks->e2ee[i];
        listed = k->recognized && strcmp(k->algo, algo) == 0 &&
                 strcmp(k->key_id ? k->key_id : "", kid) == 0 && k->pub_len == svc->pub_len &&
                 memcmp(k->pub, svc->pub, svc->pub_len) == 0;
    }
    ta_checks_add(c, KEY, listed ? PASS : FAIL, true,
                  listed ? "the request was encrypted to %s key \"%.64s\" "
                           "of the keyset %s"
                         : "the request was encrypted to %s key \"%.64s\", "
                           "not listed under that key_id in the keyset %s",
                  algo, kid, ks->digest);
    size_t before = ta_e2ee_session_opened(s);
    if (!resp) {
        ta_checks_add(c, RESPONSE, SKIP, true,
                      "no response bytes given: its fields were not opened");
    } else {
        teeattest_error e = TEEATTEST_ERROR_INIT;
        int rc = ta_e2ee_open_all(s, ctx, resp, len, NULL, NULL, &e);
        if (rc == TEEATTEST_E_NOMEM)
            return ta_error(err, rc, NULL, "out of memory");
        size_t n = ta_e2ee_session_opened(s) - before;
        if (!rc && !n)
            ta_checks_add(c, RESPONSE, FAIL, true,
                          "no encrypted field in the response");
        else if (!rc)
            ta_checks_add(c, RESPONSE, PASS, true,
                          "%zu field%s decrypted, each tag verified over its "
                          "AAD", n, n == 1 ? "" : "s");
        else
            ta_checks_add(c, RESPONSE, FAIL, true, "%s%s%s: %s",
                          teeattest_status_name(rc), e.where[0] ? " at " : "",
                          e.where, e.message);
        if (c->r)
            ta_result_fact_int(c->r, "aci.e2ee.fields", (int64_t)n);
    }
    if (c->r) {
        ta_result_fact_str(c->r, "aci.e2ee.suite", algo);
        ta_result_fact_str(c->r, "aci.e2ee.key_id", kid);
    }
    return TEEATTEST_OK;
}
