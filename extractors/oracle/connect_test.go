package oracle

import (
	"errors"
	"testing"

	"github.com/sijms/go-ora/v2/configurations"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/configloader"
)

func TestConnectionURL(t *testing.T) {
	for _, tc := range []struct {
		name      string
		conn      configloader.Connection
		wantURL   string
		wantUser  string
		wantAddr  string
		wantParse func(t *testing.T, c *configurations.ConnectionConfig)
	}{
		{
			name:     "fields, default port",
			conn:     configloader.Connection{Host: "db.example", ServiceName: "ORCLPDB1", Username: "etl", Password: "s3cret"},
			wantURL:  "oracle://etl:s3cret@db.example:1521/ORCLPDB1",
			wantUser: "etl", wantAddr: "db.example:1521/ORCLPDB1",
		},
		{
			name: "awkward password, options sorted and escaped",
			conn: configloader.Connection{Host: "10.0.0.5", Port: 1522, ServiceName: "svc.example.com", Username: "app_ro",
				Password: "p@ss/w:rd%?#&=", Options: map[string]string{"TRACE FILE": "/tmp/x y.trc", "PREFETCH_ROWS": "1000", "SSL": "true"}},
			wantURL:  "oracle://app_ro:p@ss%2Fw:rd%25%3F%23&=@10.0.0.5:1522/svc.example.com?PREFETCH_ROWS=1000&SSL=true&TRACE+FILE=%2Ftmp%2Fx+y.trc",
			wantUser: "app_ro", wantAddr: "10.0.0.5:1522/svc.example.com",
			wantParse: func(t *testing.T, c *configurations.ConnectionConfig) {
				assert.Equal(t, "p@ss/w:rd%?#&=", c.Password, "go-ora reads the password back exactly")
				assert.Equal(t, 1000, c.PrefetchRows)
				assert.True(t, c.SSL)
				assert.Equal(t, "/tmp/x y.trc", c.TraceFilePath)
			},
		},
		{
			name:     "database when service_name is empty",
			conn:     configloader.Connection{Host: "h", Database: "XEPDB1", Username: "u"},
			wantURL:  "oracle://u:@h:1521/XEPDB1",
			wantUser: "u", wantAddr: "h:1521/XEPDB1",
		},
		{
			name:     "IPv6 host",
			conn:     configloader.Connection{Host: "::1", Port: 1521, ServiceName: "FREEPDB1", Username: "u", Password: "p"},
			wantURL:  "oracle://u:p@[::1]:1521/FREEPDB1",
			wantUser: "u", wantAddr: "::1:1521/FREEPDB1",
		},
		{
			name:     "dsn wins over fields",
			conn:     configloader.Connection{Host: "ignored", ServiceName: "IGNORED", DSN: "oracle://scott:tiger@dsnhost:1600/ORCL?PREFETCH_ROWS=500"},
			wantURL:  "oracle://scott:tiger@dsnhost:1600/ORCL?PREFETCH_ROWS=500",
			wantUser: "scott", wantAddr: "dsnhost:1600/ORCL",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ci, err := connectionURL(FromSource(&configloader.Source{Name: "s", DatabaseType: "oracle", Connection: tc.conn}))
			require.NoError(t, err)
			assert.Equal(t, tc.wantURL, ci.url)
			assert.Equal(t, tc.wantUser, ci.user)
			assert.Equal(t, tc.wantAddr, ci.address)
			assert.NotContains(t, ci.address, "@", "the address for messages holds no credentials")
			c, err := configurations.ParseConfig(ci.url) // what go-ora makes of the URL
			require.NoError(t, err)
			assert.Equal(t, tc.wantUser, c.UserID)
			if tc.wantParse != nil {
				tc.wantParse(t, c)
			}
		})
	}
}

func TestConnectionURLErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		conn configloader.Connection
		want string
	}{
		{"nothing", configloader.Connection{}, `oracle: source "s": connection.host and connection.service_name is required when connection.dsn is not set`},
		{"no service", configloader.Connection{Host: "h"}, `oracle: source "s": connection.service_name is required when connection.dsn is not set`},
		{"port", configloader.Connection{Host: "h", ServiceName: "x", Port: 70000}, `oracle: source "s": connection.port 70000 is out of range 1-65535`},
		{"option key", configloader.Connection{Host: "h", ServiceName: "x", Options: map[string]string{"a=b": "c"}}, `oracle: source "s": connection.options key "a=b" is not a go-ora URL parameter`},
		{"lob stream", configloader.Connection{Host: "h", ServiceName: "x", Options: map[string]string{"lob fetch": "stream"}}, `oracle: source "s": connection.options: parameter "lob fetch" = "stream" is not supported; the extractor reads LOBs inline (PRE, the default)`},
		{"dsn lob stream", configloader.Connection{DSN: "oracle://u:pw@h:1521/s?LOB+FETCH=POST"}, `oracle: source "s": connection.dsn: parameter "LOB FETCH" = "POST" is not supported; the extractor reads LOBs inline (PRE, the default)`},
		{"dsn scheme", configloader.Connection{DSN: "postgres://u:pw@h:1521/s"}, `oracle: source "s": connection.dsn is not a go-ora URL; want oracle://user:password@host:1521/service`},
		{"dsn unparsable", configloader.Connection{DSN: "oracle://u:pw@h:15x21/s\x7f"}, `oracle: source "s": connection.dsn is not a valid URL; want oracle://user:password@host:1521/service, with special characters in the user and password escaped as %XX`},
		{"dsn password digits and slash", configloader.Connection{DSN: "oracle://u:123/pw@h:1521/s"}, `oracle: source "s": connection.dsn is not a valid URL; want oracle://user:password@host:1521/service, with special characters in the user and password escaped as %XX`},
		{"dsn password unescaped", configloader.Connection{DSN: "oracle://u:pw/$x@h:1521/s"}, `oracle: source "s": connection.dsn is not a valid URL; want oracle://user:password@host:1521/service, with special characters in the user and password escaped as %XX`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := connectionURL(FromSource(&configloader.Source{Name: "s", DatabaseType: "oracle", Connection: tc.conn}))
			require.Error(t, err)
			assert.EqualError(t, err, tc.want)
			assert.NotContains(t, err.Error(), "pw@")
		})
	}
	// The default of LOB FETCH is allowed when spelled out.
	_, err := connectionURL(FromSource(&configloader.Source{Name: "s", Connection: configloader.Connection{Host: "h", ServiceName: "x", Options: map[string]string{"LOB FETCH": "PRE"}}}))
	assert.NoError(t, err)
}

func TestRedact(t *testing.T) {
	secrets := append(passwordForms("p@ss/w rd"), "oracle://u:p@ss%2Fw%20rd@h:1521/s")
	for _, msg := range []string{
		"dial oracle://u:p@ss%2Fw%20rd@h:1521/s: refused",
		"ORA-01017: invalid username/password p@ss/w rd",
		"escaped p@ss%2Fw%20rd and p%40ss%2Fw+rd",
	} {
		err := redact(errors.New(msg), secrets)
		for _, s := range secrets {
			assert.NotContains(t, err.Error(), s, msg)
		}
		assert.Contains(t, err.Error(), configloader.Redacted)
	}
	plain := errors.New("nothing secret")
	assert.Same(t, plain, redact(plain, secrets), "an error without a secret is returned as it is")
}
