package transforms

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// This file is java.text.SimpleDateFormat as Kafka's TimestampConverter (and Cast, through Values.dateFormatFor)
// use it: a pattern of Java's letters, the English symbols of a JVM whose locale is "en", the UTC time zone, and
// lenient parsing on Java's hybrid Julian/Gregorian calendar (Julian before 15 October 1582), with Sunday as the
// first day of the week and one day as the minimal first week. Formatting follows SimpleDateFormat.subFormat;
// parsing follows SimpleDateFormat.parse and subParse, java.text.CalendarBuilder and the field resolution of
// GregorianCalendar.computeTime, so that out-of-range fields roll over ("2020-13-01" is 2021-01-01), two-digit
// years land in the century starting 80 years ago, and text after the pattern is ignored, as in Java.
//
// Time zone names are the one gap: Java parses any name of its zone database ("PST", "Central European Time")
// and then keeps formatting in that zone; connectd parses the names of UTC, "GMT", "GMT+hh:mm" and numeric
// offsets, and always formats in UTC.

// javaPatternLetters are DateFormatSymbols.patternChars: the letters a pattern may use, in Java's index order.
const javaPatternLetters = "GyMdkHmsSEDFwWahKzZYuXL"

// javaDateFormat is a compiled SimpleDateFormat pattern. It is immutable and safe for concurrent use.
type javaDateFormat struct {
	pattern string
	tokens  []dateToken
	// centuryStart is the start of the hundred years two-digit years are placed in (Java: 80 years before
	// the format was created).
	centuryStart int64
}

// dateToken is a literal (letter 0) or a run of count equal pattern letters.
type dateToken struct {
	letter  rune
	count   int
	literal []rune
}

// dateFormatError is the IllegalArgumentException of a pattern SimpleDateFormat rejects.
type dateFormatError struct{ msg string }

func (e *dateFormatError) Error() string { return "java.lang.IllegalArgumentException: " + e.msg }

// newJavaDateFormat compiles pattern as SimpleDateFormat's constructor does, with Java's messages for
// illegal letters, unterminated quotes and over-long ISO zones.
func newJavaDateFormat(pattern string) (*javaDateFormat, error) {
	f := &javaDateFormat{pattern: pattern}
	var (
		inQuote bool
		quoted  []rune
		letter  rune
		count   int
	)
	flush := func() error {
		if count == 0 {
			return nil
		}
		if letter == 'X' && count >= 4 {
			return &dateFormatError{"invalid ISO 8601 format: length=" + strconv.Itoa(count)}
		}
		f.tokens = append(f.tokens, dateToken{letter: letter, count: count})
		letter, count = 0, 0
		return nil
	}
	lit := func(r ...rune) { f.tokens = append(f.tokens, dateToken{literal: append([]rune(nil), r...)}) }
	runes := []rune(pattern)
	for i := 0; i < len(runes); i++ {
		c := runes[i]
		if c == '\'' {
			// '' is a quote character, inside a quoted section or not.
			if i+1 < len(runes) && runes[i+1] == '\'' {
				i++
				if err := flush(); err != nil {
					return nil, err
				}
				if inQuote {
					quoted = append(quoted, '\'')
				} else {
					lit('\'')
				}
				continue
			}
			if !inQuote {
				if err := flush(); err != nil {
					return nil, err
				}
				quoted = quoted[:0]
				inQuote = true
			} else {
				if len(quoted) > 0 {
					lit(quoted...)
				}
				inQuote = false
			}
			continue
		}
		if inQuote {
			quoted = append(quoted, c)
			continue
		}
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			if err := flush(); err != nil {
				return nil, err
			}
			lit(c)
			continue
		}
		if !strings.ContainsRune(javaPatternLetters, c) {
			return nil, &dateFormatError{"Illegal pattern character '" + string(c) + "'"}
		}
		if count == 0 || letter == c {
			letter = c
			count++
			continue
		}
		if err := flush(); err != nil {
			return nil, err
		}
		letter, count = c, 1
	}
	if inQuote {
		return nil, &dateFormatError{"Unterminated quote"}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	f.centuryStart = javaCenturyStart(time.Now().UnixMilli())
	return f, nil
}

// javaCenturyStart is the instant 80 years before now (the same day and time, the 29th of February moved to
// the 28th), where SimpleDateFormat starts the century of two-digit years.
func javaCenturyStart(now int64) int64 {
	c := fieldsOf(now)
	year := c.normYear - 80
	day := c.dayOfMonth
	if c.month == 1 && day == 29 && !hybridLeap(year) {
		day = 28
	}
	return (fixedFromDate(year, c.month+1, day)-epochFixed)*millisPerDay + c.timeOfDay
}

