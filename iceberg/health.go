package iceberg

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/apache/iceberg-go/table"
)

// DefaultMetadataVersions is how many previous metadata.json versions [TableManager.BoundMetadata]
// keeps when the table does not say (Iceberg's own default keeps 100 and deletes none).
const DefaultMetadataVersions = 10

// BoundMetadata makes every later commit to tbl delete the metadata.json versions beyond the
// keep newest: it sets Iceberg's write.metadata.delete-after-commit.enabled to true and
// write.metadata.previous-versions-max to keep (default [DefaultMetadataVersions] when keep is
// 0), unless the table already sets them (a user's choice wins). Without it each commit leaves
// one more metadata.json, a stream's thousands a day, none ever removed. It returns the table
// after the commit, or tbl when there was nothing to change.
func (m *TableManager) BoundMetadata(ctx context.Context, tbl *table.Table, keep int) (*table.Table, error) {
	if keep <= 0 {
		keep = DefaultMetadataVersions
	}
	props := tbl.Properties()
	set := map[string]string{}
	if _, ok := props[table.MetadataDeleteAfterCommitEnabledKey]; !ok {
		set[table.MetadataDeleteAfterCommitEnabledKey] = "true"
	}
	if _, ok := props[table.MetadataPreviousVersionsMaxKey]; !ok {
		set[table.MetadataPreviousVersionsMaxKey] = strconv.Itoa(keep)
	}
	if len(set) == 0 {
		return tbl, nil
	}
	tx := tbl.NewTransaction()
	if err := tx.SetProperties(set); err != nil {
		return nil, fmt.Errorf("iceberg: bound the metadata of %s: %w", dotted(tbl.Identifier()), err)
	}
	next, err := tx.Commit(ctx)
	if err != nil {
		return nil, fmt.Errorf("iceberg: bound the metadata of %s: %w", dotted(tbl.Identifier()), err)
	}
	return next, nil
}

// TableHealth is what a table's metadata says about how costly it is to commit to and to read.
// [TableManager.Health] reads it from the metadata alone; the scan figures need the scan plan
// ([TableManager.ScanHealth]).
type TableHealth struct {
	// Snapshots is the number of snapshots the metadata holds; OldestSnapshot the time of the
	// oldest (zero without snapshots).
	Snapshots      int
	OldestSnapshot time.Time
	// MetadataFiles counts the metadata.json versions the metadata log still names, the
	// current one included; MetadataBytes is the size of the current one.
	MetadataFiles int
	MetadataBytes int64
	// DataFiles, DeleteFiles, Bytes and Records are the current snapshot's totals (Iceberg's
	// total-data-files, total-delete-files, total-files-size and total-records; Records counts
	// rows before merge-on-read deletes).
	DataFiles, DeleteFiles int64
	Bytes, Records         int64
	// EqualityDeletes is the number of keys the equality-delete files hold (Iceberg's
	// total-equality-deletes); PositionDeletes the number of rows position deletes and
	// deletion vectors remove (total-position-deletes).
	EqualityDeletes, PositionDeletes int64
}

// ScanHealth is what a scan of a table would read ([TableManager.ScanHealth]).
type ScanHealth struct {
	// DataFiles and DeleteFiles are the files of the scan plan (delete files counted once
	// however many data files they apply to); DataBytes the data files' size.
	DataFiles, DeleteFiles int
	DataBytes              int64
}

// AvgDataFileBytes is the data files' average size; 0 without data files.
func (s ScanHealth) AvgDataFileBytes() int64 {
	if s.DataFiles == 0 {
		return 0
	}
	return s.DataBytes / int64(s.DataFiles)
}

// Health reads tbl's [TableHealth]: from the loaded metadata, plus one stat of the current
// metadata file.
func (m *TableManager) Health(ctx context.Context, tbl *table.Table) (TableHealth, error) {
	md := tbl.Metadata()
	h := TableHealth{Snapshots: len(md.Snapshots()), MetadataFiles: 1}
	for range md.PreviousFiles() {
		h.MetadataFiles++
	}
	for _, s := range md.Snapshots() {
		at := time.UnixMilli(s.TimestampMs)
		if h.OldestSnapshot.IsZero() || at.Before(h.OldestSnapshot) {
			h.OldestSnapshot = at
		}
	}
	if s := tbl.CurrentSnapshot(); s != nil && s.Summary != nil {
		n := func(key string) int64 { v, _ := strconv.ParseInt(s.Summary.Properties[key], 10, 64); return v }
		h.DataFiles, h.DeleteFiles = n("total-data-files"), n("total-delete-files")
		h.Bytes, h.Records = n("total-files-size"), n("total-records")
		h.EqualityDeletes, h.PositionDeletes = n("total-equality-deletes"), n("total-position-deletes")
	}
	fs, err := tbl.FS(ctx)
	if err != nil {
		return h, fmt.Errorf("iceberg: health of %s: %w", dotted(tbl.Identifier()), err)
	}
	f, err := fs.Open(tbl.MetadataLocation())
	if err != nil {
		return h, fmt.Errorf("iceberg: health of %s: %w", dotted(tbl.Identifier()), err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return h, fmt.Errorf("iceberg: health of %s: %w", dotted(tbl.Identifier()), err)
	}
	h.MetadataBytes = st.Size()
	return h, nil
}

// ScanHealth plans a scan of tbl and counts what it would read. It reads every manifest of the
// current snapshot: cheap for a maintained table, worth doing now and then, not per commit.
func (m *TableManager) ScanHealth(ctx context.Context, tbl *table.Table) (ScanHealth, error) {
	var h ScanHealth
	if tbl.CurrentSnapshot() == nil {
		return h, nil
	}
	tasks, err := tbl.Scan().PlanFiles(ctx)
	if err != nil {
		return h, fmt.Errorf("iceberg: scan health of %s: %w", dotted(tbl.Identifier()), err)
	}
	h.DataFiles, h.DeleteFiles, h.DataBytes = len(tasks), countDeleteFiles(tasks), dataBytes(tasks)
	return h, nil
}

// OrphanResult is what [TableManager.RemoveOrphanFiles] removed.
type OrphanResult struct {
	Files int
	Bytes int64
}

// RemoveOrphanFiles deletes the files under tbl's location that no snapshot and no metadata
// file references and that are older than olderThan: what a writer that crashed between writing
// its files and committing them left behind. olderThan must exceed the longest time a live
// writer takes from writing a file to committing it (a day is Iceberg's usual margin; it is
// never below one minute here).
func (m *TableManager) RemoveOrphanFiles(ctx context.Context, tbl *table.Table, olderThan time.Duration) (OrphanResult, error) {
	res, err := tbl.DeleteOrphanFiles(ctx, table.WithFilesOlderThan(max(olderThan, time.Minute)))
	if err != nil {
		return OrphanResult{}, fmt.Errorf("iceberg: remove orphan files of %s: %w", dotted(tbl.Identifier()), err)
	}
	return OrphanResult{Files: len(res.DeletedFiles), Bytes: res.TotalSizeBytes}, nil
}
