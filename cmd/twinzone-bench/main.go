// Command twinzone-bench measures twinzone the way a user runs it, as a child process, and
// prints wall time and peak memory (maximum resident set size of the process):
//
//   - `twinzone plan` on a 100,000-name zone against two zonefile providers serving a copy with
//     about 1% of its RRsets changed;
//   - `twinzone validate` and `twinzone sync` of a large zone (-large records, 2,000,000 by
//     default; 0 skips it) into two zonefile providers serving a 1%-changed copy, and the ratio
//     of the two (targets: sync within 4x of validate's time and 2x of its memory).
//
// Everything is generated in a temporary directory and removed at the end. `make bench` runs it.
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
	large := flag.Int("large", 2000000, "records in the zone of the validate/sync benchmark; 0 skips it")
	largeRuns := flag.Int("large-runs", 1, "runs of the validate/sync benchmark")
	flag.Parse()
	err := bench(*bin, *names, *changed, *runs)
	if err == nil && *large > 0 {
		err = benchLarge(*bin, *large, *changed, *largeRuns)
	}
	if err != nil {
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
	rrsets, err := writeZone(filepath.Join(dir, "desired.zone"), names, 0, 1, 2)
	if err != nil {
		return err
	}
	for _, p := range []string{"primary.zone", "secondary.zone"} {
		if _, err := writeZone(filepath.Join(dir, p), names, changed, 2, 1); err != nil {
			return err
		}
	}
	if err := writeConfig(dir); err != nil {
		return err
	}
	fmt.Printf("plan: %d names (%d RRsets), ~%.0f%% of RRsets changed on each of 2 zonefile providers\n",
		names, rrsets, changed*100)
	best := time.Duration(1<<63 - 1)
	var bestRSS int64
	for i := 0; i < runs; i++ {
		wall, rss, err := run(bin, dir, "plan", "--format", "json")
		if err != nil {
			return fmt.Errorf("run %d: %w", i+1, err)
		}
		fmt.Printf("  run %d: wall %v, peak RSS %.1f MB\n", i+1, wall.Round(time.Millisecond), mb(rss))
		if wall < best {
			best, bestRSS = wall, rss
		}
	}
	fmt.Printf("plan %d names: best wall %v, peak RSS %.1f MB (targets for 100,000: < 1s, < 300 MB)\n", names,
		best.Round(time.Millisecond), mb(bestRSS))
	return nil
}

func writeConfig(dir string) error { return writeConfigAs(dir, "twinzone.yaml", "desired.zone") }

// writeConfigAs writes the config file name whose zone file is zoneFile.
func writeConfigAs(dir, name, zoneFile string) error {
	cfg := `state_dir: state
providers:
  one: {type: zonefile, path: primary.zone}
  two: {type: zonefile, path: secondary.zone}
zones:
  - name: bench.example.
    file: ` + zoneFile + `
    primary:   {provider: one, nameservers: [ns1.bench.example.]}
    secondary: {provider: two, nameservers: [ns2.bench.example.]}
    failover: {auto: false}
`
	return os.WriteFile(filepath.Join(dir, name), []byte(cfg), 0o600)
}

// run runs one twinzone command on dir's config and returns its wall time and peak RSS (KiB).
func run(bin, dir string, args ...string) (time.Duration, int64, error) {
	return runWith(bin, dir, "twinzone.yaml", args...)
}

// runWith is run with the config file cfg.
func runWith(bin, dir, cfg string, args ...string) (time.Duration, int64, error) {
	m, err := measure(bin, dir, cfg, args...)
	return m.wall, m.rss, err
}

// measured is one run of twinzone: wall time, CPU time (user + system; less sensitive than
// wall time to other load on a shared machine) and peak RSS in KiB.
type measured struct {
	wall, cpu time.Duration
	rss       int64
}

func measure(bin, dir, cfg string, args ...string) (measured, error) {
	args = append([]string{args[0], "--config", filepath.Join(dir, cfg)}, args[1:]...)
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = nil, os.Stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return measured{}, fmt.Errorf("twinzone %s: %w", args[0], err)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return measured{wall: wall, cpu: cpu, rss: ru.Maxrss}, nil // Maxrss: KiB on Linux
}

func mb(kib int64) float64 { return float64(kib) / 1024 }

