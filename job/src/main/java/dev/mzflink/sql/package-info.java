/**
 * The Materialize dialect as text: a lexer that follows PostgreSQL's lexical rules, a parser that
 * turns a script into statement records, and a printer that turns them back into text. Pure: no
 * I/O, no Flink, no JDBC.
 */
package dev.mzflink.sql;
