package dev.mzflink.doctor;

import static java.util.Objects.requireNonNull;

import dev.mzflink.catalog.PgServerFacts;
import dev.mzflink.catalog.PgTable;
import java.util.List;

/**
 * One source of a script, as the doctor checks it.
 *
 * @param source the source's name, quoted
 * @param server {@code host:port}, to add up what sources on one server need
 * @param connection the connection string with the password hidden
 * @param publication the publication's name
 * @param facts what was read from the server
 * @param tables the upstream tables the script replicates (all of the publication's when the script
 *     could not be planned)
 * @param slots the replication slots the pipeline opens for this source
 * @param walSenders the WAL senders the pipeline keeps busy for this source
 */
public record SourceCheck(
    String source,
    String server,
    String connection,
    String publication,
    PgServerFacts facts,
    List<PgTable> tables,
    List<String> slots,
    int walSenders) {
  public SourceCheck {
    requireNonNull(source, "source is null");
    requireNonNull(server, "server is null");
    requireNonNull(connection, "connection is null");
    requireNonNull(publication, "publication is null");
    requireNonNull(facts, "facts is null");
    tables = List.copyOf(requireNonNull(tables, "tables is null"));
    slots = List.copyOf(requireNonNull(slots, "slots is null"));
  }

  String subject() {
    return "source " + source + " (" + connection + ")";
  }
}
