package difftest

import (
	"fmt"
	"strconv"

	"redraft/kv"
)

// The database family: SELECT, MOVE and SWAPDB (FLUSHDB, FLUSHALL, DBSIZE
// and COPY ... DB are generated with their own families). Redis has 16
// databases, as kv has; sequences work mostly in the first three, so keys
// meet again after moving, and sometimes name the last one or one out of
// range.
//
// SELECT is the edge's command (kv/resp keeps the selection per
// connection): the driver plays the edge for kv (kvSide.exec, and
// kvSide.execTx follows the SELECTs of a transaction that ran), Redis's
// connection does it on its own. At the end of a sequence every database
// is compared (checkAllDatabases).

const famDB = "db"

func init() { allFamilies = append(allFamilies, famDB) }

// dbIndex draws a database index argument: mostly 0-2, sometimes the last
// database or an invalid one.
func (g *gen) dbIndex() string {
	switch p := g.r.Float64(); {
	case p < 0.85:
		return strconv.Itoa(g.r.IntN(3))
	case p < 0.92:
		return strconv.Itoa(kv.Databases - 1)
	}
	return g.pick(strconv.Itoa(kv.Databases), "-1", "x", "99999999999", "")
}

// dbGenerators returns the database family's generators (hooked into
// commands()).
func dbGenerators() []*cmdGen {
	add := func(tenths int, name string, fn func(g *gen) []string) *cmdGen {
		return &cmdGen{name: name, family: famDB, weight: tenths, gen: fn}
	}
	return []*cmdGen{
		add(40, "SELECT", func(g *gen) []string { return []string{"SELECT", g.dbIndex()} }),
		add(20, "MOVE", func(g *gen) []string { return []string{"MOVE", g.key(famGeneric), g.dbIndex()} }),
		add(6, "SWAPDB", func(g *gen) []string { return []string{"SWAPDB", g.dbIndex(), g.dbIndex()} }),
		add(5, "COPY", func(g *gen) []string {
			args := []string{"COPY", g.key(famGeneric), g.key(famGeneric), "DB", g.dbIndex()}
			if g.chance(0.4) {
				args = append(args, "REPLACE")
			}
			return args
		}),
		add(3, "DBSIZE", func(g *gen) []string { return []string{"DBSIZE"} }),
		add(1, "FLUSHDB", func(g *gen) []string { return []string{"FLUSHDB"} }),
	}
}

// edgeSelect answers SELECT for kv as the RESP edge does: it reports
// whether args is a SELECT and, if so, its reply, updating *db.
func edgeSelect(args [][]byte, db *int, proto uint8) ([]byte, bool) {
	if len(args) == 0 || upperName(args[0]) != "SELECT" {
		return nil, false
	}
	w := kv.NewWriter(nil, int(proto))
	if len(args) != 2 {
		w.Error(kv.ErrArity("select"))
		return w.Bytes(), true
	}
	n, errText := kv.ParseDB(args[1])
	if errText != "" {
		w.Error(errText)
		return w.Bytes(), true
	}
	*db = n
	w.OK()
	return w.Bytes(), true
}

// followTxSelects makes db follow the SELECTs of a transaction whose EXEC
// reply is reply, as the edge does: only when the transaction ran.
func followTxSelects(cmds [][][]byte, reply []byte, db *int) {
	if len(reply) < 2 || reply[0] != '*' || reply[1] == '-' {
		return
	}
	for _, c := range cmds {
		if len(c) == 2 && upperName(c[0]) == "SELECT" {
			if n, errText := kv.ParseDB(c[1]); errText == "" {
				*db = n
			}
		}
	}
}

// checkAllDatabases compares every database's key space (checkState in
// each, after SELECTing it on both sides). It leaves both sides in the last
// database; the next sequence starts with SELECT 0.
func (r *runner) checkAllDatabases() string {
	for db := 0; db < kv.Databases; db++ {
		sel := [][]byte{[]byte("SELECT"), []byte(strconv.Itoa(db))}
		if v := r.redisQueryB(sel); v.isError() {
			return fmt.Sprintf("redis: SELECT %d: %s", db, v.str)
		}
		if v := r.kvQueryB(sel); v.isError() {
			return fmt.Sprintf("kv: SELECT %d: %s", db, v.str)
		}
		if d := r.checkState(); d != "" {
			return fmt.Sprintf("database %d: %s", db, d)
		}
	}
	return ""
}
