/*
 * Growable byte buffer with a hard size limit.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <string.h>

#include "core.h"

void ta_buf_init(ta_buf *b, const teeattest_ctx *ctx, size_t max)
{
    memset(b, 0, sizeof *b);
    b->ctx = ctx;
    b->max = max ? max : SIZE_MAX;
}

/* Make room for `extra` more bytes plus a terminating NUL. */
static int reserve(ta_buf *b, size_t extra)
{
    if (extra > b->max - b->len || b->len + extra == SIZE_MAX)
        return TEEATTEST_E_TOO_LARGE;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return TEEATTEST_OK;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    uint8_t *p = ta_realloc(b->ctx, b->data, cap);
    if (!p)
        return TEEATTEST_E_NOMEM;
    b->data = p;
    b->cap = cap;
    return TEEATTEST_OK;
}

int ta_buf_append(ta_buf *b, const void *data, size_t len)
{
    if (!len)
        return TEEATTEST_OK;
    int rc = reserve(b, len);
    if (rc)
        return rc;
    memcpy(b->data + b->len, data, len);
    b->len += len;
    return TEEATTEST_OK;
}

int ta_buf_append_str(ta_buf *b, const char *s)
{
    return ta_buf_append(b, s, strlen(s));
}

int ta_buf_printf(ta_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return TEEATTEST_E_INTERNAL;
    int rc = reserve(b, (size_t)n);
    if (rc)
        return rc;
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return TEEATTEST_OK;
}

int ta_buf_terminate(ta_buf *b)
{
    int rc = reserve(b, 0);
    if (rc)
        return rc;
    b->data[b->len] = '\0';
    return TEEATTEST_OK;
}

void ta_buf_free(ta_buf *b)
{
    ta_free(b->ctx, b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

uint8_t *ta_buf_steal(ta_buf *b, size_t *len)
{
    uint8_t *p = b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

/* ---- secrets ------------------------------------------------------------ */

void ta_wipe(void *p, size_t n)
{
    volatile uint8_t *v = p;
    if (!v)
        return;
    while (n--)
        *v++ = 0;
}

void ta_free_secret(const teeattest_ctx *ctx, char *s)
{
    if (!s)
        return;
    ta_wipe(s, strlen(s));
    ta_free(ctx, s);
}
