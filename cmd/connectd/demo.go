package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"time"

	"github.com/connectd/connectd/connector/mqtt/mqttbroker"
)

// vehicleTelemetry is one simulated reading published by --demo.
type vehicleTelemetry struct {
	VehicleID string  `json:"vehicleId"`
	Seq       int64   `json:"seq"`
	Timestamp int64   `json:"timestamp"`
	SpeedKMH  float64 `json:"speedKmh"`
	Lat       float64 `json:"lat"`
	Lon       float64 `json:"lon"`
	FuelPct   float64 `json:"fuelPct"`
}

// runDemo publishes simulated telemetry of five vehicles as JSON to /mqtt/test/vehicle/<id> at rate messages
// per second (QoS 1) until ctx ends.
func runDemo(ctx context.Context, b *mqttbroker.Broker, rate int, logger *slog.Logger) {
	if rate <= 0 {
		rate = 1
	}
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	var seq int64
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			seq++
			id := fmt.Sprintf("car%d", seq%5+1)
			phase := float64(seq) / 50
			msg := vehicleTelemetry{
				VehicleID: id, Seq: seq, Timestamp: now.UnixMilli(),
				SpeedKMH: math.Round((60+30*math.Sin(phase)+rand.Float64()*5)*10) / 10,
				Lat:      37.5665 + 0.01*math.Sin(phase), Lon: 126.9780 + 0.01*math.Cos(phase),
				FuelPct: math.Max(0, 100-float64(seq%10000)/100),
			}
			payload, _ := json.Marshal(msg)
			if err := b.Publish("/mqtt/test/vehicle/"+id, payload, 1); err != nil {
				logger.Warn("demo publish failed", "err", err)
			}
		}
	}
}
