package dev.mzflink.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mzflink.catalog.PgColumn;
import dev.mzflink.catalog.PgPublication;
import dev.mzflink.catalog.PgServerFacts;
import dev.mzflink.catalog.PgTable;
import dev.mzflink.catalog.PgTable.ReplicaIdentity;
import dev.mzflink.testing.FakeUpstream;
import dev.mzflink.translate.SourceReading;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The doctor's checks as a pure function of facts read upstream. */
class DoctorTest {
  private static PgServerFacts facts(
      PgPublication publication, int maxSlots, List<String> slots, int maxSenders, int senders) {
    return facts(publication, Map.of(), maxSlots, slots, maxSenders, senders);
  }

  private static PgServerFacts facts(
      PgPublication publication,
      Map<String, List<String>> lookAlikes,
      int maxSlots,
      List<String> slots,
      int maxSenders,
      int senders) {
    return new PgServerFacts(
        170006,
        "app",
        "repl",
        "logical",
        false,
        true,
        false,
        true,
        Optional.of(publication),
        List.of(publication.name()),
        Map.of("public", true),
        Map.of(),
        lookAlikes,
        maxSlots,
        slots,
        maxSenders,
        senders,
        false);
  }

  private static PgPublication publication(PgTable... tables) {
    return new PgPublication("p", false, true, true, true, true, List.of(tables));
  }

  private static SourceCheck source(String name, PgServerFacts facts, List<String> slots) {
    return new SourceCheck(
        "\"" + name + "\"",
        "db:5432",
        "host=db",
        "p",
        facts,
        facts.publication().get().tables(),
        slots,
        slots.size());
  }

  private static PgTable keyedWithText(ReplicaIdentity identity) {
    return new PgTable(
        1,
        "public",
        "docs",
        List.of(
            new PgColumn("id", 1, FakeUpstream.type("int4", "integer"), true, false),
            new PgColumn("body", 2, FakeUpstream.type("text", "text"), false, true)),
        List.of("id"),
        identity,
        10);
  }

  @Test
  void aGoodServerHasNoProblems() {
    PgServerFacts f = facts(publication(FakeUpstream.orders()), 10, List.of(), 10, 0);
    assertThat(
            Doctor.check(
                List.of(source("s", f, List.of("materialize_s"))),
                SourceReading.ONE_SLOT_PER_SOURCE))
        .isEmpty();
  }

  @Test
  void slotsOfAllSourcesOnOneServerAddUpAndExistingOnesAreReused() {
    PgServerFacts f =
        facts(publication(FakeUpstream.orders()), 3, List.of("materialize_a", "other"), 10, 0);
    List<Problem> problems =
        Doctor.check(
            List.of(
                source("a", f, List.of("materialize_a")),
                source("b", f, List.of("materialize_b")),
                source("c", f, List.of("materialize_c"))),
            SourceReading.ONE_SLOT_PER_SOURCE);
    assertThat(problems).hasSize(1);
    assertThat(problems.get(0).primary())
        .isEqualTo(
            "not enough free replication slots: the script needs 2, 1 of max_replication_slots = 3 is free");
    assertThat(problems.get(0).fix()).startsWith("ALTER SYSTEM SET max_replication_slots = 4;");
  }

  @Test
  void walSendersInUseCountAgainstTheLimit() {
    PgServerFacts f = facts(publication(FakeUpstream.orders()), 10, List.of(), 2, 2);
    List<Problem> problems =
        Doctor.check(
            List.of(source("s", f, List.of("materialize_s"))), SourceReading.ONE_SLOT_PER_SOURCE);
    assertThat(problems)
        .extracting(Problem::primary)
        .containsExactly(
            "not enough free WAL senders: the script needs 1, 0 of max_wal_senders = 2 are free");
  }

  @Test
  void toastableColumnsWithoutFullIdentityAreAWarningWordedForTheWayOfReading() {
    PgServerFacts f =
        facts(publication(keyedWithText(ReplicaIdentity.DEFAULT)), 10, List.of(), 10, 0);
    Problem run =
        Doctor.check(
                List.of(source("s", f, List.of("materialize_s"))),
                SourceReading.ONE_SLOT_PER_SOURCE)
            .get(0);
    Problem sql =
        Doctor.check(List.of(source("s", f, List.of("materialize_s"))), SourceReading.PER_TABLE_SQL)
            .get(0);
    assertThat(run.isError()).isFalse();
    assertThat(run.primary())
        .isEqualTo(
            "table \"public\".\"docs\" has TOASTable column \"body\" and REPLICA IDENTITY DEFAULT");
    assertThat(run.detail().orElseThrow()).contains("changes the primary key");
    assertThat(sql.detail().orElseThrow()).contains("__debezium_unavailable_value");
    assertThat(run.fix())
        .first()
        .isEqualTo("ALTER TABLE \"public\".\"docs\" REPLICA IDENTITY FULL;");
    PgServerFacts full =
        facts(publication(keyedWithText(ReplicaIdentity.FULL)), 10, List.of(), 10, 0);
    assertThat(Doctor.check(List.of(source("s", full, List.of())), SourceReading.PER_TABLE_SQL))
        .isEmpty();
  }

