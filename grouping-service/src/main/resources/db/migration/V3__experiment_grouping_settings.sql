-- mmap.gradient/1.1: an experiment's own grouping settings, from its first snapshot (null: the service's configuration)
alter table grouping_experiment add column objective  varchar(32);
alter table grouping_experiment add column k          integer;
alter table grouping_experiment add column tau        double precision;
alter table grouping_experiment add column similarity varchar(16);
