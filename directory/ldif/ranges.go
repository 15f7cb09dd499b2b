package ldif

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"dgaudit/directory/adattr"
)

// Active Directory returns at most MaxValRange (1,500 by default) values of
// an attribute per read and names the rest as a range: "member;range=0-1499".
// A tool that follows ranges asks for "member;range=1500-*" and so on until
// the range ends in "*"; ldapsearch does not, and prints only the first
// chunk. Entry.Add merges the chunks an export holds, so the importer tracks
// the ranges it saw to tell a whole attribute from its first 1,500 values.

// rangeSet is the ranges seen for each ranged attribute of each entry.
type rangeSet map[string]*entryRanges // normalized DN -> its ranged attributes

type entryRanges struct {
	attrs map[string]*rangedAttr // lower-case base name -> ranges
	order []string               // base names in first-seen order, for stable gaps
	// The previous value's description: every value of a chunk repeats
	// it, and noting it again changes nothing.
	lastDesc   string
	lastModify bool
}

type rangedAttr struct {
	name   string // the base name as first written, for messages
	chunks []adattr.Range
	// plainRest is set when a "changetype: modify" record adds plain values
	// to the attribute: ldifde follows the range itself and writes the
	// values beyond the first chunk that way, so the attribute is whole.
	plainRest bool
}

// note records one value's attribute description. The parser has already
// refused a range option that does not parse.
func (rs rangeSet) note(dnKey, desc string, modify bool) {
	if !modify && strings.IndexByte(desc, ';') < 0 {
		return // the common case: a plain value in an entry
	}
	er := rs[dnKey]
	if er != nil && er.lastDesc == desc && er.lastModify == modify {
		return
	}
	_, r, err := adattr.ParseRange(desc)
	ranged := err == nil
	if !ranged && !modify {
		return
	}
	if er == nil {
		er = &entryRanges{attrs: map[string]*rangedAttr{}}
		rs[dnKey] = er
	}
	er.lastDesc, er.lastModify = desc, modify
	key := strings.ToLower(adattr.BaseName(desc))
	a := er.attrs[key]
	if a == nil {
		a = &rangedAttr{name: adattr.BaseName(desc)}
		er.attrs[key] = a
		er.order = append(er.order, key)
	}
	if !ranged {
		a.plainRest = true
		return
	}
	if !slices.Contains(a.chunks, r) {
		a.chunks = append(a.chunks, r)
	}
}

// incomplete returns, for each ranged attribute of the entry whose chunks do
// not make up the whole attribute, why: which values the export holds and
// what is missing. An attribute that only ever appears plain is not listed.
func (rs rangeSet) incomplete(dnKey string) []shortAttr {
	er := rs[dnKey]
	if er == nil {
		return nil
	}
	var out []shortAttr
	for _, key := range er.order {
		a := er.attrs[key]
		if len(a.chunks) == 0 || a.plainRest {
			continue
		}
		if held, missing, ok := a.coverage(); !ok {
			out = append(out, shortAttr{key: key, name: a.name, held: held, missing: missing})
		}
	}
	return out
}

// shortAttr is a ranged attribute the export holds only part of.
type shortAttr struct {
	key, name string
	held      []string // spans held: "0-1499", "3000-*"
	missing   []string // spans missing before the last one held: "1500-2999"
}

// coverage reports whether the chunks cover every value from 0 to a chunk
// ending in "*", and otherwise which spans they hold and which are missing
// between them.
func (a *rangedAttr) coverage() (held, missing []string, ok bool) {
	chunks := slices.Clone(a.chunks)
	slices.SortFunc(chunks, func(x, y adattr.Range) int {
		if c := cmp.Compare(x.Low, y.Low); c != 0 {
			return c
		}
		// At the same low bound a chunk ending in "*" reaches furthest.
		return cmp.Compare(reach(x), reach(y))
	})
	next, start, end := 0, -1, false
	flush := func(hi string) {
		if start >= 0 {
			held = append(held, strconv.Itoa(start)+"-"+hi)
		}
	}
	for _, c := range chunks {
		if c.Low > next {
			flush(strconv.Itoa(next - 1))
			missing = append(missing, fmt.Sprintf("%d-%d", next, c.Low-1))
			start = -1
		}
		if start < 0 {
			start = c.Low
		}
		if c.Last {
			end = true
			break
		}
		next = max(next, c.High+1)
	}
	if end {
		flush("*")
	} else {
		flush(strconv.Itoa(next - 1))
	}
	return held, missing, end && len(missing) == 0
}

func reach(r adattr.Range) int {
	if r.Last {
		return int(^uint(0) >> 1)
	}
	return r.High
}

// reason is the gap's text: what the export holds, what is missing, and how
// to export the whole attribute.
func (s shortAttr) reason() string {
	what := "values"
	if s.key == "member" {
		what = "members"
	}
	var why []string
	if len(s.missing) > 0 {
		why = append(why, what+" "+strings.Join(s.missing, ", ")+" are missing")
	}
	if !strings.HasSuffix(s.held[len(s.held)-1], "-*") {
		why = append(why, `no chunk ending in "*" follows`)
	}
	return fmt.Sprintf("the export holds only %s %s of the ranged attribute %s (%s): Active Directory returns at most MaxValRange values per read "+
		"and the tool that wrote the export (ldapsearch, say) did not ask for the rest. "+
		"Export again with ldifde, which follows ranges, or with a tool that reads %s;range=N-* until the range ends in \"*\", "+
		"or collect over LDAP (--ldap-url), which follows ranges",
		what, strings.Join(s.held, ", "), s.name, strings.Join(why, "; "), s.name)
}
