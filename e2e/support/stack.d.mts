export interface IStack {
  tenantOrigin: string;
  apiBaseUrl: string;
  previewUrl: string;
  smtpPort: number;
  stop(): Promise<void>;
}
export function startStack(options?: { build?: boolean; logDir?: string }): Promise<IStack>;
