-- Run once by the postgres image on an empty data volume (docker-entrypoint-initdb.d).
-- POSTGRES_DB creates `tracker` (TRACKER_STORE_URL); these are the other two databases
-- of deploy/docker-compose.yml: the trainer's records (APP_DB_URL) and the knowledge
-- base (KNOWLEDGE_DB_URL), kept apart because the knowledge base is dropped and rebuilt.
CREATE DATABASE records;
CREATE DATABASE knowledge;
