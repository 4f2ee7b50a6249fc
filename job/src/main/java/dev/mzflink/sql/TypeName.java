package dev.mzflink.sql;

import static java.util.Objects.requireNonNull;

import dev.mzflink.SourcePosition;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A type as written in a cast or a typed literal, with PostgreSQL's spellings folded to its
 * internal names: {@code integer} and {@code int} are {@code int4}, {@code character varying} is
 * {@code varchar}, {@code timestamp with time zone} is {@code timestamptz}. Names PostgreSQL does
 * not have stay as written, for the analyzer to refuse.
 *
 * @param name the internal name ({@code int4}, {@code numeric}, {@code varchar}, ...)
 * @param modifiers the type modifiers as written: {@code numeric(10, 2)} has 10 and 2
 * @param position where the type name starts
 */
public record TypeName(String name, List<Integer> modifiers, SourcePosition position) {
  public TypeName {
    requireNonNull(name, "name is null");
    modifiers = List.copyOf(requireNonNull(modifiers, "modifiers is null"));
    requireNonNull(position, "position is null");
  }

  /** Single-word spellings and their internal names. */
  static final Map<String, String> ALIASES =
      Map.ofEntries(
          Map.entry("int", "int4"),
          Map.entry("integer", "int4"),
          Map.entry("int4", "int4"),
          Map.entry("smallint", "int2"),
          Map.entry("int2", "int2"),
          Map.entry("bigint", "int8"),
          Map.entry("int8", "int8"),
          Map.entry("real", "float4"),
          Map.entry("float4", "float4"),
          Map.entry("float8", "float8"),
          Map.entry("numeric", "numeric"),
          Map.entry("decimal", "numeric"),
          Map.entry("dec", "numeric"),
          Map.entry("boolean", "bool"),
          Map.entry("bool", "bool"),
          Map.entry("text", "text"),
          Map.entry("varchar", "varchar"),
          Map.entry("char", "bpchar"),
          Map.entry("character", "bpchar"),
          Map.entry("bpchar", "bpchar"),
          Map.entry("date", "date"),
          Map.entry("timestamp", "timestamp"),
          Map.entry("timestamptz", "timestamptz"),
          Map.entry("time", "time"),
          Map.entry("timetz", "timetz"),
          Map.entry("interval", "interval"),
          Map.entry("bytea", "bytea"),
          Map.entry("uuid", "uuid"),
          Map.entry("json", "json"),
          Map.entry("jsonb", "jsonb"));

  /**
   * Whether {@code word} (an unquoted identifier) starts a type name that may precede a literal.
   */
  static boolean startsTypedLiteral(String word) {
    return ALIASES.containsKey(word) || word.equals("double") || word.equals("float");
  }

  /** The type as PostgreSQL's {@code format_type} spells it, for printing SQL back. */
  public String sql() {
    String mods =
        modifiers.isEmpty()
            ? ""
            : modifiers.stream().map(String::valueOf).collect(Collectors.joining(",", "(", ")"));
    return switch (name) {
      case "int2" -> "smallint";
      case "int4" -> "integer";
      case "int8" -> "bigint";
      case "float4" -> "real";
      case "float8" -> "double precision";
      case "bool" -> "boolean";
      case "varchar" -> "character varying" + mods;
      case "bpchar" -> "character" + mods;
      case "timestamp" -> "timestamp" + mods + " without time zone";
      case "timestamptz" -> "timestamp" + mods + " with time zone";
      case "time" -> "time" + mods + " without time zone";
      case "timetz" -> "time" + mods + " with time zone";
      default -> (ALIASES.containsKey(name) ? name : Quote.pgIdentifier(name)) + mods;
    };
  }

  @Override
  public String toString() {
    return name.toLowerCase(Locale.ROOT) + modifiers;
  }
}
