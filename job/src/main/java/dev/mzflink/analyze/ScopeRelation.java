package dev.mzflink.analyze;

import dev.mzflink.catalog.ObjectName;
import java.util.List;
import java.util.Optional;

/**
 * A relation of a FROM list: its id, its reference name, the catalog object it is (when it is one
 * and has no alias), its columns, and its unique key (indexes into columns).
 */
record ScopeRelation(
    int id,
    String alias,
    Optional<ObjectName> object,
    boolean aliased,
    List<ScopeColumn> columns,
    Optional<List<Integer>> key) {

  /** The relation as the nullable side of an outer join sees it. */
  ScopeRelation nullableSide() {
    List<ScopeColumn> nullable =
        columns.stream()
            .map(c -> new ScopeColumn(c.name(), c.flinkName(), c.type(), c.typeDescription(), true))
            .toList();
    return new ScopeRelation(id, alias, object, aliased, nullable, key);
  }
}
