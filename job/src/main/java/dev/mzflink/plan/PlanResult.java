package dev.mzflink.plan;

import static java.util.Objects.requireNonNull;

import dev.mzflink.catalog.Catalog;
import dev.mzflink.catalog.CatalogEntry.Source;
import java.util.List;

/**
 * The result of planning a script: the final catalog, the notices to print (IF NOT EXISTS skips),
 * the answers to SHOW statements in order, and the sources the script dropped (whose replication
 * slots must go upstream).
 */
public record PlanResult(
    Catalog catalog, List<String> notices, List<ShowOutput> outputs, List<Source> droppedSources) {
  public PlanResult {
    requireNonNull(catalog, "catalog is null");
    notices = List.copyOf(requireNonNull(notices, "notices is null"));
    outputs = List.copyOf(requireNonNull(outputs, "outputs is null"));
    droppedSources = List.copyOf(requireNonNull(droppedSources, "droppedSources is null"));
  }
}
