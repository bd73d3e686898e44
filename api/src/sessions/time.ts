import { DateTime, IANAZone } from 'luxon';
import type { LocalDateTimeType } from '@lms-m365/contracts';
import { ApiError } from '../errors/apiError';

/**
 * The zone's own spelling when `name` is an IANA zone written in another case (asia/tokyo): the
 * name goes to Graph as it is, so it must be the zone's. Undefined when it is not an IANA zone
 * at all - Luxon also reads "UTC+9", "local" or "system", which Graph refuses (or would take as
 * the server's zone).
 */
function ianaZone(name: string): { valid: boolean; canonical?: string } {
  if (!IANAZone.isValidZone(name) || /^[+-]|^(local|system|default)$/i.test(name)) {
    return { valid: false };
  }
  const resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  return resolved.toLowerCase() === name.toLowerCase() && resolved !== name ? { valid: false, canonical: resolved } : { valid: true };
}

/** A session's wall-clock time in its IANA zone, checked: the zone exists and so does the time in it. */
export function zoned(local: LocalDateTimeType, field: string): DateTime {
  const zone = ianaZone(local.timeZone);
  if (!zone.valid) {
    throw new ApiError('VALIDATION_FAILED', { detail: zone.canonical ? `${field}.timeZone is spelt ${zone.canonical}.` : `${field}.timeZone is not an IANA time zone (such as Asia/Tokyo or UTC).` });
  }
  const text = local.dateTime.length === 16 ? `${local.dateTime}:00` : local.dateTime;
  const at = DateTime.fromISO(text, { zone: local.timeZone });
  // Luxon reads 24:00 as the next day's midnight: not a wall-clock time of its own.
  if (!at.isValid || !/T([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/.test(text)) {
    throw new ApiError('VALIDATION_FAILED', { detail: `${field}.dateTime is not a valid date and time.` });
  }
  // A clock moved forward skips an hour (daylight saving starts): Luxon moves such a time on, so it reads back differently.
  if (at.toFormat("yyyy-MM-dd'T'HH:mm:ss") !== text) {
    throw new ApiError('VALIDATION_FAILED', { detail: `${field}.dateTime does not exist in ${local.timeZone} (the clocks go forward then).` });
  }
  // A clock moved back repeats an hour (daylight saving ends): Exchange, RFC 5545 readers and parsers
  // disagree on which of the two is meant, so such a time is refused rather than guessed.
  // It does when another instant has the same wall clock: one at which the zone's offset is
  // another of the offsets it has within a day of it (repeats are 30 minutes to a few hours).
  const wallAsUtc = DateTime.fromISO(text, { zone: 'utc' }).toMillis();
  const offsets = new Set<number>();
  for (let k = -48; k <= 48; k++) {
    offsets.add(DateTime.fromMillis(at.toMillis() + k * 30 * 60_000, { zone: local.timeZone }).offset);
  }
  const twice = [...offsets].some((offset) => {
    const other = wallAsUtc - offset * 60_000;
    return other !== at.toMillis() && DateTime.fromMillis(other, { zone: local.timeZone }).offset === offset;
  });
  if (twice) {
    throw new ApiError('VALIDATION_FAILED', { detail: `${field}.dateTime happens twice in ${local.timeZone} (the clocks go back then); give a time outside the repeated hour.` });
  }
  return at;
}

/** The session's start and end as instants, end after start. */
export function sessionTimes(start: LocalDateTimeType, end: LocalDateTimeType): { start: DateTime; end: DateTime } {
  const s = zoned(start, 'start');
  const e = zoned(end, 'end');
  if (e.toMillis() <= s.toMillis()) {
    throw new ApiError('VALIDATION_FAILED', { detail: 'end is not after start.' });
  }
  return { start: s, end: e };
}
