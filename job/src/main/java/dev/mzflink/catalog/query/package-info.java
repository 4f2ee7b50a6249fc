/**
 * The queries of views, analyzed: names resolved against the catalog, PostgreSQL's typing rules
 * applied ({@link dev.mzflink.catalog.query.SqlType} carries PostgreSQL's type and the exact Flink
 * shape), and everything mzflink cannot translate exactly refused with its position. Pure.
 */
package dev.mzflink.catalog.query;
