package sqlstore

// Statements returns how many statements s has sent to the database so far
// (BEGIN, COMMIT, SAVEPOINT and RELEASE included).
func Statements(s *Store) int64 { return s.stmts.Load() }

// Trace makes s call fn with every statement it runs (exec and query, not
// BEGIN or COMMIT). Set it before s is used concurrently.
func Trace(s *Store, fn func(query string, args []any)) { s.trace = fn }

// PGTextArray and PGTimeArray are the array literals of the batch
// statements.
var (
	PGTextArray = pgTextArray
	PGTimeArray = pgTimeArray
)
