import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp, AppOptions } from '../../src/app';
import type { ApiConfig } from '../../src/config/config';
import type { ConnectionService } from '../../src/connections/connectionService';

/** Every log line the API wrote, for the canary checks. */
export class LogCapture extends Writable {
  public lines: string[] = [];

  public override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
    this.lines.push(chunk.toString('utf8'));
    callback();
  }

  public text(): string {
    return this.lines.join('');
  }
}

export interface InProcessApi {
  app: FastifyInstance;
  service: ConnectionService;
  logs: LogCapture;
  close(): Promise<void>;
}

export async function inProcessApi(config: ApiConfig, options: AppOptions = {}): Promise<InProcessApi> {
  const logs = new LogCapture();
  const { app, service } = await buildApp(config, { logDestination: logs, ...options });
  await app.ready();
  return { app, service, logs, close: () => app.close() };
}
