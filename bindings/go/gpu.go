// SPDX-License-Identifier: Apache-2.0

package teeattest

/*
#include "shim.h"
*/
import "C"

import (
	"context"
	"runtime"
	"unsafe"
)

// GPUItem is a kind of GPU verification material.
type GPUItem int32

const (
	GPUItemRIM          GPUItem = C.TEEATTEST_GPU_ITEM_RIM
	GPUItemOCSP         GPUItem = C.TEEATTEST_GPU_ITEM_OCSP
	GPUItemNRASResponse GPUItem = C.TEEATTEST_GPU_ITEM_NRAS_RESPONSE
	GPUItemJWKS         GPUItem = C.TEEATTEST_GPU_ITEM_JWKS
)

// NVIDIA services, as bits for GPUInputs.SetOnline and single values for
// GPUInputs.SetURL.
const (
	GPUOnlineNRAS uint32 = C.TEEATTEST_GPU_ONLINE_NRAS
	GPUOnlineRIM  uint32 = C.TEEATTEST_GPU_ONLINE_RIM
	GPUOnlineOCSP uint32 = C.TEEATTEST_GPU_ONLINE_OCSP
	GPUOnlineJWKS uint32 = C.TEEATTEST_GPU_ONLINE_JWKS
	GPUOnlineAll  uint32 = C.TEEATTEST_GPU_ONLINE_ALL
)

// GPUInputs holds saved and fetched GPU material and the services a
// verification may call (teeattest_gpu_inputs). Not synchronised.
type GPUInputs struct {
	h handle
}

func newGPUInputs(p *C.teeattest_gpu_inputs) *GPUInputs {
	in := &GPUInputs{h: handle{p: unsafe.Pointer(p)}}
	runtime.SetFinalizer(in, (*GPUInputs).Close)
	return in
}

// NewGPUInputs makes an empty, offline inputs object.
func (c *Context) NewGPUInputs() (*GPUInputs, error) {
	cp, err := c.use()
	if err != nil {
		return nil, err
	}
	defer c.h.put()
	var out *C.teeattest_gpu_inputs
	var e C.teeattest_error
	if rc := C.teeattest_gpu_inputs_new(cp, &out, &e); rc != 0 {
		return nil, opError("NewGPUInputs", rc, &e)
	}
	return newGPUInputs(out), nil
}

// Close releases the inputs. Idempotent.
func (in *GPUInputs) Close() error {
	in.h.close(func(p unsafe.Pointer) { C.teeattest_gpu_inputs_free((*C.teeattest_gpu_inputs)(p)) })
	runtime.SetFinalizer(in, nil)
	return nil
}

func (in *GPUInputs) ptr() *C.teeattest_gpu_inputs {
	return (*C.teeattest_gpu_inputs)(in.h.get())
}

// use is ptr() for a method that fails on a closed GPUInputs (acquire).
func (in *GPUInputs) use() (*C.teeattest_gpu_inputs, error) {
	return acquire[C.teeattest_gpu_inputs](&in.h, "GPUInputs")
}

func (in *GPUInputs) do(op string, f func(*C.teeattest_gpu_inputs, *C.teeattest_error) C.int) error {
	p, err := in.use()
	if err != nil {
		return err
	}
	defer in.h.put()
	var e C.teeattest_error
	rc := f(p, &e)
	runtime.KeepAlive(in)
	if rc != 0 {
		return opError(op, rc, &e)
	}
	return nil
}

// Add adds one item (copied); id is the RIM id or "".
func (in *GPUInputs) Add(kind GPUItem, id string, data []byte) error {
	ci, free := cstring(id, true)
	defer free()
	return in.do("GPUInputs.Add", func(p *C.teeattest_gpu_inputs, e *C.teeattest_error) C.int {
		d, n := cbytes(data)
		return C.teeattest_gpu_inputs_add(p, C.int32_t(kind), ci, d, n, e)
	})
}

// AddDir adds every RIM ("<id>.xml", "<id>.json") or OCSP ("*.der") file
// of a directory.
func (in *GPUInputs) AddDir(kind GPUItem, dir string) error {
	cd, free := cstring(dir, false)
	defer free()
	return in.do("GPUInputs.AddDir", func(p *C.teeattest_gpu_inputs, e *C.teeattest_error) C.int {
		return C.teeattest_gpu_inputs_add_dir(p, C.int32_t(kind), cd, e)
	})
}

