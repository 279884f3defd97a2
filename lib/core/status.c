/*
 * Status codes, their messages, and the caller-owned error struct.
 *
 * SPDX-License-Identifier: Apache-2.0
 */
#include <stdio.h>
#include <string.h>

#include "core.h"

struct status_entry {
    int code;
    const char *name;
    const char *message;
};

static const struct status_entry status_table[] = {
    {TEEATTEST_OK, "TEEATTEST_OK", "success"},
    {TEEATTEST_E_INVALID_ARG, "TEEATTEST_E_INVALID_ARG", "invalid argument"},
    {TEEATTEST_E_NOMEM, "TEEATTEST_E_NOMEM", "out of memory"},
    {TEEATTEST_E_ABI, "TEEATTEST_E_ABI", "struct size smaller than any version this library accepts"},
    {TEEATTEST_E_ABI_TOO_NEW, "TEEATTEST_E_ABI_TOO_NEW", "struct uses fields newer than this library"},
    {TEEATTEST_E_BUFFER_TOO_SMALL, "TEEATTEST_E_BUFFER_TOO_SMALL", "output buffer too small"},
    {TEEATTEST_E_UNSUPPORTED, "TEEATTEST_E_UNSUPPORTED", "operation not supported"},
    {TEEATTEST_E_USER, "TEEATTEST_E_USER", "a callback reported a failure"},
    {TEEATTEST_E_PASSTHROUGH, "TEEATTEST_E_PASSTHROUGH", "backend declined the operation"},
    {TEEATTEST_E_INTERNAL, "TEEATTEST_E_INTERNAL", "internal error"},
    {TEEATTEST_E_NOT_FOUND, "TEEATTEST_E_NOT_FOUND", "not found"},
    {TEEATTEST_E_IO, "TEEATTEST_E_IO", "input/output error"},
    {TEEATTEST_E_NOT_VERIFIED, "TEEATTEST_E_NOT_VERIFIED", "the verdict is not verified"},
    {TEEATTEST_E_PARSE, "TEEATTEST_E_PARSE", "malformed input"},
    {TEEATTEST_E_JSON, "TEEATTEST_E_JSON", "malformed JSON"},
    {TEEATTEST_E_HEX, "TEEATTEST_E_HEX", "malformed hexadecimal"},
    {TEEATTEST_E_BASE64, "TEEATTEST_E_BASE64", "malformed base64"},
    {TEEATTEST_E_LENGTH, "TEEATTEST_E_LENGTH", "wrong length"},
    {TEEATTEST_E_TOO_LARGE, "TEEATTEST_E_TOO_LARGE", "input too large"},
    {TEEATTEST_E_FIELD_MISSING, "TEEATTEST_E_FIELD_MISSING", "required field missing"},
    {TEEATTEST_E_SIG_TEXT, "TEEATTEST_E_SIG_TEXT", "signed text is not req:resp or model:req:resp"},
    {TEEATTEST_E_SIG_ENCODING, "TEEATTEST_E_SIG_ENCODING", "malformed signature encoding"},
    {TEEATTEST_E_SIG_ALGO, "TEEATTEST_E_SIG_ALGO", "unknown signing algorithm"},
    {TEEATTEST_E_SIGNER_FORMAT, "TEEATTEST_E_SIGNER_FORMAT", "malformed signer address or key"},
    {TEEATTEST_E_CRYPTO, "TEEATTEST_E_CRYPTO", "cryptographic backend failure"},
    {TEEATTEST_E_VERIFY_FAILED, "TEEATTEST_E_VERIFY_FAILED", "signature verification failed"},
    {TEEATTEST_E_RECOVER_FAILED, "TEEATTEST_E_RECOVER_FAILED", "no public key can be recovered from the signature"},
    {TEEATTEST_E_CERT_CHAIN, "TEEATTEST_E_CERT_CHAIN", "certificate chain verification failed"},
    {TEEATTEST_E_RANDOM, "TEEATTEST_E_RANDOM", "random source failed"},
    {TEEATTEST_E_TRANSPORT, "TEEATTEST_E_TRANSPORT", "transport failure"},
    {TEEATTEST_E_TIMEOUT, "TEEATTEST_E_TIMEOUT", "timed out"},
    {TEEATTEST_E_HTTP_STATUS, "TEEATTEST_E_HTTP_STATUS", "unexpected HTTP status"},
    {TEEATTEST_E_TLS, "TEEATTEST_E_TLS", "TLS failure"},
    {TEEATTEST_E_CANCELLED, "TEEATTEST_E_CANCELLED", "cancelled"},
    {TEEATTEST_E_RESPONSE_TOO_LARGE, "TEEATTEST_E_RESPONSE_TOO_LARGE", "response larger than the limit"},
    {TEEATTEST_E_SIGNATURE_UNAVAILABLE, "TEEATTEST_E_SIGNATURE_UNAVAILABLE", "signature expired, unknown or not produced"},
};

static const struct status_entry *find_status(int status)
{
    for (size_t i = 0; i < TA_ARRAY_LEN(status_table); i++)
        if (status_table[i].code == status)
            return &status_table[i];
    return NULL;
}

TEEATTEST_API const char *teeattest_status_str(int status)
{
    const struct status_entry *e = find_status(status);
    return e ? e->message : "unknown status";
}

TEEATTEST_API const char *teeattest_status_name(int status)
{
    const struct status_entry *e = find_status(status);
    return e ? e->name : "TEEATTEST_E_UNKNOWN";
}

/* Size of the 1.0 teeattest_error: everything up to and including where[]. */
#define ERROR_V1_SIZE sizeof(teeattest_error)

TEEATTEST_API int teeattest_error_init(teeattest_error *err, size_t size)
{
    if (!err || size < ERROR_V1_SIZE)
        return TEEATTEST_E_INVALID_ARG;
    memset(err, 0, size);
    err->struct_size = size;
    return TEEATTEST_OK;
}

bool ta_error_writable(const teeattest_error *err)
{
    /* A zero-filled struct (what FFI callers that cannot use
     * TEEATTEST_ERROR_INIT pass) is a 1.0 teeattest_error and receives the
     * full detail. A struct_size between 1 and the 1.0 size cannot be a
     * teeattest_error: it is left alone rather than overrun. */
    return err && (err->struct_size == 0 ||
                   err->struct_size >= ERROR_V1_SIZE);
}

int ta_verror(teeattest_error *err, int code, const char *where,
              const char *fmt, va_list ap)
{
    if (!ta_error_writable(err))
        return code;
    err->code = code;
    err->backend_code = 0;
    if (fmt)
        vsnprintf(err->message, sizeof err->message, fmt, ap);
    else
        snprintf(err->message, sizeof err->message, "%s",
                 teeattest_status_str(code));
    snprintf(err->where, sizeof err->where, "%s", where ? where : "");
    return code;
}

int ta_error(teeattest_error *err, int code, const char *where,
             const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ta_verror(err, code, where, fmt, ap);
    va_end(ap);
    return code;
}

int ta_error_backend(teeattest_error *err, int code, int32_t backend_code,
                     const char *where, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ta_verror(err, code, where, fmt, ap);
    va_end(ap);
    if (ta_error_writable(err))
        err->backend_code = backend_code;
    return code;
}

int ta_error_copy(teeattest_error *err, const teeattest_error *src)
{
    if (ta_error_writable(err) && err != src) {
        size_t size = err->struct_size;
        *err = *src;
        err->struct_size = size;
    }
    return src->code;
}
