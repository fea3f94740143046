// Package terminal tells the example programs whether they write to a person or to a machine:
// on a terminal they keep the screen for progress and a short summary and send their JSON events
// to a file; piped, stdout carries their JSON lines only, and what a person reads goes to stderr.
//
//	events := stdout
//	if terminal.Is(stdout) {
//		events, _ = os.Create("events.jsonl")
//	}
//	human := terminal.Human(stdout, stderr) // the summary
package terminal
