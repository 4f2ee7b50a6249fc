package dev.mzflink.runtime;

import dev.mzflink.Redaction;
import dev.mzflink.UserError;
import dev.mzflink.pg.PgConnections;
import dev.mzflink.pg.ReplicationSlots;
import dev.mzflink.pg.ReplicationSlots.SlotState;
import dev.mzflink.status.SlotRegistry;
import dev.mzflink.status.SlotRegistry.Entry;
import dev.mzflink.status.SlotRegistry.Owner;
import dev.mzflink.translate.FlinkPlan.ReplicationSlot;
import dev.mzflink.translate.UpstreamConnection;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pipeline's replication slots as its own: before its job starts, each slot it will read is
 * checked upstream and recorded in the slot registry of its results database ({@link
 * SlotRegistry}); when it ends, it drops only the slots that registry records as its own, and ends
 * only walsenders of its own run.
 *
 * <p>A pipeline's identity is its results database and, there, the source a slot serves (its name
 * and upstream database): the same script run again against the same results database is the same
 * pipeline (a fresh start replaces what the earlier run left, slot included), while a pipeline
 * writing elsewhere, or another source, never takes a slot over.
 */
public final class OwnedSlots {
  private static final Logger LOG = LoggerFactory.getLogger(OwnedSlots.class);

  private OwnedSlots() {}

  /** The owner of a pipeline's slot: its source, reading its upstream database. */
  public static Owner owner(ReplicationSlot slot) {
    return new Owner(slot.connection().database(), slot.source().quoted());
  }

  /**
   * Before a pipeline starts: refuses a slot that a walsender reads (another pipeline, or another
   * run of this one) and a slot that exists without being recorded as this pipeline's; records the
   * others as this pipeline's ({@code pipeline} names the run; {@code keptFor} says what may still
   * need the slots when the run ends without dropping them) once {@link Claim#record} is called.
   * Writes nothing.
   */
  public static Claim check(
      List<ReplicationSlot> slots,
      String resultsUrl,
      String pipeline,
      Optional<String> keptFor,
      Predicate<String> createdByMzflink) {
    Map<UpstreamConnection, String> systems = new HashMap<>();
    List<Claimed> claimed = new ArrayList<>();
    try (Connection results = PipelineRunner.openResults(resultsUrl)) {
      for (ReplicationSlot slot : slots) {
        Owner owner = owner(slot);
        try (Connection upstream = PgConnections.open(slot.connection())) {
          String system = systemIdentifier(systems, slot.connection());
          Optional<SlotState> state = ReplicationSlots.find(upstream, slot.name());
          if (state.isPresent()) {
            Optional<Entry> entry = SlotRegistry.find(results, system, slot.name());
            if (state.get().active()) {
              if (entry.isPresent() && entry.get().owner().equals(owner)) {
                // An earlier run of this pipeline (stopped a moment ago) may still be letting go.
                state = awaitRelease(upstream, slot.name());
              }
              if (state.isPresent() && state.get().active()) {
                throw inUse(slot, state.get());
              }
            }
          }
          if (state.isPresent()) {
            Optional<Entry> entry = SlotRegistry.find(results, system, slot.name());
            boolean ours =
                proves(entry, owner, createdByMzflink.test(slot.name()))
                    && state.get().database().equals(owner.database());
            if (!ours) {
              throw notOurs(slot, state.get(), entry, owner, resultsUrl);
            }
          }
          claimed.add(new Claimed(system, slot.name(), owner));
        } catch (SQLException e) {
          throw UserError.of(
                  String.format("could not check replication slot \"%s\" upstream", slot.name()))
              .withDetail(e.getMessage());
        }
      }
      return new Claim(claimed, pipeline, keptFor);
    } catch (SQLException e) {
      throw UserError.of("could not read the results database").withDetail(e.getMessage());
    }
  }

  private record Claimed(String system, String slot, Owner owner) {}

