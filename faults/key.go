package faults

// headerKey returns the schedule key of a request that carries id in
// Scenario.IDHeader and attempt in Scenario.AttemptHeader ("" when the
// header is unset or absent).
func headerKey(id, attempt string) uint64 {
	const prime = 1099511628211
	h := uint64(14695981039346656037) // FNV-1a, 64 bits
	for i := 0; i < len(id); i++ {
		h = (h ^ uint64(id[i])) * prime
	}
	h *= prime // a zero byte between the two: header values cannot hold one
	for i := 0; i < len(attempt); i++ {
		h = (h ^ uint64(attempt[i])) * prime
	}
	return h
}

// stream is a splitmix64 generator: a pure function of its start, with
// no dependence on math/rand or on the Go release.
type stream uint64

// newStream starts the numbers of one request. mix is a bijection, so
// distinct keys under one seed start at distinct, scattered points.
func newStream(seed, key uint64) stream {
	return stream(mix(mix(seed) ^ key))
}

func (s *stream) next() uint64 {
	*s += 0x9e3779b97f4a7c15
	return mix(uint64(*s))
}

// float returns a number in [0, 1) with 53 random bits.
func (s *stream) float() float64 {
	return float64(s.next()>>11) / (1 << 53)
}

func mix(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}
