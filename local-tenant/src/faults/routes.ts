import type { FastifyInstance } from 'fastify';
import { esc, page } from '../http/html';
import type { TenantState } from '../state/tenant-state';
import { applyLimits, FAULTS, limitsView } from './faults';
import { SENDING_BLOCKS } from '../smtp/replies';

/**
 * The latency fault itself. Registered before the services: the root's onSend hooks run before a
 * service's own only when added first, and Graph gives its mailbox concurrency slot back in its
 * onSend - after this delay, so a slowed request keeps holding its slot as a slow Exchange request
 * does. Unref'd: an answer held for a client that gave up must not keep a closed tenant's process alive.
 */
export function registerLatency(app: FastifyInstance, state: TenantState): void {
  app.addHook('onSend', async (req, _reply, payload) => {
    if (state.faults.latencyMs > 0 && !req.url.startsWith('/_')) await new Promise((r) => setTimeout(r, state.faults.latencyMs).unref());
    return payload;
  });
}

/** POST /_admin/faults/{name}, GET /_admin/faults and the /_faults page. */
export function registerFaults(app: FastifyInstance, state: TenantState): void {
  app.get('/_admin/faults', async () => ({
    graphFailure: state.faults.graphFailure,
    latencyMs: state.faults.latencyMs,
    mailboxLimits: Object.fromEntries(state.faults.mailboxLimits),
    smtpBasicAuthEnabled: state.smtpBasicAuthEnabled,
    smtpBasicAuthOffReply: state.smtpBasicAuthOffReply,
    sendingBlocks: Object.fromEntries(state.faults.sendingBlocks),
    fullMailboxes: [...state.faults.fullMailboxes],
    refusedRecipients: Object.fromEntries(state.faults.refusedRecipients),
    smtpRecipientLimit: state.faults.smtpRecipientLimit,
    limits: limitsView(state),
    accounts: state.people().map((a) => ({ upn: a.upn, mailbox: a.mailbox, smtpAuthEnabled: a.smtpAuthEnabled })),
    orgWideGrants: state.grants.filter((g) => g.consentType === 'AllPrincipals'),
    available: Object.fromEntries(Object.entries(FAULTS).map(([name, f]) => [name, { description: f.description, fields: f.fields }]))
  }));

  app.get('/_admin/limits', async () => limitsView(state));
  app.put('/_admin/limits', async (req, reply) => {
    const result = applyLimits(state, (req.body ?? {}) as Record<string, unknown>);
    return result.ok ? limitsView(state) : reply.code(result.status).send({ error: 'invalid_limits', message: result.message });
  });

  app.post('/_admin/faults/:name', async (req, reply) => {
    const fault = FAULTS[(req.params as { name: string }).name];
    if (!fault) return reply.code(404).send({ error: 'unknown_fault', message: `Known faults: ${Object.keys(FAULTS).join(', ')}` });
    const result = fault.apply(state, (req.body ?? {}) as Record<string, unknown>);
    return result.ok ? { ok: true, detail: result.detail } : reply.code(result.status).send({ error: 'invalid_fault', message: result.message });
  });

  app.get('/_faults', async (req, reply) => {
    const users = state.people().map((a) => `<option value="${esc(a.upn)}">${esc(a.displayName)} (${esc(a.upn)})</option>`).join('');
    const limits = limitsView(state);
    // The app registrations that have a client secret (the `client-secret` fault's choice).
    const apps = [...state.apps.values()].filter((a) => a.clientSecret).map((a) => `<option value="${esc(a.appId)}">${esc(a.displayName)} (${esc(a.appId)})</option>`).join('');
    const choices: Record<string, string[]> = { cause: Object.keys(SENDING_BLOCKS), reply: ['retired', 'policy'], decide: ['', 'accepted', 'declined'], room: [...state.accounts.values()].filter((a) => a.isRoom).map((a) => a.upn) };
    const input = (fault: string, field: string): string => {
      const id = `${fault}-${field}`;
      // The limits form starts from the current values, so applying it changes only what was edited.
      const current = fault === 'sending-limits' ? limits[field] : undefined;
      // Consent is withdrawn organisation-wide (or an application permission, with role) when no user is chosen.
      const none = fault === 'withdraw-consent' ? '<option value="">(none: organisation-wide)</option>' : fault === 'conditional-access' ? '<option value="">(none: an app\'s policy)</option>' : '';
      if (field === 'user' || field === 'mailbox') return `<label for="${id}">${field}</label><select id="${id}" name="${field}">${none}${users}</select>`;
      if (choices[field]) return `<label for="${id}">${field}</label><select id="${id}" name="${field}">${choices[field].map((c) => `<option>${esc(c)}</option>`).join('')}</select>`;
      // A policy blocks a user or an app: the one not chosen is left out of the request.
      if (field === 'app') return `<label for="${id}">${field}</label><select id="${id}" name="${field}">${fault === 'conditional-access' ? '<option value="" selected>(none: a user\'s policy)</option>' : ''}${apps}</select>`;
      if (['enabled', 'clear', 'expired', 'blocked'].includes(field)) return `<label><input type="checkbox" id="${id}" name="${field}" data-type="boolean"${current === true || field === 'expired' || field === 'blocked' ? ' checked' : ''}> ${field}</label>`;
      const numeric = ['retryAfterSeconds', 'messagesPerMinute', 'concurrentRequests', 'status', 'count', 'ms', 'recipientsPerDay', 'recipientsPerMessage', 'smtpConnections', 'timeScale'].includes(field);
      return `<label for="${id}">${field}</label><input type="${numeric ? 'number' : 'text'}" id="${id}" name="${field}" ${numeric ? 'data-type="number"' : ''}${current !== undefined ? ` value="${esc(current)}"` : ''}>`;
    };
    const forms = Object.entries(FAULTS)
      .map(([name, f]) => `<section><h2>${esc(name)}</h2><p class="hint">${esc(f.description)}</p><form data-fault="${esc(name)}">${f.fields.map((field) => input(name, field)).join('')}<button type="submit">Apply</button></form></section>`)
      .join('');
    const script = `
for (const form of document.querySelectorAll('form[data-fault]')) {
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = {};
    for (const el of form.elements) {
      if (!el.name) continue;
      if (el.dataset.type === 'boolean') body[el.name] = el.checked;
      else if (el.dataset.type === 'number') { if (el.value !== '') body[el.name] = Number(el.value); }
      else if (el.value !== '') body[el.name] = el.value;
    }
    const res = await fetch('/_admin/faults/' + form.dataset.fault, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const json = await res.json();
    document.getElementById('result').textContent = res.ok ? json.detail : 'Refused: ' + json.message;
  });
}
document.getElementById('reset').addEventListener('click', async () => {
  await fetch('/_admin/reset', { method: 'POST' });
  document.getElementById('result').textContent = 'Tenant reset to the fixture.';
});`;
    return reply.type('text/html').send(
      page(
        'Fault controls',
        `<nav><a href="/_mailbox">Mailboxes</a></nav><h1>Fault controls</h1><p role="status" id="result" aria-live="polite"></p><button type="button" id="reset" class="secondary">Reset everything to the fixture</button>${forms}`,
        { wide: true, script }
      )
    );
  });
}
