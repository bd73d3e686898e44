import { DateTime } from 'luxon';
import type { LocalDateTimeType } from '@lms-m365/contracts';
import { ApiError } from '../errors/apiError';

/** A session's wall-clock time in its IANA zone, checked: the zone exists and so does the time in it. */
export function zoned(local: LocalDateTimeType, field: string): DateTime {
  const text = local.dateTime.length === 16 ? `${local.dateTime}:00` : local.dateTime;
  const at = DateTime.fromISO(text, { zone: local.timeZone });
  if (!at.isValid) {
    throw new ApiError('VALIDATION_FAILED', { detail: at.invalidReason === 'unsupported zone' ? `${field}.timeZone is not an IANA time zone.` : `${field}.dateTime is not a valid date and time.` });
  }
  // A clock moved forward skips an hour (daylight saving starts): Luxon moves such a time on, so it reads back differently.
  if (at.toFormat("yyyy-MM-dd'T'HH:mm:ss") !== text) {
    throw new ApiError('VALIDATION_FAILED', { detail: `${field}.dateTime does not exist in ${local.timeZone} (the clocks go forward then).` });
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
