package iceberg_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/iceberg"
)

// TestItem12SecretsRedactedInCatalogErrors opens a catalog with each form of credential
// iceberg.uri can hold (issue 11, item 12), where opening fails, and checks that the error names
// the URI with the credential masked, even where the client's own error quotes the URL or the
// server's reply quotes the request.
func TestItem12SecretsRedactedInCatalogErrors(t *testing.T) {
	// A REST catalog that refuses every request, quoting it.
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		user, pw, _ := r.BasicAuth()
		_, _ = fmt.Fprintf(w, `{"error":{"message":%q,"type":"BadRequestException","code":400}}`,
			"refused "+r.URL.String()+" for "+user+":"+pw)
	}))
	defer echo.Close()
	host := strings.TrimPrefix(echo.URL, "http://")
	tests := []struct {
		name    string
		cfg     configloader.Iceberg
		secrets []string
		want    string // the masked URI, as the error quotes it
	}{
		{"REST userinfo password, server quotes the request",
			configloader.Iceberg{Catalog: "rest", URI: "http://etl:rest-pw-1@" + host + "/cat?token=rest-tok-1"},
			[]string{"rest-pw-1", "rest-tok-1"}, "http://etl:[REDACTED]@" + host + "/cat?token=[REDACTED]"},
		{"REST userinfo user only, refused",
			configloader.Iceberg{Catalog: "rest", URI: "http://rest-user-tok-2@127.0.0.1:1/cat"},
			[]string{"rest-user-tok-2"}, "http://[REDACTED]@127.0.0.1:1/cat"},
		{"REST query token, refused",
			configloader.Iceberg{Catalog: "rest", URI: "http://127.0.0.1:1/cat?token=rest-tok-3&secret=rest-sec-3"},
			[]string{"rest-tok-3", "rest-sec-3"}, "http://127.0.0.1:1/cat?token=[REDACTED]&secret=[REDACTED]"},
		{"sql userinfo password, refused",
			configloader.Iceberg{URI: "postgres://etl:sql-pw-1@127.0.0.1:1/cat?sslmode=disable&connect_timeout=5", Warehouse: t.TempDir()},
			[]string{"sql-pw-1"}, "postgres://etl:[REDACTED]@127.0.0.1:1/cat?sslmode=disable&connect_timeout=5"},
		{"sql password and sslpassword parameters, refused",
			configloader.Iceberg{URI: "postgresql://etl@127.0.0.1:1/cat?password=sql-pw-2&sslpassword=sql-pw-3&sslmode=disable", Warehouse: t.TempDir()},
			[]string{"sql-pw-2", "sql-pw-3"}, "postgresql://[REDACTED]@127.0.0.1:1/cat?password=[REDACTED]&sslpassword=[REDACTED]&sslmode=disable"},
		{"sql unparseable",
			configloader.Iceberg{URI: "postgres://etl:bad%zzsql-pw-4@127.0.0.1:1/cat", Warehouse: t.TempDir()},
			[]string{"sql-pw-4"}, "postgres://[REDACTED]"},
		{"unsupported mysql URL",
			configloader.Iceberg{URI: "mysql://etl:sql-pw-5@db/cat", Warehouse: t.TempDir()},
			[]string{"sql-pw-5"}, "mysql://etl:[REDACTED]@db/cat"},
		{"unsupported mysql DSN",
			configloader.Iceberg{URI: "etl:sql-pw-6@tcp(db:3306)/cat", Warehouse: t.TempDir()},
			[]string{"sql-pw-6"}, "etl:[REDACTED]"},
		{"unsupported key=value DSN",
			configloader.Iceberg{URI: "host=db user=etl password=sql-pw-7 dbname=cat", Warehouse: t.TempDir()},
			[]string{"sql-pw-7"}, "host=db user=etl password=[REDACTED] dbname=cat"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cat, err := iceberg.OpenCatalog(t.Context(), tt.cfg)
			if err == nil {
				if c, ok := cat.(io.Closer); ok {
					_ = c.Close()
				}
			}
			require.Error(t, err)
			msg := fmt.Sprintf("%v %+v %s %q", err, err, err, err)
			for _, s := range tt.secrets {
				assert.NotContains(t, msg, s)
			}
			assert.Contains(t, err.Error(), "iceberg.uri \""+tt.want+"\"")
			t.Log(err)
		})
	}
}
