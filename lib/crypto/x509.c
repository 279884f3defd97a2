/*
 * Calendar time for X.509 and other dates, independent of any crypto
 * library. The built-in chain verification is in chain.c.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "crypto.h"

int64_t ta_timegm(int year, int mon, int day, int hour, int min, int sec)
{
    /* Days from 1970-01-01 in the proleptic Gregorian calendar. */
    int64_t y = year - (mon <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t mp = (mon + 9) % 12;
    int64_t doy = (153 * mp + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = era * 146097 + doe - 719468;
    return days * 86400 + hour * 3600 + min * 60 + sec;
}
