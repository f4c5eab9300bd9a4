package r53text

import "testing"

func TestNames(t *testing.T) {
	cases := []struct{ canonical, sent, listed string }{
		{"example.com.", "example.com.", "example.com."},
		{"*.example.com.", "*.example.com.", `\052.example.com.`},
		{`a\ b.example.com.`, `a\040b.example.com.`, `a\040b.example.com.`},
		{"_dmarc.example.com.", "_dmarc.example.com.", "_dmarc.example.com."},
		{".", ".", "."},
	}
	for _, c := range cases {
		got, err := ToR53Name(c.canonical)
		if err != nil || got != c.sent {
			t.Errorf("ToR53Name(%q) = %q, %v; want %q", c.canonical, got, err, c.sent)
		}
		labels, err := Labels(c.sent, true)
		if err != nil {
			t.Fatal(err)
		}
		if got := R53Name(labels); got != c.listed {
			t.Errorf("R53Name(%q) = %q, want %q", c.sent, got, c.listed)
		}
		back, err := FromR53Name(c.listed)
		if err != nil || back != c.canonical {
			t.Errorf("FromR53Name(%q) = %q, %v; want %q", c.listed, back, err, c.canonical)
		}
	}
	if got, _ := FromR53Name("WWW.Example.COM"); got != "www.example.com." {
		t.Errorf("FromR53Name lower-cases and qualifies: got %q", got)
	}
	if _, err := Labels("a..b.", false); err == nil {
		t.Error("empty label accepted")
	}
}

func TestValues(t *testing.T) {
	canon := `"a\"b" "c\\d" "tab\009x" "\255"`
	r53 := `"a\"b" "c\\d" "tab\011x" "\377"`
	if got := ToR53Value(canon); got != r53 {
		t.Errorf("ToR53Value = %q, want %q", got, r53)
	}
	if got := FromR53Value(r53); got != canon {
		t.Errorf("FromR53Value = %q, want %q", got, canon)
	}
	if got := ToR53Value("10 mail.example.com."); got != "10 mail.example.com." {
		t.Errorf("plain value changed: %q", got)
	}
}
