package fakecloudwatch

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/smithy-go/encoding/cbor"
)

// Server is an in-process CloudWatch endpoint.
type Server struct {
	t   testing.TB
	srv *httptest.Server

	mu       sync.Mutex
	requests []PutRequest
	// Fail, when set before requests arrive, answers request n (0-based, counting every request)
	// with this error code and HTTP status; "" means success.
	Fail func(n int) (code string, status int)
}

// PutRequest is one decoded PutMetricData request.
type PutRequest struct {
	Path      string
	Header    http.Header
	BodyBytes int // as sent, before decompression
	Namespace string
	Data      []Datum
	Failed    bool // answered with an error
}

// Datum is one decoded metric datum.
type Datum struct {
	Name              string
	Unit              string
	Dims              map[string]string
	Value             *float64
	SampleCount       float64
	Sum, Min, Max     float64
	HasStats          bool
	StorageResolution int64
	Timestamp         time.Time
}

// New starts a server that stops when t's test ends.
func New(t testing.TB) *Server {
	f := &Server{t: t}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// URL returns the server's base URL, for cloudwatch.Options.BaseEndpoint.
func (f *Server) URL() string { return f.srv.URL }

// Client returns a real CloudWatch client pointed at the server, with static credentials and the
// SDK's own retries off.
func (f *Server) Client() *cloudwatch.Client {
	cfg := aws.Config{
		Region:      "eu-west-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		Retryer:     func() aws.Retryer { return aws.NopRetryer{} },
	}
	return cloudwatch.NewFromConfig(cfg, func(o *cloudwatch.Options) { o.BaseEndpoint = aws.String(f.srv.URL) })
}

func (f *Server) serve(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	body := raw
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err == nil {
			body, err = io.ReadAll(zr)
		}
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
	}
	req, err := decodePut(body)
	if err != nil {
		f.t.Errorf("fake cloudwatch: %v", err)
		http.Error(w, err.Error(), 400)
		return
	}
	req.Path, req.Header, req.BodyBytes = r.URL.Path, r.Header.Clone(), len(raw)

	f.mu.Lock()
	n := len(f.requests)
	code, status := "", 0
	if f.Fail != nil {
		code, status = f.Fail(n)
	}
	req.Failed = code != ""
	f.requests = append(f.requests, req)
	f.mu.Unlock()

	w.Header().Set("Content-Type", "application/cbor")
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	if code != "" {
		w.WriteHeader(status)
		_, _ = w.Write(cbor.Encode(cbor.Map{"__type": cbor.String(code), "message": cbor.String(code + " (fake)")}))
		return
	}
	_, _ = w.Write(cbor.Encode(cbor.Map{}))
}

// Requests returns every request received so far.
func (f *Server) Requests() []PutRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]PutRequest(nil), f.requests...)
}

// Datums returns every datum received, in the requests that succeeded unless includeFailed.
func (f *Server) Datums(includeFailed bool) []Datum {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Datum
	for _, r := range f.requests {
		if includeFailed || !r.Failed {
			out = append(out, r.Data...)
		}
	}
	return out
}

func decodePut(body []byte) (PutRequest, error) {
	v, err := cbor.Decode(body)
	if err != nil {
		return PutRequest{}, fmt.Errorf("decode CBOR: %w", err)
	}
	m, ok := v.(cbor.Map)
	if !ok {
		return PutRequest{}, fmt.Errorf("body is %T, not a map", v)
	}
	var req PutRequest
	if s, ok := m["Namespace"].(cbor.String); ok {
		req.Namespace = string(s)
	}
	list, _ := m["MetricData"].(cbor.List)
	for _, item := range list {
		dm, ok := item.(cbor.Map)
		if !ok {
			return req, fmt.Errorf("datum is %T", item)
		}
		d := Datum{Dims: map[string]string{}}
		if s, ok := dm["MetricName"].(cbor.String); ok {
			d.Name = string(s)
		}
		if s, ok := dm["Unit"].(cbor.String); ok {
			d.Unit = string(s)
		}
		if dv, ok := dm["Value"]; ok {
			f, err := cbor.AsFloat64(dv)
			if err != nil {
				return req, err
			}
			d.Value = &f
		}
		if sv, ok := dm["StatisticValues"].(cbor.Map); ok {
			d.HasStats = true
			for key, dst := range map[string]*float64{"SampleCount": &d.SampleCount, "Sum": &d.Sum, "Minimum": &d.Min, "Maximum": &d.Max} {
				if *dst, err = cbor.AsFloat64(sv[key]); err != nil {
					return req, fmt.Errorf("StatisticValues.%s: %w", key, err)
				}
			}
		}
		if sr, ok := dm["StorageResolution"]; ok {
			if d.StorageResolution, err = cbor.AsInt64(sr); err != nil {
				return req, err
			}
		}
		if ts, ok := dm["Timestamp"]; ok {
			if d.Timestamp, err = cbor.AsTime(ts); err != nil {
				return req, err
			}
		}
		dims, _ := dm["Dimensions"].(cbor.List)
		for _, di := range dims {
			dd := di.(cbor.Map)
			d.Dims[string(dd["Name"].(cbor.String))] = string(dd["Value"].(cbor.String))
		}
		req.Data = append(req.Data, d)
	}
	return req, nil
}

// Find returns the datums named name whose dimensions include dims.
func Find(ds []Datum, name string, dims map[string]string) []Datum {
	var out []Datum
	for _, d := range ds {
		match := d.Name == name
		for k, v := range dims {
			match = match && d.Dims[k] == v
		}
		if match {
			out = append(out, d)
		}
	}
	return out
}
