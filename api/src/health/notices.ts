import { ERROR_CATALOGUE, OUTBOX_COUNT_CAP, reconnectHelps } from '@lms-m365/contracts';
import type { ConnectionRecord } from '../connections/model';
import type { Incident, NoticeKind, OutboxCounters } from './incident';
import { needsAdmin } from '../errors/failureKind';
import { sitePath } from '../catalogs/catalogId';

export type NoticeLanguage = 'en' | 'ja' | 'both';

export interface NoticeText {
  subject: string;
  text: string;
}

interface Facts {
  catalog: string;
  /** How a subject names the catalog (catalogName: its title and path, or its path; the body has the whole URL). */
  site: string;
  account: string;
  since: string;
  code: string;
  title: string;
  remedy: string;
  page: string;
  waiting: number;
  /** A restored notice: how many were held (or waited) when the connection worked again, and when that was. */
  held: number;
  resumed: string;
  wentOut: number;
  expired: number;
  failed: number;
  /** Of those held: cancelled by the LMS since. */
  cancelled: number;
  /** Whether a new sign-in can cure it: the link then invites a reconnect (the page offers one). */
  reconnect: boolean;
  /** Closed by a disconnect: who disconnected, when known. */
  disconnectedBy: string | null;
}

/**
 * A time as a person reads it, in UTC and said so (no recipient's time zone is known): "Jan 5, 2026,
 * 03:12 UTC", "2026年1月5日 03:12（UTC）". What is not a time is shown as it is.
 */
