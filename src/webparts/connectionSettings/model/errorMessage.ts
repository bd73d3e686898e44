import type { ErrorCode } from '@lms-m365/contracts';
import { format, type IConnectionSettingsStrings } from '../loc';
import type { IAppError } from './appError';

/** A code of the catalogue (the page's strings carry every code's texts in its language). */
export function isCatalogueCode(code: string | undefined | null, strings: IConnectionSettingsStrings): code is ErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(strings.errors, code);
}

export interface IErrorMessage {
  title: string;
  /** What to do about it; empty where the title already says it. */
  remedy: string;
  /** "Error code: X" when the API gave a code, for support. */
  codeLine?: string;
  /** Offer to reload the stored state (after an ETag conflict). */
  offerReload: boolean;
}

/** Catalogue code -> the catalogue's own title and remedy in the page's language. */
export function messageForCode(code: string, strings: IConnectionSettingsStrings): IErrorMessage {
  if (isCatalogueCode(code, strings)) {
    const entry = strings.errors[code];
    return {
      title: entry.title,
      remedy: entry.remedy,
      codeLine: format(strings.errorCode, code),
      offerReload: false
    };
  }
  return { title: strings.unknownError, remedy: strings.retry, codeLine: format(strings.errorCode, code), offerReload: false };
}

/** An IAppError, or a message of the page's own (already in the page's language). */
export function messageForError(error: IAppError | string, strings: IConnectionSettingsStrings): IErrorMessage {
  if (typeof error === 'string') {
    return { title: error, remedy: '', offerReload: false };
  }
  switch (error.kind) {
    case 'conflict':
      return { title: strings.conflictTitle, remedy: '', offerReload: true };
    case 'timeout':
      return { title: strings.timeoutError, remedy: '', offerReload: false };
    case 'network':
      return { title: strings.networkError, remedy: '', offerReload: false };
    case 'problem':
      if (error.code) {
        return messageForCode(error.code, strings);
      }
      return { title: strings.unknownError, remedy: '', offerReload: false };
    default:
      return { title: strings.unknownError, remedy: '', offerReload: false };
  }
}
