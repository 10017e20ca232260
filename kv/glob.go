package kv

// MatchGlob reports whether s matches the glob pattern, with the semantics
// of Redis's stringmatchlen (KEYS, SCAN MATCH, HSCAN/SSCAN/ZSCAN MATCH):
// '*' any run, '?' one byte, '[...]' a class with '^' negation and 'a-z'
// ranges, '\' escapes. Matching is case-sensitive. The recursion on '*' is
// bounded by nesting depth like Redis (limit matchNestingMax), so a hostile
// pattern cannot blow the stack; past the limit the match fails.
// Like Redis's matcher, "*" does not match the empty string: KEYS and the
// SCAN family special-case the pattern "*" to mean everything, and so must
// callers here.
func MatchGlob(pattern, s []byte) bool {
	skipLongerMatches := false
	return globMatch(pattern, s, &skipLongerMatches, 0)
}

// matchNestingMax bounds '*' recursion (Redis uses 1000 as well).
const matchNestingMax = 1000

func globMatch(p, s []byte, skipLonger *bool, nesting int) bool {
	if nesting > matchNestingMax {
		return false
	}
	for len(p) > 0 && len(s) > 0 {
		switch p[0] {
		case '*':
			for len(p) > 1 && p[1] == '*' {
				p = p[1:]
			}
			if len(p) == 1 {
				return true
			}
			for len(s) > 0 {
				if globMatch(p[1:], s, skipLonger, nesting+1) {
					return true
				}
				if *skipLonger {
					return false
				}
				s = s[1:]
			}
			*skipLonger = true
			return false
		case '?':
			s = s[1:]
		case '[':
			p = p[1:]
			not := len(p) > 0 && p[0] == '^'
			if not {
				p = p[1:]
			}
			match := false
			for {
				if len(p) == 0 {
					// Unterminated class: Redis treats the end as closing it.
					break
				}
				if p[0] == '\\' && len(p) >= 2 {
					p = p[1:]
					if p[0] == s[0] {
						match = true
					}
				} else if p[0] == ']' {
					break
				} else if len(p) >= 3 && p[1] == '-' {
					start, end := p[0], p[2]
					if start > end {
						start, end = end, start
					}
					p = p[2:]
					if s[0] >= start && s[0] <= end {
						match = true
					}
				} else if p[0] == s[0] {
					match = true
				}
				p = p[1:]
			}
			if not {
				match = !match
			}
			if !match {
				return false
			}
			s = s[1:]
			if len(p) == 0 {
				// Pattern ended inside the class.
				return len(s) == 0
			}
		case '\\':
			if len(p) >= 2 {
				p = p[1:]
			}
			fallthrough
		default:
			if p[0] != s[0] {
				return false
			}
			s = s[1:]
		}
		p = p[1:]
		if len(s) == 0 {
			for len(p) > 0 && p[0] == '*' {
				p = p[1:]
			}
			break
		}
	}
	return len(p) == 0 && len(s) == 0
}
