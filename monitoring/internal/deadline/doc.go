// Package deadline bounds one request of a network sink (otlp, cloudwatch) by the sink's timeout
// and names the peer that did not answer in a [monitoring.ExportTimeoutError]:
//
//	err := deadline.Run(ctx, monitoring.ExportTimeoutError{Sink: name, Address: addr,
//		Timeout: 10 * time.Second, Setting: "otlp.WithTimeout"}, nil, send)
package deadline
