package kafkalog

import "github.com/IBM/sarama"

// Murmur2 is Kafka's Utils.murmur2: the 32-bit MurmurHash2 variant (seed 0x9747b28c) the Java producer's
// default partitioner applies to serialized keys.
func Murmur2(data []byte) int32 {
	const (
		seed uint32 = 0x9747b28c
		m    uint32 = 0x5bd1e995
		r           = 24
	)
	length := len(data)
	h := seed ^ uint32(length)
	for i := 0; i+4 <= length; i += 4 {
		k := uint32(data[i]) | uint32(data[i+1])<<8 | uint32(data[i+2])<<16 | uint32(data[i+3])<<24
		k *= m
		k ^= k >> r
		k *= m
		h *= m
		h ^= k
	}
	tail := length &^ 3
	switch length % 4 {
	case 3:
		h ^= uint32(data[tail+2]) << 16
		fallthrough
	case 2:
		h ^= uint32(data[tail+1]) << 8
		fallthrough
	case 1:
		h ^= uint32(data[tail])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return int32(h)
}

// Murmur2Partition is the Java default partitioner's choice for a keyed record:
// toPositive(murmur2(key)) % numPartitions. It returns -1 when numPartitions is not positive.
func Murmur2Partition(key []byte, numPartitions int32) int32 {
	if numPartitions <= 0 {
		return -1
	}
	return (Murmur2(key) & 0x7fffffff) % numPartitions
}

// NewMurmur2Partitioner is a sarama.PartitionerConstructor that places keyed records exactly as the Java
// producer does, so a Go and a Java worker writing the same key to a compacted topic hit the same partition.
// Records without a key go to a random partition.
func NewMurmur2Partitioner(topic string) sarama.Partitioner {
	return &murmur2Partitioner{random: sarama.NewRandomPartitioner(topic)}
}

type murmur2Partitioner struct {
	random sarama.Partitioner
}

func (p *murmur2Partitioner) Partition(msg *sarama.ProducerMessage, numPartitions int32) (int32, error) {
	if msg.Key == nil {
		return p.random.Partition(msg, numPartitions)
	}
	key, err := msg.Key.Encode()
	if err != nil {
		return -1, err
	}
	if key == nil {
		return p.random.Partition(msg, numPartitions)
	}
	return Murmur2Partition(key, numPartitions), nil
}

// RequiresConsistency is true: a key must always map to its partition, even while that partition's leader
// is unavailable, or compaction would keep two "latest" values.
func (p *murmur2Partitioner) RequiresConsistency() bool { return true }

// MessageRequiresConsistency relaxes the rule for unkeyed records, which may go anywhere.
func (p *murmur2Partitioner) MessageRequiresConsistency(msg *sarama.ProducerMessage) bool {
	return msg.Key != nil
}
