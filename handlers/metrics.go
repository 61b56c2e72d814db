package handlers

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ticketrail/ticketrail/orders"
)

// metrics are the handler's Prometheus series (see Options.Metrics). They
// are kept whether or not they are registered anywhere.
type metrics struct {
	screens    *prometheus.GaugeVec   // open sockets by view and controls
	messages   prometheus.Counter     // messages sent to screens
	bytes      prometheus.Counter     // their bytes, WebSocket framing included
	render     prometheus.Histogram   // time to render one message for a kind of screen
	snapshots  *prometheus.CounterVec // catch-up snapshots by reason
	sockClosed *prometheus.CounterVec // sockets ended, by reason
	ackLag     prometheus.Histogram   // from sending a message to its ack
	unseen     prometheus.Counter     // alarms raised
	alarms     prometheus.Gauge       // alarms showing now
	api        *prometheus.CounterVec // API requests by route and status code
	apiTime    *prometheus.HistogramVec
	events     *prometheus.CounterVec // the rail's changes, by kind
}

// Why a screen that was already connected was sent a snapshot.
const (
	snapshotBehind = "behind" // its queue overflowed
	snapshotUnseen = "unseen" // it did not show what it was sent
)

func newMetrics() *metrics {
	return &metrics{
		screens: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ticketrail_screens", Help: "Screens connected (open sockets), by view (expo, grill, fry, shake) and controls (all, none).",
		}, []string{"view", "controls"}),
		messages: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ticketrail_messages_sent_total", Help: "Socket messages sent to screens.",
		}),
		bytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ticketrail_sent_bytes_total", Help: "Bytes of the socket messages sent to screens, WebSocket framing included.",
		}),
		render: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "ticketrail_render_seconds", Help: "Time to render one event's message for one kind of screen (once, however many screens of the kind).",
			Buckets: prometheus.ExponentialBuckets(10e-6, 4, 8),
		}),
		snapshots: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ticketrail_snapshot_catchups_total", Help: "Snapshots sent to a connected screen to bring it up to date, by reason (behind: its queue overflowed; unseen: it did not show what it was sent).",
		}, []string{"reason"}),
		sockClosed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ticketrail_sockets_closed_total", Help: "Screen sockets ended, by reason.",
		}, []string{"reason"}),
		ackLag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "ticketrail_ack_lag_seconds", Help: "Time from sending a message to a screen to the screen's ack that it shows it.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}),
		unseen: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ticketrail_unseen_alarms_total", Help: "Unseen-ticket alarms raised: a screen not showing what it was sent, or a station with open tickets and no screen.",
		}),
		alarms: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "ticketrail_unseen_alarms", Help: "Unseen-ticket alarms showing on the expo now.",
		}),
		api: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ticketrail_api_requests_total", Help: "Order API requests, by route and status code.",
		}, []string{"route", "code"}),
		apiTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ticketrail_api_request_seconds", Help: "Order API response time, by route.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ticketrail_orders_total", Help: "Changes to the rail this instance saw, by event (placed, fired, bumped, cancelled, recalled, ...). Every instance on a shared database sees every change.",
		}, []string{"event"}),
	}
}

// register registers m, and the series that read h, with reg.
func (m *metrics) register(reg prometheus.Registerer, h *Handler) {
	board := h.opts.Board
	for _, k := range []screenKind{{}, {viewOnly: true}} {
		for _, st := range append([]orders.Station{""}, orders.Stations()...) {
			k.station = st
			m.screens.WithLabelValues(k.labels()...) // present at 0
		}
	}
	for _, r := range closeReasons {
		m.sockClosed.WithLabelValues(string(r))
	}
	for _, r := range []string{snapshotBehind, snapshotUnseen} {
		m.snapshots.WithLabelValues(r)
	}
	for _, k := range []orders.EventKind{orders.EventPlaced, orders.EventFired, orders.EventBumped, orders.EventCancelled, orders.EventRecalled} {
		m.events.WithLabelValues(string(k))
	}
	reg.MustRegister(m.screens, m.messages, m.bytes, m.render, m.snapshots, m.sockClosed, m.ackLag, m.unseen, m.alarms, m.api, m.apiTime, m.events,
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "ticketrail_renders_total", Help: "Messages rendered: one per event for each kind of screen with a socket open.",
		}, func() float64 { return float64(h.Renders()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "ticketrail_open_tickets", Help: "Open tickets on the rail.",
		}, func() float64 { return float64(len(board.Open())) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "ticketrail_rail_version", Help: "The version of the store's log that this instance's rail shows.",
		}, func() float64 { return float64(board.Version()) }),
	)
}

// labels are the view and controls labels of a kind of screen.
func (k screenKind) labels() []string {
	view, controls := string(k.station), "all"
	if view == "" {
		view = "expo"
	}
	if k.viewOnly {
		controls = "none"
	}
	return []string{view, controls}
}

func (m *metrics) opened(k screenKind) { m.screens.WithLabelValues(k.labels()...).Inc() }

func (m *metrics) closed(k screenKind, r closeReason) {
	m.screens.WithLabelValues(k.labels()...).Dec()
	m.sockClosed.WithLabelValues(string(r)).Inc()
}

func (m *metrics) sent(n int) {
	m.messages.Inc()
	m.bytes.Add(float64(n))
}

func (m *metrics) rendered(d time.Duration)    { m.render.Observe(d.Seconds()) }
func (m *metrics) snapshot(reason string)      { m.snapshots.WithLabelValues(reason).Inc() }
func (m *metrics) acked(lag time.Duration)     { m.ackLag.Observe(lag.Seconds()) }
func (m *metrics) unseenAlarm()                { m.unseen.Inc() }
func (m *metrics) setAlarms(n int)             { m.alarms.Set(float64(n)) }
func (m *metrics) event(kind orders.EventKind) { m.events.WithLabelValues(string(kind)).Inc() }

// apiRoute counts and times the requests of one API route.
func (m *metrics) apiRoute(route string, next http.Handler) http.Handler {
	l := prometheus.Labels{"route": route}
	m.apiTime.With(l) // present, at 0, before the first request
	return promhttp.InstrumentHandlerCounter(m.api.MustCurryWith(l),
		promhttp.InstrumentHandlerDuration(m.apiTime.MustCurryWith(l), next))
}
