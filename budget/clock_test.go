package budget_test

import "time"

// fakeClock is a settable clock for tests that run on one goroutine.
type fakeClock struct{ t time.Time }

func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time { return c.t }
