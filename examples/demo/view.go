package main

import (
	"fmt"
	"strings"
	"time"
)

// view prints the call as it runs: on a terminal a table redrawn in
// place, elsewhere (a pipe, a log, a test) the events as they happen and a
// progress line now and then.
type view struct {
	d     *demo
	lines int // lines of the last table drawn (Live)
	next  time.Time
}

// barWidth is the width of the progress bar, in characters.
const barWidth = 30

// recentEvents is how many events the live table shows.
const recentEvents = 6

func newView(d *demo) *view { return &view{d: d} }

// period is how often draw is called, which also paces the scenario's
// joins and leaves.
func (v *view) period() time.Duration {
	if v.d.opts.Live {
		return 200 * time.Millisecond
	}
	return 100 * time.Millisecond
}

// progressEvery is how often a progress line is printed when not Live.
func (v *view) progressEvery() time.Duration { return max(time.Second, v.d.opts.Duration/5) }

func (v *view) draw(now time.Time) {
	if v.d.opts.Live {
		v.table(now)
		return
	}
	v.newEvents()
	if now.Before(v.next) {
		return
	}
	v.next = now.Add(v.progressEvery())
	v.progress(now)
}

// done draws the final state.
func (v *view) done(now time.Time) {
	if v.d.opts.Live {
		v.table(now)
		return
	}
	v.newEvents()
	v.progress(now)
}

// elapsed formats the time since the call began.
func (v *view) elapsed(t time.Time) string {
	return fmt.Sprintf("%5.1f s", t.Sub(v.d.begin).Seconds())
}

func (v *view) bar(now time.Time) string {
	frac := min(float64(now.Sub(v.d.begin))/float64(v.d.opts.Duration), 1)
	n := int(frac * barWidth)
	return fmt.Sprintf("[%s%s] %3.0f%%", strings.Repeat("#", n), strings.Repeat(".", barWidth-n), 100*frac)
}

// newEvents prints the events not printed yet.
func (v *view) newEvents() {
	d := v.d
	d.mu.Lock()
	events := d.events[d.printed:]
	d.printed = len(d.events)
	d.mu.Unlock()
	for _, e := range events {
		fmt.Fprintf(d.opts.Out, "%s  %s\n", v.elapsed(e.Time), e)
	}
}

// progress prints the bar and a line per member: its state, epoch,
// safety code and frames sent, opened and rejected.
func (v *view) progress(now time.Time) {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", v.elapsed(now), v.bar(now))
	for _, p := range v.d.people {
		if p.client == nil {
			continue
		}
		st := p.client.Stats()
		fmt.Fprintf(&b, "        %-6s %-7s epoch %-3d safety code %-14s sent %5d  opened %5d  rejected %5d\n",
			p.name, st.Phase, st.Epoch, orDash(st.SafetyCode.Digits), st.SentTotal(), st.Opened(), st.Rejected())
	}
	fmt.Fprint(v.d.opts.Out, b.String())
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// table redraws the live table: the bar, a row per member and the latest
// events.
func (v *view) table(now time.Time) {
	d := v.d
	var b strings.Builder
	fwd, bytes, _ := d.capture.Stats()
	fmt.Fprintf(&b, "call %s %s of %.0f s   relay forwarded %d frames, %.1f MB, all sealed\n\n",
		v.bar(now), v.elapsed(now), d.opts.Duration.Seconds(), fwd, float64(bytes)/1e6)
	fmt.Fprintf(&b, "%-7s %-8s %5s  %-14s %7s %7s %9s\n", "member", "state", "epoch", "safety code", "sent", "opened", "rejected")
	for _, p := range d.people {
		if p.client == nil {
			fmt.Fprintf(&b, "%-7s %-8s\n", p.name, fmt.Sprintf("joins at %.0f s", d.at(p.joinAt).Seconds()))
			continue
		}
		st := p.client.Stats()
		fmt.Fprintf(&b, "%-7s %-8s %5d  %-14s %7d %7d %9d\n", p.name, st.Phase, st.Epoch, orDash(st.SafetyCode.Digits), st.SentTotal(), st.Opened(), st.Rejected())
	}
	b.WriteString("\n")
	d.mu.Lock()
	events := d.events[max(0, len(d.events)-recentEvents):]
	for _, e := range events {
		fmt.Fprintf(&b, "%s  %s\n", v.elapsed(e.Time), clip(e.String(), maxEventWidth))
	}
	for range recentEvents - len(events) {
		b.WriteString("\n")
	}
	d.mu.Unlock()
	if v.lines > 0 {
		fmt.Fprintf(d.opts.Out, "\x1b[%dA\x1b[J", v.lines) // back to the table's first line, and clear
	}
	s := b.String()
	v.lines = strings.Count(s, "\n")
	fmt.Fprint(d.opts.Out, s)
}

// maxEventWidth keeps event lines on one line of an 80-column terminal,
// so that the table's height is its number of lines.
const maxEventWidth = 70

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}
