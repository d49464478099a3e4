-- The share of the epoch's steps so far whose gradient was clipped (mmap.progress/1.1): the curves keep one report in
-- a few, so a stored point's own grad_clipped cannot say how much of an epoch clipping shaped; this can. Null in
-- reports of trainers that predate it and where the recipe does not clip.
alter table run_progress add column epoch_clipped_share double precision;
