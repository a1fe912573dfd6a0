// Package phone parses, validates and formats phone numbers, German numbers
// being the home case. Parse reads what people type ("0221 123456-10",
// "(0221) 12 34 56", "+49 (0)221 123456") into an E164; National and
// International format an E164 for display with the area code split off;
// Digits normalises search terms; Join builds the numbers of a block from
// Stammnummer and Durchwahl.
//
// The package is pure Go, imports only the standard library and the kernel,
// and compiles for GOOS=js GOARCH=wasm. The lengths of the German area codes
// and the list of country calling codes are tables generated from
// github.com/nyaruka/phonenumbers v1.8.1, the Go port of Google's
// libphonenumber (see internal/gen; regenerate with go generate): 1143
// prefixes covering about 8300 area, mobile and service codes, 7.5 KB in the
// binary, looked up by binary search without allocation.
//
// Why not nyaruka/phonenumbers: it carries the metadata of every country
// plus geocoding, carrier and time-zone data, and pulls in protobuf,
// golang.org/x/text and regexp. A js/wasm main that calls its Parse and
// Format is 11.86 MB (3.11 MB gzipped), 9.28 MB (2.37 MB gzipped) more than a
// main that only prints a constant (2.58 MB, 0.74 MB gzipped). The same main
// with this package costs 24.8 KB (8.9 KB gzipped) on top of the kernel, and
// 44.7 KB (13.6 KB gzipped) on top of the constant-printing main if the
// kernel is reduced to its Error type (Go 1.26.8, -trimpath -ldflags="-s -w").
// We need only a fraction of libphonenumber: German area codes and E.164
// structure, no per-country validation; the table keeps libphonenumber as the
// source of truth for that fraction.
package phone
