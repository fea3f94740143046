package healthcheck

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
)

// DefaultTimeout is how long [Run] waits for the whole check: connect, request and status line.
// A container runtime's own health-check timeout is usually longer (30 s by default), so a hung
// server is reported by the program as unhealthy rather than killed by the runtime.
const DefaultTimeout = 3 * time.Second

// URL returns the /health URL of a server listening on addr (host:port). A wildcard or empty host
// (":8083", "0.0.0.0:8083", "[::]:8083") becomes the loopback address of the same family, since
// a server listening on every interface is reachable there.
func URL(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("healthcheck: address %q: %w; allowed: host:port, such as 127.0.0.1:8083 or :8083", addr, err)
	}
	if port == "" || port == "0" {
		return "", fmt.Errorf("healthcheck: address %q: found port %q; allowed: the port the program serves on", addr, port)
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	u := url.URL{Scheme: "http", Host: net.JoinHostPort(host, port), Path: "/health"}
	return u.String(), nil
}

// Check GETs the /health URL of the server listening on addr (see [URL]) and returns nil when it
// answers a 2xx status within timeout (<= 0 means [DefaultTimeout]), else an error that says what
// was found. It does not follow redirects and reads at most 64 KiB of the body.
func Check(ctx context.Context, addr string, timeout time.Duration) error {
	u, err := URL(addr)
	if err != nil {
		return err
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	client := &http.Client{
		// No proxy from the environment: the server is local.
		Transport:     &http.Transport{Proxy: nil, DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("healthcheck: GET %s: no answer within %s", u, timeout)
		}
		return fmt.Errorf("healthcheck: GET %s: %w", u, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("healthcheck: GET %s: %s: %s", u, resp.Status, trim(body))
	}
	return nil
}

// Run is the -healthcheck mode: it runs [Check] with [DefaultTimeout] and returns the exit code, 0
// when healthy and 1 when not, writing why to stderr when not.
func Run(ctx context.Context, addr string, stderr io.Writer) int {
	if err := Check(ctx, addr, DefaultTimeout); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

// trim returns the first line of b, at most 200 bytes, for an error message.
func trim(b []byte) string {
	for i, c := range b {
		if c == '\n' || i == 200 {
			return string(b[:i])
		}
	}
	return string(b)
}
