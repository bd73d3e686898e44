import { errorTexts, type ErrorTexts } from './texts';

/**
 * The catalogue's texts in English only. The package build replaces the compiled module by
 * the literal texts (scripts/build.js), so the web part's en strings chunk carries no other language.
 */
const texts: ErrorTexts = errorTexts('en');
export default texts;
