// Package spool is a durable local log of opaque entries: the MQTT source's spool, which lets a task
// acknowledge a message to the broker once the message is on local disk rather than once Kafka has it. It
// knows nothing of MQTT or Kafka.
//
// One owner appends entries ([Spool.Append]), one shipper reads them in order ([Spool.Read]) and commits
// what reached its destination ([Spool.Commit]). Each entry gets a sequence number, one more than the entry
// before. Entries live in segment files of bounded size in one directory per spool (an exclusive lock keeps
// a second spool out); a segment file is deleted once all its entries are committed. See format.go for the
// layout: a versioned header per segment, and each entry framed with its length and a CRC-32C.
//
// # Lifecycle
//
// [Open] recovers what the directory holds and returns a spool; [Spool.Run] is its syncer goroutine and
// returns when its context ends (after writing what was appended); [Spool.Close] stops Run if needed,
// writes the checkpoint and closes the files. The spool starts no other goroutine.
//
// # Group commit
//
// Append copies the entry into the current batch and returns; the syncer writes a batch with one write per
// segment, syncs it (fsync), then calls the batch's durable callbacks in sequence order. By default
// (Options.MaxDelay 0) the syncer syncs as soon as it is free, so the entries appended during one fsync form
// the next batch: the batch grows with the load, and an entry waits at most for the fsync in progress and
// its own. Measured on this project's build machine (2 vCPUs, ext4 on a virtual disk; bench_test.go), an
// fsync after a 1 KB append takes 0.17-0.19 ms, and a spool makes 1 KB entries durable at 64,000 a second for
// one appender that keeps 20 in flight (an MQTT session on Mosquitto's defaults), 127,000 for four such
// appenders, and 350,000 for one that keeps 1,000 in flight. Waiting 2 ms to gather a batch (MaxDelay) cuts
// the first figure tenfold: with 20 entries in flight a batch cannot grow past 20 anyway.
//
// # Durability contract
//
// When an entry's durable callback is called with a nil error, the entry and every entry before it are on
// stable storage: their bytes were written and the segment file synced, and so were the segment's header
// and directory entry when the segment was created. They survive a crash of the process or of the machine,
// as far as the storage keeps what fsync reports as synced (a disk with a volatile write cache that ignores
// flushes does not). From then on an entry leaves the spool only through Commit, or through damage to the
// storage, which Open and Read report (below): nothing durable is dropped silently.
//
// A crash can lose the entries whose callback was not called (or was called with an error): the end of the
// last segment may hold none, some, or damaged parts of them. Open finds the first entry whose checksum
// fails in the last segment, truncates the file there, and reports the bytes cut (Recovery.TornBytes,
// logged at WARN). The sequence numbers of entries cut that way are given again to the next entries.
// Conversely, an entry whose callback never ran may survive a crash and be read after it: an owner that did
// not acknowledge it to its source (the MQTT broker, which sends it again) gets it twice.
//
// # Reading, committing and re-reading
//
// Read returns durable entries only, oldest first: after Open, first those an earlier spool left (from the
// oldest not committed), then those appended since. Commit(seq) marks seq and everything before it shipped.
// The commit point is saved in a small checkpoint file, written (and synced) when a segment becomes
// deletable, at most every Options.CheckpointInterval otherwise, and by Close. Delivery to the shipper is
// at least once: after a crash, or a restart without Close, the entries read and not committed, and those
// committed since the last checkpoint, are read again. A segment is deleted only after a checkpoint past its
// last entry is durable, so that Open can tell a missing segment (a loss) from one that was shipped.
//
// # Capacity and failures
//
// The bytes of entries not committed are bounded by Options.MaxBytes: Append waits for Commit to make room,
// or for its context to end (ErrFull); it never drops an entry. An owner that acknowledges entries to its
// source only from the durable callback therefore stops acknowledging when the spool is full, which is the
// back-pressure: the source keeps what it could not deliver. [Spool.AppendNow] is for the rare entry an owner
// cannot hold back (its source would lose it): it appends past MaxBytes instead of waiting.
//
// A failed write or fsync (a full disk: ENOSPC; an I/O error) stops the spool for good: the callbacks of
// every entry not yet durable get the error, Append returns it, and Run returns it. After a failed fsync the
// kernel may have dropped the unwritten pages and forgotten the error, so retrying the fsync could report
// success for data that is gone; instead the owner closes the spool, reports the error, and opens it again
// later, when Open checks what reached the disk. Read and Commit keep working on a stopped spool, and a
// Commit that deletes segments frees disk space: the checkpoint is overwritten in place, which needs no new
// disk blocks on common file systems. Entries appended and not durable were never reported durable; the
// owner appends them again (or lets its source send them again).
//
// # Damage
//
// Only the last segment can end in a torn write: a segment is synced before the next one is created.
// Damage anywhere else (an entry whose checksum fails inside an older segment, a segment missing between two
// others or before the oldest one not committed, a segment that stops short of the next) is damage to
// entries that were durable. Open then fails with a [*CorruptError] naming the segment, the offset and the
// sequence numbers lost, and changes nothing, so that an operator can look at the files; with
// Options.SkipCorrupt it logs the loss at ERROR, lists it in Recovery.Lost, and goes on: Read passes over the
// lost sequence numbers. Damage in the last segment cannot be told from a torn write and is truncated as
// one, logged at WARN with its size. A segment of a newer format version fails Open in either case. Damage
// that appears after Open (a checksum that fails on Read) is a *CorruptError from Read.
package spool
