package errorhandling

import (
	"errors"
	"fmt"
	"strings"

	"github.com/connectd/connectd/connector"
)

// DefaultExceptionClass is the Java exception class reported for an error that names none (has no
// JavaClass method): Kafka Connect's base exception.
const DefaultExceptionClass = "org.apache.kafka.connect.errors.ConnectException"

// ExceptionClass names the Java exception class err stands for: err's JavaClass() when it has one, else
// DefaultExceptionClass.
func ExceptionClass(err error) string {
	if j, ok := err.(interface{ JavaClass() string }); ok {
		return j.JavaClass()
	}
	return DefaultExceptionClass
}

// ExceptionMessage is Java's getMessage() of err: the message of Kafka's own errors without the cause they
// carry, else err's text.
func ExceptionMessage(err error) string {
	switch e := err.(type) { //nolint:errorlint // the error itself, as Java's getMessage is the thrown exception's
	case *connector.DataError:
		return e.Message
	case *HandlerError:
		return e.Message
	}
	return err.Error()
}

// Stacktrace renders err as Java's printStackTrace prints an exception, without frames (Go errors carry none):
// "<class>: <message>", then "Caused by: <class>: <message>" for each error in its chain. Causes without a
// Java class are named by their Go type; fmt's wrappers, which only add context to the message, are left
// out. A panic's stack follows its line.
func Stacktrace(err error) string {
	var b strings.Builder
	b.WriteString(ExceptionClass(err) + ": " + ExceptionMessage(err))
	writePanic(&b, err)
	for _, cause := range causes(err) {
		if strings.HasPrefix(fmt.Sprintf("%T", cause), "*fmt.") {
			continue
		}
		class := fmt.Sprintf("%T", cause)
		if j, ok := cause.(interface{ JavaClass() string }); ok {
			class = j.JavaClass()
		}
		b.WriteString("\nCaused by: " + class + ": " + ExceptionMessage(cause))
		writePanic(&b, cause)
	}
	return b.String()
}

func writePanic(b *strings.Builder, err error) {
	if p, ok := err.(*PanicError); ok { //nolint:errorlint // each error of the chain in its own line
		b.WriteString("\n" + strings.TrimRight(string(p.Stack), "\n"))
	}
}

// causes lists err's chain below err, depth first, following both Unwrap forms.
func causes(err error) []error {
	var out []error
	var walk func(error)
	walk = func(e error) {
		switch u := e.(type) { //nolint:errorlint // walks the chain itself, both Unwrap forms
		case interface{ Unwrap() error }:
			if c := u.Unwrap(); c != nil {
				out = append(out, c)
				walk(c)
			}
		case interface{ Unwrap() []error }:
			for _, c := range u.Unwrap() {
				if c != nil {
					out = append(out, c)
					walk(c)
				}
			}
		}
	}
	walk(err)
	return out
}

// IsHandlerError reports whether err is, or wraps, a failure the error handler did not tolerate.
func IsHandlerError(err error) bool {
	var h *HandlerError
	return errors.As(err, &h)
}
