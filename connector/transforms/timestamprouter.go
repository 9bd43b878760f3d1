package transforms

import (
	"strconv"
	"strings"
	"time"

	"github.com/connectd/connectd/connector"
	"github.com/connectd/connectd/connector/convert"
)

// TimestampRouter renames the topic after the record's timestamp: topic.format with ${topic} replaced by the
// topic and ${timestamp} by the timestamp formatted with timestamp.format, a java.text.SimpleDateFormat
// pattern applied in UTC.
//
// As in Kafka, the date pattern is compiled when the first record is routed, so a bad pattern fails the
// record (IllegalArgumentException "Illegal pattern character 'b'"), not the configuration.

const timestampRouterClass = transformsPackage + "TimestampRouter"

func timestampRouterSpec() *connector.Spec {
	return connector.NewSpec(
		connector.String("topic.format").WithDefault("${topic}-${timestamp}").Imp(connector.High).
			Documentation("Format string which can contain <code>${topic}</code> and <code>${timestamp}</code> as "+
				"placeholders for the topic and timestamp, respectively."),
		connector.String("timestamp.format").WithDefault("yyyyMMdd").Imp(connector.High).
			Documentation("Format string for the timestamp that is compatible with <code>java.text.SimpleDateFormat</code>."),
	)
}

func timestampRouterPlugins() []connector.TransformPlugin {
	return []connector.TransformPlugin{{Class: timestampRouterClass, Type: connector.PluginTransformation,
		Spec: timestampRouterSpec(), NewTransformation: newTimestampRouter}}
}

type timestampRouter struct {
	topicFormat string
	format      javaDateFormat
	// formatErr is the date pattern's compile error, reported by Apply as Kafka reports it.
	formatErr error
}

func newTimestampRouter(config map[string]string) (connector.Transformation, error) {
	p, err := parseConfig(timestampRouterSpec(), config)
	if err != nil {
		return nil, err
	}
	t := &timestampRouter{topicFormat: p.String("topic.format")}
	t.format, t.formatErr = compileJavaDateFormat(p.String("timestamp.format"))
	return t, nil
}

func (t *timestampRouter) Apply(rec *connector.Record) (*connector.Record, error) {
	if rec.Timestamp.IsZero() {
		return nil, connector.NewDataError("Timestamp missing on record: " + javaRecordString(rec))
	}
	if t.formatErr != nil {
		return nil, t.formatErr
	}
	ts := t.format.format(rec.Timestamp)
	out := *rec
	out.Topic = strings.ReplaceAll(strings.ReplaceAll(t.topicFormat, "${topic}", rec.Topic), "${timestamp}", ts)
	return &out, nil
}

// javaRecordString is Java's toString of the SinkRecord (a record with an offset) or SourceRecord, as
// Kafka's messages print a record. Values print as Java's toString does (convert.Text); the original topic,
// partition and offset of a sink record are taken to be the current ones, and the timestamp type is
// CreateTime.
func javaRecordString(rec *connector.Record) string {
	var b strings.Builder
	partition := "null"
	if rec.Partition != nil {
		partition = strconv.Itoa(int(*rec.Partition))
	}
	if rec.Offset != nil {
		offset := strconv.FormatInt(*rec.Offset, 10)
		b.WriteString("SinkRecord{kafkaOffset=" + offset + ", timestampType=CreateTime, originalTopic=" + rec.Topic +
			", originalKafkaPartition=" + partition + ", originalKafkaOffset=" + offset + "} ")
	} else {
		b.WriteString("SourceRecord{sourcePartition=null, sourceOffset=null} ")
	}
	timestamp := "null"
	if !rec.Timestamp.IsZero() {
		timestamp = strconv.FormatInt(rec.Timestamp.UnixMilli(), 10)
	}
	b.WriteString("ConnectRecord{topic='" + rec.Topic + "', kafkaPartition=" + partition +
		", key=" + convert.Text(rec.Key) + ", keySchema=" + javaSchemaString(rec.KeySchema) +
		", value=" + convert.Text(rec.Value) + ", valueSchema=" + javaSchemaString(rec.ValueSchema) +
		", timestamp=" + timestamp + ", headers=ConnectHeaders(headers=")
	if len(rec.Headers) > 0 {
		b.WriteByte('[')
		for i, h := range rec.Headers {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("ConnectHeader(key=" + h.Key + ", value=" + convert.Text(h.Value) +
				", schema=" + javaSchemaString(h.Schema) + ")")
		}
		b.WriteByte(']')
	}
	b.WriteString(")}")
	return b.String()
}

// javaSchemaString is ConnectSchema.toString: "Schema{NAME:TYPE}" or "Schema{TYPE}", "null" for none.
func javaSchemaString(s *connector.Schema) string {
	switch {
	case s == nil:
		return "null"
	case s.Name != "":
		return "Schema{" + s.Name + ":" + connector.JavaTypeName(s.Type) + "}"
	}
	return "Schema{" + connector.JavaTypeName(s.Type) + "}"
}

