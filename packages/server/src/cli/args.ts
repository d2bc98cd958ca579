import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { ConfigOverrides } from '../platform/config.ts';

/** A mistake in how a command was called: printed with the usage, exit code 2. */
export class UsageError extends Error {}

/** A command that could not do its work for a reason the operator can fix: one line, exit code 1. */
export class CommandFailed extends Error {}

export const COMMON = {
  data: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function parse(args: string[], options: NonNullable<ParseArgsConfig['options']>) {
  try {
    return parseArgs({ args, options: { ...COMMON, ...options }, allowPositionals: false, strict: true }).values as Record<string, string | boolean | undefined>;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function overrides(values: Record<string, string | boolean | undefined>): ConfigOverrides {
  const result: { -readonly [K in keyof ConfigOverrides]: ConfigOverrides[K] } = {};
  if (typeof values.data === 'string') result.dataDir = values.data;
  if (typeof values.host === 'string') result.host = values.host;
  if (typeof values.port === 'string') {
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a number from 0 to 65535; got "${values.port}".`);
    result.port = port;
  }
  return result;
}

export function required(values: Record<string, string | boolean | undefined>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} is required.`);
  return value;
}
