package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/store"
)

// maxAttempts bounds the retry loops: a backend that never lets a writer win
// fails instead of hanging.
const maxAttempts = 1000

// appendOption is a read-modify-write of n: it appends opt to the number's
// Options.
func appendOption(ctx context.Context, s store.Store, n *numbers.Number, opt string) error {
	c, err := s.FindNumberByID(ctx, n.Tenant, n.ID)
	if err != nil {
		return err
	}
	c.Options = append(c.Options, opt)
	return s.UpdateNumbers(ctx, c)
}

// retryOnConflict runs op until it does not fail with CodeConflict.
func retryOnConflict(op func() error) (conflicts int, err error) {
	for range maxAttempts {
		err = op()
		if numberdesk.ErrorCode(err) != numberdesk.CodeConflict {
			return conflicts, err
		}
		conflicts++
	}
	return conflicts, fmt.Errorf("still conflicting after %d attempts: %w", maxAttempts, err)
}

// testNoLostUpdate runs writers goroutines that each append their ID to one
// number's Options, with rmw, and checks that no update was lost.
func testNoLostUpdate(t *testing.T, s store.Store, rmw func(ctx context.Context, n *numbers.Number, opt string) error) (conflicts int64) {
	const writers = 32
	tn := newTenant(t, s)
	n := newNumber(tn.ID, e164(1), numbers.StatusActive)
	createNumbers(t, s, n)

	var wg sync.WaitGroup
	var total atomic.Int64
	errs := make(chan error, writers)
	for g := range writers {
		wg.Go(func() {
			c, err := retryOnConflict(func() error { return rmw(t.Context(), n, fmt.Sprint(g)) })
			total.Add(int64(c))
			if err != nil {
				errs <- fmt.Errorf("writer %d: %w", g, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	got, err := s.FindNumberByID(t.Context(), tn.ID, n.ID)
	require.NoError(t, err)
	require.Equal(t, int64(1+writers), got.Version, "one version per successful write")
	want := make([]string, writers)
	for g := range writers {
		want[g] = fmt.Sprint(g)
	}
	require.ElementsMatch(t, want, got.Options, "no update is lost")
	return total.Load()
}

func testConcurrency(t *testing.T, newStore func(t *testing.T) store.Store) {
	cases(t, newStore, map[string]func(t *testing.T, s store.Store){
		"ReadModifyWriteInTx": func(t *testing.T, s store.Store) {
			testNoLostUpdate(t, s, func(ctx context.Context, n *numbers.Number, opt string) error {
				return s.InTx(ctx, func(ctx context.Context) error { return appendOption(ctx, s, n, opt) })
			})
		},
		"ReadModifyWriteWithoutTx": func(t *testing.T, s store.Store) {
			testNoLostUpdate(t, s, func(ctx context.Context, n *numbers.Number, opt string) error {
				return appendOption(ctx, s, n, opt)
			})
		},
		"CreateSameE164": func(t *testing.T, s store.Store) {
			const writers = 16
			tn := newTenant(t, s)
			var wg sync.WaitGroup
			results := make(chan error, writers)
			for range writers {
				wg.Go(func() {
					results <- s.CreateNumbers(t.Context(), newNumber(tn.ID, e164(42), numbers.StatusNew))
				})
			}
			wg.Wait()
			close(results)
			ok := 0
			for err := range results {
				if err == nil {
					ok++
					continue
				}
				requireCode(t, err, numberdesk.CodeConflict, "number")
			}
			require.Equal(t, 1, ok, "exactly one create wins")
			require.Len(t, allNumbers(t, s, tn.ID), 1)
		},
		"ReadersAlongsideWriters": func(t *testing.T, s store.Store) {
			const count, writers, readers, rounds = 100, 4, 4, 25
			tn := newTenant(t, s)
			var ns []*numbers.Number
			for i := range count {
				ns = append(ns, newNumber(tn.ID, e164(i), numbers.StatusActive))
			}
			createNumbers(t, s, ns...)

			var wg sync.WaitGroup
			errs := make(chan error, writers+readers+1)
			report := func(err error) {
				if err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
			for w := range writers {
				wg.Go(func() {
					for r := range rounds {
						n := ns[(w*rounds+r)%count]
						_, err := retryOnConflict(func() error {
							c, err := s.FindNumberByID(t.Context(), tn.ID, n.ID)
							if err != nil {
								return err
							}
							if c.Status == numbers.StatusActive {
								c.Status = numbers.StatusInactive
							} else {
								c.Status = numbers.StatusActive
							}
							return s.UpdateNumbers(t.Context(), c)
						})
						report(err)
					}
				})
			}
			// A writer whose transactions always roll back: readers must
			// never see its numbers.
			wg.Go(func() {
				for r := range rounds {
					err := s.InTx(t.Context(), func(ctx context.Context) error {
						if err := s.CreateNumbers(ctx, newNumber(tn.ID, e164(10_000+r), numbers.StatusActive)); err != nil {
							return err
						}
						return errBoom
					})
					if !errors.Is(err, errBoom) {
						report(fmt.Errorf("rolled-back writer: %v", err))
					}
				}
			})
			for range readers {
				wg.Go(func() {
					for range rounds {
						all, total, err := s.FindNumbers(t.Context(), tn.ID, numbers.Filter{})
						if err != nil {
							report(err)
							return
						}
						if total != count || len(all) != count {
							report(fmt.Errorf("reader saw %d numbers (total %d), want %d", len(all), total, count))
						}
						if !slices.IsSortedFunc(all, func(a, b *numbers.Number) int { return strings.Compare(a.E164, b.E164) }) {
							report(errors.New("reader saw an unsorted page"))
						}
						active, total, err := s.FindNumbers(t.Context(), tn.ID, numbers.Filter{Statuses: []numbers.Status{numbers.StatusActive}, Limit: 10})
						if err != nil {
							report(err)
							return
						}
						if total > count || len(active) > 10 {
							report(fmt.Errorf("reader saw %d active of total %d", len(active), total))
						}
						for _, n := range active {
							if n.Status != numbers.StatusActive {
								report(fmt.Errorf("filter returned a %s number", n.Status))
							}
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				require.NoError(t, err)
			}
			all := allNumbers(t, s, tn.ID)
			require.Len(t, all, count)
			var versions int64
			for _, n := range all {
				versions += n.Version - 1
			}
			require.Equal(t, int64(writers*rounds), versions, "every successful write counted once")
		},
	})
}
