package org.entente.bench;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/**
 * When a logger of the product logged each of its messages (wall-clock milliseconds), for lining up
 * a step the product only logs with the benchmark's own times, without touching product code.
 * Captures everything the logger logs from {@link #attach} until {@link #close}. Thread-safe.
 */
final class LogTimes implements AutoCloseable {
  /** A logged message and when. */
  record Line(long atMs, String message) {}

  private final Logger logger;
  private final List<Line> lines = new CopyOnWriteArrayList<>();
  private final AppenderBase<ILoggingEvent> appender =
      new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent e) {
          lines.add(new Line(e.getTimeStamp(), e.getFormattedMessage()));
        }
      };

  private LogTimes(Class<?> source) {
    logger = (Logger) LoggerFactory.getLogger(source);
    appender.setContext(logger.getLoggerContext());
    appender.start();
    logger.addAppender(appender);
  }

  static LogTimes attach(Class<?> source) {
    return new LogTimes(source);
  }

  List<Line> lines() {
    return List.copyOf(lines);
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
    appender.stop();
  }
}
