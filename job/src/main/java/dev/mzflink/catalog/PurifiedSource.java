package dev.mzflink.catalog;

import static java.util.Objects.requireNonNull;

/**
 * What purification learned for one CREATE SOURCE statement: its connection parameters with
 * environment defaults applied, and the upstream snapshot read with them. Planning uses only this
 * data, never a server.
 */
public record PurifiedSource(ConnectionInfo connection, UpstreamSnapshot upstream) {
  public PurifiedSource {
    requireNonNull(connection, "connection is null");
    requireNonNull(upstream, "upstream is null");
  }
}
