export interface IStackPorts {
  tenant: number;
  smtp: number;
  api: number;
  table: number;
  queue: number;
  preview: number;
}
export interface IStack {
  tenantOrigin: string;
  apiBaseUrl: string;
  previewUrl: string;
  smtpPort: number;
  stop(): Promise<void>;
}
export const DEFAULT_PORTS: IStackPorts;
export function startStack(options?: {
  build?: boolean;
  ports?: 'free' | IStackPorts;
  stateDir?: string;
  logDir?: string;
  logLevel?: string;
  env?: Record<string, string>;
  onExit?: (service: string, code: number | null) => void;
  onProgress?: (event: { step: string; state: 'starting' | 'up'; detail?: string; ms?: number }) => void;
}): Promise<IStack>;
