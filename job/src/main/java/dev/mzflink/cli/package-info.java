/**
 * The command line: {@code run}, {@code translate}, {@code demo}. The only code that prints and
 * exits; user errors become one message on stderr and exit code 1, anything else exit code 2.
 */
package dev.mzflink.cli;
