package dev.mzflink.runtime.cdc;

/**
 * A replicated table changed its columns upstream. mzflink never applies such a change silently:
 * the job stops with this message (restarting cannot help).
 */
public final class SchemaChangeException extends RuntimeException {
  public SchemaChangeException(String message) {
    super(message);
  }
}
