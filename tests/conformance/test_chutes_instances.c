/*
 * Chutes binds every instance on its own (spec providers.md L6):
 * report_data[0:32] = SHA-256(nonce hex || that instance's E2EE key), and
 * every GPU of that instance signed that value as its SPDM requester
 * nonce. The two real Chutes captures (RedPill's 5 instances x 8 GPUs
 * with a server nonce, and Chutes direct with its /e2e/instances answer)
 * verify instance by instance; then each is edited in memory the way a
 * replaying gateway would (one instance's GPUs or key standing in for
 * another's, a shared key or quote, a duplicated or unlisted instance, an
 * edited nonce) and must fail on exactly the instance edited.
 *
 * Each verdict is compared with the unedited capture's: the failures an
 * edit adds must be exactly the ones listed (the capture's own, such as
 * collateral dated after it, stay the same).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "conformance.h"
#include "report_helpers.h"

static teeattest_ctx *ctx;

#define P "providers/"
#define RP "redpill_chutes_backend"
#define CD "chutes_direct"

typedef struct run {
    const char *dir, *dialect, *file;
    json_t *doc;       /* the report, edited in place */
    json_t *instances; /* the /e2e/instances answer, or NULL */
    uint8_t nonce[32];
    int64_t at;
    bool server_nonce_ok;
} run;

static void run_load(run *c, const char *dir, const char *dialect,
                     const char *file, bool with_instances)
{
    char path[256];
    memset(c, 0, sizeof *c);
    c->dir = dir;
    c->dialect = dialect;
    c->file = file;
    snprintf(path, sizeof path, P "%s/capture_manifest.json", dir);
    json_t *m = conf_json(path);
    ta_test_unhex(c->nonce, 32, conf_str(m, "nonce_hex"));
    c->at = ta_test_iso_time(conf_str(m, "captured_at"));
    json_decref(m);
    snprintf(path, sizeof path, P "%s/%s", dir, file);
    c->doc = conf_json(path);
    if (with_instances)
        c->instances = conf_json(P CD "/e2e_instances.json");
    c->server_nonce_ok = true;
}

static void run_free(run *c)
{
    json_decref(c->doc);
    json_decref(c->instances);
}