// javaDateFormat is a java.text.SimpleDateFormat pattern compiled for formatting, as a Kafka worker formats
// in UTC with its default English locale (weeks start on Sunday, and the first week of a year is the one
// holding January 1st). Like Java's GregorianCalendar it uses the Julian calendar before 15 October 1582.
type javaDateFormat []dateFormatPart

// dateFormatPart is a run of one pattern letter (count times) or, when letter is 0, literal text.
type dateFormatPart struct {
	letter  byte
	count   int
	literal string
}

// dateFormatLetters are SimpleDateFormat's pattern letters.
const dateFormatLetters = "GyMdkHmsSEDFwWahKzZYuXL"

// compileJavaDateFormat parses pattern as SimpleDateFormat.compile does: letters repeat into fields, text in
// single quotes and any character but an ASCII letter is literal, ” is a quote. Its errors are Java's
// IllegalArgumentException.
func compileJavaDateFormat(pattern string) (javaDateFormat, error) {
	var out javaDateFormat
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			out = append(out, dateFormatPart{literal: lit.String()})
			lit.Reset()
		}
	}
	inQuote := false
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		if c == '\'' {
			if i+1 < len(pattern) && pattern[i+1] == '\'' {
				i++
				lit.WriteByte('\'')
				continue
			}
			inQuote = !inQuote
			continue
		}
		isLetter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if inQuote || !isLetter {
			lit.WriteByte(c)
			continue
		}
		if !strings.ContainsRune(dateFormatLetters, rune(c)) {
			return nil, illegalArgument("Illegal pattern character '" + string(c) + "'")
		}
		flush()
		if n := len(out); n > 0 && out[n-1].letter == c {
			out[n-1].count++
		} else {
			out = append(out, dateFormatPart{letter: c, count: 1})
		}
	}
	if inQuote {
		return nil, illegalArgument("Unterminated quote")
	}
	flush()
	return out, nil
}

// format formats t (taken in UTC) as SimpleDateFormat.format does.
func (f javaDateFormat) format(t time.Time) string {
	c := newJavaCalendar(t.UnixMilli())
	// Java uses the stand-alone month name when the pattern is a month and nothing else; in English the
	// names are the same.
	var b strings.Builder
	for _, p := range f {
		if p.letter == 0 {
			b.WriteString(p.literal)
			continue
		}
		n := p.count
		switch p.letter {
		case 'G':
			if c.bc {
				b.WriteString("BC")
			} else {
				b.WriteString("AD")
			}
		case 'y', 'Y':
			v := c.year
			if p.letter == 'Y' {
				v = c.weekYear
			}
			if n == 2 {
				b.WriteString(javaPaddedTrunc2(v))
			} else {
				b.WriteString(javaPadded(v, n))
			}
		case 'M', 'L':
			switch {
			case n >= 4:
				b.WriteString(time.Month(c.month).String())
			case n == 3:
				b.WriteString(time.Month(c.month).String()[:3])
			default:
				b.WriteString(javaPadded(c.month, n))
			}
		case 'd':
			b.WriteString(javaPadded(c.day, n))
		case 'k':
			h := c.hour
			if h == 0 {
				h = 24
			}
			b.WriteString(javaPadded(h, n))
		case 'H':
			b.WriteString(javaPadded(c.hour, n))
		case 'm':
			b.WriteString(javaPadded(c.minute, n))
		case 's':
			b.WriteString(javaPadded(c.second, n))
		case 'S':
			b.WriteString(javaPadded(c.milli, n))
		case 'E':
			name := time.Weekday(c.weekday).String()
			if n < 4 {
				name = name[:3]
			}
			b.WriteString(name)
		case 'D':
			b.WriteString(javaPadded(c.yearDay, n))
		case 'F':
			b.WriteString(javaPadded(c.weekdayInMonth, n))
		case 'w':
			b.WriteString(javaPadded(c.weekOfYear, n))
		case 'W':
			b.WriteString(javaPadded(c.weekOfMonth, n))
		case 'a':
			if c.hour < 12 {
				b.WriteString("AM")
			} else {
				b.WriteString("PM")
			}
		case 'h':
			h := c.hour % 12
			if h == 0 {
				h = 12
			}
			b.WriteString(javaPadded(h, n))
		case 'K':
			b.WriteString(javaPadded(c.hour%12, n))
		case 'z':
			if n < 4 {
				b.WriteString("UTC")
			} else {
				b.WriteString("Coordinated Universal Time")
			}
		case 'Z':
			b.WriteString("+0000")
		case 'X':
			b.WriteString("Z")
		case 'u':
			b.WriteString(javaPadded((c.weekday+6)%7+1, n))
		}
	}
	return b.String()
}