  private static PgTable published(
      Optional<String> rowFilter, List<String> unpublished, boolean partitioned) {
    return new PgTable(
        3,
        "public",
        "accounts",
        List.of(
            new PgColumn("id", 1, FakeUpstream.type("int4", "integer"), true, false),
            new PgColumn("balance", 2, FakeUpstream.type("int4", "integer"), false, false)),
        List.of("id"),
        ReplicaIdentity.FULL,
        10,
        rowFilter,
        unpublished,
        partitioned);
  }

  @Test
  void aColumnListWithoutThePrimaryKeyIsAnErrorOnBothWaysOfReading() {
    PgTable table =
        new PgTable(
            3,
            "public",
            "accounts",
            List.of(new PgColumn("balance", 2, FakeUpstream.type("int4", "integer"), false, false)),
            List.of("id"),
            ReplicaIdentity.DEFAULT,
            10,
            Optional.of("(balance > 0)"),
            List.of("id"),
            false);
    PgServerFacts f = facts(publication(table), 10, List.of(), 10, 0);
    for (SourceReading reading : SourceReading.values()) {
      List<Problem> problems = Doctor.check(List.of(source("s", f, List.of())), reading);
      assertThat(problems).hasSize(1);
      assertThat(problems.get(0).render())
          .isEqualTo(
              """
              error: publication "p" leaves primary key column "id" of table "public"."accounts" out of its column list
                in source "s" (host=db)
                DETAIL: mzflink keeps a table's rows by its primary key, and the stream's deletes carry only the key; PostgreSQL also refuses UPDATE and DELETE of the table while the publication publishes them.
                FIX: Publish the key too: ALTER PUBLICATION "p" DROP TABLE "public"."accounts"; ALTER PUBLICATION "p" ADD TABLE "public"."accounts" ("id", "balance") WHERE ((balance > 0)); (or leave the table out of CREATE VIEWS)
              """);
    }
  }

  @Test
  void rowFiltersColumnListsAndPartitionRootsAreErrorsForThePerTableSqlOnly() {
    PgTable filtered = published(Optional.of("(balance > 0)"), List.of("note"), false);
    PgTable root = published(Optional.empty(), List.of(), true);
    assertThat(
            Doctor.check(
                List.of(source("s", facts(publication(filtered), 10, List.of(), 10, 0), List.of())),
                SourceReading.ONE_SLOT_PER_SOURCE))
        .isEmpty();
    List<Problem> rootRun =
        Doctor.check(
            List.of(source("s", facts(publication(root), 10, List.of(), 10, 0), List.of())),
            SourceReading.ONE_SLOT_PER_SOURCE);
    assertThat(rootRun).hasSize(1);
    assertThat(rootRun.get(0).isError()).isFalse();
    assertThat(rootRun.get(0).render())
        .isEqualTo(
            """
            warning: a TRUNCATE of a partition of table "public"."accounts" is not published
              in source "s" (host=db)
              DETAIL: Publication "p" publishes the partitioned table through its root (publish_via_partition_root): PostgreSQL publishes a TRUNCATE of the table itself, but not one of a single partition, whose rows would stay in the results; ATTACH and DETACH PARTITION change the table's rows without publishing them either.
              FIX: Empty a partition with DELETE, or TRUNCATE the whole table; after ATTACH or DETACH PARTITION start the pipeline again from scratch.
                   (or publish the partitions as tables of their own: ALTER PUBLICATION "p" SET (publish_via_partition_root = false);)
            """);
    List<Problem> sql =
        Doctor.check(
            List.of(source("s", facts(publication(filtered), 10, List.of(), 10, 0), List.of())),
            SourceReading.PER_TABLE_SQL);
    assertThat(sql).hasSize(1);
    assertThat(sql.get(0).render())
        .isEqualTo(
            """
            error: publication "p" publishes only the rows of its row filter WHERE ((balance > 0)) and only some of its columns (not "note") of table "public"."accounts", which the per-table Flink SQL cannot read
              in source "s" (host=db)
              DETAIL: Flink CDC's postgres-cdc snapshot reads every row and column of the table itself, while the stream sends what the publication publishes: the results would silently differ from upstream.
              FIX: Run the script with mzflink run (without --per-table-slots): its snapshot reads what the publication publishes.
                   (or publish the whole table: ALTER PUBLICATION "p" DROP TABLE "public"."accounts"; ALTER PUBLICATION "p" ADD TABLE "public"."accounts";)
            """);
    List<Problem> rootSql =
        Doctor.check(
            List.of(source("s", facts(publication(root), 10, List.of(), 10, 0), List.of())),
            SourceReading.PER_TABLE_SQL);
    assertThat(rootSql)
        .filteredOn(Problem::isError)
        .extracting(Problem::primary)
        .containsExactly(
            "publication \"p\" publishes the changes of its partitions under its name"
                + " (publish_via_partition_root) of table \"public\".\"accounts\", which the per-table"
                + " Flink SQL cannot read");
    assertThat(rootSql.stream().filter(Problem::isError).findFirst().orElseThrow().fix())
        .last()
        .isEqualTo(
            "(or publish the partitions as tables of their own: ALTER PUBLICATION \"p\" SET"
                + " (publish_via_partition_root = false);)");
  }

