import en from '../loc/en-us';
import ja from '../loc/ja-jp';
import { plainSpaces } from '../test/fakes';
import { formatTime, timeFormat } from './formatTime';

describe('formatTime', () => {
  it('names the zone, since the notices say UTC and admins of one catalog may sit in different zones', () => {
    const at = new Date('2026-12-07T05:15:00Z');
    expect(timeFormat(ja.locale, 'Asia/Tokyo').format(at)).toBe('2026年12月7日 14:15 JST');
    expect(timeFormat(en.locale, 'Asia/Tokyo').format(at)).toBe('Dec 7, 2026, 2:15 PM GMT+9');
    expect(timeFormat(en.locale, 'UTC').format(at)).toBe('Dec 7, 2026, 5:15 AM UTC');
  });

  it('formats in the browser zone with the one formatter per language; the clock and zone do not break apart', () => {
    const at = new Date('2026-12-07T05:15:00Z');
    expect(formatTime(at.toISOString(), ja)).toBe(timeFormat(ja.locale).format(at).replace(/ (?=[^ ]*$)/, '\u00a0'));
    const en12 = formatTime(at.toISOString(), en);
    expect(plainSpaces(en12)).toBe(plainSpaces(timeFormat(en.locale).format(at)));
    // "Dec 7, 2026, 5:15 AM UTC": the date may wrap, the clock with its zone may not.
    expect(en12.split(' ')).toEqual(['Dec', '7,', '2026,', expect.stringMatching(/^\d{1,2}:15[\u00a0\u202f][AP]M\u00a0\S+$/)]);
    expect(timeFormat(ja.locale)).toBe(timeFormat(ja.locale));
    expect(timeFormat(ja.locale, 'UTC')).not.toBe(timeFormat(ja.locale, 'Asia/Tokyo'));
  });

  it('says "never" for no time and gives back what is not a time', () => {
    expect(formatTime(null, en)).toBe(en.never);
    expect(formatTime(undefined, ja)).toBe(ja.never);
    expect(formatTime('yesterday', en)).toBe('yesterday');
  });
});