  /**
   * The slots a start checked, recorded as the pipeline's by {@link #record} once the start may
   * write to the results database (after its results tables were found to be its own).
   */
  public static final class Claim {
    private final List<Claimed> claimed;
    private final String pipeline;
    private final Optional<String> keptFor;

    private Claim(List<Claimed> claimed, String pipeline, Optional<String> keptFor) {
      this.claimed = List.copyOf(claimed);
      this.pipeline = pipeline;
      this.keptFor = keptFor;
    }

    /** Records the checked slots as the pipeline's in the registry of {@code results}. */
    public void record(Connection results) {
      for (Claimed c : claimed) {
        try {
          SlotRegistry.record(results, c.system(), c.slot(), c.owner(), pipeline, keptFor);
        } catch (SQLException e) {
          throw UserError.of("could not record the pipeline's replication slots")
              .withDetail(e.getMessage());
        }
      }
    }
  }

  /** How long a start waits for its own earlier run's walsender to let go of a slot. */
  static final Duration RELEASE_WAIT = Duration.ofSeconds(15);

  /** The slot once no walsender reads it, or as it is after {@link #RELEASE_WAIT}. */
  private static Optional<SlotState> awaitRelease(Connection upstream, String name)
      throws SQLException {
    long deadline = System.nanoTime() + RELEASE_WAIT.toNanos();
    while (true) {
      Optional<SlotState> state = ReplicationSlots.find(upstream, name);
      if (state.isEmpty() || !state.get().active() || System.nanoTime() > deadline) {
        return state;
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return state;
      }
    }
  }

  private static String systemIdentifier(
      Map<UpstreamConnection, String> systems, UpstreamConnection connection) throws SQLException {
    String known = systems.get(connection);
    if (known == null) {
      known = ReplicationSlots.systemIdentifier(connection);
      systems.put(connection, known);
    }
    return known;
  }

  private static UserError inUse(ReplicationSlot slot, SlotState state) {
    return UserError.of(
            String.format(
                "replication slot \"%s\" of source %s is in use by %s",
                slot.name(), slot.source().quoted(), state.reader()))
        .withDetail(
            String.format(
                "Another pipeline, or another run of this one, reads it from %s; a pipeline starts"
                    + " only on a slot no one else reads, and leaves that one alone.",
                slot.connection().describe()))
        .withHint(
            "Stop the pipeline that reads it, or give this one its own slot with --slot-suffix NAME.");
  }

  /**
   * Whether {@code entry} proves a slot {@code owner}'s: recorded for it, and, for a slot that
   * mzflink's own source creates ({@code createdByMzflink}), recorded as created by it, not only
   * claimed (two pipelines of one slot name started at once both claim it; one creates it).
   */
  public static boolean proves(Optional<Entry> entry, Owner owner, boolean createdByMzflink) {
    return entry.isPresent()
        && entry.get().owner().equals(owner)
        && (!createdByMzflink || entry.get().createdLsn().isPresent());
  }

  private static UserError notOurs(
      ReplicationSlot slot,
      SlotState state,
      Optional<Entry> entry,
      Owner owner,
      String resultsUrl) {
    String detail;
    String command;
    String adopt = "";
    if (!state.database().equals(slot.connection().database())) {
      detail =
          String.format(
              "It belongs to database \"%s\" of the server, not \"%s\".",
              state.database(), slot.connection().database());
      command = "";
    } else if (entry.isPresent() && entry.get().owner().equals(owner)) {
      detail =
          String.format(
              "The slot registry of the results database (%s) records that this pipeline was about"
                  + " to create it (run %s, %s), not that it did: another pipeline of the same slot"
                  + " name may have created it meanwhile.",
              SlotRegistry.TABLE, entry.get().pipeline(), entry.get().createdAt());
      command = dropCommand(slot.connection(), Optional.of(resultsUrl), slot.name());
    } else if (entry.isPresent()) {
      detail =
          String.format(
              "The slot registry of the results database (%s) records it for %s.",
              SlotRegistry.TABLE, entry.get().owner().describe());
      command = dropCommand(slot.connection(), Optional.of(resultsUrl), slot.name());
    } else {
      detail =
          String.format(
              "The slot registry of the results database (%s) has no record of it: another"
                  + " pipeline, a Materialize source, or a run of an mzflink version before the"
                  + " registry may need it.",
              SlotRegistry.TABLE);
      command = dropCommand(slot.connection(), Optional.empty(), slot.name());
      adopt =
          String.format(
              " To resume this pipeline from a savepoint of an mzflink version before the registry,"
                  + " record the slot as its own first: mzflink slots adopt SCRIPT --results-url %s"
                  + " --slot %s (with this run's --slot-suffix and --per-table-slots, if any).",
              shellQuote(Redaction.url(resultsUrl)), slot.name());
    }
    return UserError.of(
            String.format(
                "replication slot \"%s\" of source %s exists and is not recorded as this pipeline's",
                slot.name(), slot.source().quoted()))
        .withDetail(detail)
        .withHint(
            "Give this pipeline its own slot with --slot-suffix NAME"
                + (command.isEmpty()
                    ? "."
                    : ", or, if nothing needs that slot any more, drop it first: " + command)
                + adopt);
  }

