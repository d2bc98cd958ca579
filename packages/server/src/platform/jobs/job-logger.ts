import os from 'node:os';
import type { JobLogger, LogLevel } from './jobs.types.ts';

const PINO_LEVELS: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50 };
const THRESHOLDS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

/** JSON lines in pino's shape on stdout, next to the HTTP server's log. */
export function jsonLineLogger(level: string, write: (line: string) => void = (line) => process.stdout.write(line)): JobLogger {
  const threshold = THRESHOLDS[level] ?? 30;
  const base = { pid: process.pid, hostname: os.hostname() };
  return (lineLevel, msg, fields) => {
    const numeric = PINO_LEVELS[lineLevel];
    if (numeric < threshold) return;
    write(`${JSON.stringify({ level: numeric, time: Date.now(), ...base, ...fields, msg })}\n`);
  };
}

export const silentLogger: JobLogger = () => undefined;

/** Error text kept in `last_error`: the stack when there is one, at most 4 KiB. */
export function describeError(error: unknown): string {
  const text = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  return text.length > 4096 ? `${text.slice(0, 4093)}...` : text;
}
