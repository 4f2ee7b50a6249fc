package dev.mzflink;

import static java.util.Objects.requireNonNull;

/**
 * A value that must never be printed, logged or shown by Flink's REST API (a password): its {@code
 * toString} is {@link Redaction#PLACEHOLDER}, so records that hold one can be printed.
 *
 * @param value the secret itself; empty when there is none
 */
public record Secret(String value) {
  public Secret {
    requireNonNull(value, "value is null");
    // Also when a job's configuration is deserialized on a TaskManager: hidden there from then on.
    Redaction.register(value);
  }

  /** No secret. */
  public static final Secret NONE = new Secret("");

  public boolean isEmpty() {
    return value.isEmpty();
  }

  @Override
  public String toString() {
    return isEmpty() ? "" : Redaction.PLACEHOLDER;
  }
}
