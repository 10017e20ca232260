package script

import (
	"strings"
	"testing"
)

func TestPatterns(t *testing.T) {
	e := NewEngine(DefaultLimits)
	defer e.Close()
	for _, c := range []struct{ src, want string }{
		{"return {string.find('hello world', 'o w')}", "*2\r\n:5\r\n:7\r\n"},
		{"return {string.find('hello world', 'l+')}", "*2\r\n:3\r\n:4\r\n"},
		{"return {string.find('hello', 'l', 1, true)}", "*2\r\n:3\r\n:3\r\n"},
		{"return {string.find('key:123', '(%a+):(%d+)')}", "*4\r\n:1\r\n:7\r\n$3\r\nkey\r\n$3\r\n123\r\n"},
		{"return string.match('  trim me  ', '^%s*(.-)%s*$')", "$7\r\ntrim me\r\n"},
		{"return string.match('x = 10', '(%w+)%s*=%s*(%w+)')", "$1\r\nx\r\n"},
		{"return {string.match('2024-01-02', '(%d+)-(%d+)-(%d+)')}", "*3\r\n$4\r\n2024\r\n$2\r\n01\r\n$2\r\n02\r\n"},
		{"return string.match('abc', '()b()')", ":2\r\n"},
		{"return string.match('THE (quick) fox', '%((%a+)%)')", "$5\r\nquick\r\n"},
		{"return string.match('f(a(b)c)d', '%b()')", "$7\r\n(a(b)c)\r\n"},
		{"return string.match('THE quick', '%f[%a]%a+', 4)", "$5\r\nquick\r\n"},
		{"return {string.gsub('hello world', 'o', '0')}", "*2\r\n$11\r\nhell0 w0rld\r\n:2\r\n"},
		{"return string.gsub('hello world', '(%w+)', '<%1>')", "$15\r\n<hello> <world>\r\n"},
		{"return string.gsub('abc', '%w', '%0%0')", "$6\r\naabbcc\r\n"},
		{"return string.gsub('abc', '', '-')", "$7\r\n-a-b-c-\r\n"},
		{"return string.gsub('$name is $age', '%$(%w+)', {name='bob', age=3})", "$8\r\nbob is 3\r\n"},
		{"return string.gsub('a,b', '%a', function(c) return c:upper() end)", "$3\r\nA,B\r\n"},
		{"return string.gsub('aaa', 'a', 'b', 2)", "$3\r\nbba\r\n"},
		{"local t = {} for w in string.gmatch('one two three', '%a+') do t[#t+1] = w end return t", "*3\r\n$3\r\none\r\n$3\r\ntwo\r\n$5\r\nthree\r\n"},
		{"local t = {} for k, v in string.gmatch('a=1, b=2', '(%w+)=(%w+)') do t[#t+1] = k .. v end return t", "*2\r\n$2\r\na1\r\n$2\r\nb2\r\n"},
		{"return ('x'):rep(3)", "$3\r\nxxx\r\n"},
		{"return string.find('a', '[a')", "-ERR user_script:1: malformed pattern (missing ']')*"},
		{"return string.find(string.rep('a', 40), string.rep('a?', 40) .. string.rep('a', 40))", "-ERR *budget*"},
	} {
		got := eval(t, e, c.src, nil, nil, 2)
		if strings.Contains(c.want, "*") && c.want[0] == '-' {
			pre, post, _ := strings.Cut(c.want, "*")
			if !strings.HasPrefix(got, pre) || !strings.Contains(got, strings.Trim(post, "*")) {
				t.Errorf("%q: got %q, want %q", c.src, got, c.want)
			}
			continue
		}
		if got != c.want {
			t.Errorf("%q: got %q, want %q", c.src, got, c.want)
		}
	}
}
