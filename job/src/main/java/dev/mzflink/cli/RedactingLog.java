package dev.mzflink.cli;

import dev.mzflink.Redaction;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.rewrite.RewriteAppender;
import org.apache.logging.log4j.core.appender.rewrite.RewritePolicy;
import org.apache.logging.log4j.core.config.AppenderRef;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.message.SimpleMessage;

/**
 * Passes everything the command line logs through {@link Redaction} on its way to the log file:
 * Flink CDC 3.5.0, for one, logs its connector configuration with {@code database.password=...} at
 * INFO (FLINK-38685), and exceptions may quote connection strings. On a Flink cluster the cluster's
 * logging configuration applies instead ({@code flink-conf/log4j.properties} silences that logger).
 */
final class RedactingLog implements RewritePolicy {
  /** The appender of log4j2.xml that writes the log file. */
  static final String FILE_APPENDER = "file";

  private static final String NAME = "redacted-file";

  private RedactingLog() {}

  /** Puts the redaction in front of the log file's appender, wherever loggers refer to it. */
  static void install() {
    if (!(LogManager.getContext(false) instanceof LoggerContext context)) {
      return;
    }
    Configuration config = context.getConfiguration();
    Appender file = config.getAppender(FILE_APPENDER);
    if (file == null || config.getAppender(NAME) != null) {
      return;
    }
    RewriteAppender redacted =
        RewriteAppender.createAppender(
            NAME,
            "true",
            new AppenderRef[] {AppenderRef.createAppenderRef(FILE_APPENDER, null, null)},
            config,
            new RedactingLog(),
            null);
    redacted.start();
    config.addAppender(redacted);
    for (LoggerConfig logger : config.getLoggers().values()) {
      reroute(logger, redacted);
    }
    reroute(config.getRootLogger(), redacted);
    context.updateLoggers();
  }

  private static void reroute(LoggerConfig logger, Appender redacted) {
    if (logger.getAppenders().containsKey(FILE_APPENDER)) {
      logger.removeAppender(FILE_APPENDER);
      logger.addAppender(redacted, null, null);
    }
  }

  @Override
  public LogEvent rewrite(LogEvent event) {
    String message = event.getMessage().getFormattedMessage();
    Throwable thrown = event.getThrown();
    String text = message;
    if (thrown != null) {
      StringWriter trace = new StringWriter();
      thrown.printStackTrace(new PrintWriter(trace));
      text = message + System.lineSeparator() + trace.toString().stripTrailing();
    }
    String hidden = Redaction.text(text);
    if (hidden.equals(text)) {
      return event;
    }
    // The stack trace becomes text, so that the exception's messages are hidden too.
    return new Log4jLogEvent.Builder(event)
        .setMessage(new SimpleMessage(hidden))
        .setThrown(null)
        .setThrownProxy(null)
        .build();
  }
}
