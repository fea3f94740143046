package iceberg

import (
	"container/list"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	goiceberg "github.com/apache/iceberg-go"
	iceio "github.com/apache/iceberg-go/io"
	"github.com/apache/iceberg-go/table"
	"github.com/apache/iceberg-go/table/dv"
	"github.com/google/uuid"
)

// KeyIndex remembers, for data files of keyed tables, the row position of every key in the
// file, so that [TableManager.Apply] with [DeleteByPosition] finds the rows a change replaces
// without reading the table. Data files never change once written, so an entry stays right for
// as long as its file lives; the index drops the files a table no longer holds, and the least
// recently used ones beyond its bound. Building a file's entry reads the key columns of that file
// once. A KeyIndex may serve several tables and is safe for concurrent use.
type KeyIndex struct {
	maxRows int64

	mu    sync.Mutex
	rows  int64
	byKey map[string]*list.Element // "table\x00path" -> element of lru (*fileKeys)
	lru   *list.List
}

// NewKeyIndex returns a KeyIndex that keeps the keys of at most maxRows rows (0: 10 million).
// An entry costs about 43 bytes a row of an integer key (BenchmarkKeyIndex), more for strings; a data file of more rows than maxRows cannot be indexed,
// and a change touching it is written with equality deletes instead (see [DeleteByPosition]).
func NewKeyIndex(maxRows int64) *KeyIndex {
	if maxRows <= 0 {
		maxRows = 10_000_000
	}
	return &KeyIndex{maxRows: maxRows, byKey: map[string]*list.Element{}, lru: list.New()}
}

// Rows is the number of rows the index holds now.
func (x *KeyIndex) Rows() int64 {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.rows
}

// fileKeys is the index of one data file: each key's first position, and any later ones.
type fileKeys struct {
	id    string
	table string
	rows  int64
	first map[string]int64
	more  map[string][]int64
}

// positions appends the positions of key in the file to out.
func (f *fileKeys) positions(key string, out []int64) []int64 {
	p, ok := f.first[key]
	if !ok {
		return out
	}
	return append(append(out, p), f.more[key]...)
}

// errIndexBound says a data file holds more rows than a KeyIndex may keep.
var errIndexBound = errors.New("iceberg: a data file has more rows than the key index may hold")

// file returns the index of df, a data file of the table named tbl, building it when missing.
func (x *KeyIndex) file(ctx context.Context, fs iceio.IO, tbl string, df goiceberg.DataFile, keyIDs []int, keyNames []string) (*fileKeys, error) {
	id := tbl + "\x00" + df.FilePath()
	x.mu.Lock()
	if el, ok := x.byKey[id]; ok {
		x.lru.MoveToFront(el)
		x.mu.Unlock()
		return el.Value.(*fileKeys), nil
	}
	x.mu.Unlock()
	if df.Count() > x.maxRows {
		return nil, fmt.Errorf("%w: %s has %d rows, the bound is %d", errIndexBound, df.FilePath(), df.Count(), x.maxRows)
	}
	fk, err := readKeys(ctx, fs, df.FilePath(), keyIDs, keyNames)
	if err != nil {
		return nil, fmt.Errorf("index the keys of %s: %w", df.FilePath(), err)
	}
	fk.id, fk.table = id, tbl
	x.mu.Lock()
	defer x.mu.Unlock()
	if el, ok := x.byKey[id]; ok { // built meanwhile by another caller
		return el.Value.(*fileKeys), nil
	}
	x.byKey[id] = x.lru.PushFront(fk)
	x.rows += fk.rows
	for x.rows > x.maxRows && x.lru.Len() > 1 {
		x.drop(x.lru.Back())
	}
	return fk, nil
}

// retain drops the entries of table tbl whose files are not in live.
func (x *KeyIndex) retain(tbl string, live map[string]struct{}) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for el := x.lru.Front(); el != nil; {
		next := el.Next()
		if fk := el.Value.(*fileKeys); fk.table == tbl {
			if _, ok := live[fk.id[len(tbl)+1:]]; !ok {
				x.drop(el)
			}
		}
		el = next
	}
}

func (x *KeyIndex) drop(el *list.Element) {
	fk := x.lru.Remove(el).(*fileKeys)
	delete(x.byKey, fk.id)
	x.rows -= fk.rows
}

// readKeys reads the key columns of the Parquet data file at path (matched by field ID, else by
// name) and indexes them by position.
func readKeys(ctx context.Context, fs iceio.IO, path string, keyIDs []int, keyNames []string) (fk *fileKeys, err error) {
	err = withParquet(fs, path, func(pf *file.Reader, fr *pqarrow.FileReader) error {
		fk, err = indexKeys(ctx, pf, fr, keyIDs, keyNames)
		return err
	})
	return fk, err
}

