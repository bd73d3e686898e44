import { ApiError } from '../../src/errors/apiError';

/** The catalogue code `fn` throws (undefined when it returns; 'not an ApiError' for any other throw). */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error instanceof ApiError ? error.code : 'not an ApiError';
  }
}
