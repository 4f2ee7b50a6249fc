package dev.mzflink.sink;

/**
 * What one writer of one results table staged for one checkpoint: everything up to batch {@link
 * #batch}. The commit of the checkpoint applies it. A Flink POJO.
 */
public final class Marker {
  /** The results table, quoted. */
  public String table;

  public int subtask;

  /** How many writer subtasks the table had when the marker was sent. */
  public int writers;

  public long checkpoint;
  public long batch;

  /** The run of the pipeline the writer belongs to ({@link Lineage}). */
  public String lineage;

  /**
   * Of a source's position marker, the tables whose snapshot the source reads beside its stream
   * ({@link SourcePosition#held}): the results that read them wait; null or empty when none.
   */
  public String held;

  public Marker() {}

  Marker(String table, int subtask, int writers, long checkpoint, long batch, String lineage) {
    this.table = table;
    this.subtask = subtask;
    this.writers = writers;
    this.checkpoint = checkpoint;
    this.batch = batch;
    this.lineage = lineage;
  }

  /** What {@link #table} of a source's position marker starts with (no quoted name does). */
  static final String POSITION = "position of ";

  /**
   * The position of {@code source} (quoted) that checkpoint {@code checkpoint} reflects, in {@link
   * #batch} (-1: not known), except for the tables {@code held}.
   */
  static Marker position(String source, long checkpoint, long lsn, String held) {
    Marker m = new Marker(POSITION + source, 0, 1, checkpoint, lsn, "");
    m.held = held;
    return m;
  }

  /** Whether this marker is a source's position, not a results table's. */
  boolean isPosition() {
    return table.startsWith(POSITION);
  }

  /** Of a position marker, the source (quoted). */
  String source() {
    return table.substring(POSITION.length());
  }

  /** Of two markers of one writer subtask, the one of the later checkpoint. */
  static Marker later(Marker a, Marker b) {
    return a.checkpoint >= b.checkpoint ? a : b;
  }

  @Override
  public String toString() {
    return table
        + "#"
        + subtask
        + " checkpoint "
        + checkpoint
        + " batch "
        + batch
        + (held == null || held.isEmpty() ? "" : " holding " + held);
  }
}
