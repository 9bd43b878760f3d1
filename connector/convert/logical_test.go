package convert

import (
	"math/big"
	"testing"
)

func TestBigDecimalString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		unscaled int64
		scale    int
		want     string
	}{
		{150, 2, "1.50"},
		{-150, 2, "-1.50"},
		{5, 3, "0.005"},
		{0, 2, "0.00"},
		{123, 0, "123"},
		{123, -2, "1.23E+4"},
		{1, 7, "1E-7"},
		{12, 8, "1.2E-7"},
		{1, 6, "0.000001"},
		{0, -3, "0E+3"},
	}
	for _, tt := range tests {
		if got := BigDecimalString(big.NewInt(tt.unscaled), tt.scale); got != tt.want {
			t.Errorf("BigDecimalString(%d, %d) = %q, want %q", tt.unscaled, tt.scale, got, tt.want)
		}
	}
}

func TestTwosComplement(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n    int64
		want []byte
	}{
		{0, []byte{0}},
		{1, []byte{1}},
		{127, []byte{0x7f}},
		{128, []byte{0, 0x80}},
		{-1, []byte{0xff}},
		{-128, []byte{0x80}},
		{-129, []byte{0xff, 0x7f}},
		{102345, []byte{0x01, 0x8f, 0xc9}},
	}
	for _, tt := range tests {
		got := twosComplement(big.NewInt(tt.n))
		if string(got) != string(tt.want) {
			t.Errorf("twosComplement(%d) = %x, want %x", tt.n, got, tt.want)
		}
		back, err := fromTwosComplement(got)
		if err != nil || back.Int64() != tt.n {
			t.Errorf("fromTwosComplement(%x) = %v, %v; want %d", got, back, err, tt.n)
		}
	}
	if _, err := fromTwosComplement(nil); err == nil {
		t.Error("fromTwosComplement(empty): no error")
	}
}
