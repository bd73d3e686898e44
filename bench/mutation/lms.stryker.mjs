import { strykerConfig } from './shared.mjs';

// The pure logic behind the LMS-facing API: a session's wall-clock times in their IANA zone (DST
// gaps and repeats refused) and Graph's dateTimeTimeZone, the invitation's iCalendar and its plain
// text, the Idempotency-Key header, the status the LMS sees of a stored item, and Graph's answers
// read by the invitations (room answer, getSchedule's free/busy, UTC times, the Teams meeting blob),
// why a notification cannot be cancelled, and the words of an iCalendar invitation over SMTP (en, ja).
// Line ranges keep to the pure functions: the route registration and the classes around them are
// exercised by the integration suites, not by these server-free ones. The ranges follow the files:
// check them when a function above moves (a range that misses its function mutates other lines).
export default strykerConfig('lms', {
  mutate: [
    'api/src/sessions/time.ts',
    'api/src/sessions/ics.ts',
    // idempotencyKey
    'api/src/sending/routes.ts:40-66',
    // visibleStatus, notCancellable
    'api/src/sending/notificationService.ts:49-54',
    'api/src/sending/notificationService.ts:71-79',
    // utcMs, roomAnswerOf, roomSchedules, meetingBlob
    'api/src/sessions/invitations.ts:41-49',
    'api/src/sessions/invitations.ts:69-85',
    'api/src/sessions/invitations.ts:133-150',
    // SMTP_WORDS
    'api/src/sessions/invitations.ts:172-185'
  ],
  jestConfig: 'bench/mutation/lms.jest.config.js'
});
