package dev.mzflink.source.pgoutput;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mzflink.catalog.PgTable;
import dev.mzflink.source.pgoutput.PgOutputMessage.Begin;
import dev.mzflink.source.pgoutput.PgOutputMessage.Commit;
import dev.mzflink.source.pgoutput.PgOutputMessage.Delete;
import dev.mzflink.source.pgoutput.PgOutputMessage.Insert;
import dev.mzflink.source.pgoutput.PgOutputMessage.LogicalMessage;
import dev.mzflink.source.pgoutput.PgOutputMessage.OldTuple;
import dev.mzflink.source.pgoutput.PgOutputMessage.Origin;
import dev.mzflink.source.pgoutput.PgOutputMessage.Relation;
import dev.mzflink.source.pgoutput.PgOutputMessage.Truncate;
import dev.mzflink.source.pgoutput.PgOutputMessage.Type;
import dev.mzflink.source.pgoutput.PgOutputMessage.Update;
import dev.mzflink.values.TextRow;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class PgOutputDecoderTest {
  /** 2024-01-01T10:00:00.000001Z in microseconds since 2000-01-01. */
  private static final long COMMIT_MICROS = 757_418_400_000_001L;

  private static final Instant COMMIT_TIME = Instant.parse("2024-01-01T10:00:00.000001Z");

  /** A message written field by field, big-endian, as PostgreSQL sends it. */
  private static final class Message {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Message(char type) {
      out.write(type);
    }

    Message int8(int v) {
      out.write(v);
      return this;
    }

    Message int16(int v) {
      return int8(v >>> 8).int8(v);
    }

    Message int32(long v) {
      return int16((int) (v >>> 16) & 0xffff).int16((int) v & 0xffff);
    }

    Message int64(long v) {
      return int32(v >>> 32).int32(v);
    }

    Message string(String s) {
      out.writeBytes(s.getBytes(UTF_8));
      return int8(0);
    }

    Message text(String value) {
      byte[] bytes = value.getBytes(UTF_8);
      int8('t').int32(bytes.length);
      out.writeBytes(bytes);
      return this;
    }

    Message binary(byte... value) {
      int8('b').int32(value.length);
      out.writeBytes(value);
      return this;
    }

    byte[] bytes() {
      return out.toByteArray();
    }

    /**
     * The message as pgjdbc hands it over: a slice of a larger array, after the XLogData header.
     */
    ByteBuffer payload() {
      byte[] message = bytes();
      byte[] withHeader = new byte[25 + message.length];
      System.arraycopy(message, 0, withHeader, 25, message.length);
      ByteBuffer buffer = ByteBuffer.wrap(withHeader);
      buffer.position(25);
      return buffer.slice();
    }

    PgOutputMessage decode() {
      return PgOutputDecoder.decode(payload());
    }
  }

  @Test
  void beginCarriesTheFinalLsnTheCommitTimeAndTheTransactionId() {
    PgOutputMessage m =
        new Message('B').int64(0x1_6B37_4D48L).int64(COMMIT_MICROS).int32(0xFFFF_FFF0L).decode();
    assertThat(m).isEqualTo(new Begin(0x1_6B37_4D48L, COMMIT_TIME, 0xFFFF_FFF0L));
  }

  @Test
  void commitCarriesItsFlagsLsnsAndTime() {
    PgOutputMessage m = new Message('C').int8(0).int64(100).int64(-2).int64(COMMIT_MICROS).decode();
    assertThat(m).isEqualTo(new Commit(0, 100, -2, COMMIT_TIME));
  }

  @Test
  void commitTimesBeforeTheYear2000AreNegative() {
    PgOutputMessage m = new Message('C').int8(0).int64(1).int64(2).int64(-1).decode();
    assertThat(((Commit) m).commitTime()).isEqualTo(Instant.parse("1999-12-31T23:59:59.999999Z"));
  }

  @Test
  void originNamesTheOriginAndItsCommitLsn() {
    assertThat(new Message('O').int64(77).string("upstream ü").decode())
        .isEqualTo(new Origin(77, "upstream ü"));
  }

  @Test
  void relationDescribesTheTableAndItsColumns() {
    PgOutputMessage m =
        new Message('R')
            .int32(16385)
            .string("public")
            .string("orders")
            .int8('d')
            .int16(3)
            .int8(1)
            .string("id")
            .int32(23)
            .int32(-1)
            .int8(0)
            .string("amount")
            .int32(1700)
            .int32((12 << 16 | 2) + 4)
            .int8(0)
            .string("mood")
            .int32(4_000_000_000L)
            .int32(-1)
            .decode();
    assertThat(m)
        .isEqualTo(
            new Relation(
                16385,
                "public",
                "orders",
                PgTable.ReplicaIdentity.DEFAULT,
                List.of(
                    new Relation.Column(1, "id", 23, -1),
                    new Relation.Column(0, "amount", 1700, 786438),
                    new Relation.Column(0, "mood", 4_000_000_000L, -1))));
    assertThat(((Relation) m).columns())
        .extracting(Relation.Column::key)
        .containsExactly(true, false, false);
  }

  @Test
  void relationReadsEveryReplicaIdentity() {
    for (char identity : new char[] {'d', 'f', 'i', 'n'}) {
      Relation r =
          (Relation)
              new Message('R').int32(1).string("").string("t").int8(identity).int16(0).decode();
      assertThat(r.replicaIdentity())
          .isEqualTo(PgTable.ReplicaIdentity.fromCode(Character.toString(identity)));
      assertThat(r.namespace()).isEmpty();
    }
    assertThatThrownBy(
            () -> new Message('R').int32(1).string("s").string("t").int8('x').int16(0).decode())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "malformed pgoutput Relation message: unknown replica identity 'x' (0x78) of t");
  }

  @Test
  void typeNamesATypeThatIsNotBuiltIn() {
    assertThat(new Message('Y').int32(16390).string("public").string("mood").decode())
        .isEqualTo(new Type(16390, "public", "mood"));
  }

  @Test
  void insertValuesAreNullUnchangedTextOrBinary() {
    Insert insert =
        (Insert)
            new Message('I')
                .int32(16385)
                .int8('N')
                .int16(5)
                .text("42")
                .int8('n')
                .int8('u')
                .text("é😀\t")
                .binary((byte) 0, (byte) 0xff)
                .decode();
    assertThat(insert.relationOid()).isEqualTo(16385);
    TupleData tuple = insert.newTuple();
    assertThat(tuple.columnCount()).isEqualTo(5);
    assertThat(List.of(tuple.kind(0), tuple.kind(1), tuple.kind(2), tuple.kind(3), tuple.kind(4)))
        .containsExactly(
            TupleData.Kind.TEXT,
            TupleData.Kind.NULL,
            TupleData.Kind.UNCHANGED_TOAST,
            TupleData.Kind.TEXT,
            TupleData.Kind.BINARY);
    assertThat(tuple.text(0)).isEqualTo("42");
    assertThat(tuple.text(1)).isNull();
    assertThat(tuple.value(2)).isNull();
    assertThat(tuple.text(3)).isEqualTo("é😀\t");
    assertThat(tuple.value(4)).containsExactly(0, 0xff);
    assertThat(tuple.hasUnchangedToast()).isTrue();
    assertThat(tuple).hasToString("('42', NULL, UNCHANGED, 'é😀\t', b'\\x00ff')");
  }

  @Test
  void asTextATupleGivesByteRangesOfThePayloadWithoutCopies() {
    ByteBuffer payload =
        new Message('I').int32(1).int8('N').int16(3).text("abc").int8('n').int8('u').payload();
    TupleData tuple = ((Insert) PgOutputDecoder.decode(payload)).newTuple();
    assertThat(payload.position()).isZero();
    assertThat(tuple.bytes()).isSameAs(payload.array());
    assertThat(new String(tuple.bytes(), tuple.offset(0), tuple.length(0), UTF_8)).isEqualTo("abc");
    assertThat(tuple.length(1)).isEqualTo(TextRow.NULL);
    assertThat(tuple.length(2)).isEqualTo(TextRow.UNCHANGED);
  }

  @Test
  void aBinaryValueIsNotText() {
    TupleData tuple =
        ((Insert) new Message('I').int32(1).int8('N').int16(1).binary((byte) 1).decode())
            .newTuple();
    assertThatThrownBy(() -> tuple.length(0))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("column 0 holds a binary value, not text: the stream asked for binary values");
  }

  @Test
  void readOnlyBuffersAreCopiedOnce() {
    ByteBuffer payload =
        new Message('I').int32(1).int8('N').int16(1).text("x").payload().asReadOnlyBuffer();
    Insert insert = (Insert) PgOutputDecoder.decode(payload);
    assertThat(insert.newTuple().text(0)).isEqualTo("x");
    assertThat(payload.position()).isZero();
  }

  @Test
  void anUpdateWithoutOldTupleHasOnlyTheNewRow() {
    Update update =
        (Update) new Message('U').int32(7).int8('N').int16(2).text("1").text("b").decode();
    assertThat(update.relationOid()).isEqualTo(7);
    assertThat(update.oldTuple()).isEmpty();
    assertThat(update.newTuple()).hasToString("('1', 'b')");
  }

  @Test
  void anUpdateOfTheKeyCarriesTheOldKey() {
    Update update =
        (Update)
            new Message('U')
                .int32(7)
                .int8('K')
                .int16(2)
                .text("1")
                .int8('n')
                .int8('N')
                .int16(2)
                .text("10")
                .text("b")
                .decode();
    assertThat(update.oldTuple().orElseThrow().kind()).isEqualTo(OldTuple.Kind.KEY);
    assertThat(update.oldTuple().orElseThrow().tuple()).hasToString("('1', NULL)");
    assertThat(update.newTuple()).hasToString("('10', 'b')");
  }

  @Test
  void anUpdateWithReplicaIdentityFullCarriesTheOldRow() {
    Update update =
        (Update)
            new Message('U')
                .int32(7)
                .int8('O')
                .int16(2)
                .text("1")
                .text("a")
                .int8('N')
                .int16(2)
                .text("1")
                .int8('u')
                .decode();
    assertThat(update.oldTuple().orElseThrow().kind()).isEqualTo(OldTuple.Kind.FULL);
    assertThat(update.oldTuple().orElseThrow().tuple()).hasToString("('1', 'a')");
    assertThat(update.newTuple()).hasToString("('1', UNCHANGED)");
  }

  @Test
  void anUpdateWithAnotherMarkerIsMalformed() {
    assertThatThrownBy(() -> new Message('U').int32(7).int8('X').decode())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "malformed pgoutput Update message: expected 'K', 'O' or 'N', found 'X' (0x58)");
  }

  @Test
  void deletesCarryTheOldKeyOrTheOldRow() {
    Delete byKey =
        (Delete) new Message('D').int32(9).int8('K').int16(2).text("5").int8('n').decode();
    assertThat(byKey.relationOid()).isEqualTo(9);
    assertThat(byKey.oldTuple().kind()).isEqualTo(OldTuple.Kind.KEY);
    assertThat(byKey.oldTuple().tuple()).hasToString("('5', NULL)");
    Delete full =
        (Delete) new Message('D').int32(9).int8('O').int16(2).text("5").text("x").decode();
    assertThat(full.oldTuple().kind()).isEqualTo(OldTuple.Kind.FULL);
    assertThat(full.oldTuple().tuple()).hasToString("('5', 'x')");
    assertThatThrownBy(() -> new Message('D').int32(9).int8('N').int16(0).decode())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("malformed pgoutput Delete message: expected 'K' or 'O', found 'N' (0x4e)");
  }

  @Test
  void truncateListsEveryTableOfTheStatementAndItsOptions() {
    Truncate t =
        (Truncate) new Message('T').int32(2).int8(3).int32(16385).int32(4_000_000_000L).decode();
    assertThat(t.relationOids()).containsExactly(16385L, 4_000_000_000L);
    assertThat(t.cascade()).isTrue();
    assertThat(t.restartIdentity()).isTrue();
    Truncate plain = (Truncate) new Message('T').int32(1).int8(0).int32(1).decode();
    assertThat(plain.cascade()).isFalse();
    assertThat(plain.restartIdentity()).isFalse();
    Truncate restart = (Truncate) new Message('T').int32(1).int8(2).int32(1).decode();
    assertThat(restart.cascade()).isFalse();
    assertThat(restart.restartIdentity()).isTrue();
  }

  @Test
  void logicalMessagesCarryPrefixAndContent() {
    LogicalMessage m =
        (LogicalMessage)
            new Message('M')
                .int8(1)
                .int64(123)
                .string("mz")
                .int32(5)
                .int8('h')
                .int8('e')
                .int8('l')
                .int8('l')
                .int8('o')
                .decode();
    assertThat(m).isEqualTo(new LogicalMessage(true, 123, "mz", "hello".getBytes(UTF_8)));
    assertThat(m.text()).isEqualTo("hello");
    LogicalMessage empty =
        (LogicalMessage) new Message('M').int8(0).int64(1).string("p").int32(0).decode();
    assertThat(empty.transactional()).isFalse();
    assertThat(empty.content()).isEmpty();
  }

  @Test
  void everyMessageKindIsVisited() {
    PgOutputMessage.Visitor<String> names =
        new PgOutputMessage.Visitor<>() {
          @Override
          public String visitBegin(Begin message) {
            return "begin";
          }

          @Override
          public String visitCommit(Commit message) {
            return "commit";
          }

          @Override
          public String visitOrigin(Origin message) {
            return "origin";
          }

          @Override
          public String visitRelation(Relation message) {
            return "relation";
          }

          @Override
          public String visitType(Type message) {
            return "type";
          }

          @Override
          public String visitInsert(Insert message) {
            return "insert";
          }

          @Override
          public String visitUpdate(Update message) {
            return "update";
          }

          @Override
          public String visitDelete(Delete message) {
            return "delete";
          }

          @Override
          public String visitTruncate(Truncate message) {
            return "truncate";
          }

          @Override
          public String visitLogicalMessage(LogicalMessage message) {
            return "message";
          }
        };
    assertThat(new Message('T').int32(0).int8(0).decode().accept(names)).isEqualTo("truncate");
    assertThat(new Message('Y').int32(1).string("s").string("t").decode().accept(names))
        .isEqualTo("type");
  }

  @Test
  void anUnknownMessageTypeIsAClearError() {
    assertThatThrownBy(() -> new Message('Z').decode())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("unknown pgoutput message type 'Z' (0x5a): mzflink reads protocol version 1");
    assertThatThrownBy(() -> new Message('S').int32(1).int8(1).decode())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "unknown pgoutput message type 'S' (0x53), a message of streamed transactions"
                + " (protocol version 2): mzflink reads protocol version 1");
    assertThatThrownBy(() -> new Message('P').decode())
        .hasMessage(
            "unknown pgoutput message type 'P' (0x50), a two-phase commit message (protocol"
                + " version 3): mzflink reads protocol version 1");
    assertThatThrownBy(() -> PgOutputDecoder.decode(ByteBuffer.wrap(new byte[] {1})))
        .hasMessage("unknown pgoutput message type 0x01: mzflink reads protocol version 1");
    assertThatThrownBy(() -> PgOutputDecoder.decode(ByteBuffer.wrap(new byte[0])))
        .hasMessage("an empty pgoutput message");
  }

  @Test
  void aTruncatedMessageIsAClearError() {
    assertThatThrownBy(
            () ->
                new Message('I').int32(1).int8('N').int16(1).int8('t').int32(10).int8('x').decode())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "malformed pgoutput Insert message: it ends after 14 bytes, 9 bytes short of its next"
                + " field");
    assertThatThrownBy(() -> new Message('B').int64(1).decode())
        .hasMessage(
            "malformed pgoutput Begin message: it ends after 9 bytes, 4 bytes short of its next"
                + " field");
    assertThatThrownBy(() -> new Message('O').int64(1).int8('a').decode())
        .hasMessage("malformed pgoutput Origin message: a string has no terminating NUL");
  }

  @Test
  void bytesAfterTheEndOfAMessageAreAClearError() {
    assertThatThrownBy(() -> new Message('T').int32(0).int8(0).int8(0).decode())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("malformed pgoutput Truncate message: 1 bytes follow its end");
  }

  @Test
  void anUnknownValueKindIsAClearError() {
    assertThatThrownBy(
            () -> new Message('I').int32(1).int8('N').int16(2).int8('n').int8('q').decode())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "malformed pgoutput Insert message: unknown kind 'q' (0x71) of the value of column 1");
    assertThatThrownBy(() -> new Message('I').int32(1).int8('X').decode())
        .hasMessage("malformed pgoutput Insert message: expected 'N', found 'X' (0x58)");
  }
}
