package dev.mzflink.catalog;

import static java.util.Objects.requireNonNull;

import dev.mzflink.UserError;
import dev.mzflink.pg.PgIntrospector;
import dev.mzflink.sql.Quote;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What the prerequisite checks need to know about one source's upstream server, read in one go
 * ({@link PgIntrospector#serverFacts}): settings, the connecting role's rights, the publication
 * (empty when it does not exist) and the replication slots and WAL senders in use. A value: the
 * checks are a pure function of it.
 *
 * @param serverVersionNumber {@code server_version_num}
 * @param database the database connected to
 * @param user the role connected as
 * @param walLevel {@code wal_level}
 * @param superuser whether the role is a superuser
 * @param replication whether the role has the REPLICATION attribute
 * @param rdsReplication whether the role is a member of {@code rds_replication} (Amazon RDS)
 * @param connect whether the role has CONNECT on the database
 * @param publication the publication, empty when it does not exist
 * @param publications the names of all publications of the database
 * @param schemaUsage for each schema of the publication's tables, whether the role has USAGE on it
 * @param tableSelect for each table of the publication ({@code "schema"."name"}), whether the role
 *     may SELECT from it
 * @param lookAlikes for each table of the publication ({@code "schema"."name"}) that has any, the
 *     other tables, views and foreign tables ({@code "schema"."name"}, sorted) whose schema and
 *     name match its schema and name as LIKE patterns, as JDBC's {@code
 *     DatabaseMetaData.getColumns} matches them: the per-table Flink SQL's decoder reads their
 *     columns as the table's
 * @param maxReplicationSlots {@code max_replication_slots}
 * @param replicationSlots the names of the server's replication slots
 * @param maxWalSenders {@code max_wal_senders}
 * @param walSenders the WAL sender processes running
 * @param encrypted whether the connection that read the facts negotiated SSL
 */
public record PgServerFacts(
    int serverVersionNumber,
    String database,
    String user,
    String walLevel,
    boolean superuser,
    boolean replication,
    boolean rdsReplication,
    boolean connect,
    Optional<PgPublication> publication,
    List<String> publications,
    Map<String, Boolean> schemaUsage,
    Map<String, Boolean> tableSelect,
    Map<String, List<String>> lookAlikes,
    int maxReplicationSlots,
    List<String> replicationSlots,
    int maxWalSenders,
    int walSenders,
    boolean encrypted) {
  public PgServerFacts {
    requireNonNull(database, "database is null");
    requireNonNull(user, "user is null");
    requireNonNull(walLevel, "walLevel is null");
    requireNonNull(publication, "publication is null");
    publications = List.copyOf(requireNonNull(publications, "publications is null"));
    schemaUsage = Map.copyOf(requireNonNull(schemaUsage, "schemaUsage is null"));
    tableSelect = Map.copyOf(requireNonNull(tableSelect, "tableSelect is null"));
    lookAlikes =
        requireNonNull(lookAlikes, "lookAlikes is null").entrySet().stream()
            .collect(
                Collectors.toUnmodifiableMap(Map.Entry::getKey, e -> List.copyOf(e.getValue())));
    replicationSlots = List.copyOf(requireNonNull(replicationSlots, "replicationSlots is null"));
  }

  /** The snapshot planning uses, when the publication exists. */
  public Optional<UpstreamSnapshot> upstream() {
    return publication.map(p -> new UpstreamSnapshot(serverVersionNumber, database, p, encrypted));
  }

  /**
   * The snapshot planning uses; an error when the server is too old for pgoutput or the publication
   * {@code name} does not exist (listing those that do).
   */
  public UpstreamSnapshot requireUpstream(String name) {
    if (serverVersionNumber < 100000) {
      throw UserError.of("PostgreSQL " + serverVersionNumber / 10000 + " is not supported")
          .withDetail("Logical replication with pgoutput needs PostgreSQL 10 or later.");
    }
    return upstream()
        .orElseThrow(
            () ->
                UserError.of(
                        String.format("publication %s does not exist", Quote.pgIdentifier(name)))
                    .withDetail(
                        publications.isEmpty()
                            ? "The database has no publications."
                            : "Existing publications: "
                                + String.join(
                                    ", ", publications.stream().map(Quote::pgIdentifier).toList())
                                + ".")
                    .withHint(
                        String.format(
                            "Create it upstream: CREATE PUBLICATION %s FOR ALL TABLES; (or FOR TABLE"
                                + " t1, t2).",
                            Quote.pgIdentifier(name))));
  }
}
