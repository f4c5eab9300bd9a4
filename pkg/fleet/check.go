package fleet

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// Finding is one line of the fleet's readiness report (`twinzone check`).
type Finding struct {
	Check    string // "fleet-etcd", "fleet-credentials", "fleet-leader", "fleet-quorum"
	Subject  string // endpoint or zone
	Severity string // "ok", "warn", "fail"
	Message  string
	Fix      string
}

// Check reports whether the fleet can work now: every etcd endpoint answers (one that does
// not is a warning while others do), the credentials may read the prefix, a member leads, and
// per zone at least quorum live members that are not cut off publish observations (else the
// fleet can never find a provider down). It reads only.
func Check(ctx context.Context, s *Store, quorum int, ttl time.Duration, zones []string, now time.Time) []Finding {
	var out []Finding
	reachable := 0
	for _, ep := range s.cli.Endpoints() {
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		st, err := s.cli.Status(sctx, ep)
		cancel()
		if err != nil {
			out = append(out, Finding{"fleet-etcd", ep, "warn", "etcd endpoint does not answer: " + errText(err),
				"check that the member runs and that this machine reaches it (TLS, firewall)"})
			continue
		}
		reachable++
		out = append(out, Finding{"fleet-etcd", ep, "ok", fmt.Sprintf("etcd %s answers (raft term %d, leader %x)", st.Version, st.RaftTerm, st.Leader), ""})
	}
	if reachable == 0 {
		return append(out, Finding{"fleet-etcd", "", "fail", "no etcd endpoint answers: the fleet cannot coordinate, every member holds",
			"start etcd or fix fleet.etcd.endpoints"})
	}
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	_, err := s.cli.Get(rctx, s.prefix, clientv3.WithPrefix(), clientv3.WithCountOnly())
	cancel()
	if err != nil {
		fix := "check fleet.etcd.username and the password's environment variable"
		if errors.Is(err, rpctypes.ErrPermissionDenied) {
			fix = "grant the user's role readwrite on the prefix " + s.prefix
		}
		return append(out, Finding{"fleet-credentials", s.prefix, "fail", "cannot read the fleet's keys: " + errText(err), fix})
	}
	out = append(out, Finding{"fleet-credentials", s.prefix, "ok", "the fleet's keys are readable", ""})
	lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	leader, err := s.Leader(lctx)
	obs, oerr := s.Observations(lctx)
	cancel()
	switch {
	case err != nil:
		out = append(out, Finding{"fleet-leader", "", "fail", errText(err), ""})
	case leader == "":
		out = append(out, Finding{"fleet-leader", "", "warn", "no member leads: no `twinzone run` of this fleet is running", "start the members"})
	default:
		out = append(out, Finding{"fleet-leader", leader, "ok", "member " + leader + " leads", ""})
	}
	if oerr != nil {
		return append(out, Finding{"fleet-quorum", "", "fail", errText(oerr), ""})
	}
	for _, z := range zones {
		v := Aggregate(obs, z, quorum, ttl, now)
		voters := v.Live - v.CutOff
		f := Finding{Check: "fleet-quorum", Subject: normZone(z)}
		msg := fmt.Sprintf("%d live members, %d cut off, vantage_quorum %d", v.Live, v.CutOff, v.Quorum)
		if voters >= v.Quorum {
			f.Severity, f.Message = "ok", msg
		} else {
			f.Severity = "fail"
			f.Message = msg + ": the fleet cannot find a provider down, so it never fails over"
			f.Fix = "start more members (in other networks) or lower fleet.vantage_quorum"
		}
		out = append(out, f)
	}
	return out
}

// errText is err's message without the gRPC wrapping noise.
func errText(err error) string {
	s := err.Error()
	if i := strings.Index(s, "desc = "); i >= 0 {
		s = s[i+len("desc = "):]
	}
	return s
}
