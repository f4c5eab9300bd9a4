package probe

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"syscall"
	"time"

	"github.com/miekg/dns"
)

// exchange sends q to addr and reads one reply with q's ID. Over UDP the socket is connected
// (only datagrams from addr arrive, and ICMP errors surface as ECONNREFUSED); datagrams that
// are not a reply to q (shorter than a DNS header, or another ID: a late reply to an earlier
// query, or an off-path spoofer) are skipped, however many, and the wait for the real reply
// goes on until the timeout, as BIND and Unbound do; otherwise anyone able to send a few
// datagrams could make a healthy provider look down. Over TCP a reply with
// another ID is a WrongAnswer. Replies larger than the advertised EDNS size over UDP are
// Malformed: a resolver would not read them either.
func (p *Prober) exchange(ctx context.Context, addr netip.AddrPort, tcp bool, q *dns.Msg) (*dns.Msg, Reason, string) {
	deadline := time.Now().Add(p.timeout())
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	qctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	network := transport(tcp)
	var d net.Dialer
	conn, err := d.DialContext(qctx, network, addr.String())
	if err != nil {
		return netFail(ctx, err)
	}
	defer conn.Close()
	stop := context.AfterFunc(qctx, func() { conn.SetDeadline(time.Now()) })
	defer stop()
	conn.SetDeadline(deadline)

	wire, err := q.Pack()
	if err != nil {
		return nil, Malformed, "pack query: " + err.Error()
	}
	var b []byte
	if tcp {
		msg := make([]byte, 2+len(wire))
		binary.BigEndian.PutUint16(msg, uint16(len(wire)))
		copy(msg[2:], wire)
		if _, err := conn.Write(msg); err != nil {
			return netFail(ctx, err)
		}
		var l [2]byte
		if _, err := io.ReadFull(conn, l[:]); err != nil {
			return netFail(ctx, err)
		}
		b = make([]byte, binary.BigEndian.Uint16(l[:]))
		if _, err := io.ReadFull(conn, b); err != nil {
			return netFail(ctx, err)
		}
		if len(b) < 12 {
			return nil, Malformed, fmt.Sprintf("reply of %d bytes", len(b))
		}
		if id := binary.BigEndian.Uint16(b); id != q.Id {
			return nil, WrongAnswer, fmt.Sprintf("reply ID %d, query ID %d", id, q.Id)
		}
	} else {
		if _, err := conn.Write(wire); err != nil {
			return netFail(ctx, err)
		}
		buf := make([]byte, dns.MaxMsgSize+1)
		runts, foreign := 0, 0
		for { // bounded by the deadline set on conn
			n, err := conn.Read(buf)
			if err != nil {
				if runts+foreign > 0 && isTimeout(err) {
					return nil, Timeout, fmt.Sprintf("no reply with the query ID (ignored %d datagrams with a foreign ID, %d shorter than a DNS header)", foreign, runts)
				}
				return netFail(ctx, err)
			}
			if n < 12 {
				runts++
				continue
			}
			if binary.BigEndian.Uint16(buf) != q.Id {
				foreign++
				continue
			}
			if n > EDNSSize {
				return nil, Malformed, fmt.Sprintf("UDP reply of %d bytes exceeds the advertised %d", n, EDNSSize)
			}
			b = buf[:n]
			break
		}
	}
	r, err := unpack(b)
	if err != nil {
		return nil, Malformed, "unpack reply: " + err.Error()
	}
	return r, OK, ""
}

// unpack parses a reply, turning a panic in the parser into an error.
func unpack(b []byte) (r *dns.Msg, err error) {
	defer func() {
		if v := recover(); v != nil {
			r, err = nil, fmt.Errorf("parser panic: %v", v)
		}
	}()
	r = new(dns.Msg)
	if err := r.Unpack(b); err != nil {
		return nil, err
	}
	return r, nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) ||
		(errors.As(err, &ne) && ne.Timeout())
}

// netReason classifies a network error; ctx is the caller's context (to tell cancellation).
func netReason(ctx context.Context, err error) (Reason, string) {
	switch {
	case ctx.Err() != nil && errors.Is(ctx.Err(), context.Canceled):
		return Timeout, "cancelled"
	case isTimeout(err):
		return Timeout, "no reply"
	case errors.Is(err, syscall.ECONNREFUSED):
		return Unreachable, "connection refused"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH),
		errors.Is(err, syscall.EHOSTDOWN), errors.Is(err, syscall.EADDRNOTAVAIL):
		return Unreachable, "unreachable: " + errText(err)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET):
		return Unreachable, "connection closed without a complete reply"
	default:
		return Unreachable, errText(err)
	}
}

func errText(err error) string {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Op + ": " + oe.Err.Error()
	}
	return err.Error()
}

func netFail(ctx context.Context, err error) (*dns.Msg, Reason, string) {
	r, d := netReason(ctx, err)
	return nil, r, d
}
