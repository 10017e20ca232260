package sim

// The script workload (issue 13): Lua scripts that write several keys.
//
// Script clients move amounts between accounts (accountKeys) with a write
// script (EVAL, or EVALSHA of the same script) that, atomically, debits
// one account, credits another and appends the transfer's ID to a ledger
// list; they audit with a read-only script (EVAL_RO, served at the read
// barrier, outside the log) that returns every balance and the ledger's
// length in one atomic read. checkScripts (script_check.go) judges the
// history: the sum of the balances is conserved, the ledger holds every
// acknowledged transfer once, and each audit saw exactly the balances of a
// prefix of the ledger that includes every transfer acknowledged before
// it began. The transfer script also writes, to layoutKey, the keys KEYS
// lists and the one RANDOMKEY picks: their order depends on the keyspace
// table's layout, so a replica whose layout differs (one that installed a
// snapshot that did not carry it) writes something else, and the final
// snapshot comparison fails. The scripts are cached in the replicated
// script cache, which that comparison covers like the keyspace.

import (
	"crypto/sha1"
	"encoding/hex"
	"strconv"
)

// Script operation kinds (they extend Kind).
const (
	Transfer = iota + Publish + 1 // EVAL/EVALSHA transferScript 3 from to ledger amount id
	Audit                         // EVAL_RO auditScript 4 accounts... ledger
)

var (
	accountKeys = []string{"a0", "a1", "a2"}
	ledgerKey   = "ledger"
	layoutKey   = "layout"
)

// transferScript moves ARGV[1] from KEYS[1] to KEYS[2], appends the
// transfer ID ARGV[2] to the ledger KEYS[3] and records the keyspace's
// layout in KEYS[4]; it returns the ledger's new length (the transfer's
// position).
const transferScript = `redis.call('DECRBY', KEYS[1], ARGV[1])
redis.call('INCRBY', KEYS[2], ARGV[1])
redis.call('SET', KEYS[4], table.concat(redis.call('KEYS', '*'), ' ') .. ' / ' .. redis.call('RANDOMKEY'))
return redis.call('RPUSH', KEYS[3], ARGV[2])`

// auditScript returns the balances of KEYS[1..n-1] (0 when absent) and the
// length of the ledger KEYS[n], as strings.
const auditScript = `local out = {}
for i = 1, #KEYS - 1 do
  out[i] = tostring(redis.call('GET', KEYS[i]) or 0)
end
out[#KEYS] = tostring(redis.call('LLEN', KEYS[#KEYS]))
return out`

// transferSHA is the SHA-1 EVALSHA names transferScript by.
var transferSHA = func() string {
	s := sha1.Sum([]byte(transferScript))
	return hex.EncodeToString(s[:])
}()

// transferMax bounds a transfer's amount.
const transferMax = 100

// nextScript draws one transfer or audit.
func (cl *client) nextScript() req {
	if cl.rng.IntN(10) < 3 {
		args := append([]string{"EVAL_RO", auditScript, strconv.Itoa(len(accountKeys) + 1)}, accountKeys...)
		return req{&Op{Kind: Audit, Key: ledgerKey}, append(args, ledgerKey)}
	}
	i := cl.rng.IntN(len(accountKeys))
	j := (i + 1 + cl.rng.IntN(len(accountKeys)-1)) % len(accountKeys)
	amount := int64(1 + cl.rng.IntN(transferMax))
	id := cl.value()
	op := &Op{Kind: Transfer, Key: ledgerKey, Keys: []string{accountKeys[i], accountKeys[j]}, Value: id, Amount: amount}
	head := []string{"EVAL", transferScript}
	if cl.rng.IntN(3) == 0 {
		head = []string{"EVALSHA", transferSHA}
		op.Sha = true
	}
	return req{op, append(head, "4", accountKeys[i], accountKeys[j], ledgerKey, layoutKey, strconv.FormatInt(amount, 10), id)}
}

// interpretAudit decodes an audit's reply: balances, then the ledger length.
func (cl *client) interpretAudit(op *Op, rep []byte) bool {
	l, err := parseArray(rep)
	if err != nil || len(l) != len(accountKeys)+1 {
		return false
	}
	for _, s := range l {
		if _, err := strconv.ParseInt(s, 10, 64); err != nil {
			return false
		}
	}
	op.List = l
	return true
}
