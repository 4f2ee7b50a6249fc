package dev.mzflink.catalog;

import static java.util.Objects.requireNonNull;

/**
 * Everything planning needs to know about one source's upstream server, read once at CREATE SOURCE:
 * the server, its settings relevant to replication, and the publication.
 *
 * @param serverVersionNumber {@code server_version_num}, e.g. 170006
 * @param database the database connected to
 * @param publication the publication and its tables
 * @param encrypted whether the connection that read it negotiated SSL, which decides what {@code
 *     sslmode=prefer} (libpq's default) or {@code allow} means for the replication connections
 */
public record UpstreamSnapshot(
    int serverVersionNumber, String database, PgPublication publication, boolean encrypted) {
  public UpstreamSnapshot {
    requireNonNull(database, "database is null");
    requireNonNull(publication, "publication is null");
  }

  /** A snapshot read over a connection without SSL. */
  public UpstreamSnapshot(int serverVersionNumber, String database, PgPublication publication) {
    this(serverVersionNumber, database, publication, false);
  }
}
