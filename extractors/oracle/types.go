package oracle

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/etlwatch/etlwatch/extractors/extract"
	"github.com/etlwatch/etlwatch/extractors/internal/arrowappend"
)

// querier is what the catalog queries need from a pool or a connection.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// column is one row of ALL_TAB_COLUMNS. The numbers are -1 when the catalog has NULL.
type column struct {
	name, dataType, typeOwner string
	length, precision, scale  int64
	charLength                int64
	nullable                  bool
}

func queryColumns(ctx context.Context, q querier, owner, table string) ([]column, error) {
	rows, err := q.QueryContext(ctx, columnsSQL, owner, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []column
	for rows.Next() {
		var (
			c                            column
			typeOwner                    sql.NullString
			length, prec, scale, charLen sql.NullInt64
			nullable                     string
		)
		if err := rows.Scan(&c.name, &c.dataType, &typeOwner, &length, &prec, &scale, &charLen, &nullable); err != nil {
			return nil, err
		}
		orMinus := func(n sql.NullInt64) int64 {
			if n.Valid {
				return n.Int64
			}
			return -1
		}
		c.typeOwner = typeOwner.String
		c.length, c.precision, c.scale, c.charLength = orMinus(length), orMinus(prec), orMinus(scale), orMinus(charLen)
		c.nullable = nullable != "N"
		cols = append(cols, c)
	}
	return cols, rows.Err()
}

// newTable maps the catalog's columns and primary key to an [extract.Table], or returns an
// [*extract.UnsupportedTypeError] for the first column without a mapping.
func newTable(table string, cols []column, pk []string) (*extract.Table, error) {
	fields := make([]arrow.Field, len(cols))
	types := make([]string, len(cols))
	for i, c := range cols {
		types[i] = sourceType(c)
		dt, ok := arrowType(c)
		if !ok {
			return nil, &extract.UnsupportedTypeError{Table: table, Column: c.name, Type: types[i]}
		}
		fields[i] = arrow.Field{Name: c.name, Type: dt, Nullable: c.nullable}
	}
	return extract.NewTable(table, fields, types, pk), nil
}

// sourceType returns the column's type as it would be declared, such as "NUMBER(12,2)",
// "VARCHAR2(40)" or "TIMESTAMP(6) WITH TIME ZONE".
func sourceType(c column) string {
	dt := strings.ToUpper(strings.TrimSpace(c.dataType))
	if c.typeOwner != "" && !strings.EqualFold(c.typeOwner, "PUBLIC") {
		dt = c.typeOwner + "." + c.dataType
	}
	switch dt {
	case "NUMBER":
		switch {
		case c.precision < 0 && c.scale < 0:
			return "NUMBER"
		case c.precision < 0:
			return fmt.Sprintf("NUMBER(*,%d)", c.scale)
		case c.scale == 0:
			return fmt.Sprintf("NUMBER(%d)", c.precision)
		}
		return fmt.Sprintf("NUMBER(%d,%d)", c.precision, c.scale)
	case "FLOAT":
		if c.precision > 0 {
			return fmt.Sprintf("FLOAT(%d)", c.precision)
		}
	case "VARCHAR2", "NVARCHAR2", "CHAR", "NCHAR":
		if c.charLength > 0 {
			return fmt.Sprintf("%s(%d)", dt, c.charLength)
		}
	case "RAW":
		if c.length > 0 {
			return fmt.Sprintf("RAW(%d)", c.length)
		}
	}
	return dt
}

// The kinds of timestamp column, which are read differently (see selectExpr).
const (
	withTimeZone      = "WITH TIME ZONE"
	withLocalTimeZone = "WITH LOCAL TIME ZONE"
)

// arrowType maps a column to an Arrow type; see the package documentation.
func arrowType(c column) (arrow.DataType, bool) {
	if c.typeOwner != "" && !strings.EqualFold(c.typeOwner, "PUBLIC") {
		return nil, false // object types, XMLTYPE, ANYDATA, ...
	}
	dt := strings.ToUpper(strings.TrimSpace(c.dataType))
	switch dt {
	case "NUMBER":
		return numberType(c.precision, c.scale), true
	case "FLOAT", "BINARY_DOUBLE":
		return arrow.PrimitiveTypes.Float64, true
	case "BINARY_FLOAT":
		return arrow.PrimitiveTypes.Float32, true
	case "VARCHAR2", "NVARCHAR2", "CHAR", "NCHAR", "CLOB", "NCLOB", "JSON", "ROWID", "UROWID":
		return arrow.BinaryTypes.String, true
	case "RAW", "BLOB":
		return arrow.BinaryTypes.Binary, true
	case "BOOLEAN": // Oracle 23ai
		return arrow.FixedWidthTypes.Boolean, true
	case "DATE":
		return &arrow.TimestampType{Unit: arrow.Second}, true
	}
	if strings.HasPrefix(dt, "TIMESTAMP") {
		if strings.HasSuffix(dt, withTimeZone) || strings.HasSuffix(dt, withLocalTimeZone) {
			return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, true
		}
		if !strings.Contains(dt, " ") {
			return &arrow.TimestampType{Unit: arrow.Microsecond}, true
		}
	}
	return nil, false // INTERVAL, LONG, LONG RAW, BFILE, XMLTYPE, VECTOR, ...
}

// numberType maps NUMBER(precision, scale), -1 standing for a NULL in the catalog.
func numberType(precision, scale int64) arrow.DataType {
	switch {
	case precision < 0 && scale < 0:
		return arrow.BinaryTypes.String // NUMBER: floating decimal of up to 40 digits
	case precision < 0:
		precision = 38 // NUMBER(*,s); INTEGER is NUMBER(*,0)
	}
	p, s := precision, scale
	if s < 0 { // NUMBER(5,-2): integers of up to p-s digits, rounded to 10^-s
		p, s = precision-scale, 0
	}
	if s == 0 && p <= 18 {
		return arrow.PrimitiveTypes.Int64
	}
	p = max(p, s) // NUMBER(2,5) holds 0.00099: s digits after the point
	if p > 38 {
		return arrow.BinaryTypes.String
	}
	return &arrow.Decimal128Type{Precision: int32(p), Scale: int32(s)}
}

// selectExpr returns the select-list expression that reads the quoted column of the given
// source type (from [sourceType]) in the form its appender expects: JSON serialized to text,
// time zone types converted to UTC TIMESTAMPs (so that the driver's zone handling plays no
// part), anything else as it is.
func selectExpr(name, source string) string {
	q := quote(name)
	st := strings.ToUpper(source)
	switch {
	case st == "JSON":
		return "JSON_SERIALIZE(" + q + " RETURNING CLOB) AS " + q
	case strings.HasPrefix(st, "TIMESTAMP") && strings.HasSuffix(st, withLocalTimeZone):
		return "SYS_EXTRACT_UTC(CAST(" + q + " AS TIMESTAMP(9) WITH TIME ZONE)) AS " + q
	case strings.HasPrefix(st, "TIMESTAMP") && strings.HasSuffix(st, withTimeZone):
		return "SYS_EXTRACT_UTC(" + q + ") AS " + q
	}
	return q
}

// numberText returns the text of a NUMBER value as go-ora decodes it (a string such as
// "-12.5"), or of an integer.
func numberText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return strings.TrimSuffix(x, "."), x != ""
	case []byte:
		return strings.TrimSuffix(string(x), "."), len(x) > 0
	case int64:
		return strconv.FormatInt(x, 10), true
	}
	return "", false
}

