package demo

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"io"
	"strings"

	"github.com/numberdesk/numberdesk"
)

// The compact form of a saved demo, for the browser's localStorage.
//
// localStorage holds about 5 million UTF-16 characters per origin in
// Chromium. Save's JSON of a tenant with 10,000 numbers is about 9.3 MB
// (numbers, their events and outbox deliveries), so it did not fit, and the
// portal silently showed the old state after a reload. Compact deflates it
// and encodes it as base64 behind the prefix CompactPrefix: 1.6 million
// characters for those 10,000 numbers (measured in TestCompactFitsTenThousand).

// CompactPrefix starts the compact form; it tells it from Save's plain
// JSON, which starts with "{".
const CompactPrefix = "nd-deflate-b64:"

// maxExpanded bounds what Expand inflates (a corrupt or hostile value must
// not take the browser's memory): 256 MiB of JSON.
const maxExpanded = 256 << 20

// Compact returns the compact form of data (Save's JSON): CompactPrefix,
// then data deflated (fastest level: the browser runs it after every
// command) and base64-encoded.
func Compact(data []byte) (string, error) {
	var b bytes.Buffer
	b.WriteString(CompactPrefix)
	enc := base64.NewEncoder(base64.StdEncoding, &b)
	w, err := flate.NewWriter(enc, flate.BestSpeed)
	if err != nil {
		return "", err
	}
	if _, err := w.Write(data); err != nil {
		return "", err
	}
	if err := w.Close(); err != nil {
		return "", err
	}
	if err := enc.Close(); err != nil {
		return "", err
	}
	return b.String(), nil
}

// Expand returns Save's JSON from s: the compact form, or plain JSON as
// older versions of the portal stored it. Anything else is CodeInvalid.
func Expand(s string) ([]byte, error) {
	const op = "demo.Expand"
	rest, ok := strings.CutPrefix(s, CompactPrefix)
	if !ok {
		if t := strings.TrimSpace(s); strings.HasPrefix(t, "{") {
			return []byte(t), nil
		}
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, "version", "Der gespeicherte Demo-Stand ist unlesbar.")
	}
	r := flate.NewReader(base64.NewDecoder(base64.StdEncoding, strings.NewReader(rest)))
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, maxExpanded+1))
	if err != nil || len(data) > maxExpanded {
		return nil, numberdesk.E(numberdesk.CodeInvalid, op, "version", "Der gespeicherte Demo-Stand ist unlesbar.")
	}
	return data, nil
}
