-- One login role per service, owning its own schema and nothing else: a service cannot read or change another
-- service's tables, and only the database's owner and superusers can create objects in the public schema. Flyway
-- runs as the role, so the role creates its own tables. Run it as a superuser before the services start; it can
-- run any number of times, and it hands over schemas and tables that an earlier version created as the
-- superuser. A managed server's administrator without superuser (CREATEROLE, and CREATE on the database) can run it
-- too: it makes itself a member of each role, which PostgreSQL requires to hand the role its schema. It sets no
-- password: give each role one where the server asks for one (the local stack's server trusts local connections).
DO $roles$
DECLARE
  service text;
  owner_role text;
  object record;
BEGIN
  FOREACH service IN ARRAY ARRAY['trainer', 'grouping', 'eval'] LOOP
    owner_role := 'mmap_' || service;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = owner_role) THEN
      EXECUTE format('CREATE ROLE %I LOGIN', owner_role);
    END IF;
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
      EXECUTE format('GRANT %I TO %I', owner_role, current_user);
    END IF;
    EXECUTE format('CREATE SCHEMA IF NOT EXISTS %I AUTHORIZATION %I', service, owner_role);
    EXECUTE format('ALTER SCHEMA %I OWNER TO %I', service, owner_role);
    -- tables first: a table's owner change carries the sequences its columns own
    FOR object IN SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE n.nspname = service AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
                    AND pg_get_userbyid(c.relowner) <> owner_role LOOP
      EXECUTE format('ALTER %s %I.%I OWNER TO %I',
                     CASE object.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                         WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
                     service, object.relname, owner_role);
    END LOOP;
    FOR object IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE n.nspname = service AND c.relkind = 'S'
                    AND pg_get_userbyid(c.relowner) <> owner_role LOOP
      EXECUTE format('ALTER SEQUENCE %I.%I OWNER TO %I', service, object.relname, owner_role);
    END LOOP;
  END LOOP;
END
$roles$;

REVOKE CREATE ON SCHEMA public FROM PUBLIC;
