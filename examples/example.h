/*
 * Helpers shared by the examples: read a file, report an error, print a
 * result; for C++, owning handles. Only the public API
 * (<teeattest/teeattest.h>) and the standard libraries.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TEEATTEST_EXAMPLE_H
#define TEEATTEST_EXAMPLE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <teeattest/teeattest.h>

/* The whole file (NUL-terminated, so text can be used as a string), or
 * NULL with a message. Free with free(). */
static inline uint8_t *example_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long n = -1;
    if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0 &&
        (buf = (uint8_t *)malloc((size_t)n + 1)) != NULL &&
        fread(buf, 1, (size_t)n, f) == (size_t)n) {
        buf[n] = 0;
        *len = (size_t)n;
    } else {
        fprintf(stderr, "cannot read %s\n", path);
        free(buf);
        buf = NULL;
    }
    if (f)
        fclose(f);
    return buf;
}

/* A failed call: its status name and the library's message. Returns 2,
 * the examples' exit status for "could not verify at all". */
static inline int example_fail(const char *what, int status,
                               const teeattest_error *err)
{
    fprintf(stderr, "%s: %s: %s\n", what, teeattest_status_name(status),
            err && err->message[0] ? err->message
                                   : teeattest_status_str(status));
    return 2;
}

/* The checks that did not pass (skipped, failed, warnings), how many
 * passed, then the verdict. Returns 0 when the result is verified, 1
 * otherwise (the exit status of the examples). */
static inline int example_print(const char *title, const teeattest_result *res)
{
    size_t n = teeattest_result_check_count(res), passed = 0;
    printf("%s\n", title);
    for (size_t i = 0; i < n; i++) {
        const char *name = "", *detail = "";
        int32_t outcome = 0;
        teeattest_result_check(res, i, &name, &outcome, &detail, NULL, NULL);
        if (outcome == TEEATTEST_OUTCOME_PASS)
            passed++;
        else
            printf("  %-4s %s  %s\n", teeattest_outcome_name(outcome), name,
                   detail);
    }
    int32_t verdict = teeattest_result_verdict(res);
    printf("passed: %zu of %zu checks\nverdict: %s\n", passed, n,
           teeattest_verdict_name(verdict));
    return verdict == TEEATTEST_VERDICT_VERIFIED ? 0 : 1;
}

/* The HTTP/1.0 transport of http10.c (custom_transport.c uses it). */
#ifdef __cplusplus
extern "C"
#endif
int example_http10(void *user_data, teeattest_http_response *resp,
                   const teeattest_http_request *req);

#ifdef __cplusplus
#include <memory>
#include <stdexcept>
#include <string>

namespace example {
// Owning handles: std::unique_ptr with the library's free function, and
// out(h) to let a C function fill one (like C++23's std::out_ptr).
template <auto Free> struct deleter {
    template <class T> void operator()(T *p) const { Free(p); }
};
template <class T, auto Free> using handle = std::unique_ptr<T, deleter<Free>>;
template <class H> struct out_ptr {
    H &h;
    typename H::pointer p = nullptr;
    ~out_ptr() { h.reset(p); }
    operator typename H::pointer *() { return &p; }
};
template <class H> out_ptr<H> out(H &h) { return {h}; }

// check(call(..., &check.err), "what"): a failed call becomes an exception
// carrying the library's detail.
struct checker {
    teeattest_error err = TEEATTEST_ERROR_INIT;
    void operator()(int status, const char *what) const
    {
        if (status != TEEATTEST_OK)
            throw std::runtime_error(std::string(what) + ": " +
                                     teeattest_status_name(status) + ": " +
                                     err.message);
    }
};
} // namespace example

#endif /* __cplusplus */

#endif
