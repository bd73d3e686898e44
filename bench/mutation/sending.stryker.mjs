import { strykerConfig } from './shared.mjs';

// The sending engine's pure decisions (issue 8 point 6): the outbox state machine, the per-mailbox
// pacer, the message split and Message-IDs, and the group writer's transactions; and when a lost
// connection or a sending block opens, keeps or resolves an incident, and which notice is due.
export default strykerConfig('sending', {
  mutate: ['api/src/sending/outboxItem.ts', 'api/src/sending/pacer.ts', 'api/src/sending/groupWriter.ts', 'api/src/mail/message.ts', 'api/src/health/incident.ts'],
  jestConfig: 'bench/mutation/sending.jest.config.js'
});
