/*
 * Internal core: context internals, allocation, errors, buffers, encodings,
 * JSON helpers and the result builder. Never installed.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#ifndef TA_CORE_H
#define TA_CORE_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "teeattest/teeattest.h"

#if defined(__GNUC__)
#  define TA_PRINTF(f, a) __attribute__((format(printf, f, a)))
#  define TA_WARN_UNUSED __attribute__((warn_unused_result))
#else
#  define TA_PRINTF(f, a)
#  define TA_WARN_UNUSED
#endif

#define TA_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- context ---------------------------------------------------------- */

/* Per-context state a layer above core creates on first use and the
 * context frees with itself: the layer installs it in its slot together
 * with its destructor (ta_ctx_slot_install), so core knows neither the
 * layer nor the type. One slot per owner. */
enum {
    TA_CTX_SLOT_CURL_POOL, /* lib/transport/curl.c: the handle pool */
    TA_CTX_SLOT_TDX_CACHE, /* lib/tdx/cache.c: fetched collateral */
    TA_CTX_SLOT_MEMO,      /* lib/crypto/memo.c: verified material */
    TA_CTX_SLOTS
};
typedef void (*ta_ctx_slot_free_fn)(const teeattest_ctx *ctx, void *p);
typedef struct ta_ctx_slot {
    _Atomic(void *) p;
    ta_ctx_slot_free_fn free; /* set by the thread that installed p */
} ta_ctx_slot;

struct teeattest_ctx {
    atomic_size_t refs;
    teeattest_allocator alloc;
    int64_t (*clock)(void *ud);
    void *clock_ud;
    void (*log)(void *ud, int32_t level, const char *msg);
    void *log_ud;
    int32_t log_level;
    teeattest_crypto_backend crypto;
    bool has_crypto;
    teeattest_transport transport;
    bool has_transport;
    int (*sleep)(void *ud, uint32_t ms);
    void *sleep_ud;
    /* teeattest_ctx_options.deadline_ms: Unix ms on the context clock, 0 =
     * none (enforced by ta_request, lib/transport/call.c). */
    int64_t deadline_ms;
    /* teeattest_ctx_options' on-disk cache (lib/cache/disk.c): a copy of
     * cache_dir (NULL = none), or the embedder's callbacks. */
    char *cache_dir;
    int (*cache_load)(void *ud, const char *key, uint8_t *buf, size_t cap,
                      size_t *len);
    int (*cache_store)(void *ud, const char *key, const uint8_t *data,
                       size_t len);
    void *cache_ud;
    /* teeattest_ctx_options.memo_entries / memo_bytes (lib/crypto/memo.c):
     * 0 = default, TEEATTEST_MEMO_OFF = off. */
    size_t memo_entries, memo_bytes;
    /* What layers above core created on first use (TA_CTX_SLOT_*). */
    ta_ctx_slot slots[TA_CTX_SLOTS];
};

/* The value in `slot`, NULL until a layer installed one. */
void *ta_ctx_slot_get(const teeattest_ctx *ctx, int slot);
/* Install `p` in the empty `slot`, to be freed by `fn` with the context.
 * Returns what the slot holds afterwards: `p`, or the value another thread
 * installed first (the caller then frees its `p` itself and uses that). */
void *ta_ctx_slot_install(teeattest_ctx *ctx, int slot, void *p,
                          ta_ctx_slot_free_fn fn);

void *ta_malloc(const teeattest_ctx *ctx, size_t n);
void *ta_calloc(const teeattest_ctx *ctx, size_t n, size_t size);
void *ta_realloc(const teeattest_ctx *ctx, void *p, size_t n);
void ta_free(const teeattest_ctx *ctx, void *p);
char *ta_strdup(const teeattest_ctx *ctx, const char *s);
char *ta_strndup(const teeattest_ctx *ctx, const char *s, size_t n);

void ta_log(const teeattest_ctx *ctx, int32_t level, const char *fmt, ...)
    TA_PRINTF(3, 4);

/* The context's current time in Unix milliseconds: its clock callback's
 * seconds x 1000 when set, else the system's real-time clock. */
int64_t ta_now_ms(const teeattest_ctx *ctx);

/* Copy a caller's size-versioned struct into a zeroed internal copy.
 * `v1_size` is the size of the struct's first published version. Rejects a
 * size below v1 and a larger size whose unknown tail is not all zero. */
int ta_copy_versioned(void *dst, size_t dst_size, const void *src,
                      size_t src_size, size_t v1_size, const char *what,
                      teeattest_error *err);

/* ---- secrets ---------------------------------------------------------- */

/* Overwrite `n` bytes at `p` with zeros in a way the compiler cannot drop
 * (API keys, bearer headers before they are freed). NULL is a no-op. */
void ta_wipe(void *p, size_t n);
/* ta_wipe the NUL-terminated string `s`, then ta_free it. NULL is a
 * no-op. */
void ta_free_secret(const teeattest_ctx *ctx, char *s);

