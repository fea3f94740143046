package cdc

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/apache/iceberg-go/table"
	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/iceberg"
	"github.com/etlwatch/etlwatch/monitoring"
)

// DefaultCommitInterval is the longest a change waits for its batch's commit when fewer than
// batch_size records arrive ([WithCommitInterval], cdc.commit_interval): at low rates a table
// gets a commit at most every 10 seconds, not one per poll.
const DefaultCommitInterval = 10 * time.Second

// WithCommitInterval sets the longest a polled record waits before its batch is applied and
// committed: a batch is committed when it holds cdc.batch_size records or when its first record
// has waited d, whichever comes first. A longer d makes fewer, larger commits (fewer snapshots
// and delete files to maintain) and a longer lag at low rates. It wins over cdc.commit_interval;
// default: that, else [DefaultCommitInterval].
func WithCommitInterval(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.interval = d
		}
	}
}

// Maintenance configures how the consumer keeps the tables it writes healthy
// ([WithMaintenance], cdc.maintenance in sources.yaml). After each commit it reads the table's
// health from its metadata and, when a limit is passed, maintains that table, within Timeout,
// beside the next batch (which writes its files meanwhile and commits once it is done):
// compaction (data files rewritten with their deletes applied, dead equality deletes dropped),
// snapshot expiry (which deletes the files only expired snapshots used), and, now and then,
// removal of orphan files. The zero value is the defaults.
type Maintenance struct {
	// Disabled turns maintenance off: tables then grow a snapshot, a metadata.json and a
	// delete file with every commit.
	Disabled bool
	// MaxDeleteFiles merges a table's deletes once its snapshot holds this many delete files
	// (each commit that updates or deletes rows adds one, and every scan applies them all): the
	// files written since the last compaction are rewritten with their deletes applied and
	// the delete files become one ([iceberg.TableManager.MergeDeletes]); the files before are
	// not read. A full compaction runs instead when the deletes hold more keys than
	// MaxDeleteShare of the table's rows, or the rewritten files would pass a quarter of
	// TargetFileSize. Default 4.
	MaxDeleteFiles int
	// MaxDeleteShare is the share of a table's rows its equality deletes may hold before the
	// table is compacted in full instead of having its deletes merged: every scan checks each
	// row against them, so a lower share keeps scans cheaper at the cost of more full
	// compactions. Above 0, at most 1 (more counts as 1); default 0.1.
	MaxDeleteShare float64
	// MaxSmallFiles compacts a table once it has this many data files averaging under a quarter
	// of TargetFileSize. Default 32.
	MaxSmallFiles int
	// TargetFileSize is the size compaction aims its data files at. Default 128 MiB.
	TargetFileSize int64
	// MaxSnapshots expires a table's oldest snapshots once it holds more than this many,
	// keeping RetainSnapshots. Default 100.
	MaxSnapshots int
	// ExpireOlderThan expires the snapshots older than this, keeping RetainSnapshots.
	// Default 1 hour.
	ExpireOlderThan time.Duration
	// RetainSnapshots is how many of the newest snapshots are always kept. Default 10.
	RetainSnapshots int
	// MetadataVersions is how many previous metadata.json files a table keeps: the consumer
	// sets Iceberg's write.metadata.delete-after-commit.enabled and
	// write.metadata.previous-versions-max on the tables it writes, unless they are set.
	// Default [iceberg.DefaultMetadataVersions].
	MetadataVersions int
	// OrphanOlderThan removes files under a table's location that nothing references and that
	// are older than this (what a crashed writer left), checked when the consumer first
	// commits to the table and then four times per OrphanOlderThan. Default 24 hours; it must
	// exceed the longest time any writer of the table takes from writing a file to committing
	// (for this consumer: a batch's commit plus Timeout, which it may wait for maintenance).
	OrphanOlderThan time.Duration
	// Timeout bounds one table's maintenance; what did not finish is retried later. Default
	// 30 seconds.
	Timeout time.Duration
	// EveryBatches, when above 0, also compacts every table written and expires its
	// snapshots every so many batches, whatever its health.
	EveryBatches int
}

// WithMaintenance sets how the consumer maintains its tables (see [Maintenance]; its zero
// fields take the defaults). It wins over the source's cdc.maintenance; default: that, else
// the defaults: maintenance is on.
func WithMaintenance(m Maintenance) Option {
	return func(c *config) { c.maint, c.maintSet = m, true }
}