  /** What {@link #adopt} did. */
  public enum Adoption {
    /** The slot is now recorded as the pipeline's. */
    ADOPTED,
    /** The registry already recorded it as the pipeline's: nothing was written. */
    ALREADY_RECORDED
  }

  /**
   * Records an existing replication slot that no one reads as the pipeline's own ({@code slot}
   * names it with its source and upstream connection, as {@code run} would use it), in the slot
   * registry of {@code resultsUrl}, noting that a resume needs it: the way to resume a savepoint of
   * an mzflink version before the registry, whose slots nobody recorded. Refuses a slot that does
   * not exist, is not a logical pgoutput slot of the source's database, is read by a walsender, or
   * is recorded for another source.
   */
  public static Adoption adopt(
      ReplicationSlot slot, String resultsUrl, String pipeline, boolean createdByMzflink) {
    Owner owner = owner(slot);
    try (Connection results = PipelineRunner.openResults(resultsUrl);
        Connection upstream = PgConnections.open(slot.connection())) {
      Optional<SlotState> state = ReplicationSlots.find(upstream, slot.name());
      if (state.isEmpty()) {
        throw UserError.of(String.format("replication slot \"%s\" does not exist", slot.name()))
            .withDetail(
                String.format(
                    "The server of %s has no slot of that name: there is nothing to adopt.",
                    slot.connection().describe()))
            .withHint(
                "A savepoint whose slot is gone cannot be resumed; start the pipeline from scratch"
                    + " (mzflink run without --from-savepoint creates the slot).");
      }
      String database = state.get().database();
      String kind = slotKind(upstream, slot.name());
      if (state.get().temporary()
          || !database.equals(owner.database())
          || !kind.equals("logical pgoutput")) {
        throw UserError.of(
                String.format(
                    "replication slot \"%s\" is not a slot source %s reads",
                    slot.name(), slot.source().quoted()))
            .withDetail(
                String.format(
                    "It is a %s%s slot of database \"%s\"; the source reads a permanent logical"
                        + " pgoutput slot of database \"%s\".",
                    state.get().temporary() ? "temporary " : "", kind, database, owner.database()));
      }
      if (state.get().active()) {
        throw UserError.of(
                String.format(
                    "replication slot \"%s\" is in use by %s", slot.name(), state.get().reader()))
            .withDetail("Only a slot that no one reads can be adopted: its reader may need it.")
            .withHint("Stop the pipeline that reads it, then adopt it.");
      }
      String system = ReplicationSlots.systemIdentifier(upstream);
      Optional<Entry> entry = SlotRegistry.find(results, system, slot.name());
      if (entry.isPresent() && !entry.get().owner().equals(owner)) {
        throw UserError.of(
                String.format(
                    "replication slot \"%s\" is recorded for %s",
                    slot.name(), entry.get().owner().describe()))
            .withDetail(
                String.format(
                    "The slot registry of the results database (%s) records it for that source (run"
                        + " %s, since %s), not for source %s: that pipeline may still need it.",
                    SlotRegistry.TABLE,
                    entry.get().pipeline(),
                    entry.get().createdAt(),
                    slot.source().quoted()))
            .withHint(
                "Give this pipeline its own slot with --slot-suffix NAME, or, if nothing needs that"
                    + " slot any more, drop it first: "
                    + dropCommand(slot.connection(), Optional.of(resultsUrl), slot.name()));
      }
      if (proves(entry, owner, createdByMzflink)) {
        return Adoption.ALREADY_RECORDED;
      }
      if (createdByMzflink) {
        SlotRegistry.recordCreated(
            results, system, slot.name(), owner, pipeline, confirmedPosition(upstream, slot));
      } else {
        SlotRegistry.record(results, system, slot.name(), owner, pipeline, Optional.empty());
      }
      SlotRegistry.keep(results, system, slot.name(), "a resume (adopted by mzflink slots adopt)");
      return Adoption.ADOPTED;
    } catch (SQLException e) {
      throw UserError.of(String.format("could not adopt replication slot \"%s\"", slot.name()))
          .withDetail(e.getMessage());
    }
  }

