/*
 * TDX collateral model and loaders (spec 3): the PCS raw directory layout,
 * dcap-qvl's single-file JSON, and raw parts (for the online fetcher).
 * Everything is parsed once here so a verification re-parses nothing of
 * the collateral. Loaders are lenient about content: an item that does
 * not parse is recorded and fails its own check at verification time.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "tdx.h"

#define ITEM_MAX (4u << 20)

/* ---- items ---------------------------------------------------------------- */

static int set_error(const teeattest_ctx *ctx, char **slot, const char *msg)
{
    if (*slot)
        return TEEATTEST_OK;
    *slot = ta_strdup(ctx, msg);
    return *slot ? TEEATTEST_OK : TEEATTEST_E_NOMEM;
}

static int chain_load(ta_tdx_chain *ch, const uint8_t *pem, size_t len,
                      const teeattest_ctx *ctx)
{
    ch->chain = NULL;
    if (!pem || !len)
        return set_error(ctx, &ch->error, "issuer chain is missing");
    if (len > ITEM_MAX)
        return set_error(ctx, &ch->error, "issuer chain is too large");
    size_t failed = 0;
    int rc = ta_x509_chain_parse(ctx, &ch->chain, pem, len, &failed);
    if (rc == TEEATTEST_E_NOMEM)
        return rc;
    if (rc != TEEATTEST_OK || failed) {
        ta_x509_chain_free(ch->chain);
        ch->chain = NULL;
        return set_error(ctx, &ch->error,
                         "issuer chain holds a certificate that does not "
                         "parse");
    }
    ch->not_after = INT64_MAX;
    for (size_t i = 0; i < ta_x509_chain_len(ch->chain); i++) {
        ch->n++;
        int64_t na = ta_x509_not_after(ta_x509_chain_get(ch->chain, i));
        if (na < ch->not_after)
            ch->not_after = na;
    }
    if (!ch->n)
        return set_error(ctx, &ch->error, "issuer chain holds no certificate");
    return TEEATTEST_OK;
}

static bool all_hex_ws(const uint8_t *p, size_t len, size_t *digits)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = p[i];
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
            continue;
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
              (c >= 'A' && c <= 'F')))
            return false;
        n++;
    }
    *digits = n;
    return n > 0 && n % 2 == 0;
}

int ta_tdx_crl_load(ta_tdx_crl *crl, const uint8_t *data, size_t len,
                    const teeattest_ctx *ctx)
{
    crl->crl = NULL;
    crl->loaded = false;
    if (!data || !len)
        return set_error(ctx, &crl->error, "CRL is missing");
    if (len > ITEM_MAX)
        return set_error(ctx, &crl->error, "CRL is too large");
    int rc;
    size_t digits;
    if (data[0] == 0x30) {
        rc = ta_x509_crl_parse(ctx, &crl->crl, data, len);
    } else if (all_hex_ws(data, len, &digits)) {
        /* PCCS serves the root CA CRL as hex text of the DER. */
        uint8_t *der = ta_malloc(ctx, digits / 2);
        char *hex = ta_malloc(ctx, digits);
        if (!der || !hex) {
            ta_free(ctx, der);
            ta_free(ctx, hex);
            return TEEATTEST_E_NOMEM;
        }
        size_t k = 0;
        for (size_t i = 0; i < len; i++)
            if (data[i] > ' ')
                hex[k++] = (char)data[i];
        rc = ta_hex_decode_exact(der, digits / 2, hex, digits, false)
                 ? TEEATTEST_E_PARSE
                 : ta_x509_crl_parse(ctx, &crl->crl, der, digits / 2);
        ta_free(ctx, der);
        ta_free(ctx, hex);
    } else {
        rc = ta_x509_crl_parse(ctx, &crl->crl, data, len);
    }
    if (rc == TEEATTEST_E_NOMEM)
        return rc;
    if (rc != TEEATTEST_OK)
        return set_error(ctx, &crl->error,
                         "CRL does not parse (DER, PEM or hex expected)");
    crl->loaded = true;
    crl->this_update = ta_x509_crl_this_update(crl->crl);
    crl->next_update = ta_x509_crl_next_update(crl->crl);
    return TEEATTEST_OK;
}

/* ---- collateral ----------------------------------------------------------- */