// maintenanceOf is sources.yaml's cdc.maintenance as a Maintenance.
func maintenanceOf(m configloader.CDCMaintenance) Maintenance {
	return Maintenance{Disabled: m.Disabled, EveryBatches: m.EveryBatches, MaxDeleteFiles: m.MaxDeleteFiles, MaxDeleteShare: m.MaxDeleteShare,
		MaxSnapshots: m.MaxSnapshots, ExpireOlderThan: m.ExpireOlderThan, RetainSnapshots: m.RetainSnapshots,
		MetadataVersions: m.MetadataVersions, OrphanOlderThan: m.OrphanOlderThan, Timeout: m.Timeout}
}

// withDefaults fills m's zero fields.
func (m Maintenance) withDefaults() Maintenance {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&m.MaxDeleteFiles, 4)
	if m.MaxDeleteShare <= 0 {
		m.MaxDeleteShare = 0.1
	}
	m.MaxDeleteShare = min(m.MaxDeleteShare, 1)
	def(&m.MaxSmallFiles, 32)
	def(&m.MaxSnapshots, 100)
	def(&m.RetainSnapshots, 10)
	def(&m.MetadataVersions, iceberg.DefaultMetadataVersions)
	if m.TargetFileSize <= 0 {
		m.TargetFileSize = 128 << 20
	}
	defDur(&m.ExpireOlderThan, time.Hour)
	defDur(&m.OrphanOlderThan, 24*time.Hour)
	defDur(&m.Timeout, 30*time.Second)
	return m
}

// EventMaintenance is the event written after a table's maintenance.
const EventMaintenance = "cdc_maintenance"

// tableHealth is what the consumer keeps of a table's upkeep.
type tableHealth struct {
	bounded      bool      // its metadata versions are bounded (BoundMetadata ran)
	maintainedAt time.Time // the last maintenance that finished; zero: never
	orphansAt    time.Time // the last orphan sweep; zero: never
	failedAt     time.Time // the last maintenance that failed; zero: none since
	avgDataFile  int64     // the average data file size at the last compaction check
	// baseFiles is the number of data files the last compaction left before the tail a merge
	// rewrites (0: not known, taken as 1); with deletion vectors, the files after them are the
	// tail, which a merge rewrites into one.
	baseFiles int64
	// commits counts the commits since the last compaction (or the consumer's start).
	commits int
}

// maintenanceSteps are the steps of a table's maintenance, the step of cdc_maintenance_failures.
var maintenanceSteps = []string{stepBound, stepHealth, stepCompaction, stepExpiry, stepOrphans}

const (
	stepBound      = "bounding metadata"
	stepHealth     = "reading health"
	stepCompaction = "compaction"
	stepExpiry     = "snapshot expiry"
	stepOrphans    = "orphan file removal"
)

// maintenanceBackoff is how long a table whose maintenance failed waits before the next try.
const maintenanceBackoff = 10 * time.Second

// upkeep is one table's maintenance after a batch. It runs beside the next batch (see tend), on
// copies of what it needs of the table's state; the goroutine that commits takes its result
// (awaitUpkeep) before it next commits, so that the two never change the state at once.
type upkeep struct {
	st         *tableState // whose result this is; not read or written by the maintenance
	name       string
	tbl        *table.Table // the table before; after, once done (nil when reload failed)
	health     tableHealth
	lastCommit time.Duration
	props      map[string]string // what a compaction's snapshot carries: offsets, the load's position
	reload     bool              // a step failed: tbl was loaded again from the catalog
}

// upkeeps is a batch's maintenance, running on its own goroutine; ctx ends when it does.
type upkeeps struct {
	ctx      context.Context
	finish   context.CancelFunc
	tables   []*upkeep
	panicked *CommitPanic
}