  /** {@code logical pgoutput}, {@code logical test_decoding}, {@code physical}. */
  private static String slotKind(Connection upstream, String slot) throws SQLException {
    try (PreparedStatement s =
        upstream.prepareStatement(
            "SELECT slot_type || coalesce(' ' || plugin, '') FROM pg_replication_slots"
                + " WHERE slot_name = ?")) {
      s.setString(1, slot);
      try (ResultSet r = s.executeQuery()) {
        return r.next() ? r.getString(1) : "";
      }
    }
  }

  /** Where the slot's consumer confirmed it up to (its start, for a slot never read). */
  private static String confirmedPosition(Connection upstream, ReplicationSlot slot)
      throws SQLException {
    try (PreparedStatement s =
        upstream.prepareStatement(
            "SELECT coalesce(confirmed_flush_lsn, restart_lsn)::text FROM pg_replication_slots"
                + " WHERE slot_name = ?")) {
      s.setString(1, slot.name());
      try (ResultSet r = s.executeQuery()) {
        if (!r.next() || r.getString(1) == null) {
          throw new SQLException("the slot has no WAL position");
        }
        return r.getString(1);
      }
    }
  }

  /**
   * The command that drops slot {@code slot} by name: with the results database that records it,
   * or, for a slot no results database records, with {@code --unrecorded}.
   */
  public static String dropCommand(
      UpstreamConnection connection, Optional<String> resultsUrl, String slot) {
    return "mzflink slots drop --host "
        + shellQuote(connection.conninfo())
        + resultsUrl.map(u -> " --results-url " + shellQuote(Redaction.url(u))).orElse("")
        + " "
        + slot
        + (resultsUrl.isEmpty() ? " --unrecorded" : "");
  }

