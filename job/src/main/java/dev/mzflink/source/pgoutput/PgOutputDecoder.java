package dev.mzflink.source.pgoutput;

import dev.mzflink.catalog.PgTable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Decodes pgoutput protocol version 1 messages from the payload of XLogData messages, as pgjdbc's
 * {@code PGReplicationStream.read()} and {@code readPending()} return it, into {@link
 * PgOutputMessage}s. Column values stay byte ranges of the payload ({@link TupleData}).
 *
 * <p>Stateless: relations are remembered by the caller. A message of a kind protocol version 1 does
 * not have, a truncated message, or bytes after a message's end throw {@link
 * IllegalStateException}.
 */
public final class PgOutputDecoder {
  /** 2000-01-01T00:00:00Z, PostgreSQL's epoch, in seconds since 1970. */
  private static final long POSTGRES_EPOCH_SECONDS = 946_684_800L;

  private PgOutputDecoder() {}

  /**
   * The message in {@code payload}'s remaining bytes. The buffer's position is not moved. Tuples
   * share {@code payload}'s array when it has an accessible one (pgjdbc's buffers do), else the
   * bytes are copied once.
   */
  public static PgOutputMessage decode(ByteBuffer payload) {
    if (payload.hasArray()) {
      int start = payload.arrayOffset() + payload.position();
      return decode(payload.array(), start, payload.remaining());
    }
    byte[] copy = new byte[payload.remaining()];
    payload.duplicate().get(copy);
    return decode(copy, 0, copy.length);
  }

  /** The message in {@code bytes[offset, offset + length)}. */
  public static PgOutputMessage decode(byte[] bytes, int offset, int length) {
    if (offset < 0 || length < 0 || offset + length > bytes.length) {
      throw new IndexOutOfBoundsException(
          String.format("bytes %d to %d of %d", offset, offset + length, bytes.length));
    }
    if (length == 0) {
      throw new IllegalStateException("an empty pgoutput message");
    }
    Cursor in = new Cursor(bytes, offset + 1, offset + length, bytes[offset]);
    PgOutputMessage message =
        switch (in.type) {
          case 'B' -> new PgOutputMessage.Begin(in.int64(), in.timestamp(), in.uint32());
          case 'C' ->
              new PgOutputMessage.Commit(in.uint8(), in.int64(), in.int64(), in.timestamp());
          case 'O' -> new PgOutputMessage.Origin(in.int64(), in.string());
          case 'R' -> relation(in);
          case 'Y' -> new PgOutputMessage.Type(in.uint32(), in.string(), in.string());
          case 'I' -> insert(in);
          case 'U' -> update(in);
          case 'D' -> delete(in);
          case 'T' -> truncate(in);
          case 'M' -> logicalMessage(in);
          default -> throw unknownType(in.type);
        };
    in.requireEnd();
    return message;
  }

  private static IllegalStateException unknownType(byte type) {
    String known =
        switch (type) {
          case 'S', 'E', 'c', 'A' -> ", a message of streamed transactions (protocol version 2)";
          case 'b', 'P', 'K', 'r', 'p' -> ", a two-phase commit message (protocol version 3)";
          default -> "";
        };
    return new IllegalStateException(
        String.format(
            "unknown pgoutput message type %s%s: mzflink reads protocol version 1",
            describe(type), known));
  }

  private static String describe(byte type) {
    return type >= 0x20 && type < 0x7f
        ? String.format("'%c' (0x%02x)", (char) type, type & 0xff)
        : String.format("0x%02x", type & 0xff);
  }

