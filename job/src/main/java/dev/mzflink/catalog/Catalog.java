package dev.mzflink.catalog;

import static java.util.Objects.requireNonNull;

import dev.mzflink.catalog.CatalogEntry.Source;
import dev.mzflink.catalog.CatalogEntry.TableView;
import dev.mzflink.catalog.CatalogEntry.View;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * An immutable snapshot of mzflink's catalog: schemas, sources and views, each sorted by name so
 * that everything rendered from it is deterministic. Changes return a new catalog.
 */
public final class Catalog {
  /** The schema unqualified names resolve in, as in Materialize. */
  public static final String DEFAULT_SCHEMA = "public";

  /**
   * The schema of mzflink's own tables in the results database (sink progress, staging, source
   * statuses, the registry of results tables): no view or results table may be named into it.
   */
  public static final String RESERVED_SCHEMA = "mzflink";

  private final SortedSet<String> schemas;
  private final SortedMap<ObjectName, CatalogEntry> entries;

  private Catalog(SortedSet<String> schemas, SortedMap<ObjectName, CatalogEntry> entries) {
    this.schemas = Collections.unmodifiableSortedSet(schemas);
    this.entries = Collections.unmodifiableSortedMap(entries);
  }

  /** A new catalog: the schema {@code public} and nothing else. */
  public static Catalog empty() {
    SortedSet<String> schemas = new TreeSet<>();
    schemas.add(DEFAULT_SCHEMA);
    return new Catalog(schemas, new TreeMap<>());
  }

  public SortedSet<String> schemas() {
    return schemas;
  }

  public boolean hasSchema(String schema) {
    return schemas.contains(schema);
  }

  public Optional<CatalogEntry> get(ObjectName name) {
    return Optional.ofNullable(entries.get(name));
  }

  public List<CatalogEntry> entries() {
    return List.copyOf(entries.values());
  }

  public List<Source> sources() {
    return entries.values().stream()
        .filter(Source.class::isInstance)
        .map(Source.class::cast)
        .toList();
  }

  public List<TableView> tableViews() {
    return entries.values().stream()
        .filter(TableView.class::isInstance)
        .map(TableView.class::cast)
        .toList();
  }

  /** The views made by CREATE [MATERIALIZED] VIEW, by name. */
  public List<View> views() {
    return entries.values().stream().filter(View.class::isInstance).map(View.class::cast).toList();
  }

  /** The table views made from {@code source}. */
  public List<TableView> tableViewsOf(ObjectName source) {
    return tableViews().stream().filter(v -> v.source().equals(source)).toList();
  }

  public Catalog withSchema(String schema) {
    SortedSet<String> s = new TreeSet<>(schemas);
    s.add(requireNonNull(schema, "schema is null"));
    return new Catalog(s, new TreeMap<>(entries));
  }

  public Catalog withoutSchema(String schema) {
    SortedSet<String> s = new TreeSet<>(schemas);
    s.remove(schema);
    return new Catalog(s, new TreeMap<>(entries));
  }

  public Catalog with(CatalogEntry entry) {
    if (!schemas.contains(entry.name().schema())) {
      throw new IllegalStateException("schema " + entry.name().schema() + " does not exist");
    }
    SortedMap<ObjectName, CatalogEntry> e = new TreeMap<>(entries);
    e.put(entry.name(), entry);
    return new Catalog(new TreeSet<>(schemas), e);
  }

  public Catalog without(ObjectName name) {
    SortedMap<ObjectName, CatalogEntry> e = new TreeMap<>(entries);
    e.remove(name);
    return new Catalog(new TreeSet<>(schemas), e);
  }
}
