package faults

import "time"

// The schedule behind every Injector, for the tests to predict what a
// request meets.

// Plan is what an injector does to one request.
type Plan = plan

// Plan returns what a request with the given key meets when it arrives
// elapsed after the injector's creation.
func (s Scenario) Plan(key uint64, elapsed time.Duration) Plan { return s.planFor(key, elapsed) }

// HeaderKey returns the schedule key of a request that carries id in
// Scenario.IDHeader and attempt in Scenario.AttemptHeader.
var HeaderKey = headerKey
