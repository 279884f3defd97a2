/*
 * teeattest-sim: strings, hashes and hex.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

#include <sodium.h>

#include "crypto/crypto.h"
#include "sim.h"

volatile int sim_quit;

void sb_init(sbuf *b)
{
    memset(b, 0, sizeof *b);
}

void sb_free(sbuf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

static bool sb_reserve(sbuf *b, size_t extra)
{
    if (b->oom)
        return false;
    if (extra > SIZE_MAX - b->len - 1) {
        b->oom = true;
        return false;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = realloc(b->data, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

void sb_add(sbuf *b, const void *p, size_t n)
{
    if (!sb_reserve(b, n))
        return;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void sb_str(sbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

void sb_printf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !sb_reserve(b, (size_t)n)) {
        b->oom = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

char *sb_steal(sbuf *b, size_t *len)
{
    if (b->oom || !sb_reserve(b, 0)) {
        sb_free(b);
        return NULL;
    }
    char *p = b->data;
    if (len)
        *len = b->len;
    memset(b, 0, sizeof *b);
    return p;
}

void sim_hex(char *out, const uint8_t *in, size_t len)
{
    ta_hex_encode(out, in, len);
}

bool sim_unhex(uint8_t *out, size_t n, const char *s)
{
    if (!s || strlen(s) != 2 * n)
        return false;
    return ta_hex_decode(out, n, s, 2 * n) == (int64_t)n;
}

void sim_sha256(uint8_t out[32], const void *p, size_t n)
{
    crypto_hash_sha256(out, p, n);
}

void sim_sha256_hex(char out[65], const void *p, size_t n)
{
    uint8_t h[32];
    sim_sha256(h, p, n);
    sim_hex(out, h, 32);
}

void sim_sha384(uint8_t out[48], const void *p, size_t n)
{
    if (ta_builtin_hash(TEEATTEST_HASH_SHA384, out, 48, p, n) != 0)
        memset(out, 0, 48); /* cannot fail for a known algorithm */
}

void sim_keccak256(uint8_t out[32], const void *p, size_t n)
{
    ta_keccak256_raw(out, p, n);
}

void sim_label_hex(char *out, size_t nbytes, unsigned long long seed,
                   const char *label)
{
    char in[256];
    uint8_t h[64];
    snprintf(in, sizeof in, "teeattest-sim/%llu/%s", seed, label);
    crypto_hash_sha512(h, (const uint8_t *)in, strlen(in));
    if (nbytes > 64)
        nbytes = 64;
    sim_hex(out, h, nbytes);
}

void sim_sleep_ms(int ms)
{
    while (ms > 0 && !sim_quit) {
        int step = ms > 50 ? 50 : ms;
        struct timespec ts = {0, (long)step * 1000000L};
        nanosleep(&ts, NULL);
        ms -= step;
    }
}

char *sim_read_file(const char *path, size_t *len)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
        (unsigned long long)st.st_size > SIM_MAX_FILE)
        return NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    sbuf b;
    sb_init(&b);
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0 && b.len <= SIM_MAX_FILE)
        sb_add(&b, buf, n);
    bool bad = ferror(f) || b.len > SIM_MAX_FILE;
    fclose(f);
    if (bad) {
        sb_free(&b);
        return NULL;
    }
    return sb_steal(&b, len); /* storage even for an empty file */
}