// javaPadded is SimpleDateFormat's zeroPaddingNumber: at least n digits, a minus sign before them.
func javaPadded(v, n int) string {
	neg := v < 0
	if neg {
		v = -v
	}
	s := strconv.Itoa(v)
	if len(s) < n {
		s = strings.Repeat("0", n-len(s)) + s
	}
	if neg {
		s = "-" + s
	}
	return s
}

// javaPaddedTrunc2 is zeroPaddingNumber with two digits at least and at most: a year's last two digits.
func javaPaddedTrunc2(v int) string {
	if v < 0 {
		return "-" + javaPadded(-v%100, 2)
	}
	return javaPadded(v%100, 2)
}

// javaCalendar holds the fields of Java's GregorianCalendar for an instant in UTC.
type javaCalendar struct {
	bc bool
	// year is the year of the era (1 BC is year 1); weekYear is the proleptic year (1 BC is 0) of the week
	// the day falls in, as getWeekYear gives it.
	year, weekYear              int
	month, day, yearDay         int // month 1-12
	weekday                     int // 0 = Sunday
	weekOfYear, weekOfMonth     int
	weekdayInMonth              int
	hour, minute, second, milli int
}

// gregorianCutoverDay is the first day of the Gregorian calendar in Java (1582-10-15), in days since the
// epoch.
const gregorianCutoverDay = -141427

func newJavaCalendar(ms int64) javaCalendar {
	day := floorDiv(ms, 86400000)
	msOfDay := int(ms - day*86400000)
	var c javaCalendar
	c.hour, c.minute, c.second, c.milli = msOfDay/3600000, msOfDay/60000%60, msOfDay/1000%60, msOfDay%1000
	c.weekday = int(floorMod(day+4, 7)) // 1970-01-01 was a Thursday
	y, m, d := civilFromDays(day)
	c.month, c.day = m, d
	c.yearDay = int(day-civilToDays(y, 1, 1)) + 1
	c.bc = y <= 0
	c.year = y
	if c.bc {
		c.year = 1 - y
	}
	// Week 1 is the week (Sunday to Saturday) holding January 1st; the last days of December may be in
	// week 1 of the next year.
	jan1 := civilToDays(y, 1, 1)
	jan1Weekday := floorMod(jan1+4, 7)
	c.weekOfYear = int((day-jan1+jan1Weekday)/7) + 1
	c.weekYear = y
	nextJan1 := civilToDays(y+1, 1, 1)
	if day >= nextJan1-floorMod(nextJan1+4, 7) {
		c.weekOfYear, c.weekYear = 1, y+1
	}
	if c.bc {
		// Java's getWeekYear, in a BC year, looks up the first week of the wrong year (the AD year with the
		// same number as the BC year after): what it answers is reproduced here.
		c.weekYear = y
		jan1 := civilToDays(-y, 1, 1)
		if w := floorMod(jan1+4, 7); w != 0 && nextJan1-day <= w {
			c.weekYear = y + 1
		}
	}
	// Weeks of the month count from its first day, which in October 1582 is ten days before the 15th.
	first := civilToDays(y, m, 1)
	c.weekdayInMonth = int((day-first)/7) + 1
	c.weekOfMonth = int((day-first+floorMod(first+4, 7))/7) + 1
	return c
}

// civilFromDays converts days since 1970-01-01 to a proleptic year (0 = 1 BC), month and day in the
// calendar Java uses on that day: Gregorian from 1582-10-15, Julian before.
func civilFromDays(day int64) (year, month, dom int) {
	if day >= gregorianCutoverDay {
		t := time.Unix(day*86400, 0).UTC()
		return t.Year(), int(t.Month()), t.Day()
	}
	// Julian calendar: days since 0000-03-01 (Julian), in 4-year cycles of 1461 days.
	z := day + 719470
	era := floorDiv(z, 1461)
	doe := z - era*1461
	yoe := (doe - doe/1460) / 365
	if yoe > 3 {
		yoe = 3
	}
	doy := doe - 365*yoe
	mp := (5*doy + 2) / 153
	dom = int(doy - (153*mp+2)/5 + 1)
	month = int(mp + 3)
	if month > 12 {
		month -= 12
	}
	year = int(era*4 + yoe)
	if month <= 2 {
		year++
	}
	return year, month, dom
}

// civilToDays is the inverse of civilFromDays.
func civilToDays(year, month, dom int) int64 {
	g := time.Date(year, time.Month(month), dom, 0, 0, 0, 0, time.UTC).Unix() / 86400
	if g >= gregorianCutoverDay {
		return g
	}
	y := int64(year)
	if month <= 2 {
		y--
	}
	era := floorDiv(y, 4)
	yoe := y - era*4
	mp := int64((month + 9) % 12)
	doy := (153*mp+2)/5 + int64(dom) - 1
	return era*1461 + yoe*365 + doy - 719470
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }
