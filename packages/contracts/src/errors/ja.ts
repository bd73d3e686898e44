import { errorTexts, type ErrorTexts } from './texts';

/**
 * The catalogue's texts in Japanese only. The package build replaces the compiled module by
 * the literal texts (scripts/build.js), so the web part's ja strings chunk carries no other language.
 */
const texts: ErrorTexts = errorTexts('ja');
export default texts;
