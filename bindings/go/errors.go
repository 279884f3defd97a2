// SPDX-License-Identifier: Apache-2.0

package teeattest

/*
#include "shim.h"
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
)

// Status is a libteeattest status code (include/teeattest/status.h): 0 is
// success, errors are negative and never renumbered.
type Status int32

// Name is the status's symbolic name ("TEEATTEST_E_TIMEOUT").
func (s Status) Name() string { return C.GoString(C.teeattest_status_name(C.int(s))) }

// String is the library's static English description of the status.
func (s Status) String() string { return C.GoString(C.teeattest_status_str(C.int(s))) }

const (
	StatusOK                   Status = C.TEEATTEST_OK
	StatusInvalidArg           Status = C.TEEATTEST_E_INVALID_ARG
	StatusNoMem                Status = C.TEEATTEST_E_NOMEM
	StatusABI                  Status = C.TEEATTEST_E_ABI
	StatusABITooNew            Status = C.TEEATTEST_E_ABI_TOO_NEW
	StatusBufferTooSmall       Status = C.TEEATTEST_E_BUFFER_TOO_SMALL
	StatusUnsupported          Status = C.TEEATTEST_E_UNSUPPORTED
	StatusUser                 Status = C.TEEATTEST_E_USER
	StatusPassthrough          Status = C.TEEATTEST_E_PASSTHROUGH
	StatusInternal             Status = C.TEEATTEST_E_INTERNAL
	StatusNotFound             Status = C.TEEATTEST_E_NOT_FOUND
	StatusIO                   Status = C.TEEATTEST_E_IO
	StatusNotVerified          Status = C.TEEATTEST_E_NOT_VERIFIED
	StatusParse                Status = C.TEEATTEST_E_PARSE
	StatusJSON                 Status = C.TEEATTEST_E_JSON
	StatusHex                  Status = C.TEEATTEST_E_HEX
	StatusBase64               Status = C.TEEATTEST_E_BASE64
	StatusLength               Status = C.TEEATTEST_E_LENGTH
	StatusTooLarge             Status = C.TEEATTEST_E_TOO_LARGE
	StatusFieldMissing         Status = C.TEEATTEST_E_FIELD_MISSING
	StatusSigText              Status = C.TEEATTEST_E_SIG_TEXT
	StatusSigEncoding          Status = C.TEEATTEST_E_SIG_ENCODING
	StatusSigAlgo              Status = C.TEEATTEST_E_SIG_ALGO
	StatusSignerFormat         Status = C.TEEATTEST_E_SIGNER_FORMAT
	StatusCrypto               Status = C.TEEATTEST_E_CRYPTO
	StatusVerifyFailed         Status = C.TEEATTEST_E_VERIFY_FAILED
	StatusRecoverFailed        Status = C.TEEATTEST_E_RECOVER_FAILED
	StatusCertChain            Status = C.TEEATTEST_E_CERT_CHAIN
	StatusRandom               Status = C.TEEATTEST_E_RANDOM
	StatusTransport            Status = C.TEEATTEST_E_TRANSPORT
	StatusTimeout              Status = C.TEEATTEST_E_TIMEOUT
	StatusHTTPStatus           Status = C.TEEATTEST_E_HTTP_STATUS
	StatusTLS                  Status = C.TEEATTEST_E_TLS
	StatusCancelled            Status = C.TEEATTEST_E_CANCELLED
	StatusResponseTooLarge     Status = C.TEEATTEST_E_RESPONSE_TOO_LARGE
	StatusSignatureUnavailable Status = C.TEEATTEST_E_SIGNATURE_UNAVAILABLE
)

// Sentinels, one per error status, for errors.Is.
var (
	ErrInvalidArg           = sentinel(StatusInvalidArg)
	ErrNoMem                = sentinel(StatusNoMem)
	ErrABI                  = sentinel(StatusABI)
	ErrABITooNew            = sentinel(StatusABITooNew)
	ErrBufferTooSmall       = sentinel(StatusBufferTooSmall)
	ErrUnsupported          = sentinel(StatusUnsupported)
	ErrUser                 = sentinel(StatusUser)
	ErrPassthrough          = sentinel(StatusPassthrough)
	ErrInternal             = sentinel(StatusInternal)
	ErrNotFound             = sentinel(StatusNotFound)
	ErrIO                   = sentinel(StatusIO)
	ErrNotVerified          = sentinel(StatusNotVerified)
	ErrParse                = sentinel(StatusParse)
	ErrJSON                 = sentinel(StatusJSON)
	ErrHex                  = sentinel(StatusHex)
	ErrBase64               = sentinel(StatusBase64)
	ErrLength               = sentinel(StatusLength)
	ErrTooLarge             = sentinel(StatusTooLarge)
	ErrFieldMissing         = sentinel(StatusFieldMissing)
	ErrSigText              = sentinel(StatusSigText)
	ErrSigEncoding          = sentinel(StatusSigEncoding)
	ErrSigAlgo              = sentinel(StatusSigAlgo)
	ErrSignerFormat         = sentinel(StatusSignerFormat)
	ErrCrypto               = sentinel(StatusCrypto)
	ErrVerifyFailed         = sentinel(StatusVerifyFailed)
	ErrRecoverFailed        = sentinel(StatusRecoverFailed)
	ErrCertChain            = sentinel(StatusCertChain)
	ErrRandom               = sentinel(StatusRandom)
	ErrTransport            = sentinel(StatusTransport)
	ErrTimeout              = sentinel(StatusTimeout)
	ErrHTTPStatus           = sentinel(StatusHTTPStatus)
	ErrTLS                  = sentinel(StatusTLS)
	ErrCancelled            = sentinel(StatusCancelled)
	ErrResponseTooLarge     = sentinel(StatusResponseTooLarge)
	ErrSignatureUnavailable = sentinel(StatusSignatureUnavailable)
)

// statusNames are the names status.h declares, checked by a test against
// the library and the header.
var statusNames = map[Status]string{
	StatusOK:                   "TEEATTEST_OK",
	StatusInvalidArg:           "TEEATTEST_E_INVALID_ARG",
	StatusNoMem:                "TEEATTEST_E_NOMEM",
	StatusABI:                  "TEEATTEST_E_ABI",
	StatusABITooNew:            "TEEATTEST_E_ABI_TOO_NEW",
	StatusBufferTooSmall:       "TEEATTEST_E_BUFFER_TOO_SMALL",
	StatusUnsupported:          "TEEATTEST_E_UNSUPPORTED",
	StatusUser:                 "TEEATTEST_E_USER",
	StatusPassthrough:          "TEEATTEST_E_PASSTHROUGH",
	StatusInternal:             "TEEATTEST_E_INTERNAL",
	StatusNotFound:             "TEEATTEST_E_NOT_FOUND",
	StatusIO:                   "TEEATTEST_E_IO",
	StatusNotVerified:          "TEEATTEST_E_NOT_VERIFIED",
	StatusParse:                "TEEATTEST_E_PARSE",
	StatusJSON:                 "TEEATTEST_E_JSON",
	StatusHex:                  "TEEATTEST_E_HEX",
	StatusBase64:               "TEEATTEST_E_BASE64",
	StatusLength:               "TEEATTEST_E_LENGTH",
	StatusTooLarge:             "TEEATTEST_E_TOO_LARGE",
	StatusFieldMissing:         "TEEATTEST_E_FIELD_MISSING",
	StatusSigText:              "TEEATTEST_E_SIG_TEXT",
	StatusSigEncoding:          "TEEATTEST_E_SIG_ENCODING",
	StatusSigAlgo:              "TEEATTEST_E_SIG_ALGO",
	StatusSignerFormat:         "TEEATTEST_E_SIGNER_FORMAT",
	StatusCrypto:               "TEEATTEST_E_CRYPTO",
	StatusVerifyFailed:         "TEEATTEST_E_VERIFY_FAILED",
	StatusRecoverFailed:        "TEEATTEST_E_RECOVER_FAILED",
	StatusCertChain:            "TEEATTEST_E_CERT_CHAIN",
	StatusRandom:               "TEEATTEST_E_RANDOM",
	StatusTransport:            "TEEATTEST_E_TRANSPORT",
	StatusTimeout:              "TEEATTEST_E_TIMEOUT",
	StatusHTTPStatus:           "TEEATTEST_E_HTTP_STATUS",
	StatusTLS:                  "TEEATTEST_E_TLS",
	StatusCancelled:            "TEEATTEST_E_CANCELLED",
	StatusResponseTooLarge:     "TEEATTEST_E_RESPONSE_TOO_LARGE",
	StatusSignatureUnavailable: "TEEATTEST_E_SIGNATURE_UNAVAILABLE",
}

// Error is a failed library call: the status, its name, the library's
// detail message and location, and (for HTTP and transport failures) the
// backend code, e.g. the HTTP status. errors.Is(err, ErrTimeout) compares
// statuses; errors.Is(err, context.Canceled) holds when the call's context
// was cancelled, and errors.Is(err, context.DeadlineExceeded) when its
// deadline passed.
type Error struct {
	Status      Status
	Name        string // "TEEATTEST_E_TIMEOUT"
	Message     string // detail, or the status's description
	Where       string // JSON path, offset or field; may be empty
	BackendCode int32  // HTTP status, curl or backend code; 0 if none
	Op          string // the Go function that failed, may be empty
	cause       error
}

func (e *Error) Error() string {
	s := "teeattest: "
	if e.Op != "" {
		s += e.Op + ": "
	}
	s += e.Message + " (" + e.Name
	if e.Where != "" {
		s += " at " + e.Where
	}
	return s + ")"
}

// Is matches another *Error with the same status (the Err* sentinels).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Status == e.Status
}

// Unwrap returns the cause: the context's error for a cancelled call, or
// what a Go callback returned or panicked with.
func (e *Error) Unwrap() error { return e.cause }

func sentinel(s Status) *Error {
	return &Error{Status: s, Name: statusNames[s], Message: s.String()}
}

// newError turns a failed call's status and detail into an *Error. A
// status that is not negative (never expected) is still an error.
func newError(rc C.int, e *C.teeattest_error) *Error {
	s := Status(rc)
	if s >= 0 {
		s = StatusInternal
	}
	out := &Error{Status: s, Name: s.Name(), Message: s.String()}
	if e != nil {
		if m := C.GoString(&e.message[0]); m != "" {
			out.Message = m
		}
		out.Where = C.GoString(&e.where[0])
		out.BackendCode = int32(e.backend_code)
	}
	return out
}

// callError is newError for a call made under ctx: when the context ended,
// the error says so and unwraps to ctx.Err(), whatever the library made of
// the aborted exchange.
func callError(ctx context.Context, op string, rc C.int, e *C.teeattest_error) *Error {
	out := newError(rc, e)
	out.Op = op
	if ctx == nil {
		return out
	}
	// Only a failed exchange is the context's doing; a verdict-free error
	// such as an HTTP status or a parse error stays what it is.
	transport := out.Status == StatusTransport || out.Status == StatusTimeout ||
		out.Status == StatusCancelled
	if cerr := ctx.Err(); cerr != nil && transport {
		switch {
		case errors.Is(cerr, context.DeadlineExceeded):
			out.Status = StatusTimeout
		default:
			out.Status = StatusCancelled
		}
		out.Name = out.Status.Name()
		out.Message = fmt.Sprintf("%v (library: %s)", cerr, out.Message)
		out.cause = cerr
	}
	return out
}

func opError(op string, rc C.int, e *C.teeattest_error) *Error {
	out := newError(rc, e)
	out.Op = op
	return out
}

func errClosed(what string) *Error {
	return &Error{Status: StatusInvalidArg, Name: statusNames[StatusInvalidArg],
		Message: "use of a closed " + what}
}

func errInvalid(op, msg string) *Error {
	return &Error{Status: StatusInvalidArg, Name: statusNames[StatusInvalidArg],
		Message: msg, Op: op}
}

// ctxErr is the error for a call whose context ended before it started.
func ctxErr(ctx context.Context, op string) error {
	if ctx == nil {
		return errInvalid(op, "nil context.Context")
	}
	if cerr := ctx.Err(); cerr != nil {
		s := StatusCancelled
		if errors.Is(cerr, context.DeadlineExceeded) {
			s = StatusTimeout
		}
		return &Error{Status: s, Name: statusNames[s], Message: cerr.Error(),
			Op: op, cause: cerr}
	}
	return nil
}
