-- The journal's tables, created in advance: only for a `cora` role WITHOUT DDL rights (see
-- README.md, "Without DDL rights"). By default the role owns the database and
-- Akka.Persistence.Sql creates these itself on first use; you need nothing from this file.
--
-- Run as the database's owner (not as cora), in the journal's database:
--
--   psql -h DBHOST -U cora_owner -d cora -v app_role=cora -f tables.sql
--
-- What Akka.Persistence.Sql 1.5.73 creates with `table-mapping = postgresql` and provider
-- PostgreSQL.15 (the Akka.Persistence.PostgreSql-compatible names), taken from pg_dump of tables
-- it created: the journal (event_journal), the tag table (tags: `tag-write-mode = TagTable`,
-- the default, takes its names from the plugin's default mapping) and the snapshot store
-- (snapshot_store). No `metadata` table: it is created only with delete-compatibility-mode.
-- Re-check this against a pg_dump when the Akka.Persistence.Sql version changes.

\set ON_ERROR_STOP on

CREATE TABLE IF NOT EXISTS public.event_journal (
    ordering bigint GENERATED ALWAYS AS IDENTITY,
    created_at bigint NOT NULL,
    is_deleted boolean NOT NULL,
    persistence_id text NOT NULL,
    sequence_nr bigint NOT NULL,
    payload bytea NOT NULL,
    manifest text,
    serializer_id integer,
    CONSTRAINT "PK_event_journal" PRIMARY KEY (ordering),
    CONSTRAINT event_journal_uq UNIQUE (persistence_id, sequence_nr)
);
CREATE INDEX IF NOT EXISTS event_journal_created_at_idx ON public.event_journal (created_at);
CREATE INDEX IF NOT EXISTS event_journal_sequence_nr_idx ON public.event_journal (sequence_nr);

CREATE TABLE IF NOT EXISTS public.tags (
    ordering_id bigint NOT NULL,
    tag text NOT NULL,
    sequence_nr bigint NOT NULL,
    persistence_id text NOT NULL,
    CONSTRAINT "PK_tags" PRIMARY KEY (ordering_id, tag)
);
CREATE INDEX IF NOT EXISTS tags_persistence_id_sequence_nr_idx ON public.tags (persistence_id, sequence_nr);
CREATE INDEX IF NOT EXISTS tags_tag_idx ON public.tags (tag);

CREATE TABLE IF NOT EXISTS public.snapshot_store (
    persistence_id text NOT NULL,
    sequence_nr bigint NOT NULL,
    created_at bigint NOT NULL,
    payload bytea,
    manifest text,
    serializer_id integer,
    CONSTRAINT "PK_snapshot_store" PRIMARY KEY (persistence_id, sequence_nr)
);
CREATE INDEX IF NOT EXISTS snapshot_store_created_at_idx ON public.snapshot_store (created_at);
CREATE INDEX IF NOT EXISTS snapshot_store_sequence_nr_idx ON public.snapshot_store (sequence_nr);

-- Reading, appending, and deleting (old snapshots are deleted as new ones are saved).
GRANT CONNECT ON DATABASE :"DBNAME" TO :"app_role";
GRANT USAGE ON SCHEMA public TO :"app_role";
GRANT SELECT, INSERT, UPDATE, DELETE ON public.event_journal, public.tags, public.snapshot_store TO :"app_role";
