/*
 * Context creation: size-versioned option structs (ctx options, allocator,
 * crypto backend, transport), option validation, the clock, the log sink
 * and the reference count.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include "unit.h"

/* A caller built against a later libteeattest passes a larger struct:
 * known fields first, then fields this library has never heard of. */
#define WITH_TAIL(type) struct { type s; uint64_t tail[4]; }

static int dummy_request(void *ud, teeattest_http_response *resp,
                         const teeattest_http_request *req)
{
    (void)ud;
    (void)resp;
    (void)req;
    return TEEATTEST_E_TRANSPORT;
}

static int new_ctx(const teeattest_ctx_options *o, teeattest_error *err)
{
    teeattest_ctx *ctx = (teeattest_ctx *)(uintptr_t)1;
    int rc = teeattest_ctx_new(&ctx, o, err);
    if (rc == TEEATTEST_OK) {
        if (!ctx)
            return -1000;
        teeattest_ctx_free(ctx);
    } else if (ctx != NULL) {
        return -1001; /* *out must be NULL on failure */
    }
    return rc;
}

static void test_ctx_options_versioning(void)
{
    teeattest_error err = TEEATTEST_ERROR_INIT;
    teeattest_ctx_options o = TEEATTEST_CTX_OPTIONS_INIT;
    CHECK_EQ_INT(new_ctx(&o, &err), TEEATTEST_OK);
    CHECK_EQ_INT(new_ctx(NULL, &err), TEEATTEST_OK);

    /* Smaller than the 1.0 struct: an ABI the library cannot read. */
    o.struct_size = sizeof o - 1;
    CHECK_EQ_INT(new_ctx(&o, &err), TEEATTEST_E_ABI);
    CHECK_EQ_INT(err.code, TEEATTEST_E_ABI);
    CHECK_STR(err.where, "teeattest_ctx_options");
    o.struct_size = 0;
    CHECK_EQ_INT(new_ctx(&o, NULL), TEEATTEST_E_ABI);
    o.struct_size = sizeof(size_t);
    CHECK_EQ_INT(new_ctx(&o, NULL), TEEATTEST_E_ABI);

    WITH_TAIL(teeattest_ctx_options) big;
    memset(&big, 0, sizeof big);
    big.s.struct_size = sizeof big;
    CHECK_EQ_INT(new_ctx(&big.s, &err), TEEATTEST_OK);
    big.tail[3] = 1;
    CHECK_EQ_INT(new_ctx(&big.s, &err), TEEATTEST_E_ABI_TOO_NEW);
    CHECK_EQ_INT(err.code, TEEATTEST_E_ABI_TOO_NEW);
    big.tail[3] = 0;
    big.tail[0] = 0x100; /* first unknown byte(s) */
    CHECK_EQ_INT(new_ctx(&big.s, NULL), TEEATTEST_E_ABI_TOO_NEW);
    /* A non-zero byte just past the declared size is not read. */
    big.s.struct_size = sizeof big.s;
    CHECK_EQ_INT(new_ctx(&big.s, NULL), TEEATTEST_OK);

    /* teeattest_ctx_options_init zeroes and sets the size. */
    teeattest_ctx_options oi;
    memset(&oi, 0xA5, sizeof oi);
    CHECK_EQ_INT(teeattest_ctx_options_init(&oi, sizeof oi), TEEATTEST_OK);
    CHECK_EQ_INT(oi.struct_size, sizeof oi);
    CHECK(oi.allocator == NULL && oi.clock == NULL && oi.log == NULL &&
          oi.log_level == 0 && oi.crypto == NULL && oi.transport == NULL);
    CHECK_EQ_INT(new_ctx(&oi, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_ctx_options_init(&oi, sizeof oi - 1),
                 TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(teeattest_ctx_options_init(NULL, sizeof oi),
                 TEEATTEST_E_INVALID_ARG);
    memset(&big, 0xA5, sizeof big);
    CHECK_EQ_INT(teeattest_ctx_options_init(&big.s, sizeof big), TEEATTEST_OK);
    CHECK(big.tail[3] == 0 && big.s.struct_size == sizeof big);
    CHECK_EQ_INT(new_ctx(&big.s, NULL), TEEATTEST_OK);

    /* log_level must be a teeattest_log_level. */
    o = (teeattest_ctx_options)TEEATTEST_CTX_OPTIONS_INIT;
    o.log_level = TEEATTEST_LOG_DEBUG;
    CHECK_EQ_INT(new_ctx(&o, NULL), TEEATTEST_OK);
    o.log_level = TEEATTEST_LOG_DEBUG + 1;
    CHECK_EQ_INT(new_ctx(&o, &err), TEEATTEST_E_INVALID_ARG);
    o.log_level = -1;
    CHECK_EQ_INT(new_ctx(&o, NULL), TEEATTEST_E_INVALID_ARG);

    CHECK_EQ_INT(teeattest_ctx_new(NULL, &o, &err), TEEATTEST_E_INVALID_ARG);
}

static void test_allocator_versioning(void)
{
    unit_alloc_stats st = {0};
    teeattest_ctx_options o = TEEATTEST_CTX_OPTIONS_INIT;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    teeattest_allocator a = unit_allocator(&st);
    o.allocator = &a;
    CHECK_EQ_INT(new_ctx(&o, &err), TEEATTEST_OK);
    CHECK(st.total >= 1);
    CHECK_EQ_INT(st.live, 0);

    a.struct_size = sizeof a - 1;
    CHECK_EQ_INT(new_ctx(&o, &err), TEEATTEST_E_ABI);
    CHECK_STR(err.where, "teeattest_allocator");
    a.struct_size = 0;
    CHECK_EQ_INT(new_ctx(&o, NULL), TEEATTEST_E_ABI);

    WITH_TAIL(teeattest_allocator) big;
    memset(&big, 0, sizeof big);
    big.s = unit_allocator(&st);
    big.s.struct_size = sizeof big;
    o.allocator = &big.s;
    CHECK_EQ_INT(new_ctx(&o, NULL), TEEATTEST_OK);
    big.tail[1] = 42;
    CHECK_EQ_INT(new_ctx(&o, &err), TEEATTEST_E_ABI_TOO_NEW);
    CHECK_STR(err.where, "teeattest_allocator");

    /* All three functions are required. */
    a = unit_allocator(&st);
    o.allocator = &a;
    a.alloc = NULL;
    CHECK_EQ_INT(new_ctx(&o, &err), TEEATTEST_E_INVALID_ARG);
    a = unit_allocator(&st);
    a.realloc = NULL;
    CHECK_EQ_INT(new_ctx(&o, NULL), TEEATTEST_E_INVALID_ARG);
    a = unit_allocator(&st);
    a.free = NULL;
    CHECK_EQ_INT(new_ctx(&o, NULL), TEEATTEST_E_INVALID_ARG);
    CHECK_EQ_INT(st.live, 0);
    CHECK_EQ_INT(st.bad, 0);

    /* The allocator struct is copied: the caller's may go away. */
    teeattest_allocator *heap = malloc(sizeof *heap);
    *heap = unit_allocator(&st);
    o.allocator = heap;
    teeattest_ctx *ctx = NULL;
    CHECK_EQ_INT(teeattest_ctx_new(&ctx, &o, NULL), TEEATTEST_OK);
    memset(heap, 0, sizeof *heap);
    free(heap);
    size_t before = st.total;
    char *p = ta_strdup(ctx, "copied");
    CHECK(p && st.total == before + 1);
    ta_free(ctx, p);
    teeattest_ctx_free(ctx);
    CHECK_EQ_INT(st.live, 0);
}

static int release_count;
static void count_release(void *ud)
{
    (void)ud;
    release_count++;
}

static void test_backend_versioning(void)
{
    teeattest_ctx_options o = TEEATTEST_CTX_OPTIONS_INIT;
    teeattest_error err = TEEATTEST_ERROR_INIT;

    teeattest_crypto_backend cb = TEEATTEST_CRYPTO_BACKEND_INIT;
    o.crypto = &cb;
    CHECK_EQ_INT(new_ctx(&o, &err), TEEATTEST_OK);
    cb.struct_size = sizeof cb - 1;
    CHECK_EQ_INT(new_ctx(&o, &err), TEEATTEST_E_ABI);
    CHECK_STR(err.where, "teeattest_crypto_backend");
    WITH_TAIL(teeattest_crypto_backend) bigcb;
    memset(&bigcb, 0, sizeof bigcb);
    bigcb.s.struct_size = sizeof bigcb;
    o.crypto = &bigcb.s;
    CHECK_EQ_INT(new_ctx(&o, NULL), TEEATTEST_OK);
    bigcb.tail[0] = 1;
    CHECK_EQ_INT(new_ctx(&o, &err), TEEATTEST_E_ABI_TOO_NEW);
    CHECK_STR(err.where, "teeattest_crypto_backend");

    /* A refused backend is never released: the library did not take it. */
    release_count = 0;
    bigcb.s.release = count_release;
    CHECK_EQ_INT(new_ctx(&o, NULL), TEEATTEST_E_ABI_TOO_NEW);
    CHECK_EQ_INT(release_count, 0);
    bigcb.tail[0] = 0;
    CHECK_EQ_INT(new_ctx(&o, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(release_count, 1);

    o.crypto = NULL;
    teeattest_transport tr = TEEATTEST_TRANSPORT_INIT;
    tr.request = dummy_request;
    o.transport = &tr;
    CHECK_EQ_INT(new_ctx(&o, &err), TEEATTEST_OK);
    tr.struct_size = sizeof tr - 1;
    CHECK_EQ_INT(new_ctx(&o, &err), TEEATTEST_E_ABI);
    CHECK_STR(err.where, "teeattest_transport");
    WITH_TAIL(teeattest_transport) bigtr;
    memset(&bigtr, 0, sizeof bigtr);
    bigtr.s.struct_size = sizeof bigtr;
    bigtr.s.request = dummy_request;
    o.transport = &bigtr.s;
    CHECK_EQ_INT(new_ctx(&o, NULL), TEEATTEST_OK);
    bigtr.tail[2] = 9;
    CHECK_EQ_INT(new_ctx(&o, &err), TEEATTEST_E_ABI_TOO_NEW);
    CHECK_STR(err.where, "teeattest_transport");
    /* A transport that cannot make a request is misuse. */
    tr = (teeattest_transport)TEEATTEST_TRANSPORT_INIT;
    o.transport = &tr;
    CHECK_EQ_INT(new_ctx(&o, &err), TEEATTEST_E_INVALID_ARG);
    CHECK_STR(err.where, "transport");

    release_count = 0;
    tr.request = dummy_request;
    tr.release = count_release;
    CHECK_EQ_INT(new_ctx(&o, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(release_count, 1);
}

static void test_copy_versioned(void)
{
    struct v2 { size_t size; int a; int b; } dst;
    struct v3 { size_t size; int a; int b; int c; } src3;
    memset(&src3, 0, sizeof src3); /* padding is part of the tail */
    src3.size = sizeof src3;
    src3.a = 1;
    src3.b = 2;
    teeattest_error err = TEEATTEST_ERROR_INIT;
    size_t v1 = offsetof(struct v2, a) + sizeof(int);
    /* Newer caller, zero tail: known fields copied. */
    CHECK_EQ_INT(ta_copy_versioned(&dst, sizeof dst, &src3, sizeof src3, v1,
                                   "t", &err), TEEATTEST_OK);
    CHECK(dst.a == 1 && dst.b == 2);
    src3.c = 3;
    CHECK_EQ_INT(ta_copy_versioned(&dst, sizeof dst, &src3, sizeof src3, v1,
                                   "t", &err), TEEATTEST_E_ABI_TOO_NEW);
    /* Older (v1-sized) caller: the fields it lacks read as zero. */
    struct v2 src1 = {v1, 5, 99};
    memset(&dst, 0xFF, sizeof dst);
    CHECK_EQ_INT(ta_copy_versioned(&dst, sizeof dst, &src1, v1, v1, "t", &err),
                 TEEATTEST_OK);
    CHECK(dst.a == 5 && dst.b == 0);
    CHECK_EQ_INT(ta_copy_versioned(&dst, sizeof dst, &src1, v1 - 1, v1, "t",
                                   &err), TEEATTEST_E_ABI);
    CHECK_STR(err.where, "t");
}

struct clock_state {
    int64_t now;
    int calls;
};

static int64_t fake_clock(void *ud)
{
    struct clock_state *c = ud;
    c->calls++;
    return c->now;
}

struct log_state {
    int n;
    int32_t last_level;
    char last[600];
};

static void fake_log(void *ud, int32_t level, const char *msg)
{
    struct log_state *l = ud;
    l->n++;
    l->last_level = level;
    snprintf(l->last, sizeof l->last, "%s", msg);
}

static void test_clock_and_log(void)
{
    struct clock_state cs = {1700000000, 0};
    struct log_state ls = {0, 0, ""};
    teeattest_ctx_options o = TEEATTEST_CTX_OPTIONS_INIT;
    o.clock = fake_clock;
    o.clock_user_data = &cs;
    o.log = fake_log;
    o.log_user_data = &ls;
    o.log_level = TEEATTEST_LOG_WARN;
    teeattest_ctx *ctx = NULL;
    CHECK_EQ_INT(teeattest_ctx_new(&ctx, &o, NULL), TEEATTEST_OK);
    CHECK_EQ_INT(teeattest_ctx_now(ctx), 1700000000);
    cs.now = -5;
    CHECK_EQ_INT(teeattest_ctx_now(ctx), -5);
    CHECK_EQ_INT(cs.calls, 2);
    CHECK_EQ_INT(teeattest_ctx_now(NULL), 0);

    ta_log(ctx, TEEATTEST_LOG_ERROR, "error %d", 1);
    CHECK_EQ_INT(ls.n, 1);
    CHECK_EQ_INT(ls.last_level, TEEATTEST_LOG_ERROR);
    CHECK_STR(ls.last, "error 1");
    ta_log(ctx, TEEATTEST_LOG_WARN, "warn");
    CHECK_EQ_INT(ls.n, 2);
    /* Above the configured level, or not a level: not delivered. */
    ta_log(ctx, TEEATTEST_LOG_INFO, "info");
    ta_log(ctx, TEEATTEST_LOG_DEBUG, "debug");
    ta_log(ctx, TEEATTEST_LOG_NONE, "none");
    ta_log(ctx, -3, "negative");
    CHECK_EQ_INT(ls.n, 2);
    /* Long messages are truncated, never overrun. */
    char longmsg[2000];
    memset(longmsg, 'm', sizeof longmsg - 1);
    longmsg[sizeof longmsg - 1] = '\0';
    ta_log(ctx, TEEATTEST_LOG_ERROR, "%s", longmsg);
    CHECK_EQ_INT(ls.n, 3);
    CHECK(strlen(ls.last) > 100 && strlen(ls.last) < sizeof longmsg - 1);
    ta_log(NULL, TEEATTEST_LOG_ERROR, "no ctx");
    CHECK_EQ_INT(ls.n, 3);
    teeattest_ctx_free(ctx);

    /* No log sink: ta_log is a no-op. (The system clock, used when no
     * clock is given, is deliberately never read by the tests.) */
    ctx = unit_ctx();
    ta_log(ctx, TEEATTEST_LOG_ERROR, "dropped");
    teeattest_ctx_free(ctx);
}

static void test_refcount(void)
{
    unit_alloc_stats st = {0};
    release_count = 0;
    teeattest_crypto_backend cb = TEEATTEST_CRYPTO_BACKEND_INIT;
    cb.release = count_release;
    teeattest_ctx *ctx = unit_ctx_with(&st, &cb);
    CHECK(teeattest_ctx_ref(ctx) == ctx);
    CHECK(teeattest_ctx_ref(NULL) == NULL);
    teeattest_ctx_free(ctx);
    CHECK_EQ_INT(release_count, 0);
    CHECK_EQ_INT(st.live, 1);
    teeattest_ctx_free(ctx);
    CHECK_EQ_INT(release_count, 1);
    CHECK_EQ_INT(st.live, 0);
    teeattest_ctx_free(NULL);
}

static void test_features_and_version(void)
{
    CHECK_EQ_INT(teeattest_has_feature(TEEATTEST_FEATURE_ED25519), 1);
    CHECK_EQ_INT(teeattest_has_feature(TEEATTEST_FEATURE_SECP256K1), 1);
    CHECK_EQ_INT(teeattest_has_feature(0), 0);
    CHECK_EQ_INT(teeattest_has_feature(-1), 0);
    CHECK_EQ_INT(teeattest_has_feature(1000), 0);
    int curl = teeattest_has_feature(TEEATTEST_FEATURE_CURL_TRANSPORT);
    CHECK(curl == 0 || curl == 1);
    CHECK_EQ_INT(teeattest_version_number(), TEEATTEST_VERSION_NUMBER);
    CHECK_STR(teeattest_version_string(), TEEATTEST_VERSION_STRING);
    char v[32];
    snprintf(v, sizeof v, "%d.%d.%d", TEEATTEST_VERSION_MAJOR,
             TEEATTEST_VERSION_MINOR, TEEATTEST_VERSION_PATCH);
    CHECK_STR(teeattest_version_string(), v);
}

int main(void)
{
    test_ctx_options_versioning();
    test_allocator_versioning();
    test_backend_versioning();
    test_copy_versioned();
    test_clock_and_log();
    test_refcount();
    test_features_and_version();
    return ta_test_done();
}
