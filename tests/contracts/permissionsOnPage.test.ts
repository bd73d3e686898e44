import { readFileSync } from 'node:fs';
import path from 'node:path';
import en from '../../src/webparts/connectionSettings/loc/en-us';
import ja from '../../src/webparts/connectionSettings/loc/ja-jp';

const ROOT = path.resolve(__dirname, '..', '..');
const FILE = JSON.parse(readFileSync(path.join(ROOT, 'infra', 'permissions.json'), 'utf8')) as { permissions: { app: string; resource: string; type: string; permission: string }[] };

/** What each line of the page's "what the account allows" list stands for (R-MOD-4: the permissions, in plain words). */
const LINE_FOR: Record<string, string> = {
  permissionMailSend: 'Mail.Send',
  permissionPlaceRead: 'Place.Read.All',
  permissionCalendars: 'Calendars.ReadWrite',
  permissionUserRead: 'User.Read',
  permissionOfflineAccess: 'offline_access',
  permissionSmtpSend: 'SMTP.Send'
};

describe('the page names the permissions the account grants (R-MOD-4)', () => {
  test('one line of ModernSection\'s list per delegated Microsoft Graph permission of infra/permissions.json, no more, in both languages', () => {
    const source = readFileSync(path.join(ROOT, 'src', 'webparts', 'connectionSettings', 'components', 'ModernSection.tsx'), 'utf8');
    const lines = [...source.matchAll(/strings\.(permission(?!sHeading)\w+)/g)].map((m) => m[1]);
    expect(lines.every((line) => line in LINE_FOR)).toBe(true);
    const onPage = lines.map((line) => LINE_FOR[line]).sort();
    const granted = FILE.permissions.filter((p) => p.app === 'connectionApi' && p.type === 'delegated' && p.resource === 'graph').map((p) => p.permission).sort();
    expect(onPage).toEqual(granted);
    for (const line of lines) {
      expect([line, (en as unknown as Record<string, string>)[line].length > 10, (ja as unknown as Record<string, string>)[line].length > 5]).toEqual([line, true, true]);
    }
  });
});
