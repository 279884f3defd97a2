/*
 * teeattest-sim: a fresh self-signed ECDSA P-256 certificate per run, for
 * 127.0.0.1 and localhost. Clients trust it by using the PEM written with
 * --cert-out as their CA file.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "sim.h"

static char *datum_str(const gnutls_datum_t *d)
{
    char *s = malloc(d->size + 1);
    if (s) {
        memcpy(s, d->data, d->size);
        s[d->size] = '\0';
    }
    return s;
}

int sim_tls_make_cert(char **key_pem, char **cert_pem, uint8_t spki_sha256[32])
{
    gnutls_x509_privkey_t key = NULL;
    gnutls_x509_crt_t crt = NULL;
    gnutls_pubkey_t pub = NULL;
    gnutls_datum_t kd = {NULL, 0}, cd = {NULL, 0}, sd = {NULL, 0};
    int rc = -1, e;
    *key_pem = *cert_pem = NULL;

#define CK(x) do { if ((e = (x)) < 0) { \
        fprintf(stderr, "teeattest-sim: %s: %s\n", #x, gnutls_strerror(e)); \
        goto out; } } while (0)
    CK(gnutls_x509_privkey_init(&key));
    CK(gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
        GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0));
    CK(gnutls_x509_crt_init(&crt));
    CK(gnutls_x509_crt_set_version(crt, 3));
    uint8_t serial[16];
    CK(gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof serial));
    serial[0] &= 0x7f; /* positive */
    CK(gnutls_x509_crt_set_serial(crt, serial, sizeof serial));
    time_t now = time(NULL);
    /* Backdated an hour for clock skew; valid a year. */
    CK(gnutls_x509_crt_set_activation_time(crt, now - 3600));
    CK(gnutls_x509_crt_set_expiration_time(crt, now + 365L * 86400));
    static const char cn[] = "teeattest-sim TEST certificate";
    static const char org[] = "teeattest-sim (tests only, not trusted)";
    CK(gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn,
                                     sizeof cn - 1));
    CK(gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_ORGANIZATION_NAME, 0,
                                     org, sizeof org - 1));
    CK(gnutls_x509_crt_set_key(crt, key));
    CK(gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME,
        "localhost", 9, GNUTLS_FSAN_APPEND));
    static const uint8_t ip4[4] = {127, 0, 0, 1};
    CK(gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, ip4, 4,
                                            GNUTLS_FSAN_APPEND));
    /* Its own CA, so it can be the whole trust store of a client. */
    CK(gnutls_x509_crt_set_basic_constraints(crt, 1, 0));
    CK(gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE |
                                          GNUTLS_KEY_KEY_CERT_SIGN));
    CK(gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0));
    uint8_t kid[64];
    size_t kid_len = sizeof kid;
    CK(gnutls_x509_crt_get_key_id(crt, 0, kid, &kid_len));
    CK(gnutls_x509_crt_set_subject_key_id(crt, kid, kid_len));
    CK(gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0));

    CK(gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &kd));
    CK(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &cd));
    CK(gnutls_pubkey_init(&pub));
    CK(gnutls_pubkey_import_x509(pub, crt, 0));
    CK(gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &sd));
#undef CK
    sim_sha256(spki_sha256, sd.data, sd.size);
    *key_pem = datum_str(&kd);
    *cert_pem = datum_str(&cd);
    if (*key_pem && *cert_pem)
        rc = 0;
out:
    if (rc) {
        free(*key_pem);
        free(*cert_pem);
        *key_pem = *cert_pem = NULL;
    }
    if (kd.data) {
        memset(kd.data, 0, kd.size);
        gnutls_free(kd.data);
    }
    gnutls_free(cd.data);
    gnutls_free(sd.data);
    if (pub)
        gnutls_pubkey_deinit(pub);
    if (crt)
        gnutls_x509_crt_deinit(crt);
    if (key)
        gnutls_x509_privkey_deinit(key);
    return rc;
}
