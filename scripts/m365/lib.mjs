// Shared by the deployment scripts: arguments, the permissions file, and running (or, with
// --dry-run, printing) CLI for Microsoft 365 commands. Install the CLI first:
//   npm install --global @pnp/cli-microsoft365   then   m365 login
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PERMISSIONS = JSON.parse(readFileSync(path.join(root, 'infra', 'permissions.json'), 'utf8'));
/** The web part's view of the API (config/connection-api.json): the API's display name is what the package's request names. */
export const CONNECTION_API = JSON.parse(readFileSync(path.join(root, 'config', 'connection-api.json'), 'utf8'));

/** Microsoft's resource URIs as CLI for Microsoft 365 resolves them (a service principal name of the resource). */
export const RESOURCE_URI = {
  graph: 'https://graph.microsoft.com',
  exchange: 'https://outlook.office.com',
  sharepoint: 'https://microsoft.sharepoint-df.com'
};

/** --name value / --flag pairs; `required` names the options that must be given. */
export function parseArgs(argv, required, defaults = {}) {
  const options = { ...defaults, dryRun: false };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--dry-run') options.dryRun = true;
    else if (arg === '--with-consent-help') options.withConsentHelp = true;
    else if (arg.startsWith('--')) {
      const key = arg.slice(2).replace(/-([a-z])/g, (_, c) => c.toUpperCase());
      options[key] = argv[i + 1];
      i += 1;
    }
  }
  const missing = required.filter((k) => !options[k]);
  if (missing.length) {
    process.stderr.write(`Missing ${missing.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')}\n`);
    process.exit(2);
  }
  return options;
}

/** The permissions of one app in the file; an optional one (`optional`: its group) only when its group is asked for. */
export function permissionsOf(app, type, { resources = ['graph', 'exchange', 'sharepoint'], entraOnly = true, optional = [] } = {}) {
  return PERMISSIONS.permissions.filter((p) => p.app === app && p.type === type && resources.includes(p.resource) && (!entraOnly || !p.grantedBy) && (!p.optional || optional.includes(p.optional)));
}

const quote = (a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);

/**
 * Runs `m365 <args>` and returns its JSON output, or with --dry-run prints the command and
 * returns `placeholder`. Output that may hold a secret is never echoed.
 */
export function m365(options, args, placeholder = {}) {
  const line = ['m365', ...args].map(quote).join(' ');
  if (options.dryRun) {
    process.stdout.write(`${line}\n`);
    return placeholder;
  }
  process.stderr.write(`> ${line}\n`);
  const result = spawnSync('m365', [...args, '--output', 'json'], { encoding: 'utf8', stdio: ['inherit', 'pipe', 'inherit'] });
  if (result.error || result.status !== 0) {
    process.stderr.write(`m365 ${args.slice(0, 3).join(' ')} failed${result.error ? `: ${result.error.message}` : ''}\n`);
    process.exit(1);
  }
  return result.stdout.trim() ? JSON.parse(result.stdout) : {};
}

/** A step that is not a CLI for Microsoft 365 command, printed for the operator. */
export function note(text) {
  process.stdout.write(`# ${text}\n`);
}
