package prom_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/monitoringtest"
	"github.com/etlwatch/etlwatch/monitoring/prom"
)

// safety bounds a read that the test expects to end sooner: it is never what a test asserts on.
const safety = 20 * time.Second

// startServer runs prom.Serve on a free loopback port until the test ends.
func startServer(t *testing.T, h http.Handler, opts ...prom.ServeOption) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- prom.Serve(ctx, ln, h, opts...) }()
	t.Cleanup(func() {
		cancel()
		assert.NoError(t, <-done)
	})
	return ln.Addr().String()
}

// keepAliveGet sends GET path on c as HTTP/1.1 with keep-alive and reads the whole response.
func keepAliveGet(c net.Conn, br *bufio.Reader, path string) (int, string, error) {
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: etlwatch\r\n\r\n", path); err != nil {
		return 0, "", err
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// TestItem13IdleConnectionsClosed opens many keep-alive connections, leaves them idle after one
// request each, and checks that the server closes every one of them (the client reads EOF) once
// the idle timeout has passed. Without an idle timeout, they stayed open for as long as the
// clients liked.
func TestItem13IdleConnectionsClosed(t *testing.T) {
	const conns = 200
	addr := startServer(t, newTestHandler(t), prom.WithIdleTimeout(200*time.Millisecond), prom.WithMaxConnections(conns))

	closedByServer := make([]bool, conns)
	var wg sync.WaitGroup
	for i := range conns {
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		t.Cleanup(func() { c.Close() })
		br := bufio.NewReader(c)
		code, _, err := keepAliveGet(c, br, "/health")
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, code)
		wg.Go(func() {
			// The connection is idle now: the next read ends when the server closes it.
			_ = c.SetReadDeadline(time.Now().Add(safety))
			_, err := br.ReadByte()
			closedByServer[i] = errors.Is(err, io.EOF)
		})
	}
	wg.Wait()
	closed := 0
	for _, ok := range closedByServer {
		if ok {
			closed++
		}
	}
	assert.Equal(t, conns, closed, "idle keep-alive connections the server closed")
}

// TestItem13ConnectionLimit holds the server's two connections open and checks that a third
// gets no answer until one of them closes, and then does.
func TestItem13ConnectionLimit(t *testing.T) {
	addr := startServer(t, newTestHandler(t), prom.WithMaxConnections(2))

	var held []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		defer c.Close()
		code, _, err := keepAliveGet(c, bufio.NewReader(c), "/health")
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, code)
		held = append(held, c)
	}

	// The third connection is made (the kernel queues it) but not accepted: its request waits.
	third, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer third.Close()
	_, err = fmt.Fprintf(third, "GET /health HTTP/1.1\r\nHost: etlwatch\r\n\r\n")
	require.NoError(t, err)
	require.NoError(t, third.SetReadDeadline(time.Now().Add(300*time.Millisecond)))
	n, err := third.Read(make([]byte, 1))
	var ne net.Error
	require.ErrorAs(t, err, &ne, "the third connection got %d bytes: it was served beyond the limit", n)
	assert.True(t, ne.Timeout(), "no answer beyond the limit: %v", err)

	// A held connection closes: its slot goes to the third, whose request is answered.
	require.NoError(t, held[0].Close())
	require.NoError(t, third.SetReadDeadline(time.Now().Add(safety)))
	resp, err := http.ReadResponse(bufio.NewReader(third), nil)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

// rowError is an error that quotes a row's value, as conversion errors do.
type rowError struct{ value string }

func (e *rowError) Error() string {
	return fmt.Sprintf("column email: value %q does not fit varchar(10)", e.value)
}

// TestItem13HealthHidesRowValues plants a row value in the job's error and in a sink's export
// error and checks that /health, as served, names the kinds of both errors and never the value.
func TestItem13HealthHidesRowValues(t *testing.T) {
	const secret = "alice.secret@example.com"
	failing := monitoringtest.NewNamedSink("otlp-http")
	failing.FailWith(fmt.Errorf("rejected point for %s: %w", secret, &rowError{secret}))
	metrics, err := monitoring.NewMetricsCollector("cdc_consumer", "pg", monitoring.WithSinks(failing),
		monitoring.WithErrorHandler(func(error) {}))
	require.NoError(t, err)
	defer func() { _ = metrics.Shutdown(context.Background()) }()
	require.Error(t, metrics.ForceFlush(context.Background()))

	health, err := prom.NewHealth(prom.WithSinkStatuses(metrics))
	require.NoError(t, err)
	health.ReportFailure(fmt.Errorf("cdc: table orders: %w", &rowError{secret}))
	h, err := prom.NewHandler(prometheus.NewRegistry(), health)
	require.NoError(t, err)
	addr := startServer(t, h)

	client := &http.Client{Transport: &http.Transport{}, Timeout: safety}
	defer client.CloseIdleConnections()
	resp, err := client.Get("http://" + addr + "/health")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())

	assert.NotContains(t, string(body), secret)
	assert.NotContains(t, string(body), "alice")
	assert.Contains(t, string(body), `"last_error":"*prom_test.rowError"`)
	assert.Contains(t, string(body), `"the last report was a failure: *prom_test.rowError"`)
	assert.Contains(t, string(body), `sink \"otlp-http\" failed its last export: *prom_test.rowError`)

	kind := prom.ErrorKind(&monitoring.SinkError{Sink: "otlp-http", Op: "export", Err: fmt.Errorf("post: %w", &rowError{secret})})
	assert.Equal(t, `sink "otlp-http" export: *prom_test.rowError`, kind)
	assert.Equal(t, "error", prom.ErrorKind(errors.New(secret)))
	assert.Empty(t, prom.ErrorKind(nil))
}

// TestItem13Defaults checks that the default address is the loopback interface and that
// nonsense limits are refused.
func TestItem13Defaults(t *testing.T) {
	host, port, err := net.SplitHostPort(prom.DefaultAddr)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1", host)
	assert.Equal(t, "8083", port)

	ctx := context.Background()
	tests := []struct {
		opt  prom.ServeOption
		want string
	}{
		{prom.WithReadHeaderTimeout(0), "WithReadHeaderTimeout(0s): must be positive"},
		{prom.WithReadTimeout(-time.Second), "WithReadTimeout(-1s): must be positive"},
		{prom.WithWriteTimeout(0), "WithWriteTimeout(0s): must be positive"},
		{prom.WithIdleTimeout(0), "WithIdleTimeout(0s): must be positive"},
		{prom.WithMaxConnections(0), "WithMaxConnections(0): must be at least 1"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			assert.ErrorContains(t, prom.ListenAndServe(ctx, "127.0.0.1:0", newTestHandler(t), tt.opt), tt.want)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			assert.ErrorContains(t, prom.Serve(ctx, ln, newTestHandler(t), tt.opt), tt.want)
			_, err = net.Dial("tcp", ln.Addr().String())
			assert.Error(t, err, "Serve closed the listener")
		})
	}
}
