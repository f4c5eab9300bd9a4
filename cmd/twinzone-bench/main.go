// Command twinzone-bench measures `twinzone plan` the way a user runs it: it generates a
// 100,000-name zone and a copy with about 1% of its RRsets changed, serves the copy through two
// zonefile providers, runs the twinzone binary and prints wall time and peak memory (maximum
// resident set size of the process). `make bench` runs it.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

func main() {
	bin := flag.String("bin", "bin/twinzone", "twinzone binary to measure")
	names := flag.Int("names", 100000, "names in the generated zone")
	changed := flag.Float64("changed", 0.01, "fraction of RRsets changed in the providers' copy")
	runs := flag.Int("runs", 3, "runs; the best is reported with the others")
	flag.Parse()
	if err := bench(*bin, *names, *changed, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "twinzone-bench:", err)
		os.Exit(1)
	}
}

func bench(bin string, names int, changed float64, runs int) error {
	bin, err := filepath.Abs(bin)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "twinzone-bench")
	if err != nil {
		return err
	}
	if os.Getenv("TZ_BENCH_KEEP") == "" {
		defer os.RemoveAll(dir)
	} else {
		fmt.Println("keeping", dir)
	}
	rrsets, err := writeZone(filepath.Join(dir, "desired.zone"), names, 0, 1)
	if err != nil {
		return err
	}
	for _, p := range []string{"primary.zone", "secondary.zone"} {
		if _, err := writeZone(filepath.Join(dir, p), names, changed, 2); err != nil {
			return err
		}
	}
	cfg := `state_dir: state
providers:
  one: {type: zonefile, path: primary.zone}
  two: {type: zonefile, path: secondary.zone}
zones:
  - name: bench.example.
    file: desired.zone
    primary:   {provider: one, nameservers: [ns1.bench.example.]}
    secondary: {provider: two, nameservers: [ns2.bench.example.]}
    failover: {auto: false}
`
	if err := os.WriteFile(filepath.Join(dir, "twinzone.yaml"), []byte(cfg), 0o600); err != nil {
		return err
	}
	fmt.Printf("plan: %d names (%d RRsets), ~%.0f%% of RRsets changed on each of 2 zonefile providers\n",
		names, rrsets, changed*100)
	best := time.Duration(1<<63 - 1)
	var bestRSS int64
	for i := 0; i < runs; i++ {
		cmd := exec.Command(bin, "plan", "--config", filepath.Join(dir, "twinzone.yaml"), "--format", "json")
		cmd.Stdout, cmd.Stderr = nil, os.Stderr
		start := time.Now()
		err := cmd.Run()
		wall := time.Since(start)
		if err != nil {
			return fmt.Errorf("run %d: %w", i+1, err)
		}
		rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss // KiB on Linux
		fmt.Printf("  run %d: wall %v, peak RSS %.1f MB\n", i+1, wall.Round(time.Millisecond), float64(rss)/1024)
		if wall < best {
			best, bestRSS = wall, rss
		}
	}
	fmt.Printf("plan 100k: best wall %v, peak RSS %.1f MB (targets: < 1s, < 300 MB)\n",
		best.Round(time.Millisecond), float64(bestRSS)/1024)
	return nil
}

// writeZone writes a zone of n names (A on every name, plus AAAA, MX, TXT, CNAME on some) and
// returns its RRset count. A fraction `changed` of RRsets get another value, deterministically.
func writeZone(path string, n int, changed float64, seed uint64) (int, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewPCG(seed, 42))
	fmt.Fprintf(w, "$ORIGIN bench.example.\n$TTL 300\n")
	fmt.Fprintf(w, "@ 3600 IN SOA ns1.bench.example. hostmaster.bench.example. 1 7200 3600 1209600 300\n")
	fmt.Fprintf(w, "@ IN NS ns1.bench.example.\n@ IN NS ns2.bench.example.\n")
	count := 0
	for i := 0; i < n; i++ {
		alt := func() int {
			if changed > 0 && rng.Float64() < changed {
				return 1
			}
			return 0
		}
		switch i % 10 {
		case 7:
			fmt.Fprintf(w, "host%d IN CNAME target%d.bench.example.\n", i, i+alt())
			count++
			continue
		case 3:
			fmt.Fprintf(w, "host%d IN TXT \"v=spf1 include:_spf.example.net ~all %d\"\n", i, alt())
			count++
		case 5:
			fmt.Fprintf(w, "host%d IN MX 10 mx%d.bench.example.\n", i, alt())
			count++
		}
		fmt.Fprintf(w, "host%d IN A 10.%d.%d.%d\n", i, (i>>16)&255, (i>>8)&255, (i+alt())&255)
		count++
		if i%4 == 0 {
			fmt.Fprintf(w, "host%d IN AAAA 2001:db8::%x:%x\n", i, i>>16, (i+alt())&0xffff)
			count++
		}
	}
	return count, w.Flush()
}