  @Test
  void toastableColumnsOfARowFilteredTableWithoutFullIdentityWarnOfRowsMovingIntoTheFilter() {
    PgTable docs = keyedWithText(ReplicaIdentity.DEFAULT);
    PgTable filtered =
        new PgTable(
            docs.oid(),
            docs.schema(),
            docs.name(),
            docs.columns(),
            docs.primaryKey(),
            docs.replicaIdentity(),
            docs.estimatedRows(),
            Optional.of("(id > 10)"),
            List.of(),
            false);
    Problem run =
        Doctor.check(
                List.of(source("s", facts(publication(filtered), 10, List.of(), 10, 0), List.of())),
                SourceReading.ONE_SLOT_PER_SOURCE)
            .get(0);
    assertThat(run.isError()).isFalse();
    assertThat(run.detail().orElseThrow())
        .isEqualTo(
            "mzflink run keeps such values from its state, but an UPDATE that changes the primary key"
                + " and leaves a TOASTed value unchanged stops the pipeline, and so does one that brings"
                + " a row into the publication's row filter (pgoutput sends it as an INSERT without the"
                + " unchanged values).");
  }

  @Test
  void aPublicationWithoutTruncateIsOnlyAWarning() {
    PgPublication p =
        new PgPublication("p", false, true, true, true, false, List.of(FakeUpstream.orders()));
    List<Problem> problems =
        Doctor.check(
            List.of(source("s", facts(p, 10, List.of(), 10, 0), List.of())),
            SourceReading.ONE_SLOT_PER_SOURCE);
    assertThat(problems)
        .extracting(Problem::primary)
        .containsExactly("publication \"p\" does not publish truncate");
    assertThat(problems.get(0).isError()).isFalse();
    assertThat(Problem.renderAll(problems)).endsWith("0 errors, 1 warning");
  }

  @Test
  void tablesWithLookAlikesAreAWarningForThePerTableSqlOnly() {
    PgTable addresses =
        new PgTable(
            2,
            "look_alike",
            "addr_ess",
            List.of(new PgColumn("id", 1, FakeUpstream.type("int4", "integer"), true, false)),
            List.of("id"),
            ReplicaIdentity.FULL,
            10);
    PgServerFacts f =
        facts(
            publication(FakeUpstream.orders(), addresses),
            Map.of(
                "\"look_alike\".\"addr_ess\"",
                List.of("\"look_alike\".\"addrXess\"", "\"lookXalike\".\"addr_ess\"")),
            10,
            List.of(),
            10,
            0);
    List<Problem> sql =
        Doctor.check(
            List.of(source("s", f, List.of("materialize_s"))), SourceReading.PER_TABLE_SQL);
    assertThat(sql).hasSize(1);
    assertThat(sql.get(0).render())
        .isEqualTo(
            """
            warning: table "look_alike"."addr_ess" has 2 look-alikes: "look_alike"."addrXess", "lookXalike"."addr_ess"
              in source "s" (host=db)
              DETAIL: The per-table Flink SQL's decoder (Debezium 1.9 in Flink CDC) reads a table's columns with its \
            schema and name as LIKE patterns, in which _ and % are wildcards: the columns of "look_alike"."addrXess", \
            "lookXalike"."addr_ess" mix in with the table's own, and a column name in both makes the stream fail at \
            the first change of the table with IllegalStateException: Duplicate key (FLINK-38965).
              FIX: Run the script with mzflink run without --per-table-slots: its source matches names exactly.
                   (or rename one of the tables, or its schema, so that the published names match no other table \
            as LIKE patterns)
            """);
    assertThat(sql.get(0).isError()).isFalse();
    assertThat(
            Doctor.check(
                List.of(source("s", f, List.of("materialize_s"))),
                SourceReading.ONE_SLOT_PER_SOURCE))
        .isEmpty();

    PgServerFacts one =
        facts(
            publication(addresses),
            Map.of("\"look_alike\".\"addr_ess\"", List.of("\"lookXalike\".\"addr_ess\"")),
            10,
            List.of(),
            10,
            0);
    assertThat(
            Doctor.check(List.of(source("s", one, List.of())), SourceReading.PER_TABLE_SQL)
                .get(0)
                .primary())
        .isEqualTo(
            "table \"look_alike\".\"addr_ess\" has a look-alike: \"lookXalike\".\"addr_ess\"");
  }
}
