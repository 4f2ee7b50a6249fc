package dev.mzflink.doctor;

import static dev.mzflink.sql.Quote.pgIdentifier;
import static dev.mzflink.sql.Quote.pgLiteral;

import dev.mzflink.UserError;
import dev.mzflink.catalog.PgColumn;
import dev.mzflink.catalog.PgPublication;
import dev.mzflink.catalog.PgServerFacts;
import dev.mzflink.catalog.PgTable;
import dev.mzflink.translate.FlinkTypes;
import dev.mzflink.translate.SourceReading;
import dev.mzflink.translate.Translator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The prerequisite checks: a pure function of what was read from the upstream servers and what the
 * script will replicate, returning every problem at once, each naming the object and the SQL that
 * fixes it.
 */
public final class Doctor {
  private static final String RESTART = "then restart PostgreSQL (a reload is not enough)";

  private Doctor() {}

  /** Every problem of these sources, in a stable order (by source, then by kind of check). */
  public static List<Problem> check(List<SourceCheck> sources, SourceReading reading) {
    Set<Problem> problems = new LinkedHashSet<>();
    for (SourceCheck source : sources) {
      problems.addAll(server(source));
      problems.addAll(publication(source));
      problems.addAll(privileges(source));
      problems.addAll(types(source));
      problems.addAll(publishedParts(source, reading));
      problems.addAll(identities(source, reading));
      problems.addAll(lookAlikes(source, reading));
    }
    problems.addAll(capacity(sources));
    return List.copyOf(problems);
  }

  /** A source whose server could not be reached or read. */
  public static Problem unreachable(String source, String connection, UserError error) {
    String detail = error.detail().orElse(null);
    return new Problem(
        Problem.Severity.ERROR,
        "source " + source + " (" + connection + ")",
        error.primary(),
        java.util.Optional.ofNullable(detail),
        error.hint().map(List::of).orElse(List.of()));
  }

  /** The script itself failed to plan (after the upstream checks passed). */
  public static Problem scriptError(String rendered) {
    return Problem.error("the script", rendered, null);
  }

  private static List<Problem> server(SourceCheck s) {
    PgServerFacts f = s.facts();
    List<Problem> problems = new ArrayList<>();
    if (!f.walLevel().equals("logical")) {
      problems.add(
          Problem.error(
              s.subject(),
              String.format(
                  "wal_level is %s, but logical replication needs logical",
                  pgLiteral(f.walLevel())),
              "PostgreSQL writes the information logical decoding needs only with wal_level = logical.",
              "ALTER SYSTEM SET wal_level = logical;",
              RESTART));
    }
    if (!f.superuser() && !f.replication() && !f.rdsReplication()) {
      problems.add(
          Problem.error(
              s.subject(),
              String.format("role %s may not replicate", pgIdentifier(f.user())),
              "Logical replication needs a role with the REPLICATION attribute (or a superuser; on Amazon RDS a member of"
                  + " rds_replication).",
              String.format("ALTER ROLE %s WITH REPLICATION;", pgIdentifier(f.user())),
              String.format(
                  "(on Amazon RDS: GRANT rds_replication TO %s;)", pgIdentifier(f.user()))));
    }
    if (!f.connect()) {
      problems.add(
          Problem.error(
              s.subject(),
              String.format(
                  "role %s has no CONNECT privilege on database %s",
                  pgIdentifier(f.user()), pgIdentifier(f.database())),
              "New connections, the replication connection among them, would be refused.",
              String.format(
                  "GRANT CONNECT ON DATABASE %s TO %s;",
                  pgIdentifier(f.database()), pgIdentifier(f.user()))));
    }
    return problems;
  }

