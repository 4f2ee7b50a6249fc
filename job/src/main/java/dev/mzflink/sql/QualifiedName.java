package dev.mzflink.sql;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.stream.Collectors;

/** A possibly schema-qualified object name, one to three parts, as the user wrote it. */
public record QualifiedName(List<String> parts) {
  public QualifiedName {
    parts = List.copyOf(requireNonNull(parts, "parts is null"));
    if (parts.isEmpty() || parts.size() > 3) {
      throw new IllegalArgumentException("a name has one to three parts: " + parts);
    }
  }

  public static QualifiedName of(String... parts) {
    return new QualifiedName(List.of(parts));
  }

  /** The last part: the object's own name. */
  public String name() {
    return parts.get(parts.size() - 1);
  }

  /** The part before the name, if any. */
  public java.util.Optional<String> schema() {
    return parts.size() >= 2
        ? java.util.Optional.of(parts.get(parts.size() - 2))
        : java.util.Optional.empty();
  }

  /** As the Materialize dialect prints it: every part double-quoted. */
  public String quoted() {
    return parts.stream().map(Quote::pgIdentifier).collect(Collectors.joining("."));
  }

  @Override
  public String toString() {
    return quoted();
  }
}
