import { ApiError } from '../errors/apiError';

const SITE_PATH = /^\/(sites|teams)\/[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/**
 * A catalog is a SharePoint site under the configured origin; its id is the site's absolute URL
 * with a lower-case scheme and host and no trailing slash (docs/design.md).
 */
export function normaliseCatalog(raw: string, sharePointOrigin: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // Encoded twice ("https%253A...") arrives still encoded once.
    const detail = /^https?%3a/i.test(raw) ? 'The catalog is not an absolute URL: it looks percent-encoded twice - encode the site URL once (encodeURIComponent).' : 'The catalog is not an absolute URL.';
    throw new ApiError('CATALOG_INVALID', { detail });
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new ApiError('CATALOG_INVALID', { detail: 'A catalog URL has no credentials, query or fragment.' });
  }
  if (url.origin !== new URL(sharePointOrigin).origin) {
    throw new ApiError('CATALOG_INVALID', { detail: `The catalog is not under this tenant's SharePoint address, ${new URL(sharePointOrigin).origin}.` });
  }
  const sitePath = url.pathname.replace(/\/+$/, '');
  if (!SITE_PATH.test(sitePath)) {
    throw new ApiError('CATALOG_INVALID', { detail: 'A catalog is a site: /sites/<name> or /teams/<name>.' });
  }
  return `${url.origin}${sitePath}`;
}

/**
 * A catalog's site path (`/sites/catalog-a`): what tells a tenant's catalogs apart, short enough
 * for a mail subject that says it in English and Japanese both. What is not a URL is shown as it is.
 */
export function sitePath(catalog: string): string {
  try {
    const path = new URL(catalog).pathname;
    return path.length > 1 ? path : catalog;
  } catch {
    return catalog;
  }
}
