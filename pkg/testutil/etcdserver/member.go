package etcdserver

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// Healthy asks the member's /health endpoint once.
func (m *Member) Healthy() error {
	hc := &http.Client{Timeout: 2 * time.Second}
	if m.Node != nil {
		hc.Transport = &http.Transport{DialContext: m.Node.DialContext}
	}
	resp, err := hc.Get(m.ClientURL + "/health")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `"health":"true"`) {
		return fmt.Errorf("health: %s %s", resp.Status, strings.TrimSpace(string(b)))
	}
	return nil
}

// Logs returns the member's log so far.
func (m *Member) Logs() string {
	b, _ := os.ReadFile(m.logPath)
	return string(b)
}

// Running reports whether the process is alive.
func (m *Member) Running() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.done == nil {
		return false
	}
	select {
	case <-m.done:
		return false
	default:
		return true
	}
}

func (m *Member) spawn() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cmd != nil {
		return errors.New(m.Name + ": already running")
	}
	logf, err := os.OpenFile(m.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	var cmd *exec.Cmd
	if m.Node != nil {
		cmd = m.Node.Command(m.bin, m.args...)
	} else {
		cmd = exec.Command(m.bin, m.args...)
	}
	cmd.Dir = m.Dir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("start %s: %w", m.bin, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); logf.Close(); close(done) }()
	m.cmd, m.done = cmd, done
	return nil
}

// Restart starts a stopped member again with its data and waits until the cluster is healthy.
func (m *Member) Restart(c *Cluster) {
	m.t.Helper()
	if err := m.spawn(); err != nil {
		m.t.Fatalf("etcd %s: %v", m.Name, err)
	}
	if err := c.WaitHealthy(60 * time.Second); err != nil {
		m.t.Fatalf("etcd: %v", err)
	}
}

// Start starts a stopped member again without waiting for health (a member alone in a
// cluster that lost its majority never becomes healthy).
func (m *Member) Start() {
	m.t.Helper()
	if err := m.spawn(); err != nil {
		m.t.Fatalf("etcd %s: %v", m.Name, err)
	}
}

// Stop terminates the member (SIGTERM to its process group, SIGKILL after 5 s) and reaps it.
func (m *Member) Stop() { m.signal(syscall.SIGTERM, 5*time.Second) }

// Kill ends the member with SIGKILL and reaps it.
func (m *Member) Kill() { m.signal(syscall.SIGKILL, 0) }

func (m *Member) signal(sig syscall.Signal, grace time.Duration) {
	m.mu.Lock()
	cmd, done := m.cmd, m.done
	m.cmd, m.done = nil, nil
	m.mu.Unlock()
	if cmd == nil {
		return
	}
	pgid := cmd.Process.Pid
	_ = syscall.Kill(-pgid, sig)
	if grace > 0 {
		select {
		case <-done:
			return
		case <-time.After(grace):
		}
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	<-done
}
