-- The role and database of Cora's journal (the sweep coordinator's events and snapshots).
-- Run once, as a superuser, with psql (it uses psql variables and \gexec):
--
--   psql -h DBHOST -U postgres -v cora_password="$(openssl rand -hex 24)" -f setup.sql
--
-- Safe to run again: what exists is left alone, except the password, which is set each time.
-- The role owns the database, so Akka.Persistence.Sql can create its tables on first use
-- (PostgreSQL 15+: the public schema belongs to the database owner). For a role without DDL
-- rights, see README.md ("Without DDL rights") and tables.sql.

\set ON_ERROR_STOP on

SELECT 'CREATE ROLE cora LOGIN'
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cora') \gexec
ALTER ROLE cora WITH LOGIN PASSWORD :'cora_password';

-- CREATE DATABASE cannot run inside a transaction or a DO block: \gexec runs it on its own.
SELECT 'CREATE DATABASE cora OWNER cora ENCODING ''UTF8'' TEMPLATE template0'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'cora') \gexec

-- Only the cora role (and superusers) may connect.
REVOKE ALL ON DATABASE cora FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE cora TO cora;
