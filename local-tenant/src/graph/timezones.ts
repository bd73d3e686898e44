/**
 * Graph's dateTimeTimeZone: a wall-clock time and a zone, Windows ("Tokyo Standard Time") or IANA
 * ("Asia/Tokyo") - Graph takes both (resources/datetimetimezone, "timeZone"). The few Windows
 * names the fixtures and tests use are mapped; any IANA name Node knows is accepted.
 */
const WINDOWS_ZONES: Record<string, string> = {
  'utc': 'UTC',
  'tokyo standard time': 'Asia/Tokyo',
  'gmt standard time': 'Europe/London',
  'w. europe standard time': 'Europe/Berlin',
  'eastern standard time': 'America/New_York',
  'pacific standard time': 'America/Los_Angeles'
};

/** The IANA zone a Graph timeZone names, or null when Graph would refuse it. */
export function ianaZone(timeZone: string): string | null {
  const mapped = WINDOWS_ZONES[timeZone.toLowerCase()] ?? timeZone;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: mapped }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
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