// The English symbols of Java's DateFormatSymbols for the "en" locale.
var (
	javaMonths      = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	javaShortMonths = []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
	// Weekdays are indexed by Calendar.DAY_OF_WEEK (Sunday is 1).
	javaWeekdays      = []string{"", "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	javaShortWeekdays = []string{"", "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	javaAmPm          = []string{"AM", "PM"}
	javaEras          = []string{"BC", "AD"}
)

// Calendar arithmetic on fixed dates (day 1 is 1 January of year 1, Gregorian), as sun.util.calendar does.
const (
	epochFixed        = 719163 // 1 January 1970
	gregorianCutover  = 577736 // 15 October 1582, the first Gregorian day
	cutoverYear       = 1582
	firstDayOfWeek    = 1 // Sunday, for the "en" locale
	minimalDaysInWeek = 1
)

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

func gregorianLeap(y int64) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func julianLeap(y int64) bool { return floorMod(y, 4) == 0 }

// hybridLeap is GregorianCalendar.isLeapYear: Julian rules up to the cutover year, Gregorian after.
func hybridLeap(y int64) bool {
	if y > cutoverYear {
		return gregorianLeap(y)
	}
	return julianLeap(y)
}

// gregorianFixed and julianFixed are the fixed date of year y (0 is 1 BC), month m (1-12), day d.
func gregorianFixed(y, m, d int64) int64 {
	p := y - 1
	f := 365*p + floorDiv(p, 4) - floorDiv(p, 100) + floorDiv(p, 400) + floorDiv(367*m-362, 12) + d
	if m > 2 {
		if gregorianLeap(y) {
			f--
		} else {
			f -= 2
		}
	}
	return f
}

func julianFixed(y, m, d int64) int64 {
	f := -2 + 365*(y-1) + floorDiv(y-1, 4) + floorDiv(367*m-362, 12) + d
	if m > 2 {
		if julianLeap(y) {
			f--
		} else {
			f -= 2
		}
	}
	return f
}

// fixedFromDate is the fixed date of a date of the hybrid calendar (Julian before the cutover).
func fixedFromDate(y, m, d int64) int64 {
	if g := gregorianFixed(y, m, d); g >= gregorianCutover {
		return g
	}
	return julianFixed(y, m, d)
}

// dateOfFixed returns the year (0 is 1 BC), month (1-12) and day of a fixed date in the calendar in force on it.
func dateOfFixed(fd int64) (y, m, d int64) {
	fixed := gregorianFixed
	leap := gregorianLeap
	if fd >= gregorianCutover {
		d0 := fd - 1
		n400 := floorDiv(d0, 146097)
		d1 := floorMod(d0, 146097)
		n100, d2 := d1/36524, d1%36524
		n4, d3 := d2/1461, d2%1461
		n1 := d3 / 365
		y = 400*n400 + 100*n100 + 4*n4 + n1
		if n100 != 4 && n1 != 4 {
			y++
		}
	} else {
		fixed, leap = julianFixed, julianLeap
		y = floorDiv(4*(fd+1)+1464, 1461)
	}
	prior := fd - fixed(y, 1, 1)
	if fd >= fixed(y, 3, 1) {
		if leap(y) {
			prior++
		} else {
			prior += 2
		}
	}
	m = floorDiv(12*prior+373, 367)
	d = fd - fixed(y, m, 1) + 1
	return y, m, d
}

// dayOfWeekOfFixed is Calendar.DAY_OF_WEEK of a fixed date (Sunday is 1).
func dayOfWeekOfFixed(fd int64) int64 { return floorMod(fd, 7) + 1 }

// dayOfWeekOnOrBefore is BaseCalendar.getDayOfWeekDateOnOrBefore.
func dayOfWeekOnOrBefore(fd, dow int64) int64 {
	return fd - floorMod(fd-int64(int32(dow-1)), 7) // Java's dayOfWeek - 1 is an int and may wrap
}

// weekNumber is GregorianCalendar.getWeekNumber: the week of fd in the period starting at day1.
func weekNumber(day1, fd int64) int64 {
	first := dayOfWeekOnOrBefore(day1+6, firstDayOfWeek)
	if first-day1 >= minimalDaysInWeek {
		first -= 7
	}
	return floorDiv(fd-first, 7) + 1
}

// jan1Of is the fixed date of 1 January of y, which in the cutover year is a Julian date.
func jan1Of(y int64) int64 {
	if y == cutoverYear {
		return julianFixed(y, 1, 1)
	}
	return fixedFromDate(y, 1, 1)
}

// calendarFields are the fields of an instant in UTC that a pattern prints.
type calendarFields struct {
	normYear                  int64 // 0 is 1 BC
	month                     int64 // 0-11
	dayOfMonth, dayOfYear     int64
	dayOfWeek, dayOfWeekInMon int64
	weekOfYear, weekOfMonth   int64
	hourOfDay, minute, second int64
	millisecond, timeOfDay    int64
	weekYear                  int64
	era, yearOfEra            int64
	ampm, hour                int64
	fixed                     int64
	monthStart, yearStart     int64
}

// fieldsOf is GregorianCalendar.computeFields for an instant in UTC.
func fieldsOf(ms int64) calendarFields {
	var c calendarFields
	c.fixed = floorDiv(ms, millisPerDay) + epochFixed
	c.timeOfDay = floorMod(ms, millisPerDay)
	y, m, d := dateOfFixed(c.fixed)
	c.normYear, c.month, c.dayOfMonth = y, m-1, d
	c.era, c.yearOfEra = 1, y
	if y <= 0 {
		c.era, c.yearOfEra = 0, 1-y
	}
	c.yearStart = jan1Of(y)
	c.monthStart = c.fixed - d + 1
	if y == cutoverYear && m == 10 {
		// The month of the cutover starts on the Julian 1 October.
		c.monthStart = julianFixed(y, 10, 1)
	}
	c.dayOfYear = c.fixed - c.yearStart + 1
	c.dayOfWeek = dayOfWeekOfFixed(c.fixed)
	// Counted from the first day of the month, which in October 1582 is the Julian 1 October.
	c.dayOfWeekInMon = (c.fixed-c.monthStart)/7 + 1
	c.weekOfYear = weekNumber(c.yearStart, c.fixed)
	if c.weekOfYear == 0 {
		prevJan1 := jan1Of(y - 1)
		c.weekOfYear = weekNumber(prevJan1, c.yearStart-1)
	} else if c.weekOfYear >= 52 {
		nextJan1 := jan1Of(y + 1)
		nextFirst := dayOfWeekOnOrBefore(nextJan1+6, firstDayOfWeek)
		if nextFirst-nextJan1 >= minimalDaysInWeek && c.fixed >= nextFirst-7 {
			c.weekOfYear = 1
		}
	}
	c.weekOfMonth = weekNumber(c.monthStart, c.fixed)
	c.hourOfDay = c.timeOfDay / 3600000
	c.minute = c.timeOfDay / 60000 % 60
	c.second = c.timeOfDay / 1000 % 60
	c.millisecond = c.timeOfDay % 1000
	c.ampm, c.hour = c.hourOfDay/12, c.hourOfDay%12
	// GregorianCalendar.getWeekYear: the week of the first or last days of a year may belong to the next or
	// the previous year.
	c.weekYear = y
	switch {
	case y <= 0:
		c.weekYear = bcWeekYear(c, y)
	case c.month == 0:
		if c.weekOfYear >= 52 {
			c.weekYear--
		}
	case c.weekOfYear == 1:
		c.weekYear++
	}
	return c
}

// bcWeekYear is what GregorianCalendar.getWeekYear answers in a BC year: its slow path moves a lenient copy
// to YEAR+1 while the era stays BCE, so it looks up the first week of the AD year numbered like the BC year
// after (1 BC stays itself). With a first week of one day, only the last days of December can move.
func bcWeekYear(c calendarFields, y int64) int64 {
	jan1 := jan1Of(-y)
	minDay := floorMod(1-dayOfWeekOfFixed(jan1), 7)
	if minDay == 0 {
		minDay = 7
	}
	maxDayOfYear := jan1Of(y+1) - c.yearStart
	if maxDayOfYear-c.dayOfYear+1 <= 7-minDay {
		return y + 1
	}
	return y
}

// format is SimpleDateFormat.format of the instant ms (milliseconds since the epoch) in UTC.
func (f *javaDateFormat) format(ms int64) string {
	c := fieldsOf(ms)
	var b strings.Builder
	for _, t := range f.tokens {
		if t.letter == 0 {
			b.WriteString(string(t.literal))
			continue
		}
		n := t.count
		switch t.letter {
		case 'G':
			b.WriteString(javaEras[c.era])
		case 'y', 'Y':
			v := c.yearOfEra
			if t.letter == 'Y' {
				v = c.weekYear
			}
			if n == 2 {
				writeTwoDigits(&b, v)
			} else {
				writePadded(&b, v, n)
			}
		case 'M', 'L':
			switch {
			case n >= 4:
				b.WriteString(javaMonths[c.month])
			case n == 3:
				b.WriteString(javaShortMonths[c.month])
			default:
				writePadded(&b, c.month+1, n)
			}
		case 'd':
			writePadded(&b, c.dayOfMonth, n)
		case 'k':
			h := c.hourOfDay
			if h == 0 {
				h = 24
			}
			writePadded(&b, h, n)
		case 'H':
			writePadded(&b, c.hourOfDay, n)
		case 'm':
			writePadded(&b, c.minute, n)
		case 's':
			writePadded(&b, c.second, n)
		case 'S':
			writePadded(&b, c.millisecond, n)
		case 'E':
			if n >= 4 {
				b.WriteString(javaWeekdays[c.dayOfWeek])
			} else {
				b.WriteString(javaShortWeekdays[c.dayOfWeek])
			}
		case 'D':
			writePadded(&b, c.dayOfYear, n)
		case 'F':
			writePadded(&b, c.dayOfWeekInMon, n)
		case 'w':
			writePadded(&b, c.weekOfYear, n)
		case 'W':
			writePadded(&b, c.weekOfMonth, n)
		case 'a':
			b.WriteString(javaAmPm[c.ampm])
		case 'h':
			h := c.hour
			if h == 0 {
				h = 12
			}
			writePadded(&b, h, n)
		case 'K':
			writePadded(&b, c.hour, n)
		case 'z':
			if n >= 4 {
				b.WriteString("Coordinated Universal Time")
			} else {
				b.WriteString("UTC")
			}
		case 'Z':
			b.WriteString("+0000")
		case 'X':
			b.WriteString("Z")
		case 'u':
			iso := c.dayOfWeek - 1
			if iso == 0 {
				iso = 7
			}
			writePadded(&b, iso, n)
		}
	}
	return b.String()
}

// maxPadding is the most integer digits Java's DecimalFormat pads a number to.
const maxPadding = 309

// writePadded writes v with at least n digits, as DecimalFormat does ("-0005" for -5 in four digits).
func writePadded(b *strings.Builder, v int64, n int) {
	if n > maxPadding {
		n = maxPadding
	}
	digits := strconv.FormatInt(v, 10)
	if v < 0 {
		b.WriteByte('-')
		digits = digits[1:]
	}
	for i := len(digits); i < n; i++ {
		b.WriteByte('0')
	}
	b.WriteString(digits)
}

// writeTwoDigits writes the last two digits of v ("yy").
func writeTwoDigits(b *strings.Builder, v int64) {
	if v < 0 {
		b.WriteByte('-')
		v = -v
	}
	v %= 100
	b.WriteByte(byte('0' + v/10))
	b.WriteByte(byte('0' + v%10))
}

// Calendar field indexes, as java.util.Calendar numbers them; weekYear is CalendarBuilder's extra field.
const (
	fEra = iota
	fYear
	fMonth
	fWeekOfYear
	fWeekOfMonth
	fDayOfMonth
	fDayOfYear
	fDayOfWeek
	fDayOfWeekInMonth
	fAmPm
	fHour
	fHourOfDay
	fMinute
	fSecond
	fMillisecond
	fZoneOffset
	fDstOffset
	fWeekYear
	fieldCount
)

// calendarBuilder is java.text.CalendarBuilder: parsed field values with the order they were set in, which
// decides between conflicting fields.
type calendarBuilder struct {
	stamp     [fieldCount]int
	value     [fieldCount]int64
	nextStamp int
}

func newCalendarBuilder() *calendarBuilder { return &calendarBuilder{nextStamp: 2} }

func (cb *calendarBuilder) set(field int, v int64) {
	cb.stamp[field] = cb.nextStamp
	cb.nextStamp++
	cb.value[field] = v
}

func (cb *calendarBuilder) isSet(field int) bool { return cb.stamp[field] > 0 }

func (cb *calendarBuilder) clear(field int) { cb.stamp[field], cb.value[field] = 0, 0 }

// setISODayOfWeek is set(ISO_DAY_OF_WEEK): Monday 1 to Sunday 7 become Calendar's numbering, other values
// are kept for the lenient adjustment of establish.
func (cb *calendarBuilder) setISODayOfWeek(v int64) {
	if v > 0 && v <= 7 {
		if v == 7 {
			v = 1
		} else {
			v++
		}
	}
	cb.set(fDayOfWeek, v)
}

// establish computes the instant of the parsed fields (CalendarBuilder.establish and
// GregorianCalendar.computeTime in lenient mode); false where Java's calendar throws.
func (cb *calendarBuilder) establish() (int64, bool) {
	cal := *cb
	if cal.isSet(fWeekYear) && cal.stamp[fWeekYear] > cal.stamp[fYear] {
		if !cal.applyWeekDate() {
			return 0, false
		}
	}
	cal.clear(fWeekYear)
	return cal.computeTime()
}

// applyWeekDate is the week-date part of establish (GregorianCalendar.setWeekDate): the week year, week and
// day of week become the year, month and day of month.
func (cb *calendarBuilder) applyWeekDate() bool {
	weekOfYear := int64(1)
	if cb.isSet(fWeekOfYear) {
		weekOfYear = cb.value[fWeekOfYear]
	}
	dow := int64(firstDayOfWeek)
	if cb.isSet(fDayOfWeek) {
		dow = cb.value[fDayOfWeek]
	}
	if dow <= 0 || dow > 7 {
		if dow >= 8 {
			dow--
			weekOfYear += dow / 7
			dow = dow%7 + 1
		} else {
			for dow <= 0 {
				dow += 7
				weekOfYear--
			}
		}
		// Java converts the adjusted value as an ISO day of week.
		if dow == 7 {
			dow = 1
		} else {
			dow++
		}
	}
	// Java takes the era from the instant the other fields give (the week year not yet applied), then reads
	// the week year in that era.
	rest := *cb
	rest.clear(fWeekYear)
	ms, ok := rest.computeTime()
	if !ok {
		return false
	}
	year := cb.value[fWeekYear]
	if fieldsOf(ms).era == 0 {
		year = int64(int32(1 - year))
	}
	jan1 := jan1Of(year)
	first := dayOfWeekOnOrBefore(jan1+6, firstDayOfWeek)
	if first-jan1 >= minimalDaysInWeek {
		first -= 7
	}
	days := int64(int32(floorMod(dow-firstDayOfWeek, 7) + 7*(weekOfYear-1))) // an int in Java
	y, m, d := dateOfFixed(first + days)
	era := int64(1)
	if y <= 0 {
		era, y = 0, 1-y
	}
	cb.set(fEra, era)
	cb.set(fYear, y)
	cb.set(fMonth, m-1)
	cb.set(fDayOfMonth, d)
	cb.value[fWeekOfYear] = weekOfYear
	return true
}

// Field masks of selectFields.
func fieldBit(f int) int { return 1 << f }

func aggregateStamp(a, b int) int {
	if a == 0 || b == 0 {
		return 0
	}
	return max(a, b)
}

// selectFields is Calendar.selectFields: which of the set fields determine the date and the time of day.
func (cb *calendarBuilder) selectFields() int {
	s := &cb.stamp
	mask := fieldBit(fYear)
	if s[fEra] != 0 {
		mask |= fieldBit(fEra)
	}
	dowStamp := s[fDayOfWeek]
	monthStamp := s[fMonth]
	domStamp := s[fDayOfMonth]
	womStamp := aggregateStamp(s[fWeekOfMonth], dowStamp)
	dowimStamp := aggregateStamp(s[fDayOfWeekInMonth], dowStamp)
	doyStamp := s[fDayOfYear]
	woyStamp := aggregateStamp(s[fWeekOfYear], dowStamp)
	best := max(domStamp, womStamp, dowimStamp, doyStamp, woyStamp)
	if best == 0 {
		womStamp = s[fWeekOfMonth]
		dowimStamp = max(s[fDayOfWeekInMonth], dowStamp)
		woyStamp = s[fWeekOfYear]
		best = max(womStamp, dowimStamp, woyStamp)
		if best == 0 {
			best = monthStamp
			domStamp = monthStamp
		}
	}
	if best == domStamp || (best == womStamp && s[fWeekOfMonth] >= s[fWeekOfYear]) ||
		(best == dowimStamp && s[fDayOfWeekInMonth] >= s[fWeekOfYear]) {
		mask |= fieldBit(fMonth)
		if best == domStamp {
			mask |= fieldBit(fDayOfMonth)
		} else {
			if dowStamp != 0 {
				mask |= fieldBit(fDayOfWeek)
			}
			if womStamp == dowimStamp {
				if s[fWeekOfMonth] >= s[fDayOfWeekInMonth] {
					mask |= fieldBit(fWeekOfMonth)
				} else {
					mask |= fieldBit(fDayOfWeekInMonth)
				}
			} else if best == womStamp {
				mask |= fieldBit(fWeekOfMonth)
			} else if s[fDayOfWeekInMonth] != 0 {
				mask |= fieldBit(fDayOfWeekInMonth)
			}
		}
	} else {
		if best == doyStamp {
			mask |= fieldBit(fDayOfYear)
		} else {
			if dowStamp != 0 {
				mask |= fieldBit(fDayOfWeek)
			}
			mask |= fieldBit(fWeekOfYear)
		}
	}
	hourOfDayStamp := s[fHourOfDay]
	hourStamp := aggregateStamp(s[fHour], s[fAmPm])
	best = max(hourStamp, hourOfDayStamp)
	if best == 0 {
		best = max(s[fHour], s[fAmPm])
	}
	if best != 0 {
		if best == hourOfDayStamp {
			mask |= fieldBit(fHourOfDay)
		} else {
			mask |= fieldBit(fHour)
			if s[fAmPm] != 0 {
				mask |= fieldBit(fAmPm)
			}
		}
	}
	for _, f := range []int{fMinute, fSecond, fMillisecond, fZoneOffset, fDstOffset} {
		if s[f] != 0 {
			mask |= fieldBit(f)
		}
	}
	return mask
}

// computeTime is GregorianCalendar.computeTime in lenient mode, in UTC.
func (cb *calendarBuilder) computeTime() (int64, bool) {
	mask := cb.selectFields()
	in := func(f int) bool { return mask&fieldBit(f) != 0 }
	get := func(f int) int64 { return cb.value[f] }
	year := int64(1970)
	if cb.isSet(fYear) {
		year = int64(int32(get(fYear)))
	}
	if cb.isSet(fEra) {
		switch get(fEra) {
		case 0:
			year = int64(int32(1 - year)) // an int in Java
		case 1:
		default:
			return 0, false // "Invalid era"
		}
	}
	var tod int64
	if in(fHourOfDay) {
		tod = get(fHourOfDay)
	} else {
		tod = get(fHour)
		if in(fAmPm) {
			tod += 12 * get(fAmPm)
		}
	}
	tod = ((tod*60+get(fMinute))*60+get(fSecond))*1000 + get(fMillisecond)
	fixed := tod / millisPerDay
	tod %= millisPerDay
	for tod < 0 {
		tod += millisPerDay
		fixed--
	}
	fixed = cb.resolveFixedDate(fixed, year, mask)
	ms := (fixed-epochFixed)*millisPerDay + tod
	if in(fZoneOffset) {
		ms -= get(fZoneOffset)
	}
	if in(fDstOffset) {
		ms -= get(fDstOffset)
	}
	return ms, true
}

// resolveFixedDate is computeTime's choice between the Julian and the Gregorian reading of the fields (days
// is the whole days the time of day overflowed into): the Gregorian date from the cutover on, the Julian one
// before it and for day-of-year and week-of-year fields around the cutover year.
func (cb *calendarBuilder) resolveFixedDate(days, year int64, mask int) int64 {
	var gfd, jfd int64
	switch {
	case year > cutoverYear:
		if gfd = days + cb.fixedDate(false, year, mask); gfd >= gregorianCutover {
			return gfd
		}
		jfd = days + cb.fixedDate(true, year, mask)
	case year < cutoverYear:
		if jfd = days + cb.fixedDate(true, year, mask); jfd < gregorianCutover {
			return jfd
		}
		gfd = jfd
	default:
		jfd = days + cb.fixedDate(true, year, mask)
		gfd = days + cb.fixedDate(false, year, mask)
	}
	if mask&(fieldBit(fDayOfYear)|fieldBit(fWeekOfYear)) == 0 && gfd >= gregorianCutover {
		return gfd
	}
	return jfd
}

// fixedDate is GregorianCalendar.getFixedDate: the date the selected fields give in year, with the Julian
// (julian) or the Gregorian calendar.
func (cb *calendarBuilder) fixedDate(julian bool, year int64, mask int) int64 {
	in := func(f int) bool { return mask&fieldBit(f) != 0 }
	get := func(f int) int64 { return int64(int32(cb.value[f])) }
	fixedOf := gregorianFixed
	if julian {
		fixedOf = julianFixed
	}
	month := int64(0)
	if in(fMonth) {
		month = get(fMonth)
		if month > 11 || month < 0 {
			year += floorDiv(month, 12)
			month = floorMod(month, 12)
		}
	}
	fixed := fixedOf(year, month+1, 1)
	if in(fMonth) {
		switch {
		case in(fDayOfMonth):
			if cb.isSet(fDayOfMonth) {
				fixed += get(fDayOfMonth) - 1
			}
		case in(fWeekOfMonth):
			first := dayOfWeekOnOrBefore(fixed+6, firstDayOfWeek)
			if first-fixed >= minimalDaysInWeek {
				first -= 7
			}
			if in(fDayOfWeek) {
				first = dayOfWeekOnOrBefore(first+6, get(fDayOfWeek))
			}
			fixed = first + int64(int32(7*(get(fWeekOfMonth)-1))) // int arithmetic in Java
		default:
			dow := int64(firstDayOfWeek)
			if in(fDayOfWeek) {
				dow = get(fDayOfWeek)
			}
			dowim := int64(1)
			if in(fDayOfWeekInMonth) {
				dowim = get(fDayOfWeekInMonth)
			}
			if dowim >= 0 {
				fixed = dayOfWeekOnOrBefore(fixed+int64(int32(7*dowim))-1, dow)
			} else {
				lastDate := int64(int32(monthLength(month, year) + 7*(dowim+1)))
				fixed = dayOfWeekOnOrBefore(fixed+lastDate-1, dow)
			}
		}
		return fixed
	}
	if in(fDayOfYear) {
		return fixed + get(fDayOfYear) - 1
	}
	first := dayOfWeekOnOrBefore(fixed+6, firstDayOfWeek)
	if first-fixed >= minimalDaysInWeek {
		first -= 7
	}
	if in(fDayOfWeek) {
		if dow := get(fDayOfWeek); dow != firstDayOfWeek {
			first = dayOfWeekOnOrBefore(first+6, dow)
		}
	}
	return first + 7*(get(fWeekOfYear)-1)
}

var monthLengths = [12]int64{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

// monthLength is GregorianCalendar.monthLength: February has 29 days in the hybrid calendar's leap years.
func monthLength(month, year int64) int64 {
	if month == 1 && hybridLeap(year) {
		return 29
	}
	return monthLengths[month]
}

// parse is SimpleDateFormat.parse(String): the instant the text starts with; false where Java throws
// ParseException. Text after what the pattern matches is ignored.
func (f *javaDateFormat) parse(s string) (int64, bool) {
	text := []rune(s)
	cb := newCalendarBuilder()
	start := 0
	ambiguousYear := false
	for i, t := range f.tokens {
		if t.letter == 0 {
			for _, c := range t.literal {
				if start >= len(text) || text[start] != c {
					return 0, false
				}
				start++
			}
			continue
		}
		obeyCount := false
		if i+1 < len(f.tokens) {
			obeyCount = shouldObeyCount(f.tokens[i+1])
		}
		var ok bool
		if start, ok = f.subParse(text, start, t.letter, t.count, obeyCount, &ambiguousYear, cb); !ok {
			return 0, false
		}
	}
	ms, ok := cb.establish()
	if !ok {
		return 0, false
	}
	if ambiguousYear && ms < f.centuryStart {
		cb.value[fYear] += 100
		cb.value[fWeekYear] += 100
		if ms, ok = cb.establish(); !ok {
			return 0, false
		}
	}
	return ms, true
}

// shouldObeyCount reports whether a numeric field followed by t must stop after its letter count, so that
// "yyyyMMdd" splits "20010704".
func shouldObeyCount(t dateToken) bool {
	switch t.letter {
	case 'M', 'L':
		return t.count <= 2
	case 'y', 'd', 'k', 'H', 'm', 's', 'S', 'D', 'F', 'w', 'W', 'h', 'K', 'Y', 'u':
		return true
	}
	return false
}

// subParse is SimpleDateFormat.subParse: it parses one field at start and returns the position after it.
func (f *javaDateFormat) subParse(text []rune, start int, letter rune, count int, obeyCount bool,
	ambiguousYear *bool, cb *calendarBuilder) (int, bool) {
	pos := start
	for {
		if pos >= len(text) {
			return 0, false
		}
		if c := text[pos]; c != ' ' && c != '\t' {
			break
		}
		pos++
	}
	actualStart := pos
	parseNum := func() (int64, bool) {
		limit := text
		if obeyCount {
			if start+count > len(text) {
				return 0, false
			}
			limit = text[:start+count]
		}
		v, next, ok := parseJavaInteger(limit, pos)
		if ok {
			pos = next
		}
		return v, ok
	}
	var value int64
	switch letter {
	case 'k', 'h', 'y', 'Y':
		v, ok := parseNum()
		if !ok {
			return 0, false
		}
		value = v
	case 'M', 'L':
		if count <= 2 {
			v, ok := parseNum()
			if !ok {
				return 0, false
			}
			value = v
		}
	}
	switch letter {
	case 'G':
		return matchNames(text, start, fEra, javaEras, 0, cb)
	case 'y', 'Y':
		if count <= 2 && pos-actualStart == 2 && unicode.IsDigit(text[actualStart]) && unicode.IsDigit(text[actualStart+1]) {
			centuryYear := fieldsOf(f.centuryStart).normYear
			ambiguous := centuryYear % 100
			*ambiguousYear = value == ambiguous
			if value < ambiguous {
				value += 100
			}
			value += centuryYear / 100 * 100
		}
		if letter == 'y' {
			cb.set(fYear, value)
		} else {
			cb.set(fWeekYear, value)
		}
		return pos, true
	case 'M', 'L':
		if count <= 2 {
			cb.set(fMonth, value-1)
			return pos, true
		}
		if next, ok := matchNames(text, start, fMonth, javaMonths, 0, cb); ok {
			return next, true
		}
		return matchNames(text, start, fMonth, javaShortMonths, 0, cb)
	case 'k':
		if value == 24 {
			value = 0
		}
		cb.set(fHourOfDay, value)
		return pos, true
	case 'E':
		if next, ok := matchNames(text, start, fDayOfWeek, javaWeekdays, 1, cb); ok {
			return next, true
		}
		return matchNames(text, start, fDayOfWeek, javaShortWeekdays, 1, cb)
	case 'a':
		return matchNames(text, start, fAmPm, javaAmPm, 0, cb)
	case 'h':
		if value == 12 {
			value = 0
		}
		cb.set(fHour, value)
		return pos, true
	case 'z', 'Z':
		return parseZone(text, start, pos, cb)
	case 'X':
		if pos >= len(text) {
			return 0, false
		}
		sign := int64(1)
		switch text[pos] {
		case 'Z':
			cb.set(fZoneOffset, 0)
			cb.set(fDstOffset, 0)
			return pos + 1, true
		case '+':
		case '-':
			sign = -1
		default:
			return 0, false
		}
		return parseNumericZone(text, pos+1, sign, count, count == 3, cb)
	}
	v, ok := parseNum()
	if !ok {
		return 0, false
	}
	switch letter {
	case 'd':
		cb.set(fDayOfMonth, v)
	case 'H':
		cb.set(fHourOfDay, v)
	case 'm':
		cb.set(fMinute, v)
	case 's':
		cb.set(fSecond, v)
	case 'S':
		cb.set(fMillisecond, v)
	case 'D':
		cb.set(fDayOfYear, v)
	case 'F':
		cb.set(fDayOfWeekInMonth, v)
	case 'w':
		cb.set(fWeekOfYear, v)
	case 'W':
		cb.set(fWeekOfMonth, v)
	case 'K':
		cb.set(fHour, v)
	case 'u':
		cb.setISODayOfWeek(v)
	}
	return pos, true
}

// matchNames is SimpleDateFormat.matchString: the longest of names (from index first on) that the text
// starts with at start, ignoring case; its index is the field's value.
func matchNames(text []rune, start int, field int, names []string, first int, cb *calendarBuilder) (int, bool) {
	best, bestLen := -1, 0
	for i := first; i < len(names); i++ {
		n := []rune(names[i])
		if len(n) > bestLen && regionMatchesFold(text, start, n) {
			best, bestLen = i, len(n)
		}
	}
	if best < 0 {
		return 0, false
	}
	cb.set(field, int64(best))
	return start + bestLen, true
}

// regionMatchesFold is String.regionMatches(true, start, s, 0, len(s)).
func regionMatchesFold(text []rune, start int, s []rune) bool {
	if start < 0 || start+len(s) > len(text) {
		return false
	}
	for i, c := range s {
		t := text[start+i]
		if t != c && unicode.ToUpper(t) != unicode.ToUpper(c) && unicode.ToLower(t) != unicode.ToLower(c) {
			return false
		}
	}
	return true
}

// utcZoneNames are the names Java's zone strings give the UTC zone ("en"), long and short, standard and
// daylight.
var utcZoneNames = [][]rune{[]rune("Coordinated Universal Time"), []rune("UTC")}

// parseZone parses a 'z' or 'Z' field: "GMT", "GMT+h:mm", "+hhmm", or a name of the UTC zone.
func parseZone(text []rune, start, pos int, cb *calendarBuilder) (int, bool) {
	c := text[pos]
	sign := int64(0)
	switch c {
	case '+':
		sign = 1
	case '-':
		sign = -1
	}
	if sign != 0 {
		return parseNumericZone(text, pos+1, sign, 0, false, cb)
	}
	if (c == 'G' || c == 'g') && regionMatchesFold(text, start, []rune("GMT")) {
		pos = start + 3
		if pos < len(text) {
			switch text[pos] {
			case '+':
				sign = 1
			case '-':
				sign = -1
			}
		}
		if sign == 0 {
			cb.set(fZoneOffset, 0)
			cb.set(fDstOffset, 0)
			return pos, true
		}
		return parseNumericZone(text, pos+1, sign, 0, true, cb)
	}
	for _, n := range utcZoneNames {
		if regionMatchesFold(text, pos, n) {
			// UTC has the same name in standard and daylight time: the zone decides, and it is UTC.
			return pos + len(n), true
		}
	}
	return 0, false
}

// parseNumericZone is SimpleDateFormat.subParseNumericZone: "hh", "hhmm" or "hh:mm" after a sign (count 1,
// 2 or 3 for 'X'; 0 for RFC 822 and GMT offsets, where a one-digit hour is allowed before a colon).
func parseNumericZone(text []rune, pos int, sign int64, count int, colon bool, cb *calendarBuilder) (int, bool) {
	digit := func(i int) (int64, bool) {
		if i >= len(text) || text[i] < '0' || text[i] > '9' {
			return 0, false
		}
		return int64(text[i] - '0'), true
	}
	h, ok := digit(pos)
	if !ok {
		return 0, false
	}
	pos++
	if d, ok := digit(pos); ok {
		h = h*10 + d
		pos++
	} else if count > 0 || !colon || pos >= len(text) {
		return 0, false
	}
	if h > 23 {
		return 0, false
	}
	var m int64
	if count != 1 {
		if colon {
			if pos >= len(text) || text[pos] != ':' {
				return 0, false
			}
			pos++
		}
		d1, ok1 := digit(pos)
		d2, ok2 := digit(pos + 1)
		if !ok1 || !ok2 {
			return 0, false
		}
		m = d1*10 + d2
		pos += 2
		if m > 59 {
			return 0, false
		}
	}
	cb.set(fZoneOffset, (h*60+m)*60000*sign)
	cb.set(fDstOffset, 0)
	return pos, true
}

// parseJavaInteger is SimpleDateFormat's number parsing (an integer-only DecimalFormat without grouping,
// English symbols): "NaN", an optional minus sign, then "∞" or decimal digits of any script with an
// optional exponent ("E", sign, digits). It returns Number.intValue of the result and the position after it.
func parseJavaInteger(text []rune, pos int) (int64, int, bool) {
	if regionMatchesExact(text, pos, []rune("NaN")) {
		return 0, pos + 3, true // Double.NaN.intValue()
	}
	neg := false
	if pos < len(text) && text[pos] == '-' {
		neg = true
		pos++
	}
	if pos < len(text) && text[pos] == '∞' {
		if neg {
			return math.MinInt32, pos + 1, true
		}
		return math.MaxInt32, pos + 1, true
	}
	var digits []byte
	seen := false
	for pos < len(text) {
		d, ok := javaDigit(text[pos])
		if !ok {
			break
		}
		seen = true
		if len(digits) > 0 || d != 0 {
			digits = append(digits, byte('0'+d))
		}
		pos++
	}
	if !seen {
		return 0, 0, false
	}
	exp := 0
	if pos < len(text) && text[pos] == 'E' {
		p := pos + 1
		expNeg := false
		// The exponent is parsed with the prefixes "" and "-": a plus sign ends the number before the E.
		if p < len(text) && text[p] == '-' {
			expNeg = true
			p++
		}
		var e []byte
		for p < len(text) {
			d, ok := javaDigit(text[p])
			if !ok {
				break
			}
			e = append(e, byte('0'+d))
			p++
		}
		if len(e) > 0 {
			n, err := strconv.Atoi(string(e))
			if err != nil || n > 1000000 {
				n = 1000000
			}
			if expNeg {
				n = -n
			}
			exp = n
			pos = p
		}
	}
	return javaIntValue(digits, exp, neg), pos, true
}

func regionMatchesExact(text []rune, start int, s []rune) bool {
	if start+len(s) > len(text) {
		return false
	}
	for i, c := range s {
		if text[start+i] != c {
			return false
		}
	}
	return true
}

// javaIntValue is Number.intValue of the number digits×10^exp, digits without leading zeros: DecimalFormat
// returns a Long when the value is an integer that fits one (DigitList.fitsIntoLong), truncated here to int,
// and a Double otherwise, saturated to int.
func javaIntValue(digits []byte, exp int, neg bool) int64 {
	decimalAt := len(digits) + exp
	for len(digits) > 0 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
	}
	if len(digits) == 0 {
		return 0
	}
	if decimalAt >= len(digits) && decimalAt <= 19 {
		full := string(digits) + strings.Repeat("0", decimalAt-len(digits))
		if u, err := strconv.ParseUint(full, 10, 64); err == nil && (u < 1<<63 || (neg && u == 1<<63)) {
			n := int64(u)
			if neg {
				n = -n
			}
			return int64(int32(n))
		}
	}
	f, _ := strconv.ParseFloat(string(digits)+"e"+strconv.Itoa(decimalAt-len(digits)), 64)
	if neg {
		f = -f
	}
	return int64(javaD2I(f))
}
