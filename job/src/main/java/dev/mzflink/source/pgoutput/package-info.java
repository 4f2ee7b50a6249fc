/**
 * pgoutput, PostgreSQL's logical replication protocol (version 1), decoded from the replication
 * stream's payloads into messages whose row values stay byte ranges ({@link
 * dev.mzflink.source.pgoutput.PgOutputDecoder}), and the session settings under which values are
 * read as text ({@link dev.mzflink.source.pgoutput.PgTextSettings}). The building blocks of
 * mzflink's own PostgreSQL source; rows become Flink rows through {@link
 * dev.mzflink.values.PgRowDecoder}.
 */
package dev.mzflink.source.pgoutput;