int ta_tdx_collateral_from_parts(teeattest_ctx *ctx,
                                 const ta_tdx_collateral_parts *p,
                                 ta_tdx_collateral **out,
                                 teeattest_error *err)
{
    if (!ctx || !p || !out)
        return TA_INVALID(err, "ta_tdx_collateral_from_parts");
    *out = NULL;
    if (!p->tcb_info || !p->qe_identity)
        return ta_error(err, TEEATTEST_E_FIELD_MISSING, "tdx.collateral",
                        "TCB Info and QE Identity are required");
    ta_tdx_collateral *c = ta_calloc(ctx, 1, sizeof *c);
    if (!c)
        return ta_error(err, TEEATTEST_E_NOMEM, NULL, "out of memory");
    c->ctx = teeattest_ctx_ref(ctx);
    int rc = ta_tdx_tcb_info_load(ctx, &c->tcb_info, p->tcb_info,
                                  p->tcb_info_len, p->tcb_info_sig_hex,
                                  p->tcb_info_sig_hex_len);
    if (!rc)
        rc = ta_tdx_qe_identity_load(ctx, &c->qe_identity, p->qe_identity,
                                     p->qe_identity_len,
                                     p->qe_identity_sig_hex,
                                     p->qe_identity_sig_hex_len);
    if (!rc)
        rc = chain_load(&c->tcb_info_chain, p->tcb_info_chain,
                        p->tcb_info_chain_len, ctx);
    if (!rc)
        rc = chain_load(&c->qe_identity_chain, p->qe_identity_chain,
                        p->qe_identity_chain_len, ctx);
    if (!rc && p->pck_crl_chain)
        rc = chain_load(&c->pck_crl_chain, p->pck_crl_chain,
                        p->pck_crl_chain_len, ctx);
    if (!rc)
        rc = ta_tdx_crl_load(&c->pck_crl, p->pck_crl, p->pck_crl_len, ctx);
    if (!rc)
        rc = ta_tdx_crl_load(&c->root_ca_crl, p->root_ca_crl,
                             p->root_ca_crl_len, ctx);
    if (rc) {
        ta_tdx_collateral_free(c);
        return ta_error(err, rc, NULL, "out of memory");
    }
    *out = c;
    return TEEATTEST_OK;
}

/* Drop one owner; true when it was the last. */
static bool drop_owner(ta_tdx_collateral *c)
{
    size_t n = atomic_load(&c->extra_refs);
    while (n && !atomic_compare_exchange_weak(&c->extra_refs, &n, n - 1))
        ;
    return n == 0;
}

static void collateral_destroy(ta_tdx_collateral *c);

void ta_tdx_collateral_free(ta_tdx_collateral *c)
{
    if (!c)
        return;
    teeattest_ctx *ctx = c->ctx;
    if (drop_owner(c))
        collateral_destroy(c);
    teeattest_ctx_free(ctx);
}

ta_tdx_collateral *ta_tdx_collateral_share(ta_tdx_collateral *c)
{
    if (c) {
        atomic_fetch_add(&c->extra_refs, 1);
        teeattest_ctx_ref(c->ctx);
    }
    return c;
}

void ta_tdx_collateral_share_weak(ta_tdx_collateral *c)
{
    if (c)
        atomic_fetch_add(&c->extra_refs, 1);
}

void ta_tdx_collateral_release_weak(ta_tdx_collateral *c)
{
    if (c && drop_owner(c))
        collateral_destroy(c);
}

static void collateral_destroy(ta_tdx_collateral *c)
{
    teeattest_ctx *ctx = c->ctx;
    ta_tdx_memo_free(ctx, atomic_load(&c->memo));
    ta_tdx_tcb_info_free(ctx, &c->tcb_info);
    ta_tdx_qe_identity_free(ctx, &c->qe_identity);
    ta_tdx_chain *chains[] = {&c->tcb_info_chain, &c->qe_identity_chain,
                              &c->pck_crl_chain};
    for (size_t i = 0; i < TA_ARRAY_LEN(chains); i++) {
        ta_x509_chain_free(chains[i]->chain);
        ta_free(ctx, chains[i]->error);
    }
    ta_tdx_crl *crls[] = {&c->pck_crl, &c->root_ca_crl};
    for (size_t i = 0; i < TA_ARRAY_LEN(crls); i++) {
        ta_x509_crl_free(crls[i]->crl);
        ta_free(ctx, crls[i]->error);
    }
    ta_free(ctx, c);
}

