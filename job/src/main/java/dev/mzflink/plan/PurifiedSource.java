package dev.mzflink.plan;

import static java.util.Objects.requireNonNull;

import dev.mzflink.catalog.ConnectionInfo;
import dev.mzflink.catalog.UpstreamSnapshot;

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
