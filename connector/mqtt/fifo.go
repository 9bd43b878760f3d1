package mqtt

// fifo is a first-in first-out queue over a slice that reuses its space as it drains.
type fifo[T any] struct {
	items []T
	head  int
}

func (f *fifo[T]) len() int { return len(f.items) - f.head }

func (f *fifo[T]) push(v T) { f.items = append(f.items, v) }

// front returns the oldest item; the queue must not be empty.
func (f *fifo[T]) front() T { return f.items[f.head] }

// at returns the i-th oldest item.
func (f *fifo[T]) at(i int) T { return f.items[f.head+i] }

// pop removes and returns the oldest item; the queue must not be empty.
func (f *fifo[T]) pop() T {
	var zero T
	v := f.items[f.head]
	f.items[f.head] = zero
	f.head++
	f.compact()
	return v
}

// removeAt removes the i-th oldest item.
func (f *fifo[T]) removeAt(i int) {
	var zero T
	at := f.head + i
	copy(f.items[at:], f.items[at+1:])
	f.items[len(f.items)-1] = zero
	f.items = f.items[:len(f.items)-1]
	f.compact()
}

// filter keeps the items keep approves, in order.
func (f *fifo[T]) filter(keep func(T) bool) {
	var zero T
	n := 0
	for _, v := range f.items[f.head:] {
		if keep(v) {
			f.items[n] = v
			n++
		}
	}
	for i := n; i < len(f.items); i++ {
		f.items[i] = zero
	}
	f.items, f.head = f.items[:n], 0
}

// compact moves the live items to the front once the drained part dominates, so memory stays bounded by the
// largest backlog rather than by everything ever queued.
func (f *fifo[T]) compact() {
	switch {
	case f.head == len(f.items):
		f.items, f.head = f.items[:0], 0
	case f.head >= 1024 && 2*f.head >= len(f.items):
		var zero T
		n := copy(f.items, f.items[f.head:])
		for i := n; i < len(f.items); i++ {
			f.items[i] = zero
		}
		f.items, f.head = f.items[:n], 0
	}
}