int64_t ta_tdx_collateral_expiry(const ta_tdx_collateral *c)
{
    int64_t e = INT64_MAX;
#define MIN_IN(v) do { if ((v) > 0 && (v) < e) e = (v); } while (0)
    if (!c->tcb_info.doc.error && c->tcb_info.doc.have_span)
        MIN_IN(c->tcb_info.next_update);
    if (!c->qe_identity.doc.error && c->qe_identity.doc.have_span)
        MIN_IN(c->qe_identity.next_update);
    if (c->pck_crl.loaded)
        MIN_IN(c->pck_crl.next_update);
    if (c->root_ca_crl.loaded)
        MIN_IN(c->root_ca_crl.next_update);
    if (c->tcb_info_chain.n)
        MIN_IN(c->tcb_info_chain.not_after);
    if (c->qe_identity_chain.n)
        MIN_IN(c->qe_identity_chain.not_after);
    if (c->pck_crl_chain.n)
        MIN_IN(c->pck_crl_chain.not_after);
#undef MIN_IN
    return e == INT64_MAX ? 0 : e;
}

/* ---- file loaders --------------------------------------------------------- */

/* Read a file; TEEATTEST_E_NOT_FOUND when it does not exist. */
static int read_file(teeattest_ctx *ctx, const char *dir, const char *name,
                     uint8_t **data, size_t *len, teeattest_error *err)
{
    char path[4096];
    *data = NULL;
    *len = 0;
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
        return ta_error(err, TEEATTEST_E_INVALID_ARG, "tdx.collateral",
                        "collateral path is too long");
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno == ENOENT
                   ? TEEATTEST_E_NOT_FOUND
                   : ta_error(err, TEEATTEST_E_IO, "tdx.collateral",
                              "cannot open %s: %s", path, strerror(errno));
    ta_buf b;
    ta_buf_init(&b, ctx, ITEM_MAX);
    uint8_t chunk[8192];
    size_t n;
    int rc = TEEATTEST_OK;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if ((rc = ta_buf_append(&b, chunk, n)) != TEEATTEST_OK)
            break;
    }
    if (!rc && ferror(f))
        rc = TEEATTEST_E_IO;
    fclose(f);
    if (!rc)
        rc = ta_buf_terminate(&b);
    if (rc) {
        ta_buf_free(&b);
        return ta_error(err, rc, "tdx.collateral", "cannot read %s%s", path,
                        rc == TEEATTEST_E_TOO_LARGE ? " (too large)" : "");
    }
    *data = ta_buf_steal(&b, len);
    return TEEATTEST_OK;
}

int ta_tdx_collateral_load_dir(teeattest_ctx *ctx, const char *dir,
                               ta_tdx_collateral **out, teeattest_error *err)
{
    if (!ctx || !dir || !out)
        return TA_INVALID(err, "ta_tdx_collateral_load_dir");
    *out = NULL;
    static const char *const names[][3] = {
        {"tcb_info.json", NULL, NULL},
        {"tcb_info_issuer_chain.pem", NULL, NULL},
        {"qe_identity.json", NULL, NULL},
        {"qe_identity_issuer_chain.pem", NULL, NULL},
        {"pck_crl.der", "pck_crl.pem", "pck_crl.hex"},
        {"pck_crl_issuer_chain.pem", NULL, NULL},
        {"root_ca_crl.der", "root_ca_crl.pem", "root_ca_crl.hex"},
    };
    enum { N = TA_ARRAY_LEN(names) };
    uint8_t *data[N] = {0};
    size_t len[N] = {0};
    int rc = TEEATTEST_OK;
    for (size_t i = 0; i < N && !rc; i++) {
        rc = TEEATTEST_E_NOT_FOUND;
        for (size_t k = 0; k < 3 && names[i][k] && rc == TEEATTEST_E_NOT_FOUND; k++)
            rc = read_file(ctx, dir, names[i][k], &data[i], &len[i], err);
        if (rc == TEEATTEST_E_NOT_FOUND) {
            if (i == 5) { /* the PCK CRL issuer chain is optional */
                rc = TEEATTEST_OK;
                continue;
            }
            rc = ta_error(err, TEEATTEST_E_IO, "tdx.collateral",
                          "%s/%s is missing", dir, names[i][0]);
        }
    }
    if (!rc) {
        ta_tdx_collateral_parts p = {0};
        p.tcb_info = data[0];
        p.tcb_info_len = len[0];
        p.tcb_info_chain = data[1];
        p.tcb_info_chain_len = len[1];
        p.qe_identity = data[2];
        p.qe_identity_len = len[2];
        p.qe_identity_chain = data[3];
        p.qe_identity_chain_len = len[3];
        p.pck_crl = data[4];
        p.pck_crl_len = len[4];
        p.pck_crl_chain = data[5];
        p.pck_crl_chain_len = len[5];
        p.root_ca_crl = data[6];
        p.root_ca_crl_len = len[6];
        rc = ta_tdx_collateral_from_parts(ctx, &p, out, err);
    }
    for (size_t i = 0; i < N; i++)
        ta_free(ctx, data[i]);
    return rc;
}

