/**
 * Where the connection API lives, from config/connection-api.json - the one place that names it.
 * gulpfile.js injects the file as __CONNECTION_API__ into the SPFx bundle; the preview host and
 * jest define the same global.
 */
export interface IConnectionApiConfig {
  /** Display name of the API's app registration, as in webApiPermissionRequests. */
  resource: string;
  /** Delegated scope the web part asks for. */
  scope: string;
  /** Application ID URI: the resource AadHttpClient requests a token for. */
  appIdUri: string;
  /** Base URL of the API, without a trailing slash. */
  baseUrl: string;
}

declare const __CONNECTION_API__: IConnectionApiConfig;

export function connectionApiConfig(): IConnectionApiConfig {
  return __CONNECTION_API__;
}
