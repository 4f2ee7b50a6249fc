package dev.mzflink.translate;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * The upstream columns whose values mzflink converts itself, as the configuration of its Debezium
 * converter ({@code dev.mzflink.runtime.cdc.PgTextConverter}): that converter receives the value
 * before Debezium's own conversion loses anything, and hands over PostgreSQL's text of it.
 *
 * <p>The configuration is one string, so it fits a connector option: entries separated by {@code
 * ;}, fields by {@code ,}, names base64-encoded (any character may appear in a name).
 */
public final class ConvertedColumns {
  /** The Debezium property naming mzflink's converter, and its prefix. */
  public static final String CONVERTER_NAME = "mzflink";

  /** The converter's class, named here because translation must not depend on the runtime. */
  public static final String CONVERTER_CLASS = "dev.mzflink.runtime.cdc.PgTextConverter";

  private ConvertedColumns() {}

  /**
   * One converted column.
   *
   * @param schema upstream schema
   * @param table upstream table
   * @param column column name
   * @param kind how it is carried
   * @param element an array's element kind
   */
  public record Column(
      String schema, String table, String column, PgValueKind kind, Optional<PgValueKind> element) {
    public Column {
      requireNonNull(schema, "schema is null");
      requireNonNull(table, "table is null");
      requireNonNull(column, "column is null");
      requireNonNull(kind, "kind is null");
      requireNonNull(element, "element is null");
    }
  }

  /** The configuration string for {@code columns}. */
  public static String encode(List<Column> columns) {
    List<String> entries = new ArrayList<>();
    for (Column c : columns) {
      entries.add(
          String.join(
              ",",
              name(c.schema()),
              name(c.table()),
              name(c.column()),
              c.kind().name(),
              c.element().map(Enum::name).orElse("")));
    }
    return String.join(";", entries);
  }

  /** The columns of a configuration string made by {@link #encode}. */
  public static List<Column> decode(String text) {
    List<Column> columns = new ArrayList<>();
    if (text.isEmpty()) {
      return columns;
    }
    for (String entry : text.split(";", -1)) {
      String[] f = entry.split(",", -1);
      if (f.length != 5) {
        throw new IllegalArgumentException("malformed converted column entry: " + entry);
      }
      columns.add(
          new Column(
              unname(f[0]),
              unname(f[1]),
              unname(f[2]),
              PgValueKind.valueOf(f[3]),
              f[4].isEmpty() ? Optional.empty() : Optional.of(PgValueKind.valueOf(f[4]))));
    }
    return columns;
  }

  private static String name(String s) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String unname(String s) {
    return new String(Base64.getUrlDecoder().decode(s), StandardCharsets.UTF_8);
  }
}
