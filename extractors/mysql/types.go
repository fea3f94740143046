package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/etlwatch/etlwatch/extractors/extract"
	"github.com/etlwatch/etlwatch/extractors/internal/arrowappend"
	"github.com/etlwatch/etlwatch/extractors/internal/sqlnames"
)

// querier is what describe needs from a pool or a connection.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

const columnsSQL = `SELECT column_name, data_type, column_type, is_nullable,
  COALESCE(numeric_precision, 0), COALESCE(numeric_scale, 0)
FROM information_schema.columns
WHERE table_schema = ? AND table_name = ?
ORDER BY ordinal_position`

const primaryKeySQL = `SELECT column_name FROM information_schema.statistics
WHERE table_schema = ? AND table_name = ? AND index_name = 'PRIMARY'
ORDER BY seq_in_index`

type column struct {
	name, dataType, columnType, nullable string
	precision, scale                     int64
}

func describe(ctx context.Context, q querier, database, table string) (*extract.Table, error) {
	cols, err := queryColumns(ctx, q, database, table)
	if err != nil {
		return nil, fmt.Errorf("mysql: describe %s.%s: %w", database, table, err)
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("mysql: describe %s.%s: no such table in database %q", database, table, database)
	}
	pk, err := sqlnames.Strings(ctx, q, primaryKeySQL, database, table)
	if err != nil {
		return nil, fmt.Errorf("mysql: describe %s.%s: primary key: %w", database, table, err)
	}
	fields := make([]arrow.Field, len(cols))
	types := make([]string, len(cols))
	for i, c := range cols {
		dt, ok := arrowType(c)
		if !ok {
			return nil, &extract.UnsupportedTypeError{Table: table, Column: c.name, Type: c.columnType}
		}
		fields[i] = arrow.Field{Name: c.name, Type: dt, Nullable: c.nullable == "YES"}
		types[i] = c.columnType
	}
	return extract.NewTable(table, fields, types, pk), nil
}

