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
  return parseWithPositionals(args, options, 0).values;
}

export function parseWithPositionals(args: string[], options: NonNullable<ParseArgsConfig['options']>, positionals: number) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...COMMON, ...options }, allowPositionals: positionals > 0, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (parsed.positionals.length > positionals) throw new UsageError(`Unexpected argument "${parsed.positionals[positionals]}".`);
  return { values: parsed.values as Record<string, string | boolean | undefined>, positionals: parsed.positionals };
}

export function positiveInteger(values: Record<string, string | boolean | undefined>, name: string, fallback: number, max: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (typeof raw !== 'string' || !Number.isInteger(value) || value < 1 || value > max) throw new UsageError(`--${name} must be an integer from 1 to ${max}; got "${raw}".`);
  return value;
}

export function overrides(values: Record<string, string | boolean | undefined>): ConfigOverrides {
  const result: { -readonly [K in keyof ConfigOverrides]: ConfigOverrides[K] } = {};
  if (typeof values.data === 'string') result.dataDir = values.data;
  if (typeof values.host === 'string') result.host = values.host;
  if (values['no-worker'] === true) result.worker = false;
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
