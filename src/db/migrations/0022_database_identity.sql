-- A database's own name in a Spark warehouse that several databases may
-- share: each keeps its staged inputs and results under db=ID, so two
-- databases' run 5 never meet there (db/remote.rs).
CREATE TABLE database_identity AS SELECT CAST(uuid() AS VARCHAR) AS id;
