//go:build integration

package integration

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
)

// member is one worker of an interop group: a connectd process (*worker) or a Java one (*javaWorker).
type member interface {
	url(path string) string
	id() string
	start() error
	stop(sig syscall.Signal)
	running() bool
}

// javaWorker is one Apache Kafka Connect 3.9 worker, org.apache.kafka.connect.cli.ConnectDistributed, run from
// the jars kafka.sh fetch copies into .cache/connect-libs. FileStreamSource/Sink are on its class path, so it
// needs no plugin.path.
type javaWorker struct {
	name  string // file names under dir: NAME.properties, NAME.log (log4j), NAME.out, NAME.pid
	port  int
	dir   string
	libs  string
	props []string

	process
}

func (j *javaWorker) id() string { return fmt.Sprintf("127.0.0.1:%d", j.port) }
func (j *javaWorker) url(path string) string {
	return fmt.Sprintf("http://127.0.0.1:%d%s", j.port, path)
}
func (j *javaWorker) file(ext string) string { return filepath.Join(j.dir, j.name+ext) }

// start writes the properties and a log4j file, then launches the JVM with its pid in NAME.pid.
func (j *javaWorker) start() error {
	return j.launch(j.name, j.file(".pid"), func() (*exec.Cmd, *os.File, error) {
		if err := os.WriteFile(j.file(".properties"), []byte(strings.Join(j.props, "\n")+"\n"), 0o644); err != nil {
			return nil, nil, err
		}
		log4j := strings.Join([]string{
			"log4j.rootLogger=INFO, file",
			"log4j.appender.file=org.apache.log4j.FileAppender",
			"log4j.appender.file.File=" + j.file(".log"),
			"log4j.appender.file.layout=org.apache.log4j.PatternLayout",
			"log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n",
			"log4j.logger.org.reflections=ERROR",
		}, "\n") + "\n"
		if err := os.WriteFile(j.file(".log4j.properties"), []byte(log4j), 0o644); err != nil {
			return nil, nil, err
		}
		out, err := os.OpenFile(j.file(".out"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, nil, err
		}
		// C1 only and the serial collector: the worker does little, and the machine has two cores for Kafka, the
		// connectd workers and this JVM.
		return exec.Command("java", "-Xms64m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
			"-Djava.awt.headless=true", "-Dlog4j.configuration=file:"+j.file(".log4j.properties"),
			"-cp", filepath.Join(j.libs, "*"), "org.apache.kafka.connect.cli.ConnectDistributed", j.file(".properties")), out, nil
	})
}

// stop sends sig and waits for the exit; SIGKILL after 30 s.
func (j *javaWorker) stop(sig syscall.Signal) { j.halt(sig, j.file(".pid")) }

func kindOf(m member) string {
	if _, ok := m.(*javaWorker); ok {
		return "java"
	}
	return "connectd"
}

var (
	// Java: "Joined group at generation N with protocol version 2 and got assignment: Assignment{error=0,
	// leader='...', leaderUrl='http://127.0.0.1:PORT/', ..."
	javaLeaderRE = regexp.MustCompile(`Joined group at generation \d+ .* leaderUrl='http://127\.0\.0\.1:(\d+)/'`)
	// Java: "Successfully joined group with generation Generation{generationId=N, memberId='...', protocol='P'}"
	javaProtocolRE = regexp.MustCompile(`Successfully joined group with generation .* protocol='(\w+)'`)
	// connectd: msg="joined group" ... leader=MEMBER_ID protocol=P. A connectd member id starts with
	// connect-127.0.0.1:PORT-, a Java one with its client.id, which the suite sets to java-PORT.
	connectdJoinRE = regexp.MustCompile(`msg="joined group".* leader=(?:connect-127\.0\.0\.1:|java-)(\d+)-\S* protocol=(\w+)`)
)

// logFile is m's log: connectd's slog output or the Java worker's log4j file.
func logFile(m member) string {
	switch w := m.(type) {
	case *javaWorker:
		return w.file(".log")
	case *worker:
		return w.file(".log")
	}
	return ""
}

// logMatches reports whether a line of m's log matches re.
func logMatches(m member, re *regexp.Regexp) bool {
	f, err := os.Open(logFile(m))
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if re.MatchString(sc.Text()) {
			return true
		}
	}
	return false
}

// lastJoin returns the leader's REST port and the protocol from the newest join in m's log; ok is false before
// the first join.
func lastJoin(m member) (leaderPort int, protocol string, ok bool) {
	f, err := os.Open(logFile(m))
	if err != nil {
		return 0, "", false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if _, isJava := m.(*javaWorker); isJava {
			if g := javaProtocolRE.FindStringSubmatch(line); g != nil {
				protocol = g[1]
			}
			if g := javaLeaderRE.FindStringSubmatch(line); g != nil {
				leaderPort, _ = strconv.Atoi(g[1])
				ok = true
			}
			continue
		}
		if g := connectdJoinRE.FindStringSubmatch(line); g != nil {
			leaderPort, _ = strconv.Atoi(g[1])
			protocol = g[2]
			ok = true
		}
	}
	return leaderPort, protocol, ok
}

// freePort asks the kernel for an unused loopback port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
