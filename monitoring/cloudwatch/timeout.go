package cloudwatch

import (
	"cmp"
	"context"
	"net"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"

	"github.com/etlwatch/etlwatch/monitoring"
	"github.com/etlwatch/etlwatch/monitoring/internal/deadline"
)

// putOnce makes one PutMetricData request within the sink's timeout; a timeout is a
// [monitoring.ExportTimeoutError].
func (s *Sink) putOnce(ctx context.Context, in *cloudwatch.PutMetricDataInput) error {
	base := monitoring.ExportTimeoutError{Sink: s.cfg.name, Address: s.addr, Timeout: s.cfg.timeout,
		Setting: cmp.Or(s.cfg.setting, "cloudwatch.WithTimeout")}
	return deadline.Run(ctx, base, nil, func(ctx context.Context) error {
		_, err := s.client.PutMetricData(ctx, in)
		return err
	})
}

// endpoint returns the host:port a *cloudwatch.Client sends to: its BaseEndpoint, or the
// region's public endpoint. It returns "" for another client or an unknown region.
func endpoint(client PutMetricDataAPI) string {
	c, ok := client.(*cloudwatch.Client)
	if !ok {
		return ""
	}
	o := c.Options()
	if o.BaseEndpoint != nil {
		u, err := url.Parse(*o.BaseEndpoint)
		if err != nil {
			return ""
		}
		return deadline.HostPort(u)
	}
	if o.Region == "" {
		return ""
	}
	return net.JoinHostPort("monitoring."+o.Region+".amazonaws.com", "443")
}