// benchLarge measures validate and sync of a zone of about `records` records into two
// zonefile providers 1% behind it, in two states: files not written by twinzone (a first sync
// onto copies made by hand: unsorted, parsed and sorted in full), and the steady state, files
// that twinzone's previous sync wrote. Every run starts from the same files.
func benchLarge(bin string, records int, changed float64, runs int) error {
	dir, err := os.MkdirTemp("", "twinzone-bench-large")
	if err != nil {
		return err
	}
	if os.Getenv("TZ_BENCH_KEEP") == "" {
		defer os.RemoveAll(dir)
	} else {
		fmt.Println("keeping", dir)
	}
	names := records * 100 / 145 // writeZone makes about 1.45 records per name
	n, err := writeZone(filepath.Join(dir, "desired.zone"), names, 0, 1, 2)
	if err != nil {
		return err
	}
	if _, err := writeZone(filepath.Join(dir, "behind.zone"), names, changed, 2, 1); err != nil {
		return err
	}
	if err := writeConfig(dir); err != nil {
		return err
	}
	if err := writeConfigAs(dir, "seed.yaml", "behind.zone"); err != nil {
		return err
	}
	copyBehind := func() error {
		for _, p := range []string{"primary.zone", "secondary.zone"} {
			if err := copyFile(filepath.Join(dir, "behind.zone"), filepath.Join(dir, p)); err != nil {
				return err
			}
		}
		return nil
	}
	fmt.Printf("large zone: %d records (%d names), ~%.0f%% changed on each of 2 zonefile providers\n", n, names, changed*100)
	var v, first, steady measured
	keep := func(b *measured, what string, i int, m measured) {
		fmt.Printf("  %s run %d: wall %v, CPU %v, peak RSS %.1f MB\n", what, i+1,
			m.wall.Round(time.Millisecond), m.cpu.Round(time.Millisecond), mb(m.rss))
		if b.wall == 0 || m.wall < b.wall {
			*b = m
		}
	}
	quiet := []string{"--log-level", "warn"}
	sync := append([]string{"sync", "--force"}, quiet...)
	for i := 0; i < runs; i++ {
		m, err := measure(bin, dir, "twinzone.yaml", "validate")
		if err != nil {
			return err
		}
		keep(&v, "validate", i, m)
		if err := copyBehind(); err != nil {
			return err
		}
		if m, err = measure(bin, dir, "twinzone.yaml", sync...); err != nil {
			return err
		}
		keep(&first, "sync onto files not written by twinzone", i, m)
		// Steady state: the providers' files as twinzone's previous sync wrote them.
		if err := copyBehind(); err != nil {
			return err
		}
		if _, err := measure(bin, dir, "seed.yaml", sync...); err != nil {
			return err
		}
		if m, err = measure(bin, dir, "twinzone.yaml", sync...); err != nil {
			return err
		}
		keep(&steady, "sync, steady state", i, m)
	}
	fmt.Printf("large zone: validate wall %v, CPU %v, %.0f MB\n", v.wall.Round(time.Millisecond), v.cpu.Round(time.Millisecond), mb(v.rss))
	for _, r := range []struct {
		what string
		m    measured
	}{{"sync onto files not written by twinzone", first}, {"sync, steady state", steady}} {
		fmt.Printf("large zone: %s: wall %v (%.1fx validate's), CPU %v (%.1fx), %.0f MB (%.1fx) (targets: <= 4x time, <= 2x memory)\n",
			r.what, r.m.wall.Round(time.Millisecond), r.m.wall.Seconds()/v.wall.Seconds(),
			r.m.cpu.Round(time.Millisecond), r.m.cpu.Seconds()/v.cpu.Seconds(), mb(r.m.rss), float64(r.m.rss)/float64(v.rss))
	}
	return nil
}

func copyFile(from, to string) error {
	data, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, data, 0o644)
}

// writeZone writes a zone of n names (A on every name, plus AAAA, MX, TXT, CNAME on some) and
// returns its RRset count. A fraction `changed` of RRsets get another value, deterministically;
// the SOA carries serial (the desired zone's is higher than the copies', as after an edit).
func writeZone(path string, n int, changed float64, seed uint64, serial int) (int, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewPCG(seed, 42))
	fmt.Fprintf(w, "$ORIGIN bench.example.\n$TTL 300\n")
	fmt.Fprintf(w, "@ 3600 IN SOA ns1.bench.example. hostmaster.bench.example. %d 7200 3600 1209600 300\n", serial)
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
