/**
 * A table string property holds 64 KiB (32,768 UTF-16 units): longer text (a body, a revision, a
 * list of attendees) is stored as numbered chunk properties of at most this many units.
 */
export const CHUNK_CHARS = 30_000;

/**
 * The text in chunks of at most `size` UTF-16 units, never cut between the two halves of a
 * surrogate pair (an emoji, a rare kanji): a lone half is not valid Unicode, and Azure's table
 * service need not store it as sent.
 */
export function textChunks(text: string, size = CHUNK_CHARS): string[] {
  const out: string[] = [];
  for (let start = 0; start < text.length;) {
    let end = Math.min(start + size, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && end - 1 > start && last >= 0xd800 && last <= 0xdbff) {
      end--;
    }
    out.push(text.slice(start, end));
    start = end;
  }
  return out;
}
