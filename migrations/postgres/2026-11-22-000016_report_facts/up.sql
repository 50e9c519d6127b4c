-- The facts the reports add up, recorded on the stage when they happen:
-- whether the acknowledgement was on time, the working days from the
-- stage's start to its response, counted by the council's calendar of the
-- day, and whether its response time was extended. The reports then count
-- in the database with GROUP BY instead of reading every stage of the
-- period into the service. Stages acknowledged or answered before this
-- migration get the first two when the service starts (they need the
-- council's calendar); the third is set here.
ALTER TABLE case_stages ADD COLUMN acknowledged_on_time BOOLEAN;
ALTER TABLE case_stages ADD COLUMN working_days_taken INTEGER;
ALTER TABLE case_stages ADD COLUMN extended BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE case_stages SET extended = TRUE
    WHERE id IN (SELECT stage_id FROM case_extensions WHERE status = 'agreed');

-- What a report reads of a case and of a stage, in the order of the case
-- ids, so that both are read from the indexes alone and side by side: a
-- period's cases have neighbouring ids, as they are numbered when created.
CREATE INDEX cases_for_reports ON cases
    (id, received_at, service_id, kind, triage_decision, channel, category);
CREATE INDEX case_stages_for_reports ON case_stages
    (case_id, stage, acknowledged_at, acknowledged_on_time, responded_at,
     responded_on_time, outcome, working_days_taken, extended);

-- The complaints excluded in a period, with the procedures they belong to
-- (only those: the other cases' writes do not touch it); and the stage 2
-- investigations, to compare with stage 1's investigator.
CREATE INDEX cases_excluded ON cases (received_at) WHERE triage_decision = 'excluded';
CREATE INDEX case_stages_by_stage ON case_stages (stage, case_id, investigator);
