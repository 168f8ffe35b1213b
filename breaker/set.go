package breaker

import (
	"iter"
	"sync"
)

// A Set holds one Breaker per key, such as one per host, made on first use
// with the same Settings. Each breaker is named after its key, which is how
// Settings.OnStateChange tells them apart. A Set is safe for concurrent use
// by any number of goroutines.
//
// A Set keeps every breaker it made until Delete; with keys that come and
// go, delete them or the Set grows without bound.
type Set struct {
	cfg      config
	breakers sync.Map // key string → *Breaker
}

// NewSet returns an empty Set whose breakers are configured by s, or the
// error New would return for s. s.Name is not used.
func NewSet(s Settings) (*Set, error) {
	c, err := s.config()
	if err != nil {
		return nil, err
	}
	return &Set{cfg: c}, nil
}

// Get returns the breaker for key, making it if there is none yet. It does
// not allocate when the breaker exists.
func (s *Set) Get(key string) *Breaker {
	if b, ok := s.breakers.Load(key); ok {
		return b.(*Breaker)
	}
	b, _ := s.breakers.LoadOrStore(key, newBreaker(key, &s.cfg))
	return b.(*Breaker)
}

// Delete forgets the breaker for key. Callers that still hold it may go on
// using it; the next Get makes a new, closed one.
func (s *Set) Delete(key string) {
	s.breakers.Delete(key)
}

// All returns an iterator over the keys and breakers of the Set, in no
// particular order. It sees each breaker at most once, and may miss those
// made or deleted while it runs.
func (s *Set) All() iter.Seq2[string, *Breaker] {
	return func(yield func(string, *Breaker) bool) {
		s.breakers.Range(func(k, b any) bool {
			return yield(k.(string), b.(*Breaker))
		})
	}
}
