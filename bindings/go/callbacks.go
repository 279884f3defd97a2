// SPDX-License-Identifier: Apache-2.0

package teeattest

// The functions the C trampolines (shim.c) call. Each recovers panics: a
// panic never unwinds through C, it becomes the callback's failure.

/*
#include "shim.h"
*/
import "C"

import (
	"context"
	"fmt"
	"runtime/cgo"
	"sync/atomic"
	"time"
	"unsafe"
)

//export taGoTransport
func taGoTransport(h C.uintptr_t, call C.uintptr_t, resp *C.teeattest_http_response,
	req *C.teeattest_http_request, stream C.int) (rc C.int) {
	w := &Response{p: resp}
	defer func() {
		w.p = nil
		if r := recover(); r != nil {
			setResponseError(resp, 0, fmt.Sprintf("Go transport panicked: %v", r))
			rc = C.TEEATTEST_E_USER
		}
	}()
	cb := cgo.Handle(h).Value().(*callbacks)
	ctx := callContext(call)
	if err := ctx.Err(); err != nil {
		setResponseError(resp, 0, "the call's context ended: "+err.Error())
		return C.TEEATTEST_E_CANCELLED
	}
	r := requestFromC(req, stream != 0)
	err := cb.transport.Do(ctx, r, w)
	if err == nil {
		return 0
	}
	s, code, msg := classifyTransportError(ctx, err)
	setResponseError(resp, code, msg)
	return C.int(s)
}

func setResponseError(resp *C.teeattest_http_response, code int32, msg string) {
	cm := C.CString(msg)
	C.teeattest_http_response_set_error(resp, C.int32_t(code), cm)
	C.free(unsafe.Pointer(cm))
}

//export taGoRelease
func taGoRelease(h C.uintptr_t) {
	defer func() { _ = recover() }()
	cgo.Handle(h).Delete()
	atomic.AddInt64(&liveCallbacks, -1)
}

//export taGoClock
func taGoClock(h C.uintptr_t) (t C.int64_t) {
	defer func() {
		if recover() != nil {
			t = 0 // 1970: fails every validity window, never passes one
		}
	}()
	cb := cgo.Handle(h).Value().(*callbacks)
	return C.int64_t(cb.clock().Unix())
}

//export taGoLog
func taGoLog(h C.uintptr_t, level C.int32_t, msg *C.char) {
	defer func() { _ = recover() }()
	cb := cgo.Handle(h).Value().(*callbacks)
	cb.log(LogLevel(level), C.GoString(msg))
}

//export taGoSleep
func taGoSleep(h C.uintptr_t, call C.uintptr_t, ms C.uint32_t) C.int {
	defer func() { _ = recover() }()
	cb := cgo.Handle(h).Value().(*callbacks)
	ctx := callContext(call)
	d := time.Duration(ms) * time.Millisecond
	if cb.sleep != nil {
		cb.sleep(ctx, d)
		return 0
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
	return 0
}

// eventSink receives chat events (Provider.Chat's OnEvent, ChatStream).
type eventSink interface {
	event(typ string, data []byte) bool // false: cancel the exchange
	panicked(v interface{})
}

//export taGoEvent
func taGoEvent(h C.uintptr_t, event *C.char, data *C.char, n C.size_t) (rc C.int) {
	sink, ok := cgo.Handle(h).Value().(eventSink)
	if !ok || sink == nil {
		return 1
	}
	defer func() {
		if r := recover(); r != nil {
			func() {
				defer func() { _ = recover() }()
				sink.panicked(r)
			}()
			rc = 1
		}
	}()
	var typ string
	if event != nil {
		typ = C.GoString(event)
	}
	var b []byte
	if n > 0 {
		b = C.GoBytes(unsafe.Pointer(data), C.int(n))
	} else {
		b = []byte{}
	}
	if sink.event(typ, b) {
		return 0
	}
	return 1
}

var _ = context.Background
