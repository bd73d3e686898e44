import enErrors from '@lms-m365/contracts/errors/en';
import jaErrors from '@lms-m365/contracts/errors/ja';
import en from './en-us';
import ja from './ja-jp';
import { isJapanese, type IConnectionSettingsStrings } from './index';

// A host that switches language on the fly has both languages' error texts from the start (the
// web part loads its one language's with the first part that explains an error: loadErrorTexts).
en.errors = enErrors;
ja.errors = jaErrors;

/** Both languages at once, for hosts that switch language on the fly (the preview host). */
export function stringsFor(uiCultureName: string): IConnectionSettingsStrings {
  return isJapanese(uiCultureName) ? ja : en;
}
