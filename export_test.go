package numberdesk

// ValidateSubset exposes the js/wasm validator to the native tests.
var ValidateSubset = validateSubset
