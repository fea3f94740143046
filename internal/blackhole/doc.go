// Package blackhole gives tests two kinds of peer that never answer, to prove that a client gives
// up within its timeout instead of hanging: [Silent] accepts TCP connections and never writes a
// byte (a server that is stuck, or a firewall that lets the handshake through), [Unaccepting]
// never completes a TCP connection (a listener whose backlog is full, so its SYNs are dropped,
// as for a host that does not answer at all).
package blackhole
