-- When an experiment's old step reports were last thinned (ProgressRetention): it is thinned again only after newer
-- activity, so the hourly pass does not rescan experiments it has already thinned.
alter table experiment_activity add column progress_thinned_at timestamp(6) with time zone;
create index experiment_activity_to_thin on experiment_activity (last_at) where progress_thinned_at is null;
