// SPDX-License-Identifier: Apache-2.0

package teeattest

/*
#include "shim.h"
*/
import "C"

import (
	"context"
	"runtime"
	"sync"
)

// ChatEvent is one server-sent event of a streamed chat: its event type
// ("" for plain data events) and its data field.
type ChatEvent struct {
	Type string
	Data []byte
}

// ChatStream iterates over the events of a streamed chat as they arrive:
//
//	s, err := p.ChatStream(ctx, body)
//	for s.Next() { use(s.Event()) }
//	if err := s.Err(); err != nil { ... }
//	x := s.Exchange() // the exact bytes, for the signature
//
// The library waits while the consumer has not taken the previous event.
// Close (or cancelling ctx) aborts the exchange. Not for concurrent use
// by several goroutines.
type ChatStream struct {
	events   chan ChatEvent
	stop     chan struct{}
	finished chan struct{}
	cancel   context.CancelFunc
	stopOnce sync.Once
	cur      ChatEvent
	ended    bool
	err      error
	x        *Exchange
}

type streamSink struct {
	events chan<- ChatEvent
	stop   <-chan struct{}
	done   <-chan struct{}
	panic  interface{}
}

func (s *streamSink) event(t string, d []byte) bool {
	select {
	case s.events <- ChatEvent{Type: t, Data: d}:
		return true
	case <-s.stop:
		return false
	case <-s.done:
		return false
	}
}

func (s *streamSink) panicked(v interface{}) { s.panic = v }

// ChatStream starts a streamed chat (body must ask for "stream": true) and
// returns at once; the exchange runs on its own goroutine.
func (p *Provider) ChatStream(ctx context.Context, body []byte) (*ChatStream, error) {
	if err := ctxErr(ctx, "Provider.ChatStream"); err != nil {
		return nil, err
	}
	sctx, cancel := context.WithCancel(ctx)
	s := &ChatStream{
		events:   make(chan ChatEvent),
		stop:     make(chan struct{}),
		finished: make(chan struct{}),
		cancel:   cancel,
	}
	sink := &streamSink{events: s.events, stop: s.stop, done: sctx.Done()}
	go func() {
		defer close(s.finished)
		// sctx: Close cancels it, which aborts an exchange that is
		// waiting for data as well as one delivering events.
		x, err := p.chat(sctx, body, true, sink)
		s.x, s.err = x, err
		close(s.events)
	}()
	return s, nil
}

// Next waits for the next event; false at the end of the stream or on
// error (see Err).
func (s *ChatStream) Next() bool {
	if s.ended {
		return false
	}
	ev, ok := <-s.events
	if !ok {
		<-s.finished
		s.ended = true
		s.cur = ChatEvent{}
		return false
	}
	s.cur = ev
	return true
}

// Event is the event Next moved to.
func (s *ChatStream) Event() ChatEvent { return s.cur }

// Err is the error that ended the stream (nil while it runs and after a
// complete stream).
func (s *ChatStream) Err() error {
	if !s.ended {
		return nil
	}
	return s.err
}

// Exchange is the completed exchange (nil before the end or on error): a
// new reference the caller closes.
func (s *ChatStream) Exchange() *Exchange {
	if !s.ended || s.x == nil {
		return nil
	}
	p := s.x.ptr()
	if p == nil {
		return nil
	}
	defer s.x.h.put()
	ref := C.teeattest_exchange_ref(p)
	runtime.KeepAlive(s.x)
	return newExchange(ref)
}

// Close aborts a stream still running (the exchange fails with
// StatusCancelled), waits for it to end and releases it. Idempotent.
func (s *ChatStream) Close() error {
	s.stopOnce.Do(func() { close(s.stop); s.cancel() })
	for range s.events {
	}
	<-s.finished
	s.ended = true
	if s.x != nil {
		s.x.Close()
	}
	return nil
}
