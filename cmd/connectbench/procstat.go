package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"
)

// userHZ is the unit of the CPU times in /proc/PID/stat: USER_HZ, 100 on every Linux architecture Go
// supports (the kernel converts to it whatever its internal tick).
const userHZ = 100

// procSample is one reading of a process's counters.
type procSample struct {
	At  time.Time
	CPU time.Duration // user + system time since the process started
	RSS int64         // resident set size now, bytes (VmRSS)
	HWM int64         // peak resident set size since start or the last resetPeakRSS, bytes (VmHWM)
}

// readProc samples a process from /proc.
func readProc(pid int) (procSample, error) {
	s := procSample{At: time.Now()}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, err
	}
	if s.CPU, err = parseStatCPU(stat); err != nil {
		return s, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	if s.RSS, s.HWM, err = parseStatusMemory(status); err != nil {
		return s, fmt.Errorf("/proc/%d/status: %w", pid, err)
	}
	return s, nil
}

// parseStatCPU returns utime + stime of a /proc/PID/stat line. The command name, field 2, is in parentheses
// and may hold spaces and parentheses itself, so fields are counted from the last ')'.
func parseStatCPU(stat []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("no command name")
	}
	// After ") " come field 3 (state) onwards; utime and stime are fields 14 and 15.
	fields := bytes.Fields(stat[i+1:])
	if len(fields) < 13 {
		return 0, fmt.Errorf("%d fields after the command name, want at least 13", len(fields))
	}
	var ticks int64
	for _, f := range fields[11:13] {
		n, err := strconv.ParseInt(string(f), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("cpu time %q: %w", f, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
}

// parseStatusMemory returns VmRSS and VmHWM of /proc/PID/status, in bytes.
func parseStatusMemory(status []byte) (rss, hwm int64, err error) {
	found := 0
	for line := range bytes.Lines(status) {
		key, rest, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		var dst *int64
		switch string(key) {
		case "VmRSS":
			dst = &rss
		case "VmHWM":
			dst = &hwm
		default:
			continue
		}
		f := bytes.Fields(rest)
		if len(f) != 2 || string(f[1]) != "kB" {
			return 0, 0, fmt.Errorf("%s: unexpected value %q", key, bytes.TrimSpace(rest))
		}
		kb, err := strconv.ParseInt(string(f[0]), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %w", key, err)
		}
		*dst = kb << 10
		found++
	}
	if found != 2 {
		return 0, 0, errors.New("no VmRSS and VmHWM (is this a kernel thread?)")
	}
	return rss, hwm, nil
}

// resetPeakRSS restarts VmHWM at the current RSS (Linux 4.0+), so a case's peak is its own.
func resetPeakRSS(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}

// usage is a process's consumption over an interval.
type usage struct {
	Wall    time.Duration // the interval
	CPU     time.Duration // CPU time used in the interval
	CPUPct  float64       // CPU time over wall time, percent of one core
	PeakRSS int64         // VmHWM at the end, bytes
}

func usageBetween(a, b procSample) usage {
	u := usage{Wall: b.At.Sub(a.At), CPU: b.CPU - a.CPU, PeakRSS: b.HWM}
	if u.Wall > 0 {
		u.CPUPct = 100 * float64(u.CPU) / float64(u.Wall)
	}
	return u
}
