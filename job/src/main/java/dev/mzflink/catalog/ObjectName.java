package dev.mzflink.catalog;

import static java.util.Objects.requireNonNull;

import dev.mzflink.sql.Quote;
import java.util.Comparator;

/** The name of a source or view in mzflink's catalog: a schema and a name. */
public record ObjectName(String schema, String name) implements Comparable<ObjectName> {
  private static final Comparator<ObjectName> ORDER =
      Comparator.comparing(ObjectName::schema).thenComparing(ObjectName::name);

  public ObjectName {
    requireNonNull(schema, "schema is null");
    requireNonNull(name, "name is null");
  }

  /** {@code "schema"."name"}. */
  public String quoted() {
    return Quote.pgQualified(schema, name);
  }

  @Override
  public int compareTo(ObjectName other) {
    return ORDER.compare(this, other);
  }

  @Override
  public String toString() {
    return quoted();
  }
}
