package main

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestDockerComposeMonitoring checks the monitoring profile: Prometheus scrapes GET /metrics of every connectd
// worker at its in-network REST port, and Grafana is provisioned with deploy/'s dashboard, both only on request.
func TestDockerComposeMonitoring(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	f := loadCompose(t, root)
	prom, ok := f.Services["prometheus"]
	if !ok {
		t.Fatal("no prometheus service")
	}
	graf, ok := f.Services["grafana"]
	if !ok {
		t.Fatal("no grafana service")
	}
	for name, s := range map[string]composeService{"prometheus": prom, "grafana": graf} {
		if !slices.Equal(s.Profiles, []string{"monitoring"}) {
			t.Errorf("%s profiles %q, want [monitoring]", name, s.Profiles)
		}
	}
	mount := func(s composeService, target string) string {
		for _, v := range s.Volumes {
			if src, rest, ok := strings.Cut(v, ":"); ok && strings.HasPrefix(rest, target) {
				return filepath.Join(root, src)
			}
		}
		t.Fatalf("nothing mounted at %s", target)
		return ""
	}
	data, err := os.ReadFile(mount(prom, "/etc/prometheus/prometheus.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		ScrapeConfigs []struct {
			JobName       string `yaml:"job_name"`
			MetricsPath   string `yaml:"metrics_path"`
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		t.Fatalf("prometheus.yml: %v", err)
	}
	var targets []string
	for _, sc := range cfg.ScrapeConfigs {
		if sc.MetricsPath != "/metrics" {
			t.Errorf("job %s scrapes %q, want /metrics", sc.JobName, sc.MetricsPath)
		}
		for _, st := range sc.StaticConfigs {
			targets = append(targets, st.Targets...)
		}
	}
	var want []string
	for _, s := range f.Services {
		if isConnectd(s) && len(s.Ports) > 0 {
			_, port := hostPort(t, s.Ports[0])
			want = append(want, s.Hostname+":"+strconv.Itoa(port))
		}
	}
	slices.Sort(want)
	slices.Sort(targets)
	if len(want) == 0 || !slices.Equal(targets, want) {
		t.Errorf("prometheus scrapes %q, want every worker %q", targets, want)
	}
	dash := filepath.Join(mount(graf, "/var/lib/grafana/dashboards"), "connectd.json")
	if _, err := os.Stat(dash); err != nil {
		t.Errorf("grafana dashboard: %v", err)
	}
	if _, err := os.Stat(filepath.Join(mount(graf, "/etc/grafana/provisioning"), "datasources", "prometheus.yml")); err != nil {
		t.Errorf("grafana data source: %v", err)
	}
}
