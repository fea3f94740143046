package postgres

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/etlwatch/etlwatch/extractors/extract"
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

// appender appends one decoded value (never nil) to a builder.
type appender func(b array.Builder, v any) error

func wrongValue(dt arrow.DataType, v any) error {
	return fmt.Errorf("cannot store %T value %v as %s", v, v, dt)
}

// appenderFor returns the appender for a field of type dt, fed with the values pgx's codecs
// decode the expression selectExpr chose into; decoderFor uses it for what it does not decode
// from the wire itself.
func appenderFor(dt arrow.DataType) appender {
	switch t := dt.(type) {
	case *arrow.Int16Type:
		return func(b array.Builder, v any) error {
			x, ok := v.(int16)
			if !ok {
				return wrongValue(dt, v)
			}
			b.(*array.Int16Builder).Append(x)
			return nil
		}
	case *arrow.Int32Type:
		return func(b array.Builder, v any) error {
			x, ok := v.(int32)
			if !ok {
				return wrongValue(dt, v)
			}
			b.(*array.Int32Builder).Append(x)
			return nil
		}
	case *arrow.Int64Type:
		return func(b array.Builder, v any) error {
			x, ok := v.(int64)
			if !ok {
				return wrongValue(dt, v)
			}
			b.(*array.Int64Builder).Append(x)
			return nil
		}
	case *arrow.Float32Type:
		return func(b array.Builder, v any) error {
			x, ok := v.(float32)
			if !ok {
				return wrongValue(dt, v)
			}
			b.(*array.Float32Builder).Append(x)
			return nil
		}
	case *arrow.Float64Type:
		return func(b array.Builder, v any) error {
			x, ok := v.(float64)
			if !ok {
				return wrongValue(dt, v)
			}
			b.(*array.Float64Builder).Append(x)
			return nil
		}
	case *arrow.BooleanType:
		return func(b array.Builder, v any) error {
			x, ok := v.(bool)
			if !ok {
				return wrongValue(dt, v)
			}
			b.(*array.BooleanBuilder).Append(x)
			return nil
		}
	case *arrow.StringType:
		return func(b array.Builder, v any) error {
			x, ok := v.(string)
			if !ok {
				return wrongValue(dt, v)
			}
			b.(*array.StringBuilder).Append(x)
			return nil
		}
	case *arrow.BinaryType:
		return func(b array.Builder, v any) error {
			x, ok := v.([]byte)
			if !ok {
				return wrongValue(dt, v)
			}
			b.(*array.BinaryBuilder).Append(x)
			return nil
		}
	case *arrow.Date32Type:
		return func(b array.Builder, v any) error {
			x, ok := v.(time.Time)
			if !ok {
				return wrongValue(dt, v) // ±infinity
			}
			b.(*array.Date32Builder).Append(arrow.Date32FromTime(x))
			return nil
		}
	case *arrow.TimestampType:
		return func(b array.Builder, v any) error {
			x, ok := v.(time.Time)
			if !ok {
				return wrongValue(dt, v) // ±infinity
			}
			if t.TimeZone == "" {
				// timestamp without time zone decodes as UTC wall-clock time.
				x = time.Date(x.Year(), x.Month(), x.Day(), x.Hour(), x.Minute(), x.Second(), x.Nanosecond(), time.UTC)
			}
			b.(*array.TimestampBuilder).Append(arrow.Timestamp(x.UnixMicro()))
			return nil
		}
	case *arrow.Time64Type:
		return func(b array.Builder, v any) error {
			x, ok := v.(pgtype.Time)
			if !ok || !x.Valid {
				return wrongValue(dt, v)
			}
			b.(*array.Time64Builder).Append(arrow.Time64(x.Microseconds))
			return nil
		}
	case *arrow.Decimal128Type:
		return func(b array.Builder, v any) error {
			s, ok := v.(string)
			if !ok {
				return wrongValue(dt, v)
			}
			n, err := decimal128.FromString(s, t.Precision, t.Scale)
			if err != nil {
				return fmt.Errorf("numeric %q as %s: %w", s, dt, err)
			}
			b.(*array.Decimal128Builder).Append(n)
			return nil
		}
	}
	return func(array.Builder, any) error { return fmt.Errorf("no reader for Arrow type %s", dt) }
}