static const char *jstr(json_t *o, const char *key, size_t *len)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v))
        return NULL;
    *len = json_string_length(v);
    return json_string_value(v);
}

int ta_tdx_collateral_load_json(teeattest_ctx *ctx, const uint8_t *doc,
                                size_t len, ta_tdx_collateral **out,
                                teeattest_error *err)
{
    if (!ctx || !doc || !out)
        return TA_INVALID(err, "ta_tdx_collateral_load_json");
    *out = NULL;
    json_t *j;
    int rc = ta_json_parse(&j, doc, len, ITEM_MAX, err);
    if (rc)
        return rc;
    if (!json_is_object(j)) {
        json_decref(j);
        return ta_error(err, TEEATTEST_E_JSON, "tdx.collateral",
                        "collateral JSON is not an object");
    }
    static const char *const keys[] = {
        "tcb_info", "tcb_info_signature", "tcb_info_issuer_chain",
        "qe_identity", "qe_identity_signature", "qe_identity_issuer_chain",
        "pck_crl", "root_ca_crl",
    };
    const char *v[TA_ARRAY_LEN(keys)];
    size_t vl[TA_ARRAY_LEN(keys)];
    for (size_t i = 0; i < TA_ARRAY_LEN(keys); i++) {
        if (!(v[i] = jstr(j, keys[i], &vl[i]))) {
            json_decref(j);
            return ta_error(err, TEEATTEST_E_FIELD_MISSING, "tdx.collateral",
                            "collateral JSON: \"%s\" is missing or not a "
                            "string", keys[i]);
        }
    }
    ta_tdx_collateral_parts p = {0};
    p.tcb_info = (const uint8_t *)v[0];
    p.tcb_info_len = vl[0];
    p.tcb_info_sig_hex = v[1];
    p.tcb_info_sig_hex_len = vl[1];
    p.tcb_info_chain = (const uint8_t *)v[2];
    p.tcb_info_chain_len = vl[2];
    p.qe_identity = (const uint8_t *)v[3];
    p.qe_identity_len = vl[3];
    p.qe_identity_sig_hex = v[4];
    p.qe_identity_sig_hex_len = vl[4];
    p.qe_identity_chain = (const uint8_t *)v[5];
    p.qe_identity_chain_len = vl[5];
    p.pck_crl = (const uint8_t *)v[6];
    p.pck_crl_len = vl[6];
    p.root_ca_crl = (const uint8_t *)v[7];
    p.root_ca_crl_len = vl[7];
    size_t cl;
    const char *chain = jstr(j, "pck_crl_issuer_chain", &cl);
    if (chain) {
        p.pck_crl_chain = (const uint8_t *)chain;
        p.pck_crl_chain_len = cl;
    }
    rc = ta_tdx_collateral_from_parts(ctx, &p, out, err);
    json_decref(j);
    return rc;
}

/* ---- saving (the PCS raw layout, for an on-disk cache) -------------------- */

/* Each file is written to a unique temporary name in the target directory
 * and renamed over the final name: rename() within one directory is atomic,
 * so a concurrent reader sees the old file or the new one, never a part. */
static atomic_uint save_seq;

