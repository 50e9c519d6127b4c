-- The event feed (and the webhooks after it) read case_events in the order of
-- commit_order, then id. On PostgreSQL commit_order is the id of the
-- transaction that wrote the event: ids are taken before their transactions
-- commit, so a reader following ids alone could pass an event still being
-- written and never see it. The feed shows only events of transactions older
-- than every transaction still running, so nothing can later appear behind
-- its cursor. (SQLite writes one transaction at a time: there commit_order
-- stays 0 and ids are the order.)
ALTER TABLE case_events
    ADD COLUMN commit_order BIGINT NOT NULL DEFAULT 0;
-- The feed's name for the event (`case.created`), and the stage and due date
-- it carries: a consumer reads the rest through the API.
ALTER TABLE case_events ADD COLUMN feed_type TEXT NOT NULL DEFAULT '';
ALTER TABLE case_events ADD COLUMN stage TEXT;
ALTER TABLE case_events ADD COLUMN due DATE;
UPDATE case_events SET feed_type = CASE event_type
    WHEN 'received' THEN 'case.created'
    WHEN 'triaged' THEN 'case.triaged'
    WHEN 'acknowledged' THEN 'stage.acknowledged'
    WHEN 'assigned' THEN 'stage.assigned'
    WHEN 'note' THEN 'case.note_added'
    WHEN 'extension_requested' THEN 'extension.requested'
    WHEN 'extended' THEN 'extension.agreed'
    WHEN 'extension_refused' THEN 'extension.refused'
    WHEN 'response_drafted' THEN 'response.drafted'
    WHEN 'response_sent' THEN 'response.sent'
    WHEN 'escalated' THEN 'stage_2.requested'
    WHEN 'withdrawn' THEN 'case.withdrawn'
    WHEN 'closed' THEN 'case.closed'
    WHEN 'reopened' THEN 'case.reopened'
    WHEN 'referred_to_ombudsman' THEN 'ombudsman.referred'
    WHEN 'ombudsman_decision' THEN 'ombudsman.decision_recorded'
    WHEN 'remedy_promised' THEN 'remedy.promised'
    WHEN 'remedy_outcome' THEN 'remedy.outcome_recorded'
    WHEN 'flagged' THEN 'case.flagged'
    WHEN 'linked' THEN 'case.linked'
    WHEN 'lead_service_changed' THEN 'case.lead_service_changed'
    WHEN 'contributing_service_added' THEN 'case.contributing_service_added'
    WHEN 'contributing_service_removed' THEN 'case.contributing_service_removed'
    WHEN 'forwarded' THEN 'feedback.forwarded'
    WHEN 'replied' THEN 'feedback.replied'
    WHEN 'comment_action_recorded' THEN 'feedback.comment_action_recorded'
    ELSE event_type END;
CREATE INDEX case_events_feed ON case_events (commit_order, id);
