/**
 * The preview host's LMS panel: a development tool standing in for the LMS back end, not part of
 * the web part. It asks the preview server (preview/lms.ts), which holds the back end's app-only
 * token, to queue one notification or a burst for the selected catalog, then shows each one's
 * status as the outbox moves it (queued, held, sending, sent, failed, expired, cancelled); and to create,
 * move and cancel a session (SessionControls).
 */
import * as React from 'react';
import { describeProblem, post, type IProblem } from './problem';
import type { PanelItem } from './lmsTypes';
import { SessionControls } from './SessionControls';

const RECIPIENTS = ['learner1@contoso.test', 'learner2@contoso.test', 'lynne@contoso.test'];
const FINAL = new Set(['sent', 'failed', 'expired', 'cancelled']);
const POLL_MS = 1000;

const cell: React.CSSProperties = { borderBottom: '1px solid #c8c6c4', padding: '4px 8px', textAlign: 'left', fontSize: 13 };

export function LmsPanel(props: { catalog: string; catalogLabel: string }): JSX.Element {
  const [to, setTo] = React.useState(RECIPIENTS[0]);
  const [items, setItems] = React.useState<PanelItem[]>([]);
  const [problem, setProblem] = React.useState<string | undefined>();
  const [busy, setBusy] = React.useState(false);
  const [tick, setTick] = React.useState(0);

  React.useEffect(() => {
    setItems([]);
    setProblem(undefined);
  }, [props.catalog]);

  const open = items.filter((i) => i.id && !FINAL.has(i.status ?? ''));
  const openIds = open.map((i) => i.id).join(',');
  React.useEffect(() => {
    if (!openIds) {
      return undefined;
    }
    let cancelled = false;
    const timer = setTimeout(async () => {
      const answer = await post<{ items: Array<{ id: string; status?: PanelItem['status']; code?: string | null; error?: string }> }>('/preview/lms/status', { catalog: props.catalog, ids: openIds.split(',') }).catch(() => undefined);
      if (cancelled) {
        return;
      }
      // Look again after every answer, also after a failed one (the API or the tenant may be restarting).
      setTick((t) => t + 1);
      if (!answer?.ok) {
        return;
      }
      const byId = new Map(answer.body.items.map((s) => [s.id, s]));
      setItems((current) => current.map((item) => {
        const s = item.id ? byId.get(item.id) : undefined;
        return s && s.status ? { ...item, status: s.status, code: s.code } : item;
      }));
    }, POLL_MS);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [openIds, tick, props.catalog]);

  const queue = async (kind: 'one' | 'burst'): Promise<void> => {
    setBusy(true);
    setProblem(undefined);
    try {
      const answer = await post<{ items?: PanelItem[] } & IProblem>('/preview/lms/queue', { catalog: props.catalog, kind, to });
      if (!answer.ok || !answer.body.items) {
        setProblem(describeProblem(answer.body));
        return;
      }
      // Newest first, as the table says: a burst's last item on top (the batch's order is its age).
      const queued = [...answer.body.items].reverse();
      setItems((current) => [...queued, ...current].slice(0, 200));
    } catch (error) {
      setProblem(String((error as Error).message));
    } finally {
      setBusy(false);
    }
  };

  const sent = items.filter((i) => i.status === 'sent').length;
  return (
    <aside aria-labelledby="lms-panel-title" data-testid="lms-panel" style={{ margin: 16, padding: 16, border: '2px dashed #8a8886', background: '#faf9f8', color: '#201f1e', fontFamily: 'Segoe UI, sans-serif' }}>
      <h2 id="lms-panel-title" style={{ fontSize: 16, margin: '0 0 4px' }}>LMS panel - development tool, not part of the web part</h2>
      <p style={{ fontSize: 13, margin: '0 0 12px' }}>
        Queues notifications for {props.catalogLabel} as the LMS back end would: the preview server gets the back end&apos;s app-only token
        (client credentials, app role Notifications.Send) and calls the connection API. The catalog must be connected and switched on;
        mail goes out from its connected account within the pacing (30 a minute per mailbox).
      </p>
      <div style={{ display: 'flex', flexWrap: 'wrap', alignItems: 'flex-end', gap: 12 }}>
        <label htmlFor="lms-recipient" style={{ display: 'inline-flex', flexDirection: 'column', fontSize: 13 }}>
          Recipient
          <select id="lms-recipient" value={to} onChange={(e) => setTo(e.target.value)} style={{ fontSize: 14, padding: 4 }}>
            {RECIPIENTS.map((r) => <option key={r} value={r}>{r}</option>)}
          </select>
        </label>
        <button type="button" disabled={busy} onClick={() => void queue('one')} style={{ fontSize: 14, padding: '4px 12px' }}>Queue one notification</button>
        <button type="button" disabled={busy} onClick={() => void queue('burst')} style={{ fontSize: 14, padding: '4px 12px' }}>Queue a burst of 20 (mixed priorities)</button>
        <a href={`/_mailbox?upn=${encodeURIComponent(to)}`} target="_blank" rel="noreferrer" style={{ color: '#005a9e', fontSize: 14 }}>Open {to}&apos;s mailbox</a>
      </div>
      {problem ? <p role="alert" data-testid="lms-problem" style={{ color: '#a4262c', fontSize: 13 }}>{problem}</p> : null}
      <p role="status" data-testid="lms-summary" style={{ fontSize: 13 }}>
        {items.length === 0 ? 'Nothing queued from this panel yet.' : `Queued from this panel: ${items.length}; sent: ${sent}.`}
      </p>
      {items.length > 0 ? (
        <table style={{ borderCollapse: 'collapse', width: '100%' }}>
          <caption style={{ textAlign: 'left', fontSize: 13, paddingBottom: 4 }}>Notifications queued from this panel, newest first</caption>
          <thead>
            <tr><th scope="col" style={cell}>Subject</th><th scope="col" style={cell}>Priority</th><th scope="col" style={cell}>Status</th><th scope="col" style={cell}>Code</th><th scope="col" style={cell}>Id</th></tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <tr key={item.key} data-testid="lms-item">
                <td style={cell}>{item.subject}</td>
                <td style={cell}>{item.priority}</td>
                <td style={cell} data-testid="lms-item-status">{item.error ? 'refused' : item.status}</td>
                <td style={cell}>{item.error ?? item.code ?? ''}</td>
                <td style={{ ...cell, fontFamily: 'monospace', overflowWrap: 'anywhere' }}>{item.id ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <SessionControls catalog={props.catalog} to={to} />
    </aside>
  );
}
