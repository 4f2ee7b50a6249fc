package dev.mzflink.translate;

import static java.util.Objects.requireNonNull;

import dev.mzflink.catalog.PgColumn;
import dev.mzflink.catalog.PgTable;
import dev.mzflink.catalog.PgType;
import dev.mzflink.sql.Quote;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Maps upstream PostgreSQL types to the Flink SQL types that carry every value exactly, and says
 * how each value travels ({@link PgValueKind}). A type that cannot be carried exactly maps to
 * nothing, and CREATE VIEWS refuses it with {@link #refusal}.
 */
public final class FlinkTypes {
  /** Flink's largest DECIMAL precision. */
  public static final int MAX_DECIMAL_PRECISION = 38;

  private static final String NOT_SUPPORTED = "not supported";

  private FlinkTypes() {}

  /**
   * How a column of some type is carried.
   *
   * @param flinkType the Flink SQL type
   * @param kind how its values are converted
   * @param element an array's element kind; empty for other kinds
   */
  public record Carried(String flinkType, PgValueKind kind, Optional<PgValueKind> element) {
    public Carried {
      requireNonNull(flinkType, "flinkType is null");
      requireNonNull(kind, "kind is null");
      requireNonNull(element, "element is null");
      if (element.isPresent() != (kind == PgValueKind.ARRAY)) {
        throw new IllegalArgumentException("only arrays have an element kind");
      }
    }

    static Carried of(String flinkType, PgValueKind kind) {
      return new Carried(flinkType, kind, Optional.empty());
    }
  }

  /** The Flink SQL type for {@code type}, or empty when mzflink cannot carry it exactly. */
  public static Optional<String> flinkType(PgType type) {
    return carried(type).map(Carried::flinkType);
  }

  /** How values of {@code type} are carried, or empty when mzflink cannot carry them exactly. */
  public static Optional<Carried> carried(PgType type) {
    PgType base = withoutDomains(type);
    if (base.kind() == PgType.Kind.ARRAY) {
      return base.element()
          .map(FlinkTypes::withoutDomains)
          .flatMap(FlinkTypes::elementKind)
          .map(element -> new Carried("STRING", PgValueKind.ARRAY, Optional.of(element)));
    }
    if (base.kind() == PgType.Kind.ENUM) {
      return Optional.of(Carried.of("STRING", PgValueKind.TEXT));
    }
    if (base.kind() != PgType.Kind.BASE || !base.isBuiltin()) {
      return Optional.empty();
    }
    return switch (base.name()) {
      case "bool" -> Optional.of(Carried.of("BOOLEAN", PgValueKind.BOOLEAN));
      case "int2" -> Optional.of(Carried.of("SMALLINT", PgValueKind.INT2));
      case "int4" -> Optional.of(Carried.of("INT", PgValueKind.INT4));
      case "int8" -> Optional.of(Carried.of("BIGINT", PgValueKind.INT8));
      case "oid" -> Optional.of(Carried.of("BIGINT", PgValueKind.OID));
      case "float4" -> Optional.of(Carried.of("FLOAT", PgValueKind.FLOAT4));
      case "float8" -> Optional.of(Carried.of("DOUBLE", PgValueKind.FLOAT8));
      case "numeric" -> Optional.of(numeric(base));
      case "text",
          "varchar",
          "bpchar",
          "name",
          "uuid",
          "json",
          "jsonb",
          "inet",
          "cidr",
          "macaddr" ->
          Optional.of(Carried.of("STRING", PgValueKind.TEXT));
      case "bytea" -> Optional.of(Carried.of("BYTES", PgValueKind.BYTEA));
      case "date" -> Optional.of(Carried.of("DATE", PgValueKind.DATE));
      case "time" -> Optional.of(Carried.of("STRING", PgValueKind.TIME));
      case "timetz" -> Optional.of(Carried.of("STRING", PgValueKind.TIMETZ));
      case "timestamp" ->
          Optional.of(
              Carried.of("TIMESTAMP(" + base.secondsPrecision() + ")", PgValueKind.TIMESTAMP));
      case "timestamptz" ->
          Optional.of(
              Carried.of(
                  "TIMESTAMP_LTZ(" + base.secondsPrecision() + ")", PgValueKind.TIMESTAMPTZ));
      case "interval" -> Optional.of(Carried.of("STRING", PgValueKind.INTERVAL));
      default -> Optional.empty();
    };
  }

  /** A domain's base type (through domains over domains); other types unchanged. */
  public static PgType withoutDomains(PgType type) {
    PgType t = type;
    while (t.kind() == PgType.Kind.DOMAIN && t.element().isPresent()) {
      t = t.element().get();
    }
    return t;
  }

  /** The kind of an array element: every scalar kind; numeric elements keep their own text. */
  private static Optional<PgValueKind> elementKind(PgType element) {
    if (element.kind() == PgType.Kind.ARRAY) {
      return Optional.empty();
    }
    return carried(element)
        .map(Carried::kind)
        .map(k -> k == PgValueKind.NUMERIC ? PgValueKind.NUMERIC_TEXT : k);
  }

  /**
   * numeric(p, s) within Flink's DECIMAL is a DECIMAL(p, s); every other numeric (no declared
   * precision, more than 38 digits, a negative scale or a scale above the precision) is carried as
   * its text, so no value is rounded or turned into NULL.
   */
  private static Carried numeric(PgType type) {
    Optional<Integer> precision = type.numericPrecision();
    Optional<Integer> scale = type.numericScale();
    if (precision.isPresent() && scale.isPresent()) {
      int p = precision.get();
      int s = scale.get();
      if (p >= 1 && p <= MAX_DECIMAL_PRECISION && s >= 0 && s <= p) {
        return Carried.of("DECIMAL(" + p + ", " + s + ")", PgValueKind.NUMERIC);
      }
    }
    return Carried.of("STRING", PgValueKind.NUMERIC_TEXT);
  }

  /**
   * {@code "schema"."table"."column": type (why)} for each column of {@code tables} whose type
   * cannot be carried, in table and column order.
   */
  public static List<String> unsupportedColumns(List<PgTable> tables) {
    List<String> columns = new ArrayList<>();
    for (PgTable t : tables) {
      for (PgColumn c : t.columns()) {
        if (carried(c.type()).isEmpty()) {
          columns.add(
              String.format(
                  "%s.%s: %s (%s)",
                  t.qualifiedName(),
                  Quote.pgIdentifier(c.name()),
                  c.type().describe(),
                  refusal(c.type())));
        }
      }
    }
    return columns;
  }

  /** Why {@code type} is refused, for the error message. */
  public static String refusal(PgType type) {
    PgType base = withoutDomains(type);
    if (base.kind() == PgType.Kind.ARRAY) {
      PgType element = base.element().map(FlinkTypes::withoutDomains).orElse(base);
      if (element.kind() == PgType.Kind.ARRAY) {
        return "arrays of arrays are not supported";
      }
      String why = refusal(element);
      return why.equals(NOT_SUPPORTED)
          ? "arrays of " + element.describe() + " are not supported"
          : "arrays of " + element.describe() + ": " + why;
    }
    return switch (base.kind()) {
      case COMPOSITE -> "composite types are not supported";
      case RANGE -> "range types are not supported";
      default -> NOT_SUPPORTED;
    };
  }
}
