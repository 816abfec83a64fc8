-- A file recorded under the same path, size and mtime can still hold other
-- bytes (`cp -p`, an rsync that keeps times). Its inode and the time its
-- status last changed (ctime, which no copy can set back) tell a sync when
-- the shortcut cannot be trusted and the file must be hashed. NULL: recorded
-- before this migration, or on a system without them; such a file is hashed.
ALTER TABLE source_files ADD COLUMN ctime_ns BIGINT;
ALTER TABLE source_files ADD COLUMN inode UBIGINT;
