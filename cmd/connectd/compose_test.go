package main

import (
	"bufio"
	"bytes"
	"fmt"
	"maps"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
	"gopkg.in/yaml.v3"

	"github.com/connectd/connectd/worker/config"
	"github.com/connectd/connectd/worker/properties"
)

// repoRoot is the module root, two levels above this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repository root not found: %v", err)
	}
	return root
}

// composeService is the part of a compose service these checks read.
type composeService struct {
	Image       string                       `yaml:"image"`
	Build       composeBuild                 `yaml:"build"`
	Hostname    string                       `yaml:"hostname"`
	Command     []string                     `yaml:"command"`
	Environment map[string]string            `yaml:"environment"`
	Ports       []string                     `yaml:"ports"`
	Volumes     []string                     `yaml:"volumes"`
	Profiles    []string                     `yaml:"profiles"`
	DependsOn   map[string]map[string]string `yaml:"depends_on"`
	Healthcheck struct {
		Test    []string `yaml:"test"`
		Disable bool     `yaml:"disable"`
	} `yaml:"healthcheck"`
}

type composeBuild struct {
	Context    string `yaml:"context"`
	Dockerfile string `yaml:"dockerfile"`
}

type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

// readDotEnv reads compose's .env: KEY=VALUE lines, # comments and blank lines ignored.
func readDotEnv(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf(".env: malformed line %q", line)
		}
		env[k] = v
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return env
}