func queryColumns(ctx context.Context, q querier, database, table string) ([]column, error) {
	rows, err := q.QueryContext(ctx, columnsSQL, database, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []column
	for rows.Next() {
		var c column
		if err := rows.Scan(&c.name, &c.dataType, &c.columnType, &c.nullable, &c.precision, &c.scale); err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	return cols, rows.Err()
}

// arrowType maps a column to an Arrow type by its data_type and column_type.
func arrowType(c column) (arrow.DataType, bool) {
	ct := strings.ToLower(c.columnType)
	unsigned := strings.Contains(ct, "unsigned")
	switch strings.ToLower(c.dataType) {
	case "tinyint":
		switch {
		case !unsigned && strings.HasPrefix(ct, "tinyint(1)"):
			return arrow.FixedWidthTypes.Boolean, true
		case unsigned:
			return arrow.PrimitiveTypes.Int16, true
		}
		return arrow.PrimitiveTypes.Int8, true
	case "smallint":
		if unsigned {
			return arrow.PrimitiveTypes.Int32, true
		}
		return arrow.PrimitiveTypes.Int16, true
	case "mediumint":
		return arrow.PrimitiveTypes.Int32, true // unsigned mediumint fits too
	case "int", "integer":
		if unsigned {
			return arrow.PrimitiveTypes.Int64, true
		}
		return arrow.PrimitiveTypes.Int32, true
	case "bigint":
		if unsigned {
			return arrow.PrimitiveTypes.Uint64, true
		}
		return arrow.PrimitiveTypes.Int64, true
	case "decimal", "numeric":
		if c.precision < 1 || c.precision > 38 {
			return arrow.BinaryTypes.String, true
		}
		return &arrow.Decimal128Type{Precision: int32(c.precision), Scale: int32(c.scale)}, true
	case "float":
		return arrow.PrimitiveTypes.Float32, true
	case "double", "real":
		return arrow.PrimitiveTypes.Float64, true
	case "char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set", "json", "time":
		return arrow.BinaryTypes.String, true
	case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob", "bit":
		return arrow.BinaryTypes.Binary, true
	case "date":
		return arrow.FixedWidthTypes.Date32, true
	case "datetime":
		return &arrow.TimestampType{Unit: arrow.Microsecond}, true
	case "timestamp":
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, true
	case "year":
		return arrow.PrimitiveTypes.Int16, true
	}
	return nil, false
}

// selectExpr returns the select-list expression that reads a column of Arrow type dt. DATE,
// DATETIME and TIMESTAMP are read as text (CAST AS CHAR) and parsed by [asTime]: the driver's
// own parsing turns the invalid dates the server can store ('2024-00-15' without
// NO_ZERO_IN_DATE, '2024-02-31' with ALLOW_INVALID_DATES) into other, valid dates. FLOAT is
// read as DOUBLE: the text protocol prints a FLOAT with 6 significant digits (16777215 as
// 16777200), a DOUBLE with all it needs, and the float32 of that double is the stored value.
func selectExpr(name string, dt arrow.DataType) string {
	switch dt.ID() {
	case arrow.DATE32, arrow.TIMESTAMP:
		return "CAST(" + quote(name) + " AS CHAR)"
	case arrow.FLOAT32:
		return "CAST(" + quote(name) + " AS DOUBLE)"
	}
	return quote(name)
}

// asTime parses a DATE, DATETIME or TIMESTAMP value as the server prints it, "2024-02-29" or
// "2024-02-29 13:14:15[.ffffff]", as a UTC time. The zero date ("0000-00-00", with or without
// a time of zeros) is the zero time.Time, 0001-01-01; a date with a zero month or day, or a day
// its month does not have, is an error.
func asTime(v any) (time.Time, error) {
	var s string
	switch x := v.(type) {
	case time.Time:
		return x, nil
	case []byte:
		s = string(x)
	case string:
		s = x
	default:
		return time.Time{}, fmt.Errorf("cannot read %T value %v as a date or time", v, v)
	}
	if strings.Trim(s, "0-:. ") == "" {
		return time.Time{}, nil
	}
	layout := "2006-01-02 15:04:05.999999"
	if len(s) == len(time.DateOnly) {
		layout = time.DateOnly
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date Arrow can hold (a zero month or day, or a day the month does not have): %w", s, err)
	}
	return t, nil
}

// decoding is how a value of the text protocol (int64, uint64, float64, or the bytes the server
// sent) becomes a Go value of each kind of column.
var decoding = arrowappend.Decoding{
	Int: func(v any) (int64, error) {
		switch t := v.(type) {
		case int64:
			return t, nil
		case uint64:
			if t <= math.MaxInt64 {
				return int64(t), nil
			}
		case []byte:
			if n, err := strconv.ParseInt(string(t), 10, 64); err == nil {
				return n, nil
			}
		}
		return 0, arrowappend.ErrMismatch
	},
	Uint: func(v any) (uint64, error) {
		switch x := v.(type) {
		case uint64:
			return x, nil
		case int64:
			if x >= 0 {
				return uint64(x), nil
			}
		case []byte:
			if n, err := strconv.ParseUint(string(x), 10, 64); err == nil {
				return n, nil
			}
		}
		return 0, arrowappend.ErrMismatch
	},
	Float: arrowappend.AnyFloat,
	Bool: func(v any) (bool, error) { // tinyint(1)
		switch x := v.(type) {
		case int64:
			if x >= math.MinInt8 && x <= math.MaxInt8 {
				return x != 0, nil
			}
		case []byte:
			if n, err := strconv.ParseInt(string(x), 10, 8); err == nil {
				return n != 0, nil
			}
		}
		return false, arrowappend.ErrMismatch
	},
	String: arrowappend.AnyText,
	Binary: arrowappend.OnlyBytes,
	// Read as text in the session time_zone '+00:00': DATETIME as its wall-clock time, TIMESTAMP
	// as the UTC instant.
	Time: asTime,
	Decimal: func(v any) (string, error) {
		if s, ok := v.([]byte); ok {
			return string(s), nil
		}
		return "", arrowappend.ErrMismatch
	},
}

// appenderFor returns the appender for a field of type dt.
func appenderFor(dt arrow.DataType) arrowappend.Func { return arrowappend.For(dt, decoding) }
