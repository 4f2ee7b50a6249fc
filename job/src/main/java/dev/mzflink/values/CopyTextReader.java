package dev.mzflink.values;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Reads the rows of {@code COPY ... TO STDOUT} in PostgreSQL's default text format: columns
 * separated by a tab, rows ended by a newline, {@code \N} for NULL, and backslash escapes ({@code
 * \b \f \n \r \t \v \\}, {@code \} and 1 to 3 octal digits, {@code \x} and 1 or 2 hex digits; a
 * backslash before any other character stands for that character). A line holding only {@code \.}
 * ends the data, as in COPY FROM.
 *
 * <p>Byte by byte and without copies: each row is unescaped in place in the reader's buffer (an
 * escape only ever shortens the text), so the current row's columns are byte ranges of one array
 * ({@link TextRow}), valid until the next call of {@link #next}. UTF-8 needs no special care: no
 * byte of a multi-byte character is a tab, a newline or a backslash, so characters split across
 * reads or chunks come together in the buffer. The buffer grows to hold the longest row.
 *
 * <pre>{@code
 * CopyTextReader rows = new CopyTextReader(new PGCopyInputStream(connection, "COPY (...) TO STDOUT"));
 * while (rows.next()) {
 *   RowData row = decoder.decode(rows);
 * }
 * }</pre>
 */
public final class CopyTextReader implements TextRow {
  /** The initial buffer size. */
  public static final int DEFAULT_BUFFER_SIZE = 64 * 1024;

  private static final int INITIAL_COLUMNS = 16;

  private final InputStream in;
  private byte[] buffer;

  /** The first byte not yet read as part of a row. */
  private int position;

  /** The end of the bytes read into {@link #buffer}. */
  private int limit;

  /** How far {@link #position}'s row was searched for its newline. */
  private int searched;

  private boolean endOfInput;
  private boolean done;
  private long rows;
  private int columns;
  private int[] offsets = new int[INITIAL_COLUMNS];
  private int[] lengths = new int[INITIAL_COLUMNS];

  public CopyTextReader(InputStream in) {
    this(in, DEFAULT_BUFFER_SIZE);
  }

  public CopyTextReader(InputStream in, int bufferSize) {
    this.in = requireNonNull(in, "in is null");
    if (bufferSize < 1) {
      throw new IllegalArgumentException("bufferSize must be positive");
    }
    this.buffer = new byte[bufferSize];
  }

  /** A source of byte chunks, such as pgjdbc's {@code CopyOut.readFromCopy()}; null at the end. */
  @FunctionalInterface
  public interface Chunks {
    byte[] next() throws IOException;
  }

  /** A reader of the COPY text that {@code chunks} hands over, chunk by chunk. */
  public static CopyTextReader ofChunks(Chunks chunks) {
    return new CopyTextReader(new ChunkStream(requireNonNull(chunks, "chunks is null")));
  }

  /**
   * Moves to the next row; false at the end of the data.
   *
   * @throws IllegalStateException when the data is not COPY text (it ends inside a row, or a row
   *     ends with a lone backslash)
   */
  public boolean next() throws IOException {
    if (done) {
      return false;
    }
    int end = newline();
    while (end < 0) {
      if (endOfInput) {
        done = true;
        columns = 0;
        if (position == limit) {
          return false;
        }
        throw new IllegalStateException(
            String.format("COPY data ends inside row %d, without a newline", rows + 1));
      }
      fill();
      end = newline();
    }
    int start = position;
    position = end + 1;
    searched = position;
    if (end - start == 2 && buffer[start] == '\\' && buffer[start + 1] == '.') {
      done = true;
      columns = 0;
      return false;
    }
    rows++;
    parse(start, end);
    return true;
  }

  /** The number of rows read so far: the current row's number, counting from 1. */
  public long rowNumber() {
    return rows;
  }

  @Override
  public int columnCount() {
    return columns;
  }

  @Override
  public byte[] bytes() {
    return buffer;
  }

  @Override
  public int offset(int column) {
    checkColumn(column);
    return offsets[column];
  }

  @Override
  public int length(int column) {
    checkColumn(column);
    return lengths[column];
  }

  private void checkColumn(int column) {
    if (column < 0 || column >= columns) {
      throw new IndexOutOfBoundsException(
          "column " + column + " of a row of " + columns + " columns");
    }
  }

  /** The index of the newline that ends the row at {@link #position}, or -1 if not read yet. */
  private int newline() {
    byte[] b = buffer;
    int end = limit;
    for (int i = searched; i < end; i++) {
      if (b[i] == '\n') {
        return i;
      }
    }
    searched = end;
    return -1;
  }

  /** Moves the unread bytes to the front, grows the buffer if full, and reads more. */
  private void fill() throws IOException {
    if (position > 0) {
      int unread = limit - position;
      System.arraycopy(buffer, position, buffer, 0, unread);
      searched -= position;
      limit = unread;
      position = 0;
    }
    if (limit == buffer.length) {
      buffer = Arrays.copyOf(buffer, Math.max(16, buffer.length * 2));
    }
    int n = in.read(buffer, limit, buffer.length - limit);
    if (n < 0) {
      endOfInput = true;
    } else {
      limit += n;
    }
  }

  /**
   * Splits the row {@code buffer[start, end)} into columns. Each value is unescaped in place: it
   * starts where its text starts and only shrinks, so values never overlap.
   */
  private void parse(int start, int end) {
    byte[] b = buffer;
    int column = 0;
    int read = start;
    while (true) {
      if (column == offsets.length) {
        offsets = Arrays.copyOf(offsets, column * 2);
        lengths = Arrays.copyOf(lengths, column * 2);
      }
      offsets[column] = read;
      if (read + 1 < end
          && b[read] == '\\'
          && b[read + 1] == 'N'
          && (read + 2 == end || b[read + 2] == '\t')) {
        lengths[column] = NULL;
        read += 2;
      } else {
        int valueStart = read;
        // Up to the first escape the text is where it is: only look for its end.
        while (read < end) {
          byte c = b[read];
          if (c == '\t' || c == '\\') {
            break;
          }
          read++;
        }
        int write = read;
        while (read < end) {
          byte c = b[read];
          if (c == '\t') {
            break;
          }
          if (c == '\\') {
            read = unescape(b, read, end, write);
          } else {
            b[write] = c;
            read++;
          }
          write++;
        }
        lengths[column] = write - valueStart;
      }
      column++;
      if (read >= end) {
        break;
      }
      read++; // the tab
    }
    columns = column;
  }

  /**
   * Writes the byte that the escape at {@code b[at]} (a backslash) stands for to {@code b[write]},
   * and returns the index after the escape.
   */
  private int unescape(byte[] b, int at, int end, int write) {
    if (at + 1 >= end) {
      throw new IllegalStateException(
          String.format("row %d of the COPY data ends with a lone backslash", rows));
    }
    byte c = b[at + 1];
    int next = at + 2;
    int value;
    switch (c) {
      case 'b' -> value = '\b';
      case 'f' -> value = '\f';
      case 'n' -> value = '\n';
      case 'r' -> value = '\r';
      case 't' -> value = '\t';
      case 'v' -> value = 0x0b;
      case '0', '1', '2', '3', '4', '5', '6', '7' -> {
        value = c - '0';
        for (int digits = 1; digits < 3 && next < end && isOctal(b[next]); digits++) {
          value = (value << 3) + (b[next++] - '0');
        }
      }
      case 'x' -> {
        int digit = next < end ? hexValue(b[next]) : -1;
        if (digit < 0) {
          value = 'x';
        } else {
          value = digit;
          next++;
          digit = next < end ? hexValue(b[next]) : -1;
          if (digit >= 0) {
            value = (value << 4) + digit;
            next++;
          }
        }
      }
      default -> value = c;
    }
    b[write] = (byte) value;
    return next;
  }

  private static boolean isOctal(byte c) {
    return c >= '0' && c <= '7';
  }

  private static int hexValue(byte c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  /** Chunks as an input stream. */
  private static final class ChunkStream extends InputStream {
    private final Chunks chunks;
    private byte[] chunk = new byte[0];
    private int at;
    private boolean end;

    ChunkStream(Chunks chunks) {
      this.chunks = chunks;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] into, int offset, int length) throws IOException {
      if (length == 0) {
        return 0;
      }
      while (at == chunk.length) {
        if (end) {
          return -1;
        }
        byte[] next = chunks.next();
        if (next == null) {
          end = true;
          return -1;
        }
        chunk = next;
        at = 0;
      }
      int n = Math.min(length, chunk.length - at);
      System.arraycopy(chunk, at, into, offset, n);
      at += n;
      return n;
    }
  }
}