export function readableTime(iso: string, language: 'en' | 'ja'): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return iso;
  }
  const parts = new Intl.DateTimeFormat(language === 'ja' ? 'ja-JP' : 'en-US', { timeZone: 'UTC', year: 'numeric', month: language === 'ja' ? 'numeric' : 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '';
  return language === 'ja'
    ? `${part('year')}年${part('month')}月${part('day')}日 ${part('hour')}:${part('minute')}（UTC）`
    : `${part('month')} ${part('day')}, ${part('year')}, ${part('hour')}:${part('minute')} UTC`;
}

/** Longest site title a subject carries; a longer one is cut (Graph allows 255 characters). */
const TITLE_MAX = 60;

/**
 * How a notice's subject names its catalog, in the flow of a sentence after "catalog" / "カタログ":
 * the site's title (Graph's displayName as the notice is written) and its path, `"Catalog A"
 * (/sites/a)`, `「Catalog A」（/sites/a）`; the path alone (` /sites/a ` in Japanese, spaced from
 * the words around it) when the title is unknown. A title is the site owner's text: control
 * characters and runs of spaces go, and a long one is cut.
 */
export function catalogName(catalog: string, title: string | null | undefined, language: 'en' | 'ja'): string {
  const path = sitePath(catalog);
  const clean = (title ?? '').replace(/[\p{Cc}\p{Cf}\u2028\u2029]+/gu, ' ').replace(/\s+/g, ' ').trim();
  const shown = [...clean].length > TITLE_MAX ? `${[...clean].slice(0, TITLE_MAX - 1).join('').trimEnd()}…` : clean;
  if (!shown) {
    return language === 'ja' ? ` ${path} ` : path;
  }
  return language === 'ja' ? `「${shown}」（${path}）` : `"${shown}" (${path})`;
}

/**
 * English counts: "1 notification is held", "1,234 notifications are held"; the outbox counts up to
 * OUTBOX_COUNT_CAP, so that many reads "10,000 or more" (the page says "10,000+").
 */
function count(n: number, one: string, many: string): string {
  return n >= OUTBOX_COUNT_CAP ? `${OUTBOX_COUNT_CAP.toLocaleString('en-US')} or more ${many}` : `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** Japanese counts: "4 件", "1,234 件", "10,000 件以上". */
function ken(n: number): string {
  return n >= OUTBOX_COUNT_CAP ? `${OUTBOX_COUNT_CAP.toLocaleString('ja-JP')} 件以上` : `${n.toLocaleString('ja-JP')} 件`;
}

const TEXTS: Record<'en' | 'ja', Record<NoticeKind, { subject: (f: Facts) => string; body: (f: Facts) => string }>> = {
  en: {
    alert: {
      subject: (f) => `Action needed: the Microsoft 365 connection of catalog ${f.site} was lost`,
      body: (f) => `The LMS can no longer send email notifications or meeting invitations for catalog ${f.catalog} as ${f.account} (since ${f.since}).\n\nWhy: ${f.title} Error code: ${f.code}\nWhat to do: ${f.remedy}\n\n${f.waiting > 0 ? count(f.waiting, 'notification is held and goes out once the connection works again, unless it expires first', 'notifications are held and go out once the connection works again, unless they expire first') : 'No notification is held now; what the LMS queues from now on is held and goes out once the connection works again, unless it expires first'}. ${f.reconnect ? 'Open the catalog\'s Microsoft 365 connection settings to reconnect' : 'The catalog\'s Microsoft 365 connection settings'}:\n${f.page}`
    },
    reminder: {
      subject: (f) => `Reminder: the Microsoft 365 connection of catalog ${f.site} is still lost`,
      body: (f) => `Since ${f.since}, the LMS cannot send for catalog ${f.catalog} as ${f.account}.\n\nWhy: ${f.title} Error code: ${f.code}\nWhat to do: ${f.remedy}\n\n${count(f.waiting, 'notification is held', 'notifications are held')}. ${f.reconnect ? 'Reconnect here' : 'The catalog\'s Microsoft 365 connection settings'}:\n${f.page}`
    },
    restored: {
      subject: (f) => `Restored: the Microsoft 365 connection of catalog ${f.site} works again`,
      body: (f) => `The LMS sends for catalog ${f.catalog} as ${f.account} again (since ${f.resumed}).\n\n${f.held === 0 ? 'No notification was held while the connection was lost.' : `Of the notifications held while the connection was lost, ${f.wentOut.toLocaleString('en-US')} went out, ${f.expired.toLocaleString('en-US')} had expired and ${f.failed.toLocaleString('en-US')} failed.${f.cancelled > 0 ? ` The LMS cancelled ${f.cancelled.toLocaleString('en-US')} of them.` : ''} ${count(f.waiting, 'is still waiting its turn', 'are still waiting their turn')}.`}\n\n${f.page}`
    }
  },
  ja: {
    alert: {
      subject: (f) => `対応が必要です：カタログ${f.site}の Microsoft 365 接続が切れました`,
      body: (f) => `LMS は ${f.since}以降、カタログ ${f.catalog} のメール通知と会議出席依頼を ${f.account} から送信できません。\n\n原因：${f.title}（エラー コード：${f.code}）\n対処方法：${f.remedy}\n\n${f.waiting > 0 ? `${ken(f.waiting)}の通知を保留しています。接続が回復すると送信されます` : '現在、保留中の通知はありません。これから LMS が送る通知は保留され、接続が回復すると送信されます'}（それまでに期限切れになったものを除く）。${f.reconnect ? 'カタログの Microsoft 365 接続設定を開いて再接続してください' : 'カタログの Microsoft 365 接続設定'}：\n${f.page}`
    },
    reminder: {
      subject: (f) => `リマインダー：カタログ${f.site}の Microsoft 365 接続は切れたままです`,
      body: (f) => `${f.since}以降、LMS はカタログ ${f.catalog} の通知を ${f.account} から送信できません。\n\n原因：${f.title}（エラー コード：${f.code}）\n対処方法：${f.remedy}\n\n${ken(f.waiting)}の通知を保留しています。${f.reconnect ? '再接続はこちら' : 'カタログの Microsoft 365 接続設定'}：\n${f.page}`
    },
    restored: {
      subject: (f) => `回復：カタログ${f.site}の Microsoft 365 接続が復旧しました`,
      body: (f) => `LMS は ${f.resumed}から再びカタログ ${f.catalog} の通知を ${f.account} から送信しています。\n\n${f.held === 0 ? '接続が切れている間に保留した通知はありませんでした。' : `接続が切れている間に保留した通知のうち、${ken(f.wentOut)}を送信し、${ken(f.expired)}は有効期限切れ、${ken(f.failed)}は失敗しました。${f.cancelled > 0 ? `${ken(f.cancelled)}は LMS が取り消しました。` : ''}${ken(f.waiting)}は送信の順番を待っています。`}\n\n${f.page}`
    }
  }
};

/**
 * A sending block's notices (SENDING_BLOCKED, SEND_AS_DENIED, MAILBOX_FULL): the connection works, Exchange stopped the account
 * from sending - nothing is held, notifications wait their turn and the LMS tries again hourly.
 */
const BLOCKED_TEXTS: typeof TEXTS = {
  en: {
    alert: {
      subject: (f) => `Action needed: Exchange Online stopped sending for catalog ${f.site}`,
      body: (f) => `Exchange Online stopped ${f.account} from sending, so the LMS cannot send email notifications or meeting invitations for catalog ${f.catalog} (since ${f.since}).\n\nWhy: ${f.title} Error code: ${f.code}\nWhat to do: ${f.remedy}\n\n${f.waiting > 0 ? `${count(f.waiting, 'notification waits and goes out once Exchange lets the account send again, unless it expires first', 'notifications wait and go out once Exchange lets the account send again, unless they expire first')}` : 'No notification is waiting now: the LMS tries again as soon as one is, and a test email that goes through lifts the block at once'}. The catalog's Microsoft 365 connection settings:\n${f.page}`
    },
    reminder: {
      subject: (f) => `Reminder: Exchange Online still stops sending for catalog ${f.site}`,
      body: (f) => `Since ${f.since}, Exchange Online has stopped ${f.account} from sending, so the LMS cannot send for catalog ${f.catalog}.\n\nWhy: ${f.title} Error code: ${f.code}\nWhat to do: ${f.remedy}\n\n${count(f.waiting, 'notification waits', 'notifications wait')}.\n${f.page}`
    },
    restored: {
      subject: (f) => `Restored: sending for catalog ${f.site} works again`,
      body: (f) => `Exchange Online lets ${f.account} send again: the LMS sends for catalog ${f.catalog} (since ${f.resumed}).\n\n${f.held === 0 ? 'No notification was waiting.' : `Of the notifications that waited, ${f.wentOut.toLocaleString('en-US')} went out, ${f.expired.toLocaleString('en-US')} had expired and ${f.failed.toLocaleString('en-US')} failed.${f.cancelled > 0 ? ` The LMS cancelled ${f.cancelled.toLocaleString('en-US')} of them.` : ''} ${count(f.waiting, 'is still waiting its turn', 'are still waiting their turn')}.`}\n\n${f.page}`
    }
  },
  ja: {
    alert: {
      subject: (f) => `対応が必要です：Exchange Online がカタログ${f.site}の送信を停止しました`,
      body: (f) => `Exchange Online が ${f.account} からの送信を停止したため、LMS は ${f.since}以降、カタログ ${f.catalog} のメール通知と会議出席依頼を送信できません。\n\n原因：${f.title}（エラー コード：${f.code}）\n対処方法：${f.remedy}\n\n${f.waiting > 0 ? `${ken(f.waiting)}の通知が送信待ちです。Exchange がこのアカウントからの送信を再び許可すると送信されます（それまでに期限切れになったものを除く）。` : '現在、送信待ちの通知はありません。通知が送信待ちになるとすぐに LMS が再試行します。テスト メールを送信できれば、停止はすぐに解除されます。'}カタログの Microsoft 365 接続設定：\n${f.page}`
    },
    reminder: {
      subject: (f) => `リマインダー：Exchange Online はカタログ${f.site}の送信を停止したままです`,
      body: (f) => `${f.since}以降、Exchange Online が ${f.account} からの送信を停止しているため、LMS はカタログ ${f.catalog} の通知を送信できません。\n\n原因：${f.title}（エラー コード：${f.code}）\n対処方法：${f.remedy}\n\n${ken(f.waiting)}の通知が送信待ちです。\n${f.page}`
    },
    restored: {
      subject: (f) => `回復：カタログ${f.site}の送信が再開されました`,
      body: (f) => `Exchange Online が ${f.account} からの送信を再び許可しました。LMS は ${f.resumed}からカタログ ${f.catalog} の通知を送信しています。\n\n${f.held === 0 ? '送信待ちの通知はありませんでした。' : `送信待ちだった通知のうち、${ken(f.wentOut)}を送信し、${ken(f.expired)}は有効期限切れ、${ken(f.failed)}は失敗しました。${f.cancelled > 0 ? `${ken(f.cancelled)}は LMS が取り消しました。` : ''}${ken(f.waiting)}は送信の順番を待っています。`}\n\n${f.page}`
    }
  }
};

