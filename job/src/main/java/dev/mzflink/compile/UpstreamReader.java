package dev.mzflink.compile;

import dev.mzflink.catalog.ConnectionInfo;
import dev.mzflink.catalog.PgServerFacts;

/**
 * Reads what mzflink needs to know about one source's upstream server, publication included, in one
 * go: the only way compilation reaches the outside world ({@code PgIntrospector::serverFacts} in
 * production, a fake in tests). A failure to connect is a {@link dev.mzflink.UserError}.
 */
@FunctionalInterface
public interface UpstreamReader {
  PgServerFacts read(ConnectionInfo connection, String publication);
}
