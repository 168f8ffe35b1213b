package faults

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
)

// ParseScenario reads a Scenario from JSON (see the package
// documentation for the format) and validates it. Unknown fields and
// anything after the scenario are rejected.
func ParseScenario(data []byte) (Scenario, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var w scenarioJSON
	if err := dec.Decode(&w); err != nil {
		return Scenario{}, &invalidError{msg: err.Error(), err: err}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Scenario{}, invalidf("unexpected data after the scenario")
	}
	s, err := w.scenario()
	if err != nil {
		return Scenario{}, err
	}
	if err := s.Validate(); err != nil {
		return Scenario{}, err
	}
	return s, nil
}

// MarshalJSON writes s in the format ParseScenario reads, leaving out
// zero fields.
func (s Scenario) MarshalJSON() ([]byte, error) {
	return json.Marshal(toJSON(s))
}

// UnmarshalJSON reads s as ParseScenario does, so a Scenario inside a
// larger configuration is checked when it is decoded.
func (s *Scenario) UnmarshalJSON(data []byte) error {
	v, err := ParseScenario(data)
	if err != nil {
		return err
	}
	*s = v
	return nil
}
