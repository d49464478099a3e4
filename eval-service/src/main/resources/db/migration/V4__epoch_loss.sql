-- A step's loss is one batch's; the mean over the epoch's steps so far says whether a run learns (null in reports
-- of trainers that predate it).
alter table run_progress add column epoch_loss double precision;
