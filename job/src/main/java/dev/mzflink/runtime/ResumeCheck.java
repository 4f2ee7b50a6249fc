package dev.mzflink.runtime;

import dev.mzflink.UserError;
import dev.mzflink.pg.PgConnections;
import dev.mzflink.runtime.cdc.ResumeLsn;
import dev.mzflink.runtime.cdc.SourceStreams;
import dev.mzflink.sink.ResultsCommitGroup;
import dev.mzflink.source.PgSplit;
import dev.mzflink.source.PgSplitSerializer;
import dev.mzflink.source.StreamSplit;
import dev.mzflink.sql.Quote;
import dev.mzflink.status.PublishedParts;
import dev.mzflink.translate.FlinkPlan.SourceStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.apache.flink.api.common.typeutils.base.array.BytePrimitiveArraySerializer;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.io.SimpleVersionedSerialization;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputViewStreamWrapper;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.state.CompletedCheckpointStorageLocation;
import org.apache.flink.runtime.state.OperatorStateHandle;
import org.apache.flink.runtime.state.filesystem.AbstractFsCheckpointStorageAccess;
import org.apache.flink.shaded.guava31.com.google.common.hash.Hashing;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Before a pipeline resumes from a savepoint or retained checkpoint: finds where each source's
 * saved state resumes reading the WAL, and refuses to run when the source's replication slot is
 * gone or has confirmed WAL past that point (PostgreSQL would silently start after it, and the
 * changes in between would never arrive).
 */
public final class ResumeCheck {
  private static final Logger LOG = LoggerFactory.getLogger(ResumeCheck.class);

  /** Flink's name for a source operator's split state. */
  private static final String SPLITS_STATE = "SourceReaderState";

  private ResumeCheck() {}

  /**
   * The savepoint or checkpoint {@code path} names: itself when it holds {@code _metadata},
   * otherwise, for a local directory of retained checkpoints, the newest complete checkpoint in it
   * (e.g. {@code --checkpoint-dir} of an earlier run, whose process was killed).
   */
  public static String resolve(String path) {
    Optional<Path> local = localPath(path);
    if (local.isEmpty() || Files.exists(local.get().resolve("_metadata"))) {
      return path;
    }
    if (!Files.isDirectory(local.get())) {
      throw UserError.of(String.format("savepoint %s does not exist", path))
          .withHint(
              "Give the directory of a savepoint or checkpoint (it holds a _metadata file), or a checkpoint directory.");
    }
    try (Stream<Path> files = Files.walk(local.get(), 3)) {
      Optional<Path> newest =
          files
              .filter(p -> p.getFileName().toString().equals("_metadata"))
              .filter(p -> p.getParent().getFileName().toString().matches("(chk|savepoint)-.*"))
              .max(Comparator.comparingLong(ResumeCheck::modified));
      if (newest.isEmpty()) {
        throw UserError.of(String.format("no complete checkpoint or savepoint in %s", path))
            .withHint("Start from scratch (without --from-savepoint), or give another directory.");
      }
      String resolved = newest.get().getParent().toUri().toString();
      LOG.info("Resuming from the newest checkpoint in {}: {}", path, resolved);
      return resolved;
    } catch (IOException e) {
      throw UserError.of(String.format("cannot read %s", path)).withDetail(e.getMessage());
    }
  }

  private static long modified(Path p) {
    try {
      return Files.getLastModifiedTime(p).toMillis();
    } catch (IOException e) {
      return 0;
    }
  }

  private static Optional<Path> localPath(String path) {
    if (path.startsWith("file:")) {
      return Optional.of(Path.of(java.net.URI.create(path.replaceFirst("^file:/+", "file:///"))));
    }
    return path.contains("://") ? Optional.empty() : Optional.of(Path.of(path));
  }

  /**
   * Refuses to resume {@code streams} from {@code savepoint} when a slot is missing or moved past
   * the WAL position the savepoint's state resumes from.
   */
  public static void check(String savepoint, List<SourceStream> streams) {
    CheckpointMetadata metadata = load(savepoint);
    for (SourceStream stream : streams) {
      OptionalLong resumeLsn = resumeLsn(metadata, stream);
      try (Connection c = PgConnections.open(stream.connection())) {
        Optional<Long> confirmed = confirmedFlushLsn(c, stream.slot());
        if (confirmed.isEmpty()) {
          throw UserError.of(
                  String.format(
                      "cannot resume source %s: its replication slot %s does not exist upstream",
                      stream.name().quoted(), stream.slot()))
              .withDetail(
                  "The changes made since the savepoint were kept only by that slot; a new slot starts at the current WAL"
                      + " position, so they would never arrive.")
              .withHint(
                  "Start the pipeline from scratch (without --from-savepoint): it snapshots the tables again.");
        }
        if (resumeLsn.isEmpty()) {
          LOG.info(
              "Savepoint {} has no stream position for {} (taken during the snapshot)",
              savepoint,
              stream.slot());
          continue;
        }
        if (confirmed.get() > resumeLsn.getAsLong()) {
          throw UserError.of(
                  String.format(
                      "cannot resume source %s from %s: replication slot %s has confirmed WAL up to %s, past %s where the saved"
                          + " state resumes",
                      stream.name().quoted(),
                      savepoint,
                      stream.slot(),
                      lsn(confirmed.get()),
                      lsn(resumeLsn.getAsLong())))
              .withDetail(
                  "A later run of the pipeline read further and PostgreSQL has released the WAL in between: resuming would skip"
                      + " those changes.")
              .withHint(
                  "Resume from the newest savepoint or checkpoint of the pipeline, or start from scratch (without"
                      + " --from-savepoint).");
        }
        LOG.info(
            "Resuming {} at WAL {}; slot {} confirmed {}",
            stream.name(),
            lsn(resumeLsn.getAsLong()),
            stream.slot(),
            lsn(confirmed.get()));
      } catch (SQLException e) {
        throw UserError.of(
                String.format("cannot check replication slot %s before resuming", stream.slot()))
            .withDetail(e.getMessage());
      }
    }
  }