// indexKeys indexes the key columns of the Parquet file pf (read through fr) by position.
func indexKeys(ctx context.Context, pf *file.Reader, fr *pqarrow.FileReader, keyIDs []int, keyNames []string) (*fileKeys, error) {
	sc := pf.MetaData().Schema
	cols := make([]int, len(keyIDs))
	for i, id := range keyIDs {
		cols[i] = -1
		for c := range sc.NumColumns() {
			if int(sc.Column(c).SchemaNode().FieldID()) == id {
				cols[i] = c
				break
			}
		}
		if cols[i] < 0 {
			cols[i] = sc.ColumnIndexByName(keyNames[i])
		}
		if cols[i] < 0 {
			return nil, fmt.Errorf("no key column %q", keyNames[i])
		}
	}
	rr, err := fr.GetRecordReader(ctx, cols, nil)
	if err != nil {
		return nil, err
	}
	defer rr.Release()
	n := pf.NumRows()
	fk := &fileKeys{rows: n, first: make(map[string]int64, n)}
	var pos int64
	var buf []byte
	for rr.Next() {
		rec := rr.RecordBatch()
		keyCols := make([]arrow.Array, len(keyIDs))
		for i := range keyIDs {
			keyCols[i] = rec.Column(i) // the reader returns the columns in the order asked
		}
		for r := range int(rec.NumRows()) {
			if buf, err = appendKey(buf[:0], keyCols, r); err != nil {
				return nil, err
			}
			if _, dup := fk.first[string(buf)]; dup {
				if fk.more == nil {
					fk.more = map[string][]int64{}
				}
				fk.more[string(buf)] = append(fk.more[string(buf)], pos)
			} else {
				fk.first[string(buf)] = pos
			}
			pos++
		}
	}
	if err := rr.Err(); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return fk, ctx.Err()
}

// errKeyType says a key column's type cannot be indexed.
var errKeyType = errors.New("a key column's type cannot be indexed")

// appendKey appends the encoding of row i of the key columns cols to buf: integers (and dates,
// times, timestamps) as 8 bytes whatever their width, so that a change's int32 and the file's
// int64 of the same key agree; strings and binaries with their length.
func appendKey(buf []byte, cols []arrow.Array, i int) ([]byte, error) {
	for _, c := range cols {
		if c.IsNull(i) {
			return nil, errors.New("a key column holds NULL")
		}
		if v, ok := integerAt(c, i); ok {
			buf = binary.BigEndian.AppendUint64(buf, uint64(v))
			continue
		}
		switch a := c.(type) {
		case *array.String:
			buf = appendBytes(buf, a.Value(i))
		case *array.LargeString:
			buf = appendBytes(buf, a.Value(i))
		case *array.Binary:
			buf = appendBytes(buf, string(a.Value(i)))
		case *array.LargeBinary:
			buf = appendBytes(buf, string(a.Value(i)))
		case *array.FixedSizeBinary:
			buf = appendBytes(buf, string(a.Value(i)))
		case *array.Decimal128:
			v := a.Value(i)
			buf = binary.BigEndian.AppendUint64(buf, uint64(v.HighBits()))
			buf = binary.BigEndian.AppendUint64(buf, v.LowBits())
		default:
			return nil, fmt.Errorf("%w: %s", errKeyType, c.DataType())
		}
	}
	return buf, nil
}

// integerAt returns row i of c as an int64 when c holds integers (dates, times and timestamps
// included) or booleans.
func integerAt(c arrow.Array, i int) (int64, bool) {
	switch a := c.(type) {
	case *array.Int64:
		return a.Value(i), true
	case *array.Int32:
		return int64(a.Value(i)), true
	case *array.Int16:
		return int64(a.Value(i)), true
	case *array.Int8:
		return int64(a.Value(i)), true
	case *array.Uint32:
		return int64(a.Value(i)), true
	case *array.Uint16:
		return int64(a.Value(i)), true
	case *array.Uint8:
		return int64(a.Value(i)), true
	case *array.Date32:
		return int64(a.Value(i)), true
	case *array.Time64:
		return int64(a.Value(i)), true
	case *array.Timestamp:
		return int64(a.Value(i)), true
	case *array.Boolean:
		if a.Value(i) {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

func appendBytes(buf []byte, s string) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(s)))
	return append(buf, s...)
}