/* ---- errors ----------------------------------------------------------- */

/* Fill `err` (if non-NULL) and return `code`. */
int ta_error(teeattest_error *err, int code, const char *where,
             const char *fmt, ...) TA_PRINTF(4, 5);
int ta_verror(teeattest_error *err, int code, const char *where,
              const char *fmt, va_list ap) TA_PRINTF(4, 0);
/* True when `err` may be written: non-NULL and either zero-filled (a 1.0
 * struct from a binding) or at least the 1.0 size. Use before writing a
 * field such as backend_code directly. */
bool ta_error_writable(const teeattest_error *err);
/* ta_error, then the backend's own code (HTTP status, curl or crypto
 * library code) in err->backend_code. Returns `code`. */
int ta_error_backend(teeattest_error *err, int code, int32_t backend_code,
                     const char *where, const char *fmt, ...) TA_PRINTF(5, 6);
/* Copy an inner call's error into the caller's `err` (when writable),
 * keeping the caller's struct_size. Returns src->code. */
int ta_error_copy(teeattest_error *err, const teeattest_error *src);
#define TA_INVALID(err, what) \
    ta_error((err), TEEATTEST_E_INVALID_ARG, NULL, "invalid argument: %s", (what))

/* ---- byte buffer ------------------------------------------------------ */

typedef struct ta_buf {
    const teeattest_ctx *ctx;
    uint8_t *data;
    size_t len;
    size_t cap;
    size_t max; /* 0 = SIZE_MAX */
} ta_buf;

void ta_buf_init(ta_buf *b, const teeattest_ctx *ctx, size_t max);
int ta_buf_append(ta_buf *b, const void *data, size_t len) TA_WARN_UNUSED;
int ta_buf_append_str(ta_buf *b, const char *s) TA_WARN_UNUSED;
int ta_buf_printf(ta_buf *b, const char *fmt, ...) TA_PRINTF(2, 3);
/* NUL-terminates (not counted in len). */
int ta_buf_terminate(ta_buf *b) TA_WARN_UNUSED;
void ta_buf_free(ta_buf *b);
/* Hands the storage to the caller (free with ta_free). */
uint8_t *ta_buf_steal(ta_buf *b, size_t *len);

/* ---- encodings -------------------------------------------------------- */

/* Lower-case hex; `out` needs 2*len+1 bytes. */
void ta_hex_encode(char *out, const uint8_t *in, size_t len);
/* Strict hex decode of exactly `len` chars (even, any case). Returns bytes
 * written, or a negative status (TEEATTEST_E_HEX / TEEATTEST_E_LENGTH /
 * TEEATTEST_E_BUFFER_TOO_SMALL). */
int64_t ta_hex_decode(uint8_t *out, size_t out_cap, const char *in, size_t len);
/* Decode hex that must yield exactly `want` bytes, after an optional "0x". */
int ta_hex_decode_exact(uint8_t *out, size_t want, const char *in, size_t len,
                        bool allow_0x);
bool ta_is_hex(const char *s, size_t len);

/* Standard base64 (RFC 4648 §4) with padding required, or base64url (§5)
 * with padding optional. Returns bytes written or a negative status. */
int64_t ta_base64_decode(uint8_t *out, size_t out_cap, const char *in,
                         size_t len, bool url);
size_t ta_base64_decoded_max(size_t len);
/* Encode; `out` needs ta_base64_encoded_len(len)+1 bytes. */
size_t ta_base64_encoded_len(size_t len);
void ta_base64_encode(char *out, const uint8_t *in, size_t len, bool url);

/* Constant-time comparison (for values where timing could matter). */
bool ta_ct_equal(const void *a, const void *b, size_t len);

/* ---- results ---------------------------------------------------------- */

typedef struct ta_check {
    char *name;
    char *detail;
    int32_t outcome;
    int32_t required;
} ta_check;

/* Leads the key of every fact that is not vouched for (docs/checks.md). */
#define TA_UNVERIFIED "unverified."

typedef enum ta_fact_type { TA_FACT_STR, TA_FACT_INT, TA_FACT_BOOL } ta_fact_type;

typedef struct ta_fact {
    char *key;
    char *text; /* textual value, always set */
    ta_fact_type type;
} ta_fact;

typedef struct ta_json {
    size_t len;
    char text[];
} ta_json;

struct teeattest_result {
    atomic_size_t refs;
    teeattest_ctx *ctx;
    int32_t verdict;
    ta_check *checks;
    size_t n_checks, cap_checks;
    ta_fact *facts;
    size_t n_facts, cap_facts;
    /* Rendered on the first teeattest_result_to_json() and published
     * atomically: most callers read only the verdict, and a result is
     * immutable (so shareable across threads) once finished. */
    _Atomic(struct ta_json *) json;
    bool finished; /* ta_result_finish() succeeded: readable as JSON */
    bool oom; /* an allocation failed while building: finish reports NOMEM */
    /* Prepended to the names of checks and keys of facts added from now
     * on ("entry[1]." while one entry of a report is verified). */
    char prefix[48];
};

