package plan

import "testing"

// BenchmarkCalculate100k plans a 100,000-name zone against a copy with about 1% of its RRsets
// changed.
func BenchmarkCalculate100k(b *testing.B) {
	desired := genZone(100_000, 1)
	current := mutate(desired, 0.01, 2)
	opts := Options{Origin: "example.com.", StampHash: StampHash(desired)}
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
