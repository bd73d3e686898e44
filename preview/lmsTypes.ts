import type { NotificationStatus, Priority, SessionStatus } from '../api/client';

/** One queued notification as the LMS panel shows it (shared by the panel and preview/lms.ts). */
export interface PanelItem {
  key: string;
  subject: string;
  priority: Priority;
  id?: string;
  status?: NotificationStatus['status'];
  code?: string | null;
  error?: string;
}

/** What the LMS panel asks of a session: create it, move it a day later, or cancel it. */
export interface SessionRequest {
  catalog: string;
  action: 'create' | 'move' | 'cancel';
  sessionId: string;
  revision: number;
  /** Days after tomorrow the session starts (10:00 Asia/Tokyo, for an hour). */
  day: number;
  to: string;
  room: string | null;
  teams: boolean;
}

export type PanelSession = Pick<SessionStatus, 'sessionId' | 'revision' | 'sentRevision' | 'status' | 'code' | 'notes' | 'joinUrl' | 'room' | 'transport'>;