// tend checks the health of each table a batch committed to, maintains those past a limit and
// publishes their health metrics, on its own goroutine: the next batch collects, builds and
// writes its files meanwhile, and waits for it before it commits (awaitUpkeep), so maintenance
// costs the stream little more than its catalog commit. While Run drains for a rebalance it
// starts none (the rebalance would wait for it). Nothing here stops the consumer: failures are
// logged, counted and retried later.
func (c *Consumer) tend(ctx context.Context, tables []*tableState) {
	c.awaitUpkeep()
	if c.draining.Load() {
		return // the group waits to rebalance: the next batch's tend maintains the tables
	}
	m := c.cfg.maint
	round := false
	if m.EveryBatches > 0 && !m.Disabled {
		if c.sinceMaint++; c.sinceMaint >= m.EveryBatches {
			c.sinceMaint, round = 0, true
			for _, name := range slices.Sorted(maps.Keys(c.touched)) {
				if st, err := c.state(ctx, name); err == nil && st.tbl != nil && !slices.Contains(tables, st) {
					tables = append(tables, st)
				}
			}
			clear(c.touched)
		}
	}
	job := &upkeeps{}
	for _, st := range tables {
		if st.tbl == nil {
			continue
		}
		props := map[string]string{PropOffsets: st.offsets.String()}
		st.carry(props)
		job.tables = append(job.tables, &upkeep{st: st, name: st.name, tbl: st.tbl, health: st.health, lastCommit: st.lastCommit, props: props})
	}
	if len(job.tables) == 0 {
		return
	}
	job.ctx, job.finish = context.WithCancel(context.Background())
	c.upkeep = job
	// Not the batch's context, which ends with the batch: maintenance is bounded by its Timeout.
	ctx = context.WithoutCancel(ctx)
	go func() {
		ctx := labelGoroutine(ctx, "maintenance")
		defer job.finish()
		defer func() {
			if v := recover(); v != nil {
				job.panicked = &CommitPanic{Value: v, Stack: debug.Stack()}
			}
		}()
		for _, u := range job.tables {
			var known *iceberg.TableHealth
			if !m.Disabled {
				known = c.maintainTable(ctx, u, round)
			}
			c.publishHealth(ctx, u, known)
		}
	}()
}

// awaitUpkeep waits for the maintenance running beside this batch, if any, takes its result
// into the tables' state and returns how long it waited. A panic of the maintenance is raised
// again here. Only the goroutine that commits calls it (or Run's, when none commits).
func (c *Consumer) awaitUpkeep() time.Duration {
	job := c.upkeep
	if job == nil {
		return 0
	}
	start := c.cfg.now()
	<-job.ctx.Done()
	waited := c.cfg.now().Sub(start)
	c.upkeep = nil
	if job.panicked != nil {
		panic(job.panicked)
	}
	for _, u := range job.tables {
		u.st.health = u.health
		switch {
		case u.reload && u.tbl != nil:
			_ = u.st.load(u.tbl)
		case !u.reload:
			u.st.tbl = u.tbl
		}
	}
	return waited
}

// upkeepRunning reports whether the maintenance beside the batch still runs.
func (c *Consumer) upkeepRunning() bool {
	return c.upkeep != nil && c.upkeep.ctx.Err() == nil
}

// beforeCommit is the iceberg.BeforeCommit of tb's commit (called inside Apply, without
// c.stateMu): it waits for the batch before this one, then for the maintenance running beside
// the batch, adds that wait to tb's, and returns the table to commit on.
func (c *Consumer) beforeCommit(tb *tableBatch) iceberg.ApplyOption {
	return iceberg.BeforeCommit(func(context.Context) (*table.Table, error) {
		if err := tb.b.awaitPrev(); err != nil {
			return nil, err
		}
		// The maintenance is awaited without the lock, so that the next batch collects and
		// writes its files meanwhile; only this batch's successors start maintenance.
		c.stateMu.Lock()
		job := c.upkeep
		c.stateMu.Unlock()
		start := c.cfg.now()
		if job != nil {
			<-job.ctx.Done()
		}
		waited := c.cfg.now().Sub(start)
		c.stateMu.Lock()
		defer c.stateMu.Unlock()
		tb.upkeepWait += waited + c.awaitUpkeep()
		c.failpoint(FailBeforeIcebergCommit)
		return tb.state.tbl, nil
	})
}

