package lineagetest

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/etlwatch/etlwatch/lineage"
)

// Receiver is an in-process HTTP server that behaves like Marquez's lineage endpoint: it
// accepts POST /api/v1/lineage, answers 201 Created to an event that passes [Validate] and 400
// Bad Request to one that does not, and keeps both. It is safe for concurrent use.
type Receiver struct {
	srv *httptest.Server

	mu       sync.Mutex
	events   []lineage.RunEvent
	raw      [][]byte
	rejected []error
	auth     []string
	changed  chan struct{}
}

// NewReceiver starts a receiver on 127.0.0.1 and stops it when the test ends.
func NewReceiver(tb testing.TB) *Receiver {
	tb.Helper()
	r := &Receiver{changed: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+lineage.DefaultEndpoint, r.serve)
	r.srv = httptest.NewServer(mux)
	tb.Cleanup(r.srv.Close)
	return r
}

// URL returns the server's base URL, such as http://127.0.0.1:40123, for OPENLINEAGE_URL.
func (r *Receiver) URL() string { return r.srv.URL }

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(io.LimitReader(req.Body, 8<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var ev lineage.RunEvent
	err = Validate(body)
	if err == nil {
		err = json.Unmarshal(body, &ev)
	}
	r.mu.Lock()
	r.auth = append(r.auth, req.Header.Get("Authorization"))
	if err != nil {
		r.rejected = append(r.rejected, err)
	} else {
		r.events = append(r.events, ev)
		r.raw = append(r.raw, body)
	}
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
	if err != nil {
		http.Error(w, fmt.Sprintf("invalid event: %v", err), http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusCreated)
}

// Events returns the events accepted, in the order they arrived.
func (r *Receiver) Events() []lineage.RunEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]lineage.RunEvent(nil), r.events...)
}

// Raw returns the JSON of the events accepted, in the order they arrived.
func (r *Receiver) Raw() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]byte(nil), r.raw...)
}

// Rejected returns why each rejected event was rejected.
func (r *Receiver) Rejected() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]error(nil), r.rejected...)
}

// Authorization returns the Authorization header of each request, in order.
func (r *Receiver) Authorization() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.auth...)
}

// WaitFor waits until at least n requests arrived (accepted or rejected), at most timeout, and
// reports whether they did.
func (r *Receiver) WaitFor(n int, timeout time.Duration) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		got, ch := len(r.events)+len(r.rejected), r.changed
		r.mu.Unlock()
		if got >= n {
			return true
		}
		select {
		case <-ch:
		case <-deadline.C:
			return false
		}
	}
}

// Hanging starts a server on 127.0.0.1 that accepts connections and never answers, as a
// receiver that hangs; it is closed when the test ends. It returns the base URL.
func Hanging(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("lineagetest: listen: %v", err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // read nothing, answer nothing
			mu.Unlock()
		}
	}()
	tb.Cleanup(func() {
		ln.Close()
		<-done
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return "http://" + ln.Addr().String()
}

// Down returns the base URL of a port on 127.0.0.1 where nothing listens, as a receiver that
// is down.
func Down(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("lineagetest: listen: %v", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}
