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
  // Spellings known: the zones Graph documents (links such as Asia/Kolkata among them), then what
  // ICU resolves the name to - every zone ICU lists resolves to its own spelling from any case
  // (sessions.test checks them all). A link ICU knows under another name only (Europe/Kyiv) cannot
  // be checked for its case.
  const resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  const known = GRAPH_SPELLINGS.get(name.toLowerCase()) ?? (resolved.toLowerCase() === name.toLowerCase() ? resolved : name);
  return known !== name ? { valid: false, canonical: known } : { valid: true };
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

/**
 * The IANA names Microsoft Graph documents for dateTimeTimeZone beside Windows names ("Additional
 * time zones", learn.microsoft.com/graph/api/resources/datetimetimezone). Graph says create and
 * update "might not support all" zones, and an unlisted IANA name can be refused with
 * TimeZoneNotSupportedException (microsoft-graph-docs#4758): a session in any other zone goes to
 * Graph in UTC (the same instant; attendees see it in their own zone anyway). The page writes four
 * names with a newer spelling in front ("Europe/Kyiv (Kiev)", "Asia/Toshkent (Tashkent)", "Asia/Astana
 * (Almaty)", "Asia/Yangon (Rangoon)"); the names in brackets are the identifiers (Toshkent and
 * Astana are not IANA names at all), so those are the ones listed.
 */
export const GRAPH_IANA_ZONES: ReadonlySet<string> = new Set([
  'Etc/GMT+12', 'Etc/GMT+11', 'Pacific/Honolulu', 'America/Anchorage', 'America/Santa_Isabel', 'America/Los_Angeles', 'America/Phoenix',
  'America/Chihuahua', 'America/Denver', 'America/Guatemala', 'America/Chicago', 'America/Mexico_City', 'America/Regina', 'America/Bogota',
  'America/New_York', 'America/Indiana/Indianapolis', 'America/Caracas', 'America/Asuncion', 'America/Halifax', 'America/Cuiaba',
  'America/La_Paz', 'America/Santiago', 'America/St_Johns', 'America/Sao_Paulo', 'America/Argentina/Buenos_Aires', 'America/Cayenne',
  'America/Godthab', 'America/Montevideo', 'America/Bahia', 'Etc/GMT+2', 'Atlantic/Azores', 'Atlantic/Cape_Verde', 'Africa/Casablanca',
  'Etc/GMT', 'Europe/London', 'Atlantic/Reykjavik', 'Europe/Berlin', 'Europe/Budapest', 'Europe/Paris', 'Europe/Warsaw', 'Africa/Lagos',
  'Africa/Windhoek', 'Europe/Bucharest', 'Asia/Beirut', 'Africa/Cairo', 'Asia/Damascus', 'Africa/Johannesburg', 'Europe/Kiev',
  'Europe/Istanbul', 'Asia/Jerusalem', 'Asia/Amman', 'Asia/Baghdad', 'Europe/Kaliningrad', 'Asia/Riyadh', 'Africa/Nairobi', 'Asia/Tehran',
  'Asia/Dubai', 'Asia/Baku', 'Europe/Moscow', 'Indian/Mauritius', 'Asia/Tbilisi', 'Asia/Yerevan', 'Asia/Kabul', 'Asia/Karachi',
  'Asia/Tashkent', 'Asia/Kolkata', 'Asia/Colombo', 'Asia/Kathmandu', 'Asia/Almaty', 'Asia/Dhaka', 'Asia/Yekaterinburg', 'Asia/Rangoon', 'Asia/Bangkok',
  'Asia/Novosibirsk', 'Asia/Shanghai', 'Asia/Krasnoyarsk', 'Asia/Singapore', 'Australia/Perth', 'Asia/Taipei', 'Asia/Ulaanbaatar',
  'Asia/Irkutsk', 'Asia/Tokyo', 'Asia/Seoul', 'Australia/Adelaide', 'Australia/Darwin', 'Australia/Brisbane', 'Australia/Sydney',
  'Pacific/Port_Moresby', 'Australia/Hobart', 'Asia/Yakutsk', 'Pacific/Guadalcanal', 'Asia/Vladivostok', 'Pacific/Auckland', 'Etc/GMT-12',
  'Pacific/Fiji', 'Asia/Magadan', 'Pacific/Tongatapu', 'Pacific/Apia', 'Pacific/Kiritimati', 'UTC'
]);
/** Graph's names by their lower case. */
const GRAPH_SPELLINGS: ReadonlyMap<string, string> = new Map([...GRAPH_IANA_ZONES].map((zone) => [zone.toLowerCase(), zone]));

/** An instant as Graph's dateTimeTimeZone: in the session's zone when Graph documents it, else in UTC. */
export function graphDateTime(at: DateTime, zone: string): { dateTime: string; timeZone: string } {
  const inZone = GRAPH_IANA_ZONES.has(zone);
  return { dateTime: (inZone ? at.setZone(zone) : at.toUTC()).toFormat("yyyy-MM-dd'T'HH:mm:ss"), timeZone: inZone ? zone : 'UTC' };
}
