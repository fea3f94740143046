package configloader

// The values of a source's database_type: the one spelling that the schema validation, the
// extractors ([github.com/etlwatch/etlwatch/extractors.Open]) and their callers share, so that a
// rename on one side cannot silently break the other.
const (
	Oracle   = "oracle"   // Oracle Database, read with go-ora
	Postgres = "postgres" // PostgreSQL, read with pgx
	MySQL    = "mysql"    // MySQL and MariaDB, read with go-sql-driver/mysql
	SQLite   = "sqlite"   // an SQLite file, read with modernc.org/sqlite
)

// DatabaseTypes returns the values database_type allows, in the order the documentation and the
// validation errors list them. The slice is new on every call.
func DatabaseTypes() []string { return []string{Oracle, Postgres, MySQL, SQLite} }