/* Builder: allocate, add checks and facts, then finish (computes the
 * verdict). A failed allocation is remembered and
 * reported by ta_result_finish(). */
int ta_result_new(teeattest_ctx *ctx, teeattest_result **out);
void ta_result_check(teeattest_result *r, const char *name, int32_t outcome,
                     bool required, const char *fmt, ...) TA_PRINTF(5, 6);
void ta_result_fact_str(teeattest_result *r, const char *key, const char *val);
/* A value read from a field no evidence binds (a top-level copy, a model
 * name): always stored as "unverified.<key>". */
void ta_result_fact_unbound_str(teeattest_result *r, const char *key,
                                const char *val);
void ta_result_fact_int(teeattest_result *r, const char *key, int64_t val);
void ta_result_fact_bool(teeattest_result *r, const char *key, bool val);
/* Computes the verdict. When it is failed, every fact is renamed
 * "unverified.<key>": facts are recorded normally while verifying, and
 * only a verified result carries them under their plain names. */
int ta_result_finish(teeattest_result *r, teeattest_error *err);
/* Set (NULL or "": clear) the prefix of later check names and fact keys;
 * longer than 47 bytes is cut. */
void ta_result_set_prefix(teeattest_result *r, const char *prefix);

/* The check recorder of a verification step sequence (TDX, GPU, NRAS):
 * tallies what failed and appends each check to `r` (NULL: tally only).
 * Start zeroed, then set r and detail_max. Names must outlive the
 * recorder (first_fail keeps the pointer). */
typedef struct ta_checks {
    teeattest_result *r;
    size_t detail_max;      /* bytes of detail kept, NUL included; 0: 1024 */
    const char *first_fail; /* the first FAIL's name */
    const char *first_bad;  /* the first FAIL's or required SKIP's name */
    bool failed;            /* a check failed */
    bool req_skip;          /* a required check was skipped */
} ta_checks;
void ta_checks_add(ta_checks *c, const char *name, int32_t outcome,
                   bool required, const char *fmt, ...) TA_PRINTF(5, 6);
void ta_checks_vadd(ta_checks *c, const char *name, int32_t outcome,
                    bool required, const char *fmt, va_list ap)
    TA_PRINTF(5, 0);

/* ---- JSON (jansson) helpers -------------------------------------------- */

/* The one JSON string writer: appends s[0..n) to b as a JSON string. '"'
 * and '\\' are escaped, control characters as \b \f \n \r \t or \u00xx
 * (lower-case hex, as serde_json and Python print), every other byte
 * (UTF-8 included) as it is, so the output is a function of the bytes
 * alone. TA_JSON_ESC_U_ONLY writes every control character as \u00xx
 * (the form teeattest_signature_to_json has always produced). */
#define TA_JSON_ESC_U_ONLY 1u
int ta_json_put_string(ta_buf *b, const char *s, size_t n, unsigned flags);

/* Opaque to callers that do not include jansson. */
struct json_t;
/* A member of a "plain flat" JSON object, pointing into the document. */
typedef struct ta_json_member {
    const char *key, *val;
    size_t key_len, val_len;
} ta_json_member;

/* Recognise the simplest JSON documents without building a tree: one
 * object whose keys and values are all strings of printable ASCII without
 * escapes, no key twice, at most `max` members. Returns the number of
 * members, or -1 when the document is anything else, including invalid
 * JSON: the caller then parses it with ta_json_parse(), which accepts or
 * rejects it with a precise message. Such documents mean the same to both
 * parsers, so callers use this only as a fast path (signature records). */
int ta_json_flat_scan(const uint8_t *doc, size_t len, ta_json_member *members,
                      size_t max);

/* The one canonical JSON writer: appends the RFC 8785 (JCS) form of v to
 * b (members sorted by UTF-16 code units, ECMAScript number form, the
 * strings of ta_json_put_string). TA_JCS_SORT_KEYS writes the form
 * serde_json and Python's json.dumps(sort_keys=True, separators=(",",
 * ":"), ensure_ascii=False) print instead (NEAR's L3 actions): members by
 * code point, integers exact, non-integers refused (TEEATTEST_E_JSON). */
#define TA_JCS_SORT_KEYS 1u
/* Not canonical: members in document order, integers exact, reals as
 * serde_json prints them ("1.0", "1e-7"): the compact body E2EE v2's
 * restored-request hash covers. Excludes TA_JCS_SORT_KEYS. */
#define TA_JCS_DOC_ORDER 2u
int ta_jcs_append(ta_buf *b, const struct json_t *v, unsigned flags,
                  teeattest_error *err);

/* Parse untrusted bytes: size-limited, duplicate keys rejected. */
int ta_json_parse(struct json_t **out, const uint8_t *data, size_t len,
                  size_t max, teeattest_error *err);

#endif /* TA_CORE_H */
