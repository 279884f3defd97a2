/*
 * Internal dstack layer (../shared/specs/providers.md sections 3 and 5):
 * event log parsing and RTMR replay, the identity events of RTMR3, compose
 * hash and MRCONFIGID, report_data layouts and signing-key binding.
 *
 *   eventlog.c  ta_dstack_log_*: parse, recompute runtime digests, replay;
 *               identity events; compose hash; mr_config_id versions.
 *   binding.c   ta_rd_*: report_data layouts L1, L2, L3 (compose manager),
 *               L5 (io.net), L6 (Chutes), L7 (Tinfoil); key binding; raw
 *               JSON member spans.
 *
 * Pure functions over untrusted bytes: bounded, no network, no globals.
 * Comparisons of secrets are not involved, but equality of attested values
 * uses ta_ct_equal-style constant-time compares anyway (cheap).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_DSTACK_H
#define TA_DSTACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/core.h"

/* ---- event log and RTMR replay (eventlog.c) ------------------------------ */

#define TA_DSTACK_RTMRS 4
#define TA_DSTACK_EVENTS_MAX 4096u          /* entries per log */
#define TA_DSTACK_LOG_MAX (8u * 1024u * 1024u) /* bytes of log JSON */
#define TA_DSTACK_RUNTIME_EVENT 0x08000001u

typedef struct ta_dstack_event {
    uint32_t imr;          /* 0..3 = RTMR0..3 */
    uint32_t type;         /* event_type */
    uint8_t digest[48];    /* the digest extended in the replay */
    bool digest_supplied;  /* the log carried a non-empty digest */
    bool recomputed;       /* runtime event: digest computed here */
    uint32_t version;      /* 1, or 2 (JCS preimage form) */
    char *name;            /* "event", NUL-terminated; owned */
    uint8_t *payload;      /* event_payload decoded from hex; owned */
    size_t payload_len;
} ta_dstack_event;

typedef struct ta_dstack_log {
    ta_dstack_event *events; /* in log order; owned */
    size_t n;
    uint8_t rtmr[TA_DSTACK_RTMRS][48]; /* replayed registers */
    size_t n_runtime;       /* runtime events (imr 3, type 0x08000001) */
    size_t n_stripped;      /* runtime events whose digest was "" */
} ta_dstack_log;

/*
 * Parse an event log: JSON array text, or a JSON string whose content is
 * such an array (both forms occur, spec 4.1). Entries:
 * {"imr":u32,"event_type":u32,"digest":hex48|"","event":str,
 *  "event_payload":hex|"",["version":1|2],["preimage":hex]}; unknown
 * members are ignored.
 * Runtime events (event_type 0x08000001, which must have imr 3) get their
 * digest recomputed: v1 SHA-384(le32(type) ":" name ":" payload); v2
 * SHA-384(preimage) where preimage must equal the RFC 8785 text
 * {"name":..,"payload":"<lower hex>","type":134217729}. A supplied
 * non-empty digest that differs from the recomputed one is an error. Other
 * events use the supplied digest, which must be 48 bytes.
 * Then replays: R_i = 48 zero bytes; R_i = SHA-384(R_i || digest) per
 * entry of imr i, in order.
 * Returns TEEATTEST_OK; TEEATTEST_E_JSON (not JSON / wrong types, `err`
 * names the entry index and member); TEEATTEST_E_HEX; TEEATTEST_E_LENGTH;
 * TEEATTEST_E_PARSE (imr > 3, runtime event not on imr 3, bad preimage);
 * TEEATTEST_E_VERIFY_FAILED (supplied runtime digest wrong);
 * TEEATTEST_E_TOO_LARGE; TEEATTEST_E_NOMEM. On error *out is empty. */
int ta_dstack_log_parse(teeattest_ctx *ctx, const uint8_t *json, size_t len,
                        ta_dstack_log *out, teeattest_error *err);
void ta_dstack_log_free(teeattest_ctx *ctx, ta_dstack_log *log);

/* The identity events of RTMR3 (spec 5.2): the first occurrence of each
 * name; a second occurrence before "boot-mr-done" is an error
 * (TEEATTEST_E_PARSE, `err` names it); after it, later ones are ignored.
 * Payload lengths are checked (app-id 20, compose-hash 32, instance-id 20,
 * os-image-hash 32: TEEATTEST_E_LENGTH), except that an empty instance-id
 * means "none" (dstack extends it empty when app_compose sets
 * no_instance_id): has_instance_id stays false. Only runtime events on
 * imr 3 count. On error *id is zeroed. Pointers borrow from `log`. */
