package dev.mzflink.sql;

import static java.util.Objects.requireNonNull;

import dev.mzflink.SourcePosition;
import java.util.List;
import java.util.Optional;

/** The statements of the Materialize dialect that mzflink understands. */
public sealed interface Statement {
  /** Where the statement starts in its script. */
  SourcePosition position();

  <R> R accept(Visitor<R> visitor);

  /** One method per statement kind, so that a new kind breaks the build where it is handled. */
  interface Visitor<R> {
    R visitCreateSource(CreateSource statement);

    R visitCreateViews(CreateViews statement);

    R visitCreateView(CreateView statement);

    R visitCreateSchema(CreateSchema statement);

    R visitDrop(Drop statement);

    R visitShow(Show statement);
  }

  /**
   * {@code CREATE [MATERIALIZED] SOURCE [IF NOT EXISTS] name FROM POSTGRES HOST 'conninfo'
   * PUBLICATION 'publication'}; {@code connectionInfoPosition} is where the connection string
   * starts, for errors in it.
   */
  record CreateSource(
      QualifiedName name,
      boolean materialized,
      boolean ifNotExists,
      String connectionInfo,
      String publication,
      SourcePosition position,
      SourcePosition connectionInfoPosition)
      implements Statement {
    public CreateSource {
      requireNonNull(name, "name is null");
      requireNonNull(connectionInfo, "connectionInfo is null");
      requireNonNull(publication, "publication is null");
      requireNonNull(position, "position is null");
      requireNonNull(connectionInfoPosition, "connectionInfoPosition is null");
    }

    /** A statement whose connection string's errors point at the statement. */
    public CreateSource(
        QualifiedName name,
        boolean materialized,
        boolean ifNotExists,
        String connectionInfo,
        String publication,
        SourcePosition position) {
      this(name, materialized, ifNotExists, connectionInfo, publication, position, position);
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitCreateSource(this);
    }
  }

  /** One entry of {@code CREATE VIEWS ... ( "schema"."table" [AS name], ... )}. */
  record ViewTarget(
      QualifiedName upstream, Optional<QualifiedName> alias, SourcePosition position) {
    public ViewTarget {
      requireNonNull(upstream, "upstream is null");
      requireNonNull(alias, "alias is null");
      requireNonNull(position, "position is null");
    }
  }

  /** {@code CREATE VIEWS [IF NOT EXISTS] FROM SOURCE name [( target, ... )]}. */
  record CreateViews(
      boolean ifNotExists, QualifiedName source, List<ViewTarget> targets, SourcePosition position)
      implements Statement {
    public CreateViews {
      requireNonNull(source, "source is null");
      targets = List.copyOf(requireNonNull(targets, "targets is null"));
      requireNonNull(position, "position is null");
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitCreateViews(this);
    }
  }

  /**
   * {@code CREATE [MATERIALIZED] VIEW [IF NOT EXISTS] name AS query}, the query parsed in the
   * PostgreSQL dialect.
   */
  record CreateView(
      QualifiedName name,
      boolean materialized,
      boolean ifNotExists,
      Query query,
      SourcePosition position)
      implements Statement {
    public CreateView {
      requireNonNull(name, "name is null");
      requireNonNull(query, "query is null");
      requireNonNull(position, "position is null");
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitCreateView(this);
    }
  }

  /** {@code CREATE SCHEMA [IF NOT EXISTS] name}. */
  record CreateSchema(QualifiedName name, boolean ifNotExists, SourcePosition position)
      implements Statement {
    public CreateSchema {
      requireNonNull(name, "name is null");
      requireNonNull(position, "position is null");
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitCreateSchema(this);
    }
  }

  /** The kinds of object a DROP or SHOW CREATE names. */
  enum ObjectKind {
    SOURCE,
    VIEW,
    SCHEMA;

    public String keyword() {
      return name();
    }

    public String noun() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** {@code DROP SOURCE|VIEW|SCHEMA [IF EXISTS] name, ... [CASCADE|RESTRICT]}. */
  record Drop(
      ObjectKind kind,
      boolean ifExists,
      List<QualifiedName> names,
      boolean cascade,
      SourcePosition position)
      implements Statement {
    public Drop {
      requireNonNull(kind, "kind is null");
      names = List.copyOf(requireNonNull(names, "names is null"));
      requireNonNull(position, "position is null");
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitDrop(this);
    }
  }

  /** The SHOW statements. */
  record Show(
      ShowKind kind,
      boolean full,
      boolean materialized,
      Optional<QualifiedName> target,
      SourcePosition position)
      implements Statement {
    public Show {
      requireNonNull(kind, "kind is null");
      requireNonNull(target, "target is null");
      requireNonNull(position, "position is null");
    }

    @Override
    public <R> R accept(Visitor<R> visitor) {
      return visitor.visitShow(this);
    }
  }

  /**
   * {@code SHOW SOURCES [FROM schema]}, {@code SHOW [FULL] [MATERIALIZED] VIEWS [FROM schema]},
   * {@code SHOW CREATE SOURCE|VIEW x}, {@code SHOW COLUMNS FROM x}, {@code SHOW SCHEMAS}.
   */
  enum ShowKind {
    SOURCES,
    VIEWS,
    CREATE_SOURCE,
    CREATE_VIEW,
    COLUMNS,
    SCHEMAS
  }
}
