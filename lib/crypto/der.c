/*
 * The DER cursor of der.h, over its readers (so with their DER rules
 * whatever implementation is behind them).
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string.h>

#include "der.h"

bool ta_der_next(ta_der_in *d, ta_der_tlv *t)
{
    uint8_t *p = (uint8_t *)d->p;
    int tag;
    size_t len;
    if (ta_der_get_any(&p, d->end, &tag, &len) != 0)
        return false;
    t->tag = (uint8_t)tag;
    t->elem = d->p;
    t->elem_len = (size_t)(p - d->p) + len;
    t->in.p = p;
    t->in.end = p + len;
    d->p = p + len;
    return true;
}

bool ta_der_expect(ta_der_in *d, uint8_t tag, ta_der_tlv *t)
{
    ta_der_in save = *d;
    if (!ta_der_next(d, t) || t->tag != tag) {
        *d = save;
        return false;
    }
    return true;
}

bool ta_der_peek(const ta_der_in *d, uint8_t tag)
{
    return d->p < d->end && d->p[0] == tag;
}

bool ta_der_done(const ta_der_in *d)
{
    return d->p == d->end;
}

size_t ta_der_left(const ta_der_in *d)
{
    return (size_t)(d->end - d->p);
}

bool ta_der_eq(const ta_der_in *d, const uint8_t *b, size_t n)
{
    return ta_der_left(d) == n && memcmp(d->p, b, n) == 0;
}
