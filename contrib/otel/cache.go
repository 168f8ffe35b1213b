package otel

import (
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// maxCached bounds each optCache: the SDK's default cardinality limit per
// instrument is 2,000 series, so past this many sets a cache would only
// keep what the SDK folds into its overflow series anyway.
const maxCached = 2048

// measureOpts are the measurement options of one attribute set, built
// once: recording with them allocates nothing.
type measureOpts struct {
	add []metric.AddOption
	rec []metric.RecordOption
}

func newMeasureOpts(attrs ...attribute.KeyValue) *measureOpts {
	o := metric.WithAttributeSet(attribute.NewSet(attrs...))
	return &measureOpts{add: []metric.AddOption{o}, rec: []metric.RecordOption{o}}
}

// optCache keeps the measureOpts of the attribute sets of one kind of
// measurement, by a comparable key, so that the attempt path (every
// attempt is counted and timed) does not build an attribute set each
// time. It holds at most maxCached sets; past that, sets are built per
// call. It is safe for concurrent use.
type optCache[K comparable] struct {
	mu sync.RWMutex
	m  map[K]*measureOpts
}

// get returns the cached options of k, or nil.
func (c *optCache[K]) get(k K) *measureOpts {
	c.mu.RLock()
	o := c.m[k]
	c.mu.RUnlock()
	return o
}

// put caches o as the options of k while there is room, and returns the
// options to use: o, or those another goroutine cached first.
func (c *optCache[K]) put(k K, o *measureOpts) *measureOpts {
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.m[k]; ok {
		return prev
	}
	if c.m == nil {
		c.m = make(map[K]*measureOpts)
	}
	if len(c.m) < maxCached {
		c.m[k] = o
	}
	return o
}
