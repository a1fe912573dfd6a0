package routing

import "testing"

// yearDay agrees with civilOf on every day of its table and around it.
func TestYearDay(t *testing.T) {
	for day := yearStarts[0] - 800; day < yearStarts[yearTableLen]+800; day++ {
		cv := civilOf(day)
		y, doy, leap := yearDay(day)
		if y != cv.y || doy != cv.doy || leap != isLeap(cv.y) {
			t.Fatalf("day %d: yearDay %d, %d, %v; civil %+v", day, y, doy, leap, cv)
		}
	}
}
