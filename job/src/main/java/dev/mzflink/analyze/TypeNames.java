package dev.mzflink.analyze;

import dev.mzflink.UserError;
import dev.mzflink.catalog.SqlType;
import dev.mzflink.catalog.SqlType.Base;
import dev.mzflink.catalog.SqlType.Exactness;
import dev.mzflink.sql.Quote;
import dev.mzflink.sql.TypeName;
import java.util.List;

/**
 * Resolves the type names of casts and typed literals, with PostgreSQL's rules for their modifiers
 * (lengths, precisions and scales), to the types views compute with.
 */
final class TypeNames {
  private TypeNames() {}

  /** The type {@code t} names, or the error PostgreSQL (or mzflink) gives for it. */
  static SqlType resolve(TypeName t) {
    List<Integer> m = t.modifiers();
    switch (t.name()) {
      case "int2",
          "int4",
          "int8",
          "float4",
          "float8",
          "bool",
          "text",
          "date",
          "bytea",
          "uuid",
          "json",
          "jsonb" -> {
        if (!m.isEmpty()) {
          throw UserError.at(
              t.position(),
              String.format(
                  "type modifier is not allowed for type %s", Quote.pgIdentifier(t.name())));
        }
        return switch (t.name()) {
          case "int2" -> SqlType.INT2;
          case "int4" -> SqlType.INT4;
          case "int8" -> SqlType.INT8;
          case "float4" -> SqlType.FLOAT4;
          case "float8" -> SqlType.FLOAT8;
          case "bool" -> SqlType.BOOL;
          case "text" -> SqlType.TEXT;
          case "date" -> SqlType.DATE;
          case "bytea" -> new SqlType(Base.BYTEA, -1, 0, 0, Exactness.EXACT);
          case "uuid" -> new SqlType(Base.UUID, -1, -1, 0, Exactness.EXACT);
          case "json" -> new SqlType(Base.JSON, -1, -1, 0, Exactness.EXACT);
          default -> new SqlType(Base.JSONB, -1, -1, 0, Exactness.EXACT);
        };
      }
      case "numeric" -> {
        if (m.isEmpty()) {
          // Unconstrained: the shape follows the operand (see cast).
          return SqlType.numeric(0, 0, Exactness.EXACT);
        }
        int p = m.get(0);
        int s = m.size() > 1 ? m.get(1) : 0;
        if (m.size() > 2 || p < 1 || p > 1000) {
          throw UserError.at(
              t.position(), String.format("NUMERIC precision %d must be between 1 and 1000", p));
        }
        if (s < 0 || s > p) {
          throw UserError.at(
                  t.position(),
                  String.format("NUMERIC scale %d must be between 0 and precision %d", s, p))
              .withDetail("mzflink does not support negative scales.");
        }
        if (p > SqlType.MAX_DECIMAL_PRECISION) {
          throw UserError.at(
              t.position(),
              String.format(
                  "numeric(%d,%d) is not supported: Flink's DECIMAL holds at most 38 digits",
                  p, s));
        }
        return SqlType.declaredNumeric(p, s);
      }
      case "varchar", "bpchar" -> {
        Base base = t.name().equals("varchar") ? Base.VARCHAR : Base.BPCHAR;
        if (m.size() > 1) {
          throw UserError.at(t.position(), "invalid type modifier");
        }
        if (m.isEmpty()) {
          // char without a length is char(1); varchar without one is unbounded.
          return base == Base.BPCHAR
              ? new SqlType(Base.BPCHAR, 5, 1, 0, Exactness.EXACT)
              : new SqlType(Base.VARCHAR, -1, -1, 0, Exactness.EXACT);
        }
        int n = m.get(0);
        if (n < 1) {
          throw UserError.at(
              t.position(),
              String.format(
                  "length for type %s must be at least 1",
                  base == Base.VARCHAR ? "varchar" : "char"));
        }
        return new SqlType(base, n + 4, n, 0, Exactness.EXACT);
      }
      case "timestamp", "timestamptz" -> {
        if (m.size() > 1) {
          throw UserError.at(t.position(), "invalid type modifier");
        }
        int p = m.isEmpty() ? -1 : m.get(0);
        if (p > 6) {
          throw UserError.at(
                  t.position(),
                  String.format("TIMESTAMP(%d) precision reduced to maximum allowed, 6", p))
              .withHint("Use a precision of at most 6.");
        }
        return SqlType.timestamp(t.name().equals("timestamptz"), p, p < 0 ? 6 : p);
      }
      case "time", "timetz", "interval" ->
          throw UserError.at(
              t.position(), String.format("type %s is not supported in views", t.sql()));
      default ->
          throw UserError.at(
                  t.position(),
                  String.format("type %s is not supported in views", Quote.pgIdentifier(t.name())))
              .withDetail(
                  "Views compute with boolean, smallint, integer, bigint, numeric, real, double precision, text, "
                      + "character varying, character, date, timestamp and timestamp with time zone.");
    }
  }
}
