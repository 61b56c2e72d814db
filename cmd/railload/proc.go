package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// userHZ is the unit of the CPU times in /proc/PID/stat: Linux reports
// them in clock ticks of 1/100 s on every architecture Go runs on.
const userHZ = 100

// procSample is what /proc says of one process at one moment.
type procSample struct {
	rss, peak int64         // VmRSS and VmHWM, in bytes
	cpu       time.Duration // user + system time of all its threads
	// writes counts its write system calls (syscw in /proc/PID/io), or
	// is -1 when the kernel does not say.
	writes int64
}

// sampleProc reads a process's memory, CPU time and write system calls.
func sampleProc(pid int) (procSample, error) {
	var p procSample
	var err error
	if p.rss, p.peak, err = serverMemory(pid); err != nil {
		return p, err
	}
	if p.cpu, err = processCPU(pid); err != nil {
		return p, err
	}
	p.writes = writeCalls(pid)
	return p, nil
}

// sampleProcs is sampleProc of pid and more, added up: memory, CPU time
// and write system calls (-1 when the kernel does not say for one).
func sampleProcs(pid int, more []int) (procSample, error) {
	sum, err := sampleProc(pid)
	if err != nil {
		return sum, err
	}
	for _, m := range more {
		p, err := sampleProc(m)
		if err != nil {
			return sum, err
		}
		sum.rss += p.rss
		sum.peak += p.peak
		sum.cpu += p.cpu
		if sum.writes < 0 || p.writes < 0 {
			sum.writes = -1
		} else {
			sum.writes += p.writes
		}
	}
	return sum, nil
}

// serverMemory reads a process's resident memory and its peak, in bytes,
// from /proc/PID/status (VmRSS, VmHWM).
func serverMemory(pid int) (rss, peak int64, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, fmt.Errorf("server memory: %w", err)
	}
	for l := range strings.Lines(string(data)) {
		name, value, ok := strings.Cut(l, ":")
		if !ok || name != "VmRSS" && name != "VmHWM" {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("server memory: %s: %w", name, err)
		}
		if name == "VmRSS" {
			rss = kb << 10
		} else {
			peak = kb << 10
		}
	}
	if rss == 0 {
		return 0, 0, fmt.Errorf("server memory: no VmRSS for pid %d", pid)
	}
	return rss, peak, nil
}

// processCPU reads the user and system time a process has used, all its
// threads together, from /proc/PID/stat (fields 14 and 15).
func processCPU(pid int) (time.Duration, error) {
	fields, err := statFields(pid)
	if err != nil {
		return 0, err
	}
	return ticks(fields[11:13])
}

// clusterCPU reads the CPU time of a server made of processes, such as
// PostgreSQL's: the user and system time of process pid, of its children
// that have ended (fields 14 to 17 of /proc/PID/stat), and of every child
// that runs, with its own ended children.
func clusterCPU(pid int) (time.Duration, error) {
	fields, err := statFields(pid)
	if err != nil {
		return 0, err
	}
	total, err := ticks(fields[11:15])
	if err != nil {
		return 0, err
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, fmt.Errorf("process cpu: %w", err)
	}
	parent := strconv.Itoa(pid)
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil || child == pid {
			continue
		}
		f, err := statFields(child)
		if err != nil || f[1] != parent {
			continue // gone meanwhile, or another's
		}
		if cpu, err := ticks(f[11:15]); err == nil {
			total += cpu
		}
	}
	return total, nil
}

// statFields reads /proc/PID/stat and returns its fields from the third
// (the state) on: at least 15 of them.
func statFields(pid int) ([]string, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil, fmt.Errorf("process cpu: %w", err)
	}
	// The command name, field 2, is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return nil, fmt.Errorf("process cpu: malformed /proc/%d/stat", pid)
	}
	fields := strings.Fields(string(data[i+1:]))
	if len(fields) < 15 {
		return nil, fmt.Errorf("process cpu: short /proc/%d/stat", pid)
	}
	return fields, nil
}

// ticks adds up CPU times in clock ticks.
func ticks(fields []string) (time.Duration, error) {
	var n int64
	for _, f := range fields {
		t, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("process cpu: %w", err)
		}
		n += t
	}
	return time.Duration(n) * time.Second / userHZ, nil
}

// writeCalls reads how many write system calls a process has made
// (syscw in /proc/PID/io), or -1.
func writeCalls(pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", pid))
	if err != nil {
		return -1
	}
	for l := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(l, "syscw:"); ok {
			if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
				return n
			}
		}
	}
	return -1
}

// machineCPU reads the CPU time all of this machine's CPUs spent busy
// (user, nice, system, irq, softirq) or stolen by a hypervisor, from the
// first line of /proc/stat; zero when it cannot be read.
func machineCPU() time.Duration {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(data), "\n")
	fields := strings.Fields(line)
	if len(fields) < 9 || fields[0] != "cpu" {
		return 0
	}
	var ticks int64
	for i, f := range fields[1:9] {
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / userHZ
}