  /**
   * Refuses to resume from {@code savepoint} when a results table would be computed otherwise than
   * the savepoint's state was: its writer is in the savepoint but some operator Flink's planner
   * computes it with is not (the view, or a view or table it reads, changed; its results would mix
   * both definitions, and a changed filter or projection holds no state Flink would miss), or it is
   * a view the savepoint does not have at all (a resume continues from the saved state, so a new
   * view would miss every row from before it). A results table that copies an upstream table is
   * accepted, new or changed: the source snapshots a table new to it, and reads again a table whose
   * columns changed (its copy holds no state but the source's).
   *
   * @param reads per results table writer's uid, the uids of the planner's operators it reads from
   * @param copies the results tables (quoted) that copy an upstream table
   */
  static void checkResultsTables(
      String savepoint, Map<String, java.util.Set<String>> reads, java.util.Set<String> copies) {
    java.util.Set<OperatorID> saved = new java.util.HashSet<>();
    for (OperatorState operator : load(savepoint).getOperatorStates()) {
      saved.add(operator.getOperatorID());
    }
    List<String> changed = new ArrayList<>();
    List<String> added = new ArrayList<>();
    for (Map.Entry<String, java.util.Set<String>> writer : reads.entrySet()) {
      String table = ResultsCommitGroup.writerTable(writer.getKey()).orElseThrow();
      if (!saved.contains(operatorId(writer.getKey()))) {
        if (!copies.contains(table)) {
          added.add(table);
        }
      } else if (!copies.contains(table)
          && !writer.getValue().stream().map(ResumeCheck::operatorId).allMatch(saved::contains)) {
        changed.add(table);
      }
    }
    if (changed.isEmpty() && added.isEmpty()) {
      return;
    }
    List<String> reasons = new ArrayList<>();
    if (!changed.isEmpty()) {
      reasons.add(
          String.format(
              "%s computed otherwise than in the savepoint: %s",
              changed.size() == 1 ? "results table" : changed.size() + " results tables",
              String.join(", ", changed)));
    }
    if (!added.isEmpty()) {
      reasons.add(
          String.format(
              "%s not in the savepoint: %s",
              added.size() == 1 ? "materialized view" : added.size() + " materialized views",
              String.join(", ", added)));
    }
    throw UserError.of(
            String.format("cannot resume from %s: %s", savepoint, String.join("; ", reasons)))
        .withDetail(
            "A resume continues each view from the savepoint's state. A view whose definition"
                + " changed (or a view or table it reads) would apply the new definition to the"
                + " changes after the savepoint only, beside rows computed by the old one; a view"
                + " new to the pipeline would miss every row from before the savepoint.")
        .withHint(
            "Resume with the materialized views of the savepoint's script, unchanged (tables"
                + " may be added to the source), or start the pipeline from scratch (without"
                + " --from-savepoint).");
  }

  /** What the publication publishes of each of the stream's tables, as the plan read it. */
  public static List<PublishedParts.Part> publishedParts(SourceStream stream) {
    return stream.tables().stream()
        .map(t -> new PublishedParts.Part(t.schema(), t.name(), t.rowFilter(), t.columnList()))
        .toList();
  }

