package dev.mzflink.translate;

import dev.mzflink.catalog.BoundExpression.ColumnReference;
import dev.mzflink.catalog.BoundQuery.TableScan;
import dev.mzflink.catalog.Catalog;
import dev.mzflink.catalog.CatalogEntry.TableView;
import dev.mzflink.catalog.CatalogEntry.View;
import dev.mzflink.catalog.ObjectName;
import dev.mzflink.catalog.PgColumn;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which columns of each upstream table the pipeline reads: all of them for a table whose view is
 * materialized (its results table holds every column) and for a key-less table (its rows are
 * counted whole), otherwise its primary key and every column some view of the script names. The
 * one-slot source carries only those: a change to other columns does not reach the views. Pure.
 */
final class ReadColumns {
  private ReadColumns() {}

  /** Per table view (by name), the indexes of its upstream columns read, ascending. */
  static Map<ObjectName, List<Integer>> of(Catalog catalog) {
    Map<ObjectName, Set<String>> named = new HashMap<>();
    for (View view : catalog.views()) {
      Map<Integer, ObjectName> scans = new HashMap<>();
      List<ColumnReference> references = new ArrayList<>();
      collect(view.query(), scans, references);
      for (ColumnReference reference : references) {
        ObjectName object = scans.get(reference.relation());
        if (object != null) {
          named.computeIfAbsent(object, o -> new HashSet<>()).add(reference.column());
        }
      }
    }
    Map<ObjectName, List<Integer>> read = new HashMap<>();
    for (TableView view : catalog.tableViews()) {
      List<PgColumn> columns = view.upstream().columns();
      Set<String> names = named.getOrDefault(view.name(), Set.of());
      boolean all = view.materialized() || view.upstream().primaryKey().isEmpty();
      List<Integer> indexes = new ArrayList<>();
      for (int i = 0; i < columns.size(); i++) {
        String name = columns.get(i).name();
        if (all || names.contains(name) || view.upstream().primaryKey().contains(name)) {
          indexes.add(i);
        }
      }
      read.put(view.name(), List.copyOf(indexes));
    }
    return read;
  }

  /**
   * Every table scan (by relation id) and column reference in {@code node}, a bound query or any
   * part of one: walks every component of the records it is made of, so no kind of expression or
   * relation can hide a reference.
   */
  private static void collect(
      Object node, Map<Integer, ObjectName> scans, List<ColumnReference> references) {
    if (node instanceof TableScan scan) {
      scans.put(scan.id(), scan.object());
    } else if (node instanceof ColumnReference reference) {
      references.add(reference);
      return;
    }
    if (node instanceof Collection<?> items) {
      items.forEach(item -> collect(item, scans, references));
    } else if (node instanceof Optional<?> optional) {
      optional.ifPresent(item -> collect(item, scans, references));
    } else if (node instanceof Record record) {
      for (RecordComponent component : record.getClass().getRecordComponents()) {
        try {
          collect(component.getAccessor().invoke(record), scans, references);
        } catch (IllegalAccessException | InvocationTargetException e) {
          throw new IllegalStateException("cannot read " + component, e);
        }
      }
    }
  }
}
