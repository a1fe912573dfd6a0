//go:build race

package efax_test

// raceDetector reports whether the tests run with the race detector, which
// makes argon2id about 15 times slower and timings meaningless.
const raceDetector = true
