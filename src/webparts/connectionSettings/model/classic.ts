/** MC786329: Exchange Online turns basic authentication for SMTP client submission off by default from 31 December 2026. */
export const BASIC_AUTH_OFF_BY_DEFAULT = Date.UTC(2026, 11, 31);

/** Before that day the page announces the change; from it on, it says a password no longer sends by default. */
export function basicAuthRetired(today: Date): boolean {
  return today.getTime() >= BASIC_AUTH_OFF_BY_DEFAULT;
}
