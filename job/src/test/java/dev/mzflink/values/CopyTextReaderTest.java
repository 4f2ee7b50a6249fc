package dev.mzflink.values;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CopyTextReaderTest {
  /** Every row of {@code reader} as lists of strings, null for NULL. */
  private static List<List<String>> rows(CopyTextReader reader) throws IOException {
    List<List<String>> rows = new ArrayList<>();
    while (reader.next()) {
      rows.add(row(reader));
    }
    return rows;
  }

  private static List<String> row(TextRow row) {
    List<String> values = new ArrayList<>();
    for (int c = 0; c < row.columnCount(); c++) {
      int length = row.length(c);
      values.add(
          length == TextRow.NULL ? null : new String(row.bytes(), row.offset(c), length, UTF_8));
    }
    return values;
  }

  private static List<List<String>> rows(String copyText) throws IOException {
    return rows(new CopyTextReader(new ByteArrayInputStream(copyText.getBytes(UTF_8))));
  }

  private static List<String> values(String... values) {
    return Arrays.asList(values);
  }

  @Test
  void columnsAreSeparatedByTabsAndRowsEndWithNewlines() throws IOException {
    assertThat(rows("1\tone\tuno\n2\ttwo\tdos\n"))
        .containsExactly(values("1", "one", "uno"), values("2", "two", "dos"));
  }

  @Test
  void noDataIsNoRows() throws IOException {
    CopyTextReader reader = new CopyTextReader(new ByteArrayInputStream(new byte[0]));
    assertThat(reader.next()).isFalse();
    assertThat(reader.next()).isFalse();
    assertThat(reader.columnCount()).isZero();
  }

  @Test
  void backslashCapitalNIsNullOnlyAsAWholeValue() throws IOException {
    assertThat(rows("\\N\ta\\Nb\t\\\\N\t\\N\n\\N\n"))
        .containsExactly(values(null, "aNb", "\\N", null), values((String) null));
  }

  @Test
  void anEmptyStringIsNotNull() throws IOException {
    assertThat(rows("\t\n\n\\N\t\n")).containsExactly(values("", ""), values(""), values(null, ""));
  }

  @Test
  void namedEscapesStandForControlCharactersAndBackslash() throws IOException {
    assertThat(rows("\\b\\f\\n\\r\\t\\v\\\\\n")).containsExactly(values("\b\f\n\r\t\u000b\\"));
  }

  @Test
  void embeddedTabsAndNewlinesStayInTheirValue() throws IOException {
    assertThat(rows("a\\tb\tline 1\\nline 2\\r\\n\t\\t\n"))
        .containsExactly(values("a\tb", "line 1\nline 2\r\n", "\t"));
  }

  @Test
  void octalEscapesTakeOneToThreeDigits() throws IOException {
    assertThat(rows("\\0\t\\12\t\\101\t\\1012\t\\08\n"))
        .containsExactly(values("\0", "\n", "A", "A2", "\0" + "8"));
  }

  @Test
  void octalEscapesAboveAByteKeepItsLowBits() throws IOException {
    CopyTextReader reader =
        new CopyTextReader(new ByteArrayInputStream("\\777\\377\n".getBytes(UTF_8)));
    assertThat(reader.next()).isTrue();
    assertThat(Arrays.copyOfRange(reader.bytes(), reader.offset(0), reader.offset(0) + 2))
        .containsExactly(0xff, 0xff);
  }

  @Test
  void octalEscapesMakeBytesNotCharacters() throws IOException {
    // é is C3 A9 in UTF-8.
    assertThat(rows("\\303\\251\t\\xc3\\xA9\n")).containsExactly(values("é", "é"));
  }

  @Test
  void hexEscapesTakeOneOrTwoDigitsAndAloneXIsX() throws IOException {
    assertThat(rows("\\x41\t\\x4\t\\x4g\t\\xg\t\\x\t\\x414\n"))
        .containsExactly(values("A", "\u0004", "\u0004g", "xg", "x", "A4"));
  }

  @Test
  void anyOtherEscapedCharacterIsItself() throws IOException {
    assertThat(rows("\\q\\.\\N\\ \\é\\😀\n")).containsExactly(values("q.N é😀"));
  }

  @Test
  void aLineHoldingOnlyBackslashDotEndsTheData() throws IOException {
    CopyTextReader reader =
        new CopyTextReader(new ByteArrayInputStream("a\n\\.\nb\n".getBytes(UTF_8)));
    assertThat(rows(reader)).containsExactly(values("a"));
    assertThat(reader.next()).isFalse();
  }

  @Test
  void aRowWithoutItsNewlineAtTheEndIsAnError() throws IOException {
    CopyTextReader reader =
        new CopyTextReader(new ByteArrayInputStream("a\tb\nc\td".getBytes(UTF_8)));
    assertThat(reader.next()).isTrue();
    assertThatThrownBy(reader::next)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("COPY data ends inside row 2, without a newline");
  }

  @Test
  void aLoneBackslashAtTheEndOfARowIsAnError() {
    assertThatThrownBy(() -> rows("ok\n\\N\tab\\\n"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("row 2 of the COPY data ends with a lone backslash");
  }

  @Test
  void rowNumbersCountFromOne() throws IOException {
    CopyTextReader reader = new CopyTextReader(new ByteArrayInputStream("a\nb\n".getBytes(UTF_8)));
    assertThat(reader.rowNumber()).isZero();
    reader.next();
    assertThat(reader.rowNumber()).isEqualTo(1);
    reader.next();
    assertThat(reader.rowNumber()).isEqualTo(2);
  }

  @Test
  void rowsLongerThanTheBufferGrowIt() throws IOException {
    String big = "x".repeat(1_000_000) + "😀";
    String text = "1\t" + big + "\n2\t\\\\" + big + "\n";
    CopyTextReader reader = new CopyTextReader(new ByteArrayInputStream(text.getBytes(UTF_8)), 3);
    assertThat(rows(reader)).containsExactly(values("1", big), values("2", "\\" + big));
  }

  @Test
  void manyColumnsGrowTheColumnArrays() throws IOException {
    List<String> values = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      values.add(i % 3 == 0 ? null : "v" + i);
    }
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < values.size(); i++) {
      text.append(i > 0 ? "\t" : "").append(values.get(i) == null ? "\\N" : values.get(i));
    }
    assertThat(rows(text + "\n" + text + "\n")).containsExactly(values, values);
  }

  @Test
  void multiByteCharactersSplitAcrossChunksComeTogether() throws IOException {
    String text = "𝄞\té😀\\t😀\tend\n€\n";
    byte[] bytes = text.getBytes(UTF_8);
    for (int split = 0; split <= bytes.length; split++) {
      byte[] first = Arrays.copyOfRange(bytes, 0, split);
      byte[] second = Arrays.copyOfRange(bytes, split, bytes.length);
      List<byte[]> chunks = new ArrayList<>(List.of(first, second));
      CopyTextReader reader =
          CopyTextReader.ofChunks(() -> chunks.isEmpty() ? null : chunks.remove(0));
      assertThat(rows(reader))
          .as("split at byte %d", split)
          .containsExactly(values("𝄞", "é😀\t😀", "end"), values("€"));
    }
  }

  @Test
  void aStreamThatGivesOneByteAtATimeReadsTheSameRows() throws IOException {
    String text = "𝄞\t\\N\ta\\\\b\\x41\\101\n\n";
    InputStream oneByte =
        new ByteArrayInputStream(text.getBytes(UTF_8)) {
          @Override
          public synchronized int read(byte[] b, int off, int len) {
            return super.read(b, off, Math.min(len, 1));
          }
        };
    assertThat(rows(new CopyTextReader(oneByte, 1)))
        .containsExactly(values("𝄞", null, "a\\bAA"), values(""));
  }

  @Test
  void randomValuesSurviveEveryWayOfEscapingAndChunking() throws IOException {
    Random random = new Random(42);
    int[] alphabet = "ab\t\n\r\\\u000b\b\f N.x0é😀𝄞".codePoints().toArray();
    List<List<String>> expected = new ArrayList<>();
    StringBuilder text = new StringBuilder();
    for (int r = 0; r < 500; r++) {
      int columns = 1 + random.nextInt(6);
      List<String> row = new ArrayList<>();
      for (int c = 0; c < columns; c++) {
        String value = null;
        if (random.nextInt(5) != 0) {
          StringBuilder v = new StringBuilder();
          int length = random.nextInt(8);
          for (int i = 0; i < length; i++) {
            v.appendCodePoint(alphabet[random.nextInt(alphabet.length)]);
          }
          value = v.toString();
        }
        row.add(value);
        text.append(c > 0 ? "\t" : "");
        appendEscaped(text, value, random);
      }
      text.append('\n');
      expected.add(row);
    }
    byte[] bytes = text.toString().getBytes(UTF_8);
    List<byte[]> chunks = new ArrayList<>();
    for (int at = 0; at < bytes.length; ) {
      int n = Math.min(bytes.length - at, 1 + random.nextInt(40));
      chunks.add(Arrays.copyOfRange(bytes, at, at + n));
      at += n;
    }
    CopyTextReader reader =
        CopyTextReader.ofChunks(() -> chunks.isEmpty() ? null : chunks.remove(0));
    assertThat(rows(reader)).isEqualTo(expected);
  }

  /** Escapes {@code value} as COPY TO does, sometimes with octal or hex escapes instead. */
  private static void appendEscaped(StringBuilder out, String value, Random random) {
    if (value == null) {
      out.append("\\N");
      return;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      String named =
          switch (c) {
            case '\b' -> "\\b";
            case '\f' -> "\\f";
            case '\n' -> "\\n";
            case '\r' -> "\\r";
            case '\t' -> "\\t";
            case '\u000b' -> "\\v";
            case '\\' -> "\\\\";
            default -> null;
          };
      boolean followedByDigit =
          i + 1 < value.length() && Character.isLetterOrDigit(value.charAt(i + 1));
      if (c < 0x80 && !followedByDigit && random.nextInt(4) == 0) {
        out.append(
            random.nextBoolean()
                ? String.format("\\%o", (int) c)
                : String.format("\\x%x", (int) c));
      } else if (named != null) {
        out.append(named);
      } else {
        out.append(c);
      }
    }
  }
}
