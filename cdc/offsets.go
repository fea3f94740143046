package cdc

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/iceberg-go/table"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/etlwatch/etlwatch/iceberg"
)

// PropOffsets is the snapshot summary property in which the consumer records, with each Iceberg
// commit, the Kafka offsets up to which that commit applied the table's topic partitions: the
// next offset to consume. (Earlier versions also wrote it as a table property for a batch
// with nothing to write; [TableOffsets] still reads it.)
const PropOffsets = iceberg.PropKafkaOffsets

// Offsets are Kafka positions by topic and partition: the next offset to consume.
type Offsets map[string]map[int32]int64

// Set records that partition p of topic is consumed up to (not including) next.
func (o Offsets) Set(topic string, p int32, next int64) {
	ps := o[topic]
	if ps == nil {
		ps = map[int32]int64{}
		o[topic] = ps
	}
	ps[p] = next
}

// Get returns the next offset of topic's partition p.
func (o Offsets) Get(topic string, p int32) (int64, bool) {
	n, ok := o[topic][p]
	return n, ok
}

// String encodes o as "topic:0=42,1=7;other:0=3", topics and partitions sorted. Kafka topic names
// hold only letters, digits, '.', '_' and '-', so the separators cannot clash.
func (o Offsets) String() string {
	var sb strings.Builder
	for i, t := range slices.Sorted(maps.Keys(o)) {
		if i > 0 {
			sb.WriteByte(';')
		}
		sb.WriteString(t)
		sb.WriteByte(':')
		for j, p := range slices.Sorted(maps.Keys(o[t])) {
			if j > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString(strconv.Itoa(int(p)))
			sb.WriteByte('=')
			sb.WriteString(strconv.FormatInt(o[t][p], 10))
		}
	}
	return sb.String()
}

// ParseOffsets decodes the form [Offsets.String] writes.
func ParseOffsets(s string) (Offsets, error) {
	o := Offsets{}
	if s == "" {
		return o, nil
	}
	for _, part := range strings.Split(s, ";") {
		topic, list, ok := strings.Cut(part, ":")
		if !ok || topic == "" {
			return nil, fmt.Errorf("cdc: offsets %q: %q is not topic:partition=offset,...", s, part)
		}
		for _, po := range strings.Split(list, ",") {
			ps, os, ok := strings.Cut(po, "=")
			p, err1 := strconv.ParseInt(ps, 10, 32)
			n, err2 := strconv.ParseInt(os, 10, 64)
			if !ok || err1 != nil || err2 != nil || p < 0 || n < 0 {
				return nil, fmt.Errorf("cdc: offsets %q: %q is not partition=offset", s, po)
			}
			o.Set(topic, int32(p), n)
		}
	}
	return o, nil
}

// mergeMax sets each of other's positions in o when it is ahead of o's.
// clone returns a deep copy of o.
func (o Offsets) clone() Offsets {
	out := Offsets{}
	out.mergeMax(o)
	return out
}

func (o Offsets) mergeMax(other Offsets) {
	for t, ps := range other {
		for p, n := range ps {
			if cur, ok := o.Get(t, p); !ok || n > cur {
				o.Set(t, p, n)
			}
		}
	}
}

// mergeMin sets each of other's positions in o when it is behind o's.
func (o Offsets) mergeMin(other Offsets) {
	for t, ps := range other {
		for p, n := range ps {
			if cur, ok := o.Get(t, p); !ok || n < cur {
				o.Set(t, p, n)
			}
		}
	}
}

// TableOffsets returns the offsets recorded in tbl: those of the newest snapshot that has
// [PropOffsets] (walking back from the current snapshot, past snapshots without it such as
// compactions), advanced by the table property of a later commit that had nothing to write.
// Offsets only grow, so the furthest position of each partition is the latest.
func TableOffsets(tbl *table.Table) (Offsets, error) {
	o := Offsets{}
	for s := tbl.CurrentSnapshot(); s != nil; {
		if s.Summary != nil {
			if v, ok := s.Summary.Properties[PropOffsets]; ok {
				got, err := ParseOffsets(v)
				if err != nil {
					return nil, fmt.Errorf("snapshot %d: %w", s.SnapshotID, err)
				}
				o = got
				break
			}
		}
		if s.ParentSnapshotID == nil {
			break
		}
		s = tbl.SnapshotByID(*s.ParentSnapshotID)
	}
	if v, ok := tbl.Properties()[PropOffsets]; ok {
		got, err := ParseOffsets(v)
		if err != nil {
			return nil, fmt.Errorf("table property: %w", err)
		}
		o.mergeMax(got)
	}
	return o, nil
}

// RecoverOffsets returns the offsets recorded in the tables of tm's namespace. A partition whose
// events went to several tables resumes at the smallest of their positions, so that none of
// them misses an event (replayed upserts and deletes are idempotent).
func RecoverOffsets(ctx context.Context, tm *iceberg.TableManager, tables []string) (Offsets, error) {
	byTable, err := offsetsByTable(ctx, tm, tables)
	if err != nil {
		return nil, err
	}
	return resumeAt(byTable), nil
}

// offsetsByTable loads each of tables once and returns the offsets it records.
func offsetsByTable(ctx context.Context, tm *iceberg.TableManager, tables []string) (map[string]Offsets, error) {
	out := make(map[string]Offsets, len(tables))
	for _, name := range tables {
		tbl, err := tm.Catalog().LoadTable(ctx, tm.Identifier(name))
		if err != nil {
			return nil, fmt.Errorf("cdc: load table %s: %w", name, err)
		}
		o, err := TableOffsets(tbl)
		if err != nil {
			return nil, fmt.Errorf("cdc: table %s: %w", name, err)
		}
		out[name] = o
	}
	return out, nil
}

// resumeAt is where each partition resumes: the smallest position of the tables it feeds.
func resumeAt(byTable map[string]Offsets) Offsets {
	out := Offsets{}
	for _, o := range byTable {
		out.mergeMin(o)
	}
	return out
}

// Applied returns, for each partition the consumer's group has applied, the next offset to
// apply: the later of the offsets the tables record in Iceberg and the group's committed offsets
// in Kafka (which also cover records that changed no table, committed after every table's
// commit of their batch). A partition is caught up when Applied reaches its high watermark. It
// is safe to call while [Consumer.Run] runs.
func (c *Consumer) Applied(ctx context.Context) (Offsets, error) {
	out, err := c.recorded(ctx)
	if err != nil {
		return nil, err
	}
	req := kmsg.NewPtrOffsetFetchRequest()
	req.Group = c.conf.GroupID
	req.Topics = nil // every topic the group committed
	resp, err := req.RequestWith(ctx, c.client)
	if err != nil {
		return nil, fmt.Errorf("cdc: committed offsets of group %s: %w", req.Group, err)
	}
	if err := kerr.ErrorForCode(resp.ErrorCode); errors.Is(err, kerr.GroupIDNotFound) {
		return out, nil // the group has committed nothing yet
	} else if err != nil {
		return nil, fmt.Errorf("cdc: committed offsets of group %s: %w", req.Group, err)
	}
	kafka := Offsets{}
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			if p.Offset >= 0 && p.ErrorCode == 0 {
				kafka.Set(t.Topic, p.Partition, p.Offset)
			}
		}
	}
	out.mergeMax(kafka)
	return out, nil
}
