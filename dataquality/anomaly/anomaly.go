package anomaly

import "time"

// Observation is one measurement of a table: the rows a load added, the hours since the last
// write, a column's null rate.
type Observation struct {
	// At is when the value was measured. History is in time order; [Detect] uses only the
	// history points before the current observation's At (all of them when the current At is
	// the zero time).
	At time.Time
	// Value is the measurement. NaN and infinite values are never part of a baseline.
	Value float64
	// Exclude marks a known incident or maintenance window: never part of a baseline.
	Exclude bool
}

// Verdict is what [Detect] concluded about one observation.
type Verdict struct {
	// Anomalous is true when the value is outside [Lower, Upper] in a direction the
	// [Config.Direction] watches.
	Anomalous bool
	// Skipped is true when there was not enough usable history to judge (fewer than
	// [Config.MinHistory] points): Detect says so and never guesses. Anomalous is then false.
	Skipped bool
	// Expected is the baseline's centre for this observation's time (after day-of-week
	// seasonality and trend, when they apply).
	Expected float64
	// Lower and Upper bound the band outside which a value is anomalous.
	Lower, Upper float64
	// Score is signed, in units of the baseline's spread: (Value - Expected) / spread.
	Score float64
	// TrainingPoints is how many history points shaped the baseline (after dropping excluded,
	// invalid and outlying points).
	TrainingPoints int
	// Reason is one sentence a person understands, such as
	// "200 rows is 80% below the expected 1000 rows (normal range 900 to 1100 rows)".
	Reason string
}

// Direction says which departures from the baseline are anomalous.
type Direction int

const (
	// Both: values below Lower and above Upper are anomalous (the default).
	Both Direction = iota
	// Drop: only values below Lower are anomalous (row counts that fall).
	Drop
	// Spike: only values above Upper are anomalous (hours since the last write, null rates).
	Spike
)

// String returns "both", "drop" or "spike".
func (d Direction) String() string {
	switch d {
	case Drop:
		return "drop"
	case Spike:
		return "spike"
	default:
		return "both"
	}
}

// Seasonality says whether the baseline has a day-of-week shape.
type Seasonality int

const (
	// SeasonalityAuto uses a day-of-week shape only where the history shows one: at least four
	// weeks of points about daily or more often, and the weekday shape cuts the spread by at
	// least 30% (the default).
	SeasonalityAuto Seasonality = iota
	// SeasonalityNone never uses a day-of-week shape.
	SeasonalityNone
	// SeasonalityDayOfWeek uses a day-of-week shape whenever there are enough points (at least
	// two on each weekday).
	SeasonalityDayOfWeek
)

// String returns "auto", "none" or "day_of_week".
func (s Seasonality) String() string {
	switch s {
	case SeasonalityNone:
		return "none"
	case SeasonalityDayOfWeek:
		return "day_of_week"
	default:
		return "auto"
	}
}

// Defaults of [Config]: a zero field takes these.
const (
	DefaultSensitivity       = 4.0 // Config.Sensitivity: the band's half-width in spreads
	DefaultMinHistory        = 7   // Config.MinHistory: usable points needed for a verdict
	DefaultWindow            = 60  // Config.Window: the newest usable points in a baseline
	DefaultSettlePoints      = 4   // Config.SettlePoints: points at a new level that make it normal
	DefaultMinRelativeChange = 0.1 // Config.MinRelativeChange: 10% of the expected value
)

// Config tunes [Detect]. The zero value is a good default for each field.
type Config struct {
	// Sensitivity is the half-width of the band in units of the baseline's robust spread, as
	// Elementary's anomaly_sensitivity (a smaller number flags more). Default 4
	// ([DefaultSensitivity]).
	Sensitivity float64
	// MinHistory is the number of usable history points below which the verdict is Skipped.
	// Default 7 ([DefaultMinHistory]); values below 3 count as 3.
	MinHistory int
	// Window is how many of the most recent usable history points make the baseline. Default 60
	// ([DefaultWindow]).
	Window int
	// Direction says which departures are anomalous. Default [Both].
	Direction Direction
	// Seasonality chooses the day-of-week shape. Default [SeasonalityAuto].
	Seasonality Seasonality
	// MinAbsoluteChange is the smallest |Value - Expected| that can be anomalous, in the
	// value's unit (rows, hours, a fraction): with 10, 3 rows where 5 were expected is normal
	// however small the spread. Default 0 (no absolute floor).
	MinAbsoluteChange float64
	// MinRelativeChange is the smallest |Value - Expected| / |Expected| that can be anomalous.
	// Both this and MinAbsoluteChange must be exceeded. Default 0.1 ([DefaultMinRelativeChange]);
	// a negative value means no relative floor.
	MinRelativeChange float64
	// SettlePoints is how many consecutive points in a row at a new level (each far outside
	// the old baseline on the same side) make that level the new normal: later values are
	// judged against it and the Reason says "new level". Default 4 ([DefaultSettlePoints]).
	SettlePoints int
	// Unit is written after each number in Reason, such as "rows" or "h". Default none.
	Unit string
}

func (c Config) withDefaults() Config {
	if !(c.Sensitivity > 0) {
		c.Sensitivity = DefaultSensitivity
	}
	if c.MinHistory <= 0 {
		c.MinHistory = DefaultMinHistory
	}
	if c.MinHistory < 3 {
		c.MinHistory = 3
	}
	if c.Window <= 0 {
		c.Window = DefaultWindow
	}
	if c.Window < c.MinHistory {
		c.Window = c.MinHistory
	}
	if c.SettlePoints <= 0 {
		c.SettlePoints = DefaultSettlePoints
	}
	if c.MinRelativeChange == 0 {
		c.MinRelativeChange = DefaultMinRelativeChange
	} else if c.MinRelativeChange < 0 {
		c.MinRelativeChange = 0
	}
	if c.MinAbsoluteChange < 0 {
		c.MinAbsoluteChange = 0
	}
	return c
}
