-- Who submitted the experiment (the token's principal, docs/security.md): only they or an admin may cancel it.
-- Experiments from before identities have none, and only an admin may cancel them.
alter table experiment add column owner varchar(256);
