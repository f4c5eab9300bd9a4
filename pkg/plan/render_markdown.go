package plan

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/twinzone/twinzone/pkg/zone"
)

// MarkdownCollapseAfter is the number of changes above which a provider's table is folded
// into a <details> block.
const MarkdownCollapseAfter = 50

// RenderMarkdown writes plans as GitHub-flavoured markdown for a pull-request comment: a
// heading and summary per provider and a table of changes (action, name, type, old, new),
// folded into <details> when there are more than MarkdownCollapseAfter changes. A provider
// that could not be planned gets a caution block with the error instead.
func RenderMarkdown(w io.Writer, plans []*Plan) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "## twinzone plan\n\n")
	for _, p := range plans {
		provider := p.Provider
		if provider == "" {
			provider = "provider"
		}
		fmt.Fprintf(bw, "### %s on %s\n\n", mdCode(p.Origin), mdCode(provider))
		if p.Error != "" {
			fmt.Fprintf(bw, "> [!CAUTION]\n> **Error: this provider could not be planned.** %s\n\n", mdText(p.Error))
			continue
		}
		fmt.Fprintf(bw, "%s\n\n", strings.ToUpper(summary(p)[:1])+summary(p)[1:])
		if !p.Empty() {
			fold := len(p.Changes) > MarkdownCollapseAfter
			if fold {
				fmt.Fprintf(bw, "<details><summary>%d changes</summary>\n\n", len(p.Changes))
			}
			fmt.Fprintf(bw, "| | name | type | old | new |\n|---|---|---|---|---|\n")
			for _, c := range p.Changes {
				k := c.Key()
				sign := map[Action]string{Create: "➕", Update: "✏️", Delete: "➖"}[c.Action]
				fmt.Fprintf(bw, "| %s | %s | %s | %s | %s |\n", sign, mdCode(k.Name), zone.TypeString(k.Type), mdSet(c.Old), mdSet(c.New))
			}
			if fold {
				fmt.Fprintf(bw, "\n</details>\n")
			}
			fmt.Fprintf(bw, "\n")
		}
		if len(p.Unmanaged) > 0 {
			fmt.Fprintf(bw, "Left alone:\n\n")
			for _, u := range p.Unmanaged {
				fmt.Fprintf(bw, "- %s %s: %s\n", mdCode(u.Key.Name), zone.TypeString(u.Key.Type), mdText(u.Reason))
			}
			fmt.Fprintf(bw, "\n")
		}
	}
	return bw.Flush()
}

// mdSet renders an RRset for a table cell: TTL then one value per line.
func mdSet(s *zone.RRset) string {
	if s == nil {
		return ""
	}
	parts := make([]string, 0, len(s.Values))
	for _, v := range s.Values {
		parts = append(parts, mdCode(v))
	}
	return fmt.Sprintf("%d %s", s.TTL, strings.Join(parts, "<br>"))
}

// mdCode renders s as inline code that is safe inside a table cell, whatever it contains
// (backticks, pipes, HTML).
func mdCode(s string) string {
	return "<code>" + mdText(s) + "</code>"
}

var mdEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "|", "&#124;")

func mdText(s string) string { return mdEscaper.Replace(s) }