/**
 * The notice that closes an incident an admin ended by disconnecting the account: nothing is left to
 * reconnect for it, and what is held waits for an account to be connected. `waiting`: held now.
 */
const DISCONNECTED_TEXTS: Record<'en' | 'ja', { subject: (f: Facts) => string; body: (f: Facts) => string }> = {
  en: {
    subject: (f) => `Closed: the Microsoft 365 account of catalog ${f.site} was disconnected`,
    body: (f) => `${f.disconnectedBy ? `${f.disconnectedBy}, an admin of catalog ${f.catalog},` : `An admin of catalog ${f.catalog}`} disconnected ${f.account} (${f.resumed}). This closes the alert about it (a problem since ${f.since}): nothing more needs doing for that account.\n\nUntil an account is connected again, the LMS sends nothing for the catalog. ${f.waiting > 0 ? count(f.waiting, 'notification is held and goes out once an account is connected, unless it expires first', 'notifications are held and go out once an account is connected, unless they expire first') : 'No notification is held'}. The catalog's Microsoft 365 connection settings:\n${f.page}`
  },
  ja: {
    subject: (f) => `終了：カタログ${f.site}の Microsoft 365 アカウントの接続が解除されました`,
    body: (f) => `カタログ ${f.catalog} の管理者${f.disconnectedBy ? ` ${f.disconnectedBy} ` : ''}が ${f.resumed}に ${f.account} の接続を解除しました。${f.since}からの問題についてのアラートはこれで終了し、このアカウントについて必要な操作はもうありません。\n\nアカウントが再び接続されるまで、LMS はこのカタログの通知を送信しません。${f.waiting > 0 ? `${ken(f.waiting)}の通知を保留しています。アカウントが接続されると送信されます（それまでに期限切れになったものを除く）。` : '保留中の通知はありません。'}カタログの Microsoft 365 接続設定：\n${f.page}`
  }
};

