import en from './en-us';
import ja from './ja-jp';
import { isJapanese, type IConnectionSettingsStrings } from './index';

/** Both languages at once, for hosts that switch language on the fly (the preview host). */
export function stringsFor(uiCultureName: string): IConnectionSettingsStrings {
  return isJapanese(uiCultureName) ? ja : en;
}
