package dev.mzflink.source.pgoutput;

import dev.mzflink.values.TextRow;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.StringJoiner;

/**
 * The column values of a row in a pgoutput message (TupleData), as byte ranges of the message:
 * nothing is copied or turned into a String. Read it as text with {@link
 * dev.mzflink.values.PgRowDecoder}: as a {@link TextRow} a NULL has length {@link TextRow#NULL}, an
 * unchanged TOASTed value {@link TextRow#UNCHANGED}.
 *
 * <p>The tuple shares its bytes with the payload it was decoded from (pgjdbc hands over a fresh
 * array per message), so that payload must not be reused while the tuple is in use.
 */
public final class TupleData implements TextRow {
  /** How a column's value is given. */
  public enum Kind {
    /** 'n': SQL NULL. */
    NULL,
    /** 'u': a TOASTed value the update left unchanged; the message does not carry it. */
    UNCHANGED_TOAST,
    /** 't': the value in PostgreSQL's text output format. */
    TEXT,
    /** 'b': the value in its binary format (only when the stream asked for binary values). */
    BINARY
  }

  private static final Kind[] KINDS = Kind.values();

  private final byte[] bytes;
  private final byte[] kinds;
  private final int[] offsets;
  private final int[] lengths;
  private final boolean hasUnchangedToast;

  /**
   * A tuple of {@code kinds.length} columns: column {@code c} has kind {@code
   * Kind.values()[kinds[c]]} and, for TEXT and BINARY, the bytes {@code bytes[offsets[c],
   * offsets[c] + lengths[c])}. The arrays are taken over, not copied.
   */
  TupleData(byte[] bytes, byte[] kinds, int[] offsets, int[] lengths) {
    this.bytes = bytes;
    this.kinds = kinds;
    this.offsets = offsets;
    this.lengths = lengths;
    boolean unchanged = false;
    for (byte k : kinds) {
      unchanged |= k == Kind.UNCHANGED_TOAST.ordinal();
    }
    this.hasUnchangedToast = unchanged;
  }

  /**
   * The tuple of columns {@code positions[0]}, {@code positions[1]}, ... of this one, sharing its
   * bytes.
   */
  public TupleData project(int[] positions) {
    byte[] k = new byte[positions.length];
    int[] o = new int[positions.length];
    int[] l = new int[positions.length];
    for (int i = 0; i < positions.length; i++) {
      k[i] = kinds[positions[i]];
      o[i] = offsets[positions[i]];
      l[i] = lengths[positions[i]];
    }
    return new TupleData(bytes, k, o, l);
  }

  @Override
  public int columnCount() {
    return kinds.length;
  }

  /** How column {@code column}'s value is given. */
  public Kind kind(int column) {
    return KINDS[kinds[column]];
  }

  /** Whether some column is an unchanged TOASTed value the message does not carry. */
  public boolean hasUnchangedToast() {
    return hasUnchangedToast;
  }

  @Override
  public byte[] bytes() {
    return bytes;
  }

  /** Where column {@code column}'s value starts in {@link #bytes()} (0 for NULL and unchanged). */
  @Override
  public int offset(int column) {
    return offsets[column];
  }

  /**
   * The length of column {@code column}'s text, {@link TextRow#NULL} or {@link TextRow#UNCHANGED}.
   *
   * @throws IllegalStateException for a binary value, which is not text ({@link #value} reads it)
   */
  @Override
  public int length(int column) {
    int kind = kinds[column];
    if (kind == Kind.TEXT.ordinal()) {
      return lengths[column];
    }
    if (kind == Kind.NULL.ordinal()) {
      return NULL;
    }
    if (kind == Kind.UNCHANGED_TOAST.ordinal()) {
      return UNCHANGED;
    }
    throw new IllegalStateException(
        "column " + column + " holds a binary value, not text: the stream asked for binary values");
  }

  /** A copy of column {@code column}'s bytes (text or binary); null for NULL and unchanged. */
  public byte[] value(int column) {
    int kind = kinds[column];
    if (kind == Kind.TEXT.ordinal() || kind == Kind.BINARY.ordinal()) {
      return Arrays.copyOfRange(bytes, offsets[column], offsets[column] + lengths[column]);
    }
    return null;
  }

  /** Column {@code column}'s text as a String; null for NULL and unchanged. For messages. */
  public String text(int column) {
    byte[] value = value(column);
    return value == null ? null : new String(value, StandardCharsets.UTF_8);
  }

  /** Equal kinds and equal bytes, column by column. */
  @Override
  public boolean equals(Object o) {
    if (!(o instanceof TupleData other) || other.kinds.length != kinds.length) {
      return false;
    }
    for (int c = 0; c < kinds.length; c++) {
      if (kinds[c] != other.kinds[c] || !Arrays.equals(value(c), other.value(c))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    int hash = 1;
    for (int c = 0; c < kinds.length; c++) {
      hash = hash * 31 + kinds[c];
      hash = hash * 31 + Arrays.hashCode(value(c));
    }
    return hash;
  }

  /** {@code ('text', NULL, UNCHANGED, b'\x00ff')}. */
  @Override
  public String toString() {
    StringJoiner out = new StringJoiner(", ", "(", ")");
    for (int c = 0; c < kinds.length; c++) {
      switch (kind(c)) {
        case NULL -> out.add("NULL");
        case UNCHANGED_TOAST -> out.add("UNCHANGED");
        case TEXT -> out.add("'" + text(c) + "'");
        case BINARY -> out.add("b'\\x" + java.util.HexFormat.of().formatHex(value(c)) + "'");
      }
    }
    return out.toString();
  }
}