var composeVar = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:?-[^}]*)?\}`)

// loadCompose reads docker-compose.yml with ${VAR} substituted from .env as compose does; a variable .env
// does not define (and that has no default) fails the test, as it would leave a blank in the deployment.
func loadCompose(t *testing.T, root string) composeFile {
	t.Helper()
	env := readDotEnv(t, filepath.Join(root, ".env"))
	raw, err := os.ReadFile(filepath.Join(root, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	text := composeVar.ReplaceAllStringFunc(string(raw), func(m string) string {
		sub := composeVar.FindStringSubmatch(m)
		if v, ok := env[sub[1]]; ok {
			return v
		}
		if sub[2] != "" {
			return strings.TrimPrefix(strings.TrimPrefix(sub[2], ":"), "-")
		}
		t.Errorf("docker-compose.yml uses ${%s}, which .env does not define", sub[1])
		return ""
	})
	var f composeFile
	if err := yaml.Unmarshal([]byte(text), &f); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	if len(f.Services) == 0 {
		t.Fatal("docker-compose.yml declares no services")
	}
	return f
}

// hostPort is the published host port of a "host:container" mapping, and the container port.
func hostPort(t *testing.T, mapping string) (host, container int) {
	t.Helper()
	parts := strings.Split(mapping, ":")
	if len(parts) != 2 {
		t.Fatalf("port mapping %q: want HOST:CONTAINER", mapping)
	}
	h, err1 := strconv.Atoi(parts[0])
	c, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		t.Fatalf("port mapping %q: not numeric", mapping)
	}
	return h, c
}

// isKafka reports whether a service is one of the brokers (kafka1, kafka2, ...).
func isKafka(name string) bool { return regexp.MustCompile(`^kafka\d+$`).MatchString(name) }

// isConnectd reports whether a service runs the image this repository builds.
func isConnectd(s composeService) bool { return s.Build.Context != "" }

// listenerPorts maps listener names to ports in a KAFKA_LISTENERS-style value.
func listenerPorts(t *testing.T, v string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, l := range strings.Split(v, ",") {
		name, addr, ok := strings.Cut(l, "://")
		if !ok {
			t.Fatalf("listener %q: want NAME://host:port", l)
		}
		_, port, err := net.SplitHostPort(addr)
		if err != nil {
			t.Fatalf("listener %q: %v", l, err)
		}
		out[name] = port
	}
	return out
}

func TestDockerCompose(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	f := loadCompose(t, root)

	// The brokers: the official image in KRaft mode, replication 3 with min ISR 2, and the INTERNAL listener
	// every in-network client must use.
	internal := map[string]string{} // broker service -> INTERNAL port
	var nodeIDs, voters []string
	for name, s := range f.Services {
		if !isKafka(name) {
			continue
		}
		if !strings.HasPrefix(s.Image, "apache/kafka:") {
			t.Errorf("%s: image %q, want the official apache/kafka image", name, s.Image)
		}
		env := s.Environment
		if env["KAFKA_PROCESS_ROLES"] != "broker,controller" {
			t.Errorf("%s: KAFKA_PROCESS_ROLES=%q, want combined broker,controller (KRaft)", name, env["KAFKA_PROCESS_ROLES"])
		}
		if env["CLUSTER_ID"] == "" {
			t.Errorf("%s: CLUSTER_ID is required by the apache/kafka image in KRaft mode", name)
		}
		for k, want := range map[string]string{"KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR": "3", "KAFKA_DEFAULT_REPLICATION_FACTOR": "3",
			"KAFKA_MIN_INSYNC_REPLICAS": "2", "KAFKA_INTER_BROKER_LISTENER_NAME": "INTERNAL"} {
			if env[k] != want {
				t.Errorf("%s: %s=%q, want %q", name, k, env[k], want)
			}
		}
		listeners := listenerPorts(t, env["KAFKA_LISTENERS"])
		advertised := listenerPorts(t, env["KAFKA_ADVERTISED_LISTENERS"])
		if listeners["INTERNAL"] == "" || listeners["EXTERNAL"] == "" || listeners["CONTROLLER"] == "" {
			t.Errorf("%s: KAFKA_LISTENERS=%q, want INTERNAL, EXTERNAL and CONTROLLER", name, env["KAFKA_LISTENERS"])
		}
		if want := "INTERNAL://" + name + ":" + listeners["INTERNAL"]; !strings.Contains(env["KAFKA_ADVERTISED_LISTENERS"], want) {
			t.Errorf("%s: KAFKA_ADVERTISED_LISTENERS=%q, want it to contain %s", name, env["KAFKA_ADVERTISED_LISTENERS"], want)
		}
		// The EXTERNAL listener is published on the host port it advertises.
		if len(s.Ports) != 1 {
			t.Errorf("%s: ports %q, want the EXTERNAL listener published", name, s.Ports)
		} else if h, c := hostPort(t, s.Ports[0]); strconv.Itoa(c) != listeners["EXTERNAL"] || strconv.Itoa(h) != advertised["EXTERNAL"] {
			t.Errorf("%s: publishes %s but listens on EXTERNAL %s and advertises port %s", name, s.Ports[0], listeners["EXTERNAL"], advertised["EXTERNAL"])
		}
		internal[name] = listeners["INTERNAL"]
		nodeIDs = append(nodeIDs, env["KAFKA_NODE_ID"])
		for _, v := range strings.Split(env["KAFKA_CONTROLLER_QUORUM_VOTERS"], ",") {
			id, addr, _ := strings.Cut(v, "@")
			voters = append(voters, id+"@"+strings.Split(addr, ":")[0])
		}
	}
	if len(internal) != 3 {
		t.Fatalf("%d kafka services, want 3", len(internal))
	}
	slices.Sort(nodeIDs)
	if !slices.Equal(slices.Compact(slices.Clone(nodeIDs)), nodeIDs) || len(nodeIDs) != 3 {
		t.Errorf("broker node ids %q are not unique", nodeIDs)
	}
	for _, v := range slices.Compact(slices.Sorted(slices.Values(voters))) {
		if _, ok := internal[strings.SplitN(v, "@", 2)[1]]; !ok {
			t.Errorf("controller quorum voter %s is not a kafka service", v)
		}
	}
	checkBootstrap := func(where, servers string) {
		t.Helper()
		if servers == "" {
			t.Errorf("%s: no bootstrap servers", where)
			return
		}
		for _, s := range strings.Split(servers, ",") {
			host, port, err := net.SplitHostPort(s)
			if err != nil {
				t.Errorf("%s: bootstrap server %q: %v", where, s, err)
			} else if p, ok := internal[host]; !ok || p != port {
				t.Errorf("%s: bootstrap server %q is not a kafka service's INTERNAL listener (%v)", where, s, internal)
			}
		}
	}

	// Every published host port is unique.
	seen := map[int]string{}
	for _, name := range slices.Sorted(maps.Keys(f.Services)) {
		for _, p := range f.Services[name].Ports {
			h, _ := hostPort(t, p)
			if other, dup := seen[h]; dup {
				t.Errorf("host port %d is published by both %s and %s", h, other, name)
			}
			seen[h] = name
		}
	}

	// The connectd workers: the user guide's CONNECT_* environment is a valid worker configuration.
	var workers, restHostPorts []string
	for _, name := range slices.Sorted(maps.Keys(f.Services)) {
		s := f.Services[name]
		for dep := range s.DependsOn {
			if _, ok := f.Services[dep]; !ok {
				t.Errorf("%s depends on %s, which is not a service", name, dep)
			}
		}
		if !isConnectd(s) {
			continue
		}
		checkBuild(t, root, name, s)
		checkCommandExists(t, name, s.Command)
		if len(s.Command) == 0 || s.Command[0] != "worker" {
			continue
		}
		workers = append(workers, name)
		var environ []string
		for k, v := range s.Environment {
			environ = append(environ, k+"="+v)
		}
		cfg, warnings, err := config.ParseConfig(properties.FromEnv(environ, "CONNECT_"))
		if err != nil {
			t.Errorf("%s: environment is not a valid worker configuration:\n%v", name, err)
			continue
		}
		if len(warnings) > 0 {
			t.Errorf("%s: worker configuration warnings: %q", name, warnings)
		}
		checkBootstrap(name, strings.Join(cfg.BootstrapServers, ","))
		if cfg.GroupID != "vehicle-connect-group" {
			t.Errorf("%s: group.id %q, want vehicle-connect-group", name, cfg.GroupID)
		}
		if cfg.AdvertisedHost != name || s.Hostname != name {
			t.Errorf("%s: rest.advertised.host.name %q and hostname %q, want both to be the service name", name, cfg.AdvertisedHost, s.Hostname)
		}
		if cfg.ConfigReplicationFactor != 3 || cfg.OffsetReplicationFactor != 3 || cfg.StatusReplicationFactor != 3 {
			t.Errorf("%s: storage replication factors %d/%d/%d, want 3", name, cfg.ConfigReplicationFactor, cfg.OffsetReplicationFactor, cfg.StatusReplicationFactor)
		}
		if cfg.KeyConverter != "org.apache.kafka.connect.storage.StringConverter" || cfg.ValueConverter != "org.apache.kafka.connect.json.JsonConverter" ||
			cfg.ValueConverterConfig["schemas.enable"] != "false" {
			t.Errorf("%s: converters %s / %s %v, want String keys and schemaless JSON values", name, cfg.KeyConverter, cfg.ValueConverter, cfg.ValueConverterConfig)
		}
		if len(cfg.Listeners) != 1 || len(s.Ports) != 1 {
			t.Errorf("%s: listeners %v, ports %q: want one REST listener, published once", name, cfg.Listeners, s.Ports)
			continue
		}
		h, c := hostPort(t, s.Ports[0])
		if c != cfg.Listeners[0].Port {
			t.Errorf("%s: publishes container port %d but the worker listens on %d", name, c, cfg.Listeners[0].Port)
		}
		restHostPorts = append(restHostPorts, strconv.Itoa(h))
		wantHealth := []string{"CMD", "/connectd", "health", "--url", fmt.Sprintf("http://127.0.0.1:%d/health", cfg.Listeners[0].Port)}
		if !slices.Equal(s.Healthcheck.Test, wantHealth) {
			t.Errorf("%s: healthcheck %q, want %q", name, s.Healthcheck.Test, wantHealth)
		}
		// The spool of each worker is on a named volume of its own, where the image's nonroot user may write.
		if cfg.SpoolDir == "" {
			t.Errorf("%s: no spool.dir: spooled messages would be in the container's temporary directory", name)
		} else if want := name + "-spool:" + cfg.SpoolDir; !slices.Contains(s.Volumes, want) {
			t.Errorf("%s: volumes %q, want %s", name, s.Volumes, want)
		} else if df, err := os.ReadFile(filepath.Join(root, s.Build.Context, s.Build.Dockerfile)); err != nil {
			t.Error(err)
		} else if !regexp.MustCompile(`(?m)^COPY .*--chown=nonroot:nonroot .* ` + regexp.QuoteMeta(cfg.SpoolDir) + `$`).Match(df) {
			t.Errorf("%s: the Dockerfile does not create %s owned by nonroot, so the volume would be root's", name, cfg.SpoolDir)
		}
		for _, dep := range []string{"kafka1", "kafka2", "kafka3", "topic-init"} {
			if s.DependsOn[dep]["condition"] == "" {
				t.Errorf("%s: depends_on %s without a condition", name, dep)
			}
		}
	}
	slices.Sort(restHostPorts)
	if len(workers) != 3 || !slices.Equal(restHostPorts, []string{"28083", "28084", "28085"}) {
		t.Errorf("workers %q publish REST on %q, want three on 28083-28085", workers, restHostPorts)
	}

	// topic-init applies the repository's topics.yaml over the INTERNAL listeners once the brokers are up.
	ti, ok := f.Services["topic-init"]
	switch {
	case !ok:
		t.Error("no topic-init service")
	case len(ti.Command) < 3 || ti.Command[0] != "topics" || ti.Command[1] != "apply":
		t.Errorf("topic-init command %q, want topics apply FILE", ti.Command)
	default:
		i := slices.Index(ti.Command, "--bootstrap-server")
		if i < 0 || i+1 >= len(ti.Command) {
			t.Errorf("topic-init command %q has no --bootstrap-server", ti.Command)
		} else {
			checkBootstrap("topic-init", ti.Command[i+1])
		}
		if !slices.Contains(ti.Volumes, "./topics.yaml:"+ti.Command[2]+":ro") {
			t.Errorf("topic-init applies %s but mounts %q; want ./topics.yaml there", ti.Command[2], ti.Volumes)
		}
		for _, b := range []string{"kafka1", "kafka2", "kafka3"} {
			if ti.DependsOn[b]["condition"] != "service_healthy" {
				t.Errorf("topic-init must wait for %s to be healthy", b)
			}
		}
	}

	// Bind mounts name files in the repository; named volumes are declared.
	for _, name := range slices.Sorted(maps.Keys(f.Services)) {
		for _, v := range f.Services[name].Volumes {
			src := strings.SplitN(v, ":", 2)[0]
			if strings.HasPrefix(src, ".") || strings.HasPrefix(src, "/") {
				if _, err := os.Stat(filepath.Join(root, src)); err != nil {
					t.Errorf("%s mounts %s, which is not in the repository: %v", name, src, err)
				}
			} else if _, ok := f.Volumes[src]; !ok {
				t.Errorf("%s uses volume %s, which is not declared", name, src)
			}
		}
	}

	// kafka-ui is optional and points at the brokers and each worker.
	ui, ok := f.Services["kafka-ui"]
	if !ok {
		t.Fatal("no kafka-ui service")
	}
	if !slices.Equal(ui.Profiles, []string{"ui"}) {
		t.Errorf("kafka-ui profiles %q, want [ui] so it only starts on request", ui.Profiles)
	}
	checkBootstrap("kafka-ui", ui.Environment["KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS"])
	var uiConnect []string
	for i := 0; ui.Environment[fmt.Sprintf("KAFKA_CLUSTERS_0_KAFKACONNECT_%d_ADDRESS", i)] != ""; i++ {
		uiConnect = append(uiConnect, ui.Environment[fmt.Sprintf("KAFKA_CLUSTERS_0_KAFKACONNECT_%d_ADDRESS", i)])
	}
	var wantConnect []string
	for _, w := range workers {
		wantConnect = append(wantConnect, "http://"+w+":"+strings.Split(f.Services[w].Ports[0], ":")[1])
	}
	if !slices.Equal(uiConnect, wantConnect) {
		t.Errorf("kafka-ui Connect addresses %q, want %q", uiConnect, wantConnect)
	}

	emqx, ok := f.Services["emqx"]
	if !ok || !strings.HasPrefix(emqx.Image, "emqx/emqx:5.8") {
		t.Errorf("emqx service image %q, want emqx/emqx:5.8", emqx.Image)
	}
}

// checkBuild checks that a service's build context and Dockerfile exist and that the Dockerfile builds this
// repository's command into a non-root image whose health check is the binary itself.
func checkBuild(t *testing.T, root, name string, s composeService) {
	t.Helper()
	df := filepath.Join(root, s.Build.Context, s.Build.Dockerfile)
	if s.Build.Dockerfile == "" {
		df = filepath.Join(root, s.Build.Context, "Dockerfile")
	}
	data, err := os.ReadFile(df)
	if err != nil {
		t.Errorf("%s: build: %v", name, err)
		return
	}
	text := string(data)
	goMod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	goVersion := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(goMod)
	for _, want := range []string{
		"FROM golang:" + string(goVersion[1]) + " AS build",
		"CGO_ENABLED=0 go build -trimpath",
		"./cmd/connectd",
		"USER nonroot",
		`HEALTHCHECK`, `CMD ["/connectd", "health"]`,
		`ENTRYPOINT ["/connectd"]`,
		`CMD ["worker"]`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("%s: %s lacks %q", name, df, want)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "cmd", "connectd", "main.go")); err != nil {
		t.Errorf("the Dockerfile builds ./cmd/connectd: %v", err)
	}
}

// checkCommandExists fails when a service runs a connectd subcommand the binary does not know.
func checkCommandExists(t *testing.T, name string, command []string) {
	t.Helper()
	if len(command) == 0 {
		return // the image's CMD, worker
	}
	_, _, errOut := cli(t, command[0], "--no-such-flag")
	if strings.Contains(errOut, "unknown command") {
		t.Errorf("%s runs `connectd %s`, which does not exist", name, command[0])
	}
}

// TestComposeTopicInitRuns runs topic-init's exact command line against an in-process cluster: the repository's
// topics.yaml applies, and applying it again changes nothing.
func TestComposeTopicInitRuns(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	f := loadCompose(t, root)
	cmd := slices.Clone(f.Services["topic-init"].Command)
	if len(cmd) < 3 {
		t.Fatalf("topic-init command %q", cmd)
	}
	c, err := kfake.NewCluster(kfake.NumBrokers(3))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cmd[2] = filepath.Join(root, "topics.yaml")
	if i := slices.Index(cmd, "--bootstrap-server"); i >= 0 {
		cmd[i+1] = strings.Join(c.ListenAddrs(), ",")
	}
	code, out, errOut := cli(t, cmd...)
	if code != 0 || !strings.Contains(out, "create topic vehicle-data (partitions 3, replication factor 3") {
		t.Fatalf("topic-init: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	code, out, errOut = cli(t, cmd...)
	if code != 0 || strings.Contains(out, "create") || strings.Contains(out, "set config") || !strings.Contains(out, "is up to date") {
		t.Fatalf("topic-init second run: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	if !bytes.Contains([]byte(describeTopic(t, strings.Join(c.ListenAddrs(), ","), "vehicle-data")), []byte("min.insync.replicas=2")) {
		t.Error("topics.yaml's min.insync.replicas was not applied")
	}
}
