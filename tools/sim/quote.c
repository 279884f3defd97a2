/*
 * teeattest-sim: the simulated CVM (software identity, dstack event log)
 * and the quote generator.
 *
 * The event log is self-consistent: replaying it gives the RTMRs put in the
 * quote, its compose-hash event is SHA-256(app_compose) and MRCONFIGID is
 * dstack's v1 form (v3 with --dstack-2026), so verification code downstream of DCAP can be
 * exercised against the simulator. The quote is a real DCAP quote, but
 * signed under the simulator's TEST PKI (pki.c), never Intel's.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define RUNTIME_EVENT 0x08000001u

static void label_bytes(uint8_t *out, size_t n, unsigned long long seed,
                        const char *name, const char *what)
{
    char label[160], hex[129];
    snprintf(label, sizeof label, "%s%s%s", name, *name ? "/" : "", what);
    sim_label_hex(hex, n, seed, label);
    sim_unhex(out, n, hex);
}

static int add_event(json_t *log, int imr, uint32_t type, const uint8_t *digest,
                     const char *event, const uint8_t *payload, size_t plen)
{
    char dhex[97];
    sim_hex(dhex, digest, 48);
    char *phex = malloc(2 * plen + 1);
    if (!phex)
        return -1;
    sim_hex(phex, payload, plen);
    json_t *e = json_pack("{s:i,s:I,s:s,s:s,s:s}", "imr", imr, "event_type",
                          (json_int_t)type, "digest", dhex, "event", event,
                          "event_payload", phex);
    free(phex);
    if (!e || json_array_append_new(log, e))
        return -1;
    return 0;
}

/* dstack runtime event digest, version 1:
 * SHA-384(le32(0x08000001) || ":" || name || ":" || payload). */
static int add_runtime(json_t *log, const char *name, const uint8_t *payload,
                       size_t plen)
{
    sbuf b;
    sb_init(&b);
    const uint8_t t[4] = {0x01, 0x00, 0x00, 0x08};
    sb_add(&b, t, 4);
    sb_add(&b, ":", 1);
    sb_str(&b, name);
    sb_add(&b, ":", 1);
    sb_add(&b, payload, plen);
    if (b.oom) {
        sb_free(&b);
        return -1;
    }
    uint8_t d[48];
    sim_sha384(d, b.data, b.len);
    sb_free(&b);
    return add_event(log, 3, RUNTIME_EVENT, d, name, payload, plen);
}

static void replay(sim_td *td)
{
    memset(td->rtmr, 0, sizeof td->rtmr);
    size_t i;
    json_t *e;
    json_array_foreach(td->event_log, i, e) {
        int imr = (int)json_integer_value(json_object_get(e, "imr"));
        uint8_t d[48], cat[96];
        sim_unhex(d, 48, json_string_value(json_object_get(e, "digest")));
        memcpy(cat, td->rtmr[imr], 48);
        memcpy(cat + 48, d, 48);
        sim_sha384(td->rtmr[imr], cat, 96);
    }
}

/* The dstack 2026 form (--dstack-2026): manifest "3" with an init script
 * and a pinned KMS, the RTMR3 events init-script-hash, gpu-policy-hash and
 * gpu-attestation (evidence_sha256 over `gpu_att`), and MRCONFIGID v3 over
 * the JCS mr_config document (dstack-types mr_config.rs). */
#define SIM_INIT_SCRIPT "echo teeattest-sim"

static int mr_config_v3(sim_td *td, const char *kp)
{
    char app[41], ch[65], gp[65], is[65], inst[41];
    sim_hex(app, td->app_id, 20);
    sim_hex(ch, td->compose_hash, 32);
    sim_hex(gp, td->gpu_policy_hash, 32);
    sim_sha256_hex(is, SIM_INIT_SCRIPT, strlen(SIM_INIT_SCRIPT));
    sim_hex(inst, td->instance_id, 20);
    sbuf b;
    sb_init(&b);
    sb_add(&b, "dstack-mr-config-v3:", 20);
    sb_add(&b, "", 1);
    sb_printf(&b, "{\"app_id\":\"%s\",\"compose_hash\":\"%s\","
                  "\"gpu_policy_hash\":\"%s\",\"init_script_hashes\":[\"%s\"],"
                  "\"instance_id\":\"%s\",\"key_provider\":\"kms\","
                  "\"key_provider_id\":\"%s\",\"version\":3}",
              app, ch, gp, is, inst, kp);
    if (b.oom) {
        sb_free(&b);
        return -1;
    }
    memset(td->mr_config_id, 0, 48);
    td->mr_config_id[0] = 0x03;
    sim_sha256(td->mr_config_id + 1, b.data, b.len);
    sb_free(&b);
    return 0;
}

