import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiConfig, loadConfig } from '../../src/config/config';

/** A development configuration on free ports with a throwaway key file. */
export function testConfig(overrides: Record<string, string> = {}): ApiConfig {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lms-api-test-'));
  return loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    LOCAL_KEK_FILE: path.join(dir, 'kek.json'),
    KEEPALIVE_INTERVAL_SECONDS: '0',
    ...overrides
  });
}
