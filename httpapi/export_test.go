package httpapi

import "net/http"

// Routes are the patterns h serves ("GET /api/v1/numbers").
func Routes(h http.Handler) []string { return h.(*handler).routes }
