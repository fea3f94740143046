package otlp_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"

	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
)

// metricsRequest is what an OTLP metrics exporter sends.
type metricsRequest = colmetricpb.ExportMetricsServiceRequest

// received is one request as an in-process OTLP receiver decoded it.
type received[M proto.Message] struct {
	Path            string
	ContentType     string
	ContentEncoding string
	Header          http.Header // HTTP headers, or gRPC metadata
	Size            int         // uncompressed body size
	Msg             M
}

// httpReceiver is an OTLP/HTTP endpoint on 127.0.0.1 that decodes binary protobuf export requests,
// gzip-compressed or not, and answers as a collector does, or with a chosen error status.
type httpReceiver[M proto.Message] struct {
	*httptest.Server
	newMsg   func() M
	response proto.Message

	mu     sync.Mutex
	reqs   []received[M]
	status int  // answered instead of success when not 0
	echo   bool // with status: put the request's headers in the error body, as a careless proxy might
}

func newHTTPReceiver[M proto.Message](t testing.TB, newMsg func() M, response proto.Message) *httpReceiver[M] {
	t.Helper()
	r := &httpReceiver[M]{newMsg: newMsg, response: response}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

// newMetricsReceiver returns a receiver of ExportMetricsServiceRequest bodies.
func newMetricsReceiver(t testing.TB) *httpReceiver[*colmetricpb.ExportMetricsServiceRequest] {
	return newHTTPReceiver(t, func() *colmetricpb.ExportMetricsServiceRequest { return new(colmetricpb.ExportMetricsServiceRequest) },
		&colmetricpb.ExportMetricsServiceResponse{})
}

// newTraceReceiver returns a receiver of ExportTraceServiceRequest bodies.
func newTraceReceiver(t testing.TB) *httpReceiver[*coltracepb.ExportTraceServiceRequest] {
	return newHTTPReceiver(t, func() *coltracepb.ExportTraceServiceRequest { return new(coltracepb.ExportTraceServiceRequest) },
		&coltracepb.ExportTraceServiceResponse{})
}

func (r *httpReceiver[M]) serve(w http.ResponseWriter, req *http.Request) {
	var body io.Reader = req.Body
	if req.Header.Get("Content-Encoding") == "gzip" {
		gz, err := gzip.NewReader(req.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		defer gz.Close()
		body = gz
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	msg := r.newMsg()
	if err := proto.Unmarshal(raw, msg); err != nil {
		http.Error(w, "decode: "+err.Error(), http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, received[M]{
		Path:            req.URL.Path,
		ContentType:     req.Header.Get("Content-Type"),
		ContentEncoding: req.Header.Get("Content-Encoding"),
		Header:          req.Header.Clone(),
		Size:            len(raw),
		Msg:             msg,
	})
	status, echo := r.status, r.echo
	r.mu.Unlock()

	if status != 0 {
		var b bytes.Buffer
		b.WriteString("rejected")
		if echo {
			b.WriteString("; you sent: ")
			_ = req.Header.Write(&b)
		}
		http.Error(w, b.String(), status)
		return
	}
	out, err := proto.Marshal(r.response)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

// fail makes the receiver answer status (0: success); with echo, the error body repeats the
// request's headers.
func (r *httpReceiver[M]) fail(status int, echo bool) {
	r.mu.Lock()
	r.status, r.echo = status, echo
	r.mu.Unlock()
}

// requests returns the requests received so far and forgets them.
func (r *httpReceiver[M]) requests() []received[M] {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.reqs
	r.reqs = nil
	return out
}

// grpcMetricsReceiver is an OTLP/gRPC metrics service on 127.0.0.1.
type grpcMetricsReceiver struct {
	colmetricpb.UnimplementedMetricsServiceServer
	Addr string

	mu   sync.Mutex
	reqs []received[*colmetricpb.ExportMetricsServiceRequest]
}

func newGRPCMetricsReceiver(t testing.TB) *grpcMetricsReceiver {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &grpcMetricsReceiver{Addr: lis.Addr().String()}
	srv := grpc.NewServer()
	colmetricpb.RegisterMetricsServiceServer(srv, r)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(lis)
	}()
	t.Cleanup(func() {
		srv.Stop()
		<-done
	})
	return r
}

func (r *grpcMetricsReceiver) Export(ctx context.Context, req *colmetricpb.ExportMetricsServiceRequest) (*colmetricpb.ExportMetricsServiceResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	r.mu.Lock()
	r.reqs = append(r.reqs, received[*colmetricpb.ExportMetricsServiceRequest]{
		Header: http.Header(md), Size: proto.Size(req), Msg: req,
	})
	r.mu.Unlock()
	return &colmetricpb.ExportMetricsServiceResponse{}, nil
}

func (r *grpcMetricsReceiver) requests() []received[*colmetricpb.ExportMetricsServiceRequest] {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.reqs
	r.reqs = nil
	return out
}

// grpcTraceReceiver is an OTLP/gRPC trace service on 127.0.0.1.
type grpcTraceReceiver struct {
	coltracepb.UnimplementedTraceServiceServer
	Addr string

	mu   sync.Mutex
	reqs []*coltracepb.ExportTraceServiceRequest
}

func newGRPCTraceReceiver(t testing.TB) *grpcTraceReceiver {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &grpcTraceReceiver{Addr: lis.Addr().String()}
	srv := grpc.NewServer()
	coltracepb.RegisterTraceServiceServer(srv, r)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(lis)
	}()
	t.Cleanup(func() {
		srv.Stop()
		<-done
	})
	return r
}

func (r *grpcTraceReceiver) Export(_ context.Context, req *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	r.mu.Unlock()
	return &coltracepb.ExportTraceServiceResponse{}, nil
}

func (r *grpcTraceReceiver) requests() []*coltracepb.ExportTraceServiceRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.reqs
	r.reqs = nil
	return out
}

// point is one decoded data point, flattened for assertions.
type point struct {
	Name        string
	Unit        string
	Type        string // "sum", "gauge" or "histogram"
	Temporality metricpb.AggregationTemporality
	Monotonic   bool
	Attrs       map[string]string
	Value       float64 // sum or gauge value; histogram sum
	Count       uint64  // histogram count
	Resource    map[string]string
}

// points flattens every data point of reqs.
func points(reqs ...*colmetricpb.ExportMetricsServiceRequest) []point {
	var out []point
	for _, req := range reqs {
		for _, rm := range req.GetResourceMetrics() {
			res := attrMap(rm.GetResource().GetAttributes())
			for _, sm := range rm.GetScopeMetrics() {
				for _, m := range sm.GetMetrics() {
					base := point{Name: m.GetName(), Unit: m.GetUnit(), Resource: res}
					switch {
					case m.GetSum() != nil:
						for _, dp := range m.GetSum().GetDataPoints() {
							p := base
							p.Type, p.Temporality, p.Monotonic = "sum", m.GetSum().GetAggregationTemporality(), m.GetSum().GetIsMonotonic()
							p.Attrs, p.Value = attrMap(dp.GetAttributes()), numberValue(dp)
							out = append(out, p)
						}
					case m.GetGauge() != nil:
						for _, dp := range m.GetGauge().GetDataPoints() {
							p := base
							p.Type = "gauge"
							p.Attrs, p.Value = attrMap(dp.GetAttributes()), numberValue(dp)
							out = append(out, p)
						}
					case m.GetHistogram() != nil:
						for _, dp := range m.GetHistogram().GetDataPoints() {
							p := base
							p.Type, p.Temporality = "histogram", m.GetHistogram().GetAggregationTemporality()
							p.Attrs, p.Value, p.Count = attrMap(dp.GetAttributes()), dp.GetSum(), dp.GetCount()
							out = append(out, p)
						}
					}
				}
			}
		}
	}
	return out
}

// pointCount counts the data points of one request.
func pointCount(req *colmetricpb.ExportMetricsServiceRequest) int { return len(points(req)) }

func numberValue(dp *metricpb.NumberDataPoint) float64 {
	if _, ok := dp.GetValue().(*metricpb.NumberDataPoint_AsInt); ok {
		return float64(dp.GetAsInt())
	}
	return dp.GetAsDouble()
}

func attrMap(kvs []*commonpb.KeyValue) map[string]string {
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		m[kv.GetKey()] = anyString(kv.GetValue())
	}
	return m
}

func anyString(v *commonpb.AnyValue) string {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue
	default:
		return v.String()
	}
}

// find returns the points named name whose attributes include want.
func find(pts []point, name string, want map[string]string) []point {
	var out []point
	for _, p := range pts {
		if p.Name != name {
			continue
		}
		ok := true
		for k, v := range want {
			if p.Attrs[k] != v {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, p)
		}
	}
	return out
}

// spans flattens the spans of trace requests.
func spans(reqs ...*coltracepb.ExportTraceServiceRequest) []*tracepb.Span {
	var out []*tracepb.Span
	for _, req := range reqs {
		for _, rs := range req.GetResourceSpans() {
			for _, ss := range rs.GetScopeSpans() {
				out = append(out, ss.GetSpans()...)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].GetName() < out[j].GetName() })
	return out
}
