package dev.mzflink.values;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.types.logical.LogicalType;

/**
 * Writes Flink rows as PostgreSQL's COPY text format into a byte buffer, straight from Flink's
 * internal values: tab-separated, {@code \N} for NULL, backslash escapes. Strings are copied from
 * their UTF-8 bytes and integers written as digits; other types go through their PostgreSQL text
 * ({@link PgText}). Not thread-safe; reused for every row.
 */
public final class CopyRowEncoder implements Serializable {
  private static final long serialVersionUID = 1L;

  private enum Kind {
    INTEGER,
    STRING,
    OTHER
  }

  private final Kind[] kinds;
  private final RowData.FieldGetter[] raw;
  private final RowData.FieldGetter[] text;
  private transient byte[] buffer;
  private transient int length;

  /** An encoder of rows of {@code types}, all columns in order. */
  public CopyRowEncoder(LogicalType[] types) {
    kinds = new Kind[types.length];
    raw = new RowData.FieldGetter[types.length];
    text = new RowData.FieldGetter[types.length];
    for (int i = 0; i < types.length; i++) {
      raw[i] = RowData.createFieldGetter(types[i], i);
      text[i] = PgText.getter(types[i], i);
      kinds[i] =
          switch (types[i].getTypeRoot()) {
            case TINYINT, SMALLINT, INTEGER, BIGINT -> Kind.INTEGER;
            case CHAR, VARCHAR -> Kind.STRING;
            default -> Kind.OTHER;
          };
    }
  }

  /** The bytes written since the last {@link #clear}. */
  public byte[] buffer() {
    return buffer == null ? new byte[0] : buffer;
  }

  public int length() {
    return length;
  }

  public void clear() {
    length = 0;
  }

  /**
   * Appends {@code row}'s columns, then {@code extra} values (bookkeeping columns, already text
   * that needs no escaping), as one COPY line.
   */
  public void append(RowData row, long... extra) {
    for (int i = 0; i < kinds.length; i++) {
      if (i > 0) {
        put((byte) '\t');
      }
      Object value = raw[i].getFieldOrNull(row);
      if (value == null) {
        put((byte) '\\');
        put((byte) 'N');
        continue;
      }
      switch (kinds[i]) {
        case INTEGER -> digits(((Number) value).longValue());
        case STRING -> escaped(((StringData) value).toBytes());
        case OTHER ->
            escaped(((String) text[i].getFieldOrNull(row)).getBytes(StandardCharsets.UTF_8));
      }
    }
    for (long value : extra) {
      put((byte) '\t');
      digits(value);
    }
    put((byte) '\n');
  }

  private void digits(long value) {
    ensure(20);
    if (value == Long.MIN_VALUE) {
      byte[] min = Long.toString(value).getBytes(StandardCharsets.US_ASCII);
      System.arraycopy(min, 0, buffer, length, min.length);
      length += min.length;
      return;
    }
    if (value < 0) {
      buffer[length++] = '-';
      value = -value;
    }
    int start = length;
    do {
      buffer[length++] = (byte) ('0' + value % 10);
      value /= 10;
    } while (value > 0);
    for (int i = start, j = length - 1; i < j; i++, j--) {
      byte t = buffer[i];
      buffer[i] = buffer[j];
      buffer[j] = t;
    }
  }

  private void escaped(byte[] bytes) {
    ensure(bytes.length * 2);
    for (byte b : bytes) {
      switch (b) {
        case '\\' -> {
          buffer[length++] = '\\';
          buffer[length++] = '\\';
        }
        case '\n' -> {
          buffer[length++] = '\\';
          buffer[length++] = 'n';
        }
        case '\r' -> {
          buffer[length++] = '\\';
          buffer[length++] = 'r';
        }
        case '\t' -> {
          buffer[length++] = '\\';
          buffer[length++] = 't';
        }
        default -> buffer[length++] = b;
      }
    }
  }

  private void put(byte b) {
    ensure(1);
    buffer[length++] = b;
  }

  private void ensure(int more) {
    if (buffer == null) {
      buffer = new byte[Math.max(64 * 1024, more)];
    } else if (length + more > buffer.length) {
      buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, length + more));
    }
  }
}