  private static PgOutputMessage.Relation relation(Cursor in) {
    long oid = in.uint32();
    String namespace = in.string();
    String name = in.string();
    byte identity = in.int8();
    PgTable.ReplicaIdentity replicaIdentity =
        switch (identity) {
          case 'd' -> PgTable.ReplicaIdentity.DEFAULT;
          case 'f' -> PgTable.ReplicaIdentity.FULL;
          case 'i' -> PgTable.ReplicaIdentity.INDEX;
          case 'n' -> PgTable.ReplicaIdentity.NOTHING;
          default ->
              throw in.malformed("unknown replica identity " + describe(identity) + " of " + name);
        };
    int count = in.uint16();
    List<PgOutputMessage.Relation.Column> columns = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      columns.add(
          new PgOutputMessage.Relation.Column(in.uint8(), in.string(), in.uint32(), in.int32()));
    }
    return new PgOutputMessage.Relation(oid, namespace, name, replicaIdentity, columns);
  }

  private static PgOutputMessage.Insert insert(Cursor in) {
    long relation = in.uint32();
    in.expect('N');
    return new PgOutputMessage.Insert(relation, tuple(in));
  }

  private static PgOutputMessage.Update update(Cursor in) {
    long relation = in.uint32();
    byte marker = in.int8();
    Optional<PgOutputMessage.OldTuple> old = Optional.empty();
    if (marker == 'K' || marker == 'O') {
      old = Optional.of(oldTuple(in, marker));
      marker = in.int8();
    }
    if (marker != 'N') {
      throw in.malformed("expected 'K', 'O' or 'N', found " + describe(marker));
    }
    return new PgOutputMessage.Update(relation, old, tuple(in));
  }

  private static PgOutputMessage.Delete delete(Cursor in) {
    long relation = in.uint32();
    byte marker = in.int8();
    if (marker != 'K' && marker != 'O') {
      throw in.malformed("expected 'K' or 'O', found " + describe(marker));
    }
    return new PgOutputMessage.Delete(relation, oldTuple(in, marker));
  }

  private static PgOutputMessage.OldTuple oldTuple(Cursor in, byte marker) {
    return new PgOutputMessage.OldTuple(
        marker == 'K' ? PgOutputMessage.OldTuple.Kind.KEY : PgOutputMessage.OldTuple.Kind.FULL,
        tuple(in));
  }

  private static final byte NULL = (byte) TupleData.Kind.NULL.ordinal();
  private static final byte UNCHANGED = (byte) TupleData.Kind.UNCHANGED_TOAST.ordinal();
  private static final byte TEXT = (byte) TupleData.Kind.TEXT.ordinal();
  private static final byte BINARY = (byte) TupleData.Kind.BINARY.ordinal();

  private static TupleData tuple(Cursor in) {
    int count = in.uint16();
    byte[] kinds = new byte[count];
    int[] offsets = new int[count];
    int[] lengths = new int[count];
    for (int c = 0; c < count; c++) {
      byte kind = in.int8();
      switch (kind) {
        case 'n' -> kinds[c] = NULL;
        case 'u' -> kinds[c] = UNCHANGED;
        case 't', 'b' -> {
          kinds[c] = kind == 't' ? TEXT : BINARY;
          int length = in.int32();
          if (length < 0) {
            throw in.malformed("column " + c + " has the length " + length);
          }
          offsets[c] = in.skip(length);
          lengths[c] = length;
        }
        default ->
            throw in.malformed("unknown kind " + describe(kind) + " of the value of column " + c);
      }
    }
    return new TupleData(in.bytes, kinds, offsets, lengths);
  }

  private static PgOutputMessage.Truncate truncate(Cursor in) {
    int count = in.int32();
    int options = in.uint8();
    if (count < 0) {
      throw in.malformed("the number of relations is " + count);
    }
    List<Long> oids = new ArrayList<>(Math.min(count, 1024));
    for (int i = 0; i < count; i++) {
      oids.add(in.uint32());
    }
    return new PgOutputMessage.Truncate(options, oids);
  }

  private static PgOutputMessage.LogicalMessage logicalMessage(Cursor in) {
    boolean transactional = (in.uint8() & 1) != 0;
    long lsn = in.int64();
    String prefix = in.string();
    int length = in.int32();
    if (length < 0) {
      throw in.malformed("the content has the length " + length);
    }
    int start = in.skip(length);
    return new PgOutputMessage.LogicalMessage(
        transactional, lsn, prefix, Arrays.copyOfRange(in.bytes, start, start + length));
  }

  /** Big-endian reads from a message, with its type for errors. */
  private static final class Cursor {
    final byte[] bytes;
    final int start;
    final int end;
    final byte type;
    int at;

    Cursor(byte[] bytes, int at, int end, byte type) {
      this.bytes = bytes;
      this.start = at - 1;
      this.at = at;
      this.end = end;
      this.type = type;
    }

    private void need(int n) {
      if (end - at < n) {
        throw malformed(
            String.format(
                "it ends after %d bytes, %d bytes short of its next field",
                end - start, n - (end - at)));
      }
    }

    byte int8() {
      need(1);
      return bytes[at++];
    }

    int uint8() {
      return int8() & 0xff;
    }

    int uint16() {
      need(2);
      int value = (bytes[at] & 0xff) << 8 | (bytes[at + 1] & 0xff);
      at += 2;
      return value;
    }

    int int32() {
      need(4);
      int value =
          (bytes[at] & 0xff) << 24
              | (bytes[at + 1] & 0xff) << 16
              | (bytes[at + 2] & 0xff) << 8
              | (bytes[at + 3] & 0xff);
      at += 4;
      return value;
    }

    long uint32() {
      return int32() & 0xFFFF_FFFFL;
    }

    long int64() {
      long high = int32() & 0xFFFF_FFFFL;
      long low = int32() & 0xFFFF_FFFFL;
      return high << 32 | low;
    }

    /** A TimestampTz: microseconds since 2000-01-01 UTC. */
    Instant timestamp() {
      long micros = int64();
      return Instant.ofEpochSecond(
          POSTGRES_EPOCH_SECONDS + Math.floorDiv(micros, 1_000_000L),
          Math.floorMod(micros, 1_000_000L) * 1000);
    }

    /** A NUL-terminated string, in UTF-8. */
    String string() {
      for (int i = at; i < end; i++) {
        if (bytes[i] == 0) {
          String s = new String(bytes, at, i - at, StandardCharsets.UTF_8);
          at = i + 1;
          return s;
        }
      }
      throw malformed("a string has no terminating NUL");
    }

    /** Skips {@code n} bytes and returns where they start. */
    int skip(int n) {
      need(n);
      int from = at;
      at += n;
      return from;
    }

    void expect(char marker) {
      byte b = int8();
      if (b != marker) {
        throw malformed(String.format("expected '%c', found %s", marker, describe(b)));
      }
    }

    void requireEnd() {
      if (at != end) {
        throw malformed(String.format("%d bytes follow its end", end - at));
      }
    }

    IllegalStateException malformed(String why) {
      return new IllegalStateException(
          String.format("malformed pgoutput %s message: %s", name(), why));
    }

    private String name() {
      return switch (type) {
        case 'B' -> "Begin";
        case 'C' -> "Commit";
        case 'O' -> "Origin";
        case 'R' -> "Relation";
        case 'Y' -> "Type";
        case 'I' -> "Insert";
        case 'U' -> "Update";
        case 'D' -> "Delete";
        case 'T' -> "Truncate";
        case 'M' -> "Message";
        default -> describe(type);
      };
    }
  }
}