// wallUTC returns the wall-clock time of t read as UTC. go-ora decodes a TIMESTAMP or DATE with
// its fields in the server's zone (or UTC); the fields are what the column holds.
func wallUTC(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// decoding is how a value go-ora decoded becomes a Go value of each kind of column.
var decoding = arrowappend.Decoding{
	Int: func(v any) (int64, error) {
		s, ok := numberText(v)
		if !ok {
			return 0, arrowappend.ErrMismatch
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, arrowappend.ErrMismatch
		}
		return n, nil
	},
	Float: func(v any) (float64, error) {
		if x, ok := v.(string); ok { // FLOAT is a NUMBER on the wire
			if f, err := strconv.ParseFloat(strings.TrimSuffix(x, "."), 64); err == nil {
				return f, nil
			}
		}
		return arrowappend.AnyFloat(v)
	},
	Bool: func(v any) (bool, error) {
		x, ok := v.(bool)
		if !ok {
			return false, arrowappend.ErrMismatch
		}
		return x, nil
	},
	String: arrowappend.AnyText,
	Binary: arrowappend.OnlyBytes,
	// Every timestamp arrives without a zone: DATE and TIMESTAMP as stored, the zoned types
	// converted to UTC by SYS_EXTRACT_UTC in the query.
	Time: func(v any) (time.Time, error) {
		x, ok := v.(time.Time)
		if !ok {
			return time.Time{}, arrowappend.ErrMismatch
		}
		return wallUTC(x), nil
	},
	Decimal: func(v any) (string, error) {
		s, ok := numberText(v)
		if !ok {
			return "", arrowappend.ErrMismatch
		}
		return s, nil
	},
}

// appenderFor returns the appender for a field of type dt.
func appenderFor(dt arrow.DataType) arrowappend.Func { return arrowappend.For(dt, decoding) }
