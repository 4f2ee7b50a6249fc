package dev.mzflink.source;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.TreeMap;

/**
 * A source's stream of changes from its replication slot.
 *
 * @param startLsn where reading resumes: the end of the last transaction the job has emitted whole
 * @param handOver per table id, the WAL position of the table's snapshot: the table's changes in
 *     transactions that committed before it are in the snapshot and are dropped; the position is
 *     also the generation of the table's records
 */
public record StreamSplit(long startLsn, Map<String, Long> handOver) implements PgSplit {
  public StreamSplit {
    handOver = Map.copyOf(new TreeMap<>(requireNonNull(handOver, "handOver is null")));
  }

  @Override
  public String splitId() {
    return "stream";
  }

  /** The same stream resuming at {@code lsn}. */
  public StreamSplit at(long lsn) {
    return new StreamSplit(lsn, handOver);
  }

  /** The same stream with {@code more} hand-over points. */
  public StreamSplit withHandOver(Map<String, Long> more) {
    Map<String, Long> all = new TreeMap<>(handOver);
    all.putAll(more);
    return new StreamSplit(startLsn, all);
  }
}
