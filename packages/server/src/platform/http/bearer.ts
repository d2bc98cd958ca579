import { AppError } from '../errors.ts';

export function bearerToken(header: string | undefined): string {
  if (header === undefined || header.trim() === '') throw AppError.from('AUTHORIZATION_MISSING');
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  if (!match) throw AppError.from('AUTHORIZATION_MALFORMED');
  return match[1]!;
}
