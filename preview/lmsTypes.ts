import type { NotificationStatus, Priority } from '../api/client';

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