  private static List<Problem> publication(SourceCheck s) {
    PgServerFacts f = s.facts();
    String name = pgIdentifier(s.publication());
    List<Problem> problems = new ArrayList<>();
    if (f.publication().isEmpty()) {
      problems.add(
          Problem.error(
              s.subject(),
              String.format("publication %s does not exist", name),
              f.publications().isEmpty()
                  ? "The database has no publications."
                  : "Existing publications: "
                      + String.join(
                          ", ", f.publications().stream().map(p -> pgIdentifier(p)).toList())
                      + ".",
              String.format("CREATE PUBLICATION %s FOR ALL TABLES;", name),
              String.format(
                  "(or CREATE PUBLICATION %s FOR TABLE \"schema\".\"table\", ...;)", name)));
      return problems;
    }
    PgPublication p = f.publication().get();
    if (p.tables().isEmpty()) {
      problems.add(
          Problem.error(
              s.subject(),
              String.format("publication %s has no tables", name),
              "There is nothing to replicate.",
              String.format("ALTER PUBLICATION %s ADD TABLE \"schema\".\"table\";", name)));
    }
    List<String> missing = new ArrayList<>();
    if (!p.publishesInsert()) {
      missing.add("insert");
    }
    if (!p.publishesUpdate()) {
      missing.add("update");
    }
    if (!p.publishesDelete()) {
      missing.add("delete");
    }
    String fix =
        String.format(
            "ALTER PUBLICATION %s SET (publish = 'insert, update, delete, truncate');", name);
    if (!missing.isEmpty()) {
      problems.add(
          Problem.error(
              s.subject(),
              String.format("publication %s does not publish %s", name, String.join(", ", missing)),
              "Those changes would never reach the results, which would silently go stale.",
              fix));
    } else if (!p.publishesTruncate()) {
      problems.add(
          Problem.warning(
              s.subject(),
              String.format("publication %s does not publish truncate", name),
              "A TRUNCATE upstream would leave the truncated rows in the results.",
              fix));
    }
    return problems;
  }

  private static List<Problem> privileges(SourceCheck s) {
    PgServerFacts f = s.facts();
    List<Problem> problems = new ArrayList<>();
    String user = pgIdentifier(f.user());
    Set<String> schemas = new LinkedHashSet<>();
    List<String> unreadable = new ArrayList<>();
    for (PgTable t : s.tables()) {
      if (!f.schemaUsage().getOrDefault(t.schema(), true)) {
        schemas.add(t.schema());
      } else if (!f.tableSelect().getOrDefault(t.qualifiedName(), true)) {
        unreadable.add(t.qualifiedName());
      }
    }
    for (String schema : schemas) {
      problems.add(
          Problem.error(
              s.subject(),
              String.format(
                  "role %s has no USAGE privilege on schema %s", user, pgIdentifier(schema)),
              "The snapshot cannot read its tables.",
              String.format("GRANT USAGE ON SCHEMA %s TO %s;", pgIdentifier(schema), user),
              String.format(
                  "GRANT SELECT ON ALL TABLES IN SCHEMA %s TO %s;", pgIdentifier(schema), user)));
    }
    if (!unreadable.isEmpty()) {
      problems.add(
          Problem.error(
              s.subject(),
              unreadable.size() == 1
                  ? String.format("role %s may not read table %s", user, unreadable.get(0))
                  : String.format(
                      "role %s may not read %d tables: %s",
                      user, unreadable.size(), String.join(", ", unreadable)),
              "The snapshot reads every replicated table with SELECT.",
              unreadable.stream()
                  .map(t -> String.format("GRANT SELECT ON %s TO %s;", t, user))
                  .toArray(String[]::new)));
    }
    return problems;
  }

  /** Every column of the publication whose type mzflink cannot carry exactly, in one problem. */
  private static List<Problem> types(SourceCheck s) {
    if (s.facts().publication().isEmpty()) {
      return List.of();
    }
    List<String> columns = FlinkTypes.unsupportedColumns(s.facts().publication().get().tables());
    if (columns.isEmpty()) {
      return List.of();
    }
    Set<String> tables = new LinkedHashSet<>();
    for (PgTable t : s.facts().publication().get().tables()) {
      if (t.columns().stream().anyMatch(c -> FlinkTypes.carried(c.type()).isEmpty())) {
        tables.add(t.qualifiedName());
      }
    }
    List<String> fix = new ArrayList<>();
    for (String t : tables) {
      fix.add(
          String.format("ALTER PUBLICATION %s DROP TABLE %s;", pgIdentifier(s.publication()), t));
    }
    fix.add("(or change the column types upstream; the README lists the supported types)");
    return List.of(
        new Problem(
            Problem.Severity.ERROR,
            s.subject(),
            columns.size() == 1
                ? "a column has an unsupported type"
                : columns.size() + " columns have unsupported types",
            java.util.Optional.of(String.join("\n", columns)),
            fix));
  }