// Count is the number of items of a kind (supplied and fetched).
func (in *GPUInputs) Count(kind GPUItem) int {
	p := in.ptr()
	if p == nil {
		return 0
	}
	defer in.h.put()
	return int(C.teeattest_gpu_inputs_count(p, C.int32_t(kind)))
}

// Item returns item i of a kind: its RIM id ("" when none) and bytes.
func (in *GPUInputs) Item(kind GPUItem, i int) (id string, data []byte, err error) {
	p, err := in.use()
	if err != nil {
		return "", nil, err
	}
	defer in.h.put()
	if i < 0 {
		return "", nil, errInvalid("GPUInputs.Item", "negative index")
	}
	var cid *C.char
	var d *C.uint8_t
	var n C.size_t
	var e C.teeattest_error
	if rc := C.teeattest_gpu_inputs_get(p, C.int32_t(kind), C.size_t(i), &cid, &d, &n, &e); rc != 0 {
		return "", nil, opError("GPUInputs.Item", rc, &e)
	}
	return goString(cid), goBytes(d, n), nil
}

// SetOnline sets which NVIDIA services a verification may call (a mask of
// GPUOnline* bits; 0: offline, the default).
func (in *GPUInputs) SetOnline(services uint32) error {
	return in.do("GPUInputs.SetOnline", func(p *C.teeattest_gpu_inputs, e *C.teeattest_error) C.int {
		return C.teeattest_gpu_inputs_set_online(p, C.uint32_t(services), e)
	})
}

// SetURL sets the base URL of one service ("": NVIDIA's).
func (in *GPUInputs) SetURL(service uint32, url string) error {
	cu, free := cstring(url, true)
	defer free()
	return in.do("GPUInputs.SetURL", func(p *C.teeattest_gpu_inputs, e *C.teeattest_error) C.int {
		return C.teeattest_gpu_inputs_set_url(p, C.uint32_t(service), cu, e)
	})
}

// SetServiceKey sets the NVIDIA service key ("": none).
func (in *GPUInputs) SetServiceKey(key string) error {
	ck, free := cstring(key, true)
	defer free()
	return in.do("GPUInputs.SetServiceKey", func(p *C.teeattest_gpu_inputs, e *C.teeattest_error) C.int {
		return C.teeattest_gpu_inputs_set_service_key(p, ck, e)
	})
}

// SetNRASVersion sets the NRAS API version (3 or 4).
func (in *GPUInputs) SetNRASVersion(v int) error {
	return in.do("GPUInputs.SetNRASVersion", func(p *C.teeattest_gpu_inputs, e *C.teeattest_error) C.int {
		return C.teeattest_gpu_inputs_set_nras_version(p, C.int32_t(v), e)
	})
}

// VerifyGPU verifies the GPU evidence of one system against the 32-byte
// nonce the GPUs must have signed. in and pol may be nil (offline,
// defaults); what is fetched is added to in.
func (c *Context) VerifyGPU(ctx context.Context, evidence, nonce []byte, in *GPUInputs, pol *Policy) (*Result, error) {
	const op = "VerifyGPU"
	if err := ctxErr(ctx, op); err != nil {
		return nil, err
	}
	cp, err := c.use()
	if err != nil {
		return nil, err
	}
	defer c.h.put()
	var inp *C.teeattest_gpu_inputs
	if in != nil {
		if inp, err = in.use(); err != nil {
			return nil, err
		}
		defer in.h.put()
	}
	pp, done, err := pol.cptr()
	if err != nil {
		return nil, err
	}
	defer done()
	ev, evn := cbytes(evidence)
	np, nn := cbytes(nonce)
	call, end := beginCall(ctx)
	defer end()
	var out *C.teeattest_result
	var e C.teeattest_error
	rc := C.ta_go_gpu_verify(call, cp, &out, ev, evn, np, nn, inp, pp, &e)
	runtime.KeepAlive(c)
	runtime.KeepAlive(in)
	runtime.KeepAlive(pol)
	if rc != 0 {
		return nil, callError(ctx, op, rc, &e)
	}
	return newResult(out), nil
}
