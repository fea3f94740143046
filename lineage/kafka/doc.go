// Package kafka is the Kafka transport of github.com/etlwatch/etlwatch/lineage: OpenLineage
// events produced with franz-go to one topic, keyed by the job at the root of each run's tree so
// that a job's events and those of its child runs stay in order in one partition.
//
//	t, err := kafka.NewTransport([]string{"kafka-1:9092"}, "openlineage")
//	client, err := lineage.NewClient(lineage.WithTransports(t))
//
// It lives apart from the lineage package so that a job that sends lineage over HTTP or to a
// file does not compile a Kafka client.
package kafka