#define TA_DSTACK_INIT_SCRIPTS_MAX 5u /* dstack-types MAX_INIT_SCRIPTS */

typedef struct ta_dstack_identity {
    bool has_app_id, has_compose_hash, has_instance_id, has_os_image_hash;
    uint8_t app_id[20];
    uint8_t compose_hash[32];
    uint8_t instance_id[20];
    uint8_t os_image_hash[32];
    const uint8_t *key_provider; /* JSON bytes, e.g. {"name":"kms","id":..} */
    size_t key_provider_len;     /* 0: no key-provider event */
    bool boot_mr_done;
    /* Events dstack-util adds before boot-mr-done since 2026 (read only
     * there: after it the app may extend any name). gpu-policy-hash (32 B)
     * and gpu-attestation (JSON) at most once each; init-script-hash (32 B)
     * once per init script, in order, at most TA_DSTACK_INIT_SCRIPTS_MAX. */
    bool has_gpu_policy_hash;
    uint8_t gpu_policy_hash[32];
    size_t n_init_scripts;
    uint8_t init_script_hashes[TA_DSTACK_INIT_SCRIPTS_MAX][32];
    const uint8_t *gpu_attestation; /* payload JSON; borrowed */
    size_t gpu_attestation_len;     /* 0: no gpu-attestation event */
} ta_dstack_identity;

int ta_dstack_log_identity(const ta_dstack_log *log, ta_dstack_identity *id,
                           teeattest_error *err);

/* SHA-256 of the exact app_compose bytes. */
int ta_dstack_compose_hash(const teeattest_ctx *ctx, uint8_t out[32],
                           const uint8_t *app_compose, size_t len);

/* MRCONFIGID forms (spec 5.3). */
typedef enum ta_mr_config_version {
    TA_MR_CONFIG_ZERO = 0,    /* all zero: not configured */
    TA_MR_CONFIG_V1 = 1,      /* 01 || compose_hash || 00*15 */
    TA_MR_CONFIG_V2 = 2,      /* 02 || keccak(compose||app_id||kp_type||kp_id) || 00*15 */
    TA_MR_CONFIG_V3 = 3,      /* 03 || sha256("dstack-mr-config-v3:" 00 doc) || 00*15 */
    TA_MR_CONFIG_UNKNOWN = -1 /* any other first byte or non-zero padding */
} ta_mr_config_version;

ta_mr_config_version ta_dstack_mr_config_version(const uint8_t mr[48]);

/* Check MRCONFIGID against the compose hash (and, for v2, app id and the
 * key-provider event JSON, whose "name" maps to kp_type none 0, local 1,
 * kms 2, tpm 3 — dstack names the local one "local-sgx", also 1 — and
 * whose "id" is hex). Returns TEEATTEST_OK when it
 * matches; TEEATTEST_E_VERIFY_FAILED when it does not; TEEATTEST_E_UNSUPPORTED
 * for v3 (ta_dstack_mr_config_v3_check rebuilds its document) and for
 * TA_MR_CONFIG_ZERO (nothing to check); TEEATTEST_E_PARSE for an
 * unknown form, or v2 without app id / a parsable key provider. `err`
 * says which. *version (may be NULL) gets the form. */
int ta_dstack_mr_config_check(const teeattest_ctx *ctx, const uint8_t mr[48],
                              const uint8_t compose_hash[32],
                              const ta_dstack_identity *id,
                              ta_mr_config_version *version,
                              teeattest_error *err);

/* MRCONFIGID v3: 03 || SHA-256("dstack-mr-config-v3:" || 00 || doc) ||
 * 00*15 where doc is the JCS text of dstack's MrConfigV3 (dstack-types
 * mr_config.rs): {"app_id"?, "compose_hash", "gpu_policy_hash"?,
 * "init_script_hashes"?, "instance_id"?, "key_provider", "key_provider_id"?,
 * "version":3}, byte strings as lower-case hex. The document is rebuilt
 * from verified values only: app_compose (whose SHA-256 must equal the
 * compose-hash event) gives compose_hash, key_provider (its "key_provider",
 * else kms_enabled / local_key_provider_enabled, else "none"),
 * key_provider_id and, for manifest_version >= 3, the SHA-256 of each
 * init_script; the replayed events give app_id, instance_id and
 * gpu_policy_hash. Every optional member is either omitted or equal to its
 * verified value (dstack's guest enforces the same), so each of the
 * combinations is tried; `doc` (may be NULL) gets the matching document
 * (NUL-terminated, free with ta_free). Returns TEEATTEST_OK;
 * TEEATTEST_E_VERIFY_FAILED (no document matches, or app_compose is not
 * the compose-hash event's); TEEATTEST_E_UNSUPPORTED (no app_compose, or
 * MRCONFIGID is not v3); TEEATTEST_E_JSON / TEEATTEST_E_PARSE (app_compose
 * unusable, `err` says which member); TEEATTEST_E_NOMEM. */
