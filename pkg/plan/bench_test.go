package plan

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkCalculate100k plans a 100,000-name zone against a copy with about 1% of its RRsets
// changed.
func BenchmarkCalculate100k(b *testing.B) {
	desired := genZone(100_000, 1)
	current := mutate(desired, 0.01, 2)
	opts := Options{Origin: "example.com.", Stamp: StampOf(desired)}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		p, err := Calculate(desired, current, opts)
		if err != nil {
			b.Fatal(err)
		}
		if p.Empty() {
			b.Fatal("empty plan")
		}
	}
}

func BenchmarkStampHash100k(b *testing.B) {
	desired := genZone(100_000, 1)
	b.ReportAllocs()
	for b.Loop() {
		StampHash(desired)
	}
}

// BenchmarkCalculate100kUnsorted is the same with the provider's records in random order, so
// Calculate has to sort a copy.
func BenchmarkCalculate100kUnsorted(b *testing.B) {
	desired := genZone(100_000, 1)
	current := mutate(desired, 0.01, 2)
	r := rand.New(rand.NewPCG(3, 3))
	r.Shuffle(len(current), func(i, j int) { current[i], current[j] = current[j], current[i] })
	opts := Options{Origin: "example.com.", Stamp: StampOf(desired)}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Calculate(desired, current, opts); err != nil {
			b.Fatal(err)
		}
	}
}
