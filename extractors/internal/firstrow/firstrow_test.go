package firstrow_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/etlwatch/etlwatch/configloader"
	"github.com/etlwatch/etlwatch/extractors/extract"
	"github.com/etlwatch/etlwatch/extractors/internal/firstrow"
)

func TestChoose(t *testing.T) {
	yamlFirst := "connection.first_row_timeout in sources.yaml (or pg.WithFirstRowTimeout)"
	optionFirst := "pg.WithFirstRowTimeout (or connection.first_row_timeout in sources.yaml)"
	tests := []struct {
		name      string
		option    time.Duration
		optionSet bool
		source    time.Duration
		want      time.Duration
		setting   string
	}{
		{"the default", 0, false, 0, configloader.DefaultFirstRowTimeout, yamlFirst},
		{"sources.yaml", 0, false, time.Minute, time.Minute, yamlFirst},
		{"sources.yaml 0: no limit", 0, false, -1, 0, yamlFirst},
		{"the option wins", time.Second, true, time.Minute, time.Second, optionFirst},
		{"the option's 0: no limit", 0, true, time.Minute, 0, optionFirst},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := firstrow.Choose("pg", tc.option, tc.optionSet, tc.source)
			assert.Equal(t, tc.want, l.Timeout)
			assert.Equal(t, tc.setting, l.Setting)
		})
	}
}

func TestWatch(t *testing.T) {
	limit := firstrow.Limit{Timeout: 50 * time.Millisecond, Address: "db:5432", Server: "PostgreSQL server", Setting: "s"}
	t.Run("no row: the context ends and the error says so", func(t *testing.T) {
		ctx, w := firstrow.Start(context.Background(), limit)
		defer w.Stop()
		<-ctx.Done()
		var fre *extract.FirstRowTimeoutError
		assert.True(t, errors.As(w.Err(ctx.Err()), &fre))
		assert.Equal(t, "db:5432", fre.Address)
	})
	t.Run("a row came: the context stays until Stop", func(t *testing.T) {
		ctx, w := firstrow.Start(context.Background(), limit)
		w.Arrived()
		time.Sleep(100 * time.Millisecond)
		assert.NoError(t, ctx.Err())
		other := errors.New("other")
		assert.Same(t, other, w.Err(other))
		w.Stop()
		assert.Error(t, ctx.Err())
	})
	t.Run("no limit: the caller's context, and a nil Watch that does nothing", func(t *testing.T) {
		parent := context.Background()
		ctx, w := firstrow.Start(parent, firstrow.Limit{})
		assert.Equal(t, parent, ctx)
		w.Arrived()
		w.Stop()
		assert.NoError(t, w.Err(nil))
	})
}
