/**
 * The PostgreSQL edge: opening connections (turning failures into user errors with a hint), reading
 * password files, reading a source's server and publication ({@link
 * dev.mzflink.pg.PgIntrospector}), and dropping replication slots. The only planning-time code that
 * talks to a server.
 */
package dev.mzflink.pg;
