package dev.mzflink.source;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.connector.source.SourceEvent;

/** The messages between the split enumerator and the readers of a source. */
final class SourceEvents {
  private SourceEvents() {}

  /** A reader emitted every row of a snapshot split: {@code rows} of them. */
  record SplitFinished(String splitId, long rows) implements SourceEvent {
    private static final long serialVersionUID = 1L;

    SplitFinished {
      requireNonNull(splitId, "splitId is null");
    }
  }

  /**
   * The snapshots of these tables (by state id) are complete, with so many rows each: the stream
   * reader tells the tables' normalizers, in the stream.
   */
  record SnapshotsDone(Map<String, Long> rows) implements SourceEvent {
    private static final long serialVersionUID = 1L;

    SnapshotsDone {
      rows = new TreeMap<>(requireNonNull(rows, "rows is null"));
    }
  }

  /**
   * A reader restored the stream from a checkpoint and waits, before reading it, for the hand-over
   * points of the tables the enumerator snapshots anew.
   */
  record StreamReady() implements SourceEvent {
    private static final long serialVersionUID = 1L;
  }

  /**
   * These tables (by state id) are no longer in the publication, with the message to report: the
   * stream reader reports them and stops replicating them.
   */
  record TablesDropped(Map<String, String> messages) implements SourceEvent {
    private static final long serialVersionUID = 1L;

    TablesDropped {
      messages = new TreeMap<>(requireNonNull(messages, "messages is null"));
    }
  }

  /**
   * The restored stream may go on, with these tables' new hand-over points. {@code whole}: a table
   * is read again on request, and the results of the whole source wait for it (the commit that
   * passes its point applies the re-read as a difference); otherwise only the results of these
   * tables wait.
   */
  record StreamGo(Map<String, Long> handOver, boolean whole) implements SourceEvent {
    private static final long serialVersionUID = 1L;

    StreamGo {
      handOver = new TreeMap<>(requireNonNull(handOver, "handOver is null"));
    }
  }
}