/**
 * Who an incident's notices go to (alerts.ts): the catalog's alert recipients, or the admin who
 * connected the account when it has none; the LMS admins; how many people in all.
 */
export interface NoticeAudience {
  alertRecipients: number;
  connectedBy: boolean;
  lmsAdmins: number;
  total: number;
}

/** The notice's last line: who else got it - one language's group does not see the others' mail. */
function audienceLine(audience: NoticeAudience, lang: 'en' | 'ja'): string {
  const en = lang === 'en';
  const parts = [
    ...(audience.alertRecipients > 0 ? [en ? 'the catalog\'s alert recipients' : 'カタログのアラートを送る相手'] : audience.connectedBy ? [en ? 'the admin who connected the account' : 'アカウントを接続した管理者'] : []),
    ...(audience.lmsAdmins > 0 ? [en ? 'the LMS administrators' : 'LMS 管理者'] : [])
  ];
  const line = en
    ? `Sent to ${parts.join(' and ')} (${audience.total} ${audience.total === 1 ? 'person' : 'people'} in all).`
    : `送信先：${parts.join('、')}（計 ${audience.total} 人）。`;
  if (audience.alertRecipients > 0) {
    return line;
  }
  return en ? `${line} No alert recipients are set for this catalog: choose them on its settings page.` : `${line}このカタログにはアラートを送る相手が設定されていません。設定ページで選んでください。`;
}

/**
 * The text of an incident notice (R-LOSS-2, R-OPS-3): the catalog, the cause in plain words and
 * its remedy from the error catalogue, and a link to the settings page - in the recipient's
 * language, or English and Japanese both when it is not known - and, with `audience`, who it went
 * to. Plain text: nothing in it is HTML.
 */
export function noticeText(kind: NoticeKind, language: NoticeLanguage, record: ConnectionRecord, incident: Incident, page: string, now: OutboxCounters, audience?: NoticeAudience, siteTitle?: string | null): NoticeText {
  const at = incident.atResolution;
  const delta = (field: 'sent' | 'expired' | 'failed' | 'cancelled'): number => (at ? Math.max(0, (now[field] ?? 0) - (at[field] ?? 0)) : 0);
  const held = at?.pending ?? 0;
  const wentOut = Math.min(held, delta('sent'));
  const expired = Math.min(held - wentOut, delta('expired'));
  const failed = Math.min(held - wentOut - expired, delta('failed'));
  const cancelled = Math.min(held - wentOut - expired - failed, delta('cancelled'));
  // A lost connection's reason as the page shows it now: it may have changed since the incident
  // opened (a policy lifted after the refresh token expired is TOKEN_REVOKED, which Reconnect cures).
  const code = kind !== 'restored' && !needsAdmin(incident.code) && record.health.state === 'lost' && record.health.code ? record.health.code : incident.code;
  // Closed by a disconnect: it names the account the record no longer has, and what is held now
  // waits for an account to be connected.
  const closed = kind === 'restored' ? incident.disconnected : undefined;
  const facts = (lang: 'en' | 'ja'): Facts => ({
    catalog: record.catalog,
    site: catalogName(record.catalog, siteTitle, lang),
    account: closed?.account ?? record.account?.email ?? incident.code,
    since: readableTime(incident.since, lang),
    code,
    title: ERROR_CATALOGUE[code].title[lang],
    remedy: ERROR_CATALOGUE[code].remedy[lang],
    page,
    waiting: kind === 'restored' && !closed ? Math.max(0, held - wentOut - expired - failed - cancelled) : now.pending,
    held,
    resumed: readableTime(incident.resolvedAt ?? '', lang),
    wentOut,
    expired,
    failed,
    cancelled,
    reconnect: reconnectHelps(code),
    disconnectedBy: closed?.by ?? null
  });
  const texts = needsAdmin(incident.code) ? BLOCKED_TEXTS : TEXTS;
  const template = (lang: 'en' | 'ja'): { subject: (f: Facts) => string; body: (f: Facts) => string } => (closed ? DISCONNECTED_TEXTS[lang] : texts[lang][kind]);
  const text = (lang: 'en' | 'ja'): NoticeText => {
    const f = facts(lang);
    return { subject: template(lang).subject(f), text: `${template(lang).body(f)}${audience ? `\n\n${audienceLine(audience, lang)}` : ''}` };
  };
  if (language !== 'both') {
    return text(language);
  }
  const [en, ja] = [text('en'), text('ja')];
  return {
    subject: `${en.subject} / ${ja.subject}`,
    text: `${en.text}\n\n----------\n\n${ja.text}`
  };
}

