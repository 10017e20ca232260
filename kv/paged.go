package kv

// paged is a growable array of T kept in pages of at most pagedLen
// elements, for the arrays of pointers that grow with a collection or the
// keyspace (an omap's keys and values, the buckets of the keyspace's and a
// sorted set's hash tables).
//
// Why: growing a slice allocates a new array and copies the old one into
// it, and Go copies an array of pointers in one step that cannot be
// preempted (while a GC cycle is marking, every pointer copied also goes
// through the collector's write barrier). At ten million elements that is
// hundreds of megabytes, and while it runs no other goroutine of the
// process gets past the collector's next stop-the-world point. Measured on
// a 2-core machine (BenchmarkGrowStall): a loop appending to two []string
// up to 10M elements kept a 10 ms ticker goroutine from running for 140-560
// ms; the same loop on 4096-element pages, for at most one tick. In a
// Redraft node those stalls stopped Raft heartbeats long enough to lose the
// leadership (docs/replication.md, "Whole-node stalls"). A paged array
// never allocates or copies more than one page at a time.
//
// The first page grows like a slice and the rest hang off one pointer, so
// a small collection costs what a slice would plus 8 bytes; later pages
// are allocated whole. Elements past the length are always zero (dropped
// elements are cleared, so the collector does not keep what they pointed
// to).
type paged[T any] struct {
	head []T           // elements [0, min(len, pagedLen)); grows like a slice
	more *pagedMore[T] // nil while len <= pagedLen
}

// pagedMore holds the pages after the first: each has capacity pagedLen
// and all but the last are full.
type pagedMore[T any] struct{ pages [][]T }

const (
	pagedShift = 12
	// pagedLen is the page size in elements: 32 KiB of pointers, 64 KiB
	// of strings.
	pagedLen  = 1 << pagedShift
	pagedMask = pagedLen - 1
)

// newPaged returns a paged array of n zero elements.
func newPaged[T any](n int) paged[T] {
	p := paged[T]{head: make([]T, min(n, pagedLen))}
	for left := n - pagedLen; left > 0; left -= pagedLen {
		if p.more == nil {
			p.more = &pagedMore[T]{}
		}
		p.more.pages = append(p.more.pages, make([]T, min(left, pagedLen), pagedLen))
	}
	return p
}

// len returns the number of elements.
func (p *paged[T]) len() int {
	if p.more == nil {
		return len(p.head)
	}
	pg := p.more.pages
	return len(pg)*pagedLen + len(pg[len(pg)-1])
}

// ref returns a pointer to element i (0 <= i < len).
func (p *paged[T]) ref(i int) *T {
	if i < pagedLen {
		return &p.head[i]
	}
	return &p.more.pages[i>>pagedShift-1][i&pagedMask]
}

// at returns element i.
func (p *paged[T]) at(i int) T { return *p.ref(i) }

// set sets element i.
func (p *paged[T]) set(i int, v T) { *p.ref(i) = v }

// push appends v.
func (p *paged[T]) push(v T) {
	if p.more == nil {
		if len(p.head) < pagedLen {
			p.head = append(p.head, v)
			return
		}
		p.more = &pagedMore[T]{}
	}
	pg := p.more.pages
	if len(pg) == 0 || len(pg[len(pg)-1]) == pagedLen {
		p.more.pages = append(pg, make([]T, 0, pagedLen))
		pg = p.more.pages
	}
	pg[len(pg)-1] = append(pg[len(pg)-1], v)
}

// truncate drops the elements from n on (n <= len), clearing them and
// releasing the pages left empty.
func (p *paged[T]) truncate(n int) {
	if n >= p.len() {
		return
	}
	if n <= pagedLen {
		clear(p.head[n:])
		p.head = p.head[:n]
		p.more = nil
		return
	}
	pg := p.more.pages
	keep := (n - 1) >> pagedShift // pages after the head still holding elements
	last := n - keep*pagedLen     // elements left in page keep-1, 1..pagedLen
	clear(pg[keep-1][last:])
	pg[keep-1] = pg[keep-1][:last]
	clear(pg[keep:])
	p.more.pages = pg[:keep]
}

// deleteAt removes element i, shifting the later ones down by one.
func (p *paged[T]) deleteAt(i int) {
	n := p.len()
	if p.more == nil {
		copy(p.head[i:], p.head[i+1:])
	} else {
		for j := i; j < n-1; j++ {
			*p.ref(j) = p.at(j + 1)
		}
	}
	p.truncate(n - 1)
}

// each calls fn with every element in order until fn returns false.
func (p *paged[T]) each(fn func(i int, v T) bool) {
	for i, v := range p.head {
		if !fn(i, v) {
			return
		}
	}
	if p.more == nil {
		return
	}
	i := pagedLen
	for _, page := range p.more.pages {
		for _, v := range page {
			if !fn(i, v) {
				return
			}
			i++
		}
	}
}

// clone returns a copy of p (its elements copied shallowly).
func (p *paged[T]) clone() paged[T] {
	c := paged[T]{head: append([]T(nil), p.head...)}
	if p.more != nil {
		c.more = &pagedMore[T]{pages: make([][]T, len(p.more.pages))}
		for i, page := range p.more.pages {
			c.more.pages[i] = append(make([]T, 0, pagedLen), page...)
		}
	}
	return c
}
