package dev.mzflink.values;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mzflink.translate.FlinkPlan;
import dev.mzflink.translate.FlinkTypes;
import dev.mzflink.translate.PgValueKind;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.api.Test;

class PgRowDecoderTest {
  private static final PgRowDecoder DECODER =
      PgRowDecoder.of(
          "\"public\".\"t\"",
          List.of(
              PgRowDecoder.Column.of(
                  "id", new FlinkTypes.Carried("BIGINT", PgValueKind.INT8, Optional.empty())),
              PgRowDecoder.Column.of(
                  "amount",
                  new FlinkTypes.Carried("DECIMAL(10, 2)", PgValueKind.NUMERIC, Optional.empty())),
              PgRowDecoder.Column.of(
                  "note", new FlinkTypes.Carried("STRING", PgValueKind.TEXT, Optional.empty())),
              PgRowDecoder.Column.of(
                  "at",
                  new FlinkTypes.Carried(
                      "TIMESTAMP_LTZ(6)", PgValueKind.TIMESTAMPTZ, Optional.empty())),
              PgRowDecoder.Column.of(
                  "tags",
                  new FlinkTypes.Carried(
                      "STRING", PgValueKind.ARRAY, Optional.of(PgValueKind.TEXT)))));

  private static CopyTextReader row(String copyText) throws IOException {
    CopyTextReader reader = new CopyTextReader(new ByteArrayInputStream(copyText.getBytes(UTF_8)));
    assertThat(reader.next()).isTrue();
    return reader;
  }

  /** A row whose column {@code unchanged} is not carried, as a pgoutput 'u' value. */
  private static TextRow withUnchanged(TextRow row, int unchanged) {
    return new TextRow() {
      @Override
      public int columnCount() {
        return row.columnCount();
      }

      @Override
      public byte[] bytes() {
        return row.bytes();
      }

      @Override
      public int offset(int column) {
        return row.offset(column);
      }

      @Override
      public int length(int column) {
        return column == unchanged ? UNCHANGED : row.length(column);
      }
    };
  }

  @Test
  void eachColumnIsDecodedByItsKindIntoAnInsertRow() throws IOException {
    GenericRowData row =
        DECODER.decode(row("7\t12.50\ttab\\there\t2024-01-01 10:00:00+00\t{a,\"b c\"}\n"));
    assertThat(row.getRowKind()).isEqualTo(RowKind.INSERT);
    assertThat(row)
        .isEqualTo(
            GenericRowData.of(
                7L,
                DecimalData.fromBigDecimal(new BigDecimal("12.50"), 10, 2),
                StringData.fromString("tab\there"),
                TimestampData.fromEpochMillis(1_704_103_200_000L),
                StringData.fromString("{a,\"b c\"}")));
  }

  @Test
  void nullsAreNull() throws IOException {
    assertThat(DECODER.decode(row("\\N\t\\N\t\\N\t\\N\t\\N\n")))
        .isEqualTo(GenericRowData.of(null, null, null, null, null));
  }

  @Test
  void aValueTheRowDoesNotCarryNeedsThePreviousRow() throws IOException {
    TextRow row = withUnchanged(row("7\t1.00\t\\N\t\\N\t{}\n"), 2);
    assertThatThrownBy(() -> DECODER.decode(row))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "column \"note\" of \"public\".\"t\": the row does not carry the value (a TOASTed value"
                + " the update left unchanged)");
    GenericRowData previous =
        GenericRowData.of(7L, null, StringData.fromString("long text"), null, null);
    assertThat(DECODER.decode(row, previous))
        .isEqualTo(
            GenericRowData.of(
                7L,
                DecimalData.fromBigDecimal(new BigDecimal("1.00"), 10, 2),
                StringData.fromString("long text"),
                null,
                StringData.fromString("{}")));
  }

  @Test
  void aValueTheColumnCannotCarryNamesTheColumnAndTable() throws IOException {
    assertThatThrownBy(() -> DECODER.decode(row("7\tNaN\t\\N\t\\N\t\\N\n")))
        .isInstanceOf(FlinkValues.UnrepresentableValueException.class)
        .hasMessage(
            "column \"amount\" of \"public\".\"t\": the numeric value NaN cannot be carried as"
                + " DECIMAL(10, 2)");
  }

  @Test
  void malformedTextNamesTheColumnAndTable() throws IOException {
    assertThatThrownBy(() -> DECODER.decode(row("seven\t\\N\t\\N\t\\N\t\\N\n")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "column \"id\" of \"public\".\"t\": not an integer from -9223372036854775808 to"
                + " 9223372036854775807: seven");
  }

  @Test
  void aRowOfAnotherWidthIsRefused() throws IOException {
    assertThatThrownBy(() -> DECODER.decode(row("1\t2\n")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a row of 2 columns for \"public\".\"t\", which has 5");
  }

  @Test
  void aDecoderSurvivesSerialization() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(DECODER);
    }
    PgRowDecoder copy;
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      copy = (PgRowDecoder) in.readObject();
    }
    assertThat(copy.columns()).isEqualTo(DECODER.columns());
    String text = "7\t12.50\tx\t2024-01-01 10:00:00+00\t{}\n";
    assertThat(copy.decode(row(text))).isEqualTo(DECODER.decode(row(text)));
  }

  @Test
  void aPlanTableGivesItsColumnsKindsAndTypes() throws IOException {
    FlinkPlan.StreamTable table =
        new FlinkPlan.StreamTable(
            16384,
            "s",
            "t",
            new FlinkPlan.FlinkName(Optional.empty(), "s", "t"),
            List.of(
                new FlinkPlan.FlinkColumn("id", "INT", true),
                new FlinkPlan.FlinkColumn("d", "DATE", false)),
            List.of("id"),
            false,
            List.of(
                new FlinkTypes.Carried("INT", PgValueKind.INT4, Optional.empty()),
                new FlinkTypes.Carried("DATE", PgValueKind.DATE, Optional.empty())),
            List.of(23L, 1082L),
            List.of(-1, -1),
            Optional.empty(),
            false);
    PgRowDecoder decoder = PgRowDecoder.of(table);
    assertThat(decoder.rowType().asSummaryString()).isEqualTo("ROW<`id` INT NOT NULL, `d` DATE>");
    assertThat(decoder.decode(row("1\tinfinity\n")))
        .isEqualTo(GenericRowData.of(1, PgText.DATE_INFINITY));
  }
}