/** A restored notice waits until what was held has been dealt with, or an hour (scaled) at most; a disconnect's at once. */
export function restoredReady(incident: Incident, now: OutboxCounters, nowMs: number, hourMs: number): boolean {
  const at = incident.atResolution;
  if (!at || !incident.resolvedAt) {
    return false;
  }
  // Closed by a disconnect: nothing held goes out until an account is connected, so nothing to wait for.
  if (incident.disconnected) {
    return true;
  }
  const done = (now.sent - at.sent) + (now.expired - at.expired) + (now.failed - at.failed) + ((now.cancelled ?? 0) - (at.cancelled ?? 0));
  return done >= at.pending || nowMs - Date.parse(incident.resolvedAt) >= hourMs;
}

/** Where an account sees, and removes, the applications it gave access to. */
const MY_APPS = 'https://myapplications.microsoft.com';

/**
 * Issue 12 point 1: the account that was connected is told, from the system sender, which catalog
 * now sends as it and which admin connected it - so a mailbox is never bound silently.
 */
export function connectedNoticeText(language: NoticeLanguage, facts: { catalog: string; account: string; admin: string; at: string; page: string; method?: 'modern' | 'classic' | null; siteTitle?: string | null }): NoticeText {
  // What ends the LMS's access on the account's side: its consent (My Apps) for Modern; for
  // Classic, which holds a password, changing the password.
  const classic = facts.method === 'classic';
  const own = {
    en: classic ? 'You can also change your password, which ends the LMS\'s access to your mailbox.' : `If you gave the consent yourself, you can also remove the LMS's access to your account in My Apps: ${MY_APPS}\nAccess that a tenant admin granted for the whole organization only a tenant admin can remove.`,
    ja: classic ? 'パスワードを変更すると、LMS からメールボックスへのアクセスも終了します。' : `ご自身で同意した場合は、マイ アプリ（${MY_APPS}）で LMS のアクセスを取り消すこともできます。テナント管理者が組織全体に対して許可したアクセスは、テナント管理者のみが取り消せます。`
  };
  const texts = {
    en: {
      subject: `Your mailbox was connected to catalog ${catalogName(facts.catalog, facts.siteTitle, 'en')}`,
      text: `${facts.admin} connected ${facts.account} to the LMS catalog ${facts.catalog} (${readableTime(facts.at, 'en')}). The LMS now sends that catalog's email notifications and meeting invitations as ${facts.account}.\n\nIf you did not expect this, ask the catalog's admins to disconnect your mailbox on the catalog's Microsoft 365 connection settings page:\n${facts.page}\n\n${own.en}`
    },
    ja: {
      subject: `あなたのメールボックスがカタログ${catalogName(facts.catalog, facts.siteTitle, 'ja')}に接続されました`,
      text: `${facts.admin} が ${readableTime(facts.at, 'ja')}に ${facts.account} を LMS のカタログ ${facts.catalog} に接続しました。LMS は今後、このカタログのメール通知と会議出席依頼を ${facts.account} から送信します。\n\n心当たりがない場合は、カタログの管理者に、次の Microsoft 365 接続設定ページで接続を解除するよう依頼してください：\n${facts.page}\n\n${own.ja}`
    }
  };
  if (language !== 'both') {
    return texts[language];
  }
  return { subject: `${texts.en.subject} / ${texts.ja.subject}`, text: `${texts.en.text}\n\n----------\n\n${texts.ja.text}` };
}
