-- Database roles for ventanas. Run as a superuser with psql, once per cluster:
--
--   psql -v ON_ERROR_STOP=1 \
--        -v owner_password=... -v app_password=... -v platform_password=... \
--        -f deploy/db/roles.sql
--
-- Idempotent: creates what is missing and (re)asserts every attribute and password.
-- Nothing here swallows errors: a failure stops the script.
--
--   ventanas_owner     owns the schema; runs migrations; may create test databases.
--   ventanas_app       the server's runtime role: not superuser, no BYPASSRLS, owns
--                      nothing. Row-level security applies to everything it does.
--   ventanas_platform  the platform operator path: onboarding and the global default
--                      catalogue. Also subject to row-level security.
--   ventanas_backup    pg_dump's role (deploy/backup/backup): reads every row of every
--                      tenant (pg_read_all_data, BYPASSRLS) and can write nothing.
--                      Created only when backup_password is given (-v backup_password=...).

SELECT 'CREATE ROLE ventanas_owner LOGIN'
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ventanas_owner') \gexec
SELECT 'CREATE ROLE ventanas_app LOGIN'
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ventanas_app') \gexec
SELECT 'CREATE ROLE ventanas_platform LOGIN'
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ventanas_platform') \gexec

ALTER ROLE ventanas_owner    LOGIN NOSUPERUSER NOBYPASSRLS CREATEDB   NOCREATEROLE PASSWORD :'owner_password';
ALTER ROLE ventanas_app      LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD :'app_password';
ALTER ROLE ventanas_platform LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD :'platform_password';

\if :{?backup_password}
SELECT 'CREATE ROLE ventanas_backup LOGIN'
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ventanas_backup') \gexec
ALTER ROLE ventanas_backup LOGIN NOSUPERUSER BYPASSRLS NOCREATEDB NOCREATEROLE INHERIT   PASSWORD :'backup_password';
SET client_min_messages = warning;  -- no notice when it is a member already
GRANT pg_read_all_data TO ventanas_backup;
RESET client_min_messages;
\endif

-- The server sets its statement timeout (database.statement_timeout_ms) at the start
-- of every transaction it opens. These role defaults bound the few statements it
-- runs outside one (login throttle, platform key lookup, readiness), directly or
-- behind PgBouncer in transaction pooling alike, where start-up parameters such as
-- `options` cannot carry a timeout.
ALTER ROLE ventanas_app      SET statement_timeout = '5s';
ALTER ROLE ventanas_platform SET statement_timeout = '5s';