  /**
   * Refuses to resume a source when its publication's row filter or column list of a table changed
   * since the source snapshotted the table (as recorded in {@link PublishedParts}): the results
   * hold the rows and columns of the old definition, while the stream would send changes by the new
   * one. Tables without a record (snapshotted by an mzflink before the record, or new to the
   * source) are not compared.
   */
  public static void checkPublishedParts(String resultsUrl, List<SourceStream> streams) {
    try (Connection results = PipelineRunner.openResults(resultsUrl)) {
      for (SourceStream stream : streams) {
        Map<String, PublishedParts.Part> recorded =
            PublishedParts.find(results, stream.name().quoted(), stream.slot());
        List<String> changes = new ArrayList<>();
        List<String> tables = new ArrayList<>();
        for (PublishedParts.Part now : publishedParts(stream)) {
          String table = Quote.pgQualified(now.schema(), now.table());
          PublishedParts.Part then = recorded.get(table);
          if (then == null) {
            continue;
          }
          boolean changed = false;
          if (!then.rowFilter().equals(now.rowFilter())) {
            changes.add(
                String.format(
                    "Table %s: row filter %s when the snapshot read it, %s now.",
                    table, rowFilter(then), rowFilter(now)));
            changed = true;
          }
          if (!then.columnList().equals(now.columnList())) {
            changes.add(
                String.format(
                    "Table %s: column list %s when the snapshot read it, %s now.",
                    table, columnList(then), columnList(now)));
            changed = true;
          }
          if (changed) {
            tables.add(table);
          }
        }
        if (changes.isEmpty()) {
          continue;
        }
        throw UserError.of(
                String.format(
                    "cannot resume source %s: publication %s changed what it publishes of %s",
                    stream.name().quoted(),
                    Quote.pgIdentifier(stream.publication()),
                    tables.size() == 1
                        ? "table " + tables.get(0)
                        : tables.size() + " tables: " + String.join(", ", tables)))
            .withDetail(
                String.join("\n", changes)
                    + "\nThe results hold what the snapshot read by the earlier definition, and the"
                    + " stream would send changes by the new one: rows that entered the filter (or"
                    + " columns the list added) would be missing, and rows that left it would stay.")
            .withHint(
                "Start the pipeline from scratch (without --from-savepoint): its snapshot reads the"
                    + " tables as the publication publishes them now. Or restore the earlier"
                    + " definition upstream (ALTER PUBLICATION ... SET TABLE ... WHERE (...)) and"
                    + " resume.");
      }
    } catch (SQLException e) {
      throw UserError.of("could not read the results database").withDetail(e.getMessage());
    }
  }

  private static String rowFilter(PublishedParts.Part part) {
    return part.rowFilter().map(f -> "WHERE " + f).orElse("none (every row)");
  }

  private static String columnList(PublishedParts.Part part) {
    return part.columnList()
        .map(c -> "(" + String.join(", ", c.stream().map(Quote::pgIdentifier).toList()) + ")")
        .orElse("none (every column)");
  }

  private static String lsn(long value) {
    return ResumeLsn.text(value);
  }

  private static CheckpointMetadata load(String savepoint) {
    try {
      CompletedCheckpointStorageLocation location =
          AbstractFsCheckpointStorageAccess.resolveCheckpointPointer(savepoint);
      try (InputStream in = location.getMetadataHandle().openInputStream()) {
        return Checkpoints.loadCheckpointMetadata(
            new DataInputStream(in), ResumeCheck.class.getClassLoader(), savepoint);
      }
    } catch (IOException e) {
      throw UserError.of(String.format("cannot read savepoint %s", savepoint))
          .withDetail(e.getMessage());
    }
  }

  /**
   * The WAL position the source's saved stream split resumes from, if the state has one (a
   * savepoint taken during the snapshot has not started streaming yet).
   */
  private static OptionalLong resumeLsn(CheckpointMetadata metadata, SourceStream stream) {
    OperatorID id = operatorId(SourceStreams.sourceUid(stream));
    SimpleVersionedSerializer<PgSplit> serializer = new PgSplitSerializer();
    OptionalLong lsn = OptionalLong.empty();
    for (OperatorState operator : metadata.getOperatorStates()) {
      if (!operator.getOperatorID().equals(id)) {
        continue;
      }
      for (OperatorSubtaskState subtask : operator.getStates()) {
        for (OperatorStateHandle handle : subtask.getManagedOperatorState()) {
          OperatorStateHandle.StateMetaInfo splits =
              handle.getStateNameToPartitionOffsets().get(SPLITS_STATE);
          if (splits == null) {
            continue;
          }
          try (FSDataInputStream in = handle.openInputStream()) {
            for (long position : splits.getOffsets()) {
              in.seek(position);
              byte[] bytes =
                  BytePrimitiveArraySerializer.INSTANCE.deserialize(
                      new DataInputViewStreamWrapper(in));
              PgSplit split =
                  SimpleVersionedSerialization.readVersionAndDeSerialize(serializer, bytes);
              if (split instanceof StreamSplit s) {
                lsn = OptionalLong.of(s.startLsn());
              }
            }
          } catch (IOException e) {
            throw UserError.of("cannot read the source state of the savepoint")
                .withDetail(e.getMessage());
          }
        }
      }
    }
    return lsn;
  }

  private static Optional<Long> confirmedFlushLsn(Connection c, String slot) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT coalesce(confirmed_flush_lsn, restart_lsn) - '0/0'::pg_lsn FROM pg_replication_slots WHERE slot_name = ?")) {
      s.setString(1, slot);
      try (ResultSet r = s.executeQuery()) {
        return r.next() ? Optional.of(r.getBigDecimal(1).longValueExact()) : Optional.empty();
      }
    }
  }

  /** The operator id Flink derives from a uid. */
  static OperatorID operatorId(String uid) {
    return new OperatorID(
        Hashing.murmur3_128(0).newHasher().putString(uid, StandardCharsets.UTF_8).hash().asBytes());
  }
}
