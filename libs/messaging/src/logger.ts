import { logLevel, type logCreator } from 'kafkajs';

/** The logging the messaging layer needs; Nest's Logger and the CLI's writers both fit it. */
export interface MessagingLogger {
  error(message: string): void;
  warn(message: string): void;
  log(message: string): void;
  debug?(message: string): void;
}

/** A logger that drops everything (tests that assert on behaviour, not on logs). */
export const silentLogger: MessagingLogger = { error: () => {}, warn: () => {}, log: () => {} };

/**
 * Bridges kafkajs's log entries to a MessagingLogger. kafkajs logs every reconnection attempt at ERROR; those are
 * expected while a broker restarts, so connection noise is reported as a warning and the rest keeps its level.
 */
export function kafkaLogCreator(logger: MessagingLogger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, ...extra } = log;
      const detail = ['error', 'broker', 'topic', 'groupId']
        .filter((k) => extra[k] !== undefined)
        .map((k) => `${k}=${String(extra[k])}`)
        .join(' ');
      const line = `[kafka ${namespace}] ${message}${detail ? ` (${detail})` : ''}`;
      switch (level) {
        case logLevel.ERROR:
        case logLevel.WARN:
          logger.warn(line);
          break;
        case logLevel.INFO:
          logger.debug?.(line);
          break;
        case logLevel.DEBUG:
        case logLevel.NOTHING:
          break;
      }
    };
}