// maintainTable maintains u's table when its health asks for it (or round says so), within
// m.Timeout. When it read the table's health and had nothing to do, it returns that health.
func (c *Consumer) maintainTable(ctx context.Context, u *upkeep, round bool) (unchanged *iceberg.TableHealth) {
	m := c.cfg.maint
	now := c.cfg.now()
	u.health.commits++
	if !u.health.failedAt.IsZero() && now.Sub(u.health.failedAt) < maintenanceBackoff {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, m.Timeout)
	defer cancel()
	fail := func(step string, err error) {
		u.health.failedAt = c.cfg.now()
		c.count(ctx, "cdc_maintenance_failures", 1, monitoring.Dimensions{"namespace": c.namespace(), "table": u.name, "step": step})
		c.log(ctx, slog.LevelWarn, u.name+": "+step+" failed; retried later", "error", err.Error())
		u.reload = true
		tbl, lerr := c.tm.Catalog().LoadTable(ctx, c.tm.Identifier(u.name))
		if lerr != nil {
			tbl = nil
		}
		u.tbl = tbl
	}
	if !u.health.bounded {
		if err := c.firstMaintenance(ctx, u); err != nil {
			fail(stepBound, err)
			return nil
		}
	}
	h, err := c.tm.Health(ctx, u.tbl)
	if err != nil {
		fail(stepHealth, err)
		return nil
	}
	why, compact := c.needs(u, h, now, round)
	if len(why) == 0 {
		return &h // nothing done: the health read is current
	}
	start := c.cfg.now()
	details := monitoring.Details{"table": u.name, "reason": strings.Join(why, ","),
		"snapshots_before": h.Snapshots, "metadata_bytes_before": h.MetadataBytes}
	if compact {
		if err := c.compactTable(ctx, u, h, why, details); err != nil {
			fail(stepCompaction, err)
			return nil
		}
		c.failpoint(FailAfterMaintenanceCommit)
	}
	if slices.Contains(why, "snapshots") || compact {
		older := m.ExpireOlderThan
		if h.Snapshots > m.MaxSnapshots {
			older = time.Nanosecond // beyond the count limit: all but the newest RetainSnapshots
		}
		before := len(u.tbl.Metadata().Snapshots())
		tbl, err := c.tm.ExpireSnapshots(ctx, u.tbl, older, m.RetainSnapshots)
		if err != nil {
			fail(stepExpiry, err)
			return nil
		}
		u.tbl = tbl
		details["snapshots_expired"] = before - len(tbl.Metadata().Snapshots())
	}
	if slices.Contains(why, "orphan_files") {
		res, err := c.tm.RemoveOrphanFiles(ctx, u.tbl, m.OrphanOlderThan)
		if err != nil {
			fail(stepOrphans, err)
			return nil
		}
		u.health.orphansAt = c.cfg.now()
		details["orphan_files_removed"], details["orphan_bytes_removed"] = res.Files, res.Bytes
	}
	u.health.maintainedAt, u.health.failedAt = c.cfg.now(), time.Time{}
	details["duration_seconds"] = c.cfg.now().Sub(start).Seconds()
	if c.cfg.logger != nil {
		c.cfg.logger.LogEvent(ctx, EventMaintenance, details)
	}
	return nil
}

// firstMaintenance prepares a table the consumer maintains for the first time: its failure
// counters start at 0 (so that increase() sees the first failure), its metadata versions are
// bounded, and its average data file size is read.
func (c *Consumer) firstMaintenance(ctx context.Context, u *upkeep) error {
	for _, step := range maintenanceSteps {
		c.count(ctx, "cdc_maintenance_failures", 0, monitoring.Dimensions{"namespace": c.namespace(), "table": u.name, "step": step})
	}
	tbl, err := c.tm.BoundMetadata(ctx, u.tbl, c.cfg.maint.MetadataVersions)
	if err != nil {
		return err
	}
	u.tbl, u.health.bounded = tbl, true
	if sh, err := c.tm.ScanHealth(ctx, u.tbl); err == nil {
		u.health.avgDataFile = sh.AvgDataFileBytes()
	}
	return nil
}

// needs returns why u's table, whose health is h, needs maintenance now (empty: it does not),
// and whether that includes a compaction.
func (c *Consumer) needs(u *upkeep, h iceberg.TableHealth, now time.Time, round bool) (why []string, compact bool) {
	m := c.cfg.maint
	if round {
		why = append(why, "every_batches")
	}
	if h.DeleteFiles >= int64(m.MaxDeleteFiles) {
		why = append(why, "delete_files")
	}
	if c.index != nil && (h.DataFiles-max(u.health.baseFiles, 1)+h.DeleteFiles >= int64(m.MaxDeleteFiles) || u.health.commits >= m.MaxDeleteFiles) {
		// With deletion vectors a commit adds a data file and seldom a delete file: what a
		// scan reads besides the base, the data files since the last compaction and the
		// vectors, is what slows it; commits that only delete add nothing to it, so their
		// number counts too (the share of rows deleted then decides on a full compaction).
		why = append(why, "tail_files")
	}
	if files := h.DataFiles + h.DeleteFiles; h.DataFiles >= int64(m.MaxSmallFiles) && files > 0 && h.Bytes/files < m.TargetFileSize/4 {
		why = append(why, "small_files")
	}
	compact = len(why) > 0
	if h.Snapshots > m.MaxSnapshots || (h.Snapshots > m.RetainSnapshots && now.Sub(h.OldestSnapshot) > m.ExpireOlderThan) || round {
		why = append(why, "snapshots")
	}
	if u.health.orphansAt.IsZero() || now.Sub(u.health.orphansAt) >= m.OrphanOlderThan/4 {
		why = append(why, "orphan_files")
	}
	return why, compact
}

