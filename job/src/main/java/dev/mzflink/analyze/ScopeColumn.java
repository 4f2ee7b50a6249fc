package dev.mzflink.analyze;

import dev.mzflink.catalog.SqlType;
import java.util.Optional;

/** A column as a query level sees it; an unsupported type is an error only when used. */
record ScopeColumn(
    String name,
    String flinkName,
    Optional<SqlType> type,
    String typeDescription,
    boolean nullable) {}
