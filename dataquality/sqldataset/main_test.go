package sqldataset_test

import (
	"testing"

	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
	"go.uber.org/goleak"
	_ "modernc.org/sqlite"
)

// TestMain fails the run if a test leaves a goroutine behind: every *sql.DB a test opens is
// closed in its cleanup.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
