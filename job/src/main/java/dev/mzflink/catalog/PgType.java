package dev.mzflink.catalog;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Optional;

/**
 * An upstream column type as PostgreSQL describes it.
 *
 * @param schema the type's schema ({@code pg_catalog} for built-in types)
 * @param name the type's own name ({@code typname}: {@code int4}, {@code numeric}, {@code _text})
 * @param formatted the type as {@code format_type(atttypid, atttypmod)} prints it ({@code
 *     numeric(10,2)}, {@code timestamp with time zone}); the results database uses it verbatim
 * @param typmod the type modifier, -1 when none
 * @param kind base, enum, domain, array, composite or other
 * @param element an array's element type, a domain's base type
 * @param enumLabels an enum's labels in their sort order; empty for other kinds
 */
public record PgType(
    String schema,
    String name,
    String formatted,
    int typmod,
    Kind kind,
    Optional<PgType> element,
    List<String> enumLabels) {
  public enum Kind {
    BASE,
    ENUM,
    DOMAIN,
    ARRAY,
    COMPOSITE,
    RANGE,
    OTHER
  }

  public PgType {
    requireNonNull(schema, "schema is null");
    requireNonNull(name, "name is null");
    requireNonNull(formatted, "formatted is null");
    requireNonNull(kind, "kind is null");
    requireNonNull(element, "element is null");
    enumLabels = List.copyOf(requireNonNull(enumLabels, "enumLabels is null"));
  }

  /** A type that is not an enum. */
  public PgType(
      String schema,
      String name,
      String formatted,
      int typmod,
      Kind kind,
      Optional<PgType> element) {
    this(schema, name, formatted, typmod, kind, element, List.of());
  }

  /** A built-in base type. */
  public static PgType builtin(String name, String formatted, int typmod) {
    return new PgType("pg_catalog", name, formatted, typmod, Kind.BASE, Optional.empty());
  }

  public boolean isBuiltin() {
    return schema.equals("pg_catalog");
  }

  /** numeric's declared precision, if the typmod gives one. */
  public Optional<Integer> numericPrecision() {
    return typmod >= 4 ? Optional.of(((typmod - 4) >> 16) & 0xffff) : Optional.empty();
  }

  /** numeric's declared scale, if the typmod gives one (may be negative since PostgreSQL 15). */
  public Optional<Integer> numericScale() {
    if (typmod < 4) {
      return Optional.empty();
    }
    int raw = (typmod - 4) & 0x7ff;
    // The scale is an 11-bit signed field since PostgreSQL 15.
    return Optional.of((raw ^ 1024) - 1024);
  }

  /** The fractional-second precision of time and timestamp types (6 when not declared). */
  public int secondsPrecision() {
    return typmod >= 0 ? typmod : 6;
  }

  /** The declared length of char(n) and varchar(n), if any. */
  public Optional<Integer> characterLength() {
    return typmod >= 4 ? Optional.of(typmod - 4) : Optional.empty();
  }

  /**
   * The type as a user reads it: {@code schema.name} for user types, the formatted name otherwise.
   */
  public String describe() {
    return formatted;
  }
}
