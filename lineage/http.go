package lineage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/etlwatch/etlwatch/internal/redact"
)

// Defaults of [NewHTTPTransport].
const (
	// DefaultEndpoint is the path events are POSTed to: Marquez's lineage endpoint.
	DefaultEndpoint = "/api/v1/lineage"
	// DefaultHTTPTimeout bounds one request, connection included.
	DefaultHTTPTimeout = 5 * time.Second
	// DefaultDialTimeout bounds connecting to the server.
	DefaultDialTimeout = 2 * time.Second
	// DefaultRetries is how many times a failed request is tried again.
	DefaultRetries = 3
	// DefaultRetryBackoff is the wait before the first retry; it doubles for each further one.
	DefaultRetryBackoff = 200 * time.Millisecond
)

// maxBackoff caps the wait between two tries.
const maxBackoff = 5 * time.Second

// HTTPError is a response other than 2xx from the lineage server.
type HTTPError struct {
	StatusCode int
	Body       string // the start of the response body
}

// Error names the status and quotes the start of the body.
func (e *HTTPError) Error() string {
	return fmt.Sprintf("lineage server answered %d %s: %q", e.StatusCode, http.StatusText(e.StatusCode), e.Body)
}

// HTTPOption configures [NewHTTPTransport].
type HTTPOption func(*HTTPTransport)

// WithEndpoint sets the path of the lineage endpoint under the URL. Default: the
// OPENLINEAGE_ENDPOINT convention's default, [DefaultEndpoint].
func WithEndpoint(path string) HTTPOption { return func(t *HTTPTransport) { t.endpoint = path } }

// WithAPIKey sends "Authorization: Bearer key" with each request. Default: no header.
func WithAPIKey(key string) HTTPOption { return func(t *HTTPTransport) { t.apiKey = key } }

// WithHTTPClient sets the client that sends the requests; its Timeout, when set, applies too.
// Default: a client of its own with [DefaultDialTimeout] and [DefaultHTTPTimeout].
func WithHTTPClient(c *http.Client) HTTPOption { return func(t *HTTPTransport) { t.client = c } }

// WithTimeout bounds each request, connecting and reading the answer included. Default
// [DefaultHTTPTimeout].
func WithTimeout(d time.Duration) HTTPOption { return func(t *HTTPTransport) { t.timeout = d } }

// WithRetries sets how many times a request that failed for a network error, a timeout, a 5xx
// or a 429 is tried again, with a backoff doubling from [WithRetryBackoff]. A 4xx other than 429
// (a bad event) and a refused connection (nothing listens) are not retried. While the server is unreachable (the last event failed), each event is
// tried once, so that an outage does not pile up waits. Default [DefaultRetries].
func WithRetries(n int) HTTPOption { return func(t *HTTPTransport) { t.retries = n } }

// WithRetryBackoff sets the wait before the first retry. Default [DefaultRetryBackoff].
func WithRetryBackoff(d time.Duration) HTTPOption { return func(t *HTTPTransport) { t.backoff = d } }

// HTTPTransport POSTs each event as JSON to {url}{endpoint}, Marquez's API (and that of the
// OpenLineage HTTP transport). It is used from one goroutine by a [Client].
type HTTPTransport struct {
	target   string
	endpoint string
	apiKey   string
	client   *http.Client
	timeout  time.Duration
	retries  int
	backoff  time.Duration
	down     bool // the last event could not be delivered
}

// NewHTTPTransport returns a transport posting to baseURL (http or https, such as
// http://localhost:5000) plus the endpoint path.
func NewHTTPTransport(baseURL string, opts ...HTTPOption) (*HTTPTransport, error) {
	t := &HTTPTransport{endpoint: DefaultEndpoint, timeout: DefaultHTTPTimeout, retries: DefaultRetries,
		backoff: DefaultRetryBackoff}
	for _, o := range opts {
		o(t)
	}
	u, err := url.Parse(baseURL)
	switch {
	case err != nil:
		return nil, fmt.Errorf("lineage: http transport: url: %w", err)
	case u.Scheme != "http" && u.Scheme != "https" || u.Host == "":
		return nil, fmt.Errorf("lineage: http transport: url %q: allowed: an http:// or https:// URL with a host", u.Redacted())
	case t.timeout <= 0:
		return nil, fmt.Errorf("lineage: http transport: timeout %s: allowed: more than 0", t.timeout)
	case t.retries < 0:
		return nil, fmt.Errorf("lineage: http transport: retries %d: allowed: 0 or more", t.retries)
	case t.backoff < 0:
		return nil, fmt.Errorf("lineage: http transport: retry backoff %s: allowed: 0 or more", t.backoff)
	}
	ep := t.endpoint
	if ep != "" && !strings.HasPrefix(ep, "/") {
		ep = "/" + ep
	}
	t.target = strings.TrimSuffix(u.String(), "/") + ep
	if t.client == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.DialContext = (&net.Dialer{Timeout: DefaultDialTimeout, KeepAlive: 30 * time.Second}).DialContext
		tr.TLSHandshakeTimeout = DefaultDialTimeout
		tr.ResponseHeaderTimeout = t.timeout
		t.client = &http.Client{Transport: tr}
	}
	return t, nil
}

// Name returns "http".
func (t *HTTPTransport) Name() string { return "http" }

// String names the transport and its URL with any credentials masked; the API key never shows,
// whatever the fmt verb (%v, %+v and %#v use String or GoString).
func (t *HTTPTransport) String() string {
	key := ""
	if t.apiKey != "" {
		key = ", api key " + redact.Mask
	}
	return "lineage.HTTPTransport(" + redact.URI(t.target) + key + ")"
}

// GoString is String.
func (t *HTTPTransport) GoString() string { return t.String() }

// URL returns the URL events are posted to, with the credentials it may hold: print the
// transport (String) rather than URL.
func (t *HTTPTransport) URL() string { return t.target }

// Send posts m, retrying as [WithRetries] says.
func (t *HTTPTransport) Send(ctx context.Context, m Message) error {
	tries := t.retries + 1
	if t.down {
		tries = 1
	}
	wait := t.backoff
	var err error
	for i := range tries {
		if i > 0 {
			timer := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				timer.Stop()
				return errors.Join(err, ctx.Err())
			case <-timer.C:
			}
			wait = min(wait*2, maxBackoff)
		}
		var retry bool
		retry, err = t.post(ctx, m.JSON)
		if err == nil {
			t.down = false
			return nil
		}
		if !retry {
			break
		}
	}
	t.down = true
	return err
}

// post sends one request; retry says whether a failure may pass on a second try.
func (t *HTTPTransport) post(ctx context.Context, body []byte) (retry bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.target, bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/json")
	if t.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+t.apiKey)
	}
	resp, err := t.client.Do(req)
	if err != nil {
		// Nothing listens there: an outage, not a hiccup a retry would pass.
		if errors.Is(err, syscall.ECONNREFUSED) {
			return false, err
		}
		return ctx.Err() == nil || errors.Is(ctx.Err(), context.DeadlineExceeded), err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return false, nil
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	return resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests,
		&HTTPError{StatusCode: resp.StatusCode, Body: string(msg)}
}

// Close closes the idle connections of its own client.
func (t *HTTPTransport) Close(context.Context) error {
	t.client.CloseIdleConnections()
	return nil
}
