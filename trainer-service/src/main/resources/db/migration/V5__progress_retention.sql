-- When an ended experiment's progress log was last thinned (progress.ProgressRetention), so that the hourly pass
-- does not rescan experiments it has already thinned.
alter table experiment add column progress_thinned_at timestamp(6) with time zone;