// compactTable compacts u's table, whose health is h, its snapshot carrying the table's
// offsets and the bulk load's position (u.props), and adds the files before and after to
// details. When only its delete files asked for it (why), and its deletes are a small share of
// its rows, it merges the deletes instead of rewriting the table (see [Maintenance.MaxDeleteFiles]).
func (c *Consumer) compactTable(ctx context.Context, u *upkeep, h iceberg.TableHealth, why []string, details monitoring.Details) error {
	props := u.props
	kind := "merge"
	if slices.Contains(why, "small_files") || slices.Contains(why, "every_batches") || float64(h.EqualityDeletes+h.PositionDeletes) > c.cfg.maint.MaxDeleteShare*float64(h.Records) {
		kind = "full"
	}
	var res iceberg.CompactResult
	var err error
	if kind == "merge" {
		res, err = c.tm.MergeDeletes(ctx, u.tbl, c.cfg.maint.TargetFileSize/4, maps.Clone(props))
		if errors.Is(err, iceberg.ErrNeedsCompaction) {
			kind, details["merge_refused"] = "full", err.Error()
		}
	}
	if kind == "full" {
		res, err = c.tm.Compact(ctx, u.tbl, c.cfg.maint.TargetFileSize, maps.Clone(props))
	}
	if err != nil {
		return err
	}
	u.tbl, u.health.baseFiles, u.health.commits = res.Table, int64(res.DataFilesAfter-res.TailFiles), 0
	maps.Copy(details, monitoring.Details{"compaction": kind, "data_files_before": res.DataFilesBefore, "data_files_after": res.DataFilesAfter,
		"delete_files_before": res.DeleteFilesBefore, "delete_files_after": res.DeleteFilesAfter})
	c.count(ctx, "cdc_compactions", 1, monitoring.Dimensions{"namespace": c.namespace(), "table": u.name, "kind": kind})
	if avg := res.AvgDataFileBytesAfter(); avg > 0 {
		u.health.avgDataFile = avg // counted by the compaction: no scan plan of our own
	} else if sh, err := c.tm.ScanHealth(ctx, u.tbl); err == nil {
		u.health.avgDataFile = sh.AvgDataFileBytes()
	}
	return nil
}

// publishHealth emits u's table-health gauges: known, or what the table's metadata says now.
func (c *Consumer) publishHealth(ctx context.Context, u *upkeep, known *iceberg.TableHealth) {
	mc := c.cfg.metrics
	if mc == nil {
		return
	}
	if known == nil {
		if u.tbl == nil {
			return
		}
		h, err := c.tm.Health(ctx, u.tbl)
		if err != nil {
			return
		}
		known = &h
	}
	h := *known
	dims := monitoring.Dimensions{"namespace": c.namespace(), "table": u.name}
	since := u.health.maintainedAt
	if since.IsZero() {
		since = c.started
	}
	for _, g := range []struct {
		name string
		v    float64
		unit monitoring.Unit
	}{
		{"cdc_table_snapshots", float64(h.Snapshots), monitoring.UnitNone},
		{"cdc_table_metadata_files", float64(h.MetadataFiles), monitoring.UnitNone},
		{"cdc_table_metadata_bytes", float64(h.MetadataBytes), monitoring.UnitBytes},
		{"cdc_table_data_files", float64(h.DataFiles), monitoring.UnitNone},
		{"cdc_table_delete_files", float64(h.DeleteFiles), monitoring.UnitNone},
		{"cdc_table_bytes", float64(h.Bytes), monitoring.UnitBytes},
		{"cdc_table_avg_data_file_bytes", float64(u.health.avgDataFile), monitoring.UnitBytes},
		{"cdc_table_last_commit_seconds", u.lastCommit.Seconds(), monitoring.UnitSeconds},
		{"cdc_table_since_maintenance_seconds", c.cfg.now().Sub(since).Seconds(), monitoring.UnitSeconds},
	} {
		mc.EmitGauge(ctx, g.name, g.v, g.unit, dims)
	}
}
