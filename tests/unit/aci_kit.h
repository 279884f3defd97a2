/*
 * The published ACI/1 vectors the unit tests reproduce: Dstack-TEE/
 * private-ai-gateway spec/test-vectors.md at commit b6b5c1b (Apache-2.0;
 * tests/data/aci/README.md), and a signer for forged-but-signed receipts
 * (seed 32 x 0x02 is the vectors' `receipt-1`).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_ACI_KIT_H
#define TA_ACI_KIT_H

#include <jansson.h>
#include <sodium.h>

#include "unit.h"

/* spec/test-vectors.md section 1 (b6b5c1b): the keyset's JCS form. */
#define V1_KEYSET_JCS                                                          \
    "{\"e2ee_public_keys\":[{\"algo\":\"x25519-aes-256-gcm-hkdf-sha256\","    \
    "\"key_id\":\"e2ee-1\",\"public_key\":"                                    \
    "\"5dfedd3b6bd47f6fa28ee15d969d5bb0ea53774d488bdaf9df1c6e0124b3ef22\"}],"  \
    "\"not_after\":1800000000,\"receipt_signing_keys\":[{\"algo\":"           \
    "\"ed25519\",\"key_id\":\"receipt-1\",\"public_key\":"                     \
    "\"8139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b394\"}],"  \
    "\"subject\":\"dstack-app://example-app\",\"tls_public_keys\":[{"         \
    "\"domain\":\"api.example.com\",\"spki_sha256\":"                          \
    "\"c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0\"}]}"
#define V1_DIGEST                                                              \
    "sha256:53a5cd44b30dcc51999754c719f2628a041f174ecbf9662a6f8e898a10cd9371"
/* section 3: the attested session */
#define V3_SESSION_JCS                                                         \
    "{\"api_version\":\"aci/1\",\"channel_binding\":[{\"origin\":"            \
    "\"https://upstream.example.com\",\"spki_sha256\":"                        \
    "\"d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1\","    \
    "\"type\":\"tls_spki_sha256\"}],\"claims\":{\"extra\":{\"gpu_arch\":"     \
    "\"HOPPER\",\"tcb_status\":\"UpToDate\"},\"gpu_attested\":{\"status\":"   \
    "\"unknown\"},\"model_weights_provenance\":{\"status\":\"unknown\"},"     \
    "\"os_known_good\":{\"status\":\"unknown\"},"                             \
    "\"serving_software_known_good\":{\"status\":\"unknown\"},"               \
    "\"tcb_up_to_date\":{\"status\":\"unknown\"},\"tee_attested\":{"          \
    "\"reason\":\"example quote verified\",\"source\":\"hardware_proven\","   \
    "\"status\":\"asserted\"}},\"endpoint\":\"https://upstream.example.com\"," \
    "\"established_at\":1750000000,\"evidence\":{\"data\":"                   \
    "\"data:text/plain;base64,ZXhhbXBsZS1ldmlkZW5jZQ==\",\"digest\":"         \
    "\"sha256:80d70e44d0ae1e829fd5f37c3ee4a60dfbea8d3aa18407ea3f34cf7ec91da34d\"" \
    "},\"expires_at\":1750003600,\"upstream_name\":\"demo-upstream\","        \
    "\"verifier_id\":\"example/1\"}"
#define V3_SESSION_ID                                                          \
    "95ad1cb4dd25445808c2e9d116caf420b05703730b506395e8fc1ca6faeae28f"
/* section 4: the receipt */
#define V4_REQUEST                                                             \
    "{\"messages\":[{\"content\":\"hi\",\"role\":\"user\"}],"                 \
    "\"model\":\"demo-model\"}"
#define V4_REQUEST_HASH                                                        \
    "sha256:94d809bf47380d8a2eab0eb6e126d4dda9364b0b4725cdf7ead52dd70b2aa87b"
#define V4_RESPONSE "{\"choices\":[],\"id\":\"chatcmpl-123\"}"
#define V4_RESPONSE_HASH                                                       \
    "sha256:dedfffe5b14d031b8e2c01996d021a15293cb7c63b56be7e4be9e89b6f0a5f61"
#define V4_UNSIGNED                                                            \
    "{\"api_version\":\"aci/1\",\"chat_id\":\"chatcmpl-123\",\"endpoint\":"   \
    "\"/v1/chat/completions\",\"event_log\":[{\"body_hash\":\""               \
    V4_REQUEST_HASH "\",\"type\":\"request.received\"},{\"body_hash\":\""     \
    V4_REQUEST_HASH "\",\"type\":\"request.forwarded\"},{\"model_id\":"       \
    "\"demo-model\",\"required\":true,\"result\":\"verified\",\"session_id\":" \
    "\"" V3_SESSION_ID "\",\"type\":\"upstream.verified\"},{\"body_hash\":\"" \
    V4_RESPONSE_HASH "\",\"type\":\"response.returned\"}],\"key_id\":"        \
    "\"receipt-1\",\"method\":\"POST\",\"model\":\"demo-model\","             \
    "\"receipt_id\":\"rcpt-0001\",\"served_at\":1750000000,"                  \
    "\"workload_keyset_digest\":\"" V1_DIGEST "\"}"
#define V4_UNSIGNED_SHA256                                                     \
    "1bd328e6880a5a12b3915af95ea32111310e04ab9e21ac3d71ce268e33b965c9"
#define V4_SIGNATURE                                                           \
    "d5b005e093bde3b577faf270b7184b09e169cacb0ecb206b103bd2581f997db0"         \
    "3da616175454b063323a23ac1dc68f1ce506c2a6eba8aa0561d5e724f0b80c03"

/* Sign `doc` (without its signature member) as `receipt-1` would, over
 * its JCS form, and set "signature"; seed_byte 0x02 is receipt-1. */
static inline void aci_kit_sign(teeattest_ctx *ctx, json_t *doc,
                                uint8_t seed_byte)
{
    uint8_t seed[32], pk[32], sk[64], sig[64];
    memset(seed, seed_byte, sizeof seed);
    crypto_sign_seed_keypair(pk, sk, seed);
    json_object_del(doc, "signature");
    ta_buf b;
    ta_buf_init(&b, ctx, 0);
    if (ta_jcs_append(&b, doc, 0, NULL) != TEEATTEST_OK)
        printf("# aci_kit_sign: no JCS form\n");
    crypto_sign_detached(sig, NULL, b.data, b.len, sk);
    ta_buf_free(&b);
    char hex[129];
    unit_tohex(hex, sig, 64);
    json_object_set_new(doc, "signature", json_string(hex));
}

#endif /* TA_ACI_KIT_H */
