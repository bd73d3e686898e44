import { strykerConfig } from './shared.mjs';

// The pure logic behind the LMS-facing API: a session's wall-clock times in their IANA zone (DST
// gaps and repeats refused) and Graph's dateTimeTimeZone, the invitation's iCalendar and its plain
// text, the Idempotency-Key header, the status the LMS sees of a stored item, and Graph's answers
// read by the invitations (room answer, getSchedule's free/busy, UTC times, the Teams meeting blob).
// Line ranges keep to the pure functions: the route registration and the classes around them are
// exercised by the integration suites, not by these server-free ones.
export default strykerConfig('lms', {
  mutate: [
    'api/src/sessions/time.ts',
    'api/src/sessions/ics.ts',
    // idempotencyKey
    'api/src/sending/routes.ts:20-38',
    // visibleStatus
    'api/src/sending/notificationService.ts:42-47',
    // utcMs, roomAnswerOf, roomSchedules, meetingBlob
    'api/src/sessions/invitations.ts:40-48',
    'api/src/sessions/invitations.ts:68-84',
    'api/src/sessions/invitations.ts:129-146'
  ],
  jestConfig: 'bench/mutation/lms.jest.config.js'
});
