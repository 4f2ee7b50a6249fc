/**
 * The analyzer of view queries: resolves, types and binds the SELECT of a view against the catalog
 * as PostgreSQL would, into a {@link dev.mzflink.catalog.BoundQuery}, and refuses what mzflink
 * cannot translate exactly. Entry point: {@link dev.mzflink.analyze.QueryAnalyzer}. Pure: no I/O,
 * no Flink, no JDBC.
 */
package dev.mzflink.analyze;
