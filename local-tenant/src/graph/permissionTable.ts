/**
 * The permission Microsoft Graph requires for each endpoint the local tenant serves, for both
 * token kinds: a delegated token must carry one of `delegated` in scp, an app token one of
 * `application` in roles. Every route registered under /v1.0 must have a row (the graph plugin
 * refuses to serve one that has none; local-tenant/test/permissions.test.ts checks them all).
 * Lists follow each endpoint's Microsoft Learn "Permissions" table (docs/local-tenant.md cites
 * them): least privileged first, then the higher ones Graph also accepts.
 *
 * To add an endpoint: add a row with its method(s), the route exactly as registered (after
 * /v1.0), both permission lists and the error Graph answers without them.
 */
export type DeniedAs =
  /** Outlook (mail, calendar, mailbox settings, places): 403 ErrorAccessDenied. */
  | 'outlook'
  /** Directory (users list, grants, roles, policies): 403 Authorization_RequestDenied. */
  | 'directory'
  /** SharePoint through Graph (sites): 403 accessDenied. */
  | 'sites';

export interface EndpointPermission {
  methods: string[];
  routes: string[];
  delegated: string[];
  application: string[];
  deniedAs: DeniedAs;
  docs: string;
  /**
   * Exchange RBAC for Applications: an app without the Entra role may still hold this Exchange
   * application role for some mailboxes; the handler checks the mailbox is in its scope.
   */
  exchangeRole?: string;
}

const ME_USERS = (paths: string[]): string[] => paths.flatMap((p) => [`/me${p}`, `/users/:id${p}`]);
const SITES_READ = ['Sites.Read.All', 'Sites.ReadWrite.All', 'Sites.Manage.All', 'Sites.FullControl.All'];
const SITES_WRITE = ['Sites.ReadWrite.All', 'Sites.Manage.All', 'Sites.FullControl.All'];

export const GRAPH_PERMISSIONS: EndpointPermission[] = [
  { methods: ['GET'], routes: ['/me', '/users/:id'], delegated: ['User.Read', 'User.ReadBasic.All', 'User.Read.All', 'Directory.Read.All'], application: ['User.Read.All', 'Directory.Read.All'], deniedAs: 'directory', docs: 'https://learn.microsoft.com/graph/api/user-get' },
  { methods: ['GET'], routes: ['/users'], delegated: ['User.ReadBasic.All', 'User.Read.All', 'Directory.Read.All'], application: ['User.ReadBasic.All', 'User.Read.All', 'Directory.Read.All'], deniedAs: 'directory', docs: 'https://learn.microsoft.com/graph/api/user-list' },
  { methods: ['GET'], routes: ME_USERS(['/mailboxSettings']), delegated: ['MailboxSettings.Read', 'MailboxSettings.ReadWrite'], application: ['MailboxSettings.Read', 'MailboxSettings.ReadWrite'], deniedAs: 'outlook', docs: 'https://learn.microsoft.com/graph/api/user-get-mailboxsettings' },
  { methods: ['POST'], routes: ME_USERS(['/sendMail']), delegated: ['Mail.Send'], application: ['Mail.Send'], deniedAs: 'outlook', docs: 'https://learn.microsoft.com/graph/api/user-sendmail', exchangeRole: 'Application Mail.Send' },
  { methods: ['GET'], routes: ME_USERS(['/events', '/calendar/events', '/events/:eventId']), delegated: ['Calendars.Read', 'Calendars.ReadWrite'], application: ['Calendars.Read', 'Calendars.ReadWrite'], deniedAs: 'outlook', docs: 'https://learn.microsoft.com/graph/api/user-list-events' },
  { methods: ['POST'], routes: ME_USERS(['/events', '/calendar/events', '/events/:eventId/cancel']), delegated: ['Calendars.ReadWrite'], application: ['Calendars.ReadWrite'], deniedAs: 'outlook', docs: 'https://learn.microsoft.com/graph/api/user-post-events' },
  { methods: ['PATCH', 'DELETE'], routes: ME_USERS(['/events/:eventId']), delegated: ['Calendars.ReadWrite'], application: ['Calendars.ReadWrite'], deniedAs: 'outlook', docs: 'https://learn.microsoft.com/graph/api/event-update' },
  { methods: ['POST'], routes: ME_USERS(['/calendar/getSchedule']), delegated: ['Calendars.Read', 'Calendars.ReadWrite'], application: ['Calendars.Read', 'Calendars.ReadWrite'], deniedAs: 'outlook', docs: 'https://learn.microsoft.com/graph/api/calendar-getschedule' },
  { methods: ['GET'], routes: ['/places/microsoft.graph.room'], delegated: ['Place.Read.All'], application: ['Place.Read.All'], deniedAs: 'outlook', docs: 'https://learn.microsoft.com/graph/api/place-list' },
  { methods: ['GET'], routes: ['/oauth2PermissionGrants'], delegated: ['DelegatedPermissionGrant.Read.All', 'Directory.Read.All', 'DelegatedPermissionGrant.ReadWrite.All'], application: ['DelegatedPermissionGrant.Read.All', 'Directory.Read.All', 'DelegatedPermissionGrant.ReadWrite.All'], deniedAs: 'directory', docs: 'https://learn.microsoft.com/graph/api/oauth2permissiongrant-list' },
  { methods: ['GET'], routes: ['/servicePrincipals', '/servicePrincipals/:ref'], delegated: ['Application.Read.All', 'Directory.Read.All'], application: ['Application.Read.All', 'Directory.Read.All'], deniedAs: 'directory', docs: 'https://learn.microsoft.com/graph/api/serviceprincipal-list' },
  { methods: ['GET'], routes: ['/directoryRoles*'], delegated: ['RoleManagement.Read.Directory', 'Directory.Read.All'], application: ['RoleManagement.Read.Directory', 'Directory.Read.All'], deniedAs: 'directory', docs: 'https://learn.microsoft.com/graph/api/directoryrole-list-members' },
  { methods: ['GET'], routes: ['/policies/adminConsentRequestPolicy'], delegated: ['Policy.Read.All', 'Policy.ReadWrite.ConsentRequest', 'Directory.Read.All', 'Directory.ReadWrite.All'], application: ['Policy.Read.All', 'Policy.ReadWrite.ConsentRequest', 'Directory.Read.All', 'Directory.ReadWrite.All'], deniedAs: 'directory', docs: 'https://learn.microsoft.com/graph/api/adminconsentrequestpolicy-get' },
  { methods: ['GET'], routes: ['/identityGovernance/appConsent/appConsentRequests', '/identityGovernance/appConsent/appConsentRequests/:id/userConsentRequests'], delegated: ['ConsentRequest.Read.All', 'ConsentRequest.ReadWrite.All'], application: ['ConsentRequest.Read.All', 'ConsentRequest.ReadWrite.All'], deniedAs: 'directory', docs: 'https://learn.microsoft.com/graph/api/appconsentapprovalroute-list-appconsentrequests' },
  // Sites.Selected passes here; the sites handler then requires the app's grant on that site.
  { methods: ['GET'], routes: ['/sites/*'], delegated: SITES_READ, application: ['Sites.Selected', ...SITES_READ], deniedAs: 'sites', docs: 'https://learn.microsoft.com/graph/api/site-get' },
  { methods: ['POST', 'PATCH', 'DELETE'], routes: ['/sites/*'], delegated: SITES_WRITE, application: ['Sites.Selected', ...SITES_WRITE], deniedAs: 'sites', docs: 'https://learn.microsoft.com/graph/api/listitem-update' },
  { methods: ['GET', 'POST'], routes: ['/sites/:siteId/permissions'], delegated: ['Sites.FullControl.All'], application: ['Sites.FullControl.All'], deniedAs: 'sites', docs: 'https://learn.microsoft.com/graph/api/site-post-permissions' },
  // Each request of a batch is checked as itself.
  { methods: ['POST'], routes: ['/$batch'], delegated: ['*'], application: ['*'], deniedAs: 'directory', docs: 'https://learn.microsoft.com/graph/json-batching' }
];

/** The row for a registered route (as Fastify names it, without the /v1.0 prefix). */
export function permissionFor(method: string, route: string): EndpointPermission | undefined {
  const asked = method === 'HEAD' ? 'GET' : method;
  return GRAPH_PERMISSIONS.find((p) => p.methods.includes(asked) && p.routes.includes(route));
}
