export {
  CALENDAR_CONTENT_TYPE,
  calendarCodec,
  createCalendarCodec,
  type CalendarCodec,
  type CalendarCodecOptions,
} from './event-codec.js';
export {
  invitationEvent,
  meetingMessages,
  meetingReply,
  type MeetingMessage,
  type MeetingReplyInput,
} from './itip.js';
export {
  UTC_TIME_ZONE,
  decodeTimeZone,
  encodeTimeZone,
  timeZoneBlob,
  zoneFromTimeZone,
  type TimeZoneInfo,
} from './time-zone.js';
export { easRecurrence, rruleOf, type EasRecurrence } from './recurrence.js';