// changeKeys returns the encoded keys of the key batches (the key columns of a change's upserts
// and deletes).
func changeKeys(keyBatches []arrow.RecordBatch) ([]string, error) {
	var out []string
	seen := map[string]struct{}{}
	var buf []byte
	var err error
	for _, k := range keyBatches {
		cols := k.Columns()
		for r := range int(k.NumRows()) {
			if buf, err = appendKey(buf[:0], cols, r); err != nil {
				return nil, err
			}
			if _, dup := seen[string(buf)]; !dup {
				seen[string(buf)] = struct{}{}
				out = append(out, string(buf))
			}
		}
	}
	return out, nil
}

// positionDeletes writes, as one Puffin file of deletion vectors, the positions of keys in the
// live data files of cur, each merged with the vector its file already has; it returns the new
// vectors, the ones they replace, and how many rows they delete. keys are the encoded keys of a
// change, unique.
func (m *TableManager) positionDeletes(ctx context.Context, cur *table.Table, idx *KeyIndex, keyIDs []int, keyNames []string, keys []string) (added, replaced []goiceberg.DataFile, deleted int64, err error) {
	if cur.CurrentSnapshot() == nil || len(keys) == 0 {
		return nil, nil, 0, nil
	}
	fs, err := cur.FS(ctx)
	if err != nil {
		return nil, nil, 0, err
	}
	wfs, ok := fs.(iceio.WriteFileIO)
	if !ok {
		return nil, nil, 0, errors.New("the table's file system cannot write")
	}
	tasks, err := cur.Scan().PlanFiles(ctx)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("plan files: %w", err)
	}
	name := dotted(cur.Identifier())
	live := make(map[string]struct{}, len(tasks))
	md := cur.Metadata()
	w := dv.NewDVWriter(wfs, func(id int32) *goiceberg.PartitionSpec { return md.PartitionSpecByID(int(id)) })
	var pos []int64
	for _, t := range tasks {
		live[t.File.FilePath()] = struct{}{}
		fk, err := idx.file(ctx, fs, name, t.File, keyIDs, keyNames)
		if err != nil {
			return nil, nil, 0, err
		}
		pos = pos[:0]
		for _, k := range keys {
			pos = fk.positions(k, pos)
		}
		if len(pos) == 0 {
			continue
		}
		var old *dv.RoaringPositionBitmap
		if len(t.DeletionVectorFiles) > 0 {
			if old, err = dv.ReadDV(fs, t.DeletionVectorFiles[0]); err != nil {
				return nil, nil, 0, fmt.Errorf("read the deletion vector of %s: %w", t.File.FilePath(), err)
			}
		}
		fresh := int64(0)
		for _, p := range pos {
			if old == nil || !old.Contains(uint64(p)) {
				fresh++
			}
		}
		if fresh == 0 {
			continue // every row already deleted
		}
		deleted += fresh
		spec, part := int32(t.File.SpecID()), t.File.Partition()
		if old != nil {
			w.Load(t.File.FilePath(), old, spec, part)
			replaced = append(replaced, t.DeletionVectorFiles[0])
		}
		if err := w.Add(t.File.FilePath(), pos, spec, part); err != nil {
			return nil, nil, 0, err
		}
	}
	idx.retain(name, live)
	if deleted == 0 {
		return nil, nil, 0, nil
	}
	loc := cur.Location() + "/data/" + uuid.NewString() + "-deletes.puffin"
	if added, err = w.Flush(ctx, loc); err != nil {
		_ = wfs.Remove(loc)
		return nil, nil, 0, fmt.Errorf("write deletion vectors: %w", err)
	}
	return added, replaced, deleted, nil
}

// EnableDeletionVectors upgrades tbl to Iceberg format version 3, which deletion vectors need
// ([DeleteByPosition]), and returns the table after the commit (tbl itself when it is already
// version 3). The upgrade cannot be undone, and the table's readers must then read version 3.
func (m *TableManager) EnableDeletionVectors(ctx context.Context, tbl *table.Table) (*table.Table, error) {
	if supportsVectors(tbl) {
		return tbl, nil
	}
	tx := tbl.NewTransaction()
	if err := tx.UpgradeFormatVersion(3); err != nil {
		return nil, fmt.Errorf("iceberg: upgrade %s to format version 3: %w", dotted(tbl.Identifier()), err)
	}
	next, err := tx.Commit(ctx)
	if err != nil {
		return nil, fmt.Errorf("iceberg: upgrade %s to format version 3: %w", dotted(tbl.Identifier()), err)
	}
	return next, nil
}

// supportsVectors reports whether tbl's format version holds deletion vectors.
func supportsVectors(tbl *table.Table) bool { return tbl.Metadata().Version() >= 3 }