int ta_dstack_mr_config_v3_check(const teeattest_ctx *ctx, const uint8_t mr[48],
                                 const ta_dstack_identity *id,
                                 const uint8_t *app_compose, size_t len,
                                 char **doc, teeattest_error *err);

/* The optional members of a v3 document (JCS key order). */
#define TA_V3_APP_ID 1u
#define TA_V3_GPU_POLICY_HASH 2u
#define TA_V3_INIT_SCRIPT_HASHES 4u
#define TA_V3_INSTANCE_ID 8u
#define TA_V3_KEY_PROVIDER_ID 16u

/* The v3 document with the optional `members` (TA_V3_* bits; each must
 * have a verified value, else TEEATTEST_E_PARSE) as NUL-terminated JCS
 * text (free with ta_free). Does not check app_compose against the
 * compose-hash event: ta_dstack_mr_config_v3_check() does. */
int ta_dstack_mr_config_v3_document(const teeattest_ctx *ctx,
                                    const ta_dstack_identity *id,
                                    const uint8_t *app_compose, size_t len,
                                    unsigned members, char **doc,
                                    teeattest_error *err);

/* SHA-256 of each init_script of app_compose (a string, a list of at most
 * 5 strings, or null/absent), in order: what dstack-util extends as
 * init-script-hash events. Errors as ta_dstack_mr_config_v3_document. */
int ta_dstack_compose_init_scripts(const teeattest_ctx *ctx,
                                   const uint8_t *app_compose, size_t len,
                                   uint8_t out[TA_DSTACK_INIT_SCRIPTS_MAX][32],
                                   size_t *n, teeattest_error *err);

/* out = 03 || SHA-256("dstack-mr-config-v3:" || 00 || doc) || 00*15. */
int ta_dstack_mr_config_v3_id(const teeattest_ctx *ctx, uint8_t out[48],
                              const char *doc, size_t len);

/* The payload of a gpu-attestation event (dstack-util, version 2):
 * {"version":2,"provider":"nvidia","devices":N,"cc_mode":"on",
 *  "devtools":bool,"evidence_sha256":"<64 hex>"} where evidence_sha256 is
 * the SHA-256 of the complete nvattest JSON output captured at boot (what
 * the guest-agent's GpuInfo returns as "attestation"). Unknown members are
 * ignored. TEEATTEST_E_UNSUPPORTED for another version; TEEATTEST_E_JSON /
 * TEEATTEST_E_FIELD_MISSING / TEEATTEST_E_HEX / TEEATTEST_E_LENGTH with
 * `err` naming the member; TEEATTEST_E_TOO_LARGE past 4 KiB. */
typedef struct ta_dstack_gpu_event {
    uint32_t version;
    char provider[32];
    uint32_t devices;
    char cc_mode[16];
    bool devtools;
    uint8_t evidence_sha256[32];
} ta_dstack_gpu_event;

int ta_dstack_gpu_event_parse(const uint8_t *json, size_t len,
                              ta_dstack_gpu_event *out, teeattest_error *err);

/* Whether `evidence` (exact bytes) is what the event's evidence_sha256
 * names: TEEATTEST_OK or TEEATTEST_E_VERIFY_FAILED. */
int ta_dstack_gpu_evidence_check(const teeattest_ctx *ctx,
                                 const ta_dstack_gpu_event *ev,
                                 const uint8_t *evidence, size_t len);

/* The GPUs an nvattest output (dstack's gpu_attestation) attested: its
 * claims[].ueid, nvattest's name for each GPU's leaf certificate serial in
 * decimal. Sets *missing to how many of the n `serials` (decimal, as
 * ta_x509_serial_dec writes them) it does not list, and *first_missing to
 * the index of the first (n when none), *claims to how many it lists.
 * TEEATTEST_E_PARSE when the document is not JSON or has no claim with a
 * ueid. */
int ta_dstack_gpu_attested_devices(const uint8_t *doc, size_t len,
                                   const char *const *serials, size_t n,
                                   size_t *missing, size_t *first_missing,
                                   size_t *claims);

