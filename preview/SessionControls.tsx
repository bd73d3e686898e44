/**
 * The LMS panel's sessions: create a classroom session for the selected catalog, move it a day
 * later, cancel it - each a new revision put through the preview server (preview/lms.ts) - and
 * watch its status, Teams join URL and the room's answer as the API reports them.
 */
import * as React from 'react';
import { describeProblem, post, type IProblem } from './problem';
import type { PanelSession } from './lmsTypes';

const ROOMS = ['room-adams@contoso.test', 'room-baker@contoso.test', 'room-crane@contoso.test'];
const POLL_MS = 1000;

const text: React.CSSProperties = { fontSize: 13 };

export function SessionControls(props: { catalog: string; to: string }): JSX.Element {
  const [room, setRoom] = React.useState<string>('');
  const [teams, setTeams] = React.useState(true);
  const [current, setCurrent] = React.useState<{ sessionId: string; revision: number; day: number } | undefined>();
  const [status, setStatus] = React.useState<PanelSession | undefined>();
  const [problem, setProblem] = React.useState<string | undefined>();
  const [busy, setBusy] = React.useState(false);
  const [tick, setTick] = React.useState(0);

  React.useEffect(() => {
    setCurrent(undefined);
    setStatus(undefined);
    setProblem(undefined);
  }, [props.catalog]);

  const sessionId = current?.sessionId;
  const settled = status !== undefined && status.revision === current?.revision && (status.status === 'cancelled' || status.status === 'failed' || (status.sentRevision === status.revision && status.room?.answer !== 'none'));
  React.useEffect(() => {
    if (!sessionId || settled) {
      return undefined;
    }
    let cancelled = false;
    const timer = setTimeout(async () => {
      const answer = await post<PanelSession>('/preview/lms/session-status', { catalog: props.catalog, sessionId }).catch(() => undefined);
      if (!cancelled) {
        if (answer?.ok) {
          setStatus(answer.body);
        }
        setTick((t) => t + 1);
      }
    }, POLL_MS);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [sessionId, settled, tick, props.catalog]);

  const act = async (action: 'create' | 'move' | 'cancel'): Promise<void> => {
    const next = action === 'create'
      ? { sessionId: `preview-${Date.now().toString(36)}`, revision: 1, day: 0 }
      : { sessionId: current?.sessionId ?? '', revision: (current?.revision ?? 0) + 1, day: (current?.day ?? 0) + (action === 'move' ? 1 : 0) };
    setBusy(true);
    setProblem(undefined);
    try {
      const answer = await post<IProblem>('/preview/lms/session', { catalog: props.catalog, action, ...next, to: props.to, room: room || null, teams });
      if (!answer.ok) {
        setProblem(describeProblem(answer.body));
        return;
      }
      setCurrent(next);
      setTick((t) => t + 1);
    } catch (error) {
      setProblem(String((error as Error).message));
    } finally {
      setBusy(false);
    }
  };

  const open = current !== undefined && status?.status !== 'cancelled';
  return (
    <section aria-labelledby="lms-sessions-title" data-testid="lms-sessions" style={{ marginTop: 16 }}>
      <h3 id="lms-sessions-title" style={{ fontSize: 14, margin: '0 0 4px' }}>Session invitation</h3>
      <p style={{ ...text, margin: '0 0 8px' }}>
        A classroom session tomorrow at 10:00 Tokyo time for the recipient above, organised by the catalog&apos;s connected account:
        a Graph event (with a Teams meeting and the room) with Modern, or an iCalendar invitation over SMTP with Classic.
      </p>
      <div style={{ display: 'flex', flexWrap: 'wrap', alignItems: 'flex-end', gap: 12 }}>
        <label htmlFor="lms-room" style={{ display: 'inline-flex', flexDirection: 'column', ...text }}>
          Room
          <select id="lms-room" value={room} onChange={(e) => setRoom(e.target.value)} style={{ fontSize: 14, padding: 4 }}>
            <option value="">No room</option>
            {ROOMS.map((r) => <option key={r} value={r}>{r}</option>)}
          </select>
        </label>
        <label htmlFor="lms-teams" style={{ ...text, display: 'inline-flex', alignItems: 'center', gap: 4 }}>
          <input id="lms-teams" type="checkbox" checked={teams} onChange={(e) => setTeams(e.target.checked)} /> Teams meeting
        </label>
        <button type="button" disabled={busy} onClick={() => void act('create')} style={{ fontSize: 14, padding: '4px 12px' }}>Create a session</button>
        <button type="button" disabled={busy || !open} onClick={() => void act('move')} style={{ fontSize: 14, padding: '4px 12px' }}>Move it a day later</button>
        <button type="button" disabled={busy || !open} onClick={() => void act('cancel')} style={{ fontSize: 14, padding: '4px 12px' }}>Cancel it</button>
      </div>
      {problem ? <p role="alert" data-testid="lms-session-problem" style={{ color: '#a4262c', ...text }}>{problem}</p> : null}
      <p role="status" data-testid="lms-session-status" style={text}>
        {!current
          ? 'No session from this panel yet.'
          : `Session ${current.sessionId}, revision ${current.revision}: ${status && status.revision === current.revision ? status.status : 'queued'}${status?.code ? ` (${status.code})` : ''}${status?.room ? `; room ${status.room.email}: ${status.room.answer}` : ''}${status?.notes.length ? `; not available: ${status.notes.join(', ')}` : ''}.`}
      </p>
      {status?.joinUrl ? <p style={text}>Teams join URL: <a href={status.joinUrl} style={{ color: '#005a9e', wordBreak: 'break-all' }}>{status.joinUrl}</a></p> : null}
    </section>
  );
}