static int runtime_2026(sim_td *td)
{
    uint8_t is[32];
    char ev[65];
    sim_sha256(is, SIM_INIT_SCRIPT, strlen(SIM_INIT_SCRIPT));
    sim_sha256_hex(ev, td->gpu_attestation, td->gpu_attestation_len);
    char payload[256];
    snprintf(payload, sizeof payload,
             "{\"version\":2,\"provider\":\"nvidia\",\"devices\":1,"
             "\"cc_mode\":\"on\",\"devtools\":false,\"evidence_sha256\":"
             "\"%s\"}", ev);
    return add_runtime(td->event_log, "init-script-hash", is, 32) ||
                   add_runtime(td->event_log, "gpu-policy-hash",
                               td->gpu_policy_hash, 32) ||
                   add_runtime(td->event_log, "gpu-attestation",
                               (const uint8_t *)payload, strlen(payload))
               ? -1
               : 0;
}

bool sim_oci_compose;

int sim_td_init(sim_td *td, unsigned long long seed, const char *name)
{
    return sim_td_init_2026(td, seed, name, NULL, 0);
}

int sim_td_init_2026(sim_td *td, unsigned long long seed, const char *name,
                     const char *gpu_att, size_t gpu_att_len)
{
    memset(td, 0, sizeof *td);
    if (gpu_att) {
        td->gpu_attestation = malloc(gpu_att_len + 1);
        if (!td->gpu_attestation)
            return -1;
        memcpy(td->gpu_attestation, gpu_att, gpu_att_len);
        td->gpu_attestation[gpu_att_len] = '\0';
        td->gpu_attestation_len = gpu_att_len;
        sim_sha256(td->gpu_policy_hash, "{}", 2); /* default policy, JCS */
    }
    char img[65];
    label_bytes(td->app_id, 20, seed, name, "app-id");
    label_bytes(td->instance_id, 20, seed, name, "instance-id");
    label_bytes(td->device_id, 32, seed, name, "device-id");
    label_bytes(td->os_image_hash, 32, seed, name, "os-image-hash");
    label_bytes(td->mrtd, 48, seed, name, "mrtd");
    sim_label_hex(img, 32, seed, "image-digest");

    char kp[129];
    sim_label_hex(kp, 64, seed, "kms-root-key");
    sbuf b;
    sb_init(&b);
    /* Shaped like dstack's app-compose.json; the image is a placeholder. */
    if (gpu_att)
        sb_printf(&b,
            "{\"allowed_envs\":[],\"docker_compose_file\":\"services:\\n"
            "  model:\\n    image: teeattest-sim/placeholder@sha256:%s\\n\","
            "\"init_script\":[\"" SIM_INIT_SCRIPT "\"],\"key_provider\":\"kms\","
            "\"key_provider_id\":\"%s\",\"manifest_version\":\"3\","
            "\"name\":\"teeattest-sim%s%s\",\"no_instance_id\":false,"
            "\"runner\":\"docker-compose\"}", img, kp, *name ? "-" : "", name);
    else
    if (sim_oci_compose) {
        char d0[65], d1[65];
        sb_printf(&b, "{\"allowed_envs\":[],\"docker_compose_file\":\""
                      "services:\\n  web:\\n    image: " SIM_OCI_REGISTRY
                      "/teeattest-sim/web@sha256:%s\\n  model:\\n    image: "
                      SIM_OCI_REGISTRY "/teeattest-sim/model@sha256:%s\\n\","
                      "\"manifest_version\":2,\"name\":\"teeattest-sim%s%s\","
                      "\"runner\":\"docker-compose\"}",
                  sim_oci_image_digest(seed, 0, d0),
                  sim_oci_image_digest(seed, 1, d1), *name ? "-" : "", name);
    } else
    sb_printf(&b,
        "{\"allowed_envs\":[],\"docker_compose_file\":\"services:\\n"
        "  model:\\n    image: teeattest-sim/placeholder@sha256:%s\\n"
        "    command: [\\\"serve\\\", \\\"--test-only\\\"]\\n\","
        "\"features\":[\"kms\",\"tproxy-net\"],\"gateway_enabled\":true,"
        "\"kms_enabled\":true,\"local_key_provider_enabled\":false,"
        "\"manifest_version\":2,\"name\":\"teeattest-sim%s%s\","
        "\"no_instance_id\":false,\"public_logs\":true,"
        "\"public_sysinfo\":true,\"runner\":\"docker-compose\","
        "\"secure_time\":false}", img, *name ? "-" : "", name);
    td->app_compose = sb_steal(&b, NULL);
    if (!td->app_compose)
        return -1;
    sim_sha256(td->compose_hash, td->app_compose, strlen(td->app_compose));
    memset(td->mr_config_id, 0, 48);
    td->mr_config_id[0] = 0x01;
    memcpy(td->mr_config_id + 1, td->compose_hash, 32);
    if (gpu_att && mr_config_v3(td, kp))
        return -1;

    sb_init(&b);
    sb_printf(&b, "{\"name\":\"kms\",\"id\":\"%s\"}", kp);
    td->key_provider = sb_steal(&b, NULL);
    char osh[65];
    sim_hex(osh, td->os_image_hash, 32);
    sb_init(&b);
    sb_printf(&b,
        "{\"spec_version\":1,\"os_image_hash\":\"%s\",\"cpu_count\":4,"
        "\"memory_size\":8589934592,\"qemu_version\":\"9.0.0\","
        "\"pci_hole64_size\":0,\"hugepages\":false,\"num_gpus\":1,"
        "\"num_nvswitches\":0,\"hotplug_off\":false,"
        "\"image\":\"teeattest-sim-placeholder-image\"}", osh);
    td->vm_config = sb_steal(&b, NULL);
    td->event_log = json_array();
    if (!td->key_provider || !td->vm_config || !td->event_log)
        return -1;

    /* Boot events (RTMR0-2): opaque digests, payloads stripped as dstack
     * does; the names follow dstack 0.6's ACPI naming. */
    static const struct { int imr; uint32_t type; const char *name; } boot[] = {
        {0, 0x8000000B, ""}, {0, 0x8000000A, ""}, {0, 0x0000000A, "acpi-loader"},
        {0, 0x0000000A, "acpi-rsdp"}, {0, 0x0000000A, "acpi-tables"},
        {1, 0x80000003, ""}, {1, 0x80000007, ""}, {2, 0x0000000D, ""},
        {2, 0x0000000D, ""},
    };
    for (size_t i = 0; i < sizeof boot / sizeof boot[0]; i++) {
        char what[32];
        uint8_t d[48];
        snprintf(what, sizeof what, "boot-event-%zu", i);
        label_bytes(d, 48, seed, name, what);
        if (add_event(td->event_log, boot[i].imr, boot[i].type, d,
                      boot[i].name, NULL, 0))
            return -1;
    }
    if (add_runtime(td->event_log, "system-preparing", NULL, 0) ||
        add_runtime(td->event_log, "app-id", td->app_id, 20) ||
        add_runtime(td->event_log, "compose-hash", td->compose_hash, 32) ||
        (gpu_att && runtime_2026(td)) ||
        add_runtime(td->event_log, "instance-id", td->instance_id, 20) ||
        add_runtime(td->event_log, "boot-mr-done", NULL, 0) ||
        add_runtime(td->event_log, "os-image-hash", td->os_image_hash, 32) ||
        add_runtime(td->event_log, "key-provider",
                    (const uint8_t *)td->key_provider,
                    strlen(td->key_provider)) ||
        add_runtime(td->event_log, "storage-fs", (const uint8_t *)"ext4", 4) ||
        add_runtime(td->event_log, "system-ready", NULL, 0))
        return -1;
    replay(td);

    uint8_t agg[48 * 5];
    memcpy(agg, td->mrtd, 48);
    memcpy(agg + 48, td->rtmr, 4 * 48);
    sim_sha256(td->mr_aggregated, agg, sizeof agg);
    return 0;
}

