import { buildApp, AppOptions } from './app';
import type { ApiConfig } from './config/config';
import type { ConnectionService } from './connections/connectionService';
import type { HealthMonitor } from './health/monitor';
import type { SessionService } from './sessions/sessionService';
import type { SendingEngine } from './sending/engine';

export interface RunningApi {
  /** http://host:port the API bound. */
  url: string;
  port: number;
  /** The service behind the routes (the keep-alive sweep can be run on demand). */
  service: ConnectionService;
  engine: SendingEngine;
  monitor: HealthMonitor;
  /** The LMS's sessions (the room-answer job's method can be run on demand). */
  sessions: SessionService;
  close(): Promise<void>;
}

/** Builds and listens; port 0 picks a free port. The keep-alive sweep runs while it listens. */
export async function startApi(config: ApiConfig, options: AppOptions = {}): Promise<RunningApi> {
  const { app, service, engine, monitor, sessions, alerts } = await buildApp(config, options);
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const publicUrl = new URL(config.publicUrl);
  if (publicUrl.port === '0') {
    // Port 0 was a request for any free port: the redirect URI must name the one bound.
    publicUrl.port = String(port);
    config.publicUrl = publicUrl.origin;
  }
  // The periodic jobs (health monitor, keep-alive, room answers) run once per period across all instances.
  monitor.start();
  if (config.sending.worker) {
    engine.start();
  }
  return {
    service,
    engine,
    monitor,
    sessions,
    url: `http://${config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host}:${port}`,
    port,
    close: async () => {
      // Both at once: the engine stops taking wakes while a monitor job finishes its current catalog.
      await Promise.all([monitor.stop(), engine.stop()]);
      await app.close();
      // Last: a drain, a probe or a request may each have started a notice until now.
      await alerts.close();
    }
  };
}
