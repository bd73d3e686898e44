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

  /** The lines, and the text of any bytes a line holds as a serialised Buffer (a secret there is a secret too). */
  public text(): string {
    const all = this.lines.join('');
    const bytes = [...all.matchAll(/"type":"Buffer","data":\[([\d,]*)\]/g)].map((m) => Buffer.from(m[1].split(',').filter(Boolean).map(Number)).toString('latin1'));
    return [all, ...bytes].join('\n');
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