void sim_td_free(sim_td *td)
{
    free(td->app_compose);
    free(td->gpu_attestation);
    free(td->key_provider);
    free(td->vm_config);
    json_decref(td->event_log);
    memset(td, 0, sizeof *td);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static const char marker[] =
    "TEEATTEST-SIM SYNTHETIC QUOTE - NOT PRODUCED BY ANY TEE. Signed under the "
    "teeattest-sim TEST root (NOT Intel); trust it only in tests and the "
    "demo.\n";

uint8_t *sim_quote_generate(const sim_td *td, const uint8_t report_data[64],
                            size_t *len)
{
    static const uint8_t intel_qe_vendor[16] = {
        0x93, 0x9A, 0x72, 0x33, 0xF7, 0x9C, 0x4C, 0xA9,
        0x94, 0x0A, 0x0D, 0xB3, 0x95, 0x7F, 0x06, 0x07};
    const sim_pki *k = sim_pki_get();
    if (!k)
        return NULL;
    /* The PEM chain with one terminating NUL, as real quotes carry it. */
    const size_t n_auth = 32, p_len = strlen(k->pck_chain) + 1;
    const size_t c_len = 384 + 64 + 2 + n_auth + 2 + 4 + p_len;
    const size_t sig_len = 134 + c_len;
    const size_t m_len = sizeof marker - 1;
    const size_t total = 632 + 4 + sig_len + m_len;
    uint8_t *q = calloc(1, total);
    if (!q)
        return NULL;

    /* header */
    put16(q + 0, 4);
    put16(q + 2, 2);
    put32(q + 4, 0x81);
    memcpy(q + 12, intel_qe_vendor, 16);
    memcpy(q + 28, "TEEATTEST-SIM QE", 16);
    /* TD report 1.0 at 48 */
    uint8_t *body = q + 48;
    body[0] = 0x03; /* TEE_TCB_SVN: module SVN 3, major version 1 */
    body[1] = 0x01;
    sim_sha384(body + 16, "teeattest-sim mrseam", 20);
    /* MRSIGNERSEAM and SEAMATTRIBUTES zero (an Intel-signed module) */
    static const uint8_t td_attr[8] = {0, 0, 0, 0x10, 0, 0, 0, 0};
    static const uint8_t xfam[8] = {0xe7, 0x02, 0x06, 0, 0, 0, 0, 0};
    memcpy(body + 120, td_attr, 8);
    memcpy(body + 128, xfam, 8);
    memcpy(body + 136, td->mrtd, 48);
    memcpy(body + 184, td->mr_config_id, 48);
    for (int i = 0; i < 4; i++)
        memcpy(body + 328 + 48 * i, td->rtmr[i], 48);
    memcpy(body + 520, report_data, 64);

    /* signature data */
    put32(q + 632, (uint32_t)sig_len);
    uint8_t *a = q + 636;
    if (sim_pki_sign_raw(&k->ak_key, q, 632, a)) {
        free(q);
        return NULL;
    }
    memcpy(a + 64, k->ak_pub, 64);
    put16(a + 128, 6);
    put32(a + 130, (uint32_t)c_len);
    uint8_t *qr = a + 134;
    memcpy(qr, k->qe_report, 384);
    memcpy(qr + 384, k->qe_report_sig, 64);
    put16(qr + 448, (uint16_t)n_auth);
    uint8_t *auth = qr + 450;
    memcpy(auth, k->qe_auth, n_auth);
    put16(auth + n_auth, 5);
    put32(auth + n_auth + 2, (uint32_t)p_len);
    memcpy(auth + n_auth + 6, k->pck_chain, p_len);
    /* trailing bytes (ignored by verifiers, as padding in real quotes) */
    memcpy(q + 636 + sig_len, marker, m_len);
    *len = total;
    return q;
}
