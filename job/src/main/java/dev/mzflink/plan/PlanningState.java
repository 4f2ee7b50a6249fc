package dev.mzflink.plan;

import dev.mzflink.catalog.Catalog;
import dev.mzflink.catalog.CatalogEntry.Source;
import dev.mzflink.sql.Statement.CreateSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What planning a script builds up statement by statement: the catalog so far, the notices to
 * print, the answers to SHOW statements and the sources dropped; and the purified sources it plans
 * CREATE SOURCE from.
 */
final class PlanningState {
  private Catalog catalog;
  private final Map<Integer, PurifiedSource> purified;
  private final List<String> notices = new ArrayList<>();
  private final List<ShowOutput> outputs = new ArrayList<>();
  private final List<Source> dropped = new ArrayList<>();

  /**
   * @param purified the purified sources, keyed by the offset of their CREATE SOURCE statement
   */
  PlanningState(Catalog start, Map<Integer, PurifiedSource> purified) {
    this.catalog = start;
    this.purified = Map.copyOf(purified);
  }

  Catalog catalog() {
    return catalog;
  }

  /** Replaces the catalog by the one a statement made of it. */
  void update(Catalog next) {
    catalog = next;
  }

  /** What purification read for {@code statement}. */
  Optional<PurifiedSource> purified(CreateSource statement) {
    return Optional.ofNullable(purified.get(statement.position().offset()));
  }

  void notice(String notice) {
    notices.add(notice);
  }

  void output(ShowOutput output) {
    outputs.add(output);
  }

  void dropped(Source source) {
    dropped.add(source);
  }

  PlanResult result() {
    return new PlanResult(catalog, notices, outputs, dropped);
  }
}