static teeattest_result *verify(const run *c, const uint8_t *nonce)
{
    char *text = json_dumps(c->doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    teeattest_report *rep = NULL;
    if (!CHECK_EQ_INT(teeattest_report_parse(ctx, &rep, c->dialect,
                                             (const uint8_t *)text,
                                             strlen(text), NULL),
                      TEEATTEST_OK)) {
        free(text);
        return NULL;
    }
    free(text);
    teeattest_evidence *ev = NULL;
    teeattest_evidence_new(ctx, &ev, NULL);
    teeattest_collateral *col = NULL;
    if (teeattest_collateral_load_dir(
            ctx, &col,
            ta_test_fixture(P "nearai_direct_ed25519_tls/intel_pcs"), NULL)) {
        printf("Bail out! collateral\n");
        exit(1);
    }
    teeattest_evidence_add_collateral(ev, col, NULL);
    teeattest_collateral_free(col);
    if (c->instances) {
        char *inst = json_dumps(c->instances, JSON_COMPACT |
                                                  JSON_PRESERVE_ORDER);
        teeattest_evidence_set(ev, TEEATTEST_EVIDENCE_E2E_INSTANCES, 0,
                               (const uint8_t *)inst, strlen(inst), NULL);
        free(inst);
    }
    teeattest_policy *pol = NULL;
    teeattest_policy_new(ctx, &pol, NULL);
    teeattest_policy_set_time(pol, c->at, NULL);
    teeattest_policy_set_allow_server_nonce(pol, c->server_nonce_ok, NULL);
    teeattest_result *r = NULL;
    CHECK_EQ_INT(teeattest_report_verify(ctx, &r, rep, TEEATTEST_ENTRY_ALL,
                                         ev, pol, nonce ? nonce : c->nonce,
                                         32, NULL),
                 TEEATTEST_OK);
    teeattest_policy_free(pol);
    teeattest_evidence_free(ev);
    teeattest_report_free(rep);
    return r;
}

/* Check `entry[e].name` has `outcome` and, when given, `detail_has` in
 * its detail. */
static void expect(const teeattest_result *r, int e, const char *name,
                   const char *outcome, const char *detail_has)
{
    char full[96];
    if (e >= 0)
        snprintf(full, sizeof full, "entry[%d].%s", e, name);
    else
        snprintf(full, sizeof full, "%s", name);
    if (!CHECK_STR(ta_test_outcome(r, full), outcome))
        printf("# %s\n", full);
    if (!detail_has)
        return;
    const char *d = NULL;
    teeattest_result_find_check(r, full, NULL, &d, NULL);
    if (!CHECK(d && strstr(d, detail_has)))
        printf("# %s says '%s', not '%s'\n", full, d ? d : "", detail_has);
}

/* Every GPU of entry `e` has SPDM nonce check `outcome`; all 8 there. */
static void expect_gpus(const teeattest_result *r, int e, const char *outcome)
{
    char key[64];
    snprintf(key, sizeof key, "entry[%d].gpu.count", e);
    const char *n = ta_test_fact(r, key);
    if (!CHECK_STR(n ? n : "(none)", "8"))
        return;
    for (int k = 0; k < 8; k++) {
        char name[32];
        snprintf(name, sizeof name, "gpu[%d].nonce", k);
        expect(r, e, name, outcome, NULL);
    }
}

static json_t *entries(const run *c)
{
    json_t *a = json_object_get(c->doc, "all_attestations");
    return a ? a : json_object_get(c->doc, "evidence");
}

static json_t *entry(const run *c, size_t i)
{
    return json_array_get(entries(c), i);
}

static void swap_member(json_t *a, json_t *b, const char *key)
{
    json_t *va = json_incref(json_object_get(a, key));
    json_t *vb = json_incref(json_object_get(b, key));
    json_object_set_new(a, key, vb);
    json_object_set_new(b, key, va);
}

static void copy_member(json_t *to, const json_t *from, const char *key)
{
    json_object_set_new(to, key, json_deep_copy(json_object_get(from, key)));
}

/* A 64-hex string with its first digit changed. */
static void edit_hex(json_t *o, const char *key)
{
    char s[65];
    snprintf(s, sizeof s, "%s", json_string_value(json_object_get(o, key)));
    s[0] = s[0] == '0' ? '1' : '0';
    json_object_set_new(o, key, json_string(s));
}

/* ---- RedPill: 5 instances x 8 GPUs, the gateway's nonce -------------------- */

static void redpill(void)
{
    run c;
    run_load(&c, RP, "redpill", "attestation_report.json", false);
    json_t *exp = conf_json(P RP "/expected.json");
    teeattest_result *base = verify(&c, NULL);
    /* Every instance binds its own key, every GPU of it that value (the
     * oracle's values, per instance and per GPU). */
    for (int i = 0; i < 5; i++) {
        json_t *ei = json_array_get(json_object_get(exp, "instances"),
                                    (size_t)i);
        CHECK(json_is_true(json_object_get(ei, "report_data_0_32_matches")));
        json_t *g;
        size_t k;
        json_array_foreach(json_object_get(ei, "gpus"), k, g)
            CHECK(json_is_true(json_object_get(g, "requester_nonce_matches")));
        char id[80];
        snprintf(id, sizeof id, "instance %s",
                 json_string_value(json_object_get(entry(&c, (size_t)i),
                                                   "instance_id")));
        expect(base, i, "binding.report_data", "pass", id);
        expect(base, i, "binding.nonce", "warn", NULL);
        expect(base, i, "binding.stated_nonce", "absent", NULL);
        expect_gpus(base, i, "pass");
    }
    expect(base, -1, "report.entries", "pass", NULL);
    json_decref(exp);

    /* Instance 3 answers with instance 1's GPUs: their nonce is instance
     * 1's value, so all 8 fail on instance 3 and only there. */
    copy_member(entry(&c, 3), entry(&c, 1), "gpu_evidence");
    teeattest_result *r = verify(&c, NULL);
    static const char *const gpus3[] = {"entry[3].gpu[*].nonce", NULL};
    conf_expect_failures(base, r, "instance 3 with instance 1's GPUs", gpus3);
    expect_gpus(r, 3, "fail");
    expect_gpus(r, 1, "pass");
    expect(r, 3, "binding.report_data", "pass", NULL);
    teeattest_result_free(r);
    run_free(&c);

    /* Two instances' keys swapped: each hash is the other's. */
    run_load(&c, RP, "redpill", "attestation_report.json", false);
    swap_member(entry(&c, 1), entry(&c, 3), "e2e_pubkey");
    r = verify(&c, NULL);
    static const char *const rd13[] = {"entry[1].binding.report_data",
                                       "entry[3].binding.report_data", NULL};
    conf_expect_failures(base, r, "keys of 1 and 3 swapped", rd13);
    expect(r, 3, "binding.report_data", "fail", "is not SHA-256");
    expect_gpus(r, 3, "pass"); /* the GPUs are bound to the quote */
    teeattest_result_free(r);
    run_free(&c);

    /* Two instances sharing one key. */
    run_load(&c, RP, "redpill", "attestation_report.json", false);
    copy_member(entry(&c, 3), entry(&c, 1), "e2e_pubkey");
    r = verify(&c, NULL);
    static const char *const shared[] = {"report.entries",
                                         "entry[3].binding.report_data",
                                         NULL};
    conf_expect_failures(base, r, "instances 1 and 3 share a key", shared);
    expect(r, -1, "report.entries", "fail",
           "entries 1 and 3 carry the same E2EE public key");
    teeattest_result_free(r);
    run_free(&c);

    /* Two instances sharing one quote: instance 3's key and GPUs do not
     * match instance 1's report_data. */
    run_load(&c, RP, "redpill", "attestation_report.json", false);
    copy_member(entry(&c, 3), entry(&c, 1), "intel_quote");
    r = verify(&c, NULL);
    static const char *const quote[] = {"report.entries",
                                        "entry[3].binding.report_data",
                                        "entry[3].gpu[*].nonce", NULL};
    conf_expect_failures(base, r, "instances 1 and 3 share a quote", quote);
    expect(r, -1, "report.entries", "fail", "the same quote");
    expect_gpus(r, 3, "fail");
    teeattest_result_free(r);
    run_free(&c);

    /* The same instance twice (a sixth entry, a copy of instance 2). */
    run_load(&c, RP, "redpill", "attestation_report.json", false);
    json_array_append_new(entries(&c), json_deep_copy(entry(&c, 2)));
    r = verify(&c, NULL);
    static const char *const dup[] = {"report.entries", "entry[5].*", NULL};
    conf_expect_failures(base, r, "instance 2 duplicated", dup);
    expect(r, -1, "report.entries", "fail",
           "entries 2 and 5 carry the same quote");
    teeattest_result_free(r);
    run_free(&c);

    /* The same instance_id on two instances with their own quotes. */
    run_load(&c, RP, "redpill", "attestation_report.json", false);
    copy_member(entry(&c, 4), entry(&c, 0), "instance_id");
    r = verify(&c, NULL);
    static const char *const same_id[] = {"report.entries", NULL};
    conf_expect_failures(base, r, "instance_id of 0 on 4", same_id);
    expect(r, -1, "report.entries", "fail",
           "entries 0 and 4 carry the same instance_id");
    teeattest_result_free(r);
    run_free(&c);

    /* The gateway's nonce edited: no instance hashes it. */
    run_load(&c, RP, "redpill", "attestation_report.json", false);
    edit_hex(c.doc, "nonce");
    r = verify(&c, NULL);
    static const char *const all_rd[] = {"entry[*].binding.report_data",
                                         NULL};
    conf_expect_failures(base, r, "server nonce edited", all_rd);
    for (int i = 0; i < 5; i++) {
        expect(r, i, "binding.report_data", "fail", NULL);
        expect(r, i, "binding.stated_nonce", "warn", NULL);
    }
    teeattest_result_free(r);
    run_free(&c);

    /* The gateway's nonce dropped: the client's is hashed, and fails. */
    run_load(&c, RP, "redpill", "attestation_report.json", false);
    json_object_del(c.doc, "nonce");
    r = verify(&c, NULL);
    static const char *const dropped[] = {"entry[*].binding.report_data",
                                          "entry[*].binding.nonce", NULL};
    conf_expect_failures(base, r, "server nonce dropped", dropped);
    expect(r, 4, "binding.nonce", "fail", NULL);
    teeattest_result_free(r);
    run_free(&c);

    /* One instance's own nonce edited: data only, said, not trusted. */
    run_load(&c, RP, "redpill", "attestation_report.json", false);
    edit_hex(entry(&c, 3), "nonce");
    r = verify(&c, NULL);
    CHECK_STR(ta_test_failures(r), ta_test_failures(base));
    expect(r, 3, "binding.stated_nonce", "warn", "instance ");
    expect(r, 2, "binding.stated_nonce", "absent", NULL);
    expect(r, 3, "binding.report_data", "pass", NULL);
    teeattest_result_free(r);

    /* An instances document beside RedPill's keys must agree with them. */
    json_t *inst = json_array();
    for (size_t i = 0; i < 5; i++) {
        json_t *o = json_object();
        copy_member(o, entry(&c, i), "instance_id");
        copy_member(o, entry(&c, i), "e2e_pubkey");
        json_array_append_new(inst, o);
    }
    c.instances = json_pack("{s:o}", "instances", inst);
    r = verify(&c, NULL);
    CHECK_STR(ta_test_failures(r), ta_test_failures(base));
    copy_member(json_array_get(inst, 2), json_array_get(inst, 0),
                "e2e_pubkey");
    teeattest_result_free(r);
    r = verify(&c, NULL);
    static const char *const differs[] = {"entry[2].binding.report_data",
                                          NULL};
    conf_expect_failures(base, r, "document's key differs", differs);
    expect(r, 2, "binding.report_data", "fail",
           "differs from the instances document's");
    teeattest_result_free(r);
    run_free(&c);

    /* Without the gateway's leave, its nonce is not fresh: every
     * instance fails binding.nonce. */
    run_load(&c, RP, "redpill", "attestation_report.json", false);
    c.server_nonce_ok = false;
    r = verify(&c, NULL);
    static const char *const stale[] = {"entry[*].binding.nonce", NULL};
    conf_expect_failures(base, r, "server nonce refused", stale);
    for (int i = 0; i < 5; i++)
        expect(r, i, "binding.nonce", "fail", "server's nonce");
    teeattest_result_free(r);
    run_free(&c);
    teeattest_result_free(base);
}

/* ---- Chutes direct: keys from the /e2e/instances answer -------------------- */

static json_t *listed(const run *c, size_t i)
{
    return json_array_get(json_object_get(c->instances, "instances"), i);
}

static void direct(void)
{
    run c;
    run_load(&c, CD, "chutes", "evidence.json", true);
    teeattest_result *base = verify(&c, NULL);
    for (int i = 0; i < 2; i++) {
        expect(base, i, "binding.report_data", "pass", "instance ");
        expect(base, i, "binding.nonce", "pass", NULL);
        expect(base, i, "binding.tls", "pass", NULL);
        expect_gpus(base, i, "pass");
    }
    expect(base, -1, "report.entries", "pass", NULL);

    /* The nonce sent is not the one hashed. */
    uint8_t other[32];
    memcpy(other, c.nonce, 32);
    other[31] ^= 1;
    teeattest_result *r = verify(&c, other);
    static const char *const stale[] = {"entry[*].binding.report_data",
                                        "entry[*].binding.nonce", NULL};
    conf_expect_failures(base, r, "another nonce", stale);
    expect(r, 1, "binding.nonce", "fail", NULL);
    teeattest_result_free(r);

    /* Instance 1 answers with instance 0's GPUs. */
    copy_member(entry(&c, 1), entry(&c, 0), "gpu_evidence");
    r = verify(&c, NULL);
    static const char *const gpus1[] = {"entry[1].gpu[*].nonce", NULL};
    conf_expect_failures(base, r, "instance 1 with instance 0's GPUs", gpus1);
    expect_gpus(r, 1, "fail");
    teeattest_result_free(r);
    run_free(&c);

    /* The evidence's instance ids swapped: each looks up the other's key. */
    run_load(&c, CD, "chutes", "evidence.json", true);
    swap_member(entry(&c, 0), entry(&c, 1), "instance_id");
    r = verify(&c, NULL);
    static const char *const rd01[] = {"entry[*].binding.report_data",
                                       "entry[*].binding.nonce", NULL};
    conf_expect_failures(base, r, "instance ids swapped", rd01);
    expect(r, 0, "binding.report_data", "fail", NULL);
    expect(r, 1, "binding.report_data", "fail", NULL);
    teeattest_result_free(r);
    run_free(&c);

    /* The document's keys swapped. */
    run_load(&c, CD, "chutes", "evidence.json", true);
    swap_member(listed(&c, 0), listed(&c, 1), "e2e_pubkey");
    r = verify(&c, NULL);
    conf_expect_failures(base, r, "document keys swapped", rd01);
    teeattest_result_free(r);
    run_free(&c);

    /* The document lists one instance only. */
    run_load(&c, CD, "chutes", "evidence.json", true);
    json_array_remove(json_object_get(c.instances, "instances"), 1);
    r = verify(&c, NULL);
    static const char *const unlisted[] = {"entry[1].binding.report_data",
                                           "entry[1].binding.nonce", NULL};
    conf_expect_failures(base, r, "instance 1 unlisted", unlisted);
    expect(r, 1, "binding.report_data", "fail", "does not list it");
    teeattest_result_free(r);

    /* ... and instance 0 twice, the second time with another key. */
    json_t *twice = json_deep_copy(listed(&c, 0));
    json_object_set_new(twice, "e2e_pubkey",
                        json_string("AAAA"));
    json_array_append_new(json_object_get(c.instances, "instances"), twice);
    r = verify(&c, NULL);
    static const char *const ambiguous[] = {"entry[*].binding.report_data",
                                            "entry[*].binding.nonce", NULL};
    conf_expect_failures(base, r, "instance 0 listed twice", ambiguous);
    expect(r, 0, "binding.report_data", "fail", "more than once");
    teeattest_result_free(r);
    run_free(&c);

    /* An answer that is not {"instances": [...]}: no instance has a key. */
    run_load(&c, CD, "chutes", "evidence.json", true);
    json_object_set_new(c.instances, "instances", json_object());
    r = verify(&c, NULL);
    conf_expect_failures(base, r, "no instances array", ambiguous);
    expect(r, 1, "binding.report_data", "fail", "no instances array");
    teeattest_result_free(r);
    run_free(&c);

    /* An instance without instance_id has nothing to look its key up by. */
    run_load(&c, CD, "chutes", "evidence.json", true);
    json_object_del(entry(&c, 1), "instance_id");
    r = verify(&c, NULL);
    conf_expect_failures(base, r, "instance_id dropped", unlisted);
    expect(r, 1, "binding.report_data", "fail",
           "an instance without instance_id: no e2e_pubkey and no "
           "instance_id");
    teeattest_result_free(r);
    run_free(&c);

    /* A key longer than any E2EE key is refused, not hashed. */
    run_load(&c, CD, "chutes", "evidence.json", true);
    size_t big = 64 * 1024 + 1;
    char *huge = malloc(big + 1);
    memset(huge, 'A', big);
    huge[big] = '\0';
    json_object_set_new(listed(&c, 1), "e2e_pubkey", json_string(huge));
    free(huge);
    r = verify(&c, NULL);
    conf_expect_failures(base, r, "oversized key", unlisted);
    expect(r, 1, "binding.report_data", "fail", "cannot be hashed");
    teeattest_result_free(r);
    run_free(&c);

    /* The same instance in the evidence twice. */
    run_load(&c, CD, "chutes", "evidence.json", true);
    json_array_append_new(entries(&c), json_deep_copy(entry(&c, 0)));
    r = verify(&c, NULL);
    static const char *const dup[] = {"report.entries", "entry[2].*", NULL};
    conf_expect_failures(base, r, "instance 0 duplicated", dup);
    expect(r, -1, "report.entries", "fail",
           "entries 0 and 2 carry the same quote");
    teeattest_result_free(r);
    run_free(&c);
    teeattest_result_free(base);
}

int main(void)
{
    if (teeattest_ctx_new(&ctx, NULL, NULL) != TEEATTEST_OK)
        return 1;
    redpill();
    direct();
    teeattest_ctx_free(ctx);
    return ta_test_done();
}
