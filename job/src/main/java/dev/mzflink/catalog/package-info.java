/**
 * What mzflink knows about the world: the connection parameters of a source, the upstream
 * publication's tables as an immutable snapshot (pure records), and the one class that reads them
 * from PostgreSQL over JDBC ({@link dev.mzflink.pg.PgIntrospector}).
 */
package dev.mzflink.catalog;
