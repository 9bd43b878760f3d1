package filestream

import (
	"os"
	"sync"
)

// stdinPump reads the process's standard input once for every task that reads it, as Kafka's tasks share
// System.in. A read from a terminal or pipe cannot be interrupted, so the reading goroutine belongs to the
// process, not to a task: it starts with the first task that reads standard input and ends at its end.
var stdinPump struct {
	once sync.Once
	ch   chan []byte
}

// stdinChunks returns the chunks of standard input; the channel is closed at its end or on a read error.
func stdinChunks() <-chan []byte {
	stdinPump.once.Do(func() {
		stdinPump.ch = make(chan []byte, 16)
		go func() {
			defer close(stdinPump.ch)
			for {
				buf := make([]byte, 32*1024)
				n, err := os.Stdin.Read(buf)
				if n > 0 {
					stdinPump.ch <- buf[:n]
				}
				if err != nil {
					return
				}
			}
		}()
	})
	return stdinPump.ch
}
