/**
 * The model, as pure records: mzflink's catalog (schemas, sources, views of upstream tables, views
 * with their analyzed queries), what was read upstream (publications, tables, columns, types,
 * server facts), and libpq connection strings and password files parsed from text.
 */
package dev.mzflink.catalog;