/* Image digests pinned in an app_compose document: every "@sha256:<64 hex>"
 * in its "docker_compose_file" string (and in the document text itself
 * when that member is absent), in order, duplicates removed. `out` holds
 * up to `max` digests (32 bytes each); *n gets how many were found (may
 * exceed max: then only the first max are stored). *unpinned (may be
 * NULL) gets the number of "image:" lines (after indentation and an
 * optional "- ") without such a digest. A digest is exactly 64 hex digits
 * (a 65th disqualifies it). Returns TEEATTEST_OK, TEEATTEST_E_JSON
 * (app_compose is not a JSON object, or docker_compose_file is not a
 * string), TEEATTEST_E_TOO_LARGE (over 1 MiB; dstack caps it at 128 KiB),
 * TEEATTEST_E_NOMEM. */
int ta_dstack_compose_images(const uint8_t *app_compose, size_t len,
                             uint8_t (*out)[32], size_t max, size_t *n,
                             size_t *unpinned, teeattest_error *err);

/* ---- served models (model.c) ---------------------------------------------- */

#define TA_COMPOSE_TEXT_MAX (1024u * 1024u) /* bytes of a compose text */
#define TA_COMPOSE_MODELS_MAX 64u           /* distinct names kept */
#define TA_MODEL_NAME_MAX 256u              /* bytes of one name */

/* The model names a compose text serves, in order of appearance, without
 * duplicates. n counts every distinct name seen (may exceed
 * TA_COMPOSE_MODELS_MAX: then only the first ones are kept). */
typedef struct ta_compose_models {
    size_t n;
    char name[TA_COMPOSE_MODELS_MAX][TA_MODEL_NAME_MAX + 1];
} ta_compose_models;

/* Scan a docker compose text for served model names: MODEL_NAME
 * environment entries and --served-model-name arguments (model.c says
 * exactly which spellings). Returns TEEATTEST_OK, TEEATTEST_E_TOO_LARGE
 * (over TA_COMPOSE_TEXT_MAX), TEEATTEST_E_INVALID_ARG. */
int ta_compose_models_scan(ta_compose_models *m, const uint8_t *text,
                           size_t len, teeattest_error *err);

/* The same over an app_compose document's "docker_compose_file" (none:
 * no names). TEEATTEST_E_JSON when it is not an object with a string
 * docker_compose_file. */
int ta_dstack_compose_models(ta_compose_models *m, const uint8_t *app_compose,
                             size_t len, teeattest_error *err);

/* Whether `name` is one of m's names (exact, case-sensitive). */
bool ta_compose_models_has(const ta_compose_models *m, const char *name);

/* m's names joined with ", " into out (truncated with ", ..." to fit). */
void ta_compose_models_list(const ta_compose_models *m, char *out, size_t cap);

/* ---- report_data layouts and key binding (binding.c) --------------------- */

/* L1/L2 identity: A = 20-byte address (ecdsa) or 32-byte key (ed25519).
 * L1: out = A || zeros (to 32). L2 (tls_fp non-NULL, 32 bytes):
 * out = SHA-256(A || tls_fp). TEEATTEST_E_LENGTH when alen is not 20/32. */
int ta_rd_identity_half(const teeattest_ctx *ctx, uint8_t out[32],
                        const uint8_t *a, size_t alen, const uint8_t *tls_fp);

/* L3 (NEAR compose manager): SHA-256 of the canonical form of `actions`
 * (the JSON array text): ta_jcs_append with keys sorted by code point,
 * reals refused. TEEATTEST_E_JSON when it is not a JSON array. */
int ta_rd_actions_hash(const teeattest_ctx *ctx, uint8_t out[32],
                       const uint8_t *actions, size_t len,
                       teeattest_error *err);

/* L6 (Chutes) first half: SHA-256(nonce_hex (64 ASCII) || e2e_pubkey text
 * as sent (base64 ASCII)). */
int ta_rd_chutes_half(const teeattest_ctx *ctx, uint8_t out[32],
                      const char nonce_hex[64], const uint8_t *pubkey_b64,
                      size_t pubkey_len);

/* SHA-256 of the SubjectPublicKeyInfo DER of a certificate given as DER or
 * PEM (first certificate). TEEATTEST_E_PARSE when it is neither. */
int ta_rd_cert_spki_hash(const teeattest_ctx *ctx, uint8_t out[32],
                         const uint8_t *cert, size_t len,
                         teeattest_error *err);

