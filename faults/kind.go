package faults

import "strconv"

// Kind names a fault. The zero Kind is Status.
type Kind int

// The kinds of fault an Injector can inject.
const (
	// Status answers with Fault.Status (503 when zero) instead of
	// serving the request.
	Status Kind = iota
	// Reset drops the connection before any response: the server
	// closes it with SO_LINGER 0, the client side returns an error
	// that errors.Is reports as syscall.ECONNRESET.
	Reset
	// Truncate serves the request but ends the response body after
	// Fault.Bytes bytes, short of its declared length.
	Truncate
	// Hang never answers: it holds the request until its context ends,
	// that is until the client gives up.
	Hang
	// Trickle serves the request but lets its body out Fault.Bytes at a
	// time, Fault.Interval apart.
	Trickle

	numKinds
)

var kindNames = [numKinds]string{"status", "reset", "truncate", "hang", "trickle"}

// String returns the kind's name as used in JSON, such as "reset".
func (k Kind) String() string {
	if k.valid() {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

func (k Kind) valid() bool { return k >= 0 && k < numKinds }

// parseKind returns the kind named s; "" means Status.
func parseKind(s string) (Kind, bool) {
	if s == "" {
		return Status, true
	}
	for k, name := range kindNames {
		if s == name {
			return Kind(k), true
		}
	}
	return 0, false
}
