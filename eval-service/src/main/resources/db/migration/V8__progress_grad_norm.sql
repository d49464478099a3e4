-- A step's gradient norm before clipping, and whether the recipe's maxGradNorm clipped it (mmap.progress/1.1): the
-- dashboard draws them beside the loss. Null in reports of trainers that predate them; grad_clipped also where the
-- recipe does not clip.
alter table run_progress add column grad_norm double precision;
alter table run_progress add column grad_clipped boolean;
