package configloader_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/etlwatch/etlwatch/configloader"
)

// TestItem11DeadLetterTopicNotConsumed checks that the loader rejects a cdc.dead_letter_topic the
// consumer would read back as input (issue 11, item 11): one of cdc.topics, or a topic that starts
// with cdc.topic_prefix. Each dead letter would fail again and be sent again, forever.
func TestItem11DeadLetterTopicNotConsumed(t *testing.T) {
	t.Setenv("ETLWATCH_TEST_PREFIX", "pg.")
	t.Setenv("ETLWATCH_TEST_DLQ", "pg.dlq")
	tests := []struct {
		name string
		cdc  string // the cdc: block of source a, indented by six spaces
		want string // the error; "" when the file loads
	}{
		{"under the prefix", "topic_prefix: pg.\n      dead_letter_topic: pg.dlq",
			`sources.yaml:6:26: sources.a.cdc.dead_letter_topic: found the string "pg.dlq", which starts with cdc.topic_prefix "pg.": ` +
				`the consumer would read its own dead letters back as changes; allowed: a topic the consumer does not read: one that does not start with cdc.topic_prefix "pg."`},
		{"equal to the prefix", "topic_prefix: pg.\n      dead_letter_topic: pg.",
			`sources.a.cdc.dead_letter_topic: found the string "pg.", which starts with cdc.topic_prefix "pg."`},
		{"dead letters first", "dead_letter_topic: pg.public.dlq\n      topic_prefix: pg.public",
			`sources.yaml:5:26: sources.a.cdc.dead_letter_topic: found the string "pg.public.dlq", which starts with cdc.topic_prefix "pg.public"`},
		{"one of the topics", "topics: [pg.public.orders, pg.public.dlq]\n      dead_letter_topic: pg.public.dlq",
			`sources.yaml:6:26: sources.a.cdc.dead_letter_topic: found the string "pg.public.dlq", which is one of cdc.topics: ` +
				`the consumer would read its own dead letters back as changes; allowed: a topic the consumer does not read: one not listed in cdc.topics`},
		{"from the environment", "topic_prefix: ${ETLWATCH_TEST_PREFIX}\n      dead_letter_topic: ${ETLWATCH_TEST_DLQ}",
			`sources.yaml:6:26: sources.a.cdc.dead_letter_topic: found a string of 6 characters (from "${ETLWATCH_TEST_DLQ}"), ` +
				`which starts with cdc.topic_prefix (from "${ETLWATCH_TEST_PREFIX}")`},
		{"through an alias", "topic_prefix: &p pg.\n      dead_letter_topic: *p",
			`sources.yaml:6:26: sources.a.cdc.dead_letter_topic: found the string "pg.", which starts with cdc.topic_prefix "pg."`},
		{"outside the prefix", "topic_prefix: pg.\n      dead_letter_topic: dlq.pg", ""},
		{"a prefix of the prefix", "topic_prefix: pg.public.\n      dead_letter_topic: pg.dlq", ""},
		{"not one of the topics", "topics: [pg.public.orders]\n      dead_letter_topic: pg.public.orders.dlq", ""},
		{"case differs", "topic_prefix: pg.\n      dead_letter_topic: PG.dlq", ""},
		{"no dead letters", "topic_prefix: pg.", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := configloader.Parse("sources.yaml", []byte("sources:\n  a:\n    database_type: postgres\n    cdc:\n      "+tt.cdc+"\n"))
			if tt.want == "" {
				require.NoError(t, err)
				assert.NotNil(t, cfg.Sources["a"])
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}
