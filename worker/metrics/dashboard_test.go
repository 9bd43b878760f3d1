package metrics

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// mqttNames are the metrics the MQTT connectors' tasks report (connector/mqtt ReportMetrics): the source's with
// its spool on (its TestSpoolMetrics pins the same list), then the sink's.
var mqttNames = []string{
	"connectd_mqtt_messages_received_total", "connectd_mqtt_messages_acknowledged_total",
	"connectd_mqtt_reconnects_total", "connectd_mqtt_messages_in_flight", "connectd_mqtt_records_not_committed",
	"connectd_mqtt_buffer_bytes", "connectd_mqtt_spool_bytes", "connectd_mqtt_spool_oldest_message_age_seconds",
	// The MQTT sink's (its TestSinkMetricsFollowMessages pins the same names).
	"connectd_mqtt_sink_messages_published_total", "connectd_mqtt_sink_messages_acknowledged_total",
	"connectd_mqtt_sink_messages_published_again_total", "connectd_mqtt_sink_messages_given_up_total",
	"connectd_mqtt_sink_messages_pending", "connectd_mqtt_sink_reconnects_total",
}

var metricName = regexp.MustCompile(`\b(?:kafka_connect|connectd|go|process)_[a-z0-9_]+\b`)

// TestDashboardUsesServedNames checks that every metric deploy/'s Grafana dashboard queries is one GET /metrics
// serves: a renamed metric must not leave a panel empty.
func TestDashboardUsesServedNames(t *testing.T) {
	data, err := os.ReadFile("../../deploy/grafana/dashboards/connectd.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Definition string `json:"definition"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(Handler(populated(time.Now), Info{ClientID: "w:8083"}))
	defer srv.Close()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	served := map[string]bool{}
	for name := range fams {
		served[name] = true
	}
	for _, n := range mqttNames {
		served[n] = true
	}
	var exprs []string
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			exprs = append(exprs, tg.Expr)
		}
	}
	for _, v := range dash.Templating.List {
		exprs = append(exprs, v.Definition)
	}
	used := 0
	for _, e := range exprs {
		for _, name := range metricName.FindAllString(e, -1) {
			used++
			if !served[name] {
				t.Errorf("the dashboard queries %s, which GET /metrics does not serve (in %q)", name, e)
			}
		}
	}
	if used < 40 {
		t.Errorf("found only %d metric references in the dashboard; is the reader broken?", used)
	}
	if !strings.Contains(string(data), "connectd_mqtt_spool_bytes") {
		t.Error("the dashboard has no MQTT spool panel")
	}
	if !strings.Contains(string(data), "connectd_mqtt_sink_messages_pending") {
		t.Error("the dashboard has no MQTT sink panel")
	}
}
