package mls

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// defaultWorkers is the size of the worker pools of tree validation, tree
// hashing and path encryption when the caller does not choose one: one
// goroutine per usable CPU.
func defaultWorkers() int { return runtime.GOMAXPROCS(0) }

// workersOrDefault returns workers, or defaultWorkers for a value below 1.
func workersOrDefault(workers int) int {
	if workers < 1 {
		return defaultWorkers()
	}
	return workers
}

// parallelEach calls fn(i) for every i in [0, n) on at most workers
// goroutines (the calling one among them) and returns the error of the
// smallest i for which fn failed, or nil.
//
// Indices are handed out in increasing order, and once index i has failed
// no index above i is started, so a failure stops the work early while the
// error returned is the same whatever the scheduling: every index below i
// was handed out before i and runs to completion. fn must be safe to call
// from several goroutines at once for different i.
func parallelEach(n, workers int, fn func(i int) error) error {
	if workers > n {
		workers = n
	}
	if workers <= 1 {
		for i := range n {
			if err := fn(i); err != nil {
				return err
			}
		}
		return nil
	}
	var (
		next     atomic.Int64
		limit    atomic.Int64
		mu       sync.Mutex
		failedAt = n
		firstErr error
		wg       sync.WaitGroup
	)
	limit.Store(int64(n))
	work := func() {
		for {
			i := next.Add(1) - 1
			if i >= limit.Load() {
				return
			}
			if err := fn(int(i)); err != nil {
				mu.Lock()
				if int(i) < failedAt {
					failedAt, firstErr = int(i), err
					limit.Store(i)
				}
				mu.Unlock()
			}
		}
	}
	for range workers - 1 {
		wg.Go(work)
	}
	work()
	wg.Wait()
	return firstErr
}