  private static String shellQuote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }

  /** Why slots were left in place, one line per slot. */
  public record Dropping(List<String> dropped, List<String> left) {
    public Dropping {
      dropped = List.copyOf(dropped);
      left = List.copyOf(left);
    }
  }

  /**
   * Drops those of {@code slots} that the registry of {@code resultsUrl} records as this
   * pipeline's, waiting up to {@code wait} for their readers to let go, and ending a reader only
   * when {@code ownReader} says it is this run's; forgets the dropped ones (and recorded ones that
   * no longer exist). The others are left in place, each with the reason.
   */
  public static Dropping drop(
      List<ReplicationSlot> slots,
      String resultsUrl,
      Duration wait,
      Predicate<SlotState> ownReader,
      Predicate<String> createdByMzflink) {
    List<String> dropped = new ArrayList<>();
    List<String> left = new ArrayList<>();
    Map<UpstreamConnection, String> systems = new HashMap<>();
    for (ReplicationSlot slot : slots) {
      Owner owner = owner(slot);
      try (Connection results = PgConnections.connect(resultsUrl, new Properties());
          Connection upstream = PgConnections.open(slot.connection())) {
        String system = systemIdentifier(systems, slot.connection());
        Optional<Entry> entry = SlotRegistry.find(results, system, slot.name());
        boolean recorded = proves(entry, owner, createdByMzflink.test(slot.name()));
        Optional<SlotState> state = ReplicationSlots.find(upstream, slot.name());
        if (state.isEmpty()) {
          if (recorded) {
            SlotRegistry.forget(results, system, slot.name());
          }
          continue;
        }
        if (!recorded) {
          left.add(
              String.format(
                  "%s: not recorded as this pipeline's in the results database (drop it by name if"
                      + " nothing needs it: %s)",
                  slot.name(), dropCommand(slot.connection(), Optional.empty(), slot.name())));
          continue;
        }
        switch (ReplicationSlots.drop(slot.connection(), slot.name(), wait, ownReader)) {
          case DROPPED -> {
            dropped.add(slot.name());
            SlotRegistry.forget(results, system, slot.name());
          }
          case ABSENT -> SlotRegistry.forget(results, system, slot.name());
          case IN_USE ->
              left.add(
                  String.format(
                      "%s: read by %s, which is not this pipeline's",
                      slot.name(),
                      ReplicationSlots.find(upstream, slot.name())
                          .map(SlotState::reader)
                          .orElse("another process")));
          case OTHER_DATABASE ->
              left.add(
                  String.format(
                      "%s: a slot of database \"%s\"", slot.name(), state.get().database()));
        }
      } catch (SQLException | RuntimeException e) {
        LOG.warn("Could not drop replication slot {}", slot.name(), e);
        left.add(slot.name() + ": " + e.getMessage());
      }
    }
    return new Dropping(dropped, left);
  }

  /**
   * Notes in the registry why {@code slots} may still be needed while no one reads them (a
   * savepoint, a job on a cluster). Best effort: logged when it cannot be written.
   */
  public static void keep(List<ReplicationSlot> slots, String resultsUrl, String reason) {
    for (ReplicationSlot slot : slots) {
      try (Connection results = PgConnections.connect(resultsUrl, new Properties())) {
        String system = ReplicationSlots.systemIdentifier(slot.connection());
        Optional<Entry> entry = SlotRegistry.find(results, system, slot.name());
        if (entry.isPresent() && entry.get().owner().equals(owner(slot))) {
          SlotRegistry.keep(results, system, slot.name(), reason);
        }
      } catch (SQLException | RuntimeException e) {
        LOG.warn("Could not note why replication slot {} is kept", slot.name(), e);
      }
    }
  }

  /**
   * Forgets the recorded slots of {@code slots} that were never created (a start that failed after
   * {@link #check}). Best effort.
   */
  public static void forgetUncreated(List<ReplicationSlot> slots, String resultsUrl) {
    for (ReplicationSlot slot : slots) {
      try (Connection results = PgConnections.connect(resultsUrl, new Properties());
          Connection upstream = PgConnections.open(slot.connection())) {
        if (ReplicationSlots.find(upstream, slot.name()).isPresent()) {
          continue;
        }
        String system = ReplicationSlots.systemIdentifier(slot.connection());
        Optional<Entry> entry = SlotRegistry.find(results, system, slot.name());
        if (entry.isPresent() && entry.get().owner().equals(owner(slot))) {
          SlotRegistry.forget(results, system, slot.name());
        }
      } catch (SQLException | RuntimeException e) {
        LOG.warn("Could not forget replication slot {}", slot.name(), e);
      }
    }
  }

  /**
   * Whether {@code reader} is a connection of the run {@code run}: mzflink's source names its
   * connections {@code mzflink <purpose> <run> <slot>}.
   */
  public static boolean readsForRun(SlotState reader, String run) {
    String[] words = reader.readerName().split(" ");
    return words.length >= 3 && words[0].equals("mzflink") && words[2].equals(run);
  }
}
