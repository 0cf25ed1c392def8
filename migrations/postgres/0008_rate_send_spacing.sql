-- hookgate schema, version 8, for Postgres: the send-time spacing of a rate-limited endpoint (issue 23).
-- rate_tat schedules slots when deliveries are claimed; rate_send_tat is checked again just before each send,
-- so a process that was stalled and wakes with several slot waits due sends them one interval apart, not together.

ALTER TABLE endpoints ADD COLUMN rate_send_tat BIGINT;
