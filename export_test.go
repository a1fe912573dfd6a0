package numberdesk

// ValidateSubset exposes the js/wasm validator to the native tests.
var ValidateSubset = validateSubset

// SnakeCase exposes the field naming of fields kept out of JSON.
var SnakeCase = snakeCase