static int write_all(int fd, const uint8_t *p, size_t len)
{
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Write the concatenation of parts[0..n) as dir/name, atomically. */
static int save_file(const char *dir, const char *name,
                     const uint8_t *const *parts, const size_t *lens, size_t n,
                     teeattest_error *err)
{
    char path[4096], tmp[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
        return ta_error(err, TEEATTEST_E_INVALID_ARG, "tdx.collateral",
                        "collateral path is too long");
    int fd = -1;
    for (int tries = 0; fd < 0 && tries < 100; tries++) {
        if ((size_t)snprintf(tmp, sizeof tmp, "%s/.%s.%ld.%u.tmp", dir, name,
                             (long)getpid(),
                             atomic_fetch_add(&save_seq, 1u)) >= sizeof tmp)
            return ta_error(err, TEEATTEST_E_INVALID_ARG, "tdx.collateral",
                            "collateral path is too long");
        /* Collateral is public, Intel-signed data checked on every use:
         * readable by all (subject to the umask) so a cache can be shared. */
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                  0644);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0)
        return ta_error(err, TEEATTEST_E_IO, "tdx.collateral",
                        "cannot write %s: %s", path, strerror(errno));
    int e = 0;
    for (size_t i = 0; i < n && !e; i++)
        if (write_all(fd, parts[i], lens[i]) != 0)
            e = errno;
    /* Flush the data before the rename makes it visible, so a crash
     * cannot leave an empty file under the final name. */
    if (!e && fsync(fd) != 0)
        e = errno;
    if (close(fd) != 0 && !e)
        e = errno;
    if (!e && rename(tmp, path) != 0)
        e = errno;
    if (e) {
        unlink(tmp);
        return ta_error(err, TEEATTEST_E_IO, "tdx.collateral",
                        "cannot write %s: %s", path, strerror(e));
    }
    return TEEATTEST_OK;
}

/* mkdir -p, one component at a time. */
static int make_dirs(const char *dir, teeattest_error *err)
{
    char p[4096];
    size_t len = strlen(dir);
    if (len == 0 || len >= sizeof p)
        return ta_error(err, TEEATTEST_E_INVALID_ARG, "tdx.collateral",
                        len ? "collateral path is too long"
                            : "collateral directory is empty");
    memcpy(p, dir, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        char c = p[i];
        p[i] = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST) {
            int e = errno;
            return ta_error(err, TEEATTEST_E_IO, "tdx.collateral",
                            "cannot create %s: %s", p, strerror(e));
        }
        p[i] = c;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return ta_error(err, TEEATTEST_E_IO, "tdx.collateral",
                        "%s is not a directory", dir);
    return TEEATTEST_OK;
}

/* A signed document as PCS serves it. Loaded from a PCS response, the
 * text is that response and is written as is. Loaded from dcap-qvl JSON,
 * the text is the bare signed body: it is wrapped in the PCS envelope
 * with the signature as hex, keeping the signed bytes exactly. */
static int save_doc(const char *dir, const char *name, const char *member,
                    const ta_tdx_signed_doc *d, teeattest_error *err)
{
    bool bare = d->text_len > 0 && d->body_off == 0 &&
                d->body_len == d->text_len;
    if (!d->text || (bare && !d->have_span))
        return ta_error(err, TEEATTEST_E_PARSE, "tdx.collateral",
                        "%s: the loaded document %s, it cannot be saved",
                        name, d->text ? "has no valid signature"
                                      : "was not kept (too large)");
    if (!bare) {
        const uint8_t *parts[] = {d->text};
        size_t lens[] = {d->text_len};
        return save_file(dir, name, parts, lens, 1, err);
    }
    char head[40], tail[160];
    int hl = snprintf(head, sizeof head, "{\"%s\":", member);
    char hex[129];
    ta_hex_encode(hex, d->sig, 64);
    int tl = snprintf(tail, sizeof tail, ",\"signature\":\"%s\"}", hex);
    const uint8_t *parts[] = {(const uint8_t *)head, d->text,
                              (const uint8_t *)tail};
    size_t lens[] = {(size_t)hl, d->text_len, (size_t)tl};
    return save_file(dir, name, parts, lens, 3, err);
}

int ta_tdx_chain_pem(const ta_tdx_chain *ch, ta_buf *out)
{
    int rc = TEEATTEST_OK;
    for (size_t i = 0; !rc && i < ta_x509_chain_len(ch->chain); i++) {
        ta_der raw = ta_x509_der(ta_x509_chain_get(ch->chain, i));
        size_t blen = ta_base64_encoded_len(raw.len);
        char *b64 = ta_malloc(out->ctx, blen + 1);
        if (!b64)
            return TEEATTEST_E_NOMEM;
        ta_base64_encode(b64, raw.p, raw.len, false);
        rc = ta_buf_append_str(out, "-----BEGIN CERTIFICATE-----\n");
        for (size_t off = 0; !rc && off < blen; off += 64)
            if (!(rc = ta_buf_append(out, b64 + off,
                                     blen - off < 64 ? blen - off : 64)))
                rc = ta_buf_append_str(out, "\n");
        if (!rc)
            rc = ta_buf_append_str(out, "-----END CERTIFICATE-----\n");
        ta_free(out->ctx, b64);
    }
    return rc;
}

static int save_chain(const teeattest_ctx *ctx, const char *dir,
                      const char *name, const ta_tdx_chain *ch,
                      teeattest_error *err)
{
    if (ch->error || !ch->n)
        return ta_error(err, TEEATTEST_E_PARSE, "tdx.collateral",
                        "%s: the issuer chain did not load (%s), it cannot "
                        "be saved", name,
                        ch->error ? ch->error : "missing");
    ta_buf b;
    ta_buf_init(&b, ctx, 0);
    int rc = ta_tdx_chain_pem(ch, &b);
    if (!rc) {
        const uint8_t *parts[] = {b.data};
        size_t lens[] = {b.len};
        rc = save_file(dir, name, parts, lens, 1, err);
    } else {
        rc = ta_error(err, rc, NULL, "out of memory");
    }
    ta_buf_free(&b);
    return rc;
}

static int save_crl(const char *dir, const char *name, const ta_tdx_crl *crl,
                    teeattest_error *err)
{
    if (!crl->loaded || !ta_x509_crl_der(crl->crl).p)
        return ta_error(err, TEEATTEST_E_PARSE, "tdx.collateral",
                        "%s: the CRL did not load (%s), it cannot be saved",
                        name, crl->error ? crl->error : "missing");
    ta_der raw = ta_x509_crl_der(crl->crl);
    const uint8_t *parts[] = {raw.p};
    size_t lens[] = {raw.len};
    return save_file(dir, name, parts, lens, 1, err);
}

int ta_tdx_collateral_save_dir(const ta_tdx_collateral *c, const char *dir,
                               teeattest_error *err)
{
    if (!c || !dir)
        return TA_INVALID(err, !c ? "collateral is NULL" : "dir is NULL");
    const teeattest_ctx *ctx = c->ctx;
    int rc = make_dirs(dir, err);
    /* Chains and CRLs first, the documents last: a reader racing a save
     * of newer collateral is then more likely to see the documents' old
     * issuers next to old documents than the reverse; each file is whole
     * either way and verification judges the mix. */
    if (!rc)
        rc = save_chain(ctx, dir, "tcb_info_issuer_chain.pem",
                        &c->tcb_info_chain, err);
    if (!rc)
        rc = save_chain(ctx, dir, "qe_identity_issuer_chain.pem",
                        &c->qe_identity_chain, err);
    if (!rc && (c->pck_crl_chain.n || c->pck_crl_chain.error))
        rc = save_chain(ctx, dir, "pck_crl_issuer_chain.pem",
                        &c->pck_crl_chain, err);
    if (!rc && !c->pck_crl_chain.n && !c->pck_crl_chain.error) {
        /* Optional and absent: a stale one must not be loaded with the
         * new CRL. */
        char path[4096];
        if ((size_t)snprintf(path, sizeof path, "%s/pck_crl_issuer_chain.pem",
                             dir) < sizeof path &&
            unlink(path) != 0 && errno != ENOENT)
            rc = ta_error(err, TEEATTEST_E_IO, "tdx.collateral",
                          "cannot remove %s: %s", path, strerror(errno));
    }
    if (!rc)
        rc = save_crl(dir, "root_ca_crl.der", &c->root_ca_crl, err);
    if (!rc)
        rc = save_crl(dir, "pck_crl.der", &c->pck_crl, err);
    if (!rc)
        rc = save_doc(dir, "qe_identity.json", "enclaveIdentity",
                      &c->qe_identity.doc, err);
    if (!rc)
        rc = save_doc(dir, "tcb_info.json", "tcbInfo", &c->tcb_info.doc,
                      err);
    if (!rc) {
        /* Make the renames durable; best effort (some file systems refuse
         * fsync on a directory). */
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            (void)fsync(dfd);
            close(dfd);
        }
    }
    return rc;
}
