package dev.mzflink.catalog;

import static java.util.Objects.requireNonNull;

import dev.mzflink.sql.Statement;
import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/** The objects of mzflink's catalog. */
public sealed interface CatalogEntry {
  ObjectName name();

  /** The statement that created the object, for SHOW CREATE. */
  Statement createdBy();

  /**
   * A PostgreSQL source: a connection, a publication and the publication's tables as read at CREATE
   * SOURCE.
   */
  record Source(
      ObjectName name,
      boolean materialized,
      ConnectionInfo connection,
      UpstreamSnapshot upstream,
      Statement.CreateSource createdBy)
      implements CatalogEntry {
    public Source {
      requireNonNull(name, "name is null");
      requireNonNull(connection, "connection is null");
      requireNonNull(upstream, "upstream is null");
      requireNonNull(createdBy, "createdBy is null");
    }

    public PgPublication publication() {
      return upstream.publication();
    }
  }

  /**
   * A view of one upstream table, made by CREATE VIEWS. It is materialized (written to the results
   * database) when its source is.
   */
  record TableView(
      ObjectName name,
      ObjectName source,
      PgTable upstream,
      boolean materialized,
      Statement.CreateViews createdBy)
      implements CatalogEntry {
    public TableView {
      requireNonNull(name, "name is null");
      requireNonNull(source, "source is null");
      requireNonNull(upstream, "upstream is null");
      requireNonNull(createdBy, "createdBy is null");
    }
  }

  /**
   * A view made by CREATE [MATERIALIZED] VIEW: its analyzed query and the objects it reads. A
   * materialized view is also written to the results database.
   */
  record View(
      ObjectName name,
      boolean materialized,
      BoundQuery query,
      SortedSet<ObjectName> dependencies,
      Statement.CreateView createdBy)
      implements CatalogEntry {
    public View {
      requireNonNull(name, "name is null");
      requireNonNull(query, "query is null");
      dependencies =
          Collections.unmodifiableSortedSet(
              new TreeSet<>(requireNonNull(dependencies, "dependencies is null")));
      requireNonNull(createdBy, "createdBy is null");
    }
  }
}
