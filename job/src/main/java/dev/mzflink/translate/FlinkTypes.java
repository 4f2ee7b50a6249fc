package dev.mzflink.translate;

import dev.mzflink.catalog.PgType;
import java.util.Optional;

/**
 * Maps upstream PostgreSQL types to the Flink SQL types that carry every value exactly. A type
 * that cannot be carried exactly maps to nothing, and CREATE VIEWS refuses it.
 */
public final class FlinkTypes {
  /** Flink's largest DECIMAL precision. */
  public static final int MAX_DECIMAL_PRECISION = 38;

  private FlinkTypes() {}

  /** The Flink SQL type for {@code type}, or empty when mzflink cannot carry it exactly. */
  public static Optional<String> flinkType(PgType type) {
    if (type.kind() == PgType.Kind.DOMAIN || type.kind() == PgType.Kind.ARRAY || !type.isBuiltin()) {
      return Optional.empty();
    }
    return switch (type.name()) {
      case "bool" -> Optional.of("BOOLEAN");
      case "int2" -> Optional.of("SMALLINT");
      case "int4" -> Optional.of("INT");
      case "int8" -> Optional.of("BIGINT");
      case "float4" -> Optional.of("FLOAT");
      case "float8" -> Optional.of("DOUBLE");
      case "numeric" -> numeric(type);
      case "text", "varchar", "bpchar", "name", "uuid", "json", "jsonb" -> Optional.of("STRING");
      case "bytea" -> Optional.of("BYTES");
      case "date" -> Optional.of("DATE");
      case "timestamp" -> Optional.of("TIMESTAMP(" + type.secondsPrecision() + ")");
      case "timestamptz" -> Optional.of("TIMESTAMP_LTZ(" + type.secondsPrecision() + ")");
      default -> Optional.empty();
    };
  }

  private static Optional<String> numeric(PgType type) {
    Optional<Integer> precision = type.numericPrecision();
    Optional<Integer> scale = type.numericScale();
    if (precision.isEmpty() || scale.isEmpty()) {
      return Optional.empty();
    }
    int p = precision.get();
    int s = scale.get();
    if (p < 1 || p > MAX_DECIMAL_PRECISION || s < 0 || s > p) {
      return Optional.empty();
    }
    return Optional.of("DECIMAL(" + p + ", " + s + ")");
  }

  /** Why {@code type} is refused, for the error message. */
  public static String refusal(PgType type) {
    if (type.isBuiltin() && type.name().equals("numeric")) {
      return type.numericPrecision().isEmpty()
          ? "numeric without a declared precision can exceed Flink's DECIMAL(38)"
          : "numeric beyond Flink's DECIMAL(38) or with a negative scale";
    }
    return "not supported";
  }
}
