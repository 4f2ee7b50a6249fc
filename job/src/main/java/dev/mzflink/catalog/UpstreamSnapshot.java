package dev.mzflink.catalog;

import static java.util.Objects.requireNonNull;

/**
 * Everything planning needs to know about one source's upstream server, read once at CREATE
 * SOURCE: the server, its settings relevant to replication, and the publication.
 *
 * @param serverVersionNumber {@code server_version_num}, e.g. 170006
 * @param database the database connected to
 * @param publication the publication and its tables
 */
public record UpstreamSnapshot(int serverVersionNumber, String database, PgPublication publication) {
  public UpstreamSnapshot {
    requireNonNull(database, "database is null");
    requireNonNull(publication, "publication is null");
  }
}
