package postgres

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/etlwatch/etlwatch/extractors/extract"
	"github.com/etlwatch/etlwatch/extractors/internal/arrowappend"
)

// querier is what describe needs from a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

const columnsSQL = `SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), t.typname::text, a.attnotnull
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')
  AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum`

const primaryKeySQL = `SELECT a.attname::text
FROM pg_index i
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
WHERE n.nspname = $1 AND c.relname = $2 AND i.indisprimary
ORDER BY k.ord`

func describe(ctx context.Context, q querier, schema, table string) (*extract.Table, error) {
	type column struct {
		name, format, typname string
		notNull               bool
	}
	rows, err := q.Query(ctx, columnsSQL, schema, table)
	if err != nil {
		return nil, fmt.Errorf("postgres: describe %s.%s: %w", schema, table, err)
	}
	cols, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (column, error) {
		var c column
		err := r.Scan(&c.name, &c.format, &c.typname, &c.notNull)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: describe %s.%s: %w", schema, table, err)
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("postgres: describe %s.%s: no such table in schema %q", schema, table, schema)
	}
	rows, err = q.Query(ctx, primaryKeySQL, schema, table)
	if err != nil {
		return nil, fmt.Errorf("postgres: describe %s.%s: primary key: %w", schema, table, err)
	}
	pk, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("postgres: describe %s.%s: primary key: %w", schema, table, err)
	}
	fields := make([]arrow.Field, len(cols))
	types := make([]string, len(cols))
	for i, c := range cols {
		dt, err := arrowType(c.typname, c.format)
		if err != nil {
			return nil, &extract.UnsupportedTypeError{Table: table, Column: c.name, Type: c.format}
		}
		fields[i] = arrow.Field{Name: c.name, Type: dt, Nullable: !c.notNull}
		types[i] = c.format
	}
	return extract.NewTable(table, fields, types, pk), nil
}

var numericRE = regexp.MustCompile(`^numeric\((\d+),(\d+)\)$`)

// errUnsupported marks a type without a mapping.
var errUnsupported = fmt.Errorf("unsupported")

// arrowType maps a column's pg_type name and format_type text to an Arrow type.
func arrowType(typname, format string) (arrow.DataType, error) {
	switch typname {
	case "int2":
		return arrow.PrimitiveTypes.Int16, nil
	case "int4":
		return arrow.PrimitiveTypes.Int32, nil
	case "int8":
		return arrow.PrimitiveTypes.Int64, nil
	case "float4":
		return arrow.PrimitiveTypes.Float32, nil
	case "float8":
		return arrow.PrimitiveTypes.Float64, nil
	case "bool":
		return arrow.FixedWidthTypes.Boolean, nil
	case "text", "varchar", "bpchar", "name", "uuid", "json", "jsonb":
		return arrow.BinaryTypes.String, nil
	case "bytea":
		return arrow.BinaryTypes.Binary, nil
	case "date":
		return arrow.FixedWidthTypes.Date32, nil
	case "timestamp":
		return &arrow.TimestampType{Unit: arrow.Microsecond}, nil
	case "timestamptz":
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, nil
	case "time":
		return arrow.FixedWidthTypes.Time64us, nil
	case "numeric":
		m := numericRE.FindStringSubmatch(format)
		if m == nil {
			return arrow.BinaryTypes.String, nil // unconstrained numeric
		}
		p, _ := strconv.Atoi(m[1])
		s, _ := strconv.Atoi(m[2])
		if p > 38 {
			return arrow.BinaryTypes.String, nil
		}
		return &arrow.Decimal128Type{Precision: int32(p), Scale: int32(s)}, nil
	}
	return nil, errUnsupported
}

// selectExpr is how a column of Arrow type dt and declared type source is selected: strings as
// text (uuid, json, unconstrained numeric), except char(n), which a cast to text would strip of
// its padding.
func selectExpr(quoted string, dt arrow.DataType, source string) string {
	if source == "character" || strings.HasPrefix(source, "character(") {
		return quoted
	}
	switch dt.ID() {
	case arrow.STRING:
		return quoted + "::text"
	}
	return quoted
}

// appenderFor returns the appender for a field of type dt, fed with the values pgx's codecs
// decode the expression selectExpr chose into; decoderFor uses it for what it does not decode
// from the wire itself.
func appenderFor(dt arrow.DataType) arrowappend.Func {
	noZone := false
	if t, ok := dt.(*arrow.TimestampType); ok {
		noZone = t.TimeZone == ""
	}
	return arrowappend.For(dt, arrowappend.Decoding{
		Int: func(v any) (int64, error) {
			switch x := v.(type) {
			case int16:
				return int64(x), nil
			case int32:
				return int64(x), nil
			case int64:
				return x, nil
			}
			return 0, arrowappend.ErrMismatch
		},
		Float:  arrowappend.AnyFloat,
		Bool:   is[bool],
		String: arrowappend.AnyText,
		Binary: arrowappend.OnlyBytes,
		Time: func(v any) (time.Time, error) {
			x, ok := v.(time.Time) // not so for ±infinity
			if !ok {
				return time.Time{}, arrowappend.ErrMismatch
			}
			if noZone { // timestamp without time zone decodes as UTC wall-clock time
				x = time.Date(x.Year(), x.Month(), x.Day(), x.Hour(), x.Minute(), x.Second(), x.Nanosecond(), time.UTC)
			}
			return x, nil
		},
		Clock: func(v any) (time.Duration, error) {
			x, ok := v.(pgtype.Time)
			if !ok || !x.Valid {
				return 0, arrowappend.ErrMismatch
			}
			return time.Duration(x.Microseconds) * time.Microsecond, nil
		},
		Decimal: is[string], // numeric in text format, see decoderFor
	})
}

// is returns v as a T, or [arrowappend.ErrMismatch].
func is[T any](v any) (T, error) {
	x, ok := v.(T)
	if !ok {
		return x, arrowappend.ErrMismatch
	}
	return x, nil
}
