package cloudwatch_test

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

// fakeCloudWatch is an in-process CloudWatch endpoint. It decodes what the real aws-sdk-go-v2 client
// sends (Smithy RPC v2 CBOR, possibly gzipped) and answers the way the service does.
type fakeCloudWatch struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	requests []putRequest
	// fail, when set, answers request n (0-based, counting every request) with this error code and
	// HTTP status; "" means success.
	fail func(n int) (code string, status int)
}

type putRequest struct {
	Path      string
	Header    http.Header
	BodyBytes int // as sent, before decompression
	Namespace string
	Data      []datum
	Failed    bool // answered with an error
}

type datum struct {
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

func newFakeCloudWatch(t *testing.T) *fakeCloudWatch {
	f := &fakeCloudWatch{t: t}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// client returns a real CloudWatch client pointed at the fake, with static credentials and the
// SDK's own retries off (the sink's retries are under test).
func (f *fakeCloudWatch) client() *cloudwatch.Client {
	cfg := aws.Config{
		Region:      "eu-west-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		Retryer:     func() aws.Retryer { return aws.NopRetryer{} },
	}
	return cloudwatch.NewFromConfig(cfg, func(o *cloudwatch.Options) { o.BaseEndpoint = aws.String(f.srv.URL) })
}

func (f *fakeCloudWatch) serve(w http.ResponseWriter, r *http.Request) {
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
	if f.fail != nil {
		code, status = f.fail(n)
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

func (f *fakeCloudWatch) all() []putRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]putRequest(nil), f.requests...)
}

// datums returns every datum received, in the requests that succeeded unless includeFailed.
func (f *fakeCloudWatch) datums(includeFailed bool) []datum {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []datum
	for _, r := range f.requests {
		if includeFailed || !r.Failed {
			out = append(out, r.Data...)
		}
	}
	return out
}

func decodePut(body []byte) (putRequest, error) {
	v, err := cbor.Decode(body)
	if err != nil {
		return putRequest{}, fmt.Errorf("decode CBOR: %w", err)
	}
	m, ok := v.(cbor.Map)
	if !ok {
		return putRequest{}, fmt.Errorf("body is %T, not a map", v)
	}
	var req putRequest
	if s, ok := m["Namespace"].(cbor.String); ok {
		req.Namespace = string(s)
	}
	list, _ := m["MetricData"].(cbor.List)
	for _, item := range list {
		dm, ok := item.(cbor.Map)
		if !ok {
			return req, fmt.Errorf("datum is %T", item)
		}
		d := datum{Dims: map[string]string{}}
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
