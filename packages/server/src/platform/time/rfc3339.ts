const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/** Instants every store can hold: years 0001 to 9999 in UTC (PostgreSQL has no year 0). */
const EARLIEST = Date.parse('0001-01-01T00:00:00.000Z');
const LATEST = Date.parse('9999-12-31T23:59:59.999Z');
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!;
}

/**
 * An RFC 3339 `date-time` (section 5.6) naming a real instant: calendar dates that exist
 * (no February 30), hours 00-23, minutes and seconds 00-59, offsets up to ±23:59, years 0001-9999.
 * Leap seconds (`23:59:60`) are refused: no store or JavaScript Date can hold them exactly.
 * Undefined for anything else.
 */
export function parseRfc3339DateTime(text: string): Date | undefined {
  const match = DATE_TIME.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  if (match[8] !== undefined && (Number(match[9]) > 23 || Number(match[10]) > 59)) return undefined;
  const date = new Date(text);
  const time = date.getTime();
  return Number.isNaN(time) || time < EARLIEST || time > LATEST ? undefined : date;
}
