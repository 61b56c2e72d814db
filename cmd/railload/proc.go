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
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("process cpu: %w", err)
	}
	// The command name, field 2, is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, fmt.Errorf("process cpu: malformed /proc/%d/stat", pid)
	}
	fields := strings.Fields(string(data[i+1:])) // from field 3 on
	if len(fields) < 13 {
		return 0, fmt.Errorf("process cpu: short /proc/%d/stat", pid)
	}
	var ticks int64
	for _, f := range fields[11:13] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("process cpu: %w", err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
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