/* L7 (Tinfoil V3): out = SHA-256(tls_key_fp || hpke_key || nonce ||
 * gpu_evidence_hash [|| nvswitch_evidence_hash]) where the inputs are the
 * report_data object's hex members, each 32 bytes; `report_data` is that
 * object's JSON text. *has_nvswitch (may be NULL) says whether the optional
 * member was present. Also returns the decoded members the caller checks
 * elsewhere (may be NULL). TEEATTEST_E_JSON / _FIELD_MISSING / _HEX /
 * _LENGTH with `err` naming the member. */
typedef struct ta_rd_tinfoil {
    uint8_t tls_key_fp[32];
    uint8_t hpke_key[32];
    uint8_t nonce[32];
    uint8_t gpu_evidence_hash[32];
    uint8_t nvswitch_evidence_hash[32];
    bool has_nvswitch;
} ta_rd_tinfoil;

int ta_rd_tinfoil_half(const teeattest_ctx *ctx, uint8_t out[32],
                       const uint8_t *report_data, size_t len,
                       ta_rd_tinfoil *fields, teeattest_error *err);

/* The exact bytes of the value of top-level member `key` of the JSON
 * object `doc` (strings include their quotes), without building a tree.
 * TEEATTEST_OK; TEEATTEST_E_NOT_FOUND; TEEATTEST_E_JSON when `doc` is not
 * a well-formed object (the scan validates structure, strings and
 * nesting, up to depth 64). */
int ta_json_member_span(const uint8_t *doc, size_t len, const char *key,
                        const uint8_t **val, size_t *val_len);

/* Signing-key binding (spec 3, note teep#150): for ecdsa (algo 1) the key
 * is 64 bytes x||y or 65 bytes 04||x||y and keccak256(x||y)[12:] must equal
 * the 20-byte address; for ed25519 (algo 2) the 32-byte key must equal the
 * 32-byte identity. TEEATTEST_OK; TEEATTEST_E_VERIFY_FAILED (does not
 * derive); TEEATTEST_E_LENGTH; TEEATTEST_E_INVALID_ARG (unknown algo). */
int ta_rd_key_binds(const teeattest_ctx *ctx, int32_t algo,
                    const uint8_t *pubkey, size_t pubkey_len,
                    const uint8_t *identity, size_t identity_len);

/* ---- NEAR OHTTP key attestation (ohttp.c) ---------------------------------- */

/* The largest key config accepted (bytes). */
#define TA_OHTTP_CONFIG_MAX 4096u

/* One RFC 9458 key config: key id (1), HPKE KEM id (2), public key (Npk
 * of that KEM), then a 2-byte length and that many bytes of (KDF id,
 * AEAD id) pairs, and nothing after. Pointers borrow the input. */
typedef struct ta_ohttp_key_config {
    uint8_t key_id;
    uint16_t kem_id;
    const char *kem_name; /* "x25519", "p256", ... */
    const uint8_t *public_key;
    size_t public_key_len;
    const uint8_t *suites; /* n_suites * 4 bytes, big-endian ids */
    size_t n_suites;
} ta_ohttp_key_config;

/* TEEATTEST_E_PARSE (unknown KEM, short, lengths that disagree, trailing
 * bytes) with `err` saying which. */
int ta_ohttp_key_config_parse(ta_ohttp_key_config *out, const uint8_t *p,
                              size_t n, teeattest_error *err);
/* "hkdf-sha256/aes-128-gcm,hkdf-sha256/chacha20-poly1305" (unknown ids as
 * kdf-0xNNNN / aead-0xNNNN). TEEATTEST_E_BUFFER_TOO_SMALL. */
int ta_ohttp_suites_text(char *out, size_t cap, const ta_ohttp_key_config *k);
/* Check the ohttp_attestation object text `att`: signing_algo "ed25519",
 * signing_key (32 bytes hex), signature (64 bytes hex), key_config (hex, a
 * well-formed key config), the stated ohttp_key_config (when has_stated)
 * byte-equal to key_config, and the signature over the key_config bytes.
 * On success writes the signing key and hands over the key config bytes
 * (*config, free with ta_free). Whether the key is attested is not checked
 * here. Errors: TEEATTEST_E_JSON, _SIG_ALGO, _FIELD_MISSING, _HEX,
 * _LENGTH, _TOO_LARGE, _PARSE, _VERIFY_FAILED, _NOMEM; `err` says which. */
int ta_ohttp_attestation_verify(const teeattest_ctx *ctx,
                                const uint8_t *att, size_t att_len,
                                const uint8_t *stated, size_t stated_len,
                                bool has_stated, uint8_t signing_key[32],
                                uint8_t **config, size_t *config_len,
                                teeattest_error *err);

#endif /* TA_DSTACK_H */
