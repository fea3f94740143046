// Package cloudwatch sends the metrics of a [monitoring.MetricsCollector] to AWS CloudWatch, either
// through the PutMetricData API ([NewSink]) or as Embedded Metric Format lines that Lambda, ECS and
// the CloudWatch agent turn into metrics with no API call at all ([NewEMFSink]).
//
// # Setup
//
//	cfg, err := config.LoadDefaultConfig(ctx) // github.com/aws/aws-sdk-go-v2/config
//	if err != nil {
//		return err
//	}
//	sink, err := cloudwatch.NewSink(awscloudwatch.NewFromConfig(cfg), "ETL/Pipeline")
//	if err != nil {
//		return err
//	}
//	metrics, err := monitoring.NewMetricsCollector("bulk_load", "dev_mydb", monitoring.WithSinks(sink))
//
// # What is sent
//
// Each export interval (60 s by default) sends, per series: a counter's increase over the interval,
// a gauge's last value, and a duration's statistic set (SampleCount, Sum, Minimum, Maximum), with
// the series' dimensions and CloudWatch's standard unit (Count, Seconds, Count/Second, Bytes,
// Percent, Milliseconds). Every series of an interval goes in as few requests as the limits allow
// (1,000 datums and 1 MB): ten series updated a thousand times each cost one call, where the
// reference pipeline made ten thousand. [WithHighResolution] stores 1-second data.
//
// # When CloudWatch is unreachable
//
// Throttling, 5xx and network errors are retried with exponential backoff and full jitter
// ([WithRetry]). Datums of a failed export stay buffered, up to [WithMaxBuffered], and go with the
// next export; beyond the bound the oldest are dropped and counted ([Sink.Dropped]). Each request
// waits at most [WithTimeout] ([DefaultTimeout], 10 s): an endpoint that accepts the connection and
// never answers, or never accepts it, fails the export with a [monitoring.ExportTimeoutError]
// naming its host:port and the setting, and is not retried within that export. The pipeline
// never waits: the collector exports from its own goroutine, counts the failure in
// etlwatch_sink_export_failures{sink="cloudwatch"} and reports it once to its error handler.
//
// # Troubleshooting
//
// "AccessDenied" ([ErrAccessDenied]): the role or user lacks the permission. Attach:
//
//	{
//	  "Version": "2012-10-17",
//	  "Statement": [{"Effect": "Allow", "Action": ["cloudwatch:PutMetricData"], "Resource": "*"}]
//	}
//
// "no AWS credentials found" ([ErrNoCredentials]): the SDK's default chain found nothing. Set
// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run with an instance or task role.
//
// A series with more than 30 dimensions, or a NaN or infinite value, cannot be sent: it is left out
// and reported once through the collector's error handler ([monitoring.ErrorHandlerSetter]).
package cloudwatch
