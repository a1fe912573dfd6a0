package sqlstore

// Statements returns how many statements s has sent to the database so far
// (BEGIN, COMMIT, SAVEPOINT and RELEASE included).
func Statements(s *Store) int64 { return s.stmts.Load() }