  private static List<Problem> identities(SourceCheck s, SourceReading reading) {
    List<Problem> problems = new ArrayList<>();
    boolean changes =
        s.facts().publication().map(p -> p.publishesUpdate() || p.publishesDelete()).orElse(true);
    for (PgTable t : s.tables()) {
      String fix = String.format("ALTER TABLE %s REPLICA IDENTITY FULL;", t.qualifiedName());
      boolean full = t.replicaIdentity() == PgTable.ReplicaIdentity.FULL;
      if (full) {
        continue;
      }
      if (!t.hasPrimaryKey()) {
        if (changes) {
          problems.add(
              Problem.warning(
                  s.subject(),
                  String.format(
                      "table %s has no primary key and REPLICA IDENTITY %s",
                      t.qualifiedName(), t.replicaIdentity().name()),
                  "Its UPDATEs and DELETEs do not carry the old row: PostgreSQL refuses them while the publication publishes"
                      + " them (or, with an index identity, mzflink cannot apply them). Fine for a table that only gets INSERTs.",
                  fix,
                  "(or add a primary key)"));
        }
        continue;
      }
      List<String> toastable =
          t.columns().stream()
              .filter(PgColumn::storageToastable)
              .map(c -> pgIdentifier(c.name()))
              .toList();
      if (!toastable.isEmpty() && changes) {
        problems.add(
            Problem.warning(
                s.subject(),
                String.format(
                    "table %s has TOASTable column%s %s and REPLICA IDENTITY %s",
                    t.qualifiedName(),
                    toastable.size() == 1 ? "" : "s",
                    String.join(", ", toastable),
                    t.replicaIdentity().name()),
                reading == SourceReading.PER_TABLE_SQL
                    ? "An UPDATE that leaves a large (TOASTed) value unchanged does not carry it: the per-table Flink SQL would"
                        + " write Debezium's placeholder __debezium_unavailable_value instead."
                    : "mzflink run keeps such values from its state, but an UPDATE that changes the primary key and leaves a"
                        + " TOASTed value unchanged stops the pipeline"
                        + (t.rowFilter().isPresent()
                            ? ", and so does one that brings a row into the publication's row filter (pgoutput sends it as"
                                + " an INSERT without the unchanged values)."
                            : "."),
                fix,
                String.format(
                    "(or keep values inline: ALTER TABLE %s ALTER COLUMN ... SET STORAGE PLAIN;)",
                    t.qualifiedName())));
      }
    }
    return problems;
  }

  /**
   * What the publication publishes of each replicated table, where it is not every row and column
   * of a plain table. {@code run} reads the same rows and columns in the snapshot as the stream
   * sends, and refuses only a column list without the primary key; the per-table Flink SQL (Flink
   * CDC's snapshot reads every row and column of the table itself) refuses row filters, column
   * lists and partitioned tables published through their root.
   */
  private static List<Problem> publishedParts(SourceCheck s, SourceReading reading) {
    List<Problem> problems = new ArrayList<>();
    String publication = s.publication();
    for (PgTable t : s.tables()) {
      if (!t.unpublishedKeyColumns().isEmpty()) {
        problems.add(
            Problem.error(
                s.subject(),
                Translator.unpublishedKeyMessage(publication, t),
                Translator.unpublishedKeyDetail(t),
                Translator.unpublishedKeyFix(publication, t)));
        continue;
      }
      if (t.partitioned()) {
        problems.add(
            Problem.warning(
                s.subject(),
                String.format(
                    "a TRUNCATE of a partition of table %s is not published", t.qualifiedName()),
                String.format(
                    "Publication %s publishes the partitioned table through its root"
                        + " (publish_via_partition_root): PostgreSQL publishes a TRUNCATE of the table"
                        + " itself, but not one of a single partition, whose rows would stay in the"
                        + " results; ATTACH and DETACH PARTITION change the table's rows without"
                        + " publishing them either.",
                    pgIdentifier(publication)),
                "Empty a partition with DELETE, or TRUNCATE the whole table; after ATTACH or DETACH"
                    + " PARTITION start the pipeline again from scratch.",
                String.format(
                    "(or publish the partitions as tables of their own: ALTER PUBLICATION %s SET"
                        + " (publish_via_partition_root = false);)",
                    pgIdentifier(publication))));
      }
      if (reading != SourceReading.PER_TABLE_SQL) {
        continue;
      }
      if (Translator.perTableUnreadable(t).isEmpty()) {
        continue;
      }
      problems.add(
          Problem.error(
              s.subject(),
              Translator.perTableUnreadableMessage(publication, t),
              Translator.PER_TABLE_UNREADABLE_DETAIL,
              Translator.PER_TABLE_UNREADABLE_FIX,
              t.partitioned()
                  ? String.format(
                      "(or publish the partitions as tables of their own: ALTER PUBLICATION %s SET"
                          + " (publish_via_partition_root = false);)",
                      pgIdentifier(publication))
                  : String.format(
                      "(or publish the whole table: ALTER PUBLICATION %s DROP TABLE %s; ALTER PUBLICATION %s ADD"
                          + " TABLE %s;)",
                      pgIdentifier(publication),
                      t.qualifiedName(),
                      pgIdentifier(publication),
                      t.qualifiedName())));
    }
    return problems;
  }

