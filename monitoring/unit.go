package monitoring

import "fmt"

// Unit is the unit of a metric. The sinks map it to their own unit systems: [Unit.String] gives the
// CloudWatch-style name used in log lines ("Seconds", "Count/Second"), [Unit.UCUM] the UCUM code
// that OpenTelemetry and Prometheus use ("s", "{count}/s").
type Unit uint8

// The units a metric can carry.
const (
	UnitNone           Unit = iota // no unit
	UnitCount                      // a count of things
	UnitSeconds                    // seconds
	UnitMilliseconds               // milliseconds
	UnitCountPerSecond             // a rate, things per second
	UnitBytes                      // bytes
	UnitPercent                    // a percentage, 0 to 100
)

var unitNames = [...]struct{ name, ucum string }{
	UnitNone:           {"None", ""},
	UnitCount:          {"Count", "{count}"},
	UnitSeconds:        {"Seconds", "s"},
	UnitMilliseconds:   {"Milliseconds", "ms"},
	UnitCountPerSecond: {"Count/Second", "{count}/s"},
	UnitBytes:          {"Bytes", "By"},
	UnitPercent:        {"Percent", "%"},
}

func (u Unit) valid() bool { return int(u) < len(unitNames) }

// String returns the CloudWatch-style name of the unit, such as "Seconds" or "Count/Second".
func (u Unit) String() string {
	if !u.valid() {
		return fmt.Sprintf("Unit(%d)", uint8(u))
	}
	return unitNames[u].name
}

// UCUM returns the unit's UCUM code as OpenTelemetry instruments carry it, such as "s" or "By".
func (u Unit) UCUM() string {
	if !u.valid() {
		return ""
	}
	return unitNames[u].ucum
}

// MarshalText encodes the unit as its [Unit.String] name.
func (u Unit) MarshalText() ([]byte, error) {
	if !u.valid() {
		return nil, fmt.Errorf("monitoring: unknown unit %d", uint8(u))
	}
	return []byte(u.String()), nil
}

// UnmarshalText decodes a unit from its name or UCUM code (see [ParseUnit]).
func (u *Unit) UnmarshalText(b []byte) error {
	v, ok := ParseUnit(string(b))
	if !ok {
		return fmt.Errorf("monitoring: unknown unit %q", b)
	}
	*u = v
	return nil
}

// ParseUnit returns the unit named s, by its CloudWatch-style name ("Seconds") or its UCUM code ("s",
// as found in OpenTelemetry metric data). The empty string is [UnitNone]. Sinks use it to map the
// units of exported data back to their own.
func ParseUnit(s string) (Unit, bool) {
	for u, n := range unitNames {
		if s == n.name || s == n.ucum {
			return Unit(u), true
		}
	}
	if s == "1" {
		return UnitNone, true
	}
	return UnitNone, false
}
