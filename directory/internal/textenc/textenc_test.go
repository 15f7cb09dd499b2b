package textenc

import (
	"bytes"
	"encoding/binary"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf16"
	"unicode/utf8"

	"dgaudit/directory/internal/textenc/textenctest"
)

func units(order binary.AppendByteOrder, us ...uint16) []byte {
	var b []byte
	for _, u := range us {
		b = order.AppendUint16(b, u)
	}
	return b
}

func TestNewReader(t *testing.T) {
	t.Parallel()
	const text = "dn: CN=Zoë Ünal,OU=Ämter,DC=corp\r\ndisplayName: 🦊 Fox\r\n\r\n"
	le, be := binary.LittleEndian, binary.BigEndian
	tests := []struct {
		name    string
		in      []byte
		want    string
		enc     Encoding
		wantErr string
	}{
		{name: "UTF-8", in: []byte(text), want: text, enc: UTF8},
		{name: "UTF-8 with a mark", in: append([]byte{0xEF, 0xBB, 0xBF}, text...), want: text, enc: UTF8BOM},
		{name: "empty", in: nil, want: "", enc: UTF8},
		{name: "one byte", in: []byte("x"), want: "x", enc: UTF8},
		{name: "UTF-16LE with a mark", in: textenctest.UTF16(text, le, true), want: text, enc: UTF16LE},
		{name: "UTF-16BE with a mark", in: textenctest.UTF16(text, be, true), want: text, enc: UTF16BE},
		{name: "UTF-16LE, only the mark", in: textenctest.UTF16("", le, true), want: "", enc: UTF16LE},
		{name: "lone low surrogate", in: append(textenctest.UTF16("ab", le, true), units(le, 0xDC00, 'c')...), want: "ab", enc: UTF16LE,
			wantErr: "invalid UTF-16 at byte 6: a low surrogate (0xdc00) with no high surrogate before it"},
		{name: "high surrogate before a letter", in: append(textenctest.UTF16("a", be, true), units(be, 0xD83E, 'c')...), want: "a", enc: UTF16BE,
			wantErr: "invalid UTF-16 at byte 4: a high surrogate (0xd83e) with no low surrogate after it"},
		{name: "high surrogate at the end", in: append(textenctest.UTF16("a", le, true), units(le, 0xD83E)...), want: "a", enc: UTF16LE,
			wantErr: "invalid UTF-16 at byte 4: the file ends in the middle of a character"},
		{name: "odd last byte", in: append(textenctest.UTF16("ab", le, true), 'c'), want: "ab", enc: UTF16LE,
			wantErr: "invalid UTF-16 at byte 6: the file ends in the middle of a character, so it was cut short"},
		{name: "UTF-16LE without a mark", in: textenctest.UTF16("dn: x", le, false), wantErr: "looks like UTF-16 without a byte order mark"},
		{name: "UTF-16BE without a mark", in: textenctest.UTF16("dn: x", be, false), wantErr: "looks like UTF-16 without a byte order mark"},
		{name: "UTF-32", in: []byte{0xFF, 0xFE, 0, 0, 'a', 0, 0, 0}, wantErr: "UTF-32"},
	}
	for _, tc := range tests {
		for _, small := range []bool{false, true} {
			name := tc.name
			if small {
				name += ", read a byte at a time"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				var src io.Reader = bytes.NewReader(tc.in)
				if small {
					src = iotest.OneByteReader(src)
				}
				r, enc, err := NewReader(src)
				var got []byte
				if err == nil {
					if enc != tc.enc {
						t.Errorf("encoding %v, want %v", enc, tc.enc)
					}
					got, err = io.ReadAll(r)
				}
				if string(got) != tc.want {
					t.Errorf("read %q, want %q", got, tc.want)
				}
				switch {
				case tc.wantErr == "" && err != nil:
					t.Errorf("err = %v", err)
				case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
					t.Errorf("err = %v, want it to contain %q", err, tc.wantErr)
				}
			})
		}
	}
}

// Characters split across the decoder's reads, a surrogate pair among them,
// come out whole.
func TestNewReaderAcrossBuffers(t *testing.T) {
	t.Parallel()
	var sb strings.Builder
	for sb.Len() < 3*bufSize {
		sb.WriteString("member: CN=Ödön 🦊,DC=corp\r\n")
	}
	want := sb.String()
	for _, order := range []binary.AppendByteOrder{binary.LittleEndian, binary.BigEndian} {
		// An odd-sized first read puts every later boundary inside a unit.
		in := textenctest.UTF16(want, order, true)
		r, _, err := NewReader(io.MultiReader(bytes.NewReader(in[:bufSize-1]), bytes.NewReader(in[bufSize-1:])))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		if err != nil || string(got) != want {
			t.Errorf("%v: err %v, decoded text differs (%d bytes, want %d)", order, err, len(got), len(want))
		}
	}
}

// FuzzNewReader checks that UTF-16 decodes to valid UTF-8 that encodes back
// to the same bytes, or fails with an Error, for any input.
func FuzzNewReader(f *testing.F) {
	f.Add(textenctest.UTF16("dn: CN=Zoë 🦊\r\n", binary.LittleEndian, true))
	f.Add(textenctest.UTF16("dn: CN=Zoë 🦊\r\n", binary.BigEndian, true))
	f.Add(append(textenctest.UTF16("a", binary.LittleEndian, true), 0x3E, 0xD8))
	f.Fuzz(func(t *testing.T, in []byte) {
		r, enc, err := NewReader(bytes.NewReader(in))
		var out []byte
		if err == nil {
			out, err = io.ReadAll(r)
		}
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %v is not an *Error", err)
			}
			return
		}
		if !enc.IsUTF16() {
			return
		}
		if !utf8.Valid(out) {
			t.Fatalf("decoded text is not valid UTF-8: %q", out)
		}
		var order binary.AppendByteOrder = binary.LittleEndian
		if enc == UTF16BE {
			order = binary.BigEndian
		}
		if back := textenctest.UTF16(string(out), order, true); !bytes.Equal(back, in) {
			t.Fatalf("%q decoded to %q, which encodes back to %q", in, out, back)
		}
	})
}

// Decoding reuses its buffer: a large UTF-16 text costs a few buffers,
// not one a read.
func TestUTF16DecodingReusesItsBuffer(t *testing.T) {
	text := strings.Repeat("2026-03-05T10:00:00Z,RECEIVE,ann@contoso.com,Réunion ☕\r\n", 40000)
	enc := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(text)) {
		enc = binary.LittleEndian.AppendUint16(enc, u)
	}
	allocs := testing.AllocsPerRun(3, func() {
		r, _, err := NewReader(bytes.NewReader(enc))
		if err != nil {
			t.Fatal(err)
		}
		if n, err := io.Copy(io.Discard, r); err != nil || n != int64(len(text)) {
			t.Fatalf("decoded %d bytes, %v; want %d", n, err, len(text))
		}
	})
	// The readers and their buffers, whatever the length (2.3 MB here).
	if allocs > 20 {
		t.Errorf("%v allocations to decode %d bytes", allocs, len(enc))
	}
}
