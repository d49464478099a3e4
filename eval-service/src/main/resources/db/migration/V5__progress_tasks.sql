-- How many tasks a step's loss sums (a multi-task run sums one loss per task): the dashboard divides by it, so that a
-- four-task run's curve and a one-task run's are drawn on one scale (null in reports that carry no task losses).
alter table run_progress add column tasks integer;
