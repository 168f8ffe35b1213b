package fifo

import (
	"math/rand/v2"
	"slices"
	"testing"
)

type item struct {
	id    int
	links Links[*item]
}

func (i *item) FIFOLinks() *Links[*item] { return &i.links }

func contents(q *Queue[*item]) []int {
	var ids []int
	for e := q.Front(); e != nil; e = Next(e) {
		ids = append(ids, e.id)
	}
	return ids
}

// Random pushes and removals from anywhere keep the queue's order, its
// length and its ends the same as a slice's.
func TestQueueAgainstSlice(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var q Queue[*item]
	var model []*item
	for n := range 10_000 {
		if len(model) == 0 || r.IntN(3) > 0 {
			e := &item{id: n}
			q.Push(e)
			model = append(model, e)
		} else {
			i := r.IntN(len(model))
			q.Remove(model[i])
			model = slices.Delete(model, i, i+1)
		}
		if q.Len() != len(model) {
			t.Fatalf("step %d: Len %d, want %d", n, q.Len(), len(model))
		}
	}
	var want []int
	for _, e := range model {
		want = append(want, e.id)
	}
	if got := contents(&q); !slices.Equal(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
	if len(model) > 0 && (q.Front() != model[0] || q.Back() != model[len(model)-1]) {
		t.Fatal("Front or Back is not the oldest or newest element")
	}
	for _, e := range model {
		q.Remove(e)
	}
	if q.Len() != 0 || q.Front() != nil || q.Back() != nil {
		t.Fatal("the queue is not empty after every element left")
	}
}
