package org.entente.security;

import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/**
 * Collects what one logger writes, from any thread. A server refuses a client certificate inside
 * the TLS handshake and only logs why (the client just sees an alert), so this is how a test learns
 * the reason for a refusal. Attach in a test's set-up and {@link #close} in its tear-down.
 */
final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {
  private final Logger logger;
  private final List<String> messages = new CopyOnWriteArrayList<>();

  private LogCapture(Logger logger) {
    this.logger = logger;
  }

  /** Starts capturing {@code type}'s logger; also quietens every other logger to WARN. */
  static LogCapture of(Class<?> type) {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.WARN);
    LogCapture capture = new LogCapture((Logger) LoggerFactory.getLogger(type));
    capture.setContext(root.getLoggerContext());
    capture.start();
    capture.logger.addAppender(capture);
    return capture;
  }

  @Override
  protected void append(ILoggingEvent event) {
    messages.add(event.getFormattedMessage());
  }

  /** Everything captured so far. */
  List<String> messages() {
    return List.copyOf(messages);
  }

  /** Waits (up to 5 s) until some message contains every one of {@code parts}. */
  void awaitMessageContaining(String... parts) {
    await()
        .atMost(Duration.ofSeconds(5))
        .alias("a log message containing " + List.of(parts))
        .until(
            () -> messages.stream().anyMatch(m -> List.of(parts).stream().allMatch(m::contains)));
  }

  @Override
  public void close() {
    logger.detachAppender(this);
    stop();
  }
}
