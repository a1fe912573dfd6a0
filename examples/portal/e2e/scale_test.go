package e2e

// Time budgets. A slow or busy machine must make the browser tests slower,
// never red: every wait of the harness is a wait on a condition, and its
// deadline is a generous base figure times one scale factor that TestMain
// computes once (timeScale). The factor is $NUMBERDESK_TEST_SCALE when set,
// otherwise a calibration: how much slower than on the reference machine a
// fixed CPU-bound unit of work runs now. No test asserts a wall-clock
// duration; durations are only reported.

import (
	"crypto/sha256"
	"fmt"
	"math"
	"os"
	"strconv"
	"time"
)

// Base figures of the deadlines, for an idle reference machine; scaled
// multiplies them by timeScale. They are generous on purpose: on the
// reference machine (idle) the whole package runs in about two minutes, a
// test's tab in well under 30 s, a single wait in well under a second.
const (
	// tabTimeoutBase bounds all browser work of one tab (newTab).
	tabTimeoutBase = 3 * time.Minute
	// pollTimeoutBase bounds one wait for a condition in the page (poll,
	// waitText, waitJS).
	pollTimeoutBase = 45 * time.Second
	// slowPollTimeoutBase bounds a wait that includes a full boot of the
	// portal with 1,000 numbers (TestTimeToInteractive1000).
	slowPollTimeoutBase = 90 * time.Second
	// tabCreateTimeoutBase bounds the creation of a tab (a new browser
	// context and a target).
	tabCreateTimeoutBase = 60 * time.Second
	// chromiumStartTimeoutBase is the watchdog of the browser's start in
	// TestMain.
	chromiumStartTimeoutBase = 2 * time.Minute
	// httpTimeoutBase bounds one request of httpGet (from Go, not through
	// the browser).
	httpTimeoutBase = 20 * time.Second
	// artifactTimeoutBase bounds taking the screenshot of a failed test.
	artifactTimeoutBase = 30 * time.Second
)

const (
	// scaleEnv overrides the calibration: a factor ≥ 1.
	scaleEnv = "NUMBERDESK_TEST_SCALE"
	// minScale and maxScale clamp the calibrated factor.
	minScale, maxScale = 1.0, 50.0
	// maxExplicitScale bounds $NUMBERDESK_TEST_SCALE (a larger figure is a
	// typo, and the scaled durations would overflow).
	maxExplicitScale = 1000.0

	// calibrationReference is the best-of-calibrationRuns duration of
	// calibrationUnit on the reference machine, measured when the
	// calibration was written (December 2026): the 2-core AMD EPYC VM the
	// repository is developed and tested on (with SHA-NI, so crypto/sha256
	// hashes about 2 GB/s), Go 1.26.8, idle (load average 0.56): ten
	// repetitions of a stand-alone program with a quarter of the rounds
	// (200), best of 5, gave 6.60–6.63 ms, i.e. 26.4–26.5 ms for the unit;
	// TestMain's own calibration, in quiet moments of go test runs with and
	// without -race (the SHA-256 code is assembly, which the race detector
	// does not instrument), gave 25.97–26.63 ms. A machine without SHA
	// instructions gets a factor of a few even when idle (the portable
	// SHA-256 code is several times slower): more time, never a red run.
	calibrationReference = 26300 * time.Microsecond
	// calibrationRuns is how often the unit runs; the fastest run counts,
	// so that one unlucky moment does not inflate the factor, while each
	// run is long enough (many scheduler periods when the machine is
	// busy) to see the contention.
	calibrationRuns = 3
	// calibrationRounds × calibrationBlock bytes are hashed per run.
	calibrationRounds = 800
	calibrationBlock  = 64 << 10
)

var (
	// timeScale multiplies every deadline of the harness; TestMain sets it
	// once, before any test runs.
	timeScale = 1.0
	// timeScaleSource says where timeScale came from (for the logs).
	timeScaleSource = "default"
)

// scaled is the deadline for a base figure on this machine now.
func scaled(base time.Duration) time.Duration {
	return time.Duration(float64(base) * timeScale)
}

// computeScale returns the factor from the value of $NUMBERDESK_TEST_SCALE
// (env, "" when unset) or, without it, from measure (the duration of
// calibrationUnit now), and a description of its source.
func computeScale(env string, measure func() time.Duration) (float64, string, error) {
	if env != "" {
		f, err := strconv.ParseFloat(env, 64)
		if err != nil || math.IsNaN(f) || f < 1 || f > maxExplicitScale {
			return 0, "", fmt.Errorf("%s=%q: want a number from 1 to %g", scaleEnv, env, maxExplicitScale)
		}
		return f, "$" + scaleEnv, nil
	}
	d := measure()
	raw := float64(d) / float64(calibrationReference)
	f := min(max(raw, minScale), maxScale)
	return f, fmt.Sprintf("calibration: %v for the unit of work, %v on the idle reference machine, ratio %.2f, clamped to [%g, %g]",
		d.Round(10*time.Microsecond), calibrationReference, raw, minScale, maxScale), nil
}

// calibrate times calibrationUnit calibrationRuns times and returns the
// fastest run.
func calibrate() time.Duration {
	buf := make([]byte, calibrationBlock)
	for i := range buf {
		buf[i] = byte(i)
	}
	best := time.Duration(math.MaxInt64)
	for range calibrationRuns {
		start := time.Now()
		calibrationUnit(buf)
		best = min(best, time.Since(start))
	}
	return best
}

// calibrationUnit is the fixed CPU-bound unit of work: a chain of SHA-256
// hashes over buf (each digest is written back into buf, so no round can be
// skipped).
func calibrationUnit(buf []byte) [sha256.Size]byte {
	var sum [sha256.Size]byte
	for range calibrationRounds {
		sum = sha256.Sum256(buf)
		copy(buf, sum[:])
	}
	return sum
}

// setTimeScale computes timeScale once (TestMain).
func setTimeScale() error {
	f, src, err := computeScale(os.Getenv(scaleEnv), calibrate)
	if err != nil {
		return err
	}
	timeScale, timeScaleSource = f, src
	return nil
}

// scaleDescription is the one line the logs show about timeScale.
func scaleDescription() string {
	return fmt.Sprintf("time scale %.2f (%s); tab deadline %v, wait deadline %v",
		timeScale, timeScaleSource, scaled(tabTimeoutBase).Round(time.Second), scaled(pollTimeoutBase).Round(time.Second))
}
