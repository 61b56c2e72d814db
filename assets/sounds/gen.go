//go:build ignore

// Gen writes the kitchen page's chimes, arrive.wav (a ticket arrives: a
// bright rising two-note ding) and late.wav (a ticket turns late: a lower,
// buzzier double beep), into the directory named by -dir, the current one
// by default. Run it with go generate in the assets directory.
//
// The sounds are computed in integer arithmetic (a few constants aside, each
// rounded to an integer once), so it writes the same bytes on every machine;
// the assets tests run it and compare its output with the embedded files.
package main

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"
)

// rate is the sample rate in Hz; samples are 16-bit signed, mono.
const rate = 16000

// fixed is the scale of the fixed-point numbers below: 1.0 is 1<<fixed.
const fixed = 30

// partial is one sine component of a note: its frequency as a multiple of
// the note's, its loudness relative to the note's and how fast it dies away.
type partial struct {
	ratio, gain float64
	decay       float64 // time constant in seconds; 0 keeps it steady
}

// note is a tone starting at start seconds and lasting dur seconds, with
// short linear fades in and out so that it never clicks.
type note struct {
	freq, gain, start, dur float64
	fadeIn, fadeOut        float64
	partials               []partial
}

func main() {
	dir := flag.String("dir", ".", "directory to write the sounds into")
	flag.Parse()
	for _, sound := range []struct {
		name   string
		length float64
		notes  []note
	}{
		{"arrive.wav", 0.42, arrive()},
		{"late.wav", 0.36, late()},
	} {
		path := filepath.Join(*dir, sound.name)
		if err := os.WriteFile(path, wav(render(sound.length, sound.notes)), 0o644); err != nil {
			log.Fatal(err)
		}
		fmt.Println("wrote", path)
	}
}

// arrive is a ding-ding a fourth apart, B5 then E6, with a bell-like
// brightness that fades faster than the tone.
func arrive() []note {
	bell := []partial{{1, 1, 0.16}, {2, 0.35, 0.07}, {3, 0.12, 0.04}}
	return []note{
		{freq: 987.77, gain: 0.42, start: 0, dur: 0.42, fadeIn: 0.004, fadeOut: 0.03, partials: bell},
		{freq: 1318.51, gain: 0.42, start: 0.13, dur: 0.29, fadeIn: 0.004, fadeOut: 0.03, partials: bell},
	}
}

// late is two short, steady beeps on E5 with odd harmonics, which make
// them sound more like an alarm than a bell.
func late() []note {
	buzz := []partial{{1, 1, 0}, {3, 0.28, 0}, {5, 0.12, 0}}
	beep := func(start float64) note {
		return note{freq: 659.26, gain: 0.65, start: start, dur: 0.13, fadeIn: 0.006, fadeOut: 0.025, partials: buzz}
	}
	return []note{beep(0.02), beep(0.2)}
}

// render mixes notes into length seconds of samples.
func render(length float64, notes []note) []int16 {
	mix := make([]int64, int(length*rate))
	for _, n := range notes {
		first := int(n.start * rate)
		count := min(int(n.dur*rate), len(mix)-first)
		in, out := max(1, int(n.fadeIn*rate)), max(1, int(n.fadeOut*rate))
		for _, p := range n.partials {
			o := newOsc(n.freq*p.ratio, n.gain*p.gain)
			decay := int64(1) << fixed
			if p.decay > 0 {
				decay = round(math.Exp(-1/(p.decay*rate)) * (1 << fixed))
			}
			env := int64(1) << fixed
			for i := range count {
				v := o.next() * env >> fixed
				if i < in {
					v = v * int64(i) / int64(in)
				}
				if left := count - i; left < out {
					v = v * int64(left) / int64(out)
				}
				mix[first+i] += v
				env = env * decay >> fixed
			}
		}
	}
	samples := make([]int16, len(mix))
	for i, v := range mix {
		samples[i] = int16(min(max(v>>(fixed-15), math.MinInt16), math.MaxInt16))
	}
	return samples
}

// osc is a sine oscillator in integer arithmetic, the "magic circle": x and
// y turn around an ellipse by a fixed angle each sample.
type osc struct{ x, y, eps int64 }

func newOsc(freq, gain float64) *osc {
	return &osc{
		x:   round(gain * (1 << fixed)),
		eps: round(2 * math.Sin(math.Pi*freq/rate) * (1 << fixed)),
	}
}

// next returns the next sample, with 1<<fixed as full scale.
func (o *osc) next() int64 {
	o.x -= o.eps * o.y >> fixed
	o.y += o.eps * o.x >> fixed
	return o.y
}

func round(f float64) int64 { return int64(math.Round(f)) }

// wav encodes samples as a WAVE file of 16-bit mono PCM.
func wav(samples []int16) []byte {
	const bits, channels = 16, 1
	data := 2 * len(samples)
	var b bytes.Buffer
	for _, v := range []any{
		[]byte("RIFF"), uint32(36 + data), []byte("WAVE"),
		[]byte("fmt "), uint32(16),
		uint16(1), // PCM
		uint16(channels), uint32(rate),
		uint32(rate * channels * bits / 8), uint16(channels * bits / 8), uint16(bits),
		[]byte("data"), uint32(data), samples,
	} {
		binary.Write(&b, binary.LittleEndian, v)
	}
	return b.Bytes()
}