  /**
   * Published tables whose schema and name, as LIKE patterns, match other tables: the per-table
   * Flink SQL's decoder (Debezium 1.9) mixes their columns in (FLINK-38965). mzflink's own source
   * matches names exactly.
   */
  private static List<Problem> lookAlikes(SourceCheck s, SourceReading reading) {
    if (reading != SourceReading.PER_TABLE_SQL || s.facts().publication().isEmpty()) {
      return List.of();
    }
    List<Problem> problems = new ArrayList<>();
    for (PgTable t : s.facts().publication().get().tables()) {
      List<String> lookAlikes = s.facts().lookAlikes().getOrDefault(t.qualifiedName(), List.of());
      if (lookAlikes.isEmpty()) {
        continue;
      }
      String names = String.join(", ", lookAlikes);
      problems.add(
          Problem.warning(
              s.subject(),
              lookAlikes.size() == 1
                  ? String.format("table %s has a look-alike: %s", t.qualifiedName(), names)
                  : String.format(
                      "table %s has %d look-alikes: %s",
                      t.qualifiedName(), lookAlikes.size(), names),
              String.format(
                  "The per-table Flink SQL's decoder (Debezium 1.9 in Flink CDC) reads a table's columns with its schema and"
                      + " name as LIKE patterns, in which _ and %% are wildcards: the columns of %s mix in with the table's"
                      + " own, and a column name in both makes the stream fail at the first change of the table with"
                      + " IllegalStateException: Duplicate key (FLINK-38965).",
                  names),
              "Run the script with mzflink run without --per-table-slots: its source matches names exactly.",
              "(or rename one of the tables, or its schema, so that the published names match no other table as LIKE"
                  + " patterns)"));
    }
    return problems;
  }

  /** Free replication slots and WAL senders, per server, against what all its sources need. */
  private static List<Problem> capacity(List<SourceCheck> sources) {
    Map<String, List<SourceCheck>> byServer = new LinkedHashMap<>();
    for (SourceCheck s : sources) {
      byServer.computeIfAbsent(s.server(), k -> new ArrayList<>()).add(s);
    }
    List<Problem> problems = new ArrayList<>();
    for (Map.Entry<String, List<SourceCheck>> e : byServer.entrySet()) {
      PgServerFacts f = e.getValue().get(0).facts();
      String subject = "server " + e.getKey();
      Set<String> needed = new LinkedHashSet<>();
      int senders = 0;
      for (SourceCheck s : e.getValue()) {
        needed.addAll(s.slots());
        senders += s.walSenders();
      }
      needed.removeAll(f.replicationSlots());
      int freeSlots = f.maxReplicationSlots() - f.replicationSlots().size();
      if (needed.size() > freeSlots) {
        String used =
            f.replicationSlots().isEmpty() ? "none" : String.join(", ", f.replicationSlots());
        problems.add(
            Problem.error(
                subject,
                String.format(
                    "not enough free replication slots: the script needs %d, %d of max_replication_slots = %d %s free",
                    needed.size(),
                    Math.max(freeSlots, 0),
                    f.maxReplicationSlots(),
                    freeSlots == 1 ? "is" : "are"),
                "Slots in use: " + used + ". The script opens: " + String.join(", ", needed) + ".",
                String.format(
                    "ALTER SYSTEM SET max_replication_slots = %d;",
                    f.replicationSlots().size() + needed.size()),
                RESTART,
                "(or drop slots nobody uses: SELECT pg_drop_replication_slot('name');)"));
      }
      int freeSenders = f.maxWalSenders() - f.walSenders();
      if (senders > freeSenders) {
        problems.add(
            Problem.error(
                subject,
                String.format(
                    "not enough free WAL senders: the script needs %d, %d of max_wal_senders = %d %s free",
                    senders,
                    Math.max(freeSenders, 0),
                    f.maxWalSenders(),
                    freeSenders == 1 ? "is" : "are"),
                "Each replication connection takes a WAL sender; "
                    + f.walSenders()
                    + " are running.",
                String.format("ALTER SYSTEM SET max_wal_senders = %d;", f.walSenders() + senders),
                RESTART));
      }
    }
    return problems;
  }
}
