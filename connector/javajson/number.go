package javajson

import (
	"math"
	"strconv"
)

// FormatDouble returns f as Java's Double.toString writes it.
func FormatDouble(f float64) string { return string(AppendDouble(nil, f)) }

// FormatFloat returns f as Java's Float.toString writes it.
func FormatFloat(f float32) string { return string(AppendFloat(nil, f)) }

// AppendDouble appends f as Java's Double.toString writes it: the shortest decimal that reads back as f, in
// plain notation with at least one fractional digit when 10^-3 <= |f| < 10^7 ("100.0", "0.001",
// "1234567.0"), otherwise in computerized scientific notation ("1.0E7", "1.0E-4", "1.23456789123E8").
// NaN, infinities and zeros are "NaN", "Infinity", "-Infinity", "0.0" and "-0.0".
//
// The digits are those of JDK 19 and later (Raffaello Giulietti's algorithm): the shortest decimal that
// reads back as f, closest to f, where a one-digit result competes with the two-digit decimals
// ("4.9E-324", not "5.0E-324"). Older JDKs sometimes printed more digits than needed; such texts still read back as
// the same value.
func AppendDouble(dst []byte, f float64) []byte { return appendJava(dst, f, 64) }

// AppendFloat appends f as Java's Float.toString writes it, with the rules of [AppendDouble] applied to the
// shortest decimal that reads back as the float32 f.
func AppendFloat(dst []byte, f float32) []byte { return appendJava(dst, float64(f), 32) }

func appendJava(dst []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	case f == 0:
		if math.Signbit(f) {
			return append(dst, "-0.0"...)
		}
		return append(dst, "0.0"...)
	}

	// strconv's 'e' form of the shortest decimal: "-d.ddde±XX". Split it into sign, digits and the decimal
	// exponent of the first digit, then lay the digits out as Java does.
	var tmp [40]byte
	s := strconv.AppendFloat(tmp[:0], f, 'e', -1, bits)
	if s[0] == '-' {
		dst = append(dst, '-')
		s = s[1:]
	}
	ePos := 0
	for i, c := range s {
		if c == 'e' {
			ePos = i
			break
		}
	}
	if ePos == 1 {
		// One significant digit. Java then picks, among the decimals of one or two digits that read back
		// as f, the one closest to f: 4.9E-324 rather than 5.0E-324 for the smallest double. The nearest
		// two-digit decimal is at least as close as the one-digit one; take it when it reads back as f.
		var tmp2 [40]byte
		s2 := strconv.AppendFloat(tmp2[:0], f, 'e', 1, bits)
		if back, err := strconv.ParseFloat(string(s2), bits); err == nil && back == f {
			if s2[0] == '-' {
				s2 = s2[1:]
			}
			s = s2
			ePos = 3
		}
	}
	mant, expText := s[:ePos], s[ePos+1:]
	exp, _ := strconv.Atoi(string(expText)) // strconv wrote it; it always parses
	var digitBuf [24]byte
	digits := append(digitBuf[:0], mant[0])
	if len(mant) > 2 {
		digits = append(digits, mant[2:]...)
	}
	for len(digits) > 1 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
	}

	// Java decides the notation on the decimal it prints, not on the binary value.
	if exp >= -3 && exp < 7 {
		if exp < 0 {
			dst = append(dst, '0', '.')
			for i := -1; i > exp; i-- {
				dst = append(dst, '0')
			}
			return append(dst, digits...)
		}
		intLen := exp + 1
		if len(digits) <= intLen {
			dst = append(dst, digits...)
			for i := len(digits); i < intLen; i++ {
				dst = append(dst, '0')
			}
			return append(dst, '.', '0')
		}
		dst = append(dst, digits[:intLen]...)
		dst = append(dst, '.')
		return append(dst, digits[intLen:]...)
	}

	dst = append(dst, digits[0], '.')
	if len(digits) > 1 {
		dst = append(dst, digits[1:]...)
	} else {
		dst = append(dst, '0')
	}
	dst = append(dst, 'E')
	return strconv.AppendInt(dst, int64(exp), 10)
}
