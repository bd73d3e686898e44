/**
 * Graph's dateTimeTimeZone: a wall-clock time and a zone, a Windows name ("Tokyo Standard Time") or
 * one of the IANA names Graph documents beside them ("Additional time zones",
 * learn.microsoft.com/graph/api/resources/datetimetimezone; create and update "might not support
 * all" others, and an unlisted IANA name is refused with TimeZoneNotSupportedException,
 * microsoft-graph-docs#4758). The page spells four with a newer name in front ("Asia/Astana
 * (Almaty)"); the bracketed ones are the identifiers. The few Windows names the fixtures and tests
 * use are mapped.
 * The list is Microsoft's, kept here on its own: the stand-in does not take it from the API it checks.
 */
const WINDOWS_ZONES: Record<string, string> = {
  'utc': 'UTC',
  'tokyo standard time': 'Asia/Tokyo',
  'gmt standard time': 'Europe/London',
  'w. europe standard time': 'Europe/Berlin',
  'eastern standard time': 'America/New_York',
  'pacific standard time': 'America/Los_Angeles'
};

export const DOCUMENTED_IANA: ReadonlySet<string> = new Set(`Etc/GMT+12 Etc/GMT+11 Pacific/Honolulu America/Anchorage America/Santa_Isabel America/Los_Angeles
America/Phoenix America/Chihuahua America/Denver America/Guatemala America/Chicago America/Mexico_City America/Regina America/Bogota
America/New_York America/Indiana/Indianapolis America/Caracas America/Asuncion America/Halifax America/Cuiaba America/La_Paz
America/Santiago America/St_Johns America/Sao_Paulo America/Argentina/Buenos_Aires America/Cayenne America/Godthab America/Montevideo
America/Bahia Etc/GMT+2 Atlantic/Azores Atlantic/Cape_Verde Africa/Casablanca Etc/GMT Europe/London Atlantic/Reykjavik Europe/Berlin
Europe/Budapest Europe/Paris Europe/Warsaw Africa/Lagos Africa/Windhoek Europe/Bucharest Asia/Beirut Africa/Cairo Asia/Damascus
Africa/Johannesburg Europe/Kiev Europe/Istanbul Asia/Jerusalem Asia/Amman Asia/Baghdad Europe/Kaliningrad Asia/Riyadh Africa/Nairobi
Asia/Tehran Asia/Dubai Asia/Baku Europe/Moscow Indian/Mauritius Asia/Tbilisi Asia/Yerevan Asia/Kabul Asia/Karachi Asia/Tashkent
Asia/Kolkata Asia/Colombo Asia/Kathmandu Asia/Almaty Asia/Dhaka Asia/Yekaterinburg Asia/Rangoon Asia/Bangkok Asia/Novosibirsk
Asia/Shanghai Asia/Krasnoyarsk Asia/Singapore Australia/Perth Asia/Taipei Asia/Ulaanbaatar Asia/Irkutsk Asia/Tokyo Asia/Seoul
Australia/Adelaide Australia/Darwin Australia/Brisbane Australia/Sydney Pacific/Port_Moresby Australia/Hobart Asia/Yakutsk
Pacific/Guadalcanal Asia/Vladivostok Pacific/Auckland Etc/GMT-12 Pacific/Fiji Asia/Magadan Pacific/Tongatapu Pacific/Apia
Pacific/Kiritimati`.split(/\s+/));

/** The IANA zone a Graph timeZone names, or null when Graph would refuse it. */
export function ianaZone(timeZone: string): string | null {
  const mapped = WINDOWS_ZONES[timeZone.toLowerCase()];
  if (mapped) return mapped;
  return DOCUMENTED_IANA.has(timeZone) ? timeZone : null;
}

/** Milliseconds the zone's clock is ahead of UTC at instant `ms`. */
function offsetAt(ms: number, zone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(new Date(ms))
      .map((p) => [p.type, p.value])
  );
  return Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second)) - Math.floor(ms / 1000) * 1000;
}

/** A wall-clock time in a zone as an instant (the earlier one when the clocks go back). */
export function zonedToUtcMs(dateTime: string, timeZone: string): number {
  if (/Z|[+-]\d\d:\d\d$/.test(dateTime)) return Date.parse(dateTime);
  const wall = Date.parse(`${dateTime.replace(/\.\d+$/, '')}Z`);
  const zone = ianaZone(timeZone) ?? 'UTC';
  const first = wall - offsetAt(wall - 12 * 3_600_000, zone);
  const second = wall - offsetAt(wall + 12 * 3_600_000, zone);
  // Of the two offsets around the time, the one whose instant reads back as this wall time.
  const reads = (ms: number): boolean => ms + offsetAt(ms, zone) === wall;
  return reads(first) ? first : reads(second) ? second : wall - offsetAt(wall, zone);
}

/** An instant as a wall-clock time in a zone: 2026-12-10T10:00:00.0000000, as Graph writes it. */
export function utcMsToZoned(ms: number, timeZone: string): string {
  const zone = ianaZone(timeZone) ?? 'UTC';
  return `${new Date(ms + offsetAt(ms, zone)).toISOString().slice(0, 19)}.0000000`;
}
